// SPDX-License-Identifier: Apache-2.0
import Foundation
import MessagePack

// Foundation interop: `Data` travels as bin, `Date` as a timestamp (ext −1), `URL` as the str of its absolute
// form (Spec/well-known-types.md 10: a URL has no well-known type; Foundation's `Codable` URL is a map of
// implementation details that no other language reads).

extension PortableEncodingState {
    func encodeFoundationValue<T: Encodable>(_ value: T, impl: _EncoderImpl) throws -> Bool {
        if T.self == Data.self {
            _identityCast(value, to: Data.self).withUnsafeBytes { impl.writer.writeBinary($0) }
            return true
        }
        if T.self == Date.self {
            impl.writer.write(MessagePackTimestamp(_identityCast(value, to: Date.self)))
            return true
        }
        if T.self == URL.self {
            impl.writer.write(_identityCast(value, to: URL.self).absoluteString)
            return true
        }
        return false
    }
}

extension PortableDecodingState {
    func decodeFoundationValue<T: Decodable>(_ type: T.Type, impl: _DecoderImpl) throws -> T? {
        if T.self == Data.self {
            let (start, count) = try impl.reader.readBinaryHeader()
            return _identityCast(Data(impl.reader.bytes[start..<(start + count)]), to: T.self)
        }
        if T.self == Date.self {
            return _identityCast(Date(try impl.reader.readTimestamp()), to: T.self)
        }
        if T.self == URL.self {
            let start = impl.reader.offset
            let text = try impl.reader.readString()
            guard let url = URL(string: text) else {
                throw MessagePackError(
                    .typeMismatch, at: start, "expected a URL but the str is not one",
                    hint: "send an absolute or relative URL reference (RFC 3986), or decode the field as String")
            }
            return _identityCast(url, to: T.self)
        }
        return nil
    }
}

extension MessagePackTimestamp {
    /// The timestamp of a `Date`, to the nearest nanosecond.
    public init(_ date: Date) {
        let interval = date.timeIntervalSince1970
        var seconds = interval.rounded(.down)
        var nanos = ((interval - seconds) * 1e9).rounded()
        if nanos >= 1e9 {
            seconds += 1
            nanos -= 1e9
        }
        self.init(seconds: Int64(seconds), nanoseconds: UInt32(nanos))
    }
}

extension Date {
    /// The date of a MessagePack timestamp (Double precision: about a microsecond today).
    public init(_ timestamp: MessagePackTimestamp) {
        self.init(timeIntervalSince1970: Double(timestamp.seconds) + Double(timestamp.nanoseconds) / 1e9)
    }
}

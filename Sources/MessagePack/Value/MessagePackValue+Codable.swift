// SPDX-License-Identifier: Apache-2.0

// `MessagePackEncoder` and `MessagePackDecoder` (and the portable coders built on them) recognise these
// types before calling `encode(to:)` / `init(from:)`, and write and read them as themselves: any value
// for `MessagePackValue`, the timestamp extension for `MessagePackTimestamp`. The conformances below are
// only reached through other coders.

extension MessagePackValue: Codable {
    /// Throws: a `MessagePackValue` (ext values, binary, non-string keys) has no faithful form in other
    /// coders; only the MessagePack coders can carry it.
    public func encode(to encoder: any Encoder) throws {
        throw _OtherCoder.cannotEncode(
            self, encoder, "MessagePackValue can only be encoded by MessagePackEncoder or PortableEncoder")
    }

    /// Throws: see ``encode(to:)-(Encoder)``.
    public init(from decoder: any Decoder) throws {
        throw _OtherCoder.cannotDecode(
            Self.self, decoder, "MessagePackValue can only be decoded by MessagePackDecoder or PortableDecoder")
    }
}

/// The errors a type that only this package's coders carry throws from any other coder, naming the field.
package enum _OtherCoder {
    /// `EncodingError.invalidValue` at the encoder's coding path.
    package static func cannotEncode(_ value: Any, _ encoder: any Encoder, _ message: String) -> EncodingError {
        EncodingError.invalidValue(value, EncodingError.Context(codingPath: encoder.codingPath, debugDescription: message))
    }

    /// `DecodingError.typeMismatch` at the decoder's coding path.
    package static func cannotDecode(_ type: Any.Type, _ decoder: any Decoder, _ message: String) -> DecodingError {
        DecodingError.typeMismatch(type, DecodingError.Context(codingPath: decoder.codingPath, debugDescription: message))
    }
}

extension MessagePackTimestamp: Codable {
    private enum CodingKeys: String, CodingKey { case seconds, nanoseconds }

    /// In other coders a timestamp is `{"seconds": s, "nanoseconds": n}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(nanoseconds, forKey: .nanoseconds)
    }

    /// In other coders a timestamp is `{"seconds": s, "nanoseconds": n}`, nanoseconds below 10⁹.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let seconds = try container.decode(Int64.self, forKey: .seconds)
        let nanoseconds = try container.decode(UInt32.self, forKey: .nanoseconds)
        guard nanoseconds < 1_000_000_000 else {
            throw DecodingError.dataCorruptedError(
                forKey: .nanoseconds, in: container, debugDescription: "nanoseconds must be below 1000000000")
        }
        self.init(seconds: seconds, nanoseconds: nanoseconds)
    }
}

// SPDX-License-Identifier: Apache-2.0
#if GRPC
import GRPCCore
import PortableWire

@available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
extension RPCError {
    /// The metadata key holding the Spec error code of a PortableWire failure (`truncated`, `limitExceeded`, …).
    public static let portableWireErrorCodeKey = "portablewire-error-code"
    /// The metadata key holding the byte offset of a PortableWire decoding failure, in decimal.
    public static let portableWireByteOffsetKey = "portablewire-byte-offset"
    /// The metadata key holding the value path of a PortableWire failure (`$.kwargs["input"]`), at most 320 bytes.
    public static let portableWirePathKey = "portablewire-path"

    /// The status for a message that could not be decoded: `.resourceExhausted` for a limit
    /// (`limitExceeded`), `.invalidArgument` for anything else.
    ///
    /// The message reads `PortableWire could not decode a <type> message: <code> at byte <offset> (<path>):
    /// <detail>; <hint>`, at most about 1 KiB whatever the input; `cause` is the original error.
    @inline(never)
    public static func portableWire(decoding error: any Error, messageType: Any.Type) -> RPCError {
        describe(error, verb: "decode", messageType: messageType)
    }

    /// The status for a message that could not be encoded: `.invalidArgument` (`.resourceExhausted` for a limit,
    /// such as the encoder's depth), worded as ``portableWire(decoding:messageType:)`` is.
    @inline(never)
    public static func portableWire(encoding error: any Error, messageType: Any.Type) -> RPCError {
        describe(error, verb: "encode", messageType: messageType)
    }

    /// `text` with every byte outside printable ASCII written `\xNN`: an HTTP/2 header value may hold only those,
    /// and a path holds the message's own map keys.
    static func asciiHeaderValue(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if (0x20...0x7e).contains(byte) && byte != UInt8(ascii: "\\") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: false)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    static func describe(_ error: any Error, verb: String, messageType: Any.Type) -> RPCError {
        let typeName = ErrorTextBounds.elidingMiddle(String(describing: messageType), maxByteCount: 120)
        var metadata = Metadata()
        var code = RPCError.Code.invalidArgument
        let text: String
        if let error = error as? MessagePackError {
            if error.code == .limitExceeded { code = .resourceExhausted }
            metadata.addString(error.code.name, forKey: portableWireErrorCodeKey)
            if error.byteOffset >= 0 { metadata.addString("\(error.byteOffset)", forKey: portableWireByteOffsetKey) }
            let path = error.path.boundedDescription(maxByteCount: ErrorTextBounds.maxPathByteCount)
            metadata.addString(asciiHeaderValue(path), forKey: portableWirePathKey)
            text = error.description  // bounded to 1 KiB by MessagePackError
        } else {
            // An error thrown by the application's own `init(from:)` or `encode(to:)`.
            text = ErrorTextBounds.elidingMiddle("\(error)", maxByteCount: ErrorTextBounds.maxDescriptionByteCount)
        }
        return RPCError(
            code: code, message: "PortableWire could not \(verb) a \(typeName) message: \(text)", metadata: metadata,
            cause: error)
    }
}
#endif  // GRPC

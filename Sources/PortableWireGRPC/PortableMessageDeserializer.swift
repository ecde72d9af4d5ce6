// SPDX-License-Identifier: Apache-2.0
#if GRPC
import GRPCCore
import PortableWire

/// Reads gRPC messages as PortableWire messages into any `Decodable` type or a dynamic
/// `PortableValue` (as ``UncheckedPortableValue``), with a registry and limits.
///
/// Give it to a `GRPCClient` call as the response deserializer, or to `RPCRouter.registerHandler` as the
/// request deserializer. Each gRPC message must be exactly one PortableWire message (Spec/format.md, "Media
/// type": trailing bytes are an error). Only types in the registry are instantiated; back-references come back
/// as shared instances.
///
///     let deserializer = PortableMessageDeserializer<UncheckedPortableValue>(registry: registry, limits: limits)
///     try deserializer.deserialize([0x93, 0x01, 0xc1, 0xff, 0xff] as [UInt8])
///     // RPCError(.invalidArgument, "PortableWire could not decode a UncheckedPortableValue message:
///     //   invalidFormatByte at byte 2 ($[1]): …"), metadata portablewire-error-code: invalidFormatByte,
///     //   portablewire-byte-offset: 2, portablewire-path: $[1]
///
/// Bytes that do not decode throw `RPCError` with code `.invalidArgument`; a message over one of the
/// `MessagePackLimits` (its byte count, depth, element or object count, …) throws
/// `.resourceExhausted`. Either way the message holds the Spec error code, the byte offset and the value path
/// (at most about 1 KiB of text, whatever the input), and the error's metadata holds them as
/// `portablewire-error-code`, `portablewire-byte-offset` and `portablewire-path`, for programs to match on. On a
/// server, that is the status the client receives; the handler does not run.
@available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
public struct PortableMessageDeserializer<Message: SendableMetatype>: MessageDeserializer, Sendable {
    /// The decoder every message goes through (registry, limits, unknown-type and cycle policies).
    public let decoder: PortableDecoder
    let decode: @Sendable (PortableDecoder, UnsafeRawBufferPointer) throws -> Message

    /// A deserializer for a `Decodable` message type with the portable types of `registry`, bounded by `limits`.
    ///
    /// Reference cycles are refused (`incompleteReference`): under ARC a cycle that arrives intact is a leak,
    /// and a message from the network should not be able to make one. Pass a decoder to allow them.
    public init(registry: TypeRegistry, limits: PortableLimits = .default) where Message: Decodable {
        self.init(decoder: Self.makeDecoder(registry, limits))
    }

    /// A deserializer for a `Decodable` message type that reads with `decoder` (all of its policies).
    public init(decoder: PortableDecoder) where Message: Decodable {
        self.decoder = decoder
        self.decode = { decoder, raw in try decoder.decode(Message.self, from: raw) }
    }

    /// A deserializer for dynamic `PortableValue` messages (wrapped in ``UncheckedPortableValue``)
    /// with the portable types of `registry`, bounded by `limits`; cycles are refused, as for a `Decodable` type.
    public init(registry: TypeRegistry, limits: PortableLimits = .default) where Message == UncheckedPortableValue {
        self.init(decoder: Self.makeDecoder(registry, limits))
    }

    /// A deserializer for dynamic `PortableValue` messages that reads with `decoder`.
    public init(decoder: PortableDecoder) where Message == UncheckedPortableValue {
        self.decoder = decoder
        self.decode = { decoder, raw in UncheckedPortableValue(try decoder.decode(from: raw)) }
    }

    static func makeDecoder(_ registry: TypeRegistry, _ limits: PortableLimits) -> PortableDecoder {
        var decoder = PortableDecoder(registry: registry)
        decoder.limits = limits
        decoder.cycles = .reject
        return decoder
    }

    /// Decodes one PortableWire message from `serializedMessageBytes`.
    ///
    /// - Throws: `RPCError` with code `.invalidArgument` (bytes that do not decode into `Message`) or
    ///   `.resourceExhausted` (a limit exceeded), naming the Spec error code, byte offset and path.
    /// - Complexity: O(n) in the message's byte count; work and memory never grow with lengths read from the
    ///   message before they are checked against the bytes present and the limits.
    public func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> Message {
        do {
            return try serializedMessageBytes.withUnsafeBytes { raw in try decode(decoder, raw) }
        } catch {
            throw RPCError.portableWire(decoding: error, messageType: Message.self)
        }
    }
}
#endif  // GRPC

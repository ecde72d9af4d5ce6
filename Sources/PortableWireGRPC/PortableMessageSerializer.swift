// SPDX-License-Identifier: Apache-2.0
#if GRPC
import GRPCCore
import PortableWire

/// Writes gRPC messages as PortableWire messages: any `Encodable` type (portable objects, shared references and
/// well-known types included) or a dynamic `PortableValue` (as ``UncheckedPortableValue``).
///
/// Give it to a `GRPCClient` call as the request serializer, or to `RPCRouter.registerHandler` as the response
/// serializer. Each gRPC message is one PortableWire message (Spec/format.md, "Media type"): the global-data
/// envelope, if any, and one value; the bytes are exactly what `PortableEncoder` writes.
///
///     struct Point: Codable { var x: Int; var y: Int }
///     let bytes: [UInt8] = try PortableMessageSerializer<Point>(registry: registry).serialize(Point(x: 1, y: 2))
///     // 82 a1 78 01 a1 79 02: {"x": 1, "y": 2}; a registered `Portable` value becomes a portable object
///
/// A value that cannot be written (an unregistered portable type, a cycle through a type that is not two-phase)
/// throws `RPCError` with code `.invalidArgument` whose message names the Spec error code (`cannotSerialize`,
/// `cycleDetected`, …) and the path; on a server that is the status the client receives.
@available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
public struct PortableMessageSerializer<Message: SendableMetatype>: MessageSerializer, Sendable {
    /// The encoder every message goes through (its registry names the portable types it may write).
    public let encoder: PortableEncoder
    let encode: @Sendable (PortableEncoder, Message) throws -> [UInt8]

    /// A serializer for an `Encodable` message type with the portable types of `registry`.
    public init(registry: TypeRegistry) where Message: Encodable {
        self.init(encoder: PortableEncoder(registry: registry))
    }

    /// A serializer for an `Encodable` message type that writes with `encoder` (its options, depth limit and
    /// `userInfo`).
    public init(encoder: PortableEncoder) where Message: Encodable {
        self.encoder = encoder
        self.encode = { encoder, message in try encoder.encode(message) }
    }

    /// A serializer for dynamic `PortableValue` messages (wrapped in ``UncheckedPortableValue``,
    /// since gRPC needs `Sendable` messages) with the portable types of `registry`.
    public init(registry: TypeRegistry) where Message == UncheckedPortableValue {
        self.init(encoder: PortableEncoder(registry: registry))
    }

    /// A serializer for dynamic `PortableValue` messages that writes with `encoder`.
    public init(encoder: PortableEncoder) where Message == UncheckedPortableValue {
        self.encoder = encoder
        self.encode = { encoder, message in try encoder.encode(message.value) }
    }

    /// Encodes `message` as one PortableWire message.
    ///
    /// - Throws: `RPCError` with code `.invalidArgument` when the message cannot be written (the text names the
    ///   Spec error code and the path, at most about 1 KiB).
    public func serialize<Bytes: GRPCContiguousBytes>(_ message: Message) throws -> Bytes {
        let bytes: [UInt8]
        do {
            bytes = try encode(encoder, message)
        } catch {
            throw RPCError.portableWire(encoding: error, messageType: Message.self)
        }
        // The transports of grpc-swift-nio-transport use their own byte buffer; `[UInt8]` (the in-process
        // transport's bytes) is handed over without a copy.
        if let same = bytes as? Bytes { return same }
        return Bytes(bytes)
    }
}
#endif  // GRPC

// SPDX-License-Identifier: Apache-2.0
#if NIO
import MessagePack
import NIOCore
import PortableWire

/// A `MessageToByteEncoder` that writes each outbound value as one message: typed `Encodable` values with
/// portable objects, dynamic `PortableValue`s, or plain `MessagePackValue`s.
///
///     try channel.pipeline.syncOperations.addHandler(
///         MessageToByteHandler(PortableFrameEncoder(TaskResult.self, registry: registry)))
///
/// Messages follow each other on the connection with no extra framing; ``PortableFrameDecoder`` reads
/// them back.
public struct PortableFrameEncoder<Message>: MessageToByteEncoder {
    public typealias OutboundIn = Message

    let encodeMessage: (Message, inout ByteBuffer) throws -> Void

    /// Creates an encoder that appends each message's bytes to the buffer with `encode`.
    public init(encode: @escaping (Message, inout ByteBuffer) throws -> Void) {
        self.encodeMessage = encode
    }

    /// Creates an encoder of typed messages, encoded with `encoder`.
    public init(_ type: Message.Type, encoder: PortableEncoder) where Message: Encodable {
        self.init { value, out in
            var writer = MessagePackWriter()
            try encoder.encode(value, into: &writer)
            writer.withUnsafeBytes { _ = out.writeBytes($0) }
        }
    }

    /// Creates an encoder of typed messages that may hold the portable types in `registry`.
    public init(_ type: Message.Type, registry: TypeRegistry) where Message: Encodable {
        self.init(type, encoder: PortableEncoder(registry: registry))
    }

    /// Creates an encoder of dynamic messages that may hold the portable types in `registry`.
    public init(registry: TypeRegistry) where Message == PortableValue {
        let encoder = PortableEncoder(registry: registry)
        self.init { value, out in
            var writer = MessagePackWriter()
            try encoder.encode(value, into: &writer)
            writer.withUnsafeBytes { _ = out.writeBytes($0) }
        }
    }

    /// Creates an encoder of plain MessagePack values.
    public init() where Message == MessagePackValue {
        self.init { value, out in
            var writer = MessagePackWriter()
            writer.write(value)
            writer.withUnsafeBytes { _ = out.writeBytes($0) }
        }
    }

    /// Encodes `data` into `out`.
    public func encode(data: Message, out: inout ByteBuffer) throws {
        try encodeMessage(data, &out)
    }
}
#endif  // NIO

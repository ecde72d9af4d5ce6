// SPDX-License-Identifier: Apache-2.0
import MessagePack

/// Writes a sequence of portable messages to a `MessageSink`, one complete message at a time.
///
/// Each message is encoded on its own with ``PortableEncoder`` (its own type-name table, object ids and
/// global data, as the format requires) and handed to the sink; nothing else is built or kept. Messages
/// follow each other with no extra framing, so ``PortableStreamDecoder`` reads them back.
///
///     var stream = PortableStreamEncoder(registry: registry, sink: ByteArraySink())
///     try stream.write(call1)
///     try stream.write(call2)
///     let bytes = stream.sink.bytes
///
/// For a single very large plain message written element by element, use `MessagePackStreamWriter`.
public struct PortableStreamEncoder<Sink: MessageSink> {
    /// The encoder used for each message.
    public var encoder: PortableEncoder
    /// The destination.
    public var sink: Sink
    /// Messages written so far.
    public private(set) var messageCount = 0

    /// Creates a stream encoder for the types in `registry`.
    public init(registry: TypeRegistry, sink: Sink) {
        self.init(encoder: PortableEncoder(registry: registry), sink: sink)
    }

    /// Creates a stream encoder that encodes each message with `encoder`.
    public init(encoder: PortableEncoder, sink: Sink) {
        self.encoder = encoder
        self.sink = sink
    }

    /// Encodes `value` as one message and hands it to the sink.
    public mutating func write<T: Encodable>(_ value: T) throws {
        var writer = MessagePackWriter()
        try encoder.encode(value, into: &writer)
        try _write(writer)
    }

    /// Encodes a dynamic value as one message and hands it to the sink.
    public mutating func write(_ value: PortableValue) throws {
        var writer = MessagePackWriter()
        try encoder.encode(value, into: &writer)
        try _write(writer)
    }

    /// Encodes a value known only at run time (see ``PortableEncoder/encode(any:)``) as one message.
    public mutating func write(any value: Any) throws {
        var writer = MessagePackWriter()
        try encoder.encode(any: value, into: &writer)
        try _write(writer)
    }

    /// Flushes the sink.
    public mutating func flush() throws { try sink.flush() }

    /// Hands the writer's bytes to the sink as they are (no array is made of them).
    mutating func _write(_ message: borrowing MessagePackWriter) throws {
        try message.withUnsafeBytes { raw throws in try sink.write(raw) }
        messageCount += 1
    }
}

/// A stream encoder can move to another task when its sink can.
extension PortableStreamEncoder: Sendable where Sink: Sendable {}

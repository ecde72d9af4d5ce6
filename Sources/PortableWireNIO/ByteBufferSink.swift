// SPDX-License-Identifier: Apache-2.0
#if NIO
import MessagePack
import NIOCore
import PortableWire

/// A sink that appends to a NIO `ByteBuffer`, for `MessagePackStreamWriter` and
/// `PortableStreamEncoder`.
///
///     var writer = MessagePackStreamWriter(sink: ByteBufferSink(channel.allocator.buffer(capacity: 4096)))
///     try writer.beginArray(count: rows.count)
///     for row in rows { try writer.write(row) }
///     try writer.endArray()
///     channel.writeAndFlush(try writer.finish().buffer, promise: nil)
public struct ByteBufferSink: MessageSink, Sendable {
    /// Everything written so far (after whatever the buffer held at the start).
    public var buffer: ByteBuffer

    /// Creates a sink that appends to `buffer`.
    public init(_ buffer: ByteBuffer = ByteBuffer()) { self.buffer = buffer }

    /// Appends `bytes`.
    public mutating func write(_ bytes: UnsafeRawBufferPointer) {
        buffer.writeBytes(bytes)
    }
}

extension NIOAsyncChannelOutboundWriter: AsyncMessageSink where OutboundOut == ByteBuffer {
    /// Writes one message to the channel.
    public func write(_ message: [UInt8]) async throws {
        try await write(ByteBuffer(bytes: message))
    }
}

extension AsyncSequence where Element == ByteBuffer {
    /// The messages in this sequence of `ByteBuffer`s (for example a `NIOAsyncChannel`'s inbound stream),
    /// decoded as `T`; see ``_Concurrency/AsyncSequence/portableMessages(of:registry:limits:)``.
    public func portableMessages<T: Decodable>(
        of type: T.Type, registry: TypeRegistry, limits: PortableLimits = .default
    ) -> PortableMessageSequence<AsyncMapSequence<Self, ByteBufferView>, T> {
        map { $0.readableBytesView }.portableMessages(of: type, registry: registry, limits: limits)
    }

    /// The messages in this sequence of `ByteBuffer`s as plain values.
    public func messagePackValues(limits: MessagePackLimits = .default)
        -> MessagePackValueSequence<AsyncMapSequence<Self, ByteBufferView>>
    {
        map { $0.readableBytesView }.messagePackValues(limits: limits)
    }
}
#endif  // NIO

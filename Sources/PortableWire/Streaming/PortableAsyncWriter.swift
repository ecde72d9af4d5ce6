// SPDX-License-Identifier: Apache-2.0
import MessagePack

/// An asynchronous destination for whole encoded messages: a channel writer, a stream continuation.
public protocol AsyncMessageSink {
    /// Takes one complete message.
    mutating func write(_ message: [UInt8]) async throws
}

/// A sink that hands each message to an async closure.
public struct AsyncClosureSink: AsyncMessageSink, Sendable {
    let body: @Sendable ([UInt8]) async throws -> Void

    /// Creates a sink that calls `body` with each message.
    public init(_ body: @escaping @Sendable ([UInt8]) async throws -> Void) { self.body = body }

    /// Calls the closure with `message`.
    public func write(_ message: [UInt8]) async throws { try await body(message) }
}

extension AsyncStream<[UInt8]>.Continuation: AsyncMessageSink {
    /// Yields `message` to the stream's consumer.
    public func write(_ message: [UInt8]) async throws { yield(message) }
}

/// Writes portable messages to an ``AsyncMessageSink``, one complete message at a time.
///
///     let (chunks, continuation) = AsyncStream<[UInt8]>.makeStream()
///     var writer = PortableAsyncWriter(registry: registry, sink: continuation)
///     try await writer.write(call)
///     continuation.finish()
///     for try await call in chunks.portableMessages(of: TaskCall.self, registry: registry) { … }
public struct PortableAsyncWriter<Sink: AsyncMessageSink> {
    /// The encoder used for each message.
    public var encoder: PortableEncoder
    /// The destination.
    public var sink: Sink

    /// Creates a writer for the types in `registry`.
    public init(registry: TypeRegistry, sink: Sink) {
        self.init(encoder: PortableEncoder(registry: registry), sink: sink)
    }

    /// Creates a writer that encodes each message with `encoder`.
    public init(encoder: PortableEncoder, sink: Sink) {
        self.encoder = encoder
        self.sink = sink
    }

    /// Encodes `value` as one message and writes it.
    public mutating func write<T: Encodable>(_ value: T) async throws {
        try await sink.write(encoder.encode(value))
    }

    /// Encodes a dynamic value as one message and writes it.
    public mutating func write(_ value: PortableValue) async throws {
        try await sink.write(encoder.encode(value))
    }

    /// Encodes a value known only at run time as one message and writes it.
    public mutating func write(any value: Any) async throws {
        try await sink.write(encoder.encode(any: value))
    }
}

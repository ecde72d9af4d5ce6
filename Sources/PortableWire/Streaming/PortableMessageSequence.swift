// SPDX-License-Identifier: Apache-2.0
import MessagePack

extension AsyncSequence where Element: Collection<UInt8> {
    /// The messages in this sequence of byte chunks, decoded as `T` with portable objects and global data.
    ///
    ///     for try await call in chunks.portableMessages(of: TaskCall.self, registry: registry) { … }
    ///
    /// Chunks may be cut anywhere; the messages are the same for every chunking. The sequence ends when the
    /// chunks end between two messages, and throws `MessagePackError` `.truncated` when they end inside
    /// one; any decoding error ends it too.
    public func portableMessages<T: Decodable>(
        of type: T.Type, registry: TypeRegistry, limits: PortableLimits = .default
    ) -> PortableMessageSequence<Self, T> {
        var decoder = PortableDecoder(registry: registry)
        decoder.limits = limits
        return portableMessages(of: type, decoder: decoder)
    }

    /// The messages in this sequence of byte chunks, decoded as `T` with `decoder`.
    public func portableMessages<T: Decodable>(of type: T.Type, decoder: PortableDecoder)
        -> PortableMessageSequence<Self, T>
    {
        PortableMessageSequence(base: self, decoder: decoder) { stream in try stream.next(T.self) }
    }

    /// The messages in this sequence of byte chunks as dynamic values (portable objects as instances).
    public func portableValues(registry: TypeRegistry, limits: PortableLimits = .default)
        -> PortableMessageSequence<Self, PortableValue>
    {
        var decoder = PortableDecoder(registry: registry)
        decoder.limits = limits
        return PortableMessageSequence(base: self, decoder: decoder) { stream in try stream.nextValue() }
    }
}

/// An asynchronous sequence of messages decoded from an asynchronous sequence of byte chunks; see
/// ``_Concurrency/AsyncSequence/portableMessages(of:registry:limits:)``.
public struct PortableMessageSequence<Base: AsyncSequence, Message>: AsyncSequence where Base.Element: Collection<UInt8> {
    public typealias Element = Message

    let base: Base
    let decoder: PortableDecoder
    let take: (inout PortableStreamDecoder) throws -> Message?

    init(base: Base, decoder: PortableDecoder, take: @escaping (inout PortableStreamDecoder) throws -> Message?) {
        self.base = base
        self.decoder = decoder
        self.take = take
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(
            chunks: _ChunkedMessages(base: base.makeAsyncIterator(), stream: PortableStreamDecoder(decoder: decoder)),
            take: take)
    }

    /// Reads chunks from the base sequence only when the buffered ones hold no complete message.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: _ChunkedMessages<Base.AsyncIterator, PortableStreamDecoder>
        let take: (inout PortableStreamDecoder) throws -> Message?

        /// The next message, or `nil` after the last one.
        public mutating func next() async throws -> Message? {
            try await chunks.next(take)
        }
    }
}

extension PortableStreamDecoder: _ChunkFedDecoder {}

// Safe: `take` is one of the stateless closures built above; it captures only a metatype (no mutable state),
// and the decoder settings are Sendable values.
extension PortableMessageSequence: @unchecked Sendable where Base: Sendable {}

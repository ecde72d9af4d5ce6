// SPDX-License-Identifier: Apache-2.0

extension AsyncSequence where Element: Collection<UInt8> {
    /// The MessagePack values in this sequence of byte chunks, one per message.
    ///
    ///     for try await value in chunks.messagePackValues() { print(value) }
    ///
    /// Chunks may be cut anywhere. The sequence ends when the chunks end between two messages and throws
    /// ``MessagePackError`` `.truncated` when they end inside one.
    public func messagePackValues(limits: MessagePackLimits = .default) -> MessagePackValueSequence<Self> {
        MessagePackValueSequence(base: self, limits: limits)
    }
}

/// An asynchronous sequence of values decoded from an asynchronous sequence of byte chunks; see
/// ``_Concurrency/AsyncSequence/messagePackValues(limits:)``.
public struct MessagePackValueSequence<Base: AsyncSequence>: AsyncSequence where Base.Element: Collection<UInt8> {
    public typealias Element = MessagePackValue

    let base: Base
    let limits: MessagePackLimits

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunks: _ChunkedMessages(base: base.makeAsyncIterator(), stream: MessagePackStreamDecoder(limits: limits)))
    }

    /// Reads chunks from the base sequence only when the buffered ones hold no complete message.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: _ChunkedMessages<Base.AsyncIterator, MessagePackStreamDecoder>

        /// The next value, or `nil` after the last one.
        public mutating func next() async throws -> MessagePackValue? {
            try await chunks.next { stream throws(MessagePackError) in try stream.next() }
        }
    }
}

extension MessagePackValueSequence: Sendable where Base: Sendable {}

/// A stream decoder that an asynchronous sequence of byte chunks feeds.
package protocol _ChunkFedDecoder {
    mutating func feed(_ bytes: some Collection<UInt8>)
    mutating func finish() throws(MessagePackError)
}

extension MessagePackStreamDecoder: _ChunkFedDecoder {}

/// The loop of every asynchronous message sequence (plain values here, portable messages in `PortableWire`): take a
/// message out of the stream decoder, and read another chunk from the base iterator only when none is complete.
package struct _ChunkedMessages<Base: AsyncIteratorProtocol, Stream: _ChunkFedDecoder> where Base.Element: Collection<UInt8> {
    var base: Base
    var stream: Stream
    var ended = false

    package init(base: Base, stream: Stream) {
        self.base = base
        self.stream = stream
    }

    /// The next message `take` finds in the stream, or `nil` once the chunks ended between two messages;
    /// `.truncated` when they ended inside one.
    package mutating func next<Message>(_ take: (inout Stream) throws -> Message?) async throws -> Message? {
        while !ended {
            if let message = try take(&stream) { return message }
            guard let chunk = try await base.next() else {
                ended = true
                try stream.finish()
                return nil
            }
            stream.feed(chunk)
        }
        return nil
    }
}

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
        AsyncIterator(base: base.makeAsyncIterator(), stream: MessagePackStreamDecoder(limits: limits))
    }

    /// Reads chunks from the base sequence only when the buffered ones hold no complete message.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        var stream: MessagePackStreamDecoder
        var ended = false

        /// The next value, or `nil` after the last one.
        public mutating func next() async throws -> MessagePackValue? {
            while !ended {
                if let value = try stream.next() { return value }
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
}

extension MessagePackValueSequence: Sendable where Base: Sendable {}

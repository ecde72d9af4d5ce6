// SPDX-License-Identifier: Apache-2.0
import MessagePack

/// Decodes a stream of portable messages (objects, back-references, global data) arriving in chunks.
///
/// The portable counterpart of `MessagePackStreamDecoder`, decoding each message with ``PortableDecoder``
/// straight from the decoder's buffer. A message that arrived whole takes one pass: the wire-order scan that
/// every portable decode makes first also finds where the message ends. One that is not all there yet is
/// framed by the frame scanner (a global-data envelope is one top-level ext value, so it needs no special
/// case) and then decoded in one piece; every error comes from that route. Every chunking of a stream gives
/// the same messages and the same errors. Your types' `init(from:)` and deserializers run only on complete
/// messages, but on a message that fails to decode they may run twice.
///
///     var stream = PortableStreamDecoder(registry: registry)
///     for chunk in chunks {
///         stream.feed(chunk)
///         while let call = try stream.next(TaskCall.self) { handle(call) }
///     }
///     try stream.finish()   // .truncated if the stream stopped inside a message
///
/// **After an error the decoder is poisoned**: every later `next…` call and `finish()` rethrow the same
/// `MessagePackError` (an error of your own types' code is inside it, as for every entry point: README, "Errors"). `MessagePackError` offsets count from the first byte fed.
public struct PortableStreamDecoder: Sendable {
    /// The one-shot decoder run over each message: registry, options, unknown-type policy, user info.
    public var decoder: PortableDecoder
    @usableFromInline var _frames: MessagePackStreamDecoder

    /// Creates a stream decoder for the types in `registry`.
    public init(registry: TypeRegistry, limits: PortableLimits = .default) {
        var decoder = PortableDecoder(registry: registry)
        decoder.limits = limits
        self.init(decoder: decoder)
    }

    /// Creates a stream decoder that decodes each message with `decoder` (and its limits).
    public init(decoder: PortableDecoder) {
        self.decoder = decoder
        self._frames = MessagePackStreamDecoder(limits: decoder.limits.plain)
    }

    /// Bytes fed and not yet taken out as messages.
    public var bufferedByteCount: Int { _frames.bufferedByteCount }

    /// Messages decoded in one pass (for tests that check which route a stream took).
    package var _onePassMessageCount: Int { _frames._onePassMessageCount }

    /// Appends bytes received from the stream; see `MessagePackStreamDecoder/feed(_:)-(UnsafeRawBufferPointer)`.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) { _frames.feed(bytes) }
    /// Appends bytes received from the stream (adopting the array when the decoder holds nothing).
    public mutating func feed(_ bytes: [UInt8]) { _frames.feed(bytes) }
    /// Appends bytes received from the stream.
    public mutating func feed(_ bytes: some Collection<UInt8>) { _frames.feed(bytes) }

    /// Returns the next complete message decoded as `T`, or `nil` when more bytes are needed.
    public mutating func next<T: Decodable>(_ type: T.Type) throws -> T? {
        let decoder = self.decoder
        if let value = _frames._nextInPlace({ decoder._decodeFront(T.self, raw: $0, byteCount: &$1) }) { return value }
        return try _frames.nextFrame { raw in try decoder.decode(T.self, raw: raw) }
    }

    /// Returns the next complete message as a dynamic value, or `nil` when more bytes are needed.
    public mutating func nextValue() throws -> PortableValue? {
        let decoder = self.decoder
        if let message = _frames._nextInPlace({ decoder._decodeMessageFront(raw: $0, byteCount: &$1) }) { return message.body }
        return try _frames.nextFrame { raw in try decoder.decodeMessage(raw: raw).body }
    }

    /// Returns the next complete message with its global data, or `nil` when more bytes are needed.
    public mutating func nextMessage() throws -> PortableMessage? {
        let decoder = self.decoder
        if let message = _frames._nextInPlace({ decoder._decodeMessageFront(raw: $0, byteCount: &$1) }) { return message }
        return try _frames.nextFrame { raw in try decoder.decodeMessage(raw: raw) }
    }

    /// Returns the next complete message as a type that is not `Decodable` (`[any Shape]`, `[String: Any]`, …),
    /// or `nil` when more bytes are needed: decoded as it is, then cast, as `PortableDecoder`'s `decode(_:from:)`
    /// does for such types.
    public mutating func next<T>(_ type: T.Type) throws -> T? {
        let decoder = self.decoder
        if let value = _frames._nextInPlace({ decoder._decodeFront(T.self, raw: $0, byteCount: &$1) }) { return value }
        return try _frames.nextFrame { raw in try decoder.decode(T.self, raw: raw) }
    }

    /// Declares the end of the stream; throws `.truncated` when an unfinished message remains.
    public mutating func finish() throws(MessagePackError) { try _frames.finish() }
}

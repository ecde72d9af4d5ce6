// SPDX-License-Identifier: Apache-2.0

/// Decodes a stream of messages that arrives in chunks of any size: one byte, random pieces, or all at once.
///
/// Messages follow each other with no extra framing (Spec/format.md, "Streams"). Feed bytes as they arrive
/// and take out every complete message; "need more bytes" is `nil`, not an error:
///
///     var decoder = MessagePackStreamDecoder()
///     decoder.feed([0x92, 0x01])            // [1, 2] begins
///     try decoder.next()                    // nil: need more bytes
///     decoder.feed([0x02, 0xc3])            // [1, 2] ends, true follows
///     try decoder.next()                    // [1, 2]
///     try decoder.next()                    // true
///     try decoder.finish()                  // the stream ended between messages: fine
///
/// The decoder keeps one contiguous buffer and decodes each message straight from it. A message that arrived
/// whole is decoded in one pass, in place: the decode itself finds where it ends. A message that is not all
/// there yet, or that fails to decode, goes to ``MessagePackFrameScanner``, which finds its end looking at each
/// new byte once whatever the chunking, and is then decoded in one piece exactly as
/// `MessagePackValue(decoding:limits:)` would; every error comes from that route. Consumed bytes are dropped
/// lazily (amortised O(1) per byte). So the total work is O(n) in the bytes fed (a message that straddles two
/// feeds costs one failed decode of the part that was there), and the results are the same for every way of
/// cutting the stream. Memory is bounded by `limits.maxMessageByteCount` plus the
/// bytes fed and not yet taken out: a message that would grow past the limit is rejected as soon as a header
/// shows it, before its bytes arrive.
///
/// Errors are ``MessagePackError`` values whose `byteOffset` counts from the first byte fed. **After an error
/// the decoder is poisoned**: the stream has lost its framing, so every later `next` or `finish` throws the
/// same error again. Create a new decoder (and a new connection) to go on.
public struct MessagePackStreamDecoder: Sendable {
    /// The bounds for each message (and for the scanner).
    public let limits: MessagePackLimits
    /// Plain-value choices for `next(_:)` of a `Decodable` type (the Codable route).
    public var options = MessagePackDecoder.Options()

    @usableFromInline var _buffer: [UInt8] = []
    /// Index in `_buffer` of the first byte of the next message.
    @usableFromInline var _start = 0
    /// Index in `_buffer` of the first byte not yet scanned.
    @usableFromInline var _scanned = 0
    /// End index of a complete message found but not yet taken out.
    @usableFromInline var _frameEnd: Int? = nil
    /// The stream offset of `_buffer[0]`.
    @usableFromInline var _bufferStreamOffset = 0
    @usableFromInline var _scanner: MessagePackFrameScanner
    @usableFromInline var _failure: MessagePackError? = nil
    /// The error that poisoned the decoder when it was not a ``MessagePackError``.
    @usableFromInline var _originalFailure: (any Error)? = nil

    /// Creates a decoder at the start of a stream.
    public init(limits: MessagePackLimits = .default) {
        self.limits = limits
        self._scanner = MessagePackFrameScanner(limits: limits)
    }

    /// Bytes fed and not yet taken out as messages.
    @inlinable public var bufferedByteCount: Int { _buffer.count &- _start }

    /// Bytes of buffer memory reserved now (for tests of the reservation policy).
    package var _reservedByteCount: Int { _buffer.capacity }

    /// Bytes framed since the stream began: scanned by the frame scanner, or taken as whole messages decoded in
    /// place. Each byte is framed once, however the stream was cut, so after the last message this equals the
    /// bytes fed.
    @inlinable public var scannedByteCount: Int { _scanner.scannedByteCount }

    /// Whether the decoder failed; every later call rethrows that error.
    @inlinable public var failure: MessagePackError? { _failure }

    // MARK: Feeding

    /// Appends bytes received from the stream. Nothing is scanned until ``next()`` asks for a message.
    ///
    /// - Complexity: O(k) for k bytes, amortised.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        _prepareForAppend(bytes.count)
        // Safe: bytes are plain bytes, so viewing them as UInt8 is fine; a typed buffer takes Array's memcpy path.
        _buffer.append(contentsOf: UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: bytes.count))
    }

    /// Appends bytes received from the stream. When the decoder holds nothing and `bytes` is at least as big
    /// as its buffer, it adopts the array itself instead of copying it.
    public mutating func feed(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        if _start == _buffer.count && bytes.count >= _buffer.capacity {
            _bufferStreamOffset &+= _buffer.count
            _buffer = bytes
            _start = 0
            _scanned = 0
            return
        }
        bytes.withUnsafeBytes { feed($0) }
    }

    /// Appends bytes received from the stream, from any collection (copied once, contiguously when it can be).
    public mutating func feed(_ bytes: some Collection<UInt8>) {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ feed(UnsafeRawBufferPointer($0)) }) {
            return done
        }
        _prepareForAppend(bytes.count)
        _buffer.append(contentsOf: bytes)
    }

    /// Drops consumed bytes when they are at least half the buffer (so each byte moves at most once on
    /// average) and grows the buffer geometrically.
    @usableFromInline
    mutating func _prepareForAppend(_ byteCount: Int) {
        if _start > 0 && _start >= _buffer.count &- _start {
            _compact()
        }
        let needed = _buffer.count &+ byteCount
        if needed > _buffer.capacity {
            _buffer.reserveCapacity(Swift.max(needed, _buffer.capacity &* 2))
        }
    }

    @usableFromInline
    mutating func _compact() {
        guard _start > 0 else { return }
        if _start == _buffer.count {
            _buffer.removeAll(keepingCapacity: true)
        } else {
            _buffer.removeSubrange(0..<_start)
        }
        _bufferStreamOffset &+= _start
        _scanned &-= _start
        if let end = _frameEnd { _frameEnd = end &- _start }
        _start = 0
    }

    // MARK: Taking messages out

    /// Returns the next complete message as a value, or `nil` when more bytes are needed.
    ///
    /// - Throws: ``MessagePackError``: whatever `MessagePackValue(decoding:limits:)` throws for the
    ///   message, or `.invalidFormatByte` / `.limitExceeded` found while looking for its end; offsets count
    ///   from the start of the stream. The decoder is poisoned afterwards.
    public mutating func next() throws(MessagePackError) -> MessagePackValue? {
        let limits = self.limits
        if let value = _nextInPlace({ (raw, byteCount) -> MessagePackValue? in
            var reader = MessagePackReader(raw, limits: limits)
            guard let value = try? reader.readValue(limits: limits) else { return nil }
            byteCount = reader.offset
            return value
        }) {
            return value
        }
        let result: Result<MessagePackValue, MessagePackError>? = try _withNextFrame { raw in
            MessagePackValue._decodeWhole(raw, limits: limits)
        }
        switch result {
        case nil: return nil
        case .success(let value)?: return value
        case .failure(let error)?: throw _fail(error, shiftedBy: _frameOffset)
        }
    }

    /// Returns the next complete message decoded as `T` with ``MessagePackDecoder``, or `nil` when more bytes
    /// are needed.
    ///
    /// - Throws: ``MessagePackError`` for framing faults and for the message (a `DecodingError` or any other
    ///   error of `T`'s `init(from:)` as `.typeMismatch`, the original underneath), with the offset in the stream;
    ///   the decoder is poisoned afterwards.
    ///
    /// For a type that is also ``MessagePackDecodable`` the typed overload is chosen. A message that arrived whole
    /// is decoded in place (see the type's discussion), so `T`'s `init(from:)` may run first over the bytes of
    /// a message that is not all there yet, fail, and run again once it is: it must have no effect beyond the
    /// value it makes.
    @_disfavoredOverload
    public mutating func next<T: Decodable>(_ type: T.Type) throws -> T? {
        var decoder = MessagePackDecoder()
        decoder.limits = limits
        decoder.options = options
        if let value = _nextInPlace({ decoder._decodeFront(T.self, raw: $0, byteCount: &$1) }) { return value }
        return try nextFrame { raw in try decoder.decode(T.self, raw: raw) }
    }

    /// Returns the next complete message decoded as `T` with its ``MessagePackDecodable`` conformance (the typed
    /// route: generated by `@MessagePackCodable`, or written by hand), or `nil` when more bytes are needed.
    ///
    /// A message that arrived whole is decoded in one pass, in place; `T`'s `init(from:)` must read exactly one
    /// whole value (every generated and library conformance does), and it may run first over the bytes of a
    /// message that is not all there yet, fail, and run again once it is, so it must have no effect beyond
    /// the value it makes.
    ///
    /// - Throws: ``MessagePackError``: framing faults and `T`'s errors, with offsets in the stream; the decoder
    ///   is poisoned afterwards.
    @inlinable
    public mutating func next<T: MessagePackDecodable>(_ type: T.Type) throws(MessagePackError) -> T? {
        let limits = self.limits
        if let value = _nextInPlace({ (raw, byteCount) -> T? in
            var reader = MessagePackReader(raw, limits: limits)
            guard let value = try? reader.decode(T.self) else { return nil }
            byteCount = reader.offset
            return value
        }) {
            return value
        }
        let result: Result<T, MessagePackError>? = try _withNextFrame { raw in T._decodeWhole(raw, limits: limits) }
        switch result {
        case nil: return nil
        case .success(let value)?: return value
        case .failure(let error)?: throw _fail(error, shiftedBy: _frameOffset)
        }
    }

    /// Hands the next complete message's bytes to `body` and returns its result, or returns `nil` without
    /// calling `body` when more bytes are needed.
    ///
    /// The buffer is valid only during the call (it points into the decoder's own storage: no copy). Use it
    /// to run any one-shot decoder over each message. An error thrown by `body` poisons the decoder (later
    /// calls rethrow it); a ``MessagePackError`` gets the message's stream offset added to its `byteOffset`.
    ///
    /// Inlinable so that it is specialised for `R` at the call site: unspecialised, each call looked up the
    /// generic metadata of its `Result`, which cost as much as scanning the message.
    @inlinable
    public mutating func nextFrame<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        if let original = _originalFailure { throw original }
        let outcome: Result<R, any Error>? = try _withNextFrame { raw in Result { try body(raw) } }
        switch outcome {
        case nil: return nil
        case .success(let value)?: return value
        case .failure(let error as MessagePackError)?: throw _fail(error, shiftedBy: _frameOffset)
        case .failure(let error)?:
            // An error of the caller's own closure (the library's decoders throw only `MessagePackError`):
            // `nextFrame` keeps rethrowing it as it is; the typed `next()` reports it as a `MessagePackError`.
            _originalFailure = error
            _failure = MessagePackError(
                .typeMismatch, at: -1, "the stream decoder stopped after an error: \(error)",
                hint: "create a new decoder to decode another stream")
            throw error
        }
    }

    /// Declares the end of the stream.
    ///
    /// Complete messages still buffered can be taken out with `next` afterwards; what is left after them is
    /// the start of a message that never ended.
    ///
    /// - Throws: ``MessagePackError`` `.truncated` (with the stream offset where the stream ended) when bytes
    ///   of an unfinished message remain, or the error that poisoned the decoder.
    public mutating func finish() throws(MessagePackError) {
        if let failure = _failure { throw failure }
        guard _start < _buffer.count else { return }
        if _frameEnd != nil { return }
        if try _scanForFrame() != nil { return }
        let end = _bufferStreamOffset &+ _buffer.count
        let error = MessagePackError(
            .truncated, at: end,
            "the stream ended inside a message (\(_buffer.count &- _start) bytes of it arrived, from byte \(_bufferStreamOffset &+ _start))",
            hint: "the sender stopped in the middle of a message, or a length or count in it is wrong")
        throw _fail(error, shiftedBy: 0)
    }

    // MARK: Internals

    /// Records `error` as the decoder's failure, its offset moved by `shift` bytes (from an offset in a
    /// message to one in the stream), and returns it.
    @usableFromInline
    mutating func _fail(_ error: MessagePackError, shiftedBy shift: Int) -> MessagePackError {
        if _failure == nil {
            var shifted = error
            if shifted.byteOffset >= 0 { shifted.byteOffset &+= shift }
            _failure = shifted
        }
        return _failure!
    }

    /// The stream offset of the message last handed out.
    @usableFromInline var _frameOffset = 0
    /// Messages taken by the one-pass route (for tests that check which route a stream took).
    @usableFromInline package var _onePassMessageCount = 0
    /// The size of the last message taken (either route).
    @usableFromInline var _lastMessageByteCount = 0

    /// The one-pass route: when the next message has not been scanned at all, runs `front` over everything
    /// buffered from its first byte (at most `maxMessageByteCount` bytes) and, if it returns the value and sets
    /// its second argument to the bytes it took, consumes those bytes as the message. Returns nil, changing
    /// nothing, when the route does not apply or `front` returns nil: the message is not all there yet, or it is
    /// at fault. The frame route then scans for its end and decodes it, and reports any error.
    ///
    /// `front` must decode exactly what the frame route would accept for the same message (the same limits and
    /// checks): which route a message takes depends on how the stream was cut.
    @inlinable
    package mutating func _nextInPlace<R>(_ front: (UnsafeRawBufferPointer, inout Int) -> R?) -> R? {
        // Fewer bytes than the last message had are most likely the start of the next one, cut by the end of the
        // last feed: a failed attempt would cost a partial decode and an error, so they go to the scanner.
        guard _failure == nil, _originalFailure == nil, _frameEnd == nil, _scanned == _start,
            _buffer.count &- _start >= _lastMessageByteCount, _start < _buffer.count
        else { return nil }
        let start = _start
        let end = _buffer.count &- start > limits.maxMessageByteCount ? start &+ limits.maxMessageByteCount : _buffer.count
        // A second reference to the storage, as in `_withNextFrame`.
        let buffer = _buffer
        var byteCount = 0
        guard let value = buffer.withUnsafeBytes({ raw in front(UnsafeRawBufferPointer(rebasing: raw[start..<end]), &byteCount) }),
            byteCount > 0
        else { return nil }
        _frameOffset = _bufferStreamOffset &+ start
        _start = start &+ byteCount
        _scanned = _start
        _scanner._passMessage(byteCount: byteCount)
        _onePassMessageCount &+= 1
        _lastMessageByteCount = byteCount
        return value
    }

    /// Finds the next frame (scanning only new bytes), runs `body` over it, and consumes it.
    @inlinable
    mutating func _withNextFrame<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(MessagePackError) -> R? {
        if let failure = _failure { throw failure }
        let end: Int
        if let found = _frameEnd {
            end = found
        } else if let found = try _scanForFrame() {
            end = found
        } else {
            _reserveForKnownMessage()
            return nil
        }
        _frameEnd = nil
        let start = _start
        _frameOffset = _bufferStreamOffset &+ start
        _lastMessageByteCount = end &- start
        // A second reference to the storage, so the closure below can use `self` without overlapping access;
        // it only retains the array (no copy), and it is released before the next mutation of `_buffer`.
        let buffer = _buffer
        let result = buffer.withUnsafeBytes { raw in
            body(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
        }
        _start = end
        return result
    }

    /// Scans the bytes not scanned yet; returns the end index of the message they complete, if any.
    @usableFromInline
    mutating func _scanForFrame() throws(MessagePackError) -> Int? {
        guard _scanned < _buffer.count else { return nil }
        let from = _scanned
        let buffer = _buffer
        let outcome: Result<Int?, MessagePackError> = buffer.withUnsafeBytes { raw in
            do throws(MessagePackError) {
                return .success(try _scanner.scan(UnsafeRawBufferPointer(rebasing: raw[from...])))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .failure(let error):
            throw _fail(error, shiftedBy: 0)
        case .success(let length?):
            _scanned = from &+ length
            _frameEnd = _scanned
            return _scanned
        case .success(nil):
            _scanned = buffer.count
            return nil
        }
    }

    /// Reserves room for more of a message whose size the scanner already knows, so a large payload arriving
    /// in small chunks is copied a few times instead of at every doubling.
    ///
    /// The declared size is only a claim until its bytes arrive, so the reservation never runs ahead of them
    /// by more than a factor: at most four times the bytes of this message received so far (and at least
    /// 64 KiB). A peer that declares a 64 MiB payload and then stalls costs 64 KiB, not 64 MiB.
    @usableFromInline
    mutating func _reserveForKnownMessage() {
        let received = _buffer.count &- _start
        let needed = Swift.min(_scanner.knownMessageByteCount, Swift.max(received &* 4, 1 << 16))
        guard needed > _buffer.capacity &- _start else { return }
        _compact()
        if needed > _buffer.capacity {
            _buffer.reserveCapacity(Swift.max(needed, _buffer.capacity &* 2))
        }
    }
}

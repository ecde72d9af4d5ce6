// SPDX-License-Identifier: Apache-2.0

/// Finds where each message ends in a stream of MessagePack bytes that arrives in pieces.
///
/// A message is exactly one top-level value (Spec/format.md, "One message, one value"; at the portable layer
/// a global-data envelope is one ext value), so its end follows from the plain structure alone. The scanner
/// is a small resumable state machine: the values still owed by each open container, the payload bytes
/// still to pass over (str, bin and ext payloads are skipped unread: ext payloads stay opaque), and a header
/// split between two pieces. It looks at each byte at most once, however the stream is cut, so finding
/// every boundary is O(n) in the bytes fed, and it allocates nothing per byte.
///
///     var scanner = MessagePackFrameScanner()
///     let first: [UInt8] = [0x92, 0x01], second: [UInt8] = [0x02, 0xc0]
///     try first.withUnsafeBytes { try scanner.scan($0) }    // nil: the array owes one more value
///     try second.withUnsafeBytes { try scanner.scan($0) }   // 1: the message ends after 0x02
///
/// The scanner checks only what it can see without decoding: the reserved byte `0xc1`, depth
/// (`maxDepth`), declared lengths (`maxPayloadByteCount`), declared counts (`maxElementCount`) and the
/// size of the message (`maxMessageByteCount`, as soon as a header shows it would be exceeded). Everything
/// else (UTF-8, timestamps, portable payloads) is left to the one-shot decoder that decodes each frame.
/// Error offsets count from the first byte the scanner was given, so they are offsets in the stream.
public struct MessagePackFrameScanner: Sendable {
    /// The bounds checked while scanning; see the type's discussion for which ones.
    public var limits: MessagePackLimits

    /// Values still owed at the innermost open level (1 at the start of a message: the message itself).
    @usableFromInline var _owed: Int = 1
    /// Values owed at each enclosing open level, outermost first; its count is the current depth.
    @usableFromInline var _enclosing: [Int] = []
    /// Payload or fixed-width bytes still to pass over.
    @usableFromInline var _skip: Int = 0
    /// Bytes of a split header's length field still missing (0 when no header is split).
    @usableFromInline var _headerMissing: Int = 0
    /// The format byte of the split header.
    @usableFromInline var _headerFormat: UInt8 = 0
    /// The length field's bytes collected so far, big-endian.
    @usableFromInline var _headerField: Int = 0
    /// The stream offset of the split header's format byte.
    @usableFromInline var _headerOffset: Int = 0
    /// Bytes of the current message scanned so far.
    @usableFromInline var _messageByteCount: Int = 0
    /// The stream offset of the next byte to scan.
    @usableFromInline var _streamOffset: Int = 0

    /// Creates a scanner at the start of a stream.
    @inlinable
    public init(limits: MessagePackLimits = .default) {
        self.limits = limits
    }

    /// The number of bytes scanned since the stream began.
    @inlinable public var scannedByteCount: Int { _streamOffset }
    /// The stream offset of the first byte of the message being scanned (or of the next one).
    @inlinable public var messageStartOffset: Int { _streamOffset &- _messageByteCount }
    /// Bytes of an unfinished message scanned so far; 0 between messages.
    @inlinable public var partialMessageByteCount: Int { _messageByteCount }
    /// Whether the scanner stands between two messages (nothing of the next one seen yet).
    @inlinable public var isAtMessageBoundary: Bool { _messageByteCount == 0 }
    /// A lower bound on the size of the unfinished message, from the lengths declared so far: payload bytes
    /// that must still arrive are included. Useful to reserve buffer space once (bounded by the limits).
    @inlinable public var knownMessageByteCount: Int { _messageByteCount &+ _skip &+ _headerMissing }

    /// Counts a whole message that was framed without the scanner (decoded in place by the stream decoder).
    @inlinable
    package mutating func _passMessage(byteCount: Int) {
        _streamOffset &+= byteCount
    }

    /// Forgets any unfinished message; the stream offset keeps counting.
    @inlinable
    public mutating func resetMessage() {
        _owed = 1
        _enclosing.removeAll(keepingCapacity: true)
        _skip = 0
        _headerMissing = 0
        _messageByteCount = 0
    }

    /// Scans the next bytes of the stream, continuing where the previous call stopped.
    ///
    /// Pass each byte exactly once: the bytes after the ones already scanned. When a message ends inside
    /// `bytes`, the scanner stops there and returns the number of bytes of `bytes` up to and including the
    /// message's last byte; the bytes after it have not been scanned and must be passed again (they begin the
    /// next message). When every byte of `bytes` belongs to a message that is not complete yet, it returns
    /// `nil` ("need more bytes"), having consumed them all.
    ///
    ///     var scanner = MessagePackFrameScanner()
    ///     let bytes: [UInt8] = [0xc0, 0xc3]
    ///     try bytes.withUnsafeBytes { try scanner.scan($0) }   // 1: the message c0
    ///
    /// - Returns: The length of the prefix of `bytes` that completes the current message, or `nil`.
    /// - Throws: ``MessagePackError`` `.invalidFormatByte` or `.limitExceeded`, with the stream offset of
    ///   the offending header. After a throw the scanner's state is unspecified: call ``resetMessage()``
    ///   only if you can resynchronize the stream yourself.
    /// - Complexity: O(k) for the k bytes consumed; payload bytes are skipped in O(1).
    @inlinable
    public mutating func scan(_ bytes: UnsafeRawBufferPointer) throws(MessagePackError) -> Int? {
        let n = bytes.count
        let base = _streamOffset
        // Token ends (as indices into `bytes`) beyond this index would make the message exceed its limit.
        // Safe: _messageByteCount <= maxMessageByteCount is an invariant (every token end is checked).
        let limitIndex = limits.maxMessageByteCount &- _messageByteCount
        var i = 0
        defer {
            _streamOffset = base &+ i
        }

        // Resume a payload left unfinished by the previous call.
        if _skip > 0 {
            let take = min(_skip, n)
            _skip &-= take
            i = take
            if _skip > 0 {
                _messageByteCount &+= i
                return nil
            }
            if _owed == 0, _closeLevels() {
                _endMessage()
                return i
            }
        }
        // Finish a header whose length field was split.
        if _headerMissing > 0 {
            while _headerMissing > 0 && i < n {
                _headerField = _headerField &<< 8 | Int(bytes[i])
                _headerMissing &-= 1
                i &+= 1
            }
            if _headerMissing > 0 {
                _messageByteCount &+= i
                return nil
            }
            let end = try _sized(_headerFormat, field: _headerField, headerEnd: i, at: _headerOffset)
            guard end <= limitIndex else { throw _messageTooLarge(at: _headerOffset) }
            if end > n {
                _skip = end &- n
                i = n
                _messageByteCount &+= n
                return nil
            }
            i = end
            if _owed == 0, _closeLevels() {
                _endMessage()
                return i
            }
        }

        while i < n {
            let b = bytes[i]
            var end: Int
            switch b {
            case 0x00...0x7f, 0xe0...0xff, FormatByte.nil, FormatByte.false, FormatByte.true:  // one-byte values
                end = i &+ 1
                _owed &-= 1
            case 0xa0...0xbf:  // fixstr
                let length = Int(b & 0x1f)
                guard length <= limits.maxPayloadByteCount else {
                    throw .limit("maxPayloadByteCount", limits.maxPayloadByteCount, at: base &+ i)
                }
                end = i &+ 1 &+ length
                _owed &-= 1
            case 0x90...0x9f:  // fixarray
                let count = Int(b & 0x0f)
                try _open(count: count, children: count, at: base &+ i)
                end = i &+ 1
            case 0x80...0x8f:  // fixmap
                let count = Int(b & 0x0f)
                try _open(count: count, children: count &* 2, at: base &+ i)
                end = i &+ 1
            case FormatByte.neverUsed:
                throw .invalidFormatByte(at: base &+ i)
            case 0xca...0xd3:  // float32, float64, uint8...uint64, int8...int64
                end = i &+ Self._fixedByteCount(b)
                _owed &-= 1
            case 0xd4...0xd8:  // fixext1...fixext16: type byte, then 1, 2, 4, 8 or 16 bytes
                let length = 1 &<< Int(b &- FormatByte.fixext1)
                guard length <= limits.maxPayloadByteCount else {
                    throw .limit("maxPayloadByteCount", limits.maxPayloadByteCount, at: base &+ i)
                }
                end = i &+ 2 &+ length
                _owed &-= 1
            default:  // bin8...ext32 (c4...c9) and str8...map32 (d9...df): a length or count field follows
                let fieldSize = Self._lengthFieldByteCount(b)
                if fieldSize < n &- i {
                    var field = 0
                    for k in 1...fieldSize { field = field &<< 8 | Int(bytes[i &+ k]) }
                    end = try _sized(b, field: field, headerEnd: i &+ 1 &+ fieldSize, at: base &+ i)
                } else {
                    // The header is cut by the end of `bytes`: keep what there is of its length field.
                    _headerFormat = b
                    _headerOffset = base &+ i
                    _headerField = 0
                    _headerMissing = fieldSize
                    i &+= 1
                    while i < n {
                        _headerField = _headerField &<< 8 | Int(bytes[i])
                        _headerMissing &-= 1
                        i &+= 1
                    }
                    _messageByteCount &+= i
                    return nil
                }
            }
            guard end <= limitIndex else { throw _messageTooLarge(at: base &+ i) }
            if end > n {
                _skip = end &- n
                i = n
                break
            }
            i = end
            if _owed == 0, _closeLevels() {
                _endMessage()
                return i
            }
        }
        _messageByteCount &+= i
        return nil
    }

    /// Marks the current message as ended (the bytes of this call are accounted by the caller's `defer`).
    @inlinable
    mutating func _endMessage() {
        _owed = 1
        _messageByteCount = 0
    }

    /// Closes every level whose values are all present; returns whether the message itself is complete.
    @inlinable
    mutating func _closeLevels() -> Bool {
        while _owed == 0 {
            guard let outer = _enclosing.popLast() else { return true }
            _owed = outer
        }
        return false
    }

    /// Opens an array or map header: limits in the order of Spec/format.md 6.4 (count, then depth).
    @inlinable
    mutating func _open(count: Int, children: Int, at offset: Int) throws(MessagePackError) {
        guard count <= limits.maxElementCount else {
            throw .limit("maxElementCount", limits.maxElementCount, at: offset)
        }
        guard _enclosing.count < limits.maxDepth else {
            throw .limit("maxDepth", limits.maxDepth, at: offset)
        }
        _owed &-= 1
        if children > 0 {
            _enclosing.append(_owed)
            _owed = children
        }
    }

    /// Handles a complete length-prefixed header; returns the index just past the value's own bytes
    /// (past the payload for str, bin and ext; past the header for containers).
    @inlinable
    mutating func _sized(_ format: UInt8, field: Int, headerEnd: Int, at offset: Int) throws(MessagePackError) -> Int {
        switch format {
        case 0xc4...0xc6, 0xd9...0xdb:  // bin8...bin32, str8...str32
            guard field <= limits.maxPayloadByteCount else {
                throw .limit("maxPayloadByteCount", limits.maxPayloadByteCount, at: offset)
            }
            _owed &-= 1
            return headerEnd &+ field
        case 0xc7...0xc9:  // ext8...ext32: the type byte sits between the length and the payload
            guard field <= limits.maxPayloadByteCount else {
                throw .limit("maxPayloadByteCount", limits.maxPayloadByteCount, at: offset)
            }
            _owed &-= 1
            return headerEnd &+ 1 &+ field
        case FormatByte.array16, FormatByte.array32:
            try _open(count: field, children: field, at: offset)
            return headerEnd
        default:  // map16, map32
            try _open(count: field, children: field &* 2, at: offset)
            return headerEnd
        }
    }

    /// The size of a fixed-width value (format byte included) for 0xca...0xd3.
    @inlinable
    static func _fixedByteCount(_ format: UInt8) -> Int {
        switch format {
        case FormatByte.float32: return 5
        case FormatByte.float64: return 9
        default:
            // uint8...uint64 are cc...cf and int8...int64 are d0...d3: 1, 2, 4, 8 bytes after the format byte.
            return 1 &+ (1 &<< Int((format &- FormatByte.uint8) & 0x03))
        }
    }

    /// The size of the length or count field after a format byte in c4...c9 or d9...df.
    @inlinable
    static func _lengthFieldByteCount(_ format: UInt8) -> Int {
        switch format {
        case FormatByte.bin8, FormatByte.ext8, FormatByte.str8: return 1
        case FormatByte.bin16, FormatByte.ext16, FormatByte.str16, FormatByte.array16, FormatByte.map16: return 2
        default: return 4
        }
    }

    @inline(never) @usableFromInline
    func _messageTooLarge(at offset: Int) -> MessagePackError {
        MessagePackError(
            .limitExceeded, at: offset,
            "the message exceeds the limit maxMessageByteCount = \(limits.maxMessageByteCount)",
            hint: "raise MessagePackLimits.maxMessageByteCount if this stream is trusted")
    }
}

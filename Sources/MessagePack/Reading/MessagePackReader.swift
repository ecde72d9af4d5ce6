// SPDX-License-Identifier: Apache-2.0

/// A cursor over one contiguous buffer of MessagePack bytes.
///
/// Every `read…` is transactional: it checks the bytes it needs once, and moves the cursor only on
/// success, so after a throw `offset` still points at the token that failed. `peek…` never moves.
///
///     try [0xcd, 0x01, 0x00].withUnsafeBytes { raw in
///         var reader = MessagePackReader(raw)
///         let n = try reader.readUnsignedInteger()   // 256, offset 3
///     }
///
/// The reader does not own its bytes: the buffer must outlive it (use it inside `withUnsafeBytes`).
public struct MessagePackReader {
    @usableFromInline let _bytes: UnsafeRawBufferPointer
    /// The position of the next byte to read.
    public var offset: Int
    /// Bytes that the enclosing containers which reserved memory still need after the value being read: one
    /// per element (two per map entry) not yet read. ``_reservable(_:bytesPerElement:)`` subtracts them, so
    /// nested headers never reserve memory for the same bytes twice (Spec/format.md 6.3).
    @usableFromInline package var _owed: Int = 0
    /// The limits every header read checks (element counts, payload lengths) and ``decode(_:)`` checks
    /// (depth), so that the typed fast path and ``skipValue()`` obey the same ``MessagePackLimits`` as the
    /// other decoders.
    @usableFromInline package var _maxElementCount: Int
    @usableFromInline package var _maxPayloadByteCount: Int
    @usableFromInline package var _maxDepth: Int
    /// Containers opened by ``decode(_:)`` calls still in progress (the typed path's depth).
    @usableFromInline package var _depth: Int = 0
    /// Set when every str in the input was already checked to be UTF-8 (a portable message after its validating
    /// scan), so that ``readString()`` does not check again. Even if it were wrong, a string would be repaired
    /// (U+FFFD), never read out of bounds.
    @usableFromInline package var _strsAreValidated = false

    /// Runs `body` with a reader at the start of `bytes` (a `ByteBuffer`'s `readableBytesSpan`, an array's
    /// `span.bytes`), which enforces `limits` as ``init(_:offset:limits:)`` says, and returns what it returns.
    ///
    /// The entry point for code that holds its bytes as a span: the span outlives the call by the compiler's
    /// check, and the reader must not outlive `body` (it reads the span's memory).
    ///
    ///     let n = try MessagePackReader.withReader(over: bytes.span.bytes) { reader in try reader.readArrayHeader() }
    @inlinable
    public static func withReader<R, E: Error>(
        over bytes: RawSpan, limits: MessagePackLimits = .default, _ body: (inout MessagePackReader) throws(E) -> R
    ) throws(E) -> R {
        try bytes.withUnsafeBytes { (raw) throws(E) -> R in
            var reader = MessagePackReader(raw, limits: limits)
            return try body(&reader)
        }
    }

    /// Creates a reader at the start of `bytes` that enforces `limits` (default ``MessagePackLimits/default``)
    /// on every header it reads: an array or map count over `maxElementCount`, or a str, bin or ext length over
    /// `maxPayloadByteCount`, is `limitExceeded`; ``decode(_:)`` also bounds nesting by `maxDepth`.
    ///
    /// For callers that manage the memory themselves: the reader keeps the pointer, and `bytes` must outlive it.
    /// Code that holds a span uses ``withReader(over:limits:_:)``, whose lifetime the compiler checks.
    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0, limits: MessagePackLimits = .default) {
        self._bytes = bytes
        self.offset = offset
        self._maxElementCount = limits.maxElementCount
        self._maxPayloadByteCount = limits.maxPayloadByteCount
        self._maxDepth = limits.maxDepth
    }

    /// Makes the reader enforce `limits` from now on.
    @inlinable
    public mutating func setLimits(_ limits: MessagePackLimits) {
        _maxElementCount = limits.maxElementCount
        _maxPayloadByteCount = limits.maxPayloadByteCount
        _maxDepth = limits.maxDepth
    }

    /// The error for a declared count or length over the reader's limit, at the header's first byte.
    @inline(never) @usableFromInline
    func _limitError(_ name: String, _ value: Int) -> MessagePackError { .limit(name, value, at: offset) }

    /// How many of a container's `count` elements may have memory reserved for them now: no more than the
    /// bytes after the cursor could hold once the enclosing containers' owed bytes are set aside.
    ///
    /// A header's count is checked against the remaining bytes when it is read, but a hundred nested headers
    /// can each pass that check against the same bytes; reserving by this bound keeps the memory reserved for
    /// all open containers together within the input's size.
    @inlinable @inline(__always)
    package func _reservable(_ count: Int, bytesPerElement: Int = 1) -> Int {
        let free = _bytes.count &- offset &- _owed
        return free <= 0 ? 0 : Swift.min(count, free / bytesPerElement)
    }

    /// All bytes the reader was given.
    @inlinable public var bytes: UnsafeRawBufferPointer { _bytes }
    /// Bytes left after the cursor.
    @inlinable public var remainingByteCount: Int { _bytes.count &- offset }
    /// Whether the cursor is at the end.
    @inlinable public var isAtEnd: Bool { offset >= _bytes.count }

    // MARK: Primitive access

    /// Returns the format byte at the cursor without consuming it.
    @inlinable @inline(__always)
    public func peekFormatByte() throws(MessagePackError) -> UInt8 {
        guard offset < _bytes.count else { throw .truncated(at: offset, needed: 1, remaining: 0, what: "a value") }
        return _bytes[offset]
    }

    @inlinable
    func _load<T: FixedWidthInteger>(_: T.Type, at position: Int) -> T {
        // Safe: every caller checked position + size <= count first.
        T(bigEndian: _bytes.loadUnaligned(fromByteOffset: position, as: T.self))
    }

    /// Consumes a format byte and the fixed-width big-endian `T` after it (a uint16's value, a float32's bits).
    @inlinable @inline(__always)
    mutating func _readFixed<T: FixedWidthInteger>(_: T.Type, what: StaticString) throws(MessagePackError) -> T {
        try _require(1 &+ MemoryLayout<T>.size, at: offset, what: what)
        let v = _load(T.self, at: offset &+ 1)
        offset &+= 1 &+ MemoryLayout<T>.size
        return v
    }

    /// Checks that `byteCount` bytes starting at `position` (a format byte) are present.
    ///
    /// On failure the error points at `fault`, the first field that is incomplete: by default the one after
    /// the format byte (Spec/format.md, "Error reports").
    @inlinable
    func _require(_ byteCount: Int, at position: Int, what: StaticString, fault: Int? = nil) throws(MessagePackError) {
        // Written so it cannot overflow: byteCount and position are both within 0...Int.max/2.
        guard byteCount <= _bytes.count &- position else {
            let at = fault ?? (position &+ 1)
            throw .truncated(
                at: at, needed: position + byteCount - at, remaining: max(0, _bytes.count - at), what: "\(what)")
        }
    }

    // MARK: Scalars

    /// Consumes a nil.
    @inlinable
    public mutating func readNil() throws(MessagePackError) {
        let b = try peekFormatByte()
        guard b == FormatByte.nil else { throw .typeMismatch(at: offset, expected: "nil", found: b) }
        offset &+= 1
    }

    /// Consumes a nil if there is one and returns whether it did.
    @inlinable
    public mutating func readNilIfPresent() -> Bool {
        if offset < _bytes.count && _bytes[offset] == FormatByte.nil {
            offset &+= 1
            return true
        }
        return false
    }

    /// Consumes a bool.
    @inlinable
    public mutating func readBool() throws(MessagePackError) -> Bool {
        let b = try peekFormatByte()
        switch b {
        case FormatByte.false: offset &+= 1; return false
        case FormatByte.true: offset &+= 1; return true
        default: throw .typeMismatch(at: offset, expected: "bool", found: b)
        }
    }

    /// Consumes an integer of any MessagePack width and returns it as `Int64`.
    ///
    /// - Throws: `.typeMismatch` for a non-integer, `.limitExceeded`-free `.typeMismatch` for a uint64 above
    ///   `Int64.max` (use ``readUnsignedInteger()`` or ``readIntegerValue()``), `.truncated`.
    @inlinable @inline(__always)
    public mutating func readSignedInteger() throws(MessagePackError) -> Int64 {
        // Fast path for fixints, out of line for the rest.
        if offset < _bytes.count {
            let b = _bytes[offset]
            if b < 0x80 || b >= 0xe0 {
                offset &+= 1
                return Int64(Int8(bitPattern: b))
            }
        }
        return try _readSignedIntegerSlow()
    }

    @usableFromInline
    mutating func _readSignedIntegerSlow() throws(MessagePackError) -> Int64 {
        let start = offset
        switch try readIntegerValue() {
        case .signed(let v): return v
        case .unsigned(let v):
            guard v <= UInt64(Int64.max) else {
                offset = start
                throw MessagePackError(.typeMismatch, at: start, "\(v) does not fit in Int64")
            }
            return Int64(v)
        }
    }

    /// Consumes a non-negative integer of any width and returns it as `UInt64`.
    @inlinable
    public mutating func readUnsignedInteger() throws(MessagePackError) -> UInt64 {
        let start = offset
        switch try readIntegerValue() {
        case .unsigned(let v): return v
        case .signed(let v):
            guard v >= 0 else {
                offset = start
                throw MessagePackError(.typeMismatch, at: start, "\(v) is negative where an unsigned integer is needed")
            }
            return UInt64(v)
        }
    }

    /// An integer as it was on the wire: the unsigned forms (and positive fixint) or the signed ones.
    public enum IntegerValue: Hashable, Sendable {
        case signed(Int64)
        case unsigned(UInt64)

        /// The value as `I`, or nil if `I` cannot hold it exactly.
        @inlinable @inline(__always)
        public func exactly<I: BinaryInteger>(_: I.Type) -> I? {
            switch self {
            case .signed(let v): I(exactly: v)
            case .unsigned(let v): I(exactly: v)
            }
        }

        /// The value as `F`, or nil if `F` cannot hold it exactly.
        @inlinable @inline(__always)
        public func exactly<F: BinaryFloatingPoint>(_: F.Type) -> F? {
            switch self {
            case .signed(let v): F(exactly: v)
            case .unsigned(let v): F(exactly: v)
            }
        }
    }

    /// Consumes an integer of any width, keeping whether its wire form was signed or unsigned.
    @inlinable
    public mutating func readIntegerValue() throws(MessagePackError) -> IntegerValue {
        let b = try peekFormatByte()
        switch b {
        case 0x00...0x7f:  // positive fixint
            offset &+= 1
            return .unsigned(UInt64(b))
        case 0xe0...0xff:  // negative fixint
            offset &+= 1
            return .signed(Int64(Int8(bitPattern: b)))
        case FormatByte.uint8:
            return .unsigned(UInt64(try _readFixed(UInt8.self, what: "uint8")))
        case FormatByte.uint16:
            return .unsigned(UInt64(try _readFixed(UInt16.self, what: "uint16")))
        case FormatByte.uint32:
            return .unsigned(UInt64(try _readFixed(UInt32.self, what: "uint32")))
        case FormatByte.uint64:
            return .unsigned(try _readFixed(UInt64.self, what: "uint64"))
        case FormatByte.int8:
            return .signed(Int64(try _readFixed(Int8.self, what: "int8")))
        case FormatByte.int16:
            return .signed(Int64(try _readFixed(Int16.self, what: "int16")))
        case FormatByte.int32:
            return .signed(Int64(try _readFixed(Int32.self, what: "int32")))
        case FormatByte.int64:
            return .signed(try _readFixed(Int64.self, what: "int64"))
        default:
            throw .typeMismatch(at: offset, expected: "an integer", found: b)
        }
    }

    /// Consumes a float64, or a float32 widened exactly, and returns it as `Double`.
    @inlinable @inline(__always)
    public mutating func readDouble() throws(MessagePackError) -> Double {
        if let v = _readFloat64IfNext() { return v }
        return try _readDoubleSlow()
    }

    /// The fast path of the double readers: a whole float64 is next.
    @inlinable @inline(__always)
    mutating func _readFloat64IfNext() -> Double? {
        guard 9 <= _bytes.count &- offset && _bytes[offset] == FormatByte.float64 else { return nil }
        let v = _load(UInt64.self, at: offset &+ 1)
        offset &+= 9
        return Double(bitPattern: v)
    }

    @usableFromInline
    mutating func _readDoubleSlow() throws(MessagePackError) -> Double {
        let b = try peekFormatByte()
        switch b {
        case FormatByte.float64: return Double(bitPattern: try _readFixed(UInt64.self, what: "float64"))
        case FormatByte.float32: return Double(Float(bitPattern: try _readFixed(UInt32.self, what: "float32")))
        default:
            throw .typeMismatch(at: offset, expected: "a float", found: b)
        }
    }

    /// Consumes a float32. A float64 is accepted only if it converts to `Float` exactly.
    @inlinable
    public mutating func readFloat() throws(MessagePackError) -> Float {
        let b = try peekFormatByte()
        if b == FormatByte.float32 { return Float(bitPattern: try _readFixed(UInt32.self, what: "float32")) }
        let start = offset
        let d = try readDouble()
        let f = Float(d)
        guard Double(f) == d || d.isNaN else {
            offset = start
            throw MessagePackError(.typeMismatch, at: start, "float64 \(d) cannot be represented as a Float exactly")
        }
        return f
    }

    // MARK: Lengths

    /// Consumes a str header and returns the payload's position and byte count, checked against the input.
    @inlinable @inline(__always)
    public mutating func readStringHeader() throws(MessagePackError) -> (start: Int, byteCount: Int) {
        // Fast path for fixstr, the form of nearly every key and short string; the rest is out of line.
        if offset < _bytes.count {
            let b = _bytes[offset]
            if b &- 0xa0 < 32 {
                let start = offset &+ 1
                let length = Int(b & 0x1f)
                if length <= _bytes.count &- start && length <= _maxPayloadByteCount {
                    offset = start &+ length
                    return (start, length)
                }
            }
        }
        return try _readStringHeaderSlow()
    }

    @usableFromInline
    mutating func _readStringHeaderSlow() throws(MessagePackError) -> (start: Int, byteCount: Int) {
        try _readPayloadHeader(isString: true)
    }

    /// The header of a str (`isString`) or a bin: where its payload starts and how long it is, checked against the
    /// input and `maxPayloadByteCount`. The reader moves past the payload.
    @inlinable @inline(__always)
    mutating func _readPayloadHeader(isString: Bool) throws(MessagePackError) -> (start: Int, byteCount: Int) {
        let b = try peekFormatByte()
        let headerSize: Int
        let length: Int
        switch b {
        case 0xa0...0xbf where isString:  // fixstr
            headerSize = 1
            length = Int(b & 0x1f)
        case isString ? FormatByte.str8 : FormatByte.bin8:
            try _require(2, at: offset, what: isString ? "str8 header" : "bin8 header")
            headerSize = 2
            length = Int(_bytes[offset &+ 1])
        case isString ? FormatByte.str16 : FormatByte.bin16:
            try _require(3, at: offset, what: isString ? "str16 header" : "bin16 header")
            headerSize = 3
            length = Int(_load(UInt16.self, at: offset &+ 1))
        case isString ? FormatByte.str32 : FormatByte.bin32:
            try _require(5, at: offset, what: isString ? "str32 header" : "bin32 header")
            headerSize = 5
            length = Int(_load(UInt32.self, at: offset &+ 1))
        default:
            throw .typeMismatch(at: offset, expected: isString ? "a string" : "binary", found: b)
        }
        let start = offset &+ headerSize
        guard length <= _bytes.count &- start else {
            throw .truncated(
                at: start, needed: length, remaining: _bytes.count - start,
                what: isString ? "the str payload" : "the bin payload")
        }
        guard length <= _maxPayloadByteCount else { throw _limitError("maxPayloadByteCount", _maxPayloadByteCount) }
        offset = start &+ length
        return (start, length)
    }

    /// Consumes a str and returns it, validating UTF-8.
    @inlinable @inline(__always)
    public mutating func readString() throws(MessagePackError) -> String {
        let begin = offset
        let (start, count) = try readStringHeader()
        let payload = UnsafeRawBufferPointer(rebasing: _bytes[start..<(start &+ count)])
        // `String(validating:as:)` is generic and unspecialised in the standard library: it looks up type
        // metadata on every call, which made it the most expensive step of decoding records. Validating here
        // and then building the string from known-good bytes is several times faster.
        guard _strsAreValidated || Self._isValidUTF8(payload) else {
            offset = begin
            throw .invalidUTF8(at: start &+ Self._firstInvalidUTF8Offset(payload))
        }
        return String(decoding: payload.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
    }

    /// Whether `bytes` is well-formed UTF-8 (no overlong forms, surrogates or scalars above U+10FFFF).
    ///
    /// - Complexity: O(n), eight ASCII bytes per step.
    @inlinable
    package static func _isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        var i = 0
        while i < n {
            // Safe: i + 8 <= n is checked first; loadUnaligned has no alignment requirement.
            if n &- i >= 8, bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i &+= 8
                continue
            }
            let b0 = bytes[i]
            if b0 < 0x80 {
                i &+= 1
                continue
            }
            @inline(__always) func continuation(_ j: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xbf) -> Bool {
                j < n && bytes[j] >= low && bytes[j] <= high
            }
            switch b0 {
            case 0xc2...0xdf:
                guard continuation(i &+ 1) else { return false }
                i &+= 2
            case 0xe0...0xef:
                let low: UInt8 = b0 == 0xe0 ? 0xa0 : 0x80  // no overlong 3-byte forms
                let high: UInt8 = b0 == 0xed ? 0x9f : 0xbf  // no surrogates
                guard continuation(i &+ 1, low, high), continuation(i &+ 2) else { return false }
                i &+= 3
            case 0xf0...0xf4:
                let low: UInt8 = b0 == 0xf0 ? 0x90 : 0x80  // no overlong 4-byte forms
                let high: UInt8 = b0 == 0xf4 ? 0x8f : 0xbf  // nothing above U+10FFFF
                guard continuation(i &+ 1, low, high), continuation(i &+ 2), continuation(i &+ 3) else { return false }
                i &+= 4
            default:
                return false
            }
        }
        return true
    }

    /// The offset in `payload` of the first byte of its first ill-formed UTF-8 sequence (error path only).
    @inline(never) @usableFromInline
    static func _firstInvalidUTF8Offset(_ payload: UnsafeRawBufferPointer) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = payload.makeIterator()
        var position = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): position += scalar.count
            case .error: return position
            case .emptyInput: return payload.count
            }
        }
    }

    /// Consumes a bin header and returns the payload's position and byte count, checked against the input.
    @inlinable
    public mutating func readBinaryHeader() throws(MessagePackError) -> (start: Int, byteCount: Int) {
        try _readPayloadHeader(isString: false)
    }

    /// Consumes a bin and returns a copy of its bytes.
    @inlinable
    public mutating func readBinary() throws(MessagePackError) -> [UInt8] {
        let (start, count) = try readBinaryHeader()
        // One memcpy into uninitialised storage (the generic Sequence initializer was measured 15% slower).
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            // Safe: readBinaryHeader checked start + count <= bytes.count; the buffer has room for count bytes.
            if count > 0 { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: _bytes.baseAddress! + start, byteCount: count) }
            initialized = count
        }
    }

    /// Consumes an array header and returns its element count, checked against the input
    /// (each element needs at least one byte).
    @inlinable @inline(__always)
    public mutating func readArrayHeader() throws(MessagePackError) -> Int {
        if offset < _bytes.count {
            let b = _bytes[offset]
            if b &- 0x90 < 16 {  // fixarray
                let count = Int(b & 0x0f)
                if count <= _bytes.count &- (offset &+ 1) && count <= _maxElementCount {
                    offset &+= 1
                    return count
                }
            }
        }
        return try _readArrayHeaderSlow()
    }

    @usableFromInline
    mutating func _readArrayHeaderSlow() throws(MessagePackError) -> Int { try _readContainerHeader(isMap: false) }

    /// Consumes a map header and returns its entry count, checked against the input
    /// (each entry needs at least two bytes).
    @inlinable @inline(__always)
    public mutating func readMapHeader() throws(MessagePackError) -> Int {
        if offset < _bytes.count {
            let b = _bytes[offset]
            if b &- 0x80 < 16 {  // fixmap
                let count = Int(b & 0x0f)
                if count <= (_bytes.count &- (offset &+ 1)) / 2 && count <= _maxElementCount {
                    offset &+= 1
                    return count
                }
            }
        }
        return try _readMapHeaderSlow()
    }

    @usableFromInline
    mutating func _readMapHeaderSlow() throws(MessagePackError) -> Int { try _readContainerHeader(isMap: true) }

    /// The header of a map or an array in any of its three forms: the count, checked against the bytes that remain
    /// (an entry needs at least two bytes, an element one) and against `maxElementCount`.
    @usableFromInline
    mutating func _readContainerHeader(isMap: Bool) throws(MessagePackError) -> Int {
        let b = try peekFormatByte()
        let headerSize: Int
        let count: Int
        if b & 0xf0 == (isMap ? 0x80 : 0x90) {  // fixmap, fixarray
            headerSize = 1
            count = Int(b & 0x0f)
        } else if b == (isMap ? FormatByte.map16 : FormatByte.array16) {
            try _require(3, at: offset, what: isMap ? "map16 header" : "array16 header")
            headerSize = 3
            count = Int(_load(UInt16.self, at: offset &+ 1))
        } else if b == (isMap ? FormatByte.map32 : FormatByte.array32) {
            try _require(5, at: offset, what: isMap ? "map32 header" : "array32 header")
            headerSize = 5
            count = Int(_load(UInt32.self, at: offset &+ 1))
        } else {
            throw .typeMismatch(at: offset, expected: isMap ? "a map" : "an array", found: b)
        }
        let remaining = _bytes.count &- (offset &+ headerSize)
        guard count <= (isMap ? remaining / 2 : remaining) else {
            throw MessagePackError(
                .truncated, at: offset &+ headerSize,
                isMap
                    ? "the map declares \(count) entries but only \(remaining) bytes remain"
                    : "the array declares \(count) elements but only \(remaining) bytes remain",
                hint: "the input was cut short, or the count is wrong")
        }
        guard count <= _maxElementCount else { throw _limitError("maxElementCount", _maxElementCount) }
        offset &+= headerSize
        return count
    }

    /// Consumes an ext header (fixext or ext8/16/32) and returns its type and payload position, checked.
    /// The payload itself is not consumed: the cursor stops at its first byte.
    @inlinable
    public mutating func readExtensionHeader() throws(MessagePackError) -> (type: Int8, byteCount: Int) {
        let b = try peekFormatByte()
        let headerSize: Int
        let length: Int
        switch b {
        case FormatByte.fixext1, FormatByte.fixext2, FormatByte.fixext4, FormatByte.fixext8, FormatByte.fixext16:
            try _require(2, at: offset, what: "fixext header")
            headerSize = 2
            length = 1 << Int(b &- FormatByte.fixext1)
        case FormatByte.ext8:
            try _require(2, at: offset, what: "ext8 length")
            try _require(3, at: offset, what: "ext8 type", fault: offset &+ 2)
            headerSize = 3
            length = Int(_bytes[offset &+ 1])
        case FormatByte.ext16:
            try _require(3, at: offset, what: "ext16 length")
            try _require(4, at: offset, what: "ext16 type", fault: offset &+ 3)
            headerSize = 4
            length = Int(_load(UInt16.self, at: offset &+ 1))
        case FormatByte.ext32:
            try _require(5, at: offset, what: "ext32 length")
            try _require(6, at: offset, what: "ext32 type", fault: offset &+ 5)
            headerSize = 6
            length = Int(_load(UInt32.self, at: offset &+ 1))
        default:
            throw .typeMismatch(at: offset, expected: "an extension", found: b)
        }
        let type = Int8(bitPattern: _bytes[offset &+ headerSize &- 1])
        guard length <= _bytes.count &- (offset &+ headerSize) else {
            throw .truncated(
                at: offset &+ headerSize, needed: length, remaining: _bytes.count - offset - headerSize,
                what: "the ext payload")
        }
        guard length <= _maxPayloadByteCount else { throw _limitError("maxPayloadByteCount", _maxPayloadByteCount) }
        offset &+= headerSize
        return (type, length)
    }

    /// Returns whether the next value is an ext, and its type, without consuming anything.
    @inlinable
    public func peekExtensionType() -> Int8? {
        guard offset < _bytes.count else { return nil }
        let b = _bytes[offset]
        let typeOffset: Int
        switch b {
        case 0xd4...0xd8: typeOffset = 1  // fixext
        case FormatByte.ext8: typeOffset = 2
        case FormatByte.ext16: typeOffset = 3
        case FormatByte.ext32: typeOffset = 5
        default: return nil
        }
        guard typeOffset < _bytes.count &- offset else { return nil }
        return Int8(bitPattern: _bytes[offset &+ typeOffset])
    }

    /// Consumes `byteCount` raw bytes (already checked by a header read) and returns them as a buffer.
    @inlinable
    public mutating func readRawBytes(_ byteCount: Int) throws(MessagePackError) -> UnsafeRawBufferPointer {
        try _require(byteCount, at: offset, what: "raw bytes", fault: offset)
        let slice = UnsafeRawBufferPointer(rebasing: _bytes[offset..<(offset &+ byteCount)])
        offset &+= byteCount
        return slice
    }

    /// Consumes a timestamp extension (type −1) in any of its three widths.
    @inlinable
    public mutating func readTimestamp() throws(MessagePackError) -> MessagePackTimestamp {
        let start = offset
        let (type, count) = try readExtensionHeader()
        guard type == -1 else {
            offset = start
            throw MessagePackError(.typeMismatch, at: start, "expected a timestamp (ext −1) but found ext \(type)")
        }
        do {
            let ts = try MessagePackTimestamp(extensionPayload: UnsafeRawBufferPointer(
                rebasing: _bytes[offset..<(offset &+ count)]), at: start)
            offset &+= count
            return ts
        } catch {
            offset = start
            throw error
        }
    }

    // MARK: Skipping

    /// Consumes one whole value of any kind without building it, rejecting what decoding it would reject,
    /// under `limits` instead of the reader's own.
    public mutating func skipValue(limits: MessagePackLimits) throws(MessagePackError) {
        let saved = (_maxElementCount, _maxPayloadByteCount, _maxDepth)
        setLimits(limits)
        defer { (_maxElementCount, _maxPayloadByteCount, _maxDepth) = saved }
        try skipValue()
    }

    /// Consumes one whole value of any kind without building it, rejecting everything decoding it would
    /// reject: structure, UTF-8 of strs, timestamps, and the reader's limits (counts, payload lengths, depth).
    ///
    /// - Complexity: O(n) in the value's bytes; iterative, so deep nesting cannot overflow the stack.
    public mutating func skipValue() throws(MessagePackError) {
        let start = offset
        let maxDepth = _maxDepth &- _depth
        // Pending element counts of the open containers; never larger than maxDepth.
        var pending: [Int] = []
        var remaining = 1
        do throws(MessagePackError) {
            while true {
                while remaining == 0 {
                    guard let last = pending.popLast() else { return }
                    remaining = last
                }
                remaining -= 1
                let b = try peekFormatByte()
                var children = 0
                switch b {
                case 0x00...0x7f, 0xe0...0xff, FormatByte.nil, FormatByte.false, FormatByte.true:
                    offset &+= 1
                case FormatByte.neverUsed:
                    throw MessagePackError.invalidFormatByte(at: offset)
                case 0x80...0x8f, FormatByte.map16, FormatByte.map32:
                    let header = offset
                    children = try readMapHeader() &* 2
                    guard pending.count < maxDepth else { throw MessagePackError.limit("maxDepth", _maxDepth, at: header) }
                case 0x90...0x9f, FormatByte.array16, FormatByte.array32:
                    let header = offset
                    children = try readArrayHeader()
                    guard pending.count < maxDepth else { throw MessagePackError.limit("maxDepth", _maxDepth, at: header) }
                case 0xa0...0xbf, FormatByte.str8, FormatByte.str16, FormatByte.str32:
                    // A skipped value must still be a valid one (Spec/format.md 6.3), so strs are validated.
                    let (payloadStart, count) = try readStringHeader()
                    let payload = UnsafeRawBufferPointer(rebasing: _bytes[payloadStart..<(payloadStart &+ count)])
                    guard Self._isValidUTF8(payload) else {
                        throw MessagePackError.invalidUTF8(at: payloadStart &+ Self._firstInvalidUTF8Offset(payload))
                    }
                case FormatByte.bin8, FormatByte.bin16, FormatByte.bin32:
                    _ = try readBinaryHeader()
                case FormatByte.float32: try _require(5, at: offset, what: "float32"); offset &+= 5
                case FormatByte.float64: try _require(9, at: offset, what: "float64"); offset &+= 9
                case 0xcc...0xd3:  // uint8...int64
                    _ = try readIntegerValue()
                default:  // ext family
                    let header = offset
                    let (type, count) = try readExtensionHeader()
                    if type == -1 {  // a timestamp's length and nanoseconds are checked like any decode's
                        _ = try MessagePackTimestamp(
                            extensionPayload: UnsafeRawBufferPointer(rebasing: _bytes[offset..<(offset &+ count)]), at: header)
                    }
                    offset &+= count
                }
                if children > 0 {
                    pending.append(remaining)
                    remaining = children
                }
            }
        } catch {
            let failure = error
            offset = start
            throw failure
        }
    }
}

/// `body` over `bytes` in place when they are contiguous (an array, a `Data`, a slice of either), else over a
/// contiguous copy: the one step every entry point that takes `some Collection<UInt8>` starts with.
///
/// This one rethrows (the Codable and portable coders); ``_withContiguousBytesTyped(_:_:)`` keeps a typed error
/// for the typed entry points, whose callers specialise it (unspecialised, its `Result` costs a metadata lookup
/// per call).
@inlinable
package func _withContiguousBytes<R>(
    _ bytes: some Collection<UInt8>, _ body: (UnsafeRawBufferPointer) throws -> R
) rethrows -> R {
    if let inPlace = try bytes.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) {
        return inPlace
    }
    return try Array(bytes).withUnsafeBytes(body)
}

/// ``_withContiguousBytes(_:_:)`` for a body with a typed error.
@inlinable
package func _withContiguousBytesTyped<R, E: Error>(
    _ bytes: some Collection<UInt8>, _ body: (UnsafeRawBufferPointer) throws(E) -> R
) throws(E) -> R {
    let inPlace: Result<R, E>? = bytes.withContiguousStorageIfAvailable { buffer in
        Result { () throws(E) -> R in try body(UnsafeRawBufferPointer(buffer)) }
    }
    if let inPlace { return try inPlace.get() }
    return try Array(bytes).withUnsafeBytes { raw in Result { () throws(E) -> R in try body(raw) } }.get()
}

// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends canonical MessagePack to one contiguous, growable buffer.
///
/// Every `write…` picks the shortest form, byte-identical to msgpack-c and Python
/// `msgpack.packb(x, use_bin_type=True)`. The writer owns its memory (it is `~Copyable`), grows it
/// geometrically, and allocates nothing per value.
///
///     var writer = MessagePackWriter()
///     writer.write(256)            // cd 01 00
///     writer.write("hi")           // a2 68 69
///     let bytes = writer.finish()  // [0xcd, 0x01, 0x00, 0xa2, 0x68, 0x69]
public struct MessagePackWriter: ~Copyable {
    @usableFromInline var _base: UnsafeMutableRawPointer
    @usableFromInline var _count: Int
    @usableFromInline var _capacity: Int
    /// Containers open around the current position, as far as the writer knows them (see ``maxDepth``).
    @usableFromInline var _depth: Int
    @usableFromInline var _maxDepth: Int
    /// Whether a depth-checked write went deeper than `maxDepth`; see ``checkDepth()``.
    @usableFromInline var _depthExceeded: Bool
    /// The depth at which a depth-checked write stopped because the thread's stack was nearly used up
    /// (see `_StackGuard`), or 0.
    @usableFromInline var _stackStopDepth: Int

    /// Creates an empty writer with room for `capacity` bytes before it first grows.
    @inlinable
    public init(capacity: Int = 256) {
        _capacity = max(capacity, 16)
        _base = Self._allocate(_capacity)
        _count = 0
        _depth = 0
        _maxDepth = .max
        _depthExceeded = false
        _stackStopDepth = 0
    }

    // The buffer comes from malloc and grows with realloc, which moves large buffers by remapping pages
    // instead of copying them: encoding 1,000,000 doubles spent most of its time copying on growth before.
    deinit { free(_base) }

    @usableFromInline
    static func _allocate(_ byteCount: Int) -> UnsafeMutableRawPointer {
        guard let base = malloc(byteCount) else { fatalError("MessagePackWriter: out of memory allocating \(byteCount) bytes") }
        return base
    }

    /// The number of bytes written so far.
    @inlinable public var byteCount: Int { _count }

    /// Gives read access to the bytes written so far.
    @inlinable
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: _base, count: _count))
    }

    /// Returns the bytes written, ending the writer.
    @inlinable
    public consuming func finish() -> [UInt8] {
        let count = _count
        let base = _base
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            // Safe: buffer has room for `count` bytes, the writer holds exactly `count` initialised bytes.
            if count > 0 { buffer.baseAddress!.initialize(from: base.assumingMemoryBound(to: UInt8.self), count: count) }
            initialized = count
        }
    }

    /// A copy of the bytes written so far; the writer stays usable.
    @inlinable
    public var bytes: [UInt8] { withUnsafeBytes { [UInt8]($0) } }

    /// Forgets everything written, keeping the capacity (and ``maxDepth``).
    @inlinable public mutating func removeAll() {
        _count = 0
        _depth = 0
        _depthExceeded = false
        _stackStopDepth = 0
    }

    // MARK: Depth

    /// The deepest nesting the depth-checked writes accept; no limit (`Int.max`) unless set.
    ///
    /// The writer counts the containers it opens or is told about: ``write(_:)-(MessagePackValue)``'s arrays and
    /// maps, ``encodeArray(_:)``, dictionaries, and every ``encode(_:)`` call, which nests the value in the
    /// container being written. A header written with ``writeArrayHeader(count:)`` or ``writeMapHeader(count:)``
    /// at that depth counts as the value's container. A value that would go deeper is not written (so a cycle
    /// or a runaway recursion stops instead of overflowing the stack) and the writer remembers it: its bytes
    /// are no longer valid and ``checkDepth()`` throws. Recurse through `writer.encode(child)`, not
    /// `child.encode(to: &writer)`, for the depth to be counted.
    ///
    /// ``MessagePackEncodable/messagePackBytes(limits:capacity:)`` and ``MessagePackValue/encoded(limits:)``
    /// set it from `MessagePackLimits.maxDepth` (512 by default, what every decoder accepts).
    @inlinable
    public var maxDepth: Int {
        get { _maxDepth }
        set { _maxDepth = newValue }
    }

    /// Throws `.limitExceeded` (naming `maxDepth`) if a depth-checked write went deeper than ``maxDepth``,
    /// or stopped because the thread's stack was nearly used up; the bytes written are then not a valid message.
    @inlinable
    public func checkDepth() throws(MessagePackError) {
        guard _depthExceeded else { return }
        if _stackStopDepth > 0 { throw .stackExhausted(depth: _stackStopDepth, at: -1) }
        throw .encodingTooDeep(_maxDepth)
    }

    /// Whether a container may open at the current depth; records the failure when it may not.
    ///
    /// With a ``maxDepth`` set, the thread's remaining stack is checked too (every eighth level), since
    /// ``encode(_:)`` recurses: a value too deep for the stack stops like one too deep for `maxDepth`.
    @inlinable @inline(__always)
    mutating func _mayOpenContainer() -> Bool {
        if _depth < _maxDepth {
            if _maxDepth == .max || _StackGuard.mayNest(depth: _depth) { return true }
            _stackStopDepth = _depth
        }
        _depthExceeded = true
        return false
    }

    // MARK: Buffer management

    @inlinable @inline(__always)
    mutating func _ensure(_ extra: Int) {
        if _capacity &- _count < extra { _grow(extra) }
    }

    @inline(never) @usableFromInline
    mutating func _grow(_ extra: Int) {
        let needed = _count + extra
        var newCapacity = _capacity &* 2
        if newCapacity < needed { newCapacity = needed }
        guard let newBase = realloc(_base, newCapacity) else {
            fatalError("MessagePackWriter: out of memory growing to \(newCapacity) bytes")
        }
        _base = newBase
        _capacity = newCapacity
    }

    /// Makes room for at least `byteCount` more bytes at once.
    @inlinable public mutating func reserveCapacity(_ byteCount: Int) { _ensure(byteCount) }

    @inlinable @inline(__always)
    mutating func _appendByteAssumingCapacity(_ byte: UInt8) {
        _base.storeBytes(of: byte, toByteOffset: _count, as: UInt8.self)
        _count &+= 1
    }

    @inlinable @inline(__always)
    mutating func _appendAssumingCapacity<T: FixedWidthInteger>(_ value: T) {
        _base.storeBytes(of: value.bigEndian, toByteOffset: _count, as: T.self)
        _count &+= MemoryLayout<T>.size
    }

    @inlinable @inline(__always)
    mutating func _append<T: FixedWidthInteger>(marker: UInt8, _ value: T) {
        _ensure(1 &+ MemoryLayout<T>.size)
        _appendByteAssumingCapacity(marker)
        _appendAssumingCapacity(value)
    }

    /// Copies `bytes` to the end; the caller ensured the capacity.
    ///
    /// Keys and most strings are a few bytes long, where a call to `memcpy` costs more than the copy: up to
    /// 16 bytes are moved with two overlapping loads and stores instead.
    @inlinable @inline(__always)
    mutating func _appendAssumingCapacity(raw bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        let to = _base + _count
        // Safe: every load below reads inside `bytes` (n is at least the width loaded), every store writes
        // inside the n bytes of capacity the caller ensured.
        switch n {
        case 0:
            break
        case 1...3:
            to.storeBytes(of: bytes[0], as: UInt8.self)
            to.storeBytes(of: bytes[n &>> 1], toByteOffset: n &>> 1, as: UInt8.self)
            to.storeBytes(of: bytes[n &- 1], toByteOffset: n &- 1, as: UInt8.self)
        case 4...7:
            to.storeBytes(of: bytes.loadUnaligned(as: UInt32.self), as: UInt32.self)
            to.storeBytes(
                of: bytes.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self), toByteOffset: n &- 4, as: UInt32.self)
        case 8...16:
            to.storeBytes(of: bytes.loadUnaligned(as: UInt64.self), as: UInt64.self)
            to.storeBytes(
                of: bytes.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self), toByteOffset: n &- 8, as: UInt64.self)
        default:
            to.copyMemory(from: bytes.baseAddress!, byteCount: n)
        }
        _count &+= n
    }

    /// Appends bytes that are already MessagePack (or a payload whose header was written).
    @inlinable
    public mutating func writeRawBytes(_ bytes: UnsafeRawBufferPointer) {
        _ensure(bytes.count)
        _appendAssumingCapacity(raw: bytes)
    }

    /// Appends bytes that are already MessagePack (or a payload whose header was written).
    @inlinable
    public mutating func writeRawBytes(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { writeRawBytes($0) }
    }

    /// Inserts `gap` unspecified bytes at `position`, moving everything after it (for headers sized late).
    @usableFromInline
    package mutating func _insertGap(_ gap: Int, at position: Int) {
        _ensure(gap)
        (_base + position + gap).copyMemory(from: _base + position, byteCount: _count - position)
        _count += gap
    }

    /// Removes `count` bytes at `position`, moving everything after it down.
    @usableFromInline
    package mutating func _removeBytes(_ count: Int, at position: Int) {
        (_base + position).copyMemory(from: _base + position + count, byteCount: _count - position - count)
        _count -= count
    }

    /// Overwrites one byte already written.
    @usableFromInline
    package mutating func _setByte(_ byte: UInt8, at position: Int) {
        _base.storeBytes(of: byte, toByteOffset: position, as: UInt8.self)
    }

    /// Overwrites a big-endian integer already written.
    @usableFromInline
    package mutating func _setBigEndian<T: FixedWidthInteger>(_ value: T, at position: Int) {
        _base.storeBytes(of: value.bigEndian, toByteOffset: position, as: T.self)
    }

    /// Truncates the buffer back to `byteCount` bytes.
    @usableFromInline
    package mutating func _truncate(to byteCount: Int) { _count = byteCount }

    // MARK: Scalars

    /// Writes nil (`c0`).
    @inlinable
    public mutating func writeNil() {
        _ensure(1)
        _appendByteAssumingCapacity(FormatByte.nil)
    }

    /// Writes `c2` or `c3`.
    @inlinable
    public mutating func write(_ value: Bool) {
        _ensure(1)
        _appendByteAssumingCapacity(value ? FormatByte.true : FormatByte.false)
    }

    /// Writes a non-negative integer in the shortest unsigned form.
    @inlinable
    public mutating func write(_ value: UInt64) {
        if value < 0x80 {
            _ensure(1)
            _appendByteAssumingCapacity(UInt8(truncatingIfNeeded: value))
        } else if value <= UInt64(UInt8.max) {
            _append(marker: FormatByte.uint8, UInt8(truncatingIfNeeded: value))
        } else if value <= UInt64(UInt16.max) {
            _append(marker: FormatByte.uint16, UInt16(truncatingIfNeeded: value))
        } else if value <= UInt64(UInt32.max) {
            _append(marker: FormatByte.uint32, UInt32(truncatingIfNeeded: value))
        } else {
            _append(marker: FormatByte.uint64, value)
        }
    }

    /// Writes an integer in the shortest form; values ≥ 0 use the unsigned forms, as msgpack-c does.
    @inlinable
    public mutating func write(_ value: Int64) {
        if value >= 0 {
            write(UInt64(bitPattern: value))
        } else if value >= -32 {
            _ensure(1)
            _appendByteAssumingCapacity(UInt8(truncatingIfNeeded: value))
        } else if value >= Int64(Int8.min) {
            _append(marker: FormatByte.int8, Int8(truncatingIfNeeded: value))
        } else if value >= Int64(Int16.min) {
            _append(marker: FormatByte.int16, Int16(truncatingIfNeeded: value))
        } else if value >= Int64(Int32.min) {
            _append(marker: FormatByte.int32, Int32(truncatingIfNeeded: value))
        } else {
            _append(marker: FormatByte.int64, value)
        }
    }

    /// Writes an `Int` in the shortest form.
    @inlinable public mutating func write(_ value: Int) { write(Int64(value)) }

    /// Writes any integer in the shortest form.
    @inlinable
    public mutating func writeInteger<T: BinaryInteger>(_ value: T) {
        if let v = Int64(exactly: value) { write(v) } else { write(UInt64(truncatingIfNeeded: value)) }
    }

    /// Writes a float64 (`cb`).
    @inlinable
    public mutating func write(_ value: Double) { _append(marker: FormatByte.float64, value.bitPattern) }

    /// Writes a float32 (`ca`).
    @inlinable
    public mutating func write(_ value: Float) { _append(marker: FormatByte.float32, value.bitPattern) }

    // MARK: Strings and binary

    /// Writes a str header for `byteCount` bytes of UTF-8 (fixstr, str8, str16, str32).
    @inlinable
    public mutating func writeStringHeader(byteCount: Int) {
        _ensure(5)
        _appendStringHeaderAssumingCapacity(byteCount: byteCount)
    }

    @inlinable @inline(__always)
    mutating func _appendStringHeaderAssumingCapacity(byteCount: Int) {
        if byteCount < 32 {
            _appendByteAssumingCapacity(0xa0 | UInt8(truncatingIfNeeded: byteCount))
        } else {
            _appendLengthAssumingCapacity(byteCount, FormatByte.str8, FormatByte.str16, FormatByte.str32)
        }
    }

    /// The 8-, 16- or 32-bit length form of a str, bin or ext header, the smallest that holds `byteCount`: its
    /// marker, then the length (big-endian). At most 5 bytes.
    @inlinable @inline(__always)
    mutating func _appendLengthAssumingCapacity(_ byteCount: Int, _ marker8: UInt8, _ marker16: UInt8, _ marker32: UInt8) {
        if byteCount <= Int(UInt8.max) {
            _appendByteAssumingCapacity(marker8)
            _appendByteAssumingCapacity(UInt8(truncatingIfNeeded: byteCount))
        } else if byteCount <= Int(UInt16.max) {
            _appendByteAssumingCapacity(marker16)
            _appendAssumingCapacity(UInt16(truncatingIfNeeded: byteCount))
        } else {
            precondition(byteCount <= Int(UInt32.max), "MessagePack str, bin and ext payloads hold at most 4 GiB")
            _appendByteAssumingCapacity(marker32)
            _appendAssumingCapacity(UInt32(truncatingIfNeeded: byteCount))
        }
    }

    /// Writes UTF-8 bytes as one str, making room once for header and payload.
    @inlinable
    public mutating func writeString(utf8: UnsafeRawBufferPointer) {
        _ensure(utf8.count &+ 5)
        _appendStringHeaderAssumingCapacity(byteCount: utf8.count)
        _appendAssumingCapacity(raw: utf8)
    }

    /// Writes a string as str.
    @inlinable
    public mutating func write(_ value: String) {
        var value = value
        value.withUTF8 { writeString(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// Writes a bin header for `byteCount` bytes (bin8, bin16, bin32).
    @inlinable
    public mutating func writeBinaryHeader(byteCount: Int) {
        _ensure(5)
        _appendLengthAssumingCapacity(byteCount, FormatByte.bin8, FormatByte.bin16, FormatByte.bin32)
    }

    /// Writes bytes as bin.
    @inlinable
    public mutating func writeBinary(_ bytes: UnsafeRawBufferPointer) {
        writeBinaryHeader(byteCount: bytes.count)
        writeRawBytes(bytes)
    }

    /// Writes bytes as bin.
    @inlinable
    public mutating func writeBinary(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { writeBinary($0) }
    }

    // MARK: Containers

    /// Writes an array header; the `count` elements must follow.
    @inlinable
    public mutating func writeArrayHeader(count: Int) {
        _noteContainerDepth()
        _writeArrayHeader(count: count)
    }

    /// Writes a map header; `count` key/value pairs must follow.
    @inlinable
    public mutating func writeMapHeader(count: Int) {
        _noteContainerDepth()
        _writeMapHeader(count: count)
    }

    /// A container opened by hand at the depth limit makes ``checkDepth()`` report it (the typed writers check
    /// depth themselves and call the headers below directly).
    @inlinable @inline(__always)
    mutating func _noteContainerDepth() {
        if _depth >= _maxDepth { _depthExceeded = true }
    }

    @inlinable @inline(__always)
    mutating func _writeArrayHeader(count: Int) {
        _writeContainerHeader(count: count, fix: 0x90, FormatByte.array16, FormatByte.array32)
    }

    @inlinable @inline(__always)
    mutating func _writeMapHeader(count: Int) {
        _writeContainerHeader(count: count, fix: 0x80, FormatByte.map16, FormatByte.map32)
    }

    /// An array or map header: the fix form's high bits, then its 16- and 32-bit markers.
    @inlinable @inline(__always)
    mutating func _writeContainerHeader(count: Int, fix: UInt8, _ marker16: UInt8, _ marker32: UInt8) {
        if count < 16 {
            _ensure(1)
            _appendByteAssumingCapacity(fix | UInt8(truncatingIfNeeded: count))
        } else if count <= Int(UInt16.max) {
            _append(marker: marker16, UInt16(truncatingIfNeeded: count))
        } else {
            precondition(count <= Int(UInt32.max), "MessagePack arrays and maps hold at most 2³²−1 elements")
            _append(marker: marker32, UInt32(truncatingIfNeeded: count))
        }
    }

    // MARK: Extensions

    /// Writes an ext header (fixext when the size allows, else ext8/16/32); `byteCount` payload bytes must follow.
    @inlinable
    public mutating func writeExtensionHeader(type: Int8, byteCount: Int) {
        _ensure(6)
        let t = UInt8(bitPattern: type)
        switch byteCount {
        case 1: _appendByteAssumingCapacity(FormatByte.fixext1)
        case 2: _appendByteAssumingCapacity(FormatByte.fixext2)
        case 4: _appendByteAssumingCapacity(FormatByte.fixext4)
        case 8: _appendByteAssumingCapacity(FormatByte.fixext8)
        case 16: _appendByteAssumingCapacity(FormatByte.fixext16)
        default: _appendLengthAssumingCapacity(byteCount, FormatByte.ext8, FormatByte.ext16, FormatByte.ext32)
        }
        _appendByteAssumingCapacity(t)
    }

    /// The size of the canonical ext header for a payload of `byteCount` bytes.
    @inlinable
    public static func extensionHeaderByteCount(payloadByteCount byteCount: Int) -> Int {
        switch byteCount {
        case 1, 2, 4, 8, 16: return 2
        case 0...0xff: return 3
        case 0x100...0xffff: return 4
        default: return 6
        }
    }

    /// Writes an ext value.
    @inlinable
    public mutating func writeExtension(type: Int8, payload: UnsafeRawBufferPointer) {
        writeExtensionHeader(type: type, byteCount: payload.count)
        writeRawBytes(payload)
    }

    /// Writes an ext value.
    @inlinable
    public mutating func writeExtension(type: Int8, payload: [UInt8]) {
        payload.withUnsafeBytes { writeExtension(type: type, payload: $0) }
    }

    /// Writes a timestamp (ext −1) in its shortest width.
    @inlinable
    public mutating func write(_ timestamp: MessagePackTimestamp) {
        switch timestamp.payloadByteCount {
        case 4:
            writeExtensionHeader(type: -1, byteCount: 4)
            _ensure(4)
            _appendAssumingCapacity(UInt32(truncatingIfNeeded: timestamp.seconds))
        case 8:
            writeExtensionHeader(type: -1, byteCount: 8)
            _ensure(8)
            _appendAssumingCapacity(UInt64(timestamp.nanoseconds) << 34 | UInt64(timestamp.seconds))
        default:
            writeExtensionHeader(type: -1, byteCount: 12)
            _ensure(12)
            _appendAssumingCapacity(timestamp.nanoseconds)
            _appendAssumingCapacity(timestamp.seconds)
        }
    }

    /// Begins an ext whose payload size is not known yet; pass the result to ``endExtension(_:)``.
    ///
    /// Reserves the largest header and, when the payload is done, rewrites it in the shortest form
    /// (moving the payload down), so output stays canonical.
    @inlinable
    public mutating func beginExtension(type: Int8) -> PendingExtension {
        _ensure(6)
        let start = _count
        _count &+= 6
        return PendingExtension(headerOffset: start, type: type)
    }

    /// Finishes an ext begun with ``beginExtension(type:)``.
    @inlinable
    public mutating func endExtension(_ pending: PendingExtension) {
        let payloadStart = pending.headerOffset + 6
        let byteCount = _count - payloadStart
        let headerSize = Self.extensionHeaderByteCount(payloadByteCount: byteCount)
        if headerSize < 6 { _removeBytes(6 - headerSize, at: pending.headerOffset) }
        let end = _count
        _count = pending.headerOffset
        writeExtensionHeader(type: pending.type, byteCount: byteCount)
        assert(_count == pending.headerOffset + headerSize)
        _count = end
    }

    /// An ext whose header is written last; see ``beginExtension(type:)``.
    public struct PendingExtension: Sendable {
        @usableFromInline let headerOffset: Int
        @usableFromInline let type: Int8
        @inlinable init(headerOffset: Int, type: Int8) {
            self.headerOffset = headerOffset
            self.type = type
        }
    }
}

extension MessagePackError {
    /// The error for a value nested deeper than `maxDepth` while encoding (Spec/format.md 6.5: an encoder
    /// checking depth reports `limitExceeded` rather than write what a decoder with the same limit rejects).
    @inline(never) @usableFromInline
    package static func encodingTooDeep(_ maxDepth: Int) -> MessagePackError {
        MessagePackError(
            .limitExceeded, at: -1, "values are nested more than maxDepth = \(maxDepth) levels deep",
            hint: "a reference cycle looks like this; otherwise flatten the value or raise maxDepth on both ends")
    }
}

// Safe: the writer is `~Copyable`, so its buffer has exactly one owner; sending the writer to another task moves
// the buffer with it, and no other reference to the memory exists.
extension MessagePackWriter: @unchecked Sendable {}

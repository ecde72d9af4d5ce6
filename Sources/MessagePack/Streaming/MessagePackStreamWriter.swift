// SPDX-License-Identifier: Apache-2.0

/// Writes MessagePack to a ``MessageSink`` piece by piece: a sequence of messages, arrays and maps of any
/// size element by element, and large binaries straight from the caller's memory.
///
/// Each top-level value written is one message; messages follow each other with no extra framing
/// (Spec/format.md, "Streams"). Containers are begun with their count and ended explicitly; the writer
/// checks the count, so a stream never carries a container with missing or extra values:
///
///     var writer = MessagePackStreamWriter(sink: ByteArraySink())
///     try writer.beginArray(count: 1_000_000)          // dd 00 0f 42 40
///     for i in 0..<1_000_000 { try writer.write(i) }   // one element at a time, nothing else is built
///     try writer.endArray()
///     let sink = try writer.finish()                   // flushes; returns the sink
///
/// Bytes are staged in one contiguous buffer and handed to the sink when it holds `flushThreshold` bytes,
/// when ``flush()`` is called, and by ``finish()``. A binary of at least `directWriteThreshold` bytes is not
/// staged: its header is, then the staged bytes and the caller's buffer go to the sink as they are.
public struct MessagePackStreamWriter<Sink: MessageSink>: ~Copyable {
    /// The destination.
    public var sink: Sink
    /// Staged bytes are handed to the sink once there are at least this many. Default 64 KiB.
    public var flushThreshold: Int
    /// Binaries at least this large go to the sink without being copied into the staging buffer.
    public var directWriteThreshold: Int

    @usableFromInline var _staging: MessagePackWriter
    /// Open containers: values declared (2 per map entry) and values written so far.
    @usableFromInline var _open: [(declared: Int, written: Int, isMap: Bool)] = []
    @usableFromInline var _messageCount = 0

    /// Creates a writer that stages up to `flushThreshold` bytes before handing them to `sink`.
    public init(sink: Sink, flushThreshold: Int = 1 << 16, directWriteThreshold: Int = 1 << 12) {
        self.sink = sink
        self.flushThreshold = flushThreshold
        self.directWriteThreshold = directWriteThreshold
        self._staging = MessagePackWriter(capacity: Swift.min(flushThreshold, 1 << 16) &+ 64)
    }

    /// Messages completed so far (top-level values).
    public var messageCount: Int { _messageCount }
    /// Containers begun and not yet ended.
    public var openContainerCount: Int { _open.count }
    /// Bytes staged and not yet handed to the sink.
    public var stagedByteCount: Int { _staging.byteCount }

    // MARK: Scalars and whole values

    /// Writes nil.
    public mutating func writeNil() throws(MessagePackError) {
        try _writing { $0.writeNil() }
    }

    /// Writes one value through its typed conformance: `Bool`; an integer in its shortest form; `Double` as
    /// float64 and `Float` as float32; `String` as str; a ``MessagePackValue`` as itself (a whole message at the
    /// top level); any other ``MessagePackEncodable`` (a generated or hand-written record) as it encodes itself.
    public mutating func write<T: MessagePackEncodable>(_ value: T) throws(MessagePackError) {
        try _writing { value.encode(to: &$0) }
    }

    /// Writes an `Encodable` value with `encoder` as one value (for example one record of a large array).
    ///
    /// - Throws: whatever `encoder` throws; nothing is written then.
    public mutating func write<T: Encodable>(_ value: T, encoder: MessagePackEncoder = MessagePackEncoder()) throws {
        try _willWrite()
        let mark = _staging.byteCount
        do {
            try encoder.encode(value, into: &_staging)
        } catch {
            _staging._truncate(to: mark)
            throw error
        }
        try _didWrite()
    }

    /// Writes bytes that already are exactly one encoded value (for example a message from another encoder).
    /// The bytes are not checked; large ones go to the sink without being copied.
    public mutating func writeEncodedValue(_ bytes: UnsafeRawBufferPointer) throws {
        try _willWrite()
        try _writePayload(bytes)
        try _didWrite()
    }

    /// Writes a bin value; a payload of at least `directWriteThreshold` bytes goes to the sink as it is.
    public mutating func writeBinary(_ bytes: UnsafeRawBufferPointer) throws {
        try _willWrite()
        _staging.writeBinaryHeader(byteCount: bytes.count)
        try _writePayload(bytes)
        try _didWrite()
    }

    /// Writes a bin value; see ``writeBinary(_:)-(UnsafeRawBufferPointer)``.
    public mutating func writeBinary(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw throws in try writeBinary(raw) }
    }

    // MARK: Containers

    /// Begins an array of exactly `count` elements; write them, then call ``endArray()``.
    public mutating func beginArray(count: Int) throws(MessagePackError) {
        precondition(count >= 0 && count <= Int(UInt32.max), "MessagePack arrays hold 0 to 2³²−1 elements")
        try _willWrite()
        _staging.writeArrayHeader(count: count)
        _open.append((count, 0, false))
    }

    /// Ends the innermost array.
    ///
    /// - Throws: `.cannotSerialize` when it is not an array or fewer elements were written than declared.
    public mutating func endArray() throws(MessagePackError) { try _end(isMap: false) }

    /// Begins a map of exactly `count` entries; write key, value, key, value…, then call ``endMap()``.
    public mutating func beginMap(count: Int) throws(MessagePackError) {
        precondition(count >= 0 && count <= Int(UInt32.max), "MessagePack maps hold 0 to 2³²−1 entries")
        try _willWrite()
        _staging.writeMapHeader(count: count)
        _open.append((count &* 2, 0, true))
    }

    /// Ends the innermost map.
    ///
    /// - Throws: `.cannotSerialize` when it is not a map or fewer keys and values were written than declared.
    public mutating func endMap() throws(MessagePackError) { try _end(isMap: true) }

    // MARK: Flushing

    /// Hands every staged byte to the sink and flushes the sink.
    public mutating func flush() throws {
        try _handOver()
        try sink.flush()
    }

    /// Flushes and returns the sink, ending the writer.
    ///
    /// - Throws: `.cannotSerialize` when a container is still open (its message would be incomplete).
    public consuming func finish() throws -> Sink {
        guard _open.isEmpty else {
            throw MessagePackError(
                .cannotSerialize, at: -1, "\(_open.count) container(s) are still open at the end of the stream",
                hint: "end every beginArray/beginMap with endArray/endMap")
        }
        try flush()
        return sink
    }

    // MARK: Internals

    /// Writes one value with `body`, between the checks every value of the stream goes through.
    @inline(__always)
    mutating func _writing(_ body: (inout MessagePackWriter) -> Void) throws(MessagePackError) {
        try _willWrite()
        body(&_staging)
        try _didWrite()
    }

    @usableFromInline
    mutating func _willWrite() throws(MessagePackError) {
        guard let last = _open.last else { return }
        guard last.written < last.declared else {
            throw MessagePackError(
                .cannotSerialize, at: -1,
                "the \(last.isMap ? "map" : "array") was begun with \(last.isMap ? last.declared / 2 : last.declared) \(last.isMap ? "entries" : "elements") and all were written",
                hint: "end it with \(last.isMap ? "endMap" : "endArray")() before writing more, or declare a larger count")
        }
    }

    @usableFromInline
    mutating func _didWrite() throws(MessagePackError) {
        if _open.isEmpty {
            _messageCount &+= 1
        } else {
            _open[_open.count &- 1].written &+= 1
        }
        if _staging.byteCount >= flushThreshold {
            do { try _handOver() } catch let error as MessagePackError { throw error } catch {
                throw MessagePackError(.cannotSerialize, at: -1, "the sink failed: \(error)")
            }
        }
    }

    mutating func _end(isMap: Bool) throws(MessagePackError) {
        guard let last = _open.last, last.isMap == isMap else {
            throw MessagePackError(
                .cannotSerialize, at: -1, "end\(isMap ? "Map" : "Array")() without a matching begin\(isMap ? "Map" : "Array")",
                hint: "containers end in the reverse order they were begun")
        }
        guard last.written == last.declared else {
            throw MessagePackError(
                .cannotSerialize, at: -1,
                "the \(isMap ? "map" : "array") was begun with \(isMap ? last.declared / 2 : last.declared) \(isMap ? "entries" : "elements") but \(isMap ? "\(last.written) keys and values" : "\(last.written) elements") were written",
                hint: "write exactly the declared count")
        }
        _open.removeLast()
        try _didWrite()
    }

    /// Writes `bytes` after the staged bytes: copied when small, handed to the sink directly when large.
    mutating func _writePayload(_ bytes: UnsafeRawBufferPointer) throws {
        if bytes.count < directWriteThreshold {
            _staging.writeRawBytes(bytes)
        } else {
            try _handOver()
            try sink.write(bytes)
        }
    }

    /// Hands the staged bytes to the sink.
    mutating func _handOver() throws {
        guard _staging.byteCount > 0 else { return }
        // Safe: the staging buffer is not touched while the sink reads it, and the sink keeps no reference.
        // (A pointer, not withUnsafeBytes, so that reading `_staging` and mutating `sink` do not overlap.)
        let staged = UnsafeRawBufferPointer(start: _staging._base, count: _staging._count)
        try sink.write(staged)
        _staging.removeAll()
    }
}

/// A stream writer can move to another task when its sink can.
extension MessagePackStreamWriter: Sendable where Sink: Sendable {}

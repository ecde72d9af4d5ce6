// SPDX-License-Identifier: Apache-2.0

extension MessagePackValue {
    /// Decodes exactly one value from `bytes`.
    ///
    ///     let v = try MessagePackValue(decoding: [0x92, 0x01, 0xc0])   // [1, nil]
    ///
    /// - Throws: ``MessagePackError``: `.truncated`, `.invalidFormatByte`, `.invalidUTF8`, `.invalidTimestamp`,
    ///   `.trailingBytes` when bytes follow the value, `.limitExceeded` (depth, sizes).
    /// - Complexity: O(n) in the input.
    @inlinable
    public init(decoding bytes: some Collection<UInt8>, limits: MessagePackLimits = .default) throws(MessagePackError) {
        let result =
            bytes.withContiguousStorageIfAvailable { Self._decodeWhole(UnsafeRawBufferPointer($0), limits: limits) }
            ?? Array(bytes).withUnsafeBytes { Self._decodeWhole($0, limits: limits) }
        self = try result.get()
    }

    @usableFromInline
    static func _decodeWhole(_ raw: UnsafeRawBufferPointer, limits: MessagePackLimits) -> Result<
        MessagePackValue, MessagePackError
    > {
        guard raw.count <= limits.maxMessageByteCount else {
            return .failure(.limit("maxMessageByteCount", limits.maxMessageByteCount, at: 0))
        }
        var reader = MessagePackReader(raw, limits: limits)
        do {
            let value = try reader.readValue(limits: limits)
            guard reader.isAtEnd else {
                return .failure(
                    MessagePackError(
                        .trailingBytes, at: reader.offset,
                        "\(reader.remainingByteCount) byte(s) follow the value",
                        hint: "decode a sequence with a stream decoder, or check the framing"))
            }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    /// Encodes the value in canonical MessagePack, however deep it is.
    @inlinable
    public func encoded() -> [UInt8] {
        var writer = MessagePackWriter()
        writer.write(self)
        return writer.finish()
    }

    /// Encodes the value in canonical MessagePack, failing when it is nested deeper than `limits.maxDepth`
    /// (a message every decoder with those limits rejects; Spec/format.md 6.5).
    ///
    /// - Throws: ``MessagePackError`` `.limitExceeded` naming `maxDepth`.
    @inlinable
    public func encoded(limits: MessagePackLimits) throws(MessagePackError) -> [UInt8] {
        var writer = MessagePackWriter()
        writer.maxDepth = limits.maxDepth
        writer.write(self)
        try writer.checkDepth()
        return writer.finish()
    }
}

extension MessagePackReader {
    /// Consumes one value of any kind and builds it, under `limits` instead of the reader's own.
    ///
    /// Depth is bounded by `limits.maxDepth` (a typed error, never a stack overflow). On error the path of
    /// the failing element is filled in while unwinding.
    public mutating func readValue(limits: MessagePackLimits) throws(MessagePackError) -> MessagePackValue {
        let saved = (_maxElementCount, _maxPayloadByteCount, _maxDepth)
        setLimits(limits)
        defer { (_maxElementCount, _maxPayloadByteCount, _maxDepth) = saved }
        return try _readValueRestoringOffset(limits: limits)
    }

    /// Consumes one value of any kind and builds it, under the reader's limits; containers opened by
    /// ``decode(_:)`` calls around it count toward the depth.
    public mutating func readValue() throws(MessagePackError) -> MessagePackValue {
        var limits = MessagePackLimits()
        limits.maxElementCount = _maxElementCount
        limits.maxPayloadByteCount = _maxPayloadByteCount
        limits.maxDepth = _maxDepth
        return try _readValueRestoringOffset(limits: limits, depth: _depth)
    }

    mutating func _readValueRestoringOffset(limits: MessagePackLimits, depth: Int = 0) throws(MessagePackError) -> MessagePackValue {
        let start = offset
        do {
            return try _readValue(limits: limits, depth: depth)
        } catch {
            // Like every read, a failed readValue leaves the cursor where it was.
            offset = start
            throw error
        }
    }

    @usableFromInline
    package mutating func _readValue(limits: MessagePackLimits, depth: Int) throws(MessagePackError) -> MessagePackValue {
        let b = try peekFormatByte()
        switch b {
        case 0x00...0x7f:  // positive fixint
            offset &+= 1
            return .int(Int64(b))
        case 0xe0...0xff:  // negative fixint
            offset &+= 1
            return .int(Int64(Int8(bitPattern: b)))
        case FormatByte.nil: offset &+= 1; return .nil
        case FormatByte.false: offset &+= 1; return .bool(false)
        case FormatByte.true: offset &+= 1; return .bool(true)
        case FormatByte.neverUsed: throw .invalidFormatByte(at: offset)
        case 0xcc...0xd3:  // uint8 ... int64
            switch try readIntegerValue() {
            case .signed(let v): return .int(v)
            case .unsigned(let v): return v <= UInt64(Int64.max) ? .int(Int64(v)) : .uint(v)
            }
        case FormatByte.float32: return .float(try readFloat())
        case FormatByte.float64: return .double(try readDouble())
        case 0xa0...0xbf, FormatByte.str8, FormatByte.str16, FormatByte.str32:
            // The length limit is checked before the payload is validated (Spec/format.md 6.4).
            let start = offset
            let (_, count) = try readStringHeader()
            offset = start
            guard count <= limits.maxPayloadByteCount else {
                throw .limit("maxPayloadByteCount", limits.maxPayloadByteCount, at: start)
            }
            return .string(try readString())
        case FormatByte.bin8, FormatByte.bin16, FormatByte.bin32:
            let start = offset
            let (payload, count) = try readBinaryHeader()
            guard count <= limits.maxPayloadByteCount else {
                offset = start
                throw .limit("maxPayloadByteCount", limits.maxPayloadByteCount, at: start)
            }
            return .binary([UInt8](UnsafeRawBufferPointer(rebasing: _bytes[payload..<(payload &+ count)])))
        case 0x90...0x9f, FormatByte.array16, FormatByte.array32:
            // Checked in the order of Spec/format.md 6.4: the count fits the input, the count limit, the depth.
            let start = offset
            let count = try readArrayHeader()
            guard count <= limits.maxElementCount else {
                offset = start
                throw .limit("maxElementCount", limits.maxElementCount, at: start)
            }
            guard depth < limits.maxDepth else {
                offset = start
                throw .limit("maxDepth", limits.maxDepth, at: start)
            }
            var elements: [MessagePackValue] = []
            elements.reserveCapacity(_reservable(count))
            let owedOutside = _owed
            defer { _owed = owedOutside }
            for i in 0..<count {
                _owed = owedOutside &+ (count &- 1 &- i)
                do {
                    elements.append(try _readValue(limits: limits, depth: depth &+ 1))
                } catch {
                    throw error.prefixed(with: .index(i))
                }
            }
            return .array(elements)
        case 0x80...0x8f, FormatByte.map16, FormatByte.map32:
            let start = offset
            let count = try readMapHeader()
            guard count <= limits.maxElementCount else {
                offset = start
                throw .limit("maxElementCount", limits.maxElementCount, at: start)
            }
            guard depth < limits.maxDepth else {
                offset = start
                throw .limit("maxDepth", limits.maxDepth, at: start)
            }
            var entries: [(key: MessagePackValue, value: MessagePackValue)] = []
            entries.reserveCapacity(_reservable(count, bytesPerElement: 2))
            let owedOutside = _owed
            defer { _owed = owedOutside }
            for i in 0..<count {
                let owedAfterEntry = owedOutside &+ 2 &* (count &- 1 &- i)
                _owed = owedAfterEntry &+ 1
                // A defect inside a key reports the path of the map (Spec/format.md 6.6), so no segment here.
                let key = try _readValue(limits: limits, depth: depth &+ 1)
                _owed = owedAfterEntry
                do {
                    entries.append((key, try _readValue(limits: limits, depth: depth &+ 1)))
                } catch {
                    throw error.prefixed(with: Self._segment(for: key, index: i))
                }
            }
            return .map(entries)
        default:  // fixext, ext8/16/32
            let start = offset
            let (type, count) = try readExtensionHeader()
            guard count <= limits.maxPayloadByteCount else {
                offset = start
                throw .limit("maxPayloadByteCount", limits.maxPayloadByteCount, at: start)
            }
            let payload = UnsafeRawBufferPointer(rebasing: _bytes[offset..<(offset &+ count)])
            if type == -1 {
                do {
                    let ts = try MessagePackTimestamp(extensionPayload: payload, at: start)
                    offset &+= count
                    return .timestamp(ts)
                } catch {
                    offset = start
                    throw error
                }
            }
            offset &+= count
            return .extension(type, [UInt8](payload))
        }
    }

    /// The path segment for a map entry: `.name` for string keys, the key's compact JSON notation otherwise
    /// (`[{"int":"7"}]`, Spec/format.md, "Value paths").
    public static func _segment(for key: MessagePackValue, index: Int) -> MessagePackPath.Segment {
        if case .string(let k) = key { return .key(k) }
        return .otherKey(key.compactNotation)
    }
}

extension MessagePackWriter {
    /// Writes any value in canonical form (maps in their stored order).
    ///
    /// Arrays and maps count toward ``maxDepth`` (no limit unless set): one that would open deeper is not
    /// written, and ``checkDepth()`` throws afterwards.
    public mutating func write(_ value: MessagePackValue) {
        switch value {
        case .nil: writeNil()
        case .bool(let b): write(b)
        case .int(let v): write(v)
        case .uint(let v): write(v)
        case .float(let v): write(v)
        case .double(let v): write(v)
        case .string(let s): write(s)
        case .binary(let b): writeBinary(b)
        case .array(let elements):
            guard _mayOpenContainer() else { return }
            _writeArrayHeader(count: elements.count)
            _depth &+= 1
            for element in elements { write(element) }
            _depth &-= 1
        case .map(let entries):
            guard _mayOpenContainer() else { return }
            _writeMapHeader(count: entries.count)
            _depth &+= 1
            for entry in entries {
                write(entry.key)
                write(entry.value)
            }
            _depth &-= 1
        case .extension(let type, let payload): writeExtension(type: type, payload: payload)
        case .timestamp(let t): write(t)
        }
    }
}

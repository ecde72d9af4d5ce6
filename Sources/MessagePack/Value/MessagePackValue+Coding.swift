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
        self = try _withContiguousBytesTyped(bytes) { raw throws(MessagePackError) in
            try Self._decodeWhole(raw, limits: limits).get()
        }
    }

    /// Decodes exactly one value from a span of bytes (a `ByteBuffer`'s `readableBytesSpan`, an array's
    /// `span.bytes`), with no copy.
    public init(decoding bytes: RawSpan, limits: MessagePackLimits = .default) throws(MessagePackError) {
        self = try bytes.withUnsafeBytes { raw in Self._decodeWhole(raw, limits: limits) }.get()
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

    /// Consumes one value and builds it, with `depth` containers already open around it: the one dynamic-value
    /// walk (``_walkValue(_:limits:depth:)``) with every ext read as a plain ext or a timestamp.
    @usableFromInline
    package mutating func _readValue(limits: MessagePackLimits, depth: Int) throws(MessagePackError) -> MessagePackValue {
        try _walkValue(_PlainValueBuilder(), limits: limits, depth: depth)
    }

    /// The path segment for a map entry: `.name` for string keys, the key's compact JSON notation otherwise
    /// (`[{"int":"7"}]`, Spec/format.md, "Value paths").
    public static func _segment(for key: MessagePackValue, index: Int) -> MessagePackPath.Segment {
        if case .string(let k) = key { return .key(k) }
        return .otherKey(key.compactNotation)
    }
}

extension MessagePackWriter {
    /// Writes any value in canonical form (maps in their stored order), however deep: below the first few levels
    /// the containers it is inside are kept in an array on the heap, not on the stack.
    ///
    /// Arrays and maps count toward ``maxDepth`` (no limit unless set): one that would open deeper is not
    /// written, and ``checkDepth()`` throws afterwards.
    public mutating func write(_ value: MessagePackValue) {
        _write(value, recursionBudget: Self._recursionBudget)
    }

    /// Levels written by recursion before the rest of a value is written iteratively: recursion is the faster
    /// way for the nesting real messages have (an explicit stack cost 25% more instructions on a 145-byte
    /// message), and this many levels take a few KiB of stack even in a debug build.
    static var _recursionBudget: Int { 16 }

    mutating func _write(_ value: MessagePackValue, recursionBudget: Int) {
        switch value {
        case .array(let elements):
            guard recursionBudget > 0 else { return _writeIteratively(value) }
            guard _mayOpenContainer() else { return }
            _writeArrayHeader(count: elements.count)
            _depth &+= 1
            for element in elements { _write(element, recursionBudget: recursionBudget &- 1) }
            _depth &-= 1
        case .map(let entries):
            guard recursionBudget > 0 else { return _writeIteratively(value) }
            guard _mayOpenContainer() else { return }
            _writeMapHeader(count: entries.count)
            _depth &+= 1
            for entry in entries {
                _write(entry.key, recursionBudget: recursionBudget &- 1)
                _write(entry.value, recursionBudget: recursionBudget &- 1)
            }
            _depth &-= 1
        default:
            _ = _writeOpening(value)
        }
    }

    /// Writes `value` keeping the containers it is inside in an array on the heap.
    ///
    /// The loop of `_DynamicTreeVisitor.visit(_:)`, written out: the writer is `~Copyable`, so it cannot be
    /// handed to a visitor and back.
    mutating func _writeIteratively(_ value: MessagePackValue) {
        guard let children = _writeOpening(value) else { return }
        var outer: [(children: _TreeChildren<MessagePackValue>, next: Int)] = []
        var top = (children: children, next: 0)
        while true {
            if top.next < top.children.visitCount {
                let child = top.children.child(at: top.next)
                top.next &+= 1
                if let grandchildren = _writeOpening(child) {
                    outer.append(top)
                    top = (grandchildren, 0)
                }
                continue
            }
            _depth &-= 1
            guard let parent = outer.popLast() else { return }
            top = parent
        }
    }

    /// Writes a scalar whole and returns nil, or a container's header and returns its children (the container
    /// then counts as open); nil too for a container that would open deeper than ``maxDepth``.
    @inline(__always)
    mutating func _writeOpening(_ value: MessagePackValue) -> _TreeChildren<MessagePackValue>? {
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
            guard _mayOpenContainer() else { return nil }
            _writeArrayHeader(count: elements.count)
            _depth &+= 1
            return .array(elements)
        case .map(let entries):
            guard _mayOpenContainer() else { return nil }
            _writeMapHeader(count: entries.count)
            _depth &+= 1
            return .map(entries)
        case .extension(let type, let payload): writeExtension(type: type, payload: payload)
        case .timestamp(let t): write(t)
        }
        return nil
    }
}

// SPDX-License-Identifier: Apache-2.0

/// What one walk over a dynamic value builds, and what it does with an ext value: the one difference between
/// decoding a ``MessagePackValue`` and decoding a portable layer's value (which turns some ext types into
/// objects).
///
/// The walk itself, ``MessagePackReader/_walkValue(_:limits:depth:)``, owns everything else: the order of the
/// checks (Spec/format.md 6.4), the depth rule (6.5), the count and length limits, the bytes that enclosing
/// containers are owed (so nested headers never reserve memory twice) and the value path of an error (6.6).
@usableFromInline
package protocol _DynamicValueBuilder {
    /// The tree being built.
    associatedtype Value
    /// What the walk throws: ``MessagePackError`` for the core, any error where ``readExtension(_:from:depth:)``
    /// runs code that throws others.
    associatedtype Failure: Error

    /// Whether some ext types are read by ``readExtension(_:from:depth:)``; `false` lets a specialised walk drop
    /// the check.
    static var claimsExtensions: Bool { get }
    /// Whether ext values of `type` are read by ``readExtension(_:from:depth:)`` rather than as plain ext values.
    func claims(_ type: Int8) -> Bool
    /// Reads the whole ext value of `type` at the cursor (a claimed type), leaving the cursor after it.
    ///
    /// `depth` counts the containers open around it; the walk does not check it again.
    func readExtension(_ type: Int8, from reader: inout MessagePackReader, depth: Int) throws(Failure) -> Value

    /// A scalar: anything but an array or a map.
    func makeScalar(_ scalar: MessagePackValue) -> Value
    /// An array from its elements.
    func makeArray(_ elements: [Value]) -> Value
    /// A map from its entries, in wire order.
    func makeMap(_ entries: [(key: Value, value: Value)]) -> Value

    /// The path segment of a map entry whose value failed (never called on the success path).
    func segment(forKey key: Value, index: Int) -> MessagePackPath.Segment
    /// A core error as this builder's failure.
    func failure(_ error: MessagePackError) -> Failure
    /// `error` with `segments` (innermost first) put in front of its path, or unchanged when it already carries a
    /// complete path.
    func prefixed(_ error: Failure, innermostFirst segments: [MessagePackPath.Segment]) -> Failure
}

/// One token of a walk: a whole scalar, a container's header (checked), or a claimed ext not yet read.
@usableFromInline
package enum _WalkToken {
    case scalar(MessagePackValue)
    case array(count: Int)
    case map(count: Int)
    case claimedExtension(Int8)
}

/// One container that a walk has opened and is filling.
@usableFromInline
package struct _WalkFrame<Value> {
    @usableFromInline var elements: [Value] = []
    @usableFromInline var entries: [(key: Value, value: Value)] = []
    /// The key of the entry being read, once read.
    @usableFromInline var key: Value? = nil
    /// Elements, or entries, declared.
    @usableFromInline let count: Int
    /// Elements, or entries, complete.
    @usableFromInline var index = 0
    /// What the enclosing containers were owed when this one's header was read.
    @usableFromInline let owedOutside: Int
    @usableFromInline let isMap: Bool

    @inlinable
    init(count: Int, isMap: Bool, reader: MessagePackReader) {
        self.count = count
        self.isMap = isMap
        self.owedOutside = reader._owed
        if isMap {
            entries.reserveCapacity(reader._reservable(count, bytesPerElement: 2))
        } else {
            elements.reserveCapacity(reader._reservable(count))
        }
    }

    /// Adds a finished child: an element, a key, or the value that completes an entry.
    @inlinable @inline(__always)
    mutating func add(_ value: consuming Value) {
        if !isMap {
            elements.append(value)
            index &+= 1
        } else if let key = key.take() {
            entries.append((key, value))
            index &+= 1
        } else {
            key = value
        }
    }

    /// The bytes the enclosing containers are owed while the next child is read: one per element (two per
    /// entry) after it, plus the value of an entry whose key is next.
    @inlinable @inline(__always)
    var owedDuringNextChild: Int {
        if isMap {
            let afterEntry = owedOutside &+ 2 &* (count &- 1 &- index)
            return key == nil ? afterEntry &+ 1 : afterEntry
        }
        return owedOutside &+ (count &- 1 &- index)
    }
}

extension MessagePackReader {
    /// Consumes one value of any kind and builds it with `builder`, without recursion: the open containers live
    /// in an array on the heap, so the stack a walk needs does not grow with the nesting of its input (it runs
    /// on a 512 KiB thread).
    ///
    /// `depth` counts the containers already open around the value; a container is refused when it would be
    /// opened at `limits.maxDepth` or deeper, or at `MessagePackLimits.maxSafeDepth` or deeper (the tree's
    /// ceiling, see `_checkContainer`), after its header is found complete and within its count limit
    /// (Spec/format.md 6.4, 6.5). A failure deep inside gets the path of the failing value: an array element
    /// adds its index, a map value its key's segment, a map key nothing (the key's map is the path).
    ///
    /// Leaf reads are transactional; after a failure inside a container the cursor is left where the failure
    /// happened (callers that promise to restore it do so).
    ///
    /// - Complexity: O(n) in the value's bytes; memory for open containers is bounded by the input
    ///   (``_reservable(_:bytesPerElement:)``).
    @inlinable
    package mutating func _walkValue<Builder: _DynamicValueBuilder>(
        _ builder: Builder, limits: MessagePackLimits, depth: Int
    ) throws(Builder.Failure) -> Builder.Value {
        try _walkNested(builder, limits: limits, depth: depth, recursionBudget: Self._walkRecursionBudget)
    }

    /// Levels the walk descends by recursion before it keeps the rest of a value's containers on the heap.
    ///
    /// The nesting of real messages is shallow, and for it recursion is the faster way (the explicit stack cost
    /// a third more instructions decoding a 145-byte task message); past this many levels the walk needs no
    /// more stack, however deep the input. Eight levels take a few KiB of stack in a release build.
    @inlinable
    static var _walkRecursionBudget: Int { 8 }

    /// The walk's first levels: one call per level, up to `recursionBudget` levels, then ``_walkIteratively``.
    /// Same checks, same owed bytes, same paths.
    @inlinable
    mutating func _walkNested<Builder: _DynamicValueBuilder>(
        _ builder: Builder, limits: MessagePackLimits, depth: Int, recursionBudget: Int
    ) throws(Builder.Failure) -> Builder.Value {
        switch try _walkToken(builder, limits: limits, depth: depth) {
        case .scalar(let scalar):
            return builder.makeScalar(scalar)
        case .claimedExtension(let type):
            return try builder.readExtension(type, from: &self, depth: depth)
        case .array(let count):
            if recursionBudget == 0 {
                return try _walkIteratively(builder, limits: limits, depth: depth, top: _WalkFrame(count: count, isMap: false, reader: self))
            }
            var elements: [Builder.Value] = []
            elements.reserveCapacity(_reservable(count))
            let owedOutside = _owed
            for i in 0..<count {
                _owed = owedOutside &+ (count &- 1 &- i)
                do throws(Builder.Failure) {
                    elements.append(
                        try _walkNested(builder, limits: limits, depth: depth &+ 1, recursionBudget: recursionBudget &- 1))
                } catch {
                    _owed = owedOutside
                    throw builder.prefixed(error, innermostFirst: [.index(i)])
                }
            }
            _owed = owedOutside
            return builder.makeArray(elements)
        case .map(let count):
            if recursionBudget == 0 {
                return try _walkIteratively(builder, limits: limits, depth: depth, top: _WalkFrame(count: count, isMap: true, reader: self))
            }
            var entries: [(key: Builder.Value, value: Builder.Value)] = []
            entries.reserveCapacity(_reservable(count, bytesPerElement: 2))
            let owedOutside = _owed
            for i in 0..<count {
                let owedAfterEntry = owedOutside &+ 2 &* (count &- 1 &- i)
                _owed = owedAfterEntry &+ 1
                let key: Builder.Value
                do throws(Builder.Failure) {
                    key = try _walkNested(builder, limits: limits, depth: depth &+ 1, recursionBudget: recursionBudget &- 1)
                } catch {
                    // A fault inside a key is reported at the map's path (Spec/format.md 6.6), so no segment here.
                    _owed = owedOutside
                    throw error
                }
                _owed = owedAfterEntry
                do throws(Builder.Failure) {
                    entries.append(
                        (key, try _walkNested(builder, limits: limits, depth: depth &+ 1, recursionBudget: recursionBudget &- 1)))
                } catch {
                    _owed = owedOutside
                    throw builder.prefixed(error, innermostFirst: [builder.segment(forKey: key, index: i)])
                }
            }
            _owed = owedOutside
            return builder.makeMap(entries)
        }
    }

    /// The walk below its first levels: the open containers are frames in an array on the heap, `top` the one
    /// being filled (its header read at `depth`).
    @inlinable
    mutating func _walkIteratively<Builder: _DynamicValueBuilder>(
        _ builder: Builder, limits: MessagePackLimits, depth: Int, top: consuming _WalkFrame<Builder.Value>
    ) throws(Builder.Failure) -> Builder.Value {
        typealias Frame = _WalkFrame<Builder.Value>
        let owedAtStart = top.owedOutside
        // The container being filled is `top`; those around it are in `outer`, outermost first. Keeping the
        // innermost one in a local makes the common step (append to it) touch no array of frames.
        var outer: [Frame] = []
        var top = top
        do throws(Builder.Failure) {
            while true {
                if top.index == top.count {
                    // The container is complete: build it and hand it to its parent.
                    _owed = top.owedOutside
                    let finished = top.isMap ? builder.makeMap(top.entries) : builder.makeArray(top.elements)
                    if outer.isEmpty { return finished }
                    // Assigned straight from `removeLast()`, so `top` holds the only reference to the parent's
                    // arrays: a `let parent` kept alive past the next append made every append copy the array.
                    top = outer.removeLast()
                    top.add(finished)
                    continue
                }
                _owed = top.owedDuringNextChild
                // The containers open around the next child: those outside the walk, `outer`, and `top`.
                let childDepth = depth &+ outer.count &+ 1
                let token = try _walkToken(builder, limits: limits, depth: childDepth)
                switch token {
                case .scalar(let scalar):
                    top.add(builder.makeScalar(scalar))
                case .claimedExtension(let type):
                    top.add(try builder.readExtension(type, from: &self, depth: childDepth))
                case .array(count: 0):
                    top.add(builder.makeArray([]))
                case .map(count: 0):
                    top.add(builder.makeMap([]))
                case .array(let count), .map(let count):
                    var isMap = false
                    if case .map = token { isMap = true }
                    outer.append(consume top)  // moved, not copied
                    top = Frame(count: count, isMap: isMap, reader: self)
                }
            }
        } catch {
            _owed = owedAtStart
            throw _located(error, builder, top: top, outer: outer)
        }
    }

    /// The failure with the path of the child being read in `top`, inside `outer` (error path only).
    @inlinable @inline(never)
    func _located<Builder: _DynamicValueBuilder>(
        _ error: Builder.Failure, _ builder: Builder, top: _WalkFrame<Builder.Value>,
        outer: [_WalkFrame<Builder.Value>]
    ) -> Builder.Failure {
        var segments: [MessagePackPath.Segment] = []
        segments.reserveCapacity(outer.count &+ 1)
        func append(_ frame: _WalkFrame<Builder.Value>) {
            if !frame.isMap {
                segments.append(.index(frame.index))
            } else if let key = frame.key {
                segments.append(builder.segment(forKey: key, index: frame.index))
            }  // a fault inside a key is reported at the map's path (Spec/format.md 6.6), so no segment
        }
        append(top)
        for frame in outer.reversed() { append(frame) }
        return builder.prefixed(error, innermostFirst: segments)
    }

    /// Reads one token at the cursor, with the checks of Spec/format.md 6.4 in their order: a container's
    /// header is complete and its count fits the input (the header read), the count is within
    /// `maxElementCount`, then the depth; payload lengths before payload validity.
    @inlinable @inline(__always)
    mutating func _walkToken<Builder: _DynamicValueBuilder>(
        _ builder: Builder, limits: MessagePackLimits, depth: Int
    ) throws(Builder.Failure) -> _WalkToken {
        do throws(MessagePackError) {
            let b = try peekFormatByte()
            switch b {
            case 0x00...0x7f:  // positive fixint
                offset &+= 1
                return .scalar(.int(Int64(b)))
            case 0xe0...0xff:  // negative fixint
                offset &+= 1
                return .scalar(.int(Int64(Int8(bitPattern: b))))
            case 0xa0...0xbf, FormatByte.str8, FormatByte.str16, FormatByte.str32:
                // The length limit is checked before the payload is validated (Spec/format.md 6.4).
                let start = offset
                let (_, count) = try readStringHeader()
                offset = start
                guard count <= limits.maxPayloadByteCount else {
                    throw .limit("maxPayloadByteCount", limits.maxPayloadByteCount, at: start)
                }
                return .scalar(.string(try readString()))
            case 0x90...0x9f, FormatByte.array16, FormatByte.array32:
                let start = offset
                let count = try readArrayHeader()
                try _checkContainer(count: count, start: start, limits: limits, depth: depth)
                return .array(count: count)
            case 0x80...0x8f, FormatByte.map16, FormatByte.map32:
                let start = offset
                let count = try readMapHeader()
                try _checkContainer(count: count, start: start, limits: limits, depth: depth)
                return .map(count: count)
            case FormatByte.nil:
                offset &+= 1
                return .scalar(.nil)
            case FormatByte.false:
                offset &+= 1
                return .scalar(.bool(false))
            case FormatByte.true:
                offset &+= 1
                return .scalar(.bool(true))
            case FormatByte.neverUsed:
                throw .invalidFormatByte(at: offset)
            case 0xcc...0xd3:  // uint8 ... int64
                switch try readIntegerValue() {
                case .signed(let v): return .scalar(.int(v))
                case .unsigned(let v): return .scalar(v <= UInt64(Int64.max) ? .int(Int64(v)) : .uint(v))
                }
            case FormatByte.float32: return .scalar(.float(try readFloat()))
            case FormatByte.float64: return .scalar(.double(try readDouble()))
            case FormatByte.bin8, FormatByte.bin16, FormatByte.bin32:
                let start = offset
                let (payload, count) = try readBinaryHeader()
                guard count <= limits.maxPayloadByteCount else {
                    offset = start
                    throw .limit("maxPayloadByteCount", limits.maxPayloadByteCount, at: start)
                }
                return .scalar(.binary([UInt8](UnsafeRawBufferPointer(rebasing: _bytes[payload..<(payload &+ count)]))))
            default:  // fixext, ext8/16/32
                if Builder.claimsExtensions, let type = peekExtensionType(), builder.claims(type) {
                    return .claimedExtension(type)
                }
                return .scalar(try _readPlainExtension(limits: limits))
            }
        } catch {
            throw builder.failure(error)
        }
    }

    /// Checks a container header just read at `start` against the count limit, then the depth (Spec/format.md
    /// 6.4 steps 3 and 4); on failure the cursor goes back to `start`.
    ///
    /// The walk builds a tree, and Swift frees a tree recursively (about 110 bytes of stack a level in a debug
    /// build), so it never goes deeper than ``MessagePackLimits/maxSafeDepth`` whatever `maxDepth` says: a value
    /// it returns can be dropped on any thread, a 512 KiB one included (Spec/format.md 6.5 allows this ceiling).
    @inlinable @inline(__always)
    mutating func _checkContainer(count: Int, start: Int, limits: MessagePackLimits, depth: Int) throws(MessagePackError) {
        guard count <= limits.maxElementCount else {
            offset = start
            throw .limit("maxElementCount", limits.maxElementCount, at: start)
        }
        guard depth < limits.maxDepth && depth < MessagePackLimits.maxSafeDepth else {
            offset = start
            throw depth >= limits.maxDepth ? .limit("maxDepth", limits.maxDepth, at: start) : .treeTooDeep(at: start)
        }
    }

    /// Reads an ext value that is a timestamp (type −1, checked) or a plain ext.
    @inlinable
    mutating func _readPlainExtension(limits: MessagePackLimits) throws(MessagePackError) -> MessagePackValue {
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

/// The walk that builds a ``MessagePackValue``: every ext is a plain ext or a timestamp.
@usableFromInline
struct _PlainValueBuilder: _DynamicValueBuilder {
    @inlinable init() {}
    @inlinable static var claimsExtensions: Bool { false }
    @inlinable func claims(_ type: Int8) -> Bool { false }
    @inlinable
    func readExtension(_ type: Int8, from reader: inout MessagePackReader, depth: Int) throws(MessagePackError)
        -> MessagePackValue
    {
        try reader._readPlainExtension(limits: MessagePackLimits())  // never called: no type is claimed
    }
    @inlinable func makeScalar(_ scalar: MessagePackValue) -> MessagePackValue { scalar }
    @inlinable func makeArray(_ elements: [MessagePackValue]) -> MessagePackValue { .array(elements) }
    @inlinable func makeMap(_ entries: [(key: MessagePackValue, value: MessagePackValue)]) -> MessagePackValue {
        .map(entries)
    }
    @usableFromInline func segment(forKey key: MessagePackValue, index: Int) -> MessagePackPath.Segment {
        MessagePackReader._segment(for: key, index: index)
    }
    @inlinable func failure(_ error: MessagePackError) -> MessagePackError { error }
    @usableFromInline
    func prefixed(_ error: MessagePackError, innermostFirst segments: [MessagePackPath.Segment]) -> MessagePackError {
        error.prefixed(innermostFirst: segments)
    }
}

extension MessagePackError {
    /// The error with `segments` (innermost first, as a walk finds them) put in front of its path, in one
    /// step: prefixing a 100,000-level path one segment at a time would copy it 100,000 times.
    package func prefixed(innermostFirst segments: [MessagePackPath.Segment]) -> MessagePackError {
        var copy = self
        copy.path._reversed.append(contentsOf: segments)
        return copy
    }
}

// SPDX-License-Identifier: Apache-2.0

/// Encodes any `Encodable` value as MessagePack.
///
/// Structs and classes become maps keyed by their `CodingKeys` (or arrays with
/// ``Options-swift.struct/positional``), optionals become nil, `[UInt8]` becomes bin, and `MessagePackValue`
/// is written as itself. Output is deterministic: the same value always gives the same bytes, and
/// ``Options-swift.struct/sortsDictionaryKeys`` sorts the keys of maps built from a `Dictionary`.
///
///     struct Point: Codable { var x: Int; var y: Int }
///     let bytes = try MessagePackEncoder().encode(Point(x: 1, y: 2))
///     // 82 a1 78 01 a1 79 02   ({"x": 1, "y": 2})
///
/// The encoder writes straight into one buffer and patches container headers when a container ends, so
/// sibling containers must be filled one after another (as synthesized code does).
///
/// This module has no Foundation and knows no well-known types (Spec/well-known-types.md): values such as
/// `Date`, `UUID`, `Decimal` and `Set` are written in their own `Codable` forms (a number of seconds since 2001,
/// the UUID's text, Foundation's keyed form of a decimal, an array), which other languages read as plain
/// numbers, strings, maps and arrays. `PortableEncoder` in the PortableWire module writes them in their
/// well-known forms (a timestamp, 16 bytes, exact decimal text, a set), which every implementation maps back to
/// its native types.
public struct MessagePackEncoder: Sendable {
    /// Encoding choices.
    public struct Options: Hashable, Sendable {
        /// Sort the keys of maps that come from a `Dictionary` (Swift's order is random per process).
        public var sortsDictionaryKeys = true
        /// Write structs and classes as arrays of their values in `CodingKeys` order instead of maps.
        public var positional = false
        /// The defaults: dictionaries sorted, structs as maps.
        public init() {}
    }

    /// Encoding choices.
    public var options = Options()
    /// Values handed to every `encode(to:)` as `encoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]
    /// The deepest nesting of arrays and maps written before `.limitExceeded`; default 512, what every decoder
    /// accepts (Spec/format.md 6.5). Swift values nested without a container of their own (optionals, wrappers)
    /// may go twice as deep, so that a cycle among classes throws instead of overflowing the stack.
    public var maxDepth = MessagePackLimits.default.maxDepth

    /// Creates an encoder with default options.
    public init() {}

    /// Encodes `value` and returns the bytes.
    ///
    /// - Throws: ``MessagePackError`` with the value path: `.limitExceeded` past ``maxDepth``, `.cannotSerialize`
    ///   for an `EncodingError` or any other error your `encode(to:)` throws (kept as its `underlyingError`).
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let impl = _EncoderImpl(options: options, userInfo: userInfo)
        impl.maxDepth = maxDepth
        try impl.encodeTopLevel(value)
        return impl.writer.bytes
    }

    /// Encodes `value`, appending to `writer`.
    public func encode<T: Encodable>(_ value: T, into writer: inout MessagePackWriter) throws {
        let impl = _EncoderImpl(options: options, userInfo: userInfo)
        impl.maxDepth = maxDepth
        swap(&impl.writer, &writer)
        defer { swap(&impl.writer, &writer) }
        try impl.encodeTopLevel(value)
    }
}

/// Lets an upper layer (portable objects) take over values the plain encoder would write generically.
package protocol _EncodingHook: AnyObject {
    /// Returns true when it wrote `value` itself.
    func encode<T: Encodable>(_ value: T, impl: _EncoderImpl) throws -> Bool
}

/// A key for array positions and for the `super` entry.
///
/// Small enough (24 bytes) to sit in an existential's inline buffer, and an index's text is made only when
/// asked for, so pushing one onto the coding path allocates nothing.
package struct _IndexKey: CodingKey {
    let index: Int
    let name: String?
    package var stringValue: String { name ?? String(index) }
    package var intValue: Int? { name == nil ? index : nil }
    package init(intValue: Int) {
        self.index = intValue
        self.name = nil
    }
    package init(stringValue: String) {
        self.index = 0
        self.name = stringValue
    }
    package static let `super` = _IndexKey(stringValue: "super")
}

/// Marks `Dictionary` so the encoder can sort its keys and write integer keys as integers.
package protocol _DictionaryMarker {
    /// Whether the keys are `Int`s. (A `String` key such as "1" also has an `intValue`, but stays a str.)
    static var _hasIntegerKeys: Bool { get }
    /// Encodes the entries one at a time, in the order that sorting the finished map would give.
    func _encodeInSortedOrder(to encoder: any Encoder) throws
}
extension Dictionary: _DictionaryMarker {
    static package var _hasIntegerKeys: Bool { Key.self == Int.self }

    /// Sorting a map after its entries were written moves their bytes; that is harmless for plain values, but
    /// the portable layer numbers objects and type names in the order it writes them, which must be the order
    /// they end up in on the wire. So its dictionaries are written in sorted order from the start: str keys by
    /// their UTF-8 bytes, `Int` keys by their encoded bytes, as ``_EncoderImpl/sortEntries(_:)`` orders them.
    package func _encodeInSortedOrder(to encoder: any Encoder) throws {
        var entries: [(sortKey: [UInt8], key: _SortedDictionaryKey, value: Value)] = []
        entries.reserveCapacity(count)
        for (key, value) in self {
            if let string = key as? String {
                entries.append((Array(string.utf8), _SortedDictionaryKey(stringValue: string), value))
            } else if let int = key as? Int {
                var writer = MessagePackWriter(capacity: 9)
                writer.write(int)
                entries.append((writer.finish(), _SortedDictionaryKey(intValue: int), value))
            }
        }
        entries.sort { $0.sortKey.lexicographicallyPrecedes($1.sortKey) }
        var container = encoder.container(keyedBy: _SortedDictionaryKey.self)
        for entry in entries {
            guard let value = entry.value as? any Encodable else { continue }
            try Self._encode(value, forKey: entry.key, in: &container)
        }
    }

    private static func _encode<E: Encodable>(
        _ value: E, forKey key: _SortedDictionaryKey, in container: inout KeyedEncodingContainer<_SortedDictionaryKey>
    ) throws {
        try container.encode(value, forKey: key)
    }
}

extension _EncoderImpl {
    /// Writes a `Dictionary` with its entries encoded in sorted order (see
    /// ``_DictionaryMarker/_encodeInSortedOrder(to:)``).
    package func encodeInSortedOrder(_ dictionary: any _DictionaryMarker) throws {
        nextMapIsDictionary = true
        nextMapHasIntegerKeys = type(of: dictionary)._hasIntegerKeys
        try encodeWithContainers(_SortedDictionaryEncoding(dictionary: dictionary))
    }
}

/// Runs ``_DictionaryMarker/_encodeInSortedOrder(to:)`` as an `Encodable`, so that its container is opened and
/// closed like any value's.
struct _SortedDictionaryEncoding: Encodable {
    let dictionary: any _DictionaryMarker
    func encode(to encoder: any Encoder) throws { try dictionary._encodeInSortedOrder(to: encoder) }
}

/// The coding key of a dictionary entry written by ``_DictionaryMarker/_encodeInSortedOrder(to:)``.
package struct _SortedDictionaryKey: CodingKey {
    package var stringValue: String
    package var intValue: Int?
    package init(stringValue: String) { self.stringValue = stringValue }
    package init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// The one encoder object behind every container of one `encode` call.
///
/// Its mutable state is `@exclusivity(unchecked)`: the encoder is used by one thread, its accesses never
/// overlap (no state is passed `inout` while re-entering the encoder), and the dynamic checks Swift would
/// otherwise run on every access to a class's stored property were a large part of the encode time.
package final class _EncoderImpl: Encoder {
    @exclusivity(unchecked) package var writer = MessagePackWriter()
    let options: MessagePackEncoder.Options
    package let userInfo: [CodingUserInfoKey: Any]
    @exclusivity(unchecked) package var codingPath: [any CodingKey] = []
    /// The upper layer's hook, if any.
    @exclusivity(unchecked) package var hook: (any _EncodingHook)?
    /// Containers open on the wire around the current position: arrays, maps and, at the portable layer,
    /// objects and the global-data envelope (Spec/format.md 6.5). At most `maxDepth`.
    @exclusivity(unchecked) package var depth = 0
    @exclusivity(unchecked) package var maxDepth = MessagePackLimits.default.maxDepth
    /// Set when a container opened deeper than `maxDepth`; the container cannot be used (see `prepare`).
    @exclusivity(unchecked) var depthExceeded = false
    /// Generic values being encoded inside one another (the recursion of `encodeWithContainers`), at most
    /// 2 × `maxDepth`: values without a container of their own (optionals, wrappers) nest without adding to
    /// `depth`, and must not recurse without bound either.
    @exclusivity(unchecked) var nesting = 0
    /// Where this thread's stack ends for the recursive encode (see `_StackGuard`); checked at every level.
    package let stackLimit = _StackGuard.threadLimit()

    struct Frame {
        enum Kind { case map, array, single }
        var kind: Kind
        var headerOffset: Int
        var count = 0
        var serial: Int
        var sortsKeys = false
        var entryStart = 0  // index into entryOffsets when sorting
    }
    @exclusivity(unchecked) var frames: [Frame] = []
    @exclusivity(unchecked) var nextSerial = 0
    @exclusivity(unchecked) var nextMapSortsKeys = false
    @exclusivity(unchecked) var nextMapIsDictionary = false
    @exclusivity(unchecked) var nextMapHasIntegerKeys = false
    /// The frame count when the value being encoded began: a second `container(keyedBy:)` request for the
    /// same value (a subclass passing its encoder to `super.encode(to:)`) reuses the map opened there.
    @exclusivity(unchecked) var levelMark = 0
    /// Start offsets of the entries of maps being sorted.
    @exclusivity(unchecked) var entryOffsets: [Int] = []
    /// Whether recently seen types are dictionaries (bit 0) with integer keys (bit 1).
    @exclusivity(unchecked) package var typeFacts = _TypeFactCache()

    package init(options: MessagePackEncoder.Options, userInfo: [CodingUserInfoKey: any Sendable]) {
        self.options = options
        self.userInfo = userInfo
    }

    package func encodeTopLevel<T: Encodable>(_ value: T) throws {
        do {
            try encodeValue(value)
            try closeFrames(downTo: 0)
        } catch {
            // One error type from every entry point (README, "Errors"): Codable's and the application's errors
            // become `.cannotSerialize` with the path, the original underneath.
            throw MessagePackError.encodingFailure(error, path: MessagePackPath(codingPath: codingPath))
        }
    }

    // MARK: Frames

    func openFrame(_ kind: Frame.Kind) -> (index: Int, serial: Int) {
        let serial = nextSerial
        nextSerial &+= 1
        var frame = Frame(kind: kind, headerOffset: writer.byteCount, serial: serial)
        if kind == .map && nextMapSortsKeys {
            frame.sortsKeys = true
            frame.entryStart = entryOffsets.count
        }
        nextMapSortsKeys = false
        frames.append(frame)
        if kind != .single {
            // One placeholder byte: the fix form. Widened when the container ends with 16 or more.
            writer.reserveCapacity(1)
            writer.writeNil()
            depth &+= 1
            // Too deep: the container gets no valid index, so its first use throws (in `prepare`), and so does
            // the end of the value that opened it (in `encodeWithContainers`).
            if depth > maxDepth {
                depthExceeded = true
                return (-1, serial)
            }
        }
        return (frames.count - 1, serial)
    }

    /// Closes every frame above `index` (exclusive) and checks that `index` is still the frame it was.
    @inline(__always)
    func prepare(frame index: Int, serial: Int) throws {
        if frames.count - 1 != index {
            if depthExceeded { throw Self.tooDeep(maxDepth) }
            guard index >= 0, index < frames.count, frames[index].serial == serial else { throw Self.staleContainer() }
            try closeFrames(downTo: index + 1)
        }
    }

    @inline(never)
    package static func tooDeep(_ limit: Int) -> MessagePackError {
        MessagePackError(
            .limitExceeded, at: -1, "values are nested more than maxDepth = \(limit) levels deep",
            hint: "a reference cycle among non-portable classes looks like this; make the types Portable to detect it")
    }

    @inline(never)
    static func staleContainer() -> MessagePackError {
        MessagePackError(
            .cannotSerialize, at: -1, "an encoding container was used after its value was finished",
            hint: "fill sibling containers one after another, and do not keep containers beyond encode(to:)")
    }

    package func closeFrames(downTo mark: Int) throws {
        while frames.count > mark {
            let frame = frames.removeLast()
            switch frame.kind {
            case .single:
                if writer.byteCount == frame.headerOffset { writer.writeNil() }
            case .array:
                depth &-= 1
                patchHeader(frame, fix: 0x90, marker16: FormatByte.array16, marker32: FormatByte.array32)
            case .map:
                depth &-= 1
                if frame.sortsKeys { sortEntries(frame) }
                patchHeader(frame, fix: 0x80, marker16: FormatByte.map16, marker32: FormatByte.map32)
            }
        }
    }

    func patchHeader(_ frame: Frame, fix: UInt8, marker16: UInt8, marker32: UInt8) {
        let at = frame.headerOffset
        if frame.count < 16 {
            writer._setByte(fix | UInt8(frame.count), at: at)
        } else if frame.count <= Int(UInt16.max) {
            writer._insertGap(2, at: at + 1)
            writer._setByte(marker16, at: at)
            writer._setBigEndian(UInt16(frame.count), at: at + 1)
        } else {
            writer._insertGap(4, at: at + 1)
            writer._setByte(marker32, at: at)
            writer._setBigEndian(UInt32(frame.count), at: at + 1)
        }
    }

    /// Reorders a map's entries by key: strings by UTF-8 bytes, other keys by their encoded bytes.
    func sortEntries(_ frame: Frame) {
        let starts = Array(entryOffsets[frame.entryStart...])
        entryOffsets.removeSubrange(frame.entryStart...)
        guard starts.count > 1 else { return }
        let end = writer.byteCount
        let sorted: [UInt8] = writer.withUnsafeBytes { raw in
            var ranges: [(key: UnsafeRawBufferPointer, entry: Range<Int>)] = []
            ranges.reserveCapacity(starts.count)
            for (i, s) in starts.enumerated() {
                let e = i + 1 < starts.count ? starts[i + 1] : end
                var reader = MessagePackReader(raw, offset: s)
                var key = UnsafeRawBufferPointer(rebasing: raw[s..<e])
                if let (ks, kc) = try? reader.readStringHeader() {
                    key = UnsafeRawBufferPointer(rebasing: raw[ks..<(ks + kc)])
                }
                ranges.append((key, s..<e))
            }
            ranges.sort { $0.key.lexicographicallyPrecedes($1.key) }
            var out: [UInt8] = []
            out.reserveCapacity(end - starts[0])
            for r in ranges { out.append(contentsOf: raw[r.entry]) }
            return out
        }
        writer._truncate(to: starts[0])
        writer.writeRawBytes(sorted)
    }

    // MARK: Values

    /// Writes one value of any type, taking the fast routes first.
    ///
    /// Scalars and arrays of scalars are written directly: `Array.encode(to:)` would otherwise send every
    /// element through the generic route (a container, a coding-path entry, a conformance check).
    package func encodeValue<T: Encodable>(_ value: T) throws {
        if T.self == String.self { return writer.write(_identityCast(value, to: String.self)) }
        if T.self == Int.self { return writer.write(_identityCast(value, to: Int.self)) }
        if T.self == Double.self { return writer.write(_identityCast(value, to: Double.self)) }
        if T.self == Bool.self { return writer.write(_identityCast(value, to: Bool.self)) }
        if T.self == [UInt8].self { return writer.writeBinary(_identityCast(value, to: [UInt8].self)) }
        if T.self == [String].self { try checkLeafContainer(); return writer.encodeArray(_identityCast(value, to: [String].self)) }
        if T.self == [Int].self { try checkLeafContainer(); return writer.encodeArray(_identityCast(value, to: [Int].self)) }
        if T.self == [Double].self { try checkLeafContainer(); return writer.encodeArray(_identityCast(value, to: [Double].self)) }
        if T.self == Int64.self { return writer.write(_identityCast(value, to: Int64.self)) }
        if T.self == [Int64].self { try checkLeafContainer(); return writer.encodeArray(_identityCast(value, to: [Int64].self)) }
        if T.self == Float.self { return writer.write(_identityCast(value, to: Float.self)) }
        if T.self == [Float].self { try checkLeafContainer(); return writer.encodeArray(_identityCast(value, to: [Float].self)) }
        if T.self == [Bool].self { try checkLeafContainer(); return writer.encodeArray(_identityCast(value, to: [Bool].self)) }
        if T.self == Int32.self { return writer.write(Int64(_identityCast(value, to: Int32.self))) }
        if T.self == [Int32].self { try checkLeafContainer(); return writer.encodeArray(_identityCast(value, to: [Int32].self)) }
        if T.self == UInt64.self { return writer.write(_identityCast(value, to: UInt64.self)) }
        if T.self == [UInt64].self { try checkLeafContainer(); return writer.encodeArray(_identityCast(value, to: [UInt64].self)) }
        if T.self == MessagePackValue.self { return try writeDynamic(_identityCast(value, to: MessagePackValue.self)) }
        if T.self == MessagePackTimestamp.self {
            return writer.write(_identityCast(value, to: MessagePackTimestamp.self))
        }
        if let hook, try hook.encode(value, impl: self) { return }
        let kind = typeFacts.dictionaryKind(of: T.self)
        if kind != _TypeFactCache.notDictionary {
            nextMapSortsKeys = options.sortsDictionaryKeys
            nextMapIsDictionary = true
            nextMapHasIntegerKeys = kind == _TypeFactCache.intKeyedDictionary
        }
        try encodeWithContainers(value)
    }

    /// An array written in one piece (the fast paths) opens one level below the current one.
    @inline(__always)
    func checkLeafContainer() throws {
        if depth >= maxDepth { throw Self.tooDeep(maxDepth) }
    }

    /// Writes a dynamic value whose arrays and maps continue the current depth.
    package func writeDynamic(_ value: MessagePackValue) throws {
        // The writer may be the caller's (`encode(_:into:)`): its own depth settings are put back afterwards.
        let (savedDepth, savedMaxDepth, savedExceeded) = (writer._depth, writer._maxDepth, writer._depthExceeded)
        let savedStackStop = writer._stackStopDepth
        writer._depth = depth
        writer._maxDepth = maxDepth
        writer._depthExceeded = false
        writer._stackStopDepth = 0
        writer.write(value)
        let exceeded = writer._depthExceeded
        let stackStop = writer._stackStopDepth
        writer._depth = savedDepth
        writer._maxDepth = savedMaxDepth
        writer._depthExceeded = savedExceeded
        writer._stackStopDepth = savedStackStop
        if exceeded { throw stackStop > 0 ? MessagePackError.stackExhausted(depth: stackStop, at: -1) : Self.tooDeep(maxDepth) }
    }

    /// Runs `value.encode(to:)` and closes the containers it opened.
    package func encodeWithContainers<T: Encodable>(_ value: T) throws {
        // nesting < 2 × maxDepth, without overflow for a maxDepth of Int.max.
        guard nesting &>> 1 < maxDepth else { throw Self.tooDeep(maxDepth) }
        guard _StackGuard.hasRoom(above: stackLimit) else { throw MessagePackError.stackExhausted(depth: nesting, at: -1) }
        nesting &+= 1
        let savedLevelMark = levelMark
        levelMark = frames.count
        defer {
            nesting &-= 1
            levelMark = savedLevelMark
        }
        let mark = frames.count
        let start = writer.byteCount
        try value.encode(to: self)
        if depthExceeded { throw Self.tooDeep(maxDepth) }
        try closeFrames(downTo: mark)
        if writer.byteCount == start { writer.writeNil() }  // encode(to:) wrote nothing
    }

    /// Writes a map key for a `CodingKey`: an integer for integer-keyed dictionaries, else its string.
    func writeKey(_ key: some CodingKey, isDictionary: Bool) {
        if isDictionary, let i = key.intValue { writer.write(i) } else { writer.write(key.stringValue) }
    }

    // MARK: Encoder

    package func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        // The value's own container, when it asks again, is the one it opened first; a `superEncoder`
        // starts a new value just above its `.single` frame.
        var mark = min(levelMark, frames.count)
        if let single = frames[mark...].lastIndex(where: { $0.kind == .single }) { mark = single + 1 }
        if frames.count > mark, frames[mark].kind == (options.positional ? .array : .map), !nextMapIsDictionary {
            return KeyedEncodingContainer(
                _KeyedEncoder<Key>(
                    impl: self, frame: mark, serial: frames[mark].serial, positional: options.positional,
                    isDictionary: false))
        }
        return nestedKeyedContainer(keyedBy: type)
    }

    /// Opens a new keyed container at the current position.
    func nestedKeyedContainer<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let isDictionary = nextMapIsDictionary
        let integerKeys = nextMapHasIntegerKeys
        nextMapIsDictionary = false
        nextMapHasIntegerKeys = false
        if options.positional && !isDictionary {
            let (index, serial) = openFrame(.array)
            return KeyedEncodingContainer(
                _KeyedEncoder<Key>(impl: self, frame: index, serial: serial, positional: true, isDictionary: false))
        }
        let (index, serial) = openFrame(.map)
        return KeyedEncodingContainer(
            _KeyedEncoder<Key>(
                impl: self, frame: index, serial: serial, positional: false, isDictionary: isDictionary && integerKeys))
    }

    package func unkeyedContainer() -> any UnkeyedEncodingContainer {
        nextMapIsDictionary = false
        nextMapHasIntegerKeys = false
        let (index, serial) = openFrame(.array)
        return _UnkeyedEncoder(impl: self, frame: index, serial: serial)
    }

    package func singleValueContainer() -> any SingleValueEncodingContainer {
        nextMapIsDictionary = false
        nextMapHasIntegerKeys = false
        return _SingleValueEncoder(impl: self)
    }
}

/// Reinterprets a value whose type was just checked to be `U`.
@inline(__always)
package func _identityCast<T, U>(_ value: T, to: U.Type) -> U {
    // Safe: every caller checked T.self == U.self, so the layouts are the same.
    withUnsafePointer(to: value) { $0.withMemoryRebound(to: U.self, capacity: 1) { $0.pointee } }
}

extension MessagePackPath {
    /// The path of a Codable coding path: integer keys are array indices, every other key a map key.
    package init(codingPath: [any CodingKey]) {
        self.init(codingPath.map { key in key.intValue.map { .index($0) } ?? .key(key.stringValue) })
    }
}

// MARK: Containers

struct _KeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let impl: _EncoderImpl
    let frame: Int
    let serial: Int
    let positional: Bool
    /// Whether keys are written as integers (a `Dictionary<Int, _>`).
    let isDictionary: Bool

    var codingPath: [any CodingKey] { impl.codingPath }

    @inline(__always)
    func begin(_ key: some CodingKey) throws {
        try impl.prepare(frame: frame, serial: serial)
        if impl.frames[frame].sortsKeys { impl.entryOffsets.append(impl.writer.byteCount) }
        impl.frames[frame].count += 1
        if !positional { impl.writeKey(key, isDictionary: isDictionary) }
    }

    func encodeNil(forKey key: Key) throws { try begin(key); impl.writer.writeNil() }
    func encode(_ value: Bool, forKey key: Key) throws { try begin(key); impl.writer.write(value) }
    func encode(_ value: String, forKey key: Key) throws { try begin(key); impl.writer.write(value) }
    func encode(_ value: Double, forKey key: Key) throws { try begin(key); impl.writer.write(value) }
    func encode(_ value: Float, forKey key: Key) throws { try begin(key); impl.writer.write(value) }
    func encode(_ value: Int, forKey key: Key) throws { try begin(key); impl.writer.write(value) }
    func encode(_ value: Int8, forKey key: Key) throws { try begin(key); impl.writer.write(Int64(value)) }
    func encode(_ value: Int16, forKey key: Key) throws { try begin(key); impl.writer.write(Int64(value)) }
    func encode(_ value: Int32, forKey key: Key) throws { try begin(key); impl.writer.write(Int64(value)) }
    func encode(_ value: Int64, forKey key: Key) throws { try begin(key); impl.writer.write(value) }
    func encode(_ value: UInt, forKey key: Key) throws { try begin(key); impl.writer.write(UInt64(value)) }
    func encode(_ value: UInt8, forKey key: Key) throws { try begin(key); impl.writer.write(UInt64(value)) }
    func encode(_ value: UInt16, forKey key: Key) throws { try begin(key); impl.writer.write(UInt64(value)) }
    func encode(_ value: UInt32, forKey key: Key) throws { try begin(key); impl.writer.write(UInt64(value)) }
    func encode(_ value: UInt64, forKey key: Key) throws { try begin(key); impl.writer.write(value) }

    func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try begin(key)
        impl.codingPath.append(key)
        defer { impl.codingPath.removeLast() }
        do {
            try impl.encodeValue(value)
        } catch let error as MessagePackError {
            throw error.prefixed(with: .key(key.stringValue))
        }
    }

    // Positional output needs a slot for every field, so absent optionals are written as nil there.
    func encodeIfPresent(_ value: (some Encodable)?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else if positional { try encodeNil(forKey: key) }
    }
    func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else if positional { try encodeNil(forKey: key) }
    }
    func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else if positional { try encodeNil(forKey: key) }
    }
    func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else if positional { try encodeNil(forKey: key) }
    }
    func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else if positional { try encodeNil(forKey: key) }
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        try? begin(key)
        return impl.nestedKeyedContainer(keyedBy: keyType)
    }

    func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        try? begin(key)
        return impl.unkeyedContainer()
    }

    // "super" need not be one of `Key`'s cases, so it is written without going through `Key`.
    func superEncoder() -> any Encoder { superEncoder(anyKey: _IndexKey.super) }

    func superEncoder(forKey key: Key) -> any Encoder { superEncoder(anyKey: key) }

    func superEncoder(anyKey key: some CodingKey) -> any Encoder {
        try? begin(key)
        _ = impl.openFrame(.single)
        return impl
    }
}

struct _UnkeyedEncoder: UnkeyedEncodingContainer {
    let impl: _EncoderImpl
    let frame: Int
    let serial: Int

    var codingPath: [any CodingKey] { impl.codingPath }
    var count: Int { impl.frames.indices.contains(frame) ? impl.frames[frame].count : 0 }

    @inline(__always)
    func begin() throws {
        try impl.prepare(frame: frame, serial: serial)
        impl.frames[frame].count += 1
    }

    mutating func encodeNil() throws { try begin(); impl.writer.writeNil() }
    mutating func encode(_ value: Bool) throws { try begin(); impl.writer.write(value) }
    mutating func encode(_ value: String) throws { try begin(); impl.writer.write(value) }
    mutating func encode(_ value: Double) throws { try begin(); impl.writer.write(value) }
    mutating func encode(_ value: Float) throws { try begin(); impl.writer.write(value) }
    mutating func encode(_ value: Int) throws { try begin(); impl.writer.write(value) }
    mutating func encode(_ value: Int8) throws { try begin(); impl.writer.write(Int64(value)) }
    mutating func encode(_ value: Int16) throws { try begin(); impl.writer.write(Int64(value)) }
    mutating func encode(_ value: Int32) throws { try begin(); impl.writer.write(Int64(value)) }
    mutating func encode(_ value: Int64) throws { try begin(); impl.writer.write(value) }
    mutating func encode(_ value: UInt) throws { try begin(); impl.writer.write(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { try begin(); impl.writer.write(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { try begin(); impl.writer.write(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { try begin(); impl.writer.write(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { try begin(); impl.writer.write(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let index = count
        try begin()
        impl.codingPath.append(_IndexKey(intValue: index))
        defer { impl.codingPath.removeLast() }
        do {
            try impl.encodeValue(value)
        } catch let error as MessagePackError {
            throw error.prefixed(with: .index(index))
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        try? begin()
        return impl.nestedKeyedContainer(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        try? begin()
        return impl.unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        try? begin()
        _ = impl.openFrame(.single)
        return impl
    }
}

struct _SingleValueEncoder: SingleValueEncodingContainer {
    let impl: _EncoderImpl
    var codingPath: [any CodingKey] { impl.codingPath }

    mutating func encodeNil() throws { impl.writer.writeNil() }
    mutating func encode(_ value: Bool) throws { impl.writer.write(value) }
    mutating func encode(_ value: String) throws { impl.writer.write(value) }
    mutating func encode(_ value: Double) throws { impl.writer.write(value) }
    mutating func encode(_ value: Float) throws { impl.writer.write(value) }
    mutating func encode(_ value: Int) throws { impl.writer.write(value) }
    mutating func encode(_ value: Int8) throws { impl.writer.write(Int64(value)) }
    mutating func encode(_ value: Int16) throws { impl.writer.write(Int64(value)) }
    mutating func encode(_ value: Int32) throws { impl.writer.write(Int64(value)) }
    mutating func encode(_ value: Int64) throws { impl.writer.write(value) }
    mutating func encode(_ value: UInt) throws { impl.writer.write(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { impl.writer.write(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { impl.writer.write(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { impl.writer.write(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { impl.writer.write(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try impl.encodeValue(value) }
}

// SPDX-License-Identifier: Apache-2.0

/// Decodes any `Decodable` value from MessagePack.
///
/// Structs decode from maps whose keys may come in any order (as Python packs a dict), or from arrays with
/// ``Options-swift.struct/positional``. Integers decode into any integer type that holds the value exactly
/// (a uint8 200 into `Int` or `UInt8`; into `Int8` it is an error). Extra map keys are skipped.
///
///     struct Point: Codable { var x: Int; var y: Int }
///     let p = try MessagePackDecoder().decode(Point.self, from: [0x82, 0xa1, 0x79, 0x02, 0xa1, 0x78, 0x01])
///     // Point(x: 1, y: 2)
///
/// - Throws: ``MessagePackError`` with the byte offset and value path, whatever went wrong: a `DecodingError`
///   (a missing key, a value of the wrong kind) or any other error an `init(from:)` throws becomes `.typeMismatch`,
///   the original kept as its `underlyingError` (README, "Errors").
public struct MessagePackDecoder: Sendable {
    /// Decoding choices.
    public struct Options: Hashable, Sendable {
        /// Read structs and classes from arrays of their values in `CodingKeys` order.
        public var positional = false
        /// Accept integers where a `Double` or `Float` is asked for, when they convert exactly.
        public var acceptsIntegersAsFloats = true
        /// The defaults.
        public init() {}
    }

    /// Decoding choices.
    public var options = Options()
    /// Bounds on the input.
    public var limits = MessagePackLimits()
    /// Values handed to every `init(from:)` as `decoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    /// Creates a decoder with default options and limits.
    public init() {}

    /// Decodes one value of type `T` that must fill `bytes` exactly.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        try _withContiguousBytes(bytes) { raw in try decode(type, raw: raw) }
    }

    /// Decodes one value of type `T` that must fill `bytes` exactly: a span (a `ByteBuffer`'s `readableBytesSpan`,
    /// an array's `span.bytes`), read in place.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: RawSpan) throws -> T {
        try bytes.withUnsafeBytes { raw in try decode(type, raw: raw) }
    }

    /// Decodes one value of type `T` that must fill `raw` exactly; for callers that manage the memory themselves
    /// (prefer the `RawSpan` overload, whose lifetime the compiler checks).
    public func decode<T: Decodable>(_ type: T.Type, raw: UnsafeRawBufferPointer) throws -> T {
        let impl = _DecoderImpl(raw, options: options, limits: limits, userInfo: userInfo)
        return try impl.decodeTopLevel(type)
    }
}

extension MessagePackDecoder {
    /// Decodes one value of type `T` from the front of `raw` and returns it, setting `byteCount` to the bytes it took, or nil when
    /// decoding failed (the stream decoder's one-pass route: `raw` may hold only the start of the message, and
    /// the frame route reports the error).
    package func _decodeFront<T: Decodable>(_ type: T.Type, raw: UnsafeRawBufferPointer, byteCount: inout Int) -> T? {
        let impl = _DecoderImpl(raw, options: options, limits: limits, userInfo: userInfo)
        guard let value = try? impl.decodeValue(type), impl.deferredError == nil else { return nil }
        byteCount = impl.reader.offset
        return value
    }
}

/// Lets an upper layer (portable objects) decode values the plain decoder would read generically.
package protocol _DecodingHook: AnyObject {
    /// Returns the value when it decoded it itself, nil to let the plain decoder go on.
    func decode<T: Decodable>(_ type: T.Type, impl: _DecoderImpl) throws -> T?
}

/// The one decoder object behind every container of one `decode` call.
///
/// Its mutable state is `@exclusivity(unchecked)` for the reason given on `_EncoderImpl`.
package final class _DecoderImpl: Decoder {
    /// A defect found where it could not be thrown (`allKeys`); it is what the decode reports.
    @exclusivity(unchecked) package var deferredError: MessagePackError?
    @exclusivity(unchecked) package var reader: MessagePackReader
    let options: MessagePackDecoder.Options
    package let limits: MessagePackLimits
    package private(set) var userInfo: [CodingUserInfoKey: Any]
    @exclusivity(unchecked) package var codingPath: [any CodingKey] = []
    @exclusivity(unchecked) package var hook: (any _DecodingHook)?
    @exclusivity(unchecked) package var depth = 0
    /// Where this thread's stack ends for the recursive decode (see `_StackGuard`); checked at every level.
    package let stackLimit = _StackGuard.threadLimit()

    /// State of one open keyed or unkeyed container. Containers refer to their frame by index.
    struct Frame {
        var start: Int  // offset of the container's header
        var count: Int  // entries or elements
        var consumed = 0  // entries or elements passed by the cursor
        var cursor: Int  // offset of the next entry or element
        var end: Int? = nil  // offset after the container, once known
        var indexStart: Int? = nil  // first slot in `keyIndex` once the map was indexed
        var tableStart: Int? = nil  // first slot in `keySlots` once a hash table was built over the indexed keys
        var tableMask = 0
        var positional = false
        var isDictionary = false  // the container of a `Dictionary`, whose keys must stay distinct
    }
    @exclusivity(unchecked) var frames: [Frame] = []
    /// Where the value being decoded starts, and the frame mark of its level.
    @exclusivity(unchecked) var valueStart = 0
    @exclusivity(unchecked) var levelMark = 0
    /// Whether the value being decoded is a `Dictionary`, which is a map even when decoding positionally.
    @exclusivity(unchecked) var valueIsDictionary = false
    /// Whether recently seen types are dictionaries.
    @exclusivity(unchecked) var typeFacts = _TypeFactCache()
    /// Key positions of maps read out of order: key payload range and value offset.
    @exclusivity(unchecked) var keyIndex: [(keyStart: Int, keyCount: Int, isString: Bool, keyOffset: Int, valueOffset: Int)] = []
    /// Open-addressing hash tables over the keys of indexed maps with more than `linearKeySearchLimit` entries
    /// (a slot holds a position in `keyIndex` plus one; 0 is empty). A `Dictionary` looks up each of its n keys,
    /// and a linear search per key made decoding one O(n²): a 16k-entry map cost seconds of CPU.
    @exclusivity(unchecked) var keySlots: [Int] = []
    /// Up to this many entries, a key is looked up by comparing it with each indexed key in turn.
    static let linearKeySearchLimit = 8

    package init(
        _ raw: UnsafeRawBufferPointer, options: MessagePackDecoder.Options, limits: MessagePackLimits,
        userInfo: [CodingUserInfoKey: any Sendable]
    ) {
        self.reader = MessagePackReader(raw, limits: limits)
        self.options = options
        self.limits = limits
        self.userInfo = userInfo
    }

    package func decodeTopLevel<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            guard reader.bytes.count <= limits.maxMessageByteCount else {
                throw MessagePackError.limit("maxMessageByteCount", limits.maxMessageByteCount, at: 0)
            }
            let value = try decodeValue(type)
            if let deferredError { throw deferredError }
            guard reader.isAtEnd else {
                throw MessagePackError(
                    .trailingBytes, at: reader.offset, "\(reader.remainingByteCount) byte(s) follow the value",
                    hint: "decode a sequence with a stream decoder, or check the framing")
            }
            return value
        } catch {
            // One error type from every entry point (README, "Errors"): the first defect found, else Codable's and
            // the application's errors as `.typeMismatch` with the offset reached and the path, the original
            // underneath.
            throw deferredError ?? MessagePackError.decodingFailure(error, at: reader.offset)
        }
    }

    // MARK: Values

    /// Decodes one value at the cursor and leaves the cursor after it.
    package func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == String.self { return _identityCast(try reader.readString(), to: T.self) }
        if T.self == Int.self { return _identityCast(try decodeInteger(Int.self), to: T.self) }
        if T.self == Double.self { return _identityCast(try decodeDouble(), to: T.self) }
        if T.self == Bool.self { return _identityCast(try reader.readBool(), to: T.self) }
        if T.self == [UInt8].self { return _identityCast(try decodeBytes(), to: T.self) }
        if T.self == [Int].self { return _identityCast(try decodeArray { try $0.decodeInteger(Int.self) }, to: T.self) }
        if T.self == [Double].self { return _identityCast(try decodeArray { try $0.decodeDouble() }, to: T.self) }
        if T.self == [String].self { return _identityCast(try decodeArray { try $0.reader.readString() }, to: T.self) }
        if T.self == Int64.self { return _identityCast(try decodeInteger(Int64.self), to: T.self) }
        if T.self == [Int64].self {
            return _identityCast(try decodeArray { try $0.decodeInteger(Int64.self) }, to: T.self)
        }
        if T.self == Float.self { return _identityCast(try decodeFloat(), to: T.self) }
        if T.self == [Float].self { return _identityCast(try decodeArray { try $0.decodeFloat() }, to: T.self) }
        if T.self == [Bool].self { return _identityCast(try decodeArray { try $0.reader.readBool() }, to: T.self) }
        if T.self == Int32.self { return _identityCast(try decodeInteger(Int32.self), to: T.self) }
        if T.self == [Int32].self {
            return _identityCast(try decodeArray { try $0.decodeInteger(Int32.self) }, to: T.self)
        }
        if T.self == UInt64.self { return _identityCast(try decodeInteger(UInt64.self), to: T.self) }
        if T.self == [UInt64].self {
            return _identityCast(try decodeArray { try $0.decodeInteger(UInt64.self) }, to: T.self)
        }
        if T.self == MessagePackValue.self {
            return _identityCast(try reader._readValue(limits: limits, depth: depth), to: T.self)
        }
        if T.self == MessagePackTimestamp.self { return _identityCast(try reader.readTimestamp(), to: T.self) }
        if let hook { return try decodeWithHook(hook, type) }
        return try decodeWithContainers(type)
    }

    /// The portable layer's hook first, then the containers. Apart from ``decodeValue(_:)`` so that the plain
    /// decoder does not pay for the hook's `T?` result: unspecialised, that costs a metadata lookup per value.
    @inline(never)
    func decodeWithHook<T: Decodable>(_ hook: any _DecodingHook, _ type: T.Type) throws -> T {
        if let value = try hook.decode(type, impl: self) { return value }
        return try decodeWithContainers(type)
    }

    /// Runs `T.init(from:)` at the cursor, then moves the cursor past the value whatever the initializer read.
    package func decodeWithContainers<T: Decodable>(_ type: T.Type) throws -> T {
        guard depth < limits.maxDepth else { throw MessagePackError.limit("maxDepth", limits.maxDepth, at: reader.offset) }
        guard _StackGuard.hasRoom(above: stackLimit) else { throw MessagePackError.stackExhausted(depth: depth, at: reader.offset) }
        let savedStart = valueStart
        let savedMark = levelMark
        let savedIsDictionary = valueIsDictionary
        let start = reader.offset
        valueStart = start
        levelMark = frames.count
        valueIsDictionary = typeFacts.dictionaryKind(of: T.self) != _TypeFactCache.notDictionary
        depth += 1
        defer {
            depth -= 1
            valueStart = savedStart
            levelMark = savedMark
            valueIsDictionary = savedIsDictionary
        }
        let mark = frames.count
        let value = try T(from: self)
        if frames.count > mark {
            reader.offset = try finish(frame: mark)
            frames.removeSubrange(mark...)
        } else if reader.offset == start {
            try reader.skipValue(limits: limits)  // the initializer read nothing
        }
        return value
    }

    func decodeArray<E>(_ element: (_DecoderImpl) throws -> E) throws -> [E] {
        let start = reader.offset
        let count = try reader.readArrayHeader()
        guard count <= limits.maxElementCount else {
            reader.offset = start
            throw MessagePackError.limit("maxElementCount", limits.maxElementCount, at: start)
        }
        var result: [E] = []
        result.reserveCapacity(reader._reservable(count))
        let owedOutside = reader._owed
        defer { reader._owed = owedOutside }
        for i in 0..<count {
            reader._owed = owedOutside &+ (count &- 1 &- i)
            do { result.append(try element(self)) } catch let error as MessagePackError {
                throw error.prefixed(with: .index(i))
            }
        }
        return result
    }

    func decodeBytes() throws -> [UInt8] {
        let start = reader.offset
        let (payload, count) = try reader.readBinaryHeader()
        guard count <= limits.maxPayloadByteCount else {
            reader.offset = start
            throw MessagePackError.limit("maxPayloadByteCount", limits.maxPayloadByteCount, at: start)
        }
        return [UInt8](UnsafeRawBufferPointer(rebasing: reader.bytes[payload..<(payload + count)]))
    }

    package func decodeInteger<I: FixedWidthInteger>(_: I.Type) throws -> I {
        try reader.decodeInteger(I.self)
    }

    package func decodeDouble() throws -> Double {
        options.acceptsIntegersAsFloats ? try reader.decodeDouble() : try reader.readDouble()
    }

    func decodeFloat() throws -> Float {
        options.acceptsIntegersAsFloats ? try reader.decodeFloat() : try reader.readFloat()
    }

    // MARK: Frames

    /// The end of a container, skipping whatever its reader left unread.
    func finish(frame index: Int) throws -> Int {
        var frame = frames[index]
        if let end = frame.end { return end }
        reader.offset = frame.cursor
        let remaining = frame.count - frame.consumed
        let perEntry = (frame.indexStart == nil && !frame.positional && isMap(frame)) ? 2 : 1
        for _ in 0..<(remaining * perEntry) { try reader.skipValue(limits: limits) }
        frame.end = reader.offset
        frames[index] = frame
        return reader.offset
    }

    func isMap(_ frame: Frame) -> Bool {
        let b = reader.bytes[frame.start]
        return (0x80...0x8f).contains(b) || b == FormatByte.map16 || b == FormatByte.map32
    }

    /// Indexes every key of a map frame so keys can be found in any order.
    func indexKeys(frame index: Int) throws {
        var frame = frames[index]
        let saved = reader.offset
        defer { reader.offset = saved }
        reader.offset = frame.start
        let count = try reader.readMapHeader()
        frame.indexStart = keyIndex.count
        for _ in 0..<count {
            let keyOffset = reader.offset
            var isString = false
            var keyStart = keyOffset
            var keyCount = 0
            if let b = try? reader.peekFormatByte(), (0xa0...0xbf).contains(b) || (0xd9...0xdb).contains(b) {
                (keyStart, keyCount) = try reader.readStringHeader()
                let key = UnsafeRawBufferPointer(rebasing: reader.bytes[keyStart..<(keyStart + keyCount)])
                guard reader._strsAreValidated || MessagePackReader._isValidUTF8(key) else {
                    throw MessagePackError.invalidUTF8(at: keyStart + MessagePackReader._firstInvalidUTF8Offset(key))
                }
                isString = true
            } else {
                try reader.skipValue(limits: limits)
            }
            let valueOffset = reader.offset
            try reader.skipValue(limits: limits)
            keyIndex.append((keyStart, keyCount, isString, keyOffset, valueOffset))
        }
        frame.end = reader.offset
        frame.consumed = frame.count
        frames[index] = frame
    }

    /// Two str keys of an indexed map whose bytes differ but which Swift's `String ==` calls equal (the same text
    /// in NFC and NFD, say): a `Dictionary` would silently merge them, so decoding one is an error naming both.
    func stringKeyCollision(frame index: Int) -> MessagePackError? {
        let frame = frames[index]
        guard let first = frame.indexStart, frame.count > 1 else { return nil }
        // ASCII strings are equal exactly when their bytes are: only keys with other bytes can collide.
        let hasNonASCIIKey = keyIndex[first..<(first + frame.count)].contains { entry in
            entry.isString && reader.bytes[entry.keyStart..<(entry.keyStart + entry.keyCount)].contains { $0 >= 0x80 }
        }
        guard hasNonASCIIKey else { return nil }
        var seen: [String: Int] = [:]
        seen.reserveCapacity(frame.count)
        for position in first..<(first + frame.count) where keyIndex[position].isString {
            let entry = keyIndex[position]
            let key = String(decoding: reader.bytes[entry.keyStart..<(entry.keyStart + entry.keyCount)], as: UTF8.self)
            guard let earlier = seen.updateValue(position, forKey: key) else { continue }
            if sameKey(earlier, position) { continue }  // the very same bytes: a plain duplicate key
            return Self.collidingKeys(keyIndex[earlier], entry, bytes: reader.bytes)
        }
        return nil
    }

    @inline(never)
    static func collidingKeys(
        _ a: (keyStart: Int, keyCount: Int, isString: Bool, keyOffset: Int, valueOffset: Int),
        _ b: (keyStart: Int, keyCount: Int, isString: Bool, keyOffset: Int, valueOffset: Int),
        bytes: UnsafeRawBufferPointer
    ) -> MessagePackError {
        func shown(_ e: (keyStart: Int, keyCount: Int, isString: Bool, keyOffset: Int, valueOffset: Int)) -> String {
            let payload = bytes[e.keyStart..<(e.keyStart + min(e.keyCount, 64))]
            return "\"\(String(decoding: payload, as: UTF8.self))\" (bytes \(payload.map { hexByte($0) }.joined(separator: " ")))"
        }
        return MessagePackError(
            .typeMismatch, at: b.keyOffset,
            "the map keys \(shown(a)) at byte \(a.keyOffset) and \(shown(b)) differ in their bytes but are equal as Swift "
                + "Strings (Unicode canonical equivalence), so a Dictionary would merge them",
            hint: "keys compare by bytes on the wire; decode this map into MessagePackValue or PortableValue to keep both")
    }

    /// The hash of a str key's UTF-8 bytes. `Hasher` is seeded per process, so a sender cannot choose keys that
    /// collide.
    static func keyHash(string bytes: UnsafeRawBufferPointer) -> Int {
        var hasher = Hasher()
        hasher.combine(0 as UInt8)
        hasher.combine(bytes: bytes)
        return hasher.finalize()
    }

    /// The hash of an integer key.
    static func keyHash(integer value: Int64) -> Int {
        var hasher = Hasher()
        hasher.combine(1 as UInt8)
        hasher.combine(value)
        return hasher.finalize()
    }

    /// The integer an indexed non-str key holds, if it is an integer that fits `Int64`.
    func integerKey(_ position: Int) -> Int64? {
        var r = MessagePackReader(reader.bytes, offset: keyIndex[position].keyOffset, limits: limits)
        return try? r.readSignedInteger()
    }

    /// Whether two indexed keys are the same key (both str with equal bytes, or both equal integers).
    func sameKey(_ a: Int, _ b: Int) -> Bool {
        let x = keyIndex[a]
        let y = keyIndex[b]
        if x.isString != y.isString { return false }
        if x.isString {
            return x.keyCount == y.keyCount
                && (x.keyCount == 0
                    || memcmpEqual(reader.bytes.baseAddress! + x.keyStart, reader.bytes.baseAddress! + y.keyStart, x.keyCount))
        }
        guard let u = integerKey(a), let v = integerKey(b) else { return false }
        return u == v
    }

    /// Builds the hash table of an indexed map frame. A key that occurs more than once keeps its first
    /// occurrence, as the linear search did. Keys that are neither str nor an integer can match no coding key and
    /// are left out.
    func buildKeyTable(frame index: Int) {
        var frame = frames[index]
        guard let first = frame.indexStart else { return }
        var size = 16
        while size < frame.count * 2 { size <<= 1 }
        let start = keySlots.count
        keySlots.append(contentsOf: repeatElement(0, count: size))
        let mask = size - 1
        for position in first..<(first + frame.count) {
            let entry = keyIndex[position]
            let hash: Int
            if entry.isString {
                hash = Self.keyHash(string: UnsafeRawBufferPointer(rebasing: reader.bytes[entry.keyStart..<(entry.keyStart + entry.keyCount)]))
            } else if let value = integerKey(position) {
                hash = Self.keyHash(integer: value)
            } else {
                continue
            }
            var slot = hash & mask
            while true {
                let occupant = keySlots[start + slot]
                if occupant == 0 {
                    keySlots[start + slot] = position + 1
                    break
                }
                if sameKey(occupant - 1, position) { break }
                slot = (slot + 1) & mask
            }
        }
        frame.tableStart = start
        frame.tableMask = mask
        frames[index] = frame
    }

    // MARK: Decoder

    func openFrame(isMap: Bool) throws -> Int {
        // A second request for the same value's container reuses the first one.
        if frames.count > levelMark, frames[levelMark].start == valueStart {
            return levelMark
        }
        reader.offset = valueStart
        let positional = isMap && options.positional && !valueIsDictionary
        let count = isMap && !positional ? try reader.readMapHeader() : try reader.readArrayHeader()
        guard count <= limits.maxElementCount else {
            throw MessagePackError.limit("maxElementCount", limits.maxElementCount, at: valueStart)
        }
        frames.append(
            Frame(start: valueStart, count: count, cursor: reader.offset, positional: positional, isDictionary: valueIsDictionary))
        return frames.count - 1
    }

    package func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let index = try openFrame(isMap: true)
        return KeyedDecodingContainer(_KeyedDecoder<Key>(impl: self, frame: index, pathCount: codingPath.count))
    }

    package func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let index = try openFrame(isMap: false)
        return _UnkeyedDecoder(impl: self, frame: index, pathCount: codingPath.count)
    }

    package func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    /// A decoder for the value at `offset`, independent of this one's containers (for `superDecoder`).
    func subDecoder(at offset: Int, path: [any CodingKey]) -> _DecoderImpl {
        let sub = _DecoderImpl(reader.bytes, options: options, limits: limits, userInfo: [:])
        sub.userInfo = userInfo
        sub.reader.offset = offset
        sub.valueStart = offset
        sub.codingPath = path
        sub.hook = hook
        sub.depth = depth
        return sub
    }
}

extension _DecoderImpl: SingleValueDecodingContainer {
    package func decodeNil() -> Bool { reader.readNilIfPresent() }
    package func decode(_ type: Bool.Type) throws -> Bool { try reader.readBool() }
    package func decode(_ type: String.Type) throws -> String { try reader.readString() }
    package func decode(_ type: Double.Type) throws -> Double { try decodeDouble() }
    package func decode(_ type: Float.Type) throws -> Float { try decodeFloat() }
    package func decode(_ type: Int.Type) throws -> Int { try decodeInteger(Int.self) }
    package func decode(_ type: Int8.Type) throws -> Int8 { try decodeInteger(Int8.self) }
    package func decode(_ type: Int16.Type) throws -> Int16 { try decodeInteger(Int16.self) }
    package func decode(_ type: Int32.Type) throws -> Int32 { try decodeInteger(Int32.self) }
    package func decode(_ type: Int64.Type) throws -> Int64 { try decodeInteger(Int64.self) }
    package func decode(_ type: UInt.Type) throws -> UInt { try decodeInteger(UInt.self) }
    package func decode(_ type: UInt8.Type) throws -> UInt8 { try decodeInteger(UInt8.self) }
    package func decode(_ type: UInt16.Type) throws -> UInt16 { try decodeInteger(UInt16.self) }
    package func decode(_ type: UInt32.Type) throws -> UInt32 { try decodeInteger(UInt32.self) }
    package func decode(_ type: UInt64.Type) throws -> UInt64 { try decodeInteger(UInt64.self) }
    package func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeValue(type) }
}

// MARK: Keyed

/// What a keyed and an unkeyed container share: the one decoder of the call, the frame of the container in it, and
/// how much of the decoder's coding path is the container's own.
protocol _FrameContainer {
    var impl: _DecoderImpl { get }
    var frame: Int { get }
    /// How many entries of the decoder's coding path are this container's. The path itself is built only when
    /// asked for: copying it into every container made each nested value copy the whole array.
    var pathCount: Int { get }
    init(impl: _DecoderImpl, frame: Int, pathCount: Int)
}

extension _FrameContainer {
    var codingPath: [any CodingKey] { Array(impl.codingPath.prefix(pathCount)) }
}

struct _KeyedDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol, _FrameContainer {
    let impl: _DecoderImpl
    let frame: Int
    let pathCount: Int

    var allKeys: [Key] {
        if impl.frames[frame].positional { return [] }
        if impl.frames[frame].indexStart == nil {
            // `allKeys` cannot throw: a defect found while listing the keys is kept and reported in place of
            // whatever error the caller then makes of the short key list (Spec/format.md 6.4: the first defect).
            do { try impl.indexKeys(frame: frame) } catch {
                if impl.deferredError == nil { impl.deferredError = error as? MessagePackError }
                return []
            }
        }
        guard let first = impl.frames[frame].indexStart else { return [] }
        if impl.frames[frame].isDictionary, let collision = impl.stringKeyCollision(frame: frame) {
            if impl.deferredError == nil {
                var error = collision
                error.path = MessagePackPath(codingPath: codingPath)
                impl.deferredError = error
            }
            return []
        }
        let bytes = impl.reader.bytes
        return impl.keyIndex[first..<(first + impl.frames[frame].count)].compactMap { entry in
            if entry.isString {
                let s = String(decoding: bytes[entry.keyStart..<(entry.keyStart + entry.keyCount)], as: UTF8.self)
                return Key(stringValue: s)
            }
            var r = MessagePackReader(bytes, offset: entry.keyOffset, limits: impl.limits)
            if let i = try? r.readSignedInteger(), let k = Key(intValue: Int(i)) { return k }
            return nil
        }
    }

    func contains(_ key: Key) -> Bool {
        // Positional: `locate` would consume the slot, and `contains` is only a question.
        let f = impl.frames[frame]
        if f.positional { return f.consumed < f.count }
        return (try? locate(key)) ?? nil != nil
    }

    /// Whether the key at `offset` equals `key`: compares UTF-8 bytes, or the integer for int keys.
    func keyMatches(_ key: some CodingKey, at offset: Int) -> Bool { keyEnd(ifMatching: key, at: offset) != nil }

    /// The offset after the key at `offset` (where its value starts) when that key equals `key`.
    func keyEnd(ifMatching key: some CodingKey, at offset: Int) -> Int? {
        var r = MessagePackReader(impl.reader.bytes, offset: offset, limits: impl.limits)
        guard let b = try? r.peekFormatByte() else { return nil }
        if (0xa0...0xbf).contains(b) || (0xd9...0xdb).contains(b) {
            guard let (start, count) = try? r.readStringHeader() else { return nil }
            return bytesEqual(key.stringValue, start: start, count: count) ? r.offset : nil
        }
        if let i = key.intValue, let v = try? r.readSignedInteger(), Int64(i) == v { return r.offset }
        return nil
    }

    func bytesEqual(_ string: String, start: Int, count: Int) -> Bool {
        var s = string
        return s.withUTF8 { bytesEqual(UnsafeRawBufferPointer($0), start: start, count: count) }
    }

    func bytesEqual(_ utf8: UnsafeRawBufferPointer, start: Int, count: Int) -> Bool {
        utf8.count == count
            && (count == 0 || memcmpEqual(utf8.baseAddress!, impl.reader.bytes.baseAddress! + start, count))
    }

    /// Finds the value offset for `key`: first at the in-order cursor, else through the key index.
    /// Moves the cursor past the entry when it matched in order.
    func locate(_ key: some CodingKey) throws -> Int? {
        var f = impl.frames[frame]
        if f.positional {
            guard f.consumed < f.count else { return nil }
            let valueOffset = f.cursor
            f.consumed += 1
            impl.frames[frame] = f
            return valueOffset
        }
        if f.indexStart == nil {
            // The usual case: keys come in the order the model asks for them, so the key at the cursor is it.
            if f.consumed < f.count, let valueOffset = keyEnd(ifMatching: key, at: f.cursor) {
                impl.reader.offset = valueOffset
                return valueOffset
            }
            try impl.indexKeys(frame: frame)
            f = impl.frames[frame]
        }
        let first = f.indexStart!
        if f.count <= _DecoderImpl.linearKeySearchLimit {
            for i in first..<(first + f.count) {
                let e = impl.keyIndex[i]
                if e.isString {
                    if bytesEqual(key.stringValue, start: e.keyStart, count: e.keyCount) { return e.valueOffset }
                } else if keyMatches(key, at: e.keyOffset) {
                    return e.valueOffset
                }
            }
            return nil
        }
        if f.tableStart == nil {
            impl.buildKeyTable(frame: frame)
            f = impl.frames[frame]
        }
        // The first entry whose key matches, as the linear search finds it: a coding key with an integer value
        // matches an integer key as well as a str key.
        var found = lookUp(stringKey: key.stringValue, in: f)
        if let i = key.intValue, let position = lookUp(integerKey: Int64(i), in: f) {
            found = min(found ?? position, position)
        }
        return found.map { impl.keyIndex[$0].valueOffset }
    }

    /// The position in `keyIndex` of the str key with the bytes of `string`, through the frame's hash table.
    func lookUp(stringKey string: String, in f: _DecoderImpl.Frame) -> Int? {
        var s = string
        return s.withUTF8 { utf8 in
            let bytes = UnsafeRawBufferPointer(utf8)
            var slot = _DecoderImpl.keyHash(string: bytes) & f.tableMask
            while true {
                let occupant = impl.keySlots[f.tableStart! + slot]
                if occupant == 0 { return nil }
                let e = impl.keyIndex[occupant - 1]
                if e.isString && bytesEqual(bytes, start: e.keyStart, count: e.keyCount) { return occupant - 1 }
                slot = (slot + 1) & f.tableMask
            }
        }
    }

    /// The position in `keyIndex` of the integer key `value`, through the frame's hash table.
    func lookUp(integerKey value: Int64, in f: _DecoderImpl.Frame) -> Int? {
        var slot = _DecoderImpl.keyHash(integer: value) & f.tableMask
        while true {
            let occupant = impl.keySlots[f.tableStart! + slot]
            if occupant == 0 { return nil }
            if !impl.keyIndex[occupant - 1].isString, impl.integerKey(occupant - 1) == value { return occupant - 1 }
            slot = (slot + 1) & f.tableMask
        }
    }

    /// After a value was read in order, moves the cursor to where the reader stopped.
    @inline(__always)
    func advance(from valueOffset: Int) {
        var f = impl.frames[frame]
        if f.indexStart == nil && (f.positional || f.consumed < f.count) {
            if !f.positional { f.consumed += 1 }
            f.cursor = impl.reader.offset
            impl.frames[frame] = f
        }
    }

    func missing(_ key: some CodingKey) -> DecodingError {
        .keyNotFound(
            key,
            DecodingError.Context(
                codingPath: codingPath,
                debugDescription: "no value for key \"\(key.stringValue)\" at \(MessagePackPath(codingPath.map { .key($0.stringValue) })); the map has \(impl.frames[frame].count) entries"))
    }

    @inline(__always)
    func read<T>(_ key: Key, _ body: () throws -> T) throws -> T {
        guard let offset = try locate(key) else { throw missing(key) }
        impl.reader.offset = offset
        do {
            let value = try body()
            advance(from: offset)
            return value
        } catch let error as MessagePackError {
            throw error.prefixed(with: .key(key.stringValue))
        }
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let offset = try locate(key) else { throw missing(key) }
        impl.reader.offset = offset
        if impl.reader.readNilIfPresent() {
            advance(from: offset)
            return true
        }
        // Not nil: the caller will decode the value with another call, so undo a positional step.
        if impl.frames[frame].positional { impl.frames[frame].consumed -= 1 }
        return false
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try read(key) { try impl.reader.readBool() } }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try read(key) { try impl.reader.readString() } }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try read(key) { try impl.decodeDouble() } }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try read(key) { try impl.decodeFloat() } }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(key) }

    /// An integer of any width that must fit the requested type exactly.
    @inline(__always)
    private func integer<I: FixedWidthInteger>(_ key: Key) throws -> I { try read(key) { try impl.decodeInteger(I.self) } }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try read(key) {
            impl.codingPath.append(key)
            defer { impl.codingPath.removeLast() }
            return try impl.decodeValue(type)
        }
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let offset = try locate(key) else { return nil }
        impl.reader.offset = offset
        if impl.reader.readNilIfPresent() {
            advance(from: offset)
            return nil
        }
        do {
            impl.codingPath.append(key)
            defer { impl.codingPath.removeLast() }
            let value = try impl.decodeValue(type)
            advance(from: offset)
            return value
        } catch let error as MessagePackError {
            throw error.prefixed(with: .key(key.stringValue))
        }
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        let sub = try subDecoder(forKey: key)
        return try sub.container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try subDecoder(forKey: key).unkeyedContainer()
    }

    // "super" need not be one of `Key`'s cases, so it is looked up without going through `Key`.
    func superDecoder() throws -> any Decoder { try subDecoder(forKey: _IndexKey.super) }
    func superDecoder(forKey key: Key) throws -> any Decoder { try subDecoder(forKey: key) }

    func subDecoder(forKey key: some CodingKey) throws -> _DecoderImpl {
        guard let offset = try locate(key) else { throw missing(key) }
        impl.reader.offset = offset
        try impl.reader.skipValue(limits: impl.limits)
        advance(from: offset)
        return impl.subDecoder(at: offset, path: codingPath + [key])
    }
}

@inline(__always)
func memcmpEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    for i in 0..<count where a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) {
        return false
    }
    return true
}

// MARK: Unkeyed

struct _UnkeyedDecoder: UnkeyedDecodingContainer, _FrameContainer {
    let impl: _DecoderImpl
    let frame: Int
    let pathCount: Int

    var count: Int? { impl.frames[frame].count }
    var currentIndex: Int { impl.frames[frame].consumed }
    var isAtEnd: Bool { impl.frames[frame].consumed >= impl.frames[frame].count }

    @inline(__always)
    func read<T>(_ body: () throws -> T) throws -> T {
        let f = impl.frames[frame]
        guard f.consumed < f.count else {
            throw DecodingError.valueNotFound(
                T.self,
                DecodingError.Context(
                    codingPath: codingPath + [_IndexKey(intValue: f.consumed)],
                    debugDescription: "the array has only \(f.count) elements"))
        }
        impl.reader.offset = f.cursor
        do {
            let value = try body()
            impl.frames[frame].consumed += 1
            impl.frames[frame].cursor = impl.reader.offset
            return value
        } catch let error as MessagePackError {
            throw error.prefixed(with: .index(f.consumed))
        }
    }

    mutating func decodeNil() throws -> Bool {
        let f = impl.frames[frame]
        guard f.consumed < f.count else { return false }
        impl.reader.offset = f.cursor
        if impl.reader.readNilIfPresent() {
            impl.frames[frame].consumed += 1
            impl.frames[frame].cursor = impl.reader.offset
            return true
        }
        return false
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try read { try impl.reader.readBool() } }
    mutating func decode(_ type: String.Type) throws -> String { try read { try impl.reader.readString() } }
    mutating func decode(_ type: Double.Type) throws -> Double { try read { try impl.decodeDouble() } }
    mutating func decode(_ type: Float.Type) throws -> Float { try read { try impl.decodeFloat() } }
    mutating func decode(_ type: Int.Type) throws -> Int { try read { try impl.decodeInteger(Int.self) } }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try read { try impl.decodeInteger(Int8.self) } }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try read { try impl.decodeInteger(Int16.self) } }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try read { try impl.decodeInteger(Int32.self) } }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try read { try impl.decodeInteger(Int64.self) } }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try read { try impl.decodeInteger(UInt.self) } }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try read { try impl.decodeInteger(UInt8.self) } }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try read { try impl.decodeInteger(UInt16.self) } }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try read { try impl.decodeInteger(UInt32.self) } }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try read { try impl.decodeInteger(UInt64.self) } }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let index = currentIndex
        let impl = self.impl
        return try read {
            impl.codingPath.append(_IndexKey(intValue: index))
            defer { impl.codingPath.removeLast() }
            return try impl.decodeValue(type)
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try subDecoder().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try subDecoder().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try subDecoder() }

    mutating func subDecoder() throws -> _DecoderImpl {
        let offset = impl.frames[frame].cursor
        let path = codingPath + [_IndexKey(intValue: currentIndex)]
        let impl = self.impl
        try read { try impl.reader.skipValue(limits: impl.limits) }
        return impl.subDecoder(at: offset, path: path)
    }
}

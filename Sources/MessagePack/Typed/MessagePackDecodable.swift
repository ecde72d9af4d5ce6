// SPDX-License-Identifier: Apache-2.0

/// A type that reads itself straight from a ``MessagePackReader``, without Codable's containers.
///
/// The counterpart of ``MessagePackEncodable``. A conformance reads a map header, matches each key with
/// ``MessagePackReader/readKey()`` (no `String` is created for a key), and reads its fields with
/// ``MessagePackReader/decode(_:key:)``, which adds the key to the error path on failure. Unknown keys are
/// skipped, so a newer sender can add fields.
///
///     init(from reader: inout MessagePackReader) throws(MessagePackError) {
///         var x: Int?, y: Int?
///         for _ in 0..<(try reader.readMapHeader()) {
///             switch try reader.readKey() {
///             case "x": x = try reader.decode(Int.self, key: "x")
///             case "y": y = try reader.decode(Int.self, key: "y")
///             default: try reader.skipValue()
///             }
///         }
///         self.x = try reader.required(x, "x", in: "Point")
///         self.y = try reader.required(y, "y", in: "Point")
///     }
public protocol MessagePackDecodable {
    /// Reads exactly one MessagePack value from `reader`.
    ///
    /// - Throws: ``MessagePackError`` naming the byte offset and, where known, the path.
    init(from reader: inout MessagePackReader) throws(MessagePackError)

    /// Whether a value of this type can be an array or a map (default `true`). Scalar types answer `false`,
    /// which lets ``MessagePackReader/decode(_:)`` skip its nesting check for them at compile time.
    static var _mayBeContainer: Bool { get }
}

extension MessagePackDecodable {
    @inlinable public static var _mayBeContainer: Bool { true }
}

/// A type with both halves of the typed fast path.
public typealias MessagePackCodable = MessagePackEncodable & MessagePackDecodable

extension MessagePackDecodable {
    /// Decodes exactly one message from `bytes`; bytes left after the value are `.trailingBytes`.
    ///
    /// - Throws: ``MessagePackError``; `.limitExceeded` when the input is longer than `limits.maxMessageByteCount`.
    @inlinable
    public init(messagePack bytes: some Collection<UInt8>, limits: MessagePackLimits = .default) throws(MessagePackError) {
        self = try _withContiguousBytesTyped(bytes) { raw throws(MessagePackError) in
            try Self._decodeWhole(raw, limits: limits).get()
        }
    }

    /// Decodes exactly one message from a span of bytes (a `ByteBuffer`'s `readableBytesSpan`, an array's
    /// `span.bytes`): the compiler checks that the bytes outlive the call, with no copy.
    @inlinable
    public init(messagePack bytes: RawSpan, limits: MessagePackLimits = .default) throws(MessagePackError) {
        self = try bytes.withUnsafeBytes { raw in Self._decodeWhole(raw, limits: limits) }.get()
    }

    /// Decodes exactly one message from raw bytes; for callers that manage the memory themselves (prefer the
    /// `RawSpan` initializer, whose lifetime the compiler checks).
    @inlinable
    public init(messagePack bytes: UnsafeRawBufferPointer, limits: MessagePackLimits = .default) throws(MessagePackError) {
        self = try Self._decodeWhole(bytes, limits: limits).get()
    }

    @inlinable
    static func _decodeWhole(_ raw: UnsafeRawBufferPointer, limits: MessagePackLimits) -> Result<Self, MessagePackError> {
        guard raw.count <= limits.maxMessageByteCount else {
            return .failure(.limit("maxMessageByteCount", limits.maxMessageByteCount, at: 0))
        }
        var reader = MessagePackReader(raw, limits: limits)
        do throws(MessagePackError) {
            let value = try reader.decode(Self.self)
            guard reader.isAtEnd else { return .failure(.trailingBytes(at: reader.offset, remaining: reader.remainingByteCount)) }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }
}

/// The bytes of a str read as a map key, matched against literals without creating a `String`.
///
///     switch try reader.readKey() {
///     case "id": …
///     default: try reader.skipValue()
///     }
public struct MessagePackKey {
    /// The key's UTF-8 bytes, not validated; valid while the reader's buffer is.
    public let bytes: UnsafeRawBufferPointer

    @inlinable init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Whether the key's bytes equal `name`'s UTF-8.
    @inlinable
    public func matches(_ name: StaticString) -> Bool {
        let count = name.utf8CodeUnitCount
        guard bytes.count == count else { return false }
        let other = name.utf8Start
        for i in 0..<count where bytes[i] != other[i] { return false }
        return true
    }

    /// Lets a `switch` over a key use string literals as patterns.
    @inlinable
    public static func ~= (pattern: StaticString, key: MessagePackKey) -> Bool { key.matches(pattern) }

    /// The key as a `String`, for messages (invalid UTF-8 is repaired).
    public var string: String { String(decoding: bytes, as: UTF8.self) }
}

extension MessagePackReader {
    /// Consumes a str used as a map key and returns its bytes without copying them.
    ///
    /// A key that is not a str is a `.typeMismatch`; typed models only have string keys. The key is checked
    /// to be UTF-8 like every str (an ASCII key costs one pass over its few bytes), so a message with a bad
    /// key is rejected whether or not the model knows the key.
    @inlinable @inline(__always)
    public mutating func readKey() throws(MessagePackError) -> MessagePackKey {
        let begin = offset
        let (start, count) = try readStringHeader()
        let key = UnsafeRawBufferPointer(rebasing: _bytes[start..<(start &+ count)])
        var bits: UInt8 = 0
        for byte in key { bits |= byte }
        if bits >= 0x80 { try _validateKey(key, payloadAt: start, headerAt: begin) }
        return MessagePackKey(bytes: key)
    }

    /// Validates a key that is not all ASCII (out of line: keys almost always are).
    @inline(never) @usableFromInline
    mutating func _validateKey(_ key: UnsafeRawBufferPointer, payloadAt start: Int, headerAt begin: Int) throws(MessagePackError) {
        guard !Self._isValidUTF8(key) else { return }
        offset = begin  // like every failed read, the cursor stays where it was
        throw .invalidUTF8(at: start &+ Self._firstInvalidUTF8Offset(key))
    }

    /// Reads one `T` through its ``MessagePackDecodable`` conformance.
    ///
    /// When the value is an array or map, it counts as one level of nesting: past the reader's `maxDepth`
    /// it is `limitExceeded`, so a recursive type cannot overflow the stack. Conformances should read nested
    /// values through `decode`, not by calling `T(from:)` themselves.
    @inlinable
    public mutating func decode<T: MessagePackDecodable>(_: T.Type) throws(MessagePackError) -> T {
        guard T._mayBeContainer && _isAtContainer else { return try T(from: &self) }
        return try _decodeNested(T.self)
    }

    /// Whether the next value is an array or a map.
    @inlinable @inline(__always)
    var _isAtContainer: Bool {
        guard offset < _bytes.count else { return false }
        let b = _bytes[offset]
        return b &- 0x80 < 0x20 || b &- 0xdc < 4  // fixmap, fixarray; array16/32, map16/32
    }

    @inlinable
    mutating func _decodeNested<T: MessagePackDecodable>(_: T.Type) throws(MessagePackError) -> T {
        try _nested { reader throws(MessagePackError) in try T(from: &reader) }
    }

    /// Runs `body` one level deeper: the depth limit and the stack guard apply.
    @inlinable @inline(__always)
    mutating func _nested<T>(_ body: (inout MessagePackReader) throws(MessagePackError) -> T) throws(MessagePackError) -> T {
        guard _depth < _maxDepth else { throw _limitError("maxDepth", _maxDepth) }
        guard _StackGuard.mayNest(depth: _depth) else { throw .stackExhausted(depth: _depth, at: offset) }
        _depth &+= 1
        defer { _depth &-= 1 }
        return try body(&self)
    }

    /// Reads one `T` that is the value of map key `key`, adding the key to the error's path on failure.
    @inlinable
    public mutating func decode<T: MessagePackDecodable>(_: T.Type, key: StaticString) throws(MessagePackError) -> T {
        try _atKey(key) { reader throws(MessagePackError) in try reader.decode(T.self) }
    }

    /// Returns a field that must have been present, or throws naming the missing key.
    @inlinable
    public func required<T>(_ value: T?, _ key: StaticString, in typeName: StaticString) throws(MessagePackError) -> T {
        guard let value else { throw .missingKey("\(key)", in: "\(typeName)", at: offset) }
        return value
    }

    /// Reads an array of `T`, adding the failing element's index to the error path.
    @inlinable
    public mutating func decodeArray<T: MessagePackDecodable>(of _: T.Type) throws(MessagePackError) -> [T] {
        let count = try readArrayHeader()
        var elements: [T] = []
        elements.reserveCapacity(_reservable(count))
        let owedOutside = _owed
        defer { _owed = owedOutside }
        for i in 0..<count {
            // Only an element that is a container reserves memory, so scalars need no owed count.
            if T._mayBeContainer { _owed = owedOutside &+ (count &- 1 &- i) }
            do throws(MessagePackError) {
                elements.append(try decode(T.self))
            } catch {
                throw error.prefixed(with: .index(i))
            }
        }
        return elements
    }
}

extension MessagePackError {
    @inline(never) @usableFromInline
    static func trailingBytes(at offset: Int, remaining: Int) -> MessagePackError {
        MessagePackError(
            .trailingBytes, at: offset, "\(remaining) byte(s) follow the value",
            hint: "decode a sequence with a stream decoder, or check the framing")
    }

    @inline(never) @usableFromInline
    static func missingKey(_ key: String, in typeName: String, at offset: Int) -> MessagePackError {
        MessagePackError(
            .typeMismatch, at: offset, "\(typeName) needs the key \"\(key)\", which the map does not have",
            hint: "the sender's model is older or different; make the field optional if it may be absent")
    }
}

// MARK: Standard library conformances

extension Bool: MessagePackDecodable {
    @inlinable public static var _mayBeContainer: Bool { false }
    @inlinable public init(from reader: inout MessagePackReader) throws(MessagePackError) { self = try reader.readBool() }
}

// Int, Int64 and UInt64 read their own width directly (the other integers are in MessagePackCollections.swift).

extension Int64 {
    @inlinable public init(from reader: inout MessagePackReader) throws(MessagePackError) {
        self = try reader.readSignedInteger()
    }
}

extension Int {
    @inlinable public init(from reader: inout MessagePackReader) throws(MessagePackError) {
        self = Int(try reader.readSignedInteger())  // Int is 64-bit on every supported platform.
    }
}

extension UInt64 {
    @inlinable public init(from reader: inout MessagePackReader) throws(MessagePackError) {
        self = try reader.readUnsignedInteger()
    }
}

extension Double: MessagePackDecodable {
    @inlinable public static var _mayBeContainer: Bool { false }
    /// Reads a float, or an integer that converts exactly (as ``MessagePackDecoder`` does).
    @inlinable public init(from reader: inout MessagePackReader) throws(MessagePackError) { self = try reader.decodeDouble() }
}

extension Float: MessagePackDecodable {
    @inlinable public static var _mayBeContainer: Bool { false }
    /// Reads a float32, or a float64 or an integer that converts exactly (as ``MessagePackDecoder`` does).
    @inlinable public init(from reader: inout MessagePackReader) throws(MessagePackError) { self = try reader.decodeFloat() }
}

extension String: MessagePackDecodable {
    @inlinable public static var _mayBeContainer: Bool { false }
    @inlinable public init(from reader: inout MessagePackReader) throws(MessagePackError) { self = try reader.readString() }
}

extension Optional: MessagePackDecodable where Wrapped: MessagePackDecodable {
    @inlinable public static var _mayBeContainer: Bool { Wrapped._mayBeContainer }
    /// Reads nil as `.none`, anything else as the wrapped type.
    @inlinable
    public init(from reader: inout MessagePackReader) throws(MessagePackError) {
        self = reader.readNilIfPresent() ? .none : .some(try Wrapped(from: &reader))
    }
}

extension Array: MessagePackDecodable where Element: MessagePackDecodable {
    @inlinable
    public init(from reader: inout MessagePackReader) throws(MessagePackError) {
        self = try reader.decodeArray(of: Element.self)
    }
}

extension MessagePackValue: MessagePackDecodable {
    /// Reads any value under the reader's limits.
    @inlinable
    public init(from reader: inout MessagePackReader) throws(MessagePackError) { self = try reader.readValue() }
}

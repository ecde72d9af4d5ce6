// SPDX-License-Identifier: Apache-2.0

// Typed conformances for the remaining standard types a `Codable` model uses, with ``MessagePackEncoder``'s
// bytes and ``MessagePackDecoder``'s rules. `UInt8` has none on purpose: `[UInt8]` is bin for `Codable` but
// would be an array here, so generated code reads and writes `UInt8` and `[UInt8]` fields by name instead.

extension Int8: MessagePackDecodable {
    @inlinable public static var _mayBeContainer: Bool { false }
    @inlinable public init(from reader: inout MessagePackReader) throws(MessagePackError) {
        self = try reader.decodeInteger(Int8.self)
    }
}

extension Int16: MessagePackDecodable {
    @inlinable public static var _mayBeContainer: Bool { false }
    @inlinable public init(from reader: inout MessagePackReader) throws(MessagePackError) {
        self = try reader.decodeInteger(Int16.self)
    }
}

extension UInt: MessagePackDecodable {
    @inlinable public static var _mayBeContainer: Bool { false }
    @inlinable public init(from reader: inout MessagePackReader) throws(MessagePackError) {
        self = try reader.decodeInteger(UInt.self)
    }
}

extension UInt16: MessagePackDecodable {
    @inlinable public static var _mayBeContainer: Bool { false }
    @inlinable public init(from reader: inout MessagePackReader) throws(MessagePackError) {
        self = try reader.decodeInteger(UInt16.self)
    }
}

extension UInt32: MessagePackDecodable {
    @inlinable public static var _mayBeContainer: Bool { false }
    @inlinable public init(from reader: inout MessagePackReader) throws(MessagePackError) {
        self = try reader.decodeInteger(UInt32.self)
    }
}

extension Set: MessagePackEncodable where Element: MessagePackEncodable {
    /// Writes an array in the set's iteration order, as `Codable` does.
    @inlinable
    public func encode(to writer: inout MessagePackWriter) { writer.encodeArray(self) }
}

extension Set: MessagePackDecodable where Element: MessagePackDecodable {
    /// Reads an array; repeated elements collapse, as with `Codable`.
    @inlinable
    public init(from reader: inout MessagePackReader) throws(MessagePackError) {
        self = Set(try reader.decodeArray(of: Element.self))
    }
}

extension Dictionary: MessagePackDecodable where Key == String, Value: MessagePackDecodable {
    /// Reads a map with str keys. When a key occurs twice the first value wins and the second is skipped,
    /// as ``MessagePackDecoder`` does; a key that is not a str is `.typeMismatch`.
    @inlinable
    public init(from reader: inout MessagePackReader) throws(MessagePackError) {
        let count = try reader.readMapHeader()
        var result: [String: Value] = [:]
        // Each entry takes at least two bytes, so the reservation is bounded by the input.
        result.reserveCapacity(reader._reservable(count, bytesPerElement: 2))
        let owedOutside = reader._owed
        defer { reader._owed = owedOutside }
        for i in 0..<count {
            if Value._mayBeContainer { reader._owed = owedOutside &+ 2 &* (count &- 1 &- i) }
            let key = try reader.readString()
            if result[key] != nil {
                try reader.skipValue()
                continue
            }
            do throws(MessagePackError) {
                result[key] = try reader.decode(Value.self)
            } catch {
                throw error.prefixed(with: .key(key))
            }
        }
        self = result
    }
}

// SPDX-License-Identifier: Apache-2.0

// Typed conformances for the remaining standard types a `Codable` model uses, with ``MessagePackEncoder``'s
// bytes and ``MessagePackDecoder``'s rules. `UInt8` has none on purpose: `[UInt8]` is bin for `Codable` but
// would be an array here, so generated code reads and writes `UInt8` and `[UInt8]` fields by name instead.

/// The standard integer types (`UInt8` aside, see above): written in the smallest form that holds the value, as
/// ``MessagePackEncoder`` writes them, and read only where the value fits exactly, as ``MessagePackDecoder`` reads
/// them (a uint8 200 fits `UInt8`, not `Int8`). An implementation detail of the conformances below.
public protocol _MessagePackInteger: FixedWidthInteger, MessagePackEncodable, MessagePackDecodable {}

extension _MessagePackInteger {
    @inlinable public static var _mayBeContainer: Bool { false }

    @inlinable public func encode(to writer: inout MessagePackWriter) {
        if Self.isSigned {
            writer.write(Int64(truncatingIfNeeded: self))
        } else {
            writer.write(UInt64(truncatingIfNeeded: self))
        }
    }

    @inlinable public init(from reader: inout MessagePackReader) throws(MessagePackError) {
        self = try reader.decodeInteger(Self.self)
    }
}

extension Int: _MessagePackInteger {}
extension Int8: _MessagePackInteger {}
extension Int16: _MessagePackInteger {}
extension Int32: _MessagePackInteger {}
extension Int64: _MessagePackInteger {}
extension UInt: _MessagePackInteger {}
extension UInt16: _MessagePackInteger {}
extension UInt32: _MessagePackInteger {}
extension UInt64: _MessagePackInteger {}

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

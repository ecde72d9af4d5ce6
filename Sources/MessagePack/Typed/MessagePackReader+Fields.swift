// SPDX-License-Identifier: Apache-2.0

// Helpers for generated conformances (`@MessagePackCodable`): each reads like the synthesized `Codable`
// conformance decodes with ``MessagePackDecoder``, so the two routes accept the same messages.

extension MessagePackReader {
    /// Consumes a map key: a str key is returned like ``readKey()``; any other key (an integer, say) is
    /// skipped and `nil` returned, so the caller skips its value (``MessagePackDecoder`` ignores such keys).
    ///
    /// - Throws: `.invalidUTF8` for a str key that is not UTF-8, `.truncated`; the cursor stays on error.
    @inlinable @inline(__always)
    public mutating func readFieldKey() throws(MessagePackError) -> MessagePackKey? {
        if offset < _bytes.count {
            let b = _bytes[offset]
            if b &- 0xa0 < 32 || b &- 0xd9 < 3 { return try readKey() }  // fixstr, str8/16/32
        }
        try skipValue()
        return nil
    }

    /// Reads the bin value of map key `key` as bytes, as ``MessagePackDecoder`` reads a `[UInt8]`.
    @inlinable
    public mutating func decodeBinary(key: StaticString) throws(MessagePackError) -> [UInt8] {
        try _atKey(key) { reader throws(MessagePackError) in try reader.readBinary() }
    }

    /// Runs `body` on the value of map key `key`, adding the key to the path of any error it throws.
    @inlinable @inline(__always)
    mutating func _atKey<T>(
        _ key: StaticString, _ body: (inout MessagePackReader) throws(MessagePackError) -> T
    ) throws(MessagePackError) -> T {
        do throws(MessagePackError) {
            return try body(&self)
        } catch {
            throw error.prefixed(with: .key("\(key)"))
        }
    }

    /// Reads an integer that must fit `I` exactly (a uint8 200 fits `UInt8`, not `Int8`).
    ///
    /// - Throws: `.typeMismatch` naming the value and the type; the cursor stays where it was.
    @inlinable
    public mutating func decodeInteger<I: FixedWidthInteger>(_: I.Type) throws(MessagePackError) -> I {
        let start = offset
        let wire = try readIntegerValue()
        guard let result = wire.exactly(I.self) else {
            offset = start
            throw ._integerOutOfRange(wire, I.self, at: start)
        }
        return result
    }

    /// Reads an integer of map key `key` that must fit `I` exactly.
    @inlinable
    public mutating func decodeInteger<I: FixedWidthInteger>(_: I.Type, key: StaticString) throws(MessagePackError) -> I {
        try _atKey(key) { reader throws(MessagePackError) in try reader.decodeInteger(I.self) }
    }

    /// Runs `body` on the value of map key `key` as one more level of nesting: the depth limit applies and
    /// errors get the key in their path. Generated code reads an enum case's payload map this way.
    @inlinable
    public mutating func decodeNested<T>(
        key: StaticString, _ body: (inout MessagePackReader) throws(MessagePackError) -> T
    ) throws(MessagePackError) -> T {
        try _atKey(key) { reader throws(MessagePackError) in try reader._nested(body) }
    }

    /// A float64 or float32, or an integer that converts to `Double` exactly (``MessagePackDecoder``'s rule).
    @inlinable @inline(__always)
    public mutating func decodeDouble() throws(MessagePackError) -> Double {
        if let v = _readFloat64IfNext() { return v }
        return try _decodeDoubleSlow()
    }

    @usableFromInline
    mutating func _decodeDoubleSlow() throws(MessagePackError) -> Double {
        let start = offset
        let b = try peekFormatByte()
        guard b <= 0x7f || b >= 0xe0 || (0xcc...0xd3).contains(b) else { return try readDouble() }  // not an integer
        guard let d = try readIntegerValue().exactly(Double.self) else {
            offset = start
            throw MessagePackError(.typeMismatch, at: start, "the integer cannot be represented as a Double exactly")
        }
        return d
    }

    /// A float32, a float64 that converts to `Float` exactly, or an integer that does (``MessagePackDecoder``'s rule).
    @inlinable
    public mutating func decodeFloat() throws(MessagePackError) -> Float {
        let b = try peekFormatByte()
        if b == FormatByte.float32 || b == FormatByte.float64 { return try readFloat() }
        let start = offset
        let d = try decodeDouble()
        guard let f = Float(exactly: d) else {
            offset = start
            throw MessagePackError(.typeMismatch, at: start, "\(d) cannot be represented as a Float exactly")
        }
        return f
    }

    /// Skips the entries of a map whose header was read.
    @inlinable
    public mutating func skipMapEntries(_ count: Int) throws(MessagePackError) {
        for _ in 0..<count {
            try skipValue()
            try skipValue()
        }
    }
}

extension MessagePackError {
    @inline(never) @usableFromInline
    static func _integerOutOfRange<I>(_ wire: MessagePackReader.IntegerValue, _: I.Type, at offset: Int) -> MessagePackError {
        let shown: String
        switch wire {
        case .signed(let v): shown = String(v)
        case .unsigned(let v): shown = String(v)
        }
        return MessagePackError(
            .typeMismatch, at: offset, "\(shown) does not fit in \(I.self)", hint: "decode into a wider integer type")
    }

    /// A raw value that names no case of an enum: `"purple" is not a case of Color`.
    @inline(never)
    public static func unknownCase(_ raw: String, of typeName: StaticString, at offset: Int) -> MessagePackError {
        MessagePackError(
            .typeMismatch, at: offset, "\(raw) is not a raw value of \(typeName)",
            hint: "the sender knows a case this model does not; add it, or decode into the raw type")
    }

    /// An enum with payloads is a map with exactly one known key (the case); this one had `found`.
    @inline(never)
    public static func caseCount(_ found: Int, of typeName: StaticString, at offset: Int) -> MessagePackError {
        MessagePackError(
            .typeMismatch, at: offset,
            "\(typeName) is a map with exactly one key naming its case; this map has \(found) known case key(s)",
            hint: "send one of the type's cases as {case: {fields}}")
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import MessagePack

// The native types of the well-known types (Spec/well-known-types.md 10): each is `Portable` under its reserved
// name, so a `PortableValue` can hold it (`.object(uuid)`), and each writes its own data.

extension _EncoderImpl {
    /// Writes an array of integers (a leaf container, one level below the current one).
    func writeWellKnownIntegers(_ fields: [Int]) throws {
        guard depth < maxDepth else { throw Self.tooDeep(maxDepth) }
        writer.writeArrayHeader(count: fields.count)
        for field in fields { writer.write(Int64(field)) }
    }
}

extension LocalDate: _WellKnownNative {
    static var _wellKnownType: WellKnownType { .date }
    func _writeWellKnownData(_ impl: _EncoderImpl) throws { try impl.writeWellKnownIntegers([year, month, day]) }
}

extension TimeOfDay: _WellKnownNative {
    static var _wellKnownType: WellKnownType { .time }
    func _writeWellKnownData(_ impl: _EncoderImpl) throws {
        try impl.writeWellKnownIntegers([hour, minute, second, nanosecond])
    }
}

extension LocalDateTime: _WellKnownNative {
    static var _wellKnownType: WellKnownType { .localDateTime }
    func _writeWellKnownData(_ impl: _EncoderImpl) throws { try impl.writeWellKnownIntegers(fields) }
}

extension OffsetDateTime: _WellKnownNative {
    static var _wellKnownType: WellKnownType { .offsetDateTime }
    func _writeWellKnownData(_ impl: _EncoderImpl) throws { try impl.writeWellKnownIntegers(dateTime.fields + [offsetSeconds]) }
}

/// `UUID` is the well-known type `pw.uuid`: its 16 bytes as a bin (never its `Codable` string).
extension UUID: Portable, _WellKnownNative {
    /// The reserved name `pw.uuid`.
    public static var portableName: String { "pw.uuid" }
    static var _wellKnownType: WellKnownType { .uuid }
    func _writeWellKnownData(_ impl: _EncoderImpl) throws { impl.writer.writeBinary(bytes) }
}

/// `Decimal` is the well-known type `pw.decimal`: its exact text (`"-10.5"`), never its `Codable` fields.
///
/// Foundation's `Decimal` keeps 38 digits and drops trailing zeros: a received `"-10.50"` decodes into a
/// `Decimal` field as -10.5 (an equal number) and is written back as `"-10.5"`; a text it cannot hold exactly
/// (more digits, `Infinity`, an exponent out of range) is a `typeMismatch` there, never rounded. Decoded into a
/// ``PortableValue``, only a text the `Decimal` writes back unchanged becomes a `Decimal`; others stay an
/// ``OpaquePortable`` named `pw.decimal`, which re-encodes to the same bytes.
extension Decimal: Portable, _WellKnownNative {
    /// The reserved name `pw.decimal`.
    public static var portableName: String { "pw.decimal" }
    static var _wellKnownType: WellKnownType { .decimal }
    func _writeWellKnownData(_ impl: _EncoderImpl) throws { impl.writer.write(DecimalText(self).text) }
    static func _typedValue(from data: PortableValue) -> Decimal? {
        guard case .string(let text) = data, let parsed = try? DecimalText(parsing: text) else { return nil }
        return parsed.decimal()
    }
}

/// `Duration` is the well-known type `pw.duration`: `[seconds, nanoseconds]`, nanoseconds 0 ... 999 999 999
/// (-1.5 s is `[-2, 500000000]`).
///
/// A `Duration` finer than a nanosecond, or beyond ±2⁶³ seconds, has no well-known form: encoding it throws
/// `cannotSerialize`.
extension Duration: Portable, _WellKnownNative {
    /// The reserved name `pw.duration`.
    public static var portableName: String { "pw.duration" }
    static var _wellKnownType: WellKnownType { .duration }
    func _writeWellKnownData(_ impl: _EncoderImpl) throws {
        let perSecond: Int128 = 1_000_000_000_000_000_000
        let a = attoseconds
        var seconds = a / perSecond
        var rest = a % perSecond
        if rest < 0 {
            seconds -= 1
            rest += perSecond
        }
        guard rest % 1_000_000_000 == 0, let s = Int64(exactly: seconds) else {
            let here = PortableEncodingState.path(impl.codingPath)
            throw _LocatedError(error: MessagePackError(
                .cannotSerialize, at: -1, path: here,
                "cannot serialize the Duration \(self) at \(here): pw.duration holds whole nanoseconds and seconds within Int64",
                hint: "round the duration to nanoseconds before sending it"))
        }
        guard impl.depth < impl.maxDepth else { throw _EncoderImpl.tooDeep(impl.maxDepth) }
        impl.writer.writeArrayHeader(count: 2)
        impl.writer.write(s)
        impl.writer.write(Int64(rest / 1_000_000_000))
    }
}

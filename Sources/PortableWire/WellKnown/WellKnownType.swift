// SPDX-License-Identifier: Apache-2.0
import Foundation
import MessagePack

/// The well-known types of Spec/well-known-types.md that are portable objects under a reserved `pw.` name
/// (the instant is the timestamp ext and needs no name).
enum WellKnownType: Sendable, CaseIterable {
    case date, time, localDateTime, offsetDateTime, duration, decimal, uuid, set, tuple

    /// Names that start with this are reserved: no application type may be registered under one.
    static let reservedPrefix = "pw."

    var name: String {
        switch self {
        case .date: "pw.date"
        case .time: "pw.time"
        case .localDateTime: "pw.localDateTime"
        case .offsetDateTime: "pw.offsetDateTime"
        case .duration: "pw.duration"
        case .decimal: "pw.decimal"
        case .uuid: "pw.uuid"
        case .set: "pw.set"
        case .tuple: "pw.tuple"
        }
    }

    /// The well-known type named exactly `name` (names compare by their bytes).
    init?(name: String) {
        guard name.utf8.starts(with: "pw.".utf8),
            let found = Self.allCases.first(where: { $0.name.utf8.elementsEqual(name.utf8) })
        else { return nil }
        self = found
    }

    static func isReserved(_ name: String) -> Bool { name.utf8.starts(with: reservedPrefix.utf8) }

    /// The registry entries the decoder uses for these names when the application registered nothing under them
    /// (it cannot: the names are reserved). Well-known values are values, never back-referenced.
    static let entries: [ExactString: TypeRegistry.Entry] = {
        var out: [ExactString: TypeRegistry.Entry] = [:]
        for type in allCases {
            let entry = TypeRegistry.Entry(name: type.name, type: nil, kind: .generic(twoPhase: false))
            entry.isValueType = true
            entry.decode = .wellKnown(type)
            out[ExactString(type.name)] = entry
        }
        return out
    }()

    /// The entries used to write native values met as `any Portable` (in a ``PortableValue`` or `encode(any:)`).
    static let nativeEntries: [ObjectIdentifier: TypeRegistry.Entry] = {
        func entry<T: _WellKnownNative>(_ type: T.Type) -> (ObjectIdentifier, TypeRegistry.Entry) {
            let e = TypeRegistry.Entry(name: T._wellKnownType.name, type: T.self, kind: .codable)
            e.isValueType = true
            e.encodeData = { object, impl in try (object as! T)._writeWellKnownData(impl) }
            return (ObjectIdentifier(T.self), e)
        }
        return Dictionary(uniqueKeysWithValues: [
            entry(LocalDate.self), entry(TimeOfDay.self), entry(LocalDateTime.self), entry(OffsetDateTime.self),
            entry(Duration.self), entry(Decimal.self), entry(UUID.self),
        ])
    }()
}

/// Why well-known data was refused: it does not have the shape or ranges of its type (Spec rule 7).
struct WellKnownMismatch: Error {
    var detail: String
    init(_ detail: String) { self.detail = detail }
}

/// A native Swift type that is a well-known type: its data is written and read by the portable coders.
protocol _WellKnownNative: Portable {
    static var _wellKnownType: WellKnownType { get }
    /// Writes the object's data (not the P around it).
    func _writeWellKnownData(_ impl: _EncoderImpl) throws
    /// The value of valid data as the receiver asked for this type: nil when this type cannot hold it
    /// (only `Decimal`, whose exponent it may not keep). Data already passed ``WellKnownType/native(from:)``.
    static func _typedValue(from data: PortableValue) -> Self?
}

extension _WellKnownNative {
    static func _typedValue(from data: PortableValue) -> Self? {
        (try? _wellKnownType.native(from: data)) as? Self
    }
}

// MARK: Reading data

extension WellKnownType {
    /// Checks data against Spec/well-known-types.md and returns the native value, or nil when the data is valid
    /// but has no native value here that holds it exactly (sets and tuples, some decimals): the caller keeps a
    /// generic object.
    func native(from data: PortableValue) throws(WellKnownMismatch) -> (any Portable)? {
        switch self {
        case .date:
            let f = try Self.integers(data, count: 3, name)
            return try Self.date(f[0], f[1], f[2], name)
        case .time:
            let f = try Self.integers(data, count: 4, name)
            return try Self.time(f[0], f[1], f[2], f[3], name)
        case .localDateTime:
            let f = try Self.integers(data, count: 7, name)
            return LocalDateTime(date: try Self.date(f[0], f[1], f[2], name), time: try Self.time(f[3], f[4], f[5], f[6], name))
        case .offsetDateTime:
            let f = try Self.integers(data, count: 8, name)
            let local = LocalDateTime(date: try Self.date(f[0], f[1], f[2], name), time: try Self.time(f[3], f[4], f[5], f[6], name))
            guard let value = OffsetDateTime(local, offsetSeconds: Int(f[7])) else {
                throw WellKnownMismatch("\(name) offset \(f[7]) s is outside -86399 ... 86399")
            }
            return value
        case .duration:
            let f = try Self.integers(data, count: 2, name)
            guard (0...999_999_999).contains(f[1]) else {
                throw WellKnownMismatch("\(name) nanoseconds \(f[1]) are outside 0 ... 999999999")
            }
            return Duration(attoseconds: Int128(f[0]) * 1_000_000_000_000_000_000 + Int128(f[1]) * 1_000_000_000)
        case .decimal:
            guard case .string(let text) = data else { throw WellKnownMismatch("\(name) data is a str, not \(Self.kind(data))") }
            let parsed = try DecimalText(parsing: text)
            // Only a Decimal that writes back the very text keeps the value (Foundation's Decimal drops trailing
            // zeros and has no -0, no infinities, 38 digits); anything else stays a generic object (rule 6).
            guard let decimal = parsed.decimal(), DecimalText(decimal).text == text else { return nil }
            return decimal
        case .uuid:
            guard case .binary(let bytes) = data, bytes.count == 16 else {
                throw WellKnownMismatch("\(name) data is a bin of 16 bytes, not \(Self.kind(data))")
            }
            return UUID(bytes: bytes)
        case .set:
            guard case .array = data else { throw WellKnownMismatch("\(name) data is an array, not \(Self.kind(data))") }
            return nil  // distinct elements are checked by the decoder, which can encode them
        case .tuple:
            guard case .array = data else { throw WellKnownMismatch("\(name) data is an array, not \(Self.kind(data))") }
            return nil
        }
    }

    /// Exactly `count` integers, each in the range of `Int64`.
    static func integers(_ data: PortableValue, count: Int, _ name: String) throws(WellKnownMismatch) -> [Int64] {
        guard case .array(let elements) = data else { throw WellKnownMismatch("\(name) data is an array, not \(kind(data))") }
        guard elements.count == count else {
            throw WellKnownMismatch("\(name) data has \(count) elements, not \(elements.count)")
        }
        var out: [Int64] = []
        out.reserveCapacity(count)
        for (i, element) in elements.enumerated() {
            switch element {
            case .int(let v): out.append(v)
            case .uint(let v) where v <= UInt64(Int64.max): out.append(Int64(v))
            case .uint(let v): throw WellKnownMismatch("\(name) field \(i) is \(v), outside the range of its type")
            default: throw WellKnownMismatch("\(name) field \(i) is an integer, not \(kind(element))")
            }
        }
        return out
    }

    static func date(_ y: Int64, _ m: Int64, _ d: Int64, _ name: String) throws(WellKnownMismatch) -> LocalDate {
        guard Int32(exactly: y) != nil else { throw WellKnownMismatch("\(name) year \(y) is outside -2^31 ... 2^31-1") }
        guard let date = LocalDate(year: Int(y), month: Int(m), day: Int(d)) else {
            throw WellKnownMismatch("\(name) \(y)-\(m)-\(d) is not a date (month 1 ... 12, a day the month has)")
        }
        return date
    }

    static func time(_ h: Int64, _ m: Int64, _ s: Int64, _ n: Int64, _ name: String) throws(WellKnownMismatch) -> TimeOfDay {
        guard let time = TimeOfDay(hour: Int(h), minute: Int(m), second: Int(s), nanosecond: Int(n)) else {
            throw WellKnownMismatch(
                "\(name) time \(h):\(m):\(s).\(n) is out of range (hour 0 ... 23, minute and second 0 ... 59, nanosecond 0 ... 999999999)")
        }
        return time
    }

    static func kind(_ value: PortableValue) -> String {
        switch value {
        case .nil: "nil"
        case .bool: "a bool"
        case .int, .uint: "an integer"
        case .float, .double: "a float"
        case .string: "a str"
        case .binary(let b): "a bin of \(b.count) bytes"
        case .array(let a): "an array of \(a.count)"
        case .map: "a map"
        case .extension: "an ext"
        case .timestamp: "a timestamp"
        case .object: "an object"
        }
    }
}

extension UUID {
    /// The UUID of 16 bytes in network order.
    init(bytes b: [UInt8]) {
        self.init(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }

    /// Its 16 bytes in network order (the order of the hex digits of its text).
    var bytes: [UInt8] {
        withUnsafeBytes(of: uuid) { Array($0) }
    }
}

// MARK: Decimal text

/// A `pw.decimal` text: the grammar of Spec/well-known-types.md 6, parsed into sign, coefficient and exponent.
struct DecimalText: Equatable {
    enum Special: Equatable { case nan, infinity, negativeInfinity }
    var special: Special?
    var isNegative = false
    /// The coefficient's digits without leading zeros (empty for zero).
    var digits: [UInt8] = []
    /// The exponent; nil when it does not fit in an `Int` (the text is valid, no native type holds it).
    var exponent: Int? = 0

    static let maxByteCount = 4096

    init(parsing text: String) throws(WellKnownMismatch) {
        let bytes = Array(text.utf8)
        guard bytes.count <= Self.maxByteCount else {
            throw WellKnownMismatch("pw.decimal text has \(bytes.count) bytes, more than \(Self.maxByteCount)")
        }
        switch text {
        case "NaN": special = .nan; return
        case "Infinity": special = .infinity; return
        case "-Infinity": special = .negativeInfinity; return
        default: break
        }
        func invalid() -> WellKnownMismatch {
            let shown = bytes.count > 40 ? String(decoding: bytes.prefix(40), as: UTF8.self) + "…" : text
            return WellKnownMismatch(
                "pw.decimal text \"\(shown)\" is not NaN, Infinity, -Infinity or -?[0-9]+(.[0-9]+)?(e-?[0-9]+)?")
        }
        var i = 0
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { isNegative = true; i += 1 }
        func digitRun() -> ArraySlice<UInt8> {
            let start = i
            while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
            return bytes[start..<i]
        }
        let whole = digitRun()
        guard !whole.isEmpty else { throw invalid() }
        var fraction: ArraySlice<UInt8> = []
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            fraction = digitRun()
            guard !fraction.isEmpty else { throw invalid() }
        }
        var exponentValue: Int? = 0
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") {
            i += 1
            var negative = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
            let e = digitRun()
            guard !e.isEmpty else { throw invalid() }
            var value = 0
            for d in e {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int(d - 0x30))
                if o1 || o2 { exponentValue = nil; break }
                value = s
            }
            if exponentValue != nil { exponentValue = negative ? -value : value }
        }
        guard i == bytes.count else { throw invalid() }
        let all = Array(whole) + Array(fraction)
        digits = Array(all.drop(while: { $0 == 0x30 })).map { $0 - 0x30 }
        exponent = exponentValue.flatMap { e in
            let (r, o) = e.subtractingReportingOverflow(fraction.count)
            return o ? nil : r
        }
    }

    /// The text of a Foundation `Decimal` (exact: it is built from the decimal's own coefficient and exponent).
    init(_ decimal: Decimal) {
        if decimal.isNaN {
            special = .nan
            return
        }
        isNegative = decimal.sign == .minus && !decimal.isZero
        // Foundation's significand is the integer coefficient with exponent 0; its description is its digits.
        digits = Array(decimal.significand.description.utf8).filter { (0x30...0x39).contains($0) }.map { $0 &- 0x30 }
        while digits.first == 0 { digits.removeFirst() }
        exponent = decimal.exponent
    }

    /// The canonical text (Spec/well-known-types.md 6, "Canonical text").
    var text: String {
        switch special {
        case .nan?: return "NaN"
        case .infinity?: return "Infinity"
        case .negativeInfinity?: return "-Infinity"
        case nil: break
        }
        var out = isNegative ? "-" : ""
        var body = digits.isEmpty ? "0" : String(decoding: digits.map { $0 + 0x30 }, as: UTF8.self)
        let e = exponent ?? 0
        if e > 0 {
            body += "e\(e)"
        } else if e < 0 {
            let places = -e
            if body.count <= places { body = String(repeating: "0", count: places - body.count + 1) + body }
            body.insert(".", at: body.index(body.endIndex, offsetBy: -places))
        }
        out += body
        return out
    }

    /// The Foundation `Decimal` equal to this number, or nil when it has none (infinities, more than 38 digits
    /// after dropping trailing zeros, an exponent outside -128 ... 127). `-0` is zero.
    func decimal() -> Decimal? {
        if special == .nan { return .nan }
        guard special == nil, var e = exponent else { return nil }
        var significant = digits
        while significant.last == 0 {
            significant.removeLast()
            e += 1
        }
        if significant.isEmpty { return Decimal.zero }
        guard significant.count <= 38, e >= -128 - 38, e <= 127 + 38 else { return nil }
        let text = (isNegative ? "-" : "") + String(decoding: significant.map { $0 + 0x30 }, as: UTF8.self) + "e\(e)"
        guard let value = Decimal(string: text) else { return nil }
        // Decimal(string:) rounds what it cannot hold: only an exact result is a value (never rounded silently).
        var check = DecimalText(value)
        while check.digits.last == 0, let x = check.exponent {
            check.digits.removeLast()
            check.exponent = x + 1
        }
        guard check.digits == significant, check.exponent == e, check.isNegative == isNegative else { return nil }
        return value
    }
}

// SPDX-License-Identifier: Apache-2.0

/// A calendar date without a time, a zone or an offset: the well-known type `pw.date`.
///
/// Proleptic Gregorian calendar with astronomical year numbering (year 0 is 1 BCE); any year that fits in
/// an `Int32`. ``PortableEncoder`` writes it as a portable object whose data is `[year, month, day]`, and
/// ``PortableDecoder`` reads it back, also into a ``PortableValue``. See Spec/well-known-types.md 4.2.
///
///     let day = LocalDate(year: 2024, month: 5, day: 1)!
///     // c7 0e 50 a7 70 77 2e 64 61 74 65 93 cd 07 e8 05 01
///
/// Its own `Codable` form (what `MessagePackEncoder` or `JSONEncoder` write) is the plain array
/// `[year, month, day]`.
public struct LocalDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible, Portable {
    /// The reserved name `pw.date`.
    public static var portableName: String { "pw.date" }

    /// The year, -2³¹ ... 2³¹-1 (0 is 1 BCE).
    public let year: Int
    /// The month, 1 ... 12.
    public let month: Int
    /// The day of the month, 1 ... 28, 29, 30 or 31.
    public let day: Int

    /// Creates a date, or nil when the day does not exist (month 13, February 29 of 2023, a year outside
    /// `Int32`).
    public init?(year: Int, month: Int, day: Int) {
        guard Int32(exactly: year) != nil, (1...12).contains(month),
            day >= 1, day <= LocalDate.daysInMonth(year: year, month: month)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The number of days of `month` in `year` (February has 29 in leap years).
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Whether `year` is a leap year: divisible by 4 and not by 100, or by 400.
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// Days since 1970-01-01 (negative before it).
    ///
    /// - Complexity: O(1) (Howard Hinnant's `days_from_civil`).
    public var daysSince1970: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01, or nil when its year does not fit in an `Int32`.
    public init?(daysSince1970 days: Int) {
        // Years of Int32 are about ±7.8 × 10¹¹ days away; beyond ±10¹⁵ the arithmetic below could overflow.
        guard days.magnitude < 1_000_000_000_000_000 else { return nil }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    public static func < (a: LocalDate, b: LocalDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// ISO 8601: `2024-05-01`; years outside 0 ... 9999 get a sign and at least four digits (`-0044-03-15`).
    public var description: String {
        let y: String
        if (0...9999).contains(year) {
            y = pad(year, 4)
        } else {
            y = (year < 0 ? "-" : "+") + pad(Int(year.magnitude), 4)
        }
        return "\(y)-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Reads `[year, month, day]`.
    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        let fields = [try c.decode(Int.self), try c.decode(Int.self), try c.decode(Int.self)]
        guard c.isAtEnd, let value = LocalDate(year: fields[0], month: fields[1], day: fields[2]) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a valid date [year, month, day]")
        }
        self = value
    }

    /// Writes `[year, month, day]`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(year)
        try c.encode(month)
        try c.encode(day)
    }
}

/// `value` in decimal with at least `width` digits.
func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

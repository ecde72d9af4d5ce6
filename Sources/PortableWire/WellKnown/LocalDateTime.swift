// SPDX-License-Identifier: Apache-2.0
import Foundation
import MessagePack

/// A date and a time of day with no zone and no offset (a wall-clock reading not tied to the time line):
/// the well-known type `pw.localDateTime`.
///
/// The data is `[year, month, day, hour, minute, second, nanosecond]`. A Python peer sends a naive
/// `datetime` this way. See Spec/well-known-types.md 4.4. Its own `Codable` form is that plain array.
public struct LocalDateTime: Hashable, Comparable, Sendable, Codable, CustomStringConvertible, Portable {
    /// The reserved name `pw.localDateTime`.
    public static var portableName: String { "pw.localDateTime" }

    /// The date.
    public var date: LocalDate
    /// The time of day.
    public var time: TimeOfDay

    /// Creates a date-time from its date and its time of day.
    public init(date: LocalDate, time: TimeOfDay) {
        self.date = date
        self.time = time
    }

    /// Creates a date-time from its fields, or nil when one is out of range.
    public init?(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, nanosecond: Int = 0) {
        guard let date = LocalDate(year: year, month: month, day: day),
            let time = TimeOfDay(hour: hour, minute: minute, second: second, nanosecond: nanosecond)
        else { return nil }
        self.init(date: date, time: time)
    }

    /// The reading of a UTC clock at `instant` (to `Date`'s precision, about a microsecond today).
    public init(utc instant: Date) {
        let t = MessagePackTimestamp(instant)
        let days = Int(t.seconds.dividedRoundingDown(by: 86_400))
        let secondOfDay = Int(t.seconds - Int64(days) * 86_400)
        // Safe: a Date's seconds are far inside the years of Int32.
        self.init(
            date: LocalDate(daysSince1970: days)!,
            time: TimeOfDay(
                hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60, second: secondOfDay % 60,
                nanosecond: Int(t.nanoseconds))!)
    }

    /// The instant at which a clock `offsetSeconds` ahead of UTC reads this date-time (to `Date`'s precision).
    public func instant(offsetSeconds: Int = 0) -> Date {
        let seconds = Int64(date.daysSince1970) * 86_400 + Int64(time.hour * 3600 + time.minute * 60 + time.second)
            - Int64(offsetSeconds)
        return Date(timeIntervalSince1970: Double(seconds) + Double(time.nanosecond) / 1e9)
    }

    public static func < (a: LocalDateTime, b: LocalDateTime) -> Bool { (a.date, a.time) < (b.date, b.time) }

    /// ISO 8601: `2024-05-01T13:45:30`.
    public var description: String { "\(date)T\(time)" }

    /// The seven fields in wire order.
    var fields: [Int] { [date.year, date.month, date.day, time.hour, time.minute, time.second, time.nanosecond] }

    /// Reads `[year, month, day, hour, minute, second, nanosecond]`.
    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        var f: [Int] = []
        for _ in 0..<7 { f.append(try c.decode(Int.self)) }
        guard c.isAtEnd, let value = LocalDateTime(year: f[0], month: f[1], day: f[2], hour: f[3], minute: f[4], second: f[5], nanosecond: f[6])
        else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a valid local date-time") }
        self = value
    }

    /// Writes `[year, month, day, hour, minute, second, nanosecond]`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        for field in fields { try c.encode(field) }
    }
}

extension Int64 {
    /// Division rounding toward negative infinity.
    func dividedRoundingDown(by divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation

/// A date and time of day as read on a clock at a fixed offset from UTC, and that offset: the well-known
/// type `pw.offsetDateTime`.
///
/// The data is `[year, month, day, hour, minute, second, nanosecond, offsetSeconds]`, the first seven the
/// local reading (not UTC). Two values naming the same instant at different offsets are different values.
/// A Python peer sends an aware `datetime` this way. See Spec/well-known-types.md 4.5.
///
///     let t = OffsetDateTime(LocalDateTime(year: 2024, month: 5, day: 1, hour: 13, minute: 45, second: 30)!,
///                            offsetSeconds: 7200)!   // 2024-05-01T13:45:30+02:00
///
/// Its own `Codable` form is that plain array.
public struct OffsetDateTime: Hashable, Sendable, Codable, CustomStringConvertible, Portable {
    /// The reserved name `pw.offsetDateTime`.
    public static var portableName: String { "pw.offsetDateTime" }

    /// The local reading.
    public var dateTime: LocalDateTime
    /// The offset from UTC in seconds, -86 399 ... 86 399 (east positive).
    public let offsetSeconds: Int

    /// Creates a value, or nil when the offset is outside -86 399 ... 86 399.
    public init?(_ dateTime: LocalDateTime, offsetSeconds: Int) {
        guard (-86_399...86_399).contains(offsetSeconds) else { return nil }
        self.dateTime = dateTime
        self.offsetSeconds = offsetSeconds
    }

    /// The reading at `instant` of a clock `offsetSeconds` ahead of UTC (to `Date`'s precision), or nil when the
    /// offset is out of range.
    public init?(_ instant: Date, offsetSeconds: Int) {
        self.init(LocalDateTime(utc: instant.addingTimeInterval(Double(offsetSeconds))), offsetSeconds: offsetSeconds)
    }

    /// The instant this reading names (to `Date`'s precision).
    public var instant: Date { dateTime.instant(offsetSeconds: offsetSeconds) }

    /// ISO 8601: `2024-05-01T13:45:30+02:00` (seconds in the offset when it has some).
    public var description: String {
        let m = offsetSeconds.magnitude
        var text = "\(dateTime)\(offsetSeconds < 0 ? "-" : "+")\(pad(Int(m / 3600), 2)):\(pad(Int(m / 60 % 60), 2))"
        if m % 60 != 0 { text += ":\(pad(Int(m % 60), 2))" }
        return text
    }

    /// Reads `[year, month, day, hour, minute, second, nanosecond, offsetSeconds]`.
    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        var f: [Int] = []
        for _ in 0..<8 { f.append(try c.decode(Int.self)) }
        guard c.isAtEnd,
            let local = LocalDateTime(year: f[0], month: f[1], day: f[2], hour: f[3], minute: f[4], second: f[5], nanosecond: f[6]),
            let value = OffsetDateTime(local, offsetSeconds: f[7])
        else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a valid offset date-time") }
        self = value
    }

    /// Writes `[year, month, day, hour, minute, second, nanosecond, offsetSeconds]`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        for field in dateTime.fields + [offsetSeconds] { try c.encode(field) }
    }
}

// SPDX-License-Identifier: Apache-2.0

/// A time of day without a date, a zone or an offset, to the nanosecond: the well-known type `pw.time`.
///
/// No leap seconds (second is 0 ... 59). The data is `[hour, minute, second, nanosecond]`; 13:45:30.25 is
/// `c7 11 50 a7 70 77 2e 74 69 6d 65 94 0d 2d 1e ce 0e e6 b2 80`. See Spec/well-known-types.md 4.3.
/// Its own `Codable` form is that plain array.
public struct TimeOfDay: Hashable, Comparable, Sendable, Codable, CustomStringConvertible, Portable {
    /// The reserved name `pw.time`.
    public static var portableName: String { "pw.time" }

    /// 0 ... 23.
    public let hour: Int
    /// 0 ... 59.
    public let minute: Int
    /// 0 ... 59.
    public let second: Int
    /// 0 ... 999 999 999.
    public let nanosecond: Int

    /// Creates a time of day, or nil when a field is out of range.
    public init?(hour: Int, minute: Int, second: Int = 0, nanosecond: Int = 0) {
        guard (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second),
            (0...999_999_999).contains(nanosecond)
        else { return nil }
        self.hour = hour
        self.minute = minute
        self.second = second
        self.nanosecond = nanosecond
    }

    /// Midnight, 00:00:00.
    public static let midnight = TimeOfDay(hour: 0, minute: 0)!

    /// Nanoseconds since midnight.
    public var nanosecondsSinceMidnight: Int64 {
        Int64(((hour * 60 + minute) * 60 + second)) * 1_000_000_000 + Int64(nanosecond)
    }

    public static func < (a: TimeOfDay, b: TimeOfDay) -> Bool {
        a.nanosecondsSinceMidnight < b.nanosecondsSinceMidnight
    }

    /// ISO 8601: `13:45:30`, with as many fraction digits as needed (`13:45:30.25`).
    public var description: String {
        var text = "\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
        if nanosecond != 0 {
            var fraction = pad(nanosecond, 9)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text
    }

    /// Reads `[hour, minute, second, nanosecond]`.
    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        var fields: [Int] = []
        for _ in 0..<4 { fields.append(try c.decode(Int.self)) }
        guard c.isAtEnd, let value = TimeOfDay(hour: fields[0], minute: fields[1], second: fields[2], nanosecond: fields[3])
        else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a valid time [hour, minute, second, nanosecond]") }
        self = value
    }

    /// Writes `[hour, minute, second, nanosecond]`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        for field in [hour, minute, second, nanosecond] { try c.encode(field) }
    }
}

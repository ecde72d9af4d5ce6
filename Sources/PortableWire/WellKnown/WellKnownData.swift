// SPDX-License-Identifier: Apache-2.0
import Foundation
import MessagePack

// The data of native well-known values as dynamic values, for `OpaquePortable(wellKnown:)`.

extension LocalDate { var _wellKnownData: PortableValue { .array([year, month, day].map { .int(Int64($0)) }) } }
extension TimeOfDay {
    var _wellKnownData: PortableValue { .array([hour, minute, second, nanosecond].map { .int(Int64($0)) }) }
}
extension LocalDateTime { var _wellKnownData: PortableValue { .array(fields.map { .int(Int64($0)) }) } }
extension OffsetDateTime {
    var _wellKnownData: PortableValue { .array((dateTime.fields + [offsetSeconds]).map { .int(Int64($0)) }) }
}

extension OpaquePortable {
    /// The generic form of a native well-known value (``LocalDate``, ``TimeOfDay``, ``LocalDateTime``,
    /// ``OffsetDateTime``, `Duration`, `Decimal`, `UUID`): its reserved `pw.` name and its data as the Spec
    /// defines it (Spec/well-known-types.md). Nil for any other value, and for a `Duration` that has no
    /// well-known form (finer than a nanosecond).
    ///
    ///     OpaquePortable(wellKnown: LocalDate(year: 2024, month: 5, day: 1)!)   // pw.date([2024, 5, 1])
    public convenience init?(wellKnown value: any Portable) {
        let data: PortableValue
        switch value {
        case let v as LocalDate: data = v._wellKnownData
        case let v as TimeOfDay: data = v._wellKnownData
        case let v as LocalDateTime: data = v._wellKnownData
        case let v as OffsetDateTime: data = v._wellKnownData
        case let v as UUID: data = .binary(v.bytes)
        case let v as Decimal: data = .string(DecimalText(v).text)
        case let v as Duration:
            let perSecond: Int128 = 1_000_000_000_000_000_000
            var seconds = v.attoseconds / perSecond
            var rest = v.attoseconds % perSecond
            if rest < 0 {
                seconds -= 1
                rest += perSecond
            }
            guard rest % 1_000_000_000 == 0, let s = Int64(exactly: seconds) else { return nil }
            data = .array([.int(s), .int(Int64(rest / 1_000_000_000))])
        default: return nil
        }
        self.init(name: type(of: value).portableName, data: data)
    }

    /// Whether this object is a well-known value kept generic (a `pw.set`, a `pw.tuple`, a decimal or date this
    /// process cannot hold exactly): a value, written in full wherever it occurs, never back-referenced.
    public var isWellKnown: Bool { WellKnownType(name: name) != nil }
}

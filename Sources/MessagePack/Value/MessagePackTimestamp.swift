// SPDX-License-Identifier: Apache-2.0

/// A point in time as MessagePack's timestamp extension (type −1) carries it.
///
/// Seconds since 1970-01-01T00:00:00Z (may be negative) plus nanoseconds in `0..<1_000_000_000`.
/// Encoders pick the shortest of the three widths. See Spec/format.md, "Timestamp".
public struct MessagePackTimestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Whole seconds since the Unix epoch.
    public let seconds: Int64
    /// Nanoseconds within the second, always below 10⁹.
    public let nanoseconds: UInt32

    /// Creates a timestamp; `nanoseconds` must be below 10⁹ (a programmer error otherwise).
    public init(seconds: Int64, nanoseconds: UInt32 = 0) {
        precondition(nanoseconds < 1_000_000_000, "MessagePackTimestamp: nanoseconds must be below 1_000_000_000")
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// Decodes the payload of an ext −1 (4, 8 or 12 bytes); `offset` is used in errors.
    @inlinable
    public init(extensionPayload p: UnsafeRawBufferPointer, at offset: Int) throws(MessagePackError) {
        switch p.count {
        case 4:
            self.seconds = Int64(UInt32(bigEndian: p.loadUnaligned(as: UInt32.self)))
            self.nanoseconds = 0
        case 8:
            let v = UInt64(bigEndian: p.loadUnaligned(as: UInt64.self))
            let nanos = UInt32(truncatingIfNeeded: v >> 34)
            guard nanos < 1_000_000_000 else { throw Self._badNanoseconds(nanos, at: offset) }
            self.seconds = Int64(v & 0x3_ffff_ffff)
            self.nanoseconds = nanos
        case 12:
            let nanos = UInt32(bigEndian: p.loadUnaligned(as: UInt32.self))
            guard nanos < 1_000_000_000 else { throw Self._badNanoseconds(nanos, at: offset) }
            self.nanoseconds = nanos
            self.seconds = Int64(bigEndian: p.loadUnaligned(fromByteOffset: 4, as: Int64.self))
        default:
            throw MessagePackError(
                .invalidTimestamp, at: offset, "a timestamp payload has 4, 8 or 12 bytes, not \(p.count)",
                hint: "ext type −1 is reserved for timestamps")
        }
    }

    @inline(never) @usableFromInline
    static func _badNanoseconds(_ n: UInt32, at offset: Int) -> MessagePackError {
        MessagePackError(.invalidTimestamp, at: offset, "timestamp nanoseconds \(n) is not below 1000000000")
    }

    /// The number of payload bytes the canonical encoding uses: 4, 8 or 12.
    @inlinable
    public var payloadByteCount: Int {
        if seconds >= 0 && seconds >> 34 == 0 {
            return nanoseconds == 0 && seconds >> 32 == 0 ? 4 : 8
        }
        return 12
    }

    public static func < (a: Self, b: Self) -> Bool { (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds) }

    public var description: String { "timestamp(\(seconds), \(nanoseconds))" }
}

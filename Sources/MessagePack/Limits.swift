// SPDX-License-Identifier: Apache-2.0

/// Bounds every decoder enforces, with safe defaults for untrusted input.
///
/// Exceeding one throws ``MessagePackError`` with code `.limitExceeded` naming the limit.
/// The defaults are normative: see Spec/format.md, "Limits"; peers enforce the same.
public struct MessagePackLimits: Hashable, Sendable {
    /// Containers (arrays, maps, portable objects) open at once. Default 512.
    public var maxDepth: Int = 512
    /// Bytes in one message. Default 64 MiB.
    public var maxMessageByteCount: Int = 64 << 20
    /// Bytes in one str, bin or ext payload. Default 64 MiB.
    public var maxPayloadByteCount: Int = 64 << 20
    /// Elements in one array or entries in one map. Default 16,777,216.
    public var maxElementCount: Int = 1 << 24
    /// Portable objects in one message. Default 1,048,576.
    public var maxObjectCount: Int = 1 << 20
    /// Back-references in one message. Default 1,048,576.
    public var maxReferenceCount: Int = 1 << 20
    /// Entries in one message's type-name table. Default 65,536.
    public var maxTypeNameCount: Int = 1 << 16
    /// Entries in one message's global data. Default 65,536.
    public var maxGlobalDataCount: Int = 1 << 16
    /// The expansion budget: bytes that back-references to value-type objects add when they decode into
    /// copies. Default 67,108,864 (64 MiB).
    ///
    /// A reference to a class instance decodes into the same instance and costs nothing. A reference to a
    /// struct or enum object decodes into a copy, which equality, description and re-encoding walk in full,
    /// so a message of 40 objects that each refer twice to the one before would walk like 2^40 objects.
    /// Each such reference is charged the wire size of the object it copies, plus what that object's own
    /// references were charged; past this budget decoding stops with `limitExceeded` naming `maxExpansion`.
    /// So whatever decodes walks in at most `maxMessageByteCount + maxExpansion` bytes' worth of values.
    public var maxExpansion: Int = 64 << 20

    /// The defaults.
    public init() {}

    /// The defaults, as a static for call sites that read better with a name.
    public static let `default` = MessagePackLimits()
}

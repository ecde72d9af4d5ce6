// SPDX-License-Identifier: Apache-2.0
import MessagePack

/// The bounds a portable decoder enforces: the plain ones of every MessagePack decoder (``plain``, reachable
/// directly as `limits.maxDepth`) and the portable layer's own, with safe defaults for untrusted input.
///
/// Exceeding one throws `MessagePackError` `.limitExceeded` naming the limit. The defaults are normative
/// (Spec/format.md, "Limits"); the peers enforce the same.
///
///     var decoder = PortableDecoder(registry: registry)
///     decoder.limits.maxDepth = 64           // a plain bound
///     decoder.limits.maxObjectCount = 1_000  // a portable one
@dynamicMemberLookup
public struct PortableLimits: Hashable, Sendable {
    /// The bounds every MessagePack decoder enforces (depth, message and payload sizes, element counts).
    public var plain = MessagePackLimits()

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

    /// The defaults of the portable bounds, with `plain` for the plain ones.
    public init(_ plain: MessagePackLimits) { self.plain = plain }

    /// The defaults, as a static for call sites that read better with a name.
    public static let `default` = PortableLimits()

    /// A plain bound, read and set as if it were one of these (`limits.maxDepth`).
    public subscript<T>(dynamicMember keyPath: WritableKeyPath<MessagePackLimits, T>) -> T {
        get { plain[keyPath: keyPath] }
        set { plain[keyPath: keyPath] = newValue }
    }
}

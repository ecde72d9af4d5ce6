// SPDX-License-Identifier: Apache-2.0

/// Bounds every decoder enforces, with safe defaults for untrusted input.
///
/// Exceeding one throws ``MessagePackError`` with code `.limitExceeded` naming the limit.
/// The defaults are normative: see Spec/format.md, "Limits"; peers enforce the same.
public struct MessagePackLimits: Hashable, Sendable {
    /// Containers (arrays, maps, portable objects) open at once. Default 512; keep it at most ``maxSafeDepth``.
    ///
    /// Decoding, skipping, describing, converting and re-encoding recurse once per level on some routes, so
    /// the depth is what bounds their stack. A value above ``maxSafeDepth`` is accepted for trusted input on
    /// threads with stacks larger than 8 MiB; the tools that take the depth from a user (`pwire`, the example
    /// service) refuse it as a usage error.
    public var maxDepth: Int = 512

    /// The largest ``maxDepth`` that is stack-safe everywhere: the deepest nesting that every route (one-shot, streaming, Codable
    /// and portable decoding, skipping, descriptions, conversions, equality, re-encoding) handles on the stack
    /// the library's threads get on Linux (8 MiB: NIO's event loops, Dispatch's and Swift concurrency's
    /// threads), in debug builds too, with a quarter of the stack to spare.
    ///
    /// The recursive routes take up to 6.5 KiB of stack a level in a debug build (the one-shot decoder; the
    /// portable decoder 4.5 KiB, the Codable decoder 3.6 KiB), so at 768 levels they use at most about 5 MiB.
    /// On a 512 KiB thread (a secondary thread on Apple platforms) only the iterative routes (`skipValue`,
    /// the frame scanner and the NIO frame decoder that uses it) are safe at this depth; decode there with a
    /// lower ``maxDepth`` or on a thread with a larger stack. Measured by
    /// `Tests/PortableWireTests/Limits/StackDepthTests.swift` (`PWIRE_STACK_REPORT=1` prints each route's stack
    /// use per level), which runs every route at this depth.
    public static let maxSafeDepth = 768
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

// SPDX-License-Identifier: Apache-2.0

/// Bounds every decoder enforces, with safe defaults for untrusted input.
///
/// Exceeding one throws ``MessagePackError`` with code `.limitExceeded` naming the limit.
/// The defaults are normative: see Spec/format.md, "Limits"; peers enforce the same. The portable layer's own
/// bounds (objects, references, type names, global data, the expansion budget) are in `PortableLimits`, which
/// holds these too.
public struct MessagePackLimits: Hashable, Sendable {
    /// Containers (arrays, maps, portable objects) open at once. Default 512. Raise it for trusted input as far
    /// as you like: no route overflows the stack whatever it is set to.
    ///
    /// - Routes that walk without building anything go to any depth with no stack per level: `skipValue`, the
    ///   frame scanners, the wire-order scan every portable decode starts with. Tested at 100,000 levels on a
    ///   512 KiB thread in a debug build.
    /// - Routes that build a dynamic value (`MessagePackValue(decoding:)`, `readValue`, the stream decoders'
    ///   `next()`, `PortableDecoder.decode(from:)` / `decodeMessage(from:)`, the non-`Decodable` `decode(_:from:)`)
    ///   also need no stack per level, but they stop at ``maxSafeDepth`` with `.limitExceeded` whatever this
    ///   allows: Swift frees a tree recursively, and a tree no deeper than that can be dropped on any thread. The
    ///   description, compact notation, `==`, hashing, re-encoding and conversions of both value types need no
    ///   stack per level at any depth (for trees you build yourself: end a very deep one with
    ///   `releaseIteratively()`).
    /// - The Codable and typed routes (`init(from:)` nests by the language's design), portable objects inside
    ///   portable objects and `PortableEncoder` take stack per level. They watch the thread's stack: where fewer
    ///   than 128 KiB of it remain they stop with `.limitExceeded` ("would overflow this thread's stack"), so on a
    ///   small stack they simply accept less depth.
    public var maxDepth: Int = 512

    /// The deepest nesting every route handles on every thread, and the deepest dynamic value the decoders
    /// build (see ``maxDepth``).
    ///
    /// The recursive routes take up to about 3.9 KiB of stack a level in a debug build (the Codable and the
    /// portable typed decoders; the portable re-encoder 2.9 KiB), so at 768 levels they use at most about 3 MiB
    /// of the 8 MiB the library's threads get on Linux (NIO's event loops, Dispatch's and Swift concurrency's
    /// threads). Swift's freeing of a dynamic value takes about 110 bytes a level: at 768 levels about 85 KiB,
    /// which fits a 512 KiB thread (a secondary thread on Apple platforms) too. On such a thread the recursive
    /// decoders stop earlier, once 128 KiB of the stack remain (about 80 levels of debug-build Codable
    /// decoding, far more in release). Measured by `Tests/PortableWireTests/Limits/StackDepthTests.swift`
    /// (`PWIRE_STACK_REPORT=1` prints each route's stack use per level).
    public static let maxSafeDepth = 768
    /// Bytes in one message. Default 64 MiB.
    public var maxMessageByteCount: Int = 64 << 20
    /// Bytes in one str, bin or ext payload. Default 64 MiB.
    public var maxPayloadByteCount: Int = 64 << 20
    /// Elements in one array or entries in one map. Default 16,777,216.
    public var maxElementCount: Int = 1 << 24
    /// The defaults.
    public init() {}

    /// The defaults, as a static for call sites that read better with a name.
    public static let `default` = MessagePackLimits()
}

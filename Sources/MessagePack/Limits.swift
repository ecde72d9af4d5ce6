// SPDX-License-Identifier: Apache-2.0

/// Bounds every decoder enforces, with safe defaults for untrusted input.
///
/// Exceeding one throws ``MessagePackError`` with code `.limitExceeded` naming the limit.
/// The defaults are normative: see Spec/format.md, "Limits"; peers enforce the same. The portable layer's own
/// bounds (objects, references, type names, global data, the expansion budget) are in `PortableLimits`, which
/// holds these too.
public struct MessagePackLimits: Hashable, Sendable {
    /// Containers (arrays, maps, portable objects) open at once. Default 512; keep it at most ``maxSafeDepth``
    /// unless every route your program takes is one of the iterative ones below.
    ///
    /// The dynamic routes keep the containers they are inside in an array on the heap and need no stack per
    /// level, at any depth: `MessagePackValue(decoding:)`, `readValue`, the stream decoders' `next()`,
    /// `PortableDecoder.decode(from:)` / `decodeMessage(from:)` of plain nesting (and the wire-order scan every
    /// portable decode starts with), `skipValue`, the frame scanner, and the description, compact notation,
    /// `==`, hashing, re-encoding (`encoded()`, `MessagePackWriter.write(_:)`) and conversions
    /// (`PortableValue(_:)`, `plainValue`, `unwrapped`) of both value types. Tested at 100,000 levels on a
    /// 512 KiB thread in a debug build.
    ///
    /// These still take stack per level: the Codable and typed routes (`init(from:)` nests by the language's
    /// design), portable objects inside portable objects (each object re-enters the walk from its own
    /// deserializer), `PortableEncoder` (the Codable encoder), and Swift's own freeing of a value tree (about
    /// 200 bytes a level in the runtime; end the life of a tree deeper than a few thousand levels with
    /// `releaseIteratively()`). All but the last also watch the thread's stack: where fewer than 128 KiB of it
    /// remain they stop with `.limitExceeded` ("would overflow this thread's stack") instead of crashing, so no
    /// `maxDepth` and no thread makes them overflow; on a small stack they simply accept less depth.
    public var maxDepth: Int = 512

    /// The largest ``maxDepth`` that is stack-safe everywhere: the deepest nesting that every route, the
    /// recursive ones included (Codable and typed decoding and encoding, portable objects, freeing a tree), handles
    /// on the stack the library's threads get on Linux (8 MiB: NIO's event loops, Dispatch's and Swift
    /// concurrency's threads), in debug builds too, with a quarter of the stack to spare.
    ///
    /// The recursive routes take up to about 3.9 KiB of stack a level in a debug build (the Codable and the
    /// portable typed decoders; the portable re-encoder 2.9 KiB), so at 768 levels they use at most about 3 MiB.
    /// On a 512 KiB thread (a secondary thread on Apple platforms) only the iterative routes listed under
    /// ``maxDepth`` reach this depth (at any depth, in fact); the recursive ones stop there with `.limitExceeded`
    /// naming the stack once 128 KiB of it remain (about 80 levels of debug-build Codable decoding, far more in
    /// release); decode there dynamically, or on a thread with a larger stack. Measured by
    /// `Tests/PortableWireTests/Limits/StackDepthTests.swift` (`PWIRE_STACK_REPORT=1` prints each route's stack
    /// use per level), which runs every route at this depth on 8 MiB and the iterative ones at the default depth
    /// and at 100,000 levels on 512 KiB.
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

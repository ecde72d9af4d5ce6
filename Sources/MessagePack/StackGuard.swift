// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps the routes that nest on the thread's stack from overflowing it, whatever `maxDepth` a caller sets and
/// whatever thread they run on.
///
/// The Codable and typed coders recurse (`init(from:)` and `encode(to:)` nest by the language's design), and so
/// do portable objects inside portable objects. `maxDepth` bounds them, but the stack a level takes depends on
/// the build (about 4 KiB in debug, a few hundred bytes in release) and the stack a thread has depends on who
/// made it (8 MiB for the main thread, NIO's event loops and Swift concurrency's threads on Linux; 512 KiB for a
/// secondary thread on Apple platforms; anything for a thread a caller creates). So every eighth level those
/// routes also ask this guard whether ``reserve`` bytes of the thread's stack are still free below the caller,
/// and stop with `limitExceeded` (naming the stack, with the depth, offset and path) when they are not.
///
/// The Codable coders read the thread's limit once per call (``threadLimit()``: the stack bounds are read once
/// per thread and kept in a `pthread` key) and compare an address with it at every level (``hasRoom(above:)``),
/// which also covers portable objects, whose depth can step by more than one. The typed reader and writer,
/// which have no per-call object to keep it in, check every eighth level (``mayNest(depth:)``).
@usableFromInline
package enum _StackGuard {
    /// Bytes of the thread's stack that must be free below the current frame for a recursive route to nest
    /// further: room for the eight levels until the next check at the deepest route's cost (about 4.6 KiB a
    /// level in a debug build: portable typed decoding), plus the caller's own code and building the error.
    /// On a thread whose whole stack is smaller than twice this, half of it is kept free instead.
    package static let reserve = 128 * 1024

    /// Whether a recursive route at `depth` may open one more level: true except every eighth level, where
    /// the thread's remaining stack is checked.
    @inlinable @inline(__always)
    package static func mayNest(depth: Int) -> Bool {
        depth & 7 != 7 || _hasRoom()
    }

    /// Whether more than ``reserve`` bytes of this thread's stack are free below the caller's frame.
    @inline(never) @usableFromInline
    package static func _hasRoom() -> Bool { hasRoom(above: threadLimit()) }

    /// Whether the caller's frame lies above `limit` (a ``threadLimit()`` of the current thread).
    @inlinable @inline(__always)
    package static func hasRoom(above limit: UInt) -> Bool {
        var marker: UInt8 = 0
        return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) } > limit
    }

    /// The lowest address this thread's frames may reach before a recursive route must stop (the bottom of its
    /// stack plus the reserve), or 1 when the bounds cannot be read (then nothing is refused).
    package static func threadLimit() -> UInt {
        if let stored = pthread_getspecific(_key) { return UInt(bitPattern: stored) }
        let limit = max(_computeLimit(), 1)
        pthread_setspecific(_key, UnsafeRawPointer(bitPattern: limit))
        return limit
    }

    private static let _key: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
        return key
    }()

    #if !canImport(Darwin)
    /// `pthread_getattr_np`, a GNU extension that the Glibc module does not import (it needs `_GNU_SOURCE`), looked
    /// up in the C library itself; Musl has it too.
    private static let _getattr: (@convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_getattr_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32).self)
    }()
    #endif

    private static func _computeLimit() -> UInt {
        #if canImport(Darwin)
        let top = UInt(bitPattern: pthread_get_stackaddr_np(pthread_self()))
        let size = UInt(pthread_get_stacksize_np(pthread_self()))
        guard size > 0, top > size else { return 1 }
        let low = top - size
        #else
        // Allocated rather than `pthread_attr_t()`, so nothing depends on how the C struct is imported.
        let attributes = UnsafeMutablePointer<pthread_attr_t>.allocate(capacity: 1)
        defer { attributes.deallocate() }
        // For the main thread glibc derives the bounds from /proc/self/maps and the stack rlimit; once per thread.
        guard let getattr = _getattr, getattr(pthread_self(), attributes) == 0 else { return 1 }
        defer { pthread_attr_destroy(attributes) }
        var address: UnsafeMutableRawPointer?
        var byteCount = 0
        guard pthread_attr_getstack(attributes, &address, &byteCount) == 0, let address, byteCount > 0 else {
            return 1
        }
        let low = UInt(bitPattern: address)
        let size = UInt(byteCount)
        #endif
        return low + min(UInt(reserve), size / 2)
    }
}

extension MessagePackError {
    /// The error for a recursive route that stopped because the thread's stack is nearly used up.
    @inline(never) @usableFromInline
    package static func stackExhausted(depth: Int, at offset: Int) -> MessagePackError {
        MessagePackError(
            .limitExceeded, at: offset,
            "nesting deeper than \(depth) levels would overflow this thread's stack",
            hint: "decode or encode deeply nested values on a thread with a larger stack (Thread.stackSize), "
                + "use the dynamic routes (MessagePackValue, PortableValue), which need no stack per level, "
                + "or lower maxDepth")
    }
}

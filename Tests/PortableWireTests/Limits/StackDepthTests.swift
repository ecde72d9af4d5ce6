// SPDX-License-Identifier: Apache-2.0
// Issue 13: every route is stack-safe at the largest maxDepth a caller may set (MessagePackLimits.maxSafeDepth),
// on the stack the library's threads get on Linux (8 MiB), in the debug and the release test jobs alike.
// Measured in debug (PWIRE_STACK_REPORT=1): one-shot decode 6,656 bytes a level, portable decode 4,592,
// Codable 3,708, skip none; so the recursive routes do not fit a 512 KiB thread at the default depth.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import PortableWire
import TestSupport
import Testing

/// A recursive Codable model: an array of itself, so nested arrays decode into it at any depth.
struct NestedArrays: Codable, Equatable {
    var children: [NestedArrays]
    init(children: [NestedArrays]) { self.children = children }
    init(from decoder: any Decoder) throws { children = try decoder.singleValueContainer().decode([NestedArrays].self) }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(children)
    }
}

/// `depth` arrays nested in each other (the innermost empty): `91 91 … 90`.
func deepArrays(_ depth: Int) -> [UInt8] { [UInt8](repeating: 0x91, count: depth - 1) + [0x90] }
/// `depth` maps nested in each other through key 0: `81 00 81 00 … 80`.
func deepMaps(_ depth: Int) -> [UInt8] { Array([[UInt8]](repeating: [0x81, 0x00], count: depth - 1).joined()) + [0x80] }

/// Runs `body` on a new thread whose stack is `byteCount` bytes and returns how many of them it used, by
/// filling the stack with a pattern first and finding the deepest byte that changed.
func stackBytesUsed(stackByteCount byteCount: Int, _ body: @escaping () -> Void) -> Int {
    final class Job { let body: () -> Void; init(_ body: @escaping () -> Void) { self.body = body } }
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    var memory: UnsafeMutableRawPointer?
    precondition(posix_memalign(&memory, page, byteCount) == 0)
    let stack = memory!
    defer { free(stack) }
    memset(stack, 0xa5, byteCount)
    // Allocated rather than `pthread_attr_t()`, whose zero initializer lives in a module not imported here.
    let attributes = UnsafeMutablePointer<pthread_attr_t>.allocate(capacity: 1)
    pthread_attr_init(attributes)
    defer {
        pthread_attr_destroy(attributes)
        attributes.deallocate()
    }
    pthread_attr_setstack(attributes, stack, byteCount)
    let job = Unmanaged.passRetained(Job(body))
    var thread = pthread_t()
    let status = pthread_create(&thread, attributes, { raw in
        let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
        job.body()
        return nil
    }, job.toOpaque())
    precondition(status == 0, "pthread_create failed: \(status)")
    pthread_join(thread, nil)
    // The stack grows down: the first byte from the bottom that is no longer the pattern is the deepest used.
    let bytes = stack.assumingMemoryBound(to: UInt8.self)
    var lowest = 0
    while lowest < byteCount && bytes[lowest] == 0xa5 { lowest += 1 }
    return byteCount - lowest
}

/// Runs `body` on a thread with a stack of `byteCount` bytes (guard page included), as a secondary thread
/// would have; a stack overflow crashes the process.
func runOnThread(stackByteCount byteCount: Int, _ body: @escaping () -> Void) {
    final class Job { let body: () -> Void; init(_ body: @escaping () -> Void) { self.body = body } }
    let attributes = UnsafeMutablePointer<pthread_attr_t>.allocate(capacity: 1)
    pthread_attr_init(attributes)
    defer {
        pthread_attr_destroy(attributes)
        attributes.deallocate()
    }
    pthread_attr_setstacksize(attributes, byteCount)
    let job = Unmanaged.passRetained(Job(body))
    var thread = pthread_t()
    let status = pthread_create(&thread, attributes, { raw in
        let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
        job.body()
        return nil
    }, job.toOpaque())
    precondition(status == 0, "pthread_create failed: \(status)")
    pthread_join(thread, nil)
}

/// One way through the library that recurses with the nesting of its input.
struct DepthRoute: CustomStringConvertible, Sendable {
    var description: String
    /// Runs the route on input nested `depth` levels deep (limits allowing it); throws when the route fails.
    var run: @Sendable (_ depth: Int) throws -> Void
}

enum DepthRoutes {
    static func limits(_ depth: Int) -> MessagePackLimits {
        var limits = MessagePackLimits()
        limits.maxDepth = depth
        return limits
    }

    static func plainValue(_ depth: Int) throws -> MessagePackValue {
        try MessagePackValue(decoding: deepArrays(depth), limits: limits(depth))
    }

    static func portableDecoder(_ depth: Int) -> PortableDecoder {
        var decoder = PortableDecoder(registry: TypeRegistry())
        decoder.limits = limits(depth)
        return decoder
    }

    static func nested(_ depth: Int) -> NestedArrays {
        var value = NestedArrays(children: [])
        for _ in 1..<depth { value = NestedArrays(children: [value]) }
        return value
    }

    static let all: [DepthRoute] = [
        DepthRoute(description: "one-shot decode of arrays") { depth in _ = try plainValue(depth) },
        DepthRoute(description: "one-shot decode of maps") { depth in
            _ = try MessagePackValue(decoding: deepMaps(depth), limits: limits(depth))
        },
        // The typed decoders count the model and its array as two levels: the deepest input they accept
        // under maxDepth = depth is depth / 2 arrays.
        DepthRoute(description: "Codable decode") { depth in
            var decoder = MessagePackDecoder()
            decoder.limits = limits(depth)
            _ = try decoder.decode(NestedArrays.self, from: deepArrays(depth / 2))
        },
        DepthRoute(description: "Codable encode") { depth in
            var encoder = MessagePackEncoder()
            encoder.maxDepth = depth
            _ = try encoder.encode(nested(depth))
        },
        DepthRoute(description: "portable decode, dynamic") { depth in
            _ = try portableDecoder(depth).decode(from: deepArrays(depth))
        },
        DepthRoute(description: "portable decode, typed") { depth in
            _ = try portableDecoder(depth).decode(NestedArrays.self, from: deepArrays(depth / 2))
        },
        DepthRoute(description: "portable re-encode") { depth in
            let value = try portableDecoder(depth).decode(from: deepArrays(depth))
            var encoder = PortableEncoder(registry: TypeRegistry())
            encoder.maxDepth = depth
            _ = try encoder.encode(value)
        },
        DepthRoute(description: "skip") { depth in
            try deepArrays(depth).withUnsafeBytes { raw in
                var reader = MessagePackReader(raw, limits: limits(depth))
                try reader.skipValue()
            }
        },
        DepthRoute(description: "plain description") { depth in _ = try plainValue(depth).description },
        DepthRoute(description: "portable description") { depth in
            _ = try portableDecoder(depth).decode(from: deepArrays(depth)).description
        },
        DepthRoute(description: "conversion plain to portable and back") { depth in
            _ = PortableValue(try plainValue(depth)).plainValue
        },
        DepthRoute(description: "plain re-encode") { depth in _ = try plainValue(depth).encoded() },
        DepthRoute(description: "plain equality") { depth in
            let a = try plainValue(depth)
            let b = try plainValue(depth)
            guard a == b else { throw MessagePackError(.typeMismatch, at: -1, "equal values compared unequal") }
        },
        DepthRoute(description: "streaming decode") { depth in
            var decoder = MessagePackStreamDecoder(limits: limits(depth))
            decoder.feed(deepArrays(depth))
            _ = try decoder.next()
        },
    ]
}

@Suite struct StackDepthTests {
    /// The stack that the library's threads get on Linux: NIO's event loops, Dispatch's and Swift
    /// concurrency's threads all take the pthread default, 8 MiB (`ulimit -s` 8192).
    static let threadStack = 8 << 20
    /// A secondary thread's stack elsewhere (Apple platforms), which only the iterative routes fit at the cap.
    static let secondaryThreadStack = 512 << 10

    @Test func theDefaultDepthIsWithinTheSafeCap() {
        #expect(MessagePackLimits.default.maxDepth <= MessagePackLimits.maxSafeDepth)
    }

    /// Each route, at the cap: it must finish and leave at least a quarter of an 8 MiB stack unused,
    /// measured by painting the stack; then it runs for real on an 8 MiB thread with a guard page.
    @Test(arguments: DepthRoutes.all)
    func routeIsStackSafeAtTheCap(_ route: DepthRoute) throws {
        let cap = MessagePackLimits.maxSafeDepth
        final class Outcome: @unchecked Sendable { var error: (any Error)? }
        let outcome = Outcome()
        let used = stackBytesUsed(stackByteCount: 2 * Self.threadStack) {
            do { try route.run(cap) } catch { outcome.error = error }
        }
        #expect(outcome.error == nil, "\(route) failed at depth \(cap): \(String(describing: outcome.error))")
        #expect(used < Self.threadStack * 3 / 4, "\(route) used \(used) bytes of stack at depth \(cap)")
        runOnThread(stackByteCount: Self.threadStack) {
            do { try route.run(cap) } catch { outcome.error = error }
        }
        #expect(outcome.error == nil)
    }

    /// The iterative routes (skipping, frame scanning) need no stack per level: at the cap they fit even a
    /// 512 KiB thread.
    @Test func iterativeRoutesFitASecondaryThreadAtTheCap() throws {
        let cap = MessagePackLimits.maxSafeDepth
        let input = deepArrays(cap)
        final class Outcome: @unchecked Sendable { var skipped = false; var framed: Int? }
        let outcome = Outcome()
        let used = stackBytesUsed(stackByteCount: Self.secondaryThreadStack) {
            input.withUnsafeBytes { raw in
                var reader = MessagePackReader(raw, limits: DepthRoutes.limits(cap))
                outcome.skipped = (try? reader.skipValue()) != nil
                var scanner = MessagePackFrameScanner(limits: DepthRoutes.limits(cap))
                outcome.framed = try? scanner.scan(raw)
            }
        }
        #expect(outcome.skipped)
        #expect(outcome.framed == input.count)
        #expect(used < 64 << 10, "skipping and scanning used \(used) bytes of stack")
    }

    /// Prints each route's stack use per level (for the figures in Limits.swift): `PWIRE_STACK_REPORT=1`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PWIRE_STACK_REPORT"] != nil), arguments: DepthRoutes.all)
    func reportStackUsePerLevel(_ route: DepthRoute) {
        let low = stackBytesUsed(stackByteCount: 64 << 20) { try? route.run(100) }
        let high = stackBytesUsed(stackByteCount: 64 << 20) { try? route.run(300) }
        print("[stack] \(route): \(low) bytes at depth 100, \(high) at 300, \((high - low) / 200) bytes a level")
    }

    // Setting maxDepth above the cap is allowed (trusted input on large stacks); pwire and the example service
    // refuse it as a usage error (their tests).
    @Test func theCapIsASettableDepth() {
        var limits = MessagePackLimits()
        limits.maxDepth = MessagePackLimits.maxSafeDepth
        #expect(limits.maxDepth == MessagePackLimits.maxSafeDepth)
    }
}

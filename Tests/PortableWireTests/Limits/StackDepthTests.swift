// SPDX-License-Identifier: Apache-2.0
// Issue 13: every route is stack-safe at MessagePackLimits.maxSafeDepth on the stack the library's threads get
// on Linux (8 MiB), in the debug and the release test jobs alike; and the iterative routes need no stack per
// level at all: they run at 100,000 levels on a 512 KiB thread, where the ones that build a dynamic value stop
// cleanly at maxSafeDepth (the deepest tree Swift can free on any thread). Measured in debug (PWIRE_STACK_REPORT=1): the Codable routes recurse (Codable decode about 3.7 KiB a
// level, the portable typed decode about 4.6 KiB), the dynamic ones take 0 bytes a level.
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
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    var memory: UnsafeMutableRawPointer?
    precondition(posix_memalign(&memory, page, byteCount) == 0)
    let stack = memory!
    defer { free(stack) }
    memset(stack, 0xa5, byteCount)
    joinThread({ pthread_attr_setstack($0, stack, byteCount) }, body)
    // The stack grows down: the first byte from the bottom that is no longer the pattern is the deepest used.
    let bytes = stack.assumingMemoryBound(to: UInt8.self)
    var lowest = 0
    while lowest < byteCount && bytes[lowest] == 0xa5 { lowest += 1 }
    return byteCount - lowest
}

/// Runs `body` on a thread with a stack of `byteCount` bytes (guard page included), as a secondary thread
/// would have; a stack overflow crashes the process.
func runOnThread(stackByteCount byteCount: Int, _ body: @escaping () -> Void) {
    joinThread({ pthread_attr_setstacksize($0, byteCount) }, body)
}

/// Runs `body` on a new thread whose stack `setStack` describes in its attributes, and waits for it to end.
private func joinThread(_ setStack: (UnsafeMutablePointer<pthread_attr_t>) -> Void, _ body: @escaping () -> Void) {
    final class Job { let body: () -> Void; init(_ body: @escaping () -> Void) { self.body = body } }
    // Allocated rather than `pthread_attr_t()`, whose zero initializer lives in a module not imported here.
    let attributes = UnsafeMutablePointer<pthread_attr_t>.allocate(capacity: 1)
    pthread_attr_init(attributes)
    defer {
        pthread_attr_destroy(attributes)
        attributes.deallocate()
    }
    setStack(attributes)
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

/// One way through the library that walks the nesting of its input.
struct DepthRoute: CustomStringConvertible, Sendable {
    var description: String
    /// Whether the route keeps its open containers on the heap (no stack per level); the others recurse.
    var isIterative = true
    /// Runs the route on input nested `depth` levels deep (limits allowing it); throws when the route fails.
    var run: @Sendable (_ depth: Int) throws -> Void
}

enum DepthRoutes {
    static func limits(_ depth: Int) -> MessagePackLimits {
        var limits = MessagePackLimits()
        limits.maxDepth = depth
        return limits
    }

    /// `depth` nested arrays as a value: decoded when the decoders build a tree that deep (up to
    /// `maxSafeDepth`), built by this code when deeper (the routes that take a value must handle any depth).
    static func plainValue(_ depth: Int) throws -> MessagePackValue {
        guard depth > MessagePackLimits.maxSafeDepth else {
            return try MessagePackValue(decoding: deepArrays(depth), limits: limits(depth))
        }
        var value: MessagePackValue = []
        for _ in 1..<depth { value = [value] }
        return value
    }

    /// The same as a portable value.
    static func portableValue(_ depth: Int) throws -> PortableValue {
        guard depth > MessagePackLimits.maxSafeDepth else { return try portableDecoder(depth).decode(from: deepArrays(depth)) }
        var value = PortableValue.array([])
        for _ in 1..<depth { value = .array([value]) }
        return value
    }

    /// Runs a route that decodes a dynamic value from input `depth` levels deep (maxDepth allowing it): up to
    /// `maxSafeDepth` it must succeed; deeper, the decoder must refuse to build the tree, with `limitExceeded`
    /// naming `maxSafeDepth` at the container that would open past it (`bytesPerLevel` bytes a level).
    static func decodingTree(_ depth: Int, bytesPerLevel: Int = 1, _ body: () throws -> Void) throws {
        let cap = MessagePackLimits.maxSafeDepth
        guard depth > cap else { return try body() }
        do {
            try body()
        } catch let error as MessagePackError
            where error.code == .limitExceeded && error.byteOffset == cap * bytesPerLevel
            && error.description.contains("MessagePackLimits.maxSafeDepth")
        {
            return
        }
        throw mismatch("a tree deeper than maxSafeDepth")
    }

    static func portableDecoder(_ depth: Int) -> PortableDecoder {
        var decoder = PortableDecoder(registry: TypeRegistry())
        decoder.limits = PortableLimits(limits(depth))
        return decoder
    }

    static func nested(_ depth: Int) -> NestedArrays {
        var value = NestedArrays(children: [])
        for _ in 1..<depth { value = NestedArrays(children: [value]) }
        return value
    }

    static let all: [DepthRoute] = [
        // The iterative routes end the life of the deep values they make with `releaseIteratively()`: Swift's own
        // freeing of nested arrays recurses (the last route here measures it).
        DepthRoute(description: "one-shot decode of arrays") { depth in
            try decodingTree(depth) {
                try MessagePackValue(decoding: deepArrays(depth), limits: limits(depth)).releaseIteratively()
            }
        },
        DepthRoute(description: "one-shot decode of maps") { depth in
            try decodingTree(depth, bytesPerLevel: 2) {
                try MessagePackValue(decoding: deepMaps(depth), limits: limits(depth)).releaseIteratively()
            }
        },
        // The typed decoders count the model and its array as two levels: the deepest input they accept
        // under maxDepth = depth is depth / 2 arrays.
        DepthRoute(description: "Codable decode", isIterative: false) { depth in
            var decoder = MessagePackDecoder()
            decoder.limits = limits(depth)
            _ = try decoder.decode(NestedArrays.self, from: deepArrays(depth / 2))
        },
        DepthRoute(description: "Codable encode", isIterative: false) { depth in
            var encoder = MessagePackEncoder()
            encoder.maxDepth = depth
            _ = try encoder.encode(nested(depth))
        },
        DepthRoute(description: "portable decode, dynamic") { depth in
            try decodingTree(depth) { try portableDecoder(depth).decode(from: deepArrays(depth)).releaseIteratively() }
        },
        DepthRoute(description: "portable decode, typed", isIterative: false) { depth in
            _ = try portableDecoder(depth).decode(NestedArrays.self, from: deepArrays(depth / 2))
        },
        DepthRoute(description: "portable re-encode", isIterative: false) { depth in
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
        DepthRoute(description: "plain description") { depth in
            let value = try plainValue(depth)
            guard value.description.utf8.count == 2 * depth else { throw mismatch("description") }
            (consume value).releaseIteratively()
        },
        DepthRoute(description: "portable description") { depth in
            let value = try portableValue(depth)
            guard value.description.utf8.count == 2 * depth else { throw mismatch("description") }
            (consume value).releaseIteratively()
        },
        DepthRoute(description: "conversion plain to portable and back") { depth in
            let plain = try plainValue(depth)
            let portable = PortableValue(plain)
            guard let back = portable.plainValue, back == plain else { throw mismatch("conversion") }
            (consume back).releaseIteratively()
            (consume portable).releaseIteratively()
            (consume plain).releaseIteratively()
        },
        DepthRoute(description: "plain re-encode") { depth in
            let value = try plainValue(depth)
            guard value.encoded() == deepArrays(depth) else { throw mismatch("re-encoding") }
            (consume value).releaseIteratively()
        },
        DepthRoute(description: "plain equality") { depth in
            let a = try plainValue(depth)
            let b = try plainValue(depth)
            guard a == b else { throw mismatch("equality") }
            // One more level makes them differ, at the bottom.
            let c = try plainValue(depth + 1)
            guard a != c else { throw mismatch("inequality") }
            (consume a).releaseIteratively()
            (consume b).releaseIteratively()
            (consume c).releaseIteratively()
        },
        DepthRoute(description: "streaming decode") { depth in
            try decodingTree(depth) {
                var decoder = MessagePackStreamDecoder(limits: limits(depth))
                decoder.feed(deepArrays(depth))
                guard let value = try decoder.next() else { throw mismatch("no message") }
                (consume value).releaseIteratively()
            }
        },
        DepthRoute(description: "portable decode of maps, dynamic") { depth in
            try decodingTree(depth, bytesPerLevel: 2) {
                try portableDecoder(depth).decode(from: deepMaps(depth)).releaseIteratively()
            }
        },
        DepthRoute(description: "portable streaming decode, dynamic") { depth in
            try decodingTree(depth) {
                var decoder = PortableStreamDecoder(registry: TypeRegistry(), limits: PortableLimits(limits(depth)))
                decoder.feed(deepArrays(depth))
                guard let value = try decoder.nextValue() else { throw mismatch("no message") }
                (consume value).releaseIteratively()
            }
        },
        DepthRoute(description: "plain hashing") { depth in
            let value = try plainValue(depth)
            var hasher = Hasher()
            value.hash(into: &hasher)
            _ = hasher.finalize()
            (consume value).releaseIteratively()
        },
        DepthRoute(description: "portable equality") { depth in
            let a = try portableValue(depth)
            let b = try portableValue(depth)
            guard a == b else { throw mismatch("equality") }
            (consume a).releaseIteratively()
            (consume b).releaseIteratively()
        },
        DepthRoute(description: "plain compact notation (error paths)") { depth in
            let value = try plainValue(depth)
            _ = value.compactNotation
            (consume value).releaseIteratively()
        },
        DepthRoute(description: "portable index scan of nested maps, then a typed decode that stops at the top") {
            depth in
            // The scan walks the whole message before any type reads it; the receiver reads only the top map.
            struct Top: Decodable {}
            _ = try portableDecoder(depth).decode(Top.self, from: deepMaps(depth))
        },
        DepthRoute(description: "error path of a fault at the bottom") { depth in
            // The innermost array claims one element that is not there: truncated, with a path `depth` levels long.
            var bytes = deepArrays(depth)
            bytes[bytes.count - 1] = 0x91
            try decodingTree(depth) {
                do {
                    _ = try MessagePackValue(decoding: bytes, limits: limits(depth))
                } catch let error as MessagePackError where error.code == .truncated && error.path.segments.count == depth - 1 {
                    _ = error.description
                    return
                }
                throw MessagePackError(.typeMismatch, at: -1, "expected truncated with a \(depth - 1)-segment path")
            }
        },
        DepthRoute(description: "portable error path of a fault at the bottom") { depth in
            var bytes = deepArrays(depth)
            bytes[bytes.count - 1] = 0xc1
            do {
                _ = try portableDecoder(depth).decode(from: bytes)
            } catch let error as MessagePackError where error.code == .invalidFormatByte && error.path.segments.count == depth - 1 {
                _ = error.description
                return
            }
            throw MessagePackError(.typeMismatch, at: -1, "expected invalidFormatByte with a \(depth - 1)-segment path")
        },
        // These walk iteratively but end by freeing a tree the Swift way, which recurses: no decoder builds one
        // deeper than the cap, and at the cap it fits a 512 KiB thread (`aTreeAtTheCapIsFreedTheSwiftWay…`).
        DepthRoute(description: "portable decode into Swift values (decode of a non-Decodable type)", isIterative: false) { depth in
            _ = try portableDecoder(depth).decode([Any].self, from: deepArrays(depth))
        },
        DepthRoute(description: "Swift's own freeing of a decoded tree", isIterative: false) { depth in
            _ = try plainValue(depth)
        },
    ]

    static func mismatch(_ what: String) -> MessagePackError {
        MessagePackError(.typeMismatch, at: -1, "\(what) gave a wrong result")
    }
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

    /// The dynamic routes keep their open containers on the heap: at the default depth limit they fit a 512 KiB
    /// thread (a secondary thread's stack) with most of it to spare.
    @Test(arguments: DepthRoutes.all.filter(\.isIterative))
    func iterativeRouteFitsASecondaryThreadAtTheDefaultDepth(_ route: DepthRoute) throws {
        try expectFitsASecondaryThread(route, depth: MessagePackLimits.default.maxDepth)
    }

    /// And at any depth a caller may allow: 100,000 levels (maxDepth raised to match) on a 512 KiB thread, in a
    /// debug build. A route that recursed would need hundreds of megabytes of stack here.
    @Test(arguments: DepthRoutes.all.filter(\.isIterative))
    func iterativeRouteFitsASecondaryThreadAtAHundredThousandLevels(_ route: DepthRoute) throws {
        try expectFitsASecondaryThread(route, depth: 100_000)
    }

    func expectFitsASecondaryThread(_ route: DepthRoute, depth: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        final class Outcome: @unchecked Sendable { var error: (any Error)? }
        let outcome = Outcome()
        let used = stackBytesUsed(stackByteCount: Self.secondaryThreadStack) {
            do { try route.run(depth) } catch { outcome.error = error }
        }
        #expect(outcome.error == nil, "\(route) failed at depth \(depth): \(String(describing: outcome.error))", sourceLocation: sourceLocation)
        #expect(used < Self.secondaryThreadStack / 2, "\(route) used \(used) bytes of stack at depth \(depth)", sourceLocation: sourceLocation)
        // For real, with a guard page below the stack: an overflow would crash the test run.
        runOnThread(stackByteCount: Self.secondaryThreadStack) {
            do { try route.run(depth) } catch { outcome.error = error }
        }
        #expect(outcome.error == nil, sourceLocation: sourceLocation)
    }

    /// Swift frees a tree recursively, so the decoders build none deeper than `maxSafeDepth`, whatever maxDepth
    /// allows: a tree they return can then be dropped the Swift way (no `releaseIteratively()`) on the smallest
    /// stack the library runs on, with room to spare.
    @Test func aTreeAtTheCapIsFreedTheSwiftWayOnASecondaryThread() throws {
        let cap = MessagePackLimits.maxSafeDepth
        final class Outcome: @unchecked Sendable { var error: (any Error)? }
        let outcome = Outcome()
        let drops: [@Sendable () throws -> Void] = [
            { _ = try MessagePackValue(decoding: deepArrays(cap), limits: DepthRoutes.limits(100_000)) },
            { _ = try MessagePackValue(decoding: deepMaps(cap), limits: DepthRoutes.limits(100_000)) },
            { _ = try DepthRoutes.portableDecoder(100_000).decode(from: deepArrays(cap)) },
            { _ = try DepthRoutes.portableDecoder(100_000).decode([Any].self, from: deepArrays(cap)) },
        ]
        for drop in drops {
            let used = stackBytesUsed(stackByteCount: Self.secondaryThreadStack) {
                do { try drop() } catch { outcome.error = error }
            }
            #expect(outcome.error == nil, "\(String(describing: outcome.error))")
            #expect(used < Self.secondaryThreadStack / 2, "dropping a tree of \(cap) levels used \(used) bytes of stack")
            runOnThread(stackByteCount: Self.secondaryThreadStack) {
                do { try drop() } catch { outcome.error = error }
            }
            #expect(outcome.error == nil)
        }
        // One level more is refused, with the ceiling named, however high maxDepth is.
        let error = #expect(throws: MessagePackError.self) {
            try MessagePackValue(decoding: deepArrays(cap + 1), limits: DepthRoutes.limits(100_000))
        }
        #expect(error?.code == .limitExceeded)
        #expect(error?.byteOffset == cap)
        #expect(error?.description.contains("MessagePackLimits.maxSafeDepth") == true)
        // Under a lower maxDepth, maxDepth is the limit named.
        let lower = #expect(throws: MessagePackError.self) {
            try MessagePackValue(decoding: deepArrays(cap + 1), limits: DepthRoutes.limits(cap - 1))
        }
        #expect(lower?.byteOffset == cap - 1)
        #expect(lower?.description.contains("maxDepth = \(cap - 1)") == true)
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

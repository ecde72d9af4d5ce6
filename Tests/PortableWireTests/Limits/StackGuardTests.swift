// SPDX-License-Identifier: Apache-2.0
// Issue 13: the routes that recurse (Codable and typed coders, portable objects inside portable objects) stop
// with `limitExceeded` naming the stack instead of overflowing it, whatever maxDepth a caller sets, on a 512 KiB
// thread in a debug build (the largest frames). StackDepthTests covers the iterative routes and the 8 MiB cap.
import Foundation
import MessagePack
import PortableWire
import TestSupport
import Testing

/// A recursive model for the typed fast path: an array of itself.
struct TypedNest: MessagePackDecodable, MessagePackEncodable {
    var children: [TypedNest]
    init(from reader: inout MessagePackReader) throws(MessagePackError) { children = try reader.decode([TypedNest].self) }
    func encode(to writer: inout MessagePackWriter) { writer.encode(children) }
}

/// A class that can point at itself: encoding a cycle of it through `Codable` recurses until a limit stops it.
final class CodableLoop: Encodable {
    var next: CodableLoop?
}

/// The same through the typed fast path.
final class TypedLoop: MessagePackEncodable {
    var next: TypedLoop?
    func encode(to writer: inout MessagePackWriter) {
        writer.writeMapHeader(count: 1)
        writer.writeKey("next")
        if let next { writer.encode(next) } else { writer.writeNil() }
    }
}

/// A registered portable class whose field holds another of its kind.
final class ChainNode: Portable, Codable {
    static let portableName = "test.ChainNode"
    var next: ChainNode?
}

/// `links` portable objects nested through their `next` field: `P("test.ChainNode", {"next": P(0, {"next": …})})`.
func nestedChain(links: Int) -> [UInt8] {
    func ext(_ payload: [UInt8]) -> [UInt8] {
        let n = payload.count
        let header: [UInt8] =
            n < 256 ? [0xc7, UInt8(n)]
            : n < 65536 ? [0xc8, UInt8(n >> 8), UInt8(n & 0xff)]
            : [0xc9, UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)]
        return header + [0x50] + payload
    }
    let field: [UInt8] = [0x81, 0xa4] + Array("next".utf8)
    var inner: [UInt8] = [0xc0]
    for link in (0..<links).reversed() {
        let name: [UInt8] = link == 0 ? [UInt8(0xa0 | ChainNode.portableName.utf8.count)] + Array(ChainNode.portableName.utf8) : [0x00]
        inner = ext(name + field + inner)
    }
    return inner
}

@Suite struct StackGuardTests {
    static let secondaryThreadStack = 512 << 10
    static let depth = 100_000

    static func limits() -> MessagePackLimits {
        var limits = MessagePackLimits()
        limits.maxDepth = depth
        return limits
    }

    static func registry() throws -> TypeRegistry {
        var registry = TypeRegistry()
        try registry.register(ChainNode.self)
        return registry
    }

    /// Runs `body` on a 512 KiB thread (with a guard page: an overflow would crash the test run) and returns the
    /// error it threw; then again on a painted stack of the same size to measure what it used.
    static func stopsOnASmallStack(_ body: @escaping @Sendable () throws -> Void) -> (MessagePackError?, used: Int) {
        final class Outcome: @unchecked Sendable { var error: MessagePackError?; var succeeded = false }
        let outcome = Outcome()
        runOnThread(stackByteCount: secondaryThreadStack) {
            outcome.error = messagePackError { try body() }
        }
        let used = stackBytesUsed(stackByteCount: secondaryThreadStack) { _ = messagePackError { try body() } }
        return (outcome.error, used)
    }

    static func expectStackStop(_ route: String, _ body: @escaping @Sendable () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
        let (error, used) = stopsOnASmallStack(body)
        guard let error else {
            Issue.record("\(route): expected limitExceeded naming the stack, but it succeeded", sourceLocation: sourceLocation)
            return
        }
        #expect(error.code == .limitExceeded, "\(route): \(error)", sourceLocation: sourceLocation)
        #expect(error.detail.contains("overflow this thread's stack"), "\(route): \(error)", sourceLocation: sourceLocation)
        #expect(error.hint?.contains("larger stack") == true, "\(route): \(error)", sourceLocation: sourceLocation)
        // It stopped with the reserve still free (the guard keeps 128 KiB; the last levels and the error use some).
        #expect(used < secondaryThreadStack - 32 << 10, "\(route) used \(used) bytes of stack", sourceLocation: sourceLocation)
    }

    @Test func codableDecodeStops() {
        Self.expectStackStop("Codable decode") {
            var decoder = MessagePackDecoder()
            decoder.limits = Self.limits()
            _ = try decoder.decode(NestedArrays.self, from: deepArrays(Self.depth / 2))
        }
    }

    @Test func portableTypedDecodeStops() {
        Self.expectStackStop("portable typed decode") {
            var decoder = PortableDecoder(registry: TypeRegistry())
            decoder.limits = PortableLimits(Self.limits())
            _ = try decoder.decode(NestedArrays.self, from: deepArrays(Self.depth / 2))
        }
    }

    @Test func typedDecodeStops() {
        Self.expectStackStop("typed decode") {
            _ = try TypedNest(messagePack: deepArrays(Self.depth / 2), limits: Self.limits())
        }
    }

    @Test func nestedPortableObjectsStop() throws {
        let bytes = nestedChain(links: Self.depth / 2)
        let registry = try Self.registry()
        Self.expectStackStop("portable objects inside portable objects") {
            var decoder = PortableDecoder(registry: registry)
            decoder.limits = PortableLimits(Self.limits())
            _ = try decoder.decode(ChainNode.self, from: bytes)
        }
    }

    /// The same chain, short, decodes: the guard stops only what the stack cannot hold.
    @Test func aShortChainDecodesOnTheSmallStack() throws {
        let bytes = nestedChain(links: 20)
        let registry = try Self.registry()
        let (error, _) = Self.stopsOnASmallStack {
            var node = try PortableDecoder(registry: registry).decode(ChainNode.self, from: bytes)
            var links = 1
            while let next = node.next {
                node = next
                links += 1
            }
            guard links == 20 else { throw MessagePackError(.typeMismatch, at: -1, "\(links) links") }
        }
        #expect(error == nil, "\(String(describing: error))")
    }

    @Test(arguments: ["Codable encode", "portable encode"])
    func encodeOfACycleStops(_ route: String) {
        Self.expectStackStop(route) {
            let loop = CodableLoop()
            loop.next = loop
            defer { loop.next = nil }
            if route == "Codable encode" {
                var encoder = MessagePackEncoder()
                encoder.maxDepth = Self.depth
                _ = try encoder.encode(loop)
            } else {
                var encoder = PortableEncoder(registry: TypeRegistry())
                encoder.maxDepth = Self.depth
                _ = try encoder.encode(loop)
            }
        }
    }

    @Test func typedEncodeOfACycleStops() {
        Self.expectStackStop("typed encode") {
            let loop = TypedLoop()
            loop.next = loop
            defer { loop.next = nil }
            _ = try loop.messagePackBytes(limits: Self.limits())
        }
    }

    /// On the 8 MiB stack of the test's own thread the guard never fires at the depths every route is specified
    /// for (StackDepthTests runs each at the cap); here the typed decode of the default depth, as a quick check.
    /// (The model and its array count as two levels, as in StackDepthTests.)
    @Test func theDefaultDepthDecodesOnAFullStack() throws {
        let levels = MessagePackLimits.default.maxDepth / 2
        let value = try TypedNest(messagePack: deepArrays(levels))
        var depth = 1
        var node = value
        while let child = node.children.first {
            node = child
            depth += 1
        }
        #expect(depth == levels)
    }
}

// SPDX-License-Identifier: Apache-2.0
// The code of the DocC articles (Sources/*/*.docc), verbatim in these tests, so it keeps compiling and working;
// `everySwiftBlockOfTheArticlesIsInThisFile` fails when an article's code and this file drift apart.
import Foundation
import PortableWire
import Testing
import TestSupport

@Suite struct DocCArticleSyncTests {
    /// Every ```swift block of every article appears in this file as a run of lines (each line compared without
    /// its indentation), so the code a reader copies is code that compiles and passes.
    @Test func everySwiftBlockOfTheArticlesIsInThisFile() throws {
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let sources = repositoryRoot.appendingPathComponent("Sources")
        let articles = (FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.contains(".docc/") && $0.hasSuffix(".md") }
        #expect(articles.count >= 12, "\(articles)")
        var blocks = 0
        for article in articles {
            let text = try String(contentsOf: sources.appendingPathComponent(article), encoding: .utf8)
            var block: [String]?
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("```swift") {
                    block = []
                } else if line.hasPrefix("```"), let body = block {
                    blocks += 1
                    let wanted = body.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                    let haystack = lines.filter { !$0.isEmpty }
                    let found = (0...(max(0, haystack.count - wanted.count))).contains { start in
                        haystack[start..<min(haystack.count, start + wanted.count)].elementsEqual(wanted)
                    }
                    #expect(found, "\(article): this block is not in DocCExamplesTests.swift:\n\(body.joined(separator: "\n"))")
                    block = nil
                } else if block != nil {
                    block!.append(String(line))
                }
            }
        }
        #expect(blocks >= 8)
    }
}

/// MessagePack.docc/MessagePack.md and PortableWire.docc/GettingStarted.md.
@Suite struct GettingStartedArticleTests {
    @Test func plainValues() throws {
        struct Point: Codable, Equatable { var x: Int; var y: Int }

        let bytes = try MessagePackEncoder().encode(Point(x: 1, y: 2))
        // 82 a1 78 01 a1 79 02: {"x": 1, "y": 2}
        let point = try MessagePackDecoder().decode(Point.self, from: bytes)
        #expect(bytes == hex("82 a1 78 01 a1 79 02"))
        #expect(point == Point(x: 1, y: 2))
    }

    @Test func messagePackModule() throws {
        struct Point: Codable, Equatable { var x: Int; var y: Int }

        let bytes = try MessagePackEncoder().encode(Point(x: 1, y: 2))  // 82 a1 78 01 a1 79 02
        let point = try MessagePackDecoder().decode(Point.self, from: bytes)
        let value = try MessagePackValue(decoding: bytes)                // {"x": 1, "y": 2}
        #expect(point == Point(x: 1, y: 2))
        #expect("\(value)" == #"{"x": 1, "y": 2}"#)
    }

    protocol Shape: Portable { var area: Double { get } }
    struct Circle: Shape, Codable {
        static let portableName = "app.Circle"
        var radius: Double
        var area: Double { .pi * radius * radius }
    }
    struct Square: Shape, Codable {
        static let portableName = "app.Square"
        var side: Double
        var area: Double { side * side }
    }

    @Test func portableObjectsAndTheRegistry() throws {
        var registry = TypeRegistry()
        try registry.register(Circle.self)
        try registry.register(Square.self)

        let shapes: [any Shape] = [Circle(radius: 1), Square(side: 2)]
        let message = try PortableEncoder(registry: registry).encode(any: shapes)
        let back = try PortableDecoder(registry: registry).decode([any Shape].self, from: message)
        #expect(back.count == 2)
        #expect(back[0] is Circle && back[1] is Square)
        #expect(back[1].area == 4)
    }
}

/// PortableWire.docc/GlobalDataAndReferences.md.
@Suite struct GlobalDataArticleTests {
    @Test func personsInGlobalData() throws {
        struct Person: CustomPortable {
            static let portableName = "app.Person"
            var id: Int, name: String

            func serialize(globalData: GlobalData) throws -> PortableValue {
                try globalData.set(["name": .string(name)], forKey: "person:\(id)")
                return .int(Int64(id))
            }
            static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> Person {
                let id = data.int64Value ?? 0
                let fields = try globalData.value(forKey: "person:\(id)") ?? [:]
                return Person(id: Int(id), name: fields["name"]?.stringValue ?? "")
            }
        }

        var registry = TypeRegistry()
        try registry.register(Person.self)
        let rows = (0..<1000).map { Person(id: $0 % 10, name: "Person \($0 % 10)") }
        let message = try PortableEncoder(registry: registry).encode(any: rows)

        let decoded = try PortableDecoder(registry: registry).decode([Any].self, from: message)
        #expect((decoded[997] as? Person)?.name == "Person 7")
        // Each name is in the message once: ten names of 8 bytes, not a thousand.
        #expect(message.count < 1000 * 5)
    }
}

/// PortableWire.docc/CyclesAndTwoPhaseTypes.md.
@Suite struct CyclesArticleTests {
    final class TreeNode: TwoPhasePortable {
        static let portableName = "app.TreeNode"
        var name = ""
        weak var parent: TreeNode?
        var children: [TreeNode] = []
        init() {}

        func serialize(globalData: GlobalData) throws -> PortableValue {
            ["name": .string(name), "parent": parent.map { .object($0) } ?? .nil,
             "children": .array(children.map { .object($0) })]
        }
        func fill(from data: PortableValue, globalData: GlobalData) throws {
            name = data["name"]?.stringValue ?? ""
            parent = data["parent"]?.object as? TreeNode
            children = data["children"]?.arrayValue?.compactMap { $0.object as? TreeNode } ?? []
        }
    }

    @Test func aTreeWithParentLinksRoundTrips() throws {
        var registry = TypeRegistry()
        try registry.register(TreeNode.self)
        let root = TreeNode()
        root.name = "root"
        let child = TreeNode()
        child.name = "child"
        child.parent = root
        root.children = [child]
        let bytes = try PortableEncoder(registry: registry).encode(any: root)
        let back = try #require(try PortableDecoder(registry: registry).decode(Any.self, from: bytes) as? TreeNode)
        #expect(back.children.first?.name == "child")
        #expect(back.children.first?.parent === back)
    }
}

/// PortableWire.docc/Streaming.md.
@Suite struct StreamingArticleTests {
    @Test func jobsFromTwoByteChunks() throws {
        struct Job: Codable, Equatable { var id: Int }

        var out = PortableStreamEncoder(registry: TypeRegistry(), sink: ByteArraySink())
        for i in 0..<3 { try out.write(Job(id: i)) }
        let stream = out.sink.bytes

        var decoder = PortableStreamDecoder(registry: TypeRegistry())
        var jobs: [Job] = []
        for start in stride(from: 0, to: stream.count, by: 2) {
            decoder.feed(stream[start..<min(start + 2, stream.count)])
            while let job = try decoder.next(Job.self) { jobs.append(job) }
        }
        try decoder.finish()
        #expect(jobs == [Job(id: 0), Job(id: 1), Job(id: 2)])
    }
}

/// PortableWire.docc/HostileInput.md.
@Suite struct HostileInputArticleTests {
    @Test func tighterDepthForAnEndpoint() throws {
        var decoder = PortableDecoder(registry: TypeRegistry())
        decoder.limits.maxDepth = 64  // tighter than the default for this endpoint
        decoder.cycles = .reject      // refuse reference cycles from untrusted peers
        let hostile = [UInt8](repeating: 0x91, count: 65) + [0x90]  // 66 nested arrays
        do {
            _ = try decoder.decode(from: hostile)
        } catch let error as MessagePackError where error.code == .limitExceeded {
            print(error)  // limitExceeded at byte 64 ($[0][0]…): the input exceeds the limit maxDepth = 64; …
        }
        // What the block prints: the same decode, caught here to check it.
        var caught: MessagePackError?
        do { _ = try decoder.decode(from: hostile) } catch let error as MessagePackError { caught = error }
        #expect(caught?.code == .limitExceeded)
        #expect(caught?.byteOffset == 64)
        #expect(caught.map { "\($0)" }?.contains("maxDepth = 64") == true)
    }
}

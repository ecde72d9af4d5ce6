// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWire
import PortableWireConformance
import Testing
import TestSupport

// The cross-language property test for wire-order identity (issue 12): Python writes seeded random messages with
// plain `msgpack` and hand-made ext values (Scripts/wire_order_messages.py): keys in random order, fields the Swift
// types do not declare holding objects, references and first uses of type names, references read before or after
// their objects by the receiving type. Swift decodes them into Codable types and must find exactly the objects
// Python meant; then Swift re-encodes them and an independent Python decoder must find the same graph again.

final class WireItem: Portable, Codable {
    static let portableName = "t.Item"
    var tag: Int
    var link: WireItem?
    var kids: [WireItem]
}

/// Only ever inside fields the receiver does not declare; registered so that it decodes.
final class WireOther: Portable, Codable {
    static let portableName = "t.Other"
    var tag: Int
    var link: WireItem?
}

struct WireRoot: Codable {
    var a: [WireItem]
    var b: [String: WireItem]
    var c: WireItem?
}

@Suite struct WireOrderPropertyTests {
    static let count = 1_000

    static var seed: Int {
        ProcessInfo.processInfo.environment["PORTABLEWIRE_SEED"].flatMap(Int.init)
            ?? Int(Date().timeIntervalSince1970) % 1_000_000
    }

    static var python: String? { ProcessInfo.processInfo.environment["PORTABLEWIRE_PYTHON"] ?? which("python3") }

    static let script = repositoryRoot.appendingPathComponent("Tests/ConformanceTests/Scripts/wire_order_messages.py").path

    /// The canonical view of the declared fields (the same walk as the script's `root_view`): an object met for the
    /// first time shows tag, link and kids, later meetings only its tag; equal tags must be one instance.
    struct Viewer {
        var seen: [Int: ObjectIdentifier] = [:]
        var faults: [String] = []

        mutating func view(_ item: WireItem?) -> Any {
            guard let item else { return NSNull() }
            if let earlier = seen[item.tag] {
                if earlier != ObjectIdentifier(item) { faults.append("tag \(item.tag) arrived as two instances") }
                return ["tag": item.tag]
            }
            seen[item.tag] = ObjectIdentifier(item)
            return ["tag": item.tag, "link": view(item.link), "kids": item.kids.map { view($0) }]
        }

        mutating func view(_ root: WireRoot) -> NSDictionary {
            let a = root.a.map { view($0) }
            var b: [String: Any] = [:]
            for key in root.b.keys.sorted() { b[key] = view(root.b[key]) }
            let c = view(root.c)
            return ["a": a, "b": b, "c": c]
        }
    }

    @Test func pythonMessagesDecodeToTheObjectsPythonMeantAndBack() throws {
        let python = try #require(Self.python, "python3 is not on PATH")
        let seed = Self.seed
        let generated = try runCommand(python, [Self.script, "generate", String(seed), String(Self.count)])
        try #require(generated.status == 0, "the generator failed: \(generated.stderr)")
        var registry = TypeRegistry()
        try registry.register(WireItem.self)
        try registry.register(WireOther.self)
        let decoder = PortableDecoder(registry: registry)
        let encoder = PortableEncoder(registry: registry)
        var reencoded: [String] = []
        var failures = 0
        let lines = String(decoding: generated.stdout, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == Self.count)
        for (n, line) in lines.enumerated() {
            let json = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let bytes = try Notation.bytes(fromHex: json["hex"] as! String)
            let expected = json["expected"] as! NSDictionary
            do {
                let root = try decoder.decode(WireRoot.self, from: bytes)
                var viewer = Viewer()
                let got = viewer.view(root)
                if !got.isEqual(expected) || !viewer.faults.isEmpty {
                    failures += 1
                    if failures <= 3 {
                        Issue.record("seed \(seed) case \(n): decoded \(got) \(viewer.faults) but Python meant \(expected)")
                    }
                }
                let again = try encoder.encode(root)
                let expectedJSON = try JSONSerialization.data(withJSONObject: expected)
                reencoded.append(
                    "{\"hex\": \"\(Notation.hex(again).replacingOccurrences(of: " ", with: ""))\", \"expected\": "
                        + String(decoding: expectedJSON, as: UTF8.self) + "}")
            } catch {
                failures += 1
                if failures <= 3 { Issue.record("seed \(seed) case \(n): \(error)") }
            }
        }
        #expect(failures == 0, "seed \(seed): \(failures) of \(lines.count) messages decoded wrong (PORTABLEWIRE_SEED=\(seed) repeats the run)")
        let checked = try runCommand(python, [Self.script, "check"], input: Array(reencoded.joined(separator: "\n").utf8))
        #expect(checked.status == 0, "seed \(seed): Python found a different graph in Swift's re-encoding: \(String(decoding: checked.stdout, as: UTF8.self)) \(checked.stderr)")
    }
}

// SPDX-License-Identifier: Apache-2.0
import MessagePack
import PortableWire
import Testing
import TestSupport

/// A message with global data is encoded once: the body's first encoding is renumbered behind the table
/// (`BodyRelocation`). These compare it, byte for byte, with encoding the body a second time after the table
/// (what the encoder did before, and still does when the body shares an instance with the table), on random
/// bodies and tables holding objects, shared instances, two-phase cycles, names in both, and ids that need
/// longer integers once they move.
@Suite struct GlobalDataRelocationTests {
    let registry: TypeRegistry
    let decoder: PortableDecoder

    init() throws {
        registry = try makeRegistry()
        decoder = PortableDecoder(registry: registry)
    }

    /// Objects a case draws from, so that the body and the table share some and repeat others.
    struct Pool {
        var accounts: [Account]
        var trees: [TreeNode]

        init(_ rng: inout SeededGenerator) {
            accounts = (0..<(1 + rng.below(6))).map { Account(owner: "owner \($0)") }
            trees = []
            for i in 0..<(1 + rng.below(3)) {
                let root = TreeNode()
                root.name = "root \(i)"
                for j in 0..<rng.below(3) {
                    let child = TreeNode()
                    child.name = "child \(j)"
                    child.parent = root  // a cycle through R to an object still being written
                    root.children.append(child)
                }
                trees.append(root)
            }
        }
    }

    static func value(_ rng: inout SeededGenerator, _ pool: Pool, depth: Int) -> PortableValue {
        switch rng.below(depth > 3 ? 6 : 11) {
        case 0: return .int(Int64(rng.below(1000)) - 500)
        case 1: return .string("s\(rng.below(50))")
        case 2: return .bool(rng.below(2) == 0)
        case 3: return .object(Circle(radius: Double(rng.below(10))))
        case 4: return .object(pool.accounts[rng.below(pool.accounts.count)])
        case 5:
            let id = rng.below(20)
            return .object(PersonRow(id: id, name: "n\(id)", email: "e\(id)", city: "c\(id % 3)"))
        case 6: return .object(pool.trees[rng.below(pool.trees.count)])
        case 7: return .object(Square(side: Double(rng.below(10))))
        case 8, 9:
            return .array((0..<rng.below(5)).map { _ in value(&rng, pool, depth: depth + 1) })
        default:
            var entries: [(key: PortableValue, value: PortableValue)] = []
            for i in 0..<rng.below(4) { entries.append((.string("k\(i)"), value(&rng, pool, depth: depth + 1))) }
            return .map(entries)
        }
    }

    static func table(_ rng: inout SeededGenerator, _ pool: Pool) -> [(key: String, value: PortableValue)] {
        var table: [(key: String, value: PortableValue)] = []
        for i in 0..<rng.below(4) {
            let value: PortableValue
            switch rng.below(4) {
            case 0: value = .object(Circle(radius: Double(i)))
            case 1: value = .object(Account(owner: "table \(i)"))  // an instance only the table holds
            case 2 where rng.below(4) == 0: value = .object(pool.accounts[0])  // shared with the body, sometimes
            default: value = .array((0..<rng.below(3)).map { _ in .object(Square(side: Double(i))) })
            }
            table.append(("t\(i)", value))
        }
        return table
    }

    func encoders() -> (once: PortableEncoder, twice: PortableEncoder) {
        let once = PortableEncoder(registry: registry)
        var twice = PortableEncoder(registry: registry)
        twice.rewritesBodyBehindTable = false
        return (once, twice)
    }

    @Test func theBodyEncodedOnceIsTheBodyEncodedTwice() throws {
        let (once, twice) = encoders()
        var withTable = 0
        for seed in 0..<600 {
            var rng = SeededGenerator(seed: UInt64(seed))
            let pool = Pool(&rng)
            let body = PortableValue.array((0..<(1 + rng.below(8))).map { _ in Self.value(&rng, pool, depth: 0) })
            let table = Self.table(&rng, pool)
            let a = try once.encode(body, globalData: table)
            let b = try twice.encode(body, globalData: table)
            #expect(a == b, "seed \(seed): \(hexString(a)) vs \(hexString(b))")
            let message = try decoder.decodeMessage(from: a)
            if !message.globalData.isEmpty { withTable += 1 }
        }
        #expect(withTable > 300, "most cases must have a table, or the comparison tests nothing")
    }

    @Test func idsAndNamesThatMoveAcrossIntegerForms() throws {
        let (once, twice) = encoders()
        // 300 objects in the table push the body's ids past 127 and 255; the body names one type the table
        // named (an index from the start) and one it did not (its string stays, with the next index).
        let table: [(key: String, value: PortableValue)] = (0..<300).map { ("c\($0)", .object(Circle(radius: Double($0)))) }
        let accounts = (0..<140).map { Account(owner: "a\($0)") }
        let body = PortableValue.array(
            accounts.map { .object($0) } + accounts.reversed().map { .object($0) } + [.object(Circle(radius: 1))]
                + [.object(PersonRow(id: 1, name: "n", email: "e", city: "c"))])
        let a = try once.encode(body, globalData: table)
        #expect(a == (try twice.encode(body, globalData: table)))
        let message = try decoder.decodeMessage(from: a)
        let items = try #require(message.body.arrayValue)
        #expect(items.count == 282)
        for i in 0..<140 {
            #expect(items[i].object as? Account === items[279 - i].object as? Account, "account \(i) arrives shared")
        }
    }

    @Test func aBodyTooDeepForTheEnvelopeFailsTheSameWay() throws {
        var (once, twice) = encoders()
        once.maxDepth = 8
        twice.maxDepth = 8
        for depth in 4...9 {
            var value = PortableValue.object(PersonRow(id: 1, name: "n", email: "e", city: "c"))
            for _ in 0..<depth { value = .array([value]) }
            let a = Result { try once.encode(value) }
            let b = Result { try twice.encode(value) }
            switch (a, b) {
            case (.success(let x), .success(let y)): #expect(x == y, "depth \(depth)")
            case (.failure(let x as MessagePackError), .failure(let y as MessagePackError)):
                #expect(x.code == y.code && x.path == y.path && x.detail == y.detail, "depth \(depth): \(x) vs \(y)")
            default: Issue.record("depth \(depth): \(a) vs \(b)")
            }
        }
    }

    @Test func aValueTypeSerializerRunsOnceWithGlobalData() throws {
        CountingValueRow.calls = 0
        var registry = self.registry
        try registry.register(CountingValueRow.self)
        let bytes = try PortableEncoder(registry: registry).encode(
            PortableValue.array([.object(CountingValueRow(key: "a")), .object(CountingValueRow(key: "b"))]))
        #expect(CountingValueRow.calls == 2)
        let message = try PortableDecoder(registry: registry).decodeMessage(from: bytes)
        #expect(message.globalData.map(\.key) == ["a", "b"])
    }
}

/// A value type whose serializer counts its calls and writes global data.
struct CountingValueRow: CustomPortable {
    static let portableName = "app.CountingValueRow"
    nonisolated(unsafe) static var calls = 0
    var key: String
    func serialize(globalData: GlobalData) throws -> PortableValue {
        Self.calls += 1
        try globalData.set(.string(key), forKey: key)
        return .string(key)
    }
    static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> CountingValueRow {
        CountingValueRow(key: data.stringValue ?? "")
    }
}

private func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return bytes.prefix(80).map { String([digits[Int($0 >> 4)], digits[Int($0 & 15)]]) }.joined(separator: " ")
}

extension SeededGenerator {
    /// A number in 0..<n decided by the seed alone.
    fileprivate mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

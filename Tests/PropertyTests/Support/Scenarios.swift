// SPDX-License-Identifier: Apache-2.0
import PortableWire
import PropertyBased
import TestSupport

/// A random message for the portable layer, built from a seed: a pool of sample objects (value-type points,
/// accounts, rows using global data, two-phase nodes) referring to each other, a body that holds them at
/// several places (shared references), and sometimes explicit global data that holds them too.
///
/// Only nodes (two-phase) take part in cycles: every other object refers only to objects made before it, and
/// a back edge between nodes is added only when it does not close a cycle through an ordinary object (which
/// an encoder must reject as `cycleDetected`, Spec/portable-objects.md 8.1).
final class PortableScenario: CustomStringConvertible {
    let seed: UInt64
    let pool: [any Portable]
    let body: PortableValue
    let globalData: [(key: String, value: PortableValue)]

    init(seed: UInt64) {
        self.seed = seed
        var f = ValueFactory(seed: seed)
        f.excludedExtTypes = portableExtTypes
        f.budget = 45
        var pool: [any Portable] = []
        var accounts: [PropAccount] = []
        var nodes: [PropNode] = []
        for i in 0..<f.int(0...9) {
            switch f.int(0...3) {
            case 0:
                pool.append(f.point())
            case 1:
                let account: PropAccount
                if let twin = accounts.last, f.chance(0.3) {
                    // Equal fields, different instance: must arrive as a different instance.
                    account = PropAccount(
                        owner: twin.owner, balance: twin.balance, score: twin.score, friend: twin.friend, points: twin.points)
                } else {
                    account = PropAccount(
                        owner: f.string(), balance: f.integer().int64Value ?? 0, score: f.float32(),
                        friend: accounts.isEmpty || f.chance(0.4) ? nil : f.pick(accounts),
                        points: (0..<f.int(0...2)).map { _ in f.point() })
                }
                accounts.append(account)
                pool.append(account)
            case 2:
                pool.append(PropRow(key: "k\(i)" + f.shortString(), payload: f.value(depth: 2, objects: pool)))
            default:
                let node = PropNode(name: f.shortString(), links: (0..<f.int(0...2)).map { _ in f.value(depth: 1, objects: pool) })
                nodes.append(node)
                pool.append(node)
            }
        }
        // Back edges among nodes: self-loops, and edges to later nodes that close only all-node cycles.
        for (i, node) in nodes.enumerated() where f.chance(0.5) {
            let target = nodes[f.int(i...(nodes.count - 1))]
            if !Self.closesCycleThroughOrdinaryObject(from: node, to: target) {
                node.links.insert(.object(target), at: f.int(0...node.links.count))
            }
        }
        var body = f.value(depth: 3, objects: pool)
        if !pool.isEmpty && f.chance(0.7) {
            // The same objects at several places of the body.
            var elements = [body]
            for _ in 0..<f.int(1...6) { elements.insert(.object(f.pick(pool)), at: f.int(0...elements.count)) }
            body = f.chance(0.5) ? .array(elements) : .map(elements.enumerated().map { (.int(Int64($0.offset)), $0.element) })
        }
        var globalData: [(key: String, value: PortableValue)] = []
        if f.chance(0.3) {
            for j in 0..<f.int(1...3) { globalData.append(("g\(j)" + f.shortString(), f.value(depth: 2, objects: pool))) }
        }
        self.pool = pool
        self.body = body
        self.globalData = globalData
    }

    /// Whether the edge `from → to` would close a cycle that passes through an object that is not a node.
    static func closesCycleThroughOrdinaryObject(from: PropNode, to: PropNode) -> Bool {
        for object in reachableObjects(from: [to]) where !(object is PropNode) {
            if reachableObjects(from: [object]).contains(where: { $0 === from }) { return true }
        }
        return false
    }

    /// Encodes the scenario: with its explicit global data when it has some.
    func encode(with encoder: PortableEncoder) throws -> [UInt8] {
        globalData.isEmpty ? try encoder.encode(body) : try encoder.encode(body, globalData: globalData)
    }

    /// Frees the cycles among the scenario's nodes.
    func tearDown() { breakCycles([body] + globalData.map(\.value) + pool.map { PortableValue.object($0) }) }

    var description: String {
        var text = "PortableScenario(seed: \(seed)): body \(body)"
        if !globalData.isEmpty { text += ", global data \(globalData.map { "\($0.key.debugDescription): \($0.value)" })" }
        return text
    }
}

/// The seed of a ``PortableScenario``. Each run of a property builds the scenario afresh from it (the graphs
/// are mutable and a run frees their cycles, so a failing run is replayed from the seed, not from the objects).
struct PortableSeed: CustomStringConvertible, Sendable {
    let seed: UInt64

    func make() -> PortableScenario { PortableScenario(seed: seed) }

    var description: String {
        let scenario = make()
        defer { scenario.tearDown() }
        let bytes = (try? scenario.encode(with: PortableEncoder(registry: sampleRegistry))).map { hexDump($0) } ?? "(encoding failed)"
        return "\(scenario) = \(bytes)"
    }
}

/// A random plain value tree from a seed, printed with its canonical bytes.
struct PlainScenario: CustomStringConvertible, Sendable {
    let seed: UInt64
    let value: MessagePackValue

    init(seed: UInt64, allowsLarge: Bool = false) {
        self.seed = seed
        var f = ValueFactory(seed: seed)
        f.allowsLarge = allowsLarge
        value = f.plainValue()
    }

    var description: String {
        let text = value.description
        return "PlainScenario(seed: \(seed)): \(text.count > 2000 ? String(text.prefix(2000)) + "…" : text) = \(hexDump(value.encoded()))"
    }
}

// MARK: Generators

/// Scenario generators for `propertyCheck`: a random 64-bit seed drawn from PropertyBased's generator (so the
/// failing run's `.fixedSeed(…)` reproduces it), expanded into a value tree by ``ValueFactory``.
enum Scenarios {
    static func plain(allowsLarge: @escaping @Sendable (UInt64) -> Bool = { _ in false }) -> Generator<PlainScenario, Shrink.None<PlainScenario>> {
        Generator { rng in
            let seed = rng.next()
            return PlainScenario(seed: seed, allowsLarge: allowsLarge(seed))
        }
    }

    static var portable: Generator<PortableSeed, Shrink.None<PortableSeed>> {
        Generator { rng in PortableSeed(seed: rng.next()) }
    }
}

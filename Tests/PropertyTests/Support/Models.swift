// SPDX-License-Identifier: Apache-2.0
import PortableWire

// The registered sample types the property tests put into random value trees: one of each kind the
// portable layer distinguishes (Spec/portable-objects.md sections 3 and 8).

/// The error the sample types throw when the data they are given does not have their shape
/// (Spec/portable-objects.md 3.2: such data is a `typeMismatch`).
func shapeMismatch(_ what: String) -> MessagePackError {
    MessagePackError(.typeMismatch, at: -1, what)
}

/// A value type with default (Codable) serialization: never back-referenced, written in full each time.
struct PropPoint: Portable, Codable, Equatable, CustomStringConvertible {
    static let portableName = "prop.Point"
    var x: Int64
    var y: Double
    var label: String
    var tags: [String]
    var flag: Bool?

    /// Floats by bit pattern and strings by scalars, as the wire compares them (Spec/format.md section 3).
    static func == (a: PropPoint, b: PropPoint) -> Bool {
        a.x == b.x && a.y.bitPattern == b.y.bitPattern && a.label.unicodeScalars.elementsEqual(b.label.unicodeScalars)
            && a.tags.count == b.tags.count
            && zip(a.tags, b.tags).allSatisfy { $0.unicodeScalars.elementsEqual($1.unicodeScalars) } && a.flag == b.flag
    }

    var description: String { "Point(\(x), \(y), \(label.debugDescription), \(tags), \(flag.map(String.init) ?? "nil"))" }
}

/// A final class with default (Codable) serialization: identity matters, so an instance met twice is sent
/// once and then as a back-reference. `friend` only ever points to an account made earlier (no cycles:
/// this type is not two-phase).
final class PropAccount: Portable, Codable, CustomStringConvertible {
    static let portableName = "prop.Account"
    var owner: String
    var balance: Int64
    var score: Float
    var friend: PropAccount?
    var points: [PropPoint]

    init(owner: String, balance: Int64, score: Float, friend: PropAccount?, points: [PropPoint]) {
        self.owner = owner
        self.balance = balance
        self.score = score
        self.friend = friend
        self.points = points
    }

    var description: String { "Account@\(ObjectIdentifier(self).hashValue & 0xffff)(\(owner.debugDescription))" }
}

/// A final class with its own serializer that puts its payload into the message's global data once and sends
/// only its key; inside global data (where there is none) it sends the payload inline.
final class PropRow: CustomPortable, CustomStringConvertible {
    static let portableName = "prop.Row"
    let key: String
    let payload: PortableValue

    init(key: String, payload: PortableValue) {
        self.key = key
        self.payload = payload
    }

    static func globalDataKey(_ key: String) -> String { "row:" + key }

    func serialize(globalData: GlobalData) throws -> PortableValue {
        guard globalData.isAvailable else { return ["key": .string(key), "inline": payload] }
        try globalData.set(payload, forKey: Self.globalDataKey(key))
        return .string(key)
    }

    static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> PropRow {
        if globalData.isAvailable {
            guard case .string(let key) = data else { throw shapeMismatch("a row in the body is sent as its key") }
            guard let payload = try globalData.value(forKey: globalDataKey(key)) else {
                throw shapeMismatch("no global data for row '\(key)'")
            }
            return PropRow(key: key, payload: payload)
        }
        guard case .map(let entries) = data, entries.count == 2, let key = data["key"]?.stringValue,
            let payload = data["inline"]
        else { throw shapeMismatch("a row inside global data is sent as {key, inline}") }
        return PropRow(key: key, payload: payload)
    }

    var description: String { "Row@\(ObjectIdentifier(self).hashValue & 0xffff)(\(key.debugDescription))" }
}

/// A two-phase class (created blank, published, then filled), so its instances may form cycles, including
/// self-loops. Its links are strong: `breakCycles` clears them when a test is done with a graph.
final class PropNode: TwoPhasePortable, CustomStringConvertible {
    static let portableName = "prop.Node"
    var name = ""
    var links: [PortableValue] = []

    init() {}

    convenience init(name: String, links: [PortableValue]) {
        self.init()
        self.name = name
        self.links = links
    }

    func serialize(globalData: GlobalData) throws -> PortableValue {
        ["name": .string(name), "links": .array(links)]
    }

    func fill(from data: PortableValue, globalData: GlobalData) throws {
        guard case .map(let entries) = data, entries.count == 2, let name = data["name"]?.stringValue,
            let links = data["links"]?.arrayValue
        else { throw shapeMismatch("a node is sent as {name, links}") }
        self.name = name
        self.links = links
    }

    var description: String { "Node@\(ObjectIdentifier(self).hashValue & 0xffff)(\(name.debugDescription))" }
}

/// The registry both ends of the round-trip properties use.
let sampleRegistry: TypeRegistry = {
    var registry = TypeRegistry()
    try! registry.register(PropPoint.self)
    try! registry.register(PropAccount.self)
    try! registry.register(PropRow.self)
    try! registry.register(PropNode.self)
    return registry
}()

/// The ext types the portable layer reserves (Spec/format.md section 8): a plain ext value of one of these
/// types cannot be sent by a portable encoder.
let portableExtTypes: Set<Int8> = [71, 80, 81, 82]

// MARK: Graph helpers

/// The class instances a value holds directly (not looking inside objects).
func objectsDirectlyIn(_ value: PortableValue, into out: inout [AnyObject]) {
    switch value {
    case .array(let elements): for e in elements { objectsDirectlyIn(e, into: &out) }
    case .map(let entries):
        for e in entries {
            objectsDirectlyIn(e.key, into: &out)
            objectsDirectlyIn(e.value, into: &out)
        }
    case .object(let o): if type(of: o) is AnyClass { out.append(o as AnyObject) }
    default: break
    }
}

/// The class instances an object's data refers to directly.
func references(of object: AnyObject) -> [AnyObject] {
    var out: [AnyObject] = []
    switch object {
    case let account as PropAccount: if let friend = account.friend { out.append(friend) }
    case let row as PropRow: objectsDirectlyIn(row.payload, into: &out)
    case let node as PropNode: for link in node.links { objectsDirectlyIn(link, into: &out) }
    case let opaque as OpaquePortable: objectsDirectlyIn(opaque.data, into: &out)
    default: break
    }
    return out
}

/// Every class instance reachable from `roots` (roots included when they are instances).
func reachableObjects(from roots: [AnyObject]) -> [AnyObject] {
    var seen = Set<ObjectIdentifier>()
    var order: [AnyObject] = []
    var stack = roots
    while var next = stack.popLast() {
        // A back-edge (what a reference from inside an opaque two-phase object's own data decodes to, so that
        // the cycle holds no strong reference) is the object it stands for.
        if let opaque = next as? OpaquePortable, let target = opaque.resolved { next = target }
        guard seen.insert(ObjectIdentifier(next)).inserted else { continue }
        order.append(next)
        stack.append(contentsOf: references(of: next))
    }
    return order
}

/// Every class instance reachable from `values`.
func reachableObjects(in values: [PortableValue]) -> [AnyObject] {
    var roots: [AnyObject] = []
    for v in values { objectsDirectlyIn(v, into: &roots) }
    return reachableObjects(from: roots)
}

/// Clears the links of every node reachable from `values`, so graphs with cycles are freed.
func breakCycles(_ values: [PortableValue]) {
    for case let node as PropNode in reachableObjects(in: values) { node.links = [] }
}

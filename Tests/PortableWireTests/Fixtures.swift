// SPDX-License-Identifier: Apache-2.0
import PortableWire

protocol Shape: Portable { var area: Double { get } }

struct Circle: Shape, Codable, Equatable {
    static let portableName = "app.Circle"
    var radius: Double
    var area: Double { 3 * radius * radius }
}

struct Square: Shape, Codable, Equatable {
    static let portableName = "app.Square"
    var side: Double
    var area: Double { side * side }
}

struct Drawing: Codable {
    var title: String
    @Polymorphic var shapes: [any Shape]
    @Polymorphic var highlight: any Shape
}

/// A class with identity: shared references must arrive shared.
final class Account: Portable, Codable {
    static let portableName = "app.Account"
    var owner: String
    init(owner: String) { self.owner = owner }
}

/// A plain (default-serialized) class that can form a cycle: must be detected, not followed.
final class Node: Portable, Codable {
    static let portableName = "app.Node"
    var name: String
    var parent: Node?
    var children: [Node] = []
    init(name: String, parent: Node? = nil) {
        self.name = name
        self.parent = parent
    }
}

/// `registry` with an encoder and a decoder over it: what the portable suites start from.
func portableCoders(_ registry: TypeRegistry) -> (TypeRegistry, PortableEncoder, PortableDecoder) {
    (registry, PortableEncoder(registry: registry), PortableDecoder(registry: registry))
}

/// A two-phase class: may form cycles and round-trip them. The cycles article's own (DocCExamplesTests.swift).
typealias TreeNode = CyclesArticleTests.TreeNode

extension TreeNode {
    /// A node named `name` holding one child named `childName` whose `parent` points back: the smallest cycle.
    static func withChild(name: String = "root", childName: String = "child") -> TreeNode {
        let root = TreeNode()
        root.name = name
        let child = TreeNode()
        child.name = childName
        child.parent = root
        root.children = [child]
        return root
    }
}

/// A person row whose details go into global data once per distinct person.
struct PersonRow: CustomPortable, Equatable {
    static let portableName = "app.PersonRow"
    var id: Int
    var name: String
    var email: String
    var city: String

    func serialize(globalData: GlobalData) throws -> PortableValue {
        guard globalData.isAvailable else { return ["id": .int(Int64(id)), "name": .string(name), "email": .string(email), "city": .string(city)] }
        try globalData.set(["name": .string(name), "email": .string(email), "city": .string(city)], forKey: "person:\(id)")
        return .int(Int64(id))
    }

    static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> PersonRow {
        if let id = data.int64Value {
            let d = try globalData.value(forKey: "person:\(id)") ?? [:]
            return PersonRow(
                id: Int(id), name: d["name"]?.stringValue ?? "", email: d["email"]?.stringValue ?? "",
                city: d["city"]?.stringValue ?? "")
        }
        return PersonRow(
            id: Int(data["id"]?.int64Value ?? 0), name: data["name"]?.stringValue ?? "",
            email: data["email"]?.stringValue ?? "", city: data["city"]?.stringValue ?? "")
    }
}

/// The same person, default-serialized: every row carries all its fields.
struct PlainPersonRow: Portable, Codable {
    static let portableName = "app.PlainPersonRow"
    var id: Int
    var name: String
    var email: String
    var city: String
}

/// A custom type that (wrongly) reads global data while stored inside it.
struct Greedy: CustomPortable {
    static let portableName = "app.Greedy"
    func serialize(globalData: GlobalData) throws -> PortableValue {
        try globalData.set("x", forKey: "greedy")
        return .nil
    }
    static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> Greedy { Greedy() }
}

/// A custom type that stores a Greedy inside global data.
struct Holder: CustomPortable {
    static let portableName = "app.Holder"
    func serialize(globalData: GlobalData) throws -> PortableValue {
        try globalData.set(.object(Greedy()), forKey: "inner")
        return "holder"
    }
    static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> Holder { Holder() }
}

/// Not transmittable: neither Codable nor Portable.
final class CustomVariable {
    var quantile = 0.5
}

func makeRegistry() throws -> TypeRegistry {
    var registry = TypeRegistry()
    try registry.register(Circle.self)
    try registry.register(Square.self)
    try registry.register(Account.self)
    try registry.register(Node.self)
    try registry.register(TreeNode.self)
    try registry.register(PersonRow.self)
    try registry.register(PlainPersonRow.self)
    try registry.register(Greedy.self)
    try registry.register(Holder.self)
    try registry.register(CountingRow.self)
    return registry
}

/// A class whose serializer counts its calls and uses global data.
final class CountingRow: CustomPortable {
    static let portableName = "app.CountingRow"
    nonisolated(unsafe) static var calls = 0
    let key: String
    init(key: String) { self.key = key }
    func serialize(globalData: GlobalData) throws -> PortableValue {
        Self.calls += 1
        try globalData.set(.string("shared text for \(key)"), forKey: key)
        return .string(key)
    }
    static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> CountingRow {
        CountingRow(key: data.stringValue ?? "")
    }
}

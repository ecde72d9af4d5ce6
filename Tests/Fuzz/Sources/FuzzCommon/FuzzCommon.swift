// SPDX-License-Identifier: Apache-2.0
import PortableWire

/// Types the portable fuzz targets can decode into: a Codable struct, a custom serializer using global data,
/// a class with identity, and a two-phase class that may form cycles.
public struct FuzzPoint: Portable, Codable, Equatable, Sendable {
    public static let portableName = "fuzz.Point"
    public var x: Int
    public var y: Double
    public var tag: String?
}

public final class FuzzAccount: Portable, Codable, @unchecked Sendable {
    public static let portableName = "fuzz.Account"
    public var owner: String
    public var points: [FuzzPoint]
}

public struct FuzzRow: CustomPortable, Sendable {
    public static let portableName = "fuzz.Row"
    public var key: String
    public func serialize(globalData: GlobalData) throws -> PortableValue {
        try globalData.set(.string(key), forKey: "row:\(key)")
        return .string("row:\(key)")
    }
    public static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> FuzzRow {
        FuzzRow(key: try globalData.value(forKey: data.stringValue ?? "")?.stringValue ?? "")
    }
}

public final class FuzzNode: TwoPhasePortable, @unchecked Sendable {
    public static let portableName = "fuzz.Node"
    public var name = ""
    public weak var parent: FuzzNode?
    public var children: [FuzzNode] = []
    public init() {}
    public func serialize(globalData: GlobalData) throws -> PortableValue {
        ["name": .string(name), "parent": parent.map { .object($0) } ?? .nil, "children": .array(children.map { .object($0) })]
    }
    public func fill(from data: PortableValue, globalData: GlobalData) throws {
        name = data["name"]?.stringValue ?? ""
        parent = data["parent"]?.object as? FuzzNode
        children = data["children"]?.arrayValue?.compactMap { $0.object as? FuzzNode } ?? []
    }
}

/// A value type that holds others: back-references to it decode into copies, charged to maxExpansion.
public struct FuzzTree: Portable, Codable, Equatable, Sendable {
    public static let portableName = "fuzz.Tree"
    public var children: [FuzzTree]
}

/// The limits the portable targets decode with: the defaults, but a 1 MiB expansion budget, so that walking
/// what decoded (description, re-encoding, equality) stays fast enough for millions of runs.
public let fuzzLimits: PortableLimits = {
    var limits = PortableLimits()
    limits.maxExpansion = 1 << 20
    return limits
}()

/// The registry every portable fuzz target uses.
public let fuzzRegistry: TypeRegistry = {
    var registry = TypeRegistry()
    try! registry.register(FuzzPoint.self)
    try! registry.register(FuzzAccount.self)
    try! registry.register(FuzzRow.self)
    try! registry.register(FuzzNode.self)
    try! registry.register(FuzzTree.self)
    return registry
}()

/// Fails the run (libFuzzer reports it as a crash with the input) when an invariant does not hold.
public func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz invariant violated: \(message())") }
}

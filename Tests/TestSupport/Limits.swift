// SPDX-License-Identifier: Apache-2.0
import Foundation
import MessagePack
import PortableWire

/// Every limit of `PortableLimits` (the plain ones of `MessagePackLimits` first): the name its `limitExceeded`
/// errors give it, the name of its row in Spec/format.md's limits table (the same name since Spec 1.1), and where
/// it lives.
public var everyLimit: [(name: String, specName: String, keyPath: WritableKeyPath<PortableLimits, Int>)] {
    [
        ("maxDepth", "maxDepth", \.plain.maxDepth),
        ("maxMessageByteCount", "maxMessageByteCount", \.plain.maxMessageByteCount),
        ("maxPayloadByteCount", "maxPayloadByteCount", \.plain.maxPayloadByteCount),
        ("maxElementCount", "maxElementCount", \.plain.maxElementCount),
        ("maxObjectCount", "maxObjectCount", \.maxObjectCount),
        ("maxReferenceCount", "maxReferenceCount", \.maxReferenceCount),
        ("maxTypeNameCount", "maxTypeNameCount", \.maxTypeNameCount),
        ("maxGlobalDataCount", "maxGlobalDataCount", \.maxGlobalDataCount),
        ("maxExpansion", "maxExpansion", \.maxExpansion),
    ]
}

extension PortableLimits {
    /// The default limits with the one named `name` (as its errors name it) set to `value`.
    public static func defaults(setting name: String, to value: Int) -> PortableLimits {
        guard let limit = everyLimit.first(where: { $0.name == name }) else { fatalError("no limit named \(name)") }
        var limits = PortableLimits()
        limits[keyPath: limit.keyPath] = value
        return limits
    }
}

extension MessagePackLimits {
    /// The default plain limits with the one named `name` set to `value` (a portable limit leaves them the defaults).
    public static func defaults(setting name: String, to value: Int) -> MessagePackLimits {
        PortableLimits.defaults(setting: name, to: value).plain
    }
}

/// The defaults of Spec/format.md's limits table, by row name: the number that starts each row's second cell.
public func specLimitDefaults() throws -> [String: Int] {
    let format = try String(contentsOf: repositoryRoot.appendingPathComponent("Spec/format.md"), encoding: .utf8)
    let lines = format.split(separator: "\n", omittingEmptySubsequences: false)
    guard let header = lines.firstIndex(where: { $0.hasPrefix("| Limit | Default |") }) else { return [:] }
    var defaults: [String: Int] = [:]
    for line in lines[(header + 2)...] {
        guard line.hasPrefix("|") else { break }
        let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        guard cells.count >= 2, let value = Int(cells[1].prefix { $0.isNumber }) else { continue }
        defaults[cells[0]] = value
    }
    return defaults
}

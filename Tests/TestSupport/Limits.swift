// SPDX-License-Identifier: Apache-2.0
import Foundation
import MessagePack

/// Every limit of `MessagePackLimits`: the name its `limitExceeded` errors give it, the name of its row in
/// Spec/format.md's limits table (the same name since Spec 1.1), and where it lives in `MessagePackLimits`.
public var everyLimit: [(name: String, specName: String, keyPath: WritableKeyPath<MessagePackLimits, Int>)] {
    [
        ("maxDepth", "maxDepth", \.maxDepth),
        ("maxMessageByteCount", "maxMessageByteCount", \.maxMessageByteCount),
        ("maxPayloadByteCount", "maxPayloadByteCount", \.maxPayloadByteCount),
        ("maxElementCount", "maxElementCount", \.maxElementCount),
        ("maxObjectCount", "maxObjectCount", \.maxObjectCount),
        ("maxReferenceCount", "maxReferenceCount", \.maxReferenceCount),
        ("maxTypeNameCount", "maxTypeNameCount", \.maxTypeNameCount),
        ("maxGlobalDataCount", "maxGlobalDataCount", \.maxGlobalDataCount),
        ("maxExpansion", "maxExpansion", \.maxExpansion),
    ]
}

extension MessagePackLimits {
    /// The default limits with the one named `name` (as its errors name it) set to `value`.
    public static func defaults(setting name: String, to value: Int) -> MessagePackLimits {
        guard let limit = everyLimit.first(where: { $0.name == name }) else { fatalError("no limit named \(name)") }
        var limits = MessagePackLimits()
        limits[keyPath: limit.keyPath] = value
        return limits
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

// SPDX-License-Identifier: Apache-2.0

/// Names shared by the suites, so `RESULTS.md` rows line up: `<workload>/<direction>/<implementation>`.
public enum Implementation: String, CaseIterable, Sendable {
    case typed = "PortableWire typed"
    case dynamic = "PortableWire dynamic"
    case codable = "PortableWire Codable"
    case portable = "PortableWire portable"
    case msgpackC = "msgpack-c"
    case json = "Foundation JSON"
    case plist = "Foundation PropertyList"
    case memcpy = "memcpy"
}

public func benchmarkName(_ workload: String, _ direction: String, _ implementation: Implementation) -> String {
    "\(workload)/\(direction)/\(implementation.rawValue)"
}

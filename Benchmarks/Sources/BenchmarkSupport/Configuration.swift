// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Names shared by the suites, so `RESULTS.md` rows line up: `<workload>:<direction>:<implementation>`.
///
/// Names hold no `/` or space: the benchmark tool writes threshold files with those replaced by `_` but
/// looks them up by the raw name, so a name with either never finds its committed threshold.
public enum Implementation: String, CaseIterable, Sendable {
    case typed = "PortableWire typed"
    /// The typed fast path writing into a writer kept across messages (a service's steady state).
    case typedReused = "PortableWire typed, reused writer"
    /// `MessagePackStreamWriter` into a `ByteArraySink`.
    case streamWriter = "PortableWire stream writer"
    case dynamic = "PortableWire dynamic"
    case codable = "PortableWire Codable"
    case portable = "PortableWire portable"
    case msgpackC = "msgpack-c"
    /// msgpack-c's dynamic value (`msgpack_object`), the baseline for PortableWire's dynamic value.
    case msgpackCDynamic = "msgpack-c dynamic"
    case json = "Foundation JSON"
    case plist = "Foundation PropertyList"
    case memcpy = "memcpy"
}

public func benchmarkName(_ workload: String, _ direction: String, _ implementation: Implementation) -> String {
    "\(workload):\(direction):\(implementation.rawValue.replacingOccurrences(of: " ", with: "_"))"
}

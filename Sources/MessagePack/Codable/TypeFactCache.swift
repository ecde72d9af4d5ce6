// SPDX-License-Identifier: Apache-2.0

/// Remembers one small fact about each of the last few types a coder met, so hot paths ask the runtime
/// "does this type conform to P?" once per type and coder instead of once per value.
///
/// A conformance check (`T.self is any P.Type`) costs a hash lookup in the runtime's cache; with nested
/// models it ran once per value and took a seventh of the time of encoding an array of integers.
/// A linear scan over a handful of recent types is far cheaper, and a model rarely has more than a few
/// nested types on one path.
package struct _TypeFactCache {
    private var ids: [ObjectIdentifier] = []
    private var facts: [UInt8] = []
    private static let capacity = 16

    package init() {}

    /// The fact for `type`, computed by `compute` the first time (and again once the cache is full).
    @inline(__always)
    package mutating func fact(for type: Any.Type, _ compute: (Any.Type) -> UInt8) -> UInt8 {
        let id = ObjectIdentifier(type)
        for i in ids.indices where ids[i] == id { return facts[i] }
        let fact = compute(type)
        if ids.count < Self.capacity {
            ids.append(id)
            facts.append(fact)
        }
        return fact
    }
}

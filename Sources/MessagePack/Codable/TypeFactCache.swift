// SPDX-License-Identifier: Apache-2.0
import Synchronization

/// Remembers whether types are `Dictionary`s (and with which keys), so the Codable coders ask the runtime
/// "does this type conform to the marker protocol?" once per type and process instead of once per value.
///
/// A conformance check (`T.self is any P.Type`) costs a hash lookup in the runtime's cache, several hundred
/// instructions; with nested models it ran for every value and took a tenth of the time of encoding a small
/// message. Each coder keeps the last few answers in a tiny array (a linear scan of a handful of entries);
/// misses go to one process-wide table behind a mutex, filled at most once per type.
package struct _TypeFactCache {
    /// The fact for a type: not a dictionary.
    package static let notDictionary: UInt8 = 0
    /// The fact for a type: a dictionary with string keys (written as a sorted map).
    package static let stringKeyedDictionary: UInt8 = 1
    /// The fact for a type: a dictionary with `Int` keys (written as a map with integer keys).
    package static let intKeyedDictionary: UInt8 = 3

    private var ids: [ObjectIdentifier] = []
    private var facts: [UInt8] = []
    private static let localCapacity = 8
    private static let globalCapacity = 4096
    private static let global = Mutex<[ObjectIdentifier: UInt8]>([:])

    package init() {}

    /// Whether `type` is a `Dictionary`, and which kind.
    @inline(__always)
    package mutating func dictionaryKind(of type: Any.Type) -> UInt8 {
        let id = ObjectIdentifier(type)
        for i in ids.indices where ids[i] == id { return facts[i] }
        let fact = Self.lookUp(type, id: id)
        if ids.count == Self.localCapacity {
            ids.removeFirst()
            facts.removeFirst()
        }
        ids.append(id)
        facts.append(fact)
        return fact
    }

    @inline(never)
    private static func lookUp(_ type: Any.Type, id: ObjectIdentifier) -> UInt8 {
        if let known = global.withLock({ $0[id] }) { return known }
        let fact: UInt8
        if let dictionary = type as? any _DictionaryMarker.Type {
            fact = dictionary._hasIntegerKeys ? intKeyedDictionary : stringKeyedDictionary
        } else {
            fact = notDictionary
        }
        global.withLock { table in
            if table.count < globalCapacity { table[id] = fact }
        }
        return fact
    }
}

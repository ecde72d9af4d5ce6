// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
    private static let global = _GlobalTable()

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

/// The process-wide table behind a pthread mutex.
///
/// Not `Synchronization.Mutex`: on Linux it is a priority-inheritance futex, and when the lock is contended
/// the kernel hands it over without an atomic operation the thread sanitizer can see, so `swift test
/// --sanitize=thread` reported a race on the table between two `withLock` bodies (a false report, but one that
/// fails the run). The sanitizer intercepts `pthread_mutex_lock`.
private final class _GlobalTable: @unchecked Sendable {
    // Safe: `table` is only touched between `pthread_mutex_lock` and `pthread_mutex_unlock` of `mutex`, which is
    // allocated once and never moved.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var table: [ObjectIdentifier: UInt8] = [:]

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    func withLock<R>(_ body: (inout [ObjectIdentifier: UInt8]) -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(&table)
    }
}

// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Facts about static types ("is this a `Dictionary`?", "can it be a portable object?"), worked out once per type
/// and coder instead of once per value: the one cache every coder of the package keeps for its per-type questions.
///
/// A conformance check (`T.self is any P.Type`) costs a hash lookup in the runtime's cache, several hundred
/// instructions; with nested models it ran for every value and took a tenth of the time of encoding a small
/// message. A cache keeps the last ``localCapacity`` answers in a tiny array (a linear scan, oldest evicted first);
/// a fact is a byte of flags that the caller's `compute` gives. The dictionary fact, asked by every coder, also has
/// one process-wide table behind a mutex, filled at most once per type.
package struct _TypeFactCache {
    /// The fact for a type: not a dictionary.
    package static let notDictionary: UInt8 = 0
    /// The fact for a type: a dictionary with string keys (written as a sorted map).
    package static let stringKeyedDictionary: UInt8 = 1
    /// The fact for a type: a dictionary with `Int` keys (written as a map with integer keys).
    package static let intKeyedDictionary: UInt8 = 3

    private var ids: [ObjectIdentifier] = []
    private var facts: [UInt8] = []
    /// How many types one cache remembers.
    package static let localCapacity = 16
    private static let globalCapacity = 4096
    private static let global = _GlobalTable()

    package init() {}

    /// The fact `compute` gives for `type`, computed once while `type` is among the last ``localCapacity`` asked.
    /// One cache must be asked with one `compute` only.
    @inline(__always)
    package mutating func fact(of type: Any.Type, _ compute: (Any.Type) -> UInt8) -> UInt8 {
        let id = ObjectIdentifier(type)
        for i in ids.indices where ids[i] == id { return facts[i] }
        let fact = compute(type)
        remember(id, fact)
        return fact
    }

    @inline(never)
    private mutating func remember(_ id: ObjectIdentifier, _ fact: UInt8) {
        if ids.count == Self.localCapacity {
            ids.removeFirst()
            facts.removeFirst()
        }
        ids.append(id)
        facts.append(fact)
    }

    /// Whether `type` is a `Dictionary`, and which kind.
    @inline(__always)
    package mutating func dictionaryKind(of type: Any.Type) -> UInt8 {
        fact(of: type, Self.lookUpDictionaryKind)
    }

    @inline(never)
    private static func lookUpDictionaryKind(_ type: Any.Type) -> UInt8 {
        sharedFact(of: type, table: 0) { type in
            guard let dictionary = type as? any _DictionaryMarker.Type else { return notDictionary }
            return dictionary._hasIntegerKeys ? intKeyedDictionary : stringKeyedDictionary
        }
    }

    /// The fact `compute` gives for `type`, from one process-wide table per `table` number (0 is the dictionary
    /// fact's; each question of the package has its own number), computed at most once per type and process while
    /// the tables hold fewer than 4,096 types: a cache's `compute` for facts that take several casts.
    @inline(never)
    package static func sharedFact(of type: Any.Type, table: UInt8, _ compute: (Any.Type) -> UInt8) -> UInt8 {
        let key = _SharedFactKey(type: ObjectIdentifier(type), table: table)
        if let known = global.withLock({ $0[key] }) { return known }
        let fact = compute(type)
        global.withLock { facts in
            if facts.count < globalCapacity { facts[key] = fact }
        }
        return fact
    }
}

private struct _SharedFactKey: Hashable {
    var type: ObjectIdentifier
    var table: UInt8
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
    private var table: [_SharedFactKey: UInt8] = [:]

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    func withLock<R>(_ body: (inout [_SharedFactKey: UInt8]) -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(&table)
    }
}

// SPDX-License-Identifier: Apache-2.0

/// The per-message table that custom serializers fill and deserializers read.
///
/// Repeated data (the same person's name in 1,000 rows) goes here once, keyed by a string, and rows refer
/// to the key. It is sent once per message, ahead of the body (Spec/portable-objects.md, "Global data").
/// Objects serialized *inside* global data get an unavailable table: touching it throws
/// `.globalDataUnavailable`; check ``isAvailable`` first when a type is used in both places.
public final class GlobalData {
    /// Whether this object may read and write global data here.
    public let isAvailable: Bool
    var entries: [(key: String, value: PortableValue)] = []
    /// Positions by key; keys are compared by their bytes, never normalized.
    var index: [ExactString: Int] = [:]
    /// During the second encoding pass the table is final: writes must repeat what the first pass wrote.
    var isFrozen = false

    init(isAvailable: Bool) { self.isAvailable = isAvailable }

    /// The keys, in insertion order.
    public var keys: [String] { entries.map(\.key) }
    /// The number of entries.
    public var count: Int { entries.count }

    /// Stores `value` under `key` (the first write of a key decides its position in the table).
    ///
    /// - Throws: `.globalDataUnavailable` inside global data; `.cannotSerialize` when a serializer writes
    ///   differently on the second pass (serializers must be deterministic).
    public func set(_ value: PortableValue, forKey key: String) throws {
        try checkAvailable(key)
        if let i = index[ExactString(key)] {
            if isFrozen && entries[i].value != value { throw Self.nondeterministic(key) }
            entries[i].value = value
            return
        }
        if isFrozen { throw Self.nondeterministic(key) }
        index[ExactString(key)] = entries.count
        entries.append((key, value))
    }

    /// The value stored under `key`, if any.
    public func value(forKey key: String) throws -> PortableValue? {
        try checkAvailable(key)
        return index[ExactString(key)].map { entries[$0].value }
    }

    func checkAvailable(_ key: String) throws {
        guard isAvailable else {
            throw MessagePackError(
                .globalDataUnavailable, at: -1,
                "global data key '\(key)' was used by an object that is itself inside global data",
                hint: "objects stored in global data cannot use global data; check globalData.isAvailable")
        }
    }

    @inline(never)
    static func nondeterministic(_ key: String) -> MessagePackError {
        MessagePackError(
            .cannotSerialize, at: -1,
            "a serializer wrote global data key '\(key)' differently on the second pass",
            hint: "serialize(globalData:) must return and store the same values every time it is called")
    }
}

// SPDX-License-Identifier: Apache-2.0
import PortableWire

/// The benchmark workloads, generated deterministically: shared by `pwire bench` and `Benchmarks/`.
///
/// See `Benchmarks/README.md` for what each one models and why.
public enum Workloads {
    /// The *task* workload: one Celery-style call with a fixed id.
    public static func task() -> TaskCall {
        var rng = SplitMix64(seed: 1)
        return TaskCall(
            task: "app.tasks.optimise", id: uuidString(&rng),
            args: [.int(1), .double(2.5), .string("x"), .bool(true), .null],
            kwargs: TaskKeywordArguments(input: QuantileInput(type: "quantile", quantile: 0.5), tags: ["a", "b", "c"]))
    }

    /// The *records* workload: `count` persons (10,000 in the benchmarks).
    public static func records(count: Int = 10_000, seed: UInt64 = 2) -> [Person] {
        var rng = SplitMix64(seed: seed)
        let first = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Niklaus",
                     "Radia", "Tony", "Leslie", "Shafi", "Whitfield", "Sophie"]
        let last = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton",
                    "Wirth", "Perlman", "Hoare", "Lamport", "Goldwasser", "Diffie", "Wilson"]
        let tagPool = ["admin", "beta", "staff", "vip", "eu", "us", "trial", "api"]
        return (0..<count).map { i in
            let f = first[Int(rng.next() % UInt64(first.count))]
            let l = last[Int(rng.next() % UInt64(last.count))]
            let tagCount = Int(rng.next() % 4)
            return Person(
                id: 100_000 + i, firstName: f, lastName: l, email: "\(f.lowercased()).\(l.lowercased())\(i)@example.com",
                age: 18 + Int(rng.next() % 73), score: Double(rng.next() % 1_000_000) / 1000,
                tags: (0..<tagCount).map { _ in tagPool[Int(rng.next() % UInt64(tagPool.count))] },
                active: rng.next() & 1 == 1)
        }
    }

    /// The *numbers* workload's integers: every MessagePack width, both signs.
    public static func int64s(count: Int = 1_000_000, seed: UInt64 = 3) -> [Int64] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let r = rng.next()
            let magnitude: Int64
            switch r % 5 {
            case 0: magnitude = Int64(r >> 58)  // fixint
            case 1: magnitude = Int64((r >> 8) & 0xff)
            case 2: magnitude = Int64((r >> 8) & 0xffff)
            case 3: magnitude = Int64((r >> 8) & 0xffff_ffff)
            default: magnitude = Int64(bitPattern: r >> 2)
            }
            return (r >> 7) & 1 == 0 ? magnitude : -magnitude
        }
    }

    /// The *numbers* workload's doubles.
    public static func doubles(count: Int = 1_000_000, seed: UInt64 = 4) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in Double(Int64(bitPattern: rng.next()) >> 11) / 1e6 }
    }

    /// The *blob* workload: `byteCount` random bytes (16 MiB in the benchmarks).
    public static func blob(byteCount: Int = 16 << 20, seed: UInt64 = 5) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        var bytes = [UInt8](repeating: 0, count: byteCount)
        bytes.withUnsafeMutableBytes { raw in
            var i = 0
            while i + 8 <= raw.count {
                raw.storeBytes(of: rng.next(), toByteOffset: i, as: UInt64.self)
                i += 8
            }
            while i < raw.count { raw[i] = UInt8(truncatingIfNeeded: rng.next()); i += 1 }
        }
        return bytes
    }

    /// The *shared references* workload: `rowCount` references to `distinct` person objects.
    public static func sharedPersons(rowCount: Int = 1_000, distinct: Int = 10) -> [PersonObject] {
        let people = records(count: distinct, seed: 6).map(PersonObject.init)
        return (0..<rowCount).map { people[$0 % distinct] }
    }

    /// The *global data* workload: `rowCount` rows naming `distinct` persons, each person sent once.
    public static func personRows(rowCount: Int = 1_000, distinct: Int = 10) -> [PersonRow] {
        let people = records(count: distinct, seed: 6)
        return (0..<rowCount).map { PersonRow(people[$0 % distinct]) }
    }

    /// A registry holding every portable type of the workloads.
    public static func registry() throws -> TypeRegistry {
        var registry = TypeRegistry()
        try registry.register(PortablePerson.self)
        try registry.register(PersonObject.self)
        try registry.register(PersonRow.self)
        return registry
    }

    /// A version-4-shaped UUID string drawn from `rng`.
    public static func uuidString(_ rng: inout SplitMix64) -> String {
        let hex = Array("0123456789abcdef")
        var out = ""
        let a = rng.next(), b = rng.next()
        for (i, nibbleIndex) in (0..<32).enumerated() {
            if i == 8 || i == 12 || i == 16 || i == 20 { out.append("-") }
            let word = nibbleIndex < 16 ? a : b
            out.append(hex[Int((word >> (UInt64(nibbleIndex % 16) * 4)) & 0xf)])
        }
        return out
    }
}

// SPDX-License-Identifier: Apache-2.0
// Portable objects: records as registered types (against the same records as plain Codable), shared
// references to a few objects, global data, and polymorphic arrays.
import Benchmark
import BenchmarkSupport
import PortableWire
import PortableWireWorkloads

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal], warmupIterations: 3,
        maxDuration: .seconds(2), maxIterations: 1_000)

    let registry = Fixtures.registry
    let encoder = PortableEncoder(registry: registry)
    let decoder = PortableDecoder(registry: registry)
    let plainEncoder = MessagePackEncoder()
    let plainDecoder = MessagePackDecoder()

    // The records as plain Codable and as portable objects: the price of carrying type names.
    let records = Fixtures.records
    let portable = Fixtures.portableRecords
    let plainBytes = try! plainEncoder.encode(records)
    let portableBytes = try! encoder.encode(portable)
    Fixtures.check((try? decoder.decode([PortablePerson].self, from: portableBytes)) == portable, "portable records round trip")
    Fixtures.check((try? plainDecoder.decode([Person].self, from: plainBytes)) == records, "plain records round trip")

    Benchmark("portable-records:encode:plain_Codable") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try plainEncoder.encode(records)) }
    }
    Benchmark("portable-records:encode:portable") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try encoder.encode(portable)) }
    }
    Benchmark("portable-records:decode:plain_Codable") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try plainDecoder.decode([Person].self, from: plainBytes)) }
    }
    Benchmark("portable-records:decode:portable") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try decoder.decode([PortablePerson].self, from: portableBytes)) }
    }

    // The same records through `@Portable`'s generated data coding (same type name, so the same bytes).
    let macroEncoder = PortableEncoder(registry: Fixtures.macroRegistry)
    let macroDecoder = PortableDecoder(registry: Fixtures.macroRegistry)
    let macroPortable = Fixtures.macroRecords
    Fixtures.check((try? macroEncoder.encode(macroPortable)) == portableBytes, "@Portable records write the Codable bytes")
    Fixtures.check(
        (try? macroDecoder.decode([MacroPerson].self, from: portableBytes)) == macroPortable,
        "@Portable records read the Codable bytes")
    Benchmark("portable-records:encode:portable_macro") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try macroEncoder.encode(macroPortable)) }
    }
    // Into one writer kept across iterations (`encode(_:into:)`, emptied, not freed, each time): no array made.
    var macroWriter = MessagePackWriter(capacity: portableBytes.count)
    Fixtures.check(
        (try? macroEncoder.encode(macroPortable, into: &macroWriter)) != nil
            && macroWriter.withUnsafeBytes { Array($0) } == portableBytes,
        "@Portable records into a writer write the same bytes")
    Benchmark("portable-records:encode:portable_macro,_reused_writer") { benchmark in
        for _ in benchmark.scaledIterations {
            macroWriter.removeAll()
            try macroEncoder.encode(macroPortable, into: &macroWriter)
            blackHole(macroWriter.byteCount)
        }
    }
    Benchmark("portable-records:decode:portable_macro") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try macroDecoder.decode([MacroPerson].self, from: portableBytes))
        }
    }

    // 1,000 references to 10 objects: sent as 10 objects and 990 back-references, decoded shared.
    let shared = Fixtures.sharedPersons
    let sharedBytes = try! encoder.encode(shared)
    let decodedShared = try! decoder.decode([PersonObject].self, from: sharedBytes)
    Fixtures.check(decodedShared.map(\.person) == shared.map(\.person), "shared references round trip")
    Fixtures.check(decodedShared[0] === decodedShared[10], "shared references arrive shared")
    Benchmark("shared-references:encode:portable") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try encoder.encode(shared)) }
    }
    Benchmark("shared-references:decode:portable") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try decoder.decode([PersonObject].self, from: sharedBytes)) }
    }

    // 1,000 rows whose 10 distinct persons travel once each, in global data.
    let rows = Fixtures.personRows
    let rowBytes = try! encoder.encode(any: rows)
    Fixtures.check((try? decoder.decode([PersonRow].self, from: rowBytes)) == rows, "global data round trip")
    let rowsAsPlain = try! plainEncoder.encode(rows.map(\.person))
    Fixtures.check(rowBytes.count * 5 < rowsAsPlain.count, "global data sends each person once")
    Benchmark("global-data:encode:portable") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try encoder.encode(any: rows)) }
    }
    Benchmark("global-data:decode:portable") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try decoder.decode([PersonRow].self, from: rowBytes)) }
    }

    // A polymorphic array: objects of three types, decoded without knowing which comes where.
    let mixed: PortableValue = .array((0..<300).map { i -> PortableValue in
        switch i % 3 {
        case 0: .object(portable[i])
        case 1: .object(shared[i % 10])
        default: .object(rows[i])
        }
    })
    let mixedBytes = try! encoder.encode(mixed)
    Fixtures.check((try? decoder.decode(from: mixedBytes))?.arrayValue?.count == 300, "polymorphic round trip")
    Benchmark("polymorphic:encode:portable") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try encoder.encode(mixed)) }
    }
    Benchmark("polymorphic:decode:portable") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try decoder.decode(from: mixedBytes)) }
    }
}

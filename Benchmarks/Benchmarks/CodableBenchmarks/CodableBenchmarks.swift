// SPDX-License-Identifier: Apache-2.0
// The task and records workloads through every route: PortableWire's typed fast path, its dynamic value,
// its Codable coders, msgpack-c, and Foundation's JSON and binary property-list coders.
import Benchmark
import BenchmarkSupport
import Foundation
import MsgPackCBaseline
import PortableWire
import PortableWireWorkloads

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal], warmupIterations: 3,
        maxDuration: .seconds(2), maxIterations: 1_000)

    let small = Benchmark.Configuration(scalingFactor: .kilo)
    codableSuite(workload: "task", value: Fixtures.task, macro: Fixtures.macroTask, bytes: Fixtures.taskBytes, dynamic: Fixtures.taskValue, configuration: small) {
        let c = CTask(bytes: Fixtures.taskBytes)
        Fixtures.check(cPacked { pwb_pack_task(c.task, $0) } == Fixtures.taskBytes, "msgpack-c and PortableWire write the same task bytes")
        return (
            { var out = pwb_buffer(); _ = pwb_pack_task(c.task, &out); pwb_buffer_free(&out) },
            { var t = pwb_task(); blackHole(pwb_unpack_task(c.source.base, c.source.count, &t)) }
        )
    }

    codableSuite(workload: "records", value: Fixtures.records, macro: Fixtures.macroRecords, bytes: Fixtures.recordsBytes, dynamic: Fixtures.recordsValue, configuration: .init()) {
        let c = CRecords(bytes: Fixtures.recordsBytes, count: Fixtures.records.count)
        Fixtures.check(
            cPacked { pwb_pack_records(c.people, c.count, $0) } == Fixtures.recordsBytes,
            "msgpack-c and PortableWire write the same records bytes")
        let out = UnsafeMutablePointer<pwb_person>.allocate(capacity: c.count)
        return (
            { var buffer = pwb_buffer(); _ = pwb_pack_records(c.people, c.count, &buffer); pwb_buffer_free(&buffer) },
            { blackHole(pwb_unpack_records(c.source.base, c.source.count, out, c.count)) }
        )
    }

    // A `Dictionary` looks up every one of its keys in the decoded map. With a linear search per key this was
    // O(n²) (issue 7: 16k entries took 10 s); the decoder hashes the keys of maps larger than eight entries.
    let wide = Dictionary(uniqueKeysWithValues: (0..<65_536).map { ("key\($0)", $0) })
    let wideBytes = try! MessagePackEncoder().encode(wide)
    let wideJSON = try! JSONEncoder().encode(wide)
    Fixtures.check((try? MessagePackDecoder().decode([String: Int].self, from: wideBytes)) == wide, "wide dictionary round trip")
    Benchmark(benchmarkName("dictionary of 65,536 str keys", "decode", .codable)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try MessagePackDecoder().decode([String: Int].self, from: wideBytes)) }
    }
    Benchmark(benchmarkName("dictionary of 65,536 str keys", "decode", .json)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try JSONDecoder().decode([String: Int].self, from: wideJSON)) }
    }
}

/// Registers encode and decode benchmarks for one Codable workload across every implementation.
func codableSuite<T: Codable & Equatable & MessagePackCodable, M: Codable & Equatable & MessagePackCodable>(
    workload: String, value: T, macro: M, bytes: [UInt8], dynamic: MessagePackValue, configuration: Benchmark.Configuration,
    c: () -> (encode: () -> Void, decode: () -> Void)
) {
    let encoder = MessagePackEncoder()
    let decoder = MessagePackDecoder()
    let json = JSONEncoder()
    let jsonDecoder = JSONDecoder()
    let plist = PropertyListEncoder()
    plist.outputFormat = .binary
    let plistDecoder = PropertyListDecoder()

    // Every route is checked once before anything is timed.
    Fixtures.check(value.messagePackBytes() == bytes, "\(workload): typed encoding is stable")
    Fixtures.check((try? T(messagePack: bytes)) == value, "\(workload): typed round trip")
    Fixtures.check((try? encoder.encode(value)) == bytes, "\(workload): Codable bytes equal typed bytes")
    Fixtures.check((try? decoder.decode(T.self, from: bytes)) == value, "\(workload): Codable round trip")
    Fixtures.check(macro.messagePackBytes() == bytes, "\(workload): macro bytes equal typed bytes")
    Fixtures.check((try? M(messagePack: bytes)) == macro, "\(workload): macro round trip")
    Fixtures.check(dynamic.encoded() == bytes, "\(workload): dynamic bytes equal typed bytes")
    Fixtures.check((try? MessagePackValue(decoding: bytes)) == dynamic, "\(workload): dynamic round trip")
    let jsonData = try! json.encode(value)
    Fixtures.check((try? jsonDecoder.decode(T.self, from: jsonData)) == value, "\(workload): JSON round trip")
    let plistData = try! plist.encode(value)
    Fixtures.check((try? plistDecoder.decode(T.self, from: plistData)) == value, "\(workload): plist round trip")
    let cDynamic = CDynamic(bytes: bytes)
    Fixtures.check(cPacked { pwb_pack_dynamic(cDynamic.value, $0) } == bytes, "\(workload): msgpack-c dynamic bytes")
    let (cEncode, cDecode) = c()

    func add(_ direction: String, _ implementation: Implementation, _ body: @escaping () throws -> Void) {
        Benchmark(benchmarkName(workload, direction, implementation), configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations { try body() }
        }
    }

    /// Encodes `encodable` into one writer kept across iterations (emptied, not freed, each time).
    func addReused(_ implementation: Implementation, _ encodable: some MessagePackEncodable) {
        var writer = MessagePackWriter(capacity: bytes.count)
        Benchmark(benchmarkName(workload, "encode", implementation), configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                writer.removeAll()
                encodable.encode(to: &writer)
                blackHole(writer.byteCount)
            }
        }
    }

    add("encode", .msgpackC) { cEncode() }
    add("encode", .typed) { blackHole(value.messagePackBytes()) }
    add("encode", .macro) { blackHole(macro.messagePackBytes()) }
    addReused(.typedReused, value)
    addReused(.macroReused, macro)
    add("encode", .dynamic) { blackHole(dynamic.encoded()) }
    add("encode", .codable) { blackHole(try encoder.encode(value)) }
    add("encode", .json) { blackHole(try json.encode(value)) }
    add("encode", .plist) { blackHole(try plist.encode(value)) }
    add("encode", .msgpackCDynamic) { var out = pwb_buffer(); _ = pwb_pack_dynamic(cDynamic.value, &out); pwb_buffer_free(&out) }

    add("decode", .msgpackC) { cDecode() }
    add("decode", .typed) { blackHole(try T(messagePack: bytes)) }
    add("decode", .macro) { blackHole(try M(messagePack: bytes)) }
    add("decode", .dynamic) { blackHole(try MessagePackValue(decoding: bytes)) }
    add("decode", .codable) { blackHole(try decoder.decode(T.self, from: bytes)) }
    add("decode", .json) { blackHole(try jsonDecoder.decode(T.self, from: jsonData)) }
    add("decode", .plist) { blackHole(try plistDecoder.decode(T.self, from: plistData)) }
    add("decode", .msgpackCDynamic) { blackHole(pwb_unpack_dynamic(cDynamic.source.base, cDynamic.source.count)) }
}

// SPDX-License-Identifier: Apache-2.0
// Runs one route of one workload a given number of times, for instruction counting:
//
//     valgrind --tool=callgrind --callgrind-out-file=/dev/null .build/release/InstructionCounts task encode macro 1000
//
// Scripts/instructions.sh runs each route with N and with 0 iterations and divides the difference by N, so the
// setup (building fixtures, unpacking the C structs) drops out. Every route is checked before it is counted.
import BenchmarkSupport
import Foundation
import MsgPackCBaseline
import PortableWire
import PortableWireWorkloads

let arguments = CommandLine.arguments
guard arguments.count == 5, let iterations = Int(arguments[4]) else {
    print(
        """
        usage: InstructionCounts <workload> <encode|decode> <route> <iterations>
          task|records: msgpack-c|typed|macro|codable|msgpack-c-dynamic|dynamic, and for encode macro-reused (one writer kept across operations)
          portable-records: plain|portable|macro, and for encode macro-reused
          doubles|blob (encode): msgpack-c|typed|typed-reused|memcpy (blob only)
          stream (decode, 8 MiB of task messages): one-shot|4k-chunks|msgpack-c-4k-chunks
        """)
    exit(2)
}
let (workload, direction, route) = (arguments[1], arguments[2], arguments[3])

@inline(never) func consume<T>(_ value: T) { withExtendedLifetime(value) {} }

func run<T: Codable & Equatable & MessagePackCodable>(_ value: T, bytes: [UInt8], c: () -> (() -> Void, () -> Void)) {
    Fixtures.check(value.messagePackBytes(capacity: bytes.count) == bytes, "\(T.self): typed bytes")
    Fixtures.check((try? MessagePackEncoder().encode(value)) == bytes, "\(T.self): Codable bytes")
    Fixtures.check((try? T(messagePack: bytes)) == value, "\(T.self): typed decode")
    let (cEncode, cDecode) = c()
    let encoder = MessagePackEncoder()
    let decoder = MessagePackDecoder()
    var writer = MessagePackWriter(capacity: bytes.count)
    let dynamic = try! MessagePackValue(decoding: bytes)
    let cDynamic = CDynamic(bytes: bytes)
    // One loop per route, so that choosing the route (string compares) is not counted in every operation.
    let n = 0..<iterations
    switch (direction, route) {
    case ("encode", "msgpack-c-dynamic"):
        for _ in n {
            var out = pwb_buffer()
            _ = pwb_pack_dynamic(cDynamic.value, &out)
            pwb_buffer_free(&out)
        }
    case ("decode", "msgpack-c-dynamic"): for _ in n { consume(pwb_unpack_dynamic(cDynamic.source.base, cDynamic.source.count)) }
    case ("encode", "dynamic"): for _ in n { consume(dynamic.encoded()) }
    case ("decode", "dynamic"): for _ in n { consume(try! MessagePackValue(decoding: bytes)) }
    case ("encode", "macro-reused"):
        for _ in n {
            writer.removeAll()
            value.encode(to: &writer)
            consume(writer.byteCount)
        }
    case ("encode", "msgpack-c"): for _ in n { cEncode() }
    case ("decode", "msgpack-c"): for _ in n { cDecode() }
    case ("encode", "codable"): for _ in n { consume(try! encoder.encode(value)) }
    case ("decode", "codable"): for _ in n { consume(try! decoder.decode(T.self, from: bytes)) }
    case ("encode", _): for _ in n { consume(value.messagePackBytes()) }
    case ("decode", _): for _ in n { consume(try! T(messagePack: bytes)) }
    default: fatalError("unknown direction \(direction)")
    }
}

switch (workload, route) {
case ("task", _):
    let c = CTask(bytes: Fixtures.taskBytes)
    let cRoutes = {
        (
            { var out = pwb_buffer(); _ = pwb_pack_task(c.task, &out); pwb_buffer_free(&out) },
            { var t = pwb_task(); consume(pwb_unpack_task(c.source.base, c.source.count, &t)) }
        )
    }
    if route.hasPrefix("macro") {
        run(Fixtures.macroTask, bytes: Fixtures.taskBytes, c: cRoutes)
    } else {
        run(Fixtures.task, bytes: Fixtures.taskBytes, c: cRoutes)
    }
case ("records", _):
    let c = CRecords(bytes: Fixtures.recordsBytes, count: Fixtures.records.count)
    let out = UnsafeMutablePointer<pwb_person>.allocate(capacity: c.count)
    let cRoutes = {
        (
            { var buffer = pwb_buffer(); _ = pwb_pack_records(c.people, c.count, &buffer); pwb_buffer_free(&buffer) },
            { consume(pwb_unpack_records(c.source.base, c.source.count, out, c.count)) }
        )
    }
    if route.hasPrefix("macro") {
        run(Fixtures.macroRecords, bytes: Fixtures.recordsBytes, c: cRoutes)
    } else {
        run(Fixtures.records, bytes: Fixtures.recordsBytes, c: cRoutes)
    }
case ("portable-records", _):
    // Routes: "portable" (Codable data through the portable coders), "macro" (@Portable's generated data coding),
    // "plain" (the same records as plain Codable, no portable objects).
    let portableBytes = try! PortableEncoder(registry: Fixtures.registry).encode(Fixtures.portableRecords)
    let registry = route.hasPrefix("macro") ? Fixtures.macroRegistry : Fixtures.registry
    let encoder = PortableEncoder(registry: registry)
    let decoder = PortableDecoder(registry: registry)
    let plainBytes = try! MessagePackEncoder().encode(Fixtures.records)
    // Built here, not in the first iteration (a lazy global): otherwise N runs would count its construction.
    let macroRecords = Fixtures.macroRecords
    var writer = MessagePackWriter(capacity: portableBytes.count)
    for _ in 0..<iterations {
        switch (direction, route) {
        case ("encode", "macro-reused"):
            writer.removeAll()
            try! encoder.encode(macroRecords, into: &writer)
            consume(writer.byteCount)
        case ("encode", "plain"): consume(try! MessagePackEncoder().encode(Fixtures.records))
        case ("decode", "plain"): consume(try! MessagePackDecoder().decode([Person].self, from: plainBytes))
        case ("encode", "macro"): consume(try! encoder.encode(macroRecords))
        case ("decode", "macro"): consume(try! decoder.decode([MacroPerson].self, from: portableBytes))
        case ("encode", _): consume(try! encoder.encode(Fixtures.portableRecords))
        default: consume(try! decoder.decode([PortablePerson].self, from: portableBytes))
        }
    }
case ("doubles", _), ("blob", _):
    // Encode only: into a fresh array (msgpack-c: a fresh sbuffer), into a writer kept across operations, memcpy.
    let doubles = Fixtures.doubles
    let blob = Fixtures.blob
    var writer = MessagePackWriter(capacity: Fixtures.blobBytes.count)
    for _ in 0..<iterations {
        switch (workload, route) {
        case ("doubles", "msgpack-c"): var out = pwb_buffer(); _ = pwb_pack_doubles(doubles, doubles.count, &out); pwb_buffer_free(&out)
        case ("doubles", "typed"): consume(doubles.messagePackBytes())
        case ("doubles", "typed-reused"): writer.removeAll(); doubles.encode(to: &writer); consume(writer.byteCount)
        case ("blob", "msgpack-c"): var out = pwb_buffer(); _ = pwb_pack_blob(blob, blob.count, &out); pwb_buffer_free(&out)
        case ("blob", "typed"):
            var fresh = MessagePackWriter(capacity: blob.count + 5)
            fresh.writeBinary(blob)
            consume(fresh.finish())
        case ("blob", "typed-reused"): writer.removeAll(); writer.writeBinary(blob); consume(writer.byteCount)
        case ("blob", "memcpy"):
            let out = UnsafeMutableRawPointer.allocate(byteCount: blob.count, alignment: 16)
            blob.withUnsafeBytes { out.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            consume(out)
            out.deallocate()
        default: fatalError("unknown route \(route)")
        }
    }
case ("stream", _):
    // 8 MiB of task messages back to back (as `pwire bench`'s "8 MiB task stream").
    let one = Fixtures.taskBytes
    var stream: [UInt8] = []
    for _ in 0..<((8 << 20) / one.count) { stream += one }
    let pinned = PinnedBytes(stream)
    func chunked() -> Int {
        var decoder = MessagePackStreamDecoder()
        var count = 0
        stream.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let end = min(offset + 4096, raw.count)
                decoder.feed(UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
                offset = end
                while let task = try! decoder.next(TaskCall.self) { consume(task); count += 1 }
            }
        }
        try! decoder.finish()
        return count
    }
    func oneShot() -> Int {
        stream.withUnsafeBytes { raw in
            var reader = MessagePackReader(raw)
            var count = 0
            while !reader.isAtEnd { consume(try! TaskCall(from: &reader)); count += 1 }
            return count
        }
    }
    Fixtures.check(chunked() == oneShot(), "stream: chunked and one-shot find the same messages")
    for _ in 0..<iterations {
        switch route {
        case "one-shot": consume(oneShot())
        case "4k-chunks": consume(chunked())
        case "msgpack-c-4k-chunks": consume(pwb_unpack_stream(pinned.base, pinned.count, 4096))
        default: fatalError("unknown route \(route)")
        }
    }
default:
    print("unknown workload \(workload)")
    exit(2)
}

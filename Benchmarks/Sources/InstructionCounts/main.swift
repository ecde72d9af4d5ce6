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
    print("usage: InstructionCounts <task|records> <encode|decode> <msgpack-c|typed|macro|codable> <iterations>")
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
    for _ in 0..<iterations {
        switch (direction, route) {
        case ("encode", "msgpack-c"): cEncode()
        case ("decode", "msgpack-c"): cDecode()
        case ("encode", "codable"): consume(try! encoder.encode(value))
        case ("decode", "codable"): consume(try! decoder.decode(T.self, from: bytes))
        case ("encode", _): consume(value.messagePackBytes())
        case ("decode", _): consume(try! T(messagePack: bytes))
        default: fatalError("unknown direction \(direction)")
        }
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
    if route == "macro" {
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
    if route == "macro" {
        run(Fixtures.macroRecords, bytes: Fixtures.recordsBytes, c: cRoutes)
    } else {
        run(Fixtures.records, bytes: Fixtures.recordsBytes, c: cRoutes)
    }
case ("portable-records", _):
    // Routes: "portable" (Codable data through the portable coders), "macro" (@Portable's generated data coding),
    // "plain" (the same records as plain Codable, no portable objects).
    let portableBytes = try! PortableEncoder(registry: Fixtures.registry).encode(Fixtures.portableRecords)
    let registry = route == "macro" ? Fixtures.macroRegistry : Fixtures.registry
    let encoder = PortableEncoder(registry: registry)
    let decoder = PortableDecoder(registry: registry)
    let plainBytes = try! MessagePackEncoder().encode(Fixtures.records)
    for _ in 0..<iterations {
        switch (direction, route) {
        case ("encode", "plain"): consume(try! MessagePackEncoder().encode(Fixtures.records))
        case ("decode", "plain"): consume(try! MessagePackDecoder().decode([Person].self, from: plainBytes))
        case ("encode", "macro"): consume(try! encoder.encode(Fixtures.macroRecords))
        case ("decode", "macro"): consume(try! decoder.decode([MacroPerson].self, from: portableBytes))
        case ("encode", _): consume(try! encoder.encode(Fixtures.portableRecords))
        default: consume(try! decoder.decode([PortablePerson].self, from: portableBytes))
        }
    }
default:
    print("unknown workload \(workload)")
    exit(2)
}

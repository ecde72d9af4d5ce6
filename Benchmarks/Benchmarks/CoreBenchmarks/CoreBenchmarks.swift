// SPDX-License-Identifier: Apache-2.0
// Plain values: a million integers of every width, a million doubles, one 16 MiB binary (against memcpy).
import Benchmark
import BenchmarkSupport
import MsgPackCBaseline
import PortableWire
import PortableWireWorkloads

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal], warmupIterations: 2,
        maxDuration: .seconds(2), maxIterations: 200)

    numbers("int64s", Fixtures.int64s, Fixtures.int64sBytes, pack: pwb_pack_int64s, unpack: pwb_unpack_int64s)
    numbers("doubles", Fixtures.doubles, Fixtures.doublesBytes, pack: pwb_pack_doubles, unpack: pwb_unpack_doubles)

    // 16 MiB of bin, against memcpy of the same bytes into a fresh buffer.
    let blob = Fixtures.blob
    let blobBytes = Fixtures.blobBytes
    Fixtures.check(cPacked { pwb_pack_blob(blob, blob.count, $0) } == blobBytes, "msgpack-c writes the same bin")
    Fixtures.check(try! blobBytes.withUnsafeBytes { raw in var r = MessagePackReader(raw); return try r.readBinary() } == blob, "bin round trip")
    let pinned = PinnedBytes(blobBytes)

    // memcpy into a fresh buffer: the bound for both directions.
    for direction in ["encode", "decode"] {
        Benchmark(benchmarkName("blob", direction, .memcpy)) { benchmark in
            for _ in benchmark.scaledIterations {
                let out = UnsafeMutableRawPointer.allocate(byteCount: blob.count, alignment: 16)
                blob.withUnsafeBytes { out.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                blackHole(out)
                out.deallocate()
            }
        }
    }
    var reused = MessagePackWriter(capacity: blobBytes.count)
    Benchmark(benchmarkName("blob", "encode", .typedReused)) { benchmark in
        for _ in benchmark.scaledIterations {
            reused.removeAll()
            reused.writeBinary(blob)
            blackHole(reused.byteCount)
        }
    }
    Benchmark(benchmarkName("blob", "encode", .msgpackC)) { benchmark in
        for _ in benchmark.scaledIterations {
            var out = pwb_buffer()
            _ = pwb_pack_blob(blob, blob.count, &out)
            pwb_buffer_free(&out)
        }
    }
    Benchmark(benchmarkName("blob", "encode", .typed)) { benchmark in
        for _ in benchmark.scaledIterations {
            var writer = MessagePackWriter(capacity: blob.count + 5)
            writer.writeBinary(blob)
            blackHole(writer.finish())
        }
    }
    Benchmark(benchmarkName("blob", "decode", .msgpackC)) { benchmark in
        // Into a fresh buffer, as PortableWire returns a fresh [UInt8] (reusing one would skip the page faults).
        for _ in benchmark.scaledIterations {
            let out = UnsafeMutableRawPointer.allocate(byteCount: blob.count, alignment: 16)
            blackHole(pwb_unpack_blob(pinned.base, pinned.count, out, blob.count))
            out.deallocate()
        }
    }
    // The zero-copy route for a large payload: a stream writer hands it to its sink straight from the caller's buffer.
    Benchmark(benchmarkName("blob", "encode", .streamWriter)) { benchmark in
        for _ in benchmark.scaledIterations {
            var writer = MessagePackStreamWriter(sink: ByteArraySink())
            try blob.withUnsafeBytes { try writer.writeBinary($0) }
            blackHole(try writer.finish().bytes)
        }
    }
    Benchmark(benchmarkName("blob", "decode", .typed)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try blobBytes.withUnsafeBytes { raw in var r = MessagePackReader(raw); return try r.readBinary() })
        }
    }
}

func numbers<T: MessagePackCodable & Codable & Equatable>(
    _ workload: String, _ values: [T], _ bytes: [UInt8],
    pack: @escaping (UnsafePointer<T>?, Int, UnsafeMutablePointer<pwb_buffer>?) -> Int32,
    unpack: @escaping (UnsafePointer<CChar>?, Int, UnsafeMutablePointer<T>?, Int) -> Int
) {
    let encoder = MessagePackEncoder()
    let decoder = MessagePackDecoder()
    Fixtures.check(cPacked { pack(values, values.count, $0) } == bytes, "\(workload): msgpack-c writes the same bytes")
    Fixtures.check((try? [T](messagePack: bytes)) == values, "\(workload): typed round trip")
    Fixtures.check((try? encoder.encode(values)) == bytes, "\(workload): Codable bytes equal typed bytes")
    Fixtures.check((try? decoder.decode([T].self, from: bytes)) == values, "\(workload): Codable round trip")
    let pinned = PinnedBytes(bytes)
    let out = UnsafeMutablePointer<T>.allocate(capacity: values.count)

    Benchmark(benchmarkName(workload, "encode", .msgpackC)) { benchmark in
        for _ in benchmark.scaledIterations {
            var buffer = pwb_buffer()
            _ = pack(values, values.count, &buffer)
            pwb_buffer_free(&buffer)
        }
    }
    Benchmark(benchmarkName(workload, "encode", .typed)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(values.messagePackBytes()) }
    }
    Benchmark(benchmarkName(workload, "encode", .codable)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try encoder.encode(values)) }
    }
    Benchmark(benchmarkName(workload, "decode", .msgpackC)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(unpack(pinned.base, pinned.count, out, values.count)) }
    }
    Benchmark(benchmarkName(workload, "decode", .typed)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try [T](messagePack: bytes)) }
    }
    Benchmark(benchmarkName(workload, "decode", .codable)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try decoder.decode([T].self, from: bytes)) }
    }
}

// SPDX-License-Identifier: Apache-2.0
// Streams: 64 MiB of back-to-back task messages fed in 4 KiB chunks (through the stream decoder's typed
// `next(TaskCall.self)`) against the same bytes decoded in one piece (PortableWire and msgpack-c's unpacker),
// and one 60 MiB message fed in 64-byte chunks (through `nextFrame`: a message that big never arrives whole).
import Benchmark
import BenchmarkSupport
import MsgPackCBaseline
import PortableWire
import PortableWireWorkloads

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident], warmupIterations: 1,
        maxDuration: .seconds(3), maxIterations: 50)

    // 64 MiB of task messages, back to back.
    let one = Fixtures.taskBytes
    let messageCount = (64 << 20) / one.count
    var streamBytes: [UInt8] = []
    streamBytes.reserveCapacity(messageCount * one.count)
    for _ in 0..<messageCount { streamBytes += one }
    let stream = streamBytes
    let pinned = PinnedBytes(stream)

    /// Decodes every message of `stream` fed in `chunk`-byte pieces through the typed one-pass route
    /// (`next(TaskCall.self)`: a message that arrived whole is decoded in place, with no frame scan first);
    /// returns how many came out.
    func chunked(_ chunk: Int) throws -> Int {
        var decoder = MessagePackStreamDecoder()
        var count = 0
        try stream.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let end = min(offset + chunk, raw.count)
                decoder.feed(UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
                offset = end
                while let task = try decoder.next(TaskCall.self) {
                    blackHole(task)
                    count += 1
                }
            }
        }
        try decoder.finish()
        return count
    }

    /// Decodes every message of `stream` from the one contiguous buffer.
    func oneShot() throws -> Int {
        try stream.withUnsafeBytes { raw in
            var reader = MessagePackReader(raw)
            var count = 0
            while !reader.isAtEnd {
                blackHole(try TaskCall(from: &reader))
                count += 1
            }
            return count
        }
    }

    Fixtures.check((try? chunked(4096)) == messageCount, "the stream decoder finds every message")
    Fixtures.check((try? chunked(7)) == messageCount, "odd chunk sizes give the same messages")
    Fixtures.check((try? oneShot()) == messageCount, "one-shot decoding finds every message")
    Fixtures.check(pwb_unpack_stream(pinned.base, pinned.count, 4096) == messageCount, "msgpack-c finds every message")

    Benchmark("stream-64MiB-tasks:decode:one-shot") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try oneShot()) }
    }
    Benchmark("stream-64MiB-tasks:decode:4_KiB_chunks") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try chunked(4096)) }
    }
    Benchmark("stream-64MiB-tasks:decode:msgpack-c_unpacker,_one_piece") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(pwb_unpack_stream(pinned.base, pinned.count, pinned.count)) }
    }
    Benchmark("stream-64MiB-tasks:decode:msgpack-c_unpacker,_4_KiB_chunks") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(pwb_unpack_stream(pinned.base, pinned.count, 4096)) }
    }

    // One big message (an array of records just under the 64 MiB default limit), fed 64 bytes at a time.
    var records = Workloads.records(count: 10_000)
    var big: [Person] = []
    while big.count * 120 < 60 << 20 { big += records }
    records = []
    let bigBytes = big.messagePackBytes(capacity: 64 << 20)
    Fixtures.check(bigBytes.count < 64 << 20, "the big message fits the default limit")

    func bigChunked(_ chunk: Int) throws -> Int {
        try decodeFed(bigBytes, inPiecesOf: chunk, { try [Person](messagePack: $0) }) { people in people.count }
    }
    Fixtures.check((try? bigChunked(64)) == big.count, "the big message decodes fed 64 bytes at a time")

    Benchmark("big-message-60MiB:decode:one_piece", configuration: .init(maxIterations: 10)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try [Person](messagePack: bigBytes)) }
    }
    Benchmark("big-message-60MiB:decode:64-byte_chunks", configuration: .init(maxIterations: 10)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try bigChunked(64)) }
    }
}

/// Feeds `bytes` to a `MessagePackStreamDecoder` in `chunk`-byte pieces, decodes each message with `decode` as soon
/// as it is complete, and returns the sum of `count` over the decoded messages.
private func decodeFed<Message>(
    _ bytes: [UInt8], inPiecesOf chunk: Int, _ decode: (UnsafeRawBufferPointer) throws -> Message,
    count: (Message) -> Int
) throws -> Int {
    var decoder = MessagePackStreamDecoder()
    var total = 0
    try bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let end = min(offset + chunk, raw.count)
            decoder.feed(UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
            offset = end
            while let message = try decoder.nextFrame(decode) { total += count(message) }
        }
    }
    try decoder.finish()
    return total
}

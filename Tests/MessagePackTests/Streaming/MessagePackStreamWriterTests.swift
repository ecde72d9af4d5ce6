// SPDX-License-Identifier: Apache-2.0
import MessagePack
import TestSupport
import Testing

/// A sink that records every write: its size and where its bytes were.
struct RecordingSink: MessageSink {
    var bytes: [UInt8] = []
    var writes: [(address: UnsafeRawPointer?, count: Int)] = []
    var flushes = 0
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        writes.append((bytes.baseAddress, bytes.count))
        self.bytes.append(contentsOf: bytes)
    }
    mutating func flush() throws { flushes += 1 }
}

@Suite struct MessagePackStreamWriterTests {
    @Test func writesAHugeArrayElementByElementWithTheSameBytesAsTheWholeValue() throws {
        let count = 100_000
        var writer = MessagePackStreamWriter(sink: ByteArraySink(), flushThreshold: 4096)
        try writer.beginArray(count: count)
        for i in 0..<count { try writer.write(i * 7 - 300) }
        try writer.endArray()
        #expect(writer.messageCount == 1)
        let sink = try writer.finish()
        let whole = MessagePackValue.array((0..<count).map { .int(Int64($0 * 7 - 300)) }).encoded()
        #expect(sink.bytes == whole)
        #expect(Array(sink.bytes.prefix(5)) == [0xdd, 0x00, 0x01, 0x86, 0xa0])
    }

    @Test func writesMapsAndNestedContainersAndCodableElements() throws {
        struct Row: Codable { var id: Int; var name: String }
        var writer = MessagePackStreamWriter(sink: ByteArraySink())
        try writer.beginMap(count: 2)
        try writer.write("rows")
        try writer.beginArray(count: 2)
        try writer.write(Row(id: 1, name: "a"))
        try writer.write(Row(id: 2, name: "b"))
        try writer.endArray()
        try writer.write("done")
        try writer.write(true)
        try writer.endMap()
        try writer.writeNil()  // a second message
        let bytes = try writer.finish().bytes
        let expected: MessagePackValue = ["rows": [["id": 1, "name": "a"], ["id": 2, "name": "b"]], "done": true]
        #expect(bytes == expected.encoded() + [0xc0])
    }

    @Test func largeBinariesGoToTheSinkFromTheCallersBuffer() throws {
        let payload = [UInt8](repeating: 0xab, count: 1 << 20)
        var writer = MessagePackStreamWriter(sink: RecordingSink(), directWriteThreshold: 4096)
        try writer.write("before")
        try payload.withUnsafeBytes { raw in
            try writer.writeBinary(raw)
            let sink = writer.sink
            // The header and everything staged before it went first; then the caller's own buffer, as it is.
            #expect(sink.writes.last?.address == raw.baseAddress)
            #expect(sink.writes.last?.count == payload.count)
        }
        let sink = try writer.finish()
        var expected = MessagePackWriter()
        expected.write("before")
        expected.writeBinary(payload)
        let expectedBytes = expected.finish()
        #expect(sink.bytes == expectedBytes)
        #expect(sink.flushes == 1)
    }

    @Test func smallBinariesAreStagedAndFlushedInOnePiece() throws {
        var writer = MessagePackStreamWriter(sink: RecordingSink())
        for _ in 0..<10 { try writer.writeBinary([1, 2, 3]) }
        #expect(writer.sink.writes.isEmpty)
        #expect(writer.stagedByteCount == 50)
        let sink = try writer.finish()
        #expect(sink.writes.count == 1)
        #expect(sink.bytes.count == 50)
    }

    @Test func writingMoreElementsThanDeclaredIsAnError() throws {
        var writer = MessagePackStreamWriter(sink: ByteArraySink())
        try writer.beginArray(count: 1)
        try writer.write(1)
        let error = #expect(throws: MessagePackError.self) { try writer.write(2) }
        #expect(error?.code == .cannotSerialize)
        try writer.endArray()
        #expect(try writer.finish().bytes == [0x91, 0x01])
    }

    @Test func endingWithFewerElementsThanDeclaredIsAnError() throws {
        var writer = MessagePackStreamWriter(sink: ByteArraySink())
        try writer.beginMap(count: 2)
        try writer.write("a")
        try writer.write(1)
        let error = #expect(throws: MessagePackError.self) { try writer.endMap() }
        #expect(error?.code == .cannotSerialize)
        #expect(error?.detail.contains("2 entries") == true)
        let mismatched = #expect(throws: MessagePackError.self) { try writer.endArray() }
        #expect(mismatched?.code == .cannotSerialize)
        var unfinished: MessagePackError?
        do { _ = try writer.finish() } catch let error as MessagePackError { unfinished = error }
        #expect(unfinished?.code == .cannotSerialize)
    }

    @Test func streamWrittenInPiecesDecodesBackWithTheStreamDecoder() throws {
        var writer = MessagePackStreamWriter(sink: ByteArraySink(), flushThreshold: 64)
        for i in 0..<500 {
            try writer.beginArray(count: 2)
            try writer.write(Int64(i))
            try writer.write(String(repeating: "x", count: i % 40))
            try writer.endArray()
        }
        let bytes = try writer.finish().bytes
        for chunking in Chunking.allCases {
            var decoder = MessagePackStreamDecoder()
            var values: [MessagePackValue] = []
            for chunk in chunking.chunks(of: bytes) {
                decoder.feed(chunk)
                while let value = try decoder.next() { values.append(value) }
            }
            try decoder.finish()
            #expect(values.count == 500)
            #expect(values[499] == [499, .string(String(repeating: "x", count: 499 % 40))])
        }
    }

    @Test func asyncSequenceOfChunksYieldsValuesAndThrowsTruncatedAtACutEnd() async throws {
        let bytes = MessagePackValue.array([1, 2]).encoded() + MessagePackValue.string("hi").encoded()
        let (chunks, continuation) = AsyncStream<[UInt8]>.makeStream()
        for byte in bytes { continuation.yield([byte]) }
        continuation.finish()
        var values: [MessagePackValue] = []
        for try await value in chunks.messagePackValues() { values.append(value) }
        #expect(values == [[1, 2], "hi"])

        let (cut, cutContinuation) = AsyncStream<ArraySlice<UInt8>>.makeStream()
        cutContinuation.yield(bytes[0..<4])
        cutContinuation.finish()
        var seen: [MessagePackValue] = []
        let error = await #expect(throws: MessagePackError.self) {
            for try await value in cut.messagePackValues() { seen.append(value) }
        }
        #expect(seen == [[1, 2]])
        #expect(error?.code == .truncated)
    }
}

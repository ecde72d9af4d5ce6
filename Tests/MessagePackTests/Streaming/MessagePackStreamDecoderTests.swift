// SPDX-License-Identifier: Apache-2.0
import MessagePack
import TestSupport
import Testing

/// A stream of messages that exercises every format family, split headers and long payloads.
let sampleMessages: [MessagePackValue] = {
    var values: [MessagePackValue] = [
        .nil, true, false, 0, 127, 128, 255, 256, 65535, 65536, .int(Int64(UInt32.max)), .int(Int64(UInt32.max) + 1),
        -1, -32, -33, -128, -129, -32768, -32769, .int(Int64(Int32.min) - 1), .int(.min), .uint(.max),
        .float(1.5), .double(-0.25), "", "a", .string(String(repeating: "x", count: 31)),
        .string(String(repeating: "y", count: 32)), .string(String(repeating: "z", count: 256)),
        .string(String(repeating: "é", count: 40_000)), .binary([]), .binary([1, 2, 3]),
        .binary([UInt8](repeating: 7, count: 70_000)), [], [1, [2, [3, [4, []]]]], [:], ["a": 1, "b": [true, nil]],
        .map([(key: 1, value: "one"), (key: [1, 2], value: [:]), (key: "dup", value: 1), (key: "dup", value: 2)]),
        .extension(5, [1]), .extension(5, [1, 2]), .extension(5, [1, 2, 3, 4]), .extension(5, Array(repeating: 9, count: 8)),
        .extension(5, Array(repeating: 9, count: 16)), .extension(5, [1, 2, 3]), .extension(-128, Array(repeating: 1, count: 300)),
        .extension(5, Array(repeating: 1, count: 70_000)),
        .timestamp(MessagePackTimestamp(seconds: 1, nanoseconds: 0)),
        .timestamp(MessagePackTimestamp(seconds: 1 << 33, nanoseconds: 5)),
        .timestamp(MessagePackTimestamp(seconds: -1, nanoseconds: 999_999_999)),
        .array((0..<20).map { .int(Int64($0)) }), .array((0..<70_000).map { .int(Int64($0 % 300)) }),
        .map((0..<20).map { (key: .string("k\($0)"), value: .int(Int64($0))) }),
        .map((0..<70_000).map { (key: .int(Int64($0)), value: .nil) }),
    ]
    // A deep value: 200 nested arrays around a map.
    var deep: MessagePackValue = ["leaf": 1]
    for _ in 0..<200 { deep = [deep] }
    values.append(deep)
    return values
}()

/// Non-canonical widths every decoder must accept (Spec/format.md 6.1), one message each.
let nonCanonicalMessages: [[UInt8]] = [
    [0xcd, 0x00, 0x01], [0xdc, 0x00, 0x01, 0x01], [0xdf, 0x00, 0x00, 0x00, 0x00],
    [0xc7, 0x04, 0x05, 0x01, 0x02, 0x03, 0x04], [0xd0, 0x05], [0xd9, 0x01, 0x61], [0xc5, 0x00, 0x01, 0xff],
    [0xde, 0x00, 0x01, 0xa1, 0x61, 0xc0], [0xdd, 0x00, 0x00, 0x00, 0x02, 0xc2, 0xc3],
]

func encodedStream(_ values: [MessagePackValue]) -> [UInt8] {
    var writer = MessagePackWriter()
    for value in values { writer.write(value) }
    return writer.finish()
}

/// Feeds `chunks` one at a time, taking out every complete message after each; then finishes.
func decodeAll(_ chunks: [[UInt8]], limits: MessagePackLimits = .default) throws(MessagePackError) -> [MessagePackValue] {
    var decoder = MessagePackStreamDecoder(limits: limits)
    var out: [MessagePackValue] = []
    for chunk in chunks {
        decoder.feed(chunk)
        while let value = try decoder.next() { out.append(value) }
    }
    try decoder.finish()
    return out
}

/// The error a stream gives, or nil.
func streamError(_ chunks: [[UInt8]], limits: MessagePackLimits = .default) -> MessagePackError? {
    do {
        _ = try decodeAll(chunks, limits: limits)
        return nil
    } catch {
        return error
    }
}

@Suite struct MessagePackStreamDecoderTests {
    @Test(arguments: Chunking.allCases)
    func decodesEveryChunkingIdentically(_ chunking: Chunking) throws {
        var bytes = encodedStream(sampleMessages)
        for message in nonCanonicalMessages { bytes += message }
        let expected = sampleMessages + nonCanonicalMessages.map { try! MessagePackValue(decoding: $0) }
        let decoded = try decodeAll(chunking.chunks(of: bytes))
        #expect(decoded.count == expected.count)
        #expect(decoded == expected)
    }

    @Test func decodesIdenticallyForManyRandomSeeds() throws {
        let bytes = encodedStream(Array(sampleMessages.prefix(40)) + [["a": [1, 2, "three"]], .binary([1, 2])])
        let whole = try decodeAll([bytes])
        for seed in 1...20 as ClosedRange<UInt64> {
            #expect(try decodeAll(randomChunks(of: bytes, cuts: 1000, seed: seed)) == whole)
            #expect(try decodeAll(randomChunks(of: bytes, cuts: 3, seed: seed)) == whole)
        }
    }

    @Test func needMoreBytesIsNilNotAnError() throws {
        var decoder = MessagePackStreamDecoder()
        decoder.feed([0x92, 0x01])
        #expect(try decoder.next() == nil)
        #expect(try decoder.next() == nil)
        decoder.feed([0x02, 0xc3])
        #expect(try decoder.next() == [1, 2])
        #expect(try decoder.next() == true)
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedByteCount == 0)
        try decoder.finish()
    }

    @Test func scansEachByteOnceWhateverTheChunking() throws {
        // The scanner reports how many bytes it has looked at: exactly the stream's length, so no byte of a
        // partial message is re-scanned on later feeds (total work O(n)).
        let bytes = encodedStream(sampleMessages)
        for chunking in Chunking.allCases {
            var decoder = MessagePackStreamDecoder()
            var count = 0
            for chunk in chunking.chunks(of: bytes) {
                decoder.feed(chunk)
                while try decoder.next() != nil { count += 1 }
            }
            #expect(count == sampleMessages.count)
            #expect(decoder.scannedByteCount == bytes.count, "\(chunking)")
        }
    }

    @Test func everyCutInsideAMessageIsTruncatedAtFinish() throws {
        let messages: [MessagePackValue] = [
            ["task": "add", "args": [1, 2]], .binary([1, 2, 3, 4, 5]), .extension(7, [1, 2, 3]), .uint(.max),
            .string(String(repeating: "s", count: 300)), .timestamp(MessagePackTimestamp(seconds: 1 << 33, nanoseconds: 1)),
        ]
        let bytes = encodedStream(messages)
        var boundaries: Set<Int> = [0]
        var offset = 0
        for message in messages {
            offset += message.encoded().count
            boundaries.insert(offset)
        }
        for cut in 0...bytes.count {
            let prefix = Array(bytes[..<cut])
            for chunks in [[prefix], prefix.map { [$0] }] {
                let error = streamError(chunks)
                if boundaries.contains(cut) {
                    #expect(error == nil, "cut at \(cut)")
                } else {
                    #expect(error?.code == .truncated, "cut at \(cut)")
                    #expect(error?.byteOffset == cut, "cut at \(cut)")
                }
            }
        }
    }

    @Test func completeMessagesBeforeATruncationAreStillDelivered() throws {
        var decoder = MessagePackStreamDecoder()
        decoder.feed([0x01, 0x02, 0x93, 0x01])
        #expect(try decoder.next() == 1)
        #expect(try decoder.next() == 2)
        #expect(try decoder.next() == nil)
        let error = #expect(throws: MessagePackError.self) { try decoder.finish() }
        #expect(error?.code == .truncated)
        // finish() when messages are still buffered does not throw; they can be taken out after.
        var other = MessagePackStreamDecoder()
        other.feed([0x01, 0x02])
        try other.finish()
        #expect(try other.next() == 1)
        #expect(try other.next() == 2)
    }

    @Test(arguments: Chunking.allCases)
    func invalidFormatByteReportsItsStreamOffset(_ chunking: Chunking) {
        let bytes: [UInt8] = [0x01, 0x92, 0x01, 0xc1, 0x05]
        let error = streamError(chunking.chunks(of: bytes))
        #expect(error?.code == .invalidFormatByte)
        #expect(error?.byteOffset == 3)
    }

    @Test(arguments: Chunking.allCases)
    func oversizeMessageIsLimitExceededBeforeItsBytesArrive(_ chunking: Chunking) {
        var limits = MessagePackLimits()
        limits.maxMessageByteCount = 1000
        // A small message, then a bin32 declaring 2,000 bytes of which only 10 arrive.
        let bytes: [UInt8] = [0xc0, 0xc6, 0x00, 0x00, 0x07, 0xd0] + Array(repeating: 0, count: 10)
        let error = streamError(chunking.chunks(of: bytes), limits: limits)
        #expect(error?.code == .limitExceeded)
        #expect(error?.byteOffset == 1)
        #expect(error?.detail.contains("maxMessageByteCount") == true)
    }

    @Test(arguments: Chunking.allCases)
    func messageGrowingPastTheLimitTokenByTokenIsLimitExceeded(_ chunking: Chunking) {
        var limits = MessagePackLimits()
        limits.maxMessageByteCount = 100
        // An array of 200 nils: the 100th byte is fine, the 101st is over the limit.
        let within = encodedStream([.array(Array(repeating: .nil, count: 97))])  // 3 + 97 = 100 bytes
        #expect(within.count == 100)
        #expect(streamError(chunking.chunks(of: within), limits: limits) == nil)
        let over = encodedStream([.array(Array(repeating: .nil, count: 200))])
        let error = streamError(chunking.chunks(of: over), limits: limits)
        #expect(error?.code == .limitExceeded)
        #expect(error?.byteOffset == 100)
    }

    @Test(arguments: Chunking.allCases)
    func declaredLengthsAndCountsOverTheirLimitsAreRejected(_ chunking: Chunking) {
        var limits = MessagePackLimits()
        limits.maxPayloadByteCount = 10
        limits.maxElementCount = 5
        let cases: [([UInt8], String, Int)] = [
            ([0xc0, 0xd9, 0x0b], "maxPayloadByteCount", 1),  // str8 of 11
            ([0xc4, 0x0b], "maxPayloadByteCount", 0),  // bin8 of 11
            ([0xc0, 0xc0, 0xc8, 0x01, 0x00, 0x05], "maxPayloadByteCount", 2),  // ext16 of 256
            ([0xd8, 0x05], "maxPayloadByteCount", 0),  // fixext16
            ([0x96], "maxElementCount", 0),  // fixarray of 6
            ([0x91, 0xde, 0x00, 0x06], "maxElementCount", 1),  // map16 of 6
            ([0xdd, 0xff, 0xff, 0xff, 0xff], "maxElementCount", 0),
        ]
        for (bytes, limit, offset) in cases {
            let error = streamError(chunking.chunks(of: bytes), limits: limits)
            #expect(error?.code == .limitExceeded, "\(bytes)")
            #expect(error?.detail.contains(limit) == true, "\(bytes)")
            #expect(error?.byteOffset == offset, "\(bytes)")
        }
    }

    @Test(arguments: Chunking.allCases)
    func depthIsBoundedLikeTheOneShotDecoder(_ chunking: Chunking) throws {
        // 512 nested arrays decode; 513 do not (Spec/format.md 6.5), whether or not the innermost is empty.
        let deepest = [UInt8](repeating: 0x91, count: 511) + [0x90]
        #expect(try decodeAll(chunking.chunks(of: deepest)).count == 1)
        let holdingNil = [UInt8](repeating: 0x91, count: 512) + [0xc0]
        #expect(try decodeAll(chunking.chunks(of: holdingNil)).count == 1)
        let tooDeep = [UInt8](repeating: 0x91, count: 512) + [0x90]
        let error = streamError(chunking.chunks(of: tooDeep))
        #expect(error?.code == .limitExceeded)
        #expect(error?.byteOffset == 512)
        let oneShot = #expect(throws: MessagePackError.self) { try MessagePackValue(decoding: tooDeep) }
        #expect(oneShot?.code == .limitExceeded && oneShot?.byteOffset == 512, "the one-shot decoder agrees")
    }

    @Test func decodeErrorsInsideACompleteMessageCarryStreamOffsets() {
        // Invalid UTF-8 at byte 4 of the second message, which starts at stream offset 2.
        let bytes: [UInt8] = [0x01, 0xc0, 0xa4, 0x61, 0x62, 0x63, 0xff]
        for chunking in Chunking.allCases {
            var decoder = MessagePackStreamDecoder()
            var values: [MessagePackValue] = []
            var failure: MessagePackError?
            do {
                for chunk in chunking.chunks(of: bytes) {
                    decoder.feed(chunk)
                    while let value = try decoder.next() { values.append(value) }
                }
            } catch {
                failure = error
            }
            #expect(values == [1, .nil])
            #expect(failure?.code == .invalidUTF8)
            #expect(failure?.byteOffset == 6)
        }
    }

    @Test func anErrorPoisonsTheDecoder() {
        var decoder = MessagePackStreamDecoder()
        decoder.feed([0xc1])
        #expect(throws: MessagePackError.self) { try decoder.next() }
        decoder.feed([0x01])
        let again = #expect(throws: MessagePackError.self) { try decoder.next() }
        #expect(again?.code == .invalidFormatByte)
        let atFinish = #expect(throws: MessagePackError.self) { try decoder.finish() }
        #expect(atFinish?.code == .invalidFormatByte)
        #expect(decoder.failure?.code == .invalidFormatByte)
    }

    @Test func decodesTypedMessages() throws {
        struct Point: Codable, Equatable { var x: Int; var y: Int }
        let one = try MessagePackEncoder().encode(Point(x: 1, y: 2))
        let two = try MessagePackEncoder().encode(Point(x: -3, y: 400))
        for chunking in Chunking.allCases {
            var decoder = MessagePackStreamDecoder()
            var points: [Point] = []
            for chunk in chunking.chunks(of: one + two) {
                decoder.feed(chunk)
                while let point = try decoder.next(Point.self) { points.append(point) }
            }
            try decoder.finish()
            #expect(points == [Point(x: 1, y: 2), Point(x: -3, y: 400)])
        }
    }

    @Test func feedsFromSlicesRawBuffersAndNonContiguousCollections() throws {
        let bytes = encodedStream([[1, 2], "hi", .binary([9])])
        var decoder = MessagePackStreamDecoder()
        decoder.feed(bytes[0..<2])  // ArraySlice
        bytes[2..<5].withUnsafeBytes { decoder.feed($0) }  // raw buffer
        decoder.feed(bytes[5...].reversed().reversed())  // a lazy, non-contiguous collection
        var values: [MessagePackValue] = []
        while let value = try decoder.next() { values.append(value) }
        #expect(values == [[1, 2], "hi", .binary([9])])
    }

    @Test func manySmallMessagesInOneChunkAreDecodedWithoutRescanning() throws {
        let values = (0..<10_000).map { MessagePackValue.array([.int(Int64($0)), "x"]) }
        let bytes = encodedStream(values)
        var decoder = MessagePackStreamDecoder()
        decoder.feed(bytes)
        var count = 0
        while try decoder.next() != nil { count += 1 }
        #expect(count == 10_000)
        #expect(decoder.scannedByteCount == bytes.count)
        try decoder.finish()
    }

    @Test func scannerReportsFrameEndsDirectly() throws {
        var scanner = MessagePackFrameScanner()
        #expect(try ([0x92, 0x01] as [UInt8]).withUnsafeBytes { try scanner.scan($0) } == nil)
        #expect(scanner.partialMessageByteCount == 2)
        #expect(try ([0x02, 0xc0] as [UInt8]).withUnsafeBytes { try scanner.scan($0) } == 1)
        #expect(scanner.isAtMessageBoundary)
        #expect(try ([0xc0] as [UInt8]).withUnsafeBytes { try scanner.scan($0) } == 1)
        // A str32 header split after its format byte, then the payload in two pieces.
        #expect(try ([0xdb, 0x00] as [UInt8]).withUnsafeBytes { try scanner.scan($0) } == nil)
        #expect(try ([0x00, 0x00, 0x03, 0x61] as [UInt8]).withUnsafeBytes { try scanner.scan($0) } == nil)
        #expect(scanner.knownMessageByteCount == 8)
        #expect(try ([0x62, 0x63, 0x01] as [UInt8]).withUnsafeBytes { try scanner.scan($0) } == 2)
        #expect(scanner.messageStartOffset == 12)
    }
}

/// A declared length is a claim until its bytes arrive: the stream decoder reserves at most four times what
/// it has received of the message (and at least 64 KiB), never the declared size up front (issue 7, item 2).
@Suite struct StreamReservationTests {
    @Test func aDeclaredPayloadIsNotReservedBeforeItArrives() throws {
        var stream = MessagePackStreamDecoder()
        // bin32 declaring 60 MiB (within the 64 MiB limit), then a stall.
        stream.feed([0xc6, 0x03, 0xc0, 0x00, 0x00])
        #expect(try stream.next() == nil)
        #expect(stream._reservedByteCount <= 1 << 17, "reserved \(stream._reservedByteCount) bytes for 5 received")
        // As bytes arrive, the reservation grows with them, not with the claim.
        let chunk = [UInt8](repeating: 7, count: 1 << 20)
        stream.feed(chunk)
        #expect(try stream.next() == nil)
        #expect(stream._reservedByteCount <= 5 << 20, "reserved \(stream._reservedByteCount) bytes for 1 MiB received")
        // The whole message still decodes.
        var remaining = (60 << 20) - chunk.count
        while remaining > 0 {
            let n = min(remaining, chunk.count)
            stream.feed(chunk[..<n])
            remaining -= n
        }
        guard case .binary(let payload)? = try stream.next() else {
            Issue.record("the 60 MiB bin did not decode")
            return
        }
        #expect(payload.count == 60 << 20)
    }
}

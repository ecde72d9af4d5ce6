// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import PortableWire
import TestSupport
import Testing

/// A stream of portable messages: polymorphic shapes, shared class instances, global data, a two-phase
/// cycle, and plain values, back to back.
func portableStream(_ registry: TypeRegistry) throws -> (bytes: [UInt8], messages: [[UInt8]]) {
    let encoder = PortableEncoder(registry: registry)
    let ann = Account(owner: "Ann")
    let bob = Account(owner: "Bob")
    let root = TreeNode.withChild(childName: "leaf")
    let people = (0..<5).map { PersonRow(id: $0, name: "P\($0)", email: "p\($0)@x", city: "C") }
    let messages: [[UInt8]] = [
        try encoder.encode(Drawing(title: "d", shapes: [Circle(radius: 1), Square(side: 2)], highlight: Square(side: 3))),
        try encoder.encode(any: [ann, ann, bob]),
        try encoder.encode(any: (0..<200).map { people[$0 % 5] }),  // global data envelope
        try encoder.encode(any: root),
        try encoder.encode(any: ["plain": [1, 2, 3], "text": String(repeating: "t", count: 300)] as [String: Any]),
        try encoder.encode(any: [UInt8](repeating: 1, count: 70_000)),
    ]
    return (messages.flatMap { $0 }, messages)
}

@Suite struct PortableStreamDecoderTests {
    @Test(arguments: Chunking.allCases)
    func decodesEveryChunkingIdenticallyAndReencodesByteForByte(_ chunking: Chunking) throws {
        let registry = try makeRegistry()
        let (bytes, messages) = try portableStream(registry)
        var stream = PortableStreamDecoder(registry: registry)
        var decoded: [PortableMessage] = []
        for chunk in chunking.chunks(of: bytes) {
            stream.feed(chunk)
            while let message = try stream.nextMessage() { decoded.append(message) }
        }
        try stream.finish()
        #expect(decoded.count == messages.count)
        // Fed whole, every message is decoded in one pass (the wire-order scan finds its end); byte by byte,
        // none is (the frame scanner finds each end first).
        #expect(stream._onePassMessageCount == (chunking == .whole ? messages.count : chunking == .byteByByte ? 0 : stream._onePassMessageCount))
        let encoder = PortableEncoder(registry: registry)
        for (message, original) in zip(decoded, messages) {
            #expect(try encoder.encode(message.body, globalData: message.globalData) == original)
        }
        // Shared references arrive shared, the cycle arrives closed, global data arrives with its message.
        let accounts = try #require(decoded[1].body.arrayValue)
        #expect(accounts[0].object as AnyObject === accounts[1].object as AnyObject)
        #expect(accounts[0].object as AnyObject !== accounts[2].object as AnyObject)
        #expect(decoded[2].globalData.count == 5)
        #expect((decoded[2].body[199]?.object as? PersonRow)?.name == "P4")
        let root = try #require(decoded[3].body.object as? TreeNode)
        #expect(root.children.first?.parent === root)
    }

    @Test func decodesTypedAndCastMessagesAcrossRandomSplits() throws {
        let registry = try makeRegistry()
        let encoder = PortableEncoder(registry: registry)
        var bytes: [UInt8] = []
        for i in 0..<50 {
            bytes += try encoder.encode(Drawing(title: "d\(i)", shapes: [Circle(radius: Double(i))], highlight: Square(side: 1)))
        }
        for seed in [1, 2, 3] as [UInt64] {
            var stream = PortableStreamDecoder(registry: registry)
            var titles: [String] = []
            for chunk in randomChunks(of: bytes, cuts: 1000, seed: seed) {
                stream.feed(chunk)
                while let drawing = try stream.next(Drawing.self) { titles.append(drawing.title) }
            }
            try stream.finish()
            #expect(titles == (0..<50).map { "d\($0)" })
        }
        var cast = PortableStreamDecoder(registry: registry)
        cast.feed(try encoder.encode(any: [Circle(radius: 2), Square(side: 1)] as [any Shape]))
        let shapes = try #require(try cast.next([any Shape].self))
        #expect(shapes.map(\.area) == [12, 1])
    }

    @Test func everyCutInsideAPortableMessageIsTruncated() throws {
        let registry = try makeRegistry()
        let (_, messages) = try portableStream(registry)
        // The global-data message and the cycle, cut at every byte inside them, whole and byte by byte.
        for message in [messages[2], messages[3], messages[1]] {
            for cut in 1..<message.count {
                for chunks in [[Array(message[..<cut])], message[..<cut].map { [$0] }] {
                    var stream = PortableStreamDecoder(registry: registry)
                    var count = 0
                    var failure: MessagePackError?
                    do {
                        for chunk in chunks {
                            stream.feed(chunk)
                            while try stream.nextValue() != nil { count += 1 }
                        }
                        try stream.finish()
                    } catch let error as MessagePackError {
                        failure = error
                    }
                    #expect(count == 0)
                    #expect(failure?.code == .truncated, "cut at \(cut)")
                    #expect(failure?.byteOffset == cut, "cut at \(cut)")
                }
            }
        }
    }

    @Test(arguments: Chunking.allCases)
    func portableErrorsCarryTheStreamOffsetAndPoisonTheDecoder(_ chunking: Chunking) throws {
        let registry = try makeRegistry()
        var empty = TypeRegistry()
        try empty.register(Circle.self)
        let first = try PortableEncoder(registry: registry).encode(any: Circle(radius: 1))
        let second = try PortableEncoder(registry: registry).encode(any: Account(owner: "x"))
        var stream = PortableStreamDecoder(registry: empty)
        var values: [PortableValue] = []
        var failure: MessagePackError?
        do {
            for chunk in chunking.chunks(of: first + second + [0xc0]) {
                stream.feed(chunk)
                while let value = try stream.nextValue() { values.append(value) }
            }
        } catch let error as MessagePackError {
            failure = error
        }
        #expect(values.count == 1)
        #expect(failure?.code == .unknownType)
        #expect(failure?.byteOffset == first.count)
        let again = #expect(throws: MessagePackError.self) { try stream.nextValue() }
        #expect(again?.code == .unknownType)
    }

    @Test(arguments: Chunking.allCases)
    func oversizePortableMessageIsLimitExceeded(_ chunking: Chunking) throws {
        let registry = try makeRegistry()
        let rows = (0..<200).map { PersonRow(id: $0, name: "P\($0)", email: "e", city: "c") }
        let big = try PortableEncoder(registry: registry).encode(any: rows)
        var limits = PortableLimits()
        limits.maxMessageByteCount = big.count - 1
        var stream = PortableStreamDecoder(registry: registry, limits: limits)
        var failure: MessagePackError?
        do {
            for chunk in chunking.chunks(of: big) {
                stream.feed(chunk)
                while try stream.nextValue() != nil {}
            }
        } catch let error as MessagePackError {
            failure = error
        }
        // The whole message is one G ext whose declared length already shows it is too large.
        #expect(failure?.code == .limitExceeded)
        #expect(failure?.byteOffset == 0)
        limits.maxMessageByteCount = big.count
        var fits = PortableStreamDecoder(registry: registry, limits: limits)
        for chunk in chunking.chunks(of: big) { fits.feed(chunk) }
        #expect(try fits.nextValue()?.arrayValue?.count == 200)
    }

    @Test func garbageIsATypedError() {
        var stream = PortableStreamDecoder(registry: TypeRegistry())
        stream.feed([0x93, 0x01, 0xc1])
        let error = #expect(throws: MessagePackError.self) { try stream.nextValue() }
        #expect(error?.code == .invalidFormatByte)
        #expect(error?.byteOffset == 2)
    }
}

@Suite struct PortableStreamEncoderTests {
    @Test func writesMessagesToAByteArraySinkThatTheStreamDecoderReadsBack() throws {
        let registry = try makeRegistry()
        let (bytes, messages) = try portableStream(registry)
        var stream = PortableStreamEncoder(registry: registry, sink: ByteArraySink())
        var decoder = PortableStreamDecoder(registry: registry)
        decoder.feed(bytes)
        while let message = try decoder.nextMessage() { try stream.write(message.body) }
        // Messages with global data are re-sent with their table: compare those through the decoder.
        #expect(stream.messageCount == messages.count)
        #expect(stream.sink.bytes.count > 0)
        var again = PortableStreamDecoder(registry: registry)
        again.feed(stream.sink.bytes)
        var count = 0
        while try again.nextValue() != nil { count += 1 }
        try again.finish()
        #expect(count == messages.count)
    }

    @Test func writesToAFileDescriptor() throws {
        let registry = try makeRegistry()
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let reader = FileHandle(fileDescriptor: fds[0], closeOnDealloc: false)
        var stream = PortableStreamEncoder(registry: registry, sink: FileDescriptorSink(fileDescriptor: fds[1]))
        // More than a pipe buffer holds (64 KiB), read concurrently, so partial writes happen.
        let circles = (0..<20_000).map { Circle(radius: Double($0)) }
        let readTask = Task.detached { reader.readDataToEndOfFile() }
        try stream.write(any: circles)
        try stream.write(Drawing(title: "after", shapes: [], highlight: Circle(radius: 1)))
        close(fds[1])
        let received = [UInt8](try awaitResult(readTask))
        var decoder = PortableStreamDecoder(registry: registry)
        decoder.feed(received)
        #expect(try decoder.next([any Shape].self)?.count == 20_000)
        #expect(try decoder.next(Drawing.self)?.title == "after")
        try decoder.finish()
    }

    @Test func fileDescriptorSinkReportsErrno() {
        let sink = FileDescriptorSink(fileDescriptor: -1)
        let error = #expect(throws: SystemCallError.self) { try ([1] as [UInt8]).withUnsafeBytes { try sink.write($0) } }
        #expect(error?.errno == EBADF)
    }

    @Test func asyncWriterAndAsyncSequenceRoundTripTypedMessages() async throws {
        let registry = try makeRegistry()
        let (chunks, continuation) = AsyncStream<[UInt8]>.makeStream()
        var writer = PortableAsyncWriter(registry: registry, sink: continuation)
        for i in 0..<20 {
            try await writer.write(Drawing(title: "d\(i)", shapes: [Square(side: Double(i))], highlight: Circle(radius: 1)))
        }
        continuation.finish()
        var titles: [String] = []
        for try await drawing in chunks.portableMessages(of: Drawing.self, registry: registry) {
            titles.append(drawing.title)
        }
        #expect(titles == (0..<20).map { "d\($0)" })
    }

    @Test(arguments: Chunking.allCases)
    func asyncSequenceDecodesEveryChunkingAndThrowsTruncatedAtACutEnd(_ chunking: Chunking) async throws {
        let registry = try makeRegistry()
        let (bytes, messages) = try portableStream(registry)
        let (chunks, continuation) = AsyncStream<[UInt8]>.makeStream()
        for chunk in chunking.chunks(of: bytes) { continuation.yield(chunk) }
        continuation.finish()
        var count = 0
        for try await value in chunks.portableValues(registry: registry) {
            _ = value
            count += 1
        }
        #expect(count == messages.count)

        let (cut, cutContinuation) = AsyncStream<ArraySlice<UInt8>>.makeStream()
        cutContinuation.yield(bytes[..<(messages[0].count + 3)])
        cutContinuation.finish()
        var seen = 0
        let error = await #expect(throws: MessagePackError.self) {
            for try await _ in cut.portableMessages(of: Drawing.self, registry: registry) { seen += 1 }
        }
        #expect(seen == 1)
        #expect(error?.code == .truncated)
    }
}

/// Waits for a detached task from synchronous test code.
func awaitResult<T: Sendable>(_ task: Task<T, Never>) throws -> T {
    let semaphore = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: T?
    Task {
        result = await task.value
        semaphore.signal()
    }
    semaphore.wait()
    return result!
}

@Suite struct PortableStreamPoisoningTests {
    @Test func aDecodingErrorFromTheCallersTypeIsRethrownOnEveryLaterCall() throws {
        struct Named: Decodable { var name: String }
        var stream = PortableStreamDecoder(registry: TypeRegistry())
        stream.feed((["other": 1] as MessagePackValue).encoded() + (["name": "x"] as MessagePackValue).encoded())
        // A missing key is the Spec's typeMismatch (portable-objects.md 3.2), with the path and offset.
        let first = #expect(throws: MessagePackError.self) { try stream.next(Named.self) }
        #expect(first?.code == .typeMismatch)
        #expect(first?.detail.contains("'name'") == true)
        // The next message is well-formed, but the decoder stopped at the first error.
        let again = #expect(throws: MessagePackError.self) { try stream.next(Named.self) }
        #expect(again?.code == .typeMismatch)
        #expect(throws: MessagePackError.self) { try stream.finish() }
    }
}

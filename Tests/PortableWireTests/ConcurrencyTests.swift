// SPDX-License-Identifier: Apache-2.0
import Dispatch
import PortableWire
import TestSupport
import Testing

// Concurrency (issue 7, item 6): the coders and the registry are `Sendable` values, and one of each, shared,
// encodes and decodes from many tasks at once. Run under the thread sanitizer in CI (.ci/run), this is where
// a data race in shared state (caches, registries, statics) would show.

/// Fails to compile unless `T` is `Sendable`.
private func requireSendable<T: Sendable & ~Copyable>(_: T.Type) {}

/// A reading with hand-written typed conformances and synthesized Codable: both routes must agree.
private struct Reading: MessagePackCodable, Codable, Equatable {
    var sensor: String
    var values: [Double]
    var flags: [String: Int]
    var note: String?

    func encode(to writer: inout MessagePackWriter) {
        writer.writeMapHeader(count: note == nil ? 3 : 4)
        writer.writeKey("sensor")
        writer.write(sensor)
        writer.encode(values, key: "values")
        writer.encode(flags, key: "flags")
        if let note {
            writer.writeKey("note")
            writer.write(note)
        }
    }

    init(sensor: String, values: [Double], flags: [String: Int], note: String?) {
        self.sensor = sensor
        self.values = values
        self.flags = flags
        self.note = note
    }

    init(from reader: inout MessagePackReader) throws(MessagePackError) {
        var sensor: String?, values: [Double]?, flags: [String: Int]?, note: String?
        for _ in 0..<(try reader.readMapHeader()) {
            switch try reader.readKey() {
            case "sensor": sensor = try reader.decode(String.self, key: "sensor")
            case "values": values = try reader.decode([Double].self, key: "values")
            case "flags":
                var read: [String: Int] = [:]
                for _ in 0..<(try reader.readMapHeader()) {
                    let key = try reader.readString()
                    read[key] = try reader.decode(Int.self, key: "flags")
                }
                flags = read
            case "note": note = try reader.decode(String.self, key: "note")
            default: try reader.skipValue()
            }
        }
        self.sensor = try reader.required(sensor, "sensor", in: "Reading")
        self.values = try reader.required(values, "values", in: "Reading")
        self.flags = try reader.required(flags, "flags", in: "Reading")
        self.note = note
    }
}

/// What one task found wrong.
private struct Mismatch: Error, CustomStringConvertible {
    var description: String
}

private func check(_ condition: Bool, _ what: @autoclosure () -> String) throws {
    if !condition { throw Mismatch(description: what()) }
}

@Suite struct ConcurrencyTests {
    @Test func theCodersAndTheRegistryAreSendable() {
        requireSendable(MessagePackEncoder.self)
        requireSendable(MessagePackEncoder.Options.self)
        requireSendable(MessagePackDecoder.self)
        requireSendable(MessagePackDecoder.Options.self)
        requireSendable(MessagePackLimits.self)
        requireSendable(MessagePackValue.self)
        requireSendable(MessagePackError.self)
        requireSendable(MessagePackTimestamp.self)
        requireSendable(MessagePackStreamDecoder.self)
        requireSendable(MessagePackFrameScanner.self)
        requireSendable(ByteArraySink.self)
        requireSendable(TypeRegistry.self)
        requireSendable(PortableEncoder.self)
        requireSendable(PortableDecoder.self)
        requireSendable(PortableExtensionTypes.self)
        requireSendable(PortableStreamDecoder.self)
        requireSendable(PortableStreamEncoder<ByteArraySink>.self)
        requireSendable(MessagePackStreamWriter<ByteArraySink>.self)
        requireSendable(MessagePackWriter.self)
    }

    /// Each Codable decode asks the process-wide table of type facts (is this a `Dictionary`?) for its first
    /// type, under one lock. Here threads hammer that lock with small decodes, so that it is contended: the
    /// table was behind a `Synchronization.Mutex`, whose contended hand-over on Linux the thread sanitizer cannot
    /// see (the kernel hands the lock over: FUTEX_LOCK_PI), and CI's sanitizer run reported a race between two of
    /// its lock bodies. The table is now behind a pthread mutex, which the sanitizer follows. (A stand-alone
    /// program with eight threads taking one `Mutex` 200,000 times each was reported three runs out of three;
    /// the same program with a pthread mutex, in none.)
    @Test func typeFactsAreLookedUpFromManyThreadsAtOnce() throws {
        struct Small: Codable, Equatable { var x: Int }
        struct Keyed: Codable, Equatable { var table: [String: Int] }
        let decoder = MessagePackDecoder()
        let small = try MessagePackEncoder().encode(Small(x: 7))
        let keyed = try MessagePackEncoder().encode(Keyed(table: ["a": 1]))
        let failures = DispatchQueue(label: "failures")
        nonisolated(unsafe) var failed = 0
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            var wrong = 0
            for i in 0..<4_000 {
                if thread % 2 == i % 2 {
                    if (try? decoder.decode(Small.self, from: small)) != Small(x: 7) { wrong += 1 }
                } else if (try? decoder.decode(Keyed.self, from: keyed)) != Keyed(table: ["a": 1]) {
                    wrong += 1
                }
            }
            failures.sync { failed += wrong }
        }
        #expect(failures.sync { failed } == 0)
    }

    @Test func sharedCodersEncodeAndDecodeFromManyTasksAtOnce() async throws {
        // One registry and one of each coder, shared by every task.
        let registry = try makeRegistry()
        let portableEncoder = PortableEncoder(registry: registry)
        let portableDecoder = PortableDecoder(registry: registry)
        var configured = MessagePackEncoder()
        configured.userInfo[CodingUserInfoKey(rawValue: "shared")!] = "yes"
        let plainEncoder = configured
        let plainDecoder = MessagePackDecoder()
        let limits = MessagePackLimits()
        let tasks = 32
        let messagesPerTask = 240

        let checked = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var count = 0
                    // Each task streams its own portable messages and plain values back to itself.
                    var portableOut = PortableStreamEncoder(encoder: portableEncoder, sink: ByteArraySink())
                    var expectedObjects: [String] = []
                    var plainStream = MessagePackStreamDecoder(limits: limits)
                    var expectedValues: [MessagePackValue] = []

                    for i in 0..<messagesPerTask {
                        let tag = "t\(task)-m\(i)"
                        switch i % 6 {
                        case 0:
                            // Codable through the plain coders.
                            let reading = Reading(
                                sensor: tag, values: [Double(i), -0.0, .infinity], flags: ["a": task, "b": i],
                                note: i % 12 == 0 ? nil : "n")
                            let bytes = try plainEncoder.encode(reading)
                            try check(try plainDecoder.decode(Reading.self, from: bytes) == reading, "Codable \(tag)")
                            // The typed route writes the same bytes and reads them back.
                            try check(reading.messagePackBytes() == bytes, "typed bytes \(tag)")
                            try check(try reading.messagePackBytes(limits: limits) == bytes, "checked typed bytes \(tag)")
                            try check(try Reading(messagePack: bytes, limits: limits) == reading, "typed decode \(tag)")
                        case 1:
                            // Shared class instances arrive shared.
                            let account = Account(owner: tag)
                            let bytes = try portableEncoder.encode(any: [account, account, Account(owner: "other")])
                            let back = try portableDecoder.decode([Account].self, from: bytes)
                            try check(back.count == 3 && back[0] === back[1] && back[0] !== back[2], "sharing \(tag)")
                            try check(back[0].owner == tag && back[2].owner == "other", "accounts \(tag)")
                        case 2:
                            // Global data: rows carry ids, the details travel once in the envelope.
                            let people = (0..<4).map { PersonRow(id: $0, name: "\(tag)-\($0)", email: "e\($0)", city: "c") }
                            let rows = (0..<20).map { people[$0 % 4] }
                            let bytes = try portableEncoder.encode(any: rows)
                            try check(bytes.first == 0xc7 || bytes.first == 0xc8, "envelope \(tag)")
                            let back = try portableDecoder.decode([PersonRow].self, from: bytes)
                            try check(back == rows, "global data \(tag)")
                        case 3:
                            // Polymorphic values inside a Codable struct.
                            let drawing = Drawing(
                                title: tag, shapes: [Circle(radius: Double(i)), Square(side: Double(task))],
                                highlight: Circle(radius: 1))
                            let bytes = try portableEncoder.encode(drawing)
                            let back = try portableDecoder.decode(Drawing.self, from: bytes)
                            try check(back.title == tag, "drawing \(tag)")
                            try check((back.shapes[0] as? Circle) == Circle(radius: Double(i)), "shape \(tag)")
                            try check((back.shapes[1] as? Square) == Square(side: Double(task)), "shape \(tag)")
                            try check((back.highlight as? Circle) == Circle(radius: 1), "highlight \(tag)")
                        case 4:
                            // Dynamic values, plain and portable.
                            let value: MessagePackValue = ["tag": .string(tag), "n": .int(Int64(i)), "list": [1, 2, .nil]]
                            let bytes = value.encoded()
                            try check(try value.encoded(limits: limits) == bytes, "checked dynamic \(tag)")
                            try check(try MessagePackValue(decoding: bytes, limits: limits) == value, "dynamic \(tag)")
                            plainStream.feed(bytes)
                            expectedValues.append(value)
                            let portable: PortableValue = ["tag": .string(tag), "shape": .object(Square(side: 2))]
                            let decoded = try portableDecoder.decode(from: try portableEncoder.encode(portable))
                            try check(decoded["tag"]?.stringValue == tag, "portable dynamic \(tag)")
                            try check((decoded["shape"]?.object as? Square) == Square(side: 2), "portable dynamic \(tag)")
                        default:
                            // A two-phase cycle, whose instances must stay one graph.
                            let root = TreeNode.withChild(name: tag, childName: "leaf")
                            let back = try portableDecoder.decode(TreeNode.self, from: try portableEncoder.encode(any: root))
                            try check(back.name == tag && back.children.first?.parent === back, "cycle \(tag)")
                        }
                        // Every message also goes into this task's stream.
                        try portableOut.write(any: Account(owner: tag))
                        expectedObjects.append(tag)
                        count += 1
                    }

                    // Read the task's stream back in uneven chunks with its own stream decoder.
                    let stream = portableOut.sink.bytes
                    var decoder = PortableStreamDecoder(decoder: portableDecoder)
                    var owners: [String] = []
                    var start = 0
                    var step = 1 + task % 13
                    while start < stream.count {
                        let end = min(start + step, stream.count)
                        decoder.feed(stream[start..<end])
                        while let account = try decoder.next(Account.self) { owners.append(account.owner) }
                        start = end
                        step = step * 3 % 97 + 1
                    }
                    try decoder.finish()
                    try check(owners == expectedObjects, "stream of task \(task)")

                    var values: [MessagePackValue] = []
                    while let value = try plainStream.next() { values.append(value) }
                    try plainStream.finish()
                    try check(values == expectedValues, "plain stream of task \(task)")
                    return count
                }
            }
            var total = 0
            for try await count in group { total += count }
            return total
        }
        #expect(checked == tasks * messagesPerTask)
    }

    @Test func theDepthLimitHoldsOnEveryTaskAtOnce() async throws {
        // The depth bookkeeping lives in each call's own state, never in the shared encoder.
        let registry = try makeRegistry()
        let encoder = PortableEncoder(registry: registry)
        let plain = MessagePackEncoder()
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for task in 0..<16 {
                group.addTask {
                    var value: PortableValue = .nil
                    for _ in 0..<(task % 2 == 0 ? 512 : 513) { value = .array([value]) }
                    var plainValue: MessagePackValue = .nil
                    for _ in 0..<(task % 2 == 0 ? 512 : 513) { plainValue = .array([plainValue]) }
                    let portableFailed = (try? encoder.encode(value)) == nil
                    let plainFailed = (try? plain.encode(plainValue)) == nil
                    let checkedFailed = (try? plainValue.encoded(limits: .default)) == nil
                    return portableFailed == (task % 2 == 1) && plainFailed == (task % 2 == 1) && checkedFailed == (task % 2 == 1)
                }
            }
            var all: [Bool] = []
            for try await ok in group { all.append(ok) }
            return all
        }
        #expect(results.count == 16 && results.allSatisfy { $0 })
    }
}

// SPDX-License-Identifier: Apache-2.0
import PortableWire
import TestSupport

// MARK: Errors

/// The error as a `MessagePackError`, or nil: every entry point throws that type and only it (README, "Errors"),
/// so any other error is a finding.
func messagePackError(in error: any Error) -> MessagePackError? {
    error as? MessagePackError
}

/// How one decoder call ended, for messages in expectations.
func describe(_ error: any Error) -> String {
    if let error = error as? MessagePackError { return "MessagePackError \(error)" }
    return "\(type(of: error)): \(error)"
}

// MARK: Decoder zoo

/// Every one-shot way the package decodes a buffer into something, with the error type each promises.
enum OneShot {
    static func plain(_ bytes: [UInt8]) -> Result<MessagePackValue, MessagePackError> {
        Result { () throws(MessagePackError) in try MessagePackValue(decoding: bytes) }
    }

    static func typedValue(_ bytes: [UInt8]) -> Result<MessagePackValue, MessagePackError> {
        Result { () throws(MessagePackError) in try MessagePackValue(messagePack: bytes) }
    }

    static func typedRecord(_ bytes: [UInt8]) -> Result<TypedRecord, MessagePackError> {
        Result { () throws(MessagePackError) in try TypedRecord(messagePack: bytes) }
    }

    static func codable<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) -> Result<T, any Error> {
        Result { try MessagePackDecoder().decode(T.self, from: bytes) }
    }

    static func portable(_ bytes: [UInt8], _ decoder: PortableDecoder) -> Result<PortableMessage, any Error> {
        Result { try decoder.decodeMessage(from: bytes) }
    }
}

/// The portable decoders the robustness properties run: the sample types registered or not, unknown types
/// rejected or passed through, cycles allowed or rejected.
struct PortableDecoderVariant: CustomStringConvertible {
    let name: String
    let decoder: PortableDecoder
    var description: String { name }

    static let all: [PortableDecoderVariant] = {
        var registered = PortableDecoder(registry: sampleRegistry)
        var registeredPassthrough = PortableDecoder(registry: sampleRegistry)
        registeredPassthrough.unknownTypes = .passthrough
        var relay = PortableDecoder(registry: TypeRegistry())
        relay.unknownTypes = .passthrough
        var strictRelay = relay
        strictRelay.cycles = .reject
        registered.unknownTypes = .reject
        return [
            .init(name: "registered", decoder: registered),
            .init(name: "registered+passthrough", decoder: registeredPassthrough),
            .init(name: "relay (no types, passthrough)", decoder: relay),
            .init(name: "relay (no types, passthrough, cycles rejected)", decoder: strictRelay),
        ]
    }()

    var registry: TypeRegistry { decoder.registry }
}

/// Encodes a decoded message again (body and global data), with the decoder's registry.
func reencode(_ message: PortableMessage, registry: TypeRegistry) throws -> [UInt8] {
    let encoder = PortableEncoder(registry: registry)
    return message.globalData.isEmpty
        ? try encoder.encode(message.body) : try encoder.encode(message.body, globalData: message.globalData)
}

// MARK: Streams

/// What a stream decoder produced, in order.
enum StreamEvent: Equatable, CustomStringConvertible {
    case value(MessagePackValue)
    case failure(code: String, offset: Int)
    /// `finish()` returned: the stream ended between messages.
    case finished

    var description: String {
        switch self {
        case .value(let v): "value \(v)"
        case .failure(let code, let offset): "\(code) at \(offset)"
        case .finished: "finished"
        }
    }
}

/// The ways a stream is cut for the chunking properties: whole, byte by byte, and random cuts.
func chunkings(of bytes: [UInt8], seed: UInt64) -> [(name: String, chunks: [[UInt8]])] {
    var rng = SeededGenerator(seed: seed)
    let cuts = bytes.count > 1 ? Int.random(in: 1...max(1, bytes.count / 2), using: &rng) : 0
    return [
        ("whole", Chunking.whole.chunks(of: bytes)),
        ("byte by byte", Chunking.byteByByte.chunks(of: bytes)),
        ("\(cuts) random cuts (seed \(seed))", randomChunks(of: bytes, cuts: cuts, seed: seed)),
    ]
}

/// Feeds `chunks` to a fresh `MessagePackStreamDecoder`, taking out every message after each chunk.
func plainStreamEvents(_ chunks: [[UInt8]]) -> [StreamEvent] {
    var decoder = MessagePackStreamDecoder()
    var events: [StreamEvent] = []
    do throws(MessagePackError) {
        for chunk in chunks {
            decoder.feed(chunk)
            while let value = try decoder.next() { events.append(.value(value)) }
        }
        try decoder.finish()
        while let value = try decoder.next() { events.append(.value(value)) }
        events.append(.finished)
    } catch {
        events.append(.failure(code: error.code.name, offset: error.byteOffset))
    }
    return events
}

/// The frames `nextFrame` hands out for `bytes` fed whole, and how the stream ended (nil: cleanly).
func plainStreamFrames(_ bytes: [UInt8]) -> (frames: [[UInt8]], end: (any Error)?) {
    var decoder = MessagePackStreamDecoder()
    decoder.feed(bytes)
    var frames: [[UInt8]] = []
    do {
        while let frame = try decoder.nextFrame({ Array($0.bindMemory(to: UInt8.self)) }) { frames.append(frame) }
        try decoder.finish()
        return (frames, nil)
    } catch {
        return (frames, error)
    }
}

/// What a portable stream decoder produced, in order: messages, then an error or a clean end.
struct PortableStreamRun {
    var messages: [PortableMessage] = []
    /// The error that stopped the stream (nil when it finished cleanly).
    var failure: (any Error)?
}

func portableStreamRun(_ chunks: [[UInt8]], decoder: PortableDecoder) -> PortableStreamRun {
    var stream = PortableStreamDecoder(decoder: decoder)
    var run = PortableStreamRun()
    do {
        for chunk in chunks {
            stream.feed(chunk)
            while let message = try stream.nextMessage() { run.messages.append(message) }
        }
        try stream.finish()
        while let message = try stream.nextMessage() { run.messages.append(message) }
    } catch {
        run.failure = error
    }
    return run
}

/// Whether two portable stream runs produced the same messages (same graphs) and the same end.
func sameRuns(_ a: PortableStreamRun, _ b: PortableStreamRun) -> String? {
    guard a.messages.count == b.messages.count else { return "\(a.messages.count) vs \(b.messages.count) messages" }
    for (i, (x, y)) in zip(a.messages, b.messages).enumerated() {
        var matcher = GraphMatcher()
        guard x.globalData.count == y.globalData.count else { return "message \(i): global data sizes differ" }
        for (e, f) in zip(x.globalData, y.globalData) {
            guard e.key.unicodeScalars.elementsEqual(f.key.unicodeScalars) else { return "message \(i): global data keys differ" }
            matcher.same(e.value, f.value, at: "$globalData")
        }
        matcher.same(x.body, y.body)
        if let mismatch = matcher.mismatch { return "message \(i): \(mismatch)" }
    }
    switch (a.failure, b.failure) {
    case (nil, nil): return nil
    case (let e?, let f?):
        guard let m = e as? MessagePackError, let n = f as? MessagePackError else {
            return describe(e) == describe(f) ? nil : "\(describe(e)) vs \(describe(f))"
        }
        guard m.code == n.code, m.byteOffset == n.byteOffset else { return "\(m) vs \(n)" }
        return nil
    case (let e?, nil): return "\(describe(e)) vs a clean end"
    case (nil, let f?): return "a clean end vs \(describe(f))"
    }
}

/// Breaks the cycles of every message of a run.
func tearDown(_ run: PortableStreamRun) {
    for m in run.messages { breakCycles([m.body] + m.globalData.map(\.value)) }
}

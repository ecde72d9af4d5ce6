// SPDX-License-Identifier: Apache-2.0
import PortableWire
import PropertyBased
import Testing
import TestSupport

/// Issue 7, item 4, property 2: every strict prefix of a valid message (the empty one included) fails with
/// `truncated` (Spec/format.md 6.2 and 6.3: the input ends inside the value), in every decoder, and never
/// with another code; a stream that ends there is `truncated` at `finish()` (6.7).
@Suite struct TruncationProperties {
    /// The prefix lengths to try: all of them for short messages, else the first and last 32 and a
    /// seeded sample in between (120 in all).
    static func prefixLengths(of count: Int, seed: UInt64) -> [Int] {
        guard count > 120 else { return Array(0..<count) }
        var rng = SeededGenerator(seed: seed)
        var lengths = Set(0..<32).union((count - 32)..<count)
        while lengths.count < 120 { lengths.insert(Int.random(in: 0..<count, using: &rng)) }
        return lengths.sorted()
    }

    /// The portable decoders that decode the whole `message`.
    static func variants(accepting message: [UInt8]) -> [PortableDecoderVariant] {
        PortableDecoderVariant.all.filter { variant in
            guard case .success(let decoded) = OneShot.portable(message, variant.decoder) else { return false }
            breakCycles([decoded.body] + decoded.globalData.map(\.value))
            return true
        }
    }

    /// Runs decoders over the prefixes of one message and records, per decoder, the shortest prefix that
    /// does not fail with `truncated`.
    struct PrefixRun {
        let message: [UInt8]
        let sourceLocation: SourceLocation
        private var failed: Set<String> = []

        init(_ message: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
            self.message = message
            self.sourceLocation = sourceLocation
        }

        /// Expects `outcome` to be a `MessagePackError` whose code is `truncated`.
        mutating func expectTruncated<T>(_ decoder: String, _ prefix: [UInt8], _ outcome: Result<T, some Error>) {
            guard !failed.contains(decoder) else { return }
            let what: String
            switch outcome {
            case .success(let value):
                what = "decoded it into \(value)"
            case .failure(let error):
                guard messagePackError(in: error)?.code != .truncated else { return }
                what = "threw \(describe(error)), not truncated"
            }
            failed.insert(decoder)
            Issue.record(
                "\(decoder) on the \(prefix.count)-byte prefix \(what)\nprefix:  \(hexDump(prefix))\nmessage: \(hexDump(message))",
                sourceLocation: sourceLocation)
        }

        /// A stream that ends after `prefix`: no message, then `truncated` at `finish()` (an empty stream is
        /// not an error).
        mutating func expectStreamTruncated(_ prefix: [UInt8]) {
            let events = plainStreamEvents([prefix])
            let expected: [StreamEvent] = prefix.isEmpty ? [.finished] : [.failure(code: "truncated", offset: prefix.count)]
            guard events != expected, !failed.contains("stream") else { return }
            failed.insert("stream")
            Issue.record(
                "MessagePackStreamDecoder fed the \(prefix.count)-byte prefix gives \(events), not \(expected)\nprefix:  \(hexDump(prefix))\nmessage: \(hexDump(message))",
                sourceLocation: sourceLocation)
        }

        mutating func expectPortableStreamTruncated(_ prefix: [UInt8]) {
            let run = portableStreamRun([prefix], decoder: PortableDecoder(registry: sampleRegistry))
            defer { tearDown(run) }
            let ok = run.messages.isEmpty && (prefix.isEmpty ? run.failure == nil : run.failure.flatMap(messagePackError(in:))?.code == .truncated)
            guard !ok, !failed.contains("portable stream") else { return }
            failed.insert("portable stream")
            Issue.record(
                "PortableStreamDecoder fed the \(prefix.count)-byte prefix gives \(run.messages.count) message(s), then \(run.failure.map(describe) ?? "a clean end")\nprefix:  \(hexDump(prefix))\nmessage: \(hexDump(message))",
                sourceLocation: sourceLocation)
        }
    }

    @Test func everyPrefixOfAPlainMessageIsTruncated() async {
        await propertyCheck(count: 250, input: Scenarios.plain()) { scenario in
            let message = scenario.value.encoded()
            var run = PrefixRun(message)
            // Plain ext values of the portable types mean something else to a portable decoder.
            let portableToo = !PortableValue(scenario.value).containsExtension(ofType: portableExtTypes)
            // A plain message means the same to every portable decoder: one that knows the sample types,
            // and a relay that knows none.
            let accepting = portableToo ? Self.variants(accepting: message).filter { $0.name == "registered" || $0.name.hasPrefix("relay (no types, passthrough)") } : []
            #expect(accepting.count == (portableToo ? 2 : 0))
            for n in Self.prefixLengths(of: message.count, seed: scenario.seed) {
                let prefix = Array(message[..<n])
                run.expectTruncated("MessagePackValue(decoding:)", prefix, OneShot.plain(prefix))
                run.expectTruncated("MessagePackValue(messagePack:)", prefix, OneShot.typedValue(prefix))
                run.expectTruncated("MessagePackDecoder → MessagePackValue", prefix, OneShot.codable(MessagePackValue.self, prefix))
                run.expectStreamTruncated(prefix)
                if portableToo {
                    for variant in accepting {
                        run.expectTruncated("PortableDecoder \(variant)", prefix, OneShot.portable(prefix, variant.decoder))
                    }
                }
            }
        }
    }

    /// Codable structs, dictionaries, optionals and an enum with associated values (synthesized
    /// conformances), through `MessagePackDecoder` and through `PortableDecoder`.
    @Test func everyPrefixOfACodableMessageIsTruncated() async {
        await propertyCheck(count: 120, input: Gen.uint64().withoutShrink()) { seed in
            var f = ValueFactory(seed: seed)
            let message = try MessagePackEncoder().encode(f.record())
            _ = try MessagePackDecoder().decode(Record.self, from: message)  // the whole message decodes
            var run = PrefixRun(message)
            for n in Self.prefixLengths(of: message.count, seed: seed) {
                let prefix = Array(message[..<n])
                run.expectTruncated("MessagePackDecoder → Record", prefix, OneShot.codable(Record.self, prefix))
                run.expectTruncated("MessagePackDecoder → [String: MessagePackValue]", prefix, OneShot.codable([String: MessagePackValue].self, prefix))
                run.expectTruncated(
                    "PortableDecoder → Record", prefix,
                    Result { try PortableDecoder(registry: sampleRegistry).decode(Record.self, from: prefix) })
            }
        }
    }

    /// A hand-written `MessagePackDecodable` conformance (README "Speed").
    @Test func everyPrefixOfATypedMessageIsTruncated() async {
        await propertyCheck(count: 200, input: Gen.uint64().withoutShrink()) { seed in
            var f = ValueFactory(seed: seed)
            let typed = f.typedRecord()
            let message = typed.messagePackBytes()
            #expect((try? TypedRecord(messagePack: message)) == typed)
            var run = PrefixRun(message)
            for n in Self.prefixLengths(of: message.count, seed: seed) {
                let prefix = Array(message[..<n])
                run.expectTruncated("TypedRecord(messagePack:)", prefix, OneShot.typedRecord(prefix))
                run.expectStreamTruncated(prefix)
            }
        }
    }

    @Test func everyPrefixOfAPortableMessageIsTruncated() async {
        await propertyCheck(count: 150, input: Scenarios.portable) { seed in
            let scenario = seed.make()
            defer { scenario.tearDown() }
            let message = try scenario.encode(with: PortableEncoder(registry: sampleRegistry))
            var run = PrefixRun(message)
            // The property is about prefixes of messages the decoder accepts whole: a decoder that rejects
            // cycles rejects some of these messages, at a back-reference that may come before the cut.
            let accepting = Self.variants(accepting: message)
            #expect(accepting.count >= 3, "only \(accepting) decode the whole message")
            for n in Self.prefixLengths(of: message.count, seed: scenario.seed) {
                let prefix = Array(message[..<n])
                for variant in accepting {
                    run.expectTruncated("PortableDecoder \(variant)", prefix, OneShot.portable(prefix, variant.decoder))
                }
                // To the plain layer the message is ordinary MessagePack (portable objects are ext values).
                run.expectTruncated("MessagePackValue(decoding:)", prefix, OneShot.plain(prefix))
                run.expectStreamTruncated(prefix)
                run.expectPortableStreamTruncated(prefix)
            }
        }
    }
}

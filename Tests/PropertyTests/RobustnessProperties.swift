// SPDX-License-Identifier: Apache-2.0
import PortableWire
import PropertyBased
import Testing
import TestSupport

/// Issue 7, item 4, property 3: random bytes, and valid messages with random bit flips, byte replacements,
/// insertions, deletions and cuts. Every decoder either returns a value or throws its documented error
/// (`MessagePackError`, the one error type of every entry point), never traps and never throws
/// anything else; what decodes re-encodes (canonically, idempotently); the decoders agree with each other;
/// stream decoding gives the same messages and the same error however the bytes are cut, and agrees with
/// one-shot decoding of each message.
@Suite struct RobustnessProperties {
    // MARK: Inputs

    /// Bytes that matter to a decoder: every header family, c1, ext types of the portable layer, UTF-8
    /// lead bytes, counts at their limits.
    static let interestingBytes: [UInt8] = [
        0x00, 0x01, 0x02, 0x0f, 0x10, 0x7f, 0x80, 0x81, 0x8f, 0x90, 0x91, 0x9f, 0xa0, 0xa1, 0xa3, 0xbf, 0xc0, 0xc1, 0xc2,
        0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5,
        0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xed, 0xf4, 0xf5, 0xfe, 0xff, 0x47, 0x50,
        0x51, 0x52, 0x3b, 0x9a,
    ]

    /// Random inputs of up to 48 bytes, half of them drawn from ``interestingBytes``; shrinks to a short input.
    static let randomInputs = Gen.uint8().array(of: 0...48).map { raw in
        raw.map { $0 & 1 == 0 ? interestingBytes[Int($0 >> 1) % interestingBytes.count] : $0 }
    }

    /// One to four mutations, each packed in a `UInt64` (kind, position, argument); shrinks to fewer.
    static let mutations = Gen.uint64().array(of: 1...4)

    /// Applies `mutations` to `message`: bit flips, byte replacements (interesting or random), insertions,
    /// deletions, a cut, a duplicated run.
    static func mutate(_ message: [UInt8], with mutations: [UInt64]) -> [UInt8] {
        var out = message
        for m in mutations {
            let argument = UInt8(truncatingIfNeeded: m >> 8)
            guard !out.isEmpty else {
                out.append(argument)
                continue
            }
            let i = Int((m >> 20) % UInt64(out.count))
            switch m & 0xf {
            case 0...4: out[i] ^= 1 << (argument & 7)
            case 5, 6: out[i] = interestingBytes[Int(argument) % interestingBytes.count]
            case 7: out[i] = argument
            case 8, 9: out.insert(interestingBytes[Int(argument) % interestingBytes.count], at: i)
            case 10: out.remove(at: i)
            case 11: out.removeSubrange(i...)
            case 12:
                let run = out[i..<min(out.count, i + 1 + Int(argument & 15))]
                out.insert(contentsOf: run, at: i)
            default: out[i] = out[i] &+ (argument & 1 == 0 ? 1 : 0xff)
            }
        }
        return out
    }

    // MARK: Properties

    @Test func randomBytes() async {
        await propertyCheck(count: 500, input: Self.randomInputs) { bytes in
            Self.checkContracts(bytes, seed: UInt64(bytes.count))
        }
    }

    @Test func mutatedPlainMessages() async {
        await propertyCheck(count: 400, input: Scenarios.plain(), Self.mutations) { scenario, mutations in
            let message = scenario.value.encoded()
            let input = Self.mutate(message, with: mutations)
            Self.checkContracts(input, seed: scenario.seed)
            Self.checkStreamComposition(valid: message, rest: input, seed: scenario.seed)
        }
    }

    @Test func mutatedPortableMessages() async {
        await propertyCheck(count: 300, input: Scenarios.portable, Self.mutations) { seed, mutations in
            let scenario = seed.make()
            defer { scenario.tearDown() }
            let message = try scenario.encode(with: PortableEncoder(registry: sampleRegistry))
            let input = Self.mutate(message, with: mutations)
            Self.checkContracts(input, seed: scenario.seed)
            Self.checkStreamComposition(valid: message, rest: input, seed: scenario.seed)
        }
    }

    @Test func mutatedCodableMessages() async {
        await propertyCheck(count: 300, input: Gen.uint64().withoutShrink(), Self.mutations) { seed, mutations in
            Self.checkContracts(Self.mutate(Self.codableMessage(seed: seed), with: mutations), seed: seed)
        }
    }

    /// A portable decoder throws `MessagePackError` only (the brief of issue 7; Spec/portable-objects.md 3.2:
    /// data a registered type cannot be built from is `typeMismatch`), also when a registered `Codable`
    /// type's `init(from:)` does not find its fields.
    @Test func portableDecodersThrowOnlyMessagePackErrors() async {
        await propertyCheck(count: 250, input: Scenarios.portable, Self.mutations) { seed, mutations in
            let scenario = seed.make()
            defer { scenario.tearDown() }
            let input = Self.mutate(try scenario.encode(with: PortableEncoder(registry: sampleRegistry)), with: mutations)
            for variant in PortableDecoderVariant.all {
                let outcome = OneShot.portable(input, variant.decoder)
                if case .success(let message) = outcome { breakCycles([message.body] + message.globalData.map(\.value)) }
                if case .failure(let error) = outcome {
                    #expect(error is MessagePackError, "PortableDecoder \(variant) threw \(describe(error))\ninput: \(hexDump(input))")
                }
            }
        }
    }

    /// Decoders that skip what they do not need still reject what the dynamic decoder rejects, and report the
    /// first defect in wire order as it does (Spec/format.md 6.3: rejections are hard errors; 6.4: the first
    /// defect met from front to back is reported).
    @Test func decodersReportTheFirstDefectLikeTheDynamicDecoder() async {
        await propertyCheck(count: 400, input: Gen.uint64().withoutShrink(), Self.mutations) { seed, mutations in
            var f = ValueFactory(seed: seed)
            let message: [UInt8]
            switch f.int(0...2) {
            case 0: message = f.plainValue(depth: 3).encoded()
            case 1: message = Self.codableMessage(seed: seed)
            default:
                let scenario = PortableScenario(seed: seed)
                defer { scenario.tearDown() }
                message = try scenario.encode(with: PortableEncoder(registry: sampleRegistry))
            }
            Self.checkAgreement(Self.mutate(message, with: mutations))
        }
    }

    static func codableMessage(seed: UInt64) -> [UInt8] {
        var f = ValueFactory(seed: seed)
        return f.chance(0.5) ? (try! MessagePackEncoder().encode(f.record())) : f.typedRecord().messagePackBytes()
    }

    // MARK: Checks

    /// Runs `bytes` through every decoder and checks what each promises.
    static func checkContracts(_ bytes: [UInt8], seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) {
        let input = "input: \(hexDump(bytes))"

        // The dynamic plain value: what decodes re-encodes canonically and decodes to the same value.
        let plain = OneShot.plain(bytes)
        if case .success(let value) = plain {
            let again = value.encoded()
            #expect(CanonicalChecker.violation(in: again) == nil, "re-encoding is not canonical\n\(input)", sourceLocation: sourceLocation)
            #expect((try? OneShot.plain(again).get()) == value, "re-encoding decodes differently\n\(input)", sourceLocation: sourceLocation)
        }

        // The typed and the Codable route to `MessagePackValue` agree with it exactly.
        expectAgreement("MessagePackValue(messagePack:)", OneShot.typedValue(bytes), plain, input, sourceLocation)
        expectAgreement("MessagePackDecoder → MessagePackValue", OneShot.codable(MessagePackValue.self, bytes), plain, input, sourceLocation)

        // Codable types: a value that re-encodes, or a MessagePackError (carrying Codable's DecodingError when
        // Codable code gave up, a missing key).
        checkCodable(Record.self, bytes, input, sourceLocation)
        checkCodable(Inner.self, bytes, input, sourceLocation)
        checkCodable(Choice.self, bytes, input, sourceLocation)
        checkCodable([String: Int].self, bytes, input, sourceLocation)
        checkCodable([Double].self, bytes, input, sourceLocation)
        checkCodable([Int8?].self, bytes, input, sourceLocation)
        checkCodable(String.self, bytes, input, sourceLocation)
        checkCodable(MessagePackTimestamp.self, bytes, input, sourceLocation)
        checkCodable([UInt8].self, bytes, input, sourceLocation)

        // The typed fast path.
        if case .success(let record) = OneShot.typedRecord(bytes) {
            #expect((try? TypedRecord(messagePack: record.messagePackBytes())) == record, "TypedRecord does not round-trip\n\(input)", sourceLocation: sourceLocation)
        }

        checkPortable(bytes, plain, input, sourceLocation)
        checkStreams(bytes, plain, seed: seed, input, sourceLocation)
    }

    /// The decoders that read only part of a message (Codable and typed ones skip unknown keys) against the
    /// dynamic decoder, which reads all of it.
    static func checkAgreement(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let input = "input: \(hexDump(bytes))"
        let plain = OneShot.plain(bytes)
        // Portable decoders also read inside ext payloads, so they may meet a defect there first: for them
        // only acceptance is compared.
        func check<T>(_ name: String, _ outcome: Result<T, some Error>, comparingCodes: Bool = true) {
            switch (outcome, plain) {
            case (.success, .failure(let f)):
                Issue.record("\(name) accepts an input the dynamic decoder rejects with \(f)\n\(input)", sourceLocation: sourceLocation)
            case (.failure(let error), .failure(let f)) where f.code != .trailingBytes && comparingCodes:
                // A decoder that gives up for its own reason (a missing key, a type mismatch) says so; one that
                // reports a defect of the wire reports the first one.
                guard let e = messagePackError(in: error), e.code != .typeMismatch, e.code != .trailingBytes else { return }
                #expect(e.code == f.code, "\(name) throws \(e), the dynamic decoder \(f)\n\(input)", sourceLocation: sourceLocation)
            default: break
            }
        }
        check("MessagePackDecoder → Record", OneShot.codable(Record.self, bytes))
        check("MessagePackDecoder → Inner", OneShot.codable(Inner.self, bytes))
        check("MessagePackDecoder → [String: Int]", OneShot.codable([String: Int].self, bytes))
        check("MessagePackDecoder → [String: MessagePackValue]", OneShot.codable([String: MessagePackValue].self, bytes))
        check("TypedRecord(messagePack:)", OneShot.typedRecord(bytes))
        check("PortableDecoder → Record", Result { try PortableDecoder(registry: sampleRegistry).decode(Record.self, from: bytes) }, comparingCodes: false)
        let registered = OneShot.portable(bytes, PortableDecoderVariant.all[0].decoder)
        if case .success(let message) = registered { breakCycles([message.body] + message.globalData.map(\.value)) }
        check("PortableDecoder (registered)", registered.map { _ in 0 }, comparingCodes: false)
    }

    static func isSuccess<T, E>(_ r: Result<T, E>) -> Bool {
        if case .success = r { return true } else { return false }
    }

    static func plainText(_ plain: Result<MessagePackValue, MessagePackError>) -> String {
        switch plain {
        case .success(let v): "decodes to \(v)"
        case .failure(let e): "\(e)"
        }
    }

    static func expectAgreement(
        _ name: String, _ other: Result<MessagePackValue, some Error>, _ plain: Result<MessagePackValue, MessagePackError>,
        _ input: String, _ sourceLocation: SourceLocation
    ) {
        switch (other, plain) {
        case (.success(let a), .success(let b)):
            #expect(a == b, "\(name) decodes \(a), MessagePackValue(decoding:) \(b)\n\(input)", sourceLocation: sourceLocation)
        case (.failure(let e), .failure(let f)):
            #expect(messagePackError(in: e)?.code == f.code, "\(name) threw \(describe(e)), MessagePackValue(decoding:) \(f)\n\(input)", sourceLocation: sourceLocation)
            #expect(e is MessagePackError, "\(name) threw \(describe(e)), not a MessagePackError\n\(input)", sourceLocation: sourceLocation)
        case (.success(let a), .failure(let f)):
            Issue.record("\(name) decodes \(a), MessagePackValue(decoding:) throws \(f)\n\(input)", sourceLocation: sourceLocation)
        case (.failure(let e), .success(let b)):
            Issue.record("\(name) threw \(describe(e)), MessagePackValue(decoding:) decodes \(b)\n\(input)", sourceLocation: sourceLocation)
        }
    }

    static func checkCodable<T: Codable>(_ type: T.Type, _ bytes: [UInt8], _ input: String, _ sourceLocation: SourceLocation) {
        switch OneShot.codable(T.self, bytes) {
        case .success(let value):
            // It re-encodes, and the re-encoding is a fixed point.
            do {
                let again = try MessagePackEncoder().encode(value)
                let back = try MessagePackDecoder().decode(T.self, from: again)
                #expect(try MessagePackEncoder().encode(back) == again, "\(T.self) re-encoding is not stable\n\(input)", sourceLocation: sourceLocation)
            } catch {
                Issue.record("\(T.self) decoded but does not re-encode and decode: \(describe(error))\n\(input)", sourceLocation: sourceLocation)
            }
        case .failure(let error):
            guard let error = error as? MessagePackError else {
                Issue.record("MessagePackDecoder → \(T.self) threw \(describe(error)), not a MessagePackError\n\(input)", sourceLocation: sourceLocation)
                return
            }
            // What Codable code found (a missing key) is kept underneath as Codable's own error.
            if let underlying = error.underlyingError {
                #expect(underlying is DecodingError, "MessagePackDecoder → \(T.self): \(describe(error))\n\(input)", sourceLocation: sourceLocation)
            }
        }
    }

    static func checkPortable(
        _ bytes: [UInt8], _ plain: Result<MessagePackValue, MessagePackError>, _ input: String, _ sourceLocation: SourceLocation
    ) {
        var outcomes: [String: Result<PortableMessage, any Error>] = [:]
        for variant in PortableDecoderVariant.all {
            let outcome = OneShot.portable(bytes, variant.decoder)
            outcomes[variant.name] = outcome
            switch outcome {
            case .failure(let error):
                #expect(error is MessagePackError, "PortableDecoder \(variant) threw \(describe(error))\n\(input)", sourceLocation: sourceLocation)
            case .success(let message):
                defer { breakCycles([message.body] + message.globalData.map(\.value)) }
                // What decodes re-encodes; the re-encoding decodes to the same graph and is a fixed point.
                do {
                    let again = try reencode(message, registry: variant.registry)
                    #expect(CanonicalChecker.violation(in: again, portable: true) == nil, "PortableDecoder \(variant): re-encoding is not canonical: \(CanonicalChecker.violation(in: again, portable: true) ?? "")\n\(input)", sourceLocation: sourceLocation)
                    let back = try variant.decoder.decodeMessage(from: again)
                    defer { breakCycles([back.body] + back.globalData.map(\.value)) }
                    // The global data sent along comes back first, in order. A row met first in the body
                    // while encoding may add its entry after them (it was only inside global data before),
                    // and a row's serializer rewrites its own entry (which a mutated input may have changed).
                    var matcher = GraphMatcher()
                    let sameTable =
                        back.globalData.count >= message.globalData.count
                        && zip(message.globalData, back.globalData).allSatisfy { $0.key.unicodeScalars.elementsEqual($1.key.unicodeScalars) }
                        && back.globalData.dropFirst(message.globalData.count).allSatisfy { $0.key.hasPrefix("row:") }
                    if sameTable {
                        for (e, f) in zip(message.globalData, back.globalData) where !e.key.hasPrefix("row:") {
                            matcher.same(e.value, f.value, at: "$globalData[\(e.key.debugDescription)]")
                        }
                    }
                    matcher.same(message.body, back.body)
                    #expect(sameTable && matcher.mismatch == nil, "PortableDecoder \(variant): the re-encoding decodes differently: \(matcher.mismatch ?? "global data \(message.globalData.map(\.key)) became \(back.globalData.map(\.key))")\n\(input)", sourceLocation: sourceLocation)
                    #expect(try reencode(back, registry: variant.registry) == again, "PortableDecoder \(variant): re-encoding is not a fixed point\n\(input)", sourceLocation: sourceLocation)
                } catch {
                    Issue.record("PortableDecoder \(variant) decoded, but re-encoding and decoding again failed: \(describe(error))\n\(input)", sourceLocation: sourceLocation)
                }
            }
        }
        // A relay reads every value, so it rejects everything the plain decoder rejects; a message without
        // portable ext values means the same to every decoder (Spec/format.md section 8).
        switch plain {
        case .failure(let f):
            #expect(!isSuccess(outcomes[PortableDecoderVariant.all[2].name]!), "the relay accepts an input the plain decoder rejects (\(f))\n\(input)", sourceLocation: sourceLocation)
        case .success(let value) where !PortableValue(value).containsExtension(ofType: portableExtTypes):
            for (name, outcome) in outcomes {
                switch outcome {
                case .success(let message):
                    #expect(message.body.plainValue == value && message.globalData.isEmpty, "PortableDecoder \(name) decodes a plain message differently\n\(input)", sourceLocation: sourceLocation)
                case .failure(let error):
                    Issue.record("PortableDecoder \(name) rejects a plain message: \(describe(error))\n\(input)", sourceLocation: sourceLocation)
                }
            }
        default: break
        }
        // Rejecting cycles only adds `incompleteReference` failures.
        let allow = outcomes[PortableDecoderVariant.all[2].name]!
        let reject = outcomes[PortableDecoderVariant.all[3].name]!
        switch (allow, reject) {
        case (.failure(let e), .failure(let f)):
            #expect(messagePackError(in: e)?.code == messagePackError(in: f)?.code || messagePackError(in: f)?.code == .incompleteReference, "cycles allowed: \(describe(e)); rejected: \(describe(f))\n\(input)", sourceLocation: sourceLocation)
        case (.failure(let e), .success):
            Issue.record("the relay rejecting cycles accepts what the one allowing them rejects (\(describe(e)))\n\(input)", sourceLocation: sourceLocation)
        case (.success, .failure(let f)):
            #expect(messagePackError(in: f)?.code == .incompleteReference, "the relay rejecting cycles threw \(describe(f))\n\(input)", sourceLocation: sourceLocation)
        case (.success, .success): break
        }
    }

    /// Stream decoding: the same events for every chunking, each message as one-shot decoding of its frame,
    /// and consistent with one-shot decoding of the whole input.
    static func checkStreams(
        _ bytes: [UInt8], _ plain: Result<MessagePackValue, MessagePackError>, seed: UInt64, _ input: String,
        _ sourceLocation: SourceLocation
    ) {
        let ways = chunkings(of: bytes, seed: seed)
        let events = plainStreamEvents(ways[0].chunks)
        for way in ways.dropFirst() {
            let other = plainStreamEvents(way.chunks)
            #expect(other == events, "MessagePackStreamDecoder fed \(way.name): \(other), fed whole: \(events)\n\(input)", sourceLocation: sourceLocation)
        }

        // Each frame the scanner finds decodes as one-shot decoding of those bytes does.
        let (frames, end) = plainStreamFrames(bytes)
        let framed = frames.reduce(0) { $0 + $1.count }
        #expect(Array(frames.joined()) == Array(bytes.prefix(framed)), "frames are not the input's bytes in order\n\(input)", sourceLocation: sourceLocation)
        var expected: [StreamEvent] = []
        var offset = 0
        var frameFailed = false
        for frame in frames where !frameFailed {
            switch OneShot.plain(frame) {
            case .success(let v): expected.append(.value(v))
            case .failure(let e):
                expected.append(.failure(code: e.code.name, offset: offset + e.byteOffset))
                frameFailed = true
            }
            offset += frame.count
        }
        if !frameFailed {
            if let end {
                if let e = end as? MessagePackError {
                    expected.append(.failure(code: e.code.name, offset: e.byteOffset))
                } else {
                    Issue.record("MessagePackStreamDecoder.nextFrame threw \(describe(end))\n\(input)", sourceLocation: sourceLocation)
                }
            } else {
                expected.append(.finished)
            }
        }
        #expect(events == expected, "stream: \(events); frames decoded one by one: \(expected)\n\(input)", sourceLocation: sourceLocation)

        // Against one-shot decoding of the whole input (Spec/format.md 6.2, 6.7).
        switch plain {
        case .success(let v):
            #expect(events == [.value(v), .finished], "one-shot decodes \(v), the stream gives \(events)\n\(input)", sourceLocation: sourceLocation)
        case .failure(let e) where bytes.isEmpty:
            #expect(e.code == .truncated && events == [.finished], "empty input: \(e), stream \(events)", sourceLocation: sourceLocation)
        case .failure(let e) where e.code == .trailingBytes:
            #expect(frames.first == Array(bytes[..<e.byteOffset]), "one-shot: \(e), but the first frame has \(frames.first?.count ?? 0) bytes\n\(input)", sourceLocation: sourceLocation)
        case .failure(let e) where !frames.isEmpty:
            // The first value is complete, so its defect is found in it by both.
            #expect(events.first == .failure(code: e.code.name, offset: e.byteOffset), "one-shot: \(e), stream: \(events)\n\(input)", sourceLocation: sourceLocation)
        case .failure(let e):
            // No complete message: the stream can only fail while scanning, or at the end.
            let scannerCodes = ["truncated", "limitExceeded", "invalidFormatByte"]
            if case .failure(let code, _)? = events.first, scannerCodes.contains(code) {
            } else {
                Issue.record("one-shot: \(e), stream: \(events)\n\(input)", sourceLocation: sourceLocation)
            }
        }

        // The portable stream decoder: the same messages and the same end for every chunking, and one
        // message (the one-shot result) when the input is one valid message.
        for variant in [PortableDecoderVariant.all[0], PortableDecoderVariant.all[2]] {
            let whole = portableStreamRun(ways[0].chunks, decoder: variant.decoder)
            defer { tearDown(whole) }
            if let failure = whole.failure {
                #expect(failure is MessagePackError, "PortableStreamDecoder \(variant) threw \(describe(failure))\n\(input)", sourceLocation: sourceLocation)
            }
            for way in ways.dropFirst() {
                let run = portableStreamRun(way.chunks, decoder: variant.decoder)
                defer { tearDown(run) }
                if let difference = sameRuns(whole, run) {
                    Issue.record("PortableStreamDecoder \(variant) fed \(way.name) vs whole: \(difference)\n\(input)", sourceLocation: sourceLocation)
                }
            }
            if case .success(let message) = OneShot.portable(bytes, variant.decoder) {
                defer { breakCycles([message.body] + message.globalData.map(\.value)) }
                if let difference = sameRuns(PortableStreamRun(messages: [message]), whole) {
                    Issue.record("PortableStreamDecoder \(variant) vs one-shot: \(difference)\n\(input)", sourceLocation: sourceLocation)
                }
            }
        }
    }

    /// A stream of a valid message followed by `rest` gives that message, then exactly what `rest` alone
    /// gives (offsets moved by the first message's length): messages are decoded independently.
    static func checkStreamComposition(valid: [UInt8], rest: [UInt8], seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .success(let first) = OneShot.plain(valid) else {
            Issue.record("the valid message does not decode: \(hexDump(valid))", sourceLocation: sourceLocation)
            return
        }
        let shifted = plainStreamEvents([rest]).map { event -> StreamEvent in
            if case .failure(let code, let offset) = event { return .failure(code: code, offset: offset + valid.count) }
            return event
        }
        let stream = valid + rest
        for way in chunkings(of: stream, seed: seed ^ 0x5eed) {
            let events = plainStreamEvents(way.chunks)
            #expect(events == [.value(first)] + shifted, "stream fed \(way.name): \(events)\nexpected: \(.value(first) as StreamEvent) then \(shifted)\nstream: \(hexDump(stream))", sourceLocation: sourceLocation)
        }
    }
}

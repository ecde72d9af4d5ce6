// SPDX-License-Identifier: Apache-2.0
// The README's "Errors" rule, entry point by entry point: each throws `MessagePackError` and only it, with the code
// and offset of the fault; errors of Codable and of the caller's own code arrive wrapped, the original underneath.
// The adapters hand the same error on: PortableWireNIOTests (PortableFrameDecoderTests, LimitPathTests),
// PortableWireHummingbirdTests (LimitPathTests: 400 with the description), PortableWireGRPCTests
// (PortableMessageCodecTests: the RPCError's cause).
import Foundation
import PortableWire
import Testing
import TestSupport

/// Fails its `init(from:)` with an error of its own after reading its field.
private struct Port: Codable, Portable {
    static let portableName = "test.Port"
    struct OutOfRange: Error {}
    var number: Int
    init(number: Int) { self.number = number }
    init(from decoder: any Decoder) throws {
        number = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .number)
        guard (1...65535).contains(number) else { throw OutOfRange() }
    }
}

/// Fails its `encode(to:)` with an error of its own, or with Codable's `EncodingError`.
private struct Refuses: Codable, Portable {
    static let portableName = "test.Refuses"
    struct Nope: Error {}
    var codable = false
    init(codable: Bool = false) { self.codable = codable }
    init(from decoder: any Decoder) throws { throw Nope() }
    func encode(to encoder: any Encoder) throws {
        if codable {
            throw EncodingError.invalidValue(self, .init(codingPath: encoder.codingPath, debugDescription: "refused"))
        }
        throw Nope()
    }
}

private struct Named: Codable { var name: String }

/// What one entry point did with one input.
private struct Outcome: CustomStringConvertible {
    var route: String
    var error: (any Error)?
    var description: String { "\(route): \(error.map { "\(type(of: $0)) \($0)" } ?? "no error")" }

    init(_ route: String, _ body: () throws -> Void) {
        self.route = route
        do { try body() } catch { self.error = error }
    }

    init(_ route: String, async body: @Sendable () async throws -> Void) async {
        self.route = route
        do { try await body() } catch { self.error = error }
    }

    /// The error, which must be a `MessagePackError`.
    func messagePackError(sourceLocation: SourceLocation = #_sourceLocation) -> MessagePackError? {
        guard let error else {
            Issue.record("\(route) accepted the bad input", sourceLocation: sourceLocation)
            return nil
        }
        guard let typed = error as? MessagePackError else {
            Issue.record("\(self): not a MessagePackError", sourceLocation: sourceLocation)
            return nil
        }
        return typed
    }
}

private func chunks(_ bytes: [UInt8]) -> AsyncStream<[UInt8]> {
    AsyncStream { continuation in
        for byte in bytes { continuation.yield([byte]) }
        continuation.finish()
    }
}

@Suite struct ErrorRuleTests {
    static let registry = try! TypeRegistry(registering: Port.self, Refuses.self)

    /// `[1, <0xc1>]`: the reserved byte as the second element, at byte 2.
    static let reservedByte: [UInt8] = [0x92, 0x01, 0xc1]

    @Test func everyDecodingEntryPointThrowsTheFaultOfTheBytes() async throws {
        let bytes = Self.reservedByte
        let registry = Self.registry
        var outcomes = [
            Outcome("MessagePackValue(decoding:)") { _ = try MessagePackValue(decoding: bytes) },
            Outcome("MessagePackValue(messagePack:)") { _ = try MessagePackValue(messagePack: bytes) },
            Outcome("[Int](messagePack:)") { _ = try [Int](messagePack: bytes) },
            Outcome("MessagePackReader.readValue()") {
                try bytes.withUnsafeBytes { raw in
                    var reader = MessagePackReader(raw)
                    _ = try reader.readValue()
                }
            },
            Outcome("MessagePackReader.skipValue()") {
                try bytes.withUnsafeBytes { raw in
                    var reader = MessagePackReader(raw)
                    try reader.skipValue()
                }
            },
            Outcome("MessagePackDecoder.decode(_:from:)") { _ = try MessagePackDecoder().decode([Int].self, from: bytes) },
            Outcome("MessagePackDecoder.decode(_:raw:)") {
                _ = try bytes.withUnsafeBytes { try MessagePackDecoder().decode([Int].self, raw: $0) }
            },
            Outcome("MessagePackStreamDecoder.next()") {
                var stream = MessagePackStreamDecoder()
                stream.feed(bytes)
                _ = try stream.next()
            },
            Outcome("MessagePackStreamDecoder.next(_:)") {
                var stream = MessagePackStreamDecoder()
                stream.feed(bytes)
                _ = try stream.next([Int].self)
            },
            Outcome("PortableDecoder.decode(_:from:) Decodable") {
                _ = try PortableDecoder(registry: registry).decode([Int].self, from: bytes)
            },
            Outcome("PortableDecoder.decode(_:from:) not Decodable") {
                _ = try PortableDecoder(registry: registry).decode([Any].self, from: bytes)
            },
            Outcome("PortableDecoder.decode(from:)") { _ = try PortableDecoder(registry: registry).decode(from: bytes) },
            Outcome("PortableDecoder.decodeMessage(from:)") {
                _ = try PortableDecoder(registry: registry).decodeMessage(from: bytes)
            },
            Outcome("PortableStreamDecoder.next(_:)") {
                var stream = PortableStreamDecoder(registry: registry)
                stream.feed(bytes)
                _ = try stream.next([Int].self)
            },
            Outcome("PortableStreamDecoder.next(_:) not Decodable") {
                var stream = PortableStreamDecoder(registry: registry)
                stream.feed(bytes)
                _ = try stream.next([Any].self)
            },
            Outcome("PortableStreamDecoder.nextValue()") {
                var stream = PortableStreamDecoder(registry: registry)
                stream.feed(bytes)
                _ = try stream.nextValue()
            },
        ]
        outcomes.append(await Outcome("messagePackValues()", async: { for try await _ in chunks(bytes).messagePackValues() {} }))
        outcomes.append(
            await Outcome("portableMessages(of:registry:)", async: {
                for try await _ in chunks(bytes).portableMessages(of: [Int].self, registry: registry) {}
            }))
        outcomes.append(
            await Outcome("portableValues(registry:)", async: { for try await _ in chunks(bytes).portableValues(registry: registry) {} }))
        #expect(outcomes.count == 19)
        for outcome in outcomes {
            guard let error = outcome.messagePackError() else { continue }
            #expect(error.code == .invalidFormatByte, "\(outcome)")
            #expect(error.byteOffset == 2, "\(outcome)")
        }
    }

    @Test func codableAndCallerErrorsWhileDecodingAreWrappedAsTypeMismatch() throws {
        // {"number": 0}: Port's own init(from:) refuses it after reading the field (the 0 at byte 8).
        let outOfRange = [0x81, 0xa6] + Array("number".utf8) + [0x00]
        // {"other": 1}: no "name", a missing key (Codable's DecodingError.keyNotFound).
        let missingKey = [0x81, 0xa5] + Array("other".utf8) + [0x01]
        let registry = Self.registry
        let ownError = [
            Outcome("MessagePackDecoder") { _ = try MessagePackDecoder().decode(Port.self, from: outOfRange) },
            Outcome("PortableDecoder") { _ = try PortableDecoder(registry: registry).decode(Port.self, from: outOfRange) },
            Outcome("MessagePackStreamDecoder.next(_:)") {
                var stream = MessagePackStreamDecoder()
                stream.feed(outOfRange)
                _ = try stream.next(Port.self)
            },
            Outcome("PortableStreamDecoder.next(_:)") {
                var stream = PortableStreamDecoder(registry: registry)
                stream.feed(outOfRange)
                _ = try stream.next(Port.self)
            },
        ]
        for outcome in ownError {
            guard let error = outcome.messagePackError() else { continue }
            #expect(error.code == .typeMismatch, "\(outcome)")
            #expect(error.underlyingError is Port.OutOfRange, "\(outcome)")
            #expect(error.byteOffset == outOfRange.count, "\(outcome): the offset reached")
        }
        let codable = [
            Outcome("MessagePackDecoder") { _ = try MessagePackDecoder().decode(Named.self, from: missingKey) },
            Outcome("PortableDecoder") { _ = try PortableDecoder(registry: registry).decode(Named.self, from: missingKey) },
        ]
        for outcome in codable {
            guard let error = outcome.messagePackError() else { continue }
            #expect(error.code == .typeMismatch, "\(outcome)")
            guard case .keyNotFound(let key, _)? = error.underlyingError as? DecodingError else {
                Issue.record("\(outcome): Codable's keyNotFound is not underneath")
                continue
            }
            #expect(key.stringValue == "name")
            #expect(error.detail.contains("'name'"), "\(outcome)")
        }
    }

    @Test func insideInitFromAMissingKeyIsStillCodablesOwnError() throws {
        // What Codable code inside init(from:) sees does not change: `catch DecodingError.keyNotFound` works.
        struct Defaulted: Codable {
            var name: String
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                do { name = try container.decode(String.self, forKey: .name) } catch DecodingError.keyNotFound { name = "-" }
            }
        }
        let bytes = [0x81, 0xa5] + Array("other".utf8) + [0x01]
        #expect(try MessagePackDecoder().decode(Defaulted.self, from: bytes).name == "-")
        #expect(try PortableDecoder(registry: Self.registry).decode(Defaulted.self, from: bytes).name == "-")
    }

    @Test func everyEncodingEntryPointWrapsTheCallersErrorsAsCannotSerialize() throws {
        let registry = Self.registry
        struct Holder: Encodable { var items: [Refuses] }
        let outcomes = [
            Outcome("MessagePackEncoder, own error") { _ = try MessagePackEncoder().encode(Holder(items: [Refuses()])) },
            Outcome("MessagePackEncoder, EncodingError") {
                _ = try MessagePackEncoder().encode(Holder(items: [Refuses(codable: true)]))
            },
            Outcome("PortableEncoder, own error") { _ = try PortableEncoder(registry: registry).encode(Holder(items: [Refuses()])) },
            Outcome("PortableEncoder, EncodingError") {
                _ = try PortableEncoder(registry: registry).encode(Holder(items: [Refuses(codable: true)]))
            },
            Outcome("PortableEncoder.encode(any:)") { _ = try PortableEncoder(registry: registry).encode(any: [Refuses()]) },
        ]
        for outcome in outcomes {
            guard let error = outcome.messagePackError() else { continue }
            #expect(error.code == .cannotSerialize, "\(outcome)")
            #expect(error.byteOffset == -1, "\(outcome)")
            #expect(error.underlyingError is Refuses.Nope || error.underlyingError is EncodingError, "\(outcome)")
        }
        // The library's own encoding faults: a value it cannot write, a nesting past the limit.
        let faults = [
            Outcome("PortableEncoder.encode(any:) of a foreign type") {
                _ = try PortableEncoder(registry: registry).encode(any: ["x": Date.distantPast as Any, "y": NSObject()])
            },
            Outcome("messagePackBytes(limits:)") {
                var limits = MessagePackLimits()
                limits.maxDepth = 1
                _ = try [[1]].messagePackBytes(limits: limits)
            },
            Outcome("MessagePackEncoder past maxDepth") {
                var encoder = MessagePackEncoder()
                encoder.maxDepth = 1
                _ = try encoder.encode([[1]])
            },
        ]
        for outcome in faults {
            guard let error = outcome.messagePackError() else { continue }
            #expect(error.code == .cannotSerialize || error.code == .limitExceeded, "\(outcome)")
            #expect(error.underlyingError == nil, "\(outcome)")
        }
    }

    @Test func theReadmeErrorsExample() throws {
        struct Port: Codable {
            struct OutOfRange: Error {}
            var number: Int
            init(from decoder: any Decoder) throws {
                number = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .number)
                guard (1...65535).contains(number) else { throw OutOfRange() }
            }
        }
        var printed: (MessagePackError.Code, Int)?
        do {
            _ = try MessagePackDecoder().decode(Port.self, from: [0x81, 0xa6] + Array("number".utf8) + [0x00])
        } catch let error as MessagePackError where error.underlyingError is Port.OutOfRange {
            print(error.code, error.byteOffset)  // typeMismatch 9
            printed = (error.code, error.byteOffset)
        }
        #expect(printed?.0 == .typeMismatch)
        #expect(printed?.1 == 9)
    }
}

/// The `RawSpan` entry points decode what the collection entry points decode, and fail alike.
@Suite struct SpanEntryPointTests {
    @Test func everyDecoderReadsASpanInPlace() throws {
        var registry = TypeRegistry()
        try registry.register(Circle.self)
        let shapes: [any Shape] = [Circle(radius: 2), Circle(radius: 3)]
        let portable = try PortableEncoder(registry: registry).encode(any: shapes)
        let plain = try MessagePackEncoder().encode([1, 2, 3])
        let decoder = PortableDecoder(registry: registry)

        #expect(try MessagePackValue(decoding: plain.span.bytes) == [1, 2, 3])
        #expect(try [Int](messagePack: plain.span.bytes) == [1, 2, 3])
        #expect(try MessagePackDecoder().decode([Int].self, from: plain.span.bytes) == [1, 2, 3])
        #expect(try MessagePackReader.withReader(over: plain.span.bytes) { reader in try reader.readArrayHeader() } == 3)
        #expect(try decoder.decode([Int].self, from: plain.span.bytes) == [1, 2, 3])
        #expect(try decoder.decode([any Shape].self, from: portable.span.bytes).map(\.area) == [12, 27])
        #expect(try decoder.decode(from: portable.span.bytes) == decoder.decode(from: portable))
        #expect(try decoder.decodeMessage(from: portable.span.bytes).body == decoder.decode(from: portable))

        let bad = ErrorRuleTests.reservedByte
        for (route, body) in [
            ("MessagePackValue", { () throws -> Void in _ = try MessagePackValue(decoding: bad.span.bytes) }),
            ("typed", { _ = try [Int](messagePack: bad.span.bytes) }),
            ("MessagePackDecoder", { _ = try MessagePackDecoder().decode([Int].self, from: bad.span.bytes) }),
            ("PortableDecoder", { _ = try decoder.decode([Int].self, from: bad.span.bytes) }),
            ("PortableDecoder, not Decodable", { _ = try decoder.decode([Any].self, from: bad.span.bytes) }),
        ] as [(String, () throws -> Void)] {
            let error = messagePackError(body)
            #expect(error?.code == .invalidFormatByte, "\(route)")
            #expect(error?.byteOffset == 2, "\(route)")
        }
    }
}

/// A failed cast of `decode(_:from:)` for a non-`Decodable` type says where, not `at: 0` whatever the depth.
@Suite struct CastMismatchTests {
    @Test func theFirstElementThatIsNotAnElementIsNamedWithItsOffset() throws {
        var registry = TypeRegistry()
        try registry.register(Circle.self)
        try registry.register(Account.self)
        let encoder = PortableEncoder(registry: registry)
        let message = try encoder.encode(any: [Circle(radius: 2), Account(owner: "x") as Any])
        // The second element starts after the array header and the first element, which is written exactly as
        // the Circle alone would be (first occurrence of its name).
        let circleAlone = try encoder.encode(any: Circle(radius: 2))
        let error = messagePackError { _ = try PortableDecoder(registry: registry).decode([any Shape].self, from: message) }
        #expect(error?.code == .typeMismatch)
        #expect(error?.path.description == "$[1]")
        #expect(error?.byteOffset == 1 + circleAlone.count)
        #expect(error?.detail.contains("Account") == true, "\(String(describing: error))")
        // Behind global data the offsets are the message's own.
        var withTable = PortableValue.array([.object(Circle(radius: 2)), .object(Account(owner: "y"))])
        let enveloped = try encoder.encode(withTable, globalData: [(key: "k", value: .string("v"))])
        withTable = .nil
        let deep = messagePackError { _ = try PortableDecoder(registry: registry).decode([any Shape].self, from: enveloped) }
        #expect(deep?.path.description == "$[1]")
        #expect(enveloped[deep?.byteOffset ?? 0] & 0xf0 == 0xd0 || enveloped[deep?.byteOffset ?? 0] >= 0xc7,
            "the offset points at the second element's ext header: \(String(describing: deep))")
    }

    @Test func aHugeValueIsSummarisedNotPrinted() throws {
        let message = try MessagePackEncoder().encode(Array(repeating: "some text", count: 100_000))
        let error = messagePackError { _ = try PortableDecoder(registry: TypeRegistry()).decode([String: Any].self, from: message) }
        #expect(error?.code == .typeMismatch)
        #expect(error?.detail.contains("an array of 100000 values") == true, "\(String(describing: error))")
        #expect((error?.detail.utf8.count ?? .max) < 200)
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWire
import Testing
import TestSupport

/// A typed field of a well-known type's Swift type, or of a registered enum, takes only the portable object
/// (Spec/well-known-types.md 3, rule 9): the `Codable` forms a plain MessagePack encoder writes are refused with a
/// `typeMismatch` at the value, never converted (issue 18).
@Suite struct WellKnownStrictnessTests {
    typealias Color = WellKnownTypesTests.Color
    static let decoder = WellKnownTypesTests.decoder
    static let encoder = WellKnownTypesTests.encoder

    /// `{"v": value}` written by the plain `MessagePackEncoder` (the value's `Codable` form).
    func plain<T: Encodable>(_ value: T) throws -> [UInt8] { try MessagePackEncoder().encode(["v": value]) }

    func expectRefused<T: Codable & Equatable>(_ value: T, _ type: T.Type) throws {
        let bytes = try plain(value)
        let error = #expect(throws: MessagePackError.self, "\(T.self)") {
            try Self.decoder.decode([String: T].self, from: bytes)
        }
        #expect(error?.code == .typeMismatch, "\(T.self)")
        #expect(error?.byteOffset == 3, "\(T.self): \(String(describing: error))")
        #expect(error?.path == MessagePackPath([.key("v")]), "\(T.self)")
        #expect(error?.description.contains("expected \(T.self)") == true, "\(String(describing: error))")
        #expect(error?.description.count ?? 0 < 1024)
        // The well-known form of the same value is read, so only the shape was refused.
        let good = try Self.encoder.encode(["v": value])
        #expect(try Self.decoder.decode([String: T].self, from: good) == ["v": value], "\(T.self)")
    }

    @Test func codableFormsAreRefused() throws {
        let sample = WellKnownTypesTests.sample()
        try expectRefused(sample.id, UUID.self)  // its Codable form: a str
        try expectRefused(sample.amount, Decimal.self)  // Foundation's Codable Decimal: a map of its fields
        try expectRefused(sample.wait, Duration.self)  // two integers, which would read as attoseconds
        try expectRefused(sample.tags, Set<String>.self)  // a plain array
        try expectRefused(sample.day, LocalDate.self)  // the data array without its P
        try expectRefused(sample.clock, TimeOfDay.self)
        try expectRefused(sample.local, LocalDateTime.self)
        try expectRefused(sample.aware, OffsetDateTime.self)
        try expectRefused(sample.color, Color.self)  // the bare raw value "green"
    }

    @Test func aUUIDStringFromPythonMsgpackIsRefusedWithAHint() throws {
        // What `msgpack.packb({"v": str(uuid)})` writes.
        let bytes = hex("81 a1 76 d9 24") + Array("12345678-1234-5678-1234-567812345678".utf8)
        let error = #expect(throws: MessagePackError.self) { try Self.decoder.decode([String: UUID].self, from: bytes) }
        #expect(error?.description.contains("pw.uuid") == true)
        #expect(error?.description.contains("str") == true)
        #expect(error?.hint?.contains("well-known") == true)
    }

    @Test func absentAndNilOptionalsStillDecode() throws {
        struct Maybe: Codable, Equatable {
            var id: UUID?
            var tags: Set<Int>?
        }
        #expect(try Self.decoder.decode(Maybe.self, from: hex("81 a2 69 64 c0")) == Maybe(id: nil, tags: nil))
        #expect(try Self.decoder.decode(Maybe.self, from: hex("80")) == Maybe(id: nil, tags: nil))
    }

    @Test func thePlainDecoderKeepsReadingCodableForms() throws {
        // MessagePackDecoder is plain MessagePack: it reads what MessagePackEncoder writes.
        let sample = WellKnownTypesTests.sample()
        #expect(try MessagePackDecoder().decode([String: UUID].self, from: plain(sample.id)) == ["v": sample.id])
        #expect(try MessagePackDecoder().decode([String: Set<String>].self, from: plain(sample.tags)) == ["v": sample.tags])
    }

    @Test func urlsTravelAsTheStrOfTheirAbsoluteForm() throws {
        // Spec/well-known-types.md 10: a URL is a str (Foundation's Codable URL is a map of its parts).
        let text = "https://example.com/a/b?q=1#top"
        let url = try #require(URL(string: text))
        let bytes = try Self.encoder.encode(["u": url])
        #expect(bytes == (try MessagePackEncoder().encode(["u": text])))
        #expect(try Self.decoder.decode([String: URL].self, from: bytes) == ["u": url])
        #expect(try Self.decoder.decode(from: bytes) == .map([(.string("u"), .string(text))]))
        let empty = try MessagePackEncoder().encode(["u": ""])
        let error = #expect(throws: MessagePackError.self) { try Self.decoder.decode([String: URL].self, from: empty) }
        #expect(error?.code == .typeMismatch)
        #expect(error?.byteOffset == 3)
    }

    @Test func aPortableValueFieldKeepsWhatCameAndOtherCodersRefuseIt() throws {
        struct Job: Codable {
            var name: String
            var payload: PortableValue
        }
        // A 40-digit decimal and a tuple: no Swift type holds them; the field keeps them exactly.
        let forty = "1234567890123456789012345678901234567890"
        let bytes = hex("82 a4 6e 61 6d 65 a1 6a a7 70 61 79 6c 6f 61 64 92 c7 35 50 aa 70 77 2e 64 65 63 69 6d 61 6c d9 28")
            + Array(forty.utf8) + hex("c7 0d 50 a8 70 77 2e 74 75 70 6c 65 92 01 a1 61")
        let job = try Self.decoder.decode(Job.self, from: bytes)
        #expect(job.payload.description.contains(forty))
        var encoder = Self.encoder
        encoder.options.sortsDictionaryKeys = false
        #expect(try encoder.encode(job) == bytes)
        let encoding = #expect(throws: MessagePackError.self) { try MessagePackEncoder().encode(job) }
        #expect(encoding?.code == .cannotSerialize)
        #expect(encoding?.underlyingError is EncodingError, "PortableValue's own EncodingError is kept underneath")
        let decoding = #expect(throws: MessagePackError.self) { try MessagePackDecoder().decode(Job.self, from: bytes) }
        #expect(decoding?.code == .typeMismatch)
    }
}

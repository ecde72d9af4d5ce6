// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWire
import Testing
import TestSupport

/// The well-known types of Spec/well-known-types.md through the routes applications use: `Codable` fields encoded by
/// `PortableEncoder` and decoded by `PortableDecoder`, and generic decoding into `PortableValue` (issue 18).
@Suite struct WellKnownTypesTests {
    enum Color: String, Codable, Portable, Hashable {
        static let portableName = "app.Color"
        case red, green
    }

    enum Level: Int, Codable, Portable {
        static let portableName = "app.Level"
        case low = 1, high = 9
    }

    struct Stamp: Codable, Equatable {
        var day: LocalDate
        var clock: TimeOfDay
        var local: LocalDateTime
        var aware: OffsetDateTime
        var wait: Duration
        var amount: Decimal
        var id: UUID
        var tags: Set<String>
        var color: Color
    }

    static let registry = try! TypeRegistry(registering: Color.self, Level.self)
    static let encoder = PortableEncoder(registry: registry)
    static let decoder = PortableDecoder(registry: registry)

    static func sample() -> Stamp {
        Stamp(
            day: LocalDate(year: 2024, month: 5, day: 1)!,
            clock: TimeOfDay(hour: 13, minute: 45, second: 30, nanosecond: 250_000_000)!,
            local: LocalDateTime(year: 2024, month: 5, day: 1, hour: 13, minute: 45, second: 30)!,
            aware: OffsetDateTime(LocalDateTime(year: 2024, month: 5, day: 1, hour: 13, minute: 45, second: 30)!, offsetSeconds: 7200)!,
            wait: .milliseconds(-1500),
            amount: Decimal(string: "-10.5")!,
            id: UUID(uuidString: "12345678-1234-5678-1234-567812345678")!,
            tags: ["b", "a", "ab"],
            color: .green)
    }

    // MARK: Exact bytes (Spec/well-known-types.md examples)

    @Test(arguments: [
        (LocalDate(year: 2024, month: 5, day: 1)! as any Encodable & Sendable, "c7 0e 50 a7 70 77 2e 64 61 74 65 93 cd 07 e8 05 01"),
        (TimeOfDay(hour: 13, minute: 45, second: 30, nanosecond: 250_000_000)!, "c7 11 50 a7 70 77 2e 74 69 6d 65 94 0d 2d 1e ce 0e e6 b2 80"),
        (LocalDateTime(year: 2024, month: 5, day: 1, hour: 13, minute: 45, second: 30)!,
         "c7 1b 50 b0 70 77 2e 6c 6f 63 61 6c 44 61 74 65 54 69 6d 65 97 cd 07 e8 05 01 0d 2d 1e 00"),
        (OffsetDateTime(LocalDateTime(year: 2024, month: 5, day: 1, hour: 13, minute: 45, second: 30)!, offsetSeconds: 7200)!,
         "c7 1f 50 b1 70 77 2e 6f 66 66 73 65 74 44 61 74 65 54 69 6d 65 98 cd 07 e8 05 01 0d 2d 1e 00 cd 1c 20"),
        (Duration.milliseconds(-1500), "c7 13 50 ab 70 77 2e 64 75 72 61 74 69 6f 6e 92 fe ce 1d cd 65 00"),
        (Duration.nanoseconds(-1), "c7 13 50 ab 70 77 2e 64 75 72 61 74 69 6f 6e 92 ff ce 3b 9a c9 ff"),
        (Decimal(string: "-10.5")!, "c7 11 50 aa 70 77 2e 64 65 63 69 6d 61 6c a5 2d 31 30 2e 35"),
        (Decimal(string: "0.005")!, "c7 11 50 aa 70 77 2e 64 65 63 69 6d 61 6c a5 30 2e 30 30 35"),
        (Decimal.nan, "c7 0f 50 aa 70 77 2e 64 65 63 69 6d 61 6c a3 4e 61 4e"),
        (UUID(uuidString: "12345678-1234-5678-1234-567812345678")!,
         "c7 1a 50 a7 70 77 2e 75 75 69 64 c4 10 12 34 56 78 12 34 56 78 12 34 56 78 12 34 56 78"),
        (Set([3, 1, 2]), "c7 0b 50 a6 70 77 2e 73 65 74 93 01 02 03"),
        (Set(["b", "a", "ab"]), "c7 0f 50 a6 70 77 2e 73 65 74 93 a1 61 a1 62 a2 61 62"),
        (Set<Int>(), "d7 50 a6 70 77 2e 73 65 74 90"),
        (Color.red, "c7 0e 50 a9 61 70 70 2e 43 6f 6c 6f 72 a3 72 65 64"),
    ] as [(any Encodable & Sendable, String)])
    func writesTheSpecBytes(_ value: any Encodable & Sendable, _ expected: String) throws {
        #expect(try Self.encoder.encode(value) == hex(expected))
    }

    @Test func decimalTextIsCanonicalForWhatFoundationHolds() throws {
        // Foundation drops trailing zeros: 15e3 is held as 15 × 10³ and written as 15e3.
        let fifteenThousand = Decimal(sign: .plus, exponent: 3, significand: 15)
        #expect(try Self.encoder.encode(fifteenThousand) == hex("d8 50 aa 70 77 2e 64 65 63 69 6d 61 6c a4 31 35 65 33"))
        // 38 digits, the most Foundation's Decimal holds.
        let wide = Decimal(string: "-12345678901234567890123456789012345678")!
        let bytes = try Self.encoder.encode(wide)
        #expect(try Self.decoder.decode(Decimal.self, from: bytes) == wide)
        #expect(String(decoding: bytes.suffix(39), as: UTF8.self) == "-12345678901234567890123456789012345678")
    }

    @Test func valuesAreWrittenInFullEveryTime() throws {
        let day = LocalDate(year: 2024, month: 5, day: 1)!
        #expect(try Self.encoder.encode([day, day]) == hex(
            "92 c7 0e 50 a7 70 77 2e 64 61 74 65 93 cd 07 e8 05 01 c7 07 50 00 93 cd 07 e8 05 01"))
        #expect(try Self.encoder.encode([Color.red, Color.red]) == hex("92 c7 0e 50 a9 61 70 70 2e 43 6f 6c 6f 72 a3 72 65 64 c7 05 50 00 a3 72 65 64"))
    }

    // MARK: Round trips through Codable

    @Test func codableStructRoundTrips() throws {
        let value = Self.sample()
        let bytes = try Self.encoder.encode(value)
        #expect(try Self.decoder.decode(Stamp.self, from: bytes) == value)
    }

    @Test func boundaryDatesRoundTrip() throws {
        for (y, m, d) in [(1, 1, 1), (9999, 12, 31), (0, 1, 1), (-44, 3, 15), (2024, 2, 29), (2000, 2, 29),
                          (Int(Int32.min), 1, 1), (Int(Int32.max), 12, 31)] {
            let date = try #require(LocalDate(year: y, month: m, day: d))
            #expect(try Self.decoder.decode(LocalDate.self, from: Self.encoder.encode(date)) == date)
            #expect(LocalDate(daysSince1970: date.daysSince1970) == date)
        }
        #expect(LocalDate(year: 2023, month: 2, day: 29) == nil)
        #expect(LocalDate(year: 1900, month: 2, day: 29) == nil)
        #expect(LocalDate(year: Int(Int32.max) + 1, month: 1, day: 1) == nil)
        #expect(TimeOfDay(hour: 23, minute: 59, second: 60) == nil, "no leap seconds")
        #expect(LocalDate(daysSince1970: 0) == LocalDate(year: 1970, month: 1, day: 1))
        #expect(LocalDate(year: 1, month: 1, day: 1)!.daysSince1970 == -719_162)
        #expect(LocalDate(year: -44, month: 3, day: 15)!.description == "-0044-03-15")
    }

    @Test func durationsAtTheirEdges() throws {
        let largest = Duration(attoseconds: Int128(Int64.max) * 1_000_000_000_000_000_000 + 999_999_999_000_000_000)
        let smallest = Duration(attoseconds: Int128(Int64.min) * 1_000_000_000_000_000_000)
        for d in [largest, smallest, .zero, .nanoseconds(1), .nanoseconds(-1), .seconds(86_400)] {
            #expect(try Self.decoder.decode(Duration.self, from: Self.encoder.encode(d)) == d)
        }
        // Finer than a nanosecond: no well-known form, never rounded.
        let error = #expect(throws: MessagePackError.self) {
            try Self.encoder.encode(["wait": Duration(attoseconds: 1)])
        }
        #expect(error?.code == .cannotSerialize)
        #expect(error?.path.description.contains("wait") == true)
    }

    @Test func decimalsDecodeIntoFoundationOnlyWhenExact() throws {
        func message(_ text: String) -> [UInt8] {
            let utf8 = Array(text.utf8)
            let header: [UInt8] = utf8.count < 32 ? [0xa0 | UInt8(utf8.count)] : [0xd9, UInt8(utf8.count)]
            let payload: [UInt8] = [0xaa] + Array("pw.decimal".utf8) + header + utf8
            // The canonical ext header: fixext 16 for a 16-byte payload, else ext 8.
            return (payload.count == 16 ? [0xd8, 0x50] : [0xc7, UInt8(payload.count), 0x50]) + payload
        }
        #expect(try Self.decoder.decode(Decimal.self, from: message("-10.50")) == Decimal(string: "-10.5")!)
        #expect(try Self.decoder.decode(Decimal.self, from: message("0.00")) == 0)
        // -0 is zero as a number; Foundation's Decimal has no negative zero.
        #expect(try Self.decoder.decode(Decimal.self, from: message("-0")) == 0)
        #expect(try Self.decoder.decode(Decimal.self, from: message("1e127")) == Decimal(sign: .plus, exponent: 127, significand: 1))
        #expect(try Self.decoder.decode(Decimal.self, from: message("NaN")).isNaN)
        // Values Foundation cannot hold exactly are refused, never rounded.
        for text in ["1234567890123456789012345678901234567890.5", "Infinity", "-Infinity", "1e200", "1e-200",
                     "123456789012345678901234567890123456789"] {
            let error = #expect(throws: MessagePackError.self, "\(text)") {
                try Self.decoder.decode([String: Decimal].self, from: [0x81, 0xa1, 0x78] + message(text))
            }
            #expect(error?.code == .typeMismatch)
            #expect(error?.byteOffset == 3)
            #expect(error?.path.description.contains("x") == true)
        }
        // Into a PortableValue: a Decimal when it writes the same text back, else a generic object (rule 6).
        #expect(try Self.decoder.decode(from: message("-10.5")).object as? Decimal == Decimal(string: "-10.5"))
        for text in ["-10.50", "-0", "Infinity", "0.00"] {
            let value = try Self.decoder.decode(from: message(text))
            let opaque = try #require(value.object as? OpaquePortable, "\(text)")
            #expect(opaque.name == "pw.decimal" && opaque.data == .string(text))
            #expect(try Self.encoder.encode(value) == message(text), "re-encodes byte for byte")
        }
    }

    @Test func genericDecodingGivesNativeValues() throws {
        let bytes = try Self.encoder.encode(Self.sample())
        let value = try Self.decoder.decode(from: bytes)
        #expect(value["day"]?.object as? LocalDate == LocalDate(year: 2024, month: 5, day: 1))
        #expect(value["clock"]?.object as? TimeOfDay == Self.sample().clock)
        #expect(value["aware"]?.object as? OffsetDateTime == Self.sample().aware)
        #expect(value["wait"]?.object as? Duration == .milliseconds(-1500))
        #expect(value["id"]?.object as? UUID == Self.sample().id)
        #expect(value["color"]?.object as? Color == .green)
        // A set of dynamic values has no Swift Set: it stays a generic object, which re-encodes unchanged.
        let tags = try #require(value["tags"]?.object as? OpaquePortable)
        #expect(tags.name == "pw.set" && tags.data == ["a", "b", "ab"])
        #expect(try Self.encoder.encode(value) == bytes)
    }

    @Test func tuplesAndSetsWithoutANativeTypeStayGeneric() throws {
        let bytes = hex("c7 17 50 a6 70 77 2e 73 65 74 91 c7 0c 50 a8 70 77 2e 74 75 70 6c 65 92 01 02")
        let value = try Self.decoder.decode(from: bytes)
        #expect(value.description == "pw.set[pw.tuple[1, 2]]")
        #expect(try Self.encoder.encode(value) == bytes)
    }

    // MARK: Invalid data

    @Test func invalidDataIsATypeMismatchAtThePWithItsPath() throws {
        // {"day": pw.date [2023, 2, 29]}
        let bytes = hex("81 a3 64 61 79 c7 0e 50 a7 70 77 2e 64 61 74 65 93 cd 07 e7 02 1d")
        for decode in [
            { _ = try Self.decoder.decode([String: LocalDate].self, from: bytes) },
            { _ = try Self.decoder.decode(from: bytes) },
        ] as [() throws -> Void] {
            let error = #expect(throws: MessagePackError.self) { try decode() }
            #expect(error?.code == .typeMismatch)
            #expect(error?.byteOffset == 5)
            #expect(error?.path == MessagePackPath([.key("day")]))
        }
    }

    @Test func setsRejectRepeatedElements() throws {
        let bytes = hex("c7 0a 50 a6 70 77 2e 73 65 74 92 01 01")
        #expect(throws: MessagePackError.self) { try Self.decoder.decode(Set<Int>.self, from: bytes) }
        #expect(throws: MessagePackError.self) { try Self.decoder.decode(from: bytes) }
        // 1 and 1.0 are different values on the wire and in Swift: kept.
        let mixed = hex("c7 12 50 a6 70 77 2e 73 65 74 92 01 cb 3f f0 00 00 00 00 00 00")
        #expect(try Self.decoder.decode(from: mixed).object is OpaquePortable)
    }

    @Test func enumsRejectUnknownRawValues() throws {
        let blue = hex("c7 0f 50 a9 61 70 70 2e 43 6f 6c 6f 72 a4 62 6c 75 65")
        let error = #expect(throws: MessagePackError.self) { try Self.decoder.decode(Color.self, from: blue) }
        #expect(error?.code == .typeMismatch)
        #expect(error?.byteOffset == 0)
        #expect(try Self.decoder.decode(Level.self, from: Self.encoder.encode(Level.high)) == .high)
        #expect(try Self.encoder.encode(Level.high) == hex("c7 0b 50 a9 61 70 70 2e 4c 65 76 65 6c 09"))
    }

    @Test func reservedNamesCannotBeRegistered() throws {
        struct Fake: Portable, Codable { static let portableName = "pw.date" }
        var registry = TypeRegistry()
        let error = #expect(throws: MessagePackError.self) { try registry.register(Fake.self) }
        #expect(error?.code == .reservedTypeName)
        #expect(throws: MessagePackError.self) { try registry.registerGeneric("pw.anything") }
        #expect(registry.contains("pw.uuid"))
    }

    @Test func wellKnownNamesAreNeverUnknown() throws {
        // No passthrough, an empty registry: pw.tuple is still decoded (as a generic object).
        let bytes = hex("c7 0d 50 a8 70 77 2e 74 75 70 6c 65 92 01 a1 61")
        #expect(try PortableDecoder(registry: TypeRegistry()).decode(from: bytes).description == "pw.tuple[1, \"a\"]")
    }

    @Test func plainMessagePackEncoderWritesTheDataArrays() throws {
        let day = LocalDate(year: 2024, month: 5, day: 1)!
        #expect(try MessagePackEncoder().encode(day) == hex("93 cd 07 e8 05 01"))
        #expect(try MessagePackDecoder().decode(LocalDate.self, from: hex("93 cd 07 e8 05 01")) == day)
    }
}

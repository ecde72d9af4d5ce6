// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWire
import Testing
import TestSupport

/// The well-known types between the Python peer and Swift, in both directions: bytes the peer writes from
/// `datetime`, `date`, `time`, `timedelta`, `Decimal`, `UUID`, `set`, `frozenset`, `tuple` and `Enum` values decode
/// into a Swift `Codable` struct of native types, and the bytes Swift writes decode in Python to values equal to
/// the originals (checked by Python, so the two sides do not share the test's assumptions).
@Suite struct WellKnownPythonTests {
    enum Color: String, Codable, Portable, Hashable {
        static let portableName = "app.Color"
        case red, green
    }

    struct Everything: Codable, Equatable {
        var instant: Date
        var day: LocalDate
        var first: LocalDate
        var last: LocalDate
        var clock: TimeOfDay
        var local: LocalDateTime
        var latest: LocalDateTime
        var aware: OffsetDateTime
        var west: OffsetDateTime
        var wait: Duration
        var tick: Duration
        var amount: Decimal
        var wide: Decimal
        var tiny: Decimal
        var id: UUID
        var tags: Set<String>
        var numbers: Set<Int>
        var days: Set<LocalDate>
        var color: Color
        var colors: [Color]
        var nested: [String: [LocalDate]]
    }

    /// The Python side: the registry with the enum, and the value every test compares with.
    static let pythonPrelude = """
        import sys, datetime as dt, enum, uuid, msgpack
        from decimal import Decimal
        sys.path.insert(0, 'Spec/peers/python')
        from portablewire import packb, unpackb, Registry
        class Color(enum.Enum):
            red = 'red'
            green = 'green'
        registry = Registry()
        registry.register(Color, 'app.Color')
        expected = {
            'instant': msgpack.Timestamp(1714521600, 500000000),
            'day': dt.date(2024, 5, 1),
            'first': dt.date(1, 1, 1),
            'last': dt.date(9999, 12, 31),
            'clock': dt.time(13, 45, 30, 250000),
            'local': dt.datetime(2024, 5, 1, 13, 45, 30),
            'latest': dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
            'aware': dt.datetime(2024, 5, 1, 13, 45, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            'west': dt.datetime(2024, 5, 1, 8, 15, 0, 500000, tzinfo=dt.timezone(-dt.timedelta(hours=5, minutes=30))),
            'wait': dt.timedelta(seconds=-1.5),
            'tick': dt.timedelta(microseconds=-1),
            'amount': Decimal('-10.50'),
            'wide': Decimal('-12345678901234567890123456789012345678'),
            'tiny': Decimal('1E-42'),
            'id': uuid.UUID('12345678-1234-5678-1234-567812345678'),
            'tags': {'b', 'a', 'ab'},
            'numbers': frozenset({3, 1, 2}),
            'days': {dt.date(2024, 5, 1), dt.date(1, 1, 1)},
            'pair': (1, 'a'),
            'color': Color.green,
            'colors': [Color.red, Color.red],
            'nested': {'x': [dt.date(2000, 2, 29)]},
        }

        """

    static func python() throws -> String {
        if let path = ProcessInfo.processInfo.environment["PORTABLEWIRE_PYTHON"] { return path }
        return try #require(which("python3"), "python3 is not on PATH; run Tests/run-all.sh, which sets it up")
    }

    static func runPython(_ script: String, input: [UInt8] = []) throws -> CommandResult {
        try runCommand(try python(), ["-c", pythonPrelude + script], input: input)
    }

    static let registry = try! TypeRegistry(registering: Color.self)

    @Test func pythonBytesDecodeIntoNativeSwiftTypes() throws {
        let result = try Self.runPython("sys.stdout.buffer.write(packb(expected, registry=registry))")
        try #require(result.status == 0, "python failed: \(result.stderr)")
        let value = try PortableDecoder(registry: Self.registry).decode(Everything.self, from: result.stdout)
        #expect(value.instant == Date(timeIntervalSince1970: 1_714_521_600.5))
        #expect(value.day == LocalDate(year: 2024, month: 5, day: 1))
        #expect(value.first == LocalDate(year: 1, month: 1, day: 1))
        #expect(value.last == LocalDate(year: 9999, month: 12, day: 31))
        #expect(value.clock == TimeOfDay(hour: 13, minute: 45, second: 30, nanosecond: 250_000_000))
        #expect(value.local == LocalDateTime(year: 2024, month: 5, day: 1, hour: 13, minute: 45, second: 30))
        #expect(value.latest == LocalDateTime(year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59, nanosecond: 999_999_000))
        #expect(value.aware.offsetSeconds == 7200 && value.aware.dateTime == value.local)
        #expect(value.aware.instant == Date(timeIntervalSince1970: 1_714_563_930))
        #expect(value.west.offsetSeconds == -19_800 && value.west.dateTime.time.nanosecond == 500_000_000)
        #expect(value.wait == .milliseconds(-1500))
        #expect(value.tick == .microseconds(-1))
        #expect(value.amount == Decimal(string: "-10.5"))
        #expect(value.wide == Decimal(string: "-12345678901234567890123456789012345678"))
        #expect(value.tiny == Decimal(sign: .plus, exponent: -42, significand: 1))
        #expect(value.id == UUID(uuidString: "12345678-1234-5678-1234-567812345678"))
        #expect(value.tags == ["a", "b", "ab"])
        #expect(value.numbers == [1, 2, 3])
        #expect(value.days == [LocalDate(year: 2024, month: 5, day: 1)!, LocalDate(year: 1, month: 1, day: 1)!])
        // A tuple has no Swift type: it arrives as a generic object in a PortableValue.
        let dynamic = try PortableDecoder(registry: Self.registry).decode(from: result.stdout)
        let pair = try #require(dynamic["pair"]?.object as? OpaquePortable)
        #expect(pair.name == "pw.tuple" && pair.data == [1, "a"])
        #expect(dynamic["day"]?.object as? LocalDate == value.day)
        #expect(value.color == .green && value.colors == [.red, .red])
        #expect(value.nested == ["x": [LocalDate(year: 2000, month: 2, day: 29)!]])
    }

    @Test func swiftBytesDecodeInPythonToEqualValues() throws {
        let python = try Self.runPython("sys.stdout.buffer.write(packb(expected, registry=registry))")
        try #require(python.status == 0, "python failed: \(python.stderr)")
        let value = try PortableDecoder(registry: Self.registry).decode(Everything.self, from: python.stdout)
        let bytes = try PortableEncoder(registry: Self.registry).encode(value)
        let check = try Self.runPython(
            """
            del expected['pair']   # no Swift type: not in the struct
            got = unpackb(sys.stdin.buffer.read(), registry=registry)
            bad = [k for k in expected if got.get(k) != expected[k] or type(got.get(k)) is not type(expected[k])
                   and not (type(expected[k]) is frozenset and type(got.get(k)) is set)]
            assert set(got) == set(expected), sorted(set(got) ^ set(expected))
            assert not bad, [(k, got.get(k), expected[k]) for k in bad]
            assert str(got['amount']) == '-10.5'   # Foundation's Decimal keeps no trailing zeros: an equal number
            assert got['aware'].utcoffset() == dt.timedelta(hours=2)
            print('ok')
            """, input: bytes)
        #expect(check.status == 0, "python: \(check.stderr)")
        #expect(check.stdoutText == "ok\n")
    }

    /// Where Swift holds the value exactly, its bytes are the peer's bytes (sets sorted the same way, the same
    /// type-name table, enum members and values written in full).
    @Test func reencodingIsByteIdentical() throws {
        let result = try Self.runPython(
            """
            full = packb(expected, registry=registry)
            del expected['amount'], expected['pair']
            sys.stdout.buffer.write(len(full).to_bytes(4, 'big') + full + packb(expected, registry=registry))
            """)
        try #require(result.status == 0, "python failed: \(result.stderr)")
        struct Subset: Codable {
            var instant: Date, day: LocalDate, first: LocalDate, last: LocalDate, clock: TimeOfDay, local: LocalDateTime
            var latest: LocalDateTime, aware: OffsetDateTime, west: OffsetDateTime, wait: Duration, tick: Duration
            var wide: Decimal, tiny: Decimal, id: UUID, tags: Set<String>, numbers: Set<Int>, days: Set<LocalDate>
            var color: Color, colors: [Color], nested: [String: [LocalDate]]
        }
        let out = result.stdout
        let n = Int(out[0]) << 24 | Int(out[1]) << 16 | Int(out[2]) << 8 | Int(out[3])
        let full = Array(out[4..<(4 + n)])
        let subset = Array(out[(4 + n)...])
        var encoder = PortableEncoder(registry: Self.registry)
        encoder.options.sortsDictionaryKeys = false
        let typed = try PortableDecoder(registry: Self.registry).decode(Subset.self, from: subset)
        #expect(try encoder.encode(typed) == subset)
        // Decoded dynamically, even values Swift has no exact type for (the tuple, "-10.50") come back unchanged.
        let dynamic = try PortableDecoder(registry: Self.registry).decode(from: full)
        #expect(try encoder.encode(dynamic) == full)
    }

    /// Well-known values inside registered objects, at the edges Swift's types reach (a 40-digit decimal is kept
    /// as the generic value, a NaN decimal as `Decimal.nan`), Python → Swift → Python, byte for byte.
    struct Event: Portable, Codable, Equatable {
        static let portableName = "app.Event"
        var when: OffsetDateTime
        var span: Duration
        var amount: PortableValue
        var odd: Decimal
        var ids: Set<UUID>
        var days: [LocalDate]
        var color: Color
    }

    @Test func wellKnownValuesInsideObjectsRoundTripByteForByte() throws {
        let python = """
            import dataclasses
            @dataclasses.dataclass
            class Event:
                when: dt.datetime
                span: dt.timedelta
                amount: Decimal
                odd: Decimal
                ids: set
                days: list
                color: Color
            registry.register(Event, 'app.Event')
            events = [
                Event(dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-14))), dt.timedelta(days=-3, microseconds=7),
                      Decimal('-1234567890123456789012345678901234567890'), Decimal('NaN'),
                      {uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)}, [dt.date(9999, 12, 31)], Color.red),
                Event(dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.timezone(dt.timedelta(hours=14))),
                      dt.timedelta(0), Decimal('1.5E-30'), Decimal('-0.5'), set(), [], Color.green),
            ]
            data = packb(events, registry=registry)
            if sys.argv[1:] == ['check']:
                back = unpackb(sys.stdin.buffer.read(), registry=registry)
                assert len(back) == 2 and all(type(e) is Event for e in back), back
                assert back[0].amount == events[0].amount and back[0].odd.is_nan() and back[1] == events[1], back
                assert back[0].when == events[0].when and back[0].ids == events[0].ids, back
                print('ok')
            else:
                sys.stdout.buffer.write(data)
            """
        let sent = try runCommand(try Self.python(), ["-c", Self.pythonPrelude + python], input: [])
        try #require(sent.status == 0, "python failed: \(sent.stderr)")
        var registry = Self.registry
        try registry.register(Event.self)
        let events = try PortableDecoder(registry: registry).decode([Event].self, from: sent.stdout)
        #expect(events.count == 2)
        #expect(events.first?.odd.isNaN == true)
        #expect(events.first?.ids.count == 2)
        #expect(events.last?.days.isEmpty == true)
        #expect(events.first?.when.offsetSeconds == -14 * 3600)
        var encoder = PortableEncoder(registry: registry)
        encoder.options.sortsDictionaryKeys = false
        let bytes = try encoder.encode(events)
        #expect(bytes == sent.stdout, "Swift's bytes differ from Python's")
        let check = try runCommand(try Self.python(), ["-c", Self.pythonPrelude + python, "check"], input: bytes)
        #expect(check.status == 0, "python: \(check.stderr)")
        #expect(check.stdoutText == "ok\n")
    }
}

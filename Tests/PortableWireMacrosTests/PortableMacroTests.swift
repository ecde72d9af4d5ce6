// SPDX-License-Identifier: Apache-2.0
#if Macros
import PortableWireMacros
import Testing
import TestSupport

// Twins: the same portable names and fields, once through `@Portable`'s generated code and once through plain
// `Codable`. Their messages must be byte for byte the same, and each route must read the other's.

@Portable("test.Member")
struct TypedMember: Codable, Equatable {
    var name: String
    var age: Int
    var tags: [String]
    var avatar: [UInt8]
    var nickname: String?
    var team: TypedTeam?
    var friends: [TypedTeam]
}

@Portable("test.Team")
final class TypedTeam: Codable {
    var title: String
    var score: Double
    init(title: String, score: Double) {
        self.title = title
        self.score = score
    }
}

struct CodableMember: Portable, Codable, Equatable {
    static let portableName = "test.Member"
    var name: String
    var age: Int
    var tags: [String]
    var avatar: [UInt8]
    var nickname: String?
    var team: CodableTeam?
    var friends: [CodableTeam]
}

final class CodableTeam: Portable, Codable, Equatable {
    static let portableName = "test.Team"
    var title: String
    var score: Double
    init(title: String, score: Double) {
        self.title = title
        self.score = score
    }
    static func == (a: CodableTeam, b: CodableTeam) -> Bool { a.title == b.title && a.score == b.score }
}

extension TypedMember {
    static func == (a: TypedMember, b: TypedMember) -> Bool {
        a.name == b.name && a.age == b.age && a.tags == b.tags && a.avatar == b.avatar && a.nickname == b.nickname
            && a.team?.title == b.team?.title && a.friends.map(\.title) == b.friends.map(\.title)
    }
}

@Suite struct PortableMacroTests {
    let typedRegistry = try! TypeRegistry(registering: TypedMember.self, TypedTeam.self)
    let codableRegistry = try! TypeRegistry(registering: CodableMember.self, CodableTeam.self)

    /// Members sharing a few teams (so back-references appear), random otherwise.
    func members(seed: UInt64) -> ([TypedMember], [CodableMember]) {
        var r = SplitMix(seed: seed)
        let titles = (0..<3).map { _ in r.string() }
        let scores = (0..<3).map { _ in r.double() }
        let typedTeams = (0..<3).map { TypedTeam(title: titles[$0], score: scores[$0]) }
        let codableTeams = (0..<3).map { CodableTeam(title: titles[$0], score: scores[$0]) }
        var typed: [TypedMember] = []
        var codable: [CodableMember] = []
        for _ in 0..<r.int(in: 0...12) {
            let name = r.string(), age = Int(r.wideInt()), tags = r.array(4) { $0.string() }
            let avatar = r.array(20) { UInt8(truncatingIfNeeded: $0.next()) }
            let nickname = r.maybe { $0.string() }
            let team = r.bool() ? r.int(in: 0...2) : nil
            let friends = r.array(3) { $0.int(in: 0...2) }
            typed.append(
                TypedMember(
                    name: name, age: age, tags: tags, avatar: avatar, nickname: nickname, team: team.map { typedTeams[$0] },
                    friends: friends.map { typedTeams[$0] }))
            codable.append(
                CodableMember(
                    name: name, age: age, tags: tags, avatar: avatar, nickname: nickname,
                    team: team.map { codableTeams[$0] }, friends: friends.map { codableTeams[$0] }))
        }
        return (typed, codable)
    }

    @Test func generatedRouteWritesCodablesBytesAndReadsThem() throws {
        for seed in 0..<200 as Range<UInt64> {
            let (typed, codable) = members(seed: seed)
            let typedBytes = try PortableEncoder(registry: typedRegistry).encode(typed)
            let codableBytes = try PortableEncoder(registry: codableRegistry).encode(codable)
            #expect(typedBytes == codableBytes, "seed \(seed)")
            let back = try PortableDecoder(registry: typedRegistry).decode([TypedMember].self, from: codableBytes)
            #expect(back == typed, "seed \(seed)")
            // Shared teams arrive shared: one instance per distinct team.
            let ids = Set(back.flatMap { m in (m.team.map { [$0] } ?? []) + m.friends }.map { ObjectIdentifier($0) })
            let expected = Set(typed.flatMap { m in (m.team.map { [$0] } ?? []) + m.friends }.map { ObjectIdentifier($0) })
            #expect(ids.count == expected.count, "seed \(seed)")
            let forth = try PortableDecoder(registry: codableRegistry).decode([CodableMember].self, from: typedBytes)
            #expect(forth == codable, "seed \(seed)")
        }
    }

    @Test func dynamicDecodeSeesTheRegisteredTypes() throws {
        let (typed, _) = members(seed: 3)
        let bytes = try PortableEncoder(registry: typedRegistry).encode(typed)
        let value = try PortableDecoder(registry: typedRegistry).decode(from: bytes)
        guard case .array(let elements) = value else {
            Issue.record("expected an array, got \(value)")
            return
        }
        #expect(elements.count == typed.count)
        for (element, member) in zip(elements, typed) {
            #expect((element.object as? TypedMember) == member)
        }
    }

    @Test func errorsInsideAnObjectNameTheField() throws {
        // test.Member whose "age" is a str.
        let member = CodableMember(name: "a", age: 1, tags: [], avatar: [], nickname: nil, team: nil, friends: [])
        let good = try PortableEncoder(registry: codableRegistry).encode(member)
        var bytes = good
        // The age's value is the positive fixint 01 right after the key "age" (a3 61 67 65).
        let at = bytes.indices.first { bytes[$0] == 0xa3 && bytes[$0 + 1] == 0x61 && bytes[$0 + 2] == 0x67 && bytes[$0 + 3] == 0x65 }!
        bytes[at + 4] = 0xc3  // true
        let error = #expect(throws: (any Error).self) { try PortableDecoder(registry: typedRegistry).decode(TypedMember.self, from: bytes) }
        #expect("\(error!)".contains("age"))
    }
}
#endif

#if Macros
import Foundation

// Well-known types in fields of a generated type: the same bytes as `Codable` (the P forms of
// Spec/well-known-types.md), and the Codable forms refused on both routes (issue 18).
enum StampKind: String, Codable, Portable, Hashable {
    static let portableName = "test.StampKind"
    case draft, final
}

@Portable("test.Stamp")
struct TypedStamp: Codable, Equatable {
    var when: Date
    var day: LocalDate
    var at: LocalDateTime
    var zoned: OffsetDateTime
    var clock: TimeOfDay
    var wait: Duration
    var amount: Decimal
    var id: UUID
    var tags: Set<String>
    var kind: StampKind
    var maybe: UUID?
}

struct CodableStamp: Portable, Codable, Equatable {
    static let portableName = "test.Stamp"
    var when: Date
    var day: LocalDate
    var at: LocalDateTime
    var zoned: OffsetDateTime
    var clock: TimeOfDay
    var wait: Duration
    var amount: Decimal
    var id: UUID
    var tags: Set<String>
    var kind: StampKind
    var maybe: UUID?
}

@Suite struct PortableMacroWellKnownTests {
    let typed = try! TypeRegistry(registering: TypedStamp.self, StampKind.self)
    let codable = try! TypeRegistry(registering: CodableStamp.self, StampKind.self)

    @Test func wellKnownFieldsWriteTheirPortableForms() throws {
        let at = LocalDateTime(year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59, nanosecond: 999_999_999)!
        for i in 0..<20 {
            let t = TypedStamp(
                when: Date(timeIntervalSince1970: Double(i) * 1e6 + 0.5), day: LocalDate(year: 1 + i * 400, month: 2, day: 28)!,
                at: at, zoned: OffsetDateTime(at, offsetSeconds: -3600 * (i % 14))!,
                clock: TimeOfDay(hour: i, minute: 0, second: 1, nanosecond: i)!, wait: .nanoseconds(-i * 1_000_000_007),
                amount: Decimal(string: "-\(i).0\(i)")!, id: UUID(), tags: Set((0..<i).map { "t\($0)" }),
                kind: i % 2 == 0 ? .draft : .final, maybe: i % 3 == 0 ? nil : UUID())
            let c = CodableStamp(
                when: t.when, day: t.day, at: t.at, zoned: t.zoned, clock: t.clock, wait: t.wait, amount: t.amount,
                id: t.id, tags: t.tags, kind: t.kind, maybe: t.maybe)
            let typedBytes = try PortableEncoder(registry: typed).encode(t)
            #expect(typedBytes == (try PortableEncoder(registry: codable).encode(c)), "\(i)")
            // The P forms are there: the names of the well-known types appear in the message.
            for name in ["pw.date", "pw.uuid", "pw.decimal", "pw.duration", "pw.set", "test.StampKind"] {
                let utf8 = Array(name.utf8)
                #expect(typedBytes.indices.contains { typedBytes[$0...].starts(with: utf8) }, "\(name)")
            }
            #expect(try PortableDecoder(registry: typed).decode(TypedStamp.self, from: typedBytes) == t)
            #expect(try PortableDecoder(registry: codable).decode(CodableStamp.self, from: typedBytes) == c)
        }
    }

    @Test func aCodableFormInAGeneratedFieldIsRefused() throws {
        // The "id" field as a UUID string (what a plain MessagePack sender writes): typeMismatch naming the field.
        struct Loose: Portable, Codable {
            static let portableName = "test.Stamp"
            var id: String
        }
        let bytes = try PortableEncoder(registry: TypeRegistry(registering: Loose.self)).encode(
            Loose(id: "12345678-1234-5678-1234-567812345678"))
        let error = #expect(throws: MessagePackError.self) {
            try PortableDecoder(registry: typed).decode(TypedStamp.self, from: bytes)
        }
        #expect(error?.code == .typeMismatch)
        #expect(error?.path == MessagePackPath([.key("id")]))
    }
}
#endif

#if Macros
/// A row that sends its member once per message through global data, read back with the typed accessor.
struct MemberRow: CustomPortable, Equatable {
    static let portableName = "test.MemberRow"
    var member: TypedMember

    func serialize(globalData: GlobalData) throws -> PortableValue {
        let key = "member:\(member.name)"
        if try globalData.value(forKey: key) == nil { try globalData.set(.object(member), forKey: key) }
        return .string(key)
    }

    static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> MemberRow {
        MemberRow(member: try globalData.object(TypedMember.self, forKey: data.stringValue ?? ""))
    }
}

@Suite struct GlobalDataAccessorTests {
    @Test func rowsReadTheirMemberFromGlobalData() throws {
        let registry = try TypeRegistry(registering: TypedMember.self, TypedTeam.self, MemberRow.self)
        let ada = TypedMember(name: "ada", age: 36, tags: ["x"], avatar: [1], nickname: nil, team: nil, friends: [])
        let rows = (0..<10).map { _ in MemberRow(member: ada) }
        let bytes = try PortableEncoder(registry: registry).encode(any: rows)
        let back = try PortableDecoder(registry: registry).decode([MemberRow].self, from: bytes)
        #expect(back == rows)
        // The member travels once: its name appears once in the message.
        let name: [UInt8] = [0xa3, 0x61, 0x64, 0x61]
        let occurrences = (0...(bytes.count - name.count)).filter { Array(bytes[$0..<($0 + name.count)]) == name }
        #expect(occurrences.count == 1)
    }

    @Test func aMissingOrMistypedEntryIsAnError() throws {
        struct Probe: CustomPortable {
            static let portableName = "test.Probe"
            var key: String
            func serialize(globalData: GlobalData) throws -> PortableValue {
                try globalData.set(.string("not an object"), forKey: "text")
                return .string(key)
            }
            static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> Probe {
                _ = try globalData.object(TypedMember.self, forKey: data.stringValue ?? "")
                return Probe(key: "")
            }
        }
        let registry = try TypeRegistry(registering: Probe.self, TypedMember.self, TypedTeam.self)
        for key in ["text", "absent"] {
            let bytes = try PortableEncoder(registry: registry).encode(any: [Probe(key: key)])
            let error = #expect(throws: (any Error).self) { try PortableDecoder(registry: registry).decode([Probe].self, from: bytes) }
            #expect("\(error!)".contains(key))
        }
    }
}
#endif

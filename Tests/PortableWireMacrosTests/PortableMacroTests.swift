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
        let back = try PortableDecoder(registry: registry).decode(as: [MemberRow].self, from: bytes)
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
            let error = #expect(throws: (any Error).self) { try PortableDecoder(registry: registry).decode(as: [Probe].self, from: bytes) }
            #expect("\(error!)".contains(key))
        }
    }
}
#endif

// SPDX-License-Identifier: Apache-2.0
import MessagePack
import PortableWire
import Testing
import TestSupport

// Messages here are built by hand (`Wire`), never by PortableEncoder, so that the decoder is checked against
// bytes whose field order, extra fields and reference directions it did not choose (Spec/portable-objects.md 5, 6).

/// A value as it is written on the wire: map entries in the order given, objects and references explicit.
indirect enum Wire: Sendable {
    case int(Int)
    case str(String)
    case null
    case array([Wire])
    case map([(String, Wire)])
    /// A P value (or Q when `twoPhase`) whose type-ref is a name or an index.
    case object(TypeRef, Wire, twoPhase: Bool = false)
    case ref(Int)
    /// A G envelope: global data, then the body.
    case envelope([(String, Wire)], Wire)

    enum TypeRef: Sendable {
        case name(String)
        case index(Int)
    }

    var bytes: [UInt8] {
        var writer = MessagePackWriter()
        write(to: &writer)
        return writer.finish()
    }

    func write(to writer: inout MessagePackWriter) {
        switch self {
        case .int(let v): writer.write(v)
        case .str(let s): writer.write(s)
        case .null: writer.writeNil()
        case .array(let elements):
            writer.writeArrayHeader(count: elements.count)
            for e in elements { e.write(to: &writer) }
        case .map(let entries):
            writer.writeMapHeader(count: entries.count)
            for (k, v) in entries {
                writer.write(k)
                v.write(to: &writer)
            }
        case .object(let ref, let data, let twoPhase):
            var payload = MessagePackWriter()
            switch ref {
            case .name(let n): payload.write(n)
            case .index(let i): payload.write(i)
            }
            data.write(to: &payload)
            writer.writeExtension(type: twoPhase ? 81 : 80, payload: payload.finish())
        case .ref(let id):
            var payload = MessagePackWriter()
            payload.write(id)
            writer.writeExtension(type: 82, payload: payload.finish())
        case .envelope(let table, let body):
            var payload = MessagePackWriter()
            Wire.map(table).write(to: &payload)
            body.write(to: &payload)
            writer.writeExtension(type: 71, payload: payload.finish())
        }
    }
}

/// A class with identity, so that a test can see which object a reference resolved to.
final class Stat: Portable, Codable {
    static let portableName = "app.Stat"
    var name: String
    init(name: String) { self.name = name }
}

final class StatPair: Portable, Codable {
    static let portableName = "app.StatPair"
    var first: Stat
    var second: Stat
}

struct StatCall: Codable {
    // Declared before kwargs; the wire may put kwargs first.
    var args: [Stat]
    var kwargs: StatKwargs
}

struct StatKwargs: Codable {
    var input: Stat
}

/// A deserializer that fails on purpose.
struct Fussy: CustomPortable {
    static let portableName = "app.Fussy"
    struct Refused: Error, Equatable { var reason: String }
    func serialize(globalData: GlobalData) throws -> PortableValue { .nil }
    static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> Fussy {
        throw Refused(reason: "no global data entry Person.0")
    }
}

struct FussyRows: Codable {
    @Polymorphic var rows: [any Portable]
}

@Suite struct WireOrderTests {
    let registry: TypeRegistry = {
        var registry = TypeRegistry()
        try! registry.register(Stat.self)
        try! registry.register(StatPair.self)
        try! registry.register(Fussy.self)
        return registry
    }()

    func stat(_ name: String, _ ref: Wire.TypeRef = .name("app.Stat")) -> Wire {
        .object(ref, .map([("name", .str(name))]))
    }

    @Test func referenceReadBeforeItsObjectResolvesToTheObjectTheSenderMeant() throws {
        // kwargs first on the wire: input is object 0 (variance), an extra field holds object 1 (mean);
        // args = [R1, R0] means [mean, variance].
        let message = Wire.map([
            ("kwargs", .map([("input", stat("variance")), ("extra", stat("mean", .index(0)))])),
            ("args", .array([.ref(1), .ref(0)])),
        ])
        let call = try PortableDecoder(registry: registry).decode(StatCall.self, from: message.bytes)
        #expect(call.args.map(\.name) == ["mean", "variance"])
        #expect(call.args[1] === call.kwargs.input)
    }

    @Test func objectsInsideSkippedFieldsKeepTheirIds() throws {
        // The receiver does not declare "newer"; its object still takes id 0, so R1 is the input.
        let message = Wire.map([
            ("newer", stat("unknown-to-receiver")),
            ("kwargs", .map([("input", stat("input", .index(0)))])),
            ("args", .array([.ref(1), .ref(0)])),
        ])
        let call = try PortableDecoder(registry: registry).decode(StatCall.self, from: message.bytes)
        #expect(call.args.map(\.name) == ["input", "unknown-to-receiver"])
        #expect(call.args[0] === call.kwargs.input)
    }

    @Test func typeNameFirstNamedInsideASkippedFieldKeepsItsIndex() throws {
        // app.StatPair is index 0 (inside the skipped field), app.Stat index 1.
        let message = Wire.map([
            ("newer", .object(.name("app.StatPair"), .map([("first", stat("a")), ("second", stat("b", .index(1)))]))),
            ("kwargs", .map([("input", stat("c", .index(1)))])),
            ("args", .array([])),
        ])
        let call = try PortableDecoder(registry: registry).decode(StatCall.self, from: message.bytes)
        #expect(call.kwargs.input.name == "c")
    }

    @Test func referenceIntoAnUnbuiltParentBuildsTheParentFirst() throws {
        // args reads R1 (the pair's first stat) before kwargs; the pair (object 0) is built, then R1 is its first.
        let pair = Wire.object(.name("app.StatPair"), .map([("second", stat("s")), ("first", stat("f", .index(1)))]))
        let message = Wire.map([
            ("kwargs", .map([("input", .ref(2)), ("pair", pair)])),
            ("args", .array([.ref(2), .ref(1)])),
        ])
        // kwargs.input = R2 is a forward reference at its position: the message is invalid whatever the order.
        #expect(messagePackError { _ = try PortableDecoder(registry: registry).decode(StatCall.self, from: message.bytes) }?.code == .danglingReference)

        let valid = Wire.map([
            ("kwargs", .map([("pair", pair), ("input", .ref(2))])),
            ("args", .array([.ref(2), .ref(1)])),
        ])
        struct PairKwargs: Codable { var input: Stat; var pair: StatPair }
        struct PairCall: Codable { var args: [Stat]; var kwargs: PairKwargs }
        let call = try PortableDecoder(registry: registry).decode(PairCall.self, from: valid.bytes)
        #expect(call.args.map(\.name) == ["f", "s"])
        #expect(call.args[0] === call.kwargs.pair.first)
        #expect(call.args[1] === call.kwargs.pair.second)
        #expect(call.kwargs.input === call.kwargs.pair.first)
    }

    @Test(arguments: [
        (Wire.ref(99), MessagePackError.Code.danglingReference),
        (Wire.object(.name("app.Stat"), .map([("name", .str("x")), ("self", .ref(0))])), .incompleteReference),
        (Wire.object(.index(7), .map([("name", .str("x"))])), .typeReferenceOutOfRange),
        (Wire.object(.name("app.Nobody"), .null), .unknownType),
    ])
    func skippedFieldsAreStillChecked(_ skipped: Wire, _ code: MessagePackError.Code) {
        let message = Wire.map([
            ("newer", skipped), ("kwargs", .map([("input", stat("i"))])), ("args", .array([])),
        ])
        let error = messagePackError { _ = try PortableDecoder(registry: registry).decode(StatCall.self, from: message.bytes) }
        #expect(error?.code == code, "\(String(describing: error))")
        #expect(error?.path.description.hasPrefix("$.newer") == true, "\(String(describing: error))")
    }

    @Test func shuffledOrdersAllMeanTheSame() throws {
        // Every order of the three top-level entries and of kwargs' entries gives the same objects.
        let entries: [(String, Wire)] = [
            ("kwargs", .map([("input", stat("in")), ("x", stat("x", .index(0)))])),
            ("args", .array([])),
            ("z", .int(1)),
        ]
        for permutation in [[0, 1, 2], [0, 2, 1], [2, 0, 1]] {
            var ordered = permutation.map { entries[$0] }
            // args always refers to the two objects; it must come after them on the wire.
            ordered = ordered.map { $0.0 == "args" ? ("args", .array([.ref(1), .ref(0)])) : $0 }
            let kwargsIndex = ordered.firstIndex { $0.0 == "kwargs" }!
            let argsIndex = ordered.firstIndex { $0.0 == "args" }!
            if argsIndex < kwargsIndex { ordered.swapAt(argsIndex, kwargsIndex) }
            let call = try PortableDecoder(registry: registry).decode(StatCall.self, from: Wire.map(ordered).bytes)
            #expect(call.args.map(\.name) == ["x", "in"])
            #expect(call.args[1] === call.kwargs.input)
        }
    }

    // MARK: Names compare by bytes

    static let nfc = "caf\u{e9}"
    static let nfd = "cafe\u{301}"

    @Test func typeNamesDifferingOnlyInNormalizationAreTwoNames() throws {
        #expect(Self.nfc == Self.nfd)  // Swift's String equality: the reason for this test
        var registry = TypeRegistry()
        try registry.register(Stat.self, as: Self.nfc)
        // [P(nfc), P(nfd), P(index 1)]: the third names the NFD type, which this receiver does not know.
        let message = Wire.array([
            .object(.name(Self.nfc), .map([("name", .str("a"))])),
            .object(.name(Self.nfd), .map([("name", .str("b"))])),
            .object(.index(1), .map([("name", .str("c"))])),
        ])
        let rejected = messagePackError { _ = try PortableDecoder(registry: registry).decode(from: message.bytes) }
        #expect(rejected?.code == .unknownType)
        #expect(rejected?.path.description == "$[1]")

        var passthrough = PortableDecoder(registry: registry)
        passthrough.unknownTypes = .passthrough
        let values = try passthrough.decode(from: message.bytes).arrayValue ?? []
        #expect(values.count == 3)
        #expect(values[0].object is Stat)
        #expect((values[1].object as? OpaquePortable)?.name.utf8.elementsEqual(Self.nfd.utf8) == true)
        #expect((values[2].object as? OpaquePortable)?.name.utf8.elementsEqual(Self.nfd.utf8) == true)
        // Re-encoding keeps the NFD name's bytes.
        #expect(try PortableEncoder(registry: registry).encode(passthrough.decode(from: message.bytes)) == message.bytes)
    }

    @Test func registryKeepsNamesDifferingOnlyInNormalizationApart() throws {
        var registry = TypeRegistry()
        try registry.register(Stat.self, as: Self.nfc)
        try registry.register(StatPair.self, as: Self.nfd)
        #expect(registry.names.count == 2)
    }

    @Test func globalDataKeysDifferingOnlyInNormalizationAreTwoKeys() throws {
        let message = Wire.envelope([(Self.nfc, .int(1)), (Self.nfd, .int(2))], .str("body"))
        let decoded = try PortableDecoder(registry: registry).decodeMessage(from: message.bytes)
        #expect(decoded.globalData.count == 2)
        #expect(decoded.globalData[1].key.utf8.elementsEqual(Self.nfd.utf8))
        // The very same bytes twice is still a duplicate key.
        let duplicate = Wire.envelope([(Self.nfc, .int(1)), (Self.nfc, .int(2))], .str("body"))
        #expect(messagePackError { _ = try PortableDecoder(registry: registry).decode(from: duplicate.bytes) }?.code == .malformedPortable)
    }

    @Test func dictionaryKeysThatSwiftWouldMergeAreAnError() throws {
        let message = Wire.map([("k", .map([(Self.nfc, .int(1)), (Self.nfd, .int(2))]))]).bytes
        struct Holder: Codable { var k: [String: Int] }
        for decode in [
            { _ = try MessagePackDecoder().decode(Holder.self, from: message) },
            { _ = try PortableDecoder(registry: registry).decode(Holder.self, from: message) },
        ] as [() throws -> Void] {
            let error = messagePackError(decode)
            #expect(error?.code == .typeMismatch)
            #expect(error?.path.description == "$.k")
            #expect(error?.detail.contains("63 61 66 c3 a9") == true, "\(String(describing: error))")
            #expect(error?.detail.contains("63 61 66 65 cc 81") == true, "\(String(describing: error))")
        }
        // Keys that are plain distinct strings still decode.
        let fine = Wire.map([("k", .map([(Self.nfc, .int(1)), ("cafe", .int(2))]))]).bytes
        #expect(try MessagePackDecoder().decode(Holder.self, from: fine).k.count == 2)
    }

    // MARK: Errors from the application's deserializers

    @Test func deserializerErrorsNameTheObjectAndKeepTheUnderlyingError() throws {
        let rows = Wire.map([
            ("rows", .array([stat("ok"), stat("ok2", .index(0)), .object(.name("app.Fussy"), .null)])),
        ])
        let error = messagePackError { _ = try PortableDecoder(registry: registry).decode(FussyRows.self, from: rows.bytes) }
        #expect(error?.path.description == "$.rows[2]")
        let fussy = Wire.object(.name("app.Fussy"), .null).bytes
        let at = (0...(rows.bytes.count - fussy.count)).first { Array(rows.bytes[$0..<($0 + fussy.count)]) == fussy }
        #expect(error?.byteOffset == at)
        #expect(error?.detail.contains("app.Fussy") == true)
        #expect((error?.underlyingError as? Fussy.Refused)?.reason == "no global data entry Person.0")
    }
}

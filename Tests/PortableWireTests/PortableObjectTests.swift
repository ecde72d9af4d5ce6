// SPDX-License-Identifier: Apache-2.0
import PortableWire
import Testing
import TestSupport

@Suite struct PortableObjectTests {
    // The registry holds fixed, distinct names: building it cannot fail.
    var (registry, encoder, decoder) = portableCoders(try! makeRegistry())

    @Test func codableStructRoundTripsAsOneExtWithItsName() throws {
        let bytes = try encoder.encode(Circle(radius: 2))
        // P ext (type 0x50), payload: "app.Circle" then {"radius": 2.0}
        #expect(bytes == hex("c7 1c 50 aa 61 70 70 2e 43 69 72 63 6c 65 81 a6 72 61 64 69 75 73 cb 40 00 00 00 00 00 00 00"))
        #expect(try decoder.decode(Circle.self, from: bytes) == Circle(radius: 2))
    }

    @Test func secondObjectOfATypeUsesTheTypeIndex() throws {
        let bytes = try encoder.encode([Circle(radius: 1), Circle(radius: 2)])
        // the second object's payload starts with type index 0 (a single 00 byte) instead of the name
        // array header, then ext8 of 28 bytes, then ext8 of 18 bytes whose payload starts with index 0
        #expect(bytes.count == 1 + (3 + 28) + (3 + 18))
        #expect(Array(bytes[32...35]) == [0xc7, 0x12, 0x50, 0x00])
    }

    @Test func arrivesAsItselfInsideAnExistentialArray() throws {
        let shapes: [any Shape] = [Circle(radius: 1), Square(side: 2), Circle(radius: 3)]
        let bytes = try encoder.encode(any: shapes)
        let decoded = try decoder.decode([any Shape].self, from: bytes)
        #expect(decoded.count == 3)
        #expect((decoded[0] as? Circle) == Circle(radius: 1))
        #expect((decoded[1] as? Square) == Square(side: 2))
        #expect(decoded.map(\.area) == [3, 4, 27])
    }

    @Test func arrivesAsItselfInsideADynamicValue() throws {
        let bytes = try encoder.encode(["kwargs": ["input": .object(Square(side: 3))]] as PortableValue)
        let value = try decoder.decode(from: bytes)
        #expect((value["kwargs"]?["input"]?.object as? Square) == Square(side: 3))
    }

    @Test func arrivesAsItselfInAnExistentialProperty() throws {
        let drawing = Drawing(title: "d", shapes: [Square(side: 1), Circle(radius: 1)], highlight: Circle(radius: 5))
        let bytes = try encoder.encode(drawing)
        let decoded = try decoder.decode(Drawing.self, from: bytes)
        #expect(decoded.title == "d")
        #expect((decoded.shapes[0] as? Square) == Square(side: 1))
        #expect((decoded.highlight as? Circle) == Circle(radius: 5))
    }

    @Test func nonRegisteredCodableValuesStayPlainMaps() throws {
        struct Plain: Codable, Equatable { var a: Int }
        let bytes = try encoder.encode(Plain(a: 1))
        #expect(bytes == hex("81 a1 61 01"))
        #expect(try MessagePackValue(decoding: bytes) == ["a": 1])
    }

    @Test func sharedClassInstancesArriveAsTheSameInstance() throws {
        let a = Account(owner: "ann")
        let b = Account(owner: "bob")
        let bytes = try encoder.encode([a, a, b])
        // the repeat is a back-reference: fixext1, type 0x52, object id 0
        #expect(bytes.contains(0x52))
        let decoded = try decoder.decode([Account].self, from: bytes)
        #expect(decoded[0] === decoded[1])
        #expect(decoded[0] !== decoded[2])
        #expect(decoded.map(\.owner) == ["ann", "ann", "bob"])
    }

    @Test func valueTypesKeepValueSemantics() throws {
        let c = Circle(radius: 1)
        let bytes = try encoder.encode([c, c])
        #expect(!bytes.contains(0x52), "structs are written in full, never referenced")
        #expect(try decoder.decode([Circle].self, from: bytes) == [c, c])
    }

    @Test func cycleFailsWithTheExactPath() throws {
        let input = Node(name: "input")
        let child = Node(name: "child", parent: input)
        input.children = [child]
        input.parent = input
        let call: [String: Any] = ["task": "app.tasks.optimise", "kwargs": ["input": input]]
        let error = #expect(throws: MessagePackError.self) { try encoder.encode(any: call) }
        #expect(error?.code == .cycleDetected)
        #expect(error?.detail == "cycle: $.kwargs.input.parent refers back to $.kwargs.input (Node)")
        input.parent = nil
        input.children = []
    }

    @Test func cycleThroughAChildNamesBothEnds() throws {
        let root = Node(name: "root")
        let child = Node(name: "child", parent: root)
        root.children = [child]
        let error = #expect(throws: MessagePackError.self) { try encoder.encode(root) }
        #expect(error?.detail == "cycle: $.children[0].parent refers back to $ (Node)")
        child.parent = nil
    }

    @Test func twoPhaseTypesRoundTripCycles() throws {
        let root = TreeNode.withChild()
        let bytes = try encoder.encode(PortableValue.object(root))
        #expect(bytes[2] == 81, "two-phase objects travel as ext type Q (81)")
        let decoded = try #require(try decoder.decode(from: bytes).object as? TreeNode)
        #expect(decoded.name == "root")
        #expect(decoded.children.count == 1)
        #expect(decoded.children[0].parent === decoded)
    }

    @Test func globalDataMakesRepeatedRowsFiveTimesSmaller() throws {
        let people = (0..<10).map {
            PersonRow(id: $0, name: "Person Number \($0)", email: "person\($0)@example.com", city: "Springfield")
        }
        let rows = (0..<1000).map { people[$0 % 10] }
        let withGlobalData = try encoder.encode(any: rows)
        let plain = rows.map { PlainPersonRow(id: $0.id, name: $0.name, email: $0.email, city: $0.city) }
        let without = try encoder.encode(plain)
        #expect(withGlobalData.count * 5 <= without.count, "\(withGlobalData.count) vs \(without.count) bytes")
        #expect(withGlobalData[1] == 71 || withGlobalData[3] == 71 || withGlobalData[5] == 71, "G envelope first")
        let decoded = try decoder.decode([Any].self, from: withGlobalData).map { $0 as! PersonRow }
        #expect(decoded == rows)
        let message = try decoder.decodeMessage(from: withGlobalData)
        #expect(message.globalData.count == 10)
    }

    @Test func aClassSerializerRunsOncePerMessageEvenWithGlobalData() throws {
        let rows = [CountingRow(key: "a"), CountingRow(key: "b")]
        CountingRow.calls = 0
        let bytes = try encoder.encode(any: [rows[0], rows[1], rows[0]])
        #expect(CountingRow.calls == 2, "each instance's serializer runs once, though the body is encoded twice")
        let message = try decoder.decodeMessage(from: bytes)
        #expect(message.globalData.map(\.key) == ["a", "b"])
    }

    @Test func objectsInsideGlobalDataCannotUseGlobalData() throws {
        let error = #expect(throws: MessagePackError.self) { try encoder.encode(PortableValue.object(Holder())) }
        #expect(error?.code == .globalDataUnavailable)
    }

    @Test func bodyReferencesObjectsInsideGlobalData() throws {
        let shared = Account(owner: "shared")
        let bytes = try encoder.encode(["a": .object(shared), "b": .object(shared)] as PortableValue, globalData: [("acct", .object(shared))])
        let message = try decoder.decodeMessage(from: bytes)
        let inTable = try #require(message.globalData.first?.value.object as? Account)
        #expect(message.body["a"]?.object as? Account === inTable)
        #expect(message.body["b"]?.object as? Account === inTable)
    }

    @Test func unknownTypeFailsWithNamePathAndHint() throws {
        var senderRegistry = TypeRegistry()
        try senderRegistry.register(Circle.self, as: "app.CustomVariable")
        let bytes = try PortableEncoder(registry: senderRegistry).encode(
            ["kwargs": ["input": .object(Circle(radius: 1))]] as PortableValue)
        let error = #expect(throws: MessagePackError.self) { try PortableDecoder(registry: TypeRegistry()).decode(from: bytes) }
        #expect(error?.code == .unknownType)
        #expect(error?.path.description == "$.kwargs.input")
        #expect(error?.description.contains("unknown portable type 'app.CustomVariable'") == true)
        #expect(error?.description.contains("register it with") == true)
    }

    @Test func unknownTypesPassThroughARelayByteIdentical() throws {
        let a = Account(owner: "a")
        let message: PortableValue = [
            "shapes": [.object(Circle(radius: 1)), .object(Circle(radius: 2))], "acct": .object(a), "again": .object(a),
            "tree": .object({ let t = TreeNode(); t.name = "t"; return t }()),
        ]
        let original = try encoder.encode(message)
        var relay = PortableDecoder(registry: TypeRegistry())
        relay.unknownTypes = .passthrough
        let carried = try relay.decode(from: original)
        #expect(carried["acct"]?.object as? OpaquePortable === carried["again"]?.object as? OpaquePortable)
        let forwarded = try PortableEncoder(registry: TypeRegistry()).encode(carried)
        #expect(forwarded == original)
        #expect(try decoder.decode(from: forwarded)["shapes"]?[1]?.object as? Circle == Circle(radius: 2))
    }

    @Test func nonTransmittableValueNamesItsPath() throws {
        let call: [String: Any] = ["task": "t", "kwargs": ["input": CustomVariable()]]
        let error = #expect(throws: MessagePackError.self) { try encoder.encode(any: call) }
        #expect(error?.code == .cannotSerialize)
        #expect(error?.detail.hasPrefix("cannot serialize CustomVariable at $.kwargs.input") == true)
        #expect(error?.hint?.contains("Portable") == true)
    }

    @Test func unregisteredPortableTypeIsAnEncodeError() throws {
        let error = #expect(throws: MessagePackError.self) {
            try PortableEncoder(registry: TypeRegistry()).encode(["x": Circle(radius: 1)])
        }
        #expect(error?.code == .cannotSerialize)
        #expect(error?.description.contains("register") == true)
    }

    @Test func registeringTwoTypesUnderOneNameFails() throws {
        var registry = TypeRegistry()
        try registry.register(Circle.self, as: "x")
        let error = #expect(throws: MessagePackError.self) { try registry.register(Square.self, as: "x") }
        #expect(error?.code == .duplicateTypeName)
        try registry.register(Circle.self, as: "x")  // the same type again is fine
    }

    @Test func defaultNameIsModuleQualified() {
        struct Local: Portable, Codable {}
        #expect(Account.portableName == "app.Account")
        #expect(Local.portableName.hasPrefix("PortableWireTests."))
    }

    @Test func decodingIntoTheWrongConcreteTypeIsATypeMismatch() throws {
        let bytes = try encoder.encode(Circle(radius: 1))
        let error = #expect(throws: MessagePackError.self) { try decoder.decode(Square.self, from: bytes) }
        #expect(error?.code == .typeMismatch)
    }

    @Test func referenceToAnObjectStillBeingDecodedIsRejected() throws {
        // P "app.Account" whose data is a reference to itself (id 0), sent as a non-two-phase object
        var registry = TypeRegistry()
        try registry.registerGeneric("app.Account")
        let bytes = hex("c7 0f 50 ab 61 70 70 2e 41 63 63 6f 75 6e 74 d4 52 00")
        let error = #expect(throws: MessagePackError.self) { try PortableDecoder(registry: registry).decode(from: bytes) }
        #expect(error?.code == .incompleteReference)
    }

    @Test func referenceBombDecodesLinearly() throws {
        // level k holds two references to level k-1: 2^40 leaves if expanded, 40 small objects on the wire
        var registryOpaque = TypeRegistry()
        try registryOpaque.registerGeneric("bomb")
        var value = PortableValue.object(OpaquePortable(name: "bomb", data: "leaf"))
        for _ in 0..<40 { value = .object(OpaquePortable(name: "bomb", data: [value, value])) }
        let bytes = try PortableEncoder(registry: registryOpaque).encode(value)
        #expect(bytes.count < 1000)
        let decoded = try PortableDecoder(registry: registryOpaque).decode(from: bytes)
        #expect(decoded.description.count < 2000, "description stays linear through identity")
        #expect(try PortableEncoder(registry: registryOpaque).encode(decoded) == bytes)
    }
}

/// Found by the FuzzPortable libFuzzer target: an unknown two-phase type whose data refers back to the object
/// itself decodes (under passthrough) into an `OpaquePortable` that holds itself, a retain cycle that leaks.
@Suite struct CyclePolicyTests {
    // c7 12 51  a8 "app.Node"  81 a4 "next"  d4 52 00: Q object whose field "next" is R(0), itself.
    static let selfReferencingOpaque: [UInt8] = [
        0xc7, 0x12, 0x51, 0xa8, 0x61, 0x70, 0x70, 0x2e, 0x4e, 0x6f, 0x64, 0x65,
        0x81, 0xa4, 0x6e, 0x65, 0x78, 0x74, 0xd4, 0x52, 0x00,
    ]

    @Test func cyclesAreAllowedByDefaultAsTheSpecSays() throws {
        var decoder = PortableDecoder(registry: TypeRegistry())
        decoder.unknownTypes = .passthrough
        let value = try decoder.decode(from: Self.selfReferencingOpaque)
        let opaque = try #require(value.object as? OpaquePortable)
        // The object refers to itself through a weak back-edge (issue 13), so the cycle is no retain cycle.
        let next = try #require(opaque.data["next"]?.object as? OpaquePortable)
        #expect(next.isBackEdge)
        #expect(next.resolved === opaque)
        #expect(opaque.data["next"] == value)
    }

    @Test func rejectingCyclesStopsTheMessageAtTheBackReference() {
        var decoder = PortableDecoder(registry: TypeRegistry())
        decoder.unknownTypes = .passthrough
        decoder.cycles = .reject
        let error = #expect(throws: MessagePackError.self) { try decoder.decode(from: Self.selfReferencingOpaque) }
        #expect(error?.code == .incompleteReference)
        #expect(error?.byteOffset == 18)
        #expect(error?.hint?.contains("cycles") == true)
    }

    @Test func rejectingCyclesStillAcceptsSharedReferencesThatAreNotCycles() throws {
        var registry = TypeRegistry()
        try registry.register(Account.self)
        let shared = Account(owner: "ada")
        let bytes = try PortableEncoder(registry: registry).encode([shared, shared])
        var decoder = PortableDecoder(registry: registry)
        decoder.cycles = .reject
        let accounts = try decoder.decode([Account].self, from: bytes)
        #expect(accounts[0] === accounts[1])
    }
}

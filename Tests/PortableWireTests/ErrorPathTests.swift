// SPDX-License-Identifier: Apache-2.0
import MessagePack
import PortableWire
import Testing
import TestSupport

/// The `path` field and the sentence of every error agree, through Codable structs, arrays, maps, @Polymorphic,
/// global data and nested objects, on encode and on decode (issue 12).
@Suite struct ErrorPathTests {
    struct Kwargs: Codable { var input: Node }
    struct Call: Codable { var task: String; var kwargs: Kwargs }

    struct Unregistered: Portable, Codable { var x: Int }
    struct LooseKwargs: Codable { var input: Unregistered }
    struct LooseCall: Codable { var kwargs: LooseKwargs }

    struct Grumpy: CustomPortable {
        static let portableName = "app.Grumpy"
        struct NoWay: Error {}
        func serialize(globalData: GlobalData) throws -> PortableValue { throw NoWay() }
        static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> Grumpy { Grumpy() }
    }
    struct GrumpyHolder: Codable {
        var name: String
        @Polymorphic var items: [any Portable]
    }

    @Test func cycleThroughACodableStructNamesBothEnds() throws {
        var registry = TypeRegistry()
        try registry.register(Node.self)
        let root = Node(name: "root")
        let child = Node(name: "child", parent: root)
        root.parent = child
        let error = messagePackError {
            _ = try PortableEncoder(registry: registry).encode(Call(task: "t", kwargs: Kwargs(input: root)))
        }
        #expect(error?.code == .cycleDetected)
        #expect(error?.path.description == "$.kwargs.input.parent.parent")
        #expect(error?.detail.hasPrefix("cycle: $.kwargs.input.parent.parent refers back to $.kwargs.input (Node)") == true, "\(String(describing: error))")
    }

    @Test func unregisteredTypeIsReportedWhereItIs() throws {
        let error = messagePackError {
            _ = try PortableEncoder(registry: TypeRegistry()).encode(LooseCall(kwargs: LooseKwargs(input: Unregistered(x: 1))))
        }
        #expect(error?.code == .cannotSerialize)
        #expect(error?.path.description == "$.kwargs.input")
        #expect(error?.detail.contains("at $.kwargs.input:") == true, "\(String(describing: error))")
    }

    @Test func serializerErrorsNameTheObjectAndKeepTheUnderlyingError() throws {
        var registry = TypeRegistry()
        try registry.register(Grumpy.self)
        let error = messagePackError {
            _ = try PortableEncoder(registry: registry).encode(GrumpyHolder(name: "n", items: [Grumpy(), Grumpy()]))
        }
        #expect(error?.code == .cannotSerialize)
        #expect(error?.path.description == "$.items[0]")
        #expect(error?.underlyingError is Grumpy.NoWay)
    }

    @Test func decodeErrorsInsideObjectsAndGlobalDataHaveTheWirePath() throws {
        var registry = TypeRegistry()
        try registry.register(Stat.self)
        // A Stat whose name is an integer, inside global data and inside the body.
        let bad = Wire.object(.name("app.Stat"), .map([("name", .int(5))]))
        let inBody = Wire.map([("kwargs", .map([("input", bad)])), ("args", .array([]))])
        let error = messagePackError { _ = try PortableDecoder(registry: registry).decode(StatCall.self, from: inBody.bytes) }
        #expect(error?.code == .typeMismatch)
        #expect(error?.path.description == "$.kwargs.input.name", "\(String(describing: error))")

        // The same object read first through a reference from args: the path is the object's, not the reference's.
        let viaReference = Wire.map([
            ("kwargs", .map([("input", .object(.name("app.Stat"), .map([("name", .str("ok"))]))), ("extra", .object(.index(0), .map([("name", .int(5))])))])),
            ("args", .array([.ref(1)])),
        ])
        let referenced = messagePackError { _ = try PortableDecoder(registry: registry).decode(StatCall.self, from: viaReference.bytes) }
        #expect(referenced?.code == .typeMismatch)
        #expect(referenced?.path.description == "$.kwargs.extra.name", "\(String(describing: referenced))")

        let inGlobalData = Wire.envelope([("g", .array([bad]))], .int(1))
        let global = messagePackError { _ = try PortableDecoder(registry: registry).decode(from: inGlobalData.bytes) }
        #expect(global?.code == .typeMismatch)
        #expect(global?.path.description == "$globalData.g[0].name", "\(String(describing: global))")
    }
}

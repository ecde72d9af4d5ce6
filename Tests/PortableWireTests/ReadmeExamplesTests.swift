// SPDX-License-Identifier: Apache-2.0
// The README's examples, verbatim in their test functions, so they keep compiling and working.
import PortableWire
import Testing

@Suite struct ReadmeExamplesTests {
    @Test func quickStart() throws {
        struct Point: Codable, Equatable { var x: Int; var y: Int }

        let bytes = try MessagePackEncoder().encode(Point(x: 1, y: 2))
        // 82 a1 78 01 a1 79 02: {"x": 1, "y": 2}, byte for byte what msgpack-c and Python write
        let point = try MessagePackDecoder().decode(Point.self, from: bytes)

        let value = try MessagePackValue(decoding: bytes)
        print(value)  // {"x": 1, "y": 2}
        #expect(bytes == [0x82, 0xa1, 0x78, 0x01, 0xa1, 0x79, 0x02])
        #expect(point == Point(x: 1, y: 2))
        #expect(value["y"] == 2)
    }

    @Test func globalDataExample() throws {
        struct Person: CustomPortable {
            static let portableName = "app.Person"
            var id: Int, name: String, email: String

            // Each distinct person goes into the message's global data once; rows carry only the id.
            func serialize(globalData: GlobalData) throws -> PortableValue {
                try globalData.set(["name": .string(name), "email": .string(email)], forKey: "person:\(id)")
                return .int(Int64(id))
            }
            static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> Person {
                let id = data.int64Value ?? 0
                let fields = try globalData.value(forKey: "person:\(id)") ?? [:]
                return Person(id: Int(id), name: fields["name"]?.stringValue ?? "", email: fields["email"]?.stringValue ?? "")
            }
        }
        struct PlainPerson: Codable { var id: Int, name: String, email: String }

        var registry = TypeRegistry()
        try registry.register(Person.self)
        let people = (0..<10).map { Person(id: $0, name: "Person \($0)", email: "person\($0)@example.com") }
        let rows = (0..<1000).map { people[$0 % 10] }

        let withGlobalData = try PortableEncoder(registry: registry).encode(any: rows)
        let without = try MessagePackEncoder().encode(rows.map { PlainPerson(id: $0.id, name: $0.name, email: $0.email) })
        print("with global data: \(withGlobalData.count) bytes, without: \(without.count) bytes")

        let decoded = try PortableDecoder(registry: registry).decode([Any].self, from: withGlobalData)
        #expect((decoded[999] as? Person)?.name == "Person 9")
        #expect(withGlobalData.count * 5 <= without.count)
    }

    // The README writes its portable examples with `@Portable`; PortableWireMacrosTests runs them verbatim
    // (ReadmePortableMacroExamplesTests). These two are the same flows with hand-written `Portable` conformances,
    // the README's "without the macro" route, which needs no macro trait.

    @Test func taskCallExample() throws {
        // The example's types are at file scope in StreamingReadmeExamplesTests.swift, as the README's "without the
        // macro" route spells them.
        typealias TaskCall = ReadmeTaskCall
        typealias CustomVariable = ReadmeCustomVariable

        var registry = TypeRegistry()
        try registry.register(CustomVariable.self)
        let call = TaskCall(
            task: "app.tasks.optimise", id: "5f0c…", args: [1, 2],
            kwargs: ["input": CustomVariable(type: .quantile, quantile: 0.5), "tags": ["a", "b"]])
        let bytes = try PortableEncoder(registry: registry).encode(call)

        let received = try PortableDecoder(registry: registry).decode(TaskCall.self, from: bytes)
        let input = received.kwargs["input"] as? CustomVariable  // the registered type, not a dictionary
        #expect(input?.type == .quantile)
        #expect(input?.quantile == 0.5)
    }

    @Test func polymorphicShapesExample() throws {
        struct Circle: ReadmeShape, Codable { static let portableName = "app.Circle"; var radius: Double
            var area: Double { .pi * radius * radius } }
        struct Square: ReadmeShape, Codable { static let portableName = "app.Square"; var side: Double
            var area: Double { side * side } }

        var registry = TypeRegistry()
        try registry.register(Circle.self)
        try registry.register(Square.self)
        let shapes: [any ReadmeShape] = [Circle(radius: 1), Square(side: 2)]

        let bytes = try PortableEncoder(registry: registry).encode(any: shapes)
        let back = try PortableDecoder(registry: registry).decode([any ReadmeShape].self, from: bytes)
        print(back.map(\.area))  // [3.14159…, 4.0]
        #expect(back[1] is Square)
    }
}

protocol ReadmeShape: Portable { var area: Double { get } }

/// The README's "Speed" example, verbatim.
struct ReadmePoint: Codable, Equatable, MessagePackCodable {
    var x: Int
    var y: Int

    init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }

    func encode(to writer: inout MessagePackWriter) {
        writer.writeMapHeader(count: 2)
        writer.encode(x, key: "x")
        writer.encode(y, key: "y")
    }

    init(from reader: inout MessagePackReader) throws(MessagePackError) {
        var x: Int?, y: Int?
        for _ in 0..<(try reader.readMapHeader()) {
            switch try reader.readKey() {  // matches the key's bytes; no String is made
            case "x": x = try reader.decode(Int.self, key: "x")
            case "y": y = try reader.decode(Int.self, key: "y")
            default: try reader.skipValue()  // unknown keys are skipped
            }
        }
        self.x = try reader.required(x, "x", in: "Point")
        self.y = try reader.required(y, "y", in: "Point")
    }
}

@Suite struct ReadmeHostileInputExampleTests {
    @Test func limitsExample() throws {
        let registry = TypeRegistry()
        var printed = ""
        func print(_ value: Any) { printed = "\(value)" }

        var decoder = PortableDecoder(registry: registry)
        decoder.limits.maxDepth = 64             // tighter than the default for this endpoint
        decoder.cycles = .reject                 // refuse reference cycles from untrusted peers (Spec portable-objects.md 8.4)
        do {
            _ = try decoder.decode(from: [0x91, 0x91, 0x91] + Array(repeating: 0x91, count: 62) + [0x90])
        } catch let error as MessagePackError where error.code == .limitExceeded {
            print(error)  // limitExceeded at byte 64 ($[0][0]…): the input exceeds the limit maxDepth = 64; raise …
        }
        #expect(printed.hasPrefix("limitExceeded at byte 64 ($[0][0]"), "\(printed)")
        #expect(printed.contains("the input exceeds the limit maxDepth = 64; raise"))
    }
}

@Suite struct ReadmeSpeedExampleTests {
    @Test func typedFastPath() throws {
        let bytes = ReadmePoint(x: 1, y: 2).messagePackBytes()   // 82 a1 78 01 a1 79 02, what MessagePackEncoder writes
        let point = try ReadmePoint(messagePack: bytes)          // errors name the offset and the path ($.y)
        #expect(bytes == [0x82, 0xa1, 0x78, 0x01, 0xa1, 0x79, 0x02])
        #expect(bytes == (try MessagePackEncoder().encode(ReadmePoint(x: 1, y: 2))))
        #expect(point == ReadmePoint(x: 1, y: 2))
        let error = #expect(throws: MessagePackError.self) {
            try ReadmePoint(messagePack: [0x82, 0xa1, 0x78, 0x01, 0xa1, 0x79, 0xa1, 0x32])
        }
        #expect(error?.path.description == "$.y")
        #expect(error?.byteOffset == 6)
    }
}

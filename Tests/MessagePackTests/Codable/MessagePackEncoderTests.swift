// SPDX-License-Identifier: Apache-2.0
import MessagePack
import Testing

func encoded<T: Encodable>(_ value: T, configure: (inout MessagePackEncoder) -> Void = { _ in }) throws -> String {
    var encoder = MessagePackEncoder()
    configure(&encoder)
    return hexString(try encoder.encode(value))
}

func positionally(_ encoder: inout MessagePackEncoder) { encoder.options.positional = true }

@Suite struct EncoderStructTests {
    @Test func writesStructsAsMapsInCodingKeysOrder() throws {
        #expect(try encoded(Person(name: "Ada", age: 36, email: nil)) == "82 a4 6e 61 6d 65 a3 41 64 61 a3 61 67 65 24")
        #expect(
            try encoded(Person(name: "Ada", age: 36, email: "a@b.c"))
                == "83 a4 6e 61 6d 65 a3 41 64 61 a3 61 67 65 24 a5 65 6d 61 69 6c a5 61 40 62 2e 63")
        #expect(try encoded(Reordered(a: 1, b: 2)) == "82 a1 62 02 a1 61 01")
    }

    @Test func writesClassesAsMaps() throws {
        #expect(try encoded(Box(id: 7, label: "x")) == "82 a2 69 64 07 a5 6c 61 62 65 6c a1 78")
    }

    @Test func writesEveryScalarTypeInItsShortestForm() throws {
        #expect(try encoded(AllScalars.sample) == AllScalars.sampleHex)
    }

    @Test func writesTopLevelScalars() throws {
        #expect(try encoded(5) == "05")
        #expect(try encoded(-33) == "d0 df")
        #expect(try encoded("x") == "a1 78")
        #expect(try encoded(true) == "c3")
        #expect(try encoded(1.5) == "cb 3f f8 00 00 00 00 00 00")
        #expect(try encoded(Float(1)) == "ca 3f 80 00 00")
        #expect(try encoded(UInt8(200)) == "cc c8")
        #expect(try encoded(Int8(-1)) == "ff")
        #expect(try encoded(UInt64.max) == "cf ff ff ff ff ff ff ff ff")
        #expect(try encoded(Int?.none) == "c0")
        #expect(try encoded(Int?.some(3)) == "03")
    }

    @Test func writesEmptyValues() throws {
        #expect(try encoded(Point?.none) == "c0")
        #expect(try encoded([Point]()) == "90")
        #expect(try encoded([String: Int]()) == "80")
        #expect(try encoded(Silent()) == "c0")  // encode(to:) wrote nothing
        #expect(try encoded([Silent(), Silent()]) == "92 c0 c0")
    }

    @Test func leavesOutNilOptionalsButWritesExplicitNils() throws {
        #expect(try encoded(Sparse(a: 1, b: nil, c: 3)) == "82 a1 61 01 a1 63 03")
        #expect(try encoded(Explicit(v: nil)) == "81 a1 76 c0")
        #expect(try encoded(Explicit(v: 2)) == "81 a1 76 02")
    }

    @Test func appendsToAnExistingWriter() throws {
        var writer = MessagePackWriter()
        writer.writeArrayHeader(count: 2)
        try MessagePackEncoder().encode(Point(x: 1, y: 2), into: &writer)
        try MessagePackEncoder().encode("z", into: &writer)
        #expect(hexString(writer.finish()) == "92 82 a1 78 01 a1 79 02 a1 7a")
    }
}

@Suite struct EncoderEnumTests {
    @Test func writesRawValueEnumsAsTheirRawValues() throws {
        #expect(try encoded(Color.red) == "a3 72 65 64")
        #expect(try encoded(Level.high) == "cc c8")
        #expect(try encoded([Level.low, .high]) == "92 01 cc c8")
    }

    @Test func writesEnumsWithAssociatedValuesAsNestedMaps() throws {
        #expect(
            try encoded(Shape.circle(radius: 1.5))
                == "81 a6 63 69 72 63 6c 65 81 a6 72 61 64 69 75 73 cb 3f f8 00 00 00 00 00 00")
        #expect(try encoded(Shape.rect(w: 2, h: 3)) == "81 a4 72 65 63 74 82 a1 77 02 a1 68 03")
        #expect(try encoded(Shape.point) == "81 a5 70 6f 69 6e 74 80")
        #expect(try encoded(Shape.pair(1, "x")) == "81 a4 70 61 69 72 82 a2 5f 30 01 a2 5f 31 a1 78")
    }
}

@Suite struct EncoderContainerTests {
    @Test func fillsNestedContainersOneAfterAnother() throws {
        let value = Layered(id: 1, x: 2, y: 3, tags: ["a", "b"], trailer: true)
        #expect(
            try encoded(value)
                == "84 a2 69 64 01 a5 70 6f 69 6e 74 82 a1 78 02 a1 79 03 a4 74 61 67 73 92 a1 61 a1 62 "
                + "a7 74 72 61 69 6c 65 72 c3")
    }

    @Test func widensContainerHeadersInTheMiddleOfTheOutput() throws {
        let tags = (0..<20).map { "t\($0)" }
        let bytes = try MessagePackEncoder().encode(Layered(id: 1, x: 2, y: 3, tags: tags, trailer: false))
        let expected: MessagePackValue = [
            "id": 1, "point": ["x": 2, "y": 3], "tags": .array(tags.map { .string($0) }), "trailer": false,
        ]
        #expect(bytes == expected.encoded())
        #expect(hexString(bytes).contains("a4 74 61 67 73 dc 00 14 a2 74 30"))
    }

    @Test func widensMapHeadersPastFifteenEntries() throws {
        struct Wide: Encodable {
            var count: Int
            struct Key: CodingKey {
                var stringValue: String
                var intValue: Int? { nil }
                init(stringValue: String) { self.stringValue = stringValue }
                init?(intValue: Int) { nil }
            }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: Key.self)
                for i in 0..<count { try c.encode(i, forKey: Key(stringValue: "k\(i)")) }
            }
        }
        for count in [15, 16, 65535, 65536] {
            let expected = MessagePackValue.map((0..<count).map { (key: .string("k\($0)"), value: .int(Int64($0))) })
            #expect(try MessagePackEncoder().encode(Wide(count: count)) == expected.encoded(), "\(count) entries")
        }
    }

    @Test func writesUnkeyedContainersWithNestedContainers() throws {
        let row = Row(int: 1, text: "a", flag: true, single: 1.5, inner: 2, z: 3)
        #expect(try encoded(row) == "97 01 a1 61 c0 c3 ca 3f c0 00 00 91 02 81 a1 7a 03")
    }

    @Test func widensArrayHeadersPastFifteenElements() throws {
        for count in [15, 16, 65535, 65536] {
            let values = (0..<count).map { Int8(truncatingIfNeeded: $0) }  // generic path, not the [Int] fast path
            let expected = MessagePackValue.array(values.map { .int(Int64($0)) })
            #expect(try MessagePackEncoder().encode(values) == expected.encoded(), "\(count) elements")
        }
    }

    @Test func writesSuperclassFieldsUnderSuper() throws {
        #expect(
            try encoded(Dog(name: "Rex", breed: "lab"))
                == "82 a5 62 72 65 65 64 a3 6c 61 62 a5 73 75 70 65 72 81 a4 6e 61 6d 65 a3 52 65 78")
    }

    @Test func sharesOneMapWhenASubclassPassesTheSameEncoderUp() throws {
        #expect(try encoded(Cat(name: "Tom", lives: 9)) == "82 a5 6c 69 76 65 73 09 a4 6e 61 6d 65 a3 54 6f 6d")
        #expect(try encoded([Cat(name: "A", lives: 1)]) == "91 82 a5 6c 69 76 65 73 01 a4 6e 61 6d 65 a1 41")
    }

    @Test func handsUserInfoToEveryEncodeCall() throws {
        var encoder = MessagePackEncoder()
        encoder.userInfo[probeKey] = "hello"
        let holder = ProbeHolder(direct: Probe(seen: ""), list: [Probe(seen: "")], inNested: Probe(seen: ""), inSuper: Probe(seen: ""))
        let value = try MessagePackValue(decoding: try encoder.encode(holder))
        #expect(value == ["direct": "hello", "list": ["hello"], "nested": ["p": "hello"], "super": "hello"])
        let plain = try MessagePackValue(decoding: try MessagePackEncoder().encode(Probe(seen: "")))
        #expect(plain == "missing")
    }
}

@Suite struct EncoderPositionalTests {
    @Test func writesStructsAsArraysWhenPositional() throws {
        #expect(try encoded(Point(x: 1, y: 2), configure: positionally) == "92 01 02")
        #expect(try encoded(Sparse(a: 1, b: nil, c: 3), configure: positionally) == "93 01 c0 03")
        #expect(try encoded(Sparse(a: 1, b: "x", c: 3), configure: positionally) == "93 01 a1 78 03")
        #expect(
            try encoded(Team(name: "t", members: [Person(name: "A", age: 1, email: nil)]), configure: positionally)
                == "92 a1 74 91 93 a1 41 01 c0")
    }

    @Test func keepsDictionariesAsMapsWhenPositional() throws {
        #expect(try encoded(["b": 2, "a": 1], configure: positionally) == "82 a1 61 01 a1 62 02")
        struct WithDict: Codable { var d: [String: Int] }
        #expect(try encoded(WithDict(d: ["k": 1]), configure: positionally) == "91 81 a1 6b 01")
    }
}

@Suite struct EncoderDictionaryTests {
    @Test func sortsStringKeysByDefault() throws {
        #expect(try encoded(["b": 2, "a": 1, "c": 3]) == "83 a1 61 01 a1 62 02 a1 63 03")
        #expect(
            try encoded(["é": 1, "z": 2, "Z": 3, "aa": 4, "a": 5])
                == "85 a1 5a 03 a1 61 05 a2 61 61 04 a1 7a 02 a2 c3 a9 01")
    }

    @Test func writesStringKeysThatLookLikeNumbersAsStrings() throws {
        #expect(try encoded(["1": 5, "a": 1]) == "82 a1 31 05 a1 61 01")
        #expect(try encoded(["10": true]) == "81 a2 31 30 c3")
    }

    @Test func writesIntegerKeysAsIntegers() throws {
        #expect(try encoded([3: "c", 1: "a", 2: "b"]) == "83 01 a1 61 02 a1 62 03 a1 63")
        #expect(try encoded([-1: true]) == "81 ff c3")
    }

    @Test func sortsEveryNestedDictionary() throws {
        let value: [String: [String: Int]] = ["y": ["b": 1, "a": 2], "x": [:]]
        #expect(try encoded(value) == "82 a1 78 80 a1 79 82 a1 61 02 a1 62 01")
        struct Wrapper: Codable { var inner: [String: Int]; var list: [[String: Bool]] }
        #expect(
            try encoded(Wrapper(inner: ["q": 1, "p": 2], list: [["n": true, "m": false]]))
                == "82 a5 69 6e 6e 65 72 82 a1 70 02 a1 71 01 a4 6c 69 73 74 91 82 a1 6d c2 a1 6e c3")
    }

    @Test func sortsSixteenOrMoreKeysBehindAWideHeader() throws {
        var dictionary: [String: Int] = [:]
        for i in (0..<20).reversed() { dictionary["k\(i < 10 ? "0" : "")\(i)"] = i }
        let expected = MessagePackValue.map((0..<20).map { i in (key: .string("k\(i < 10 ? "0" : "")\(i)"), value: .int(Int64(i))) })
        #expect(try MessagePackEncoder().encode(dictionary) == expected.encoded())
    }

    @Test func unsortedDictionariesStillDecode() throws {
        var encoder = MessagePackEncoder()
        encoder.options.sortsDictionaryKeys = false
        let dictionary = ["b": 2, "a": 1, "c": 3]
        let bytes = try encoder.encode(dictionary)
        #expect(try MessagePackDecoder().decode([String: Int].self, from: bytes) == dictionary)
    }
}

@Suite struct EncoderFastPathTests {
    @Test func writesByteArraysAsBin() throws {
        #expect(try encoded([UInt8]([1, 2, 3])) == "c4 03 01 02 03")
        #expect(try encoded([UInt8]()) == "c4 00")
        struct Blob: Codable { var data: [UInt8] }
        #expect(try encoded(Blob(data: [0xff])) == "81 a4 64 61 74 61 c4 01 ff")
        // Only [UInt8] itself is bin; other collections of bytes stay arrays.
        #expect(try encoded(ContiguousArray<UInt8>([1, 2, 3])) == "93 01 02 03")
    }

    @Test func intArraysMatchTheGenericEncoding() throws {
        let values: [Int] = [0, 127, 128, -1, -33, 256, 65536, Int.max, Int.min] + Array(0..<11)
        #expect(try encoded(values) == encoded(ContiguousArray(values)))
        #expect(try encoded(values).hasPrefix("dc 00 14 00 7f cc 80 ff d0 df"))
        #expect(try encoded([Int]()) == "90")
        struct Wrapped: Codable { var v: [Int] }
        struct WrappedGeneric: Codable { var v: ContiguousArray<Int> }
        #expect(try encoded(Wrapped(v: values)) == encoded(WrappedGeneric(v: ContiguousArray(values))))
    }

    @Test func doubleArraysMatchTheGenericEncoding() throws {
        let values: [Double] = [0, -0.0, 1.5, .nan, .infinity] + (0..<12).map(Double.init)
        #expect(try encoded(values) == encoded(ContiguousArray(values)))
        #expect(try encoded([1.5]) == "91 cb 3f f8 00 00 00 00 00 00")
    }

    @Test func stringArraysMatchTheGenericEncoding() throws {
        let values: [String] = ["", "a", String(repeating: "x", count: 40), "é"] + (0..<13).map { "s\($0)" }
        #expect(try encoded(values) == encoded(ContiguousArray(values)))
        #expect(try encoded(["a", ""]) == "92 a1 61 a0")
    }

    @Test func writesMessagePackValuesAndTimestampsAsThemselves() throws {
        let envelope = Envelope(
            kind: "k", payload: ["a": .binary([1]), "t": .extension(5, [2])],
            at: MessagePackTimestamp(seconds: 1))
        #expect(
            try encoded(envelope)
                == "83 a4 6b 69 6e 64 a1 6b a7 70 61 79 6c 6f 61 64 82 a1 61 c4 01 01 a1 74 d4 05 02 a2 61 74 d6 ff 00 00 00 01")
        #expect(try encoded(MessagePackValue.uint(UInt64.max)) == "cf ff ff ff ff ff ff ff ff")
        #expect(try encoded(MessagePackTimestamp(seconds: -1)) == "c7 0c ff 00 00 00 00 ff ff ff ff ff ff ff ff")
    }
}

@Suite struct EncoderErrorTests {
    @Test func encodingErrorsCarryTheValuePath() throws {
        // One error type from every entry point (README, "Errors"): a MessagePackError, never an EncodingError.
        let error = #expect(throws: MessagePackError.self) {
            _ = try MessagePackEncoder().encode(Holder(items: [.ok, .bad]))
        }
        #expect(error?.code == .cannotSerialize)
        #expect(error?.path.description == "$.items[1]")
        #expect(error?.path.segments.last == .index(1))
    }

    @Test func aDeepRecursiveClassThrowsInsteadOfOverflowingTheStack() throws {
        let shallow = Node.chain(500)
        let bytes = try MessagePackEncoder().encode(shallow)
        #expect(try MessagePackDecoder().decode(Node.self, from: bytes).length == 500)

        let error = #expect(throws: MessagePackError.self) {
            _ = try MessagePackEncoder().encode(Node.chain(600))
        }
        #expect(error?.code == .limitExceeded)
        #expect(error?.path.segments.count == 512)
        #expect(error?.path.segments.allSatisfy { $0 == .key("next") } == true)
    }
}

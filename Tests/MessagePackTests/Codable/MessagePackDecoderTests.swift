// SPDX-License-Identifier: Apache-2.0
import MessagePack
import Testing

func decoded<T: Decodable>(
    _ type: T.Type, _ bytes: String, configure: (inout MessagePackDecoder) -> Void = { _ in }
) throws -> T {
    var decoder = MessagePackDecoder()
    configure(&decoder)
    return try decoder.decode(type, from: hex(bytes))
}

/// The `MessagePackError` decoding throws (the only error type it may throw, README "Errors"), the `DecodingError`
/// it carries when the fault was found by Codable code (a missing key), and its path as strings.
func decodingFailure<T: Decodable>(
    _ type: T.Type, _ bytes: [UInt8], configure: (inout MessagePackDecoder) -> Void = { _ in },
    sourceLocation: SourceLocation = #_sourceLocation
) -> (error: DecodingError?, underlying: MessagePackError?, path: [String]) {
    var decoder = MessagePackDecoder()
    configure(&decoder)
    do {
        _ = try decoder.decode(type, from: bytes)
        Issue.record("decoding \(T.self) succeeded", sourceLocation: sourceLocation)
        return (nil, nil, [])
    } catch let error as MessagePackError {
        let path = error.path.segments.map { segment -> String in
            switch segment {
            case .key(let k), .otherKey(let k): return k
            case .index(let i): return "\(i)"
            case .globalData: return "$globalData"
            }
        }
        return (error.underlyingError as? DecodingError, error, path)
    } catch {
        Issue.record("expected a MessagePackError, got \(error)", sourceLocation: sourceLocation)
        return (nil, nil, [])
    }
}

@Suite struct DecoderStructTests {
    @Test func readsStructsWrittenInCodingKeysOrder() throws {
        #expect(
            try decoded(Person.self, "82 a4 6e 61 6d 65 a3 41 64 61 a3 61 67 65 24")
                == Person(name: "Ada", age: 36, email: nil))
        #expect(try decoded(Reordered.self, "82 a1 62 02 a1 61 01") == Reordered(a: 1, b: 2))
        #expect(try decoded(Box.self, "82 a2 69 64 07 a5 6c 61 62 65 6c a1 78") == Box(id: 7, label: "x"))
        #expect(try decoded(AllScalars.self, AllScalars.sampleHex) == AllScalars.sample)
    }

    @Test func acceptsKeysInAnyOrderAndSkipsExtraKeys() throws {
        // {"extra": [1, {"z": nil}], "email": nil, "age": 36, "name": "Ada", "zzz": ext(5, 01)}
        let bytes =
            "85 a5 65 78 74 72 61 92 01 81 a1 7a c0 a5 65 6d 61 69 6c c0 a3 61 67 65 24 a4 6e 61 6d 65 a3 41 64 61 "
            + "a3 7a 7a 7a d4 05 01"
        #expect(try decoded(Person.self, bytes) == Person(name: "Ada", age: 36, email: nil))
        // {"age": 1, "email": "e", "name": "N"}: keys reversed
        #expect(
            try decoded(Person.self, "83 a3 61 67 65 01 a5 65 6d 61 69 6c a1 65 a4 6e 61 6d 65 a1 4e")
                == Person(name: "N", age: 1, email: "e"))
        // keys written as str8 and str16 still match
        #expect(try decoded(Point.self, "82 d9 01 79 02 da 00 01 78 01") == Point(x: 1, y: 2))
    }

    @Test func readsStructsInsideArraysWithExtraKeys() throws {
        let value: MessagePackValue = [
            ["y": 2, "extra": [1, 2, 3], "x": 1], ["x": 3, "y": 4], ["more": ["deep": [nil]], "y": 6, "x": 5],
        ]
        #expect(
            try MessagePackDecoder().decode([Point].self, from: value.encoded())
                == [Point(x: 1, y: 2), Point(x: 3, y: 4), Point(x: 5, y: 6)])
    }

    @Test func readsNilAndAbsentOptionalsAsNil() throws {
        #expect(try decoded(Sparse.self, "82 a1 61 01 a1 63 03") == Sparse(a: 1, b: nil, c: 3))
        #expect(try decoded(Sparse.self, "83 a1 61 01 a1 62 c0 a1 63 03") == Sparse(a: 1, b: nil, c: 3))
        #expect(try decoded(Sparse.self, "83 a1 63 03 a1 62 a1 78 a1 61 01") == Sparse(a: 1, b: "x", c: 3))
        #expect(try decoded(Int?.self, "c0") == nil)
        #expect(try decoded(Int?.self, "05") == 5)
        #expect(try decoded([Int?].self, "92 c0 01") == [nil, 1])
    }

    @Test func reportsAMissingKey() {
        let (error, _, _) = decodingFailure(Person.self, hex("81 a4 6e 61 6d 65 a3 41 64 61"))
        guard case .keyNotFound(let key, _) = error else {
            Issue.record("expected keyNotFound, got \(String(describing: error))")
            return
        }
        #expect(key.stringValue == "age")
    }

    @Test func readsEmptyAndSilentValues() throws {
        #expect(try decoded([Point].self, "90") == [])
        #expect(try decoded([String: Int].self, "80") == [:])
        _ = try decoded(Silent.self, "c0")
        _ = try decoded(Silent.self, "82 01 02 03 04")  // the initializer read nothing: the value is skipped
    }
}

@Suite struct DecoderIntegerTests {
    @Test func readsAnIntegerIntoEveryTypeThatHoldsIt() throws {
        #expect(try decoded(Int.self, "cc c8") == 200)
        #expect(try decoded(UInt8.self, "cc c8") == 200)
        #expect(try decoded(Int16.self, "cc c8") == 200)
        #expect(try decoded(UInt64.self, "cc c8") == 200)
        #expect(try decoded(Int64.self, "d0 01") == 1)
        #expect(try decoded(UInt.self, "d3 00 00 00 00 00 00 00 07") == 7)
        #expect(try decoded(Int8.self, "ff") == -1)
        #expect(try decoded(Int8.self, "cd 00 7f") == 127)
        #expect(try decoded(UInt64.self, "cf ff ff ff ff ff ff ff ff") == .max)
        #expect(try decoded(Int64.self, "d3 80 00 00 00 00 00 00 00") == .min)
        #expect(try decoded(Int32.self, "d2 80 00 00 00") == .min)
        #expect(try decoded(UInt32.self, "ce ff ff ff ff") == .max)
        #expect(try decoded(UInt16.self, "cd ff ff") == .max)
    }

    @Test(arguments: [
        ("cc c8", "Int8"), ("ff", "UInt8"), ("ff", "UInt"), ("cf ff ff ff ff ff ff ff ff", "Int64"),
        ("cd 01 00", "UInt8"), ("d1 ff 7f", "Int8"), ("ce 00 01 00 00", "UInt16"), ("a1 31", "Int"),
        ("c0", "Int"), ("ca 3f 80 00 00", "Int"),
    ])
    func throwsATypeMismatchWhenTheIntegerDoesNotFit(_ bytes: String, _ typeName: String) {
        let types: [String: any Decodable.Type] = [
            "Int8": Int8.self, "UInt8": UInt8.self, "UInt": UInt.self, "Int64": Int64.self, "UInt16": UInt16.self,
            "Int": Int.self,
        ]
        let (error, underlying, _) = decodingFailure(types[typeName]!, hex(bytes))
        #expect(error == nil, "the fault is the decoder's, not Codable's")
        #expect(underlying?.code == .typeMismatch)
        #expect(underlying?.byteOffset == 0)
    }

    @Test func uint8Of200IntoInt8IsATypeMismatchWithTheCoreError() {
        let (_, underlying, path) = decodingFailure(Int8.self, hex("cc c8"))
        #expect(underlying?.code == .typeMismatch)
        #expect(underlying?.detail.contains("Int8") == true, "\(String(describing: underlying))")
        #expect(path == [])
    }

    @Test func readsNonShortestIntegersIntoStructFields() throws {
        // Every field written in a wider form than needed.
        let value: MessagePackValue = .map([
            (key: "b", value: true), (key: "i", value: .int(-1)), (key: "i8", value: .int(-128)),
            (key: "i16", value: 300), (key: "i32", value: -70000), (key: "i64", value: .int(.min)),
            (key: "u", value: 5), (key: "u8", value: 255), (key: "u16", value: 65535), (key: "u32", value: .uint(UInt64(UInt32.max))),
            (key: "u64", value: .uint(.max)), (key: "f", value: .float(1.5)), (key: "d", value: .double(-0.0)),
            (key: "s", value: "s"),
        ])
        var bytes = value.encoded()
        // Rewrite "u": 05 as "u": cf 00 .. 05 and "i": ff as "i": d3 ff .. ff.
        let canonical = hexString(bytes)
        let widened = canonical.replacing("a1 75 05", with: "a1 75 cf 00 00 00 00 00 00 00 05", maxReplacements: 1)
            .replacing("a1 69 ff", with: "a1 69 d3 ff ff ff ff ff ff ff ff", maxReplacements: 1)
        #expect(widened != canonical)
        bytes = hex(widened)
        #expect(try MessagePackDecoder().decode(AllScalars.self, from: bytes) == AllScalars.sample)
    }
}

@Suite struct DecoderFloatTests {
    @Test func doubleAndFloatFieldsAcceptIntegers() throws {
        #expect(try decoded(Measure.self, "82 a1 64 03 a1 66 ff") == Measure(d: 3, f: -1))
        #expect(try decoded(Double.self, "cd 01 00") == 256)
        #expect(try decoded(Float.self, "d0 80") == -128)
        #expect(try decoded([Double].self, "92 01 cb 3f f8 00 00 00 00 00 00") == [1, 1.5])
    }

    @Test func integersAsFloatsCanBeTurnedOff() {
        let (error, underlying, path) = decodingFailure(Measure.self, hex("82 a1 64 03 a1 66 ff")) {
            $0.options.acceptsIntegersAsFloats = false
        }
        #expect(error == nil)
        #expect(underlying?.code == .typeMismatch)
        #expect(path == ["d"])
    }

    @Test func readsFloat32AndFloat64WhereExact() throws {
        #expect(try decoded(Double.self, "ca 3f c0 00 00") == 1.5)
        #expect(try decoded(Float.self, "cb 3f f8 00 00 00 00 00 00") == 1.5)
        let nan = try decoded(Double.self, "cb 7f f8 00 00 00 00 00 01")
        #expect(nan.bitPattern == 0x7ff8_0000_0000_0001)
        let negativeZero = try decoded(Float.self, "ca 80 00 00 00")
        #expect(negativeZero.bitPattern == 0x8000_0000)
        let (_, underlying, _) = decodingFailure(Float.self, hex("cb 3f b9 99 99 99 99 99 9a"))  // 0.1
        #expect(underlying?.code == .typeMismatch)
        let (_, big, _) = decodingFailure(Double.self, hex("cf ff ff ff ff ff ff ff ff"))  // 2^64-1 is not a Double
        #expect(big?.code == .typeMismatch)
    }
}

@Suite struct DecoderEnumTests {
    @Test func readsRawValueEnums() throws {
        #expect(try decoded(Color.self, "a3 72 65 64") == .red)
        #expect(try decoded(Level.self, "cc c8") == .high)
        #expect(try decoded(Level.self, "cd 00 c8") == .high)
        #expect(throws: MessagePackError.self) { try decoded(Color.self, "a4 62 6c 75 65") }
    }

    @Test func readsEnumsWithAssociatedValues() throws {
        let cases: [Shape] = [.circle(radius: 1.5), .rect(w: 2, h: 3), .point, .pair(1, "x")]
        for shape in cases {
            let bytes = try MessagePackEncoder().encode(shape)
            #expect(try MessagePackDecoder().decode(Shape.self, from: bytes) == shape)
        }
        #expect(try decoded(Shape.self, "81 a4 72 65 63 74 82 a1 68 03 a1 77 02") == .rect(w: 2, h: 3))
    }
}

@Suite struct DecoderContainerTests {
    @Test func readsNestedKeyedAndUnkeyedContainers() throws {
        let bytes =
            "84 a2 69 64 01 a5 70 6f 69 6e 74 82 a1 78 02 a1 79 03 a4 74 61 67 73 92 a1 61 a1 62 "
            + "a7 74 72 61 69 6c 65 72 c3"
        #expect(try decoded(Layered.self, bytes) == Layered(id: 1, x: 2, y: 3, tags: ["a", "b"], trailer: true))
        // the same fields in another order, with a wide array
        let tags = (0..<20).map { "t\($0)" }
        let reordered: MessagePackValue = [
            "trailer": false, "tags": .array(tags.map { .string($0) }), "point": ["y": 3, "x": 2], "id": 1,
        ]
        #expect(
            try MessagePackDecoder().decode(Layered.self, from: reordered.encoded())
                == Layered(id: 1, x: 2, y: 3, tags: tags, trailer: false))
    }

    @Test func readsUnkeyedContainersWithNestedContainers() throws {
        #expect(
            try decoded(Row.self, "97 01 a1 61 c0 c3 ca 3f c0 00 00 91 02 81 a1 7a 03")
                == Row(int: 1, text: "a", flag: true, single: 1.5, inner: 2, z: 3))
    }

    @Test func readsSuperclassFieldsFromSuper() throws {
        let dog = try decoded(Dog.self, "82 a5 73 75 70 65 72 81 a4 6e 61 6d 65 a3 52 65 78 a5 62 72 65 65 64 a3 6c 61 62")
        #expect(dog == Dog(name: "Rex", breed: "lab"))
        let bytes = try MessagePackEncoder().encode(Dog(name: "A", breed: "b"))
        #expect(try MessagePackDecoder().decode(Dog.self, from: bytes) == Dog(name: "A", breed: "b"))
    }

    @Test func readsOneMapSharedWithTheSuperclass() throws {
        #expect(try decoded(Cat.self, "82 a4 6e 61 6d 65 a3 54 6f 6d a5 6c 69 76 65 73 09") == Cat(name: "Tom", lives: 9))
        let bytes = try MessagePackEncoder().encode([Cat(name: "A", lives: 1), Cat(name: "B", lives: 2)])
        #expect(try MessagePackDecoder().decode([Cat].self, from: bytes) == [Cat(name: "A", lives: 1), Cat(name: "B", lives: 2)])
    }

    @Test func handsUserInfoToEveryInitializer() throws {
        var encoder = MessagePackEncoder()
        encoder.userInfo[probeKey] = "wire"
        let bytes = try encoder.encode(
            ProbeHolder(direct: Probe(seen: ""), list: [Probe(seen: ""), Probe(seen: "")], inNested: Probe(seen: ""), inSuper: Probe(seen: "")))
        var decoder = MessagePackDecoder()
        decoder.userInfo[probeKey] = "hello"
        let holder = try decoder.decode(ProbeHolder.self, from: bytes)
        #expect(holder.direct.seen == "hello")
        #expect(holder.list.map(\.seen) == ["hello", "hello"])
        #expect(holder.inNested.seen == "hello")
        #expect(holder.inSuper.seen == "hello")
    }
}

@Suite struct DecoderPositionalTests {
    func positional(_ decoder: inout MessagePackDecoder) { decoder.options.positional = true }

    @Test func readsStructsFromArraysWhenPositional() throws {
        #expect(try decoded(Point.self, "92 01 02", configure: positional) == Point(x: 1, y: 2))
        #expect(try decoded(Sparse.self, "93 01 c0 03", configure: positional) == Sparse(a: 1, b: nil, c: 3))
        #expect(try decoded(Sparse.self, "93 01 a1 78 03", configure: positional) == Sparse(a: 1, b: "x", c: 3))
        #expect(
            try decoded(Team.self, "92 a1 74 91 93 a1 41 01 c0", configure: positional)
                == Team(name: "t", members: [Person(name: "A", age: 1, email: nil)]))
    }

    @Test func roundTripsPositionally() throws {
        var encoder = MessagePackEncoder()
        encoder.options.positional = true
        var decoder = MessagePackDecoder()
        decoder.options.positional = true
        let values = [Person(name: "A", age: 1, email: "e"), Person(name: "B", age: 2, email: nil)]
        #expect(try decoder.decode([Person].self, from: encoder.encode(values)) == values)
        let all = try decoder.decode(AllScalars.self, from: encoder.encode(AllScalars.sample))
        #expect(all == AllScalars.sample)
        let dict = ["b": 2, "a": 1]
        #expect(try decoder.decode([String: Int].self, from: encoder.encode(dict)) == dict)
    }

    @Test func aShortArrayIsAMissingKey() {
        let (error, _, _) = decodingFailure(Point.self, hex("91 01"), configure: positional)
        guard case .keyNotFound(let key, _) = error else {
            Issue.record("expected keyNotFound, got \(String(describing: error))")
            return
        }
        #expect(key.stringValue == "y")
    }
}

@Suite struct DecoderDictionaryAndFastPathTests {
    @Test func readsDictionariesWithStringAndIntegerKeys() throws {
        #expect(try decoded([String: Int].self, "83 a1 63 03 a1 61 01 a1 62 02") == ["a": 1, "b": 2, "c": 3])
        #expect(try decoded([Int: String].self, "83 03 a1 63 01 a1 61 02 a1 62") == [1: "a", 2: "b", 3: "c"])
        #expect(try decoded([Int: String].self, "81 d3 ff ff ff ff ff ff ff ff a1 6d") == [-1: "m"])
        #expect(try decoded([String: Int].self, "82 a1 31 05 a1 61 01") == ["1": 5, "a": 1])
        let nested: [String: [String: Int]] = ["y": ["b": 1, "a": 2], "x": [:]]
        #expect(try MessagePackDecoder().decode([String: [String: Int]].self, from: MessagePackEncoder().encode(nested)) == nested)
        let ints: [Int: String] = [3: "c", -40: "x", 1000: "k"]
        #expect(try MessagePackDecoder().decode([Int: String].self, from: MessagePackEncoder().encode(ints)) == ints)
    }

    /// A `Dictionary` looks up each of its keys, in wire order, in a map whose keys were indexed; past eight
    /// entries the lookup goes through a hash table (a linear search per key made decoding O(n²): 16k entries
    /// took 10 s). The benchmark `Codable/dictionary: 65,536 str keys` times it.
    @Test func largeDictionariesDecodeEveryEntry() throws {
        let strings = Dictionary(uniqueKeysWithValues: (0..<100_000).map { ("key\($0 &* 7919)", $0) })
        #expect(try MessagePackDecoder().decode([String: Int].self, from: MessagePackEncoder().encode(strings)) == strings)
        let ints = Dictionary(uniqueKeysWithValues: (0..<100_000).map { ($0 &* 7919 - 50_000, "v\($0)") })
        #expect(try MessagePackDecoder().decode([Int: String].self, from: MessagePackEncoder().encode(ints)) == ints)
    }

    /// Whatever the map's size, a key that occurs twice finds its first occurrence, and a coding key with an
    /// integer value finds an integer key or a str key, whichever comes first.
    @Test func keyLookupAgreesBetweenSmallAndLargeMaps() throws {
        struct Pick: Decodable, Equatable {
            var a: Int
            var n: Int
            enum CodingKeys: String, CodingKey {
                case a
                case n
                var intValue: Int? { self == .n ? 7 : nil }
                init?(intValue: Int) { if intValue == 7 { self = .n } else { return nil } }
            }
        }
        for filler in [0, 3, 20, 1_000] {
            var w = MessagePackWriter()
            w.writeMapHeader(count: filler + 5)
            for i in 0..<filler {  // keys the model does not ask for, first, so "a" is not at the cursor
                w.write("f\(i)")
                w.write(Int64(i))
            }
            w.write(Int64(7)); w.write(Int64(70))  // the integer key 7 before the str key "n"
            w.write("n"); w.write(Int64(71))
            w.write("a"); w.write(Int64(1))
            w.write("a"); w.write(Int64(2))  // a duplicate: the first one counts
            w.write(Int64(7)); w.write(Int64(72))
            #expect(try MessagePackDecoder().decode(Pick.self, from: w.bytes) == Pick(a: 1, n: 70), "filler \(filler)")
        }
    }

    @Test func readsBinIntoByteArrays() throws {
        #expect(try decoded([UInt8].self, "c4 03 01 02 03") == [1, 2, 3])
        #expect(try decoded([UInt8].self, "c5 00 01 ff") == [0xff])
        let (_, underlying, _) = decodingFailure([UInt8].self, hex("a1 61"))
        #expect(underlying?.code == .typeMismatch)
    }

    @Test func fastPathsMatchTheGenericDecoding() throws {
        let ints: [Int] = [0, 127, 128, -1, -33, 256, 65536, .max, .min] + Array(0..<11)
        let intBytes = try MessagePackEncoder().encode(ints)
        #expect(try MessagePackDecoder().decode([Int].self, from: intBytes) == ints)
        #expect(try MessagePackDecoder().decode(ContiguousArray<Int>.self, from: intBytes) == ContiguousArray(ints))
        let doubles: [Double] = [0, 1.5, -2, .infinity]
        let doubleBytes = try MessagePackEncoder().encode(doubles)
        #expect(try MessagePackDecoder().decode([Double].self, from: doubleBytes) == doubles)
        #expect(try MessagePackDecoder().decode(ContiguousArray<Double>.self, from: doubleBytes) == ContiguousArray(doubles))
        let strings = ["", "a", "é", String(repeating: "z", count: 300)]
        let stringBytes = try MessagePackEncoder().encode(strings)
        #expect(try MessagePackDecoder().decode([String].self, from: stringBytes) == strings)
        #expect(try MessagePackDecoder().decode(ContiguousArray<String>.self, from: stringBytes) == ContiguousArray(strings))
    }

    @Test func fastPathErrorsCarryTheIndex() {
        let (_, underlying, path) = decodingFailure([Int].self, hex("93 01 a1 78 03"))
        #expect(underlying?.code == .typeMismatch)
        #expect(underlying?.byteOffset == 2)
        #expect(path == ["1"])
        let (_, utf8, utf8Path) = decodingFailure([String].self, hex("92 a1 61 a2 61 ff"))
        #expect(utf8?.code == .invalidUTF8)
        #expect(utf8?.byteOffset == 5)
        #expect(utf8Path == ["1"])
    }

    @Test func readsMessagePackValuesAndTimestampsAsThemselves() throws {
        let envelope = Envelope(
            kind: "k", payload: ["a": .binary([1]), "t": .extension(5, [2]), "n": [nil, .uint(.max)]],
            at: MessagePackTimestamp(seconds: 1, nanoseconds: 2))
        let bytes = try MessagePackEncoder().encode(envelope)
        #expect(try MessagePackDecoder().decode(Envelope.self, from: bytes) == envelope)
        #expect(try decoded(MessagePackValue.self, "92 01 c0") == [1, nil])
        #expect(try decoded(MessagePackTimestamp.self, "d6 ff 00 00 00 01") == MessagePackTimestamp(seconds: 1))
    }
}

@Suite struct DecoderErrorTests {
    @Test func decodingErrorsCarryTheCodingPath() {
        // {"name": "T", "members": [{"name": "A", "age": 1}, {"name": "B", "age": "x"}]}
        let value: MessagePackValue = [
            "name": "T", "members": [["name": "A", "age": 1], ["name": "B", "age": "x"]],
        ]
        let bytes = value.encoded()
        let (_, underlying, path) = decodingFailure(Team.self, bytes)
        #expect(path == ["members", "1", "age"])
        #expect(underlying?.code == .typeMismatch)
        #expect(underlying?.path.description == "$.members[1].age")
        #expect(underlying?.byteOffset == bytes.count - 2)  // the "x" at the end
    }

    @Test func aMissingKeyDeepInsideNamesItsContainer() {
        let value: MessagePackValue = ["name": "T", "members": [["name": "A", "age": 1], ["name": "B"]]]
        let (error, _, path) = decodingFailure(Team.self, value.encoded())
        guard case .keyNotFound(let key, _) = error else {
            Issue.record("expected keyNotFound, got \(String(describing: error))")
            return
        }
        #expect(key.stringValue == "age")
        #expect(path == ["members", "1"])
    }

    @Test func malformedInputIsDataCorruptedWithTheCoreError() {
        let (error, underlying, _) = decodingFailure(Point.self, hex("82 a1 78 01 a1 79 cd 01"))
        #expect(error == nil)
        #expect(underlying?.code == .truncated)
        #expect(underlying?.byteOffset == 7)
        let (_, trailing, _) = decodingFailure(Point.self, hex("82 a1 78 01 a1 79 02 c0"))
        #expect(trailing?.code == .trailingBytes)
        #expect(trailing?.byteOffset == 7)
        let (_, formatByte, formatPath) = decodingFailure(Person.self, hex("83 a4 6e 61 6d 65 c1 a3 61 67 65 01 a3 78 78 78 c0"))
        #expect(formatByte?.code == .invalidFormatByte)
        #expect(formatPath == ["name"])
        let (_, empty, _) = decodingFailure(Int.self, [])
        #expect(empty?.code == .truncated)
    }

    @Test func aDeepRecursiveClassThrowsLimitExceeded() throws {
        #expect(try MessagePackDecoder().decode(Node.self, from: Node.bytes(512)).length == 512)
        let (_, underlying, path) = decodingFailure(Node.self, Node.bytes(600))
        #expect(underlying?.code == .limitExceeded)
        #expect(path.count == 512)
        let (_, tenThousand, _) = decodingFailure(Node.self, Node.bytes(10_000))
        #expect(tenThousand?.code == .limitExceeded)
    }

    @Test func honoursConfiguredLimits() {
        let (_, underlying, _) = decodingFailure([Int].self, hex("93 01 02 03")) { $0.limits.maxElementCount = 2 }
        #expect(underlying?.code == .limitExceeded)
        var shallow = MessagePackDecoder()
        shallow.limits.maxDepth = 5
        #expect(throws: Never.self) { try shallow.decode(Node.self, from: Node.bytes(5)) }
        let (_, depth, _) = decodingFailure(Node.self, Node.bytes(6)) { $0.limits.maxDepth = 5 }
        #expect(depth?.code == .limitExceeded)
    }
}

// SPDX-License-Identifier: Apache-2.0
import MessagePack
import Testing

@Suite struct ValueLiteralTests {
    @Test func dictionaryLiteralsKeepTheirOrder() {
        let value: MessagePackValue = ["b": 1, "a": 2, "c": 3]
        #expect(hexString(value.encoded()) == "83 a1 62 01 a1 61 02 a1 63 03")
        #expect(value.mapValue?.map(\.key) == ["b", "a", "c"])
    }

    @Test func literalsBuildTheExpectedCases() {
        let n: MessagePackValue = nil
        let b: MessagePackValue = true
        let i: MessagePackValue = -5
        let d: MessagePackValue = 1.5
        let s: MessagePackValue = "x"
        let a: MessagePackValue = [1, "two", nil]
        guard case .nil = n, case .bool(true) = b, case .int(-5) = i, case .double(1.5) = d, case .string("x") = s,
            case .array(let elements) = a, elements.count == 3
        else {
            Issue.record("a literal built the wrong case")
            return
        }
    }

    @Test func mapsMayHaveAnyKeysAndDuplicates() {
        let value: MessagePackValue = [1: "one", nil: "nil", "k": 1, "k": 2]
        #expect(value.mapValue?.count == 4)
        #expect(value["k"] == 1)  // the first one wins
        #expect(value[key: 1] == "one")
        #expect(value[key: nil] == "nil")
    }
}

@Suite struct ValueAccessorTests {
    @Test func subscriptsReachIntoMapsAndArrays() {
        let value: MessagePackValue = ["a": 1, "b": [true, nil, ["c": "deep"]]]
        #expect(value["a"] == 1)
        #expect(value["b"]?[0] == true)
        #expect(value["b"]?[1] == .nil)
        #expect(value["b"]?[2]?["c"] == "deep")
        #expect(value["missing"] == nil)
        #expect(value["b"]?[3] == nil)
        #expect(value["b"]?[-1] == nil)
        #expect(value[0] == nil)  // not an array
        #expect(MessagePackValue.int(1)["a"] == nil)  // not a map
        #expect(value[key: "a"] == 1)
        #expect(value[key: 1] == nil)
    }

    @Test func typedAccessorsReturnNilForOtherKinds() {
        #expect(MessagePackValue.nil.isNil)
        #expect(!MessagePackValue.int(0).isNil)
        #expect(MessagePackValue.bool(true).boolValue == true)
        #expect(MessagePackValue.int(1).boolValue == nil)
        #expect(MessagePackValue.int(-1).int64Value == -1)
        #expect(MessagePackValue.int(-1).uint64Value == nil)
        #expect(MessagePackValue.uint(UInt64.max).int64Value == nil)
        #expect(MessagePackValue.uint(UInt64.max).uint64Value == UInt64.max)
        #expect(MessagePackValue.uint(7).int64Value == 7)
        #expect(MessagePackValue.string("7").int64Value == nil)
        #expect(MessagePackValue.float(1.5).doubleValue == 1.5)
        #expect(MessagePackValue.double(2.5).doubleValue == 2.5)
        #expect(MessagePackValue.int(2).doubleValue == nil)
        #expect(MessagePackValue.string("s").stringValue == "s")
        #expect(MessagePackValue.binary([1]).binaryValue == [1])
        #expect(MessagePackValue.binary([1]).stringValue == nil)
        #expect(MessagePackValue.array([1]).arrayValue == [1])
        #expect(MessagePackValue.map([]).mapValue?.isEmpty == true)
        #expect(MessagePackValue.array([]).mapValue == nil)
    }
}

@Suite struct ValueEqualityTests {
    @Test func integersAreOneKindWhateverTheirCase() {
        #expect(MessagePackValue.uint(5) == .int(5))
        #expect(MessagePackValue.int(5) == .uint(5))
        #expect(MessagePackValue.uint(0) == .int(0))
        #expect(MessagePackValue.uint(UInt64.max) != .int(-1))
        #expect(MessagePackValue.uint(UInt64(Int64.max)) == .int(Int64.max))
        #expect(MessagePackValue.int(5) != .int(6))
        #expect(MessagePackValue.int(1) != .double(1))
        #expect(MessagePackValue.int(1) != .bool(true))
    }

    @Test func floatsCompareByBitPattern() {
        #expect(MessagePackValue.double(.nan) == .double(.nan))
        #expect(MessagePackValue.double(Double(bitPattern: 0x7ff8_0000_0000_0001)) != .double(.nan))
        #expect(MessagePackValue.double(0.0) != .double(-0.0))
        #expect(MessagePackValue.float(0.0) != .float(-0.0))
        #expect(MessagePackValue.float(.nan) == .float(.nan))
        #expect(MessagePackValue.float(1) != .double(1))
        #expect(MessagePackValue.double(1.5) == .double(1.5))
    }

    @Test func containersCompareElementwiseAndInOrder() {
        let ab: MessagePackValue = ["a": 1, "b": 2]
        let ba: MessagePackValue = ["b": 2, "a": 1]
        #expect(ab != ba)  // maps are ordered
        #expect(ab == ["a": .uint(1), "b": 2])
        #expect(MessagePackValue.array([1, 2]) != [2, 1])
        #expect(MessagePackValue.array([1]) != [1, 1])
        #expect(MessagePackValue.map([(key: "a", value: 1)]) != .map([(key: "a", value: 1), (key: "a", value: 1)]))
        #expect(MessagePackValue.binary([1]) != .string("\u{01}"))
        #expect(MessagePackValue.extension(1, [1]) != .extension(2, [1]))
        #expect(MessagePackValue.extension(1, [1]) == .extension(1, [1]))
        #expect(MessagePackValue.timestamp(MessagePackTimestamp(seconds: 1)) != .timestamp(MessagePackTimestamp(seconds: 1, nanoseconds: 1)))
    }

    @Test func stringsCompareByScalarsNotCanonicalEquivalence() {
        // "é" precomposed and decomposed are different str values on the wire.
        #expect(MessagePackValue.string("\u{e9}") != .string("e\u{301}"))
        #expect(MessagePackValue.string("\u{e9}").encoded() != MessagePackValue.string("e\u{301}").encoded())
    }

    @Test func hashingAgreesWithEquality() {
        let equalPairs: [(MessagePackValue, MessagePackValue)] = [
            (.uint(5), .int(5)), (.double(.nan), .double(.nan)), (["a": .uint(1)], ["a": 1]),
            ([.uint(3)], [3]), (.timestamp(MessagePackTimestamp(seconds: 3)), .timestamp(MessagePackTimestamp(seconds: 3))),
        ]
        for (a, b) in equalPairs {
            #expect(a == b)
            #expect(a.hashValue == b.hashValue, "\(a) vs \(b)")
        }
        let set: Set<MessagePackValue> = [.int(5), .uint(5), .double(0.0), .double(-0.0), .double(.nan), .double(.nan), .float(0)]
        #expect(set.count == 5)
        #expect(set.contains(.uint(5)))
        #expect(set.contains(.double(.nan)))
        var dictionary: [MessagePackValue: String] = [:]
        dictionary[.int(1)] = "a"
        dictionary[.uint(1)] = "b"
        #expect(dictionary.count == 1)
        #expect(dictionary[.int(1)] == "b")
    }
}

@Suite struct ValueDescriptionTests {
    @Test(arguments: [
        (MessagePackValue.nil, "nil"), (true, "true"), (false, "false"), (-5, "-5"),
        (.uint(UInt64.max), "18446744073709551615"), (.float(1.5), "1.5f"), (.double(1.5), "1.5"),
        ("a\"b", "\"a\\\"b\""), (.binary([0x00, 0xff]), "h'00ff'"), (.binary([]), "h''"),
        ([1, [true, nil]], "[1, [true, nil]]"), (["a": 1, "b": [true, nil]], "{\"a\": 1, \"b\": [true, nil]}"),
        (.map([(key: 1, value: "x")]), "{1: \"x\"}"), (.extension(5, [1]), "ext(5, h'01')"),
        (.timestamp(MessagePackTimestamp(seconds: 1)), "timestamp(1, 0)"), ([], "[]"), (.map([]), "{}"),
    ] as [(MessagePackValue, String)])
    func describesValuesInDiagnosticNotation(_ value: MessagePackValue, _ text: String) {
        #expect(value.description == text)
        #expect(value.debugDescription == "MessagePackValue(\(text))")
    }

    @Test(arguments: [
        (MessagePackValue.nil, "null"), (true, "true"), (7, "{\"int\":\"7\"}"), (-7, "{\"int\":\"-7\"}"),
        (.uint(UInt64.max), "{\"int\":\"18446744073709551615\"}"),
        (.float(1), "{\"float32\":\"0x3f800000\"}"), (.double(-0.0), "{\"float64\":\"0x8000000000000000\"}"),
        (.double(1), "{\"float64\":\"0x3ff0000000000000\"}"),
        ("a\n", "\"a\\n\""), (.binary([0, 0xff]), "{\"bin\":\"00ff\"}"), (.binary([]), "{\"bin\":\"\"}"),
        ([nil, 1], "[null,{\"int\":\"1\"}]"),
        (["a": 1], "{\"map\":[[\"a\",{\"int\":\"1\"}]]}"),
        (.extension(5, [1, 2]), "{\"ext\":{\"type\":5,\"data\":\"0102\"}}"),
        (.extension(-2, []), "{\"ext\":{\"type\":-2,\"data\":\"\"}}"),
        (.timestamp(MessagePackTimestamp(seconds: -1, nanoseconds: 5)),
         "{\"timestamp\":{\"seconds\":\"-1\",\"nanoseconds\":5}}"),
    ] as [(MessagePackValue, String)])
    func writesCompactJSONNotationForPaths(_ value: MessagePackValue, _ text: String) {
        #expect(value.compactNotation == text)
    }
}

@Suite struct ValueRoundTripTests {
    @Test func roundTripsEveryKind() throws {
        let value: MessagePackValue = [
            "nil": nil, "bool": [true, false], "ints": [0, -1, 127, 128, -33, .int(Int64.min), .uint(UInt64.max)],
            "float": .float(-0.0), "double": .double(Double(bitPattern: 0x7ff8_0000_0000_0001)),
            "str": "héllo", "bin": .binary(pattern(300)), "ext": .extension(-128, pattern(17)),
            "ts": .timestamp(MessagePackTimestamp(seconds: -5, nanoseconds: 999_999_999)),
            .int(42): [.map([(key: [1], value: nil)])],
        ]
        let bytes = value.encoded()
        let decoded = try MessagePackValue(decoding: bytes)
        #expect(decoded == value)
        #expect(decoded.encoded() == bytes)
    }
}

@Suite struct TimestampTests {
    @Test func ordersBySecondsThenNanoseconds() {
        let a = MessagePackTimestamp(seconds: -1, nanoseconds: 999_999_999)
        let b = MessagePackTimestamp(seconds: 0)
        let c = MessagePackTimestamp(seconds: 0, nanoseconds: 1)
        #expect(a < b && b < c)
        #expect([c, a, b].sorted() == [a, b, c])
        #expect(c.description == "timestamp(0, 1)")
    }

    @Test(arguments: [
        (0, 0, 4), (4_294_967_295, 0, 4), (4_294_967_296, 0, 8), (0, 1, 8), (17_179_869_183, 0, 8),
        (17_179_869_184, 0, 12), (-1, 0, 12), (Int64.min, 0, 12),
    ] as [(Int64, UInt32, Int)])
    func choosesTheCanonicalPayloadSize(_ seconds: Int64, _ nanoseconds: UInt32, _ size: Int) {
        #expect(MessagePackTimestamp(seconds: seconds, nanoseconds: nanoseconds).payloadByteCount == size)
    }

    @Test func decodesPayloadsOfEachWidth() throws {
        let ts = hex("ff ff ff ff").withUnsafeBytes { raw in try? MessagePackTimestamp(extensionPayload: raw, at: 0) }
        #expect(ts == MessagePackTimestamp(seconds: 4_294_967_295))
        let error = hex("00 00").withUnsafeBytes { raw -> MessagePackError? in
            do throws(MessagePackError) { _ = try MessagePackTimestamp(extensionPayload: raw, at: 9); return nil } catch { return error }
        }
        #expect(error?.code == .invalidTimestamp)
        #expect(error?.byteOffset == 9)
    }

    @Test func nanosecondsOfABillionAreAProgrammerError() async {
        await #expect(processExitsWith: .failure) {
            _ = MessagePackTimestamp(seconds: 0, nanoseconds: 1_000_000_000)
        }
    }
}

@Suite struct FormatByteTests {
    @Test func namesEveryFamily() {
        #expect(FormatByte.familyName(0x00) == "positive fixint")
        #expect(FormatByte.familyName(0x8f) == "fixmap")
        #expect(FormatByte.familyName(0x90) == "fixarray")
        #expect(FormatByte.familyName(0xbf) == "fixstr")
        #expect(FormatByte.familyName(0xc0) == "nil")
        #expect(FormatByte.familyName(0xc1) == "(never used)")
        #expect(FormatByte.familyName(0xcd) == "uint16")
        #expect(FormatByte.familyName(0xdf) == "map32")
        #expect(FormatByte.familyName(0xe0) == "negative fixint")
        for b in 0...255 { #expect(!FormatByte.familyName(UInt8(b)).isEmpty) }
    }
}

// SPDX-License-Identifier: Apache-2.0
import MessagePack
import Testing

/// A message, the error decoding it must give, and where (offsets per Spec/format.md, "Error reports").
struct ErrorCase: Sendable, CustomTestStringConvertible {
    var hex: String
    var code: MessagePackError.Code
    var offset: Int
    var testDescription: String { "\(hex.isEmpty ? "(empty)" : hex) -> \(code) at \(offset)" }
    init(_ hex: String, _ code: MessagePackError.Code, _ offset: Int) {
        self.hex = hex
        self.code = code
        self.offset = offset
    }
}

let truncatedCases: [ErrorCase] = [
    .init("", .truncated, 0),
    .init("cc", .truncated, 1),
    .init("cd", .truncated, 1),
    .init("cd 01", .truncated, 1),
    .init("ce", .truncated, 1),
    .init("ce 00", .truncated, 1),
    .init("ce 00 01 00", .truncated, 1),
    .init("cf", .truncated, 1),
    .init("cf 00 00 00 01", .truncated, 1),
    .init("cf 00 00 00 00 00 00 00", .truncated, 1),
    .init("d0", .truncated, 1),
    .init("d1 ff", .truncated, 1),
    .init("d2 ff ff ff", .truncated, 1),
    .init("d3", .truncated, 1),
    .init("d3 ff ff ff ff ff ff ff", .truncated, 1),
    .init("ca", .truncated, 1),
    .init("ca 3f 80 00", .truncated, 1),
    .init("cb", .truncated, 1),
    .init("cb 3f f0 00 00 00 00 00", .truncated, 1),
    .init("a1", .truncated, 1),
    .init("a5 61 62", .truncated, 1),
    .init("d9", .truncated, 1),
    .init("d9 05 61 62", .truncated, 2),
    .init("da 00", .truncated, 1),
    .init("da 00 10 61", .truncated, 3),
    .init("db 00 00 00", .truncated, 1),
    .init("db ff ff ff ff", .truncated, 5),
    .init("c4", .truncated, 1),
    .init("c4 02 00", .truncated, 2),
    .init("c5 00 02 00", .truncated, 3),
    .init("c6 00 00", .truncated, 1),
    .init("c6 ff ff ff ff 00", .truncated, 5),
    .init("d4", .truncated, 1),
    .init("d4 05", .truncated, 2),
    .init("d6 05 01 02", .truncated, 2),
    .init("d8 05 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f", .truncated, 2),
    .init("c7", .truncated, 1),
    .init("c7 03", .truncated, 2),
    .init("c7 03 05 01 02", .truncated, 3),
    .init("c8 00", .truncated, 1),
    .init("c8 00 01", .truncated, 3),
    .init("c9 00 00", .truncated, 1),
    .init("c9 00 00 00 01", .truncated, 5),
    .init("c9 00 00 00 01 05", .truncated, 6),
    .init("c9 ff ff ff ff 05", .truncated, 6),
    .init("d6 ff 00 00", .truncated, 2),
    .init("c7 0c ff 00 00 00 00 00 00 00 00", .truncated, 3),
    .init("91", .truncated, 1),
    .init("93 01 02", .truncated, 1),
    .init("dc 00", .truncated, 1),
    .init("dc 00 02 01", .truncated, 3),
    .init("dd 00 00 00", .truncated, 1),
    .init("dd ff ff ff ff", .truncated, 5),
    .init("92 01 cd 01", .truncated, 3),
    .init("92 01 91", .truncated, 3),
    .init("92 a2 61 62 a2 61", .truncated, 5),
    .init("81", .truncated, 1),
    .init("81 01", .truncated, 1),
    .init("82 01 02 03", .truncated, 1),
    .init("de 00", .truncated, 1),
    .init("de 00 01", .truncated, 3),
    .init("df ff ff ff ff", .truncated, 5),
    .init("81 a1 61 d9 04 61", .truncated, 5),
    .init("81 a1 61 92 01", .truncated, 4),
]

let malformedCases: [ErrorCase] = [
    // 0xc1 anywhere
    .init("c1", .invalidFormatByte, 0),
    .init("92 01 c1", .invalidFormatByte, 2),
    .init("81 c1 01", .invalidFormatByte, 1),
    .init("81 01 c1", .invalidFormatByte, 2),
    .init("91 91 91 c1", .invalidFormatByte, 3),
    // UTF-8: offset of the first byte of the ill-formed sequence
    .init("a1 80", .invalidUTF8, 1),
    .init("a2 c3 28", .invalidUTF8, 1),
    .init("a3 e2 82 28", .invalidUTF8, 1),
    .init("a2 c0 80", .invalidUTF8, 1),
    .init("a2 c1 bf", .invalidUTF8, 1),
    .init("a3 e0 80 af", .invalidUTF8, 1),
    .init("a4 f0 80 80 af", .invalidUTF8, 1),
    .init("a3 ed a0 80", .invalidUTF8, 1),
    .init("a3 ed bf bf", .invalidUTF8, 1),
    .init("a6 ed a0 bd ed b8 80", .invalidUTF8, 1),
    .init("a4 f4 90 80 80", .invalidUTF8, 1),
    .init("a4 f5 80 80 80", .invalidUTF8, 1),
    .init("a1 ff", .invalidUTF8, 1),
    .init("a1 fe", .invalidUTF8, 1),
    .init("a2 e2 82", .invalidUTF8, 1),
    .init("a3 e2 82 61", .invalidUTF8, 1),
    .init("a3 f0 9f 98", .invalidUTF8, 1),
    .init("a4 61 62 63 ff", .invalidUTF8, 4),
    .init("a5 61 c3 a9 61 80", .invalidUTF8, 5),
    .init("d9 01 80", .invalidUTF8, 2),
    .init("da 00 02 c0 80", .invalidUTF8, 3),
    .init("db 00 00 00 03 ed a0 80", .invalidUTF8, 5),
    .init("81 a1 ff 01", .invalidUTF8, 2),
    .init("81 a1 61 a1 80", .invalidUTF8, 4),
    .init("91 a2 c3 28", .invalidUTF8, 2),
    // timestamps: the offset is the ext's format byte
    .init("d7 ff ee 6b 28 00 00 00 00 00", .invalidTimestamp, 0),  // nanoseconds 10^9
    .init("d7 ff ff ff ff ff 00 00 00 00", .invalidTimestamp, 0),  // nanoseconds 2^30-1
    .init("c7 0c ff 3b 9a ca 00 00 00 00 00 00 00 00 00", .invalidTimestamp, 0),  // nanoseconds 10^9
    .init("c7 0c ff ff ff ff ff 00 00 00 00 00 00 00 00", .invalidTimestamp, 0),  // nanoseconds 2^32-1
    .init("d4 ff 00", .invalidTimestamp, 0),
    .init("d5 ff 00 00", .invalidTimestamp, 0),
    .init("d8 ff 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", .invalidTimestamp, 0),
    .init("c7 00 ff", .invalidTimestamp, 0),
    .init("c7 03 ff 00 00 00", .invalidTimestamp, 0),
    .init("92 c0 d4 ff 00", .invalidTimestamp, 2),
    // trailing bytes: the offset is the first one after the value
    .init("c0 c0", .trailingBytes, 1),
    .init("c0 c1", .trailingBytes, 1),
    .init("92 01 02 03", .trailingBytes, 3),
    .init("cd 01 00 00", .trailingBytes, 3),
    .init("a1 61 ff ff", .trailingBytes, 2),
]

/// Bytes that are not the shortest form, and the value they denote.
let nonShortestCases: [(String, MessagePackValue)] = [
    ("cc 01", 1),
    ("cd 00 01", 1),
    ("ce 00 00 00 01", 1),
    ("cf 00 00 00 00 00 00 00 01", 1),
    ("d0 01", 1),
    ("d1 00 01", 1),
    ("d2 00 00 00 01", 1),
    ("d3 00 00 00 00 00 00 00 01", 1),
    ("d0 ff", -1),
    ("d1 ff ff", -1),
    ("d2 ff ff ff ff", -1),
    ("d3 ff ff ff ff ff ff ff ff", -1),
    ("d3 7f ff ff ff ff ff ff ff", .int(Int64.max)),
    ("cd 00 80", 128),
    ("d9 01 61", "a"),
    ("da 00 01 61", "a"),
    ("db 00 00 00 01 61", "a"),
    ("d9 00", ""),
    ("c5 00 01 ff", .binary([0xff])),
    ("c6 00 00 00 00", .binary([])),
    ("dc 00 01 01", [1]),
    ("dd 00 00 00 00", []),
    ("de 00 01 a1 61 01", ["a": 1]),
    ("df 00 00 00 00", .map([])),
    ("c7 01 05 01", .extension(5, [1])),
    ("c7 04 05 01 02 03 04", .extension(5, [1, 2, 3, 4])),
    ("c8 00 02 05 01 02", .extension(5, [1, 2])),
    ("c9 00 00 00 00 05", .extension(5, [])),
    ("c7 04 ff 00 00 00 01", .timestamp(MessagePackTimestamp(seconds: 1))),
    ("d7 ff 00 00 00 00 00 00 00 01", .timestamp(MessagePackTimestamp(seconds: 1))),
    ("c7 0c ff 00 00 00 00 00 00 00 00 00 00 00 01", .timestamp(MessagePackTimestamp(seconds: 1))),
    ("c8 00 08 ff 00 00 00 04 00 00 00 02", .timestamp(MessagePackTimestamp(seconds: 2, nanoseconds: 1))),
]

@Suite struct ReaderDecodingTests {
    @Test(arguments: [
        ("c0", MessagePackValue.nil), ("c2", false), ("c3", true),
        ("00", 0), ("7f", 127), ("cc 80", 128), ("cd 01 00", 256), ("ce 00 01 00 00", 65536),
        ("cf 00 00 00 01 00 00 00 00", .int(4_294_967_296)),
        ("cf 7f ff ff ff ff ff ff ff", .int(Int64.max)),
        ("cf 80 00 00 00 00 00 00 00", .uint(UInt64(Int64.max) + 1)),
        ("cf ff ff ff ff ff ff ff ff", .uint(UInt64.max)),
        ("ff", -1), ("e0", -32), ("d0 df", -33), ("d0 80", -128), ("d1 ff 7f", -129),
        ("d2 80 00 00 00", .int(Int64(Int32.min))), ("d3 80 00 00 00 00 00 00 00", .int(Int64.min)),
        ("ca 3f 80 00 00", .float(1)), ("cb 3f f0 00 00 00 00 00 00", .double(1)),
        ("cb 80 00 00 00 00 00 00 00", .double(-0.0)),
        ("a0", ""), ("a3 61 62 63", "abc"), ("a2 c3 a9", "é"), ("a4 f0 9f 98 80", "😀"),
        ("c4 00", .binary([])), ("c4 02 00 ff", .binary([0, 0xff])),
        ("90", []), ("92 01 c0", [1, nil]), ("80", .map([])),
        ("82 a1 62 01 a1 61 02", ["b": 1, "a": 2]),
        ("82 a1 61 01 a1 61 02", .map([(key: "a", value: 1), (key: "a", value: 2)])),
        ("82 01 a1 78 c0 c3", .map([(key: 1, value: "x"), (key: nil, value: true)])),
        ("d4 05 01", .extension(5, [1])), ("c7 00 80", .extension(-128, [])),
        ("d4 fe 01", .extension(-2, [1])),
        ("d6 ff 65 53 f1 00", .timestamp(MessagePackTimestamp(seconds: 1_700_000_000))),
        ("c7 0c ff 00 00 00 00 ff ff ff ff ff ff ff ff", .timestamp(MessagePackTimestamp(seconds: -1))),
    ] as [(String, MessagePackValue)])
    func decodesEveryFamily(_ bytes: String, _ expected: MessagePackValue) throws {
        let value = try MessagePackValue(decoding: hex(bytes))
        #expect(value == expected)
        #expect(hexString(value.encoded()) == bytes)
    }

    @Test(arguments: nonShortestCases)
    func acceptsNonShortestForms(_ bytes: String, _ expected: MessagePackValue) throws {
        let value = try MessagePackValue(decoding: hex(bytes))
        #expect(value == expected)
        #expect(value.encoded() == expected.encoded())
        #expect(value.encoded() != hex(bytes))
    }

    @Test func decodesIntegersIntoIntUnlessTheyNeedUInt() throws {
        let small = try MessagePackValue(decoding: hex("cf 00 00 00 00 00 00 00 05"))
        guard case .int(5) = small else { Issue.record("expected .int(5), got \(small)"); return }
        let big = try MessagePackValue(decoding: hex("cf ff ff ff ff ff ff ff ff"))
        guard case .uint(UInt64.max) = big else { Issue.record("expected .uint, got \(big)"); return }
    }

    @Test func decodesFromNonContiguousCollections() throws {
        let bytes = hex("92 01 a1 61")
        #expect(try MessagePackValue(decoding: bytes[...]) == [1, "a"])
        #expect(try MessagePackValue(decoding: bytes.lazy.map { $0 }) == [1, "a"])
        #expect(try MessagePackValue(decoding: Set([UInt8(0xc0)])) == .nil)
    }

    @Test func decodesTheAnnotatedMessageOfAppendixA() throws {
        let bytes = hex(
            "84 a2 69 64 07 a4 6e 61 6d 65 a3 41 64 61 a4 74 61 67 73 92 a1 78 a1 79 a2 61 74 d6 ff 65 53 f1 00")
        #expect(bytes.count == 33)
        let expected: MessagePackValue = [
            "id": 7, "name": "Ada", "tags": ["x", "y"], "at": .timestamp(MessagePackTimestamp(seconds: 1_700_000_000)),
        ]
        #expect(try MessagePackValue(decoding: bytes) == expected)
        #expect(expected.encoded() == bytes)
        expectDecodingFails(Array(bytes.prefix(31)), .truncated, at: 29)
        expectDecodingFails(bytes + [0xc0], .trailingBytes, at: 33)
        var bad = bytes
        bad[4] = 0xc1
        expectDecodingFails(bad, .invalidFormatByte, at: 4)
    }
}

@Suite struct ReaderErrorTests {
    @Test(arguments: truncatedCases)
    func reportsTruncationAtTheIncompleteField(_ c: ErrorCase) {
        expectDecodingFails(hex(c.hex), c.code, at: c.offset)
    }

    @Test(arguments: malformedCases)
    func reportsMalformedInputWithCodeAndOffset(_ c: ErrorCase) {
        expectDecodingFails(hex(c.hex), c.code, at: c.offset)
    }

    @Test(arguments: truncatedCases + malformedCases.filter { $0.code != .trailingBytes })
    func skipValueReportsTheSameStructuralErrors(_ c: ErrorCase) {
        // skipValue validates structure but not UTF-8 or timestamp payloads.
        guard c.code != .invalidUTF8 && c.code != .invalidTimestamp else { return }
        let (error, after) = failingRead(hex(c.hex)) { r throws(MessagePackError) in try r.skipValue() }
        #expect(error?.code == c.code)
        #expect(error?.byteOffset == c.offset)
        #expect(after == 0)
    }

    @Test func hugeDeclaredCountsAreTruncatedBeforeAnyAllocation() {
        var generous = MessagePackLimits()
        generous.maxElementCount = .max
        generous.maxPayloadByteCount = .max
        for bytes in ["dd ff ff ff ff", "df ff ff ff ff", "db ff ff ff ff", "c6 ff ff ff ff", "c9 ff ff ff ff 05"] {
            let error = decodingError(hex(bytes), limits: generous)
            #expect(error?.code == .truncated, "\(bytes)")
        }
        // 2^32-1 elements declared, a few bytes present: still truncated, still no huge reservation.
        expectDecodingFails(hex("dd ff ff ff ff 01 02 03"), .truncated, at: 5, limits: generous)
        expectDecodingFails(hex("df 00 00 00 03 01 02 03 04 05"), .truncated, at: 5, limits: generous)
    }

    @Test func everyPrefixOfAValidMessageIsTruncated() throws {
        let value: MessagePackValue = [
            "nil": nil, "ints": [0, 127, 128, 65536, -33, .int(Int64.min), .uint(UInt64.max)],
            "floats": [.float(1.5), .double(-0.0)], "str": .string(String(repeating: "é", count: 40)),
            "bin": .binary(pattern(300)), "ext": .extension(7, [1, 2, 3]),
            "ts": [.timestamp(MessagePackTimestamp(seconds: 1)), .timestamp(MessagePackTimestamp(seconds: -1, nanoseconds: 5))],
            .int(1): .map([(key: [1, 2], value: .extension(-5, pattern(16)))]),
        ]
        let bytes = value.encoded()
        #expect(try MessagePackValue(decoding: bytes) == value)
        for n in 0..<bytes.count {
            let error = decodingError(Array(bytes.prefix(n)))
            #expect(error?.code == .truncated, "prefix of \(n) bytes: \(String(describing: error))")
            let (skipError, after) = failingRead(Array(bytes.prefix(n))) { r throws(MessagePackError) in try r.skipValue() }
            #expect(skipError?.code == .truncated)
            #expect(after == 0)
        }
    }

    @Test func describesErrorsLikeACompilerMessage() {
        let error = decodingError(hex("cd 01"))
        #expect(error?.description.hasPrefix("truncated at byte 1 ($): ") == true, "\(String(describing: error))")
        let nested = decodingError(hex("81 a1 61 92 01 c1"))
        #expect(nested?.description.hasPrefix("invalidFormatByte at byte 5 ($.a[1]): ") == true)
        #expect(nested?.hint != nil)
    }

    @Test func errorsCompareByCodeOnly() {
        let a = MessagePackError(.truncated, at: 1, "one")
        let b = MessagePackError(.truncated, at: 7, path: MessagePackPath([.index(3)]), "two")
        let c = MessagePackError(.invalidUTF8, at: 1, "one")
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a != c)
        #expect(MessagePackError.Code.truncated.name == "truncated")
        #expect(MessagePackError.Code("custom") == MessagePackError.Code("custom"))
    }
}

@Suite struct ReaderPathTests {
    @Test(arguments: [
        ("81 a1 61 92 01 c1", "$.a[1]", 5),  // {"a": [1, <bad>]}
        ("81 a1 61 92 01 a1 ff", "$.a[1]", 6),  // {"a": [1, <bad UTF-8>]}
        ("93 01 02 91 cd 01", "$[2][0]", 5),
        ("81 aa 66 69 72 73 74 20 6e 61 6d 65 c1", "$[\"first name\"]", 12),
        ("81 a2 61 22 c1", "$[\"a\\\"\"]", 4),
        ("81 a1 5f c1", "$._", 3),
        ("81 a2 31 61 c1", "$[\"1a\"]", 4),
        ("81 07 c1", "$[{\"int\":\"7\"}]", 2),
        ("81 c0 91 c1", "$[null][0]", 3),
        ("81 c3 c1", "$[true]", 2),
        ("81 91 01 c1", "$[[{\"int\":\"1\"}]]", 3),
        ("81 a1 61 81 c1 01", "$.a", 4),  // a defect inside a map key reports the map's path
        ("81 c1 01", "$", 1),
        ("92 81 a1 78 01 81 a1 79 d6 ff 00", "$[1].y", 10),
    ] as [(String, String, Int)])
    func reportsThePathOfTheFailingValue(_ bytes: String, _ path: String, _ offset: Int) {
        let error = decodingError(hex(bytes))
        #expect(error?.path.description == path)
        #expect(error?.byteOffset == offset)
    }

    @Test func buildsPathsFromSegments() {
        #expect(MessagePackPath.root.description == "$")
        #expect(MessagePackPath([.key("users"), .index(3), .key("name")]).description == "$.users[3].name")
        #expect(MessagePackPath([.key("first name")]).description == "$[\"first name\"]")
        #expect(MessagePackPath([.key("tab\there")]).description == "$[\"tab\\there\"]")
        #expect(MessagePackPath([.key("\u{01}")]).description == "$[\"\\u0001\"]")
        #expect(MessagePackPath([.key("back\\slash")]).description == "$[\"back\\\\slash\"]")
        #expect(MessagePackPath([.key("é")]).description == "$[\"é\"]")
        #expect(MessagePackPath([.key("")]).description == "$[\"\"]")
        #expect(MessagePackPath([.globalData, .key("config"), .key("retries")]).description == "$globalData.config.retries")
        let path = MessagePackPath([.key("a")]).appending(.index(2))
        #expect(path.segments == [.key("a"), .index(2)])
        #expect(path.description == "$.a[2]")
    }

    @Test func pathsOfNestedErrorsListSegmentsOutermostFirst() {
        let error = decodingError(hex("81 a1 61 92 01 c1"))
        #expect(error?.path.segments == [.key("a"), .index(1)])
    }
}

@Suite struct ReaderDepthTests {
    static func nested(_ header: [UInt8], _ count: Int, then tail: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(header.count * count + tail.count)
        for _ in 0..<count { bytes += header }
        return bytes + tail
    }

    @Test func decodes512NestedArrays() throws {
        #expect(decodingError(Self.nested([0x91], 511, then: [0x90])) == nil)
        #expect(decodingError(Self.nested([0x91], 512, then: [0xc0])) == nil)
        #expect(decodingError(Self.nested([0x81, 0xc0], 511, then: [0x80])) == nil)
    }

    @Test func rejectsThe513thContainerEvenWhenEmpty() {
        expectDecodingFails(Self.nested([0x91], 512, then: [0x90]), .limitExceeded, at: 512)
        expectDecodingFails(Self.nested([0x91], 513, then: [0xc0]), .limitExceeded, at: 512)
        expectDecodingFails(Self.nested([0xdc, 0x00, 0x01], 513, then: [0xc0]), .limitExceeded, at: 1536)
        expectDecodingFails(Self.nested([0x81, 0xc0], 512, then: [0x80]), .limitExceeded, at: 1024)
        expectDecodingFails(Self.nested([0x81], 512, then: [0x80] + repeated(0xc0, 512)), .limitExceeded, at: 512)
        expectDecodingFails(Self.nested([0x91, 0x81, 0xc0], 256, then: [0x90]), .limitExceeded, at: 768)
    }

    @Test func limitExceededNamesTheLimit() {
        let error = decodingError(Self.nested([0x91], 513, then: [0xc0]))
        #expect(error?.detail.contains("maxDepth") == true)
        #expect(error?.path.segments.count == 512)
    }

    @Test func truncationOfThe513thHeaderComesBeforeTheDepthLimit() {
        // Spec/format.md 6.4: the count must fit before the depth is checked.
        expectDecodingFails(Self.nested([0x91], 513, then: []), .truncated, at: 513)
    }

    @Test func tenThousandLevelsThrowInsteadOfOverflowingTheStack() {
        let deepArrays = Self.nested([0x91], 10_000, then: [0xc0])
        expectDecodingFails(deepArrays, .limitExceeded, at: 512)
        let deepMaps = Self.nested([0x81, 0xc0], 10_000, then: [0xc0])
        expectDecodingFails(deepMaps, .limitExceeded, at: 1024)
        let deepKeys = Self.nested([0x81], 10_000, then: repeated(0xc0, 10_001))
        expectDecodingFails(deepKeys, .limitExceeded, at: 512)

        for bytes in [deepArrays, deepMaps, deepKeys] {
            let (error, after) = failingRead(bytes) { r throws(MessagePackError) in try r.skipValue() }
            #expect(error?.code == .limitExceeded)
            #expect(after == 0)
            let (readError, readAfter) = failingRead(bytes) { r throws(MessagePackError) in _ = try r.readValue() }
            #expect(readError?.code == .limitExceeded)
            #expect(readAfter == 0)
        }
    }

    @Test func skipValueAllows512Levels() throws {
        let bytes = Self.nested([0x91], 511, then: [0x90, 0x05])
        let (_, offset) = try reading(bytes) { r throws(MessagePackError) in try r.skipValue() }
        #expect(offset == 512)
        let (error, _) = failingRead(Self.nested([0x91], 512, then: [0x90])) { r throws(MessagePackError) in try r.skipValue() }
        #expect(error?.code == .limitExceeded)
        #expect(error?.byteOffset == 512)
    }

    @Test func honoursAConfiguredDepth() {
        var limits = MessagePackLimits()
        limits.maxDepth = 2
        #expect(decodingError(hex("91 91 c0"), limits: limits) == nil)
        expectDecodingFails(hex("91 91 90"), .limitExceeded, at: 2, limits: limits)
        let (error, _) = failingRead(hex("91 91 90")) { r throws(MessagePackError) in try r.skipValue(limits: limits) }
        #expect(error?.code == .limitExceeded)
        #expect(error?.byteOffset == 2)
    }
}

@Suite struct ReaderLimitTests {
    @Test func elementCountLimitIsInclusive() {
        var limits = MessagePackLimits()
        limits.maxElementCount = 2
        #expect(decodingError(hex("92 01 02"), limits: limits) == nil)
        expectDecodingFails(hex("93 01 02 03"), .limitExceeded, at: 0, limits: limits)
        expectDecodingFails(hex("83 01 01 02 02 03 03"), .limitExceeded, at: 0, limits: limits)
        expectDecodingFails(hex("91 93 01 02 03"), .limitExceeded, at: 1, limits: limits)
    }

    @Test func payloadLimitAppliesToStrBinAndExt() {
        var limits = MessagePackLimits()
        limits.maxPayloadByteCount = 2
        #expect(decodingError(hex("a2 61 62"), limits: limits) == nil)
        expectDecodingFails(hex("a3 61 62 63"), .limitExceeded, at: 0, limits: limits)
        expectDecodingFails(hex("c4 03 01 02 03"), .limitExceeded, at: 0, limits: limits)
        expectDecodingFails(hex("c7 03 05 01 02 03"), .limitExceeded, at: 0, limits: limits)
        expectDecodingFails(hex("91 a3 61 62 63"), .limitExceeded, at: 1, limits: limits)
    }

    @Test func payloadLimitComesBeforeUTF8Validation() {
        var limits = MessagePackLimits()
        limits.maxPayloadByteCount = 2
        expectDecodingFails(hex("a3 ff ff ff"), .limitExceeded, at: 0, limits: limits)
    }

    @Test func truncationComesBeforeTheCountLimit() {
        var limits = MessagePackLimits()
        limits.maxElementCount = 2
        expectDecodingFails(hex("93 01 02"), .truncated, at: 1, limits: limits)
    }

    @Test func messageSizeIsCheckedFirst() {
        var limits = MessagePackLimits()
        limits.maxMessageByteCount = 2
        expectDecodingFails(hex("93 01 02 03"), .limitExceeded, at: 0, limits: limits)
        expectDecodingFails(hex("c1 c1 c1"), .limitExceeded, at: 0, limits: limits)
        #expect(decodingError(hex("91 01"), limits: limits) == nil)
    }
}

@Suite struct ReaderTypedReadTests {
    @Test func readsIntegersOfEveryWidth() throws {
        for c in integerBoundaries {
            let bytes = hex(c.hex)
            let (wire, end) = try reading(bytes) { r throws(MessagePackError) in try r.readIntegerValue() }
            #expect(end == bytes.count)
            if let v = c.value {
                #expect(try reading(bytes) { r throws(MessagePackError) in try r.readSignedInteger() }.value == v)
                if v >= 0 {
                    #expect(wire == .unsigned(UInt64(v)))
                    #expect(try reading(bytes) { r throws(MessagePackError) in try r.readUnsignedInteger() }.value == UInt64(v))
                } else {
                    #expect(wire == .signed(v))
                }
            }
            if let u = c.unsigned {
                #expect(wire == .unsigned(u))
                #expect(try reading(bytes) { r throws(MessagePackError) in try r.readUnsignedInteger() }.value == u)
            }
        }
    }

    @Test func keepsTheSignednessOfTheWireForm() throws {
        #expect(try reading(hex("d0 01")) { r throws(MessagePackError) in try r.readIntegerValue() }.value == .signed(1))
        #expect(try reading(hex("cc 01")) { r throws(MessagePackError) in try r.readIntegerValue() }.value == .unsigned(1))
        #expect(try reading(hex("d1 00 05")) { r throws(MessagePackError) in try r.readUnsignedInteger() }.value == 5)
        #expect(try reading(hex("cd 00 05")) { r throws(MessagePackError) in try r.readSignedInteger() }.value == 5)
    }

    @Test func readsScalars() throws {
        #expect(try reading(hex("c3")) { r throws(MessagePackError) in try r.readBool() } == (true, 1))
        #expect(try reading(hex("c2")) { r throws(MessagePackError) in try r.readBool() } == (false, 1))
        #expect(try reading(hex("c0")) { r throws(MessagePackError) in try r.readNil() }.offset == 1)
        #expect(try reading(hex("c0")) { r throws(MessagePackError) in r.readNilIfPresent() } == (true, 1))
        #expect(try reading(hex("c3")) { r throws(MessagePackError) in r.readNilIfPresent() } == (false, 0))
        #expect(try reading([]) { r throws(MessagePackError) in r.readNilIfPresent() } == (false, 0))
        #expect(try reading(hex("a1 61")) { r throws(MessagePackError) in try r.peekFormatByte() } == (0xa1, 0))
    }

    @Test func readsFloats() throws {
        let d = try reading(hex("cb 3f f8 00 00 00 00 00 00")) { r throws(MessagePackError) in try r.readDouble() }
        #expect(d == (1.5, 9))
        // float32 widens exactly
        #expect(try reading(hex("ca 3f c0 00 00")) { r throws(MessagePackError) in try r.readDouble() } == (1.5, 5))
        #expect(try reading(hex("ca 3f c0 00 00")) { r throws(MessagePackError) in try r.readFloat() } == (1.5, 5))
        // float64 narrows only when exact
        #expect(try reading(hex("cb 3f f8 00 00 00 00 00 00")) { r throws(MessagePackError) in try r.readFloat() } == (1.5, 9))
        let nan = try reading(hex("ca 7f c0 00 01")) { r throws(MessagePackError) in try r.readFloat() }.value
        #expect(nan.bitPattern == 0x7fc0_0001)
        let negZero = try reading(hex("cb 80 00 00 00 00 00 00 00")) { r throws(MessagePackError) in try r.readDouble() }.value
        #expect(negZero.bitPattern == 0x8000_0000_0000_0000)
    }

    @Test func readsStringsBinariesAndHeaders() throws {
        #expect(try reading(hex("c0 a2 c3 a9"), from: 1) { r throws(MessagePackError) in try r.readString() } == ("é", 4))
        let header = try reading(hex("d9 03 61 62 63")) { r throws(MessagePackError) in try r.readStringHeader() }
        #expect(header.value.start == 2 && header.value.byteCount == 3 && header.offset == 5)
        #expect(try reading(hex("c4 02 01 02")) { r throws(MessagePackError) in try r.readBinary() } == ([1, 2], 4))
        let bin = try reading(hex("c5 00 01 07")) { r throws(MessagePackError) in try r.readBinaryHeader() }
        #expect(bin.value.start == 3 && bin.value.byteCount == 1 && bin.offset == 4)
        #expect(try reading(hex("dc 00 02 01 02")) { r throws(MessagePackError) in try r.readArrayHeader() } == (2, 3))
        #expect(try reading(hex("de 00 01 01 02")) { r throws(MessagePackError) in try r.readMapHeader() } == (1, 3))
        let ext = try reading(hex("c7 03 05 01 02 03")) { r throws(MessagePackError) in try r.readExtensionHeader() }
        #expect(ext.value.type == 5 && ext.value.byteCount == 3 && ext.offset == 3)
        let fix = try reading(hex("d8 fb") + pattern(16)) { r throws(MessagePackError) in try r.readExtensionHeader() }
        #expect(fix.value.type == -5 && fix.value.byteCount == 16 && fix.offset == 2)
        let raw = try reading(hex("d5 05 0a 0b")) { r throws(MessagePackError) in
            _ = try r.readExtensionHeader()
            return Array(try r.readRawBytes(2))
        }
        #expect(raw == ([0x0a, 0x0b], 4))
    }

    @Test func peeksExtensionTypesWithoutMoving() {
        hex("c0 c7 01 52 00").withUnsafeBytes { raw in
            var reader = MessagePackReader(raw)
            #expect(reader.peekExtensionType() == nil)
            reader.offset = 1
            #expect(reader.peekExtensionType() == 82)
            #expect(reader.offset == 1)
        }
        hex("c8 00").withUnsafeBytes { raw in
            #expect(MessagePackReader(raw).peekExtensionType() == nil)
        }
        hex("d4 ff").withUnsafeBytes { raw in
            #expect(MessagePackReader(raw).peekExtensionType() == -1)
        }
    }

    @Test func readsTimestampsInEveryWidth() throws {
        let cases: [(String, MessagePackTimestamp)] = [
            ("d6 ff 00 00 00 01", MessagePackTimestamp(seconds: 1)),
            ("d7 ff 00 00 00 04 00 00 00 00", MessagePackTimestamp(seconds: 0, nanoseconds: 1)),
            ("c7 0c ff 3b 9a c9 ff ff ff ff ff ff ff ff ff", MessagePackTimestamp(seconds: -1, nanoseconds: 999_999_999)),
            ("c7 04 ff 00 00 00 02", MessagePackTimestamp(seconds: 2)),
        ]
        for (bytes, expected) in cases {
            let (ts, end) = try reading(hex(bytes)) { r throws(MessagePackError) in try r.readTimestamp() }
            #expect(ts == expected)
            #expect(end == hex(bytes).count)
        }
    }

    @Test func skipsWholeValues() throws {
        let value: MessagePackValue = ["a": [1, 2, ["b": .binary([1, 2, 3])]], "c": .timestamp(MessagePackTimestamp(seconds: -1))]
        let bytes = value.encoded() + [0xc3]
        let (_, end) = try reading(bytes) { r throws(MessagePackError) in try r.skipValue() }
        #expect(end == bytes.count - 1)
        // A skipped value must be valid too: UTF-8 and timestamps are checked (Spec/format.md 6.3).
        let (badUTF8, _) = failingRead(hex("92 01 a1 ff")) { r throws(MessagePackError) in try r.skipValue() }
        #expect(badUTF8?.code == .invalidUTF8)
        #expect(badUTF8?.byteOffset == 3)
        let (badTimestamp, _) = failingRead(hex("91 d5 ff 00 00")) { r throws(MessagePackError) in try r.skipValue() }
        #expect(badTimestamp?.code == .invalidTimestamp)
    }

    @Test func readValueReadsOneValueAndStops() throws {
        let (value, end) = try reading(hex("92 01 02 c3")) { r throws(MessagePackError) in try r.readValue() }
        #expect(value == [1, 2])
        #expect(end == 3)
        hex("92 01 02 c3").withUnsafeBytes { raw in
            let reader = MessagePackReader(raw, offset: 3)
            #expect(reader.remainingByteCount == 1)
            #expect(!reader.isAtEnd)
            #expect(reader.bytes.count == 4)
        }
    }
}

/// A read that must fail at `code`/`offset` and leave the cursor where it was (offset 1, after a `c0`).
struct FailingReadCase: Sendable, CustomTestStringConvertible {
    var name: String
    var hex: String
    var code: MessagePackError.Code
    var offset: Int
    var read: @Sendable (inout MessagePackReader) throws(MessagePackError) -> Void
    var testDescription: String { "\(name) on \(hex)" }
}

let failingReads: [FailingReadCase] = [
    .init(name: "readNil", hex: "c3", code: .typeMismatch, offset: 1) { r throws(MessagePackError) in try r.readNil() },
    .init(name: "readBool", hex: "c0", code: .typeMismatch, offset: 1) { r throws(MessagePackError) in _ = try r.readBool() },
    .init(name: "readBool", hex: "", code: .truncated, offset: 1) { r throws(MessagePackError) in _ = try r.readBool() },
    .init(name: "readIntegerValue", hex: "a1 61", code: .typeMismatch, offset: 1) { r throws(MessagePackError) in
        _ = try r.readIntegerValue()
    },
    .init(name: "readIntegerValue", hex: "cd 01", code: .truncated, offset: 2) { r throws(MessagePackError) in
        _ = try r.readIntegerValue()
    },
    .init(name: "readUnsignedInteger", hex: "ff", code: .typeMismatch, offset: 1) { r throws(MessagePackError) in
        _ = try r.readUnsignedInteger()
    },
    .init(name: "readUnsignedInteger", hex: "d3 80 00 00 00 00 00 00 00", code: .typeMismatch, offset: 1) {
        r throws(MessagePackError) in _ = try r.readUnsignedInteger()
    },
    .init(name: "readSignedInteger", hex: "cf ff ff ff ff ff ff ff ff", code: .typeMismatch, offset: 1) {
        r throws(MessagePackError) in _ = try r.readSignedInteger()
    },
    .init(name: "readSignedInteger", hex: "d2 00 00", code: .truncated, offset: 2) { r throws(MessagePackError) in
        _ = try r.readSignedInteger()
    },
    .init(name: "readDouble", hex: "01", code: .typeMismatch, offset: 1) { r throws(MessagePackError) in _ = try r.readDouble() },
    .init(name: "readDouble", hex: "cb 00 00", code: .truncated, offset: 2) { r throws(MessagePackError) in _ = try r.readDouble() },
    .init(name: "readFloat", hex: "cb 3f b9 99 99 99 99 99 9a", code: .typeMismatch, offset: 1) {
        r throws(MessagePackError) in _ = try r.readFloat()
    },
    .init(name: "readFloat", hex: "ca 00", code: .truncated, offset: 2) { r throws(MessagePackError) in _ = try r.readFloat() },
    .init(name: "readString", hex: "c4 00", code: .typeMismatch, offset: 1) { r throws(MessagePackError) in _ = try r.readString() },
    .init(name: "readString", hex: "a3 61 62 ff", code: .invalidUTF8, offset: 4) { r throws(MessagePackError) in
        _ = try r.readString()
    },
    .init(name: "readString", hex: "d9 05 61", code: .truncated, offset: 3) { r throws(MessagePackError) in _ = try r.readString() },
    .init(name: "readStringHeader", hex: "da 00", code: .truncated, offset: 2) { r throws(MessagePackError) in
        _ = try r.readStringHeader()
    },
    .init(name: "readBinary", hex: "a1 61", code: .typeMismatch, offset: 1) { r throws(MessagePackError) in _ = try r.readBinary() },
    .init(name: "readBinary", hex: "c5 00 03 01", code: .truncated, offset: 4) { r throws(MessagePackError) in
        _ = try r.readBinary()
    },
    .init(name: "readArrayHeader", hex: "80", code: .typeMismatch, offset: 1) { r throws(MessagePackError) in
        _ = try r.readArrayHeader()
    },
    .init(name: "readArrayHeader", hex: "dd ff ff ff ff", code: .truncated, offset: 6) { r throws(MessagePackError) in
        _ = try r.readArrayHeader()
    },
    .init(name: "readMapHeader", hex: "90", code: .typeMismatch, offset: 1) { r throws(MessagePackError) in
        _ = try r.readMapHeader()
    },
    .init(name: "readMapHeader", hex: "82 01 02 03", code: .truncated, offset: 2) { r throws(MessagePackError) in
        _ = try r.readMapHeader()
    },
    .init(name: "readExtensionHeader", hex: "c4 00", code: .typeMismatch, offset: 1) { r throws(MessagePackError) in
        _ = try r.readExtensionHeader()
    },
    .init(name: "readExtensionHeader", hex: "c8 00 05", code: .truncated, offset: 4) { r throws(MessagePackError) in
        _ = try r.readExtensionHeader()
    },
    .init(name: "readExtensionHeader", hex: "d7 05 00", code: .truncated, offset: 3) { r throws(MessagePackError) in
        _ = try r.readExtensionHeader()
    },
    .init(name: "readTimestamp", hex: "d6 05 00 00 00 00", code: .typeMismatch, offset: 1) { r throws(MessagePackError) in
        _ = try r.readTimestamp()
    },
    .init(name: "readTimestamp", hex: "d7 ff ee 6b 28 00 00 00 00 00", code: .invalidTimestamp, offset: 1) {
        r throws(MessagePackError) in _ = try r.readTimestamp()
    },
    .init(name: "readTimestamp", hex: "d5 ff 00 00", code: .invalidTimestamp, offset: 1) { r throws(MessagePackError) in
        _ = try r.readTimestamp()
    },
    .init(name: "readRawBytes", hex: "01 02", code: .truncated, offset: 1) { r throws(MessagePackError) in
        _ = try r.readRawBytes(3)
    },
    .init(name: "readValue", hex: "92 01 c1", code: .invalidFormatByte, offset: 3) { r throws(MessagePackError) in
        _ = try r.readValue()
    },
    .init(name: "readValue", hex: "81 a1 61 a1 ff", code: .invalidUTF8, offset: 5) { r throws(MessagePackError) in
        _ = try r.readValue()
    },
    .init(name: "skipValue", hex: "92 01 cd 00", code: .truncated, offset: 4) { r throws(MessagePackError) in
        try r.skipValue()
    },
]

@Suite struct ReaderCursorTests {
    @Test(arguments: failingReads)
    func aFailedReadDoesNotMoveTheCursor(_ c: FailingReadCase) {
        let (error, after) = failingRead([0xc0] + hex(c.hex), from: 1, c.read)
        #expect(error?.code == c.code, "\(String(describing: error))")
        #expect(error?.byteOffset == c.offset, "\(String(describing: error))")
        #expect(after == 1)
    }
}

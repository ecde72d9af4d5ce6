// SPDX-License-Identifier: Apache-2.0
import MessagePack
import Testing
import TestSupport

// Encoder-side edge cases (issue 7, item 7), through every plain encoding route: the token writer, the dynamic
// value, the Codable encoder and the typed `MessagePackEncodable` path. Each value is checked against the exact
// canonical bytes of Spec/format.md section 5, and decoded back where that says something.

// MARK: Routes

/// The bytes of `value` through the Codable encoder.
private func codable<T: Encodable>(_ value: T) throws -> [UInt8] { try MessagePackEncoder().encode(value) }

/// `depth` arrays inside one another around `leaf`: `[[[leaf]]]` is depth 3.
private func nestedArrays(_ depth: Int, leaf: MessagePackValue = .nil) -> MessagePackValue {
    var value = leaf
    for _ in 0..<depth { value = .array([value]) }
    return value
}

/// `depth` maps inside one another, each holding the next under the key "k".
private func nestedMaps(_ depth: Int, leaf: MessagePackValue = .nil) -> MessagePackValue {
    var value = leaf
    for _ in 0..<depth { value = .map([(key: MessagePackValue.string("k"), value: value)]) }
    return value
}

// MARK: Floats

@Suite struct EncoderFloatEdgeCaseTests {
    @Test(arguments: [
        (0x7ff8_0000_0000_0000 as UInt64, "the quiet NaN"), (0xfff8_0000_0000_0000, "a negative quiet NaN"),
        (0x7ff0_0000_0000_0001, "a signalling NaN"), (0x7ff4_0000_dead_beef, "a signalling NaN with a payload"),
        (0xffff_ffff_ffff_ffff, "the all-ones NaN"),
    ])
    func nanBitPatternsSurviveEveryRoute(_ bits: UInt64, _ what: String) throws {
        // Spec/format.md 5, rule 3: an encoder writes the bit pattern unchanged, NaN payloads and signs included.
        let value = Double(bitPattern: bits)
        #expect(value.isNaN, "\(what)")
        var expected: [UInt8] = [0xcb]
        for shift in stride(from: 56, through: 0, by: -8) { expected.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        #expect(written { $0.write(value) } == expected, "\(what)")
        #expect(MessagePackValue.double(value).encoded() == expected, "\(what)")
        #expect(try codable(value) == expected, "\(what)")
        #expect(value.messagePackBytes() == expected, "\(what)")
        // Decoding keeps it too (format.md 4.4), so a relay does not quieten or canonicalise a NaN.
        let back = try MessagePackValue(decoding: expected)
        #expect(back.doubleValue?.bitPattern == bits, "\(what)")
        #expect(try MessagePackDecoder().decode(Double.self, from: expected).bitPattern == bits, "\(what)")
        #expect(try Double(messagePack: expected).bitPattern == bits, "\(what)")
    }

    @Test(arguments: [0x7fc0_0000 as UInt32, 0xffc0_0000, 0x7f80_0001, 0x7fa0_beef])
    func float32NaNBitPatternsSurviveEveryRoute(_ bits: UInt32) throws {
        let value = Float(bitPattern: bits)
        let expected: [UInt8] = [
            0xca, UInt8(truncatingIfNeeded: bits >> 24), UInt8(truncatingIfNeeded: bits >> 16),
            UInt8(truncatingIfNeeded: bits >> 8), UInt8(truncatingIfNeeded: bits),
        ]
        #expect(written { $0.write(value) } == expected)
        #expect(MessagePackValue.float(value).encoded() == expected)
        #expect(try codable(value) == expected)
        #expect(value.messagePackBytes() == expected)
        #expect(try MessagePackValue(decoding: expected) == .float(value))
    }

    @Test func aNaNTheEncoderCreatesIsTheUsualQuietNaN() throws {
        // Rule 3: a language-level NaN with no particular payload is written 7ff8000000000000 / 7fc00000.
        #expect(try codable(Double.nan) == hex("cb 7f f8 00 00 00 00 00 00"))
        #expect(try codable(Float.nan) == hex("ca 7f c0 00 00"))
        #expect(MessagePackValue.double(.nan).encoded() == hex("cb 7f f8 00 00 00 00 00 00"))
    }

    @Test func negativeZeroStaysNegativeZero() throws {
        let double = hex("cb 80 00 00 00 00 00 00 00")
        let float = hex("ca 80 00 00 00")
        #expect(written { $0.write(-0.0 as Double) } == double)
        #expect(MessagePackValue.double(-0.0).encoded() == double)
        #expect(try codable(-0.0 as Double) == double)
        #expect((-0.0 as Double).messagePackBytes() == double)
        #expect(written { $0.write(-0.0 as Float) } == float)
        #expect(try codable(-0.0 as Float) == float)
        // Never narrowed to an integer 0, and 0.0 and -0.0 are different values.
        #expect(try codable(0.0 as Double) == hex("cb 00 00 00 00 00 00 00 00"))
        #expect(try MessagePackValue(decoding: double) != .double(0.0))
        #expect(try MessagePackDecoder().decode(Double.self, from: double).sign == .minus)
        struct Reading: Codable, Equatable { var celsius: Double; var delta: Float }
        let bytes = try codable(Reading(celsius: -0.0, delta: -0.0))
        #expect(bytes == hex("82 a7 63 65 6c 73 69 75 73 cb 80 00 00 00 00 00 00 00 a5 64 65 6c 74 61 ca 80 00 00 00"))
        let back = try MessagePackDecoder().decode(Reading.self, from: bytes)
        #expect(back.celsius.sign == .minus && back.delta.sign == .minus)
    }

    @Test func infinitiesAndSubnormalsKeepTheirBits() throws {
        #expect(try codable(Double.infinity) == hex("cb 7f f0 00 00 00 00 00 00"))
        #expect(try codable(-Double.infinity) == hex("cb ff f0 00 00 00 00 00 00"))
        #expect(try codable(Double.leastNonzeroMagnitude) == hex("cb 00 00 00 00 00 00 00 01"))
        #expect(try codable(Float.leastNonzeroMagnitude) == hex("ca 00 00 00 01"))
        #expect(try codable(Double.greatestFiniteMagnitude) == hex("cb 7f ef ff ff ff ff ff ff"))
    }
}

// MARK: Integers

@Suite struct EncoderIntegerEdgeCaseTests {
    @Test func int64MinIsInt64OnEveryRoute() throws {
        let expected = hex("d3 80 00 00 00 00 00 00 00")
        #expect(written { $0.write(Int64.min) } == expected)
        #expect(written { $0.write(Int.min) } == expected)
        #expect(written { $0.writeInteger(Int64.min) } == expected)
        #expect(MessagePackValue.int(.min).encoded() == expected)
        #expect(try codable(Int64.min) == expected)
        #expect(try codable(Int.min) == expected)
        #expect(Int64.min.messagePackBytes() == expected)
        #expect(Int.min.messagePackBytes() == expected)
        #expect(try MessagePackDecoder().decode(Int64.self, from: expected) == .min)
    }

    @Test func uint64MaxIsUInt64OnEveryRoute() throws {
        let expected = hex("cf ff ff ff ff ff ff ff ff")
        #expect(written { $0.write(UInt64.max) } == expected)
        #expect(written { $0.writeInteger(UInt64.max) } == expected)
        #expect(MessagePackValue.uint(.max).encoded() == expected)
        #expect(try codable(UInt64.max) == expected)
        #expect(try codable(UInt.max) == expected)
        #expect(UInt64.max.messagePackBytes() == expected)
        #expect(try MessagePackDecoder().decode(UInt64.self, from: expected) == .max)
        #expect(try MessagePackValue(decoding: expected) == .uint(.max))
    }

    @Test func everyWidthAtItsExtremesThroughCodable() throws {
        // Synthesized Codable sends each width through its own container method; all pick the shortest form.
        struct Extremes: Codable, Equatable {
            var i8 = Int8.min, i16 = Int16.min, i32 = Int32.min, i64 = Int64.min
            var u8 = UInt8.max, u16 = UInt16.max, u32 = UInt32.max, u64 = UInt64.max
        }
        let bytes = try MessagePackEncoder().encode(Extremes())
        var expected = hex("88")
        for (key, value) in [
            ("i8", "d0 80"), ("i16", "d1 80 00"), ("i32", "d2 80 00 00 00"), ("i64", "d3 80 00 00 00 00 00 00 00"),
            ("u8", "cc ff"), ("u16", "cd ff ff"), ("u32", "ce ff ff ff ff"), ("u64", "cf ff ff ff ff ff ff ff ff"),
        ] {
            expected += [0xa0 | UInt8(key.utf8.count)] + Array(key.utf8) + hex(value)
        }
        #expect(hexString(bytes) == hexString(expected))
        #expect(try MessagePackDecoder().decode(Extremes.self, from: bytes) == Extremes())
        var positional = MessagePackEncoder()
        positional.options.positional = true
        #expect(try positional.encode(Extremes()).first == 0x98)
    }
}

// MARK: Header boundaries

/// A length and the canonical header for it.
struct HeaderCase: Sendable, CustomTestStringConvertible {
    var count: Int
    var header: String
    var testDescription: String { "\(count) -> \(header)" }
    init(_ count: Int, _ header: String) {
        self.count = count
        self.header = header
    }
}

@Suite struct EncoderHeaderBoundaryTests {
    static let strings: [HeaderCase] = [
        .init(0, "a0"), .init(1, "a1"), .init(31, "bf"), .init(32, "d9 20"), .init(255, "d9 ff"), .init(256, "da 01 00"),
        .init(65535, "da ff ff"), .init(65536, "db 00 01 00 00"), .init(65537, "db 00 01 00 01"),
    ]
    static let binaries: [HeaderCase] = [
        .init(0, "c4 00"), .init(1, "c4 01"), .init(255, "c4 ff"), .init(256, "c5 01 00"), .init(65535, "c5 ff ff"),
        .init(65536, "c6 00 01 00 00"),
    ]
    static let arrays: [HeaderCase] = [
        .init(0, "90"), .init(1, "91"), .init(15, "9f"), .init(16, "dc 00 10"), .init(255, "dc 00 ff"),
        .init(256, "dc 01 00"), .init(65535, "dc ff ff"), .init(65536, "dd 00 01 00 00"),
    ]
    static let maps: [HeaderCase] = [
        .init(0, "80"), .init(1, "81"), .init(15, "8f"), .init(16, "de 00 10"), .init(65535, "de ff ff"),
        .init(65536, "df 00 01 00 00"),
    ]
    static let extensions: [HeaderCase] = [
        .init(0, "c7 00 05"), .init(1, "d4 05"), .init(2, "d5 05"), .init(3, "c7 03 05"), .init(4, "d6 05"),
        .init(5, "c7 05 05"), .init(7, "c7 07 05"), .init(8, "d7 05"), .init(9, "c7 09 05"), .init(15, "c7 0f 05"),
        .init(16, "d8 05"), .init(17, "c7 11 05"), .init(255, "c7 ff 05"), .init(256, "c8 01 00 05"),
        .init(65535, "c8 ff ff 05"), .init(65536, "c9 00 01 00 00 05"),
    ]

    @Test(arguments: strings)
    func strHeaders(_ c: HeaderCase) throws {
        let text = String(repeating: "x", count: c.count)
        let expected = hex(c.header) + Array(text.utf8)
        #expect(written { $0.write(text) } == expected)
        #expect(MessagePackValue.string(text).encoded() == expected)
        #expect(try codable(text) == expected)
        #expect(text.messagePackBytes() == expected)
        #expect(try MessagePackDecoder().decode(String.self, from: expected) == text)
        // A header for multi-byte text counts UTF-8 bytes: é is 2 bytes, so c.count / 2 of them (plus an x
        // for odd counts) has the same header.
        let accented = String(repeating: "é", count: c.count / 2) + (c.count % 2 == 1 ? "x" : "")
        #expect(Array(try codable(accented).prefix(hex(c.header).count)) == hex(c.header))
    }

    @Test(arguments: binaries)
    func binHeaders(_ c: HeaderCase) throws {
        let bytes = pattern(c.count)
        let expected = hex(c.header) + bytes
        #expect(written { $0.writeBinary(bytes) } == expected)
        #expect(MessagePackValue.binary(bytes).encoded() == expected)
        #expect(try codable(bytes) == expected)
        #expect(try MessagePackDecoder().decode([UInt8].self, from: expected) == bytes)
    }

    @Test(arguments: arrays)
    func arrayHeaders(_ c: HeaderCase) throws {
        let ints = [Int](repeating: 1, count: c.count)
        let expected = hex(c.header) + repeated(0x01, c.count)
        #expect(written { $0.writeArrayHeader(count: c.count); for _ in 0..<c.count { $0.write(1) } } == expected)
        #expect(MessagePackValue.array(ints.map { .int(Int64($0)) }).encoded() == expected)
        // The Codable fast path for [Int], and the generic route ([Int8]), whose header is patched when the
        // array ends: the placeholder is widened in place at 16 and 65,536 elements.
        #expect(try codable(ints) == expected)
        #expect(try codable([Int8](repeating: 1, count: c.count)) == expected)
        #expect(try codable(ints.map { $0 as Int? }) == expected)
        #expect(ints.messagePackBytes() == expected)
        // Behind a key, so the widened header moves the bytes that follow it.
        struct Wrapped: Codable { var before = "b"; var items: [Int8]; var after = "a" }
        let wrapped = try codable(Wrapped(items: [Int8](repeating: 1, count: c.count)))
        #expect(Array(wrapped.prefix(16)) == hex("83 a6 62 65 66 6f 72 65 a1 62 a5 69 74 65 6d 73"))
        #expect(Array(wrapped[16...].prefix(hex(c.header).count)) == hex(c.header))
        #expect(Array(wrapped.suffix(8)) == hex("a5 61 66 74 65 72 a1 61"))
    }

    @Test(arguments: maps)
    func mapHeaders(_ c: HeaderCase) throws {
        // Keys 0..<count as integers, values nil: the bytes of each entry are the key's shortest form, then c0.
        var entries: [UInt8] = []
        for i in 0..<c.count { entries += written { $0.write(i) } + [0xc0] }
        let expected = hex(c.header) + entries
        #expect(
            written {
                $0.writeMapHeader(count: c.count)
                for i in 0..<c.count {
                    $0.write(i)
                    $0.writeNil()
                }
            } == expected)
        let value = MessagePackValue.map((0..<c.count).map { (key: MessagePackValue.int(Int64($0)), value: MessagePackValue.nil) })
        #expect(value.encoded() == expected)
        // A Codable dictionary with integer keys is sorted by its keys' encoded bytes; check the header and
        // that every entry arrives.
        let dictionary = Dictionary(uniqueKeysWithValues: (0..<c.count).map { ($0, Int?.none) })
        let bytes = try codable(dictionary)
        #expect(Array(bytes.prefix(hex(c.header).count)) == hex(c.header))
        #expect(bytes.count == expected.count)
        #expect(try MessagePackValue(decoding: bytes).mapValue?.count == c.count)
        let strings = Dictionary(uniqueKeysWithValues: (0..<c.count).map { (String($0), 0) })
        #expect(Array(strings.messagePackBytes().prefix(hex(c.header).count)) == hex(c.header))
        #expect(Array(try codable(strings).prefix(hex(c.header).count)) == hex(c.header))
    }

    @Test(arguments: extensions)
    func extHeaders(_ c: HeaderCase) throws {
        let payload = pattern(c.count)
        let expected = hex(c.header) + payload
        #expect(written { $0.writeExtension(type: 5, payload: payload) } == expected)
        #expect(MessagePackValue.extension(5, payload).encoded() == expected)
        #expect(try codable(MessagePackValue.extension(5, payload)) == expected)
        // Headers sized late (used for portable objects) end up in the same canonical form.
        #expect(
            written {
                let pending = $0.beginExtension(type: 5)
                $0.writeRawBytes(payload)
                $0.endExtension(pending)
            } == expected)
        #expect(MessagePackWriter.extensionHeaderByteCount(payloadByteCount: c.count) == hex(c.header).count)
        #expect(try MessagePackValue(decoding: expected) == .extension(5, payload))
    }

    @Test func extTypesAtTheirExtremes() {
        #expect(written { $0.writeExtension(type: 127, payload: [1]) } == hex("d4 7f 01"))
        #expect(written { $0.writeExtension(type: -128, payload: [1]) } == hex("d4 80 01"))
        #expect(written { $0.writeExtension(type: -2, payload: []) } == hex("c7 00 fe"))
    }
}

// MARK: Empty containers

@Suite struct EncoderEmptyValueTests {
    struct Empty: Codable, Equatable {}
    struct AllAbsent: Codable, Equatable { var a: Int?; var b: String? }
    enum Marker: Codable, Equatable { case on }

    @Test func emptyValuesOnEveryRoute() throws {
        #expect(MessagePackValue.array([]).encoded() == hex("90"))
        #expect(MessagePackValue.map([]).encoded() == hex("80"))
        #expect(MessagePackValue.string("").encoded() == hex("a0"))
        #expect(MessagePackValue.binary([]).encoded() == hex("c4 00"))
        #expect(MessagePackValue.extension(5, []).encoded() == hex("c7 00 05"))

        #expect(try codable([Int]()) == hex("90"))
        #expect(try codable([Int8]()) == hex("90"))
        #expect(try codable([Empty]()) == hex("90"))
        #expect(try codable([String: Int]()) == hex("80"))
        #expect(try codable([Int: Int]()) == hex("80"))
        #expect(try codable("") == hex("a0"))
        #expect(try codable([UInt8]()) == hex("c4 00"))
        #expect(try codable(Empty()) == hex("80"))
        #expect(try codable(AllAbsent()) == hex("80"))
        #expect(try codable(Int?.none) == hex("c0"))
        #expect(try codable([[Int]]([[], []])) == hex("92 90 90"))
        #expect(try codable(Marker.on) == hex("81 a2 6f 6e 80"))
        var positional = MessagePackEncoder()
        positional.options.positional = true
        #expect(try positional.encode(Empty()) == hex("90"))
        #expect(try positional.encode(AllAbsent()) == hex("92 c0 c0"))

        #expect([Int]().messagePackBytes() == hex("90"))
        #expect([String: Int]().messagePackBytes() == hex("80"))
        #expect("".messagePackBytes() == hex("a0"))
        #expect(Int?.none.messagePackBytes() == hex("c0"))

        #expect(try MessagePackDecoder().decode(Empty.self, from: hex("80")) == Empty())
        #expect(try MessagePackDecoder().decode(AllAbsent.self, from: hex("80")) == AllAbsent())
    }
}

// MARK: A huge binary

@Suite(.serialized) struct EncoderHugeBinaryTests {
    static let size = 70 << 20  // 73,400,320 bytes: over the 64 MiB defaults

    @Test func seventyMebibytesOfBinary() throws {
        let payload = [UInt8](repeating: 0xab, count: Self.size)
        let bytes = try MessagePackEncoder().encode(payload)
        #expect(Array(bytes.prefix(5)) == hex("c6 04 60 00 00"))
        #expect(bytes.count == Self.size + 5)
        #expect(written { $0.writeBinary(payload) }.prefix(5) == bytes.prefix(5))
        #expect(MessagePackValue.binary(payload).encoded().count == bytes.count)

        // With the defaults the message is over maxMessageByteCount (64 MiB), checked before anything else
        // (Spec/format.md 6.4) ...
        let whole = decodingError(bytes)
        #expect(whole?.code == .limitExceeded)
        #expect(whole?.detail.contains("maxMessageByteCount") == true, "\(String(describing: whole))")
        // ... and with room for the message, the one bin is over maxPayloadByteCount (64 MiB), at its header.
        var roomyMessage = MessagePackLimits()
        roomyMessage.maxMessageByteCount = 128 << 20
        let payloadError = decodingError(bytes, limits: roomyMessage)
        #expect(payloadError?.code == .limitExceeded)
        #expect(payloadError?.detail.contains("maxPayloadByteCount") == true, "\(String(describing: payloadError))")
        #expect(payloadError?.byteOffset == 0)
        var decoder = MessagePackDecoder()
        decoder.limits = roomyMessage
        let codableError = messagePackError { _ = try decoder.decode([UInt8].self, from: bytes) }
        #expect(codableError?.code == .limitExceeded)
        #expect(codableError?.detail.contains("maxPayloadByteCount") == true, "\(String(describing: codableError))")

        // A stream decoder refuses as soon as the header shows the size, before the payload arrives.
        var stream = MessagePackStreamDecoder()
        stream.feed(Array(bytes.prefix(5)))
        #expect(messagePackError { _ = try stream.next() }?.code == .limitExceeded)

        // Raised limits let it through, byte for byte.
        var roomy = roomyMessage
        roomy.maxPayloadByteCount = 128 << 20
        let back = try MessagePackValue(decoding: bytes, limits: roomy)
        #expect(back.binaryValue?.count == Self.size)
        #expect(back.binaryValue == payload)
        decoder.limits = roomy
        #expect(try decoder.decode([UInt8].self, from: bytes) == payload)
    }
}

// MARK: Depth, through every route

@Suite struct EncoderDepthTests {
    // The writer and the dynamic value.

    @Test func dynamicValuesAtTheLimitEncodeAndOnePastThrows() throws {
        for make in [{ nestedArrays($0) }, { nestedMaps($0) }, { nestedArrays($0 - 1, leaf: [:]) }] as [(Int) -> MessagePackValue] {
            // 512 containers: what a decoder with the default limits accepts, so the encoder accepts it too.
            let atLimit = make(512)
            let bytes = try atLimit.encoded(limits: .default)
            #expect(bytes == atLimit.encoded())
            #expect(decodingError(bytes) == nil)
            // 513: the decoder would reject it, so the checked encoder does.
            let onePast = make(513)
            expectTooDeep(messagePackError { _ = try onePast.encoded(limits: .default) })
            #expect(decodingError(onePast.encoded())?.code == .limitExceeded)
        }
        // An empty container counts (format.md 6.5): [] inside 511 arrays is 512, inside 512 is 513.
        #expect(throws: Never.self) { _ = try nestedArrays(511, leaf: []).encoded(limits: .default) }
        expectTooDeep(messagePackError { _ = try nestedArrays(512, leaf: []).encoded(limits: .default) })
        // A map key is as deep as its value.
        let deepKey: MessagePackValue = .map([(key: nestedArrays(512), value: MessagePackValue.nil)])
        expectTooDeep(messagePackError { _ = try deepKey.encoded(limits: .default) })
        #expect(throws: Never.self) { _ = try MessagePackValue.map([(key: nestedArrays(511), value: MessagePackValue.nil)]).encoded(limits: .default) }
    }

    @Test func theWriterCountsDepthWhenAskedTo() throws {
        var writer = MessagePackWriter()
        #expect(writer.maxDepth == .max)
        writer.maxDepth = 3
        writer.write(nestedArrays(3))
        try writer.checkDepth()
        #expect(writer.bytes == hex("91 91 91 c0"))
        writer.write(nestedArrays(4))
        expectTooDeep(messagePackError { try writer.checkDepth() }, maxDepth: 3)
        writer.removeAll()
        try writer.checkDepth()
        // Headers written by hand count at the depth the writer knows: the top level here.
        writer.maxDepth = 0
        writer.writeArrayHeader(count: 0)
        expectTooDeep(messagePackError { try writer.checkDepth() }, maxDepth: 0)
        // Limits other than the default.
        var limits = MessagePackLimits()
        limits.maxDepth = 1000
        #expect(throws: Never.self) { _ = try nestedMaps(1000).encoded(limits: limits) }
        expectTooDeep(messagePackError { _ = try nestedMaps(1001).encoded(limits: limits) }, maxDepth: 1000)
    }

    @Test func tenThousandLevelsOfDynamicValueThrowInsteadOfOverflowingTheStack() {
        var deep = nestedArrays(10_000)
        expectTooDeep(messagePackError { _ = try deep.encoded(limits: .default) })
        // Through the Codable encoder, MessagePackValue is written as itself with the same check.
        expectTooDeep(messagePackError { _ = try MessagePackEncoder().encode(deep) })
        expectTooDeep(messagePackError { _ = try deep.messagePackBytes(limits: .default) })
        var maps = nestedMaps(10_000)
        var writer = MessagePackWriter()
        writer.maxDepth = 512
        writer.write(maps)
        expectTooDeep(messagePackError { try writer.checkDepth() })
        // Freeing a 10,000-deep value recurses too, so both are taken apart level by level.
        while case .array(let elements) = deep, let first = elements.first { deep = first }
        while case .map(let entries) = maps, let first = entries.first { maps = first.value }
    }

    // The Codable encoder.

    // Chains of classes: `Node` (CodableFixtures.swift), one keyed container per link.

    /// A value nested `depth` arrays deep, through the generic route (unkeyed containers).
    struct Nest: Encodable {
        var depth: Int
        var leaf: [Int]? = nil
        func encode(to encoder: any Encoder) throws {
            if depth == 0 {
                var single = encoder.singleValueContainer()
                if let leaf { try single.encode(leaf) } else { try single.encodeNil() }
                return
            }
            var container = encoder.unkeyedContainer()
            try container.encode(Nest(depth: depth - 1, leaf: leaf))
        }
    }

    /// Arrays nested within one `encode(to:)`, without recursion: depth comes from nested containers alone.
    struct FlatNest: Encodable {
        var depth: Int
        func encode(to encoder: any Encoder) throws {
            var container = encoder.unkeyedContainer()
            for _ in 1..<depth { container = container.nestedUnkeyedContainer() }
            try container.encodeNil()
        }
    }

    @Test func aClassChainAtTheLimitEncodesAndOnePastThrows() throws {
        let atLimit = Node.chain(512)
        let bytes = try MessagePackEncoder().encode(atLimit)
        #expect(decodingError(bytes) == nil)
        #expect(Array(bytes.prefix(3)) == hex("82 a5 76"))
        let error = #expect(throws: MessagePackError.self) { _ = try MessagePackEncoder().encode(Node.chain(513)) }
        expectTooDeep(error)
        // The path of the 513th map's value: 512 "next" keys from the top.
        #expect(error?.path.segments.count == 512)
    }

    @Test func genericArraysAtTheLimitEncodeAndOnePastThrows() throws {
        #expect(decodingError(try codable(Nest(depth: 512))) == nil)
        expectTooDeep(messagePackError { _ = try codable(Nest(depth: 513)) })
        #expect(decodingError(try codable(FlatNest(depth: 512))) == nil)
        expectTooDeep(messagePackError { _ = try codable(FlatNest(depth: 513)) })
        // The fast path for [Int] opens a level of its own.
        #expect(decodingError(try codable(Nest(depth: 511, leaf: [1, 2]))) == nil)
        expectTooDeep(messagePackError { _ = try codable(Nest(depth: 512, leaf: [1, 2])) })
        // So does a MessagePackValue inside a Codable value.
        let inner = try codable([nestedArrays(511)])
        #expect(decodingError(inner) == nil)
        expectTooDeep(messagePackError { _ = try codable([nestedArrays(512)]) })
    }

    @Test func aConfiguredDepthIsHonoured() throws {
        var encoder = MessagePackEncoder()
        encoder.maxDepth = 3
        #expect(try encoder.encode(Nest(depth: 3)) == hex("91 91 91 c0"))
        expectTooDeep(messagePackError { _ = try encoder.encode(Nest(depth: 4)) }, maxDepth: 3)
        encoder.maxDepth = 600
        #expect(throws: Never.self) { _ = try encoder.encode(Node.chain(600)) }
    }

    indirect enum Chain: Codable {
        case end
        case link(Chain)
        static func of(_ length: Int) -> Chain {
            var chain = Chain.end
            for _ in 0..<length { chain = .link(chain) }
            return chain
        }
    }

    @Test func anIndirectEnumCountsTheMapsItWritesNotItsLevels() throws {
        // Synthesized Codable writes .link(x) as {"link": {"_0": x}} and .end as {"end": {}}: two maps per
        // level. 255 links and the end are 512 maps, 256 links are 514.
        #expect(try codable(Chain.of(1)) == hex("81 a4 6c 69 6e 6b 81 a2 5f 30 81 a3 65 6e 64 80"))
        #expect(decodingError(try codable(Chain.of(255))) == nil)
        expectTooDeep(messagePackError { _ = try codable(Chain.of(256)) })
    }

    @Test func tenThousandLevelsThroughCodableThrowInsteadOfOverflowingTheStack() {
        // Freeing a 10,000-deep recursive value recurses too, so the chains are taken apart link by link.
        var chain = Chain.of(10_000)
        expectTooDeep(messagePackError { _ = try codable(chain) })
        while case .link(let next) = chain { chain = next }
        expectTooDeep(messagePackError { _ = try codable(Nest(depth: 10_000)) })
        expectTooDeep(messagePackError { _ = try codable(FlatNest(depth: 10_000)) })
        var links: Node? = Node.chain(10_000)
        expectTooDeep(messagePackError { _ = try codable(links) })
        while let link = links {
            links = link.next
            link.next = nil
        }
        // A cycle among plain classes is a chain without end.
        let a = Node(value: 1, next: nil)
        a.next = Node(value: 2, next: a)
        expectTooDeep(messagePackError { _ = try codable(a) })
        a.next = nil  // break the cycle so both are freed
    }

    @Test func valuesWithoutContainersMayNestDeeperThanTheirMaps() throws {
        // Optionals in an array add a Swift level but no container: [[Int?]] style chains at the wire limit
        // still encode, and a leaf enum in the deepest map does not count as a level.
        struct Box: Encodable {
            enum Kind: String, Encodable { case leaf }
            var depth: Int
            func encode(to encoder: any Encoder) throws {
                var container = encoder.unkeyedContainer()
                if depth > 1 { try container.encode(Optional(Box(depth: depth - 1))) } else { try container.encode(Kind.leaf) }
            }
        }
        let bytes = try codable(Box(depth: 512))
        #expect(decodingError(bytes) == nil)
        expectTooDeep(messagePackError { _ = try codable(Box(depth: 513)) })
    }

    // The typed route.

    final class TypedLink: MessagePackEncodable {
        var value: Int
        var next: TypedLink?
        init(value: Int, next: TypedLink?) {
            self.value = value
            self.next = next
        }
        func encode(to writer: inout MessagePackWriter) {
            writer.writeMapHeader(count: 2)
            writer.encode(value, key: "value")
            writer.encode(next, key: "next")
        }
        static func chain(_ length: Int) -> TypedLink {
            var node = TypedLink(value: 0, next: nil)
            for i in 1..<length { node = TypedLink(value: i, next: node) }
            return node
        }
    }

    /// Arrays of arrays through `encodeArray`.
    struct TypedNest: MessagePackEncodable {
        var depth: Int
        func encode(to writer: inout MessagePackWriter) {
            if depth == 0 { return writer.writeNil() }
            writer.encodeArray([TypedNest(depth: depth - 1)])
        }
    }

    @Test func typedValuesAtTheLimitEncodeAndOnePastThrows() throws {
        let atLimit = TypedLink.chain(512)
        let bytes = try atLimit.messagePackBytes(limits: .default)
        #expect(bytes == atLimit.messagePackBytes())
        #expect(decodingError(bytes) == nil)
        expectTooDeep(messagePackError { _ = try TypedLink.chain(513).messagePackBytes(limits: .default) })

        #expect(decodingError(try TypedNest(depth: 512).messagePackBytes(limits: .default)) == nil)
        expectTooDeep(messagePackError { _ = try TypedNest(depth: 513).messagePackBytes(limits: .default) })
        // Dictionaries and dynamic values count through the same writer.
        let dictionaries = ["a": ["b": nestedArrays(510)]]
        #expect(decodingError(try dictionaries.messagePackBytes(limits: .default)) == nil)
        expectTooDeep(messagePackError { _ = try ["a": ["b": nestedArrays(511)]].messagePackBytes(limits: .default) })
        // The unchecked form still writes what it is given.
        #expect(decodingError(TypedLink.chain(513).messagePackBytes())?.code == .limitExceeded)
    }

    @Test func typedCyclesAndTenThousandLevelsThrowInsteadOfOverflowingTheStack() {
        var links: TypedLink? = TypedLink.chain(10_000)
        expectTooDeep(messagePackError { _ = try links?.messagePackBytes(limits: .default) })
        while let link = links {
            links = link.next
            link.next = nil
        }
        expectTooDeep(messagePackError { _ = try TypedNest(depth: 10_000).messagePackBytes(limits: .default) })
        let a = TypedLink(value: 1, next: nil)
        a.next = TypedLink(value: 2, next: a)
        expectTooDeep(messagePackError { _ = try a.messagePackBytes(limits: .default) })
        a.next = nil
    }
}

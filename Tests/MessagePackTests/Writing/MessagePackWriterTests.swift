// SPDX-License-Identifier: Apache-2.0
import MessagePack
import Testing

/// One integer and the canonical bytes for it.
struct IntegerCase: Sendable, CustomTestStringConvertible {
    var value: Int64?
    var unsigned: UInt64?
    var hex: String
    var testDescription: String { "\(value.map(String.init) ?? unsigned.map(String.init) ?? "?") -> \(hex)" }

    static func signed(_ v: Int64, _ hex: String) -> IntegerCase { IntegerCase(value: v, unsigned: nil, hex: hex) }
    static func unsigned(_ v: UInt64, _ hex: String) -> IntegerCase { IntegerCase(value: nil, unsigned: v, hex: hex) }
}

let integerBoundaries: [IntegerCase] = [
    .signed(0, "00"),
    .signed(1, "01"),
    .signed(127, "7f"),
    .signed(128, "cc 80"),
    .signed(255, "cc ff"),
    .signed(256, "cd 01 00"),
    .signed(65535, "cd ff ff"),
    .signed(65536, "ce 00 01 00 00"),
    .signed(4_294_967_295, "ce ff ff ff ff"),
    .signed(4_294_967_296, "cf 00 00 00 01 00 00 00 00"),
    .signed(Int64.max, "cf 7f ff ff ff ff ff ff ff"),
    .unsigned(UInt64(Int64.max) + 1, "cf 80 00 00 00 00 00 00 00"),
    .unsigned(UInt64.max, "cf ff ff ff ff ff ff ff ff"),
    .signed(-1, "ff"),
    .signed(-32, "e0"),
    .signed(-33, "d0 df"),
    .signed(-128, "d0 80"),
    .signed(-129, "d1 ff 7f"),
    .signed(-32768, "d1 80 00"),
    .signed(-32769, "d2 ff ff 7f ff"),
    .signed(Int64(Int32.min), "d2 80 00 00 00"),
    .signed(Int64(Int32.min) - 1, "d3 ff ff ff ff 7f ff ff ff"),
    .signed(Int64.min, "d3 80 00 00 00 00 00 00 00"),
]

@Suite struct WriterIntegerTests {
    @Test(arguments: integerBoundaries)
    func picksSmallestFormatAtEachBoundary(_ c: IntegerCase) {
        if let v = c.value {
            #expect(hexString(written { $0.write(v) }) == c.hex)
            #expect(hexString(written { $0.write(Int(v)) }) == c.hex)
            #expect(hexString(written { $0.writeInteger(v) }) == c.hex)
            #expect(hexString(MessagePackValue.int(v).encoded()) == c.hex)
            if v >= 0 {
                #expect(hexString(written { $0.write(UInt64(v)) }) == c.hex)
                #expect(hexString(MessagePackValue.uint(UInt64(v)).encoded()) == c.hex)
            }
        }
        if let u = c.unsigned {
            #expect(hexString(written { $0.write(u) }) == c.hex)
            #expect(hexString(written { $0.writeInteger(u) }) == c.hex)
            #expect(hexString(MessagePackValue.uint(u).encoded()) == c.hex)
        }
    }

    @Test func signedValuesAtLeastZeroUseTheUnsignedForms() {
        // msgpack-c and Python never write d0..d3 for a value >= 0.
        #expect(hexString(written { $0.write(Int64(100)) }) == "64")
        #expect(hexString(written { $0.write(Int64(200)) }) == "cc c8")
        #expect(hexString(written { $0.write(Int64(40000)) }) == "cd 9c 40")
        #expect(hexString(written { $0.write(Int64(3_000_000_000)) }) == "ce b2 d0 5e 00")
        #expect(hexString(written { $0.writeInteger(Int8(127)) }) == "7f")
        #expect(hexString(written { $0.writeInteger(Int16(200)) }) == "cc c8")
        #expect(hexString(written { $0.writeInteger(Int32(65536)) }) == "ce 00 01 00 00")
    }

    @Test func writesEveryFixedWidthTypeInTheShortestForm() {
        #expect(hexString(written { $0.writeInteger(Int8(-33)) }) == "d0 df")
        #expect(hexString(written { $0.writeInteger(Int8.min) }) == "d0 80")
        #expect(hexString(written { $0.writeInteger(Int16.min) }) == "d1 80 00")
        #expect(hexString(written { $0.writeInteger(Int32.min) }) == "d2 80 00 00 00")
        #expect(hexString(written { $0.writeInteger(UInt8.max) }) == "cc ff")
        #expect(hexString(written { $0.writeInteger(UInt16.max) }) == "cd ff ff")
        #expect(hexString(written { $0.writeInteger(UInt32.max) }) == "ce ff ff ff ff")
        #expect(hexString(written { $0.writeInteger(UInt.max) }) == "cf ff ff ff ff ff ff ff ff")
        #expect(hexString(written { $0.writeInteger(UInt16(5)) }) == "05")
    }
}

@Suite struct WriterScalarTests {
    @Test func writesNilAndBooleans() {
        #expect(written { $0.writeNil() } == [0xc0])
        #expect(written { $0.write(false) } == [0xc2])
        #expect(written { $0.write(true) } == [0xc3])
    }

    @Test(arguments: [
        (0x3ff0_0000_0000_0000, "cb 3f f0 00 00 00 00 00 00"),  // 1.0
        (0x0000_0000_0000_0000, "cb 00 00 00 00 00 00 00 00"),  // 0.0
        (0x8000_0000_0000_0000, "cb 80 00 00 00 00 00 00 00"),  // -0.0
        (0x7ff8_0000_0000_0000, "cb 7f f8 00 00 00 00 00 00"),  // quiet NaN
        (0xfff8_0000_0000_0000, "cb ff f8 00 00 00 00 00 00"),  // negative quiet NaN
        (0x7ff8_0000_0000_0001, "cb 7f f8 00 00 00 00 00 01"),  // NaN with a payload
        (0x7ff0_0000_0000_0001, "cb 7f f0 00 00 00 00 00 01"),  // signalling NaN
        (0x7ff0_0000_0000_0000, "cb 7f f0 00 00 00 00 00 00"),  // +infinity
        (0x0000_0000_0000_0001, "cb 00 00 00 00 00 00 00 01"),  // smallest subnormal
        (0x3fb9_9999_9999_999a, "cb 3f b9 99 99 99 99 99 9a"),  // 0.1
    ] as [(UInt64, String)])
    func writesFloat64BitPatternsUnchanged(_ bits: UInt64, _ expected: String) {
        let value = Double(bitPattern: bits)
        #expect(hexString(written { $0.write(value) }) == expected)
        #expect(hexString(MessagePackValue.double(value).encoded()) == expected)
    }

    @Test(arguments: [
        (0x3f80_0000, "ca 3f 80 00 00"),  // 1.0
        (0x0000_0000, "ca 00 00 00 00"),  // 0.0
        (0x8000_0000, "ca 80 00 00 00"),  // -0.0
        (0x7fc0_0000, "ca 7f c0 00 00"),  // quiet NaN
        (0x7fc0_0001, "ca 7f c0 00 01"),  // NaN with a payload
        (0x7f80_0001, "ca 7f 80 00 01"),  // signalling NaN
        (0xff80_0000, "ca ff 80 00 00"),  // -infinity
    ] as [(UInt32, String)])
    func writesFloat32BitPatternsUnchanged(_ bits: UInt32, _ expected: String) {
        let value = Float(bitPattern: bits)
        #expect(hexString(written { $0.write(value) }) == expected)
        #expect(hexString(MessagePackValue.float(value).encoded()) == expected)
    }

    @Test func neverNarrowsOrWidensFloats() {
        #expect(hexString(written { $0.write(1.5 as Double) }) == "cb 3f f8 00 00 00 00 00 00")
        #expect(hexString(written { $0.write(1.5 as Float) }) == "ca 3f c0 00 00")
        #expect(hexString(written { $0.write(2.0 as Double) }) == "cb 40 00 00 00 00 00 00 00")
    }
}

@Suite struct WriterStringAndBinaryTests {
    @Test(arguments: [
        (0, "a0"), (1, "a1"), (31, "bf"), (32, "d9 20"), (255, "d9 ff"), (256, "da 01 00"),
        (65535, "da ff ff"), (65536, "db 00 01 00 00"),
    ] as [(Int, String)])
    func picksTheShortestStrHeader(_ byteCount: Int, _ header: String) {
        let text = String(repeating: "x", count: byteCount)
        let bytes = written { $0.write(text) }
        let headerBytes = hex(header)
        #expect(bytes.count == headerBytes.count + byteCount)
        #expect(Array(bytes.prefix(headerBytes.count)) == headerBytes)
        #expect(bytes.dropFirst(headerBytes.count).allSatisfy { $0 == UInt8(ascii: "x") })
        #expect(written { $0.writeStringHeader(byteCount: byteCount) } == headerBytes)
        #expect(MessagePackValue.string(text).encoded() == bytes)
    }

    @Test func countsUTF8BytesNotCharacters() {
        #expect(hexString(written { $0.write("é") }) == "a2 c3 a9")
        #expect(hexString(written { $0.write("😀") }) == "a4 f0 9f 98 80")
        #expect(hexString(written { $0.write("hi") }) == "a2 68 69")
        // 16 two-byte characters are 32 bytes: str8, not fixstr.
        let bytes = written { $0.write(String(repeating: "é", count: 16)) }
        #expect(Array(bytes.prefix(2)) == [0xd9, 0x20])
        #expect(bytes.count == 34)
    }

    @Test func writesBridgedAndSubstringBackedStrings() {
        let base = "prefix-hello-suffix"
        let sub = String(base.dropFirst(7).dropLast(7))
        #expect(hexString(written { $0.write(sub) }) == "a5 68 65 6c 6c 6f")
    }

    @Test(arguments: [
        (0, "c4 00"), (1, "c4 01"), (255, "c4 ff"), (256, "c5 01 00"), (65535, "c5 ff ff"),
        (65536, "c6 00 01 00 00"),
    ] as [(Int, String)])
    func picksTheShortestBinHeader(_ byteCount: Int, _ header: String) {
        let payload = pattern(byteCount)
        let bytes = written { $0.writeBinary(payload) }
        let headerBytes = hex(header)
        #expect(Array(bytes.prefix(headerBytes.count)) == headerBytes)
        #expect(Array(bytes.dropFirst(headerBytes.count)) == payload)
        #expect(written { $0.writeBinaryHeader(byteCount: byteCount) } == headerBytes)
        #expect(MessagePackValue.binary(payload).encoded() == bytes)
        let fromRaw = payload.withUnsafeBytes { raw in written { $0.writeBinary(raw) } }
        #expect(fromRaw == bytes)
    }
}

@Suite struct WriterContainerTests {
    @Test(arguments: [
        (0, "90", "80"), (1, "91", "81"), (15, "9f", "8f"), (16, "dc 00 10", "de 00 10"),
        (65535, "dc ff ff", "de ff ff"), (65536, "dd 00 01 00 00", "df 00 01 00 00"),
    ] as [(Int, String, String)])
    func picksTheShortestArrayAndMapHeaders(_ count: Int, _ arrayHeader: String, _ mapHeader: String) {
        #expect(hexString(written { $0.writeArrayHeader(count: count) }) == arrayHeader)
        #expect(hexString(written { $0.writeMapHeader(count: count) }) == mapHeader)

        let array = MessagePackValue.array(Array(repeating: .nil, count: count)).encoded()
        #expect(array == hex(arrayHeader) + repeated(0xc0, count))
        let map = MessagePackValue.map(Array(repeating: (key: .nil, value: .bool(true)), count: count)).encoded()
        var expectedMap = hex(mapHeader)
        for _ in 0..<count { expectedMap += [0xc0, 0xc3] }
        #expect(map == expectedMap)
    }

    @Test func writesMapsInStoredOrderWithAnyKeys() {
        let value: MessagePackValue = .map([
            (key: "b", value: 1), (key: "a", value: 2), (key: 7, value: nil), (key: "b", value: 3),
            (key: [1], value: true),
        ])
        #expect(hexString(value.encoded()) == "85 a1 62 01 a1 61 02 07 c0 a1 62 03 91 01 c3")
    }

    @Test func writesNestedContainers() {
        let value: MessagePackValue = ["a": [1, ["b": nil]], "c": .binary([0xff])]
        #expect(hexString(value.encoded()) == "82 a1 61 92 01 81 a1 62 c0 a1 63 c4 01 ff")
    }
}

@Suite struct WriterExtensionTests {
    @Test(arguments: [
        (1, "d4 05"), (2, "d5 05"), (4, "d6 05"), (8, "d7 05"), (16, "d8 05"),
        (0, "c7 00 05"), (3, "c7 03 05"), (5, "c7 05 05"), (15, "c7 0f 05"), (17, "c7 11 05"),
        (255, "c7 ff 05"), (256, "c8 01 00 05"), (65535, "c8 ff ff 05"), (65536, "c9 00 01 00 00 05"),
    ] as [(Int, String)])
    func picksFixextOrTheShortestExtHeader(_ byteCount: Int, _ header: String) {
        let payload = pattern(byteCount)
        let bytes = written { $0.writeExtension(type: 5, payload: payload) }
        let headerBytes = hex(header)
        #expect(Array(bytes.prefix(headerBytes.count)) == headerBytes)
        #expect(Array(bytes.dropFirst(headerBytes.count)) == payload)
        #expect(written { $0.writeExtensionHeader(type: 5, byteCount: byteCount) } == headerBytes)
        #expect(MessagePackWriter.extensionHeaderByteCount(payloadByteCount: byteCount) == headerBytes.count)
        #expect(MessagePackValue.extension(5, payload).encoded() == bytes)
    }

    @Test func writesNegativeAndExtremeExtTypes() {
        #expect(hexString(written { $0.writeExtension(type: -128, payload: [0]) }) == "d4 80 00")
        #expect(hexString(written { $0.writeExtension(type: 127, payload: [1, 2]) }) == "d5 7f 01 02")
        #expect(hexString(written { $0.writeExtension(type: -2, payload: [1, 2, 3]) }) == "c7 03 fe 01 02 03")
    }

    @Test(arguments: [0, 1, 2, 3, 4, 8, 15, 16, 17, 255, 256, 65535, 65536])
    func pendingExtensionProducesTheCanonicalHeader(_ byteCount: Int) {
        let payload = pattern(byteCount)
        let viaPending = written { w in
            w.writeNil()  // something before, so the header is not at offset 0
            let pending = w.beginExtension(type: 82)
            w.writeRawBytes(payload)
            w.endExtension(pending)
            w.write(true)  // and the writer goes on after it
        }
        let direct = written { w in
            w.writeNil()
            w.writeExtension(type: 82, payload: payload)
            w.write(true)
        }
        #expect(viaPending == direct)
    }

    @Test func pendingExtensionHeadersForTheBriefsSizes() {
        func header(_ n: Int) -> String {
            let bytes = written { w in
                let pending = w.beginExtension(type: 0x50)
                w.writeRawBytes(pattern(n))
                w.endExtension(pending)
            }
            #expect(bytes.count == MessagePackWriter.extensionHeaderByteCount(payloadByteCount: n) + n)
            #expect(Array(bytes.suffix(n)) == pattern(n))
            return hexString(bytes.prefix(bytes.count - n))
        }
        #expect(header(1) == "d4 50")
        #expect(header(2) == "d5 50")
        #expect(header(3) == "c7 03 50")
        #expect(header(16) == "d8 50")
        #expect(header(17) == "c7 11 50")
        #expect(header(255) == "c7 ff 50")
        #expect(header(256) == "c8 01 00 50")
        #expect(header(65536) == "c9 00 01 00 00 50")
    }

    @Test func pendingExtensionsNest() {
        let bytes = written { w in
            let outer = w.beginExtension(type: 0x50)
            w.write("T")
            let inner = w.beginExtension(type: 0x52)
            w.write(UInt64(0))
            w.endExtension(inner)
            w.endExtension(outer)
        }
        // outer payload: a1 54 d4 52 00 (5 bytes) -> ext8; inner payload: 00 (1 byte) -> fixext1
        #expect(hexString(bytes) == "c7 05 50 a1 54 d4 52 00")
    }

    @Test func pendingExtensionWithValuesWrittenThroughTheWriter() {
        let bytes = written { w in
            let pending = w.beginExtension(type: 1)
            w.write(Int64(-1))
            w.write(Int64(1))
            w.endExtension(pending)
        }
        #expect(hexString(bytes) == "d5 01 ff 01")
    }
}

@Suite struct WriterTimestampTests {
    @Test(arguments: [
        (0, 0, "d6 ff 00 00 00 00"),
        (1, 0, "d6 ff 00 00 00 01"),
        (1_700_000_000, 0, "d6 ff 65 53 f1 00"),
        (4_294_967_295, 0, "d6 ff ff ff ff ff"),
        (4_294_967_296, 0, "d7 ff 00 00 00 01 00 00 00 00"),
        (0, 1, "d7 ff 00 00 00 04 00 00 00 00"),
        (1, 500_000_000, "d7 ff 77 35 94 00 00 00 00 01"),
        (17_179_869_183, 999_999_999, "d7 ff ee 6b 27 ff ff ff ff ff"),
        (17_179_869_184, 0, "c7 0c ff 00 00 00 00 00 00 00 04 00 00 00 00"),
        (-1, 0, "c7 0c ff 00 00 00 00 ff ff ff ff ff ff ff ff"),
        (-1, 999_999_999, "c7 0c ff 3b 9a c9 ff ff ff ff ff ff ff ff ff"),
        (Int64.min, 0, "c7 0c ff 00 00 00 00 80 00 00 00 00 00 00 00"),
        (Int64.max, 999_999_999, "c7 0c ff 3b 9a c9 ff 7f ff ff ff ff ff ff ff"),
    ] as [(Int64, UInt32, String)])
    func picksTheShortestTimestampWidth(_ seconds: Int64, _ nanoseconds: UInt32, _ expected: String) {
        let ts = MessagePackTimestamp(seconds: seconds, nanoseconds: nanoseconds)
        #expect(hexString(written { $0.write(ts) }) == expected)
        #expect(hexString(MessagePackValue.timestamp(ts).encoded()) == expected)
        #expect(ts.payloadByteCount == hex(expected).count - (hex(expected).count == 15 ? 3 : 2))
    }
}

@Suite struct WriterBufferTests {
    @Test func growsFromASmallCapacityWithoutLosingBytes() {
        var writer = MessagePackWriter(capacity: 1)
        var expected: [UInt8] = []
        for i in 0..<1000 {
            writer.write(Int64(i))
            expected += MessagePackValue.int(Int64(i)).encoded()
        }
        #expect(writer.byteCount == expected.count)
        #expect(writer.bytes == expected)
        #expect(writer.finish() == expected)
    }

    @Test func removeAllKeepsTheWriterUsable() {
        var writer = MessagePackWriter()
        writer.write("abc")
        writer.removeAll()
        #expect(writer.byteCount == 0)
        writer.write(true)
        #expect(writer.finish() == [0xc3])
    }

    @Test func writesRawBytesUnchanged() {
        var writer = MessagePackWriter()
        writer.writeRawBytes([0x92, 0x01])
        [UInt8]([0x02]).withUnsafeBytes { writer.writeRawBytes($0) }
        writer.writeRawBytes([])
        let inspected = writer.withUnsafeBytes { Array($0) }
        #expect(inspected == [0x92, 0x01, 0x02])
        #expect(writer.finish() == [0x92, 0x01, 0x02])
    }

    @Test func anEmptyWriterFinishesEmpty() {
        let writer = MessagePackWriter()
        #expect(writer.finish() == [])
    }

    @Test func reserveCapacityDoesNotWrite() {
        var writer = MessagePackWriter(capacity: 16)
        writer.reserveCapacity(100_000)
        #expect(writer.byteCount == 0)
        writer.writeBinary(pattern(70_000))
        #expect(writer.byteCount == 70_005)
    }
}

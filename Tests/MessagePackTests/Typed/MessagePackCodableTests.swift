// SPDX-License-Identifier: Apache-2.0
import MessagePack
import Testing

/// A model with a hand-written typed conformance, next to its synthesized Codable one.
fileprivate struct Account: Codable, Equatable, MessagePackCodable {
    var id: Int
    var owner: String
    var balance: Double
    var tags: [String]
    var closed: Bool?

    func encode(to writer: inout MessagePackWriter) {
        writer.writeMapHeader(count: closed == nil ? 4 : 5)
        writer.encode(id, key: "id")
        writer.encode(owner, key: "owner")
        writer.encode(balance, key: "balance")
        writer.encode(tags, key: "tags")
        if let closed {
            writer.encode(closed, key: "closed")
        }
    }

    init(id: Int, owner: String, balance: Double, tags: [String], closed: Bool? = nil) {
        self.id = id
        self.owner = owner
        self.balance = balance
        self.tags = tags
        self.closed = closed
    }

    init(from reader: inout MessagePackReader) throws(MessagePackError) {
        var id: Int?, owner: String?, balance: Double?, tags: [String]?, closed: Bool?
        for _ in 0..<(try reader.readMapHeader()) {
            switch try reader.readKey() {
            case "id": id = try reader.decode(Int.self, key: "id")
            case "owner": owner = try reader.decode(String.self, key: "owner")
            case "balance": balance = try reader.decode(Double.self, key: "balance")
            case "tags": tags = try reader.decode([String].self, key: "tags")
            case "closed": closed = try reader.decode(Bool?.self, key: "closed")
            default: try reader.skipValue()
            }
        }
        self.id = try reader.required(id, "id", in: "Account")
        self.owner = try reader.required(owner, "owner", in: "Account")
        self.balance = try reader.required(balance, "balance", in: "Account")
        self.tags = try reader.required(tags, "tags", in: "Account")
        self.closed = closed
    }
}

@Suite struct TypedFastPathTests {
    fileprivate let sample = Account(id: 300, owner: "Ada Lovelace, Countess of Lovelace", balance: 2.5, tags: ["a", "vip"])

    @Test func writesTheSameBytesAsTheCodableEncoder() throws {
        #expect(sample.messagePackBytes() == (try MessagePackEncoder().encode(sample)))
        let closed = Account(id: -1, owner: "", balance: -0.0, tags: [], closed: true)
        #expect(closed.messagePackBytes() == (try MessagePackEncoder().encode(closed)))
    }

    @Test func writesExactBytes() {
        struct Point: MessagePackEncodable {
            var x: Int, y: Int
            func encode(to writer: inout MessagePackWriter) {
                writer.writeMapHeader(count: 2)
                writer.encode(x, key: "x")
                writer.encode(y, key: "y")
            }
        }
        #expect(Point(x: 1, y: -33).messagePackBytes() == hex("82 a1 78 01 a1 79 d0 df"))
    }

    @Test func roundTripsAndMatchesTheCodableDecoder() throws {
        let bytes = sample.messagePackBytes()
        #expect(try Account(messagePack: bytes) == sample)
        #expect(try MessagePackDecoder().decode(Account.self, from: bytes) == sample)
    }

    @Test func acceptsKeysInAnyOrderAndSkipsUnknownOnes() throws {
        let value: MessagePackValue = [
            "extra": ["nested": [1, 2, 3]], "tags": [], "balance": 1.0, "owner": "x", "id": 7,
        ]
        #expect(try Account(messagePack: value.encoded()) == Account(id: 7, owner: "x", balance: 1, tags: []))
    }

    @Test func missingKeyIsATypedErrorNamingTheKey() {
        let bytes = (["id": 1, "owner": "x", "tags": []] as MessagePackValue).encoded()
        let error = #expect(throws: MessagePackError.self) { try Account(messagePack: bytes) }
        #expect(error?.code == .typeMismatch)
        #expect(error?.detail.contains("\"balance\"") == true)
    }

    @Test func wrongTypeReportsThePathAndOffset() {
        // {"id": 1, "owner": "x", "balance": 1.0, "tags": ["a", 5]}
        let bytes = (["id": 1, "owner": "x", "balance": 1.0, "tags": ["a", 5]] as MessagePackValue).encoded()
        let error = #expect(throws: MessagePackError.self) { try Account(messagePack: bytes) }
        #expect(error?.code == .typeMismatch)
        #expect(error?.path.description == "$.tags[1]")
        #expect(error?.byteOffset == bytes.count - 1)
    }

    @Test func trailingBytesAreRejected() {
        let bytes = sample.messagePackBytes() + [0xc0]
        let error = #expect(throws: MessagePackError.self) { try Account(messagePack: bytes) }
        #expect(error?.code == .trailingBytes)
        #expect(error?.byteOffset == bytes.count - 1)
    }

    @Test func everyPrefixIsTruncated() {
        let bytes = sample.messagePackBytes()
        for cut in 0..<bytes.count {
            let error = #expect(throws: MessagePackError.self) { try Account(messagePack: bytes[..<cut]) }
            #expect(error?.code == .truncated, "cut at \(cut)")
        }
    }

    @Test func integersOutsideTheTargetTypeAreRejected() {
        let error = #expect(throws: MessagePackError.self) { try Int32(messagePack: hex("cf 00 00 00 01 00 00 00 00")) }
        #expect(error?.code == .typeMismatch)
        #expect((try? Int32(messagePack: hex("d2 80 00 00 00"))) == Int32.min)
    }

    @Test(arguments: [Int64.min, -33, -32, -1, 0, 127, 128, 255, 256, 65535, 65536, Int64(UInt32.max) + 1, Int64.max])
    func integersRoundTripAtEveryWidth(_ value: Int64) throws {
        #expect(try Int64(messagePack: value.messagePackBytes()) == value)
        #expect(try [Int64](messagePack: [value, value].messagePackBytes()) == [value, value])
        var writer = MessagePackWriter()
        writer.write(value)
        let expected = writer.finish()
        #expect(value.messagePackBytes() == expected)
    }

    @Test func optionalsAndDictionaries() throws {
        let values: [Int?] = [1, nil, 3]
        #expect(values.messagePackBytes() == hex("93 01 c0 03"))
        #expect(try [Int?](messagePack: hex("93 01 c0 03")) == values)
        // Dictionary keys are sorted, as MessagePackEncoder sorts them.
        #expect(["b": 2, "a": 1].messagePackBytes() == hex("82 a1 61 01 a1 62 02"))
    }
}

@Suite struct KeyMatchingTests {
    @Test func matchesOnlyTheExactBytes() throws {
        try hex("a2 69 64").withUnsafeBytes { raw in
            var reader = MessagePackReader(raw)
            let key = try reader.readKey()
            #expect(key.matches("id"))
            #expect(!key.matches("i"))
            #expect(!key.matches("idx"))
            #expect(!key.matches("ID"))
            #expect(key.string == "id")
        }
    }
}

@Suite struct StringFastPathTests {
    /// Every length around the small-copy boundaries (1–3, 4–7, 8–16, longer) and the str header boundaries.
    @Test(arguments: Array(0...40) + [255, 256, 65535, 65536])
    func writesAndReadsStringsOfEveryLength(_ length: Int) throws {
        let text = String((0..<length).map { i in Character(Unicode.Scalar(UInt8(97 + i % 26))) })
        var writer = MessagePackWriter(capacity: 1)
        writer.write(text)
        let bytes = writer.finish()
        let header: [UInt8] =
            length < 32 ? [0xa0 | UInt8(length)]
            : length <= 255 ? [0xd9, UInt8(length)]
            : length <= 65535 ? [0xda, UInt8(length >> 8), UInt8(length & 0xff)]
            : [0xdb, 0, UInt8(length >> 16), UInt8((length >> 8) & 0xff), UInt8(length & 0xff)]
        #expect(bytes == header + Array(text.utf8))
        #expect(try String(messagePack: bytes) == text)
    }

    /// The decoder's own UTF-8 check agrees with the standard library's on well-formed and broken input.
    @Test func utf8ValidationAgreesWithTheStandardLibrary() throws {
        var rng = SystemRandomNumberGenerator()
        let pieces: [[UInt8]] = [
            Array("a".utf8), Array("é".utf8), Array("€".utf8), Array("😀".utf8), [0x80], [0xc0, 0x80], [0xc2],
            [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5], [0xff], [0xef, 0xbf, 0xbd],
            Array("abcdefghijklmnop".utf8),
        ]
        for _ in 0..<2_000 {
            var payload: [UInt8] = []
            for _ in 0..<Int.random(in: 0...6, using: &rng) { payload += pieces.randomElement(using: &rng)! }
            var writer = MessagePackWriter()
            writer.writeStringHeader(byteCount: payload.count)
            writer.writeRawBytes(payload)
            let bytes = writer.finish()
            let expected = payload.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) }
            do {
                let decoded = try String(messagePack: bytes)
                #expect(decoded == expected, "\(payload)")
            } catch {
                #expect(expected == nil, "\(payload) was rejected but is valid UTF-8")
                #expect(error.code == .invalidUTF8)
            }
        }
    }
}

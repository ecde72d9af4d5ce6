// SPDX-License-Identifier: Apache-2.0
#if Macros
import Foundation
import PortableWireMacros
import PropertyBased
import Testing
import TestSupport

/// The macro's conformances against the synthesized `Codable` ones, through `MessagePackEncoder`/`Decoder`:
/// the same bytes for random values, the same verdicts and values for bytes the macro did not write (keys
/// shuffled, unknown and repeated keys added, every prefix cut, maps packed by Python's msgpack).
@Suite struct CodableEquivalenceTests {
    let encoder = MessagePackEncoder()
    let decoder = MessagePackDecoder()

    @Test func randomValuesEncodeToCodablesBytesAndDecodeBothWays() async {
        await propertyCheck(count: 500, input: Gen.int(in: 0...Int.max)) { seed in
            var random = SplitMix(seed: UInt64(seed))
            let value = Everything.random(&random)
            let macroBytes = value.messagePackBytes()
            let codableBytes = try encoder.encode(value)
            #expect(macroBytes == codableBytes, "seed \(seed)")
            #expect(try Everything(messagePack: codableBytes) == value)
            #expect(try decoder.decode(Everything.self, from: macroBytes) == value)
        }
    }

    @Test func classesAndSmallShapesMatchCodable() throws {
        var random = SplitMix(seed: 7)
        for _ in 0..<300 {
            let account = Account.random(&random, depth: 3)
            #expect(account.messagePackBytes() == (try encoder.encode(account)))
            #expect(try Account(messagePack: account.messagePackBytes()) == account)
            let vehicle = Vehicle(wheels: random.int(in: -5...70_000), label: random.bool() ? random.string() : nil)
            #expect(vehicle.messagePackBytes() == (try encoder.encode(vehicle)))
            #expect(try Vehicle(messagePack: vehicle.messagePackBytes()) == vehicle)
            let partly = PartlyCoded(kept: random.int(in: -1000...1000), skipped: "changed", other: random.bool() ? [1, 2] : nil)
            #expect(partly.messagePackBytes() == (try encoder.encode(partly)))
            let back = try PartlyCoded(messagePack: partly.messagePackBytes())
            #expect(back.skipped == "default" && back.kept == partly.kept && back.other == partly.other)
            #expect(try decoder.decode(PartlyCoded.self, from: partly.messagePackBytes()) == back)
        }
        #expect(Empty().messagePackBytes() == [0x80])
        #expect(try encoder.encode(Empty()) == [0x80])
        #expect(try Empty(messagePack: hex("81 a1 61 01")) == Empty())
    }

    /// Maps rewritten at every level: entries shuffled, unknown str keys and repeated keys
    /// added. Both decoders must agree: the same value, or both reject.
    @Test func reorderedMapsWithUnknownAndRepeatedKeysDecodeAlike() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...Int.max)) { seed in
            var random = SplitMix(seed: UInt64(seed))
            let value = Everything.random(&random)
            let tree = try MessagePackValue(decoding: value.messagePackBytes())
            // Shuffling alone keeps the value.
            let shuffled = tree.rewritingMaps(&random, extraKeys: false, repeats: false).encoded()
            #expect(try Everything(messagePack: shuffled) == value, "seed \(seed)")
            #expect(try decoder.decode(Everything.self, from: shuffled) == value, "seed \(seed)")
            // Extra and repeated keys may change dictionaries' contents; the two routes must still agree.
            let noisy = tree.rewritingMaps(&random, extraKeys: true, repeats: true).encoded()
            let viaMacro = Result { try Everything(messagePack: noisy) }
            let viaCodable = Result { try decoder.decode(Everything.self, from: noisy) }
            switch (viaMacro, viaCodable) {
            case (.success(let a), .success(let b)): #expect(a == b, "seed \(seed)")
            case (.failure, .failure): break
            case (.success, .failure(let e)): Issue.record("seed \(seed): only Codable rejected: \(e)")
            case (.failure(let e), .success): Issue.record("seed \(seed): only the macro rejected: \(e)")
            }
        }
    }

    @Test func everyPrefixIsRejectedByBoth() throws {
        // Three values of about a kilobyte each: every cut decodes through both routes (slow in debug builds).
        var random = SplitMix(seed: 42)
        for _ in 0..<3 {
            let bytes = Everything.random(&random).messagePackBytes()
            for cut in 0..<bytes.count {
                let prefix = Array(bytes[..<cut])
                let error = #expect(throws: MessagePackError.self) { try Everything(messagePack: prefix) }
                #expect(error?.code == .truncated, "cut at \(cut)")
                #expect(throws: (any Error).self) { try decoder.decode(Everything.self, from: prefix) }
            }
        }
    }

    /// Python's msgpack unpacks the Codable bytes, shuffles every dict and packs again (its own encoder, its own
    /// choice of forms: floats as float64, for one); both decoders must give the value back.
    @Test func mapsPackedByPythonDecodeAlike() throws {
        guard let python = which("python3") else {
            Issue.record("python3 is needed for this test")
            return
        }
        var random = SplitMix(seed: 2026)
        let values = (0..<200).map { _ in Everything.random(&random) }
        var input: [UInt8] = []
        for value in values {
            let bytes = try encoder.encode(value)
            input += withUnsafeBytes(of: UInt32(bytes.count).bigEndian, Array.init) + bytes
        }
        let script = """
            import msgpack, random, struct, sys
            random.seed(5)
            data = sys.stdin.buffer.read()
            def shuffle(v):
                if isinstance(v, dict):
                    items = [(k, shuffle(x)) for k, x in v.items()]
                    random.shuffle(items)
                    return dict(items)
                if isinstance(v, list):
                    return [shuffle(x) for x in v]
                return v
            out = bytearray()
            i = 0
            while i < len(data):
                (n,) = struct.unpack(">I", data[i:i + 4])
                value = msgpack.unpackb(data[i + 4:i + 4 + n], raw=False, strict_map_key=False)
                packed = msgpack.packb(shuffle(value), use_bin_type=True)
                out += struct.pack(">I", len(packed)) + packed
                i += 4 + n
            sys.stdout.buffer.write(out)
            """
        let result = try runCommand(python, ["-c", script], input: input)
        #expect(result.status == 0, "\(result.stderr)")
        var offset = 0
        var index = 0
        var reordered = 0
        while offset + 4 <= result.stdout.count {
            let n = result.stdout[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let bytes = Array(result.stdout[(offset + 4)..<(offset + 4 + n)])
            let value = values[index]
            if bytes != (try encoder.encode(value)) { reordered += 1 }
            #expect(try Everything(messagePack: bytes) == value, "value \(index)")
            #expect(try decoder.decode(Everything.self, from: bytes) == value, "value \(index)")
            offset += 4 + n
            index += 1
        }
        #expect(index == values.count)
        #expect(reordered > values.count / 2, "Python's bytes should mostly differ from ours")
    }

    @Test func integerKeysInAStructMapAreSkippedLikeCodable() throws {
        // {1: "x", "key": "k", 2: [1], "value": 2.5}
        let bytes = hex("84 01 a1 78 a3 6b 65 79 a1 6b 02 91 01 a5 76 61 6c 75 65 cb 40 04 00 00 00 00 00 00")
        let expected = Leaf(key: "k", value: 2.5)
        #expect(try Leaf(messagePack: bytes) == expected)
        #expect(try decoder.decode(Leaf.self, from: bytes) == expected)
    }

    @Test func integersAsFloatsAndNarrowIntegersFollowCodablesRules() throws {
        // {"key": "a", "value": 3}: an integer where a Double is asked for, converted exactly.
        let leaf = hex("82 a3 6b 65 79 a1 61 a5 76 61 6c 75 65 03")
        #expect(try Leaf(messagePack: leaf) == Leaf(key: "a", value: 3))
        #expect(try decoder.decode(Leaf.self, from: leaf) == Leaf(key: "a", value: 3))
        // uint64 2^53 + 1 cannot be a Double exactly: both reject.
        let inexact = hex("82 a3 6b 65 79 a1 61 a5 76 61 6c 75 65 cf 00 20 00 00 00 00 00 01")
        #expect(throws: MessagePackError.self) { try Leaf(messagePack: inexact) }
        #expect(throws: (any Error).self) { try decoder.decode(Leaf.self, from: inexact) }
        // Level is an Int raw value: 70000 (uint32) decodes, 7 is no case.
        #expect(try Level(messagePack: hex("ce 00 01 11 70")) == .high)
        let error = #expect(throws: MessagePackError.self) { try Level(messagePack: hex("07")) }
        #expect(error?.code == .typeMismatch)
        #expect(error?.byteOffset == 0)
        #expect(throws: (any Error).self) { try decoder.decode(Level.self, from: hex("07")) }
    }

    @Test func payloadEnumsNeedExactlyOneKnownCaseKey() throws {
        // {"empty": {}, "junk": 1} decodes (unknown keys are not counted) ...
        let withJunk = hex("82 a5 65 6d 70 74 79 80 a4 6a 75 6e 6b 01")
        #expect(try Shape(messagePack: withJunk) == .empty)
        #expect(try decoder.decode(Shape.self, from: withJunk) == .empty)
        // ... two case keys or none do not.
        for bad in ["82 a5 65 6d 70 74 79 80 a5 65 6d 70 74 79 80", "80", "81 a4 6a 75 6e 6b 80"] {
            let error = #expect(throws: MessagePackError.self) { try Shape(messagePack: hex(bad)) }
            #expect(error?.code == .typeMismatch, "\(bad)")
            #expect(throws: (any Error).self) { try decoder.decode(Shape.self, from: hex(bad)) }
        }
        // {"rect": {"_1": 2.0, "_0": 1.0}}: payload keys in any order.
        let rect = hex("81 a4 72 65 63 74 82 a2 5f 31 cb 40 00 00 00 00 00 00 00 a2 5f 30 cb 3f f0 00 00 00 00 00 00")
        #expect(try Shape(messagePack: rect) == .rect(1, 2))
        #expect(try decoder.decode(Shape.self, from: rect) == .rect(1, 2))
    }

    @Test func errorsNameTheOffsetAndThePath() throws {
        // {"key": "a", "value": "x"}: a str where a Double is expected, at offset 13.
        let bytes = hex("82 a3 6b 65 79 a1 61 a5 76 61 6c 75 65 a1 78")
        let error = #expect(throws: MessagePackError.self) { try Leaf(messagePack: bytes) }
        #expect(error?.code == .typeMismatch)
        #expect(error?.byteOffset == 13)
        #expect(error?.path.description.contains("value") == true)

        // A missing required key names the key and the type.
        let missing = #expect(throws: MessagePackError.self) { try Leaf(messagePack: hex("81 a5 76 61 6c 75 65 c0")) }
        #expect(missing?.description.contains("\"key\"") == true)
        #expect(missing?.description.contains("Leaf") == true)

        // Deeper: {"circle": {"radius": true}} names circle.radius.
        let shape = hex("81 a6 63 69 72 63 6c 65 81 a6 72 61 64 69 75 73 c3")
        let nested = #expect(throws: MessagePackError.self) { try Shape(messagePack: shape) }
        #expect(nested?.byteOffset == 16)
        #expect(nested?.path.description.contains("circle") == true)
        #expect(nested?.path.description.contains("radius") == true)

        // In an array: children[1].key is 5.
        var fixed = SplitMix(seed: 99)
        var value = Everything.random(&fixed)
        value.children = [Leaf(key: "a", value: nil), Leaf(key: "b", value: nil)]
        var tree = try MessagePackValue(decoding: value.messagePackBytes())
        tree = tree.replacingStringValue("b", with: .int(5))
        let bad = tree.encoded()
        let deep = #expect(throws: MessagePackError.self) { try Everything(messagePack: bad) }
        #expect(deep?.path.description.contains("children") == true)
        #expect(deep?.path.description.contains("1") == true)
        #expect(deep.map { bad[$0.byteOffset] } == 0x05)
    }

    @Test func nilAndAbsentOptionalsDecodeAsNil() throws {
        // {"key": "a"} and {"key": "a", "value": nil}
        for bytes in ["81 a3 6b 65 79 a1 61", "82 a3 6b 65 79 a1 61 a5 76 61 6c 75 65 c0"] {
            #expect(try Leaf(messagePack: hex(bytes)) == Leaf(key: "a", value: nil))
            #expect(try decoder.decode(Leaf.self, from: hex(bytes)) == Leaf(key: "a", value: nil))
        }
        // nil where a non-optional is needed is rejected by both.
        let nilKey = hex("81 a3 6b 65 79 c0")
        #expect(throws: MessagePackError.self) { try Leaf(messagePack: nilKey) }
        #expect(throws: (any Error).self) { try decoder.decode(Leaf.self, from: nilKey) }
    }
}

// MARK: Random values

/// TestSupport's seeded generator (SplitMix64), so a failing seed can be replayed.
typealias SplitMix = SeededGenerator

extension SeededGenerator {
    mutating func int(in range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func bool() -> Bool { Bool.random(using: &self) }
    /// Integers spread over every MessagePack width.
    mutating func wideInt() -> Int64 {
        switch int(in: 0...5) {
        case 0: return Int64(int(in: -32...127))
        case 1: return Int64(int(in: -200...300))
        case 2: return Int64(int(in: -70_000...70_000))
        case 3: return Int64(int(in: Int(Int32.min)...Int(UInt32.max)))
        default: return Int64.random(in: .min ... .max, using: &self)
        }
    }
    mutating func double() -> Double {
        switch int(in: 0...3) {
        case 0: return Double(int(in: -100...100))
        case 1: return [0.0, -0.0, .infinity, -.infinity, .ulpOfOne, .greatestFiniteMagnitude][int(in: 0...5)]
        default: return Double.random(in: -1e12...1e12, using: &self)
        }
    }
    mutating func string() -> String {
        let alphabet = Array("abcXYZ019 _-é✓\u{1F600}\"\\\n")
        let length = [0, 1, 5, 15, 16, 31, 32, 40, 300][int(in: 0...8)]
        return String((0..<length).map { _ in alphabet[int(in: 0...(alphabet.count - 1))] })
    }
    mutating func array<T>(_ max: Int, _ element: (inout SplitMix) -> T) -> [T] {
        (0..<int(in: 0...max)).map { _ in element(&self) }
    }
    mutating func maybe<T>(_ element: (inout SplitMix) -> T) -> T? { bool() ? element(&self) : nil }
}

extension Leaf {
    static func random(_ r: inout SplitMix) -> Leaf { Leaf(key: r.string(), value: r.maybe { $0.double() }) }
}

extension Shape {
    static func random(_ r: inout SplitMix) -> Shape {
        switch r.int(in: 0...4) {
        case 0: return .circle(radius: r.double())
        case 1: return .rect(r.double(), r.double())
        case 2: return .labelled(r.string(), width: Int(r.wideInt()), note: r.maybe { $0.string() })
        case 3: return .empty
        default: return .renamed(Leaf.random(&r))
        }
    }
}

extension Account {
    static func random(_ r: inout SplitMix, depth: Int) -> Account {
        Account(owner: r.string(), balance: Int(r.wideInt()), next: depth > 0 && r.bool() ? random(&r, depth: depth - 1) : nil)
    }
}

extension Everything {
    static func random(_ r: inout SplitMix) -> Everything {
        Everything(
            id: Int(r.wideInt()), name: r.string(), nickname: r.maybe { $0.string() }, score: r.double(),
            ratio: Float(r.int(in: -1000...1000)) / 8, active: r.bool(), small: Int8(truncatingIfNeeded: r.wideInt()),
            medium: Int16(truncatingIfNeeded: r.wideInt()), wide: Int32(truncatingIfNeeded: r.wideInt()),
            big: r.wideInt(), byte: UInt8(truncatingIfNeeded: r.wideInt()), port: UInt16(truncatingIfNeeded: r.wideInt()),
            count: UInt32(truncatingIfNeeded: r.wideInt()), huge: UInt64(bitPattern: r.wideInt()),
            word: UInt(truncatingIfNeeded: r.wideInt()), blob: r.array(40) { UInt8(truncatingIfNeeded: $0.next()) },
            maybeBlob: r.maybe { $0.array(3) { _ in 7 } }, tags: r.array(20) { $0.string() },
            samples: r.array(5) { $0.double() }, flags: Set(r.array(6) { Int($0.wideInt()) }),
            counters: Dictionary(r.array(20) { ($0.string(), Int($0.wideInt())) }, uniquingKeysWith: { a, _ in a }),
            children: r.array(4) { Leaf.random(&$0) }, favourite: r.maybe { Leaf.random(&$0) },
            color: Color.allCases[r.int(in: 0...2)], level: r.maybe { Level.allCases[$0.int(in: 0...2)] },
            shape: Shape.random(&r), shapes: r.array(3) { Shape.random(&$0) },
            nested: Dictionary(r.array(3) { ($0.string(), $0.array(2) { Leaf.random(&$0) }) }, uniquingKeysWith: { a, _ in a }),
            optionalTags: r.array(4) { $0.maybe { $0.string() } })
    }
}

// MARK: Rewriting trees

extension MessagePackValue {
    /// The same tree with every map's entries shuffled; optionally with unknown keys (strs that no model uses)
    /// and repeats of existing keys (with another value) added after the originals.
    func rewritingMaps(_ r: inout SplitMix, extraKeys: Bool, repeats: Bool) -> MessagePackValue {
        switch self {
        case .array(let elements): return .array(elements.map { $0.rewritingMaps(&r, extraKeys: extraKeys, repeats: repeats) })
        case .map(let entries):
            var rewritten = entries.map { ($0.key, $0.value.rewritingMaps(&r, extraKeys: extraKeys, repeats: repeats)) }
            rewritten.shuffle(using: &r)
            if extraKeys {
                for i in 0..<r.int(in: 0...2) {
                    let noise: MessagePackValue = [.int(Int64(i)), .string("noise"), .array([.nil, .bool(true)]), .map([])][r.int(in: 0...3)]
                    rewritten.insert((.string("zz-unknown-\(i)"), noise), at: r.int(in: 0...rewritten.count))
                }
            }
            if repeats, let first = rewritten.first, r.bool() {
                rewritten.append((first.0, .string("repeated")))
            }
            return .map(rewritten)
        default: return self
        }
    }

    /// The same tree with the first str equal to `text` (outside map keys) replaced by `replacement`.
    func replacingStringValue(_ text: String, with replacement: MessagePackValue) -> MessagePackValue {
        var done = false
        func walk(_ v: MessagePackValue) -> MessagePackValue {
            if done { return v }
            switch v {
            case .string(let s) where s == text:
                done = true
                return replacement
            case .array(let a): return .array(a.map(walk))
            case .map(let m): return .map(m.map { ($0.key, walk($0.value)) })
            default: return v
            }
        }
        return walk(self)
    }
}
#endif

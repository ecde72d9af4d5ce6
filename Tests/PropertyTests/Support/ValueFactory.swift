// SPDX-License-Identifier: Apache-2.0
import PortableWire
import TestSupport

/// Builds random values from a seed: every plain kind of Spec/format.md section 3 with a bias toward the
/// edges of the wire formats (fix/8/16/32-bit boundaries, NaN payloads, -0.0, infinities, non-ASCII and
/// non-normalized strings, reserved ext types, all three timestamp forms), maps with non-str and repeated
/// keys, and, given a pool, portable objects at any place, keys included.
struct ValueFactory {
    var rng: SeededGenerator
    /// Ext types never produced as plain ext values (the portable ones, for trees a portable encoder writes).
    var excludedExtTypes: Set<Int8> = []
    /// Whether payloads and strs may cross the 16-bit length boundary (64 KiB and more).
    var allowsLarge = false
    /// Values left before the factory only makes scalars, so trees stay small.
    var budget = 60

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    // MARK: Dice

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < probability }
    mutating func pick<T>(_ choices: [T]) -> T { choices[int(0...(choices.count - 1))] }
    mutating func byte() -> UInt8 { UInt8.random(in: 0...255, using: &rng) }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in byte() } }

    /// A length near one of the boundaries where the wire format changes (fix form, 8, 16, 32 bits).
    mutating func length(fixLimit: Int) -> Int {
        switch int(0...9) {
        case 0...4: return int(0...6)
        case 5: return int(max(0, fixLimit - 2)...(fixLimit + 2))
        case 6: return int(250...260)
        case 7: return allowsLarge && chance(0.3) ? int(65_533...65_539) : int(0...40)
        default: return int(0...40)
        }
    }

    // MARK: Scalars

    static let interestingIntegers: [Int64] = [
        0, 1, 31, 32, 127, 128, 255, 256, 65_535, 65_536, 4_294_967_295, 4_294_967_296, .max, -1, -31, -32, -33, -127,
        -128, -129, -32_767, -32_768, -32_769, -2_147_483_647, -2_147_483_648, -2_147_483_649, .min, .min + 1,
    ]

    mutating func integer() -> PortableValue {
        switch int(0...5) {
        case 0, 1: return .int(pick(Self.interestingIntegers))
        case 2: return .int(Int64(int(-40...300)))
        case 3: return .int(Int64.random(in: .min ... .max, using: &rng) >> int(0...63))
        case 4: return .uint(UInt64(Int64.max) + UInt64.random(in: 1...UInt64(Int64.max) + 1, using: &rng))
        default: return .uint(UInt64(pick([0, 1, 127, 128, 255, 65_536, UInt64(Int64.max), UInt64.max])))
        }
    }

    mutating func float32() -> Float {
        switch int(0...4) {
        case 0:
            return pick([
                0, -0.0, .infinity, -.infinity, .nan, Float(bitPattern: 0x7f80_0001), Float(bitPattern: 0xffc1_2345),
                Float(bitPattern: 1), .greatestFiniteMagnitude, .leastNormalMagnitude, 1, -1.5,
            ])
        case 1, 2: return Float(bitPattern: UInt32.random(in: 0 ... .max, using: &rng))
        default: return Float.random(in: -1e6...1e6, using: &rng)
        }
    }

    mutating func float64() -> Double {
        switch int(0...4) {
        case 0:
            return pick([
                0, -0.0, .infinity, -.infinity, .nan, Double(bitPattern: 0x7ff0_0000_0000_0001),
                Double(bitPattern: 0xfff8_dead_beef_0001), Double(bitPattern: 1), .greatestFiniteMagnitude, 1, -1.5,
                0.1, 1e300,
            ])
        case 1, 2: return Double(bitPattern: UInt64.random(in: 0 ... .max, using: &rng))
        default: return Double.random(in: -1e12...1e12, using: &rng)
        }
    }

    /// Pieces strings are made of: ASCII, escapes, U+0000, 2-, 3- and 4-byte scalars, a combining mark after
    /// "e" (not normalized), U+FEFF, noncharacters, the last scalar, a ZWJ emoji sequence.
    static let stringPieces: [String] = [
        "a", "Z", "0", " ", "_", "\"", "\\", "\n", "\u{0}", "\u{1f}", "\u{7f}", "é", "e\u{301}", "ß", "Ω", "€", "日本",
        "\u{FEFF}", "\u{FFFF}", "\u{FFFE}", "\u{D7FF}", "\u{E000}", "\u{10FFFF}", "😀", "👩‍👩‍👧", "x.y", "app.Node",
    ]

    /// A string whose UTF-8 length is close to `byteCount`.
    mutating func string(byteCount: Int) -> String {
        var s = ""
        var n = 0
        while n < byteCount {
            let piece = chance(0.5) ? String(UnicodeScalar(UInt8(int(0x20...0x7e)))) : pick(Self.stringPieces)
            s += piece
            n += piece.utf8.count
        }
        return s
    }

    mutating func string() -> String { string(byteCount: length(fixLimit: 31)) }
    mutating func shortString() -> String { string(byteCount: int(0...8)) }

    mutating func extensionValue() -> PortableValue {
        var type: Int8
        repeat {
            type = chance(0.2) ? Int8(truncatingIfNeeded: pick([-128, -2, 0, 1, 5, 127, 71, 80, 81, 82])) : Int8.random(in: .min ... .max, using: &rng)
        } while type == -1 || excludedExtTypes.contains(type)
        let count = chance(0.5) ? pick([0, 1, 2, 3, 4, 5, 8, 12, 15, 16, 17]) : length(fixLimit: 16)
        return .extension(type, bytes(count))
    }

    static let interestingSeconds: [Int64] = [
        0, 1, 4_294_967_295, 4_294_967_296, 17_179_869_183, 17_179_869_184, -1, .min, .max, 1_700_000_000,
    ]

    mutating func timestamp() -> MessagePackTimestamp {
        let seconds = chance(0.6) ? pick(Self.interestingSeconds) : Int64.random(in: .min ... .max, using: &rng) >> int(0...63)
        let nanoseconds: UInt32 = chance(0.4) ? 0 : (chance(0.3) ? 999_999_999 : UInt32.random(in: 0...999_999_999, using: &rng))
        return MessagePackTimestamp(seconds: seconds, nanoseconds: nanoseconds)
    }

    mutating func scalar() -> PortableValue {
        switch int(0...12) {
        case 0: return .nil
        case 1: return .bool(chance(0.5))
        case 2, 3: return integer()
        case 4: return .float(float32())
        case 5: return .double(float64())
        case 6, 7: return .string(string())
        case 8: return .binary(bytes(length(fixLimit: 8)))
        case 9: return extensionValue()
        case 10: return .timestamp(timestamp())
        default: return integer()
        }
    }

    // MARK: Trees

    /// A random value of at most `depth` container levels; with a non-empty pool, objects appear at random
    /// places (array elements, map keys and values).
    mutating func value(depth: Int, objects: [any Portable] = []) -> PortableValue {
        budget -= 1
        if !objects.isEmpty && chance(0.2) { return .object(pick(objects)) }
        guard depth > 0, budget > 0, chance(0.45) else { return scalar() }
        if chance(0.5) {
            let count = chance(0.1) ? int(14...18) : int(0...5)
            return .array((0..<count).map { _ in value(depth: depth - 1, objects: objects) })
        }
        let count = chance(0.1) ? int(14...17) : int(0...4)
        var entries: [(key: PortableValue, value: PortableValue)] = []
        for _ in 0..<count {
            // Keys of every kind, and the same key more than once: a map is an ordered list of pairs.
            let key: PortableValue
            if !entries.isEmpty && chance(0.15) {
                key = pick(entries).key
            } else if chance(0.5) {
                key = .string(string(byteCount: int(0...6)))
            } else {
                key = value(depth: depth - 1, objects: objects)
            }
            entries.append((key, value(depth: depth - 1, objects: objects)))
        }
        return .map(entries)
    }

    /// A plain value; sometimes wrapped in a long chain of containers (up to 80 levels).
    mutating func plainValue(depth: Int = 4) -> MessagePackValue {
        var v = value(depth: depth)
        if chance(0.05) {
            for _ in 0..<int(1...80) { v = chance(0.5) ? .array([v]) : .map([(.nil, v)]) }
        }
        return v.plainValue!
    }

    mutating func point() -> PropPoint {
        PropPoint(
            x: integer().int64Value ?? -7, y: float64(), label: string(), tags: (0..<int(0...3)).map { _ in shortString() },
            flag: chance(0.3) ? nil : chance(0.5))
    }
}

extension PortableValue {
    /// Whether a plain ext value of one of `types` occurs anywhere in the value (objects not looked into).
    func containsExtension(ofType types: Set<Int8>) -> Bool {
        switch self {
        case .extension(let t, _): return types.contains(t)
        case .array(let a): return a.contains { $0.containsExtension(ofType: types) }
        case .map(let m): return m.contains { $0.key.containsExtension(ofType: types) || $0.value.containsExtension(ofType: types) }
        default: return false
        }
    }
}

/// Lowercase hex pairs separated by spaces, as the Spec writes bytes; long inputs are elided in the middle.
func hexDump(_ bytes: some Collection<UInt8>, limit: Int = 600) -> String {
    let digits = Array("0123456789abcdef")
    let all = Array(bytes)
    func render(_ part: ArraySlice<UInt8>) -> String {
        part.map { String([digits[Int($0 >> 4)], digits[Int($0 & 0xf)]]) }.joined(separator: " ")
    }
    if all.count <= limit { return render(all[...]) }
    return render(all[..<(limit / 2)]) + " … (\(all.count) bytes) … " + render(all[(all.count - limit / 2)...])
}

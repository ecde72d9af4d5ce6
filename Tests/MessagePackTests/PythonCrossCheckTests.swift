// SPDX-License-Identifier: Apache-2.0
import Foundation
import MessagePack
import Testing

// Cross-checks the core against an independent implementation: Python's `msgpack` package (PyPI).
// Python packs every value of a table with `msgpack.packb(x, use_bin_type=True)` (float32 through
// `Packer(use_single_float=True)`); the Swift bytes must be identical, and Swift must decode Python's
// bytes to the same value. Non-shortest forms go the other way: Python unpacks and repacks them, and
// Swift must agree on the value. Without python3 or msgpack the tests fail; they never skip.

/// One value, and the same value as a Python expression.
struct CrossCheckCase: Sendable, CustomTestStringConvertible {
    var id: String
    var value: MessagePackValue
    /// A Python expression for the value; generated from `value` unless given (large values).
    var python: String
    /// Pack with `use_single_float=True` (float32 cases).
    var single: Bool
    var testDescription: String { id }

    init(_ id: String, _ value: MessagePackValue, python: String? = nil) {
        self.id = id
        self.value = value
        self.python = python ?? pythonExpression(value)
        if case .float = value { single = true } else { single = false }
    }
}

/// A Python expression denoting `value`, using the helpers `u`, `b`, `f32`, `f64` of the script.
func pythonExpression(_ value: MessagePackValue) -> String {
    switch value {
    case .nil: return "None"
    case .bool(let v): return v ? "True" : "False"
    case .int(let v): return String(v)
    case .uint(let v): return String(v)
    case .float(let v): return "f32(0x\(String(v.bitPattern, radix: 16)))"
    case .double(let v): return "f64(0x\(String(v.bitPattern, radix: 16)))"
    case .string(let s): return "u('\(compactHex(Array(s.utf8)))')"
    case .binary(let bytes): return "b('\(compactHex(bytes))')"
    case .array(let elements): return "[" + elements.map(pythonExpression).joined(separator: ", ") + "]"
    case .map(let entries):
        return "{" + entries.map { pythonExpression($0.key) + ": " + pythonExpression($0.value) }.joined(separator: ", ") + "}"
    case .extension(let type, let data): return "msgpack.ExtType(\(type), b('\(compactHex(data))'))"
    case .timestamp(let t): return "msgpack.Timestamp(\(t.seconds), \(t.nanoseconds))"
    }
}

let crossCheckCases: [CrossCheckCase] = {
    var cases: [CrossCheckCase] = [
        .init("nil", nil), .init("true", true), .init("false", false),
    ]
    for c in integerBoundaries {
        if let v = c.value { cases.append(.init("int \(v)", .int(v))) }
        if let u = c.unsigned { cases.append(.init("uint \(u)", .uint(u))) }
    }
    let doubles: [(String, UInt64)] = [
        ("0.0", 0), ("-0.0", 0x8000_0000_0000_0000), ("1.5", 0x3ff8_0000_0000_0000), ("0.1", 0x3fb9_9999_9999_999a),
        ("nan", 0x7ff8_0000_0000_0000), ("-nan", 0xfff8_0000_0000_0000), ("nan payload", 0x7ff8_0000_0000_0001),
        ("inf", 0x7ff0_0000_0000_0000), ("-inf", 0xfff0_0000_0000_0000), ("subnormal", 1),
        ("max", 0x7fef_ffff_ffff_ffff), ("-1e300", Double(-1e300).bitPattern),
    ]
    for (name, bits) in doubles { cases.append(.init("float64 \(name)", .double(Double(bitPattern: bits)))) }
    let floats: [(String, UInt32)] = [
        ("0.0", 0), ("-0.0", 0x8000_0000), ("1.5", 0x3fc0_0000), ("nan", 0x7fc0_0000), ("nan payload", 0x7fc0_0001),
        ("inf", 0x7f80_0000), ("max", 0x7f7f_ffff), ("subnormal", 1),
    ]
    for (name, bits) in floats { cases.append(.init("float32 \(name)", .float(Float(bitPattern: bits)))) }

    for n in [0, 1, 31, 32, 255, 256, 65535, 65536] {
        cases.append(.init("str \(n)", .string(String(repeating: "x", count: n)), python: "'x' * \(n)"))
    }
    cases.append(.init("str unicode", "héllo 😀 \u{0}\u{7f}"))
    cases.append(.init("str 32 bytes of é", .string(String(repeating: "é", count: 16))))
    for n in [0, 1, 255, 256, 65535, 65536] {
        let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0) }
        cases.append(.init("bin \(n)", .binary(bytes), python: "bytes(i & 0xff for i in range(\(n)))"))
    }
    for n in [0, 1, 15, 16, 65535, 65536] {
        let elements = (0..<n).map { MessagePackValue.int(Int64($0)) }
        cases.append(.init("array \(n)", .array(elements), python: "list(range(\(n)))"))
        let entries = (0..<n).map { (key: MessagePackValue.string(String($0)), value: MessagePackValue.int(Int64($0))) }
        cases.append(.init("map \(n)", .map(entries), python: "{str(i): i for i in range(\(n))}"))
    }
    cases.append(.init("map with other keys", .map([(key: 1, value: "a"), (key: nil, value: [true]), (key: -5, value: .binary([1]))])))
    cases.append(.init("nested", ["a": [1, ["b": [nil, 2.5]]], "c": [[], .map([])]]))
    for n in [0, 1, 2, 3, 4, 8, 16, 17, 255, 256, 65535, 65536] {
        let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 3) }
        cases.append(.init("ext \(n)", .extension(5, bytes), python: "msgpack.ExtType(5, bytes((i * 3) & 0xff for i in range(\(n))))"))
    }
    // Python's ExtType only takes types 0...127, so negative (reserved) types are not cross-checked.
    cases.append(.init("ext type 0", .extension(0, [9])))
    cases.append(.init("ext type 127", .extension(127, [1, 2, 3])))
    let timestamps: [(Int64, UInt32)] = [
        (0, 0), (1, 0), (1_700_000_000, 0), (4_294_967_295, 0), (4_294_967_296, 0), (0, 1), (1, 500_000_000),
        (17_179_869_183, 999_999_999), (17_179_869_184, 0), (-1, 0), (-1, 999_999_999), (Int64.min, 0),
        (Int64.max, 999_999_999),
    ]
    for (s, n) in timestamps {
        cases.append(.init("timestamp \(s) \(n)", .timestamp(MessagePackTimestamp(seconds: s, nanoseconds: n))))
    }
    cases.append(
        .init(
            "appendix A",
            ["id": 7, "name": "Ada", "tags": ["x", "y"], "at": .timestamp(MessagePackTimestamp(seconds: 1_700_000_000))]))
    return cases
}()

/// Non-shortest encodings (no floats: Python would repack a float32 as float64).
let crossCheckNonShortest: [String] = nonShortestCases.map(\.0) + [
    "d1 ff 80", "d2 ff ff ff 80", "d3 ff ff ff ff ff ff ff 80", "cf 00 00 00 00 ff ff ff ff", "d2 00 00 01 00",
    "c7 02 05 01 02", "c8 00 10 05 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f",
    "dc 00 02 cd 00 01 d0 ff", "de 00 02 a1 61 c0 d9 01 62 90", "c8 00 0c ff 00 00 00 01 00 00 00 00 00 00 00 05",
]

/// What the Python side printed, by case id; or why it could not run.
enum PythonRun: Sendable {
    case output([String: [UInt8]])
    case failure(String)

    static let shared: PythonRun = run()

    static func script() -> String {
        var lines = [
            "import struct, sys",
            "try:",
            "    import msgpack",
            "except ImportError as error:",
            "    sys.stderr.write('the Python package msgpack is not installed (pip install msgpack): %s\\n' % error)",
            "    sys.exit(3)",
            "def u(h): return bytes.fromhex(h).decode('utf-8')",
            "def b(h): return bytes.fromhex(h)",
            "def f32(bits): return struct.unpack('>f', bits.to_bytes(4, 'big'))[0]",
            "def f64(bits): return struct.unpack('>d', bits.to_bytes(8, 'big'))[0]",
            "single = msgpack.Packer(use_bin_type=True, use_single_float=True)",
            "def out(cid, data): sys.stdout.write(cid + '\\t' + data.hex() + '\\n')",
            "CASES = [",
        ]
        for c in crossCheckCases {
            lines.append("    (\(pythonString(c.id)), \(c.single ? "True" : "False"), \(c.python)),")
        }
        lines += [
            "]",
            "for cid, is_single, value in CASES:",
            "    out(cid, single.pack(value) if is_single else msgpack.packb(value, use_bin_type=True))",
            "REPACK = [",
        ]
        for h in crossCheckNonShortest { lines.append("    \(pythonString(h)),") }
        lines += [
            "]",
            "for h in REPACK:",
            "    value = msgpack.unpackb(bytes.fromhex(h), raw=False, timestamp=0, strict_map_key=False)",
            "    out('repack ' + h, msgpack.packb(value, use_bin_type=True))",
            "sys.stdout.write('msgpack ' + '.'.join(map(str, msgpack.version)) + '\\tdone\\n')",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    static func pythonString(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "\\'") + "'" }

    static func run() -> PythonRun {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("msgpack-crosscheck-\(UUID().uuidString)")
        do {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? fm.removeItem(at: dir) }
            let scriptURL = dir.appendingPathComponent("crosscheck.py")
            let outURL = dir.appendingPathComponent("stdout.txt")
            let errURL = dir.appendingPathComponent("stderr.txt")
            try script().write(to: scriptURL, atomically: true, encoding: .utf8)
            _ = fm.createFile(atPath: outURL.path, contents: nil)
            _ = fm.createFile(atPath: errURL.path, contents: nil)
            let outHandle = try FileHandle(forWritingTo: outURL)
            let errHandle = try FileHandle(forWritingTo: errURL)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", scriptURL.path]
            process.standardOutput = outHandle
            process.standardError = errHandle
            process.standardInput = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                return .failure("could not start /usr/bin/env python3: \(error); python3 is required for this cross-check")
            }
            process.waitUntilExit()
            try? outHandle.close()
            try? errHandle.close()
            let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
            let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            switch process.terminationStatus {
            case 0: break
            case 127: return .failure("python3 was not found on PATH; install Python 3 and `pip install msgpack`. \(stderr)")
            case 3: return .failure(stderr.trimmingCharacters(in: .whitespacesAndNewlines))
            default: return .failure("python3 exited with status \(process.terminationStatus): \(stderr)")
            }
            var results: [String: [UInt8]] = [:]
            var sawEnd = false
            for line in stdout.split(separator: "\n") {
                let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { return .failure("unexpected output line from python3: \(line)") }
                if parts[1] == "done" {
                    sawEnd = true
                    continue
                }
                results[String(parts[0])] = hex(String(parts[1]))
            }
            guard sawEnd else { return .failure("python3 output ended early: \(stderr)") }
            return .output(results)
        } catch {
            return .failure("could not run the Python cross-check: \(error)")
        }
    }

    /// Python's bytes for `id`, recording an issue when Python is unavailable.
    static func bytes(for id: String, sourceLocation: SourceLocation = #_sourceLocation) -> [UInt8]? {
        switch shared {
        case .failure(let message):
            Issue.record("Python cross-check unavailable: \(message)", sourceLocation: sourceLocation)
            return nil
        case .output(let results):
            guard let bytes = results[id] else {
                Issue.record("python3 printed nothing for \(id)", sourceLocation: sourceLocation)
                return nil
            }
            return bytes
        }
    }
}

@Suite struct PythonCrossCheckTests {
    @Test func python3AndMsgpackAreAvailable() {
        if case .failure(let message) = PythonRun.shared {
            Issue.record("This cross-check needs python3 with the PyPI package msgpack: \(message)")
        }
    }

    @Test func theTableCoversEveryFamily() {
        let kinds = Set(crossCheckCases.map { c -> String in
            switch c.value {
            case .nil: return "nil"
            case .bool: return "bool"
            case .int, .uint: return "int"
            case .float: return "float32"
            case .double: return "float64"
            case .string: return "str"
            case .binary: return "bin"
            case .array: return "array"
            case .map: return "map"
            case .extension: return "ext"
            case .timestamp: return "timestamp"
            }
        })
        #expect(kinds.count == 11)
        // every format byte family from c0 to ff except c1 appears in some case's Swift encoding
        var seen = Set<UInt8>()
        for c in crossCheckCases { seen.insert(c.value.encoded()[0]) }
        for byte in UInt8(0xc0)...0xdf where byte != 0xc1 {
            #expect(seen.contains(byte), "no case starts with 0x\(String(byte, radix: 16))")
        }
    }

    @Test(arguments: crossCheckCases)
    func swiftWritesTheSameBytesAsPython(_ c: CrossCheckCase) {
        guard let python = PythonRun.bytes(for: c.id) else { return }
        let swift = c.value.encoded()
        #expect(swift == python, "Swift \(hexString(swift.prefix(24))) vs Python \(hexString(python.prefix(24)))")
    }

    @Test(arguments: crossCheckCases)
    func swiftDecodesPythonsBytesToTheSameValue(_ c: CrossCheckCase) throws {
        guard let python = PythonRun.bytes(for: c.id) else { return }
        let value = try MessagePackValue(decoding: python)
        #expect(value == c.value)
    }

    @Test(arguments: crossCheckNonShortest)
    func swiftAndPythonAgreeOnNonShortestForms(_ bytes: String) throws {
        guard let python = PythonRun.bytes(for: "repack " + bytes) else { return }
        let value = try MessagePackValue(decoding: hex(bytes))
        #expect(value.encoded() == python, "Python repacked \(bytes) as \(hexString(python))")
        #expect(try MessagePackValue(decoding: python) == value)
    }

    @Test func codableOutputMatchesPythonForTheSameMaps() throws {
        // Python dicts keep insertion order; Swift structs write CodingKeys order, dictionaries sorted keys.
        guard let person = PythonRun.bytes(for: "appendix A") else { return }
        struct Message: Encodable {
            var id: Int
            var name: String
            var tags: [String]
            var at: MessagePackTimestamp
        }
        let message = Message(id: 7, name: "Ada", tags: ["x", "y"], at: MessagePackTimestamp(seconds: 1_700_000_000))
        #expect(try MessagePackEncoder().encode(message) == person)
        guard let map16 = PythonRun.bytes(for: "map 16") else { return }
        // keys "0"..."15" inserted in numeric order; sorted by UTF-8 bytes they come out "0", "1", "10", ...
        let dictionary = Dictionary(uniqueKeysWithValues: (0..<16).map { (String($0), $0) })
        let sorted = try MessagePackEncoder().encode(dictionary)
        #expect(try MessagePackDecoder().decode([String: Int].self, from: map16) == dictionary)
        #expect(sorted.count == map16.count)
        #expect(Array(sorted.prefix(3)) == Array(map16.prefix(3)))
    }
}

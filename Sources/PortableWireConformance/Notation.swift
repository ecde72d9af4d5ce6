// SPDX-License-Identifier: Apache-2.0
import PortableWire

/// The Spec's language-neutral JSON notation for values (Spec/format.md, "JSON notation").
public enum Notation {
    /// A notation document that is not well-formed.
    public struct Error: Swift.Error, CustomStringConvertible {
        public var message: String
        public var description: String { "invalid notation: \(message)" }
        init(_ message: String) { self.message = message }
    }

    // MARK: Value to notation

    /// Converts a decoded message to notation: objects get ids in wire order (global data first, then the
    /// body), first occurrences are `{"portable": …}` and later ones `{"ref": id}`.
    public static func json(body: PortableValue, globalData: [(key: String, value: PortableValue)] = []) throws -> (
        body: JSON, globalData: JSON?
    ) {
        var ids: [ObjectIdentifier: Int] = [:]
        var next = 0
        var table: [JSON] = []
        for entry in globalData {
            table.append(.array([.string(entry.key), try json(entry.value, ids: &ids, next: &next)]))
        }
        let b = try json(body, ids: &ids, next: &next)
        return (b, globalData.isEmpty ? nil : .array(table))
    }

    static func json(_ value: PortableValue, ids: inout [ObjectIdentifier: Int], next: inout Int) throws -> JSON {
        switch value {
        case .nil: return .null
        case .bool(let b): return .bool(b)
        case .int(let v): return tagged("int", .string(String(v)))
        case .uint(let v): return tagged("int", .string(String(v)))
        case .float(let f): return tagged("float32", .string(hexBits(UInt64(f.bitPattern), digits: 8)))
        case .double(let d): return tagged("float64", .string(hexBits(d.bitPattern, digits: 16)))
        case .string(let s): return .string(s)
        case .binary(let b): return tagged("bin", .string(hex(b)))
        case .array(let a):
            var out: [JSON] = []
            out.reserveCapacity(a.count)
            for e in a { out.append(try json(e, ids: &ids, next: &next)) }
            return .array(out)
        case .map(let m):
            var out: [JSON] = []
            out.reserveCapacity(m.count)
            for e in m { out.append(.array([try json(e.key, ids: &ids, next: &next), try json(e.value, ids: &ids, next: &next)])) }
            return tagged("map", .array(out))
        case .extension(let t, let d):
            return tagged("ext", .object([("type", .number(String(t))), ("data", .string(hex(d)))]))
        case .timestamp(let t):
            return tagged(
                "timestamp",
                .object([("seconds", .string(String(t.seconds))), ("nanoseconds", .number(String(t.nanoseconds)))]))
        case .object(let object):
            // A native well-known value (a date, a UUID, …) is written as its pw. name and data.
            guard let opaque = object as? OpaquePortable ?? OpaquePortable(wellKnown: object) else {
                throw Error("only opaque objects and well-known values can be written as notation, not \(type(of: object))")
            }
            let id = next
            next += 1
            // Well-known values are values: every occurrence is written in full (Spec/well-known-types.md 3).
            if !opaque.isWellKnown {
                let oid = portableIdentity(opaque)
                if let earlier = ids[oid] {
                    next -= 1
                    return tagged("ref", .number(String(earlier)))
                }
                ids[oid] = id
            }
            var fields: [(key: String, value: JSON)] = [
                ("id", .number(String(id))), ("type", .string(opaque.name)),
                ("data", try json(opaque.data, ids: &ids, next: &next)),
            ]
            if opaque.isTwoPhase { fields.append(("twoPhase", .bool(true))) }
            return tagged("portable", .object(fields))
        }
    }

    static func tagged(_ tag: String, _ value: JSON) -> JSON { .object([(tag, value)]) }

    static func hexBits(_ v: UInt64, digits: Int) -> String {
        let h = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: digits - h.count) + h
    }

    /// Lowercase hex without separators.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var out = ""
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return out
    }

    /// Parses hex with optional spaces.
    public static func bytes(fromHex text: String) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count / 2)
        var high: UInt8?
        for c in text.utf8 {
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
            case UInt8(ascii: " "), UInt8(ascii: "\n"): continue
            default: throw Error("'\(Character(Unicode.Scalar(c)))' is not a hex digit")
            }
            if let h = high {
                out.append(h << 4 | v)
                high = nil
            } else {
                high = v
            }
        }
        guard high == nil else { throw Error("odd number of hex digits") }
        return out
    }

    /// Parses hex as a testee request or a notation `bin` must spell it: lowercase pairs without separators.
    public static func bytes(fromCompactHex text: String) throws(Notation.Error) -> [UInt8] {
        guard text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }), text.utf8.count % 2 == 0,
            let bytes = try? bytes(fromHex: text)
        else { throw Error("\(quoted(text)) is not lowercase hex digit pairs without separators") }
        return bytes
    }

    /// The path segment of a str key (Spec/format.md 11): `.name` for identifiers, `["…"]` otherwise.
    static func segment(_ key: String) -> String { String(MessagePackPath([.key(key)]).description.dropFirst()) }

    static func quoted(_ text: String) -> String {
        let q = JSON.string(String(text.prefix(40))).serialized
        return text.count > 40 ? q + "…" : q
    }

    // MARK: Notation to value

    /// Builds the value a notation document describes; `{"ref": n}` becomes the same ``OpaquePortable`` as
    /// object `n`, so identities and cycles are kept.
    ///
    /// Every rule of Spec/format.md 12.2 is checked: one tag per object, no bare numbers, decimal strings
    /// without leading zeros or `-0`, lowercase hex, no lone surrogates, no ext type -1, `twoPhase` only as
    /// `true`, ids that count 0, 1, 2, … in wire order (global data first), references only to objects defined
    /// before them, and global data as `[key, value]` pairs whose keys differ as byte sequences.
    /// - Throws: ``Notation/Error`` naming the rule and where in the document it was broken.
    public static func value(body: JSON, globalData: JSON?) throws -> (
        body: PortableValue, globalData: [(key: String, value: PortableValue)]
    ) {
        var reader = Reader()
        var table: [(key: String, value: PortableValue)] = []
        if let globalData {
            guard let entries = globalData.arrayValue else {
                throw Error("globalData is an array of [\"key\", value] pairs, not \(globalData.serialized.prefix(80))")
            }
            var keys = Set<[UInt8]>()
            for (i, entry) in entries.enumerated() {
                guard let pair = entry.arrayValue, pair.count == 2, let key = pair[0].stringValue else {
                    throw Error("globalData[\(i)] is not a [\"key\", value] pair with a str key: \(entry.serialized.prefix(80))")
                }
                // Keys compare as bytes: two spellings of one text (NFC, NFD) are two keys (portable-objects.md 9.1).
                guard keys.insert(Array(key.utf8)).inserted else {
                    throw Error("globalData has the key \(quoted(key)) twice; keys are unique")
                }
                table.append((key, try reader.value(pair[1], path: "$globalData" + segment(key))))
            }
        }
        return (try reader.value(body, path: "$"), table)
    }

    /// Builds a plain or portable value from notation.
    public static func value(_ json: JSON) throws -> PortableValue {
        var reader = Reader()
        return try reader.value(json, path: "$")
    }

    /// Whether `text` is a JSON integer literal that notation allows: no fraction, exponent, `+` or `-0`.
    static func integerLiteral(_ json: JSON) -> Int? {
        guard case .number(let text) = json, text != "-0", isDecimal(text) else { return nil }
        return Int(text)
    }

    /// `-?(0|[1-9][0-9]*)`, and not `-0`.
    static func isDecimal(_ text: String) -> Bool {
        var digits = Substring(text)
        if digits.first == "-" { digits = digits.dropFirst() }
        guard let first = digits.first, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        if first == "0" { return digits.count == 1 && text != "-0" }
        return true
    }

    struct Reader {
        var objects: [OpaquePortable] = []

        mutating func value(_ json: JSON, path: String) throws -> PortableValue {
            switch json {
            case .null: return .nil
            case .bool(let b): return .bool(b)
            case .string(let s): return .string(s)
            case .invalidString(let source):
                throw Error("at \(path): the string \"\(source.prefix(40))\" holds a lone surrogate; strs are Unicode scalar values")
            case .number(let n): throw Error("at \(path): bare number \(n); integers are written {\"int\": \"\(n)\"}")
            case .array(let a):
                var out: [PortableValue] = []
                out.reserveCapacity(a.count)
                for (i, e) in a.enumerated() { out.append(try value(e, path: path + "[\(i)]")) }
                return .array(out)
            case .object(let fields):
                guard fields.count == 1, let (tag, body) = fields.first.map({ ($0.key, $0.value) }) else {
                    throw Error("at \(path): a notation object has exactly one member, its tag, not \(fields.count)")
                }
                return try tagged(tag, body, path: path)
            }
        }

        mutating func tagged(_ tag: String, _ body: JSON, path: String) throws -> PortableValue {
            func fail(_ message: String) -> Error { Error("at \(path): \(message)") }
            func members(_ allowed: Set<String>, required: Set<String>) throws -> [String: JSON] {
                guard case .object(let fields) = body else { throw fail("\(tag) takes an object") }
                var out: [String: JSON] = [:]
                for (k, v) in fields {
                    guard allowed.contains(k), out.updateValue(v, forKey: k) == nil else {
                        throw fail("\(tag) has the members \(allowed.sorted()) and no others, not \(quoted(k))")
                    }
                }
                guard required.isSubset(of: out.keys) else { throw fail("\(tag) needs the members \(required.sorted())") }
                return out
            }
            switch tag {
            case "int":
                guard let s = body.stringValue, isDecimal(s) else {
                    throw fail("int takes a decimal string without leading zeros, + or -0, not \(body.serialized.prefix(40))")
                }
                if let v = Int64(s) { return .int(v) }
                if let v = UInt64(s) { return .uint(v) }
                throw fail("int \(s) is outside -2^63...2^64-1")
            case "float32", "float64":
                let digits = tag == "float32" ? 8 : 16
                guard let s = body.stringValue, s.hasPrefix("0x"), s.utf8.count == digits + 2,
                    s.utf8.dropFirst(2).allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
                    let bits = UInt64(s.dropFirst(2), radix: 16)
                else { throw fail("\(tag) takes \"0x\" and \(digits) lowercase hex digits, not \(body.serialized.prefix(40))") }
                return tag == "float32" ? .float(Float(bitPattern: UInt32(bits))) : .double(Double(bitPattern: bits))
            case "bin":
                guard let s = body.stringValue else { throw fail("bin takes a hex string") }
                do { return .binary(try bytes(fromCompactHex: s)) } catch { throw fail("bin: \(error.message)") }
            case "map":
                guard let pairs = body.arrayValue else { throw fail("map takes an array of [key, value] pairs") }
                var out: [(key: PortableValue, value: PortableValue)] = []
                out.reserveCapacity(pairs.count)
                for (i, p) in pairs.enumerated() {
                    guard let kv = p.arrayValue, kv.count == 2 else { throw fail("map entry \(i) is not a [key, value] pair") }
                    let key = try value(kv[0], path: path)
                    let keyPath = kv[0].stringValue.map { path + segment($0) } ?? path + "[\(kv[0].serialized)]"
                    out.append((key, try value(kv[1], path: keyPath)))
                }
                return .map(out)
            case "ext":
                let m = try members(["type", "data"], required: ["type", "data"])
                guard let t = integerLiteral(m["type"]!), let t8 = Int8(exactly: t), t8 != -1 else {
                    throw fail("ext type is an integer in -128...127 other than -1 (timestamps have their own tag), not \(m["type"]!.serialized)")
                }
                guard let d = m["data"]!.stringValue else { throw fail("ext data is a hex string") }
                do { return .extension(t8, try bytes(fromCompactHex: d)) } catch { throw fail("ext data: \(error.message)") }
            case "timestamp":
                let m = try members(["seconds", "nanoseconds"], required: ["seconds", "nanoseconds"])
                guard let s = m["seconds"]!.stringValue, isDecimal(s), let seconds = Int64(s) else {
                    throw fail("timestamp seconds is a decimal string in -2^63...2^63-1, not \(m["seconds"]!.serialized)")
                }
                guard let n = integerLiteral(m["nanoseconds"]!), (0..<1_000_000_000).contains(n) else {
                    throw fail("timestamp nanoseconds is an integer in 0...999999999, not \(m["nanoseconds"]!.serialized)")
                }
                return .timestamp(MessagePackTimestamp(seconds: seconds, nanoseconds: UInt32(n)))
            case "portable":
                let m = try members(["id", "type", "twoPhase", "data"], required: ["id", "type", "data"])
                guard let id = integerLiteral(m["id"]!), id == objects.count else {
                    throw fail("object ids count 0, 1, 2, … in wire order: expected \(objects.count), not \(m["id"]!.serialized)")
                }
                guard let name = m["type"]!.stringValue, !name.isEmpty else {
                    throw fail("a portable's type is a non-empty str, not \(m["type"]!.serialized.prefix(40))")
                }
                if let flag = m["twoPhase"], flag != .bool(true) {
                    throw fail("twoPhase is written only as true; omit it for an ordinary object")
                }
                let object = OpaquePortable(name: name, data: .nil, isTwoPhase: m["twoPhase"] != nil)
                objects.append(object)
                // Published before its data is built, so a ref inside the data closes a cycle.
                object.data = try value(m["data"]!, path: path)
                return .object(object)
            case "ref":
                guard let id = integerLiteral(body), id >= 0 else { throw fail("ref takes an object id, an integer >= 0") }
                guard id < objects.count else {
                    throw fail("ref \(id) names no object defined before it (\(objects.count) so far)")
                }
                return .object(objects[id])
            default:
                throw fail("unknown tag \(quoted(tag))")
            }
        }
    }
}

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
            guard let opaque = object as? OpaquePortable else {
                throw Error("only opaque objects can be written as notation, not \(type(of: object))")
            }
            let oid = portableIdentity(opaque)
            if let id = ids[oid] { return tagged("ref", .number(String(id))) }
            let id = next
            next += 1
            ids[oid] = id
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

    // MARK: Notation to value

    /// Builds the value a notation document describes; `{"ref": n}` becomes the same ``OpaquePortable`` as
    /// object `n`, so identities and cycles are kept.
    public static func value(body: JSON, globalData: JSON?) throws -> (
        body: PortableValue, globalData: [(key: String, value: PortableValue)]
    ) {
        var objects: [Int: OpaquePortable] = [:]
        var table: [(key: String, value: PortableValue)] = []
        if let globalData {
            guard let entries = globalData.arrayValue else { throw Error("globalData must be an array of pairs") }
            for entry in entries {
                guard let pair = entry.arrayValue, pair.count == 2, let key = pair[0].stringValue else {
                    throw Error("a globalData entry must be [\"key\", value]")
                }
                table.append((key, try value(pair[1], objects: &objects)))
            }
        }
        return (try value(body, objects: &objects), table)
    }

    /// Builds a plain or portable value from notation.
    public static func value(_ json: JSON) throws -> PortableValue {
        var objects: [Int: OpaquePortable] = [:]
        return try value(json, objects: &objects)
    }

    static func value(_ json: JSON, objects: inout [Int: OpaquePortable]) throws -> PortableValue {
        switch json {
        case .null: return .nil
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        case .number(let n): throw Error("bare number \(n); integers are {\"int\": \"\(n)\"}")
        case .array(let a):
            var out: [PortableValue] = []
            out.reserveCapacity(a.count)
            for e in a { out.append(try value(e, objects: &objects)) }
            return .array(out)
        case .object(let fields):
            guard fields.count == 1, let (tag, body) = fields.first.map({ ($0.key, $0.value) }) else {
                throw Error("a tagged value has exactly one key")
            }
            switch tag {
            case "int":
                guard let s = body.stringValue else { throw Error("int takes a decimal string") }
                if let v = Int64(s) { return .int(v) }
                if let v = UInt64(s) { return .uint(v) }
                throw Error("int \(s) is out of range")
            case "float32":
                guard let s = body.stringValue, s.hasPrefix("0x"), let bits = UInt32(s.dropFirst(2), radix: 16) else {
                    throw Error("float32 takes \"0x\" and 8 hex digits")
                }
                return .float(Float(bitPattern: bits))
            case "float64":
                guard let s = body.stringValue, s.hasPrefix("0x"), let bits = UInt64(s.dropFirst(2), radix: 16) else {
                    throw Error("float64 takes \"0x\" and 16 hex digits")
                }
                return .double(Double(bitPattern: bits))
            case "bin":
                guard let s = body.stringValue else { throw Error("bin takes a hex string") }
                return .binary(try bytes(fromHex: s))
            case "map":
                guard let pairs = body.arrayValue else { throw Error("map takes an array of pairs") }
                var out: [(key: PortableValue, value: PortableValue)] = []
                out.reserveCapacity(pairs.count)
                for p in pairs {
                    guard let kv = p.arrayValue, kv.count == 2 else { throw Error("a map entry is [key, value]") }
                    out.append((try value(kv[0], objects: &objects), try value(kv[1], objects: &objects)))
                }
                return .map(out)
            case "ext":
                guard let t = body["type"]?.intValue, let t8 = Int8(exactly: t), let d = body["data"]?.stringValue else {
                    throw Error("ext takes {\"type\": -128…127, \"data\": hex}")
                }
                return .extension(t8, try bytes(fromHex: d))
            case "timestamp":
                guard let s = body["seconds"]?.stringValue, let seconds = Int64(s),
                    let n = body["nanoseconds"]?.intValue, n >= 0, n < 1_000_000_000
                else { throw Error("timestamp takes {\"seconds\": \"…\", \"nanoseconds\": 0…999999999}") }
                return .timestamp(MessagePackTimestamp(seconds: seconds, nanoseconds: UInt32(n)))
            case "portable":
                guard let id = body["id"]?.intValue, let name = body["type"]?.stringValue, let data = body["data"] else {
                    throw Error("portable takes {\"id\", \"type\", \"data\"}")
                }
                guard objects[id] == nil else { throw Error("object id \(id) is defined twice") }
                let object = OpaquePortable(name: name, data: .nil, isTwoPhase: body["twoPhase"]?.boolValue ?? false)
                objects[id] = object
                object.data = try value(data, objects: &objects)
                return .object(object)
            case "ref":
                guard let id = body.intValue else { throw Error("ref takes an object id") }
                guard let object = objects[id] else { throw Error("ref \(id) names no object defined before it") }
                return .object(object)
            default:
                throw Error("unknown tag '\(tag)'")
            }
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
import PortableWire
import PortableWireConformance

/// Plain JSON for people, the default of `pwire decode` and `pwire encode` (README, "`pwire`").
///
/// What plain JSON holds is written as itself: null, booleans, strings, arrays, maps with str keys as
/// objects, integers as numbers (any 64-bit integer, exactly), float64 as the shortest number that reads back to
/// the same bits (always with a `.` or an exponent, so `1.0` stays a float and `1` an integer). The rest is an
/// object with one key starting with `$`:
///
///     {"$base64": "AAEC"}   or {"$hex": "000102"}         bin (hex with --hex)
///     {"$float32": 1.5}                                  float32 ({"$float32": "0x7fc00000"} when not finite)
///     {"$float64": "0x7ff0000000000000"}                 a float64 JSON cannot write (infinities, NaN)
///     {"$timestamp": "2024-05-01T12:00:00.5Z"}           timestamp (ext -1), UTC; {"seconds", "nanoseconds"} past year 9999
///     {"$ext": {"type": 5, "base64": "AQI="}}            another ext
///     {"$map": [[1, "a"], [2, "b"]]}                     a map with a key that is not a str, or a str key starting with "$"
///     {"$portable": "app.Person", "id": 0, "data": …}    a portable object (`"twoPhase": true` for Q)
///     {"$ref": 0}                                        a back-reference to object 0
///     {"$globalData": {"k": …}, "body": …}               a message with global data (top level only)
///
/// So every message decodes to plain JSON and encodes back to the same canonical bytes.
enum PlainJSON {
    struct Error: Swift.Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: Timestamps

    /// RFC 3339 in UTC for years 1 to 9999 (`1970-01-01T00:00:00Z`, fractions without trailing zeros), else nil.
    static func rfc3339(_ t: MessagePackTimestamp) -> String? {
        let (days, secondOfDay) = t.seconds.quotientAndRemainder(dividingBy: 86_400)
        let day = secondOfDay < 0 ? days - 1 : days
        let second = secondOfDay < 0 ? secondOfDay + 86_400 : secondOfDay
        guard let date = LocalDate(daysSince1970: Int(day)), (1...9999).contains(date.year) else { return nil }
        func two(_ n: some BinaryInteger) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let y = date.year
        var text = "\(String(repeating: "0", count: 4 - String(y).count))\(y)-\(two(date.month))-\(two(date.day))"
        text += "T\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))"
        if t.nanoseconds > 0 {
            var fraction = String(t.nanoseconds)
            fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }

    /// Reads what ``rfc3339(_:)`` writes (and offsets `+hh:mm`/`-hh:mm` instead of `Z`).
    static func timestamp(rfc3339 text: String) -> MessagePackTimestamp? {
        let u = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= u.count else { return nil }
            var n: Int64 = 0
            for c in u[from..<(from + count)] {
                guard c >= 0x30 && c <= 0x39 else { return nil }
                n = n * 10 + Int64(c - 0x30)
            }
            return n
        }
        guard u.count >= 20, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"), u[10] == UInt8(ascii: "T"),
            u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"),
            let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2),
            let h = number(11, 2), let mi = number(14, 2), let s = number(17, 2),
            (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 60
        else { return nil }
        var i = 19
        var nanos: Int64 = 0
        if i < u.count && u[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < u.count, u[i] >= 0x30 && u[i] <= 0x39 {
                guard digits < 9 else { return nil }
                nanos = nanos * 10 + Int64(u[i] - 0x30)
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<9 { nanos *= 10 }
        }
        var offset: Int64 = 0
        if i < u.count && u[i] == UInt8(ascii: "Z") {
            i += 1
        } else if i + 6 == u.count, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-"), u[i + 3] == UInt8(ascii: ":"),
            let oh = number(i + 1, 2), let om = number(i + 4, 2)
        {
            offset = (oh * 3600 + om * 60) * (u[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == u.count else { return nil }
        guard let date = LocalDate(year: Int(y), month: Int(mo), day: Int(d)) else { return nil }  // no February 30th
        let seconds = Int64(date.daysSince1970) * 86_400 + h * 3600 + mi * 60 + s - offset
        return MessagePackTimestamp(seconds: seconds, nanoseconds: UInt32(nanos))
    }

    // MARK: JSON to values

    /// The message a plain JSON document describes: its body, and its global data if it is a `$globalData` form.
    static func message(_ json: JSON) throws -> (body: PortableValue, globalData: [(key: String, value: PortableValue)]) {
        var objects: [Int: OpaquePortable] = [:]
        if case .object(let fields) = json, fields.first?.key == "$globalData" {
            guard fields.count == 2, let table = json["$globalData"], let body = json["body"],
                case .object(let entries) = table
            else { throw Error("$globalData takes the form {\"$globalData\": {\"key\": value, …}, \"body\": value}") }
            var globalData: [(key: String, value: PortableValue)] = []
            for entry in entries { globalData.append((entry.key, try value(entry.value, at: "$globalData.\(entry.key)", objects: &objects))) }
            return (try value(body, at: "$", objects: &objects), globalData)
        }
        return (try value(json, at: "$", objects: &objects), [])
    }

    static func value(_ json: JSON, at path: String, objects: inout [Int: OpaquePortable]) throws -> PortableValue {
        switch json {
        case .null: return .nil
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        case .invalidString:
            throw Error("\(path): the string holds an unpaired surrogate escape, which is not Unicode text")
        case .number(let n): return try number(n, at: path)
        case .array(let a):
            var out: [PortableValue] = []
            out.reserveCapacity(a.count)
            for (i, e) in a.enumerated() { out.append(try value(e, at: "\(path)[\(i)]", objects: &objects)) }
            return .array(out)
        case .object(let fields):
            if let tag = fields.first(where: { $0.key.hasPrefix("$") })?.key {
                return try tagged(tag, json, fields: fields, at: path, objects: &objects)
            }
            var out: [(key: PortableValue, value: PortableValue)] = []
            out.reserveCapacity(fields.count)
            for f in fields { out.append((.string(f.key), try value(f.value, at: "\(path).\(f.key)", objects: &objects))) }
            return .map(out)
        }
    }

    static func number(_ text: String, at path: String) throws -> PortableValue {
        if !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
            if let v = Int64(text) { return .int(v) }
            if let v = UInt64(text) { return .uint(v) }
            throw Error("the integer \(text) at \(path) does not fit in 64 bits; MessagePack integers run from -2^63 to 2^64-1")
        }
        guard let d = Double(text), d.isFinite else {
            throw Error("the number \(text) at \(path) is outside the float64 range; write infinities as {\"$float64\": \"0x7ff0000000000000\"}")
        }
        return .double(d)
    }

    static func tagged(
        _ tag: String, _ json: JSON, fields: [(key: String, value: JSON)], at path: String, objects: inout [Int: OpaquePortable]
    ) throws -> PortableValue {
        func only(_ keys: Set<String>, _ form: String) throws {
            for f in fields where !keys.contains(f.key) {
                throw Error("unexpected key \"\(f.key)\" at \(path) in a \(tag) form; it takes \(form)")
            }
        }
        func bits(_ body: JSON?, digits: Int) -> UInt64? {
            guard let s = body?.stringValue, s.hasPrefix("0x"), s.count == digits + 2 else { return nil }
            return UInt64(s.dropFirst(2), radix: 16)
        }
        switch tag {
        case "$base64", "$hex":
            try only([tag], "{\"\(tag)\": \"…\"}")
            guard let s = json[tag]?.stringValue, let bytes = tag == "$hex" ? hexBytes(s) : base64Bytes(s) else {
                throw Error("\(tag) at \(path) takes a string of \(tag == "$hex" ? "hex digits" : "base64")")
            }
            return .binary(bytes)
        case "$float32":
            try only([tag], "{\"$float32\": 1.5} or {\"$float32\": \"0x3fc00000\"}")
            if case .number(let n)? = json[tag], let f = Float(n), f.isFinite { return .float(f) }
            guard let b = bits(json[tag], digits: 8) else { throw Error("$float32 at \(path) takes a number or \"0x\" and 8 hex digits") }
            return .float(Float(bitPattern: UInt32(b)))
        case "$float64":
            try only([tag], "{\"$float64\": \"0x…\"} with 16 hex digits")
            if case .number(let n)? = json[tag], let d = Double(n), d.isFinite { return .double(d) }
            guard let b = bits(json[tag], digits: 16) else { throw Error("$float64 at \(path) takes \"0x\" and 16 hex digits") }
            return .double(Double(bitPattern: b))
        case "$timestamp":
            try only([tag], "an RFC 3339 string in UTC or {\"seconds\": n, \"nanoseconds\": n}")
            let body = json[tag]
            if let s = body?.stringValue {
                guard let t = timestamp(rfc3339: s) else { throw Error("$timestamp at \(path): \"\(s)\" is not an RFC 3339 date-time like 2024-05-01T12:00:00.5Z") }
                return .timestamp(t)
            }
            guard case .number(let s)? = body?["seconds"], let seconds = Int64(s),
                let n = body?["nanoseconds"]?.intValue, (0..<1_000_000_000).contains(n)
            else { throw Error("$timestamp at \(path) takes a string, or {\"seconds\": integer, \"nanoseconds\": 0…999999999}") }
            return .timestamp(MessagePackTimestamp(seconds: seconds, nanoseconds: UInt32(n)))
        case "$ext":
            try only([tag], "{\"$ext\": {\"type\": n, \"base64\": \"…\"}}")
            let body = json[tag]
            guard let t = body?["type"]?.intValue, let type = Int8(exactly: t), type != -1 else {
                throw Error("$ext at \(path) takes a \"type\" from -128 to 127 (not -1: write timestamps as $timestamp)")
            }
            let data: [UInt8]?
            if let s = body?["base64"]?.stringValue { data = base64Bytes(s) } else if let s = body?["hex"]?.stringValue { data = hexBytes(s) } else { data = nil }
            guard let data else { throw Error("$ext at \(path) takes its bytes as \"base64\" or \"hex\"") }
            return .extension(type, data)
        case "$map":
            try only([tag], "{\"$map\": [[key, value], …]}")
            guard let pairs = json[tag]?.arrayValue else { throw Error("$map at \(path) takes an array of [key, value] pairs") }
            var out: [(key: PortableValue, value: PortableValue)] = []
            for (i, p) in pairs.enumerated() {
                guard let kv = p.arrayValue, kv.count == 2 else { throw Error("entry \(i) of $map at \(path) is not a [key, value] pair") }
                out.append((try value(kv[0], at: "\(path){key \(i)}", objects: &objects), try value(kv[1], at: "\(path){value \(i)}", objects: &objects)))
            }
            return .map(out)
        case "$portable":
            try only([tag, "id", "data", "twoPhase"], "{\"$portable\": \"type.Name\", \"id\": n, \"data\": value}")
            guard let name = json[tag]?.stringValue, let id = json["id"]?.intValue, let data = json["data"] else {
                throw Error("$portable at \(path) takes {\"$portable\": \"type.Name\", \"id\": n, \"data\": value}")
            }
            guard objects[id] == nil else { throw Error("object id \(id) at \(path) is used twice") }
            let object = OpaquePortable(name: name, data: .nil, isTwoPhase: json["twoPhase"]?.boolValue ?? false)
            objects[id] = object
            object.data = try value(data, at: path, objects: &objects)
            return .object(object)
        case "$ref":
            try only([tag], "{\"$ref\": id}")
            guard let id = json[tag]?.intValue else { throw Error("$ref at \(path) takes an object id") }
            guard let object = objects[id] else { throw Error("$ref \(id) at \(path) names no $portable with that id before it") }
            return .object(object)
        case "$globalData":
            throw Error("$globalData at \(path): global data can only wrap the whole message")
        default:
            throw Error(
                "unknown tag \"\(tag)\" at \(path); keys starting with \"$\" are tags (see `pwire encode --help`), so write a map with such a key as {\"$map\": [[\"\(tag)\", …]]}")
        }
    }

    static func hexBytes(_ s: String) -> [UInt8]? {
        guard s.utf8.count % 2 == 0, s.utf8.allSatisfy({ $0 != 0x20 }) else { return nil }
        return try? Notation.bytes(fromHex: s)
    }

    static func base64Bytes(_ s: String) -> [UInt8]? {
        var table = [Int16](repeating: -1, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { table[Int(c)] = Int16(i) }
        let u = Array(s.utf8)
        guard u.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 4 * 3)
        var i = 0
        while i < u.count {
            var n: UInt32 = 0
            var pad = 0
            for j in 0..<4 {
                let c = u[i + j]
                if c == UInt8(ascii: "=") && i + 4 == u.count && j >= 2 {
                    pad += 1
                    n <<= 6
                    continue
                }
                guard pad == 0, table[Int(c)] >= 0 else { return nil }
                n = n << 6 | UInt32(table[Int(c)])
            }
            out.append(UInt8(n >> 16 & 0xff))
            if pad < 2 { out.append(UInt8(n >> 8 & 0xff)) }
            if pad < 1 { out.append(UInt8(n & 0xff)) }
            i += 4
        }
        return out
    }
}

// SPDX-License-Identifier: Apache-2.0
import MessagePack

/// A JSON document with object keys in document order. Numbers keep their source text.
///
/// Its own parser, because Foundation's stops at 512 levels and the Spec's deepest vectors nest further.
public indirect enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSON])
    case object([(key: String, value: JSON)])

    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y || Double(x) == Double(y)
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        // Objects compare as sets of keys: the notation's tags never depend on key order.
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (k, v) in x { guard let other = y.first(where: { $0.key == k }), other.value == v else { return false } }
            return true
        default: return false
        }
    }

    /// The value of a key, for objects.
    public subscript(key: String) -> JSON? {
        if case .object(let entries) = self { return entries.first { $0.key == key }?.value }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var arrayValue: [JSON]? { if case .array(let a) = self { return a } else { return nil } }
    public var intValue: Int? { if case .number(let n) = self { return Int(n) } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }

    /// Parses UTF-8 JSON text.
    public init(parsing bytes: [UInt8]) throws(JSONError) {
        var parser = JSONParser(bytes: bytes)
        parser.skipSpace()
        self = try parser.parseValue(depth: 0)
        parser.skipSpace()
        guard parser.index == bytes.count else { throw JSONError(offset: parser.index, "unexpected text after the JSON value") }
    }

    /// Compact JSON text.
    public var serialized: String {
        var out = ""
        write(into: &out)
        return out
    }

    func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): JSON.writeString(s, into: &out)
        case .array(let a):
            out += "["
            for (i, e) in a.enumerated() {
                if i > 0 { out += "," }
                e.write(into: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, e) in o.enumerated() {
                if i > 0 { out += "," }
                JSON.writeString(e.key, into: &out)
                out += ":"
                e.value.write(into: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, into out: inout String) { out += MessagePackPath.quoted(s) }
}

/// A JSON syntax error.
public struct JSONError: Error, CustomStringConvertible {
    public var offset: Int
    public var message: String
    init(offset: Int, _ message: String) {
        self.offset = offset
        self.message = message
    }
    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

struct JSONParser {
    let bytes: [UInt8]
    var index = 0

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x0a, 0x0d, 0x09].contains(bytes[index]) { index += 1 }
    }

    mutating func expect(_ literal: String) throws(JSONError) {
        for b in literal.utf8 {
            guard index < bytes.count, bytes[index] == b else { throw JSONError(offset: index, "expected \(literal)") }
            index += 1
        }
    }

    mutating func parseValue(depth: Int) throws(JSONError) -> JSON {
        guard depth < 10_000 else { throw JSONError(offset: index, "nested too deeply") }
        guard index < bytes.count else { throw JSONError(offset: index, "unexpected end") }
        switch bytes[index] {
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "["):
            index += 1
            var elements: [JSON] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
            while true {
                skipSpace()
                elements.append(try parseValue(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw JSONError(offset: index, "unterminated array") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
                throw JSONError(offset: index, "expected , or ]")
            }
        case UInt8(ascii: "{"):
            index += 1
            var entries: [(key: String, value: JSON)] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(entries) }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw JSONError(offset: index, "expected a string key")
                }
                let key = try parseString()
                skipSpace()
                try expect(":")
                skipSpace()
                entries.append((key, try parseValue(depth: depth + 1)))
                skipSpace()
                guard index < bytes.count else { throw JSONError(offset: index, "unterminated object") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(entries) }
                throw JSONError(offset: index, "expected , or }")
            }
        default:
            let start = index
            while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
            guard index > start else { throw JSONError(offset: index, "unexpected character") }
            return .number(String(decoding: bytes[start..<index], as: UTF8.self))
        }
    }

    mutating func parseString() throws(JSONError) -> String {
        index += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var pendingHigh: UInt32?
        var runStart = index
        var out = ""
        func flushRun(_ end: Int) { out += String(decoding: bytes[runStart..<end], as: UTF8.self) }
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                flushRun(index)
                index += 1
                return out
            }
            if b == UInt8(ascii: "\\") {
                flushRun(index)
                index += 1
                guard index < bytes.count else { break }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "n"): out += "\n"
                case UInt8(ascii: "t"): out += "\t"
                case UInt8(ascii: "r"): out += "\r"
                case UInt8(ascii: "b"): out += "\u{8}"
                case UInt8(ascii: "f"): out += "\u{c}"
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
                    else { throw JSONError(offset: index, "bad \\u escape") }
                    index += 4
                    if (0xd800...0xdbff).contains(v) {
                        pendingHigh = v
                    } else if (0xdc00...0xdfff).contains(v), let high = pendingHigh {
                        let scalar = 0x10000 + ((high - 0xd800) << 10) + (v - 0xdc00)
                        scalars = String.UnicodeScalarView()
                        scalars.append(Unicode.Scalar(scalar)!)
                        out += String(scalars)
                        pendingHigh = nil
                    } else if let scalar = Unicode.Scalar(v) {
                        out.unicodeScalars.append(scalar)
                    } else {
                        throw JSONError(offset: index, "lone surrogate in \\u escape")
                    }
                default: out.unicodeScalars.append(Unicode.Scalar(e))
                }
                runStart = index
                continue
            }
            index += 1
        }
        throw JSONError(offset: index, "unterminated string")
    }
}

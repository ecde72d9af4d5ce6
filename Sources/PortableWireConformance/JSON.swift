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
    /// A string whose escapes denote a lone UTF-16 surrogate (`"a\ud800b"`): JSON syntax allows it, but it is no
    /// sequence of Unicode scalar values, so it is kept as written (the text between the quotes) for the notation
    /// reader to reject (Spec/format.md 12.2, rule 6) and for the runner to send on unchanged.
    case invalidString(source: String)
    case array([JSON])
    case object([(key: String, value: JSON)])

    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y || Double(x) == Double(y)
        // By scalars, not by Swift's canonical equivalence: the notation never normalizes (Spec/format.md 12.3).
        case (.string(let x), .string(let y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        case (.invalidString(let x), .invalidString(let y)): return x.utf8.elementsEqual(y.utf8)
        case (.array(let x), .array(let y)): return x == y
        // Objects compare as sets of keys: the notation's tags never depend on key order.
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (k, v) in x {
                guard let other = y.first(where: { $0.key.utf8.elementsEqual(k.utf8) }), other.value == v else {
                    return false
                }
            }
            return true
        default: return false
        }
    }

    /// The value of a key, for objects.
    public subscript(key: String) -> JSON? {
        if case .object(let entries) = self { return entries.first { $0.key.utf8.elementsEqual(key.utf8) }?.value }
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
        case .invalidString(let source): out += "\"" + source + "\""
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
    /// The string held a `\u` escape of a lone surrogate (valid JSON syntax, but no Unicode text).
    public var isLoneSurrogate: Bool
    init(offset: Int, _ message: String, loneSurrogate: Bool = false) {
        self.offset = offset
        self.message = message
        self.isLoneSurrogate = loneSurrogate
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
        case UInt8(ascii: "\""):
            let start = index + 1
            do {
                return .string(try parseString())
            } catch let error where error.isLoneSurrogate {
                return .invalidString(source: try skipString(from: start))
            }
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
                let key: String
                do { key = try parseString() } catch let error where error.isLoneSurrogate {
                    throw JSONError(offset: error.offset, "an object key holds a lone surrogate")
                }
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
            return .number(try parseNumber())
        }
    }

    /// Parses a number as RFC 8259 spells it (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`), keeping its text.
    /// `NaN`, `Infinity`, `+1`, `01` and `1.` are not JSON.
    mutating func parseNumber() throws(JSONError) -> String {
        let start = index
        func digits() -> Int {
            let from = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - from
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else {
            throw JSONError(offset: start, "not a JSON value (NaN, Infinity and bare words are not JSON)")
        }
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else { _ = digits() }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw JSONError(offset: index, "a fraction needs digits") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw JSONError(offset: index, "an exponent needs digits") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// Parses a string literal at `index` (its opening quote). A `\u` escape of a lone surrogate throws an error
    /// with `isLoneSurrogate` set; the caller decides whether that is a syntax error.
    mutating func parseString() throws(JSONError) -> String {
        index += 1  // opening quote
        var out = ""
        var runStart = index
        func flush(_ from: Int, _ end: Int) throws(JSONError) {
            guard let text = String(validating: bytes[from..<end], as: UTF8.self) else {
                throw JSONError(offset: from, "a string is not well-formed UTF-8")
            }
            out += text
        }
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                try flush(runStart, index)
                index += 1
                return out
            }
            if b < 0x20 { throw JSONError(offset: index, "a control character in a string must be escaped") }
            guard b == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            try flush(runStart, index)
            let escapeStart = index
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
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.unicodeScalars.append(Unicode.Scalar(e))
            case UInt8(ascii: "u"):
                let v = try hex4(at: index)
                index += 4
                if (0xd800...0xdbff).contains(v) {
                    // A high surrogate counts only with a low one right after it.
                    guard index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u"),
                        let low = try? hex4(at: index + 2), (0xdc00...0xdfff).contains(low)
                    else { throw JSONError(offset: escapeStart, "a lone surrogate escape", loneSurrogate: true) }
                    index += 6
                    out.unicodeScalars.append(Unicode.Scalar(0x10000 + ((v - 0xd800) << 10) + (low - 0xdc00))!)
                } else if let scalar = Unicode.Scalar(v) {
                    out.unicodeScalars.append(scalar)
                } else {
                    throw JSONError(offset: escapeStart, "a lone surrogate escape", loneSurrogate: true)
                }
            default: throw JSONError(offset: escapeStart, "unknown escape")
            }
            runStart = index
        }
        throw JSONError(offset: index, "unterminated string")
    }

    func hex4(at offset: Int) throws(JSONError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw JSONError(offset: offset, "a \\u escape needs 4 hex digits") }
        var v: UInt32 = 0
        for b in bytes[offset..<offset + 4] {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = v << 4 | UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = v << 4 | UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = v << 4 | UInt32(b - UInt8(ascii: "A") + 10)
            default: throw JSONError(offset: offset, "a \\u escape needs 4 hex digits")
            }
        }
        return v
    }

    /// Skips a string literal whose content starts at `start`, returning its source text between the quotes.
    mutating func skipString(from start: Int) throws(JSONError) -> String {
        var i = start
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
        guard i < bytes.count else { throw JSONError(offset: i, "unterminated string") }
        index = i + 1
        guard let text = String(validating: bytes[start..<i], as: UTF8.self) else {
            throw JSONError(offset: start, "a string is not well-formed UTF-8")
        }
        return text
    }
}

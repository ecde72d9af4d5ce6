// SPDX-License-Identifier: Apache-2.0

extension MessagePackValue: CustomStringConvertible, CustomDebugStringConvertible {
    /// A diagnostic notation: JSON-like, with `nil`, `1.5f` for float32, `h'00ff'` for binary,
    /// `ext(5, h'01')` and `timestamp(1, 0)`. Maps show their entries in stored order.
    public var description: String {
        var out = ""
        Self._describe(self, into: &out)
        return out
    }

    public var debugDescription: String { "MessagePackValue(\(description))" }

    static func _describe(_ value: MessagePackValue, into out: inout String) {
        switch value {
        case .nil: out += "nil"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let v): out += String(v)
        case .uint(let v): out += String(v)
        case .float(let v): out += "\(v)f"
        case .double(let v): out += "\(v)"
        case .string(let s): out += MessagePackPath.quoted(s)
        case .binary(let b): out += "h'" + b.map(hexByte).joined() + "'"
        case .array(let elements):
            out += "["
            for (i, e) in elements.enumerated() {
                if i > 0 { out += ", " }
                _describe(e, into: &out)
            }
            out += "]"
        case .map(let entries):
            out += "{"
            for (i, e) in entries.enumerated() {
                if i > 0 { out += ", " }
                _describe(e.key, into: &out)
                out += ": "
                _describe(e.value, into: &out)
            }
            out += "}"
        case .extension(let t, let d): out += "ext(\(t), h'" + d.map(hexByte).joined() + "')"
        case .timestamp(let t): out += t.description
        }
    }
}

extension MessagePackValue {
    /// The value in the compact JSON notation of Spec/format.md, section 12.4: `{"int":"7"}`,
    /// `{"float64":"0x3ff0000000000000"}`, `{"map":[["a",null]]}`. Used for non-string keys in value paths.
    package var compactNotation: String {
        var out = ""
        Self._notation(self, into: &out)
        return out
    }

    static func _notation(_ value: MessagePackValue, into out: inout String) {
        func hexDigits<T: FixedWidthInteger>(_ v: T) -> String {
            let digits = String(v, radix: 16)
            return String(repeating: "0", count: MemoryLayout<T>.size * 2 - digits.count) + digits
        }
        switch value {
        case .nil: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let v): out += "{\"int\":\"\(v)\"}"
        case .uint(let v): out += "{\"int\":\"\(v)\"}"
        case .float(let v): out += "{\"float32\":\"0x\(hexDigits(v.bitPattern))\"}"
        case .double(let v): out += "{\"float64\":\"0x\(hexDigits(v.bitPattern))\"}"
        case .string(let s): out += MessagePackPath.quoted(s)
        case .binary(let b): out += "{\"bin\":\"" + b.map(hexByte).joined() + "\"}"
        case .array(let elements):
            out += "["
            for (i, e) in elements.enumerated() {
                if i > 0 { out += "," }
                _notation(e, into: &out)
            }
            out += "]"
        case .map(let entries):
            out += "{\"map\":["
            for (i, e) in entries.enumerated() {
                if i > 0 { out += "," }
                out += "["
                _notation(e.key, into: &out)
                out += ","
                _notation(e.value, into: &out)
                out += "]"
            }
            out += "]}"
        case .extension(let t, let d):
            out += "{\"ext\":{\"type\":\(t),\"data\":\"" + d.map(hexByte).joined() + "\"}}"
        case .timestamp(let t):
            out += "{\"timestamp\":{\"seconds\":\"\(t.seconds)\",\"nanoseconds\":\(t.nanoseconds)}}"
        }
    }
}

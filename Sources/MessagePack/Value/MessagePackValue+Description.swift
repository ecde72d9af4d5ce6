// SPDX-License-Identifier: Apache-2.0

extension MessagePackValue: CustomStringConvertible, CustomDebugStringConvertible {
    /// A diagnostic notation: JSON-like, with `nil`, `1.5f` for float32, `h'00ff'` for binary,
    /// `ext(5, h'01')` and `timestamp(1, 0)`. Maps show their entries in stored order.
    public var description: String { _Describing.text(of: self) }

    public var debugDescription: String { "MessagePackValue(\(description))" }

    /// Writes the diagnostic notation of each node (without recursion, so any depth can be described).
    struct _Describing: _TextWritingVisitor {
        var out = ""

        mutating func enter(_ node: MessagePackValue) -> _TreeChildren<MessagePackValue>? {
            switch node {
            case .nil: out += "nil"
            case .bool(let b): out += b ? "true" : "false"
            case .int(let v): out += String(v)
            case .uint(let v): out += String(v)
            case .float(let v): out += "\(v)f"
            case .double(let v): out += "\(v)"
            case .string(let s): out += MessagePackPath.quoted(s)
            case .binary(let b): out += "h'" + b.map(hexByte).joined() + "'"
            case .array(let elements): return _DiagnosticNotation.open(.array(elements), into: &out)
            case .map(let entries): return _DiagnosticNotation.open(.map(entries), into: &out)
            case .extension(let t, let d): out += "ext(\(t), h'" + d.map(hexByte).joined() + "')"
            case .timestamp(let t): out += t.description
            }
            return nil
        }

        mutating func beforeChild(at position: Int, isMap: Bool) {
            _DiagnosticNotation.beforeChild(at: position, isMap: isMap, into: &out)
        }

        mutating func exit(isMap: Bool) { _DiagnosticNotation.close(isMap: isMap, into: &out) }
    }
}

extension MessagePackValue {
    /// The value in the compact JSON notation of Spec/format.md, section 12.4: `{"int":"7"}`,
    /// `{"float64":"0x3ff0000000000000"}`, `{"map":[["a",null]]}`. Used for non-string keys in value paths.
    package var compactNotation: String { _Notation.text(of: self) }

    /// Writes the compact JSON notation of each node (without recursion).
    struct _Notation: _TextWritingVisitor {
        var out = ""

        func hexDigits<T: FixedWidthInteger>(_ v: T) -> String {
            let digits = String(v, radix: 16)
            return String(repeating: "0", count: MemoryLayout<T>.size * 2 - digits.count) + digits
        }

        mutating func enter(_ node: MessagePackValue) -> _TreeChildren<MessagePackValue>? {
            switch node {
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
                return .array(elements)
            case .map(let entries):
                out += "{\"map\":["
                return .map(entries)
            case .extension(let t, let d):
                out += "{\"ext\":{\"type\":\(t),\"data\":\"" + d.map(hexByte).joined() + "\"}}"
            case .timestamp(let t):
                out += "{\"timestamp\":{\"seconds\":\"\(t.seconds)\",\"nanoseconds\":\(t.nanoseconds)}}"
            }
            return nil
        }

        mutating func beforeChild(at position: Int, isMap: Bool) {
            if isMap {
                // Entries are pairs: `[key,value]`, separated by commas.
                if position & 1 == 1 {
                    out += ","
                } else {
                    if position > 0 { out += "]," }
                    out += "["
                }
            } else if position > 0 {
                out += ","
            }
        }

        mutating func exit(isMap: Bool) {
            guard isMap else { return out += "]" }
            // No value's notation ends in "[", so a map that ends there had no entry to close.
            out += out.utf8.last == UInt8(ascii: "[") ? "]}" : "]]}"
        }
    }
}

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

// SPDX-License-Identifier: Apache-2.0

/// Where a value sits inside a message: `$.kwargs.input[2]`.
///
/// Decoders build a path only when an error unwinds (each level prepends its segment), so the
/// success path never allocates for it. See Spec/format.md, "Value paths".
public struct MessagePackPath: Hashable, Sendable, CustomStringConvertible {
    /// One step from a container to a child.
    public enum Segment: Hashable, Sendable {
        /// A map entry with a string key.
        case key(String)
        /// An array element, or an entry of a map whose key is not a string (shown by position).
        case index(Int)
        /// A map entry whose key is not a string, shown in diagnostic notation.
        case otherKey(String)
        /// The root of the global data table instead of the body.
        case globalData
    }

    /// Stored innermost first, because errors prepend while unwinding.
    @usableFromInline var _reversed: [Segment]

    /// The root of the message, `$`.
    public static let root = MessagePackPath(_reversed: [])

    @usableFromInline init(_reversed: [Segment]) { self._reversed = _reversed }

    /// Creates a path from segments, outermost first.
    public init(_ segments: [Segment]) { self._reversed = segments.reversed() }

    /// The segments, outermost first.
    public var segments: [Segment] { _reversed.reversed() }

    @usableFromInline mutating func _prepend(_ segment: Segment) { _reversed.append(segment) }

    /// Returns this path extended by one segment at the end.
    /// This path followed by all of `other`'s segments.
    public func appending(contentsOf other: MessagePackPath) -> MessagePackPath {
        var copy = other
        copy._reversed.append(contentsOf: _reversed)
        return copy
    }

    public func appending(_ segment: Segment) -> MessagePackPath {
        var copy = self
        copy._reversed.insert(segment, at: 0)
        return copy
    }

    /// The path in JSONPath-like notation, `$.kwargs.input[2]`, in full.
    public var description: String {
        var text = "$"
        for segment in _reversed.reversed() { Self.append(segment, to: &text) }
        return text
    }

    /// The path as ``description`` writes it, but at most about `maxByteCount` UTF-8 bytes: past that it
    /// keeps the outermost and the innermost segments and says how many levels it left out between them,
    /// `$.a.b[0]…(9,990 levels)…[7].name`; a long key keeps its start and end.
    ///
    /// - Complexity: O(`maxByteCount`), whatever the depth.
    public func boundedDescription(maxByteCount: Int) -> String {
        let keyBudget = max(16, maxByteCount / 5)
        func piece(_ segment: Segment) -> String {
            var text = ""
            Self.append(segment, to: &text)
            return ErrorTextBounds.elidingMiddle(text, maxByteCount: keyBudget)
        }
        var head = "$"
        var tail: [String] = []
        var tailByteCount = 0
        let half = maxByteCount / 2
        // Innermost segments first (the storage order), until half the budget is used.
        var inner = 0
        while inner < _reversed.count {
            let text = piece(_reversed[inner])
            if tailByteCount + text.utf8.count > half { break }
            tail.append(text)
            tailByteCount += text.utf8.count
            inner += 1
        }
        // Then outermost segments, up to the rest of the budget, never overlapping the inner ones.
        var outer = _reversed.count - 1
        while outer >= inner {
            let text = piece(_reversed[outer])
            if head.utf8.count + text.utf8.count + tailByteCount > maxByteCount - 32 { break }
            head += text
            outer -= 1
        }
        let skipped = outer - inner + 1
        if skipped > 0 { head += "…(\(ErrorTextBounds.grouped(skipped)) level\(skipped == 1 ? "" : "s"))…" }
        for text in tail.reversed() { head += text }
        return head
    }

    static func append(_ segment: Segment, to text: inout String) {
        switch segment {
        case .globalData: text += "globalData"
        case .index(let i): text += "[\(i)]"
        case .otherKey(let k): text += "[\(k)]"
        case .key(let k):
            if Self.isIdentifier(k) { text += ".\(k)" } else { text += "[\(Self.quoted(k))]" }
        }
    }

    static func isIdentifier(_ key: String) -> Bool {
        guard let first = key.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return key.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || (0x30...0x39).contains($0) }
    }

    private static func isLetter(_ b: UInt8) -> Bool { (0x41...0x5a).contains(b) || (0x61...0x7a).contains(b) }

    /// JSON-style quoting (also used for strings in descriptions and JSON output).
    package static func quoted(_ key: String) -> String {
        var out = "\""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

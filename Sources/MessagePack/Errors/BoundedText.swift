// SPDX-License-Identifier: Apache-2.0

/// Caps on the texts that errors carry to people: an error read by a person, written to a log or sent back
/// to a peer stays short whatever the input was (issue 13: a 3 MB message once made a 15 MB error line).
///
/// Long texts keep their start and their end, which is where the useful part usually is (the code and offset
/// come first, the innermost path segment and the hint last), and say how much was left out in between.
public enum ErrorTextBounds {
    /// The most UTF-8 bytes of an error's `description`: 1 KiB.
    public static let maxDescriptionByteCount = 1024
    /// The most UTF-8 bytes of a path as shown in a description.
    public static let maxPathByteCount = 320
    /// The most UTF-8 bytes of an error's detail sentence as shown in a description.
    public static let maxDetailByteCount = 384
    /// The most UTF-8 bytes of a hint as shown in a description.
    public static let maxHintByteCount = 200

    /// Returns `text` unchanged when it has at most `maxByteCount` UTF-8 bytes; otherwise its start and its
    /// end, cut at character boundaries, around `…(N bytes elided)…`, at most `maxByteCount` bytes in all.
    ///
    ///     ErrorTextBounds.elidingMiddle(String(repeating: "a", count: 5000), maxByteCount: 60)
    ///     // "aaaaaaaaaaaaaaaaaaa…(4,962 bytes elided)…aaaaaaaaaaaaaaaaaaa" (or close to it)
    ///
    /// - Complexity: O(`maxByteCount`); the length of `text` is read in O(1) for native strings.
    @inline(never)
    public static func elidingMiddle(_ text: String, maxByteCount: Int) -> String {
        let utf8 = text.utf8
        let count = utf8.count
        guard count > maxByteCount else { return text }
        // The marker is at most 40 bytes ("…(" and ")…" are 3-byte scalars, plus the digits and words).
        let budget = max(0, maxByteCount - 40)
        let headCount = budget - budget / 2
        let tailCount = budget / 2
        var headEnd = utf8.index(utf8.startIndex, offsetBy: headCount)
        // Back up to a scalar boundary: continuation bytes are 0b10xxxxxx.
        while headEnd > utf8.startIndex && utf8[headEnd] & 0xc0 == 0x80 { headEnd = utf8.index(before: headEnd) }
        var tailStart = utf8.index(utf8.endIndex, offsetBy: -tailCount)
        while tailStart < utf8.endIndex && utf8[tailStart] & 0xc0 == 0x80 { tailStart = utf8.index(after: tailStart) }
        let head = Substring(utf8[..<headEnd])
        let tail = Substring(utf8[tailStart...])
        let elided = count - head.utf8.count - tail.utf8.count
        return "\(head)…(\(grouped(elided)) bytes elided)…\(tail)"
    }

    /// `1234567` as `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }
}

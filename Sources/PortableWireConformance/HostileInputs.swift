// SPDX-License-Identifier: Apache-2.0

/// Inputs built to attack a decoder, shared by `pwire hostile` and the tests that pin down their outcomes
/// (Tests/Fuzz/FUZZING.md, "Hostile inputs").
public enum HostileInputs {
    /// `levels` nested array32 headers, each declaring as many elements as bytes remain after it, then one
    /// bin32 filling the rest of `total` bytes (shorter than it declares by one byte, so the message is
    /// `truncated` at byte `total`). Every count passes its own check against the remaining bytes; only the
    /// owed-bytes rule (Spec/format.md 6.3) keeps a decoder from reserving memory for them once per level.
    public static func nestedArray32Headers(total: Int, levels: Int = 100) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: total)
        func put(_ marker: UInt8, _ value: Int, at offset: Int) {
            bytes[offset] = marker
            withUnsafeBytes(of: UInt32(value).bigEndian) { for i in 0..<4 { bytes[offset + 1 + i] = $0[i] } }
        }
        for level in 0..<levels { put(0xdd, total - 5 * (level + 1), at: 5 * level) }
        put(0xc6, total - 5 * (levels + 1), at: 5 * levels)
        return bytes
    }
}

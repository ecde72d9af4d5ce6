// SPDX-License-Identifier: Apache-2.0

/// A string that is equal to another only when their UTF-8 bytes are, for type names, global-data keys and map
/// keys.
///
/// Swift's `String ==` compares by Unicode canonical equivalence, so "café" spelled with U+00E9 (NFC) and with
/// "e" + U+0301 (NFD) are equal strings; on the wire they are different byte sequences, and the Spec says that
/// neither side normalizes (Spec/format.md, "Strings"). Tables keyed by this type keep them apart.
package struct ExactString: Hashable, Sendable, CustomStringConvertible {
    /// The string, with its bytes exactly as given.
    package let string: String

    /// Wraps `string`, keeping its bytes.
    package init(_ string: String) { self.string = string }

    package static func == (lhs: ExactString, rhs: ExactString) -> Bool {
        // Two strings with the same representation (the same storage, or the same small-string bits, as short
        // names and keys are) have the same bytes; only other pairs need their bytes compared.
        let l = unsafeBitCast(lhs.string, to: (UInt64, UInt64).self)
        let r = unsafeBitCast(rhs.string, to: (UInt64, UInt64).self)
        return l == r || lhs.string.hasSameBytes(as: rhs.string)
    }

    package func hash(into hasher: inout Hasher) {
        var copy = string  // withUTF8 needs a var; a native string is not copied
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    package var description: String { string }
}

extension String {
    /// Whether the two strings have the same UTF-8 bytes (unlike `==`, which compares canonical equivalence).
    package func hasSameBytes(as other: String) -> Bool {
        var a = self  // withUTF8 needs a var; a native string is not copied
        var b = other
        return a.withUTF8 { x in
            b.withUTF8 { y in
                x.count == y.count && (x.count == 0 || memcmpEqual(x.baseAddress!, y.baseAddress!, x.count))
            }
        }
    }
}

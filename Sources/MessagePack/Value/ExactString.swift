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
        lhs.string.utf8.count == rhs.string.utf8.count && lhs.string.utf8.elementsEqual(rhs.string.utf8)
    }

    package func hash(into hasher: inout Hasher) {
        let hashed: Void? = string.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashed == nil {
            for byte in string.utf8 { hasher.combine(byte) }
        }
    }

    package var description: String { string }
}

extension String {
    /// Whether the two strings have the same UTF-8 bytes (unlike `==`, which compares canonical equivalence).
    @inlinable
    package func hasSameBytes(as other: String) -> Bool {
        utf8.count == other.utf8.count && utf8.elementsEqual(other.utf8)
    }
}

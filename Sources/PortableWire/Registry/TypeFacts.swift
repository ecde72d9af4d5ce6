// SPDX-License-Identifier: Apache-2.0

/// Answers "can a value of static type `T` be a portable object?" without a dynamic cast per value.
///
/// A struct or enum either conforms to `Portable` or does not, whatever the value, so for those the answer
/// is worked out once per type and remembered. Classes (a subclass may conform), existentials and optionals
/// (the cast looks inside them) always get the real cast. The cast cost several hundred instructions for
/// every nested value of a message, portable or not.
struct PortableTypeFacts {
    private var ids: [ObjectIdentifier] = []
    private var answers: [Bool] = []

    /// Whether a value of static type `type` may be `Portable` (false only when it certainly is not).
    @inline(__always)
    mutating func mayBePortable(_ type: Any.Type) -> Bool {
        guard Self.isStructOrEnum(type) else { return true }
        return remembered(type) { $0 is any Portable.Type }
    }

    /// A fact about a type that depends on the type alone, computed once per type and coder.
    @inline(__always)
    mutating func remembered(_ type: Any.Type, _ compute: (Any.Type) -> Bool) -> Bool {
        let id = ObjectIdentifier(type)
        for i in ids.indices where ids[i] == id { return answers[i] }
        let answer = compute(type)
        if ids.count < 32 {
            ids.append(id)
            answers.append(answer)
        }
        return answer
    }

    /// Whether `type`'s metadata is a struct's or an enum's (not an optional's).
    ///
    /// Reads the metadata kind, the first word of every type's metadata in Swift's stable ABI: 0x200 for
    /// structs, 0x201 for enums (0x202 is Optional, classes and existentials have other values).
    @inline(__always)
    static func isStructOrEnum(_ type: Any.Type) -> Bool {
        let kind = unsafeBitCast(type, to: UnsafeRawPointer.self).load(as: UInt.self)
        return kind == 0x200 || kind == 0x201
    }
}

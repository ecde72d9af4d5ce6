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

    /// Flags about a struct or enum type worked out once: bit 0 `Portable`, bit 1 a well-known native type
    /// (`UUID`, `Decimal`, `Duration`, the library's date types), bit 2 a `Set` the portable encoder can write.
    @inline(__always)
    mutating func encodingFlags(_ type: Any.Type) -> UInt8 {
        let id = ObjectIdentifier(type)
        for i in flagIDs.indices where flagIDs[i] == id { return flags[i] }
        var answer: UInt8 = 0
        if type is any Portable.Type { answer |= Self.portable }
        if type is any _WellKnownNative.Type { answer |= Self.wellKnownNative }
        if type is any _WellKnownEncodableSet.Type { answer |= Self.wellKnownSet }
        if flagIDs.count < 32 {
            flagIDs.append(id)
            flags.append(answer)
        }
        return answer
    }
    private var flagIDs: [ObjectIdentifier] = []
    private var flags: [UInt8] = []
    static let portable: UInt8 = 1
    static let wellKnownNative: UInt8 = 2
    static let wellKnownSet: UInt8 = 4

    /// Whether `type`'s metadata is a struct's or an enum's (not an optional's).
    ///
    /// Reads the metadata kind, the first word of every type's metadata in Swift's stable ABI: 0x200 for
    /// structs, 0x201 for enums (0x202 is Optional, classes and existentials have other values).
    @inline(__always)
    static func isStructOrEnum(_ type: Any.Type) -> Bool {
        let kind = unsafeBitCast(type, to: UnsafeRawPointer.self).load(as: UInt.self)
        return kind == 0x200 || kind == 0x201
    }

    /// Whether `type`'s metadata is an enum's (not an optional's); see ``isStructOrEnum(_:)``.
    static func isEnum(_ type: Any.Type) -> Bool {
        unsafeBitCast(type, to: UnsafeRawPointer.self).load(as: UInt.self) == 0x201
    }
}

// SPDX-License-Identifier: Apache-2.0
import MessagePack

/// The portable layer's questions about static types, asked through the core's `_TypeFactCache` so that each is
/// answered once per type and coder instead of with a dynamic cast per value (the cast cost several hundred
/// instructions for every nested value of a message, portable or not).
enum PortableTypeFacts {
    /// Flags about a struct or enum type, worked out once: bit 0 `Portable`, bit 1 a well-known native type
    /// (`UUID`, `Decimal`, `Duration`, the library's date types), bit 2 a `Set` the portable encoder can write,
    /// bit 3 a ``Polymorphic`` wrapper (the portable encoder writes it itself).
    static func encodingFlags(_ type: Any.Type) -> UInt8 {
        var answer: UInt8 = 0
        if type is any Portable.Type { answer |= portable }
        if type is any _WellKnownNative.Type { answer |= wellKnownNative }
        if type is any _WellKnownEncodableSet.Type { answer |= wellKnownSet }
        if type is any _PolymorphicMarker.Type { answer |= polymorphicWrapper }
        return answer
    }
    static let portable: UInt8 = 1
    static let wellKnownNative: UInt8 = 2
    static let wellKnownSet: UInt8 = 4
    static let polymorphicWrapper: UInt8 = 8
    /// ``encodingFlags(_:)`` from the process-wide table (see `_TypeFactCache.sharedFact`).
    static func sharedEncodingFlags(_ type: Any.Type) -> UInt8 { _TypeFactCache.sharedFact(of: type, table: 1, encodingFlags) }

    /// Flags about a static type the decoder is asked for, worked out once: bit 0 a ``Polymorphic`` wrapper (the
    /// portable decoder reads it itself), bit 1 a type whose only wire form is a portable object
    /// (`hasOnlyPortableForm`), bit 2 a `Set` read as a `pw.set` object.
    static func decodingFlags(_ type: Any.Type) -> UInt8 {
        var answer: UInt8 = 0
        if type is any _PolymorphicMarker.Type { answer |= polymorphic }
        if PortableDecodingState.hasOnlyPortableForm(type) { answer |= onlyPortableForm }
        if type is any _WellKnownDecodableSet.Type { answer |= decodableSet }
        return answer
    }
    static let polymorphic: UInt8 = 1
    static let onlyPortableForm: UInt8 = 2
    static let decodableSet: UInt8 = 4
    /// ``decodingFlags(_:)`` from the process-wide table (see `_TypeFactCache.sharedFact`).
    static func sharedDecodingFlags(_ type: Any.Type) -> UInt8 { _TypeFactCache.sharedFact(of: type, table: 2, decodingFlags) }

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

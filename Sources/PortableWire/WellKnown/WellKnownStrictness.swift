// SPDX-License-Identifier: Apache-2.0
import MessagePack

// Typed decoding of the native types of well-known types and of registered enums (Spec/well-known-types.md 3,
// rule 9): their only wire form is a portable object. Their `Codable` forms (UUID's string, Duration's two
// integers, Set's array, an enum's bare raw value) are what a plain MessagePack encoder writes; the portable
// decoder refuses them instead of converting, so a field's value never depends on which of two shapes arrived.

extension PortableDecodingState {
    /// Whether values of static type `type` travel only as portable objects: the Swift types of the well-known
    /// types (`UUID`, `Decimal`, `Duration`, `Set`, the library's date and time types) and enums that are
    /// `Portable` (their members are objects, section 9). `Date` is the timestamp ext and checks that itself.
    static func hasOnlyPortableForm(_ type: Any.Type) -> Bool {
        if type is any _WellKnownNative.Type || type is any _WellKnownDecodableSet.Type { return true }
        return PortableTypeFacts.isEnum(type) && type is any Portable.Type
    }

    /// The error for a value that is not a portable object where `T` needs one.
    @inline(never)
    func notInPortableForm<T>(_: T.Type, _ impl: _DecoderImpl) -> MessagePackError {
        let offset = impl.reader.offset
        let found = offset < impl.reader.bytes.count ? impl.reader.bytes[offset] : 0xc1
        let what = (T.self as? any Portable.Type).map { "a '\($0.portableName)' object" } ?? "a pw.set object"
        let hint: String
        if T.self is any _WellKnownNative.Type || T.self is any _WellKnownDecodableSet.Type {
            hint = "send \(T.self) as its well-known type (Spec/well-known-types.md 10; the Python peer and "
                + "PortableEncoder do); MessagePackDecoder reads the Codable form instead"
        } else {
            hint = "send the enum's member as a portable object (Spec/well-known-types.md 9), not its bare raw value"
        }
        return MessagePackError(
            .typeMismatch, at: offset,
            "expected \(T.self) as \(what) but found \(FormatByte.familyName(found)) (0x\(hexByte(found)))",
            hint: hint)
    }
}

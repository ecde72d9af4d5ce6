// SPDX-License-Identifier: Apache-2.0
import MessagePack

/// The error of `PortableDecoder.decode(_:from:)` for a type that is not `Decodable` (the message is decoded as it
/// is, then cast), when the cast fails: where in the message, and what it holds there, in a few words.
///
/// For an array type (`[any Shape]`) the first element that is not an `Element` is named, with its path and the
/// offset of its first byte; otherwise the body's offset. The value is summarised (its kind and size, or an
/// object's type), never printed whole: the message may hold millions of values.
enum CastMismatch {
    static func error<T>(
        _ value: PortableValue, expected _: T.Type, message: UnsafeRawBufferPointer, limits: MessagePackLimits,
        types: PortableExtensionTypes
    ) -> MessagePackError {
        let body = bodyOffset(message, limits: limits, types: types)
        if case .array(let elements) = value, let arrayType = T.self as? any _CastableArray.Type,
            let index = arrayType._firstMismatch(in: elements)
        {
            return MessagePackError(
                .typeMismatch, at: elementOffset(message, body: body, index: index, limits: limits) ?? body,
                path: MessagePackPath([.index(index)]),
                "expected \(arrayType._elementTypeName) but the message holds \(summary(elements[index])) here",
                hint: "register the concrete type, or decode into a wider type (PortableValue to inspect it)")
        }
        return MessagePackError(
            .typeMismatch, at: body, "expected \(T.self) but the message holds \(summary(value))",
            hint: "decode into PortableValue to inspect it")
    }

    /// A few words for `value`: its kind and size, an object's type, or a short scalar.
    static func summary(_ value: PortableValue) -> String {
        switch value {
        case .array(let elements): return "an array of \(elements.count) value\(elements.count == 1 ? "" : "s")"
        case .map(let entries): return "a map of \(entries.count) entr\(entries.count == 1 ? "y" : "ies")"
        case .object(let object):
            if let opaque = object as? OpaquePortable { return "a '\(opaque.name)' object of no registered type" }
            return "a \(type(of: object)) object"
        case .string(let text): return ErrorTextBounds.elidingMiddle("the string \(MessagePackPath.quoted(text))", maxByteCount: 120)
        case .binary(let bytes): return "\(bytes.count) bytes of bin"
        default: return ErrorTextBounds.elidingMiddle("\(value)", maxByteCount: 120)
        }
    }

    /// Where the body starts: after the global-data envelope's header and table, when the message has one.
    static func bodyOffset(_ message: UnsafeRawBufferPointer, limits: MessagePackLimits, types: PortableExtensionTypes) -> Int {
        var reader = MessagePackReader(message, limits: limits)
        guard reader.peekExtensionType() == types.globalData, (try? reader.readExtensionHeader()) != nil,
            (try? reader.skipValue(limits: limits)) != nil
        else { return 0 }
        return reader.offset
    }

    /// The offset of element `index` of the array at `body` (the message was decoded already, so it reads).
    static func elementOffset(_ message: UnsafeRawBufferPointer, body: Int, index: Int, limits: MessagePackLimits) -> Int? {
        var reader = MessagePackReader(message, offset: body, limits: limits)
        guard let count = try? reader.readArrayHeader(), index < count else { return nil }
        for _ in 0..<index where (try? reader.skipValue(limits: limits)) == nil { return nil }
        return reader.offset
    }
}

/// Arrays say which of their would-be elements is not an `Element`.
protocol _CastableArray {
    static func _firstMismatch(in elements: [PortableValue]) -> Int?
    static var _elementTypeName: String { get }
}

extension Array: _CastableArray {
    static func _firstMismatch(in elements: [PortableValue]) -> Int? {
        elements.firstIndex { !($0.unwrapped is Element) }
    }
    static var _elementTypeName: String { "\(Element.self)" }
}

// SPDX-License-Identifier: Apache-2.0
import MessagePack

/// A `Codable` property whose static type is a protocol (or any other non-`Codable` type): it travels as a
/// portable object and decodes as the registered concrete type.
///
///     struct Drawing: Codable {
///         @Polymorphic var shapes: [any Shape]
///         @Polymorphic var highlight: any Shape
///     }
///
/// It works with ``PortableEncoder`` and ``PortableDecoder`` only; other coders throw.
@propertyWrapper
public struct Polymorphic<Value>: Codable, _PolymorphicMarker {
    /// The wrapped value.
    public var wrappedValue: Value

    /// Wraps a value.
    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }

    /// `PortableEncoder` writes the wrapper itself (`PortableEncodingState.writePolymorphic`); any other encoder
    /// ends here.
    public func encode(to encoder: any Encoder) throws {
        throw _OtherCoder.cannotEncode(wrappedValue, encoder, "@Polymorphic values can only be encoded by PortableEncoder")
    }

    /// `PortableDecoder` reads the wrapper itself (`PortableDecodingState.readPolymorphic`); any other decoder
    /// ends here.
    public init(from decoder: any Decoder) throws {
        throw _OtherCoder.cannotDecode(Value.self, decoder, "@Polymorphic values can only be decoded by PortableDecoder")
    }
}

/// Lets the portable coders read and write `Polymorphic` wrappers themselves.
protocol _PolymorphicMarker {
    /// Writes the wrapped value, whatever its dynamic type, as the portable encoder writes any value.
    func _write(_ state: PortableEncodingState, _ impl: _EncoderImpl) throws
    /// Reads the wrapped value at the cursor as a portable value and casts it: the wire decides the type.
    static func _read(_ state: PortableDecodingState, _ impl: _DecoderImpl) throws -> Self
}

extension Polymorphic {
    func _write(_ state: PortableEncodingState, _ impl: _EncoderImpl) throws {
        try state.writeAny(wrappedValue, impl)
    }

    static func _read(_ state: PortableDecodingState, _ impl: _DecoderImpl) throws -> Polymorphic<Value> {
        let start = impl.reader.offset
        let value = try state.readValue(impl)
        guard let typed = value.unwrapped as? Value else {
            throw MessagePackError(
                .typeMismatch, at: start, "expected \(Value.self) but the message holds \(CastMismatch.summary(value)) here",
                hint: "register the concrete type, or widen the property's type")
        }
        return Polymorphic(wrappedValue: typed)
    }
}

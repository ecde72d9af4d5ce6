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

    public func encode(to encoder: any Encoder) throws {
        guard let impl = encoder as? _EncoderImpl, let state = impl.hook as? PortableEncodingState else {
            throw EncodingError.invalidValue(
                wrappedValue,
                EncodingError.Context(
                    codingPath: encoder.codingPath,
                    debugDescription: "@Polymorphic values can only be encoded by PortableEncoder"))
        }
        try state.writeAny(wrappedValue, impl)
    }

    public init(from decoder: any Decoder) throws {
        guard let impl = decoder as? _DecoderImpl, let state = impl.hook as? PortableDecodingState else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: "@Polymorphic values can only be decoded by PortableDecoder"))
        }
        let start = impl.reader.offset
        let value = try state.readValue(impl)
        guard let typed = value.unwrapped as? Value else {
            throw MessagePackError(
                .typeMismatch, at: start, "expected \(Value.self) but found \(value)",
                hint: "register the concrete type, or widen the property's type")
        }
        self.wrappedValue = typed
    }
}

/// Lets the decoder leave `Polymorphic` to its own `init(from:)`.
protocol _PolymorphicMarker {}

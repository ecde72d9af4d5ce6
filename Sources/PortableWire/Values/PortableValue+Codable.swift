// SPDX-License-Identifier: Apache-2.0

/// A `PortableValue` may be the type of a `Codable` field: `PortableEncoder` and `PortableDecoder` write and read it
/// as the value it holds (any value, portable objects and well-known values included, kept exactly as they came:
/// a decimal of 40 digits, a tuple, an object of a type this process does not know under passthrough).
///
///     struct Job: Codable { var name: String; var payload: PortableValue }
///
/// Other coders cannot carry portable objects or references, so they refuse it with an error naming the field.
extension PortableValue: Codable {
    /// Only `PortableDecoder` reads a `PortableValue`; any other decoder throws `DecodingError.typeMismatch`.
    public init(from decoder: any Decoder) throws {
        throw _OtherCoder.cannotDecode(
            Self.self, decoder,
            "a PortableValue field is read by PortableDecoder only; decode with it, or declare the field as MessagePackValue")
    }

    /// Only `PortableEncoder` writes a `PortableValue`; any other encoder gets `EncodingError.invalidValue`.
    public func encode(to encoder: any Encoder) throws {
        throw _OtherCoder.cannotEncode(
            self, encoder,
            "a PortableValue field is written by PortableEncoder only; encode with it, or declare the field as MessagePackValue")
    }
}

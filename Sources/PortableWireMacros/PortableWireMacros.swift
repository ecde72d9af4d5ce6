// SPDX-License-Identifier: Apache-2.0
@_exported import PortableWire

#if Macros
/// Generates `MessagePackEncodable` and `MessagePackDecodable` for a struct, class or enum, writing and
/// reading exactly what its synthesized `Codable` conformance writes and reads through `MessagePackEncoder` and
/// `MessagePackDecoder`, without Codable's containers.
///
///     @MessagePackCodable
///     struct Point: Codable { var x: Int; var y: Int }
///     Point(x: 1, y: 2).messagePackBytes()   // 82 a1 78 01 a1 79 02
///
/// The rules follow synthesized `Codable`:
/// - a struct or class is a map of its stored properties, in `CodingKeys` order, with `CodingKeys`' renames;
/// - an optional property is left out when nil; when decoding, absent and nil both give nil;
/// - a `let` with an initial value is written but never read;
/// - an enum with a raw type is its raw value; an enum with payloads is `{case: {label or _0: value, …}}`;
/// - `[UInt8]` is bin; dictionaries with `String` keys are maps sorted by key; sets are arrays;
/// - when decoding, keys may come in any order, unknown keys are skipped and the first of repeated keys wins;
///   errors carry the byte offset and the path of keys and indices.
///
/// Property wrappers, `lazy` properties and generic types are reported at the attribute.
@attached(member, names: named(init(from:)), named(encode(to:)))
@attached(extension, conformances: MessagePackEncodable, MessagePackDecodable, names: named(init(from:)), named(encode(to:)))
public macro MessagePackCodable() = #externalMacro(module: "PortableWireMacrosPlugin", type: "CodingMacro")

/// Makes a `Codable` struct or class a portable object whose data the portable coders write and read through
/// generated typed code (``PortableCodable``), registered under `name` (default: the module-qualified type name).
///
///     @Portable("app.Person")
///     struct Person: Codable { var name: String; var friend: Person? }
///     let registry = try TypeRegistry(registering: Person.self)
///
/// The bytes are the type's `Codable` data through ``PortableEncoder``: numbers, strings, bools, bin and arrays of
/// them are written and read directly; other fields (nested models, portable objects, protocol-typed fields,
/// dictionaries) go through the portable coders, so objects, back-references and cycle checks work as before.
@attached(member, names: named(init(portableData:)), named(encodePortableData(to:)))
@attached(
    extension, conformances: PortableCodable,
    names: named(portableName), named(init(portableData:)), named(encodePortableData(to:)))
public macro Portable(_ name: String? = nil) = #externalMacro(module: "PortableWireMacrosPlugin", type: "CodingMacro")
#endif

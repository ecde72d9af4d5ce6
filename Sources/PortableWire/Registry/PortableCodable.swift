// SPDX-License-Identifier: Apache-2.0
import MessagePack

/// A portable type whose data the portable coders write and read through generated typed code instead of
/// `Codable`'s containers: what `@Portable("name")` (product `PortableWireMacros`) generates.
///
/// The bytes are those of the type's `Codable` conformance through ``PortableEncoder``: fields of plain types
/// (numbers, strings, bools, bin, arrays and optionals of them) are written and read directly; every other
/// field (a nested model, another portable object, a protocol-typed field, a dictionary) goes through the
/// portable coders as it would from `Codable`, so objects, back-references, cycle checks and global data behave
/// the same. ``TypeRegistry/register(_:as:)`` picks this route when the type conforms.
public protocol PortableCodable: Portable, Codable {
    /// Writes this object's data (its fields as a map) through `data`.
    func encodePortableData(to data: PortableDataEncoder) throws
    /// Reads an object's data (its fields as a map) through `data`.
    init(portableData data: PortableDataDecoder) throws
}

/// The portable encoder as generated code sees it while writing one object's data.
public struct PortableDataEncoder {
    let _impl: _EncoderImpl

    init(_ impl: _EncoderImpl) { _impl = impl }

    /// The message's writer, for fields written directly.
    ///
    /// Each use is one short access; do not hold it across a call to ``encode(_:key:)``, which writes to the
    /// same writer. (Not inlinable: the encoder's internals stay out of the module interface; the cost is a call
    /// per access.)
    public var writer: MessagePackWriter {
        _read { yield _impl.writer }
        nonmutating _modify { yield &_impl.writer }
    }

    /// Writes `value`, the value of map key `key`, through the portable encoder (a portable object becomes an
    /// ext, a shared instance a back-reference), exactly as `Codable` would.
    public func encode<T: Encodable>(_ value: T, key: StaticString) throws {
        _impl.codingPath.append(_IndexKey(stringValue: "\(key)"))
        defer { _impl.codingPath.removeLast() }
        try _impl.encodeValue(value)
    }
}

/// The portable decoder as generated code sees it while reading one object's data.
public struct PortableDataDecoder {
    let _impl: _DecoderImpl

    init(_ impl: _DecoderImpl) { _impl = impl }

    /// The message's reader, for fields read directly (positioned at the object's data).
    public var reader: MessagePackReader {
        _read { yield _impl.reader }
        nonmutating _modify { yield &_impl.reader }
    }

    /// Reads the value of map key `key` through the portable decoder (objects, back-references), exactly as
    /// `Codable` would; errors get the key in their path.
    public func decode<T: Decodable>(_ type: T.Type, key: StaticString) throws -> T {
        _impl.codingPath.append(_IndexKey(stringValue: "\(key)"))
        defer { _impl.codingPath.removeLast() }
        do {
            return try _impl.decodeValue(type)
        } catch let error as MessagePackError {
            throw error.prefixed(with: .key("\(key)"))
        }
    }
}

extension TypeRegistry {
    /// A registry holding `types`, each under its `portableName`.
    ///
    ///     let registry = try TypeRegistry(registering: Person.self, Order.self, Node.self)
    ///
    /// - Throws: `MessagePackError` as ``register(_:as:)`` does.
    public init<each T: Portable>(registering types: repeat (each T).Type) throws {
        self.init()
        repeat try register(each types)
    }

    static func typedDataEncoder<T: PortableCodable>(for _: T.Type) -> (any Portable, _EncoderImpl) throws -> Void {
        { object, impl in
            // The registry looked this entry up by the object's dynamic type, so it is a `T`.
            try (object as! T).encodePortableData(to: PortableDataEncoder(impl))
        }
    }

    static func typedDataDecoder<T: PortableCodable>(for _: T.Type) -> (_DecoderImpl) throws -> any Portable {
        { impl in try T(portableData: PortableDataDecoder(impl)) }
    }
}

extension GlobalData {
    /// The portable object stored under `key`, as a `T`: the typed way to read a global-data entry.
    ///
    ///     static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> Row {
    ///         Row(person: try globalData.object(Person.self, forKey: data.stringValue ?? ""))
    ///     }
    ///
    /// - Throws: `MessagePackError` `.malformedPortable` when the key is missing or holds something else
    ///   (naming the key and what it holds); `.globalDataUnavailable` as ``value(forKey:)`` does.
    public func object<T>(_ type: T.Type, forKey key: String) throws -> T {
        guard let value = try value(forKey: key) else {
            throw MessagePackError(
                .malformedPortable, at: -1, "global data has no entry '\(key)'",
                hint: "the sender's serializer must store the entry it refers to")
        }
        guard let object = value.object as? T else {
            throw MessagePackError(
                .malformedPortable, at: -1, "global data entry '\(key)' is not a \(T.self): \(value)",
                hint: "register the entry's type on both ends under the same name")
        }
        return object
    }
}

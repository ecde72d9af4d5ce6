// SPDX-License-Identifier: Apache-2.0

/// A type that writes itself straight to a ``MessagePackWriter``, without Codable's containers.
///
/// This is the typed fast path: a conformance is a few `write` calls, fully specialised, with no
/// existential boxes, dictionaries or per-value allocation. The bytes are the same canonical
/// MessagePack that ``MessagePackEncoder`` writes for the equivalent `Codable` type (a struct is a
/// map from field names to values, in declaration order).
///
///     struct Point: MessagePackEncodable {
///         var x: Int, y: Int
///         func encode(to writer: inout MessagePackWriter) {
///             writer.writeMapHeader(count: 2)
///             writer.encode(x, key: "x")
///             writer.encode(y, key: "y")
///         }
///     }
///     Point(x: 1, y: 2).messagePackBytes()   // 82 a1 78 01 a1 79 02
public protocol MessagePackEncodable {
    /// Appends this value to `writer` as exactly one MessagePack value.
    func encode(to writer: inout MessagePackWriter)
}

extension MessagePackEncodable {
    /// Encodes this value as one MessagePack message.
    ///
    /// - Parameter capacity: The writer's initial capacity; pass the expected size to avoid regrowth.
    @inlinable
    public func messagePackBytes(capacity: Int = 256) -> [UInt8] {
        var writer = MessagePackWriter(capacity: capacity)
        encode(to: &writer)
        return writer.finish()
    }

    /// Encodes this value as one message, checking its depth against `limits.maxDepth`.
    ///
    /// Nesting is counted where the value recurses through ``MessagePackWriter/encode(_:)``,
    /// ``MessagePackWriter/encodeArray(_:)``, dictionaries and ``MessagePackValue``s (see
    /// ``MessagePackWriter/maxDepth``), so a reference cycle or a too-deep value stops with an error instead
    /// of overflowing the stack or producing a message the receiver rejects.
    ///
    /// - Throws: ``MessagePackError`` `.limitExceeded` naming `maxDepth`.
    @inlinable
    public func messagePackBytes(limits: MessagePackLimits, capacity: Int = 256) throws(MessagePackError) -> [UInt8] {
        var writer = MessagePackWriter(capacity: capacity)
        writer.maxDepth = limits.maxDepth
        encode(to: &writer)
        try writer.checkDepth()
        return writer.finish()
    }
}

extension MessagePackWriter {
    /// Appends `value` through its ``MessagePackEncodable`` conformance, as an element of the container being
    /// written: the value counts one level deeper (see ``maxDepth``).
    @inlinable
    public mutating func encode<T: MessagePackEncodable>(_ value: T) {
        // The container around `value` is at depth `_depth + 1`.
        guard _mayOpenContainer() else { return }
        _depth &+= 1
        value.encode(to: &self)
        _depth &-= 1
    }

    /// Writes one field of a map: the key `key`, then `value` as ``encode(_:)`` writes it. The counterpart of
    /// ``MessagePackReader/decode(_:key:)`` in a hand-written conformance.
    ///
    ///     writer.writeMapHeader(count: 2)
    ///     writer.encode(x, key: "x")
    ///     writer.encode(y, key: "y")
    @inlinable
    public mutating func encode<T: MessagePackEncodable>(_ value: T, key: StaticString) {
        writeKey(key)
        encode(value)
    }

    /// Writes a map key (or any fixed string) from a literal, without creating a `String`.
    ///
    ///     writer.writeKey("id")   // a2 69 64
    @inlinable
    public mutating func writeKey(_ key: StaticString) {
        precondition(key.hasPointerRepresentation, "map keys must be string literals, not single scalars")
        writeString(utf8: UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
    }

    /// Writes a sequence of encodable elements as one array.
    @inlinable
    public mutating func encodeArray<C: Collection>(_ elements: C) where C.Element: MessagePackEncodable {
        guard _mayOpenContainer() else { return }
        _writeArrayHeader(count: elements.count)
        _depth &+= 1
        for element in elements { element.encode(to: &self) }
        _depth &-= 1
    }
}

// MARK: Standard library conformances

extension Bool: MessagePackEncodable {
    @inlinable public func encode(to writer: inout MessagePackWriter) { writer.write(self) }
}

extension Double: MessagePackEncodable {
    @inlinable public func encode(to writer: inout MessagePackWriter) { writer.write(self) }
}

extension Float: MessagePackEncodable {
    @inlinable public func encode(to writer: inout MessagePackWriter) { writer.write(self) }
}

extension String: MessagePackEncodable {
    @inlinable public func encode(to writer: inout MessagePackWriter) { writer.write(self) }
}

extension Optional: MessagePackEncodable where Wrapped: MessagePackEncodable {
    /// Writes nil for `.none`, else the wrapped value.
    @inlinable
    public func encode(to writer: inout MessagePackWriter) {
        switch self {
        case .none: writer.writeNil()
        case .some(let wrapped): wrapped.encode(to: &writer)
        }
    }
}

extension Array: MessagePackEncodable where Element: MessagePackEncodable {
    /// Writes an array; `[UInt8]` is an array of integers here, use ``MessagePackWriter/writeBinary(_:)-([UInt8])`` for bin.
    @inlinable
    public func encode(to writer: inout MessagePackWriter) { writer.encodeArray(self) }
}

extension Dictionary: MessagePackEncodable where Key == String, Value: MessagePackEncodable {
    /// Writes a map with keys sorted by their UTF-8 bytes, so the bytes do not depend on hashing (as
    /// ``MessagePackEncoder`` does).
    @inlinable
    public func encode(to writer: inout MessagePackWriter) {
        guard writer._mayOpenContainer() else { return }
        writer._writeMapHeader(count: count)
        writer._depth &+= 1
        // By UTF-8 bytes, not `String`'s `<` (which compares canonically equivalent strings as equal).
        for key in keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            writer.write(key)
            self[key].unsafelyUnwrapped.encode(to: &writer)
        }
        writer._depth &-= 1
    }
}

extension MessagePackValue: MessagePackEncodable {
    /// Writes the value, keeping map order.
    @inlinable
    public func encode(to writer: inout MessagePackWriter) { writer.write(self) }
}

// SPDX-License-Identifier: Apache-2.0
import MessagePack

/// Encodes messages that may contain portable objects, shared references and global data.
///
/// Plain values come out as canonical MessagePack, exactly as `MessagePackEncoder` writes them. A
/// ``Portable`` value becomes one ext value carrying its registered name (sent once per message, then by
/// index); a class instance met again becomes a back-reference, so it arrives as the same instance; a
/// cycle among non-two-phase classes fails with both paths. See Spec/portable-objects.md.
///
///     var registry = TypeRegistry()
///     try registry.register(Person.self)
///     let bytes = try PortableEncoder(registry: registry).encode([alice, alice, bob])
///
/// - Throws: `MessagePackError`, and only it, with the value path (`.cannotSerialize`, `.cycleDetected`,
///   `.limitExceeded`, …); an error your own `encode(to:)` or `serialize(globalData:)` throws becomes
///   `.cannotSerialize`, the original kept as `underlyingError` (README, "Errors").
public struct PortableEncoder: Sendable {
    /// The types that may be sent.
    public var registry: TypeRegistry
    /// Plain-value choices (dictionary key order, positional structs).
    public var options = MessagePackEncoder.Options()
    /// The ext type codes (both ends must agree).
    public var extensionTypes = PortableExtensionTypes()
    /// The deepest nesting written before `.limitExceeded` (objects count as a level).
    public var maxDepth = MessagePackLimits.default.maxDepth
    /// Values handed to every `encode(to:)` as `encoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]
    /// Whether a message with global data reuses the body's first encoding behind the table (see
    /// `BodyRelocation`) instead of encoding the body again. Off only in tests that compare the two.
    package var rewritesBodyBehindTable = true

    /// Creates an encoder for the types in `registry`.
    public init(registry: TypeRegistry) { self.registry = registry }

    /// Encodes a `Codable` value (which may be or contain portable objects) as one message.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        try encodeMessage { state, impl in try impl.encodeValue(value) }
    }

    /// Encodes a dynamic value as one message.
    public func encode(_ value: PortableValue) throws -> [UInt8] {
        try encodeMessage { state, impl in try state.write(value, impl) }
    }

    /// Encodes a value known only at run time: `[String: Any]`, `[Any]`, `[any Shape]`, plain Swift values,
    /// portable objects and `Encodable`s, in any nesting. Anything else throws `.cannotSerialize` with its path.
    public func encode(any value: Any) throws -> [UInt8] {
        try encodeMessage { state, impl in try state.writeAny(value, impl) }
    }

    /// Encodes a dynamic body with an explicit global data table (custom serializers may add to it).
    public func encode(_ value: PortableValue, globalData: [(key: String, value: PortableValue)]) throws -> [UInt8] {
        try encodeMessage(initialGlobalData: globalData) { state, impl in try state.write(value, impl) }
    }

    // Appending to the caller's writer: no array is made and nothing is copied (but the body of a message with
    // global data, which moves behind the table). Reuse one writer across messages (`removeAll()` keeps its
    // capacity) and hand its bytes on with `withUnsafeBytes`:
    //
    //     var writer = MessagePackWriter()
    //     for job in jobs {
    //         writer.removeAll()
    //         try encoder.encode(job, into: &writer)
    //         try writer.withUnsafeBytes { try socket.send($0) }
    //     }

    /// Encodes a `Codable` value as one message, appending it to `writer`: no array is made and the bytes are
    /// not copied. On an error, `writer` holds what it held before.
    public func encode<T: Encodable>(_ value: T, into writer: inout MessagePackWriter) throws {
        try encodeMessage(into: &writer) { state, impl in try impl.encodeValue(value) }
    }

    /// Encodes a dynamic value as one message, appending it to `writer`.
    public func encode(_ value: PortableValue, into writer: inout MessagePackWriter) throws {
        try encodeMessage(into: &writer) { state, impl in try state.write(value, impl) }
    }

    /// Encodes a value known only at run time (see ``encode(any:)``) as one message, appending it to `writer`.
    public func encode(any value: Any, into writer: inout MessagePackWriter) throws {
        try encodeMessage(into: &writer) { state, impl in try state.writeAny(value, impl) }
    }

    /// Encodes `value` as one message and says whether it wrote class instances (objects with an identity).
    func encodeStandalone<T: Encodable>(_ value: T) throws -> (bytes: [UInt8], hasIdentityObjects: Bool) {
        var hasIdentityObjects = false
        let bytes = try encodeMessage { state, impl in
            try impl.encodeValue(value)
            hasIdentityObjects = hasIdentityObjects || !state.retained.isEmpty
        }
        return (bytes, hasIdentityObjects)
    }

    /// Encodes one message with `body` (see `encodePasses`) and returns it as an array.
    func encodeMessage(
        initialGlobalData: [(key: String, value: PortableValue)] = [],
        _ body: (PortableEncodingState, _EncoderImpl) throws -> Void
    ) throws -> [UInt8] {
        do {
            let first = try makeFirstPass(initialGlobalData)
            let second = try encodePasses(first, start: 0, body)
            return (second ?? first.impl).writer.bytes
        } catch {
            throw Self.reported(error)
        }
    }

    /// The same, appending the message to `writer` (left as it was on an error): the first pass writes into the
    /// caller's writer itself, and a message with global data is put in place of what it wrote.
    func encodeMessage(
        initialGlobalData: [(key: String, value: PortableValue)] = [], into writer: inout MessagePackWriter,
        _ body: (PortableEncodingState, _EncoderImpl) throws -> Void
    ) throws {
        let start = writer.byteCount
        do {
            let first = try makeFirstPass(initialGlobalData)
            swap(&first.impl.writer, &writer)
            defer { swap(&first.impl.writer, &writer) }
            if let second = try encodePasses(first, start: start, body) {
                first.impl.writer._truncate(to: start)
                second.writer.withUnsafeBytes { first.impl.writer.writeRawBytes($0) }
            }
        } catch {
            writer._truncate(to: start)
            throw Self.reported(error)
        }
    }

    /// The error an entry point reports.
    static func reported(_ error: any Error) -> any Error {
        // Errors the portable layer built with their whole path, which the containers must not prefix again.
        if let located = error as? _LocatedError { return located.error }
        // One error type from every entry point (README, "Errors"): an `EncodingError` or any other error of the
        // application's `encode(to:)` becomes `.cannotSerialize`, the original underneath.
        return MessagePackError.encodingFailure(error)
    }

    /// The state and coder of a message's first pass, with the global data the caller gives.
    func makeFirstPass(_ initialGlobalData: [(key: String, value: PortableValue)]) throws
        -> (state: PortableEncodingState, impl: _EncoderImpl)
    {
        let globalData = GlobalData(isAvailable: true)
        for entry in initialGlobalData { try globalData.set(entry.value, forKey: entry.key) }
        return makeImpl(globalData: globalData, cache: SerializationCache())
    }

    /// Runs `body` once into `first`'s writer (the message starts at `start`) to collect global data. Returns nil
    /// when there is none (the message is that first pass), else the coder of a second pass whose writer holds the
    /// message rebuilt so that type-name indices and object ids follow wire order (table first, then body).
    func encodePasses(
        _ first: (state: PortableEncodingState, impl: _EncoderImpl), start: Int,
        _ body: (PortableEncodingState, _EncoderImpl) throws -> Void
    ) throws -> _EncoderImpl? {
        let globalData = first.state.globalData
        try body(first.state, first.impl)
        try first.impl.closeFrames(downTo: 0)
        if globalData.count == 0 { return nil }

        globalData.isFrozen = true
        let second = makeImpl(globalData: globalData, cache: first.state.serialized)
        let impl = second.impl
        // The envelope is a container, and so is its table (Spec/portable-objects.md 2): table entries sit at
        // depth 2 and the body at depth 1, so the second pass fails where the envelope would make the message
        // deeper than maxDepth.
        guard maxDepth >= 2 else { throw _EncoderImpl.tooDeep(maxDepth) }
        let envelope = impl.writer.beginExtension(type: extensionTypes.globalData)
        impl.writer.writeMapHeader(count: globalData.count)
        second.state.insideGlobalData = true
        impl.depth = 2
        for entry in globalData.entries {
            impl.writer.write(entry.key)
            impl.codingPath.append(_GlobalDataKey(stringValue: entry.key))
            try second.state.write(entry.value, impl)
            impl.codingPath.removeLast()
        }
        impl.depth = 1
        second.state.insideGlobalData = false
        // The body is written once: the first pass's bytes, renumbered behind the table, unless the table holds a
        // class instance the body also holds (then the body refers back to the table's copy) or the body is too
        // deep to fit inside the envelope (then the second pass reports where).
        if rewritesBodyBehindTable,
            second.state.written.keys.allSatisfy({ first.state.written[$0] == nil }),
            let names = try first.impl.writer.withUnsafeBytes({ bytes in
                try BodyRelocation.relocate(
                    UnsafeRawBufferPointer(rebasing: bytes[start...]), into: &impl.writer, typeIndex: second.state.typeIndex,
                    objectsBefore: second.state.nextObjectID, maxDepth: maxDepth, types: extensionTypes)
            })
        {
            second.state.typeIndex = names
        } else {
            try body(second.state, impl)
            try impl.closeFrames(downTo: 0)
        }
        impl.writer.endExtension(envelope)
        return impl
    }

    func makeImpl(globalData: GlobalData, cache: SerializationCache) -> (state: PortableEncodingState, impl: _EncoderImpl) {
        let state = PortableEncodingState(
            registry: registry, types: extensionTypes, sortsDictionaryKeys: options.sortsDictionaryKeys,
            globalData: globalData, serialized: cache)
        let impl = _EncoderImpl(options: options, userInfo: userInfo)
        impl.hook = state
        impl.maxDepth = maxDepth
        return (state, impl)
    }
}

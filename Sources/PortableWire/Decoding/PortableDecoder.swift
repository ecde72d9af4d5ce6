// SPDX-License-Identifier: Apache-2.0
import MessagePack

/// Decodes messages that may contain portable objects, back-references and global data.
///
/// Only registered types are ever instantiated; back-references resolve to the same instance (`===`);
/// a reference to an object still being decoded is rejected unless its type is two-phase. Work and memory
/// are linear in the message size: references share instances, they are never copied.
///
///     let people = try PortableDecoder(registry: registry).decode([Person].self, from: bytes)
///     let shapes = try PortableDecoder(registry: registry).decode([any Shape].self, from: bytes)
///
/// - Throws: `MessagePackError`, and only it, with byte offset and value path (`.unknownType`,
///   `.danglingReference`, `.incompleteReference`, `.typeReferenceOutOfRange`, `.malformedPortable`, `.truncated`,
///   …); Codable's own `DecodingError`s (a missing key, a value of the wrong kind) and any error your
///   `init(from:)` or deserializer throws become `.typeMismatch` with the offset and path, the original kept as
///   `underlyingError` (Spec/portable-objects.md 3.2; README, "Errors").
public struct PortableDecoder: Sendable {
    /// What to do with a type name the registry does not know.
    public enum UnknownTypes: Sendable {
        /// Throw `.unknownType` with the name, the path and a hint (the default).
        case reject
        /// Decode it into an ``OpaquePortable`` that re-encodes byte-identical.
        case passthrough
    }

    /// The types that may be received.
    public var registry: TypeRegistry
    /// Plain-value choices.
    public var options = MessagePackDecoder.Options()
    /// Bounds on the input: the plain ones (`limits.maxDepth`) and the portable layer's (`limits.maxObjectCount`).
    public var limits = PortableLimits()
    /// The ext type codes (both ends must agree).
    public var extensionTypes = PortableExtensionTypes()
    /// Unknown type names: rejected by default.
    public var unknownTypes = UnknownTypes.reject
    /// Values handed to every `init(from:)` as `decoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]
    /// Reference cycles among two-phase objects: allowed by default, as the Spec allows them.
    public var cycles = Cycles.allow

    /// Whether a message may close a reference cycle (a back-reference to a two-phase object still being
    /// decoded, Spec/portable-objects.md "Two-phase types and cycles").
    ///
    /// Under ARC a cycle that arrives intact is a retain cycle: unless the types break it (a `weak` edge), the
    /// objects are never freed. That includes ``OpaquePortable`` objects of unknown two-phase types under
    /// ``UnknownTypes/passthrough``, whose data holds its references strongly. A service decoding untrusted
    /// input whose types do not need cycles should choose `.reject`, so that no message can make it leak.
    public enum Cycles: Sendable {
        /// Build cycles among two-phase objects (the Spec's behaviour; the default).
        case allow
        /// Throw `.incompleteReference` for any back-reference to an object still being decoded.
        case reject
    }

    /// Creates a decoder for the types in `registry`.
    public init(registry: TypeRegistry) { self.registry = registry }

    /// Decodes one message into a `Decodable` type.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        try _withContiguousBytes(bytes) { raw in try decode(type, raw: raw) }
    }

    /// The raw-memory entries of this package's adapters (stream and NIO decoders), which hold memory they manage
    /// themselves; the public entries take a collection or a `RawSpan`.
    package func decode<T: Decodable>(_ type: T.Type, raw: UnsafeRawBufferPointer) throws -> T {
        try withMessage(raw: raw) { state, impl in try impl.decodeValue(type) }
    }

    package func decode<T>(_ type: T.Type, raw: UnsafeRawBufferPointer) throws -> T {
        try cast(try decodeMessage(raw: raw).body, to: T.self, message: raw)
    }

    /// The result of a non-`Decodable` decode: the message's dynamic value cast to `T`.
    func cast<T>(_ value: consuming PortableValue, to _: T.Type, message raw: UnsafeRawBufferPointer) throws -> T {
        // The dynamic tree is only a step on the way: it is freed without recursion, however deep (the Swift
        // values returned are the caller's, and Swift frees those its own way).
        guard let typed = value.unwrapped as? T else {
            let error = CastMismatch.error(value, expected: T.self, message: raw, limits: limits.plain, types: extensionTypes)
            (consume value).releaseIteratively()
            throw error
        }
        (consume value).releaseIteratively()
        return typed
    }

    package func decodeMessage(raw: UnsafeRawBufferPointer) throws -> PortableMessage {
        try withMessage(raw: raw) { state, impl in
            PortableMessage(body: try state.readValue(impl), globalData: state.globalData.entries)
        }
    }

    // The stream decoder's one-pass route (`MessagePackStreamDecoder._nextInPlace`): `raw` holds a message at its
    // front and maybe more after it. The wire-order scan, which every decode makes first, finds where the message
    // ends; only its bytes are decoded. Nil when the scan or the decode fails (the message may not be all there):
    // the stream's frame route then reports the error.

    package func _decodeFront<T: Decodable>(_ type: T.Type, raw: UnsafeRawBufferPointer, byteCount: inout Int) -> T? {
        try? withMessage(raw: raw, atFront: true, byteCount: &byteCount) { state, impl in try impl.decodeValue(type) }
    }

    package func _decodeFront<T>(_ type: T.Type, raw: UnsafeRawBufferPointer, byteCount: inout Int) -> T? {
        var count = 0
        guard let message = _decodeMessageFront(raw: raw, byteCount: &count),
            let value = try? cast(message.body, to: T.self, message: UnsafeRawBufferPointer(rebasing: raw[..<count]))
        else { return nil }
        byteCount = count
        return value
    }

    package func _decodeMessageFront(raw: UnsafeRawBufferPointer, byteCount: inout Int) -> PortableMessage? {
        try? withMessage(raw: raw, atFront: true, byteCount: &byteCount) { state, impl in
            PortableMessage(body: try state.readValue(impl), globalData: state.globalData.entries)
        }
    }

    /// Decodes one message into a `Decodable` type, from a span (a `ByteBuffer`'s `readableBytesSpan`, an
    /// array's `span.bytes`) read in place.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: RawSpan) throws -> T {
        try bytes.withUnsafeBytes { raw in try decode(type, raw: raw) }
    }

    /// Decodes one message into a type that is not `Decodable`, from a span read in place.
    public func decode<T>(_ type: T.Type, from bytes: RawSpan) throws -> T {
        try bytes.withUnsafeBytes { raw in try decode(type, raw: raw) }
    }

    /// Decodes one message into a dynamic value, from a span read in place.
    public func decode(from bytes: RawSpan) throws -> PortableValue {
        try decodeMessage(from: bytes).body
    }

    /// Decodes one message into a dynamic body plus its global data table, from a span read in place.
    public func decodeMessage(from bytes: RawSpan) throws -> PortableMessage {
        try bytes.withUnsafeBytes { raw in try decodeMessage(raw: raw) }
    }

    /// Decodes one message into a dynamic value.
    public func decode(from bytes: some Collection<UInt8>) throws -> PortableValue {
        try decodeMessage(from: bytes).body
    }

    /// Decodes one message into a dynamic body plus its global data table.
    public func decodeMessage(from bytes: some Collection<UInt8>) throws -> PortableMessage {
        try _withContiguousBytes(bytes) { raw in try decodeMessage(raw: raw) }
    }

    /// Decodes one message into a type that is not `Decodable`: `[any Shape]`, `any Shape`, `[String: Any]`.
    ///
    /// The same operation as the `Decodable` overload, for the types Codable cannot describe: the message is
    /// decoded as it is (objects as their registered concrete types) and then cast to `T`. The compiler picks
    /// this overload only when `T` is not `Decodable`.
    ///
    /// - Throws: `.typeMismatch` when the decoded value is not a `T`.
    public func decode<T>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        try _withContiguousBytes(bytes) { raw in try decode(type, raw: raw) }
    }

    func withMessage<R>(raw: UnsafeRawBufferPointer, _ body: (PortableDecodingState, _DecoderImpl) throws -> R)
        throws -> R
    {
        var byteCount = 0
        return try withMessage(raw: raw, atFront: false, byteCount: &byteCount, body)
    }

    /// Decodes the message that fills `raw`, or with `atFront` the one at its front (its end found by the scan),
    /// with `body`; sets `byteCount` to the message's size.
    func withMessage<R>(
        raw whole: UnsafeRawBufferPointer, atFront: Bool, byteCount: inout Int,
        _ body: (PortableDecodingState, _DecoderImpl) throws -> R
    ) throws -> R {
        guard whole.count <= limits.maxMessageByteCount else {
            throw MessagePackError.limit("maxMessageByteCount", limits.maxMessageByteCount, at: 0)
        }
        // One wire-order pass first: object ids, type names and every check the Spec makes of the bytes, whatever
        // order the receiving types will read their fields in (Spec/portable-objects.md 5, 6, 11).
        var scanner = PortableMessageScanner(
            whole, limits: limits, types: extensionTypes, registry: registry, passthrough: unknownTypes == .passthrough,
            rejectsCycles: cycles == .reject)
        try scanner.scanMessage()
        let raw = atFront ? UnsafeRawBufferPointer(rebasing: whole[..<scanner.reader.offset]) : whole
        let state = PortableDecodingState(
            registry: registry, types: extensionTypes, limits: limits.plain, index: scanner.index, message: raw,
            rejectsCycles: cycles == .reject)
        let impl = _DecoderImpl(raw, options: options, limits: limits.plain, userInfo: userInfo)
        impl.reader._strsAreValidated = true  // the scan checked every str
        impl.hook = state
        let result: R
        do {
            result = try state.readMessage(impl) { try body(state, impl) }
        } catch let located as _LocatedError {
            throw located.error
        } catch let error as MessagePackError {
            throw impl.deferredError ?? error
        } catch {
            // Codable's own errors (a missing key, a value of the wrong kind) and any other error of the caller's
            // code become the Spec's typeMismatch with the offset reached and the path, so callers see one error
            // type (portable-objects.md 3.2; README, "Errors").
            throw impl.deferredError ?? MessagePackError.decodingFailure(error, at: impl.reader.offset)
        }
        if let deferredError = impl.deferredError { throw deferredError }
        guard impl.reader.isAtEnd else {
            throw MessagePackError(
                .trailingBytes, at: impl.reader.offset, "\(impl.reader.remainingByteCount) byte(s) follow the message",
                hint: "decode a sequence with a stream decoder, or check the framing")
        }
        byteCount = raw.count
        return result
    }
}

/// A decoded message: its body and the global data that came ahead of it.
public struct PortableMessage {
    /// The message body.
    public var body: PortableValue
    /// The global data table, in wire order (empty when the message had none).
    public var globalData: [(key: String, value: PortableValue)]
}

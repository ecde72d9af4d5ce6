// SPDX-License-Identifier: Apache-2.0
import MessagePack

/// Everything one message's decoding remembers: the message's index (object ids, types and extents in wire
/// order), the instances built so far, which objects are still being decoded, and the global data.
///
/// Objects are found by the offset of their header, so the order in which a receiving type asks for its fields
/// never changes which object an id or a back-reference means (Spec/portable-objects.md sections 5 and 6). A
/// back-reference to an object that the receiver has not built yet (it lies in a field the receiver skipped or
/// reads later) builds it there and then from its recorded offset.
final class PortableDecodingState: _DecodingHook {
    let registry: TypeRegistry
    let types: PortableExtensionTypes
    let limits: MessagePackLimits
    let index: PortableMessageIndex
    /// The whole message, for building objects away from the cursor.
    let message: UnsafeRawBufferPointer
    var globalData = GlobalData(isAvailable: true)
    let unavailable = GlobalData(isAvailable: false)
    @exclusivity(unchecked) var insideGlobalData = false

    enum Slot {
        /// Not built yet.
        case pending
        /// Being decoded; a two-phase object is already published.
        case open(published: (any Portable)?)
        /// Built.
        case done(any Portable)
    }
    @exclusivity(unchecked) var objects: [Slot]
    /// The id of the object expected next in wire order (a lookup hint).
    @exclusivity(unchecked) var nextID = 0

    /// Whether back-references to objects still being decoded are refused (``PortableDecoder/Cycles/reject``).
    let rejectsCycles: Bool

    init(
        registry: TypeRegistry, types: PortableExtensionTypes, limits: MessagePackLimits, index: PortableMessageIndex,
        message: UnsafeRawBufferPointer, rejectsCycles: Bool = false
    ) {
        self.rejectsCycles = rejectsCycles
        self.registry = registry
        self.types = types
        self.limits = limits
        self.index = index
        self.message = message
        self.objects = Array(repeating: .pending, count: index.objects.count)
    }

    var currentGlobalData: GlobalData { insideGlobalData ? unavailable : globalData }

    /// What the hook needs to know about each static type (`PortableTypeFacts.decodingFlags`): a `Polymorphic`
    /// wrapper, a type whose only form is a portable object, a `Set`.
    @exclusivity(unchecked) var facts = _TypeFactCache()

    // MARK: Hook

    func decode<T: Decodable>(_ type: T.Type, impl: _DecoderImpl) throws -> T? {
        if T.self == PortableValue.self { return _identityCast(try readValue(impl), to: T.self) }
        // One cached lookup per value: no casts for plain types.
        let flags = facts.fact(of: T.self, PortableTypeFacts.sharedDecodingFlags)
        if flags & PortableTypeFacts.polymorphic != 0, let wrapper = T.self as? any _PolymorphicMarker.Type {
            return try Self.readPolymorphic(wrapper, as: T.self, self, impl)
        }
        if let ext = impl.reader.peekExtensionType(), isPortable(ext) {
            if flags & PortableTypeFacts.decodableSet != 0, let setType = T.self as? any _WellKnownDecodableSet.Type {
                return try Self.readSet(setType, as: T.self, self, impl)
            }
            let start = impl.reader.offset
            let object = try readObject(impl)
            // The wire decides the type: the object is a `T`, or the message does not fit the receiver.
            if let typed = object as? T { return typed }
            // A well-known value kept generic in the message's objects may still have an equal `T` (a decimal
            // whose trailing zeros Foundation's Decimal drops).
            if let opaque = object as? OpaquePortable, opaque.isWellKnown,
                let native = T.self as? any _WellKnownNative.Type, native._wellKnownType.name == opaque.name,
                let typed = native._typedValue(from: opaque.data) as? T
            {
                return typed
            }
            throw mismatch(object, expected: T.self, at: start)
        }
        // Not a portable object: a type whose only wire form is one (a well-known type, a registered enum) refuses
        // it rather than letting its `Codable` form through (a str into a UUID, two integers into a Duration).
        if flags & PortableTypeFacts.onlyPortableForm != 0 { throw notInPortableForm(T.self, impl) }
        return try decodeFoundationValue(type, impl: impl)
    }

    /// Reads a `Polymorphic` wrapper (`W`, which is `T`) here, so that the wrapper needs no way back to this state.
    static func readPolymorphic<W: _PolymorphicMarker, T>(
        _: W.Type, as _: T.Type, _ state: PortableDecodingState, _ impl: _DecoderImpl
    ) throws -> T {
        _identityCast(try W._read(state, impl), to: T.self)
    }

    /// Reads a `pw.set` object into `S` (which is `T`).
    static func readSet<S: _WellKnownDecodableSet, T>(
        _: S.Type, as _: T.Type, _ state: PortableDecodingState, _ impl: _DecoderImpl
    ) throws -> T {
        _identityCast(try S._readWellKnownSet(state, impl), to: T.self)
    }

    /// The error for an object that is not the `T` asked for; a well-known value that `T` cannot hold exactly
    /// (a decimal beyond Foundation's `Decimal`) says so.
    @inline(never)
    func mismatch<T>(_ object: any Portable, expected _: T.Type, at start: Int) -> any Error {
        if let opaque = object as? OpaquePortable, opaque.isWellKnown {
            if let native = T.self as? any _WellKnownNative.Type, native._wellKnownType.name == opaque.name {
                return MessagePackError(
                    .typeMismatch, at: start, "\(opaque.name) \(opaque.data) has no exact \(T.self)",
                    hint: "decode into PortableValue to keep the value as it came (Spec/well-known-types.md 3, rule 6)")
            }
            return MessagePackError(
                .typeMismatch, at: start, "expected \(T.self) but the message holds a \(opaque.name) here",
                hint: "see Spec/well-known-types.md 10 for the Swift type of each well-known type")
        }
        return MessagePackError(
            .typeMismatch, at: start,
            "expected \(T.self) but the message holds a \(Swift.type(of: object)) here",
            hint: "decode into a protocol or PortableValue when several types may arrive")
    }

    /// Reads a well-known object of `type` at the cursor (a P, a Q, or an R naming one) with `body`, which gets
    /// the offset of the object's header and the reader at its data; the cursor ends after the value at the cursor.
    func readWellKnown<R>(_ type: WellKnownType, _ impl: _DecoderImpl, body: (Int) throws -> R) throws -> R {
        let start = impl.reader.offset
        let (ext, byteCount) = try impl.reader.readExtensionHeader()
        let payloadEnd = impl.reader.offset &+ byteCount
        var objectStart = start
        if ext == types.reference {
            // The scan checked that the id names an object before it; a well-known value is read again as a value.
            let id = try Self.readReferencePayload(&impl.reader, start: start, payloadEnd: payloadEnd)
            objectStart = index.objects[Int(id)].start
        }
        guard let id = index.objectID(at: objectStart, hint: nextID) else {
            throw Self.malformed(at: start, "no portable object starts here (a G envelope below the top level?)")
        }
        if ext != types.reference { nextID = id &+ 1 }
        let object = index.objects[id]
        let name = index.names[Int(object.nameIndex)]
        guard WellKnownType(name: name) == type else {
            throw MessagePackError(
                .typeMismatch, at: start, "expected a \(type.name) but the message holds a '\(name)' here",
                hint: "see Spec/well-known-types.md 10 for the Swift type of each well-known type")
        }
        let savedDepth = impl.depth
        impl.depth = Int(object.depth)
        impl.reader.offset = object.dataStart
        defer { impl.depth = savedDepth }
        let result = try body(object.start)
        impl.reader.offset = ext == types.reference ? payloadEnd : object.end
        return result
    }

    /// Checks that a generic set's elements are distinct: by their standalone encodings, as the Spec orders them.
    /// Elements holding objects with an identity are distinct from everything.
    func checkDistinct(_ data: PortableValue, at start: Int) throws {
        guard case .array(let elements) = data, elements.count > 1 else { return }
        var encoder = PortableEncoder(registry: registry)
        encoder.extensionTypes = types
        var seen = Set<[UInt8]>()
        for (i, element) in elements.enumerated() where !Self.holdsIdentity(element) {
            guard let bytes = try? encoder.encode(element) else { continue }
            guard seen.insert(bytes).inserted else {
                throw MessagePackError(
                    .typeMismatch, at: start, "pw.set element \(i) repeats an earlier element",
                    hint: "a set's elements are distinct (Spec/well-known-types.md 8.1)")
            }
        }
    }

    /// Whether `value` holds an object with an identity (not a well-known value, not an enum member), at any
    /// depth (a list of pending values on the heap, no recursion).
    static func holdsIdentity(_ value: PortableValue) -> Bool {
        var pending = [value]
        while let next = pending.popLast() {
            switch next {
            case .array(let a): pending.append(contentsOf: a)
            case .map(let m):
                for entry in m {
                    pending.append(entry.key)
                    pending.append(entry.value)
                }
            case .object(let o):
                if let opaque = o as? OpaquePortable {
                    if !opaque.isWellKnown { return true }
                    pending.append(opaque.data)
                } else if !(o is any _WellKnownNative) && !PortableTypeFacts.isEnum(type(of: o)) {
                    return true
                }
            default: break
            }
        }
        return false
    }

    func isPortable(_ ext: Int8) -> Bool {
        ext == types.object || ext == types.twoPhaseObject || ext == types.reference || ext == types.globalData
    }

    // MARK: Objects

    /// Reads a P, Q or R ext at the cursor and returns the instance; the cursor ends after the ext.
    ///
    /// The message was scanned before decoding began, so the checks of Spec/portable-objects.md 11 have passed;
    /// what is left to fail here is the receiver's own: its types, and its deserializers.
    func readObject(_ impl: _DecoderImpl) throws -> any Portable {
        let start = impl.reader.offset
        let (ext, byteCount) = try impl.reader.readExtensionHeader()
        let payloadEnd = impl.reader.offset &+ byteCount
        if ext == types.reference {
            let id = try Self.readReferencePayload(&impl.reader, start: start, payloadEnd: payloadEnd)
            return try resolve(Int(id), impl, at: start)
        }
        guard let id = index.objectID(at: start, hint: nextID) else {
            throw Self.malformed(at: start, "no portable object starts here (a G envelope below the top level?)")
        }
        nextID = id &+ 1
        switch objects[id] {
        case .done(let object):
            // Built earlier, because a back-reference read first named it.
            impl.reader.offset = index.objects[id].end
            return object
        case .open:
            impl.reader.offset = start
            throw Self.incomplete(id, rejectsCycles: rejectsCycles, at: start)
        case .pending:
            return try build(id, impl)
        }
    }

    /// Builds object `id` from its recorded data; the cursor ends after the object.
    func build(_ id: Int, _ impl: _DecoderImpl) throws -> any Portable {
        let object = index.objects[id]
        let entry = index.entries[Int(object.nameIndex)]
        // An object's deserializer nests on the stack (objects inside objects): stop before the thread's stack runs out.
        guard _StackGuard.hasRoom(above: impl.stackLimit) else {
            throw MessagePackError.stackExhausted(depth: Int(object.depth), at: object.start)
        }
        let savedDepth = impl.depth
        impl.depth = Int(object.depth)
        defer { impl.depth = savedDepth }
        impl.reader.offset = object.dataStart
        objects[id] = .open(published: nil)
        let globalData = currentGlobalData
        let instance: any Portable
        do {
            switch entry?.decode ?? .generic {
            case .codable(let decode):
                instance = try decode(impl)
            case .custom(let deserialize):
                let data = try readValue(impl)
                instance = try deserialize(data, globalData)
            case .twoPhase(let makeBlank):
                let blank = makeBlank()
                if object.isPublishedEarly { objects[id] = .open(published: blank) }
                try blank.fill(from: try readValue(impl), globalData: globalData)
                instance = blank
            case .wellKnown(let type):
                let data = try readValue(impl)
                let native: (any Portable)?
                do { native = try type.native(from: data) } catch {
                    throw MessagePackError(
                        .typeMismatch, at: object.start, error.detail,
                        hint: "see Spec/well-known-types.md for the data of each well-known type")
                }
                if type == .set { try checkDistinct(data, at: object.start) }
                // Valid data without a native value that holds it exactly stays a generic object (rule 6); it is a
                // value, written back as a P in full wherever it occurs.
                instance = native ?? OpaquePortable(name: type.name, data: data)
            case .generic:
                let name = index.names[Int(object.nameIndex)]
                let opaque = OpaquePortable(name: name, data: .nil, isTwoPhase: object.isTwoPhaseOnWire)
                if object.isPublishedEarly { objects[id] = .open(published: opaque) }
                opaque.data = try readValue(impl)
                instance = opaque
            }
        } catch let error as MessagePackError {
            throw error
        } catch let error as DecodingError {
            throw error
        } catch let error as _LocatedError {
            throw error
        } catch let error as WellKnownMismatch {
            // A registered enum's raw value that names no member (Spec/well-known-types.md 9).
            throw MessagePackError(
                .typeMismatch, at: object.start, error.detail, hint: "the sender and the receiver disagree about the enum's members")
        } catch {
            // A deserializer the application wrote threw: say which object, where, and keep its error underneath.
            throw _LocatedError(error: userError(error, object: object))
        }
        impl.reader.offset = object.end
        objects[id] = .done(instance)
        return instance
    }

    /// Resolves `R id` at `start`: the instance of object `id`, built now if the receiver has not reached it.
    func resolve(_ id: Int, _ impl: _DecoderImpl, at start: Int) throws -> any Portable {
        while true {
            switch objects[id] {
            case .done(let object):
                return object
            case .open(let published?) where !rejectsCycles:
                // An opaque object gets a weak back-edge, so that no input can make decoded objects leak (issue 13).
                if let opaque = published as? OpaquePortable { return opaque.referenceWhileOpen() }
                return published
            case .open:
                throw Self.incomplete(id, rejectsCycles: rejectsCycles, at: start)
            case .pending:
                // Build the outermost enclosing object not built yet, so that every object built is either
                // reached from its parent or has its parent open or done: "open" then always means "an ancestor
                // in the bytes", as two-phase semantics need. Each turn builds one more object.
                var target = id
                var parent = Int(index.objects[id].parent)
                while parent >= 0, case .pending = objects[parent] {
                    target = parent
                    parent = Int(index.objects[parent].parent)
                }
                try buildAway(target, impl)
            }
        }
    }

    /// Builds object `id` away from the cursor (for a back-reference read before the object), leaving the
    /// decoder's cursor, path and depth as they were. Errors inside get the object's own path, not the
    /// reference's.
    func buildAway(_ id: Int, _ impl: _DecoderImpl) throws {
        let savedReader = impl.reader
        let savedPath = impl.codingPath
        let savedInsideGlobalData = insideGlobalData
        impl.reader = MessagePackReader(message, offset: index.objects[id].start, limits: limits)
        impl.reader._strsAreValidated = true  // the scan checked every str
        impl.codingPath = []
        insideGlobalData = index.envelope.map { index.objects[id].start < $0.end && index.objects[id].start < index.bodyStart } ?? false
        defer {
            impl.reader = savedReader
            impl.codingPath = savedPath
            insideGlobalData = savedInsideGlobalData
        }
        do {
            _ = try build(id, impl)
        } catch var error as MessagePackError {
            error.path = index.path(to: index.objects[id].start, in: message, limits: limits).appending(contentsOf: error.path)
            throw _LocatedError(error: error)
        } catch let error as DecodingError {
            var located = MessagePackError.decodingFailure(error, at: impl.reader.offset)
            located.path = index.path(to: index.objects[id].start, in: message, limits: limits).appending(contentsOf: located.path)
            throw _LocatedError(error: located)
        }
    }

    @inline(never)
    func userError(_ error: any Error, object: PortableMessageIndex.Object) -> MessagePackError {
        let name = index.names[Int(object.nameIndex)]
        var located = MessagePackError(
            .typeMismatch, at: object.start, "the deserializer of '\(name)' threw: \(error)",
            hint: "the error the deserializer threw is the error's `underlyingError`")
        located.path = index.path(to: object.start, in: message, limits: limits)
        located.underlyingError = error
        return located
    }

    /// Reads an R payload: exactly one unsigned integer (Spec/portable-objects.md 7.3).
    static func readReferencePayload(_ reader: inout MessagePackReader, start: Int, payloadEnd: Int) throws(MessagePackError) -> UInt64 {
        if let id = shortReferenceID(reader.bytes, at: reader.offset, payloadEnd: payloadEnd) {
            reader.offset = payloadEnd
            return id
        }
        return try readReferencePayloadChecked(&reader, start: start, payloadEnd: payloadEnd)
    }

    /// The object id of an R payload in one of the forms encoders write (a positive fixint, a uint8 or a uint16
    /// filling the payload exactly), or nil for any other payload, which the checked path reads and judges.
    @inline(__always)
    static func shortReferenceID(_ bytes: UnsafeRawBufferPointer, at offset: Int, payloadEnd: Int) -> UInt64? {
        guard payloadEnd <= bytes.count, offset < payloadEnd else { return nil }
        let b = bytes[offset]
        switch payloadEnd &- offset {
        case 1 where b <= 0x7f: return UInt64(b)
        case 2 where b == 0xcc: return UInt64(bytes[offset &+ 1])
        case 3 where b == 0xcd: return UInt64(bytes[offset &+ 1]) << 8 | UInt64(bytes[offset &+ 2])
        default: return nil
        }
    }

    @inline(never)
    static func readReferencePayloadChecked(
        _ reader: inout MessagePackReader, start: Int, payloadEnd: Int
    ) throws(MessagePackError) -> UInt64 {
        // Offsets as Spec/portable-objects.md 14 recommends: the payload value at fault, the field that runs past
        // the payload, the value after the id, or the R itself when its payload is empty.
        let at = reader.offset
        guard at < payloadEnd else {
            reader.offset = start
            throw malformed(at: start, "the back-reference's payload is empty; it must hold one object id, an integer >= 0")
        }
        let b = reader.bytes[at]
        guard b <= 0x7f || (0xcc...0xd3).contains(b) else {
            reader.offset = start
            throw malformed(
                at: at, "a back-reference holds a \(FormatByte.familyName(b)); it must hold one object id, an integer >= 0")
        }
        let id: UInt64
        do throws(MessagePackError) {
            id = try reader.readUnsignedInteger()
        } catch {
            reader.offset = start
            if error.code == .typeMismatch {
                throw malformed(at: at, "the back-reference's object id is negative; ids are integers >= 0")
            }
            throw malformed(at: error.byteOffset, "the back-reference's object id runs past the end of its payload")
        }
        guard reader.offset == payloadEnd else {
            let extra = reader.offset
            reader.offset = start
            throw malformed(at: extra, "the back-reference's payload holds more than one object id")
        }
        return id
    }

    @inline(never)
    static func dangling(_ id: UInt64, count: Int, at start: Int) -> MessagePackError {
        MessagePackError(
            .danglingReference, at: start, "back-reference to object \(id) but only \(count) object(s) came before it",
            hint: "a reference may only name an object that appears earlier in the message")
    }

    @inline(never)
    static func incomplete(_ id: Int, rejectsCycles: Bool, at start: Int) -> MessagePackError {
        if rejectsCycles {
            return MessagePackError(
                .incompleteReference, at: start,
                "back-reference to object \(id), which is still being decoded: the message forms a reference cycle",
                hint: "this decoder rejects cycles (PortableDecoder.cycles = .reject); set .allow to accept them")
        }
        return MessagePackError(
            .incompleteReference, at: start, "back-reference to object \(id), which is still being decoded (a cycle)",
            hint: "only types registered as TwoPhasePortable and sent as two-phase objects may form cycles")
    }

    @inline(never)
    static func malformed(at offset: Int, _ detail: String) -> MessagePackError {
        MessagePackError(
            .malformedPortable, at: offset, detail, hint: "see Spec/portable-objects.md for the payload layouts")
    }

    // MARK: Dynamic values

    /// Reads any value at the cursor as a ``PortableValue``, with objects and references resolved.
    ///
    /// This is the core's dynamic-value walk (`MessagePackReader._walkValue`, the one `MessagePackValue`
    /// decoding uses) with P, Q and R values read as objects; so arrays and maps nest without recursion, and the
    /// limits, the depth rule and the paths of errors are the core's. Only an object's data re-enters it.
    func readValue(_ impl: _DecoderImpl) throws -> PortableValue {
        // The walk reads a copy of the cursor, handed back and forth around each object (objects are built
        // through `impl`, which owns the cursor).
        var reader = impl.reader
        defer { impl.reader = reader }
        return try reader._walkValue(PortableValueBuilder(state: self, impl: impl), limits: limits, depth: impl.depth)
    }

    // MARK: Messages

    /// Reads the global-data table if the message has one (it was checked by the scan), then calls `body` for the
    /// body.
    func readMessage<R>(_ impl: _DecoderImpl, body: () throws -> R) throws -> R {
        guard let envelope = index.envelope else { return try body() }
        impl.reader.offset = envelope.tableStart
        impl.depth += 1
        defer { impl.depth -= 1 }
        let count = try impl.reader.readMapHeader()
        impl.depth += 1  // the table's values sit one level below the table
        insideGlobalData = true
        for _ in 0..<count {
            let key = try impl.reader.readString()
            do {
                try globalData.set(try readValue(impl), forKey: key)
            } catch let error as MessagePackError {
                throw error.prefixed(with: .key(key)).prefixed(with: .globalData)
            }
        }
        insideGlobalData = false
        impl.depth -= 1
        let result = try body()
        impl.reader.offset = envelope.end
        return result
    }
}

/// The walk that builds a ``PortableValue``: P, Q and R values (and a G envelope out of place, which the scan
/// has already refused) are read as objects by the decoding state; everything else as the core reads it.
struct PortableValueBuilder: _DynamicValueBuilder {
    let state: PortableDecodingState
    let impl: _DecoderImpl

    static var claimsExtensions: Bool { true }
    func claims(_ type: Int8) -> Bool { state.isPortable(type) }

    func readExtension(_ type: Int8, from reader: inout MessagePackReader, depth: Int) throws -> PortableValue {
        impl.reader = reader
        defer { reader = impl.reader }
        return .object(try state.readObject(impl))
    }

    func makeScalar(_ scalar: MessagePackValue) -> PortableValue { PortableValue(scalar: scalar) }
    func makeArray(_ elements: [PortableValue]) -> PortableValue { .array(elements) }
    func makeMap(_ entries: [(key: PortableValue, value: PortableValue)]) -> PortableValue { .map(entries) }

    func segment(forKey key: PortableValue, index: Int) -> MessagePackPath.Segment {
        key.stringValue.map { .key($0) } ?? .otherKey(key.plainValue?.compactNotation ?? key.description)
    }
    func failure(_ error: MessagePackError) -> any Error { error }
    /// Only the core's errors get a path here; an error located from the message's index (`_LocatedError`) has
    /// its own, and the errors of types' deserializers pass through unchanged.
    func prefixed(_ error: any Error, innermostFirst segments: [MessagePackPath.Segment]) -> any Error {
        guard let error = error as? MessagePackError else { return error }
        return error.prefixed(innermostFirst: segments)
    }
}

/// An error whose path is already complete (it was located from the message's index), which enclosing
/// containers must not prefix again; ``PortableDecoder`` unwraps it.
struct _LocatedError: Error {
    var error: MessagePackError
}

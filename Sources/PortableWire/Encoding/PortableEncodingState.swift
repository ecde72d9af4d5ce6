// SPDX-License-Identifier: Apache-2.0
import MessagePack

/// Everything one message's encoding remembers: the type-name table, object ids, the instances already
/// written, the ones still being written (cycle detection), and the global data.
/// Mutable state is `@exclusivity(unchecked)`: one encode uses it from one thread, with no overlapping access.
final class PortableEncodingState: _EncodingHook {
    let registry: TypeRegistry
    let types: PortableExtensionTypes
    let sortsDictionaryKeys: Bool
    /// The body's global data; objects inside global data get `unavailable`.
    let globalData: GlobalData
    let unavailable = GlobalData(isAvailable: false)
    @exclusivity(unchecked) var insideGlobalData = false

    /// Type-name table: name to index, in order of first occurrence.
    /// The type-name table; names are compared by their bytes (Spec/portable-objects.md 5).
    @exclusivity(unchecked) var typeIndex: [ExactString: Int] = [:]
    /// Which static types cannot hold a portable object (no cast needed for their values).
    @exclusivity(unchecked) var facts = _TypeFactCache()
    /// Registered types met in this message: their entry and type-name index, found once instead of per object.
    @exclusivity(unchecked) var entries: [ObjectIdentifier: KnownType] = [:]
    @exclusivity(unchecked) var nextObjectID = 0
    /// Class instances written completely, by identity, with their object id.
    @exclusivity(unchecked) var written: [ObjectIdentifier: Int] = [:]
    /// Class instances being written: their id, path depth (their path is a prefix of the current one).
    @exclusivity(unchecked) var inProgress: [ObjectIdentifier: (id: Int, pathDepth: Int, twoPhase: Bool)] = [:]
    /// Keeps every instance alive until the message is done, so no `ObjectIdentifier` is reused.
    @exclusivity(unchecked) var retained: [AnyObject] = []
    /// Custom serializers' results for class instances, shared by both passes of one message, so each
    /// such serializer runs once per message (Spec/portable-objects.md, "Encoding" under global data).
    let serialized: SerializationCache

    init(
        registry: TypeRegistry, types: PortableExtensionTypes, sortsDictionaryKeys: Bool, globalData: GlobalData,
        serialized: SerializationCache
    ) {
        self.serialized = serialized
        self.registry = registry
        self.types = types
        self.sortsDictionaryKeys = sortsDictionaryKeys
        self.globalData = globalData
    }

    var currentGlobalData: GlobalData { insideGlobalData ? unavailable : globalData }

    // MARK: Hook

    /// Writes a `Polymorphic` wrapper (`W`, which is `T`) here, so that the wrapper needs no way back to this state.
    static func writePolymorphic<W: _PolymorphicMarker, T>(
        _: W.Type, _ value: T, _ state: PortableEncodingState, _ impl: _EncoderImpl
    ) throws {
        try _identityCast(value, to: W.self)._write(state, impl)
    }

    func encode<T: Encodable>(_ value: T, impl: _EncoderImpl) throws -> Bool {
        if T.self == PortableValue.self {
            try write(_identityCast(value, to: PortableValue.self), impl)
            return true
        }
        if PortableTypeFacts.isStructOrEnum(T.self) {
            // One cached lookup per value for structs and enums, however many facts: no casts for plain types.
            let flags = facts.fact(of: T.self, PortableTypeFacts.sharedEncodingFlags)
            if flags != 0 {
                if flags & PortableTypeFacts.polymorphicWrapper != 0, let wrapper = T.self as? any _PolymorphicMarker.Type {
                    try Self.writePolymorphic(wrapper, value, self, impl)
                    return true
                }
                if flags & PortableTypeFacts.wellKnownNative != 0, let native = value as? any _WellKnownNative {
                    try writeWellKnown(type(of: native)._wellKnownType, impl) { try native._writeWellKnownData(impl) }
                    return true
                }
                if flags & PortableTypeFacts.wellKnownSet != 0, let set = value as? any _WellKnownEncodableSet {
                    try set._writeWellKnownSet(self, impl)
                    return true
                }
                if flags & PortableTypeFacts.portable != 0, let object = value as? any Portable {
                    try writeObject(object, impl)
                    return true
                }
            }
        } else if let object = value as? any Portable {
            try writeObject(object, impl)
            return true
        }
        // Dictionaries are written in their final (sorted) order, so that objects inside get ids and type
        // indices in wire order; sorting them afterwards would renumber nothing and make references wrong.
        if sortsDictionaryKeys, impl.typeFacts.dictionaryKind(of: T.self) != _TypeFactCache.notDictionary,
            let dictionary = value as? any _DictionaryMarker
        {
            try impl.encodeInSortedOrder(dictionary)
            return true
        }
        return try encodeFoundationValue(value, impl: impl)
    }

    // MARK: Objects

    func writeObject(_ object: any Portable, _ impl: _EncoderImpl) throws {
        // No `as?` casts on the existential here: each costs a conformance walk in the runtime, per object.
        let dynamicType = type(of: object)
        if dynamicType == OpaquePortable.self {
            return try writeOpaque(unsafeDowncast(Self.instance(of: object), to: OpaquePortable.self), impl)
        }
        let known = try knownType(dynamicType, impl)
        var identity: ObjectIdentifier?
        if known.isClass {
            guard let oid = try firstVisit(Self.instance(of: object), object, impl) else { return }
            identity = oid
        }
        let entry = known.entry
        let twoPhase: Bool
        switch entry.kind {
        case .twoPhase: twoPhase = true
        case .generic(let t): twoPhase = t
        case .codable, .custom: twoPhase = false
        }
        try writeObjectBody(identity: identity, twoPhase: twoPhase, impl) {
            if known.typeIndex >= 0 {
                impl.writer.write(UInt64(known.typeIndex))
            } else {
                known.typeIndex = writeTypeName(entry.name, impl)
            }
        } data: {
            switch entry.kind {
            case .codable:
                // Registration gives every Codable entry its data encoder, specialised for the type.
                try entry.encodeData!(object, impl)
            case .custom:
                try write(serializeOrReuse(identity, object, impl) { try (object as! any CustomPortable).serialize(globalData: $0) }, impl)
            case .twoPhase:
                try write(serializeOrReuse(identity, object, impl) { try (object as! any TwoPhasePortable).serialize(globalData: $0) }, impl)
            case .generic:
                // Generic entries have no Swift type, so no type is looked up to one; OpaquePortable is written by
                // writeOpaque.
                throw MessagePackError(
                    .cannotSerialize, at: -1, path: Self.path(impl.codingPath),
                    "\(dynamicType) has a generic registry entry, which only names without a Swift type have")
            }
        }
    }

    /// Writes an object kept generic: under its own name, with its data as it came.
    func writeOpaque(_ opaque: OpaquePortable, _ impl: _EncoderImpl) throws {
        // A back-edge (the weak stand-in that closed a decoded cycle) is written as the object it stands for.
        var opaque = opaque
        if opaque.isBackEdge {
            guard let target = opaque.cycleTarget else {
                throw MessagePackError(
                    .cannotSerialize, at: -1, path: Self.path(impl.codingPath),
                    "a back-edge to '\(opaque.name)' whose object was freed",
                    hint: "keep the outermost object of a decoded cycle alive while its parts are used")
            }
            opaque = target
        }
        // Well-known values kept generic are values: written in full every time, never back-referenced
        // (Spec/well-known-types.md 3, rule 3).
        var identity: ObjectIdentifier?
        if !opaque.isWellKnown {
            guard let oid = try firstVisit(opaque, opaque, impl) else { return }
            identity = oid
        }
        let name = opaque.name
        try writeObjectBody(identity: identity, twoPhase: opaque.isTwoPhase && !opaque.isWellKnown, impl) {
            writeTypeRef(name, impl)
        } data: {
            try write(opaque.data, impl)
        }
    }

    /// For a class instance met before: writes its back-reference (written, or an open two-phase object) and
    /// returns nil, or throws the cycle; met for the first time: keeps it alive and returns its identity.
    @inline(__always)
    private func firstVisit(_ instance: AnyObject, _ object: any Portable, _ impl: _EncoderImpl) throws -> ObjectIdentifier? {
        let oid = ObjectIdentifier(instance)
        if let id = written[oid] {
            writeReference(id, impl)
            return nil
        }
        if let open = inProgress[oid] {
            guard open.twoPhase else { throw _LocatedError(error: cycleError(object, ancestorDepth: open.pathDepth, impl)) }
            writeReference(open.id, impl)
            return nil
        }
        retained.append(instance)
        return oid
    }

    /// Gives the object the next id and writes its ext: the type-ref (`typeRef`), then the data (`data`).
    @inline(__always)
    private func writeObjectBody(
        identity: ObjectIdentifier?, twoPhase: Bool, _ impl: _EncoderImpl, typeRef: () -> Void, data: () throws -> Void
    ) throws {
        let id = nextObjectID
        nextObjectID += 1
        if let identity { inProgress[identity] = (id, impl.codingPath.count, twoPhase) }
        // The object is a container (Spec/portable-objects.md 2): its type-ref and data sit one level deeper.
        guard impl.depth < impl.maxDepth else { throw _EncoderImpl.tooDeep(impl.maxDepth) }
        impl.depth += 1
        defer { impl.depth -= 1 }
        let pending = impl.writer.beginExtension(type: twoPhase ? types.twoPhaseObject : types.object)
        typeRef()
        try data()
        impl.writer.endExtension(pending)
        if let identity {
            inProgress[identity] = nil
            written[identity] = id
        }
    }

    /// Writes the type-ref of `name`: its index when the message has named it, else the name (section 5).
    private func writeTypeRef(_ name: String, _ impl: _EncoderImpl) {
        if let index = typeIndex[ExactString(name)] {
            impl.writer.write(UInt64(index))
        } else {
            _ = writeTypeName(name, impl)
        }
    }

    /// Writes a name met for the first time in this message and gives it the next type-name index.
    private func writeTypeName(_ name: String, _ impl: _EncoderImpl) -> Int {
        let index = typeIndex.count
        typeIndex[ExactString(name)] = index
        impl.writer.write(name)
        return index
    }

    /// The class instance inside an existential whose dynamic type is a class. Opening the existential and
    /// reinterpreting it costs a few instructions; `object as AnyObject` goes through the runtime's bridging
    /// (thousands per object).
    @inline(__always)
    static func instance<P: Portable>(of object: P) -> AnyObject {
        unsafeBitCast(object, to: AnyObject.self)
    }

    /// Runs a custom serializer, or reuses its result from the first pass for a class instance met in the
    /// body. Inside global data an object is always serialized afresh, without global data. The body is
    /// usually encoded once (see `BodyRelocation`); when it is encoded again, value types, which have no
    /// identity to key on, run their serializers again and must be deterministic.
    func serializeOrReuse(
        _ identity: ObjectIdentifier?, _ object: any Portable, _ impl: _EncoderImpl, _ run: (GlobalData) throws -> PortableValue
    ) throws -> PortableValue {
        guard let identity, !insideGlobalData else { return try serialize(object, impl, run) }
        if let cached = serialized.values[identity] { return cached }
        let value = try serialize(object, impl, run)
        serialized.values[identity] = value
        return value
    }

    /// Runs an application's serializer; an error it throws is wrapped with the object's path, kept underneath.
    func serialize(_ object: any Portable, _ impl: _EncoderImpl, _ run: (GlobalData) throws -> PortableValue) throws -> PortableValue {
        do {
            return try run(currentGlobalData)
        } catch let error as MessagePackError {
            throw error
        } catch let error as _LocatedError {
            throw error
        } catch {
            let here = Self.path(impl.codingPath)
            var wrapped = MessagePackError(
                .cannotSerialize, at: -1, path: here, "the serializer of \(type(of: object)) at \(here) threw: \(error)",
                hint: "the error the serializer threw is the error's `underlyingError`")
            wrapped.underlyingError = error
            throw _LocatedError(error: wrapped)
        }
    }


    /// Writes an array of `elements` one level deeper (`.limitExceeded` past `maxDepth`), each under its index in the
    /// coding path, with `element`.
    static func writeArray<C: Collection>(_ elements: C, _ impl: _EncoderImpl, element: (C.Element) throws -> Void) throws {
        guard impl.depth < impl.maxDepth else { throw _EncoderImpl.tooDeep(impl.maxDepth) }
        impl.depth += 1
        defer { impl.depth -= 1 }
        impl.writer.writeArrayHeader(count: elements.count)
        for (i, value) in elements.enumerated() {
            impl.codingPath.append(_IndexKey(intValue: i))
            defer { impl.codingPath.removeLast() }
            try element(value)
        }
    }

    /// Writes a well-known value as a P under its reserved name; `data` writes the data.
    func writeWellKnown(_ type: WellKnownType, _ impl: _EncoderImpl, data: () throws -> Void) throws {
        // A P like any other, but a value: no identity, never back-referenced.
        try writeObjectBody(identity: nil, twoPhase: false, impl, typeRef: { writeTypeRef(type.name, impl) }, data: data)
    }

    /// `value` encoded as a message of its own (fresh tables and ids), and whether it holds class instances:
    /// the key a set's elements are sorted by (Spec/well-known-types.md 8.1).
    func standaloneEncoding<T: Encodable>(_ value: T) throws -> (bytes: [UInt8], hasIdentityObjects: Bool) {
        var encoder = PortableEncoder(registry: registry)
        encoder.extensionTypes = types
        encoder.options.sortsDictionaryKeys = sortsDictionaryKeys
        return try encoder.encodeStandalone(value)
    }

    func writeReference(_ id: Int, _ impl: _EncoderImpl) {
        let pending = impl.writer.beginExtension(type: types.reference)
        impl.writer.write(UInt64(id))
        impl.writer.endExtension(pending)
    }

    /// What this message knows about a registered (or well-known native) type: its entry, whether it is a class,
    /// and its type-name index once the name has been written. Looked up by type, so names are hashed once.
    func knownType(_ dynamicType: any Portable.Type, _ impl: _EncoderImpl) throws -> KnownType {
        let id = ObjectIdentifier(dynamicType)
        if let known = entries[id] { return known }
        guard let entry = registry.nameByType[id].flatMap({ registry.entry(named: $0) }) ?? WellKnownType.nativeEntries[id]
        else {
            let typeName = "\(dynamicType)"
            throw _LocatedError(error: MessagePackError(
                .cannotSerialize, at: -1, path: Self.path(impl.codingPath),
                "cannot serialize \(typeName) at \(Self.path(impl.codingPath)): the type is Portable but not registered",
                hint: "call registry.register(\(typeName).self) on the encoder's registry"))
        }
        // The name may be in the table already (written by an opaque object of the same name).
        let known = KnownType(entry: entry, isClass: dynamicType is AnyClass, typeIndex: typeIndex[ExactString(entry.name)] ?? -1)
        entries[id] = known
        return known
    }

    func cycleError(_ object: any Portable, ancestorDepth: Int, _ impl: _EncoderImpl) -> MessagePackError {
        let here = Self.path(impl.codingPath)
        let ancestor = Self.path(Array(impl.codingPath.prefix(ancestorDepth)))
        return MessagePackError(
            .cycleDetected, at: -1, path: here,
            "cycle: \(here) refers back to \(ancestor) (\(type(of: object)))",
            hint: "break the cycle, make one edge non-encoded, or conform \(type(of: object)) to TwoPhasePortable")
    }

    static func path(_ codingPath: [any CodingKey]) -> MessagePackPath {
        var segments: [MessagePackPath.Segment] = []
        for key in codingPath {
            if let marker = key as? _GlobalDataKey {
                segments.append(.globalData)
                segments.append(.key(marker.stringValue))
            } else if let i = key.intValue, key.stringValue == String(i) {
                segments.append(.index(i))
            } else {
                segments.append(.key(key.stringValue))
            }
        }
        return MessagePackPath(segments)
    }

    // MARK: Dynamic values

    func write(_ value: PortableValue, _ impl: _EncoderImpl) throws {
        switch value {
        case .nil: impl.writer.writeNil()
        case .bool(let b): impl.writer.write(b)
        case .int(let v): impl.writer.write(v)
        case .uint(let v): impl.writer.write(v)
        case .float(let v): impl.writer.write(v)
        case .double(let v): impl.writer.write(v)
        case .string(let s): impl.writer.write(s)
        case .binary(let b): impl.writer.writeBinary(b)
        case .extension(let t, let d):
            guard t != types.object && t != types.twoPhaseObject && t != types.reference && t != types.globalData else {
                let here = Self.path(impl.codingPath)
                throw _LocatedError(error: MessagePackError(
                    .cannotSerialize, at: -1, path: here,
                    "a plain ext value at \(here) uses ext type \(t), which the portable layer reserves",
                    hint: "send the object itself, or reassign PortableExtensionTypes on both ends"))
            }
            impl.writer.writeExtension(type: t, payload: d)
        case .timestamp(let t): impl.writer.write(t)
        case .object(let o): try writeObject(o, impl)
        case .array(let elements):
            try Self.writeArray(elements, impl) { try write($0, impl) }
        case .map(let entries):
            guard impl.depth < impl.maxDepth else { throw _EncoderImpl.tooDeep(impl.maxDepth) }
            impl.depth += 1
            defer { impl.depth -= 1 }
            impl.writer.writeMapHeader(count: entries.count)
            for (i, entry) in entries.enumerated() {
                try write(entry.key, impl)
                impl.codingPath.append(
                    entry.key.stringValue.map { _IndexKey(stringValue: $0) } ?? _IndexKey(intValue: i))
                defer { impl.codingPath.removeLast() }
                try write(entry.value, impl)
            }
        }
    }

    /// Writes a value known only as `Any`: plain Swift values, collections, portable objects, `Encodable`s.
    func writeAny(_ value: Any, _ impl: _EncoderImpl) throws {
        switch value {
        case let v as any _OptionalMarker:
            if let wrapped = v._wrapped { try writeAny(wrapped, impl) } else { impl.writer.writeNil() }
        case let v as PortableValue: try write(v, impl)
        case let v as MessagePackValue: try impl.writeDynamic(v)
        case let v as any Portable: try writeObject(v, impl)
        case let v as String: impl.writer.write(v)
        case let v as Bool: impl.writer.write(v)
        case let v as Int: impl.writer.write(v)
        case let v as Double: impl.writer.write(v)
        case let v as Float: impl.writer.write(v)
        // Only a `[UInt8]` itself is bin: any empty array (`[Any]()`, `[String]()`) also casts to `[UInt8]`, and
        // an `[Any]` of `UInt8`s is a list like any other.
        case let v as [UInt8] where type(of: value) == [UInt8].self: impl.writer.writeBinary(v)
        case let v as Int64: impl.writer.write(v)
        case let v as UInt64: impl.writer.write(v)
        case let v as any BinaryInteger: impl.writer.writeInteger(v)
        case let v as [String: Any]:
            guard impl.depth < impl.maxDepth else { throw _EncoderImpl.tooDeep(impl.maxDepth) }
            impl.depth += 1
            defer { impl.depth -= 1 }
            impl.writer.writeMapHeader(count: v.count)
            let keys = sortsDictionaryKeys ? v.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } : Array(v.keys)
            for key in keys {
                impl.writer.write(key)
                impl.codingPath.append(_IndexKey(stringValue: key))
                defer { impl.codingPath.removeLast() }
                try writeAny(v[key]!, impl)
            }
        case let v as [Any]:
            try Self.writeArray(v, impl) { try writeAny($0, impl) }
        case let v as any Encodable:
            try impl.encodeValue(v)
        default:
            let typeName = "\(type(of: value))"
            let here = Self.path(impl.codingPath)
            throw _LocatedError(error: MessagePackError(
                .cannotSerialize, at: -1, path: here,
                "cannot serialize \(typeName) at \(here): it is neither a plain value, Codable, nor Portable",
                hint: "conform \(typeName) to Portable & Codable and register it, or convert it to plain values"))
        }
    }
}

/// Custom serializers' results by instance, for one message.
final class SerializationCache {
    var values: [ObjectIdentifier: PortableValue] = [:]
}

/// Lets `writeAny` see through optionals hidden in `Any`.
protocol _OptionalMarker { var _wrapped: Any? { get } }
extension Optional: _OptionalMarker {
    var _wrapped: Any? { self.map { $0 as Any } }
}

/// The coding-path entry for a global data key: prints as `$globalData.key`.
struct _GlobalDataKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A registered type as one message's encoder knows it (see ``PortableEncodingState/knownType(_:_:)``).
final class KnownType {
    let entry: TypeRegistry.Entry
    /// Whether instances are class instances, with an identity (back-references, cycles).
    let isClass: Bool
    /// The type name's index in this message's table, or -1 before the name is written.
    var typeIndex: Int

    init(entry: TypeRegistry.Entry, isClass: Bool, typeIndex: Int) {
        self.entry = entry
        self.isClass = isClass
        self.typeIndex = typeIndex
    }
}

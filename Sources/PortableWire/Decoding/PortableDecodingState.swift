// SPDX-License-Identifier: Apache-2.0
import MessagePack

/// Everything one message's decoding remembers: the type-name table, the objects by id (for
/// back-references), which of them are still being decoded, and the global data.
final class PortableDecodingState: _DecodingHook {
    let registry: TypeRegistry
    let types: PortableExtensionTypes
    let passthrough: Bool
    let limits: MessagePackLimits
    var globalData = GlobalData(isAvailable: true)
    let unavailable = GlobalData(isAvailable: false)
    @exclusivity(unchecked) var insideGlobalData = false

    @exclusivity(unchecked) var typeNames: [String] = []
    @exclusivity(unchecked) var typeNameSet: Set<String> = []
    enum Slot {
        /// Still being decoded; a two-phase object is already published.
        case open(published: (any Portable)?)
        /// Decoded. `copyCost` is 0 for identity objects (classes, opaque objects), and for value-type objects
        /// the bytes a copy of it stands for: its own wire size plus what references inside it were charged.
        case done(any Portable, copyCost: Int)
    }
    @exclusivity(unchecked) var objects: [Slot] = []
    @exclusivity(unchecked) var referenceCount = 0
    /// Bytes charged so far for back-references that decode into copies (``MessagePackLimits/maxExpansion``).
    @exclusivity(unchecked) var expansion = 0

    /// Whether back-references to objects still being decoded are refused (``PortableDecoder/Cycles/reject``).
    let rejectsCycles: Bool

    init(
        registry: TypeRegistry, types: PortableExtensionTypes, passthrough: Bool, limits: MessagePackLimits,
        rejectsCycles: Bool = false
    ) {
        self.rejectsCycles = rejectsCycles
        self.registry = registry
        self.types = types
        self.passthrough = passthrough
        self.limits = limits
    }

    var currentGlobalData: GlobalData { insideGlobalData ? unavailable : globalData }

    /// Which static types are `Polymorphic` wrappers (decoded by the wrapper, not as an object here).
    @exclusivity(unchecked) var facts = PortableTypeFacts()

    // MARK: Hook

    func decode<T: Decodable>(_ type: T.Type, impl: _DecoderImpl) throws -> T? {
        if T.self == PortableValue.self { return _identityCast(try readValue(impl), to: T.self) }
        if let ext = impl.reader.peekExtensionType(), isPortable(ext),
            !facts.remembered(T.self, { $0 is any _PolymorphicMarker.Type })
        {
            let start = impl.reader.offset
            let object = try readObject(impl)
            guard let typed = object as? T else {
                throw MessagePackError(
                    .typeMismatch, at: start,
                    "expected \(T.self) but the message holds a \(Swift.type(of: object)) here",
                    hint: "decode into a protocol or PortableValue when several types may arrive")
            }
            return typed
        }
        return try decodeFoundationValue(type, impl: impl)
    }

    func isPortable(_ ext: Int8) -> Bool {
        ext == types.object || ext == types.twoPhaseObject || ext == types.reference || ext == types.globalData
    }

    // MARK: Objects

    /// Reads a P, Q or R ext at the cursor and returns the instance.
    func readObject(_ impl: _DecoderImpl) throws -> any Portable {
        let start = impl.reader.offset
        let (ext, byteCount) = try impl.reader.readExtensionHeader()
        let payloadEnd = impl.reader.offset + byteCount
        if ext == types.reference {
            return try withPayload(impl, start: start, end: payloadEnd) {
                try readReference(impl, start: start, payloadEnd: payloadEnd)
            }
        }
        guard ext != types.globalData else {
            impl.reader.offset = start
            throw Self.malformed(at: start, "a global-data envelope (ext \(ext)) may only wrap a whole message")
        }
        guard objects.count < limits.maxObjectCount else {
            impl.reader.offset = start
            throw MessagePackError.limit("maxObjectCount", limits.maxObjectCount, at: start)
        }
        guard impl.depth < limits.maxDepth else {
            impl.reader.offset = start
            throw MessagePackError.limit("maxDepth", limits.maxDepth, at: start)
        }
        let wireTwoPhase = ext == types.twoPhaseObject
        guard byteCount > 0 else { throw Self.malformed(at: start, "the portable object's payload is empty") }
        return try withPayload(impl, start: start, end: payloadEnd) {
            try readObjectPayload(impl, start: start, payloadEnd: payloadEnd, wireTwoPhase: wireTwoPhase)
        }
    }

    /// Runs `body` with the reader bounded to an ext payload, so nothing inside can read past it; running
    /// out of payload bytes is a malformed payload, not a truncated message.
    func withPayload<R>(_ impl: _DecoderImpl, start: Int, end: Int, _ body: () throws -> R) throws -> R {
        let full = impl.reader
        impl.reader = MessagePackReader(UnsafeRawBufferPointer(rebasing: full.bytes[0..<end]), offset: full.offset, limits: limits)
        defer {
            let offset = impl.reader.offset
            impl.reader = full
            impl.reader.offset = offset
        }
        do {
            return try body()
        } catch let error as MessagePackError where error.code == .truncated {
            var malformed = Self.malformed(at: error.byteOffset, "an ext payload ends inside a value: \(error.detail)")
            malformed.path = error.path
            throw malformed
        }
    }

    func readObjectPayload(_ impl: _DecoderImpl, start: Int, payloadEnd: Int, wireTwoPhase: Bool) throws -> any Portable {
        let name = try readTypeRef(impl, payloadEnd: payloadEnd)
        guard impl.reader.offset < payloadEnd else {
            throw Self.malformed(at: start, "the portable object '\(name)' has a type-ref but no data")
        }
        let entry: TypeRegistry.Entry
        if let registered = registry.byName[name] {
            entry = registered
        } else if passthrough {
            entry = TypeRegistry.Entry(name: name, type: nil, kind: .generic(twoPhase: wireTwoPhase))
        } else {
            throw MessagePackError(
                .unknownType, at: start, "unknown portable type '\(name)'",
                hint: "register it with registry.register(YourType.self, as: \"\(name)\"), or decode with unknownTypes: .passthrough")
        }
        let id = objects.count
        objects.append(.open(published: nil))
        let expansionBefore = expansion
        impl.depth += 1
        defer { impl.depth -= 1 }
        let gd = currentGlobalData
        let instance: any Portable
        switch entry.kind {
        case .codable:
            let decodable = entry.type! as! any Decodable.Type
            instance = try decodeOpened(decodable, impl) as! any Portable
        case .custom:
            let data = try readValue(impl)
            instance = try (entry.type! as! any CustomPortable.Type).deserialize(data, globalData: gd)
        case .twoPhase:
            let blank = (entry.type! as! any TwoPhasePortable.Type).init()
            if wireTwoPhase { objects[id] = .open(published: blank) }
            try blank.fill(from: try readValue(impl), globalData: gd)
            instance = blank
        case .generic(let twoPhase):
            let opaque = OpaquePortable(name: name, data: .nil, isTwoPhase: wireTwoPhase)
            if wireTwoPhase && twoPhase { objects[id] = .open(published: opaque) }
            opaque.data = try readValue(impl)
            instance = opaque
        }
        guard impl.reader.offset == payloadEnd else {
            throw Self.malformed(
                at: start, "the payload of '\(name)' holds more than a type-ref and one data value")
        }
        objects[id] = .done(instance, copyCost: entry.isValueType ? (payloadEnd &- start) &+ (expansion &- expansionBefore) : 0)
        return instance
    }

    private func decodeOpened<T: Decodable>(_ type: T.Type, _ impl: _DecoderImpl) throws -> Any {
        try impl.decodeWithContainers(type)
    }

    func readTypeRef(_ impl: _DecoderImpl, payloadEnd: Int) throws -> String {
        let at = impl.reader.offset
        let b = try impl.reader.peekFormatByte()
        switch b {
        case 0xa0...0xbf, FormatByte.str8, FormatByte.str16, FormatByte.str32:
            let name = try impl.reader.readString()
            if typeNameSet.insert(name).inserted {
                guard typeNames.count < limits.maxTypeNameCount else {
                    throw MessagePackError.limit("maxTypeNameCount", limits.maxTypeNameCount, at: at)
                }
                typeNames.append(name)
            }
            return name
        case 0x00...0x7f, 0xcc...0xd3:  // positive fixint, uint8...int64 (a signed form must hold a value >= 0)
            guard let index = try? impl.reader.readUnsignedInteger() else {
                throw Self.malformed(at: at, "a type-ref index must not be negative")
            }
            guard index < UInt64(typeNames.count) else {
                throw MessagePackError(
                    .typeReferenceOutOfRange, at: at,
                    "type-ref \(index) but the message has named only \(typeNames.count) type(s) so far",
                    hint: "a type's name must be sent (as a string) before its index is used")
            }
            return typeNames[Int(index)]
        default:
            throw Self.malformed(at: at, "a type-ref must be a string or an unsigned integer, not \(FormatByte.familyName(b))")
        }
    }

    func readReference(_ impl: _DecoderImpl, start: Int, payloadEnd: Int) throws -> any Portable {
        referenceCount += 1
        guard referenceCount <= limits.maxReferenceCount else {
            throw MessagePackError.limit("maxReferenceCount", limits.maxReferenceCount, at: start)
        }
        let b = impl.reader.offset < payloadEnd ? impl.reader.bytes[impl.reader.offset] : 0xc1
        guard b <= 0x7f || (0xcc...0xd3).contains(b), let id = try? impl.reader.readUnsignedInteger(),
            impl.reader.offset == payloadEnd
        else {
            impl.reader.offset = start
            throw Self.malformed(at: start, "a back-reference's payload must be exactly one unsigned integer")
        }
        guard id < UInt64(objects.count) else {
            impl.reader.offset = start
            throw MessagePackError(
                .danglingReference, at: start,
                "back-reference to object \(id) but only \(objects.count) object(s) came before it",
                hint: "a reference may only name an object that appears earlier in the message")
        }
        switch objects[Int(id)] {
        case .done(let object, let copyCost):
            if copyCost > 0 {
                expansion &+= copyCost
                guard expansion <= limits.maxExpansion else {
                    impl.reader.offset = start
                    var error = MessagePackError.limit("maxExpansion", limits.maxExpansion, at: start)
                    error.detail += ": back-references to value-type objects (\(Swift.type(of: object))) decode into "
                        + "copies, and this message's copies add up to more than \(limits.maxExpansion) bytes"
                    throw error
                }
            }
            return object
        case .open(let published?):
            guard !rejectsCycles else {
                impl.reader.offset = start
                throw MessagePackError(
                    .incompleteReference, at: start,
                    "back-reference to object \(id), which is still being decoded: the message forms a reference cycle",
                    hint: "this decoder rejects cycles (PortableDecoder.cycles = .reject); set .allow to accept them")
            }
            // An opaque object gets a weak back-edge, so that no input can make decoded objects leak (issue 13).
            if let opaque = published as? OpaquePortable { return opaque.referenceWhileOpen() }
            return published
        case .open(nil):
            impl.reader.offset = start
            throw MessagePackError(
                .incompleteReference, at: start,
                "back-reference to object \(id), which is still being decoded (a cycle)",
                hint: "only types registered as TwoPhasePortable and sent as two-phase objects may form cycles")
        }
    }

    @inline(never)
    static func malformed(at offset: Int, _ detail: String) -> MessagePackError {
        MessagePackError(
            .malformedPortable, at: offset, detail, hint: "see Spec/portable-objects.md for the payload layouts")
    }

    // MARK: Dynamic values

    /// Reads any value at the cursor as a ``PortableValue``, with objects and references resolved.
    func readValue(_ impl: _DecoderImpl) throws -> PortableValue {
        let b = try impl.reader.peekFormatByte()
        switch b {
        case 0x90...0x9f, FormatByte.array16, FormatByte.array32:
            guard impl.depth < limits.maxDepth else {
                throw MessagePackError.limit("maxDepth", limits.maxDepth, at: impl.reader.offset)
            }
            let start = impl.reader.offset
            let count = try impl.reader.readArrayHeader()
            guard count <= limits.maxElementCount else {
                impl.reader.offset = start
                throw MessagePackError.limit("maxElementCount", limits.maxElementCount, at: start)
            }
            impl.depth += 1
            defer { impl.depth -= 1 }
            var elements: [PortableValue] = []
            elements.reserveCapacity(impl.reader._reservable(count))
            let owedOutside = impl.reader._owed
            defer { impl.reader._owed = owedOutside }
            for i in 0..<count {
                impl.reader._owed = owedOutside &+ (count &- 1 &- i)
                do { elements.append(try readValue(impl)) } catch let error as MessagePackError {
                    throw error.prefixed(with: .index(i))
                }
            }
            return .array(elements)
        case 0x80...0x8f, FormatByte.map16, FormatByte.map32:
            guard impl.depth < limits.maxDepth else {
                throw MessagePackError.limit("maxDepth", limits.maxDepth, at: impl.reader.offset)
            }
            let start = impl.reader.offset
            let count = try impl.reader.readMapHeader()
            guard count <= limits.maxElementCount else {
                impl.reader.offset = start
                throw MessagePackError.limit("maxElementCount", limits.maxElementCount, at: start)
            }
            impl.depth += 1
            defer { impl.depth -= 1 }
            var entries: [(key: PortableValue, value: PortableValue)] = []
            entries.reserveCapacity(impl.reader._reservable(count, bytesPerElement: 2))
            let owedOutside = impl.reader._owed
            defer { impl.reader._owed = owedOutside }
            for i in 0..<count {
                let owedAfterEntry = owedOutside &+ 2 &* (count &- 1 &- i)
                impl.reader._owed = owedAfterEntry &+ 1
                // A fault inside a key is reported at the map's path, as the core decoder does.
                let key = try readValue(impl)
                impl.reader._owed = owedAfterEntry
                do { entries.append((key, try readValue(impl))) } catch let error as MessagePackError {
                    let segment: MessagePackPath.Segment =
                        key.stringValue.map { .key($0) } ?? .otherKey(key.plainValue?.compactNotation ?? key.description)
                    throw error.prefixed(with: segment)
                }
            }
            return .map(entries)
        case 0xd4...0xd8, FormatByte.ext8, FormatByte.ext16, FormatByte.ext32:
            if let ext = impl.reader.peekExtensionType(), isPortable(ext) { return .object(try readObject(impl)) }
            return PortableValue(try impl.reader._readValue(limits: limits, depth: impl.depth))
        default:
            return PortableValue(try impl.reader._readValue(limits: limits, depth: impl.depth))
        }
    }

    // MARK: Messages

    /// Reads the global-data envelope if the message starts with one, then calls `body` for the body.
    func readMessage<R>(_ impl: _DecoderImpl, body: () throws -> R) throws -> R {
        guard impl.reader.peekExtensionType() == types.globalData else { return try body() }
        let start = impl.reader.offset
        let (_, byteCount) = try impl.reader.readExtensionHeader()
        let payloadEnd = impl.reader.offset + byteCount
        return try withPayload(impl, start: start, end: payloadEnd) {
            try readEnvelope(impl, start: start, payloadEnd: payloadEnd, body: body)
        }
    }

    func readEnvelope<R>(_ impl: _DecoderImpl, start: Int, payloadEnd: Int, body: () throws -> R) throws -> R {
        guard impl.depth < limits.maxDepth else { throw MessagePackError.limit("maxDepth", limits.maxDepth, at: start) }
        impl.depth += 1
        defer { impl.depth -= 1 }
        let tableStart = impl.reader.offset
        guard let b = try? impl.reader.peekFormatByte(), (0x80...0x8f).contains(b) || b == FormatByte.map16 || b == FormatByte.map32
        else { throw Self.malformed(at: tableStart, "a global-data envelope must start with a map of string keys") }
        let count = try impl.reader.readMapHeader()
        guard count <= limits.maxGlobalDataCount else {
            throw MessagePackError.limit("maxGlobalDataCount", limits.maxGlobalDataCount, at: tableStart)
        }
        insideGlobalData = true
        for _ in 0..<count {
            let keyAt = impl.reader.offset
            guard let b = try? impl.reader.peekFormatByte(), (0xa0...0xbf).contains(b) || (0xd9...0xdb).contains(b) else {
                throw Self.malformed(at: keyAt, "global data keys must be strings")
            }
            let key = try impl.reader.readString()
            if globalData.index[key] != nil {
                throw Self.malformed(at: keyAt, "global data key '\(key)' appears twice in the table")
            }
            do {
                try globalData.set(try readValue(impl), forKey: key)
            } catch let error as MessagePackError {
                throw error.prefixed(with: .key(key)).prefixed(with: .globalData)
            }
        }
        insideGlobalData = false
        guard impl.reader.offset < payloadEnd else {
            throw Self.malformed(at: start, "the global-data envelope has a table but no body")
        }
        let result = try body()
        guard impl.reader.offset == payloadEnd else {
            throw Self.malformed(at: start, "the global-data envelope holds more than a table and one body")
        }
        return result
    }
}

// SPDX-License-Identifier: Apache-2.0

/// The types a process may send and receive as portable objects, by name.
///
/// Build one explicitly and share it (it is a `Sendable` value). Decoding only ever instantiates types
/// registered here: a name from the wire is looked up in this table and nowhere else.
///
///     var registry = TypeRegistry()
///     try registry.register(Person.self)                  // under Person.portableName
///     try registry.register(Node.self, as: "app.Node")    // under another name
public struct TypeRegistry: Sendable {
    /// How a registered type is written and rebuilt.
    enum Kind: Sendable {
        case codable
        case custom
        case twoPhase
        /// A name with no Swift type: data is kept as a ``PortableValue`` in an ``OpaquePortable``.
        case generic(twoPhase: Bool)
    }

    /// A class, so that the decoder's and encoder's per-object lookups share one entry instead of copying its
    /// fields (a retain each).
    final class Entry: @unchecked Sendable {
        // Safe: metatypes are immutable; the closures capture nothing but metatypes, and nothing mutates an entry
        // after it is inserted into a registry (the `var`s are set while it is built).
        let name: String
        let type: (any Portable.Type)?
        let kind: Kind
        /// Whether instances are values (structs, enums), so a back-reference to one decodes into a copy that
        /// later walks (equality, description, re-encoding) see in full: the decoder charges such copies to
        /// `MessagePackLimits.maxExpansion`. Class instances and opaque objects are shared, and cost nothing.
        var isValueType: Bool = false
        /// For `.codable` types: writes an instance's data, specialised for the type at registration, so that
        /// encoding an object needs no cast to `any Encodable` (a conformance lookup per object).
        var encodeData: ((any Portable, _EncoderImpl) throws -> Void)? = nil
        /// How the receiver builds an instance, chosen once at registration so that decoding an object is
        /// "look up the entry, call its closure", with no casts.
        var decode: Decode = .generic

        init(name: String, type: (any Portable.Type)?, kind: Kind) {
            self.name = name
            self.type = type
            self.kind = kind
        }
    }

    /// The decoding closure of an entry, by kind.
    enum Decode {
        /// `init(from:)` over the object's data, through the Codable decoder.
        case codable((_DecoderImpl) throws -> any Portable)
        /// `deserialize(_:globalData:)` of a ``CustomPortable`` type.
        case custom((PortableValue, GlobalData) throws -> any Portable)
        /// `init()` then `fill(from:globalData:)` of a ``TwoPhasePortable`` class.
        case twoPhase(() -> any TwoPhasePortable)
        /// An ``OpaquePortable`` holding the data.
        case generic
        /// A well-known type (Spec/well-known-types.md): its native value, or a generic object when there is none.
        case wellKnown(WellKnownType)
    }

    /// Entries by name; names are compared by their bytes, never normalized (Spec/portable-objects.md 3.1).
    var byName: [ExactString: Entry] = [:]
    var nameByType: [ObjectIdentifier: String] = [:]

    /// An empty registry.
    public init() {}

    /// Registers `type` under `name` (default `T.portableName`).
    ///
    /// The type must be `Codable` (default serialization), ``CustomPortable`` or ``TwoPhasePortable``.
    /// - Throws: `MessagePackError` `.duplicateTypeName` when another type has that name, `.cannotSerialize`
    ///   when the type has no way to be serialized.
    public mutating func register<T: Portable>(_ type: T.Type, as name: String? = nil) throws {
        let name = name ?? T.portableName
        try Self.checkNotReserved(name, T.self)
        if PortableTypeFacts.isEnum(T.self), let rawRepresentable = T.self as? any (Portable & RawRepresentable).Type,
            let coders = Self.enumCoders(rawRepresentable)
        {
            // An enum with a raw value: a member's data is its raw value (Spec/well-known-types.md 9).
            try checkNotTaken(name, T.self)
            let entry = Entry(name: name, type: T.self, kind: .codable)
            entry.isValueType = true
            entry.encodeData = coders.encode
            entry.decode = .codable(coders.decode)
            byName[ExactString(name)] = entry
            nameByType[ObjectIdentifier(T.self)] = name
            return
        }
        let kind: Kind
        if T.self is any TwoPhasePortable.Type {
            kind = .twoPhase
        } else if T.self is any CustomPortable.Type {
            kind = .custom
        } else if T.self is any Codable.Type {
            kind = .codable
        } else {
            throw MessagePackError(
                .cannotSerialize, at: -1, "\(T.self) is Portable but neither Codable nor CustomPortable",
                hint: "conform \(T.self) to Codable, CustomPortable or TwoPhasePortable")
        }
        if let existing = byName[ExactString(name)] {
            if let existingType = existing.type, existingType == T.self { return }
            throw MessagePackError(
                .duplicateTypeName, at: -1,
                "'\(name)' is already registered for \(existing.type.map { String(reflecting: $0) } ?? "a generic type")",
                hint: "give one of the types another name with register(\(T.self).self, as: \"…\")")
        }
        let entry = Entry(name: name, type: T.self, kind: kind)
        entry.isValueType = !(T.self is AnyClass)
        let typed = T.self as? any PortableCodable.Type
        if case .codable = kind, let typed {
            // Generated typed code (`@Portable`): no Codable containers on either side.
            entry.encodeData = Self.typedDataEncoder(for: typed)
        } else if case .codable = kind, let encodable = T.self as? any Encodable.Type {
            entry.encodeData = Self.dataEncoder(for: encodable)
        }
        if let twoPhase = T.self as? any TwoPhasePortable.Type {
            entry.decode = .twoPhase(Self.blankMaker(for: twoPhase))
        } else if let custom = T.self as? any CustomPortable.Type {
            entry.decode = .custom(Self.deserializer(for: custom))
        } else if let typed {
            entry.decode = .codable(Self.typedDataDecoder(for: typed))
        } else if let decodable = T.self as? any (Decodable & Portable).Type {
            entry.decode = .codable(Self.dataDecoder(for: decodable))
        }
        byName[ExactString(name)] = entry
        nameByType[ObjectIdentifier(T.self)] = name
    }

    /// Refuses the names Spec/well-known-types.md reserves (a programmer error, reported when registering).
    static func checkNotReserved(_ name: String, _ type: Any.Type?) throws {
        guard WellKnownType.isReserved(name) else { return }
        throw MessagePackError(
            .reservedTypeName, at: -1,
            "'\(name)' starts with 'pw.', which is reserved for the well-known types\(type.map { " (registering \($0))" } ?? "")",
            hint: "register the type under a name of your own, such as \"app.\(type.map { "\($0)" } ?? "Name")\"")
    }

    /// Throws when `name` is registered for another type; returns normally when free or taken by `type` itself.
    func checkNotTaken(_ name: String, _ type: any Portable.Type) throws {
        guard let existing = byName[ExactString(name)] else { return }
        if let existingType = existing.type, existingType == type { return }
        throw MessagePackError(
            .duplicateTypeName, at: -1,
            "'\(name)' is already registered for \(existing.type.map { String(reflecting: $0) } ?? "a generic type")",
            hint: "give one of the types another name with register(\(type).self, as: \"…\")")
    }

    /// The data coders of an enum with a raw value whose raw value is `Codable`.
    static func enumCoders<E: Portable & RawRepresentable>(_: E.Type) -> (
        encode: (any Portable, _EncoderImpl) throws -> Void, decode: (_DecoderImpl) throws -> any Portable
    )? {
        guard let raw = E.RawValue.self as? any Codable.Type else { return nil }
        return enumCoders(E.self, raw)
    }

    static func enumCoders<E: Portable & RawRepresentable, R: Codable>(_: E.Type, _: R.Type) -> (
        encode: (any Portable, _EncoderImpl) throws -> Void, decode: (_DecoderImpl) throws -> any Portable
    ) {
        // R is E.RawValue, opened as Codable by the caller.
        precondition(R.self == E.RawValue.self)
        return (
            { object, impl in
                // The registry looked this entry up by the object's dynamic type, so it is an `E`, whose raw
                // value is an `R` (the same type, opened).
                try impl.encodeValue(_identityCast((object as! E).rawValue, to: R.self))
            },
            { impl in
                let raw = try impl.decodeValue(R.self)
                // E is Portable: it was registered through register<T: Portable>.
                guard let member = E(rawValue: _identityCast(raw, to: E.RawValue.self)) else {
                    throw WellKnownMismatch("\(raw) is the raw value of no member of \(E.self)")
                }
                return member
            }
        )
    }

    private static func dataDecoder<D: Decodable & Portable>(for _: D.Type) -> (_DecoderImpl) throws -> any Portable {
        { impl in try impl.decodeWithContainers(D.self) }
    }

    private static func deserializer<C: CustomPortable>(for _: C.Type) -> (PortableValue, GlobalData) throws -> any Portable {
        { data, globalData in try C.deserialize(data, globalData: globalData) }
    }

    private static func blankMaker<C: TwoPhasePortable>(for _: C.Type) -> () -> any TwoPhasePortable { { C() } }

    private static func dataEncoder<E: Encodable>(for _: E.Type) -> (any Portable, _EncoderImpl) throws -> Void {
        { object, impl in
            // The registry looked this entry up by the object's dynamic type, so it is an `E`.
            try impl.encodeWithContainers(object as! E)
        }
    }

    /// Registers a name with no Swift type, decoded generically: its objects decode into ``OpaquePortable`` values.
    /// Used by conformance runs and relays that must accept some names without knowing their types.
    ///
    /// The Python peer's `Registry.register_generic`. Two words, one per idea, in both languages: a *generic*
    /// registration names a type without a class for it; an *opaque* object (``OpaquePortable``, Python's
    /// `OpaqueObject`) is what such a name, or an unknown one under ``PortableDecoder/UnknownTypes/passthrough``,
    /// decodes into.
    public mutating func registerGeneric(_ name: String, twoPhase: Bool = false) throws {
        try Self.checkNotReserved(name, nil)
        if byName[ExactString(name)] != nil {
            throw MessagePackError(.duplicateTypeName, at: -1, "'\(name)' is already registered")
        }
        byName[ExactString(name)] = Entry(name: name, type: nil, kind: .generic(twoPhase: twoPhase))
    }

    /// Whether `name` is registered (the well-known `pw.` names always are).
    public func contains(_ name: String) -> Bool { entry(named: name) != nil }

    /// The entry registered under exactly these bytes.
    /// The well-known types are known to every registry (their names are reserved, so nothing overrides them).
    func entry(named name: String) -> Entry? {
        let key = ExactString(name)
        return byName[key] ?? WellKnownType.entries[key]
    }

    /// The names registered, sorted.
    public var names: [String] { byName.keys.map(\.string).sorted() }

    /// The name `type` is registered under.
    public func name(for type: any Portable.Type) -> String? { nameByType[ObjectIdentifier(type)] }
}

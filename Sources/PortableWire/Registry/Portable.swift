// SPDX-License-Identifier: Apache-2.0

/// A type that travels as a portable object: an ext value carrying its registered name, so the receiver
/// rebuilds this very type, even where only a protocol or a dynamic value is expected.
///
/// Conforming a `Codable` type is all it takes; its data is its `Codable` encoding (its stored
/// properties, like Python's `__dict__`):
///
///     struct Person: Portable, Codable {
///         static let portableName = "app.Person"   // optional; default "Module.Person"
///         var name: String
///     }
///
/// Types that shape their own data conform to ``CustomPortable``; classes that may form cycles to
/// ``TwoPhasePortable``. See Spec/portable-objects.md.
public protocol Portable {
    /// The unique name the type is registered and sent under.
    static var portableName: String { get }
}

extension Portable {
    /// The default name: the module-qualified type name, for example `MyApp.Person`.
    public static var portableName: String { String(reflecting: Self.self) }
}

/// A portable type that chooses its own data, and may use the message's global data.
///
/// `serialize` returns any transmittable value (it may contain other portable objects); the receiver
/// calls `deserialize` with that value. Together they cover Anvil's `__serialize__` and
/// `__new_deserialized__`:
///
///     struct Row: CustomPortable {
///         var person: String
///         func serialize(globalData: GlobalData) throws -> PortableValue {
///             try globalData.set(.string(person), forKey: "p:\(person)")   // sent once per message
///             return .string("p:\(person)")
///         }
///         static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> Row {
///             Row(person: try globalData.value(forKey: data.stringValue ?? "")?.stringValue ?? "")
///         }
///     }
///
/// When a message uses global data its body is encoded twice (once to collect global data, once to write
/// it after the table). A class instance's `serialize` still runs once per message (its result is reused);
/// a value type's runs again, so for value types it must be deterministic.
public protocol CustomPortable: Portable {
    /// Returns the value sent as this object's data.
    func serialize(globalData: GlobalData) throws -> PortableValue
    /// Rebuilds an instance from the data `serialize` returned.
    static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> Self
}

/// A portable class built in two phases (create blank, publish identity, fill), so it may take part in
/// reference cycles: a child may point back to its parent.
///
/// ARC: a cycle that arrives intact is a retain cycle. Make one edge `weak` (a child's `parent`), or break
/// the cycle yourself when done; otherwise the objects leak. See Spec/portable-objects.md, "Cycles".
public protocol TwoPhasePortable: AnyObject, Portable {
    /// Creates a blank instance, to be filled by ``fill(from:globalData:)``.
    init()
    /// Returns the value sent as this object's data.
    func serialize(globalData: GlobalData) throws -> PortableValue
    /// Fills a blank instance. References back to this instance inside `data` are already this instance.
    func fill(from data: PortableValue, globalData: GlobalData) throws
}

/// The ext type codes of the portable layer. Defaults from Spec/portable-objects.md; reassign them when
/// they collide with an application's own ext types (both ends must agree).
public struct PortableExtensionTypes: Hashable, Sendable {
    /// A portable object (`P`, 80).
    public var object: Int8 = 80
    /// A two-phase portable object that may be referenced from inside its own data (`Q`, 81).
    public var twoPhaseObject: Int8 = 81
    /// A back-reference to an earlier object (`R`, 82).
    public var reference: Int8 = 82
    /// The global-data envelope around a message (`G`, 71).
    public var globalData: Int8 = 71
    /// The defaults.
    public init() {}
}

extension MessagePackError.Code {
    /// A type name the receiver has not registered (and passthrough is off).
    public static let unknownType = Self("unknownType")
    /// A type-ref index beyond the message's type-name table.
    public static let typeReferenceOutOfRange = Self("typeReferenceOutOfRange")
    /// A back-reference to an object id not decoded before it.
    public static let danglingReference = Self("danglingReference")
    /// A back-reference to an object still being decoded, whose type is not two-phase.
    public static let incompleteReference = Self("incompleteReference")
    /// A portable ext whose payload is not what Spec/portable-objects.md prescribes.
    public static let malformedPortable = Self("malformedPortable")
    /// A reference cycle among objects whose types are not two-phase (encoding).
    public static let cycleDetected = Self("cycleDetected")
    /// Global data touched where there is none (by an object inside global data).
    public static let globalDataUnavailable = Self("globalDataUnavailable")
    /// Two types registered under one name.
    public static let duplicateTypeName = Self("duplicateTypeName")
    /// A type registered under a name that starts with `pw.`, reserved for the well-known types
    /// (Spec/well-known-types.md 3, rule 1).
    public static let reservedTypeName = Self("reservedTypeName")
}

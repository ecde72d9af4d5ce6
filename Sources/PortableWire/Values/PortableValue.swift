// SPDX-License-Identifier: Apache-2.0

/// A dynamic value that may hold portable objects: what custom serializers return, what global data holds,
/// and what a message decodes to when its shape is not known at compile time.
///
/// It is `MessagePackValue` plus ``object(_:)``. Objects keep their identity: a class instance referenced
/// twice in a message decodes into one instance held by two `.object` cases.
///
///     let call: PortableValue = ["task": "app.tasks.optimise", "kwargs": ["input": .object(variable)]]
public enum PortableValue {
    case `nil`
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case float(Float)
    case double(Double)
    case string(String)
    case binary([UInt8])
    case array([PortableValue])
    /// Key/value pairs in wire order.
    case map([(key: PortableValue, value: PortableValue)])
    case `extension`(Int8, [UInt8])
    case timestamp(MessagePackTimestamp)
    /// A portable object: an instance of a registered type, or an ``OpaquePortable``.
    case object(any Portable)
}

// `MessagePackValue` and `PortableValue` stay two types over one walk (the core's `_walkValue` builds both;
// `DynamicTree.swift` describes, compares and rebuilds both) rather than one generic value: the core's value is
// `Hashable` and `Sendable` and knows nothing of objects, while this one holds class instances (identity, no
// `Sendable`) and compares objects by identity. A single `Value<Object>` would put a type parameter into every
// core signature and make plain users spell `Value<Never>`; keeping two thin enums costs only the conversions
// below, which are O(n) and iterative.

extension PortableValue {
    /// Wraps a plain value (any depth: the conversion does not recurse).
    public init(_ value: MessagePackValue) {
        self =
            _rebuildTree(
                value, children: \._children, leaf: { PortableValue(scalar: $0) }, array: { .array($0) },
                map: { entries, _ in .map(entries) })!
    }

    /// Wraps a plain scalar; containers are converted in full.
    @inline(__always)
    init(scalar value: MessagePackValue) {
        switch value {
        case .nil: self = .nil
        case .bool(let b): self = .bool(b)
        case .int(let v): self = .int(v)
        case .uint(let v): self = .uint(v)
        case .float(let v): self = .float(v)
        case .double(let v): self = .double(v)
        case .string(let s): self = .string(s)
        case .binary(let b): self = .binary(b)
        case .extension(let t, let d): self = .extension(t, d)
        case .timestamp(let t): self = .timestamp(t)
        case .array, .map: self.init(value)
        }
    }

    /// The elements or entries of an array or a map; nil for every other kind (objects included).
    var children: _TreeChildren<PortableValue>? {
        switch self {
        case .array(let a): return .array(a)
        case .map(let m): return .map(m)
        default: return nil
        }
    }

    /// The plain value of a node that is not a container; nil for an object.
    var plainScalar: MessagePackValue? {
        switch self {
        case .nil: return .nil
        case .bool(let b): return .bool(b)
        case .int(let v): return .int(v)
        case .uint(let v): return .uint(v)
        case .float(let v): return .float(v)
        case .double(let v): return .double(v)
        case .string(let s): return .string(s)
        case .binary(let b): return .binary(b)
        case .extension(let t, let d): return .extension(t, d)
        case .timestamp(let t): return .timestamp(t)
        case .object, .array, .map: return nil
        }
    }

    /// Frees the value without recursion, for trees nested deeper than the stack can free (see
    /// `MessagePackValue.releaseIteratively()`: Swift frees nested arrays with about 110 bytes of stack a
    /// level; the decoders build none deeper than `MessagePackLimits.maxSafeDepth`, which any thread frees).
    /// Objects are dropped as they are: an object's own data is freed by the object.
    ///
    /// - Complexity: O(n) in the nodes.
    public consuming func releaseIteratively() {
        _releaseIteratively(self, children: \.children)
    }

    /// The plain value, or nil when it holds a portable object somewhere (any depth: no recursion).
    public var plainValue: MessagePackValue? {
        _rebuildTree(
            self, children: \.children, leaf: \.plainScalar, array: { .array($0) }, map: { entries, _ in .map(entries) })
    }

    /// The value of a map entry whose key is this string.
    public subscript(key: String) -> PortableValue? {
        guard case .map(let entries) = self else { return nil }
        for entry in entries { if case .string(let k) = entry.key, k == key { return entry.value } }
        return nil
    }

    /// An array element, or nil when out of range or not an array.
    public subscript(index: Int) -> PortableValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// The object, if this is one.
    public var object: (any Portable)? { if case .object(let o) = self { return o } else { return nil } }
    /// The string, if this is one.
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The integer as `Int64`, if it is one that fits.
    public var int64Value: Int64? {
        switch self {
        case .int(let v): return v
        case .uint(let v): return Int64(exactly: v)
        default: return nil
        }
    }
    /// A float or double as `Double`.
    public var doubleValue: Double? {
        switch self {
        case .double(let v): return v
        case .float(let v): return Double(v)
        default: return nil
        }
    }
    /// The elements, if this is an array.
    public var arrayValue: [PortableValue]? { if case .array(let a) = self { return a } else { return nil } }
    /// The entries, if this is a map.
    public var mapValue: [(key: PortableValue, value: PortableValue)]? {
        if case .map(let m) = self { return m } else { return nil }
    }

    /// The value as Swift values: `[Any]`, `[String: Any]` (or `[AnyHashable: Any]` for other keys), the
    /// objects themselves, `Int64`, `String`, … — so `as? [any Shape]` recovers typed collections.
    public var unwrapped: Any {
        let leaf: (PortableValue) -> Any? = { node in
            switch node {
            case .nil: return Optional<Any>.none as Any
            case .bool(let b): return b
            case .int(let v): return v
            case .uint(let v): return v
            case .float(let v): return v
            case .double(let v): return v
            case .string(let s): return s
            case .binary(let b): return b
            case .extension(let t, let d): return MessagePackValue.extension(t, d)
            case .timestamp(let t): return t
            case .object(let o): return o
            case .array, .map: return nil  // never called for containers
            }
        }
        let map: ([(key: Any, value: Any)], [(key: PortableValue, value: PortableValue)]) -> Any = { entries, source in
            if source.allSatisfy({ $0.key.stringValue != nil }) {
                var d: [String: Any] = [:]
                for (i, e) in entries.enumerated() { d[source[i].key.stringValue!] = e.value }
                return d
            }
            var d: [AnyHashable: Any] = [:]
            for (i, e) in entries.enumerated() { if let k = source[i].key.plainValue { d[AnyHashable(k)] = e.value } }
            return d
        }
        return _rebuildTree(self, children: \.children, leaf: leaf, array: { $0 as Any }, map: map)!
    }
}

// MARK: Equality

extension PortableValue: Equatable {
    /// Structural equality; floats by bit pattern (as `MessagePackValue`); class objects by identity
    /// (`===`), value-type objects with their own `==` when they are `Equatable`.
    ///
    /// Any depth: pending pairs wait in a list on the heap, not on the stack.
    public static func == (lhs: PortableValue, rhs: PortableValue) -> Bool {
        _treesEqual(lhs, rhs, children: \.children) { a, b in
            switch (a, b) {
            case (.object(let a), .object(let b)): return objectsEqual(a, b)
            case (.object, _), (_, .object): return false
            default: return a.plainScalar == b.plainScalar
            }
        }
    }

    static func objectsEqual(_ a: any Portable, _ b: any Portable) -> Bool {
        if type(of: a) is AnyClass || type(of: b) is AnyClass {
            guard type(of: a) is AnyClass, type(of: b) is AnyClass else { return false }
            // A back-edge (OpaquePortable) is the object it stands for.
            return portableIdentity(a as AnyObject) == portableIdentity(b as AnyObject)
        }
        guard let ea = a as? any Equatable else { return false }
        return equals(ea, b)
    }

    private static func equals<E: Equatable>(_ a: E, _ b: Any) -> Bool {
        guard let b = b as? E else { return false }
        return a == b
    }
}

// MARK: Literals

extension PortableValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .nil }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: PortableValue...) { self = .array(elements) }
    /// Keeps the literal's order.
    public init(dictionaryLiteral elements: (PortableValue, PortableValue)...) {
        self = .map(elements.map { (key: $0.0, value: $0.1) })
    }
}

// MARK: Description

extension PortableValue: CustomStringConvertible {
    /// The diagnostic notation of `MessagePackValue`, with objects as `Name{…}`; an object met again
    /// (shared or cyclic) is shown as `^Name`, so the output stays linear in the graph's size.
    public var description: String { Describing.text(of: self) }

    /// Writes the notation of each node without recursion; an object's data is entered in place of the object
    /// after its name, so chains of objects do not recurse either.
    struct Describing: _TextWritingVisitor {
        var out = ""
        var seen = Set<ObjectIdentifier>()

        mutating func enter(_ node: PortableValue) -> _TreeChildren<PortableValue>? {
            var node = node
            while case .object(let o) = node {
                if let opaque = o as? OpaquePortable {
                    if !seen.insert(portableIdentity(opaque)).inserted {
                        out += "^\(opaque.name)"
                        return nil
                    }
                    out += opaque.name
                    node = opaque.data
                } else if type(of: o) is AnyClass {
                    let id = ObjectIdentifier(o as AnyObject)
                    out += seen.insert(id).inserted ? String(describing: o) : "^\(type(of: o))"
                    return nil
                } else {
                    out += String(describing: o)
                    return nil
                }
            }
            switch node {
            case .array(let a): return _DiagnosticNotation.open(.array(a), into: &out)
            case .map(let m): return _DiagnosticNotation.open(.map(m), into: &out)
            default:
                out += node.plainScalar!.description
                return nil
            }
        }

        mutating func beforeChild(at position: Int, isMap: Bool) {
            _DiagnosticNotation.beforeChild(at: position, isMap: isMap, into: &out)
        }

        mutating func exit(isMap: Bool) { _DiagnosticNotation.close(isMap: isMap, into: &out) }
    }
}

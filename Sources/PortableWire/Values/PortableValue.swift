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

extension PortableValue {
    /// Wraps a plain value.
    public init(_ value: MessagePackValue) {
        switch value {
        case .nil: self = .nil
        case .bool(let b): self = .bool(b)
        case .int(let v): self = .int(v)
        case .uint(let v): self = .uint(v)
        case .float(let v): self = .float(v)
        case .double(let v): self = .double(v)
        case .string(let s): self = .string(s)
        case .binary(let b): self = .binary(b)
        case .array(let a): self = .array(a.map(PortableValue.init))
        case .map(let m): self = .map(m.map { (PortableValue($0.key), PortableValue($0.value)) })
        case .extension(let t, let d): self = .extension(t, d)
        case .timestamp(let t): self = .timestamp(t)
        }
    }

    /// The plain value, or nil when it holds a portable object somewhere.
    public var plainValue: MessagePackValue? {
        switch self {
        case .nil: return .nil
        case .bool(let b): return .bool(b)
        case .int(let v): return .int(v)
        case .uint(let v): return .uint(v)
        case .float(let v): return .float(v)
        case .double(let v): return .double(v)
        case .string(let s): return .string(s)
        case .binary(let b): return .binary(b)
        case .array(let a):
            var out: [MessagePackValue] = []
            out.reserveCapacity(a.count)
            for e in a {
                guard let p = e.plainValue else { return nil }
                out.append(p)
            }
            return .array(out)
        case .map(let m):
            var out: [(key: MessagePackValue, value: MessagePackValue)] = []
            out.reserveCapacity(m.count)
            for e in m {
                guard let k = e.key.plainValue, let v = e.value.plainValue else { return nil }
                out.append((k, v))
            }
            return .map(out)
        case .extension(let t, let d): return .extension(t, d)
        case .timestamp(let t): return .timestamp(t)
        case .object: return nil
        }
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
        switch self {
        case .nil: return Optional<Any>.none as Any
        case .bool(let b): return b
        case .int(let v): return v
        case .uint(let v): return v
        case .float(let v): return v
        case .double(let v): return v
        case .string(let s): return s
        case .binary(let b): return b
        case .array(let a): return a.map(\.unwrapped)
        case .map(let m):
            if m.allSatisfy({ $0.key.stringValue != nil }) {
                var d: [String: Any] = [:]
                for e in m { d[e.key.stringValue!] = e.value.unwrapped }
                return d
            }
            var d: [AnyHashable: Any] = [:]
            for e in m { if let k = e.key.plainValue { d[AnyHashable(k)] = e.value.unwrapped } }
            return d
        case .extension(let t, let d): return MessagePackValue.extension(t, d)
        case .timestamp(let t): return t
        case .object(let o): return o
        }
    }
}

// MARK: Equality

extension PortableValue: Equatable {
    /// Structural equality; floats by bit pattern (as `MessagePackValue`); class objects by identity
    /// (`===`), value-type objects with their own `==` when they are `Equatable`.
    public static func == (lhs: PortableValue, rhs: PortableValue) -> Bool {
        switch (lhs, rhs) {
        case (.object(let a), .object(let b)): return objectsEqual(a, b)
        case (.object, _), (_, .object): return false
        case (.array(let a), .array(let b)): return a == b
        case (.map(let a), .map(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default:
            return lhs.plainValue == rhs.plainValue
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
    public var description: String {
        var out = ""
        var seen = Set<ObjectIdentifier>()
        describe(into: &out, seen: &seen)
        return out
    }

    func describe(into out: inout String, seen: inout Set<ObjectIdentifier>) {
        switch self {
        case .array(let a):
            out += "["
            for (i, e) in a.enumerated() {
                if i > 0 { out += ", " }
                e.describe(into: &out, seen: &seen)
            }
            out += "]"
        case .map(let m):
            out += "{"
            for (i, e) in m.enumerated() {
                if i > 0 { out += ", " }
                e.key.describe(into: &out, seen: &seen)
                out += ": "
                e.value.describe(into: &out, seen: &seen)
            }
            out += "}"
        case .object(let o):
            if let opaque = o as? OpaquePortable {
                if !seen.insert(portableIdentity(opaque)).inserted {
                    out += "^\(opaque.name)"
                    return
                }
                out += opaque.name
                opaque.data.describe(into: &out, seen: &seen)
            } else if type(of: o) is AnyClass {
                let id = ObjectIdentifier(o as AnyObject)
                out += seen.insert(id).inserted ? String(describing: o) : "^\(type(of: o))"
            } else {
                out += String(describing: o)
            }
        default:
            out += plainValue!.description
        }
    }
}

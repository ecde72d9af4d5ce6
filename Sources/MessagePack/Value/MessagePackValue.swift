// SPDX-License-Identifier: Apache-2.0

/// Any MessagePack value, for data whose shape is not known at compile time.
///
/// Maps keep their entries in wire order (never `Dictionary` order) and allow any key.
/// Integers are one kind: decoding yields `.int` for every value that fits `Int64` and `.uint` only
/// above `Int64.max`; `.uint(5) == .int(5)`.
///
/// Equality and hashing compare floats by **bit pattern**: `.double(.nan) == .double(.nan)` for the same
/// NaN payload, `.double(0.0) != .double(-0.0)`, and `.float(1) != .double(1)` (different kinds). This keeps
/// `==` an equivalence relation that agrees with the bytes on the wire.
///
///     let value: MessagePackValue = ["a": 1, "b": [true, nil]]
///     value["b"]?[0]        // .bool(true)
///     value.description     // {"a": 1, "b": [true, nil]}
public enum MessagePackValue: Sendable {
    case `nil`
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case float(Float)
    case double(Double)
    case string(String)
    case binary([UInt8])
    case array([MessagePackValue])
    /// Key/value pairs in wire order; keys may be any value and may repeat.
    case map([(key: MessagePackValue, value: MessagePackValue)])
    /// An ext value other than a timestamp: its type (−128…127, −1 excluded) and payload.
    case `extension`(Int8, [UInt8])
    case timestamp(MessagePackTimestamp)
}

// MARK: Accessors

extension MessagePackValue {
    /// The value of a map entry whose key is this string; the first one when keys repeat.
    public subscript(key: String) -> MessagePackValue? {
        guard case .map(let entries) = self else { return nil }
        for entry in entries { if case .string(let k) = entry.key, k == key { return entry.value } }
        return nil
    }

    /// The value of a map entry with this key.
    public subscript(key key: MessagePackValue) -> MessagePackValue? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// An array element, or nil when out of range or not an array.
    public subscript(index: Int) -> MessagePackValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// Whether this is `.nil`.
    public var isNil: Bool { if case .nil = self { return true } else { return false } }
    /// The bool, if this is one.
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    /// The integer as `Int64` if it is an integer that fits.
    public var int64Value: Int64? {
        switch self {
        case .int(let v): return v
        case .uint(let v): return Int64(exactly: v)
        default: return nil
        }
    }
    /// The integer as `UInt64` if it is a non-negative integer.
    public var uint64Value: UInt64? {
        switch self {
        case .int(let v): return UInt64(exactly: v)
        case .uint(let v): return v
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
    /// The string, if this is one.
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The bytes, if this is binary.
    public var binaryValue: [UInt8]? { if case .binary(let b) = self { return b } else { return nil } }
    /// The elements, if this is an array.
    public var arrayValue: [MessagePackValue]? { if case .array(let a) = self { return a } else { return nil } }
    /// The entries, if this is a map.
    public var mapValue: [(key: MessagePackValue, value: MessagePackValue)]? {
        if case .map(let m) = self { return m } else { return nil }
    }
}

// MARK: Equality

extension MessagePackValue: Hashable {
    /// Structural equality (see the type's notes on integers and floats), however deep: it compares with a list of
    /// pending pairs on the heap, not by recursion.
    public static func == (lhs: MessagePackValue, rhs: MessagePackValue) -> Bool {
        _treesEqual(lhs, rhs, children: \._children, leaves: _leavesEqual)
    }

    /// The elements or entries of an array or a map; nil for every other kind.
    @inlinable
    package var _children: _TreeChildren<MessagePackValue>? {
        switch self {
        case .array(let a): return .array(a)
        case .map(let m): return .map(m)
        default: return nil
        }
    }

    /// Equality of two values of which at least one is not a container.
    static func _leavesEqual(_ lhs: MessagePackValue, _ rhs: MessagePackValue) -> Bool {
        switch (lhs, rhs) {
        case (.nil, .nil): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int, .int), (.int, .uint), (.uint, .int), (.uint, .uint):
            return lhs.int64Value == rhs.int64Value && lhs.uint64Value == rhs.uint64Value
        case (.float(let a), .float(let b)): return a.bitPattern == b.bitPattern
        case (.double(let a), .double(let b)): return a.bitPattern == b.bitPattern
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.binary(let a), .binary(let b)): return a == b
        case (.extension(let t1, let d1), .extension(let t2, let d2)): return t1 == t2 && d1 == d2
        case (.timestamp(let a), .timestamp(let b)): return a == b
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        var hashing = _Hashing(hasher: hasher)
        hashing.visit(self)
        hasher = hashing.hasher
    }

    /// Feeds every node to a hasher, containers with their kind and size (so `[[1], 2]` and `[[1, 2]]` differ).
    struct _Hashing: _DynamicTreeVisitor {
        var hasher: Hasher

        mutating func enter(_ node: MessagePackValue) -> _TreeChildren<MessagePackValue>? {
            switch node {
            case .nil: hasher.combine(0)
            case .bool(let b): hasher.combine(1); hasher.combine(b)
            case .int, .uint:
                hasher.combine(2)
                if let v = node.int64Value { hasher.combine(v) } else { hasher.combine(node.uint64Value) }
            case .float(let f): hasher.combine(3); hasher.combine(f.bitPattern)
            case .double(let d): hasher.combine(4); hasher.combine(d.bitPattern)
            case .string(let s): hasher.combine(5); for b in s.utf8 { hasher.combine(b) }
            case .binary(let b): hasher.combine(6); hasher.combine(b)
            case .array(let a):
                hasher.combine(7)
                hasher.combine(a.count)
                return .array(a)
            case .map(let m):
                hasher.combine(8)
                hasher.combine(m.count)
                return .map(m)
            case .extension(let t, let d): hasher.combine(9); hasher.combine(t); hasher.combine(d)
            case .timestamp(let t): hasher.combine(10); hasher.combine(t)
            }
            return nil
        }
        func beforeChild(at position: Int, isMap: Bool) {}
        func exit(isMap: Bool) {}
    }
}

// MARK: Literals

extension MessagePackValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .nil }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: MessagePackValue...) { self = .array(elements) }
    /// Keeps the literal's order: `["b": 1, "a": 2]` encodes `b` first.
    public init(dictionaryLiteral elements: (MessagePackValue, MessagePackValue)...) {
        self = .map(elements.map { (key: $0.0, value: $0.1) })
    }
}

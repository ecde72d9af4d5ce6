// SPDX-License-Identifier: Apache-2.0
import PortableWire

/// Compares two portable value graphs structurally, and their class instances by a one-to-one
/// correspondence: an instance met twice on the left must be met as the same instance on the right (shared
/// references stay shared), and two distinct left instances must not map to one right instance (distinct
/// ones stay distinct). Plain values compare as the wire does: floats by bit pattern, strs by scalars, maps
/// pair by pair in order (Spec/format.md section 3).
///
/// One matcher may compare several pairs (a message's global data and its body): the correspondence is kept
/// across calls, so identity is checked across the whole message.
struct GraphMatcher {
    private var forward: [ObjectIdentifier: ObjectIdentifier] = [:]
    private var backward: [ObjectIdentifier: ObjectIdentifier] = [:]
    /// Keeps every compared instance alive, so no `ObjectIdentifier` is reused while the matcher lives.
    private var retained: [AnyObject] = []
    /// The first difference found, with its path.
    private(set) var mismatch: String?

    /// The number of class instances matched so far.
    var matchedInstanceCount: Int { forward.count }

    /// Whether `a` and `b` are the same graph; on `false`, ``mismatch`` says where and why.
    @discardableResult
    mutating func same(_ a: PortableValue, _ b: PortableValue, at path: String = "$") -> Bool {
        guard mismatch == nil else { return false }
        switch (a, b) {
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return fail(path, "array of \(x.count) vs \(y.count) elements") }
            for i in x.indices where !same(x[i], y[i], at: "\(path)[\(i)]") { return false }
            return true
        case (.map(let x), .map(let y)):
            guard x.count == y.count else { return fail(path, "map of \(x.count) vs \(y.count) entries") }
            for i in x.indices {
                guard same(x[i].key, y[i].key, at: "\(path){key \(i)}") else { return false }
                guard same(x[i].value, y[i].value, at: "\(path){value \(i)}") else { return false }
            }
            return true
        case (.object(let x), .object(let y)):
            return sameObject(x, y, at: path)
        case (.array, _), (.map, _), (.object, _), (_, .array), (_, .map), (_, .object):
            return fail(path, "\(kind(a)) vs \(kind(b))")
        default:
            // Two scalars: MessagePackValue's equality is the wire's (bit patterns, scalars, one integer kind).
            guard a.plainValue == b.plainValue else { return fail(path, "\(a) vs \(b)") }
            return true
        }
    }

    private mutating func sameObject(_ x: any Portable, _ y: any Portable, at path: String) -> Bool {
        guard type(of: x) == type(of: y) else { return fail(path, "\(type(of: x)) vs \(type(of: y))") }
        if let p = x as? PropPoint {
            guard p == y as! PropPoint else { return fail(path, "\(p) vs \(y)") }
            return true
        }
        guard type(of: x) is AnyClass else { return fail(path, "unexpected value-type object \(type(of: x))") }
        let l = x as AnyObject
        let r = y as AnyObject
        let li = ObjectIdentifier(l)
        let ri = ObjectIdentifier(r)
        if let mapped = forward[li] {
            guard mapped == ri else {
                return fail(path, "one \(type(of: x)) instance on the left arrives as two instances (identity lost)")
            }
            return true
        }
        if backward[ri] != nil {
            return fail(path, "two distinct \(type(of: x)) instances on the left arrive as one instance")
        }
        forward[li] = ri
        backward[ri] = li
        retained.append(l)
        retained.append(r)
        switch (l, r) {
        case (let a as PropAccount, let b as PropAccount):
            guard scalarsEqual(a.owner, b.owner) else { return fail("\(path).owner", "\(a.owner.debugDescription) vs \(b.owner.debugDescription)") }
            guard a.balance == b.balance else { return fail("\(path).balance", "\(a.balance) vs \(b.balance)") }
            guard a.score.bitPattern == b.score.bitPattern else { return fail("\(path).score", "\(a.score) vs \(b.score)") }
            guard a.points == b.points else { return fail("\(path).points", "\(a.points) vs \(b.points)") }
            switch (a.friend, b.friend) {
            case (nil, nil): return true
            case (let f?, let g?): return sameObject(f, g, at: "\(path).friend")
            default: return fail("\(path).friend", "\(String(describing: a.friend)) vs \(String(describing: b.friend))")
            }
        case (let a as PropRow, let b as PropRow):
            guard scalarsEqual(a.key, b.key) else { return fail("\(path).key", "\(a.key.debugDescription) vs \(b.key.debugDescription)") }
            return same(a.payload, b.payload, at: "\(path).payload")
        case (let a as PropNode, let b as PropNode):
            guard scalarsEqual(a.name, b.name) else { return fail("\(path).name", "\(a.name.debugDescription) vs \(b.name.debugDescription)") }
            return same(.array(a.links), .array(b.links), at: "\(path).links")
        case (let a as OpaquePortable, let b as OpaquePortable):
            guard scalarsEqual(a.name, b.name), a.isTwoPhase == b.isTwoPhase else {
                return fail(path, "opaque \(a.name)/\(a.isTwoPhase) vs \(b.name)/\(b.isTwoPhase)")
            }
            return same(a.data, b.data, at: "\(path).data")
        default:
            return fail(path, "unexpected class \(type(of: l))")
        }
    }

    private func scalarsEqual(_ a: String, _ b: String) -> Bool { a.unicodeScalars.elementsEqual(b.unicodeScalars) }

    private func kind(_ v: PortableValue) -> String {
        switch v {
        case .array: "array"
        case .map: "map"
        case .object(let o): "object \(type(of: o))"
        default: "scalar \(v)"
        }
    }

    private mutating func fail(_ path: String, _ what: String) -> Bool {
        if mismatch == nil { mismatch = "at \(path): \(what)" }
        return false
    }
}

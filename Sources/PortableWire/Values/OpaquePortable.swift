// SPDX-License-Identifier: Apache-2.0

/// A portable object of a type this process does not know, kept as its name and data.
///
/// Decoders produce it for unregistered names with `unknownTypes: .passthrough` (and for names registered
/// with ``TypeRegistry/registerGeneric(_:twoPhase:)``). It re-encodes to the same bytes, so a relay loses
/// nothing. It is a class: references to it keep their identity.
///
/// Opaque objects never form a retain cycle, whatever the input. A back-reference to a two-phase object that
/// is still being decoded (the edge that closes a cycle) decodes into a *back-edge*: a small stand-in that
/// holds its target weakly (``isBackEdge``, ``resolved``). It reads like its target (same ``name`` and
/// ``data``), re-encodes as a back-reference to it, and compares equal to it in ``PortableValue``; only `===`
/// tells them apart. Keep the outermost object of a cycle: once it is freed, a back-edge's data is `nil`.
public final class OpaquePortable: Portable, CustomStringConvertible {
    /// Never used: an opaque object is sent under its own ``name``.
    public static var portableName: String { "" }
    /// The registered name on the wire.
    public let name: String
    /// Whether it travelled as a two-phase object (ext `Q`).
    public let isTwoPhase: Bool
    /// The object's data (its target's, for a back-edge). Settable so two-phase objects can be filled after
    /// they are published.
    public package(set) var data: PortableValue {
        get { isBackEdge ? (cycleTarget?.data ?? .nil) : storedData }
        set { storedData = newValue }
    }
    var storedData: PortableValue
    /// The object a back-edge stands for, held weakly so that the cycle it closes is no retain cycle.
    weak var cycleTarget: OpaquePortable?
    /// Whether this is the stand-in for a back-reference that closed a reference cycle.
    public let isBackEdge: Bool

    /// Creates an opaque object, for relays and tests that build messages by hand.
    public init(name: String, data: PortableValue, isTwoPhase: Bool = false) {
        self.name = name
        self.storedData = data
        self.isTwoPhase = isTwoPhase
        self.isBackEdge = false
    }

    /// Creates a back-edge to `target`.
    init(backEdgeTo target: OpaquePortable) {
        self.name = target.name
        self.storedData = .nil
        self.isTwoPhase = target.isTwoPhase
        self.isBackEdge = true
        self.cycleTarget = target
    }

    /// The object itself, or for a back-edge the object it stands for (nil once that was freed).
    public var resolved: OpaquePortable? { isBackEdge ? cycleTarget : self }

    /// What a back-reference to this object returns while the object is still being decoded: a back-edge,
    /// so that the cycle it closes holds no strong reference back to this object.
    package func referenceWhileOpen() -> OpaquePortable { OpaquePortable(backEdgeTo: resolved ?? self) }

    public var description: String {
        if isBackEdge { return "^\(name)" }
        return "\(name)(\(data.description))"
    }
}

/// The identity of a portable object for back-references, equality and descriptions: a back-edge counts as
/// the object it stands for.
package func portableIdentity(_ object: AnyObject) -> ObjectIdentifier {
    if let opaque = object as? OpaquePortable, opaque.isBackEdge, let target = opaque.cycleTarget {
        return ObjectIdentifier(target)
    }
    return ObjectIdentifier(object)
}

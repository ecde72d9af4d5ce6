// SPDX-License-Identifier: Apache-2.0

/// A portable object of a type this process does not know, kept as its name and data.
///
/// Decoders produce it for unregistered names with `unknownTypes: .passthrough` (and for names registered
/// with ``TypeRegistry/registerOpaque(_:twoPhase:)``). It re-encodes to the same bytes, so a relay loses
/// nothing. It is a class: references to it keep their identity.
public final class OpaquePortable: Portable, CustomStringConvertible {
    /// Never used: an opaque object is sent under its own ``name``.
    public static var portableName: String { "" }
    /// The registered name on the wire.
    public let name: String
    /// Whether it travelled as a two-phase object (ext `Q`).
    public let isTwoPhase: Bool
    /// The object's data. Settable so two-phase objects can be filled after they are published.
    public package(set) var data: PortableValue

    /// Creates an opaque object, for relays and tests that build messages by hand.
    public init(name: String, data: PortableValue, isTwoPhase: Bool = false) {
        self.name = name
        self.data = data
        self.isTwoPhase = isTwoPhase
    }

    public var description: String { "\(name)(\(data.description))" }
}

// SPDX-License-Identifier: Apache-2.0
import PortableWire
import PortableWireConformance
import Testing
import TestSupport

/// A value-type object holding others; back-references to it decode into copies.
struct BombNode: Portable, Codable, Equatable {
    static let portableName = "bomb.Node"
    var children: [BombNode]
}

/// Reference bombs (issue 7, item 5): `levels + 1` objects where object k holds two back-references to object
/// k - 1, so the graph has 2^levels paths. With identity objects everything stays linear; with value-type
/// objects the copies are charged to `maxExpansion`.
@Suite struct ReferenceBombTests {
    static func bomb(levels: Int, name: String) -> [UInt8] {
        var bytes: [UInt8] = [0xdc, 0x00, UInt8(levels + 1)]
        for k in 0...levels {
            var payload: [UInt8] = k == 0 ? [0xa0 | UInt8(name.utf8.count)] + Array(name.utf8) : [0x00]
            payload += [0x81, 0xa8] + Array("children".utf8)
            payload += k == 0 ? [0x90] : [0x92, 0xd4, 0x52, UInt8(k - 1), 0xd4, 0x52, UInt8(k - 1)]
            bytes += [0xc7, UInt8(payload.count), 0x50] + payload
        }
        return bytes
    }

    static let registry: TypeRegistry = {
        var registry = TypeRegistry()
        try! registry.registerGeneric("bomb.Opaque")
        try! registry.register(BombNode.self)
        return registry
    }()

    @Test func identityBombStaysLinearThroughEveryOperation() throws {
        let bytes = Self.bomb(levels: 40, name: "bomb.Opaque")
        #expect(bytes.count < 1000)
        let decoded = try PortableDecoder(registry: Self.registry).decode(from: bytes)
        let top = try #require(decoded[40]?.object as? OpaquePortable)
        let children = try #require(top.data["children"]?.arrayValue)
        let first = ObjectIdentifier(try #require(children[0].object as? OpaquePortable))
        let second = ObjectIdentifier(try #require(children[1].object as? OpaquePortable))
        #expect(first == second, "both references are one instance")
        // Equality, description, re-encoding and JSON notation all stop at instances already seen.
        #expect(decoded == decoded)
        let again = try PortableDecoder(registry: Self.registry).decode(from: bytes)
        #expect(decoded != again, "objects compare by identity, so two decodings differ without a deep walk")
        #expect(decoded.description.utf8.count < 4000)
        #expect(try PortableEncoder(registry: Self.registry).encode(decoded) == bytes)
        let (json, _) = try Notation.json(body: decoded)
        #expect(json.serialized.utf8.count < 8000)
    }

    @Test func valueBombStopsAtTheExpansionBudget() throws {
        let bytes = Self.bomb(levels: 40, name: BombNode.portableName)
        let clock = ContinuousClock()
        let start = clock.now
        let error = #expect(throws: MessagePackError.self) { try PortableDecoder(registry: Self.registry).decode(from: bytes) }
        #expect(clock.now - start < .seconds(5), "fails after O(wire size) work, not 2^k")
        #expect(error?.code == .limitExceeded)
        #expect(error?.detail.contains("maxExpansion") == true, "\(String(describing: error))")
        #expect(error?.detail.contains("BombNode") == true, "names the copied type: \(String(describing: error))")
        // The charge doubles per level (each object is about 20 bytes): level 22 is the first past 64 MiB.
        #expect(error?.path.description.hasPrefix("$[2") == true, "\(String(describing: error))")
    }

    @Test func smallValueBombDecodesAndIsChargedExactly() throws {
        // Object 0 is `c7 0e 50 a9 "bomb.Node" 81 a8 "children" 90`: 3 + 23 = 26 bytes... computed, not assumed:
        let bytes = Self.bomb(levels: 3, name: BombNode.portableName)
        let size0 = 3 + 1 + BombNode.portableName.utf8.count + 2 + 8 + 1
        let size = 3 + 1 + 2 + 8 + 7  // later objects: type index 00, two references
        // Charges: object 1 holds 2 copies of 0; object 2 holds 2 copies of 1 (each with its own charge)…
        let cost0 = size0
        let cost1 = size + 2 * cost0
        let cost2 = size + 2 * cost1
        let charged = 2 * cost0 + 2 * cost1 + 2 * cost2
        var decoder = PortableDecoder(registry: Self.registry)
        decoder.limits.maxExpansion = charged
        let decoded = try decoder.decode(from: bytes)
        let nodes = try #require(decoded.arrayValue?.compactMap { $0.object as? BombNode })
        #expect(nodes.count == 4)
        #expect(nodes[3].children == [nodes[2], nodes[2]])
        #expect(nodes[3].children[0].children[1] == nodes[1])
        #expect(nodes[3].children[1].children[0].children[1] == nodes[0])
        decoder.limits.maxExpansion = charged - 1
        let error = #expect(throws: MessagePackError.self) { try decoder.decode(from: bytes) }
        #expect(error?.detail.contains("maxExpansion") == true)
    }

    @Test func sharedClassInstancesAreNeverCharged() throws {
        var registry = TypeRegistry()
        try registry.register(Account.self)
        let shared = Account(owner: "ada")
        let bytes = try PortableEncoder(registry: registry).encode(Array(repeating: shared, count: 1000))
        var decoder = PortableDecoder(registry: registry)
        decoder.limits.maxExpansion = 0
        let decoded = try decoder.decode([Account].self, from: bytes)
        #expect(decoded.allSatisfy { $0 === decoded[0] })
    }
}

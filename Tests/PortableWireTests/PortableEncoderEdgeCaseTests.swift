// SPDX-License-Identifier: Apache-2.0
import PortableWire
import Testing
import TestSupport

// Encoder-side edge cases of the portable encoder (issue 7, item 7): the plain values it writes are the plain
// encoder's bytes, object and reference headers are canonical at every size boundary, and depth is counted the
// way a decoder counts it (objects and the global-data envelope are containers, Spec/portable-objects.md 2).

// MARK: Fixtures

/// A default-serialized class that nests: each level is an object (P) around a map.
private final class EdgeLink: Portable, Codable {
    static let portableName = "edge.Link"
    var next: EdgeLink?
    init(next: EdgeLink?) { self.next = next }
    static func chain(_ length: Int) -> EdgeLink {
        var node = EdgeLink(next: nil)
        for _ in 1..<length { node = EdgeLink(next: node) }
        return node
    }
    /// Takes a chain apart link by link: freeing 10,000 levels at once recurses as deep.
    static func dismantle(_ head: inout EdgeLink?) {
        while let link = head {
            head = link.next
            link.next = nil
        }
    }
}

/// A custom-serialized class that nests: each level is just an object, its data the next object or nil.
private final class EdgeBox: CustomPortable {
    static let portableName = "edge.Box"
    var inner: EdgeBox?
    init(inner: EdgeBox?) { self.inner = inner }
    func serialize(globalData: GlobalData) throws -> PortableValue { inner.map { .object($0) } ?? .nil }
    static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> EdgeBox {
        EdgeBox(inner: data.object as? EdgeBox)
    }
    static func chain(_ length: Int) -> EdgeBox {
        var box = EdgeBox(inner: nil)
        for _ in 1..<length { box = EdgeBox(inner: box) }
        return box
    }
}

/// A custom type whose data is a str of a chosen length, to size an object's payload exactly.
private struct EdgeText: CustomPortable {
    static let portableName = "x"
    var text: String
    func serialize(globalData: GlobalData) throws -> PortableValue { .string(text) }
    static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> EdgeText {
        EdgeText(text: data.stringValue ?? "")
    }
}

/// A class with no fields: one object, then references to it.
private final class EdgeToken: Portable, Codable {
    static let portableName = "t"
    init() {}
}

private struct EdgeEmpty: Portable, Codable, Equatable {
    static let portableName = "e"
}

private struct EdgeBlob: Portable, Codable {
    static let portableName = "edge.Blob"
    var bytes: [UInt8]
}

private func edgeRegistry() throws -> TypeRegistry {
    var registry = try makeRegistry()
    for type in [EdgeLink.self, EdgeBox.self, EdgeText.self, EdgeToken.self, EdgeEmpty.self, EdgeBlob.self] as [any Portable.Type] {
        try register(type, in: &registry)
    }
    return registry
}

private func register<T: Portable>(_ type: T.Type, in registry: inout TypeRegistry) throws {
    try registry.register(type)
}

private func nestedArrays(_ depth: Int, leaf: PortableValue = .nil) -> PortableValue {
    var value = leaf
    for _ in 0..<depth { value = .array([value]) }
    return value
}

private func nestedAny(_ depth: Int) -> Any {
    var value: Any = 1
    for i in 0..<depth { value = i % 2 == 0 ? [value] as [Any] : ["k": value] as [String: Any] }
    return value
}

@Suite struct PortableEncoderEdgeCaseTests {
    // The registry holds fixed, distinct names: building it cannot fail.
    var (registry, encoder, decoder) = portableCoders(try! edgeRegistry())

    // MARK: Scalars are the plain encoder's bytes

    @Test func extremeScalarsAreWrittenAsThePlainEncoderWritesThem() throws {
        struct Extremes: Codable { var nan: Double; var signalling: Double; var zero: Double; var min: Int64; var max: UInt64 }
        let value = Extremes(
            nan: .nan, signalling: Double(bitPattern: 0x7ff0_0000_0000_0001), zero: -0.0, min: .min, max: .max)
        #expect(try encoder.encode(value) == (try MessagePackEncoder().encode(value)))
        #expect(try encoder.encode(any: -0.0 as Double) == hex("cb 80 00 00 00 00 00 00 00"))
        #expect(try encoder.encode(any: Int64.min) == hex("d3 80 00 00 00 00 00 00 00"))
        #expect(try encoder.encode(any: Int.min) == hex("d3 80 00 00 00 00 00 00 00"))
        #expect(try encoder.encode(any: UInt64.max) == hex("cf ff ff ff ff ff ff ff ff"))
        #expect(try encoder.encode(any: UInt.max) == hex("cf ff ff ff ff ff ff ff ff"))
        #expect(try encoder.encode(PortableValue.double(Double(bitPattern: 0xfff4_0000_0000_0001))) == hex("cb ff f4 00 00 00 00 00 01"))
        #expect(try encoder.encode(PortableValue.float(Float(bitPattern: 0x7f80_0001))) == hex("ca 7f 80 00 01"))
        #expect(try encoder.encode(PortableValue.float(-0.0)) == hex("ca 80 00 00 00"))
        #expect(try encoder.encode(PortableValue.int(.min)) == hex("d3 80 00 00 00 00 00 00 00"))
        #expect(try encoder.encode(PortableValue.uint(.max)) == hex("cf ff ff ff ff ff ff ff ff"))
        // Inside an object the data keeps the bits too, and decoding gives them back.
        let bytes = try encoder.encode(PortableValue.array([.double(-0.0), .double(Double(bitPattern: 0x7ff0_0000_0000_0001))]))
        let back = try decoder.decode(from: bytes)
        #expect(back[0]?.doubleValue?.bitPattern == 0x8000_0000_0000_0000)
        #expect(back[1]?.doubleValue?.bitPattern == 0x7ff0_0000_0000_0001)
    }

    // MARK: Header boundaries

    @Test(arguments: [
        // Payload = type-ref "x" (a1 78) + the str: fixstr up to 31 bytes, str8 from 32, str16 from 256.
        (1, "d6 50"), (5, "d7 50"), (13, "d8 50"), (0, "c7 03 50"), (14, "c7 11 50"), (31, "c7 22 50"),
        (251, "c7 ff 50"), (252, "c8 01 00 50"), (65530, "c8 ff ff 50"), (65531, "c9 00 01 00 00 50"),
    ])
    func objectHeadersAtEveryBoundary(_ textLength: Int, _ header: String) throws {
        let object = EdgeText(text: String(repeating: "y", count: textLength))
        let bytes = try encoder.encode(any: object)
        #expect(Array(bytes.prefix(hex(header).count)) == hex(header), "\(textLength)")
        #expect(Array(bytes[hex(header).count...].prefix(2)) == hex("a1 78"))
        let back = try decoder.decode(EdgeText.self, from: bytes)
        #expect(back.text.utf8.count == textLength)
    }

    @Test func theSecondObjectOfATypeCanBeAFixext2() throws {
        // Type-ref index 0 (00) and data nil (c0): a 2-byte payload.
        let bytes = try encoder.encode(PortableValue.array([.object(EdgeBox(inner: nil)), .object(EdgeBox(inner: nil))]))
        #expect(Array(bytes.suffix(4)) == hex("d5 50 00 c0"))
    }

    @Test func referenceHeadersAtEveryBoundary() throws {
        // Instances 0...k, then instance k again: its R header is canonical for id k (portable-objects.md 4.3).
        let tokens = (0..<65537).map { _ in EdgeToken() }
        for (id, expected) in [
            (0, "d4 52 00"), (127, "d4 52 7f"), (128, "d5 52 cc 80"), (255, "d5 52 cc ff"), (256, "c7 03 52 cd 01 00"),
            (65535, "c7 03 52 cd ff ff"), (65536, "c7 05 52 ce 00 01 00 00"),
        ] {
            let bytes = try encoder.encode(any: Array(tokens[0...id]) + [tokens[id]])
            #expect(Array(bytes.suffix(hex(expected).count)) == hex(expected), "id \(id)")
        }
    }

    // MARK: Empty values

    @Test func emptyValuesOnEveryRoute() throws {
        #expect(try encoder.encode(PortableValue.array([])) == hex("90"))
        #expect(try encoder.encode(PortableValue.map([])) == hex("80"))
        #expect(try encoder.encode(PortableValue.string("")) == hex("a0"))
        #expect(try encoder.encode(PortableValue.binary([])) == hex("c4 00"))
        #expect(try encoder.encode(any: [Any]()) == hex("90"))
        #expect(try encoder.encode(any: [String: Any]()) == hex("80"))
        // Every empty array casts to [UInt8] at run time; only a [UInt8] itself is bin. (Before the fix an empty
        // list anywhere in a dynamic value went out as an empty bin, and the receiver's [String] failed.)
        #expect(try encoder.encode(any: [Int]()) == hex("90"))
        #expect(try encoder.encode(any: ["tags": [String]()] as [String: Any]) == hex("81 a4 74 61 67 73 90"))
        #expect(try encoder.encode(any: [[Any]()] as [Any]) == hex("91 90"))
        #expect(try encoder.encode(any: [UInt8]()) == hex("c4 00"))
        #expect(try encoder.encode(any: [1, 2] as [UInt8]) == hex("c4 02 01 02"))
        #expect(try encoder.encode(any: [UInt8(1), UInt8(2)] as [Any]) == hex("92 01 02"))
        #expect(try encoder.encode(any: [UInt8]?.some([7])) == hex("c4 01 07"))
        #expect(try encoder.encode([Int]()) == hex("90"))
        #expect(try encoder.encode([String: Int]()) == hex("80"))
        // An object without fields: P, name "e", data {}.
        let empty = try encoder.encode(EdgeEmpty())
        #expect(empty == hex("c7 03 50 a1 65 80"))
        #expect(try decoder.decode(EdgeEmpty.self, from: empty) == EdgeEmpty())
        // Empty global data sends no envelope.
        #expect(try encoder.encode(PortableValue.array([]), globalData: []) == hex("90"))
    }

    // MARK: A huge binary

    @Test func seventyMebibytesInsideAnObject() throws {
        let size = 70 << 20
        let payload = [UInt8](repeating: 0x5a, count: size)
        let bytes = try encoder.encode(EdgeBlob(bytes: payload))
        // P with a 32-bit length; inside, the bin has a 32-bit length too.
        #expect(bytes[0] == 0xc9 && bytes[5] == 0x50)
        #expect(bytes.count == 6 + 10 + 1 + 6 + 5 + size)  // header, "edge.Blob", fixmap, "bytes", bin32 header
        #expect(messagePackError { _ = try decoder.decode(EdgeBlob.self, from: bytes) }?.code == .limitExceeded)
        var roomy = decoder
        roomy.limits.maxMessageByteCount = 128 << 20
        roomy.limits.maxPayloadByteCount = 128 << 20
        #expect(try roomy.decode(EdgeBlob.self, from: bytes).bytes == payload)
    }

    // MARK: Depth

    @Test func dynamicValuesAtTheLimitEncodeAndOnePastThrows() throws {
        let atLimit = try encoder.encode(nestedArrays(512))
        #expect(throws: Never.self) { _ = try decoder.decode(from: atLimit) }
        expectTooDeep(messagePackError { _ = try encoder.encode(nestedArrays(513)) })
        #expect(throws: Never.self) { _ = try encoder.encode(any: nestedAny(512)) }
        expectTooDeep(messagePackError { _ = try encoder.encode(any: nestedAny(513)) })
        // A MessagePackValue handed over as Any continues the depth it sits at.
        var plain: MessagePackValue = .nil
        for _ in 0..<511 { plain = .array([plain]) }
        #expect(throws: Never.self) { _ = try encoder.encode(any: [plain] as [Any]) }
        expectTooDeep(messagePackError { _ = try encoder.encode(any: [[plain] as [Any]] as [Any]) })
    }

    @Test func nestedObjectsCountAsLevels() throws {
        // A default-serialized object is two levels: the object and its map. 256 of them are 512 levels.
        let bytes = try encoder.encode(EdgeLink.chain(256))
        #expect(throws: Never.self) { _ = try decoder.decode(EdgeLink.self, from: bytes) }
        expectTooDeep(messagePackError { _ = try encoder.encode(EdgeLink.chain(257)) })
        // A custom object whose data is the next object is one level each.
        let boxes = try encoder.encode(any: EdgeBox.chain(512))
        #expect(throws: Never.self) { _ = try decoder.decode(from: boxes) }
        expectTooDeep(messagePackError { _ = try encoder.encode(any: EdgeBox.chain(513)) })
        // Objects and dynamic values count together.
        #expect(throws: Never.self) { _ = try encoder.encode(PortableValue.object(EdgeBox(inner: nil)).nested(in: 511)) }
        expectTooDeep(messagePackError { _ = try encoder.encode(PortableValue.object(EdgeBox(inner: nil)).nested(in: 512)) })
    }

    @Test func theGlobalDataEnvelopeCountsAsALevel() throws {
        let global: [(key: String, value: PortableValue)] = [("g", 1)]
        // Without global data the body may be 512 deep; inside the envelope it may be 511.
        #expect(throws: Never.self) { _ = try encoder.encode(nestedArrays(512), globalData: []) }
        let bytes = try encoder.encode(nestedArrays(511), globalData: global)
        #expect(bytes[0] == 0xc8 && bytes[3] == 0x47)  // an ext16 G envelope
        #expect(throws: Never.self) { _ = try decoder.decode(from: bytes) }
        expectTooDeep(messagePackError { _ = try encoder.encode(nestedArrays(512), globalData: global) })
        // Global data values sit inside the envelope and its table: 510 arrays more are 512 levels.
        let deepEntry = try encoder.encode(.nil, globalData: [("g", nestedArrays(510))])
        #expect(throws: Never.self) { _ = try decoder.decode(from: deepEntry) }
        expectTooDeep(messagePackError { _ = try encoder.encode(.nil, globalData: [("g", nestedArrays(511))]) })
        // Global data added by a serializer during encoding moves the body down a level too: the rows array
        // and its object are 2 levels, so inside 510 arrays the body is 512 deep, fine alone but not in G.
        let rows = PortableValue.array([.object(PersonRow(id: 1, name: "n", email: "e", city: "c"))])
        #expect(throws: Never.self) { _ = try encoder.encode(rows.nested(in: 509)) }
        expectTooDeep(messagePackError { _ = try encoder.encode(rows.nested(in: 510)) })
    }

    @Test func aConfiguredDepthIsHonoured() throws {
        var shallow = encoder
        shallow.maxDepth = 2
        #expect(try shallow.encode(nestedArrays(2)) == hex("91 91 c0"))
        #expect(messagePackError { _ = try shallow.encode(nestedArrays(3)) }?.code == .limitExceeded)
        #expect(messagePackError { _ = try shallow.encode(EdgeLink.chain(2)) }?.code == .limitExceeded)
        #expect(throws: Never.self) { _ = try shallow.encode(EdgeLink.chain(1)) }
    }

    @Test func tenThousandLevelsThrowInsteadOfOverflowingTheStack() {
        var links: EdgeLink? = EdgeLink.chain(10_000)
        expectTooDeep(messagePackError { _ = try encoder.encode(links) })
        EdgeLink.dismantle(&links)

        var boxes: EdgeBox? = EdgeBox.chain(10_000)
        expectTooDeep(messagePackError { _ = try encoder.encode(any: boxes as Any) })
        while let box = boxes {
            boxes = box.inner
            box.inner = nil
        }

        var dynamic = nestedArrays(10_000)
        expectTooDeep(messagePackError { _ = try encoder.encode(dynamic) })
        while case .array(let elements) = dynamic, let first = elements.first { dynamic = first }

        var any = nestedAny(10_000)
        expectTooDeep(messagePackError { _ = try encoder.encode(any: any) })
        while true {
            if let array = any as? [Any], let first = array.first {
                any = first
            } else if let map = any as? [String: Any], let first = map.values.first {
                any = first
            } else {
                break
            }
        }

        // Two-phase objects may form cycles, but a long chain of them is still bounded by depth.
        var nodes: [TreeNode] = [TreeNode()]
        for i in 1..<5000 {
            let node = TreeNode()
            node.name = "n\(i)"
            node.parent = nodes[i - 1]
            nodes[i - 1].children = [node]
            nodes.append(node)
        }
        expectTooDeep(messagePackError { _ = try encoder.encode(any: nodes[0]) })
        for node in nodes.reversed() { node.children = [] }
    }
}

extension PortableValue {
    /// This value inside `depth` arrays.
    fileprivate func nested(in depth: Int) -> PortableValue {
        var value = self
        for _ in 0..<depth { value = .array([value]) }
        return value
    }
}

// SPDX-License-Identifier: Apache-2.0
import MessagePack
import PortableWire
import Testing
import TestSupport

/// `PortableEncoder.encode(_:into:)` appends a message to the caller's writer: the same bytes as `encode(_:)`,
/// after whatever the writer held, for plain values, shared objects, cycles and global data (both ways the
/// envelope is built); on an error the writer is left as it was.
@Suite struct EncodeIntoTests {
    let registry: TypeRegistry

    init() throws { registry = try makeRegistry() }

    /// Values of every kind the encoder handles, each with the way to encode it both ways.
    func cases() -> [(name: String, array: (PortableEncoder) throws -> [UInt8], into: (PortableEncoder, inout MessagePackWriter) throws -> Void)] {
        let ann = Account(owner: "Ann")
        let root = TreeNode.withChild(childName: "leaf")
        let people = (0..<5).map { PersonRow(id: $0, name: "P\($0)", email: "p\($0)@x", city: "C") }
        let rows: [Any] = (0..<200).map { people[$0 % 5] }  // their serializer puts the city in global data
        let drawing = Drawing(title: "d", shapes: [Circle(radius: 1), Square(side: 2)], highlight: Square(side: 3))
        let dynamic: PortableValue = .array([.int(1), .string("two"), .map([(key: .string("k"), value: .bool(true))])])
        return [
            ("a Codable value with objects", { try $0.encode(drawing) }, { try $0.encode(drawing, into: &$1) }),
            ("shared instances", { try $0.encode(any: [ann, ann]) }, { try $0.encode(any: [ann, ann], into: &$1) }),
            ("a two-phase cycle", { try $0.encode(any: root) }, { try $0.encode(any: root, into: &$1) }),
            ("rows with global data", { try $0.encode(any: rows) }, { try $0.encode(any: rows, into: &$1) }),
            ("a dynamic value", { try $0.encode(dynamic) }, { try $0.encode(dynamic, into: &$1) }),
            ("a plain value", { try $0.encode([1, 2, 3]) }, { try $0.encode([1, 2, 3], into: &$1) }),
        ]
    }

    @Test(arguments: [true, false])
    func appendsTheBytesEncodeReturns(relocatingTheBody: Bool) throws {
        var encoder = PortableEncoder(registry: registry)
        encoder.rewritesBodyBehindTable = relocatingTheBody
        let prefix: [UInt8] = [0x93, 0x01, 0x02, 0x03]
        var expected = prefix
        var reused = MessagePackWriter(capacity: 16)
        reused.writeRawBytes(prefix)
        for (name, array, into) in cases() {
            let bytes = try array(encoder)
            var writer = MessagePackWriter()
            writer.writeRawBytes(prefix)
            try into(encoder, &writer)
            #expect(writer.bytes == prefix + bytes, "\(name)")
            // One writer for every message, back to back: a stream the stream decoder reads.
            try into(encoder, &reused)
            expected += bytes
        }
        #expect(reused.bytes == expected)
        var stream = PortableStreamDecoder(registry: registry)
        stream.feed(expected)
        var count = 0
        while try stream.nextValue() != nil { count += 1 }
        #expect(count == cases().count + 1)
    }

    @Test func anErrorLeavesTheWriterAsItWas() throws {
        struct NotEncodable { var x = 1 }  // neither registered nor Encodable: encode(any:) refuses it
        final class Loop: Encodable {
            var next: Loop?
            func encode(to encoder: any Encoder) throws {
                var container = encoder.unkeyedContainer()
                try container.encode(next)
            }
        }
        let loop = Loop()
        loop.next = loop
        let encoder = PortableEncoder(registry: registry)
        let people = (0..<5).map { PersonRow(id: $0, name: "P\($0)", email: "p\($0)@x", city: "C") }
        var writer = MessagePackWriter()
        writer.write("before")
        let before = writer.bytes
        // The last fails after the rows have put their cities in the global data.
        let failures: [(String, (inout MessagePackWriter) throws -> Void)] = [
            ("a value of an unknown kind", { try encoder.encode(any: [NotEncodable()], into: &$0) }),
            ("a class cycle", { try encoder.encode(loop, into: &$0) }),
            ("rows then a value of an unknown kind", { try encoder.encode(any: people + [NotEncodable()] as [Any], into: &$0) }),
        ]
        for (name, fail) in failures {
            let error = #expect(throws: MessagePackError.self, "\(name)") { try fail(&writer) }
            #expect(error != nil)
            #expect(writer.bytes == before, "\(name)")
        }
        try encoder.encode([1], into: &writer)
        #expect(writer.bytes == before + [0x91, 0x01])
    }
}

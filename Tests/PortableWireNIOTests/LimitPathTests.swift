// SPDX-License-Identifier: Apache-2.0
#if NIO
import MessagePack
import NIOCore
import NIOEmbedded
import PortableWire
import PortableWireNIO
import TestSupport
import Testing

/// The NIO frame decoder obeys every limit it is given, at the limit and one past it (issue 7, item 1).
@Suite struct NIOLimitPathTests {
    static let registry: TypeRegistry = {
        var registry = TypeRegistry()
        try! registry.registerGeneric("t")
        return registry
    }()

    /// (limit, its value, an input exactly at that value)
    static let cases: [(String, Int, [UInt8])] = [
        ("maxDepth", 4, [0x91, 0x91, 0x91, 0x90]),
        ("maxDepth", 2, [0xc7, 0x03, 0x50, 0xa1, 0x74, 0x90]),  // a portable object holding []
        ("maxMessageByteCount", 6, [0x95, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0]),
        ("maxPayloadByteCount", 3, [0xa3, 0x61, 0x62, 0x63]),
        ("maxElementCount", 3, [0x83, 0x01, 0xc0, 0x02, 0xc0, 0x03, 0xc0]),
        ("maxObjectCount", 2, [0x92, 0xc7, 0x03, 0x50, 0xa1, 0x74, 0xc0, 0xd5, 0x50, 0x00, 0xc0]),
        ("maxReferenceCount", 2, [0x93, 0xc7, 0x03, 0x50, 0xa1, 0x74, 0xc0, 0xd4, 0x52, 0x00, 0xd4, 0x52, 0x00]),
        ("maxGlobalDataCount", 1, [0xc7, 0x04, 0x47, 0x81, 0xa0, 0xc0, 0xc0]),
    ]

    @Test(arguments: 0..<cases.count, Chunking.allCases)
    func frameDecoderEnforcesTheLimit(_ index: Int, _ chunking: Chunking) throws {
        let (name, value, bytes) = Self.cases[index]
        var limits = PortableLimits.defaults(setting: name, to: value)
        let atLimit = EmbeddedChannel(handler: ByteToMessageHandler(PortableFrameDecoder(registry: Self.registry, limits: limits)))
        #expect(try feed(chunking.chunks(of: bytes), into: atLimit, as: PortableValue.self).count == 1, "\(name) = \(value)")
        _ = try? atLimit.finish()

        limits = PortableLimits.defaults(setting: name, to: value - 1)
        let past = EmbeddedChannel(handler: ByteToMessageHandler(PortableFrameDecoder(registry: Self.registry, limits: limits)))
        let error = #expect(throws: MessagePackError.self, "\(name) = \(value - 1)") {
            _ = try feed(chunking.chunks(of: bytes), into: past, as: PortableValue.self)
        }
        #expect(error?.code == .limitExceeded)
        #expect(error?.detail.contains(name) == true, "\(String(describing: error))")
        _ = try? past.finish()
    }
}
#endif  // NIO

// SPDX-License-Identifier: Apache-2.0
// The serializer and deserializer on their own: exact bytes, bytes from Python msgpack, every error's status.
#if GRPC
import GRPCCore
import PortableWire
import PortableWireGRPC
import TaskServiceCore
import TestSupport
import Testing

/// Decodes `bytes` with `deserializer` and returns the `RPCError` it throws.
func deserializationError<M>(
    _ deserializer: PortableMessageDeserializer<M>, _ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
) -> RPCError? {
    #expect(throws: RPCError.self, sourceLocation: sourceLocation) { _ = try deserializer.deserialize(bytes) }
}

extension RPCError {
    /// The first string value of `key` in the error's metadata.
    func metadataString(_ key: String) -> String? {
        for case .string(let value) in metadata[key] { return value }
        return nil
    }
}

@Suite struct PortableMessageCodecTests {
    let registry = TaskGRPCService.makeRegistry()

    @Test func serializerWritesWhatThePortableEncoderWrites() throws {
        let result = OptimisationResult(variable: CustomVariable(type: .quantile, quantile: 0.5), estimate: 2.5, sampleCount: 4)
        let bytes: [UInt8] = try PortableMessageSerializer<OptimisationResult>(registry: registry).serialize(result)
        #expect(bytes == (try PortableEncoder(registry: registry).encode(result)))
        // A plain Codable message is plain MessagePack: {"a": 1, "b": [true]}.
        struct Plain: Codable { var a: Int; var b: [Bool] }
        let plain: [UInt8] = try PortableMessageSerializer<Plain>(registry: TypeRegistry()).serialize(Plain(a: 1, b: [true]))
        #expect(plain == hex("82 a1 61 01 a1 62 91 c3"))
        let value: [UInt8] = try PortableMessageSerializer<UncheckedPortableValue>(registry: TypeRegistry()).serialize(.init(["a": 1]))
        #expect(value == hex("81 a1 61 01"))
    }

    @Test func deserializerReadsBytesPythonMsgpackWrote() throws {
        // python3 -c 'import msgpack; print(msgpack.packb({"variables": [], "samples": [1.5, 2], "interval_ms": 7}).hex())'
        let bytes = hex("83 a9 76 61 72 69 61 62 6c 65 73 90 a7 73 61 6d 70 6c 65 73 92 cb 3f f8 00 00 00 00 00 00 02 ab 69 6e 74 65 72 76 61 6c 5f 6d 73 07")
        let request = try PortableMessageDeserializer<SweepRequest>(registry: registry).deserialize(bytes)
        #expect(request == SweepRequest(variables: [], samples: [1.5, 2], intervalMilliseconds: 7))
        let value = try PortableMessageDeserializer<UncheckedPortableValue>(registry: registry).deserialize(bytes).value
        #expect(value["interval_ms"] == .int(7))
    }

    @Test func sharedInstancesComeBackShared() throws {
        let shared = Dataset(name: "a", values: [1, 2])
        let reply = DescribeReply(datasets: [shared, Dataset(name: "b", values: []), shared], distinctCount: 2, means: [1.5, 0, 1.5])
        let bytes: [UInt8] = try PortableMessageSerializer<DescribeReply>(registry: registry).serialize(reply)
        let back = try PortableMessageDeserializer<DescribeReply>(registry: registry).deserialize(bytes)
        #expect(back.datasets[0] === back.datasets[2])
        #expect(back.datasets[0] !== back.datasets[1])
        #expect(back.datasets.map(\.name) == ["a", "b", "a"])
    }

    @Test func malformedBytesAreInvalidArgumentWithCodeOffsetAndPath() throws {
        // [1, c1, …]: the never-used byte at offset 2, inside the array at index 1.
        let error = try #require(deserializationError(PortableMessageDeserializer<UncheckedPortableValue>(registry: registry), hex("93 01 c1 ff ff")))
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains("invalidFormatByte at byte 2 ($[1])"), "\(error.message)")
        #expect(error.metadataString(RPCError.portableWireErrorCodeKey) == "invalidFormatByte")
        #expect(error.metadataString(RPCError.portableWireByteOffsetKey) == "2")
        #expect(error.metadataString(RPCError.portableWirePathKey) == "$[1]")
        #expect((error.cause as? MessagePackError)?.code == .invalidFormatByte)
    }

    @Test func aWrongShapeIsInvalidArgumentNamingTheField() throws {
        // {"variables": "x"}: a str where SweepRequest wants an array.
        let error = try #require(deserializationError(PortableMessageDeserializer<SweepRequest>(registry: registry), hex("81 a9 76 61 72 69 61 62 6c 65 73 a1 78")))
        #expect(error.code == .invalidArgument)
        #expect(error.metadataString(RPCError.portableWireErrorCodeKey) == "typeMismatch")
        #expect(error.message.contains("variables"), "\(error.message)")
        #expect(error.message.hasPrefix("PortableWire could not decode a SweepRequest message: typeMismatch"), "\(error.message)")
    }

    @Test func everyCutOfAValidMessageIsInvalidArgumentTruncated() throws {
        let call = TaskCall(task: "app.tasks.optimise", id: "7", kwargs: ["input": CustomVariable(type: .mean), "samples": [1.0, 2.0]])
        let bytes = try PortableEncoder(registry: registry).encode(call)
        let deserializer = PortableMessageDeserializer<UncheckedPortableValue>(registry: registry)
        for cut in 0..<bytes.count {
            let error = try #require(deserializationError(deserializer, Array(bytes[..<cut])), "cut at \(cut)")
            #expect(error.code == .invalidArgument, "cut at \(cut)")
            #expect(error.metadataString(RPCError.portableWireErrorCodeKey) == "truncated", "cut at \(cut): \(error.message)")
        }
        _ = try deserializer.deserialize(bytes)
    }

    @Test func trailingBytesAreInvalidArgument() throws {
        let error = try #require(deserializationError(PortableMessageDeserializer<UncheckedPortableValue>(registry: registry), hex("01 02")))
        #expect(error.code == .invalidArgument)
        #expect(error.metadataString(RPCError.portableWireErrorCodeKey) == "trailingBytes")
        #expect(error.metadataString(RPCError.portableWireByteOffsetKey) == "1")
    }

    @Test func limitsAreResourceExhaustedNamingTheLimit() throws {
        var limits = PortableLimits()
        limits.maxDepth = 8
        limits.maxElementCount = 100
        limits.maxMessageByteCount = 1_000
        let deserializer = PortableMessageDeserializer<UncheckedPortableValue>(registry: registry, limits: limits)
        let deep = [UInt8](repeating: 0x91, count: 20) + [0x01]
        let tooDeep = try #require(deserializationError(deserializer, deep))
        #expect(tooDeep.code == .resourceExhausted)
        #expect(tooDeep.metadataString(RPCError.portableWireErrorCodeKey) == "limitExceeded")
        #expect(tooDeep.message.contains("maxDepth"), "\(tooDeep.message)")
        // An array of 101 nils, one over maxElementCount: refused at its header, before its elements are read.
        let wide = try #require(deserializationError(deserializer, hex("dc 00 65") + [UInt8](repeating: 0xc0, count: 101)))
        #expect(wide.code == .resourceExhausted)
        #expect(wide.message.contains("maxElementCount"), "\(wide.message)")
        #expect(wide.metadataString(RPCError.portableWireByteOffsetKey) == "0")
        let big = try #require(deserializationError(deserializer, hex("c5 07 d0") + [UInt8](repeating: 0, count: 2_000)))
        #expect(big.code == .resourceExhausted)
        #expect(big.message.contains("maxMessageByteCount"), "\(big.message)")
    }

    @Test func errorTextStaysBoundedForHostileKeys() throws {
        // A map nested 200 deep whose keys are 1,000-byte strings of é, ending in a c1.
        var bytes: [UInt8] = []
        let key = [UInt8](repeating: 0, count: 0) + Array(String(repeating: "é", count: 500).utf8)
        for _ in 0..<200 { bytes += [0x81, 0xda, UInt8(key.count >> 8), UInt8(key.count & 0xff)] + key }
        bytes.append(0xc1)
        let error = try #require(deserializationError(PortableMessageDeserializer<UncheckedPortableValue>(registry: registry), bytes))
        #expect(error.code == .invalidArgument)
        #expect(error.message.utf8.count <= 1_200, "\(error.message.utf8.count) bytes")
        let path = try #require(error.metadataString(RPCError.portableWirePathKey))
        #expect(path.utf8.count <= 4 * 320)
        #expect(path.utf8.allSatisfy { (0x20...0x7e).contains($0) }, "an HTTP/2 header value must be printable ASCII: \(path)")
    }

    @Test func anUnknownPortableTypeIsInvalidArgument() throws {
        let bytes = try PortableEncoder(registry: registry).encode(Dataset(name: "x", values: []))
        let error = try #require(deserializationError(PortableMessageDeserializer<UncheckedPortableValue>(registry: TypeRegistry()), bytes))
        #expect(error.code == .invalidArgument)
        #expect(error.metadataString(RPCError.portableWireErrorCodeKey) == "unknownType")
        #expect(error.message.contains("app.Dataset"), "\(error.message)")
    }

    @Test func aValueThatCannotBeWrittenIsInvalidArgument() throws {
        struct Unregistered: Portable, Codable { static let portableName = "app.Unregistered" }
        struct Holder: Codable { var thing: Unregistered }
        #expect {
            let _: [UInt8] = try PortableMessageSerializer<Holder>(registry: TypeRegistry()).serialize(Holder(thing: Unregistered()))
        } throws: { error in
            guard let error = error as? RPCError else { return false }
            return error.code == .invalidArgument && error.message.contains("cannotSerialize ($.thing)")
                && error.message.contains("not registered")
        }
    }
}
#endif  // GRPC

// SPDX-License-Identifier: Apache-2.0
#if NIO
import MessagePack
import NIOCore
import NIOEmbedded
import PortableWire
import PortableWireNIO
import TestSupport
import Testing

/// Feeds `chunks` into `channel` as ByteBuffers and collects what comes out of the decoder.
func feed<T>(_ chunks: [[UInt8]], into channel: EmbeddedChannel, as: T.Type) throws -> [T] {
    var out: [T] = []
    for chunk in chunks {
        try channel.writeInbound(ByteBuffer(bytes: chunk))
        while let message = try channel.readInbound(as: T.self) { out.append(message) }
    }
    return out
}

@Suite struct PortableFrameDecoderTests {
    @Test(arguments: Chunking.allCases)
    func typedMessagesDecodeIdenticallyForEveryChunking(_ chunking: Chunking) throws {
        let registry = try makeNIORegistry()
        let encoder = PortableEncoder(registry: registry)
        let orders = sampleOrders(60)
        let messages = try orders.map { try encoder.encode($0) }
        // Batches of orders too, so shared references (R) and global data (G) cross chunk boundaries.
        let batch = try encoder.encode(orders)
        let bytes = messages.flatMap { $0 } + batch
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(PortableFrameDecoder([Order].self, registry: registry)))
        // A first channel reads single orders; a second reads the batch with the same decoder type.
        let single = EmbeddedChannel(handler: ByteToMessageHandler(PortableFrameDecoder(Order.self, registry: registry)))
        let decoded = try feed(chunking.chunks(of: messages.flatMap { $0 }), into: single, as: Order.self)
        #expect(decoded.map(\.id) == Array(0..<60))
        #expect(decoded.map(\.lines.first?.text) == orders.map(\.lines.first?.text))
        #expect(try single.finish().isClean)

        let batches = try feed(chunking.chunks(of: batch), into: channel, as: [Order].self)
        #expect(batches.count == 1)
        let received = try #require(batches.first)
        #expect(received.map(\.customer.name) == orders.map(\.customer.name))
        #expect(received[0].customer === received[3].customer, "one shared instance, as sent")
        #expect(received[0].customer !== received[1].customer)
        #expect(try channel.finish().isClean)
        #expect(bytes.count > batch.count)
    }

    @Test(arguments: Chunking.allCases)
    func dynamicAndPlainValuesDecodeIdenticallyForEveryChunking(_ chunking: Chunking) throws {
        let registry = try makeNIORegistry()
        let orders = sampleOrders(10)
        let encoded = try orders.map { try PortableEncoder(registry: registry).encode($0) }
        let portable = EmbeddedChannel(handler: ByteToMessageHandler(PortableFrameDecoder(registry: registry)))
        let values = try feed(chunking.chunks(of: encoded.flatMap { $0 }), into: portable, as: PortableValue.self)
        #expect(values.count == 10)
        for (value, bytes) in zip(values, encoded) {
            let message = try PortableDecoder(registry: registry).decodeMessage(from: bytes)
            #expect(try PortableEncoder(registry: registry).encode(value, globalData: message.globalData) == bytes)
        }

        let plainValues: [MessagePackValue] = [["a": [1, 2, 3]], .binary(Array(repeating: 3, count: 70_000)), "x", .nil]
        let plainBytes = plainValues.flatMap { $0.encoded() }
        let plain = EmbeddedChannel(handler: ByteToMessageHandler(PortableFrameDecoder()))
        #expect(try feed(chunking.chunks(of: plainBytes), into: plain, as: MessagePackValue.self) == plainValues)
        #expect(try plain.finish().isClean)
    }

    @Test(arguments: Chunking.allCases)
    func garbageIsATypedErrorAndClosesTheChannel(_ chunking: Chunking) throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addPortableWireCodec(
            decoder: PortableFrameDecoder(), encoder: PortableFrameEncoder(), onError: .close)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        var caught: MessagePackError?
        var values: [MessagePackValue] = []
        do {
            values = try feed(chunking.chunks(of: [0x01, 0x92, 0x02, 0xc1, 0x03]), into: channel, as: MessagePackValue.self)
        } catch let error as MessagePackError {
            caught = error
        }
        #expect(values.count <= 1)
        #expect(caught?.code == .invalidFormatByte)
        #expect(caught?.byteOffset == 3)
        #expect(!channel.isActive, "the error handler closed the connection")
    }

    @Test func reportPolicyKeepsTheConnectionOpen() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addPortableWireCodec(
            decoder: PortableFrameDecoder(), encoder: PortableFrameEncoder(), onError: .report)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let error = #expect(throws: MessagePackError.self) { try channel.writeInbound(ByteBuffer(bytes: [0xc1])) }
        #expect(error?.code == .invalidFormatByte)
        #expect(channel.isActive)
        _ = try? channel.finish()
    }

    @Test(arguments: Chunking.allCases)
    func oversizeFramesAreLimitExceeded(_ chunking: Chunking) throws {
        var limits = MessagePackLimits()
        limits.maxMessageByteCount = 1024
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(PortableFrameDecoder(limits: limits)))
        let big = MessagePackValue.binary(Array(repeating: 0, count: 2000)).encoded()
        let error = #expect(throws: MessagePackError.self) {
            _ = try feed(chunking.chunks(of: [0xc0] + big), into: channel, as: MessagePackValue.self)
        }
        #expect(error?.code == .limitExceeded)
        #expect(error?.byteOffset == 1)
        _ = try? channel.finish()
    }

    @Test func endOfStreamInsideAMessageIsTruncated() throws {
        let registry = try makeNIORegistry()
        let bytes = try PortableEncoder(registry: registry).encode(sampleOrders(3))
        for cut in [1, bytes.count / 2, bytes.count - 1] {
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(PortableFrameDecoder([Order].self, registry: registry)))
            try channel.writeInbound(ByteBuffer(bytes: bytes[..<cut]))
            #expect(try channel.readInbound(as: [Order].self) == nil)
            let error = #expect(throws: MessagePackError.self) { _ = try channel.finish() }
            #expect(error?.code == .truncated)
            #expect(error?.byteOffset == cut)
        }
    }

    @Test func decodeErrorsInsideAFrameCarryConnectionOffsets() throws {
        let registry = try makeNIORegistry()
        var onlyCustomers = TypeRegistry()
        try onlyCustomers.register(Customer.self)
        let first = try PortableEncoder(registry: registry).encode(any: Customer(name: "a"))
        let second = try PortableEncoder(registry: registry).encode(any: Product(sku: "s", text: "t"))
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(PortableFrameDecoder(registry: onlyCustomers)))
        let error = #expect(throws: MessagePackError.self) { try channel.writeInbound(ByteBuffer(bytes: first + second)) }
        #expect(error?.code == .unknownType)
        // The one-shot decoder's offset inside the second message, moved by the first message's length.
        let oneShot = #expect(throws: MessagePackError.self) { try PortableDecoder(registry: onlyCustomers).decode(from: second) }
        #expect(error?.byteOffset == first.count + (oneShot?.byteOffset ?? -1))
        #expect(try channel.readInbound(as: PortableValue.self) != nil, "the first message got through")
        _ = try? channel.finish()
    }

    @Test func slowDripPastTheMessageTimeoutIsATypedErrorAndClosesTheChannel() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addPortableWireCodec(
            decoder: PortableFrameDecoder().withMessageTimeout(.seconds(5)), encoder: PortableFrameEncoder())
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        // Whole messages in time never trip the timer, however long the connection lives.
        try channel.writeInbound(ByteBuffer(bytes: [0x92, 0x01]))
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        try channel.writeInbound(ByteBuffer(bytes: [0x02, 0xc0]))
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        try channel.throwIfErrorCaught()
        #expect(try channel.readInbound(as: MessagePackValue.self) == [1, 2])
        #expect(try channel.readInbound(as: MessagePackValue.self) == .nil)
        #expect(channel.isActive)
        // A message dripped a byte every 2 seconds: over 5 seconds since its first byte, the connection goes.
        for byte in MessagePackValue.string("slow").encoded().prefix(3) {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
            channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        }
        let error = #expect(throws: MessagePackError.self) { try channel.throwIfErrorCaught() }
        #expect(error?.code == .limitExceeded)
        #expect(error?.byteOffset == 4)
        #expect(error?.detail.contains("messageTimeout") == true)
        #expect(!channel.isActive)
    }

    @Test func encoderWritesOneMessagePerValue() throws {
        let registry = try makeNIORegistry()
        let channel = EmbeddedChannel(handler: MessageToByteHandler(PortableFrameEncoder(Order.self, registry: registry)))
        let orders = sampleOrders(2)
        try channel.writeOutbound(orders[0])
        try channel.writeOutbound(orders[1])
        let first = try #require(try channel.readOutbound(as: ByteBuffer.self))
        let second = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(first.bytes == (try PortableEncoder(registry: registry).encode(orders[0])))
        #expect(second.bytes == (try PortableEncoder(registry: registry).encode(orders[1])))

        let plain = EmbeddedChannel(handler: MessageToByteHandler(PortableFrameEncoder()))
        try plain.writeOutbound(["a": 1] as MessagePackValue)
        #expect(try plain.readOutbound(as: ByteBuffer.self)?.bytes == [0x81, 0xa1, 0x61, 0x01])

        let dynamic = EmbeddedChannel(handler: MessageToByteHandler(PortableFrameEncoder(registry: registry)))
        try dynamic.writeOutbound(PortableValue.object(Customer(name: "x")))
        let buffer = try #require(try dynamic.readOutbound(as: ByteBuffer.self))
        #expect((try PortableDecoder(registry: registry).decode(from: buffer.bytes).object as? Customer)?.name == "x")
    }

    @Test func byteBufferSinkTakesAStreamWriter() throws {
        var writer = MessagePackStreamWriter(sink: ByteBufferSink())
        try writer.beginArray(count: 3)
        for i in 0..<3 { try writer.write(i) }
        try writer.endArray()
        let payload = [UInt8](repeating: 5, count: 10_000)
        try payload.withUnsafeBytes { try writer.writeBinary($0) }
        let sink = try writer.finish()
        #expect(sink.buffer.bytes == [0x93, 0x00, 0x01, 0x02] + MessagePackValue.binary(payload).encoded())
    }
}

extension EmbeddedChannel.LeftOverState {
    var isClean: Bool { if case .clean = self { return true } else { return false } }
}
#endif  // NIO

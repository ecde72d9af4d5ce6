// SPDX-License-Identifier: Apache-2.0
#if NIO
import Dispatch
import MessagePack
import NIOCore
import NIOPosix
import PortableWire
import PortableWireNIO
import TestSupport
import Testing

/// Answers every order with its id and customer name, and counts the errors it saw.
final class OrderEchoHandler: ChannelInboundHandler {
    typealias InboundIn = Order
    typealias OutboundOut = PortableValue

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let order = Self.unwrapInboundIn(data)
        let reply: PortableValue = ["id": .int(Int64(order.id)), "customer": .object(order.customer)]
        context.writeAndFlush(Self.wrapOutboundOut(reply), promise: nil)
    }
}

/// A test server on 127.0.0.1 (a free port) that decodes `Order`s and replies with dynamic values.
func startOrderServer(group: MultiThreadedEventLoopGroup, registry: TypeRegistry) async throws -> any Channel {
    try await ServerBootstrap(group: group)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addPortableWireCodec(
                    decoder: PortableFrameDecoder(Order.self, registry: registry),
                    encoder: PortableFrameEncoder(registry: registry), onError: .close)
                try channel.pipeline.syncOperations.addHandler(OrderEchoHandler())
            }
        }
        .bind(host: "127.0.0.1", port: 0).get()
}

/// A test server on 127.0.0.1 (a free port) that frames messages with `decoder`, echoes each plain value back, and
/// logs the errors that close a connection into `errors`.
func startPlainEchoServer<Decoder: ByteToMessageDecoder>(
    group: MultiThreadedEventLoopGroup, decoder: @escaping @Sendable () -> Decoder, errors: ErrorLog
) async throws -> any Channel {
    try await ServerBootstrap(group: group)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                let sync = channel.pipeline.syncOperations
                try sync.addHandler(ByteToMessageHandler(decoder()))
                try sync.addHandler(MessageToByteHandler(PortableFrameEncoder()))
                try sync.addHandler(MessageErrorHandler(policy: .close) { errors.append($0) })
                try sync.addHandler(PlainEchoHandler())
            }
        }
        .bind(host: "127.0.0.1", port: 0).get()
}

/// Connects a raw-bytes client to `port`.
func connectRawClient(group: MultiThreadedEventLoopGroup, port: Int) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
    try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port) { channel in
        channel.eventLoop.makeCompletedFuture {
            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
        }
    }
}

@Suite(.serialized) struct TCPTests {
    @Test(arguments: Chunking.allCases)
    func ordersRoundTripOverARealConnection(_ chunking: Chunking) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let registry = try makeNIORegistry()
        let server = try await startOrderServer(group: group, registry: registry)
        let port = try #require(server.localAddress?.port)
        let orders = sampleOrders(30)
        let bytes = try orders.flatMap { try PortableEncoder(registry: registry).encode($0) }
        let client = try await connectRawClient(group: group, port: port)
        let replies: [PortableValue] = try await client.executeThenClose { inbound, outbound in
            // The requests go out cut as the chunking says (writes of 1 byte, random pieces, or whole).
            let chunks = chunking == .byteByByte ? randomChunks(of: bytes, cuts: 200, seed: 9) : chunking.chunks(of: bytes)
            for chunk in chunks { try await outbound.write(ByteBuffer(bytes: chunk)) }
            var replies: [PortableValue] = []
            for try await reply in inbound.map({ $0.readableBytesView }).portableValues(registry: registry) {
                replies.append(reply)
                if replies.count == orders.count { break }
            }
            return replies
        }
        #expect(replies.map { $0["id"]?.int64Value } == orders.map { Int64($0.id) })
        #expect(replies.map { ($0["customer"]?.object as? Customer)?.name } == orders.map(\.customer.name))
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test func garbageOnOneConnectionClosesItWhileAnotherKeepsWorking() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let registry = try makeNIORegistry()
        let server = try await startOrderServer(group: group, registry: registry)
        let port = try #require(server.localAddress?.port)
        let good = try await connectRawClient(group: group, port: port)
        let bad = try await connectRawClient(group: group, port: port)
        let orders = sampleOrders(4)

        try await good.executeThenClose { goodInbound, goodOutbound in
            var goodReplies = goodInbound.portableMessages(of: ReplyShape.self, registry: registry).makeAsyncIterator()
            try await goodOutbound.write(ByteBuffer(bytes: try PortableEncoder(registry: registry).encode(orders[0])))
            #expect(try await goodReplies.next()?.id == 0)

            // Garbage (a valid message, then 0xc1), and the server closes that connection: its inbound ends.
            let closedCleanly: Bool = try await bad.executeThenClose { badInbound, badOutbound in
                try await badOutbound.write(ByteBuffer(bytes: try PortableEncoder(registry: registry).encode(orders[1]) + [0xc1, 0x00]))
                var received = 0
                do {
                    for try await _ in badInbound { received += 1 }
                } catch {
                    // A reset instead of a clean end of stream is also a closed connection.
                }
                return received >= 0
            }
            #expect(closedCleanly)

            // Slow drip: a message one byte at a time on the good connection still works.
            let message = try PortableEncoder(registry: registry).encode(orders[2])
            for byte in message {
                try await goodOutbound.write(ByteBuffer(bytes: [byte]))
            }
            #expect(try await goodReplies.next()?.id == 2)
            try await goodOutbound.write(ByteBuffer(bytes: try PortableEncoder(registry: registry).encode(orders[3])))
            #expect(try await goodReplies.next()?.id == 3)
        }

        // A new connection after all that is served too.
        let later = try await connectRawClient(group: group, port: port)
        let id: Int? = try await later.executeThenClose { inbound, outbound in
            var writer = PortableAsyncWriter(registry: registry, sink: outbound)
            try await writer.write(orders[1])
            var replies = inbound.portableMessages(of: ReplyShape.self, registry: registry).makeAsyncIterator()
            return try await replies.next()?.id
        }
        #expect(id == 1)
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test func oversizeFrameClosesOnlyThatConnection() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let limits = {
            var limits = MessagePackLimits()
            limits.maxMessageByteCount = 4096
            return limits
        }()
        let errors = ErrorLog()
        let server = try await startPlainEchoServer(group: group, decoder: { PortableFrameDecoder(limits: limits) }, errors: errors)
        let port = try #require(server.localAddress?.port)
        let client = try await connectRawClient(group: group, port: port)
        // A bin32 header declaring 1 MiB: rejected from its 5 header bytes, before the payload is sent.
        try await client.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: [0xc6, 0x00, 0x10, 0x00, 0x00]))
            do { for try await _ in inbound {} } catch {}
        }
        let echo = try await connectRawClient(group: group, port: port)
        let value: MessagePackValue? = try await echo.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: MessagePackValue.array([1, "two"]).encoded()))
            var values = inbound.messagePackValues().makeAsyncIterator()
            return try await values.next()
        }
        #expect(value == [1, "two"])
        let logged = errors.errors.compactMap { $0 as? MessagePackError }
        #expect(logged.map(\.code) == [.limitExceeded])
        try await server.close()
        try await group.shutdownGracefully()
    }
}

extension TCPTests {
    @Test func slowDripClosesThatConnectionWhileAnotherIsServed() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let errors = ErrorLog()
        let server = try await startPlainEchoServer(
            group: group, decoder: { PortableFrameDecoder().withMessageTimeout(.milliseconds(300)) }, errors: errors)
        let port = try #require(server.localAddress?.port)
        let slow = try await connectRawClient(group: group, port: port)
        let fast = try await connectRawClient(group: group, port: port)
        let message = MessagePackValue.string(String(repeating: "d", count: 40)).encoded()
        try await slow.executeThenClose { inbound, outbound in
            // One byte every 50 ms: the 42-byte message would take 2 s; the server gives up after 300 ms.
            var sent = 0
            do {
                for byte in message {
                    try await outbound.write(ByteBuffer(bytes: [byte]))
                    sent += 1
                    try await Task.sleep(for: .milliseconds(50))
                }
            } catch {
                // Writing to a connection the server closed fails: expected.
            }
            do { for try await _ in inbound {} } catch {}
            #expect(sent < message.count, "the server closed the connection before the message was complete")
        }
        let value: MessagePackValue? = try await fast.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: message))
            var values = inbound.messagePackValues().makeAsyncIterator()
            return try await values.next()
        }
        #expect(value == .string(String(repeating: "d", count: 40)))
        let logged = errors.errors.compactMap { $0 as? MessagePackError }
        #expect(logged.map(\.code) == [.limitExceeded])
        try await server.close()
        try await group.shutdownGracefully()
    }
}

/// What the order server replies, decoded as a typed message.
struct ReplyShape: Decodable {
    var id: Int
}

final class PlainEchoHandler: ChannelInboundHandler {
    typealias InboundIn = MessagePackValue
    typealias OutboundOut = MessagePackValue
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(data, promise: nil)
    }
}

/// Errors seen on the event loops, read by the test afterwards. (Behind a serial queue: the thread sanitizer
/// cannot see `Synchronization.Mutex` hand over a contended lock on Linux.)
final class ErrorLog: @unchecked Sendable {
    // Safe: `stored` is only touched on `queue`.
    private let queue = DispatchQueue(label: "ErrorLog")
    private var stored: [any Error] = []
    func append(_ error: any Error) { queue.sync { stored.append(error) } }
    var errors: [any Error] { queue.sync { stored } }
}
#endif  // NIO

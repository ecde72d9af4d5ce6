// SPDX-License-Identifier: Apache-2.0
import MessagePack
import NIOCore
import NIOPosix
import PortableWire
import PortableWireNIO

/// The example task service: a TCP server that reads Celery-style ``TaskCall`` messages, runs them with a
/// ``TaskRunner``, and writes a ``TaskReply`` for each, on any number of connections at once.
///
///     let server = try await TaskServer.start(host: "127.0.0.1", port: 0)
///     print(server.port)
///     try await server.stop()
///
/// Framing: messages back to back on the connection (``PortableWireNIO/MessagePackFrameDecoder`` and
/// ``PortableWireNIO/MessagePackFrameEncoder``). Input that cannot be decoded (garbage, an oversize or
/// unreadable message, one that takes longer than `messageTimeout` to arrive) gets a `FAILURE` reply naming
/// the error, then that connection is closed; the other connections carry on.
public final class TaskServer: Sendable {
    /// The port the server listens on (the one the system chose when started with port 0).
    public let port: Int
    let channel: any Channel
    let group: MultiThreadedEventLoopGroup?

    init(port: Int, channel: any Channel, group: MultiThreadedEventLoopGroup?) {
        self.port = port
        self.channel = channel
        self.group = group
    }

    /// Starts listening on `host`:`port` (port 0 lets the system choose).
    ///
    /// - Parameters:
    ///   - group: the event loops to run on; by default the server makes its own and ``stop()`` shuts it down.
    ///   - limits: the bounds for each incoming message.
    ///   - messageTimeout: the longest a message may take to arrive once it has begun (against slow drips).
    /// The decoder for incoming calls: the service's types need no reference cycles, so a message that forms
    /// one is refused instead of leaking (``PortableDecoder/Cycles``).
    static func callDecoder(_ registry: TypeRegistry, _ limits: MessagePackLimits) -> PortableDecoder {
        var decoder = PortableDecoder(registry: registry)
        decoder.limits = limits
        decoder.cycles = .reject
        return decoder
    }

    public static func start(
        host: String = "127.0.0.1", port: Int = 0, group: (any EventLoopGroup)? = nil,
        runner: TaskRunner = TaskRunner(), limits: MessagePackLimits = .default,
        messageTimeout: TimeAmount = .seconds(30)
    ) async throws -> TaskServer {
        let owned = group == nil ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
        let loops: any EventLoopGroup = group ?? owned!
        let registry = runner.registry
        let bootstrap = ServerBootstrap(group: loops)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let encoder = PortableEncoder(registry: registry)
                    try channel.pipeline.syncOperations.addPortableWireCodec(
                        decoder: MessagePackFrameDecoder(TaskCall.self, decoder: Self.callDecoder(registry, limits))
                            .withMessageTimeout(messageTimeout),
                        encoder: MessagePackFrameEncoder<TaskReply> { reply, out in
                            out.writeBytes(try encoder.encode(any: reply.wireValue))
                        },
                        onError: .close)
                    try channel.pipeline.syncOperations.addHandler(TaskCallHandler(runner: runner))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: host, port: port).get()
            guard let bound = channel.localAddress?.port else {
                throw MessagePackError(.cannotSerialize, at: -1, "the server socket has no port")
            }
            return TaskServer(port: bound, channel: channel, group: owned)
        } catch {
            try? await owned?.shutdownGracefully()
            throw error
        }
    }

    /// Stops listening and, if the server made its own event loops, shuts them down.
    public func stop() async throws {
        try? await channel.close()
        try await group?.shutdownGracefully()
    }

    /// Waits until the server's socket is closed.
    public func waitUntilClosed() async throws {
        try await channel.closeFuture.get()
    }
}

/// Runs each decoded call and writes its reply; on a decoding error, replies `FAILURE` before the
/// ``PortableWireNIO/MessageErrorHandler`` ahead of it closes the connection.
final class TaskCallHandler: ChannelInboundHandler {
    typealias InboundIn = TaskCall
    typealias OutboundOut = TaskReply

    let runner: TaskRunner

    init(runner: TaskRunner) { self.runner = runner }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let call = Self.unwrapInboundIn(data)
        context.writeAndFlush(Self.wrapOutboundOut(runner.run(call)), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reply = TaskReply.failure(id: nil, error: "the connection's input could not be decoded: \(error)")
        context.writeAndFlush(Self.wrapOutboundOut(reply), promise: nil)
    }
}

@available(*, unavailable)
extension TaskCallHandler: Sendable {}

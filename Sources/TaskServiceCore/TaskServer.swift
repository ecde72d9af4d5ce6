// SPDX-License-Identifier: Apache-2.0
#if NIO
import MessagePack
import NIOCore
import NIOPosix
import PortableWire
import PortableWireNIO

/// The example task service: a TCP server that reads Celery-style ``TaskCall`` messages, runs them with a
/// ``TaskRunner``, and writes a ``TaskReply`` for each, in order, on any number of connections at once.
///
///     let server = try await TaskServer.start(configuration: .init(port: 0))
///     print(server.port)
///     try await server.stop()
///
/// Framing: messages back to back on the connection (``PortableWireNIO/PortableFrameDecoder`` in frame
/// mode finds where each ends). What it does under real traffic, all set by ``Configuration``:
///
/// - Every reply is written before its connection closes. A peer may shut down its sending side after its
///   calls (half-close) and still read every reply; the server closes after the last reply's write.
/// - Input that cannot be decoded (garbage, an oversize or unreadable message, a message cut short by the
///   end of input, one that takes longer than `messageTimeout` to arrive) gets a `FAILURE` reply naming the
///   error (at most about 1 KiB of text), after the replies to the calls before it; then that connection
///   closes. The other connections carry on.
/// - Backpressure: while the bytes a connection holds (calls being handled and replies not yet sent) are at
///   `writeBufferHighWaterMark` or more, or `maxCallsInFlight` calls wait for their replies, the server stops
///   reading from it (a peer that never reads costs at most the high-water mark plus one message).
/// - A connection with no input for `idleTimeout` and nothing in flight is closed.
/// - Messages larger than `offloadByteCount` are decoded, run and encoded on a thread pool, so one large
///   message does not hold the event loop that other connections share.
public final class TaskServer: Sendable {
    /// The settings of a server; the defaults are safe to deploy as they are.
    public struct Configuration: Sendable {
        /// The address to listen on.
        public var host = "127.0.0.1"
        /// The port (0 lets the system choose).
        public var port = 7700
        /// Event-loop threads; by default one per core.
        public var threads = System.coreCount
        /// The bounds for each incoming message (see ``MessagePack/MessagePackLimits``).
        public var limits = PortableLimits.default
        /// The longest a message may take to arrive once its first byte is in (against slow drips).
        public var messageTimeout = TimeAmount.seconds(30)
        /// A connection that sends nothing for this long while no call of it is in flight is closed.
        public var idleTimeout = TimeAmount.seconds(60)
        /// Calls read on one connection whose replies are not yet written; at this many the server stops
        /// reading from the connection until a reply goes out.
        public var maxCallsInFlight = 64
        /// Messages of more bytes than this are decoded and handled on the thread pool, off the event loop.
        public var offloadByteCount = 64 << 10
        /// Bytes a connection may hold (calls being handled and replies not yet sent) before the server stops
        /// reading from it; also NIO's write-buffer high-water mark for its unsent replies.
        public var writeBufferHighWaterMark = 1 << 20
        /// Unsent reply bytes below which it reads again.
        public var writeBufferLowWaterMark = 256 << 10

        /// The defaults (port 7700 on 127.0.0.1).
        public init() {}

        /// The defaults with another address.
        public init(host: String = "127.0.0.1", port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// The port the server listens on (the one the system chose when started with port 0).
    public let port: Int
    /// The settings it runs with.
    public let configuration: Configuration
    let channel: any Channel
    let group: MultiThreadedEventLoopGroup?

    init(port: Int, configuration: Configuration, channel: any Channel, group: MultiThreadedEventLoopGroup?) {
        self.port = port
        self.configuration = configuration
        self.channel = channel
        self.group = group
    }

    /// The decoder for incoming calls: the service's types need no reference cycles, so a message that forms
    /// one is refused instead of leaking (``PortableDecoder/Cycles``).
    static func callDecoder(_ registry: TypeRegistry, _ limits: PortableLimits) -> PortableDecoder {
        var decoder = PortableDecoder(registry: registry)
        decoder.limits = limits
        decoder.cycles = .reject
        return decoder
    }

    /// Starts listening on `host`:`port` (port 0 lets the system choose) with the other settings at their
    /// defaults, but `limits` and `messageTimeout`.
    ///
    /// - Parameters:
    ///   - group: the event loops to run on; by default the server makes its own (one per core) and
    ///     ``stop()`` shuts them down.
    public static func start(
        host: String = "127.0.0.1", port: Int = 0, group: (any EventLoopGroup)? = nil,
        runner: TaskRunner = TaskRunner(), limits: PortableLimits = .default,
        messageTimeout: TimeAmount = .seconds(30)
    ) async throws -> TaskServer {
        var configuration = Configuration(host: host, port: port)
        configuration.limits = limits
        configuration.messageTimeout = messageTimeout
        return try await start(configuration: configuration, group: group, runner: runner)
    }

    /// Starts listening with `configuration`.
    ///
    /// - Parameters:
    ///   - group: the event loops to run on; by default the server makes `configuration.threads` of its own
    ///     and ``stop()`` shuts them down.
    ///   - threadPool: where messages over `offloadByteCount` are handled (by default NIO's shared pool,
    ///     one thread per core).
    public static func start(
        configuration: Configuration, group: (any EventLoopGroup)? = nil, runner: TaskRunner = TaskRunner(),
        threadPool: NIOThreadPool = .singleton
    ) async throws -> TaskServer {
        let owned = group == nil ? MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.threads)) : nil
        let loops: any EventLoopGroup = group ?? owned!
        let work = CallWork(
            runner: runner, decoder: callDecoder(runner.registry, configuration.limits),
            encoder: PortableEncoder(registry: runner.registry))
        let marks = ChannelOptions.Types.WriteBufferWaterMark(
            low: min(configuration.writeBufferLowWaterMark, configuration.writeBufferHighWaterMark),
            high: configuration.writeBufferHighWaterMark)
        let bootstrap = ServerBootstrap(group: loops)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.writeBufferWaterMark, value: marks)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(readTimeout: configuration.idleTimeout))
                    try sync.addHandler(
                        ByteToMessageHandler(
                            PortableFrameDecoder(frameLimits: configuration.limits.plain)
                                .withMessageTimeout(configuration.messageTimeout)))
                    try sync.addHandler(
                        TaskConnectionHandler(
                            work: work, threadPool: threadPool, maxCallsInFlight: configuration.maxCallsInFlight,
                            offloadByteCount: configuration.offloadByteCount,
                            heldByteLimit: configuration.writeBufferHighWaterMark))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
            guard let bound = channel.localAddress?.port else {
                throw MessagePackError(.cannotSerialize, at: -1, "the server socket has no port")
            }
            return TaskServer(port: bound, configuration: configuration, channel: channel, group: owned)
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

/// Decoding a call, running it and encoding its reply: the same on the event loop and on the thread pool.
struct CallWork: Sendable {
    let runner: TaskRunner
    let decoder: PortableDecoder
    let encoder: PortableEncoder

    /// The encoded reply to the message `frame`, which starts at `streamOffset` on its connection, and
    /// whether the connection must close after it (the message could not be decoded).
    func reply(to frame: ByteBuffer, streamOffset: Int) -> (reply: ByteBuffer, fatal: Bool) {
        let call: TaskCall
        do {
            call = try frame.withUnsafeReadableBytes { raw in
                try decoder.decode(TaskCall.self, raw: raw)
            }
        } catch var error as MessagePackError {
            if error.byteOffset >= 0 { error.byteOffset += streamOffset }
            return (failure(error), true)
        } catch {
            return (failure(error), true)
        }
        let reply = runner.run(call)
        do {
            return (ByteBuffer(bytes: try encoder.encode(any: reply.wireValue)), false)
        } catch {
            return (
                encodedFailure(id: call.id, "the reply could not be encoded: \(TaskReply.boundedText(error))"), false
            )
        }
    }

    /// The `FAILURE` reply for input that could not be decoded.
    func failure(_ error: any Error) -> ByteBuffer {
        encodedFailure(id: nil, "the connection's input could not be decoded: \(TaskReply.boundedText(error))")
    }

    func encodedFailure(id: String?, _ text: String) -> ByteBuffer {
        let reply = TaskReply.failure(id: id, error: text)
        // A failure reply holds only strings and nil, which always encode.
        return ByteBuffer(bytes: (try? encoder.encode(any: reply.wireValue)) ?? [])
    }
}

/// One connection of the service: runs each message's call (on the event loop, or on the thread pool when it
/// is large), writes the replies in the order of the calls, and applies backpressure, the in-flight limit,
/// the idle timeout and the close-after-last-reply rule described on ``TaskServer``.
final class TaskConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// A reply in the order of the calls; `reply` is nil while its call is running on the thread pool.
    final class Slot {
        var reply: ByteBuffer?
        var closeAfter: Bool
        init(reply: ByteBuffer?, closeAfter: Bool) {
            self.reply = reply
            self.closeAfter = closeAfter
        }
    }

    let work: CallWork
    let threadPool: NIOThreadPool
    let maxCallsInFlight: Int
    let offloadByteCount: Int
    /// The most bytes this connection may hold before reading pauses (the high-water mark): calls read and not
    /// yet answered, and replies written and not yet sent. NIO's own writability counts only the replies, so a
    /// few large calls handled on the thread pool at once could each add a reply past the mark.
    let heldByteLimit: Int
    /// Bytes held now: the calls running on the thread pool and the replies not yet sent.
    var heldBytes = 0

    var slots = CircularBuffer<Slot>()
    /// The offset on the connection of the next message's first byte.
    var streamOffset = 0
    /// A read was asked for while reading was paused.
    var readPending = false
    /// No more calls will come: the input ended, or could not be decoded.
    var inputEnded = false
    /// A `FAILURE` for undecodable input was queued: later messages are ignored.
    var failed = false
    var closing = false
    /// The peer shut down its side (or the connection is gone): nothing more will arrive.
    var peerInputClosed = false
    /// Our side is shut down after the last reply; what still arrives is read and dropped until the peer
    /// closes or ``lingerTime`` passes, so that unread input does not turn the close into a reset that
    /// would destroy the replies in the peer's receive buffer (a `FAILURE` reply above all).
    var lingering = false
    var lastWrite: EventLoopFuture<Void>?
    static let lingerTime = TimeAmount.seconds(2)

    init(work: CallWork, threadPool: NIOThreadPool, maxCallsInFlight: Int, offloadByteCount: Int, heldByteLimit: Int) {
        self.work = work
        self.threadPool = threadPool
        self.maxCallsInFlight = max(1, maxCallsInFlight)
        self.offloadByteCount = offloadByteCount
        self.heldByteLimit = max(1, heldByteLimit)
    }

    var readingPaused: Bool { failed || closing || slots.count >= maxCallsInFlight || heldBytes >= heldByteLimit }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        let offset = streamOffset
        streamOffset += frame.readableBytes
        guard !failed && !closing else { return }
        if frame.readableBytes <= offloadByteCount {
            let (reply, fatal) = work.reply(to: frame, streamOffset: offset)
            enqueue(Slot(reply: reply, closeAfter: fatal), context: context)
            return
        }
        let slot = Slot(reply: nil, closeAfter: false)
        let callBytes = frame.readableBytes
        heldBytes += callBytes
        enqueue(slot, context: context)
        let work = self.work
        let bound = NIOLoopBound((self, context, slot), eventLoop: context.eventLoop)
        threadPool.runIfActive(eventLoop: context.eventLoop) {
            let (reply, fatal) = work.reply(to: frame, streamOffset: offset)
            return CompletedCall(reply: reply, fatal: fatal)
        }.whenComplete { result in
            let (handler, context, slot) = bound.value
            handler.heldBytes -= callBytes
            switch result {
            case .success(let done):
                slot.reply = done.reply
                slot.closeAfter = done.fatal
            case .failure(let error):
                slot.reply = handler.work.encodedFailure(id: nil, "the call could not be run: \(error)")
                slot.closeAfter = true
            }
            handler.drain(context: context)
        }
    }

    struct CompletedCall: Sendable {
        var reply: ByteBuffer
        var fatal: Bool
    }

    func enqueue(_ slot: Slot, context: ChannelHandlerContext) {
        slots.append(slot)
        drain(context: context)
    }

    /// Writes the replies that are ready, in call order, then closes or resumes reading as the state asks.
    func drain(context: ChannelHandlerContext) {
        var wrote = false
        while let head = slots.first, let reply = head.reply, !closing {
            slots.removeFirst()
            let promise = context.eventLoop.makePromise(of: Void.self)
            lastWrite = promise.futureResult
            let replyBytes = reply.readableBytes
            heldBytes += replyBytes
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            promise.futureResult.whenComplete { _ in
                let (handler, context) = bound.value
                handler.heldBytes -= replyBytes
                handler.resumeReadingIfPossible(context: context)
            }
            context.write(Self.wrapOutboundOut(reply), promise: promise)
            wrote = true
            if head.closeAfter { closing = true }
        }
        if wrote { context.flush() }
        if closing || (inputEnded && slots.isEmpty) {
            closeAfterLastWrite(context: context)
        } else {
            resumeReadingIfPossible(context: context)
        }
    }

    func closeAfterLastWrite(context: ChannelHandlerContext) {
        guard !lingering else { return }
        closing = true
        guard let lastWrite else {
            finishClosing(context: context)
            return
        }
        self.lastWrite = nil
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        lastWrite.whenComplete { _ in
            let (handler, context) = bound.value
            handler.finishClosing(context: context)
        }
    }

    /// Closes at once when the peer has finished sending; otherwise shuts down our side and lingers.
    func finishClosing(context: ChannelHandlerContext) {
        guard !lingering else { return }
        if peerInputClosed {
            context.close(promise: nil)
            return
        }
        lingering = true
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let shutdown = context.eventLoop.makePromise(of: Void.self)
        shutdown.futureResult.whenFailure { _ in bound.value.close(promise: nil) }
        context.close(mode: .output, promise: shutdown)
        context.eventLoop.scheduleTask(in: Self.lingerTime) { bound.value.close(promise: nil) }
        context.read()
    }

    func resumeReadingIfPossible(context: ChannelHandlerContext) {
        guard readPending, !readingPaused, context.channel.isWritable else { return }
        readPending = false
        context.read()
    }

    // Reading stops while the connection is unwritable or too many calls are in flight (backpressure).
    func read(context: ChannelHandlerContext) {
        if lingering {
            context.read()  // what arrives now is dropped; reading it lets the peer finish cleanly
        } else if readingPaused || !context.channel.isWritable {
            readPending = true
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        resumeReadingIfPossible(context: context)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !failed && !closing else { return }
        failed = true
        inputEnded = true
        var error = error
        if case .some(.ioOnClosedChannel) = error as? ChannelError { return }
        if let decoding = error as? MessagePackError { error = decoding }
        enqueue(Slot(reply: work.failure(error), closeAfter: true), context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent {
            inputEnded = true
            peerInputClosed = true
            if lingering {
                context.close(promise: nil)
                return
            }
            drain(context: context)
        } else if event is IdleStateHandler.IdleStateEvent {
            // Idle: nothing arrived for idleTimeout. Close unless calls are still being answered.
            if slots.isEmpty {
                inputEnded = true
                drain(context: context)
            }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

@available(*, unavailable)
extension TaskConnectionHandler: Sendable {}
#endif  // NIO

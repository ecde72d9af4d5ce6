// SPDX-License-Identifier: Apache-2.0
#if NIO
import NIOCore

/// Decides what a connection does when decoding fails: close it (the default), or only pass the error on;
/// and closes a half-closed connection once its replies are out.
///
/// Place it after the `ByteToMessageHandler` of a ``PortableFrameDecoder`` and before the handlers that
/// reply (``NIOCore/ChannelPipeline/SynchronousOperations/addPortableWireCodec(decoder:encoder:onError:)`` does).
/// The error is always passed on to the handlers after it (so they can log it, or write a last reply) and to
/// `onError`. With `.close` the channel is closed after the last write made so far has completed, the reply
/// that a later handler wrote while handling the error included: closing at once would drop every reply
/// still queued in the channel (issue 13). One bad peer never disturbs the connections of others.
///
/// With `ChannelOptions.allowRemoteHalfClosure` on, a peer may send its calls, shut down its side and still
/// read every reply: when the input ends (`ChannelEvent.inputClosed`) the handler passes the event on, then
/// closes the channel after the last write made so far. Handlers that reply later than in their
/// `channelRead` (from another thread, after a timer) track the end of input themselves instead.
public final class MessageErrorHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = NIOAny
    public typealias OutboundIn = NIOAny

    /// What to do with a connection whose input could not be decoded.
    public enum Policy: Sendable {
        /// Pass the error on, then close the connection once the writes made so far are out.
        case close
        /// Only pass the error on; the decoder ignores the rest of the input.
        case report
    }

    /// What this handler does.
    public let policy: Policy
    let onError: (@Sendable (any Error) -> Void)?
    /// Completes when the last write that passed through this handler has completed.
    var lastWrite: EventLoopFuture<Void>?
    var closing = false

    /// Creates a handler with `policy`; `onError` sees every error first (for logging or counting).
    public init(policy: Policy = .close, onError: (@Sendable (any Error) -> Void)? = nil) {
        self.policy = policy
        self.onError = onError
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let tracked = promise ?? context.eventLoop.makePromise()
        lastWrite = tracked.futureResult
        context.write(data, promise: tracked)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        onError?(error)
        context.fireErrorCaught(error)
        if policy == .close { closeAfterWrites(context: context) }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if case .some(.inputClosed) = event as? ChannelEvent { closeAfterWrites(context: context) }
    }

    /// Flushes, then closes once the last write so far has completed (at once when there was none).
    func closeAfterWrites(context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        context.flush()
        guard let lastWrite else {
            context.close(promise: nil)
            return
        }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        lastWrite.whenComplete { _ in bound.value.close(promise: nil) }
    }
}

@available(*, unavailable)
extension MessageErrorHandler: Sendable {}

extension ChannelPipeline.SynchronousOperations {
    /// Adds a message decoder, a message encoder and a ``MessageErrorHandler`` to the end of the pipeline.
    ///
    ///     try channel.pipeline.syncOperations.addPortableWireCodec(
    ///         decoder: PortableFrameDecoder(TaskCall.self, registry: registry),
    ///         encoder: PortableFrameEncoder(TaskResult.self, registry: registry))
    ///     try channel.pipeline.syncOperations.addHandler(TaskHandler())   // reads TaskCall, writes TaskResult
    ///
    /// The error handler goes last, so it sees the replies that the handlers after it write and closes a
    /// connection only after they are out.
    public func addPortableWireCodec<Inbound, Outbound>(
        decoder: PortableFrameDecoder<Inbound>,
        encoder: PortableFrameEncoder<Outbound>,
        onError policy: MessageErrorHandler.Policy = .close
    ) throws {
        try addHandler(ByteToMessageHandler(decoder))
        try addHandler(MessageToByteHandler(encoder))
        try addHandler(MessageErrorHandler(policy: policy))
    }
}
#endif  // NIO

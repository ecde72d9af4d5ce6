// SPDX-License-Identifier: Apache-2.0
import NIOCore

/// Decides what a connection does when decoding fails: close it (the default), or only pass the error on.
///
/// Place it after the `ByteToMessageHandler` of a ``MessagePackFrameDecoder``. The error is always passed on
/// to the handlers after it (so they can log it) and to `onError`; with `.close` the channel is then
/// closed, so one bad peer never disturbs the connections of others.
public final class MessageErrorHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = NIOAny

    /// What to do with a connection whose input could not be decoded.
    public enum Policy: Sendable {
        /// Pass the error on, then close the connection.
        case close
        /// Only pass the error on; the decoder ignores the rest of the input.
        case report
    }

    /// What this handler does.
    public let policy: Policy
    let onError: (@Sendable (any Error) -> Void)?

    /// Creates a handler with `policy`; `onError` sees every error first (for logging or counting).
    public init(policy: Policy = .close, onError: (@Sendable (any Error) -> Void)? = nil) {
        self.policy = policy
        self.onError = onError
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        onError?(error)
        context.fireErrorCaught(error)
        if policy == .close { context.close(promise: nil) }
    }
}

@available(*, unavailable)
extension MessageErrorHandler: Sendable {}

extension ChannelPipeline.SynchronousOperations {
    /// Adds a message decoder, a message encoder and a ``MessageErrorHandler`` to the end of the pipeline.
    ///
    ///     try channel.pipeline.syncOperations.addPortableWireCodec(
    ///         decoder: MessagePackFrameDecoder(TaskCall.self, registry: registry),
    ///         encoder: MessagePackFrameEncoder(TaskResult.self, registry: registry))
    ///     try channel.pipeline.syncOperations.addHandler(TaskHandler())   // reads TaskCall, writes TaskResult
    public func addPortableWireCodec<Inbound, Outbound>(
        decoder: MessagePackFrameDecoder<Inbound>,
        encoder: MessagePackFrameEncoder<Outbound>,
        onError policy: MessageErrorHandler.Policy = .close
    ) throws {
        try addHandler(ByteToMessageHandler(decoder))
        try addHandler(MessageToByteHandler(encoder))
        try addHandler(MessageErrorHandler(policy: policy))
    }
}

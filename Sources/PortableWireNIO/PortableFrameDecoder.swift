// SPDX-License-Identifier: Apache-2.0
#if NIO
import MessagePack
import NIOCore
import PortableWire

/// A `ByteToMessageDecoder` that splits a byte stream into messages and decodes each one: typed
/// `Decodable` values with portable objects, dynamic `PortableValue`s, or plain
/// `MessagePackValue`s.
///
///     try channel.pipeline.syncOperations.addHandler(
///         ByteToMessageHandler(PortableFrameDecoder(TaskCall.self, registry: registry)))
///
/// It runs `MessagePackFrameScanner` over the cumulation buffer's readable bytes, remembering
/// where it stopped, so each byte is scanned once however the reads are cut; a complete message is decoded
/// straight from the `ByteBuffer`'s memory, without copying it into an array. Faults are thrown as
/// `MessagePackError`, and only it (offsets count from the connection's first byte; README, "Errors");
/// `ByteToMessageHandler` fires them through `errorCaught` and ignores later data. Add a
/// ``MessageErrorHandler`` (or use ``NIOCore/ChannelPipeline/SynchronousOperations/addPortableWireCodec(decoder:encoder:onError:)``)
/// to close the connection. At end of stream an unfinished message is `.truncated`. Against a peer that drips
/// a message slowly, set ``messageTimeout`` (``withMessageTimeout(_:)``).
public struct PortableFrameDecoder<Message>: ByteToMessageDecoder {
    public typealias InboundOut = Message

    /// The bounds for each message.
    public let limits: MessagePackLimits
    var scanner: MessagePackFrameScanner
    /// Readable bytes, counted from the reader index, that the scanner has already looked at.
    var scanned = 0
    /// Decodes a complete message from the buffer's memory (nil in frame mode).
    let decodeMessage: ((UnsafeRawBufferPointer) throws -> Message)?
    /// Hands on a complete message's bytes as a slice of the buffer (frame mode; nil otherwise).
    let frameMessage: ((ByteBuffer) -> Message)?
    /// The longest a message may take to arrive once its first byte is in (nil: no limit), against peers
    /// that drip a message slowly to hold the connection and its buffer.
    public var messageTimeout: TimeAmount?
    var timeout: Scheduled<Void>?
    var timedMessageStart = -1
    /// Set by the timer when it fires, so the end of the stream does not report the same message again.
    let timedOut = TimeoutFlag()

    /// Creates a decoder that hands each complete message's bytes (valid only during the call) to `decode`.
    public init(limits: MessagePackLimits = .default, decode: @escaping (UnsafeRawBufferPointer) throws -> Message) {
        self.limits = limits
        self.scanner = MessagePackFrameScanner(limits: limits)
        self.decodeMessage = decode
        self.frameMessage = nil
    }

    /// Creates a decoder that only finds where each message ends and passes its bytes on undecoded, as a
    /// `ByteBuffer` slice (no copy), checked against what the scanner checks (`MessagePackFrameScanner`:
    /// `0xc1`, depth, declared lengths and counts, message size).
    ///
    /// For services that decide per message where to decode it: a large message can go to a thread pool
    /// (`NIOThreadPool`) so that it does not hold the event loop, and so the other connections on it.
    ///
    ///     try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(PortableFrameDecoder(frameLimits: limits)))
    ///     // the next handler's InboundIn is ByteBuffer: one whole message per read
    public init(frameLimits limits: MessagePackLimits) where Message == ByteBuffer {
        self.limits = limits
        self.scanner = MessagePackFrameScanner(limits: limits)
        self.decodeMessage = nil
        self.frameMessage = { $0 }
    }

    /// Creates a decoder of typed messages, decoded with `decoder` (and its limits).
    public init(_ type: Message.Type, decoder: PortableDecoder) where Message: Decodable {
        self.init(limits: decoder.limits.plain) { raw in try decoder.decode(Message.self, raw: raw) }
    }

    /// Creates a decoder of typed messages that may hold the portable types in `registry`.
    public init(_ type: Message.Type, registry: TypeRegistry, limits: PortableLimits = .default)
    where Message: Decodable {
        var decoder = PortableDecoder(registry: registry)
        decoder.limits = limits
        self.init(type, decoder: decoder)
    }

    /// Creates a decoder of dynamic messages that may hold the portable types in `registry`.
    public init(registry: TypeRegistry, limits: PortableLimits = .default) where Message == PortableValue {
        var decoder = PortableDecoder(registry: registry)
        decoder.limits = limits
        self.init(limits: limits.plain) { raw in try decoder.decodeMessage(raw: raw).body }
    }

    /// Creates a decoder of plain MessagePack values.
    public init(limits: MessagePackLimits = .default) where Message == MessagePackValue {
        self.init(limits: limits) { raw in try MessagePackValue(decoding: raw, limits: limits) }
    }

    /// Returns the decoder with a ``messageTimeout``: when a message has not arrived completely `timeout`
    /// after its first byte, the decoder fires `MessagePackError` `.limitExceeded` (naming
    /// `messageTimeout`) through `errorCaught`, so a ``MessageErrorHandler`` closes the connection.
    public func withMessageTimeout(_ timeout: TimeAmount) -> Self {
        var copy = self
        copy.messageTimeout = timeout
        return copy
    }

    /// Decodes every complete message in `buffer`, one per call.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let message = try nextMessage(&buffer) else {
            if messageTimeout != nil { updateTimeout(context: context, pending: buffer.readableBytes > 0) }
            return .needMoreData
        }
        if messageTimeout != nil { updateTimeout(context: context, pending: false) }
        context.fireChannelRead(Self.wrapInboundOut(message))
        return .continue
    }

    /// Cancels the timer when the decoder leaves the pipeline.
    public mutating func decoderRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
        timeout = nil
    }

    /// Runs one timer per message: started when its first bytes are in, cancelled when it completes.
    mutating func updateTimeout(context: ChannelHandlerContext, pending: Bool) {
        guard pending, let limit = messageTimeout else {
            timeout?.cancel()
            timeout = nil
            return
        }
        let start = scanner.messageStartOffset
        if timeout != nil && timedMessageStart == start { return }
        timeout?.cancel()
        timedMessageStart = start
        let bound = NIOLoopBound((context, timedOut), eventLoop: context.eventLoop)
        timeout = context.eventLoop.scheduleTask(in: limit) {
            let (context, timedOut) = bound.value
            timedOut.fired = true
            context.fireErrorCaught(
                MessagePackError(
                    .limitExceeded, at: start,
                    "the message starting at byte \(start) did not arrive within messageTimeout = \(limit)",
                    hint: "the peer sends too slowly or stopped inside a message; raise messageTimeout if it is trusted"))
        }
    }

    /// Decodes what is left at the end of the stream; bytes of an unfinished message are `.truncated`.
    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        if let message = try nextMessage(&buffer) {
            context.fireChannelRead(Self.wrapInboundOut(message))
            return .continue
        }
        timeout?.cancel()
        timeout = nil
        if timedOut.fired {
            // The timer already reported this message; drop what arrived of it.
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return .needMoreData
        }
        if buffer.readableBytes > 0 {
            let end = scanner.scannedByteCount
            let partial = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: partial)
            scanned = 0
            throw MessagePackError(
                .truncated, at: end,
                "the connection ended inside a message (\(partial) bytes of it arrived)",
                hint: "the peer stopped in the middle of a message, or a length or count in it is wrong")
        }
        return .needMoreData
    }

    /// Scans the readable bytes not scanned yet; when they complete a message, decodes it from the buffer's
    /// memory and moves the reader index past it.
    mutating func nextMessage(_ buffer: inout ByteBuffer) throws -> Message? {
        let readable = buffer.readableBytes
        guard scanned < readable else { return nil }
        let from = scanned
        let streamOffset = scanner.scannedByteCount &- from
        // Results, not throws, cross the closures: the typed error of the scanner survives the untyped
        // `rethrows` API (as in the core's hot paths).
        let scanned: Result<Int?, MessagePackError> = buffer.withUnsafeReadableBytes { raw in
            do throws(MessagePackError) {
                return .success(try scanner.scan(UnsafeRawBufferPointer(rebasing: raw[from...])))
            } catch {
                return .failure(error)
            }
        }
        guard let length = try scanned.get() else {
            self.scanned = readable
            return nil
        }
        let end = from &+ length
        if let frameMessage {
            // Safe: the scanner found a complete message in the first `end` readable bytes.
            let frame = buffer.readSlice(length: end)!
            self.scanned = 0
            Self.releaseStorage(after: end, of: &buffer)
            return frameMessage(frame)
        }
        let decode = decodeMessage!  // Safe: exactly one of the two is set by every initializer.
        let decoded: Result<Message, any Error> = buffer.withUnsafeReadableBytes { raw in
            Result { try decode(UnsafeRawBufferPointer(rebasing: raw[..<end])) }
        }
        let message: Message
        switch decoded {
        case .success(let value):
            message = value
        case .failure(let failure):
            guard var error = failure as? MessagePackError else { throw failure }
            if error.byteOffset >= 0 { error.byteOffset &+= streamOffset }
            throw error
        }
        buffer.moveReaderIndex(forwardBy: end)
        self.scanned = 0
        Self.releaseStorage(after: end, of: &buffer)
        return message
    }

    /// After a large message, moves the few bytes that follow it (the start of the next message, if any) to a
    /// buffer of their own, so that the input does not keep the large message's storage and its pages alive
    /// (in frame mode, once the frame is handled its storage is freed). Without this a connection paused by
    /// backpressure held the last large message's bytes as well as its replies. The copy is at most a quarter
    /// of the message just taken.
    static func releaseStorage(after messageByteCount: Int, of buffer: inout ByteBuffer) {
        guard messageByteCount >= 64 << 10, buffer.readableBytes <= messageByteCount / 4 else { return }
        var rest = ByteBufferAllocator().buffer(capacity: buffer.readableBytes)
        rest.writeImmutableBuffer(buffer)
        buffer = rest
    }
}

/// Whether a message timer fired (touched only on the channel's event loop).
final class TimeoutFlag {
    var fired = false
}
#endif  // NIO

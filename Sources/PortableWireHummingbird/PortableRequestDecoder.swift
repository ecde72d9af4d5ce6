// SPDX-License-Identifier: Apache-2.0
#if Hummingbird
import Hummingbird
import MessagePack
import NIOCore
import PortableWire

extension MediaType {
    /// `application/x-portablewire`: a body holding exactly one PortableWire message (Spec/format.md,
    /// "Media type").
    public static var applicationPortableWire: MediaType { MediaType(type: .application, subType: "x-portablewire") }
}

/// A Hummingbird `RequestDecoder` for bodies of type `application/x-portablewire`.
///
/// The body must be exactly one message; it is collected (up to the smaller of the context's
/// `maxUploadSize` and `limits.maxMessageByteCount`) and decoded with `PortableDecoder`
/// straight from the `ByteBuffer`. A request with another `Content-Type` is rejected with 415; a body
/// that does not decode with 400 and the `MessagePackError`'s description (code, offset,
/// path); a body too large with 413.
///
///     struct AppContext: RequestContext {
///         var coreContext: CoreRequestContextStorage
///         init(source: Source) { coreContext = .init(source: source) }
///         var requestDecoder: PortableRequestDecoder { PortableRequestDecoder(registry: .app) }
///         var responseEncoder: PortableResponseEncoder { PortableResponseEncoder(registry: .app) }
///     }
public struct PortableRequestDecoder: RequestDecoder, Sendable {
    /// The decoder run over each body: registry, limits, unknown-type policy.
    public var decoder: PortableDecoder

    /// Creates a request decoder for the types in `registry`.
    public init(registry: TypeRegistry) { self.decoder = PortableDecoder(registry: registry) }

    /// Creates a request decoder that decodes with `decoder`.
    public init(decoder: PortableDecoder) { self.decoder = decoder }

    /// Decodes the request's body as `T`.
    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let decoder = self.decoder
        return try await withBody(of: request, context: context) { span in try decoder.decode(T.self, from: span) }
    }

    /// Decodes the request's body as a dynamic value (portable objects as instances).
    public func decode(from request: Request, context: some RequestContext) async throws -> PortableValue {
        let decoder = self.decoder
        return try await withBody(of: request, context: context) { span in try decoder.decode(from: span) }
    }

    /// Decodes the request's body as a type that is not `Decodable` (`[any Shape]`, `[String: Any]`, …): decoded
    /// as it is, then cast, as `PortableDecoder`'s `decode(_:from:)` does for such types.
    public func decode<T>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let decoder = self.decoder
        return try await withBody(of: request, context: context) { span in try decoder.decode(T.self, from: span) }
    }

    func withBody<R>(
        of request: Request, context: some RequestContext, _ body: (RawSpan) throws -> R
    ) async throws -> R {
        if let contentType = request.headers[.contentType], let mediaType = MediaType(from: contentType),
            !mediaType.isType(.applicationPortableWire)
        {
            throw HTTPError(
                .unsupportedMediaType,
                message: ErrorTextBounds.elidingMiddle(
                    "expected a body of type \(MediaType.applicationPortableWire), not \(contentType)",
                    maxByteCount: ErrorTextBounds.maxDescriptionByteCount))
        }
        let buffer = try await request.body.collect(upTo: min(context.maxUploadSize, decoder.limits.maxMessageByteCount))
        do {
            // The decoders read the buffer's memory in place, the span's lifetime checked by the compiler.
            return try body(buffer.readableBytesSpan)
        } catch let error as MessagePackError {
            // The description is at most 1 KiB whatever the body; the whole message is held to the same.
            throw HTTPError(
                .badRequest,
                message: ErrorTextBounds.elidingMiddle(
                    "the body is not a valid PortableWire message: \(error)",
                    maxByteCount: ErrorTextBounds.maxDescriptionByteCount))
        }
    }
}

extension Request {
    /// Decodes the body, a PortableWire message, as `T` (whatever the context's `requestDecoder` is).
    public func decodePortable<T: Decodable>(as type: T.Type, registry: TypeRegistry, context: some RequestContext)
        async throws -> T
    {
        try await PortableRequestDecoder(registry: registry).decode(type, from: self, context: context)
    }

    /// Decodes the body, a PortableWire message, as a dynamic value.
    public func decodePortableValue(registry: TypeRegistry, context: some RequestContext) async throws -> PortableValue {
        try await PortableRequestDecoder(registry: registry).decode(from: self, context: context)
    }
}
#endif  // Hummingbird

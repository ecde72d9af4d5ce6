// SPDX-License-Identifier: Apache-2.0
#if Hummingbird
import Hummingbird
import MessagePack
import NIOCore
import PortableWire

/// A Hummingbird `ResponseEncoder` that writes a route's `Encodable` result as one PortableWire message,
/// with `Content-Type: application/x-portablewire`.
///
/// Use it as a context's `responseEncoder`, so routes may return any `ResponseEncodable` type; see
/// ``PortableRequestDecoder`` for a context using both.
public struct PortableResponseEncoder: ResponseEncoder, Sendable {
    /// The encoder for each response.
    public var encoder: PortableEncoder

    /// Creates a response encoder for the types in `registry`.
    public init(registry: TypeRegistry) { self.encoder = PortableEncoder(registry: registry) }

    /// Creates a response encoder that encodes with `encoder`.
    public init(encoder: PortableEncoder) { self.encoder = encoder }

    /// Encodes `value` as the body of a 200 response.
    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        PortableResponse(bytes: try encoder.encode(value)).response()
    }
}

/// A response whose body is one PortableWire message, built from a value of any kind: an `Encodable`,
/// a `PortableValue`, or a value known only at run time (`[String: Any]`, `[any Shape]`).
///
///     router.post("/tasks") { request, context -> PortableResponse in
///         let call = try await request.decodePortable(as: TaskCall.self, registry: registry, context: context)
///         return try PortableResponse(any: ["id": call.id, "result": result], registry: registry)
///     }
public struct PortableResponse: ResponseGenerator, Sendable {
    /// The encoded message.
    public let bytes: [UInt8]
    /// The status (default 200).
    public var status: HTTPResponse.Status

    /// A response carrying `bytes`, which must be one encoded message.
    public init(bytes: [UInt8], status: HTTPResponse.Status = .ok) {
        self.bytes = bytes
        self.status = status
    }

    /// A response carrying `value` encoded for the types in `registry`.
    public init<T: Encodable>(_ value: T, registry: TypeRegistry, status: HTTPResponse.Status = .ok) throws {
        self.init(bytes: try PortableEncoder(registry: registry).encode(value), status: status)
    }

    /// A response carrying a dynamic value.
    public init(_ value: PortableValue, registry: TypeRegistry, status: HTTPResponse.Status = .ok) throws {
        self.init(bytes: try PortableEncoder(registry: registry).encode(value), status: status)
    }

    /// A response carrying a value known only at run time (see `PortableEncoder/encode(any:)`).
    public init(any value: Any, registry: TypeRegistry, status: HTTPResponse.Status = .ok) throws {
        self.init(bytes: try PortableEncoder(registry: registry).encode(any: value), status: status)
    }

    /// The response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    func response() -> Response {
        Response(
            status: status,
            headers: [.contentType: MediaType.applicationPortableWire.description, .contentLength: "\(bytes.count)"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
#endif  // Hummingbird

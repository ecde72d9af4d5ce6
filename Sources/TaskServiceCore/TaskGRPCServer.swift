// SPDX-License-Identifier: Apache-2.0
#if GRPC
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import PortableWire

/// The gRPC front of the example task service: ``TaskGRPCService`` on grpc-swift's HTTP/2 transport
/// (plaintext; put TLS in `transportSecurity` to deploy it beyond one machine).
///
///     let server = try await TaskGRPCServer.start(port: 0)
///     print(server.port)
///     try await server.stop()
///
/// `limits.maxMessageByteCount` also caps the transport: grpc-swift-nio-transport refuses a longer request from its
/// length prefix, before reading it, by resetting the stream (the client sees `unavailable`); the service answers
/// the other limits, met while decoding, with `resourceExhausted`.
@available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
public final class TaskGRPCServer: Sendable {
    /// The port the server listens on (the one the system chose when started with port 0).
    public let port: Int
    let server: GRPCServer<HTTP2ServerTransport.Posix>
    let serving: Task<Void, any Error>

    init(port: Int, server: GRPCServer<HTTP2ServerTransport.Posix>, serving: Task<Void, any Error>) {
        self.port = port
        self.server = server
        self.serving = serving
    }

    /// Starts serving on `host`:`port` (port 0 lets the system choose) and returns once it listens.
    ///
    /// - Parameters:
    ///   - runner: the tasks of `Call`.
    ///   - limits: the bounds for each request; `maxMessageByteCount` also bounds the transport.
    public static func start(
        host: String = "127.0.0.1", port: Int = 0, runner: TaskRunner = TaskRunner(),
        limits: PortableLimits = .default
    ) async throws -> TaskGRPCServer {
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: host, port: port), transportSecurity: .plaintext,
            config: .defaults { $0.rpc.maxRequestPayloadSize = limits.maxMessageByteCount })
        let server = GRPCServer(transport: transport, services: [TaskGRPCService(runner: runner, limits: limits)])
        let serving = Task { try await server.serve() }
        do {
            guard let bound = try await transport.listeningAddress.ipv4?.port else {
                throw RPCError(code: .internalError, message: "the gRPC server has no IPv4 port")
            }
            return TaskGRPCServer(port: bound, server: server, serving: serving)
        } catch {
            server.beginGracefulShutdown()
            _ = await serving.result
            throw error
        }
    }

    /// Stops accepting calls, lets the calls in flight finish, and returns when the server has stopped.
    public func stop() async throws {
        server.beginGracefulShutdown()
        try await serving.value
    }

    /// Waits until the server stops (it serves until ``stop()`` or an error).
    public func waitUntilStopped() async throws {
        try await serving.value
    }
}
#endif  // GRPC

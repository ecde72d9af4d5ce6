// SPDX-License-Identifier: Apache-2.0
// The README's gRPC example, verbatim except the port: the test serves on a free port of 127.0.0.1 (instead of
// `try await server.serve()` on 50051) and calls it over real HTTP/2. `CustomVariable` is the example service's.
#if GRPC
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import PortableWire
import PortableWireGRPC
import TaskServiceCore
import Testing

struct Estimate: Portable, Codable, Sendable {
    static let portableName = "app.Estimate"
    var input: CustomVariable
    var value: Double
}

extension TypeRegistry {
    static let app = try! TypeRegistry(registering: CustomVariable.self, Estimate.self)
}

extension MethodDescriptor {
    static let estimate = MethodDescriptor(fullyQualifiedService: "app.Estimator", method: "Estimate")
}

struct Estimator: RegistrableRPCService {
    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: .estimate,
            deserializer: PortableMessageDeserializer<CustomVariable>(registry: .app),
            serializer: PortableMessageSerializer<Estimate>(registry: .app)
        ) { request, context in
            let input = try await ServerRequest(stream: request).message
            return StreamingServerResponse(single: ServerResponse(message: Estimate(input: input, value: input.quantile ?? 0)))
        }
    }
}

@Suite struct GRPCReadmeExamplesTests {
    @Test func serverAndClientExample() async throws {
        let transport = HTTP2ServerTransport.Posix(address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext)
        let server = GRPCServer(transport: transport, services: [Estimator()])
        let serving = Task { try await server.serve() }
        let port = try #require(try await transport.listeningAddress.ipv4?.port)

        let estimate = try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
        ) { client in
            try await client.unary(
                request: ClientRequest(message: CustomVariable(type: .quantile, quantile: 0.25)),
                descriptor: .estimate,
                serializer: PortableMessageSerializer<CustomVariable>(registry: .app),
                deserializer: PortableMessageDeserializer<Estimate>(registry: .app),
                options: .defaults
            ) { response in try response.message }
        }
        print(estimate.value)  // 0.25

        server.beginGracefulShutdown()
        try await serving.value
        #expect(estimate.value == 0.25)
        #expect(estimate.input == CustomVariable(type: .quantile, quantile: 0.25))
    }
}
#endif  // GRPC

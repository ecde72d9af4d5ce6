// SPDX-License-Identifier: Apache-2.0
// The README's Hummingbird example, verbatim except the last line: instead of `app.runService()` on port 8080,
// the test runs the application on a free port of 127.0.0.1 and calls it over real HTTP.
#if Hummingbird
import Hummingbird
import HummingbirdTesting
import NIOCore
import PortableWire
import PortableWireHummingbird
import Testing

enum VariableType: String, Codable { case mean, variance, standardErrorOfMean = "standard_error_of_mean", quantile }
struct CustomVariable: Portable, Codable {
    static let portableName = "app.CustomVariable"
    var type: VariableType
    var quantile: Double?
}

struct Estimate: Portable, Codable, ResponseEncodable {
    static let portableName = "app.Estimate"
    var input: CustomVariable
    var value: Double
}

extension TypeRegistry {
    static let app = try! TypeRegistry(registering: CustomVariable.self, Estimate.self)
}

struct AppContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    init(source: Source) { coreContext = .init(source: source) }
    var requestDecoder: PortableRequestDecoder { PortableRequestDecoder(registry: .app) }
    var responseEncoder: PortableResponseEncoder { PortableResponseEncoder(registry: .app) }
}

// HummingbirdTesting's live client connects to "localhost" with no time limit on resolving it: where that name does not
// resolve (a chroot without /etc/hosts) a test waited for over 20 minutes. A limit turns such a hang into a named
// failure; it is generous because tests that block the shared pool can delay these by minutes on a loaded machine.
@Suite(.timeLimit(.minutes(10))) struct HummingbirdReadmeExamplesTests {
    @Test func routeExample() async throws {
        let router = Router(context: AppContext.self)
        router.post("/estimate") { request, context -> Estimate in
            let input = try await request.decode(as: CustomVariable.self, context: context)
            return Estimate(input: input, value: input.quantile ?? 0)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))

        let body = try PortableEncoder(registry: .app).encode(CustomVariable(type: .quantile, quantile: 0.25))
        try await app.test(.live) { client in
            try await client.execute(
                uri: "/estimate", method: .post, headers: [.contentType: "application/x-portablewire"],
                body: ByteBuffer(bytes: body)
            ) { response in
                #expect(response.status == .ok)
                let estimate = try PortableDecoder(registry: .app).decode(Estimate.self, from: Array(response.body.readableBytesView))
                #expect(estimate.value == 0.25)
                #expect(estimate.input.type == .quantile)
            }
        }
    }
}
#endif  // Hummingbird

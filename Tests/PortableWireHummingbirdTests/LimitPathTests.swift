// SPDX-License-Identifier: Apache-2.0
#if Hummingbird
import Hummingbird
import HummingbirdTesting
import MessagePack
import NIOCore
import PortableWire
import PortableWireHummingbird
import Testing

/// A context whose request decoder has small limits.
struct TightContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    init(source: Source) { coreContext = .init(source: source) }
    var requestDecoder: PortableRequestDecoder {
        var decoder = PortableDecoder(registry: .shop)
        decoder.limits.maxDepth = 3
        decoder.limits.maxElementCount = 4
        return PortableRequestDecoder(decoder: decoder)
    }
}

/// The Hummingbird request decoder obeys the decoder's limits: at the limit 200, one past it 400 naming it.
// HummingbirdTesting's live client connects to "localhost" with no time limit on resolving it: where that name does not
// resolve (a chroot without /etc/hosts) a test waited for over 20 minutes. A limit turns such a hang into a named
// failure; it is generous because tests that block the shared pool can delay these by minutes on a loaded machine.
@Suite(.timeLimit(.minutes(10))) struct HummingbirdLimitPathTests {
    @Test func requestDecoderEnforcesItsLimits() async throws {
        let router = Router(context: TightContext.self)
        router.post("/count") { request, context -> String in
            let value = try await context.requestDecoder.decode(from: request, context: context)
            return "\(value.arrayValue?.count ?? -1)"
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let cases: [([UInt8], HTTPResponse.Status, String?)] = [
            ([0x91, 0x91, 0x90], .ok, nil),
            ([0x91, 0x91, 0x91, 0x90], .badRequest, "maxDepth"),
            ([0x94, 1, 2, 3, 4], .ok, nil),
            ([0x95, 1, 2, 3, 4, 5], .badRequest, "maxElementCount"),
        ]
        try await app.test(.live) { client in
            for (body, status, limit) in cases {
                try await client.execute(uri: "/count", method: .post, headers: portableHeaders, body: ByteBuffer(bytes: body)) {
                    response in
                    #expect(response.status == status, "\(body)")
                    if let limit { #expect(String(buffer: response.body).contains(limit), "\(String(buffer: response.body))") }
                }
            }
        }
    }
}
#endif  // Hummingbird

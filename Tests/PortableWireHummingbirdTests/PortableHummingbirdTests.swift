// SPDX-License-Identifier: Apache-2.0
#if Hummingbird
import Hummingbird
import HummingbirdTesting
import MessagePack
import NIOCore
import PortableWire
import PortableWireHummingbird
import Testing

/// A class with identity, shared between lines of a basket.
final class Shopper: Portable, Codable, Sendable {
    static let portableName = "shop.Shopper"
    let name: String
    init(name: String) { self.name = name }
}

struct LineItem: Portable, Codable, Sendable {
    static let portableName = "shop.LineItem"
    var sku: String
    var price: Double
    var quantity: Int
}

/// The request: a shopper and lines that are portable objects.
struct Basket: Codable {
    var shopper: Shopper
    var items: [LineItem]
    var referredBy: Shopper?
}

/// The response: a portable object holding the same shopper.
struct Quote: Portable, Codable, ResponseEncodable {
    static let portableName = "shop.Quote"
    var shopper: Shopper
    var total: Double
    var lineCount: Int
    var referredBySameShopper: Bool
}

extension TypeRegistry {
    // Distinct literal names: registering cannot fail.
    static let shop = try! TypeRegistry(registering: Shopper.self, LineItem.self, Quote.self)
}

/// A context whose routes take and return portable values.
struct ShopContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    init(source: Source) { coreContext = .init(source: source) }
    var requestDecoder: PortableRequestDecoder { PortableRequestDecoder(registry: .shop) }
    var responseEncoder: PortableResponseEncoder { PortableResponseEncoder(registry: .shop) }
    var maxUploadSize: Int { 64 * 1024 }
}

func makeShopApplication() -> some ApplicationProtocol {
    let router = Router(context: ShopContext.self)
    router.post("/quote") { request, context -> Quote in
        let basket = try await request.decode(as: Basket.self, context: context)
        return Quote(
            shopper: basket.shopper, total: basket.items.reduce(0) { $0 + $1.price * Double($1.quantity) },
            lineCount: basket.items.count, referredBySameShopper: basket.referredBy === basket.shopper)
    }
    router.post("/echo") { request, context -> PortableResponse in
        let value = try await request.decodePortableValue(registry: .shop, context: context)
        return try PortableResponse(["echo": value], registry: .shop)
    }
    return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
}

let portableHeaders: HTTPFields = [.contentType: "application/x-portablewire"]

// HummingbirdTesting's live client connects to "localhost" with no time limit on resolving it: where that name does not
// resolve (a chroot without /etc/hosts) a test waited for over 20 minutes. A limit turns such a hang into a named
// failure; it is generous because tests that block the shared pool can delay these by minutes on a loaded machine.
@Suite(.timeLimit(.minutes(10))) struct PortableHummingbirdTests {
    @Test(arguments: [true, false])
    func routeRoundTripsAPortableValue(live: Bool) async throws {
        let shopper = Shopper(name: "Ann")
        let basket = Basket(
            shopper: shopper, items: [LineItem(sku: "a", price: 2.5, quantity: 2), LineItem(sku: "b", price: 1, quantity: 3)],
            referredBy: shopper)
        let body = try PortableEncoder(registry: .shop).encode(basket)
        try await makeShopApplication().test(live ? .live : .router) { client in
            if live { #expect(client.port != nil, "a real server on 127.0.0.1") }
            try await client.execute(uri: "/quote", method: .post, headers: portableHeaders, body: ByteBuffer(bytes: body)) {
                response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/x-portablewire")
                let quote = try PortableDecoder(registry: .shop).decode(Quote.self, from: Array(response.body.readableBytesView))
                #expect(quote.shopper.name == "Ann")
                #expect(quote.total == 8)
                #expect(quote.lineCount == 2)
                #expect(quote.referredBySameShopper, "the shared reference arrived as one instance")
            }
        }
    }

    @Test(arguments: [true, false])
    func dynamicValuesRoundTripAndBadInputIsAnHTTPError(live: Bool) async throws {
        let registry = TypeRegistry.shop
        try await makeShopApplication().test(live ? .live : .router) { client in
            let value: PortableValue = ["item": .object(LineItem(sku: "z", price: 9, quantity: 1)), "n": [1, 2, 3]]
            let body = try PortableEncoder(registry: registry).encode(value)
            try await client.execute(uri: "/echo", method: .post, headers: portableHeaders, body: ByteBuffer(bytes: body)) {
                response in
                #expect(response.status == .ok)
                let echoed = try PortableDecoder(registry: registry).decode(from: Array(response.body.readableBytesView))
                #expect((echoed["echo"]?["item"]?.object as? LineItem)?.sku == "z")
                #expect(echoed["echo"]?["n"] == [1, 2, 3])
            }
            // No content type is accepted as PortableWire; another type is 415.
            try await client.execute(uri: "/echo", method: .post, body: ByteBuffer(bytes: body)) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(
                uri: "/echo", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{}")
            ) { response in
                #expect(response.status == .unsupportedMediaType)
            }
            // Garbage, a truncated body and trailing bytes are 400 naming the error code.
            for bad in [[0xc1], Array(body.dropLast()), body + [0xc0]] as [[UInt8]] {
                try await client.execute(uri: "/echo", method: .post, headers: portableHeaders, body: ByteBuffer(bytes: bad)) {
                    response in
                    #expect(response.status == .badRequest)
                }
            }
            // A body over the context's maxUploadSize is 413.
            let huge = MessagePackValue.binary(Array(repeating: 0, count: 100_000)).encoded()
            try await client.execute(uri: "/echo", method: .post, headers: portableHeaders, body: ByteBuffer(bytes: huge)) {
                response in
                #expect(response.status == .contentTooLarge)
            }
        }
    }

    @Test func mediaTypeIsTheSpecOne() {
        #expect(MediaType.applicationPortableWire.description == "application/x-portablewire")
        #expect(MediaType(from: "application/x-portablewire")?.isType(.applicationPortableWire) == true)
    }
}
#endif  // Hummingbird

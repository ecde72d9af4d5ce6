// SPDX-License-Identifier: Apache-2.0
#if NIO
import NIOCore
import PortableWire

/// A class with identity: shared references must arrive shared.
final class Customer: Portable, Codable {
    static let portableName = "test.Customer"
    var name: String
    init(name: String) { self.name = name }
}

/// A product whose description goes into the message's global data once.
struct Product: CustomPortable, Equatable {
    static let portableName = "test.Product"
    var sku: String
    var text: String

    func serialize(globalData: GlobalData) throws -> PortableValue {
        try globalData.set(.string(text), forKey: "product:\(sku)")
        return .string(sku)
    }

    static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> Product {
        let sku = data.stringValue ?? ""
        return Product(sku: sku, text: try globalData.value(forKey: "product:\(sku)")?.stringValue ?? "")
    }
}

/// A typed message holding portable objects, shared references and global data.
struct Order: Codable {
    var id: Int
    var customer: Customer
    @Polymorphic var lines: [Product]
}

func makeNIORegistry() throws -> TypeRegistry {
    var registry = TypeRegistry()
    try registry.register(Customer.self)
    try registry.register(Product.self)
    return registry
}

/// Orders 0..<count, every third one by the same customer, products from a small catalogue.
func sampleOrders(_ count: Int) -> [Order] {
    let shared = Customer(name: "Shared")
    let catalogue = (0..<4).map { Product(sku: "sku\($0)", text: String(repeating: "description \($0) ", count: 8)) }
    return (0..<count).map { i in
        Order(id: i, customer: i % 3 == 0 ? shared : Customer(name: "C\(i)"), lines: [catalogue[i % 4], catalogue[(i + 1) % 4]])
    }
}

extension ByteBuffer {
    var bytes: [UInt8] { Array(readableBytesView) }
}
#endif  // NIO

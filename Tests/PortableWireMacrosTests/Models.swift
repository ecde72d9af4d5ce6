// SPDX-License-Identifier: Apache-2.0
#if Macros
import PortableWireMacros

// Models covering every shape `@MessagePackCodable` supports. Each is also `Codable` (synthesized), which is the
// oracle: the macro's bytes and decoding rules must equal what `MessagePackEncoder`/`MessagePackDecoder` do.

@MessagePackCodable
struct Everything: Codable, Equatable {
    var id: Int
    var name: String
    var nickname: String?
    var score: Double
    var ratio: Float
    var active: Bool
    var small: Int8
    var medium: Int16
    var wide: Int32
    var big: Int64
    var byte: UInt8
    var port: UInt16
    var count: UInt32
    var huge: UInt64
    var word: UInt
    var blob: [UInt8]
    var maybeBlob: [UInt8]?
    var tags: [String]
    var samples: [Double]
    var flags: Set<Int>
    var counters: [String: Int]
    var children: [Leaf]
    var favourite: Leaf?
    var color: Color
    var level: Level?
    var shape: Shape
    var shapes: [Shape]
    var nested: [String: [Leaf]]
    var optionalTags: [String?]

    enum CodingKeys: String, CodingKey {
        case id = "identifier", name, nickname = "nick", score, ratio, active, small, medium, wide, big, byte, port
        case count = "n", huge, word, blob, maybeBlob, tags, samples, flags, counters, children, favourite, color
        case level, shape, shapes, nested, optionalTags
    }
}

@MessagePackCodable
struct Leaf: Codable, Equatable, Hashable {
    var key: String
    var value: Double?
}

@MessagePackCodable
enum Color: String, Codable, Equatable, CaseIterable {
    case red, green, blue = "BLUE"
}

@MessagePackCodable
enum Level: Int, Codable, Equatable, CaseIterable {
    case low = 1, mid = 200, high = 70_000
}

@MessagePackCodable
enum Shape: Codable, Equatable {
    case circle(radius: Double)
    case rect(Double, Double)
    case labelled(String, width: Int, note: String?)
    case empty
    case renamed(Leaf)

    enum CodingKeys: String, CodingKey {
        case circle, rect, labelled, empty, renamed = "RENAMED"
    }
}

/// A struct whose `CodingKeys` leave one property out (it has a default value).
@MessagePackCodable
struct PartlyCoded: Codable, Equatable {
    var kept: Int
    var skipped: String = "default"
    var other: [Int]?

    enum CodingKeys: String, CodingKey { case other, kept }
}

@MessagePackCodable
struct Empty: Codable, Equatable {}

@MessagePackCodable
final class Account: Codable, Equatable {
    var owner: String
    var balance: Int
    var next: Account?

    init(owner: String, balance: Int, next: Account?) {
        self.owner = owner
        self.balance = balance
        self.next = next
    }

    static func == (a: Account, b: Account) -> Bool { a.owner == b.owner && a.balance == b.balance && a.next == b.next }
}

@MessagePackCodable
class Vehicle: Codable, Equatable {
    var wheels: Int
    var label: String?

    init(wheels: Int, label: String?) {
        self.wheels = wheels
        self.label = label
    }

    static func == (a: Vehicle, b: Vehicle) -> Bool { a.wheels == b.wheels && a.label == b.label }
}

#endif

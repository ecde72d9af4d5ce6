// SPDX-License-Identifier: Apache-2.0
import MessagePack

// Models shared by the encoder and decoder tests.

struct Person: Codable, Equatable {
    var name: String
    var age: Int
    var email: String?
}

/// CodingKeys declared in another order than the properties: the keys' order decides the bytes.
struct Reordered: Codable, Equatable {
    var a: Int
    var b: Int
    enum CodingKeys: String, CodingKey { case b, a }
}

final class Box: Codable, Equatable {
    var id: Int
    var label: String
    init(id: Int, label: String) {
        self.id = id
        self.label = label
    }
    static func == (l: Box, r: Box) -> Bool { l.id == r.id && l.label == r.label }
}

struct AllScalars: Codable, Equatable {
    var b: Bool
    var i: Int
    var i8: Int8
    var i16: Int16
    var i32: Int32
    var i64: Int64
    var u: UInt
    var u8: UInt8
    var u16: UInt16
    var u32: UInt32
    var u64: UInt64
    var f: Float
    var d: Double
    var s: String

    static let sample = AllScalars(
        b: true, i: -1, i8: -128, i16: 300, i32: -70000, i64: .min, u: 5, u8: 255, u16: 65535, u32: .max,
        u64: .max, f: 1.5, d: -0.0, s: "s")
    static let sampleHex =
        "8e a1 62 c3 a1 69 ff a2 69 38 d0 80 a3 69 31 36 cd 01 2c a3 69 33 32 d2 ff fe ee 90 "
        + "a3 69 36 34 d3 80 00 00 00 00 00 00 00 a1 75 05 a2 75 38 cc ff a3 75 31 36 cd ff ff "
        + "a3 75 33 32 ce ff ff ff ff a3 75 36 34 cf ff ff ff ff ff ff ff ff a1 66 ca 3f c0 00 00 "
        + "a1 64 cb 80 00 00 00 00 00 00 00 a1 73 a1 73"

    static func == (l: AllScalars, r: AllScalars) -> Bool {
        l.b == r.b && l.i == r.i && l.i8 == r.i8 && l.i16 == r.i16 && l.i32 == r.i32 && l.i64 == r.i64 && l.u == r.u
            && l.u8 == r.u8 && l.u16 == r.u16 && l.u32 == r.u32 && l.u64 == r.u64
            && l.f.bitPattern == r.f.bitPattern && l.d.bitPattern == r.d.bitPattern && l.s == r.s
    }
}

enum Color: String, Codable { case red, green }
enum Level: Int, Codable { case low = 1, high = 200 }
enum Shape: Codable, Equatable {
    case circle(radius: Double)
    case rect(w: Int, h: Int)
    case point
    case pair(Int, String)
}

/// Fills a nested keyed container and a nested unkeyed container between two plain fields.
struct Layered: Codable, Equatable {
    var id: Int
    var x: Int
    var y: Int
    var tags: [String]
    var trailer: Bool

    enum Keys: String, CodingKey { case id, point, tags, trailer }
    enum PointKeys: String, CodingKey { case x, y }

    init(id: Int, x: Int, y: Int, tags: [String], trailer: Bool) {
        self.id = id
        self.x = x
        self.y = y
        self.tags = tags
        self.trailer = trailer
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(id, forKey: .id)
        var p = c.nestedContainer(keyedBy: PointKeys.self, forKey: .point)
        try p.encode(x, forKey: .x)
        try p.encode(y, forKey: .y)
        var t = c.nestedUnkeyedContainer(forKey: .tags)
        for tag in tags { try t.encode(tag) }
        try c.encode(trailer, forKey: .trailer)
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        id = try c.decode(Int.self, forKey: .id)
        let p = try c.nestedContainer(keyedBy: PointKeys.self, forKey: .point)
        x = try p.decode(Int.self, forKey: .x)
        y = try p.decode(Int.self, forKey: .y)
        var t = try c.nestedUnkeyedContainer(forKey: .tags)
        var tags: [String] = []
        while !t.isAtEnd { tags.append(try t.decode(String.self)) }
        self.tags = tags
        trailer = try c.decode(Bool.self, forKey: .trailer)
    }
}

/// A heterogeneous unkeyed container with nested containers inside it.
struct Row: Codable, Equatable {
    var int: Int
    var text: String
    var flag: Bool
    var single: Float
    var inner: Int
    var z: Int

    enum ZKey: String, CodingKey { case z }

    init(int: Int, text: String, flag: Bool, single: Float, inner: Int, z: Int) {
        self.int = int
        self.text = text
        self.flag = flag
        self.single = single
        self.inner = inner
        self.z = z
    }

    func encode(to encoder: any Encoder) throws {
        var u = encoder.unkeyedContainer()
        try u.encode(int)
        try u.encode(text)
        try u.encodeNil()
        try u.encode(flag)
        try u.encode(single)
        var n = u.nestedUnkeyedContainer()
        try n.encode(inner)
        var k = u.nestedContainer(keyedBy: ZKey.self)
        try k.encode(z, forKey: .z)
    }

    init(from decoder: any Decoder) throws {
        var u = try decoder.unkeyedContainer()
        int = try u.decode(Int.self)
        text = try u.decode(String.self)
        guard try u.decodeNil() else {
            throw DecodingError.dataCorrupted(.init(codingPath: u.codingPath, debugDescription: "expected nil"))
        }
        flag = try u.decode(Bool.self)
        single = try u.decode(Float.self)
        var n = try u.nestedUnkeyedContainer()
        inner = try n.decode(Int.self)
        let k = try u.nestedContainer(keyedBy: ZKey.self)
        z = try k.decode(Int.self, forKey: .z)
    }
}

class Animal: Codable {
    var name: String
    init(name: String) { self.name = name }
}

/// Keeps its superclass's fields under "super" (superEncoder/superDecoder).
final class Dog: Animal, Equatable {
    var breed: String
    enum CodingKeys: String, CodingKey { case breed }

    init(name: String, breed: String) {
        self.breed = breed
        super.init(name: name)
    }

    override func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(breed, forKey: .breed)
        try super.encode(to: c.superEncoder())
    }

    required init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        breed = try c.decode(String.self, forKey: .breed)
        try super.init(from: c.superDecoder())
    }

    static func == (l: Dog, r: Dog) -> Bool { l.name == r.name && l.breed == r.breed }
}

/// Shares one map with its superclass by passing the same encoder and decoder up.
final class Cat: Animal, Equatable {
    var lives: Int
    enum CodingKeys: String, CodingKey { case lives }

    init(name: String, lives: Int) {
        self.lives = lives
        super.init(name: name)
    }

    override func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(lives, forKey: .lives)
        try super.encode(to: encoder)
    }

    required init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lives = try c.decode(Int.self, forKey: .lives)
        try super.init(from: decoder)
    }

    static func == (l: Cat, r: Cat) -> Bool { l.name == r.name && l.lives == r.lives }
}

let probeKey = CodingUserInfoKey(rawValue: "probe")!

/// Writes the userInfo value it sees when encoding, and records the one it sees when decoding.
struct Probe: Codable, Equatable {
    var seen: String

    init(seen: String) { self.seen = seen }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(encoder.userInfo[probeKey] as? String ?? "missing")
    }

    init(from decoder: any Decoder) throws {
        _ = try decoder.singleValueContainer().decode(String.self)
        seen = decoder.userInfo[probeKey] as? String ?? "missing"
    }
}

/// Probes at every kind of nesting the coders have.
struct ProbeHolder: Codable, Equatable {
    var direct: Probe
    var list: [Probe]
    var inNested: Probe
    var inSuper: Probe

    enum Keys: String, CodingKey { case direct, list, nested, p }

    init(direct: Probe, list: [Probe], inNested: Probe, inSuper: Probe) {
        self.direct = direct
        self.list = list
        self.inNested = inNested
        self.inSuper = inSuper
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(direct, forKey: .direct)
        try c.encode(list, forKey: .list)
        var n = c.nestedContainer(keyedBy: Keys.self, forKey: .nested)
        try n.encode(inNested, forKey: .p)
        try inSuper.encode(to: c.superEncoder())
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        direct = try c.decode(Probe.self, forKey: .direct)
        list = try c.decode([Probe].self, forKey: .list)
        let n = try c.nestedContainer(keyedBy: Keys.self, forKey: .nested)
        inNested = try n.decode(Probe.self, forKey: .p)
        inSuper = try Probe(from: c.superDecoder())
    }
}

final class Node: Codable {
    var value: Int
    var next: Node?
    init(value: Int, next: Node?) {
        self.value = value
        self.next = next
    }

    static func chain(_ length: Int) -> Node {
        var node = Node(value: 0, next: nil)
        for i in 1..<length { node = Node(value: i, next: node) }
        return node
    }

    var length: Int {
        var n = 1
        var current = self
        while let next = current.next {
            n += 1
            current = next
        }
        return n
    }

    /// `length` nodes as nested maps `{"value": 1, "next": {...}}`, innermost without "next".
    static func bytes(_ length: Int) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 1..<length { out += hex("82 a5 76 61 6c 75 65 01 a4 6e 65 78 74") }
        return out + hex("81 a5 76 61 6c 75 65 01")
    }
}

struct Sparse: Codable, Equatable {
    var a: Int
    var b: String?
    var c: Int
}

struct Point: Codable, Equatable {
    var x: Int
    var y: Int
}

struct Measure: Codable, Equatable {
    var d: Double
    var f: Float
}

struct Team: Codable, Equatable {
    var name: String
    var members: [Person]
}

/// An element that refuses to be encoded, with the core's own error.
enum Item: Encodable {
    case ok
    case bad
    func encode(to encoder: any Encoder) throws {
        switch self {
        case .ok:
            var c = encoder.singleValueContainer()
            try c.encode(1)
        case .bad:
            throw MessagePackError(.cannotSerialize, at: -1, "this item cannot be written")
        }
    }
}

struct Holder: Encodable {
    var items: [Item]
}

/// A type whose encode(to:) writes nothing at all.
struct Silent: Codable {
    init() {}
    func encode(to encoder: any Encoder) throws {}
    init(from decoder: any Decoder) throws {}
}

struct Explicit: Codable, Equatable {
    var v: Int?
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(v, forKey: .v)
    }
}

struct Envelope: Codable, Equatable {
    var kind: String
    var payload: MessagePackValue
    var at: MessagePackTimestamp
}

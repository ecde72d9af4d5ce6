// SPDX-License-Identifier: Apache-2.0
import PortableWire

// Types for the Codable and the typed decoders: nested structs, optionals, dictionaries, an enum with
// associated values, binary data, timestamps; and a hand-written `MessagePackCodable` conformance.

struct Inner: Codable, Equatable {
    var a: Int8
    var b: UInt16?
    var c: Float
    var d: [Bool]

    static func == (l: Inner, r: Inner) -> Bool {
        l.a == r.a && l.b == r.b && l.c.bitPattern == r.c.bitPattern && l.d == r.d
    }
}

enum Choice: Codable, Equatable {
    case none
    case number(Int64)
    case pair(String, Double)
    case nested(inner: Inner)

    static func == (l: Choice, r: Choice) -> Bool {
        switch (l, r) {
        case (.none, .none): true
        case (.number(let a), .number(let b)): a == b
        case (.pair(let s, let x), .pair(let t, let y)): s.unicodeScalars.elementsEqual(t.unicodeScalars) && x.bitPattern == y.bitPattern
        case (.nested(let a), .nested(let b)): a == b
        default: false
        }
    }
}

struct Record: Codable {
    var id: Int
    var name: String
    var tags: [String]
    var score: Double?
    var inner: [Inner]
    var table: [String: Int]
    var blob: [UInt8]
    var when: MessagePackTimestamp?
    var choice: Choice
    var children: [Record]
}

extension ValueFactory {
    mutating func inner() -> Inner {
        Inner(
            a: Int8.random(in: .min ... .max, using: &rng), b: chance(0.5) ? UInt16(int(0...65_535)) : nil, c: float32(),
            d: (0..<int(0...3)).map { _ in chance(0.5) })
    }

    mutating func choice() -> Choice {
        switch int(0...3) {
        case 0: .none
        case 1: .number(integer().int64Value ?? 0)
        case 2: .pair(string(), float64())
        default: .nested(inner: inner())
        }
    }

    mutating func record(depth: Int = 2) -> Record {
        Record(
            id: Int(integer().int64Value ?? 0), name: string(), tags: (0..<int(0...3)).map { _ in shortString() },
            score: chance(0.5) ? float64() : nil, inner: (0..<int(0...2)).map { _ in inner() },
            table: Dictionary((0..<int(0...3)).map { _ in (shortString(), int(-1000...1000)) }, uniquingKeysWith: { a, _ in a }),
            blob: bytes(length(fixLimit: 8)), when: chance(0.5) ? timestamp() : nil, choice: choice(),
            children: depth > 0 && chance(0.3) ? (0..<int(1...2)).map { _ in record(depth: depth - 1) } : [])
    }

    mutating func typedRecord(depth: Int = 2) -> TypedRecord {
        TypedRecord(
            id: integer().int64Value ?? 0, name: string(), ratios: (0..<int(0...3)).map { _ in float64() },
            note: chance(0.5) ? string() : nil, flag: chance(0.5),
            children: depth > 0 && chance(0.3) ? (0..<int(1...2)).map { _ in typedRecord(depth: depth - 1) } : [])
    }
}

/// A model with a hand-written typed conformance (the fast path of README "Speed").
struct TypedRecord: MessagePackCodable, Equatable {
    var id: Int64
    var name: String
    var ratios: [Double]
    var note: String?
    var flag: Bool
    var children: [TypedRecord]

    static func == (l: TypedRecord, r: TypedRecord) -> Bool {
        l.id == r.id && l.name.unicodeScalars.elementsEqual(r.name.unicodeScalars)
            && l.ratios.map(\.bitPattern) == r.ratios.map(\.bitPattern) && l.note == r.note && l.flag == r.flag
            && l.children == r.children
    }

    init(id: Int64, name: String, ratios: [Double], note: String?, flag: Bool, children: [TypedRecord]) {
        self.id = id
        self.name = name
        self.ratios = ratios
        self.note = note
        self.flag = flag
        self.children = children
    }

    func encode(to writer: inout MessagePackWriter) {
        writer.writeMapHeader(count: note == nil ? 5 : 6)
        writer.encode(id, key: "id")
        writer.encode(name, key: "name")
        writer.encode(ratios, key: "ratios")
        if let note {
            writer.encode(note, key: "note")
        }
        writer.encode(flag, key: "flag")
        writer.encode(children, key: "children")
    }

    init(from reader: inout MessagePackReader) throws(MessagePackError) {
        var id: Int64?, name: String?, ratios: [Double]?, note: String?, flag: Bool?, children: [TypedRecord]?
        for _ in 0..<(try reader.readMapHeader()) {
            switch try reader.readKey() {
            case "id": id = try reader.decode(Int64.self, key: "id")
            case "name": name = try reader.decode(String.self, key: "name")
            case "ratios": ratios = try reader.decode([Double].self, key: "ratios")
            case "note": note = try reader.decode(String?.self, key: "note")
            case "flag": flag = try reader.decode(Bool.self, key: "flag")
            case "children": children = try reader.decode([TypedRecord].self, key: "children")
            default: try reader.skipValue()
            }
        }
        self.id = try reader.required(id, "id", in: "TypedRecord")
        self.name = try reader.required(name, "name", in: "TypedRecord")
        self.ratios = try reader.required(ratios, "ratios", in: "TypedRecord")
        self.note = note
        self.flag = try reader.required(flag, "flag", in: "TypedRecord")
        self.children = try reader.required(children, "children", in: "TypedRecord")
    }
}

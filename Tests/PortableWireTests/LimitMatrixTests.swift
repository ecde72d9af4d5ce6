// SPDX-License-Identifier: Apache-2.0
import PortableWire
import Testing
import TestSupport

// Every limit of `MessagePackLimits`, on every decode path of the library, at its value and one past it
// (issue 7, item 1). A case builds an input whose measured quantity is `q` (nesting, count, bytes…); with the
// limit set to `q` it must decode, with the limit set to `q - 1` it must fail with `limitExceeded` naming the
// limit. The NIO, Hummingbird and CLI paths have their own tests in their targets (LimitPathTests).

/// One way of decoding a whole message under some limits.
struct DecodePath: CustomStringConvertible, Sendable {
    let description: String
    /// Whether the path checks the size of the whole message (skipping one value inside a buffer does not).
    var checksMessageSize = true
    let run: @Sendable ([UInt8], PortableLimits) throws -> Void

    init(_ name: String, checksMessageSize: Bool = true, _ run: @escaping @Sendable ([UInt8], PortableLimits) throws -> Void) {
        self.description = name
        self.checksMessageSize = checksMessageSize
        self.run = run
    }
}

/// An input and the limit it sits exactly at.
struct LimitCase: CustomStringConvertible, Sendable {
    let description: String
    let limitName: String
    /// The quantity the input measures: the limit value at which it must just pass.
    let quantity: Int
    let bytes: [UInt8]
}

/// Decodes any plain value through Codable's containers (so their own checks run, not only the dynamic reader).
struct AnyTree: Decodable {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(stringValue: String) { self.stringValue = stringValue }
        init(intValue: Int) { self.stringValue = "\(intValue)"; self.intValue = intValue }
    }

    init(from decoder: any Decoder) throws {
        do {
            var array = try decoder.unkeyedContainer()
            while !array.isAtEnd { _ = try array.decode(AnyTree.self) }
            return
        } catch let error as MessagePackError where error.code == .typeMismatch {}
        do {
            let map = try decoder.container(keyedBy: Key.self)
            for key in map.allKeys { _ = try map.decode(AnyTree.self, forKey: key) }
            return
        } catch let error as MessagePackError where error.code == .typeMismatch {}
        _ = try decoder.singleValueContainer().decode(MessagePackValue.self)
    }
}

/// Decodes any plain value through the typed fast path, nested values through `reader.decode`.
struct TypedTree: MessagePackDecodable {
    init(from reader: inout MessagePackReader) throws(MessagePackError) {
        switch try reader.peekFormatByte() {
        case 0x90...0x9f, 0xdc, 0xdd:
            _ = try reader.decodeArray(of: TypedTree.self)
        case 0x80...0x8f, 0xde, 0xdf:
            for _ in 0..<(try reader.readMapHeader()) {
                _ = try reader.decode(TypedTree.self)
                _ = try reader.decode(TypedTree.self)
            }
        case 0xa0...0xbf, 0xd9...0xdb: _ = try reader.readString()
        case 0xc4...0xc6: _ = try reader.readBinary()
        default: try reader.skipValue()
        }
    }
}

/// A value-type portable object: back-references to it decode into copies (the expansion budget).
struct Stamp: Portable, Codable, Equatable {
    static let portableName = "s"
    var s: String
}

enum LimitFixtures {
    static let registry: TypeRegistry = {
        var registry = TypeRegistry()
        try! registry.registerGeneric("t")
        for c in "abcdefgh" { try! registry.registerGeneric(String(c)) }
        try! registry.register(Stamp.self)
        return registry
    }()

    static func portable(_ limits: PortableLimits) -> PortableDecoder {
        var decoder = PortableDecoder(registry: registry)
        decoder.limits = limits
        return decoder
    }

    static func drain(_ stream: inout MessagePackStreamDecoder) throws {
        while try stream.next() != nil {}
    }

    /// Paths that decode plain MessagePack.
    static let plainPaths: [DecodePath] = [
        DecodePath("MessagePackValue(decoding:)") { bytes, limits in _ = try MessagePackValue(decoding: bytes, limits: limits.plain) },
        DecodePath("reader.skipValue(limits:)", checksMessageSize: false) { bytes, limits in
            try bytes.withUnsafeBytes { raw in
                var reader = MessagePackReader(raw)
                try reader.skipValue(limits: limits.plain)
            }
        },
        DecodePath("MessagePackReader(limits:).skipValue()", checksMessageSize: false) { bytes, limits in
            try bytes.withUnsafeBytes { raw in
                var reader = MessagePackReader(raw, limits: limits.plain)
                try reader.skipValue()
            }
        },
        DecodePath("MessagePackDecoder (Codable)") { bytes, limits in
            var decoder = MessagePackDecoder()
            decoder.limits = limits.plain
            _ = try decoder.decode(AnyTree.self, from: bytes)
        },
        DecodePath("MessagePackDecodable (typed)") { bytes, limits in _ = try TypedTree(messagePack: bytes, limits: limits.plain) },
        DecodePath("MessagePackStreamDecoder, whole") { bytes, limits in
            var stream = MessagePackStreamDecoder(limits: limits.plain)
            stream.feed(bytes)
            try drain(&stream)
            try stream.finish()
        },
        DecodePath("MessagePackStreamDecoder, byte by byte") { bytes, limits in
            var stream = MessagePackStreamDecoder(limits: limits.plain)
            for byte in bytes {
                stream.feed([byte])
                try drain(&stream)
            }
            try stream.finish()
        },
        DecodePath("MessagePackStreamDecoder, typed") { bytes, limits in
            var stream = MessagePackStreamDecoder(limits: limits.plain)
            stream.feed(bytes)
            while try stream.next(AnyTree.self) != nil {}
            try stream.finish()
        },
        DecodePath("PortableDecoder, Codable") { bytes, limits in _ = try portable(limits).decode(AnyTree.self, from: bytes) },
    ] + portablePaths

    /// Paths that decode portable messages (they decode plain MessagePack too).
    static let portablePaths: [DecodePath] = [
        DecodePath("PortableDecoder, dynamic") { bytes, limits in _ = try portable(limits).decode(from: bytes) },
        DecodePath("PortableDecoder, message") { bytes, limits in _ = try portable(limits).decodeMessage(from: bytes) },
        DecodePath("PortableStreamDecoder, byte by byte") { bytes, limits in
            var stream = PortableStreamDecoder(registry: registry, limits: limits)
            for byte in bytes {
                stream.feed([byte])
                while try stream.nextValue() != nil {}
            }
            try stream.finish()
        },
    ]

    // MARK: Inputs

    static func nestedArrays(_ depth: Int) -> [UInt8] { Array(repeating: 0x91, count: depth - 1) + [0x90] }
    static func nestedMaps(_ depth: Int) -> [UInt8] {
        Array(([0x81, 0xa1, 0x6b] as [UInt8]).repeated(depth - 1).joined()) + [0x80]
    }

    /// A portable object of opaque type "t" (or `name`) with `data`, written with an ext8 header.
    static func object(_ data: [UInt8], typeRef: [UInt8] = [0xa1, 0x74]) -> [UInt8] {
        let payload = typeRef + data
        return [0xc7, UInt8(payload.count), 0x50] + payload
    }

    static func nestedObjects(_ depth: Int) -> [UInt8] {
        var inner: [UInt8] = [0xc0]
        for level in (0..<depth).reversed() { inner = object(inner, typeRef: level == 0 ? [0xa1, 0x74] : [0x00]) }
        return inner
    }

    static func arrayHeader(_ n: Int) -> [UInt8] { n < 16 ? [0x90 | UInt8(n)] : [0xdc, UInt8(n >> 8), UInt8(n & 0xff)] }

    static let plainCases: [LimitCase] = [
        LimitCase(description: "5 nested arrays", limitName: "maxDepth", quantity: 5, bytes: nestedArrays(5)),
        LimitCase(description: "5 nested maps", limitName: "maxDepth", quantity: 5, bytes: nestedMaps(5)),
        LimitCase(
            description: "4 nested arrays in a map", limitName: "maxDepth", quantity: 4,
            bytes: [0x81, 0xa1, 0x6b] + nestedArrays(3)),
        LimitCase(
            description: "array of 5 nils", limitName: "maxElementCount", quantity: 5,
            bytes: [0x95] + Array(repeating: 0xc0, count: 5)),
        LimitCase(
            description: "array16 of 20 nils inside an array", limitName: "maxElementCount",
            quantity: 20, bytes: [0x91, 0xdc, 0x00, 0x14] + Array(repeating: 0xc0, count: 20)),
        LimitCase(
            description: "map of 4 entries", limitName: "maxElementCount", quantity: 4,
            bytes: [0x84, 0xa1, 0x61, 0x01, 0xa1, 0x62, 0x02, 0xa1, 0x63, 0x03, 0xa1, 0x64, 0x04]),
        LimitCase(
            description: "fixstr of 5 bytes", limitName: "maxPayloadByteCount", quantity: 5,
            bytes: [0xa5] + Array("hello".utf8)),
        LimitCase(
            description: "str8 of 40 bytes in an array", limitName: "maxPayloadByteCount",
            quantity: 40, bytes: [0x91, 0xd9, 40] + Array(repeating: 0x61, count: 40)),
        LimitCase(
            description: "bin8 of 6 bytes", limitName: "maxPayloadByteCount", quantity: 6,
            bytes: [0xc4, 6, 1, 2, 3, 4, 5, 6]),
        LimitCase(
            description: "ext8 of 7 bytes as a map value", limitName: "maxPayloadByteCount",
            quantity: 7, bytes: [0x81, 0xa1, 0x6b, 0xc7, 7, 0x05, 1, 2, 3, 4, 5, 6, 7]),
        LimitCase(
            description: "fixext4", limitName: "maxPayloadByteCount", quantity: 4,
            bytes: [0xd6, 0x05, 1, 2, 3, 4]),
        LimitCase(
            description: "a 9-byte message", limitName: "maxMessageByteCount", quantity: 9,
            bytes: [0x98] + Array(repeating: 0xc0, count: 8)),
    ]

    static let portableCases: [LimitCase] = [
        LimitCase(
            description: "4 nested portable objects", limitName: "maxDepth", quantity: 4,
            bytes: nestedObjects(4)),
        LimitCase(
            description: "an array holding 2 nested objects holding an array", limitName: "maxDepth",
            quantity: 4, bytes: [0x91] + object(object([0x90], typeRef: [0x00]))),
        LimitCase(
            description: "a global-data envelope around 2 nested arrays", limitName: "maxDepth",
            quantity: 3, bytes: [0xc7, 0x03, 0x47, 0x80, 0x91, 0x90]),
        LimitCase(
            description: "a portable payload of 3 bytes", limitName: "maxPayloadByteCount",
            quantity: 3, bytes: object([0xc0])),
        LimitCase(
            description: "an array of 5 elements inside a portable payload", 
            limitName: "maxElementCount", quantity: 5, bytes: object([0x95] + Array(repeating: 0xc0, count: 5))),
        LimitCase(
            description: "3 objects", limitName: "maxObjectCount", quantity: 3,
            bytes: [0x93] + object([0xc0]) + object([0xc0], typeRef: [0x00]) + object([0xc0], typeRef: [0x00])),
        LimitCase(
            description: "an object inside an object", limitName: "maxObjectCount", quantity: 2,
            bytes: object(object([0xc0], typeRef: [0x00]))),
        LimitCase(
            description: "3 back-references", limitName: "maxReferenceCount", quantity: 3,
            bytes: [0x94] + object([0xc0]) + Array(([0xd4, 0x52, 0x00] as [UInt8]).repeated(3).joined())),
        LimitCase(
            description: "4 type names", limitName: "maxTypeNameCount", quantity: 4,
            bytes: [0x94] + Array("abcd".utf8.map { object([0xc0], typeRef: [0xa1, $0]) }.joined())),
        LimitCase(
            description: "3 global-data entries", limitName: "maxGlobalDataCount", quantity: 3,
            bytes: [0xc7, 0x0b, 0x47, 0x83, 0xa1, 0x61, 0x01, 0xa1, 0x62, 0x02, 0xa1, 0x63, 0x03, 0xc0]),
        // Stamp(s: "ab") is `d7 50` + "s" + {"s": "ab"}: 10 bytes; each reference to it decodes into a copy.
        LimitCase(
            description: "3 references to a value-type object of 10 bytes", limitName: "maxExpansion",
            quantity: 30,
            bytes: [0x94, 0xd7, 0x50, 0xa1, 0x73, 0x81, 0xa1, 0x73, 0xa2, 0x61, 0x62]
                + Array(([0xd4, 0x52, 0x00] as [UInt8]).repeated(3).joined())),
    ]

    static var plainMatrix: [(LimitCase, DecodePath)] {
        plainCases.flatMap { c in plainPaths.filter { $0.checksMessageSize || c.limitName != "maxMessageByteCount" }.map { (c, $0) } }
    }
    static var portableMatrix: [(LimitCase, DecodePath)] {
        portableCases.flatMap { c in portablePaths.map { (c, $0) } }
    }
}

extension Array {
    fileprivate func repeated(_ n: Int) -> [[Element]] { Array<[Element]>(repeating: self, count: n) }
}

@Suite struct LimitMatrixTests {
    func check(_ limitCase: LimitCase, on path: DecodePath) {
        let at = PortableLimits.defaults(setting: limitCase.limitName, to: limitCase.quantity)
        #expect(throws: Never.self, "\(limitCase) must decode through \(path) with \(limitCase.limitName) = \(limitCase.quantity)") {
            try path.run(limitCase.bytes, at)
        }
        let below = PortableLimits.defaults(setting: limitCase.limitName, to: limitCase.quantity - 1)
        do {
            try path.run(limitCase.bytes, below)
            Issue.record("\(limitCase) decoded through \(path) with \(limitCase.limitName) = \(limitCase.quantity - 1)")
        } catch {
            // Every entry point throws MessagePackError and only it (README, "Errors").
            guard let error = error as? MessagePackError else {
                Issue.record("\(limitCase) through \(path) threw a foreign error: \(error)")
                return
            }
            #expect(error.code == .limitExceeded, "\(limitCase) through \(path): \(error)")
            #expect(error.detail.contains(limitCase.limitName), "\(limitCase) through \(path) must name the limit: \(error)")
        }
    }

    @Test(arguments: LimitFixtures.plainMatrix)
    func plainLimitsHoldOnEveryPath(_ limitCase: LimitCase, _ path: DecodePath) { check(limitCase, on: path) }

    @Test(arguments: LimitFixtures.portableMatrix)
    func portableLimitsHoldOnEveryPortablePath(_ limitCase: LimitCase, _ path: DecodePath) { check(limitCase, on: path) }

    @Test func everyLimitHasACase() {
        let named = Set((LimitFixtures.plainCases + LimitFixtures.portableCases).map(\.limitName))
        #expect(named == Set(everyLimit.map(\.name)))
    }

    /// The defaults are the ones Spec/format.md's limits table gives, row by row, and the table has no row
    /// that `PortableLimits` (with its plain `MessagePackLimits`) lacks.
    @Test func defaultsAreTheSpecsValues() throws {
        let spec = try specLimitDefaults()
        #expect(spec.count == everyLimit.count, "\(spec)")
        for limit in everyLimit {
            #expect(PortableLimits.default[keyPath: limit.keyPath] == spec[limit.specName], "\(limit.name)")
        }
        #expect(spec["maxDepth"] == 512)  // the parse itself, checked on one row
        #expect(MessagePackLimits() == .default)
        #expect(PortableLimits() == .default && PortableLimits().plain == .default)
    }
}

// SPDX-License-Identifier: Apache-2.0
import MessagePack
import TestSupport
import Testing

/// A record with a hand-written typed conformance (it skips keys it does not know) and Codable's synthesized one.
struct OnePassPair: Codable, Equatable {
    var a: Int
    var b: [String]
}

extension OnePassPair: MessagePackCodable {
    func encode(to writer: inout MessagePackWriter) {
        writer.writeMapHeader(count: 2)
        writer.encode(a, key: "a")
        writer.encode(b, key: "b")
    }

    init(from reader: inout MessagePackReader) throws(MessagePackError) {
        var fields: (a: Int?, b: [String]?) = (nil, nil)
        let count = try reader.readMapHeader()
        for _ in 0..<count {
            let key = try reader.readKey()
            if key.matches("a") {
                fields.a = try reader.decode(Int.self, key: "a")
            } else if key.matches("b") {
                fields.b = try reader.decode([String].self, key: "b")
            } else {
                try reader.skipValue()  // keys it does not know
            }
        }
        a = try reader.required(fields.a, "a", in: "OnePassPair")
        b = try reader.required(fields.b, "b", in: "OnePassPair")
    }
}

/// The same fields with only Codable, so `next(_:)` takes the Codable route.
struct CodableOnlyPair: Codable, Equatable {
    var a: Int
    var b: [String]
}

/// The stream decoder decodes a message that arrived whole in one pass, and frames the others with the scanner
/// first. Which route a message takes depends on where the stream was cut, so both must give the same messages
/// and the same errors for every input: these streams end in a message each route could judge differently.
@Suite struct OnePassStreamTests {
    /// A message `{"a": n, "b": [...], <extra>}` with the extra entry written by `extra` (its key first), the
    /// known keys in either order.
    static func pair(_ n: Int, extraKey: String? = nil, shuffled: Bool = false, _ extra: (inout MessagePackWriter) -> Void = { _ in })
        -> [UInt8]
    {
        var writer = MessagePackWriter()
        writer.writeMapHeader(count: extraKey == nil ? 2 : 3)
        if let extraKey {
            writer.write(extraKey)
            extra(&writer)
        }
        let fields: [(String, (inout MessagePackWriter) -> Void)] = [
            ("a", { $0.write(n) }), ("b", { $0.write(MessagePackValue.array((0..<n % 4).map { .string("s\($0)") })) }),
        ]
        for (key, write) in shuffled ? fields.reversed() : fields {
            writer.write(key)
            write(&writer)
        }
        return writer.finish()
    }

    static var limits: MessagePackLimits {
        var limits = MessagePackLimits()
        limits.maxDepth = 8
        limits.maxElementCount = 100
        limits.maxMessageByteCount = 400
        return limits
    }

    /// Good messages (unknown keys, both key orders), then one that may be at fault.
    static let endings: [(String, [UInt8])] = [
        ("nothing", []),
        ("a good message", pair(7, extraKey: "note", { $0.write("kept going") })),
        ("a cut message", Array(pair(5).dropLast(2))),
        ("0xc1 in an unknown field", pair(1, extraKey: "x", { $0.writeRawBytes([0x91, 0xc1]) })),
        ("nesting past maxDepth in an unknown field", pair(1, extraKey: "x", { writer in
            for _ in 0..<9 { writer.writeArrayHeader(count: 1) }
            writer.writeNil()
        })),
        ("nesting at maxDepth in an unknown field", pair(1, extraKey: "x", { writer in
            for _ in 0..<7 { writer.writeArrayHeader(count: 1) }
            writer.writeNil()
        })),
        ("an array past maxElementCount", pair(1, extraKey: "x", { writer in
            writer.writeArrayHeader(count: 101)
            for _ in 0..<101 { writer.writeNil() }
        })),
        ("a message past maxMessageByteCount", pair(1, extraKey: "x", { $0.write(String(repeating: "y", count: 400)) })),
        ("a message of maxMessageByteCount", {
            let short = pair(1, extraKey: "x", { $0.write("") })
            return pair(1, extraKey: "x", { $0.write(String(repeating: "y", count: 400 - short.count)) })
        }()),
        ("a field of the wrong kind", pair(2, extraKey: "a", { $0.write("two") })),
        ("invalid UTF-8 in a field", {
            var writer = MessagePackWriter()
            writer.writeMapHeader(count: 2)
            writer.write("a")
            writer.write(1)
            writer.write("b")
            writer.writeArrayHeader(count: 1)
            writer.writeRawBytes([0xa2, 0xff, 0xfe])
            return writer.finish()
        }()),
        // The next message's bytes become its third key (a map), and the stream ends where its value should be.
        ("a map with more entries declared than written", [0x83] + Array(pair(3).dropFirst()) + pair(4)),
    ]

    static var good: [[UInt8]] { (0..<40).map { pair($0, extraKey: $0 % 3 == 0 ? "extra" : nil, shuffled: $0 % 2 == 1, { $0.write([1, [2, "x"]] as MessagePackValue) }) } }

    struct Outcome: Equatable, CustomStringConvertible {
        var messages: [String]
        var error: String?
        var description: String { "\(messages.count) messages, then \(error ?? "no error")" }
    }

    /// Decodes `chunks` with `next` after each feed and `finish` at the end.
    static func run(_ chunks: [[UInt8]], _ take: (inout MessagePackStreamDecoder) throws -> String?) -> (Outcome, onePass: Int) {
        var decoder = MessagePackStreamDecoder(limits: limits)
        var messages: [String] = []
        do {
            for chunk in chunks {
                decoder.feed(chunk)
                while let message = try take(&decoder) { messages.append(message) }
            }
            try decoder.finish()
            return (Outcome(messages: messages, error: nil), decoder._onePassMessageCount)
        } catch let error as MessagePackError {
            return (Outcome(messages: messages, error: "\(error.code) at \(error.byteOffset)"), decoder._onePassMessageCount)
        } catch {
            return (Outcome(messages: messages, error: "not a MessagePackError: \(error)"), decoder._onePassMessageCount)
        }
    }

    static let routes: [(String, @Sendable (inout MessagePackStreamDecoder) throws -> String?)] = [
        ("dynamic", { try $0.next().map { "\($0)" } }),
        ("typed", { try $0.next(OnePassPair.self).map { "\($0.a) \($0.b)" } }),
        ("Codable", { try $0.next(CodableOnlyPair.self).map { "\($0.a) \($0.b)" } }),
    ]

    @Test(arguments: 0..<endings.count)
    func everyRouteGivesTheSameOutcomeForEveryChunking(_ ending: Int) {
        let (name, last) = Self.endings[ending]
        let good = Self.good
        let bytes = good.flatMap { $0 } + last
        for (route, take) in Self.routes {
            let (whole, onePass) = Self.run([bytes], take)
            // Fed whole, every good message before the last takes the one-pass route.
            #expect(onePass >= good.count, "\(route), \(name): \(onePass) messages in one pass")
            for chunks in [bytes.map { [$0] }, randomChunks(of: bytes, cuts: 150, seed: UInt64(ending)), [Array(bytes.prefix(bytes.count / 2)), Array(bytes.dropFirst(bytes.count / 2))]] {
                let (cut, _) = Self.run(chunks, take)
                #expect(cut == whole, "\(route), \(name), \(chunks.count) chunks: \(cut) against \(whole) fed whole")
            }
            // Byte by byte nothing arrives whole (every message is longer than a byte): all framed by the scanner.
            #expect(Self.run(bytes.map { [$0] }, take).onePass == 0)
        }
    }

    @Test func theRoutesAgreeWithOneShotDecoding() throws {
        // What each message decodes to in one piece, the reference for the stream.
        for message in Self.good {
            let expected = try OnePassPair(messagePack: message)
            var stream = MessagePackStreamDecoder()
            stream.feed(message + message)
            #expect(try stream.next(OnePassPair.self) == expected)
            #expect(try stream.next(CodableOnlyPair.self) == CodableOnlyPair(a: expected.a, b: expected.b))
            #expect(try stream.next() == nil)
            #expect(stream._onePassMessageCount == 2)
            #expect(stream.scannedByteCount == 2 * message.count)
        }
    }
}

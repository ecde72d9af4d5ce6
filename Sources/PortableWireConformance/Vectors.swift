// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWire

/// One case of a vector file (Spec/conformance.md, "Vector files").
public struct VectorCase: Sendable, CustomStringConvertible {
    /// What a case asks of an implementation (Spec/conformance.md section 3).
    public enum Kind: String, Sendable {
        /// Decode `bytes` as one message; valid cases also encode `value` when `canonical`.
        case decode
        /// Encode `encodeValue` (and `encodeGlobalData`); the encoder must fail with `error`.
        case encode
        /// Feed `chunks` to a stream decoder; expect `messages`, then a clean end or `error`.
        case stream
    }

    public var id: String
    public var description: String
    public var suite: String
    public var kind: Kind
    public var bytes: [UInt8]
    /// The expected body, for valid decode cases.
    public var value: JSON?
    /// The expected global data, for valid portable cases.
    public var globalData: JSON?
    public var canonical: Bool
    /// The expected error code: of decoding (invalid decode cases), encoding (encode cases), or the stream's end.
    public var error: String?
    public var passthrough: Bool
    public var registered: [String]
    public var twoPhase: [String]
    /// Limits other than the defaults, by their Spec names (Spec/format.md section 7).
    public var limits: [String: Int]
    /// Encode cases: the notation to encode, as written (it may break the notation's rules on purpose).
    public var encodeValue: JSON?
    public var encodeGlobalData: JSON?
    /// Stream cases: the pieces the stream arrives in, and the messages it holds before its end.
    public var chunks: [[UInt8]]
    public var messages: [JSON]

    public var isValid: Bool { error == nil }
}

/// Loads the vector files under a Spec folder.
public enum Vectors {
    /// The Spec folder of this checkout, found from this source file's location.
    public static var defaultSpecDirectory: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Spec").path
    }

    /// Every case of every `*.json` under `spec/vectors`, sorted by file then position.
    public static func load(specDirectory: String = defaultSpecDirectory) throws -> [VectorCase] {
        let root = URL(fileURLWithPath: specDirectory).appendingPathComponent("vectors")
        guard let enumerator = FileManager.default.enumerator(atPath: root.path) else {
            throw Notation.Error("no vectors folder at \(root.path)")
        }
        let files = enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".json") }.sorted()
        guard !files.isEmpty else { throw Notation.Error("no vector files under \(root.path)") }
        var cases: [VectorCase] = []
        for file in files {
            cases += try loadFile(root.appendingPathComponent(file).path)
        }
        return cases
    }

    /// The cases of one vector file.
    public static func loadFile(_ path: String) throws -> [VectorCase] {
        guard let data = FileManager.default.contents(atPath: path) else { throw Notation.Error("cannot read \(path)") }
        let doc = try JSON(parsing: [UInt8](data))
        let suite = doc["suite"]?.stringValue ?? path
        let registered = doc["registered"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let twoPhase = doc["twoPhase"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard let list = doc["cases"]?.arrayValue else { throw Notation.Error("\(path) has no cases") }
        return try list.map { c in
            guard let id = c["id"]?.stringValue else { throw Notation.Error("a case in \(path) has no id") }
            var limits: [String: Int] = [:]
            if case .object(let fields)? = c["limits"] {
                for (name, value) in fields {
                    guard let n = Notation.integerLiteral(value), n >= 0 else {
                        throw Notation.Error("case \(id): limit \(name) is not an integer >= 0")
                    }
                    limits[name] = n
                }
            }
            var kind = VectorCase.Kind.decode
            var bytes: [UInt8] = []
            var chunks: [[UInt8]] = []
            if let hex = c["hex"]?.stringValue {
                bytes = try Notation.bytes(fromHex: hex)
            } else if let r = c["hexRepeat"] {
                let unit = try Notation.bytes(fromHex: r["repeat"]?.stringValue ?? "")
                let count = r["count"]?.intValue ?? 0
                bytes =
                    try Notation.bytes(fromHex: r["prefix"]?.stringValue ?? "")
                    + Array([[UInt8]](repeating: unit, count: count).joined())
                    + Notation.bytes(fromHex: r["suffix"]?.stringValue ?? "")
            } else if let list = c["chunks"]?.arrayValue {
                kind = .stream
                chunks = try list.map { try Notation.bytes(fromHex: $0.stringValue ?? "?") }
                bytes = Array(chunks.joined())
            } else if c["encode"] != nil {
                kind = .encode
            } else {
                throw Notation.Error("case \(id) has none of hex, hexRepeat, chunks and encode")
            }
            return VectorCase(
                id: id, description: c["description"]?.stringValue ?? "", suite: suite, kind: kind, bytes: bytes,
                value: c["value"], globalData: c["globalData"], canonical: c["canonical"]?.boolValue ?? false,
                error: c["error"]?.stringValue, passthrough: c["passthrough"]?.boolValue ?? false,
                registered: registered, twoPhase: twoPhase, limits: limits, encodeValue: c["encode"]?["value"],
                encodeGlobalData: c["encode"]?["globalData"], chunks: chunks, messages: c["messages"]?.arrayValue ?? [])
        }
    }

    /// The ids listed in `expected-failures/<implementation>.txt`, with their reasons.
    public static func expectedFailures(implementation: String, specDirectory: String = defaultSpecDirectory)
        -> [String: String]
    {
        let path = URL(fileURLWithPath: specDirectory).appendingPathComponent("expected-failures/\(implementation).txt").path
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        var out: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            let parts = trimmed.split(separator: " ", maxSplits: 1)
            out[String(parts[0])] = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        }
        return out
    }
}

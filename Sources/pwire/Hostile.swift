// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWire
import PortableWireConformance

/// A value-type portable object holding others: the building block of a reference bomb whose
/// back-references decode into copies.
struct BombPair: Portable, Codable {
    static let portableName = "bomb.Pair"
    var children: [BombPair]
}

/// The hostile inputs of Tests/Fuzz/FUZZING.md ("Hostile inputs"), each built here and decoded with the
/// default limits, so their time and peak memory can be measured one process per input.
struct Hostile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode one hostile input with the default limits and print what happened and how long it took.",
        discussion: """
            Cases: \(HostileInput.allCases.map(\.rawValue).joined(separator: ", ")). Run each in its own process \
            under `/usr/bin/time -f %M` to read its peak memory; `none` builds nothing and gives the baseline.
            """)

    @Argument(help: "The input to decode.")
    var input: HostileInput

    func run() throws {
        let bytes = input.bytes()
        let clock = ContinuousClock()
        let start = clock.now
        let outcome: String
        do {
            outcome = try input.decode(bytes)
        } catch {
            outcome = "\(error)"
        }
        let elapsed = clock.now - start
        print("\(input.rawValue): \(bytes.count) bytes, \(elapsed), \(Self.memoryPeaks()) — \(outcome)")
    }

    /// The process's peak resident and peak virtual memory, from /proc/self/status (Linux).
    static func memoryPeaks() -> String {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return "memory unknown" }
        func field(_ name: String) -> String {
            status.split(separator: "\n").first { $0.hasPrefix(name) }.map {
                $0.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
            } ?? "?"
        }
        return "peak RSS \(field("VmHWM:")), peak virtual \(field("VmPeak:"))"
    }
}

enum HostileInput: String, CaseIterable, ExpressibleByArgument {
    case none
    /// array32 declaring 4,294,967,295 elements, nothing after it.
    case array32 = "dd-ff-ff-ff-ff"
    /// map32 declaring 4,294,967,295 entries, nothing after it.
    case map32 = "df-ff-ff-ff-ff"
    /// 100 nested array32 headers, each declaring as many elements as bytes remain after it, then one bin32
    /// filling the rest of 16 MiB: each count passes its own check, so only the owed-bytes rule (Spec/format.md
    /// 6.3) keeps the decoder from reserving the input's size a hundred times over.
    case nestedHeaders = "nested-5-byte-headers"
    /// 10,000 nested fixarrays.
    case deep = "deep-10000"
    /// 40 objects, each holding two back-references to the one before: 2^40 if expanded. Opaque objects
    /// (classes): decodes, linear.
    case identityBomb = "bomb-2^40-identity"
    /// The same shape with a registered struct: back-references are copies, charged to maxExpansion.
    case valueBomb = "bomb-2^40-value"
    /// A map of 1,000,000 distinct str keys, decoded as `[String: Int]` (a `Dictionary` looks up every key; a
    /// linear search per key would make this hours of CPU).
    case wideMap = "wide-map-1m"
    /// A map of 1,000,000 entries that all have the key "a", decoded as `[String: Int]`.
    case wideMapOneKey = "wide-map-1m-one-key"

    func bytes() -> [UInt8] {
        switch self {
        case .none: return [0xc0]
        case .array32: return [0xdd, 0xff, 0xff, 0xff, 0xff]
        case .map32: return [0xdf, 0xff, 0xff, 0xff, 0xff]
        case .nestedHeaders: return HostileInputs.nestedArray32Headers(total: 16 << 20)
        case .deep: return [UInt8](repeating: 0x91, count: 9_999) + [0x90]
        case .wideMap, .wideMapOneKey:
            var writer = MessagePackWriter()
            writer.writeMapHeader(count: 1_000_000)
            for i in 0..<1_000_000 {
                writer.write(self == .wideMap ? "k\(i)" : "a")
                writer.write(i)
            }
            return writer.finish()
        case .identityBomb, .valueBomb:
            // [obj0, obj1, …, obj40]: obj0 = {children: []}; objk = {children: [R(k-1), R(k-1)]}.
            let name = self == .identityBomb ? "bomb.Opaque" : BombPair.portableName
            var bytes: [UInt8] = [0xdc, 0x00, 41]
            for k in 0...40 {
                var payload: [UInt8] = k == 0 ? [0xa0 | UInt8(name.utf8.count)] + Array(name.utf8) : [0x00]
                payload += [0x81, 0xa8] + Array("children".utf8)
                payload += k == 0 ? [0x90] : [0x92, 0xd4, 0x52, UInt8(k - 1), 0xd4, 0x52, UInt8(k - 1)]
                bytes += [0xc7, UInt8(payload.count), 0x50] + payload
            }
            return bytes
        }
    }

    /// Decodes with the default limits; returns a summary or throws the decoder's error.
    func decode(_ bytes: [UInt8]) throws -> String {
        if self == .wideMap || self == .wideMapOneKey {
            let dictionary = try MessagePackDecoder().decode([String: Int].self, from: bytes)
            return "decoded; \(dictionary.count) distinct keys"
        }
        var registry = TypeRegistry()
        try registry.registerGeneric("bomb.Opaque")
        try registry.register(BombPair.self)
        let value = try PortableDecoder(registry: registry).decode(from: bytes)
        // Walk it the way a service would: describe it and send it on.
        let description = value.description
        let reencoded = try PortableEncoder(registry: registry).encode(value)
        return "decoded; description \(description.utf8.count) bytes, re-encoded \(reencoded.count) bytes"
    }
}

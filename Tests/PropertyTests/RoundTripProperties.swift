// SPDX-License-Identifier: Apache-2.0
import PortableWire
import PropertyBased
import Testing

/// Issue 7, item 4, property 1: random value trees round-trip, canonically; portable objects keep their
/// types, shared instances stay shared and distinct ones distinct, global data arrives.
@Suite struct RoundTripProperties {
    /// Plain trees: every coder writes the same canonical bytes (Spec/format.md section 5), and every decoder
    /// gives back an equal value (section 3: floats by bit pattern, maps in order, duplicate keys kept).
    @Test func plainValueTreesRoundTripCanonically() async {
        // One run in 16 also has payloads and strs of 64 KiB and more (the 32-bit length forms).
        await propertyCheck(count: 400, input: Scenarios.plain(allowsLarge: { $0 % 16 == 0 })) { scenario in
            let value = scenario.value
            let bytes = value.encoded()
            #expect(CanonicalChecker.violation(in: bytes) == nil, "not canonical: \(hexDump(bytes))")

            let decoded = try MessagePackValue(decoding: bytes)
            #expect(decoded == value)
            #expect(decoded.encoded() == bytes, "re-encoding the decoded value changed the bytes")

            // The other routes agree byte for byte and value for value.
            #expect(try MessagePackEncoder().encode(value) == bytes)
            #expect(try MessagePackDecoder().decode(MessagePackValue.self, from: bytes) == value)
            #expect(try MessagePackValue(messagePack: bytes) == value)

            // The portable layer writes plain values exactly as the plain layer does; a plain ext value of a
            // portable ext type cannot be sent through it (Spec/format.md section 8).
            let portable = PortableValue(value)
            if portable.containsExtension(ofType: portableExtTypes) {
                let error = #expect(throws: MessagePackError.self) { try PortableEncoder(registry: sampleRegistry).encode(portable) }
                #expect(error?.code == .cannotSerialize)
            } else {
                #expect(try PortableEncoder(registry: sampleRegistry).encode(portable) == bytes)
                #expect(try PortableDecoder(registry: sampleRegistry).decode(from: bytes).plainValue == value)
            }
        }
    }

    /// Random graphs of sample objects (Codable struct and class, a custom serializer using global data, a
    /// two-phase class in cycles) inside random trees: the decoded graph has the same shape, the same
    /// values and the same sharing; the bytes are canonical; decoding and re-encoding gives the same bytes;
    /// a relay that knows none of the types passes the message through byte-identical.
    @Test func portableGraphsRoundTripWithIdentity() async {
        await propertyCheck(count: 300, input: Scenarios.portable) { seed in
            let scenario = seed.make()
            defer { scenario.tearDown() }
            let encoder = PortableEncoder(registry: sampleRegistry)
            let bytes = try scenario.encode(with: encoder)
            #expect(
                CanonicalChecker.violation(in: bytes, portable: true) == nil,
                "not canonical: \(CanonicalChecker.violation(in: bytes, portable: true) ?? "") in \(hexDump(bytes))")

            let message = try PortableDecoder(registry: sampleRegistry).decodeMessage(from: bytes)
            defer { breakCycles([message.body] + message.globalData.map(\.value)) }

            // Explicit global data comes first, in order; every other entry is a row's payload.
            var matcher = GraphMatcher()
            #expect(message.globalData.count >= scenario.globalData.count)
            for (sent, received) in zip(scenario.globalData, message.globalData) {
                #expect(sent.key.unicodeScalars.elementsEqual(received.key.unicodeScalars))
                matcher.same(sent.value, received.value, at: "$globalData[\(sent.key.debugDescription)]")
            }
            let rowsByKey = Dictionary(
                reachableObjects(in: [scenario.body]).compactMap { $0 as? PropRow }.map { (PropRow.globalDataKey($0.key), $0) },
                uniquingKeysWith: { a, _ in a })
            for entry in message.globalData.dropFirst(scenario.globalData.count) {
                let row = try #require(rowsByKey[entry.key], "global data entry \(entry.key.debugDescription) that no row wrote")
                matcher.same(row.payload, entry.value, at: "$globalData[\(entry.key.debugDescription)]")
            }
            matcher.same(scenario.body, message.body)
            #expect(matcher.mismatch == nil, "\(matcher.mismatch ?? "")\nbytes: \(hexDump(bytes))")

            // Decoding and re-encoding the result is the identity on the bytes.
            let again =
                scenario.globalData.isEmpty
                ? try encoder.encode(message.body) : try encoder.encode(message.body, globalData: message.globalData)
            #expect(again == bytes, "re-encoding the decoded graph changed the bytes:\n\(hexDump(bytes))\n\(hexDump(again))")

            // A relay with no registered types keeps every object opaque and forwards the same bytes
            // (Spec/portable-objects.md section 10); shared objects are shared opaque objects.
            var relay = PortableDecoder(registry: TypeRegistry())
            relay.unknownTypes = .passthrough
            let carried = try relay.decodeMessage(from: bytes)
            let forwarded =
                carried.globalData.isEmpty
                ? try PortableEncoder(registry: TypeRegistry()).encode(carried.body)
                : try PortableEncoder(registry: TypeRegistry()).encode(carried.body, globalData: carried.globalData)
            #expect(forwarded == bytes, "passthrough changed the bytes:\n\(hexDump(bytes))\n\(hexDump(forwarded))")
            // As many identity objects as the receiver has (points are value types there, opaque objects here).
            let opaque = reachableObjects(in: [carried.body] + carried.globalData.map(\.value))
                .filter { ($0 as? OpaquePortable)?.name != PropPoint.portableName }
            let received = reachableObjects(in: [message.body] + message.globalData.map(\.value))
            #expect(opaque.count == received.count, "the relay has \(opaque.count) instances, the receiver \(received.count)")
        }
    }

    /// Sharing in a body of typed Codable containers: an array of accounts where each account is several
    /// elements, and each account's friend is an earlier account.
    @Test func sharedAccountsInCodableArraysStayShared() async {
        await propertyCheck(count: 200, input: Gen.int(in: 1...8), Gen.int(in: 0...20).array(of: 0...24)) { distinct, picks in
            var f = ValueFactory(seed: UInt64(distinct * 1000 + picks.count))
            var accounts: [PropAccount] = []
            for _ in 0..<distinct {
                accounts.append(
                    PropAccount(
                        owner: f.string(), balance: 1, score: f.float32(), friend: accounts.isEmpty ? nil : f.pick(accounts),
                        points: []))
            }
            let sent = picks.map { accounts[$0 % distinct] }
            let bytes = try PortableEncoder(registry: sampleRegistry).encode(sent)
            let received = try PortableDecoder(registry: sampleRegistry).decode([PropAccount].self, from: bytes)
            var matcher = GraphMatcher()
            matcher.same(.array(sent.map { .object($0) }), .array(received.map { .object($0) }))
            #expect(matcher.mismatch == nil, "\(matcher.mismatch ?? "")\nbytes: \(hexDump(bytes))")
            // Every instance reachable on the sending side has exactly one counterpart on the receiving side.
            let distinctSent = reachableObjects(from: sent).count
            #expect(matcher.matchedInstanceCount == distinctSent)
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
import PortableWire
import Testing
import TestSupport

/// The properties lean on two oracles written for them: the canonical-form checker and the graph matcher.
/// These examples show that each one can fail, so a passing property means something.
@Suite struct OracleTests {
    @Test(arguments: [
        ("cd 00 01", "uint16 holding 1"),
        ("d0 05", "int8 holding 5"),
        ("d0 e0", "int8 holding -32"),
        ("cf 00 00 00 00 ff ff ff ff", "uint64 holding 2^32-1"),
        ("d9 01 61", "str8 of 1 byte"),
        ("c5 00 01 00", "bin16 of 1 byte"),
        ("dc 00 01 c0", "array16 of 1"),
        ("de 00 00", "map16 of 0"),
        ("c7 01 05 00", "ext8 with a 1-byte payload"),
        ("d7 ff 00 00 00 00 00 00 00 01", "timestamp64 that fits timestamp32"),
        ("c7 0c ff 00 00 00 00 00 00 00 00 00 00 00 01", "timestamp96 that fits timestamp64"),
        ("92 c0", "array missing an element"),
        ("c0 c0", "a byte after the value"),
    ])
    func canonicalCheckerRejectsNonCanonicalForms(bytes: String, what: String) {
        #expect(CanonicalChecker.violation(in: hex(bytes)) != nil, "\(what)")
    }

    @Test func canonicalCheckerAcceptsCanonicalForms() {
        for bytes in ["00", "cc 80", "d0 df", "e0", "a0", "c4 00", "90", "80", "d4 05 2a", "c7 00 05", "d6 ff 00 00 00 00"] {
            #expect(CanonicalChecker.violation(in: hex(bytes)) == nil, "\(bytes)")
        }
    }

    @Test func canonicalCheckerFollowsTheTypeNameTable() {
        // Two objects of one type: the name once as a str, then its index (Spec/portable-objects.md 5).
        let canonical = hex("92 c7 03 50 a1 61 c0 d5 50 00 c0")
        #expect(CanonicalChecker.violation(in: canonical, portable: true) == nil)
        let repeatedName = hex("92 c7 03 50 a1 61 c0 c7 03 50 a1 61 c0")
        #expect(CanonicalChecker.violation(in: repeatedName, portable: true) != nil)
        let indexBeforeName = hex("91 d5 50 00 c0")
        #expect(CanonicalChecker.violation(in: indexBeforeName, portable: true) != nil)
    }

    /// The matcher's verdict on one pair: nil when the graphs are the same, else the difference.
    static func difference(_ a: PortableValue, _ b: PortableValue) -> String? {
        var matcher = GraphMatcher()
        return matcher.same(a, b) ? nil : (matcher.mismatch ?? "different")
    }

    @Test func graphMatcherSeesLostAndMergedIdentity() {
        let a = PropAccount(owner: "a", balance: 1, score: 1, friend: nil, points: [])
        let twin = PropAccount(owner: "a", balance: 1, score: 1, friend: nil, points: [])
        let other = PropAccount(owner: "a", balance: 1, score: 1, friend: nil, points: [])
        let poorer = PropAccount(owner: "a", balance: 2, score: 1, friend: nil, points: [])
        #expect(Self.difference([.object(a), .object(a)], [.object(twin), .object(twin)]) == nil)
        #expect(Self.difference([.object(a), .object(a)], [.object(twin), .object(other)])?.contains("identity lost") == true)
        #expect(Self.difference([.object(a), .object(other)], [.object(twin), .object(twin)])?.contains("arrive as one") == true)
        #expect(Self.difference(.object(a), .object(poorer)) != nil)
    }

    @Test func graphMatcherComparesFloatsByBitsAndStringsByScalars() {
        #expect(Self.difference(.double(0.0), .double(-0.0)) != nil)
        #expect(Self.difference(.double(.nan), .double(.nan)) == nil)
        #expect(Self.difference(.float(1), .double(1)) != nil)
        #expect(Self.difference(.string("é"), .string("e\u{301}")) != nil)
        #expect(Self.difference([1: 2, 3: 4], [3: 4, 1: 2]) != nil)
        #expect(Self.difference(.int(5), .uint(5)) == nil, "one integer kind")
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWireConformance
import Testing
import TestSupport

/// Every testee (Swift's `pwire testee`, the Python peer, the C checker) answers bad requests and invalid
/// notation the way Spec/conformance.md 4-5 says, and keeps serving: a bad request is answered, never an exit.
/// The frames are written here by hand, so the requests can break JSON itself (`NaN`, lone surrogates).
@Suite(.serialized) struct TesteeProtocolTests {
    static let implementations = ["swift", "python", "c"]

    static func command(_ implementation: String) throws -> String {
        switch implementation {
        case "swift": return "'\(try PwireBinary.path())' testee"
        case "python": return try PeerCommands.python()
        default: return try PeerCommands.c()
        }
    }

    /// Sends every frame, then a `hello`, and closes the input; returns the answers and the exit status.
    static func exchange(_ implementation: String, _ requests: [String]) throws -> (answers: [JSON], status: Int32) {
        var input: [UInt8] = []
        for text in requests + [#"{"op": "hello"}"#] {
            let body = Array(text.utf8)
            input += withUnsafeBytes(of: UInt32(body.count).bigEndian, Array.init) + body
        }
        let result = try runCommand("/bin/sh", ["-c", try command(implementation)], input: input)
        var answers: [JSON] = []
        var rest = result.stdout[...]
        while rest.count >= 4 {
            let n = rest.prefix(4).reduce(0) { $0 << 8 | Int($1) }
            let body = Array(rest.dropFirst(4).prefix(n))
            answers.append(try JSON(parsing: body))
            rest = rest.dropFirst(4 + n)
        }
        return (answers, result.status)
    }

    static let badRequests = [
        "not json", "[]", #"{"op": "dance"}"#, #"{"op": "decode", "hex": "C0"}"#, #"{"op": "decode", "hex": "c 0"}"#,
        #"{"op": "encode"}"#, #"{"op": "encode", "value": NaN}"#, #"{"op": "encode", "value": [Infinity]}"#,
        #"{"op": "encode", "value": 01}"#, #"{"op": "\ud800"}"#, #"{"op": "decode", "hex": "c0""#,
        #"{"op": "decode", "hex": "c0", "registered": ["a"], "twoPhase": ["b"]}"#,
        #"{"op": "decode", "hex": "c0", "registered": [""]}"#, #"{"op": "decode", "hex": "c0", "passthrough": 1}"#,
        #"{"op": "decode", "hex": "c0", "limits": {"maxWidth": 1}}"#, #"{"op": "decode", "hex": "c0", "limits": {"maxDepth": -1}}"#,
        #"{"op": "decode", "hex": "c0", "limits": {"maxDepth": 1.5}}"#, #"{"op": "stream", "chunks": "c0"}"#,
        #"{"op": "stream", "chunks": ["C0"]}"#,
    ]

    static let invalidNotation = [
        #"{"op": "encode", "value": "a\ud800b"}"#, #"{"op": "encode", "value": "\udc00\ud800"}"#,
        #"{"op": "encode", "value": {"map": [["\udc00", null]]}}"#,
        #"{"op": "encode", "value": {"portable": {"id": 0, "type": "t.\ud800", "data": null}}}"#,
        #"{"op": "encode", "value": {"int": "01"}}"#, #"{"op": "encode", "value": {"bin": "0A"}}"#,
        #"{"op": "encode", "value": {"bin": "0"}}"#, #"{"op": "encode", "value": {"float64": "0x3FF0000000000000"}}"#,
        #"{"op": "encode", "value": {"ext": {"type": -1, "data": "00000000"}}}"#,
        #"{"op": "encode", "value": {"ext": {"type": 80, "data": ""}}}"#,
        #"{"op": "encode", "value": {"timestamp": {"seconds": "0", "nanoseconds": -0}}}"#,
        #"{"op": "encode", "value": {"portable": {"id": -0, "type": "t.A", "data": null}}}"#,
        #"{"op": "encode", "value": {"portable": {"id": 0, "type": "t.A", "twoPhase": false, "data": null}}}"#,
        #"{"op": "encode", "value": [{"portable": {"id": 1, "type": "t.A", "data": null}}]}"#,
        #"{"op": "encode", "value": null, "globalData": {"a": null}}"#,
        #"{"op": "encode", "value": null, "globalData": [["k", null], ["k", null]]}"#,
        #"{"op": "encode", "value": null, "globalData": [["\ud800", null]]}"#,
    ]

    @Test(arguments: implementations)
    func badRequestsAreAnsweredAndTheTesteeGoesOn(_ implementation: String) throws {
        let answers = try Self.expectEachAnswered(implementation, Self.badRequests, with: "badRequest")
        #expect(answers.last?["ok"] == .bool(true))
        #expect(answers.last?["specVersion"]?.stringValue == "1.1")
    }

    @Test(arguments: implementations)
    func invalidNotationCannotBeSerialized(_ implementation: String) throws {
        _ = try Self.expectEachAnswered(implementation, Self.invalidNotation, with: "cannotSerialize")
    }

    /// Sends `requests` then a `hello`, and expects the testee to exit cleanly after answering each request with
    /// the error `code`; returns every answer (the hello's last).
    static func expectEachAnswered(
        _ implementation: String, _ requests: [String], with code: String
    ) throws -> [JSON] {
        let (answers, status) = try exchange(implementation, requests)
        #expect(status == 0)
        try #require(answers.count == requests.count + 1, "\(implementation) answered \(answers.count) frames")
        for (request, answer) in zip(requests, answers) {
            #expect(answer["error"]?.stringValue == code, "\(implementation): \(request) -> \(answer.serialized)")
        }
        return answers
    }

    @Test(arguments: implementations)
    func streamAndLimitsAnswerTheSameEverywhere(_ implementation: String) throws {
        let requests = [
            #"{"op": "stream", "chunks": ["9201", "", "02a178"]}"#, #"{"op": "stream", "chunks": ["920102a1"]}"#,
            #"{"op": "stream", "chunks": []}"#, #"{"op": "decode", "hex": "9191c0", "limits": {"maxDepth": 1}}"#,
            #"{"op": "decode", "hex": "9191c0", "limits": {"maxDepth": 2, "maxExpansion": 0}}"#,
        ]
        let (answers, _) = try Self.exchange(implementation, requests)
        try #require(answers.count == requests.count + 1)
        let pair: JSON = .array([.object([("int", .string("1"))]), .object([("int", .string("2"))])])
        #expect(answers[0]["messages"] == .array([pair, .string("x")]) && answers[0]["ok"] == .bool(true))
        #expect(answers[1]["messages"] == .array([pair]) && answers[1]["error"]?.stringValue == "truncated")
        #expect(answers[2]["messages"] == .array([]) && answers[2]["ok"] == .bool(true))
        #expect(answers[3]["error"]?.stringValue == "limitExceeded")
        #expect(answers[4]["ok"] == .bool(true))
    }
}

/// The JSON reader behind the testee and `pwire encode`: strict RFC 8259, lone surrogates kept for the notation
/// reader to reject (they used to vanish: `"a\ud800b"` read as `"ab"`).
@Suite struct JSONReaderTests {
    @Test func loneSurrogatesAreKeptAsInvalidStringsNotDropped() throws {
        let doc = try JSON(parsing: Array(#"["a\ud800b", "\ud83d\ude00"]"#.utf8))
        #expect(doc.arrayValue?[0] == .invalidString(source: #"a\ud800b"#))
        #expect(doc.arrayValue?[1] == .string("😀"))
        #expect(doc.serialized == #"["a\ud800b","😀"]"#)
        #expect(throws: (any Error).self) { try Notation.value(doc) }
    }

    @Test(arguments: [#"NaN"#, #"[Infinity]"#, #"01"#, #"1."#, #"+1"#, #"{"\ud800": 1}"#, #""a"#, "\"\u{1}\""])
    func notJSONIsRejected(_ text: String) {
        #expect(throws: JSONError.self) { try JSON(parsing: Array(text.utf8)) }
    }

    @Test func stringsCompareByScalarsNotCanonicalEquivalence() throws {
        #expect(JSON.string("caf\u{e9}") != JSON.string("cafe\u{301}"))
        let table = try Notation.value(body: .null, globalData: try JSON(parsing: Array(#"[["caf\u00e9", null], ["cafe\u0301", null]]"#.utf8)))
        #expect(table.globalData.count == 2)
    }
}

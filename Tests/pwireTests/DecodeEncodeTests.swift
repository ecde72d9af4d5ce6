// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWire
import PortableWireConformance
import Testing
import TestSupport

/// `pwire decode` and `pwire encode`: plain JSON for people, the Spec's notation, streams (issue 15); output
/// streamed and stack-safe (issue 13, items 4 and 5).
@Suite struct DecodeEncodeTests {
    static func pwire(_ arguments: [String], input: [UInt8] = [], sourceLocation: SourceLocation = #_sourceLocation)
        throws -> CommandResult
    {
        try runCommand(try PwireCommandTests.pwire(), arguments, input: input)
    }

    /// The python3 the test command set up (Tests/run-all.sh), or the one on PATH.
    static func python() throws -> String {
        if let path = ProcessInfo.processInfo.environment["PORTABLEWIRE_PYTHON"] { return path }
        return try #require(which("python3"), "python3 is not on PATH; run Tests/run-all.sh, which sets it up")
    }

    /// Bytes written by Python: `script` writes them to standard output. It imports the checkout's own peer.
    static func bytesFromPython(_ script: String, arguments: [String] = []) throws -> [UInt8] {
        let prelude = "import sys; sys.path.insert(0, 'Spec/peers/python')\n"
        let result = try runCommand(try python(), ["-c", prelude + script] + arguments)
        #expect(result.status == 0, "python3 failed: \(result.stderr)")
        return result.stdout
    }

    // MARK: Against the library

    /// The CLI reads messages with its own streaming walker, not with `PortableDecoder`; on every vector of the
    /// Spec, valid or not, both must agree: the same notation for what decodes, the same code, byte offset and
    /// path for what does not. (The CLI decodes like a receiver with no registered types and passthrough on.)
    @Test func walkerAgreesWithThePortableDecoderOnEveryVector() throws {
        let vectors = try Vectors.load()
        #expect(vectors.count > 400)
        var compared = 0
        for vector in vectors {
            var decoder = PortableDecoder(registry: TypeRegistry())
            decoder.unknownTypes = .passthrough
            let expected: Result<JSON, MessagePackError>
            do {
                let message = try decoder.decodeMessage(from: vector.bytes)
                let (body, table) = try Notation.json(body: message.body, globalData: message.globalData)
                expected = .success(table.map { .object([("globalData", $0), ("value", body)]) } ?? body)
            } catch let error as MessagePackError {
                expected = .failure(error)
            }
            let result = try Self.pwire(["decode", "--notation", "-"], input: vector.bytes)
            switch expected {
            case .success(let json):
                #expect(result.status == 0, "\(vector.id): the library decodes it, pwire says \(result.stderr)")
                if result.status == 0 {
                    let got = try JSON(parsing: result.stdout)
                    #expect(got == json, "\(vector.id): \(result.stdoutText) vs \(json.serialized)")
                }
            case .failure(let error):
                #expect(result.status == 1, "\(vector.id): the library rejects it (\(error)), pwire printed \(result.stdoutText)")
                #expect(result.stdout.isEmpty, "\(vector.id): nothing on standard output for bad input")
                // Code, offset and path as the library's own description writes them (long paths are bounded).
                let description = "\(error)"
                let head = "pwire: " + (description.range(of: "): ").map { String(description[..<$0.lowerBound]) + ")" } ?? description)
                #expect(result.stderr.hasPrefix(head), "\(vector.id): expected \(head)…, got \(result.stderr)")
            }
            compared += 1
        }
        #expect(compared == vectors.count)
    }

    // MARK: Plain JSON

    /// What Python's `msgpack` writes for a plain document decodes to that document, and the document encodes back
    /// to the same bytes: integers at every width boundary, floats, strings, nesting.
    @Test func plainJSONIsWhatPythonMsgpackMeans() throws {
        let document = """
            {"ints": [0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, 18446744073709551615, -1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, -9223372036854775808], "floats": [1.5, -0.0, 1e-05, 1.7976931348623157e+308, 5e-324, 3.0, 0.1], "text": "h\\u00e9 \\"q\\" \\\\ \\n \\u0001 \\ud83d\\ude00", "empty": {}, "list": [], "nested": {"a": [null, true, false, {"b": []}]}}
            """
        let fromPython = try Self.bytesFromPython(
            "import json, msgpack; sys.stdout.buffer.write(msgpack.packb(json.loads(sys.argv[1]), use_bin_type=True))",
            arguments: [document])
        #expect(fromPython.count > 100)
        let decoded = try Self.pwire(["decode", "-"], input: fromPython)
        #expect(decoded.status == 0, "\(decoded.stderr)")
        #expect(try JSON(parsing: decoded.stdout) == JSON(parsing: Array(document.utf8)), "\(decoded.stdoutText)")
        // Numbers keep their kind: 3.0 stays a float, -0.0 keeps its sign, the largest integers are exact.
        #expect(decoded.stdoutText.contains("3.0,") && decoded.stdoutText.contains("-0.0"))
        #expect(decoded.stdoutText.contains("18446744073709551615") && decoded.stdoutText.contains("-9223372036854775808"))
        let encoded = try Self.pwire(["encode", "-"], input: Array(document.utf8))
        #expect(encoded.status == 0, "\(encoded.stderr)")
        #expect(encoded.stdout == fromPython)
    }

    /// A Celery-style task call written by the Python peer, with a portable object, a back-reference to it, and
    /// bytes, reads at a glance.
    @Test func celeryStyleTaskCallDecodesToReadableJSON() throws {
        let bytes = try Self.bytesFromPython("""
            import sys
            from portablewire import packb, Registry, portable_class
            registry = Registry()
            @portable_class("app.CustomVariable", registry=registry)
            class CustomVariable:
                def __init__(self, type, quantile=None):
                    self.type = type
                    self.quantile = quantile
            v = CustomVariable("quantile", 0.5)
            call = {"task": "app.tasks.optimise", "id": "5f0c2b1e", "args": [1, 2],
                    "kwargs": {"input": v, "again": v, "tags": ["a", "b"], "blob": bytes([0, 1, 2])}}
            sys.stdout.buffer.write(packb(call, registry=registry))
            """)
        let result = try Self.pwire(["decode", "-"], input: bytes)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutText == """
            {"task":"app.tasks.optimise","id":"5f0c2b1e","args":[1,2],"kwargs":{"input":{"$portable":"app.CustomVariable","id":0,"data":{"type":"quantile","quantile":0.5}},"again":{"$ref":0},"tags":["a","b"],"blob":{"$base64":"AAEC"}}}

            """)
        let hex = try Self.pwire(["decode", "--hex", "-"], input: bytes)
        #expect(hex.stdoutText.contains("\"blob\":{\"$hex\":\"000102\"}"))
        // And back, byte for byte what Python wrote.
        #expect(try Self.pwire(["encode", "-"], input: result.stdout).stdout == bytes)
        #expect(try Self.pwire(["encode", "-"], input: hex.stdout).stdout == bytes)
    }

    /// Every canonical vector of the Spec (portable objects, references, global data, ext, timestamps, float32,
    /// maps with any keys) goes to plain JSON and back to its exact bytes, with base64 and with hex.
    @Test func plainJSONRoundTripsEveryCanonicalVector() throws {
        let canonical = try Vectors.load().filter(\.canonical)
        #expect(canonical.count > 200)
        for vector in canonical {
            for flags in [[], ["--hex"]] {
                let json = try Self.pwire(["decode"] + flags + ["-"], input: vector.bytes)
                #expect(json.status == 0, "\(vector.id): \(json.stderr)")
                let bytes = try Self.pwire(["encode", "-"], input: json.stdout)
                #expect(bytes.status == 0, "\(vector.id): \(bytes.stderr) for \(json.stdoutText)")
                #expect(bytes.stdout == vector.bytes, "\(vector.id): \(json.stdoutText)")
            }
        }
    }

    /// The tagged forms, written by hand, encode to bytes worked out by hand from Spec/format.md.
    @Test(arguments: [
        (#"{"$base64": "AAEC"}"#, "c4 03 00 01 02"),
        (#"{"$hex": "ff"}"#, "c4 01 ff"),
        (#"{"$float32": 1.5}"#, "ca 3f c0 00 00"),
        (#"{"$float64": "0x7ff0000000000000"}"#, "cb 7f f0 00 00 00 00 00 00"),
        (#"{"$timestamp": "1970-01-01T00:00:01Z"}"#, "d6 ff 00 00 00 01"),
        (#"{"$timestamp": "1970-01-01T01:00:00+01:00"}"#, "d6 ff 00 00 00 00"),
        (#"{"$ext": {"type": 5, "hex": "0102"}}"#, "d5 05 01 02"),
        (#"{"$map": [[1, "a"], ["$x", null]]}"#, "82 01 a1 61 a2 24 78 c0"),
        (#"[{"$portable": "a.B", "id": 0, "data": null}, {"$ref": 0}]"#, "92 c7 05 50 a3 61 2e 42 c0 d4 52 00"),
        (#"{"$globalData": {"k": 1}, "body": "x"}"#, "c7 06 47 81 a1 6b 01 a1 78"),
        (#"{"a": 1.0, "b": 1}"#, "82 a1 61 cb 3f f0 00 00 00 00 00 00 a1 62 01"),
    ])
    func taggedFormsEncodeToTheSpecsBytes(json: String, expectedHex: String) throws {
        let result = try Self.pwire(["encode", "-"], input: Array(json.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == hex(expectedHex), "\(json)")
    }

    @Test(arguments: [
        (#"{"$nope": 1}"#, "unknown tag \"$nope\" at $"),
        (#"{"a": 18446744073709551616}"#, "does not fit in 64 bits"),
        (#"{"$ref": 3}"#, "names no $portable"),
        (#"[{"$globalData": {}, "body": 1}]"#, "global data can only wrap the whole message"),
        (#"{"$timestamp": "2024-02-30T00:00:00Z"}"#, "is not an RFC 3339 date-time"),
        (#"{"a": 1"#, "invalid JSON at byte 7"),
    ])
    func badJSONIsOneLineThatSaysWhatToDo(json: String, message: String) throws {
        let result = try Self.pwire(["encode", "-"], input: Array(json.utf8))
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    // MARK: Streams

    /// Back-to-back messages (a capture of a connection) become JSON Lines and go back to the same bytes; a
    /// stream cut inside its last message prints the messages before it, then the error.
    @Test func streamDecodesBackToBackMessagesAsJSONLines() throws {
        let stream = hex("01") + hex("82 a1 61 01 a1 62 92 c3 c0") + hex("c7 05 50 a3 61 2e 42 c0") + hex("a1 78")
        let result = try Self.pwire(["decode", "--stream", "-"], input: stream)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutText == """
            1
            {"a":1,"b":[true,null]}
            {"$portable":"a.B","id":0,"data":null}
            "x"

            """)
        let back = try Self.pwire(["encode", "--stream", "-"], input: result.stdout)
        #expect(back.stdout == stream)
        // Without --stream, the second message is trailing bytes.
        let single = try Self.pwire(["decode", "-"], input: stream)
        #expect(single.status == 1)
        #expect(single.stderr.hasPrefix("pwire: trailingBytes at byte 1"), "\(single.stderr)")
        // Cut inside the last message.
        let cut = try Self.pwire(["decode", "--stream", "-"], input: stream.dropLast())
        #expect(cut.status == 1)
        #expect(cut.stdoutText.split(separator: "\n").count == 3)
        #expect(cut.stderr.hasPrefix("pwire: truncated at byte \(stream.count - 1)"), "\(cut.stderr)")
        // Object ids start again in every message.
        let twice = try Self.pwire(["decode", "--stream", "-"], input: hex("c7 05 50 a3 61 2e 42 c0 c7 05 50 a3 61 2e 42 c0"))
        #expect(twice.stdoutText.components(separatedBy: "\"id\":0").count == 3, "\(twice.stdoutText)")
        let dump = try Self.pwire(["inspect", "--stream", "-"], input: stream)
        #expect(dump.status == 0, "\(dump.stderr)")
        #expect(dump.stdoutText.contains("# message 3 at byte 18"), "\(dump.stdoutText)")
    }

    // MARK: Depth and size

    /// 100,000 nested arrays with the depth limit raised to match: every route is iterative, so nothing
    /// overflows the stack; `inspect` stops indenting at 32 levels, so its output stays linear in the input.
    @Test func deepInputIsStackSafeAndInspectStaysLinear() throws {
        let depth = 100_000
        let input = [UInt8](repeating: 0x91, count: depth - 1) + [0x90]
        let options = ["--max-depth", "\(depth)"]
        let decoded = try Self.pwire(["decode"] + options + ["-"], input: input)
        #expect(decoded.status == 0, "\(decoded.stderr.prefix(300))")
        #expect(decoded.stdout.count == 2 * depth + 1)
        let dump = try Self.pwire(["inspect"] + options + ["-"], input: input)
        #expect(dump.status == 0, "\(dump.stderr.prefix(300))")
        let lines = dump.stdoutText.split(separator: "\n")
        #expect(lines.count == depth)
        #expect(lines.map(\.utf8.count).max() ?? 0 <= 160, "\(lines.last ?? "")")
        #expect(lines.last?.contains("(depth \(depth - 1)) [0] fixarray, 0 elements") == true, "\(lines.last ?? "")")
        // One over the limit fails cleanly, with the offset of the first container too deep.
        let past = try Self.pwire(["decode", "--max-depth", "\(depth - 1)", "-"], input: input)
        #expect(past.stderr.hasPrefix("pwire: limitExceeded at byte \(depth - 1)"), "\(past.stderr.prefix(200))")
    }
}

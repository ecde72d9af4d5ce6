// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWireConformance
import Testing
import TestSupport

@Suite struct PwireCommandTests {
    static func pwire() throws -> String {
        builtExecutable("pwire") ?? repositoryRoot.appendingPathComponent(".build/debug/pwire").path
    }

    /// A child that exits without reading its input leaves `runCommand` a closed pipe to write to; that must come
    /// back as the child's status, not take the test process down (it did: a trap on EPIPE).
    @Test func aChildThatIgnoresItsInputIsJustItsExitStatus() throws {
        let result = try runCommand("/bin/sh", ["-c", "exit 3"], input: [UInt8](repeating: 0x61, count: 4 << 20))
        #expect(result.status == 3)
    }

    /// The Spec's notation both ways (plain JSON both ways is in DecodeEncodeTests).
    @Test func decodeThenEncodeReproducesEveryCanonicalVector() throws {
        let pwire = try Self.pwire()
        // Vectors the Swift library is listed as failing (Spec/expected-failures/swift.txt) are left out.
        let expectedFailures = Vectors.expectedFailures(implementation: "swift")
        let canonical = try Vectors.load().filter { $0.canonical && expectedFailures[$0.id] == nil }
        #expect(canonical.count > 200)
        for vector in canonical {
            let json = try runCommand(pwire, ["decode", "--notation", "-"], input: vector.bytes)
            #expect(json.status == 0, "\(vector.id): \(json.stderr)")
            let bytes = try runCommand(pwire, ["encode", "--notation", "-"], input: json.stdout)
            #expect(bytes.status == 0, "\(vector.id): \(bytes.stderr)")
            #expect(bytes.stdout == vector.bytes, "\(vector.id)")
        }
    }

    @Test func badInputIsOneLineWithOffsetAndPathAndExitStatusOne() throws {
        let result = try runCommand(try Self.pwire(), ["decode", "--to-json"], input: hex("81 a1 61 92 01 c1"))
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("invalidFormatByte at byte 5 ($.a[1])") == true, "\(result.stderr)")
    }

    @Test func hugeDeclaredCountFailsAtOnce() throws {
        let result = try runCommand(try Self.pwire(), ["decode", "--to-json"], input: hex("dd ff ff ff ff"))
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("pwire: truncated at byte 5"), "\(result.stderr)")  // where the first element should be
    }

    /// `pwire hostile` builds each hostile input of Tests/Fuzz/FUZZING.md and decodes it with the default limits.
    /// The outcomes here are the ones FUZZING.md records; the times and memory are measured by hand.
    @Test func everyHostileInputEndsAsFUZZINGmdSays() throws {
        let pwire = try Self.pwire()
        let expected = [
            "none": "decoded",
            "dd-ff-ff-ff-ff": "truncated at byte 5",
            "df-ff-ff-ff-ff": "truncated at byte 5",
            "nested-5-byte-headers": "truncated at byte 16777216",
            "deep-10000": "limitExceeded at byte 512",
            "bomb-2^40-identity": "decoded; description 2229 bytes, re-encoded 869 bytes",
            "bomb-2^40-value": "limitExceeded at byte 441 ($[20].children[0])",
            "wide-map-1m": "decoded; 1000000 distinct keys",
            "wide-map-1m-one-key": "decoded; 1 distinct keys",
        ]
        for (input, outcome) in expected {
            let result = try runCommand(pwire, ["hostile", input])
            #expect(result.status == 0, "\(input): \(result.stderr)")
            let line = String(decoding: result.stdout, as: UTF8.self)
            #expect(line.hasPrefix("\(input): "), "\(line)")
            #expect(line.contains("peak RSS"), "\(line)")
            #expect(line.contains(" — \(outcome)"), "\(input): \(line)")
        }
    }

    @Test func decodeAndInspectTakeTheLimitsAsOptions() throws {
        let pwire = try Self.pwire()
        let fourDeep: [UInt8] = [0x91, 0x91, 0x91, 0x90]
        for command in ["decode", "inspect"] {
            let atLimit = try runCommand(pwire, [command, "--max-depth", "4", "-"], input: fourDeep)
            #expect(atLimit.status == 0, "\(command): \(atLimit.stderr)")
            let past = try runCommand(pwire, [command, "--max-depth", "3", "-"], input: fourDeep)
            #expect(past.status == 1)
            #expect(past.stderr.contains("limitExceeded at byte 3"), "\(command): \(past.stderr)")
            #expect(past.stderr.contains("maxDepth = 3"), "\(command): \(past.stderr)")
            let count = try runCommand(pwire, [command, "--max-element-count", "2", "-"], input: [0x93, 1, 2, 3])
            #expect(count.stderr.contains("maxElementCount = 2"), "\(command): \(count.stderr)")
            let payload = try runCommand(pwire, [command, "--max-payload-byte-count", "2", "-"], input: [0xa3, 0x61, 0x62, 0x63])
            #expect(payload.stderr.contains("maxPayloadByteCount = 2"), "\(command): \(payload.stderr)")
            let size = try runCommand(pwire, [command, "--max-message-byte-count", "3", "-"], input: fourDeep)
            #expect(size.stderr.contains("maxMessageByteCount = 3"), "\(command): \(size.stderr)")
        }
        // The portable limits reach the decoder too.
        let twoObjects: [UInt8] = [0x92, 0xc7, 0x03, 0x50, 0xa1, 0x74, 0xc0, 0xd5, 0x50, 0x00, 0xc0]
        #expect(try runCommand(pwire, ["decode", "--max-object-count", "2", "-"], input: twoObjects).status == 0)
        #expect(try runCommand(pwire, ["decode", "--max-object-count", "1", "-"], input: twoObjects).stderr.contains("maxObjectCount = 1"))
    }

    @Test func inspectAnnotatesNestedStructureAndPortableExts() throws {
        let input = hex("83 a1 61 cd 01 00 a1 6f c7 05 50 a3 61 2e 42 c0 a1 62 d4 52 00")
        let result = try runCommand(try Self.pwire(), ["inspect", "-"], input: input)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("00000000  83") && lines[0].hasSuffix("fixmap, 3 entries"))
        #expect(lines.contains { $0.hasPrefix("00000003  cd 01 00") && $0.hasSuffix("value uint16 256") })
        #expect(lines.contains { $0.hasPrefix("00000008  c7 05 50") && $0.hasSuffix("value ext8 type 80: portable object #0, 5 bytes") })
        #expect(lines.contains { $0.hasSuffix("type-ref fixstr \"a.B\" (new type 0)") })
        #expect(lines.contains { $0.hasPrefix("00000012  d4 52 00") && $0.hasSuffix("back-reference to object #0") })
        // A defect: the lines before it, then the error.
        let bad = try runCommand(try Self.pwire(), ["inspect", "-"], input: hex("92 a1 61 d4 52 07"))
        #expect(bad.status == 1)
        #expect(bad.stdoutText.split(separator: "\n").count == 2)
        #expect(bad.stderr.hasPrefix("pwire: danglingReference at byte 3 ($[1])"), "\(bad.stderr)")
    }

    @Test func conformanceCommandPrintsATableAndSucceeds() throws {
        let result = try runCommand(try Self.pwire(), ["conformance"])
        #expect(result.status == 0, "\(result.stdoutText.suffix(2000))\(result.stderr)")
        #expect(result.stdoutText.contains("core/integers"))
        #expect(result.stdoutText.contains("swift: ") && result.stdoutText.contains(" 0 failed"))
    }
}

@Suite struct PwireBenchTests {
    /// `pwire bench` times real work and prints one row per workload and direction, with every column it ran.
    @Test func printsATableOfTheTaskWorkload() throws {
        let result = try runCommand(try PwireCommandTests.pwire(), ["bench", "--filter", "task", "--seconds", "0.01"], input: [])
        #expect(result.status == 0, "\(result.stderr)")
        let text = String(decoding: result.stdout, as: UTF8.self)
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("task ") }
        #expect(rows.count == 2, "\(text)")
        #expect(rows.first?.contains("145") == true, "the task message is 145 bytes: \(text)")
        // Every cell is a measured duration, never a placeholder, for the columns the task workload has.
        for row in rows { #expect(row.contains("ns") || row.contains("µs"), "\(row)") }
    }

    @Test func anUnknownWorkloadPrintsNoRows() throws {
        let result = try runCommand(try PwireCommandTests.pwire(), ["bench", "--filter", "no such workload"], input: [])
        #expect(result.status == 0)
        let text = String(decoding: result.stdout, as: UTF8.self)
        #expect(!text.contains("task encode"))
    }
}

/// Found while measuring the hostile inputs of issue 7: 100 nested array32 headers, each declaring the bytes
/// that remain after it, made the decoder reserve memory for the input's size once per level (768 MB each for
/// 16 MB of input), which crashed under an address-space limit. Reservations now leave the bytes owed to the
/// enclosing containers aside (Spec/format.md 6.3, vector truncated-nested-headers-share-bytes).
@Suite struct NestedHeaderReservationTests {
    @Test func hundredNestedHeadersFailWithATypedErrorUnderAnAddressSpaceLimit() throws {
        guard let prlimit = which("prlimit") else {
            Issue.record("prlimit (util-linux) is needed for this test")
            return
        }
        let bytes = HostileInputs.nestedArray32Headers(total: 4_000_000)
        // Before the fix: 100 reservations of 4 M elements × 48 bytes, 19 GB of address space.
        let result = try runCommand(prlimit, ["--as=4000000000", try PwireCommandTests.pwire(), "decode", "-"], input: bytes)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("pwire: truncated at byte 4000000"), "\(result.stderr.prefix(300))")
    }
}

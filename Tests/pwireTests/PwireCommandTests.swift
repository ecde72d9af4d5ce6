// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWireConformance
import Testing
import TestSupport

@Suite struct PwireCommandTests {
    static func pwire() throws -> String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("pwire").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return repositoryRoot.appendingPathComponent(".build/debug/pwire").path
    }

    @Test func decodeThenEncodeReproducesEveryCanonicalVector() throws {
        let pwire = try Self.pwire()
        let canonical = try Vectors.load().filter(\.canonical)
        #expect(canonical.count > 200)
        for vector in canonical {
            let json = try runCommand(pwire, ["decode", "--to-json", "-"], input: vector.bytes)
            #expect(json.status == 0, "\(vector.id): \(json.stderr)")
            let bytes = try runCommand(pwire, ["encode", "--from-json", "-"], input: json.stdout)
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

    @Test func inspectAnnotatesNestedStructureAndPortableExts() throws {
        let input = hex("82 a1 61 cd 01 00 a1 62 d4 52 00")
        let result = try runCommand(try Self.pwire(), ["inspect", "-"], input: input)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("00000000  82") && lines[0].hasSuffix("fixmap, 2 entries"))
        #expect(lines.contains { $0.hasPrefix("00000003  cd 01 00") && $0.hasSuffix("value uint16 256") })
        #expect(lines.contains { $0.contains("back-reference") })
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

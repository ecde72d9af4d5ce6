// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWireConformance

struct Conformance: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the Spec's vectors against the Swift library (and any external testee), print a table.",
        discussion: """
            With no options this checks the Swift library in process against every vector in Spec/vectors.
            --testee runs another implementation over the same vectors through the testee protocol, e.g.
              pwire conformance --testee "python3 -m portablewire.testee"
            Exits non-zero when any vector fails unexpectedly (or a listed expected failure passes).
            """)

    @Argument(help: "The Spec folder (default: the one in this checkout).")
    var specDirectory: String?

    @Option(name: .customLong("testee"), help: "A command that speaks the testee protocol; may be repeated.")
    var testees: [String] = []

    @Flag(help: "Also run the Python peer (Spec/peers/python) and the C checker on msgpack-c (Spec/peers/c), as testees.")
    var peers = false

    @Flag(name: .customLong("no-swift"), help: "Do not run the Swift library itself.")
    var noSwift = false

    @Flag(name: .shortAndLong, help: "List every failing vector with its reason.")
    var verbose = false

    func run() throws {
        try reportingErrors {
            let spec = specDirectory ?? Self.findSpec()
            let cases = try Vectors.load(specDirectory: spec)
            var implementations: [any ConformanceTestee] = noSwift ? [] : [SwiftTestee()]
            var commands = testees
            if peers { commands += try Self.peerCommands(spec: spec) }
            for command in commands { implementations.append(try ProcessTestee(command: command)) }
            var ok = true
            for testee in implementations {
                let report = ConformanceRunner().run(
                    cases, on: testee,
                    expectedFailures: Vectors.expectedFailures(implementation: testee.name, specDirectory: spec))
                print(Self.table(report))
                ok = ok && report.isClean
            }
            if !ok { throw ExitCode.failure }
        }
    }

    /// The testee commands of the peers in this Spec folder: the Python peer (run from its source, whatever is
    /// installed) and the C checker on msgpack-c (built with make first).
    static func peerCommands(spec: String) throws -> [String] {
        let peers = URL(fileURLWithPath: spec).appendingPathComponent("peers")
        let python = peers.appendingPathComponent("python").path
        let c = peers.appendingPathComponent("c").path
        let make = Process()
        make.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        make.arguments = ["make", "-s", "-C", c, "pwcheck"]
        try make.run()
        make.waitUntilExit()
        guard make.terminationStatus == 0 else {
            throw PeerBuildError(description: "building the C checker failed (make -C \(c)); it needs libmsgpack-dev and a C compiler")
        }
        return [
            "PYTHONPATH='\(python)'${PYTHONPATH:+:$PYTHONPATH} python3 -m portablewire.testee",
            "'\(c)/pwcheck' --testee",
        ]
    }

    struct PeerBuildError: Error, CustomStringConvertible {
        var description: String
    }

    /// Spec/ in the current directory or above it.
    static func findSpec() -> String {
        var url = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        for _ in 0..<6 {
            let candidate = url.appendingPathComponent("Spec/vectors").path
            if FileManager.default.fileExists(atPath: candidate) { return url.appendingPathComponent("Spec").path }
            url.deleteLastPathComponent()
        }
        return Vectors.defaultSpecDirectory
    }

    static func table(_ report: ConformanceRunner.Report) -> String {
        var suites: [String] = []
        var counts: [String: (pass: Int, fail: Int, expected: Int)] = [:]
        for o in report.outcomes {
            if counts[o.vector.suite] == nil { suites.append(o.vector.suite) }
            var c = counts[o.vector.suite] ?? (0, 0, 0)
            if o.failure == nil && o.expectedFailureReason == nil {
                c.pass += 1
            } else if o.isAcceptable {
                c.expected += 1
            } else {
                c.fail += 1
            }
            counts[o.vector.suite] = c
        }
        let width = max(28, (suites.map(\.count).max() ?? 0) + 2)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(1, n - s.count)) }
        var out = "\(report.implementation)\n" + pad("suite", width) + "passed  failed  expected-failures\n"
        for s in suites {
            let c = counts[s]!
            out += pad(s, width) + pad(String(c.pass), 8) + pad(String(c.fail), 8) + String(c.expected) + "\n"
        }
        for o in report.unexpected {
            let why = o.failure ?? "listed as an expected failure (\(o.expectedFailureReason ?? "")) but it passes"
            out += "FAIL \(o.vector.id): \(why)\n"
        }
        for id in report.staleExpectedFailures {
            out += "FAIL \(id): listed in expected-failures/\(report.implementation).txt but no vector has this id\n"
        }
        let total = report.outcomes.count
        let pct = total == 0 ? 0 : Double(report.passed + report.expectedFailures) * 100 / Double(total)
        out += "\(report.implementation): \(report.passed) passed, \(report.unexpected.count + report.staleExpectedFailures.count) failed"
        out += ", \(report.expectedFailures) expected failures (\(String(format: "%.1f", pct))%)"
        return out
    }
}

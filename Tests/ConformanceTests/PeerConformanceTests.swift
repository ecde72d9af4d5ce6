// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWireConformance
import Testing
import TestSupport

/// The non-Swift implementations pass the same suite. These tests need python3 with the `msgpack` package
/// and `pip install ./Spec/peers/python`, and Debian's libmsgpack-dev with make and cc; `.ci/run` installs
/// them. A missing tool fails the test with what to install: it is never skipped.
@Suite(.serialized) struct PeerConformanceTests {
    @Test func pythonPeerPassesEveryVectorThroughTheTesteeProtocol() throws {
        let testee = try ProcessTestee(command: try PeerCommands.python())
        #expect(testee.name == "python")
        #expect(testee.specVersion == "1.1")
        let report = ConformanceRunner().run(
            try Vectors.load(), on: testee, expectedFailures: Vectors.expectedFailures(implementation: "python"))
        #expect(report.isClean, "\(report.unexpected.prefix(20).map { "\($0.vector.id): \($0.failure ?? "")" }) \(report.staleExpectedFailures)")
        #expect(report.passed > 600)
    }

    @Test func pythonPeerOwnTestSuitePasses() throws {
        let python = try #require(which("python3"), "python3 is not on PATH")
        let result = try runCommand(python, ["-m", "pytest", "-q", "Spec/peers/python/tests"])
        #expect(result.status == 0, "pytest failed:\n\(result.stdoutText.suffix(3000))\n\(result.stderr.suffix(2000))")
        #expect(result.stdoutText.contains(" passed"))
    }

    /// The C checker is a testee like the others (issue 20): the runner drives it, and its expected failures
    /// are msgpack-c's fixed nesting depth of 32 and nothing else.
    @Test func cCheckerOnMsgpackCPassesEveryVectorAsATestee() throws {
        let testee = try ProcessTestee(command: try PeerCommands.c())
        #expect(testee.name == "c")
        #expect(testee.specVersion == "1.1")
        let expected = Vectors.expectedFailures(implementation: "c")
        #expect(Set(expected.keys) == ["depth-512-arrays-empty", "depth-512-arrays-nil", "depth-512-two-branches", "depth-512-then-sibling"])
        let report = ConformanceRunner().run(try Vectors.load(), on: testee, expectedFailures: expected)
        #expect(report.isClean, "\(report.unexpected.prefix(20).map { "\($0.vector.id): \($0.failure ?? "")" }) \(report.staleExpectedFailures)")
        #expect(report.expectedFailures == 4)
        #expect(report.passed > 600)
    }
}

/// The testee commands of the peers in this checkout, as `pwire conformance --peers` runs them.
enum PeerCommands {
    /// The Python peer from its source folder, whatever is installed.
    static func python() throws -> String {
        let python = try #require(which("python3"), "python3 is not on PATH")
        let source = repositoryRoot.appendingPathComponent("Spec/peers/python").path
        return "PYTHONPATH='\(source)' '\(python)' -m portablewire.testee"
    }

    /// The C checker, built with make (it needs Debian's libmsgpack-dev and a C compiler).
    static func c() throws -> String {
        let make = try #require(which("make"), "make is not on PATH")
        let folder = repositoryRoot.appendingPathComponent("Spec/peers/c")
        let built = try runCommand(make, ["-s", "-C", folder.path, "pwcheck"])
        try #require(built.status == 0, "building Spec/peers/c failed (install libmsgpack-dev): \(built.stderr)")
        return "'\(folder.appendingPathComponent("pwcheck").path)' --testee"
    }
}

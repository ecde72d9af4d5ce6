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
        let python = try #require(which("python3"), "python3 is not on PATH")
        let testee = try ProcessTestee(command: "'\(python)' -m portablewire.testee")
        #expect(testee.name == "python")
        let report = ConformanceRunner().run(
            try Vectors.load(), on: testee, expectedFailures: Vectors.expectedFailures(implementation: "python"))
        #expect(report.isClean, "\(report.unexpected.prefix(20).map { "\($0.vector.id): \($0.failure ?? "")" }) \(report.staleExpectedFailures)")
        #expect(report.passed > 400)
    }

    @Test func pythonPeerOwnTestSuitePasses() throws {
        let python = try #require(which("python3"), "python3 is not on PATH")
        let result = try runCommand(python, ["-m", "pytest", "-q", "Spec/peers/python/tests"])
        #expect(result.status == 0, "pytest failed:\n\(result.stdoutText.suffix(3000))\n\(result.stderr.suffix(2000))")
        #expect(result.stdoutText.contains(" passed"))
    }

    @Test func cCheckerOnMsgpackCPassesEveryVector() throws {
        let make = try #require(which("make"), "make is not on PATH")
        let result = try runCommand(make, ["-s", "-C", "Spec/peers/c", "check"])
        #expect(result.status == 0, "C checker failed:\n\(result.stdoutText.suffix(3000))\n\(result.stderr.suffix(2000))")
        let last = result.stdoutText.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("c: ") && last.contains(" 0 failed"), "last line: \(last)")
    }
}

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
    /// are msgpack-c's fixed nesting depth of 32 and nothing else. The list is not repeated here: every entry
    /// of `Spec/expected-failures/c.txt` must give that limit as its reason, name a vector that really nests
    /// deeper than 32, and fail with the checker's `msgpackCStackLimit`.
    @Test func cCheckerOnMsgpackCPassesEveryVectorAsATestee() throws {
        /// The deepest nesting of arrays and maps in the first MessagePack value of `b` (ext payloads are
        /// not entered; nil when the bytes end inside a header).
        func nesting(_ b: [UInt8]) -> Int? {
            var i = 0, deepest = 0
            var open: [Int] = []  // items still to come in each open container
            func length(_ n: Int) -> Int? {
                guard i + n < b.count else { return nil }
                return (1...n).reduce(0) { $0 << 8 | Int(b[i + $1]) }
            }
            while i < b.count {
                let h = b[i]
                var items = -1  // -1: not a container
                var size = 1
                switch h {
                case 0x80...0x8f: items = 2 * Int(h & 0x0f)
                case 0x90...0x9f: items = Int(h & 0x0f)
                case 0xa0...0xbf: size = 1 + Int(h & 0x1f)
                case 0xdc, 0xde: guard let n = length(2) else { return nil }; items = h == 0xde ? 2 * n : n; size = 3
                case 0xdd, 0xdf: guard let n = length(4) else { return nil }; items = h == 0xdf ? 2 * n : n; size = 5
                case 0xc4, 0xd9: guard let n = length(1) else { return nil }; size = 2 + n
                case 0xc5, 0xda: guard let n = length(2) else { return nil }; size = 3 + n
                case 0xc6, 0xdb: guard let n = length(4) else { return nil }; size = 5 + n
                case 0xc7: guard let n = length(1) else { return nil }; size = 3 + n
                case 0xc8: guard let n = length(2) else { return nil }; size = 4 + n
                case 0xc9: guard let n = length(4) else { return nil }; size = 6 + n
                case 0xcc, 0xd0: size = 2
                case 0xcd, 0xd1, 0xd4: size = 3
                case 0xd5: size = 4
                case 0xca, 0xce, 0xd2: size = 5
                case 0xd6: size = 6
                case 0xcb, 0xcf, 0xd3: size = 9
                case 0xd7: size = 10
                case 0xd8: size = 18
                default: break  // one-byte values
                }
                i += size
                if items >= 0 { deepest = max(deepest, open.count + 1) }
                if items > 0 {
                    open.append(items)
                    continue
                }
                while let last = open.indices.last {  // one item done: close the containers it completes
                    open[last] -= 1
                    if open[last] > 0 { break }
                    open.removeLast()
                }
                if open.isEmpty { return deepest }
            }
            return nil
        }

        let testee = try ProcessTestee(command: try PeerCommands.c())
        #expect(testee.name == "c")
        #expect(testee.specVersion == "1.1")
        let cases = try Vectors.load()
        let expected = Vectors.expectedFailures(implementation: "c")
        for (id, reason) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(reason.contains("msgpack-c nesting limit MSGPACK_EMBED_STACK_SIZE=32"),
                    "c.txt may list only msgpack-c's nesting limit; \(id): \(reason)")
            guard let vector = cases.first(where: { $0.id == id }) else { continue }  // a stale entry: the report says so
            let bytes = vector.kind == .stream ? vector.chunks.flatMap { $0 } : vector.bytes
            let depth = try #require(nesting(bytes), "\(id): its bytes end inside a header")
            #expect(depth > 32, "\(id) nests only \(depth) deep, which msgpack-c's stack of 32 holds")
        }
        let report = ConformanceRunner().run(cases, on: testee, expectedFailures: expected)
        #expect(report.isClean, "\(report.unexpected.prefix(20).map { "\($0.vector.id): \($0.failure ?? "")" }) \(report.staleExpectedFailures)")
        #expect(report.expectedFailures == expected.count)
        for outcome in report.outcomes where outcome.expectedFailureReason != nil {
            #expect(outcome.failure?.contains("msgpackCStackLimit") == true,
                    "\(outcome.vector.id) fails for another reason than msgpack-c's nesting limit: \(outcome.failure ?? "it passed")")
        }
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

// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWire
import PortableWireConformance
import Testing
import TestSupport

let allVectors: [VectorCase] = (try? Vectors.load()) ?? []
let swiftExpectedFailures = Vectors.expectedFailures(implementation: "swift")

@Suite struct SwiftConformanceTests {
    @Test func vectorFolderIsFoundAndFull() throws {
        let cases = try Vectors.load()
        #expect(cases.count > 400)
        // Spec 1.1: the streaming, encode-error and limit suites are not trivial (issue 14).
        #expect(cases.filter { $0.kind == .stream }.count >= 40)
        #expect(cases.filter { $0.kind == .encode }.count >= 30)
        #expect(cases.filter { $0.suite.hasPrefix("limits/") }.count >= 30)
        let limitNames = Set(cases.flatMap(\.limits.keys))
        #expect(limitNames == Set(DecodeSetup.limitNames), "every limit of Spec/format.md 7 has a vector")
        #expect(Set(cases.map(\.id)).count == cases.count, "vector ids must be unique")
        #expect(throws: (any Error).self) { try Vectors.load(specDirectory: "/nonexistent/Spec") }
    }

    /// Every vector passes, except those listed in Spec/expected-failures/swift.txt, which must fail (the list only
    /// shrinks: a listed vector that passes is an error, as in the runner).
    @Test(arguments: allVectors)
    func swiftPassesVector(_ vector: VectorCase) throws {
        let failure: String?
        do { failure = try ConformanceRunner().check(vector, on: SwiftTestee()) } catch { failure = "\(error)" }
        if let reason = swiftExpectedFailures[vector.id] {
            #expect(failure != nil, "\(vector.id) is listed as an expected failure (\(reason)) but passes: remove it")
        } else {
            #expect(failure == nil, "\(vector.id): \(failure ?? "")")
        }
    }

    /// Every strict prefix of a valid message is `truncated`. Large vectors are cut at 256 spread points
    /// plus the first and last 64 positions, to keep the suite quick.
    @Test(arguments: allVectors.filter { $0.isValid && $0.kind == .decode && swiftExpectedFailures[$0.id] == nil })
    func everyStrictPrefixIsTruncated(_ vector: VectorCase) throws {
        let decoder = try DecodeSetup(
            registered: vector.registered, twoPhase: vector.twoPhase, passthrough: vector.passthrough,
            limits: vector.limits
        ).decoder()
        let n = vector.bytes.count
        var cuts = Set(0..<min(n, 64)).union(max(0, n - 64)..<n)
        if n > 128 { for i in 0..<256 { cuts.insert(i * n / 256) } }
        for cut in cuts.sorted() where cut < n {
            do {
                _ = try decoder.decodeMessage(from: vector.bytes[0..<cut])
                Issue.record("\(vector.id): prefix of \(cut) bytes decoded")
            } catch let error as MessagePackError {
                #expect(error.code == .truncated, "\(vector.id) cut at \(cut): \(error)")
            }
        }
    }

    @Test func swiftTesteeSpeaksTheProtocolThroughPwire() throws {
        let pwire = try PwireBinary.path()
        let testee = try ProcessTestee(command: "'\(pwire)' testee")
        #expect(testee.name == "swift")
        let sample = allVectors.filter {
            $0.suite.hasPrefix("portable/") || $0.suite.hasPrefix("streaming/") || $0.suite.hasPrefix("encode/")
                || $0.suite.hasPrefix("limits/") || $0.suite == "core/integers"
        }
        let expected = Vectors.expectedFailures(implementation: "swift")
        #expect(testee.specVersion == "1.1")
        let report = ConformanceRunner().run(sample, on: testee, expectedFailures: expected.filter { id, _ in sample.contains { $0.id == id } })
        #expect(report.unexpected.isEmpty, "\(report.unexpected.map { "\($0.vector.id): \($0.failure ?? "")" })")
        #expect(report.passed + report.expectedFailures == sample.count)
    }
}

extension VectorCase: CustomTestStringConvertible {
    public var testDescription: String { id }
}

/// Finds the `pwire` executable SwiftPM built next to the test bundle.
enum PwireBinary {
    static func path() throws -> String {
        if let built = builtExecutable("pwire") { return built }
        let fallback = repositoryRoot.appendingPathComponent(".build/debug/pwire").path
        guard FileManager.default.isExecutableFile(atPath: fallback) else {
            throw CLIMissing()
        }
        return fallback
    }
    struct CLIMissing: Error, CustomStringConvertible {
        var description: String { "the pwire executable was not built; run `swift build` first" }
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWire
import PortableWireConformance
import Testing
import TestSupport

let allVectors: [VectorCase] = (try? Vectors.load()) ?? []

@Suite struct SwiftConformanceTests {
    @Test func vectorFolderIsFoundAndFull() throws {
        let cases = try Vectors.load()
        #expect(cases.count > 400)
        #expect(Set(cases.map(\.id)).count == cases.count, "vector ids must be unique")
        #expect(throws: (any Error).self) { try Vectors.load(specDirectory: "/nonexistent/Spec") }
    }

    /// `Spec/expected-failures/swift.txt`: vectors Swift does not pass yet, each with its reason. A listed
    /// vector that passes fails here, so the list only shrinks.
    static let expectedFailures = Vectors.expectedFailures(implementation: "swift")

    @Test(arguments: allVectors)
    func swiftPassesVector(_ vector: VectorCase) throws {
        let failure = try ConformanceRunner().check(vector, on: SwiftTestee())
        if let reason = Self.expectedFailures[vector.id] {
            #expect(failure != nil, "\(vector.id) passes but is listed in expected-failures/swift.txt (\(reason))")
        } else {
            #expect(failure == nil, "\(vector.id): \(failure ?? "")")
        }
    }

    /// Every strict prefix of a valid message is `truncated`. Large vectors are cut at 256 spread points
    /// plus the first and last 64 positions, to keep the suite quick.
    @Test(arguments: allVectors.filter(\.isValid))
    func everyStrictPrefixIsTruncated(_ vector: VectorCase) throws {
        var registry = TypeRegistry()
        for name in vector.registered { try registry.registerOpaque(name, twoPhase: vector.twoPhase.contains(name)) }
        var decoder = PortableDecoder(registry: registry)
        decoder.unknownTypes = vector.passthrough ? .passthrough : .reject
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
        let sample = allVectors.filter { $0.suite.hasPrefix("portable/") || $0.suite == "core/integers" }
        let report = ConformanceRunner().run(sample, on: testee)
        #expect(report.unexpected.isEmpty, "\(report.unexpected.map { "\($0.vector.id): \($0.failure ?? "")" })")
        #expect(report.passed == sample.count)
    }
}

extension VectorCase: CustomTestStringConvertible {
    public var testDescription: String { id }
}

/// Finds the `pwire` executable SwiftPM built next to the test bundle.
enum PwireBinary {
    static func path() throws -> String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("pwire").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
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

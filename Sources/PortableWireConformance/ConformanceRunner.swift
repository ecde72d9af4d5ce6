// SPDX-License-Identifier: Apache-2.0
import PortableWire

/// Runs vector cases against an implementation and reports per case.
public struct ConformanceRunner {
    /// The result of one case.
    public struct Outcome: Sendable {
        public var vector: VectorCase
        /// nil when the case passed, else why not.
        public var failure: String?
        /// Listed in the implementation's expected-failures file, with the reason given there.
        public var expectedFailureReason: String?

        /// Passed, or failed as listed.
        public var isAcceptable: Bool { (failure == nil) == (expectedFailureReason == nil) }
    }

    /// A summary of a run.
    public struct Report: Sendable {
        public var implementation: String
        public var outcomes: [Outcome]
        public var passed: Int { outcomes.filter { $0.failure == nil && $0.expectedFailureReason == nil }.count }
        public var expectedFailures: Int { outcomes.filter { $0.failure != nil && $0.expectedFailureReason != nil }.count }
        /// Failed and not listed, or listed and passed (the list may only shrink).
        public var unexpected: [Outcome] { outcomes.filter { !$0.isAcceptable } }
        /// Ids in the expected-failures file that name no vector: stale entries fail the run too.
        public var staleExpectedFailures: [String] = []
        /// Whether the run is clean: nothing unexpected and no stale list entries.
        public var isClean: Bool { unexpected.isEmpty && staleExpectedFailures.isEmpty }
    }

    public init() {}

    /// Runs every case; a case listed in `expectedFailures` must fail.
    public func run(_ cases: [VectorCase], on testee: any ConformanceTestee, expectedFailures: [String: String] = [:])
        -> Report
    {
        var outcomes: [Outcome] = []
        outcomes.reserveCapacity(cases.count)
        for vector in cases {
            var failure: String?
            do { failure = try check(vector, on: testee) } catch { failure = "the run broke: \(error)" }
            outcomes.append(Outcome(vector: vector, failure: failure, expectedFailureReason: expectedFailures[vector.id]))
        }
        let ids = Set(cases.map(\.id))
        var report = Report(implementation: testee.name, outcomes: outcomes)
        report.staleExpectedFailures = expectedFailures.keys.filter { !ids.contains($0) }.sorted()
        return report
    }

    /// Checks one case; returns nil when it passes.
    public func check(_ vector: VectorCase, on testee: any ConformanceTestee) throws -> String? {
        let setup = DecodeSetup(
            registered: vector.registered, twoPhase: vector.twoPhase, passthrough: vector.passthrough, limits: vector.limits)
        switch vector.kind {
        case .decode: return try checkDecode(vector, setup: setup, on: testee)
        case .encode:
            switch try testee.encode(value: vector.encodeValue ?? .null, globalData: vector.encodeGlobalData) {
            case .bytes(let bytes):
                return "expected encoding to fail with \(vector.error ?? "?") but it wrote \(Notation.hex(Array(bytes.prefix(64))))"
            case .error(let code, let message):
                return code == vector.error ? nil : "expected encode error \(vector.error ?? "?") but got \(code): \(message)"
            }
        case .stream:
            let answer = try testee.stream(vector.chunks, setup: setup)
            for (i, expected) in vector.messages.enumerated() {
                guard i < answer.messages.count else {
                    let end = answer.error.map { "\($0): \(answer.message)" } ?? "a clean end"
                    return "expected \(vector.messages.count) messages but got \(answer.messages.count), then \(end)"
                }
                if answer.messages[i] != expected {
                    return "message \(i) is \(answer.messages[i].serialized.prefix(200)) but expected \(expected.serialized.prefix(200))"
                }
            }
            if answer.messages.count > vector.messages.count {
                return "expected \(vector.messages.count) messages but got \(answer.messages.count)"
            }
            if answer.error != vector.error {
                let got = answer.error.map { "\($0): \(answer.message)" } ?? "a clean end"
                return "expected the stream to end with \(vector.error ?? "a clean end") but got \(got)"
            }
            return nil
        }
    }

    func checkDecode(_ vector: VectorCase, setup: DecodeSetup, on testee: any ConformanceTestee) throws -> String? {
        let answer = try testee.decode(vector.bytes, setup: setup)
        if let code = vector.error {
            switch answer {
            case .value(let body, _): return "expected error \(code) but decoded \(body.serialized.prefix(200))"
            case .error(let got, let message):
                return got == code ? nil : "expected error \(code) but got \(got): \(message)"
            }
        }
        switch answer {
        case .error(let code, let message): return "expected a value but got \(code): \(message)"
        case .value(let body, let table):
            if body != vector.value {
                return "decoded \(body.serialized.prefix(300)) but expected \(vector.value?.serialized.prefix(300) ?? "nothing")"
            }
            let expectedTable = (vector.globalData?.arrayValue?.isEmpty ?? true) ? nil : vector.globalData
            if table != expectedTable {
                return "global data \(table?.serialized ?? "none") but expected \(expectedTable?.serialized ?? "none")"
            }
        }
        guard vector.canonical, let value = vector.value else { return nil }
        switch try testee.encode(value: value, globalData: vector.globalData) {
        case .error(let code, let message): return "encoding failed with \(code): \(message)"
        case .bytes(let bytes):
            if bytes != vector.bytes {
                return "encoded \(Notation.hex(Array(bytes.prefix(64)))) but expected \(Notation.hex(Array(vector.bytes.prefix(64))))"
            }
        }
        return nil
    }
}

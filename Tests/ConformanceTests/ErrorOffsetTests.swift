// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWire
import PortableWireConformance
import Testing

/// The conformance suite compares only error codes (Spec/format.md 6.6); the offsets are for people, and the
/// Spec recommends one for every code (format.md 6.6, portable-objects.md 14). Each invalid vector's description
/// states the offset worked out from those tables by the Spec's authors ("…; offset 14"): the library reports
/// exactly that offset, so a reader of an error can trust it points at the byte at fault.
@Suite struct ErrorOffsetTests {
    /// The last "offset N" in a description, if it states one.
    static func statedOffset(_ description: String) -> Int? {
        guard let range = description.range(of: "; offset ", options: .backwards) else { return nil }
        let digits = description[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
        return Int(digits)
    }

    @Test func libraryOffsetsAreTheOnesTheVectorsState() throws {
        let vectors = try Vectors.load().filter { !$0.isValid && $0.kind == .decode }
        var checked = 0
        var wrong: [String] = []
        for vector in vectors {
            guard let stated = Self.statedOffset(vector.description) else { continue }
            let decoder = try DecodeSetup(
                registered: vector.registered, twoPhase: vector.twoPhase, passthrough: vector.passthrough,
                limits: vector.limits
            ).decoder()
            do {
                _ = try decoder.decodeMessage(from: vector.bytes)
                wrong.append("\(vector.id): decodes")
            } catch let error as MessagePackError {
                if error.byteOffset != stated {
                    wrong.append("\(vector.id): offset \(error.byteOffset), the vector states \(stated) (\(error.code.name): \(error.detail))")
                }
            }
            checked += 1
        }
        #expect(checked > 150, "most invalid vectors state an offset")
        #expect(wrong.isEmpty, "\(wrong.count) of \(checked):\n\(wrong.joined(separator: "\n"))")
    }
}

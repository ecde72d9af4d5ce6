// SPDX-License-Identifier: Apache-2.0
#if Macros
import PortableWireMacrosPlugin
import SwiftSyntax
import SwiftSyntaxMacroExpansion
import SwiftSyntaxMacrosGenericTestSupport
import SwiftSyntaxMacros
import Testing

/// The generated text, read by a person once and pinned here; `CodableEquivalenceTests` checks its behaviour.
@Suite struct MacroExpansionTests {
    let specs: [String: MacroSpec] = [
        "MessagePackCodable": MacroSpec(
            type: MessagePackCodableMacro.self,
            conformances: ["MessagePackEncodable", "MessagePackDecodable"].map {
                TypeSyntax(IdentifierTypeSyntax(name: .identifier($0)))
            })
    ]

    func expand(
        _ source: String, _ expected: String, diagnostics: [DiagnosticSpec] = [],
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        assertMacroExpansion(
            source, expandedSource: expected, diagnostics: diagnostics, macroSpecs: specs,
            failureHandler: { Issue.record(Comment(rawValue: $0.message), sourceLocation: sourceLocation) })
    }

    @Test func structWithRenamedAndOptionalFields() {
        expand(
            """
            @MessagePackCodable
            public struct Point {
                public var x: Int
                public var label: String?
                public let kind: String = "p"
                enum CodingKeys: String, CodingKey { case x = "X", label, kind }
            }
            """,
            """
            EXPECTED
            """)
    }

    @Test func payloadEnum() {
        expand(
            """
            @MessagePackCodable
            enum Event {
                case tick
                case move(dx: Int, Double)
            }
            """,
            """
            EXPECTED
            """)
    }

    @Test func rawValueEnumAndClass() {
        expand(
            """
            @MessagePackCodable
            enum Color: String { case red, green = "GREEN" }
            @MessagePackCodable
            class Node {
                var value: [UInt8]
                var next: Node?
                var computed: Int { 1 }
                static var shared = 0
            }
            """,
            """
            EXPECTED
            """)
    }

    @Test func unsupportedShapesAreReportedAtTheAttributeOrMember() {
        expand(
            """
            @MessagePackCodable
            struct Box<T> { var value: T }
            """,
            """
            struct Box<T> { var value: T }
            """,
            diagnostics: [
                DiagnosticSpec(message: "@MessagePackCodable does not support generic types yet; write the conformance by hand", line: 1, column: 1)
            ])
        expand(
            """
            @MessagePackCodable
            struct Model {
                var untyped = 5
            }
            """,
            """
            struct Model {
                var untyped = 5
            }
            """,
            diagnostics: [
                DiagnosticSpec(message: "give 'untyped' a type annotation, so @MessagePackCodable can write its coding code", line: 3, column: 9)
            ])
        expand(
            """
            @MessagePackCodable
            struct Model {
                @Clamped var level: Int
            }
            """,
            """
            struct Model {
                @Clamped var level: Int
            }
            """,
            diagnostics: [
                DiagnosticSpec(message: "property wrappers are not supported by @MessagePackCodable; Codable would encode the wrapper, not the value", line: 3, column: 5)
            ])
        expand(
            """
            @MessagePackCodable
            struct Model {
                var a: Int
                enum CodingKeys: String, CodingKey { case a, b }
            }
            """,
            """
            struct Model {
                var a: Int
                enum CodingKeys: String, CodingKey { case a, b }
            }
            """,
            diagnostics: [
                DiagnosticSpec(message: "CodingKeys.b names no stored property of Model", line: 1, column: 1)
            ])
        expand(
            """
            @MessagePackCodable
            protocol P {}
            """,
            """
            protocol P {}
            """,
            diagnostics: [
                DiagnosticSpec(message: "@MessagePackCodable applies to a struct, class or enum", line: 1, column: 1)
            ])
    }
}
#endif

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
            type: CodingMacro.self,
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
            public struct Point {
                public var x: Int
                public var label: String?
                public let kind: String = "p"
                enum CodingKeys: String, CodingKey { case x = "X", label, kind 
            }
            }

            extension Point: MessagePackEncodable, MessagePackDecodable {
                @inlinable public func encode(to writer: inout MessagePackWriter) {
                    var count = 2
                    if self.label != nil {
                        count &+= 1
                    }
                    writer.writeMapHeader(count: count)
                    writer.writeKey("X")
                    writer.write(self.x)
                    if let value = self.label {
                        writer.writeKey("label")
                        writer.write(value)
                    }
                    writer.writeKey("kind")
                    writer.write(self.kind)
                }

                @inlinable public init(from reader: inout MessagePackReader) throws(MessagePackError) {
                    var _x: (Int)? = nil
                    var _label: (String)?? = nil
                    for _ in 0 ..< (try reader.readMapHeader()) {
                        guard let key = try reader.readFieldKey() else {
                            try reader.skipValue();
                            continue
                        }
                        switch key {
                        case "X":
                            if _x == nil {
                                _x = try reader.decode((Int).self, key: "X")
                            } else {
                                try reader.skipValue()
                            }
                        case "label":
                            if _label == nil {
                                _label = try reader.readNilIfPresent() ? .some(nil) : .some(reader.decode((String).self, key: "label"))
                            } else {
                                try reader.skipValue()
                            }
                        default:
                            try reader.skipValue()
                        }
                    }
                    self.x = try reader.required(_x, "X", in: "Point")
                    self.label = _label ?? nil
                }
            }
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
            enum Event {
                case tick
                case move(dx: Int, Double)
            }

            extension Event: MessagePackEncodable, MessagePackDecodable {
                func encode(to writer: inout MessagePackWriter) {
                    writer.writeMapHeader(count: 1)
                    switch self {
                    case .tick:
                        writer.writeKey("tick")
                        writer.writeMapHeader(count: 0)
                    case .move(let _0, let _1):
                        writer.writeKey("move")
                        writer.writeMapHeader(count: 2)
                        writer.writeKey("dx")
                        writer.write(_0)
                        writer.writeKey("_1")
                        writer.write(_1)
                    }
                }

                init(from reader: inout MessagePackReader) throws(MessagePackError) {
                    let start = reader.offset
                    var result: Self? = nil
                    var found = 0
                    for _ in 0 ..< (try reader.readMapHeader()) {
                        guard let key = try reader.readFieldKey() else {
                            try reader.skipValue();
                            continue
                        }
                        switch key {
                        case "tick":
                            found &+= 1
                            guard found == 1 else {
                                try reader.skipValue();
                                continue
                            }
                            result = try reader.decodeNested(key: "tick") { (reader: inout MessagePackReader) throws(MessagePackError) -> Event in
                                for _ in 0 ..< (try reader.readMapHeader()) {
                                    guard let key = try reader.readFieldKey() else {
                                        try reader.skipValue();
                                        continue
                                    }
                                    _ = key
                                    try reader.skipValue()
                                }
                                return .tick
                            }
                        case "move":
                            found &+= 1
                            guard found == 1 else {
                                try reader.skipValue();
                                continue
                            }
                            result = try reader.decodeNested(key: "move") { (reader: inout MessagePackReader) throws(MessagePackError) -> Event in
                                var _0: (Int)? = nil
                                var _1: (Double)? = nil
                                for _ in 0 ..< (try reader.readMapHeader()) {
                                    guard let key = try reader.readFieldKey() else {
                                        try reader.skipValue();
                                        continue
                                    }
                                    switch key {
                                    case "dx":
                                        if _0 == nil {
                                            _0 = try reader.decode((Int).self, key: "dx")
                                        } else {
                                            try reader.skipValue()
                                        }
                                    case "_1":
                                        if _1 == nil {
                                            _1 = try reader.decode((Double).self, key: "_1")
                                        } else {
                                            try reader.skipValue()
                                        }
                                    default:
                                        try reader.skipValue()
                                    }
                                }
                                return .move(dx: try reader.required(_0, "dx", in: "Event.move"), try reader.required(_1, "_1", in: "Event.move"))
                            }
                        default:
                            try reader.skipValue()
                        }
                    }
                    guard found == 1, let result else {
                        throw MessagePackError.caseCount(found, of: "Event", at: start)
                    }
                    self = result
                }
            }
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
            enum Color: String { case red, green = "GREEN" 
            }
            class Node {
                var value: [UInt8]
                var next: Node?
                var computed: Int { 1 }
                static var shared = 0

                func encode(to writer: inout MessagePackWriter) {
                    var count = 1
                    if self.next != nil {
                        count &+= 1
                    }
                    writer.writeMapHeader(count: count)
                    writer.writeKey("value")
                    writer.writeBinary(self.value)
                    if let value = self.next {
                        writer.writeKey("next")
                        writer.encode(value)
                    }
                }

                required init(from reader: inout MessagePackReader) throws(MessagePackError) {
                    var _value: ([UInt8])? = nil
                    var _next: (Node)?? = nil
                    for _ in 0 ..< (try reader.readMapHeader()) {
                        guard let key = try reader.readFieldKey() else {
                            try reader.skipValue();
                            continue
                        }
                        switch key {
                        case "value":
                            if _value == nil {
                                _value = try reader.decodeBinary(key: "value")
                            } else {
                                try reader.skipValue()
                            }
                        case "next":
                            if _next == nil {
                                _next = try reader.readNilIfPresent() ? .some(nil) : .some(reader.decode((Node).self, key: "next"))
                            } else {
                                try reader.skipValue()
                            }
                        default:
                            try reader.skipValue()
                        }
                    }
                    self.value = try reader.required(_value, "value", in: "Node")
                    self.next = _next ?? nil
                }
            }

            extension Color: MessagePackEncodable, MessagePackDecodable {
                func encode(to writer: inout MessagePackWriter) {
                    writer.write(self.rawValue)
                }

                init(from reader: inout MessagePackReader) throws(MessagePackError) {
                    let start = reader.offset
                    let raw = try reader.decode(String.self)
                    guard let value = Self(rawValue: raw) else {
                        reader.offset = start
                        throw MessagePackError.unknownCase("\\(raw)", of: "Color", at: start)
                    }
                    self = value
                }
            }

            extension Node: MessagePackEncodable, MessagePackDecodable {

            }
            """)
    }

    @Test func unsupportedShapesAreReportedAtTheAttributeOrMember() {
        expand(
            """
            @MessagePackCodable
            struct Box<T> { var value: T }
            """,
            """
            struct Box<T> { var value: T 
            }
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
                enum CodingKeys: String, CodingKey { case a, b 
            }
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

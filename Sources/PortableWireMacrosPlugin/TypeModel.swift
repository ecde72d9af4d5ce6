// SPDX-License-Identifier: Apache-2.0
#if Macros
import SwiftDiagnostics
import SwiftParser
import SwiftSyntax
import SwiftSyntaxBuilder
import SwiftSyntaxMacros

/// A diagnostic of the macros, placed at the attribute (or at the member it names).
struct MacroMessage: DiagnosticMessage {
    let message: String
    let id: String
    var diagnosticID: MessageID { MessageID(domain: "PortableWireMacros", id: id) }
    var severity: DiagnosticSeverity { .error }
}

/// Thrown to stop an expansion after its diagnostics were emitted.
struct ExpansionStopped: Error {}

/// How one Swift type is written and read by the generated code.
///
/// The choices follow what `MessagePackEncoder` does for the same type, so the bytes match: `[UInt8]` is bin,
/// scalars are written directly, anything else goes through its `MessagePackEncodable` conformance.
struct FieldType {
    /// The type as written in the source, without the outer optional.
    let spelling: String
    /// Whether the declared type was `T?`, `Optional<T>` or `T!` (Codable's `encodeIfPresent`/`decodeIfPresent`).
    let isOptional: Bool

    init(_ type: TypeSyntax) {
        var isOptional = false
        var inner = type
        if let optional = type.as(OptionalTypeSyntax.self) {
            isOptional = true
            inner = optional.wrappedType
        } else if let iuo = type.as(ImplicitlyUnwrappedOptionalTypeSyntax.self) {
            isOptional = true
            inner = iuo.wrappedType
        } else if let identifier = type.as(IdentifierTypeSyntax.self), identifier.name.text == "Optional",
            let argument = identifier.genericArgumentClause?.arguments.first
        {
            isOptional = true
            inner = TypeSyntax(fromProtocol: argument.argument.as(TypeSyntax.self) ?? type)
        }
        self.isOptional = isOptional
        self.spelling = inner.trimmedDescription
    }

    private static let directlyWritten: Set<String> = [
        "Int", "Int64", "UInt64", "Double", "Float", "Bool", "String", "Swift.Int", "Swift.String", "Swift.Double",
        "Swift.Bool",
    ]

    var isBinary: Bool { ["[UInt8]", "Array<UInt8>", "[Swift.UInt8]"].contains(spelling) }
    var isUInt8: Bool { spelling == "UInt8" || spelling == "Swift.UInt8" }
    /// `[Element]` or `Array<Element>`, as written.
    var arrayElement: String? {
        if spelling.hasPrefix("["), spelling.hasSuffix("]"), !spelling.contains(":") {
            return String(spelling.dropFirst().dropLast())
        }
        if spelling.hasPrefix("Array<"), spelling.hasSuffix(">") { return String(spelling.dropFirst(6).dropLast()) }
        return nil
    }

    /// A statement writing `value` (an expression of this type, not optional).
    func encodeStatement(_ value: String) -> String {
        if isBinary { return "writer.writeBinary(\(value))" }
        if isUInt8 { return "writer.write(UInt64(\(value)))" }
        if Self.directlyWritten.contains(spelling) { return "writer.write(\(value))" }
        if arrayElement != nil { return "writer.encodeArray(\(value))" }
        return "writer.encode(\(value))"
    }

    /// An expression reading one value of this type (not optional) for map key `key`.
    func decodeExpression(key: String) -> String {
        let literal = stringLiteral(key)
        if isBinary { return "reader.decodeBinary(key: \(literal))" }
        if isUInt8 { return "reader.decodeInteger(UInt8.self, key: \(literal))" }
        return "reader.decode((\(spelling)).self, key: \(literal))"
    }
}

/// A Swift string literal for `text`, escaped.
func stringLiteral(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// One stored property that the synthesized `Codable` conformance would encode.
struct StoredField {
    let name: String
    /// The map key: the `CodingKeys` raw value, or the property name.
    var key: String
    let type: FieldType
    /// `let` with an initial value: encoded, never decoded (as synthesized `Codable` does, with a warning).
    let isDecoded: Bool
    /// Whether the declaration has an initial value (needed for properties left out of `CodingKeys`).
    let hasInitialValue: Bool
}

/// The keys of a `CodingKeys`-style enum: case name to key string, in declaration order.
struct CodingKeyTable {
    var entries: [(caseName: String, key: String)] = []

    /// Reads a nested enum such as `enum CodingKeys: String, CodingKey { case id, name = "full_name" }`.
    init?(named name: String, in members: MemberBlockItemListSyntax) {
        guard
            let decl = members.lazy.compactMap({ $0.decl.as(EnumDeclSyntax.self) }).first(where: {
                $0.name.text == name
            })
        else { return nil }
        let isStringRaw =
            decl.inheritanceClause?.inheritedTypes.contains { $0.type.trimmedDescription == "String" } ?? false
        for member in decl.memberBlock.members {
            guard let caseDecl = member.decl.as(EnumCaseDeclSyntax.self) else { continue }
            for element in caseDecl.elements {
                let caseName = element.name.text.trimmingBackticks
                var key = caseName
                if isStringRaw, let raw = element.rawValue?.value.as(StringLiteralExprSyntax.self),
                    let text = raw.representedLiteralValue
                {
                    key = text
                }
                entries.append((caseName, key))
            }
        }
    }

    func key(for caseName: String) -> String? { entries.first { $0.caseName == caseName }?.key }
}

extension String {
    var trimmingBackticks: String {
        hasPrefix("`") && hasSuffix("`") && count >= 2 ? String(dropFirst().dropLast()) : self
    }
    /// `foo` → `Foo`, as Swift names the per-case key enums (`FooCodingKeys`).
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}

/// The access level the generated members need: the type's own, so they can satisfy public protocols.
func accessPrefix(of declaration: some DeclGroupSyntax) -> (modifier: String, isPublic: Bool) {
    for modifier in declaration.modifiers {
        switch modifier.name.tokenKind {
        case .keyword(.public), .keyword(.open): return ("public ", true)
        case .keyword(.package): return ("package ", true)
        default: continue
        }
    }
    return ("", false)
}

/// Whether a declaration's modifiers make it visible to `@inlinable` code of a public type.
func isPublicMember(_ modifiers: DeclModifierListSyntax) -> Bool {
    modifiers.contains {
        switch $0.name.tokenKind {
        case .keyword(.public), .keyword(.open), .keyword(.package):
            return $0.detail == nil  // `public private(set) var` is still readable, but keep it simple
        default: return false
        }
    }
}

extension FieldType {
    private static let plainScalars: Set<String> = [
        "Int", "Int8", "Int16", "Int32", "Int64", "UInt", "UInt16", "UInt32", "UInt64", "Double", "Float", "Bool",
        "String",
    ]

    /// Whether the portable coders would write this type exactly as the plain typed path does: scalars, bin, and
    /// arrays of scalars. Anything else may hold a portable object (or be a dictionary, whose order the portable
    /// encoder's options decide), so generated portable code hands it to the portable coders.
    var isPlainForPortable: Bool {
        if isBinary || isUInt8 || Self.plainScalars.contains(spelling) { return true }
        if let element = arrayElement { return Self.plainScalars.contains(element) }
        return false
    }
}
#endif

// SPDX-License-Identifier: Apache-2.0
#if Macros
import SwiftDiagnostics
import SwiftParser
import SwiftSyntax
import SwiftSyntaxBuilder
import SwiftSyntaxMacros

/// `@MessagePackCodable` and `@Portable("app.Person")`: one implementation for both attributes, told apart by the
/// attribute's name.
///
/// - `@MessagePackCodable` generates `MessagePackEncodable` and `MessagePackDecodable` with the bytes and decoding
///   rules of the synthesized `Codable` conformance.
/// - `@Portable("name")` makes a struct or class a portable type whose data the portable coders write and read
///   through generated typed code (`PortableCodable`), with the bytes of its `Codable` conformance.
///
/// Structs and enums get their members in an extension (so a struct keeps its memberwise initializer); classes
/// get them in the class body (a designated, `required` initializer cannot live in an extension). Problems are
/// reported by the extension role; the member role stays quiet, so that each is reported once.
public struct CodingMacro: ExtensionMacro, MemberMacro {
    public static func expansion(
        of node: AttributeSyntax, attachedTo declaration: some DeclGroupSyntax,
        providingExtensionsOf type: some TypeSyntaxProtocol, conformingTo protocols: [TypeSyntax],
        in context: some MacroExpansionContext
    ) throws -> [ExtensionDeclSyntax] {
        let portable = isPortable(node)
        let plan: CodingPlan
        do {
            plan = try CodingPlan(declaration, attribute: node, context: context, macroName: macroName(node))
        } catch is ExpansionStopped {
            return []
        }
        var members: [String] = []
        if portable {
            guard case .fields = plan.shape else {
                context.diagnose(
                    Diagnostic(
                        node: Syntax(node),
                        message: MacroMessage(
                            message: "@Portable supports structs and classes; for an enum use @MessagePackCodable and conform to Portable",
                            id: "portableEnum")))
                return []
            }
            if let name = portableName(node) {
                members.append("\(plan.access)static var portableName: String { \(stringLiteral(name)) }")
            }
        }
        if !plan.isClass { members += portable ? plan.portableMembers() : plan.members() }
        let conformances = protocols.map(\.trimmedDescription)
        let clause = conformances.isEmpty ? "" : ": " + conformances.joined(separator: ", ")
        let source = "extension \(type.trimmedDescription)\(clause) {\n\(members.joined(separator: "\n\n"))\n}"
        guard let decl = DeclSyntax(stringLiteral: source).as(ExtensionDeclSyntax.self) else { return [] }
        return [decl]
    }

    public static func expansion(
        of node: AttributeSyntax, providingMembersOf declaration: some DeclGroupSyntax,
        conformingTo protocols: [TypeSyntax], in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        guard declaration.is(ClassDeclSyntax.self),
            let plan = try? CodingPlan(declaration, attribute: node, context: nil, macroName: macroName(node))
        else { return [] }
        let members = isPortable(node) ? plan.portableMembers() : plan.members()
        return members.map { DeclSyntax(stringLiteral: $0) }
    }

    /// Whether the attribute is `@Portable` (possibly module-qualified) rather than `@MessagePackCodable`.
    static func isPortable(_ node: AttributeSyntax) -> Bool {
        node.attributeName.trimmedDescription.split(separator: ".").last == "Portable"
    }

    /// The attribute as diagnostics name it.
    static func macroName(_ node: AttributeSyntax) -> String { isPortable(node) ? "@Portable" : "@MessagePackCodable" }

    /// The name argument: `@Portable("app.Person")`.
    static func portableName(_ node: AttributeSyntax) -> String? {
        guard case .argumentList(let arguments) = node.arguments, let first = arguments.first,
            let literal = first.expression.as(StringLiteralExprSyntax.self)
        else { return nil }
        return literal.representedLiteralValue
    }
}

/// What the generated code does for one type: the fields of a struct or class, or the cases of an enum.
struct CodingPlan {
    enum Shape {
        case fields([StoredField])
        case rawValueEnum(rawType: String, cases: [String])
        case payloadEnum([EnumCase])
    }

    struct EnumCase {
        let name: String
        let key: String
        /// Parameter labels as they appear in the pattern (`nil` for unlabeled) and their keys and types.
        let parameters: [(label: String?, key: String, type: FieldType)]
    }

    let typeName: String
    let shape: Shape
    let isClass: Bool
    let isFinal: Bool
    let access: String
    let inlinable: Bool

    init(
        _ declaration: some DeclGroupSyntax, attribute: AttributeSyntax, context: (any MacroExpansionContext)?,
        macroName: String = "@MessagePackCodable"
    ) throws {
        func stop(_ node: some SyntaxProtocol, _ message: String, id: String) -> ExpansionStopped {
            context?.diagnose(Diagnostic(node: Syntax(node), message: MacroMessage(message: message, id: id)))
            return ExpansionStopped()
        }
        let (access, isPublic) = accessPrefix(of: declaration)
        self.access = access
        if let structDecl = declaration.as(StructDeclSyntax.self) {
            typeName = structDecl.name.text
            if structDecl.genericParameterClause != nil {
                throw stop(attribute, "\(macroName) does not support generic types yet; write the conformance by hand", id: "generic")
            }
            isClass = false
            isFinal = true
        } else if let classDecl = declaration.as(ClassDeclSyntax.self) {
            typeName = classDecl.name.text
            if classDecl.genericParameterClause != nil {
                throw stop(attribute, "\(macroName) does not support generic types yet; write the conformance by hand", id: "generic")
            }
            isClass = true
            isFinal = classDecl.modifiers.contains { $0.name.tokenKind == .keyword(.final) }
        } else if let enumDecl = declaration.as(EnumDeclSyntax.self) {
            typeName = enumDecl.name.text
            if enumDecl.genericParameterClause != nil {
                throw stop(attribute, "\(macroName) does not support generic types yet; write the conformance by hand", id: "generic")
            }
            isClass = false
            isFinal = true
        } else {
            throw stop(attribute, "\(macroName) applies to a struct, class or enum", id: "shape")
        }
        let members = declaration.memberBlock.members

        if let enumDecl = declaration.as(EnumDeclSyntax.self) {
            var cases: [(name: String, parameters: EnumCaseParameterListSyntax?, node: EnumCaseElementSyntax)] = []
            for member in members {
                guard let caseDecl = member.decl.as(EnumCaseDeclSyntax.self) else { continue }
                for element in caseDecl.elements {
                    cases.append((element.name.text.trimmingBackticks, element.parameterClause?.parameters, element))
                }
            }
            let rawTypes: Set<String> = [
                "String", "Int", "Int8", "Int16", "Int32", "Int64", "UInt", "UInt8", "UInt16", "UInt32", "UInt64",
                "Double", "Float",
            ]
            if let first = enumDecl.inheritanceClause?.inheritedTypes.first?.type.trimmedDescription,
                rawTypes.contains(first)
            {
                shape = .rawValueEnum(rawType: first, cases: cases.map(\.name))
            } else {
                if cases.isEmpty {
                    throw stop(attribute, "an enum without cases has no values to encode", id: "emptyEnum")
                }
                let keys = CodingKeyTable(named: "CodingKeys", in: members)
                var result: [EnumCase] = []
                for c in cases {
                    let caseKeys = CodingKeyTable(named: c.name.capitalizedFirst + "CodingKeys", in: members)
                    var parameters: [(String?, String, FieldType)] = []
                    let list: [EnumCaseParameterSyntax] = c.parameters.map { Array($0) } ?? []
                    for (index, parameter) in list.enumerated() {
                        var label: String? = nil
                        if let first = parameter.firstName, first.text != "_" { label = first.text.trimmingBackticks }
                        let defaultKey = label ?? "_\(index)"
                        let key = caseKeys?.key(for: defaultKey) ?? defaultKey
                        parameters.append((label, key, FieldType(parameter.type)))
                    }
                    guard let key = keys == nil ? c.name : keys!.key(for: c.name) else {
                        throw stop(c.node, "case \(c.name) is not in CodingKeys; synthesized Codable cannot encode it either", id: "caseKey")
                    }
                    result.append(EnumCase(name: c.name, key: key, parameters: parameters))
                }
                shape = .payloadEnum(result)
            }
            inlinable = isPublic
            return
        }

        // Stored properties, in declaration order.
        var fields: [StoredField] = []
        var allPublic = true
        for member in members {
            guard let variable = member.decl.as(VariableDeclSyntax.self) else { continue }
            if variable.modifiers.contains(where: {
                [.keyword(.static), .keyword(.class)].contains($0.name.tokenKind)
            }) {
                continue
            }
            if variable.modifiers.contains(where: { $0.name.tokenKind == .keyword(.lazy) }) {
                throw stop(variable, "lazy properties are not supported by \(macroName)", id: "lazy")
            }
            if let wrapper = variable.attributes.first {
                throw stop(wrapper, "property wrappers are not supported by \(macroName); Codable would encode the wrapper, not the value", id: "wrapper")
            }
            let isLet = variable.bindingSpecifier.tokenKind == .keyword(.let)
            // In `var a, b: Int` only the last binding carries the type; give it to the ones before.
            var pendingType: TypeSyntax? = nil
            var collected: [StoredField] = []
            for binding in variable.bindings.reversed() {
                if let accessors = binding.accessorBlock {
                    // Computed unless every accessor is an observer.
                    switch accessors.accessors {
                    case .getter: continue
                    case .accessors(let list):
                        let observers = list.allSatisfy {
                            [.keyword(.willSet), .keyword(.didSet)].contains($0.accessorSpecifier.tokenKind)
                        }
                        if !observers { continue }
                    }
                }
                guard let pattern = binding.pattern.as(IdentifierPatternSyntax.self) else {
                    throw stop(binding, "destructuring patterns are not supported by \(macroName)", id: "pattern")
                }
                if let annotation = binding.typeAnnotation?.type { pendingType = annotation }
                guard let type = pendingType else {
                    throw stop(binding, "give '\(pattern.identifier.text)' a type annotation, so \(macroName) can write its coding code", id: "annotation")
                }
                let hasValue = binding.initializer != nil
                let name = pattern.identifier.text.trimmingBackticks
                collected.append(StoredField(name: name, key: name, type: FieldType(type), isDecoded: !(isLet && hasValue), hasInitialValue: hasValue || FieldType(type).isOptional && !isLet))
            }
            if !collected.isEmpty && !isPublicMember(variable.modifiers) { allPublic = false }
            fields.append(contentsOf: collected.reversed())
        }

        // `CodingKeys` decides which fields take part, in its order, and their keys.
        if let keys = CodingKeyTable(named: "CodingKeys", in: members) {
            var ordered: [StoredField] = []
            for (caseName, key) in keys.entries {
                guard var field = fields.first(where: { $0.name == caseName }) else {
                    throw stop(attribute, "CodingKeys.\(caseName) names no stored property of \(typeName)", id: "unknownKey")
                }
                field.key = key
                ordered.append(field)
            }
            for field in fields where !ordered.contains(where: { $0.name == field.name }) && !field.hasInitialValue {
                throw stop(attribute, "'\(field.name)' is not in CodingKeys and has no initial value; give it one or add it to CodingKeys", id: "missingKey")
            }
            fields = ordered
        }
        shape = .fields(fields)
        inlinable = isPublic && allPublic
    }

    // MARK: Generated members

    func members() -> [String] {
        let attributes = inlinable ? "@inlinable " : ""
        let initKeyword = isClass && !isFinal ? "required init" : "init"
        var encode = "\(attributes)\(access)func encode(to writer: inout MessagePackWriter) {\n"
        var decode = "\(attributes)\(access)\(initKeyword)(from reader: inout MessagePackReader) throws(MessagePackError) {\n"
        switch shape {
        case .fields(let fields):
            encode += encodeMap(fields.map { ("self.\($0.name)", $0.key, $0.type) }, indent: "    ")
            decode += decodeFields(fields)
        case .rawValueEnum(let rawType, _):
            let type = FieldType(TypeSyntax(stringLiteral: rawType))
            encode += "    " + type.encodeStatement("self.rawValue") + "\n"
            decode += """
                    let start = reader.offset
                    let raw = try \(rawType == "UInt8" ? "reader.decodeInteger(UInt8.self)" : "reader.decode(\(rawType).self)")
                    guard let value = Self(rawValue: raw) else {
                        reader.offset = start
                        throw MessagePackError.unknownCase("\\(raw)", of: \(stringLiteral(typeName)), at: start)
                    }
                    self = value

                """
        case .payloadEnum(let cases):
            encode += encodePayloadEnum(cases)
            decode += decodePayloadEnum(cases)
        }
        encode += "}"
        decode += "}"
        return [encode, decode]
    }

    /// Statements writing a map of `entries` (value expression, key, type); optionals are left out when nil.
    ///
    /// With `portable`, the statements are those of `encodePortableData(to: data)`: plain fields through
    /// `data.writer`, the others through the portable encoder (`data.encode(_:key:)`).
    func encodeMap(
        _ entries: [(value: String, key: String, type: FieldType)], indent: String, portable: Bool = false
    ) -> String {
        let writer = portable ? "data.writer" : "writer"
        func write(_ value: String, _ key: String, _ type: FieldType) -> String {
            portable && !type.isPlainForPortable
                ? "try data.encode(\(value), key: \(stringLiteral(key)))"
                : (portable ? "data." : "") + type.encodeStatement(value)
        }
        var out = ""
        let required = entries.filter { !$0.type.isOptional }.count
        let optionals = entries.filter { $0.type.isOptional }
        if optionals.isEmpty {
            out += "\(indent)\(writer).writeMapHeader(count: \(required))\n"
        } else {
            out += "\(indent)var count = \(required)\n"
            for entry in optionals { out += "\(indent)if \(entry.value) != nil { count &+= 1 }\n" }
            out += "\(indent)\(writer).writeMapHeader(count: count)\n"
        }
        for entry in entries {
            if entry.type.isOptional {
                out += "\(indent)if let value = \(entry.value) {\n"
                out += "\(indent)    \(writer).writeKey(\(stringLiteral(entry.key)))\n"
                out += "\(indent)    \(write("value", entry.key, entry.type))\n"
                out += "\(indent)}\n"
            } else {
                out += "\(indent)\(writer).writeKey(\(stringLiteral(entry.key)))\n"
                out += "\(indent)\(write(entry.value, entry.key, entry.type))\n"
            }
        }
        return out
    }

    /// Statements reading a map into locals named `_name`: the first occurrence of a key wins (as in `Codable`),
    /// unknown and non-string keys are skipped.
    ///
    /// With `portable`, the statements are those of `init(portableData: data)`: plain fields through `data.reader`,
    /// the others through the portable decoder (`data.decode(_:key:)`).
    func decodeLoop(
        _ entries: [(local: String, key: String, type: FieldType)], indent: String, portable: Bool = false
    ) -> String {
        let reader = portable ? "data.reader" : "reader"
        func read(_ key: String, _ type: FieldType) -> String {
            portable && !type.isPlainForPortable
                ? "data.decode((\(type.spelling)).self, key: \(stringLiteral(key)))"
                : (portable ? "data." : "") + type.decodeExpression(key: key)
        }
        var out = ""
        for entry in entries {
            let stored = entry.type.isOptional ? "(\(entry.type.spelling))??" : "(\(entry.type.spelling))?"
            out += "\(indent)var \(entry.local): \(stored) = nil\n"
        }
        out += "\(indent)for _ in 0..<(try \(reader).readMapHeader()) {\n"
        out += "\(indent)    guard let key = try \(reader).readFieldKey() else { try \(reader).skipValue(); continue }\n"
        if entries.isEmpty {
            out += "\(indent)    _ = key\n\(indent)    try \(reader).skipValue()\n"
        } else {
            out += "\(indent)    switch key {\n"
            for entry in entries {
                let one = read(entry.key, entry.type)
                let value =
                    entry.type.isOptional ? "try \(reader).readNilIfPresent() ? .some(nil) : .some(\(one))" : "try " + one
                out += "\(indent)    case \(stringLiteral(entry.key)):\n"
                out += "\(indent)        if \(entry.local) == nil { \(entry.local) = \(value) } else { try \(reader).skipValue() }\n"
            }
            out += "\(indent)    default: try \(reader).skipValue()\n"
            out += "\(indent)    }\n"
        }
        out += "\(indent)}\n"
        return out
    }

    func decodeFields(_ fields: [StoredField], portable: Bool = false) -> String {
        let decoded = fields.filter(\.isDecoded)
        let reader = portable ? "data.reader" : "reader"
        var out = decodeLoop(decoded.map { ("_\($0.name)", $0.key, $0.type) }, indent: "    ", portable: portable)
        for field in decoded {
            if field.type.isOptional {
                out += "    self.\(field.name) = _\(field.name) ?? nil\n"
            } else {
                out += "    self.\(field.name) = try \(reader).required(_\(field.name), \(stringLiteral(field.key)), in: \(stringLiteral(typeName)))\n"
            }
        }
        return out
    }

    func encodePayloadEnum(_ cases: [EnumCase]) -> String {
        var out = "    writer.writeMapHeader(count: 1)\n    switch self {\n"
        for c in cases {
            let bindings = c.parameters.indices.map { "let _\($0)" }
            let pattern = bindings.isEmpty ? ".\(c.name)" : ".\(c.name)(\(bindings.joined(separator: ", ")))"
            out += "    case \(pattern):\n"
            out += "        writer.writeKey(\(stringLiteral(c.key)))\n"
            out += encodeMap(
                c.parameters.enumerated().map { ("_\($0.offset)", $0.element.key, $0.element.type) }, indent: "        ")
        }
        out += "    }\n"
        return out
    }

    func decodePayloadEnum(_ cases: [EnumCase]) -> String {
        var out = """
                let start = reader.offset
                var result: Self? = nil
                var found = 0
                for _ in 0..<(try reader.readMapHeader()) {
                    guard let key = try reader.readFieldKey() else { try reader.skipValue(); continue }
                    switch key {

            """
        let caseType = typeName
        for c in cases {
            out += "        case \(stringLiteral(c.key)):\n"
            out += "            found &+= 1\n"
            out += "            guard found == 1 else { try reader.skipValue(); continue }\n"
            out += "            result = try reader.decodeNested(key: \(stringLiteral(c.key))) { (reader: inout MessagePackReader) throws(MessagePackError) -> \(caseType) in\n"
            let locals = c.parameters.enumerated().map { ("_\($0.offset)", $0.element.key, $0.element.type) }
            out += decodeLoop(locals, indent: "                ")
            if c.parameters.isEmpty {
                out += "                return .\(c.name)\n"
            } else {
                var arguments: [String] = []
                for (index, parameter) in c.parameters.enumerated() {
                    let value =
                        parameter.type.isOptional
                        ? "_\(index) ?? nil"
                        : "try reader.required(_\(index), \(stringLiteral(parameter.key)), in: \(stringLiteral("\(typeName).\(c.name)")))"
                    arguments.append(parameter.label.map { "\($0): \(value)" } ?? value)
                }
                out += "                return .\(c.name)(\(arguments.joined(separator: ", ")))\n"
            }
            out += "            }\n"
        }
        out += """
                    default: try reader.skipValue()
                    }
                }
                guard found == 1, let result else {
                    throw MessagePackError.caseCount(found, of: \(stringLiteral(typeName)), at: start)
                }
                self = result

            """
        return out
    }
}
#endif

// SPDX-License-Identifier: Apache-2.0
#if Macros
// The code `@Portable` generates (CodingMacro.swift has the macro itself).

extension CodingPlan {
    /// `encodePortableData(to:)` and `init(portableData:)`: plain fields through the reader and writer, the rest
    /// through the portable coders (objects, references, cycles), in the order and with the keys of `Codable`.
    func portableMembers() -> [String] {
        guard case .fields(let fields) = shape else { return [] }
        let attributes = inlinable ? "@inlinable " : ""
        let initKeyword = isClass && !isFinal ? "required init" : "init"
        var encode = "\(attributes)\(access)func encodePortableData(to data: PortableDataEncoder) throws {\n"
        let required = fields.filter { !$0.type.isOptional }.count
        let optionals = fields.filter { $0.type.isOptional }
        if optionals.isEmpty {
            encode += "    data.writer.writeMapHeader(count: \(required))\n"
        } else {
            encode += "    var count = \(required)\n"
            for field in optionals { encode += "    if self.\(field.name) != nil { count &+= 1 }\n" }
            encode += "    data.writer.writeMapHeader(count: count)\n"
        }
        for field in fields {
            let key = stringLiteral(field.key)
            let value = field.type.isOptional ? "value" : "self.\(field.name)"
            let write =
                field.type.isPlainForPortable
                ? "data.\(field.type.encodeStatement(value))"
                : "try data.encode(\(value), key: \(key))"
            if field.type.isOptional {
                encode += "    if let value = self.\(field.name) {\n"
                encode += "        data.writer.writeKey(\(key))\n        \(write)\n    }\n"
            } else {
                encode += "    data.writer.writeKey(\(key))\n    \(write)\n"
            }
        }
        encode += "}"

        var decode = "\(attributes)\(access)\(initKeyword)(portableData data: PortableDataDecoder) throws {\n"
        let decoded = fields.filter(\.isDecoded)
        for field in decoded {
            let stored = field.type.isOptional ? "(\(field.type.spelling))??" : "(\(field.type.spelling))?"
            decode += "    var _\(field.name): \(stored) = nil\n"
        }
        decode += "    for _ in 0..<(try data.reader.readMapHeader()) {\n"
        decode += "        guard let key = try data.reader.readFieldKey() else { try data.reader.skipValue(); continue }\n"
        if decoded.isEmpty {
            decode += "        _ = key\n        try data.reader.skipValue()\n"
        } else {
            decode += "        switch key {\n"
            for field in decoded {
                let key = stringLiteral(field.key)
                let one =
                    field.type.isPlainForPortable
                    ? "data.\(field.type.decodeExpression(key: field.key))"
                    : "data.decode((\(field.type.spelling)).self, key: \(key))"
                let read =
                    field.type.isOptional
                    ? "try data.reader.readNilIfPresent() ? .some(nil) : .some(\(one))" : "try \(one)"
                decode += "        case \(key):\n"
                decode += "            if _\(field.name) == nil { _\(field.name) = \(read) } else { try data.reader.skipValue() }\n"
            }
            decode += "        default: try data.reader.skipValue()\n        }\n"
        }
        decode += "    }\n"
        for field in decoded {
            if field.type.isOptional {
                decode += "    self.\(field.name) = _\(field.name) ?? nil\n"
            } else {
                decode += "    self.\(field.name) = try data.reader.required(_\(field.name), \(stringLiteral(field.key)), in: \(stringLiteral(typeName)))\n"
            }
        }
        decode += "}"
        return [encode, decode]
    }
}
#endif

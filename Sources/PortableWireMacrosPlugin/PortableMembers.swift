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
        encode += encodeMap(fields.map { ("self.\($0.name)", $0.key, $0.type) }, indent: "    ", portable: true)
        encode += "}"
        var decode = "\(attributes)\(access)\(initKeyword)(portableData data: PortableDataDecoder) throws {\n"
        decode += decodeFields(fields, portable: true)
        decode += "}"
        return [encode, decode]
    }
}
#endif

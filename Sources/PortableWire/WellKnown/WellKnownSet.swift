// SPDX-License-Identifier: Apache-2.0
import MessagePack

// `Set` is the well-known type `pw.set`: an array of distinct elements, canonically sorted by their standalone
// encodings (Spec/well-known-types.md 8.1).

/// A `Set` whose elements the portable encoder can write.
protocol _WellKnownEncodableSet {
    func _writeWellKnownSet(_ state: PortableEncodingState, _ impl: _EncoderImpl) throws
}

/// A `Set` whose elements the portable decoder can read.
protocol _WellKnownDecodableSet {
    static func _readWellKnownSet(_ state: PortableDecodingState, _ impl: _DecoderImpl) throws -> Self
}

extension Set: _WellKnownEncodableSet where Element: Encodable {
    func _writeWellKnownSet(_ state: PortableEncodingState, _ impl: _EncoderImpl) throws {
        var elements = Array(self)
        // Canonical order: by each element's encoding as a message of its own. A set holding class instances has
        // none (sorting would move which occurrence of a shared instance is written in full): any order will do.
        var keys: [[UInt8]] = []
        keys.reserveCapacity(elements.count)
        for element in elements {
            guard let standalone = try? state.standaloneEncoding(element), !standalone.hasIdentityObjects else {
                keys = []
                break
            }
            keys.append(standalone.bytes)
        }
        if keys.count == elements.count {
            let order = keys.indices.sorted { keys[$0].lexicographicallyPrecedes(keys[$1]) }
            elements = order.map { elements[$0] }
        }
        try state.writeWellKnown(.set, impl) {
            try PortableEncodingState.writeArray(elements, impl) { try impl.encodeValue($0) }
        }
    }
}

extension Set: _WellKnownDecodableSet where Element: Decodable {
    static func _readWellKnownSet(_ state: PortableDecodingState, _ impl: _DecoderImpl) throws -> Set<Element> {
        try state.readWellKnown(.set, impl) { start in
            let b = try impl.reader.peekFormatByte()
            guard (0x90...0x9f).contains(b) || b == FormatByte.array16 || b == FormatByte.array32 else {
                throw MessagePackError(
                    .typeMismatch, at: start, "pw.set data is an array, not \(FormatByte.familyName(b))",
                    hint: "see Spec/well-known-types.md 8.1")
            }
            let count = try impl.reader.readArrayHeader()
            impl.depth += 1
            defer { impl.depth -= 1 }
            var set = Set<Element>(minimumCapacity: Swift.min(count, impl.reader.remainingByteCount))
            for i in 0..<count {
                impl.codingPath.append(_IndexKey(intValue: i))
                defer { impl.codingPath.removeLast() }
                let element: Element
                do { element = try impl.decodeValue(Element.self) } catch let error as MessagePackError {
                    throw error.prefixed(with: .index(i))
                }
                guard set.insert(element).inserted else {
                    throw MessagePackError(
                        .typeMismatch, at: start,
                        "pw.set element \(i) equals an earlier one as a \(Element.self): a set's elements are distinct",
                        hint: "Spec/well-known-types.md 8.1: a receiver whose set would merge two elements rejects the set")
                }
            }
            return set
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
import MessagePack

/// Moves a body encoded on its own behind a global-data table, so that a message with global data is encoded in
/// one pass instead of two.
///
/// Object ids and type-name indices run in wire order, and the table comes first (Spec/portable-objects.md 5, 6
/// and 9), but the table is only known once the body's serializers have run. The first pass encodes the body
/// numbered as if it stood alone; after the table is written, this copies those bytes behind it and renumbers
/// them: every back-reference's id moves up by the number of objects in the table, and every type-ref becomes
/// the name's index in the message's table (a name first written in the body that the table already named
/// becomes an index; the others keep their string and get the next index). Ext payloads that change length get
/// new headers. Everything else is copied byte for byte. The result is exactly what encoding the body again
/// after the table would write, as long as the body shares no class instance with the table (the table would
/// then hold it first and the body refer back to it), which the caller checks first. `GlobalDataRelocationTests`
/// checks that the two ways give the same bytes.
enum BodyRelocation {
    /// One open container or object of the body being copied.
    private struct Frame {
        /// Values still to come: elements (two per map entry), or 1 for an object's data.
        var remaining: Int
        /// For an object: its ext, to be closed when its data is done.
        var pending: MessagePackWriter.PendingExtension?
    }

    /// Copies `body` (a first-pass encoding) to the end of `writer`, renumbered to follow a table that holds
    /// `objectsBefore` objects and the names in `typeIndex`.
    ///
    /// - Returns: the message's type-name table with the body's names added; nil, having written nothing, when
    ///   the body nests deeper than `maxDepth` allows once it sits inside the envelope (the caller then encodes it
    ///   again, which reports the error where it happens).
    static func relocate(
        _ body: UnsafeRawBufferPointer, into writer: inout MessagePackWriter, typeIndex: [ExactString: Int],
        objectsBefore: Int, maxDepth: Int, types: PortableExtensionTypes
    ) throws -> [ExactString: Int]? {
        var typeIndex = typeIndex
        var limits = MessagePackLimits.default
        limits.maxElementCount = .max
        limits.maxPayloadByteCount = .max
        limits.maxDepth = .max
        var reader = MessagePackReader(body, limits: limits)
        var out = MessagePackWriter(capacity: body.count + 64)
        /// Names in the order the first pass met them: its type-name index to the name.
        var bodyNames: [String] = []
        var frames: [Frame] = []
        var copiedUpTo = 0

        func copyPending(upTo offset: Int, _ out: inout MessagePackWriter) {
            if offset > copiedUpTo { out.writeRawBytes(UnsafeRawBufferPointer(rebasing: body[copiedUpTo..<offset])) }
            copiedUpTo = offset
        }

        while reader.offset < body.count {
            let b = try reader.peekFormatByte()
            // Pass 2 opens a container only below maxDepth, counting the envelope: a container opened inside
            // `frames.count` others sits at depth frames.count + 2.
            switch b {
            case 0x90...0x9f, FormatByte.array16, FormatByte.array32:
                guard frames.count + 2 <= maxDepth else { return nil }
                let count = try reader.readArrayHeader()
                if count > 0 {
                    frames.append(Frame(remaining: count))
                    continue
                }
            case 0x80...0x8f, FormatByte.map16, FormatByte.map32:
                guard frames.count + 2 <= maxDepth else { return nil }
                let count = try reader.readMapHeader()
                if count > 0 {
                    frames.append(Frame(remaining: count &* 2))
                    continue
                }
            case 0xd4...0xd8, FormatByte.ext8, FormatByte.ext16, FormatByte.ext32:
                let ext = reader.peekExtensionType()
                if let ext, ext == types.object || ext == types.twoPhaseObject {
                    guard frames.count + 2 <= maxDepth else { return nil }
                    copyPending(upTo: reader.offset, &out)
                    _ = try reader.readExtensionHeader()
                    let pending = out.beginExtension(type: ext)
                    // The first pass wrote a name as a str the first time, then as an unsigned index.
                    let name: String
                    let t = try reader.peekFormatByte()
                    if t <= 0x7f || (0xcc...0xcf).contains(t) {
                        name = bodyNames[Int(try reader.readUnsignedInteger())]
                    } else {
                        name = try reader.readString()
                        bodyNames.append(name)
                    }
                    if let index = typeIndex[ExactString(name)] {
                        out.write(UInt64(index))
                    } else {
                        typeIndex[ExactString(name)] = typeIndex.count
                        out.write(name)
                    }
                    copiedUpTo = reader.offset
                    frames.append(Frame(remaining: 1, pending: pending))  // its data is its one child
                    continue
                } else if ext == types.reference {
                    copyPending(upTo: reader.offset, &out)
                    _ = try reader.readExtensionHeader()
                    let id = try reader.readUnsignedInteger()
                    let pending = out.beginExtension(type: types.reference)
                    out.write(id + UInt64(objectsBefore))
                    out.endExtension(pending)
                    copiedUpTo = reader.offset
                } else {
                    try reader.skipValue(limits: limits)
                }
            default:
                try reader.skipValue(limits: limits)
            }
            // A value is complete: count it, and close every container and object it completes.
            while var top = frames.popLast() {
                top.remaining &-= 1
                if top.remaining > 0 {
                    frames.append(top)
                    break
                }
                if let pending = top.pending {
                    copyPending(upTo: reader.offset, &out)
                    out.endExtension(pending)
                }
            }
        }
        copyPending(upTo: body.count, &out)
        out.withUnsafeBytes { writer.writeRawBytes($0) }
        return typeIndex
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWire

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an annotated dump: offset, bytes, meaning, nested structure (portable exts opened).")

    @Argument(help: "Input file, or - for standard input.")
    var file: String?

    @OptionGroup(title: "Limits (defaults: Spec/format.md section 7)")
    var limitOptions: LimitOptions

    func run() throws {
        try reportingErrors {
            let bytes = try readInput(file)
            let limits = limitOptions.limits
            guard bytes.count <= limits.maxMessageByteCount else {
                throw MessagePackError(
                    .limitExceeded, at: 0, "the input exceeds the limit maxMessageByteCount = \(limits.maxMessageByteCount)",
                    hint: "raise it with --max-message-bytes if this input is trusted")
            }
            var lines: [String] = []
            try bytes.withUnsafeBytes { raw in
                var dumper = Dumper(reader: MessagePackReader(raw, limits: limits), lines: [])
                try dumper.dump(indent: 0, label: "")
                if !dumper.reader.isAtEnd {
                    throw MessagePackError(.trailingBytes, at: dumper.reader.offset, "\(dumper.reader.remainingByteCount) byte(s) follow the value")
                }
                lines = dumper.lines
            }
            print(lines.joined(separator: "\n"))
        }
    }
}

/// Walks one value and writes a line per token.
struct Dumper {
    var reader: MessagePackReader
    var lines: [String]
    let types = PortableExtensionTypes()

    mutating func line(_ start: Int, _ indent: Int, _ label: String, _ meaning: String) {
        let header = Array(reader.bytes[start..<min(reader.offset, start + 8)])
        var hex = header.map { String(format: "%02x", $0) }.joined(separator: " ")
        if reader.offset - start > 8 { hex += " …" }
        let offset = String(format: "%08x", start)
        let pad = String(repeating: " ", count: max(1, 28 - hex.count))
        lines.append("\(offset)  \(hex)\(pad)\(String(repeating: "  ", count: indent))\(label)\(meaning)")
    }

    mutating func dump(indent: Int, label: String) throws {
        let start = reader.offset
        let b = try reader.peekFormatByte()
        let family = FormatByte.familyName(b)
        // Arrays, maps and portable exts are containers (Spec/format.md 6.5); the header's own checks come first.
        func open() throws {
            guard indent < reader._maxDepth else {
                throw MessagePackError(
                    .limitExceeded, at: start, "the input exceeds the limit maxDepth = \(reader._maxDepth)",
                    hint: "raise it with --max-depth if this input is trusted")
            }
        }
        switch b {
        case 0x90...0x9f, FormatByte.array16, FormatByte.array32:
            let n = try reader.readArrayHeader()
            try open()
            line(start, indent, label, "\(family), \(n) element\(n == 1 ? "" : "s")")
            for i in 0..<n { try dump(indent: indent + 1, label: "[\(i)] ") }
        case 0x80...0x8f, FormatByte.map16, FormatByte.map32:
            let n = try reader.readMapHeader()
            try open()
            line(start, indent, label, "\(family), \(n) entr\(n == 1 ? "y" : "ies")")
            for _ in 0..<n {
                try dump(indent: indent + 1, label: "key ")
                try dump(indent: indent + 1, label: "value ")
            }
        case 0xd4...0xd8, FormatByte.ext8, FormatByte.ext16, FormatByte.ext32:
            let (type, count) = try reader.readExtensionHeader()
            let end = reader.offset + count
            switch type {
            case types.object, types.twoPhaseObject:
                try open()
                line(start, indent, label, "\(family) type \(type): \(type == types.object ? "portable object" : "two-phase portable object"), \(count) bytes")
                try dump(indent: indent + 1, label: "type-ref ")
                try dump(indent: indent + 1, label: "data ")
            case types.reference:
                line(start, indent, label, "\(family) type \(type): back-reference, \(count) bytes")
                try dump(indent: indent + 1, label: "object id ")
            case types.globalData:
                try open()
                line(start, indent, label, "\(family) type \(type): global-data envelope, \(count) bytes")
                try dump(indent: indent + 1, label: "global data ")
                try dump(indent: indent + 1, label: "body ")
            case -1:
                reader.offset = start
                let t = try reader.readTimestamp()
                line(start, indent, label, "\(family) type -1: timestamp, seconds \(t.seconds), nanoseconds \(t.nanoseconds)")
            default:
                reader.offset = end
                line(start, indent, label, "\(family) type \(type), \(count) bytes")
            }
            if reader.offset != end {
                throw MessagePackError(.malformedPortable, at: start, "the ext payload's contents do not end at its declared length")
            }
        default:
            let value = try reader.readValue()
            line(start, indent, label, "\(family) \(value)")
        }
    }
}

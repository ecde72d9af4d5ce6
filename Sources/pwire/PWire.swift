// SPDX-License-Identifier: Apache-2.0
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PortableWire
import PortableWireConformance

@main
struct PWire: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pwire",
        abstract: "PortableWire: inspect, convert and check messages in the PortableWire format (MessagePack).",
        subcommands: [Conformance.self, Inspect.self, Decode.self, Encode.self, Testee.self, Bench.self, Hostile.self],
        defaultSubcommand: Conformance.self)
}

/// Reads a whole file, or standard input for "-" or no path, into one array (grown by doubling, read with
/// `read(2)` in 1 MiB steps: no second copy of the input).
func readInput(_ path: String?) throws -> [UInt8] {
    let fd: Int32
    if let path, path != "-" {
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CLIError("cannot read \(path): \(String(cString: strerror(errno)))") }
    } else {
        fd = 0
    }
    defer { if fd != 0 { close(fd) } }
    var bytes: [UInt8] = []
    var st = stat()
    if fstat(fd, &st) == 0 && st.st_size > 0 { bytes.reserveCapacity(Int(st.st_size)) }
    // One 1 MiB chunk reused for every read(2), appended with a memcpy: no per-byte work, even in debug builds.
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 1)
    defer { chunk.deallocate() }
    while true {
        var got = 0
        repeat { got = read(fd, chunk.baseAddress!, chunk.count) } while got < 0 && errno == EINTR
        if got < 0 { throw CLIError("cannot read \(path ?? "standard input"): \(String(cString: strerror(errno)))") }
        if got == 0 { return bytes }
        bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[..<got]))
    }
}

/// A one-line error for users: printed as `pwire: …` with exit status 1, never a stack trace.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body`, turning every error into one line on standard error and exit status 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("pwire: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode a message to plain JSON (or the Spec's notation); unknown portable types pass through.",
        discussion: """
            Plain JSON (the default) writes what JSON holds as itself: null, booleans, strings, arrays, integers \
            (as numbers, exactly), float64 (shortest form that reads back to the same bits, always with a "." or \
            an exponent), maps with str keys as objects. The rest is an object with one "$" key:
              {"$base64": "AAEC"} or with --hex {"$hex": "000102"}     bin
              {"$float32": 1.5}                                       float32
              {"$float64": "0x7ff0000000000000"}                      infinities and NaN
              {"$timestamp": "2024-05-01T12:00:00.5Z"}                timestamp, UTC
              {"$ext": {"type": 5, "base64": "AQI="}}                 other ext types
              {"$map": [[1, "a"], [2, "b"]]}                          a map with a key that is not a str or starts with "$"
              {"$portable": "app.Person", "id": 0, "data": {…}}       portable object ("twoPhase": true for Q)
              {"$ref": 0}                                             back-reference to object 0
              {"$globalData": {"key": …}, "body": …}                  a message with global data
            `pwire encode` reads all of these back to the same canonical bytes. Output is streamed: memory is \
            about the input's size, and any depth the limits allow is safe. Bad input prints nothing on standard \
            output and one line on standard error with the byte offset and the path.
            """)

    @Flag(help: "Write the Spec's exact JSON notation (Spec/format.md, \"JSON notation\") instead of plain JSON.")
    var notation = false

    @Flag(help: "Write bin and ext bytes as hex instead of base64 (plain JSON).")
    var hex = false

    @Flag(help: "Decode back-to-back messages (a capture of a connection) and write one JSON line per message.")
    var stream = false

    @Flag(name: .customLong("to-json"), help: "Accepted for compatibility: JSON is what decode writes.")
    var toJSON = false

    @Argument(help: "Input file, or - for standard input.")
    var file: String?

    @OptionGroup(title: "Limits (defaults: Spec/format.md section 7)")
    var limitOptions: LimitOptions

    func run() throws {
        let style: WalkStyle = notation ? .notation : .plain(hexBytes: hex)
        try walkInput(file, limitOptions, stream: stream, style: style) { walker in
            let count = walker.whole.count
            if count == 0 || !stream {
                let end = try walker.validate()
                if end != count {
                    throw MessagePackError(
                        .trailingBytes, at: end, "\(count - end) byte(s) follow the message",
                        hint: "decode back-to-back messages with --stream")
                }
                try walker.write()
                walker.out.write("\n")
                return
            }
            while !walker.isAtEnd {
                _ = try walker.validate()
                try walker.write()
                walker.out.write("\n")
            }
        }
    }
}

/// What `decode` and `inspect` share: read the input, check the limits and the message size (of the whole input
/// unless it is a stream), then run `body` with a walker over it writing to standard output, flushed whatever
/// happens; errors are reported as every command reports them.
func walkInput(
    _ file: String?, _ limitOptions: LimitOptions, stream: Bool, style: WalkStyle,
    _ body: (inout MessageWalker) throws -> Void
) throws {
    try reportingErrors {
        let bytes = try readInput(file)
        try limitOptions.validate()
        let limits = limitOptions.limits
        if !stream { try checkMessageSize(bytes.count, limits) }
        try bytes.withUnsafeBytes { raw in
            var walker = MessageWalker(bytes: raw, limits: limits, style: style, out: OutputStream())
            defer { walker.out.flush() }
            try body(&walker)
        }
    }
}

/// The whole input is one message, so it is bounded by maxMessageByteCount before anything is read.
func checkMessageSize(_ count: Int, _ limits: PortableLimits) throws {
    guard count <= limits.maxMessageByteCount else {
        throw MessagePackError(
            .limitExceeded, at: 0, "the input exceeds the limit maxMessageByteCount = \(limits.maxMessageByteCount)",
            hint: "raise it with --max-message-bytes if this input is trusted")
    }
}

struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encode plain JSON (or the Spec's notation) to canonical bytes on standard output.",
        discussion: """
            Reads what `pwire decode` writes: plain JSON, with the "$" forms of `pwire decode --help` for what \
            JSON cannot hold. Integers become the smallest MessagePack integer, numbers with a "." or an \
            exponent float64, objects maps in their key order. Keys starting with "$" are tags; write a map that \
            has one as {"$map": [[key, value], …]}. With --stream, each line of the input is one message.
            """)

    @Flag(help: "Read the Spec's exact JSON notation instead of plain JSON.")
    var notation = false

    @Flag(help: "Read JSON Lines: one message per line, written back to back.")
    var stream = false

    @Flag(name: .customLong("from-json"), help: "Accepted for compatibility: JSON is what encode reads.")
    var fromJSON = false

    @Argument(help: "Input file, or - for standard input.")
    var file: String?

    func run() throws {
        try reportingErrors {
            let input = try readInput(file)
            var out = OutputStream()
            defer { out.flush() }
            let documents: [ArraySlice<UInt8>] = stream
                ? input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
                : [input[...]]
            for (n, document) in documents.enumerated() {
                let where_ = stream ? "line \(n + 1): " : ""
                let doc: JSON
                do { doc = try JSON(parsing: Array(document)) } catch { throw CLIError("\(where_)\(error)") }
                let body: PortableValue
                let globalData: [(key: String, value: PortableValue)]
                do {
                    if notation {
                        var notationBody = doc
                        var table: JSON?
                        if case .object(let fields) = doc, fields.count == 2, let v = doc["value"] {
                            notationBody = v
                            table = doc["globalData"]
                        }
                        (body, globalData) = try Notation.value(body: notationBody, globalData: table)
                    } else {
                        (body, globalData) = try PlainJSON.message(doc)
                    }
                } catch {
                    throw CLIError("\(where_)\(error)")
                }
                let bytes = try PortableEncoder(registry: TypeRegistry()).encode(body, globalData: globalData)
                bytes.withUnsafeBytes { out.write($0) }
            }
        }
    }
}

struct Testee: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the conformance testee protocol (Spec/conformance.md) on stdin/stdout for the Swift library.")

    func run() throws {
        try reportingErrors { try TesteeFraming.serve() }
    }
}

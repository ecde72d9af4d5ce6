// SPDX-License-Identifier: Apache-2.0
import Foundation
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

/// Reads a whole file, or standard input for "-" or no path.
func readInput(_ path: String?) throws -> [UInt8] {
    if let path, path != "-" {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
        return [UInt8](data)
    }
    return [UInt8](FileHandle.standardInput.readDataToEndOfFile())
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
        abstract: "Decode one message to the Spec's JSON notation (unknown portable types pass through).")

    @Flag(name: .customLong("to-json"), help: "Write the Spec's JSON notation (the only output format).")
    var toJSON = false

    @Argument(help: "Input file, or - for standard input.")
    var file: String?

    @OptionGroup(title: "Limits (defaults: Spec/format.md section 7)")
    var limitOptions: LimitOptions

    func run() throws {
        try reportingErrors {
            let bytes = try readInput(file)
            var decoder = PortableDecoder(registry: TypeRegistry())
            decoder.limits = limitOptions.limits
            decoder.unknownTypes = .passthrough
            let message = try decoder.decodeMessage(from: bytes)
            let (body, table) = try Notation.json(body: message.body, globalData: message.globalData)
            let out: JSON = table.map { .object([("globalData", $0), ("value", body)]) } ?? body
            print(out.serialized)
        }
    }
}

struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encode the Spec's JSON notation to canonical bytes on standard output.")

    @Flag(name: .customLong("from-json"), help: "Read the Spec's JSON notation (the only input format).")
    var fromJSON = false

    @Argument(help: "Input file, or - for standard input.")
    var file: String?

    func run() throws {
        try reportingErrors {
            let doc = try JSON(parsing: try readInput(file))
            var body = doc
            var table: JSON?
            if case .object(let fields) = doc, fields.count == 2, let v = doc["value"] {
                body = v
                table = doc["globalData"]
            }
            let (value, globalData) = try Notation.value(body: body, globalData: table)
            let bytes = try PortableEncoder(registry: TypeRegistry()).encode(value, globalData: globalData)
            FileHandle.standardOutput.write(Data(bytes))
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

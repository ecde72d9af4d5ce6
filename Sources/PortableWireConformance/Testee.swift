// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWire

/// What an implementation answered to a decode request.
public enum DecodeAnswer: Equatable, Sendable {
    case value(body: JSON, globalData: JSON?)
    case error(code: String, message: String)
}

/// What an implementation answered to an encode request.
public enum EncodeAnswer: Equatable, Sendable {
    case bytes([UInt8])
    case error(code: String, message: String)
}

/// An implementation under test, driven by the protocol of Spec/conformance.md.
public protocol ConformanceTestee {
    /// The name used for `expected-failures/<name>.txt`.
    var name: String { get }
    /// Decodes `bytes` with generic objects for `registered` names.
    func decode(_ bytes: [UInt8], registered: [String], twoPhase: [String], passthrough: Bool) throws -> DecodeAnswer
    /// Encodes a notation value (and global data) canonically.
    func encode(value: JSON, globalData: JSON?) throws -> EncodeAnswer
}

/// The Swift library, in process.
public struct SwiftTestee: ConformanceTestee {
    public var name: String { "swift" }
    public init() {}

    public func decode(_ bytes: [UInt8], registered: [String], twoPhase: [String], passthrough: Bool) throws
        -> DecodeAnswer
    {
        var registry = TypeRegistry()
        for name in registered { try registry.registerOpaque(name, twoPhase: twoPhase.contains(name)) }
        var decoder = PortableDecoder(registry: registry)
        decoder.unknownTypes = passthrough ? .passthrough : .reject
        do {
            let message = try decoder.decodeMessage(from: bytes)
            let (body, globalData) = try Notation.json(body: message.body, globalData: message.globalData)
            return .value(body: body, globalData: globalData)
        } catch let error as MessagePackError {
            return .error(code: error.code.name, message: error.description)
        }
    }

    public func encode(value: JSON, globalData: JSON?) throws -> EncodeAnswer {
        let body: PortableValue
        let table: [(key: String, value: PortableValue)]
        do {
            (body, table) = try Notation.value(body: value, globalData: globalData)
        } catch let error as Notation.Error {
            // Spec/conformance.md: a value the notation cannot describe is not serializable.
            return .error(code: MessagePackError.Code.cannotSerialize.name, message: error.description)
        }
        do {
            return .bytes(try PortableEncoder(registry: TypeRegistry()).encode(body, globalData: table))
        } catch let error as MessagePackError {
            return .error(code: error.code.name, message: error.description)
        }
    }
}

/// Another implementation, run as a child process speaking the testee protocol on stdin/stdout.
public final class ProcessTestee: ConformanceTestee {
    public let name: String
    let process = Process()
    let input = Pipe()
    let output = Pipe()

    /// Starts `command` with `/bin/sh -c`, and asks it its name.
    public init(command: String) throws {
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var n = "external"
        let hello = try Self.exchange(input, output, .object([("op", .string("hello"))]))
        if let impl = hello["implementation"]?.stringValue { n = impl }
        name = n
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    public func decode(_ bytes: [UInt8], registered: [String], twoPhase: [String], passthrough: Bool) throws
        -> DecodeAnswer
    {
        let response = try Self.exchange(
            input, output,
            .object([
                ("op", .string("decode")), ("hex", .string(Notation.hex(bytes))),
                ("registered", .array(registered.map(JSON.string))), ("twoPhase", .array(twoPhase.map(JSON.string))),
                ("passthrough", .bool(passthrough)),
            ]))
        if response["ok"]?.boolValue == true {
            var table = response["globalData"]
            if table?.arrayValue?.isEmpty ?? false { table = nil }
            return .value(body: response["value"] ?? .null, globalData: table)
        }
        return .error(code: response["error"]?.stringValue ?? "?", message: response["message"]?.stringValue ?? "")
    }

    public func encode(value: JSON, globalData: JSON?) throws -> EncodeAnswer {
        var request: [(key: String, value: JSON)] = [("op", .string("encode")), ("value", value)]
        if let globalData { request.append(("globalData", globalData)) }
        let response = try Self.exchange(input, output, .object(request))
        if response["ok"]?.boolValue == true {
            return .bytes(try Notation.bytes(fromHex: response["hex"]?.stringValue ?? ""))
        }
        return .error(code: response["error"]?.stringValue ?? "?", message: response["message"]?.stringValue ?? "")
    }

    static func exchange(_ input: Pipe, _ output: Pipe, _ request: JSON) throws -> JSON {
        try TesteeFraming.write(request, to: input.fileHandleForWriting)
        guard let response = try TesteeFraming.read(from: output.fileHandleForReading) else {
            throw Notation.Error("the testee closed its output")
        }
        return response
    }
}

/// Length-prefixed JSON frames: a 4-byte big-endian length, then UTF-8 JSON.
public enum TesteeFraming {
    public static func write(_ json: JSON, to handle: FileHandle) throws {
        let body = Array(json.serialized.utf8)
        let n = UInt32(body.count)
        let header: [UInt8] = [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)]
        try handle.write(contentsOf: Data(header + body))
    }

    /// Reads one frame; nil at end of input.
    public static func read(from handle: FileHandle) throws -> JSON? {
        guard let header = try readExactly(4, from: handle) else { return nil }
        let n = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        guard let body = try readExactly(n, from: handle) else { throw Notation.Error("a frame ended early") }
        return try JSON(parsing: body)
    }

    static func readExactly(_ count: Int, from handle: FileHandle) throws -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            guard let chunk = try handle.read(upToCount: count - out.count), !chunk.isEmpty else {
                return out.isEmpty ? nil : out
            }
            out += chunk
        }
        return out
    }

    /// Serves the testee protocol for the Swift library until standard input ends (`pwire testee`).
    public static func serve(input: FileHandle = .standardInput, output: FileHandle = .standardOutput) throws {
        let testee = SwiftTestee()
        while let request = try read(from: input) {
            let response: JSON
            do {
                response = try answer(request, testee)
            } catch {
                response = .object([("ok", .bool(false)), ("error", .string("badRequest")), ("message", .string("\(error)"))])
            }
            try write(response, to: output)
        }
    }

    static func answer(_ request: JSON, _ testee: SwiftTestee) throws -> JSON {
        switch request["op"]?.stringValue {
        case "hello":
            return .object([("ok", .bool(true)), ("implementation", .string("swift")), ("version", .string("0.1.0"))])
        case "decode":
            let bytes = try Notation.bytes(fromHex: request["hex"]?.stringValue ?? "")
            let answer = try testee.decode(
                bytes, registered: request["registered"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                twoPhase: request["twoPhase"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                passthrough: request["passthrough"]?.boolValue ?? false)
            switch answer {
            case .value(let body, let table):
                return .object([("ok", .bool(true)), ("value", body), ("globalData", table ?? .array([]))])
            case .error(let code, let message):
                return .object([("ok", .bool(false)), ("error", .string(code)), ("message", .string(message))])
            }
        case "encode":
            switch try testee.encode(value: request["value"] ?? .null, globalData: request["globalData"]) {
            case .bytes(let b): return .object([("ok", .bool(true)), ("hex", .string(Notation.hex(b)))])
            case .error(let code, let message):
                return .object([("ok", .bool(false)), ("error", .string(code)), ("message", .string(message))])
            }
        default:
            throw Notation.Error("unknown op")
        }
    }
}

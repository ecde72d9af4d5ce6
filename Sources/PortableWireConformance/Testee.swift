// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWire

/// The version of the Spec this conformance code implements; `hello` reports it (Spec/conformance.md 5.2).
public let specVersion = "1.1"

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

/// What an implementation answered to a stream request: the messages it decoded, in order, and how the stream
/// ended (`error` nil for a clean end).
public struct StreamAnswer: Equatable, Sendable {
    public var messages: [JSON]
    public var error: String?
    public var message: String
    public init(messages: [JSON], error: String? = nil, message: String = "") {
        self.messages = messages
        self.error = error
        self.message = message
    }
}

/// How a decode or stream request is to be decoded: generic types, passthrough and limits
/// (Spec/conformance.md sections 4 and 5.2).
public struct DecodeSetup: Sendable {
    public var registered: [String] = []
    public var twoPhase: [String] = []
    public var passthrough = false
    /// Limits other than the defaults, by their Spec names.
    public var limits: [String: Int] = [:]
    public init(registered: [String] = [], twoPhase: [String] = [], passthrough: Bool = false, limits: [String: Int] = [:]) {
        self.registered = registered
        self.twoPhase = twoPhase
        self.passthrough = passthrough
        self.limits = limits
    }

    /// The limits named in Spec/format.md section 7, which a request's `limits` object may set.
    public static let limitNames = [
        "maxDepth", "maxMessageByteCount", "maxPayloadByteCount", "maxElementCount", "maxObjectCount",
        "maxReferenceCount", "maxTypeNameCount", "maxGlobalDataCount", "maxExpansion",
    ]

    /// The Swift library's limits for these names; an unknown name is an error.
    public func portableLimits() throws -> PortableLimits {
        var out = PortableLimits()
        for (name, value) in limits {
            switch name {
            case "maxDepth": out.maxDepth = value
            case "maxMessageByteCount": out.maxMessageByteCount = value
            case "maxPayloadByteCount": out.maxPayloadByteCount = value
            case "maxElementCount": out.maxElementCount = value
            case "maxObjectCount": out.maxObjectCount = value
            case "maxReferenceCount": out.maxReferenceCount = value
            case "maxTypeNameCount": out.maxTypeNameCount = value
            case "maxGlobalDataCount": out.maxGlobalDataCount = value
            case "maxExpansion": out.maxExpansion = value
            default: throw Notation.Error("unknown limit \(Notation.quoted(name)); the limits are \(Self.limitNames)")
            }
        }
        return out
    }

    /// A decoder with generic objects for `registered` (two-phase for `twoPhase`), passthrough and limits.
    public func decoder() throws -> PortableDecoder {
        var registry = TypeRegistry()
        for name in registered { try registry.registerGeneric(name, twoPhase: twoPhase.contains(name)) }
        var decoder = PortableDecoder(registry: registry)
        decoder.unknownTypes = passthrough ? .passthrough : .reject
        decoder.limits = try portableLimits()
        return decoder
    }
}

/// An implementation under test, driven by the protocol of Spec/conformance.md.
public protocol ConformanceTestee {
    /// The name used for `expected-failures/<name>.txt`.
    var name: String { get }
    /// Decodes `bytes` as one message.
    func decode(_ bytes: [UInt8], setup: DecodeSetup) throws -> DecodeAnswer
    /// Encodes a notation value (and global data) canonically.
    func encode(value: JSON, globalData: JSON?) throws -> EncodeAnswer
    /// Feeds `chunks` to a stream decoder, then ends the stream.
    func stream(_ chunks: [[UInt8]], setup: DecodeSetup) throws -> StreamAnswer
}

extension ConformanceTestee {
    /// Decodes `bytes` with generic objects for `registered` names and the default limits.
    public func decode(_ bytes: [UInt8], registered: [String], twoPhase: [String], passthrough: Bool) throws
        -> DecodeAnswer
    {
        try decode(bytes, setup: DecodeSetup(registered: registered, twoPhase: twoPhase, passthrough: passthrough))
    }
}

/// The Swift library, in process.
public struct SwiftTestee: ConformanceTestee {
    public var name: String { "swift" }
    public init() {}

    public func decode(_ bytes: [UInt8], setup: DecodeSetup) throws -> DecodeAnswer {
        let decoder = try setup.decoder()
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
            // Spec/conformance.md section 4: invalid notation is a value that cannot be serialized.
            return .error(code: MessagePackError.Code.cannotSerialize.name, message: error.description)
        }
        do {
            return .bytes(try PortableEncoder(registry: TypeRegistry()).encode(body, globalData: table))
        } catch let error as MessagePackError {
            return .error(code: error.code.name, message: error.description)
        }
    }

    public func stream(_ chunks: [[UInt8]], setup: DecodeSetup) throws -> StreamAnswer {
        var stream = PortableStreamDecoder(decoder: try setup.decoder())
        var messages: [JSON] = []
        do {
            for chunk in chunks {
                stream.feed(chunk)
                while let message = try stream.nextMessage() {
                    messages.append(try Notation.json(body: message.body, globalData: message.globalData).body)
                }
            }
            try stream.finish()
        } catch let error as MessagePackError {
            return StreamAnswer(messages: messages, error: error.code.name, message: error.description)
        }
        return StreamAnswer(messages: messages)
    }
}

/// Another implementation, run as a child process speaking the testee protocol on stdin/stdout.
public final class ProcessTestee: ConformanceTestee {
    public let name: String
    /// The Spec version the testee reported in its `hello` answer ("1" when it reported none).
    public let specVersion: String
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
        let hello = try Self.exchange(input, output, .object([("op", .string("hello"))]))
        name = hello["implementation"]?.stringValue ?? "external"
        specVersion = hello["specVersion"]?.stringValue ?? "1"
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    static func setupMembers(_ setup: DecodeSetup) -> [(key: String, value: JSON)] {
        var members: [(key: String, value: JSON)] = [
            ("registered", .array(setup.registered.map(JSON.string))), ("twoPhase", .array(setup.twoPhase.map(JSON.string))),
            ("passthrough", .bool(setup.passthrough)),
        ]
        if !setup.limits.isEmpty {
            members.append(("limits", .object(setup.limits.sorted { $0.key < $1.key }.map { ($0.key, .number(String($0.value))) })))
        }
        return members
    }

    public func decode(_ bytes: [UInt8], setup: DecodeSetup) throws -> DecodeAnswer {
        let request: [(key: String, value: JSON)] =
            [("op", .string("decode")), ("hex", .string(Notation.hex(bytes)))] + Self.setupMembers(setup)
        let response = try Self.exchange(input, output, .object(request))
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

    public func stream(_ chunks: [[UInt8]], setup: DecodeSetup) throws -> StreamAnswer {
        let request: [(key: String, value: JSON)] =
            [("op", .string("stream")), ("chunks", .array(chunks.map { .string(Notation.hex($0)) }))]
            + Self.setupMembers(setup)
        let response = try Self.exchange(input, output, .object(request))
        guard let messages = response["messages"]?.arrayValue else {
            // A badRequest or internalError answer carries no messages.
            return StreamAnswer(
                messages: [], error: response["error"]?.stringValue ?? "?", message: response["message"]?.stringValue ?? "")
        }
        if response["ok"]?.boolValue == true { return StreamAnswer(messages: messages) }
        return StreamAnswer(
            messages: messages, error: response["error"]?.stringValue ?? "?", message: response["message"]?.stringValue ?? "")
    }

    static func exchange(_ input: Pipe, _ output: Pipe, _ request: JSON) throws -> JSON {
        try TesteeFraming.write(request, to: input.fileHandleForWriting)
        guard let frame = try TesteeFraming.readFrame(from: output.fileHandleForReading) else {
            throw Notation.Error("the testee closed its output")
        }
        return try JSON(parsing: frame)
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

    /// Reads one frame and parses it; nil at end of input.
    public static func read(from handle: FileHandle) throws -> JSON? {
        guard let body = try readFrame(from: handle) else { return nil }
        return try JSON(parsing: body)
    }

    /// Reads one frame's bytes; nil at end of input before a frame, an error at end of input inside one.
    public static func readFrame(from handle: FileHandle) throws -> [UInt8]? {
        guard let header = try readExactly(4, from: handle) else { return nil }
        guard header.count == 4 else { throw Notation.Error("the input ended inside a frame header") }
        let n = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        guard let body = try readExactly(n, from: handle), body.count == n else {
            throw Notation.Error("the input ended inside a frame")
        }
        return body
    }

    static func readExactly(_ count: Int, from handle: FileHandle) throws -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(min(count, 1 << 20))
        while out.count < count {
            guard let chunk = try handle.read(upToCount: count - out.count), !chunk.isEmpty else {
                return out.isEmpty && count > 0 ? nil : out
            }
            out += chunk
        }
        return out
    }

    /// Serves the testee protocol for the Swift library until standard input ends (`pwire testee`).
    ///
    /// Every frame gets an answer: a frame that is not a JSON object, or a request that breaks the protocol, is
    /// answered `badRequest`, never by exiting. Only the end of input inside a frame ends the testee with an error.
    public static func serve(input: FileHandle = .standardInput, output: FileHandle = .standardOutput) throws {
        let testee = SwiftTestee()
        while let frame = try readFrame(from: input) {
            let response: JSON
            do {
                response = try answer(try JSON(parsing: frame), testee)
            } catch let error as JSONError {
                response = failure("badRequest", "the frame is not JSON: \(error)")
            } catch let error as BadRequest {
                response = failure("badRequest", error.message)
            } catch {
                response = failure("internalError", "\(error)")
            }
            try write(response, to: output)
        }
    }

    struct BadRequest: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    static func failure(_ code: String, _ message: String) -> JSON {
        .object([("ok", .bool(false)), ("error", .string(code)), ("message", .string(message))])
    }

    /// The decode setup of a decode or stream request; members of the wrong kind are a bad request.
    static func setup(of request: JSON) throws -> DecodeSetup {
        func names(_ member: String) throws -> [String] {
            guard let value = request[member] else { return [] }
            guard let list = value.arrayValue, let names = Optional(list.compactMap(\.stringValue)),
                names.count == list.count, names.allSatisfy({ !$0.isEmpty })
            else { throw BadRequest("\(member) is an array of non-empty strings") }
            return names
        }
        var setup = DecodeSetup()
        setup.registered = try names("registered")
        setup.twoPhase = try names("twoPhase")
        let registered = Set(setup.registered.map { Array($0.utf8) })
        if let stray = setup.twoPhase.first(where: { !registered.contains(Array($0.utf8)) }) {
            throw BadRequest("twoPhase names \(Notation.quoted(stray)), which is not in registered (conformance.md 5.2)")
        }
        if let flag = request["passthrough"] {
            guard let b = flag.boolValue else { throw BadRequest("passthrough is true or false") }
            setup.passthrough = b
        }
        if let limits = request["limits"] {
            guard case .object(let fields) = limits else { throw BadRequest("limits is an object") }
            for (name, value) in fields {
                guard DecodeSetup.limitNames.contains(name) else {
                    throw BadRequest("unknown limit \(Notation.quoted(name)); the limits are \(DecodeSetup.limitNames)")
                }
                guard let n = Notation.integerLiteral(value), n >= 0 else {
                    throw BadRequest("limit \(name) is an integer >= 0, not \(value.serialized)")
                }
                setup.limits[name] = n
            }
        }
        return setup
    }

    static func hexMember(_ text: JSON?, _ name: String) throws -> [UInt8] {
        guard let text = text?.stringValue, let bytes = try? Notation.bytes(fromCompactHex: text) else {
            throw BadRequest("\(name) is a string of lowercase hex digit pairs without separators")
        }
        return bytes
    }

    static func answer(_ request: JSON, _ testee: SwiftTestee) throws -> JSON {
        guard case .object = request else { throw BadRequest("a request is a JSON object") }
        switch request["op"]?.stringValue {
        case "hello":
            return .object([
                ("ok", .bool(true)), ("implementation", .string("swift")), ("version", .string("0.1.0")),
                ("specVersion", .string(specVersion)),
            ])
        case "decode":
            let bytes = try hexMember(request["hex"], "hex")
            switch try testee.decode(bytes, setup: try setup(of: request)) {
            case .value(let body, let table):
                return .object([("ok", .bool(true)), ("value", body), ("globalData", table ?? .array([]))])
            case .error(let code, let message):
                return failure(code, message)
            }
        case "encode":
            guard let value = request["value"] else { throw BadRequest("an encode request has a value") }
            switch try testee.encode(value: value, globalData: request["globalData"]) {
            case .bytes(let b): return .object([("ok", .bool(true)), ("hex", .string(Notation.hex(b)))])
            case .error(let code, let message): return failure(code, message)
            }
        case "stream":
            guard let list = request["chunks"]?.arrayValue else { throw BadRequest("a stream request has chunks, an array of hex strings") }
            let chunks = try list.map { try hexMember($0, "every chunk") }
            let answer = try testee.stream(chunks, setup: try setup(of: request))
            var members: [(key: String, value: JSON)] = [("ok", .bool(answer.error == nil)), ("messages", .array(answer.messages))]
            if let code = answer.error { members += [("error", .string(code)), ("message", .string(answer.message))] }
            return .object(members)
        default:
            throw BadRequest("unknown op \(request["op"]?.serialized ?? "(none)"); the ops are hello, decode, encode, stream")
        }
    }
}

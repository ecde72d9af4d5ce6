// SPDX-License-Identifier: Apache-2.0
import PortableWire

/// A Celery-style task call: the *task* workload.
///
///     {task: "app.tasks.optimise", id: "<uuid>", args: [1, 2.5, "x", true, nil],
///      kwargs: {input: {type: "quantile", quantile: 0.5}, tags: ["a", "b", "c"]}}
public struct TaskCall: Codable, Equatable, Sendable {
    public var task: String
    public var id: String
    public var args: [TaskArgument]
    public var kwargs: TaskKeywordArguments

    public init(task: String, id: String, args: [TaskArgument], kwargs: TaskKeywordArguments) {
        self.task = task
        self.id = id
        self.args = args
        self.kwargs = kwargs
    }
}

/// One positional argument of a task call: any scalar.
public enum TaskArgument: Codable, Equatable, Sendable {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case null

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int.self) {
            self = .int(i)
        } else if let d = try? container.decode(Double.self) {
            self = .double(d)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let v): try container.encode(v)
        case .double(let v): try container.encode(v)
        case .string(let v): try container.encode(v)
        case .bool(let v): try container.encode(v)
        case .null: try container.encodeNil()
        }
    }
}

/// The keyword arguments of the task workload.
public struct TaskKeywordArguments: Codable, Equatable, Sendable {
    public var input: QuantileInput
    public var tags: [String]

    public init(input: QuantileInput, tags: [String]) {
        self.input = input
        self.tags = tags
    }
}

/// `{type: "quantile", quantile: 0.5}`.
public struct QuantileInput: Codable, Equatable, Sendable {
    public var type: String
    public var quantile: Double

    public init(type: String, quantile: Double) {
        self.type = type
        self.quantile = quantile
    }
}

// MARK: Typed fast path, written by hand (the bytes equal the Codable encoding's)

extension TaskCall: MessagePackCodable {
    @inlinable
    public func encode(to writer: inout MessagePackWriter) {
        writer.writeMapHeader(count: 4)
        writer.writeKey("task")
        writer.write(task)
        writer.writeKey("id")
        writer.write(id)
        writer.writeKey("args")
        writer.encodeArray(args)
        writer.writeKey("kwargs")
        kwargs.encode(to: &writer)
    }

    @inlinable
    public init(from reader: inout MessagePackReader) throws(MessagePackError) {
        var task: String?, id: String?, args: [TaskArgument]?, kwargs: TaskKeywordArguments?
        for _ in 0..<(try reader.readMapHeader()) {
            switch try reader.readKey() {
            case "task": task = try reader.decode(String.self, key: "task")
            case "id": id = try reader.decode(String.self, key: "id")
            case "args": args = try reader.decode([TaskArgument].self, key: "args")
            case "kwargs": kwargs = try reader.decode(TaskKeywordArguments.self, key: "kwargs")
            default: try reader.skipValue()
            }
        }
        self.task = try reader.required(task, "task", in: "TaskCall")
        self.id = try reader.required(id, "id", in: "TaskCall")
        self.args = try reader.required(args, "args", in: "TaskCall")
        self.kwargs = try reader.required(kwargs, "kwargs", in: "TaskCall")
    }
}

extension TaskArgument: MessagePackCodable {
    @inlinable
    public func encode(to writer: inout MessagePackWriter) {
        switch self {
        case .int(let v): writer.write(v)
        case .double(let v): writer.write(v)
        case .string(let v): writer.write(v)
        case .bool(let v): writer.write(v)
        case .null: writer.writeNil()
        }
    }

    @inlinable
    public init(from reader: inout MessagePackReader) throws(MessagePackError) {
        switch try reader.peekFormatByte() {
        case 0xc0: reader.offset += 1; self = .null  // nil
        case 0xc2, 0xc3: self = .bool(try reader.readBool())
        case 0xca, 0xcb: self = .double(try reader.readDouble())  // float32, float64
        case 0xa0...0xbf, 0xd9...0xdb: self = .string(try reader.readString())  // fixstr, str8/16/32
        default: self = .int(try reader.decode(Int.self))
        }
    }
}

extension TaskKeywordArguments: MessagePackCodable {
    @inlinable
    public func encode(to writer: inout MessagePackWriter) {
        writer.writeMapHeader(count: 2)
        writer.writeKey("input")
        input.encode(to: &writer)
        writer.writeKey("tags")
        writer.encodeArray(tags)
    }

    @inlinable
    public init(from reader: inout MessagePackReader) throws(MessagePackError) {
        var input: QuantileInput?, tags: [String]?
        for _ in 0..<(try reader.readMapHeader()) {
            switch try reader.readKey() {
            case "input": input = try reader.decode(QuantileInput.self, key: "input")
            case "tags": tags = try reader.decode([String].self, key: "tags")
            default: try reader.skipValue()
            }
        }
        self.input = try reader.required(input, "input", in: "TaskKeywordArguments")
        self.tags = try reader.required(tags, "tags", in: "TaskKeywordArguments")
    }
}

extension QuantileInput: MessagePackCodable {
    @inlinable
    public func encode(to writer: inout MessagePackWriter) {
        writer.writeMapHeader(count: 2)
        writer.writeKey("type")
        writer.write(type)
        writer.writeKey("quantile")
        writer.write(quantile)
    }

    @inlinable
    public init(from reader: inout MessagePackReader) throws(MessagePackError) {
        var type: String?, quantile: Double?
        for _ in 0..<(try reader.readMapHeader()) {
            switch try reader.readKey() {
            case "type": type = try reader.decode(String.self, key: "type")
            case "quantile": quantile = try reader.decode(Double.self, key: "quantile")
            default: try reader.skipValue()
            }
        }
        self.type = try reader.required(type, "type", in: "QuantileInput")
        self.quantile = try reader.required(quantile, "quantile", in: "QuantileInput")
    }
}

// MARK: Dynamic form

extension TaskCall {
    /// The same call as a dynamic value (map order as on the wire).
    public var dynamicValue: MessagePackValue {
        let arguments: [MessagePackValue] = args.map {
            switch $0 {
            case .int(let v): .int(Int64(v))
            case .double(let v): .double(v)
            case .string(let v): .string(v)
            case .bool(let v): .bool(v)
            case .null: .nil
            }
        }
        return .map([
            (.string("task"), .string(task)),
            (.string("id"), .string(id)),
            (.string("args"), .array(arguments)),
            (.string("kwargs"), .map([
                (.string("input"), .map([(.string("type"), .string(kwargs.input.type)), (.string("quantile"), .double(kwargs.input.quantile))])),
                (.string("tags"), .array(kwargs.tags.map { .string($0) })),
            ])),
        ])
    }
}

// SPDX-License-Identifier: Apache-2.0
#if GRPC
import PortableWire

/// A named series of numbers (`app.Dataset`): a final class, so a dataset referenced twice in a message is one
/// instance on both sides (a back-reference on the wire, Spec/portable-objects.md), and immutable, so it is
/// `Sendable`. The Python peer sends it as a pydantic model or a plain class registered under the same name.
public final class Dataset: Portable, Codable, Sendable {
    public static let portableName = "app.Dataset"
    /// The dataset's name.
    public let name: String
    /// Its values.
    public let values: [Double]

    /// Creates a dataset.
    public init(name: String, values: [Double]) {
        self.name = name
        self.values = values
    }
}

/// The request of `TaskService/Sweep`: the statistics to compute over one sample list, one streamed result each.
public struct SweepRequest: Codable, Sendable, Equatable {
    /// The statistics, in the order the results are streamed (at most ``TaskGRPCService/maxSweepCount``).
    public var variables: [CustomVariable]
    /// The samples (1...10 when absent).
    public var samples: [Double]?
    /// A pause before each result, in milliseconds (at most ``TaskGRPCService/maxIntervalMilliseconds``), so a
    /// client can watch results arrive one by one, and a deadline can expire mid-stream.
    public var intervalMilliseconds: Int?

    enum CodingKeys: String, CodingKey {
        case variables, samples
        case intervalMilliseconds = "interval_ms"
    }

    /// Creates a request.
    public init(variables: [CustomVariable], samples: [Double]? = nil, intervalMilliseconds: Int? = nil) {
        self.variables = variables
        self.samples = samples
        self.intervalMilliseconds = intervalMilliseconds
    }
}

/// The request of `TaskService/Describe`: datasets, some of which may be the same instance.
public struct DescribeRequest: Codable, Sendable {
    /// The datasets, in any order; a dataset may appear more than once.
    public var datasets: [Dataset]

    /// Creates a request.
    public init(datasets: [Dataset]) { self.datasets = datasets }
}

/// The reply of `TaskService/Describe`.
public struct DescribeReply: Codable, Sendable {
    /// The request's datasets, the same instances in the same order: a dataset sent twice comes back as one
    /// object and a back-reference.
    public var datasets: [Dataset]
    /// How many distinct instances the request held (by identity, `===`, not by value).
    public var distinctCount: Int
    /// The mean of each dataset's values, in order (0 for an empty dataset).
    public var means: [Double]

    enum CodingKeys: String, CodingKey {
        case datasets
        case distinctCount = "distinct_count"
        case means
    }

    /// Creates a reply.
    public init(datasets: [Dataset], distinctCount: Int, means: [Double]) {
        self.datasets = datasets
        self.distinctCount = distinctCount
        self.means = means
    }
}

/// The request of `TaskService/Call`: a Celery-style ``TaskCall``, the same message the TCP service reads.
///
/// `TaskCall` holds its arguments as `Any`, which is not `Sendable`, and gRPC hands requests to handlers
/// across tasks. The values in it are what ``PortableWire/PortableDecoder`` makes of a message with the
/// service's registry: plain values (`Int64`, `String`, `[Any]`, `[String: Any]` of them, …), all value types,
/// and instances of the registered types, all `Sendable` (``TaskGRPCService/makeRegistry()``). Each call is
/// decoded for one handler and never shared, so moving it to the handler's task is safe.
public struct TaskCallMessage: Codable, @unchecked Sendable {
    /// The call.
    public var call: TaskCall

    /// Wraps a call.
    public init(call: TaskCall) { self.call = call }

    /// Decodes a ``TaskCall``.
    public init(from decoder: any Decoder) throws { call = try TaskCall(from: decoder) }

    /// Encodes the ``TaskCall`` (what a client sends; the caller hands its arguments over).
    public func encode(to encoder: any Encoder) throws { try call.encode(to: encoder) }
}

/// The reply of `TaskService/Call`: a ``TaskReply`` encoded exactly as the TCP service encodes it
/// (`{"error", "id", "result", "status"}`), so its bytes are the same over both.
///
/// `@unchecked Sendable` for the reason ``TaskCallMessage`` gives: the result is built by the task from the
/// call's values, and the reply is encoded once, by the task that made it.
public struct TaskReplyMessage: Encodable, @unchecked Sendable {
    /// The reply.
    public var reply: TaskReply

    /// Wraps a reply.
    public init(reply: TaskReply) { self.reply = reply }

    /// Encodes the reply's ``TaskReply/wireValue`` with ``PortableWire/PortableEncoder`` (other encoders throw).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Polymorphic<[String: Any]>(wrappedValue: reply.wireValue))
    }
}
#endif  // GRPC

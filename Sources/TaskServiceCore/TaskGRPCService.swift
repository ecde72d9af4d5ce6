// SPDX-License-Identifier: Apache-2.0
#if GRPC
import GRPCCore
import PortableWire
import PortableWireGRPC

/// The example task service as a gRPC service, `portablewire.example.TaskService`, with PortableWire messages
/// (``PortableWireGRPC/PortableMessageSerializer`` and ``PortableWireGRPC/PortableMessageDeserializer``) instead
/// of protobuf, running the same tasks as the TCP service (``TaskRunner``):
///
/// - `Call` (unary): a Celery-style ``TaskCall`` → its ``TaskReply``, the same bytes as over TCP; every task of
///   ``TaskRunner`` (`app.tasks.add`, `echo`, `optimise`, `schedule`).
/// - `Sweep` (server streaming): a ``SweepRequest`` → one ``OptimisationResult`` per variable, streamed as each
///   is computed (after `interval_ms`, when given).
/// - `Describe` (unary): a ``DescribeRequest`` of ``Dataset`` objects → a ``DescribeReply`` that returns the
///   same instances (a dataset sent twice comes back once plus a back-reference) and counts the distinct ones.
///
/// A request that does not decode fails with `invalidArgument`, one over the service's limits with
/// `resourceExhausted`, each naming the Spec error code, byte offset and path; the handler does not run.
/// Deadlines are the client's (`grpc-timeout`): when one passes, the handler's task is cancelled and a `Sweep`
/// stops between results.
@available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, visionOS 2.0, *)
public struct TaskGRPCService: RegistrableRPCService {
    /// The fully qualified service name.
    public static let serviceName = "portablewire.example.TaskService"

    /// The method descriptors, for clients.
    public enum Method {
        /// `Call`: unary, ``TaskCall`` → ``TaskReply`` (as a map).
        public static let call = MethodDescriptor(fullyQualifiedService: serviceName, method: "Call", type: .unary)
        /// `Sweep`: server streaming, ``SweepRequest`` → a stream of ``OptimisationResult``.
        public static let sweep = MethodDescriptor(
            fullyQualifiedService: serviceName, method: "Sweep", type: .serverStreaming)
        /// `Describe`: unary, ``DescribeRequest`` → ``DescribeReply``.
        public static let describe = MethodDescriptor(
            fullyQualifiedService: serviceName, method: "Describe", type: .unary)
    }

    /// The most variables one `Sweep` may ask for.
    public static let maxSweepCount = 1_000
    /// The longest pause between `Sweep` results.
    public static let maxIntervalMilliseconds = 10_000

    /// Runs the tasks of `Call`.
    public let runner: TaskRunner
    /// The portable types of every method: ``TaskRunner/makeRegistry()`` and ``Dataset``.
    public let registry: TypeRegistry
    /// The bounds for each request.
    public let limits: PortableLimits

    /// The runner's registry plus ``Dataset``.
    public static func makeRegistry(_ runner: TaskRunner = TaskRunner()) -> TypeRegistry {
        var registry = runner.registry
        // Safe to force: `app.Dataset` is a name no other type of the example uses.
        try! registry.register(Dataset.self)
        return registry
    }

    /// Creates the service.
    public init(runner: TaskRunner = TaskRunner(), limits: PortableLimits = .default) {
        self.runner = runner
        self.registry = Self.makeRegistry(runner)
        self.limits = limits
    }

    func deserializer<Message: Decodable>(_: Message.Type) -> PortableMessageDeserializer<Message> {
        PortableMessageDeserializer(registry: registry, limits: limits)
    }

    func serializer<Message: Encodable>(_: Message.Type) -> PortableMessageSerializer<Message> {
        PortableMessageSerializer(registry: registry)
    }

    /// Registers `Call`, `Sweep` and `Describe`.
    public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let runner = self.runner
        router.registerHandler(
            forMethod: Method.call, deserializer: deserializer(TaskCallMessage.self),
            serializer: serializer(TaskReplyMessage.self)
        ) { request, _ in
            let call = try await ServerRequest(stream: request).message.call
            return StreamingServerResponse(single: ServerResponse(message: TaskReplyMessage(reply: runner.run(call))))
        }
        router.registerHandler(
            forMethod: Method.sweep, deserializer: deserializer(SweepRequest.self),
            serializer: serializer(OptimisationResult.self)
        ) { request, _ in
            // gRPC ends a call whose deadline passes by cancelling it; the status must then say so
            // (DEADLINE_EXCEEDED), not whatever error the cancelled work ends with.
            let deadline = Self.timeout(request.metadata).map { ContinuousClock.now.advanced(by: $0) }
            let sweep = try await ServerRequest(stream: request).message
            let samples = try Self.validate(sweep)
            return StreamingServerResponse(of: OptimisationResult.self) { writer in
                // gRPC signals a passed deadline, a client that went away or a server shutting down through the
                // RPC's cancellation handle, not by cancelling this task: the work runs in a child task that the
                // handle cancels, so a sweep stops between results instead of computing for nobody.
                let work = Task {
                    for variable in sweep.variables {
                        if let pause = sweep.intervalMilliseconds, pause > 0 {
                            try await Task.sleep(for: .milliseconds(pause))
                        }
                        try Task.checkCancellation()
                        let estimate = try Self.estimate(variable, samples)
                        try await writer.write(
                            OptimisationResult(variable: variable, estimate: estimate, sampleCount: samples.count))
                    }
                }
                do {
                    try await withRPCCancellationHandler {
                        try await withTaskCancellationHandler {
                            try await work.value
                        } onCancel: {
                            work.cancel()
                        }
                    } onCancelRPC: {
                        work.cancel()
                    }
                } catch is CancellationError {
                    if let deadline, ContinuousClock.now >= deadline {
                        throw RPCError(code: .deadlineExceeded, message: "Sweep: the call's deadline passed")
                    }
                    throw RPCError(code: .cancelled, message: "Sweep: the call was cancelled")
                }
                return [:]
            }
        }
        router.registerHandler(
            forMethod: Method.describe, deserializer: deserializer(DescribeRequest.self),
            serializer: serializer(DescribeReply.self)
        ) { request, _ in
            let datasets = try await ServerRequest(stream: request).message.datasets
            let distinct = Set(datasets.map { ObjectIdentifier($0) }).count
            let means = datasets.map { $0.values.isEmpty ? 0 : $0.values.reduce(0, +) / Double($0.values.count) }
            let reply = DescribeReply(datasets: datasets, distinctCount: distinct, means: means)
            return StreamingServerResponse(single: ServerResponse(message: reply))
        }
    }

    /// The call's timeout from its `grpc-timeout` header (digits and a unit: H, M, S, m, u, n), or nil.
    static func timeout(_ metadata: Metadata) -> Duration? {
        var text = ""
        for value in metadata[stringValues: "grpc-timeout"] {
            text = String(value)
            break
        }
        guard let unit = text.last, let amount = Int64(text.dropLast()), amount >= 0 else { return nil }
        switch unit {
        case "H": return .seconds(amount * 3600)
        case "M": return .seconds(amount * 60)
        case "S": return .seconds(amount)
        case "m": return .milliseconds(amount)
        case "u": return .microseconds(amount)
        case "n": return .nanoseconds(amount)
        default: return nil
        }
    }

    /// The samples of `sweep`, or `invalidArgument` naming what is wrong with it.
    static func validate(_ sweep: SweepRequest) throws -> [Double] {
        guard sweep.variables.count <= maxSweepCount else {
            throw RPCError(
                code: .invalidArgument,
                message: "Sweep asks for \(sweep.variables.count) variables; at most \(maxSweepCount) per call")
        }
        if let pause = sweep.intervalMilliseconds, !(0...maxIntervalMilliseconds).contains(pause) {
            throw RPCError(
                code: .invalidArgument, message: "interval_ms must be in 0...\(maxIntervalMilliseconds), not \(pause)")
        }
        do {
            return try TaskRunner.samples(sweep.samples)
        } catch let error as TaskRunner.TaskError {
            throw RPCError(code: .invalidArgument, message: "Sweep: \(TaskReply.bounded(error.message))")
        }
    }

    static func estimate(_ variable: CustomVariable, _ samples: [Double]) throws -> Double {
        do {
            return try TaskRunner.estimate(variable, over: samples)
        } catch let error as TaskRunner.TaskError {
            throw RPCError(code: .invalidArgument, message: "Sweep: \(TaskReply.bounded(error.message))")
        }
    }
}
#endif  // GRPC

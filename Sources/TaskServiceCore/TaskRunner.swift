// SPDX-License-Identifier: Apache-2.0
#if NIO
import PortableWire

/// Runs the demo tasks of the example service.
///
/// - `app.tasks.add(a, b)`: the sum of two integers.
/// - `app.tasks.optimise(input=CustomVariable, samples=[Double])`: the statistic `input` asks for over
///   `samples` (default 1...10), returned as a portable ``OptimisationResult`` holding `input`.
/// - `app.tasks.echo(value)`: its argument, unchanged (portable objects and shared references included).
/// - `app.tasks.schedule(starts_at=, remind_at=, due=, created_at=, amount=, booking_id=, tags=, priority=)`:
///   the kwargs decoded into a typed ``ScheduleRequest`` (`OffsetDateTime`, `LocalDateTime`, `LocalDate`, `Date`,
///   `Decimal`, `UUID`, `Set<String>`, ``Priority``), returned as a ``ScheduleResult`` holding them and the start
///   as an instant; a missing or wrongly typed kwarg fails the call, naming it.
///
/// Any other name, or bad arguments, give a `FAILURE` reply naming the problem.
public struct TaskRunner: Sendable {
    /// The portable types the service sends and receives.
    public let registry: TypeRegistry

    /// The names of the demo tasks.
    public static let taskNames = ["app.tasks.add", "app.tasks.echo", "app.tasks.optimise", "app.tasks.schedule"]

    /// The registry with ``CustomVariable``, ``OptimisationResult`` and the enum ``Priority``.
    public static func makeRegistry() -> TypeRegistry {
        var registry = TypeRegistry()
        // The two names are distinct literals, so registering cannot fail.
        try! registry.register(CustomVariable.self)
        try! registry.register(OptimisationResult.self)
        try! registry.register(Priority.self)
        return registry
    }

    /// Creates a runner with ``makeRegistry()``.
    public init() { self.registry = Self.makeRegistry() }

    /// Runs `call` and returns its reply.
    public func run(_ call: TaskCall) -> TaskReply {
        do {
            return .success(id: call.id, result: try result(of: call))
        } catch let error as TaskError {
            return .failure(id: call.id, error: TaskReply.bounded(error.message))
        } catch {
            return .failure(id: call.id, error: TaskReply.boundedText(error))
        }
    }

    struct TaskError: Error {
        var message: String
    }

    func result(of call: TaskCall) throws -> Any {
        switch call.task {
        case "app.tasks.add":
            guard call.args.count == 2, let a = Self.integer(call.args[0]), let b = Self.integer(call.args[1]) else {
                throw TaskError(message: "app.tasks.add takes two integers, got \(call.args.count) argument(s)")
            }
            let (sum, overflow) = a.addingReportingOverflow(b)
            guard !overflow else { throw TaskError(message: "app.tasks.add: \(a) + \(b) overflows Int64") }
            return sum
        case "app.tasks.echo":
            guard call.args.count == 1 else { throw TaskError(message: "app.tasks.echo takes one argument") }
            return call.args[0]
        case "app.tasks.optimise":
            guard let input = call.kwargs["input"] as? CustomVariable else {
                throw TaskError(message: "app.tasks.optimise needs kwargs['input'], an app.CustomVariable")
            }
            let samples = try Self.samples(call.kwargs["samples"])
            let estimate = try Self.estimate(input, over: samples)
            return OptimisationResult(variable: input, estimate: estimate, sampleCount: samples.count)
        case "app.tasks.schedule":
            return ScheduleResult(request: try schedule(call.kwargs))
        default:
            throw TaskError(
                message: "unknown task '\(call.task)'; this service runs \(Self.taskNames.joined(separator: ", "))")
        }
    }

    /// `app.tasks.schedule`'s kwargs as a typed ``ScheduleRequest``. The call decoded them as dynamic values (the
    /// service reads the call before it knows the task); they are written back to bytes, which re-encode to what
    /// the caller sent (a value without an exact native form, such as the decimal `12.50`, was kept as a generic
    /// object of the same bytes), and decoded into the struct, so every field is read by its type's decoder.
    func schedule(_ kwargs: [String: Any]) throws -> ScheduleRequest {
        do {
            let bytes = try PortableEncoder(registry: registry).encode(any: kwargs)
            return try PortableDecoder(registry: registry).decode(ScheduleRequest.self, from: bytes)
        } catch {
            throw TaskError(message: "app.tasks.schedule: the kwargs are not a ScheduleRequest: \(error)")
        }
    }

    static func integer(_ value: Any) -> Int64? {
        switch value {
        case let v as Int64: return v
        case let v as Int: return Int64(v)
        case let v as UInt64: return Int64(exactly: v)
        default: return nil
        }
    }

    static func samples(_ value: Any?) throws -> [Double] {
        guard let value else { return (1...10).map(Double.init) }
        guard let list = value as? [Any] else { throw TaskError(message: "samples must be a list of numbers") }
        return try list.map { element in
            switch element {
            case let v as Double: return v
            case let v as Float: return Double(v)
            default:
                if let v = integer(element) { return Double(v) }
                throw TaskError(message: "samples must be a list of numbers, found \(element)")
            }
        }
    }

    static func estimate(_ variable: CustomVariable, over samples: [Double]) throws -> Double {
        guard !samples.isEmpty else { throw TaskError(message: "samples is empty") }
        let n = Double(samples.count)
        let mean = samples.reduce(0, +) / n
        let variance = samples.count > 1 ? samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) : 0
        switch variable.type {
        case .mean: return mean
        case .variance: return variance
        case .standardErrorOfMean: return (variance / n).squareRoot()
        case .quantile:
            guard let q = variable.quantile, (0...1).contains(q) else {
                throw TaskError(message: "a quantile variable needs quantile in 0...1")
            }
            // Linear interpolation between order statistics (numpy's default).
            let sorted = samples.sorted()
            let position = q * (n - 1)
            let lower = Int(position.rounded(.down))
            let upper = min(lower + 1, sorted.count - 1)
            return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
        }
    }
}
#endif  // NIO

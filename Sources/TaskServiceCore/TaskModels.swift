// SPDX-License-Identifier: Apache-2.0
#if NIO
import Foundation
import PortableWire

/// The statistic a ``CustomVariable`` asks for.
public enum VariableType: String, Codable, Sendable {
    case mean, variance
    case standardErrorOfMean = "standard_error_of_mean"
    case quantile
}

/// A portable model sent as a task argument (`app.CustomVariable`), the same class the Python peer sends.
public struct CustomVariable: Portable, Codable, Equatable, Sendable {
    public static let portableName = "app.CustomVariable"
    /// Which statistic.
    public var type: VariableType
    /// The quantile in 0...1, for `.quantile`.
    public var quantile: Double?

    /// Creates a variable.
    public init(type: VariableType, quantile: Double? = nil) {
        self.type = type
        self.quantile = quantile
    }
}

/// The portable result of `app.tasks.optimise` (`app.OptimisationResult`): the variable it was asked for
/// (a portable object inside a portable object), the estimate, and how many samples it used.
public struct OptimisationResult: Portable, Codable, Equatable, Sendable {
    public static let portableName = "app.OptimisationResult"
    /// The variable the task was called with.
    public var variable: CustomVariable
    /// The value of the statistic over the samples.
    public var estimate: Double
    /// The number of samples.
    public var sampleCount: Int

    enum CodingKeys: String, CodingKey {
        case variable, estimate
        case sampleCount = "sample_count"
    }

    /// Creates a result.
    public init(variable: CustomVariable, estimate: Double, sampleCount: Int) {
        self.variable = variable
        self.estimate = estimate
        self.sampleCount = sampleCount
    }
}

/// How urgent a booking is: the Swift side of a Python `Enum` registered under the same name, `app.Priority`
/// (`class Priority(Enum): low = "low"; ...`). A member travels as a portable object of that name whose data is
/// its raw value (Spec/well-known-types.md 9), so a Python member decodes into a Swift case and back.
public enum Priority: String, Portable, Codable, Hashable, Sendable, CaseIterable {
    public static let portableName = "app.Priority"
    case low, normal, high
}

/// The keyword arguments of `app.tasks.schedule`, decoded into typed fields: each is a well-known type
/// (Spec/well-known-types.md), so the values a Python caller passes (`datetime`, `date`, `msgpack.Timestamp`,
/// `Decimal`, `UUID`, `set`, an `Enum` member) arrive as these Swift types, and a value of another type is a
/// decoding error naming the field.
public struct ScheduleRequest: Codable, Equatable, Sendable {
    /// An aware Python `datetime` (`pw.offsetDateTime`): the local reading and its UTC offset.
    public var startsAt: OffsetDateTime
    /// A naive Python `datetime` (`pw.localDateTime`): a wall-clock reading with no zone.
    public var remindAt: LocalDateTime
    /// A Python `date` (`pw.date`).
    public var due: LocalDate
    /// An instant (the timestamp ext; `msgpack.Timestamp` in Python).
    public var createdAt: Date
    /// A Python `Decimal` (`pw.decimal`). Foundation's `Decimal` keeps no trailing zeros: `12.50` comes back as
    /// `12.5`, an equal number.
    public var amount: Decimal
    /// A Python `UUID` (`pw.uuid`).
    public var bookingID: UUID
    /// A Python `set` or `frozenset` of `str` (`pw.set`).
    public var tags: Set<String>
    /// A member of the Python `Enum` registered as `app.Priority`.
    public var priority: Priority

    enum CodingKeys: String, CodingKey {
        case startsAt = "starts_at"
        case remindAt = "remind_at"
        case due
        case createdAt = "created_at"
        case amount
        case bookingID = "booking_id"
        case tags, priority
    }

    /// Creates a request.
    public init(
        startsAt: OffsetDateTime, remindAt: LocalDateTime, due: LocalDate, createdAt: Date, amount: Decimal,
        bookingID: UUID, tags: Set<String>, priority: Priority
    ) {
        self.startsAt = startsAt
        self.remindAt = remindAt
        self.due = due
        self.createdAt = createdAt
        self.amount = amount
        self.bookingID = bookingID
        self.tags = tags
        self.priority = priority
    }
}

/// The result of `app.tasks.schedule`, a plain map: `{"request": the request as decoded, "starts_at_utc": the
/// instant the booking starts}`. A Python caller compares `request` with the kwargs it sent.
public struct ScheduleResult: Codable, Equatable, Sendable {
    /// The keyword arguments, as the service decoded them.
    public var request: ScheduleRequest
    /// `request.startsAt` as an instant (the timestamp ext).
    public var startsAtUTC: Date

    enum CodingKeys: String, CodingKey {
        case request
        case startsAtUTC = "starts_at_utc"
    }

    /// The result for `request`.
    public init(request: ScheduleRequest) {
        self.request = request
        self.startsAtUTC = request.startsAt.instant
    }
}

/// A Celery-style task call: `{"task": name, "id": id, "args": [...], "kwargs": {...}}`, whose arguments may
/// hold portable objects.
public struct TaskCall: Codable {
    /// The task's name, for example `app.tasks.add`.
    public var task: String
    /// The caller's id for this call; the reply carries it back.
    public var id: String
    /// Positional arguments (plain values or portable objects).
    @Polymorphic public var args: [Any]
    /// Keyword arguments (plain values or portable objects).
    @Polymorphic public var kwargs: [String: Any]

    /// Creates a call.
    public init(task: String, id: String, args: [Any] = [], kwargs: [String: Any] = [:]) {
        self.task = task
        self.id = id
        self.args = args
        self.kwargs = kwargs
    }
}

/// The reply to a task call: `{"error": text, "id": id, "result": value, "status": "SUCCESS" | "FAILURE"}`
/// (keys in sorted order, as a sorted dictionary encodes).
public struct TaskReply {
    /// `SUCCESS` or `FAILURE`, as Celery names them.
    public enum Status: String, Sendable {
        case success = "SUCCESS"
        case failure = "FAILURE"
    }

    /// The id of the call answered (nil when the call could not be read).
    public var id: String?
    /// Whether the task ran.
    public var status: Status
    /// The task's result, any transmittable value (nil on failure).
    public var result: Any?
    /// What went wrong (nil on success).
    public var error: String?

    /// Creates a reply.
    public init(id: String?, status: Status, result: Any?, error: String?) {
        self.id = id
        self.status = status
        self.result = result
        self.error = error
    }

    /// `text` cut to at most ``MessagePack/ErrorTextBounds/maxDescriptionByteCount`` (1 KiB) of UTF-8, its
    /// middle elided: error texts sent to a peer never grow with the input.
    public static func bounded(_ text: String) -> String {
        ErrorTextBounds.elidingMiddle(text, maxByteCount: ErrorTextBounds.maxDescriptionByteCount)
    }

    /// The description of `error`, bounded as ``bounded(_:)`` does.
    public static func boundedText(_ error: any Error) -> String { bounded("\(error)") }

    /// A successful reply.
    public static func success(id: String, result: Any?) -> TaskReply {
        TaskReply(id: id, status: .success, result: result, error: nil)
    }

    /// A failed reply.
    public static func failure(id: String?, error: String) -> TaskReply {
        TaskReply(id: id, status: .failure, result: nil, error: error)
    }

    /// The reply as the map sent on the wire (nil values as nil).
    public var wireValue: [String: Any] {
        ["id": id as Any, "status": status.rawValue, "result": result as Any, "error": error as Any]
    }

    /// Reads a reply from a decoded message.
    public init?(_ value: PortableValue) {
        guard let status = value["status"]?.stringValue.flatMap(Status.init(rawValue:)) else { return nil }
        let result = value["result"].flatMap { $0 == .nil ? nil : $0.unwrapped }
        self.init(id: value["id"]?.stringValue, status: status, result: result, error: value["error"]?.stringValue)
    }
}
#endif  // NIO

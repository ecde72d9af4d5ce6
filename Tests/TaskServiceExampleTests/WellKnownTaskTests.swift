// SPDX-License-Identifier: Apache-2.0
#if NIO
import Foundation
import PortableWire
import TaskServiceCore
import TestSupport
import Testing

/// Issue 18's end-to-end case: a Celery-style call from Python whose kwargs hold an aware and a naive `datetime`, a
/// `date`, a `msgpack.Timestamp`, a `Decimal`, a `UUID`, a `set` and an `Enum` member is decoded by the example
/// service into the typed ``ScheduleRequest`` (`OffsetDateTime`, `LocalDateTime`, `LocalDate`, `Date`, `Decimal`,
/// `UUID`, `Set<String>`, ``Priority``) and comes back equal, types included (checked by Python, with the real
/// `portablewire.task_client.TaskClient` of this checkout, against the built `pwire-task-service`).
@Suite(.serialized) struct WellKnownTaskTests {
    /// The Python side: the enum, registered in the task client's registry under the Swift enum's name, and the
    /// kwargs every test sends.
    static let pythonPrelude = """
        import sys, datetime as dt, enum, uuid, msgpack
        from decimal import Decimal
        sys.path.insert(0, 'Spec/peers/python')
        from portablewire import packb, task_client
        from portablewire.task_client import TaskClient, TaskError

        class Priority(enum.Enum):
            low = 'low'
            normal = 'normal'
            high = 'high'

        task_client.registry.register(Priority, 'app.Priority')
        kwargs = {
            'starts_at': dt.datetime(2024, 5, 1, 13, 45, 30, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            'remind_at': dt.datetime(2024, 4, 30, 9, 0, 0, 1),
            'due': dt.date(2024, 5, 31),
            'created_at': msgpack.Timestamp(1714521600, 500000000),
            'amount': Decimal('12.50'),
            'booking_id': uuid.UUID('12345678-1234-5678-1234-567812345678'),
            'tags': {'vip', 'late-checkout', 'été'},
            'priority': Priority.high,
        }

        """

    static func python() throws -> String {
        if let path = ProcessInfo.processInfo.environment["PORTABLEWIRE_PYTHON"] { return path }
        return try #require(which("python3"), "python3 is not on PATH; run Tests/run-all.sh, which sets it up")
    }

    /// The Swift value of the prelude's `kwargs`, as the service should decode it.
    static let expected = ScheduleRequest(
        startsAt: OffsetDateTime(
            LocalDateTime(year: 2024, month: 5, day: 1, hour: 13, minute: 45, second: 30, nanosecond: 123_456_000)!,
            offsetSeconds: 7200)!,
        remindAt: LocalDateTime(year: 2024, month: 4, day: 30, hour: 9, nanosecond: 1000)!,
        due: LocalDate(year: 2024, month: 5, day: 31)!,
        createdAt: Date(timeIntervalSince1970: 1_714_521_600.5),
        amount: Decimal(string: "12.5")!,
        bookingID: UUID(uuidString: "12345678-1234-5678-1234-567812345678")!,
        tags: ["vip", "late-checkout", "été"],
        priority: .high)

    @Test func pythonCallWithWellKnownKwargsComesBackEqualFromTheService() throws {
        let service = try ServiceProcess(["--host", "127.0.0.1"])
        let port = service.port

        let script = Self.pythonPrelude + """
            with TaskClient(port=int(sys.argv[1])) as client:
                result = client.call('app.tasks.schedule', **kwargs)
                back = result['request']
                assert set(back) == set(kwargs), sorted(set(back) ^ set(kwargs))
                for key, sent in kwargs.items():
                    got = back[key]
                    assert got == sent, (key, got, sent)
                    assert type(got) is type(sent), (key, type(got), type(sent))
                assert back['priority'] is Priority.high
                assert back['starts_at'].utcoffset() == dt.timedelta(hours=2), back['starts_at']
                assert back['starts_at'].microsecond == 123456 and back['remind_at'].tzinfo is None
                assert str(back['amount']) == '12.5'   # Foundation's Decimal keeps no trailing zeros: an equal number
                # The derived field: the start as an instant (a Date, microseconds within a Double's precision).
                instant = result['starts_at_utc']
                assert type(instant) is msgpack.Timestamp, type(instant)
                assert abs(instant.to_datetime() - kwargs['starts_at']) < dt.timedelta(microseconds=1), instant

                # The struct is typed: a kwarg of another type fails the call and the error names it. (The typed
                # decoder also reads the Swift types' own Codable forms: a UUID's text, a plain list for a Set, a
                # bare raw value for an enum; those are not wrong types here.)
                wrong = {
                    'priority': 'urgent',
                    'amount': 12.5,
                    'booking_id': kwargs['booking_id'].bytes,
                    'remind_at': kwargs['starts_at'],
                    'starts_at': kwargs['remind_at'],
                    'due': kwargs['remind_at'],
                    'created_at': kwargs['starts_at'],
                }
                accepted = []
                for key, value in wrong.items():
                    try:
                        client.call('app.tasks.schedule', **{**kwargs, key: value})
                    except TaskError as error:
                        assert key in str(error) and 'ScheduleRequest' in str(error), (key, str(error))
                    else:
                        accepted.append(f'{key}={value!r}')
                assert not accepted, f'accepted: {accepted}'
                missing = dict(kwargs)
                del missing['tags']
                try:
                    client.call('app.tasks.schedule', **missing)
                except TaskError as error:
                    assert 'tags' in str(error), str(error)
                else:
                    raise AssertionError('a call without tags was accepted')
                # The connection is still good after the failures.
                assert client.call('app.tasks.schedule', **kwargs)['request'] == kwargs
            print('ok')
            """
        let output = try runCommand(try Self.python(), ["-c", script, "\(port)"])
        #expect(output.status == 0, "python failed: \(output.stderr)")
        #expect(output.stdoutText == "ok\n", "\(output.stdoutText)\n\(output.stderr)")
    }

    @Test func pythonCallDecodesIntoTheTypedStruct() throws {
        // The same call's bytes, as the Python peer writes them, run by the service's runner in process.
        let output = try runCommand(
            try Self.python(),
            [
                "-c",
                Self.pythonPrelude + """
                    call = {'task': 'app.tasks.schedule', 'id': '1', 'args': [], 'kwargs': kwargs}
                    sys.stdout.buffer.write(packb(call, registry=task_client.registry))
                    """,
            ])
        try #require(output.status == 0, "python failed: \(output.stderr)")
        let runner = TaskRunner()
        let call = try PortableDecoder(registry: runner.registry).decode(TaskCall.self, from: output.stdout)
        let reply = runner.run(call)
        let result = try #require(reply.result as? ScheduleResult, "\(reply.error ?? "")")
        #expect(result.request == Self.expected)
        #expect(result.request.startsAt.instant == result.startsAtUTC)
        #expect(abs(result.startsAtUTC.timeIntervalSince1970 - 1_714_563_930.123456) < 1e-6)
        #expect(call.kwargs["priority"] as? Priority == .high)

        // A kwarg of another type is a FAILURE naming it, not a silent conversion.
        var wrong = call
        wrong.kwargs["priority"] = "urgent"
        let failure = runner.run(wrong)
        #expect(failure.status == .failure)
        #expect(failure.error?.contains("priority") == true, "\(failure.error ?? "")")
    }
}
#endif  // NIO

// SPDX-License-Identifier: Apache-2.0
// The example service's gRPC front over real HTTP/2 sockets on 127.0.0.1: Swift and Python clients.
#if GRPC
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import PortableWire
import PortableWireGRPC
import Synchronization
import TaskServiceCore
import TestSupport
import Testing

/// Sends bytes as they are: a client that writes what a broken or hostile peer would.
struct RawBytesSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
}

/// Receives bytes as they are, to compare the server's encoding byte for byte.
struct RawBytesDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> [UInt8] {
        bytes.withUnsafeBytes { Array($0) }
    }
}

/// Runs `body` with a client connected to 127.0.0.1:`port` over plaintext HTTP/2.
func withClient<R: Sendable>(
    port: Int, _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> R
) async throws -> R {
    let transport = try HTTP2ClientTransport.Posix(
        target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
    return try await withGRPCClient(transport: transport) { client in try await body(client) }
}

/// What a `Call` reply says, in `Sendable` form.
struct ReplySummary: Sendable {
    var id: String?
    var status: TaskReply.Status
    var error: String?
    var resultDescription: String
    var resultInteger: Int64?
}

@Suite(.serialized) struct TaskGRPCServiceTests {
    let registry = TaskGRPCService.makeRegistry()

    func call(_ client: GRPCClient<HTTP2ClientTransport.Posix>, _ call: TaskCall) async throws -> ReplySummary {
        try await client.unary(
            request: ClientRequest(message: TaskCallMessage(call: call)), descriptor: TaskGRPCService.Method.call,
            serializer: PortableMessageSerializer<TaskCallMessage>(registry: registry),
            deserializer: PortableMessageDeserializer<UncheckedPortableValue>(registry: registry), options: .defaults
        ) { response in
            let reply = try #require(TaskReply(try response.message.value))
            return ReplySummary(
                id: reply.id, status: reply.status, error: reply.error, resultDescription: "\(reply.result ?? "nil")",
                resultInteger: reply.result as? Int64)
        }
    }

    @Test func swiftClientRunsTasksOverGRPC() async throws {
        let server = try await TaskGRPCServer.start()
        let replies = try await withClient(port: server.port) { client in
            [
                try await call(client, TaskCall(task: "app.tasks.add", id: "1", args: [40, 2])),
                try await call(client, TaskCall(task: "app.tasks.add", id: "2", args: ["x"])),
                try await call(client, TaskCall(task: "app.tasks.nope", id: "3")),
            ]
        }
        try await server.stop()
        #expect(replies.map(\.id) == ["1", "2", "3"])
        #expect(replies.map(\.status) == [.success, .failure, .failure])
        #expect(replies[0].resultInteger == 42)
        #expect(replies[1].error?.contains("two integers") == true)
        #expect(replies[2].error?.contains("unknown task 'app.tasks.nope'") == true)
    }

    @Test func aCallReplyHasTheBytesOfTheTCPReply() async throws {
        let server = try await TaskGRPCServer.start()
        let input = CustomVariable(type: .quantile, quantile: 0.25)
        let call = TaskCall(task: "app.tasks.optimise", id: "o", kwargs: ["input": input, "samples": [4.0, 1, 3, 2]])
        let bytes = try await withClient(port: server.port) { client in
            try await client.unary(
                request: ClientRequest(message: TaskCallMessage(call: call)), descriptor: TaskGRPCService.Method.call,
                serializer: PortableMessageSerializer<TaskCallMessage>(registry: registry), deserializer: RawBytesDeserializer(),
                options: .defaults
            ) { try $0.message }
        }
        try await server.stop()
        let expected = OptimisationResult(variable: input, estimate: 1.75, sampleCount: 4)
        let tcpBytes = try PortableEncoder(registry: registry).encode(
            any: TaskReply.success(id: "o", result: expected).wireValue)
        #expect(bytes == tcpBytes)
        let reply = try #require(TaskReply(try PortableDecoder(registry: registry).decode(from: bytes)))
        #expect(reply.result as? OptimisationResult == expected)
    }

    @Test func sweepStreamsOneResultPerVariable() async throws {
        let server = try await TaskGRPCServer.start()
        let variables: [CustomVariable] = [.init(type: .mean), .init(type: .variance), .init(type: .quantile, quantile: 1)]
        let (results, gaps) = try await withClient(port: server.port) { client in
            try await client.serverStreaming(
                request: ClientRequest(message: SweepRequest(variables: variables, samples: [1, 2, 3, 4], intervalMilliseconds: 150)),
                descriptor: TaskGRPCService.Method.sweep,
                serializer: PortableMessageSerializer<SweepRequest>(registry: registry),
                deserializer: PortableMessageDeserializer<OptimisationResult>(registry: registry), options: .defaults
            ) { response in
                var results: [OptimisationResult] = []
                var arrivals: [ContinuousClock.Instant] = []
                for try await result in response.messages {
                    results.append(result)
                    arrivals.append(.now)
                }
                return (results, zip(arrivals.dropFirst(), arrivals).map { $0 - $1 })
            }
        }
        try await server.stop()
        #expect(results.map(\.variable) == variables)
        #expect(results.map(\.estimate) == [2.5, 5.0 / 3, 4])
        #expect(results.allSatisfy { $0.sampleCount == 4 })
        // Streamed as computed, not gathered: results arrive about interval_ms apart.
        #expect(gaps.allSatisfy { $0 >= .milliseconds(100) }, "\(gaps)")
    }

    @Test func anExpiringDeadlineEndsTheStreamWithDeadlineExceeded() async throws {
        let server = try await TaskGRPCServer.start()
        let variables = [CustomVariable](repeating: .init(type: .mean), count: 10)
        var options = CallOptions.defaults
        options.timeout = .milliseconds(2_500)
        let started = ContinuousClock.now
        let received = Mutex(0)
        let error: RPCError? = try await withClient(port: server.port) { client in
            do {
                try await client.serverStreaming(
                    request: ClientRequest(message: SweepRequest(variables: variables, intervalMilliseconds: 2_000)),
                    descriptor: TaskGRPCService.Method.sweep,
                    serializer: PortableMessageSerializer<SweepRequest>(registry: registry),
                    deserializer: PortableMessageDeserializer<OptimisationResult>(registry: registry), options: options
                ) { response in
                    for try await _ in response.messages { received.withLock { $0 += 1 } }
                }
                return nil
            } catch let error as RPCError {
                return error
            }
        }
        let outcome = (received: received.withLock { $0 }, error: error)
        let elapsed = ContinuousClock.now - started
        // A graceful stop waits for the calls in flight: had the sweep not stopped at the deadline (2.5 s), its
        // pause before the second result (until 4 s) would hold the stop for another 1.5 s (0.52 s was measured with
        // a 1 s pause and the RPC cancellation handler removed).
        let stopping = ContinuousClock.now
        try await server.stop()
        let stopTime = ContinuousClock.now - stopping
        #expect(stopTime < .milliseconds(700), "the server kept sweeping after the deadline: stop took \(stopTime)")
        #expect(outcome.error?.code == .deadlineExceeded, "\(String(describing: outcome.error))")
        #expect(outcome.received == 1, "\(outcome.received) results before the deadline")
        #expect(elapsed < .milliseconds(3_500), "\(elapsed)")
    }

    @Test func sharedDatasetsStayShared() async throws {
        let server = try await TaskGRPCServer.start()
        let a = Dataset(name: "a", values: [1, 2, 3])
        let b = Dataset(name: "b", values: [10])
        let summary = try await withClient(port: server.port) { client in
            try await client.unary(
                request: ClientRequest(message: DescribeRequest(datasets: [a, b, a, a])),
                descriptor: TaskGRPCService.Method.describe,
                serializer: PortableMessageSerializer<DescribeRequest>(registry: registry),
                deserializer: PortableMessageDeserializer<DescribeReply>(registry: registry), options: .defaults
            ) { response in
                let reply = try response.message
                let d = reply.datasets
                return (reply.distinctCount, reply.means, d[0] === d[2] && d[2] === d[3], d[0] === d[1], d.map(\.name))
            }
        }
        try await server.stop()
        #expect(summary.0 == 2)
        #expect(summary.1 == [2, 10, 2, 2])
        #expect(summary.2, "the three references to one dataset came back as one instance")
        #expect(!summary.3)
        #expect(summary.4 == ["a", "b", "a", "a"])
    }

    @Test func malformedRequestIsInvalidArgumentWithOffsetAndPath() async throws {
        let server = try await TaskGRPCServer.start()
        let error = try await withClient(port: server.port) { client in
            do {
                try await client.unary(
                    request: ClientRequest(message: hex("81 a4 74 61 73 6b c1")), descriptor: TaskGRPCService.Method.call,
                    serializer: RawBytesSerializer(), deserializer: RawBytesDeserializer(), options: .defaults
                ) { _ = try $0.message }
                return nil as RPCError?
            } catch let error as RPCError {
                return error
            }
        }
        try await server.stop()
        let rpc = try #require(error)
        #expect(rpc.code == .invalidArgument)
        #expect(rpc.message.contains("invalidFormatByte at byte 6 ($.task)"), "\(rpc.message)")
        #expect(rpc.metadataString(RPCError.portableWireErrorCodeKey) == "invalidFormatByte")
        #expect(rpc.metadataString(RPCError.portableWireByteOffsetKey) == "6")
        #expect(rpc.metadataString(RPCError.portableWirePathKey) == "$.task")
    }

    @Test func overLimitRequestsAreResourceExhausted() async throws {
        var limits = PortableLimits()
        limits.maxElementCount = 1_000
        limits.maxMessageByteCount = 64 << 10
        let server = try await TaskGRPCServer.start(limits: limits)
        let wide = TaskCallMessage(call: TaskCall(task: "app.tasks.echo", id: "w", args: [[Int](repeating: 7, count: 1_001)]))
        let big = TaskCallMessage(call: TaskCall(task: "app.tasks.echo", id: "b", args: [String(repeating: "x", count: 100_000)]))
        let fits = TaskCallMessage(call: TaskCall(task: "app.tasks.echo", id: "f", args: [[Int](repeating: 7, count: 1_000)]))
        let registry = self.registry
        let errors: [RPCError?] = try await withClient(port: server.port) { client in
            var errors: [RPCError?] = []
            for message in [wide, big, fits] {
                do {
                    try await client.unary(
                        request: ClientRequest(message: message), descriptor: TaskGRPCService.Method.call,
                        serializer: PortableMessageSerializer<TaskCallMessage>(registry: registry),
                        deserializer: RawBytesDeserializer(), options: .defaults
                    ) { _ = try $0.message }
                    errors.append(nil)
                } catch let error as RPCError {
                    errors.append(error)
                }
            }
            return errors
        }
        try await server.stop()
        let wideError = try #require(errors[0])
        #expect(wideError.code == .resourceExhausted)
        #expect(wideError.message.contains("maxElementCount"), "\(wideError.message)")
        #expect(wideError.metadataString(RPCError.portableWireErrorCodeKey) == "limitExceeded")
        // Over maxMessageByteCount, which also caps the transport: grpc-swift-nio-transport 2.9.2 refuses it from its
        // length prefix, before reading it, by resetting the stream (RST_STREAM), which the client reports as
        // `unavailable` with no status message. (The deserializer's own check, `resourceExhausted` naming
        // maxMessageByteCount, is in PortableMessageCodecTests.)
        let bigError = try #require(errors[1])
        #expect(bigError.code == .unavailable, "\(bigError)")
        #expect(errors[2] == nil, "a request at the limit is accepted")
    }

    // MARK: Python (grpcio with the peer as codec)

    @Test func pythonClientWithAPydanticModelGetsSharedInstancesBack() async throws {
        let python = try #require(which("python3"), "python3 is not on PATH")
        let server = try await TaskGRPCServer.start()
        let script = """
            import json, grpc
            from pydantic import BaseModel
            from portablewire import Registry
            from portablewire.grpc import TaskServiceClient
            from portablewire.task_client import CustomVariable, OptimisationResult

            registry = Registry()
            class Dataset(BaseModel):
                name: str
                values: list[float]
            registry.register(Dataset, "app.Dataset")
            registry.register(CustomVariable, "app.CustomVariable")
            registry.register(OptimisationResult, "app.OptimisationResult")

            with grpc.insecure_channel("127.0.0.1:\(server.port)") as channel:
                client = TaskServiceClient(channel, registry=registry)
                shared = Dataset(name="a", values=[1, 2, 3])
                reply = client.describe([shared, Dataset(name="b", values=[4]), shared])
                d = reply["datasets"]
                echoed = client.call("app.tasks.echo", [shared, shared])
                print(json.dumps({
                    "distinct_count": reply["distinct_count"], "means": reply["means"],
                    "models": all(isinstance(x, Dataset) for x in d), "first_is_last": d[0] is d[2],
                    "first_is_second": d[0] is d[1], "names": [x.name for x in d],
                    "echo_shared": echoed[0] is echoed[1], "echo_model": isinstance(echoed[0], Dataset),
                    "add": client.call("app.tasks.add", 2, 3),
                }, sort_keys=True))
            """
        let output = try await runCommandOffThePool(python, ["-c", script])
        try await server.stop()
        #expect(output.status == 0, "\(output.stderr)")
        let line = try #require(try jsonLines(output.stdoutText).first, "\(output.stdoutText)\n\(output.stderr)")
        #expect(line["distinct_count"] as? Int == 2)
        #expect(line["means"] as? [Double] == [2, 4, 2])
        #expect(line["models"] as? Bool == true)
        #expect(line["first_is_last"] as? Bool == true)
        #expect(line["first_is_second"] as? Bool == false)
        #expect(line["names"] as? [String] == ["a", "b", "a"])
        #expect(line["echo_shared"] as? Bool == true)
        #expect(line["echo_model"] as? Bool == true)
        #expect(line["add"] as? Int == 5)
    }

    @Test func pythonClientSeesStreamingDeadlinesAndErrors() async throws {
        let python = try #require(which("python3"), "python3 is not on PATH")
        var limits = PortableLimits()
        limits.maxDepth = 16
        let server = try await TaskGRPCServer.start(limits: limits)
        let script = """
            import json, time, grpc
            from portablewire.grpc import TaskServiceClient, SERVICE
            from portablewire.task_client import CustomVariable

            out = {}
            with grpc.insecure_channel("127.0.0.1:\(server.port)") as channel:
                client = TaskServiceClient(channel)
                results = list(client.sweep([CustomVariable("mean"), CustomVariable("quantile", 0.5)], [1, 2, 3, 10]))
                out["sweep"] = [[r.variable.type, r.estimate, r.sample_count] for r in results]
                received = []
                start = time.monotonic()
                try:
                    for r in client.sweep([CustomVariable("mean")] * 10, interval_ms=200, timeout=0.5):
                        received.append(r.estimate)
                except grpc.RpcError as error:
                    out["deadline"] = [error.code().name, len(received), round(time.monotonic() - start, 2)]
                raw = channel.unary_unary(f"/{SERVICE}/Call")  # no codec: bytes as they are
                for name, body in [("malformed", bytes.fromhex("93 01 c1 ff ff")), ("deep", b"\\x91" * 40 + b"\\x01")]:
                    try:
                        raw(body, timeout=5)
                    except grpc.RpcError as error:
                        meta = dict(error.trailing_metadata() or ())
                        out[name] = [error.code().name, error.details(), meta.get("portablewire-error-code"),
                                     meta.get("portablewire-byte-offset"), meta.get("portablewire-path")]
            print(json.dumps(out))
            """
        let output = try await runCommandOffThePool(python, ["-c", script])
        try await server.stop()
        #expect(output.status == 0, "\(output.stderr)")
        let line = try #require(try jsonLines(output.stdoutText).first, "\(output.stdoutText)\n\(output.stderr)")
        let sweep = try #require(line["sweep"] as? [[Any]])
        #expect(sweep.map { $0[0] as? String } == ["mean", "quantile"])
        #expect(sweep.map { $0[1] as? Double } == [4, 2.5])
        let deadline = try #require(line["deadline"] as? [Any], "\(line)")
        #expect(deadline[0] as? String == "DEADLINE_EXCEEDED")
        #expect((1...3).contains(deadline[1] as? Int ?? -1), "\(deadline)")
        let malformed = try #require(line["malformed"] as? [Any], "\(line)")
        #expect(malformed[0] as? String == "INVALID_ARGUMENT")
        #expect((malformed[1] as? String)?.contains("invalidFormatByte at byte 2") == true, "\(malformed)")
        #expect(malformed[2] as? String == "invalidFormatByte")
        #expect(malformed[3] as? String == "2")
        #expect(malformed[4] as? String == "$[1]")
        let deep = try #require(line["deep"] as? [Any], "\(line)")
        #expect(deep[0] as? String == "RESOURCE_EXHAUSTED")
        #expect((deep[1] as? String)?.contains("maxDepth") == true, "\(deep)")
        #expect(deep[2] as? String == "limitExceeded")
    }

    /// The Python block of a README's gRPC section, taken from the file, so the test runs what the README shows.
    static func readmePythonSnippet(_ readme: String, after heading: String) throws -> String {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent(readme), encoding: .utf8)
        let section = try #require(text.range(of: heading), "\(readme) has no \(heading)")
        let start = try #require(text.range(of: "```python\n", range: section.upperBound..<text.endIndex))
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        return String(text[start.upperBound..<end.lowerBound])
    }

    @Test(arguments: [("README.md", "\n## gRPC\n"), ("Spec/peers/python/README.md", "\n## gRPC without protoc\n")])
    func readmePythonExampleRunsAgainstTheSwiftServer(_ readme: String, _ heading: String) async throws {
        let python = try #require(which("python3"), "python3 is not on PATH")
        let snippet = try Self.readmePythonSnippet(readme, after: heading)
        #expect(snippet.contains("127.0.0.1:50051"))
        let server = try await TaskGRPCServer.start()
        let output = try await runCommandOffThePool(python, ["-c", snippet.replacingOccurrences(of: ":50051", with: ":\(server.port)")])
        try await server.stop()
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdoutText == "5\nmean 2.8\nquantile 3.0\n2 True\n")
    }

    @Test func builtExecutableServesGRPCBesideTCPForThePythonDemo() async throws {
        let python = try #require(which("python3"), "python3 is not on PATH")
        let service = try ServiceProcess(["--grpc-port", "0"])
        let grpcLine = try service.readLine()
        #expect(grpcLine.hasPrefix("grpc listening on 127.0.0.1:"), "\(grpcLine)")
        let port = try #require(ServiceProcess.port(in: grpcLine))
        let output = try await runCommandOffThePool(python, ["-m", "portablewire.grpc", "--port", "\(port)"])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = try jsonLines(output.stdoutText)
        try #require(lines.count == 4, "\(output.stdoutText)\n\(output.stderr)")
        #expect(lines[0]["result"] as? Int == 5)
        #expect((lines[1]["result"] as? [String: Any])?["estimate"] as? Double == 2.8)
        #expect((lines[2]["result"] as? [String: Any])?["estimate"] as? Double == 3)
        #expect(lines[3]["distinct_count"] as? Int == 2)
        #expect(lines[3]["first_is_last"] as? Bool == true)
    }
}

/// ``runCommand(_:_:input:currentDirectory:)`` on a thread of its own: the in-process gRPC server runs its handlers
/// on Swift's cooperative thread pool (one thread per core), and a test that blocked one of those threads while
/// waiting for a Python client of that server could starve it (seen: a 10 s deadline passing on a 2-core machine
/// while other suites blocked the other thread).
func runCommandOffThePool(_ executable: String, _ arguments: [String]) async throws -> CommandResult {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try runCommand(executable, arguments) }) }.start()
    }
}

/// Each line of `text` as a JSON object.
func jsonLines(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { line in
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
}
#endif  // GRPC

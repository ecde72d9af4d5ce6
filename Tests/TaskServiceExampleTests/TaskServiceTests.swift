// SPDX-License-Identifier: Apache-2.0
#if NIO
import Foundation
import MessagePack
import NIOCore
import NIOPosix
import PortableWire
import TaskServiceCore
import TestSupport
import Testing

/// One JSON line of `python -m portablewire.task_client`.
func jsonLines(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { line in
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
}

/// Checks the demo client's four answers (the same from the in-process server and the executable).
func expectDemoAnswers(_ output: CommandResult, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(output.status == 0, "python client failed: \(output.stderr)", sourceLocation: sourceLocation)
    let lines = try jsonLines(output.stdoutText)
    try #require(lines.count == 4, "\(output.stdoutText)\n\(output.stderr)", sourceLocation: sourceLocation)
    #expect(lines[0]["status"] as? String == "SUCCESS", sourceLocation: sourceLocation)
    #expect(lines[0]["result"] as? Int == 5, sourceLocation: sourceLocation)
    // The optimise result is a portable object holding the portable input; Python gets its own classes back.
    let optimised = try #require(lines[1]["result"] as? [String: Any], sourceLocation: sourceLocation)
    #expect(optimised["class"] as? String == "OptimisationResult", sourceLocation: sourceLocation)
    #expect(optimised["estimate"] as? Double == 3.5, sourceLocation: sourceLocation)
    #expect(optimised["sample_count"] as? Int == 8, sourceLocation: sourceLocation)
    #expect((optimised["variable"] as? [String: Any])?["class"] as? String == "CustomVariable", sourceLocation: sourceLocation)
    #expect(lines[1]["variable_is_input_class"] as? Bool == true, sourceLocation: sourceLocation)
    let echoed = try #require(lines[2]["result"] as? [Any], sourceLocation: sourceLocation)
    #expect(echoed.count == 3, sourceLocation: sourceLocation)
    #expect(lines[3]["status"] as? String == "FAILURE", sourceLocation: sourceLocation)
    #expect((lines[3]["error"] as? String)?.contains("unknown task 'app.tasks.unknown'") == true, sourceLocation: sourceLocation)
}

/// Connects a raw-bytes client to the service.
func connect(port: Int, group: any EventLoopGroup) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
    try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port) { channel in
        channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
    }
}

@Suite(.serialized) struct TaskServiceTests {
    @Test func pythonClientCallsTheInProcessServiceEndToEnd() async throws {
        let python = try #require(which("python3"), "python3 is not on PATH")
        let server = try await TaskServer.start(host: "127.0.0.1", port: 0)
        let output = try runCommand(python, ["-m", "portablewire.task_client", "--port", "\(server.port)"])
        try await server.stop()
        try expectDemoAnswers(output)
    }

    @Test func readmePythonSnippetWorks() async throws {
        let python = try #require(which("python3"), "python3 is not on PATH")
        let server = try await TaskServer.start(host: "127.0.0.1", port: 0)
        // The README's snippet, with the port of this test's server.
        let snippet = """
            from portablewire.task_client import TaskClient, CustomVariable

            with TaskClient(port=\(server.port)) as client:
                print(client.call("app.tasks.add", 2, 3))  # 5
                result = client.call("app.tasks.optimise", input=CustomVariable("quantile", 0.5), samples=[3, 1, 4, 1, 5])
                print(result.estimate, result.variable)  # 3.0 CustomVariable(type='quantile', quantile=0.5)
            """
        let output = try runCommand(python, ["-c", snippet])
        try await server.stop()
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdoutText == "5\n3.0 CustomVariable(type='quantile', quantile=0.5)\n")
    }

    @Test func builtExecutablePrintsItsPortAndAnswersPython() throws {
        let python = try #require(which("python3"), "python3 is not on PATH")
        let service = try ServiceProcess()
        try expectDemoAnswers(try runCommand(python, ["-m", "portablewire.task_client", "--port", "\(service.port)"]))
    }

    @Test func swiftClientGetsAPortableResult() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await TaskServer.start(group: group)
        let registry = TaskRunner.makeRegistry()
        let client = try await connect(port: server.port, group: group)
        let replies: [TaskReply] = try await client.executeThenClose { inbound, outbound in
            var writer = PortableAsyncWriter(registry: registry, sink: outbound)
            let input = CustomVariable(type: .mean)
            try await writer.write(TaskCall(task: "app.tasks.optimise", id: "1", kwargs: ["input": input, "samples": [1, 2, 3.5]]))
            try await writer.write(TaskCall(task: "app.tasks.add", id: "2", args: [40, 2]))
            try await writer.write(TaskCall(task: "app.tasks.add", id: "3", args: ["x"]))
            var replies: [TaskReply] = []
            for try await value in inbound.map({ $0.readableBytesView }).portableValues(registry: registry) {
                replies.append(try #require(TaskReply(value)))
                if replies.count == 3 { break }
            }
            return replies
        }
        #expect(replies.map(\.id) == ["1", "2", "3"])
        #expect(replies.map(\.status) == [.success, .success, .failure])
        let result = try #require(replies[0].result as? OptimisationResult)
        #expect(result == OptimisationResult(variable: CustomVariable(type: .mean), estimate: 6.5 / 3, sampleCount: 3))
        #expect(replies[1].result as? Int64 == 42)
        #expect(replies[2].error?.contains("two integers") == true)
        try await server.stop()
        try await group.shutdownGracefully()
    }

    @Test func garbageGetsAFailureReplyAndClosesOnlyThatConnection() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let server = try await TaskServer.start(group: group)
        let registry = TaskRunner.makeRegistry()
        let good = try await connect(port: server.port, group: group)
        let bad = try await connect(port: server.port, group: group)
        try await good.executeThenClose { goodInbound, goodOutbound in
            var goodWriter = PortableAsyncWriter(registry: registry, sink: goodOutbound)
            var goodReplies = goodInbound.map({ $0.readableBytesView }).portableValues(registry: registry).makeAsyncIterator()
            try await goodWriter.write(TaskCall(task: "app.tasks.add", id: "a", args: [1, 1]))
            #expect(try await goodReplies.next().flatMap(TaskReply.init)?.result as? Int64 == 2)

            let badReplies: [TaskReply] = try await bad.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(bytes: [0x93, 0x01, 0xc1, 0xff, 0xff]))
                var replies: [TaskReply] = []
                do {
                    for try await value in inbound.map({ $0.readableBytesView }).portableValues(registry: registry) {
                        replies.append(try #require(TaskReply(value)))
                    }
                } catch let error as MessagePackError {
                    Issue.record("the reply stream should end cleanly, got \(error)")
                }
                return replies  // the loop ended: the server closed the connection
            }
            #expect(badReplies.count == 1)
            #expect(badReplies.first?.status == .failure)
            #expect(badReplies.first?.error?.contains("invalidFormatByte at byte 2") == true, "\(badReplies)")

            try await goodWriter.write(TaskCall(task: "app.tasks.add", id: "b", args: [2, 2]))
            #expect(try await goodReplies.next().flatMap(TaskReply.init)?.result as? Int64 == 4)
        }
        try await server.stop()
        try await group.shutdownGracefully()
    }
}

@Suite struct TaskRunnerTests {
    let runner = TaskRunner()

    @Test func addsIntegersAndRejectsOverflowAndBadArguments() {
        #expect(runner.run(TaskCall(task: "app.tasks.add", id: "1", args: [Int64(2), Int64(3)])).result as? Int64 == 5)
        let overflow = runner.run(TaskCall(task: "app.tasks.add", id: "2", args: [Int64.max, Int64(1)]))
        #expect(overflow.status == .failure)
        #expect(overflow.error?.contains("overflows") == true)
        #expect(runner.run(TaskCall(task: "app.tasks.add", id: "3", args: [1])).status == .failure)
    }

    @Test(arguments: [
        (VariableType.mean, nil, 2.5), (.variance, nil, 5.0 / 3), (.standardErrorOfMean, nil, (5.0 / 12).squareRoot()),
        (.quantile, 0.0, 1.0), (.quantile, 1.0, 4.0), (.quantile, 0.5, 2.5), (.quantile, 0.25, 1.75),
    ] as [(VariableType, Double?, Double)])
    func optimiseComputesTheStatistic(_ type: VariableType, _ quantile: Double?, _ expected: Double) throws {
        let input = CustomVariable(type: type, quantile: quantile)
        let reply = runner.run(TaskCall(task: "app.tasks.optimise", id: "x", kwargs: ["input": input, "samples": [4, 1, 3, 2]]))
        let result = try #require(reply.result as? OptimisationResult, "\(reply.error ?? "")")
        #expect(abs(result.estimate - expected) < 1e-12)
        #expect(result.variable == input)
        #expect(result.sampleCount == 4)
    }

    @Test func unknownTasksAndMissingInputsFailWithAReason() {
        let unknown = runner.run(TaskCall(task: "app.tasks.nope", id: "u"))
        #expect(unknown.status == .failure)
        #expect(unknown.id == "u")
        #expect(unknown.error?.contains("app.tasks.add, app.tasks.echo, app.tasks.optimise") == true)
        let missing = runner.run(TaskCall(task: "app.tasks.optimise", id: "m", kwargs: [:]))
        #expect(missing.error?.contains("app.CustomVariable") == true)
    }

    @Test func replyRoundTripsThroughItsWireForm() throws {
        let registry = TaskRunner.makeRegistry()
        let reply = TaskReply.success(id: "7", result: OptimisationResult(variable: CustomVariable(type: .mean), estimate: 1, sampleCount: 1))
        let bytes = try PortableEncoder(registry: registry).encode(any: reply.wireValue)
        let back = try #require(TaskReply(try PortableDecoder(registry: registry).decode(from: bytes)))
        #expect(back.id == "7")
        #expect(back.status == .success)
        #expect(back.error == nil)
        #expect((back.result as? OptimisationResult)?.variable.type == .mean)
    }
}
#endif  // NIO

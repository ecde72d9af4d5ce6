// SPDX-License-Identifier: Apache-2.0
// The README's streaming examples, verbatim in their test functions, so they keep compiling and working.
#if canImport(Glibc)
import Glibc
#endif
import PortableWire
import Testing

/// The task-call example's types (README, "A Celery-style task call whose kwargs hold a portable model").
enum ReadmeVariableType: String, Codable { case mean, variance, standardErrorOfMean = "standard_error_of_mean", quantile }
struct ReadmeCustomVariable: Portable, Codable {
    static let portableName = "app.CustomVariable"
    var type: ReadmeVariableType
    var quantile: Double?
}
struct ReadmeTaskCall: Codable {
    var task: String
    var id: String
    var args: [Int]
    @Polymorphic var kwargs: [String: Any]
}

@Suite struct StreamingReadmeExamplesTests {
    typealias TaskCall = ReadmeTaskCall
    typealias CustomVariable = ReadmeCustomVariable

    @Test func streamingExample() throws {
        // TaskCall and CustomVariable as in the task-call example above.
        var registry = TypeRegistry()
        try registry.register(CustomVariable.self)

        // Three task calls back to back into a growable buffer (a file descriptor or a NIO ByteBuffer works the same).
        var out = PortableStreamEncoder(registry: registry, sink: ByteArraySink())
        for i in 0..<3 {
            try out.write(TaskCall(task: "app.tasks.optimise", id: "call-\(i)", args: [i],
                                   kwargs: ["input": CustomVariable(type: .quantile, quantile: 0.5)]))
        }
        let stream = out.sink.bytes

        // Read them back from chunks of any size.
        var decoder = PortableStreamDecoder(registry: registry)
        var calls: [TaskCall] = []
        for start in stride(from: 0, to: stream.count, by: 7) {
            decoder.feed(stream[start..<min(start + 7, stream.count)])
            while let call = try decoder.next(TaskCall.self) { calls.append(call) }
        }
        try decoder.finish()  // throws .truncated if the stream stopped inside a message

        #expect(calls.map(\.id) == ["call-0", "call-1", "call-2"])
        #expect((calls[2].kwargs["input"] as? CustomVariable)?.quantile == 0.5)
    }

    @Test func elementByElementExample() throws {
        let path = "/tmp/portablewire-readme-\(getpid()).bin"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(fd >= 0)
        defer { unlink(path) }
        let payload = [UInt8](repeating: 0x5a, count: 1 << 20)

        var writer = MessagePackStreamWriter(sink: FileDescriptorSink(fileDescriptor: fd))
        try writer.beginArray(count: 100_000)
        for i in 0..<100_000 { try writer.write(["id": .int(Int64(i)), "ok": true] as MessagePackValue) }
        try writer.endArray()
        try payload.withUnsafeBytes { try writer.writeBinary($0) }  // a second message: a bin, not copied
        _ = try writer.finish()  // flushes; throws if a container is still open

        close(fd)
        let input = open(path, O_RDONLY)
        defer { close(input) }
        var decoder = MessagePackStreamDecoder()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var values: [MessagePackValue] = []
        while true {
            let count = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            #expect(count >= 0)
            if count <= 0 { break }
            decoder.feed(chunk[..<count])
            while let value = try decoder.next() { values.append(value) }
        }
        try decoder.finish()
        #expect(values.count == 2)
        #expect(values[0][99_999] == ["id": 99_999, "ok": true])
        #expect(values[1] == .binary(payload))
    }

    @Test func asyncExample() async throws {
        var registry = TypeRegistry()
        try registry.register(CustomVariable.self)
        var seen: [String] = []

        let (chunks, continuation) = AsyncStream<[UInt8]>.makeStream()
        var writer = PortableAsyncWriter(registry: registry, sink: continuation)
        try await writer.write(TaskCall(task: "app.tasks.add", id: "1", args: [2, 3], kwargs: [:]))
        continuation.finish()

        for try await task in chunks.portableMessages(of: TaskCall.self, registry: registry) {
            print(task.task)  // app.tasks.add
            seen.append(task.task)
        }
        #expect(seen == ["app.tasks.add"])
    }
}

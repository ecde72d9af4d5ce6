// SPDX-License-Identifier: Apache-2.0
// Issue 13: the example service under load and faults, on 127.0.0.1, against the built executable.
// The quick form runs in the test command. `PWIRE_LOAD=full` runs the full form (the README's figures),
// printing each measurement.
#if NIO
import Dispatch
import Foundation
import MessagePack
import NIOCore
import NIOPosix
import TestSupport
import Testing

let fullLoad = ProcessInfo.processInfo.environment["PWIRE_LOAD"] == "full"

/// Prints a measurement (the full form's figures for the README).
func report(_ text: String) {
    print("[service-load] \(text)")
}

@Suite(.serialized) struct ServiceFaultTests {
    /// `count` echo calls of `size` bytes each, back to back, and what each one's payload is.
    static func pipelinedCalls(_ count: Int, size: Int) -> (bytes: [UInt8], payloads: [[UInt8]]) {
        var bytes: [UInt8] = []
        var payloads: [[UInt8]] = []
        for i in 0..<count {
            let body = payload(size: size, call: i)
            payloads.append(body)
            bytes += callBytes(id: "p\(i)", args: [.binary(body)])
        }
        return (bytes, payloads)
    }

    /// Sends `bytes` on another thread while this one reads (as a real client must), optionally half-closes,
    /// and returns what arrived until the server closed.
    static func exchange(port: Int, _ bytes: [UInt8], halfClose: Bool, timeout: Double = 120)
        throws -> (replies: [Reply], leftover: Int, eof: Bool, reset: Bool)
    {
        let connection = try RawConnection(port: port)
        let sender = DispatchGroup()
        DispatchQueue.global().async(group: sender) {
            connection.send(bytes)
            if halfClose { connection.shutdownWrite() }
        }
        let received = connection.readToEnd(timeout: timeout)
        sender.wait()
        let (messages, used) = try splitMessages(received.bytes)
        return (messages.map(Reply.init), received.bytes.count - used, received.eof, received.reset)
    }

    static func expectEchoes(_ replies: [Reply], _ payloads: [[UInt8]], sourceLocation: SourceLocation = #_sourceLocation) {
        for (i, body) in payloads.enumerated() where i < replies.count {
            #expect(replies[i].id == "p\(i)", sourceLocation: sourceLocation)
            #expect(replies[i].status == "SUCCESS", "\(replies[i].error ?? "")", sourceLocation: sourceLocation)
            #expect(replies[i].result == .binary(body), "reply \(i) holds another payload", sourceLocation: sourceLocation)
        }
    }

    @Test func halfCloseAfterPipelinedLargeCallsGetsEveryReply() throws {
        let service = try ServiceProcess()
        let (bytes, payloads) = Self.pipelinedCalls(20, size: 1 << 20)
        let result = try Self.exchange(port: service.port, bytes, halfClose: true)
        #expect(result.replies.count == 20, "got \(result.replies.count) of 20 replies")
        Self.expectEchoes(result.replies, payloads)
        #expect(result.eof && !result.reset && result.leftover == 0)
    }

    @Test func badByteAfterPipelinedCallsGetsEveryReplyThenAFailure() throws {
        let service = try ServiceProcess()
        let (calls, payloads) = Self.pipelinedCalls(20, size: 1 << 20)
        // The bad byte is followed by more input, which the server must read and drop rather than reset.
        let result = try Self.exchange(port: service.port, calls + [0xc1] + [UInt8](repeating: 0x01, count: 100_000), halfClose: false)
        try #require(result.replies.count == 21, "got \(result.replies.count) of 21 replies")
        Self.expectEchoes(result.replies, payloads)
        let failure = result.replies[20]
        #expect(failure.status == "FAILURE")
        #expect(failure.error?.contains("invalidFormatByte at byte \(calls.count)") == true, "\(failure.error ?? "")")
        #expect(result.eof && !result.reset)
    }

    @Test func callCutShortByAHalfCloseGetsATruncatedFailure() throws {
        let service = try ServiceProcess()
        let (calls, payloads) = Self.pipelinedCalls(3, size: 1000)
        let cut = callBytes(id: "cut", args: [.binary(payload(size: 5000, call: 9))])
        let result = try Self.exchange(port: service.port, calls + cut.prefix(2500), halfClose: true)
        try #require(result.replies.count == 4, "got \(result.replies.count) of 4 replies")
        Self.expectEchoes(result.replies, payloads)
        #expect(result.replies[3].status == "FAILURE")
        #expect(result.replies[3].error?.contains("truncated at byte \(calls.count + 2500)") == true, "\(result.replies[3].error ?? "")")
        #expect(result.eof && !result.reset)
    }

    @Test func depthBombGetsItsFailureReplyNotAReset() throws {
        let service = try ServiceProcess()
        let result = try Self.exchange(port: service.port, [UInt8](repeating: 0x91, count: 200_000), halfClose: false)
        try #require(result.replies.count == 1)
        #expect(result.replies[0].status == "FAILURE")
        let error = result.replies[0].error ?? ""
        #expect(error.contains("limitExceeded at byte 512") && error.contains("maxDepth"), "\(error)")
        #expect(error.utf8.count <= 1100)
        #expect(result.eof && !result.reset)
    }

    @Test func slowDripWithinTheTimeoutIsAnsweredAndOneBeyondItFails() throws {
        let service = try ServiceProcess(["--message-timeout", "1"])
        let call = callBytes(id: "drip", task: "app.tasks.add", args: [.int(2), .int(3)])
        // In time: the call arrives in 10 pieces over about half a second.
        let good = try RawConnection(port: service.port)
        for piece in stride(from: 0, to: call.count, by: (call.count + 9) / 10) {
            good.send(Array(call[piece..<min(call.count, piece + (call.count + 9) / 10)]))
            usleep(50_000)
        }
        good.shutdownWrite()
        let answered = try splitMessages(good.readToEnd(timeout: 10).bytes).messages.map(Reply.init)
        #expect(answered.count == 1 && answered.first?.result == .int(5), "\(answered.map(\.error))")
        // Too slow: one byte every 300 ms; the message timeout (1 s) ends it with a FAILURE reply.
        let slow = try RawConnection(port: service.port)
        let started = Date()
        let dripper = DispatchGroup()
        DispatchQueue.global().async(group: dripper) {
            for byte in call.prefix(8) {
                guard slow.send([byte]) else { return }
                usleep(300_000)
            }
        }
        let received = slow.readToEnd(timeout: 10)
        dripper.wait()
        let replies = try splitMessages(received.bytes).messages.map(Reply.init)
        #expect(replies.count == 1)
        #expect(replies.first?.error?.contains("messageTimeout") == true, "\(replies.map(\.error))")
        #expect(received.eof)
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func idleConnectionsAreClosed() throws {
        let service = try ServiceProcess(["--idle-timeout", "1"])
        let idle = try RawConnection(port: service.port)
        let started = Date()
        let received = idle.readToEnd(timeout: 10)
        let waited = Date().timeIntervalSince(started)
        #expect(received.eof && received.bytes.isEmpty)
        #expect(waited >= 0.9 && waited < 5, "closed after \(waited) s")
        // A connection that keeps calling is not idle.
        let busy = try RawConnection(port: service.port)
        for i in 0..<4 {
            busy.send(callBytes(id: "b\(i)", task: "app.tasks.add", args: [.int(1), .int(Int64(i))]))
            usleep(400_000)
        }
        busy.shutdownWrite()
        let replies = try splitMessages(busy.readToEnd(timeout: 10).bytes).messages.map(Reply.init)
        #expect(replies.map(\.status) == Array(repeating: "SUCCESS", count: 4))
    }

    @Test func nonReadingClientCostsAtMostTheHighWaterMarkAndOneMessage() throws {
        let message = 1 << 20
        let highWater = 1 << 20
        let service = try ServiceProcess(["--high-water-bytes", "\(highWater)"])
        // Warm up with a reading client, so the baseline includes buffers of a message's size.
        let (warm, warmPayloads) = Self.pipelinedCalls(4, size: message)
        let warmed = try Self.exchange(port: service.port, warm, halfClose: true)
        Self.expectEchoes(warmed.replies, warmPayloads)
        usleep(200_000)
        let baseline = service.residentBytes
        // The non-reading client sends calls until the server stops taking them.
        let call = callBytes(id: "n", args: [.binary(payload(size: message, call: 1))])
        let stubborn = try RawConnection(port: service.port)
        var sentBytes = 0
        let limit = fullLoad ? 256 : 48
        for _ in 0..<limit {
            let sent = stubborn.send(call, within: 2)
            sentBytes += sent
            if sent < call.count { break }
        }
        usleep(300_000)
        let grown = service.residentBytes - baseline
        report(
            "non-reading client: sent \(sentBytes >> 20) MiB of 1 MiB echo calls; server RSS grew by "
                + "\(grown / 1024) KiB (high-water mark \(highWater >> 10) KiB, message \(message >> 10) KiB)"
                + (runningUnderThreadSanitizer ? " under ThreadSanitizer, not held to that bound" : ""))
        #expect(sentBytes < limit * call.count, "the server never stopped reading")
        // Issue 13's bound: the high-water mark plus one message. Reading pauses while the connection holds
        // that many bytes (calls being handled, replies not sent), the frame decoder does not keep a large
        // message's storage alive after it, and the service fixes glibc's mmap threshold at 256 KiB so freed
        // buffers go back to the system. Measured: 1,344 KiB, release and debug server alike (2.2-2.4 MiB before
        // the first two; 5.3-9.3 MiB with glibc's sliding threshold; 48 MiB here without backpressure).
        // Not under ThreadSanitizer (CI's race step runs these tests too): its allocator keeps freed blocks and
        // adds shadow memory, 2,512-2,584 KiB here. The plain run checks the bound; the race step checks the rest.
        if !runningUnderThreadSanitizer {
            #expect(grown <= highWater + message, "server RSS grew by \(grown) bytes")
        }
        #expect(service.isRunning)
    }

    @Test func oneHugeLegalMessageDoesNotStallAGoodClient() throws {
        let service = try ServiceProcess()
        // A map of small integers: 2 bytes an entry, inside every default limit.
        let entries = fullLoad ? 8 << 20 : 1 << 20
        var writer = MessagePackWriter(capacity: entries * 2 + 64)
        writer.writeMapHeader(count: 4)
        writer.write("task")
        writer.write("app.tasks.add")
        writer.write("id")
        writer.write("huge")
        writer.write("args")
        writer.writeArrayHeader(count: 2)
        writer.writeMapHeader(count: entries)
        for i in 0..<entries {
            writer.write(Int64(i & 0x7f))
            writer.write(Int64(i & 0x7f))
        }
        writer.write(Int64(1))
        writer.write("kwargs")
        writer.writeMapHeader(count: 0)
        let huge = writer.bytes
        let hugeConnection = try RawConnection(port: service.port)
        let hugeDone = DispatchGroup()
        final class Box: @unchecked Sendable { var replies: [Reply] = []; var seconds = 0.0 }
        let box = Box()
        let started = Date()
        DispatchQueue.global().async(group: hugeDone) {
            hugeConnection.send(huge)
            hugeConnection.shutdownWrite()
            let received = hugeConnection.readToEnd(timeout: 300)
            box.seconds = Date().timeIntervalSince(started)
            box.replies = (try? splitMessages(received.bytes).messages.map(Reply.init)) ?? []
        }
        // The good client calls one at a time until the huge call is answered (and at least 50 times).
        let good = try RawConnection(port: service.port)
        var latencies: [Double] = []
        var i = 0
        while (hugeDone.wait(timeout: .now()) == .timedOut || latencies.count < 50) && Date().timeIntervalSince(started) < 300 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            good.send(callBytes(id: "g\(i)", task: "app.tasks.add", args: [.int(Int64(i)), .int(1)]))
            var got: [UInt8] = []
            var replies: [MessagePackValue] = []
            while replies.isEmpty {
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = chunk.withUnsafeMutableBytes { recv(good.fd, $0.baseAddress!, $0.count, 0) }
                guard n > 0 else { break }
                got += chunk[0..<n]
                replies = try splitMessages(got).messages
            }
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            #expect(replies.first.map(Reply.init)?.result == .int(Int64(i) + 1))
            i += 1
            usleep(5_000)
        }
        hugeDone.wait()
        let sorted = latencies.sorted()
        let p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
        report(
            "huge message (\(huge.count >> 20) MiB, \(entries) map entries) answered in "
                + String(format: "%.1f s", box.seconds) + "; good client: \(latencies.count) calls, p99 "
                + String(format: "%.1f ms", p99 * 1000) + ", max " + String(format: "%.1f ms", sorted.last! * 1000)
                + "; server peak RSS \(service.peakResidentBytes >> 20) MiB")
        #expect(box.replies.count == 1 && box.replies.first?.status == "FAILURE", "\(box.replies.map(\.error))")
        #expect(box.replies.first?.error?.contains("two integers") == true)
        #expect(p99 < 0.1, "good client's p99 was \(p99 * 1000) ms")
    }

    @Test func loadLevelsAnswerEveryCallInOrder() async throws {
        let service = try ServiceProcess()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        // (connections, calls per connection, calls in flight per connection, largest payload)
        let levels: [(Int, Int, Int, Int)] =
            fullLoad
            ? [(1, 1000, 8, 1 << 20), (100, 40, 4, 1 << 20), (500, 8, 2, 1 << 20)]
            : [(1, 100, 8, 1 << 20), (100, 8, 4, 100_000), (500, 2, 2, 10_000)]
        for (connections, calls, window, largest) in levels {
            let result = try await runLoad(
                port: service.port, connections: connections, callsPerConnection: calls, window: window,
                largest: largest, timeLimit: fullLoad ? 600 : 120, group: group)
            report("\(result)")
            #expect(result.problems.isEmpty, "\(result.problems.prefix(5))")
            #expect(result.calls == connections * calls)
        }
        try await group.shutdownGracefully()
    }
}
#endif  // NIO

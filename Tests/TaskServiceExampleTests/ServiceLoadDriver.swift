// SPDX-License-Identifier: Apache-2.0
// The load and fault driver of issue 13: drives a `pwire-task-service` process on 127.0.0.1 from this process,
// with NIO clients for load and blocking sockets for the fault cases, and checks every reply.
#if NIO
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import MessagePack
import NIOCore
import NIOPosix
import PortableWireNIO
import TestSupport

struct DriverError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: Messages

/// An `app.tasks.echo` call (or another task) as bytes: `{"task", "id", "args": [payload], "kwargs": {}}`.
func callBytes(id: String, task: String = "app.tasks.echo", args: [MessagePackValue]) -> [UInt8] {
    var writer = MessagePackWriter()
    writer.writeMapHeader(count: 4)
    writer.write("task")
    writer.write(task)
    writer.write("id")
    writer.write(id)
    writer.write("args")
    writer.write(MessagePackValue.array(args))
    writer.write("kwargs")
    writer.writeMapHeader(count: 0)
    return writer.bytes
}

/// Random bytes to cut payloads from (made once: a debug build would spend seconds making each 1 MiB anew).
let payloadPattern: [UInt8] = {
    var bytes = [UInt8](repeating: 0, count: (1 << 20) + 64)
    var state: UInt64 = 0x9e37_79b9_7f4a_7c15
    for i in bytes.indices {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        bytes[i] = UInt8(truncatingIfNeeded: state)
    }
    return bytes
}()

/// A payload of `size` bytes that differs per call: the call's number, then the pattern from an offset that
/// depends on it.
func payload(size: Int, call: Int) -> [UInt8] {
    precondition(size <= 1 << 20)
    let start = call % 64
    var bytes = Array(payloadPattern[start..<start + size])
    withUnsafeBytes(of: UInt64(truncatingIfNeeded: call).bigEndian) { number in
        for i in 0..<min(8, size) { bytes[i] = number[i] }
    }
    return bytes
}

/// The complete messages at the start of `bytes`, and how many bytes they took.
func splitMessages(_ bytes: [UInt8]) throws -> (messages: [MessagePackValue], byteCount: Int) {
    var scanner = MessagePackFrameScanner()
    var messages: [MessagePackValue] = []
    var offset = 0
    try bytes.withUnsafeBytes { raw in
        while offset < raw.count, let length = try scanner.scan(UnsafeRawBufferPointer(rebasing: raw[offset...])) {
            messages.append(try MessagePackValue(decoding: UnsafeRawBufferPointer(rebasing: raw[offset..<offset + length])))
            offset += length
        }
    }
    return (messages, offset)
}

/// A reply's fields.
struct Reply {
    var id: String?
    var status: String?
    var result: MessagePackValue?
    var error: String?

    init(_ value: MessagePackValue) {
        func field(_ name: String) -> MessagePackValue? {
            guard case .map(let entries) = value else { return nil }
            return entries.first { $0.key == .string(name) }?.value
        }
        if case .string(let s)? = field("id") { id = s }
        if case .string(let s)? = field("status") { status = s }
        result = field("result")
        if case .string(let s)? = field("error") { error = s }
    }
}

// MARK: Blocking sockets, for the fault cases

/// A blocking TCP connection to 127.0.0.1.
final class RawConnection: @unchecked Sendable {
    let fd: Int32

    init(port: Int) throws {
        _ = signal(SIGPIPE, SIG_IGN)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DriverError("socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else {
            close(fd)
            throw DriverError("connect() failed: errno \(errno)")
        }
        // No read waits forever, whatever the server does.
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Sends all of `bytes`; false when the connection broke.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }

    /// Sends what the socket takes within `timeout` seconds; returns the bytes sent.
    func send(_ bytes: [UInt8], within timeout: Double) -> Int {
        var sent = 0
        let deadline = Date().addingTimeInterval(timeout)
        while sent < bytes.count && Date() < deadline {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if n > 0 {
                sent += n
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                usleep(5_000)
            } else {
                break
            }
        }
        return sent
    }

    /// Shuts down the sending side (the server sees the end of input but may still reply).
    func shutdownWrite() { _ = shutdown(fd, Int32(SHUT_WR)) }

    /// What arrives until the server closes (EOF) or `timeout` seconds pass; `reset` tells whether the
    /// connection ended with a reset instead of an orderly close.
    func readToEnd(timeout: Double) -> (bytes: [UInt8], eof: Bool, reset: Bool) {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let deadline = Date().addingTimeInterval(timeout)
        var tv = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        while Date() < deadline {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n > 0 {
                out += chunk[0..<n]
            } else if n == 0 {
                return (out, true, false)
            } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                continue
            } else {
                return (out, false, errno == ECONNRESET)
            }
        }
        return (out, false, false)
    }
}

// MARK: Load

/// What one load level measured.
struct LoadReport: CustomStringConvertible {
    var connections: Int
    var calls: Int
    var payloadBytes: Int
    var seconds: Double
    var latencies: [Double]
    var problems: [String]

    var callsPerSecond: Double { Double(calls) / seconds }
    func percentile(_ p: Double) -> Double {
        guard !latencies.isEmpty else { return .nan }
        let sorted = latencies.sorted()
        return sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
    }

    var description: String {
        let ms = { (s: Double) in String(format: "%.1f ms", s * 1000) }
        return "\(connections) connection(s): \(calls) calls, \(payloadBytes / 1024) KiB of payload in "
            + String(format: "%.2f s", seconds) + ": " + String(format: "%.0f", callsPerSecond) + " calls/s, p50 "
            + ms(percentile(0.5)) + ", p99 " + ms(percentile(0.99)) + ", max " + ms(percentile(1))
            + (problems.isEmpty ? "" : "; \(problems.count) problem(s): \(problems.prefix(3))")
    }
}

/// Payload sizes of the load levels: mostly small, some large, a few of 1 MiB.
func payloadSize(call: Int, seed: Int, largest: Int) -> Int {
    let sizes = [100, 100, 1_000, 1_000, 10_000, 100_000, largest]
    // 5 and 7 are coprime, so every connection goes through every size.
    return sizes[(call &* 5 &+ seed &* 3) % sizes.count]
}

/// One client connection of a load level: keeps `window` echo calls in flight and checks each reply's id,
/// status, result and order.
final class LoadClientHandler: ChannelInboundHandler {
    typealias InboundIn = MessagePackValue
    typealias OutboundOut = ByteBuffer

    let connection: Int
    let callCount: Int
    let window: Int
    let largest: Int
    let done: EventLoopPromise<(latencies: [Double], payloadBytes: Int, problems: [String])>
    var sent = 0
    var received = 0
    var sentAt: [UInt64] = []
    var payloads: [Int: [UInt8]] = [:]
    var latencies: [Double] = []
    var problems: [String] = []
    var payloadBytes = 0

    init(connection: Int, callCount: Int, window: Int, largest: Int, done: EventLoopPromise<(latencies: [Double], payloadBytes: Int, problems: [String])>) {
        self.connection = connection
        self.callCount = callCount
        self.window = window
        self.largest = largest
        self.done = done
    }

    func channelActive(context: ChannelHandlerContext) {
        sendMore(context: context)
        context.fireChannelActive()
    }

    func sendMore(context: ChannelHandlerContext) {
        var wrote = false
        while sent < callCount && sent - received < window {
            let body = payload(size: payloadSize(call: sent, seed: connection, largest: largest), call: sent &+ connection << 20)
            payloads[sent] = body
            payloadBytes += body.count
            let bytes = callBytes(id: "c\(connection)-\(sent)", args: [.binary(body)])
            sentAt.append(DispatchTime.now().uptimeNanoseconds)
            context.write(Self.wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
            sent += 1
            wrote = true
        }
        if wrote { context.flush() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = Reply(Self.unwrapInboundIn(data))
        let index = received
        received += 1
        latencies.append(Double(DispatchTime.now().uptimeNanoseconds - sentAt[index]) / 1e9)
        if reply.id != "c\(connection)-\(index)" { problems.append("reply \(index): id \(reply.id ?? "nil")") }
        if reply.status != "SUCCESS" { problems.append("reply \(index): \(reply.status ?? "nil") \(reply.error ?? "")") }
        if reply.result != .binary(payloads[index] ?? []) { problems.append("reply \(index): wrong result") }
        payloads[index] = nil
        if received == callCount {
            done.succeed((latencies, payloadBytes, problems))
            context.close(promise: nil)
        } else {
            sendMore(context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if received < callCount {
            problems.append("connection \(connection) closed after \(received) of \(callCount) replies")
            done.succeed((latencies, payloadBytes, problems))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        problems.append("connection \(connection): \(error)")
        context.close(promise: nil)
    }
}

/// Runs one load level against `port`: `connections` clients, each making `callsPerConnection` echo calls with
/// `window` in flight; fails the level's calls that are still unanswered after `timeLimit` seconds.
func runLoad(
    port: Int, connections: Int, callsPerConnection: Int, window: Int, largest: Int = 1 << 20,
    timeLimit: Double = 120, group: MultiThreadedEventLoopGroup
) async throws -> LoadReport {
    let start = DispatchTime.now().uptimeNanoseconds
    var futures: [EventLoopFuture<(latencies: [Double], payloadBytes: Int, problems: [String])>] = []
    for connection in 0..<connections {
        let loop = group.next()
        let done = loop.makePromise(of: (latencies: [Double], payloadBytes: Int, problems: [String]).self)
        let bootstrap = ClientBootstrap(group: loop).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(PortableFrameDecoder()))
                try channel.pipeline.syncOperations.addHandler(
                    LoadClientHandler(
                        connection: connection, callCount: callsPerConnection, window: window, largest: largest,
                        done: done))
            }
        }
        let channel = try await bootstrap.connect(host: "127.0.0.1", port: port).get()
        let timer = loop.scheduleTask(in: .milliseconds(Int64(timeLimit * 1000))) {
            channel.close(promise: nil)
        }
        futures.append(done.futureResult.always { _ in timer.cancel() })
    }
    var report = LoadReport(connections: connections, calls: 0, payloadBytes: 0, seconds: 0, latencies: [], problems: [])
    for future in futures {
        let result = try await future.get()
        report.latencies += result.latencies
        report.payloadBytes += result.payloadBytes
        report.problems += result.problems
    }
    report.calls = report.latencies.count
    report.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return report
}
#endif  // NIO

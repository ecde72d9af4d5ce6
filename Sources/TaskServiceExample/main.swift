// SPDX-License-Identifier: Apache-2.0
// pwire-task-service: the example task service. See `pwire-task-service --help`.
// Prints "listening on HOST:PORT" once it accepts connections, then serves until killed.
#if NIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MessagePack
import PortableWire
import NIOCore
import TaskServiceCore

#if canImport(Glibc)
// Buffers of large messages (the cumulation buffer, decoded bins, encoded replies) go back to the system when
// freed. glibc's default raises its mmap threshold to the size of the first large block freed (up to 32 MiB),
// after which such buffers come from per-thread arenas that keep their pages: a service that handled a few 1 MiB
// messages on several threads stayed megabytes larger than what it held (issue 13's non-reading client, 5.3 MiB
// for 2 MiB live). A fixed threshold turns that adjustment off.
// (`mallopt` is in <malloc.h>, which the Glibc module does not import; M_MMAP_THRESHOLD is -3 there.)
if let mallopt = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
    _ = unsafeBitCast(mallopt, to: (@convention(c) (Int32, Int32) -> Int32).self)(-3, 256 << 10)
}
#endif

var configuration = TaskServer.Configuration()
let defaults = TaskServer.Configuration()

let usage = """
    usage: pwire-task-service [options]

      --host ADDRESS             address to listen on (default \(defaults.host))
      --port N                   port, 0 for any free one (default \(defaults.port))
      --threads N                event-loop threads (default: the number of cores, \(defaults.threads) here)
      --idle-timeout SECONDS     close a connection idle this long with no call in flight (default \(defaults.idleTimeout.nanoseconds / 1_000_000_000))
      --message-timeout SECONDS  longest a message may take to arrive once begun (default \(defaults.messageTimeout.nanoseconds / 1_000_000_000))
      --max-in-flight N          calls per connection awaiting replies before reading pauses (default \(defaults.maxCallsInFlight))
      --offload-bytes N          messages larger than this run on the thread pool, off the event loop (default \(defaults.offloadByteCount))
      --high-water-bytes N       bytes a connection may hold (calls being handled, unsent replies) before reading pauses (default \(defaults.writeBufferHighWaterMark))
      --low-water-bytes N        unsent reply bytes below which reading resumes (default \(defaults.writeBufferLowWaterMark))
      --max-message-bytes N      largest message accepted (default \(defaults.limits.maxMessageByteCount))
      --max-depth N              deepest nesting accepted (default \(defaults.limits.maxDepth), at most \(MessagePackLimits.maxSafeDepth))
      --grpc-port N              also serve the tasks over gRPC (portablewire.example.TaskService) on this port,
                                 0 for any free one; prints "grpc listening on HOST:PORT" (needs the GRPC trait)
    """

func fail(_ message: String) -> Never {
    print("pwire-task-service: \(message); see --help")
    exit(2)
}

var grpcPort: Int?
var arguments = CommandLine.arguments.dropFirst()
@MainActor func number(_ name: String, in range: ClosedRange<Int>) -> Int {
    guard let text = arguments.popFirst(), let value = Int(text), range.contains(value) else {
        fail("\(name) needs a number in \(range.lowerBound)...\(range.upperBound)")
    }
    return value
}

while let argument = arguments.popFirst() {
    switch argument {
    case "--host": configuration.host = arguments.popFirst() ?? configuration.host
    case "--port": configuration.port = number("--port", in: 0...65535)
    case "--threads": configuration.threads = number("--threads", in: 1...1024)
    case "--idle-timeout": configuration.idleTimeout = .seconds(Int64(number("--idle-timeout", in: 1...86_400)))
    case "--message-timeout":
        configuration.messageTimeout = .seconds(Int64(number("--message-timeout", in: 1...86_400)))
    case "--max-in-flight": configuration.maxCallsInFlight = number("--max-in-flight", in: 1...1_000_000)
    case "--offload-bytes": configuration.offloadByteCount = number("--offload-bytes", in: 0...Int.max)
    case "--high-water-bytes": configuration.writeBufferHighWaterMark = number("--high-water-bytes", in: 1...Int.max)
    case "--low-water-bytes": configuration.writeBufferLowWaterMark = number("--low-water-bytes", in: 0...Int.max)
    case "--max-message-bytes": configuration.limits.maxMessageByteCount = number("--max-message-bytes", in: 1...Int.max)
    case "--max-depth":
        configuration.limits.maxDepth = number("--max-depth", in: 1...MessagePackLimits.maxSafeDepth)
    case "--grpc-port": grpcPort = number("--grpc-port", in: 0...65535)
    case "-h", "--help":
        print(usage)
        exit(0)
    default:
        fail("unknown argument \(argument)")
    }
}

let server = try await TaskServer.start(configuration: configuration)
print("listening on \(configuration.host):\(server.port)")
if let grpcPort {
    #if GRPC
    let grpc = try await TaskGRPCServer.start(host: configuration.host, port: grpcPort, limits: configuration.limits)
    print("grpc listening on \(configuration.host):\(grpc.port)")
    #else
    fail("--grpc-port needs the package trait GRPC (swift build --traits GRPC)")
    #endif
}
fflush(nil)  // flushes every output stream, stdout included (so a parent reading a pipe sees the port)
try await server.waitUntilClosed()
#endif  // NIO

// SPDX-License-Identifier: Apache-2.0
// pwire-task-service: the example task service. Usage: pwire-task-service [--host 127.0.0.1] [--port 0]
// Prints "listening on HOST:PORT" once it accepts connections, then serves until killed.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TaskServiceCore

var host = "127.0.0.1"
var port = 7700
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--host":
        host = arguments.popFirst() ?? host
    case "--port":
        guard let text = arguments.popFirst(), let value = Int(text), (0...65535).contains(value) else {
            print("pwire-task-service: --port needs a number in 0...65535")
            exit(2)
        }
        port = value
    case "-h", "--help":
        print("usage: pwire-task-service [--host 127.0.0.1] [--port 7700]   (--port 0: any free port)")
        exit(0)
    default:
        print("pwire-task-service: unknown argument \(argument); see --help")
        exit(2)
    }
}

let server = try await TaskServer.start(host: host, port: port)
print("listening on \(host):\(server.port)")
fflush(nil)  // flushes every output stream, stdout included (so a parent reading a pipe sees the port)
try await server.waitUntilClosed()

// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A `pwire-task-service` child process on a free port of 127.0.0.1, stopped when released.
public final class ServiceProcess {
    public let process = Process()
    /// The port of its task-call listener (the first line it prints).
    public let port: Int
    private let output: FileHandle

    /// Starts the built executable with `arguments` after `--port 0` and waits for its first line,
    /// `listening on 127.0.0.1:PORT`.
    ///
    /// - Throws: when the executable is not built, or its first line is not that.
    public init(_ arguments: [String] = []) throws {
        // PWIRE_TASK_SERVICE names another build of it (the README's figures come from a release build).
        guard let executable = ProcessInfo.processInfo.environment["PWIRE_TASK_SERVICE"] ?? Self.builtExecutable()
        else { throw ServiceProcessError("build the pwire-task-service product first") }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--port", "0"] + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        output = stdout.fileHandleForReading
        try process.run()
        var text = ""
        do { text = try Self.readLine(output) } catch {}
        guard text.hasPrefix("listening on 127.0.0.1:"), let port = Self.port(in: text) else {
            process.terminate()
            process.waitUntilExit()
            throw ServiceProcessError("the service printed '\(text)'")
        }
        self.port = port
    }

    /// The next line the service prints (`grpc listening on 127.0.0.1:PORT` with `--grpc-port`).
    public func readLine() throws -> String { try Self.readLine(output) }

    /// The port at the end of a `… listening on HOST:PORT` line.
    public static func port(in line: String) -> Int? { line.split(separator: ":").last.flatMap { Int($0) } }

    private static func readLine(_ handle: FileHandle) throws -> String {
        var line: [UInt8] = []
        while let byte = try handle.read(upToCount: 1)?.first, byte != UInt8(ascii: "\n") { line.append(byte) }
        return String(decoding: line, as: UTF8.self)
    }

    /// The built `pwire-task-service`, next to the test bundle.
    public static func builtExecutable() -> String? { TestSupport.builtExecutable("pwire-task-service") }

    /// A line of /proc/PID/status, in bytes (`VmRSS`, `VmHWM`).
    public func memory(_ field: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8) else {
            return -1
        }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let digits = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? -1
            return digits * 1024
        }
        return -1
    }

    public var residentBytes: Int { memory("VmRSS") }
    public var peakResidentBytes: Int { memory("VmHWM") }
    public var isRunning: Bool { process.isRunning }

    public func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// Whether this test process runs under ThreadSanitizer (`swift test --sanitize=thread`). The executables SwiftPM
/// builds beside it in the same run are instrumented too: their memory comes from the sanitizer's allocator and
/// carries its shadow memory, so resident-size bounds that hold for the plain build do not apply to them.
public let runningUnderThreadSanitizer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__tsan_init") != nil

/// The executable product `name` that SwiftPM built next to the test bundle (a folder or up to two above it).
public func builtExecutable(_ name: String) -> String? {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<3 {
        let candidate = dir.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir.deleteLastPathComponent()
    }
    return nil
}

/// Why a ``ServiceProcess`` did not start.
public struct ServiceProcessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

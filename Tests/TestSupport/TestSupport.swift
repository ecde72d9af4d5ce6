// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWireConformance

/// Bytes from hex with optional spaces: `hex("cd 01 00")`.
public func hex(_ text: String) -> [UInt8] {
    // The literal is written by the test author; a typo should stop the test at once.
    try! Notation.bytes(fromHex: text)
}

/// The checkout's root folder, found from this file's location.
public let repositoryRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url
}()

/// The result of running a command.
public struct CommandResult {
    public var status: Int32
    public var stdout: [UInt8]
    public var stderr: String
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

/// Set once: writes to a closed pipe fail with EPIPE instead of killing the process.
private let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

/// Runs `executable` with `arguments`, feeding `input` on stdin; collects both outputs.
public func runCommand(
    _ executable: String, _ arguments: [String], input: [UInt8] = [], currentDirectory: URL = repositoryRoot
) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = currentDirectory
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    // Read both pipes on other threads so a chatty child cannot fill one and block.
    final class Box: @unchecked Sendable { var data = Data() }
    let out = Box()
    let err = Box()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { out.data = readToEnd(stdout.fileHandleForReading) }
    DispatchQueue.global().async(group: group) { err.data = readToEnd(stderr.fileHandleForReading) }
    // A child that exits before reading all of its input closes the pipe: writing then fails with EPIPE, which
    // is the child's business (its status and output say what happened), not a reason to stop the test process.
    // (SIGPIPE would kill the process, and `write(_:)` traps on that error; `write(contentsOf:)` throws it.)
    _ = ignoreSIGPIPE
    try? stdin.fileHandleForWriting.write(contentsOf: Data(input))
    try? stdin.fileHandleForWriting.close()
    process.waitUntilExit()
    group.wait()
    return CommandResult(
        status: process.terminationStatus, stdout: [UInt8](out.data), stderr: String(decoding: err.data, as: UTF8.self))
}

/// Everything until end of file. Unlike `readDataToEndOfFile()`, which traps when a read is interrupted
/// (EINTR, seen when other tests start and stop child processes at the same time), it retries.
func readToEnd(_ handle: FileHandle) -> Data {
    var data = Data()
    while true {
        do {
            guard let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty else { return data }
            data += chunk
        } catch let error as NSError where error.domain == NSPOSIXErrorDomain && error.code == Int(EINTR) {
            continue
        } catch let error as NSError
            where (error.userInfo[NSUnderlyingErrorKey] as? NSError).map({ $0.domain == NSPOSIXErrorDomain && $0.code == Int(EINTR) }) == true
        {
            continue
        } catch {
            return data
        }
    }
}

/// The path of an executable on PATH, or nil.
public func which(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

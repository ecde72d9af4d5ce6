// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import MessagePack

/// A sink that writes to a POSIX file descriptor (a file, a pipe, a blocking socket).
///
/// Each write loops until every byte is written: partial writes continue where they stopped and `EINTR`
/// is retried. The sink does not own the descriptor: it never closes it.
///
///     var writer = MessagePackStreamWriter(sink: FileDescriptorSink(fileDescriptor: fd))
///     try writer.write(.string("hello"))
///     _ = try writer.finish()
public struct FileDescriptorSink: MessageSink, Sendable {
    /// The descriptor written to.
    public let fileDescriptor: Int32

    /// Creates a sink writing to `fileDescriptor`, which stays owned by the caller.
    public init(fileDescriptor: Int32) { self.fileDescriptor = fileDescriptor }

    /// Writes all of `bytes`.
    ///
    /// - Throws: ``SystemCallError`` with the `errno` of a failed `write(2)` (`EAGAIN` included: use a
    ///   blocking descriptor, or NIO for non-blocking ones).
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            #if canImport(Darwin)
            let written = Darwin.write(fileDescriptor, base, remaining)
            #elseif canImport(Musl)
            let written = Musl.write(fileDescriptor, base, remaining)
            #else
            let written = Glibc.write(fileDescriptor, base, remaining)
            #endif
            if written < 0 {
                let code = errno
                if code == EINTR { continue }
                throw SystemCallError(call: "write", errno: code)
            }
            // Safe: 0 <= written <= remaining, so the pointer stays inside `bytes`.
            base += written
            remaining -= written
        }
    }
}

/// A failed system call: its name and `errno`.
public struct SystemCallError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The call that failed, for example `write`.
    public var call: String
    /// The `errno` it set.
    public var errno: Int32

    /// Creates an error for `call` failing with `errno`.
    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))" }
}

// SPDX-License-Identifier: Apache-2.0

/// Where a stream writer puts encoded bytes: a growable buffer, a file descriptor, a NIO `ByteBuffer`.
///
/// Writers hand a sink each piece once, in order, and never keep the buffer: `bytes` is valid only during
/// the call. A sink may pass bytes on at once or hold them until ``flush()``.
///
///     var sink = ByteArraySink()
///     try [0xc3].withUnsafeBytes { try sink.write($0) }
///     sink.bytes   // [0xc3]
public protocol MessageSink {
    /// Takes all of `bytes` (valid only during the call).
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Passes on whatever the sink holds back; the default does nothing.
    mutating func flush() throws
}

extension MessageSink {
    /// Does nothing: the sink passes bytes on as it gets them.
    public mutating func flush() throws {}
}

/// A sink that appends to a growable `[UInt8]` (geometric growth, one copy per byte).
public struct ByteArraySink: MessageSink, Sendable {
    /// Everything written so far.
    public var bytes: [UInt8]

    /// Creates a sink that appends to `bytes`.
    public init(_ bytes: [UInt8] = []) { self.bytes = bytes }

    /// Appends `bytes`.
    @inlinable
    public mutating func write(_ bytes: UnsafeRawBufferPointer) {
        self.bytes.append(contentsOf: bytes)
    }
}

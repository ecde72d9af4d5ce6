// SPDX-License-Identifier: Apache-2.0
import MsgPackCBaseline
import PortableWire

/// Bytes in memory that C may point into for as long as this object lives.
public final class PinnedBytes: @unchecked Sendable {
    public let pointer: UnsafeMutableRawBufferPointer

    public init(_ bytes: [UInt8]) {
        let pointer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { pointer.copyMemory(from: $0) }
        self.pointer = pointer
        count = bytes.count
    }

    public let count: Int
    public var base: UnsafePointer<CChar> { UnsafePointer(pointer.baseAddress!.assumingMemoryBound(to: CChar.self)) }

    deinit { pointer.deallocate() }
}

/// The msgpack-c side of a workload: C structs unpacked (by msgpack-c) from the reference bytes, so both
/// sides pack exactly the same data.
public final class CRecords: @unchecked Sendable {
    public let source: PinnedBytes
    public let people: UnsafeMutablePointer<pwb_person>
    public let count: Int

    public init(bytes: [UInt8], count: Int) {
        source = PinnedBytes(bytes)
        people = .allocate(capacity: count)
        let n = pwb_unpack_records(source.base, source.count, people, count)
        precondition(n == count, "msgpack-c could not unpack the records fixture (\(n))")
        self.count = count
    }

    deinit { people.deallocate() }
}

/// The task workload as msgpack-c's struct.
public final class CTask: @unchecked Sendable {
    public let source: PinnedBytes
    public let task: UnsafeMutablePointer<pwb_task>

    public init(bytes: [UInt8]) {
        source = PinnedBytes(bytes)
        task = .allocate(capacity: 1)
        precondition(pwb_unpack_task(source.base, source.count, task) == 1, "msgpack-c could not unpack the task")
    }

    deinit { task.deallocate() }
}

/// Runs a msgpack-c pack function and returns the bytes it wrote (for checking, not timing).
public func cPacked(_ pack: (UnsafeMutablePointer<pwb_buffer>) -> Int32) -> [UInt8] {
    var buffer = pwb_buffer()
    precondition(pack(&buffer) == 0)
    defer { pwb_buffer_free(&buffer) }
    return [UInt8](UnsafeRawBufferPointer(start: buffer.data, count: buffer.size))
}

/// A msgpack-c dynamic value (msgpack_object tree) unpacked from reference bytes.
public final class CDynamic: @unchecked Sendable {
    public let source: PinnedBytes
    public let value: OpaquePointer

    public init(bytes: [UInt8]) {
        source = PinnedBytes(bytes)
        guard let value = pwb_dynamic_new(source.base, source.count) else { fatalError("msgpack-c could not unpack") }
        self.value = value
    }

    deinit { pwb_dynamic_free(value) }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWire
import PortableWireWorkloads

/// Every workload, built once per process and checked: PortableWire's bytes for each must equal
/// msgpack-c's and decode back to the input, or the suite stops before timing anything.
public enum Fixtures {
    public static let task = Workloads.task()
    public static let taskBytes = task.messagePackBytes()
    public static let taskValue = task.dynamicValue

    public static let records = Workloads.records()
    public static let recordsBytes = records.messagePackBytes(capacity: 1 << 20)
    public static let recordsValue = try! MessagePackValue(decoding: recordsBytes)

    public static let int64s = Workloads.int64s()
    public static let int64sBytes = int64s.messagePackBytes(capacity: 9 << 20)
    public static let doubles = Workloads.doubles()
    public static let doublesBytes = doubles.messagePackBytes(capacity: 9 << 20)

    public static let blob = Workloads.blob()
    public static let blobBytes: [UInt8] = {
        var writer = MessagePackWriter(capacity: blob.count + 8)
        writer.writeBinary(blob)
        return writer.finish()
    }()

    public static let registry = try! Workloads.registry()
    public static let portableRecords = records.map(PortablePerson.init)
    public static let sharedPersons = Workloads.sharedPersons()
    public static let personRows = Workloads.personRows()

    /// Stops the process with a message when a benchmark's round trip or cross-check fails.
    public static func check(_ condition: Bool, _ what: @autoclosure () -> String) {
        if !condition {
            FileHandle.standardError.write(Data("benchmark self-check failed: \(what())\n".utf8))
            exit(1)
        }
    }
}

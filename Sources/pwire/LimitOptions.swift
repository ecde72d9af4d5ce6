// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import PortableWire

/// The decoding limits, as options; every one defaults to the Spec's value (Spec/format.md section 7).
struct LimitOptions: ParsableArguments {
    @Option(help: "Maximum nesting of containers (arrays, maps, portable objects, the global-data envelope).")
    var maxDepth = MessagePackLimits.default.maxDepth
    @Option(help: "Maximum bytes in the message.")
    var maxMessageBytes = MessagePackLimits.default.maxMessageByteCount
    @Option(help: "Maximum bytes in one str, bin or ext payload.")
    var maxPayloadBytes = MessagePackLimits.default.maxPayloadByteCount
    @Option(help: "Maximum elements in one array or entries in one map.")
    var maxElements = MessagePackLimits.default.maxElementCount
    @Option(help: "Maximum portable objects in the message.")
    var maxObjects = MessagePackLimits.default.maxObjectCount
    @Option(help: "Maximum back-references in the message.")
    var maxReferences = MessagePackLimits.default.maxReferenceCount
    @Option(help: "Maximum entries in the message's type-name table.")
    var maxTypeNames = MessagePackLimits.default.maxTypeNameCount
    @Option(help: "Maximum entries in the message's global data.")
    var maxGlobalData = MessagePackLimits.default.maxGlobalDataCount
    @Option(help: "Expansion budget: bytes that back-references to value-type objects may add as copies.")
    var maxExpansion = MessagePackLimits.default.maxExpansion

    /// Depths above the library's stack-safe cap are refused here, with a message, instead of trapping.
    func validate() throws {
        guard (1...MessagePackLimits.maxSafeDepth).contains(maxDepth) else {
            throw ValidationError(
                "--max-depth \(maxDepth) is outside 1...\(MessagePackLimits.maxSafeDepth); deeper nesting is not "
                    + "stack-safe on every thread (MessagePackLimits.maxSafeDepth)")
        }
    }

    var limits: MessagePackLimits {
        var limits = MessagePackLimits()
        limits.maxDepth = maxDepth
        limits.maxMessageByteCount = maxMessageBytes
        limits.maxPayloadByteCount = maxPayloadBytes
        limits.maxElementCount = maxElements
        limits.maxObjectCount = maxObjects
        limits.maxReferenceCount = maxReferences
        limits.maxTypeNameCount = maxTypeNames
        limits.maxGlobalDataCount = maxGlobalData
        limits.maxExpansion = maxExpansion
        return limits
    }
}

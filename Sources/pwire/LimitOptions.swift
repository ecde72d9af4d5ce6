// SPDX-License-Identifier: Apache-2.0
import PortableWire

/// The decoding limits, as options; every one defaults to the Spec's value and is named after the Spec's limit
/// (Spec/format.md section 7): `maxTypeNameCount` is `--max-type-name-count`.
struct LimitOptions: ParsableArguments {
    @Option(help: "Maximum nesting of containers (arrays, maps, portable objects, the global-data envelope).")
    var maxDepth = PortableLimits.default.maxDepth
    @Option(help: "Maximum bytes in the message.")
    var maxMessageByteCount = PortableLimits.default.maxMessageByteCount
    @Option(help: "Maximum bytes in one str, bin or ext payload.")
    var maxPayloadByteCount = PortableLimits.default.maxPayloadByteCount
    @Option(help: "Maximum elements in one array or entries in one map.")
    var maxElementCount = PortableLimits.default.maxElementCount
    @Option(help: "Maximum portable objects in the message.")
    var maxObjectCount = PortableLimits.default.maxObjectCount
    @Option(help: "Maximum back-references in the message.")
    var maxReferenceCount = PortableLimits.default.maxReferenceCount
    @Option(help: "Maximum entries in the message's type-name table.")
    var maxTypeNameCount = PortableLimits.default.maxTypeNameCount
    @Option(help: "Maximum entries in the message's global data.")
    var maxGlobalDataCount = PortableLimits.default.maxGlobalDataCount
    @Option(help: "Expansion budget: bytes that back-references to value-type objects may add as copies.")
    var maxExpansion = PortableLimits.default.maxExpansion

    /// `decode` and `inspect` read with an iterative walker (Walk/MessageWalker.swift), whose stack is an array
    /// on the heap: any depth is stack-safe there, so `--max-depth` may go past the library's
    /// `MessagePackLimits.maxSafeDepth` (which bounds the recursive typed decoders) for trusted input.
    func validate() throws {
        guard maxDepth >= 1 else {
            throw UsageError(description: "--max-depth \(maxDepth) must be at least 1")
        }
    }

    var limits: PortableLimits {
        var limits = PortableLimits()
        limits.maxDepth = maxDepth
        limits.maxMessageByteCount = maxMessageByteCount
        limits.maxPayloadByteCount = maxPayloadByteCount
        limits.maxElementCount = maxElementCount
        limits.maxObjectCount = maxObjectCount
        limits.maxReferenceCount = maxReferenceCount
        limits.maxTypeNameCount = maxTypeNameCount
        limits.maxGlobalDataCount = maxGlobalDataCount
        limits.maxExpansion = maxExpansion
        return limits
    }
}

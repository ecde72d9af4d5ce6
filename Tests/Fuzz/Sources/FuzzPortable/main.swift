// SPDX-License-Identifier: Apache-2.0
// Portable decoding with a registry of sample types (Codable, custom with global data, class, two-phase).
import FuzzCommon
import PortableWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPortable(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    var decoder = PortableDecoder(registry: fuzzRegistry)
    decoder.limits = fuzzLimits
    if let message = try? decoder.decodeMessage(from: bytes) {
        // Describing and re-encoding a decoded graph stays bounded (identity, not expansion).
        _ = message.body.description
        _ = try? PortableEncoder(registry: fuzzRegistry).encode(message.body, globalData: message.globalData)
    }
    _ = try? decoder.decode([FuzzPoint].self, from: bytes)
    _ = try? decoder.decode([FuzzNode].self, from: bytes)
    // Value-type objects: copies are bounded by the expansion budget, so comparing them stays bounded too.
    if let trees = try? decoder.decode([FuzzTree].self, from: bytes) { fuzzCheck(trees == trees, "a tree differs from itself") }
    var passthrough = PortableDecoder(registry: TypeRegistry())
    passthrough.unknownTypes = .passthrough
    _ = try? passthrough.decode(from: bytes)
    return 0
}

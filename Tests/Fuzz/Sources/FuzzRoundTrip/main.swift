// SPDX-License-Identifier: Apache-2.0
// The round-trip oracle: whatever decodes must encode, and decode(encode(decode(x))) == decode(x).
import FuzzCommon
import PortableWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRoundTrip(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    var decoder = PortableDecoder(registry: fuzzRegistry)
    decoder.unknownTypes = .passthrough
    guard let first = try? decoder.decodeMessage(from: bytes) else { return 0 }
    let encoder = PortableEncoder(registry: fuzzRegistry)
    let encoded: [UInt8]
    do {
        encoded = try encoder.encode(first.body, globalData: first.globalData)
    } catch {
        // Some decodable graphs cannot be written back (a cycle through non-two-phase objects is rejected on
        // the way in, so this should not happen): report it with the input.
        fatalError("decoded message does not re-encode: \(error)")
    }
    guard let second = try? decoder.decodeMessage(from: encoded) else {
        fatalError("re-encoded message does not decode")
    }
    let again = (try? encoder.encode(second.body, globalData: second.globalData)) ?? []
    fuzzCheck(again == encoded, "encode(decode(encode(decode(x)))) is not a fixed point")
    return 0
}

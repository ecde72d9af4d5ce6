// SPDX-License-Identifier: Apache-2.0
// One-shot decoding: any input either decodes or throws a typed error; never traps, hangs or over-allocates.
import FuzzCommon
import PortableWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecode(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    if let value = try? MessagePackValue(decoding: bytes) {
        // A decoded value re-encodes canonically and decodes to an equal value.
        let again = value.encoded()
        fuzzCheck((try? MessagePackValue(decoding: again)) == value, "re-encoded value differs")
        _ = value.description
    }
    // Skipping agrees with decoding about where a value ends.
    var reader = MessagePackReader(bytes)
    var skipper = MessagePackReader(bytes)
    let read = try? reader.readValue()
    let skipped: Void? = try? skipper.skipValue()
    // Skipping rejects exactly what reading rejects (structure, UTF-8, timestamps, limits).
    if read != nil { fuzzCheck(skipped != nil && skipper.offset == reader.offset, "skip and read disagree") }
    if read == nil { fuzzCheck(skipped == nil, "skip accepted a value that reading rejects") }
    _ = try? MessagePackDecoder().decode([String: [Int]].self, from: bytes)
    return 0
}

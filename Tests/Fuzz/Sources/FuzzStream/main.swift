// SPDX-License-Identifier: Apache-2.0
// Stream decoding where the input also chooses the chunking: the first byte seeds the split points, the rest
// is the stream. Every chunking must give the same messages as feeding everything at once.
import FuzzCommon
import PortableWire

func decodeAll(_ stream: UnsafeRawBufferPointer, splits: (Int) -> Int) -> (values: [MessagePackValue], failed: Bool) {
    var decoder = MessagePackStreamDecoder()
    var values: [MessagePackValue] = []
    var offset = 0
    var step = 0
    while offset < stream.count {
        let end = min(stream.count, offset + max(1, splits(step)))
        decoder.feed(UnsafeRawBufferPointer(rebasing: stream[offset..<end]))
        offset = end
        step += 1
        do {
            while let value = try decoder.next() { values.append(value) }
        } catch {
            return (values, true)
        }
    }
    do { try decoder.finish() } catch { return (values, true) }
    return (values, false)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStream(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 1 else { return 0 }
    let seed = Int(start.load(as: UInt8.self))
    let stream = UnsafeRawBufferPointer(start: start + 1, count: count - 1)
    let whole = decodeAll(stream) { _ in Int.max }
    let chunked = decodeAll(stream) { step in (seed &* 31 &+ step &* 17) % 13 + 1 }
    let bytewise = decodeAll(stream) { _ in 1 }
    fuzzCheck(whole.values == chunked.values && whole.failed == chunked.failed, "chunking changed the messages")
    fuzzCheck(whole.values == bytewise.values && whole.failed == bytewise.failed, "byte-wise feeding changed the messages")
    return 0
}

// SPDX-License-Identifier: Apache-2.0
import MessagePack
import Testing

/// Parses hex pairs separated by optional spaces: `hex("cd 01 00")` is `[0xcd, 0x01, 0x00]`.
func hex(_ text: String) -> [UInt8] {
    let digits = text.utf8.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") }
    precondition(digits.count % 2 == 0, "odd number of hex digits in \(text)")
    func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: preconditionFailure("not a hex digit in \(text)")
        }
    }
    var out: [UInt8] = []
    out.reserveCapacity(digits.count / 2)
    var i = 0
    while i < digits.count {
        out.append(nibble(digits[i]) << 4 | nibble(digits[i + 1]))
        i += 2
    }
    return out
}

/// Formats bytes as lowercase hex pairs separated by spaces, the way the Spec writes them.
func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef")
    return bytes.map { String([digits[Int($0 >> 4)], digits[Int($0 & 0xf)]]) }.joined(separator: " ")
}

/// Formats bytes as lowercase hex without separators (Python's `bytes.hex()`).
func compactHex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef")
    var out = ""
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0xf)])
    }
    return out
}

/// The bytes a fresh writer holds after `body`.
func written(_ body: (inout MessagePackWriter) -> Void) -> [UInt8] {
    var writer = MessagePackWriter()
    body(&writer)
    return writer.finish()
}

/// `count` copies of `byte`.
func repeated(_ byte: UInt8, _ count: Int) -> [UInt8] { [UInt8](repeating: byte, count: count) }

/// Bytes `0, 1, 2, …` wrapping at 256, so payloads are not all the same byte.
func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) } }

/// The error `MessagePackValue(decoding:)` throws for `bytes`, or nil when it decodes.
func decodingError(_ bytes: [UInt8], limits: MessagePackLimits = .default) -> MessagePackError? {
    do throws(MessagePackError) {
        _ = try MessagePackValue(decoding: bytes, limits: limits)
        return nil
    } catch {
        return error
    }
}

/// Runs a read on a reader over `bytes` starting at `start` and returns what it threw and where the cursor ended.
func failingRead(
    _ bytes: [UInt8], from start: Int = 0,
    _ read: (inout MessagePackReader) throws(MessagePackError) -> Void
) -> (error: MessagePackError?, offsetAfter: Int) {
    bytes.withUnsafeBytes { raw in
        var reader = MessagePackReader(raw, offset: start)
        do throws(MessagePackError) {
            try read(&reader)
            return (nil, reader.offset)
        } catch {
            return (error, reader.offset)
        }
    }
}

/// Runs a successful read on a reader over `bytes` and returns the result and the final cursor.
func reading<R>(
    _ bytes: [UInt8], from start: Int = 0,
    _ read: (inout MessagePackReader) throws(MessagePackError) -> R
) throws(MessagePackError) -> (value: R, offset: Int) {
    let result: Result<(R, Int), MessagePackError> = bytes.withUnsafeBytes { raw in
        var reader = MessagePackReader(raw, offset: start)
        do throws(MessagePackError) {
            let value = try read(&reader)
            return .success((value, reader.offset))
        } catch {
            return .failure(error)
        }
    }
    let (value, offset) = try result.get()
    return (value, offset)
}

/// Asserts that decoding `bytes` fails with `code` at `byteOffset`.
func expectDecodingFails(
    _ bytes: [UInt8], _ code: MessagePackError.Code, at byteOffset: Int, limits: MessagePackLimits = .default,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let error = decodingError(bytes, limits: limits) else {
        Issue.record("decoding \(hexString(bytes.prefix(32))) succeeded, expected \(code)", sourceLocation: sourceLocation)
        return
    }
    #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    #expect(error.byteOffset == byteOffset, "\(error)", sourceLocation: sourceLocation)
}

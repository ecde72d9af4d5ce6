// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif

/// Bytes on their way to a file descriptor, written in 64 KiB chunks: output is streamed, never built whole.
struct OutputStream {
    private var buffer: [UInt8] = []
    private let fd: Int32
    /// When false, writes are dropped (the walker's validating pass).
    let isEnabled: Bool
    private static let chunk = 1 << 16

    init(fileDescriptor fd: Int32 = 1, enabled: Bool = true) {
        self.fd = fd
        self.isEnabled = enabled
        if enabled { buffer.reserveCapacity(Self.chunk + 1024) }
    }

    @inline(__always)
    mutating func write(_ text: StaticString) {
        guard isEnabled else { return }
        text.withUTF8Buffer { buffer.append(contentsOf: $0) }
        if buffer.count >= Self.chunk { flush() }
    }

    /// Disfavoured, so that a literal (`out.write("nil")`) takes the `StaticString` overload and is copied as bytes.
    @_disfavoredOverload
    @inline(__always)
    mutating func write(_ text: String) {
        guard isEnabled else { return }
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.chunk { flush() }
    }

    @inline(__always)
    mutating func write(byte: UInt8) {
        guard isEnabled else { return }
        buffer.append(byte)
        if buffer.count >= Self.chunk { flush() }
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        guard isEnabled else { return }
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.chunk { flush() }
    }

    /// Writes `n` in decimal.
    mutating func write<T: BinaryInteger>(decimal n: T) {
        guard isEnabled else { return }
        if let small = Int(exactly: n) { return write(decimal: small) }
        write(String(n))
    }

    /// Writes `n` in decimal, digit by digit (no `String`).
    mutating func write(decimal n: Int) {
        guard isEnabled else { return }
        if n < 0 { buffer.append(UInt8(ascii: "-")) }
        var magnitude = n.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: enough for 20 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[23 - count] = UInt8(truncatingIfNeeded: magnitude % 10) + UInt8(ascii: "0")
                magnitude /= 10
                count += 1
            } while magnitude > 0
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[(24 - count)...]))
        }
        if buffer.count >= Self.chunk { flush() }
    }

    /// Writes `n` (not negative) in lowercase hex, left-padded with zeros to `minimumDigits` (at most 16).
    mutating func writeHex(_ n: Int, minimumDigits: Int) {
        guard isEnabled else { return }
        var digitCount = 1
        while digitCount < 16 && n >> (4 * digitCount) != 0 { digitCount += 1 }
        let count = max(digitCount, min(minimumDigits, 16))
        var digits: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &digits) { raw in
            for i in 0..<count {
                raw[count - 1 - i] = Self.hexDigit(UInt8(truncatingIfNeeded: n >> (4 * i)) & 0xf)
            }
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<count]))
        }
        if buffer.count >= Self.chunk { flush() }
    }

    /// Writes one byte as two lowercase hex digits.
    @inline(__always)
    mutating func writeHex(byte: UInt8) {
        guard isEnabled else { return }
        buffer.append(Self.hexDigit(byte >> 4))
        buffer.append(Self.hexDigit(byte & 0xf))
    }

    /// Writes `count` spaces (copied from a constant run of 96, not appended one by one).
    mutating func writeSpaces(_ count: Int) {
        guard isEnabled, count > 0 else { return }
        var left = count
        let spaces: StaticString = "                                                                                                "
        spaces.withUTF8Buffer { run in
            while left > 0 {
                let n = min(left, run.count)
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: run[0..<n]))
                left -= n
            }
        }
        if buffer.count >= Self.chunk { flush() }
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// Writes a JSON string from UTF-8 bytes already known to be valid: quotes, backslashes and control
    /// characters escaped, everything else copied as it is.
    /// With `shortControlEscapes`, backspace and form feed are written `\b` and `\f` (as in error paths) rather
    /// than `\u0008` and `\u000c`.
    mutating func writeJSONString(_ bytes: UnsafeRawBufferPointer, shortControlEscapes: Bool = false) {
        guard isEnabled else { return }
        buffer.append(UInt8(ascii: "\""))
        var runStart = 0
        for i in 0..<bytes.count {
            let b = bytes[i]
            guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<i]))
            runStart = i + 1
            switch b {
            case UInt8(ascii: "\""): buffer.append(contentsOf: [0x5c, 0x22])
            case UInt8(ascii: "\\"): buffer.append(contentsOf: [0x5c, 0x5c])
            case 0x0a: buffer.append(contentsOf: [0x5c, UInt8(ascii: "n")])
            case 0x0d: buffer.append(contentsOf: [0x5c, UInt8(ascii: "r")])
            case 0x09: buffer.append(contentsOf: [0x5c, UInt8(ascii: "t")])
            case 0x08 where shortControlEscapes: buffer.append(contentsOf: [0x5c, UInt8(ascii: "b")])
            case 0x0c where shortControlEscapes: buffer.append(contentsOf: [0x5c, UInt8(ascii: "f")])
            default:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                buffer.append(contentsOf: [0x5c, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xf)]])
            }
            if buffer.count >= Self.chunk { flush() }
        }
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        buffer.append(UInt8(ascii: "\""))
        if buffer.count >= Self.chunk { flush() }
    }

    mutating func writeJSONString(_ text: String) {
        var copy = text
        copy.withUTF8 { writeJSONString(UnsafeRawBufferPointer($0)) }
    }

    /// Lowercase hex, no separators.
    mutating func writeHex(_ bytes: UnsafeRawBufferPointer) {
        guard isEnabled else { return }
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        for b in bytes {
            buffer.append(digits[Int(b >> 4)])
            buffer.append(digits[Int(b & 0xf)])
            if buffer.count >= Self.chunk { flush() }
        }
    }

    /// Standard base64 with padding (RFC 4648 section 4).
    mutating func writeBase64(_ bytes: UnsafeRawBufferPointer) {
        guard isEnabled else { return }
        let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            buffer.append(alphabet[Int(n >> 18 & 63)])
            buffer.append(alphabet[Int(n >> 12 & 63)])
            buffer.append(alphabet[Int(n >> 6 & 63)])
            buffer.append(alphabet[Int(n & 63)])
            i += 3
            if buffer.count >= Self.chunk { flush() }
        }
        let rest = bytes.count - i
        if rest > 0 {
            let n = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            buffer.append(alphabet[Int(n >> 18 & 63)])
            buffer.append(alphabet[Int(n >> 12 & 63)])
            buffer.append(rest == 2 ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            buffer.append(UInt8(ascii: "="))
        }
    }

    /// Hands the buffered bytes to the file descriptor.
    mutating func flush() {
        guard isEnabled, !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = systemWrite(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return  // The reader went away (EPIPE); there is no one left to tell.
                }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

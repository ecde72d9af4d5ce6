// SPDX-License-Identifier: Apache-2.0

/// An independent reading of Spec/format.md section 5 (canonical encoding) and, in portable mode,
/// Spec/portable-objects.md section 12 (canonical P, Q, R and G headers, a type name sent as a str only at
/// its first type-ref and as the shortest index afterwards). It checks bytes an encoder wrote, so it assumes
/// they are well-formed and reports the first non-canonical header it finds.
struct CanonicalChecker {
    let bytes: [UInt8]
    let portable: Bool
    private var offset = 0
    private var typeNames: Set<[UInt8]> = []
    private var typeNameCount = 0

    /// The first violation in `bytes`, or nil when they are the canonical encoding of one value.
    static func violation(in bytes: [UInt8], portable: Bool = false) -> String? {
        var checker = CanonicalChecker(bytes: bytes, portable: portable)
        do {
            try checker.value(end: bytes.count)
            guard checker.offset == bytes.count else { return "\(bytes.count - checker.offset) byte(s) after the value" }
            return nil
        } catch {
            return (error as? Violation)?.text ?? "\(error)"
        }
    }

    private init(bytes: [UInt8], portable: Bool) {
        self.bytes = bytes
        self.portable = portable
    }

    struct Violation: Error {
        let text: String
    }

    private func violation(_ at: Int, _ text: String) -> Violation {
        Violation(text: "at byte \(at): \(text)")
    }

    private mutating func take(_ n: Int, end: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, offset + n <= end else { throw violation(offset, "\(n) byte(s) run past the end") }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    private mutating func uint(_ n: Int, end: Int) throws -> UInt64 {
        try take(n, end: end).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Reads one value and checks its header (and its contents, recursively).
    private mutating func value(end: Int, depth: Int = 0) throws {
        let at = offset
        let b = try take(1, end: end).first!
        func minimum(_ n: UInt64, _ least: UInt64, _ what: String) throws {
            guard n >= least else { throw violation(at, "\(what) \(n) written with a longer header than needed") }
        }
        switch b {
        case 0x00...0x7f, 0xe0...0xff, 0xc0, 0xc2, 0xc3: return
        case 0xc1: throw violation(at, "c1 written")
        case 0xcc: try minimum(try uint(1, end: end), 128, "uint8")
        case 0xcd: try minimum(try uint(2, end: end), 256, "uint16")
        case 0xce: try minimum(try uint(4, end: end), 65_536, "uint32")
        case 0xcf: try minimum(try uint(8, end: end), 1 << 32, "uint64")
        case 0xd0...0xd3:
            let width = 1 << Int(b - 0xd0)
            let raw = try uint(width, end: end)
            let shift = UInt64(64 - 8 * width)
            let v = Int64(bitPattern: raw << shift) >> shift
            let least: Int64 = [-32, -128, -32_768, -2_147_483_648][Int(b - 0xd0)]
            guard v < least else { throw violation(at, "signed integer \(v) not in its shortest canonical form") }
        case 0xca: _ = try take(4, end: end)
        case 0xcb: _ = try take(8, end: end)
        case 0xa0...0xbf: _ = try take(Int(b & 0x1f), end: end)
        case 0xd9, 0xda, 0xdb:
            let n = try uint(1 << Int(b - 0xd9), end: end)
            try minimum(n, [32, 256, 65_536][Int(b - 0xd9)], "str length")
            _ = try take(Int(n), end: end)
        case 0xc4, 0xc5, 0xc6:
            let n = try uint(1 << Int(b - 0xc4), end: end)
            try minimum(n, [0, 256, 65_536][Int(b - 0xc4)], "bin length")
            _ = try take(Int(n), end: end)
        case 0x90...0x9f: for _ in 0..<Int(b & 0x0f) { try value(end: end, depth: depth + 1) }
        case 0xdc, 0xdd:
            let n = try uint(b == 0xdc ? 2 : 4, end: end)
            try minimum(n, b == 0xdc ? 16 : 65_536, "array count")
            for _ in 0..<n { try value(end: end, depth: depth + 1) }
        case 0x80...0x8f: for _ in 0..<(2 * Int(b & 0x0f)) { try value(end: end, depth: depth + 1) }
        case 0xde, 0xdf:
            let n = try uint(b == 0xde ? 2 : 4, end: end)
            try minimum(n, b == 0xde ? 16 : 65_536, "map count")
            for _ in 0..<(2 * n) { try value(end: end, depth: depth + 1) }
        case 0xd4...0xd8:
            try ext(at: at, length: 1 << Int(b - 0xd4), end: end, depth: depth)
        case 0xc7, 0xc8, 0xc9:
            let n = try uint(1 << Int(b - 0xc7), end: end)
            if b == 0xc7 && [1, 2, 4, 8, 16].contains(n) { throw violation(at, "ext8 for a \(n)-byte payload (a fixext fits)") }
            try minimum(n, [0, 256, 65_536][Int(b - 0xc7)], "ext length")
            try ext(at: at, length: Int(n), end: end, depth: depth)
        default: throw violation(at, "unexpected byte \(b)")
        }
    }

    private mutating func ext(at: Int, length: Int, end: Int, depth: Int) throws {
        let type = Int8(bitPattern: try take(1, end: end).first!)
        let payloadStart = offset
        let payload = try take(length, end: end)
        if type == -1 {
            switch length {
            case 4: return
            case 8:
                let v = payload.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let nanoseconds = v >> 34
                let seconds = v & (1 << 34 - 1)
                if nanoseconds == 0 && seconds <= UInt64(UInt32.max) { throw violation(at, "timestamp64 where timestamp32 fits") }
            case 12:
                let seconds = Int64(bitPattern: payload.dropFirst(4).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
                if seconds >= 0 && seconds < 1 << 34 { throw violation(at, "timestamp96 where timestamp64 fits") }
            default: throw violation(at, "timestamp of \(length) bytes")
            }
            return
        }
        guard portable, [71, 80, 81, 82].contains(type) else { return }
        // A portable ext: its payload is values, written canonically too.
        let payloadEnd = payloadStart + length
        offset = payloadStart
        switch type {
        case 82:
            let idAt = offset
            try value(end: payloadEnd, depth: depth)
            guard bytes[idAt] <= 0x7f || (0xcc...0xcf).contains(bytes[idAt]) else { throw violation(idAt, "reference id not an unsigned integer") }
        case 71:
            guard depth == 0 else { throw violation(at, "global-data envelope below the top level") }
            try value(end: payloadEnd, depth: depth + 1)
            try value(end: payloadEnd, depth: depth + 1)
        default:
            let refAt = offset
            let first = bytes[refAt]
            if (0xa0...0xbf).contains(first) || (0xd9...0xdb).contains(first) {
                try value(end: payloadEnd, depth: depth + 1)
                let name = Array(bytes[refAt..<offset])
                guard typeNames.insert(name).inserted else { throw violation(refAt, "a type name sent again as a str instead of its index") }
                typeNameCount += 1
            } else {
                try value(end: payloadEnd, depth: depth + 1)
                guard first <= 0x7f || (0xcc...0xcf).contains(first) else { throw violation(refAt, "type-ref neither str nor uint") }
                let index = bytes[(refAt + 1)..<offset].reduce(first <= 0x7f ? UInt64(first) : 0) { $0 << 8 | UInt64($1) }
                guard index < typeNameCount else { throw violation(refAt, "type index \(index) out of range") }
            }
            try value(end: payloadEnd, depth: depth + 1)
        }
        guard offset == payloadEnd else { throw violation(at, "portable payload holds more than its values") }
    }
}

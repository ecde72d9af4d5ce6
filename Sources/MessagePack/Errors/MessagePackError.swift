// SPDX-License-Identifier: Apache-2.0

/// The error every PortableWire decoder and encoder throws: what went wrong, where, and what to do.
///
/// `code` is stable and the only field `==` compares, so tests and callers match on it:
///
///     do { _ = try MessagePackValue(decoding: [0xcd, 0x01]) }
///     catch let error as MessagePackError where error.code == .truncated { … }
///
/// `description` reads like a compiler message:
/// `truncated at byte 1 ($): uint16 needs 2 bytes but 1 remains; the input was cut short or a length is wrong`.
/// See Spec/format.md, "Error codes".
public struct MessagePackError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable error category. Codes are static members so new ones never break callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The name used in `Spec/` vectors, e.g. `truncated`.
        public let name: String
        /// Creates a code; upper layers add their own as static members in extensions.
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The input ended inside a value, or a declared length or count exceeds the bytes that remain.
        public static let truncated = Code("truncated")
        /// The reserved format byte 0xc1.
        public static let invalidFormatByte = Code("invalidFormatByte")
        /// A str payload that is not valid UTF-8.
        public static let invalidUTF8 = Code("invalidUTF8")
        /// A timestamp extension (type −1) of a bad length or with nanoseconds ≥ 10⁹.
        public static let invalidTimestamp = Code("invalidTimestamp")
        /// Bytes remain after the one value that was asked for.
        public static let trailingBytes = Code("trailingBytes")
        /// A configured limit (`MessagePackLimits`) would be exceeded.
        public static let limitExceeded = Code("limitExceeded")
        /// A well-formed value of another kind than the one requested.
        public static let typeMismatch = Code("typeMismatch")
        /// A value that cannot be written (for example an unsupported type inside a dynamic container).
        public static let cannotSerialize = Code("cannotSerialize")
    }

    /// What went wrong; the only field `==` and `hash(into:)` look at.
    public var code: Code
    /// The byte offset in the input where the fault was found (−1 when encoding).
    public var byteOffset: Int
    /// How the decoder got there: map keys and array indices from the root.
    public var path: MessagePackPath
    /// A sentence for humans; never match on it.
    public var detail: String {
        get {
            switch _detail {
            case .text(let text): return text
            case .typeMismatch(let expected, let found):
                return "expected \(expected) but found \(FormatByte.familyName(found)) (0x\(hexByte(found)))"
            }
        }
        set { _detail = .text(newValue) }
    }

    /// The detail, kept unrendered where it is cheap to: decoders that probe (`try? decode(Bool.self)`) build and
    /// drop many type-mismatch errors, and formatting each one cost more than the decoding.
    @usableFromInline enum _Detail: Sendable {
        case text(String)
        case typeMismatch(expected: StaticString, found: UInt8)
    }
    @usableFromInline var _detail: _Detail
    /// What to do about it, when there is something to say.
    public var hint: String?
    /// The error that caused this one, when it came from code outside the library (a deserializer the
    /// application wrote, a sink that failed): `catch` it through here.
    public var underlyingError: (any Error)?

    /// Creates an error; prefer the factories, which keep error paths out of hot code.
    public init(_ code: Code, at byteOffset: Int, path: MessagePackPath = .root, _ detail: String, hint: String? = nil) {
        self.code = code
        self.byteOffset = byteOffset
        self.path = path
        self._detail = .text(detail)
        self.hint = hint
    }

    public static func == (lhs: MessagePackError, rhs: MessagePackError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The error as one line: code, offset, path, detail and hint.
    ///
    /// At most ``ErrorTextBounds/maxDescriptionByteCount`` (1 KiB) of UTF-8 whatever the input: a long path
    /// keeps its outermost and innermost segments, and a long detail or hint its start and end, with the
    /// middle elided (`…(N bytes elided)…`). The code and the offset are never cut.
    public var description: String {
        var text = "\(code.name)"
        if byteOffset >= 0 { text += " at byte \(byteOffset)" }
        text += " (\(path.boundedDescription(maxByteCount: ErrorTextBounds.maxPathByteCount))): "
        text += ErrorTextBounds.elidingMiddle(detail, maxByteCount: ErrorTextBounds.maxDetailByteCount)
        if let hint { text += "; " + ErrorTextBounds.elidingMiddle(hint, maxByteCount: ErrorTextBounds.maxHintByteCount) }
        return ErrorTextBounds.elidingMiddle(text, maxByteCount: ErrorTextBounds.maxDescriptionByteCount)
    }

    /// Returns the error with `segment` put in front of its path (used while unwinding).
    @inlinable
    public func prefixed(with segment: MessagePackPath.Segment) -> MessagePackError {
        var copy = self
        copy.path._prepend(segment)
        return copy
    }
}

extension MessagePackError {
    @inline(never) @usableFromInline
    static func truncated(at offset: Int, needed: Int, remaining: Int, what: String) -> MessagePackError {
        MessagePackError(
            .truncated, at: offset,
            "\(what) needs \(needed) byte\(needed == 1 ? "" : "s") but \(remaining) remain\(remaining == 1 ? "s" : "")",
            hint: "the input was cut short, or a length or count in it is wrong")
    }

    @inline(never) @usableFromInline
    static func invalidFormatByte(at offset: Int) -> MessagePackError {
        MessagePackError(
            .invalidFormatByte, at: offset, "0xc1 is reserved and never used by MessagePack",
            hint: "the input is not MessagePack, or the reader lost its place in it")
    }

    @inline(never) @usableFromInline
    static func invalidUTF8(at offset: Int) -> MessagePackError {
        MessagePackError(
            .invalidUTF8, at: offset, "the str payload is not valid UTF-8",
            hint: "send arbitrary bytes as bin, not str")
    }

    /// The error for exceeding limit `name` (used by every decoder in the package); `why` and `hint` replace
    /// the generic explanation for a limit that is not the caller's to raise.
    @inline(never) @usableFromInline
    package static func limit(_ name: String, _ value: Int, at offset: Int, why: String? = nil, hint: String? = nil)
        -> MessagePackError
    {
        MessagePackError(
            .limitExceeded, at: offset, "the input exceeds the limit \(name) = \(value)" + (why.map { ": " + $0 } ?? ""),
            hint: hint ?? "raise the decoder's limits.\(name) if this input is trusted")
    }

    /// A dynamic value (a tree of `MessagePackValue` or `PortableValue`) would be deeper than
    /// ``MessagePackLimits/maxSafeDepth``, whatever `maxDepth` allows.
    @inline(never) @usableFromInline
    static func treeTooDeep(at offset: Int) -> MessagePackError {
        limit(
            "MessagePackLimits.maxSafeDepth", MessagePackLimits.maxSafeDepth, at: offset,
            why: "no dynamic value is built deeper, whatever maxDepth allows, because Swift frees such a tree "
                + "recursively and a deeper one could overflow the stack of the thread that drops it",
            hint: "decode this input into your own types (the typed and Codable routes watch the stack), or walk it "
                + "with MessagePackReader (skipValue and the stream scanners go to any depth)")
    }

    @inline(never) @usableFromInline
    static func typeMismatch(at offset: Int, expected: StaticString, found: UInt8) -> MessagePackError {
        // 0xc1 is not a value of another kind but no value at all.
        if found == FormatByte.neverUsed { return .invalidFormatByte(at: offset) }
        var error = MessagePackError(.typeMismatch, at: offset, "")
        error._detail = .typeMismatch(expected: expected, found: found)
        return error
    }
}

extension MessagePackError {
    /// An error that Codable code threw while decoding, as the one error type every entry point throws (README,
    /// "Errors"): Codable's own `DecodingError` (a missing key, a value of the wrong kind, a `dataCorrupted` from an
    /// `init(from:)`) or any error of the application's `init(from:)` becomes `.typeMismatch` at `offset`, with the
    /// `DecodingError`'s coding path, the original kept as `underlyingError`. A `MessagePackError`, also one a
    /// `DecodingError` carries, is returned as it is.
    package static func decodingFailure(_ error: any Error, at offset: Int) -> MessagePackError {
        if let error = error as? MessagePackError { return error }
        guard let decoding = error as? DecodingError else {
            var wrapped = MessagePackError(
                .typeMismatch, at: offset, "init(from:) threw: \(error)",
                hint: "the error your code threw is this error's `underlyingError`")
            wrapped.underlyingError = error
            return wrapped
        }
        let context: DecodingError.Context
        var detail: String
        switch decoding {
        case .keyNotFound(let key, let c):
            context = c
            detail = "the data has no key '\(key.stringValue)'"
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            context = c
            detail = c.debugDescription
        @unknown default:
            return MessagePackError(.typeMismatch, at: offset, "\(decoding)")
        }
        if let underlying = context.underlyingError as? MessagePackError { return underlying }
        if detail.isEmpty { detail = "\(decoding)" }
        var wrapped = MessagePackError(
            .typeMismatch, at: offset, path: MessagePackPath(codingPath: context.codingPath), detail, hint: "the data does not fit the receiver's type; check that both sides agree on its fields")
        wrapped.underlyingError = decoding
        return wrapped
    }

    /// An error that Codable code threw while encoding, as the one error type every entry point throws:
    /// `EncodingError.invalidValue` or any error of the application's `encode(to:)` becomes `.cannotSerialize` with
    /// the `EncodingError`'s coding path (else `path`), the original kept as `underlyingError`. A
    /// `MessagePackError`, also one an `EncodingError` carries, is returned as it is.
    package static func encodingFailure(_ error: any Error, path: MessagePackPath = .root) -> MessagePackError {
        if let error = error as? MessagePackError { return error }
        guard case .invalidValue(let value, let context) = error as? EncodingError else {
            var wrapped = MessagePackError(
                .cannotSerialize, at: -1, path: path, "encode(to:) threw: \(error)",
                hint: "the error your code threw is this error's `underlyingError`")
            wrapped.underlyingError = error
            return wrapped
        }
        if let underlying = context.underlyingError as? MessagePackError { return underlying }
        let detail = context.debugDescription.isEmpty ? "cannot encode \(type(of: value))" : context.debugDescription
        var wrapped = MessagePackError(
            .cannotSerialize, at: -1,
            path: context.codingPath.isEmpty ? path : MessagePackPath(codingPath: context.codingPath), detail,
            hint: "the error your code threw is this error's `underlyingError`")
        wrapped.underlyingError = error
        return wrapped
    }
}

/// Two lowercase hex digits for `byte` (error texts of both modules).
@usableFromInline
package func hexByte(_ byte: UInt8) -> String {
    let digits: StaticString = "0123456789abcdef"
    return String(decoding: [digits.utf8Start[Int(byte >> 4)], digits.utf8Start[Int(byte & 0xf)]], as: UTF8.self)
}

// SPDX-License-Identifier: Apache-2.0
import PortableWire

/// What the walker writes for each value it reads.
enum WalkStyle {
    /// Plain JSON for people (`pwire decode`): numbers as numbers, tagged forms for the rest.
    case plain(hexBytes: Bool)
    /// The Spec's exact JSON notation (`pwire decode --notation`; Spec/format.md, "JSON notation").
    case notation
    /// An annotated dump, a line per token (`pwire inspect`).
    case inspect
}

/// Reads messages token by token and writes them out as it goes, without building a value tree, with an
/// explicit stack instead of recursion: memory is the input plus a frame per open container, time is linear,
/// and no depth the limits allow can overflow the thread's stack (issue 13, items 4 to 6).
///
/// It checks everything `PortableDecoder` with passthrough checks for a message of unknown types
/// (Spec/format.md section 6, Spec/portable-objects.md section 11): structure, UTF-8, every limit, the type-name
/// table, object ids, back-references (dangling, incomplete), the global-data envelope, and sealed ext payloads,
/// with the same codes, byte offsets and paths. `pwireTests` compares the two on every vector of the Spec.
///
/// JSON output is written only after a validating pass over the message (`validate`), so bad input prints
/// nothing on standard output; the dump of `inspect` is written as it reads, so it shows what came before a
/// defect.
struct MessageWalker {
    let whole: UnsafeRawBufferPointer
    let limits: PortableLimits
    let style: WalkStyle
    var out: OutputStream
    let types = PortableExtensionTypes()

    private var reader: MessagePackReader
    private var stack = FrameStack()
    private var currentEnd: Int
    private var sealCount = 0
    private var typeNames: [String] = []
    /// Names compare by their bytes, as the library's (NFC and NFD spellings are two names; Spec/format.md).
    private var typeIndex: [ExactString: Int] = [:]
    private var objectCount = 0
    private var referenceCount = 0
    /// Per object id: 0 closed, 1 an open P, 2 an open Q (its data is still being read).
    private var openObjects: [UInt8] = []
    private var globalKeys: Set<ExactString> = []
    /// Start offsets of maps written as `{"$map": [[k, v], …]}` in plain JSON (a key that is not a str, or a str
    /// that starts with "$"), found by the validating pass; read back in order by the writing pass.
    private var taggedMaps: [Int] = []
    private var taggedCursor = 0
    private var isValidating = false

    /// One open container: 12 bytes, so that even a stack as deep as the input is long (one-byte nested arrays
    /// with the depth limit raised) stays within about 13 bytes per input byte. What only maps, objects and the
    /// global-data envelope need lives in ``Side``, one per such frame, in the same order.
    struct Frame {
        enum Kind: UInt8 { case array, map, globalTable, object, globalData }
        var kind: Kind
        fileprivate var flags: UInt8 = 0
        fileprivate var entryCount: UInt32
        fileprivate var entryIndex: UInt32 = 0

        init(kind: Kind, count: Int) {
            self.kind = kind
            // Safe: array and map counts come from 32-bit headers; objects and envelopes hold 2.
            entryCount = UInt32(count)
        }

        fileprivate init(kind: Kind, flags: UInt8, entryCount: UInt32, entryIndex: UInt32) {
            self.kind = kind
            self.flags = flags
            self.entryCount = entryCount
            self.entryIndex = entryIndex
        }

        var isMap: Bool { kind == .map || kind == .globalTable }
        /// Items (elements; keys and values; type-ref and data; table and body).
        var count: Int { isMap ? 2 * Int(entryCount) : Int(entryCount) }
        /// Items read so far.
        var index: Int {
            get { isMap ? 2 * Int(entryIndex) + Int(flags & 4) / 4 : Int(entryIndex) }
            set {
                if isMap {
                    entryIndex = UInt32(newValue / 2)
                    flags = (flags & ~4) | (newValue % 2 == 1 ? 4 : 0)
                } else {
                    entryIndex = UInt32(newValue)
                }
            }
        }
        var tagged: Bool {
            get { flags & 1 != 0 }
            set { flags = newValue ? flags | 1 : flags & ~1 }
        }
        var emptyTable: Bool {
            get { flags & 2 != 0 }
            set { flags = newValue ? flags | 2 : flags & ~2 }
        }
    }

    /// What a map, an object or a global-data envelope keeps besides its ``Frame``.
    struct Side {
        var start: Int
        var outerEnd = -1
        var objectID = 0
        var keyStart = 0
        var keyCount = -1
    }
    private var sides: [Side] = []

    init(bytes: UnsafeRawBufferPointer, limits: PortableLimits, style: WalkStyle, out: OutputStream) {
        whole = bytes
        self.limits = limits
        self.style = style
        self.out = out
        reader = MessagePackReader(bytes, limits: limits.plain)
        currentEnd = bytes.count
        // One allocation for the deepest stack this input can need; pages are touched only as it grows.
        stack.reserveCapacity(min(limits.maxDepth, bytes.count) + 2)
    }

    var offset: Int { reader.offset }
    var isAtEnd: Bool { reader.offset >= whole.count }

    // MARK: Messages

    /// Checks the message at the cursor without writing anything, and returns where it ends.
    mutating func validate() throws(MessagePackError) -> Int {
        let start = reader.offset
        isValidating = true
        taggedMaps.removeAll(keepingCapacity: true)
        let output = out
        out = OutputStream(enabled: false)
        defer {
            isValidating = false
            out = output
        }
        try walkMessage()
        taggedMaps.sort()
        let end = reader.offset
        if typeNames.contains(where: { $0.utf8.starts(with: "pw.".utf8) }) { try checkWellKnown(start: start, end: end) }
        reader.offset = start
        return end
    }

    /// Well-known values (Spec/well-known-types.md: dates, decimals, UUIDs, sets…) have rules for their data that
    /// the library knows and this walker does not repeat: a message that names a `pw.` type is also decoded by
    /// `PortableDecoder`, as a receiver with no registered types and passthrough on, and its error is the answer.
    private func checkWellKnown(start: Int, end: Int) throws(MessagePackError) {
        guard limits.maxDepth <= MessagePackLimits.maxSafeDepth else {
            throw MessagePackError(
                .limitExceeded, at: start,
                "the message holds well-known values (pw. types), which are checked by the library's decoder; it is "
                    + "stack-safe to a depth of \(MessagePackLimits.maxSafeDepth), not --max-depth \(limits.maxDepth)",
                hint: "use --max-depth \(MessagePackLimits.maxSafeDepth) or less for this message")
        }
        var decoder = PortableDecoder(registry: TypeRegistry())
        decoder.unknownTypes = .passthrough
        decoder.limits = limits
        do {
            _ = try decoder.decodeMessage(from: UnsafeRawBufferPointer(rebasing: whole[start..<end]))
        } catch var error as MessagePackError {
            error.byteOffset += start  // offsets count from the first byte of the input, as the walker's do
            throw error
        } catch {
            throw MessagePackError(.typeMismatch, at: start, "\(error)")
        }
    }

    /// Writes the message at the cursor (checked by ``validate()`` first for the JSON styles).
    mutating func write() throws(MessagePackError) {
        taggedCursor = 0
        try walkMessage()
    }

    private mutating func walkMessage() throws(MessagePackError) {
        stack.removeAll(keepingCapacity: true)
        sides.removeAll(keepingCapacity: true)
        typeNames.removeAll(keepingCapacity: true)
        typeIndex.removeAll(keepingCapacity: true)
        openObjects.removeAll(keepingCapacity: true)
        globalKeys.removeAll()
        objectCount = 0
        referenceCount = 0
        sealCount = 0
        currentEnd = whole.count
        let messageStart = reader.offset
        do throws(MessagePackError) {
            try readValue()
            while !stack.isEmpty {
                if stack[stack.count - 1].index == stack[stack.count - 1].count {
                    try close()
                } else {
                    try readValue()
                }
            }
        } catch {
            throw located(error)
        }
        if reader.offset - messageStart > limits.maxMessageByteCount {
            throw MessagePackError(
                .limitExceeded, at: messageStart,
                "the message of \(reader.offset - messageStart) bytes exceeds the limit maxMessageByteCount = \(limits.maxMessageByteCount)",
                hint: "raise it with --max-message-bytes if this input is trusted")
        }
    }

    // MARK: Values

    /// Reads one value at the cursor in the position the top frame says, writing it; a container leaves a frame.
    private mutating func readValue() throws(MessagePackError) {
        if let top = stack.last {
            switch top.kind {
            case .object where top.index == 0: return try readTypeRef()
            case .globalTable where top.index % 2 == 0: return try readGlobalKey()
            case .globalData where top.index == 1 && reader.offset == currentEnd:
                throw MessagePackError(.malformedPortable, at: sides[sides.count - 1].start, "the global-data envelope has a table but no body")
            default: break
            }
        }
        let start = reader.offset
        let b = try reader.peekFormatByte()
        let label = beforeItem()
        if let top = stack.last, top.kind == .map, top.index % 2 == 0 {
            // A key: remember where it is (for paths); a str key's payload replaces this below. In plain JSON a
            // map whose keys are not all strs, or has one starting with "$", takes the tagged form.
            sides[sides.count - 1].keyStart = start
            sides[sides.count - 1].keyCount = -1
            if isValidating && !style.isNotation {
                let isStr = (0xa0...0xbf).contains(b) || b == FormatByte.str8 || b == FormatByte.str16 || b == FormatByte.str32
                let dollar = isStr && strPayloadStartsWithDollar(at: start)
                if !isStr || dollar { stack[stack.count - 1].tagged = true }
            }
        }
        switch b {
        case 0x90...0x9f, FormatByte.array16, FormatByte.array32:
            let n = try reader.readArrayHeader()
            try checkDepth(at: start)
            switch style {
            case .inspect: headerLine(start, label, b, count: n, n == 1 ? " element\n" : " elements\n")
            default: out.write("[")
            }
            stack.append(Frame(kind: .array, count: n))
            return
        case 0x80...0x8f, FormatByte.map16, FormatByte.map32:
            let n = try reader.readMapHeader()
            try checkDepth(at: start)
            var frame = Frame(kind: .map, count: n)
            switch style {
            case .inspect: headerLine(start, label, b, count: n, n == 1 ? " entry\n" : " entries\n")
            case .notation:
                frame.tagged = true
                out.write("{\"map\":[")
            case .plain:
                if !isValidating && taggedCursor < taggedMaps.count && taggedMaps[taggedCursor] == start {
                    frame.tagged = true
                    taggedCursor += 1
                    out.write("{\"$map\":[")
                } else {
                    out.write("{")
                }
            }
            stack.append(frame)
            sides.append(Side(start: start))
            return
        case 0xd4...0xd8, FormatByte.ext8, FormatByte.ext16, FormatByte.ext32:
            let (type, count) = try reader.readExtensionHeader()
            switch type {
            case types.object, types.twoPhaseObject: return try openObject(start: start, byteCount: count, b: b, type: type, label: label)
            case types.reference: try readReference(start: start, byteCount: count, b: b, label: label)
            case types.globalData: return try openGlobalData(start: start, byteCount: count, b: b, label: label)
            case -1:
                reader.offset = start
                let t = try reader.readTimestamp()
                writeTimestamp(t, start: start, b: b, label: label)
            default:
                let payload = try reader.readRawBytes(count)
                switch style {
                case .inspect:
                    line(start, label, "\(FormatByte.familyName(b)) type \(type), \(count) byte\(count == 1 ? "" : "s")\(preview(payload))")
                case .notation:
                    out.write("{\"ext\":{\"type\":")
                    out.write(decimal: type)
                    out.write(",\"data\":\"")
                    out.writeHex(payload)
                    out.write("\"}}")
                case .plain(let hexBytes):
                    out.write("{\"$ext\":{\"type\":")
                    out.write(decimal: type)
                    out.write(hexBytes ? ",\"hex\":\"" : ",\"base64\":\"")
                    if hexBytes { out.writeHex(payload) } else { out.writeBase64(payload) }
                    out.write("\"}}")
                }
            }
        default:
            try readScalar(b, start: start, label: label)
        }
        try afterItem()
    }

    private mutating func readScalar(_ b: UInt8, start: Int, label: Label) throws(MessagePackError) {
        switch b {
        case 0xc0:
            reader.offset += 1
            switch style {
            case .inspect:
                beginLine(start, label)
                out.write("nil\n")
            default: out.write("null")
            }
        case 0xc2, 0xc3:
            reader.offset += 1
            switch style {
            case .inspect:
                beginLine(start, label)
                out.write(b == 0xc3 ? "true\n" : "false\n")
            default: out.write(b == 0xc3 ? "true" : "false")
            }
        case 0xc1:
            throw MessagePackError(
                .invalidFormatByte, at: start, "0xc1 is reserved and never used by MessagePack",
                hint: "the input is not MessagePack, or the reader lost its place in it")
        case 0xca:
            let f = try reader.readFloat()
            switch style {
            case .inspect: line(start, label, "float32 \(f)")
            case .notation: writeBits("float32", UInt64(f.bitPattern), digits: 8)
            case .plain:
                if f.isFinite {
                    out.write("{\"$float32\":")
                    out.write(f.description)
                    out.write("}")
                } else {
                    writeBits("$float32", UInt64(f.bitPattern), digits: 8)
                }
            }
        case 0xcb:
            let d = try reader.readDouble()
            switch style {
            case .inspect: line(start, label, "float64 \(d)")
            case .notation: writeBits("float64", d.bitPattern, digits: 16)
            case .plain:
                if d.isFinite { out.write(d.description) } else { writeBits("$float64", d.bitPattern, digits: 16) }
            }
        case 0xa0...0xbf, FormatByte.str8, FormatByte.str16, FormatByte.str32:
            let (s, n) = try reader.readStringHeader()
            let payload = UnsafeRawBufferPointer(rebasing: whole[s..<(s + n)])
            if isValidating || style.isInspect { try checkUTF8(payload, start: s, headerStart: start) }
            if let top = stack.last, top.kind == .map, top.index % 2 == 0 {
                sides[sides.count - 1].keyStart = s
                sides[sides.count - 1].keyCount = n
            }
            switch style {
            case .inspect: strLine(start, label, b, payload)
            default: out.writeJSONString(payload)
            }
        case FormatByte.bin8, FormatByte.bin16, FormatByte.bin32:
            let (s, n) = try reader.readBinaryHeader()
            let payload = UnsafeRawBufferPointer(rebasing: whole[s..<(s + n)])
            switch style {
            case .inspect: line(start, label, "\(FormatByte.familyName(b)), \(n) byte\(n == 1 ? "" : "s")\(preview(payload))")
            case .notation:
                out.write("{\"bin\":\"")
                out.writeHex(payload)
                out.write("\"}")
            case .plain(let hexBytes):
                out.write(hexBytes ? "{\"$hex\":\"" : "{\"$base64\":\"")
                if hexBytes { out.writeHex(payload) } else { out.writeBase64(payload) }
                out.write("\"}")
            }
        default:
            let v = try reader.readIntegerValue()
            let text: String
            switch v {
            case .signed(let i): text = String(i)
            case .unsigned(let u): text = String(u)
            }
            switch style {
            case .inspect:
                beginLine(start, label)
                out.write(FormatByte.family(b))
                out.write(" ")
                out.write(text)
                out.write("\n")
            case .notation:
                out.write("{\"int\":\"")
                out.write(text)
                out.write("\"}")
            case .plain: out.write(text)
            }
        }
    }

    /// Whether the str whose header is at `start` has a payload starting with "$" (no bounds assumed).
    private func strPayloadStartsWithDollar(at start: Int) -> Bool {
        var probe = reader
        probe.offset = start
        guard let (s, n) = try? probe.readStringHeader(), n > 0 else { return false }
        return whole[s] == UInt8(ascii: "$")
    }

    private mutating func writeBits(_ tag: StaticString, _ bits: UInt64, digits: Int) {
        let h = String(bits, radix: 16)
        out.write("{\"")
        out.write(tag)
        out.write("\":\"0x")
        out.write(String(repeating: "0", count: digits - h.count) + h)
        out.write("\"}")
    }

    private mutating func writeTimestamp(_ t: MessagePackTimestamp, start: Int, b: UInt8, label: Label) {
        switch style {
        case .inspect:
            line(start, label, "\(FormatByte.familyName(b)) type -1: timestamp \(PlainJSON.rfc3339(t) ?? "seconds \(t.seconds)"), nanoseconds \(t.nanoseconds)")
        case .notation:
            out.write("{\"timestamp\":{\"seconds\":\"")
            out.write(decimal: t.seconds)
            out.write("\",\"nanoseconds\":")
            out.write(decimal: t.nanoseconds)
            out.write("}}")
        case .plain:
            if let text = PlainJSON.rfc3339(t) {
                out.write("{\"$timestamp\":\"")
                out.write(text)
                out.write("\"}")
            } else {
                out.write("{\"$timestamp\":{\"seconds\":")
                out.write(decimal: t.seconds)
                out.write(",\"nanoseconds\":")
                out.write(decimal: t.nanoseconds)
                out.write("}}")
            }
        }
    }

    private func checkUTF8(_ payload: UnsafeRawBufferPointer, start: Int, headerStart: Int) throws(MessagePackError) {
        if String(validating: payload.assumingMemoryBound(to: UInt8.self), as: UTF8.self) != nil { return }
        // The error path only: the offset of the first byte of the first ill-formed sequence.
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = payload.makeIterator()
        var position = 0
        scan: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): position += scalar.count
            case .error: break scan
            case .emptyInput: break scan
            }
        }
        throw MessagePackError(
            .invalidUTF8, at: start + position, "the str payload is not valid UTF-8",
            hint: "send arbitrary bytes as bin, not str")
    }

    // MARK: Portable objects

    private mutating func openObject(start: Int, byteCount: Int, b: UInt8, type: Int8, label: Label) throws(MessagePackError) {
        guard objectCount < limits.maxObjectCount else {
            throw limit("maxObjectCount", limits.maxObjectCount, at: start, "--max-objects")
        }
        try checkDepth(at: start)
        guard byteCount > 0 else {
            throw MessagePackError(.malformedPortable, at: start, "the portable object's payload is empty; it must hold a type-ref and the data")
        }
        let id = objectCount
        objectCount += 1
        let twoPhase = type == types.twoPhaseObject
        openObjects.append(twoPhase ? 2 : 1)
        let frame = Frame(kind: .object, count: 2)
        var side = Side(start: start)
        side.objectID = id
        side.outerEnd = seal(end: reader.offset + byteCount)
        sides.append(side)
        if style.isInspect {
            line(start, label, "\(FormatByte.familyName(b)) type \(type): \(twoPhase ? "two-phase portable object" : "portable object") #\(id), \(byteCount) bytes")
        }
        stack.append(frame)
    }

    private mutating func readTypeRef() throws(MessagePackError) {
        let start = reader.offset
        let b = try reader.peekFormatByte()
        let name: String
        let what: String
        switch b {
        case 0xa0...0xbf, FormatByte.str8, FormatByte.str16, FormatByte.str32:
            let (s, n) = try reader.readStringHeader()
            let payload = UnsafeRawBufferPointer(rebasing: whole[s..<(s + n)])
            try checkUTF8(payload, start: s, headerStart: start)
            guard n > 0 else {
                throw MessagePackError(.malformedPortable, at: start, "the type-ref is the empty str; type names are non-empty (Spec/portable-objects.md 3.1)")
            }
            name = String(decoding: payload, as: UTF8.self)
            if let index = typeIndex[ExactString(name)] {
                what = "type \(index)"
            } else {
                guard typeNames.count < limits.maxTypeNameCount else {
                    throw limit("maxTypeNameCount", limits.maxTypeNameCount, at: start, "--max-type-names")
                }
                typeIndex[ExactString(name)] = typeNames.count
                typeNames.append(name)
                what = "new type \(typeNames.count - 1)"
            }
        case 0x00...0x7f, 0xe0...0xff, 0xcc...0xd3:
            let v = try reader.readIntegerValue()
            let index: UInt64
            switch v {
            case .signed(let i) where i < 0:
                throw MessagePackError(.malformedPortable, at: start, "the type-ref \(i) is negative; it must be a str or an index >= 0")
            case .signed(let i): index = UInt64(i)
            case .unsigned(let u): index = u
            }
            guard index < UInt64(typeNames.count) else {
                throw MessagePackError(
                    .typeReferenceOutOfRange, at: start,
                    "the type-ref \(index) is not in the type-name table, which has \(typeNames.count) name\(typeNames.count == 1 ? "" : "s") here",
                    hint: "each type's name is written as a str at its first use in the message (Spec/portable-objects.md section 5)")
            }
            name = typeNames[Int(index)]
            what = "type \(index)"
        default:
            throw MessagePackError(
                .malformedPortable, at: start,
                "the type-ref is a \(FormatByte.familyName(b)); it must be a str or a non-negative integer")
        }
        guard reader.offset < currentEnd else {
            // Nothing to point at: the offset is the object's format byte (Spec/portable-objects.md 14).
            throw MessagePackError(.malformedPortable, at: sides[sides.count - 1].start, "the portable object's payload ends after its type-ref; the data is missing")
        }
        let top = sides[sides.count - 1]
        switch style {
        case .inspect: line(start, .typeRef, "\(FormatByte.familyName(b)) \"\(name)\" (\(what))", depth: stack.count)
        case .notation:
            out.write("{\"portable\":{\"id\":")
            out.write(decimal: top.objectID)
            out.write(",\"type\":")
            out.writeJSONString(name)
            if openObjects[top.objectID] == 2 { out.write(",\"twoPhase\":true") }
            out.write(",\"data\":")
        case .plain:
            out.write("{\"$portable\":")
            out.writeJSONString(name)
            out.write(",\"id\":")
            out.write(decimal: top.objectID)
            if openObjects[top.objectID] == 2 { out.write(",\"twoPhase\":true") }
            out.write(",\"data\":")
        }
        stack[stack.count - 1].index = 1
    }

    private mutating func readReference(start: Int, byteCount: Int, b: UInt8, label: Label) throws(MessagePackError) {
        guard byteCount > 0 else {
            throw MessagePackError(.malformedPortable, at: start, "the back-reference's payload is empty; it must hold one object id, an integer >= 0")
        }
        let end = reader.offset + byteCount
        let outer = seal(end: end)
        let id: UInt64
        do throws(MessagePackError) {
            let first = try reader.peekFormatByte()
            switch first {
            case 0x00...0x7f, 0xe0...0xff, 0xcc...0xd3: break
            default:
                throw MessagePackError(.malformedPortable, at: reader.offset, "a back-reference holds a \(FormatByte.familyName(first)); it must hold one object id, an integer >= 0")
            }
            switch try reader.readIntegerValue() {
            case .signed(let i) where i < 0:
                throw MessagePackError(.malformedPortable, at: end - byteCount, "the back-reference's object id \(i) is negative")
            case .signed(let i): id = UInt64(i)
            case .unsigned(let u): id = u
            }
            guard reader.offset == end else {
                throw MessagePackError(.malformedPortable, at: reader.offset, "the back-reference's payload holds more than one object id")
            }
        } catch {
            throw sealedError(error)
        }
        unseal(to: outer)
        guard referenceCount < limits.maxReferenceCount else {
            throw limit("maxReferenceCount", limits.maxReferenceCount, at: start, "--max-references")
        }
        referenceCount += 1
        guard id < UInt64(objectCount) else {
            throw MessagePackError(
                .danglingReference, at: start,
                "the back-reference names object \(id), but only \(objectCount) object\(objectCount == 1 ? " has" : "s have") been read so far",
                hint: "a back-reference may only name an object whose header comes earlier in the message")
        }
        if openObjects[Int(id)] == 1 {
            throw MessagePackError(
                .incompleteReference, at: start,
                "the back-reference names object \(id), whose data is still being read, and it is not two-phase (Q)",
                hint: "only two-phase objects may be referenced from inside their own data (Spec/portable-objects.md section 8)")
        }
        switch style {
        case .inspect: line(start, label, "\(FormatByte.familyName(b)) type \(types.reference): back-reference to object #\(id)")
        case .notation:
            out.write("{\"ref\":")
            out.write(decimal: id)
            out.write("}")
        case .plain:
            out.write("{\"$ref\":")
            out.write(decimal: id)
            out.write("}")
        }
    }

    // MARK: Global data

    private mutating func openGlobalData(start: Int, byteCount: Int, b: UInt8, label: Label) throws(MessagePackError) {
        guard stack.isEmpty else {
            throw MessagePackError(
                .malformedPortable, at: start, "a global-data envelope (G) may only be the top-level value of a message",
                hint: "Spec/portable-objects.md section 9.2")
        }
        try checkDepth(at: start)
        guard byteCount > 0 else {
            throw MessagePackError(.malformedPortable, at: start, "the global-data envelope is empty; it holds a table and one body")
        }
        var frame = Frame(kind: .globalData, count: 2)
        var side = Side(start: start)
        side.outerEnd = seal(end: reader.offset + byteCount)
        let tableStart = reader.offset
        let first = try? reader.peekFormatByte()
        switch first {
        case .some(0x80...0x8f), .some(FormatByte.map16), .some(FormatByte.map32): break
        default:
            throw MessagePackError(.malformedPortable, at: tableStart, "the global-data envelope must start with a map of str keys (the table)")
        }
        let n: Int
        do throws(MessagePackError) { n = try reader.readMapHeader() } catch { throw sealedError(error) }
        guard n <= limits.maxGlobalDataCount else {
            throw limit("maxGlobalDataCount", limits.maxGlobalDataCount, at: tableStart, "--max-global-data")
        }
        frame.emptyTable = n == 0
        if style.isInspect {
            line(start, label, "\(FormatByte.familyName(b)) type \(types.globalData): global-data envelope, \(byteCount) bytes")
        } else if n > 0 {
            out.write(style.isNotation ? "{\"globalData\":[" : "{\"$globalData\":{")
        }
        stack.append(frame)
        sides.append(side)
        // The table is read as a map of its own kind: str keys, each once.
        try checkDepth(at: tableStart)
        var table = Frame(kind: .globalTable, count: n)
        table.tagged = style.isNotation
        if style.isInspect { line(tableStart, .globalData, "\(FormatByte.familyName(first ?? 0)), \(n) entr\(n == 1 ? "y" : "ies")", depth: stack.count) }
        stack.append(table)
        sides.append(Side(start: tableStart))
    }

    private mutating func readGlobalKey() throws(MessagePackError) {
        let start = reader.offset
        let b = try reader.peekFormatByte()
        switch b {
        case 0xa0...0xbf, FormatByte.str8, FormatByte.str16, FormatByte.str32: break
        default:
            throw MessagePackError(.malformedPortable, at: start, "a global-data key is a \(FormatByte.familyName(b)); keys must be strs")
        }
        let (s, n) = try reader.readStringHeader()
        let payload = UnsafeRawBufferPointer(rebasing: whole[s..<(s + n)])
        try checkUTF8(payload, start: s, headerStart: start)
        if isValidating || style.isInspect {
            let key = String(decoding: payload, as: UTF8.self)
            guard globalKeys.insert(ExactString(key)).inserted else {
                throw MessagePackError(.malformedPortable, at: start, "the global-data key \(MessagePackPath.quoted(key)) appears twice")
            }
        }
        let label = beforeItem()
        sides[sides.count - 1].keyStart = s
        sides[sides.count - 1].keyCount = n
        switch style {
        case .inspect: strLine(start, label, b, payload)
        default: out.writeJSONString(payload)
        }
        try afterItem()
    }

    // MARK: Frames

    /// Writes what comes before the next item of the top frame, and returns its label for `inspect`.
    /// What an inspect line says before a value's meaning: where the value sits in its container.
    enum Label {
        case none, index(Int), key, value, data, globalData, body, typeRef
    }

    private mutating func beforeItem() -> Label {
        guard let top = stack.last else { return .none }
        switch top.kind {
        case .array:
            if !style.isInspect {
                if top.index > 0 { out.write(",") }
                return .none
            }
            return .index(top.index)
        case .map, .globalTable:
            let isKey = top.index % 2 == 0
            if style.isInspect { return isKey ? .key : .value }
            if top.tagged {
                if isKey { out.write(top.index > 0 ? ",[" : "[") } else { out.write(",") }
            } else if isKey {
                if top.index > 0 { out.write(",") }
            } else {
                out.write(":")
            }
            return .none
        case .object: return .data
        case .globalData: return top.index == 0 ? .globalData : .body
        }
    }

    /// Counts the item just read in the top frame, writing what follows it.
    private mutating func afterItem() throws(MessagePackError) {
        guard !stack.isEmpty else { return }
        let i = stack.count - 1
        let top = stack[i]
        switch top.kind {
        case .map, .globalTable:
            if top.index % 2 == 1 && top.tagged && !style.isInspect {
                out.write("]")
            }
        case .globalData:
            if top.index == 0 && !style.isInspect && !top.emptyTable {
                out.write(style.isNotation ? "],\"value\":" : "},\"body\":")
            }
        default: break
        }
        stack[i].index += 1
    }

    /// Closes the top frame once all its items are read.
    private mutating func close() throws(MessagePackError) {
        let top = stack.removeLast()
        let side = top.kind == .array ? nil : sides.removeLast()
        switch top.kind {
        case .array:
            if !style.isInspect { out.write("]") }
        case .map:
            if isValidating && top.tagged, let side { taggedMaps.append(side.start) }
            if !style.isInspect { out.write(top.tagged ? "]}" : "}") }
        case .globalTable:
            break  // The envelope's frame writes what follows the table.
        case .object:
            try checkSealedEnd(side, what: "the portable object's payload holds more than a type-ref and one data value")
            if let side { openObjects[side.objectID] = 0 }
            if !style.isInspect { out.write(style.isNotation ? "}}" : "}") }
        case .globalData:
            try checkSealedEnd(side, what: "the global-data envelope holds more than its table and one body")
            if !style.isInspect && !top.emptyTable { out.write("}") }
        }
        try afterItem()
    }

    private mutating func checkSealedEnd(_ side: Side?, what: String) throws(MessagePackError) {
        guard reader.offset == currentEnd else {
            throw MessagePackError(.malformedPortable, at: reader.offset, "\(what) (\(currentEnd - reader.offset) byte\(currentEnd - reader.offset == 1 ? "" : "s") left in it)")
        }
        if let side { unseal(to: side.outerEnd) }
    }

    private func checkDepth(at start: Int) throws(MessagePackError) {
        guard stack.count < limits.maxDepth else {
            throw limit("maxDepth", limits.maxDepth, at: start, "--max-depth")
        }
    }

    private func limit(_ name: String, _ value: Int, at offset: Int, _ option: String) -> MessagePackError {
        MessagePackError(
            .limitExceeded, at: offset, "the input exceeds the limit \(name) = \(value)",
            hint: "raise it with \(option) if this input is trusted")
    }

    // MARK: Sealed payloads

    /// Confines the reader to a portable ext's payload; returns the bound to restore.
    private mutating func seal(end: Int) -> Int {
        let outer = currentEnd
        currentEnd = end
        sealCount += 1
        reader = MessagePackReader(UnsafeRawBufferPointer(rebasing: whole[0..<end]), offset: reader.offset, limits: limits.plain)
        return outer
    }

    private mutating func unseal(to outer: Int) {
        currentEnd = outer
        sealCount -= 1
        reader = MessagePackReader(UnsafeRawBufferPointer(rebasing: whole[0..<outer]), offset: reader.offset, limits: limits.plain)
    }

    /// Inside a portable ext's payload, running out of bytes means the ext's length is wrong, not that the
    /// input was cut (Spec/portable-objects.md section 11.2).
    private func sealedError(_ error: MessagePackError) -> MessagePackError {
        guard sealCount > 0, error.code == .truncated else { return error }
        return MessagePackError(
            .malformedPortable, at: error.byteOffset,
            "a value runs past the end of its portable ext payload (\(error.detail))",
            hint: "the ext's declared length is wrong")
    }

    /// The error with the path of the value being read, built from the open frames.
    private func located(_ error: MessagePackError) -> MessagePackError {
        var error = sealedError(error)
        var segments: [MessagePackPath.Segment] = []
        var sideIndex = 0
        for frame in stack {
            let side = frame.kind == .array ? Side(start: 0) : sides[sideIndex]
            if frame.kind != .array { sideIndex += 1 }
            switch frame.kind {
            case .array: segments.append(.index(frame.index))
            case .map, .globalTable:
                if frame.index % 2 == 1 {
                    if side.keyCount >= 0 {
                        let key = UnsafeRawBufferPointer(rebasing: whole[side.keyStart..<(side.keyStart + side.keyCount)])
                        segments.append(.key(String(decoding: key, as: UTF8.self)))
                    } else {
                        var keyReader = MessagePackReader(whole, offset: side.keyStart, limits: limits.plain)
                        // The library's segment for a key that is not a str (compact notation: `[null]`, `[1]`).
                        segments.append((try? keyReader.readValue()).map { MessagePackReader._segment(for: $0, index: 0) } ?? .otherKey("?"))
                    }
                }
            case .globalData: if frame.index == 0 { segments.append(.globalData) }
            case .object: break
            }
        }
        error.path = MessagePackPath(segments)
        return error
    }

    // MARK: inspect

    private mutating func line(_ start: Int, _ label: Label, _ meaning: String, depth: Int? = nil) {
        beginLine(start, label, depth: depth)
        out.write(meaning)
        out.write("\n")
    }

    /// Starts an inspect line: the token's offset, its first bytes, the indentation and `label`; the caller
    /// writes the meaning and the newline. Written straight into the output buffer: no `String` per line.
    private mutating func beginLine(_ start: Int, _ label: Label, depth: Int? = nil) {
        let depth = depth ?? stack.count
        let end = min(max(reader.offset, start + 1), whole.count)
        let shown = min(end - start, 8)
        out.writeHex(start, minimumDigits: 8)
        out.write("  ")
        for i in 0..<shown {
            if i > 0 { out.write(byte: 0x20) }
            out.writeHex(byte: whole[start + i])
        }
        var column = shown == 0 ? 0 : 3 * shown - 1
        if end - start > 8 {
            out.write(" …")
            column += 2
        }
        out.writeSpaces(max(1, 28 - column))
        // Indentation stops growing at 32 levels, so output stays linear in the input however deep it nests.
        out.writeSpaces(2 * min(depth, 32))
        if depth > 32 {
            out.write("(depth ")
            out.write(decimal: depth)
            out.write(") ")
        }
        switch label {
        case .none: break
        case .index(let i):
            out.write("[")
            out.write(decimal: i)
            out.write("] ")
        case .key: out.write("key ")
        case .value: out.write("value ")
        case .data: out.write("data ")
        case .globalData: out.write("global data ")
        case .body: out.write("body ")
        case .typeRef: out.write("type-ref ")
        }
    }

    /// An inspect line for an array or map header: `array16, 3 elements`.
    private mutating func headerLine(_ start: Int, _ label: Label, _ b: UInt8, count: Int, _ noun: StaticString) {
        beginLine(start, label)
        out.write(FormatByte.family(b))
        out.write(", ")
        out.write(decimal: count)
        out.write(noun)
    }

    /// An inspect line for a str: its family and up to 64 bytes of it, quoted (cut at a character boundary).
    private mutating func strLine(_ start: Int, _ label: Label, _ b: UInt8, _ payload: UnsafeRawBufferPointer) {
        beginLine(start, label)
        out.write(FormatByte.family(b))
        out.write(" ")
        let limit = 64
        var cut = min(payload.count, limit)
        // Back up over continuation bytes.
        while cut < payload.count && cut > 0 && payload[cut] & 0xc0 == 0x80 { cut -= 1 }
        out.writeJSONString(UnsafeRawBufferPointer(rebasing: payload[0..<cut]), shortControlEscapes: true)
        if cut < payload.count {
            out.write("… (")
            out.write(decimal: payload.count)
            out.write(" bytes)")
        }
        out.write("\n")
    }

    private func preview(_ payload: UnsafeRawBufferPointer) -> String {
        guard !payload.isEmpty else { return "" }
        var hex = ":"
        for b in payload.prefix(16) {
            let h = String(b, radix: 16)
            hex += " " + (h.count == 1 ? "0" + h : h)
        }
        return payload.count > 16 ? hex + " …" : hex
    }
}

extension WalkStyle {
    var isInspect: Bool { if case .inspect = self { return true } else { return false } }
    var isNotation: Bool { if case .notation = self { return true } else { return false } }
}

/// The walker's open containers, 9 bytes each (a `Frame` array would take its 12-byte stride): a 4 M-deep input
/// keeps 4 M of them, so this is most of what `decode` and `inspect` need beyond the input on deep messages.
struct FrameStack: Sequence {
    /// Per frame: entry count (high half) and entry index (low half).
    private var positions: [UInt64] = []
    /// Per frame: kind (low 3 bits) and flags (next 3).
    private var kinds: [UInt8] = []

    var count: Int { kinds.count }
    var isEmpty: Bool { kinds.isEmpty }

    mutating func reserveCapacity(_ n: Int) {
        positions.reserveCapacity(n)
        kinds.reserveCapacity(n)
    }

    mutating func removeAll(keepingCapacity: Bool) {
        positions.removeAll(keepingCapacity: keepingCapacity)
        kinds.removeAll(keepingCapacity: keepingCapacity)
    }

    mutating func append(_ frame: MessageWalker.Frame) {
        positions.append(UInt64(frame.entryCount) << 32 | UInt64(frame.entryIndex))
        kinds.append(frame.kind.rawValue | frame.flags << 3)
    }

    @discardableResult
    mutating func removeLast() -> MessageWalker.Frame {
        Self.frame(positions.removeLast(), kinds.removeLast())
    }

    var last: MessageWalker.Frame? { isEmpty ? nil : self[count - 1] }

    subscript(i: Int) -> MessageWalker.Frame {
        get { Self.frame(positions[i], kinds[i]) }
        set {
            positions[i] = UInt64(newValue.entryCount) << 32 | UInt64(newValue.entryIndex)
            kinds[i] = newValue.kind.rawValue | newValue.flags << 3
        }
    }

    func makeIterator() -> AnyIterator<MessageWalker.Frame> {
        var i = 0
        return AnyIterator {
            guard i < count else { return nil }
            defer { i += 1 }
            return self[i]
        }
    }

    private static func frame(_ position: UInt64, _ bits: UInt8) -> MessageWalker.Frame {
        MessageWalker.Frame(
            kind: MessageWalker.Frame.Kind(rawValue: bits & 7)!, flags: bits >> 3,
            entryCount: UInt32(truncatingIfNeeded: position >> 32), entryIndex: UInt32(truncatingIfNeeded: position))
    }
}


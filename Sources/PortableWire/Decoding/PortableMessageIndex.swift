// SPDX-License-Identifier: Apache-2.0
import MessagePack

/// What one wire-order pass over a message learned: every object's id, extent and type, the type-name table,
/// and the global data's extent (Spec/portable-objects.md sections 5, 6 and 9).
///
/// Object ids and type-name indices belong to the bytes, not to the order in which a receiving type asks for its
/// fields: a `Decodable` reads keys in its own order and skips keys it does not declare, while a sender (a Python
/// `dict`, a newer version of the type) may put them in any order. So every decoding route first builds this
/// index, in one pass that also checks everything the Spec requires of the message (references, type-refs,
/// limits, payload bounds, UTF-8), including inside fields the receiver will skip, and then decodes objects by
/// looking them up by offset. The pass allocates only per object and per type name, never per plain value.
struct PortableMessageIndex {
    /// One P or Q value, in wire order: its position in `objects` is its object id.
    struct Object {
        /// Offset of the ext header.
        var start: Int
        /// Offset just after the payload.
        var end: Int
        /// Offset of the data value (after the type-ref).
        var dataStart: Int
        /// Index into ``names`` (and ``entries``).
        var nameIndex: Int32
        /// The id of the nearest object whose data contains this one, or -1.
        var parent: Int32
        /// Objects and G envelopes around the data, as the depth limit counts them (the data is read at this depth).
        var depth: Int32
        /// Whether it came as Q.
        var isTwoPhaseOnWire: Bool
        /// Whether R values inside its own data may name it (Q on the wire and two-phase at the receiver).
        var isPublishedEarly: Bool
    }

    var objects: [Object] = []
    /// The type-name table in wire order; two names are the same only when their bytes are.
    var names: [String] = []
    /// The receiver's registration for each name (nil: unknown, decoded as an opaque object under passthrough).
    var entries: [TypeRegistry.Entry?] = []
    /// Where the body starts (after the global-data table when there is one).
    var bodyStart = 0
    /// The global-data envelope's extent, when the message has one.
    var envelope: (start: Int, tableStart: Int, end: Int)?

    /// The id of the object whose header is at `offset`, or nil when no object starts there.
    ///
    /// - Complexity: O(1) when objects are asked for in wire order (the usual case), else O(log n).
    func objectID(at offset: Int, hint: Int) -> Int? {
        if hint < objects.count, objects[hint].start == offset { return hint }
        var low = 0
        var high = objects.count
        while low < high {
            let mid = (low &+ high) >> 1
            if objects[mid].start < offset { low = mid &+ 1 } else { high = mid }
        }
        return low < objects.count && objects[low].start == offset ? low : nil
    }
}

// MARK: Building the index

/// The wire-order pass that builds a ``PortableMessageIndex`` and validates the message.
///
/// It makes the checks, and reports the errors, of Spec/portable-objects.md section 11 in wire order (so the first
/// defect in the bytes is the one reported, whatever the receiving type later reads), with the path built as the
/// error unwinds.
struct PortableMessageScanner {
    let limits: MessagePackLimits
    /// The portable bounds (objects, names, references, global data, expansion); `limits` are its plain ones.
    let portableLimits: PortableLimits
    let types: PortableExtensionTypes
    let registry: TypeRegistry
    let passthrough: Bool
    let rejectsCycles: Bool

    var index = PortableMessageIndex()
    var reader: MessagePackReader
    /// The whole message (the reader is bounded to an ext payload while it reads one).
    let message: UnsafeRawBufferPointer
    var depth = 0
    var referenceCount = 0
    /// Bytes charged for back-references that decode into copies (portable-objects.md 7.4).
    var expansion = 0
    /// Per object id: 0 while its data is being read, else its expanded size (0 for identity objects) plus one.
    var state: [Int] = []
    /// The innermost object whose data is being read, or -1.
    var current: Int32 = -1
    /// Type-name bytes to table index.
    var nameTable: [ExactString: Int32] = [:]

    init(
        _ raw: UnsafeRawBufferPointer, limits: PortableLimits, types: PortableExtensionTypes, registry: TypeRegistry,
        passthrough: Bool, rejectsCycles: Bool
    ) {
        self.limits = limits.plain
        self.portableLimits = limits
        self.types = types
        self.registry = registry
        self.passthrough = passthrough
        self.rejectsCycles = rejectsCycles
        self.reader = MessagePackReader(raw, limits: limits.plain)
        self.message = raw
    }

    /// Scans the whole message; the reader ends after it (trailing bytes are the caller's to judge).
    mutating func scanMessage() throws(MessagePackError) {
        if reader.peekExtensionType() == types.globalData {
            try scanEnvelope()
        } else {
            index.bodyStart = reader.offset
            try scanValue()
        }
    }

    func isPortable(_ ext: Int8) -> Bool {
        ext == types.object || ext == types.twoPhaseObject || ext == types.reference || ext == types.globalData
    }

    /// One container the scan is inside: an array, a map, or a P/Q object's payload (whose one child is its data).
    struct Frame {
        enum Kind { case root, array, map, object }
        var kind: Kind
        /// Children scanned (two per map entry: key, then value).
        var next = 0
        /// Children declared.
        var total: Int
        /// For a map: where the key of the entry being scanned starts.
        var keyAt = 0
        // For an object:
        var id = 0
        var start = 0
        var payloadEnd = 0
        /// The reader's end outside the payload, restored when the object is done.
        var outerEnd = 0
        var expansionBefore = 0
        var parent: Int32 = -1
        var nameIndex: Int32 = 0
        var isValueType = false
    }

    /// Scans one value at the cursor (the same checks, in the same order, as decoding it dynamically).
    ///
    /// Iterative: the containers and objects it is inside are frames in an array on the heap, so a message
    /// nested as deep as `limits.maxDepth` allows needs no more stack than a flat one. An error gets the path of
    /// the value at fault (array indices, map keys; a fault inside a key is reported at the map's path), and a
    /// value cut short by the end of an ext payload is `malformedPortable` rather than `truncated`.
    mutating func scanValue() throws(MessagePackError) {
        var outer: [Frame] = []
        var top = Frame(kind: .root, total: 1)
        do throws(MessagePackError) {
            while true {
                if top.kind == .map && top.next & 1 == 0 { top.keyAt = reader.offset }
                if let opened = try scanToken() {
                    outer.append(top)
                    top = opened
                    depth &+= 1
                    continue
                }
                // A value is complete: count it, and close every container it completes.
                top.next &+= 1
                while top.next == top.total {
                    if top.kind == .root { return }
                    let done = top
                    top = outer.removeLast()
                    depth &-= 1
                    if done.kind == .object { try finishObject(done) }
                    top.next &+= 1
                }
            }
        } catch {
            throw located(error, top: top, outer: outer)
        }
    }

    /// Scans the token at the cursor: a whole value (returns nil), or the header of a non-empty container or the
    /// start of an object's payload (returns its frame, which the caller pushes).
    @inline(__always)
    mutating func scanToken() throws(MessagePackError) -> Frame? {
        let b = try reader.peekFormatByte()
        switch b {
        case 0x00...0x7f, 0xe0...0xff, FormatByte.nil, FormatByte.false, FormatByte.true:  // one-byte values
            reader.offset &+= 1
        case 0xa0...0xbf, FormatByte.str8, FormatByte.str16, FormatByte.str32:  // strs: checked like any decode
            let headerAt = reader.offset
            let (payloadStart, count) = try reader.readStringHeader()
            let payload = UnsafeRawBufferPointer(rebasing: reader.bytes[payloadStart..<(payloadStart &+ count)])
            guard MessagePackReader._isValidUTF8(payload) else {
                reader.offset = headerAt
                try reader.skipValue(limits: limits)  // throws the same invalidUTF8 error as a plain decoder
                return nil
            }
        case 0x90...0x9f, FormatByte.array16, FormatByte.array32:  // arrays
            let start = reader.offset
            let count = try reader.readArrayHeader()
            try checkContainer(count: count, start: start)
            if count > 0 { return Frame(kind: .array, total: count) }
        case 0x80...0x8f, FormatByte.map16, FormatByte.map32:  // maps
            let start = reader.offset
            let count = try reader.readMapHeader()
            try checkContainer(count: count, start: start)
            if count > 0 { return Frame(kind: .map, total: count &* 2) }
        case 0xd4...0xd8, FormatByte.ext8, FormatByte.ext16, FormatByte.ext32:  // ext family
            if let ext = reader.peekExtensionType(), isPortable(ext) { return try scanPortable() }
            try reader.skipValue(limits: limits)
        default:
            try reader.skipValue(limits: limits)
        }
        return nil
    }

    /// The count limit, then the depth, for a container header just read at `start` (Spec/format.md 6.4, steps 3
    /// and 4, after the header's own checks).
    @inline(__always)
    mutating func checkContainer(count: Int, start: Int) throws(MessagePackError) {
        guard count <= limits.maxElementCount else {
            reader.offset = start
            throw .limit("maxElementCount", limits.maxElementCount, at: start)
        }
        guard depth < limits.maxDepth else {
            reader.offset = start
            throw .limit("maxDepth", limits.maxDepth, at: start)
        }
    }

    /// `error` with the path of the value being scanned in `top` inside `outer`, and `truncated` inside an ext
    /// payload turned into `malformedPortable` (error path only).
    @inline(never)
    func located(_ error: MessagePackError, top: Frame, outer: [Frame]) -> MessagePackError {
        var error = error
        var segments: [MessagePackPath.Segment] = []
        for i in (0...outer.count).reversed() {
            let frame = i == outer.count ? top : outer[i]
            switch frame.kind {
            case .root: break
            case .array: segments.append(.index(frame.next))
            case .map:
                // A fault inside a key is reported at the map's path, as the dynamic decoders do.
                if frame.next & 1 == 1 { segments.append(segment(forKeyAt: frame.keyAt)) }
            case .object:
                if error.code == .truncated { error = Self.payloadEndsInside(error) }
            }
        }
        return error.prefixed(innermostFirst: segments)
    }

    /// A value that runs past the end of its ext payload: `malformedPortable`, at the same offset and path.
    static func payloadEndsInside(_ error: MessagePackError) -> MessagePackError {
        var malformed = PortableDecodingState.malformed(
            at: error.byteOffset, "an ext payload ends inside a value: \(error.detail)")
        malformed.path = error.path
        return malformed
    }

    /// The path segment of the map key at `offset` (only built when an error is reported).
    @inline(never)
    func segment(forKeyAt offset: Int) -> MessagePackPath.Segment {
        var keyReader = MessagePackReader(reader.bytes, offset: offset, limits: limits)
        guard let key = try? keyReader.readValue(limits: limits) else { return .otherKey("?") }
        return MessagePackReader._segment(for: key, index: 0)
    }

    /// Runs `body` with the reader bounded to an ext payload; running out of payload is `malformedPortable`.
    mutating func withPayload(end: Int, _ body: (inout Self) throws(MessagePackError) -> Void) throws(MessagePackError) {
        let full = reader
        reader = MessagePackReader(UnsafeRawBufferPointer(rebasing: full.bytes[0..<end]), offset: full.offset, limits: limits)
        do throws(MessagePackError) {
            try body(&self)
        } catch {
            reader = full
            guard error.code == .truncated else { throw error }
            throw Self.payloadEndsInside(error)
        }
        let offset = reader.offset
        reader = full
        reader.offset = offset
    }

    /// Scans a P, Q, R or G value at the cursor: an R whole (returns nil); for a P or Q, its header and type-ref,
    /// leaving the reader bounded to the payload at the start of the object's data, and returns the object's
    /// frame (``finishObject(_:)`` closes it once its data is scanned).
    mutating func scanPortable() throws(MessagePackError) -> Frame? {
        let start = reader.offset
        let (ext, byteCount) = try reader.readExtensionHeader()
        let payloadEnd = reader.offset &+ byteCount
        if ext == types.reference {
            // The usual short forms need no bounded reader; any other payload is read by the checked path.
            if let id = PortableDecodingState.shortReferenceID(reader.bytes, at: reader.offset, payloadEnd: payloadEnd) {
                try countReference(start: start)
                reader.offset = payloadEnd
                try checkReference(id, start: start)
                return nil
            }
            try withPayload(end: payloadEnd) { (this) throws(MessagePackError) in
                try this.scanReference(start: start, payloadEnd: payloadEnd)
            }
            return nil
        }
        guard ext != types.globalData else {
            reader.offset = start
            throw PortableDecodingState.malformed(
                at: start, "a global-data envelope (ext \(ext)) may only wrap a whole message")
        }
        guard index.objects.count < portableLimits.maxObjectCount else {
            reader.offset = start
            throw .limit("maxObjectCount", portableLimits.maxObjectCount, at: start)
        }
        guard depth < limits.maxDepth else {
            reader.offset = start
            throw .limit("maxDepth", limits.maxDepth, at: start)
        }
        guard byteCount > 0 else { throw PortableDecodingState.malformed(at: start, "the portable object's payload is empty") }
        let isTwoPhaseOnWire = ext == types.twoPhaseObject
        let outerEnd = reader.bytes.count
        reader = MessagePackReader(
            UnsafeRawBufferPointer(rebasing: reader.bytes[0..<payloadEnd]), offset: reader.offset, limits: limits)
        let nameIndex: Int32
        do throws(MessagePackError) {
            nameIndex = try scanTypeRef()
        } catch {
            throw error.code == .truncated ? Self.payloadEndsInside(error) : error
        }
        guard reader.offset < payloadEnd else {
            throw PortableDecodingState.malformed(
                at: start, "the portable object '\(index.names[Int(nameIndex)])' has a type-ref but no data")
        }
        let entry = index.entries[Int(nameIndex)]
        if entry == nil && !passthrough {
            let name = index.names[Int(nameIndex)]
            throw MessagePackError(
                .unknownType, at: start, "unknown portable type '\(name)'",
                hint: "register it with registry.register(YourType.self, as: \"\(name)\"), or decode with unknownTypes: .passthrough")
        }
        let publishedEarly: Bool
        switch entry?.kind {
        case .twoPhase?: publishedEarly = isTwoPhaseOnWire
        case .generic(let twoPhase)?: publishedEarly = isTwoPhaseOnWire && twoPhase
        case nil: publishedEarly = isTwoPhaseOnWire  // an opaque object is two-phase exactly when it came as Q
        default: publishedEarly = false
        }
        let id = index.objects.count
        index.objects.append(
            PortableMessageIndex.Object(
                start: start, end: payloadEnd, dataStart: reader.offset, nameIndex: nameIndex, parent: current,
                depth: Int32(depth &+ 1), isTwoPhaseOnWire: isTwoPhaseOnWire, isPublishedEarly: publishedEarly))
        state.append(0)
        let frame = Frame(
            kind: .object, total: 1, id: id, start: start, payloadEnd: payloadEnd, outerEnd: outerEnd,
            expansionBefore: expansion, parent: current, nameIndex: nameIndex, isValueType: entry?.isValueType ?? false)
        current = Int32(id)
        return frame
    }

    /// Closes an object whose data was scanned: its payload must end there; the reader gets its outer bound back.
    mutating func finishObject(_ object: Frame) throws(MessagePackError) {
        current = object.parent
        guard reader.offset == object.payloadEnd else {
            throw PortableDecodingState.malformed(
                at: reader.offset,
                "the payload of '\(index.names[Int(object.nameIndex)])' holds more than a type-ref and one data value")
        }
        reader = MessagePackReader(
            UnsafeRawBufferPointer(rebasing: message[0..<object.outerEnd]), offset: reader.offset, limits: limits)
        state[object.id] =
            1 &+ (object.isValueType ? (object.payloadEnd &- object.start) &+ (expansion &- object.expansionBefore) : 0)
    }

    /// Reads a type-ref and returns its index in the table, appending a new name (section 5).
    mutating func scanTypeRef() throws(MessagePackError) -> Int32 {
        let at = reader.offset
        let b = try reader.peekFormatByte()
        switch b {
        case 0xa0...0xbf, FormatByte.str8, FormatByte.str16, FormatByte.str32:
            let name = try reader.readString()  // validates the UTF-8
            guard !name.isEmpty else {
                throw PortableDecodingState.malformed(at: at, "a type name is a non-empty str (Spec/portable-objects.md 3.1)")
            }
            let key = ExactString(name)
            if let known = nameTable[key] { return known }
            guard index.names.count < portableLimits.maxTypeNameCount else {
                throw .limit("maxTypeNameCount", portableLimits.maxTypeNameCount, at: at)
            }
            let nameIndex = Int32(index.names.count)
            nameTable[key] = nameIndex
            index.names.append(name)
            index.entries.append(registry.entry(named: name))
            return nameIndex
        case 0x00...0x7f, 0xcc...0xd3:  // positive fixint, uint8...int64 (a signed form must hold a value >= 0)
            guard let value = try? reader.readUnsignedInteger() else {
                throw PortableDecodingState.malformed(at: at, "a type-ref index must not be negative")
            }
            guard value < UInt64(index.names.count) else {
                throw MessagePackError(
                    .typeReferenceOutOfRange, at: at,
                    "type-ref \(value) but the message has named only \(index.names.count) type(s) so far",
                    hint: "a type's name must be sent (as a string) before its index is used")
            }
            return Int32(value)
        default:
            throw PortableDecodingState.malformed(
                at: at, "a type-ref must be a string or an unsigned integer, not \(FormatByte.familyName(b))")
        }
    }

    /// Checks an R value (section 7.3, in its order) and charges the expansion budget (7.4).
    mutating func scanReference(start: Int, payloadEnd: Int) throws(MessagePackError) {
        try countReference(start: start)
        let id = try PortableDecodingState.readReferencePayload(&reader, start: start, payloadEnd: payloadEnd)
        try checkReference(id, start: start)
    }

    /// Counts one more R against `maxReferenceCount`.
    @inline(__always)
    mutating func countReference(start: Int) throws(MessagePackError) {
        referenceCount &+= 1
        guard referenceCount <= portableLimits.maxReferenceCount else {
            throw .limit("maxReferenceCount", portableLimits.maxReferenceCount, at: start)
        }
    }

    /// The checks of an R's object id (section 7.3) and its charge to the expansion budget (7.4).
    @inline(__always)
    mutating func checkReference(_ id: UInt64, start: Int) throws(MessagePackError) {
        guard id < UInt64(index.objects.count) else {
            reader.offset = start
            throw PortableDecodingState.dangling(id, count: index.objects.count, at: start)
        }
        let target = Int(id)
        let charge = state[target]
        if charge == 0 {  // still being read: an ancestor of this R
            guard index.objects[target].isPublishedEarly, !rejectsCycles else {
                reader.offset = start
                throw PortableDecodingState.incomplete(target, rejectsCycles: rejectsCycles, at: start)
            }
        } else if charge > 1 {
            expansion &+= charge &- 1
            guard expansion <= portableLimits.maxExpansion else {
                reader.offset = start
                var error = MessagePackError.limit("maxExpansion", portableLimits.maxExpansion, at: start)
                let nameIndex = Int(index.objects[target].nameIndex)
                let typeName = index.entries[nameIndex]?.type.map { "\($0)" } ?? index.names[nameIndex]
                error.detail += ": back-references to value-type objects (\(typeName)) "
                    + "decode into copies, and this message's copies add up to more than \(portableLimits.maxExpansion) bytes"
                throw error
            }
        }
    }

    /// Scans a G envelope at the top of the message (section 9.4).
    mutating func scanEnvelope() throws(MessagePackError) {
        let start = reader.offset
        let (_, byteCount) = try reader.readExtensionHeader()
        let payloadEnd = reader.offset &+ byteCount
        try withPayload(end: payloadEnd) { (this) throws(MessagePackError) in
            try this.scanEnvelopePayload(start: start, payloadEnd: payloadEnd)
        }
    }

    mutating func scanEnvelopePayload(start: Int, payloadEnd: Int) throws(MessagePackError) {
        guard depth < limits.maxDepth else { throw .limit("maxDepth", limits.maxDepth, at: start) }
        depth &+= 1
        defer { depth &-= 1 }
        let tableStart = reader.offset
        guard tableStart < payloadEnd else {
            throw PortableDecodingState.malformed(at: start, "the global-data envelope is empty; it holds a table and one body")
        }
        guard let b = try? reader.peekFormatByte(), (0x80...0x8f).contains(b) || b == FormatByte.map16 || b == FormatByte.map32
        else { throw PortableDecodingState.malformed(at: tableStart, "a global-data envelope must start with a map of string keys") }
        let count = try reader.readMapHeader()
        guard count <= portableLimits.maxGlobalDataCount else {
            throw .limit("maxGlobalDataCount", portableLimits.maxGlobalDataCount, at: tableStart)
        }
        // The table is a map, so a container one level below the envelope: its values sit two levels below
        // (Spec/portable-objects.md 9.4, "Depth").
        guard depth < limits.maxDepth else { throw .limit("maxDepth", limits.maxDepth, at: tableStart) }
        depth &+= 1
        var keys = Set<ExactString>()
        for _ in 0..<count {
            let keyAt = reader.offset
            guard let b = try? reader.peekFormatByte(), (0xa0...0xbf).contains(b) || (0xd9...0xdb).contains(b) else {
                throw PortableDecodingState.malformed(at: keyAt, "global data keys must be strings")
                    .prefixed(with: .globalData)
            }
            let key = try reader.readString()
            // Keys are compared by their bytes: "café" in NFC and in NFD are two keys (Spec/format.md, strings).
            guard keys.insert(ExactString(key)).inserted else {
                throw PortableDecodingState.malformed(at: keyAt, "global data key '\(key)' appears twice in the table")
                    .prefixed(with: .globalData)
            }
            do throws(MessagePackError) { try scanValue() } catch {
                throw error.prefixed(with: .key(key)).prefixed(with: .globalData)
            }
        }
        depth &-= 1
        guard reader.offset < payloadEnd else {
            throw PortableDecodingState.malformed(at: start, "the global-data envelope has a table but no body")
        }
        index.envelope = (start, tableStart, payloadEnd)
        index.bodyStart = reader.offset
        try scanValue()
        guard reader.offset == payloadEnd else {
            throw PortableDecodingState.malformed(at: reader.offset, "the global-data envelope holds more than a table and one body")
        }
    }
}

// MARK: Paths

extension PortableMessageIndex {
    /// The value path of the innermost value that contains `target` (a byte offset), found by walking down from
    /// the top of the message: only built when an error must be located, so it may cost a pass over the bytes.
    ///
    /// Objects add no segment of their own (their data continues the path, as in `$.kwargs.input.parent`); an
    /// offset inside a map key gives the map's path.
    func path(to target: Int, in message: UnsafeRawBufferPointer, limits: MessagePackLimits) -> MessagePackPath {
        var reader = MessagePackReader(message, limits: limits)
        var path = MessagePackPath.root
        reader.offset = bodyStart
        if let envelope, target >= envelope.tableStart, target < bodyStart {
            path = path.appending(.globalData)
            reader.offset = envelope.tableStart
        }
        while reader.offset < target {
            let start = reader.offset
            guard let b = try? reader.peekFormatByte() else { break }
            switch b {
            case 0x90...0x9f, FormatByte.array16, FormatByte.array32:
                guard let count = try? reader.readArrayHeader(), let i = Self.child(containing: target, count: count, &reader)
                else { return path }
                path = path.appending(.index(i))
            case 0x80...0x8f, FormatByte.map16, FormatByte.map32:
                guard let count = try? reader.readMapHeader() else { return path }
                var found = false
                for _ in 0..<count {
                    let keyAt = reader.offset
                    guard (try? reader.skipValue()) != nil, reader.offset <= target else { return path }
                    let valueAt = reader.offset
                    guard (try? reader.skipValue()) != nil else { return path }
                    if target < reader.offset {
                        var keyReader = MessagePackReader(message, offset: keyAt, limits: limits)
                        let key = (try? keyReader.readValue(limits: limits)) ?? .nil
                        path = path.appending(MessagePackReader._segment(for: key, index: 0))
                        reader.offset = valueAt
                        found = true
                        break
                    }
                }
                if !found { return path }
            case 0xd4...0xd8, FormatByte.ext8, FormatByte.ext16, FormatByte.ext32:
                // Inside a P or Q payload: step over the type-ref into the data.
                guard let (_, byteCount) = try? reader.readExtensionHeader(), byteCount > 0,
                    let id = objectID(at: start, hint: 0), target >= objects[id].dataStart, target < reader.offset &+ byteCount
                else { return path }
                reader.offset = objects[id].dataStart
            default:
                return path
            }
        }
        return path
    }

    /// Skips elements until the one containing `target`; the reader ends at its start.
    static func child(containing target: Int, count: Int, _ reader: inout MessagePackReader) -> Int? {
        for i in 0..<count {
            let elementAt = reader.offset
            guard (try? reader.skipValue()) != nil else { return nil }
            if target < reader.offset {
                reader.offset = elementAt
                return i
            }
        }
        return nil
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWire
import PortableWireWorkloads

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the benchmark workloads now: a quick version of Benchmarks/RESULTS.md.",
        discussion: """
            Runs every workload of Benchmarks/ through PortableWire's typed fast path, dynamic value and Codable \
            coders, and Foundation's JSON coders, and prints the median time per operation. Build in release \
            (`swift run -c release pwire bench`). The comparison with msgpack-c needs a C toolchain and lives in \
            the Benchmarks package: `cd Benchmarks && swift package benchmark`.
            """)

    @Option(help: "Seconds spent on each cell of the table.")
    var seconds = 0.2

    @Option(help: "Only workloads whose name contains this text.")
    var filter: String?

    @Option(help: "Only this column (typed, reused, dynamic, Codable, portable, JSON, memcpy).")
    var column: String?

    @Option(help: "Run each cell exactly this many times instead of for a duration (for instruction counters).")
    var iterations: Int?

    func run() throws {
        #if DEBUG
        print("note: this is a debug build; for real numbers run `swift run -c release pwire bench`\n")
        #endif
        var table = BenchTable(seconds: seconds, filter: filter, column: column, iterations: iterations)
        try table.runAll()
        print(table.render())
    }
}

/// Times closures and collects rows of the quick table.
struct BenchTable {
    let seconds: Double
    let filter: String?
    let column: String?
    let iterations: Int?
    var rows: [(workload: String, bytes: Int, cells: [String: Duration])] = []
    static let columns = ["typed", "reused", "4 KiB chunks", "dynamic", "Codable", "portable", "JSON", "memcpy"]

    init(seconds: Double, filter: String?, column: String?, iterations: Int? = nil) {
        self.iterations = iterations
        self.seconds = seconds
        self.filter = filter
        self.column = column
    }

    /// The median time of one call of `body`, over batches sized to take about a millisecond each.
    func time(_ body: () throws -> Void) rethrows -> Duration {
        let clock = ContinuousClock()
        if let iterations {
            return try clock.measure { for _ in 0..<iterations { try body() } } / max(iterations, 1)
        }
        var batch = 1
        while true {
            let elapsed = try clock.measure { for _ in 0..<batch { try body() } }
            if elapsed > .milliseconds(1) || batch >= 1 << 20 { break }
            batch *= 4
        }
        var samples: [Duration] = []
        let deadline = clock.now.advanced(by: .milliseconds(Int64(seconds * 1000)))
        repeat {
            let elapsed = try clock.measure { for _ in 0..<batch { try body() } }
            samples.append(elapsed / batch)
        } while clock.now < deadline || samples.count < 5
        samples.sort()
        return samples[samples.count / 2]
    }

    mutating func add(_ workload: String, bytes: Int, _ cells: [(String, () throws -> Void)]) throws {
        if let filter, !workload.contains(filter) { return }
        var timed: [String: Duration] = [:]
        for (name, body) in cells where column == nil || column == name { timed[name] = try time(body) }
        rows.append((workload, bytes, timed))
    }

    /// The encode and decode rows of a value every route can carry: typed (one-shot and into a reused writer),
    /// dynamic, Codable and JSON, and the `portable` cells when given.
    ///
    /// Inlined, so that each call site is specialised: a generic cell would time unspecialised code (a value
    /// witness per field to free each decoded record), not the library.
    @inline(__always)
    mutating func addValueRows<T: MessagePackCodable & Codable & Equatable>(
        _ name: String, _ value: T, _ encoder: MessagePackEncoder, _ decoder: MessagePackDecoder,
        portable: (encode: () throws -> Void, decode: () throws -> Void)? = nil
    ) throws {
        let json = JSONEncoder()
        let jsonDecoder = JSONDecoder()
        var reused = MessagePackWriter(capacity: 1 << 16)
        let bytes = value.messagePackBytes()
        let dynamic = try MessagePackValue(decoding: bytes)
        let jsonBytes = try json.encode(value)
        try check(try T(messagePack: bytes) == value && encoder.encode(value) == bytes, name)
        var encoding: [(String, () throws -> Void)] = [
            ("typed", { _ = value.messagePackBytes() }),
            ("reused", { reused.removeAll(); value.encode(to: &reused) }),
            ("dynamic", { _ = dynamic.encoded() }),
            ("Codable", { _ = try encoder.encode(value) }),
            ("JSON", { _ = try json.encode(value) }),
        ]
        var decoding: [(String, () throws -> Void)] = [
            ("typed", { _ = try T(messagePack: bytes) }),
            ("dynamic", { _ = try MessagePackValue(decoding: bytes) }),
            ("Codable", { _ = try decoder.decode(T.self, from: bytes) }),
            ("JSON", { _ = try jsonDecoder.decode(T.self, from: jsonBytes) }),
        ]
        if let portable {
            encoding.append(("portable", portable.encode))
            decoding.append(("portable", portable.decode))
        }
        try add("\(name) encode", bytes: bytes.count, encoding)
        try add("\(name) decode", bytes: bytes.count, decoding)
    }

    /// The rows of one million numbers of one type: typed and Codable, encoding and decoding.
    @inline(__always)
    mutating func addNumberRows<T: MessagePackCodable & Codable & Equatable>(
        _ name: String, _ values: [T], _ encoder: MessagePackEncoder, _ decoder: MessagePackDecoder
    ) throws {
        let bytes = values.messagePackBytes()
        try check(try [T](messagePack: bytes) == values, "\(name) values")
        try add("1M \(name) encode", bytes: bytes.count, [
            ("typed", { _ = values.messagePackBytes() }), ("Codable", { _ = try encoder.encode(values) }),
        ])
        try add("1M \(name) decode", bytes: bytes.count, [
            ("typed", { _ = try [T](messagePack: bytes) }),
            ("Codable", { _ = try decoder.decode([T].self, from: bytes) }),
        ])
    }

    mutating func runAll() throws {
        let encoder = MessagePackEncoder()
        let decoder = MessagePackDecoder()
        let registry = try Workloads.registry()
        let portableEncoder = PortableEncoder(registry: registry)
        let portableDecoder = PortableDecoder(registry: registry)

        if wants("task") { try addValueRows("task", Workloads.task(), encoder, decoder) }
        if wants("records") {
            let records = Workloads.records()
            let portableRecords = records.map(PortablePerson.init)
            let portableBytes = try portableEncoder.encode(portableRecords)
            try addValueRows(
                "records", records, encoder, decoder,
                portable: (
                    { _ = try portableEncoder.encode(portableRecords) },
                    { _ = try portableDecoder.decode([PortablePerson].self, from: portableBytes) }
                ))
        }
        if wants("Int64") { try addNumberRows("Int64", Workloads.int64s(), encoder, decoder) }
        if wants("Double") { try addNumberRows("Double", Workloads.doubles(), encoder, decoder) }
        if wants("bin") {
            let blob = Workloads.blob()
            var blobWriter = MessagePackWriter(capacity: blob.count + 5)
            blobWriter.writeBinary(blob)
            let blobBytes = blobWriter.finish()
            let copy = { _ = blob.withUnsafeBytes { [UInt8]($0) } }
            try add("16 MiB bin encode", bytes: blobBytes.count, [
                ("typed", {
                    var writer = MessagePackWriter(capacity: blob.count + 5)
                    writer.writeBinary(blob)
                    _ = writer.finish()
                }),
                ("memcpy", copy),
            ])
            try add("16 MiB bin decode", bytes: blobBytes.count, [
                ("typed", { _ = try blobBytes.withUnsafeBytes { raw in var r = MessagePackReader(raw); return try r.readBinary() } }),
                ("memcpy", copy),
            ])
        }
        if wants("stream") {
            // 8 MiB of task messages back to back: fed in 4 KiB chunks, and decoded in one piece.
            let one = Workloads.task().messagePackBytes()
            let stream = [[UInt8]](repeating: one, count: (8 << 20) / one.count).flatMap { $0 }
            func chunked() throws {
                var decoder = MessagePackStreamDecoder()
                try stream.withUnsafeBytes { raw in
                    var start = 0
                    while start < raw.count {
                        decoder.feed(UnsafeRawBufferPointer(rebasing: raw[start..<min(start + 4096, raw.count)]))
                        start += 4096
                        while let call = try decoder.next(TaskCall.self) { _ = call }
                    }
                }
                try decoder.finish()
            }
            func oneShot() throws {
                try stream.withUnsafeBytes { raw in
                    var reader = MessagePackReader(raw)
                    while !reader.isAtEnd { _ = try TaskCall(from: &reader) }
                }
            }
            try add("8 MiB task stream decode", bytes: stream.count, [("typed", oneShot), ("4 KiB chunks", chunked)])
        }
        if wants("refs") {
            let shared = Workloads.sharedPersons()
            let sharedBytes = try portableEncoder.encode(shared)
            try add("1,000 refs to 10 objects encode", bytes: sharedBytes.count, [
                ("portable", { _ = try portableEncoder.encode(shared) }),
            ])
            try add("1,000 refs to 10 objects decode", bytes: sharedBytes.count, [
                ("portable", { _ = try portableDecoder.decode([PersonObject].self, from: sharedBytes) }),
            ])
        }
        if wants("polymorphic") {
            // 300 objects of three types in one dynamic array, decoded without knowing which comes where.
            let people = Workloads.records(count: 300, seed: 7)
            let shared = Workloads.sharedPersons()
            let rows = Workloads.personRows()
            let mixed: PortableValue = .array((0..<300).map { i -> PortableValue in
                switch i % 3 {
                case 0: .object(PortablePerson(people[i]))
                case 1: .object(shared[i % 10])
                default: .object(rows[i])
                }
            })
            let mixedBytes = try portableEncoder.encode(mixed)
            try add("300 polymorphic objects encode", bytes: mixedBytes.count, [
                ("portable", { _ = try portableEncoder.encode(mixed) }),
            ])
            try add("300 polymorphic objects decode", bytes: mixedBytes.count, [
                ("portable", { _ = try portableDecoder.decode(from: mixedBytes) }),
            ])
        }
        if wants("global data") {
            let rows = Workloads.personRows()
            let rowBytes = try portableEncoder.encode(any: rows)
            try add("1,000 rows, global data encode", bytes: rowBytes.count, [
                ("portable", { _ = try portableEncoder.encode(any: rows) }),
            ])
            try add("1,000 rows, global data decode", bytes: rowBytes.count, [
                ("portable", { _ = try portableDecoder.decode([PersonRow].self, from: rowBytes) }),
            ])
        }
    }

    /// Whether any row of a workload whose names contain `name` passes the filter (fixtures are built only then).
    func wants(_ name: String) -> Bool {
        guard let filter else { return true }
        return ["encode", "decode"].contains { "\(name) \($0)".contains(filter) || filter.contains(name) }
            || name.contains(filter)
    }

    func check(_ ok: Bool, _ workload: String) throws {
        guard ok else { throw CLIError("the \(workload) workload does not round-trip; the timings would mean nothing") }
    }

    func render() -> String {
        let used = Self.columns.filter { c in rows.contains { $0.cells[c] != nil } }
        let header = ["workload", "bytes"] + used.map { "\($0)" }
        var lines = [header]
        for row in rows {
            lines.append([row.workload, "\(row.bytes)"] + used.map { row.cells[$0].map(Self.format) ?? "–" })
        }
        let widths = header.indices.map { i in lines.map { $0[i].count }.max() ?? 0 }
        var out = lines.map { line in
            line.enumerated().map { i, cell in
                i == 0 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - cell.count) + cell
            }.joined(separator: "  ")
        }
        out.insert(String(repeating: "-", count: out[0].count), at: 1)
        out.append("\nmedian time per operation; msgpack-c ratios: cd Benchmarks && swift package benchmark (see RESULTS.md)")
        return out.joined(separator: "\n")
    }

    static func format(_ d: Duration) -> String {
        let ns = Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9
        if ns < 1_000 { return String(format: "%.0f ns", ns) }
        if ns < 1_000_000 { return String(format: "%.1f µs", ns / 1_000) }
        return String(format: "%.2f ms", ns / 1_000_000)
    }
}

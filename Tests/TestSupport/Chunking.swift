// SPDX-License-Identifier: Apache-2.0
import PortableWireWorkloads

/// A small, seeded pseudo-random generator, so random splits are the same on every run: the workloads' SplitMix64
/// (wrapped, so that test files need not import the workloads).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    var base: SplitMix64
    public init(seed: UInt64) { base = SplitMix64(seed: seed) }
    public mutating func next() -> UInt64 { base.next() }
}

/// The ways the streaming tests cut a stream: whole, one byte at a time, and at random points.
public enum Chunking: CustomStringConvertible, Sendable, CaseIterable {
    case whole
    case byteByByte
    /// 1,000 distinct cut points from a seeded generator (fewer when the stream is shorter).
    case randomSplits

    public var description: String {
        switch self {
        case .whole: "whole"
        case .byteByByte: "byte by byte"
        case .randomSplits: "1,000 random splits"
        }
    }

    /// `bytes` cut into chunks this way (random cuts seeded by `seed`).
    public func chunks(of bytes: [UInt8], seed: UInt64 = 0x5eed) -> [[UInt8]] {
        switch self {
        case .whole:
            return [bytes]
        case .byteByByte:
            return bytes.map { [$0] }
        case .randomSplits:
            return randomChunks(of: bytes, cuts: 1000, seed: seed)
        }
    }
}

/// `bytes` cut at `cuts` distinct random points (all points when there are fewer).
public func randomChunks(of bytes: [UInt8], cuts: Int, seed: UInt64) -> [[UInt8]] {
    guard bytes.count > 1 else { return [bytes] }
    var generator = SeededGenerator(seed: seed)
    var points = Set<Int>()
    let wanted = min(cuts, bytes.count - 1)
    while points.count < wanted { points.insert(Int.random(in: 1..<bytes.count, using: &generator)) }
    var chunks: [[UInt8]] = []
    var start = 0
    for point in points.sorted() {
        chunks.append(Array(bytes[start..<point]))
        start = point
    }
    chunks.append(Array(bytes[start...]))
    return chunks
}

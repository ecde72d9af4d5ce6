// swift-tools-version: 6.2
// SPDX-License-Identifier: Apache-2.0
//
// PortableWire's benchmarks, a package of their own so the library's build stays light.
// Run from this folder: `swift package benchmark` (see README.md). Needs Debian's libmsgpack-dev.
import Foundation
import PackageDescription

// The library is the parent folder. SwiftPM names a path dependency after its folder, so the name is
// read here rather than written down: a checkout called anything at all still resolves.
let rootPackage = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

let suiteDependencies: [Target.Dependency] = [
    .product(name: "Benchmark", package: "benchmark"),
    .product(name: "PortableWire", package: rootPackage),
    .product(name: "PortableWireWorkloads", package: rootPackage),
    .product(name: "PortableWireMacros", package: rootPackage),
    "MsgPackCBaseline",
    "BenchmarkSupport",
]

let suiteSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let suites = ["CoreBenchmarks", "CodableBenchmarks", "PortableBenchmarks", "StreamingBenchmarks"]

let package = Package(
    name: "PortableWireBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        // The `Macros` trait: the macro-route rows (`@MessagePackCodable` types in BenchmarkSupport).
        .package(path: "..", traits: ["Macros"]),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        // msgpack-c, the C reference, linked from the system (Debian: libmsgpack-dev).
        .systemLibrary(name: "CMsgPack", pkgConfig: "msgpack", providers: [.apt(["libmsgpack-dev"])]),
        // The workloads written against msgpack-c's API, as a C program would.
        .target(name: "MsgPackCBaseline", dependencies: ["CMsgPack"]),
        // Fixtures (built once, cross-checked against msgpack-c) and the C bridging, shared by the suites.
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                .product(name: "PortableWire", package: rootPackage),
                .product(name: "PortableWireWorkloads", package: rootPackage),
                .product(name: "PortableWireMacros", package: rootPackage),
                "MsgPackCBaseline",
            ]),
        // Runs one route of one workload N times, for `valgrind --tool=callgrind` (Scripts/instructions.sh):
        // instruction counts per operation do not move with the machine's load, unlike times.
        .executableTarget(
            name: "InstructionCounts", dependencies: suiteDependencies, path: "Sources/InstructionCounts",
            swiftSettings: suiteSettings),
    ] + suites.map { suite in
        // A suite is `Benchmarks/<name>/`, run by package-benchmark's plugin.
        .executableTarget(
            name: suite, dependencies: suiteDependencies, path: "Benchmarks/\(suite)", swiftSettings: suiteSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")])
    },
    swiftLanguageModes: [.v6]
)

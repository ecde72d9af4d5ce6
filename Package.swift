// swift-tools-version: 6.2
// SPDX-License-Identifier: Apache-2.0
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "PortableWire",
    products: [
        .library(name: "PortableWire", targets: ["PortableWire"]),
        .library(name: "MessagePack", targets: ["MessagePack"]),
        .executable(name: "pwire", targets: ["pwire"]),
        // The benchmark workloads, shared by `pwire bench` and the Benchmarks package.
        .library(name: "PortableWireWorkloads", targets: ["PortableWireWorkloads"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The format itself: reader, writer, dynamic value, plain Codable coders. No Foundation.
        .target(name: "MessagePack", swiftSettings: upcoming),
        // Portable objects, global data, back-references, Foundation interop.
        .target(name: "PortableWire", dependencies: ["MessagePack"], swiftSettings: upcoming),
        // The Spec's JSON notation and the conformance runner, shared by `pwire` and the tests.
        .target(name: "PortableWireConformance", dependencies: ["PortableWire"], swiftSettings: upcoming),
        // Deterministic benchmark fixtures with hand-written typed conformances.
        .target(name: "PortableWireWorkloads", dependencies: ["PortableWire"], swiftSettings: upcoming),
        .executableTarget(
            name: "pwire",
            dependencies: [
                "PortableWire", "PortableWireConformance", "PortableWireWorkloads",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: upcoming
        ),
        .target(name: "TestSupport", dependencies: ["PortableWireConformance"], path: "Tests/TestSupport", swiftSettings: upcoming),
        .testTarget(name: "MessagePackTests", dependencies: ["MessagePack"], swiftSettings: upcoming),
        .testTarget(name: "PortableWireTests", dependencies: ["PortableWire", "TestSupport"], swiftSettings: upcoming),
        .testTarget(
            name: "ConformanceTests", dependencies: ["PortableWireConformance", "TestSupport"], swiftSettings: upcoming),
        .testTarget(name: "pwireTests", dependencies: ["pwire", "TestSupport"], swiftSettings: upcoming),
    ],
    swiftLanguageModes: [.v6]
)

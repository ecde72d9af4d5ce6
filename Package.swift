// swift-tools-version: 6.2
// SPDX-License-Identifier: Apache-2.0
import CompilerPluginSupport
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// Integrations sit behind package traits, so a package that uses only `PortableWire` or `MessagePack` resolves and
// builds none of their dependencies: a dependency used only under `.when(traits: [...])` is not resolved while the
// trait is off. Turn one on where you add the package: `.package(url: …, from: …, traits: ["NIO"])`.
// Inside this checkout, tests run with every trait: `swift test --enable-all-traits` (Tests/run-all.sh).
let nio: TargetDependencyCondition? = .when(traits: ["NIO"])
let hummingbird: TargetDependencyCondition? = .when(traits: ["Hummingbird"])
let grpc: TargetDependencyCondition? = .when(traits: ["GRPC"])
let macros: TargetDependencyCondition? = .when(traits: ["Macros"])

/// A product of an integration's package, resolved only while its trait is on.
func nioProduct(_ name: String) -> Target.Dependency { .product(name: name, package: "swift-nio", condition: nio) }
func grpcProduct(_ name: String, package: String = "grpc-swift-2") -> Target.Dependency {
    .product(name: name, package: package, condition: grpc)
}
func hummingbirdProduct(_ name: String) -> Target.Dependency {
    .product(name: name, package: "hummingbird", condition: hummingbird)
}
func syntaxProduct(_ name: String) -> Target.Dependency {
    .product(name: name, package: "swift-syntax", condition: macros)
}
let grpcTransport = grpcProduct("GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport")

let package = Package(
    name: "PortableWire",
    products: [
        .library(name: "PortableWire", targets: ["PortableWire"]),
        .library(name: "MessagePack", targets: ["MessagePack"]),
        .executable(name: "pwire", targets: ["pwire"]),
        // The benchmark workloads, shared by `pwire bench` and the Benchmarks package.
        .library(name: "PortableWireWorkloads", targets: ["PortableWireWorkloads"]),
        // SwiftNIO channel handlers; only users of this product pull in NIO.
        .library(name: "PortableWireNIO", targets: ["PortableWireNIO"]),
        // Hummingbird request decoder and response encoder; only users of this product pull in Hummingbird.
        .library(name: "PortableWireHummingbird", targets: ["PortableWireHummingbird"]),
        // gRPC message serializer and deserializer (grpc-swift 2); only users of this product pull in gRPC.
        .library(name: "PortableWireGRPC", targets: ["PortableWireGRPC"]),
        // The example task service (a NIO TCP server answering Celery-style task calls; with the GRPC trait also
        // a gRPC service, `--grpc-port`).
        .executable(name: "pwire-task-service", targets: ["TaskServiceExample"]),
        // `@MessagePackCodable` and `@Portable("name")`: generated typed conformances. Needs the `Macros` trait,
        // which is off by default, so that users of the core never build swift-syntax.
        .library(name: "PortableWireMacros", targets: ["PortableWireMacros"]),
    ],
    traits: [
        .trait(name: "NIO", description: "PortableWireNIO: SwiftNIO channel handlers, and the example task service."),
        .trait(
            name: "Hummingbird", description: "PortableWireHummingbird: request decoder and response encoder.",
            enabledTraits: ["NIO"]),
        .trait(
            name: "GRPC",
            description: "PortableWireGRPC: gRPC serializer and deserializer; the example service's gRPC front.",
            enabledTraits: ["NIO"]),
        .trait(name: "Macros", description: "The PortableWireMacros product (builds swift-syntax)."),
        .default(enabledTraits: []),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        // gRPC (trait `GRPC`): the core for PortableWireGRPC, the HTTP/2 transport for the example service and tests.
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        // `swift package generate-documentation` (the DocC step of .ci/run). A plugin no target uses: SwiftPM
        // does not resolve it for packages that depend on this one (Tests/Scripts/check-lean-dependencies.sh).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // Property tests only (Tests/PropertyTests).
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        // The macro implementation only (trait `Macros`).
        .package(url: "https://github.com/swiftlang/swift-syntax", "600.0.1"..<"604.0.0"),
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
                // No package dependencies: SwiftPM resolves those of every executable product for every user of
                // the library (Sources/pwire/Arguments/ArgumentParsing.swift says more).
                "PortableWire", "PortableWireConformance", "PortableWireWorkloads",
            ],
            swiftSettings: upcoming
        ),
        // SwiftNIO: frame decoder and encoder handlers. The only library target that imports NIOCore.
        .target(
            name: "PortableWireNIO",
            dependencies: ["PortableWire", nioProduct("NIOCore")],
            swiftSettings: upcoming
        ),
        // Hummingbird: request decoder and response encoder for `application/x-portablewire`.
        .target(
            name: "PortableWireHummingbird",
            dependencies: [
                "PortableWire",
                hummingbirdProduct("Hummingbird"),
                nioProduct("NIOCore"),
            ],
            swiftSettings: upcoming
        ),
        // gRPC: `MessageSerializer`/`MessageDeserializer` for Codable, Portable and PortableValue messages. Only
        // GRPCCore (grpc-swift-2 and swift-collections): the transport is the user's choice.
        .target(
            name: "PortableWireGRPC",
            dependencies: ["PortableWire", grpcProduct("GRPCCore")],
            swiftSettings: upcoming
        ),
        // The example task service as a library, so tests can run it in-process.
        .target(
            name: "TaskServiceCore",
            dependencies: [
                "PortableWire", "PortableWireNIO", nioProduct("NIOCore"), nioProduct("NIOPosix"),
                .target(name: "PortableWireGRPC", condition: grpc), grpcProduct("GRPCCore"), grpcTransport,
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "TaskServiceExample",
            dependencies: ["TaskServiceCore", nioProduct("NIOPosix")],
            swiftSettings: upcoming
        ),
        .target(
            name: "TestSupport", dependencies: ["MessagePack", "PortableWireConformance", "PortableWireWorkloads"],
            path: "Tests/TestSupport", swiftSettings: upcoming),
        .testTarget(name: "MessagePackTests", dependencies: ["MessagePack", "TestSupport"], swiftSettings: upcoming),
        .testTarget(name: "PortableWireTests", dependencies: ["PortableWire", "TestSupport"], swiftSettings: upcoming),
        .testTarget(
            name: "ConformanceTests", dependencies: ["PortableWireConformance", "TestSupport"], exclude: ["Scripts"],
            swiftSettings: upcoming),
        .testTarget(
            name: "PortableWireNIOTests",
            dependencies: ["PortableWireNIO", "TestSupport"] + ["NIOCore", "NIOEmbedded", "NIOPosix"].map(nioProduct),
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "PortableWireHummingbirdTests",
            dependencies: [
                "PortableWireHummingbird", "TestSupport", hummingbirdProduct("Hummingbird"),
                hummingbirdProduct("HummingbirdTesting"), nioProduct("NIOCore"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "TaskServiceExampleTests",
            dependencies: [
                // The executable too, so that `swift test` builds the binary that one test launches.
                "TaskServiceCore", "TaskServiceExample", "TestSupport",
                nioProduct("NIOPosix"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "PortableWireGRPCTests",
            dependencies: ["PortableWireGRPC", "TaskServiceCore", "TestSupport", grpcProduct("GRPCCore"), grpcTransport],
            swiftSettings: upcoming
        ),
        .testTarget(name: "pwireTests", dependencies: ["pwire", "TestSupport"], swiftSettings: upcoming),
        // Random value trees, prefixes, bit flips: properties every decoder must hold (issue 7).
        .testTarget(
            name: "PropertyTests",
            dependencies: [
                "PortableWire", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: upcoming
        ),
        // The macros: an implementation on swift-syntax (a compiler plugin), declared by a thin library.
        .macro(
            name: "PortableWireMacrosPlugin",
            dependencies: [
                "SwiftSyntax", "SwiftSyntaxMacros", "SwiftSyntaxBuilder", "SwiftParser", "SwiftCompilerPlugin",
                "SwiftDiagnostics",
            ].map(syntaxProduct),
            swiftSettings: upcoming
        ),
        .target(
            name: "PortableWireMacros",
            dependencies: ["PortableWire", .target(name: "PortableWireMacrosPlugin", condition: macros)],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "PortableWireMacrosTests",
            dependencies: [
                "PortableWire", "TestSupport",
                .target(name: "PortableWireMacros", condition: macros),
                .target(name: "PortableWireMacrosPlugin", condition: macros),
                syntaxProduct("SwiftSyntaxMacrosGenericTestSupport"),
                syntaxProduct("SwiftSyntaxMacroExpansion"),
                syntaxProduct("SwiftSyntax"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: upcoming
        ),
    ],
    swiftLanguageModes: [.v6]
)

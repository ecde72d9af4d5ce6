// swift-tools-version: 6.2
// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer targets for PortableWire's decoders, a package of their own because they are built with
// sanitizer flags (see FUZZING.md at the root of this package):
//
//     swift build -c release --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address
//     .build/release/FuzzDecode -malloc_limit_mb=64 corpus/decode /tmp/seed
import Foundation
import PackageDescription

// The library is two folders up; SwiftPM names a path dependency after its folder, so read the name.
let rootPackage = URL(fileURLWithPath: Context.packageDirectory)
    .deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let common: [Target.Dependency] = [.product(name: "PortableWire", package: rootPackage), "FuzzCommon"]

let package = Package(
    name: "PortableWireFuzz",
    dependencies: [.package(path: "../..")],
    targets: [
        .target(name: "FuzzCommon", dependencies: [.product(name: "PortableWire", package: rootPackage)]),
        .executableTarget(name: "FuzzDecode", dependencies: common),
        .executableTarget(name: "FuzzStream", dependencies: common),
        .executableTarget(name: "FuzzPortable", dependencies: common),
        .executableTarget(name: "FuzzRoundTrip", dependencies: common),
    ],
    swiftLanguageModes: [.v6]
)

// SPDX-License-Identifier: Apache-2.0
// PortableWireHummingbird is empty without the package trait Hummingbird, which brings in its dependencies (Package.swift).
#if !Hummingbird
#warning(
    "PortableWireHummingbird needs the package trait Hummingbird. In your Package.swift: .package(url: …, from: …, traits: [\"Hummingbird\"]). In this checkout: swift build --traits Hummingbird; tests: swift test --enable-all-traits, or Tests/run-all.sh"
)
#endif

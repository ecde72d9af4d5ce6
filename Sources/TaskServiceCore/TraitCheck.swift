// SPDX-License-Identifier: Apache-2.0
// TaskServiceCore is empty without the package trait NIO, which brings in its dependencies (Package.swift).
#if !NIO
#warning(
    "TaskServiceCore needs the package trait NIO. In your Package.swift: .package(url: …, from: …, traits: [\"NIO\"]). In this checkout: swift build --traits NIO; tests: swift test --enable-all-traits, or Tests/run-all.sh"
)
#endif

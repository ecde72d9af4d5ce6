// SPDX-License-Identifier: Apache-2.0
// PortableWireGRPC is empty without the package trait GRPC, which brings in its dependencies (Package.swift).
#if !GRPC
#warning(
    "PortableWireGRPC needs the package trait GRPC. In your Package.swift: .package(url: …, from: …, traits: [\"GRPC\"]). In this checkout: swift build --traits GRPC; tests: swift test --traits GRPC --filter PortableWireGRPCTests, or Tests/run-all.sh"
)
#endif

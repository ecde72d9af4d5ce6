#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A package that uses only the core resolves and builds no integration (issue 15).
#
# Writes throwaway consumer packages that depend on this checkout by path (one for `PortableWire`, one for
# `MessagePack`, one for `PortableWireNIO` with the NIO trait, one for `PortableWireGRPC` with the GRPC trait), asks
# SwiftPM what each resolved (`swift package show-dependencies --format json`), and fails if a core-only consumer
# resolved any package at all (so no NIO, Hummingbird, gRPC, swift-syntax, property-testing, argument-parser or DocC
# plugin), if the NIO consumer did not get swift-nio or got Hummingbird or gRPC, or if the gRPC consumer did not get
# grpc-swift-2 or got Hummingbird or swift-syntax. The two core-only consumers are then built and run.
# The consumers live in .build-consumer/ (ignored by git), so a second run builds incrementally.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work="$root/.build-consumer"
identity=$(basename "$root" | tr '[:upper:]' '[:lower:]')
mkdir -p "$work"

# consumer NAME PRODUCT TRAITS SOURCE
consumer() {
    local name=$1 product=$2 traits=$3 source=$4
    mkdir -p "$work/$name/Sources/$name"
    cat > "$work/$name/Package.swift" <<MANIFEST
// swift-tools-version: 6.2
import PackageDescription
let package = Package(
    name: "$name",
    dependencies: [.package(path: "$root"$traits)],
    targets: [.executableTarget(name: "$name", dependencies: [.product(name: "$product", package: "$identity")])]
)
MANIFEST
    printf '%s\n' "$source" > "$work/$name/Sources/$name/main.swift"
}

consumer CoreOnly PortableWire "" 'import PortableWire
struct Point: Codable { var x: Int; var y: Int }
let bytes = try MessagePackEncoder().encode(Point(x: 1, y: 2))
print(bytes.map { String($0, radix: 16) }.joined(separator: " "))'
consumer MessagePackOnly MessagePack "" 'import MessagePack
func message() -> [UInt8] {
    var writer = MessagePackWriter()
    writer.writeArrayHeader(count: 2)
    writer.write(1)
    writer.write("a")
    return writer.finish()
}
print(try MessagePackValue(decoding: message()))'
consumer WithNIO PortableWireNIO ', traits: ["NIO"]' 'import PortableWireNIO'
consumer WithGRPC PortableWireGRPC ', traits: ["GRPC"]' 'import PortableWireGRPC'

# The identities of every package a consumer resolved, one a line, without the consumer and this checkout.
resolved() {
    (cd "$work/$1" && swift package show-dependencies --format json 2>/dev/null) | python3 -c '
import json, sys
def walk(node):
    for d in node.get("dependencies", []):
        yield d["identity"]
        yield from walk(d)
root = json.load(sys.stdin)
for identity in sorted(set(walk(root)) - {sys.argv[1]}):
    print(identity)
' "$identity"
}

status=0
for name in CoreOnly MessagePackOnly; do
    list=$(resolved "$name")
    count=$(printf '%s' "$list" | grep -c . || true)
    echo "$name: $count package(s) resolved besides PortableWire${list:+: $(echo $list)}"
    if (( count != 0 )); then
        echo "FAIL: a consumer of only $name must resolve nothing else" >&2
        status=1
    fi
done

list=$(resolved WithNIO)
echo "WithNIO: $(printf '%s' "$list" | grep -c . || true) package(s) resolved: $(echo $list)"
grep -qx swift-nio <<<"$list" || { echo "FAIL: the NIO trait did not bring in swift-nio" >&2; status=1; }
for unwanted in hummingbird swift-syntax swift-property-based swift-argument-parser grpc-swift-2; do
    if grep -qx "$unwanted" <<<"$list"; then echo "FAIL: the NIO trait alone resolved $unwanted" >&2; status=1; fi
done

list=$(resolved WithGRPC)
echo "WithGRPC: $(printf '%s' "$list" | grep -c . || true) package(s) resolved: $(echo $list)"
grep -qx grpc-swift-2 <<<"$list" || { echo "FAIL: the GRPC trait did not bring in grpc-swift-2" >&2; status=1; }
for unwanted in hummingbird swift-syntax swift-property-based swift-argument-parser; do
    if grep -qx "$unwanted" <<<"$list"; then echo "FAIL: the GRPC trait resolved $unwanted" >&2; status=1; fi
done

for name in CoreOnly MessagePackOnly; do
    output=$(cd "$work/$name" && swift run -q "$name")
    echo "$name builds and runs: $output"
done
[[ $(cd "$work/CoreOnly" && swift run -q CoreOnly) == "82 a1 78 1 a1 79 2" ]] || { echo "FAIL: CoreOnly printed the wrong bytes" >&2; status=1; }
[[ $(cd "$work/MessagePackOnly" && swift run -q MessagePackOnly) == '[1, "a"]' ]] || { echo "FAIL: MessagePackOnly printed the wrong value" >&2; status=1; }
exit $status

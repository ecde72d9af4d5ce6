#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Instructions per operation for the task and records rows, by valgrind's callgrind (deterministic, unlike times):
# each route runs N times and 0 times; the difference divided by N is one operation's count. Also encode into a
# reused writer (macro-reused), 1M doubles and the 16 MiB blob encode, and 8 MiB of task messages decoded one-shot
# against fed in 4 KiB chunks through the stream decoder's typed `next(TaskCall.self)`.
#
#     swift build -c release --product InstructionCounts && Scripts/instructions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# valgrind 3.19 (Debian 12) cannot read the DWARF that Swift 6.3 writes ("Possibly corrupted debuginfo file"), so it
# runs a stripped copy (next to the original, whose $ORIGIN rpath finds the benchmark's shared libraries).
binary=.build/release/InstructionCounts-stripped
strip -o "$binary" .build/release/InstructionCounts
export SWIFT_DETERMINISTIC_HASHING=1
count() {  # workload direction route iterations -> total instructions
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$@" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
# One table row: a route's instructions per operation (N runs minus 0 runs, divided by N) and its ratio to the first
# route of its group (set base="" to start a group), the ratio followed by `suffix` ("× plain", "× one-shot").
row() {  # workload direction route N [label] [suffix]
    local full empty per ratio
    full=$(count "$1" "$2" "$3" "$4")
    empty=$(count "$1" "$2" "$3" 0)
    per=$(( (full - empty) / $4 ))
    [[ -z $base ]] && base=$per
    ratio=$(python3 -c "print(f'{$per / $base:.2f}')")
    printf '| %s | %s | %s | %s | %s%s |\n' "${5:-$1}" "$2" "$3" "$per" "$ratio" "${6:-}"
}
printf '| workload | direction | route | instructions/op | × msgpack-c |\n|---|---|---|---:|---:|\n'
for workload in task records; do
    n=$([[ $workload == task ]] && echo 2000 || echo 10)
    for direction in encode decode; do
        base=""
        routes="msgpack-c macro typed codable"
        [[ $direction == encode ]] && routes="$routes macro-reused"
        for route in $routes; do row "$workload" "$direction" "$route" "$n"; done
    done
done
# The dynamic value against msgpack-c's dynamic msgpack_object.
for workload in task records; do
    n=$([[ $workload == task ]] && echo 2000 || echo 10)
    for direction in encode decode; do
        base=""
        for route in msgpack-c-dynamic dynamic; do row "$workload" "$direction" "$route" "$n"; done
    done
done
for direction in encode decode; do
    base=""
    routes="plain portable macro"
    [[ $direction == encode ]] && routes="$routes macro-reused"
    for route in $routes; do row portable-records "$direction" "$route" 10 portable-records "× plain"; done
done
# 1M doubles and the 16 MiB blob, encode (N = 3); the stream: 8 MiB of task messages (N = 2), against one-shot.
for workload in doubles blob; do
    base=""
    routes="msgpack-c typed typed-reused"
    [[ $workload == blob ]] && routes="$routes memcpy"
    for route in $routes; do row "$workload" encode "$route" 3; done
done
base=""
for route in one-shot 4k-chunks msgpack-c-4k-chunks; do row stream decode "$route" 2 stream-8MiB-tasks "× one-shot"; done

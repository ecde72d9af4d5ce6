#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Instructions per operation for the task and records rows, by valgrind's callgrind (deterministic, unlike times):
# each route runs N times and 0 times; the difference divided by N is one operation's count.
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
printf '| workload | direction | route | instructions/op | × msgpack-c |\n|---|---|---|---:|---:|\n'
for workload in task records; do
    n=$([[ $workload == task ]] && echo 2000 || echo 10)
    for direction in encode decode; do
        base=""
        for route in msgpack-c macro typed codable; do
            full=$(count "$workload" "$direction" "$route" "$n")
            empty=$(count "$workload" "$direction" "$route" 0)
            per=$(( (full - empty) / n ))
            [[ -z $base ]] && base=$per
            ratio=$(python3 -c "print(f'{$per / $base:.2f}')")
            printf '| %s | %s | %s | %s | %s |\n' "$workload" "$direction" "$route" "$per" "$ratio"
        done
    done
done
for direction in encode decode; do
    base=""
    for route in plain portable macro; do
        full=$(count portable-records "$direction" "$route" 10)
        empty=$(count portable-records "$direction" "$route" 0)
        per=$(( (full - empty) / 10 ))
        [[ -z $base ]] && base=$per
        ratio=$(python3 -c "print(f'{$per / $base:.2f}')")
        printf '| portable-records | %s | %s | %s | %s× plain |\n' "$direction" "$route" "$per" "$ratio"
    done
done

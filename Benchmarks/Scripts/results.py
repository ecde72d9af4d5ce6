#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Turns a `swift package benchmark --format jmh` export into the tables of RESULTS.md.

    swift package benchmark --format jmh --path /tmp/pw-run --no-progress
    python3 Scripts/results.py /tmp/pw-run/Current_run.jmh.json > /tmp/tables.md

Times are the median wall-clock time of one operation; ratios divide by msgpack-c's median from the
same run (lower is better). Benchmarks that run 1,000 operations per iteration (the task workload)
are scaled back to one operation.
"""
import json
import sys
from collections import defaultdict

SCALE = {"task": 1000}  # operations per measured iteration (Benchmark scalingFactor)


def load(path):
    rows = {}
    for entry in json.load(open(path)):
        name = entry["benchmark"].split(".", 3)[-1].replace("_", " ").replace(":", "/")
        wall = entry["secondaryMetrics"]["Time (wall clock)"]
        unit = {"ns": 1e-9, "μs": 1e-6, "ms": 1e-3, "s": 1.0}[wall["scoreUnit"]]
        workload = name.split("/")[0]
        seconds = wall["scorePercentiles"]["50.0"] * unit / SCALE.get(workload, 1)
        mallocs = entry["secondaryMetrics"].get("Malloc (total)", {}).get("scorePercentiles", {}).get("50.0")
        if mallocs is not None:
            mallocs = mallocs / SCALE.get(workload, 1)
        rows[name] = (seconds, mallocs)
    return rows


def fmt(seconds):
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e3:.2f} ms"


def main():
    rows = load(sys.argv[1])
    groups = defaultdict(dict)
    for name, value in rows.items():
        workload, direction, implementation = name.split("/", 2)
        groups[(workload, direction)][implementation] = value
    print("| workload | direction | implementation | median | × msgpack-c | mallocs/op |")
    print("|---|---|---|---:|---:|---:|")
    for (workload, direction), impls in sorted(groups.items()):
        for implementation, (seconds, mallocs) in sorted(impls.items(), key=lambda kv: kv[1][0]):
            # A dynamic value is compared with msgpack-c's dynamic value (msgpack_object), the rest with
            # msgpack-c packing and unpacking typed C structs.
            c = impls.get("msgpack-c dynamic") if "dynamic" in implementation else None
            c = c or impls.get("msgpack-c")
            ratio = f"{seconds / c[0]:.2f}" if c else "–"
            m = "–" if mallocs is None else f"{mallocs:g}"
            print(f"| {workload} | {direction} | {implementation} | {fmt(seconds)} | {ratio} | {m} |")


if __name__ == "__main__":
    main()

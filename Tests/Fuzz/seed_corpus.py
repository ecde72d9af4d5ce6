#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes every vector of Spec/vectors (valid and invalid) as one file each: the fuzzers' seed corpus.

    python3 Tests/Fuzz/seed_corpus.py /tmp/seed
"""
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parents[2] / "Spec" / "vectors"
out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
count = 0
for path in sorted(root.rglob("*.json")):
    document = json.loads(path.read_text())
    cases = document.get("cases", []) if isinstance(document, dict) else document
    for case in cases:
        if "hex" not in case:
            continue
        data = bytes.fromhex("".join(case["hex"].split()))
        (out / f"{path.stem}-{case['id']}"[:200]).write_bytes(data)
        count += 1
print(f"{count} seed inputs in {out}")

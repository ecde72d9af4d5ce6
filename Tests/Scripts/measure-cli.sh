#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Measures `pwire decode` and `pwire inspect` on wide and deep inputs of 4 MiB and 16 MiB (issue 13, item 5):
# wall time and peak RSS from /usr/bin/time -v, and RSS per input byte. The README's figures come from this.
# Usage: Tests/pwireTests/measure-cli.sh [path to a release pwire]   (default: builds one in .build-release)
set -euo pipefail
cd "$(dirname "$0")/../.."
pwire=${1:-}
if [[ -z $pwire ]]; then
    swift build -c release --product pwire --scratch-path .build-release >/dev/null
    pwire=.build-release/release/pwire
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import struct, sys
out = sys.argv[1]
for mib in (4, 16):
    n = mib << 20
    # wide: one array32 of small maps {"id": i, "ok": true, "name": "item"} (cut to size): many tokens per byte.
    entry = lambda i: b"\x83\xa2id" + (b"\xce" + struct.pack(">I", i)) + b"\xa2ok\xc3\xa4name\xa4item"
    size = len(entry(0))
    count = (n - 5) // size
    with open(f"{out}/wide-{mib}", "wb") as f:
        f.write(b"\xdd" + struct.pack(">I", count) + b"".join(entry(i) for i in range(count)))
    # wide-ints: one array32 of positive fixints, the most output per input byte.
    with open(f"{out}/ints-{mib}", "wb") as f:
        f.write(b"\xdd" + struct.pack(">I", n - 5) + bytes(i % 128 for i in range(n - 5)))
    # deep: n nested one-element arrays (needs --max-depth n).
    with open(f"{out}/deep-{mib}", "wb") as f:
        f.write(b"\x91" * (n - 1) + b"\x90")
PY
printf '%-10s %-8s %10s %12s %14s\n' input command seconds "peak RSS" "RSS/input byte"
for input in wide-4 ints-4 deep-4 wide-16 ints-16 deep-16; do
    file=$work/$input
    bytes=$(stat -c %s "$file")
    for command in decode inspect; do
        /usr/bin/time -v -o "$work/time" "$pwire" "$command" --max-depth 20000000 "$file" >/dev/null
        rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$work/time")
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time")
        seconds=$(awk -v t="$wall" 'BEGIN { n = split(t, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }')
        printf '%-10s %-8s %10s %10s KB %14.2f\n' "$input" "$command" "$seconds" "$rss" "$(awk -v r="$rss" -v b="$bytes" 'BEGIN { print r * 1024 / b }')"
    done
done

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's test command: sets up what the tests need, then runs every test.
#
# On a Debian or Ubuntu machine where only Swift is installed, this is the whole set-up:
#   1. Debian packages the tests use, each installed only if missing (apt-get needs root or sudo):
#      libmsgpack-dev, gcc, make and pkg-config for the C checker and the benchmarks' baseline, python3 and
#      python3-venv for the Python peer, redis-server for the peer's Celery test, util-linux for prlimit.
#   2. A Python virtual environment in .build-venv/ (ignored by git) with the peer from ./Spec/peers/python and
#      its test dependencies (msgpack pytest pydantic celery jsonschema redis grpcio); its bin/ goes first on PATH, so
#      every test that starts `python3` (the Swift tests that drive the peer, the cross-checks) gets this one.
#   3. The tests: the vector check, `swift test` with every package trait on (the NIO and Hummingbird handlers
#      and the example service are behind traits), which also runs the Python peer's pytest suite, the Python
#      peer and the C checker over every vector, and the `pwire` commands; then the conformance table for all
#      three implementations, and the lean-dependency check on throwaway consumer packages.
# Set PORTABLEWIRE_SKIP_SETUP=1 to skip steps 1 and 2 (the venv must then exist, or python3 be set up already).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n=== %s\n' "$*"; }

if [[ ${PORTABLEWIRE_SKIP_SETUP:-0} != 1 ]]; then
    step "Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    missing=()
    for pkg in libmsgpack-dev gcc make pkg-config python3 python3-venv redis-server util-linux; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
    done
    if (( ${#missing[@]} > 0 )); then
        echo "installing: ${missing[*]}"
        sudo=()
        if (( $(id -u) != 0 )); then
            command -v sudo >/dev/null || { echo "run as root, or install: ${missing[*]}" >&2; exit 1; }
            sudo=(sudo)
        fi
        "${sudo[@]}" apt-get update -qq
        "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "all present"
    fi

    step "Python environment (.build-venv)"
    # Debian's own python3 when the venv is made the first time; a python3 earlier on PATH (pyenv) works too.
    [[ -x .build-venv/bin/python3 ]] || python3 -m venv .build-venv
    .build-venv/bin/python3 -m pip install --quiet --disable-pip-version-check \
        msgpack pytest pydantic celery jsonschema redis grpcio "./Spec/peers/python[test]"
    # Always the checkout's own peer, never a copy from an earlier run.
    .build-venv/bin/python3 -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps \
        ./Spec/peers/python
    # pip builds in the source tree: its build/ and *.egg-info would shadow the installed metadata (the Celery
    # entry point) for anything run with Spec/peers/python on sys.path, and go stale when pyproject.toml changes.
    rm -rf Spec/peers/python/build Spec/peers/python/*.egg-info
fi
if [[ -x .build-venv/bin/python3 ]]; then
    export PATH="$root/.build-venv/bin:$PATH"
    export PORTABLEWIRE_PYTHON="$root/.build-venv/bin/python3"
fi
echo "python3: $(command -v python3) ($(python3 --version))"

step "Vectors against the schema and Python msgpack"
python3 Spec/tools/check_vectors.py

step "swift test --enable-all-traits"
swift test --enable-all-traits

step "Conformance: Swift, the Python peer, the C checker"
swift run pwire conformance --peers

step "Lean dependencies for core-only consumers"
Tests/Scripts/check-lean-dependencies.sh

step "All tests passed"

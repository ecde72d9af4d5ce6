# SPDX-License-Identifier: Apache-2.0
"""`python -m portablewire.testee` speaks the protocol of Spec/conformance.md and passes every vector."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from vector_files import load_all


# The package root, so the testee runs from this checkout whether or not it is installed.
PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])
ENVIRONMENT = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))}


class Driver:
    """Drives the testee over pipes, one request and one response frame at a time."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "portablewire.testee"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=ENVIRONMENT,
        )

    def send_raw(self, payload: bytes) -> dict:
        self.process.stdin.write(len(payload).to_bytes(4, "big") + payload)
        self.process.stdin.flush()
        length = int.from_bytes(self.process.stdout.read(4), "big")
        return json.loads(self.process.stdout.read(length).decode("utf-8"))

    def send(self, request: dict) -> dict:
        return self.send_raw(json.dumps(request).encode("utf-8"))

    def close(self) -> int:
        self.process.stdin.close()
        return self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def testee():
    process = Driver()
    yield process
    assert process.close() == 0


def test_hello(testee):
    assert testee.send({"op": "hello"}) == {"ok": True, "implementation": "python", "version": "0.1.0"}


def test_every_vector_through_the_protocol(testee):
    failures = []
    for vector in load_all():
        response = testee.send(
            {
                "op": "decode",
                "hex": vector.data.hex(),
                "registered": vector.registered,
                "twoPhase": vector.two_phase,
                "passthrough": vector.passthrough,
            }
        )
        if not vector.is_valid:
            if response["ok"] or response["error"] != vector.case["error"]:
                failures.append((vector.id, response))
            continue
        if response != {"ok": True, "value": vector.case["value"], "globalData": vector.case.get("globalData", [])}:
            failures.append((vector.id, response))
        if vector.case["canonical"]:
            response = testee.send(
                {"op": "encode", "value": vector.case["value"], "globalData": vector.case.get("globalData", [])}
            )
            if response != {"ok": True, "hex": vector.data.hex()}:
                failures.append((vector.id, response))
    assert failures == []


def test_encode_reports_format_errors_by_code(testee):
    cycle = {"portable": {"id": 0, "type": "t.N", "data": [{"ref": 0}]}}
    response = testee.send({"op": "encode", "value": cycle})
    assert response["ok"] is False and response["error"] == "cycleDetected"
    assert response["message"].startswith("cycle: $[0] refers back to $ (t.N)")


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[]",
        b'{"op": "dance"}',
        b'{"op": "decode", "hex": "C0"}',
        b'{"op": "decode", "hex": "c 0"}',
        b'{"op": "encode"}',
    ],
)
def test_malformed_requests_get_bad_request(testee, payload):
    response = testee.send_raw(payload)
    assert response["ok"] is False and response["error"] == "badRequest"


@pytest.mark.parametrize(
    "value",
    [{"int": "x"}, {"float64": "0x3FF0000000000000"}, {"ref": 0}, {"portable": {"id": 1, "type": "t.A", "data": None}}],
)
def test_invalid_notation_cannot_be_serialized(testee, value):
    response = testee.send({"op": "encode", "value": value})
    assert response["ok"] is False and response["error"] == "cannotSerialize"


def test_input_ending_inside_a_frame_exits_with_1():
    process = subprocess.run(
        [sys.executable, "-m", "portablewire.testee"],
        input=b"\x00\x00\x00\x10{}",
        capture_output=True,
        timeout=30,
        env=ENVIRONMENT,
    )
    assert process.returncode == 1 and b"inside a frame" in process.stderr

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
    assert testee.send({"op": "hello"}) == {
        "ok": True,
        "implementation": "python",
        "version": "0.1.0",
        "specVersion": "1.1",
    }


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
        b'{"op": "encode", "value": NaN}',
        b'{"op": "encode", "value": [Infinity]}',
        b'{"op": "decode", "hex": "c0", "passthrough": NaN}',
        b'{"op": "\\ud800"}',
        b'{"op": "decode", "hex": "c0", "registered": ["a"], "twoPhase": ["b"]}',
        b'{"op": "decode", "hex": "c0", "registered": [""]}',
        b'{"op": "decode", "hex": "c0", "limits": {"maxWidth": 1}}',
        b'{"op": "decode", "hex": "c0", "limits": {"maxDepth": -1}}',
        b'{"op": "decode", "hex": "c0", "limits": {"maxDepth": 1.0}}',
        b'{"op": "stream", "chunks": "c0"}',
        b'{"op": "stream", "chunks": ["C0"]}',
        b'{"op": "decode", "hex": "c0"',
    ],
)
def test_malformed_requests_get_bad_request(testee, payload):
    response = testee.send_raw(payload)
    assert response["ok"] is False and response["error"] == "badRequest"
    # ... and the testee keeps serving (conformance.md 5.3): it never exits on a bad request.
    assert testee.send({"op": "hello"})["ok"] is True


@pytest.mark.parametrize(
    "payload",
    [
        b'{"op": "encode", "value": "a\\ud800b"}',
        b'{"op": "encode", "value": {"map": [["\\udc00", null]]}}',
        b'{"op": "encode", "value": {"portable": {"id": 0, "type": "t.\\ud800", "data": null}}}',
        b'{"op": "encode", "value": {"timestamp": {"seconds": "0", "nanoseconds": -0}}}',
        b'{"op": "encode", "value": {"portable": {"id": -0, "type": "t.A", "data": null}}}',
        b'{"op": "encode", "value": {"portable": {"id": 0, "type": "t.A", "twoPhase": false, "data": null}}}',
        b'{"op": "encode", "value": null, "globalData": {"a": null}}',
        b'{"op": "encode", "value": null, "globalData": [["\\ud800", null]]}',
        b'{"op": "encode", "value": null, "globalData": [["k", null], ["k", null]]}',
        b'{"op": "encode", "value": {"ext": {"type": 80, "data": ""}}}',
    ],
)
def test_invalid_notation_in_a_frame_cannot_be_serialized(testee, payload):
    response = testee.send_raw(payload)
    assert response["ok"] is False and response["error"] == "cannotSerialize", response


def test_nfc_and_nfd_global_data_keys_are_two_keys(testee):
    response = testee.send({"op": "encode", "value": None, "globalData": [["caf\u00e9", None], ["cafe\u0301", None]]})
    # G, 17-byte payload: a map of 2 entries, "caf" + c3 a9 (NFC) and "cafe" + cc 81 (NFD), then the body nil.
    table = "82" + "a5636166c3a9" + "c0" + "a663616665cc81" + "c0"
    assert response == {"ok": True, "hex": "c71147" + table + "c0"}


def test_decode_applies_the_requested_limits(testee):
    request = {"op": "decode", "hex": "9191c0"}
    assert testee.send(request)["ok"] is True
    assert testee.send({**request, "limits": {"maxDepth": 1}})["error"] == "limitExceeded"
    assert testee.send({**request, "limits": {"maxDepth": 2}})["ok"] is True


def test_stream_reports_messages_then_the_end(testee):
    clean = testee.send({"op": "stream", "chunks": ["9201", "", "02a178"]})
    assert clean == {"ok": True, "messages": [[{"int": "1"}, {"int": "2"}], "x"]}
    cut = testee.send({"op": "stream", "chunks": ["920102a1"]})
    assert cut["ok"] is False and cut["error"] == "truncated" and cut["messages"] == [[{"int": "1"}, {"int": "2"}]]
    assert testee.send({"op": "stream", "chunks": []}) == {"ok": True, "messages": []}


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

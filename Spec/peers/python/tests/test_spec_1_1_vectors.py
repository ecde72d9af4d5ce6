# SPDX-License-Identifier: Apache-2.0
"""The case kinds added in Spec 1.1, run against the library itself (not through the testee).

- limit cases decode with the limits they set (Spec/format.md 7),
- encode cases must fail with their code (Spec/conformance.md 3, step 3),
- stream cases go through :class:`Unpacker` chunk by chunk (Spec/format.md 6.7).
"""

from __future__ import annotations

import pytest
from vector_files import load_all

from portablewire import Limits, PortableError
from portablewire.decoder import unpackb_message
from portablewire.encoder import packb
from portablewire.notation import NotationError, from_notation, to_notation
from portablewire.registry import Registry
from portablewire.streaming import Unpacker
from portablewire.testee import LIMIT_FIELDS

LIMIT_CASES = load_all(("limits",))
ENCODE_CASES = load_all(("encode",))
STREAM_CASES = load_all(("stream",))


def limits_of(vector) -> Limits:
    fields = {LIMIT_FIELDS[name]: value for name, value in vector.case.get("limits", {}).items() if LIMIT_FIELDS[name]}
    return Limits(**fields)


def test_the_new_suites_are_not_trivial():
    # Spec/conformance.md: streaming, encode-error and limit suites of at least 40, 30 and 30 cases.
    assert len(STREAM_CASES) >= 40 and len(ENCODE_CASES) >= 30 and len(LIMIT_CASES) >= 30
    # Every limit of Spec/format.md 7 has a case.
    assert {name for vector in LIMIT_CASES for name in vector.case["limits"]} == set(LIMIT_FIELDS)


@pytest.mark.parametrize("vector", LIMIT_CASES, ids=str)
def test_limit_case(vector):
    options = {"registry": vector.registry(), "passthrough": vector.passthrough, "limits": limits_of(vector)}
    if not vector.is_valid:
        with pytest.raises(PortableError) as caught:
            unpackb_message(vector.data, exact_maps=True, **options)
        assert caught.value.code == vector.case["error"], str(caught.value)
        return
    message = unpackb_message(vector.data, exact_maps=True, **options)
    value, global_data = to_notation(message.value, message.global_data)
    assert value == vector.case["value"]
    assert global_data == vector.case.get("globalData", [])


@pytest.mark.parametrize("vector", ENCODE_CASES, ids=str)
def test_encode_case_fails_with_its_code(vector):
    request = vector.case["encode"]
    try:
        value, global_data = from_notation(request["value"], request.get("globalData", []))
    except NotationError:
        code = "cannotSerialize"
    else:
        with pytest.raises(PortableError) as caught:
            packb(value, registry=Registry(), global_data=global_data)
        code = caught.value.code
    assert code == vector.case["error"]


@pytest.mark.parametrize("vector", STREAM_CASES, ids=str)
def test_stream_case(vector):
    unpacker = Unpacker(registry=vector.registry(), passthrough=vector.passthrough, limits=limits_of(vector), exact_maps=True)
    messages, error = [], None
    try:
        for chunk in vector.case["chunks"]:
            unpacker.feed(bytes.fromhex(chunk))
            while (message := unpacker.next_message()) is not None:
                messages.append(to_notation(message.value)[0])
        unpacker.close()
    except PortableError as caught:
        error = caught.code
    assert messages == vector.case["messages"]
    assert error == vector.case.get("error")


def test_close_reports_a_cut_message_once_and_keeps_it():
    unpacker = Unpacker()
    unpacker.feed(b"\x92\x01")
    assert unpacker.next_message() is None
    for _ in range(2):  # after an error the stream stays failed
        with pytest.raises(PortableError) as caught:
            unpacker.close()
        assert caught.value.code == "truncated"
    clean = Unpacker()
    clean.feed(b"\xc0")
    assert clean.next_message().value is None
    clean.close()  # between messages: no error

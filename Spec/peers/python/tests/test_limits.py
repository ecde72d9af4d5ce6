# SPDX-License-Identifier: Apache-2.0
"""Every limit accepts its value and rejects one more."""

from __future__ import annotations

import pytest

from portablewire import Ext, Limits, OpaqueObject, PortableError, Registry, Unpacker, packb, unpackb

generic = Registry()
generic.register_generic("t.A")
generic.register_generic("t.B")
generic.register_generic("t.C")


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


def a(data=None) -> OpaqueObject:
    return OpaqueObject("t.A", data)


def accepts_at_and_rejects_over(data: bytes, field: str, at: int) -> None:
    """``data`` holds exactly ``at`` of what ``field`` limits: fine at ``at``, rejected at ``at - 1``."""
    unpackb(data, limits=Limits(**{field: at}), registry=generic)
    with pytest.raises(PortableError) as caught:
        unpackb(data, limits=Limits(**{field: at - 1}), registry=generic)
    assert caught.value.code == "limitExceeded"
    assert field in str(caught.value)


def test_default_max_depth_is_512():
    unpackb(packb(nested(512)))
    with pytest.raises(PortableError) as caught:
        unpackb(packb(nested(513), limits=Limits(max_depth=513)))
    assert caught.value.code == "limitExceeded" and caught.value.offset == 512


@pytest.mark.parametrize("depth", [1, 3, 40])
def test_max_depth(depth):
    accepts_at_and_rejects_over(packb(nested(depth)), "max_depth", depth)


def test_max_depth_counts_objects_and_envelope():
    accepts_at_and_rejects_over(packb([a({})]), "max_depth", 3)  # array, object, map
    accepts_at_and_rejects_over(packb([[]], global_data={"k": 1}), "max_depth", 3)  # envelope, array, array


def test_encoder_enforces_max_depth():
    packb(nested(5), limits=Limits(max_depth=5))
    with pytest.raises(PortableError) as caught:
        packb({"a": nested(5)}, limits=Limits(max_depth=5))
    assert caught.value.code == "limitExceeded" and caught.value.path == "$.a[0][0][0][0]"


def test_max_message_byte_count():
    data = packb(["hello", 1])
    accepts_at_and_rejects_over(data, "max_message_byte_count", len(data))


@pytest.mark.parametrize(("value", "length"), [("héllo", 6), (b"\x00" * 5, 5), (Ext(5, b"12345"), 5)])
def test_max_payload_byte_count(value, length):
    accepts_at_and_rejects_over(packb([value]), "max_payload_byte_count", length)


@pytest.mark.parametrize("value", [[0, 1, 2], {"a": 1, "b": 2, "c": 3}])
def test_max_element_count(value):
    accepts_at_and_rejects_over(packb(value), "max_element_count", 3)


def test_max_object_count():
    accepts_at_and_rejects_over(packb([a(), a(), a()]), "max_object_count", 3)


def test_max_reference_count():
    shared = a()
    accepts_at_and_rejects_over(packb([shared, shared, shared]), "max_reference_count", 2)


def test_max_type_name_count():
    data = packb([a(), OpaqueObject("t.B"), OpaqueObject("t.C"), a()])
    accepts_at_and_rejects_over(data, "max_type_name_count", 3)


def test_max_global_data_count():
    accepts_at_and_rejects_over(packb(None, global_data={"a": 1, "b": 2}), "max_global_data_count", 2)


def test_streaming_rejects_an_oversized_message_as_soon_as_its_size_is_known():
    unpacker = Unpacker(limits=Limits(max_message_byte_count=64))
    unpacker.feed(bytes.fromhex("db 00 00 01 00"))  # str32 declaring 256 bytes
    with pytest.raises(PortableError) as caught:
        next(unpacker)
    assert caught.value.code == "limitExceeded" and "max_message_byte_count" in str(caught.value)


def test_streaming_bounds_depth_while_scanning():
    unpacker = Unpacker(limits=Limits(max_depth=4))
    unpacker.feed(bytes.fromhex("91 91 91 91"))
    assert unpacker.next_message() is None
    unpacker.feed(bytes.fromhex("91"))
    with pytest.raises(PortableError) as caught:
        unpacker.next_message()
    assert caught.value.code == "limitExceeded" and caught.value.offset == 4


def test_limits_validate_their_fields():
    with pytest.raises(ValueError):
        Limits(max_depth=-1)

# SPDX-License-Identifier: Apache-2.0
"""Plain values: canonical bytes identical to msgpack-python, exact decoding, Python-specific kinds."""

from __future__ import annotations

import math
from collections import OrderedDict
from enum import IntEnum

import msgpack
import pytest

from portablewire import Ext, ExtTypes, Float32, Map, OpaqueObject, PortableError, packb, unpackb

BOUNDARY_INTEGERS = [
    0,
    1,
    127,
    128,
    255,
    256,
    65535,
    65536,
    2**32 - 1,
    2**32,
    2**64 - 1,
    -1,
    -32,
    -33,
    -128,
    -129,
    -32768,
    -32769,
    -(2**31),
    -(2**31) - 1,
    -(2**63),
]
LENGTHS = [0, 1, 15, 16, 31, 32, 255, 256, 65535, 65536]
PLAIN = [
    None,
    True,
    False,
    0.0,
    -0.0,
    1.5,
    math.inf,
    -1e300,
    *BOUNDARY_INTEGERS,
    *("é" * n for n in (0, 15, 16, 127, 128)),
    *("a" * n for n in LENGTHS),
    *(b"\x00" * n for n in LENGTHS),
    *([None] * n for n in LENGTHS),
    *({i: i for i in range(n)} for n in (0, 15, 16, 65535, 65536)),
    *(msgpack.ExtType(5, b"x" * n) for n in (0, 1, 2, 3, 4, 8, 16, 17, 255, 256, 65536)),
    msgpack.Timestamp(0, 0),
    msgpack.Timestamp(2**32 - 1, 0),
    msgpack.Timestamp(2**32, 0),
    msgpack.Timestamp(1, 1),
    msgpack.Timestamp(2**34 - 1, 999_999_999),
    msgpack.Timestamp(2**34, 0),
    msgpack.Timestamp(-1, 0),
    msgpack.Timestamp(-(2**63), 0),
    {"nested": [1, {"deep": [b"\x01", None, {"x": [1, 2]}]}], "k": -5},
    OrderedDict([("b", 1), ("a", 2)]),
    bytearray(b"ab"),
]


@pytest.mark.parametrize("value", PLAIN, ids=lambda v: repr(v)[:40])
def test_plain_values_encode_like_msgpack(value):
    assert packb(value) == msgpack.packb(value, use_bin_type=True)


@pytest.mark.parametrize("value", PLAIN, ids=lambda v: repr(v)[:40])
def test_plain_values_decode_like_msgpack(value):
    data = msgpack.packb(value, use_bin_type=True)
    expected = msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=lambda code, b: Ext(code, b))
    decoded = unpackb(data)
    assert decoded == expected
    assert packb(decoded) == data


def test_subclasses_of_plain_types_encode_as_their_base():
    class Text(str):
        pass

    class Number(int):
        pass

    assert packb([Text("a"), Number(1)]) == bytes.fromhex("92 a1 61 01")


def test_members_of_unregistered_enums_are_refused_not_flattened():
    # Issue 17: an IntEnum or str-Enum member silently became its value; now it needs its enum registered.
    class Color(IntEnum):
        RED = 1

    with pytest.raises(PortableError) as caught:
        packb({"c": Color.RED})
    assert caught.value.code == "cannotSerialize" and caught.value.path == "$.c"
    assert "register the enum" in str(caught.value)


def test_float32_keeps_its_width_and_bits():
    data = bytes.fromhex("ca 3f c0 00 00")
    value = unpackb(data)
    assert type(value) is Float32 and value == 1.5 and value.bits == 0x3FC00000
    assert packb(value) == data
    signaling_nan = bytes.fromhex("ca 7f 80 00 01")
    assert packb(unpackb(signaling_nan)) == signaling_nan
    assert packb(Float32(0.1)) == bytes.fromhex("ca 3d cc cc cd")


def test_float64_nan_payload_is_kept():
    data = bytes.fromhex("cb 7f f0 00 00 00 00 00 01")
    assert packb(unpackb(data)) == data


def test_negative_ext_types_decode_as_ext():
    assert unpackb(bytes.fromhex("d4 fe 07")) == Ext(-2, b"\x07")
    assert packb(Ext(-128, b"")) == bytes.fromhex("c7 00 80")


def test_an_ext_and_a_msgpack_ext_type_with_the_same_code_and_data_are_one_value():
    """They are one wire value, so they are one key: a dict or set cannot hold both, send two equal
    keys and then fail to decode (issue 17: a key that cannot come back as a key is not sent)."""
    ext, ext_type = Ext(5, b"x"), msgpack.ExtType(5, b"x")
    assert ext == ext_type and ext_type == ext and hash(ext) == hash(ext_type)
    assert ext != Ext(6, b"x") and ext != msgpack.ExtType(5, b"y") and ext != (5, b"x")
    mixed = {ext: 1, ext_type: 2}
    assert len(mixed) == 1 and len({ext, ext_type}) == 1
    for value in (mixed, {ext, ext_type}, [{"k": mixed}], ext_type):
        assert unpackb(packb(value)) == value


@pytest.mark.parametrize("code", [-1, 0x50, 0x51, 0x52, 0x47])
def test_reserved_ext_types_cannot_be_sent_as_plain_ext(code):
    with pytest.raises(PortableError) as caught:
        packb({"e": Ext(code, b"\x00")})
    assert caught.value.code == "cannotSerialize" and caught.value.path == "$.e"


def test_ext_types_can_be_reassigned():
    ext_types = ExtTypes(object=10, two_phase_object=11, reference=12, global_data=13)
    obj = OpaqueObject("t.A", [Ext(0x50, b"\x01")])
    data = packb([obj, obj], ext_types=ext_types)
    assert data.hex(" ") == "92 d7 0a a3 74 2e 41 91 d4 50 01 d4 0c 00"
    first, second = unpackb(data, ext_types=ext_types, passthrough=True)
    assert first is second and first.data == [Ext(0x50, b"\x01")]
    with pytest.raises(ValueError):
        ExtTypes(object=-1)
    with pytest.raises(ValueError):
        ExtTypes(object=0x51)


def test_maps_that_do_not_fit_a_dict_need_exact_maps():
    duplicate = bytes.fromhex("82 a1 61 01 a1 61 02")
    array_key = bytes.fromhex("81 91 01 02")
    equal_in_python = bytes.fromhex("82 01 a1 61 c3 a1 62")  # keys 1 and true
    for data in (duplicate, array_key, equal_in_python):
        with pytest.raises(PortableError) as caught:
            unpackb(data)
        assert caught.value.code == "typeMismatch" and "exact_maps=True" in str(caught.value)
        exact = unpackb(data, exact_maps=True)
        assert isinstance(exact, Map) and packb(exact) == data
    assert unpackb(duplicate, exact_maps=True) == Map([("a", 1), ("a", 2)])


def test_trailing_bytes_and_empty_input():
    with pytest.raises(PortableError) as caught:
        unpackb(bytes.fromhex("c0 c0"))
    assert caught.value.code == "trailingBytes" and caught.value.offset == 1
    with pytest.raises(PortableError) as caught:
        unpackb(b"")
    assert caught.value.code == "truncated" and caught.value.offset == 0


def test_error_paths_locate_the_fault():
    data = bytes.fromhex("81 a1 61 92 01 a2 ff fe")  # {a: [1, <invalid UTF-8>]}
    with pytest.raises(PortableError) as caught:
        unpackb(data)
    error = caught.value
    assert (error.code, error.offset, error.path) == ("invalidUTF8", 6, "$.a[1]")
    assert str(error).startswith("invalidUTF8 at byte 6 ($.a[1]): ")

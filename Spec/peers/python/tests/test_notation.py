# SPDX-License-Identifier: Apache-2.0
"""The JSON notation of Spec/format.md, both ways."""

from __future__ import annotations

import pytest
from msgpack import Timestamp

from portablewire import Ext, Float32, GenericObject, Map
from portablewire.notation import NotationError, from_notation, to_notation


def test_every_kind_round_trips():
    notation = [
        None,
        True,
        "s",
        {"int": "-9223372036854775808"},
        {"int": "18446744073709551615"},
        {"float32": "0x7f800001"},
        {"float64": "0x7ff0000000000001"},
        {"bin": ""},
        {"bin": "00ff"},
        {"map": [[{"int": "1"}, "a"], [{"int": "1"}, "b"], [[], None]]},
        {"ext": {"type": -128, "data": "01"}},
        {"timestamp": {"seconds": "-1", "nanoseconds": 999999999}},
    ]
    value, global_data = from_notation(notation)
    assert type(value[5]) is Float32 and isinstance(value[9], Map) and value[10] == Ext(-128, b"\x01")
    assert value[11] == Timestamp(-1, 999999999) and global_data == {}
    assert to_notation(value) == (notation, [])


def test_objects_are_numbered_through_global_data_first():
    body = [
        {"ref": 0},
        {"portable": {"id": 1, "type": "t.N", "data": {"map": [["self", {"ref": 1}]]}, "twoPhase": True}},
    ]
    table = [["g", {"portable": {"id": 0, "type": "t.A", "data": None}}]]
    value, global_data = from_notation(body, table)
    assert value[0] is global_data["g"] and isinstance(value[1], GenericObject)
    assert value[1].type == "t.N" and value[1].two_phase and value[1].data.pairs[0][1] is value[1]
    assert to_notation(value, global_data) == (body, table)


def test_python_values_map_to_notation():
    assert to_notation({"a": [1, 2.0], b"k": bytearray(b"\x01")})[0] == {
        "map": [["a", [{"int": "1"}, {"float64": "0x4000000000000000"}]], [{"bin": "6b"}, {"bin": "01"}]]
    }
    with pytest.raises(NotationError):
        to_notation(object())
    with pytest.raises(NotationError):
        to_notation(GenericObject("t.A"), objects=False)


@pytest.mark.parametrize(
    "notation",
    [
        {"int": "01"},
        {"int": "-0"},
        {"int": "+1"},
        {"int": 1},
        {"int": "18446744073709551616"},
        {"float32": "0x3F800000"},
        {"float32": "0x3f80000"},
        {"float64": "3ff0000000000000"},
        {"bin": "0"},
        {"bin": "0 0"},
        {"bin": "AB"},
        {"ext": {"type": -1, "data": ""}},
        {"ext": {"type": 128, "data": ""}},
        {"timestamp": {"seconds": "0", "nanoseconds": 1000000000}},
        {"map": [["a"]]},
        {"int": "1", "bin": ""},
        {"uint": "1"},
        {"ref": 0},
        1,
        1.5,
        {"portable": {"id": 1, "type": "t.A", "data": None}},
        {"portable": {"id": 0, "type": "", "data": None}},
        [{"ref": 1}, {"portable": {"id": 0, "type": "t.A", "data": None}}],
    ],
)
def test_malformed_notation_is_rejected(notation):
    with pytest.raises(NotationError):
        from_notation(notation)


def test_malformed_global_data_is_rejected():
    for table in ([["a", 1], ["a", 2]], [[1, None]], {"a": None}):
        with pytest.raises(NotationError):
            from_notation(None, table)

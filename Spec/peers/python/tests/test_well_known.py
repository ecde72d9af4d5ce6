# SPDX-License-Identifier: Apache-2.0
"""Well-known types (Spec/well-known-types.md) and the registration forms of issue 17."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import fractions
import subprocess
import sys
import uuid
from collections.abc import MutableMapping
from decimal import Decimal
from typing import NamedTuple

import attrs
import msgpack
import pytest

from portablewire import GenericObject, GlobalData, PortableError, Registry, packb, unpackb
from portablewire.wellknown import decimal_data

UTC = dt.timezone.utc
PLUS_TWO = dt.timezone(dt.timedelta(hours=2))


def roundtrip(value: object, registry: Registry | None = None) -> object:
    return unpackb(packb(value, registry=registry), registry=registry)


def wire(name: str, data: object) -> bytes:
    """A P of a well-known name built with msgpack alone (not with the peer)."""
    return msgpack.packb(msgpack.ExtType(0x50, msgpack.packb(name) + msgpack.packb(data, use_bin_type=True)))


# MARK: Values, both ways


NATIVE = [
    dt.date(2024, 5, 1),
    dt.date(1, 1, 1),
    dt.date(9999, 12, 31),
    dt.time(13, 45, 30, 250000),
    dt.time(0, 0),
    dt.datetime(2024, 5, 1, 13, 45, 30),
    dt.datetime(2024, 5, 1, 13, 45, 30, 999999, tzinfo=PLUS_TWO),
    dt.datetime(1, 1, 1, tzinfo=UTC),
    dt.timedelta(days=-1, microseconds=3),
    dt.timedelta(days=999999999, hours=23, minutes=59, seconds=59, microseconds=999999),
    Decimal("-10.50"),
    Decimal("1E+5"),
    Decimal("0.00001"),
    Decimal("-0"),
    Decimal("1234567890123456789012345678901234567890.5"),
    Decimal("1e-42"),
    Decimal("Infinity"),
    Decimal("-Infinity"),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    {1, 2, 3},
    frozenset({"a", "b"}),
    set(),
    (1, "a", [2]),
    (),
]


@pytest.mark.parametrize("value", NATIVE, ids=repr)
def test_value_round_trips_with_its_type(value):
    back = roundtrip(value)
    assert back == value
    expected = set if isinstance(value, (set, frozenset)) else type(value)
    assert type(back) is expected


def test_decimal_nan_round_trips_and_keeps_its_text():
    assert roundtrip(Decimal("NaN")).is_nan()
    assert decimal_data(Decimal("NaN")) == "NaN"


def test_naive_and_aware_datetimes_stay_distinguishable():
    naive, aware = dt.datetime(2024, 5, 1, 12), dt.datetime(2024, 5, 1, 12, tzinfo=PLUS_TWO)
    back_naive, back_aware = roundtrip([naive, aware])
    assert back_naive.tzinfo is None
    assert back_aware.utcoffset() == dt.timedelta(hours=2) and back_aware == aware


@pytest.mark.parametrize(
    "value, name, data",
    [
        (dt.date(2024, 5, 1), "pw.date", [2024, 5, 1]),
        (dt.time(13, 45, 30, 250000), "pw.time", [13, 45, 30, 250000000]),
        (dt.datetime(2024, 5, 1, 13, 45, 30), "pw.localDateTime", [2024, 5, 1, 13, 45, 30, 0]),
        (dt.datetime(2024, 5, 1, 13, 45, 30, tzinfo=PLUS_TWO), "pw.offsetDateTime", [2024, 5, 1, 13, 45, 30, 0, 7200]),
        (dt.timedelta(seconds=-1.5), "pw.duration", [-2, 500000000]),
        (Decimal("-10.50"), "pw.decimal", "-10.50"),
        (Decimal("15E+3"), "pw.decimal", "15e3"),
        (Decimal("0.005"), "pw.decimal", "0.005"),
        (Decimal("0.00"), "pw.decimal", "0.00"),
        (uuid.UUID(int=7), "pw.uuid", uuid.UUID(int=7).bytes),
        ({3, 1, 2}, "pw.set", [1, 2, 3]),
        ({"ab", "b", "a"}, "pw.set", ["a", "b", "ab"]),
        ((1, "a"), "pw.tuple", [1, "a"]),
    ],
)
def test_exact_bytes_match_msgpack_built_objects(value, name, data):
    assert packb(value) == wire(name, data)


def test_unrepresentable_values_stay_generic_and_reencode_identically():
    for name, data in (
        ("pw.date", [0, 1, 1]),  # year 0: Python's date starts at 1
        ("pw.time", [23, 59, 59, 999999999]),  # nanoseconds
        ("pw.duration", [-1, 999999999]),
        ("pw.duration", [(1 << 63) - 1, 0]),  # beyond timedelta
    ):
        data_bytes = wire(name, data)
        decoded = unpackb(data_bytes)
        assert isinstance(decoded, GenericObject) and decoded.name == name and decoded.data == data
        assert packb(decoded) == data_bytes


@pytest.mark.parametrize(
    "name, data",
    [
        ("pw.date", [2023, 2, 29]),
        ("pw.date", "2024-05-01"),
        ("pw.time", [24, 0, 0, 0]),
        ("pw.offsetDateTime", [2024, 5, 1, 0, 0, 0, 0, 86400]),
        ("pw.duration", [0, -1]),
        ("pw.decimal", "+1"),
        ("pw.uuid", b"\x00" * 15),
        ("pw.set", [1, 1]),
        ("pw.set", [1, True]),  # equal in Python: would lose an element
        ("pw.tuple", "ab"),
    ],
)
def test_invalid_data_is_type_mismatch_at_the_object(name, data):
    with pytest.raises(PortableError) as caught:
        unpackb(b"\x91" + wire(name, data))
    assert caught.value.code == "typeMismatch" and caught.value.offset == 1 and caught.value.path == "$[0]"


def test_sets_and_tuples_as_keys_and_elements_come_back_hashable():
    value = {(1, 2): "pair", frozenset({1}): "set", (frozenset({2}), 3): "nested"}
    back = roundtrip(value)
    assert back == value and all(type(key) in (tuple, frozenset) for key in back)
    assert roundtrip({frozenset({1, 2}), frozenset()}) == {frozenset({1, 2}), frozenset()}


def test_set_order_is_canonical_whatever_the_iteration_order():
    words = [f"w{i}" for i in range(40)]
    first = packb(set(words))
    script = f"import sys; sys.path.insert(0, {sys.path[0]!r}); from portablewire import packb; " \
             f"print(packb(set({words!r})).hex())"
    for seed in ("1", "2"):
        other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                               env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}).stdout.strip()
        assert other == first.hex()


def test_well_known_values_are_never_back_referenced():
    day = dt.date(2024, 5, 1)
    data = packb([day, day])
    assert data.count(b"pw.date") == 1 and b"\xd4\x52" not in data  # a type index, no R
    assert unpackb(data) == [day, day]


@pytest.mark.parametrize(
    "value, fragment",
    [
        (dt.time(1, tzinfo=UTC), "time of day with a time zone"),
        (Decimal("sNaN"), "quiet NaN"),
        (Decimal("-NaN"), "quiet NaN"),
    ],
)
def test_values_without_a_well_known_form_are_refused(value, fragment):
    with pytest.raises(PortableError) as caught:
        packb({"v": value})
    assert caught.value.code == "cannotSerialize" and caught.value.path == "$.v" and fragment in str(caught.value)


# MARK: Enums


class Color(enum.Enum):
    red = "r"
    green = "g"


class Level(enum.IntEnum):
    low = 1
    high = 2


class Mode(str, enum.Enum):  # a str-Enum (enum.StrEnum on 3.11+)
    fast = "fast"


class Perm(enum.Flag):
    read = 1
    write = 2


enums = Registry()
for cls in (Color, Level, Mode, Perm):
    enums.register(cls, f"app.{cls.__name__}")


def test_enum_members_travel_as_their_registered_enum():
    value = [Color.red, Level.high, Mode.fast, Perm.read | Perm.write, Color.red]
    data = packb(value, registry=enums)
    back = unpackb(data, registry=enums)
    assert back == value and back[0] is Color.red and type(back[1]) is Level
    assert data.count(b"\xd4\x52") == 0  # members are values: never back-referenced
    assert packb(Color.red, registry=enums) == msgpack.packb(msgpack.ExtType(0x50, msgpack.packb("app.Color") + b"\xa1r"))


def test_unknown_enum_value_is_type_mismatch():
    other = Registry()
    other.register_generic("app.Color")
    from portablewire import OpaqueObject

    data = packb(OpaqueObject("app.Color", "blue"))
    with pytest.raises(PortableError) as caught:
        unpackb(data, registry=enums)
    assert caught.value.code == "typeMismatch" and "'blue'" in str(caught.value)


# MARK: Classes one does not own, slots, attrs, NamedTuple


def test_register_with_serialize_and_deserialize_for_a_class_one_does_not_own():
    local = Registry()
    local.register(fractions.Fraction, "app.Fraction", serialize=lambda f: [f.numerator, f.denominator],
                   deserialize=lambda d: fractions.Fraction(*d))
    value = {"x": fractions.Fraction(3, 4)}
    assert roundtrip(value, local) == value


@dataclasses.dataclass(slots=True)
class Slotted:
    a: int
    b: list


@dataclasses.dataclass(frozen=True)
class Frozen:
    a: int


@attrs.define
class AttrsPoint:
    x: int
    y: int = 0


class Pair(NamedTuple):
    left: int
    right: str


def test_slots_frozen_attrs_and_named_tuples_register():
    local = Registry()
    for cls in (Slotted, Frozen, AttrsPoint, Pair):
        local.register(cls, f"app.{cls.__name__}")
    value = [Slotted(1, [2]), Frozen(3), AttrsPoint(4, 5), Pair(6, "x")]
    back = roundtrip(value, local)
    assert back == value and [type(v) for v in back] == [Slotted, Frozen, AttrsPoint, Pair]
    opaque = unpackb(packb(Slotted(1, [2]), registry=local), passthrough=True)
    assert opaque.data == {"a": 1, "b": [2]}  # a map of its fields, as Swift's Codable writes


def test_unregistered_named_tuple_travels_as_a_tuple():
    assert roundtrip(Pair(1, "a")) == (1, "a")


def test_reregistering_a_redefined_class_replaces_it_and_main_names_warn():
    local = Registry()

    def define():
        class Widget:
            pass

        return Widget

    first, second = define(), define()
    local.register(first, "app.Widget")
    local.register(second, "app.Widget")  # a notebook cell run again
    assert type(roundtrip(second(), local)) is second
    assert local.entry_for_class(first) is None

    main_class = type("Job", (), {"__module__": "__main__"})
    with pytest.warns(UserWarning, match="__main__"):
        local.register(main_class)


def test_reserved_prefix_and_conflicts_are_refused():
    local = Registry()
    with pytest.raises(ValueError, match="reserved"):
        local.register(Frozen, "pw.Frozen")
    with pytest.raises(ValueError, match="reserved"):
        local.register_generic("pw.date")
    local.register(Frozen, "app.Frozen")
    with pytest.raises(ValueError):
        local.register(Slotted, "app.Frozen")


def test_user_hook_errors_carry_type_and_path_and_keep_the_cause():
    class Broken:
        def __serialize__(self, global_data):
            raise KeyError("missing")

        def __deserialize__(self, data, global_data):
            raise ZeroDivisionError("bad")

    local = Registry()
    local.register(Broken, "app.Broken")
    with pytest.raises(PortableError) as caught:
        packb({"items": [Broken()]}, registry=local)
    error = caught.value
    assert error.code == "cannotSerialize" and error.path == "$.items[0]" and "Broken" in str(error)
    assert isinstance(error.__cause__, KeyError)

    data = msgpack.packb({"items": [msgpack.ExtType(0x50, msgpack.packb("app.Broken") + b"\xc0")]})
    with pytest.raises(PortableError) as caught:
        unpackb(data, registry=local)
    error = caught.value
    assert error.code == "typeMismatch" and error.path == "$.items[0]" and error.offset == 8
    assert "Broken" in str(error) and isinstance(error.__cause__, ZeroDivisionError)


def test_global_data_is_a_mutable_mapping():
    table = GlobalData({"a": 1})
    assert isinstance(table, MutableMapping)
    table["b"] = 2
    del table["a"]
    table.update(c=3)
    assert dict(table) == {"b": 2, "c": 3}

# SPDX-License-Identifier: Apache-2.0
"""An envelope's body of rows that refer back to shared objects (the benchmark's "global data" rows)
through the fast decoder, against the exact decoder.

The fast decoder reads such a body with a hook of its own (``_FastDecoder._body``): a canonical
back-reference to an object the body referred back to before is resolved by one dict lookup and
not recorded, and those back-references are counted after the unpack. Hand-made variants of the
shape (non-shortest forms, float32, repeated keys in rows, back-reference ids out of range or to an
incomplete object, truncations, nesting beyond ``max_depth``, limits just below what a message
needs) must decode, or fail with the same code, offset and path, as the exact decoder says.
"""

from __future__ import annotations

import random

import msgpack
import pytest
from named import Named, Pair

from portablewire import Limits, PortableError, Registry, unpackb
from portablewire import _fastdecode
from portablewire.decoder import _DEFAULT_EXT_TYPES, _exact_unpackb_message


registry = Registry()
registry.register(Named, "t.Named")
registry.register(Pair, "t.Pair")

SHARED = 10  # objects the rows refer to


def _ext(code: int, payload: bytes) -> bytes:
    size = len(payload)
    if size in (1, 2, 4, 8, 16):
        return bytes([{1: 0xD4, 2: 0xD5, 4: 0xD6, 8: 0xD7, 16: 0xD8}[size], code]) + payload
    if size < 0x100:
        return bytes([0xC7, size, code]) + payload
    return b"\xc8" + size.to_bytes(2, "big") + bytes([code]) + payload


def _named(first: bool, index: int) -> bytes:
    type_ref = msgpack.packb("t.Named") if first else b"\x00"
    return _ext(0x50, type_ref + msgpack.packb(index))


def _ref(object_id: int) -> bytes:
    return _ext(0x52, msgpack.packb(object_id))


def _row(i: int, customer: bytes, amount: bytes | None = None, extra: bytes = b"", count: int = 3) -> bytes:
    if amount is None:
        amount = msgpack.packb(i * 1.25)
    return (bytes([0x80 | count]) + b"\xa3row" + msgpack.packb(i) + b"\xa8customer" + customer
            + b"\xa6amount" + amount + extra)


def _envelope(rows: list[bytes], labels: int = SHARED, header: bytes | None = None) -> bytes:
    table = msgpack.packb({"labels": [f"customer-{i}" for i in range(labels)]})
    if header is None:
        header = bytes([0x90 | len(rows)]) if len(rows) < 16 else b"\xdc" + len(rows).to_bytes(2, "big")
    payload = table + header + b"".join(rows)
    return _ext(0x47, payload) if len(payload) < 0x10000 else b"\xc9" + len(payload).to_bytes(4, "big") + b"\x47" + payload


def _rows(count: int = 40, change: dict[int, bytes] | None = None) -> list[bytes]:
    """``count`` rows, the first SHARED defining a Named each, the rest back-references
    (``change`` replaces a row's bytes by index)."""
    rows = []
    for i in range(count):
        customer = _named(i == 0, i) if i < SHARED else _ref(i % SHARED)
        rows.append(_row(i, customer))
    for index, row in (change or {}).items():
        rows[index] = row
    return rows


def _decode(decoder, data: bytes, limits: Limits) -> tuple[str, object]:
    try:
        value, global_data = decoder(data, limits)
    except PortableError as error:
        return "error", (error.code, error.offset, error.path)
    except Exception as error:  # noqa: BLE001 - a deserializer's own exception propagates unchanged
        return "raised", (type(error).__name__, str(error))
    return "value", _shape(value, {})


def _shape(value: object, seen: dict[int, int]) -> object:
    """The value with each object as its class, fields and sharing: the n-th distinct object met."""
    if isinstance(value, list):
        return [_shape(item, seen) for item in value]
    if isinstance(value, dict):
        return {key: _shape(item, seen) for key, item in value.items()}
    if isinstance(value, (Named, Pair)):
        if id(value) in seen:
            return ("same as", seen[id(value)])
        seen[id(value)] = len(seen)
        return (type(value).__name__, _shape(dict(vars(value)), seen))
    return (type(value).__name__, value)


def _fast(data: bytes, limits: Limits):
    from portablewire import unpackb_message

    message = unpackb_message(data, registry=registry, limits=limits)
    return message.value, message.global_data


def _exact(data: bytes, limits: Limits):
    message = _exact_unpackb_message(data, registry, False, limits, False, _DEFAULT_EXT_TYPES)
    return message.value, message.global_data


def _check(data: bytes, limits: Limits = Limits()) -> tuple[str, object]:
    fast = _decode(_fast, data, limits)
    assert fast == _decode(_exact, data, limits), data.hex()
    return fast


def _cases() -> dict[str, bytes]:
    float32 = b"\xca\x3f\xa0\x00\x00"
    return {
        "canonical": _envelope(_rows()),
        "canonical, short": _envelope(_rows(12)),
        # A repeated back-reference in a longer form than its payload needs (ext8 for a fixext1),
        # and with its id as a uint8 (a payload of two bytes).
        "ext8 back-reference": _envelope(_rows(change={25: _row(25, b"\xc7\x01\x52\x05")})),
        "uint8 id": _envelope(_rows(change={25: _row(25, _ext(0x52, b"\xcc\x05"))})),
        "uint8 id, first": _envelope(_rows(change={15: _row(15, _ext(0x52, b"\xcc\x05"))})),
        # Ids out of range: first met, and after every object was referred back to.
        "id 10": _envelope(_rows(change={12: _row(12, _ref(10))})),
        "id 10, late": _envelope(_rows(change={35: _row(35, _ref(10))})),
        "id 127, late": _envelope(_rows(change={35: _row(35, _ref(127))})),
        "id 128, late": _envelope(_rows(change={35: _row(35, _ref(128))})),
        # An object whose data refers to itself (incomplete), then rows referring back to it.
        "incomplete": _envelope(_rows(change={3: _row(3, _ext(0x50, b"\xa6t.Pair\x92" + _ref(3) + b"\x01"))})),
        # An object whose data holds another (id 4 and 5), rows referring back to the inner one.
        "nested": _envelope(_rows(change={
            4: _row(4, _ext(0x50, b"\xa6t.Pair\x92" + _named(False, 4) + b"\x01")),
            **{i: _row(i, _ref(5 if i % 2 else 4)) for i in range(20, 30)},
        })),
        # float32 beside back-references, and as a row's amount.
        "float32 amount": _envelope(_rows(change={30: _row(30, _ref(0), float32)})),
        "float32 amount, first rows": _envelope(_rows(change={2: _row(2, _named(False, 2), float32)})),
        # Repeated keys in a row: a back-reference lost, an amount lost, with the same value.
        "customer twice": _envelope(_rows(change={30: _row(30, _ref(0), extra=b"\xa8customer" + _ref(1), count=4)})),
        "customer twice, same": _envelope(_rows(change={30: _row(30, _ref(0), extra=b"\xa8customer" + _ref(0), count=4)})),
        "amount twice": _envelope(_rows(change={30: _row(30, _ref(0), extra=b"\xa6amount\x01", count=4)})),
        "row twice": _envelope(_rows(change={30: _row(30, _ref(0), extra=b"\xa3row" + msgpack.packb(30), count=4)})),
        # Non-shortest forms around back-references.
        "uint16 row": _envelope(_rows(change={30: b"\x83\xa3row\xcd\x00\x1e\xa8customer" + _ref(0) + b"\xa6amount\x00"})),
        "map16 row": _envelope(_rows(change={30: b"\xde\x00\x03" + _row(30, _ref(0))[1:]})),
        "str8 key": _envelope(_rows(change={30: b"\x83\xd9\x03row\x1e\xa8customer" + _ref(0) + b"\xa6amount\x00"})),
        "array32 body": _envelope(_rows(), header=b"\xdd\x00\x00\x00\x28"),
        "array16 body, short": _envelope(_rows(12), header=b"\xdc\x00\x0c"),
        # Nesting around back-references: shallow and beyond every depth limit below.
        "nested lists": _envelope(_rows(change={30: _row(30, b"\x91" * 20 + _ref(0))})),
        "deep lists": _envelope(_rows(change={30: _row(30, b"\x91" * 600 + _ref(0))})),
        # A label index out of the global data's list (the object's own error).
        "bad label": _envelope(_rows(change={5: _row(5, _named(False, 99))})),
        # More labels than objects: the table and body are proven apart.
        "bigger table": _envelope(_rows(), labels=40),
        # Bodies no longer than max_depth (proven without the depth wrap), with a repeated
        # back-reference (row 12) before the odd row 13.
        **{f"short, {name}": _envelope(_rows(14, change={12: _row(12, _ref(0)), 13: row}))
           for name, row in {
               "canonical": _row(13, _ref(0)),
               "ext8 back-reference": _row(13, b"\xc7\x01\x52\x00"),
               "float32 amount": _row(13, _ref(0), float32),
               "customer twice": _row(13, _ref(0), extra=b"\xa8customer" + _ref(1), count=4),
               "customer twice, same": _row(13, _ref(0), extra=b"\xa8customer" + _ref(0), count=4),
               "uint16 row": b"\x83\xa3row\xcd\x00\x0d\xa8customer" + _ref(0) + b"\xa6amount\x00",
               "id 10": _row(13, _ref(10)),
           }.items()},
    }


CASES = _cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_handmade_rows_decode_as_the_exact_decoder_says(name):
    data = CASES[name]
    _check(data)
    for depth in (3, 4, 5, 40, 600):
        _check(data, Limits(max_depth=depth))


def test_the_canonical_rows_are_decoded_by_the_fast_path_itself(monkeypatch):
    from portablewire import decoder

    exact = []
    monkeypatch.setattr(decoder, "_exact_unpackb_message", lambda *a: exact.append(a) or _exact_unpackb_message(*a))
    calls = []
    real = _fastdecode._FastDecoder._body
    monkeypatch.setattr(_fastdecode._FastDecoder, "_body", lambda self, data: calls.append(1) or real(self, data))
    value = unpackb(CASES["canonical"], registry=registry)
    assert exact == [] and calls == [1]
    assert value[0]["customer"] is value[10]["customer"] is value[30]["customer"]
    assert [row["customer"].label for row in value] == [f"customer-{i % SHARED}" for i in range(40)]
    # A body no longer than max_depth (proven without the depth wrap).
    table = msgpack.packb({"labels": [f"customer-{i}" for i in range(SHARED)]})
    assert len(CASES["canonical, short"]) - 4 - len(table) < Limits().max_depth - 1  # (ext16 header, table)
    value = unpackb(CASES["canonical, short"], registry=registry)
    assert exact == [] and calls == [1, 1]
    assert value[1]["customer"] is value[11]["customer"] and value[11]["customer"].label == "customer-1"
    # A repeated key is handed over, and reported there.
    with pytest.raises(PortableError):
        unpackb(CASES["customer twice"], registry=registry)
    assert len(exact) == 1


@pytest.mark.parametrize("name", ["canonical", "canonical, short", "nested", "incomplete", "ext8 back-reference"])
def test_every_truncation(name):
    data = CASES[name]
    for cut in range(len(data)):
        _check(data[:cut])
    _check(data + b"\x00")


@pytest.mark.parametrize("name", ["canonical", "nested"])
def test_random_byte_changes(name):
    rng = random.Random(name)
    data = CASES[name]
    for _ in range(400):
        mutated = bytearray(data)
        for _ in range(rng.randrange(1, 3)):
            position = rng.randrange(len(mutated))
            mutated[position] = rng.choice([rng.randrange(256), 0xCA, 0xC1, 0x00, 0x09, 0x0A, 0x7F, 0xD4, 0x52])
        _check(bytes(mutated))


@pytest.mark.parametrize("name", ["canonical", "nested", "canonical, short"])
def test_limits_around_what_the_message_needs(name):
    data = CASES[name]
    # (the envelope, the rows' list, a row, an object, and the Pair's data list in "nested")
    needs = {"max_reference_count": 30, "max_object_count": 10, "max_depth": 4}
    if name == "nested":
        needs = {"max_reference_count": 30, "max_object_count": 11, "max_depth": 6}
    if name == "canonical, short":
        needs = {"max_reference_count": 2, "max_object_count": 10, "max_depth": 4}
    for field, need in needs.items():
        for value in range(max(0, need - 3), need + 3):
            outcome = _check(data, Limits(**{field: value}))
            assert (outcome[0] == "value") == (value >= need), (field, value, outcome)
    for field in ("max_type_name_count", "max_global_data_count", "max_element_count"):
        for value in range(0, 4):
            _check(data, Limits(**{field: value}))


def test_a_failed_body_leaves_no_objects_for_the_next():
    """The body's tables (its put-back list, the objects its back-references resolved to) are
    empty after each message, whether it was proven or handed over."""
    for name in ("customer twice", "id 10, late", "canonical", "float32 amount"):
        _check(CASES[name])
        for decoder in getattr(_fastdecode._local, "decoders", {}).values():
            assert decoder.body_exts == [] and decoder.body_done == {}
    # A body that refers back to id 0 alone: no object of the last message may answer.
    lonely = _envelope([_row(0, _ref(0)), _row(1, _ref(0))])
    assert _check(lonely)[0] == "error"

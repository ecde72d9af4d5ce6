# SPDX-License-Identifier: Apache-2.0
"""The fast decoder (msgpack's C unpacker plus the ext hook) against the exact decoder alone.

Messages with portable objects of each kind (default ``__dict__`` data, ``__deserialize__``,
``__new_deserialized__``, two-phase, pydantic, well-known values, back-references, global data)
are cut at every byte and mutated: float32 values and repeated keys put into object data,
non-str keys, type-refs out of range, bytes flipped at random, shuffled map orders, and
limits (depth, objects, type names, references) set just below what a message needs. For each
input ``unpackb`` (fast, falling back when it cannot prove) must give what the exact decoder
gives: an equal value (compared through its notation), or the same error code, offset and path.
"""

from __future__ import annotations

import dataclasses
import random

import msgpack
import pytest
from named import Named, Pair
from pydantic import BaseModel, model_validator

from portablewire import Limits, PortableError, Registry, packb, unpackb
from portablewire.decoder import _DEFAULT_EXT_TYPES, _exact_unpackb_message


@dataclasses.dataclass
class Point:
    x: int
    y: float
    label: str


class Box:
    """Two-phase: may contain itself."""

    def __init__(self, content=None):
        self.content = content


class Model(BaseModel):
    kind: str
    ratio: float | None = None


class Rich(BaseModel):
    """Containers in a model's data: their maps are proven with the message (see _short_proof)."""

    kind: str
    tags: list[str] = []
    counts: dict[str, int] = {}


class Mutating(BaseModel):
    """A before-validator that changes its input in place: user code sees the data, so the data is
    proven before it is validated."""

    kind: str
    seen: int = 0

    @model_validator(mode="before")
    @classmethod
    def _count(cls, data):
        if isinstance(data, dict):
            data["seen"] = len(data)
            data["padding"] = "x" * 40
        return data


registry = Registry()
registry.register(Point, "m.Point")
registry.register(Box, "m.Box", two_phase=True)
registry.register(Named, "m.Named")  # fills a blank instance; keeps its label in the global data
registry.register(Pair, "m.Pair")
registry.register(Model, "m.Model")
registry.register(Rich, "m.Rich")
registry.register(Mutating, "m.Mutating")


def _messages() -> list[bytes]:
    box = Box()
    box.content = [box, Point(1, 2.5, "b")]
    shared = Point(3, -0.0, "shared")
    tagged = [Named("t0"), Named("t1")]
    values = [
        Point(1, 0.5, "a"),
        [Point(i, i / 3, f"p{i % 3}") for i in range(6)],
        {"first": shared, "again": shared, "list": [shared, Pair(1, [shared])]},
        box,
        [tagged[0], tagged[1], tagged[0], {"t": tagged[1]}],
        [Model(kind="q", ratio=0.25), Model(kind="r")],
        [Pair(Point(0, 1.0, ""), Pair(2, None)), {"k": Model(kind="x", ratio=None)}],
        [__import__("datetime").date(2024, 2, 29), (1, 2), Point(5, 5.5, "t")],
        # A list of 16 or more objects of one class: decoded in bulk when it can be.
        [Point(i, i / 3, f"p{i % 3}") for i in range(20)],
        [Point(i, float(i), "") for i in range(16)],
        # Celery-shaped bodies (args, kwargs, embed) with a pydantic model at the top level.
        [[1, 2], {"input": Model(kind="quantile", ratio=0.5), "name": "job"}, {"callbacks": None}],
        [[], {"a": Rich(kind="r", tags=["x", "y"], counts={"one": 1, "two": 2}), "b": Model(kind="m")}, {}],
        [[Mutating(kind="m")], {}, {"callbacks": None}],
    ]
    return [packb(value, registry=registry) for value in values]


MESSAGES = _messages()


def _decode(decoder, data: bytes, limits: Limits) -> tuple[str, object]:
    try:
        value, global_data = decoder(data, limits)
    except PortableError as error:
        return "error", (error.code, error.offset, error.path)
    except Exception as error:  # noqa: BLE001 - a deserializer's own exception propagates unchanged
        return "raised", (type(error).__name__, str(error))
    from portablewire.notation import to_notation

    try:
        return "value", to_notation(value, global_data)
    except Exception as error:  # noqa: BLE001 - values without notation (instances): compare re-encoded
        return "value", packb(value, registry=registry, global_data=global_data) + repr(error).encode()


def _fast(data: bytes, limits: Limits):
    from portablewire import _fastdecode, unpackb_message

    # Every input tries the bulk path (a decoder skips it for a while after one it could not take).
    for decoder in getattr(_fastdecode._local, "decoders", {}).values():
        decoder.bulk_cooldown = 0
    message = unpackb_message(data, registry=registry, limits=limits)
    return message.value, message.global_data


def _exact(data: bytes, limits: Limits):
    message = _exact_unpackb_message(data, registry, False, limits, False, _DEFAULT_EXT_TYPES)
    return message.value, message.global_data


def _check(data: bytes, limits: Limits = Limits()) -> None:
    assert _decode(_fast, data, limits) == _decode(_exact, data, limits), data.hex()


@pytest.mark.parametrize("index", range(len(MESSAGES)))
def test_every_truncation_and_every_extension(index):
    data = MESSAGES[index]
    _check(data)
    for cut in range(len(data)):
        _check(data[:cut])
    _check(data + b"\x00")


@pytest.mark.parametrize("index", range(len(MESSAGES)))
def test_random_byte_changes(index):
    rng = random.Random(index)
    data = MESSAGES[index]
    for _ in range(300):
        mutated = bytearray(data)
        for _ in range(rng.randrange(1, 3)):
            position = rng.randrange(len(mutated))
            mutated[position] = rng.choice([rng.randrange(256), 0xCA, 0xC1, 0x00, 0x7F, 0xA1, 0x81, 0x91])
        _check(bytes(mutated))


@pytest.mark.parametrize("index", range(len(MESSAGES)))
def test_limits_just_below_what_the_message_needs(index):
    data = MESSAGES[index]
    for field in ("max_depth", "max_object_count", "max_type_name_count", "max_reference_count",
                  "max_payload_byte_count", "max_element_count", "max_global_data_count"):
        for value in range(0, 6):
            _check(data, Limits(**{field: value}))


def _object(name: bytes | int, data: bytes, code: int = 0x50) -> bytes:
    type_ref = msgpack.packb(name) if isinstance(name, int) else msgpack.packb(name.decode())
    return msgpack.packb(msgpack.ExtType(code, type_ref + data))


def test_handmade_object_data_the_fast_path_must_not_accept_as_is():
    point = b"\x83\xa1x\x01\xa1y\xcb" + b"\x3f\xe0" + bytes(6) + b"\xa5label\xa1a"
    cases = [
        _object(b"m.Point", point),
        _object(b"m.Point", b"\x83\xa1x\x01\xa1y\xca\x3f\xc0\x00\x00\xa5label\xa1a"),  # float32 y
        _object(b"m.Point", b"\x83\xa1x\x01\xa1x\x02\xa5label\xa1a"),  # a repeated key
        _object(b"m.Point", b"\x82\x01\x01\xa5label\xa1a"),  # a non-str key
        _object(b"m.Point", b"\x83\xa1x\xcd\x00\x01\xa1y\xc0\xa5label\xa1a"),  # a non-shortest int
        _object(b"m.Point", b"\x83\xa5label\xa1a\xa1y\xc0\xa1x\x01"),  # another key order
        _object(b"m.Point", b"\x91\x01"),  # not a map
        _object(b"m.Point", point + b"\x00"),  # more than one value in the payload
        b"\x92" + _object(b"m.Point", point) + _object(1, point),  # type index 1 is not defined
        b"\x92" + _object(b"m.Point", point) + _object(0, point),  # type index 0: fine
        b"\x92" + _object(b"m.Point", point) + _object(b"m.Point", point),  # the name twice
        _object(b"m.Nope", point),  # an unknown type
        _object(b"m.Model", b"\x82\xa4kind\xa1q\xa5ratio\xca\x3e\x80\x00\x00"),  # float32 into a model
        _object(b"m.Model", b"\x81\xa4kind\x05"),  # data the model rejects
        _object(b"m.Pair", b"\x92\x01" + _object(b"m.Pair", b"\x92\x02\xc0")),  # nested objects
        _object(b"m.Pair", b"\x92" + msgpack.packb(msgpack.ExtType(0x52, b"\x00")) + b"\x01"),  # ref to itself
        _object(b"m.Box", b"\x81\xa7content" + msgpack.packb(msgpack.ExtType(0x52, b"\x00")), 0x51),
        _object(b"m.Box", b"\x81\xa7content" + msgpack.packb(msgpack.ExtType(0x52, b"\x00"))),  # P: incomplete
        _object(b"m.Named", b"\x00"),  # no global data
    ]
    deep = b"\x91" * 600 + b"\x01"
    cases.append(_object(b"m.Pair", b"\x92" + deep + b"\x01"))
    for case in cases:
        # Beside the object, at the top level: a float32, a repeated key, a non-shortest int.
        for framed in (case, b"\x91" + case, b"\x92" + case + b"\xca\x3f\xc0\x00\x00",
                       b"\x82\xa1a" + case + b"\xa1a\x01", b"\x82\xa1a" + case + b"\xa1b\xcc\x01",
                       b"\x82\xa1a" + case + b"\xa1b" + case, b"\x92" + case + b"\x91" * 30 + b"\x01"):
            _check(framed)
            for depth in (3, 5, 40, 600):
                _check(framed, Limits(max_depth=depth))


def _points_list(payloads: list[bytes], header: bytes | None = None) -> bytes:
    """A list of Point objects: the name in the first, index 0 after (or what each payload says)."""
    items = [_object(b"m.Point", payloads[0])] + [_object(0, payload) for payload in payloads[1:]]
    if header is None:
        header = b"\xdc" + len(items).to_bytes(2, "big")
    return header + b"".join(items)


def _point(x: int, y: bytes = b"\xcb" + bytes(8), label: bytes = b"\xa1a") -> bytes:
    return b"\x83\xa1x" + msgpack.packb(x) + b"\xa1y" + y + b"\xa5label" + label


def test_lists_of_one_class_with_one_odd_object():
    good = [_point(i) for i in range(20)]
    odd = {
        "float32": _point(1, b"\xca\x3f\xc0\x00\x00"),
        "repeated key": b"\x83\xa1x\x01\xa1x\x02\xa5label\xa1a",
        "int key": b"\x83\x01\x01\xa1y\xc0\xa5label\xa1a",
        "bin key": b"\x83\xc4\x01x\x01\xa1y\xc0\xa5label\xa1a",
        "list value": _point(1, b"\x91\x01"),
        "map value": _point(1, b"\x81\xa1k\x01"),
        "nested object": _point(1, _object(b"m.Pair", b"\x92\x01\x02")),
        "reference": _point(1, msgpack.packb(msgpack.ExtType(0x52, b"\x00"))),
        "opaque ext": _point(1, msgpack.packb(msgpack.ExtType(5, b"\x00"))),
        "timestamp": _point(1, msgpack.packb(msgpack.Timestamp(1, 0))),
        "non-shortest int": b"\x83\xa1x\xcd\x00\x01\xa1y\xc0\xa5label\xa1a",
        "not a map": b"\x92\x01\x02",
        "fixmap16": b"\xde\x00\x03\xa1x\x01\xa1y\xc0\xa5label\xa1a",
        "trailing": _point(1) + b"\x00",
        "empty": b"",
    }
    for name, payload in odd.items():
        for position in (0, 1, 19):
            payloads = list(good)
            payloads[position] = payload
            _check(_points_list(payloads))
    # The type named again mid-list, another class, R / Q / G exts among them, a non-shortest list
    # or ext header, a fixarray of 15, index 1.
    _check(_points_list(good[:10]) [:3] + b"".join(
        [_object(b"m.Point", good[0])] + [_object(b"m.Point", p) for p in good[1:]]))
    _check(b"\xdc\x00\x14" + _object(b"m.Point", good[0]) + b"".join(_object(0, p) for p in good[1:19])
           + _object(b"m.Model", b"\x81\xa4kind\xa1q"))
    for ext in (msgpack.ExtType(0x52, b"\x00"), msgpack.ExtType(0x51, b"\x00" + good[1]),
                msgpack.ExtType(0x47, b"\x80\x01"), msgpack.ExtType(5, b"")):
        _check(b"\xdc\x00\x14" + _object(b"m.Point", good[0]) + b"".join(_object(0, p) for p in good[1:19])
               + msgpack.packb(ext))
    _check(_points_list(good, b"\xdd" + (20).to_bytes(4, "big")))
    _check(b"\xdc\x00\x14" + b"\xc9" + (len(good[0]) + 10).to_bytes(4, "big") + b"\x50\xa7m.Point" + good[0][1:]
           + b"".join(_object(0, p) for p in good[1:]))
    _check(b"\x9f" + _object(b"m.Point", good[0]) + b"".join(_object(0, p) for p in good[1:15]))
    _check(b"\xdc\x00\x14" + _object(b"m.Point", good[0]) + b"".join(_object(1, p) for p in good[1:]))
    _check(b"\xdc\x00\x0f" + _object(b"m.Point", good[0]) + b"".join(_object(0, p) for p in good[1:15]))
    for limits in (Limits(max_depth=2), Limits(max_depth=3), Limits(max_object_count=19),
                   Limits(max_object_count=20), Limits(max_type_name_count=0), Limits(max_payload_byte_count=20)):
        _check(_points_list(good), limits)
    # Every object distinct and filled, each its own __dict__, after a bulk decode.
    points = unpackb(_points_list(good), registry=registry)
    assert len({id(p) for p in points}) == 20 and [p.x for p in points] == list(range(20))


def test_shuffled_object_map_orders():
    rng = random.Random(5)
    for _ in range(50):
        items = [(b"\xa1x", msgpack.packb(rng.randrange(-5, 300))), (b"\xa1y", msgpack.packb(rng.random())),
                 (b"\xa5label", msgpack.packb("z" * rng.randrange(3)))]
        rng.shuffle(items)
        payload = b"\x83" + b"".join(k + v for k, v in items)
        _check(b"\x92" + _object(b"m.Point", payload) + _object(0, payload))


class Number:
    """Built as a plain int: the re-pack writes it natively, not as the ext it came from."""

    def __init__(self, n):
        self.n = n

    def __serialize__(self, global_data):
        return self.n

    @staticmethod
    def __new_deserialized__(data, global_data):
        return data if data % 2 else [data]


def test_objects_decoded_as_plain_values_beside_others():
    local = Registry()
    local.register(Number, "m.Number")
    local.register(Point, "m.Point")
    for value in ([Number(3), Point(1, 1.5, "x")], [Point(1, 1.5, "x"), Number(4), Point(2, 0.5, "y")],
                  {"a": Number(5), "b": [Number(6)], "c": Point(0, 0.0, "")}, [Number(7)] * 3):
        data = packb(value, registry=local)
        for wrapped in (data, b"\x91" + data, b"\x91" * 600 + data):
            fast = _decode(lambda d, l: tuple(unpackb_message_local(d, l, local)), wrapped, Limits())
            exact = _decode(lambda d, l: tuple(_exact_unpackb_message(d, local, False, l, False, _DEFAULT_EXT_TYPES)),
                            wrapped, Limits())
            assert fast == exact


def unpackb_message_local(data, limits, local):
    from portablewire import unpackb_message

    return unpackb_message(data, registry=local, limits=limits)


class Logged:
    """Counts its attribute writes and blank creations: the bulk path must not skip or repeat them."""

    writes = 0
    made = 0

    def __new__(cls, *args, **kwargs):
        cls.made += 1
        return super().__new__(cls)

    def __init__(self, x=0):
        self.x = x

    def __setattr__(self, name, value):
        type(self).writes += 1
        super().__setattr__(name, value)


class Plain2:
    def __init__(self, x=0):
        self.x = x


def test_lists_of_classes_with_their_own_new_or_setattr_decode_as_the_exact_decoder_does():
    local = Registry()
    local.register(Logged, "m.Logged")
    local.register(Plain2, "m.Plain2")
    for cls in (Logged, Plain2):
        data = packb([cls(i) for i in range(20)], registry=local)
        Logged.made = Logged.writes = 0
        fast = unpackb(data, registry=local)
        fast_counts = (Logged.made, Logged.writes)
        Logged.made = Logged.writes = 0
        exact = _exact_unpackb_message(data, local, False, Limits(), False, _DEFAULT_EXT_TYPES).value
        assert fast_counts == (Logged.made, Logged.writes)
        assert [vars(o) for o in fast] == [vars(o) for o in exact] == [{"x": i} for i in range(20)]
        assert all(type(o) is cls for o in fast)


def test_shuffled_object_map_orders_in_a_list_of_one_class():
    rng = random.Random(9)
    for _ in range(30):
        payloads = []
        for _ in range(rng.choice([16, 17, 40])):
            items = [(b"\xa1x", msgpack.packb(rng.randrange(-5, 300))), (b"\xa1y", msgpack.packb(rng.random())),
                     (b"\xa5label", msgpack.packb("z" * rng.randrange(3)))]
            rng.shuffle(items)
            payloads.append(b"\x83" + b"".join(k + v for k, v in items))
        _check(_points_list(payloads))


def _ext(code: int, payload: bytes) -> bytes:
    """An ext value's bytes, made by hand (an ExtType with a portable code would send this process's
    encoders the exact way, see _extwatch)."""
    size = len(payload)
    if size in (1, 2, 4, 8, 16):
        return bytes([{1: 0xD4, 2: 0xD5, 4: 0xD6, 8: 0xD7, 16: 0xD8}[size], code & 0xFF]) + payload
    assert size < 256
    return bytes([0xC7, size, code & 0xFF]) + payload


@pytest.mark.parametrize("shift", [-1, 1, 3])
def test_bulk_object_data_moved_across_ext_boundaries_decodes_as_the_exact_decoder_says(shift):
    """The bulk path unpacks every object's data from their joined bytes: bytes moved from one ext's
    payload to the next keep the joined bytes (and how they split into values) the same, but not
    where each object's data ends, which is the exact decoder's error."""
    points = [Point(i, i / 3, f"p{i % 3}") for i in range(20)]
    exts = msgpack.unpackb(packb(points, registry=registry), ext_hook=lambda code, payload: (code, payload))
    code = exts[0][0]
    payloads = [payload for _, payload in exts]
    if shift < 0:  # the second object's data all in the first ext (two maps there, none in the second)
        payloads[0], payloads[1] = payloads[0] + payloads[1][1:], payloads[1][:1]
    else:  # the first `shift` bytes of the third object's data at the end of the second's
        payloads[1], payloads[2] = payloads[1] + payloads[2][1 : 1 + shift], payloads[2][:1] + payloads[2][1 + shift :]
    data = b"\xdc" + len(payloads).to_bytes(2, "big") + b"".join(_ext(code, payload) for payload in payloads)
    assert _decode(_exact, data, Limits())[0] == "error"
    _check(data)


def _celery(model: bytes, *, args: bytes = b"\x92\x01\x02", name: bytes = b"\xa4name\xa3job",
            embed: bytes = b"\x81\xa9callbacks\xc0", type_name: bytes = b"m.Model") -> bytes:
    """A Celery-shaped body by hand: [args, {"input": <object>, ...}, embed]."""
    return b"\x93" + args + b"\x82\xa5input" + _object(type_name, model) + name + embed


def test_celery_shaped_bodies_the_short_path_must_not_accept_as_is(monkeypatch):
    """The short path proves a top-level pydantic object's data together with the body (one re-pack,
    compared by length; see _FastDecoder._short_proof): non-shortest forms, float32 values,
    repeated keys and too-deep nesting, in the object's data or in the body around it, must decode
    (or fail, with the same code, offset and path) exactly as the exact decoder says."""
    model = b"\x82\xa4kind\xa8quantile\xa5ratio\xcb\x3f\xe0" + bytes(6)
    rich = b"\x83\xa4kind\xa1r\xa4tags\x92\xa1x\xa1y\xa6counts\x82\xa3one\x01\xa3two\x02"
    cases = [
        _celery(model),
        _celery(b"\x82\xa4kind\xd9\x08quantile\xa5ratio\xcb\x3f\xe0" + bytes(6)),  # a str8 for a fixstr
        _celery(b"\x82\xa4kind\xa1q\xa5ratio\xca\x3f\x00\x00\x00"),  # float32 in the model's data
        _celery(b"\x83\xa4kind\xa1q\xa5ratio\xc0\xa4kind\xa1r"),  # a repeated key in the model's data
        _celery(b"\x83\xa4kind\xa1q\xa5ratio\xc0\xa4kind\xa1q"),  # repeated with the same value
        _celery(b"\xde\x00\x02\xa4kind\xa1q\xa5ratio\xc0"),  # a map16 header
        _celery(b"\x82\xa4kind\xa1q\xa5ratio\xc0", args=b"\x92\xcc\x01\xd1\x00\x02"),  # non-shortest ints
        _celery(model, args=b"\x92\x01\xca\x3f\xc0\x00\x00"),  # float32 in the body
        _celery(model, name=b"\xa5input\xa3job"),  # the body's kwargs repeat "input"
        _celery(model, embed=b"\x82\xa1k\x01\xa1k\x02"),  # a repeated key in the embed
        _celery(model, embed=b"\x83\xa1k\x01\xa1k\x01\xa1z\x00"),  # a repeated key and value
        _celery(model, args=b"\x91" * 20 + b"\x01"),  # nested lists in the body
        _celery(rich, type_name=b"m.Rich"),
        _celery(b"\x83\xa4kind\xa1r\xa4tags\x91\xa1x\xa6counts\x82\xa3one\x01\xa3one\x02", type_name=b"m.Rich"),
        _celery(b"\x83\xa4kind\xa1r\xa4tags\x91\xcb" + bytes(8) + b"\xa6counts\x80", type_name=b"m.Rich"),
        _celery(b"\x82\xa4kind\xa1r\xa4tags\x91\x91\x91\x91\x91\xa1x", type_name=b"m.Rich"),
        # A repeated key, and a key only the before-validator would have added (same length).
        _celery(b"\x82\xa4kind\xa1m\xa4kind\xa1m", type_name=b"m.Mutating"),
        _celery(b"\x81\xa4kind\xa1m", type_name=b"m.Mutating"),
        # The object twice (a back-reference), and a second object beside it.
        b"\x93\x90\x82\xa1a" + _object(b"m.Model", model) + b"\xa1b" + _ext(0x52, b"\x00") + b"\x80",
        b"\x93\x90\x82\xa1a" + _object(b"m.Model", model) + b"\xa1b" + _object(0, model[:-9] + b"\xc0") + b"\x80",
        b"\x93\x90\x82\xa1a" + _object(b"m.Model", model) + b"\xa1a" + _object(0, model) + b"\x80",
        # The object's ext with a longer header than its payload needs (ext16).
        b"\x91" + b"\xc8" + len(b"\xa7m.Model" + model).to_bytes(2, "big") + b"\x50\xa7m.Model" + model,
    ]
    from portablewire import decoder

    for case in cases:
        _check(case)
        for depth in (3, 5, 12, 40):
            _check(case, Limits(max_depth=depth))
    # The canonical body is proven by the short path itself (no hand-over).
    exact = []
    monkeypatch.setattr(decoder, "_exact_unpackb_message", lambda *a: exact.append(a) or _exact_unpackb_message(*a))
    for case in (cases[0], cases[12]):
        assert unpackb(case, registry=registry) == unpackb(case, registry=registry)
    assert exact == []
    with pytest.raises(PortableError):
        unpackb(cases[3], registry=registry)  # the repeated key: handed over, and reported there
    assert len(exact) == 1


def test_a_message_the_short_path_gave_up_leaves_no_objects_for_the_next():
    """The short path resets its tables only when one of its messages failed or decode() ran:
    a back-reference or type index of the next message must not find the last one's."""
    model = packb([[], {"input": Model(kind="q")}, {}], registry=registry)
    reference = b"\x91" + _ext(0x52, b"\x00")
    index = b"\x91" + _object(0, b"\x81\xa4kind\xa1q")
    float32 = b"\x93\x91\xca\x3f\xc0\x00\x00" + model[2:]  # args [float32]: proven, and handed over, after the hook
    assert model[:2] == b"\x93\x90"
    for before in (model, model[:-1], model.replace(b"\xa4kind", b"\xa4kine"), float32,
                   b"\x91" + _object(b"m.Nope", b"\x80")):
        for after in (reference, index):
            for _ in range(2):  # (the first may go through decode(), which leaves the tables to reset)
                assert unpackb(model, registry=registry)[1]["input"] == Model(kind="q")
            try:
                unpackb(before, registry=registry)
            except PortableError:
                pass
            with pytest.raises(PortableError):
                unpackb(after, registry=registry)
            _check(after)


def test_an_interrupted_short_path_leaves_no_objects_for_the_next(monkeypatch):
    class Interrupt(BaseException):
        pass

    model = packb([[], {"input": Model(kind="q")}, {}], registry=registry)
    unpackb(model, registry=registry)
    from portablewire import pydantic as portable_pydantic

    def interrupt(self, validator):
        raise Interrupt

    monkeypatch.setattr(portable_pydantic._Load, "pure_validator", interrupt)
    for load in (registry._by_name["m.Model"].new_deserialized,):
        load._pure[0] = None
    with pytest.raises(Interrupt):
        unpackb(model, registry=registry)
    monkeypatch.undo()
    with pytest.raises(PortableError):  # type index 0, which that message defined
        unpackb(b"\x91" + _object(0, b"\x81\xa4kind\xa1q"), registry=registry)
    assert unpackb(model, registry=registry)[1]["input"] == Model(kind="q")


def test_only_models_validated_without_user_code_are_proven_with_the_message():
    """_Load.pure_validator: the short path validates a top-level model before the message's proof
    only when no user code (validators, __init__, post-init, default factories) sees its data."""
    from pydantic import Field, field_validator

    from portablewire.pydantic import _Load

    def factory():
        return 1

    class Plain(BaseModel):
        kind: str
        tags: list[str] = Field(default_factory=list)
        inner: Model | None = None

    class Checked(BaseModel):
        kind: str

        @field_validator("kind")
        @classmethod
        def _kind(cls, value):
            return value

    class Made(BaseModel):
        n: int = Field(default_factory=factory)

    class Posted(BaseModel):
        kind: str = ""

        def model_post_init(self, context):
            pass

    class Built(BaseModel):
        kind: str = ""

        def __init__(self, **data):
            super().__init__(**data)

    class Holding(BaseModel):
        inner: Checked

    expected = {Plain: True, Model: True, Rich: True, Mutating: False, Checked: False, Made: False,
                Posted: False, Built: False, Holding: False}
    for cls, pure in expected.items():
        load = _Load(cls, "t")
        assert load.pure_validator(cls.__pydantic_validator__) is pure, cls
    # The decision belongs to the validator it was made for: a rebuilt model is looked at again.
    load = _Load(Plain, "t")
    assert load.pure_validator(Plain.__pydantic_validator__)
    load._pure[1] = False
    assert not load.pure_validator(Plain.__pydantic_validator__)
    Plain.model_rebuild(force=True)
    assert load.pure_validator(Plain.__pydantic_validator__)

# SPDX-License-Identifier: Apache-2.0
"""The fast decoder against the exact decoder on Celery-shaped bodies in every valid spelling.

Bodies holding pydantic models (in kwargs, in args, twice so one is a back-reference, alone), and
rows referring back to shared objects whose names travel in the global data (an envelope), are
packed, read back by a msgpack reader written here (not the package's), and written again by a
writer written here that picks, at random, valid forms other than the shortest: wider ints and
int/uint swaps, str/bin/array/map/ext headers wider than needed, float32 where it holds the value
exactly, a repeated map entry, inside an object's data, an envelope and a back-reference as well
as around them; with ``max_depth`` or the object and back-reference counts sometimes just below
what the message needs. ``unpackb`` (the fast path, which proves some of this by lengths instead
of bytes) must give what the exact decoder gives: an equal value, or the same error code, offset
and path.
"""

from __future__ import annotations

import random
import struct
from typing import Any

import pytest
from pydantic import BaseModel

from portablewire import Limits, PortableError, Registry, packb, unpackb, unpackb_message
from portablewire.decoder import _DEFAULT_EXT_TYPES, _exact_unpackb_message
from portablewire.notation import to_notation


class Variable(BaseModel):
    type: str
    quantile: float | None = None
    weight: int = 1
    tags: list[str] = []
    extra: dict[str, int] = {}


class Loose(BaseModel):
    """Takes what comes: a float32 arrives as Float32 here, not as a float."""

    value: Any = None
    count: int = 0


class Plain(BaseModel):
    n: int
    s: str = ""


registry = Registry()
registry.register(Variable, "differential.Variable")
registry.register(Plain, "differential.Plain")
registry.register(Loose, "differential.Loose")


# --- an independent reader: bytes -> tokens
def read(b, i):
    t = b[i]
    if t <= 0x7F:
        return ("int", t), i + 1
    if t >= 0xE0:
        return ("int", t - 256), i + 1
    if 0x80 <= t <= 0x8F:
        return read_map(b, i + 1, t & 0xF)
    if 0x90 <= t <= 0x9F:
        return read_arr(b, i + 1, t & 0xF)
    if 0xA0 <= t <= 0xBF:
        n = t & 0x1F
        return ("str", b[i + 1 : i + 1 + n]), i + 1 + n
    if t == 0xC0:
        return ("nil",), i + 1
    if t == 0xC2:
        return ("bool", False), i + 1
    if t == 0xC3:
        return ("bool", True), i + 1
    if t in (0xC4, 0xC5, 0xC6):
        w = {0xC4: 1, 0xC5: 2, 0xC6: 4}[t]
        n = int.from_bytes(b[i + 1 : i + 1 + w], "big")
        return ("bin", b[i + 1 + w : i + 1 + w + n]), i + 1 + w + n
    if t in (0xC7, 0xC8, 0xC9):
        w = {0xC7: 1, 0xC8: 2, 0xC9: 4}[t]
        n = int.from_bytes(b[i + 1 : i + 1 + w], "big")
        code = struct.unpack("b", b[i + 1 + w : i + 2 + w])[0]
        return ("ext", code, b[i + 2 + w : i + 2 + w + n]), i + 2 + w + n
    if t == 0xCA:
        return ("f32", struct.unpack(">f", b[i + 1 : i + 5])[0]), i + 5
    if t == 0xCB:
        return ("f64", struct.unpack(">d", b[i + 1 : i + 9])[0]), i + 9
    if 0xCC <= t <= 0xCF:
        w = 1 << (t - 0xCC)
        return ("int", int.from_bytes(b[i + 1 : i + 1 + w], "big")), i + 1 + w
    if 0xD0 <= t <= 0xD3:
        w = 1 << (t - 0xD0)
        return ("int", int.from_bytes(b[i + 1 : i + 1 + w], "big", signed=True)), i + 1 + w
    if 0xD4 <= t <= 0xD8:
        n = 1 << (t - 0xD4)
        code = struct.unpack("b", b[i + 1 : i + 2])[0]
        return ("ext", code, b[i + 2 : i + 2 + n]), i + 2 + n
    if t in (0xD9, 0xDA, 0xDB):
        w = {0xD9: 1, 0xDA: 2, 0xDB: 4}[t]
        n = int.from_bytes(b[i + 1 : i + 1 + w], "big")
        return ("str", b[i + 1 + w : i + 1 + w + n]), i + 1 + w + n
    if t in (0xDC, 0xDD):
        w = 2 if t == 0xDC else 4
        return read_arr(b, i + 1 + w, int.from_bytes(b[i + 1 : i + 1 + w], "big"))
    if t in (0xDE, 0xDF):
        w = 2 if t == 0xDE else 4
        return read_map(b, i + 1 + w, int.from_bytes(b[i + 1 : i + 1 + w], "big"))
    raise ValueError(hex(t))


def read_arr(b, i, n):
    out = []
    for _ in range(n):
        v, i = read(b, i)
        out.append(v)
    return ("arr", out), i


def read_map(b, i, n):
    out = []
    for _ in range(n):
        k, i = read(b, i)
        v, i = read(b, i)
        out.append((k, v))
    return ("map", out), i


class Customer:
    """Sends its name through the global data's names table (the message gets an envelope)."""

    def __init__(self, name="", tier=0):
        self.name = name
        self.tier = tier

    def __serialize__(self, global_data):
        names = global_data.setdefault("names", [])
        names.append(self.name)
        return [len(names) - 1, self.tier]

    def __deserialize__(self, data, global_data):
        self.name = global_data["names"][data[0]]
        self.tier = data[1]


registry.register(Customer, "differential.Customer")

OBJECT_CODE: int = read(packb(Plain(n=1), registry=registry), 0)[0][1]
ENVELOPE_CODE: int = read(packb([Customer("a", 1)], registry=registry), 0)[0][1]
_shared = Plain(n=1)
REFERENCE_CODE: int = read(packb([_shared, _shared], registry=registry), 0)[0][1][1][1]
assert len({OBJECT_CODE, ENVELOPE_CODE, REFERENCE_CODE}) == 3


# --- an independent writer with variants
def w_int(v, rng, vary):
    if vary and rng.random() < 0.5:
        # any wider form that holds it
        forms = []
        for w, code in ((1, 0xCC), (2, 0xCD), (4, 0xCE), (8, 0xCF)):
            if 0 <= v < (1 << (8 * w)):
                forms.append(bytes([code]) + v.to_bytes(w, "big"))
        for w, code in ((1, 0xD0), (2, 0xD1), (4, 0xD2), (8, 0xD3)):
            if -(1 << (8 * w - 1)) <= v < (1 << (8 * w - 1)):
                forms.append(bytes([code]) + v.to_bytes(w, "big", signed=True))
        if forms:
            return rng.choice(forms)
    if 0 <= v <= 0x7F:
        return bytes([v])
    if -32 <= v < 0:
        return bytes([v + 256])
    if v >= 0:
        for w, code in ((1, 0xCC), (2, 0xCD), (4, 0xCE), (8, 0xCF)):
            if v < (1 << (8 * w)):
                return bytes([code]) + v.to_bytes(w, "big")
    for w, code in ((1, 0xD0), (2, 0xD1), (4, 0xD2), (8, 0xD3)):
        if v >= -(1 << (8 * w - 1)):
            return bytes([code]) + v.to_bytes(w, "big", signed=True)


def w_len(n, small_base, small_max, codes, rng, vary):
    if n <= small_max and not (vary and rng.random() < 0.4):
        return bytes([small_base | n])
    opts = [(c, w) for c, w in codes if n < (1 << (8 * w))]
    c, w = rng.choice(opts) if vary else opts[0]
    return bytes([c]) + n.to_bytes(w, "big")


def write(tok, rng, vary):
    k = tok[0]
    if k == "int":
        return w_int(tok[1], rng, vary)
    if k == "nil":
        return b"\xc0"
    if k == "bool":
        return b"\xc3" if tok[1] else b"\xc2"
    if k == "f64":
        v = tok[1]
        if vary and rng.random() < 0.3 and struct.unpack(">f", struct.pack(">f", v))[0] == v:
            return b"\xca" + struct.pack(">f", v)
        return b"\xcb" + struct.pack(">d", v)
    if k == "f32":
        return b"\xca" + struct.pack(">f", tok[1])
    if k == "str":
        return w_len(len(tok[1]), 0xA0, 31, ((0xD9, 1), (0xDA, 2), (0xDB, 4)), rng, vary) + tok[1]
    if k == "bin":
        n = len(tok[1])
        opts = [(c, w) for c, w in ((0xC4, 1), (0xC5, 2), (0xC6, 4)) if n < (1 << (8 * w))]
        c, w = rng.choice(opts) if vary else opts[0]
        return bytes([c]) + n.to_bytes(w, "big") + tok[1]
    if k == "arr":
        return w_len(len(tok[1]), 0x90, 15, ((0xDC, 2), (0xDD, 4)), rng, vary) + b"".join(
            write(v, rng, vary) for v in tok[1]
        )
    if k == "map":
        items = list(tok[1])
        if vary and items and rng.random() < 0.15:
            items.insert(rng.randrange(len(items) + 1), rng.choice(items))  # a repeated key
        return w_len(len(items), 0x80, 15, ((0xDE, 2), (0xDF, 4)), rng, vary) + b"".join(
            write(a, rng, vary) + write(b, rng, vary) for a, b in items
        )
    if k == "ext":
        code, payload = tok[1], tok[2]
        if code in (OBJECT_CODE, ENVELOPE_CODE, REFERENCE_CODE) and vary and rng.random() < 0.7:
            # The payload is a run of values (a type-ref and the data; the global data and the body;
            # an object id): each is spelled again.
            values, j = [], 0
            while j < len(payload):
                value, j = read(payload, j)
                values.append(value)
            payload = b"".join(write(value, rng, vary) for value in values)
        n = len(payload)
        cb = struct.pack("b", code)
        if n in (1, 2, 4, 8, 16) and not (vary and rng.random() < 0.4):
            return bytes([{1: 0xD4, 2: 0xD5, 4: 0xD6, 8: 0xD7, 16: 0xD8}[n]]) + cb + payload
        opts = [(c, w) for c, w in ((0xC7, 1), (0xC8, 2), (0xC9, 4)) if n < (1 << (8 * w))]
        c, w = rng.choice(opts) if vary else opts[0]
        return bytes([c]) + n.to_bytes(w, "big") + cb + payload
    raise ValueError(k)


def decode(fn, data, limits):
    try:
        value, gd = fn(data, limits)
    except PortableError as e:
        return ("error", e.code, e.offset, e.path)
    except Exception as e:  # noqa: BLE001 - a deserializer's own exception propagates unchanged
        return ("raised", type(e).__name__, str(e))
    try:
        return ("value", to_notation(value, gd))
    except Exception as e:  # noqa: BLE001 - values without notation (instances): compare re-encoded
        return ("value", packb(value, registry=registry, global_data=gd), repr(e))


def fast(d, l):
    m = unpackb_message(d, registry=registry, limits=l)
    return m.value, m.global_data


def exact(d, l):
    m = _exact_unpackb_message(d, registry, False, l, False, _DEFAULT_EXT_TYPES)
    return m.value, m.global_data


def fast_body(d, l):
    # unpackb's own route: a thread's decoder reused while registry and limits are the same objects.
    return unpackb(d, registry=registry, limits=l), None


def exact_body(d, l):
    return _exact_unpackb_message(d, registry, False, l, False, _DEFAULT_EXT_TYPES).value, None


def rand_model(rng):
    if rng.random() < 0.3:
        return Loose(
            value=rng.choice([0.5, 1.25, -2.0, [0.5, 3], {"k": 0.75}, "s", None]),
            count=rng.choice([0, 5, 200, 70000, -40]),
        )
    if rng.random() < 0.3:
        return Plain(
            n=rng.choice([0, 1, 127, 128, 255, 256, 1000, 65535, 65536, -1, -33, -129, 2**40]),
            s=rng.choice(["", "x", "é" * 3, "y" * 40]),
        )
    return Variable(
        type=rng.choice(["quantile", "mean", "a" * 33]),
        quantile=rng.choice([None, 0.5, 1.0, 0.1, 2.5, -0.0]),
        weight=rng.choice([1, 0, 300, -5, 70000]),
        tags=[rng.choice("abc") for _ in range(rng.randrange(4))],
        extra={rng.choice("pqrs"): rng.randrange(-300, 300) for _ in range(rng.randrange(4))},
    )


def _bodies(rng):
    for _ in range(250):
        m = rand_model(rng)
        shape = rng.randrange(5)
        if shape == 0:
            yield [[1, 2], {"input": m, "name": "job"}, {"callbacks": None}]
        elif shape == 1:
            yield [[m], {}, {"callbacks": None, "chord": None}]
        elif shape == 2:
            yield [[], {"a": m, "b": m}, {}]  # the second is a back-reference
        elif shape == 3:
            yield m
        else:
            # Rows referring back to a few shared objects, their names in the global data.
            customers = [Customer(f"customer-{i}", i % 3) for i in range(rng.randrange(1, 5))]
            step = rng.choice([1.25, 0.1])  # 0.1: not a float32; 1.25 steps are
            yield [
                {"row": i, "customer": customers[i % len(customers)], "amount": i * step}
                for i in range(rng.randrange(2, 24))
            ]


# Made once: unpackb reuses a thread's fast decoder only for the same Limits object (its short path).
_LIMITS = (
    [Limits(max_depth=depth) for depth in (3, 4, 5, 8, 64)]
    + [Limits(max_reference_count=count) for count in (1, 4, 12)]
    + [Limits(max_object_count=count) for count in (1, 2, 4)]
    + [Limits()]
)


def test_the_reader_and_writer_here_reproduce_canonical_bytes():
    rng = random.Random(0)
    for body in _bodies(rng):
        canonical = packb(body, registry=registry)
        tok, end = read(canonical, 0)
        assert end == len(canonical)
        assert write(tok, rng, False) == canonical, canonical.hex()


@pytest.mark.parametrize("seed", range(8))
def test_fast_and_exact_decoders_agree_on_every_spelling(seed):
    rng = random.Random(seed)
    outcomes: dict[str, int] = {}
    changed = 0
    for body in _bodies(rng):
        canonical = packb(body, registry=registry)
        tok, _ = read(canonical, 0)
        for _ in range(4):
            data = write(tok, rng, True)
            changed += data != canonical
            limits = rng.choice(_LIMITS) if rng.random() < 0.3 else _LIMITS[-1]
            fast_result, exact_result = decode(fast, data, limits), decode(exact, data, limits)
            assert fast_result == exact_result, (data.hex(), limits)
            body_result = decode(fast_body, data, limits)
            assert body_result == decode(exact_body, data, limits), (data.hex(), limits)
            outcomes[fast_result[0]] = outcomes.get(fast_result[0], 0) + 1
    # The spellings really vary, and both values and errors are compared.
    assert changed > 800
    assert outcomes.get("value", 0) > 300 and outcomes.get("error", 0) > 100, outcomes

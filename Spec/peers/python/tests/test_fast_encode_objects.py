# SPDX-License-Identifier: Apache-2.0
"""The fast encoder's inline object path against the exact encoder alone.

Registered instances of each kind (``__dict__`` data, ``__serialize__`` with and without global
data, ``serialize=`` functions, NamedTuples, frozen dataclasses, pydantic models, enum members),
shared so that back-references to ids below and above 128 occur, nested in each other and in
plain data, under limits set around what each message needs: ``packb`` (fast, handing over when
it must) must give the exact encoder's bytes, or the same error.
"""

from __future__ import annotations

import dataclasses
import enum
import random
from typing import NamedTuple

import pytest
from pydantic import BaseModel

from portablewire import GlobalData, Limits, PortableError, Registry, packb
from portablewire.encoder import _DEFAULT_EXT_TYPES, _exact_packb


class Plain:
    def __init__(self, value):
        self.value = value


class Named:
    def __init__(self, label):
        self.label = label

    def __serialize__(self, global_data: GlobalData):
        labels = global_data.setdefault("labels", [])
        labels.append(self.label)
        return len(labels) - 1

    def __deserialize__(self, data, global_data):
        self.label = global_data["labels"][data]


class Coded:
    def __init__(self, code):
        self.code = code


class Pair(NamedTuple):
    a: object
    b: object


@dataclasses.dataclass(frozen=True)
class Frozen:
    x: int


class Model(BaseModel):
    kind: str
    ratio: float | None = None
    extra: object = None


class Color(enum.Enum):
    red = 1
    green = 2


registry = Registry()
registry.register(Plain, "e.Plain")
registry.register(Named, "e.Named")
registry.register(Coded, "e.Coded", serialize=lambda c: [c.code], deserialize=lambda d: Coded(d[0]))
registry.register(Pair, "e.Pair")
registry.register(Frozen, "e.Frozen")
registry.register(Model, "e.Model")
registry.register(Color, "e.Color")


def _value(rng: random.Random, pool: list, depth: int) -> object:
    kind = rng.randrange(12 if depth < 3 else 6)
    if kind == 0:
        return rng.choice([None, 1, -1.5, "s", b"\x00", True, 2**40])
    if kind in (1, 2):
        return rng.choice(pool)  # shared: a back-reference after its first use
    if kind == 3:
        return Color.red if rng.random() < 0.5 else Color.green
    if kind == 4:
        return Frozen(rng.randrange(5))
    if kind == 5:
        return Model(kind="k", ratio=rng.choice([None, 0.5]))
    if kind == 6:
        return Plain(_value(rng, pool, depth + 1))
    if kind == 7:
        return Pair(_value(rng, pool, depth + 1), _value(rng, pool, depth + 1))
    if kind == 8:
        return Model(kind="m", extra=_value(rng, pool, depth + 1))
    if kind == 9:
        return {f"k{i}": _value(rng, pool, depth + 1) for i in range(rng.randrange(4))}
    return [_value(rng, pool, depth + 1) for _ in range(rng.randrange(4))]


def _outcome(function):
    try:
        return "bytes", function()
    except PortableError as error:
        return "error", (error.code, error.path)


def _exact(value, limits):
    return _exact_packb(value, registry, limits, _DEFAULT_EXT_TYPES, GlobalData(), {})


@pytest.mark.parametrize("seed", range(60))
def test_random_object_graphs_encode_as_the_exact_encoder_does(seed):
    rng = random.Random(seed)
    pool = [Plain(i) for i in range(rng.choice([3, 140, 300]))]
    pool += [Named(f"n{i}") for i in range(3)] + [Coded(i) for i in range(3)]
    value = [_value(rng, pool, 0) for _ in range(rng.choice([5, 60, 400]))]
    value.extend(rng.sample(pool, min(len(pool), 200)))  # first uses and references above id 128
    value.extend(rng.sample(pool, min(len(pool), 200)))
    limits = [Limits()]
    for field in ("max_reference_count", "max_object_count", "max_depth", "max_type_name_count"):
        limits.append(Limits(**{field: rng.choice([0, 1, 3, 100, 150, 400])}))
    for limit in limits:
        assert _outcome(lambda: packb(value, registry=registry, limits=limit)) == _outcome(lambda: _exact(value, limit))


def test_a_cycle_through_a_plain_object_is_reported_as_the_exact_encoder_does():
    loop = Plain(None)
    loop.value = [loop]
    assert _outcome(lambda: packb(loop, registry=registry)) == _outcome(lambda: _exact(loop, Limits()))
    assert _outcome(lambda: packb(loop, registry=registry))[0] == "error"


@pytest.mark.parametrize("max_depth", [6, 40, 512])
def test_a_back_reference_at_the_depth_limit(max_depth):
    shared = Plain("x" * 600)  # long: the message is longer than max_depth bytes
    for depth in range(max_depth - 3, max_depth + 3):
        nested: object = shared
        for _ in range(depth - 1):
            nested = [nested]
        for value in ([shared, nested], [nested, shared], {"a": shared, "b": nested}):
            limits = Limits(max_depth=max_depth)
            assert _outcome(lambda: packb(value, registry=registry, limits=limits)) == _outcome(
                lambda: _exact(value, limits)
            ), (depth, value)

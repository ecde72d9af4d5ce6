# SPDX-License-Identifier: Apache-2.0
"""The fast paths (msgpack's C packer and unpacker) agree byte for byte with the exact codec.

Every value is encoded by ``packb`` (fast, falling back when it must) and by the exact encoder
alone, and decoded both ways; the results must be identical. A second group proves the common
messages never fall back, so the benchmark measures the fast path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import uuid
from decimal import Decimal

import pytest
from named import Named

import portablewire.decoder as decoder_module
import portablewire.encoder as encoder_module
from portablewire import Float32, GlobalData, Limits, Map, Registry, packb, unpackb
from portablewire.decoder import _exact_unpackb_message
from portablewire.encoder import _DEFAULT_EXT_TYPES, _DEFAULT_LIMITS, _exact_packb


@dataclasses.dataclass
class Item:
    name: str
    value: object


class Shared:
    def __init__(self, label):
        self.label = label


registry = Registry()
registry.register(Item, "t.Item")
registry.register(Shared, "t.Shared")
registry.register(Named, "t.Named")


def exact_pack(value, limits=_DEFAULT_LIMITS):
    return _exact_packb(value, registry, limits, _DEFAULT_EXT_TYPES, GlobalData(), {})


def exact_unpack(data, limits=_DEFAULT_LIMITS):
    return _exact_unpackb_message(data, registry, False, limits, False, _DEFAULT_EXT_TYPES)


def random_value(rng: random.Random, depth: int, shared: list) -> object:
    kind = rng.randrange(16 if depth < 4 else 9)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.choice([0, 1, -1, 127, 128, -32, -33, 255, 256, 65535, 65536, 2**32, -(2**63), 2**64 - 1])
    if kind == 2:
        return rng.choice([0.0, -0.0, 1.5, float("inf"), 1e300])
    if kind == 3:
        return rng.choice(["", "a", "é", "x" * 40, "y" * 300])
    if kind == 4:
        return rng.choice([b"", b"\x00\xca", bytes(range(256))])
    if kind == 5:
        return rng.choice([dt.date(2024, 2, 29), dt.datetime(2024, 1, 1, 1, 2, 3, 4),
                           dt.datetime(2000, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-3)))])
    if kind == 6:
        return rng.choice([Decimal("12.50"), uuid.UUID(int=rng.randrange(2**128)), dt.timedelta(seconds=-1)])
    if kind == 7:
        return rng.choice([Float32(1.5), Float32(0.1)])
    if kind == 8:
        return shared[rng.randrange(len(shared))]
    if kind in (9, 10):
        return [random_value(rng, depth + 1, shared) for _ in range(rng.randrange(5))]
    if kind in (11, 12):
        return {f"k{i}": random_value(rng, depth + 1, shared) for i in range(rng.randrange(5))}
    if kind == 13:
        return Item(f"i{rng.randrange(9)}", random_value(rng, depth + 1, shared))
    if kind == 14:
        return tuple(random_value(rng, depth + 1, shared) for _ in range(rng.randrange(3)))
    return {rng.randrange(100) for _ in range(rng.randrange(4))}


@pytest.mark.parametrize("seed", range(300))
def test_fast_and_exact_paths_agree(seed):
    rng = random.Random(seed)
    shared = [Shared(f"s{i}") for i in range(3)] + [Named(f"n{i}") for i in range(2)]
    value = random_value(rng, 0, shared)
    fast = packb(value, registry=registry)
    assert fast == exact_pack(value)
    decoded = unpackb(fast, registry=registry)
    exact = exact_unpack(fast).value
    assert packb(decoded, registry=registry) == packb(exact, registry=registry) == fast


def test_map_with_repeated_keys_and_float32_go_exact():
    data = bytes.fromhex("82 a1 61 01 a1 61 02")  # {"a": 1, "a": 2}
    with pytest.raises(Exception) as caught:
        unpackb(data)
    assert caught.value.code == "typeMismatch"
    assert type(unpackb(bytes.fromhex("91 ca 3f c0 00 00"))[0]) is Float32
    assert unpackb(bytes.fromhex("81 a1 61 01"), exact_maps=True) == Map([("a", 1)])


@pytest.mark.parametrize("depth", [1, 100, 511, 512])
def test_depth_limit_is_exact_on_the_fast_path(depth):
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    deeper = [value]
    assert unpackb(packb(value)) == value
    with pytest.raises(Exception) as caught:
        packb([[deeper]] if depth == 512 else deeper, limits=Limits(max_depth=depth))
    assert caught.value.code == "limitExceeded"
    with pytest.raises(Exception) as caught:
        unpackb(exact_pack(deeper, Limits(max_depth=depth + 1)), limits=Limits(max_depth=depth))
    assert caught.value.code == "limitExceeded"


def test_nested_objects_count_toward_depth():
    inner = Item("leaf", None)
    for _ in range(300):
        inner = Item("n", [inner])  # 900 levels: 300 objects, their maps and arrays
    with pytest.raises(Exception) as caught:
        packb(inner, registry=registry)
    assert caught.value.code == "limitExceeded"
    data = exact_pack(inner, Limits(max_depth=1000))
    with pytest.raises(Exception) as caught:
        unpackb(data, registry=registry)
    assert caught.value.code == "limitExceeded"


class _NoFallback:
    def __call__(self, *args, **kwargs):
        raise AssertionError("the fast path fell back")


COMMON = [
    {"a": 1},
    [{"id": i, "name": f"u{i}", "score": i / 3, "tags": ["x"]} for i in range(2000)],
    list(range(-70000, 70000, 7)),
    [Item(f"p{i}", i / 7) for i in range(500)],
    [dt.date(2024, 1, 1), Decimal("1.5"), uuid.UUID(int=1), (1, 2), {1, 2}],
]


@pytest.mark.parametrize("value", COMMON, ids=["small", "records", "ints", "objects", "well-known"])
def test_common_messages_stay_on_the_fast_path(monkeypatch, no_portable_ext_types_made, value):
    data = packb(value, registry=registry)
    monkeypatch.setattr(encoder_module, "_exact_packb", _NoFallback())
    monkeypatch.setattr(decoder_module, "_exact_unpackb_message", _NoFallback())
    assert packb(value, registry=registry) == data
    assert unpackb(data, registry=registry) == value


def test_global_data_message_stays_on_the_fast_path(monkeypatch, no_portable_ext_types_made):
    named = [Named(f"n{i}") for i in range(5)]
    rows = [{"row": i, "who": named[i % 5]} for i in range(100)]
    data = packb(rows, registry=registry)
    monkeypatch.setattr(encoder_module, "_exact_packb", _NoFallback())
    monkeypatch.setattr(decoder_module, "_exact_unpackb_message", _NoFallback())
    assert packb(rows, registry=registry) == data
    back = unpackb(data, registry=registry)
    assert back[7]["who"].label == "n2" and back[2]["who"] is back[7]["who"]


def test_a_body_as_deep_as_allowed_after_an_envelope_message():
    """After a global-data message the next body is first proven one level shallower (as inside
    an envelope); a plain body exactly max_depth deep must still encode, and its follower too."""
    named = [Named(f"n{i}") for i in range(3)]
    with_table = [{"who": named[i % 3]} for i in range(300)]  # over max_depth bytes: the wrap is used
    deep: object = list(range(600))
    for _ in range(511):
        deep = [deep]  # 512 levels, well over 512 bytes
    for _ in range(2):
        assert unpackb(packb(with_table, registry=registry), registry=registry)[4]["who"].label == "n1"
        assert packb(deep, registry=registry) == exact_pack(deep)
        assert packb(with_table, registry=registry) == exact_pack(with_table)

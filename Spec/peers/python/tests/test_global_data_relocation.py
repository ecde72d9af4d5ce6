# SPDX-License-Identifier: Apache-2.0
"""Global data holding objects, the body encoded once: against the second pass.

The fast encoder packs the body numbered as if it stood alone and, when the global-data table
holds objects, renumbers those bytes to follow the table (``_fastencode._Relocation``). That must
give exactly what encoding the body again after the table gives: the fast path with the
relocation switched off (the exact encoder's second pass writes such a message) and the exact
encoder alone. Random bodies and tables: instances shared inside the body, objects in the table
(from the caller and from serializers), the same classes and names in both, two-phase objects in
cycles, enum members, tuples, sets, dates, application exts and timestamps, and enough objects that ids cross 127 and
255 (back-references and ext headers change width when moved). Some tables share an instance
with the body (the body must then refer back to the table's copy: no relocation). The bytes must
also decode, with the exact decoder, to the same graph.
"""

from __future__ import annotations

import datetime as dt
import enum
import random
from decimal import Decimal

import pytest
from msgpack import Timestamp

import portablewire._fastencode as fastencode
from portablewire import Ext, GlobalData, Limits, PortableError, Registry, packb
from portablewire.decoder import _exact_unpackb_message
from portablewire.encoder import _DEFAULT_EXT_TYPES, _exact_packb


# Every test here is about the fast encoder (see the fixture).
pytestmark = pytest.mark.usefixtures("no_portable_ext_types_made")


registry = Registry()


class Node:
    def __init__(self, value=None):
        self.value = value


class Pair:
    """Two-phase: may be reached again from inside its own data."""

    def __init__(self, a=None, b=None):
        self.a = a
        self.b = b


class Only:
    """Used in bodies only: its name is never in a table."""

    def __init__(self, value=None):
        self.value = value


class Tagged:
    """Puts a new Node holding its label into the global data (an object the table holds)."""

    def __init__(self, label=None):
        self.label = label

    def __serialize__(self, global_data):
        tags = global_data.setdefault("tags", [])
        tags.append(Node(self.label))
        return len(tags) - 1

    def __deserialize__(self, data, global_data):
        self.label = global_data["tags"][data].value


class Color(enum.Enum):
    red = 1
    green = 2


registry.register(Node, "r.Node")
registry.register(Pair, "r.Pair", two_phase=True)
registry.register(Only, "r.Only")
registry.register(Tagged, "r.Tagged")
registry.register(Color, "r.Color")


def _value(rng: random.Random, pool: list, depth: int) -> object:
    kind = rng.randrange(14 if depth < 3 else 8)
    if kind == 0:
        return rng.choice([None, 0, 1, -1.5, "s", "é" * 40, b"\x00\xd4", True, 2**40, -(2**33), "x" * 300])
    if kind in (1, 2, 3):
        return rng.choice(pool)  # shared: a back-reference after its first use
    if kind == 4:
        return rng.choice(
            [Color.red, Color.green, (1, "t"), frozenset({1, 2, 3}), Ext(5, b"\xd4\x52\x00"), Timestamp(1, 5),
             Timestamp(2**34, 0), dt.date(2024, 1, 2), Decimal("1.25")]
        )
    if kind == 5:
        return Tagged(f"tag{rng.randrange(1000)}")
    if kind == 6:
        return Only(rng.randrange(3))
    if kind == 7:
        return Node(rng.randrange(300))
    if kind == 8:
        return Node(_value(rng, pool, depth + 1))
    if kind == 9:
        return Pair(_value(rng, pool, depth + 1), _value(rng, pool, depth + 1))
    if kind == 10:
        return (_value(rng, pool, depth + 1), _value(rng, pool, depth + 1))
    if kind == 11:
        return {f"k{i}": _value(rng, pool, depth + 1) for i in range(rng.randrange(4))}
    return [_value(rng, pool, depth + 1) for _ in range(rng.randrange(5))]


def _cyclic(n: int) -> list[Pair]:
    """Two-phase pairs in cycles: each refers to itself or to the next in a ring."""
    pairs = [Pair(i) for i in range(n)]
    for i, pair in enumerate(pairs):
        pair.b = pair if i % 3 == 0 else pairs[(i + 1) % n]
    return pairs


def _case(seed: int) -> tuple[object, dict[str, object], bool]:
    """A body, a table, and whether the table shares an instance with the body."""
    rng = random.Random(seed)
    pool: list[object] = [Node(i) for i in range(rng.choice([2, 100, 140, 300]))]
    pool += _cyclic(rng.choice([1, 4])) + [Tagged(f"pool{i}") for i in range(3)]
    body = [_value(rng, pool, 0) for _ in range(rng.choice([1, 5, 60, 300]))]
    if rng.random() < 0.6:
        body.extend(rng.sample(pool, min(len(pool), 200)))  # first uses, then references above id 128
        body.extend(rng.sample(pool, min(len(pool), 200)))
    rng.shuffle(body)
    table_pool: list[object] = [Node(-i) for i in range(rng.choice([1, 3, 130, 260]))] + _cyclic(rng.choice([1, 3]))
    table: dict[str, object] = {}
    for key in range(rng.randrange(1, 4)):
        kind = rng.randrange(4 if key == 0 else 5)  # (the first holds an object)
        if kind == 0:
            table[f"t{key}"] = rng.choice(table_pool)
        elif kind == 1:
            table[f"t{key}"] = list(table_pool)  # ids in the table cross 127 and 255 too
        elif kind == 2:
            table[f"t{key}"] = {"plain": [1, "two"], "obj": rng.choice(table_pool), "e": Color.green}
        elif kind == 3:
            table[f"t{key}"] = (Pair(rng.choice(table_pool), None), Only(1) if rng.random() < 0.3 else 0)
        else:
            table[f"t{key}"] = "plain"
    # An instance of the body in the table: the body refers back to the table's copy. (Not a
    # Tagged: that would be an error there, as it uses the global data.)
    in_pool = {id(value) for value in pool if type(value) is not Tagged}
    candidates = [value for value in body if id(value) in in_pool]
    shared = bool(candidates) and rng.random() < 0.15
    if shared:
        table["shared"] = rng.choice(candidates)
    return body, table, shared


def _outcome(function):
    try:
        return "bytes", function()
    except PortableError as error:
        return "error", (error.code, error.path)


def _packb(body, table, limits, relocate: bool, monkeypatch):
    monkeypatch.setattr(fastencode, "_RELOCATE", relocate)
    return _outcome(lambda: packb(body, registry=registry, global_data=table, limits=limits))


def _shape(values: list[object]) -> object:
    """The graph of ``values``: plain values as they are, objects by kind and fields, an object
    met again as ("again", its number), numbered in the order met (so sharing and cycles count)."""
    seen: dict[int, int] = {}

    def walk(value: object) -> object:
        t = type(value)
        if t in (Node, Pair, Only, Tagged):
            key = id(value)
            if key in seen:
                return ("again", seen[key])
            seen[key] = len(seen)
            return (t.__name__, tuple(walk(v) for v in vars(value).values()))
        if t is list:
            return ["list", *map(walk, value)]
        if t is tuple:
            return ("tuple", *map(walk, value))
        if t is dict:
            return {k: walk(v) for k, v in value.items()}
        if t in (set, frozenset):
            return ("set", frozenset(value))
        return value

    return [walk(value) for value in values]


SEEDS = range(160)


def _spy(monkeypatch, repack: bool = True) -> tuple[list[int], list[str]]:
    """The envelopes the fast encoder reaches (how many objects each body holds), and the bodies
    it relocates, and how ("repacked" or "from bytes"). ``repack=False``: every body is relocated
    from its bytes (the way taken when packing it again with its exts put back fails)."""
    envelopes: list[int] = []
    relocations: list[str] = []
    cached: list[bool] = []
    envelope = fastencode._FastEncoder._envelope
    repack_relocated = fastencode._FastEncoder._repack_relocated
    relocate = fastencode._Relocation.relocate

    def counting_envelope(self, body, obj, proven):
        envelopes.append(0 if self.object_ids is None else self.next_id)
        return envelope(self, body, obj, proven)

    def counting_repack(self, *arguments):
        if not repack:
            raise fastencode.Fallback
        relocated = repack_relocated(self, *arguments)
        relocations.append("repacked")
        cached.append(arguments[-1])
        return relocated

    def counting_relocate(self, packed):
        body = not self.frames  # (not a payload inside it)
        relocated = relocate(self, packed)
        if body:
            relocations.append("from bytes")  # relocated, not handed over
        return relocated

    monkeypatch.setattr(fastencode._FastEncoder, "_envelope", counting_envelope)
    monkeypatch.setattr(fastencode._FastEncoder, "_repack_relocated", counting_repack)
    monkeypatch.setattr(fastencode._Relocation, "relocate", counting_relocate)
    _spy.cached = cached  # type: ignore[attr-defined]
    return envelopes, relocations


@pytest.mark.parametrize("repack", [True, False], ids=["repacked", "from-bytes"])
@pytest.mark.parametrize("seed", SEEDS)
def test_relocated_bytes_are_the_second_pass_bytes_and_decode_to_the_same_graph(seed, repack, monkeypatch):
    body, table, shared = _case(seed)
    envelopes, relocations = _spy(monkeypatch, repack)
    limits = Limits()
    # Three times: the later messages take the paths a repeated shape takes (the reference
    # cache, the body packed for the envelope's depth from the start).
    fast = [_packb(body, table, limits, True, monkeypatch) for _ in range(3)]
    second_pass = _packb(body, table, limits, False, monkeypatch)
    exact_table = GlobalData(table)
    exact = _outcome(lambda: _exact_packb(body, registry, limits, _DEFAULT_EXT_TYPES, exact_table, {}))
    assert fast == [exact] * 3 and second_pass == exact
    assert exact[0] == "bytes"
    if shared:
        assert not relocations
    else:
        # Every table here holds an object: each envelope the fast path reaches (it hands a body
        # it cannot prove shallow enough to the exact encoder before) is relocated, unless its
        # body holds no object (nothing to renumber).
        assert len(relocations) == sum(map(bool, envelopes[:3]))
        assert set(relocations) <= {"repacked" if repack else "from bytes"}
    message = _exact_unpackb_message(exact[1], registry, False, Limits(), False, _DEFAULT_EXT_TYPES)
    # The table comes first in wire order: one numbering for both, table then body.
    assert _shape([message.global_data, message.value]) == _shape([dict(exact_table._entries), body])


@pytest.mark.parametrize("repack", [True, False], ids=["repacked", "from-bytes"])
def test_most_random_cases_are_relocated(repack, monkeypatch):
    envelopes, relocations = _spy(monkeypatch, repack)
    cases = [_case(seed) for seed in SEEDS]
    for body, table, _ in cases:
        packb(body, registry=registry, global_data=table)
    for _ in range(2):  # again: the reference cache, where the first message made the encoder take it
        for body, table, _ in cases:
            packb(body, registry=registry, global_data=table)
            packb(body, registry=registry, global_data=table)
    unshared = sum(not shared for _, _, shared in cases)
    assert len(relocations) >= 0.7 * 5 * unshared, (len(relocations), len(envelopes), unshared)
    if repack:
        # Some bodies were packed with the reference cache, and packed again with a renumbered one.
        assert 10 <= sum(_spy.cached) < len(_spy.cached)  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", range(40))
def test_limits_around_what_the_message_needs_give_the_same_outcome(seed, monkeypatch):
    body, table, _ = _case(1000 + seed)
    rng = random.Random(seed)
    for field in ("max_object_count", "max_type_name_count", "max_reference_count", "max_depth"):
        for value in rng.sample([0, 1, 2, 3, 4, 5, 6, 8, 40, 130, 300, 600, 900], 4):
            limits = Limits(**{field: value})
            exact = _outcome(lambda: _exact_packb(body, registry, limits, _DEFAULT_EXT_TYPES, GlobalData(table), {}))
            assert _packb(body, table, limits, True, monkeypatch) == exact, (field, value)
            assert _packb(body, table, limits, False, monkeypatch) == exact, (field, value)


def test_a_body_as_deep_as_the_envelope_allows():
    """Nesting at the limit inside the envelope: relocated, or refused as the exact encoder refuses."""
    for max_depth in (6, 40, 512):
        limits = Limits(max_depth=max_depth)
        for depth in range(max_depth - 4, max_depth + 2):
            nested: object = Node("x" * 600)
            for _ in range(depth - 1):
                nested = [nested]
            body = [Node(1), nested]
            table = {"t": Node(2)}
            exact = _outcome(lambda: _exact_packb(body, registry, limits, _DEFAULT_EXT_TYPES, GlobalData(table), {}))
            assert _outcome(lambda: packb(body, registry=registry, global_data=table, limits=limits)) == exact


def test_a_name_the_table_gave_becomes_its_index_in_the_body():
    node = Node(1)
    data = packb([Only(0), node, node], registry=registry, global_data={"t": Node(0)})
    # Table: P("r.Node", {value: 0}) is object 0 and name 0. Body: Only is new (its string, name
    # 1, object 1), Node is named by index 0 (object 2), the back-reference names object 2.
    assert b"\xa6r.Node" in data and data.count(b"\xa6r.Node") == 1
    assert data.endswith(bytes.fromhex("d4 52 02"))
    assert data == _exact_packb(
        [Only(0), node, node], registry, Limits(), _DEFAULT_EXT_TYPES, GlobalData({"t": Node(0)}), {}
    )


class _Key(str):
    """Unequal to every other key, so a dict holds two that both pack as "a"."""

    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return 1


def test_map_keys_the_unpacker_would_merge_go_to_the_second_pass(monkeypatch):
    body = [Node(1), {_Key("a"): 1, _Key("a"): Node(2)}]
    table = {"t": Node(0)}
    exact = _exact_packb(body, registry, Limits(), _DEFAULT_EXT_TYPES, GlobalData(table), {})
    assert exact.count(b"\xa1a") == 2
    # Packed again from the value, the two keys stay two.
    assert packb(body, registry=registry, global_data=table) == exact
    # Relocated from the bytes, the unpacker merges them: one key short, handed over.
    envelopes, relocations = _spy(monkeypatch, repack=False)
    assert packb(body, registry=registry, global_data=table) == exact
    assert envelopes and not relocations

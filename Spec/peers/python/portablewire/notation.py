# SPDX-License-Identifier: Apache-2.0
"""The JSON notation of the conformance suite (Spec/format.md, "Notation"), both ways.

    >>> to_notation([1, Float32(1.0), b"\\x00"])
    ([{'int': '1'}, {'float32': '0x3f800000'}, {'bin': '00'}], [])

Portable objects are :class:`GenericObject` / :class:`OpaqueObject` here: a name, plain data and
a two-phase flag. In notation the first occurrence of an object is
``{"portable": {"id": n, "type": ..., "data": ...}}`` and every later one ``{"ref": n}``, with ids
counted in wire order through the global data first, then the body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import re
import struct

from msgpack import ExtType, Timestamp  # type: ignore[import-untyped]

from .objects import GenericObject, OpaqueObject
from .values import Ext, Float32, Map
from .wellknown import TUPLE, well_known

__all__ = ["NotationError", "GenericObject", "to_notation", "from_notation"]

_FLOAT64 = struct.Struct(">d")
_UINT64 = struct.Struct(">Q")
_DECIMAL = re.compile(r"(?:0|-?[1-9][0-9]*)\Z")
_HEX = re.compile(r"(?:[0-9a-f]{2})*\Z")
_INT_MIN, _INT_MAX = -(1 << 63), (1 << 64) - 1


class NotationError(ValueError):
    """A value that has no notation, or notation that is not well-formed."""


def to_notation(
    value: object, global_data: Mapping[str, object] | None = None, *, objects: bool = True
) -> tuple[object, list[list[object]]]:
    """Converts a decoded value (and its global data) to notation: ``(value, [[key, value], ...])``.

    Accepts plain values (built-ins, :class:`Float32`, :class:`Map`, :class:`Ext`,
    ``msgpack.ExtType``, ``msgpack.Timestamp``) and generic/opaque objects. With
    ``objects=False`` objects are refused, which is how paths show non-str map keys.

    :raises NotationError: for any other value.
    """
    # id(object) -> object id; the objects stay alive in `value`, so no id() is reused meanwhile.
    ids: dict[int, int] = {}
    # Well-known values (Spec/well-known-types.md) are objects too: they take ids in wire order.
    next_id = [0]

    def convert(item: Any) -> object:
        t = type(item)
        if item is None or t is bool or t is str:
            return item
        if t is Float32:
            return {"float32": f"0x{item.bits:08x}"}
        if isinstance(item, int):
            return {"int": str(int(item))}
        if isinstance(item, float):
            return {"float64": f"0x{_UINT64.unpack(_FLOAT64.pack(item))[0]:016x}"}
        if isinstance(item, str):
            return str(item)
        if isinstance(item, (bytes, bytearray, memoryview)):
            return {"bin": bytes(item).hex()}
        if t is Ext:
            return {"ext": {"type": item.type, "data": item.data.hex()}}
        if t is ExtType:
            return {"ext": {"type": item.code, "data": item.data.hex()}}
        if t is Timestamp:
            return {"timestamp": {"seconds": str(item.seconds), "nanoseconds": item.nanoseconds}}
        if objects and t is not list and (known := well_known(item)) is not None:
            data: Any
            name, data = known
            body = {"id": next_id[0], "type": name}
            next_id[0] += 1
            items = getattr(data, "items", None)
            if items is not None:  # a set: its elements in canonical order, as the encoder writes them
                from .encoder import _canonical_set_items

                data = _canonical_set_items(items)
            body["data"] = convert(list(data) if name == TUPLE else data)
            return {"portable": body}
        if isinstance(item, (list, tuple)):
            return [convert(element) for element in item]
        if isinstance(item, dict):
            return {"map": [[convert(k), convert(v)] for k, v in item.items()]}
        if t is Map:
            return {"map": [[convert(k), convert(v)] for k, v in item.pairs]}
        if objects and isinstance(item, OpaqueObject):
            object_id = ids.get(id(item))
            if object_id is not None:
                return {"ref": object_id}
            ids[id(item)] = next_id[0]
            body = {"id": next_id[0], "type": item.name}
            next_id[0] += 1
            if item.two_phase:
                body["twoPhase"] = True
            body["data"] = convert(item.data)
            return {"portable": body}
        raise NotationError(f"{t.__qualname__} has no notation")

    table = [[key, convert(entry)] for key, entry in (global_data or {}).items()]
    return convert(value), table


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(value: str, what: str) -> str:
    """Rejects a str holding a lone surrogate (Spec/format.md 12.2 rule 6); ``json.loads`` lets them through."""
    if _SURROGATE.search(value):
        raise NotationError(f"{what} {value!r} holds a lone surrogate; a str is a sequence of Unicode scalar values")
    return value


def _tag(node: dict[str, object]) -> tuple[str, object]:
    if len(node) != 1:
        raise NotationError(f"a notation object has exactly one key (its tag), not {sorted(node)}")
    return next(iter(node.items()))


def _hex(text: object, what: str) -> bytes:
    if not isinstance(text, str) or not _HEX.match(text):
        raise NotationError(f"{what} is lowercase hex without spaces, not {text!r}")
    return bytes.fromhex(text)


def _decimal(text: object, low: int, high: int, what: str) -> int:
    if not isinstance(text, str) or not _DECIMAL.match(text) or not low <= int(text) <= high:
        raise NotationError(f"{what} is a decimal str in {low}...{high}, not {text!r}")
    return int(text)


def _bits(text: object, digits: int, what: str) -> int:
    if not isinstance(text, str) or len(text) != digits + 2 or not text.startswith("0x") or not _HEX.match(text[2:]):
        raise NotationError(f"{what} is '0x' and {digits} lowercase hex digits, not {text!r}")
    return int(text[2:], 16)


def _small_int(value: object, low: int, high: int, what: str) -> int:
    if type(value) is not int or not low <= value <= high:
        raise NotationError(f"{what} is an int in {low}...{high}, not {value!r}")
    return value


def from_notation(value: object, global_data: list[Any] | None = None) -> tuple[object, dict[str, object]]:
    """Builds Python values from notation (as parsed by ``json.loads``): ``(value, global_data)``.

    Maps become :class:`Map`, float32 :class:`Float32`, objects :class:`GenericObject`; a
    ``{"ref": n}`` is the very object with id ``n``. Ids must count 0, 1, 2, ... in wire order
    (global data first), and a reference must follow its object's first occurrence; it may sit
    inside that object's own data (a cycle).

    :raises NotationError: for malformed notation.
    """
    objects: list[GenericObject] = []

    def build(node: object) -> object:
        if node is None or isinstance(node, bool):
            return node
        if isinstance(node, str):
            return _text(node, "the str")
        if isinstance(node, list):
            return [build(element) for element in node]
        if not isinstance(node, dict):
            raise NotationError(f"{node!r} is not notation")
        tag, body = _tag(node)
        if tag == "int":
            return _decimal(body, _INT_MIN, _INT_MAX, "an int")
        if tag == "float32":
            return Float32.from_bits(_bits(body, 8, "a float32"))
        if tag == "float64":
            return _FLOAT64.unpack(_UINT64.pack(_bits(body, 16, "a float64")))[0]
        if tag == "bin":
            return _hex(body, "a bin")
        if tag == "map":
            if not isinstance(body, list) or not all(isinstance(pair, list) and len(pair) == 2 for pair in body):
                raise NotationError(f"a map is a list of [key, value] pairs, not {body!r}")
            return Map((build(key), build(item)) for key, item in body)
        if tag == "ext":
            if not isinstance(body, dict) or set(body) != {"type", "data"}:
                raise NotationError(f"an ext is {{'type': ..., 'data': ...}}, not {body!r}")
            code = _small_int(body["type"], -128, 127, "an ext type")
            if code == -1:
                raise NotationError("ext type -1 is written as a timestamp")
            return Ext(code, _hex(body["data"], "ext data"))
        if tag == "timestamp":
            if not isinstance(body, dict) or set(body) != {"seconds", "nanoseconds"}:
                raise NotationError(f"a timestamp is {{'seconds': ..., 'nanoseconds': ...}}, not {body!r}")
            seconds = _decimal(body["seconds"], -(1 << 63), (1 << 63) - 1, "timestamp seconds")
            return Timestamp(seconds, _small_int(body["nanoseconds"], 0, 999_999_999, "timestamp nanoseconds"))
        if tag == "portable":
            return build_object(body)
        if tag == "ref":
            object_id = _small_int(body, 0, len(objects) - 1, f"a ref (with {len(objects)} objects so far)")
            return objects[object_id]
        raise NotationError(f"unknown notation tag {tag!r}")

    def build_object(body: object) -> GenericObject:
        if not isinstance(body, dict) or not {"id", "type", "data"} <= set(body) <= {"id", "type", "data", "twoPhase"}:
            raise NotationError(f"a portable is {{'id', 'type', 'data'[, 'twoPhase']}}, not {body!r}")
        _small_int(body["id"], len(objects), len(objects), "a portable's id (the next id in wire order)")
        if not isinstance(body["type"], str) or not body["type"]:
            raise NotationError(f"a portable's type is a non-empty str, not {body['type']!r}")
        _text(body["type"], "the type name")
        # Spec/format.md 12.2 rule 9: twoPhase is written as true or not at all, never false.
        if "twoPhase" in body and body["twoPhase"] is not True:
            raise NotationError(f"twoPhase is written only as true (omit it otherwise), not {body['twoPhase']!r}")
        two_phase = "twoPhase" in body
        # Published before its data is built, so references inside the data (cycles) resolve.
        obj = GenericObject(body["type"], None, two_phase)
        objects.append(obj)
        obj.data = build(body["data"])
        return obj

    global_data = [] if global_data is None else global_data
    if not isinstance(global_data, list) or not all(
        isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str) for entry in global_data
    ):
        raise NotationError(f"global data is a list of [str, value] pairs, not {global_data!r}")
    table: dict[str, object] = {}
    for key, entry in global_data:
        _text(key, "the global data key")
        # Keys compare as code points, never normalized: "caf\u00e9" and "cafe\u0301" are two keys.
        if key in table:
            raise NotationError(f"the global data key {key!r} appears twice")
        table[key] = build(entry)
    return build(value), table

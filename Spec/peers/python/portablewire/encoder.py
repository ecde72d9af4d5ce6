# SPDX-License-Identifier: Apache-2.0
"""Encoding one message: canonical MessagePack plus portable objects, back-references and global data.

    >>> packb({"a": [1, 2.5, None]}).hex(" ")
    '81 a1 61 93 01 cb 40 04 00 00 00 00 00 00 c0'

Plain values come out byte-identical to ``msgpack.packb(value, use_bin_type=True)``; instances
of registered classes become portable objects, written once and then referred to by id, so the
receiver gets the same object graph back. See Spec/portable-objects.md, "Encoder duties".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

from msgpack import ExtType, Packer, Timestamp  # type: ignore[import-untyped]

from ._fastencode import Fallback, _ext_header, fast_packb
from ._fastencode import _local as _fast_local
from ._stack import ensure_recursion_limit
from .errors import GLOBAL_DATA, OtherKey, PortableError, render_path
from .objects import UNAVAILABLE, GlobalData, OpaqueObject
from .options import ExtTypes, Limits
from .registry import Registry, TypeEntry, default_registry
from .values import Ext, Float32, Map
from .wellknown import SET, TUPLE, well_known, _Invalid, _SetData

__all__ = ["packb"]

class _Unsortable(Exception):
    """A set element holds an identity object, so the set keeps its own order."""


def _hint(t: type) -> str:
    """What to do with a value of type ``t`` that cannot be sent."""
    if t.__module__ == "builtins" or t.__module__ in ("datetime", "decimal", "uuid", "collections", "pathlib"):
        return (
            f"convert it to a plain value, or register it: portablewire.default_registry.register({t.__qualname__}, "
            f"'app.{t.__qualname__}', serialize=..., deserialize=...)"
        )
    return "decorate it with @portable_class"


class _Encoder:
    """Writes one message into ``out``; one instance per pass."""

    def __init__(
        self,
        registry: Registry,
        limits: Limits,
        ext_types: ExtTypes,
        global_data: GlobalData,
        results: dict[int, tuple[object, object]],
        replaying: bool,
    ) -> None:
        self.out = bytearray()
        packer = Packer(use_bin_type=True, autoreset=True)
        self.pack = packer.pack
        self.pack_array_header = packer.pack_array_header
        self.pack_map_header = packer.pack_map_header
        self.registry = registry
        self.limits = limits
        self.ext = ext_types
        self.reserved_ext_types = {
            -1,
            ext_types.object,
            ext_types.two_phase_object,
            ext_types.reference,
            ext_types.global_data,
        }
        # id(object) -> object id, in wire order. `kept` holds the objects so no id() is reused.
        self.object_ids: dict[int, int] = {}
        self.next_id = 0
        self.kept: list[object] = []
        self.type_indices: dict[str, int] = {}
        # id(container or object) being written -> the length of `path` at that value.
        self.active: dict[int, int] = {}
        self.path: list[object] = []
        self.depth = 0
        self.global_data = global_data
        # Serializer results, id(obj) -> (obj, data): recorded by the first pass, reused by the second.
        self.results = results
        self.replaying = replaying
        # Set while encoding a set element alone to find its canonical position: objects stop it.
        self.probing = False

    # MARK: Errors

    def _where(self) -> str:
        return render_path(self.path)

    def _cannot(self, what: str, reason: str, hint: str) -> PortableError:
        where = self._where()
        return PortableError("cannotSerialize", f"cannot serialize {what} at {where}: {reason}", path=where, hint=hint)

    def _cycle(self, value: object, label: str, hint: str) -> PortableError:
        here = self._where()
        ancestor = render_path(self.path[: self.active[id(value)]])
        return PortableError(
            "cycleDetected", f"cycle: {here} refers back to {ancestor} ({label})", path=here, hint=hint
        )

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            where = self._where()
            raise PortableError(
                "limitExceeded",
                f"the value at {where} nests deeper than Limits.max_depth = {self.limits.max_depth}",
                path=where,
                hint="flatten the value, or raise max_depth on both ends",
            )

    # MARK: Values

    def write(self, value: Any) -> None:
        """Appends ``value``, dispatching on its exact type first (the common case), then on base types."""
        t = type(value)
        if t is str or t is int or t is float or t is bool or t is bytes or value is None:
            self._scalar(value)
        elif t is list:
            self._array(value)
        elif t is dict:
            self._map(value.items(), len(value), value)
        elif (entry := self.registry.entry_for_class(t)) is not None:
            self._object(value, entry.name, entry.two_phase, entry)
        elif isinstance(value, OpaqueObject):
            self._object(value, value.name, value.two_phase, None)
        elif t is Float32:
            self.out += b"\xca" + value.bits.to_bytes(4, "big")
        elif t is Map:
            self._map(value.pairs, len(value.pairs), value)
        elif t is Ext:
            self._ext(value.type, value.data)
        elif t is ExtType:
            self._ext(value.code, value.data)
        elif t is Timestamp:
            self.out += self.pack(value)
        elif (known := well_known(value)) is not None:
            self._well_known(value, *known)
        elif isinstance(value, Enum):
            raise self._cannot(
                f"the {t.__qualname__} member {value!r}",
                "its enum is not registered, so the receiver could not tell it from its value",
                f"register the enum: @portable_class('app.{t.__qualname__}') on {t.__qualname__}, or send .value",
            )
        elif isinstance(value, list):
            self._array(value)
        elif isinstance(value, dict):
            self._map(value.items(), len(value), value)
        elif isinstance(value, (int, float, str, bytes, bytearray, memoryview)):
            self._scalar(value)
        else:
            raise self._cannot(t.__name__, "it is not a plain value and not a registered portable class", _hint(t))

    def _well_known(self, value: object, name: str, data: object) -> None:
        """Writes a well-known value (Spec/well-known-types.md): an object under its ``pw.`` name, never a reference."""
        if type(data) is _SetData:
            self._set(value, data.items)
            return
        if type(data) is _Invalid:
            raise self._cannot(f"the {type(value).__qualname__} {value!r}", data.reason, data.hint)
        self._payload_object(name, data, tuple_value=value if name == TUPLE else None)

    def _payload_object(self, name: str, data: Any, tuple_value: object = None) -> None:
        self.next_id += 1
        if self.next_id > self.limits.max_object_count:
            raise self._cannot("the value", f"it holds more than Limits.max_object_count = {self.limits.max_object_count} objects",
                               "split the message")
        self._enter()
        start = len(self.out)
        self._type_ref(name)
        if tuple_value is not None:
            key = id(tuple_value)
            if key in self.active:
                raise self._cycle(tuple_value, "tuple", "a tuple is a value and cannot contain itself")
            self.active[key] = len(self.path)
            self._array_items(data)
            del self.active[key]
        else:
            self.write(data)
        self.out[start:start] = _ext_header(len(self.out) - start, self.ext.object)
        self.depth -= 1

    def _set(self, value: object, items: list[Any]) -> None:
        """Writes a set: elements in canonical order (Spec/well-known-types.md, "set")."""
        self.next_id += 1
        self._enter()
        start = len(self.out)
        self._type_ref(SET)
        self.write_set_items(items)
        self.out[start:start] = _ext_header(len(self.out) - start, self.ext.object)
        self.depth -= 1

    def write_set_items(self, items: list[Any]) -> None:
        """Sorts ``items`` by their standalone encodings (unless one holds a portable object), then writes them."""
        keys: list[bytes] = []
        sortable = True
        for item in items:
            alone = _Encoder(self.registry, self.limits, self.ext, UNAVAILABLE, {}, replaying=False)
            alone.depth = self.depth
            alone.probing = True
            try:
                alone.write(item)
            except (PortableError, _Unsortable):
                # An identity object (its id depends on the order, and its serializer must run once)
                # keeps the set's own order; an error is reported with its path by the write below.
                sortable = False
                break
            keys.append(bytes(alone.out))
        if sortable:
            items = [item for _, item in sorted(zip(keys, items), key=lambda pair: pair[0])]
        self._array_items(items)

    def _type_ref(self, name: str) -> None:
        index = self.type_indices.get(name)
        if index is None:
            self.type_indices[name] = len(self.type_indices)
            self.out += self.pack(name)
        else:
            self.out += self.pack(index)

    def _scalar(self, value: Any) -> None:
        try:
            self.out += self.pack(value)
        except OverflowError:
            raise self._cannot(
                f"the integer {value}", "MessagePack integers lie in -2**63...2**64-1", "send it as a str"
            ) from None
        except UnicodeEncodeError as error:
            raise self._cannot(
                "a str",
                f"it holds the lone surrogate {value[error.start]!r}, which UTF-8 cannot encode",
                "send arbitrary bytes as bytes (bin)",
            ) from None

    def _ext(self, code: int, data: bytes) -> None:
        if code in self.reserved_ext_types:
            raise self._cannot(
                f"an ext value of type {code}",
                "that ext type is reserved",
                "-1 is the timestamp (use msgpack.Timestamp); the portable types are set by ExtTypes",
            )
        self.out += _ext_header(len(data), code) + data

    def _array(self, value: list[Any]) -> None:
        key = id(value)
        if key in self.active:
            raise self._cycle(value, type(value).__name__, "a list is a value and cannot contain itself")
        self.active[key] = len(self.path)
        self._array_items(value)
        del self.active[key]

    def _array_items(self, value: list[Any] | tuple[Any, ...]) -> None:
        self._enter()
        self.out += self.pack_array_header(len(value))
        path = self.path
        for index, item in enumerate(value):
            path.append(index)
            self.write(item)
            path.pop()
        self.depth -= 1

    def _map(self, pairs: Iterable[tuple[object, object]], count: int, container: object) -> None:
        key = id(container)
        if key in self.active:
            raise self._cycle(container, type(container).__name__, "a map is a value and cannot contain itself")
        self._enter()
        self.active[key] = len(self.path)
        self.out += self.pack_map_header(count)
        path = self.path
        for entry_key, item in pairs:
            path.append(entry_key if type(entry_key) is str else OtherKey(entry_key))
            self.write(entry_key)
            self.write(item)
            path.pop()
        del self.active[key]
        self.depth -= 1

    # MARK: Portable objects

    def _object(self, obj: Any, name: str, two_phase: bool, entry: TypeEntry | None) -> None:
        """Writes an identity object: in full (P or Q) the first time, as a back-reference after."""
        key = id(obj)
        if self.probing and (entry is None or not entry.value_type):
            raise _Unsortable
        if entry is not None and entry.value_type:
            self._payload_object(name, self._data(obj, entry))
            return
        object_id = self.object_ids.get(key)
        if object_id is not None:
            if key in self.active and not two_phase:
                label = name if entry is None else type(obj).__name__
                raise self._cycle(
                    obj, label, f"register {label} with two_phase=True to send this cycle, or break the cycle"
                )
            payload = self.pack(object_id)
            self.out += _ext_header(len(payload), self.ext.reference) + payload
            return
        self.object_ids[key] = self.next_id
        self.next_id += 1
        self.kept.append(obj)
        data = obj.data if entry is None else self._data(obj, entry)
        self._enter()
        self.active[key] = len(self.path)
        start = len(self.out)
        self._type_ref(name)
        # The data continues the object's path: no segment of its own.
        self.write(data)
        code = self.ext.two_phase_object if two_phase else self.ext.object
        self.out[start:start] = _ext_header(len(self.out) - start, code)
        del self.active[key]
        self.depth -= 1

    def _data(self, obj: object, entry: TypeEntry) -> object:
        """The value to send for an instance: its ``__dict__`` or its serializer's result."""
        if entry.serialize is None:
            return obj.__dict__  # registration made sure there is one
        # Serializers run once per object per message: a result recorded by an earlier pass (or by
        # the fast path, before it handed over) is reused. Objects inside global data are
        # serialized afresh: there they have no global data.
        available = self.global_data is not UNAVAILABLE
        if available:
            recorded = self.results.get(id(obj))
            if recorded is not None:
                return recorded[1]
        try:
            data = entry.serialize(obj, self.global_data)
        except PortableError as error:
            if error.path is None:  # raised by global data: say where
                error._path = self._where()
                error.detail += f" ({type(obj).__name__} at {error._path})"
            raise
        except Exception as error:
            where = self._where()
            raise PortableError(
                "cannotSerialize",
                f"cannot serialize {type(obj).__qualname__} ({entry.name!r}) at {where}: its serializer raised "
                f"{type(error).__name__}: {error}",
                path=where,
                hint="fix the serializer (the original exception is the __cause__)",
            ) from error
        if available:
            self.results[id(obj)] = (obj, data)
        return data

    # MARK: Envelope

    def write_envelope(self, table: Mapping[str, object], body: object) -> None:
        """Writes the G envelope: the global data (objects in it get no global data), then the body."""
        self._enter()
        start = len(self.out)
        body_global_data = self.global_data
        self.global_data = UNAVAILABLE
        self.path.append(GLOBAL_DATA)
        self._enter()
        self.out += self.pack_map_header(len(table))
        for key, value in table.items():
            self.path.append(key)
            self.out += self.pack(key)
            self.write(value)
            self.path.pop()
        self.depth -= 1
        self.path.pop()
        self.global_data = body_global_data
        self.write(body)
        self.out[start:start] = _ext_header(len(self.out) - start, self.ext.global_data)
        self.depth -= 1


def _canonical_set_items(items: list[Any]) -> list[Any]:
    """A set's elements in canonical order (Spec/well-known-types.md, "set"), for the notation."""
    keys = []
    for item in items:
        alone = _Encoder(Registry(), _DEFAULT_LIMITS, _DEFAULT_EXT_TYPES, UNAVAILABLE, {}, replaying=False)
        alone.probing = True
        try:
            alone.write(item)
        except (PortableError, _Unsortable):
            return list(items)
        keys.append(bytes(alone.out))
    return [item for _, item in sorted(zip(keys, items), key=lambda pair: pair[0])]


def packb(
    obj: object,
    *,
    registry: Registry | None = None,
    global_data: Mapping[str, object] | None = None,
    limits: Limits | None = None,
    ext_types: ExtTypes | None = None,
) -> bytes:
    """Encodes ``obj`` as one canonical message.

    - ``registry``: where classes are looked up (default: the ``@portable_class`` registry).
    - ``global_data``: entries to send in the global data from the start; serializers add more.
    - ``limits``: ``max_depth`` bounds the nesting written (default :class:`Limits`).
    - ``ext_types``: the portable ext type numbers, if the two ends agreed on others.

    Instances of registered classes (and :class:`OpaqueObject`) are identity objects: the first
    occurrence is written in full, later ones as a back-reference, so shared objects stay shared.
    When the global data ends up non-empty the message is an envelope: the global data, then the
    body. The body is encoded once to collect global data; if there is any, it is encoded again
    after the global data, reusing each serializer's first result (serializers run once per
    object), so object ids and type indices follow wire order. (The fast path gets the same
    bytes by renumbering its first encoding when it can.)

    :raises PortableError: ``cannotSerialize`` for a value that is neither plain nor portable,
        ``cycleDetected`` for a cycle through values or non-two-phase objects,
        ``globalDataUnavailable`` when an object inside global data uses global data,
        ``limitExceeded`` for nesting beyond ``limits.max_depth``.
    """
    limits = _DEFAULT_LIMITS if limits is None else limits
    registry = default_registry if registry is None else registry
    ext_types = _DEFAULT_EXT_TYPES if ext_types is None else ext_types
    try:
        # This thread's last fast encoder, when it fits (fast_packb's first case, inline).
        encoder = getattr(_fast_local, "last", None)
        if (
            encoder is not None
            and encoder.registry is registry
            and encoder.limits is limits
            and encoder.ext_types is ext_types
            and not encoder.busy
        ):
            encoder.busy = True
            try:
                packed: bytes = encoder.encode(obj, global_data)
                return packed
            finally:
                encoder.busy = False
        return fast_packb(obj, registry, limits, ext_types, global_data)
    except Fallback as handover:
        table = GlobalData(global_data) if handover.table is None else handover.table
        results = {} if handover.results is None else handover.results
    return _exact_packb(obj, registry, limits, ext_types, table, results)


_DEFAULT_LIMITS = Limits()
_DEFAULT_EXT_TYPES = ExtTypes()


def _exact_packb(
    obj: object,
    registry: Registry,
    limits: Limits,
    ext_types: ExtTypes,
    table: GlobalData,
    results: dict[int, tuple[object, object]],
) -> bytes:
    """The exact encoder: a Python walk that checks every rule and names the path of every error."""
    ensure_recursion_limit(limits.max_depth)
    first = _Encoder(registry, limits, ext_types, table, results, replaying=False)
    first.write(obj)
    if not len(table):
        return bytes(first.out)
    second = _Encoder(registry, limits, ext_types, table, results, replaying=True)
    second.write_envelope(table, obj)
    return bytes(second.out)

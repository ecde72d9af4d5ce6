# SPDX-License-Identifier: Apache-2.0
"""Decoding one message: plain MessagePack plus portable objects, back-references and global data.

    >>> unpackb(bytes.fromhex("cd0100"))
    256

The decoder accepts every MessagePack form (non-shortest widths included), checks every length
against the bytes that remain before using it, enforces :class:`Limits`, and reports each fault
as a :class:`PortableError` with the byte offset and the value path. See Spec/format.md and
Spec/portable-objects.md.
"""

from __future__ import annotations

from typing import Any

import struct
from typing import NamedTuple

from msgpack import Timestamp  # type: ignore[import-untyped]

from ._fastdecode import Fallback, fast_unpackb
from ._fastdecode import _local as _fast_local
from ._stack import ensure_recursion_limit
from .errors import GLOBAL_DATA, OtherKey, PortableError
from .objects import UNAVAILABLE, GenericObject, GlobalData, OpaqueObject
from .options import ExtTypes, Limits
from .registry import Registry, TypeEntry, default_registry
from .values import Ext, Float32, Map
from .wellknown import DECODERS, Mismatch, Unrepresentable, hashable

__all__ = ["Message", "unpackb", "unpackb_message"]

_UINT16 = struct.Struct(">H")
_UINT32 = struct.Struct(">I")
_UINT64 = struct.Struct(">Q")
_INT8 = struct.Struct(">b")
_INT16 = struct.Struct(">h")
_INT32 = struct.Struct(">i")
_INT64 = struct.Struct(">q")
_FLOAT64 = struct.Struct(">d")
_TIMESTAMP96 = struct.Struct(">Iq")

_FIXEXT_LENGTHS = {0xD4: 1, 0xD5: 2, 0xD6: 4, 0xD7: 8, 0xD8: 16}


def _is_int(b: int) -> bool:
    """Whether a format byte starts an integer (fixints, uint8..64, int8..64)."""
    return b <= 0x7F or b >= 0xE0 or 0xCC <= b <= 0xD3


def _is_str(b: int) -> bool:
    """Whether a format byte starts a str (fixstr, str8/16/32)."""
    return 0xA0 <= b <= 0xBF or 0xD9 <= b <= 0xDB


def _counted(n: int, noun: str) -> str:
    """``1 object``, ``2 objects``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _kind(b: int) -> str:
    """Names the kind of value a format byte starts, for messages."""
    if _is_int(b):
        return "an integer"
    if _is_str(b):
        return "a str"
    if 0x80 <= b <= 0x8F or b in (0xDE, 0xDF):
        return "a map"
    if 0x90 <= b <= 0x9F or b in (0xDC, 0xDD):
        return "an array"
    if 0xC4 <= b <= 0xC6:
        return "a bin"
    if b == 0xC2 or b == 0xC3:
        return "a bool"
    return {0xC0: "nil", 0xC1: "the reserved byte 0xc1", 0xCA: "a float32", 0xCB: "a float64"}.get(b, "an ext")


class Message(NamedTuple):
    """A decoded message: its body and its global data (empty when it had no envelope)."""

    value: object
    global_data: dict[str, object]


class _Incomplete:
    """Stands in the object table for an object whose data is still being decoded.

    A back-reference that meets it is an ``incompleteReference``: only two-phase objects are
    published (blank) before their data is decoded.
    """

    __slots__ = ("name", "two_phase")

    def __init__(self, two_phase: bool) -> None:
        self.name = ""
        self.two_phase = two_phase


class _Decoder:
    """Decodes one complete message held in ``data``; one instance per message."""

    def __init__(
        self,
        data: bytes,
        registry: Registry,
        passthrough: bool,
        limits: Limits,
        exact_maps: bool,
        ext_types: ExtTypes,
    ) -> None:
        self.data = data
        self.pos = 0
        # Reads stop at `end`: the message's end, or the end of the ext payload being decoded.
        self.end = len(data)
        self.in_payload = False
        self.depth = 0
        self.registry = registry
        self.passthrough = passthrough
        self.limits = limits
        self.exact_maps = exact_maps
        self.ext = ext_types
        # Object ids index `objects`; type-name indices index `type_names`. Both run in wire order.
        self.objects: list[object] = []
        self.type_names: list[str] = []
        self.type_indices: dict[str, int] = {}
        self.reference_count = 0
        self.global_data_table: dict[str, object] = {}
        self.global_data: GlobalData = GlobalData(writable=False)

    # MARK: Errors

    def _error(self, code: str, offset: int, detail: str, hint: str | None = None) -> PortableError:
        error = PortableError(code, detail, offset=offset, hint=hint)
        error._segments = []
        return error

    def _overrun(self, offset: int, needed: int | str, what: str) -> PortableError:
        """The error for a read past `end`: the message ended, or an ext payload did."""
        remaining = max(self.end - offset, 0)
        needs = f"{what} needs {needed} byte{'' if needed == 1 else 's'}"
        if self.in_payload:
            return self._error(
                "malformedPortable",
                offset,
                f"{needs} but its portable ext payload has {remaining} left",
                "the ext's declared length does not match its content",
            )
        return self._error(
            "truncated",
            offset,
            f"{needs} but {remaining} remain{'s' if remaining == 1 else ''}",
            "the input was cut short, or a length or count in it is wrong",
        )

    def _limit(self, name: str, offset: int) -> PortableError:
        return self._error(
            "limitExceeded",
            offset,
            f"the input exceeds the limit {name} = {getattr(self.limits, name)}",
            f"raise Limits.{name} if this input is trusted",
        )

    def _malformed(self, offset: int, detail: str, hint: str | None = None) -> PortableError:
        return self._error("malformedPortable", offset, detail, hint)

    # MARK: Message

    def decode_message(self) -> object:
        """Decodes the one value (or global-data envelope) that must make up the whole input."""
        if len(self.data) > self.limits.max_message_byte_count:
            raise self._limit("max_message_byte_count", 0)
        value = self._value()
        if self.pos != len(self.data):
            left = len(self.data) - self.pos
            raise self._error(
                "trailingBytes",
                self.pos,
                f"{_counted(left, 'byte')} left after the message",
                "a message is exactly one value; use Unpacker to read a stream of messages",
            )
        return value

    # MARK: Values

    def _value(self) -> Any:
        """Decodes the value at `pos` and moves past it."""
        data = self.data
        start = self.pos
        if start >= self.end:
            raise self._overrun(start, 1, "a value")
        b = data[start]
        pos = self.pos = start + 1
        if b <= 0x7F:  # positive fixint
            return b
        if b >= 0xE0:  # negative fixint
            return b - 0x100
        if b <= 0x8F:  # fixmap
            return self._map(b & 0x0F, start)
        if b <= 0x9F:  # fixarray
            return self._array(b & 0x0F, start)
        if b <= 0xBF:  # fixstr
            return self._str(b & 0x1F, start)
        if b == 0xC0:
            return None
        if b == 0xC2:
            return False
        if b == 0xC3:
            return True
        if 0xCC <= b <= 0xD3:  # uint8..64, int8..64
            return self._int(b)
        if 0xD9 <= b <= 0xDB:  # str8/16/32
            return self._str(self._length(1 << (b - 0xD9), "a str length"), start)
        if b == 0xCB:
            self._need(pos, 8, "a float64")
            self.pos = pos + 8
            return _FLOAT64.unpack_from(data, pos)[0]
        if b == 0xCA:
            self._need(pos, 4, "a float32")
            self.pos = pos + 4
            return Float32.from_bits(_UINT32.unpack_from(data, pos)[0])
        if 0xC4 <= b <= 0xC6:  # bin8/16/32
            n = self._length(1 << (b - 0xC4), "a bin length")
            return self._payload(n, "a bin payload", start)
        if b == 0xDC or b == 0xDD:  # array16/32
            return self._array(self._length(2 if b == 0xDC else 4, "an array count"), start)
        if b == 0xDE or b == 0xDF:  # map16/32
            return self._map(self._length(2 if b == 0xDE else 4, "a map count"), start)
        if 0xD4 <= b <= 0xD8:  # fixext1/2/4/8/16
            return self._ext(_FIXEXT_LENGTHS[b], start)
        if 0xC7 <= b <= 0xC9:  # ext8/16/32
            return self._ext(self._length(1 << (b - 0xC7), "an ext length"), start)
        raise self._error(
            "invalidFormatByte",
            start,
            "0xc1 is reserved and never used by MessagePack",
            "the input is not MessagePack, or a length before this point is wrong",
        )

    def _need(self, pos: int, n: int, what: str) -> None:
        if pos + n > self.end:
            raise self._overrun(pos, n, what)

    def _length(self, size: int, what: str) -> int:
        """Reads a big-endian unsigned length or count of `size` bytes."""
        pos = self.pos
        self._need(pos, size, what)
        self.pos = pos + size
        return int.from_bytes(self.data[pos : pos + size], "big")

    def _int(self, b: int) -> int:
        pos = self.pos
        if b <= 0xCF:  # uint8..64
            size = 1 << (b - 0xCC)
            self._need(pos, size, "an integer")
            self.pos = pos + size
            return int.from_bytes(self.data[pos : pos + size], "big")
        size = 1 << (b - 0xD0)
        self._need(pos, size, "an integer")
        self.pos = pos + size
        value: int = (_INT8, _INT16, _INT32, _INT64)[b - 0xD0].unpack_from(self.data, pos)[0]
        return value

    def _payload(self, n: int, what: str, start: int) -> bytes:
        """Takes the n-byte payload of the str/bin/ext starting at `start`: present, within max_payload_byte_count."""
        pos = self.pos
        self._need(pos, n, what)
        if n > self.limits.max_payload_byte_count:
            raise self._limit("max_payload_byte_count", start)
        self.pos = pos + n
        return self.data[pos : pos + n]

    def _str(self, n: int, start: int) -> str:
        pos = self.pos
        payload = self._payload(n, "a str payload", start)
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError as error:
            raise self._error(
                "invalidUTF8",
                pos + error.start,
                "the str payload is not valid UTF-8",
                "send arbitrary bytes as bin, not str",
            ) from None

    def _enter(self, offset: int) -> None:
        """Opens one container level (array, map, portable object, envelope)."""
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise self._limit("max_depth", offset)

    def _count(self, n: int, bytes_each: int, what: str, start: int) -> None:
        """Checks a container count against the bytes that remain and against max_element_count."""
        pos = self.pos
        if n * bytes_each > self.end - pos:
            raise self._overrun(pos, f"at least {n * bytes_each}", what)
        if n > self.limits.max_element_count:
            raise self._limit("max_element_count", start)

    def _array(self, n: int, start: int) -> list[Any]:
        self._count(n, 1, f"an array of {_counted(n, 'element')}", start)
        self._enter(start)
        items: list[Any] = []
        append = items.append
        index = 0
        try:
            for index in range(n):
                append(self._value())
        except PortableError as error:
            _segments(error).append(index)
            raise
        self.depth -= 1
        return items

    def _map(self, n: int, start: int) -> dict[Any, Any] | Map:
        self._count(n, 2, f"a map of {n} entr{'y' if n == 1 else 'ies'}", start)
        self._enter(start)
        if self.exact_maps:
            pairs = []
            for _ in range(n):
                key = self._value()
                pairs.append((key, self._entry_value(key)))
            self.depth -= 1
            return Map(pairs)
        result: dict[Any, Any] = {}
        for index in range(n):
            key_offset = self.pos
            key = self._value()
            value = self._entry_value(key)
            try:
                result[key] = value
            except TypeError:
                key = hashable(key)  # a set key comes back as a frozenset
                try:
                    result[key] = value
                except TypeError:
                    pass
                else:
                    continue
                raise self._key_mismatch(key_offset, f"a map key of type {type(key).__name__} is unhashable") from None
            if len(result) != index + 1:
                raise self._key_mismatch(key_offset, f"the map key {key!r} repeats a key Python considers equal")
        self.depth -= 1
        return result

    def _key_mismatch(self, offset: int, detail: str) -> PortableError:
        return self._error(
            "typeMismatch",
            offset,
            f"{detail}, so the map does not fit a dict",
            "decode with exact_maps=True to get such maps as portablewire.Map",
        )

    def _entry_value(self, key: object) -> object:
        """Decodes a map entry's value, putting the key on the path of any error."""
        try:
            return self._value()
        except PortableError as error:
            _segments(error).append(key if type(key) is str else OtherKey(key))
            raise

    # MARK: Ext values

    def _ext(self, length: int, start: int) -> object:
        """Decodes an ext value whose header (up to the type byte) was read; dispatches on the type."""
        self._need(self.pos, 1, "an ext type")
        code = _INT8.unpack_from(self.data, self.pos)[0]
        self.pos += 1
        self._need(self.pos, length, "an ext payload")
        if length > self.limits.max_payload_byte_count:
            raise self._limit("max_payload_byte_count", start)
        ext = self.ext
        if code == -1:
            return self._timestamp(length, start)
        if code == ext.object or code == ext.two_phase_object:
            return self._portable(code == ext.two_phase_object, length, start)
        if code == ext.reference:
            return self._reference(length, start)
        if code == ext.global_data:
            if self.depth == 0:
                return self._envelope(length, start)
            raise self._malformed(
                start,
                f"a global-data envelope (ext {code}) inside a message",
                "global data wraps a whole message; only the top-level value may be an envelope",
            )
        return Ext(code, self._payload(length, "an ext payload", start))

    def _timestamp(self, length: int, start: int) -> Timestamp:
        data, pos = self.data, self.pos
        if length == 4:
            seconds, nanoseconds = _UINT32.unpack_from(data, pos)[0], 0
        elif length == 8:
            packed = _UINT64.unpack_from(data, pos)[0]
            seconds, nanoseconds = packed & ((1 << 34) - 1), packed >> 34
        elif length == 12:
            nanoseconds, seconds = _TIMESTAMP96.unpack_from(data, pos)
        else:
            raise self._error(
                "invalidTimestamp",
                start,
                f"a timestamp (ext -1) has a {length}-byte payload",
                "timestamps are 4, 8 or 12 bytes",
            )
        if nanoseconds >= 1_000_000_000:
            raise self._error(
                "invalidTimestamp",
                start,
                f"a timestamp has {nanoseconds} nanoseconds",
                "nanoseconds must be below 10^9",
            )
        self.pos = pos + length
        return Timestamp(seconds, nanoseconds)

    def _bounded(self, length: int) -> tuple[int, bool]:
        """Confines reads to the next `length` bytes (an ext payload); returns what to restore."""
        saved = (self.end, self.in_payload)
        self.end = self.pos + length
        self.in_payload = True
        return saved

    def _portable(self, two_phase: bool, length: int, start: int) -> object:
        """Decodes a P or Q object: type-ref, then data, exactly filling the payload."""
        object_id = len(self.objects)
        if object_id >= self.limits.max_object_count:
            raise self._limit("max_object_count", start)
        self._enter(start)
        saved = self._bounded(length)
        if length == 0:
            raise self._malformed(start, "a portable object's payload is empty", "it holds a type reference, then data")
        placeholder = _Incomplete(two_phase)
        self.objects.append(placeholder)
        name = placeholder.name = self._type_ref()
        if self.pos == self.end:
            raise self._malformed(
                start, f"the portable object of type {name!r} has no data", "it holds a type reference, then data"
            )
        entry = self.registry.entry_for_name(name)
        if entry is None and name in DECODERS:
            obj = self._well_known(name, two_phase, object_id, start)
        elif entry is None:
            if not self.passthrough:
                raise self._error(
                    "unknownType",
                    start,
                    f"the portable type {name!r} is not registered",
                    f"register a class with @portable_class({name!r}), or decode with passthrough=True "
                    "to keep it as an OpaqueObject",
                )
            # An unknown type is taken as two-phase exactly when the wire says so.
            obj = self._generic(OpaqueObject, name, two_phase, two_phase, object_id)
        elif entry.cls is None:
            obj = self._generic(GenericObject, name, two_phase, two_phase and entry.two_phase, object_id)
        else:
            obj = self._instance(entry, two_phase, object_id, start)
        if self.pos != self.end:
            raise self._malformed(
                self.pos,
                f"the portable object of type {name!r} holds more than a type reference and data",
                "the ext's length or its content is wrong",
            )
        self.objects[object_id] = obj
        self.end, self.in_payload = saved
        self.depth -= 1
        return obj

    def _type_ref(self) -> str:
        """Reads a type-ref: a str names a type (new ones join the table), a uint indexes the table."""
        pos = self.pos
        b = self.data[pos]
        if _is_str(b):
            name: str = self._value()
            if not name:
                raise self._malformed(pos, "a type name is a non-empty str", "Spec/portable-objects.md 3.1")
            if name not in self.type_indices:
                if len(self.type_names) >= self.limits.max_type_name_count:
                    raise self._limit("max_type_name_count", pos)
                self.type_indices[name] = len(self.type_names)
                self.type_names.append(name)
            return name
        if _is_int(b):
            index: int = self._value()
            if index < 0:
                raise self._malformed(pos, f"the type index {index} is negative", "a type-ref is a str or a uint")
            if index >= len(self.type_names):
                named = _counted(len(self.type_names), "type")
                raise self._error(
                    "typeReferenceOutOfRange",
                    pos,
                    f"type index {index}, but the message has named only {named} so far",
                    "a type's name (a str) must come before its index",
                )
            return self.type_names[index]
        raise self._malformed(pos, f"a type-ref is a str (name) or a uint (index), not {_kind(b)}")

    def _well_known(self, name: str, two_phase: bool, object_id: int, start: int) -> object:
        """Decodes a well-known value; one this peer cannot hold exactly stays a generic object."""
        data = self._value()
        try:
            return DECODERS[name](data)
        except Mismatch as error:
            raise self._error(
                "typeMismatch",
                start,
                str(error),
                "see Spec/well-known-types.md for the data of each well-known type",
            ) from None
        except Unrepresentable:
            return GenericObject(name, data, two_phase)

    def _generic(self, cls: Any, name: str, two_phase: bool, referable: bool, object_id: int) -> OpaqueObject:
        """Decodes an opaque or generic object; a referable one is published before its data."""
        obj: OpaqueObject = cls(name, None, two_phase)
        if referable:
            self.objects[object_id] = obj
        obj.data = self._value()
        return obj

    def _instance(self, entry: TypeEntry, two_phase: bool, object_id: int, start: int) -> object:
        """Decodes an instance of a registered class, calling its hooks."""
        cls: Any = entry.cls
        try:
            if two_phase and entry.two_phase:
                # Two-phase: publish a blank instance first, so references inside its data resolve.
                obj = self.objects[object_id] = cls.__new__(cls)
                self._fill(entry, obj, self._value(), start)
                return obj
            data = self._value()
            if entry.new_deserialized is not None:
                return entry.new_deserialized(data, self.global_data)
            obj = cls.__new__(cls)
            self._fill(entry, obj, data, start)
            return obj
        except PortableError as error:
            if error.offset is None:  # raised by a hook (e.g. globalDataUnavailable): locate it
                error.offset = start
            if error._segments is None:  # a hook may give the path inside the data (portablewire.pydantic)
                error._segments = []
            raise
        except Exception as error:
            if not entry.user_hooks:
                raise
            wrapped = self._error(
                "typeMismatch",
                start,
                f"the deserializer of {entry.name!r} ({cls.__qualname__}) raised {type(error).__name__}: {error}",
                "fix the deserializer or the data (the original exception is the __cause__)",
            )
            raise wrapped from error

    def _fill(self, entry: TypeEntry, obj: Any, data: object, start: int) -> None:
        if entry.deserialize is not None:
            entry.deserialize(obj, data, self.global_data)
            return
        fields: Any = data.pairs if isinstance(data, Map) else data.items() if isinstance(data, dict) else None
        if fields is None or not all(type(key) is str for key, _ in fields):
            raise self._error(
                "typeMismatch",
                start,
                f"{entry.name!r} uses default serialization, so its data must be a map of field names "
                f"(str keys) to values, not {type(data).__name__}",
                f"define __deserialize__ or __new_deserialized__ on {_qualname(entry.cls)} to accept this data",
            )
        obj.__dict__.update(fields)

    def _reference(self, length: int, start: int) -> object:
        """Decodes an R: one uint naming an object whose header came earlier."""
        saved = self._bounded(length)
        pos = self.pos
        if length == 0:
            raise self._malformed(start, "a back-reference's payload is empty", "it holds one uint, an object id")
        if not _is_int(self.data[pos]):
            raise self._malformed(pos, f"a back-reference holds one uint (an object id), not {_kind(self.data[pos])}")
        object_id = self._value()
        if object_id < 0:
            raise self._malformed(pos, f"a back-reference names the negative object id {object_id}")
        if self.pos != self.end:
            raise self._malformed(self.pos, "a back-reference holds more than one value")
        self.end, self.in_payload = saved
        self.reference_count += 1
        if self.reference_count > self.limits.max_reference_count:
            raise self._limit("max_reference_count", start)
        if object_id >= len(self.objects):
            seen = _counted(len(self.objects), "object")
            raise self._error(
                "danglingReference",
                start,
                f"back-reference to object {object_id}, but only {seen} came before it",
                "a reference names an object whose P/Q header appeared earlier in the message",
            )
        obj = self.objects[object_id]
        if type(obj) is _Incomplete:
            if obj.two_phase:
                hint = f"the receiver must register {obj.name!r} with two_phase=True to accept cycles through it"
            else:
                hint = f"it came as P, not Q: the sender must register {obj.name!r} as two-phase to send cycles"
            raise self._error(
                "incompleteReference",
                start,
                f"back-reference to object {object_id} ({obj.name}) from inside its own data",
                hint,
            )
        return obj

    def _envelope(self, length: int, start: int) -> object:
        """Decodes the G envelope: the global-data map, then the body."""
        self._enter(start)
        saved = self._bounded(length)
        try:
            self.global_data_table = self._global_data_table(start)
        except PortableError as error:
            _segments(error).append(GLOBAL_DATA)
            raise
        self.global_data = GlobalData(self.global_data_table, writable=False)
        if self.pos == self.end:
            raise self._malformed(start, "the global-data envelope has no body", "it holds a map, then the body value")
        body = self._value()
        if self.pos != self.end:
            raise self._malformed(
                self.pos,
                "the global-data envelope holds more than a map and one body value",
                "the ext's length or its content is wrong",
            )
        self.end, self.in_payload = saved
        self.depth -= 1
        return body

    def _global_data_table(self, start: int) -> dict[str, object]:
        data, pos = self.data, self.pos
        b = data[pos] if pos < self.end else None
        if b is not None and 0x80 <= b <= 0x8F:
            self.pos, n = pos + 1, b & 0x0F
        elif b == 0xDE or b == 0xDF:
            self.pos = pos + 1
            n = self._length(2 if b == 0xDE else 4, "a map count")
        elif b is None:
            raise self._malformed(start, "a global-data envelope's payload is empty", "it holds a map, then the body")
        else:
            raise self._malformed(pos, f"a global-data envelope starts with a map of global data, not {_kind(b)}")
        self._count(n, 2, f"a map of {n} entr{'y' if n == 1 else 'ies'}", pos)
        if n > self.limits.max_global_data_count:
            raise self._limit("max_global_data_count", pos)
        self._enter(pos)
        # Objects inside global data have no global data of their own.
        self.global_data = UNAVAILABLE
        table: dict[str, object] = {}
        for _ in range(n):
            key_offset = self.pos
            if key_offset < self.end and not _is_str(data[key_offset]):
                raise self._malformed(key_offset, f"a global-data key is {_kind(data[key_offset])}, not a str")
            key = self._value()
            if key in table:
                raise self._malformed(key_offset, f"the global-data key {key!r} appears twice")
            table[key] = self._entry_value(key)
        self.depth -= 1
        return table


_DEFAULT_LIMITS = Limits()
_DEFAULT_EXT_TYPES = ExtTypes()


def unpackb_message(
    data: bytes | bytearray | memoryview,
    *,
    registry: Registry | None = None,
    passthrough: bool = False,
    limits: Limits | None = None,
    exact_maps: bool = False,
    ext_types: ExtTypes | None = None,
) -> Message:
    """Decodes one whole message, returning its body and its global data.

    See :func:`unpackb` for the arguments.
    """
    limits = _DEFAULT_LIMITS if limits is None else limits
    registry = default_registry if registry is None else registry
    ext_types = _DEFAULT_EXT_TYPES if ext_types is None else ext_types
    if type(data) is not bytes:
        data = bytes(data)
    if not passthrough and not exact_maps:
        try:
            return Message(*fast_unpackb(data, registry, limits, ext_types))
        except Fallback:
            pass
    return _exact_unpackb_message(data, registry, passthrough, limits, exact_maps, ext_types)


def _exact_unpackb_message(
    data: bytes, registry: Registry, passthrough: bool, limits: Limits, exact_maps: bool, ext_types: ExtTypes
) -> Message:
    """The exact decoder: checks every rule and reports each fault with its byte offset and path."""
    ensure_recursion_limit(limits.max_depth)
    decoder = _Decoder(data, registry, passthrough, limits, exact_maps, ext_types)
    value = decoder.decode_message()
    return Message(value, decoder.global_data_table)


def unpackb(
    data: bytes | bytearray | memoryview,
    *,
    registry: Registry | None = None,
    passthrough: bool = False,
    limits: Limits | None = None,
    exact_maps: bool = False,
    ext_types: ExtTypes | None = None,
) -> object:
    """Decodes one whole message and returns its body.

    - ``registry``: where type names are looked up (default: the ``@portable_class`` registry).
    - ``passthrough``: keep objects of unregistered types as :class:`OpaqueObject` instead of
      raising ``unknownType``.
    - ``limits``: bounds for untrusted input (default :class:`Limits`).
    - ``exact_maps``: return every map as :class:`Map` (ordered pairs, duplicates kept) instead of
      ``dict``; without it a map whose keys do not fit a dict raises ``typeMismatch``.
    - ``ext_types``: the portable ext type numbers, if the two ends agreed on others.

    Objects of registered classes come back as instances (the same instance wherever the message
    refers to it again); float32 values as :class:`Float32`; ext values as :class:`Ext`,
    timestamps as ``msgpack.Timestamp``.

    :raises PortableError: with the code, byte offset and path of the first fault. Exceptions
        of other kinds raised by deserializers propagate unchanged.
    """
    if type(data) is not bytes:
        data = bytes(data)
    registry = default_registry if registry is None else registry
    limits = _DEFAULT_LIMITS if limits is None else limits
    ext_types = _DEFAULT_EXT_TYPES if ext_types is None else ext_types
    if not passthrough and not exact_maps:
        # This thread's last fast decoder, when it fits (fast_unpackb's first case, inline).
        decoder = getattr(_fast_local, "last", None)
        if (
            decoder is not None
            and decoder.registry is registry
            and decoder.limits is limits
            and decoder.ext_types is ext_types
            and not decoder.busy
        ):
            decoder.busy = True
            try:
                return decoder.decode_value(data)
            except Fallback:
                pass
            finally:
                decoder.busy = False
        else:
            try:
                return fast_unpackb(data, registry, limits, ext_types)[0]
            except Fallback:
                pass
    return _exact_unpackb_message(data, registry, passthrough, limits, exact_maps, ext_types).value


def _segments(error: PortableError) -> list[object]:
    """The path segments an error raised inside this decoder collects (innermost first)."""
    segments = error._segments
    if segments is None:
        segments = error._segments = []
    return segments


def _qualname(cls: type | None) -> str:
    return "generic objects" if cls is None else cls.__qualname__

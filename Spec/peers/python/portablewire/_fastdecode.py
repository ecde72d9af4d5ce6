# SPDX-License-Identifier: Apache-2.0
"""The fast path of :func:`portablewire.unpackb`: msgpack's C unpacker does the reading.

Plain values are built in C. The ext hook handles the portable layer: a P or Q payload's type-ref
is read here, then its data is unpacked by a nested C call with the same hook, so object ids are
taken when an object's header is met, before its nested payload, exactly in wire order.

msgpack is more lenient than the Spec in ways only the bytes show (float32 comes back as a
Python float, a repeated map key silently replaces the first, non-shortest forms are accepted, and
nesting is bounded at 1024 rather than ``max_depth``). So every decoded segment (the message, and
each object's data) is packed again in C, with the exts met in it put back as they came, and must
give back its exact bytes: a canonical message without float32 values or repeated keys always
does. Anything else (an error, a float32, a non-canonical form, passthrough, exact maps) is handed
to the exact decoder (:mod:`portablewire.decoder`), which decodes it or reports the error with its
byte offset and path.
"""

from __future__ import annotations

import threading
from collections import deque
from functools import partial
from itertools import chain, repeat
from operator import attrgetter, itemgetter
from typing import Any

from msgpack import ExtType, Packer, Timestamp, unpackb  # type: ignore[import-untyped]

from .objects import GenericObject, GlobalData
from .options import ExtTypes, Limits
from . import pydantic as _pydantic
from .pydantic import _Load as _ModelLoad
from .registry import Registry
from .values import Ext
from ._fastencode import _thread_coder, _ThreadCoder, _Wrapper
from .wellknown import DECODERS

__all__ = ["Fallback", "fast_unpackb"]

_new_ext = tuple.__new__
_HEIGHT = itemgetter(3)  # of a record (code, payload, value, height bound)
_CODE_AND_PAYLOAD = itemgetter(0, 1)
_NEVER = object()  # the sentinel of the verifier's put-back iterator: never in the queue
_CODE = attrgetter("start")  # of an ext read as slice(code, payload)
_PAYLOAD = attrgetter("stop")
_AFTER_INDEX_0 = itemgetter(slice(1, None))
_ONLY_SLICE = {slice}
_ONLY_DICT = {dict}
_CONTAINERS = frozenset((list, dict))
_ONLY_STR = frozenset((str,))
_BULK_SCALARS = frozenset((int, float, str, bytes, bool, type(None), Timestamp))
_BULK_MIN = 16
_BULK_COOLDOWN = 32

# See _fastencode: packing inside `1025 - n` one-element lists proves a value nests at most n levels.
_MSGPACK_DEPTH = 1025
# Objects nested inside objects that the fast path follows; deeper input goes to the exact decoder,
# which recurses in Python frames bounded by Limits.max_depth instead of C stack.
_MAX_NESTED_OBJECTS = 32


class Fallback(Exception):
    """The fast path cannot decode this message exactly; the exact decoder takes over."""


class _Incomplete:
    __slots__ = ()


_INCOMPLETE = _Incomplete()
_NO_GLOBAL_DATA = GlobalData(writable=False)
_STR_FIXED = range(0xA0, 0xC0)
_FIXEXT_SIZES = frozenset((1, 2, 4, 8, 16))  # payload lengths a fixext holds


class _FastDecoder(_ThreadCoder):
    """One thread's reusable decoder for one (registry, limits, ext types); state reset per message."""

    def __init__(self, registry: Registry, limits: Limits, ext_types: ExtTypes) -> None:
        super().__init__(registry, limits, ext_types)
        self.by_name = registry._by_name
        self.max_message_byte_count = limits.max_message_byte_count
        self.max_depth = limits.max_depth
        # The verifier's default gives back the exts of the segment being verified, in order, as
        # they came: a C callable taking the next one from ``put_back`` (see _verify).
        self.put_back: deque[ExtType] = deque()
        self.verifier = Packer(
            use_bin_type=True,
            strict_types=True,
            autoreset=True,
            default=partial(next, iter(self.put_back.popleft, _NEVER)),
        )
        self._hook = self._make_hook()
        self._short_hook = self._make_short_hook()
        # An envelope's body (see _body): the exts to put back in its proof, in wire order, and
        # the objects its canonical back-references resolved to so far (by payload).
        self.body_exts: list[ExtType] = []
        self.body_done: dict[bytes, tuple[object, ExtType]] = {}
        self._body_hook = self._make_body_hook()
        self.options = {
            "ext_hook": self._hook,
            "raw": False,
            "strict_map_key": False,
            "use_list": True,
            "max_str_len": limits.max_payload_byte_count,
            "max_bin_len": limits.max_payload_byte_count,
            "max_ext_len": limits.max_payload_byte_count,
            "max_array_len": limits.max_element_count,
            "max_map_len": limits.max_element_count,
        }
        self.body_options = dict(self.options, ext_hook=self._body_hook)
        # For a message no longer than every length limit, msgpack's own bounds (each length at
        # most the input's length) are the tighter ones, so nothing is allocated for a declared
        # length the input cannot hold; longer messages get the limits spelled out.
        self.small = min(limits.max_payload_byte_count, limits.max_element_count)
        self.small_options = {"ext_hook": self._hook, "strict_map_key": False}
        self.unpack_options = self.small_options
        # A message no longer than this is decoded by decode_value's short path: small options,
        # and too short to be too deep (each level takes a byte).
        self.short = min(self.small, limits.max_depth, limits.max_message_byte_count)
        self.begin()
        # Whether the tables may hold anything (decode() was used, or the short path gave up).
        self.dirty = False
        self.wrapper = _Wrapper()
        # Messages the bulk path skips after it unpacked one it then could not take.
        self.bulk_cooldown = 0
        # Per segment being unpacked: (code, payload, decoded value, height bound) of each ext met.
        self.records: list[list[tuple[int, bytes, object, int]]] = []

    def begin(self) -> list[tuple[int, bytes, object, int]]:
        """Resets the per-message tables; returns the list the top level's exts are recorded in."""
        self.objects: list[object] = []
        self.type_names: list[str] = []
        self.known_names: set[str] = set()
        self.references = 0
        self.global_data = _NO_GLOBAL_DATA
        records: list[tuple[int, bytes, object, int]] = []
        self.records = [records]
        return records

    def finish(self, value: object, data: bytes, records: list[tuple[int, bytes, object, int]]) -> None:
        """Proves that ``value``, unpacked by msgpack from exactly ``data``, is what the Spec decodes."""
        if len(data) <= self.max_depth:
            # Too short to be too deep (each level takes a byte, and an ext's height bound is
            # below its length): what _finish_top would do without a wrap.
            if not records:
                # The common small plain message: packing it again is the cheapest proof (no
                # float32, no repeated key).
                if self.verifier.pack(value) != data:
                    raise Fallback
                return
            if not self._flat(value, data):
                self._verify(value, data, records)
            self.begin()
            return
        if self._flat(value, data):
            height = max(map(_HEIGHT, records), default=0)
            if height + 1 > self.max_depth:
                raise Fallback
        else:
            self._finish_top(value, data, records, 0)
        if records:
            self.begin()  # releases the message's objects; a message without exts left the tables empty

    def decode_value(self, data: bytes) -> object:
        """``decode(data)[0]``, with a short message that is neither an envelope nor a long array
        decoded inline: what ``decode`` and ``finish`` do for it, without their calls."""
        length = len(data)
        if length > self.short or not length:
            return self.decode(data)[0]
        b = data[0]
        if b >= 0xC7 and (b <= 0xC9 or 0xD4 <= b <= 0xD8 or b == 0xDC or b == 0xDD):
            return self.decode(data)[0]  # an envelope, or a list that may go in bulk
        try:
            if self.dirty:
                # (what decode() does when the tables are not empty; this path leaves them empty)
                self.begin()
                self.dirty = False
            records: list[tuple[int, bytes, object, int]] = []
            self.records = [records]
            self.unpack_options = self.small_options
            value = unpackb(data, ext_hook=self._short_hook, strict_map_key=False)
            if not records:
                # The common small plain message: packing it again is the cheapest proof.
                if self.verifier.pack(value) != data:
                    raise Fallback
                return value
            if len(records) == 1 and len(record := records[0]) == 6 and 0xCA not in data:
                # One top-level pydantic object whose data waits for its proof (the common Celery
                # body): _short_proof's second case, inline.
                queue = self.put_back
                queue.append(record[4])
                n = len(record[1])
                packed = self.verifier.pack(value)
                if queue or len(packed) != length - record[5] - (
                    2 if n in _FIXEXT_SIZES else 3 if n < 0x100 else 4 if n < 0x10000 else 6
                ):
                    raise Fallback
            else:
                self._short_proof(value, data, records)
            # Releases the message's objects (what begin() does; the global data and records
            # are untouched on this path, and the next message sets its own records).
            self.objects = []
            self.type_names = []
            self.known_names = set()
            self.references = 0
            return value
        except Fallback:
            self.put_back.clear()
            self.dirty = True
            raise
        except Exception as error:
            self.put_back.clear()
            self.dirty = True
            raise Fallback from error
        except BaseException:  # (KeyboardInterrupt...: the next message must not see this one's tables)
            self.put_back.clear()
            self.dirty = True
            raise

    def _short_proof(self, value: object, data: bytes, records: list[tuple[Any, ...]]) -> None:
        """Proves a short message (no longer than ``max_depth``) whose top level holds exts.

        Records of 6 are top-level pydantic objects whose data (no exts in it) was not packed again
        yet (see _make_short_hook): ``(code, payload, object, 1, data, type-ref length)``.

        Without a 0xca byte anywhere in the message (so no float32 in any of its segments), one
        re-pack proves the body and those objects' data together: the verifier's default puts back
        each object's data in its place (an ext of another kind as it came), and the result must
        be exactly as long as the message without those objects' ext headers and type-refs. Every
        value msgpack decodes packs again in the shortest form the format has, so in no more bytes
        than it came in, and a map that lost a repeated key packs in fewer (the lost entry took at
        least two): the lengths match only when no map lost a key (what makes msgpack's value
        differ from the exact decoder's; a longer form of a value decodes to the same value). Every
        put-back must be taken, so each object and ext met is the one recorded there. Otherwise
        each such object's data is packed again on its own and must give back its exact bytes, and
        the body is proven as before (_flat, or a re-pack with the exts put back, byte for byte).
        """
        queue = self.put_back
        deferred = False
        for record in records:
            if len(record) == 6:
                deferred = True
                break
        if deferred and 0xCA not in data:
            expected = len(data)
            for record in records:
                if len(record) == 6:
                    queue.append(record[4])
                    n = len(record[1])
                    expected -= record[5] + (2 if n in _FIXEXT_SIZES else 3 if n < 0x100 else 4 if n < 0x10000 else 6)
                else:
                    queue.append(_new_ext(ExtType, (record[0], record[1])))
            packed = self.verifier.pack(value)
            if queue or len(packed) != expected:
                raise Fallback
            return
        if deferred:
            for record in records:
                if len(record) == 6 and self.verifier.pack(record[4]) != record[1][record[5] :]:
                    raise Fallback
        if (type(value) is list and value and type(value[0]) in _CONTAINERS) or not self._flat(value, data):
            # _verify without a wrap, inline.
            if len(records) == 1:
                record = records[0]  # (one ext: cheaper than the maps below)
                queue.append(_new_ext(ExtType, (record[0], record[1])))
            else:
                queue.extend(map(_new_ext, repeat(ExtType), map(_CODE_AND_PAYLOAD, records)))
            packed = self.verifier.pack(value)
            if queue or packed != data:
                raise Fallback

    def decode(self, data: bytes) -> tuple[object, dict[str, object]]:
        """Decodes one message into (body, global data), or raises :class:`Fallback`."""
        length = len(data)
        if not length or length > self.max_message_byte_count:
            raise Fallback
        self.dirty = True  # (decode_value's short path resets the tables before its next message)
        try:
            if self.objects or self.type_names or self.references or self.global_data is not _NO_GLOBAL_DATA:
                self.begin()
            records: list[tuple[int, bytes, object, int]] = []
            self.records = [records]
            options = self.unpack_options = self.small_options if length <= self.small else self.options
            b = data[0]
            if 0xC7 <= b <= 0xC9 or 0xD4 <= b <= 0xD8:
                envelope = self._envelope_payload(data)
                if envelope is not None:
                    return self._envelope(envelope)
            elif (b == 0xDC or b == 0xDD) and options is self.small_options:
                if self.bulk_cooldown:
                    self.bulk_cooldown -= 1
                else:
                    bulk = self._bulk(data, b)
                    if bulk is not None:
                        return bulk, {}
            if options is self.small_options:
                value = unpackb(data, ext_hook=self._hook, strict_map_key=False)
            else:
                value = unpackb(data, **options)
            self.finish(value, data, records)
            return value, {}
        except Fallback:
            raise
        except Exception as error:
            raise Fallback from error

    def _finish_top(self, value: object, data: bytes | memoryview, records: list[tuple[int, bytes, object, int]], base: int) -> None:
        """Verifies a top-level segment, proving its depth under ``base`` levels."""
        height = max(map(_HEIGHT, records), default=0)
        wrap = 0
        max_depth = self.limits.max_depth - base
        if len(data) > max_depth:  # else too short to be too deep: each level takes a byte
            if max_depth >= _MSGPACK_DEPTH:
                raise Fallback
            wrap = _MSGPACK_DEPTH - max_depth + height
            if wrap >= _MSGPACK_DEPTH:
                raise Fallback
        self._verify(value, data, records, wrap)

    # MARK: A list of objects of one class, in bulk

    def _bulk(self, data: bytes, b: int) -> list[object] | None:
        """A message that is a list (of 16 or more) of objects of one registered class filled from
        their data (``__dict__``), each a map of str keys to scalars: unpacked without the ext
        hook, the objects' data unpacked and proven by C maps over the list, no Python call per
        object. ``None`` when the message is not exactly that (decided before anything is built
        or any class's code runs), and the usual way decodes it.

        What it proves is what the usual way proves: the list and its exts re-pack to the
        message, every object's data re-packs to its bytes (no float32, repeated key or
        non-shortest form), the type is named once and then by index 0, and the nesting is 3.
        """
        start = 3 if b == 0xDC else 5
        if len(data) < start + 4:
            return None
        e = data[start]
        if e == 0xC7:
            at = start + 2
        elif e == 0xC8:
            at = start + 3
        elif e == 0xC9:
            at = start + 5
        elif 0xD4 <= e <= 0xD8:
            at = start + 1
        else:
            return None
        if at + 1 >= len(data) or data[at] != self.code_object & 0xFF or not 0xA0 <= data[at + 1] <= 0xBF:
            return None
        name_end = at + 2 + (data[at + 1] & 0x1F)
        try:
            name = data[at + 2 : name_end].decode()
        except UnicodeDecodeError:
            return None
        entry = self.by_name.get(name)
        if entry is None:
            return None
        cls: Any = entry.cls
        limits = self.limits
        if (
            cls is None
            or entry.deserialize is not None
            or entry.new_deserialized is not None
            or cls.__new__ is not object.__new__
            or cls.__setattr__ is not object.__setattr__
            or cls.__getattribute__ is not object.__getattribute__
            or limits.max_depth < 3
            or limits.max_type_name_count < 1
        ):
            return None
        try:
            # Each ext comes back as slice(code, payload): a C call, where msgpack's ExtType is a
            # Python __new__; no other value is ever a slice.
            value = unpackb(data, ext_hook=slice, strict_map_key=False)
        except Exception:
            return None
        if type(value) is not list:
            return None
        count = len(value)
        if (
            count < _BULK_MIN
            or count > self.max_object_count
            or set(map(type, value)) != _ONLY_SLICE
            or set(map(_CODE, value)) != {self.code_object}
        ):
            return None
        payloads = list(map(_PAYLOAD, value))
        try:
            # The first object's data alone first: objects holding more than scalars give up here.
            first = unpackb(payloads[0][name_end - at - 1 :])
        except Exception:
            return None
        if type(first) is not dict or not _BULK_SCALARS.issuperset(map(type, first.values())):
            self.bulk_cooldown = _BULK_COOLDOWN
            return None
        rest = payloads[1:]
        if not all(map(bytes.startswith, rest, repeat(b"\x00"))):  # type index 0: this type again
            return None
        encoded = list(map(_AFTER_INDEX_0, rest))
        encoded.insert(0, payloads[0][name_end - at - 1 :])
        try:
            datas = list(map(unpackb, encoded))
        except Exception:
            self.bulk_cooldown = _BULK_COOLDOWN
            return None
        if (
            set(map(type, datas)) != _ONLY_DICT
            or not _ONLY_STR.issuperset(map(type, chain.from_iterable(datas)))
            or not _BULK_SCALARS.issuperset(map(type, chain.from_iterable(map(dict.values, datas))))
        ):
            self.bulk_cooldown = _BULK_COOLDOWN  # (its objects hold more than scalars: likely the next too)
            return None
        # The list itself needs no re-pack: msgpack read it as exactly a list of exts, which the
        # exact decoder reads alike (a non-shortest header changes no value), and its depth is 3.
        joined = b"".join(encoded)
        packed = self.verifier.pack(datas)
        if len(packed) != (3 if count < 0x10000 else 5) + len(joined) or not packed.endswith(joined):
            return None
        objects: list[object] = list(map(cls.__new__, repeat(cls, count)))
        try:
            # Each blank instance gets its data as its __dict__ (what updating the empty one gives).
            any(map(object.__setattr__, objects, repeat("__dict__"), datas))
        except Exception:
            return None
        return objects

    # MARK: Segments

    def _segment(self, data: bytes | memoryview) -> tuple[object, int]:
        """Unpacks an object's data, which must fill ``data``; returns it and the height bound of its exts."""
        records: list[tuple[int, bytes, object, int]] = []
        stack = self.records
        if len(stack) > _MAX_NESTED_OBJECTS:
            raise Fallback  # each level is a C unpack context (tens of KB of stack): the exact decoder goes on
        stack.append(records)
        try:
            options = self.unpack_options
            if options is self.small_options:
                # Spelled-out keywords: msgpack parses them much faster than a ** mapping.
                value = unpackb(data, ext_hook=self._hook, strict_map_key=False)
            else:
                value = unpackb(data, **options)
        finally:
            stack.pop()
        if not records:
            # No exts inside (the usual object data): packing it again is the cheapest proof
            # (no float32, no repeated key); anything else goes to the exact decoder.
            if self.verifier.pack(value) != data:
                raise Fallback
            return value, 0
        return value, self._proven_segment(value, data, records)

    def _proven_segment(self, value: object, data: bytes | memoryview, records: list[tuple[int, bytes, object, int]]) -> int:
        """Proves an object's data that holds exts; returns the height bound of its exts."""
        height: int = max(map(_HEIGHT, records))
        if not self._flat(value, data):
            self._verify(value, data, records)
        return height

    def _flat(self, value: Any, data: bytes | memoryview) -> bool:
        """Whether ``value`` needs no re-packing: one level, all its keys kept, no float32 possible.

        A map or array whose items are scalars or exts (each ext is checked on its own) cannot hide
        a repeated key when the map kept as many entries as its header counts, nor a float32 when
        it holds no float or its bytes have no 0xca.
        """
        t = type(value)
        if t is dict:
            b = data[0]
            if 0x80 <= b <= 0x8F:
                count = b & 0x0F
            elif b == 0xDE:
                count = int.from_bytes(data[1:3], "big")
            elif b == 0xDF:
                count = int.from_bytes(data[1:5], "big")
            else:
                return False
            if count != len(value):
                return False
            key_types = set(map(type, value))
            types = key_types.union(map(type, value.values()))
        elif t is list:
            if value:
                first = type(value[0])
                if first is list or first is dict:
                    return False  # (a list of records: saves a pass over it before the re-pack)
            types = set(map(type, value))
        else:
            types = {t}
        if list in types or dict in types:
            return False
        return float not in types or 0xCA not in data

    def _verify(self, value: object, data: bytes | memoryview, records: list[tuple[int, bytes, object, int]], wrap: int = 0) -> None:
        """Packs ``value`` again (inside ``wrap`` one-element lists) and requires exactly ``data``.

        The packer meets the values the ext hook returned in the order the hook was called (both
        walk the segment in wire order), and its default puts back the next recorded ext for each.
        Every ext must be taken, and the bytes must match: a hook value the packer writes
        natively (never an ext), or a map that lost a repeated key, shifts what follows, which
        changes the bytes or leaves exts untaken. The queue is empty again whatever happens.
        """
        queue = self.put_back
        queue.extend(map(_new_ext, repeat(ExtType), map(_CODE_AND_PAYLOAD, records)))
        target = self.wrapper.wrap(value, wrap) if wrap else value
        try:
            packed = self.verifier.pack(target)
        except Exception as error:
            queue.clear()
            raise Fallback from error
        finally:
            if wrap:
                self.wrapper.clear()
        if queue:
            queue.clear()
            raise Fallback
        if wrap:
            # (endswith/startswith compare in place: no copy of a long message)
            if len(packed) != wrap + len(data) or not packed.endswith(data) or not packed.startswith(b"\x91" * wrap):
                raise Fallback
        elif packed != data:
            raise Fallback

    # MARK: Envelope

    def _envelope_payload(self, data: bytes) -> memoryview | None:
        """The payload of a top-level G, or ``None`` when the message is not an envelope."""
        if not data:
            return None
        b = data[0]
        code = self.code_global & 0xFF
        if 0xD4 <= b <= 0xD8:
            if len(data) < 2 or data[1] != code:
                return None
            start, length = 2, 1 << (b - 0xD4)
        elif b == 0xC7:
            if len(data) < 3 or data[2] != code:
                return None
            start, length = 3, data[1]
        elif b == 0xC8:
            if len(data) < 4 or data[3] != code:
                return None
            start, length = 4, int.from_bytes(data[1:3], "big")
        elif b == 0xC9:
            if len(data) < 6 or data[5] != code:
                return None
            start, length = 6, int.from_bytes(data[1:5], "big")
        else:
            return None
        if start + length != len(data):
            raise Fallback
        return memoryview(data)[start:]

    def _envelope(self, payload: memoryview) -> tuple[object, dict[str, object]]:
        b = payload[0] if len(payload) else None
        if b is None:
            raise Fallback
        # The table is one map: find where it ends by unpacking it alone (no objects may precede it).
        from msgpack import Unpacker

        unpacker = Unpacker(**self.options)
        unpacker.feed(payload)
        records: list[tuple[int, bytes, object, int]] = []
        self.records.append(records)
        try:
            table = unpacker.unpack()
            table_end = unpacker.tell()
        finally:
            self.records.pop()
        if type(table) is not dict or not all(type(key) is str for key in table):
            raise Fallback
        if len(table) > self.limits.max_global_data_count:
            raise Fallback
        # Objects inside global data have no global data: a hook using it must fail as the Spec says.
        if records:
            raise Fallback
        table_bytes = payload[:table_end]
        wrap = 0
        if len(table_bytes) > self.limits.max_depth - 1:
            wrap = _MSGPACK_DEPTH - (self.limits.max_depth - 1)
            if wrap >= _MSGPACK_DEPTH:
                raise Fallback
        self._verify(table, table_bytes, records, wrap)
        self.global_data = GlobalData(table, writable=False)
        return self._body(payload[table_end:]), table

    def _body(self, data: memoryview) -> object:
        """Decodes and proves an envelope's body (what ``unpackb`` and ``_finish_top`` with base 1
        do), with a canonical back-reference to an object the body already referred back to
        resolved by one dict lookup (see _make_body_hook).

        The proof is _verify's: the body is packed again (inside the wrap that proves its depth)
        with every ext met at its top level put back as it came, in wire order, every one taken,
        and must give back its exact bytes. Only how the put-back list is made changed: the hook appends each ext as
        it meets it, a repeated back-reference as the ExtType made for the first one (same code and payload).
        Those back-references are counted after the unpack (the put-back list's length less the
        exts the usual hook recorded) and the count checked against ``max_reference_count``
        before the proof; a message over the limit goes to the exact decoder, which reports it.
        """
        records: list[tuple[int, bytes, object, int]] = []
        self.records = [records]
        exts = self.body_exts
        try:
            if self.unpack_options is self.small_options:
                value = unpackb(data, ext_hook=self._body_hook, strict_map_key=False)
            else:
                value = unpackb(data, **self.body_options)
            repeated = len(exts) - len(records)
            if repeated:
                self.references += repeated
                if self.references > self.max_reference_count:
                    raise Fallback
            # Each repeated back-reference is one level high (each record's bound is at least 1).
            height = max(map(_HEIGHT, records), default=1 if repeated else 0)
            wrap = 0
            max_depth = self.limits.max_depth - 1
            if len(data) > max_depth:  # else too short to be too deep: each level takes a byte
                if max_depth >= _MSGPACK_DEPTH:
                    raise Fallback
                wrap = _MSGPACK_DEPTH - max_depth + height
                if wrap >= _MSGPACK_DEPTH:
                    raise Fallback
            # _verify, with the exts taken from the list by its own iterator (one C call fewer per
            # ext than the deque's): exhausted, ``next`` gives back the object, which the packer
            # then refuses; an ext left over fails below.
            taken = iter(exts)
            packer = Packer(use_bin_type=True, strict_types=True, autoreset=True, default=partial(next, taken))
            try:
                packed = packer.pack(self.wrapper.wrap(value, wrap) if wrap else value)
            finally:
                if wrap:
                    self.wrapper.clear()
            if next(taken, _NEVER) is not _NEVER:
                raise Fallback
            if wrap:
                if len(packed) != wrap + len(data) or not packed.endswith(data) or not packed.startswith(b"\x91" * wrap):
                    raise Fallback
            elif packed != data:
                raise Fallback
        finally:
            exts.clear()
            self.body_done.clear()
        return value

    # MARK: The ext hook

    def _make_hook(self) -> Any:
        """The ext hook: the common object (a P of a registered class whose type-ref is an index
        or a fixstr) inline, with what it needs bound once; everything else in :meth:`_hook_general`.

        It does exactly what ``_hook_general`` -> ``_object`` -> ``_segment`` do for that object.
        """
        code_object = self.code_object
        code_reference = self.code_reference
        max_object_count = self.max_object_count
        max_reference_count = self.max_reference_count
        by_name_get = self.by_name.get
        verifier_pack = self.verifier.pack
        general = self._hook_general
        max_type_name_count = self.limits.max_type_name_count
        incomplete = _INCOMPLETE

        def hook(code: int, payload: bytes) -> object:
            if code != code_object:
                if code == code_reference and len(payload) == 1 and payload[0] < 0x80:
                    # The common back-reference (ids 0..127, canonical d4 52 nn), as _hook_general.
                    references = self.references = self.references + 1
                    object_id = payload[0]
                    objects = self.objects
                    if references > max_reference_count or object_id >= len(objects):
                        raise Fallback
                    value = objects[object_id]
                    if value is incomplete:
                        raise Fallback
                    self.records[-1].append((code, payload, value, 1))
                    return value
                return general(code, payload)
            b = payload[0]
            if b < 0x80:
                name = self.type_names[b]
                start = 1
            elif 0xA0 <= b <= 0xBF:
                start = 1 + (b & 0x1F)
                name = payload[1:start].decode()
                known = self.known_names
                if name not in known:  # a new name joins the table (as _name)
                    type_names = self.type_names
                    if len(type_names) >= max_type_name_count:
                        raise Fallback
                    known.add(name)
                    type_names.append(name)
            else:
                return general(code, payload)
            entry = by_name_get(name)
            if entry is None:
                return general(code, payload)
            cls: Any = entry.cls
            if cls is None:
                return general(code, payload)
            objects = self.objects
            object_id = len(objects)
            if object_id >= max_object_count:
                raise Fallback
            objects.append(incomplete)
            # The object's data: a nested unpack, then its proof (as _segment).
            data_bytes = payload[start:]
            stack = self.records
            if len(stack) > _MAX_NESTED_OBJECTS:
                raise Fallback
            records: list[tuple[int, bytes, object, int]] = []
            stack.append(records)
            try:
                options = self.unpack_options
                if options is self.small_options:
                    data = unpackb(data_bytes, ext_hook=hook, strict_map_key=False)
                else:
                    data = unpackb(data_bytes, **options)
            finally:
                stack.pop()
            if records:
                height = self._proven_segment(data, data_bytes, records)
            else:
                if verifier_pack(data) != data_bytes:
                    raise Fallback
                height = 0
            new_deserialized = entry.new_deserialized
            if new_deserialized is not None:
                if type(new_deserialized) is _ModelLoad and 0xFF not in data_bytes:
                    # A pydantic model's data without a timestamp (no 0xff, the type byte of
                    # every one), as its hook would pass it on: validated directly.
                    obj = new_deserialized.validate(data)
                else:
                    obj = new_deserialized(data, self.global_data)
            elif entry.deserialize is not None:
                obj = cls.__new__(cls)
                entry.deserialize(obj, data, self.global_data)
            else:
                # Default serialization: a str-keyed map.
                if type(data) is not dict:
                    raise Fallback
                for key in data:
                    if type(key) is not str:
                        raise Fallback
                obj = cls.__new__(cls)
                obj.__dict__.update(data)
            objects[object_id] = obj
            bound = len(payload)  # the height bound: 1 + min(len(payload), _MSGPACK_DEPTH + height)
            if bound > _MSGPACK_DEPTH + height:
                bound = _MSGPACK_DEPTH + height
            stack[-1].append((code, payload, obj, bound + 1))
            return obj

        return hook

    def _make_body_hook(self) -> Any:
        """The ext hook of an envelope's body (see _body): the usual hook for each ext, which
        records it, except a canonical back-reference (``d4 R nn``, id below 0x80) to an object the
        body referred back to before, which resolves to the object the usual hook gave then (an
        object's table entry never changes once complete) and is not recorded. Each ext met is
        appended to ``body_exts`` as it came (code and payload), for the proof; a repeated
        back-reference as the ExtType made for its payload the first time."""
        hook = self._hook
        code_reference = self.code_reference
        done = self.body_done
        append = self.body_exts.append

        def body_hook(code: int, payload: bytes) -> object:
            if code == code_reference:
                try:
                    value, ext = done[payload]
                except KeyError:
                    value = hook(code, payload)
                    ext = _new_ext(ExtType, (code, payload))
                    append(ext)
                    if len(payload) == 1 and payload[0] < 0x80:
                        # (the usual hook took its canonical case: the id is in range, the object complete)
                        done[payload] = (value, ext)
                    return value
                append(ext)
                return value
            value = hook(code, payload)
            append(_new_ext(ExtType, (code, payload)))
            return value

        return body_hook

    def _make_short_hook(self) -> Any:
        """The ext hook of :meth:`decode_value`'s short path: what ``_make_hook``'s hook does, for a
        message no longer than ``max_depth`` and ``small`` (so every object's data is unpacked with
        the small options, and no height bound is needed: the message is too short to be too deep),
        with a pydantic model's data validated inline."""
        code_object = self.code_object
        code_reference = self.code_reference
        max_object_count = self.max_object_count
        max_reference_count = self.max_reference_count
        by_name_get = self.by_name.get
        verifier_pack = self.verifier.pack
        general = self._hook_general
        max_type_name_count = self.limits.max_type_name_count
        incomplete = _INCOMPLETE
        class_attribute = type.__getattribute__
        model_load = _ModelLoad

        def hook(code: int, payload: bytes) -> object:
            if code != code_object:
                if code == code_reference and len(payload) == 1 and payload[0] < 0x80:
                    references = self.references = self.references + 1
                    object_id = payload[0]
                    objects = self.objects
                    if references > max_reference_count or object_id >= len(objects):
                        raise Fallback
                    value = objects[object_id]
                    if value is incomplete:
                        raise Fallback
                    self.records[-1].append((code, payload, value, 1))
                    return value
                return general(code, payload)
            b = payload[0]
            if b < 0x80:
                name = self.type_names[b]
                start = 1
            elif 0xA0 <= b <= 0xBF:
                start = 1 + (b & 0x1F)
                name = payload[1:start].decode()
                known = self.known_names
                if name not in known:
                    type_names = self.type_names
                    if len(type_names) >= max_type_name_count:
                        raise Fallback
                    known.add(name)
                    type_names.append(name)
            else:
                return general(code, payload)
            entry = by_name_get(name)
            if entry is None:
                return general(code, payload)
            cls: Any = entry.cls
            if cls is None:
                return general(code, payload)
            objects = self.objects
            object_id = len(objects)
            if object_id >= max_object_count:
                raise Fallback
            objects.append(incomplete)
            data_bytes = payload[start:]
            stack = self.records
            if len(stack) > _MAX_NESTED_OBJECTS:
                raise Fallback
            records: list[tuple[int, bytes, object, int]] = []
            stack.append(records)
            try:
                data = unpackb(data_bytes, ext_hook=hook, strict_map_key=False)
            finally:
                stack.pop()
            new_deserialized = entry.new_deserialized
            if type(new_deserialized) is model_load and 0xFF not in data_bytes:
                # A pydantic model's data without a timestamp (no 0xff, the type byte of every
                # one), as its hook would pass it on: validated here (_Load.validate inline; any
                # error goes to the exact decoder, which reports it).
                model = new_deserialized.cls
                if class_attribute(model, "model_validate").__func__ is _pydantic._BASE_VALIDATE:
                    validator = class_attribute(model, "__pydantic_validator__")
                    if records:
                        self._proven_segment(data, data_bytes, records)
                    elif len(stack) == 1 and (
                        pure[1] if (pure := new_deserialized._pure)[0] is validator else new_deserialized.pure_validator(validator)
                    ):
                        # A top-level object's data with no exts, validated by pydantic-core alone
                        # (no user code sees it): proven with the message, in the same re-pack
                        # (see _short_proof), instead of a re-pack of its own.
                        obj = validator.validate_python(data)
                        objects[object_id] = obj
                        stack[0].append((code, payload, obj, 1, data, start))  # type: ignore[arg-type]
                        return obj
                    elif verifier_pack(data) != data_bytes:
                        raise Fallback
                    obj = validator.validate_python(data)
                else:
                    if records:
                        self._proven_segment(data, data_bytes, records)
                    elif verifier_pack(data) != data_bytes:
                        raise Fallback
                    obj = model.model_validate(data)
                objects[object_id] = obj
                stack[-1].append((code, payload, obj, 1))
                return obj
            if records:
                self._proven_segment(data, data_bytes, records)
            elif verifier_pack(data) != data_bytes:
                raise Fallback
            if new_deserialized is not None:
                obj = new_deserialized(data, self.global_data)
            elif entry.deserialize is not None:
                obj = cls.__new__(cls)
                entry.deserialize(obj, data, self.global_data)
            else:
                if type(data) is not dict:
                    raise Fallback
                for key in data:
                    if type(key) is not str:
                        raise Fallback
                obj = cls.__new__(cls)
                obj.__dict__.update(data)
            objects[object_id] = obj
            stack[-1].append((code, payload, obj, 1))
            return obj

        return hook

    def _hook_general(self, code: int, payload: bytes) -> object:
        if code == self.code_object:
            value, height = self._object(False, payload)
        elif code == self.code_reference:
            # The common back-reference (ids 0..127, canonical d4 52 nn), inlined; _reference does the rest.
            if len(payload) == 1 and payload[0] < 0x80:
                references = self.references = self.references + 1
                object_id = payload[0]
                if references > self.max_reference_count or object_id >= len(self.objects):
                    raise Fallback
                value = self.objects[object_id]
                if value is _INCOMPLETE:
                    raise Fallback
            else:
                value = self._reference(payload)
            height = 1
        elif code == self.code_two_phase:
            value, height = self._object(True, payload)
        elif code == self.code_global:
            raise Fallback  # an envelope below the top level
        else:
            value = object.__new__(Ext)
            object.__setattr__(value, "type", code)
            object.__setattr__(value, "data", payload)
            height = 1
        self.records[-1].append((code, payload, value, height))
        return value

    def _object(self, two_phase: bool, payload: bytes) -> tuple[object, int]:
        objects = self.objects
        object_id = len(objects)
        if object_id >= self.max_object_count:
            raise Fallback
        # The type-ref: a str names a type (new ones join the table), a uint indexes the table.
        b = payload[0]
        if b < 0x80:
            name = self.type_names[b]
            start = 1
        elif 0xA0 <= b <= 0xBF:
            start = 1 + (b & 0x1F)
            name = payload[1:start].decode()
            self._name(name)
        elif b == 0xCC:
            name = self.type_names[payload[1]]
            start = 2
        elif b == 0xCD:
            name = self.type_names[int.from_bytes(payload[1:3], "big")]
            start = 3
        elif b == 0xD9:
            start = 2 + payload[1]
            name = payload[2:start].decode()
            self._name(name)
        else:
            raise Fallback
        entry = self.by_name.get(name)
        if entry is None or entry.cls is None:
            decode = DECODERS.get(name)
            if decode is None or two_phase:
                raise Fallback  # unknown or generic: the exact decoder reports or keeps it
            objects.append(_INCOMPLETE)
            value, height = self._segment(payload[start:])
            try:
                value = decode(value)
            except Exception:
                raise Fallback from None
            objects[object_id] = value
            return value, 1 + min(len(payload), _MSGPACK_DEPTH + height)
        cls: Any = entry.cls
        if two_phase and entry.two_phase:
            obj = cls.__new__(cls)
            objects.append(obj)
            data, height = self._segment(payload[start:])
            self._fill(entry, obj, data)
            return obj, 1 + min(len(payload), _MSGPACK_DEPTH + height)
        objects.append(_INCOMPLETE)
        data, height = self._segment(payload[start:])
        if entry.new_deserialized is not None:
            obj = entry.new_deserialized(data, self.global_data)
        elif entry.deserialize is not None:
            obj = cls.__new__(cls)
            entry.deserialize(obj, data, self.global_data)
        else:
            # Default serialization: a str-keyed map.
            if type(data) is not dict:
                raise Fallback
            for key in data:
                if type(key) is not str:
                    raise Fallback
            obj = cls.__new__(cls)
            obj.__dict__.update(data)
        objects[object_id] = obj
        return obj, 1 + min(len(payload), _MSGPACK_DEPTH + height)

    def _name(self, name: str) -> None:
        if name not in self.known_names:
            if len(self.type_names) >= self.limits.max_type_name_count:
                raise Fallback
            self.known_names.add(name)
            self.type_names.append(name)

    def _fill(self, entry: object, obj: object, data: object) -> None:
        if entry.deserialize is not None:  # type: ignore[attr-defined]
            entry.deserialize(obj, data, self.global_data)  # type: ignore[attr-defined]
            return
        if type(data) is not dict or not all(type(key) is str for key in data):
            raise Fallback
        obj.__dict__.update(data)

    def _reference(self, payload: bytes) -> object:
        if len(payload) == 1 and payload[0] < 0x80:
            object_id = payload[0]
        else:
            object_id = unpackb(payload)
            if type(object_id) is not int or object_id < 0:
                raise Fallback
        self.references += 1
        if self.references > self.limits.max_reference_count or object_id >= len(self.objects):
            raise Fallback
        obj = self.objects[object_id]
        if obj is _INCOMPLETE:
            raise Fallback
        return obj


_local = threading.local()


def fast_unpackb(
    data: bytes, registry: Registry, limits: Limits, ext_types: ExtTypes
) -> tuple[object, dict[str, object]]:
    """Decodes with this thread's cached fast decoder; raises :class:`Fallback` to hand over."""
    decoder: _FastDecoder | None = getattr(_local, "last", None)
    if (
        decoder is None
        or decoder.registry is not registry
        or decoder.limits is not limits
        or decoder.ext_types is not ext_types
        or decoder.busy
    ):
        decoder = _thread_coder(_local, "decoders", _FastDecoder, registry, limits, ext_types)
    decoder.busy = True
    try:
        return decoder.decode(data)
    finally:
        decoder.busy = False

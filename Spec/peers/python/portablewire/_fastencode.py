# SPDX-License-Identifier: Apache-2.0
"""The fast path of :func:`portablewire.packb`: msgpack's C ``Packer`` does the walking.

Plain subtrees never leave C. The packer calls :meth:`_FastEncoder._default` only for values it
cannot pack itself (strict types): instances of registered classes, opaque objects, well-known
values, ``Ext`` and subclasses of plain types. Objects become ``ExtType`` values whose payload
(type-ref, then data) is packed by a packer of the next nesting level, with the message's tables
(object ids, type names) kept here, so ids and type indices follow wire order exactly as the
exact encoder (:mod:`portablewire.encoder`) assigns them.

Whatever the fast path cannot do exactly, it hands over by raising :class:`Fallback`: the exact
encoder then writes the message (or the error, with its path) and reuses every serializer
result recorded here, so serializers still run once per object per message. What hands over:
errors of any kind, ``Float32`` and ``Map`` values, sets whose elements are not plain, objects
inside global data that have a serializer or that the body holds too, and nesting the bound
below cannot clear.

Depth: msgpack limits one ``pack`` call to 512 levels, exactly ``Limits.max_depth``'s default,
but each object's payload is a separate call. Every ext written gets a height bound (1 + the
smaller of its payload's length and 512 plus its children's bound); when the top level's plain
height plus the largest bound of an ext in it could exceed ``max_depth``, the exact encoder
decides.
"""

from __future__ import annotations

import re
import threading
from enum import Enum
from itertools import repeat
from operator import add, attrgetter, itemgetter
from collections.abc import Callable
from typing import Any

from msgpack import ExtType, Packer, unpackb  # type: ignore[import-untyped]

from ._extwatch import made_codes as _made_ext_codes
from .objects import UNAVAILABLE, GlobalData, OpaqueObject
from .options import ExtTypes, Limits
from .registry import Registry
from .values import Ext, Float32
from .wellknown import SET, TUPLE, _Invalid, _SetData, well_known

__all__ = ["Fallback", "fast_packb"]

_new_ext = tuple.__new__
# One msgpack Packer.pack call refuses a value inside more than 1024 containers, so it accepts
# at most 1025 levels; packing a value inside `1025 - n` one-element lists therefore proves that
# it nests at most n levels (one less when its innermost container is not empty: conservative).
_MSGPACK_DEPTH = 1025
# Objects nested inside objects that the fast path follows, each a nested Packer.pack call.
_MAX_NESTED_OBJECTS = 32


class Fallback(Exception):
    """The fast path cannot write this message exactly; the exact encoder takes over.

    It carries the global-data table and the serializer results so far (either may be ``None``),
    so the exact encoder continues with them and serializers still run once per object.
    """

    table: GlobalData | None = None
    results: dict[int, tuple[object, object]] | None = None


def _packer(default: object) -> Packer:
    return Packer(use_bin_type=True, strict_types=True, autoreset=True, default=default)


_PLAIN = Packer(use_bin_type=True, strict_types=True, autoreset=True)
# Back-references the body's packer finds in C (see _FastEncoder.encode): used for a message when
# the last one had at least this many at its top level, all to instances of identity-hashed classes.
_CACHE_MIN_REFERENCES = 8
_CACHE_COOLDOWN = 32  # messages without the cache after one it could not take
_CACHE_RUN = 64  # messages with the cache before one without (which decides again)
_FIRST = itemgetter(0)
_DICT = attrgetter("__dict__")
# A top-level list of at least this many instances of one registered class is tried in bulk.
_BULK_MIN = 16
_BULK_COOLDOWN = 32


class _Retry(Exception):
    """The body was packed with the reference cache but needs what only the plain path records."""


class _ReferenceCache(dict):  # type: ignore[type-arg]
    """Maps an instance already written in this message to its back-reference ext; the top-level
    packer's default is this dict's ``__getitem__``, so a back-reference costs no Python call.
    Anything else is a miss, which the encoder's default handles."""

    __slots__ = ("miss",)
    miss: Any

    def __missing__(self, value: object) -> object:
        return self.miss(value)


def _identity_hashed(cls: type) -> bool:
    """Whether instances of ``cls`` hash and compare by identity (a dict lookup runs no user code
    and never takes one instance for another)."""
    return cls.__hash__ is object.__hash__ and cls.__eq__ is object.__eq__  # type: ignore[comparison-overlap]


_UNUSED = GlobalData(writable=False)  # given to serializers that do not use global data


class _Wrapper:
    """A reusable chain of one-element lists: ``wrap(value, k)`` puts ``value`` inside ``k`` of them."""

    def __init__(self) -> None:
        lists: list[list[object]] = [[None]]
        for _ in range(_MSGPACK_DEPTH):
            lists.append([lists[-1]])
        self.lists = lists  # lists[k] holds the slot k levels down

    def wrap(self, value: object, k: int) -> list[object]:
        self.lists[0][0] = value
        return self.lists[k - 1]

    def clear(self) -> None:
        self.lists[0][0] = None


class _ThreadCoder:
    """What a thread's fast encoder and fast decoder share: the registry, limits and ext types it was
    made for (see :func:`_thread_coder`), the limits and ext codes it checks, and whether it is busy
    with a message."""

    def __init__(self, registry: Registry, limits: Limits, ext_types: ExtTypes) -> None:
        self.registry = registry
        self.limits = limits
        self.ext_types = ext_types
        self.max_object_count = limits.max_object_count
        self.max_reference_count = limits.max_reference_count
        self.code_object = ext_types.object
        self.code_two_phase = ext_types.two_phase_object
        self.code_reference = ext_types.reference
        self.code_global = ext_types.global_data
        self.busy = False


class _FastEncoder(_ThreadCoder):
    """One thread's reusable encoder for one (registry, limits, ext types); state reset per message."""

    # The message's tables (see _tables), and its global data and serializer results.
    object_ids: dict[int, int] | None
    next_id: int
    references: int
    type_indices: dict[str, bytes]
    kept: list[object]
    active: set[int]
    table: GlobalData | None
    global_data: GlobalData | None
    results: dict[int, tuple[object, object]] | None
    level: int

    def __init__(self, registry: Registry, limits: Limits, ext_types: ExtTypes) -> None:
        super().__init__(registry, limits, ext_types)
        self.by_class = registry._by_class
        self.max_depth = limits.max_depth
        self.small_references = [_new_ext(ExtType, (ext_types.reference, _SMALL_INTS[i])) for i in range(128)]
        self.reserved = {-1, ext_types.object, ext_types.two_phase_object, ext_types.reference, ext_types.global_data}
        self.heights = [0]
        self.packers: list[Packer] = []
        self._names: dict[str, bytes] = {}  # each type name, packed
        self.reference_cache = _ReferenceCache()
        self.caching = False  # the body being packed uses the cache
        self.cache_next = False  # the next message's body does
        self.cooldown = 0
        self.top_references = 0
        self.cache_runs = 0
        self.retries = 0  # consecutive messages the cache had to retry for a depth re-proof
        self.bulk_cooldown = 0  # messages not tried in bulk after one that could not be
        self._default = self._make_default()
        self.packers.append(_packer(self._default))
        self.reference_cache.miss = self._default
        self.cached_top = _packer(self.reference_cache.__getitem__)
        self.verifier = _packer(self._put_back)
        self.wrapper = _Wrapper()
        self.wrapper_slot = self.wrapper.lists[0]
        self.object_ids = None  # the message's tables, made when the first object needs them
        # Opaque objects and tuples being written (cycle checks; instances of registered classes
        # are negative in object_ids instead); emptied after every message.
        self.active = set()
        self.level = 0
        self.table = self.global_data = None
        self.results = None
        self.guess = [0, 0, 0]  # the wrap of the last message's body, table, and body inside an envelope
        self.last_was_envelope = False
        self.top: list[tuple[object, object]] = []
        self.put_back_index = 0

    # MARK: Per message

    def encode(self, obj: object, initial: object) -> bytes:
        """Encodes one message, or raises :class:`Fallback` carrying the global-data table and serializer results.

        The short path here is what ``_encode_message``, ``_encode`` and ``_pack_top`` do for a
        message without initial global data, when the last message used neither the reference
        cache, an envelope nor a wrap, and the body is no list that may go in bulk: the body
        packed once and, when short, proven by its length; anything longer or with global data
        continues as ``_pack_top`` and ``_encode`` do.
        """
        if _made_ext_codes and not self.reserved.isdisjoint(_made_ext_codes):
            # msgpack's C packer writes an ExtType without asking: once one with a portable (or
            # the timestamp's) code exists, only the exact encoder can refuse it (see _extwatch).
            raise Fallback
        # (object_ids, table, global_data and results are None, and level 0, between messages:
        # the finally blocks and the packer's default restore them.)
        if initial is not None or self.cache_next or self.last_was_envelope or self.guess[0] or (
            type(obj) is list and len(obj) >= _BULK_MIN
        ):
            return self._encode_message(obj, initial)
        self.top_references = 0
        try:
            max_depth = self.max_depth
            if max_depth >= _MSGPACK_DEPTH:
                raise Fallback
            self.heights[0] = 0
            # (self.top is an empty list between messages: the finally below makes it one)
            body: bytes = self.packers[0].pack(obj)
            if len(body) > max_depth:
                body = self._long_top(obj, body, max_depth, 0, 0)
            table = self.table
            if table is not None and table._entries:
                self.last_was_envelope = True
                body = self._envelope(body, obj, False)
            if self.cooldown:
                self.cooldown -= 1
            elif self.top_references >= _CACHE_MIN_REFERENCES:
                self.cache_next = all(map(_identity_hashed, set(map(type, map(_FIRST, self.top)))))
            return body
        except Exception as error:
            handover = self._handover(error)
            if handover is error:
                raise
            raise handover from error  # the exact encoder reports it, with its path
        finally:
            # (the reference cache is neither used nor filled without self.caching)
            if self.object_ids is not None:
                self.kept = []
                self.object_ids = None
                self.top = []
                if self.active:
                    self.active.clear()
            self.wrapper_slot[0] = None
            self.table = self.global_data = self.results = None
            self.level = 0

    def _handover(self, error: Exception) -> Fallback:
        """The :class:`Fallback` that hands a message that failed here to the exact encoder, with the
        tables and serializer results made so far (``error`` itself when it is one)."""
        self.last_was_envelope = False
        handover = error if type(error) is Fallback else Fallback()
        handover.table = self.table
        handover.results = self.results
        return handover

    def _encode_message(self, obj: object, initial: object) -> bytes:
        """:meth:`encode` for every message its short path does not take."""
        if initial is not None:
            self.table = self.global_data = GlobalData(initial)  # type: ignore[arg-type]
        elif type(obj) is list and len(obj) >= _BULK_MIN:
            entry = self.by_class.get(type(obj[0]))
            if entry is not None and entry.serialize is None:
                if self.bulk_cooldown:
                    self.bulk_cooldown -= 1
                else:
                    try:
                        bulk = self._bulk(obj, entry)
                    except Exception:
                        bulk = None  # (the usual way then decides, and reports any fault)
                    if bulk is not None:
                        self.last_was_envelope = False
                        return bulk
        self.top_references = 0
        try:
            if self.cache_next:
                # The last message referred back to the same instances many times at its top
                # level: the body's packer finds those back-references in the reference cache, in
                # C. A value the cache cannot look up (unhashable), a depth re-proof (which needs
                # every top-level ext recorded), or any fault: the message again without it, the
                # serializers' results reused (each runs once), and no cache for a while (after a
                # re-proof only when the next message needs one too).
                self.caching = True
                self.cache_runs += 1
                if self.cache_runs == _CACHE_RUN:
                    # Every so often the plain path again, which counts the back-references.
                    self.cache_runs = 0
                    self.cache_next = False
                try:
                    body = self._encode(obj)
                    self.retries = 0
                    return body
                except _Retry:
                    # A new shape whose depth must be proven again (the guess is now updated):
                    # the cache stays, unless this happens twice in a row.
                    self.caching = False
                    self.retries += 1
                    if self.retries > 1:
                        self.retries = 0
                        self.cache_next = False
                        self.cooldown = _CACHE_COOLDOWN
                    self._forget_attempt()
                except Exception:
                    self.caching = self.cache_next = False
                    self.cooldown = _CACHE_COOLDOWN
                    self._forget_attempt()
            body = self._encode(obj)
            if self.cooldown:
                self.cooldown -= 1
            elif self.top_references >= _CACHE_MIN_REFERENCES:
                self.cache_next = all(map(_identity_hashed, set(map(type, map(_FIRST, self.top)))))
            return body
        except Exception as error:
            handover = self._handover(error)
            if handover is error:
                raise
            raise handover from error  # the exact encoder reports it, with its path
        finally:
            if self.caching:
                self.caching = False
            if self.reference_cache:
                self.reference_cache.clear()
            if self.object_ids is not None:
                self.kept = []
                self.object_ids = None
                self.top = []
                if self.active:
                    self.active.clear()
            self.wrapper_slot[0] = None  # (the wrapper's clear())
            self.table = self.global_data = self.results = None
            self.level = 0

    def _bulk(self, items: list[Any], entry: Any) -> bytes | None:
        """A list of distinct instances of one registered class whose data is its ``__dict__`` of
        plain values: every payload packed by C maps over the list, no Python call per object.

        The bytes are those the packer's default writes (ids 0.. in list order, the type's name
        first, then its index 0): an instance holding anything the plain packer refuses (another
        object, a set, a Float32...), a repeated instance, or a limit in the way, and ``None``
        sends the message the usual way (nothing has run that it would run again).
        """
        count = len(items)
        max_depth = self.limits.max_depth
        if (
            entry.value_type
            or entry.two_phase
            or count > self.max_object_count
            or self.limits.max_type_name_count < 1
            or max_depth >= _MSGPACK_DEPTH
            or len(set(map(type, items))) != 1
            or len(set(map(id, items))) != count
        ):
            return None
        try:
            packed = list(map(_PLAIN.pack, map(_DICT, items)))
        except Exception:
            self.bulk_cooldown = _BULK_COOLDOWN  # (an object holds more than plain values: likely the next too)
            return None
        name = entry.name
        name_ref = self._names.get(name)
        if name_ref is None:
            name_ref = self._names[name] = _PLAIN.pack(name)
        payloads = list(map(add, repeat(_SMALL_INTS[0], count), packed))
        payloads[0] = name_ref + packed[0]
        exts = list(map(_new_ext, repeat(ExtType), zip(repeat(self.code_object, count), payloads)))
        body: bytes = self.packers[0].pack(exts)  # only ExtTypes: the default is never called
        if len(body) > max_depth:
            # The depth proof _pack_top makes: the list inside wrappers, the exts' height bound added.
            height = 1 + min(max(map(len, payloads)), _MSGPACK_DEPTH)
            needed = _MSGPACK_DEPTH - max_depth + height
            if needed >= _MSGPACK_DEPTH:
                return None
            try:
                again = _PLAIN.pack(self.wrapper.wrap(exts, needed))
            except Exception:
                return None
            finally:
                self.wrapper_slot[0] = None
            if len(again) != needed + len(body) or not again.endswith(body):
                return None
        return body

    def _forget_attempt(self) -> None:
        """Before the message is packed again: fresh tables; the global data and the serializers'
        results stay (each serializer runs once per message)."""
        self.reference_cache.clear()
        if self.object_ids is not None:
            self.object_ids = None
            self.kept = []
            self.top = []
            self.active.clear()
        self.global_data = self.table  # (an attempt that reached the envelope's table made it UNAVAILABLE)

    def _encode(self, obj: object) -> bytes:
        """The body, and the envelope when serializers wrote global data."""
        # When the last message became an envelope, this one likely does too: its body is then
        # proven for one level less from the start (inside G), so it is never packed twice.
        in_envelope = self.last_was_envelope
        body = self._pack_top(obj, 1, 2) if in_envelope else self._pack_top(obj)
        table = self.table
        if table is not None and table._entries:
            self.last_was_envelope = True
            return self._envelope(body, obj, in_envelope)
        self.last_was_envelope = False
        return body

    def _tables(self) -> dict[int, int]:
        object_ids: dict[int, int] = {}
        self.object_ids = object_ids
        self.next_id = 0
        self.references = 0
        self.type_indices = {}
        self.kept = []
        return object_ids

    def _pack_top(self, value: object, base: int = 0, slot: int | None = None) -> bytes:
        """Packs a top-level value (the body, or the global-data table) and proves its depth.

        Small output cannot be too deep (each level takes a byte). Larger output is packed inside
        ``1025 - max_depth + base + h`` wrapper lists, h bounding the height of the exts in it, so
        msgpack's own limit refuses anything too deep; the wrap is guessed from the last message
        and, when the guess was too low, the value is packed again with its exts put back as they were.
        """
        max_depth = self.limits.max_depth - base
        if max_depth >= _MSGPACK_DEPTH:
            raise Fallback
        if slot is None:
            slot = base
        self.heights[0] = 0
        self.top = []
        guess = self.guess[slot]
        packer = self.cached_top if self.caching else self.packers[0]
        if guess:
            packed: bytes = packer.pack(self.wrapper.wrap(value, guess))
            if packed[:guess] != b"\x91" * guess:
                raise Fallback
            packed = packed[guess:]
        else:
            packed = packer.pack(value)
        if len(packed) <= max_depth:
            self.guess[slot] = 0
            return packed
        return self._long_top(value, packed, max_depth, slot, guess)

    def _long_top(self, value: object, packed: bytes, max_depth: int, slot: int, guess: int) -> bytes:
        """The rest of :meth:`_pack_top` for a value packed as ``packed`` (inside ``guess`` wrapper
        lists) that is longer than ``max_depth``: proven inside the wrap its exts need."""
        needed = _MSGPACK_DEPTH - max_depth + self.heights[0]
        if needed >= _MSGPACK_DEPTH:
            raise Fallback
        self.guess[slot] = needed
        if guess >= needed:
            return packed
        return self._prove_in(value, packed, needed)

    def _prove_in(self, value: object, packed: bytes, needed: int) -> bytes:
        """Proves ``packed``, the bytes of ``value``, inside ``needed`` wrapper lists: packs the value
        again so, its exts put back as they were; the same bytes must come out."""
        if self.caching:
            raise _Retry  # back-references found in C are not in self.top
        self.put_back_index = 0
        again = self.verifier.pack(self.wrapper.wrap(value, needed))
        if self.put_back_index != len(self.top) or again[needed:] != packed:
            raise Fallback
        return packed

    def _put_back(self, value: object) -> object:
        """The verifier's default: the exts of the top level, in order, as the first pack made them."""
        index = self.put_back_index
        if index >= len(self.top) or self.top[index][0] is not value:
            raise Fallback
        self.put_back_index = index + 1
        return self.top[index][1]

    def _pack_top_again(self, value: object, body: bytes) -> bytes:
        """Proves the body for one level less (inside the envelope), its exts put back as they were."""
        needed = _MSGPACK_DEPTH - (self.limits.max_depth - 1) + self.heights[0]
        if needed >= _MSGPACK_DEPTH:
            raise Fallback
        return self._prove_in(value, body, needed)

    def _envelope(self, body: bytes, obj: object, proven: bool) -> bytes:
        """Global data without encoding the body twice.

        The body was packed numbered as if it stood alone. The table is packed with tables of its
        own (ids and type names from 0, as it comes first in wire order); when it holds objects,
        the body is renumbered to follow it (:class:`_Relocation`): packed again in C with the
        exts of its top level put back renumbered (:meth:`_repack_relocated`; its plain values
        are not walked in Python either way), or, should that fail, its bytes relocated. That
        gives what encoding the body again after the table writes, unless the body holds an
        instance the table holds too (it must then refer back to the table's copy): that
        message, and any limit the two together exceed, goes to the exact encoder's second pass.

        ``proven``: the body was packed for the depth it has inside the envelope already.
        """
        if self.object_ids is None:
            self._tables()
        if not proven and len(body) > self.limits.max_depth - 1:
            # The body was proven for max_depth levels; inside G it has one less.
            body = self._pack_top_again(obj, body)
        table = self.table
        assert table is not None  # an envelope is made only for a non-empty table
        entries = dict(table._entries)
        if not all(type(key) is str for key in entries):
            raise Fallback
        body_ids, body_objects = self.object_ids, self.next_id
        body_references, body_kept, body_top = self.references, self.kept, self.top
        body_cached = self.caching
        assert body_ids is not None
        table_ids = self._tables()  # the table's own, numbered from 0
        self.global_data = UNAVAILABLE
        self.caching = False  # the table's packer counts every reference (objects in it come first)
        packed = self._pack_top(entries, 1)
        objects = self.next_id
        if objects:
            if not _RELOCATE or not body_ids.keys().isdisjoint(table_ids):
                raise Fallback  # the body refers back to the table's copy: the second pass writes it
            if (
                objects + body_objects > self.max_object_count
                or self.references + body_references > self.max_reference_count
            ):
                raise Fallback  # the exact encoder decides
            if body_objects:
                names = list(self.type_indices)
                try:
                    body = self._repack_relocated(obj, _Relocation(self, objects, names), body_top, body_kept, body_ids,
                                                  body_cached)
                except Exception:
                    body = _Relocation(self, objects, names).relocate(body)
        self.top = body_top  # the body's top level decides the reference cache, as without a table
        del body_kept  # (held until here: while the body's ids were compared, no id() was reused)
        payload = packed + body
        return _ext_header(len(payload), self.code_global) + payload

    def _repack_relocated(
        self,
        obj: object,
        relocation: _Relocation,
        top: list[tuple[object, object]],
        kept: list[object],
        object_ids: dict[int, int],
        cached: bool,
    ) -> bytes:
        """The body packed again in C, each ext of its top level put back renumbered.

        The exts come back in the order the first pack made them (each checked to be for the same
        value), renumbered by ``relocation``. When the first pack found back-references in the
        reference cache (``cached``), this pack finds them in one whose back-references are
        renumbered, each added when the first pack added it: once the object and its data are
        written (object ids run in wire order, so after an ext of the top level, every instance
        with an id below the objects written so far). Any fault, and the caller relocates the
        first pack's bytes instead.
        """
        cache = _ReferenceCache()
        index = 0
        later: list[tuple[int, object]] = []  # (id, instance) the first pack added to the cache, by id
        if cached:
            by_class_get = self.by_class.get
            for value in kept:
                entry = by_class_get(type(value))
                if entry is not None and not entry.value_type and _identity_hashed(type(value)):
                    later.append((object_ids[id(value)], value))
        added = 0
        code_reference = self.code_reference
        moved = relocation.objects

        def put_back(value: object) -> object:
            nonlocal index, added
            if index >= len(top) or top[index][0] is not value:
                raise Fallback
            ext: Any = top[index][1]
            index += 1
            if type(ext) is ExtType:
                ext = relocation._ext(ext[0], ext[1])
                while added < len(later) and later[added][0] < relocation.seen:
                    object_id, instance = later[added]
                    cache[instance] = _new_ext(ExtType, (code_reference, _int_bytes(object_id + moved)))
                    added += 1
            return ext

        cache.miss = put_back
        relocation.frames.append([0, 0])
        again: bytes = _packer(cache.__getitem__ if cached else put_back).pack(obj)
        if index != len(top):
            raise Fallback
        return again

    # MARK: The packer's default

    def _make_default(self) -> Any:
        """The packer's default: an instance of a registered class (the common case) inline, with
        what it needs bound once; everything else in :meth:`_convert`.

        For such an instance it does exactly what ``_convert``, ``_serialize`` and ``_payload`` do.
        """
        by_class_get = self.by_class.get
        convert = self._convert
        serialize_hook = self._serialize
        max_type_name_count = self.limits.max_type_name_count
        names = self._names
        code_object = self.code_object
        code_two_phase = self.code_two_phase
        code_reference = self.code_reference
        max_object_count = self.max_object_count
        max_reference_count = self.max_reference_count
        small_references = self.small_references
        reference_cache = self.reference_cache
        packers = self.packers
        heights = self.heights

        def default(value: object) -> object:
            entry = by_class_get(type(value))
            if entry is None or entry.value_type:
                ext = convert(value)
            else:
                object_ids = self.object_ids
                key = id(value)
                if object_ids is None:
                    # The message's first object: its tables (as _tables).
                    object_ids = self.object_ids = {}
                    self.next_id = self.references = 0
                    self.type_indices = {}
                    self.kept = []
                    object_id = None
                else:
                    object_id = object_ids.get(key)
                if object_id is not None:
                    if object_id < 0:
                        # Being written (its payload is being packed): a cycle, unless two-phase.
                        if not entry.two_phase:
                            raise Fallback  # a cycle: the exact encoder names both paths
                        object_id = ~object_id
                    # A back-reference (as _reference).
                    references = self.references = self.references + 1
                    if references > max_reference_count:
                        raise Fallback
                    level = self.level
                    if heights[level] < 1:
                        heights[level] = 1
                    if not level:
                        self.top_references += 1
                    if object_id < 128:
                        ext = small_references[object_id]  # immutable: one per id, shared by messages
                    else:
                        ext = _new_ext(ExtType, (code_reference, _int_bytes(object_id)))
                else:
                    object_id = self.next_id
                    object_ids[key] = ~object_id  # (negative while being written: see above)
                    next_id = self.next_id = object_id + 1
                    self.kept.append(value)
                    serialize = entry.serialize
                    data: object
                    if serialize is None:
                        data = value.__dict__
                    else:
                        # What _serialize does, its common cases inline.
                        global_data = self.global_data
                        if global_data is None:
                            if entry.serialize_uses_global_data:
                                data = serialize_hook(value, entry)  # (makes the table)
                            else:
                                results = self.results
                                if results is None:
                                    results = self.results = {}
                                    recorded = None
                                else:
                                    recorded = results.get(key)
                                if recorded is None:
                                    data = serialize(value, _UNUSED)
                                    results[key] = (value, data)
                                else:
                                    data = recorded[1]
                        else:
                            data = serialize_hook(value, entry)
                    # The payload: type-ref, then the data packed one level down (as _payload).
                    if next_id > max_object_count:
                        raise Fallback
                    name = entry.name
                    type_indices = self.type_indices
                    type_ref = type_indices.get(name)
                    if type_ref is None:
                        # The name's first use in this message: the name itself (as _new_type_ref).
                        count = len(type_indices)
                        if count >= max_type_name_count:
                            raise Fallback
                        type_indices[name] = _SMALL_INTS[count] if count < 128 else _int_bytes(count)
                        type_ref = names.get(name)
                        if type_ref is None:
                            type_ref = names[name] = _PLAIN.pack(name)
                    outer = self.level
                    if outer >= _MAX_NESTED_OBJECTS:
                        raise Fallback  # bounded C stack: the exact encoder goes on
                    level = self.level = outer + 1
                    try:
                        packer = packers[level]
                    except IndexError:
                        packer = _packer(default)
                        packers.append(packer)
                        heights.append(0)
                    heights[level] = 0
                    try:
                        packed = packer.pack(data)
                    finally:
                        self.level = outer
                    payload = type_ref + packed
                    # The height bound: 1 + min(len(payload), _MSGPACK_DEPTH + heights[level]).
                    height = len(payload)
                    if height > _MSGPACK_DEPTH:
                        limit = _MSGPACK_DEPTH + heights[level]
                        if height > limit:
                            height = limit
                    height += 1
                    if height > heights[outer]:
                        heights[outer] = height
                    ext = _new_ext(ExtType, (code_two_phase if entry.two_phase else code_object, payload))
                    object_ids[key] = object_id  # written
                    if self.caching:
                        # Written in full: from now on the top level's packer finds its
                        # back-reference in C (instances of identity-hashed classes only).
                        # (checked each time, not cached: a class's __eq__ or __hash__ could change)
                        if _identity_hashed(type(value)):
                            reference_cache[value] = (
                                small_references[object_id]
                                if object_id < 128
                                else _new_ext(ExtType, (code_reference, _int_bytes(object_id)))
                            )
            if self.level == 0:
                self.top.append((value, ext))
            return ext

        return default

    def _convert(self, value: Any) -> object:
        """Everything the packer's default does not handle inline."""
        object_ids = self.object_ids
        if object_ids is None:
            object_ids = self._tables()
        t = type(value)
        entry = self.by_class.get(t)
        if entry is not None:
            # An enum member (a value type); instances of the other registered classes are the
            # packer's default's own case.
            return self._payload_object(entry.name, self._serialize(value, entry), self.code_object)
        if isinstance(value, OpaqueObject):
            key = id(value)
            object_id = object_ids.get(key)
            if object_id is not None:
                if key in self.active and not value.two_phase:
                    raise Fallback
                return self._reference(object_id)
            object_ids[key] = self.next_id
            self.next_id += 1
            self.kept.append(value)
            self.active.add(key)
            ext = self._payload(value.name, value.data, self.code_two_phase if value.two_phase else self.code_object)
            self.active.discard(key)
            return ext
        if t is Ext:
            if value.type in self.reserved:
                raise Fallback
            self._leaf_height(1)
            return _new_ext(ExtType, (value.type, value.data))
        known = well_known(value)
        if known is not None:
            data: Any
            name, data = known
            if type(data) is _SetData:
                return self._set(data.items)
            if type(data) is _Invalid:
                raise Fallback
            if name == TUPLE:
                key = id(value)
                if key in self.active:
                    raise Fallback
                self.active.add(key)
                ext = self._payload_object(name, list(data), self.code_object)
                self.active.discard(key)
                return ext
            return self._payload_object(name, data, self.code_object)
        if isinstance(value, Enum):
            raise Fallback
        # Subclasses of plain types travel as their base type (strict packing sends them here).
        if isinstance(value, dict):
            return dict(value)
        if isinstance(value, list):
            return list(value)
        if isinstance(value, str):
            return str(value)
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            if t is int:
                raise Fallback  # out of MessagePack's range
            return int(value)
        if isinstance(value, float) and t is not Float32:
            return float(value)
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        raise Fallback

    def _serialize(self, value: object, entry: Any) -> object:
        results = self.results
        if results is None:
            results = self.results = {}
        global_data = self.global_data
        if global_data is None:
            if entry.serialize_uses_global_data:
                global_data = self.table = self.global_data = GlobalData()
            else:
                # The package's own serializer, which never looks at it: no table is made (a read
                # finds nothing, a write fails and the exact encoder takes over with a real one).
                global_data = _UNUSED
        if global_data is not UNAVAILABLE:
            recorded = results.get(id(value))
            if recorded is not None:
                return recorded[1]
            data = entry.serialize(value, global_data)
            results[id(value)] = (value, data)
            return data
        if not entry.serialize_uses_global_data and not entry.user_hooks:
            # Inside the global data, a serializer of the package's own (an enum member, a
            # NamedTuple...): afresh, as the exact encoder does, and not recorded for the body.
            return entry.serialize(value, UNAVAILABLE)
        raise Fallback  # the exact encoder serializes them afresh (and runs an application's once)

    def _reference(self, object_id: int) -> object:
        references = self.references = self.references + 1
        if references > self.max_reference_count:
            raise Fallback
        heights = self.heights
        if heights[self.level] < 1:
            heights[self.level] = 1
        if object_id < 128:
            return self.small_references[object_id]  # immutable: one per id, shared by messages
        return _new_ext(ExtType, (self.code_reference, _int_bytes(object_id)))

    def _leaf_height(self, height: int) -> None:
        heights = self.heights
        if height > heights[self.level]:
            heights[self.level] = height

    def _type_ref(self, name: str) -> bytes:
        """The type-ref bytes for ``name``: its index when the message named it already, else the name."""
        index = self.type_indices.get(name)
        if index is None:
            return self._new_type_ref(name)
        return index

    def _new_type_ref(self, name: str) -> bytes:
        """The first use of ``name`` in this message: the name itself; its index (packed) from then on."""
        count = len(self.type_indices)
        if count >= self.limits.max_type_name_count:
            raise Fallback
        self.type_indices[name] = _int_bytes(count)
        packed = self._names.get(name)
        if packed is None:
            packed = self._names[name] = _PLAIN.pack(name)
        return packed

    def _payload_object(self, name: str, data: object, code: int) -> object:
        """A well-known value or enum member: a P with an id but no identity."""
        self.next_id += 1
        return self._payload(name, data, code)

    def _payload(self, name: str, data: object, code: int) -> object:
        if self.next_id > self.max_object_count:
            raise Fallback
        type_ref = self.type_indices.get(name)
        if type_ref is None:
            type_ref = self._new_type_ref(name)
        outer = self.level
        if outer >= _MAX_NESTED_OBJECTS:
            raise Fallback  # bounded C stack: the exact encoder goes on
        level = self.level = outer + 1
        packers = self.packers
        heights = self.heights
        if level == len(packers):
            packers.append(_packer(self._default))
            heights.append(0)
        heights[level] = 0
        try:
            packed = packers[level].pack(data)
        finally:
            self.level = outer
        payload = type_ref + packed
        height = 1 + min(len(payload), _MSGPACK_DEPTH + heights[level])
        if height > heights[outer]:
            heights[outer] = height
        return _new_ext(ExtType, (code, payload))

    def _set(self, items: list[Any]) -> object:
        """A set of plain elements, sorted by their encodings; anything else goes to the exact encoder."""
        try:
            encoded = sorted(map(_PLAIN.pack, items))
        except Exception:
            raise Fallback from None
        self.next_id += 1
        if self.next_id > self.limits.max_object_count:
            raise Fallback
        payload = self._type_ref(SET) + _PLAIN.pack_array_header(len(encoded)) + b"".join(encoded)
        # The elements' heights are at most their bytes; 2 levels for the object and its array.
        self._leaf_height(2 + min(max(map(len, encoded), default=0), _MSGPACK_DEPTH))
        return _new_ext(ExtType, (self.code_object, payload))


_FIXEXT = {1: 0xD4, 2: 0xD5, 4: 0xD6, 8: 0xD7, 16: 0xD8}
_SMALL_INTS = [bytes((i,)) for i in range(128)]


def _int_bytes(value: int) -> bytes:
    if value < 128:
        return _SMALL_INTS[value]
    packed: bytes = _PLAIN.pack(value)
    return packed


def _ext_header(length: int, code: int) -> bytes:
    """The canonical ext header for a payload of ``length`` bytes: fixext when it fits, else the shortest."""
    fixext = _FIXEXT.get(length)
    if fixext is not None:
        return bytes((fixext, code & 0xFF))
    if length < 1 << 8:
        return bytes((0xC7, length, code & 0xFF))
    if length < 1 << 16:
        return b"\xc8" + length.to_bytes(2, "big") + bytes((code & 0xFF,))
    return b"\xc9" + length.to_bytes(4, "big") + bytes((code & 0xFF,))


# Whether an envelope whose table holds objects renumbers the body packed before the table
# (_Relocation). Off, such a message goes to the exact encoder's second pass; tests compare the two.
_RELOCATE = True
# The bytes that begin an ext value (ext 8/16/32, fixext 1-16): a packed value without any holds no ext.
_EXT_START = re.compile(b"[\xc7-\xc9\xd4-\xd8]")
_UINT_BYTES = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8}  # uint 8/16/32/64: bytes after the format byte
_STR_BYTES = {0xD9: 1, 0xDA: 2, 0xDB: 4}  # str 8/16/32: bytes of the length


def _ext_size(length: int) -> int:
    """The bytes of an ext value whose payload has ``length`` bytes, its header included."""
    if length in _FIXEXT:
        return 2 + length
    if length < 1 << 8:
        return 3 + length
    if length < 1 << 16:
        return 4 + length
    return 6 + length


class _Relocation:
    """Renumbers a body packed as if it stood alone, to follow a global-data table that holds
    ``objects`` objects and the type names ``names`` (in index order).

    Object ids and type-name indices run in wire order, and the table comes first
    (Spec/portable-objects.md 5, 6 and 9): every back-reference's id moves up by ``objects``;
    every object's type-ref becomes the name's index in the message (a name first written in the
    body that the table named becomes that index; a name new to the message keeps its string and
    takes the next index; an index to a name of the body's becomes that name's index in the
    message). Everything else stays as it was. This is what packing the body again after the
    table writes, as long as the body holds no instance the table holds (the caller checks).

    msgpack's C unpacker walks the bytes and its packer writes them again (canonical in, the
    same canonical out); the ext hook, called in wire order, renumbers each ext and, inside an
    object, its data the same way. A value without an ext is kept as it is. A value packed again
    must come out as long as it was plus what its exts grew, or the message goes to the exact
    encoder (a map whose keys the unpacker merged, say: keys of str or int subclasses that pack
    alike and compare unequal).
    """

    def __init__(self, encoder: _FastEncoder, objects: int, names: list[str]) -> None:
        self.objects = objects
        self.names = {name: index for index, name in enumerate(names)}  # the message's
        self.body_names: list[str] = []  # the body's own numbering: index -> name
        self.max_names = encoder.limits.max_type_name_count
        self.code_object = encoder.code_object
        self.code_two_phase = encoder.code_two_phase
        self.code_reference = encoder.code_reference
        self.references: dict[bytes, Any] = {}  # a back-reference's payload -> the new ext
        self.frames: list[list[int]] = []  # per value being unpacked: [growth, exts changed]
        self.seen = 0  # objects (P and Q) renumbered so far: the ids they had run 0..seen-1

    def relocate(self, packed: bytes) -> bytes:
        """``packed`` (one value) renumbered; ``packed`` itself when nothing in it changes."""
        if _EXT_START.search(packed) is None:
            return packed
        frame = [0, 0]
        self.frames.append(frame)
        try:
            value = unpackb(packed, ext_hook=self._ext, raw=False, strict_map_key=False)
        finally:
            self.frames.pop()
        if not frame[1]:
            return packed
        again: bytes = _PLAIN.pack(value)
        if len(again) != len(packed) + frame[0]:
            raise Fallback
        return again

    def _ext(self, code: int, data: bytes) -> object:
        if code == self.code_reference:
            ext = self.references.get(data)
            if ext is None:
                first = data[0]
                if len(data) == 1 and first < 0x80:
                    object_id = first
                elif _UINT_BYTES.get(first) == len(data) - 1:
                    object_id = int.from_bytes(data[1:], "big")
                else:
                    raise Fallback  # not what the fast path writes
                ext = self.references[data] = _new_ext(ExtType, (code, _int_bytes(object_id + self.objects)))
            payload = ext[1]
        elif code == self.code_object or code == self.code_two_phase:
            self.seen += 1
            payload = self._payload(data)
            ext = _new_ext(ExtType, (code, payload))
        else:
            return _new_ext(ExtType, (code, data))  # an application's ext, as it was
        frame = self.frames[-1]
        frame[0] += _ext_size(len(payload)) - _ext_size(len(data))
        frame[1] += 1
        return ext

    def _payload(self, data: bytes) -> bytes:
        """An object's payload: its type-ref for the message, then its data renumbered."""
        first = data[0]
        if first < 0x80:
            end = 1
            name = self.body_names[first]
        elif first in _UINT_BYTES:
            end = 1 + _UINT_BYTES[first]
            name = self.body_names[int.from_bytes(data[1:end], "big")]
        else:
            if 0xA0 <= first <= 0xBF:
                start = 1
                end = 1 + (first & 0x1F)
            elif first in _STR_BYTES:
                start = 1 + _STR_BYTES[first]
                end = start + int.from_bytes(data[1:start], "big")
            else:
                raise Fallback  # not what the fast path writes
            name = data[start:end].decode()
            self.body_names.append(name)
        index = self.names.get(name)
        if index is None:
            index = len(self.names)
            if index >= self.max_names:
                raise Fallback  # the exact encoder decides
            self.names[name] = index
            type_ref = data[:end]  # its first use in the message: the name itself
        else:
            type_ref = _int_bytes(index)
        return type_ref + self.relocate(data[end:])


_local = threading.local()


def _thread_coder(
    local: threading.local, slot: str, make: Callable[[Registry, Limits, ExtTypes], Any],
    registry: Registry, limits: Limits, ext_types: ExtTypes,
) -> Any:
    """This thread's fast encoder or decoder for (registry, limits, ext_types), kept in the dict
    ``local.<slot>`` and made by ``make`` the first time, then remembered as ``local.last``; a
    fresh one while that one is busy (a serializer or deserializer coding a message of its own)."""
    cache = getattr(local, slot, None)
    if cache is None:
        cache = {}
        setattr(local, slot, cache)
    key = (id(registry), id(limits), id(ext_types))
    coder = cache.get(key)
    if coder is None or coder.registry is not registry or coder.limits is not limits or coder.ext_types is not ext_types:
        coder = cache[key] = make(registry, limits, ext_types)
    if coder.busy:
        return make(registry, limits, ext_types)
    local.last = coder
    return coder


def fast_packb(obj: object, registry: Registry, limits: Limits, ext_types: ExtTypes, initial: object) -> bytes:
    """Encodes with this thread's cached fast encoder; raises :class:`Fallback` to hand over."""
    encoder: _FastEncoder | None = getattr(_local, "last", None)
    if (
        encoder is None
        or encoder.registry is not registry
        or encoder.limits is not limits
        or encoder.ext_types is not ext_types
        or encoder.busy
    ):
        encoder = _thread_coder(_local, "encoders", _FastEncoder, registry, limits, ext_types)
    encoder.busy = True
    try:
        return encoder.encode(obj, initial)
    finally:
        encoder.busy = False

# SPDX-License-Identifier: Apache-2.0
"""Which ``msgpack.ExtType`` codes this process has made, so the fast encoder can trust C.

msgpack's C packer writes a ``msgpack.ExtType`` itself: it never calls ``default`` for one, so
the fast encoder (:mod:`portablewire._fastencode`) cannot see an ``ExtType`` whose code is one of
the portable ext types (format.md section 8: an encoder MUST fail with ``cannotSerialize``,
because the value would be read back as a portable object). Scanning the packed bytes cannot tell
an ext header from the same bytes inside a float or a bin, and walking the value in Python is
the slow path this package avoids.

So every way of making an ``ExtType`` records its code here: the constructor (which msgpack's
unpacker, ``copy`` and ``pickle`` also go through) and ``_make`` (which ``_replace`` uses), and
those made before this package was imported are found once, at import. As
long as no ``ExtType`` with one of an encoder's portable codes has ever been made, no message can
hold one, and the fast path needs no check. Once one has been made (decoding a PortableWire
message with plain ``msgpack.unpackb`` is enough), that encoder hands every message to the exact
encoder, which checks each ext value; the process stays correct, only slower. ``tuple.__new__``
bypasses both; the package uses it for its own ext values only.

The wrappers return exactly what msgpack's own methods return; nothing else of msgpack changes.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterable
from typing import Any

_LOADED_BEFORE = "msgpack" in sys.modules

import msgpack.ext  # type: ignore[import-untyped]  # noqa: E402

__all__ = ["made_codes"]

#: The codes of every ``msgpack.ExtType`` made in this process so far (only ever grows).
made_codes: set[int] = set()


def _watch() -> None:
    cls: Any = msgpack.ext.ExtType
    if cls.__dict__.get("_portablewire_watched"):
        return  # imported twice (a reload): wrap once
    original_new = cls.__dict__["__new__"]
    if isinstance(original_new, staticmethod):
        original_new = original_new.__func__
    original_make = cls._make.__func__
    record = made_codes.add

    def __new__(klass: type, code: int, data: bytes) -> Any:
        value = original_new(klass, code, data)
        record(code)
        return value

    def _make(klass: type, iterable: Iterable[object]) -> Any:
        value = original_make(klass, iterable)
        record(value[0])
        return value

    __new__.__doc__ = getattr(original_new, "__doc__", None)
    cls.__new__ = staticmethod(__new__)
    cls._make = classmethod(_make)
    cls._portablewire_watched = True
    if _LOADED_BEFORE:
        # ExtType values made before this package was imported: they are ordinary objects the
        # cyclic collector tracks (the class has a __dict__), so one look finds them all.
        made_codes.update(value.code for value in gc.get_objects() if type(value) is cls)


_watch()

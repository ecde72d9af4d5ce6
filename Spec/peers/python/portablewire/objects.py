# SPDX-License-Identifier: Apache-2.0
"""Objects of the portable layer that are not user classes: opaque objects and global data."""

from __future__ import annotations

import reprlib
from collections.abc import Iterator, Mapping, MutableMapping

from .errors import PortableError

__all__ = ["OpaqueObject", "GenericObject", "GlobalData"]


class OpaqueObject:
    """An object of a type the receiver did not register, kept so it can be sent on unchanged.

    Decoding with ``passthrough=True`` turns an unknown type into an ``OpaqueObject`` holding its
    wire ``name``, its ``data`` decoded as plain values (objects inside stay objects) and whether
    it came as a two-phase object. Like any portable object it is an identity object: repeats
    and cycles through it come back as the same instance, and encoding it writes the same type
    name, data and ext type, so a decoded canonical message re-encodes byte-identical.
    """

    __slots__ = ("name", "data", "two_phase", "__weakref__")

    def __init__(self, name: str, data: object = None, two_phase: bool = False) -> None:
        self.name = name
        self.data = data
        self.two_phase = two_phase

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.data!r}, two_phase={self.two_phase})"


class GenericObject(OpaqueObject):
    """An object of a registered type, decoded generically (name and plain data).

    :meth:`Registry.register_generic` registers a name this way; the conformance testee does so
    for every name a vector lists as ``registered``. It behaves exactly like :class:`OpaqueObject`;
    ``type`` is another name for ``name``.
    """

    __slots__ = ()

    def __init__(self, type: str, data: object = None, two_phase: bool = False) -> None:
        super().__init__(type, data, two_phase)

    @property
    def type(self) -> str:
        """The registered type name."""
        return self.name


class GlobalData(MutableMapping[str, object]):
    """The per-message table of global data (str key -> value) that (de)serializers share; a ``MutableMapping``.

    Serializers write entries (``global_data["names"] = [...]``) and read them back; the encoder
    sends the table once, ahead of the body (Spec/portable-objects.md, "Global data").
    Deserializers get the decoded table, read-only. Objects serialized or deserialized inside the
    global data itself get a table whose ``available`` is ``False``: any read or write of it
    raises ``PortableError`` with code ``globalDataUnavailable``.
    """

    def __init__(self, entries: Mapping[str, object] | None = None, *, writable: bool = True) -> None:
        self._entries: dict[str, object] = {}
        self._writable = True
        if entries:
            for key, value in entries.items():
                self[key] = value
        self._writable = writable

    @property
    def available(self) -> bool:
        """Whether this object may use global data (``False`` inside the global data itself)."""
        return True

    def __getitem__(self, key: str) -> object:
        return self._entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __setitem__(self, key: str, value: object) -> None:
        if not self._writable:
            raise TypeError("global data is read-only while decoding")
        if not isinstance(key, str):
            raise TypeError(f"global data keys are str, not {type(key).__name__}")
        self._entries[key] = value

    def __delitem__(self, key: str) -> None:
        if not self._writable:
            raise TypeError("global data is read-only while decoding")
        del self._entries[key]

    def setdefault(self, key: str, default: object = None) -> object:
        """Returns the entry for ``key``, first storing ``default`` there if it has none."""
        if key not in self._entries:
            self[key] = default
        return self._entries[key]

    def __repr__(self) -> str:
        return f"GlobalData({self._entries!r})"


class _UnavailableGlobalData(GlobalData):
    """The table handed to objects inside global data: every use raises."""

    def __init__(self) -> None:
        super().__init__(writable=False)

    @property
    def available(self) -> bool:
        return False

    @staticmethod
    def _refuse() -> PortableError:
        return PortableError(
            "globalDataUnavailable",
            "global data is not available to an object that is itself inside global data",
            hint="check global_data.available before using it",
        )

    def __getitem__(self, key: str) -> object:
        raise self._refuse()

    def __iter__(self) -> Iterator[str]:
        raise self._refuse()

    def __len__(self) -> int:
        raise self._refuse()

    def __setitem__(self, key: str, value: object) -> None:
        raise self._refuse()

    def __delitem__(self, key: str) -> None:
        raise self._refuse()

    def setdefault(self, key: str, default: object = None) -> object:
        raise self._refuse()

    def __repr__(self) -> str:
        return "GlobalData(<unavailable>)"


#: The shared table for objects inside global data (it holds nothing, so one instance serves all).
UNAVAILABLE = _UnavailableGlobalData()

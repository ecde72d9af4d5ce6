# SPDX-License-Identifier: Apache-2.0
"""Plain values that Python's built-in types cannot represent exactly.

Everything else maps to built-ins or to msgpack's own types: nil ``None``, bool, integer ``int``,
float64 ``float``, str, bin ``bytes``, array ``list`` (``tuple`` encodes as an array too), map
``dict`` and timestamp ``msgpack.Timestamp``. Ext values are :class:`Ext`, because
``msgpack.ExtType`` refuses the negative types (encoders accept ``msgpack.ExtType`` too).
"""

from __future__ import annotations

from collections.abc import Iterable

import reprlib
import struct
from dataclasses import dataclass

from msgpack import ExtType  # type: ignore[import-untyped]

__all__ = ["Float32", "Map", "Ext"]

_FLOAT32 = struct.Struct(">f")
_UINT32 = struct.Struct(">I")


class Float32(float):
    """A MessagePack float32: a ``float`` that remembers it is 32 bits wide.

    It encodes as ``ca`` plus its exact 4-byte pattern (``bits``), so decoding and re-encoding
    is byte-identical, NaN payloads included. Arithmetic gives ordinary (float64) floats.

        >>> Float32(1.5).bits == 0x3FC00000
        True
    """

    bits: int  # the IEEE 754 binary32 pattern

    __slots__ = ("bits",)

    def __new__(cls, value: float = 0.0) -> Float32:
        """Rounds ``value`` to float32; raises ``OverflowError`` if it is out of float32 range."""
        return cls.from_bits(_UINT32.unpack(_FLOAT32.pack(value))[0])

    @classmethod
    def from_bits(cls, bits: int) -> Float32:
        """Creates the float32 with this IEEE 754 bit pattern (0 <= bits < 2**32)."""
        self = float.__new__(cls, _FLOAT32.unpack(_UINT32.pack(bits))[0])
        self.bits = bits
        return self

    def __repr__(self) -> str:
        return f"Float32({float.__repr__(self)})"

    def __reduce__(self) -> tuple[object, tuple[int]]:
        return (Float32.from_bits, (self.bits,))


class Map:
    """A MessagePack map kept exactly: ordered ``(key, value)`` pairs.

    Unlike ``dict`` it keeps duplicate keys, unhashable keys (arrays, maps) and keys that Python
    considers equal (``1`` and ``True``). Decoders return it with ``exact_maps=True``; encoders
    write it like a dict, pairs in order. It is a value, compared by its pairs.
    """

    __slots__ = ("pairs",)

    def __init__(self, pairs: Iterable[tuple[object, object]] = ()) -> None:
        self.pairs: list[tuple[object, object]] = list(pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Map):
            return NotImplemented
        return self.pairs == other.pairs

    __hash__ = None  # type: ignore[assignment]  # mutable, like dict

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        return f"Map({self.pairs!r})"


@dataclass(frozen=True, slots=True)
class Ext:
    """A MessagePack ext value: its ``type`` (-128...127; -1 is the timestamp) and payload ``data``.

    Decoders return it for every ext type that is neither the timestamp nor a portable type.
    It is equal to (and hashes like) a ``msgpack.ExtType`` with the same code and data, the same
    wire value, so a dict or set cannot hold both as two keys that would decode as one.
    """

    type: int
    data: bytes

    def __eq__(self, other: object) -> bool:
        if type(other) is Ext:
            return self.type == other.type and self.data == other.data
        if isinstance(other, ExtType):
            return bool(self.type == other.code and self.data == other.data)  # ExtType is untyped (Any)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.type, self.data))  # ExtType's (a namedtuple of code and data)

    def __post_init__(self) -> None:
        if type(self.type) is not int or not -128 <= self.type <= 127:
            raise ValueError(f"an ext type is an int in -128...127, not {self.type!r}")
        if not isinstance(self.data, bytes):
            raise TypeError(f"ext data is bytes, not {type(self.data).__name__}")

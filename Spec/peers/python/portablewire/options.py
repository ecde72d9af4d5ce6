# SPDX-License-Identifier: Apache-2.0
"""Decoder limits and the ext type numbers of the portable layer."""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["Limits", "ExtTypes"]


@dataclass(frozen=True)
class Limits:
    """Bounds every decoder enforces, with safe defaults for untrusted input.

    The defaults are normative (Spec/format.md, "Limits"); every implementation enforces the same.
    Each field is the Spec's name of the limit in snake case (``maxTypeNameCount`` is
    ``max_type_name_count``), as in vectors, the testee protocol and the Swift library.
    Exceeding one raises ``PortableError`` with code ``limitExceeded`` naming the field. A value
    equal to the limit is accepted; one more is rejected. Encoders enforce ``max_depth`` too, so
    they never write a message that a receiver with the same limits rejects for its nesting.
    """

    #: Containers (array, map, portable object, global-data envelope) open at once.
    max_depth: int = 512
    #: Bytes in one message.
    max_message_byte_count: int = 64 << 20
    #: Bytes in one str, bin or ext payload.
    max_payload_byte_count: int = 64 << 20
    #: Elements in one array or entries in one map.
    max_element_count: int = 1 << 24
    #: Portable objects (P and Q ext values) in one message.
    max_object_count: int = 1 << 20
    #: Back-references (R ext values) in one message.
    max_reference_count: int = 1 << 20
    #: Entries in one message's type-name table.
    max_type_name_count: int = 1 << 16
    #: Entries in one message's global data.
    max_global_data_count: int = 1 << 16

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"Limits.{field.name} must be a non-negative int, not {value!r}")


@dataclass(frozen=True)
class ExtTypes:
    """The ext type numbers of the portable layer (Spec/portable-objects.md, "Ext types").

    Both ends of a connection must agree; the defaults are what the conformance suite uses.
    """

    #: Portable object (``'P'``).
    object: int = 0x50
    #: Two-phase portable object, which may be referenced from inside its own data (``'Q'``).
    two_phase_object: int = 0x51
    #: Back-reference to an earlier object by id (``'R'``).
    reference: int = 0x52
    #: Global-data envelope, only at the top of a message (``'G'``).
    global_data: int = 0x47

    def __post_init__(self) -> None:
        values = [getattr(self, field.name) for field in fields(self)]
        for value in values:
            if not isinstance(value, int) or not -128 <= value <= 127 or value == -1:
                raise ValueError(f"ext type {value!r} is not an int in -128...127 other than -1 (timestamp)")
        if len(set(values)) != len(values):
            raise ValueError(f"the four portable ext types must differ, got {values}")

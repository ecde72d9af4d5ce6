# SPDX-License-Identifier: Apache-2.0
"""The one error type of PortableWire, and the value paths it reports.

Every failure, decoding or encoding, raises :class:`PortableError`. Its ``code`` is one of the
names used by the vectors in ``Spec/vectors`` (see Spec/format.md, "Error codes", and
Spec/portable-objects.md, "Errors"), so callers and tests match on it; the message is for humans.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
import re

__all__ = ["PortableError", "GLOBAL_DATA", "OtherKey", "render_path"]


class _GlobalDataRoot:
    """The path segment that roots a path in the global data instead of the body."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "GLOBAL_DATA"


#: First segment of every path inside the global-data table: rendered ``$globalData``.
GLOBAL_DATA = _GlobalDataRoot()


class OtherKey:
    """A path segment for a map entry whose key is not a str; rendered as ``[<compact notation>]``."""

    __slots__ = ("key",)

    def __init__(self, key: object) -> None:
        self.key = key


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _json(value: object) -> str:
    """Compact JSON escaping only ``"``, ``\\`` and control characters (Spec/format.md, 11 and 12.4)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _other_key_text(key: object) -> str:
    """Shows a non-str key in compact notation, or as ``<TypeName>`` when it holds an object."""
    # Imported here: notation imports this module.
    from .notation import NotationError, to_notation

    try:
        value, _ = to_notation(key, objects=False)
    except NotationError:
        return f"<{type(key).__name__}>"
    return _json(value)


def render_path(segments: Iterable[object]) -> str:
    """Renders path segments, outermost first, as ``$.kwargs.input[2]["a b"]``.

    Segments are :data:`GLOBAL_DATA` (only first), ``int`` array indices, ``str`` map keys and
    :class:`OtherKey` for other map keys. See Spec/portable-objects.md, "Paths".
    """
    out = ["$"]
    for segment in segments:
        if segment is GLOBAL_DATA:
            out.append("globalData")
        elif type(segment) is int:
            out.append(f"[{segment}]")
        elif isinstance(segment, str):
            out.append(f".{segment}" if _IDENTIFIER.match(segment) else f"[{_json(segment)}]")
        else:
            out.append(f"[{_other_key_text(getattr(segment, 'key', segment))}]")
    return "".join(out)


class PortableError(ValueError):
    """A decode or encode failure: what went wrong (``code``), where, and what to do.

    - ``code``: a stable name such as ``"truncated"`` or ``"cycleDetected"``; match on this.
    - ``offset``: the byte offset in the input where the fault was found (``None`` when encoding).
    - ``path``: where in the value, e.g. ``$.kwargs.input`` or ``$globalData.names[2]``; ``None``
      when unknown (raised by a bare GlobalData, or by :class:`Unpacker` before a message is whole).
    - ``detail``, ``hint``: the sentence for humans and the advice, both part of ``str(error)``.

    Decode errors read ``truncated at byte 1 ($): uint16 needs 2 bytes but 1 remains; ...``;
    encode errors carry their place in the sentence:
    ``cycle: $.kwargs.input.parent refers back to $.kwargs.input (Node); ...``.
    Errors pickle, so they cross process boundaries (Celery results) intact.
    """

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        offset: int | None = None,
        path: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail
        self.offset = offset
        self.hint = hint
        self._path = path
        # While a decode error unwinds, each container prepends its segment here (innermost
        # first), so the success path never builds paths.
        self._segments: list[object] | None = None

    @property
    def path(self) -> str | None:
        """The rendered path of the value where the error happened."""
        if self._segments is not None:
            return render_path(reversed(self._segments))
        return self._path

    def __str__(self) -> str:
        if self.offset is not None:
            path = self.path
            where = f" ({path})" if path is not None else ""
            text = f"{self.code} at byte {self.offset}{where}: {self.detail}"
        else:
            text = self.detail
        if self.hint:
            text += f"; {self.hint}"
        return text

    def __reduce__(self) -> tuple[type[PortableError], tuple[str, str], dict[str, object]]:
        state: dict[str, object] = {"offset": self.offset, "hint": self.hint, "_path": self.path, "_segments": None}
        return (type(self), (self.code, self.detail), state)

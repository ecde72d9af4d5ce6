# SPDX-License-Identifier: Apache-2.0
"""Decoding a stream of messages that arrives in chunks of any size.

    unpacker = Unpacker()
    for chunk in socket_chunks:
        unpacker.feed(chunk)
        for value in unpacker:
            handle(value)

Each message is one MessagePack value (possibly a global-data envelope). The unpacker scans the
structure of the buffered bytes incrementally to find where a message ends, remembering its
place between feeds, so no byte is scanned twice however the input is split; the complete
message is then decoded once, exactly as :func:`unpackb_message` would.
"""

from __future__ import annotations

from .decoder import Message, unpackb_message
from .errors import PortableError
from .options import ExtTypes, Limits
from .registry import Registry

__all__ = ["Unpacker"]


def _token_tables() -> tuple[list, dict, dict]:
    """Builds the scanner's tables: fixed token sizes, length-prefixed and container headers."""
    fixed: list[int | None] = [None] * 256
    for b in (*range(0x00, 0x80), *range(0xE0, 0x100), 0xC0, 0xC2, 0xC3):
        fixed[b] = 1
    for b in range(0xA0, 0xC0):  # fixstr
        fixed[b] = 1 + (b & 0x1F)
    # fmt: off
    sizes = {
        0xCA: 5, 0xCB: 9,                                  # float32, float64
        0xCC: 2, 0xCD: 3, 0xCE: 5, 0xCF: 9,                # uint8..64
        0xD0: 2, 0xD1: 3, 0xD2: 5, 0xD3: 9,                # int8..64
        0xD4: 3, 0xD5: 4, 0xD6: 6, 0xD7: 10, 0xD8: 18,     # fixext1..16
    }
    # format byte -> (bytes of the length, bytes between the length and the payload)
    sized = {
        0xC4: (1, 0), 0xC5: (2, 0), 0xC6: (4, 0),          # bin8/16/32
        0xD9: (1, 0), 0xDA: (2, 0), 0xDB: (4, 0),          # str8/16/32
        0xC7: (1, 1), 0xC8: (2, 1), 0xC9: (4, 1),          # ext8/16/32: the type byte sits in between
    }
    # format byte -> (bytes of the count, child values per counted element)
    containers = {0xDC: (2, 1), 0xDD: (4, 1), 0xDE: (2, 2), 0xDF: (4, 2)}
    # fmt: on
    for b, size in sizes.items():
        fixed[b] = size
    containers.update({b: (0, 2) for b in range(0x80, 0x90)})  # fixmap
    containers.update({b: (0, 1) for b in range(0x90, 0xA0)})  # fixarray
    return fixed, sized, containers


_FIXED, _SIZED, _CONTAINERS = _token_tables()


class Unpacker:
    """Splits a byte stream into messages and decodes each; "need more bytes" is not an error.

    Iterating yields message bodies until the buffered bytes hold no complete message; feed more
    and iterate again. :meth:`next_message` gives the global data too. A message larger than
    ``limits.max_message_byte_count`` raises ``limitExceeded`` as soon as its size is known, so the
    buffer stays bounded. After a :class:`PortableError` the stream has lost its framing: every
    later call raises the same error. Error offsets count from the start of the failing message;
    faults found while the message is still incomplete (0xc1, nesting beyond ``max_depth``) have
    no path.

    The keyword arguments are those of :func:`unpackb`.
    """

    def __init__(
        self,
        *,
        registry: Registry | None = None,
        passthrough: bool = False,
        limits: Limits | None = None,
        exact_maps: bool = False,
        ext_types: ExtTypes | None = None,
    ) -> None:
        self._limits = Limits() if limits is None else limits
        self._options = {
            "registry": registry,
            "passthrough": passthrough,
            "limits": self._limits,
            "exact_maps": exact_maps,
            "ext_types": ext_types,
        }
        self._buffer = bytearray()
        self._error: PortableError | None = None
        # Scanner state for the message starting at `_start`: the next byte to scan, the values
        # still due at the current level, and those due at each enclosing open container.
        self._start = 0
        self._scan = 0
        self._remaining = 1
        self._pending: list[int] = []

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Appends bytes received from the stream."""
        self._buffer += data

    def __iter__(self) -> Unpacker:
        return self

    def __next__(self) -> object:
        message = self.next_message()
        if message is None:
            raise StopIteration
        return message.value

    def next_message(self) -> Message | None:
        """Decodes and returns the next complete message, or ``None`` until more bytes arrive."""
        if self._error is not None:
            raise self._error
        try:
            end = self._find_end()
            if end is None:
                return None
            message = unpackb_message(bytes(self._buffer[self._start : end]), **self._options)
        except PortableError as error:
            self._error = error
            raise
        self._consume(end)
        return message

    def close(self) -> None:
        """Ends the stream (format.md 6.7): bytes of an unfinished message are ``truncated``.

        A stream that ends between messages, or is empty, is not an error.
        """
        if self._error is not None:
            raise self._error
        left = len(self._buffer) - self._start
        if left:
            self._error = PortableError(
                "truncated",
                f"the stream ended inside a message, after {left} of its bytes",
                offset=left,
                hint="the sender stopped mid-message, or the connection was cut",
            )
            raise self._error

    def _consume(self, end: int) -> None:
        """Drops the decoded message; compacts the buffer once most of it is consumed bytes."""
        self._start = self._scan = end
        if end > len(self._buffer) // 2:
            del self._buffer[:end]
            self._start = self._scan = 0

    def _scan_error(self, code: str, offset: int, detail: str, hint: str) -> PortableError:
        return PortableError(code, detail, offset=offset - self._start, hint=hint)

    def _find_end(self) -> int | None:
        """Scans on from where the last call stopped; returns the message's end, or ``None``."""
        buffer, pos, remaining, pending = self._buffer, self._scan, self._remaining, self._pending
        available, start = len(buffer), self._start
        max_bytes, max_depth = self._limits.max_message_byte_count, self._limits.max_depth
        while True:
            while remaining == 0 and pending:
                remaining = pending.pop()
            if remaining == 0:
                self._scan, self._remaining = pos, 1
                return pos
            if pos >= available:
                break
            b = buffer[pos]
            children = 0
            size = _FIXED[b]
            if size is not None:
                end = pos + size
            elif b == 0xC1:
                raise self._scan_error(
                    "invalidFormatByte",
                    pos,
                    "0xc1 is reserved and never used by MessagePack",
                    "the stream is not MessagePack, or it lost its framing",
                )
            elif b in _CONTAINERS:
                count_size, per_element = _CONTAINERS[b]
                if pos + 1 + count_size > available:
                    break
                count = int.from_bytes(buffer[pos + 1 : pos + 1 + count_size], "big") if count_size else b & 0x0F
                end = pos + 1 + count_size
                children = count * per_element
            else:
                length_size, gap = _SIZED[b]
                if pos + 1 + length_size > available:
                    break
                length = int.from_bytes(buffer[pos + 1 : pos + 1 + length_size], "big")
                end = pos + 1 + length_size + gap + length
            if end - start > max_bytes:
                raise self._scan_error(
                    "limitExceeded",
                    pos,
                    f"the message exceeds the limit max_message_byte_count = {max_bytes}",
                    "raise Limits.max_message_byte_count if this stream is trusted",
                )
            if end > available:
                break
            remaining -= 1
            if children:
                if len(pending) >= max_depth:
                    raise self._scan_error(
                        "limitExceeded",
                        pos,
                        f"the input exceeds the limit max_depth = {max_depth}",
                        "raise Limits.max_depth if this stream is trusted",
                    )
                pending.append(remaining)
                remaining = children
            pos = end
        if available - start > max_bytes:
            raise self._scan_error(
                "limitExceeded",
                available,
                f"the message exceeds the limit max_message_byte_count = {max_bytes}",
                "raise Limits.max_message_byte_count if this stream is trusted",
            )
        self._scan, self._remaining = pos, remaining
        return None

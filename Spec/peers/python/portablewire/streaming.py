# SPDX-License-Identifier: Apache-2.0
"""Decoding a stream of messages that arrives in chunks of any size.

    unpacker = Unpacker()
    for chunk in socket_chunks:
        unpacker.feed(chunk)
        for value in unpacker:
            handle(value)
    unpacker.finish()          # end of stream: raises ``truncated`` if a message was cut short

    for value in Unpacker(open("messages.bin", "rb")):   # or read from a file-like object
        handle(value)

Each message is one MessagePack value (possibly a global-data envelope). msgpack's C
``Unpacker`` splits the stream and builds the values, with the portable layer's ext hook;
each message is then proven exactly as :func:`portablewire.unpackb` proves it. Whatever the
fast path cannot prove goes to the exact path: a scanner that finds where the message ends,
remembering its place between feeds, and the exact decoder, which reports errors with their
byte offset and path.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from itertools import chain, islice, repeat
from operator import length_hint, sub
from typing import Protocol

import msgpack  # type: ignore[import-untyped]

from ._fastdecode import _FastDecoder
from .decoder import _DEFAULT_EXT_TYPES, _DEFAULT_LIMITS, Message, _exact_unpackb_message
from .errors import PortableError
from .options import ExtTypes, Limits
from .registry import Registry, default_registry

__all__ = ["Unpacker"]

# Messages unpacked and proven together, at most.
_BATCH = 256
_SWITCH = object()  # queued where msgpack failed: the exact path takes over there
_NONE = object()


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def _token_tables() -> tuple[list[int | None], dict[int, tuple[int, int]], dict[int, tuple[int, int]]]:
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

# How far into an incomplete message the scanner looks for faults (nesting beyond max_depth, a
# declared size beyond max_message_byte_count, 0xc1) before the message is whole. Further faults are
# found when the message completes; feed's max_buffer_size bounds the memory meanwhile.
_EARLY_LOOK = 64 * 1024


class Unpacker:
    """Splits a byte stream into messages and decodes each; "need more bytes" is not an error.

    Iterating yields message bodies until the buffered bytes hold no complete message; feed more
    and iterate again (with a ``source``, iterating reads it to its end). :meth:`next_message`
    gives the global data too; :meth:`finish` says the stream has ended. After a
    :class:`PortableError` the stream has lost its framing: every later call raises the same
    error. Error offsets count from the start of the failing message; faults found while the
    message is still incomplete (0xc1, nesting beyond ``max_depth``) have no path.

    - ``source``: a file-like object with ``read(size)``, read in ``read_size`` chunks.
    - ``max_buffer_size``: the most bytes buffered and not yet decoded; :meth:`feed` raises
      ``limitExceeded`` rather than hold more (default: no cap; every message is still bounded by
      ``limits.max_message_byte_count`` as soon as its size is known).
    - the other keyword arguments are those of :func:`portablewire.unpackb`.
    """

    def __init__(
        self,
        source: _Readable | None = None,
        *,
        registry: Registry | None = None,
        passthrough: bool = False,
        limits: Limits | None = None,
        exact_maps: bool = False,
        ext_types: ExtTypes | None = None,
        max_buffer_size: int | None = None,
        read_size: int = 64 * 1024,
    ) -> None:
        self._limits = _DEFAULT_LIMITS if limits is None else limits
        self._registry = default_registry if registry is None else registry
        self._ext_types = _DEFAULT_EXT_TYPES if ext_types is None else ext_types
        self._passthrough = passthrough
        self._exact_maps = exact_maps
        self._source = source
        self._read_size = read_size
        # No cap by default: each message is still bounded by max_message_byte_count as soon as its size is known.
        self._max_buffer = float("inf") if max_buffer_size is None else max_buffer_size
        self._buffer = bytearray()
        self._error: PortableError | None = None
        self._consumed = 0  # stream offset of _buffer[0]
        # Scanner state for the message starting at `_start`: the next byte to scan, the values
        # still due at the current level, and those due at each enclosing open container.
        self._start = 0
        self._scan = 0
        self._remaining = 1
        self._pending: list[int] = []
        # The fast path: msgpack's Unpacker over the same bytes, positioned at `_start`.
        self._decoder: _FastDecoder | None = None
        self._fast: msgpack.Unpacker | None = None
        if not passthrough and not exact_maps:
            self._decoder = _FastDecoder(self._registry, self._limits, self._ext_types)
            self._decoder.begin()
            self._decoder.unpack_options = self._decoder.options  # payloads may be longer than a limit
            self._fast = self._new_fast()
        self._fast_base = 0  # stream offset where `_fast` started reading
        self._records: list[tuple[int, bytes, object, int]] = []
        # Messages unpacked but not yet returned: (value, offset of its end in _buffer, records),
        # records None for a proven plain message, a list for one proven when taken, _SWITCH where
        # msgpack failed. _buffer is compacted only by _fill (when the queue is empty) or after the
        # last queued item, so the offsets stay valid.
        self._queue: deque[tuple[object, int, object]] = deque()
        # A batch of small plain messages proven together, taken before the queue: an iterator over
        # their values, and their ends (``_ready_base`` + each), so that a message taken costs one
        # step of a list iterator; ``_settle`` moves ``_start`` past the ones taken, when it matters.
        self._ready: Iterator[object] | None = None
        self._ready_values: list[object] = []
        self._ready_ends: list[int] = []
        self._ready_base = 0
        self._records_done = False  # _records belongs to a message already unpacked
        self._small = min(self._limits.max_depth, self._limits.max_message_byte_count)
        self._exact_current = self._fast is None  # the message at `_start` goes the exact way

    def _new_fast(self) -> msgpack.Unpacker:
        assert self._decoder is not None
        options = dict(self._decoder.options)
        return msgpack.Unpacker(max_buffer_size=0, **options)

    # MARK: Input

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Appends bytes received from the stream.

        :raises PortableError: ``limitExceeded`` when more than ``max_buffer_size`` bytes would be
            waiting; nothing is buffered then.
        """
        if self._error is not None:
            raise self._error
        if self._ready is not None:
            self._settle()
        waiting = len(self._buffer) - self._start + len(data)
        if waiting > self._max_buffer:
            self._error = PortableError(
                "limitExceeded",
                f"{waiting} bytes would be buffered without a complete message, more than max_buffer_size = "
                f"{self._max_buffer}",
                offset=len(self._buffer) - self._start,
                hint="raise max_buffer_size (and Limits.max_message_byte_count) if this stream is trusted",
            )
            self._drop_ready()
            raise self._error
        self._buffer += data
        if self._fast is not None and not self._exact_current:
            self._fast.feed(data)

    def tell(self) -> int:
        """The stream offset where the next message starts (bytes of complete messages so far)."""
        if self._ready is not None:
            self._settle()
        return self._consumed + self._start

    def close(self) -> None:
        """Ends the stream (format.md 6.7); the same as :meth:`finish`."""
        self.finish()

    def finish(self) -> None:
        """Says the stream has ended: raises ``truncated`` if it stopped inside a message."""
        if self._error is not None:
            raise self._error
        if self._ready is not None:
            self._settle()
        left = len(self._buffer) - self._start
        if left:
            self._error = PortableError(
                "truncated",
                f"the stream ended {left} byte{'' if left == 1 else 's'} into a message",
                offset=left,
                hint="the sender stopped mid-message, or a length in the message is wrong",
            )
            self._drop_ready()
            raise self._error

    # MARK: Output

    def __iter__(self) -> Iterator[object]:
        if self._source is None:
            # A batch of proven plain messages is handed to the caller's loop as its own list
            # iterator: chained in C, a message taken costs no Python step.
            return chain.from_iterable(self._drain())
        return self._read_all()

    def _drain(self) -> Iterator[Iterator[object] | tuple[object]]:
        """``for value in unpacker``: the messages complete so far, as iterators to chain (each a
        ready batch, or one message; what ``next`` returns)."""
        queue = self._queue
        while True:
            ready = self._ready
            if ready is not None:
                # tell() and the other methods settle the position from the iterator when they need it.
                yield ready
                self._settle()  # the chain has taken them all (or another call did)
                continue
            if self._error is not None or self._exact_current:
                message = self.next_message()
                if message is None:
                    return
                yield (message.value,)
                continue
            if not queue:
                if not self._fill():
                    return
                continue
            value, end, records = queue.popleft()
            if records is None:  # a plain message, proven with its batch (_fill reset the scanner)
                self._start = self._scan = end
                yield (value,)
                continue
            message = self._take(value, end, records)
            if message is None:
                return
            yield (message.value,)

    def _read_all(self) -> Iterator[object]:
        assert self._source is not None
        while True:
            while (message := self.next_message()) is not None:
                yield message.value
            chunk = self._source.read(self._read_size)
            if not chunk:
                self.finish()
                return
            self.feed(chunk)

    def __next__(self) -> object:
        # next_message without building a Message (``for`` loops use _drain, the same steps).
        while True:
            ready = self._ready
            if ready is not None:
                value = next(ready, _NONE)
                if value is not _NONE:
                    return value
                self._settle()
            if self._error is not None or self._exact_current:
                message = self.next_message()
                if message is None:
                    raise StopIteration
                return message.value
            queue = self._queue
            if not queue:
                if not self._fill():
                    raise StopIteration
                continue
            value, end, records = queue.popleft()
            if records is None:  # a plain message, proven with its batch (_fill reset the scanner)
                self._start = self._scan = end
                return value
            message = self._take(value, end, records)
            if message is None:
                raise StopIteration
            return message.value

    def next_message(self) -> Message | None:
        """Decodes and returns the next complete message, or ``None`` until more bytes arrive."""
        if self._error is not None:
            raise self._error
        while not self._exact_current:
            ready = self._ready
            if ready is not None:
                value = next(ready, _NONE)
                if value is not _NONE:
                    return Message(value, {})
                self._settle()
            queue = self._queue
            if not queue:
                if not self._fill():
                    return None
                continue
            value, end, records = queue.popleft()
            if records is None:
                self._start = self._scan = end
                return Message(value, {})
            return self._take(value, end, records)
        return self._exact_next()

    def _settle(self) -> None:
        """Moves ``_start`` past the messages of the ready batch taken so far; drops the batch once all are."""
        ready = self._ready
        if ready is None:  # settled already (tell() after the batch's last message)
            return
        left = length_hint(ready)
        ends = self._ready_ends
        taken = len(ends) - left
        if taken:
            self._start = self._scan = self._ready_base + ends[taken - 1]
        if not left:
            self._ready = None
            self._ready_ends = []

    def _drop_ready(self) -> None:
        """After an error: the ready batch's untaken messages are never given (every later call
        raises the error), even to a ``for`` loop already chained to the batch's iterator."""
        if self._ready is not None:
            self._settle()
            if self._ready is not None:
                self._ready_values.clear()  # the list iterator then stops at once
                self._ready = None
                self._ready_ends = []

    def _take(self, value: object, end: int, records: object) -> Message | None:
        """The queued message that is not a proven plain one: to be proven alone, or the switch."""
        if records is _SWITCH:
            return self._switch_to_exact()
        message = self._finish(value, records, end)  # type: ignore[arg-type]
        self._consume(end, compact=not self._queue)  # queued ends are offsets in this buffer
        return message

    def _fill(self) -> bool:
        """Unpacks the complete messages waiting (up to a batch); whether it made any ready or queued.

        Small plain messages (no exts, no longer than max_depth bytes) are proven together: packed
        again as one array, they must give back their bytes (else each is proven alone). A message
        with exts ends the batch and is proven when it is taken, as are a larger message and those
        after it in the batch, and the point where msgpack failed (the exact path takes over there).
        When nothing is complete, an early look checks the start of the partial message. Ends are
        offsets in the buffer, which is compacted only here, before a batch (no batch is ready
        and the queue is empty when this runs).
        """
        decoder = self._decoder
        fast = self._fast
        assert decoder is not None and fast is not None and self._ready is None
        start = self._start
        if start > 65536 and start > len(self._buffer) >> 1:
            del self._buffer[:start]
            self._consumed += start
            self._scan -= start
            self._start = start = 0
        if self._records_done:  # the last message had exts: fresh tables and a fresh record list
            decoder.begin()
            self._records = []
            self._records_done = False
        # (Exts of a message msgpack has begun but not finished stay recorded, with its tables.)
        records = self._records
        decoder.records = [records]
        queue = self._queue
        base = self._fast_base - self._consumed
        tell = fast.tell
        values: list[object] = []
        ends: list[int] = []  # each message's end: fast.tell(), an offset in the buffer once base is added
        add_value = values.append
        add_end = ends.append
        last: tuple[object, int, object] | None = None
        try:
            for value in islice(fast, _BATCH):  # stops where the buffered bytes end inside a message
                if records:  # the message just unpacked has exts: proven alone when taken
                    last = (value, base + tell(), records)
                    self._records_done = True
                    break
                add_value(value)
                add_end(tell())
        except Exception:
            # msgpack failed in the message after the last one unpacked: the exact path takes over there.
            last = (None, base + ends[-1] if ends else start, _SWITCH)
        if values:
            # The message at _start is complete: an early look's scanner state is done with.
            if self._pending:
                self._pending = []
            self._remaining = 1
            small = self._small
            if max(map(sub, ends, chain((start - base,), ends))) <= small:
                self._prove(values, ends, base, start)
            else:
                # A message longer than max_depth bytes (or than the message limit): it and those
                # after it are proven alone when taken, as before the batch was unpacked.
                previous = start - base
                for index, end in enumerate(ends):
                    if end - previous > small:
                        break
                    previous = end
                if index:
                    self._prove(values[:index], ends[:index], base, start)
                queue.extend(zip(values[index:], [base + end for end in ends[index:]], ([] for _ in values[index:])))
        if last is not None:
            queue.append(last)
        if queue or self._ready is not None:
            return True
        self._early_look()
        return False

    def _prove(self, values: list[object], ends: list[int], base: int, first: int) -> None:
        """Readies small plain messages: proven as one array when they all re-pack to their bytes.

        The concatenation decides for each message too: MessagePack values delimit themselves, so
        equal byte strings split into the same values at the same places. Messages that do not
        are queued, each proven alone (or decoded the exact way) when taken.
        """
        assert self._decoder is not None
        buffer = self._buffer
        verifier = self._decoder.verifier
        count = len(values)
        try:
            packed = verifier.pack(values)
        except ValueError:  # a message 1024 deep (max_depth above that): the batch's array is one level too many
            packed = b""
        header = 1 if count < 16 else 3 if count < 0x10000 else 5
        if packed and packed[header:] == buffer[first : base + ends[-1]]:
            self._ready_values = values
            self._ready = iter(values)
            self._ready_ends = ends
            self._ready_base = base
            return
        queue = self._queue
        start = first
        for value, end in zip(values, ends):
            end += base
            try:
                proven = verifier.pack(value) == buffer[start:end]
            except ValueError:  # deeper than msgpack packs: the exact decoder takes it
                proven = False
            if proven:
                queue.append((value, end, None))
            else:
                queue.append((value, end, []))  # proven alone (or decoded the exact way) when taken
            start = end

    def _finish(self, value: object, records: list[tuple[int, bytes, object, int]], end: int) -> Message:
        """Proves a message the fast path unpacked, or decodes it the exact way."""
        assert self._decoder is not None
        data = bytes(self._buffer[self._start : end])
        try:
            if len(data) > self._limits.max_message_byte_count:
                raise ValueError
            self._decoder.finish(value, data, records)
        except Exception:
            self._decoder.begin()
            return self._exact_message(end, data)
        return Message(value, {})

    def _early_look(self) -> None:
        """Scans the first bytes of an incomplete message for faults (0xc1, depth, size) before it is whole."""
        if self._scan - self._start < _EARLY_LOOK:
            try:
                self._find_end(_EARLY_LOOK)
            except PortableError as error:
                self._error = error
                raise

    def _switch_to_exact(self) -> Message | None:
        """The fast path failed inside the message at `_start`: the exact path takes it from there."""
        self._exact_current = True
        self._fast = None
        return self._exact_next()

    def _exact_message(self, end: int, data: bytes) -> Message:
        try:
            return _exact_unpackb_message(
                data, self._registry, self._passthrough, self._limits, self._exact_maps, self._ext_types
            )
        except PortableError as error:
            self._error = error
            raise

    def _exact_next(self) -> Message | None:
        try:
            end = self._find_end()
            if end is None:
                return None
        except PortableError as error:
            self._error = error
            raise
        message = self._exact_message(end, bytes(self._buffer[self._start : end]))
        self._consume(end)
        if self._decoder is not None and self._fast is None:
            # Back to the fast path for the messages after this one.
            self._fast = self._new_fast()
            self._fast.feed(self._buffer[self._start :])
            self._fast_base = self._consumed + self._start
            self._exact_current = False
            self._records_done = True  # fresh tables for the fast path's next message
        return message

    def _consume(self, end: int, compact: bool = True) -> None:
        """Drops the decoded message; compacts the buffer once most of it is consumed bytes."""
        self._start = self._scan = end
        if self._pending:
            self._pending = []
        self._remaining = 1
        if compact and end > 65536 and end > len(self._buffer) >> 1:
            del self._buffer[:end]
            self._consumed += end
            self._start = self._scan = 0

    def _scan_error(self, code: str, offset: int, detail: str, hint: str) -> PortableError:
        return PortableError(code, detail, offset=offset - self._start, hint=hint)

    def _find_end(self, budget: int | None = None) -> int | None:
        """Scans on from where the last call stopped; returns the message's end, or ``None``.

        With a ``budget``, scanning stops that many bytes into the message (an early look for
        faults in a message that is still incomplete).
        """
        buffer, pos, remaining, pending = self._buffer, self._scan, self._remaining, self._pending
        available, start = len(buffer), self._start
        if budget is not None:
            available = min(available, start + budget)
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
        if len(buffer) - start > max_bytes:
            raise self._scan_error(
                "limitExceeded",
                available,
                f"the message exceeds the limit max_message_byte_count = {max_bytes}",
                "raise Limits.max_message_byte_count if this stream is trusted",
            )
        self._scan, self._remaining = pos, remaining
        return None

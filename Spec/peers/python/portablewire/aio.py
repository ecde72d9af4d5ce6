# SPDX-License-Identifier: Apache-2.0
"""Reading messages from an asyncio stream.

    reader, writer = await asyncio.open_connection("127.0.0.1", 7700)
    async for message in portablewire.aio.messages(reader):
        handle(message)

The loop ends when the peer closes the stream between messages; a stream that ends inside a
message raises :class:`~portablewire.PortableError` with code ``truncated``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from .streaming import Unpacker

__all__ = ["messages"]


class _AsyncReadable(Protocol):
    async def read(self, n: int = ..., /) -> bytes: ...


async def messages(reader: _AsyncReadable, *, read_size: int = 64 * 1024, **options: Any) -> AsyncIterator[object]:
    """Yields the body of each message read from ``reader`` (an ``asyncio.StreamReader``).

    ``options`` are those of :class:`~portablewire.Unpacker` (``registry``, ``limits``,
    ``max_buffer_size``...).
    """
    unpacker = Unpacker(**options)
    while True:
        chunk = await reader.read(read_size)
        if not chunk:
            unpacker.finish()
            return
        unpacker.feed(chunk)
        for value in unpacker:
            yield value

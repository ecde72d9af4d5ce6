# SPDX-License-Identifier: Apache-2.0
"""A small user program that `mypy --strict` must accept (tests/test_packaging.py runs it)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import enum
from decimal import Decimal

import portablewire
import portablewire.aio
from portablewire import GlobalData, Limits, PortableError, Registry, Unpacker, packb, portable_class, unpackb


@portable_class("app.Person")
class Person:
    def __init__(self, name: str) -> None:
        self.name = name


@portable_class("app.Node", two_phase=True)
class Node:
    def __init__(self, name: str) -> None:
        self.name = name
        self.children: list[Node] = []


class Money:
    def __init__(self, cents: int) -> None:
        self.cents = cents

    def __serialize__(self, global_data: GlobalData) -> object:
        return self.cents

    @classmethod
    def __new_deserialized__(cls, data: object, global_data: GlobalData) -> Money:
        assert isinstance(data, int)
        return cls(data)


class Color(enum.Enum):
    red = "red"


@dataclasses.dataclass(frozen=True, slots=True)
class Point:
    x: int
    y: int


registry: Registry = portablewire.default_registry
registry.register(Money, "app.Money")
registry.register(Color, "app.Color")
registry.register(Point, "app.Point")
registry.register(complex, "app.Complex", serialize=lambda c: [c.real, c.imag], deserialize=lambda d: complex(*d))

data: bytes = packb({"who": Person("Ann"), "when": datetime.date(2024, 5, 1), "amount": Decimal("1.50")})
value: object = unpackb(data, limits=Limits(max_depth=64))
message = portablewire.unpackb_message(data)
body: object = message.value
table: dict[str, object] = message.global_data

unpacker = Unpacker(max_buffer_size=1 << 20)
unpacker.feed(data)
for item in unpacker:
    print(item)
unpacker.finish()
position: int = unpacker.tell()

try:
    unpackb(b"\xc1")
except PortableError as error:
    code: str = error.code
    offset: int | None = error.offset
    path: str | None = error.path


async def read(reader: asyncio.StreamReader) -> list[object]:
    return [message async for message in portablewire.aio.messages(reader)]

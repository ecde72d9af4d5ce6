# SPDX-License-Identifier: Apache-2.0
"""The streaming Unpacker gives the same messages whole, one byte at a time and in random chunks."""

from __future__ import annotations

import random
import time
from itertools import groupby

import pytest
from vector_files import load_all

from portablewire import PortableError, Unpacker, packb
from portablewire.notation import to_notation

VALID = [vector for vector in load_all() if vector.is_valid]


def key(vector):
    return (tuple(vector.registered), tuple(vector.two_phase), vector.passthrough)


GROUPS = [list(group) for _, group in groupby(sorted(VALID, key=key), key=key)]


def chunkings(data: bytes):
    yield "whole", [data]
    yield "bytewise", [data[i : i + 1] for i in range(len(data))]
    rng = random.Random(20240601)
    cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, max(1, len(data) // 50))))
    yield "random", [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


def drain(unpacker: Unpacker, chunks) -> list:
    results = []
    for chunk in chunks:
        unpacker.feed(chunk)
        while (message := unpacker.next_message()) is not None:
            results.append(to_notation(message.value, message.global_data))
    return results


@pytest.mark.parametrize("group", GROUPS, ids=lambda group: f"{group[0].suite}+{len(group)}")
def test_vectors_stream_identically_however_split(group):
    small = [vector for vector in group if len(vector.data) <= 4096]  # bytewise feeding of megabytes is slow
    stream = b"".join(vector.data for vector in small)
    expected = [(vector.case["value"], vector.case.get("globalData", [])) for vector in small]
    for name, chunks in chunkings(stream):
        unpacker = Unpacker(registry=small[0].registry(), passthrough=small[0].passthrough, exact_maps=True)
        assert drain(unpacker, chunks) == expected, name


def test_iteration_yields_bodies_and_waits_for_more():
    unpacker = Unpacker()
    data = packb([1, 2]) + packb("x", global_data={"k": 1})
    unpacker.feed(data[:5])
    assert list(unpacker) == [[1, 2]]
    unpacker.feed(data[5:])
    assert list(unpacker) == ["x"]
    assert list(unpacker) == []


def test_an_error_poisons_the_stream():
    unpacker = Unpacker()
    unpacker.feed(bytes.fromhex("01 92 01 c1"))  # the second message starts at byte 1
    assert next(unpacker) == 1
    for _ in range(2):
        with pytest.raises(PortableError) as caught:
            next(unpacker)
        assert caught.value.code == "invalidFormatByte" and caught.value.offset == 2 and caught.value.path is None


def test_errors_in_complete_messages_have_paths():
    unpacker = Unpacker()
    unpacker.feed(bytes.fromhex("c0 81 a1 61 a1 ff"))
    assert next(unpacker) is None
    with pytest.raises(PortableError) as caught:
        next(unpacker)
    assert (caught.value.code, caught.value.offset, caught.value.path) == ("invalidUTF8", 4, "$.a")


def test_large_message_in_small_chunks_is_scanned_linearly():
    data = packb([b"\x00" * 1024] * 1024)  # 1 MiB
    unpacker = Unpacker()
    started = time.perf_counter()
    for offset in range(0, len(data), 64):
        unpacker.feed(data[offset : offset + 64])
        assert unpacker.next_message() is None or offset + 64 >= len(data)
    assert time.perf_counter() - started < 10  # a rescan per chunk would take minutes

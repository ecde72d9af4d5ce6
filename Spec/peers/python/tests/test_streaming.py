# SPDX-License-Identifier: Apache-2.0
"""The streaming Unpacker gives the same messages whole, one byte at a time and in random chunks."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from decimal import Decimal
from itertools import accumulate, groupby

import pytest
from vector_files import load_all

import portablewire.aio
from portablewire import Limits, PortableError, Unpacker, packb, unpackb
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


# MARK: End of stream, buffer limit, position, sources (issue 17)


def test_finish_raises_truncated_for_a_partial_last_message():
    unpacker = Unpacker()
    unpacker.feed(packb({"a": 1}) + packb([1, 2, 3])[:2])
    assert list(unpacker) == [{"a": 1}]
    with pytest.raises(PortableError) as caught:
        unpacker.finish()
    assert caught.value.code == "truncated" and caught.value.offset == 2
    clean = Unpacker()
    clean.feed(packb(1))
    assert list(clean) == [1]
    clean.finish()  # nothing left: no error


def test_tell_counts_the_bytes_of_complete_messages():
    first, second = packb("x" * 5000), packb({"k": list(range(100))})
    unpacker = Unpacker()
    unpacker.feed(first + second[:3])
    assert next(unpacker) == "x" * 5000 and unpacker.tell() == len(first)
    assert unpacker.next_message() is None and unpacker.tell() == len(first)
    unpacker.feed(second[3:])
    assert next(unpacker) == {"k": list(range(100))} and unpacker.tell() == len(first) + len(second)


def test_max_buffer_size_bounds_what_feed_holds():
    unpacker = Unpacker(max_buffer_size=1000)
    unpacker.feed(packb("a" * 500))
    unpacker.feed(b"\xdb\x00\x10\x00\x00")  # a 1 MiB str begins
    with pytest.raises(PortableError) as caught:
        unpacker.feed(b"b" * 1000)
    assert caught.value.code == "limitExceeded" and "max_buffer_size" in str(caught.value)


def test_file_like_source_is_read_to_its_end(tmp_path):
    path = tmp_path / "stream.bin"
    values = [{"seq": i, "when": dt.date(2024, 1, 1 + i % 28)} for i in range(2000)]
    path.write_bytes(b"".join(packb(v) for v in values))
    with path.open("rb") as source:
        assert list(Unpacker(source, read_size=777)) == values
    path.write_bytes(packb(1) + packb([1, 2])[:1])
    with path.open("rb") as source, pytest.raises(PortableError) as caught:
        list(Unpacker(source))
    assert caught.value.code == "truncated"


def test_asyncio_helper_reads_a_real_socket():
    async def main():
        payloads = [packb({"n": i, "d": Decimal(i) / 4}) for i in range(300)]

        async def serve(reader, writer):
            for payload in payloads:
                writer.write(payload)
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        got = [message async for message in portablewire.aio.messages(reader, read_size=100)]
        writer.close()
        server.close()
        await server.wait_closed()
        return got

    got = asyncio.run(asyncio.wait_for(main(), 20))
    assert got == [{"n": i, "d": Decimal(i) / 4} for i in range(300)]


def test_fast_and_exact_messages_interleave_in_one_stream():
    # float32, an envelope and a repeated key go the exact way; the stream continues on the fast path.
    messages = [
        packb({"a": 1}),
        bytes.fromhex("ca 3f c0 00 00"),
        packb([1], global_data={"g": 1}),
        packb("after"),
        bytes.fromhex("82 a1 61 01 a1 61 02"),
    ]
    unpacker = Unpacker()
    for chunk in messages[:4]:
        unpacker.feed(chunk)
    got = list(unpacker)
    assert got[0] == {"a": 1} and got[1] == 1.5 and type(got[1]).__name__ == "Float32"
    assert got[2:] == [[1], "after"]
    unpacker.feed(messages[4])
    with pytest.raises(PortableError) as caught:
        next(unpacker)
    assert caught.value.code == "typeMismatch"


def test_an_early_look_at_a_partial_message_does_not_confuse_the_next_one():
    first, second = packb([[1, 2], {"a": [3]}]), packb({"b": [[4]]})
    unpacker = Unpacker()
    for cut in range(1, len(first)):
        unpacker.feed(first[cut - 1 : cut])
        assert unpacker.next_message() is None  # each call looks into the partial message
    unpacker.feed(first[-1:] + second[:2])
    assert next(unpacker) == [[1, 2], {"a": [3]}]
    assert unpacker.next_message() is None
    unpacker.feed(second[2:] + bytes.fromhex("91 c1"))
    assert next(unpacker) == {"b": [[4]]}
    with pytest.raises(PortableError) as caught:
        next(unpacker)
    assert caught.value.code == "invalidFormatByte" and caught.value.offset == 1


def _messages_with_surprises() -> tuple[list[bytes], list[object]]:
    """Plain messages with, in between, ones only the exact path decodes (float32, repeated keys)."""
    import msgpack

    from portablewire import Float32

    parts: list[bytes] = []
    values: list[object] = []
    for i in range(3000):
        if i % 500 == 7:
            parts.append(b"\x92\xca\x3f\xc0\x00\x00" + msgpack.packb(i))  # [float32 1.5, i]
            values.append([Float32(1.5), i])
        elif i % 700 == 9:
            parts.append(packb({"when": dt.date(2024, 1, 1), "i": i}))  # an ext: proven alone
            values.append({"when": dt.date(2024, 1, 1), "i": i})
        else:
            value = {"seq": i, "text": "x" * (i % 40), "items": list(range(i % 5))}
            parts.append(packb(value))
            values.append(value)
    return parts, values


@pytest.mark.parametrize("chunk", [1, 7, 4096, 1 << 20])
def test_batched_messages_keep_order_types_and_offsets(chunk):
    parts, values = _messages_with_surprises()
    parts, values = parts * 3, values * 3  # over 256 KiB: the buffer is compacted between batches
    stream = b"".join(parts)
    ends = list(accumulate(map(len, parts)))
    unpacker = Unpacker()
    got: list[object] = []
    for start in range(0, len(stream), chunk):
        unpacker.feed(stream[start : start + chunk])
        for value in unpacker:
            got.append(value)
            assert unpacker.tell() == ends[len(got) - 1]  # the offset right after this message
    unpacker.finish()
    assert got == values
    assert [type(v[0]) for v in got if type(v) is list] == [type(v[0]) for v in values if type(v) is list]


def test_next_next_message_and_for_share_one_queue():
    parts, values = _messages_with_surprises()
    unpacker = Unpacker()
    unpacker.feed(b"".join(parts[:50]))
    got = [next(unpacker)]
    message = unpacker.next_message()
    assert message is not None
    got.append(message.value)
    for value in unpacker:
        got.append(value)
        if len(got) == 20:
            break
    got.extend(unpacker)
    assert got == values[:50]


def test_a_malformed_message_after_good_ones_fails_after_them():
    good = [packb({"i": i}) for i in range(10)]
    unpacker = Unpacker()
    unpacker.feed(b"".join(good) + b"\xc1" + packb(1))
    got = []
    with pytest.raises(PortableError) as caught:
        for value in unpacker:
            got.append(value)
    assert got == [{"i": i} for i in range(10)]
    assert caught.value.code == "invalidFormatByte"
    assert unpacker.tell() == sum(map(len, good))


@pytest.mark.parametrize("depth", [1023, 1024, 1025])
def test_messages_as_deep_as_msgpack_goes_are_read_with_a_higher_max_depth(depth):
    """A batch is proven by packing its messages inside one more array: msgpack's packer stops at
    1024 levels, so a message nested exactly that deep is proven alone instead of failing."""
    limits = Limits(max_depth=2000)
    message = b"\x91" * depth + b"\x01"
    unpacker = Unpacker(limits=limits)
    unpacker.feed(message * 3)
    got = list(unpacker)

    def shape(value: object) -> tuple[int, object]:  # (arrays around it, innermost value); no recursion
        levels = 0
        while type(value) is list and len(value) == 1:
            value, levels = value[0], levels + 1
        return levels, value

    assert [shape(value) for value in got] == [shape(unpackb(message, limits=limits))] * 3 == [(depth, 1)] * 3
    assert unpacker.tell() == 3 * len(message)

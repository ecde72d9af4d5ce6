# SPDX-License-Identifier: Apache-2.0
"""The Unpacker's batches of proven plain messages, against the exact decoder message by message.

Streams mix small plain messages (taken in batches, each one step of a list iterator) with
messages the batch cannot prove: longer than ``max_depth`` bytes, nested beyond it, float32,
non-shortest forms, repeated keys, exts, envelopes. Each stream is fed in random chunks and read
with ``for`` (sometimes left mid-batch), ``next``, ``next_message`` and ``tell`` interleaved at
random; every value, its type and every offset must be what the exact decoder gives for that
message alone, and a failing message must fail with the exact decoder's code after the ones
before it.
"""

from __future__ import annotations

import datetime as dt
import random

import msgpack
import pytest

from portablewire import Float32, Limits, PortableError, Unpacker, packb
from portablewire.decoder import _DEFAULT_EXT_TYPES, _exact_unpackb_message
from portablewire.registry import default_registry


def _nested(depth: int) -> bytes:
    return b"\x91" * depth + b"\x01"


def _plain(rng: random.Random) -> object:
    kind = rng.randrange(4)
    if kind == 0:
        return {"seq": rng.randrange(1 << 20), "op": rng.choice(["set", "del"]), "value": rng.random()}
    if kind == 1:
        return [rng.randrange(-300, 300) for _ in range(rng.randrange(6))]
    if kind == 2:
        return {"k": {"inner": [rng.random(), "x" * rng.randrange(40)]}}
    return rng.choice([None, True, 0, -1, 2**40, "", "é", b"\x00\xca", 1.5])


def _message(rng: random.Random, max_depth: int) -> bytes:
    """One message's bytes; most are small plain ones."""
    kind = rng.randrange(20)
    if kind == 0:
        return b"\x92\xca\x3f\xc0\x00\x00" + msgpack.packb(rng.randrange(100))  # a float32 inside
    if kind == 1:
        return bytes.fromhex("cd 00 07")  # a non-shortest uint: the exact decoder gives 7
    if kind == 2:
        return packb({"when": dt.date(2024, 1, 1 + rng.randrange(28))})  # an ext: proven alone
    if kind == 3:
        return packb([rng.randrange(9)], global_data={"g": 1})  # an envelope
    if kind == 4:
        return packb("y" * rng.randrange(max_depth, 3 * max_depth + 2))  # longer than max_depth bytes
    if kind == 5:
        return _nested(rng.randrange(max(1, max_depth - 2), max_depth + 1))  # deep, within the limit
    return packb(_plain(rng))


def _failing(rng: random.Random, max_depth: int) -> bytes:
    return rng.choice(
        [
            _nested(max_depth + 1 + rng.randrange(3)),  # too deep
            bytes.fromhex("82 a1 61 01 a1 61 02"),  # a repeated key
            bytes.fromhex("92 01 c1"),  # a reserved byte
            bytes.fromhex("a2 ff fe"),  # invalid UTF-8
        ]
    )


def _expected(parts: list[bytes], limits: Limits) -> tuple[list[tuple[object, int, dict]], str | None]:
    """(value, stream offset after it, global data) for each message the exact decoder accepts; the first failure's code."""
    out: list[tuple[object, int, dict]] = []
    offset = 0
    for part in parts:
        try:
            message = _exact_unpackb_message(part, default_registry, False, limits, False, _DEFAULT_EXT_TYPES)
        except PortableError as error:
            return out, error.code
        offset += len(part)
        out.append((message.value, offset, message.global_data))
    return out, None


def _same(a: object, b: object) -> bool:
    # Plain loops, not all(map(...)): Python 3.12.0-3.12.1 count each level's C calls against a low C
    # recursion limit, and the deepest messages here are 512 levels.
    if type(a) is not type(b):
        return False
    if type(a) is list:
        if len(a) != len(b):  # type: ignore[arg-type]
            return False
        for x, y in zip(a, b):  # type: ignore[call-overload]
            if not _same(x, y):
                return False
        return True
    if type(a) is dict:
        if list(a) != list(b):  # type: ignore[call-overload]
            return False
        for k in a:
            if not _same(a[k], b[k]):  # type: ignore[index]
                return False
        return True
    return bool(a == b)


@pytest.mark.parametrize("seed", range(40))
def test_random_streams_read_every_way_match_the_exact_decoder(seed):
    rng = random.Random(seed)
    max_depth = rng.choice([3, 8, 40, 512])
    limits = Limits(max_depth=max_depth)
    count = rng.choice([5, 300, 700])
    parts = [_message(rng, max_depth) if rng.random() < 0.3 else packb(_plain(rng)) for _ in range(count)]
    if rng.random() < 0.5:
        parts.insert(rng.randrange(len(parts) + 1), _failing(rng, max_depth))
    expected, failure = _expected(parts, limits)
    stream = b"".join(parts)
    unpacker = Unpacker(limits=limits)
    got: list[object] = []
    error: PortableError | None = None
    position = 0
    try:
        while position < len(stream) or rng.random() < 0.5:
            size = rng.choice([1, 3, 17, 500, 4096, 1 << 16])
            unpacker.feed(stream[position : position + size])
            position += size
            while True:
                how = rng.randrange(4)
                before = len(got)
                if how == 0:
                    for value in unpacker:
                        got.append(value)
                        assert unpacker.tell() == expected[len(got) - 1][1]
                        if rng.random() < 0.02:
                            break  # left mid-batch: the next read goes on from here
                    else:
                        break
                elif how == 1:
                    try:
                        got.append(next(unpacker))
                    except StopIteration:
                        break
                elif how == 2:
                    message = unpacker.next_message()
                    if message is None:
                        break
                    assert message.global_data == expected[len(got)][2]
                    got.append(message.value)
                else:
                    if got:
                        assert unpacker.tell() == expected[len(got) - 1][1]
                    else:
                        assert unpacker.tell() == 0
                if len(got) > before:
                    assert unpacker.tell() == expected[len(got) - 1][1]
            if position >= len(stream):
                break
        unpacker.finish()
    except PortableError as caught:
        error = caught
    assert len(got) == len(expected)
    for value, (want, _, _) in zip(got, expected):
        assert _same(value, want), (value, want)
    if failure is None:
        assert error is None
    else:
        assert error is not None and error.code == failure
        assert unpacker.tell() == (expected[-1][1] if expected else 0)


def test_a_batch_left_mid_way_goes_on_with_next_message_and_feed():
    parts = [packb({"i": i}) for i in range(600)]
    unpacker = Unpacker()
    unpacker.feed(b"".join(parts[:300]))
    got = []
    for value in unpacker:
        got.append(value)
        if len(got) == 10:
            break
    assert unpacker.tell() == sum(map(len, parts[:10]))
    unpacker.feed(b"".join(parts[300:]))  # feeding mid-batch keeps the batch's offsets valid
    got.append(unpacker.next_message().value)
    got.append(next(unpacker))
    got.extend(unpacker)
    assert got == [{"i": i} for i in range(600)]
    assert unpacker.tell() == sum(map(len, parts))
    unpacker.finish()


def test_max_buffer_size_counts_the_untaken_messages_of_a_batch():
    parts = [packb({"i": i}) for i in range(100)]
    data = b"".join(parts)
    unpacker = Unpacker(max_buffer_size=len(data) + 5)
    unpacker.feed(data)
    assert next(unpacker) == {"i": 0}
    with pytest.raises(PortableError) as caught:
        unpacker.feed(b"\x00" * (len(parts[0]) + 6))
    assert caught.value.code == "limitExceeded"


def _finish_after_the_first(count: int) -> tuple[list[bytes], Unpacker, PortableError]:
    """Feeds ``count`` messages in one go, takes the first, and calls finish(): the messages, the
    unpacker and the error finish() raised."""
    parts = [packb({"i": i}) for i in range(count)]
    unpacker = Unpacker()
    unpacker.feed(b"".join(parts))
    assert next(unpacker) == {"i": 0}
    with pytest.raises(PortableError) as caught:
        unpacker.finish()
    return parts, unpacker, caught.value


def test_finish_after_part_of_a_batch_reports_the_untaken_bytes():
    parts, _, error = _finish_after_the_first(20)
    assert error.code == "truncated" and error.offset == sum(map(len, parts[1:]))


def test_float32_in_a_batch_keeps_its_type():
    parts = [packb({"i": i}) for i in range(50)]
    parts[25] = b"\x91\xca\x3f\xc0\x00\x00"
    unpacker = Unpacker()
    unpacker.feed(b"".join(parts))
    got = list(unpacker)
    assert type(got[25][0]) is Float32 and got[25] == [1.5]
    assert got[:25] + got[26:] == [{"i": i} for i in range(50) if i != 25]


def test_after_a_feed_error_no_batched_message_is_given():
    """Every call after an error raises it, even with complete messages waiting, and a for loop
    already running over a batch stops at the next message."""
    parts = [packb({"i": i}) for i in range(40)]
    unpacker = Unpacker(max_buffer_size=sum(map(len, parts)) + 10)
    unpacker.feed(b"".join(parts))
    got = []
    with pytest.raises(PortableError) as caught:
        for value in unpacker:
            got.append(value)
            if len(got) == 5:
                unpacker.feed(b"\x00" * 1000)  # over max_buffer_size: the stream fails
    assert caught.value.code == "limitExceeded" and got == [{"i": i} for i in range(5)]
    assert unpacker.tell() == sum(map(len, parts[:5]))
    for call in (lambda: next(unpacker), unpacker.next_message, lambda: list(unpacker), unpacker.finish):
        with pytest.raises(PortableError) as again:
            call()
        assert again.value is caught.value


def test_finish_with_batched_messages_untaken_fails_and_stays_failed():
    _, unpacker, error = _finish_after_the_first(40)
    assert error.code == "truncated"
    with pytest.raises(PortableError):
        next(unpacker)
    with pytest.raises(PortableError):
        list(unpacker)

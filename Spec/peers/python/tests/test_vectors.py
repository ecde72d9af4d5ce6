# SPDX-License-Identifier: Apache-2.0
"""Every vector in Spec/vectors: decodes to its notation or fails with its code; canonical ones
re-encode byte-identical; every strict prefix of a valid one is ``truncated``."""

from __future__ import annotations

import pytest
from vector_files import Vector, load_all

from portablewire import PortableError, Registry, packb, unpackb_message
from portablewire.notation import from_notation, to_notation

VECTORS = load_all()
VALID = [vector for vector in VECTORS if vector.is_valid]
INVALID = [vector for vector in VECTORS if not vector.is_valid]
CANONICAL = [vector for vector in VALID if vector.case["canonical"]]

# Inputs longer than this are cut at a sample of points (all short prefixes, the last ones, and
# a stride in between): cutting a megabyte vector at every byte would take hours in Python.
EVERY_PREFIX_UP_TO = 2048


def decode(vector: Vector, data: bytes):
    return unpackb_message(data, registry=vector.registry(), passthrough=vector.passthrough, exact_maps=True)


def test_vector_ids_are_unique():
    ids = [vector.id for vector in VECTORS]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize("vector", VALID, ids=str)
def test_valid_vector_decodes_to_its_notation(vector: Vector):
    message = decode(vector, vector.data)
    value, global_data = to_notation(message.value, message.global_data)
    assert value == vector.case["value"]
    assert global_data == vector.case.get("globalData", [])


@pytest.mark.parametrize("vector", CANONICAL, ids=str)
def test_canonical_vector_encodes_byte_identical(vector: Vector):
    value, global_data = from_notation(vector.case["value"], vector.case.get("globalData", []))
    assert packb(value, registry=Registry(), global_data=global_data).hex() == vector.data.hex()


@pytest.mark.parametrize("vector", INVALID, ids=str)
def test_invalid_vector_fails_with_its_code(vector: Vector):
    with pytest.raises(PortableError) as caught:
        decode(vector, vector.data)
    assert caught.value.code == vector.case["error"], str(caught.value)


def prefix_lengths(size: int) -> list[int]:
    if size <= EVERY_PREFIX_UP_TO:
        return list(range(size))
    head = range(EVERY_PREFIX_UP_TO // 2)
    tail = range(size - EVERY_PREFIX_UP_TO // 2, size)
    middle = range(EVERY_PREFIX_UP_TO // 2, size - EVERY_PREFIX_UP_TO // 2, max(1, size // 509))
    return sorted({*head, *middle, *tail})


@pytest.mark.parametrize("vector", VALID, ids=str)
def test_every_strict_prefix_is_truncated(vector: Vector):
    for length in prefix_lengths(len(vector.data)):
        with pytest.raises(PortableError) as caught:
            decode(vector, vector.data[:length])
        assert caught.value.code == "truncated", f"prefix of {length} bytes: {caught.value}"

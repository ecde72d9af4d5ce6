# SPDX-License-Identifier: Apache-2.0
"""PortableError: paths, messages, pickling."""

from __future__ import annotations

import pickle

import pytest

from portablewire import Map, OpaqueObject, PortableError, packb, unpackb
from portablewire.errors import GLOBAL_DATA, OtherKey, render_path


def test_paths_render_identifiers_quoted_keys_indices_and_other_keys():
    assert render_path([]) == "$"
    assert render_path(["kwargs", "input", 3]) == "$.kwargs.input[3]"
    assert render_path(["a b", 'q"\\', "\n\x01\x08", "é", "3"]) == '$["a b"]["q\\"\\\\"]["\\n\\u0001\\b"]["é"]["3"]'
    assert render_path([OtherKey(3), OtherKey(b"\x00"), OtherKey(None)]) == '$[{"int":"3"}][{"bin":"00"}][null]'
    assert render_path([GLOBAL_DATA, "names", 2]) == "$globalData.names[2]"
    assert render_path([OtherKey(OpaqueObject("t.A"))]) == "$[<OpaqueObject>]"


def test_decode_errors_carry_non_str_keys_on_their_paths():
    with pytest.raises(PortableError) as caught:
        unpackb(bytes.fromhex("81 01 c1"), exact_maps=True)
    assert caught.value.path == '$[{"int":"1"}]'


def test_encode_errors_carry_non_str_keys_on_their_paths():
    with pytest.raises(PortableError) as caught:
        packb(Map([((1, 2), object())]))
    assert caught.value.path == '$[[{"int":"1"},{"int":"2"}]]'


def test_errors_pickle_with_everything():
    with pytest.raises(PortableError) as caught:
        unpackb(bytes.fromhex("91 cd 01"))
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is PortableError
    assert (copy.code, copy.offset, copy.path, str(copy)) == ("truncated", 2, "$[0]", str(caught.value))
    assert isinstance(copy, ValueError)

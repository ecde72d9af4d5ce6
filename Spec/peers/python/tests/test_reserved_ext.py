# SPDX-License-Identifier: Apache-2.0
"""A ``msgpack.ExtType`` with a portable ext type is refused on every path (format.md section 8).

msgpack's C packer writes an ``ExtType`` without calling the fast encoder's ``default``, so the
fast path used to write ``ExtType(0x50, ...)`` as it came: a message that the receiver reads as
a portable object. ``portablewire._extwatch`` records the codes of every ``ExtType`` made; the
fast encoder hands messages to the exact encoder once one with a portable code exists.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys
from pathlib import Path

import msgpack
import pytest

import portablewire.encoder as encoder_module
from portablewire import Ext, ExtTypes, PortableError, Registry, packb, unpackb
from portablewire._extwatch import made_codes

ROOT = Path(__file__).resolve().parents[1]


@dataclasses.dataclass
class Holder:
    value: object


class Serialized:
    def __init__(self, value: object) -> None:
        self.value = value

    def __serialize__(self, global_data):
        return [self.value]

    def __deserialize__(self, data, global_data):
        (self.value,) = data


registry = Registry()
registry.register(Holder, "t.Holder")
registry.register(Serialized, "t.Serialized")


def placements(ext: msgpack.ExtType) -> list[tuple[str, object, dict]]:
    return [
        ("top", ext, {}),
        ("array", [1, ext], {}),
        ("map value", {"a": ext}, {}),
        ("map key", {ext: 1}, {}),
        ("set element", {ext}, {}),
        ("tuple", (ext,), {}),
        ("object data", Holder(ext), {}),
        ("nested object data", Holder([Holder({"x": ext})]), {}),
        ("serializer result", Serialized(ext), {}),
        ("global data", [1], {"global_data": {"g": ext}}),
    ]


CASES = [
    (name, code, value, options)
    for code in (0x47, 0x50, 0x51, 0x52)
    for name, value, options in placements(msgpack.ExtType(code, b"\x00\x01"))
]


@pytest.mark.parametrize("name,code,value,options", CASES, ids=[f"{c[1]:#x}-{c[0]}" for c in CASES])
def test_an_ext_type_with_a_portable_code_is_refused(name, code, value, options):
    with pytest.raises(PortableError) as caught:
        packb(value, registry=registry, **options)
    assert caught.value.code == "cannotSerialize"
    assert f"type {code}" in str(caught.value)


def test_the_same_value_as_ext_is_refused_too():
    for code in (-1, 0x47, 0x50, 0x51, 0x52):
        with pytest.raises(PortableError) as caught:
            packb([Ext(code, b"\x00")])
        assert caught.value.code == "cannotSerialize"


def test_other_ext_types_are_plain_values():
    plain = [msgpack.ExtType(5, b"x"), {"k": msgpack.ExtType(127, b"y" * 17)}]
    assert packb(plain) == msgpack.packb(plain, use_bin_type=True)
    assert unpackb(packb(plain)) == [Ext(5, b"x"), {"k": Ext(127, b"y" * 17)}]
    assert unpackb(packb([Ext(-2, b"z")])) == [Ext(-2, b"z")]  # reserved by MessagePack: still an ext value


def test_configured_portable_codes_are_the_reserved_ones():
    ext_types = ExtTypes(object=10, two_phase_object=11, reference=12, global_data=13)
    for code in (10, 11, 12, 13):
        with pytest.raises(PortableError) as caught:
            packb({"a": [msgpack.ExtType(code, b"")]}, ext_types=ext_types)
        assert caught.value.code == "cannotSerialize"
    # With other portable codes, 0x50 is an application's ext type like any other.
    value = [msgpack.ExtType(0x50, b"\x00\x01")]
    assert packb(value, ext_types=ext_types) == msgpack.packb(value)


def test_every_way_of_making_an_ext_type_is_recorded():
    made_codes.discard(33)
    msgpack.ExtType(5, b"")._replace(code=33)
    assert 33 in made_codes
    made_codes.discard(34)
    msgpack.ExtType._make((34, b""))
    assert 34 in made_codes
    made_codes.discard(35)
    copy.copy(msgpack.ExtType(1, b""))._replace(code=35)
    assert 35 in made_codes
    dumped = pickle.dumps(msgpack.ExtType(36, b""))
    made_codes.discard(36)
    pickle.loads(dumped)  # the loaded copy is made through __new__
    assert 36 in made_codes
    made_codes.discard(37)
    msgpack.unpackb(b"\xd4\x25\x00")  # plain msgpack decoding an ext makes an ExtType
    assert 37 in made_codes
    # Nothing else changes: the constructor still checks its arguments.
    with pytest.raises(ValueError):
        msgpack.ExtType(-1, b"")


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_an_ext_type_made_before_the_import_is_seen():
    out = _run(
        "import msgpack\n"
        "early = msgpack.ExtType(0x50, b'\\x00\\x01')\n"
        "import portablewire\n"
        "try:\n"
        "    portablewire.packb([early])\n"
        "except portablewire.PortableError as error:\n"
        "    print(error.code)\n"
    )
    assert out == "cannotSerialize"


def test_a_process_without_such_ext_types_keeps_the_fast_path():
    out = _run(
        "import msgpack, portablewire, portablewire.encoder as e\n"
        "value = [{'a': msgpack.ExtType(5, b'x')}, list(range(1000))]\n"
        "def fail(*args):\n"
        "    raise AssertionError('fell back')\n"
        "e._exact_packb = fail\n"
        "assert portablewire.packb(value) == msgpack.packb(value)\n"
        "print(sorted(portablewire._extwatch.made_codes))\n"
    )
    assert out == "[5]"


def test_after_one_is_made_messages_are_still_exact(monkeypatch):
    msgpack.ExtType(0x51, b"")
    calls = []
    exact = encoder_module._exact_packb

    def counting(*args):
        calls.append(1)
        return exact(*args)

    monkeypatch.setattr(encoder_module, "_exact_packb", counting)
    value = [Holder(1), {"x": 1.5}]
    assert packb(value, registry=registry) == exact(value, registry, encoder_module._DEFAULT_LIMITS,
                                                     encoder_module._DEFAULT_EXT_TYPES, *_fresh())
    assert calls


def _fresh():
    from portablewire import GlobalData

    return GlobalData(), {}

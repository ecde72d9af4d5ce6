# SPDX-License-Identifier: Apache-2.0
"""Global data: written by serializers, sent once ahead of the body, read by deserializers."""

from __future__ import annotations

import pytest

from portablewire import GlobalData, PortableError, Registry, packb, portable_class, unpackb, unpackb_message

registry = Registry()
serialize_calls: list[str] = []


@portable_class("app.Person", registry=registry)
class Person:
    """Stores its name once in global data ("names") and sends the index."""

    def __init__(self, name):
        self.name = name

    def __serialize__(self, global_data):
        serialize_calls.append(self.name)
        names = global_data.setdefault("names", [])
        if self.name not in names:
            names.append(self.name)
        return names.index(self.name)

    @classmethod
    def __new_deserialized__(cls, data, global_data):
        return cls(global_data["names"][data])


@portable_class("app.Order", registry=registry)
class Order:
    """Puts its owner into global data and sends nothing else."""

    def __init__(self, owner):
        self.owner = owner

    def __serialize__(self, global_data):
        global_data["owner"] = self.owner
        return "owner"

    def __deserialize__(self, data, global_data):
        self.owner = global_data[data]


@portable_class("app.Careful", registry=registry)
class Careful:
    """Uses global data only when it is available."""

    def __init__(self, label):
        self.label = label

    def __serialize__(self, global_data):
        if global_data.available:
            global_data["label"] = self.label
            return None
        return self.label

    def __deserialize__(self, data, global_data):
        self.label = global_data["label"] if global_data.available else data


@portable_class("app.Greedy", registry=registry)
class Greedy:
    """Always touches global data, which fails inside global data."""

    def __serialize__(self, global_data):
        global_data["greedy"] = True
        return None

    def __deserialize__(self, data, global_data):
        global_data["anything"]


def test_three_references_to_two_persons_match_the_vector_and_serialize_once():
    ann, bob = Person("Ann"), Person("Bob")
    serialize_calls.clear()
    data = packb([ann, bob, ann], registry=registry)
    assert serialize_calls == ["Ann", "Bob"]  # each serializer ran once, although the body was written twice
    # Spec/vectors/portable/global-data.json, "global-data-names-table"
    assert data.hex(" ") == (
        "c7 27 47 81 a5 6e 61 6d 65 73 92 a3 41 6e 6e a3 42 6f 62 93 c7 0c 50 aa 61 70 70 2e 50 65 72 73 6f 6e"
        " 00 d5 50 00 01 d4 52 00"
    )
    message = unpackb_message(data, registry=registry)
    assert message.global_data == {"names": ["Ann", "Bob"]}
    first, second, third = message.value
    assert (first.name, second.name) == ("Ann", "Bob") and third is first


def test_no_global_data_means_no_envelope():
    assert packb([1], registry=registry) == bytes.fromhex("91 01")


def test_initial_global_data_is_sent_in_insertion_order():
    data = packb("x", global_data={"z": 1, "a": 2})
    # Spec/vectors/portable/global-data.json, "global-data-insertion-order"
    assert data.hex(" ") == "c7 09 47 82 a1 7a 01 a1 61 02 a1 78"
    assert unpackb_message(data) == ("x", {"z": 1, "a": 2})


def test_object_in_global_data_comes_first_and_the_body_refers_to_it():
    careful = Careful("owner")
    data = packb([Order(careful), careful], registry=registry)
    # Ids follow wire order: the global data's Careful is object 0, the body's Order object 1.
    assert data.startswith(bytes.fromhex("c7"))
    assert data[2] == 0x47
    assert bytes.fromhex("d4 52 00") in data
    order, again = unpackb(data, registry=registry)
    assert order.owner is again and again.label == "owner"


def test_objects_inside_global_data_cannot_use_it():
    with pytest.raises(PortableError) as caught:
        packb(Order(Greedy()), registry=registry)
    error = caught.value
    assert error.code == "globalDataUnavailable" and error.path == "$globalData.owner"
    assert "Greedy at $globalData.owner" in str(error) and "global_data.available" in str(error)


def test_decoding_inside_global_data_has_no_access():
    # A Greedy object inside global data: G{g: P(app.Greedy, nil)}, body nil.
    data = bytes.fromhex("c7 12 47 81 a1 67 c7 0c 50 aa 61 70 70 2e 47 72 65 65 64 79 c0 c0")
    with pytest.raises(PortableError) as caught:
        unpackb(data, registry=registry)
    assert caught.value.code == "globalDataUnavailable"
    assert caught.value.path == "$globalData.g" and caught.value.offset == 6


def test_objects_inside_global_data_can_check_availability():
    data = packb(Order(Careful("inner")), registry=registry)
    # Careful saw no global data while inside it, so it sent its label itself.
    assert unpackb_message(data, passthrough=True).global_data["owner"].data == "inner"
    assert unpackb(data, registry=registry).owner.label == "inner"


def test_unavailable_global_data_refuses_every_use_but_says_so():
    unavailable = None

    class Probe:
        def __serialize__(self, global_data):
            nonlocal unavailable
            unavailable = global_data
            return None

    local = Registry()
    local.register(Probe, "t.Probe")
    packb(None, registry=local, global_data={"p": Probe()})
    assert unavailable is not None and unavailable.available is False
    for use in (
        lambda: unavailable["k"],
        lambda: len(unavailable),
        lambda: "k" in unavailable,
        lambda: unavailable.get("k"),
        lambda: list(unavailable),
        lambda: unavailable.setdefault("k", 1),
    ):
        with pytest.raises(PortableError) as caught:
            use()
        assert caught.value.code == "globalDataUnavailable"
    with pytest.raises(PortableError):
        unavailable["k"] = 1


def test_decoded_global_data_is_read_only():
    table = GlobalData({"a": 1}, writable=False)
    assert table.available and dict(table) == {"a": 1}
    with pytest.raises(TypeError):
        table["b"] = 2
    with pytest.raises(TypeError):
        GlobalData()[1] = 2  # keys are str

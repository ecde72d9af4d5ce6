# SPDX-License-Identifier: Apache-2.0
"""Portable classes: registration, default and custom serialization, identity, passthrough."""

from __future__ import annotations

import pytest

from portablewire import (
    OpaqueObject,
    PortableError,
    Registry,
    default_registry,
    packb,
    portable_class,
    unpackb,
)

registry = Registry()


@portable_class("app.Person", registry=registry)
class Person:
    def __init__(self, name, age=None):
        self.name = name
        self.age = age


@portable_class("app.Money", registry=registry)
class Money:
    """Custom serialization through a constructor: sent as [cents, currency]."""

    def __init__(self, cents, currency):
        self.cents = cents
        self.currency = currency

    def __serialize__(self, global_data):
        return [self.cents, self.currency]

    @staticmethod
    def __new_deserialized__(data, global_data):
        return Money(*data)


@portable_class("app.Point", registry=registry)
class Point:
    """Custom serialization into a blank instance: sent as "x,y"."""

    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __serialize__(self, global_data):
        return f"{self.x},{self.y}"

    def __deserialize__(self, data, global_data):
        self.x, self.y = (int(part) for part in data.split(","))


@portable_class("app.Order", registry=registry)
class Order:
    def __init__(self, buyer, seller):
        self.buyer = buyer
        self.seller = seller


def roundtrip(value, **options):
    return unpackb(packb(value, registry=registry), registry=registry, **options)


def test_default_serialization_sends_dict_and_matches_the_vector():
    data = packb(Person("Ann", 30), registry=registry)
    # Spec/vectors/portable/objects.json, "object-default-data"
    assert data.hex(" ") == "c7 1a 50 aa 61 70 70 2e 50 65 72 73 6f 6e 82 a4 6e 61 6d 65 a3 41 6e 6e a3 61 67 65 1e"
    person = unpackb(data, registry=registry)
    assert type(person) is Person and vars(person) == {"name": "Ann", "age": 30}


def test_decoding_does_not_call_init():
    calls = []

    local = Registry()

    @portable_class("t.Counted", registry=local)
    class Counted:
        def __init__(self):
            calls.append(1)
            self.value = 1

    unpackb(packb(Counted(), registry=local), registry=local)
    assert calls == [1]


def test_custom_serialization_with_new_deserialized_and_deserialize():
    money, point = roundtrip([Money(1250, "EUR"), Point(3, 4)])
    assert (money.cents, money.currency) == (1250, "EUR")
    assert (point.x, point.y) == (3, 4)
    # Spec/vectors/portable/objects.json, "object-custom-data"
    assert packb(Money(1250, "EUR"), registry=registry).hex(" ") == (
        "c7 12 50 a9 61 70 70 2e 4d 6f 6e 65 79 92 cd 04 e2 a3 45 55 52"
    )


def test_nested_objects_get_preorder_ids_and_type_indices():
    order = Order(Person("Ann"), Person("Bob"))
    data = packb(order, registry=registry)
    # The second Person (16-byte payload, fixext16) has type-ref 01: app.Order = 0, app.Person = 1.
    assert bytes.fromhex("d8 50 01 82") in data
    decoded = unpackb(data, registry=registry)
    assert (decoded.buyer.name, decoded.seller.name) == ("Ann", "Bob")


def test_shared_references_stay_shared():
    ann, bob = Person("Ann"), Person("Bob")
    team = roundtrip({"lead": ann, "members": [ann, bob, ann], "order": Order(ann, bob)})
    lead = team["lead"]
    assert team["members"][0] is lead and team["members"][2] is lead
    assert team["order"].buyer is lead and team["order"].seller is team["members"][1]


def test_a_repeat_is_written_as_a_reference():
    ann = Person("Ann")
    data = packb([ann, ann, Person("Bob")], registry=registry)
    assert data.startswith(bytes.fromhex("93 c7"))
    assert bytes.fromhex("d4 52 00") in data


def test_plain_values_are_written_in_full_each_time():
    shared = [1, 2]
    data = packb([shared, shared], registry=registry)
    assert data == bytes.fromhex("92 92 01 02 92 01 02")
    first, second = unpackb(data)
    assert first == second and first is not second


def test_objects_as_map_keys():
    ann = Person("Ann")
    decoded = roundtrip({ann: 1, "x": ann})
    (key, value), (name, again) = decoded.items()
    assert value == 1 and name == "x" and again is key


def test_cannot_serialize_names_the_type_path_and_fix():
    class CustomVariable:
        pass

    with pytest.raises(PortableError) as caught:
        packb({"kwargs": {"input": CustomVariable()}}, registry=registry)
    error = caught.value
    assert error.code == "cannotSerialize"
    assert error.path == "$.kwargs.input"
    assert str(error) == (
        "cannot serialize CustomVariable at $.kwargs.input: it is not a plain value and not a registered "
        "portable class; decorate it with @portable_class"
    )


def test_cannot_serialize_builtin_suggests_plain_value():
    with pytest.raises(PortableError) as caught:
        packb({"tags": [range(3)]})
    assert caught.value.code == "cannotSerialize" and caught.value.path == "$.tags[0]"
    assert "convert it to a plain value" in str(caught.value)


def test_cannot_serialize_out_of_range_integer_and_lone_surrogate():
    for value, fragment in ((1 << 64, "the integer"), (-(1 << 63) - 1, "the integer"), ("\ud800", "lone surrogate")):
        with pytest.raises(PortableError) as caught:
            packb([value])
        assert caught.value.code == "cannotSerialize" and fragment in str(caught.value)


def test_unregistered_subclass_is_not_sent_as_its_base():
    class Student(Person):
        pass

    with pytest.raises(PortableError) as caught:
        packb(Student("Ann"), registry=registry)
    assert caught.value.code == "cannotSerialize"


def test_unknown_type_error_names_type_path_and_hint():
    data = packb({"kwargs": {"input": Person("Ann")}}, registry=registry)
    with pytest.raises(PortableError) as caught:
        unpackb(data, registry=Registry())
    error = caught.value
    assert error.code == "unknownType" and error.path == "$.kwargs.input"
    assert "'app.Person'" in str(error) and "@portable_class('app.Person')" in str(error)
    assert "passthrough=True" in str(error)


def test_passthrough_keeps_unknown_objects_and_reencodes_byte_identical():
    ann = Person("Ann", 30)
    original = packb({"order": Order(ann, ann), "money": Money(5, "USD"), "p": Point(1, 2)}, registry=registry)
    only_person = Registry()
    only_person.register(Person, "app.Person")
    decoded = unpackb(original, registry=only_person, passthrough=True)
    order = decoded["order"]
    assert isinstance(order, OpaqueObject) and order.name == "app.Order" and not order.two_phase
    assert type(order.data["buyer"]) is Person and order.data["buyer"] is order.data["seller"]
    assert packb(decoded, registry=only_person) == original


def test_registry_rejects_conflicts_and_two_phase_constructors():
    local = Registry()
    local.register(Person, "x.Person")
    local.register(Person, "x.Person")  # the same registration again is a no-op
    with pytest.raises(ValueError):
        local.register(Money, "x.Person")
    with pytest.raises(ValueError):
        local.register(Person, "x.Other")
    with pytest.raises(TypeError):
        local.register(Money, "x.Money", two_phase=True)
    with pytest.raises(TypeError):
        local.register(OpaqueObject, "x.Opaque")
    with pytest.raises(ValueError):
        local.register(Point, "")

    class Slotted:
        __slots__ = ("x",)

    with pytest.raises(TypeError):
        local.register(Slotted, "x.Slotted")


def test_decorator_default_name_and_default_registry():
    @portable_class
    class Widget:
        pass

    name = f"{__name__}.test_decorator_default_name_and_default_registry.<locals>.Widget"
    assert default_registry.entry_for_class(Widget).name == name
    assert name in default_registry
    assert type(unpackb(packb(Widget()))) is Widget


def test_default_data_must_be_a_field_map():
    local = Registry()
    local.register_generic("app.Person")
    data = packb(OpaqueObject("app.Person", [1, 2]))
    with pytest.raises(PortableError) as caught:
        unpackb(data, registry=registry)
    assert caught.value.code == "typeMismatch" and "map of field names" in str(caught.value)
    assert unpackb(data, registry=local).data == [1, 2]

# SPDX-License-Identifier: Apache-2.0
"""The cycle detector, and opt-in cycles for two-phase types."""

from __future__ import annotations

import pytest

from portablewire import PortableError, Registry, packb, portable_class, unpackb

registry = Registry()


@portable_class("app.Node", registry=registry)
class Node:
    def __init__(self, name):
        self.name = name
        self.parent = None
        self.children = []


@portable_class("app.Link", two_phase=True, registry=registry)
class Link:
    def __init__(self, name):
        self.name = name
        self.next = None


@portable_class("app.Ring", two_phase=True, registry=registry)
class Ring:
    """A two-phase type with custom serialization: filled by __deserialize__ after creation."""

    def __init__(self, peer=None):
        self.peer = peer

    def __serialize__(self, global_data):
        return [self.peer]

    def __deserialize__(self, data, global_data):
        (self.peer,) = data


def test_cycle_detected_names_both_paths_and_the_type():
    node = Node("input")
    node.parent = node
    with pytest.raises(PortableError) as caught:
        packb({"kwargs": {"input": node}}, registry=registry)
    error = caught.value
    assert error.code == "cycleDetected"
    assert error.detail == "cycle: $.kwargs.input.parent refers back to $.kwargs.input (Node)"
    assert str(error).startswith("cycle: $.kwargs.input.parent refers back to $.kwargs.input (Node); ")
    assert "two_phase=True" in str(error)


def test_cycle_through_a_list_reports_the_list_path():
    parent, child = Node("p"), Node("c")
    parent.children.append(child)
    child.parent = parent
    with pytest.raises(PortableError) as caught:
        packb([parent], registry=registry)
    assert caught.value.detail == "cycle: $[0].children[0].parent refers back to $[0] (Node)"


def test_self_containing_list_and_dict_are_cycles():
    items: list = [1]
    items.append(items)
    table: dict = {}
    table["self"] = table
    for value, detail in (
        (items, "cycle: $[1] refers back to $ (list)"),
        ({"a": table}, "cycle: $.a.self refers back to $.a (dict)"),
    ):
        with pytest.raises(PortableError) as caught:
            packb(value)
        assert caught.value.code == "cycleDetected" and caught.value.detail == detail


def test_an_object_seen_again_after_it_completed_is_no_cycle():
    shared = Node("shared")
    a, b = Node("a"), Node("b")
    a.children = [shared]
    b.children = [shared]
    decoded = unpackb(packb([a, b], registry=registry), registry=registry)
    assert decoded[0].children[0] is decoded[1].children[0]


def test_two_phase_self_cycle_matches_the_vector_and_keeps_identity():
    link = Link("x")
    link.next = link
    link.__dict__ = {"next": link}  # only the field the vector has
    data = packb(link, registry=registry)
    # Spec/vectors/portable/cycles.json, "cycle-self" (app.Link stands where app.Node is)
    assert data.hex(" ") == "c7 12 51 a8 61 70 70 2e 4c 69 6e 6b 81 a4 6e 65 78 74 d4 52 00"
    decoded = unpackb(data, registry=registry)
    assert decoded.next is decoded


def test_two_phase_parent_child_cycle():
    parent, child = Link("parent"), Link("child")
    parent.next, child.next = child, parent
    decoded = unpackb(packb({"root": parent}, registry=registry), registry=registry)["root"]
    assert decoded.name == "parent" and decoded.next.name == "child" and decoded.next.next is decoded


def test_two_phase_custom_serialized_ring():
    a, b = Ring(), Ring()
    a.peer, b.peer = b, a
    decoded = unpackb(packb([a, b], registry=registry), registry=registry)
    assert decoded[0].peer is decoded[1] and decoded[1].peer is decoded[0]


def test_cycle_through_non_two_phase_object_inside_two_phase_one():
    link = Link("owner")
    node = Node("pet")
    node.parent = link
    link.next = node
    decoded = unpackb(packb(link, registry=registry), registry=registry)
    assert decoded.next.parent is decoded


def test_receiver_without_two_phase_registration_rejects_the_cycle():
    link = Link("x")
    link.next = link
    plain = Registry()
    plain.register(Link, "app.Link")  # not two-phase here
    with pytest.raises(PortableError) as caught:
        unpackb(packb(link, registry=registry), registry=plain)
    assert caught.value.code == "incompleteReference" and caught.value.path == "$.next"
    assert "receiver must register 'app.Link' with two_phase=True" in str(caught.value)

# SPDX-License-Identifier: Apache-2.0
"""PortableWire for Python: MessagePack messages that carry object graphs between processes.

    from portablewire import packb, unpackb, portable_class

    @portable_class("app.Person")
    class Person:
        def __init__(self, name):
            self.name = name

    ann = Person("Ann")
    team = unpackb(packb([ann, ann]))
    assert team[0] is team[1]          # shared references stay shared

Plain values are canonical MessagePack (byte-identical to ``msgpack.packb(x, use_bin_type=True)``).
Instances of registered classes are portable objects: written once, then back-referenced by id.
Cycles are an error (with both paths named) unless the type is registered ``two_phase=True``.
Serializers may put repeated data into the per-message global data, sent once ahead of the body.
The format is specified in Spec/format.md and Spec/portable-objects.md.
"""

from . import _extwatch  # noqa: F401  # first: it must see whether msgpack was imported before
from .decoder import Message, unpackb, unpackb_message
from .encoder import packb
from .errors import PortableError
from .objects import GenericObject, GlobalData, OpaqueObject
from .options import ExtTypes, Limits
from .registry import Registry, TypeEntry, default_registry, portable_class
from .streaming import Unpacker
from .values import Ext, Float32, Map

__version__ = "0.1.0"

__all__ = [
    "packb",
    "unpackb",
    "unpackb_message",
    "Message",
    "Unpacker",
    "PortableError",
    "Registry",
    "TypeEntry",
    "default_registry",
    "portable_class",
    "GlobalData",
    "OpaqueObject",
    "GenericObject",
    "Limits",
    "ExtTypes",
    "Float32",
    "Ext",
    "Map",
]

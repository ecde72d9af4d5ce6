# SPDX-License-Identifier: Apache-2.0
"""Registration of portable classes under unique wire names.

    @portable_class("app.Person")
    class Person:
        def __init__(self, name):
            self.name = name

A registered class is sent as a portable object: its wire name plus its data, which is
``__dict__`` (a str-keyed map) unless the class customises it:

- ``__serialize__(self, global_data)`` returns any transmittable value to send instead;
- ``__deserialize__(self, data, global_data)`` fills a blank instance (made by ``cls.__new__``,
  without ``__init__``) from that value;
- ``__new_deserialized__(data, global_data)`` (a classmethod or staticmethod) builds the instance.

A pydantic 2 model (``BaseModel`` subclass) without these hooks is sent with its own
``model_dump`` and rebuilt with ``model_validate`` (see :mod:`portablewire.pydantic`).

``two_phase=True`` marks a type whose instances may be reached again from inside their own data
(cycles): the decoder creates the blank instance first, so back-references inside resolve to it.
See Spec/portable-objects.md, "Registration".
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from .objects import OpaqueObject

__all__ = ["Registry", "TypeEntry", "portable_class", "default_registry"]

T = TypeVar("T", bound=type)


@dataclass(frozen=True)
class TypeEntry:
    """One registered type: its wire name, class and hooks.

    ``cls`` is ``None`` for a name registered with :meth:`Registry.register_generic`, whose
    objects decode as :class:`GenericObject`.
    """

    name: str
    cls: type | None
    two_phase: bool
    #: ``cls.__serialize__`` or ``None`` (send ``__dict__``).
    serialize: Callable[[Any, Any], Any] | None = None
    #: ``cls.__deserialize__`` or ``None`` (fill ``__dict__``).
    deserialize: Callable[[Any, Any, Any], None] | None = None
    #: ``cls.__new_deserialized__`` or ``None`` (create a blank instance and fill it).
    new_deserialized: Callable[[Any, Any], Any] | None = None


class Registry:
    """Maps wire names to classes and back; one name per class, one class per name.

    Encoders look classes up exactly (a subclass needs its own registration); decoders look names
    up. Registering is not thread-safe; do it at import time, before messages flow.
    """

    def __init__(self) -> None:
        self._by_name: dict[str, TypeEntry] = {}
        self._by_class: dict[type, TypeEntry] = {}

    def register(self, cls: T, name: str | None = None, *, two_phase: bool = False) -> T:
        """Registers ``cls`` under ``name`` (default ``module.QualName``) and returns ``cls``.

        Registering the same class under the same name again is a no-op.

        :raises ValueError: the name or the class is already registered differently.
        :raises TypeError: ``cls`` is not a class, is an opaque/generic object class, is
            two-phase but builds its instances with ``__new_deserialized__`` (a two-phase type
            must exist as a blank instance before its data is decoded), or relies on default
            serialization although its instances have no ``__dict__`` (``__slots__``).
        """
        if not isinstance(cls, type):
            raise TypeError(f"only classes can be portable, not {cls!r}")
        if issubclass(cls, OpaqueObject):
            raise TypeError(f"{cls.__qualname__} carries its type name per instance and needs no registration")
        name = f"{cls.__module__}.{cls.__qualname__}" if name is None else name
        new_deserialized = getattr(cls, "__new_deserialized__", None)
        serialize, deserialize = getattr(cls, "__serialize__", None), getattr(cls, "__deserialize__", None)
        if serialize is deserialize is new_deserialized is None and _is_pydantic_model(cls):
            from .pydantic import model_hooks  # data through model_dump / model_validate

            serialize, new_deserialized = model_hooks(cls, name, self, two_phase=two_phase)
        if two_phase and new_deserialized is not None:
            raise TypeError(
                f"{cls.__qualname__} is two-phase, so the decoder creates it blank before decoding its data; "
                "fill it in __deserialize__(self, data, global_data) instead of __new_deserialized__"
            )
        entry = TypeEntry(
            name,
            cls,
            two_phase,
            serialize=serialize,
            deserialize=deserialize,
            new_deserialized=new_deserialized,
        )
        uses_dict = entry.serialize is None or (entry.deserialize is None and new_deserialized is None)
        if uses_dict and not cls.__dictoffset__:
            raise TypeError(
                f"{cls.__qualname__} instances have no __dict__ for default serialization; "
                "define __serialize__ and __deserialize__ (or __new_deserialized__)"
            )
        self._add(entry)
        self._by_class[cls] = entry
        return cls

    def register_generic(self, name: str, *, two_phase: bool = False) -> None:
        """Accepts ``name`` on decode without a class: its objects become :class:`GenericObject`.

        Used by the conformance testee; the data stays a plain value.
        """
        self._add(TypeEntry(name, None, two_phase))

    def _add(self, entry: TypeEntry) -> None:
        if not isinstance(entry.name, str) or not entry.name:
            raise ValueError(f"a portable type name is a non-empty str, not {entry.name!r}")
        existing = self._by_name.get(entry.name)
        if existing is not None and existing != entry:
            raise ValueError(f"the name {entry.name!r} is already registered for {_describe(existing)}")
        if entry.cls is not None:
            other = self._by_class.get(entry.cls)
            if other is not None and other != entry:
                raise ValueError(f"{entry.cls.__qualname__} is already registered as {_describe(other)}")
        self._by_name[entry.name] = entry

    def entry_for_name(self, name: str) -> TypeEntry | None:
        """The entry registered under ``name``, or ``None``."""
        return self._by_name.get(name)

    def entry_for_class(self, cls: type) -> TypeEntry | None:
        """The entry of exactly ``cls`` (not of a base class), or ``None``."""
        return self._by_class.get(cls)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def names(self) -> list[str]:
        """All registered names, in registration order."""
        return list(self._by_name)


def _is_pydantic_model(cls: type) -> bool:
    """A pydantic 2 model class; checked without importing pydantic (a model means it is loaded)."""
    base = getattr(sys.modules.get("pydantic"), "BaseModel", None)
    return base is not None and issubclass(cls, base)


def _describe(entry: TypeEntry) -> str:
    what = "generic objects" if entry.cls is None else f"{entry.cls.__module__}.{entry.cls.__qualname__}"
    return f"{entry.name!r} ({what}{', two-phase' if entry.two_phase else ''})"


#: The registry that ``@portable_class`` and the codec functions use unless given another.
default_registry = Registry()


@overload
def portable_class(cls: T, /) -> T: ...
@overload
def portable_class(
    name: str | None = None, /, *, two_phase: bool = False, registry: Registry | None = None
) -> Callable[[T], T]: ...


def portable_class(cls_or_name=None, /, *, two_phase=False, registry=None):
    """Class decorator registering a portable class; usable bare or with arguments.

        @portable_class                      # name "module.Node"
        @portable_class("app.Node")          # explicit name
        @portable_class("app.Node", two_phase=True, registry=my_registry)

    See :meth:`Registry.register`.
    """
    target = default_registry if registry is None else registry
    if isinstance(cls_or_name, type):
        return target.register(cls_or_name, two_phase=two_phase)

    def decorate(cls: T) -> T:
        return target.register(cls, cls_or_name, two_phase=two_phase)

    return decorate

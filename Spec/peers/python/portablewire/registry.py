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

import dataclasses
import enum
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from .objects import OpaqueObject
from .wellknown import RESERVED_PREFIX

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
    #: ``serialize(obj, global_data) -> data``, or ``None`` (send ``__dict__``).
    serialize: Callable[[Any, Any], Any] | None = None
    #: ``deserialize(blank, data, global_data)`` filling a blank instance, or ``None`` (fill ``__dict__``).
    deserialize: Callable[[Any, Any, Any], None] | None = None
    #: ``new_deserialized(data, global_data) -> instance``, or ``None`` (create a blank instance and fill it).
    new_deserialized: Callable[[Any, Any], Any] | None = None
    #: Instances are values (enum members): written in full every time, never back-referenced.
    value_type: bool = False
    #: Whether the hooks are the user's own (their exceptions are wrapped with the type and path).
    user_hooks: bool = True
    #: Whether ``serialize`` may use the global data it is given (``False`` for the package's own
    #: serializers that never look at it, so an encoder need not make a table for them).
    serialize_uses_global_data: bool = True


class Registry:
    """Maps wire names to classes and back; one name per class, one class per name.

    Encoders look classes up exactly (a subclass needs its own registration); decoders look names
    up. Registering is not thread-safe; do it at import time, before messages flow.
    """

    def __init__(self) -> None:
        self._by_name: dict[str, TypeEntry] = {}
        self._by_class: dict[type, TypeEntry] = {}
        #: Bumped on every change, so encoders and decoders can cache lookups per registry state.
        self.version = 0

    def register(
        self,
        cls: T,
        name: str | None = None,
        *,
        two_phase: bool = False,
        serialize: Callable[[Any], Any] | None = None,
        deserialize: Callable[[Any], Any] | None = None,
    ) -> T:
        """Registers ``cls`` under ``name`` (default ``module.QualName``) and returns ``cls``.

        How instances travel, first match wins:

        - ``serialize=`` / ``deserialize=`` given: ``serialize(obj) -> data`` and
          ``deserialize(data) -> obj``, for classes you do not own (both are required);
        - the class's own ``__serialize__`` / ``__deserialize__`` / ``__new_deserialized__``;
        - a pydantic 2 model: ``model_dump`` / ``model_validate``;
        - an ``Enum`` (``IntEnum``, str-``Enum``, ``Flag``...): a member's data is its value, and
          members are values (never back-referenced);
        - a dataclass (slots and frozen ones too), an attrs class, a ``NamedTuple``: a map of its
          fields in declaration order;
        - any other class: its ``__dict__``.

        Registering the same class, or a class with the same module and qualified name (a notebook
        cell run again), under the same name replaces the earlier registration. A class defined in
        ``__main__`` gets a warning: a worker importing your module cannot resolve ``__main__.X``.

        :raises ValueError: the name is registered for another class, the class under another
            name, or the name starts with the reserved prefix ``pw.`` (well-known types).
        :raises TypeError: ``cls`` is not a class, is an opaque/generic object class, is two-phase
            but can only be built from its complete data, or has no ``__dict__`` and no other way
            to be serialized.
        """
        if not isinstance(cls, type):
            raise TypeError(f"only classes can be portable, not {cls!r}")
        if issubclass(cls, OpaqueObject):
            raise TypeError(f"{cls.__qualname__} carries its type name per instance and needs no registration")
        if name is None:
            name = f"{cls.__module__}.{cls.__qualname__}"
            if cls.__module__ == "__main__":
                warnings.warn(
                    f"{cls.__qualname__} is registered as {name!r}, a name another process (a Celery worker) "
                    "cannot import; give it an explicit name: @portable_class('app.{cls.__qualname__}')",
                    stacklevel=3,
                )
        entry = _entry_for(cls, name, self, two_phase, serialize, deserialize)
        self._add(entry)
        old = self._by_name.get(name)
        self._by_name[name] = entry
        if old is not None and old.cls is not None and old.cls is not cls:
            self._by_class.pop(old.cls, None)
        self._by_class[cls] = entry
        self.version += 1
        return cls

    def register_generic(self, name: str, *, two_phase: bool = False) -> None:
        """Accepts ``name`` on decode without a class: its objects become :class:`GenericObject`.

        Used by the conformance testee; the data stays a plain value.
        """
        entry = TypeEntry(name, None, two_phase, user_hooks=False)
        self._add(entry)
        self._by_name[name] = entry
        self.version += 1

    def _add(self, entry: TypeEntry) -> None:
        """Checks ``entry`` against the existing registrations (it is added by the caller)."""
        if not isinstance(entry.name, str) or not entry.name:
            raise ValueError(f"a portable type name is a non-empty str, not {entry.name!r}")
        if entry.name.startswith(RESERVED_PREFIX):
            raise ValueError(
                f"the name {entry.name!r} starts with {RESERVED_PREFIX!r}, which is reserved for the well-known "
                "types (Spec/well-known-types.md); choose another name"
            )
        existing = self._by_name.get(entry.name)
        if existing is not None and existing != entry and not _same_class(existing.cls, entry.cls):
            raise ValueError(f"the name {entry.name!r} is already registered for {_describe(existing)}")
        if entry.cls is not None:
            other = self._by_class.get(entry.cls)
            if other is not None and other.name != entry.name:
                raise ValueError(f"{entry.cls.__qualname__} is already registered as {_describe(other)}")

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


def _same_class(a: type | None, b: type | None) -> bool:
    """Whether two classes are one class defined again (same module and qualified name)."""
    return (
        a is not None
        and b is not None
        and a.__module__ == b.__module__
        and a.__qualname__ == b.__qualname__
    )


def _entry_for(
    cls: type,
    name: str,
    registry: Registry,
    two_phase: bool,
    serialize_fn: Callable[[Any], Any] | None,
    deserialize_fn: Callable[[Any], Any] | None,
) -> TypeEntry:
    """Works out how instances of ``cls`` travel (see :meth:`Registry.register`)."""
    if serialize_fn is not None or deserialize_fn is not None:
        if serialize_fn is None or deserialize_fn is None:
            raise TypeError(f"register {cls.__qualname__} with both serialize= and deserialize=")
        if two_phase:
            raise TypeError(
                f"{cls.__qualname__} is built by deserialize(data) from its complete data, so it cannot be "
                "two-phase; give it __serialize__ and __deserialize__(self, data, global_data) instead"
            )
        return TypeEntry(
            name,
            cls,
            False,
            serialize=_External(serialize_fn),
            new_deserialized=_Built(deserialize_fn),
            serialize_uses_global_data=False,
        )
    new_deserialized = getattr(cls, "__new_deserialized__", None)
    serialize, deserialize = getattr(cls, "__serialize__", None), getattr(cls, "__deserialize__", None)
    if serialize is deserialize is new_deserialized is None:
        if _is_pydantic_model(cls):
            from .pydantic import model_hooks  # data through model_dump / model_validate

            serialize, new_deserialized = model_hooks(cls, name, registry, two_phase=two_phase)
            return _own_hooks_entry(name, cls, two_phase, serialize=serialize, new_deserialized=new_deserialized)
        if issubclass(cls, enum.Enum):
            if two_phase:
                raise TypeError(f"{cls.__qualname__} is an Enum: its members are values and cannot be two-phase")
            return _own_hooks_entry(
                name, cls, False, serialize=_enum_value, new_deserialized=_EnumMember(cls, name), value_type=True
            )
        fields = _declared_fields(cls)
        if fields is not None and (not cls.__dictoffset__ or _is_frozen_or_tuple(cls)):
            if issubclass(cls, tuple):  # NamedTuple: built from all its fields at once
                if two_phase:
                    raise TypeError(f"{cls.__qualname__} is a tuple, built from its complete data: not two-phase")
                build = _NamedTupleBuild(cls, name, fields)
                return _own_hooks_entry(name, cls, False, serialize=_FieldMap(fields), new_deserialized=build)
            fill = _FieldFill(cls, name, fields)
            return _own_hooks_entry(name, cls, two_phase, serialize=_FieldMap(fields), deserialize=fill)
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
            f"{cls.__qualname__} instances have no __dict__ for default serialization; define __serialize__ and "
            "__deserialize__ (or __new_deserialized__), or register it with serialize= and deserialize="
        )
    return entry


def _own_hooks_entry(name: str, cls: type, two_phase: bool, **hooks: Any) -> TypeEntry:
    """An entry whose hooks are the package's own (models, enums, declared fields): not the user's
    (their exceptions are not wrapped as a user hook's), and never using the global data."""
    return TypeEntry(name, cls, two_phase, user_hooks=False, serialize_uses_global_data=False, **hooks)


def _declared_fields(cls: type) -> tuple[str, ...] | None:
    """The field names of a dataclass, attrs class or NamedTuple, in declaration order."""
    if dataclasses.is_dataclass(cls):
        return tuple(field.name for field in dataclasses.fields(cls))
    attrs_fields = getattr(cls, "__attrs_attrs__", None)
    if attrs_fields is not None:
        return tuple(field.name for field in attrs_fields)
    if issubclass(cls, tuple) and hasattr(cls, "_fields"):
        return tuple(cls._fields)
    return None


def _is_frozen_or_tuple(cls: type) -> bool:
    params = getattr(cls, "__dataclass_params__", None)
    if params is not None and params.frozen:
        return True
    return issubclass(cls, tuple) or getattr(cls, "__setattr__", None) is not object.__setattr__


def _enum_value(obj: Any, global_data: object) -> object:
    return obj.value


@dataclass(frozen=True)
class _EnumMember:
    """Builds an enum member from its value; an unknown value is ``typeMismatch``."""

    cls: type
    name: str

    def __call__(self, data: object, global_data: object) -> object:
        try:
            return self.cls(data)
        except ValueError:
            from .errors import PortableError

            members: list[Any] = list(self.cls.__members__.values())[:8]  # type: ignore[attr-defined]
            values = ", ".join(repr(member.value) for member in members)
            raise PortableError(
                "typeMismatch",
                f"{data!r} is not a value of the enum {self.name!r} ({self.cls.__qualname__}: {values})",
                hint="both sides must register the same members",
            ) from None


@dataclass(frozen=True)
class _FieldMap:
    """Serializes the named fields as a str-keyed map, in declaration order."""

    fields: tuple[str, ...]

    def __call__(self, obj: Any, global_data: object) -> object:
        return {name: getattr(obj, name) for name in self.fields}


def _field_mismatch(cls: type, name: str, data: object, fields: tuple[str, ...]) -> Exception:
    from .errors import PortableError

    return PortableError(
        "typeMismatch",
        f"{name!r} is sent as a map of its fields ({', '.join(fields)}), not {type(data).__name__} "
        + (f"with keys {', '.join(map(repr, list(data)[:8]))}" if isinstance(data, dict) else ""),
        hint=f"both sides must register {cls.__qualname__} with the same fields",
    )


@dataclass(frozen=True)
class _FieldFill:
    """Fills a blank instance (slots, frozen) from its field map; missing fields are ``typeMismatch``."""

    cls: type
    name: str
    fields: tuple[str, ...]

    def __call__(self, obj: Any, data: object, global_data: object) -> None:
        if type(data) is not dict or not all(field in data for field in self.fields):
            raise _field_mismatch(self.cls, self.name, data, self.fields)
        setter = object.__setattr__
        for field in self.fields:
            setter(obj, field, data[field])


@dataclass(frozen=True)
class _NamedTupleBuild:
    cls: type
    name: str
    fields: tuple[str, ...]

    def __call__(self, data: object, global_data: object) -> object:
        if type(data) is not dict or not all(field in data for field in self.fields):
            raise _field_mismatch(self.cls, self.name, data, self.fields)
        return tuple.__new__(self.cls, [data[field] for field in self.fields])


@dataclass(frozen=True)
class _External:
    """``serialize=`` given to :meth:`Registry.register`, adapted to the hook signature."""

    function: Callable[[Any], Any]

    def __call__(self, obj: Any, global_data: object) -> object:
        return self.function(obj)


@dataclass(frozen=True)
class _Built:
    """``deserialize=`` given to :meth:`Registry.register`, adapted to the hook signature."""

    function: Callable[[Any], Any]

    def __call__(self, data: object, global_data: object) -> object:
        return self.function(data)


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


def portable_class(
    cls_or_name: Any = None, /, *, two_phase: bool = False, registry: Registry | None = None
) -> Any:
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

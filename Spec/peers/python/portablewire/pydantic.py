# SPDX-License-Identifier: Apache-2.0
"""Pydantic models as portable objects, with no hand-written hooks.

``@portable_class`` recognises a subclass of ``pydantic.BaseModel`` (pydantic 2) and sends it
with the model's own serialization: its data is ``model_dump(mode="python", by_alias=True,
round_trip=True)`` and the receiver builds the instance with ``model_validate(data)``, so field
types, defaults and validators apply on the way in::

    class VariableType(str, Enum):
        mean = "mean"
        quantile = "quantile"

    @portable_class("app.CustomVariable")
    class CustomVariable(BaseModel):
        type: VariableType
        quantile: Optional[confloat(ge=0, le=1)] = None

    # data on the wire: {"type": "quantile", "quantile": 0.5}

The data is what a Swift ``Codable`` struct with the same fields writes and reads: a str-keyed
map in field order (aliases are the keys), enums as their values, ``None`` as nil (Swift reads
an absent key or nil alike; a key Swift leaves out gets the model's default here). To match
Swift and the wire, ``model_dump``'s Python values are adjusted:

- a member of a registered ``Enum`` stays a member (a portable object of its enum), a member of
  an enum that is not registered becomes its value (the model's field type brings it back);
- ``datetime``, ``date``, ``time``, ``timedelta``, ``Decimal``, ``UUID``, sets and tuples stay
  themselves, so they travel as the well-known types (Spec/well-known-types.md) with the same
  bytes inside and outside a model; received timestamps (Swift's ``Date``) become aware UTC
  datetimes before validation; other values the format lacks (``Path``...) take their JSON
  form from pydantic (a str), so the model validates them back;
- a value that is itself an instance of a class registered in the same registry (a nested
  registered model, a registered plain class in an ``Any`` field) stays that instance, so it
  travels as a portable object: written once and back-referenced, as Swift writes a nested
  ``Portable``. A nested model that is not registered is plain data (a map), like a nested
  Swift struct that is only ``Codable``.

Data the model rejects raises :class:`~portablewire.PortableError` with code ``typeMismatch``,
the offset of the object, and the path of the first offending value (the spec's paths continue
into an object's data: ``$.kwargs.variables[0].quantile``); the ``ValidationError`` is its
``__cause__``. A model that cannot be dumped raises ``cannotSerialize`` with its path.

Models are ordinary portable types: they cannot be two-phase (``model_validate`` needs the whole
data), a subclass needs its own registration, and a class that defines ``__serialize__``,
``__deserialize__`` or ``__new_deserialized__`` keeps its own hooks. This module imports
pydantic only when a model is registered; the package itself depends only on msgpack.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import weakref
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from msgpack import Timestamp  # type: ignore[import-untyped]

from .errors import OtherKey, PortableError
from .objects import OpaqueObject
from .registry import Registry, default_registry
from .values import Ext, Float32, Map

__all__ = ["is_model_class", "model_hooks", "register_model"]

_ABSENT = object()
_DUMP_KEYS: weakref.WeakKeyDictionary[type, dict[str, str]] = weakref.WeakKeyDictionary()
_PLAIN = (type(None), bool, int, float, str, bytes, Float32, Timestamp, Ext, Map)
_PLAIN_TYPES = frozenset(_PLAIN)
#: Values ``_from_wire`` returns as they are.
_SCALARS = frozenset((type(None), bool, int, float, str, bytes, Float32, Ext))
_WELL_KNOWN = (_dt.date, _dt.time, _dt.timedelta, Decimal, UUID)  # datetime is a date


def is_model_class(cls: object) -> bool:
    """Whether ``cls`` is a pydantic 2 model class (False when pydantic was never imported)."""
    import sys

    pydantic = sys.modules.get("pydantic")
    base = getattr(pydantic, "BaseModel", None)
    return isinstance(cls, type) and base is not None and issubclass(cls, base)


def register_model(cls: type, name: str | None = None, *, registry: Registry | None = None) -> type:
    """Registers the pydantic model ``cls`` (for models you cannot decorate); returns ``cls``.

    The same as ``(registry or default_registry).register(cls, name)``.
    """
    if not is_model_class(cls):
        raise TypeError(f"{cls!r} is not a pydantic BaseModel subclass")
    return (default_registry if registry is None else registry).register(cls, name)


def model_hooks(
    cls: type, name: str, registry: Registry, *, two_phase: bool = False
) -> tuple[Callable[[Any, Any], object], Callable[[Any, Any], object]]:
    """The ``(serialize, new_deserialized)`` hooks with which ``registry`` sends the model ``cls``.

    Called by :meth:`Registry.register`. The hooks compare equal for equal arguments, so
    registering a model twice under one name stays a no-op.
    """
    if not hasattr(cls, "model_validate") or not hasattr(cls, "model_dump"):
        raise TypeError(f"{cls.__qualname__} is not a pydantic 2 model (no model_dump/model_validate)")
    _base_methods()
    if two_phase:
        raise TypeError(
            f"{cls.__qualname__} is a pydantic model, built by model_validate from its complete data, so it "
            "cannot be two-phase; register it without two_phase=True (cycles through models are not supported)"
        )
    return _Dump(cls, registry), _Load(cls, name)


_ERRORS: tuple[type[Exception], type[Exception]] | None = None
#: BaseModel.model_dump and the function of BaseModel.model_validate, set when a model is registered:
#: a model that does not override them is dumped and validated by its schema's serializer and
#: validator directly, with the same arguments the two methods pass.
_BASE_DUMP: Any = None
_BASE_VALIDATE: Any = None
#: A model class's attribute as ``cls.name`` finds it, without the detour through pydantic's
#: metaclass ``__getattr__`` hook that makes ``cls.name`` slow (the hook only runs when the
#: lookup fails, and these lookups do not).
_class_attribute = type.__getattribute__


def _base_methods() -> None:
    global _BASE_DUMP, _BASE_VALIDATE
    if _BASE_DUMP is None:
        from pydantic import BaseModel

        _BASE_VALIDATE = BaseModel.model_validate.__func__  # type: ignore[attr-defined]
        _BASE_DUMP = BaseModel.model_dump


def _pydantic_errors() -> tuple[type[Exception], type[Exception]]:
    """(PydanticSerializationError, ValidationError), imported once (not on every call)."""
    global _ERRORS
    if _ERRORS is None:
        from pydantic import ValidationError
        from pydantic_core import PydanticSerializationError

        _ERRORS = (PydanticSerializationError, ValidationError)
    return _ERRORS


# MARK: Encoding


@dataclasses.dataclass(frozen=True)
class _Dump:
    """``serialize`` hook: the model's ``model_dump``, adjusted to wire values."""

    cls: type
    registry: Registry
    #: [registry version, whether no type of _PLAIN is registered in it then]
    _plain_cache: list[Any] = dataclasses.field(
        default_factory=lambda: [-1, False], init=False, repr=False, compare=False, hash=False
    )
    #: Whether ``cls`` is a root model (a class constant, read once: a class attribute of a model
    #: goes through pydantic's metaclass ``__getattr__`` hook, which is slow).
    _root: bool = dataclasses.field(default=False, init=False, repr=False, compare=False, hash=False)
    #: Whether ``cls``'s dump can only have the str keys of its schema (see _schema_keys_only),
    #: found at the first dump: [decided, value].
    _str_keys: list[bool] = dataclasses.field(
        default_factory=lambda: [False, False], init=False, repr=False, compare=False, hash=False
    )
    #: [cls, registry version] once the checks in __call__ hold for them (cls not a root model, no type
    #: of _PLAIN registered at that version, a dump with the schema's str keys only): then only
    #: the dump's values need a look. Another registry version looks at everything again.
    _fast: list[Any] = dataclasses.field(
        default_factory=lambda: [None, -1], init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_root", bool(getattr(self.cls, "__pydantic_root_model__", False)))

    def __call__(self, obj: Any, global_data: object) -> object:
        cls = type(obj)
        try:
            if _class_attribute(cls, "model_dump") is _BASE_DUMP:
                # What BaseModel.model_dump does with these arguments, one Python call less.
                # (mode="python" is to_python's default: one keyword less to parse)
                dumped = obj.__pydantic_serializer__.to_python(obj, by_alias=True, round_trip=True)
            else:
                dumped = obj.model_dump(mode="python", by_alias=True, round_trip=True)
        except (_pydantic_errors()[0], ValueError, TypeError) as error:
            raise PortableError(
                "cannotSerialize",
                f"cannot serialize {type(obj).__qualname__}: model_dump failed: {error}",
                hint="make the model dumpable (field serializers), or break the cycle",
            ) from error
        fast = self._fast
        if not (fast[0] is cls and fast[1] == self.registry.version and type(dumped) is dict):
            # _model's first case, inline: every field dumped as a scalar under a str key. Once the
            # keys are known to be the schema's own str (and no plain type registered), ``fast``
            # remembers it for this class and registry version, and only the values need a look.
            if type(dumped) is not dict or (self._root if cls is self.cls else getattr(cls, "__pydantic_root_model__", False)):
                return self._model(obj, dumped)
            cache = self._plain_cache
            if not (cache[1] if cache[0] == self.registry.version else self._plain_unregistered()):
                return self._model(obj, dumped)
            str_keys = self._str_keys
            if not (str_keys[1] and cls is self.cls):
                for key, value in dumped.items():
                    if type(key) is not str or type(value) not in _PLAIN_TYPES:
                        break
                else:
                    if not str_keys[0] and cls is self.cls:
                        str_keys[1] = _schema_keys_only(cls)
                        str_keys[0] = True
                    return dumped
                return self._model(obj, dumped)
            fast[1] = cache[0]
            fast[0] = cls
        plain = _PLAIN_TYPES
        for value in dumped.values():
            if type(value) not in plain:
                break
        else:
            return dumped
        return self._model(obj, dumped)

    def _plain_unregistered(self) -> bool:
        """Whether no type of ``_PLAIN`` is registered (cached per registry version)."""
        registry = self.registry
        cache = self._plain_cache
        if cache[0] != registry.version:
            by_class = registry._by_class
            cache[1] = not any(t in by_class for t in _PLAIN)
            cache[0] = registry.version
        return bool(cache[1])

    def _keep(self, value: object) -> bool:
        """Whether ``value`` is itself a portable object here (sent as such, identity kept)."""
        return type(value) in self.registry._by_class or isinstance(value, OpaqueObject)

    def _model(self, raw: Any, dumped: object) -> object:
        """The wire data of a model whose dump is ``dumped``: walks the fields next to the dump."""
        root = getattr(type(raw), "__pydantic_root_model__", False)
        if root:
            return self._wire(raw.root, dumped)
        if type(dumped) is not dict:
            return _plain(dumped, self._keep)
        cache = self._plain_cache
        if cache[1] if cache[0] == self.registry.version else self._plain_unregistered():
            plain = _PLAIN_TYPES
            for key, value in dumped.items():
                if type(key) is not str or type(value) not in plain:
                    break
            else:
                # Every field dumped as a scalar under a str key: _wire and _plain_key would
                # return each as it is, so the fresh dict model_dump made is the data.
                return dumped
        keys = _dump_keys(type(raw))
        out = {}
        for key, value in dumped.items():
            attribute = keys.get(key)
            raw_value = getattr(raw, attribute, _ABSENT) if attribute is not None else _ABSENT
            out[_plain_key(key)] = self._wire(raw_value, value)
        return out

    def _wire(self, raw: Any, dumped: Any) -> object:
        """Converts ``dumped`` (the dump of ``raw``) to wire values, keeping registered instances."""
        t = type(dumped)
        if t in _PLAIN_TYPES and (dumped is not raw or type(raw) not in self.registry._by_class):
            return dumped  # a scalar field, what _plain returns for it (the common case, first)
        if raw is _ABSENT:
            return _plain(dumped, self._keep)
        if self._keep(raw) and (dumped is raw or t is dict):
            return raw
        if t is dict:
            if is_model_class(type(raw)):
                return self._model(raw, dumped)
            if isinstance(raw, dict):
                return {_plain_key(k): self._wire(raw.get(k, _ABSENT), v) for k, v in dumped.items()}
            if dataclasses.is_dataclass(raw) and not isinstance(raw, type):
                return {_plain_key(k): self._wire(getattr(raw, k, _ABSENT), v) for k, v in dumped.items()}
        elif (t is list or t is tuple) and isinstance(raw, (list, tuple)) and len(raw) == len(dumped):
            items = [self._wire(r, d) for r, d in zip(raw, dumped)]
            return tuple(items) if t is tuple else items
        return _plain(dumped, self._keep)


def _schema_keys_only(cls: Any) -> bool:
    """Whether every key of ``cls``'s dump is a str of its core schema: a plain model schema
    (no model serializer, which may return any keys, and no extra fields, whose keys come from
    the data) whose keys pydantic-core writes from the field and computed-field names. Anything
    else, or a schema it cannot read, is ``False`` (each key is then looked at)."""
    try:
        schema = _class_attribute(cls, "__pydantic_core_schema__")
        fields = schema["schema"]
        return bool(
            type(schema) is dict
            and schema.get("type") == "model"
            and schema.get("cls") is cls
            and "serialization" not in schema
            and not schema.get("root_model")
            and type(fields) is dict
            and fields.get("type") == "model-fields"
            and "serialization" not in fields
            and fields.get("extra_behavior", "ignore") != "allow"
            and (schema.get("config") or {}).get("extra_fields_behavior", "ignore") != "allow"
        )
    except Exception:  # noqa: BLE001 - a schema of another shape: every key is looked at
        return False


def _dump_keys(cls: Any) -> dict[str, str]:
    """Maps the keys ``model_dump(by_alias=True)`` writes to the model's attribute names."""
    keys = _DUMP_KEYS.get(cls)
    if keys is None:
        keys = {}
        for attribute, field in cls.model_fields.items():
            keys[field.serialization_alias or field.alias or attribute] = attribute
        _DUMP_KEYS[cls] = keys
    return keys


def _plain_key(key: object) -> object:
    return _plain(key, None) if isinstance(key, Enum) else key


def _plain(value: Any, keep: Callable[[object], bool] | None) -> object:
    """Turns one dumped Python value into values the format has (see the module docs)."""
    t = type(value)
    if t in _PLAIN_TYPES:
        return value
    if t is dict:
        return {_plain_key(k): _plain(v, keep) for k, v in value.items()}
    if t is list:
        return [_plain(v, keep) for v in value]
    if t is tuple:
        return tuple(_plain(v, keep) for v in value)
    if keep is not None and keep(value):
        return value
    if isinstance(value, Enum):
        return _plain(value.value, keep)
    if isinstance(value, _WELL_KNOWN):
        return value  # the same well-known bytes as outside a model (Spec/well-known-types.md)
    if isinstance(value, (set, frozenset)):
        return {_plain(v, keep) for v in value}
    if isinstance(value, (str, int, float, bytes, bytearray, list, tuple, dict, OpaqueObject)):
        return value  # subclasses of plain types: the encoder writes them as their base type
    try:
        from pydantic_core import to_jsonable_python

        return to_jsonable_python(value)
    except Exception:  # noqa: BLE001 - not convertible: the encoder reports it with its path
        return value


# MARK: Decoding


@dataclasses.dataclass(frozen=True)
class _Load:
    """``new_deserialized`` hook: ``model_validate`` on the received data."""

    cls: Any
    name: str
    #: [validator, whether its schema runs no user code on the input] for the last validator seen
    #: (see pure_validator): a rebuilt model gets a new validator, which is looked at again.
    _pure: list[Any] = dataclasses.field(
        default_factory=lambda: [None, False], init=False, repr=False, compare=False, hash=False
    )

    def pure_validator(self, validator: object) -> bool:
        """Whether ``validator`` (the class's ``__pydantic_validator__``) validates with pydantic-core's
        own validators only (see ``_pure_schema``), so no user code sees, or can change, the input
        data. Cached for the validator object."""
        pure = self._pure
        if pure[0] is not validator:
            pure[1] = _pure_schema(_class_attribute(self.cls, "__pydantic_core_schema__"))
            pure[0] = validator
        return bool(pure[1])

    def __call__(self, data: object, global_data: object) -> object:
        if type(data) is dict:
            scalars = _SCALARS
            for value in data.values():
                if type(value) not in scalars:
                    data = _from_wire(data)
                    break
            # (else a map of scalars: what _from_wire would copy unchanged)
        else:
            data = _from_wire(data)
        return self.validate(data)

    def validate(self, data: object) -> object:
        """``model_validate`` on received data that needs no conversion: data holding no timestamp
        and no exact map, which ``_from_wire`` would return unchanged or copy as it is. (The fast
        decoder calls it for data whose bytes hold no 0xff, the type byte of every timestamp.)"""
        cls = self.cls
        try:
            if _class_attribute(cls, "model_validate").__func__ is _BASE_VALIDATE:
                # What BaseModel.model_validate does with no options, one Python call less.
                return _class_attribute(cls, "__pydantic_validator__").validate_python(data)
            return cls.model_validate(data)
        except _pydantic_errors()[1] as error:
            raise _mismatch(self.cls, self.name, data, error) from error


#: Core schema types that run user code on (part of) the input, or that this check does not know.
_IMPURE_SCHEMA_TYPES = frozenset(("function-before", "function-after", "function-wrap", "function-plain", "call"))


def _pure_schema(schema: object) -> bool:
    """Whether a core schema validates without user code (see ``_Load.pure_validator``): no
    function validator anywhere in it, no model or dataclass with a custom ``__init__`` or a
    post-init hook, and no default factory but a built-in type (``list``, ``dict``...). Metadata
    and serialization entries are not looked at; anything unexpected is impure."""
    try:
        stack: list[Any] = [schema]
        seen: set[int] = set()
        while stack:
            item = stack.pop()
            if id(item) in seen:
                continue
            seen.add(id(item))
            if type(item) is dict:
                kind = item.get("type")  # (in a fields map, the entry of a field named "type")
                if type(kind) is str and kind in _IMPURE_SCHEMA_TYPES:
                    return False
                if kind in ("model", "dataclass") and (item.get("custom_init") or item.get("post_init")):
                    return False
                factory = item.get("default_factory") if kind == "default" else None
                if factory is not None and not (type(factory) is type and factory.__module__ == "builtins"):
                    return False
                for key, value in item.items():
                    if key not in ("metadata", "serialization") and type(value) in (dict, list, tuple):
                        stack.append(value)
            elif type(item) in (list, tuple):
                stack.extend(value for value in item if type(value) in (dict, list, tuple))
        return True
    except Exception:  # noqa: BLE001 - a schema of another shape: treated as impure
        return False


def _from_wire(value: Any) -> object:
    """Received values as pydantic reads them: timestamps as UTC datetimes, exact maps as dicts."""
    t = type(value)
    if t is dict:
        scalars = _SCALARS
        return {k: v if type(v) in scalars else _from_wire(v) for k, v in value.items()}
    if t is list:
        return [_from_wire(v) for v in value]
    if t is Timestamp:
        return value.to_datetime()
    if t is Map:
        converted: dict[object, object] = {}
        try:
            for k, v in value.pairs:
                converted[_from_wire(k)] = _from_wire(v)
        except TypeError:
            return value
        return converted if len(converted) == len(value.pairs) else value
    return value


def _mismatch(cls: type, name: str, data: object, error: Any) -> PortableError:
    errors = error.errors(include_url=False)
    shown = []
    for item in errors[:3]:
        where = ".".join(str(part) for part in item["loc"]) or "(data)"
        shown.append(f"{where}: {item['msg']} [type={item['type']}, input={_short(item.get('input'))}]")
    more = f"; and {len(errors) - 3} more" if len(errors) > 3 else ""
    result = PortableError(
        "typeMismatch",
        f"the data of {name!r} does not validate as {cls.__qualname__} "
        f"({len(errors)} error{'s' if len(errors) != 1 else ''}): {'; '.join(shown)}{more}",
        hint=f"send data that fits {cls.__qualname__}'s fields (the ValidationError is the __cause__)",
    )
    # Innermost first, as the decoder extends it outward: the path continues into the data.
    result._segments = list(reversed(_resolve(data, errors[0]["loc"] if errors else ())))
    return result


def _resolve(data: object, loc: tuple[object, ...]) -> list[object]:
    """The longest prefix of a pydantic ``loc`` that names values inside ``data``, as path segments."""
    segments: list[object] = []
    current = data
    for part in loc:
        if type(current) is dict:
            try:
                found = part in current
            except TypeError:
                break
            if not found:
                break
            segments.append(part if type(part) is str else OtherKey(part))
            current = current[part]
        elif type(current) is list and type(part) is int and 0 <= part < len(current):
            segments.append(part)
            current = current[part]
        else:
            break
    return segments


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

# SPDX-License-Identifier: Apache-2.0
"""Pydantic models as portable objects through @portable_class (portablewire.pydantic).

Needs pydantic 2; without it this module fails to import (it is never skipped).
"""

import datetime
import uuid
from enum import Enum
from typing import Any

import pydantic
import pytest
from app_models import CustomVariable, VariableType
from msgpack import Timestamp
from pydantic import BaseModel, Field, RootModel, ValidationError, confloat

from portablewire import OpaqueObject, PortableError, Registry, default_registry, packb, portable_class, unpackb
from portablewire.pydantic import register_model

assert pydantic.VERSION.startswith("2."), f"these tests need pydantic 2, not {pydantic.VERSION}"

registry = Registry()
registry.register(CustomVariable, "app.CustomVariable")


class Bounds(BaseModel):  # not registered: travels as a plain map, like a Codable-only Swift struct
    low: float
    high: float


@portable_class("app.Analysis", registry=registry)
class Analysis(BaseModel):
    title: str = Field(alias="displayTitle")
    primary: CustomVariable
    others: list[CustomVariable] = []
    by_name: dict[str, CustomVariable] = {}
    bounds: Bounds | None = None
    extra: Any = None


class Color(Enum):  # not a str enum: still sent as its value
    red = 1
    green = 2


@portable_class("app.Stamped", registry=registry)
class Stamped(BaseModel):
    at: datetime.datetime
    id: uuid.UUID
    tags: set[str]
    color: Color


@portable_class("app.Scores", registry=registry)
class Scores(RootModel[list[CustomVariable]]):
    pass


def roundtrip(value):
    return unpackb(packb(value, registry=registry), registry=registry)


# MARK: Wire format


def test_custom_variable_wire_bytes_are_exactly_the_portable_object():
    # Spec/portable-objects.md 4.2: P = ext type 0x50; payload = type-ref (the name as a str, the
    # first in the message) then the data, a str-keyed map in field order. The payload is
    # 19 (b2 + 18-byte name) + 33 (map) = 52 = 0x34 bytes, so the header is ext8: c7 34 50.
    expected = bytes.fromhex(
        "c7 34 50"  # ext8, 52-byte payload, type 80 (P): object 0
        "b2 61 70 70 2e 43 75 73 74 6f 6d 56 61 72 69 61 62 6c 65"  # "app.CustomVariable"
        "82"  # data: fixmap of 2 entries
        "a4 74 79 70 65"  # "type"
        "a8 71 75 61 6e 74 69 6c 65"  # "quantile" (the enum's value)
        "a8 71 75 61 6e 74 69 6c 65"  # "quantile"
        "cb 3f e0 00 00 00 00 00 00"  # 0.5 as float64 (what Swift's Double writes)
    )
    value = CustomVariable(type="quantile", quantile=0.5)
    assert packb(value, registry=registry) == expected
    decoded = unpackb(expected, registry=registry)
    assert type(decoded) is CustomVariable
    assert decoded.type is VariableType.quantile
    assert decoded.quantile == 0.5


def test_none_optional_is_written_as_nil():
    data = packb(CustomVariable(type="mean"), registry=registry)
    assert data.endswith(bytes.fromhex("82 a4 74 79 70 65 a4 6d 65 61 6e a8 71 75 61 6e 74 69 6c 65 c0"))
    assert roundtrip(CustomVariable(type="mean")) == CustomVariable(type="mean")


def test_swift_data_without_the_optional_key_decodes_with_the_default():
    # Swift's synthesized Codable leaves a nil optional out: {"type": "mean"}. Payload: 19 (name)
    # + 11 (81, a4 "type", a4 "mean") = 30 = 0x1e bytes.
    swift = bytes.fromhex(
        "c7 1e 50 b2 61 70 70 2e 43 75 73 74 6f 6d 56 61 72 69 61 62 6c 65 81 a4 74 79 70 65 a4 6d 65 61 6e"
    )
    assert packb(OpaqueObject("app.CustomVariable", {"type": "mean"})) == swift
    decoded = unpackb(swift, registry=registry)
    assert decoded == CustomVariable(type=VariableType.mean, quantile=None)


def test_well_known_fields_have_the_bytes_of_bare_values():
    # Issue 18: a field's bytes do not depend on being inside a model. The datetime is aware, so it
    # is an offset date-time; the UUID, the set and the enum (not registered: its value) as bare.
    value = Stamped(
        at=datetime.datetime(2024, 1, 2, 3, 4, 5, 250000, tzinfo=datetime.timezone.utc),
        id=uuid.UUID(int=7),
        tags={"b", "c", "a"},
        color=Color.green,
    )
    opaque = unpackb(packb(value, registry=registry), passthrough=True)
    assert opaque.name == "app.Stamped"
    assert opaque.data == {
        "at": datetime.datetime(2024, 1, 2, 3, 4, 5, 250000, tzinfo=datetime.timezone.utc),
        "id": uuid.UUID(int=7),
        "tags": {"a", "b", "c"},
        "color": 2,
    }
    bare = {"at": value.at, "id": value.id, "tags": {"c", "a", "b"}, "color": 2}
    model_bytes = packb(value, registry=registry)
    assert model_bytes.endswith(packb(bare)[1:])  # the data map after the type-ref, minus its map header
    assert roundtrip(value) == value


def test_swift_date_timestamps_still_validate_as_datetimes():
    swift = packb(OpaqueObject("app.Stamped", {
        "at": Timestamp(1704164645, 250000000), "id": uuid.UUID(int=7), "tags": {"a"}, "color": 2,
    }))
    decoded = unpackb(swift, registry=registry)
    assert decoded.at == datetime.datetime(2024, 1, 2, 3, 4, 5, 250000, tzinfo=datetime.timezone.utc)


def test_aliases_are_the_wire_keys_and_unregistered_nested_models_are_maps():
    value = Analysis(displayTitle="t", primary=CustomVariable(type="mean"), bounds=Bounds(low=0, high=1))
    opaque = unpackb(packb(value, registry=registry), passthrough=True)
    assert list(opaque.data) == ["displayTitle", "primary", "others", "by_name", "bounds", "extra"]
    assert opaque.data["bounds"] == {"low": 0.0, "high": 1.0}
    assert isinstance(opaque.data["primary"], OpaqueObject)  # a registered model stays an object
    assert opaque.data["primary"].data == {"type": "mean", "quantile": None}
    assert roundtrip(value) == value


def test_root_model():
    value = Scores([CustomVariable(type="mean"), CustomVariable(type="quantile", quantile=0.1)])
    decoded = roundtrip(value)
    assert type(decoded) is Scores and decoded == value


# MARK: Nesting and identity


def test_models_nest_in_lists_and_dicts():
    a = CustomVariable(type="quantile", quantile=0.25)
    b = CustomVariable(type="variance")
    message = {"args": [1, "x"], "kwargs": {"variables": [a, b], "by_name": {"a": a, "b": [b]}}}
    decoded = roundtrip(message)
    assert decoded == message
    variables = decoded["kwargs"]["variables"]
    assert [type(v) for v in variables] == [CustomVariable, CustomVariable]
    assert decoded["kwargs"]["by_name"]["a"] is variables[0]
    assert decoded["kwargs"]["by_name"]["b"][0] is variables[1]


def test_a_model_referenced_twice_is_sent_once_and_arrives_as_one_instance():
    v = CustomVariable(type="quantile", quantile=0.5)
    data = packb([v, v], registry=registry)
    assert data[:4] == bytes.fromhex("92 c7 34 50")
    assert data[-3:] == bytes.fromhex("d4 52 00")  # R: object 0
    first, second = unpackb(data, registry=registry)
    assert first is second and first == v


def test_registered_models_inside_models_keep_identity():
    v = CustomVariable(type="quantile", quantile=0.9)
    value = Analysis(displayTitle="t", primary=v, others=[v, v], by_name={"v": v}, extra=[v])
    data = packb(value, registry=registry)
    assert data.count(b"app.CustomVariable") == 1
    decoded = unpackb(data, registry=registry)
    assert decoded == value
    assert decoded.primary is decoded.others[0] is decoded.others[1] is decoded.by_name["v"] is decoded.extra[0]


# MARK: Errors


def test_validation_error_is_type_mismatch_with_the_path_into_the_data():
    good = CustomVariable(type="mean")
    bad = OpaqueObject("app.CustomVariable", {"type": "quantile", "quantile": 1.5})
    data = packb({"kwargs": {"variables": [good, bad]}}, registry=registry)
    with pytest.raises(PortableError) as caught:
        unpackb(data, registry=registry)
    error = caught.value
    assert error.code == "typeMismatch"
    assert error.path == "$.kwargs.variables[1].quantile"
    assert data[error.offset] == 0xC7 and data[error.offset + 2] == 0x50  # the P of the bad object
    assert "less than or equal to 1" in str(error)
    assert isinstance(error.__cause__, ValidationError)


def test_unknown_enum_value_and_non_map_data_are_type_mismatch():
    with pytest.raises(PortableError) as caught:
        unpackb(packb([OpaqueObject("app.CustomVariable", {"type": "median"})]), registry=registry)
    assert caught.value.code == "typeMismatch"
    assert caught.value.path == "$[0].type"
    with pytest.raises(PortableError) as caught:
        unpackb(packb({"v": OpaqueObject("app.CustomVariable", [1, 2])}), registry=registry)
    assert caught.value.code == "typeMismatch"
    assert caught.value.path == "$.v"
    with pytest.raises(PortableError) as caught:
        unpackb(packb(OpaqueObject("app.CustomVariable", {})), registry=registry)
    assert caught.value.code == "typeMismatch" and caught.value.path == "$"
    assert "type: Field required" in str(caught.value)


def test_errors_pickle_with_their_path():
    import pickle

    with pytest.raises(PortableError) as caught:
        unpackb(packb([OpaqueObject("app.CustomVariable", {"type": "x"})]), registry=registry)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.code, copy.path, copy.offset) == ("typeMismatch", "$[0].type", caught.value.offset)


def test_unserializable_value_is_cannot_serialize_with_path():
    value = Analysis(displayTitle="t", primary=CustomVariable(type="mean"), extra=object())
    with pytest.raises(PortableError) as caught:
        packb({"kwargs": {"input": value}}, registry=registry)
    assert caught.value.code == "cannotSerialize"
    assert caught.value.path == "$.kwargs.input.extra"


# MARK: Registration


def test_models_cannot_be_two_phase():
    with pytest.raises(TypeError, match="cannot be two-phase"):

        @portable_class("app.Cyclic", two_phase=True, registry=Registry())
        class Cyclic(BaseModel):
            x: int = 0


def test_registering_a_model_again_is_a_no_op_and_register_model_works():
    assert registry.register(CustomVariable, "app.CustomVariable") is CustomVariable
    other = Registry()
    assert register_model(CustomVariable, "x.Var", registry=other) is CustomVariable
    assert other.entry_for_class(CustomVariable).name == "x.Var"
    with pytest.raises(TypeError):
        register_model(int, registry=other)


def test_own_hooks_win_over_model_dump():
    local = Registry()

    @portable_class("app.Compact", registry=local)
    class Compact(BaseModel):
        x: int

        def __serialize__(self, global_data):
            return [self.x]

        @classmethod
        def __new_deserialized__(cls, data, global_data):
            return cls(x=data[0])

    assert packb(Compact(x=3), registry=local).endswith(b"\x91\x03")
    assert unpackb(packb(Compact(x=3), registry=local), registry=local) == Compact(x=3)


def test_the_decorator_as_written_in_the_brief_uses_the_default_registry():
    @portable_class("test.pydantic.DefaultVariable")
    class DefaultVariable(BaseModel):
        type: VariableType
        quantile: confloat(ge=0, le=1) | None = None

    assert default_registry.entry_for_class(DefaultVariable).name == "test.pydantic.DefaultVariable"
    value = DefaultVariable(type="quantile", quantile=0.5)
    assert unpackb(packb({"k": [value]})) == {"k": [value]}


# MARK: The direct serializer/validator calls and the all-scalar dump (speed work, issue 17)


class Scaled(BaseModel):
    """Overrides model_dump and model_validate: both must still be the ones used."""

    value: int
    note: str = ""

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        dumped = super().model_dump(**kwargs)
        dumped["value"] *= 10
        return dumped

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> "Scaled":  # type: ignore[override]
        return super().model_validate({**obj, "value": obj["value"] // 10, "note": "validated"}, **kwargs)


class Plain(BaseModel):
    kind: str
    ratio: float | None = None
    count: int = 1
    blob: bytes = b""
    flag: bool = False


def test_overridden_model_dump_and_model_validate_are_used():
    local = Registry()
    local.register(Scaled, "t.Scaled")
    data = packb([Scaled(value=4)], registry=local)
    assert data == packb([OpaqueObject("t.Scaled", {"value": 40, "note": ""})], registry=Registry())
    (back,) = unpackb(data, registry=local)
    assert back == Scaled(value=4, note="validated")


def test_all_scalar_dump_is_sent_as_model_dump_makes_it():
    local = Registry()
    local.register(Plain, "t.Plain")
    models = [Plain(kind="a"), Plain(kind="b", ratio=0.5, count=3, blob=b"\x00\xca", flag=True)]
    data = packb(models, registry=local)
    expected = [m.model_dump(mode="python", by_alias=True, round_trip=True) for m in models]
    assert data == packb([OpaqueObject("t.Plain", e) for e in expected], registry=Registry())
    assert unpackb(data, registry=local) == models


def test_a_registered_plain_type_in_a_scalar_field_still_travels_as_an_object():
    # A str subclass is not a plain type of the dump; registering it must keep it an object.
    class Code(str):
        pass

    class Holder(BaseModel):
        code: Any

    local = Registry()
    local.register(Holder, "t.Holder")
    local.register(Code, "t.Code", serialize=lambda c: str(c), deserialize=lambda d: Code(d))
    data = packb(Holder(code=Code("x")), registry=local)
    back = unpackb(data, registry=local)
    assert type(back.code) is Code and back.code == "x"


class _Color(str, Enum):
    red = "red"


class _OpenModel(BaseModel):
    model_config = pydantic.ConfigDict(extra="allow")
    a: int = 1


class _CustomDump(BaseModel):
    a: int = 1

    @pydantic.model_serializer
    def _dump(self) -> dict[Any, int]:
        return {_Color.red: self.a} if self.a > 1 else {"a": self.a}


@pytest.mark.parametrize("make", [
    lambda: _OpenModel.model_construct(a=2, **{"red": 5}),  # an extra field, its key made an enum member below
    lambda: _CustomDump(a=2),  # a model serializer writing an enum member as a key
], ids=["extra field", "model serializer"])
def test_an_enum_key_in_a_dump_becomes_its_value_after_all_scalar_dumps(make: Any) -> None:
    # After dumps of str keys and scalars only (which may let the encoder look at the values
    # alone), a dump whose key is an enum member still sends the member's value as the key.
    local = Registry()
    local.register(_OpenModel, "t.Open")
    local.register(_CustomDump, "t.CustomDump")
    for _ in range(3):
        packb([_OpenModel(a=2, b=3), _CustomDump(a=1)], registry=local)
    model = make()
    if isinstance(model, _OpenModel):
        model.__pydantic_extra__ = {_Color.red: 5}
        expected = {"a": 2, "red": 5}
    else:
        expected = {"red": 2}
    assert _Color.red in model.model_dump(mode="python", by_alias=True, round_trip=True)
    name = "t.Open" if isinstance(model, _OpenModel) else "t.CustomDump"
    assert packb(model, registry=local) == packb(OpaqueObject(name, expected), registry=Registry())


def test_registering_a_plain_type_after_dumps_is_seen_by_the_next_dump():
    """A plain type registered after some dumps (here Float32) travels as an object in the next one
    (_Dump keeps what it decided about a class per registry version)."""
    from portablewire import Float32

    class Stamped(BaseModel):
        model_config = pydantic.ConfigDict(arbitrary_types_allowed=True)
        kind: str
        at: Any = None

    local = Registry()
    local.register(Stamped, "t.Stamped")
    model = Stamped(kind="a", at=Float32(1.5))
    for _ in range(3):
        before = packb(model, registry=local)
    assert b"t.F" not in before.replace(b"t.Stamped", b"")  # a float32 value in the data
    local.register(Float32, "t.F", serialize=lambda f: float(f), deserialize=lambda x: Float32(x))
    after = packb(model, registry=local)
    assert b"t.F" in after.replace(b"t.Stamped", b"")
    back = unpackb(after, registry=local)
    assert type(back.at) is Float32 and back.at == 1.5

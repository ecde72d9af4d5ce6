# SPDX-License-Identifier: Apache-2.0
"""Well-known types: dates, times, durations, decimals, UUIDs, sets and tuples (Spec/well-known-types.md).

Each is a portable object under a reserved ``pw.`` name whose data is defined byte for byte by
the Spec, so every language reads the same bytes as its own native type:

    >>> import datetime
    >>> from portablewire import packb, unpackb
    >>> packb(datetime.date(2024, 5, 1)).hex(" ")
    'c7 0e 50 a7 70 77 2e 64 61 74 65 93 cd 07 e8 05 01'
    >>> unpackb(packb(datetime.date(2024, 5, 1)))
    datetime.date(2024, 5, 1)

A value this peer cannot hold exactly (a year outside 1...9999, nanoseconds that are not whole
microseconds) decodes as a :class:`GenericObject` with the name and data, never rounded and never an
error; it re-encodes to the same bytes. Data of the wrong shape is ``typeMismatch``.
"""

from __future__ import annotations

import datetime as _dt
import re
import uuid as _uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

__all__ = [
    "RESERVED_PREFIX",
    "DATE",
    "TIME",
    "LOCAL_DATE_TIME",
    "OFFSET_DATE_TIME",
    "DURATION",
    "DECIMAL",
    "UUID",
    "SET",
    "TUPLE",
    "NAMES",
]

#: Type names starting with this prefix are reserved for well-known types; registries refuse them.
RESERVED_PREFIX = "pw."

DATE = "pw.date"
TIME = "pw.time"
LOCAL_DATE_TIME = "pw.localDateTime"
OFFSET_DATE_TIME = "pw.offsetDateTime"
DURATION = "pw.duration"
DECIMAL = "pw.decimal"
UUID = "pw.uuid"
SET = "pw.set"
TUPLE = "pw.tuple"

#: Every well-known name defined by this version of the Spec.
NAMES = frozenset({DATE, TIME, LOCAL_DATE_TIME, OFFSET_DATE_TIME, DURATION, DECIMAL, UUID, SET, TUPLE})

#: The longest decimal text a decoder accepts (Spec/well-known-types.md, "decimal").
MAX_DECIMAL_TEXT = 4096

_DECIMAL_TEXT = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?(?:e(-?[0-9]+))?\Z")
_INT64 = (-(1 << 63), (1 << 63) - 1)


class Mismatch(Exception):
    """Data of the wrong shape for a well-known type (becomes ``typeMismatch``)."""


class Unrepresentable(Exception):
    """Valid data this peer cannot hold exactly (becomes a generic object)."""


# MARK: Encoding: value -> data


def _check_aware_offset(value: _dt.datetime) -> int:
    offset = value.utcoffset()
    assert offset is not None
    seconds = offset.days * 86400 + offset.seconds
    if offset.microseconds:
        raise ValueError("its UTC offset has microseconds; the well-known offset is whole seconds")
    return seconds


def datetime_data(value: _dt.datetime) -> tuple[str, list[int]]:
    """The name and data of a datetime: naive -> local date-time, aware -> offset date-time."""
    fields = [
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond * 1000,
    ]
    if value.tzinfo is None or value.utcoffset() is None:
        return LOCAL_DATE_TIME, fields
    fields.append(_check_aware_offset(value))
    return OFFSET_DATE_TIME, fields


def date_data(value: _dt.date) -> list[int]:
    return [value.year, value.month, value.day]


def time_data(value: _dt.time) -> list[int]:
    if value.tzinfo is not None:
        raise ValueError("a time of day with a time zone has no well-known form; send a datetime instead")
    return [value.hour, value.minute, value.second, value.microsecond * 1000]


def duration_data(value: _dt.timedelta) -> list[int]:
    # timedelta keeps days, seconds (0...86399) and microseconds (0...999999), so this is normalized.
    return [value.days * 86400 + value.seconds, value.microseconds * 1000]


def decimal_data(value: Decimal) -> str:
    """The canonical text of a Decimal: plain digits when the exponent is <= 0, else ``<digits>e<exp>``."""
    sign, digits, exponent = value.as_tuple()
    if exponent == "n" or exponent == "N":
        if sign or digits or exponent == "N":
            raise ValueError("only the quiet NaN without sign or payload has a well-known form")
        return "NaN"
    if exponent == "F":
        return "-Infinity" if sign else "Infinity"
    assert isinstance(exponent, int)
    text = "".join(map(str, digits)) or "0"
    if exponent > 0:
        text = f"{text}e{exponent}"
    elif exponent < 0:
        places = -exponent
        if len(text) <= places:
            text = "0" * (places - len(text) + 1) + text
        text = f"{text[:-places]}.{text[-places:]}"
    text = "-" + text if sign else text
    if len(text.encode()) > MAX_DECIMAL_TEXT:
        raise ValueError(f"its text form is longer than {MAX_DECIMAL_TEXT} bytes")
    return text


def uuid_data(value: _uuid.UUID) -> bytes:
    return value.bytes


# MARK: Decoding: data -> value


def _ints(data: object, count: int, name: str) -> list[int]:
    if type(data) is not list or len(data) != count or not all(type(item) is int for item in data):
        raise Mismatch(f"{name} data is an array of {count} integers, not {_describe(data)}")
    return data


def _describe(data: object) -> str:
    if type(data) is list:
        return f"an array of {len(data)} ({', '.join(type(item).__name__ for item in data[:8])})"
    return type(data).__name__


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _check_date(year: int, month: int, day: int, name: str) -> None:
    if not -(1 << 31) <= year < 1 << 31:
        raise Mismatch(f"{name} year {year} is outside -2^31...2^31-1")
    if not 1 <= month <= 12:
        raise Mismatch(f"{name} month {month} is outside 1...12")
    if not 1 <= day <= _days_in_month(year, month):
        raise Mismatch(f"{name} day {day} does not exist in {year:04}-{month:02}")
    if not 1 <= year <= 9999:
        raise Unrepresentable(f"year {year}")


def _check_time(hour: int, minute: int, second: int, nanosecond: int, name: str) -> None:
    if not 0 <= hour <= 23 or not 0 <= minute <= 59 or not 0 <= second <= 59:
        raise Mismatch(f"{name} time {hour}:{minute}:{second} is not a time of day (00:00:00...23:59:59)")
    if not 0 <= nanosecond <= 999_999_999:
        raise Mismatch(f"{name} nanoseconds {nanosecond} are outside 0...999999999")
    if nanosecond % 1000:
        raise Unrepresentable(f"{nanosecond} nanoseconds are not whole microseconds")


def decode_date(data: object) -> _dt.date:
    year, month, day = _ints(data, 3, DATE)
    _check_date(year, month, day, DATE)
    return _dt.date(year, month, day)


def decode_time(data: object) -> _dt.time:
    hour, minute, second, nanosecond = _ints(data, 4, TIME)
    _check_time(hour, minute, second, nanosecond, TIME)
    return _dt.time(hour, minute, second, nanosecond // 1000)


def decode_local_date_time(data: object) -> _dt.datetime:
    year, month, day, hour, minute, second, nanosecond = _ints(data, 7, LOCAL_DATE_TIME)
    _check_date(year, month, day, LOCAL_DATE_TIME)
    _check_time(hour, minute, second, nanosecond, LOCAL_DATE_TIME)
    return _dt.datetime(year, month, day, hour, minute, second, nanosecond // 1000)


_ZONES: dict[int, _dt.timezone] = {0: _dt.timezone.utc}


def decode_offset_date_time(data: object) -> _dt.datetime:
    year, month, day, hour, minute, second, nanosecond, offset = _ints(data, 8, OFFSET_DATE_TIME)
    _check_date(year, month, day, OFFSET_DATE_TIME)
    _check_time(hour, minute, second, nanosecond, OFFSET_DATE_TIME)
    if not -86399 <= offset <= 86399:
        raise Mismatch(f"{OFFSET_DATE_TIME} offset {offset} s is outside -86399...86399")
    zone = _ZONES.get(offset)
    if zone is None:
        zone = _ZONES.setdefault(offset, _dt.timezone(_dt.timedelta(seconds=offset)))
    return _dt.datetime(year, month, day, hour, minute, second, nanosecond // 1000, tzinfo=zone)


def decode_duration(data: object) -> _dt.timedelta:
    seconds, nanoseconds = _ints(data, 2, DURATION)
    if not _INT64[0] <= seconds <= _INT64[1]:
        raise Mismatch(f"{DURATION} seconds {seconds} are outside the int64 range")
    if not 0 <= nanoseconds <= 999_999_999:
        raise Mismatch(f"{DURATION} nanoseconds {nanoseconds} are outside 0...999999999")
    if nanoseconds % 1000:
        raise Unrepresentable(f"{nanoseconds} nanoseconds are not whole microseconds")
    try:
        return _dt.timedelta(seconds=seconds, microseconds=nanoseconds // 1000)
    except OverflowError:
        raise Unrepresentable(f"{seconds} seconds exceed timedelta's range") from None


def decode_decimal(data: object) -> Decimal:
    if type(data) is not str:
        raise Mismatch(f"{DECIMAL} data is a str, not {_describe(data)}")
    if len(data) > MAX_DECIMAL_TEXT:
        raise Mismatch(f"{DECIMAL} text is {len(data)} characters, more than {MAX_DECIMAL_TEXT}")
    if data in ("NaN", "Infinity", "-Infinity"):
        return Decimal(data)
    match = _DECIMAL_TEXT.match(data)
    if match is None:
        raise Mismatch(f"{DECIMAL} text {data[:40]!r} is not [-]digits[.digits][e[-]digits], NaN or [-]Infinity")
    sign, whole, fraction, exponent = match.groups()
    digits = (whole + (fraction or "")).lstrip("0") or "0"
    power = int(exponent or "0") - len(fraction or "")
    return Decimal((1 if sign else 0, tuple(map(int, digits)), power))


def decode_uuid(data: object) -> _uuid.UUID:
    if type(data) is not bytes or len(data) != 16:
        raise Mismatch(f"{UUID} data is a 16-byte bin, not {_describe(data)}")
    return _uuid.UUID(bytes=data)


def decode_tuple(data: object) -> tuple[Any, ...]:
    if type(data) is not list:
        raise Mismatch(f"{TUPLE} data is an array, not {_describe(data)}")
    return tuple(data)


def hashable(value: object) -> object:
    """``value`` made hashable where the wire allows it: sets become frozensets, inside tuples too."""
    if type(value) is set:
        return frozenset(value)
    if type(value) is tuple:
        return tuple(hashable(item) for item in value)
    return value


def decode_set(data: object) -> set[Any]:
    if type(data) is not list:
        raise Mismatch(f"{SET} data is an array, not {_describe(data)}")
    try:
        result = set(data)
    except TypeError:
        try:
            result = set(map(hashable, data))
        except TypeError as error:
            raise Mismatch(f"{SET} element cannot be a set element here: {error}") from None
    if len(result) != len(data):
        raise Mismatch(f"{SET} has {len(data)} elements but only {len(result)} distinct ones in Python")
    return result


#: name -> function turning decoded data into the native value.
DECODERS: dict[str, Callable[[object], object]] = {
    DATE: decode_date,
    TIME: decode_time,
    LOCAL_DATE_TIME: decode_local_date_time,
    OFFSET_DATE_TIME: decode_offset_date_time,
    DURATION: decode_duration,
    DECIMAL: decode_decimal,
    UUID: decode_uuid,
    SET: decode_set,
    TUPLE: decode_tuple,
}


# MARK: Encoder dispatch


class _SetData:
    """Marks a set's elements: the encoder orders them (canonically when they hold no objects)."""

    __slots__ = ("items",)

    def __init__(self, items: list[Any]) -> None:
        self.items = items


class _Invalid:
    """A value of a well-known Python type that has no well-known form (the encoder says why)."""

    __slots__ = ("reason", "hint")

    def __init__(self, reason: str, hint: str) -> None:
        self.reason = reason
        self.hint = hint


def _datetime(value: Any) -> tuple[str, object]:
    try:
        return datetime_data(value)
    except ValueError as error:
        return DATE, _Invalid(str(error), "round the offset to whole seconds")


def _time(value: Any) -> tuple[str, object]:
    try:
        return TIME, time_data(value)
    except ValueError as error:
        return TIME, _Invalid(str(error), "send a datetime, or the time without tzinfo")


def _decimal(value: Any) -> tuple[str, object]:
    try:
        return DECIMAL, decimal_data(value)
    except ValueError as error:
        return DECIMAL, _Invalid(str(error), "send a finite Decimal, NaN or Infinity")


_BY_TYPE: dict[type, Callable[[Any], tuple[str, object]]] = {
    _dt.datetime: _datetime,
    _dt.date: lambda value: (DATE, date_data(value)),
    _dt.time: _time,
    _dt.timedelta: lambda value: (DURATION, duration_data(value)),
    Decimal: _decimal,
    _uuid.UUID: lambda value: (UUID, value.bytes),
    set: lambda value: (SET, _SetData(list(value))),
    frozenset: lambda value: (SET, _SetData(list(value))),
    tuple: lambda value: (TUPLE, value),
}


def well_known(value: object) -> tuple[str, object] | None:
    """The well-known name and data for ``value``, or ``None`` when it is not of a well-known type.

    Subclasses count (a ``NamedTuple`` that is not registered travels as a tuple). The data is
    a :class:`_SetData` for sets and an :class:`_Invalid` when the value has no well-known form.
    """
    t = type(value)
    convert = _BY_TYPE.get(t)
    if convert is None:
        for base in _BY_TYPE:  # datetime before date: dict order
            if isinstance(value, base):
                convert = _BY_TYPE[base]
                break
        else:
            return None
    return convert(value)

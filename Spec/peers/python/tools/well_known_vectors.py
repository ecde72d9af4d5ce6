# SPDX-License-Identifier: Apache-2.0
"""Writes Spec/vectors/well-known/*.json from the hand-listed data below, with msgpack (not the peer).

A typing aid (Spec/README.md, "Writing vectors"): every case is listed here by hand, its bytes come
from the independent msgpack package, and the result is reviewed like any hand-written vector.
"""
import json
import uuid
from pathlib import Path

import msgpack

OUT = Path(__file__).resolve().parents[3] / "vectors" / "well-known"
from msgpack import ExtType
def hx(b): return b.hex(' ')
def P(typeref, data_bytes): return msgpack.packb(ExtType(0x50, msgpack.packb(typeref) + data_bytes))
def pb(v): return msgpack.packb(v, use_bin_type=True)
def note(v):
    if isinstance(v, bool) or v is None: return v
    if isinstance(v, int): return {"int": str(v)}
    if isinstance(v, str): return v
    if isinstance(v, bytes): return {"bin": v.hex()}
    if isinstance(v, list): return [note(x) for x in v]
    raise TypeError(v)
def obj(i, name, data): return {"portable": {"id": i, "type": name, "data": data}}
def valid(id, desc, name, data, extra=None):
    return {"id": id, "description": desc, "hex": hx(P(name, pb(data))), "value": obj(0, name, note(data)), "canonical": True, "passthrough": True}
def invalid(id, desc, name, data_bytes):
    return {"id": id, "description": desc, "hex": hx(P(name, data_bytes)), "error": "typeMismatch"}

dates = [
  valid("wk-date", "pw.date 2024-05-01: [2024, 5, 1]", "pw.date", [2024,5,1]),
  valid("wk-date-year-1", "pw.date 0001-01-01, the first day Python's date holds", "pw.date", [1,1,1]),
  valid("wk-date-year-9999", "pw.date 9999-12-31, the last day Python's date holds", "pw.date", [9999,12,31]),
  valid("wk-date-leap-day", "pw.date 2024-02-29 exists (2024 is a leap year)", "pw.date", [2024,2,29]),
  valid("wk-date-leap-day-2000", "pw.date 2000-02-29 exists (divisible by 400)", "pw.date", [2000,2,29]),
  valid("wk-date-year-0", "pw.date 0000-01-01 (1 BCE) is valid; a receiver whose date starts at year 1 keeps a generic object", "pw.date", [0,1,1]),
  valid("wk-date-year-negative", "pw.date -44-03-15 is valid (astronomical year numbering); int8 year", "pw.date", [-44,3,15]),
  valid("wk-time", "pw.time 13:45:30.25: nanoseconds 250000000", "pw.time", [13,45,30,250000000]),
  valid("wk-time-midnight", "pw.time 00:00:00", "pw.time", [0,0,0,0]),
  valid("wk-time-last-microsecond", "pw.time 23:59:59.999999", "pw.time", [23,59,59,999999000]),
  valid("wk-time-nanoseconds", "pw.time 23:59:59.999999999: finer than microseconds; such receivers keep a generic object", "pw.time", [23,59,59,999999999]),
  valid("wk-local-date-time", "pw.localDateTime 2024-05-01T13:45:30 (no zone)", "pw.localDateTime", [2024,5,1,13,45,30,0]),
  valid("wk-local-date-time-min", "pw.localDateTime 0001-01-01T00:00:00", "pw.localDateTime", [1,1,1,0,0,0,0]),
  valid("wk-local-date-time-max", "pw.localDateTime 9999-12-31T23:59:59.999999", "pw.localDateTime", [9999,12,31,23,59,59,999999000]),
  valid("wk-offset-date-time", "pw.offsetDateTime 2024-05-01T13:45:30+02:00: local reading and offset 7200 s", "pw.offsetDateTime", [2024,5,1,13,45,30,0,7200]),
  valid("wk-offset-date-time-negative", "pw.offsetDateTime 2024-05-01T08:15:00.5-05:30: offset -19800 s (int16)", "pw.offsetDateTime", [2024,5,1,8,15,0,500000000,-19800]),
  valid("wk-offset-date-time-utc", "pw.offsetDateTime at offset 0 is not an instant: it keeps its form", "pw.offsetDateTime", [2024,5,1,11,45,30,0,0]),
  valid("wk-offset-date-time-max-offset", "pw.offsetDateTime with offset 86399 s, the largest", "pw.offsetDateTime", [2024,5,1,0,0,0,0,86399]),
]
# Nested and repeated: type-ref indices and ids in wire order.
two = [2024,5,1]
second = msgpack.packb(ExtType(0x50, b"\x00" + pb([2025,1,2])))
dates.append({"id": "wk-date-twice-in-array", "description": "two pw.date values: ids 0 and 1; the second type-ref is index 0 (ext8 c7 07 50)",
  "hex": hx(b"\x92" + P("pw.date", pb(two)) + second),
  "value": [obj(0, "pw.date", note(two)), obj(1, "pw.date", note([2025,1,2]))], "canonical": True, "passthrough": True})
dates.append({"id": "wk-date-same-value-twice", "description": "one date value twice: written in full both times, never as a back-reference",
  "hex": hx(b"\x92" + P("pw.date", pb(two)) + msgpack.packb(ExtType(0x50, b"\x00" + pb(two)))),
  "value": [obj(0, "pw.date", note(two)), obj(1, "pw.date", note(two))], "canonical": True, "passthrough": True})
dates.append({"id": "wk-date-in-map", "description": "a pw.date as a map value: {\"when\": 2024-05-01}",
  "hex": hx(b"\x81" + pb("when") + P("pw.date", pb(two))),
  "value": {"map": [["when", obj(0, "pw.date", note(two))]]}, "canonical": True, "passthrough": True})
dates.append({"id": "wk-instant-is-the-timestamp", "description": "an instant is the timestamp ext (here 2024-05-01T00:00:00Z), not a P",
  "hex": hx(msgpack.packb(msgpack.Timestamp(1714521600))),
  "value": {"timestamp": {"seconds": "1714521600", "nanoseconds": 0}}, "canonical": True, "passthrough": True})

D = "pw.decimal"
numbers = [
  valid("wk-duration", "pw.duration -1.5 s: [-2, 500000000]", "pw.duration", [-2,500000000]),
  valid("wk-duration-zero", "pw.duration 0", "pw.duration", [0,0]),
  valid("wk-duration-minus-one-nanosecond", "pw.duration -1 ns: [-1, 999999999]; finer than microseconds", "pw.duration", [-1,999999999]),
  valid("wk-duration-one-day", "pw.duration 86400 s (uint32)", "pw.duration", [86400,0]),
  valid("wk-duration-max", "pw.duration with the largest seconds (2^63-1)", "pw.duration", [9223372036854775807,999999999]),
  valid("wk-duration-min", "pw.duration with the smallest seconds (-2^63)", "pw.duration", [-9223372036854775808,0]),
  valid("wk-decimal", "pw.decimal -10.50 keeps its trailing zero", D, "-10.50"),
  valid("wk-decimal-zero", "pw.decimal 0", D, "0"),
  valid("wk-decimal-negative-zero", "pw.decimal -0: the sign of zero is kept", D, "-0"),
  valid("wk-decimal-zero-scale", "pw.decimal 0.00: coefficient 0, exponent -2", D, "0.00"),
  valid("wk-decimal-small", "pw.decimal 0.005: a leading zero before the point", D, "0.005"),
  valid("wk-decimal-positive-exponent", "pw.decimal 15e3: coefficient 15, exponent 3", D, "15e3"),
  valid("wk-decimal-40-digits", "pw.decimal with 40 significant digits", D, "1234567890123456789012345678901234567890.5"),
  valid("wk-decimal-negative-exponent-42", "pw.decimal 1e-42 written plainly (exponent -42)", D, "0." + "0"*41 + "1"),
  valid("wk-decimal-nan", "pw.decimal NaN", D, "NaN"),
  valid("wk-decimal-infinity", "pw.decimal Infinity", D, "Infinity"),
  valid("wk-decimal-negative-infinity", "pw.decimal -Infinity", D, "-Infinity"),
  valid("wk-uuid", "pw.uuid 12345678-1234-5678-1234-567812345678: bin of 16 bytes in text order", "pw.uuid", uuid.UUID("12345678-1234-5678-1234-567812345678").bytes),
  valid("wk-uuid-nil", "pw.uuid 00000000-0000-0000-0000-000000000000", "pw.uuid", bytes(16)),
]
collections = [
  valid("wk-set", "pw.set {3, 1, 2}: elements sorted by their encodings, 01 02 03", "pw.set", [1,2,3]),
  valid("wk-set-empty", "pw.set of no elements", "pw.set", []),
  valid("wk-set-strs", "pw.set {'b', 'a', 'ab'}: sorted by encoding a1 61, a1 62, a2 61 62", "pw.set", ["a","b","ab"]),
  valid("wk-set-mixed", "pw.set {-1, 'x', None}: encodings 'a1 78', 'c0', 'ff' in byte order", "pw.set", ["x", None, -1]),
  valid("wk-tuple", "pw.tuple (1, 'a'): elements in order", "pw.tuple", [1,"a"]),
  valid("wk-tuple-empty", "pw.tuple ()", "pw.tuple", []),
]
tup = P("pw.tuple", pb([1,2]))
collections.append({"id": "wk-set-of-tuples", "description": "pw.set {(1, 2)}: the set is object 0, the tuple inside object 1",
  "hex": hx(P("pw.set", b"\x91" + tup)),
  "value": obj(0, "pw.set", [obj(1, "pw.tuple", note([1,2]))]), "canonical": True, "passthrough": True})
collections.append({"id": "wk-tuple-as-map-key", "description": "a pw.tuple as a map key: {(1, 2): 'x'}",
  "hex": hx(b"\x81" + tup + pb("x")),
  "value": {"map": [[obj(0, "pw.tuple", note([1,2])), "x"]]}, "canonical": True, "passthrough": True})
collections.append({"id": "wk-tuple-nested", "description": "a pw.tuple inside a pw.tuple: ((1,), 2); the inner type-ref is index 0",
  "hex": hx(P("pw.tuple", b"\x92" + msgpack.packb(ExtType(0x50, b"\x00" + pb([1]))) + b"\x02")),
  "value": obj(0, "pw.tuple", [obj(1, "pw.tuple", note([1])), {"int": "2"}]), "canonical": True, "passthrough": True})

inv = [
  invalid("wk-invalid-date-month-13", "pw.date [2024, 13, 1]: month outside 1..12", "pw.date", pb([2024,13,1])),
  invalid("wk-invalid-date-month-0", "pw.date [2024, 0, 1]: month outside 1..12", "pw.date", pb([2024,0,1])),
  invalid("wk-invalid-date-day-32", "pw.date [2024, 1, 32]: January has 31 days", "pw.date", pb([2024,1,32])),
  invalid("wk-invalid-date-feb-29-2023", "pw.date [2023, 2, 29]: 2023 is not a leap year", "pw.date", pb([2023,2,29])),
  invalid("wk-invalid-date-feb-29-1900", "pw.date [1900, 2, 29]: 1900 is divisible by 100, not by 400", "pw.date", pb([1900,2,29])),
  invalid("wk-invalid-date-two-elements", "pw.date [2024, 5]: 2 elements, not 3", "pw.date", pb([2024,5])),
  invalid("wk-invalid-date-str", "pw.date as the str '2024-05-01', not an array", "pw.date", pb("2024-05-01")),
  invalid("wk-invalid-date-float-field", "pw.date [2024, 5, 1.0]: a float is not an integer", "pw.date", pb([2024,5,1.0])),
  invalid("wk-invalid-date-year-2-pow-31", "pw.date year 2^31 is outside -2^31..2^31-1", "pw.date", pb([2**31,1,1])),
  invalid("wk-invalid-time-hour-24", "pw.time [24, 0, 0, 0]: hour outside 0..23", "pw.time", pb([24,0,0,0])),
  invalid("wk-invalid-time-second-60", "pw.time [23, 59, 60, 0]: no leap seconds", "pw.time", pb([23,59,60,0])),
  invalid("wk-invalid-time-nanosecond-1e9", "pw.time nanosecond 1000000000 is outside 0..999999999", "pw.time", pb([0,0,0,1000000000])),
  invalid("wk-invalid-time-negative-minute", "pw.time [0, -1, 0, 0]: minute outside 0..59", "pw.time", pb([0,-1,0,0])),
  invalid("wk-invalid-local-date-time-six-fields", "pw.localDateTime with 6 elements, not 7", "pw.localDateTime", pb([2024,5,1,0,0,0])),
  invalid("wk-invalid-offset-86400", "pw.offsetDateTime offset 86400 s is outside -86399..86399", "pw.offsetDateTime", pb([2024,5,1,0,0,0,0,86400])),
  invalid("wk-invalid-offset-missing", "pw.offsetDateTime with 7 elements (no offset)", "pw.offsetDateTime", pb([2024,5,1,0,0,0,0])),
  invalid("wk-invalid-duration-negative-nanoseconds", "pw.duration [0, -1]: nanoseconds are never negative", "pw.duration", pb([0,-1])),
  invalid("wk-invalid-duration-nanoseconds-1e9", "pw.duration [0, 1000000000]: nanoseconds outside 0..999999999", "pw.duration", pb([0,1000000000])),
  invalid("wk-invalid-duration-seconds-2-pow-63", "pw.duration seconds 2^63 is outside the int64 range", "pw.duration", pb([2**63,0])),
  invalid("wk-invalid-duration-three-elements", "pw.duration [1, 0, 0]: 3 elements, not 2", "pw.duration", pb([1,0,0])),
  invalid("wk-invalid-decimal-plus-sign", "pw.decimal '+1': the grammar has no plus sign", D, pb("+1")),
  invalid("wk-invalid-decimal-capital-e", "pw.decimal '1E5': the exponent mark is a lowercase e", D, pb("1E5")),
  invalid("wk-invalid-decimal-empty", "pw.decimal '': no digits", D, pb("")),
  invalid("wk-invalid-decimal-leading-point", "pw.decimal '.5': a digit must precede the point", D, pb(".5")),
  invalid("wk-invalid-decimal-trailing-point", "pw.decimal '5.': a digit must follow the point", D, pb("5.")),
  invalid("wk-invalid-decimal-negative-nan", "pw.decimal '-NaN': only the unsigned NaN", D, pb("-NaN")),
  invalid("wk-invalid-decimal-space", "pw.decimal ' 1': no spaces", D, pb(" 1")),
  invalid("wk-invalid-decimal-int", "pw.decimal as the integer 5, not a str", D, pb(5)),
  invalid("wk-invalid-uuid-15-bytes", "pw.uuid bin of 15 bytes, not 16", "pw.uuid", pb(bytes(15))),
  invalid("wk-invalid-uuid-str", "pw.uuid as its text form, not a 16-byte bin", "pw.uuid", pb("12345678-1234-5678-1234-567812345678")),
  invalid("wk-invalid-set-map", "pw.set data is a map, not an array", "pw.set", pb({"a": 1})),
  invalid("wk-invalid-set-duplicate", "pw.set [1, 1]: repeated element", "pw.set", pb([1,1])),
  invalid("wk-invalid-tuple-str", "pw.tuple data is a str, not an array", "pw.tuple", pb("ab")),
]
long_case = {"id": "wk-invalid-decimal-4097-bytes", "description": "pw.decimal text of 4097 digits: longer than 4096 bytes",
  "hexRepeat": {"prefix": "c9 00 00 10 0e 50 aa 70 77 2e 64 65 63 69 6d 61 6c da 10 01", "repeat": "31", "count": 4097, "suffix": ""}, "error": "typeMismatch"}
# payload = 11 (type-ref) + 3 (str16 header) + 4097 = 4111 = 0x100f -> ext16 c8 10 0f
long_case["hexRepeat"]["prefix"] = "c8 10 0f 50 aa 70 77 2e 64 65 63 69 6d 61 6c da 10 01"
inv.append(long_case)
ok_long = {"id": "wk-decimal-4096-bytes", "description": "pw.decimal text of exactly 4096 digits, the longest allowed",
  "hexRepeat": {"prefix": "c8 10 0e 50 aa 70 77 2e 64 65 63 69 6d 61 6c da 10 00", "repeat": "31", "count": 4096, "suffix": ""},
  "value": obj(0, D, "1"*4096), "canonical": True, "passthrough": True}
numbers.append(ok_long)

def write(name, desc, cases):
    doc = {"suite": f"well-known/{name}", "description": desc, "cases": cases}
    with open(OUT / f"{name}.json", "w") as f:
        f.write("{\n")
        f.write(f'  "suite": {json.dumps(doc["suite"])},\n  "description": {json.dumps(desc)},\n  "cases": [\n')
        f.write(",\n".join("    " + json.dumps(c, ensure_ascii=False) for c in cases))
        f.write("\n  ]\n}\n")
write("dates", "Well-known dates and times (Spec/well-known-types.md, section 4): pw.date, pw.time, pw.localDateTime, pw.offsetDateTime, and the instant.", dates)
write("numbers", "Well-known durations, decimals and UUIDs (Spec/well-known-types.md, sections 5 to 7).", numbers)
write("collections", "Well-known sets and tuples (Spec/well-known-types.md, section 8): canonical set order, ids and type indices inside.", collections)
write("invalid", "Well-known data of the wrong shape or out of range: typeMismatch for receivers that map the type natively (Spec/well-known-types.md, section 3 rule 7).", inv)
print(len(dates), len(numbers), len(collections), len(inv))

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Typing aid that wrote the vector files added in Spec 1.1 (Spec/format.md section 2).

    python3 Spec/tools/write_vectors_1_1.py        # rewrites the files listed in FILES

It writes encode/*.json, limits/*.json, streaming/*.json, invalid/portable-precedence.json and
portable/byte-names.json. Plain bytes come from Python ``msgpack`` (an implementation independent of
this project); ext layouts (P, Q, R, G) are spelled out below from portable-objects.md section 4;
every expected value and error is written here by hand from the Spec text, never taken from an
implementation under test. Review a change to this script like a change to hand-written vectors;
``check_vectors.py`` then checks the files against the schema and against ``msgpack``.
"""

from __future__ import annotations

import json
import pathlib

import msgpack

ROOT = pathlib.Path(__file__).resolve().parent.parent / "vectors"


# ---------------------------------------------------------------- bytes

def pk(value: object) -> bytes:
    return msgpack.packb(value, use_bin_type=True)


def ext(code: int, payload: bytes) -> bytes:
    """The canonical ext header (format.md 5, rule 7) and the payload."""
    n = len(payload)
    t = code & 0xFF
    fixed = {1: 0xD4, 2: 0xD5, 4: 0xD6, 8: 0xD7, 16: 0xD8}
    if n in fixed:
        return bytes([fixed[n], t]) + payload
    if n <= 0xFF:
        return bytes([0xC7, n, t]) + payload
    if n <= 0xFFFF:
        return bytes([0xC8]) + n.to_bytes(2, "big") + bytes([t]) + payload
    return bytes([0xC9]) + n.to_bytes(4, "big") + bytes([t]) + payload


def P(type_ref: str | int, data: bytes) -> bytes:
    return ext(80, pk(type_ref) + data)


def Q(type_ref: str | int, data: bytes) -> bytes:
    return ext(81, pk(type_ref) + data)


def R(object_id: int) -> bytes:
    return ext(82, pk(object_id))


def G(table: bytes, body: bytes) -> bytes:
    return ext(71, table + body)


def arr(*items: bytes) -> bytes:
    n = len(items)
    head = bytes([0x90 | n]) if n < 16 else b"\xdc" + n.to_bytes(2, "big")
    return head + b"".join(items)


def mp(*pairs: tuple[bytes, bytes]) -> bytes:
    n = len(pairs)
    return bytes([0x80 | n]) + b"".join(k + v for k, v in pairs)


def spaced(b: bytes) -> str:
    return " ".join(f"{x:02x}" for x in b)


NIL = b"\xc0"

# ---------------------------------------------------------------- notation

def I(n: int) -> dict:
    return {"int": str(n)}


def obj(object_id: int, name: str, data: object, two_phase: bool = False) -> dict:
    body: dict = {"id": object_id, "type": name}
    if two_phase:
        body["twoPhase"] = True
    body["data"] = data
    return {"portable": body}


def ref(n: int) -> dict:
    return {"ref": n}


def M(*pairs) -> dict:
    return {"map": [list(p) for p in pairs]}


# ---------------------------------------------------------------- cases

def valid(cid, desc, data: bytes, value, canonical=True, **extra):
    return {"id": cid, "description": desc, "hex": spaced(data), "value": value, "canonical": canonical, **extra}


def invalid(cid, desc, data: bytes, error, **extra):
    return {"id": cid, "description": desc, "hex": spaced(data), "error": error, **extra}


def enc(cid, desc, value, error="cannotSerialize", global_data=None):
    request: dict = {"value": value}
    if global_data is not None:
        request["globalData"] = global_data
    return {"id": cid, "description": desc, "encode": request, "error": error}


def stream(cid, desc, chunks: list[bytes], messages: list, error: str | None = None, **extra):
    case = {"id": cid, "description": desc, "chunks": [spaced(c) for c in chunks], "messages": messages}
    if error:
        case["error"] = error
    case.update(extra)
    return case


def split(data: bytes, *cuts: int) -> list[bytes]:
    points = [0, *cuts, len(data)]
    return [data[a:b] for a, b in zip(points, points[1:])]


def bytewise(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


# ================================================================= encode/

def encode_notation() -> list:
    ok_int = I(1)
    return [
        enc("notation-bare-number", "a bare JSON number is never a value (12.2 rule 2)", 1),
        enc("notation-bare-number-in-array", "a bare number inside an array; the path is $[1]", [I(1), 2]),
        enc("notation-int-leading-zero", "int \"01\": decimal strings have no leading zeros (12.2 rule 3)", {"int": "01"}),
        enc("notation-int-negative-zero", "int \"-0\" is not a decimal string of the notation (12.2 rule 3)", {"int": "-0"}),
        enc("notation-int-plus-sign", "int \"+1\": no + sign (12.2 rule 3)", {"int": "+1"}),
        enc("notation-int-space", "int \" 1\": no spaces (12.2 rule 3)", {"int": " 1"}),
        enc("notation-int-above-range", "int 2^64 is outside -2^63..2^64-1 (12.2 rule 3)", {"int": "18446744073709551616"}),
        enc("notation-int-below-range", "int -2^63-1 is outside -2^63..2^64-1 (12.2 rule 3)", {"int": "-9223372036854775809"}),
        enc("notation-int-as-json-number", "int takes a decimal string, not a JSON number", {"int": 1}),
        enc("notation-float32-uppercase-hex", "float32 bits in uppercase hex (12.2 rule 4)", {"float32": "0x3F800000"}),
        enc("notation-float32-six-digits", "float32 bits with 6 instead of 8 digits (12.2 rule 4)", {"float32": "0x3f8000"}),
        enc("notation-float64-no-prefix", "float64 bits without 0x (12.2 rule 4)", {"float64": "3ff0000000000000"}),
        enc("notation-float64-decimal", "float64 as a decimal text instead of bits (12.2 rule 4)", {"float64": "1.0"}),
        enc("notation-bin-uppercase-hex", "bin in uppercase hex (12.2 rule 5)", {"bin": "0A"}),
        enc("notation-bin-odd-digits", "bin with an odd number of hex digits (12.2 rule 5)", {"bin": "0"}),
        enc("notation-bin-spaced-hex", "bin with a space between the pairs (12.2 rule 5)", {"bin": "00 ff"}),
        enc("notation-ext-type-minus-one", "ext type -1 is a timestamp, never an ext (12.2 rule 8)", {"ext": {"type": -1, "data": "00000000"}}),
        enc("notation-ext-type-128", "ext type 128 is outside -128..127 (12.2 rule 2)", {"ext": {"type": 128, "data": ""}}),
        enc("notation-ext-type-string", "ext type as a string (12.2 rule 2)", {"ext": {"type": "5", "data": ""}}),
        enc("notation-ext-type-fraction", "ext type 5.0 has a fraction (12.2 rule 2)", {"ext": {"type": 5.0, "data": ""}}),
        enc("notation-ext-extra-member", "ext with a member other than type and data (12.2 rule 1)", {"ext": {"type": 5, "data": "", "x": True}}),
        enc("notation-ext-data-uppercase", "ext data in uppercase hex (12.2 rule 5)", {"ext": {"type": 5, "data": "AB"}}),
        enc("notation-timestamp-nanoseconds-1e9", "timestamp nanoseconds 10^9 is outside 0..999999999 (12.2 rule 2)", {"timestamp": {"seconds": "0", "nanoseconds": 1000000000}}),
        enc("notation-timestamp-nanoseconds-negative", "timestamp nanoseconds -1 (12.2 rule 2)", {"timestamp": {"seconds": "0", "nanoseconds": -1}}),
        enc("notation-timestamp-nanoseconds-negative-zero", "timestamp nanoseconds -0 where an integer is required (12.2 rule 2: no -0)", {"timestamp": {"seconds": "0", "nanoseconds": "__NEG_ZERO__"}}),
        enc("notation-timestamp-seconds-leading-zero", "timestamp seconds \"01\" (12.2 rule 3)", {"timestamp": {"seconds": "01", "nanoseconds": 0}}),
        enc("notation-timestamp-seconds-above-range", "timestamp seconds 2^63 is outside -2^63..2^63-1 (12.2 rule 3)", {"timestamp": {"seconds": "9223372036854775808", "nanoseconds": 0}}),
        enc("notation-timestamp-nanoseconds-exponent", "timestamp nanoseconds 1e3 has an exponent (12.2 rule 2)", {"timestamp": {"seconds": "0", "nanoseconds": "__1E3__"}}),
        enc("notation-timestamp-missing-member", "timestamp without nanoseconds (12.2 rule 1)", {"timestamp": {"seconds": "0"}}),
        enc("notation-two-tags", "an object with two tags (12.2 rule 1)", {"int": "1", "bin": ""}),
        enc("notation-unknown-tag", "an unknown tag (12.2 rule 1)", {"integer": "1"}),
        enc("notation-empty-object", "an object with no tag (12.2 rule 1)", {}),
        enc("notation-map-pair-of-three", "a map entry with three elements (12.2 rule 7)", {"map": [["a", ok_int, ok_int]]}),
        enc("notation-map-not-array", "a map whose body is an object (12.2 rule 7)", {"map": {"a": ok_int}}),
        enc("notation-lone-high-surrogate", "a str holding a lone high surrogate escape \\ud800 (12.2 rule 6)", "a\ud800b"),
        enc("notation-lone-low-surrogate", "a str holding a lone low surrogate escape \\udc00 (12.2 rule 6)", "\udc00"),
        enc("notation-lone-surrogate-map-key", "a map key holding a lone surrogate (12.2 rule 6)", {"map": [["k\ud83d", ok_int]]}),
        enc("notation-swapped-surrogates", "a low surrogate before a high one is two lone surrogates (12.2 rule 6)", "\udc00\ud800"),
        enc("encode-integer-bigger-than-uint64", "no wire form for 2^64+1 (format.md 5: cannotSerialize)", [{"int": "18446744073709551617"}]),
    ]


def encode_portable() -> list:
    a = lambda i, data=None: obj(i, "app.A", data)
    return [
        enc("portable-notation-two-phase-false", "twoPhase is true or absent, never false (12.2 rule 9)", {"portable": {"id": 0, "type": "app.A", "twoPhase": False, "data": None}}),
        enc("portable-notation-two-phase-string", "twoPhase as the string \"true\" (12.2 rule 9)", {"portable": {"id": 0, "type": "app.A", "twoPhase": "true", "data": None}}),
        enc("portable-notation-first-id-one", "the first object has id 1 instead of 0 (conformance.md 4)", a(1)),
        enc("portable-notation-ids-swapped", "ids 1 then 0: ids count in wire order (conformance.md 4)", [a(1), a(0)]),
        enc("portable-notation-id-repeated", "two objects with id 0 (conformance.md 4)", [a(0), a(0)]),
        enc("portable-notation-nested-id-skips", "a nested object numbered 2 after object 0 (pre-order ids, portable-objects.md 6)", a(0, [a(2)])),
        enc("portable-notation-global-data-ids-first", "global data holds object 1 while the body holds object 0: global data comes first", a(0), global_data=[["k", a(1)]]),
        enc("portable-notation-id-string", "an id written as a string (12.2 rule 2)", {"portable": {"id": "0", "type": "app.A", "data": None}}),
        enc("portable-notation-id-negative-zero", "id -0 (12.2 rule 2: no -0)", {"portable": {"id": "__NEG_ZERO__", "type": "app.A", "data": None}}),
        enc("portable-notation-forward-ref", "a ref to an object defined after it (conformance.md 4)", [ref(0), a(0)]),
        enc("portable-notation-ref-to-missing", "a ref to an id no object has", [a(0), ref(1)]),
        enc("portable-notation-ref-negative", "ref -1 (12.2 rule 2)", [a(0), {"ref": -1}]),
        enc("portable-notation-ref-string", "ref \"0\" (12.2 rule 2)", [a(0), {"ref": "0"}]),
        enc("portable-notation-missing-data", "a portable without data (12.2 rule 1)", {"portable": {"id": 0, "type": "app.A"}}),
        enc("portable-notation-extra-member", "a portable with a member not in id, type, twoPhase, data (12.2 rule 1)", {"portable": {"id": 0, "type": "app.A", "data": None, "name": "x"}}),
        enc("portable-notation-type-not-string", "a portable whose type is an int notation", {"portable": {"id": 0, "type": I(1), "data": None}}),
        enc("portable-notation-empty-type-name", "the empty type name cannot be sent (portable-objects.md 3.1)", obj(0, "", None)),
        enc("portable-notation-type-lone-surrogate", "a type name holding a lone surrogate (12.2 rule 6)", obj(0, "app.\ud800", None)),
        enc("global-data-notation-duplicate-key", "the global data key \"k\" twice (portable-objects.md 9.1: keys are unique)", None, global_data=[["k", I(1)], ["k", I(2)]]),
        enc("global-data-notation-key-not-string", "a global data key that is an int notation", None, global_data=[[I(1), I(1)]]),
        enc("global-data-notation-pair-of-one", "a global data entry with one element", None, global_data=[["k"]]),
        enc("global-data-notation-not-array", "global data as an object instead of pairs", None, global_data={"k": I(1)}),
        enc("encode-ext-type-80-is-portable", "a generic ext of type 80 would read back as a portable object (format.md 8)", {"ext": {"type": 80, "data": "a0c0"}}),
        enc("encode-ext-type-81-is-portable", "a generic ext of type 81 (Q) (format.md 8)", {"ext": {"type": 81, "data": "a0c0"}}),
        enc("encode-ext-type-82-is-portable", "a generic ext of type 82 (R) (format.md 8)", {"ext": {"type": 82, "data": "00"}}),
        enc("encode-ext-type-71-is-portable", "a generic ext of type 71 (G) (format.md 8)", [{"ext": {"type": 71, "data": "80c0"}}]),
        enc("encode-cycle-self", "an ordinary object whose data holds a ref to itself (portable-objects.md 8.1)", a(0, [ref(0)]), "cycleDetected"),
        enc("encode-cycle-through-two", "object 0 holds object 1 which refers back to 0, neither two-phase", a(0, M(("child", a(1, M(("parent", ref(0))))))), "cycleDetected"),
        enc("encode-cycle-ordinary-inside-two-phase", "a two-phase object holding an ordinary one that refers to itself", obj(0, "app.N", [a(1, [ref(1)])], True), "cycleDetected"),
        enc("encode-cycle-in-global-data", "a cycle among ordinary objects inside global data", None, "cycleDetected", global_data=[["k", a(0, [ref(0)])]]),
        enc("names-notation-duplicate-key-nfc", "the global data key \"caf\\u00e9\" twice in the same (NFC) spelling is a duplicate", None, global_data=[["caf\u00e9", I(1)], ["caf\u00e9", I(2)]]),
    ]


# ================================================================= limits/

def limits_plain() -> list:
    L = lambda **kw: {"limits": kw}
    return [
        valid("limit-depth-2-at-limit", "two nested arrays with maxDepth 2", bytes.fromhex("9191c0"), [[None]], **L(maxDepth=2)),
        invalid("limit-depth-2-one-past", "an empty array as the third container with maxDepth 2; offset 2", bytes.fromhex("919190"), "limitExceeded", **L(maxDepth=2)),
        invalid("limit-depth-2-in-map-key", "a map holding an array key holding an array, maxDepth 2; offset 2", bytes.fromhex("819190c0"), "limitExceeded", **L(maxDepth=2)),
        valid("limit-depth-0-scalar", "maxDepth 0 still allows a scalar message", NIL, None, **L(maxDepth=0)),
        invalid("limit-depth-0-empty-array", "maxDepth 0 rejects even an empty array; offset 0", bytes.fromhex("90"), "limitExceeded", **L(maxDepth=0)),
        valid("limit-depth-timestamp-not-container", "a timestamp inside one array with maxDepth 1: timestamps are scalars", bytes.fromhex("91d6ff00000001"), [{"timestamp": {"seconds": "1", "nanoseconds": 0}}], **L(maxDepth=1)),
        valid("limit-message-bytes-at-limit", "a 3-byte message with maxMessageByteCount 3", bytes.fromhex("920102"), [I(1), I(2)], **L(maxMessageByteCount=3)),
        invalid("limit-message-bytes-one-past", "a 4-byte message with maxMessageByteCount 3; offset 0", bytes.fromhex("93010203"), "limitExceeded", **L(maxMessageByteCount=3)),
        invalid("limit-message-bytes-before-truncated", "a 2-byte truncated input with maxMessageByteCount 1: the size check comes before decoding; offset 0", bytes.fromhex("cd01"), "limitExceeded", **L(maxMessageByteCount=1)),
        invalid("limit-message-bytes-before-trailing", "2 bytes (nil then nil) with maxMessageByteCount 1: size first, not trailingBytes; offset 0", bytes.fromhex("c0c0"), "limitExceeded", **L(maxMessageByteCount=1)),
        valid("limit-payload-str-at-limit", "a 3-byte str with maxPayloadByteCount 3", bytes.fromhex("a3616263"), "abc", **L(maxPayloadByteCount=3)),
        invalid("limit-payload-str-one-past", "a 4-byte str with maxPayloadByteCount 3; offset 0", bytes.fromhex("a461626364"), "limitExceeded", **L(maxPayloadByteCount=3)),
        valid("limit-payload-bin-at-limit", "a 3-byte bin with maxPayloadByteCount 3", bytes.fromhex("c403010203"), {"bin": "010203"}, **L(maxPayloadByteCount=3)),
        invalid("limit-payload-bin-one-past", "a 4-byte bin with maxPayloadByteCount 3; offset 1 (inside the array)", bytes.fromhex("91c40401020304"), "limitExceeded", **L(maxPayloadByteCount=3)),
        valid("limit-payload-ext-at-limit", "a 3-byte ext payload with maxPayloadByteCount 3", bytes.fromhex("c70305010203"), {"ext": {"type": 5, "data": "010203"}}, **L(maxPayloadByteCount=3)),
        invalid("limit-payload-ext-one-past", "a fixext4 payload with maxPayloadByteCount 3; offset 0", bytes.fromhex("d60501020304"), "limitExceeded", **L(maxPayloadByteCount=3)),
        invalid("limit-payload-timestamp-one-past", "a timestamp32 is a 4-byte ext payload: over maxPayloadByteCount 3; offset 0", bytes.fromhex("d6ff00000001"), "limitExceeded", **L(maxPayloadByteCount=3)),
        invalid("limit-payload-truncated-first", "a 4-byte str with 1 byte present, maxPayloadByteCount 3: truncated is checked before the limit (6.4); offset 1", bytes.fromhex("a461"), "truncated", **L(maxPayloadByteCount=3)),
        valid("limit-elements-array-at-limit", "a 2-element array with maxElementCount 2", bytes.fromhex("920102"), [I(1), I(2)], **L(maxElementCount=2)),
        invalid("limit-elements-array-one-past", "a 3-element array with maxElementCount 2; offset 0", bytes.fromhex("93010203"), "limitExceeded", **L(maxElementCount=2)),
        valid("limit-elements-map-at-limit", "a 2-entry map with maxElementCount 2: entries count, not keys and values", bytes.fromhex("8201020304"), M((I(1), I(2)), (I(3), I(4))), **L(maxElementCount=2)),
        invalid("limit-elements-map-one-past", "a 3-entry map with maxElementCount 2; offset 0", bytes.fromhex("83010203040506"), "limitExceeded", **L(maxElementCount=2)),
        invalid("limit-elements-nested-one-past", "an inner 3-element array with maxElementCount 2; offset 2", bytes.fromhex("920193010203"), "limitExceeded", **L(maxElementCount=2)),
        invalid("limit-elements-truncated-first", "array16 of 5 with 1 byte left, maxElementCount 2: truncated before the limit (6.4); offset 3", bytes.fromhex("dc000501"), "truncated", **L(maxElementCount=2)),
        invalid("limit-elements-before-depth", "an inner array over both maxElementCount 2 and maxDepth 1: the count is checked before the depth (6.4), both limitExceeded; offset 1", bytes.fromhex("9193010203"), "limitExceeded", **L(maxElementCount=2, maxDepth=1)),
    ]


A, B, C = "app.A", "app.B", "app.C"


def limits_portable() -> list:
    L = lambda **kw: {"limits": kw}
    pa0 = P(A, NIL)  # first app.A: the name as a str
    pa = P(0, NIL)  # later app.A: index 0
    return [
        valid("limit-objects-at-limit", "two objects with maxObjectCount 2", arr(pa0, pa), [obj(0, A, None), obj(1, A, None)], **L(maxObjectCount=2)),
        invalid("limit-objects-one-past", "a third object with maxObjectCount 2; offset 15 (its P)", arr(pa0, pa, pa), "limitExceeded", **L(maxObjectCount=2)),
        invalid("limit-objects-nested-one-past", "the third object nested inside the second, maxObjectCount 2; offset 13", P(A, P(0, P(0, NIL))), "limitExceeded", **L(maxObjectCount=2)),
        invalid("limit-objects-count-global-data", "one object in global data and two in the body with maxObjectCount 2: one count per message", G(mp((pk("k"), pa0)), arr(pa, pa)), "limitExceeded", **L(maxObjectCount=2)),
        valid("limit-objects-zero-plain", "maxObjectCount 0 with no objects", bytes.fromhex("9101"), [I(1)], **L(maxObjectCount=0)),
        valid("limit-references-at-limit", "two back-references with maxReferenceCount 2", arr(pa0, R(0), R(0)), [obj(0, A, None), ref(0), ref(0)], **L(maxReferenceCount=2)),
        invalid("limit-references-one-past", "a third back-reference with maxReferenceCount 2; offset 17", arr(pa0, R(0), R(0), R(0)), "limitExceeded", **L(maxReferenceCount=2)),
        invalid("limit-references-before-dangling", "a second R that is over maxReferenceCount 1 and dangling: the limit is checked first (7.3); offset 14", arr(pa0, R(0), R(5)), "limitExceeded", **L(maxReferenceCount=1)),
        valid("limit-type-names-at-limit", "two type names with maxTypeNameCount 2", arr(P(A, NIL), P(B, NIL)), [obj(0, A, None), obj(1, B, None)], **L(maxTypeNameCount=2)),
        invalid("limit-type-names-one-past", "a third type name with maxTypeNameCount 2; offset 24 (the str app.C)", arr(P(A, NIL), P(B, NIL), P(C, NIL)), "limitExceeded", **L(maxTypeNameCount=2)),
        valid("limit-type-names-repeated-str-not-counted", "app.A sent again as a str does not enter the table twice, so maxTypeNameCount 2 holds", arr(P(A, NIL), P(B, NIL), P(A, NIL)), [obj(0, A, None), obj(1, B, None), obj(2, A, None)], canonical=False, **L(maxTypeNameCount=2)),
        invalid("limit-type-names-unknown-counted", "an unknown name enters the table too (5): the third name is over maxTypeNameCount 2 under passthrough; offset 24", arr(P(A, NIL), P("app.X", NIL), P(C, NIL)), "limitExceeded", passthrough=True, **L(maxTypeNameCount=2)),
        valid("limit-global-data-at-limit", "two global-data entries with maxGlobalDataCount 2", G(mp((pk("a"), b"\x01"), (pk("b"), b"\x02")), NIL), None, globalData=[["a", I(1)], ["b", I(2)]], **L(maxGlobalDataCount=2)),
        invalid("limit-global-data-one-past", "three global-data entries with maxGlobalDataCount 2; offset 3 (the table)", G(mp((pk("a"), b"\x01"), (pk("b"), b"\x02"), (pk("c"), b"\x03")), NIL), "limitExceeded", **L(maxGlobalDataCount=2)),
        invalid("limit-global-data-before-key-kind", "three entries (limit 2) whose first key is not a str: the entry count is checked at the table header, first; offset 3", G(mp((b"\x01", b"\x01"), (pk("b"), b"\x02"), (pk("c"), b"\x03")), NIL), "limitExceeded", **L(maxGlobalDataCount=2)),
        valid("limit-depth-object-at-limit", "an object (depth 1) whose data is an array (depth 2), maxDepth 2", P(A, arr(NIL)), obj(0, A, [None]), **L(maxDepth=2)),
        invalid("limit-depth-object-one-past", "an object holding an array holding an empty array, maxDepth 2; offset 10", P(A, arr(arr())), "limitExceeded", **L(maxDepth=2)),
        valid("limit-depth-global-data-table-at-limit", "G (depth 1) and its table map (depth 2) holding a scalar, maxDepth 2 (portable-objects.md 9.4)", G(mp((pk("k"), NIL)), NIL), None, globalData=[["k", None]], **L(maxDepth=2)),
        invalid("limit-depth-global-data-value-one-past", "an empty array as a global-data value sits at depth 3 (G 1, table 2), maxDepth 2; offset 6", G(mp((pk("k"), arr())), NIL), "limitExceeded", **L(maxDepth=2)),
        valid("limit-depth-global-data-body-at-limit", "the body of G sits at depth 2, so an array body is within maxDepth 2", G(mp((pk("k"), NIL)), arr(NIL)), [None], globalData=[["k", None]], **L(maxDepth=2)),
        invalid("limit-depth-global-data-body-one-past", "an array inside the array body of G is depth 3, maxDepth 2; offset 8", G(mp((pk("k"), NIL)), arr(arr())), "limitExceeded", **L(maxDepth=2)),
        valid("limit-expansion-zero-identity-objects", "generic objects are identities: back-references charge no expansion, so maxExpansion 0 holds (7.4)", arr(pa0, R(0), R(0)), [obj(0, A, None), ref(0), ref(0)], **L(maxExpansion=0)),
        valid("limit-payload-object-at-limit", "an object whose ext payload is 7 bytes with maxPayloadByteCount 7", P(A, NIL), obj(0, A, None), **L(maxPayloadByteCount=7)),
        invalid("limit-payload-object-one-past", "an object whose ext payload is 7 bytes with maxPayloadByteCount 6; offset 0", P(A, NIL), "limitExceeded", **L(maxPayloadByteCount=6)),
    ]


# ================================================================= precedence and names

def precedence() -> list:
    return [
        invalid("c1-as-type-ref", "c1 where a type-ref belongs: a kind-restricted slot judges the first byte, and c1 begins no str or uint (portable-objects.md 11.3); offset 2", bytes.fromhex("d550c1c0"), "malformedPortable"),
        invalid("c1-as-object-data", "c1 as an object's data, a slot of any kind: invalidFormatByte as in format.md 6.3; offset 9", P(A, b"\xc1"), "invalidFormatByte"),
        invalid("c1-as-global-data-value", "c1 as a global-data value, a slot of any kind: invalidFormatByte; offset 5", bytes.fromhex("c7054781a16bc1c0"), "invalidFormatByte"),
        invalid("c1-as-global-data-body", "c1 as the body of G, a slot of any kind: invalidFormatByte; offset 6", G(mp((pk("k"), NIL)), b"\xc1"), "invalidFormatByte"),
        invalid("c1-as-reference-payload", "c1 as the one value of an R payload, which must be a uint: malformedPortable (11.3); offset 2", bytes.fromhex("d452c1"), "malformedPortable"),
        invalid("c1-as-global-data-table", "c1 where the global-data table (a map) belongs: malformedPortable (11.3); offset 2", bytes.fromhex("d547c1c0"), "malformedPortable"),
        invalid("c1-as-global-data-key", "c1 as a global-data key, which must be a str: malformedPortable (11.3); offset 3", bytes.fromhex("d64781c1c0c0"), "malformedPortable"),
        invalid("type-ref-reference-kind-first", "a type-ref that is an R ext: wrong kind, known from its first byte, before the R is read (11.3), so not danglingReference; offset 2", bytes.fromhex("d650d45200c0"), "malformedPortable"),
        invalid("type-ref-array-holding-c1", "a type-ref that is an array holding c1: wrong kind at the array's header, before its elements; offset 2", bytes.fromhex("d65092c1c0c0"), "malformedPortable"),
        invalid("reference-payload-map-holding-c1", "an R whose payload is a map holding c1: wrong kind at the map's header; offset 2", bytes.fromhex("d55281c1"), "malformedPortable"),
        invalid("reference-payload-object-kind-first", "an R whose payload is a P: wrong kind at its header, before the P is decoded; offset 2", ext(82, P(A, NIL)), "malformedPortable"),
        invalid("empty-type-name", "a type-ref that is the empty str: type names are non-empty (3.1); offset 2", bytes.fromhex("d550a0c0"), "malformedPortable"),
        invalid("empty-type-name-passthrough", "the empty type name is malformed under passthrough too; offset 2", bytes.fromhex("d550a0c0"), "malformedPortable", passthrough=True),
        invalid("global-data-nested-before-table", "a G inside an array whose table is not a map: the position is checked first (11.3); offset 1", bytes.fromhex("91d54701c0"), "malformedPortable"),
        invalid("global-data-depth-before-table-kind", "G at the top with maxDepth 0: the depth check comes before the table is read; offset 0", bytes.fromhex("d54701c0"), "limitExceeded", limits={"maxDepth": 0}),
        invalid("global-data-key-kind-before-value", "a non-str key whose value is c1: the key's kind is checked when the key is read; offset 3", bytes.fromhex("d64781c3c1c0"), "malformedPortable"),
        invalid("global-data-duplicate-before-value", "a repeated key whose value is c1: the repetition is found when the key is read; offset 6", bytes.fromhex("d74782a16bc0a16bc1c0"), "malformedPortable"),
        invalid("global-data-value-error-before-body", "a dangling R in a global-data value, then a missing body: the value's defect comes first; offset 6", bytes.fromhex("c7064781a16bd45201"), "danglingReference"),
        invalid("global-data-position-before-depth", "a G inside an array with maxDepth 1: its position is checked before its depth; offset 1", bytes.fromhex("91d54780c0"), "malformedPortable", limits={"maxDepth": 1}),
    ]


NFC = "caf\u00e9"
NFD = "cafe\u0301"


def byte_names() -> list:
    nfc = P(NFC, NIL)
    nfd = P(NFD, NIL)
    return [
        valid("names-nfc-and-nfd-are-two-types", "\"caf\\u00e9\" (NFC) and \"cafe\\u0301\" (NFD) are two names, indices 0 and 1; the third object is the NFD type (3.1, 5)", arr(nfc, nfd, P(1, NIL)), [obj(0, NFC, None), obj(1, NFD, None), obj(2, NFD, None)]),
        valid("names-nfd-first-then-nfc", "the same names in the other order; index 0 is the NFD name", arr(nfd, nfc, P(0, NIL)), [obj(0, NFD, None), obj(1, NFC, None), obj(2, NFD, None)]),
        valid("names-nfc-nfd-with-name-between", "NFC, another name, then NFD: the NFD object is its own type at index 2", arr(nfc, P(A, NIL), nfd, P(2, NIL)), [obj(0, NFC, None), obj(1, A, None), obj(2, NFD, None), obj(3, NFD, None)]),
        invalid("names-case-differs-unknown", "\"Caf\\u00e9\" differs from a registered name only by case: names are never case-folded (3.1), so unknownType; offset 0", P("Caf\u00e9", NIL), "unknownType"),
    ]


def map_order() -> list:
    return [
        valid("names-global-data-keys-nfc-and-nfd", "global-data keys that differ only by normalization are two keys, not a duplicate (9.4)", G(mp((pk(NFC), b"\x01"), (pk(NFD), b"\x02")), NIL), None, globalData=[[NFC, I(1)], [NFD, I(2)]]),
        valid("names-map-keys-nfc-and-nfd", "a map with both spellings as keys keeps two entries (format.md 3)", mp((pk(NFC), b"\x01"), (pk(NFD), b"\x02")), M((NFC, I(1)), (NFD, I(2)))),
        valid("names-passthrough-nfc-and-nfd", "under passthrough the two spellings are two opaque types too", arr(P(NFC, NIL), P(NFD, NIL), P(1, NIL)), [obj(0, NFC, None), obj(1, NFD, None), obj(2, NFD, None)], passthrough=True),
        valid("map-order-reference-in-later-key", "a map whose first entry (kwargs) holds object 0 and whose second (args) refers back to it: ids follow the wire, not field names", mp((pk("kwargs"), mp((pk("input"), P("app.A", pk("mean"))))), (pk("args"), arr(R(0), P(0, pk("variance"))))), M(("kwargs", M(("input", obj(0, A, "mean")))), ("args", [ref(0), obj(1, A, "variance")]))),
        valid("map-order-args-first", "the same objects with args before kwargs: now the R sits in kwargs", mp((pk("args"), arr(P("app.A", pk("mean")), P(0, pk("variance")))), (pk("kwargs"), mp((pk("input"), R(0))))), M(("args", [obj(0, A, "mean"), obj(1, A, "variance")]), ("kwargs", M(("input", ref(0)))))),
        valid("map-order-object-in-key", "an object as a map key, referred to from the value of a later entry", mp((P("app.A", NIL), b"\x01"), (pk("same"), R(0))), M((obj(0, A, None), I(1)), ("same", ref(0)))),
        valid("map-order-type-name-first-in-value", "a type name first named inside a map value, used by index in a later key's value", mp((pk("z"), P("app.B", NIL)), (pk("a"), P(0, NIL))), M(("z", obj(0, B, None)), ("a", obj(1, B, None)))),
        valid("map-order-unknown-field-holds-objects", "an entry a receiver might skip (extra) holds object 0 and names app.B first; later entries count after it", mp((pk("extra"), arr(P("app.B", NIL), P("app.A", NIL))), (pk("x"), arr(R(1), P(1, NIL)))), M(("extra", [obj(0, B, None), obj(1, A, None)]), ("x", [ref(1), obj(2, A, None)]))),
    ]


# ================================================================= streaming/

def streaming_plain() -> list:
    m1 = bytes.fromhex("920102")  # [1, 2]
    m2 = bytes.fromhex("a178")  # "x"
    m3 = bytes.fromhex("cd0100")  # 256
    v1, v2, v3 = [I(1), I(2)], "x", I(256)
    three = m1 + m2 + m3
    cases = [
        stream("stream-three-whole", "three messages in one chunk", [three], [v1, v2, v3]),
        stream("stream-three-bytewise", "three messages one byte at a time", bytewise(three), [v1, v2, v3]),
        stream("stream-three-at-boundaries", "one chunk per message", [m1, m2, m3], [v1, v2, v3]),
        stream("stream-split-inside-first", "92 01 | 02 a1 78 cd 01 00: the first chunk ends inside message 1 (format.md 6.7)", split(three, 2), [v1, v2, v3]),
        stream("stream-empty-chunks", "empty chunks before, between and after the bytes", [b"", m1[:1], b"", b"", m1[1:] + m2, b"", m3, b""], [v1, v2, v3]),
        stream("stream-no-chunks", "a stream that ends at once is clean and has no messages", [], []),
        stream("stream-only-empty-chunks", "a stream of empty chunks is clean", [b"", b""], []),
        stream("stream-ends-inside-header", "ends after the format byte of message 3: truncated at the end of the stream", [m1 + m2 + m3[:1]], [v1, v2], "truncated"),
        stream("stream-ends-inside-elements", "ends inside the elements of message 1", [m1[:2]], [], "truncated"),
        stream("stream-ends-inside-str", "ends inside the payload of a str8 message", [m1, bytes.fromhex("d905") + b"ab"], [v1], "truncated"),
        stream("stream-error-in-third", "c1 begins message 3 after two good ones: invalidFormatByte, the two are delivered", [m1 + m2 + b"\xc1" + m3], [v1, v2], "invalidFormatByte"),
        stream("stream-error-inside-third", "c1 inside the array of message 3", [m1, m2, bytes.fromhex("9201c1")], [v1, v2], "invalidFormatByte"),
        stream("stream-invalid-utf8-in-second", "message 2 is a str with a stray continuation byte", [m1 + bytes.fromhex("a180") + m3], [v1], "invalidUTF8"),
        stream("stream-invalid-timestamp-in-second", "message 2 is a timestamp ext of 3 bytes", [m1 + bytes.fromhex("c703ff000000") + m3], [v1], "invalidTimestamp"),
        stream("stream-no-resync-after-error", "after c1 in message 2 the stream stops: the valid bytes after it are not decoded", [m1 + b"\xc1" + m1 + m2], [v1], "invalidFormatByte"),
        stream("stream-message-bytes-limit", "message 2 is 4 bytes with maxMessageByteCount 3: limitExceeded after message 1", [m1 + bytes.fromhex("93010203") + m2], [v1], "limitExceeded", limits={"maxMessageByteCount": 3}),
        stream("stream-message-bytes-limit-each", "every message may use the whole maxMessageByteCount 3: the limit is per message", [m1 + m1 + m3], [v1, v1, v3], limits={"maxMessageByteCount": 3}),
        stream("stream-depth-limit", "message 2 nests 3 arrays with maxDepth 2", [m1 + bytes.fromhex("919190")], [v1], "limitExceeded", limits={"maxDepth": 2}),
        stream("stream-element-limit-bytewise", "message 2 declares 3 elements with maxElementCount 2, fed one byte at a time", bytewise(m1 + bytes.fromhex("93010203")), [v1], "limitExceeded", limits={"maxElementCount": 2}),
        stream("stream-str-payload-split", "a str8 of 5 bytes cut in the middle of its payload", [bytes.fromhex("d905") + b"he", b"llo", m2], ["hello", v2]),
        stream("stream-ext-payload-split", "an ext8 payload cut after 1 of its 3 bytes; the payload is never read as values", [bytes.fromhex("c7030501"), bytes.fromhex("c1c1") + m2], [{"ext": {"type": 5, "data": "01c1c1"}}, v2]),
        stream("stream-ext-payload-holds-format-bytes", "an ext payload whose bytes look like an array header is skipped by its length", [bytes.fromhex("d4059f") + m2], [{"ext": {"type": 5, "data": "9f"}}, v2]),
        stream("stream-bin32-bytewise", "a bin32 of 2 bytes fed one byte at a time", bytewise(bytes.fromhex("c600000002abcd") + m2), [{"bin": "abcd"}, v2]),
        stream("stream-map-keys-split", "a map whose key and value arrive in separate chunks", [bytes.fromhex("81a1"), b"k", b"\xc3", m2], [M(("k", True)), v2]),
    ]
    # A cut inside every multi-byte header: each message sits between m2 and m3 and is split after byte k of its header.
    headers = [
        ("uint8", "cc80", I(128)), ("uint16", "cd0100", I(256)), ("uint32", "ce00010000", I(65536)),
        ("uint64", "cf0000000100000000", I(1 << 32)), ("int8", "d0df", I(-33)), ("int16", "d1ff7f", I(-129)),
        ("int32", "d2ffff7fff", I(-32769)), ("int64", "d3ffffffff7fffffff", I(-(1 << 31) - 1)),
        ("float32", "ca3f800000", {"float32": "0x3f800000"}), ("float64", "cb3ff8000000000000", {"float64": "0x3ff8000000000000"}),
        ("str8", "d90161", "a"), ("str16", "da000161", "a"), ("str32", "db0000000161", "a"),
        ("bin8", "c401ff", {"bin": "ff"}), ("bin16", "c50001ff", {"bin": "ff"}), ("bin32", "c600000001ff", {"bin": "ff"}),
        ("ext8", "c7010501", {"ext": {"type": 5, "data": "01"}}), ("ext16", "c800010501", {"ext": {"type": 5, "data": "01"}}),
        ("ext32", "c90000000105" + "01", {"ext": {"type": 5, "data": "01"}}),
        ("fixext1", "d40501", {"ext": {"type": 5, "data": "01"}}), ("fixext16", "d805" + "00" * 16, {"ext": {"type": 5, "data": "00" * 16}}),
        ("timestamp96", "c70cff000000000000000000000001", {"timestamp": {"seconds": "1", "nanoseconds": 0}}),
        ("array16", "dc000101", [I(1)]), ("array32", "dd0000000101", [I(1)]),
        ("map16", "de0001c0c0", M((None, None))), ("map32", "df00000001c0c0", M((None, None))),
    ]
    header_len = {"c7": 3, "c8": 4, "c9": 6, "d9": 2, "da": 3, "db": 5, "c4": 2, "c5": 3, "c6": 5, "dc": 3, "dd": 5, "de": 3, "df": 5, "d4": 2, "d8": 2}
    for name, hx, value in headers:
        body = bytes.fromhex(hx)
        first = hx[:2]
        cut = max(1, header_len.get(first, len(body)) // 2)  # inside the header (fixed-width values: inside the bytes)
        if cut >= len(body):
            cut = len(body) - 1
        data = m2 + body + m3
        cases.append(stream(f"stream-cut-inside-{name}", f"{name} cut after {cut} of its bytes, between two other messages", split(data, len(m2) + cut), [v2, value, v3]))
    return cases


def streaming_portable() -> list:
    msg = arr(P(A, NIL), R(0))
    v = [obj(0, A, None), ref(0)]
    return [
        stream("stream-portable-ids-per-message", "each message numbers its objects from 0 and starts an empty type table", [msg + msg], [v, v]),
        stream("stream-portable-bytewise", "two portable messages one byte at a time", bytewise(msg + msg), [v, v]),
        stream("stream-portable-reference-across-messages", "an R in message 2 cannot name an object of message 1: danglingReference", [msg + R(0)], [v], "danglingReference"),
        stream("stream-portable-index-across-messages", "a type index in message 2 cannot use message 1's table: typeReferenceOutOfRange", [msg + P(0, NIL)], [v], "typeReferenceOutOfRange"),
        stream("stream-portable-payload-split", "a P cut inside its type-ref str", [P(A, NIL)[:5], P(A, NIL)[5:]], [obj(0, A, None)]),
        stream("stream-portable-unknown-type", "message 2 names an unregistered type", [msg + P("app.X", NIL)], [v], "unknownType"),
        stream("stream-portable-object-limit-per-message", "two objects per message with maxObjectCount 2 in each of two messages", [arr(P(A, NIL), P(0, NIL)) * 2], [[obj(0, A, None), obj(1, A, None)]] * 2, limits={"maxObjectCount": 2}),
    ]


FILES = {
    "encode/notation.json": ("Encode requests whose notation breaks a rule of format.md 12.2 (or a value with no wire form): the encoder fails with cannotSerialize.", {}, encode_notation),
    "encode/portable.json": ("Encode requests for portable values that must fail: object ids out of order, bad references, bad global data, portable ext types as generic ext, cycles among ordinary objects.", {}, encode_portable),
    "limits/plain.json": ("Each plain-value limit of format.md 7, set small per case: at the limit and one past it, and its place in the order of checks.", {}, limits_plain),
    "limits/portable.json": ("Each portable limit of format.md 7 (objects, references, type names, global data, depth through P and G, expansion, payload bytes), set small per case.", {"registered": [A, B, C], "twoPhase": []}, limits_portable),
    "invalid/portable-precedence.json": ("Which defect is reported when a portable payload has two readings (Spec 1.1: c1, wrong kinds at their first byte, the empty name, the order of checks for G).", {"registered": [A], "twoPhase": []}, precedence),
    "portable/byte-names.json": ("Type names compare by bytes, never normalized or case-folded: NFC and NFD spellings are two types.", {"registered": [A, B, NFC, NFD], "twoPhase": []}, byte_names),
    "portable/map-order.json": ("Keys compare by bytes; objects and type names are numbered in wire order whatever the map order.", {"registered": [A, B], "twoPhase": []}, map_order),
    "streaming/plain.json": ("Streams of plain messages in chunks (format.md 6.7): boundaries anywhere, empty chunks, the end state.", {}, streaming_plain),
    "streaming/portable.json": ("Streams of portable messages: tables and ids start again in every message.", {"registered": [A], "twoPhase": []}, streaming_portable),
}


def write(rel: str, description: str, header: dict, cases: list) -> None:
    lines = ["{", f'  "suite": {json.dumps(rel[:-5])},', f'  "description": {json.dumps(description)},']
    for key, value in header.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value)},")
    lines.append('  "cases": [')
    text = ",\n".join("    " + json.dumps(case) for case in cases)
    # JSON number spellings Python's json module cannot produce from a Python value.
    text = text.replace('"__NEG_ZERO__"', "-0").replace('"__1E3__"', "1e3")
    lines.append(text)
    lines.append("  ]")
    lines.append("}")
    path = ROOT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    for rel, (description, header, make) in FILES.items():
        cases = make()
        write(rel, description, header, cases)
        print(f"{rel}: {len(cases)} cases")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Validate the PortableWire conformance vectors and cross-check them with Python msgpack.

Usage:
    python3 Spec/tools/check_vectors.py [--schema-only] [--builtin-schema] [-v] [FILE ...]

What it checks (see Spec/README.md and Spec/format.md):

1. Every file under Spec/vectors parses as JSON (duplicate object keys are an error) and
   matches Spec/vectors.schema.json: with the `jsonschema` package when it is importable,
   otherwise with the built-in structural check below, which enforces the same rules.
2. Rules a schema cannot express: `suite` equals the file's path, ids are unique across all
   files, integers are in [-2^63, 2^64-1], timestamp seconds fit int64, notation strings are
   valid Unicode (no lone surrogates), JSON numbers are integers, and the plain-value suites
   (core/, invalid/) use no portable-only features.
3. Every plain-value case (core/, and invalid/ except invalid/portable-*) is cross-checked
   with the independent PyPI `msgpack`
   package (install with `pip install msgpack`):
   - valid cases: the bytes are decoded by msgpack and compared with `value`;
   - canonical cases: `value` is packed by msgpack and compared with the bytes;
   - invalid cases: msgpack must reject the bytes, with an exception that matches the
     expected error code, except for the known leniencies listed in PYTHON_LENIENCIES.
   Plain limit vectors (limits/plain) run with msgpack's max_*_len options for their limits, and
   plain stream vectors (streaming/plain) through msgpack.Unpacker, fed chunk by chunk.
4. Encode cases (encode/*): the error is an encoder's code; in encode/notation the notation
   must break a rule this tool checks too (so both readers agree it is invalid).
   Portable vectors (portable/, invalid/portable-*, and the portable files of limits/,
   streaming/, encode/) are only checked by steps 1, 2 and 4.

Exits non-zero on any failure. The last line is "N passed, N failed".
"""

import argparse
import json
import math
import struct
import sys
from pathlib import Path

from vector_cases import case_bytes, parse_int

sys.setrecursionlimit(20000)  # Depth-512 values nest deeper than Python's default allows.

SPEC = Path(__file__).resolve().parent.parent
VECTORS = SPEC / "vectors"
SCHEMA = SPEC / "vectors.schema.json"

ALL_FOLDERS = ("core", "portable", "streaming", "invalid", "encode", "limits", "well-known")

#: The limits a case may set (Spec/format.md section 7).
LIMIT_NAMES = ("maxDepth", "maxMessageByteCount", "maxPayloadByteCount", "maxElementCount", "maxObjectCount",
               "maxReferenceCount", "maxTypeNameCount", "maxGlobalDataCount", "maxExpansion")

#: Error codes an encoder reports (Spec/format.md section 10).
ENCODE_ERRORS = ("cannotSerialize", "cycleDetected", "globalDataUnavailable", "limitExceeded")


def is_portable_suite(rel):
    """Portable suites: portable/*, and the files named portable* in the other folders."""
    folder, _, name = rel.partition("/")
    return folder in ("portable", "well-known") or name.startswith("portable")


def is_plain_suite(rel):
    """Plain-value suites: every suite that is not portable (Spec/README.md)."""
    return not is_portable_suite(rel)

ERROR_CODES = (
    "truncated", "invalidFormatByte", "invalidUTF8", "invalidTimestamp", "trailingBytes",
    "limitExceeded", "typeReferenceOutOfRange", "malformedPortable", "danglingReference",
    "incompleteReference", "unknownType", "cannotSerialize", "globalDataUnavailable",
    "typeMismatch", "cycleDetected",
)

# Ext types the portable layer uses by default (Spec/format.md, "Ext type registry"). A plain
# value vector must not contain them: a portable-aware testee would not decode them as ext.
RESERVED_EXT_TYPES = {71, 80, 81, 82}

INT_MIN, INT_MAX = -(2 ** 63), 2 ** 64 - 1
INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1

# Invalid vectors that Python msgpack accepts although PortableWire rejects them.
# Each entry: vector id -> reason. An entry whose vector Python does reject fails the run,
# so this list only shrinks.
_DEPTH_REASON = (
    "Python msgpack has no configurable depth limit; its C unpacker only stops at its fixed "
    "internal stack of 1024 containers (StackError), so 513..1024 nested containers decode. "
    "PortableWire's default maxDepth is 512."
)
PYTHON_LENIENCIES = {
    "depth-513-arrays-empty": _DEPTH_REASON,
    "depth-513-arrays-nil": _DEPTH_REASON,
    "depth-513-array16": _DEPTH_REASON,
    "depth-513-maps": _DEPTH_REASON,
    "depth-513-map-keys": _DEPTH_REASON,
    "depth-513-mixed": _DEPTH_REASON,
    "depth-513-after-sibling": _DEPTH_REASON,
    "depth-1000-arrays": _DEPTH_REASON,
}


# --------------------------------------------------------------------------------------------
# Loading


class DuplicateKeyError(ValueError):
    pass


def _no_duplicate_keys(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise DuplicateKeyError(f"duplicate JSON object key {key!r}")
        obj[key] = value
    return obj


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f, object_pairs_hook=_no_duplicate_keys,
                         parse_int=parse_int)


# --------------------------------------------------------------------------------------------
# Schema validation: jsonschema when available, else a built-in structural check.


def _is_hex(s, spaced):
    if not isinstance(s, str):
        return False
    if s == "":
        return True
    if spaced:
        parts = s.split(" ")
        return all(len(p) == 2 and all(c in "0123456789abcdef" for c in p) for p in parts)
    return len(s) % 2 == 0 and all(c in "0123456789abcdef" for c in s)


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def _one_line(x):
    return isinstance(x, str) and x != "" and "\n" not in x and "\r" not in x


def _decimal_ok(s, max_digits):
    if not isinstance(s, str) or s == "":
        return False
    digits = s[1:] if s.startswith("-") else s
    if not digits.isascii() or not digits.isdigit() or len(digits) > max_digits:
        return False
    if digits == "0":
        return s == "0"
    return not digits.startswith("0")


def structural_value_errors(v, where):
    """Schema rules for a notation value, written out by hand (fallback without jsonschema)."""
    errors = []
    if v is None or isinstance(v, (bool, str)):
        return errors
    if isinstance(v, list):
        for i, x in enumerate(v):
            errors += structural_value_errors(x, f"{where}/{i}")
        return errors
    if not isinstance(v, dict):
        return [f"{where}: {type(v).__name__} is not a notation value"]
    if len(v) != 1:
        return [f"{where}: a notation object must have exactly one member, has {sorted(v)}"]
    tag, body = next(iter(v.items()))
    w = f"{where}/{tag}"
    if tag == "int":
        if not _decimal_ok(body, 20):
            errors.append(f"{w}: not a canonical decimal string")
    elif tag in ("float32", "float64"):
        n = 8 if tag == "float32" else 16
        if not (isinstance(body, str) and body.startswith("0x") and len(body) == 2 + n
                and _is_hex(body[2:], False)):
            errors.append(f"{w}: must be 0x followed by {n} lowercase hex digits")
    elif tag == "bin":
        if not _is_hex(body, False):
            errors.append(f"{w}: not compact lowercase hex")
    elif tag == "map":
        if not isinstance(body, list):
            errors.append(f"{w}: must be an array of pairs")
        else:
            for i, pair in enumerate(body):
                if not (isinstance(pair, list) and len(pair) == 2):
                    errors.append(f"{w}/{i}: a map entry is a 2-element array")
                else:
                    errors += structural_value_errors(pair[0], f"{w}/{i}/0")
                    errors += structural_value_errors(pair[1], f"{w}/{i}/1")
    elif tag == "ext":
        if not (isinstance(body, dict) and set(body) == {"type", "data"}):
            errors.append(f"{w}: must have exactly type and data")
        else:
            t = body["type"]
            if not (_is_int(t) and -128 <= t <= 127 and t != -1):
                errors.append(f"{w}/type: must be an integer in -128..127 other than -1")
            if not _is_hex(body["data"], False):
                errors.append(f"{w}/data: not compact lowercase hex")
    elif tag == "timestamp":
        if not (isinstance(body, dict) and set(body) == {"seconds", "nanoseconds"}):
            errors.append(f"{w}: must have exactly seconds and nanoseconds")
        else:
            if not _decimal_ok(body["seconds"], 19):
                errors.append(f"{w}/seconds: not a canonical decimal string")
            ns = body["nanoseconds"]
            if not (_is_int(ns) and 0 <= ns <= 999_999_999):
                errors.append(f"{w}/nanoseconds: must be an integer in 0..999999999")
    elif tag == "portable":
        if not (isinstance(body, dict) and {"id", "type", "data"} <= set(body)
                and set(body) <= {"id", "type", "data", "twoPhase"}):
            errors.append(f"{w}: must have id, type, data and optionally twoPhase")
        else:
            if not (_is_int(body["id"]) and body["id"] >= 0):
                errors.append(f"{w}/id: must be a non-negative integer")
            if not (isinstance(body["type"], str) and body["type"]):
                errors.append(f"{w}/type: must be a non-empty string")
            if "twoPhase" in body and body["twoPhase"] is not True:
                errors.append(f"{w}/twoPhase: must be true when present")
            errors += structural_value_errors(body["data"], f"{w}/data")
    elif tag == "ref":
        if not (_is_int(body) and body >= 0):
            errors.append(f"{w}: must be a non-negative integer")
    else:
        errors.append(f"{where}: unknown notation tag {tag!r}")
    return errors


def structural_errors(doc):
    """The rules of vectors.schema.json, by hand. Returns (path, message) pairs."""
    errors = []
    if not isinstance(doc, dict):
        return [("", "a vector file is a JSON object")]
    allowed = {"suite", "description", "registered", "twoPhase", "cases"}
    for key in doc:
        if key not in allowed:
            errors.append(("", f"unexpected member {key!r}"))
    for key in ("suite", "description", "cases"):
        if key not in doc:
            errors.append(("", f"missing member {key!r}"))
    suite = doc.get("suite")
    if "suite" in doc:
        folder, _, name = suite.partition("/") if isinstance(suite, str) else ("", "", "")
        if folder not in ALL_FOLDERS or not name or not all(
                p and p.isascii() and all(c.islower() or c.isdigit() for c in p) for p in name.split("-")):
            errors.append(("/suite", f"bad suite name {suite!r}"))
    if "description" in doc and not _one_line(doc["description"]):
        errors.append(("/description", "must be a non-empty single line"))
    for key in ("registered", "twoPhase"):
        if key in doc:
            names = doc[key]
            if not (isinstance(names, list) and all(isinstance(n, str) and n for n in names)
                    and len(set(names)) == len(names)):
                errors.append((f"/{key}", "must be an array of distinct non-empty strings"))
    cases = doc.get("cases")
    if "cases" in doc and not (isinstance(cases, list) and cases):
        errors.append(("/cases", "must be a non-empty array"))
        cases = []
    for i, case in enumerate(cases or []):
        p = f"/cases/{i}"
        if not isinstance(case, dict):
            errors.append((p, "a case is an object"))
            continue
        keys = set(case)
        extra = keys - {"id", "description", "hex", "hexRepeat", "value", "canonical", "globalData",
                        "passthrough", "error", "limits", "encode", "chunks", "messages"}
        if extra:
            errors.append((p, f"unexpected members {sorted(extra)}"))
        cid = case.get("id")
        if not (isinstance(cid, str) and cid and cid[0].isascii() and cid[0].isalnum()
                and all(c.isascii() and (c.isalnum() or c in "._-") for c in cid)):
            errors.append((p + "/id", f"bad id {cid!r}"))
        if not _one_line(case.get("description")):
            errors.append((p + "/description", "must be a non-empty single line"))
        inputs = [k for k in ("hex", "hexRepeat", "encode", "chunks") if k in case]
        if len(inputs) != 1:
            errors.append((p, "needs exactly one of hex, hexRepeat, encode and chunks"))
        if "limits" in case:
            lim = case["limits"]
            if not (isinstance(lim, dict) and lim and set(lim) <= set(LIMIT_NAMES)
                    and all(_is_int(v) and v >= 0 for v in lim.values())):
                errors.append((p + "/limits", f"an object of limits {LIMIT_NAMES} with integers >= 0"))
        if "encode" in case:
            req = case["encode"]
            if not (isinstance(req, dict) and "value" in req and set(req) <= {"value", "globalData"}):
                errors.append((p + "/encode", "an object with value and optionally globalData"))
            if "error" not in case:
                errors.append((p, "an encode case needs error"))
            for k in ("value", "canonical", "globalData", "messages", "passthrough", "limits"):
                if k in case:
                    errors.append((p, f"an encode case must not have {k!r}"))
        if "chunks" in case:
            if not (isinstance(case["chunks"], list) and all(_is_hex(c, True) for c in case["chunks"])):
                errors.append((p + "/chunks", "must be an array of spaced hex strings"))
            if not isinstance(case.get("messages"), list):
                errors.append((p, "a stream case needs messages, an array of values"))
            else:
                for j, m in enumerate(case["messages"]):
                    errors += [(p + f"/messages/{j}", e) for e in structural_value_errors(m, "")]
            for k in ("value", "canonical", "globalData"):
                if k in case:
                    errors.append((p, f"a stream case must not have {k!r}"))
        elif "messages" in case:
            errors.append((p, "messages belongs to stream cases (with chunks)"))
        if "hex" in case and not _is_hex(case["hex"], True):
            errors.append((p + "/hex", "must be lowercase byte pairs separated by single spaces"))
        if "hexRepeat" in case:
            r = case["hexRepeat"]
            if not (isinstance(r, dict) and {"repeat", "count"} <= set(r)
                    and set(r) <= {"prefix", "repeat", "count", "suffix"}):
                errors.append((p + "/hexRepeat", "needs repeat and count, optionally prefix and suffix"))
            else:
                if not (_is_hex(r["repeat"], True) and r["repeat"]):
                    errors.append((p + "/hexRepeat/repeat", "must be non-empty spaced hex"))
                if not (_is_int(r["count"]) and r["count"] >= 1):
                    errors.append((p + "/hexRepeat/count", "must be an integer >= 1"))
                for k in ("prefix", "suffix"):
                    if k in r and not _is_hex(r[k], True):
                        errors.append((p + f"/hexRepeat/{k}", "must be spaced hex"))
        if "error" in case:
            if case["error"] not in ERROR_CODES:
                errors.append((p + "/error", f"unknown error code {case['error']!r}"))
            for k in ("value", "canonical", "globalData"):
                if k in case:
                    errors.append((p, f"an invalid case must not have {k!r}"))
        elif "encode" not in case and "chunks" not in case:
            for k in ("value", "canonical"):
                if k not in case:
                    errors.append((p, f"a valid case needs {k!r}"))
        if "canonical" in case and not isinstance(case["canonical"], bool):
            errors.append((p + "/canonical", "must be a boolean"))
        if "passthrough" in case and not isinstance(case["passthrough"], bool):
            errors.append((p + "/passthrough", "must be a boolean"))
        if "value" in case:
            errors += [(p + "/value", e) for e in structural_value_errors(case["value"], "")]
        if "globalData" in case:
            gd = case["globalData"]
            if not isinstance(gd, list):
                errors.append((p + "/globalData", "must be an array of [key, value] pairs"))
            else:
                for j, pair in enumerate(gd):
                    if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
                        errors.append((p + f"/globalData/{j}", "must be [str, value]"))
                    else:
                        errors += [(p + f"/globalData/{j}/1", e)
                                   for e in structural_value_errors(pair[1], "")]
    return errors


def make_schema_validator(builtin=False):
    """Returns (name, function doc -> [(path, message)])."""
    if builtin:
        return "built-in structural check (--builtin-schema)", structural_errors
    try:
        import jsonschema
    except ImportError:
        return "built-in structural check (jsonschema not installed)", structural_errors
    schema = load_json(SCHEMA)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    def errors(doc):
        out = []
        for e in validator.iter_errors(doc):
            path = "".join(f"/{p}" for p in e.absolute_path)
            out.append((path, e.message if len(e.message) < 300 else e.message[:300] + "..."))
        return out

    try:
        from importlib.metadata import version
        name = f"jsonschema {version('jsonschema')}"
    except Exception:  # noqa: BLE001 - the version is only informative
        name = "jsonschema"
    return f"{name} (draft 2020-12)", errors


# --------------------------------------------------------------------------------------------
# Semantic notation checks (beyond the schema).


def semantic_value_errors(v, where, plain):
    errors = []
    if isinstance(v, str):
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:
            errors.append(f"{where}: string contains a lone surrogate (not valid Unicode)")
        return errors
    if isinstance(v, list):
        for i, x in enumerate(v):
            errors += semantic_value_errors(x, f"{where}/{i}", plain)
        return errors
    if not isinstance(v, dict) or len(v) != 1:
        return errors  # reported by the schema check
    tag, body = next(iter(v.items()))
    w = f"{where}/{tag}"
    if tag == "int" and isinstance(body, str):
        try:
            n = int(body)
            if not INT_MIN <= n <= INT_MAX:
                errors.append(f"{w}: {body} is outside [-2^63, 2^64-1]")
        except ValueError:
            pass
    elif tag == "timestamp" and isinstance(body, dict):
        try:
            s = int(body.get("seconds"))
            if not INT64_MIN <= s <= INT64_MAX:
                errors.append(f"{w}/seconds: outside int64")
        except (TypeError, ValueError):
            pass
        if isinstance(body.get("nanoseconds"), float):
            errors.append(f"{w}/nanoseconds: must be a JSON integer, not {body['nanoseconds']!r}")
    elif tag == "ext" and isinstance(body, dict):
        if isinstance(body.get("type"), float):
            errors.append(f"{w}/type: must be a JSON integer")
        if plain and body.get("type") in RESERVED_EXT_TYPES:
            errors.append(f"{w}/type: {body['type']} is reserved for portable objects; "
                          f"plain-value vectors must not use it")
    elif tag == "map" and isinstance(body, list):
        for i, pair in enumerate(body):
            if isinstance(pair, list):
                for j, x in enumerate(pair):
                    errors += semantic_value_errors(x, f"{w}/{i}/{j}", plain)
    elif tag in ("portable", "ref"):
        if plain:
            errors.append(f"{w}: portable notation is not allowed in plain-value suites")
        if tag == "portable" and isinstance(body, dict):
            errors += semantic_value_errors(body.get("data"), f"{w}/data", plain)
    return errors


# --------------------------------------------------------------------------------------------
# Cross-check with Python msgpack.


class Ext:
    __slots__ = ("code", "data")

    def __init__(self, code, data):
        self.code, self.data = code, data


class MapPairs(list):
    """A decoded map as an ordered list of (key, value) pairs: keeps order, duplicates, any keys."""


def msgpack_options(limits):
    """msgpack's options for a case's limits; None for maxDepth, which msgpack cannot set."""
    options = {}
    for name, value in (limits or {}).items():
        if name == "maxPayloadByteCount":
            options.update(max_str_len=value, max_bin_len=value, max_ext_len=value)
        elif name == "maxElementCount":
            options.update(max_array_len=value, max_map_len=value)
        elif name == "maxDepth":
            return None
    return options


def msgpack_decode(msgpack, data, **options):
    return msgpack.unpackb(
        data,
        **options,
        raw=False,              # str -> Python str (strict UTF-8), bin -> bytes
        strict_map_key=False,   # keys of any kind
        timestamp=0,            # ext -1 -> msgpack.Timestamp (exact; datetime would lose nanoseconds)
        ext_hook=Ext,           # every other ext, including negative types ExtType cannot hold
        object_pairs_hook=MapPairs,
        use_list=True,
    )


def compare(expected, got, msgpack, where="$"):
    """None if the msgpack-decoded object `got` equals the notation value `expected`."""
    def fail(msg):
        return f"{where}: {msg} (expected {json.dumps(expected)[:80]}, msgpack gave {got!r:.80})"

    if expected is None:
        return None if got is None else fail("not nil")
    if isinstance(expected, bool):
        return None if got is expected else fail("bool differs")
    if isinstance(expected, str):
        return None if type(got) is str and got == expected else fail("str differs")
    if isinstance(expected, list):
        if type(got) not in (list, tuple) or isinstance(got, MapPairs):
            return fail("not an array")
        if len(got) != len(expected):
            return fail(f"array length {len(got)} != {len(expected)}")
        for i, (e, g) in enumerate(zip(expected, got)):
            err = compare(e, g, msgpack, f"{where}[{i}]")
            if err:
                return err
        return None
    tag, body = next(iter(expected.items()))
    if tag == "int":
        return None if type(got) is int and got == int(body) else fail("integer differs")
    if tag == "float64":
        if type(got) is not float:
            return fail("not a float")
        return None if struct.pack(">d", got).hex() == body[2:] else fail("float64 bits differ")
    if tag == "float32":
        # msgpack widens float32 to a Python float (a double); narrowing back is exact for any
        # value that came from a float32, NaN payloads included.
        if type(got) is not float:
            return fail("not a float")
        try:
            bits = struct.pack(">f", got).hex()
        except OverflowError:
            return fail("not representable as float32")
        if not math.isnan(got) and struct.unpack(">f", bytes.fromhex(bits))[0] != got:
            return fail("value is not a float32")
        return None if bits == body[2:] else fail("float32 bits differ")
    if tag == "bin":
        return None if type(got) is bytes and got.hex() == body else fail("bin differs")
    if tag == "map":
        if not isinstance(got, MapPairs):
            return fail("not a map")
        if len(got) != len(body):
            return fail(f"map size {len(got)} != {len(body)}")
        for i, ((ek, ev), (gk, gv)) in enumerate(zip(body, got)):
            err = compare(ek, gk, msgpack, f"{where}<key {i}>") or compare(ev, gv, msgpack, f"{where}<value {i}>")
            if err:
                return err
        return None
    if tag == "ext":
        if not isinstance(got, Ext):
            return fail("not an ext")
        ok = got.code == body["type"] and got.data.hex() == body["data"]
        return None if ok else fail("ext differs")
    if tag == "timestamp":
        if not isinstance(got, msgpack.Timestamp):
            return fail("not a timestamp")
        ok = got.seconds == int(body["seconds"]) and got.nanoseconds == body["nanoseconds"]
        return None if ok else fail("timestamp differs")
    return fail(f"tag {tag!r} cannot be cross-checked")


class NotationPacker:
    """Packs a notation value with msgpack's own packers; only concatenation happens here."""

    def __init__(self, msgpack):
        self.msgpack = msgpack
        self.p64 = msgpack.Packer(use_bin_type=True, autoreset=True)
        self.p32 = msgpack.Packer(use_bin_type=True, autoreset=True, use_single_float=True)
        self.pext = msgpack.Packer(use_bin_type=True, autoreset=False)

    def pack(self, v):
        if v is None or isinstance(v, (bool, str)):
            return self.p64.pack(v)
        if isinstance(v, list):
            return self.p64.pack_array_header(len(v)) + b"".join(self.pack(x) for x in v)
        tag, body = next(iter(v.items()))
        if tag == "int":
            return self.p64.pack(int(body))
        if tag == "float64":
            return self.p64.pack(struct.unpack(">d", bytes.fromhex(body[2:]))[0])
        if tag == "float32":
            return self.p32.pack(struct.unpack(">f", bytes.fromhex(body[2:]))[0])
        if tag == "bin":
            return self.p64.pack(bytes.fromhex(body))
        if tag == "map":
            return self.p64.pack_map_header(len(body)) + b"".join(
                self.pack(k) + self.pack(x) for k, x in body)
        if tag == "ext":
            self.pext.reset()
            self.pext.pack_ext_type(body["type"], bytes.fromhex(body["data"]))
            out = self.pext.bytes()
            self.pext.reset()
            return out
        if tag == "timestamp":
            return self.p64.pack(self.msgpack.Timestamp(int(body["seconds"]), body["nanoseconds"]))
        raise ValueError(f"tag {tag!r} cannot be packed")


def rejection_matches(code, exc, msgpack):
    """Does msgpack's exception correspond to the PortableWire error code?"""
    text = str(exc)
    if code == "truncated":
        # msgpack caps every declared length/count at the input size (max_*_len defaults to
        # len(data) in unpackb), which is its way of saying "more than the bytes that remain".
        return isinstance(exc, ValueError) and ("incomplete input" in text or "exceeds max_" in text)
    if code == "invalidFormatByte":
        return isinstance(exc, msgpack.FormatError)
    if code == "invalidUTF8":
        return isinstance(exc, UnicodeDecodeError)
    if code == "invalidTimestamp":
        return isinstance(exc, ValueError) and ("timestamp" in text or "nanoseconds" in text)
    if code == "trailingBytes":
        return isinstance(exc, msgpack.ExtraData)
    if code == "limitExceeded":
        # StackError for nesting; "exceeds max_*_len" when a case sets a payload or element limit.
        return isinstance(exc, msgpack.StackError) or (isinstance(exc, ValueError) and "exceeds max_" in text)
    return True


def cross_check_stream(case, msgpack):
    """Feeds a plain stream case to msgpack.Unpacker chunk by chunk; returns failure messages."""
    options = msgpack_options(case.get("limits"))
    if options is None:
        return []  # msgpack has no depth option; the testees check these
    limit = (case.get("limits") or {}).get("maxMessageByteCount")
    unpacker = msgpack.Unpacker(raw=False, strict_map_key=False, timestamp=0, ext_hook=Ext,
                                object_pairs_hook=MapPairs, use_list=True, **options)
    got, error, fed, end = [], None, 0, 0
    try:
        for chunk in case["chunks"]:
            data = bytes.fromhex(chunk)
            fed += len(data)
            unpacker.feed(data)
            for item in unpacker:
                start, end = end, unpacker.tell()
                if limit is not None and end - start > limit:
                    error = "limitExceeded"
                    break
                got.append(item)
            if error:
                break
    except Exception as exc:  # noqa: BLE001 - its kind is compared below
        error = exc
    if error is None and fed > end:  # bytes after the last whole message (tell() may count a partial read)
        error = "truncated"
    failures = []
    expected = case["messages"]
    if len(got) != len(expected):
        failures.append(f"msgpack decodes {len(got)} messages before the end, the vector {len(expected)}")
    for i, (e, g) in enumerate(zip(expected, got)):
        err = compare(e, g, msgpack, f"message {i}")
        if err:
            failures.append(err)
    want = case.get("error")
    if want is None and error is not None:
        failures.append(f"msgpack ends the stream with {error!r:.100}, the vector cleanly")
    elif want is not None and error is None:
        failures.append(f"msgpack ends the stream cleanly, the vector with {want}")
    elif want is not None and not isinstance(error, str) and not rejection_matches(want, error, msgpack):
        failures.append(f"msgpack stops with {type(error).__name__}: {str(error)[:100]!r}, not {want}")
    elif isinstance(error, str) and error != want:
        failures.append(f"msgpack's stream ends with {error}, the vector with {want}")
    return failures


def encode_case_errors(case, rel):
    """An encode case names an encoder's code; in encode/notation the notation must break a rule."""
    errors = []
    if case.get("error") not in ENCODE_ERRORS:
        errors.append(f"error {case.get('error')!r} is not an encoder's code {ENCODE_ERRORS}")
    if rel.startswith("encode/notation"):
        req = case.get("encode", {})
        found = [e for e in structural_value_errors(req.get("value"), "")]
        found += [e for e in semantic_value_errors(req.get("value"), "", False)]
        if not found:
            errors.append("the notation to encode breaks no rule this tool knows; a valid value belongs elsewhere")
    return errors


def cross_check(case, data, msgpack, packer):
    """Returns a list of failure messages for one plain-value case."""
    failures = []
    options = msgpack_options(case.get("limits"))
    limit = (case.get("limits") or {}).get("maxMessageByteCount")
    if limit is not None and len(data) > limit:
        # The size check comes before decoding (format.md 6.4); msgpack has no such option.
        return [] if case.get("error") == "limitExceeded" else [f"{len(data)} bytes exceed maxMessageByteCount {limit}"]
    if options is None:
        # msgpack has no depth option: a valid case must still decode; an invalid one is checked by the testees.
        if "error" in case:
            return []
        options = {}
    if "error" in case:
        code = case["error"]
        try:
            got = msgpack_decode(msgpack, data, **options)
        except Exception as exc:  # noqa: BLE001 - any rejection counts; its kind is checked below
            if case["id"] in PYTHON_LENIENCIES:
                failures.append("listed in PYTHON_LENIENCIES but msgpack rejects it "
                                f"({type(exc).__name__}); remove the entry")
            elif not rejection_matches(code, exc, msgpack):
                failures.append(f"msgpack rejects it, but with {type(exc).__name__}: {str(exc)[:100]!r}, "
                                f"which does not correspond to {code}")
            return failures
        if case["id"] not in PYTHON_LENIENCIES:
            failures.append(f"msgpack accepts these bytes (expected {code}); decoded {got!r:.80}")
        return failures
    try:
        got = msgpack_decode(msgpack, data, **options)
    except Exception as exc:  # noqa: BLE001
        return [f"msgpack cannot decode a valid vector: {type(exc).__name__}: {str(exc)[:120]}"]
    err = compare(case["value"], got, msgpack)
    if err:
        failures.append("decode mismatch: " + err)
    if case["canonical"]:
        try:
            packed = packer.pack(case["value"])
        except Exception as exc:  # noqa: BLE001
            failures.append(f"msgpack cannot pack the value: {type(exc).__name__}: {exc}")
        else:
            if packed != data:
                failures.append(f"canonical mismatch: msgpack packs {_short_hex(packed)}, vector has "
                                f"{_short_hex(data)}")
    return failures


def _short_hex(b):
    h = b.hex(" ")
    return h if len(h) <= 90 else f"{h[:60]} ... ({len(b)} bytes)"


# --------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", type=Path, help="vector files (default: all of Spec/vectors)")
    ap.add_argument("--schema-only", action="store_true",
                    help="skip the msgpack cross-check (schema and semantic checks only)")
    ap.add_argument("--builtin-schema", action="store_true",
                    help="use the built-in structural check even when jsonschema is installed")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every check")
    args = ap.parse_args()

    passed = failed = 0

    def report(ok, label, messages=()):
        nonlocal passed, failed
        if ok:
            passed += 1
            if args.verbose:
                print(f"ok    {label}")
        else:
            failed += 1
            for m in messages:
                print(f"FAIL  {label}: {m}")

    validator_name, schema_errors = make_schema_validator(args.builtin_schema)
    print(f"schema: {validator_name}")

    msgpack = packer = None
    if not args.schema_only:
        try:
            import msgpack as _msgpack
            msgpack = _msgpack
            packer = NotationPacker(msgpack)
            print(f"cross-check: Python msgpack {'.'.join(map(str, msgpack.version))}")
        except ImportError:
            report(False, "msgpack", ["the msgpack package is not installed (pip install msgpack); "
                                      "use --schema-only to skip the cross-check"])

    all_files = sorted(VECTORS.rglob("*.json"))
    files = [f.resolve() for f in args.files] if args.files else all_files
    if not all_files:
        report(False, str(VECTORS), ["no vector files found"])

    # Ids must be unique across the whole suite, so always collect them from every file.
    seen_ids = {}
    for path in all_files:
        try:
            doc = load_json(path)
        except (ValueError, OSError):
            continue
        for case in doc.get("cases", []) if isinstance(doc, dict) else []:
            if isinstance(case, dict) and isinstance(case.get("id"), str):
                seen_ids.setdefault(case["id"], []).append(path.relative_to(VECTORS).as_posix())

    used_leniencies = set()
    for path in files:
        rel = path.relative_to(VECTORS).as_posix() if path.is_relative_to(VECTORS) else str(path)
        try:
            doc = load_json(path)
        except (ValueError, OSError) as exc:
            report(False, rel, [f"cannot load: {exc}"])
            continue

        file_errors = []
        case_errors = {}
        for p, msg in schema_errors(doc):
            parts = p.split("/")
            if len(parts) >= 3 and parts[1] == "cases" and parts[2].isdigit():
                case_errors.setdefault(int(parts[2]), []).append(f"schema: {p}: {msg}")
            else:
                file_errors.append(f"schema: {p or '/'}: {msg}")
        if not isinstance(doc, dict):
            report(False, rel, file_errors)
            continue

        folder = rel.split("/")[0]
        expected_suite = rel[:-len(".json")] if rel.endswith(".json") else rel
        if folder not in ALL_FOLDERS:
            file_errors.append(f"vector files live in one of {ALL_FOLDERS}")
        if doc.get("suite") != expected_suite:
            file_errors.append(f"suite is {doc.get('suite')!r}, but the file is {rel}")
        plain = is_plain_suite(rel)
        if not is_portable_suite(rel):
            for key in ("registered", "twoPhase"):
                if key in doc:
                    file_errors.append(f"{key!r} belongs to portable suites only "
                                       f"(portable/ or invalid/portable-*)")
        else:
            registered = set(doc.get("registered", []))
            extra = set(doc.get("twoPhase", [])) - registered
            if extra:
                file_errors.append(f"twoPhase names not in registered: {sorted(extra)}")
        report(not file_errors, f"{rel} (file)", file_errors)

        for i, case in enumerate(doc.get("cases", []) if isinstance(doc.get("cases"), list) else []):
            label = f"{rel} #{i}"
            errors = list(case_errors.get(i, []))
            if not isinstance(case, dict):
                report(False, label, errors or ["not an object"])
                continue
            cid = case.get("id")
            label = f"{rel} {cid}"
            if isinstance(cid, str) and len(seen_ids.get(cid, [])) > 1:
                errors.append(f"id is not unique: used {len(seen_ids[cid])} times, in "
                              f"{', '.join(sorted(set(seen_ids[cid])))}")
            if "value" in case:
                errors += [f"value{e}" for e in semantic_value_errors(case["value"], "", plain)]
            for j, m in enumerate(case.get("messages", []) if isinstance(case.get("messages"), list) else []):
                errors += [f"messages/{j}{e}" for e in semantic_value_errors(m, "", plain)]
            if "encode" in case:
                errors += encode_case_errors(case, rel)
                report(not errors, label, errors)
                continue
            for j, pair in enumerate(case.get("globalData", []) if isinstance(case.get("globalData"), list) else []):
                if isinstance(pair, list) and len(pair) == 2:
                    errors += [f"globalData{e}" for e in semantic_value_errors(list(pair), f"/{j}", plain)]
            if not is_portable_suite(rel):
                for key in ("globalData", "passthrough"):
                    if key in case:
                        errors.append(f"{key!r} belongs to portable suites only")
            if errors:
                report(False, label, errors)
                continue
            try:
                data = case_bytes(case)
            except (ValueError, KeyError, TypeError) as exc:
                report(False, label, [f"cannot build the input bytes: {exc}"])
                continue
            if plain and msgpack is not None:
                if case.get("id") in PYTHON_LENIENCIES:
                    used_leniencies.add(case["id"])
                if "chunks" in case:
                    errors += cross_check_stream(case, msgpack)
                else:
                    errors += cross_check(case, data, msgpack, packer)
            report(not errors, label, errors)

    if msgpack is not None and not args.files:
        stale = sorted(set(PYTHON_LENIENCIES) - used_leniencies)
        report(not stale, "PYTHON_LENIENCIES", [f"entries without a plain-value vector: {stale}"])

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: Apache-2.0
"""The conformance testee: ``python -m portablewire.testee`` (Spec/conformance.md, "Testee protocol").

Reads request frames from stdin and writes one response frame to stdout for each; a frame is a
4-byte big-endian length, then that many bytes of UTF-8 JSON. End of input ends the testee
(exit status 0; 1 if the input ends inside a frame). Requests:

- ``{"op": "hello"}``
- ``{"op": "decode", "hex": ..., "registered": [...], "twoPhase": [...], "passthrough": false}``
- ``{"op": "encode", "value": <notation>, "globalData": [[key, <notation>], ...]}``
"""

from __future__ import annotations

from typing import Any

import json
import re
import sys
import traceback
from typing import BinaryIO

from . import __version__
from .decoder import unpackb_message
from .encoder import packb
from .errors import PortableError
from .notation import NotationError, from_notation, to_notation
from .options import Limits
from .registry import Registry
from .streaming import Unpacker

_HEX = re.compile(r"(?:[0-9a-f]{2})*\Z")

#: The Spec version this testee implements (Spec/format.md section 2), reported by ``hello``.
SPEC_VERSION = "1.1"

#: The limits a request may set, by their Spec names (Spec/format.md section 7), and the Limits field of each
#: (the same name in snake case).
LIMIT_FIELDS = {
    "maxDepth": "max_depth",
    "maxMessageByteCount": "max_message_byte_count",
    "maxPayloadByteCount": "max_payload_byte_count",
    "maxElementCount": "max_element_count",
    "maxObjectCount": "max_object_count",
    "maxReferenceCount": "max_reference_count",
    "maxTypeNameCount": "max_type_name_count",
    "maxGlobalDataCount": "max_global_data_count",
    # The Python peer's objects are all identities: references never copy, so nothing is charged (7.4).
    "maxExpansion": None,
}


class _NegativeZero:
    """What ``-0`` in a frame parses to: not an int, so the notation rejects it where an integer is required."""

    def __repr__(self) -> str:
        return "-0"


def _parse_int(text: str) -> object:
    return _NegativeZero() if text == "-0" else int(text)


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


class _BadRequest(Exception):
    """A request the protocol does not allow; answered with error ``badRequest``."""


def _field(request: dict[str, Any], name: str, kind: type, default: object = None) -> Any:
    value = request.get(name, default)
    if not isinstance(value, kind):
        raise _BadRequest(f"the member {name!r} must be a JSON {kind.__name__}, not {value!r}")
    return value


def _names(request: dict[str, Any], name: str) -> list[str]:
    names: list[str] = _field(request, name, list, [])
    if not all(isinstance(item, str) and item for item in names):
        raise _BadRequest(f"the member {name!r} must list non-empty strings, not {names!r}")
    return names


def _hex(text: object, what: str) -> bytes:
    if not isinstance(text, str) or not _HEX.match(text):
        raise _BadRequest(f"{what} is lowercase hex digit pairs without spaces")
    return bytes.fromhex(text)


def _setup(request: dict[str, Any]) -> dict[str, Any]:
    """The decoding options of a decode or stream request (Spec/conformance.md 5.2)."""
    registered = _names(request, "registered")
    two_phase = _names(request, "twoPhase")
    stray = [name for name in two_phase if name not in registered]
    if stray:
        raise _BadRequest(f"twoPhase names {stray!r}, which are not in registered (conformance.md 5.2)")
    registry = Registry()
    for name in registered:
        registry.register_generic(name, two_phase=name in two_phase)
    limits = _field(request, "limits", dict, {})
    fields: dict[str, int] = {}
    for name, value in limits.items():
        if name not in LIMIT_FIELDS:
            raise _BadRequest(f"unknown limit {name!r}; the limits are {sorted(LIMIT_FIELDS)}")
        if type(value) is not int or value < 0:
            raise _BadRequest(f"limit {name} is an integer >= 0, not {value!r}")
        field = LIMIT_FIELDS[name]
        if field:
            fields[field] = value
    return {
        "registry": registry,
        "passthrough": _field(request, "passthrough", bool, False),
        "limits": Limits(**fields),
        "exact_maps": True,
    }


def _decode(request: dict[str, Any]) -> dict[str, Any]:
    data = _hex(request.get("hex"), "hex")
    message = unpackb_message(data, **_setup(request))
    value, global_data = to_notation(message.value, message.global_data)
    return {"ok": True, "value": value, "globalData": global_data}


def _stream(request: dict[str, Any]) -> dict[str, Any]:
    chunks = [_hex(chunk, "every chunk") for chunk in _field(request, "chunks", list)]
    unpacker = Unpacker(**_setup(request))
    messages = []
    try:
        for chunk in chunks:
            unpacker.feed(chunk)
            while (message := unpacker.next_message()) is not None:
                messages.append(to_notation(message.value, message.global_data)[0])
        unpacker.close()
    except PortableError as error:
        return {"ok": False, "messages": messages, "error": error.code, "message": str(error)}
    return {"ok": True, "messages": messages}


def _encode(request: dict[str, Any]) -> dict[str, Any]:
    if "value" not in request:
        raise _BadRequest("an encode request has a 'value'")
    try:
        # globalData is notation too: a malformed one is invalid notation, so cannotSerialize (conformance.md 4).
        value, global_data = from_notation(request["value"], request.get("globalData", []))
    except NotationError as error:
        # Spec/format.md, 12.2: an encode request with invalid notation fails with cannotSerialize.
        return {"ok": False, "error": "cannotSerialize", "message": f"invalid notation: {error}"}
    return {"ok": True, "hex": packb(value, registry=Registry(), global_data=global_data).hex()}


def respond(request: object) -> dict[str, Any]:
    """Answers one parsed request (a JSON value) with a response object."""
    try:
        if not isinstance(request, dict):
            raise _BadRequest("a request is a JSON object")
        op = request.get("op")
        if op == "hello":
            return {"ok": True, "implementation": "python", "version": __version__, "specVersion": SPEC_VERSION}
        if op == "decode":
            return _decode(request)
        if op == "encode":
            return _encode(request)
        if op == "stream":
            return _stream(request)
        raise _BadRequest(f"unknown op {op!r}; expected hello, decode, encode or stream")
    except PortableError as error:
        return {"ok": False, "error": error.code, "message": str(error)}
    except _BadRequest as error:
        return {"ok": False, "error": "badRequest", "message": str(error)}
    except Exception as error:  # a bug here must not end the run: report it as this request's failure
        detail = "".join(traceback.format_exception_only(error)).strip()
        return {"ok": False, "error": "internalError", "message": detail}


def _read_exactly(stream: BinaryIO, count: int) -> bytes:
    chunks, remaining = [], count
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def serve(stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Serves requests until end of input; returns the exit status."""
    while True:
        header = _read_exactly(stdin, 4)
        if not header:
            return 0
        length = int.from_bytes(header, "big") if len(header) == 4 else -1
        payload = _read_exactly(stdin, length) if length >= 0 else b""
        if length < 0 or len(payload) != length:
            print("portablewire.testee: input ended inside a frame", file=sys.stderr)
            return 1
        try:
            request = json.loads(payload.decode("utf-8"), parse_int=_parse_int, parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError) as error:
            response = {"ok": False, "error": "badRequest", "message": f"the frame is not UTF-8 JSON: {error}"}
        else:
            response = respond(request)
        body = json.dumps(response, ensure_ascii=False).encode("utf-8")
        stdout.write(len(body).to_bytes(4, "big") + body)
        stdout.flush()


if __name__ == "__main__":
    sys.exit(serve(sys.stdin.buffer, sys.stdout.buffer))

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
from .registry import Registry

_HEX = re.compile(r"(?:[0-9a-f]{2})*\Z")


class _BadRequest(Exception):
    """A request the protocol does not allow; answered with error ``badRequest``."""


def _field(request: dict, name: str, kind: type, default: object = None) -> object:
    value = request.get(name, default)
    if not isinstance(value, kind):
        raise _BadRequest(f"the member {name!r} must be a JSON {kind.__name__}, not {value!r}")
    return value


def _names(request: dict, name: str) -> list[str]:
    names = _field(request, name, list, [])
    if not all(isinstance(item, str) and item for item in names):
        raise _BadRequest(f"the member {name!r} must list non-empty strings, not {names!r}")
    return names


def _decode(request: dict) -> dict:
    text = _field(request, "hex", str)
    if not _HEX.match(text):
        raise _BadRequest("hex is lowercase hex digit pairs without spaces")
    two_phase = set(_names(request, "twoPhase"))
    registry = Registry()
    for name in _names(request, "registered"):
        registry.register_generic(name, two_phase=name in two_phase)
    message = unpackb_message(
        bytes.fromhex(text), registry=registry, passthrough=_field(request, "passthrough", bool, False), exact_maps=True
    )
    value, global_data = to_notation(message.value, message.global_data)
    return {"ok": True, "value": value, "globalData": global_data}


def _encode(request: dict) -> dict:
    if "value" not in request:
        raise _BadRequest("an encode request has a 'value'")
    try:
        value, global_data = from_notation(request["value"], _field(request, "globalData", list, []))
    except NotationError as error:
        # Spec/format.md, 12.2: an encode request with invalid notation fails with cannotSerialize.
        return {"ok": False, "error": "cannotSerialize", "message": f"invalid notation: {error}"}
    return {"ok": True, "hex": packb(value, registry=Registry(), global_data=global_data).hex()}


def respond(request: object) -> dict:
    """Answers one parsed request (a JSON value) with a response object."""
    try:
        if not isinstance(request, dict):
            raise _BadRequest("a request is a JSON object")
        op = request.get("op")
        if op == "hello":
            return {"ok": True, "implementation": "python", "version": __version__}
        if op == "decode":
            return _decode(request)
        if op == "encode":
            return _encode(request)
        raise _BadRequest(f"unknown op {op!r}; expected hello, decode or encode")
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
            request = json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            response = {"ok": False, "error": "badRequest", "message": f"the frame is not UTF-8 JSON: {error}"}
        else:
            response = respond(request)
        body = json.dumps(response, ensure_ascii=False).encode("utf-8")
        stdout.write(len(body).to_bytes(4, "big") + body)
        stdout.flush()


if __name__ == "__main__":
    sys.exit(serve(sys.stdin.buffer, sys.stdout.buffer))

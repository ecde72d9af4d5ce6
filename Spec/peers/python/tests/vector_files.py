# SPDX-License-Identifier: Apache-2.0
"""Loads the conformance vectors of Spec/vectors (found relative to this file; a missing folder fails)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from portablewire import Registry

VECTORS = Path(__file__).resolve().parents[3] / "vectors"


@dataclass
class Vector:
    """One case of a vector file, with its file's registrations."""

    suite: str
    id: str
    data: bytes
    case: dict
    registered: list[str] = field(default_factory=list)
    two_phase: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return "error" not in self.case

    @property
    def passthrough(self) -> bool:
        return self.case.get("passthrough", False)

    def registry(self) -> Registry:
        """A registry accepting the file's registered names as generic objects."""
        registry = Registry()
        for name in self.registered:
            registry.register_generic(name, two_phase=name in self.two_phase)
        return registry

    def __str__(self) -> str:
        return self.id


def case_bytes(case: dict) -> bytes:
    """The input of a case: ``hex``, ``hexRepeat`` expanded, or a stream's chunks joined (encode cases: none)."""
    if "chunks" in case:
        return b"".join(bytes.fromhex(chunk) for chunk in case["chunks"])
    if "encode" in case:
        return b""
    if "hex" in case:
        return bytes.fromhex(case["hex"])
    repeat = case["hexRepeat"]
    prefix, suffix = bytes.fromhex(repeat.get("prefix", "")), bytes.fromhex(repeat.get("suffix", ""))
    return prefix + bytes.fromhex(repeat["repeat"]) * repeat["count"] + suffix


class _NegativeZero:
    def __repr__(self) -> str:
        return "-0"


#: What the JSON number ``-0`` loads as: not an int, so the notation rejects it where an integer is required.
NEGATIVE_ZERO = _NegativeZero()


def kind(case: dict) -> str:
    """``decode`` (bytes, with the default limits), ``limits`` (bytes with a ``limits`` object),
    ``encode`` (an encode request that must fail) or ``stream`` (chunks), Spec/conformance.md 2."""
    if "encode" in case:
        return "encode"
    if "chunks" in case:
        return "stream"
    return "limits" if "limits" in case else "decode"


def load_all(kinds: tuple[str, ...] = ("decode",)) -> list[Vector]:
    """Every case of the given kinds in every ``Spec/vectors/**/*.json`` file, in path order.

    The default, decode cases with the default limits, is what a decoder with default options checks.
    """
    if not VECTORS.is_dir():
        raise FileNotFoundError(f"the vector folder {VECTORS} is missing")
    vectors = []
    for path in sorted(VECTORS.rglob("*.json")):
        # -0 stays distinct from 0: encode cases use it as an integer the notation refuses (format.md 12.2).
        document = json.loads(path.read_text(encoding="utf-8"), parse_int=lambda t: NEGATIVE_ZERO if t == "-0" else int(t))
        if "cases" not in document:  # e.g. a schema file
            continue
        for case in document["cases"]:
            if kind(case) not in kinds:
                continue
            vectors.append(
                Vector(
                    suite=document["suite"],
                    id=case["id"],
                    data=case_bytes(case),
                    case=case,
                    registered=document.get("registered", []),
                    two_phase=document.get("twoPhase", []),
                )
            )
    return vectors

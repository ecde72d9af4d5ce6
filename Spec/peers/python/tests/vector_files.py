# SPDX-License-Identifier: Apache-2.0
"""Loads the conformance vectors of Spec/vectors (found relative to this file; a missing folder fails),
read as Spec/tools/vector_cases.py says."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path

from portablewire import Registry

SPEC = Path(__file__).resolve().parents[3]
VECTORS = SPEC / "vectors"

_loader = importlib.util.spec_from_file_location("vector_cases", SPEC / "tools" / "vector_cases.py")
assert _loader is not None and _loader.loader is not None, "Spec/tools/vector_cases.py is missing"
_vector_cases = importlib.util.module_from_spec(_loader)
_loader.loader.exec_module(_vector_cases)
case_bytes, parse_int = _vector_cases.case_bytes, _vector_cases.parse_int


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
        document = json.loads(path.read_text(encoding="utf-8"), parse_int=parse_int)
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

# SPDX-License-Identifier: Apache-2.0
"""How a vector file's cases are read (Spec/README.md, vectors.schema.json): the JSON's ``-0`` kept
apart from 0, and a case's input bytes. Shared by check_vectors.py and the Python peer's tests
(Spec/peers/python/tests/vector_files.py); standard library only."""


class NegativeZero:
    """What the JSON number -0 loads as: not an int, so no integer of the notation (format.md 12.2 rule 2)."""

    def __repr__(self):
        return "-0"


NEGATIVE_ZERO = NegativeZero()


def parse_int(text):
    """``json.load``'s ``parse_int``: -0 stays distinct from 0 (encode cases use it as an integer the notation refuses)."""
    return NEGATIVE_ZERO if text == "-0" else int(text)


def case_bytes(case):
    """The input bytes of a case: ``hex``, ``hexRepeat`` expanded, or the chunks of a stream joined (encode cases: none)."""
    if "chunks" in case:
        return b"".join(bytes.fromhex(chunk) for chunk in case["chunks"])
    if "encode" in case:
        return b""
    if "hex" in case:
        return bytes.fromhex(case["hex"])
    repeat = case["hexRepeat"]
    prefix, suffix = bytes.fromhex(repeat.get("prefix", "")), bytes.fromhex(repeat.get("suffix", ""))
    return prefix + bytes.fromhex(repeat["repeat"]) * repeat["count"] + suffix

# SPDX-License-Identifier: Apache-2.0
"""Room on the interpreter stack for the recursive encoder and decoder."""

from __future__ import annotations

import sys

# Python frames one nesting level can take (the deepest case: value -> ext -> portable object ->
# instance -> value, plus a user hook), and frames for the caller and the codec's entry points.
_FRAMES_PER_LEVEL = 6
_HEADROOM = 1000


def ensure_recursion_limit(max_depth: int) -> None:
    """Raises the interpreter's recursion limit, if needed, so ``max_depth`` levels fit.

    The codec recurses once per container level and bounds that by ``Limits.max_depth``, so the
    limit it needs is known up front. It never lowers the limit (other threads may rely on it).
    """
    needed = max_depth * _FRAMES_PER_LEVEL + _HEADROOM
    if sys.getrecursionlimit() < needed:
        sys.setrecursionlimit(needed)

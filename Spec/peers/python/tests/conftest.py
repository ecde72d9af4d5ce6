# SPDX-License-Identifier: Apache-2.0
"""Fixtures the test modules share."""

from __future__ import annotations

import pytest

from portablewire._extwatch import made_codes


@pytest.fixture
def no_portable_ext_types_made():
    """Forgets, for one test, that other tests made ExtTypes with portable codes (none is alive here).

    Once one has been made, the fast encoder hands every message to the exact encoder
    (``portablewire._extwatch``); the tests that use this are about a process where none was.
    """
    saved = set(made_codes)
    made_codes.clear()
    yield
    made_codes.update(saved)

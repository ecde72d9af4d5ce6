# SPDX-License-Identifier: Apache-2.0
"""A portable class the fast-path tests share (each registers it in a registry of its own)."""

from __future__ import annotations

from portablewire import GlobalData


class Named:
    """Keeps its label in the global data: its data is the label's index in the list ``labels``
    there (as the benchmark's rows send their names)."""

    def __init__(self, label=""):
        self.label = label

    def __serialize__(self, global_data: GlobalData):
        labels = global_data.setdefault("labels", [])
        labels.append(self.label)
        return len(labels) - 1

    def __deserialize__(self, data, global_data):
        self.label = global_data["labels"][data]

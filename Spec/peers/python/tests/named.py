# SPDX-License-Identifier: Apache-2.0
"""Portable classes the fast-path tests share (each registers them in a registry of its own)."""

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


class Pair:
    """Built from its data (which may hold back-references)."""

    def __init__(self, a, b):
        self.a, self.b = a, b

    def __serialize__(self, global_data):
        return [self.a, self.b]

    @staticmethod
    def __new_deserialized__(data, global_data):
        return Pair(*data)

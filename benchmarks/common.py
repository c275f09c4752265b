"""The shape every benchmark reports in, and the machine it ran on."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    note: str = ""

    def line(self) -> str:
        value = f"{self.value:,.1f}" if isinstance(self.value, float) else f"{self.value:,}"
        note = f"  ({self.note})" if self.note else ""
        return f"{self.name:<58} {value:>14} {self.unit}{note}"


def machine_description() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"

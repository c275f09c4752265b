"""The code stays clean: ruff (pinned in requirements-dev.txt, configured in pyproject.toml) finds nothing.

Part of the suite rather than a separate CI step, so `./dev test` — the one command CI runs — keeps it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr

"""Fixtures of the reading tests (writers live in _writers.py)."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sample_text(sample_path: Path) -> str:
    return sample_path.read_bytes().decode("utf-8")


@pytest.fixture(scope="session")
def sample_lines(sample_text: str) -> list[str]:
    return sample_text.split("\n")

"""Shared fixtures. Tests that read ../shared skip with a reason when it is absent."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
SAMPLE_NAME = "000_d222d2fbad11a8ee.txt"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared corpus is laid beside the repository only on "
                    "the team's machines and in CI")
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return _need(SHARED)


@pytest.fixture(scope="session")
def sample_path(shared_dir: Path) -> Path:
    return _need(shared_dir / "seed" / SAMPLE_NAME)


@pytest.fixture(scope="session")
def corpus_files(shared_dir: Path) -> list[Path]:
    raw = _need(shared_dir / "corpus" / "raw")
    return sorted(p for p in raw.iterdir() if p.is_file())

"""Fixtures for the command-line tests: a temporary copy of real reports plus broken files.

These tests run the real pipeline (read → clean → extract → check) end to end; they skip with
the reason when a stage is not installed or the shared corpus is absent.
"""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from cli_helpers import BROKEN, N_SMALL, STAGES


def _missing_stage() -> str | None:
    for name in STAGES:
        if importlib.util.find_spec(name) is None:
            return name
    return None


@pytest.fixture(scope="session")
def pipeline_ready() -> None:
    missing = _missing_stage()
    if missing:
        pytest.skip(f"{missing} is not there yet: the end-to-end CLI tests need the whole pipeline")


@pytest.fixture(scope="session")
def good_files(pipeline_ready, corpus_files, sample_path) -> list[Path]:
    small = sorted(corpus_files, key=lambda p: (p.stat().st_size, p.name))[:N_SMALL]
    return [sample_path] + small


@pytest.fixture(scope="session")
def mini_corpus(tmp_path_factory, good_files) -> Path:
    """A folder like an archive: real reports (one in a subfolder) and three broken files."""
    root = tmp_path_factory.mktemp("archive")
    (root / "2023").mkdir()
    for i, p in enumerate(good_files):
        shutil.copy(p, (root / "2023" if i == 0 else root) / p.name)
    for name, data in BROKEN.items():
        (root / name).write_bytes(data)
    return root


@pytest.fixture(scope="session")
def good_corpus(tmp_path_factory, good_files) -> Path:
    root = tmp_path_factory.mktemp("good")
    for p in good_files:
        shutil.copy(p, root / p.name)
    return root

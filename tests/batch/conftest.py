"""Fixtures for the batch machinery tests (engines, store, runner).

The machinery is tested with ``fakeproc.process_path`` (see its docstring): its behaviour is
chosen by file name (slow, hang, crash, nap), which real documents cannot give on demand. The
end-to-end tests in tests/cli use the real pipeline on corpus files.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

# worker processes import the fake by name; the fork server gets this process's sys.path
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from fakeproc import LINES  # noqa: E402


@pytest.fixture
def fake_corpus(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    for i, line in enumerate(LINES):
        target = root / ("sub" if i % 2 else "") / f"report{i}.txt"
        target.write_text(f"第{i}号报告\n{line}\n", encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")
    return root

"""Third-party annotations in ../shared/corpus/annotated, located through the ``shared_dir``
fixture; a test skips (with the path as reason) when a file is absent."""
from __future__ import annotations

import json
from pathlib import Path

import pytest


def annotated_file(shared_dir: Path, name: str) -> Path:
    path = shared_dir / "corpus" / "annotated" / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path


def annotated_jsonl(shared_dir: Path, name: str) -> list[dict]:
    """The records of a JSON-lines file (blank lines ignored)."""
    text = annotated_file(shared_dir, name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]

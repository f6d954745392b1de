"""Shared constants and the subprocess helper of the command-line tests."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STAGES = ("extractor.reading", "extractor.text", "extractor.facts", "extractor.checks")
N_SMALL = 5          # the smallest corpus files (fast) …
BROKEN = {           # … plus files no reader can take
    "empty.txt": b"",
    "binary.txt": bytes(range(256)) * 8,
    "bad.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage without xref",
}


def cli(*args: str, timeout: float = 300, env: dict | None = None, **kw
        ) -> subprocess.CompletedProcess:
    """Run ``python -m extractor ARGS`` in a real subprocess (no terminal: no progress bar)."""
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "extractor", *args], capture_output=True,
                          text=True, timeout=timeout, env=full_env, cwd=REPO, **kw)

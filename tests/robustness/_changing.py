"""A per-document function for the batch that rewrites ``a.txt`` just before reading it: the
file changes between the runner's content hash and the worker's read (test_crash_safety.py)."""
from __future__ import annotations

from extractor.pipeline import process_path


def proc(path: str, **kw):
    if path.endswith("a.txt"):
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("全年投资9999万元，文件在读取前被改写。")
    return process_path(path, **kw)

"""extractor: facts and consistency findings from Chinese work reports.

Public API (imported lazily so that ``import extractor`` stays cheap)::

    extractor.read(path)                      # → Document
    extractor.extract(path_or_text)           # → facts DataFrame (../shared/SCHEMA.md)
    extractor.check(path_or_text)             # → anomalies DataFrame
    extractor.process(paths)                  # → (facts, anomalies, documents) DataFrames
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["read", "extract", "check", "process", "__version__"]


def __getattr__(name: str):
    if name == "read":
        from .reading import read
        return read
    if name in ("extract", "check", "process"):
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'extractor' has no attribute {name!r}")

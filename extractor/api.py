"""The Python API: ``extract``, ``check``, ``process`` (DataFrames per ../shared/SCHEMA.md).

>>> df = extract("全年完成投资1200万元，同比增长7.5%。", report_year=2023)
>>> df[["kind", "text", "value", "unit"]].values.tolist()
[['money', '1200万元', 12000000.0, 'CNY'], ['percent', '7.5%', 7.5, '%']]
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .model import Document

__all__ = ["extract", "check", "process", "load_document"]


def load_document(path_or_text: str | os.PathLike | Document) -> Document:
    """A Document from a Document, an existing file path, or else the text itself."""
    if isinstance(path_or_text, Document):
        return path_or_text
    if isinstance(path_or_text, os.PathLike):
        from .reading import read
        return read(path_or_text)
    s = str(path_or_text)
    if len(s) < 4096 and "\n" not in s:
        try:
            is_file = Path(s).is_file()
        except OSError:          # a long or odd string is text, not a path
            is_file = False
        if is_file:
            from .reading import read
            return read(s)
    from .facts import document_from_text
    return document_from_text(s)


def extract(path_or_text: str | os.PathLike | Document, report_year: int | None = None) -> pd.DataFrame:
    """Facts table of one document (a path that exists is read; any other string is the text)."""
    from .facts import extract_facts
    from .table import facts_frame
    from .text import prepare
    doc = load_document(path_or_text)
    return facts_frame(extract_facts(prepare(doc, report_year=report_year)))


def check(path_or_text: str | os.PathLike | Document, report_year: int | None = None,
          strict: bool = False) -> pd.DataFrame:
    """Anomalies table of one document (extraction + consistency checks)."""
    from .pipeline import analyse
    from .table import anomalies_frame
    doc = load_document(path_or_text)
    return anomalies_frame(analyse(doc, report_year=report_year, strict=strict).anomalies)


def process(paths: Iterable[str | os.PathLike] | str | os.PathLike, report_year: int | None = None,
            strict: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(facts, anomalies, documents) for files; a bad file becomes a documents row with its error."""
    from .pipeline import process_path
    from .table import anomalies_frame, documents_frame, facts_frame
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    facts, anomalies, docs = [], [], []
    for p in paths:
        r = process_path(p, report_year=report_year, strict=strict)
        facts.extend(r.facts)
        anomalies.extend(r.anomalies)
        docs.append(r.document)
    return facts_frame(facts), anomalies_frame(anomalies), documents_frame(docs)

"""What the report needs per document, gathered from paths, Documents or pipeline Results.

A :class:`ReportItem` is a pipeline ``Result`` plus the decoded text (every offset points into
it) and the page spans in that text. Inputs may be given in whichever form the caller has.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ExtractorError
from ..model import Anomaly, Document, Fact, Page
from ..pipeline import Result, analyse, document_row, process_path

@dataclass(slots=True)
class ReportItem:
    """One document as the report shows it."""

    document: dict                       # the documents-table row (pipeline.Result.document)
    text: str | None = None              # decoded text; None when it could not be (re)read
    facts: list[Fact] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)           # page spans in ``text``
    markers: list[tuple[int, int]] = field(default_factory=list)  # page-marker text spans

    @property
    def source(self) -> str:
        return str(self.document.get("source") or "")

    @property
    def doc_id(self) -> str:
        return str(self.document.get("doc_id") or "")


ReportInput = (str | os.PathLike | Result | Document | ReportItem
               | tuple[str | os.PathLike, Result] | tuple[Document, Result])


def collect(inputs: Iterable[ReportInput] | ReportInput, *,
            report_year: int | None = None) -> list[ReportItem]:
    """Turn every input into a ReportItem; a directory stands for the readable files under it."""
    if isinstance(inputs, (str, os.PathLike, Result, Document, ReportItem)):
        inputs = [inputs]
    items: list[ReportItem] = []
    for inp in inputs:
        if isinstance(inp, ReportItem):
            items.append(inp)
        elif isinstance(inp, Result):
            items.append(_from_result(inp, None))
        elif isinstance(inp, Document):
            items.append(_from_document(inp, report_year))
        elif isinstance(inp, tuple) and len(inp) == 2 and isinstance(inp[1], Result):
            head, res = inp
            if isinstance(head, Document):
                items.append(_item(res, head))
            else:
                items.append(_from_result(res, Path(head)))
        elif isinstance(inp, (str, os.PathLike)):
            p = Path(inp)
            if p.is_dir():   # walked like a batch: same files, same ``source`` names
                from ..batch.discover import discover
                for f in discover([p]):
                    items.append(_from_path(Path(f.path), report_year, source=f.source))
            else:
                items.append(_from_path(p, report_year))
        else:
            raise TypeError(f"cannot make a report from {type(inp).__name__}: give paths, "
                            "Documents, pipeline Results or (path, Result) pairs")
    return items


def _read(path: Path, source: str | None = None) -> Document | None:
    from ..reading import read
    try:
        return read(path, source=source)
    except (ExtractorError, OSError):
        return None


def _from_path(path: Path, report_year: int | None, source: str | None = None) -> ReportItem:
    src = source if source is not None else str(path)
    res = process_path(path, source=src, report_year=report_year)
    doc = _read(path, source=src) if res.document.get("doc_id") else None
    return _item(res, doc)


def _from_document(doc: Document, report_year: int | None) -> ReportItem:
    try:
        res = analyse(doc, report_year=report_year)
    except ExtractorError as exc:
        res = Result(document_row(doc, status="failed", error=exc.reason))
    return _item(res, doc)


def _from_result(res: Result, path: Path | None) -> ReportItem:
    """Re-read the text of a Result from its path (or its ``source``) to show it."""
    doc = None
    src = str(res.document.get("source") or "")
    candidate = path if path is not None else (Path(src) if src else None)
    if candidate is not None and candidate.is_file():
        doc = _read(candidate, source=src or None)
        if doc is not None and res.document.get("doc_id") and doc.doc_id != res.document["doc_id"]:
            doc = None   # the file changed since the run: offsets would point into other text
    return _item(res, doc)


def _item(res: Result, doc: Document | None) -> ReportItem:
    item = ReportItem(dict(res.document), doc.text if doc is not None else None,
                      list(res.facts), list(res.anomalies))
    if doc is not None:
        item.pages, item.markers = page_spans(doc, res)
    return item


def page_spans(doc: Document, res: Result | None = None) -> tuple[list[Page], list[tuple[int, int]]]:
    """Page spans in ``doc.text``: from the container, else from the page markers the text stage
    found (``CleanText.page_at``), mapped back to decoded offsets. Also the spans of the marker
    text itself (what normalisation deleted between two pages), so the report can dim it."""
    if doc.pages:
        return list(doc.pages), []
    if res is not None and not res.document.get("pages") and not any(
            f.page is not None for f in res.facts):
        return [], []
    try:
        from ..text import prepare
        clean = prepare(doc).clean
    except ImportError:   # the text stage is not installed: the report works without pages
        return [], []
    n = len(clean.text)
    if n == 0:
        return [], []
    starts: list[tuple[int, int]] = []   # (clean offset, page)
    i, p = 0, clean.page_at(0)
    while True:
        if p is not None:
            starts.append((i, p))
        if clean.page_at(n - 1) == p:
            break
        lo, hi = i + 1, n - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if clean.page_at(mid) == p:
                lo = mid + 1
            else:
                hi = mid
        i, p = lo, clean.page_at(lo)
    pages: list[Page] = []
    markers: list[tuple[int, int]] = []
    for k, (ci, number) in enumerate(starts):
        if ci == 0:
            start = 0
            first = clean.to_decoded(0, 1)[0]
            if first > 0:
                markers.append((0, first))
        else:
            start = clean.to_decoded(ci - 1, ci)[1]
            first = clean.to_decoded(ci, ci + 1)[0]
            if first > start:
                markers.append((start, first))
        end = clean.to_decoded(starts[k + 1][0] - 1, starts[k + 1][0])[1] \
            if k + 1 < len(starts) else len(doc.text)
        pages.append(Page(number, start, end))
    return pages, markers

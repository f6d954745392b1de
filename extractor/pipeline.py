"""One document end to end: read → clean → segment → extract → check.

``process_path`` never raises for a bad input file: the error becomes the document row's status,
so a batch goes on and nothing the user gave is lost.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ExtractorError
from .model import Anomaly, Document, Fact


@dataclass(slots=True)
class Result:
    """What one document yields: its documents-table row, its facts and its findings."""

    document: dict
    facts: list[Fact] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)


def analyse(doc: Document, *, report_year: int | None = None, strict: bool = False) -> Result:
    """Extract facts and run the checks on an already-read document."""
    from .checks import run_checks
    from .facts import RuleTimeout, extract_facts
    from .text import prepare

    t0 = time.perf_counter()
    prepared = prepare(doc, report_year=report_year)
    try:
        facts = extract_facts(prepared)
        timed_out: list[Anomaly] = []
    except (RuleTimeout, TimeoutError) as exc:   # a broken rule must not hang or sink a batch
        if strict:
            raise exc if isinstance(exc, ExtractorError) else RuleTimeout(doc.source, str(exc))
        facts, timed_out = [], [rule_timeout_finding(doc, exc)]
    anomalies = timed_out + run_checks(prepared, facts, strict=strict)
    row = document_row(doc, status="ok", error="")
    row.update(
        pages=prepared.page_count,
        report_year=prepared.report_year,
        facts=len(facts),
        anomalies=len(anomalies),
        text_quality=prepared.clean.quality_summary(),
        seconds=round(time.perf_counter() - t0, 4),
    )
    return Result(row, facts, anomalies)


def process_path(path: str | Path, *, source: str | None = None, report_year: int | None = None,
                 strict: bool = False) -> Result:
    """Read and analyse one file; a bad file becomes a row with its error, never an exception."""
    from .reading import read

    src = source if source is not None else str(path)
    try:
        doc = read(path, source=src)
    except ExtractorError as exc:
        return Result(failed_row(src, exc.reason, status="unreadable"))
    try:
        return analyse(doc, report_year=report_year, strict=strict)
    except ExtractorError as exc:
        if strict:
            raise
        row = document_row(doc, status="failed", error=exc.reason)
        return Result(row)


def rule_timeout_finding(doc: Document, exc: BaseException) -> Anomaly:
    """The ``info`` finding of a document on which a rule's regex exceeded its time limit: the
    document's number facts are missing (the rule is broken, not the document)."""
    reason = getattr(exc, "reason", "") or str(exc) or type(exc).__name__
    return Anomaly(
        doc_id=doc.doc_id, code="rule.timeout", severity="info",
        message=f"规则匹配超时（{reason}），文档 {doc.source} 的数字事实缺失，需检查该规则。",
        message_en=f"A rule timed out on {doc.source} ({reason}); its facts are missing.",
        start=0, end=0, source=doc.source, check="facts.rules", evidence="")


def document_row(doc: Document, *, status: str, error: str) -> dict:
    return {
        "doc_id": doc.doc_id, "source": doc.source, "sha256": doc.sha256, "encoding": doc.encoding,
        "chars": len(doc.text), "pages": len(doc.pages) or None, "report_year": None,
        "facts": 0, "anomalies": 0, "status": status, "error": error,
        "format": doc.format, "text_quality": "", "seconds": None,
    }


def failed_row(source: str, error: str, *, status: str) -> dict:
    return {
        "doc_id": "", "source": source, "sha256": "", "encoding": "", "chars": 0, "pages": None,
        "report_year": None, "facts": 0, "anomalies": 0, "status": status, "error": error,
        "format": Path(source).suffix.lstrip(".").lower(), "text_quality": "", "seconds": None,
    }

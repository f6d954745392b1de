"""The self-contained HTML review report (one file, or an index plus one page per document).

    from extractor.report import write_report
    write_report(["corpora/docs"], "report.html")            # paths: read and analysed here
    write_report(results, "report.html")                     # pipeline Results: text re-read
    write_report([(path, result), ...], "out/report.html")   # Results whose source is relative

Every page is UTF-8 with its styles, script, data and PNG plots inline: it opens from disk with
no network access. Document text is HTML-escaped segment by segment.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from ..model import Anomaly
from .html import corpus_findings, corpus_table, document_section, error_index, page, plots_html
from .items import ReportInput, ReportItem, collect, page_spans
from .plots import Plot, corpus_plots

__all__ = ["write_report", "render_report", "collect", "ReportItem", "page_spans",
           "SPLIT_THRESHOLD", "DEFAULT_TITLE"]

SPLIT_THRESHOLD = 25          # more documents than this → index page + one page per document
DEFAULT_TITLE = "数字核查报告 · extractor review report"


def write_report(inputs: Iterable[ReportInput] | ReportInput, out_path: str | os.PathLike, *,
                 per_document_pages: bool | None = None, title: str | None = None,
                 report_year: int | None = None,
                 corpus_anomalies: list[Anomaly] | None = None, plots: bool = True,
                 split_threshold: int = SPLIT_THRESHOLD) -> Path:
    """Write the review report and return the path of the page to open.

    inputs: paths (files or folders, read and analysed here), ``Document``\\ s, pipeline
    ``Result``\\ s (their text is re-read from ``document['source']``), ``(path, Result)`` pairs
    or ``ReportItem``\\ s — mixed freely.
    per_document_pages: None → automatic (split when there are more than ``split_threshold``
    documents); True → index at ``out_path`` plus one page per document in the folder
    ``<out stem>_files/`` next to it; False → everything in one file.
    corpus_anomalies: cross-document findings; None → ``checks.run_corpus_checks`` when present.
    """
    items = collect(inputs, report_year=report_year)
    if corpus_anomalies is None:
        corpus_anomalies = corpus_checks(items)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    title = title or DEFAULT_TITLE
    shown = with_corpus_findings(items, corpus_anomalies)
    figures = corpus_plots(shown) if plots else []
    split = per_document_pages if per_document_pages is not None else len(items) > split_threshold
    if not split:
        _write(out, render_report(shown, title=title, figures=figures,
                                  corpus_anomalies=corpus_anomalies))
        return out
    folder = out.parent / f"{out.stem}_files"
    folder.mkdir(exist_ok=True)
    links = []
    for i, item in enumerate(shown):
        name = f"doc-{i + 1:04d}-{_safe(item.doc_id or 'unread')}.html"
        links.append(f"{_attr_path(folder.name)}/{name}")
        sec = document_section(item, i)
        nav = f'<a href="../{_attr_path(out.name)}">← 索引 index</a>'
        _write(folder / name, page(f"{title} · {i + 1}/{len(items)}", sec.html,
                                   {"facts": sec.facts, "findings": sec.findings}, nav=nav))
    body = _overview(shown, links, corpus_anomalies) + plots_html(figures)
    _write(out, page(title, body, {"facts": {}, "findings": {}},
                     nav='<a href="#overview">文档 documents</a><a href="#plots">图表 charts</a>'))
    return out


def render_report(items: list[ReportItem], *, title: str = DEFAULT_TITLE,
                  figures: list[Plot] | None = None,
                  corpus_anomalies: list[Anomaly] | None = None) -> str:
    """All documents in one HTML page (returned as a string)."""
    facts: dict = {}
    findings: dict = {}
    sections = []
    for i, item in enumerate(items):
        sec = document_section(item, i)
        sections.append(sec.html)
        facts.update(sec.facts)
        findings.update(sec.findings)
    links = [f"#doc-{i}" for i in range(len(items))]
    body = _overview(items, links, corpus_anomalies or []) + "".join(sections) + plots_html(figures or [])
    nav = '<a href="#overview">文档 documents</a>' + ('<a href="#plots">图表 charts</a>' if figures else "")
    return page(title, body, {"facts": facts, "findings": findings}, nav=nav)


def corpus_checks(items: list[ReportItem]) -> list[Anomaly]:
    """Cross-document findings from the checks stage, when that stage offers them."""
    try:
        from ..checks import run_corpus_checks  # type: ignore[attr-defined]
    except ImportError:
        return []
    # (row, facts, text): the text lets the checks read the clause before a figure
    return list(run_corpus_checks([(it.document, it.facts, it.text or "") for it in items]))


def with_corpus_findings(items: list[ReportItem], corpus_anomalies: list[Anomaly]) -> list[ReportItem]:
    """Copies of the items whose documents a cross-document finding points into, with that
    finding added, so it is underlined and listed where its evidence is."""
    by_doc: dict[str, list[Anomaly]] = {}
    for a in corpus_anomalies:
        by_doc.setdefault(a.doc_id, []).append(a)
    return [replace(it, anomalies=[*it.anomalies, *by_doc[it.doc_id]])
            if it.doc_id and it.doc_id in by_doc else it for it in items]


def _overview(items: list[ReportItem], links: list[str], corpus_anomalies: list[Anomaly]) -> str:
    facts = sum(len(i.facts) for i in items)
    ids = {i.doc_id for i in items}
    found = sum(len(i.anomalies) for i in items) + sum(1 for a in corpus_anomalies
                                                        if a.doc_id not in ids)
    return (f'<section class="card" id="overview"><h2>文档概览 · {len(items)} document(s), '
            f'{facts} facts, {found} findings</h2>{corpus_table(items, links)}'
            f'{error_index(items, links)}'
            f'{corpus_findings(corpus_anomalies)}</section>')


def _safe(s: str) -> str:
    return re.sub(r"[^0-9A-Za-z_-]", "_", s)[:40]


def _attr_path(name: str) -> str:
    from urllib.parse import quote
    return quote(name)


def _write(path: Path, html_text: str) -> None:
    path.write_text(html_text, encoding="utf-8", newline="\n")

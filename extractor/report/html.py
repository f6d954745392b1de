"""The self-contained review HTML: escaped text with fact highlights, findings, filters, plots.

Every piece of document text goes through ``html.escape`` segment by segment; markup is only
ever built from offsets and our own constants. Data for tooltips and clicks travels as one JSON
block whose ``<``, ``>`` and ``&`` are \\u-escaped, so it can never close its script element.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from html import escape

from ..model import KINDS, SEVERITIES, Anomaly, Fact
from .assets import JS, KIND_COLOURS, KIND_LABELS, SEVERITY_LABELS, css
from .items import ReportItem
from .spans import segments

SEV_RANK = {s: i for i, s in enumerate(SEVERITIES)}   # error < warning < info (0 is worst)


def esc(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def fmt_decimal(d: Decimal | float | int | None) -> str:
    """12000000 → '12,000,000'; 7.50 → '7.5'; None → ''."""
    if d is None:
        return ""
    if not isinstance(d, Decimal):
        d = Decimal(str(d))
    s = format(d, ",f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def interval_text(f: Fact) -> str:
    lo = None if f.low_open else f.value_low
    hi = None if f.high_open else f.value_high
    if lo is None and hi is None:
        return ""
    if lo is not None and hi is not None:
        if lo == hi:
            return f"[{fmt_decimal(lo)}]"
        return f"[{fmt_decimal(lo)}, {fmt_decimal(hi)}]"
    if lo is not None:
        return f"[{fmt_decimal(lo)}, +∞)"
    return f"(−∞, {fmt_decimal(hi)}]"


def fact_payload(f: Fact) -> dict:
    return {
        "fact_id": f.fact_id, "kind": f.kind, "text": f.text, "value": fmt_decimal(f.value),
        "unit": f.unit, "interval": interval_text(f), "approx": f.approx, "decimals": f.decimals,
        "date": f.date, "period": f.period, "subject": f.subject, "modality": f.modality,
        "role": f.role, "page": f.page, "section": f.section,
    }


def anomaly_payload(a: Anomaly, local_facts: list[str]) -> dict:
    return {"anomaly_id": a.anomaly_id, "code": a.code, "severity": a.severity,
            "message": a.message, "message_en": a.message_en, "stated": a.stated,
            "computed": a.computed, "fact_ids": list(a.fact_ids), "facts": local_facts}


def safe_json(obj: object) -> str:
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return (s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


@dataclass(slots=True)
class Rendered:
    """One document's HTML section plus the data its script needs."""

    html: str
    facts: dict
    findings: dict


def _located(text: str | None, start: int, end: int, expected: str | None = None) -> bool:
    if text is None or not (0 <= start <= end <= len(text)):
        return False
    return expected is None or not expected or text[start:end] == expected


def render_text(item: ReportItem, prefix: str) -> tuple[str, dict, dict, list[Fact]]:
    """The document text as HTML spans; returns (html, facts payload, findings payload,
    facts that could not be located in the text)."""
    text = item.text or ""
    facts_payload: dict[str, dict] = {}
    findings_payload: dict[str, dict] = {}
    by_fact_id: dict[str, list[str]] = {}
    spans: list[tuple[int, int, tuple[str, str]]] = []
    unlocated: list[Fact] = []
    fact_len: dict[str, int] = {}
    fact_kind: dict[str, str] = {}
    for i, f in enumerate(item.facts):
        lid = f"{prefix}f{i}"
        facts_payload[lid] = fact_payload(f)
        by_fact_id.setdefault(f.fact_id, []).append(lid)
        if _located(item.text, f.start, f.end, f.text) and f.start < f.end:
            spans.append((f.start, f.end, ("f", lid)))
            fact_len[lid] = f.end - f.start
            fact_kind[lid] = f.kind
        else:
            unlocated.append(f)
    points: dict[int, list[str]] = {}
    anomaly_sev: dict[str, str] = {}
    for j, a in enumerate(item.anomalies):
        lid = f"{prefix}a{j}"
        local = [x for fid in a.fact_ids for x in by_fact_id.get(fid, [])]
        findings_payload[lid] = anomaly_payload(a, local)
        anomaly_sev[lid] = a.severity
        if _located(item.text, a.start, a.end):
            if a.start < a.end:
                spans.append((a.start, a.end, ("a", lid)))
            else:
                points.setdefault(a.start, []).append(
                    f'<span class="anchor a sev-{esc(a.severity)}" data-a="{lid}"></span>')
    for p in item.pages:
        if 0 <= p.start <= len(text):
            at = p.start   # after the line break that ends the previous page, if any
            while at < min(p.end, len(text)) and text[at] in "\r\n\f":
                at += 1
            points.setdefault(at, []).append(
                f'<span class="pb" data-page="{esc(p.number)}" title="page {esc(p.number)}"></span>')
    for s, e in item.markers:
        spans.append((s, e, ("m", "")))
    out: list[str] = []
    for seg in segments(len(text), spans, points=points):
        out.extend(points.pop(seg.start, ()))
        chunk = escape(text[seg.start:seg.end], quote=False)
        if not seg.keys:
            out.append(chunk)
            continue
        fs = [k for t, k in seg.keys if t == "f"]
        ans = [k for t, k in seg.keys if t == "a"]
        classes: list[str] = []
        attrs = ""
        if fs:
            main = min(fs, key=lambda k: (fact_len[k], k))   # the most specific fact decides colour
            classes += ["f", f"k-{fact_kind[main]}"]
            attrs += f' data-f="{" ".join(fs)}"'
        if ans:
            worst = min((anomaly_sev[k] for k in ans), key=lambda s: SEV_RANK.get(s, 9))
            classes += ["a", f"sev-{worst}"]
            attrs += f' data-a="{" ".join(ans)}"'
        if any(t == "m" for t, _ in seg.keys):
            classes.append("pgm")
        out.append(f'<span class="{esc(" ".join(classes))}"{attrs}>{chunk}</span>')
    for rest in points.values():   # points at the very end of the text
        out.extend(rest)
    return "".join(out), facts_payload, findings_payload, unlocated


def legend_html() -> str:
    kinds = "".join(f'<span class="chip k-{k}">{esc(KIND_LABELS[k])}</span>' for k in KINDS)
    sevs = "".join(f'<span class="ul sev-{s}">{esc(SEVERITY_LABELS[s])}</span>'
                   for s in SEVERITIES)
    return (f'<div class="legend"><span class="group"><span class="title">事实类型</span>{kinds}</span>'
            f'<span class="group"><span class="title">核查发现</span>{sevs}</span>'
            '<span class="group"><span class="pb" data-page="N"></span>页码</span></div>')


def summary_table(item: ReportItem) -> str:
    """One horizontal row of the document's figures: status, encoding, size, facts, findings."""
    d = item.document
    kinds = Counter(f.kind for f in item.facts)
    sevs = Counter(a.severity for a in item.anomalies)
    codes = Counter(a.code for a in item.anomalies)
    status = str(d.get("status") or "")
    status_html = esc(status) if status == "ok" else (
        f'<span class="status-bad">{esc(status)}</span> {esc(d.get("error") or "")}')
    kind_cells = " ".join(f'<span class="chip k-{k}">{esc(k)} {kinds.get(k, 0)}</span>'
                          for k in KINDS)
    sev_cells = " ".join(f'<span class="badge sev-{s}">{esc(s)} {sevs.get(s, 0)}</span>'
                         for s in SEVERITIES)
    cols = [
        ("状态 status", status_html), ("编码 encoding", esc(d.get("encoding") or "—")),
        ("字符 chars", esc(d.get("chars") if d.get("chars") is not None else "—")),
        ("页数 pages", esc(d.get("pages") or "—")),
        ("年度 year", esc(d.get("report_year") or "—")),
        (f"事实 facts · {len(item.facts)}", kind_cells),
        (f"发现 findings · {len(item.anomalies)}", sev_cells),
    ]
    head = "".join(f"<th>{k}</th>" for k, _ in cols)
    row = "".join(f"<td>{v}</td>" for _, v in cols)
    code_line = "、".join(f"{esc(c)} ×{n}" for c, n in codes.most_common())
    quality = esc(d.get("text_quality") or "")
    extra = ""
    if code_line or quality:
        extra = (f'<tr><td colspan="{len(cols)}" class="counts">'
                 + (f"规则 codes: {code_line}" if code_line else "")
                 + (f"{' · ' if code_line else ''}文本质量 text quality: {quality}" if quality else "")
                 + "</td></tr>")
    return f'<table class="summary doc-summary"><tr>{head}</tr><tr>{row}</tr>{extra}</table>'


def findings_panel(item: ReportItem, prefix: str) -> str:
    sevs = Counter(a.severity for a in item.anomalies)
    codes = sorted({a.code for a in item.anomalies})
    checks = "".join(
        f'<label><input type="checkbox" data-sev="{s}" checked> '
        f'<span class="badge sev-{s}">{esc(s)}</span>{sevs.get(s, 0)}</label>' for s in SEVERITIES)
    options = '<option value="">全部规则 all codes</option>' + "".join(
        f'<option value="{esc(c)}">{esc(c)}</option>' for c in codes)
    order = sorted(range(len(item.anomalies)),
                   key=lambda j: (SEV_RANK.get(item.anomalies[j].severity, 9),
                                  item.anomalies[j].start, item.anomalies[j].code))
    lis = []
    for j in order:
        a = item.anomalies[j]
        lid = f"{prefix}a{j}"
        ev = a.evidence or (item.text[a.start:a.end] if _located(item.text, a.start, a.end) else "")
        calc = ""
        if a.stated or a.computed:
            calc = (f'<div class="calc">stated <b>{esc(a.stated or "—")}</b> · '
                    f'computed <b>{esc(a.computed or "—")}</b></div>')
        lis.append(
            f'<li class="finding sev-{esc(a.severity)}" id="find-{lid}" data-a="{lid}" '
            f'data-sev="{esc(a.severity)}" '
            f'data-code="{esc(a.code)}" tabindex="0" role="button">'
            f'<div><span class="badge sev-{esc(a.severity)}">{esc(a.severity)}</span>'
            f'<span class="code">{esc(a.code)}</span></div>'
            f'<div class="msg">{esc(a.message)}</div>'
            + (f'<div class="en">{esc(a.message_en)}</div>' if a.message_en else "")
            + calc
            + (f'<div class="ev">证据 <q>{esc(ev[:160])}</q></div>' if ev else "")
            + "</li>")
    body = "".join(lis) if lis else '<li class="empty">无核查发现 · no findings</li>'
    return (f'<aside class="findings" aria-label="findings">'
            f'<div class="controls"><b>核查发现</b> <span class="shown">{len(lis)}</span>/{len(lis)} '
            f'{checks}<select class="code" aria-label="code">{options}</select></div>'
            f'<ol>{body}</ol></aside>')


def document_section(item: ReportItem, index: int) -> Rendered:
    prefix = f"d{index}"
    if item.text is not None:
        text_html, facts, findings, unlocated = render_text(item, prefix)
        text_block = f'<div class="text" lang="zh">{text_html}</div>'
    else:
        _, facts, findings, unlocated = render_text(ReportItem(item.document, None,
                                                               item.facts, item.anomalies), prefix)
        unlocated = []
        text_block = '<div class="text na">原文不可用 · the text could not be read</div>'
    extra = ""
    if unlocated:
        shown = "、".join(esc(f"{f.text}@{f.start}-{f.end}") for f in unlocated[:20])
        extra = (f'<div class="unlocated">{len(unlocated)} 个事实无法在原文中定位 · facts whose '
                 f'offsets do not match the text: {shown}</div>')
    html = (f'<section class="card doc" id="doc-{index}" data-doc-id="{esc(item.doc_id)}">'
            f'<div class="doc-head"><h2>{esc(_title_of(item))}</h2>'
            f'<span class="src">{esc(item.source)} · doc_id {esc(item.doc_id or "—")}</span></div>'
            f'{summary_table(item)}'
            f'<div class="doc-body">{text_block}{findings_panel(item, prefix)}</div>{extra}'
            f'</section>')
    return Rendered(html, facts, findings)


def _title_of(item: ReportItem) -> str:
    src = item.source.replace("\\", "/").rsplit("/", 1)[-1]
    return src.rsplit(".", 1)[0] if "." in src else (src or item.doc_id or "document")


def corpus_table(items: list[ReportItem], links: list[str]) -> str:
    head = ("<tr><th>#</th><th>文档 document</th><th>状态</th><th>字符</th><th>页</th><th>年度</th>"
            "<th>事实</th>" + "".join(f"<th>{s}</th>" for s in SEVERITIES) + "</tr>")
    rows = []
    for i, (item, link) in enumerate(zip(items, links)):
        d = item.document
        sevs = Counter(a.severity for a in item.anomalies)
        status = str(d.get("status") or "")
        rows.append(
            f'<tr><td class="num">{i + 1}</td><td><a href="{esc(link)}">{esc(_title_of(item))}</a></td>'
            f'<td>{esc(status) if status == "ok" else f"<span class=status-bad>{esc(status)}</span>"}</td>'
            f'<td class="num">{esc(d.get("chars"))}</td><td class="num">{esc(d.get("pages") or "")}</td>'
            f'<td class="num">{esc(d.get("report_year") or "")}</td>'
            f'<td class="num">{len(item.facts)}</td>'
            + "".join(f'<td class="num">{sevs.get(s, 0)}</td>' for s in SEVERITIES) + "</tr>")
    return f'<table class="summary corpus-summary">{head}{"".join(rows)}</table>'


def error_index(items: list[ReportItem], links: list[str], *, limit: int = 300) -> str:
    """Every error of every document, linking to the finding (which the page then selects)."""
    rows = []
    for i, (item, link) in enumerate(zip(items, links)):
        base = "" if link.startswith("#") else link
        for j, a in enumerate(item.anomalies):
            if a.severity == "error":
                rows.append(
                    f'<tr><td><a href="{esc(base)}#find-d{i}a{j}">{esc(_title_of(item))}</a></td>'
                    f'<td class="code">{esc(a.code)}</td><td>{esc(a.message)}</td></tr>')
    if not rows:
        return ""
    more = (f'<p class="counts">… {len(rows) - limit} more in the documents</p>'
            if len(rows) > limit else "")
    return (f'<h3>错误一览 · errors ({len(rows)})</h3><table class="summary error-index">'
            f'<tr><th>文档 document</th><th>规则 code</th><th>说明 message</th></tr>'
            f'{"".join(rows[:limit])}</table>{more}')


def corpus_findings(anomalies: list[Anomaly]) -> str:
    if not anomalies:
        return ""
    lis = "".join(
        f'<li class="finding static sev-{esc(a.severity)}" data-sev="{esc(a.severity)}" '
        f'data-code="{esc(a.code)}"><div><span class="badge sev-{esc(a.severity)}">'
        f'{esc(a.severity)}</span><span class="code">{esc(a.code)}</span> '
        f'<span class="src">{esc(a.source)}</span></div><div class="msg">{esc(a.message)}</div>'
        + (f'<div class="en">{esc(a.message_en)}</div>' if a.message_en else "") + "</li>"
        for a in anomalies)
    return (f'<h3>跨文档核查 · cross-document findings ({len(anomalies)})</h3>'
            f'<ol class="corpus-findings" style="list-style:none;padding:0">{lis}</ol>')


def plots_html(figures: list) -> str:
    if not figures:
        return ""
    figs = "".join(
        f'<figure data-plot="{esc(fig.name)}"><img alt="{esc(fig.title)}" '
        f'src="data:image/png;base64,{fig.base64}"><figcaption><b>{esc(fig.title)}</b>'
        f' — {esc(fig.caption)}</figcaption></figure>' for fig in figures)
    return (f'<section class="card" id="plots"><h2>语料图表 · corpus charts</h2>'
            f'<div class="plots">{figs}</div></section>')


def page(title: str, body: str, data: dict, *, nav: str = "") -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
        f"<title>{esc(title)}</title><style>{css()}</style></head><body>"
        f'<header class="top"><h1>{esc(title)}</h1><span class="meta">extractor · {stamp}</span>'
        f"<nav>{nav}</nav></header><main>"
        f'<section class="card legend-card">{legend_html()}</section>'
        f"{body}</main><div id=\"tip\" role=\"tooltip\"></div>"
        f'<script id="report-data" type="application/json">{safe_json(data)}</script>'
        f"<script>{JS}</script></body></html>\n")

"""Cross-document checks (issue part 8): the same indicator of the same issuer in two reports.

- ``corpus.target_vs_outcome``: year N's target (力争增长6.5%, 预期目标…左右) against the outcome
  reported in year N+1 for the same indicator: ``info`` when met, ``warning`` when missed;
- ``corpus.restated_figure``: the same indicator for the same year (written in the sentence:
  2018年国内生产总值增长6.6%) stated with disjoint intervals in two reports: ``warning``.

Inputs are pipeline ``Result`` objects or ``(document_row, facts)`` pairs; a third element, the
decoded text, lets the checks read the clause before a figure when extraction left ``subject``
or ``modality`` empty. The issuer is the source file name with years, speaker names and
collection prefixes removed (``…__2019年国务院政府工作报告.txt`` and
``…__1990政府工作报告_李鹏.txt`` both give ``国务院政府工作报告``/``政府工作报告``; see
``issuer_of``). The finding belongs to the later document; ``fact_ids`` hold the facts of both
documents (a fact id carries its doc id) and the message names both sources.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model import Anomaly, Fact
from .config import lexicon
from .intervals import Interval, fact_interval
from .registry import check

ISSUER_CLEAN = [
    (re.compile(r"^.*?__"), ""),                  # collection prefix "aldohemsn-wikisource__"
    (re.compile(r"(19|20)\d{2}年?"), ""),         # years
    (re.compile(r"_.*$"), ""),                    # trailing _speaker / _ocr / _摘要
    (re.compile(r"^国务院"), ""),                  # national: 国务院政府工作报告 == 政府工作报告
]


def issuer_of(source: str) -> str:
    """'x__2019年国务院政府工作报告.txt' and 'y__1990政府工作报告_李鹏.txt' → '政府工作报告'."""
    s = Path(source).stem
    for rx, rep in ISSUER_CLEAN:
        s = rx.sub(rep, s)
    return s.strip("_ ")


@functools.cache
def _indicators() -> tuple[list[tuple[str, re.Pattern[str]]], re.Pattern[str]]:
    lex = lexicon("indicators")
    return ([(k, re.compile(v)) for k, v in lex["indicators"].items()], re.compile(lex["target_cue"]))


CEILINGS = ("cpi", "unemployment", "deficit_ratio")  # targets that are ceilings (3%左右, 5.5%以内)
CN_DIGIT = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0"}
YEAR_RX = re.compile(r"([0-9０-９]{4}|[〇○零一二三四五六七八九]{4})\s*年")


def explicit_year(d: DocFacts, f: Fact) -> str:
    """The last year written in the sentence before the figure (2018年国内生产总值增长6.6%)."""
    if not d.text:
        return f.period
    a = max(0, f.start - 80)
    seg = d.text[a:f.start]
    cut = max(seg.rfind(c) for c in "。；;\n")
    years = YEAR_RX.findall(seg[cut + 1:])
    if not years:
        return ""
    y = years[-1].translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    return "".join(CN_DIGIT.get(c, c) for c in y)


@functools.cache
def _exclude() -> re.Pattern[str]:
    return re.compile(lexicon("indicators")["exclude"])


def label(key: str) -> str:
    return str(lexicon("indicators")["labels"].get(key, key))


@dataclass
class DocFacts:
    row: dict
    facts: list[Fact]
    text: str = ""
    year: int | None = None
    issuer: str = ""
    growth: dict[str, list[tuple[Fact, bool]]] = field(default_factory=dict)  # indicator → (fact, is_target)


class CorpusContext:
    def __init__(self, docs: list[DocFacts]) -> None:
        self.docs = docs
        self.check_name = ""

    @classmethod
    def build(cls, results: Iterable[Any]) -> CorpusContext:
        docs = []
        for r in results:
            if hasattr(r, "document"):
                row, facts, text = r.document, r.facts, getattr(r, "text", "")
            else:
                row, facts, *rest = r
                text = rest[0] if rest else ""
            d = DocFacts(dict(row), list(facts), text or "")
            d.year = row.get("report_year")
            d.issuer = issuer_of(str(row.get("source", "")))
            _index(d)
            docs.append(d)
        return cls(docs)

    def anomaly(self, d: DocFacts, code: str, severity: str, message: str, message_en: str,
                main: Fact, facts: list[Fact], stated: str, computed: str) -> Anomaly:
        ev = d.text[main.start:main.end] if d.text else main.text
        return Anomaly(doc_id=main.doc_id, code=code, severity=severity, message=message,
                       message_en=message_en, start=main.start, end=main.end,
                       fact_ids=[f.fact_id for f in facts], stated=stated, computed=computed,
                       source=str(d.row.get("source", "")), check=self.check_name, evidence=ev)


def _context(d: DocFacts, f: Fact) -> str:
    """The clause before the figure (国内生产总值增长6.6% → 国内生产总值增长), else the subject."""
    if d.text:
        a = max(0, f.start - 30)
        seg = d.text[a:f.start]
        cut = max(seg.rfind(c) for c in "。；;，,、\n")
        return seg[cut + 1:]
    return f.subject or ""


def _index(d: DocFacts) -> None:
    inds, target_cue = _indicators()
    for f in d.facts:
        if f.kind != "percent" or f.unit != "%" or f.value is None:
            continue
        ctx = _context(d, f)
        if f.role and f.role != "growth" and "率" not in ctx:
            continue
        if _exclude().search(ctx[-12:]):
            continue  # 对世界经济增长贡献率超过30%: a contribution, not the growth itself
        key = next((k for k, rx in inds if rx.search(ctx[-12:]) or (not d.text and rx.search(f.subject or ""))), None)
        if key is None:
            continue
        after = d.text[f.end:f.end + 4] if d.text else ""
        is_target = f.modality in ("planned", "expected") or bool(target_cue.search(ctx + (f.qualifiers or "") + after))
        d.growth.setdefault(key, []).append((f, is_target))


def _pairs(ctx: CorpusContext) -> Iterator[tuple[DocFacts, DocFacts]]:
    by = {}
    for d in ctx.docs:
        if d.year is not None:
            by.setdefault((d.issuer, d.year), d)
    for (issuer, year), d in sorted(by.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        nxt = by.get((issuer, year + 1))
        if nxt is not None:
            yield d, nxt


@check("corpus.targets.v1", scope="corpus",
       codes={"corpus.target_vs_outcome": "info", "corpus.restated_figure": "warning"})
def check_targets(ctx: CorpusContext) -> Iterator[Anomaly]:
    """Year N's growth targets against year N+1's reported outcomes; restated outcomes."""
    ctx.check_name = "corpus.targets.v1"
    for prev, cur in _pairs(ctx):
        for key, entries in prev.growth.items():
            targets = [f for f, t in entries if t]
            outcomes = [f for f, t in cur.growth.get(key, []) if not t]
            if not targets or not outcomes:
                continue
            tgt, out = targets[0], outcomes[0]
            ti, oi = fact_interval(tgt), fact_interval(out)
            if ti is None or oi is None:
                continue
            if key in CEILINGS:
                ti = Interval(None, ti.hi, False, ti.hi_open)  # a ceiling: 3%左右 / 以内
            met = oi.intersects(ti) or (oi.lo is not None and ti.hi is not None and oi.lo > ti.hi
                                         and key not in CEILINGS)
            sev = "info" if met else "warning"
            ps, cs = prev.row.get("source", ""), cur.row.get("source", "")
            yield ctx.anomaly(
                cur, "corpus.target_vs_outcome", sev,
                f"{prev.year}年报告（{Path(str(ps)).name}）提出{label(key)}目标“{tgt.text}”，{cur.year}年报告称实际为“{out.text}”，"
                + ("目标已实现。" if met else "未达到目标。"),
                f"The {prev.year} report ({Path(str(ps)).name}) set the {key} target '{tgt.text}'; the {cur.year} "
                f"report ({Path(str(cs)).name}) states '{out.text}': " + ("met." if met else "missed."),
                out, [out, tgt], stated=oi.fmt(), computed=ti.fmt())
    # restated: the same indicator outcome for the same period in two documents
    seen: dict[tuple[str, str, str], tuple[DocFacts, Fact]] = {}
    for d in sorted(ctx.docs, key=lambda d: (d.issuer, d.year or 0)):
        for key, entries in d.growth.items():
            for f, is_target in entries:
                period = explicit_year(d, f)
                if is_target or not period:
                    continue
                k = (d.issuer, key, period)
                if k not in seen:
                    seen[k] = (d, f)
                    continue
                d0, f0 = seen[k]
                if d0 is d:
                    continue
                i0, i1 = fact_interval(f0), fact_interval(f)
                if i0 is None or i1 is None or i0.intersects(i1):
                    continue
                yield ctx.anomaly(
                    d, "corpus.restated_figure", "warning",
                    f"{label(key)}在{period}年的数值，{Path(str(d0.row.get('source',''))).name}称“{f0.text}”，"
                    f"{Path(str(d.row.get('source',''))).name}却称“{f.text}”，同一数字前后表述不一致。",
                    f"The {key} figure for {period} is '{f0.text}' in {d0.row.get('source','')} but "
                    f"'{f.text}' in {d.row.get('source','')}: the figure was restated differently.",
                    f, [f, f0], stated=i1.fmt(), computed=i0.fmt())

"""Facts of a prepared document: money, percent, count, quantity (this package's engine), dates
and durations (``extractor.facts.dates``), with context attached (``extractor.facts.context``).

``extract_facts(prepared) -> list[Fact]``: offsets in the DECODED text
(``doc.text[f.start:f.end] == f.text``), sorted by start, each with its sentence index, page and
section. Overlap policy between the number facts and the date/duration facts: the longest span
wins; on a tie the date or duration wins (``2个月`` is a duration, ``8月16日`` a date).
The negative lexicon (rules/lexicons/negatives.yaml) applies to every kind (百日行动 is a name).
"""
from __future__ import annotations

import hashlib
from bisect import bisect_right
from pathlib import Path
from typing import Any

from ..errors import ExtractorError
from ..model import Document, Fact
from .engine import RuleTimeoutError, Trace, _negative_hit, find_number_facts
from .ruleset import load_ruleset

__all__ = ["extract_facts", "facts_from_text", "document_from_text", "RuleTimeout",
           "NUMBER_KINDS", "parse_money"]

NUMBER_KINDS = ("money", "percent", "count", "quantity")


class RuleTimeout(ExtractorError):
    """A rule's regex took longer than its time limit on this document (a broken rule).

    The pipeline turns it into the document's error / an info finding; the rule id and the
    clean-text offset are in ``reason``."""

    code = "R200"


def _find_dates(prepared: Any) -> list[Fact]:
    try:
        from .dates import find_dates
    except ImportError:          # the dates module is optional until it lands
        return []
    return find_dates(prepared)


def _attach(prepared: Any, facts: list[Fact]) -> None:
    try:
        from .context import attach
    except ImportError:          # context attachment is optional until it lands
        return
    attach(prepared, facts)


def number_facts_clean(prepared: Any, *, rules: str | Path | None = None,
                       trace: Trace | None = None, assume_money: bool = False) -> list[Fact]:
    """Money/percent/count/quantity facts with CLEAN-text offsets (internal, explain, tests)."""
    rs = load_ruleset(rules)
    words = getattr(prepared, "words", None)
    try:
        return find_number_facts(prepared.clean.text, rs, words=words, trace=trace,
                                 assume_money=assume_money)
    except RuleTimeoutError as exc:
        raise RuleTimeout(prepared.doc.source,
                          f"rule {exc.rule_id} exceeded its time limit at clean offset {exc.pos}") from exc
    except TimeoutError as exc:      # the run scanner or a negative pattern (rules/lexicons)
        raise RuleTimeout(prepared.doc.source,
                          f"a number rule exceeded its time limit: {exc}") from exc


def extract_facts(prepared: Any, *, rules: str | Path | None = None) -> list[Fact]:
    """All facts of a prepared document (see the module docstring)."""
    doc = prepared.doc
    clean = prepared.clean
    rs = load_ruleset(rules)
    numbers = number_facts_clean(prepared, rules=rules)
    starts = [s.start for s in prepared.sentences]
    out: list[Fact] = []
    for f in numbers:
        cs = f.start
        f.start, f.end = clean.to_decoded(f.start, f.end)
        f.text = doc.text[f.start:f.end]
        f.doc_id, f.source = doc.doc_id, doc.source
        _place(f, cs, prepared, starts)
        out.append(f)
    dates = []
    for f in _find_dates(prepared):
        cs = clean.to_clean(f.start)
        ce = cs + max(1, len(f.text))
        arabic = bool(f.text) and f.text[0] in "0123456789０１２３４５６７８９"
        if _negative_hit(clean.text, cs, min(ce, len(clean.text)), rs, arabic):
            continue
        _place(f, cs, prepared, starts)
        dates.append(f)
    merged = _merge(out, dates)
    _attach(prepared, merged)
    merged.sort(key=lambda f: (f.start, f.end, f.kind))
    return merged


def _place(f: Fact, clean_start: int, prepared: Any, starts: list[int]) -> None:
    i = bisect_right(starts, clean_start) - 1
    if i >= 0:
        s = prepared.sentences[i]
        f.sentence = s.index
        f.section = f.section or (s.section or "")
        # The fact's own page, not its sentence's: a page marker can cut a sentence
        # (工程完成投资1200万元⏎2、,已预付650万元: 650万元 is on page 2).
        page = prepared.clean.page_at(clean_start)
        f.page = page if page is not None else s.page
    else:
        f.page = prepared.clean.page_at(clean_start) if prepared.clean.text else None


def _merge(numbers: list[Fact], dates: list[Fact]) -> list[Fact]:
    """Longest span wins; on a tie a date/duration beats a number fact."""
    if not dates:
        return sorted(numbers, key=lambda f: f.start)
    allf = [(f, 1) for f in numbers] + [(f, 0) for f in dates]
    allf.sort(key=lambda p: (-(p[0].end - p[0].start), p[1], p[0].start))
    taken: list[tuple[int, int]] = []
    out: list[Fact] = []
    import bisect
    for f, _ in allf:
        k = bisect.bisect_left(taken, (f.start, f.end))
        clash = False
        for j in (k - 1, k):
            if 0 <= j < len(taken):
                s2, e2 = taken[j]
                if s2 < f.end and f.start < e2:
                    clash = True
        if not clash:
            bisect.insort(taken, (f.start, f.end))
            out.append(f)
    out.sort(key=lambda f: f.start)
    return out


def document_from_text(text: str, *, source: str = "<text>") -> Document:
    """A Document for a bare string (API, tests, explain)."""
    raw = text.encode("utf-8", "surrogatepass")   # a str may hold lone surrogates; hash them too
    sha = hashlib.sha256(raw).hexdigest()
    return Document(doc_id=sha[:16], source=source, sha256=sha, encoding="utf-8", text=text)


def prepare_text(text: str, report_year: int | None = None) -> Any:
    from ..text import prepare
    return prepare(document_from_text(text), report_year=report_year)


def facts_from_text(text: str, *, report_year: int | None = None,
                    rules: str | Path | None = None) -> list[Fact]:
    """extract_facts on a bare string (offsets into ``text``)."""
    return extract_facts(prepare_text(text, report_year), rules=rules)


def parse_money(text: str) -> Fact | None:
    """Parse a string known to be an amount of money (JioNLP ``parse_money`` style): the money
    cue is assumed, so 三百万 and 几十万块 are money too. Returns the longest money fact (clean
    offsets of ``text``), or None.

    >>> f = parse_money("约4.287亿美元")
    >>> (str(f.value), f.unit, f.approx)
    ('428700000', 'USD', 'about')
    """
    facts = [f for f in number_facts_clean(prepare_text(text), assume_money=True)
             if f.kind == "money"]
    return max(facts, key=lambda f: (f.end - f.start, -f.start)) if facts else None

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
import os
from bisect import bisect_left, bisect_right
from contextlib import contextmanager
from itertools import accumulate, chain, compress, islice, repeat
from operator import attrgetter, ge, gt, lt, not_, or_
from pathlib import Path
from typing import Any

from ..errors import ExtractorError
from ..model import Document, Fact
from . import engine as _engine
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
                       trace: Trace | None = None, assume_money: bool = False,
                       ruleset: Any = None) -> list[Fact]:
    """Money/percent/count/quantity facts with CLEAN-text offsets (internal, explain, tests).

    ``ruleset``: the compiled rules of ``rules`` when the caller has loaded them already."""
    rs = ruleset if ruleset is not None else load_ruleset(rules)
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
    rs = _ruleset(rules)   # once per document (it checks the rule files unless held)
    numbers = number_facts_clean(prepared, rules=rules, ruleset=rs)
    ctext = clean.text
    # offsets, sentences and pages of all facts in one call each (the per-fact method calls
    # were most of the cost of this glue)
    to_decoded_many = getattr(clean, "to_decoded_many", None)
    if to_decoded_many is not None:
        spans = to_decoded_many([(f.start, f.end) for f in numbers])
    else:
        spans = [clean.to_decoded(f.start, f.end) for f in numbers]
    cstarts = [f.start for f in numbers]
    text, doc_id, source = doc.text, doc.doc_id, doc.source
    for f, (ds, de) in zip(numbers, spans):
        f.start, f.end = ds, de
        f.text = text[ds:de]
        f.doc_id, f.source = doc_id, source
    _place_all(numbers, cstarts, prepared)
    dates = []
    dstarts = []
    found = _find_dates(prepared)
    to_clean_many = getattr(clean, "to_clean_many", None)
    cs_all = (to_clean_many([f.start for f in found]) if to_clean_many is not None
              else [clean.to_clean(f.start) for f in found])
    n = len(ctext)
    digits = "0123456789０１２３４５６７８９"
    watch = None
    try:      # one time limit for the negative patterns' searches, as for the number facts
        if found:
            watch = _engine._Watchdog.start(_engine.NEGATIVE_TIMEOUT, "a negative pattern")
        for f, cs in zip(found, cs_all):
            ce = cs + max(1, len(f.text))
            arabic = bool(f.text) and f.text[0] in digits
            if _negative_hit(ctext, cs, min(ce, n), rs, arabic, watch):
                continue
            dates.append(f)
            dstarts.append(cs)
    finally:
        if watch is not None:
            watch.stop()
    _place_all(dates, dstarts, prepared)
    merged = _merge(numbers, dates)
    _attach(prepared, merged)
    merged.sort(key=_ORDER)
    return merged


# While a batch run holds the rules (``hold_rules``): (rules, $EXTRACTOR_RULES_DIR) -> the
# number rule set loaded for it; None: not held, every document checks the rule files.
_held: dict | None = None


def hold_rules() -> None:
    """From now on ``extract_facts`` loads the number rule set of each rules folder once and
    keeps it, instead of checking the folder's rule files on every document (``load_ruleset``:
    28 stat calls, 60 µs a document): what a batch run does once its rules have been checked
    (the worker's warm-up and rule check), in a process whose life is the run (a pool worker).
    The other rule files (dates, text, checks: ``rulefiles.load_yaml``) are already loaded
    once per process, so the run's documents all see the rules its first documents saw. A
    load that fails is not kept (it raises again on the next document, as before)."""
    global _held
    if _held is None:
        _held = {}


@contextmanager
def rules_held():
    """``hold_rules`` for the documents of one run in a longer-lived process (the serial
    engine): on leaving, the rule files are checked on every document again (unless an outer
    hold is still active)."""
    global _held
    outer = _held
    hold_rules()
    try:
        yield
    finally:
        if outer is None:
            _held = None


def _ruleset(rules: str | Path | None) -> Any:
    held = _held
    if held is None:
        return load_ruleset(rules)
    key = (rules, os.environ.get("EXTRACTOR_RULES_DIR"))   # (load_ruleset's default folder)
    rs = held.get(key)
    if rs is None:
        rs = held[key] = load_ruleset(rules)
    return rs


_ORDER = attrgetter("start", "end", "kind")
_START = attrgetter("start")
_END = attrgetter("end")


def _place_all(facts: list[Fact], clean_starts: list[int], prepared: Any) -> None:
    """``_place`` for every fact: sentence, section and page (the fact's own page)."""
    if not facts:
        return
    sents = prepared.sentences
    known = getattr(prepared, "_sentence_starts", None)   # Prepared keeps them
    starts = known() if known is not None else [s.start for s in sents]
    clean = prepared.clean
    pages_at = getattr(clean, "pages_at", None)
    pages = (pages_at(clean_starts) if pages_at is not None
             else [clean.page_at(c) for c in clean_starts])
    has_text = bool(clean.text)
    # the sentence after each fact's (its index + 1: 0 before the first), bisected in C
    after = map(bisect_right, repeat(starts), clean_starts)
    for f, i, page in zip(facts, after, pages):
        if i:
            s = sents[i - 1]
            f.sentence = s.index
            f.section = f.section or (s.section or "")
            # The fact's own page, not its sentence's: a page marker can cut a sentence
            # (工程完成投资1200万元⏎2、,已预付650万元: 650万元 is on page 2).
            f.page = page if page is not None else s.page
        else:
            f.page = page if has_text else None


def _merge(numbers: list[Fact], dates: list[Fact]) -> list[Fact]:
    """Longest span wins; on a tie a date/duration beats a number fact."""
    if not dates:
        return sorted(numbers, key=_START)
    allf = numbers + dates
    starts = list(map(_START, allf))
    ends = list(map(_END, allf))
    order = sorted(range(len(allf)), key=starts.__getitem__)
    ss = list(map(starts.__getitem__, order))
    es = list(map(ends.__getitem__, order))
    if any(map(ge, ss, es)):        # an empty span: every fact goes through the greedy choice
        return _choose(allf, starts, ends, len(numbers), range(len(allf)))
    # A fact that overlaps no other fact is kept whatever the order of the choice, and it
    # cannot keep out another (the test below is exact): only the facts that overlap one
    # (a few percent: a count inside a duration, a year in a date) go through the greedy
    # choice. In start order a fact overlaps an earlier one iff the furthest earlier end is
    # past its start, a later one iff the next start is before its end (no span is empty).
    clash = list(map(or_, chain((False,), map(gt, accumulate(es, max), islice(ss, 1, None))),
                     chain(map(lt, islice(ss, 1, None), es), (False,))))
    if not any(clash):
        return [allf[k] for k in order]
    out = list(compress(map(allf.__getitem__, order), map(not_, clash)))
    out += _choose(allf, starts, ends, len(numbers), compress(order, clash))
    out.sort(key=_START)   # the kept facts do not overlap, so their starts differ
    return out


def _choose(allf: list[Fact], starts: list[int], ends: list[int], m: int, which) -> list[Fact]:
    """The greedy choice among ``allf[k] for k in which`` (numbers before index ``m``, dates
    from it): longest first, dates before numbers on a tie, then by start, then by index (the
    sort is stable without comparing facts); a fact overlapping one already taken is left out.
    The kept facts in start order."""
    cand = sorted([(starts[k] - ends[k], k < m, starts[k], k) for k in which])
    taken: list[tuple[int, int]] = []
    out: list[Fact] = []
    for _neg, _d, s, k in cand:
        e = ends[k]
        i = bisect_left(taken, (s, e))
        if i:                                    # the neighbours only can overlap f
            s2, e2 = taken[i - 1]
            if s2 < e and s < e2:
                continue
        if i < len(taken):
            s2, e2 = taken[i]
            if s2 < e and s < e2:
                continue
        taken.insert(i, (s, e))
        out.append(allf[k])
    out.sort(key=_START)
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

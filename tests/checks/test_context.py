"""CheckContext helpers the checks share: clause chains, intervals of several facts, and the
percentage of one interval in another, on real-style sentences."""
from __future__ import annotations

from decimal import Decimal as D

from extractor.checks.context import CheckContext
from extractor.checks.intervals import Interval

from .helpers import doc, fx


def _ctx(p) -> CheckContext:
    return CheckContext(p, p.facts)


def test_same_clause_chain_stops_at_sentence_ends_and_semicolons() -> None:
    p = doc("全年财政收入3.93万亿元,比上年增加7694亿元;规模以上工业企业实现利润增长31%。新增就业1100万人。")
    rev, inc, pct, jobs = fx(p, "3.93万亿元"), fx(p, "7694亿元"), fx(p, "31%"), fx(p, "1100万人")
    ctx = _ctx(p)
    assert ctx.same_clause_chain(rev, inc)          # only a comma between them
    assert not ctx.same_clause_chain(inc, pct)      # a semicolon
    assert not ctx.same_clause_chain(pct, jobs)     # a sentence end


def test_intervals_all_or_none() -> None:
    p = doc("发现问题120个,已整改108个,整改率90%。")
    found, fixed, rate = fx(p, "120个"), fx(p, "108个"), fx(p, "90%")
    ctx = _ctx(p)
    ivs = ctx.intervals([found, fixed, rate])
    assert ivs is not None and [iv.fmt() for iv in ivs] == ["120", "108", "[89.5, 90.5]"]
    fixed.value = None                              # a fact without a value has no interval
    ctx = _ctx(p)
    assert ctx.intervals([found, fixed]) is None
    assert ctx.intervals([]) == []


def test_percent_of_recomputes_a_rate_from_its_figures() -> None:
    p = doc("发现问题120个,已整改108个,整改率90%。全年财政总收入8.5亿元,其中税收收入5.3亿元。")
    found, fixed, total, tax = fx(p, "120个"), fx(p, "108个"), fx(p, "8.5亿元"), fx(p, "5.3亿元")
    ctx = _ctx(p)
    assert ctx.interval(fixed).percent_of(ctx.interval(found)).fmt() == "90"   # whole counts are exact
    # 0.1亿 rounding on both: [5.25, 5.35] / [8.45, 8.55] = [5.25/8.55, 5.35/8.45]
    share = ctx.interval(tax).percent_of(ctx.interval(total))
    assert share is not None and share.fmt(2) == "[61.4, 63.31]"
    assert share.contains(D("62")) and not share.contains(D("72"))
    assert ctx.interval(fixed).percent_of(Interval(D(0), D(1))) is None      # no share of a zero whole

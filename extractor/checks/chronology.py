"""Chronology (Reference c3): milestones out of order, dates far from the report year without a
planning or history cue, and a plan year equal to the summary year (2023年工作总结…2023年工作打算)."""
from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Iterator
from datetime import date

from ..model import Anomaly, Fact
from .config import alternation, lexicon, may_match, pattern, section
from .context import CheckContext
from .registry import check

ISO = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?)?$")
_EVENT_CUT = re.compile(r"[，,；;。！？!?\n]|\d")  # an event word is sought up to the clause end or a figure


@functools.lru_cache(maxsize=4096)
def date_bounds(iso: str) -> tuple[date, date] | None:
    """'2023-12' → (2023-12-01, 2023-12-31); '2023-01/2023-09' → (2023-01-01, 2023-09-30).
    (Pure and asked for every date fact by several checks: cached; the result is immutable.)"""
    if not iso:
        return None
    parts = iso.split("/")
    a = _one(parts[0])
    b = _one(parts[-1])
    if a is None or b is None:
        return None
    return a[0], b[1]


def _one(s: str) -> tuple[date, date] | None:
    m = ISO.match(s.strip())
    if not m:
        return None
    y = int(m["y"])
    try:
        if m["d"]:
            d = date(y, int(m["m"]), int(m["d"]))
            return d, d
        if m["m"]:
            mm = int(m["m"])
            return date(y, mm, 1), date(y, mm, calendar.monthrange(y, mm)[1])
        return date(y, 1, 1), date(y, 12, 31)
    except ValueError:
        return None


@functools.cache
def _events() -> tuple[re.Pattern[str], dict[str, int], re.Pattern[str]]:
    lex = lexicon("events")
    ranks = {w: int(r["rank"]) for r in lex["ranks"] for w in r["words"]}
    rx = re.compile(alternation(list(ranks)))
    not_ev = re.compile("(?:" + alternation(lex["not_event_before"]) + r")[于在]?\s*$")
    return rx, ranks, not_ev


@functools.cache
def _gated() -> bool:
    """Whether ``check_order`` may turn a date down by a bounded search of the event words in the
    text (``_events``' pattern, an alternation of literal words, finds in text[a:b] what it finds
    between the bounds a and b): not when a word is empty, which matches anywhere, also in the
    empty window a bounded search never tries."""
    return all(_events()[1])


def event_of(ctx: CheckContext, f: Fact, window: int) -> tuple[str, int, int] | None:
    """The milestone word right after a date (于2023年12月正式签约) in its clause."""
    rx, ranks, _ = _events()
    after = ctx.text[f.end:f.end + window]
    cut = _EVENT_CUT.search(after)
    seg = after[:cut.start()] if cut else after
    m = rx.search(seg)
    if m:
        return m.group(), ranks[m.group()], f.end + m.end()
    return None


@check("chronology.order.v1", codes={"date.out_of_order": "warning"})
def check_order(ctx: CheckContext) -> Iterator[Anomaly]:
    """签约 before 开工 before 竣工/验收/开园; 启动 before 完成 — within one sentence."""
    window = int(section("dates")["event_window"])
    rx, _, not_ev = _events()
    gate = _gated()
    text = ctx.text
    for _i, facts in ctx.fact_groups(("date",)):
        if len(facts) < 2:
            continue  # a finding needs two dated milestones in the sentence
        if gate:
            # a date is a milestone only with an event word inside the window after it (event_of
            # searches a part of that window): one bounded search of the text per date decides
            # for most, which have none, without the slices and the clause cut; a window reaching
            # below 0 (a date outside the text, or a negative event_window in a user's rules) is
            # a slice that counts from the end, which no bounded search reads: such a date stays
            facts = [f for f in facts
                     if f.end < 0 or f.end + window < 0 or rx.search(text, f.end, f.end + window)]
            if len(facts) < 2:
                continue
        evs = []
        for f in facts:
            if not_ev.search(ctx.text[max(0, f.start - 6):f.start]):
                continue
            b = date_bounds(f.date)
            ev = event_of(ctx, f, window)
            if b and ev:
                evs.append((f, b, ev))
        for i, (f1, b1, e1) in enumerate(evs):
            for f2, b2, e2 in evs[i + 1:]:
                early, late = ((f1, b1, e1), (f2, b2, e2)) if e1[1] < e2[1] else ((f2, b2, e2), (f1, b1, e1))
                if early[2][1] == late[2][1]:
                    continue
                if early[1][0] > late[1][1]:
                    a = min(f1.start, f2.start)
                    b = max(e1[2], e2[2])
                    yield ctx.anomaly(
                        "date.out_of_order", "warning",
                        f"“{early[0].text}{early[2][0]}”晚于“{late[0].text}{late[2][0]}”，但{early[2][0]}应在{late[2][0]}之前，日期顺序颠倒，其中一个日期可能有误。",
                        f"'{early[2][0]}' is dated {early[0].text}, after '{late[2][0]}' on {late[0].text}, "
                        f"though it must come first: one of the dates is probably wrong.",
                        a, b, [early[0], late[0]], stated=f"{early[0].date} {early[2][0]}",
                        computed=f"≤ {late[0].date} ({late[2][0]})")


def _year(f: Fact) -> int | None:
    return _year_of(f.date)


@functools.lru_cache(maxsize=4096)
def _year_of(iso: str) -> int | None:
    """The one calendar year an ISO date or interval lies in, else None (pure: cached by the
    string, as ``date_bounds`` is)."""
    b = date_bounds(iso)
    if b is None or b[0].year != b[1].year:
        return None
    return b[0].year


def _far_dates(ctx: CheckContext, report_year: int, far: int) -> set[int]:
    """The ids of the document's date facts whose one calendar year lies more than ``far`` years
    from ``report_year``."""
    year_of = _year_of
    return {id(f) for f in ctx.of_kind("date")
            if (y := year_of(f.date)) is not None and abs(y - report_year) > far}


@check("chronology.far.v1", codes={"date.far_from_report_year": "warning"})
def check_far(ctx: CheckContext) -> Iterator[Anomaly]:
    """A date more than ``far_years`` from the report year, alone in a sentence that reports figures,
    with no planning or history cue (规划, 到2035年, 以来, 等于…的N倍, 将, 申办 …) and not a base
    year (一九四九年的/为 …): a result dated in the wrong year (2013年完成技改投资 in a 2023 report)."""
    if ctx.report_year is None:
        return
    far = int(section("dates")["far_years"])
    legit = pattern("dates", "legit_cue")
    history = pattern("dates", "history_cue")
    base_after = pattern("dates", "base_after")
    starts, ends = ctx.sentence_starts, ctx.sentence_ends
    # the dates far from the report year, found once for the document (most sentences hold none:
    # their groups are passed over by a set test in C instead of a year per date)
    far_ids = _far_dates(ctx, ctx.report_year, far)
    if not far_ids:
        return
    for i, facts in ctx.fact_groups(("date",)):
        if far_ids.isdisjoint(map(id, facts)):
            continue  # no date far from the report year: nothing to report (cheap test first)
        s_start, s_end = starts[i], ends[i]
        sent = ctx.text[s_start:s_end]
        if legit.search(sent) or history.search(sent):
            continue
        years = {_year(f) for f in facts} - {None}
        if len(years) > 1:
            continue  # several years in one sentence: a comparison or a timeline
        if not ctx.facts_in(s_start, s_end, ("money", "count", "quantity", "percent")):
            continue  # a dated narrative without figures (１９９７年实行…政策) is history, not a result
        for f in facts:
            y = _year(f)
            if y is None or abs(y - ctx.report_year) <= far:
                continue
            if base_after.search(ctx.text[f.end:f.end + 6]):
                continue
            if re.search(r"[《“\"]", ctx.text[max(0, f.start - 12):f.start]) and re.search(r"[》”\"]", ctx.text[f.end:f.end + 20]):
                continue  # a title: 《2010年…规划》
            yield ctx.anomaly(
                "date.far_from_report_year", "warning",
                f"日期“{f.text}”距报告年份{ctx.report_year}年相差{abs(y - ctx.report_year)}年，句中又没有规划、回顾等说明，年份可能有误。",
                f"The date '{f.text}' is {abs(y - ctx.report_year)} years from the report year "
                f"{ctx.report_year} with no planning or history wording around it: the year may be wrong.",
                f.start, f.end, [f], stated=f.date, computed=f"{ctx.report_year - far}–{ctx.report_year + far}")


@check("chronology.plan_year.v1", codes={"date.plan_year_equals_summary_year": "warning"})
def check_plan_year(ctx: CheckContext) -> Iterator[Anomaly]:
    """2023年工作总结…2023年工作打算: next year's plan carries this year's number."""
    summ, plan = pattern("dates", "summary"), pattern("dates", "plan")
    window = int(section("dates")["plan_window"])
    text = ctx.clean_text
    if not may_match(summ, text):
        return  # no summary heading possible (its literal words are absent): nothing to pair
    plans: list | None = None  # scanned only once a summary heading is found
    for m in ctx.digit_pattern(summ).finditer(text):
        if plans is None:
            plans = list(ctx.digit_pattern(plan).finditer(text))
        for p in plans:
            py = p.group("year") or p.group("year2")
            if 0 < p.start() - m.end() <= window and py == m.group("year"):
                a, b = ctx.to_decoded(m.start(), p.end())
                yield ctx.anomaly(
                    "date.plan_year_equals_summary_year", "warning",
                    f"“{m.group()}”与“{p.group()}”年份相同，工作打算应是下一年的，年份可能写错。",
                    f"'{m.group()}' (summary) and '{p.group()}' (plan) carry the same year; the plan should be "
                    f"for the next year.",
                    a, b, [f for f in ctx.facts_in(a, b, ("date",))], stated=py,
                    computed=str(int(m.group("year")) + 1))
                break

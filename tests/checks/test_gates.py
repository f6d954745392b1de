"""The per-document gates of the checks (a cheap test that turns most figures down before the
check's own test) must find exactly what the checks find without them: the gated checks are run
with the gate switched off and compared, on the sample, corpus reports and generated texts dense
with the cue words at every distance around the window edges."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from extractor.checks import chronology, run_checks
from extractor.checks.context import CheckContext
from extractor.facts import document_from_text, extract_facts
from extractor.model import Fact
from extractor.text import prepare

from .helpers import doc


def _facts_at(starts: list[int]) -> list[Fact]:
    return [Fact(doc_id="t", kind="percent", text="", start=s, end=s + 2) for s in sorted(starts)]


def test_near_before_equals_the_slice_test() -> None:
    """near_before gives the facts whose slice before them holds a word (and every fact starting
    outside the text, whose slice clamps or counts from the end), for words that overlap, repeat
    or hold each other, and windows that reach before the text."""
    rnd = random.Random(5)
    alpha = "率分别占比重xa，"
    word_sets = [("率",), ("分别占",), ("分别占", "比重"), ("占", "分别占"), ("ab", "ba", "a"), ("率率",), ("x",)]
    for _ in range(4000):
        text = "".join(rnd.choice(alpha) for _ in range(rnd.randint(0, 40)))
        n = len(text)
        words = rnd.choice(word_sets)
        width = rnd.choice([0, 1, 2, 3, 10, 16, 50])
        starts = [rnd.randint(-5, n + 5) if rnd.random() < 0.1 else rnd.randint(0, n)
                  for _ in range(rnd.randint(0, 8))]
        facts = _facts_at(starts)
        ctx = CheckContext(doc(text), [])
        want = [k for k, f in enumerate(facts)
                if not 0 <= f.start <= n or any(w in text[max(0, f.start - width):f.start] for w in words)]
        assert ctx.near_before(facts, words, width) == want, (text, words, width, starts)
    assert CheckContext(doc("abc"), []).near_before(_facts_at([1, 2]), ("", "x"), 3) == [0, 1]


EVENT_BITS = ["签约", "开工", "竣工", "完成", "启动", "计划", "预计", "验收", "开园", "主体完工", "建设", "，", "。",
              "正式", "于", "项目", "工程", "x", "；", "全面", "顺利", "如期", "  ", "主体", "工作"]
DATES = ["2023年12月", "2023年2月", "2022年3月", "2024年5月", "8月16日", "2021年", "3月", "2023年6月8日"]


def _event_text(rnd: random.Random) -> str:
    out = []
    for _ in range(rnd.randint(1, 12)):
        out.append(rnd.choice(DATES))
        out.append("".join(rnd.choice(EVENT_BITS) for _ in range(rnd.randint(0, 8))))
        out.append(rnd.choice(["", "，", "，", "。", "、"]))
    return "".join(out)


def _order_findings(p, facts):
    return [(a.code, a.start, a.end, a.fact_ids, a.stated, a.computed, a.message)
            for a in run_checks(p, facts, strict=True, only=["chronology.order.v1"])]


def test_order_gate_finds_what_every_date_finds(monkeypatch, sample_path: Path) -> None:
    """check_order with its bounded search for an event word after each date = check_order
    reading every date of a sentence (the gate off), on the sample and generated sentences of
    dates and milestone words at every distance (a word ending exactly at the window's edge or
    one character past it, plan words before the date)."""
    from extractor.reading import read

    rnd = random.Random(23)
    texts = [read(sample_path).text] + [_event_text(rnd) for _ in range(600)]
    calls = {"gated": 0, "plain": 0}
    real_event_of = chronology.event_of
    mode = ["gated"]

    def counting(ctx, f, window):
        calls[mode[0]] += 1
        return real_event_of(ctx, f, window)

    monkeypatch.setattr(chronology, "event_of", counting)
    found = 0
    for text in texts:
        p = prepare(document_from_text(text), report_year=2023)
        facts = extract_facts(p)
        mode[0] = "gated"
        gated = _order_findings(p, facts)
        mode[0] = "plain"
        with monkeypatch.context() as m:
            m.setattr(chronology, "_gated", lambda: False)
            plain = _order_findings(p, facts)
        assert gated == plain, text
        found += len(plain)
    assert found > 50                            # the texts do hold findings
    assert calls["gated"] < calls["plain"] * 0.8   # and the gate does turn dates down


@pytest.mark.parametrize("window", [-60, -13, -1, 0])
def test_order_gate_with_a_window_reaching_below_the_text(monkeypatch, window: int) -> None:
    """A user's rules may set event_window to 0 or below: event_of's slice text[e:e + window]
    then counts from the end when e + window < 0 (the clause after a date near the text's start),
    which a bounded search (endpos < 0 reads nothing) does not: the gate keeps such dates."""
    real_section = chronology.section

    def dates_window(name):
        got = real_section(name)
        return {**got, "event_window": window} if name == "dates" else got

    monkeypatch.setattr(chronology, "section", dates_window)
    rnd = random.Random(41)
    texts = ["2023年12月正式签约，2023年3月开工建设，项目顺利推进。" + "其他内容。" * 20]
    texts += [_event_text(rnd) + "其他内容。" * rnd.randint(0, 20) for _ in range(150)]
    found = 0
    for text in texts:
        p = prepare(document_from_text(text), report_year=2023)
        facts = extract_facts(p)
        gated = _order_findings(p, facts)
        with monkeypatch.context() as m:
            m.setattr(chronology, "_gated", lambda: False)
            plain = _order_findings(p, facts)
        assert gated == plain, text
        found += len(plain)
    assert found > 0 or window > -60   # (the first text finds its pair at -60)


def test_order_gate_off_for_an_empty_event_word(monkeypatch) -> None:
    """An empty event word matches anywhere (even in an empty window, which a bounded search
    never tries): no gate then."""
    chronology._gated.cache_clear()
    try:
        with monkeypatch.context() as m:
            m.setattr(chronology, "_events", lambda: (None, {"": 1, "开工": 2}, None))
            assert chronology._gated() is False
    finally:
        chronology._gated.cache_clear()
    assert chronology._gated() is True


SHARE_BITS = ["分别占", "分别占全市的", "占", "比重", "率", "整改率", "合格率达到", "为", "，", "、", "和", "x", "全省",
              "发现问题", "已整改", "分别", " ", "  ", "   ", "地区生产总值", "的", "全部", "比"]
FIGS = ["120个", "108个", "90%", "25%", "30%", "50%", "40%", "70%", "3个百分点", "12.5%"]


def _share_text(rnd: random.Random) -> str:
    if rnd.random() < 0.5:
        return "".join(rnd.choice(FIGS) if rnd.random() < 0.35 else rnd.choice(SHARE_BITS)
                       for _ in range(rnd.randint(2, 40)))
    # the cue's own shapes with fillers and spaces of every length: a cue word at, just inside
    # or just outside the window's far edge
    filler = "".join(rnd.choice("全市地区生产总值工业") for _ in range(rnd.randint(0, 12)))
    spaces = " " * rnd.randint(0, 9)
    a, b = rnd.randint(50, 200), rnd.randint(1, 50)
    if rnd.random() < 0.5:
        return f"发现问题{a}个，已整改{b}个，整改率{rnd.choice(['', '为', '达到'])}{spaces}{rnd.randint(1, 99)}%。"
    pcts = "、".join(f"{rnd.randint(1, 80)}%" for _ in range(rnd.randint(1, 4)))
    return f"一产、二产、三产分别占{filler}{rnd.choice(['', '的', '为'])}{spaces}{pcts}。"


def test_rates_and_several_shares_gates_find_what_every_percentage_finds(monkeypatch) -> None:
    """check_rates and the several-shares test of check_shares, which test only the percentages
    near_before gives, = the same checks testing every percentage, on texts dense with 率,
    分别占 and percentages at every distance (the window edges: 10 and 16 characters)."""
    rnd = random.Random(31)
    everything = lambda self, facts, words, width: list(range(len(facts)))  # noqa: E731
    found = 0
    for _ in range(800):
        text = _share_text(rnd)
        p = prepare(document_from_text(text), report_year=2023)
        facts = extract_facts(p)
        got = [(a.code, a.start, a.end, a.fact_ids, a.computed)
               for a in run_checks(p, facts, strict=True, only=["rates.v1", "shares.v1"])]
        with monkeypatch.context() as m:
            m.setattr(CheckContext, "near_before", everything)
            want = [(a.code, a.start, a.end, a.fact_ids, a.computed)
                    for a in run_checks(p, facts, strict=True, only=["rates.v1", "shares.v1"])]
        assert got == want, text
        found += len(want)
    assert found > 20


def _corpus_contexts(sample_path: Path, every: int = 9):
    from extractor.reading import read

    paths = [sample_path] + sorted((sample_path.parents[1] / "corpus" / "raw").iterdir())[::every]
    for path in paths:
        p = prepare(read(path))
        yield CheckContext(p, extract_facts(p))


def test_far_dates_are_the_dates_each_group_finds_far(sample_path: Path) -> None:
    """check_far's set of far dates (found once per document) holds exactly the dates for which
    the per-sentence test (one calendar year, more than ``far`` years away) holds, for report
    years and distances around the corpus's dates."""
    seen = 0
    for ctx in _corpus_contexts(sample_path):
        for year in (ctx.report_year, 1990, 2013, 2023, 2035):
            for far in (0, 3, 10):
                want = {id(f) for _i, facts in ctx.fact_groups(("date",)) for f in facts
                        if (y := chronology._year(f)) is not None and abs(y - year) > far}
                got = chronology._far_dates(ctx, year, far)
                grouped = {id(f) for _i, facts in ctx.fact_groups(("date",)) for f in facts}
                assert got & grouped == want
                seen += len(want)
    assert seen > 100


def test_negative_count_compares_the_value_as_decimal() -> None:
    """A count's value is compared with 0 as Decimal(value) < 0 was: a Decimal as it is, anything
    else (a hand-made fact's string) read as a Decimal; a NaN still crashes the check."""
    from decimal import Decimal

    text = "甲1个，乙2个，丙3个，丁4个，戊5个，己6个。"
    p = doc(text)
    values = [Decimal("-3"), Decimal("0"), Decimal("-0"), "-2", "7", Decimal("-0.0001")]
    facts = [Fact(doc_id="t", kind="count", text=text[k * 4 + 1:k * 4 + 3], start=k * 4 + 1, end=k * 4 + 3,
                  value=v) for k, v in enumerate(values)]
    got = [a.start for a in run_checks(p, facts, only=["ranges.count.v1"])]
    assert got == [f.start for f in facts if Decimal(f.value) < 0] == [1, 13, 21]
    nan = [Fact(doc_id="t", kind="count", text="1个", start=1, end=3, value=Decimal("NaN"))]
    assert [a.code for a in run_checks(p, nan, only=["ranges.count.v1"])] == ["check.crashed"]


def test_percent_contexts_of_the_document_equal_each_facts_own(sample_path: Path) -> None:
    """The percent contexts computed for the whole document at the first question (and the
    windows kept on the way) = each fact's own context and window, computed one by one."""
    from extractor.checks import roles

    n = 0
    for ctx in _corpus_contexts(sample_path):
        pcts = ctx.of_kind("percent")
        one = CheckContext(ctx.prepared, ctx.facts)
        one.memo["percent_context"] = {}   # (a memo already there: every fact on its own)
        for f in pcts:
            assert roles.percent_context(ctx, f) == roles.percent_context(one, f), f
            assert roles.window_before(ctx, f) == roles.window_before(one, f)
            assert roles.window_before(ctx, f, 30) == roles.window_before(one, f, 30)
            n += 1
    assert n > 300


def test_fact_groups_walk_of_the_facts_equals_the_walk_of_the_sentences(monkeypatch) -> None:
    """fact_groups walks the facts when the sentences are in order and none overlaps (empty ones
    and touching ones allowed: s0 <= e0 <= s1 <= …), else every sentence: both give the same
    groups, for layouts with empty sentences, equal starts, gaps, overlaps and disorder, and
    facts inside, across, between and past the sentences. The order test = its definition."""
    from extractor.checks.context import Span

    rnd = random.Random(41)
    for _ in range(3000):
        n = rnd.randint(0, 30)
        bounds = sorted(rnd.randint(0, n) for _ in range(2 * rnd.randint(0, 6)))
        spans = [(bounds[k], bounds[k + 1]) for k in range(0, len(bounds), 2)]
        if spans and rnd.random() < 0.25:   # (overlapping, reversed or out-of-order layouts)
            k = rnd.randrange(len(spans))
            spans[k] = (spans[k][1], spans[k][0]) if rnd.random() < 0.5 else (spans[k][0], spans[k][1] + 3)
            if rnd.random() < 0.3:
                rnd.shuffle(spans)
        starts = sorted(rnd.randint(-2, n + 2) for _ in range(rnd.randint(0, 8)))
        facts = [Fact(doc_id="t", kind=rnd.choice(["date", "count"]), text="", start=s,
                      end=s + rnd.randint(0, 4)) for s in starts]
        ctx = CheckContext(doc("x" * n), facts)
        ctx.sentences = [Span(k, a, b) for k, (a, b) in enumerate(spans)]
        flat = [x for ab in spans for x in ab]
        assert ctx._ordered_sentences() == all(a <= b for a, b in zip(flat, flat[1:])), spans
        for kinds in (None, ("date",), ("count", "money")):
            got = ctx.fact_groups(kinds)
            plain = CheckContext(doc("x" * n), facts)
            plain.sentences = [Span(k, a, b) for k, (a, b) in enumerate(spans)]
            plain.memo["ordered_sentences"] = False   # (the walk of every sentence)
            assert got == plain.fact_groups(kinds), (spans, starts, kinds)

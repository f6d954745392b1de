"""Shares, rates and structure ratios recomputed from the figures stated beside them."""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import regex

from ..model import Anomaly, Fact
from .config import gate_words, iter_matches, pattern, required_runs, section
from .context import ADDITIVE_KINDS, CheckContext
from .intervals import HUNDRED, Interval, rounding, sum_intervals
from .registry import check
from .roles import percent_context, window_before
from .sums import find_groups, same_measure

_WHOLE_WORD = regex.compile(r"总|全部|合计")
_REGION_WORD = regex.compile(r"全省|全国|全市")
_FILLER = regex.compile(r"[占的为达到约是了比重分别\s]")
_NOT_COMPONENT = regex.compile(r"投资|增长|比重|占")


def _prev_additive(ctx: CheckContext, f: Fact, limit: int = 60) -> Fact | None:
    cands = [g for g in ctx.facts_in(max(0, f.start - limit), f.start, ADDITIVE_KINDS)
             if g.value is not None and ctx.same_clause_chain(g, f)]
    return cands[-1] if cands else None


def of_total(ctx: CheckContext, s: Fact) -> bool:
    """The share's 占… phrase names no other whole: 占比62%, 占全部游客的25%, 比重为… — but not
    占预算数的96.99% (a share of the item's own budget) or 占全省的0.6%."""
    before = window_before(ctx, s)
    k = before.rfind("占")
    phrase = before[k:] if k >= 0 else before
    if _WHOLE_WORD.search(phrase) and not _REGION_WORD.search(phrase):
        return True
    named = _FILLER.sub("", phrase)
    return len(named) <= int(section("shares")["max_named_whole"])


def _shares(ctx: CheckContext) -> list[tuple[Fact, Fact]]:
    """(share, part) pairs: a share percentage right after the figure it is the share of."""
    out = []
    for s in ctx.of_kind("percent"):
        if s.kind != "percent" or s.unit == "pp" or s.value is None:
            continue
        pc = percent_context(ctx, s)
        if pc.role != "share" or not pattern("shares", "share_cue").search(window_before(ctx, s)):
            continue
        part = _prev_additive(ctx, s, 40)
        if part is not None and of_total(ctx, s):
            out.append((s, part))
    return out


@check("shares.v1", codes={"share.recomputed_mismatch": "error", "share.sum_exceeds_100": "error"})
def check_shares(ctx: CheckContext) -> Iterator[Anomaly]:
    """A share beside its part and whole, recomputed; shares of one whole summing beyond 100%."""
    groups = list(find_groups(ctx))
    part_total = {p.fact_id: (t, mode) for t, parts, mode, *_ in groups for p in parts}
    pairs = _shares(ctx)
    by_total: dict[str, list[tuple[Fact, Fact]]] = {}
    for s, part in pairs:
        tm = part_total.get(part.fact_id)
        if tm is None:
            continue
        total = tm[0]
        by_total.setdefault(total.fact_id, []).append((s, part))
        piv, tiv, siv = ctx.interval(part), ctx.interval(total), ctx.interval(s)
        if piv is None or tiv is None or siv is None:
            continue
        q = piv.percent_of(tiv)
        if q is None:
            continue
        if not q.intersects(siv):
            yield ctx.anomaly(
                "share.recomputed_mismatch", "error",
                f"文中称占比“{s.text}”，但{part.text}占总数{total.text}的比例应为{q.fmt(2)}%，两者不符。",
                f"The share is stated as '{s.text}' but {part.text} of the total {total.text} is {q.fmt(2)}%.",
                part.start, s.end, [s, part, total], stated=siv.fmt(), computed=q.fmt(4))
    for tid, items in by_total.items():
        if len(items) < 2:
            continue
        shares = ctx.intervals([s for s, _ in items])
        if shares is None:
            continue
        tot = sum_intervals(shares)
        if tot.above(HUNDRED):
            ss = [s for s, _ in items]
            yield _sum_finding(ctx, ss, tot)
    yield from _several(ctx)


def _sum_finding(ctx: CheckContext, ss: list[Fact], tot: Interval) -> Anomaly:
    lst = "、".join(s.text for s in ss)
    return ctx.anomaly(
        "share.sum_exceeds_100", "error",
        f"同一总体的各部分占比{lst}合计{tot.fmt(2)}%，超过100%，各部分占比之和不可能超过100%。",
        f"The shares {lst} of one whole add up to {tot.fmt(2)}%, beyond 100%.",
        ss[0].start, ss[-1].end, ss, stated=tot.fmt(), computed="≤ 100")


def _several(ctx: CheckContext) -> Iterator[Anomaly]:
    """分别占…X%、Y%、Z% / 占比分别为…: consecutive shares after one cue."""
    cue = pattern("shares", "several_cue")
    words = gate_words(cue)   # (分别占: a window without one cannot match; tested in C first)
    pcts = [f for f in ctx.of_kind("percent") if f.kind == "percent" and f.unit == "%" and f.value is not None]
    # a run can start only at a percentage whose window holds a gate word (all of them when the
    # words are unknown), in order; one taken by the run before it is passed over, as the
    # plain walk (each percentage tested in turn, a run's members skipped) does
    heads = range(len(pcts)) if words is None else ctx.near_before(pcts, words, 16)
    i = 0
    for h in heads:
        if h < i:
            continue
        f = pcts[h]
        win = ctx.text[max(0, f.start - 16):f.start]
        if (words is not None and not any(map(win.__contains__, words))) or not cue.search(win):
            continue
        run = [f]
        j = h + 1
        while j < len(pcts) and regex.fullmatch(r"\s*[、，,和及与]\s*", ctx.text[run[-1].end:pcts[j].start]):
            run.append(pcts[j])
            j += 1
        i = j
        if len(run) < 2:
            continue
        ivs = ctx.intervals(run)
        if ivs is None:
            continue
        tot = sum_intervals(ivs)
        if tot.above(HUNDRED):
            yield _sum_finding(ctx, run, tot)


@check("rates.v1", codes={"rate.recomputed_mismatch": "error"})
def check_rates(ctx: CheckContext) -> Iterator[Anomaly]:
    """发现问题120个，已整改108个，整改率90%: numerator/denominator recomputed."""
    rate_rx = pattern("shares", "rate_word")
    runs = required_runs(rate_rx)  # (率): a window without one of them cannot match
    pcts = ctx.of_kind("percent")
    if runs:   # (only the percentages with the longest run in their window: few have 率 before)
        pcts = [pcts[k] for k in ctx.near_before(pcts, (max(runs, key=len),), 10)]
    for r in pcts:
        if r.kind != "percent" or r.unit == "pp" or r.value is None:
            continue
        win = ctx.text[max(0, r.start - 10):r.start]
        m = rate_rx.search(win) if all(map(win.__contains__, runs)) else None  # (tests in C)
        if not m:
            continue
        stem = m.group("stem")
        stem = stem[-2:] if len(stem) >= 2 else stem
        prior = [g for g in ctx.facts_in(max(0, r.start - 80), r.start, ADDITIVE_KINDS)
                 if g.value is not None and not any(c in ctx.text[g.end:r.start] for c in "。！？!?\n")]
        num = next((g for g in reversed(prior) if stem in ctx.text[max(0, g.start - 8):g.start]), None)
        if num is None:
            continue
        dens = [g for g in prior if g.end <= num.start and same_measure(g, num)]
        if not dens:
            continue
        den = dens[-1]
        niv, div_, riv = ctx.interval(num), ctx.interval(den), ctx.interval(r)
        if niv is None or div_ is None or riv is None:
            continue
        q = niv.percent_of(div_)
        if q is None:
            continue
        if not q.intersects(riv):
            yield ctx.anomaly(
                "rate.recomputed_mismatch", "error",
                f"文中{stem}率为“{r.text}”，但按{num.text}÷{den.text}计算应为{q.fmt(2)}%，两者不符。",
                f"The {stem} rate is stated as '{r.text}' but {num.text} / {den.text} gives {q.fmt(2)}%.",
                den.start, r.end, [r, num, den], stated=riv.fmt(), computed=q.fmt(4))


@check("ratios.v1", codes={"ratio.sum_not_100": "error", "ratio.components_mismatch": "error"})
def check_ratios(ctx: CheckContext) -> Iterator[Anomaly]:
    """A structure ratio (三次产业结构8.2:40.5:51.3) whose parts must sum to 100, and must match
    the components when they are stated before it (第一产业增加值47.5亿元…第三产业…450亿元)."""
    cfg = section("ratios")
    rx = pattern("ratios", "pattern")
    cue_rx = pattern("ratios", "structure_cue")
    lo, hi = Decimal(str(cfg["near_100_low"])), Decimal(str(cfg["near_100_high"]))
    for m in iter_matches(rx, ctx.clean_text):  # (tried only where a cue word is)
        if not cue_rx.search(ctx.clean_text[max(0, m.start() - 10):m.end()]):
            continue
        nums = regex.split(r"\s*[:：∶]\s*", m.group("ratio"))
        ivs = []
        for n in nums:
            dec = len(n.split(".")[1]) if "." in n else 0
            ivs.append(rounding(Decimal(n), dec))
        point = sum(Decimal(n) for n in nums)
        if not (lo <= point <= hi):
            continue
        tot = sum_intervals(ivs)
        a, b = ctx.to_decoded(m.start("ratio"), m.end("ratio"))
        if tot.contains(HUNDRED):
            yield from _ratio_components(ctx, a, b, nums, ivs)
            continue
        shown = ctx.text[a:b]
        yield ctx.anomaly(
            "ratio.sum_not_100", "error",
            f"结构比“{shown}”各项合计{tot.fmt(2)}，考虑舍入后仍不等于100，各部分比例应合计100。",
            f"The structure ratio '{shown}' adds up to {tot.fmt(2)}, not 100 even after rounding.",
            a, b, [f for f in ctx.facts_in(a, b)], stated=shown, computed=tot.fmt())


def _ratio_components(ctx: CheckContext, a: int, b: int, nums: list[str], ivs: list[Interval]) -> Iterator[Anomaly]:
    """Recompute each part of a structure ratio from the components stated before it."""
    cfg = section("ratios")
    comps = cfg["components"]
    if len(nums) != len(comps):
        return
    window = int(cfg["component_window"])
    found: list[Fact | None] = [None] * len(comps)
    for f in ctx.facts_in(max(0, a - window), a, ("money",)):
        if f.value is None:
            continue
        clause = ctx.clause_before(f, 16)
        for i, names in enumerate(comps):
            if any(n in clause for n in names) and not _NOT_COMPONENT.search(clause):
                found[i] = f
    if any(f is None for f in found):
        return
    facts = [f for f in found if f is not None]
    civs = ctx.intervals(facts)
    if civs is None:
        return
    total = sum_intervals(civs)
    shown = ctx.text[a:b]
    for i, (f, civ, piv) in enumerate(zip(facts, civs, ivs)):
        q = civ.percent_of(total)
        if q is None:
            return
        if not q.intersects(piv):
            yield ctx.anomaly(
                "ratio.components_mismatch", "error",
                f"结构比“{shown}”中第{i + 1}项为{nums[i]}，但按文中各部分{'、'.join(x.text for x in facts)}计算应为{q.fmt(2)}，两者不符。",
                f"Part {i + 1} of the structure ratio '{shown}' is {nums[i]}, but the stated components "
                f"{', '.join(x.text for x in facts)} give {q.fmt(2)}.",
                a, b, [f, *[x for x in facts if x is not f]], stated=nums[i], computed=q.fmt(4))
            return

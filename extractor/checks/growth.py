"""Growth rates and percentage points (Reference c2) with interval arithmetic.

- ``达到X，比上年的Y增长Z%``: g = (X − Y) / Y;
- ``X，比上年增加D，增长Z%``: g = D / (X − D) (下降/减少: g = −D / (X + D));
- ``由A%提高到B%，提高C个百分点``: Δ = B − A in pp, never compared with a relative %;
- ``下降Z%`` is −Z; a growth beyond ±1000% is a warning even alone.
A stated rate contradicts its figures only when the computed interval and the stated one are
disjoint (Calc 1.1).
"""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from ..model import Anomaly, Fact
from .config import pattern, section
from .context import ADDITIVE_KINDS, CheckContext
from .intervals import Interval
from .registry import check
from .roles import percent_context
from .roles import window_before
from .sums import same_measure, truncated

LOOKBACK = 80


def _before(ctx: CheckContext, f: Fact, n: int = 12) -> str:
    return ctx.text[max(0, f.start - n):f.start]


@check("growth.v1", codes={"growth.inconsistent": "error", "growth.extreme": "warning"})
def check_growth(ctx: CheckContext) -> Iterator[Anomaly]:
    """Stated growth versus the figures it is computed from; extreme growth rates."""
    extreme = Decimal(str(section("growth")["extreme_abs"]))
    prev_cue = pattern("growth", "previous_cue")
    inc_cue = pattern("growth", "increase_cue")
    for g in ctx.of_kind("percent"):
        if g.kind != "percent" or g.value is None:
            continue
        pc = percent_context(ctx, g)
        if g.unit == "pp":
            yield from _pp(ctx, g, pc.decline or bool(pattern("growth", "decline").search(_before(ctx, g, 6))))
            continue
        if pc.role != "growth":
            continue
        # (the stated interval is built only for the few rates that have figures to recompute
        # from; a fact with a value always has one)
        if abs(Decimal(g.value)) > extreme and "倍" not in g.text:  # 增长二十六倍 is deliberate
            yield ctx.anomaly(
                "growth.extreme", "warning",
                f"增速“{g.text}”超过±{extreme}%，即增长了十倍以上，极不寻常，疑似数字录入错误。",
                f"The growth rate '{g.text}' is beyond ±{extreme}% (more than tenfold): implausible, "
                f"likely a typing error.",
                g.start, g.end, [g], stated=g.text, computed=f"|g| ≤ {extreme}%")
        # (pure filters, cheapest first: most growth rates have no two figures before them)
        cands = [f for f in ctx.facts_in(max(0, g.start - LOOKBACK), g.start, ADDITIVE_KINDS)
                 if f.value is not None and ctx.same_clause_chain(f, g)]
        if len(cands) < 2:
            continue
        if pattern("growth", "average").search(window_before(ctx, g, 30)):
            continue  # 五年年均增长5.2%: an average rate, not computable from two figures
        if pattern("growth", "real_terms").search(ctx.text[max(0, g.start - LOOKBACK):g.start]):
            continue  # 地区生产总值…增长33.6%: growth at comparable prices, not from the nominal values
        last, cur = cands[-1], cands[-2]
        if not same_measure(last, cur) or ctx.facts_in(last.end, g.start, ADDITIVE_KINDS + ("percent",)):
            continue
        if truncated(ctx, cur) or truncated(ctx, last) or not ctx.same_clause_chain(cur, last):
            continue
        if pattern("growth", "average").search(ctx.clause_before(last, 20)):
            continue  # 平均每年增加42亿元，增长4.9%: an average yearly change
        civ, liv = ctx.interval(cur), ctx.interval(last)
        if civ is None or liv is None:
            continue
        if prev_cue.search(_before(ctx, last)):
            prev = liv
            computed = (civ - prev).percent_of(prev)
            how = f"由本期{cur.text}与上期{last.text}计算"
            how_en = f"computed from the current {cur.text} and the previous {last.text}"
        elif inc_cue.search(_before(ctx, last, 8)) and not prev_cue.search(_before(ctx, cur)):
            dec = bool(pattern("growth", "decline").search(_before(ctx, last, 6)))
            prev = civ + liv if dec else civ - liv
            delta = -liv if dec else liv
            computed = delta.percent_of(prev)
            how = f"由本期{cur.text}与变化量{last.text}计算"
            how_en = f"computed from the current {cur.text} and the change {last.text}"
        else:
            continue
        if computed is None:
            continue
        stated = ctx.interval(g)
        if stated is None:
            continue
        if pc.decline:
            stated = -stated
        if not computed.intersects(stated):
            yield ctx.anomaly(
                "growth.inconsistent", "error",
                f"文中增速为“{g.text}”，但{how}得到的增速为{computed.fmt(2)}%，两者不符。",
                f"The stated growth is '{g.text}' but the rate {how_en} is {computed.fmt(2)}%; they disagree.",
                cur.start, g.end, [g, cur, last], stated=stated.fmt(), computed=computed.fmt(4))


def _pp(ctx: CheckContext, g: Fact, decline: bool) -> Iterator[Anomaly]:
    """由A%提高到B%，提高C个百分点: C must equal B − A (intervals)."""
    frm, to = pattern("growth", "pp_from"), pattern("growth", "pp_to")
    pcts = [f for f in ctx.facts_in(max(0, g.start - LOOKBACK), g.start, ("percent",))
            if f.unit == "%" and ctx.same_clause_chain(f, g)]
    if len(pcts) < 2:
        return
    a, b = pcts[-2], pcts[-1]
    if not frm.search(_before(ctx, a, 4)) or not to.search(_before(ctx, b, 6)):
        return
    ia, ib, ig = ctx.interval(a), ctx.interval(b), ctx.interval(g)
    if ia is None or ib is None or ig is None:
        return
    delta = ib - ia
    stated: Interval = -ig if decline else ig
    if not delta.intersects(stated):
        yield ctx.anomaly(
            "growth.inconsistent", "error",
            f"文中称变化“{g.text}”，但由{a.text}到{b.text}实际变化{delta.fmt(2)}个百分点，两者不符。",
            f"The text states a change of '{g.text}' but from {a.text} to {b.text} the change is "
            f"{delta.fmt(2)} percentage points.",
            a.start, g.end, [g, a, b], stated=stated.fmt(), computed=delta.fmt(4))

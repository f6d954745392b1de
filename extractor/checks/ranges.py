"""Ranges and magnitudes: bounded rates above 100%, negative counts, implausible magnitudes."""
from __future__ import annotations

import functools
from collections.abc import Iterator
from decimal import Decimal

import regex

from ..model import Anomaly
from .config import iter_matches, lexicon, may_match, section
from .context import CheckContext
from .figures import _overlapping
from .registry import check
from .roles import percent_context


@check("ranges.percent.v1", codes={"percent.out_of_range": "error"})
def check_percent_range(ctx: CheckContext) -> Iterator[Anomaly]:
    """覆盖率/合格率/占比… cannot exceed 100%; any other percentage beyond 1000% is suspicious."""
    cfg = section("ranges")
    bmax = Decimal(str(cfg["bounded_max"]))
    amax = Decimal(str(cfg["any_percent_max"]))
    for f in ctx.of_kind("percent"):
        if f.kind != "percent" or f.unit == "pp" or f.value is None:
            continue
        pc = percent_context(ctx, f)
        if not pc.bounded and pc.role in ("growth", "pp_change"):
            continue  # no branch below can apply: the interval is not needed
        iv = ctx.interval(f)
        if iv is None:
            continue
        word = pc.rate_word or ("占比" if pc.role == "share" else "")
        if pc.bounded and iv.above(bmax):
            yield ctx.anomaly(
                "percent.out_of_range", "error",
                f"{word}为“{f.text}”，超过100%，而{word}按定义不可能超过100%。",
                f"The {word} is stated as '{f.text}', above 100%, which a rate of this kind cannot exceed.",
                f.start, f.end, [f], stated=f.text, computed=f"[0, {bmax}]")
        elif pc.bounded and iv.below(Decimal(0)):
            yield ctx.anomaly(
                "percent.out_of_range", "error",
                f"{word}为“{f.text}”，小于0，而{word}不可能为负。",
                f"The {word} is stated as '{f.text}', below 0, which a rate of this kind cannot be.",
                f.start, f.end, [f], stated=f.text, computed="[0, 100]")
        elif pc.role not in ("growth", "pp_change") and iv.above(amax) and "倍" not in f.text:
            yield ctx.anomaly(
                "percent.out_of_range", "warning",
                f"“{f.text}”超过{amax}%，即便是完成率或倍数也极不寻常，疑似数字录入错误。",
                f"'{f.text}' is above {amax}%: implausible even for a completion rate; likely a typing error.",
                f.start, f.end, [f], stated=f.text, computed=f"≤ {amax}")


@check("ranges.count.v1", codes={"count.negative": "error"})
def check_negative_count(ctx: CheckContext) -> Iterator[Anomaly]:
    """A count (家, 个, 人次 …) cannot be negative."""
    for f in ctx.of_kind("count"):
        if f.kind != "count" or f.value is None:
            continue
        v = f.value   # (a Decimal already, as extraction gives it: no copy to compare)
        if (v if type(v) is Decimal else Decimal(v)) < 0:
            yield ctx.anomaly(
                "count.negative", "error",
                f"计数“{f.text}”为负数，而个数、人数、次数不可能小于0。",
                f"The count '{f.text}' is negative; a number of items, people or events cannot be below 0.",
                f.start, f.end, [f], stated=f.text, computed="≥ 0")


def _allowed(values: list[str]) -> set[Decimal]:
    return {Decimal(v) for v in values}


@functools.lru_cache(maxsize=64)
def _compiled(src: str) -> regex.Pattern[str]:
    """A lexicon pattern compiled once (``regex.compile`` itself re-parses its cache key)."""
    return regex.compile(src)


@check("ranges.magnitude.v1", codes={"magnitude.implausible": "warning"})
def check_magnitude(ctx: CheckContext) -> Iterator[Anomaly]:
    """Voltage classes that do not exist (2023千伏) and village roads longer than a county has."""
    lex = lexicon("magnitudes")
    for key in ("voltage_kv", "voltage_v"):
        rule = lex[key]
        rx = _compiled(rule["pattern"])
        if not may_match(rx, ctx.clean_text):
            continue
        ok = _allowed(rule["allowed"])
        for m in ctx.digit_pattern(rx).finditer(ctx.clean_text):
            v = Decimal(m.group("num"))
            if v in ok:
                continue
            a, b = ctx.to_decoded(m.start(), m.end())
            shown = ctx.text[a:b]
            classes = "、".join(rule["allowed"])
            yield ctx.anomaly(
                "magnitude.implausible", "warning",
                f"“{shown}”不是电网的标准电压等级（{classes}{m.group('unit')}），这样的线路不存在，数值疑似有误。",
                f"'{shown}' is not a standard voltage class ({', '.join(rule['allowed'])} {m.group('unit')}); "
                f"no such line exists, so the figure is probably corrupted.",
                a, b, _overlapping(ctx, a, b), stated=shown, computed=f"{{{', '.join(rule['allowed'])}}}")
    rule = lex["village_road"]
    rx = _compiled(rule["pattern"])
    vmax = Decimal(rule["max"])
    for m in iter_matches(rx, ctx.clean_text):  # (tried only where a road word is)
        v = Decimal(m.group("num")) * (10000 if m.group("scale") else 1)
        if v <= vmax:
            continue
        a, b = ctx.to_decoded(m.start("num"), m.end())
        shown = ctx.text[a:b]
        yield ctx.anomaly(
            "magnitude.implausible", "warning",
            f"{m.group('cue')}长度“{shown}”超过{vmax}公里，一个县的村级道路不可能这么长，疑似单位或数量级错误。",
            f"A {m.group('cue')} length of '{shown}' exceeds {vmax} km, implausible for village roads; "
            f"likely a unit or magnitude slip.",
            a, b, _overlapping(ctx, a, b), stated=shown, computed=f"≤ {vmax} 千米")

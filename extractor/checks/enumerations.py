"""Enumerations: a stated count against the items listed, and list markers out of order."""
from __future__ import annotations

import bisect
import functools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import regex

from ..model import Anomaly, Fact
from .config import gate_words, pattern, section
from .context import CheckContext
from .registry import check

CN = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}
OPEN, CLOSE = "(（《【[", ")）》】]"  # quotes are often left unclosed in reports: not nesting


def cn_number(s: str) -> int | None:
    """一 … 十九 (list markers)."""
    if len(s) == 1:
        return CN.get(s)
    if len(s) == 2 and s[0] == "十":
        return 10 + CN.get(s[1], 0) if s[1] in CN else None
    return None


def split_top(seg: str, seps: tuple[str, ...], nest: bool = True) -> list[str]:
    """Split at separators outside brackets (flat when the brackets do not balance)."""
    out, depth, cur = [], 0, []
    for ch in seg:
        if not nest:
            pass
        elif ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth = max(0, depth - 1)
        if depth == 0 and ch in seps:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    if nest and depth:
        return split_top(seg, seps, nest=False)
    return [x for x in (s.strip() for s in out) if x]


def count_items(seg: str) -> int:
    cfg = section("enums")
    seps = tuple(cfg["item_separators"])
    strong = tuple(s for s in seps if s in "；;")
    items = split_top(seg, strong)
    if len(items) < 2:
        items = split_top(seg, seps)
        if items:
            last = items[-1]
            for j in cfg["last_joiners"]:
                k = last.find(j)
                if k > 0:
                    items[-1:] = [last[:k], last[k + len(j):]]
                    break
    return len(items)


def _n(f: Fact) -> int | None:
    if f.kind != "count" or f.value is None or f.approx != "exact":
        return None
    return _small_int(f.value)


@functools.lru_cache(maxsize=4096)
def _small_int(value: Any) -> int | None:
    """The value as an int when it is a whole number in [2, 30] (pure; counts repeat the same
    few values, so the Decimal is built once per distinct value)."""
    v = Decimal(value)
    if v != v.to_integral_value() or not (2 <= v <= 30):
        return None
    return int(v)


@check("enums.count.v1", codes={"enum.count_mismatch": "warning"})
def check_enum_count(ctx: CheckContext) -> Iterator[Anomaly]:
    """共5个，分别是A；B；C；D；E (exhaustive) and A、B、C等5家 (at most N listed)."""
    ex = pattern("enums", "exhaustive_cue")
    etc = pattern("enums", "etc_before")
    etc_words = gate_words(etc)   # (等: most counts have none before them; tested in C first)
    for f in ctx.of_kind("count"):
        n = _n(f)
        if n is None:
            continue
        after = ctx.text[f.end:f.end + 12]
        m = ex.match(after)
        if m:
            start = f.end + m.end()
            end = start
            while end < len(ctx.text) and ctx.text[end] not in "。！？!?\n":
                end += 1
            if any(g.kind == f.kind and g.unit == f.unit for g in ctx.facts_in(start, end)):
                continue  # 分别为A 3个、B 4个: a sum breakdown, not a list of names
            seg = ctx.text[start:end]
            k = count_items(seg)
            if k < 2 or k == n:
                continue
            yield ctx.anomaly(
                "enum.count_mismatch", "warning",
                f"文中称“{f.text}”，但随后“分别是”列出了{k}项，数目不符。",
                f"The text says '{f.text}' but then lists {k} items.",
                f.start, end, [f], stated=str(n), computed=str(k))
            continue
        before = ctx.text[max(0, f.start - 2):f.start]
        if (etc_words is None or any(map(before.__contains__, etc_words))) and etc.search(before):
            base = max(0, f.start - 120)
            back = ctx.text[base:f.start]
            cut = max(back.rfind(c) for c in "，,。；;：:！？!?\n")
            seg_start = base + cut + 1
            seg = ctx.text[seg_start:f.start].rstrip()
            seg = seg[:-1] if seg.endswith("等") else seg
            k = count_items(seg)
            if k > n:
                yield ctx.anomaly(
                    "enum.count_mismatch", "warning",
                    f"文中列出{k}项后称“等{f.text}”，列出的项数多于所称数目。",
                    f"{k} items are listed before '等{f.text}', more than the stated count.",
                    seg_start, f.end, [f], stated=str(n), computed=str(k))


@check("enums.markers.v1", codes={"enum.marker_out_of_order": "warning"})
def check_markers(ctx: CheckContext) -> Iterator[Anomaly]:
    """一是…二是…二是…三是: a repeated, skipped or backward list marker.

    Lists nest (heading-level 一是…八是 with inner 一是…十一是 under each heading), so open lists
    are kept on a small stack: a marker continues the innermost list it fits (last + 1), closing
    the inner ones; 一是 opens a list; a marker that fits no open list is a finding when the
    innermost list is near (``marker_gap``) and in the same section, and otherwise starts afresh.
    """
    rx = pattern("enums", "marker")
    gap = int(section("enums")["marker_gap"])
    sec_starts = ctx.sentence_starts
    stack: list[list] = []  # [last number, decoded offset, section]
    for m in rx.finditer(ctx.clean_text):
        k = cn_number(m.group("n"))
        if k is None:
            continue
        a, b = ctx.to_decoded(m.start("n"), m.end())
        i = bisect.bisect_right(sec_starts, a) - 1
        sec = ctx.sentence(i).section if 0 <= i < len(sec_starts) else ""
        if k == 1:
            stack.append([1, a, sec])
            del stack[:-4]
            continue
        fit = next((j for j in range(len(stack) - 1, -1, -1) if stack[j][0] == k - 1), None)
        if fit is not None:
            del stack[fit + 1:]
            stack[fit][0], stack[fit][1] = k, a
            continue
        top = stack[-1] if stack else None
        if top is None or top[2] != sec or a - top[1] > gap:
            stack = [[k, a, sec]]
            continue
        prev = top[0]
        expected = prev + 1
        what = "重复" if k == prev else ("跳号" if k > expected else "倒序")
        what_en = "repeated" if k == prev else ("skips a number" if k > expected else "goes backwards")
        yield ctx.anomaly(
            "enum.marker_out_of_order", "warning",
            f"列举序号“{m.group()}”出现在“{_cn(prev)}是”之后（{what}），应为“{_cn(expected)}是”，列举可能有遗漏或重复。",
            f"The list marker '{m.group()}' follows '{_cn(prev)}是' ({what_en}); '{_cn(expected)}是' was expected.",
            a, b, [], stated=m.group(), computed=f"{_cn(expected)}是")
        top[0], top[1] = k, a


def _cn(k: int) -> str:
    inv = {v: c for c, v in CN.items()}
    if k <= 10:
        return inv[k]
    return "十" + inv.get(k - 10, "")

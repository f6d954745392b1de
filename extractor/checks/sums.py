"""Totals and parts (Reference c1, XBRL Calculations 1.1 with intervals).

Binding: a total is an additive fact (money/count/quantity) followed directly (or after a growth
clause of its own: 完成X亿元，增长8%，其中…) by a parts cue: 分别为/分别是 (exhaustive) or 其中/包括 (partial). Its parts are the following
facts of the same kind and unit in the same passage, skipping figures that are changes or
comparisons (增长…, 比上年…, 人均…). Tests:
- partial (其中) with enumerated parts (A类4个、B类3个、C类5个): Σ low(parts) must not exceed
  high(total) → ``sum.parts_exceed_total`` (error), unless a leading run of the parts already
  matches the total (overlapping categories, the list going on past an exhaustive split);
- partial with comma-separated parts (其中因私出境14015万人次，赴港澳台出境9712万人次): the parts
  may overlap, so only a single part above the total is an error; a clause opening with a verb
  (，新增… ，修复…) ends the parts;
- exhaustive (分别为): the intervals must intersect → ``sum.breakdown_mismatch`` (error) when the
  parts fall short, ``sum.parts_exceed_total`` when they exceed;
- a run of same-unit figures without cue words where one equals the sum of the others
  (查处案件19起，行政罚款3起，整改16起) is reported as ``sum.verified`` (info), never as an error;
  without cue words only exact figures that add up exactly count, so that hedged or round figures
  (超过2.4万亿元 …, 约1亿人 …) are never "verified" by coincidence.
"""
from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Iterator
from decimal import Decimal

import regex

from ..model import Anomaly, Fact
from .config import LiteralSpots, pattern, section
from .context import ADDITIVE_KINDS, CheckContext
from .intervals import ZERO, Interval, sum_intervals
from .registry import check

PASSAGE_END = "。！？!?\n"
CUE_LOOK = 40  # a parts cue is sought this many characters after a total at most
_SEP_BEFORE = re.compile(r"[0-9０-９][,，][ \u3000]?$")
_THREE_DIGITS = re.compile(r"[0-9０-９]{3}(?![0-9０-９])")
_START = operator.attrgetter("start")
_END = operator.attrgetter("end")


def _measure(f: Fact) -> tuple[str, str]:
    return f.kind, f.unit or ""


def same_measure(a: Fact, b: Fact) -> bool:
    return a.kind == b.kind and (a.unit or "") == (b.unit or "")


def _clause(ctx: CheckContext, f: Fact) -> str:
    return ctx.clause_before(f, 30)


def _is_change(ctx: CheckContext, f: Fact) -> bool:
    """A figure that is a change, comparison, average or from/to value: never a part."""
    memo = ctx.memo.get("is_change")   # (one dict per document, keyed by the fact)
    if memo is None:
        memo = ctx.memo["is_change"] = {}
    hit = memo.get(id(f))
    if hit is None:
        hit = memo[id(f)] = _is_change_uncached(ctx, f)
    return hit


def _is_change_uncached(ctx: CheckContext, f: Fact) -> bool:
    if pattern("sums", "not_part_before").search(ctx.text[max(0, f.start - 8):f.start]):
        return True   # (the clause is read only when the words right before do not decide)
    clause = _clause(ctx, f)
    return bool(pattern("sums", "clause_skip").search(clause)
                or pattern("sums", "part_clause_skip").search(clause)
                or truncated(ctx, f))


def _not_total(ctx: CheckContext, f: Fact) -> bool:
    if pattern("sums", "not_total_before").search(ctx.text[max(0, f.start - 8):f.start]):
        return True
    clause = _clause(ctx, f)   # (read once for both tests: clause_before keeps no memo)
    return bool(pattern("sums", "clause_skip").search(clause)
                or pattern("sums", "not_total_clause").search(clause)
                or truncated(ctx, f))


def truncated(ctx: CheckContext, f: Fact) -> bool:
    """A figure right after a digit and a thousands separator (１，７５３亿元 read as ７５３亿元)
    is a truncated extraction: relational checks skip it rather than raise a false alarm."""
    return bool(_SEP_BEFORE.search(ctx.text[max(0, f.start - 3):f.start])) and \
        bool(_THREE_DIGITS.match(ctx.text[f.start:f.start + 4]))


def find_groups(ctx: CheckContext) -> Iterator[tuple[Fact, list[Fact], str, int, int]]:
    """Yield (total, parts, mode, cue_start, cue_end) with mode 'exhaustive' or 'partial'
    (computed once per document: sums and shares both ask)."""
    groups = ctx.memo.get("find_groups")
    if groups is None:
        groups = ctx.memo["find_groups"] = list(_find_groups(ctx))
    for t, parts, mode, cs, ce in groups:
        yield t, list(parts), mode, cs, ce


def _find_groups(ctx: CheckContext) -> Iterator[tuple[Fact, list[Fact], str, int, int]]:
    ex = pattern("sums", "exhaustive_cue")
    pa = pattern("sums", "partial_cue")
    stop = pattern("sums", "stop")
    either = _either(ex, pa)
    additive = [f for f in ctx.of_kinds(ADDITIVE_KINDS) if f.value is not None]
    # each figure's window: from its end to the next figure, at most CUE_LOOK characters (the
    # cue may follow a growth clause of the total: 完成X亿元，增长8%，其中…)
    ends = list(map(_END, additive))   # (attribute reads and sums in C)
    nexts = list(map(_START, itertools.islice(additive, 1, None)))
    nexts.append(len(ctx.text))
    look_ends = list(map(min, nexts, map(CUE_LOOK.__add__, ends)))
    # a window without a whole cue word holds no cue: only the windows around the cue words'
    # occurrences are searched (the search below decides for them)
    spots = LiteralSpots.build(_unanchored_pair(ex, pa), ctx.text) if either is not None else None
    for i in (range(len(additive)) if spots is None else spots.windows_holding(ends, look_ends)):
        t = additive[i]
        look = ctx.text[t.end:look_ends[i]]
        mode = ""
        pos = 0
        if either is not None and either.search(look) is None:
            continue  # no cue anywhere after the figure: it heads no breakdown (cheap pre-filter)
        for k in range(len(look)):
            if k > 2 and look[k - 1] in PASSAGE_END:
                break  # the cue may open the next sentence only right after the total
            if k > 2 and look[k - 1] not in "，,。；; ":
                continue
            if ex.match(look[k:]):
                mode, pos = "exhaustive", k
                break
            if pa.match(look[k:]):
                mode, pos = "partial", k
                break
        if not mode or _not_total(ctx, t):
            continue
        between = ctx.facts_in(t.end, t.end + pos)
        if any(f.kind != "percent" for f in between):
            continue
        if pos > 2 and not between:
            continue  # 6个行政村实施…工程，包含…: the cue belongs to another noun, not to this total
        if any(c in look[:pos] for c in "（(") and \
                pattern("sums", "definition_cue").match(look[pos:].lstrip("，,：:。；; ")):
            continue  # 504个县（包括相当于县的旗…）: a definition, not a breakdown (but 300所（其中…）is one)
        cue_start = t.end + pos
        m = (ex if mode == "exhaustive" else pa).match(ctx.text[cue_start:cue_start + 12])
        cue_end = cue_start + (m.end() if m else 2)
        # the passage of the parts: to the end of the sentence holding the cue
        end = cue_end
        stops = PASSAGE_END if mode == "exhaustive" else PASSAGE_END + "；;"
        while end < len(ctx.text) and ctx.text[end] not in stops:
            end += 1
        s = stop.search(ctx.text, cue_end, end)
        if s:
            end = s.start()
        nc = pattern("sums", "new_clause")
        for k in range(cue_end, end):
            if ctx.text[k] in "，,；;" and nc.match(ctx.text[k:k + 12]):
                end = k  # 其中高铁370公里，新增高速公路2600公里: a new item, not a part
                break
        parts = [f for f in ctx.facts_in(cue_end, end, ADDITIVE_KINDS)
                 if same_measure(f, t) and f.value is not None and not _is_change(ctx, f)]
        if parts:
            yield t, parts, mode, cue_start, cue_end


@functools.cache
def _unanchored(rx: regex.Pattern[str]) -> regex.Pattern[str] | None:
    """The cue pattern without its leading ``^``, to test cheaply whether ``rx.match(look[k:])``
    can succeed at any k: it can only if the body occurs somewhere in ``look``. None when the
    body has look-arounds, anchors or flags that make that inference unsafe."""
    src = rx.pattern
    if not src.startswith("^") or rx.flags & regex.VERBOSE:
        return None
    body = src[1:]
    if any(tok in body for tok in ("(?<", "(?=", "(?!", "^", "$", "\\b", "\\B", "\\A", "\\Z", "\\G")):
        return None
    return regex.compile(body, rx.flags)


@functools.cache
def _unanchored_pair(ex: regex.Pattern[str], pa: regex.Pattern[str]) -> tuple[regex.Pattern[str], ...]:
    """Both cues without their ``^``, for ``LiteralSpots`` (asked only when ``_either`` could
    unanchor both)."""
    return tuple(rx for rx in (_unanchored(ex), _unanchored(pa)) if rx is not None)


@functools.cache
def _either(ex: regex.Pattern[str], pa: regex.Pattern[str]) -> regex.Pattern[str] | _Both | None:
    """One pattern that finds a match of either unanchored cue (one search per figure instead of
    two); None when either cannot be unanchored safely."""
    ex_any, pa_any = _unanchored(ex), _unanchored(pa)
    if ex_any is None or pa_any is None:
        return None
    if ex_any.flags != pa_any.flags or ex_any.groups or pa_any.groups:
        # groups would renumber (backreferences) or clash by name: keep two searches
        return _Both(ex_any, pa_any)
    return regex.compile(f"(?:{ex_any.pattern})|(?:{pa_any.pattern})", ex_any.flags)


class _Both:
    """``search`` of two patterns as one (the fallback of ``_either``)."""

    def __init__(self, a: regex.Pattern[str], b: regex.Pattern[str]) -> None:
        self.a, self.b = a, b

    def search(self, s: str) -> object | None:
        return self.a.search(s) or self.b.search(s)


def enumerated(ctx: CheckContext, parts: list[Fact]) -> bool:
    """Parts that are disjoint by their wording: joined by 、/和/及 (A类4个、B类3个), or naming
    different members of one complementary set (中央…，地方…). Other comma-separated parts may
    overlap (因私出境…，赴港澳台出境…)."""
    j = pattern("sums", "enumerated_joiner")
    if all(j.match(ctx.text[a.end:b.start]) for a, b in zip(parts, parts[1:])):
        return True
    labels = [ctx.clause_before(p, 24) for p in parts]
    for members in section("sums")["disjoint_sets"]:
        hit = [next((m for m in members if m in lab), None) for lab in labels]
        if all(hit) and len(set(hit)) == len(hit):
            return True
    return False


def _fmt(iv: Interval) -> str:
    return iv.fmt()


@check("sums.v1", codes={"sum.parts_exceed_total": "error", "sum.breakdown_mismatch": "error",
                         "sum.verified": "info"})
def check_sums(ctx: CheckContext) -> Iterator[Anomaly]:
    """Totals versus their parts, with rounding and qualifier intervals."""
    bound: set[str] = set()
    for t, parts, mode, _cs, _ce in find_groups(ctx):
        tiv = ctx.interval(t)
        pivs = [ctx.interval(p) for p in parts]
        if tiv is None or any(p is None for p in pivs):
            continue
        total_parts = sum_intervals([p for p in pivs if p is not None])
        bound.update(f.fact_id for f in [t, *parts])
        plist = "、".join(p.text for p in parts)
        span_end = parts[-1].end
        if mode == "exhaustive" and len(parts) < 2:
            continue
        if mode == "partial" and not enumerated(ctx, parts):
            # comma-separated parts may overlap: a single part above the total is impossible (error),
            # parts that only together exceed it are suspicious (warning)
            big = [p for p, iv in zip(parts, pivs) if iv is not None and exceeds(iv, tiv)]
            if big:
                p = big[0]
                yield ctx.anomaly(
                    "sum.parts_exceed_total", "error",
                    f"总数为“{t.text}”，其中的分项“{p.text}”却比总数还大，分项不可能大于总数。",
                    f"The total is '{t.text}' but its part '{p.text}' alone is larger; a part cannot exceed its total.",
                    t.start, p.end, [t, p], stated=_fmt(tiv), computed=_fmt(ctx.interval(p)))  # type: ignore[arg-type]
            elif exceeds(total_parts, tiv) and not _prefix_matches(ctx, tiv, parts):
                yield ctx.anomaly(
                    "sum.parts_exceed_total", "warning",
                    f"总数为“{t.text}”，“其中”列出的分项{plist}合计{_fmt(total_parts)}，超过总数{_fmt(tiv)}；若各分项互不重叠，则数字有误。",
                    f"The total is '{t.text}' but the parts listed after 其中 ({plist}) add up to {_fmt(total_parts)}, "
                    f"beyond {_fmt(tiv)}: wrong unless the categories overlap.",
                    t.start, span_end, [t, *parts], stated=_fmt(tiv), computed=_fmt(total_parts))
            elif total_parts.intersects(tiv) and _bounded(tiv) and _bounded(total_parts) and len(parts) >= 2:
                yield _verified(ctx, t, parts, tiv, total_parts)
            continue
        if exceeds(total_parts, tiv):
            if mode == "partial" and _prefix_matches(ctx, tiv, parts):
                continue
            yield ctx.anomaly(
                "sum.parts_exceed_total", "error",
                f"总数为“{t.text}”，但其下列出的分项{plist}合计{_fmt(total_parts)}，已超过总数{_fmt(tiv)}，分项不可能大于总数。",
                f"The total is '{t.text}' but its parts {plist} add up to {_fmt(total_parts)}, beyond the total "
                f"{_fmt(tiv)}; parts cannot exceed their total.",
                t.start, span_end, [t, *parts], stated=_fmt(tiv), computed=_fmt(total_parts))
        elif mode == "exhaustive" and not total_parts.intersects(tiv):
            yield ctx.anomaly(
                "sum.breakdown_mismatch", "error",
                f"总数为“{t.text}”，“分别为”列出的全部分项{plist}合计只有{_fmt(total_parts)}，与总数{_fmt(tiv)}对不上。",
                f"The total is '{t.text}' but the complete breakdown {plist} adds up to only "
                f"{_fmt(total_parts)}, which does not meet the total {_fmt(tiv)}.",
                t.start, span_end, [t, *parts], stated=_fmt(tiv), computed=_fmt(total_parts))
        elif total_parts.intersects(tiv) and _bounded(tiv) and _bounded(total_parts) and len(parts) >= 2:
            yield _verified(ctx, t, parts, tiv, total_parts)
    yield from _implicit(ctx, bound)


def _bounded(iv: Interval) -> bool:
    return iv.lo is not None and iv.hi is not None


def exceeds(a: Interval, b: Interval) -> bool:
    """``a`` lies wholly above ``b`` (disjoint, Calc 1.1)."""
    return (not a.intersects(b)) and b.hi is not None and a.lo is not None and a.lo >= b.hi


def _prefix_matches(ctx: CheckContext, tiv: Interval, parts: list[Fact]) -> bool:
    acc = Interval.point(ZERO)
    for p in parts[:-1]:
        iv = ctx.interval(p)
        if iv is None:
            return False
        acc = acc + iv
        if acc.intersects(tiv) and len(parts) > 2:
            return True
    return False


def _verified(ctx: CheckContext, t: Fact, parts: list[Fact], tiv: Interval, piv: Interval) -> Anomaly:
    plist = "、".join(p.text for p in parts)
    a, b = min(t.start, parts[0].start), max(t.end, parts[-1].end)
    return ctx.anomaly(
        "sum.verified", "info",
        f"总数“{t.text}”与分项{plist}在舍入和约数范围内一致（总数{_fmt(tiv)}，分项合计{_fmt(piv)}）。",
        f"The total '{t.text}' agrees with its parts {plist} within rounding and hedges "
        f"(total {_fmt(tiv)}, parts {_fmt(piv)}).",
        a, b, [t, *parts], stated=_fmt(tiv), computed=_fmt(piv))


def _implicit(ctx: CheckContext, bound: set[str]) -> Iterator[Anomaly]:
    """Runs of same-unit figures in one sentence where one equals the sum of the others."""
    min_parts = int(section("sums")["implicit_min_parts"])
    for _i, facts in ctx.fact_groups(ADDITIVE_KINDS):
        if len(facts) < min_parts + 1:
            continue  # filtering only removes facts: no run can reach min_parts + 1
        measures = list(map(_measure, facts))
        if max(map(measures.count, set(measures))) < min_parts + 1:
            continue  # a run is of one measure: none has enough figures in this sentence
        facts = [f for f in facts if f.value is not None and (not bound or f.fact_id not in bound)
                 and not _is_change(ctx, f)]
        runs: list[list[Fact]] = []
        for f in facts:
            if runs and same_measure(runs[-1][-1], f):
                runs[-1].append(f)
            else:
                runs.append([f])
        for run in runs:
            if len(run) < min_parts + 1:
                continue
            # without cue words only exact parts whose written values add up exactly to the
            # written total (which may be hedged: 335亩 + 225亩 = 560余亩) count as verified
            # (tested first: it rules out almost every run before any interval is built)
            vals = [Decimal(f.value) for f in run]  # type: ignore[arg-type]
            first_ok = vals[0] == sum(vals[1:]) and all(f.approx == "exact" for f in run[1:])
            last_ok = vals[-1] == sum(vals[:-1]) and all(f.approx == "exact" for f in run[:-1])
            if not (first_ok or last_ok):
                continue
            ivs = [ctx.interval(f) for f in run]
            if any(iv is None or not _bounded(iv) for iv in ivs):
                continue
            first, rest = run[0], run[1:]
            last, init = run[-1], run[:-1]
            if first_ok and ivs[0].intersects(sum_intervals(ivs[1:])):  # type: ignore[arg-type]
                yield _verified(ctx, first, rest, ivs[0], sum_intervals(ivs[1:]))  # type: ignore[arg-type]
            elif last_ok and ivs[-1].intersects(sum_intervals(ivs[:-1])):  # type: ignore[arg-type]
                yield _verified(ctx, last, init, ivs[-1], sum_intervals(ivs[:-1]))  # type: ignore[arg-type]

"""Local role and rate-word derivation for percent facts, from the text before the figure.

Extraction may fill ``Fact.role``; when it does not, the checks derive it here with the cue
lexicons of rules/ so that they never wait on extraction (and never disagree silently: an
explicit role wins).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import regex

from ..model import Fact
from .config import alternation, lexicon, pattern
from .context import CheckContext

_SHARE_WORD = regex.compile(r"占|比重|占比|份额")
_COMPLETION_TAIL = regex.compile(r"完成.{0,12}的\s*$|为.{0,8}的\s*$|完成率|执行率")


@dataclass(frozen=True, slots=True)
class PercentContext:
    role: str            # growth | share | rate | completion | pp_change | ""
    rate_word: str       # nearest rate word before the figure (覆盖率, 比重 …) or ""
    bounded: bool        # the rate word (or role share) cannot exceed 100
    decline: bool        # 下降/减少: the stated growth is negative


@functools.cache
def _rate_words() -> tuple[regex.Pattern[str], frozenset[str], frozenset[str]]:
    lex = lexicon("rates")
    bounded = frozenset(lex["bounded"])
    unbounded = frozenset(lex["unbounded"])
    words = list(bounded | unbounded)
    # the lookahead only asserts what the literal alternation needs anyway (its first character),
    # but lets the engine skip most positions with one set test instead of trying ~70 words
    first = "".join(sorted({w[0] for w in words})) if all(words) else ""
    guard = "(?=[" + regex.escape(first) + "])" if first else ""
    rx = regex.compile(guard + "(?:" + alternation(words) + r")|\p{Han}{1,2}率")
    return rx, bounded, unbounded


def window_before(ctx: CheckContext, f: Fact, limit: int = 24) -> str:
    """Clause text before ``f`` back to the previous figure or clause break (memoised per fact)."""
    key = ("window_before", id(f), limit)
    seg = ctx.memo.get(key)
    if seg is None:
        seg = ctx.memo[key] = _window_before(ctx, f, limit)
    return seg


def _window_before(ctx: CheckContext, f: Fact, limit: int) -> str:
    seg = ctx.clause_before(f, limit)
    # the last earlier figure in the window (f itself starts at f.start, so it is never one)
    prev = ctx.last_fact_in(f.start - len(seg), f.start)
    if prev is not None:
        cut = prev.end - (f.start - len(seg))
        if cut > 0:
            seg = seg[cut:]
    return seg


def _whole(before: str) -> str:
    """The named whole of a share: text from the last 占 to the figure."""
    k = before.rfind("占")
    return before[k:] if k >= 0 else before[-8:]


def percent_context(ctx: CheckContext, f: Fact) -> PercentContext:
    """Role, rate word and bounds of a percent fact (memoised per fact: several checks ask)."""
    key = ("percent_context", id(f))
    pc = ctx.memo.get(key)
    if pc is None:
        pc = ctx.memo[key] = _percent_context(ctx, f)
    return pc


def _percent_context(ctx: CheckContext, f: Fact) -> PercentContext:
    return _classify(window_before(ctx, f), f.role or "", f.unit == "pp")


@functools.lru_cache(maxsize=8192)
def _classify(before: str, explicit_role: str, pp: bool) -> PercentContext:
    """The PercentContext of a percent fact from the clause text before it, its explicit role and
    whether its unit is percentage points: a pure function of these small inputs (the same
    wording, 同比增长 …, recurs across the facts of a report), so it is cached."""
    growth_cue = pattern("growth", "cue")
    decline = pattern("growth", "decline")
    change = pattern("ranges", "change_between")
    level = pattern("growth", "level_reached")
    rx, bounded, unbounded = _rate_words()
    words = list(rx.finditer(before))
    rate_word = words[-1].group() if words else ""
    between = before[words[-1].end():] if words else before
    role = explicit_role
    if pp:
        role = role or "pp_change"
    if not role:
        if growth_cue.search(before) and not level.search(before):
            role = "growth"
        elif _SHARE_WORD.search(before) and not change.search(between):
            role = "completion" if pattern("ranges", "completion_whole").search(_whole(before)) else "share"
        elif _COMPLETION_TAIL.search(before):
            role = "completion"
        elif rate_word:
            role = "rate"
    if role == "growth" and level.search(before):
        role = "rate" if rate_word else ""  # 赤字率提高到3%: a level reached, not a growth rate
    if role == "share" and pattern("ranges", "completion_whole").search(_whole(before)):
        role = "completion"  # 占预算数的106.48%: a share of a plan is a completion rate
    is_bounded = False
    if role in ("share", "rate") and not change.search(between) \
            and not pattern("ranges", "completion_whole").search(between):
        if rate_word in bounded or (rate_word and any(rate_word.endswith(b) for b in bounded)):
            is_bounded = True
        elif role == "share" and rate_word not in unbounded:
            is_bounded = True
    dec = bool(role == "growth" and decline.search(before[-8:]))
    return PercentContext(role, rate_word, is_bounded, dec)

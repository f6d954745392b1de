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
from ..rulefiles import compile_regex
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
    rx = compile_regex(guard + "(?:" + alternation(words) + r")|\p{Han}{1,2}率")
    return rx, bounded, unbounded


_HAN = regex.compile(r"\p{Han}")
_HAN_OF: dict[str, bool] = {}   # character → is it a Han character (a few thousand distinct)


@functools.cache
def _rate_index() -> dict[str, tuple[str, ...]] | None:
    """The rate words by first character, longest first (the order in which the alternation of
    ``_rate_words`` tries them); None when a word is empty (the regex is used then)."""
    _rx, bounded, unbounded = _rate_words()
    words = bounded | unbounded
    if not all(words):
        return None
    out: dict[str, list[str]] = {}
    for w in sorted(words, key=len, reverse=True):
        out.setdefault(w[0], []).append(w)
    return {k: tuple(v) for k, v in out.items()}


def _last_rate_word(before: str) -> tuple[str, int]:
    """(text, end) of the last match of ``_rate_words()[0].finditer(before)``, ("", -1) if none.

    The same left-to-right, non-overlapping scan in Python over the ~8 characters of a window
    (the regex tries its ~70 words at every position, ten times slower): at each position the
    longest rate word starting there, else two or one Han characters followed by 率."""
    index = _rate_index()
    if index is None:
        words = list(_rate_words()[0].finditer(before))
        return (words[-1].group(), words[-1].end()) if words else ("", -1)
    n = len(before)
    rate = "率" in before   # the Han-characters-then-率 branch needs one
    get = index.get
    han = _HAN_OF
    p = 0
    last, last_end = "", -1
    while p < n:
        ws = get(before[p])
        if ws is not None:
            w = next((w for w in ws if before.startswith(w, p)), None)
            if w is not None:
                last, last_end = w, p + len(w)
                p = last_end
                continue
        if rate:
            c = before[p]
            h = han.get(c)
            if h is None:
                h = han[c] = _HAN.match(c) is not None
            if h:
                if p + 2 < n and before[p + 2] == "率":
                    c1 = before[p + 1]
                    h1 = han.get(c1)
                    if h1 is None:
                        h1 = han[c1] = _HAN.match(c1) is not None
                    if h1:
                        last, last_end = before[p:p + 3], p + 3
                        p = last_end
                        continue
                if p + 1 < n and before[p + 1] == "率":
                    last, last_end = before[p:p + 2], p + 2
                    p = last_end
                    continue
        p += 1
    return last, last_end


def window_before(ctx: CheckContext, f: Fact, limit: int = 24) -> str:
    """Clause text before ``f`` back to the previous figure or clause break (memoised per fact)."""
    memo = ctx.memo.get("window_before")   # (one dict per document: no key tuple per call)
    if memo is None:
        memo = ctx.memo["window_before"] = {}
    key = (id(f), limit) if limit != 24 else id(f)   # (the default limit: the fact alone)
    seg = memo.get(key)
    if seg is None:
        seg = memo[key] = _window_before(ctx, f, limit)
    return seg


def _window_before(ctx: CheckContext, f: Fact, limit: int) -> str:
    seg = ctx._clause_before(f.start, limit)   # (clause_before's body: one call less per fact)
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
    memo = ctx.memo.get("percent_context")   # (one dict per document, keyed by the fact)
    if memo is None:
        memo = ctx.memo["percent_context"] = _percent_contexts(ctx)
    pc = memo.get(id(f))
    if pc is None:
        pc = memo[id(f)] = _percent_context(ctx, f)
    return pc


def _percent_contexts(ctx: CheckContext) -> dict[int, PercentContext]:
    """``_percent_context`` of every percent fact of the document, in one loop (the checks ask for
    all of them, one by one: growth, ranges and shares walk every percentage), with the windows
    kept in ``window_before``'s memo: the same values, without a memo look-up and two calls per
    fact on the way. Keyed by the fact's id, as ``percent_context``'s memo."""
    windows = ctx.memo.get("window_before")
    if windows is None:
        windows = ctx.memo["window_before"] = {}
    out: dict[int, PercentContext] = {}
    for f in ctx.of_kind("percent"):
        key = id(f)
        seg = windows.get(key)
        if seg is None:
            seg = windows[key] = _window_before(ctx, f, 24)
        out[key] = _classify(seg, f.role or "", f.unit == "pp")
    return out


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
    _rx, bounded, unbounded = _rate_words()
    rate_word, rate_end = _last_rate_word(before)
    between = before[rate_end:] if rate_word else before
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

"""Corrupted figures: a year pasted into a figure, a duplicated token, contradictory qualifiers.

Design decision (documented in the issue): these checks scan the normalised text
(``clean.text``) themselves instead of reading facts, because some corrupted figures are
deliberately NOT value facts (``12023国道`` is a road code, ``岳发20232号`` a document number) and
a corrupted figure may be missed by extraction altogether. Matches are mapped back with
``clean.to_decoded``; facts overlapping a match are attached (main fact first) and, when one
does, the evidence is that fact's span.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import regex

from ..model import Anomaly, Fact
from .config import iter_matches, pattern, section
from .context import CheckContext
from .registry import check


def near_years(ctx: CheckContext) -> set[int]:
    cfg = section("years")
    if ctx.report_year is None:
        return set()
    ys = range(ctx.report_year - int(cfg["before"]), ctx.report_year + int(cfg["after"]) + 1)
    return {y for y in ys if y % int(cfg["exempt_modulus"]) != 0}


def _overlapping(ctx: CheckContext, a: int, b: int) -> list[Fact]:
    fs = [f for f in ctx.facts_in(max(0, a - 40), b + 40) if f.start < b and f.end > a and f.kind != "date"]
    fs.sort(key=lambda f: (-(min(f.end, b) - max(f.start, a)), f.start))
    return fs


def year_tokens(ctx: CheckContext) -> Iterator[tuple[int, int, str, int, str]]:
    """Yield (clean_start, clean_end, token, year, form) for figures holding a near year.

    form ∈ exact (2023余期), decimal (2023.9%), prefix (20230%, 202330基), code (12023国道).
    """
    years = near_years(ctx)
    if not years:
        return
    text = ctx.clean_text
    cfg = section("year_contamination")
    rule = pattern("year_contamination", "token")
    tok_re = ctx.digit_pattern(rule)
    year_after = pattern("year_contamination", "year_after")
    figure_after = pattern("year_contamination", "figure_after")
    code_after = pattern("year_contamination", "code_after")
    max_digits = int(cfg["max_digits"])
    # the years with their digits, in the set's own order (the first one found in that order
    # is the one reported)
    spelled = [(y, str(y)) for y in years]
    # every token yielded below holds a year's digits in its integer part; on a text whose only
    # digits are 0-9 (the rule's ASCII-digit form is used) those are found with str.find
    fast = tok_re is not rule and _YEAR_TOKEN_SHAPE.fullmatch(rule.pattern) is not None
    matches = _holding(tok_re, text, spelled) if fast else tok_re.finditer(text)
    for m in matches:
        a, b = m.span("int")
        if b - a < 4 or b - a >= max_digits:
            continue  # (tested on the span, before building any string; the rule's own
            # lookahead already leaves out the tokens shorter than a year)
        e = m.end()
        if b - a == 4:
            y = int(text[a:b])
            if y not in years:
                continue  # (most tokens: other years, plain figures; nothing else is built)
            if m.group("frac"):
                if text[e:e + 1] in ("%", "％", "‰"):
                    yield m.start(), e, m.group(), y, "decimal"
                continue
            after = text[e:e + 6]
            if year_after.search(after):
                continue
            if figure_after.search(after):
                yield m.start(), e, m.group(), y, "exact"
            continue
        ip = text[a:b]
        hit = next((y for y, digits in spelled if ip.startswith(digits)), None)
        if hit is not None:
            yield m.start(), e, m.group(), hit, "prefix"
            continue
        inner = ip[1:]
        hit = next((y for y, digits in spelled if digits in inner), None)
        if hit is not None and code_after.search(text[e:e + 6]):
            yield m.start(), e, m.group(), hit, "code"


# the token rules ``_holding`` finds all the matches of (a user's checks.yaml may hold another):
# a look-behind refusing a digit and a '.' (a match starts only where a run of digits starts, and
# never at a fraction's run, the one run a match holds besides its own), look-aheads (they only
# refuse starts), then the integer part as the whole run from there and an optional fraction
_YEAR_TOKEN_SHAPE = regex.compile(
    r"\(\?<!\[(?!\^)(?=(?:\\.|[^]\\])*?\\d)(?=(?:\\.|[^]\\])*?(?:\\)?\.)(?:\\.|[^][\\])*\]\)"
    r"(?:\(\?=[^()]*\))*"
    r"\(\?P<int>\\d\+\)\(\?P<frac>\\\.\\d\+\)\?\(\?!(?:\\d|\[\\d\])\)")
# the run of digits 0-9 ending at a position, matched backwards from there (regex REVERSE)
_DIGITS_BACK = regex.compile(r"[0-9]*", regex.REVERSE)
# the run of digits 0-9 starting at a position
_DIGITS_AHEAD = regex.compile(r"[0-9]*")


def _holding(tok_re: regex.Pattern[str], text: str,
             spelled: list[tuple[int, str]]) -> Iterator[regex.Match[str]]:
    """The matches of ``tok_re`` (the token rule in its ASCII-digit form) whose run of digits
    holds one of the spelled years, in text order: each occurrence of a year's digits (found by
    ``str.find`` of their first three digits) lies in one run, and a match can only start where
    a run starts (the rule's look-behind refuses a digit before), so the rule is tried at those
    run starts instead of at every position of the text (~3,000 tokens a corpus pass). A token
    without a year's digits in its integer part (its fraction's run follows a '.': no match
    starts there) is never a finding (2023 as a value is the digits "2023"; 0999 holds "999")."""
    heads: dict[str, list[str]] = {}   # the years by their first three digits: 202 → 2020…2024
    for _y, digits in spelled:
        heads.setdefault(digits[:3], []).append(digits)
    starts: set[int] = set()
    back, ahead = _DIGITS_BACK.match, _DIGITS_AHEAD.match
    find, at = text.find, text.startswith
    for head, years in heads.items():
        whole = tuple(years)
        k = find(head)   # (one search for the five years around 2023 instead of one each)
        while k >= 0:
            if at(whole, k):
                starts.add(back(text, 0, k).start())
                # the rest of the run adds no other start: the search goes on after it (a run
                # of 160,000 digits "20232023…" was walked back from each year, 4.5 s)
                k = max(ahead(text, k).end(), k + 1)
                k = find(head, k)
            else:
                k = find(head, k + 1)
    match = tok_re.match
    for s in sorted(starts):
        m = match(text, s)
        if m is not None:
            yield m


@check("figures.year_contamination.v1", codes={"figure.year_contamination": "warning"})
def check_year_contamination(ctx: CheckContext) -> Iterator[Anomaly]:
    """A figure whose digits equal or contain a year near the report year where a year is implausible."""
    for cs, ce, tok, year, form in year_tokens(ctx):
        a, b = ctx.to_decoded(cs, ce)
        facts = _overlapping(ctx, a, b)
        if facts:
            a, b = min(a, facts[0].start), max(b, facts[0].end)
        else:  # extend the evidence over the unit/code word that follows (基, 国道, 号)
            tail = ctx.text[b:b + 4]
            n = 0
            while n < len(tail) and not tail[n].isdigit() and tail[n] not in "，,。；;、（）() \n":
                n += 1
                if n >= 2:
                    break
            b += n
        shown = ctx.text[a:b]
        how = {"exact": f"数值恰好等于年份{year}", "decimal": f"整数部分恰好等于年份{year}",
               "prefix": f"数字以年份{year}开头", "code": f"编号中夹着年份{year}"}[form]
        how_en = {"exact": f"equals the year {year}", "decimal": f"has the year {year} as its integer part",
                  "prefix": f"starts with the year {year}", "code": f"has the year {year} inside a code"}[form]
        yield ctx.anomaly(
            "figure.year_contamination", "warning",
            f"“{shown}”{how}，而此处的单位或措辞不可能是年份，疑似年份被误粘进数字，原数值已不可信。",
            f"'{shown}' {how_en} where its unit or wording cannot be a year: the year looks pasted "
            f"into the figure, so the original value is lost.",
            a, b, facts, stated=tok, computed=f"含年份 {year}")


# the start of a rule the hint scan finds every match of: a digit that no digit or '.' precedes,
# then a look-ahead for the figure's digits (possessive: all of them) followed by what the hint
# matches after its own leading \d (so the hint matches at each match's last digit of its figure)
_DUP_START = "(?<![\\d.])(?=\\d++(?:\\.\\d++)?+"
# the run of digits and '.' ending at a position, matched backwards from there (regex REVERSE)
_DIGITS_POINTS_BACK = regex.compile(r"[\d.]*", regex.REVERSE)


def _hinted(rule: regex.Pattern[str]) -> regex.Pattern[str] | None:
    """The duplicated_token ``hint`` when ``rule`` starts as ``duplicated_matches`` needs:
    ``_DUP_START``, then the hint's pattern after its leading ``\\d``, then ')'. None when the
    hint is missing (a checks.yaml from before it) or does not fit the rule (a user's rule with
    another unit, or with separators in its figure): the rule is then scanned as it is."""
    if "hint" not in section("duplicated_token"):
        return None
    hint = pattern("duplicated_token", "hint")
    src = hint.pattern
    if hint.flags & regex.VERBOSE or not src.startswith("\\d"):
        return None
    return hint if rule.pattern.startswith(_DUP_START + src[2:] + ")") else None


def duplicated_matches(text: str, scan_form: Callable[[regex.Pattern[str]], regex.Pattern[str]]
                       ) -> Iterator[regex.Match[str]]:
    """``finditer`` of the duplicated_token pattern over ``text``, the pattern tried only
    where its ``hint`` finds a figure's end followed by a digit (overlapping hits: 1年1年1年):
    every match starts at a digit no digit or '.' precedes and holds a hint hit on its token's
    last digit, so it starts where the run of digits and '.' ending at that digit starts; those
    run starts are tried in ascending order, skipping any inside the previous match, as the scan
    would (a rule the hint does not fit, ``_hinted``, is scanned as it is). Each pattern is
    used in the form ``scan_form`` gives (``CheckContext.digit_pattern``: the same matches)."""
    rule = pattern("duplicated_token", "pattern")
    rx = scan_form(rule)
    hint = _hinted(rule)
    if hint is None:
        yield from rx.finditer(text)
        return
    back = scan_form(_DIGITS_POINTS_BACK).match
    match = rx.match
    end = tried = -1   # the previous match's end, the last run start tried
    for hit in scan_form(hint).finditer(text, overlapped=True):
        start = back(text, 0, hit.start() + 1).start()
        if start == tried or start < end:
            continue
        tried = start
        m = match(text, start)
        if m is not None:
            yield m
            end = m.end()


@check("figures.duplicated_token.v1", codes={"figure.duplicated_token": "warning"})
def check_duplicated_token(ctx: CheckContext) -> Iterator[Anomaly]:
    """The same figure-with-unit written twice in a row: 2023年2023年."""
    for m in duplicated_matches(ctx.clean_text, ctx.digit_pattern):
        a, b = ctx.to_decoded(m.start(), m.end())
        tok = m.group("tok")
        yield ctx.anomaly(
            "figure.duplicated_token", "warning",
            f"“{tok}”连续重复出现两次（“{ctx.text[a:b]}”），疑似编辑错误，应删去其一或改为正确的起止。",
            f"'{tok}' is written twice in a row ('{ctx.text[a:b]}'): an editing error; one of them is wrong.",
            a, b, _overlapping(ctx, a, b), stated=ctx.text[a:b])


@check("figures.qualifiers.v1", codes={"figure.contradictory_qualifiers": "warning"})
def check_contradictory_qualifiers(ctx: CheckContext) -> Iterator[Anomaly]:
    """One figure hedged both below and above: 近2023万余元 (近 = at most, 余 = more than)."""
    rx = pattern("contradictory_qualifiers", "pattern")
    cfg = section("contradictory_qualifiers")
    for m in iter_matches(rx, ctx.clean_text):  # (tried only where a left qualifier word is)
        left, right = m.group("left"), m.group("right")
        if left in cfg["about_left"] and right not in cfg["about_right"]:
            continue
        a, b = ctx.to_decoded(m.start(), m.end())
        facts = _overlapping(ctx, a, b)
        if facts and facts[0].start <= a < facts[0].end:
            a, b = min(a, facts[0].start), max(b, facts[0].end)  # evidence = the whole figure
        shown = ctx.text[a:b]
        yield ctx.anomaly(
            "figure.contradictory_qualifiers", "warning",
            f"“{shown}”同时带有“{left}”和“{right}”，一个表示不到或大约、一个表示超过，数值的方向自相矛盾。",
            f"'{shown}' carries both '{left}' (at most / about) and '{right}' (more than): the hedges contradict.",
            a, b, facts, stated=shown)

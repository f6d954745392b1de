"""Context of every fact: ``attach(prepared, facts)`` fills subject, modality, period and (for
percentages) role, plus sentence / section / page when the caller has not set them.

All cue words live in rules/lexicons/{indicators,subject_stop,modality,percent_roles,periods}.yaml.

Scopes (clean-text offsets):
- *sentence* for cues = up to the previous 。！？ or line end (，；： do not end it, so
  ``预计完成内联引资9.1亿元,外资1150万美元`` gives both figures the 预计 cue);
- *clause* for subjects = up to the previous ，；：、 (or the previous fact in the clause).

subject
    An indicator from indicators.yaml ending nearest the figure in its clause; else the noun phrase
    right before the figure (jieba words of the clause only, trailing verbs/adverbs dropped, cut at
    the previous verb or preposition, subject_stop.yaml); for a count whose measure word is followed
    by a noun (``建立了5个电商示范站点``) that noun; else (``同比增长7.5%``) the subject of the previous
    figure of the sentence. Conversion errors are fixed with ``clean.subject_form``.
modality
    The last cue before the figure in its sentence (modality.yaml): expected | planned | actual;
    a date after the report year before the figure (``到2035年``) counts as a planned cue; without
    a cue, planned when a section heading names a plan (工作打算, 主要预期目标 …), else actual.
period
    The ISO period the figure refers to: the nearest date before it in its sentence that is not a
    comparison base (``比上年``/``较去年``/``上年同期``); ``截至`` before that date makes it
    "up to" (``../2023-12``, ISO 8601-2 open start); ``全年`` gives the topic year, ``目前`` the report
    year. Without any, the topic year: an explicit or relative year in the section headings
    (``一、2024年工作回顾`` → 2024, ``过去一年`` → report year − 1); else, in a 政府工作报告 (report
    year = the year it is delivered), report year − 1 for actual figures and the report year for
    planned/expected ones; in other reports the report year. Empty when no year is known. Date and
    duration facts get no period (their own ``date`` says it).
role (percent)
    percent_roles.yaml: pp_change for unit pp, then ratio, completion, share, growth, rate by the
    text right before the figure; "" when nothing matches.
"""
from __future__ import annotations

import functools
import operator
import re
from bisect import bisect_left, bisect_right
from itertools import accumulate, compress, count, islice
from dataclasses import dataclass
from typing import Any, Sequence

import regex

from ..model import Fact
from ..rulefiles import compile_regex, load_yaml, rule_memo
from .ruleset import flat_set_end, re_twin
from ..text.words import word_strings_function

# rules whose dates name one calendar day (an event when they open a sentence without a comma)
_DAY_RULES = frozenset({"date.ymd", "date.day", "date.ymd_dotted", "date.compact", "date.md_event"})
_SENT_END_CHARS = "。！？!?"      # the sentence ends besides the line break
_SENT_END = regex.compile("[" + _SENT_END_CHARS + r"\n]")
_CLAUSE_PUNCT = ",，;；:：、"
_NUMBER_KINDS = ("money", "percent", "count", "quantity")
_MAX_SUBJECT_REGION = 14     # characters before a figure segmented for its subject (jieba cost)
_MAX_SUBJECT = 16            # longest subject kept (characters)
_HAN = regex.compile(r"\p{Han}")


@dataclass(frozen=True, slots=True)
class ContextRules:
    indicators: Any              # regex alternation, longest first
    trail: frozenset[str]
    trail_regex: Any
    only_trail: Any               # a region made of trail words only (no segmentation needed)
    stop: frozenset[str]
    verbs: frozenset[str]
    cues: Any                    # regex with groups expected / planned / actual
    planned_sections: Any
    roles: tuple[tuple[str, Any, Any], ...]
    role_window: int
    whole_year: Any
    now: Any
    upto: tuple[str, ...]
    base_before: tuple[str, ...]
    base_before_rx: Any
    base_after: tuple[str, ...]
    scoped_scan: bool = False    # cue / indicator matches never cross a sentence end (see _Doc)
    # (the cues' first characters as a stdlib class, first character → the cue alternation cut
    # down to the cues that can start with it), or None: see _cue_dispatch
    cue_dispatch: Any = None
    # per role rule (role, before's first-character search or None, before, after's or None,
    # after): see _role_scan
    role_scan: tuple[tuple[str, Any, Any, Any, Any], ...] = ()


def _literal_trie(words) -> str:
    """A stdlib regex matching exactly what the longest-first alternation of ``words`` matches:
    the words as a character trie, where a longer continuation is tried before ending at a
    shorter word. At a position the text selects one path, so the first success is the longest
    word there, as with the alternation; the engine then tries one branch per character
    instead of every word (the lexicons stay plain word lists in rules/)."""
    trie: dict = {}
    for w in set(words):
        if not w:
            continue
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        end = "" in node
        alts = [re.escape(ch) + emit(node[ch]) for ch in sorted(k for k in node if k)]
        if not alts:
            return ""
        if len(alts) == 1 and not end:
            return alts[0]
        return "(?:" + "|".join(alts) + ")" + ("?" if end else "")

    return emit(trie) or "(?!)"


def _alt(words, *, escape: bool = True) -> str:
    items = sorted(set(words), key=len, reverse=True)
    return "|".join(regex.escape(w) if escape else w for w in items)


@functools.cache
def context_rules() -> ContextRules:
    ind = load_yaml("lexicons/indicators.yaml")
    stop = load_yaml("lexicons/subject_stop.yaml")
    mod = load_yaml("lexicons/modality.yaml")
    roles = load_yaml("lexicons/percent_roles.yaml")
    per = load_yaml("lexicons/periods.yaml")
    groups = []
    for name in ("planned", "expected", "actual"):
        groups.append(f"(?P<{name}>{'|'.join(mod['cues'][name])})")
    window = int(roles.get("window", 24))
    role_rules = []
    for r in roles["rules"]:     # (_role searches the window before and the 4 characters after)
        role_rules.append((r["role"], _role_pattern(r["before"], window),
                           _role_pattern(r["after"], 4) if r.get("after") else None))
    trail = frozenset(stop["trail"])
    return ContextRules(
        # literal word lists: the stdlib engine on a trie (_literal_trie) is the fastest
        indicators=re.compile(_literal_trie(ind["indicators"])),
        trail=trail,
        trail_regex=compile_regex(stop.get("trail_regex") or "(?!)"),
        # (a fullmatch only answers whether the region splits into such pieces: the trail words
        # as a trie, which the engine walks by character, give the same answer as their
        # alternation, which it tries word by word at every position)
        only_trail=re.compile("(?:" + _literal_trie(trail) + r"|[\s,，;；:：、\d.%]|"
                              + (stop.get("trail_regex") or "(?!)").strip("^$") + ")*"),
        stop=frozenset(stop["stop"]) | trail,
        verbs=frozenset(stop["stop"]),
        cues=compile_regex("|".join(groups)),
        planned_sections=compile_regex(mod["planned_sections"]),
        roles=tuple(role_rules),
        role_scan=_role_scan(role_rules),
        role_window=window,
        whole_year=re.compile(_literal_trie(per["whole_year_cues"])),
        now=re.compile(_literal_trie(per["now_cues"])),
        upto=tuple(sorted(per["upto_cues"], key=len, reverse=True)),
        base_before=tuple(sorted(per["base_cues_before"], key=len, reverse=True)),
        # 比 / 比上年 right before the date (比上年年初: 年初 is a base too)
        base_before_rx=compile_regex("(?:" + _alt(per["base_cues_before"]) + ")(?:"
                                     + _alt(per["relative_years"]) + ")?$"),
        base_after=tuple(sorted(per["base_cues_after"], key=len, reverse=True)),
        scoped_scan=_scoped_scan_safe(
            list(ind["indicators"]) + list(per["whole_year_cues"]) + list(per["now_cues"]),
            "|".join(groups)),
        cue_dispatch=_cue_dispatch([(name, cue) for name in ("planned", "expected", "actual")
                                    for cue in mod["cues"][name]]),
    )


# the most ways (_match_ways) a role rule's re twin may try in one search of its window: re
# at some 10 ns a step, 10 ms at the very worst (today's rules: 244,000 at most)
_ROLE_WAYS = 1 << 20


def _role_pattern(src: str, window: int) -> Any:
    """A percent role rule's regex (percent_roles.yaml), as the standard library's ``re``
    compiles it where ``ruleset.re_twin`` proves both engines read it alike (the same matches,
    so the same answer to _role's searches), no repeat holds another and the ways it may try
    in a search of ``window`` characters are few (_match_ways): ``re`` has no guard against
    the backtracking of nested repeats (exponential) or of repeats one after another
    (``[^,]*的[^,]*的[^,]*为$``: a power of the window's length, 5 ms a search of 24 characters
    and 3 s of 100, where ``regex`` takes 0.5 and 50 ms), and _role's searches have no
    timeout. The searches of the few characters before a percentage (``占地区生产总值的比重为``)
    cost ``re`` less call overhead than ``regex``; else the regex pattern."""
    rx = compile_regex(src)
    twin = re_twin(rx)
    if twin is None:
        return rx
    items = _re_parse(twin.pattern, twin.flags).data
    if _nested_repeat(items) or (window + 1) * _match_ways(items, window) > _ROLE_WAYS:
        return rx
    return twin


def _match_ways(items, window: int) -> int:
    """A bound on the ways a backtracking engine may try to match a parsed (re._parser)
    pattern without nested repeats (_nested_repeat) at one position of a text of ``window``
    characters: the product of a sequence's items, an alternation's branches summed, a repeat
    one way per count it may take there (at most ``window``)."""
    from re import _constants as c

    ways = 1
    for op, av in items:
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            lo, hi = min(av[0], window), min(av[1], window)
            ways *= (hi - lo + 1) * _match_ways(av[2].data, window)
        elif op is c.BRANCH:
            ways *= sum(_match_ways(b.data, window) for b in av[1])
        elif op is c.SUBPATTERN:
            ways *= _match_ways(av[3].data, window)
        elif op is c.ATOMIC_GROUP:
            ways *= _match_ways(av.data, window)
        elif op in (c.ASSERT, c.ASSERT_NOT):
            ways *= _match_ways(av[1].data, window)
    return ways


def _role_scan(role_rules) -> tuple[tuple[str, Any, Any, Any, Any], ...]:
    """(role, first, before, first, after) per role rule: each pattern after the search of a
    character its matches can start with (_first_set: a stdlib class), or None when those are
    not sure. A match of the pattern starts at such a character, so a window without one
    holds no match (most windows before a percentage hold no 结构/比例/之比/:, the ratio rule's
    first characters) and the pattern is searched from the first one (the same answer: the
    same string, so anchors and lookbehinds see what they saw)."""
    def first(rx):
        if rx is None:
            return None
        chars = _first_set(rx.pattern) if not rx.flags & re.IGNORECASE else None
        if chars is None:
            return None
        return re.compile("[" + "".join(map(re.escape, sorted(chars))) + "]").search

    return tuple((role, first(rb), rb, first(ra), ra) for role, rb, ra in role_rules)


def _re_parse(src: str, flags: int) -> Any:
    from re import _parser   # (no public way to ask what a pattern is)

    return _parser.parse(src, flags)


def _nested_repeat(items, inside: bool = False) -> bool:
    """Whether a parsed (re._parser) pattern holds a repeat of more than one round whose body
    holds a repeat or an alternation (``(?:a+)*``, ``(?:a|ab)*``: ways to split a text that
    backtracking tries one by one); ``inside``: the items are such a body."""
    from re import _constants as c

    for op, av in items:
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            if inside or _nested_repeat(av[2].data, av[1] != 1):
                return True
        elif op is c.BRANCH:
            if inside or any(_nested_repeat(b.data) for b in av[1]):
                return True
        elif op is c.SUBPATTERN:
            if _nested_repeat(av[3].data, inside):
                return True
        elif op is c.ATOMIC_GROUP:
            if _nested_repeat(av.data, inside):
                return True
        elif op in (c.ASSERT, c.ASSERT_NOT):
            if _nested_repeat(av[1].data, inside):
                return True
    return False


def _cue_dispatch(cues: list[tuple[str, str]]) -> tuple[Any, dict[str, Any]] | None:
    """The cue scan led by the cues' first characters: a stdlib pattern matching one character
    where a cue can start (a first character, followed by one of the second characters the
    cues starting with it can have when none of them may be a single character, as a
    lookahead: the engine skips the other characters at C speed), and per first character
    the cue alternation ``(?P<planned>…)|(?P<expected>…)|(?P<actual>…)`` holding only the cues
    (``cues``: group name and cue source, in the alternation's order) that can start with
    it, in the same order. At a position, the full alternation matches with the first cue in
    order that matches there; a cue whose match cannot start with the character there is none
    of them, so the cut-down alternation gives the same match and group. None when a cue's
    first characters are not sure (_prefixes), or when a cue has a capturing group of its own
    (the cut-down alternation numbers the groups otherwise: a backreference would point
    elsewhere, a name two cues share would give another lastgroup)."""
    from re import _parser   # (no public way to ask what a pattern is)

    firsts = []
    for _name, cue in cues:
        got = _prefixes(cue, 2)
        if got is None or _parser.parse(cue).state.groups > 1:   # (parsed by _prefixes)
            return None
        firsts.append(got)
    seconds: dict[str, set[str] | None] = {}     # first character → second ones (None: any)
    for got in firsts:
        for pre in got:
            if len(pre) == 1 or seconds.get(pre[0], ()) is None:
                seconds[pre[0]] = None
            else:
                seconds.setdefault(pre[0], set()).add(pre[1])
    if not seconds:
        return None
    subs = {}
    alts = []
    for ch in sorted(seconds):
        parts = []
        for name in dict.fromkeys(name for name, _cue in cues):
            mine = [cue for (n, cue), got in zip(cues, firsts)
                    if n == name and any(pre[0] == ch for pre in got)]
            if mine:
                parts.append(f"(?P<{name}>{'|'.join(mine)})")
        subs[ch] = compile_regex("|".join(parts))
        more = seconds[ch]
        alts.append(re.escape(ch) if more is None else
                    re.escape(ch) + "(?=[" + "".join(map(re.escape, sorted(more))) + "])")
    return re.compile("|".join(alts)), subs


# a brace that is no quantifier ({e<=1} is fuzzy matching to the regex module, text to re's parser)
_ODD_BRACE = re.compile(r"\\.|(\{(?!\d*(?:,\d*)?\}))", re.S)


def _first_set(src: str) -> frozenset[str] | None:
    """The characters a match of the regex ``src`` can start with, or None when that is not
    sure (see _prefixes)."""
    got = _prefixes(src, 1)
    return None if got is None else frozenset(got)


def _prefixes(src: str, k: int) -> frozenset[str] | None:
    """Strings of 1 to ``k`` characters such that the text where a match of the regex ``src``
    starts begins with one of them (a shorter one: the match may end there, or what follows
    is not sure; a positive lookahead adds what it reads), from
    the stdlib parser's tree; None when that is not sure: an empty match is possible, an item
    is not literals or a class of literals and short ranges (``.``, ``\\d``, a negated class
    …) before the ``k``-th character, case-insensitive matching, a POSIX class, a brace that
    is no quantifier (syntax the regex module reads otherwise), or a source re cannot parse.
    Lookbehinds, negative lookaheads and anchors are passed over (the strings then allow
    more than the matches can start with, never less)."""
    if "[:" in src or any(m.group(1) for m in _ODD_BRACE.finditer(src)):
        return None
    from re import _constants, _parser   # (no public way to ask what a pattern is)

    try:
        tree = _parser.parse(src)
    except Exception:  # noqa: BLE001 - syntax of the regex module only, or another Python's parser
        return None
    if tree.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    try:
        got = _seq_prefixes(tree.data, k, _constants)
    except _NotSure:
        return None
    out = frozenset(s for s, _whole in got)
    return None if "" in out or not out else out


class _NotSure(Exception):
    pass


def _seq_prefixes(items, k: int, c) -> set[tuple[str, bool]]:
    """(prefix, whether it is the whole match) of a sequence of parsed items, prefixes of at
    most ``k`` characters (a ``k``-long one, one after which an item is not followed further,
    or one a lookahead extended, is marked not whole)."""
    cur = {("", True)}
    for op, av in items:
        ahead = op is c.ASSERT and av[0] == 1
        if not ahead and op in (c.ASSERT, c.ASSERT_NOT, c.AT):
            continue                        # zero width
        nxt: set[tuple[str, bool]] = set()
        for s, whole in cur:
            if not whole or len(s) >= k:
                nxt.add((s, False))
            elif ahead:                     # the text goes on with what the lookahead reads
                nxt.update((s + t, False) for t, _w in _seq_prefixes(av[1].data, k - len(s), c))
            else:
                try:
                    got = _item_prefixes(op, av, k - len(s), c)
                except _NotSure:
                    if not s:
                        raise
                    got = {("", False)}         # not followed further
                for t, t_whole in got:
                    nxt.add((s + t, t_whole))
        if len(nxt) > 512:
            raise _NotSure
        cur = nxt
    return cur


def _item_prefixes(op, av, k: int, c) -> set[tuple[str, bool]]:
    if op is c.LITERAL:
        return {(chr(av), True)}
    if op is c.IN:
        out = set()
        for kind, v in av:
            if kind is c.LITERAL:
                out.add((chr(v), True))
            elif kind is c.RANGE and v[1] - v[0] <= 256:
                out.update((chr(x), True) for x in range(v[0], v[1] + 1))
            else:
                raise _NotSure
        return out
    if op is c.BRANCH:
        out = set()
        for sub in av[1]:
            out |= _seq_prefixes(sub.data, k, c)
        return out
    if op is c.SUBPATTERN:
        if av[1] & re.IGNORECASE or av[2]:
            raise _NotSure
        return _seq_prefixes(av[3].data, k, c)
    if op is c.ATOMIC_GROUP:
        return _seq_prefixes(av.data, k, c)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        lo, hi, sub = av
        once = _seq_prefixes(sub.data, k, c)
        if hi != 1:                 # more may follow one repetition: not followed further
            once = {(s, False) for s, _whole in once}
        return once | {("", True)} if lo == 0 else once
    raise _NotSure


# what may let a pattern match a sentence end (。！？!? or a line break) in the cue alternation
_OPEN_SYNTAX = ("(?<!", "(?<=", "(?!", "(?=", "(?:", "(?P<")
_WIDE_SYNTAX = regex.compile(r"\\[sSWDpPXuUxNnbBAZ0-9]|\.|\[\^|\[[^\]]*\?|\\\?|[。！？!\n]")


def _scoped_scan_safe(words: list[str], cue_pattern: str) -> bool:
    """True when no lexicon word contains a sentence-end character and the cue pattern has no
    construct that could match one; then scanning only the sentences that hold facts finds the
    same matches there as scanning the whole text (no match crosses a sentence end)."""
    if any(_SENT_END.search(w) for w in words):
        return False
    src = cue_pattern
    for tok in _OPEN_SYNTAX:
        src = src.replace(tok, "(")
    return not _WIDE_SYNTAX.search(src)


# ------------------------------------------------------------------------------------------------
# per-document context


def _pure_subject_form(clean: Any) -> bool:
    """``clean.subject_form`` is CleanText's, a pure function of its argument (text.clean)."""
    from ..text.clean import CleanText

    return getattr(type(clean), "subject_form", None) is CleanText.subject_form


# subject → _subject_form(subject): a function of the conversion pairs (rules), so emptied when
# $EXTRACTOR_RULES_DIR changes (rule_memo)
_FORMS: dict[str, str] = rule_memo({})


def _subject_form_memo(s: str) -> str:
    got = _FORMS.get(s)
    if got is None:
        if len(_FORMS) >= 1 << 15:
            _FORMS.clear()
        got = _FORMS[s] = _subject_form(s)
    return got


_LOOKAROUND = ("(?<=", "(?<!", "(?=", "(?!")


def _literal_branches(pattern: str) -> list[str] | None:
    """The branches of the top-level alternation of ``pattern`` with their lookaround groups
    removed, when nothing else than plain characters is left; else None."""
    branches: list[str] = []
    cur: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "|":
            branches.append("".join(cur))
            cur = []
            i += 1
        elif c == "(":
            if not pattern.startswith(_LOOKAROUND, i):
                return None
            depth, j = 0, i                 # skip to the parenthesis closing the lookaround
            while j < n:
                ch = pattern[j]
                if ch == "\\":
                    j += 2
                    continue
                if ch == "[":               # a class: its ( ) are characters
                    j = flat_set_end(pattern, j + 1)
                elif ch == "(":
                    depth += 1
                elif ch == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= n:
                return None
            i = j + 1
        elif c in "\\.^$*+?{}[]":
            return None
        else:
            cur.append(c)
            i += 1
    branches.append("".join(cur))
    return branches


@functools.cache
def _subject_form_plan() -> tuple[tuple[str | None, Any, str], ...]:
    """(needed literal or None, pattern, replacement) per conversion pair, in order: a pair
    whose every branch matches just its wrong form (around lookarounds) cannot change a string
    that does not contain that form, so its substitution is skipped then (a substring test)."""
    from ..text.rules import conversion_pairs

    plan = []
    for p in conversion_pairs():
        branches = _literal_branches(p.pattern.pattern)
        need = p.wrong if p.wrong and branches is not None and all(b == p.wrong for b in branches) \
            else None
        plan.append((need, p.pattern, p.right))
    return tuple(plan)


@functools.cache
def _zero_count_is_exact() -> bool:
    """True when a conversion-error count of zero (text.clean.count_conversion_errors: the
    pairs tried where the trigger, the longest-first alternation of the wrong forms, matches)
    means that no pair matches the text, so that ``subject_form(text)`` is ``text``: every
    pair matches only its wrong form (_subject_form_plan), and the trigger's non-overlapping
    matches are every occurrence of every wrong form (no wrong form starts inside another's
    occurrence, nor at its start as a shorter or longer form)."""
    plan = _subject_form_plan()
    if any(need is None for need, _p, _r in plan):
        return False
    wrongs = {need for need, _p, _r in plan}
    for w in wrongs:
        for v in wrongs:
            if v != w and v.startswith(w):
                return False
            for i in range(1, len(w)):
                if v.startswith(w[i:]) or w[i:].startswith(v):
                    return False
    return True


@functools.cache
def _subject_form_trigger() -> Any:
    """A search for any pair's needed literal (a match: some pair may apply), or None when a
    pair has none (it is always tried)."""
    needs = [need for need, _p, _r in _subject_form_plan()]
    if not needs or None in needs:
        return None
    return re.compile("|".join(map(re.escape, sorted(set(needs), key=len, reverse=True))))


def _subject_form(s: str) -> str:
    """``text.clean.subject_form`` (each conversion pair substituted in turn), skipping the pairs
    that cannot match (see _subject_form_plan): a string holding no pair's literal is its own
    form (one search instead of a test per pair)."""
    trigger = _subject_form_trigger()
    if trigger is not None and trigger.search(s) is None:
        return s
    for need, pattern, right in _subject_form_plan():
        if need is None or need in s:
            s = pattern.sub(right, s)
    return s


def _starts_before(pattern: Any, text: str, spans: list[tuple[int, int, int]]) -> list[int]:
    """The starts of ``pattern``'s matches in each span (a, b, last) of ``text`` that start
    before ``last`` (the scan of a span stops at the first one starting later)."""
    out: list[int] = []
    for a, b, last in spans:
        for m in pattern.finditer(text, a, b):
            start = m.start()
            if start >= last:
                break
            out.append(start)
    return out


def _scan_cues(r: ContextRules, text: str,
               spans: list[tuple[int, int, int]]) -> list[tuple[int, str]]:
    """(start, group name) of the cue matches in each span (a, b, last) of ``text`` that start
    before ``last``, the matches of ``r.cues.finditer(text, a, b)``."""
    cues: list[tuple[int, str]] = []
    if r.cue_dispatch is None:
        for a, b, last in spans:
            for m in r.cues.finditer(text, a, b):
                if m.start() >= last:
                    break
                cues.append((m.start(), m.lastgroup or ""))
        return cues
    # the same matches (_cue_dispatch): the leftmost match from ``pos`` starts at the first
    # position from there where a cue can start and one of the cues that can start there
    # matches (all of them non-empty; the candidates' lookahead reads one character on)
    firsts, subs = r.cue_dispatch
    sub = subs.__getitem__
    for a, b, last in spans:
        pos = a
        for m in firsts.finditer(text, a, last + 1 if last < b else b):
            p = m.start()
            if p >= last:
                break
            if p >= pos:
                got = sub(m.group()).match(text, p, b)
                if got is not None:
                    cues.append((p, got.lastgroup or ""))
                    pos = got.end()
    return cues


def _sentence_ends(text: str) -> list[int]:
    """The offsets of the sentence ends (``_SENT_END``) in ``text``: every end made a line
    break, the pieces between them measured (C-speed passes, no match object per end)."""
    for ch in _SENT_END_CHARS:
        text = text.replace(ch, "\n")
    pieces = text.split("\n")
    pieces.pop()                # after the last end
    return list(map(operator.add, accumulate(map(len, pieces)), count()))


# a sentence end, sought forwards in the text and in the text reversed (the stdlib engine)
_SENT_END_FWD = re.compile(_SENT_END.pattern)


def _ends_around(text: str, positions: list[int], ks: list[int] | None = None,
                 rtext: str | None = None) -> list[int]:
    """The sentence ends (``_SENT_END``) next to ``positions`` (ascending): for each, the last
    end before it and the first at or after it. A bisect of a position in this list finds
    the same two ends as in _sentence_ends' whole list, and the sentences of two positions
    touch exactly when their indexes here are consecutive (the end between them is the
    next end of one and the last before the other); found by a search per sentence that
    holds positions instead of a pass over the whole text. ``ks``, when given, receives each
    position's index here (its bisect_left in the returned list: the index its first end at
    or after it gets, or the list's length when there is none).

    A position past the end after the position before (``nxt``) looks first for the end
    after ``nxt``: when the position lies in that next sentence, ``nxt`` is the last end
    before it and that end the first after it (one search; facts cluster in neighbouring
    sentences). Otherwise the last end before it is the first one in the reversed text
    (``rtext``, ``text[::-1]`` when not given) from the mirrored position (text[i] is
    rtext[n - 1 - i]): a forward search of the stdlib engine, cheaper than the regex
    module's reverse search, and the first end at or after it a forward search from it."""
    out: list[int] = []
    n = len(text)
    nxt = -1                # the first end at or after the position before (n: none)
    k = 0                   # … its index in out
    ahead = _SENT_END_FWD.search
    if rtext is None:
        rtext = text[::-1] if positions else text
    add = ks.append if ks is not None else None
    for pos in positions:
        if pos <= nxt:
            if add is not None:
                add(k)
            continue        # the sentence of the position before: no end in [that, pos)
        if nxt >= 0:
            # the end after nxt (an end, out's last, or n: none after the position before)
            m = ahead(text, nxt + 1) if nxt < n else None
            if m is None:   # no end after the position before's: none before this one
                k = len(out)
                nxt = n
                if add is not None:
                    add(k)
                continue
            e = m.start()
            if pos <= e:    # the next sentence: nxt is the last end before pos, e the first after
                k = len(out)
                out.append(e)
                nxt = e
                if add is not None:
                    add(k)
                continue
            # the last end in [e, pos) (e at least): rtext[n - pos : n - e]
            out.append(n - 1 - ahead(rtext, n - pos, n - e).start())
        else:
            # the last end in [0, pos): rtext[n - pos : n]
            m = ahead(rtext, n - pos, n)
            if m is not None:
                out.append(n - 1 - m.start())
        m = ahead(text, pos)
        k = len(out)
        if m is None:
            nxt = n
        else:
            nxt = m.start()
            out.append(nxt)
        if add is not None:
            add(k)
    return out


_CLAUSE_RE = re.compile("[" + _CLAUSE_PUNCT + "]")
# what ends the text looked at after a count (_subject_after): a clause mark or a sentence end
_AFTER_END_RE = re.compile("[" + _CLAUSE_PUNCT + _SENT_END.pattern[1:-1] + "]")
_UPTO_BEFORE = ("截至", "截止", "截止到", "截至到")


def _page_lookup(clean: Any):
    """``clean.page_at``, or None when it is CleanText's on a text without pages (it answers
    None everywhere, which a fact's page already is)."""
    from ..text.clean import CleanText

    if type(clean).page_at is CleanText.page_at and not clean._page_starts:
        return None
    return clean.page_at


def _to_clean_all(clean: Any, offsets: list[int]) -> list[int]:
    """``[clean.to_clean(d) for d in offsets]``: the offset map's to_clean_many (one loop, no
    call per offset) when CleanText's methods only delegate to it."""
    from ..text.clean import CleanText

    om = getattr(clean, "omap", None)
    if (om is not None and type(clean).to_clean is CleanText.to_clean
            and type(clean).to_clean_many is CleanText.to_clean_many):
        return om.to_clean_many(offsets)
    return list(map(clean.to_clean, offsets))


def _sorted_pairs(positions: list[int], flags: list[bool]) -> tuple[list[int], list[bool]]:
    """``positions`` ascending, each with its flag (equal positions in any order)."""
    pairs = sorted(zip(positions, flags))
    return [p for p, _f in pairs], [f for _p, f in pairs]


class _Doc:
    """What attach needs about one document, computed once."""

    def __init__(self, prepared: Any, positions: list[int] | None = None,
                 numbers: list[int] | None = None, figures: list[bool] | None = None) -> None:
        """``positions``: the facts' clean starts; ``numbers``: those of the figures (the facts
        other than dates and durations). Or, with ``figures`` given, ``positions`` ascending
        and ``figures[i]`` whether ``positions[i]`` is a figure's (attach knows both from its
        visiting order: no sort here, and the figures' sentence indexes are a selection of
        all facts' instead of a look-up per figure)."""
        from ..text.year import report_kind
        from .dates import scan

        self.p = prepared
        self.text: str = prepared.clean.text
        self.year: int | None = prepared.report_year
        self.rules = context_rules()
        hits = getattr(prepared, "_date_hits", None)
        if hits is None:
            hits = scan(self.text, self.year)
        self.dates = [h for h in hits if h.kind == "date"]
        self.date_starts = [h.start for h in self.dates]
        self._date_info: dict[int, tuple] = {}
        # the sentence ends: next to the facts when their positions are given (the scopes
        # looked up are theirs and those of the dates in them), else all of them
        if figures is not None and not all(map(operator.le, positions, positions[1:])):
            # (a clean-offset map of a Prepared subclass need not keep the order)
            positions, figures = _sorted_pairs(positions, figures)
        ordered = (positions if figures is not None or positions is None
                   else sorted(positions))
        ks: list[int] = []      # the sentence index of each of ``ordered`` (see _spans)
        # the text reversed: the last sentence end / clause mark before a position is the
        # first one after the mirrored position there (_ends_around, clause_at)
        self.rtext = self.text[::-1]
        self.sent_ends = (_sentence_ends(self.text) if ordered is None
                          else _ends_around(self.text, ordered, ks, self.rtext))
        self.gov = report_kind(self.text) == "政府工作报告"
        self.headings = self._headings()
        self._topic: dict[str, tuple[int | None, bool]] = {}
        self._pure_form = _pure_subject_form(prepared.clean)
        clean = prepared.clean
        if (self._pure_form and getattr(clean, "conversions_counted", False)
                and not clean.quality.get("conversion_errors") and _zero_count_is_exact()):
            fixed = self.text        # no conversion pair matches the text (see the guard)
        else:
            try:
                # (the pair-skipping _subject_form pays off on short subjects, not on a whole
                # text)
                fixed = clean.subject_form(self.text)
            except AttributeError:
                fixed = self.text
        self.cue_text = fixed if len(fixed) == len(self.text) else self.text
        r = self.rules
        # every cue / indicator match of the document, found once (sorted by start); when no
        # match can cross a sentence end, only the sentences holding the facts are scanned
        # (``positions``, clean offsets): the matches there are those of a whole-text scan.
        # Only a figure (``numbers``: the facts other than dates and durations) asks for the
        # period cues and indicators: those are sought in its sentences only.
        # A fact asks only for matches starting before it (the cue and period cue before it,
        # an indicator ending by it), so the scan of a span stops at the first match
        # starting at or after the span's last fact (``last``): the matches before that are
        # those of the whole scan (finditer goes left to right), the rest are never asked for
        scoped = positions is not None and r.scoped_scan
        n = len(self.text)
        spans = self._spans_at(ordered, ks) if scoped else [(0, n, n + 1)]  # (no last: all)
        if scoped and figures is not None and not all(figures):
            # the figures' positions and sentence indexes, selected from all facts'
            spans_n = self._spans_at(list(compress(ordered, figures)), list(compress(ks, figures)))
        elif scoped and numbers is not None and len(numbers) < len(positions):
            # the figures' sentence indexes: those of the same positions among all facts'
            ordered_n = sorted(numbers)
            spans_n = self._spans_at(ordered_n, list(map(dict(zip(ordered, ks)).__getitem__,
                                                         ordered_n)))
        else:
            spans_n = spans
        cue_text, text = self.cue_text, self.text
        self.cues = cues = _scan_cues(r, cue_text, spans)
        self.cue_starts = [c[0] for c in cues]
        spans = spans_n
        self.whole = _starts_before(r.whole_year, text, spans)
        self.now = _starts_before(r.now, text, spans)
        ind = r.indicators
        self.inds = inds = []
        for a, b, last in spans:
            for m in ind.finditer(text, a, b):
                start = m.start()
                if start >= last:
                    break
                end = m.end()
                inds.append((end, start - end, start))
        self.ind_ends = [x[0] for x in inds]
        self._subject_forms: dict[str, str] = {}
        self.flags = _word_flags(self.rules)    # the subject scan's word flags (memo)
        self._setup_lookups()

    def _setup_lookups(self) -> None:
        """``sentence_at`` and ``words`` of the prepared document, without its method layers when
        it is a plain :class:`~extractor.text.Prepared` (same answers, same cache entries)."""
        from .. import text as text_mod

        p = self.p
        plain = isinstance(p, text_mod.Prepared) and \
            type(p).sentence_at is text_mod.Prepared.sentence_at and \
            type(p).words is text_mod.Prepared.words and \
            type(p)._sentence_starts is text_mod.Prepared._sentence_starts and \
            isinstance(getattr(p, "_words", None), dict)
        if not plain:
            self.sentence_at = p.sentence_at if hasattr(p, "sentence_at") else (lambda pos: None)
            self.words = self._words_generic
            self._sstarts = self._sents = None
            return
        sents = p.sentences
        sstarts = p._sentence_starts()

        def sentence_at(pos: int):
            i = bisect_right(sstarts, pos) - 1
            if i >= 0:
                s = sents[i]
                if s.start <= pos < s.end:
                    return s
            return None

        self.sentence_at = sentence_at
        self._sstarts = sstarts
        self._sents = sents
        self._cache: dict = p._words
        # the sentences whose whole span the cache holds (only _words_plain adds to it while
        # attach runs), found from the cache's keys: a set look-up per window, no tuple key
        cached = set()
        for key in self._cache:
            if type(key) is tuple and len(key) == 2:
                i = bisect_right(sstarts, key[0]) - 1
                if i >= 0 and sents[i].start == key[0] and sents[i].end == key[1]:
                    cached.add(i)
        self._cached = cached
        self._cut = text_mod.cut_words
        self._words_of = word_strings_function()

    def _words_plain(self, a: int, b: int) -> Sequence[str]:
        """The words of clean[a:b] as ``_words`` gives them for a plain Prepared (its cache,
        ``cut_words``), without offsets: a whole cached sentence serves the windows inside it,
        and a window that is a whole sentence is cached as ``Prepared.words`` caches it (for
        the windows after it); any other window is segmented by itself (memoised by its text,
        the words are the same whether or not Prepared's cache holds them)."""
        if b <= a:
            return ()
        i = bisect_right(self._sstarts, a) - 1        # self.sentence_at(a)
        if i >= 0:
            s = self._sents[i]
            if a < s.end:
                if s.end >= b and i in self._cached:   # (s.start, s.end) in the cache
                    got = self._cache[(s.start, s.end)]
                    return [w for w, x, y in got if x >= a and y <= b]
                if s.start == a and s.end == b:
                    got = self._cache[(a, b)] = self._cut(self.text[a:b], a)
                    self._cached.add(i)
                    return [w for w, _, _ in got]
        return self._words_of(self.text[a:b])

    # ``words`` of a plain Prepared, from the class: a bound method stored on the instance
    # (self.words = self._words_plain) made each _Doc a reference cycle, which kept the whole
    # prepared document (its sentences, offset maps, word cache) alive after attach until a
    # collection of the garbage collector found it (about 700 objects a document, most of them
    # its sentences, walked and promoted by the young collections); now freed on return
    words = _words_plain

    def _words_generic(self, a: int, b: int) -> Sequence[str]:
        return [w for w, _, _ in _words(self, a, b)]

    def _spans(self, positions: list[int]) -> list[tuple[int, int, int]]:
        """Merged [scope start, scope end + 1) of the sentences holding ``positions``, each with
        the greatest position in it. A position's sentence is its index among the sentence ends
        (bisect_left: an end character belongs to the sentence it ends)."""
        ordered = sorted(positions)
        return self._spans_at(ordered, list(map(functools.partial(bisect_left, self.sent_ends),
                                                ordered)))

    def _spans_at(self, ordered: list[int], ks: list[int]) -> list[tuple[int, int, int]]:
        """``_spans`` of the ascending positions ``ordered`` whose sentence indexes are ``ks``
        (_ends_around gives them as it finds the ends): sentences with consecutive indexes
        touch (one starts right after the other's end), so the merged spans are the runs of
        consecutive indexes."""
        n = len(self.text)
        ends = self.sent_ends
        m = len(ends)
        # each sentence index with its greatest position: the indexes do not decrease, so that
        # is the position where the next index differs, or the last one (found at C speed; a
        # dict of them cost a hashed insertion per position)
        if not ks:
            return []
        at = list(compress(range(len(ks)), map(operator.ne, ks, islice(ks, 1, None))))
        at.append(len(ks) - 1)
        out: list[tuple[int, int, int]] = []
        prev = -2
        a = b = last = -1           # the run being merged (a < 0: none yet)
        for k, pos in zip(map(ks.__getitem__, at), map(ordered.__getitem__, at)):
            if k != prev + 1:
                if a >= 0:
                    out.append((a, b, last))
                a = ends[k - 1] + 1 if k > 0 else 0                    # scope_start(pos)
            # scope_end(pos) + 1, at most n: an end is a character of the text (< n)
            b = ends[k] + 1 if k < m else n
            last = pos
            prev = k
        if a >= 0:
            out.append((a, b, last))
        return out

    def subject_form(self, s: str) -> str:
        if self._pure_form:
            return _subject_form_memo(s)
        got = self._subject_forms.get(s)
        if got is None:
            clean = self.p.clean
            got = clean.subject_form(s) if hasattr(clean, "subject_form") else s
            self._subject_forms[s] = got
        return got

    def last_before(self, starts: list[int], a: int, b: int) -> int:
        """Index of the last start in [a, b), or -1."""
        i = bisect_left(starts, b) - 1
        return i if i >= 0 and starts[i] >= a else -1

    def indicator(self, a: int, b: int) -> str:
        """The indicator inside [a, b) ending nearest b (the longest among those)."""
        inds = self.inds
        i = bisect_right(self.ind_ends, b) - 1
        if i < 0 or inds[i][0] <= a:
            return ""
        best = None
        while i >= 0 and inds[i][0] > a:
            end, neglen, start = inds[i]
            if start >= a:
                if best is None or end > best[0] or (end == best[0] and neglen < best[1]):
                    best = (end, neglen, start)
                elif end < best[0]:
                    break
            i -= 1
        return self.text[best[2]:best[0]] if best else ""

    # --- structure ------------------------------------------------------------------------------
    def _headings(self) -> dict[str, tuple[int, int]]:
        """Section path → clean span of its heading sentence (the first sentence of the section,
        in order, that opens with an enumerator)."""
        from ..text.segment import heading_match

        opens = heading_match()         # not None exactly where heading_level is not None
        sents = getattr(self.p, "sentences", [])
        text = self.text
        n = len(text)
        secs = list(map(_SECTION, sents))
        # first sentence index of each section, found at C speed (the last write wins)
        first = dict(zip(reversed(secs), range(len(secs) - 1, -1, -1)))
        out: dict[str, tuple[int, int]] = {}
        missing = []
        for sec, i in first.items():
            if not sec:
                continue
            s = sents[i]
            if s.start < n and opens(text, s.start) is not None:
                out[sec] = (s.start, s.end)
            else:
                missing.append(i)
        if missing:          # rare: look further, in order, as for the first sentences
            for s in sents[min(missing):]:
                if s.section and s.section not in out and s.start < n:
                    if opens(text, s.start) is not None:
                        out[s.section] = (s.start, s.end)
        return out

    def scope_start(self, pos: int) -> int:
        """Start of the cue scope containing ``pos`` (after the previous 。！？ or line end)."""
        i = bisect_left(self.sent_ends, pos) - 1
        return self.sent_ends[i] + 1 if i >= 0 else 0

    def scope_end(self, pos: int) -> int:
        i = bisect_left(self.sent_ends, pos)
        return self.sent_ends[i] if i < len(self.sent_ends) else len(self.text)

    def clause_start(self, pos: int, floor: int) -> int:
        i = pos - 1
        while i >= floor:
            if self.text[i] in _CLAUSE_PUNCT:
                return i + 1
            i -= 1
        return floor

    def clause_at(self, pos: int, scope: int) -> int:
        """``clause_start(pos, scope)``: after the last clause mark in [scope, pos), the first
        one in the reversed text from the mirrored position (rtext[n - pos : n - scope] is
        text[scope:pos] reversed), found by one search of the stdlib engine that stops there
        (a list of every clause mark of the figures' sentences cost a match object each)."""
        n = len(self.text)
        m = _CLAUSE_RE.search(self.rtext, n - pos, n - scope)
        return n - m.start() if m is not None else scope

    def section_path(self, section: str) -> list[tuple[int, int]]:
        """Heading spans of ``section`` and its parents, innermost first."""
        if not section:
            return []
        parts = section.split("/")
        out = []
        for k in range(len(parts), 0, -1):
            h = self.headings.get("/".join(parts[:k]))
            if h:
                out.append(h)
        return out

    def topic(self, section: str) -> tuple[int | None, bool]:
        """(year named by the section headings or None, whether a heading names a plan)."""
        got = self._topic.get(section)
        if got is not None:
            return got
        year = None
        planned = False
        for a, b in self.section_path(section):
            if self.rules.planned_sections.search(self.text, a, b):
                planned = True
            if year is None:
                year = self._heading_year(a, b)
        got = (year, planned)
        self._topic[section] = got
        return got

    def _heading_year(self, a: int, b: int) -> int | None:
        for h in self.dates_between(a, b):
            if h.date[:4].isdigit() and "/" not in h.date:
                return int(h.date[:4])
        if self.year is not None and _PAST_YEAR.search(self.text[a:b]):
            return self.year - 1
        return None

    # --- dates before a position ----------------------------------------------------------------
    def dates_between(self, a: int, b: int):
        i = bisect_left(self.date_starts, a)
        while i < len(self.dates) and self.dates[i].start < b:
            if self.dates[i].end <= b:
                yield self.dates[i]
            i += 1

    def dates_before(self, scope: int, cs: int) -> list[tuple]:
        """``date_info`` of the dates inside [scope, cs) (``dates_between``), usually none."""
        return self.dates_from(bisect_left(self.date_starts, scope), cs)

    def dates_from(self, i: int, cs: int) -> list[tuple]:
        """``dates_before`` from the index ``i`` of the first date at or after the scope start."""
        starts = self.date_starts
        n = len(starts)
        out = []
        dates = self.dates
        while i < n and starts[i] < cs:
            if dates[i].end <= cs:
                out.append(self.date_info(i))
            i += 1
        return out

    def date_info(self, i: int) -> tuple:
        """(start, year or None, comparison base?, topic position?, period iso) of date ``i``;
        a date lies in one cue scope, so what _modality and _period ask of it is fixed."""
        got = self._date_info.get(i)
        if got is None:
            h = self.dates[i]
            scope = self.scope_start(h.start)
            y = h.date[:4]
            iso = h.date
            before = self.text[max(scope, h.start - 4):h.start]
            if before.endswith(_UPTO_BEFORE):
                iso = "../" + iso.split("/")[-1]
            got = self._date_info[i] = (h.start, int(y) if y.isdigit() else None,
                                        self.is_base(h), self.is_topic(h, scope), iso)
        return got

    def is_topic(self, h, scope: int) -> bool:
        """A date in topic position dates the clauses after it: followed by a comma or colon
        (1-9月份,…), after 截至/截止/在/到 (截至12月份,…), or opening the sentence when it is not a
        single day (2022年全市…). Other dates (2023年2月开工建设, 于8月16日正式开园, 8月16日开园)
        date their own clause only."""
        after = self.text[h.end:h.end + 1]
        if after and after in ",，:：":
            return True
        before = self.text[scope:h.start].strip(" \t\u3000")
        if not before:           # sentence start: 2022年全市…; a day is an event (8月16日开园)
            return h.rule_id.split("+")[-1] not in _DAY_RULES
        return before.endswith(self.rules.upto) or before.endswith(("在", "预计", "计划", "力争"))

    def is_base(self, h) -> bool:
        """A date written as a comparison base (比上年, 较去年, 上年同期, 比上年年初): not a period."""
        before = self.text[max(0, h.start - 6):h.start]
        after = self.text[h.end:h.end + 3]
        r = self.rules
        return bool(r.base_before_rx.search(before)) or after.startswith(r.base_after)


_PAST_YEAR = regex.compile("过去一年|过去的一年")
_SECTION = operator.attrgetter("section")
_START = operator.attrgetter("start")
_KIND = operator.attrgetter("kind")
_END = operator.attrgetter("end")
# the kinds that get a modality only (their own date says when): no subject, period or role
_NO_SUBJECT = frozenset({"date", "duration"})


# ------------------------------------------------------------------------------------------------
# the four attributes (modality and period are decided in attach, which holds their inputs)


def _role(d: _Doc, f: Fact, cs: int, ce: int, clause: int) -> str:
    if f.unit == "pp":
        return "pp_change"
    before = d.text[max(clause, cs - d.rules.role_window):cs]
    after = d.text[ce:ce + 4]
    for role, first_b, rb, first_a, ra in d.rules.role_scan:    # (see _role_scan)
        if first_b is None:
            if rb.search(before):
                return role
        else:
            m = first_b(before)
            if m is not None and rb.search(before, m.start()):
                return role
        if ra is not None:
            if first_a is None:
                if ra.search(after):
                    return role
            else:
                m = first_a(after)
                if m is not None and ra.search(after, m.start()):
                    return role
    return ""


def _words(d: _Doc, a: int, b: int) -> list[tuple[str, int, int]]:
    """jieba words of clean[a:b]; reuses a segmentation of the whole sentence when cached."""
    p = d.p
    if b <= a:
        return []
    cache = getattr(p, "_words", None)
    s = p.sentence_at(a) if hasattr(p, "sentence_at") else None
    if cache is not None and s is not None and (s.start, s.end) in cache and s.end >= b:
        return [w for w in cache[(s.start, s.end)] if w[1] >= a and w[2] <= b]
    if hasattr(p, "words"):
        return p.words(a, b)
    import jieba
    out, pos = [], a
    for w in jieba.lcut(d.text[a:b], HMM=False):
        out.append((w, pos, pos + len(w)))
        pos += len(w)
    return out


@functools.lru_cache(maxsize=1 << 16)
def _is_word_char(w: str) -> bool:
    """A Chinese word without digits (the words a subject is made of)."""
    return bool(w) and "\u4e00" <= w[0] <= "\u9fff" and not any(ch.isdigit() for ch in w)


# what the subject scan asks of a word, memoised per word (a pure function of word and rules):
# (a subject word: Chinese, no digit, no trail word; may continue a subject going backwards:
#  additionally no stop word; a verb of subject_stop; holds a digit and is not blank)
_flags_memo: tuple[Any, dict[str, tuple[bool, bool, bool, bool]]] = (None, {})


def _word_flags(r: ContextRules) -> dict[str, tuple[bool, bool, bool, bool]]:
    global _flags_memo
    rules, memo = _flags_memo
    if rules is not r or len(memo) > (1 << 16):
        memo = {}
        _flags_memo = (r, memo)
    return memo


def _flags(w: str, r: ContextRules, memo: dict) -> tuple[bool, bool, bool, bool]:
    digit = any(map(str.isdigit, w))
    word = bool(w) and "\u4e00" <= w[0] <= "\u9fff" and not digit and \
        not (w in r.trail or r.trail_regex.match(w))             # _is_word_char, not _is_trail
    got = memo[w] = (word, word and w not in r.stop, w in r.verbs, digit and bool(w.strip()))
    return got


_HAN_CHARS: dict[str, bool] = {}     # a character → whether it is Han (_HAN; a pure function)


def _is_han(ch: str) -> bool:
    got = _HAN_CHARS.get(ch)
    if got is None:
        if len(_HAN_CHARS) >= 1 << 15:
            _HAN_CHARS.clear()
        got = _HAN_CHARS[ch] = _HAN.match(ch) is not None
    return got


def _subject_before(d: _Doc, region_start: int, cs: int) -> str | None:
    """The subject written before the figure; None when the clause holds nothing but trail words
    (预计全年完成28.89亿元: the subject is that of the figure before)."""
    text = d.text
    if region_start >= cs or (text[cs - 1].isspace() and text[region_start:cs].isspace()):
        return None            # nothing or only blanks before the figure
    # 1. an indicator ending nearest the figure (d.indicator, asked when one ends in the region)
    ind_ends = d.ind_ends
    i = bisect_right(ind_ends, cs) - 1
    if i >= 0 and ind_ends[i] > region_start:
        ind = d.indicator(region_start, cs)
        if ind:
            return ind
    # 2. the noun phrase right before the figure
    a = max(region_start, cs - _MAX_SUBJECT_REGION)
    r = d.rules
    if r.only_trail.fullmatch(text, a, cs):
        return None            # 同比增长, 预计全年完成: nothing but trail words
    words = d.words(a, cs)
    memo = d.flags
    k = len(words)
    while k > 0:
        w = words[k - 1]
        fl = memo.get(w) or _flags(w, r, memo)
        if fl[0]:
            break
        if fl[3]:
            return ""              # a number right before (40余批300余人次): inherit
        k -= 1
    if k == 0:
        return None
    j = k
    size = 0                   # characters of words[j:k]
    last = words[k - 1]
    if memo[last][2]:                          # a verb right before the figure
        prev = words[k - 2] if k >= 2 else ""
        if prev and _is_word_char(prev) and prev not in r.stop:
            j = k - 1                          # noun + verb-noun: 科技培训, 行政罚款
            size = len(last)
        else:
            return last if len(last) > 1 else ""     # the verb alone: 整改16起
    while j > 0:
        w = words[j - 1]
        fl = memo.get(w) or _flags(w, r, memo)
        if not fl[1] or size + len(w) > _MAX_SUBJECT:
            break
        size += len(w)
        j -= 1
    if j == 0 and a > region_start and k > 1:
        j = 1                  # the first word may be cut by the segmented window: drop it
    out = "".join(words[j:k])
    return out if len(out) > 1 else ""


def _subject_after(d: _Doc, ce: int, limit: int | None = None) -> str:
    """Noun right after a count's measure word (建立了5个电商示范站点 → 电商示范站点); the text
    looked at ends at the clause end (``limit`` if given, else the next clause mark or sentence
    end)."""
    text = d.text
    if ce >= len(text) or not _is_han(text[ce]):
        return ""
    b = min(len(text), ce + _MAX_SUBJECT_REGION)
    if limit is not None:
        b = min(b, limit)
    else:
        m = _AFTER_END_RE.search(text, ce, b)
        if m is not None:
            b = m.start()
    if ce >= b:
        return ""
    words = d.words(ce, b)
    r = d.rules
    memo = d.flags
    out = []
    size = 0
    for w in words:
        fl = memo.get(w) or _flags(w, r, memo)
        if not fl[1] or len(out) >= 4:
            break
        out.append(w)
        size += len(w)
        if size >= _MAX_SUBJECT:
            break
    res = "".join(out)
    return res if len(res) > 1 else ""


# what may stand between two percentages of one list or change (、 和 及 与, 上升到 …)
_LIST_GAP = regex.compile(r"[\s、和与及或]*|[^,，;；。:：\d%]{1,5}")

# generic measure words: the thing counted is usually written after them (5个电商服务示范站点)
_AFTER_NOUN_WORDS = frozenset("个项家所座批只台辆条名位户处件张块篇部场届栋套")


def attach(prepared: Any, facts: list[Fact]) -> None:
    """Fill subject, modality, period, role (and sentence/section/page if unset), in place.

    The facts are visited in text order, so their cue scope (sentence) only moves forward: what
    the figures of one scope share (its start and end, its first date, cue and period-cue
    indexes, the subject / end / percent of its last figure) is held in locals, reset when the
    scope changes, instead of being looked up per fact."""
    if not facts:
        return
    clean = prepared.clean
    page_at = _page_lookup(clean)
    keys = list(map(_START, facts))
    starts = _to_clean_all(clean, keys)
    ends = _to_clean_all(clean, list(map(_END, facts)))
    order = sorted(range(len(facts)), key=keys.__getitem__)
    # the clean starts in visiting order are ascending (to_clean does not decrease), with
    # whether each is a figure's (a fact other than a date or duration), at C speed
    d = _Doc(prepared, list(map(starts.__getitem__, order)), figures=list(map(
        operator.not_, map(_NO_SUBJECT.__contains__, map(_KIND, map(facts.__getitem__,
                                                                     order))))))
    text = d.text
    year = d.year
    gov = d.gov
    sentence_at = d.sentence_at
    sstarts, sents = d._sstarts, d._sents
    topics = d._topic
    sent_ends = d.sent_ends
    n_ends = len(sent_ends)
    date_starts = d.date_starts
    n_dates = len(date_starts)
    dates_from = d.dates_from
    rtext = d.rtext
    n_text = len(text)
    clause_mark = _CLAUSE_RE.search
    cues, cue_starts = d.cues, d.cue_starts
    n_cues = len(cue_starts)
    whole, now = d.whole, d.now
    n_whole, n_now = len(whole), len(now)
    subject_forms = _FORMS if d._pure_form else d._subject_forms
    big = len(text) + 1
    fallbacks: dict[tuple, str] = {}    # (topic year, modality) → _topic_period
    scope = scope_last = -1        # the current scope: clean offsets [scope, scope_last]
    first_date = first_cue = first_whole = first_now = big   # their first start in the scope
    kd = 0                          # index of the scope's first date
    dates = ()
    dates_upto = -1                 # dates: those of [kd, dates_upto) ending by the fact's cs,
    dates_ended = False             # … all of them (so the same for a later fact)
    has_prev = False                # a figure of this scope has its subject
    prev_subj = ""                  # … that subject
    prev_end = -1                   # clean end of the scope's last fact
    prev_pct: tuple[int, str] | None = None       # (clean end, role) of its last percentage
    last_subject = ""
    for i in order:
        f = facts[i]
        cs = starts[i]
        if f.end > f.start:
            ce = ends[i]
            if ce <= cs:
                ce = cs + 1
        else:
            ce = cs
        if sstarts is not None:                          # sentence_at(cs)
            k = bisect_right(sstarts, cs) - 1
            s = sents[k] if k >= 0 and cs < sents[k].end else None
        else:
            s = sentence_at(cs)
        if s is not None:
            f.sentence = s.index
            if not f.section:
                f.section = s.section or ""
            if f.page is None:
                f.page = s.page
        if f.page is None and page_at is not None:
            f.page = page_at(cs)
        section = f.section or (s.section if s is not None else "")
        if cs > scope_last:                              # a new scope: d.scope_start(cs)
            k = bisect_left(sent_ends, cs)
            scope = sent_ends[k - 1] + 1 if k > 0 else 0
            scope_last = sent_ends[k] if k < n_ends else big
            kd = bisect_left(date_starts, scope)
            first_date = date_starts[kd] if kd < n_dates else big
            k = bisect_left(cue_starts, scope)
            first_cue = cue_starts[k] if k < n_cues else big
            k = bisect_left(whole, scope)
            first_whole = whole[k] if k < n_whole else big
            k = bisect_left(now, scope)
            first_now = now[k] if k < n_now else big
            dates_upto = -1
            has_prev = False
            prev_subj = ""
            prev_end = -1
            prev_pct = None
        # d.dates_before(scope, cs): the dates of the scope ending by cs (usually none); the
        # list of the fact before is kept while no date started since and all had ended
        if first_date < cs:
            k = bisect_left(date_starts, cs)
            if k != dates_upto or not dates_ended:
                dates = dates_from(kd, cs)
                dates_upto = k
                dates_ended = len(dates) == k - kd
        else:
            dates = ()
        topic = topics.get(section)
        if topic is None:
            topic = d.topic(section)
        if not f.modality:
            # the last cue before the figure in its scope; a later date after the report year
            # is a planned cue; else the section's topic decides
            last_pos, last = -1, ""
            if first_cue < cs:
                last_pos, last = cues[bisect_left(cue_starts, cs) - 1]
            if year is not None:
                for start, y, _base, _topic, _iso in dates:
                    if y is not None and y > year and start > last_pos:
                        last_pos, last = start, "planned"
            if not last:
                topic_year, planned = topic
                last = "planned" if planned or (
                    topic_year is not None and year is not None and (
                        topic_year > year or (gov and topic_year == year))) else "actual"
            f.modality = last
        kind = f.kind
        if kind in _NO_SUBJECT:
            prev_end = ce
            continue
        m = clause_mark(rtext, n_text - cs, n_text - scope)    # d.clause_at(cs, scope)
        clause = n_text - m.start() if m is not None else scope
        if not f.period:
            # the topic period (a pure function of the topic year and modality here) is also
            # the answer of _period for a figure with no date, whole-year or now cue before it
            # in its scope (most figures): no call then
            fallback = fallbacks.get((topic[0], f.modality))
            if fallback is None:
                fallback = fallbacks[(topic[0], f.modality)] = _topic_period(
                    topic[0], year, gov, f.modality)
            if dates or first_whole < cs or first_now < cs:
                f.period = _period(year, clause, dates, fallback,
                                   whole[bisect_left(whole, cs) - 1] if first_whole < cs else -1,
                                   now[bisect_left(now, cs) - 1] if first_now < cs else -1)
            else:
                f.period = fallback
        region_start = clause if clause > prev_end else prev_end
        subject = ""
        if kind == "quantity" or (kind == "count" and f.text and f.text[-1] in _AFTER_NOUN_WORDS):
            subject = _subject_after(d, ce)
        only_trail = False
        if not subject:
            got = _subject_before(d, region_start, cs)
            only_trail = got is None
            subject = got or ""
        if not subject:
            subject = prev_subj
        if (not subject and only_trail and not has_prev and scope > 0
                and text[scope - 1] != "\n"):
            subject = last_subject       # 预计全年完成28.89亿元 after the sentence naming it
        if not f.subject:
            if subject:
                form = subject_forms.get(subject)
                f.subject = form if form is not None else d.subject_form(subject)
            else:
                f.subject = ""
        prev_subj = last_subject = f.subject
        has_prev = True
        prev_end = ce
        if kind == "percent":
            if not f.role:
                f.role = _role(d, f, cs, ce, clause)
                if not f.role and prev_pct is not None and _LIST_GAP.fullmatch(text, prev_pct[0], cs):
                    f.role = prev_pct[1]             # 分别增长9.6%和6.2%; 比重由3.3%上升到4.1%
            prev_pct = (ce, f.role)


def _topic_period(topic_year: int | None, year: int | None, gov: bool, modality: str) -> str:
    """The period of a figure without a date or cue before it: the topic year of its section,
    else, in a 政府工作报告, report year − 1 for actual figures and the report year for
    planned/expected ones, in other reports the report year; "" when no year is known."""
    if topic_year is None and year is not None:
        topic_year = year - 1 if gov and modality == "actual" else year
    return str(topic_year) if topic_year is not None else ""


def _period(year: int | None, clause: int, dates: Any, fallback: str, whole: int,
            now: int) -> str:
    """The period of a figure: the last date of its scope before it that is no comparison base
    (an event date only in its own clause, starting at ``clause``), unless a later whole-year
    cue (its position ``whole``, -1 if none) gives the topic period (``fallback``:
    _topic_period) or a later now cue (``now``) the report year; else the topic period.
    ``dates``: d.dates_before."""
    best_pos, best = -1, None
    for start, _y, base, in_topic, iso in dates:
        if base:
            continue
        if not in_topic and clause > start:
            continue         # an event date (于8月16日正式开园) dates its own clause only
        best_pos, best = start, iso
    if whole >= 0 and (best is None or whole > best_pos):
        best_pos, best = whole, fallback
    if now >= 0 and (best is None or now > best_pos):
        best_pos, best = now, str(year) if year is not None else ""
    if best is not None:
        return best
    return fallback

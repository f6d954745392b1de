"""The number engine: find candidates with the rules, resolve them into facts, settle overlaps.

Flow over the clean text (one document):

1. ``scanner`` (one ``regex`` pass) finds maximal runs of numeral characters;
2. for each run, the starts to try are the run start and the starts of the prefixes written right
   before it (约, 近, 人民币, 百分之, 从 …, found with one reverse match); a run whose next
   character cannot begin any tail (unit, measure word, currency, %, range separator …) and that
   neither ends with 万/亿 nor follows 百分之 is skipped;
3. every number pattern is tried *anchored* at those starts (``Pattern.match(text, pos)``) under
   a time limit (one CPU timer for the whole text in the main thread, see ``_Watchdog``, else
   regex's ``timeout`` on each match; under the timer a rule is matched by its twin compiled
   by ``re`` where ``ruleset.re_twin`` made one); all matches are candidates;
4. each candidate is checked (required cue words, negative lexicon, code boundaries, jieba word
   boundary for Chinese numerals) and resolved into Decimal value, interval, precision and unit;
5. overlaps are settled: the longest span wins, then the higher priority, then the earlier rule.

Everything a candidate goes through is recorded in ``Trace`` for ``explain()``.
"""
from __future__ import annotations

import dataclasses
import re
import signal
import threading
from _signal import signal as _set_handler
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from typing import Any, Callable

import regex

from ..model import Fact
from ..numerals import Numeral, approx_unit, parse_numeral, scale_value
from .ruleset import Pattern, RuleSet, literal_words

#: seconds a single anchored match may take before the rule is declared broken (with the
#: watchdog: between half of it and all of it, in CPU time)
MATCH_TIMEOUT = 0.5
#: seconds a negative pattern's search (rules/lexicons/negatives.yaml) may take around a figure
NEGATIVE_TIMEOUT = 5

_LATIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789０１２３４５６７８９")
_BIG = frozenset("万亿萬億")
_BIG_VALUE = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_POWERS = frozenset("十百千万亿拾佰仟萬億")
_CLAUSE_END = frozenset("。；;！!？?\n，,")
#: (this module's own patterns are written with literal classes only, so re reads them as regex
#: does, and matches them faster)
_ARABIC_RE = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?")


class RuleTimeoutError(Exception):
    """Internal: a pattern exceeded MATCH_TIMEOUT (re-raised as facts.RuleTimeout)."""

    def __init__(self, rule_id: str, pos: int) -> None:
        super().__init__(rule_id, pos)
        self.rule_id = rule_id
        self.pos = pos


@dataclass(slots=True)
class Candidate:
    rule: Pattern
    start: int
    end: int
    m: Any
    facts: list[Fact] = field(default_factory=list)
    reason: str = ""                   # why rejected ("" = kept)

    @property
    def text(self) -> str:
        return self.m.string[self.start:self.end] if self.m is not None else ""


@dataclass(slots=True)
class Trace:
    """What happened, for explain(): every candidate with its fate."""

    candidates: list[Candidate] = field(default_factory=list)


# ----------------------------------------------------------------------------- scanning
def _starts(text: str, s: int, rs: RuleSet) -> list[int]:
    """Run start plus the starts of a chain of prefixes right before it (earliest first)."""
    out = [s]
    p = s
    last = rs.prefix_last_chars
    for _ in range(3):
        if p == 0 or text[p - 1] not in last:
            break
        m = rs.prefix_rev.match(text, 0, p)
        if m is None:
            break
        blocked = rs.lexicons.prefix_not_after.get(m.group())
        if blocked and m.start() > 0 and text[m.start() - 1] in blocked:
            break                            # 签约23个: 约 ends the word 签约
        p = m.start()
        out.append(p)
    out.reverse()
    return out


_FILLER = frozenset("余多几来 \u3000kKwW万亿")
_BIGK = _BIG | frozenset("kKwW")
_GROUPS = re.compile(r"(?:[,，][0-9０-９]{3})+(?:[.．][0-9０-９]+)?")
_RANGE_START = frozenset("-—–~～－至到与和(（")   # range separators (and the bracket of (含))
#: one of them in text[pos:endpos] (re: a class of literals, half the cost of a set test of the slice)
_RANGE_SEARCH = re.compile("[" + "".join(sorted(re.escape(ch) for ch in _RANGE_START)) + "]").search
_ALL_KINDS = frozenset(("money", "percent", "count", "quantity"))


_EMPTY: frozenset[str] = frozenset()
_MONEY = frozenset(("money",))


def _tail_kinds(text: str, j: int, rs: RuleSet) -> frozenset[str]:
    """The kinds whose tail word is really written at ``j`` (日 → money only for 日元), for a
    character that begins one (``rs.tail_len``). The answer depends only on the text as long as
    the longest word that begins with it, so it is cached on that slice (``rs.tail_kinds``)."""
    c = text[j]
    key = text[j:j + rs.tail_len[c]]
    got = rs.tail_kinds[key] = frozenset(k for w, k in rs.words_by_char[c] if key.startswith(w))
    return got


#: kinds → the same and money (a run ending in 万/亿/k/w may be implicit money)
_WITH_MONEY: dict[frozenset[str], frozenset[str]] = {}


def _with_money(kinds: frozenset[str]) -> frozenset[str]:
    got = _WITH_MONEY[kinds] = kinds | _MONEY
    return got


#: a character right after a run that leaves _kinds_for nothing but the tail word to look up
#: (no filler to skip, no group separator, no range separator)
_PLAIN_AFTER_NOT = _FILLER | frozenset(",，") | _RANGE_START


def _kinds_for(text: str, s: int, e: int, starts: list[int], rs: RuleSet) -> frozenset[str]:
    """Which kinds' patterns can match at this run (a cheap look at what follows it)."""
    n = len(text)
    j = e
    while j < n and j - e < 4 and text[j] in _FILLER:
        j += 1
    c = text[j] if j < n else ""
    if c in ",，":                    # 82，225.00元: the run stopped at a group separator
        m = _GROUPS.match(text, j)
        if m is not None:
            j = m.end()
            while j < n and j - e < 12 and text[j] in _FILLER:
                j += 1
            c = text[j] if j < n else ""
    if c in _RANGE_START:
        return _ALL_KINDS
    kinds = _EMPTY
    w = rs.tail_len.get(c)
    if w is not None:
        kinds = rs.tail_kinds.get(text[j:j + w])
        if kinds is None:
            kinds = _tail_kinds(text, j, rs)
    big = text[j - 1] in _BIG or text[j - 1] in "kKwW"
    if not big and len(starts) == 1:
        return kinds                 # the common case: no implicit money, no prefix
    extra = set(kinds)
    if big:
        extra.add("money")           # implicit money (奖金近40万)
    if len(starts) > 1:
        if text.startswith("百分之", s - 3):
            extra.add("percent")
        for a, b in zip(starts, starts[1:]):
            if text[a:b] in rs.lexicons.currency_before:
                extra.add("money")   # 人民币8亿
    return frozenset(extra)


def scan(text: str, rs: RuleSet, *, trace: Trace | None = None,
         assume_money: bool = False) -> list[Candidate]:
    """All pattern matches anchored at numeral runs (overlapping; not yet checked)."""
    return [Candidate(p, s, e, m) for p, s, e, m in _matches(text, rs, trace is None,
                                                              assume_money)]


#: a match of scan before it is a Candidate: (rule, start, end, match object). The pass without
#: a trace keeps its matches so (_kept): a Candidate (a Python __init__ and a list) cost ~1 µs
#: of each of its ~15,000 figures a corpus pass, and nobody reads it there
RawMatch = tuple[Pattern, int, int, Any]


def _matches(text: str, rs: RuleSet, precheck: bool, assume_money: bool) -> list[RawMatch]:
    """scan's matches as RawMatch tuples. ``precheck``: no trace is kept (explain keeps one), so
    a cue rule is skipped before matching where its cue is missing (with a trace it is matched,
    so that the rejection and its reason show up)."""
    go = rs.go_chars
    if go is None:
        # a run followed by none of these, not ending in 万/亿/k/w and without a prefix before
        # it has no kinds in _kinds_for: it is skipped here without the call
        go = rs.go_chars = frozenset(_FILLER | set(",，") | _RANGE_START | set(rs.kinds_by_char))
    last = rs.prefix_last_chars
    n = len(text)
    # 1. the anchors: (start, end of the run) in text order. No time limit on the scanner: it is
    # one character class and a possessive repeat of another (ruleset.py builds it so from the
    # numeral lexicon), which cannot backtrack, so it is linear in the text; a time limit makes
    # regex read the clock at every match (30 % of the scan).
    anchors: list[tuple[int, int]] = []
    finder = rs.run_finder           # the same pattern compiled by re (3.5x faster on this one)
    for run in (rs.scanner if finder is None else finder).finditer(text):
        s, e = run.span()
        while text[e - 1] in ",.．点":   # the run may swallow a trailing comma or full stop
            e -= 1
        if ((e < n and text[e] in go) or text[e - 1] in _BIGK
                or (s > 0 and text[s - 1] in last)):
            anchors.append((s, e))
        if e - s > 1 and not text[s:e].isascii() and not _DIGITS.isdisjoint(text[s + 1:e]):
            # (an all-ASCII run has no inner anchor, nor one without a digit after its start)
            # Arabic digits right after a Chinese numeral character inside the run get an anchor
            # of their own: 队伍85支 (伍 is also the capital 5), 大陆3家; a longer mixed reading
            # (十亿3000万) still wins the overlap when it parses.
            for m in _INNER_ARABIC.finditer(text, s + 1, e):
                anchors.append((m.start(), e))
    # 2. every rule whose kind can follow the run, tried at the anchor's starts (one loop, not a
    # call per anchor: the rule set's tables are looked up once per text)
    if not anchors:
        return []
    watch = None
    try:
        watch = _Watchdog.start()
        return _match_anchors(text, rs, anchors, precheck, assume_money, watch)
    finally:
        if watch is not None:
            watch.stop()


def _match_anchors(text: str, rs: RuleSet, anchors: list[tuple[int, int]], precheck: bool,
                   assume_money: bool, watch: "_Watchdog | None") -> list[RawMatch]:
    n = len(text)
    last = rs.prefix_last_chars
    cands: list[RawMatch] = []
    # (rule id, start) of the candidates so far: a rule is not matched twice at one start. The
    # anchors come in text order and a start is never after its run's start, so a start after
    # every candidate's start before this anchor (``top``) is not there: the set is only asked
    # about starts that prefixes stretch back to (百分之 after the run 百), and is made from
    # ``cands`` then (rarely), not kept for every candidate
    seen: set[tuple[str, int]] = set()
    in_seen = 0                      # how many of ``cands`` are in ``seen``
    # matches _checked would reject at once (_doomed), dropped without a Candidate: their (rule
    # id, start), for ``seen`` as if they were candidates
    gone: list[tuple[str, int]] = []
    in_gone = 0
    rejects = rs.reject_runs
    if rejects is None:
        rejects = rs.reject_runs = _reject_runs(rs.patterns)
    rejects, rmax, extra = rejects
    top = -1
    high = -1                        # the highest start of a candidate so far
    plists = rs.plists
    patterns = rs.patterns
    tails, tail_len = rs.tail_kinds, rs.tail_len
    for s, e in anchors:
        top = high
        if s == 0 or text[s - 1] not in last:
            starts = [s]             # no prefix can end here (what _starts returns at once)
            c = text[e] if e < n else ""
            if c and c not in _PLAIN_AFTER_NOT:
                # _kinds_for's common cases (its tail word right after the run, no prefix),
                # without the call
                w = tail_len.get(c)
                if w is None:
                    kinds = _EMPTY
                else:
                    kinds = tails.get(text[e:e + w])
                    if kinds is None:
                        kinds = _tail_kinds(text, e, rs)
                if text[e - 1] in _BIGK:   # implicit money too (奖金近40万)
                    kinds = _WITH_MONEY.get(kinds) or _with_money(kinds)
            else:
                kinds = _kinds_for(text, s, e, starts, rs)
        else:
            starts = _starts(text, s, rs)
            kinds = _kinds_for(text, s, e, starts, rs)
        q0 = starts[0]
        if not kinds:
            continue
        if q0 <= top and (in_seen < len(cands) or in_gone < len(gone)):
            seen.update([(c[0].id, c[1]) for c in cands[in_seen:]])
            in_seen = len(cands)
            seen.update(gone[in_gone:])
            in_gone = len(gone)
        # a run right after 第 or a letter (an ordinal, a code), or a lone 一 (an article): its
        # matches are looked at before they become candidates (_doomed)
        odd = precheck and ((s and text[s - 1] in _ODD_BEFORE)
                            or (e - s <= rmax and text[s:e] in rejects))
        nkinds = len(kinds) if _STOP_WHEN_DONE else -1
        has_sep = None               # looked up only if a range pattern is tried
        done0: set[str] | None = None   # kinds matched at the first start by a plain rule
        matched: set[tuple[str, int]] | None = None   # (kind, start) so at the other starts
        near_hi = e + 14 if e + 14 < n else n
        entry = plists.get(kinds)
        if entry is None:
            entry = plists[kinds] = _pattern_list(patterns, kinds)
        gate, todo, by_found = entry
        if gate is not None:
            # which first characters of the near gates are in the window: the patterns whose
            # gate cannot pass are dropped in one step (the list is kept per such set)
            found = frozenset(gate(text, q0, near_hi))
            got = by_found.get(found)
            if got is None:
                if len(by_found) >= _TODO_MAX:
                    by_found.clear()
                got = by_found[found] = _patterns_to_try(todo, found)
            todo = got
        cues = None                  # (cue, window) → whether the cue is there, per anchor
        for p, near in todo:
            # the loop over the starts below stops at once when the first start is done for
            # this rule or its kind: then the gates need not be asked
            if (done0 is not None and p.kind in done0) or (q0 <= top and (p.id, q0) in seen):
                continue
            if p.is_range:
                if has_sep is None:  # a range separator within 10 characters after the run
                    has_sep = _RANGE_SEARCH(text, e, e + 10) is not None
                if not has_sep:
                    continue
            if near is not None:     # (None: no gate, or its one-character class is there)
                test = p.near_test   # ruleset.literal_test: str.find instead of a search
                if test is None:
                    if near.search(text, q0, near_hi) is None:
                        continue
                else:
                    for w in test[0]:
                        if text.find(w, q0, near_hi) >= 0:
                            break
                    else:
                        continue
                    if not test[1] and near.search(text, q0, near_hi) is None:
                        continue
            cue = p.cue
            if cue and precheck and not (assume_money and cue == "money_cues"):
                key = (cue, p.cue_window)
                if cues is None:
                    cues = {}
                has = cues.get(key)
                if has is None:
                    has = cues[key] = _has_cue(text, q0, rs, cue, int(p.cue_window))
                if not has:
                    continue         # resolve() would reject it: no cue word before it
            for q in starts:
                # (the first start was checked above)
                if q != q0 and ((q <= top and (p.id, q) in seen)
                                or (matched is not None and (p.kind, q) in matched)):
                    break
                try:
                    if watch is None:
                        m = p.compiled.match(text, q, timeout=MATCH_TIMEOUT)
                    else:            # odd count: a match is running (see _Watchdog)
                        watch.count += 1
                        try:         # (the twin: re, where it reads the rule alike)
                            m = (p.twin or p.compiled).match(text, q)
                        finally:     # even again whatever ends the match (a Deadline too)
                            watch.count += 1
                except TimeoutError as exc:
                    if watch is None or p.twin is None:
                        raise RuleTimeoutError(p.id, q) from exc
                    m = _untwinned(p, text, q)
                if m is not None:
                    me = m.end()
                    if me > s:
                        if q > high:
                            high = q
                        if p.plain:  # (may still be rejected later)
                            if q == q0:
                                if done0 is None:
                                    done0 = set()
                                done0.add(p.kind)
                            else:
                                if matched is None:
                                    matched = set()
                                matched.add((p.kind, q))
                        if odd and _doomed(text, p, q, m, extra):
                            gone.append((p.id, q))
                        else:
                            cands.append((p, q, me, m))
                        break
            if done0 is not None and len(done0) == nkinds:
                break                # every kind done at the first start: the rest is skipped
    return cands


def _untwinned(p: Pattern, text: str, q: int) -> Any:
    """The match of ``p`` at ``q`` by its own regex (with its timeout), when its re twin
    (ruleset.re_twin) outlasted the watch: regex guards its repeats against the exponential
    backtracking that re does not, so a rule that is slow only in re still gives regex's
    answer, and one slow in both times out as it did without the twin. The twin is dropped
    for the rest of the process (the rule is matched by its regex under the watch from then
    on): each start where it is slow costs a watch interval, and a document with a few hundred
    such starts took minutes (its --timeout-per-doc) where regex takes no time."""
    object.__setattr__(p, "twin", None)     # (Pattern is frozen: the rule set is shared)
    try:
        return p.compiled.match(text, q, timeout=MATCH_TIMEOUT)
    except TimeoutError as exc:
        raise RuleTimeoutError(p.id, q) from exc


#: _match_anchors leaves an anchor's pattern list once a plain rule of each of its kinds has
#: matched at the first start (every pattern after it would be skipped for its kind); False
#: only in tests, which compare the two
_STOP_WHEN_DONE = True

#: the characters before a number that _boundary rejects it for (see _doomed)
_ODD_BEFORE = _LATIN | frozenset("第")


def _reject_runs(patterns: list[Pattern]) -> tuple[frozenset[str], int, dict[str, tuple]]:
    """Every pattern's reject_numbers (一, 零: a run that is one of them may give matches that
    _doomed drops), their longest length, and by rule id the numbers of the groups `rsep` and
    `half` of a pattern with reject_numbers (0: it has none)."""
    words = frozenset(w for p in patterns for w in p.reject_numbers)
    extra = {p.id: (p.compiled.groupindex.get("rsep", 0), p.compiled.groupindex.get("half", 0))
             for p in patterns if p.reject_numbers}
    return words, max(map(len, words), default=0), extra


def _doomed(text: str, p: Pattern, q: int, m: Any, extra: dict[str, tuple]) -> bool:
    """Whether _checked rejects this match without a trace at its first two checks, whatever
    else holds: its number follows 第 or a letter (_boundary: an ordinal, a code), or its rule
    rejects that number without a range or a half (_resolve_groups: 一个, 一批 are articles;
    resolve returns that reason or, before it, the missing cue's, and a split rule is not
    asked). Such a match need not become a candidate: its (rule, start) still counts as
    matched for the anchors after it (``gone``)."""
    g = p.n1_group
    ns = m.start(g) if g else m.start("n1")
    if ns < 0:
        ns = q
    if ns > 0 and (text[ns - 1] in _LATIN or text[ns - 1] == "第"):
        return True
    if not p.reject_numbers or p.split:
        return False
    n1 = (m.group(g) if g else m.group("n1")) or ""
    if n1 not in p.reject_numbers:
        return False
    rsep, half = extra[p.id]
    return not (rsep and m.group(rsep)) and not (half and m.group(half))


_INNER_ARABIC = re.compile(r"(?<=[^0-9０-９.,．])[0-9０-９]")

#: lists of patterns to try kept per kind set and gate characters (a handful occur in practice)
_TODO_MAX = 4096


def _pattern_list(patterns: list[Pattern], kinds: frozenset[str]) -> tuple[Any, list, dict]:
    """The patterns of ``kinds`` in priority order, as ``(gate, pairs, by_found)``: ``pairs``
    the (pattern, its near regex or None) to try, ``gate(text, pos, endpos)`` the characters of
    text[pos:endpos] that are among the first characters of their near gates
    (ruleset.first_chars; each as often as it is there: see _gate_finder) and ``by_found`` a
    memo from the set of those found in a run's window to the pairs worth trying there (see
    _patterns_to_try). ``gate`` is None when no pattern has a gate, or one's first characters
    are unknown: all are tried."""
    plist = [p for p in patterns if p.kind in kinds]
    pairs = [(p, p.near) for p in plist]
    gated = [p for p in plist if p.near is not None]
    if not gated or any(p.near_first is None for p in gated):
        return None, pairs, {}
    return _gate_finder(frozenset().union(*(p.near_first for p in gated))), pairs, {}


def _gate_finder(chars: frozenset[str]) -> Callable[[str, int, int], Any]:
    """``findall`` of a re class of ``chars`` (single characters): the characters of the window
    that are in the set, with a C-level scan (a run's window of ~17 characters in 0.3 instead of
    0.74 µs for ``chars.intersection(text[pos:endpos])``, which makes and hashes a string of
    every character of the slice). A set holding anything but single characters, or one that
    re does not compile as a class, gets that intersection instead."""
    if chars and all(ch.__class__ is str and len(ch) == 1 for ch in chars):
        try:
            return re.compile("[" + "".join(re.escape(ch) for ch in sorted(chars)) + "]").findall
        except (re.error, ValueError, OverflowError):   # pragma: no cover - a literal class
            pass

    def intersection(text: str, pos: int, endpos: int) -> frozenset[str]:
        return chars.intersection(text[pos:endpos])
    return intersection


def _patterns_to_try(pairs: list, found: frozenset[str]) -> list[tuple[Pattern, Any]]:
    """The pairs whose near gate may pass in a window holding ``found`` of the gate
    characters (none of a gate's first characters there: its search cannot match), in the
    same order. The near regex is replaced by None where no search is left to do: one of the
    gate's one-character words is there (ruleset.literal_words: 元 for money.main's currency
    words, any of [%％‰])."""
    out = []
    for p, near in pairs:
        if near is not None:
            if p.near_first.isdisjoint(found):
                continue
            if p.near_sure is not None and not p.near_sure.isdisjoint(found):
                near = None
        out.append((p, near))
    return out


class _Watchdog:
    """One time limit for all the anchored matches of a text, instead of regex's ``timeout`` on
    each (that reads the process clock twice per call: about 3.5 µs, half the cost of a typical
    match, 23k times on the corpus).

    A CPU timer (ITIMER_VIRTUAL) ticks every MATCH_TIMEOUT / 2 seconds of user time while the
    text's rules are matched. The engine counts up before and after each match, so the count is
    odd while one runs; a tick that finds the same odd count as the tick before means one match
    has run for a whole interval at least (between MATCH_TIMEOUT / 2 and MATCH_TIMEOUT), and the
    handler raises TimeoutError inside it (regex checks for signals while it matches), which
    becomes RuleTimeoutError for that rule and start as before. Only where Python lets a signal
    handler be set: the main thread, a platform with setitimer, and neither the timer nor the
    signal in use by anyone else; otherwise every match gets its own ``timeout``.

    The negative patterns' searches around the figures are watched the same way while the
    candidates are checked (``limit`` NEGATIVE_TIMEOUT; see _watched)."""

    __slots__ = ("count", "seen", "previous", "tick", "what")

    def __init__(self, tick: float = MATCH_TIMEOUT / 2, what: str = "an anchored match") -> None:
        self.count = 0
        self.seen = -1
        self.previous: Any = None
        self.tick = tick
        self.what = what

    def __call__(self, signum: int, frame: Any) -> None:
        count = self.count
        if count & 1 and count == self.seen:
            raise TimeoutError(f"{self.what} ran longer than {self.tick} s")
        self.seen = count

    @classmethod
    def start(cls, limit: float | None = None,
              what: str = "an anchored match") -> "_Watchdog | None":
        """Arm the watch for matches of at most ``limit`` seconds (default MATCH_TIMEOUT), or
        None where it cannot be (then each match takes its own ``timeout``)."""
        if not _CAN_WATCH or threading.current_thread() is not threading.main_thread():
            return None
        try:
            if (signal.getitimer(signal.ITIMER_VIRTUAL) != (0.0, 0.0)
                    or signal.getsignal(signal.SIGVTALRM) is not signal.SIG_DFL):
                return None
            watch = cls((MATCH_TIMEOUT if limit is None else limit) / 2, what)
            watch.previous = _set_handler(signal.SIGVTALRM, watch)
        except (ValueError, OSError):
            return None
        try:
            tick = watch.tick
            signal.setitimer(signal.ITIMER_VIRTUAL, tick, tick)
        except BaseException as exc:    # not armed (or interrupted): give the signal back
            watch.stop()
            if isinstance(exc, (ValueError, OSError)):
                return None
            raise
        return watch

    def stop(self) -> None:
        """Disarm the timer, then give the signal back. Both steps are done even when another
        signal handler raises in between (worker.deadline's Deadline re-fires every 0.25 s, so it
        may land here): that exception is raised once they are done."""
        pending: BaseException | None = None
        for _ in range(8):    # (bounded: an error of the calls themselves would come each time)
            try:
                signal.setitimer(signal.ITIMER_VIRTUAL, 0)    # first the timer, then the handler
                _set_handler(signal.SIGVTALRM, self.previous)
                break
            except BaseException as exc:   # noqa: BLE001 - re-raised below, after the clean-up
                pending = exc
        if pending is not None:
            raise pending


_CAN_WATCH = hasattr(signal, "setitimer") and hasattr(signal, "SIGVTALRM")
# The handlers are set with the C function under ``signal.signal``: that Python wrapper turns
# the handler it returns into a ``Handlers`` member by calling Handlers(h), which for any other
# handler (the watch itself, given back by stop) raises and catches a ValueError inside enum:
# ~30 µs of each stop, four watches a document. The C function takes and returns the plain
# values (SIG_DFL as the int 0), so ``previous`` is given back exactly as it was taken.


def _watched(found: Any, watch: _Watchdog) -> Any:
    """The matches of a finditer, each step (where regex searches) counted as a running match
    for ``watch`` (odd count while it runs, even again however it ends)."""
    while True:
        watch.count += 1
        try:
            m = next(found, None)
        finally:
            watch.count += 1
        if m is None:
            return
        yield m


# ----------------------------------------------------------------------------- checks
def _negative_hit(text: str, start: int, end: int, rs: RuleSet, arabic: bool = False,
                  watch: _Watchdog | None = None) -> str:
    """The negative phrase or pattern overlapping text[start:end], or "". ``arabic``: the figure
    is written in Arabic digits, so the (all-Chinese) phrases cannot overlap its number.
    ``watch``: an armed _Watchdog that limits the patterns' searches (else each search has
    regex's ``timeout`` of NEGATIVE_TIMEOUT, which reads the clock: 3.5 µs a search).

    The phrase alternation is only searched when a two-character piece of a phrase overlaps the
    figure (a phrase overlapping it contains such a piece), and without a timeout: it is built
    from escaped words and cannot backtrack badly. A pattern is only searched when a character
    its matches start with (ruleset.first_chars) is in the window before the figure's end.
    Same result, fewer and cheaper searches."""
    lo = max(0, start - 24)
    hi = min(len(text), end + 24)
    checks = rs.neg_checks
    parts = rs.negative_trigger_parts
    if parts is not None:            # the union's question in its parts, the cheap ones first
        chars, words, rest, rest_gate = parts
        found = None if chars is None else chars.search(text, lo, hi)
        none = found is None
        if none:
            for w in words:
                if text.find(w, lo, hi) >= 0:
                    none = False
                    break
            else:
                none = (rest is None
                        or (rest_gate is not None and rest_gate.search(text, lo, hi) is None)
                        or rest.search(text, lo, hi) is None)
        else:
            # a one-character trigger is there: only the checks whose trigger characters are in
            # the window (the others' tests would fail), known from the set of those found
            plan = rs.neg_plan
            if plan is None:
                plan = rs.neg_plan = _neg_plan(rs)
            if plan:
                bits, by_mask, gated = plan
                mask = bits.get(found.group(), 0)
                found = chars.search(text, found.end(), hi)
                while found is not None:     # (one or two of them in most windows)
                    mask |= bits.get(found.group(), 0)
                    found = chars.search(text, found.end(), hi)
                if gated and rest_gate.search(text, lo, hi) is not None:
                    mask |= gated    # a run long enough for the regex triggers (_run_gate)
                checks = by_mask.get(mask)
                if checks is None:
                    checks = by_mask[mask] = _neg_checks_for(rs, bits, gated, mask)
    else:
        union = rs.negative_any_trigger
        none = union is not None and union.search(text, lo, hi) is None
    if none:
        # no trigger in the window (three calls in four): only the checks without one remain
        # (for an Arabic figure without the phrase alternation, which it skips: often none)
        untriggered = rs.neg_untriggered
        if untriggered is None:
            every = [c for c in rs.neg_checks if c[2] is None]
            untriggered = rs.neg_untriggered = (every, [c for c in every if c[0] != "phrase"])
        checks = untriggered[1] if arabic else untriggered[0]
    for name, rx, trigger, phrases, start_at in checks:
        if trigger is not None:
            if trigger.__class__ is str:         # a plain word (ruleset._word_or_regex)
                if text.find(trigger, lo, hi) < 0:
                    continue
            elif trigger.search(text, lo, hi) is None:
                continue
        if arabic and name == "phrase":
            continue
        if phrases:
            bigrams = rs.phrase_bigrams
            if bigrams is not None:
                for k in range(max(lo, start - 1), end):
                    if text[k:k + 2] in bigrams:
                        break
                else:
                    continue
            first = rx.search(text, lo, hi)
            found = None
        else:
            if start_at is not None:
                # a match overlapping the figure starts in [lo, end) with one of these
                # characters: none there, nothing to find (the timed search costs 4-40 µs)
                if start_at.__class__ is str:
                    if text.find(start_at, lo, end) < 0:
                        continue
                elif start_at.search(text, lo, end) is None:
                    continue
            if watch is None:
                first = rx.search(text, lo, hi, timeout=NEGATIVE_TIMEOUT)
                found = None
            else:
                watch.count += 1     # (odd while the search runs: see _Watchdog)
                try:
                    first = rx.search(text, lo, hi)
                finally:
                    watch.count += 1
                found = watch
        # the finditer's first match is this search's: most windows have none (no iterator
        # made then), or it is the one that overlaps the figure
        if first is None:
            continue
        if first.start() < end and first.end() > start and first.end() > first.start():
            return f"negative lexicon ({rs.negative_names.get(name, name)}): {first.group()!r}"
        if found is None:
            found = (rx.finditer(text, lo, hi) if phrases
                     else rx.finditer(text, lo, hi, timeout=NEGATIVE_TIMEOUT))
        else:
            found = _watched(rx.finditer(text, lo, hi), watch)
        for m in found:
            if m.start() < end and m.end() > start and m.end() > m.start():
                return f"negative lexicon ({rs.negative_names.get(name, name)}): {m.group()!r}"
    return ""


def _neg_plan(rs: RuleSet) -> tuple | tuple[()]:
    """For _negative_hit when one-character triggers are in a window: ``(bits, by_mask,
    gated)``, ``bits`` a character → the bit of each check whose trigger is one of a set of
    literal characters (号, 第, [A-Za-z], [“"‘「『]: the ones ruleset._word_or_regex made a
    ``str.find`` of one character or a ``re`` class), ``by_mask`` a memo of the checks to walk
    for the bits found (_neg_checks_for), ``gated`` the bits of the checks whose trigger is in
    the regex part of the union, plus the bit that says its run gate found a run (0: no gate).
    A check counts only when each of its characters is in the one-character part of the
    triggers' union (the class the window is searched with, so every one of them there is
    found). () when no check is such."""
    parts = rs.negative_trigger_parts
    if parts is None or parts[0] is None:
        return ()
    cls = parts[0]
    bits: dict[str, int] = {}
    for i, ((name, _, trig), check) in enumerate(zip(rs.negatives, rs.neg_checks)):
        t = check[2]
        if t is None or not (t.__class__ is str and len(t) == 1 or isinstance(t, re.Pattern)):
            continue
        chars = literal_words(trig.pattern) if t.__class__ is not str else frozenset(t)
        if not chars or any(len(ch) != 1 or cls.fullmatch(ch) is None for ch in chars) or (
                t.__class__ is not str and any(t.fullmatch(ch) is None for ch in chars)):
            continue
        for ch in chars:
            bits[ch] = bits.get(ch, 0) | (1 << i)
    if not bits:
        return ()
    # the checks whose trigger is in the regex part of the union: a window without the run
    # that _run_gate looks for holds none of their matches (one re search instead of theirs)
    gated = 0
    if parts[3] is not None:
        rest = parts[2].pattern
        for i, (name, _, trig) in enumerate(rs.negatives):
            if trig is not None and literal_words(trig.pattern) is None and (
                    f"(?:{trig.pattern})" in rest):
                gated |= 1 << i
        if gated:
            gated |= 1 << len(rs.neg_checks)   # the bit that says the run is there
    return bits, {}, gated


def _neg_checks_for(rs: RuleSet, bits: dict[str, int], gated: int, mask: int) -> list:
    """The checks of rs.neg_checks (same order) left to walk in a window where exactly the
    characters of ``mask``'s bits are found among ``bits``: a check of those characters whose
    bit is not set has no trigger there (dropped); one whose bit is set has it (its trigger
    test is dropped); every other check as it is."""
    owned = 0
    for b in bits.values():
        owned |= b
    run = len(rs.neg_checks)
    out = []
    for i, (name, rx, trigger, phrases, start_at) in enumerate(rs.neg_checks):
        if owned >> i & 1:
            if not mask >> i & 1:
                continue
            trigger = None
        elif gated >> i & 1 and not mask >> run & 1:
            continue
        out.append((name, rx, trigger, phrases, start_at))
    return out


def _has_cue(text: str, start: int, rs: RuleSet, cue: str, window: int) -> bool:
    # the cue must be in the same clause
    return rs.cue_res[cue].search(_clause_left(text, max(0, start - window), start)) is not None


#: text up to the last clause end (one match: the greedy .* backs off to it)
_UP_TO_CLAUSE_END = re.compile(".*[" + "".join(sorted(re.escape(ch) for ch in _CLAUSE_END))
                               + "]", re.S).match


def _clause_left(text: str, lo: int, end: int) -> str:
    """text[lo:end] after its last clause end (。；，… or a line break), if it has one."""
    m = _UP_TO_CLAUSE_END(text, lo, end)
    return text[lo if m is None else m.end():end]


def _num_start(c: Candidate) -> int:
    g = c.rule.n1_group
    s = c.m.start(g) if g else c.m.start("n1")
    return s if s >= 0 else c.start


def _boundary(text: str, c: Candidate, s: int = -1) -> str:
    if s < 0:
        s = _num_start(c)
    if s > 0 and text[s - 1] in _LATIN:
        return f"figure continues a code: {text[max(0, s - 3):c.end]!r}"
    if c.end < len(text) and text[c.end] in _LATIN and text[c.end - 1] in _DIGITS:
        return f"figure runs into a code: {text[c.start:c.end + 3]!r}"
    if s > 0 and text[s - 1] in "第":
        return "ordinal (第…)"
    return ""


def _word_cut(c: Candidate, words: Callable[[int, int], list] | None, text: str,
              s: int = -1) -> str:
    """jieba sanity check (JioNLP use_jiojio) for figures written in Chinese numerals: a
    candidate that ends inside a word (一到五台山 → 一到五台, 四人帮, 五项原则, 两条道路) is not
    a figure. jieba never decides where a figure ends; it can only veto. The start side is not
    checked: jieba glues a preceding noun to a numeral (钢四万吨, 增加一倍), and the classic
    李四人民币 is already stopped by the measure-word stop list."""
    if words is None:
        return ""
    return _cuts_word(words, text, c.start, c.end, _num_start(c) if s < 0 else s)


def _cuts_word(words: Callable[[int, int], list], text: str, start: int, e: int, s: int) -> str:
    """_word_cut of the figure text[start:e] whose number starts at ``s``."""
    if "0" <= text[s] <= "9" or "０" <= text[s] <= "９":
        return ""
    if not (e < len(text) and _han(text[e]) and _han(text[e - 1])):
        return ""
    for w, ws, we in words(max(start, e - 4), min(len(text), e + 4)):
        if ws < e < we and not _numeric_word(w) and we - ws > 2:
            return f"boundary cuts the word {w!r}"
    return ""


def _han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _numeric_word(w: str) -> bool:
    return all(ch in _POWERS or ch in "一二三四五六七八九两零〇余多几" for ch in w)


# ----------------------------------------------------------------------------- resolving
def _norm(d: Decimal | None) -> Decimal | None:
    if d is None:
        return None
    if d == d.to_integral_value():
        return d.quantize(_ONE)
    return d.normalize()


def _norm3(value: Decimal | None, low: Decimal | None,
           high: Decimal | None) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """_norm of a value and its bounds, each object once (an exact figure's bounds are the
    value itself)."""
    v = _norm(value)
    lo = v if low is value else _norm(low)
    hi = v if high is value else lo if high is low else _norm(high)
    return v, lo, hi


_ONE = Decimal(1)
#: a value from 10**28 on cannot be held exactly in the default Decimal context (28 digits)
_MAX_ADJUSTED = 28


def _log10(n: int | Decimal) -> int:
    k = 0
    if n.__class__ is int:           # (a scale's multiplier: int steps, no Decimal)
        while n >= 10 and n % 10 == 0:
            n //= 10
            k += 1
        return k
    n = Decimal(n)
    while n >= 10 and n % 10 == 0:
        n /= 10
        k += 1
    return k


def _interval(kind: str, v: Decimal, u: Decimal) -> tuple[Decimal | None, Decimal | None, bool, bool]:
    """(low, high, low_open, high_open) for one qualifier semantics."""
    if kind == "about":
        return v, v, False, False
    if kind == "near":
        return v - u, v, True, False
    if kind == "more":
        return v, v + u, False, True
    if kind == "gt":
        return v, None, True, False
    if kind == "ge":
        return v, None, False, False
    if kind == "lt":
        return None, v, False, True
    if kind == "le":
        return None, v, False, False
    raise ValueError(kind)


_APPROX = {"about": "about", "near": "about", "more": "at_least", "gt": "at_least",
           "ge": "at_least", "lt": "at_most", "le": "at_most"}


def _hull(ivs: list[tuple]) -> tuple:
    lo, hi, lo_open, hi_open = ivs[0]
    for l2, h2, lo2, ho2 in ivs[1:]:
        if lo is not None:
            if l2 is None:
                lo, lo_open = None, False
            elif l2 < lo or (l2 == lo and not lo2):
                lo, lo_open = l2, lo2
        if hi is not None:
            if h2 is None:
                hi, hi_open = None, False
            elif h2 > hi or (h2 == hi and not ho2):
                hi, hi_open = h2, ho2
    return lo, hi, lo_open, hi_open


def _distribute(n1: str, v1: Decimal, n2: str, v2: Decimal) -> Decimal:
    """Give the first bound of a range the powers written only on the second:
    200-300万 → 200万, 十八至三十万 → 18万, 八到九百亿 → 800亿, 两到三仟 → 2000."""
    if any(ch in _BIG for ch in n1):
        return v1
    run = ""
    for ch in reversed(n2):
        if ch in _POWERS:
            run = ch + run
        else:
            break
    for k in range(len(run), 0, -1):
        mult = scale_value(run[-k:])
        if v1 * mult <= v2:
            return v1 * mult
    return v1


def resolve(c: Candidate, text: str, rs: RuleSet, *, assume_money: bool = False) -> list[Fact] | str:
    """Candidate → facts (one, or several for a split rule) or the reason to reject it."""
    return _resolve(c.rule, c.m, c.start, c.end, text, rs, assume_money)


def _resolve(rule: Pattern, m: Any, s: int, e: int, text: str, rs: RuleSet,
             assume_money: bool) -> list[Fact] | str:
    """resolve of the match ``m`` of ``rule`` spanning text[s:e] (a candidate's parts)."""
    req = rule.requires
    if req and req.get("left_cue") and not (assume_money and req["left_cue"] == "money_cues"):
        if not _has_cue(text, s, rs, req["left_cue"], int(req.get("window", 12))):
            return f"no {req['left_cue']} cue word before it in the clause"
    if rule.split:
        return _split(rule, s, e, text)
    # everything below the cue depends only on the rule and the groups' texts, except the sign
    # of a percentage (the growth word before it): resolved once per (rule, groups) and kept
    groups = m.groups()
    key = (rule.id, groups)
    got = rs.resolved.get(key)
    if got is None:
        got = _resolve_groups(m, rule, rs.lexicons, groups)
        if len(rs.resolved) >= _RESOLVED_MAX:
            rs.resolved.clear()
        rs.resolved[key] = got
    if got.__class__ is str:
        return got
    if got[0] == "percent" and (got[11] or _negative_growth(text, s, rs.lexicons)):
        return [_negated(s, e, text, rule, got)]
    return [Fact("", got[0], text[s:e], s, e, *got[13])]


def _negated(s: int, e: int, text: str, rule: Pattern, got: tuple) -> Fact:
    """The fact of a percentage with a growth word before it (下降2.7%) or a sign written."""
    kind, value, low, high, decimals, approx, unit, scale, quals, low_open, high_open = got[:11]
    value, low, high = got[12]
    value = -value
    low, high = (None if high is None else -high), (None if low is None else -low)
    low_open, high_open = high_open, low_open
    if approx == "range":
        value = low                  # a range's value is its lower bound
    if approx == "at_least":
        approx = "at_most"
    elif approx == "at_most":
        approx = "at_least"
    value, low, high = _norm3(value, low, high)
    return Fact("", kind, text[s:e], s, e,
                *_fact_tail(value, low, high, decimals, approx, unit, scale, quals, rule.id,
                            low_open, high_open))


#: a resolution keeps its fact's arguments after (doc_id, kind, text, start, end) in Fact's
#: order, so that the fact is made by position (a third of the cost of the keywords)
_FACT_FIELDS = ("doc_id", "kind", "text", "start", "end", "value", "value_low", "value_high",
                "decimals", "approx", "unit", "date", "subject", "modality", "page", "sentence",
                "source", "role", "period", "section", "scale", "qualifiers", "rule_id",
                "low_open", "high_open")
if tuple(f.name for f in dataclasses.fields(Fact)) != _FACT_FIELDS:   # pragma: no cover
    raise ImportError("model.Fact's fields changed: update engine._FACT_FIELDS and _fact_tail")


def _fact_tail(value: Any, low: Any, high: Any, decimals: int, approx: str, unit: str,
               scale: str, quals: str, rule_id: str, low_open: bool, high_open: bool) -> tuple:
    """Fact's positional arguments after ``end`` for a resolved figure (in _FACT_FIELDS order;
    date, subject, modality, page, sentence, source, role, period and section at their
    defaults, which extract_facts and context fill in later)."""
    return (value, low, high, decimals, approx, unit, "", "", "", None, 0, "", "", "", "",
            scale, quals, rule_id, low_open, high_open)


#: resolutions kept per rule set (a corpus of 100 reports has about 6 000 distinct ones)
_RESOLVED_MAX = 50_000


def _resolve_groups(m: Any, rule: Pattern, lex: Any, groups: tuple | None = None) -> tuple | str:
    """What ``resolve`` makes of a match, from its groups only: (kind, value, low, high,
    decimals, approx, unit, scale, qualifiers, low_open, high_open, sign written, (value, low,
    high) before normalisation, Fact's arguments after ``end`` (_fact_tail)), or the reason to
    reject it."""
    names = rule.group_names
    if names is None or groups is None:
        gd = m.groupdict()
    else:                            # the groupdict from the groups at hand (a third of its cost)
        gd = dict(zip(names, groups))
    kind = rule.kind
    req = rule.requires
    n1 = (gd.get("n1") or "")
    if n1 in rule.reject_numbers and not (gd.get("rsep") or "") and not gd.get("half"):
        return f"lone {n1} before a measure word is an article (一批, 一个), not a count"
    try:
        N1 = parse_numeral(n1)
    except ValueError as exc:
        return f"not a numeral: {exc}"
    lead = n1.lstrip("０0")
    if len(lead) < len(n1) and n1[:2] not in ("0.", "0．", "０.", "０．") and n1 not in ("0", "０"):
        return f"leading zero in {n1!r}: a group of a longer number or a code"
    if N1.form == "digits" and not _ARABIC_RE.fullmatch(n1):
        return f"digit-by-digit numeral {n1!r} is not a quantity"
    s1 = (gd.get("s1") or "")
    mult1 = scale_value(s1) if s1 else 1
    if s1 and mult1 > 1:
        own = max((_BIG_VALUE[ch] for ch in n1 if ch in _BIG_VALUE), default=0)
        if own and mult1 <= own:
            return f"scale {s1} after a figure that already has a larger power ({n1}{s1})"
    qualifiers: list[str] = []
    low_open = high_open = False
    rsep = (gd.get("rsep") or "")
    n2 = (gd.get("n2") or "")
    if rsep and n2:
        if rsep in ("与", "和") and (gd.get("qpost") or "") != "之间":
            return f"{rsep} joins two figures without 之间: a list, not a range"
        try:
            N2 = parse_numeral(n2)
        except ValueError as exc:
            return f"not a numeral: {exc}"
        s2 = (gd.get("s2") or "")
        mult2 = scale_value(s2) if s2 else 1
        v2 = N2.high * mult2
        v1 = N1.value * mult1
        if not s1 and not (gd.get("c1") or "") and not (gd.get("u1") or "") and s2:
            v1 = v1 * mult2
            mult1 = mult2
        if not s1 and not s2:
            v1 = _distribute(n1, v1, n2, v2)
        elif not s1 and s2 and not (gd.get("c1") or ""):
            v1 = _distribute(n1, v1, n2, N2.value * mult2) if v1 == N1.value * mult2 and any(
                ch in _POWERS for ch in n2) and not any(ch in _POWERS for ch in n1) else v1
        if v1 > v2:
            return f"range {n1}{rsep}{n2} runs backwards"
        value, low, high = v1, v1, v2
        high_open = N2.high_open
        decimals = min(N1.decimals - _log10(mult1), N2.decimals - _log10(mult2))
        approx = "range"
        for q in ((gd.get("qpre") or ""), (gd.get("qpost") or "")):
            if q:
                qualifiers.append(q)
    else:
        value = N1.value * mult1
        decimals = N1.decimals - _log10(mult1) if mult1 != 1 else N1.decimals
        if N1.form in ("vague", "adjacent", "at_least"):
            low, high = N1.low * mult1, (None if N1.form == "at_least" else N1.high * mult1)
            high_open = N1.high_open and N1.form == "vague"
            approx = "range" if N1.form != "at_least" else "at_least"
        else:
            low = high = value
            approx = "exact"
        u = None                     # one unit of the last digit, only if a qualifier needs it
        ivs = []
        cats = []
        qpre, m1, qpost = gd.get("qpre"), gd.get("m1"), gd.get("qpost")
        for q, table in (((qpre, lex.prefix_quals), (m1, lex.inner_quals),
                          (qpost, lex.suffix_quals)) if qpre or m1 or qpost else ()):
            if not q or q not in table:
                continue
            qualifiers.append(q)
            sem = table[q]
            if u is None:
                u = approx_unit(N1.value) * mult1
            ivs.append(_interval(sem, value, u))
            cats.append(_APPROX[sem])
            if sem in ("near", "more"):
                decimals = min(decimals, -_log10(u))
        if ivs and approx == "exact":
            low, high, low_open, high_open = _hull(ivs)
            approx = cats[0] if len(set(cats)) == 1 else "about"
    if gd.get("half"):                      # 一吨半: half of the unit after it
        value = value + Decimal("0.5") * mult1
        low = high = value
        decimals = max(decimals, 1) if mult1 == 1 else decimals
    scale = s1 or ""
    if not scale:
        k = len(n1)
        while k > 0 and n1[k - 1] in _BIG:
            k -= 1
        if k < len(n1) and any(ch in _DIGITS for ch in n1):
            scale = n1[k:]
    unit = (gd.get("unit") or "")
    if kind == "money":
        code = _currency(m, lex, gd)
        if code is None:
            return "no currency"
        unit = code
        jiao, fen = (gd.get("jiao") or ""), (gd.get("fen") or "")
        if jiao or fen:
            extra = Decimal(0)
            if jiao:
                extra += parse_numeral(jiao).value * Decimal("0.1")
                decimals = 1
            if fen:
                extra += parse_numeral(fen).value * Decimal("0.01")
                decimals = 2
            value = value + extra
            low = high = value
        if req.get("scale") and not (s1 or any(ch in _BIG for ch in n1) or N1.form == "vague"):
            return "a bare figure without 万/亿 is not taken as money without a currency word"
    elif kind == "percent":
        if unit in ("个百分点", "百分点"):
            unit = "pp"
        elif unit == "倍":
            value, low, high = _times(value, 100), _times(low, 100), _times(high, 100)
            decimals -= 2
            scale = "倍"
            unit = "%"
        elif unit == "成":
            value, low, high = _times(value, 10), _times(low, 10), _times(high, 10)
            decimals -= 1
            scale = "成"
            unit = "%"
        elif unit != "‰":
            unit = "%"
    for v in (value, low, high):
        if v is not None and v.adjusted() >= _MAX_ADJUSTED:
            # 1,234,567,890,123,456,789,012,345,678,901元: beyond the 28 significant digits
            # of Decimal's context, so the value would already be rounded (and quantize
            # raised InvalidOperation, which failed the whole document)
            return f"figure of {v.adjusted() + 1} digits: a code or an error, not an amount"
    v, lo, hi = _norm3(value, low, high)
    quals = "|".join(qualifiers)
    return (kind, v, lo, hi, decimals, approx, unit, scale, quals, low_open, high_open,
            (gd.get("sign") or "") != "", (value, low, high),
            _fact_tail(v, lo, hi, decimals, approx, unit, scale, quals, rule.id, low_open,
                       high_open))


def _times(d: Decimal | None, k: int) -> Decimal | None:
    return None if d is None else d * k


def _currency(m: Any, lex: Any, gd: dict) -> str | None:
    """The currency code of a money match (``gd``: its groupdict)."""
    code = None
    for name, table in (("cpre", lex.currency_before), ("c1", lex.currency_after),
                        ("cur", lex.currency_after), ("cur2", lex.currency_trail)):
        w = gd.get(name)
        if not w:
            continue
        if name == "cur" and w in lex.colloquial_yuan:
            w_code = "CNY"
        else:
            w_code = table.get(w)
        if w_code is None:
            continue
        if code is None or code == "CNY":
            code = w_code
    if code is None and ("cur" not in m.re.groupindex or not gd.get("cur")):
        return "CNY"   # implicit money (奖金设置近40万): the cue made it money
    return code


def _negative_growth(text: str, start: int, lex: Any) -> bool:
    """A growth word written right before ``start`` (下降2.7%, 下降了0.5个百分点)."""
    left = text[max(0, start - 6):start]
    for f in lex.growth_fillers:
        if left.endswith(f):
            left = left[: -len(f)]
    neg = lex.negative_growth
    return left.endswith(neg if isinstance(neg, tuple) else tuple(neg))


def _split(rule: Pattern, s: int, e: int, text: str) -> list[Fact] | str:
    facts = []
    for m in _ARABIC_RE.finditer(text, s, e):
        try:
            N = parse_numeral(m.group())
        except ValueError as exc:
            return f"not a numeral: {exc}"
        facts.append(Fact(doc_id="", kind=rule.kind, text=m.group(), start=m.start(),
                          end=m.end(), value=_norm(N.value), value_low=_norm(N.value),
                          value_high=_norm(N.value), decimals=N.decimals, approx="exact",
                          unit="%", role="ratio", rule_id=rule.id))
    return facts


# ----------------------------------------------------------------------------- the whole pass
def _checked(cands: list[Candidate], text: str, rs: RuleSet, words: Callable | None,
             assume_money: bool, trace: Trace | None, watch: _Watchdog | None) -> list[Candidate]:
    """The candidates that pass every check (boundary, resolution, negatives, word cut), each
    with its facts; with a trace, every candidate gets its reason and goes into the trace."""
    if trace is None:
        kept: list[Candidate] = []
        for k in _kept([(c.rule, c.start, c.end, c.m) for c in cands], text, rs, words,
                       assume_money, watch):
            c = cands[k[3]]
            c.facts = k[5]
            kept.append(c)
        return kept
    kept = []
    for c in cands:
        g = c.rule.n1_group
        ns = c.m.start(g) if g else c.m.start("n1")
        if ns < 0:
            ns = c.start
        ch = text[ns]
        arabic = "0" <= ch <= "9" or "０" <= ch <= "９"
        reason = (_boundary(text, c, ns)
                  or _negative_hit(text, c.start, c.end, rs, arabic, watch))
        if not reason:
            out = resolve(c, text, rs, assume_money=assume_money)
            if isinstance(out, str):
                reason = out
            else:
                c.facts = out
        if not reason:
            reason = _word_cut(c, words, text, ns)
        c.reason = reason
        if not reason:
            kept.append(c)
    trace.candidates.extend(cands)
    return kept


def _kept(matches: list[RawMatch], text: str, rs: RuleSet, words: Callable | None,
          assume_money: bool, watch: _Watchdog | None) -> list[tuple]:
    """_checked without a trace, on scan's matches as they come (RawMatch): the ones that pass
    every check, each as ``(start - end, rank of its rule, start, its index in matches, end,
    its facts)``. The first three are find_number_facts' order of the overlap choice (longest
    span, then priority, then rule order); with the index (unique) the tuples sort in that
    order without a key function, and equal keys (none occur: a rule matches once at a start)
    in list order, as the stable sort by key did.

    Nobody reads the reasons: a match is kept iff it passes every check, so the checks run
    cheapest first (a resolution is cached per rule and groups; the negative check is the
    dearest) and stop at the first that fails."""
    rank = rs.ranks
    if rank is None:
        rank = rs.ranks = {id(p): (-p.priority, i) for i, p in enumerate(rs.patterns)}
    kept: list[tuple] = []
    n = len(text)
    for i, (p, s, e, m) in enumerate(matches):
        g = p.n1_group               # _num_start, inlined (once per match)
        ns = m.start(g) if g else m.start("n1")
        if ns < 0:
            ns = s
        # _boundary, inlined: whether it has a reason (which one is only for the trace)
        if ns > 0 and text[ns - 1] in _ODD_BEFORE:   # (a letter or 第)
            continue
        if e < n and text[e] in _LATIN and text[e - 1] in _DIGITS:
            continue
        ch = text[ns]
        arabic = "0" <= ch <= "9" or "０" <= ch <= "９"
        try:
            out = _resolve(p, m, s, e, text, rs, assume_money)
        except Exception:
            # the negative check comes first in the trace order: a figure it rejects is
            # never resolved there, so it must not fail the document here either
            if _negative_hit(text, s, e, rs, arabic, watch):
                continue
            raise
        if out.__class__ is str:
            continue
        if _negative_hit(text, s, e, rs, arabic, watch):
            continue
        if not arabic and words is not None and _cuts_word(words, text, s, e, ns):
            continue                 # (_cuts_word passes every Arabic figure)
        kept.append((s - e, rank[id(p)], s, i, e, out))
    return kept


def find_number_facts(text: str, rs: RuleSet, *, words: Callable | None = None,
                      assume_money: bool = False, trace: Trace | None = None) -> list[Fact]:
    """Number facts (money, percent, count, quantity) of a clean text, clean offsets, sorted."""
    if trace is None:
        matches = _matches(text, rs, True, assume_money)
    else:
        cands = scan(text, rs, assume_money=assume_money, trace=trace)
    watch = None
    try:                             # one time limit for the negative patterns' searches
        watch = _Watchdog.start(NEGATIVE_TIMEOUT, "a negative pattern")
        if trace is None:
            kept = _kept(matches, text, rs, words, assume_money, watch)
        else:
            checked = _checked(cands, text, rs, words, assume_money, trace, watch)
    finally:
        if watch is not None:
            watch.stop()
    # overlaps: longest span, then priority, then rule order
    facts: list[Fact] = []
    occupied: _Intervals | None = None
    taken: list[tuple[int, int]] = []
    if trace is None:
        kept.sort()                  # (the order of the overlap choice: see _kept)
        # one byte per character says whether it is taken: a C-level find answers the overlap
        # question (the spans' index is built only if the list pass below needs it)
        busy = bytearray(len(text) + 1)
        for _, _, s, _, e, out in kept:
            if busy.find(1, s, e) < 0:
                busy[s:e] = b"\x01" * (e - s)
                taken.append((s, e))
                facts.extend(out)
    else:
        rank = rs.ranks
        if rank is None:
            rank = rs.ranks = {id(p): (-p.priority, i) for i, p in enumerate(rs.patterns)}
        checked.sort(key=lambda c: (c.start - c.end, rank[id(c.rule)], c.start))
        occupied = _Intervals()
        for c in checked:
            other = occupied.overlap(c.start, c.end)
            if other is not None:
                c.reason = f"overlap: {other.text!r} ({other.rule.id}) is longer or ranks higher"
                continue
            occupied.add(c.start, c.end, c)
            facts.extend(c.facts)
    facts.sort(key=_SPAN)
    if rs.distribute is not None:
        facts = _distribute_lists(text, facts, rs, occupied, taken)
    return facts


_SPAN = attrgetter("start", "end")


_LIST_ITEM = regex.compile(r"(?r)(?P<num>[0-9]+(?:\.[0-9]+)?)(?P<sep>[、和及与])")
_NUM, _SEP = _LIST_ITEM.groupindex["num"], _LIST_ITEM.groupindex["sep"]   # by number: cheaper
_LIST_SEPS = frozenset("、和及与")   # the class of group `sep`, the last character of a match


def _distribute_lists(text: str, facts: list[Fact], rs: RuleSet, occupied: "_Intervals | None",
                      taken: list[tuple[int, int]] = ()) -> list[Fact]:
    """Bare figures listed before a fact share its unit and scale (latent facts):
    分别回落2.16和1.66个百分点 → 2.16 pp too; 分别为3.2、1.1亿元 → 3.2亿元. Only after 分别 (or
    with 和/与/及 between decimals), so list markers (1、2家企业) are left alone. The rule id is
    ``<kind>.distributed``; a growth word before the first item signs every item."""
    out = list(facts)
    for f in facts:
        pos = f.start
        if pos == 0 or text[pos - 1] not in _LIST_SEPS:
            continue                 # no item before it (the loop below would stop at once)
        if f.approx != "exact" or f.rule_id.endswith(".ratio") or f.scale in ("倍", "成"):
            continue
        items = []
        pos = f.start
        while len(items) < 6:
            if pos == 0 or text[pos - 1] not in _LIST_SEPS:
                break                # what the reverse match would say: it ends with a separator
            m = _LIST_ITEM.match(text, max(0, pos - 24), pos)
            if m is None:
                break
            a = m.start(_NUM)
            if a > 0 and (text[a - 1] in _DIGITS or text[a - 1] in ".,．" or text[a - 1] in _LATIN):
                break
            if occupied is None:     # the spans taken, in the order they were taken
                occupied = _Intervals()
                for span in taken:
                    occupied.add(span[0], span[1], span)
            if occupied.overlap(a, m.end(_NUM)) is not None:
                break
            items.append((a, m.end(_NUM), m.group(_NUM), m.group(_SEP)))
            pos = a
        if not items:
            continue
        first = items[-1][0]
        left = _clause_left(text, max(0, first - 12), first)
        respectively = rs.distribute.search(left) is not None
        if not respectively and not all(sep in "和与及" and "." in num for _, _, num, sep in items):
            continue
        mult = scale_value(f.scale) if f.scale else 1
        neg = f.kind == "percent" and _negative_growth(text, first, rs.lexicons)
        if neg and f.value is not None and f.value > 0:
            f.value, f.value_low, f.value_high = -f.value, _neg(f.value_high), _neg(f.value_low)
        for a, b, num, _ in items:
            N = parse_numeral(num)
            v = _norm(N.value * mult)
            if neg:
                v = -v
            out.append(Fact(doc_id="", kind=f.kind, text=text[a:b], start=a, end=b, value=v,
                            value_low=v, value_high=v, decimals=N.decimals - _log10(mult),
                            approx="exact", unit=f.unit, scale=f.scale,
                            rule_id=f.kind + ".distributed"))
            occupied.add(a, b, None)
    out.sort(key=_SPAN)
    return out


def _neg(d: Decimal | None) -> Decimal | None:
    return None if d is None else -d


class _Intervals:
    """Occupied spans; linear is fine for the handful of candidates per clause."""

    def __init__(self) -> None:
        self._spans: dict[int, list[tuple[int, int, Any]]] = {}

    def overlap(self, s: int, e: int) -> Any:
        for b in range(s // 64 - 1, e // 64 + 1):
            for s2, e2, obj in self._spans.get(b, ()):
                if s2 < e and s < e2:
                    return obj
        return None

    def add(self, s: int, e: int, obj: Any) -> None:
        for b in range(s // 64, (e - 1) // 64 + 1):
            self._spans.setdefault(b, []).append((s, e, obj))

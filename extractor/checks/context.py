"""What a check sees: the decoded text, sentences as decoded spans, the facts, and helpers.

Checks never depend on how facts were extracted: they read ``Fact`` fields (kind, value,
decimals, approx, unit, role, qualifiers, date, start/end) and the text around the facts.
Cue words are matched on the DECODED text (``doc.text``) inside a sentence's decoded span, with
patterns that accept both full-width and half-width punctuation, so every offset a check emits
is a decoded offset without an inverse map. Checks that scan the normalised text
(``clean.text``) map their matches with ``clean.to_decoded``.
"""
from __future__ import annotations

import bisect
import itertools
import operator
import re
from collections import Counter
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

import regex

from ..model import Anomaly, Fact
from .config import LiteralSpots, ascii_digit_variant, only_ascii_digits, word_spans
from .intervals import Interval, fact_interval

SENTENCE_END = re.compile(r"[。！？!?\n]")
CLAUSE_BREAK = re.compile(r"[，,；;：:。！？!?\n]")
# clause_before: the clause breaks, found from the end of the window (regex REVERSE search)
_BREAK_REVERSE = regex.compile(r"[，,；;：:。！？!?\n]", regex.REVERSE)
_CHAIN_BREAK = re.compile(r"[。！？!?\n；;]")  # same_clause_chain: a sentence end or semicolon
ADDITIVE_KINDS = ("money", "count", "quantity")
_START_END = operator.attrgetter("start", "end")
_FIRST = operator.itemgetter(0)
_START = operator.attrgetter("start")
_END = operator.attrgetter("end")


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence as a half-open span of the decoded text."""

    index: int
    start: int
    end: int
    section: str = ""


class CheckContext:
    """Read-only view of one document for the checks; ``anomaly()`` builds findings."""

    def __init__(self, prepared: Any, facts: list[Fact], *, check_name: str = "") -> None:
        self.prepared = prepared
        doc = prepared.doc
        self.doc_id: str = doc.doc_id
        self.source: str = doc.source
        self.text: str = doc.text
        clean = getattr(prepared, "clean", None)
        self.clean_text: str = clean.text if clean is not None else doc.text
        self._clean = clean
        # extraction hands the facts over in order: when every start is above the previous one
        # the list is already sorted by (start, end) and is copied without building the keys
        if not isinstance(facts, list):
            facts = list(facts)  # (an iterable is read once)
        starts = list(map(_START, facts))
        if all(map(operator.lt, starts, starts[1:])):  # (in C)
            self.facts: list[Fact] = list(facts)
        else:
            self.facts = sorted(facts, key=_START_END)
            starts = list(map(_START, self.facts))
        self._fact_starts = starts
        self.report_year: int | None = getattr(prepared, "report_year", None) or self._guess_year()
        # sentences as decoded spans: the offsets are converted up front (int lists), the Span
        # objects are built on first use (most checks only need the sentences holding facts)
        self._sentences: list[Span] | None = None
        self.check_name = check_name
        self._intervals: dict[str, Interval | None] = {}
        self._iv_of: dict[int, Interval | None] = {}
        # per-document memo shared by the checks (clauses, percent roles, sum groups …): every
        # entry depends only on the text and the facts, which stay fixed for the context's life
        self.memo: dict[Any, Any] = {}
        self._by_sentence: dict[tuple[str, ...] | None, list[tuple[int, list[Fact]]]] = {}
        self._ascii_digits: bool | None = None   # only_ascii_digits(clean_text), when first asked
        self._decoded_sentences()

    # --- text ---------------------------------------------------------------------------------
    def to_decoded(self, start: int, end: int) -> tuple[int, int]:
        if self._clean is None:
            return start, end
        return self._clean.to_decoded(start, end)

    @property
    def sentences(self) -> list[Span]:
        if self._sentences is None:
            self._sentences = [self.sentence(i) for i in range(len(self._sent_starts))]
        return self._sentences

    @sentences.setter
    def sentences(self, spans: list[Span]) -> None:
        self._set_spans(list(spans))

    def _set_spans(self, spans: list[Span]) -> None:
        self._sentences = spans
        self._span_cache: list[Span | None] = list(spans)
        self._sent_starts = [s.start for s in spans]
        self._sent_ends = [s.end for s in spans]
        self._sent_src: list[Any] = []
        self._by_sentence = {}
        self.memo.pop("ordered_sentences", None)

    @property
    def sentence_starts(self) -> list[int]:
        """Decoded start of every sentence, ascending (do not mutate)."""
        return self._sent_starts

    def sentence(self, i: int) -> Span:
        """The i-th sentence as a decoded span (built once)."""
        sp = self._span_cache[i]
        if sp is None:
            s = self._sent_src[i]
            sp = self._span_cache[i] = Span(s.index, self._sent_starts[i], self._sent_ends[i],
                                            getattr(s, "section", "") or "")
        return sp

    def _decoded_sentences(self) -> None:
        given = getattr(self.prepared, "sentences", None)
        sents = list(given or [])
        if sents:
            # Prepared keeps them (lists not to be mutated: not here) when its sentences are a
            # list (an iterator given instead is spent by the copy above: read from the copy)
            bounds = getattr(self.prepared, "_sentence_bounds", None) if type(given) is list else None
            if bounds is not None:
                starts, ends = bounds()
            else:
                starts = list(map(_START, sents))  # (attribute reads in C)
                ends = list(map(_END, sents))
            dec = self._segment_convert(starts, ends)
            if dec is None:
                conv = self._batch_to_decoded()
                pairs = [conv(a, b) for a, b in zip(starts, ends)]
                dec = [a for a, _ in pairs], [b for _, b in pairs]
            self._sent_starts, self._sent_ends, self._sent_src = dec[0], dec[1], sents
            self._span_cache = [None] * len(sents)
            return
        out: list[Span] = []  # no segmentation given: split the decoded text at sentence ends
        start = 0
        for m in SENTENCE_END.finditer(self.text):
            if m.end() > start:
                out.append(Span(len(out), start, m.end()))
            start = m.end()
        if start < len(self.text):
            out.append(Span(len(out), start, len(self.text)))
        self._set_spans(out)

    def _segment_convert(self, starts: list[int], ends: list[int]) -> tuple[list[int], list[int]] | None:
        """``to_decoded`` of many sorted spans at once, one segment of the offset map at a time:
        every start (end) inside a run segment moves by that segment's constant offset, one in a
        replacement segment maps to its decoded start (end), the same arithmetic as
        ``OffsetMap.start_of``/``end_of`` done by list comprehension instead of a bisect per span
        (a document has ~430 sentences but most have only a few segments; from the first start
        in a segment, one bisect finds the last, so segments without a sentence cost nothing).
        Empty spans and spans
        outside the segments go through ``to_decoded`` one by one; None when the map is not the
        standard ``CleanText``/``OffsetMap`` or the spans are not sorted (the caller then converts
        span by span)."""
        segs = self._segments()
        if segs is None or starts != sorted(starts) or ends != sorted(ends):
            return None
        cs, ds, de, rn = segs
        first, clen = cs[0], self._clean.omap.clean_len
        n = len(starts)
        bis = bisect.bisect_left
        da: list[int] = starts[:]  # the spans the fast path leaves are fixed below
        db: list[int] = ends[:]
        # starts: segment i holds clean offsets [cs[i], cs[i+1]); a start in a replacement
        # segment maps to its decoded start
        _sweep(starts, da, cs, ds, rn, bis(starts, first), bis(starts, clen), 0, ds)
        # ends: the decoded end of clean[b - 1], so end b belongs to the segment holding b - 1,
        # and one in a replacement segment maps to its decoded end
        _sweep(ends, db, cs, ds, rn, bis(ends, first + 1), bis(ends, clen + 1), 1, de)
        # the spans the fast path does not cover: empty, or starting before the first segment,
        # or ending past the clean text
        slow = self.to_decoded
        for k in itertools.compress(range(n), map(operator.ge, starts, ends)):
            da[k], db[k] = slow(starts[k], ends[k])
        k = 0
        while k < n and starts[k] < first:
            da[k], db[k] = slow(starts[k], ends[k])
            k += 1
        k = n - 1
        while k >= 0 and ends[k] > clen:
            da[k], db[k] = slow(starts[k], ends[k])
            k -= 1
        return da, db

    def _segments(self) -> tuple[list[int], list[int], list[int], list[bool]] | None:
        """The offset map's segments as (clean starts, decoded starts, decoded ends, is run), or
        None when ``to_decoded`` is not the standard ``CleanText``/``OffsetMap`` arithmetic."""
        clean = self._clean
        if clean is None:
            return None
        from ..text.clean import CleanText
        from ..text.offsets import OffsetMap
        omap = getattr(clean, "omap", None)
        if type(clean).to_decoded is not CleanText.to_decoded or not isinstance(omap, OffsetMap) \
                or type(omap).to_decoded is not OffsetMap.to_decoded \
                or type(omap).iter_segments is not OffsetMap.iter_segments:
            return None
        # the segment lists themselves (what iter_segments yields, read without a generator)
        cs, ds, de, rn = omap._cstart, omap._dstart, omap._dend, omap._run
        # (segments are built in clean order; the grouping in _segment_convert relies on it)
        return (cs, ds, de, rn) if cs and cs == sorted(cs) and len(cs) == len(ds) == len(de) == len(rn) else None

    def _batch_to_decoded(self) -> Callable[[int, int], tuple[int, int]]:
        """``to_decoded`` for many spans: the offset map's segments read once into local lists and
        bisected inline (the same arithmetic as ``OffsetMap.start_of``/``end_of``); any span the
        fast path does not cover (empty, out of range, before the first segment) and any map
        that is not the standard ``CleanText``/``OffsetMap`` goes through ``to_decoded`` itself."""
        segs = self._segments()
        if segs is None:
            return self.to_decoded
        cs, ds, de, rn = segs
        first, clen, slow = cs[0], self._clean.omap.clean_len, self.to_decoded
        bis = bisect.bisect_right

        def conv(a: int, b: int) -> tuple[int, int]:
            if not (first <= a < b <= clen):
                return slow(a, b)
            i = bis(cs, a) - 1
            da = ds[i] + (a - cs[i]) if rn[i] else ds[i]
            j = bis(cs, b - 1) - 1
            db = ds[j] + (b - 1 - cs[j]) + 1 if rn[j] else de[j]
            return da, db

        return conv

    def _guess_year(self) -> int | None:
        """Fallback when prepare() gave no report year: the most frequent 4-digit year."""
        return guess_year(self.text)

    def digit_pattern(self, rx: regex.Pattern[str]) -> regex.Pattern[str]:
        """The pattern to scan ``clean_text`` with for ``rx``: its ASCII-digit variant
        (``config.ascii_digit_variant``: the same matches, found several times faster) when
        the clean text holds no decimal digit other than 0-9, else ``rx`` itself."""
        ok = self._ascii_digits
        if ok is None:
            ok = self._ascii_digits = only_ascii_digits(self.clean_text)
        if ok:
            variant = ascii_digit_variant(rx)
            if variant is not None:
                return variant
        return rx

    def sentence_at(self, offset: int) -> Span | None:
        i = bisect.bisect_right(self._sent_starts, offset) - 1
        if 0 <= i < len(self._sent_starts) and self._sent_starts[i] <= offset < max(self._sent_ends[i], offset + 1):
            return self.sentence(i)
        return None

    def sentence_of(self, f: Fact) -> Span | None:
        return self.sentence_at(f.start)

    def facts_in(self, start: int, end: int, kinds: tuple[str, ...] | None = None) -> list[Fact]:
        i = bisect.bisect_left(self._fact_starts, start)
        out = []
        while i < len(self.facts) and self.facts[i].start < end:
            f = self.facts[i]
            if f.end <= end and (kinds is None or f.kind in kinds):
                out.append(f)
            i += 1
        return out

    def of_kind(self, kind: str) -> list[Fact]:
        """The facts of one kind, in order (memoised; do not mutate): the checks that look at
        every percent or count need not walk all the facts each."""
        by_kind = self.memo.get("of_kind")
        if by_kind is None:
            by_kind = self.memo["of_kind"] = {}
            for f in self.facts:
                lst = by_kind.get(f.kind)
                if lst is None:
                    lst = by_kind[f.kind] = []
                lst.append(f)
        return by_kind.get(kind, [])

    def of_kinds(self, kinds: tuple[str, ...]) -> list[Fact]:
        """The facts whose kind is one of ``kinds``, in order (memoised; do not mutate): the
        sentence groups of dates and sums' figures read them without each walking all the facts;
        one kind is ``of_kind``'s own list (``in`` a one-tuple is ``==``)."""
        memo = self.memo.get("of_kinds")
        if memo is None:
            memo = self.memo["of_kinds"] = {}
        got = memo.get(kinds)
        if got is None:
            if type(kinds) is tuple and len(kinds) == 1:
                got = self.of_kind(kinds[0])
            else:
                got = [f for f in self.facts if f.kind in kinds]
            memo[kinds] = got
        return got

    def near_before(self, facts: list[Fact], words: tuple[str, ...], width: int) -> list[int]:
        """The positions k, ascending, of the facts of ``facts`` whose ``width`` characters before
        them, ``text[max(0, f.start - width):f.start]``, hold a whole occurrence of one of
        ``words``; a fact starting outside the text (whose slice clamps or counts from the end)
        is always given. Found from the words' occurrences in the text (memoised per word tuple),
        a few bisects each, instead of a slice and a test per fact: the checks that look for a
        rare cue word before a figure (率, 分别占) ask this first and test only these facts."""
        if not all(words):
            return list(range(len(facts)))   # (an empty word occurs everywhere)
        if not facts:
            return []
        key = ("near_before", words)
        spots = self.memo.get(key)
        if spots is None:
            spots = self.memo[key] = LiteralSpots(word_spans(words, self.text))
        starts = list(map(_START, facts))   # (in C: no Python step per fact)
        lo = list(map(max, itertools.repeat(0), map(operator.sub, starts, itertools.repeat(width))))
        keep = spots.windows_holding(lo, starts)
        n = len(self.text)
        if min(starts) >= 0 and max(starts) <= n:
            return keep
        return sorted({k for k, s in enumerate(starts) if not 0 <= s <= n}.union(keep))

    def last_fact_in(self, start: int, end: int) -> Fact | None:
        """``facts_in(start, end)[-1]`` without building the list: walk back from the last fact
        starting before ``end``."""
        starts, facts = self._fact_starts, self.facts
        k = bisect.bisect_left(starts, end) - 1
        while k >= 0 and starts[k] >= start:
            if facts[k].end <= end:
                return facts[k]
            k -= 1
        return None

    def _ordered_sentences(self) -> bool:
        """Every sentence ending at or after its start and starting at or after the previous one
        ends: s0 <= e0 <= s1 <= e1 <= … (computed once). Then no two sentences overlap and a
        fact starting in a sentence lies in the last sentence starting at or before it (an
        empty sentence holds no fact in either walk of ``fact_groups``). Tested as that
        interleaved list equal to itself sorted: a sort of an ordered list of small ints is one
        pass of C comparisons (~9 M instructions a corpus pass, ~25 M for two ``all(map(…))``)."""
        ok = self.memo.get("ordered_sentences")
        if ok is None:
            st, en = self._sent_starts, self._sent_ends
            bounds = [0] * (2 * len(st))
            bounds[0::2] = st
            bounds[1::2] = en
            ok = self.memo["ordered_sentences"] = bounds == sorted(bounds)
        return ok

    def by_sentence(self, kinds: tuple[str, ...] | None = None) -> list[tuple[Span, list[Fact]]]:
        """Each sentence holding facts (of ``kinds``) with those facts; the caller gets copies."""
        sentence = self.sentence
        return [(sentence(i), list(fs)) for i, fs in self.fact_groups(kinds)]

    def fact_groups(self, kinds: tuple[str, ...] | None = None) -> list[tuple[int, list[Fact]]]:
        """``by_sentence`` as (sentence position, facts), memoised and NOT copied (callers must not
        mutate the lists) and without building the Span objects: the checks that only need the
        facts of each sentence (or its offsets, ``sentence_starts``/``sentence_ends``) use this."""
        cached = self._by_sentence.get(kinds)
        if cached is None:
            facts = self.facts if kinds is None else self.of_kinds(kinds)
            cached = []
            if facts and self._ordered_sentences():
                # sentences in order, none overlapping: a fact can only lie in the sentence holding its
                # start, so walk the facts instead of every sentence
                sstarts, sends = self._sent_starts, self._sent_ends
                bis = bisect.bisect_right
                # facts are sorted by start, so their sentence positions never decrease and each
                # sentence's facts are one run; a fact not ending inside its sentence is left out
                idx = [bis(sstarts, st) - 1 for st in map(_START, facts)]
                for i, run in itertools.groupby(zip(idx, facts), key=_FIRST):
                    if i < 0:
                        continue
                    e = sends[i]
                    fs = [f for _, f in run if f.start < e and f.end <= e]
                    if fs:
                        cached.append((i, fs))
            elif facts:
                starts = [f.start for f in facts]
                n = len(facts)
                for k, s in enumerate(self.sentences):
                    i = bisect.bisect_left(starts, s.start)
                    if i >= n or facts[i].start >= s.end:
                        continue
                    fs = []
                    while i < n and facts[i].start < s.end:
                        if facts[i].end <= s.end:
                            fs.append(facts[i])
                        i += 1
                    if fs:
                        cached.append((k, fs))
            self._by_sentence[kinds] = cached
        return cached

    @property
    def sentence_ends(self) -> list[int]:
        """Decoded end of every sentence, in sentence order (do not mutate)."""
        return self._sent_ends

    def clause_before(self, f: Fact, limit: int = 40) -> str:
        """Text from the previous clause break (or ``limit`` chars) up to the fact; a comma between
        digits (２９，８２１，８２８元) is a thousands separator, not a break. Not memoised: of the
        6.5k calls of a corpus pass 97 % ask for a new (start, limit), and the callers that ask
        again (percent windows, sums' change test) keep their own memo per fact."""
        return self._clause_before(f.start, limit)

    def _clause_before(self, start: int, limit: int) -> str:
        a = max(0, start - limit)
        text = self.text
        # the window is text[a:start]; e is where that slice ends, which is start itself unless
        # start lies outside the text (a hand-made fact: run_checks takes any facts), where the
        # slice clamps (past the end) or counts from the end (negative) and so must e, else the
        # digit test below reads past the text (IndexError: the check crashed) or another window
        e = start
        if not 0 <= start <= len(text):
            e = max(a, min(len(text), start if start >= 0 else start + len(text)))
            if e <= a:
                return ""
        # the last break character of the window, searched backwards in C in the text itself
        # (a character class: the bounds change nothing but where it looks); a comma between
        # two digits of the window (both inside it) is skipped and the search goes on before it
        pos = e
        while True:
            m = _BREAK_REVERSE.search(text, a, pos)
            if m is None:
                return text[a:e]
            i = m.start()
            if text[i] in "，," and a < i < e - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
                pos = i
                continue
            return text[i + 1:e]

    def clause_after(self, f: Fact, limit: int = 30) -> str:
        seg = self.text[f.end:f.end + limit]
        m = CLAUSE_BREAK.search(seg)
        return seg[:m.start()] if m else seg

    def same_clause_chain(self, a: Fact, b: Fact) -> bool:
        """No sentence end or semicolon between the end of ``a`` and the start of ``b``."""
        return _CHAIN_BREAK.search(self.text, a.end, max(a.end, b.start)) is None

    def interval(self, f: Fact) -> Interval | None:
        # memo by fact_id (duplicate facts share the first one's interval); the object's id in
        # front of it spares building the fact_id string again for a fact already asked about
        try:
            return self._iv_of[id(f)]
        except KeyError:
            pass
        key = f.fact_id
        if key not in self._intervals:
            self._intervals[key] = fact_interval(f)
        iv = self._iv_of[id(f)] = self._intervals[key]
        return iv

    def intervals(self, facts: list[Fact]) -> list[Interval] | None:
        """The interval of every fact, or None when any of them has none."""
        ivs = [self.interval(f) for f in facts]
        return None if any(iv is None for iv in ivs) else ivs  # type: ignore[return-value]

    # --- findings -----------------------------------------------------------------------------
    def anomaly(self, code: str, severity: str, message: str, message_en: str, start: int, end: int,
                facts: list[Fact] | None = None, stated: str = "", computed: str = "") -> Anomaly:
        start = max(0, min(start, len(self.text)))
        end = max(start, min(end, len(self.text)))
        return Anomaly(
            doc_id=self.doc_id, code=code, severity=severity, message=message, message_en=message_en,
            start=start, end=end, fact_ids=[f.fact_id for f in (facts or [])], stated=stated,
            computed=computed, source=self.source, check=self.check_name,
            evidence=self.text[start:end],
        )


# a year before 年, without the rule "not after a digit" (a leading look-behind makes the scan
# try every position; led by the year's first digit it skips to the 1s and 2s)
_YEAR_NIAN = re.compile(r"(?:19[5-9]\d|20[0-4]\d)(?=年)")


def guess_year(text: str) -> int | None:
    """The most frequent year in ``text`` written as 19[5-9]d or 20[0-4]d right before 年 and not
    right after a decimal digit: the matches of ``(?<!\\d)(?:19[5-9]\\d|20[0-4]\\d)(?=年)``.
    The look-behind is tested on each candidate's preceding character instead (``isdecimal``
    is what ``re``'s \\d matches); a dropped candidate hides only positions right after one of
    its own digits, which the look-behind rejects anyway, so no year is lost or added."""
    years = Counter(int(m.group()) for m in _YEAR_NIAN.finditer(text)
                    if not (m.start() and text[m.start() - 1].isdecimal()))
    return years.most_common(1)[0][0] if years else None


def _sweep(points: list[int], out: list[int], cs: list[int], ds: list[int], rn: list[bool],
           lo: int, top: int, shift: int, fixed: list[int]) -> None:
    """Map the sorted clean offsets ``points[lo:top]`` into ``out``, one offset-map segment at a
    time: the segment holding ``point - shift`` (0 for starts, 1 for ends), then every point up
    to the segment's end by one bisect. In a run segment a point moves by the segment's
    constant offset; in a replacement segment it becomes ``fixed[segment]`` (the decoded start
    for starts, the decoded end for ends). Segments holding no point cost nothing."""
    bis, bis_r = bisect.bisect_left, bisect.bisect_right
    nseg = len(cs)
    while lo < top:
        i = bis_r(cs, points[lo] - shift) - 1
        hi = bis(points, cs[i + 1] + shift, lo, top) if i + 1 < nseg else top
        if rn[i]:
            off = ds[i] - cs[i]
            if off:   # (out starts as a copy of points: nothing to do for no shift)
                out[lo:hi] = map(off.__add__, points[lo:hi])
        else:
            out[lo:hi] = [fixed[i]] * (hi - lo)
        lo = hi

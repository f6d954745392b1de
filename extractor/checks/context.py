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
import operator
import re
from collections import Counter
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

from ..model import Anomaly, Fact
from .intervals import Interval, fact_interval

SENTENCE_END = re.compile(r"[。！？!?\n]")
CLAUSE_BREAK = re.compile(r"[，,；;：:。！？!?\n]")
ADDITIVE_KINDS = ("money", "count", "quantity")
_START_END = operator.attrgetter("start", "end")


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
        self.facts: list[Fact] = sorted(facts, key=_START_END)
        self._fact_starts = [f.start for f in self.facts]
        self.report_year: int | None = getattr(prepared, "report_year", None) or self._guess_year()
        # sentences as decoded spans: the offsets are converted up front (int lists), the Span
        # objects are built on first use (most checks only need the sentences holding facts)
        self._sentences: list[Span] | None = None
        self.check_name = check_name
        self._intervals: dict[str, Interval | None] = {}
        # per-document memo shared by the checks (clauses, percent roles, sum groups …): every
        # entry depends only on the text and the facts, which stay fixed for the context's life
        self.memo: dict[Any, Any] = {}
        self._clauses: dict[tuple[int, int], str] = {}
        self._by_sentence: dict[tuple[str, ...] | None, list[tuple[Span, list[Fact]]]] = {}
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
        self.memo.pop("disjoint_sentences", None)

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
        sents = list(getattr(self.prepared, "sentences", None) or [])
        if sents:
            conv = self._batch_to_decoded()
            starts: list[int] = []
            ends: list[int] = []
            for s in sents:
                a, b = conv(s.start, s.end)
                starts.append(a)
                ends.append(b)
            self._sent_starts, self._sent_ends, self._sent_src = starts, ends, sents
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

    def _batch_to_decoded(self) -> Callable[[int, int], tuple[int, int]]:
        """``to_decoded`` for many spans: the offset map's segments read once into local lists and
        bisected inline (the same arithmetic as ``OffsetMap.start_of``/``end_of``); any span the
        fast path does not cover (empty, out of range, before the first segment) and any map
        that is not the standard ``CleanText``/``OffsetMap`` goes through ``to_decoded`` itself."""
        clean = self._clean
        if clean is None:
            return self.to_decoded
        from ..text.clean import CleanText
        from ..text.offsets import OffsetMap
        omap = getattr(clean, "omap", None)
        if type(clean).to_decoded is not CleanText.to_decoded or not isinstance(omap, OffsetMap) \
                or type(omap).to_decoded is not OffsetMap.to_decoded \
                or type(omap).iter_segments is not OffsetMap.iter_segments:
            return self.to_decoded
        cs: list[int] = []
        ds: list[int] = []
        de: list[int] = []
        rn: list[bool] = []
        for c0, _c1, d0, d1, run in omap.iter_segments():
            cs.append(c0)
            ds.append(d0)
            de.append(d1)
            rn.append(run)
        if not cs:
            return self.to_decoded
        first, clen, slow = cs[0], omap.clean_len, self.to_decoded
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
        years = Counter(int(m.group()) for m in re.finditer(r"(?<!\d)(?:19[5-9]\d|20[0-4]\d)(?=年)", self.text))
        return years.most_common(1)[0][0] if years else None

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

    def _disjoint_sentences(self) -> bool:
        """Every sentence non-empty, starting after the previous one ends (computed once)."""
        ok = self.memo.get("disjoint_sentences")
        if ok is None:
            st, en = self._sent_starts, self._sent_ends
            ok = all(a < b for a, b in zip(st, en)) and all(e <= s for e, s in zip(en, st[1:]))
            self.memo["disjoint_sentences"] = ok
        return ok

    def by_sentence(self, kinds: tuple[str, ...] | None = None) -> list[tuple[Span, list[Fact]]]:
        cached = self._by_sentence.get(kinds)
        if cached is None:
            facts = self.facts if kinds is None else [f for f in self.facts if f.kind in kinds]
            starts = [f.start for f in facts]
            n = len(facts)
            cached = []
            if n and self._disjoint_sentences():
                # sentences sorted and disjoint: a fact can only lie in the sentence holding its
                # start, so walk the facts instead of every sentence
                sstarts, sends = self._sent_starts, self._sent_ends
                cur = -1
                fs = []
                for f in facts:
                    i = bisect.bisect_right(sstarts, f.start) - 1
                    if i < 0:
                        continue
                    e = sends[i]
                    if not (f.start < e and f.end <= e):
                        continue
                    if i != cur:
                        if fs:
                            cached.append((self.sentence(cur), fs))
                        cur, fs = i, []
                    fs.append(f)
                if fs:
                    cached.append((self.sentence(cur), fs))
            elif n:
                for s in self.sentences:
                    i = bisect.bisect_left(starts, s.start)
                    if i >= n or facts[i].start >= s.end:
                        continue
                    fs = []
                    while i < n and facts[i].start < s.end:
                        if facts[i].end <= s.end:
                            fs.append(facts[i])
                        i += 1
                    if fs:
                        cached.append((s, fs))
            self._by_sentence[kinds] = cached
        return [(s, list(fs)) for s, fs in cached]

    def clause_before(self, f: Fact, limit: int = 40) -> str:
        """Text from the previous clause break (or ``limit`` chars) up to the fact; a comma between
        digits (２９，８２１，８２８元) is a thousands separator, not a break."""
        key = (f.start, limit)
        seg = self._clauses.get(key)
        if seg is None:
            seg = self._clauses[key] = self._clause_before(f.start, limit)
        return seg

    def _clause_before(self, start: int, limit: int) -> str:
        a = max(0, start - limit)
        seg = self.text[a:start]
        for i in range(len(seg) - 1, -1, -1):
            ch = seg[i]
            if ch in "，,":
                left = seg[i - 1] if i > 0 else ""
                right = seg[i + 1] if i + 1 < len(seg) else ""
                if left.isdigit() and right.isdigit():
                    continue
                return seg[i + 1:]
            if ch in "；;：:。！？!?\n":
                return seg[i + 1:]
        return seg

    def clause_after(self, f: Fact, limit: int = 30) -> str:
        seg = self.text[f.end:f.end + limit]
        m = CLAUSE_BREAK.search(seg)
        return seg[:m.start()] if m else seg

    def same_clause_chain(self, a: Fact, b: Fact) -> bool:
        """No sentence end or semicolon between the end of ``a`` and the start of ``b``."""
        return not any(c in self.text[a.end:b.start] for c in "。！？!?\n；;")

    def interval(self, f: Fact) -> Interval | None:
        key = f.fact_id
        if key not in self._intervals:
            self._intervals[key] = fact_interval(f)
        return self._intervals[key]

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

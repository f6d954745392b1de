"""Decoded text → CleanText: the normalised text for matching plus an exact offset map and pages.

Each cleaning step is a *detector* that proposes edits ``(start, end, replacement, kind)`` on the
decoded text; detectors run in priority order and a later edit that overlaps an accepted one is
dropped. The accepted edits and the 1:1 character fold (full-width → half-width) build the clean
text and its :class:`~extractor.text.offsets.OffsetMap` in one pass. Nothing is inserted: the clean
text only loses characters (deletions) or replaces a span by a short string (an entity by its
character, an HTML tag by a line break), so every clean character has an exact decoded origin.

Conversion errors (效劳 for 服务 …) are only counted and offered through ``subject_form``: they
never change the clean text.
"""
from __future__ import annotations

import functools
import html as _html
import math
import unicodedata
from bisect import bisect_right
from collections import Counter
from itertools import accumulate, compress, islice, repeat
from operator import itemgetter, le
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import regex

from ..model import Page
from .offsets import OffsetMap, apply_edits
from .rules import TextRules, conversion_pairs, conversion_trigger, text_rules

Edit = tuple[int, int, str, str]  # start, end, replacement, kind (quality counter)

_SPACES = " \t\u3000\u00a0\r"
_CR = regex.compile(r"\r(?=\n)")
_SENT_END = regex.compile("[。！？；!?;]")
_END_TAG = {n: regex.compile(rf"</{n}\s*>", regex.IGNORECASE) for n in ("script", "style")}
_LOOKAHEAD = 200  # candidates looked at ahead for a better page marker with the same number


@dataclass
class CleanText:
    """The normalised text (``text``) and its exact way back to the decoded text."""

    text: str
    decoded: str
    omap: OffsetMap
    quality: dict[str, int] = field(default_factory=dict)
    edits: list[tuple[int, int, str, str]] = field(default_factory=list, repr=False)
    """The accepted edits on the decoded text: (start, end, replacement, kind), sorted."""
    _page_starts: list[int] = field(default_factory=list)   # clean offsets, ascending
    _page_numbers: list[int] = field(default_factory=list)
    conversions_counted: bool = field(default=False, repr=False)
    """Whether ``quality`` holds the conversion-error count of ``text`` (clean(): none counted
    means no pair matches ``text``, which facts.context uses to skip ``subject_form(text)``)."""

    # --- offsets -------------------------------------------------------------------------------
    def to_decoded(self, start: int, end: int) -> tuple[int, int]:
        """Half-open span in the decoded text: decoded start of clean[start], end of clean[end-1]."""
        return self.omap.to_decoded(start, end)

    def to_clean(self, decoded_offset: int) -> int:
        """Clean offset of the first clean character originating at or after ``decoded_offset``."""
        return self.omap.to_clean(decoded_offset)

    def to_decoded_many(self, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
        """``[to_decoded(a, b) for a, b in spans]`` in one call (a document's facts at once)."""
        return self.omap.to_decoded_many(spans)

    def to_clean_many(self, offsets: Iterable[int]) -> list[int]:
        """``[to_clean(d) for d in offsets]`` in one call."""
        return self.omap.to_clean_many(offsets)

    def pages_at(self, clean_offsets: Iterable[int]) -> list[int | None]:
        """``[page_at(c) for c in clean_offsets]`` in one call."""
        starts, numbers = self._page_starts, self._page_numbers
        if not starts:
            return [None for _c in clean_offsets]
        return [numbers[max(bisect_right(starts, c) - 1, 0)] for c in clean_offsets]

    # --- pages ---------------------------------------------------------------------------------
    def page_at(self, clean_offset: int) -> int | None:
        """Page number of the clean character at ``clean_offset`` (None if the source has no pages)."""
        if not self._page_starts:
            return None
        i = bisect_right(self._page_starts, clean_offset) - 1
        return self._page_numbers[max(i, 0)]

    @property
    def page_count(self) -> int | None:
        if not self._page_numbers:
            return None
        return max(self._page_numbers)

    # --- quality and subjects --------------------------------------------------------------------
    def quality_summary(self) -> str:
        """Short human summary, e.g. ``page_markers=16 conversion_errors=41 entities=2``."""
        q = self.quality
        keys = ("page_markers", "footers", "form_feeds", "html_tags", "entities", "footnotes",
                "line_joins", "markdown", "pinyin_glosses", "traditional_folded", "conversion_errors")
        parts = [f"{k}={q[k]}" for k in keys if q.get(k)]
        return " ".join(parts) if parts else "clean"

    def subject_form(self, s: str) -> str:
        """``s`` with the safe conversion-error fixes applied (电商效劳中心 → 电商服务中心)."""
        return subject_form(s)


def count_conversion_errors(text: str) -> Counter:
    """Hits per pair (``conversion:效劳→服务`` → n) of the safe conversion-error patterns."""
    trig, by_wrong = conversion_trigger()
    conv: Counter = Counter()
    if trig is None:   # an empty lexicon: nothing to count
        return conv
    if len(by_wrong) <= FIND_WORDS_MAX:
        hits = _trigger_hits(text, by_wrong)
    else:   # a big user lexicon: one str.find per word would cost more than the alternation
        hits = [(t.start(), t.group()) for t in trig.finditer(text)]
    for at, wrong in hits:
        for p in by_wrong[wrong]:
            if p.pattern.match(text, at):
                conv[p.key] += 1
                break
    return conv


# up to this many wrong words, each is found by str.find (about 4.4 instructions a character
# per word) rather than by the trigger alternation (about 50 a character whatever their number)
FIND_WORDS_MAX = 10


def _trigger_hits(text: str, words: Iterable[str]) -> list[tuple[int, str]]:
    """``[(t.start(), t.group()) for t in trigger.finditer(text)]`` for the trigger of
    rules.conversion_trigger, the alternation of the (non-empty, distinct) ``words``, longest
    first: at a position it matches the longest word there, and finditer goes on after it.

    Each word is found with str.find (a skip search) and the hits are put in that order: the
    alternation led `re` to test every character of the text against the words' first
    characters, ~50 instructions a character (count_conversion_errors on the corpus's clean
    texts: 137 M instructions a pass with the trigger's finditer, 91 M with the finds)."""
    hits: list[tuple[int, int, str]] = []
    add = hits.append
    find = text.find
    for w in words:
        i = find(w)
        if i == -1:
            continue
        neg = -len(w)
        while i != -1:
            add((i, neg, w))
            i = find(w, i + 1)
    if not hits:
        return []
    hits.sort()      # by position, the longest word first at one position
    out: list[tuple[int, str]] = []
    last = 0
    for i, neg, w in hits:
        if i >= last:
            out.append((i, w))
            last = i - neg
    return out


def subject_form(s: str) -> str:
    for p in conversion_pairs():
        s = p.pattern.sub(p.right, s)
    return s


# ------------------------------------------------------------------------------------------------
# detectors


def _line_start(text: str, p: int) -> int:
    return text.rfind("\n", 0, p) + 1


def _page_markers(text: str, r: TextRules) -> tuple[list[Edit], list[tuple[int, int]]]:
    """The sample's `N、` page markers: deletions and (decoded page start, number)."""
    cands = []
    m0 = r.marker_start.match(text)
    for m in ([m0] if m0 else []) + list(r.marker.finditer(text)):
        n = int(m.group(1))
        p = m.start(1)  # the marker's line start
        ev = False
        if p > 0:
            prev_end = p - 1  # the '\n'
            if prev_end > 0 and text[prev_end - 1] == "\r":
                prev_end -= 1
            ls = _line_start(text, prev_end)
            prev = text[ls:prev_end].rstrip(_SPACES)
            if len(prev) >= r.marker_min_prev and prev[-1] not in r.marker_final:
                ev = True
        e = m.end()
        if r.marker_punct.match(text, e) or r.marker_enum.match(text, e):
            ev = True
        cands.append((n, m, ev))
    # build the running chain 1, 2, 3 … (or 2, 3 … when page 1 has no marker)
    chain = []
    expected = None
    for i, (n, m, ev) in enumerate(cands):
        if expected is None:
            if n not in (1, 2):
                continue
        elif n != expected:
            continue
        if not ev:
            # an evidence-less candidate loses to a later one with the same number and evidence
            later = False
            for j in range(i + 1, min(len(cands), i + 1 + _LOOKAHEAD)):
                n2, _m2, ev2 = cands[j]
                if n2 == n + 1:
                    break
                if n2 == n and ev2:
                    later = True
                    break
            if later:
                continue
        chain.append((n, m, ev))
        expected = n + 1
    if len(chain) < r.marker_min_chain:
        return [], []
    if sum(1 for _n, _m, ev in chain if ev) < r.marker_ratio * len(chain):
        return [], []
    edits: list[Edit] = []
    pages = []
    for n, m, _ev in chain:
        s = m.start(1)
        if s > 0 and text[s - 1] == "\n":
            s -= 1
            if s > 0 and text[s - 1] == "\r":
                s -= 1
        edits.append((s, m.end(), "", "page_markers"))
        pages.append((m.end(), n))
    first = chain[0][0]
    if chain[0][1].start(1) > 0:
        pages.insert(0, (0, max(1, first - 1)))
    return edits, pages


def _footers(text: str, r: TextRules) -> tuple[list[Edit], list[tuple[int, int]]]:
    edits: list[Edit] = []
    pages: list[tuple[int, int]] = []
    for m in scan(r.footer, text, r.footer_trigger):
        num = next(int(g) for g in m.groups() if g is not None)
        edits.append((m.start(), m.end(), "", "footers"))
        pages.append((m.end(), num + 1))
    if pages:
        pages.insert(0, (0, pages[0][1] - 1))
    return edits, pages


def _form_feeds(text: str) -> tuple[list[Edit], list[tuple[int, int]]]:
    edits: list[Edit] = []
    pages = [(0, 1)]
    pos = text.find("\f")
    k = 1
    while pos != -1:
        edits.append((pos, pos + 1, "", "form_feeds"))
        k += 1
        pages.append((pos + 1, k))
        pos = text.find("\f", pos + 1)
    return (edits, pages) if edits else ([], [])


def _entities(text: str, r: TextRules, fold: dict) -> list[Edit]:
    edits: list[Edit] = []
    if ";" not in text:
        return edits
    for m in scan(r.entity, text, r.entity_trigger):
        dec, hexa, name, damaged = m.groups()
        ch = None
        try:
            if dec is not None:
                ch = chr(int(dec))
            elif hexa is not None:
                ch = chr(int(hexa, 16))
            elif name is not None:
                u = _html.unescape(m.group(0))
                ch = u if u != m.group(0) and len(u) == 1 else None
            else:
                c = chr(int(damaged))
                if unicodedata.category(c)[0] in "SPZ":
                    ch = c
        except (ValueError, OverflowError):
            ch = None
        if ch is None or unicodedata.category(ch) in ("Cc", "Cs", "Cn"):
            continue
        if unicodedata.category(ch) == "Cf":   # &#8203; (zero-width …): deleted
            ch = ""
        elif ch.isspace():                      # &nbsp; &#12288; …: a plain space
            ch = " "
        edits.append((m.start(), m.end(), ch.translate(fold), "entities"))
    return edits


def _regex_deletions(text: str, pattern, kind: str, trigger=None) -> list[Edit]:
    if trigger is None:   # every match (as scan() yields them), without the generator
        return [(*m.span(), "", kind) for m in pattern.finditer(text)]
    return [(*m.span(), "", kind) for m in scan(pattern, text, trigger)]


def scan(pattern, text: str, trigger=None):
    """Non-overlapping matches of ``pattern``, tried only where ``trigger`` matches (if given)."""
    if trigger is None:
        yield from pattern.finditer(text)
        return
    last = 0
    at = "at" in trigger.groupindex
    if at:  # the trigger marks positions after a line break: also try the text start
        m = pattern.match(text, 0)
        if m is not None and m.end() > 0:
            yield m
            last = m.end()
    for t in trigger.finditer(text):
        p = t.start("at") if at else t.start()
        if p < last:
            continue
        m = pattern.match(text, p)
        if m is not None and m.end() > m.start():
            yield m
            last = m.end()


def _footnotes(text: str, r: TextRules, at: Iterable[int] | None = None) -> list[Edit]:
    # one pass of the shared trigger; the bracket form is tried first, then the circled one.
    # ``at``: the trigger's positions when already found (it is one character class)
    edits: list[Edit] = []
    last = 0
    bracket, circled = r.fn_bracket, r.fn_circled
    if at is None:
        at = [t.start() for t in r.fn_trigger.finditer(text)]
    for p in at:
        if p < last:
            continue
        m = bracket.match(text, p) or circled.match(text, p)
        if m is not None and m.end() > p:
            edits.append((p, m.end(), "", "footnotes"))
            last = m.end()
    return edits


def _char_deletions(text: str, chars: Sequence[str], kind: str) -> list[Edit]:
    """Runs of the given (rare) characters, found with str.find (C speed), as deletions."""
    pos: list[int] = []
    for c in chars:
        i = text.find(c)
        while i != -1:
            pos.append(i)
            i = text.find(c, i + 1)
    pos.sort()
    return _position_runs(pos, kind)


def _position_runs(pos: list[int], kind: str) -> list[Edit]:
    """Deletions of the runs of adjacent positions (ascending)."""
    edits: list[Edit] = []
    for i in pos:
        if edits and edits[-1][1] == i:
            edits[-1] = (edits[-1][0], i + 1, "", kind)
        else:
            edits.append((i, i + 1, "", kind))
    return edits


def _rare_runs(text: str, r: TextRules) -> tuple[list[str], list[int] | None, list[int] | None,
                                                 list[Edit] | None]:
    """The text split at the runs of rare characters (``text, run, text, …, run, text``), the
    positions of the footnote trigger's and of the zero-width characters, found in the runs
    (rules.rare_split: one scan for the fold and both detectors), and the cjk_spaces deletions.

    With rules.rare_cjk_split the same scan finds the cjk_spaces matches: they are pieces of the
    split too (whitespace only, told by their first character: the fold leaves them as they are
    and they hold no footnote or zero-width character); else the last item is None (clean()
    scans for them). Without rules.rare_split: the text split at the fold's runs, and None for
    the positions (the detectors scan the text)."""
    if r.rare_split is None:
        return r.fold_runs_split.split(text), None, None, None
    merged = r.rare_cjk_split
    parts = (merged or r.rare_split).split(text)
    if len(parts) == 1:
        return parts, [], [], None if merged is None else []
    runs = parts[1::2]
    here: list[int] | None = None
    cjk: list[Edit] | None = None
    if merged is not None:
        spaces = r.cjk_chars
        cjk = []
        if any(run[0] in spaces for run in runs):
            here = list(accumulate(map(len, parts), initial=0))
            cjk = [(here[k], here[k + 1], "", "cjk_spaces")
                   for k in range(1, len(parts), 2) if parts[k][0] in spaces]
            here = here[1::2]
    joined = "".join(runs)
    fn = [m.start() for m in r.fn_trigger.finditer(joined)]
    zw = [m.start() for m in r.zero_width_one.finditer(joined)] if r.zero_width_one else []
    if fn or zw:
        # a position in the joined runs -> in the text: its run's start there and here
        if here is None:
            here = list(accumulate(map(len, parts), initial=0))[1::2]
        there = list(accumulate(map(len, runs), initial=0))

        def at(j: int) -> int:
            k = bisect_right(there, j) - 1
            return here[k] + j - there[k]

        fn, zw = list(map(at, fn)), list(map(at, zw))
    return parts, fn, zw, cjk


def _too_few_tags(text: str, r: TextRules) -> bool:
    """Whether ``text`` has fewer than ``html_min_tags`` tags or fewer than ``html_density``
    per 1000 characters: the tags are counted only up to the number that passes both (an HTML
    file has far more: the scan stops there)."""
    per_k = r.html_density * len(text) / 1000
    if not math.isfinite(per_k):
        n = len(r.html_detect.findall(text))
        return n < r.html_min_tags or n < per_k
    need = max(r.html_min_tags, math.ceil(per_k))   # n >= per_k: n >= ceil(per_k), n an int
    return sum(1 for _m in islice(r.html_detect.finditer(text), max(need, 0))) < need


def _plain_tags(text: str, r: TextRules) -> tuple[list[Edit], int | None]:
    """The edits of the tags before the first comment or script/style element (all of them, in
    most HTML files), and where the tag loop of _html_markup goes on (None: at the end).

    They are found by one split (rules.html_tag_split: text, tag, name, text, ...), their
    replacements looked up and their edits made by C-level maps, not a match object and a few
    calls per tag: up to the first comment or script/style tag the loop only appends each tag
    with its replacement, and split's matches are the loop's (both scan from the end of the
    last match). An empty match (the loop's finditer and split could then part ways) or a rule
    with other groups: nothing here, the loop does all."""
    split = r.html_tag_split
    if split is None:
        return [], 0
    pieces = split.split(text)
    names = pieces[2::3]
    del pieces[2::3]                               # text, tag, text, tag, ..., text
    wholes = pieces[1::2]
    if "" in wholes:
        return [], 0
    k = names.index(None) if None in names else len(names)          # the first comment
    reps = list(map(r.html_reps.get, map(str.lower, names[:k]), repeat("\n")))
    if None in reps:                                                # the first script/style
        k = reps.index(None)
        del reps[k:]
    offs = list(accumulate(map(len, pieces), initial=0))
    starts = offs[1:2 * k:2]
    tags = list(zip(starts, offs[2:2 * k + 1:2], reps, repeat("html_tags")))
    return tags, (offs[2 * k + 1] if k < len(names) else None)


def _html_markup(text: str, r: TextRules) -> list[Edit]:
    if "<" not in text:
        return []
    if _too_few_tags(text, r):
        return []
    tags, pos = _plain_tags(text, r)
    append = tags.append
    closed: dict[str, bool] = {}   # an end marker once not found is never searched again
    reps = r.html_reps
    finditer = r.html_tag.finditer
    # one scanner over the tags (a fresh search per tag cost more than the match); it is
    # restarted only after a comment or a script/style element, whose end is searched for
    while pos is not None:
        start, pos = pos, None
        for m in finditer(text, start):
            name = m.group(1)
            if name is None:                       # `<!--` (a tag always has its name)
                e0 = m.end()
                e = -1 if closed.get("-->") is False else text.find("-->", e0)
                if e == -1:
                    closed["-->"] = False
                    continue                       # go on after `<!--`
                append((m.start(), e + 3, "", "html_tags"))
                pos = e + 3
                break
            name = name.lower()
            rep = reps.get(name, "\n")
            if rep is not None:
                append((*m.span(), rep, "html_tags"))
                continue
            s0, e0 = m.span()                      # script, style
            if text[s0 + 1] == "/":
                append((s0, e0, "\n", "html_tags"))
                continue
            end_tag = _END_TAG[name]
            e = -1
            if closed.get(name) is not False:
                mm = end_tag.search(text, e0)
                e = mm.end() if mm else -1
            if e == -1:
                closed[name] = False
                append((s0, e0, "", "html_tags"))
            else:
                append((s0, e, "", "html_tags"))
                pos = e
                break
    ws = _regex_deletions(text, r.html_ws, "html_whitespace")
    return _merge(tags, ws)


def _display_width(line: str) -> int:
    # CJK and full-width characters take two columns in pdftotext -layout output, as they take
    # two bytes in GB18030 (ASCII one): the encoder counts them at C speed
    return len(line.encode("gb18030", "replace"))


def _display_widths(lines: list[str]) -> list[int]:
    """``[_display_width(ln) for ln in lines]`` with one encoder call: the lines (which hold no
    line break) are encoded joined by line breaks, and GB18030 writes a line break as the byte
    0x0A, which no multi-byte sequence contains (their bytes are 0x30-0x39 and 0x40-0xFE; an
    unencodable character is replaced by one `?`), so the pieces between 0x0A are the lines'."""
    if not lines:
        return []
    return list(map(len, "\n".join(lines).encode("gb18030", "replace").split(b"\n")))


def _line_joins(text: str, r: TextRules, *, bound: bool = True) -> list[Edit]:
    """Delete line breaks inside sentences (hard wraps, continuation lines, fragment lines).

    ``bound``: first tell from the lines' lengths whether the document can be hard-wrapped at
    all (most cannot) before working out the display widths (False: always work them out)."""
    if "\n" not in text:
        return []
    w = r.wrap
    lines = text.split("\n")
    nlines = len(lines)
    # per-line facts with C-level maps (a Python loop per line was most of this detector)
    starts = list(accumulate(map((1).__add__, map(len, lines)), initial=0))
    stripped = list(map(str.rstrip, lines, repeat(_SPACES)))
    spf = _SPACES + "\f"
    # a line has text when something is left of it stripped of spf: of its right-stripped form
    # stripped on the right of spf too (all of it is spf then), which leaves the line as it is
    # (no copy) when it does not end in a form feed; strip() copied every indented line
    has = list(map(bool, map(str.rstrip, stripped, repeat(spf))))
    final = r.wrap_final
    heading = r.wrap_heading
    cont = r.wrap_cont

    table = r.wrap_table

    def mid_sentence(i: int) -> bool:
        # the line ends without sentence punctuation and is not a table row
        s = stripped[i]
        return bool(s.strip(_SPACES)) and s[-1] not in final and not table.search(s)

    def join_edit(i: int) -> Edit:
        # delete trailing spaces of line i, its line break, and leading spaces of line i+1
        s = starts[i] + len(stripped[i])
        e = starts[i + 1]
        nxt = lines[i + 1]
        e += len(nxt) - len(nxt.lstrip(_SPACES))
        # a space only between two words of Latin-script text (not `xx⏎xx` inside Chinese)
        left, right = text[max(0, s - 8):s], text[e:e + 8]
        rep = " " if (left[-1:].isalpha() and right[:1].isalpha() and left.isascii()
                      and right.isascii()) else ""
        return (s, e, rep, "line_joins")

    joins: dict[int, Edit] = {}
    # 1. hard-wrapped documents: the wrap width is the median width of the lines that are
    # followed by a non-indented text line (in a wrapped text most of them are full lines)
    def indented(ln: str) -> bool:
        return ln.lstrip("\f")[:1] in _SPACES

    def content(i: int) -> bool:
        return has[i]

    def page_break(i: int) -> bool:
        return "\f" in lines[i] or bool(r.footer.match(lines[i]))

    nonempty = list(compress(range(nlines), has))
    # lines followed by a text line (a line join needs both)
    pairs = [i for i in nonempty if i + 1 < nlines and has[i + 1]]
    width: dict[int, int] = {}

    def display_width(i: int) -> int:
        d = width.get(i)
        if d is None:
            d = width[i] = _display_width(stripped[i])
        return d

    if len(nonempty) >= int(w["min_lines"]):
        cand = [i for i in pairs if lines[i + 1].lstrip("\f")[:1] not in _SPACES]
        # (the share of continued lines first: it needs no width, and a third of the documents
        # that reach here, paragraphs indented, fail it)
        if cand and len(cand) >= float(w["continued_share"]) * len(nonempty):
            k = min(len(cand) - 1, int(float(w["width_quantile"]) * len(cand)))
            ratio = float(w["full_ratio"])
            min_lines = int(w["min_lines"])
            # the candidates ending mid-sentence: `mids` counts the full ones among them
            mid = [i for i in cand if mid_sentence(i)]
            maybe = len(mid) >= min_lines
            if maybe and bound and ratio >= 0:
                # a width is at least the line's length (GB18030 writes a character as one
                # byte or more): the quantile of the lengths is at most q, so the limit is at
                # least `low`, and the mid-sentence lines at least `low` wide are at least
                # `mids`. Fewer than min_lines of them: not hard-wrapped, whatever the other
                # widths (28 of the corpus's 31 documents here, 99 % of the characters the
                # widths were worked out for, at ~55 instructions a character)
                low = ratio * sorted(map(len, [stripped[i] for i in cand]))[k]
                maybe = sum(1 for d in _display_widths([stripped[i] for i in mid])
                            if d >= low) >= min_lines
            if maybe:
                cw = _display_widths([stripped[i] for i in cand])
                width.update(zip(cand, cw))
                q = sorted(cw)[k]
                limit = ratio * q
                full = [i for i, d in zip(cand, cw) if d >= limit]
                mids = sum(1 for i in mid if width[i] >= limit)
            else:
                mids, full = 0, []
            if mids >= min_lines and mids >= float(w["wrapped_share"]) * len(full):
                for i in nonempty:
                    # a full line is a wrap even when it happens to end a sentence (。): joining
                    # there only drops a line break, the sentence still ends at the 。
                    if (display_width(i) < limit or table.search(stripped[i])
                            or r.footer.match(lines[i])):
                        continue
                    j = i + 1
                    crossed = False
                    while j < nlines and (not content(j) or r.footer.match(lines[j])):
                        crossed = crossed or page_break(j)
                        j += 1
                    if j >= nlines or (j > i + 1 and not crossed and "\f" not in lines[j]):
                        continue
                    nxt = lines[j].lstrip("\f")
                    if (indented(nxt) or heading.match(nxt) or r.footer.match(nxt)
                            or table.search(nxt)):
                        continue
                    s0 = starts[i] + len(stripped[i])
                    e0 = starts[j] + (len(lines[j]) - len(nxt))
                    joins[i] = (s0, e0, "", "line_joins")
    # 2. continuation punctuation at a line start, fragment lines (PM⏎2.5⏎）), an open quote
    # continued after a blank line (OCR: `让政务信息“看⏎⏎得懂、用得上、易监督”。`)
    fmax = int(w["fragment_max"])
    oq, cq = w["open_quote"], w["close_quote"]
    # (only a line with an open quote can qualify: one C-level test per line first)
    for i in [i for i in nonempty if i + 2 < nlines and oq in stripped[i]]:
        if (has[i] and not has[i + 1] and has[i + 2] and i not in joins and mid_sentence(i)
                and stripped[i].count(oq) > stripped[i].count(cq)):
            nxt = lines[i + 2]
            m = _SENT_END.search(nxt)
            if cq in nxt[:m.start() if m else len(nxt)] and nxt[:1] not in _SPACES:
                joins[i] = (starts[i] + len(stripped[i]), starts[i + 2], "", "line_joins")
    for i in pairs:
        if i in joins:
            continue
        nxt = lines[i + 1].lstrip(_SPACES)
        if not nxt:
            continue
        if cont.match(nxt) and not table.search(stripped[i]):
            joins[i] = join_edit(i)
            continue
        frag = nxt.rstrip(_SPACES)
        if (len(frag) <= fmax and mid_sentence(i) and frag.isascii()
                and all(ch.isalnum() or ch in ".%+-" for ch in frag)):
            joins[i] = join_edit(i)
            if i + 2 < nlines:
                after = lines[i + 2].lstrip(_SPACES)
                if after and (cont.match(after) or "\u4e00" <= after[0] <= "\u9fff"):
                    joins[i + 1] = join_edit(i + 1)
    return [joins[i] for i in sorted(joins)]


# ------------------------------------------------------------------------------------------------
# edit merging


def _drop_overlaps(edits: Sequence[Edit]) -> list[Edit]:
    out: list[Edit] = []
    last = -1
    for ed in edits:
        if ed[0] >= last and ed[1] > ed[0]:
            out.append(ed)
            last = ed[1]
    return out


def _split_around(high: Sequence[Edit], low: Iterable[Edit]) -> list[Edit]:
    """Deletions of ``low`` minus the spans of ``high`` (a line join across a removed footer)."""
    starts = [h[0] for h in high]
    out: list[Edit] = []
    for s, e, rep, kind in low:
        if rep:
            out.append((s, e, rep, kind))
            continue
        k = max(bisect_right(starts, s) - 1, 0)
        pos = s
        while k < len(high) and high[k][0] < e:
            hs, he = high[k][0], high[k][1]
            if he > pos:
                if hs > pos:
                    out.append((pos, hs, "", kind))
                pos = max(pos, he)
            k += 1
        if pos < e:
            out.append((pos, e, "", kind))
    return out


def _merge(high: Sequence[Edit], low: Iterable[Edit]) -> list[Edit]:
    """Sorted union of ``high`` and the edits of ``low`` that overlap none of ``high``."""
    hi = list(high)
    j = 0
    n = len(hi)
    keep_low: list[Edit] = []
    keep = keep_low.append
    for ed in low:
        s, e = ed[0], ed[1]
        if e <= s:
            continue
        while j < n and hi[j][1] <= s:
            j += 1
        if j < n and hi[j][0] < e:
            continue
        keep(ed)
    if not keep_low or not hi:
        return _drop_overlaps(hi or keep_low)
    hs = [h[0] for h in hi]
    ls = [k[0] for k in keep_low]
    if all(map(le, hs, hs[1:])) and all(map(le, ls, ls[1:])):
        # both sorted by start (the detectors' order): the merge below is a stable sort of
        # the concatenation, high first on a tie
        return _drop_overlaps(sorted(hi + keep_low, key=_FIRST_ITEM))
    out: list[Edit] = []
    i = k = 0
    while i < n or k < len(keep_low):
        if k >= len(keep_low) or (i < n and hi[i][0] <= keep_low[k][0]):
            out.append(hi[i])
            i += 1
        else:
            out.append(keep_low[k])
            k += 1
    return _drop_overlaps(out)


_FIRST_ITEM = itemgetter(0)


def _add(accepted: list[Edit], low: list[Edit]) -> list[Edit]:
    """``_merge(accepted, low)`` for ``accepted`` sorted and non-overlapping (a ``_merge``
    result): most detectors find nothing in most documents, and merging nothing leaves the
    accepted edits as they are (no pass over them)."""
    return _merge(accepted, low) if low else accepted


# ------------------------------------------------------------------------------------------------


def clean(decoded: str, pages: Sequence[Page] = (), *, count_conversions: bool = True) -> CleanText:
    """Normalise ``decoded`` (the document text) into a :class:`CleanText`."""
    r = text_rules()
    fold = r.fold_table
    # a _merge result already (sorted, non-overlapping, none empty): _merge([], it) would copy it
    html_edits = _html_markup(decoded, r)
    edits = html_edits
    marker_edits, marker_pages = _page_markers(decoded, r)
    edits = _add(edits, marker_edits)
    footer_edits, footer_pages = _footers(decoded, r)
    edits = _add(edits, footer_edits)
    ff_edits, ff_pages = _form_feeds(decoded)
    edits = _add(edits, ff_edits)
    edits = _add(edits, _entities(decoded, r, fold))
    # text, run, text, run, …, text (a run: of rare characters, or a cjk_spaces match)
    parts, fn_at, zw_at, cjk_edits = _rare_runs(decoded, r)
    # runs of rare characters among them (the cjk_spaces matches need no fold)
    nrare = len(parts) // 2 - (len(cjk_edits) if cjk_edits else 0)
    edits = _add(edits, _footnotes(decoded, r, fn_at))
    edits = _add(edits, _char_deletions(decoded, r.zero_width_chars, "zero_width")
                 if zw_at is None else _position_runs(zw_at, "zero_width"))
    edits = _add(edits, _regex_deletions(decoded, r.pinyin, "pinyin_glosses", r.pinyin_trigger))
    if "#" in decoded:
        edits = _add(edits, _regex_deletions(decoded, r.markdown, "markdown", r.markdown_trigger))
    if not html_edits:
        edits = _add(edits, _split_around(edits, _line_joins(decoded, r)))
    if cjk_edits is None:
        cjk_edits = _regex_deletions(decoded, r.cjk_spaces, "cjk_spaces", r.cjk_trigger)
    edits = _add(edits, cjk_edits)
    if "\r" in decoded:  # CRLF / CR line ends: the clean text has bare \n (offsets keep \r\n)
        edits = _add(edits, _regex_deletions(decoded, _CR, "crlf"))

    # fold once over the runs of rare characters (the fold leaves the footnote and zero-width
    # ones as they are, and the cjk_spaces matches among the runs: no fold character is a space
    # there, rules._rare_cjk_split), then cut the edits out of the result
    nfold = ntrad = 0
    folded = decoded
    if nrare:
        runs = parts[1::2]
        joined = "".join(runs)
        nfold = sum(map(len, r.fold_runs.findall(joined)))
        trad = r.traditional_runs   # (the characters one by one: 0.4 ms a corpus pass)
        ntrad = sum(map(len, trad.findall(joined))) if trad is not None else 0
        parts[1::2] = [x.translate(fold) for x in runs]
        folded = "".join(parts)
    text, omap = apply_edits(folded, edits, None)   # (its 4th item, the kind, is not read)
    omap.decoded_len = len(decoded)

    quality: Counter = Counter(map(itemgetter(3), edits))   # per kind, in order of first edit
    quality["fullwidth_folded"] = nfold - ntrad
    quality["traditional_folded"] = ntrad
    if count_conversions:
        conv = count_conversion_errors(text)
        quality.update(conv)
        quality["conversion_errors"] = sum(conv.values())

    ct = CleanText(text=text, decoded=decoded, omap=omap,
                   quality={k: v for k, v in quality.items() if v}, edits=edits,
                   conversions_counted=count_conversions)
    # pages: the sample's markers win, then the container's pages, then form feeds, then footers
    if marker_pages:
        src = marker_pages
    elif pages:
        src = [(p.start, p.number) for p in pages]
    elif ff_pages:
        src = ff_pages
    else:
        src = footer_pages
    starts, numbers = [], []
    for d, num in sorted(src):
        c = omap.to_clean(d)
        if starts and c == starts[-1]:
            numbers[-1] = num
            continue
        starts.append(c)
        numbers.append(num)
    if starts:
        starts[0] = 0
    ct._page_starts, ct._page_numbers = starts, numbers
    return ct

"""Sentences and section paths over the clean text.

A sentence ends after 。！？；!?; (with any closing quotes or brackets), at a line break of the
clean text, and before an enumerator (`一、` `（一）` `1、` `1.` `（1）`) that follows a line start, a
sentence end or whitespace. Headings are thus their own sentences even when they run on mid-line,
as in the sample (`特点。 一、2023年主要工作情况 (一)亮点工作。 1、创客空间成功开园。`).

Section paths: a sentence starting with an enumerator of level k sets level k of the running path
and clears the deeper levels; every sentence carries the path current at its start, e.g.
``一、/（二）/1、`` (parentheses shown full-width, Arabic items as ``N、`` whatever the source used).
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from itertools import accumulate, repeat
from typing import TYPE_CHECKING, NamedTuple

from .rules import ENUM_FIRST, SENTENCE_TRIM, text_rules

if TYPE_CHECKING:
    from .clean import CleanText

_WS = SENTENCE_TRIM


class Sentence(NamedTuple):
    """A sentence of the clean text: half-open clean offsets, section path and page."""

    index: int
    start: int
    end: int
    section: str
    page: int | None


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Half-open (start, end) spans of the sentences of ``text``, whitespace trimmed."""
    return list(zip(*_bounds(text)))


def _bounds(text: str) -> tuple[list[int], list[int]]:
    """The sentences' starts and ends (two lists of ints: no tuple or match object per
    sentence, whose allocations drive the garbage collector's young-generation passes)."""
    starts, ends, _firsts = _spans(text)
    return starts, ends


def _spans(text: str) -> tuple[list[int], list[int], str]:
    """``_bounds`` and the sentences' first characters as one string (``text[s]`` for each
    start ``s``: the scans over them replace scans over the whole text)."""
    r = text_rules()
    # one regex pass; its matches end at their last non-space character already (rules.py).
    # split with the sentence's first character and its rest as groups gives gap, first, rest,
    # gap, ..., gap: the running sum of the pieces' lengths is every piece's start, and the
    # first pieces are the first characters (text[s] for each start s made a string each)
    pieces = r.sentence_split.split(text)
    offs = list(accumulate(map(len, pieces), initial=0))
    starts, ends = offs[1:-1:3], offs[3::3]
    firsts = "".join(pieces[1::3])
    cuts = _inside_cuts(text, starts, ends, firsts)
    if cuts:
        cut_s, ends = _apply_cuts(text, starts, ends, cuts)
        if cut_s is not starts:
            starts = cut_s
            firsts = "".join(map(text.__getitem__, starts))
    return starts, ends, firsts


def _enum_cuts(text: str) -> list[int]:
    """Positions where a heading starts after a sentence end or whitespace (rare), and the end
    of a title run on with the text on the first line. (Those after a line break are not
    looked for: they are never strictly inside a sentence, see _apply_cuts.) The rule's plain
    form: ``_inside_cuts`` finds the ones among them that can be strictly inside a sentence."""
    r = text_rules()
    cuts = []
    enum = r.sent_enum
    if enum.match(text):
        cuts.append(0)
    lead = len(text) - len(text.lstrip(_WS))
    title = r.sent_title.match(text, lead, min(len(text), lead + 200))
    if title is not None:
        cuts.append(title.end())
    # candidates: right after whitespace or a sentence end (the trigger), checked by the rule
    match = enum.match
    cuts.extend(p for p in [t.end() for t in r.sent_enum_trigger.finditer(text)] if match(text, p))
    cuts.sort()
    return cuts


def _inside_cuts(text: str, starts: list[int], ends: list[int], firsts: str) -> list[int]:
    """The cuts of ``_enum_cuts`` that can be strictly inside a sentence (the only ones
    ``_apply_cuts`` makes), without a scan of the whole text for the trigger's class.

    After a sentence end: a sentence holds a sentence end only as its first character (a
    sentence is a non-space character, then no sentence end up to its last one, which may be
    followed by closers, and no closer starts an enumerator: rules.sent_final_at_starts), so
    only sentences that start with one are looked at (found in ``firsts``). After whitespace:
    one literal-led pattern per whitespace character (searched at C speed), the positions
    outside every sentence dropped before the rule is tried."""
    r = text_rules()
    if not r.sent_final_at_starts:
        return _enum_cuts(text)
    match = r.sent_enum.match
    cuts = []
    lead = len(text) - len(text.lstrip(_WS))
    title = r.sent_title.match(text, lead, min(len(text), lead + 200))
    if title is not None:
        cuts.append(title.end())
    first = _FIRST
    for m in r.sent_final_re.finditer(firsts):
        i = m.start()
        p = starts[i] + 1
        if p < ends[i] and text[p] in first and match(text, p):
            cuts.append(p)
    for pat in r.sent_enum_ws:
        for t in pat.finditer(text):
            p = t.end()
            i = bisect_right(starts, p) - 1
            if i >= 0 and starts[i] < p < ends[i] and match(text, p):
                cuts.append(p)
    cuts.sort()
    return cuts


def _apply_cuts(text: str, starts: list[int], ends: list[int],
                cuts: list[int]) -> tuple[list[int], list[int]]:
    """Split the spans at the cuts strictly inside them (each piece whitespace trimmed)."""
    inside: dict[int, list[int]] = {}
    for c in cuts:
        i = bisect_right(starts, c) - 1
        if i >= 0 and starts[i] < c < ends[i]:
            inside.setdefault(i, []).append(c)
    if not inside:
        return starts, ends
    ws = _WS
    out_s: list[int] = []
    out_e: list[int] = []
    prev = 0
    for i in sorted(inside):
        out_s.extend(starts[prev:i])
        out_e.extend(ends[prev:i])
        s, e = starts[i], ends[i]
        for c in inside[i]:
            ce = c
            while ce > s and text[ce - 1] in ws:
                ce -= 1
            if ce > s:
                out_s.append(s)
                out_e.append(ce)
            s = c
            while s < e and text[s] in ws:
                s += 1
        if e > s:
            out_s.append(s)
            out_e.append(e)
        prev = i + 1
    out_s.extend(starts[prev:])
    out_e.extend(ends[prev:])
    return out_s, out_e


def heading_level(text: str, start: int) -> tuple[int, str, str] | None:
    """(level, path label, number) when the sentence at ``start`` opens with an enumerator."""
    m = text_rules().section_any.match(text, start)
    return None if m is None else _heading_of(m)


def _heading_of(m) -> tuple[int, str, str]:
    """(level, path label, number) of a match of the rules' ``section_any``."""
    name = m.lastgroup
    k = int(name[1:])
    num = m.group(m.re.groupindex[name] + 1)
    return k, text_rules().section_levels[k][2].format(n=num), num


def heading_match():
    """``match(text, start)``: not None exactly where :func:`heading_level` is not None (for a
    loop over many sentences that only asks whether one opens with an enumerator: no call of
    ours, no label built per sentence)."""
    return text_rules().section_any.match


_FIRST = frozenset(ENUM_FIRST)
# the first characters of a heading (any level), for one scan over the sentences' first characters
_FIRST_RE = re.compile("[" + re.escape("".join(sorted(_FIRST))) + "]")
_new = tuple.__new__


def split_sentences(clean: CleanText) -> list[Sentence]:
    return _split(clean)[0]


def _split(clean: CleanText) -> tuple[list[Sentence], list[int], list[int]]:
    """The sentences, their starts and their ends.

    Only two kinds of sentence need a look of their own: one that starts with a heading's first
    character (it may set the section path) and, while an Arabic item is current, one with a `、`
    after its first character (a glued next item number may split it). They are found with C-speed
    scans; every other sentence takes the current section path and its page from one sweep.
    """
    text = clean.text
    starts, ends, firsts = _spans(text)
    if not starts:
        return [], [], []
    r = text_rules()
    nlev = len(r.section_levels)
    path: list[str] = [""] * nlev
    nums: list[str] = [""] * nlev
    current = ""
    first = _FIRST
    glued, gl = r.glued_enum, r.glued_level
    is_heading = r.section_any.match
    find = text.find
    heads = [m.start() for m in _FIRST_RE.finditer(firsts)]
    heads.append(len(starts))
    n = len(starts)
    # the spans are the sentences but for the ones a glued item number splits: the output
    # lists are made (copies of the spans up to there) at the first split only; the sections
    # are kept as the output indexes where a heading sets one
    out_s: list[int] | None = None
    out_e: list[int] = []
    copied = 0    # spans[:copied] are in the output lists (when made)
    extra = 0     # pieces the splits added so far: output index = span index + extra
    marks: list[tuple[int, str]] = []
    prev = 0      # first span not yet looked at
    hi = 0
    while True:
        h = heads[hi]
        g = h
        if nums[gl] and prev < h:
            # the first span in prev..h-1 with a `、` after its first character
            lo, pos, stop = prev, starts[prev] + 1, ends[h - 1]
            while True:
                q = find("、", pos, stop)
                if q == -1:
                    break
                j = bisect_right(starts, q, lo, h) - 1
                if q < ends[j]:
                    if q > starts[j]:
                        g = j
                        break
                    lo, pos = j, q + 1
                else:
                    lo = j + 1
                    if lo >= h:
                        break
                    pos = starts[lo] + 1
        if g == n:
            break
        s, e = starts[g], ends[g]
        pieces: list[tuple[int, int]] = []
        while True:
            end = e
            if nums[gl] and find("、", s + 1, e) > 0:
                # a glued next item number (`出彩4、商贸工作。`) splits the sentence
                want = str(int(nums[gl]) + 1)
                for m in glued.finditer(text, s + 1, e):
                    if m.group(1) == want:
                        end = m.start()
                        break
            if text[s] in first:
                hm = is_heading(text, s)
                if hm is not None:
                    k, label, num = _heading_of(hm)
                    path[k] = label
                    nums[k] = num
                    for j in range(k + 1, nlev):
                        path[j] = ""
                        nums[j] = ""
                    current = "/".join(p for p in path if p)
                    marks.append((g + extra + len(pieces), current))
            if end == e:
                break
            pieces.append((s, end))
            s = end
        if pieces:
            pieces.append((s, e))
            if out_s is None:
                out_s, out_e = starts[:g], ends[:g]
            else:
                out_s.extend(starts[copied:g])
                out_e.extend(ends[copied:g])
            for a, b in pieces:
                out_s.append(a)
                out_e.append(b)
            copied = g + 1
            extra += len(pieces) - 1
        prev = g + 1
        if g == h:
            hi += 1
    if out_s is None:
        S, E = starts, ends
    else:
        out_s.extend(starts[copied:])
        out_e.extend(ends[copied:])
        S, E = out_s, out_e
    SEC: list[str] = []
    at, sec = 0, ""
    for k, label in marks:
        SEC.extend(repeat(sec, k - at))
        at, sec = k, label
    SEC.extend(repeat(sec, len(S) - at))
    # pages: one sweep over the page starts (the page of a sentence is that of its start)
    pstarts, pnums = clean._page_starts, clean._page_numbers
    if pstarts:
        pages: list = []
        done = 0
        for k in range(1, len(pstarts)):
            b = bisect_left(S, pstarts[k], done)
            pages.extend(repeat(pnums[k - 1], b - done))
            done = b
        pages.extend(repeat(pnums[-1], len(S) - done))
    else:
        pages = repeat(None)
    return list(map(_new, repeat(Sentence), zip(range(len(S)), S, E, SEC, pages))), S, E

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

from typing import TYPE_CHECKING, NamedTuple

from .rules import text_rules

if TYPE_CHECKING:
    from .clean import CleanText

_WS = " \t\r\n\u3000\u00a0\f\v"


class Sentence(NamedTuple):
    """A sentence of the clean text: half-open clean offsets, section path and page."""

    index: int
    start: int
    end: int
    section: str
    page: int | None


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Half-open (start, end) spans of the sentences of ``text``, whitespace trimmed."""
    r = text_rules()
    # enumerator cuts (rare): positions where a heading starts after a line start, a sentence end
    # or whitespace
    cuts = []
    enum = r.sent_enum
    if enum.match(text):
        cuts.append(0)
    lead = 0
    while lead < len(text) and text[lead] in _WS:
        lead += 1
    title = r.sent_title.match(text, lead, min(len(text), lead + 200))
    if title is not None:
        cuts.append(title.end())
    # candidates: right after whitespace or a sentence end (the trigger), checked by the rule
    for t in r.sent_enum_trigger.finditer(text):
        p = t.end()
        if enum.match(text, p):
            cuts.append(p)
    cuts.sort()
    spans = []
    ncut = len(cuts)
    k = 0
    ws = _WS
    for m in r.sentence.finditer(text):
        s, e = m.span()
        while k < ncut and cuts[k] <= s:
            k += 1
        while k < ncut and cuts[k] < e:
            c = cuts[k]
            ce = c
            while ce > s and text[ce - 1] in ws:
                ce -= 1
            if ce > s:
                spans.append((s, ce))
            s = c
            while s < e and text[s] in ws:
                s += 1
            k += 1
        if text[e - 1] in ws:
            while e > s and text[e - 1] in ws:
                e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def heading_level(text: str, start: int) -> tuple[int, str, str] | None:
    """(level, path label, number) when the sentence at ``start`` opens with an enumerator."""
    r = text_rules()
    m = r.section_any.match(text, start)
    if m is None:
        return None
    name = m.lastgroup
    k = int(name[1:])
    num = m.group(m.re.groupindex[name] + 1)
    return k, r.section_levels[k][2].format(n=num), num


_FIRST = frozenset("一二三四五六七八九十（(0123456789")


def split_sentences(clean: CleanText) -> list[Sentence]:
    text = clean.text
    r = text_rules()
    nlev = len(r.section_levels)
    path: list[str] = [""] * nlev
    nums: list[str] = [""] * nlev
    current = ""
    out: list[Sentence] = []
    append = out.append
    pstarts, pnums = clean._page_starts, clean._page_numbers
    npages = len(pstarts)
    pi = 0
    page = pnums[0] if npages else None
    first = _FIRST
    glued, gl = r.glued_enum, r.glued_level
    find = text.find
    idx = 0
    for s, e in sentence_spans(text):
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
                h = heading_level(text, s)
                if h is not None:
                    k, label, num = h
                    path[k] = label
                    nums[k] = num
                    for j in range(k + 1, nlev):
                        path[j] = ""
                        nums[j] = ""
                    current = "/".join(p for p in path if p)
            if npages:
                while pi + 1 < npages and pstarts[pi + 1] <= s:
                    pi += 1
                page = pnums[pi]
            append(Sentence(idx, s, end, current, page))
            idx += 1
            if end == e:
                break
            s = end
    return out

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

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .rules import text_rules

if TYPE_CHECKING:
    from .clean import CleanText

_WS = " \t\r\n\u3000\u00a0\f\v"


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of the clean text: half-open clean offsets, section path and page."""

    index: int
    start: int
    end: int
    section: str
    page: int | None


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Half-open (start, end) spans of the sentences of ``text``, whitespace trimmed."""
    r = text_rules()
    cuts = [0]
    for m in r.sent_split.finditer(text):
        if m.group() == "\n":
            cuts.append(m.start())
            cuts.append(m.end())
        else:
            cuts.append(m.end())
    after = r.sent_enum_after
    final = r.sent_final
    for m in r.sent_enum.finditer(text):
        p = m.start()
        q = p
        while q > 0 and text[q - 1] in after:
            q -= 1
        if q == 0 or text[q - 1] == "\n" or text[q - 1] in final or q < p:
            cuts.append(p)
    cuts.append(len(text))
    cuts.sort()
    spans = []
    prev = 0
    for c in cuts[1:]:
        if c <= prev:
            continue
        s, e = prev, c
        prev = c
        while s < e and text[s] in _WS:
            s += 1
        while e > s and text[e - 1] in _WS:
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def heading_level(text: str, start: int) -> tuple[int, str] | None:
    """(level, path label) when the sentence at ``start`` opens with an enumerator."""
    r = text_rules()
    for k, (_name, pat, label) in enumerate(r.section_levels):
        m = pat.match(text, start)
        if m:
            return k, label.format(n=m.group(1))
    return None


_FIRST = frozenset("一二三四五六七八九十（(0123456789")


def split_sentences(clean: CleanText) -> list[Sentence]:
    text = clean.text
    r = text_rules()
    nlev = len(r.section_levels)
    path: list[str] = [""] * nlev
    current = ""
    out: list[Sentence] = []
    for i, (s, e) in enumerate(sentence_spans(text)):
        if text[s] in _FIRST:
            h = heading_level(text, s)
            if h is not None:
                k, label = h
                path[k] = label
                for j in range(k + 1, nlev):
                    path[j] = ""
                current = "/".join(p for p in path if p)
        out.append(Sentence(i, s, e, current, clean.page_at(s)))
    return out

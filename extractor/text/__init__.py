"""Document → Prepared: clean text with an exact offset map, pages, sentences, words, spaCy Docs.

Public API (see /work/team.md section 2)::

    prepared = prepare(doc, report_year=None)
    prepared.clean.text                 # normalised text for matching
    prepared.clean.to_decoded(a, b)     # exact half-open span in doc.text
    prepared.clean.page_at(a)           # page number or None
    prepared.sentences                  # [Sentence(index, start, end, section, page)]
    prepared.words(a, b)                # jieba words of clean.text[a:b], clean offsets, cached
    prepared.spacy_doc(i, protected)    # spaCy Doc of sentence i, protected spans kept whole

Decisions (details and thresholds in rules/text.yaml):
- Folding is 1:1: full-width digits, letters and ．％＋－／～… become ASCII; the clause punctuation
  ，；：（）！？ and 、。 stay as written, so `1,234` (a figure) and `1，234` (two) stay apart.
  Whitespace (U+3000, NBSP) is not folded; it is whitespace for a regex `\\s` already.
- Deleted from the clean text: the sample's `N、` page markers with the line break before them,
  page footers and form feeds, zero-width characters, footnote markers glued to words or figures,
  pinyin glosses of the 繁体拼音乱码 files, hard line wraps, CR of CRLF, spaces between CJK and
  digits. Replaced: HTML entities (incl. the sample's damaged `X9642;`) by their character, HTML
  tags in a text file by a line break / space. Never inserted, never reordered.
- Conversion errors (效劳 for 服务 …) are counted in ``clean.quality`` and fixed only in
  ``clean.subject_form(s)``; the clean text keeps them.
- Pages: the sample's markers, else the container's pages (``doc.pages``), else form feeds, else
  `-N-` footers; None when the source has no pages.
- ``report_year``: the explicit argument, else :func:`infer_report_year` (see year.py: a
  政府工作报告 titled Y has report year Y; `去年` is then Y−1).
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Iterable

from ..model import Document
from ..rulefiles import follow_rules_dir
from .clean import CleanText, clean, subject_form
from .segment import Sentence, _split
from .words import build_doc, cut_words
from .year import infer_report_year, report_kind

__all__ = ["prepare", "Prepared", "CleanText", "Sentence", "clean", "clean_text",
           "infer_report_year", "report_kind", "subject_form"]


@dataclass
class Prepared:
    """Everything the facts and checks layers read about one document."""

    doc: Document
    clean: CleanText
    sentences: list[Sentence]
    report_year: int | None
    page_count: int | None
    _words: dict = field(default_factory=dict, repr=False)
    _starts: list | None = field(default=None, repr=False)
    _starts_of: list | None = field(default=None, repr=False, compare=False)  # whose starts
    _ends: list | None = field(default=None, repr=False, compare=False)   # the sentences' ends
    # the sentences the starts and ends were taken from, as a copy: an in-place edit of the list
    # (same length, an item replaced) is seen by one C comparison, not missed as by `is`
    _bounds_of: list | None = field(default=None, repr=False, compare=False)

    def words(self, start: int, end: int) -> list[tuple[str, int, int]]:
        """jieba words of ``clean.text[start:end]`` as (word, start, end) in clean offsets (cached).

        Only the requested span is segmented; nothing is segmented eagerly.
        """
        key = (start, end)
        got = self._words.get(key)
        if got is None:
            got = cut_words(self.clean.text[start:end], start)
            self._words[key] = got
        return got

    def sentence_at(self, clean_offset: int) -> Sentence | None:
        """The sentence containing ``clean_offset`` (None between sentences)."""
        starts = self._starts
        if starts is None or self._starts_of is not self.sentences:
            starts = self._sentence_starts()
        i = bisect_right(starts, clean_offset) - 1
        if i >= 0:
            s = self.sentences[i]
            if s.start <= clean_offset < s.end:
                return s
        return None

    def _sentence_starts(self) -> list[int]:
        """The sentences' starts, ascending (recomputed if ``sentences`` was replaced)."""
        sents = self.sentences
        if self._starts is None or self._starts_of is not sents or len(self._starts) != len(sents):
            self._starts = [x.start for x in sents]
            self._starts_of = sents
            self._ends = None
        return self._starts

    def _sentence_bounds(self) -> tuple[list[int], list[int]]:
        """The sentences' starts and ends (recomputed if ``sentences`` was replaced or edited in
        place); the checks' context reads both instead of two attribute reads of every sentence
        (it read them fresh before, so an edited list must not give the old bounds)."""
        sents = self.sentences
        starts, ends = self._starts, self._ends
        if starts is None or ends is None or self._bounds_of != sents:
            self._starts = starts = [x.start for x in sents]
            self._ends = ends = [x.end for x in sents]
            self._starts_of = sents
            self._bounds_of = list(sents)
        return starts, ends

    def spacy_doc(self, sentence_index: int, protected: Iterable[tuple[int, int]] = ()):
        """spaCy Doc of one sentence from its jieba words; each protected clean span is one token.

        ``doc.text == clean.text[sentence.start:sentence.end]``; a token's clean offset is
        ``sentence.start + token.idx`` (also ``doc.user_data["clean_start"] + token.idx``).
        """
        s = self.sentences[sentence_index]
        return build_doc(self.clean.text[s.start:s.end], s.start, self.words(s.start, s.end),
                         protected)


def prepare(doc: Document, *, report_year: int | None = None) -> Prepared:
    """Clean, page and split ``doc``; an explicit ``report_year`` wins over the inferred one."""
    follow_rules_dir()
    ct = clean(doc.text, doc.pages)
    sentences, starts, ends = _split(ct)
    year = report_year if report_year is not None else infer_report_year(ct.text)
    return Prepared(doc=doc, clean=ct, sentences=sentences, report_year=year,
                    page_count=ct.page_count, _starts=starts, _starts_of=sentences, _ends=ends,
                    _bounds_of=list(sentences))


def clean_text(text: str) -> CleanText:
    """Clean a bare string (no container pages); convenient for tests and rule examples."""
    follow_rules_dir()
    return clean(text)

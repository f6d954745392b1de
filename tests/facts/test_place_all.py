"""facts._place_all (sentence, section, page of every fact, the sentences bisected in one C map)
equals the per-fact bisect it replaced, on the corpus's facts and on offsets before the first
sentence, between sentences and past the text."""
from __future__ import annotations

from bisect import bisect_right

import extractor.facts as facts_mod
from extractor.model import Fact


def _reference(facts, clean_starts, prepared):
    sents = prepared.sentences
    starts = [s.start for s in sents]
    clean = prepared.clean
    has_text = bool(clean.text)
    for f, cs in zip(facts, clean_starts):
        page = clean.page_at(cs)
        i = bisect_right(starts, cs) - 1
        if i >= 0:
            s = sents[i]
            f.sentence = s.index
            f.section = f.section or (s.section or "")
            f.page = page if page is not None else s.page
        else:
            f.page = page if has_text else None


def _fields(facts):
    return [(f.sentence, f.section, f.page) for f in facts]


def _compare(prepared, clean_starts):
    a = [Fact("d", "count", "", c, c + 1, section="x/" if k % 3 == 0 else "")
         for k, c in enumerate(clean_starts)]
    b = [Fact("d", "count", "", c, c + 1, section="x/" if k % 3 == 0 else "")
         for k, c in enumerate(clean_starts)]
    facts_mod._place_all(a, clean_starts, prepared)
    _reference(b, clean_starts, prepared)
    assert _fields(a) == _fields(b)


def test_place_all_equals_per_fact_bisect(corpus_files, sample_path):
    from extractor.reading import read
    from extractor.text import prepare

    for path in [sample_path, *corpus_files[:40]]:
        prepared = prepare(read(path))
        n = len(prepared.clean.text)
        offsets = list(range(0, n + 3, 7)) + [s.start for s in prepared.sentences]
        offsets += [s.start - 1 for s in prepared.sentences if s.start]
        _compare(prepared, offsets)


def test_place_all_before_the_first_sentence_and_on_an_empty_text():
    from extractor.facts import prepare_text

    p = prepare_text("\n\n  前言。2023年收入12万元。")
    _compare(p, [0, 1, 2, 5, 10, 40])
    _compare(prepare_text(""), [0, 3])

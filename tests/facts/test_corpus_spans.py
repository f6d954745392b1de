"""Every file of the shared corpus and the sample: no crash, exact spans, sorted facts."""
from __future__ import annotations

import time

from extractor.facts import extract_facts
from extractor.reading import read
from extractor.text import prepare


def _check(doc):
    facts = extract_facts(prepare(doc))
    for f in facts:
        assert doc.text[f.start:f.end] == f.text, (doc.source, f)
        assert f.doc_id == doc.doc_id
    assert [f.start for f in facts] == sorted(f.start for f in facts)
    return facts


def test_sample_spans_and_counts(sample_path):
    facts = _check(read(sample_path))
    kinds = {k: sum(1 for f in facts if f.kind == k) for k in ("money", "percent", "count", "quantity")}
    # the sample's 18 money figures (incl. 近40万 without 元 and the corrupted 近2023万余元)
    assert kinds["money"] == 18
    assert kinds["percent"] == 5
    assert kinds["quantity"] == 17


def test_every_corpus_file(corpus_files):
    t0 = time.perf_counter()
    n = 0
    for path in corpus_files:
        n += len(_check(read(path)))
    assert n > 10000
    assert time.perf_counter() - t0 < 60


def test_a_fact_carries_its_own_page_when_a_marker_cuts_its_sentence(sample_path):
    """In the sample, 1200万元 ends page 1 and 650万元 follows the page marker 2、 mid-sentence."""
    from extractor.reading import read
    from extractor.facts import extract_facts
    from extractor.text import prepare

    prepared = prepare(read(sample_path))
    by_text = {f.text: f for f in extract_facts(prepared)}
    assert by_text["1200万元"].page == 1
    assert by_text["650万元"].page == 2
    assert by_text["8月16日"].page == 2
    assert by_text["1200万元"].sentence == by_text["650万元"].sentence

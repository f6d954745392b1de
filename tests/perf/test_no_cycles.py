"""A document's objects are freed when ``analyse`` returns, by reference counting alone.

An object of one document that ends up in a reference cycle (a bound method stored on its own
instance, a closure that holds itself) keeps everything it reaches (the prepared text, its
sentences, offset maps and word cache: hundreds of objects a document) alive until the garbage
collector finds the cycle, so every young collection on the way walks them again and promotes
them; no cycle, and the collector only ever sees the objects of the document at hand.
"""
from __future__ import annotations

import gc
from collections import Counter

from extractor.facts import document_from_text
from extractor.pipeline import analyse
from extractor.reading import read
from extractor.table import anomaly_columns, fact_columns


def _cyclic_garbage(fn) -> Counter:
    """The types of the objects that ``fn()`` leaves in reference cycles (found with the
    collector off during the call: nothing is collected before the count)."""
    fn()                      # warm: the first call loads rules and dictionaries (kept for good)
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        fn()
        gc.collect()
        found = Counter(type(o).__qualname__ for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()
    return found


def _texts(sample_path, corpus_files) -> list:
    docs = [read(sample_path)] + [read(p) for p in corpus_files[::10]]
    text = docs[1].text
    docs += [document_from_text(t, source=f"<{i}>") for i, t in enumerate((
        "",                                           # nothing at all
        "没有任何数字的一句话。",
        text.replace("。", ""),                        # one long sentence
        text[: len(text) // 3] + "\f" + text[len(text) // 3:],   # a page break
        "<html><body><p>营业收入1,200万元，同比增长7.5%。</p></body></html>",
        "2023年1月至9月，完成投资1200万元，占全年计划的75%，较上年同期增长3个百分点。"))]
    return docs


def test_analyse_leaves_no_reference_cycle(sample_path, corpus_files):
    docs = _texts(sample_path, corpus_files)

    def run():
        for d in docs:
            r = analyse(d)
            fact_columns(r.facts)
            anomaly_columns(r.anomalies)

    found = _cyclic_garbage(run)
    assert not found, found.most_common(10)

"""The spaCy component puts the facts on doc.spans["facts"] with the Fact attached."""
from __future__ import annotations

from decimal import Decimal

import pytest

spacy = pytest.importorskip("spacy")

import extractor.facts.spacy_component  # noqa: E402,F401  (registers the factory)


def test_component_on_a_blank_chinese_pipeline():
    nlp = spacy.blank("zh")
    nlp.add_pipe("extractor_facts", config={"report_year": 2023})
    doc = nlp("工程完成投资1200万元，同比增长7.5%，目前已引进企业35家。")
    got = [(s.text, s.label_, s._.fact.value, s._.fact.unit) for s in doc.spans["facts"]]
    assert got == [("1200万元", "money", Decimal("12000000"), "CNY"),
                   ("7.5%", "percent", Decimal("7.5"), "%"),
                   ("35家", "count", Decimal("35"), "家")]


def test_component_on_a_prepared_sentence_doc():
    from extractor.facts import prepare_text
    prepared = prepare_text("全年共接待客商40余批300余人次，洽谈工程8个。", 2023)
    doc = prepared.spacy_doc(0)
    nlp = spacy.blank("zh")
    comp = nlp.add_pipe("extractor_facts", config={"spans_key": "figures"})
    doc = comp(doc)
    assert [(s.text, s.label_) for s in doc.spans["figures"]] == [
        ("40余批", "count"), ("300余人次", "count"), ("8个", "count")]
    assert doc.spans["figures"][1]._.fact.value_high == Decimal(400)

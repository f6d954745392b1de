"""Every example and counter-example in rules/text.yaml and rules/lexicons/conversion_errors.yaml,
run through the real cleaner / sentence splitter / subject_form (rules are data; their examples
are tests)."""
from __future__ import annotations

import pytest

from extractor.rulefiles import load_yaml
from extractor.text import clean_text, subject_form
from extractor.text.segment import split_sentences

TEXT = load_yaml("text.yaml")
CONV = load_yaml("lexicons/conversion_errors.yaml")

CLEAN_CASES = []
for section, body in TEXT.items():
    if not isinstance(body, dict):
        continue
    for ex in body.get("examples", []) or []:
        if "out" in ex:
            CLEAN_CASES.append(pytest.param(ex["in"], ex["out"], id=f"{section}-ex"))
    for ex in body.get("counter_examples", []) or []:
        CLEAN_CASES.append(pytest.param(ex["in"], ex.get("out", ex["in"]), id=f"{section}-counter"))


@pytest.mark.parametrize("raw,expected", CLEAN_CASES)
def test_cleaning_example(raw: str, expected: str) -> None:
    ct = clean_text(raw)
    assert ct.text == expected
    # and the map is exact on every character of the example
    for i in range(len(ct.text)):
        a, b = ct.to_decoded(i, i + 1)
        assert 0 <= a < b <= len(raw)


@pytest.mark.parametrize("ex", TEXT["sections"]["examples"])
def test_section_example(ex: dict) -> None:
    ct = clean_text(ex["in"])
    sents = split_sentences(ct)
    assert [s.section for s in sents] == ex["sections"]
    if "sentences" in ex:
        assert [ct.text[s.start:s.end] for s in sents] == ex["sentences"]


CONV_CASES = [pytest.param(e["in"], e["out"], id=f"{p['wrong']}-{e['in']}")
              for p in CONV["pairs"] for e in p.get("examples", [])]
CONV_COUNTER = [pytest.param(c, id=f"{p['wrong']}-counter-{c}")
                for p in CONV["pairs"] for c in p.get("counter_examples", [])]


@pytest.mark.parametrize("raw,expected", CONV_CASES)
def test_conversion_example(raw: str, expected: str) -> None:
    assert subject_form(raw) == expected
    ct = clean_text(raw)
    assert ct.text == raw  # conversion errors never change the clean text
    assert ct.quality.get("conversion_errors", 0) >= 1


@pytest.mark.parametrize("raw", CONV_COUNTER)
def test_conversion_counter_example(raw: str) -> None:
    assert subject_form(raw) == raw
    assert clean_text(raw).quality.get("conversion_errors", 0) == 0


def test_no_conversion_errors_in_the_real_corpus(corpus_prepared) -> None:
    """The 101 real reports were not converted by Word: the safe patterns find nothing there
    (the sample, which was, has 41 hits)."""
    hits = {path.name: prep.clean.quality.get("conversion_errors", 0)
            for path, prep in corpus_prepared}
    assert sum(hits.values()) == 0, {k: v for k, v in hits.items() if v}

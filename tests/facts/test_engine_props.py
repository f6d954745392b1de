"""Properties of the number engine on arbitrary text: no crash, spans in bounds, sorted,
non-overlapping, exact values whose interval contains them."""
from __future__ import annotations

from hypothesis import example, given, settings, strategies as st

from extractor.facts.engine import find_number_facts
from extractor.facts.ruleset import load_ruleset

ALPHABET = list("0123456789.,，%％-—~到至与和之间约近余多以上下左右万亿千百十一二两三五九零〇"
                "元美港块角分个家人次起亩吨千米伏瓦倍成百分之点第年月日，。、；“”（）GgkwAB 李四民币")


# random text over this alphabet often holds no figure, so the loop below could pass without a
# single fact: the explicit example (about, exact, at_least and range forms) always exercises it
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60))
@example("约400余人，增长7.5%，投资1200万元以上，三到五个")
def test_engine_never_crashes_and_spans_are_sane(text):
    rs = load_ruleset()
    facts = find_number_facts(text, rs)
    last_end = 0
    for f in facts:
        assert 0 <= f.start < f.end <= len(text)
        assert f.text == text[f.start:f.end]
        assert f.start >= last_end, "overlapping facts"
        last_end = f.end
        if f.value is not None and f.approx == "exact":
            assert f.value_low == f.value == f.value_high
        if f.value_low is not None and f.value_high is not None:
            assert f.value_low <= f.value_high


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80))
def test_engine_on_any_unicode(text):
    facts = find_number_facts(text, load_ruleset())
    assert all(text[f.start:f.end] == f.text for f in facts)

"""facts.context scans cue/indicator lexicons only in the sentences holding facts; that is exact
only when no lexicon match can cross a sentence end. The guard must accept today's lexicons and
refuse patterns that could match 。！？!? or a line break."""
from __future__ import annotations

from extractor.facts.context import _Doc, _scoped_scan_safe, context_rules
from extractor.text import prepare
from extractor.model import Document


def test_current_lexicons_allow_scoped_scan():
    assert context_rules().scoped_scan is True


def test_guard_refuses_patterns_that_can_match_a_sentence_end():
    ok = "(?P<planned>(?<!年度)计划(?!工程)|将(?=[达完])|到\\d)"
    assert _scoped_scan_safe(["地区生产总值"], ok)
    assert not _scoped_scan_safe(["总值。"], ok)                 # a word with 。
    for bad in ("(?P<a>计.)", "(?P<a>计\\s)", "(?P<a>计[^a])", "(?P<a>计\\W)", "(?P<a>计！)",
                "(?P<a>计\\n)", "(?P<a>计[?])", "(?P<a>计\\?)", "(?P<a>计\\p{P})"):
        assert not _scoped_scan_safe(["总值"], bad), bad


def test_scoped_scan_finds_the_whole_text_matches_in_fact_sentences():
    text = "预计全年完成28.89亿元。\n计划投资10亿元,已完成8亿元。目前全区地区生产总值增长7.5%！将达500个"
    p = prepare(Document(doc_id="t", source="t", sha256="", encoding="utf-8", text=text),
                report_year=2023)
    pos = [text.index("8亿元"), text.index("7.5%"), text.index("500个")]
    full, part = _Doc(p), _Doc(p, pos)
    spans = part._spans(pos)
    # (each span's scan stops at its last fact: later matches are never asked for)
    inside = lambda x: any(a <= x < last for a, b, last in spans)
    assert part.cues == [c for c in full.cues if inside(c[0])]
    assert part.inds == [i for i in full.inds if inside(i[2])]
    assert part.now == [x for x in full.now if inside(x)]
    assert [c[1] for c in part.cues] == ["planned", "actual", "actual", "planned"]

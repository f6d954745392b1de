"""The CheckContext fast paths (batched offset conversion, per-document memo) must give exactly
what the plain helpers give, on the real sample report with its page markers and footers."""
from __future__ import annotations

import random
from pathlib import Path

from extractor.checks import run_checks
from extractor.checks.context import CheckContext
from extractor.facts import extract_facts
from extractor.reading import read
from extractor.text import prepare


def _prepared(sample_path: Path):
    p = prepare(read(sample_path))
    return p, extract_facts(p)


def test_batched_sentence_offsets_equal_to_decoded(sample_path: Path) -> None:
    p, facts = _prepared(sample_path)
    ctx = CheckContext(p, facts)
    assert [(s.start, s.end) for s in ctx.sentences] == [p.clean.to_decoded(s.start, s.end) for s in p.sentences]
    conv = ctx._batch_to_decoded()
    n = len(p.clean.text)
    rnd = random.Random(7)
    for _ in range(2000):
        a, b = sorted((rnd.randint(0, n), rnd.randint(0, n)))
        assert conv(a, b) == p.clean.to_decoded(a, b), (a, b)
    # the decoded text under a sentence still holds its clean text's characters (page footers may sit inside)
    assert p.doc.text[ctx.sentences[0].start:ctx.sentences[0].end].strip() != ""


def test_by_sentence_cache_equals_uncached_scan(sample_path: Path) -> None:
    p, facts = _prepared(sample_path)
    ctx = CheckContext(p, facts)
    for kinds in (None, ("date",), ("money", "count", "quantity")):
        expected = [(s, ctx.facts_in(s.start, s.end, kinds)) for s in ctx.sentences]
        expected = [(s, fs) for s, fs in expected if fs]
        assert ctx.by_sentence(kinds) == expected
        got = ctx.by_sentence(kinds)
        got[0][1].clear()  # callers get copies: clearing one must not change the memo
        assert ctx.by_sentence(kinds) == expected


def test_run_checks_repeatable_on_one_document(sample_path: Path) -> None:
    p, facts = _prepared(sample_path)
    first = [a.anomaly_id for a in run_checks(p, facts)]
    assert first == [a.anomaly_id for a in run_checks(p, facts)]


def test_required_literals_only_from_mandatory_top_level_literal_groups() -> None:
    import regex

    from extractor.checks.config import lexicon, may_match, pattern, required_literals

    kv = regex.compile(lexicon("magnitudes")["voltage_kv"]["pattern"])
    assert required_literals(kv) == ("千伏", "kV", "KV", "kv")
    assert may_match(kv, "新建2023千伏线路") and kv.search("新建2023千伏线路")
    assert not may_match(kv, "新建输电线路12公里") and not kv.search("新建输电线路12公里")
    q = pattern("contradictory_qualifiers", "pattern")
    assert may_match(q, "近2023万余元") and q.search("近2023万余元")
    assert required_literals(regex.compile(r"(?P<a>x|y)?z")) is None        # optional group
    assert required_literals(regex.compile(r"(?P<a>x|y)|z")) is None        # top-level alternation
    assert required_literals(regex.compile(r"(?:(?P<a>x|y))z")) is None     # not at the top level
    assert required_literals(regex.compile(r"(?P<a>x.|y)")) is None         # not literal
    assert required_literals(regex.compile(r"(?i)(?P<a>kv)")) is None       # case-insensitive
    assert required_literals(regex.compile(r"[(|](?P<a>x|y)")) == ("x", "y")  # class skipped
    assert required_literals(pattern("dates", "plan")) is None


def test_sentences_without_segmentation_split_at_sentence_ends() -> None:
    from .helpers import doc, fx

    p = doc("全年完成投资12亿元。新增就业1100万人，增长5%。")
    fx(p, "12亿元")
    jobs = fx(p, "1100万人")
    p.sentences = []
    ctx = CheckContext(p, p.facts)
    assert [(s.index, p.doc.text[s.start:s.end]) for s in ctx.sentences] == [
        (0, "全年完成投资12亿元。"), (1, "新增就业1100万人，增长5%。")]
    assert ctx.sentence_of(jobs) is ctx.sentences[1]
    assert [(s.index, [f.text for f in fs]) for s, fs in ctx.by_sentence(("money", "count"))] == [
        (0, ["12亿元"]), (1, ["1100万人"])]


def test_lazy_sentences_equal_eager_conversion(sample_path: Path) -> None:
    p, facts = _prepared(sample_path)
    ctx = CheckContext(p, facts)
    first = ctx.sentence_of(facts[len(facts) // 2])  # built on demand before the whole list
    eager = [(s.index, *p.clean.to_decoded(s.start, s.end), s.section or "") for s in p.sentences]
    assert [tuple(getattr(s, k) for k in ("index", "start", "end", "section")) for s in ctx.sentences] == eager
    assert first is ctx.sentences[first.index]

"""The CheckContext fast paths (batched offset conversion, per-document memo) must give exactly
what the plain helpers give, on the real sample report with its page markers and footers."""
from __future__ import annotations

import random
from pathlib import Path

import regex

from extractor.checks import run_checks
from extractor.checks.context import CheckContext
from extractor.facts import extract_facts
from extractor.reading import read
from extractor.text import prepare

from .helpers import doc, fx


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


def test_of_kinds_equals_the_filter(sample_path: Path) -> None:
    """of_kinds (memoised, a one-kind tuple served by of_kind's list) holds exactly the facts the
    filter over all facts keeps, in order, for the kinds the checks ask and odd ones."""
    p, facts = _prepared(sample_path)
    ctx = CheckContext(p, facts)
    for kinds in (("date",), ("money", "count", "quantity"), ("percent",), ("nope",), (), ("date", "date"),
                  ("percent", "money"), ("date",)):
        assert ctx.of_kinds(kinds) == [f for f in ctx.facts if f.kind in kinds], kinds
    assert ctx.of_kinds(("date",)) and ctx.of_kinds(("date",)) is ctx.of_kind("date")


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
    # non-capturing groups count too (the unanchored cues of the sums check)
    assert required_literals(regex.compile(r"[，,]{0,2}(?:其中|包括)[：:]?")) == ("其中", "包括")
    assert required_literals(regex.compile(r"(?:其中|包括)?x")) is None     # optional group
    assert required_literals(regex.compile(r"(?>其中|包括)x")) is None      # atomic group: no claim


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


def test_required_runs_are_top_level_unquantified_literals() -> None:
    import regex

    from extractor.checks.config import may_match, pattern, required_runs

    summ = pattern("dates", "summary")
    assert required_runs(summ) == ("年", "总结")
    assert not may_match(summ, "2023年工作报告") and not summ.search("2023年工作报告")
    assert may_match(summ, "2023年工作总结") and summ.search("2023年工作总结")
    assert required_runs(regex.compile(r"ab?c")) == ("a", "c")          # b is optional
    assert required_runs(regex.compile(r"x{2,3}yz")) == ("yz",)          # quantified x dropped
    assert required_runs(regex.compile(r"\p{Han}{1,2}率")) == ("率",)     # \p{..} is no literal
    assert required_runs(regex.compile(r"(?:a|b)cd|e")) == ()            # top-level alternation
    assert required_runs(regex.compile(r"xa{b|c}")) == ()                # a literal brace: no claim
    assert required_runs(regex.compile(r"(?i)abc")) == ()                # case-insensitive


def test_gate_words_are_in_every_match() -> None:
    """branch_runs/gate_words: every match of the pattern holds one of the gate words (random
    patterns of literals, optional and repeated characters, classes, groups, escapes and top-level
    alternations over random texts), the shipped shapes, and None where no claim can be made."""
    import random

    import regex

    from extractor.checks.config import branch_runs, gate_words, pattern

    assert gate_words(pattern("shares", "several_cue")) == ("分别占",)
    assert gate_words(pattern("enums", "etc_before")) == ("等",)
    assert branch_runs(regex.compile(r"ab|c(d)e|fg?")) == (("ab",), ("c", "e"), ("f",))
    assert branch_runs(regex.compile(r"[|]x|y")) == (("x",), ("y",))        # a '|' in a class
    assert gate_words(regex.compile(r"abc|ab|xab")) == ("ab",)
    for none in (r"a|", r"a|\d", r"(?i)ab|c", r"ab(?#|)|c", r"(?:a|b)", r"a(|b", r"x{2}|y",
                 r"(?x)a b|c", r"\Qa|b\E"):
        assert gate_words(_rx(none)) is None, none
    rnd = random.Random(11)
    pieces = ["a", "b", "ab", "ba", "c", "a?", "b*", "c+", "[ab]", "(?:a|bc)", "\\d", ".", "(?:ab)?", "x{1,2}",
              "(?=a)", "(?<!b)", "a{0}", "[^a]", "\\.", "(b)", "\\1"]
    checked = 0
    for _ in range(3000):
        branches = ["".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 4))) for _ in range(rnd.randint(1, 3))]
        rx = _rx("|".join(branches))
        words = gate_words(rx)
        for _ in range(20 if words is not None and not isinstance(rx, _FakeRx) else 0):
            text = "".join(rnd.choice("abcx.1 ") for _ in range(rnd.randint(0, 12)))
            for m in rx.finditer(text):
                checked += 1
                assert any(w in m.group() for w in words), (rx.pattern, text, words)
    assert checked > 3000


def test_gate_words_skip_the_bodies_of_long_escapes() -> None:
    """An escape's body (\\x61, \\u7b49, \\141, \\1, \\pL, \\g<a>, \\L<w>) is no literal run:
    gate_words once gave '7b49' for a user cue '\\u7b49\\s*$' (等), so every 等 was missed."""
    import random

    import regex

    from extractor.checks.config import gate_words, required_runs

    assert gate_words(regex.compile(r"\u7b49\s*$")) is None
    assert gate_words(regex.compile(r"\pL等|\x41BC")) is None
    assert gate_words(regex.compile(r"(?P<a>x)\g<a>等")) == ("等",)
    assert required_runs(regex.compile(r"\101BC等")) == ("等",)
    assert required_runs(regex.compile(r"\L<w>等", w=["x"])) == ("等",)
    rnd = random.Random(12)
    pieces = ["a", "b", "ab", "c?", "\\x61", "\\x{62}", "\\u0062c", "\\U00000061", "\\141b", "\\pLa",
              "\\PLb", "\\N{LATIN SMALL LETTER A}", "(b)", "\\1a", "\\g<1>b", "\\0", "\\t"]
    checked = 0
    for _ in range(2000):
        branches = ["".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 4))) for _ in range(rnd.randint(1, 2))]
        try:
            rx = regex.compile("|".join(branches))
        except regex.error:
            continue
        words = gate_words(rx)
        for _ in range(20 if words is not None else 0):
            text = "".join(rnd.choice("abcAB1 \t") for _ in range(rnd.randint(0, 12)))
            for m in rx.finditer(text):
                checked += 1
                assert any(w in m.group() for w in words), (rx.pattern, text, words)
    assert checked > 300


def _rx(src: str):
    """The compiled pattern, or for a source regex refuses (unbalanced, \\Q) a stand-in holding
    what the source readers use."""
    try:
        return regex.compile(src)
    except regex.error:
        return _FakeRx(src)


class _FakeRx:
    """A compiled pattern's two attributes the source readers use, for a source regex refuses."""

    def __init__(self, src: str) -> None:
        self.pattern, self.flags = src, 0

    def __hash__(self) -> int:
        return hash(self.pattern)


def test_iter_matches_equals_finditer() -> None:
    """Trying a pattern only where one of its leading literal words is must find exactly what a
    scan finds: overlapping candidates, lookbehinds before the candidate, longer words first."""
    import random

    import regex

    from extractor.checks.config import iter_matches, leading_literals, lexicon, pattern

    qual = pattern("contradictory_qualifiers", "pattern")
    road = regex.compile(lexicon("magnitudes")["village_road"]["pattern"])
    assert leading_literals(qual) is not None and "将近" in leading_literals(qual)
    assert leading_literals(road) is not None
    assert leading_literals(pattern("ratios", "pattern")) is not None
    assert leading_literals(pattern("duplicated_token", "pattern")) is None   # starts with \d
    assert leading_literals(regex.compile(r"(?P<a>x|y)?z")) is None            # optional group
    assert leading_literals(regex.compile(r"(?P<a>x|y)z|w")) is None           # top-level |
    pats = [qual, road, pattern("ratios", "pattern"), regex.compile(r"(?<!a)(?P<x>ab|a|b)b*"),
            regex.compile(r"(?P<w>aa|a)(?=a)"), regex.compile(r"(?<=^|,)(?P<w>x|xy)y?")]
    rnd = random.Random(3)
    alpha = "aabxy,近约最1234 万余多以上结构比例为:：.村道公里"
    texts = ["".join(rnd.choice(alpha) for _ in range(rnd.randint(0, 60))) for _ in range(3000)]
    texts += ["最近20余天，近2023万余元，约400余人，将近10万以上", "村道12万公里，通村公路3公里"]
    for rx in pats:
        for s in texts:
            assert [(m.span(), m.groupdict()) for m in iter_matches(rx, s)] == \
                [(m.span(), m.groupdict()) for m in rx.finditer(s)], (rx.pattern, s)


def test_last_rate_word_equals_the_regex_scan(sample_path: Path) -> None:
    """The Python scan of the rate words finds the last match the regex alternation finds."""
    from extractor.checks.roles import _last_rate_word, _rate_words

    rx = _rate_words()[0]
    text = read(sample_path).text
    rnd = random.Random(11)
    wins = [text[a:a + rnd.randint(0, 30)] for a in (rnd.randrange(len(text)) for _ in range(20000))]
    k = text.find("率")
    while k >= 0:
        wins.append(text[max(0, k - rnd.randint(0, 5)):k + rnd.randint(1, 5)])
        k = text.find("率", k + 1)
    wins += ["森林覆盖率达到", "率", "甲率", "甲乙率", "甲乙丙率", "率率", "a率", "覆盖率率", "城镇化率和失业率",
             "增长率", "增速", "占比为", "", "abc"]
    for w in wins:
        ms = list(rx.finditer(w))
        assert _last_rate_word(w) == ((ms[-1].group(), ms[-1].end()) if ms else ("", -1)), w


def test_literal_spots_equal_the_window_search() -> None:
    """``LiteralSpots.windows_holding`` leaves out only windows in which no cue matches; a
    window it keeps holds a whole cue word (random texts and windows, empty and inverted ones)."""
    import regex

    from extractor.checks.config import LiteralSpots, pattern
    from extractor.checks.sums import _either, _unanchored_pair

    ex, pa = pattern("sums", "exhaustive_cue"), pattern("sums", "partial_cue")
    pair = _unanchored_pair(ex, pa)
    either = _either(ex, pa)
    assert len(pair) == 2 and either is not None
    words = ("其中", "包括", "包含", "分别为", "分别是", "依次为", "分别达")
    rnd = random.Random(5)
    alpha = "其中包括含分别为是达到依次，,：。;年元个1 "
    for _ in range(300):
        s = "".join(rnd.choice(alpha) for _ in range(rnd.randint(0, 80)))
        spots = LiteralSpots.build(pair, s)
        assert spots is not None
        starts = [rnd.randint(0, len(s)) for _ in range(rnd.randint(0, 30))]
        ends = [max(0, a + rnd.randint(-3, 40)) for a in starts]
        kept = spots.windows_holding(starts, ends)
        assert kept == sorted(set(kept))
        for i, (a, b) in enumerate(zip(starts, ends)):
            holds = any(w in s[a:b] for w in words)
            assert (i in kept) == holds, (s, a, b)
            if either.search(s[a:b]) is not None:
                assert holds, (s, a, b)
    assert LiteralSpots.build((regex.compile(r"a.b"),), "axb") is None   # words unknown: no claim
    assert LiteralSpots.build(pair, "无").windows_holding([0], [1]) == []


def test_find_groups_same_without_the_spots(monkeypatch) -> None:
    from extractor.checks import sums
    from extractor.checks.config import LiteralSpots

    text = ("全年完成投资120亿元，增长8%，其中工业投资70亿元、基础设施投资50亿元。"
            "共有企业30家，分别为A类10家、B类20家。新建道路5公里，包括农村公路3公里。"
            "引进项目12个，完成投资30亿元。")
    p = doc(text)
    facts = [fx(p, s) for s in ("120亿元", "70亿元", "50亿元", "30家", "10家", "20家",
                                "5公里", "3公里", "12个", "30亿元")]
    facts.insert(1, fx(p, "8%"))
    with_spots = list(sums._find_groups(CheckContext(p, facts)))
    monkeypatch.setattr(LiteralSpots, "build", classmethod(lambda cls, pats, text: None))
    assert list(sums._find_groups(CheckContext(p, facts))) == with_spots
    assert [g[2] for g in with_spots] == ["partial", "exhaustive", "partial"]


def test_may_match_tries_the_head_backwards_at_each_word() -> None:
    """``may_match`` also asks whether the pattern's head (up to its literal group) can end at an
    occurrence of one of the words: never False where the pattern matches (random texts), False
    for texts with the words but no figure before them, and no head for unsafe constructs."""
    import regex

    from extractor.checks.config import _head_backwards, lexicon, may_match

    kv = regex.compile(lexicon("magnitudes")["voltage_kv"]["pattern"])
    v = regex.compile(lexicon("magnitudes")["voltage_v"]["pattern"])
    assert _head_backwards(kv) is not None and _head_backwards(v) is not None
    assert not may_match(v, "地势起伏，三伏天，V形低压线路") and may_match(v, "新建380伏低压线路")
    assert not may_match(kv, "千伏线路") and may_match(kv, "10 千伏线路")
    pats = [kv, v, regex.compile(lexicon("magnitudes")["village_road"]["pattern"]),
            regex.compile(r"(?<!a)(?P<n>a+|b)\s*(?P<u>xy|x)(?!y)"), regex.compile(r"a*?(?:ba|b)a"),
            regex.compile(r"(?:b|ab)(?P<n>\d*)c")]
    rnd = random.Random(9)
    alpha = "12.千伏V安 线路电压aabxyc"
    for rx in pats:
        for _ in range(4000):
            s = "".join(rnd.choice(alpha) for _ in range(rnd.randint(0, 16)))
            if rx.search(s) is not None:
                assert may_match(rx, s), (rx.pattern, s)
    for unsafe in (r"(?P<a>\d+(?=x))(?:y|z)", r"(?P<t>\d)(?P=t)(?:y|z)", r"\d++(?:y|z)", r"(?>a+)(?:y|z)",
                   r"\b\d+(?:y|z)", r"(?:ab){e<=1}(?:y|z)", r"(a)\1(?:y|z)",
                   r"(?:ab(*PRUNE)|a)b*(?:x|y)"):
        assert _head_backwards(regex.compile(unsafe)) is None, unsafe
    # a verb cuts the backwards head's search where the forward search goes on: it matches here
    verb = regex.compile(r"(?:ab(*PRUNE)|a)b*(?:x|y)")
    assert verb.search("abxbax") is not None and may_match(verb, "abxbax")


def test_word_spans_equal_finding_each_word() -> None:
    """``word_spans``/``word_starts`` (each word found through one chosen character) find every
    occurrence of every word, overlapping ones and words inside other words too, as
    ``str.find`` of each word does, whatever the character counts the choice is made from."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from extractor.checks.config import _chars, _probes, word_spans, word_starts

    def plain(words: tuple[str, ...], text: str) -> set[tuple[int, int]]:
        out = set()
        for w in words:
            k = text.find(w)
            while k >= 0:
                out.add((k, k + len(w)))
                k = text.find(w, k + 1)
        return out

    alpha = "比例之为是值结构近约不到足大概aab"
    word = st.text(alphabet=alpha, min_size=1, max_size=4)

    @settings(max_examples=400, deadline=None)
    @given(st.lists(word, min_size=1, max_size=8).map(tuple), st.text(alphabet=alpha, max_size=80),
           st.lists(st.integers(0, 50), min_size=len(alpha), max_size=len(alpha)))
    def same(words: tuple[str, ...], text: str, counts: list[int]) -> None:
        spans = word_spans(words, text)
        assert len(spans) == len(set(spans)) and set(spans) == plain(words, text)
        assert word_starts(words, text) == sorted({a for a, _ in plain(words, text)})
        probes = _probes(words, tuple(counts[:len(_chars(words))]))
        covered = [w for ws in probes.values() for w, _ in ws]
        assert sorted(covered) == sorted(set(words))   # each word once, through one character
        assert all(w[j] == c for c, ws in probes.items() for w, j in ws)

    same()
    # the ratio cues share 比: one search serves five of them
    words = ("结构", "比例", "之比", "比为", "比是", "比值")
    counts = tuple({"比": 3, "为": 9, "是": 9}.get(c, 2) for c in _chars(words))
    assert [w for w, _ in _probes(words, counts)["比"]] == ["比例", "之比", "比为", "比是", "比值"]


def _clause_before_by_slice(text: str, start: int, limit: int) -> str:
    """clause_before as it was written on a slice of the text (the reference)."""
    seg = text[max(0, start - limit):start]
    pos = len(seg)
    while True:
        i = max(seg.rfind(c, 0, pos) for c in "，,；;：:。！？!?\n")
        if i < 0:
            return seg
        if seg[i] in "，," and 0 < i < len(seg) - 1 and seg[i - 1].isdigit() and seg[i + 1].isdigit():
            pos = i
            continue
        return seg[i + 1:]


def test_clause_before_equals_the_slice_search_for_any_start() -> None:
    """Searching between bounds in the whole text finds what the slice search found, also for a
    start outside the text (run_checks takes hand-made facts; a slice clamps or counts from the
    end): before, a start past a text ending in `2,` read past the text (IndexError)."""
    rnd = random.Random(11)
    alpha = "12，,a。3;\n４５"
    for _ in range(20000):
        text = "".join(rnd.choice(alpha) for _ in range(rnd.randint(0, 12)))
        ctx = CheckContext(doc(text), [])
        start = rnd.randint(-15, len(text) + 15)
        limit = rnd.choice([0, 1, 2, 3, 5, 16, 24, 40])
        assert ctx._clause_before(start, limit) == _clause_before_by_slice(text, start, limit), \
            (text, start, limit)


def test_facts_past_the_text_crash_no_check() -> None:
    import dataclasses

    from extractor.facts import document_from_text

    text = "全年财政收入100万元，其中税收60万元，非税收入40万元。增长了5%，占比12,"
    p = prepare(document_from_text(text))
    facts = extract_facts(p)
    extra = [dataclasses.replace(f, start=len(text) + 1 + i, end=len(text) + 3 + i)
             for i, f in enumerate(facts)]
    found = run_checks(p, facts + extra)
    assert [a.code for a in found if a.code == "check.crashed"] == []
    assert [a.code for a in found] == ["sum.verified"]


def test_sentences_edited_in_place_are_read_afresh() -> None:
    """The context reads the sentence bounds Prepared keeps; an in-place edit of the list (same
    length) must be seen as a replaced list is (the context read every sentence before): here
    the third marker moves into the second sentence's section and is a repeat again."""
    from extractor.facts import document_from_text

    p = prepare(document_from_text("一是扩大投资。二是稳定就业。二是改善民生。"))
    facts = extract_facts(p)
    first = [(a.code, a.start, a.end) for a in run_checks(p, facts)]
    assert first == [("enum.marker_out_of_order", 14, 16)]
    s = p.sentences
    s[2] = s[2]._replace(section="二、新的一节")
    assert run_checks(p, facts) == []                       # another section: no finding
    s[1] = s[1]._replace(end=s[2].end)
    s[2] = s[2]._replace(start=s[2].end)
    assert [(a.code, a.start, a.end) for a in run_checks(p, facts)] == first
    ctx = CheckContext(p, facts)
    assert [(x.start, x.end) for x in ctx.sentences] == [p.clean.to_decoded(x.start, x.end) for x in s]


def test_guess_year_equals_the_lookbehind_scan() -> None:
    """guess_year (the look-behind tested per candidate) against the rule's own regex, on texts
    of digits (ASCII and Arabic-Indic), 年 and other characters."""
    import re
    from collections import Counter

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from extractor.checks.context import guess_year

    def slow(text: str) -> int | None:
        years = Counter(int(m.group()) for m in re.finditer(r"(?<!\d)(?:19[5-9]\d|20[0-4]\d)(?=年)", text))
        return years.most_common(1)[0][0] if years else None

    @settings(max_examples=1500, deadline=None)
    @given(st.text(alphabet="0124599年年年年x١٣²", max_size=40))
    def run(text: str) -> None:
        assert guess_year(text) == slow(text)

    run()
    for text in ("12023年2023年", "2019年2020年2020年", "x2020年١2021年2021年", "20201年", "٢2022年", "²2020年", "١1999年"):
        assert guess_year(text) == slow(text), text

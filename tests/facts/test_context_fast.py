"""The shortcuts of facts.context give what the plain computations give: the subject-form
skip of conversion pairs, the trie compile of the word lexicons, the word windows taken from
Prepared's cache or segmented alone, the plain-Prepared fast path of attach, the sentence ends
found by splitting and the period cues / indicators sought in the figures' sentences only."""
from __future__ import annotations

import dataclasses
import re

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.facts import extract_facts
from extractor.facts import context as ctx
from extractor.reading import read
from extractor.rulefiles import load_yaml
from extractor.text import Prepared, prepare
from extractor.text.clean import subject_form


def test_literal_branches_only_for_plain_words_around_lookarounds():
    lb = ctx._literal_branches
    assert lb("(?<![无有])效劳(?=\\p{Han})") == ["效劳"]
    assert lb("根底(?=设施|设)|(?<=筑|夯实)根底") == ["根底", "根底"]
    assert lb("(?<=[)\\]])ab(?=\\(x)") == ["ab"]
    for bad in ("a\\.b", "a(b)", "ab+", "a[bc]", "a.b", "(?:ab)", "ab$"):
        assert lb(bad) is None, bad


def test_subject_form_skip_gives_clean_subject_form(sample_path):
    pairs = load_yaml("lexicons/conversion_errors.yaml")["pairs"]
    samples = []
    for p in pairs:
        samples += [e["in"] for e in p.get("examples", [])] + list(p.get("counter_examples", []))
    text = prepare(read(sample_path)).clean.text
    samples += [text[i:i + 12] for i in range(0, len(text) - 12, 7)]
    samples += [text, "，".join(samples), "。".join(samples[::-1]), "效劳效劳", "平安平安生产"]
    assert all(need is not None for need, _p, _r in ctx._subject_form_plan())   # today's rules
    for s in samples:
        assert ctx._subject_form(s) == subject_form(s), s


def test_trie_compile_matches_the_longest_first_alternation(sample_path):
    text = prepare(read(sample_path)).clean.text
    ind = load_yaml("lexicons/indicators.yaml")["indicators"]
    per = load_yaml("lexicons/periods.yaml")
    for words in (ind, per["whole_year_cues"], per["now_cues"], ["a", "ab", "abc", "b", "bcd"]):
        alt = regex.compile("|".join(regex.escape(w) for w in sorted(set(words), key=len, reverse=True)))
        trie = re.compile(ctx._literal_trie(words))
        for hay in (text, "abcd abc ab a bcd bc", "".join(words)):
            assert [m.span() for m in trie.finditer(hay)] == [m.span() for m in alt.finditer(hay)]


def test_window_words_equal_the_generic_lookup(sample_path):
    p = prepare(read(sample_path))
    text = p.clean.text
    s = next(x for x in p.sentences if x.end - x.start > 30)
    p.words(s.start, s.end)            # a cached whole sentence serves the windows inside it
    d = ctx._Doc(p)
    assert d.words == d._words_plain
    windows = [(s.start + 3, s.start + 17), (s.start, s.end)]
    windows += [(max(0, m.start() - 14), m.start()) for m in regex.finditer(r"(?<!\d)\d", text)]
    windows += [(m.end(), min(len(text), m.end() + 14)) for m in regex.finditer(r"\d[个项家]", text)]
    for a, b in windows:
        assert list(d._words_plain(a, b)) == d._words_generic(a, b), text[a:b]


class _OwnPrepared(Prepared):
    """A Prepared with its own sentence lookup: attach must take its generic path."""

    def sentence_at(self, clean_offset):
        return super().sentence_at(clean_offset)


def test_generic_and_plain_paths_attach_the_same(sample_path):
    doc = read(sample_path)
    plain = extract_facts(prepare(doc))
    p = prepare(doc)
    own = _OwnPrepared(doc=p.doc, clean=p.clean, sentences=p.sentences,
                       report_year=p.report_year, page_count=p.page_count)
    d = ctx._Doc(own)
    assert d.words != d._words_plain
    other = extract_facts(own)
    assert [(f.start, f.kind, f.subject, f.modality, f.period, f.role, f.sentence, f.section, f.page)
            for f in other] == \
        [(f.start, f.kind, f.subject, f.modality, f.period, f.role, f.sentence, f.section, f.page)
         for f in plain]
    assert any(f.subject for f in plain)


def test_sentence_ends_are_the_pattern_matches(sample_path):
    text = prepare(read(sample_path)).clean.text
    for t in (text, "", "。", "a", "a。", "。a", "\n\n", "一！二？三!四?五\n六。。", text[:-1] + "？",
              "无句末的文本"):
        assert ctx._sentence_ends(t) == [m.start() for m in ctx._SENT_END.finditer(t)], t


def test_period_cues_and_indicators_sought_in_the_figures_sentences_only(sample_path,
                                                                          corpus_files,
                                                                          monkeypatch):
    # dates and durations get only a modality: the sentences holding only those need the cues,
    # not the period cues, indicators or clause marks, and attach gives what it gives when
    # they are sought in every fact's sentence
    def facts_of(path):
        return [(f.start, f.kind, f.subject, f.modality, f.period, f.role, f.sentence,
                 f.section, f.page) for f in extract_facts(prepare(read(path)))]

    paths = [sample_path] + list(corpus_files)[:12]
    got = [facts_of(p) for p in paths]
    init = ctx._Doc.__init__
    monkeypatch.setattr(ctx._Doc, "__init__",
                        lambda self, prepared, positions=None, numbers=None, figures=None:
                        init(self, prepared, positions, None))
    assert got == [facts_of(p) for p in paths]
    assert any(f[1] == "date" for fs in got for f in fs)


def test_whole_text_subject_form_skipped_only_when_it_changes_nothing(sample_path, corpus_files,
                                                                      monkeypatch):
    # a text whose cleaning counted no conversion error is its own subject form (the cue copy
    # is then the text itself); the sample has conversion errors and takes the full path
    assert ctx._zero_count_is_exact()                                  # today's lexicon
    seen = set()
    for path in [sample_path] + list(corpus_files)[:20]:
        clean = prepare(read(path)).clean
        assert clean.conversions_counted
        counted = bool(clean.quality.get("conversion_errors"))
        seen.add(counted)
        assert counted == (subject_form(clean.text) != clean.text), path
    assert seen == {True, False}
    plan = ctx._subject_form_plan()

    def guard_with(needs):
        ctx._zero_count_is_exact.cache_clear()
        monkeypatch.setattr(ctx, "_subject_form_plan",
                            lambda: tuple((n, plan[0][1], plan[0][2]) for n in needs))
        try:
            return ctx._zero_count_is_exact()
        finally:
            ctx._zero_count_is_exact.cache_clear()

    assert guard_with(["效劳", "方案", "方法"])
    # a form that can start inside another's occurrence, or at its start, hides it from the
    # trigger's non-overlapping matches; a pair matching more than its wrong form is not seen
    for needs in (["方案", "案件"], ["方案", "案"], ["方案", "方"], ["平平"], ["效劳", None]):
        assert not guard_with(needs), needs


def test_scans_stop_at_the_last_fact_of_each_span(sample_path):
    # the matches a fact asks for start before it: each span's scan stops at its last fact
    p = prepare(read(sample_path))
    text = p.clean.text
    pos = [m.start() for m in regex.finditer(r"\d+(?:\.\d+)?(?:%|亿元|万元|个)", text)]
    full, part = ctx._Doc(p), ctx._Doc(p, pos)
    spans = part._spans(pos)
    assert spans and all(a <= last < b for a, b, last in spans)
    before = lambda x: any(a <= x < last for a, b, last in spans)
    assert part.cues == [c for c in full.cues if before(c[0])]
    assert part.inds == [i for i in full.inds if before(i[2])]
    assert part.whole == [x for x in full.whole if before(x)]
    assert part.now == [x for x in full.now if before(x)]
    assert part.cues and part.inds


def test_ends_around_the_positions_give_the_whole_lists_neighbours(sample_path, corpus_files):
    from bisect import bisect_left

    def neighbours(ends, pos):
        k = bisect_left(ends, pos)
        return (ends[k - 1] if k > 0 else None, ends[k] if k < len(ends) else None, k)

    texts = [prepare(read(p)).clean.text for p in [sample_path] + list(corpus_files)[:8]]
    texts += ["", "。", "a", "a。b", "。。a。", "一！二？三!四?五\n六。。", "无句末的文本"]
    for text in texts:
        full = ctx._sentence_ends(text)
        for step in (1, 7, 40):
            pos = list(range(0, len(text) + 1, step))
            part = ctx._ends_around(text, pos)
            got = [neighbours(part, p) for p in pos]
            want = [neighbours(full, p) for p in pos]
            assert [g[:2] for g in got] == [w[:2] for w in want], text[:30]
            # two positions' sentences touch exactly when their indexes are consecutive
            for (_a, _b, k), (_c, _d, k2), (_e, _f, w), (_g, _h, w2) in zip(got, got[1:],
                                                                            want, want[1:]):
                assert (k2 - k == 1) == (w2 - w == 1) and (k2 == k) == (w2 == w)


def test_sentence_indexes_from_ends_around_are_the_bisects(sample_path, corpus_files):
    # _ends_around gives each position's index among the ends it returns as it finds them;
    # _Doc merges the spans from them (and maps the figures' positions to them) instead of a
    # bisect per position: same indexes, same spans, same scans
    from bisect import bisect_left

    preps = [prepare(read(p)) for p in [sample_path] + list(corpus_files)[:8]]
    texts = [p.clean.text for p in preps]
    texts += ["", "。", "a", "a。b", "。。a。", "一！二？三!四?五\n六。。", "无句末的文本"]
    for text in texts:
        for step in (1, 3, 7, 40):
            pos = list(range(0, len(text) + 2, step)) + [len(text) // 2] * 2
            pos.sort()
            ks: list[int] = []
            ends = ctx._ends_around(text, pos, ks)
            assert ends == ctx._ends_around(text, pos)
            assert ks == [bisect_left(ends, p) for p in pos], text[:30]
    for p in preps:
        text = p.clean.text
        facts = extract_facts(p)
        pos = [x.start for x in facts]        # (decoded = clean offsets are not needed here)
        nums = [x for i, x in enumerate(pos) if i % 3]
        d = ctx._Doc(p, pos, nums)
        ks: list[int] = []
        ctx._ends_around(text, sorted(pos), ks)
        assert d._spans_at(sorted(pos), ks) == d._spans(pos)
        by_bisect = ctx._Doc.__new__(ctx._Doc)
        by_bisect.__dict__.update(d.__dict__)
        spans_n = by_bisect._spans(nums)
        assert d.inds == [x for a, b, last in spans_n
                          for x in _ind_scan(d, a, b, last)]
        inside = [x for x in nums if x <= len(text)]
        assert inside and [d.clause_at(x, d.scope_start(x)) for x in inside] == \
            [d.clause_start(x, d.scope_start(x)) for x in inside]


def _ends_by_bisect(ends, pos):
    from bisect import bisect_left

    out = []
    for p in pos:
        k = bisect_left(ends, p)
        out.append((ends[k - 1] if k > 0 else None, ends[k] if k < len(ends) else None, k))
    return out


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab。！？!?\n，", max_size=60), st.lists(st.integers(0, 62), max_size=25))
def test_ends_around_random_positions(text, pos):
    # the next sentence found from the end after the position before (one search), a farther
    # one by the reversed text: the same neighbours and touching sentences as the whole list
    pos.sort()
    ks: list[int] = []
    part = ctx._ends_around(text, pos, ks)
    got, want = _ends_by_bisect(part, pos), _ends_by_bisect(ctx._sentence_ends(text), pos)
    assert [g[:2] for g in got] == [w[:2] for w in want]
    assert ks == [g[2] for g in got]
    for (_a, _b, k), (_c, _d, k2), (_e, _f, w), (_g, _h, w2) in zip(got, got[1:], want, want[1:]):
        assert (k2 - k == 1) == (w2 - w == 1) and (k2 == k) == (w2 == w)
    assert part == sorted(set(part))


def test_clause_at_is_the_backward_walk(sample_path, corpus_files):
    # the last clause mark before a figure, found in the reversed text: clause_start's answer
    # at every position of real texts and edge strings, for its scope and for other floors
    preps = [prepare(read(p)) for p in [sample_path] + list(corpus_files)[:6]]
    for text in ["", "a", "，", "a，b", "，，a、b;c:", "一，二。三；四\n五：六、七"]:
        preps.append(dataclasses.replace(preps[0], clean=dataclasses.replace(
            preps[0].clean, text=text), sentences=[]))
    for p in preps:
        d = ctx._Doc(p)
        n = len(d.text)
        assert d.rtext == d.text[::-1]
        for pos in range(0, n + 1, 1 if n < 5000 else 3):
            scope = d.scope_start(pos)
            assert d.clause_at(pos, scope) == d.clause_start(pos, scope), (d.text[:20], pos)
            for floor in (0, max(0, pos - 3)):
                assert d.clause_at(pos, floor) == d.clause_start(pos, floor)


def _ind_scan(d, a, b, last):
    out = []
    for m in d.rules.indicators.finditer(d.text, a, b):
        if m.start() >= last:
            break
        out.append((m.end(), m.start() - m.end(), m.start()))
    return out


def _only_trail_alternation():
    stop = load_yaml("lexicons/subject_stop.yaml")
    words = sorted(set(stop["trail"]), key=len, reverse=True)
    return re.compile("(?:" + "|".join(map(re.escape, words)) + r"|[\s,，;；:：、\d.%]|"
                      + (stop.get("trail_regex") or "(?!)").strip("^$") + ")*")


def test_only_trail_trie_answers_as_the_word_alternation(sample_path, corpus_files):
    # whether a region is made of trail words only: the trie form and the longest-first
    # alternation split a region into the same pieces (the engine backtracks over every
    # choice), so fullmatch answers the same; checked on the figure windows of real texts and
    # on mixes of trail words, their prefixes, class characters and other characters
    import random

    alt = _only_trail_alternation()
    trie = ctx.context_rules().only_trail
    trail = sorted(load_yaml("lexicons/subject_stop.yaml")["trail"])
    rnd = random.Random(7)
    texts = []
    for path in [sample_path] + list(corpus_files)[:10]:
        text = prepare(read(path)).clean.text
        for m in regex.finditer(r"(?<![\d.])\d", text):
            for n in (2, 5, 9, 14):
                texts.append(text[max(0, m.start() - n):m.start()])
    pieces = trail + [w[:-1] for w in trail if len(w) > 1] + list("，、 1.%经济发展的了") + \
        ["同比增长", "比上年下降", "较去年增加了", "年均提高", "达到"]
    for _ in range(20000):
        texts.append("".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 6))))
    yes = 0
    for t in texts:
        got = trie.fullmatch(t) is not None
        assert got == (alt.fullmatch(t) is not None), t
        yes += got
    assert yes > 2000 and len(texts) - yes > 2000


def _plain_cue_scan(r, text, spans):
    return ctx._scan_cues(dataclasses.replace(r, cue_dispatch=None), text, spans)


def test_cue_scan_led_by_first_characters_finds_the_alternations_matches(sample_path,
                                                                         corpus_files):
    # the cue scan led by the cues' first characters (a cut-down alternation per character)
    # gives the matches and groups of the whole alternation's finditer: whole texts, spans
    # with a last fact anywhere, and random mixes of cue words, their pieces, the characters
    # their lookarounds test and others
    import random

    r = ctx.context_rules()
    assert r.cue_dispatch is not None           # today's cues all have sure first characters
    rnd = random.Random(11)
    texts = [prepare(read(p)).clean.text for p in [sample_path] + list(corpus_files)[:12]]
    cues = load_yaml("lexicons/modality.yaml")["cues"]
    words = [w for ws in cues.values() for w in ws]
    plain = [regex.sub(r"\(\?<?[=!][^)]*\)|[()?:|\[\]\\d]", "", w) for w in words]
    pieces = plain + [w[:1] for w in plain if w] + [w[1:] for w in plain if w] + list(
        "年度科技现即而不早达完实到1，。、工程项目知往的") + ["主要目标是", "预期目标", "到2"]
    for _ in range(3000):
        texts.append("".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 12))))
    found = 0
    for text in texts:
        n = len(text)
        span_sets = [[(0, n, n + 1)]]
        for _ in range(3):
            cuts = sorted(rnd.sample(range(n + 1), min(n + 1, 6)))
            spans = []
            for a, b in zip(cuts[::2], cuts[1::2]):
                spans.append((a, b, rnd.randint(a, b)))
            span_sets.append(spans)
        for spans in span_sets:
            got = ctx._scan_cues(r, text, spans)
            assert got == _plain_cue_scan(r, text, spans), (text[:40], spans)
            found += len(got)
    assert found > 3000


def test_first_set_of_a_pattern():
    fs = ctx._first_set
    assert fs("(?:预期|主要|发展)?目标(?:是|为|:|：)") == set("预主发目")
    assert fs("(?<![现即])将(?=[达完])") == {"将"}
    assert fs("(?<!年度|科技)计划(?!工程)") == {"计"}
    assert fs("x*y") == {"x", "y"} and fs("(?:a|)b") == {"a", "b"} and fs("[a-c]d") == set("abc")
    assert fs("a{2,3}b") == {"a"} and fs(r"a\{b") == {"a"} and fs("^ab") == {"a"}
    # not sure: an empty match, a class that is no list of characters, case folding, syntax the
    # regex module reads otherwise than re's parser (fuzzy braces, POSIX classes), bad syntax
    for src in ("a?", "(?:a|)", r"\dx", ".a", "[^a]b", "(?i)ab", "(?i:a)b", "a{e<=1}",
                "[[:alpha:]]", r"\p{Han}", "(?r)ab", "a(", "[\u4e00-\u9fff]"):
        assert fs(src) is None, src


def test_prefixes_of_a_pattern():
    px = ctx._prefixes
    assert px("(?:预期|主要|发展)?目标(?:是|为)", 2) == {"预期", "主要", "发展", "目标"}
    assert px("(?<![现即])将(?=[达完])", 2) == {"将达", "将完"}      # what the lookahead reads
    assert px("争取(?=达|实现)", 3) == {"争取达", "争取实"}
    assert px("a(?=bc)b", 3) == {"abc"} and px("x*y", 2) == {"x", "y"}
    assert px("ab{2,3}", 2) == {"ab"} and px("a(?!b)c", 2) == {"ac"} and px("(?:a|bc)d", 2) == \
        {"ad", "bc"}
    assert px("a.", 2) == {"a"} and px(r"拟\d", 2) == {"拟"}     # not followed further
    for src in ("(?=a?)b", "a?", ".a", "(?i)ab"):
        assert px(src, 2) is None, src


def test_cue_dispatch_is_none_when_a_cue_is_unsure():
    assert ctx._cue_dispatch([("planned", "计划"), ("actual", r"\d+已")]) is None
    firsts, subs = ctx._cue_dispatch([("planned", "计划|将"), ("expected", "预计"),
                                      ("actual", "将近|计")])
    assert sorted(subs) == ["将", "计", "预"]
    assert subs["计"].pattern == "(?P<planned>计划|将)|(?P<actual>将近|计)"
    assert subs["预"].pattern == "(?P<expected>预计)"


def _rules_with_cues(cues: list[tuple[str, str]]):
    """The context rules with made-up cues ((group, cue) in order): their whole alternation,
    one named group per cue group, and its dispatch."""
    from extractor.rulefiles import compile_regex

    groups: dict[str, list[str]] = {}
    for name, cue in cues:
        groups.setdefault(name, []).append(cue)
    src = "|".join(f"(?P<{name}>{'|'.join(ws)})" for name, ws in groups.items())
    return dataclasses.replace(ctx.context_rules(), cues=compile_regex(src),
                               cue_dispatch=ctx._cue_dispatch(cues))


def test_cue_scan_keeps_the_alternations_order_where_cues_overlap():
    # today's cues never match at one position in two groups; made-up ones that do (a cue a
    # prefix of another's, one char of another's) keep the first group in order
    import random

    cues = [("planned", "将(?!近)"), ("planned", "计划"), ("planned", "(?<!不)要"),
            ("expected", "将近"), ("expected", "预计"), ("expected", "计"),
            ("actual", "将"), ("actual", "已(?!知)"), ("actual", "要求|预")]
    r = _rules_with_cues(cues)
    rnd = random.Random(5)
    pieces = list("将近计划要求预已知不，。a") + ["将近", "计划", "要求", "已知"]
    seen = set()
    for _ in range(4000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 10)))
        n = len(text)
        for spans in ([(0, n, n + 1)], [(0, n, rnd.randint(0, n))]):
            got = ctx._scan_cues(r, text, spans)
            assert got == _plain_cue_scan(r, text, spans), text
            seen.update(g for _p, g in got)
    assert seen == {"planned", "expected", "actual"}


def test_cue_dispatch_is_none_when_a_cue_has_a_group_of_its_own():
    # a cut-down alternation renumbers the groups: a cue's backreference to a wrapper group
    # (\1: planned in the whole alternation, the open actual group in the cut-down one) made
    # context_rules() raise, and a group name two cues share gave another lastgroup. Found by
    # made-up cue lists compared with the whole alternation's finditer
    for cues in ([("planned", "计划"), ("actual", r"已(经)\1")],
                 [("planned", "(?P<w>x)计"), ("actual", "(?P<w>已)")],
                 [("planned", "(计)划"), ("actual", "已")]):
        assert ctx._cue_dispatch(cues) is None, cues
        r = _rules_with_cues(cues)
        text = "x计计划已经经已x已"
        assert ctx._scan_cues(r, text, [(0, len(text), len(text))]) == _plain_cue_scan(
            r, text, [(0, len(text), len(text))])
    # non-capturing groups and lookarounds keep the dispatch
    assert ctx._cue_dispatch([("planned", "(?:计|规)划(?=[达完])"), ("actual", "(?<!不)已")])


def _period_by_the_rules(f, year, gov, clause, dates, topic_year, whole, now):
    # the period as beff2af computed it for every figure (one function, no fast path)
    best_pos, best = -1, None
    for start, _y, base, in_topic, iso in dates:
        if base or (not in_topic and clause > start):
            continue
        best_pos, best = start, iso
    if topic_year is None and year is not None:
        topic_year = year - 1 if gov and f.modality == "actual" else year
    if whole >= 0 and (best is None or whole > best_pos):
        best_pos, best = whole, str(topic_year) if topic_year is not None else ""
    if now >= 0 and (best is None or now > best_pos):
        best_pos, best = now, str(year) if year is not None else ""
    if best is not None:
        return best
    return str(topic_year) if topic_year is not None else ""


def test_periods_without_a_date_or_cue_are_the_topic_period(sample_path, corpus_files):
    # attach answers a figure with no date, whole-year or now cue before it in its scope with
    # the topic period (memoised per topic year and modality) instead of calling _period: the
    # period of every figure recomputed from the document's dates, cues and topics
    from bisect import bisect_left

    seen = 0
    for path in [sample_path] + list(corpus_files)[:10]:
        p = prepare(read(path))
        facts = extract_facts(p)
        d = ctx._Doc(p)
        for f in facts:
            if f.kind in ("date", "duration"):
                continue
            cs = p.clean.to_clean(f.start)
            scope = d.scope_start(cs)
            clause = d.clause_start(cs, scope)
            last = lambda xs: xs[bisect_left(xs, cs) - 1] if bisect_left(xs, cs) > bisect_left(
                xs, scope) else -1
            want = _period_by_the_rules(f, d.year, d.gov, clause, d.dates_before(scope, cs),
                                        d.topic(f.section)[0], last(d.whole), last(d.now))
            assert f.period == want, (path.name, f.text, f.period, want)
            seen += 1
    assert seen > 1000


def _spans_by_merging(d, ordered, ks):
    """_spans_at as it was (before its run-merging loop): each sentence's scope, then runs of
    consecutive indexes merged by rewriting the last span (the reference)."""
    n = len(d.text)
    ends = d.sent_ends
    m = len(ends)
    out = []
    prev = -2
    for k, pos in dict(zip(ks, ordered)).items():
        b = min(n, (ends[k] if k < m else n) + 1)
        if k == prev + 1:
            out[-1] = (out[-1][0], b, pos)
        else:
            out.append((ends[k - 1] + 1 if k > 0 else 0, b, pos))
        prev = k
    return out


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab。！？!?\n，", max_size=60), st.lists(st.integers(0, 62), max_size=25))
def test_spans_at_merges_the_runs_of_consecutive_sentences(text, pos):
    # the runs are merged as they end (no tuple rewritten per sentence) and a scope's end is
    # the end + 1 without min(): an end is a character of the text, the text's end when none
    pos.sort()
    d = ctx._Doc.__new__(ctx._Doc)
    d.text = text
    ks: list[int] = []
    d.sent_ends = ctx._ends_around(text, pos, ks)
    assert d._spans_at(pos, ks) == _spans_by_merging(d, pos, ks)
    assert all(0 <= a < b <= len(text) or a == b == len(text) for a, b, _l in d._spans_at(pos, ks))


class _ReversedOffsets:
    """A clean text whose to_clean does not keep the order of the decoded offsets."""

    def __init__(self, clean):
        self._clean = clean

    def __getattr__(self, name):
        return getattr(self._clean, name)

    def to_clean(self, d):
        return max(0, len(self.text) - 1 - self._clean.to_clean(d))


def test_figures_flags_give_the_spans_of_the_figures_positions(sample_path, corpus_files):
    # attach passes the facts' clean starts in its visiting order with a figure flag each: the
    # figures' positions and sentence indexes are selected from all facts' (compress) instead
    # of sorted again and looked up per figure; same spans and scans as from ``numbers``, also
    # when the positions come unsorted (a Prepared's own offset map)
    import random

    rnd = random.Random(5)
    seen = 0
    for path in [sample_path] + list(corpus_files)[::12]:
        p = prepare(read(path))
        facts = extract_facts(p)
        pos = [p.clean.to_clean(f.start) for f in facts]
        fig = [f.kind not in ("date", "duration") for f in facts]
        for flags in (fig, [True] * len(pos), [False] * len(pos),
                      [rnd.random() < 0.5 for _ in pos]):
            nums = [x for x, f in zip(pos, flags) if f]
            old = ctx._Doc(p, pos, nums)
            order = sorted(range(len(pos)), key=pos.__getitem__)
            new = ctx._Doc(p, [pos[i] for i in order], figures=[flags[i] for i in order])
            shuffled = list(zip(pos, flags))
            rnd.shuffle(shuffled)
            unsorted = ctx._Doc(p, [x for x, _f in shuffled], figures=[f for _x, f in shuffled])
            for d in (new, unsorted):
                assert (d.sent_ends, d.cues, d.whole, d.now, d.inds) == \
                    (old.sent_ends, old.cues, old.whole, old.now, old.inds), path.name
            if flags is fig:
                seen += len(old.inds) + len(old.cues)
    assert seen


def test_doc_sorts_the_positions_of_an_order_changing_offset_map(sample_path):
    # positions given with figure flags are sorted again when they come unsorted (a clean
    # text whose to_clean does not keep the order): the same ends and scans as sorted ones
    doc = read(sample_path)
    p = prepare(doc)
    facts = extract_facts(p)
    rev = _ReversedOffsets(p.clean)
    got = ctx._Doc(p, [rev.to_clean(f.start) for f in facts], figures=[True] * len(facts))
    want = ctx._Doc(p, [rev.to_clean(f.start) for f in facts],
                    [rev.to_clean(f.start) for f in facts])
    assert (got.sent_ends, got.cues, got.inds) == (want.sent_ends, want.cues, want.inds)


def test_role_rules_searched_by_re_answer_as_their_regex(sample_path, corpus_files):
    # each role rule's pattern (an re twin where re_twin allows it) finds a match in the very
    # windows where its regex pattern does: the windows before every digit of real texts, as
    # _role cuts them (role_window characters at most), and the 4 characters after
    from extractor.rulefiles import compile_regex

    rules = load_yaml("lexicons/percent_roles.yaml")["rules"]
    r = ctx.context_rules()
    texts = [prepare(read(p)).clean.text for p in [sample_path] + list(corpus_files)[:12]]
    windows = [ex["sentence"][:ex["sentence"].index(ex["figure"])]
               for ex in load_yaml("lexicons/percent_roles.yaml")["examples"]]
    for text in texts:
        for m in re.finditer(r"\d+", text):
            windows.append(text[max(0, m.start() - r.role_window):m.start()])
            windows.append(text[m.end():m.end() + 4])
    twins = 0
    for (role, before, after), raw in zip(r.roles, rules):
        assert role == raw["role"]
        pairs = [(before, compile_regex(raw["before"]))]
        if raw.get("after"):
            pairs.append((after, compile_regex(raw["after"])))
        for used, rx in pairs:
            twins += used is not rx
            hits = 0
            for w in windows:
                got = used.search(w) is not None
                assert got == (rx.search(w) is not None), (role, w)
                hits += got
            assert hits, role          # (the windows test the rule)
    assert twins >= 3                  # today's rules: completion, share, growth (and ratio)


def test_role_pattern_keeps_regex_where_re_may_backtrack_without_end():
    # re has no guard against nested repeats: those keep the regex pattern (and its guard)
    for src in ("(?:增长+)*$", "(?:增长|增)*率$", "(?:[^,]{0,3}的)+$"):
        assert ctx._nested_repeat(ctx._re_parse(src, 0).data), src
        assert not isinstance(ctx._role_pattern(src), re.Pattern), src
    for src in ("(?:比重|占比)[^,，]{0,14}$", "[ab]*c$", "(?:x|yz)?z*$", "率[^,\\d]{0,6}$"):
        assert not ctx._nested_repeat(ctx._re_parse(src, 0).data), src
    assert isinstance(ctx._role_pattern("(?:比重|占比)[^,，]{0,14}$"), re.Pattern)
    assert not isinstance(ctx._role_pattern("率[^,\\d]{0,6}$"), re.Pattern)    # \d: no twin


def _plain_role(r, before, after):
    for role, rb, ra in r.roles:
        if rb.search(before) or (ra is not None and ra.search(after)):
            return role
    return ""


def test_role_scan_led_by_first_characters_gives_the_plain_searches_role(sample_path,
                                                                         corpus_files):
    # _role skips a pattern's search where the window holds none of its first characters and
    # searches from the first one: the role of the plain searches of every rule in turn, on
    # the windows before and after every number of real texts and made-up windows
    r = ctx.context_rules()
    assert all(first is not None for _role, first, _b, _fa, _a in r.role_scan)   # today's rules
    texts = [prepare(read(p)).clean.text for p in [sample_path] + list(corpus_files)[:12]]
    pairs = [("三次产业结构调整为8.2", ":40.5"), ("比为1", "：2"), ("a:", "x"), ("", ":1"),
             ("结构", ""), ("完成率达", ""), ("占比", ""), ("率拟按", "")]
    for text in texts:
        for m in re.finditer(r"\d+(?:\.\d+)?%?", text):
            pairs.append((text[max(0, m.start() - r.role_window):m.start()],
                          text[m.end():m.end() + 4]))
    seen = set()

    class _Fact:
        unit = ""

    for before, after in pairs:
        text = before + "5%" + after
        d = ctx._Doc.__new__(ctx._Doc)
        d.text, d.rules = text, r
        got = ctx._role(d, _Fact(), len(before), len(before) + 2, 0)
        assert got == _plain_role(r, before[-r.role_window:], after[:4]), (before, after)
        seen.add(got)
    assert seen >= {"ratio", "completion", "share", "growth", "rate", ""}

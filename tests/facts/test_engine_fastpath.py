"""The engine's shortcuts give exactly what the searches they stand for give.

The speed-ups in extractor/facts/engine.py replace some regex searches with cheaper exact tests
(str.find for plain words, a class of first characters, two-character pieces of the negative
phrases) and cache pure work (resolutions per rule and groups, the rules folder signature).
Each is checked here against the plain search on arbitrary text."""
from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
import regex
from hypothesis import example, given, settings, strategies as st

from extractor.facts import engine
from extractor.facts.engine import find_number_facts
from extractor.facts.ruleset import first_chars, literal_test, load_ruleset
from extractor.rulefiles import rules_dir

RS = load_ruleset()
NEG_CHARS = "".join(sorted({ch for _, rx, t, _, _ in RS.neg_checks
                            for ch in (rx.pattern[:400] + (getattr(t, "pattern", t) or ""))
                            if not ch.isspace()}))
ALPHABET = list("0123456789０１２３.,%％‰‰:：-—至到与和之间约近余多万亿千百十一二两三五九零元美港块角毛分"
                "个家人次亩吨千米倍成点第届期号张“”「」'\"ABCXYZabcxyz，。；、（）() 人民币百分位")
ALPHABET += [ch for ch in NEG_CHARS if ch not in ALPHABET][:200]


def _reference_negative_hit(text: str, start: int, end: int, rs, arabic: bool = False) -> str:
    """The negative check as it was before the shortcuts (every search, every timeout)."""
    lo = max(0, start - 24)
    hi = min(len(text), end + 24)
    any_trigger = rs.negative_any_trigger is None or rs.negative_any_trigger.search(text, lo, hi)
    for name, rx, trigger in rs.negatives:
        if trigger is not None and (not any_trigger or trigger.search(text, lo, hi) is None):
            continue
        if arabic and name == "phrase":
            continue
        for m in rx.finditer(text, lo, hi, timeout=5):
            if m.start() < end and m.end() > start and m.end() > m.start():
                return f"negative lexicon ({rs.negative_names.get(name, name)}): {m.group()!r}"
    return ""


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=70), st.data())
@example("推进“八个振兴”，两岸三地2个", None)
@example("国办发〔2023〕15号文件3个，一期工程2个", None)
def test_negative_hit_is_the_plain_search(text, data):
    spans = [(0, len(text))]
    if data is not None:
        a = data.draw(st.integers(0, len(text) - 1))
        spans.append((a, data.draw(st.integers(a + 1, len(text)))))
    else:
        spans += [(i, min(len(text), i + 3)) for i in range(len(text))]
    for a, b in spans:
        for arabic in (False, True):
            assert engine._negative_hit(text, a, b, RS, arabic) == _reference_negative_hit(
                text, a, b, RS, arabic), (text, a, b, arabic)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET + ["13800138000", "第三届", "四张名片", "“两个维护”",
                                            "ABCDEFGHIJKLMNO1", "一期", "百分位", "届五次会议"]),
                max_size=30).map("".join), st.data())
@example("第3届“两个维护”电话13800138000张，一期工程2个", None)
@example("十九届二中全会，第一批335亩，四张名片，G107国道3个", None)
def test_negative_hit_with_the_watch_is_the_plain_search(text, data):
    """The path the engine takes (watch armed): the checks picked by the one-character
    triggers found (_neg_plan: their tests dropped, the others' skipped), the regex triggers
    only where their run gate finds a run, each pattern's first search before its iterator: what every search finds, in every window."""
    if not text:
        return
    spans = [(a, min(len(text), a + k)) for a in range(len(text)) for k in (1, 3)]
    if data is not None:
        spans = data.draw(st.lists(st.sampled_from(spans), max_size=20))
    watch = engine._Watchdog.start(engine.NEGATIVE_TIMEOUT, "a negative pattern")
    try:
        for a, b in spans:
            for arabic in (False, True):
                assert engine._negative_hit(text, a, b, RS, arabic, watch) == \
                    _reference_negative_hit(text, a, b, RS, arabic), (text, a, b, arabic)
    finally:
        if watch is not None:
            watch.stop()


def test_negative_plan_covers_the_one_character_triggers():
    """_neg_plan: a bit per check whose trigger is one of a set of literal characters, the
    regex triggers (\\d{7}, [0-9A-Z]{15}) under the run gate; the checks walked for a mask are
    in rs.neg_checks' order, the found ones without their trigger test."""
    bits, _, gated = engine._neg_plan(RS)
    names = [c[0] for c in RS.neg_checks]
    index = {n: i for i, n in enumerate(names)}
    assert bits["第"] == 1 << index["ordinal"] and bits["号"] == 1 << index["doc_number"]
    assert bits["届"] == (1 << index["congress_session"]) | (1 << index["session_ordinal"])
    assert bits["A"] == bits["z"] == 1 << index["code_with_letters"]
    assert bits["“"] == 1 << index["quoted_slogan"] and set("号第届张期“A") <= set(bits)
    assert gated == (1 << index["phone"]) | (1 << index["id_number"]) | (1 << len(names))
    walked = engine._neg_checks_for(RS, bits, gated, bits["第"])
    assert [c[0] for c in walked] == ["phrase", "ordinal", "percentile"]
    assert walked[1][2] is None and walked[2][2] == "百分位"
    walked = engine._neg_checks_for(RS, bits, gated, bits["第"] | gated)
    assert [c[0] for c in walked] == ["phrase", "phone", "id_number", "ordinal", "percentile"]
    assert bits["期"] == 1 << index["phase_name"]


def _window_has(rx, test, text, lo, hi) -> bool:
    """The engine's near gate, written out (see scan)."""
    if test is None:
        return rx.search(text, lo, hi) is not None
    words, exact = test
    if not any(text.find(w, lo, hi) >= 0 for w in words):
        return False
    return exact or rx.search(text, lo, hi) is not None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=40), st.data())
def test_near_gates_are_the_plain_search(text, data):
    lo = data.draw(st.integers(0, len(text)))
    hi = data.draw(st.integers(lo, len(text)))
    for p in RS.patterns:
        if p.near is not None:
            assert _window_has(p.near, p.near_test, text, lo, hi) == (
                p.near.search(text, lo, hi) is not None), (p.id, text, lo, hi)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=40), st.data())
def test_gate_table_keeps_every_pattern_whose_near_gate_passes(text, data):
    """_match_anchors drops a gated pattern when none of its gate's first characters is in the
    window, and asks no search of a one-character gate that is there: exactly the patterns
    whose near search passes are left (ungated ones always), in priority order."""
    lo = data.draw(st.integers(0, len(text)))
    hi = data.draw(st.integers(lo, len(text)))
    kinds = frozenset(data.draw(st.sets(st.sampled_from(sorted(engine._ALL_KINDS)), min_size=1)))
    gate, pairs, _ = engine._pattern_list(RS.patterns, kinds)
    assert [p for p, _ in pairs] == [p for p in RS.patterns if p.kind in kinds]
    if gate is None:
        return
    kept = engine._patterns_to_try(pairs, frozenset(gate(text, lo, hi)))
    for p, near in kept:
        if p.near is not None and near is None:
            assert p.near.search(text, lo, hi) is not None, (p.id, text, lo, hi)
    left = {p.id for p, _ in kept}
    for p, _ in pairs:
        if p.near is None or p.near.search(text, lo, hi) is not None:
            assert p.id in left, (p.id, text, lo, hi)
    assert [p.id for p, _ in kept] == [p.id for p, _ in pairs if p.id in left]


_GATE_CHARS = sorted({ch for p in RS.patterns if p.near_first for ch in p.near_first})


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET + _GATE_CHARS + list("-]^\\[\n\t.*|") + ["\U0001F600"],
               max_size=40), st.data())
def test_gate_finder_finds_the_set_intersection(text, data):
    """_gate_finder's class scan finds in a window exactly the gate characters the set
    intersection of the slice finds: for the shipped kind sets' gates, for characters that are
    special in a class (- ] ^ \\ [) or outside the BMP, and with its fallback for a set that
    holds more than single characters."""
    lo = data.draw(st.integers(0, len(text)))
    hi = data.draw(st.integers(lo, len(text)))
    for kinds in (frozenset([k]) for k in sorted(engine._ALL_KINDS)):
        gate, _, _ = engine._pattern_list(RS.patterns, kinds)
        if gate is not None:
            chars = frozenset().union(*(p.near_first for p in RS.patterns
                                        if p.kind in kinds and p.near is not None))
            assert frozenset(gate(text, lo, hi)) == chars.intersection(text[lo:hi])
    for chars in (frozenset("-]^\\[\U0001F600元"), frozenset(["元", "美元"]),
                  frozenset(_GATE_CHARS[::3])):
        found = frozenset(engine._gate_finder(chars)(text, lo, hi))
        assert found == chars.intersection(text[lo:hi]), (chars, text, lo, hi)


def test_gate_finder_is_a_class_scan_for_single_characters():
    assert isinstance(engine._gate_finder(frozenset("元%")).__self__, re.Pattern)
    assert engine._gate_finder(frozenset("元%"))("3元5%元", 0, 5) == ["元", "%", "元"]
    # (a set with a word: the slice's characters in it, as before)
    assert engine._gate_finder(frozenset(["元", "美元"]))("美元", 0, 2) == frozenset(["元"])


def test_plain_word_triggers_are_found_with_find():
    """The negatives' one-word triggers (号, 第, 届 …) are strings for str.find; the others
    stay compiled; the untraced check gives what the plain searches give (see above)."""
    triggers = {name: t for name, _, t, _, _ in RS.neg_checks}
    assert triggers["doc_number"] == "号" and triggers["percentile"] == "百分位"
    assert hasattr(triggers["phone"], "search") and triggers["phrase"] is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET + list("〇壹贰貳俩叁參仨肆伍陆陸柒捌玖拾佰仟萬億．点"), max_size=80))
@example("一,2.三点 ５０％，十亿3000万。")
def test_run_finder_finds_the_scanners_runs(text):
    """The engine scans with the scanner's twin compiled by re: the same runs."""
    assert RS.run_finder is not None and RS.run_finder.pattern == RS.scanner.pattern
    assert [m.span() for m in RS.run_finder.finditer(text)] == [
        m.span() for m in RS.scanner.finditer(text)]


def test_stdlib_twin_only_for_a_class_run_of_literals():
    from extractor.facts.ruleset import _stdlib_twin

    assert _stdlib_twin(regex.compile(r"[a\-b点](?:[\.x,])*+")) is not None
    for src in (r"[\d](?:[a])*+", r"[\p{Han}](?:[a])*+", r"[a](?:[a])*", r"[[a]b](?:[a])*+",
                r"[a](?:[a])*+x", r"(?i)[a](?:[a])*+"):
        assert _stdlib_twin(regex.compile(src)) is None, src


def test_groups_zipped_with_the_names_are_the_groupdict():
    """_resolve_groups builds the groupdict from the groups tuple resolve has already made."""
    from extractor.facts.ruleset import rule_cases

    assert all(p.group_names is not None for p in RS.patterns)
    seen = 0
    for case in rule_cases():
        for c in engine.scan(case.text, RS):
            assert dict(zip(c.rule.group_names, c.m.groups())) == c.m.groupdict(), c.rule.id
            seen += 1
    assert seen > 150


def test_group_names_only_when_every_group_is_named_once():
    from extractor.facts.ruleset import _group_names

    assert _group_names(regex.compile(r"(?P<a>x)(?P<b>y)?")) == ("a", "b")
    assert _group_names(regex.compile(r"(?P<a>x)(y)")) is None
    # (regex numbers a name used twice once: its group is the name's)
    rx = regex.compile(r"(?P<a>x)|(?P<a>y)")
    assert _group_names(rx) == ("a",)
    assert dict(zip(("a",), rx.match("y").groups())) == rx.match("y").groupdict()


@given(st.sampled_from(["0", "1", "-2.50", "1E+3", "0.010", "12345.6700", "-0", "7"]),
       st.sampled_from(["same", "copy", "none", "other"]),
       st.sampled_from(["same", "low", "copy", "none", "other"]))
def test_norm3_is_norm_of_each(v, lo_how, hi_how):
    from decimal import Decimal

    value = Decimal(v)
    pick = {"same": value, "copy": Decimal(v), "none": None, "other": Decimal("2.50")}
    low = pick[lo_how]
    high = low if hi_how == "low" else pick[hi_how]
    got = engine._norm3(value, low, high)
    want = (engine._norm(value), engine._norm(low), engine._norm(high))
    assert [(str(a), type(a)) for a in got] == [(str(a), type(a)) for a in want]


def test_log10_of_an_int_is_that_of_its_decimal():
    from decimal import Decimal

    for n in (0, 1, 7, 10, 100, 1000, 10**4, 10**8, 10**12, 120, 3000, 10**28, -100):
        assert engine._log10(n) == engine._log10(Decimal(n)), n


FIRST_CHARS_CASES = {
    "abc": "a", "a|b": "ab", "(?:ab|cd)e": "ac", "[a-c]x": "abc", "x{2,}y": "x", "(a|b)+c": "ab",
    "(?P<x>ab)|c": "ac", "[a-]": "-a", r"\.": ".", r"(?<!x)(?:0\d|1)": "01",
    r"(?<=\p{Han})[12]x(?=[a)])": "12", r"a\p{Han}+[^)]*(?:x|(y))": "a", "(?>ab|c)d": "ac",
    # not sure: optional or empty first item, flags, classes it does not read, anchors
    "a|": None, "a?b": None, "(?i)a": None, r"\d{7}": None, "[^a]": None, "[a-c]{0,2}x": None,
    "[]a]": None, "a{": None, "a{b}": None, "(?x)a": None, "(?!a)?b": None, "(?<=a)": None,
    ".a": None, "^a": None, "$": None, "(?=a)|b": None,
}


def test_first_chars_cases():
    for src, want in FIRST_CHARS_CASES.items():
        got = first_chars(src)
        assert (None if got is None else "".join(sorted(got))) == want, src


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(k for k, v in FIRST_CHARS_CASES.items() if v)),
       st.text(alphabet=list("abcdxy0123-.)(\u4e00中文"), max_size=12))
def test_first_chars_is_where_matches_start(src, text):
    first = first_chars(src)
    for m in regex.compile(src).finditer(text, overlapped=True):
        if m.end() > m.start():
            assert text[m.start()] in first, (src, text, m)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET + list("$€£¥￥圆kKwW萬億"), min_size=1, max_size=40), st.data())
def test_literal_words_are_what_the_search_finds(text, data):
    """A search of a near gate read as literal words finds something iff one of the words is
    in the span (the engine passes a gate on one of its one-character words, near_sure)."""
    from extractor.facts.ruleset import literal_words

    lo = data.draw(st.integers(0, len(text)))
    hi = data.draw(st.integers(lo, len(text)))
    for p in RS.patterns:
        words = literal_words(p.near.pattern) if p.near is not None else None
        if words is not None:
            assert any(text.find(w, lo, hi) >= 0 for w in words) == (
                p.near.search(text, lo, hi) is not None), (p.id, text, lo, hi)
        if p.near_sure is not None:
            assert p.near_sure <= words and all(len(w) == 1 for w in p.near_sure)


def test_literal_words_cases():
    from extractor.facts.ruleset import literal_words

    assert literal_words("a|b") == {"a", "b"}
    assert literal_words("(?:ab|c)|d") == {"ab", "c", "d"}
    assert literal_words(r"US\$|(?:元)") == {"US$", "元"}
    assert literal_words("[万亿kK]") == {"万", "亿", "k", "K"}
    for src in ("[ab]x", "a+|b", "(?i)a", r"a\.b|\d", "[^ab]", "(?:a|b)c", "", "a|", "(?=a)b"):
        assert literal_words(src) is None, src


def test_literal_test_cases():
    assert literal_test("百分之") == (("百分之",), True)
    assert literal_test("[%％‰]") == (("%", "‰", "％"), True)
    assert literal_test("a.b") == (("a",), False)
    assert literal_test(".b") is None
    assert literal_test("[ab]x") == (("a", "b"), False)
    assert literal_test(r"\d+") is None


def test_resolution_cache_keeps_the_sign_per_place():
    """Same groups, different growth word before them: one cached resolution, two signs."""
    got = find_number_facts("同比下降2.7%，同比增长2.7%，下降1-2个百分点，增加1-2个百分点", RS)
    assert [(f.text, str(f.value), str(f.value_low), str(f.value_high)) for f in got] == [
        ("2.7%", "-2.7", "-2.7", "-2.7"), ("2.7%", "2.7", "2.7", "2.7"),
        ("1-2个百分点", "-2", "-2", "-1"), ("1-2个百分点", "1", "1", "2")]
    again = find_number_facts("同比下降2.7%，同比增长2.7%，下降1-2个百分点，增加1-2个百分点", RS)
    assert [(f.text, f.value, f.value_low, f.value_high, f.approx) for f in again] == [
        (f.text, f.value, f.value_low, f.value_high, f.approx) for f in got]


def _age(root: Path, seconds: float = 60) -> None:
    """Give every file and folder of ``root`` an mtime ``seconds`` ago (a quiet rules folder)."""
    old = time.time() - seconds
    for dirpath, _, files in os.walk(root):
        for name in files:
            os.utime(Path(dirpath) / name, (old, old))
        os.utime(dirpath, (old, old))


def _break(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_quiet_rules_folder_still_sees_edits_and_new_files(tmp_path: Path):
    """The signature shortcut (stat the known files while the folders' mtimes hold) still sees
    an edited file at once, and a file added or removed through the folder's mtime."""
    from extractor.facts.ruleset import _quick_signature, _signature

    dst = tmp_path / "rules"
    shutil.copytree(rules_dir(), dst)
    _age(dst)
    first = load_ruleset(dst)
    assert load_ruleset(dst) is first                      # cached while nothing changes
    assert _quick_signature(dst) == _signature(dst)
    _break(dst / "lexicons" / "measure_words.yaml", "  - 家\n", "  - 家\n  - 泵\n")
    second = load_ruleset(dst)
    assert second is not first and "泵" in second.lexicons.measure_words
    assert _quick_signature(dst) == _signature(dst)
    _age(dst)
    (dst / "kinds" / "extra.yaml").write_text("patterns: []\n", encoding="utf-8")
    assert _quick_signature(dst) == _signature(dst)
    _age(dst)
    (dst / "kinds" / "extra.yaml").unlink()
    assert _quick_signature(dst) == _signature(dst)
    assert load_ruleset(dst).lexicons.measure_words == second.lexicons.measure_words


def _facts_key(facts) -> list:
    return [(f.kind, f.text, f.start, f.end, f.value, f.value_low, f.value_high, f.decimals,
             f.approx, f.unit, f.scale, f.qualifiers, f.rule_id, f.low_open, f.high_open, f.role)
            for f in facts]


ENGINE_TEXTS = [
    "全年完成投资1200万元，同比增长7.5%。其中第3批项目35家，一个项目，近40万人次",
    "推进“八个振兴”，两岸三地2个，国办发〔2023〕15号文件3个，一期工程2个",
    "分别为3.2、1.1亿元，分别回落2.16和1.66个百分点；三到五个，200-300万元，十八至三十万",
    "全年完成投资" + "1" * 40 + "元，同比增长7.5%。",     # resolving 1…1 fails: a phone/id first
    "奖金设置近40万，吸引了近800件作品。人民币8亿元，百分之十二，下降2.7%，1万(含)-5万元",
    "第一批335亩，一个项目，一批工程，G107国道3个，一到两个，一吨半，零个，第3届，X9642家",
]


def _doomed_cases() -> list[tuple[str, list]]:
    """Every candidate of the engine texts and of the corpus sample (the traced scan drops
    nothing), with its text."""
    from extractor.facts.engine import scan

    texts = list(ENGINE_TEXTS)
    corpus = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "raw"
    if corpus.is_dir():
        texts += [p.read_text(encoding="utf-8", errors="replace")[:20000]
                  for p in sorted(corpus.iterdir())[:12]]
    return [(t, scan(t, RS, trace=engine.Trace())) for t in texts]


def test_doomed_matches_are_the_ones_checked_rejects_at_once():
    """_doomed (a match the untraced scan drops before it is a candidate) holds only for
    candidates that _checked rejects, one by one; and it does hold for some of each kind of
    reason (the number after 第 or a letter, a lone 一 before a measure word)."""
    extra = engine._reject_runs(RS.patterns)[2]
    reasons = set()
    for text, cands in _doomed_cases():
        for c in cands:
            if engine._doomed(text, c.rule, c.start, c.m, extra):
                assert engine._checked([c], text, RS, None, False, None, None) == [], (
                    text[c.start:c.end], c.rule.id)
                trace = engine.Trace()
                engine._checked([c], text, RS, None, False, trace, None)
                reasons.add(c.reason.split(" ")[0])
    assert {"ordinal", "figure", "lone"} <= reasons, reasons


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.sampled_from(ENGINE_TEXTS),
                 st.text(alphabet=ALPHABET, min_size=1, max_size=80)))
@example(ENGINE_TEXTS[3])
def test_untraced_run_keeps_what_the_traced_run_keeps(text):
    """Without a trace the checks run in another order (cheapest first) and the overlaps are
    found in a byte map: the facts are exactly those of the traced run, which checks every
    candidate in the documented order and records each reason."""
    trace = engine.Trace()
    traced = find_number_facts(text, RS, trace=trace)
    assert _facts_key(find_number_facts(text, RS)) == _facts_key(traced)
    spans = sorted((c.start, c.end) for c in trace.candidates if not c.reason)
    assert all(e1 <= s2 for (_, e1), (s2, _) in zip(spans, spans[1:]))   # no overlap kept


def test_untraced_run_keeps_what_the_traced_run_keeps_on_the_corpus():
    """The untraced run checks scan's matches as tuples (_kept: no Candidate) and picks the
    overlaps from the tuples' own order: on real reports, with jieba's word cut for Chinese
    numerals, its facts are exactly those of the traced run (Candidates, the documented order
    of the checks, a stable sort by key); and the word cut and the overlap choice are both
    exercised there."""
    from extractor.reading import read
    from extractor.text import prepare

    corpus = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "raw"
    if not corpus.is_dir():
        pytest.skip("no corpus at ../shared/corpus/raw")
    reasons = set()
    for path in sorted(corpus.iterdir())[::4]:
        p = prepare(read(path))
        trace = engine.Trace()
        traced = find_number_facts(p.clean.text, RS, words=p.words, trace=trace)
        assert _facts_key(find_number_facts(p.clean.text, RS, words=p.words)) == \
            _facts_key(traced), path.name
        reasons.update(c.reason.split(" ")[0] for c in trace.candidates)
    assert {"boundary", "overlap:"} <= reasons, reasons


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=list("0123456789.、和及与a万 "), max_size=14), st.data())
def test_list_item_needs_a_separator_before_the_figure(text, data):
    """_distribute_lists skips the reverse match when the character before the figure is not
    a separator: the match would fail there."""
    pos = data.draw(st.integers(0, len(text)))
    if pos == 0 or text[pos - 1] not in engine._LIST_SEPS:
        assert engine._LIST_ITEM.match(text, max(0, pos - 24), pos) is None


def test_fact_by_position_is_the_fact_by_keywords():
    """resolve makes a fact by position from the resolution's _fact_tail: the same fact as the
    keywords give (the fields after ``end`` are Fact's, in its order, the others at their
    defaults)."""
    import dataclasses
    from decimal import Decimal

    from extractor.model import Fact

    assert tuple(f.name for f in dataclasses.fields(Fact)) == engine._FACT_FIELDS
    v, lo = Decimal("1.5"), Decimal(1)
    got = Fact("", "percent", "1-1.5%", 3, 9, *engine._fact_tail(
        v, lo, None, 1, "range", "%", "万", "近|余", "percent.range", True, False))
    assert got == Fact(doc_id="", kind="percent", text="1-1.5%", start=3, end=9, value=v,
                       value_low=lo, value_high=None, decimals=1, approx="range", unit="%",
                       role="", scale="万", qualifiers="近|余", rule_id="percent.range",
                       low_open=True, high_open=False)


class _Everything:
    def __contains__(self, item) -> bool:
        return True


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.sampled_from(ENGINE_TEXTS),
                 st.text(alphabet=ALPHABET + list("kKwW日元美圆块"), min_size=1, max_size=60)))
@example("百分之三十，约2亿元，12日元，3万kw，人民币5万元")
def test_kinds_without_the_call_are_those_of_kinds_for(text):
    """_match_anchors looks up the kinds of a run followed by a plain tail character itself
    (rs.tail_len, the tail_kinds memo); with every run sent to _kinds_for instead, the
    candidates are the same. No (rule, start) is matched twice (the ``seen`` set, asked only
    about starts that prefixes reach back to)."""
    def spans():
        return [(c.rule.id, c.start, c.end) for c in engine.scan(text, RS)]

    fast = spans()
    assert len({(r, s) for r, s, _ in fast}) == len(fast)
    plain_after = engine._PLAIN_AFTER_NOT
    try:
        engine._PLAIN_AFTER_NOT = _Everything()
        slow = spans()
    finally:
        engine._PLAIN_AFTER_NOT = plain_after
    assert fast == slow


def test_tail_len_is_the_longest_tail_word():
    assert RS.tail_len == {c: len(words[0][0]) for c, words in RS.words_by_char.items()}
    assert set(RS.tail_len) == set(RS.kinds_by_char)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=list("。；;！!？?\n，,、 ab投资奖金1"), max_size=30), st.data())
def test_clause_left_is_the_text_after_the_last_clause_end(text, data):
    """_clause_left (one match) = the window cut after each clause end in turn (as before)."""
    lo = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(lo, len(text)))
    left = text[lo:end]
    for ch in engine._CLAUSE_END:
        k = left.rfind(ch)
        if k >= 0:
            left = left[k + 1:]
    assert engine._clause_left(text, lo, end) == left


def test_literal_twin_only_for_an_alternation_of_plain_words():
    """The negative phrases are searched by their re twin (the property test above compares
    _negative_hit with the regex searches of rs.negatives); patterns that are not plain words,
    or carry flags that change a word's matches, keep regex."""
    import re

    from extractor.facts.ruleset import _literal_twin

    assert isinstance(RS.neg_checks[0][1], re.Pattern)
    assert RS.neg_checks[0][1].pattern == RS.negatives[0][1].pattern
    assert isinstance(_literal_twin(regex.compile("(?:两岸三地|三农)")), re.Pattern)
    for src in (r"[\p{Han}]{1,8}号", r"(?i)(?:ab|c)", r"a+|b", r"\d{7}"):
        rx = regex.compile(src)
        assert _literal_twin(rx) is rx, src


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET + list("٣٤٥६७८௧௨𑥐𑥑")
                                + ["1234567", "ABCDEFGHIJKLMNO", "٣٤٥٦٧٨٩", "１２３４５６７"]),
                max_size=40).map("".join), st.data())
@example("电话1380013800０", None)
@example("ID 11010519491231002X号", None)
def test_trigger_parts_find_what_the_union_finds(text, data):
    """The negative triggers' union is asked in parts (a re class of its one-character
    triggers, its other plain words, a regex union of the rest): something is found iff the
    union finds something, in every window (digits of other scripts included: \\d); the gate
    before the regex part finds a run wherever that part finds something."""
    chars, words, rest, gate = RS.negative_trigger_parts
    windows = [(lo, hi) for lo in range(len(text) + 1) for hi in range(lo, len(text) + 1)]
    if data is not None:
        windows = data.draw(st.lists(st.sampled_from(windows), max_size=30))
    for lo, hi in windows:
        found = rest is not None and rest.search(text, lo, hi) is not None
        parts = ((chars is not None and chars.search(text, lo, hi) is not None)
                 or any(text.find(w, lo, hi) >= 0 for w in words) or found)
        assert parts == (RS.negative_any_trigger.search(text, lo, hi) is not None), (text, lo, hi)
        if found:
            assert gate is None or gate.search(text, lo, hi) is not None, (text, lo, hi)


def test_trigger_parts_split_by_form():
    """One-character and class triggers go to the re class, other plain words to str.find,
    the rest (\\d{7}, [0-9A-Z]{15}) stay regex; nothing is split under a flag that changes
    what a word matches."""
    import re

    from extractor.facts.ruleset import _trigger_parts, _word_or_regex

    chars, words, rest, gate = RS.negative_trigger_parts
    assert isinstance(chars, re.Pattern) and set("号第届张期“A") <= set(chars.pattern)
    assert gate is not None and gate.search("1234567") and gate.search("123456") is None
    assert words == ("百分位",) and "\\d{7}" in rest.pattern
    assert isinstance(_word_or_regex(regex.compile("[A-Za-z]")), re.Pattern)
    assert _word_or_regex(regex.compile("第")) == "第"
    assert _word_or_regex(regex.compile(r"\d{7}")).pattern == r"\d{7}"
    union = regex.compile("(?:(?i)k)|(?:x)")      # a flagged trigger stays in the regex part
    chars, words, rest, gate = _trigger_parts(["(?i)k", "x"], union)
    assert chars.pattern == "[x]" and rest.pattern == "(?:(?i)k)"
    for text in ("K", "k", "X", "x"):
        assert (bool(chars.search(text)) or bool(rest.search(text))) == bool(union.search(text))
    assert _trigger_parts(["k", "x"], regex.compile("(?:k)|(?:x)", regex.IGNORECASE)) is None
    assert _trigger_parts([r"\d{7}"], regex.compile(r"(?:\d{7})")) is None


def test_run_gate_only_for_runs_of_one_item_outside_its_characters():
    """_run_gate: triggers that are one character item repeated at least n times get a re
    search for min(n) characters in a row outside _NOT_CODE, if no such character matches an
    item; anything else gets no gate."""
    from extractor.facts.ruleset import _run_gate

    flags = regex.compile("x").flags
    gate = _run_gate([r"\d{7}", "[0-9A-Z]{15,}"], flags)
    assert gate.search("1234567").span() == (0, 7) and gate.search("123456") is None
    assert gate.search("增长1234.56亿元，同比3.5%") is None
    assert gate.search("电话1380013800０") and gate.search("证号11010519491231002X")
    assert gate.search("٣٤٥٦٧٨٩") and gate.search("ABCDEFG")
    for bad in ([r"\d{7}", "[a-z]{3}"], [r"\d{7}(?!\d)"], [r"\w{7}"], [r"[^a]{7}"], [r"\d+"],
                [r"\d{7}?"], ["[，,]{2}"]):
        assert _run_gate(bad, flags) is None, bad


def test_run_gate_finds_what_the_plain_run_finds_on_the_corpus(corpus_files):
    """The gate starts with its class apart (so re skips to the class's characters): in every
    window of 48 characters of the corpus (one every 7) it finds the run that the plain ``[^…]{n}`` finds."""
    from extractor.facts.ruleset import _NOT_CODE, _run_gate

    gate = _run_gate([r"\d{7}", "[0-9A-Z]{15,}"], regex.compile("x").flags)
    cls = "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in _NOT_CODE)
    plain = re.compile(f"[^{cls}]{{7}}")
    found = 0
    for path in corpus_files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for lo in range(0, len(text), 7):
            got = gate.search(text, lo, lo + 48)
            want = plain.search(text, lo, lo + 48)
            assert (got and got.span()) == (want and want.span()), (path.name, lo)
            found += want is not None
    assert found


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.sampled_from(ENGINE_TEXTS),
                 st.text(alphabet=ALPHABET, min_size=1, max_size=80)))
@example("同比增长7.5%，35家，人民币8亿元，1200万元，3-5家，百分之十二")
def test_leaving_the_pattern_list_when_every_kind_is_done_keeps_the_candidates(text):
    """Once each kind of an anchor has a plain match at its first start, the rest of its
    pattern list is left (_STOP_WHEN_DONE): the same candidates (rule, span) as walking it to
    the end, traced and untraced, on hypothesis and corpus texts."""
    from extractor.facts.engine import scan

    texts = [text] + ([t for t, _ in _doomed_cases()[-12:]] if text == ENGINE_TEXTS[0] else [])
    for t in texts:
        for trace in (None, engine.Trace()):
            fast = [(c.rule.id, c.start, c.end) for c in scan(t, RS, trace=trace)]
            engine._STOP_WHEN_DONE = False
            try:
                slow = [(c.rule.id, c.start, c.end) for c in scan(t, RS, trace=trace)]
            finally:
                engine._STOP_WHEN_DONE = True
            assert fast == slow, t

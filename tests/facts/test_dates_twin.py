"""The date families searched with an ``re`` twin (date.yaml ``twin``) find exactly what their
``regex`` pattern finds.

A twin is the family's pattern with its groups renamed apart (re gives each group its own
number) and each \\d written as the set of the Basic Multilingual Plane's characters that
regex's \\d matches; ruleset.re_twin proves re reads it as regex does. It is asked only under
the scan's watch and only about texts without a character beyond that plane. The reference is
the same scan with every twin taken away.
"""
from __future__ import annotations

import dataclasses
import random
import re

import pytest
import regex

from extractor.facts import dates
from extractor.facts.dates import _apart, _bmp_only, _digits_written, _twin_source, ruleset
from extractor.rulefiles import load_yaml

from .test_dates_fast import _cannot_watch


@pytest.fixture(autouse=True)
def fresh_rules():
    """Each test gets the rule set built anew (a test may drop a twin; the set is shared)."""
    dates.ruleset.cache_clear()
    yield
    dates.ruleset.cache_clear()


def _hits(text: str, year: int | None = 2023) -> list[tuple]:
    return [tuple(getattr(h, f.name) for f in dataclasses.fields(h))
            for h in dates.scan(text, year)]


def _without_twins(text: str, year: int | None = 2023) -> list[tuple]:
    fams = ruleset().families
    kept = [f.twin for f in fams]
    try:
        for f in fams:
            object.__setattr__(f, "twin", None)
        return _hits(text, year)
    finally:
        for f, t in zip(fams, kept):
            object.__setattr__(f, "twin", t)


@pytest.fixture
def twin_calls(monkeypatch):
    """The families whose windows were searched with their twin."""
    seen: list[str] = []
    real = dates._search_watched

    def spy(text, fam, windows, watch, twin=None):
        if twin is not None:
            assert isinstance(twin.pattern, re.Pattern)
            seen.append(fam.name)
        return real(text, fam, windows, watch, twin)

    monkeypatch.setattr(dates, "_search_watched", spy)
    return seen


OTHER_DIGITS = "٣۵३৭٠੬૪୧௮"          # Arabic-Indic, Devanagari, Bengali …: \d to both engines
PIECES = (list("0123456789〇○零一二两三四五六七八九十百千万亿半多余几第每前后")
          + list("年月日号季度个天周时钟头星期小分工作内底末初旬上下中今去明本这当同近约超逾不至到")
          + list("-—–~～－./·•:：、，。；（）“”\"「」《》 \t\u3000\n") + list(OTHER_DIGITS)
          + ["2023年", "2019年", "二〇二三年", "12月", "3月", "16日", "1-9月份", "季度", "上半年",
             "个月", "个工作日", "小时", "分钟", "星期", "为期", "以来", "以内", "之内", "左右",
             "以上", "今年", "去年", "年底", "年初", "年内", "前三季度", "两三年", "近半年",
             "3个多月", "两年半", "5年来", "30日内", "将近", "不少于", "21年3月", "2021—2025年"]
          + list("全区实现地区生产总值增长工业项目建设完成投资亿元同比我们开展了活动会议"))


def _random_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(PIECES) for _ in range(n))


def test_the_shipped_twin_families_have_a_twin() -> None:
    spec = load_yaml("kinds/date.yaml")["families"]
    wanted = {name for name, s in spec.items() if s.get("twin")}
    assert wanted == {"D", "M", "Y"}
    assert {f.name for f in ruleset().families if f.twin is not None} == wanted


@pytest.mark.parametrize("seed", range(40))
def test_twins_find_what_regex_finds_on_random_text(seed: int, twin_calls) -> None:
    if _cannot_watch():
        pytest.skip("no CPU timer here: the twins are not used")
    rng = random.Random(seed)
    text = _random_text(rng, 400)
    for year in (2023, None):
        assert _hits(text, year) == _without_twins(text, year)
    assert set(twin_calls) == {"D", "M", "Y"}


def _examples() -> str:
    out = []
    for fname in ("kinds/date.yaml", "kinds/duration.yaml"):
        for spec in load_yaml(fname)["patterns"]:
            for ex in (spec.get("examples") or []) + (spec.get("counter_examples") or []):
                out.append(ex["text"])
    return "。".join(out)


def test_twins_find_what_regex_finds_on_the_rule_examples(twin_calls) -> None:
    if _cannot_watch():
        pytest.skip("no CPU timer here: the twins are not used")
    text = _examples()
    assert _hits(text) == _without_twins(text)
    # the same with the other scripts' digits around each figure
    mixed = regex.sub(r"(?<=\d)|(?=\d)", lambda m: "٣", text[:3000])
    assert _hits(mixed) == _without_twins(mixed)
    assert set(twin_calls) == {"D", "M", "Y"}


# a digit beyond the Basic Multilingual Plane that regex's \d matches (Kawi, Unicode 15)
ASTRAL_DIGIT = "\U00011f53"


def test_a_text_beyond_the_plane_is_not_asked_of_the_twins(twin_calls) -> None:
    assert regex.fullmatch(r"\d", ASTRAL_DIGIT) and not _bmp_only(ASTRAL_DIGIT)
    text = f"为期{ASTRAL_DIGIT}3个月，{ASTRAL_DIGIT}2023年底，3个月"
    d = next(f for f in ruleset().families if f.name == "D")
    # the twin alone would be wrong here: to regex the digit is part of the number, to the
    # twin it is no digit
    assert d.twin.pattern.search(text).start() == 3 and d.pattern.search(text).start() == 2
    assert _hits(text) == _without_twins(text)
    assert twin_calls == []
    assert _bmp_only("2023年3个月\u3000\uffff")


def test_digits_written_as_regex_reads_them_in_the_plane() -> None:
    for src in (r"\d", r"[\d]", r"[^\d]", r"[\d.]", r"[]\d]", r"[^]\d]"):
        ours = regex.compile(_digits_written(src))
        theirs = regex.compile(src)
        for cp in range(0x10000):
            ch = chr(cp)
            assert bool(ours.fullmatch(ch)) == bool(theirs.fullmatch(ch)), (src, hex(cp))
    assert _digits_written(r"\\d") == r"\\d"            # an escaped backslash, then d
    assert _digits_written(r"a\.\d").startswith(r"a\.[")


def test_twin_source_renames_groups_apart_and_refuses_what_it_cannot_write() -> None:
    names: list = []
    assert _twin_source(r"(?P<n>\d)[(?P<x>)](?P<u>年)", names, 5) == r"(?P<n_5>\d)[(?P<x>)](?P<u_6>年)"
    assert names == [("n", "n_5"), ("u", "u_6")]
    for src in (r"(?P<s>[./])\d(?P=s)", r"(a)\1", r"(?(1)a|b)", r"(?i)abc", r"\g<1>"):
        assert _twin_source(src, []) is None, src


def test_apart_only_for_groups_in_different_branches_without_repeats() -> None:
    assert _apart(re.compile(r"(?:(?P<a>1)|(?P<b>2))x"))(1, 2)
    assert _apart(re.compile(r"(?:x(?:(?P<a>1)|y)|(?P<b>2))?"))(1, 2)
    assert not _apart(re.compile(r"(?P<a>1)(?P<b>2)"))(1, 2)
    assert not _apart(re.compile(r"(?:(?P<a>1)|(?P<b>2))+"))(1, 2)
    assert not _apart(re.compile(r"(?:(?P<a>1)|(?P<b>2)){2}"))(1, 2)


@pytest.fixture
def user_rules(tmp_path, dates_rules_dir):
    """A rules copy: ``add(text)`` appends duration patterns (family D)."""
    import shutil

    from extractor.rulefiles import rules_dir

    dst = tmp_path / "rules"
    shutil.copytree(rules_dir(), dst)
    path = dst / "kinds" / "duration.yaml"

    def add(extra: str) -> None:
        path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
        dates_rules_dir(dst)

    return add


@pytest.mark.parametrize("regex_src", [
    # a group written twice in sequence: regex keeps the last, there is no one copy to read
    "(?P<n>[0-9])(?P<n>[0-9])个钟点",
    # twice under a repeat
    "(?:(?P<n>[0-9])|(?P<n>[一二]))+个钟点",
    # \\p{Han}: not a set re knows
    "(?P<n>[0-9])个钟点(?=\\\\p{Han})",
    # a back reference
    "(?P<n>[0-9])(?P=n)个钟点",
])
def test_a_user_rule_re_cannot_read_alike_leaves_the_family_on_regex(user_rules,
                                                                      regex_src) -> None:
    user_rules(f"\n  - id: duration.zz_user\n    family: D\n    regex: '{regex_src}'\n")
    fams = {f.name: f for f in ruleset().families}
    assert fams["D"].twin is None and fams["Y"].twin is not None
    text = "为期12个钟点，一二个钟点，3个钟点是，2023年底"
    assert _hits(text) == _without_twins(text)


def test_a_user_rule_in_two_branches_gets_the_copy_that_took_part(user_rules, twin_calls) -> None:
    if _cannot_watch():
        pytest.skip("no CPU timer here: the twins are not used")
    user_rules("\n  - id: duration.zz_user\n    family: D\n"
               "    regex: '足足(?:(?P<n>[0-9]+)|(?P<n>[一二三]+))(?P<u>小时)'\n")
    d = next(f for f in ruleset().families if f.name == "D")
    assert d.twin is not None
    assert any(r.alts for r in d.twin.rules.values() if r.id == "duration.zz_user")
    text = "为期足足12小时，足足三小时，两小时"
    got = _hits(text)
    assert got == _without_twins(text)
    from decimal import Decimal
    assert [(h[3], h[6]) for h in got if h[4] == "duration.zz_user"] == [
        ("足足12小时", Decimal(12)), ("足足三小时", Decimal(3))]
    assert "D" in twin_calls


def test_a_twin_that_outlasts_the_watch_is_dropped(monkeypatch) -> None:
    if _cannot_watch():
        pytest.skip("no CPU timer here: the twins are not used")
    real = dates._search_watched

    def slow_twin(text, fam, windows, watch, twin=None):
        if twin is not None:
            raise TimeoutError("the twin ran longer than the watch's tick")
        return real(text, fam, windows, watch, twin)

    text = _examples()
    want = _without_twins(text)
    monkeypatch.setattr(dates, "_search_watched", slow_twin)
    assert _hits(text) == want
    assert all(f.twin is None for f in ruleset().families)


def test_the_twin_verdict_and_code_come_from_the_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("EXTRACTOR_CACHE_DIR", str(tmp_path))
    dates.ruleset.cache_clear()
    first = {f.name: f.twin.pattern.pattern for f in ruleset().families if f.twin}
    # the three twins and their anchors' twins
    assert len(list((tmp_path / "datetwins").glob("*.pickle"))) == 2 * len(first) == 6

    def unchecked(src):
        raise AssertionError("checked again")

    monkeypatch.setattr(dates, "_checked_twin", unchecked)
    dates.ruleset.cache_clear()
    again = {f.name: f.twin.pattern.pattern for f in ruleset().families if f.twin}
    assert again == first
    text = _examples()
    assert _hits(text) == _without_twins(text)


def test_a_damaged_or_foreign_twin_cache_file_is_a_miss(tmp_path, monkeypatch) -> None:
    """A datetwins file whose compiled code was damaged (every literal 年 of the code one bit
    off: still a pickle, still code _sre takes) or that holds another key is rebuilt, not used:
    before the files were sealed (CRC-32) and keyed inside, the damaged twin found other dates."""
    import pickle

    from extractor.rulefiles import BUILT_GLOBALS, _sealed, _unsealed, load_pickle

    monkeypatch.setenv("EXTRACTOR_CACHE_DIR", str(tmp_path))
    text = "2023年3月5日至2024年6月，历时3年2个月，每天8小时，2022年度，15天后。" + _examples()
    dates.ruleset.cache_clear()
    want = _without_twins(text)
    files = sorted((tmp_path / "datetwins").glob("*.pickle"))
    assert len(files) == 6       # the Y, D and M twins and their anchors' twins
    good = {f: f.read_bytes() for f in files}
    # b"M\x74\x5e": the pickle's 2-byte int 0x5e74, 年's code (in all but M's anchors)
    assert sum(b"M\x74\x5e" in data for data in good.values()) == 5
    for f, data in good.items():
        f.write_bytes(data.replace(b"M\x74\x5e", b"M\x75\x5e"))
    dates.ruleset.cache_clear()
    assert all(f.twin is not None for f in ruleset().families if f.name in ("D", "Y"))
    assert _hits(text) == want
    for f, data in good.items():   # rebuilt and filed again
        assert f.read_bytes() == data
        key, kept = load_pickle(_unsealed(data), allow=BUILT_GLOBALS)
        f.write_bytes(_sealed(pickle.dumps(("another key", kept))))
    calls = []
    real = dates._checked_twin
    monkeypatch.setattr(dates, "_checked_twin", lambda src: calls.append(src) or real(src))
    dates.ruleset.cache_clear()
    ruleset()
    assert len(calls) == 6
    assert _hits(text) == want


def test_the_shipped_twins_search_their_anchors_with_re() -> None:
    for f in ruleset().families:
        if f.twin is not None:
            assert isinstance(f.twin.anchors, re.Pattern), f.name
            assert f.twin.anchors.pattern != f.anchors.pattern     # \d written as its set


@pytest.mark.parametrize("seed", range(20))
def test_twin_anchors_find_what_the_anchors_find(seed: int) -> None:
    """The anchors' re twin answers each window's question as the anchors do: the same first
    anchor in every window of random texts, at every start."""
    rng = random.Random(seed)
    text = _random_text(rng, 300)
    for f in ruleset().families:
        if f.twin is None:
            continue
        ours, theirs = f.twin.anchors, f.anchors
        spans = [m.span() for m in theirs.finditer(text)]
        assert [m.span() for m in ours.finditer(text)] == spans
        for ws, we in dates._windows(text, f) + [(i, i + rng.randint(1, 30)) for i in
                                                 range(0, len(text), 7)]:
            a, b = ours.search(text, ws, we), theirs.search(text, ws, we)
            assert (a and a.span()) == (b and b.span()), (f.name, ws, we)


@pytest.fixture
def user_date_rules(tmp_path, dates_rules_dir):
    """A rules copy: ``edit(old, new)`` replaces text in its date.yaml."""
    import shutil

    from extractor.rulefiles import rules_dir

    dst = tmp_path / "rules"
    shutil.copytree(rules_dir(), dst)
    path = dst / "kinds" / "date.yaml"

    def edit(old: str, new: str) -> None:
        src = path.read_text(encoding="utf-8")
        assert src.count(old) == 1
        path.write_text(src.replace(old, new), encoding="utf-8")
        dates_rules_dir(dst)

    return edit


def test_anchors_re_cannot_read_alike_stay_on_regex(user_date_rules, twin_calls) -> None:
    """A user's D anchors with \\p{Han} (a set re does not know): the family keeps its twin,
    its windows are asked of the anchors as regex reads them."""
    if _cannot_watch():
        pytest.skip("no CPU timer here: the twins are not used")
    user_date_rules("|日(?=内|以内|之内)'}", "|日(?=内|以内|之内)|(?<=\\p{Han})星期'}")
    d = next(f for f in ruleset().families if f.name == "D")
    assert d.twin is not None and d.twin.anchors is d.anchors
    text = "为期3个星期，两星期，2023年底，30日内。" + _examples()[:2000]
    assert _hits(text) == _without_twins(text)
    assert "D" in twin_calls


def test_the_twins_test_their_blocks_firsts_once() -> None:
    """A twin is its blocks behind one lookahead of all their firsts (_one_lookahead), where each
    block has one; without a first in some block it is the blocks alone."""
    from extractor.facts.dates import _block, _one_lookahead

    parts = [("[12]", [("", ["(?:1年)(?P<R0>)"])]), ("前", [("", ["(?:前年)(?P<R1>)"])])]
    src = _one_lookahead(parts)
    assert src == "(?=[12]|前)(?:" + "|".join(_block(f, r) for f, r in parts) + ")"
    assert re.compile(src).search("x前年").span() == (1, 3)
    bare = parts + [("", [("", ["(?:年内)(?P<R2>)"])])]
    assert _one_lookahead(bare) == "|".join(_block(f, r) for f, r in bare)
    for f in ruleset().families:
        if f.twin is not None:
            assert f.twin.pattern.pattern.startswith("(?="), f.name

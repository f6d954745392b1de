"""The speed devices of facts/dates.py find exactly what a plain window-by-window search finds.

``_candidates`` skips windows without an anchor (date.yaml ``anchors``) and searches the other
windows of a family in one call over joined copies (``_search_joined``). The reference below is
the plain algorithm: every window of the triggers, searched on its own. Both must give the same
matches on the corpus-like sentences of the examples and on random texts built from the
characters the rules care about (numerals, units, separators, quotes, spaces, Han filler).
"""
from __future__ import annotations

import random

import pytest

from extractor.facts import dates
from extractor.facts.dates import _alphabet, _candidates, _has_cue, _windows, ruleset
from extractor.rulefiles import load_yaml


def _reference(text: str) -> list[tuple]:
    rs = ruleset()
    out = []
    for fam in rs.families:
        pat = fam.pattern
        markers = [(pat.groupindex[k], r) for k, r in fam.rules.items()]
        for ws, we in _windows(text, fam):
            for m in pat.finditer(text, ws, we):
                rule = next(r for k, r in markers if m.start(k) >= 0)
                start, end = m.span()
                if rule.cue_required:
                    g = {k: m.group(k) for k in rule.cue_groups}
                    if not (any(g.values()) or _has_cue(text, start, end, rs)):
                        continue
                out.append((start, rule.rank, end, rule.id, m.group()))
    return sorted(out)


def _fast(text: str) -> list[tuple]:
    return sorted((s, rank, e, rule.id, m.group()) for s, rank, e, rule, m in
                  _candidates(text, ruleset()))


PIECES = (list("0123456789０１２３４５６７８９〇○零一二两三四五六七八九十百千万亿半多余几第每前后")
          + list("年月日号季度个天周时钟头星期小分工作内底末初旬上下中今去明本这当同近约超逾不至到")
          + list("-—–~～－./·•:：、，。；（）“”\"‘’「」『』《》 \t\u3000\n")
          + ["2023年", "2019年", "二〇二三年", "12月", "3月", "16日", "1-9月份", "季度", "上半年",
             "十四五", "规划", "时期", "个月", "个工作日", "小时", "分钟", "星期", "为期", "连续",
             "以来", "以内", "之内", "左右", "以上", "发布会", "购物节", "事故", "日期", "截至",
             "2019.04.19", "20240307", "9.19", "8·12", "12.5", "1200", "3.5%", "今年", "去年",
             "年底", "年初", "年内", "前三季度", "前两个月", "两三年", "近半年"]
          + list("全区实现地区生产总值增长工业项目建设完成投资亿元同比我们开展了活动会议"))


def _random_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(PIECES) for _ in range(n))


@pytest.mark.parametrize("seed", range(40))
def test_same_matches_as_window_by_window_on_random_text(seed: int) -> None:
    rng = random.Random(seed)
    text = _random_text(rng, rng.randint(50, 900))
    assert _fast(text) == _reference(text)


def _watched(text: str) -> list[tuple]:
    """_candidates as scan runs it in the main thread: window by window under an armed watch."""
    from extractor.facts import engine

    watch = engine._Watchdog.start(60.0, "a test search")
    if watch is None:
        pytest.skip("no CPU timer here")
    try:
        got = _candidates(text, ruleset(), watch)
    finally:
        watch.stop()
    return sorted((s, rank, e, rule.id, m.group()) for s, rank, e, rule, m in got)


@pytest.mark.parametrize("seed", range(40))
def test_watched_search_finds_what_window_by_window_finds(seed: int) -> None:
    rng = random.Random(seed)
    text = _random_text(rng, rng.randint(50, 900))
    if seed == 0:
        text = "，".join(_examples()) + text
    assert _watched(text) == _reference(text)


def test_a_watch_that_fires_sends_the_family_to_its_timed_searches(monkeypatch) -> None:
    """A TimeoutError inside the watched loop (the watch's tick) makes the family be searched as
    where no watch can be armed: its anchored windows in joined copies, each search with its own
    time limit (so a slow rule times out, or not, and names the window it names there): the same
    matches."""
    calls = []
    plain = dates._search_joined

    def fired(*a, **k):
        raise TimeoutError("tick")

    def counted(*a, **k):
        calls.append(a[1].name)
        return plain(*a, **k)

    monkeypatch.setattr(dates, "_search_watched", fired)
    monkeypatch.setattr(dates, "_search_joined", counted)
    text = "，".join(_examples())
    assert _watched(text) == _reference(text)
    assert sorted(set(calls)) == sorted(f.name for f in ruleset().families)


@pytest.fixture
def slow_duration_rule(tmp_path, dates_rules_dir):
    """A rules copy whose duration family D ends with a catastrophic pattern (dates.py caches
    its rules per process: the caches are cleared around the test)."""
    import shutil

    from extractor.rulefiles import rules_dir

    dst = tmp_path / "rules"
    shutil.copytree(rules_dir(), dst)
    path = dst / "kinds" / "duration.yaml"
    path.write_text(path.read_text(encoding="utf-8") + (
        "\n  - id: duration.zz_catastrophic\n    family: D\n"
        "    regex: '(?:[0-9年]*?1){18}X'\n"), encoding="utf-8")
    return dates_rules_dir(dst)


def _cannot_watch() -> bool:
    from extractor.facts import engine

    watch = engine._Watchdog.start(60.0, "a test search")
    if watch is None:
        return True
    watch.stop()
    return False


def _scan_or_timeout(text: str):
    try:
        return [(h.rule_id, h.start, h.end) for h in dates.scan(text, 2023)]
    except TimeoutError as exc:
        return f"TimeoutError: {exc}"


def _in_a_thread(text: str):
    import threading

    box = []
    t = threading.Thread(target=lambda: box.append(_scan_or_timeout(text)))
    t.start()
    t.join()
    return box[0]


# 年 after four digits is a trigger of D but not an anchor: these windows are not searched
_SLOW_RUN = "1111111111年" * 3


@pytest.mark.parametrize("text, timeout", [
    # the slow run is in the anchored window but outside the copy of its anchor's run of
    # readable characters (，/。 are not read by D): no search there ever reads it
    (_SLOW_RUN + "，3天", False),
    ("为期3天。" + _SLOW_RUN, False),
    # a slow window without an anchor, then a slow anchored one: the time-out names the latter
    (_SLOW_RUN + "。" * 30 + "3天" + _SLOW_RUN, True),
])
def test_a_slow_user_rule_gives_what_it_gives_without_the_watch(slow_duration_rule, text,
                                                                 timeout) -> None:
    """Under the watch (main thread) a super-linear rule of a user's rules folder times out, or
    not, and names the window it names where the watch cannot be armed (a thread), as before
    the watched search: after a tick the family is searched as there."""
    if _cannot_watch():
        pytest.skip("no CPU timer here")
    got = _scan_or_timeout(text)
    assert got == _in_a_thread(text)
    assert isinstance(got, str) == timeout, got
    if timeout:
        assert f"at offset {text.index('天') - 12}" in got, got   # D's window: 12 before 天


@pytest.mark.parametrize("seed", range(20))
def test_same_matches_with_long_readable_runs(seed: int) -> None:
    """Runs of digits, numerals and spaces longer than the few characters a copy's ends are
    looked for one by one (_WALK), before and after the anchors."""
    rng = random.Random(seed)
    runs = ["1234567", "2023 2024", "一二三四五六七", " \u3000 \u3000 ", "12.5.6", "—", "至", "年", "月", "日",
            "个", "季度", "年度", "底", "天"]
    text = "".join(rng.choice(runs) * rng.randint(1, 3) if rng.random() < 0.5 else rng.choice(PIECES)
                   for _ in range(rng.randint(50, 400)))
    assert _fast(text) == _reference(text)

def _examples():
    for fname in ("kinds/date.yaml", "kinds/duration.yaml"):
        for spec in load_yaml(fname)["patterns"]:
            for ex in (spec.get("examples") or []) + (spec.get("counter_examples") or []):
                yield ex["text"]


def test_same_matches_on_the_rule_examples_joined_into_one_text() -> None:
    texts = list(_examples())
    for sep in ("，", "", " ", "\n"):
        text = sep.join(texts)
        assert _fast(text) == _reference(text)
    for t in texts:
        assert _fast(t) == _reference(t)


def test_every_family_can_join_its_windows() -> None:
    """The patterns of every family have an alphabet (else the joined search silently falls back
    to one search per window, which is correct but slow)."""
    for fam in ruleset().families:
        assert fam.foreign is not None, fam.name
        assert fam.foreign.match(dates._SEP)


@pytest.mark.parametrize("src", [r"a.b", r"[^a]", r"\D", r"\W", r"\S", r"\bx", r"x$", r"^x",
                                 r"(?i)x", r"\P{Han}", r"x{e<=1}", r"(*SKIP)", r"\X", r"\N{DIGIT ONE}",
                                 r"[[a]]", r"(?#c)x", r"\p{L}"])
def test_constructs_that_read_anything_disable_joining(src: str) -> None:
    assert _alphabet(src) is None


def test_alphabet_keeps_the_characters_and_no_seam_range() -> None:
    alpha = _alphabet(r"(?<![\d.])(?P<y>1[6-9]\d\d)[-—~]?\p{Han}[ \t\u3000]*年(?P=y)")
    assert alpha is not None
    import regex
    readable = regex.compile(f"[{alpha}]")
    for ch in "1697.-—~年中 \t\u3000":
        assert readable.match(ch), ch
    for ch in ("，", "A", dates._SEP, "\n"):
        assert not readable.match(ch), ch


def test_a_match_before_the_window_start_is_searched_alone() -> None:
    """A copy starts at the last unreadable character before its window; a match found between
    that character and the window's start is not one of the window's, so the window is searched
    on its own (the long number below starts 12+ characters before its unit)."""
    text = "，" + "1234567890123个月" + "，连续三年" * 3
    assert _fast(text) == _reference(text)


@pytest.mark.parametrize(("pattern", "chars"), [("[月日号]", "月日号"), ("[年季]", "年季"), ("年", "年"),
                                                ("[.年]", ".年"), ("[a-z]", None), ("[^a]", None),
                                                ("[\\d]", None), ("ab", None), ("[ab]c", None),
                                                (".", None), ("年(?=度)", None)])
def test_plain_trigger_sets(pattern: str, chars: str | None) -> None:
    assert dates._plain_chars(pattern) == chars


@pytest.mark.parametrize("seed", range(5))
def test_trigger_spans_are_the_regex_ones(seed: int) -> None:
    rng = random.Random(seed)
    text = _random_text(rng, 600)
    for fam in ruleset().families:
        assert dates._trigger_spans(text, fam) == [t.span() for t in fam.triggers.finditer(text)]


# the trigger regexes date.yaml gave before its trigger items (session 5): the items find the
# same positions
_FORMER_TRIGGERS = {
    "X": r'五(?=[”"’」』规计时期末初以])|[./\-·•](?<=\d[./\-·•])(?=\d)|[12](?<=[“"《「『:：\s于至止自从期间][12])',
    "D": r'[年个日天周时钟星小分工](?<=[\d两一二三四五六七八九十百千半多余星][年个日天周时钟期小分工])',
}


@pytest.mark.parametrize("seed", range(10))
def test_trigger_items_find_what_the_former_trigger_regexes_found(seed: int) -> None:
    import regex
    rng = random.Random(seed)
    chars = "五./-·•12年个日天周时钟星小分工期两一十半多余“”\"《「『:： \t\u3000\n于至止自从间规计时末初以３a"
    texts = ["".join(rng.choice(chars) for _ in range(300)), _random_text(rng, 500)]
    if seed == 0:
        texts.append("".join(_examples()))
    fams = {f.name: f for f in ruleset().families}
    for name, src in _FORMER_TRIGGERS.items():
        former = regex.compile(src)
        for text in texts:
            want = [t.span() for t in former.finditer(text)]
            assert [t.span() for t in fams[name].triggers.finditer(text)] == want
            assert dates._trigger_spans(text, fams[name]) == want


@pytest.mark.parametrize("items", [[{"chars": "年", "prev": "ab"}], [{"chars": "年", "next": "(a)"}],
                                   [{"chars": "", "prev": "a"}], [{"chars": "年", "after": "a"}]])
def test_bad_trigger_items_are_rule_file_errors(items) -> None:
    from extractor.errors import RuleFileError
    with pytest.raises(RuleFileError):
        dates._trigger_items(items, "rules/kinds/date.yaml: family T")


def test_trigger_items_at_the_ends_of_the_text() -> None:
    items = dates._trigger_items([{"chars": "年", "prev": r"\d", "next": "[内]"}], "x")
    assert dates._item_positions("年内1年内1年", items) == [3]
    assert dates._item_positions("1年", items) == []
    assert dates._item_positions("年", dates._trigger_items([{"chars": "年"}], "x")) == [0]

def _plain_windows(text: str, fam) -> list[tuple[int, int]]:
    """[t - before, t_end + after) around every trigger the regex finds, clipped to the text,
    merged where they overlap or touch."""
    out: list[list[int]] = []
    for t in fam.triggers.finditer(text):
        a, e = max(0, t.start() - fam.before), min(len(text), t.end() + fam.after)
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([a, e])
    return [(a, e) for a, e in out if e > a]


@pytest.mark.parametrize("seed", range(10))
def test_windows_are_the_merged_trigger_windows(seed: int) -> None:
    rng = random.Random(seed)
    for text in (_random_text(rng, rng.randint(0, 700)), "年" + _random_text(rng, 50) + "月",
                 "".join(_examples())):
        for fam in ruleset().families:
            assert _windows(text, fam) == _plain_windows(text, fam), (fam.name, text)


@pytest.mark.parametrize("seed", range(10))
def test_anchored_windows_are_those_finditer_gives(seed: int) -> None:
    rng = random.Random(seed)
    text = _random_text(rng, rng.randint(50, 900))
    for fam in ruleset().families:
        windows = _windows(text, fam)
        want = []
        for ws, we in windows:
            found = list(fam.anchors.finditer(text, ws, we))
            if found:
                want.append((ws, we, found[0].start(), found[-1].start(), found[-1].end()))
        assert dates._anchored(text, fam.anchors, windows) == want, fam.name
    import regex
    empty = regex.compile(r"x?")
    assert dates._anchored("axxb", empty, [(0, 4)]) == [(0, 4, 0, 4, 4)]


def test_cue_test_is_the_plain_word_by_word_one() -> None:
    """_has_cue (word tuples tried by str.endswith/startswith) == a cue word ending in the 4
    characters before the span or starting in the 4 after, tried word by word."""
    rs = ruleset()
    words_before = [w for w in rs.cues_before if w]
    words_after = [w for w in rs.cues_after if w]
    alphabet = "".join(sorted(set("".join(words_before + words_after)))) + "三年个月天为期x 。"
    rng = random.Random(7)
    hits = 0
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        start = rng.randint(0, len(text))
        end = rng.randint(start, len(text))
        before, after = text[max(0, start - 4):start], text[end:end + 4]
        want = (any(before.endswith(w) for w in words_before)
                or any(after.startswith(w) for w in words_after))
        assert _has_cue(text, start, end, rs) == want, (text, start, end)
        hits += want
    assert hits > 100



# ------------------------------------------------------------------ prefix runs (date.yaml `prefix`)
def _unfactored(fam) -> "regex.Pattern":
    """The family's patterns joined one after the other in file order, each written out whole
    (no shared prefix, no first-character lookahead)."""
    import regex
    return regex.compile("|".join(f"(?:{dates.pattern_source(rule.id)})(?P<{marker}>)"
                                  for marker, rule in fam.rules.items()))


def _matches(pattern, text: str) -> list[tuple]:
    return [(m.span(), tuple(sorted((k, v) for k, v in m.groupdict().items() if v is not None)))
            for m in pattern.finditer(text)]


def test_some_family_has_a_prefix_run() -> None:
    specs = load_yaml("kinds/date.yaml")["patterns"]
    assert [s["id"] for s in specs if s.get("prefix")] == [
        "date.y_between", "date.y_span", "date.year_pos", "date.year"]
    specs = load_yaml("kinds/duration.yaml")["patterns"]
    assert [s["id"] for s in specs if s.get("prefix")] == [
        "duration.month", "duration.day", "duration.year", "duration.day_ri"]


# duration.year as it was written before its prefix run: PA|PB instead of P(?:A|B)
_YEAR_WRITTEN_OUT = (
    "{NB}(?P<pre>{QPRE})?(?P<n>(?!\\d{4})\\d{1,3}|[两一二三四五六七八九十百千]+)(?P<mid>多|余)?(?P<u>年)"
    "(?P<half>半)?(?P<post>{QPOST})?(?![度底末初内间来])|{NB}(?P<pre>{QPRE})?"
    "(?P<n>(?!\\d{4})\\d{1,3}|[两一二三四五六七八九十百千]+)(?P<u>年)(?=(?:来|以来|间|内|以内|之内)(?!容))")


@pytest.mark.parametrize("seed", range(10))
def test_duration_year_factored_is_the_written_out_form(seed: int) -> None:
    """P(?:A|B) for duration.year finds what PA|PB found: same spans, same groups."""
    import regex
    frags = dates._fragments(load_yaml("kinds/duration.yaml")["fragments"], "duration.yaml")
    plain = regex.compile(dates._expand(frags, _YEAR_WRITTEN_OUT, "test"))
    factored = regex.compile(dates.pattern_source("duration.year"))
    rng = random.Random(seed)
    chars = list("0123456789.零〇两一二三四五六七八九十百千万将近大约超过逾不到足少于至多余年半度底末初内间来以之容个月")
    texts = ["".join(rng.choice(chars) for _ in range(rng.randint(1, 30))) for _ in range(3000)]
    texts.append("".join(_examples()))
    for text in texts:
        assert _matches(factored, text) == _matches(plain, text), text


@pytest.mark.parametrize("seed", range(30))
def test_prefix_runs_find_what_the_patterns_written_out_find(seed: int) -> None:
    """P(?:A|B) of a prefix run == PA|PB: same spans, same groups (so the same rule), on random
    texts and, for seed 0, on the rule examples."""
    rng = random.Random(seed)
    texts = ["，".join(_examples()), "".join(_examples())] if seed == 0 else []
    texts += [_random_text(rng, rng.randint(50, 900)) for _ in range(3)]
    texts.append("".join(rng.choice(["2023", "二〇二三", "1998", "年", "度", " ", "\u3000", "—", "-",
                                     "至", "与", "之间", "底", "初", "末", "初步", "月", "1", "，"])
                         for _ in range(400)))
    for fam in ruleset().families:
        plain = _unfactored(fam)
        for text in texts:
            assert _matches(fam.pattern, text) == _matches(plain, text), (fam.name, text)


def test_a_prefix_run_and_the_other_patterns_never_match_at_one_position() -> None:
    """The order date.yaml gives the Y run (y_between, y_span, year_pos, year before quarter,
    half, rel_year_pos, year_pos_bare, yy_year) is only safe because no pattern outside the run
    matches where a pattern of the run does: tried at every position of the examples and of
    random texts."""
    import regex
    rng = random.Random(11)
    texts = ["，".join(_examples())] + [_random_text(rng, 600) for _ in range(20)]
    for fam in ruleset().families:
        inside = [regex.compile(dates.pattern_source(r.id)) for r in fam.rules.values()
                  if r.spec.get("prefix")]
        if not inside:
            continue
        outside = [regex.compile(dates.pattern_source(r.id)) for r in fam.rules.values()
                   if not r.spec.get("prefix")]
        both = 0
        for text in texts:
            for i in range(len(text)):
                if any(p.match(text, i) for p in inside):
                    both += 1
                    assert not any(p.match(text, i) for p in outside), (fam.name, text[i:i + 12])
        assert both > 50


@pytest.mark.parametrize(("src", "bar"), [("a|b", True), ("(a|b)", False), ("[|]", False),
                                         (r"\|", False), ("[]|]", False), ("[^]|]x", False),
                                         ("(?:a)b|c", True), (r"[\]|]", False), ("a(?=b|c)", False)])
def test_top_level_bar(src: str, bar: bool) -> None:
    assert dates._top_level_bar(src) is bar


# ------------------------------------------------------------------ _section_years: wanted only
def _section_years_plain(prepared, hits) -> None:
    """The plain algorithm: every heading of the document is read, then each implied date looks
    its section and the sections above it up."""
    from extractor.text.segment import heading_match
    from extractor.text.year import report_kind

    year = prepared.report_year
    implied = [h for h in hits if h.groups is not None and h.kind == "date"]
    if year is None or not implied or not prepared.sentences:
        return
    text = prepared.clean.text
    gov = report_kind(text) == "政府工作报告"
    starts = [h.start for h in hits]
    topic: dict[str, int] = {}
    for sent in prepared.sentences:
        if not sent.section or sent.section in topic:
            continue
        if sent.start >= len(text) or heading_match()(text, sent.start) is None:
            continue
        y = dates._heading_year(text, hits, starts, sent, gov, year)
        if y is not None:
            topic[sent.section] = y
    for h in implied:
        sent = prepared.sentence_at(h.start)
        if sent is None or not sent.section:
            continue
        parts = sent.section.split("/")
        y = next((topic[p] for p in ("/".join(parts[:k]) for k in range(len(parts), 0, -1))
                  if p in topic), None)
        if y is None or y == year:
            continue
        try:
            iso = dates._resolve_date(h.groups, y, ruleset(), None)
        except (ValueError, KeyError):
            iso = None
        if iso:
            h.date = iso


HEADINGS = ("一、2024年工作回顾", "二、2025年工作安排", "一、过去一年和五年工作回顾", "二、对今年政府工作的建议",
            "（一）2022年主要工作", "（二）2023年重点任务", "1.2021年情况", "三、存在的问题", "一、2023年和2024年",
            "（三）上半年工作", "2.今年计划")
LINES = ("8月16日，开通新航线，年底前完成。", "3月份启动。今年8月16日前完成。", "12月份，优化调整防控措施。",
         "全年完成投资1200万元。", "1-9月份增长5%。", "6月底前完成，下旬验收。", "2023年12月投产。", "年初开工。")


def _section_report(rng: random.Random) -> str:
    head = rng.choice(("2025年河南省政府工作报告", "政府工作报告", "2023年工作总结", "工作报告"))
    body = [rng.choice(HEADINGS) if rng.random() < 0.35 else rng.choice(LINES)
            for _ in range(rng.randint(1, 14))]
    return "\n".join([head, *body]) + "\n"


@pytest.mark.parametrize("seed", range(60))
def test_section_years_read_only_the_wanted_headings(seed: int) -> None:
    """Only the sections of implied dates (and those above them) are looked at: the dates are
    those of the plain algorithm."""
    from extractor.facts import prepare_text

    rng = random.Random(seed)
    text = _section_report(rng)
    for year in (None, 2023, 2025):
        prepared = prepare_text(text, year)
        fast = dates.scan(prepared.clean.text, prepared.report_year)
        plain = [dates.Hit(**{k: getattr(h, k) for k in dates.Hit.__slots__}) for h in fast]
        dates._section_years(prepared, fast)
        _section_years_plain(prepared, plain)
        assert [h.date for h in fast] == [h.date for h in plain], text


@pytest.mark.parametrize(("body", "prefix"), [("(?P<y>1)年", "(?P<y>2)"), ("(?P<y>1)", "(?P<y>1)"),
                                              ("(?P<y>1)a|b", "(?P<y>1)"), ("(a|b)c", "(a")])
def test_a_prefix_that_cannot_be_split_off_is_a_rule_file_error(body: str, prefix: str) -> None:
    from extractor.errors import RuleFileError
    with pytest.raises(RuleFileError):
        dates._split_prefix(body, prefix, "rules/kinds/date.yaml: pattern x")


def test_split_prefix_gives_the_rest() -> None:
    assert dates._split_prefix("(?P<y>1)[ ]*年", "(?P<y>1)[ ]*", "x") == "年"


@pytest.mark.parametrize("src, end", [
    ("[abc]x", 4),        # the ] that closes
    ("[]a]|b", 3),        # a ] first is a character
    ("[^]a]|b", 4),       # … also after ^
    ("[\\]|]|b", 4),      # an escaped ] does not close
    ("[[（|]|b", 4),      # a [ inside a version-0 set is a character
    ("[(|)", 4),          # not closed: the end of the source
])
def test_flat_set_end_skips_what_a_set_holds(src, end):
    """The set walk shared by the prefix split (dates) and the literal branches (context): the
    ( ) | of a set are characters; the set ends at its first unescaped ] after the first one."""
    from extractor.facts.ruleset import flat_set_end

    assert flat_set_end(src, 1) == end
    assert dates._top_level_bar(src) is ("|" in src[end:])

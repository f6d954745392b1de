"""Cleaning behaviour on genre-style and corpus text: triggers, pages, footers, HTML, edge cases."""
from __future__ import annotations


from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.model import Document, Page
from extractor.text import clean_text, prepare
from extractor.text.clean import scan
from extractor.text.rules import text_rules


def _doc(text: str, pages=()) -> Document:
    return Document(doc_id="t", source="t.txt", sha256="t", encoding="utf-8", text=text,
                    pages=list(pages))


def test_triggers_find_exactly_what_the_full_regexes_find(corpus_prepared, sample_doc) -> None:
    """A trigger is only a speed device: trigger + match == finditer on every corpus file."""
    r = text_rules()
    rules = [(r.footer, r.footer_trigger), (r.entity, r.entity_trigger),
             (r.fn_bracket, r.fn_trigger), (r.fn_circled, r.fn_trigger),
             (r.pinyin, r.pinyin_trigger)]
    # the markdown rule is tried at line starts only: compare with its line-anchored form
    import regex as _regex
    md = _regex.compile("(?m)^" + r.markdown.pattern)
    for _path, p in corpus_prepared:
        assert ([m.span() for m in scan(r.markdown, p.doc.text, r.markdown_trigger)]
                == [m.span() for m in md.finditer(p.doc.text)])
    texts = [p.doc.text for _path, p in corpus_prepared] + [sample_doc.text]
    found = 0
    for text in texts:
        for pat, trig in rules:
            full = [m.span() for m in pat.finditer(text)]
            fast = [m.span() for m in scan(pat, text, trig)]
            assert fast == full, pat.pattern
            found += len(full)
    assert found > 300


def test_fast_paths_equal_their_rules(corpus_prepared) -> None:
    """Footnotes (one trigger pass for both forms) and zero-width runs (str.find) find exactly
    what the rules' regexes find."""
    from extractor.text.clean import _char_deletions, _drop_overlaps, _footnotes

    r = text_rules()
    texts = [p.doc.text for _path, p in corpus_prepared]
    texts.append("国内生产总值[2]1349084亿元，增长5%①。①加强领导。总值①2亿元\u200b\u200c，[注1]")
    hits = 0
    for text in texts:
        ref = sorted([(m.start(), m.end(), "", "footnotes") for m in r.fn_bracket.finditer(text)]
                     + [(m.start(), m.end(), "", "footnotes") for m in r.fn_circled.finditer(text)])
        assert _footnotes(text, r) == _drop_overlaps(ref)
        zw = [(m.start(), m.end(), "", "zero_width") for m in r.zero_width.finditer(text)]
        assert _char_deletions(text, r.zero_width_chars, "zero_width") == zw
        hits += len(ref) + len(zw)
    assert hits > 100


def _rare_runs_as_scans(text: str):
    """What _rare_runs finds, by the scans it replaces: the fold's runs folded, the footnote
    trigger's positions, the zero-width characters' positions."""
    r = text_rules()
    parts = r.fold_runs_split.split(text)
    parts[1::2] = [x.translate(r.fold_table) for x in parts[1::2]]
    return ("".join(parts), [m.start() for m in r.fn_trigger.finditer(text)],
            sorted(i for i, ch in enumerate(text) if ch in r.zero_width_chars))


def _rare_runs_result(text: str):
    from extractor.text.clean import _rare_runs

    r = text_rules()
    parts, fn, zw, _cjk = _rare_runs(text, r)
    parts[1::2] = [x.translate(r.fold_table) for x in parts[1::2]]
    return "".join(parts), fn, zw


_RARE_ALPHABET = "一年１２％．［］[]①②⑳\u200b\u00ad\ufeff億長x \n"


def test_rare_runs_find_what_the_scans_find(corpus_prepared, sample_doc) -> None:
    """One scan for the fold's runs, the footnote trigger and the zero-width characters finds
    what the three scans find (the rare characters' class is built: rules._rare_split)."""
    assert text_rules().rare_split is not None
    texts = [p.doc.text for _path, p in corpus_prepared] + [sample_doc.text]
    texts.append("总值［2］1349084億元①\u200b\u200c增長５．０％[注1]②③\ufeff１")
    found = 0
    for text in texts:
        want = _rare_runs_as_scans(text)
        assert _rare_runs_result(text) == want
        found += len(want[1]) + len(want[2])
    assert found > 150


@given(st.text(alphabet=_RARE_ALPHABET, max_size=60))
@settings(max_examples=400, deadline=None)
def test_rare_runs_find_what_the_scans_find_property(text: str) -> None:
    assert _rare_runs_result(text) == _rare_runs_as_scans(text)


def _separate_rules():
    """The text rules without the merged scan of rare runs and cjk_spaces matches."""
    import dataclasses

    return dataclasses.replace(text_rules(), rare_cjk_split=None, cjk_chars=frozenset())


def _clean_both_ways(text: str, monkeypatch):
    """clean(text) as it runs (the merged scan) and with the two rules scanned on their own."""
    import importlib

    clean_module = importlib.import_module("extractor.text.clean")   # (text.clean: the function)
    merged = clean_module.clean(text)
    with monkeypatch.context() as m:
        m.setattr(clean_module, "text_rules", _separate_rules)
        separate = clean_module.clean(text)
    return ([merged.text, merged.edits, merged.quality, merged.omap.to_decoded_many(
                [(i, i + 1) for i in range(len(merged.text))])],
            [separate.text, separate.edits, separate.quality, separate.omap.to_decoded_many(
                [(i, i + 1) for i in range(len(separate.text))])])


def test_merged_rare_and_cjk_scan_equals_the_two_scans(corpus_prepared, sample_doc,
                                                       monkeypatch) -> None:
    """One split finds the rare runs and the cjk_spaces matches (rules._rare_cjk_split): the
    cleaned text, edits, counts and offsets are those of the two scans on their own, on every
    corpus file and the sample; and its cjk_spaces deletions are the rule's finditer."""
    from extractor.text.clean import _rare_runs

    r = text_rules()
    assert r.rare_cjk_split is not None and r.cjk_chars == frozenset(" \t\u3000\u00a0")
    texts = [p.doc.text for _path, p in corpus_prepared] + [sample_doc.text]
    texts.append("统计期限自 2023 年 1 月 1 日［2］增長５．０％ ①\u3000１２ 亿元\u200b 。 ３")
    deleted = 0
    for text in texts:
        got, want = _clean_both_ways(text, monkeypatch)
        assert got == want
        cjk = _rare_runs(text, r)[3]
        assert cjk == [(*m.span(), "", "cjk_spaces") for m in r.cjk_spaces.finditer(text)]
        deleted += len(cjk)
    assert deleted > 200


_CJK_ALPHABET = "一年１２％．［］[]①②\u200b億長x \t\u3000\u00a0\n0123、。，（）“a"


@given(st.text(alphabet=_CJK_ALPHABET, max_size=60))
@settings(max_examples=400, deadline=None)
def test_merged_rare_and_cjk_scan_equals_the_two_scans_property(text: str) -> None:
    from extractor.text.clean import _rare_runs

    r = text_rules()
    parts, fn, zw, cjk = _rare_runs(text, r)
    assert cjk == [(*m.span(), "", "cjk_spaces") for m in r.cjk_spaces.finditer(text)]
    # the cjk_spaces matches among the runs are whitespace the fold leaves as it is
    assert all(x.translate(r.fold_table) == x for x in parts[1::2] if x[0] in r.cjk_chars)
    parts[1::2] = [x.translate(r.fold_table) for x in parts[1::2]]
    assert ("".join(parts), fn, zw) == _rare_runs_as_scans(text)
    import pytest

    with pytest.MonkeyPatch.context() as m:
        got, want = _clean_both_ways(text, m)
    assert got == want


def test_merged_scan_only_when_exact() -> None:
    """The merged scan is built only when no character a cjk_spaces match can consume is rare
    and the rule cannot match the empty string, has no group and is enumerable; else the two
    rules are scanned on their own."""
    from extractor.text.rules import _consumed_chars, _rare_cjk_split

    cls = "[％①]"
    ws = "[ \t\u3000\u00a0]"
    rule = text_rules().raw["cjk_spaces"]["regex"]
    assert _rare_cjk_split(cls, rule, True)[1] == frozenset(" \t\u3000\u00a0")
    assert _rare_cjk_split(cls, rule, False) == (None, frozenset())    # the regex engine
    assert _rare_cjk_split(None, rule, True) == (None, frozenset())
    for bad in (ws + "[ ％]*",             # a rare character consumed
                ws + "(?=x)|％",           # a rare character in a branch
                ws + "①?",
                "(" + ws + ")",            # a group of its own
                ws + "*",                  # empty matches
                "[^x]", r"\s", ".", "(?i)" + ws, "(?i:" + ws + ")",  # not enumerable
                "[\u0000-\uffff]",
                "(?:" + ws + ")x", "x" + ws,          # not led by a class
                ws + "x|y", ws + "x|" + ws + "y"):    # a `|` splits it after the class
        assert _rare_cjk_split(cls, bad, True) == (None, frozenset()), bad
    # look-arounds consume nothing: a rare character there is no obstacle
    assert _consumed_chars(ws + "(?<=％" + ws + ")(?!①)" + ws + "*") == frozenset(
        " \t\u3000\u00a0")
    assert _rare_cjk_split(cls, ws + "(?<=％" + ws + ")", True)[0] is not None
    # the merged pattern starts with one class: `re` skips to candidates at C speed
    from re import _constants, _parser

    group = _parser.parse(text_rules().rare_cjk_split.pattern).data
    assert group[0][0] is _constants.SUBPATTERN and group[0][1][3].data[0][0] is _constants.IN


_FLAGGED_HTML = (  # html.detect and html.tag as first written: the flag on the whole pattern
    r"<(?:p|span|div|td|tr|table|br|strong|font|li|h[1-6])\b[^<>]{0,2000}>",
    r"<!--|</?([a-zA-Z][a-zA-Z0-9:]{0,10})\b[^<>]{0,4000}>")


def _html_matches(text: str) -> tuple[list, list]:
    import regex

    r = text_rules()
    flagged = [regex.compile(p, regex.IGNORECASE | regex.V0) for p in _FLAGGED_HTML]
    got = [[(m.span(), m.groups()) for m in p.finditer(text)] for p in (r.html_detect, r.html_tag)]
    want = [[(m.span(), m.groups()) for m in p.finditer(text)] for p in flagged]
    return got, want


def test_html_patterns_equal_their_flagged_forms(corpus_prepared) -> None:
    """html.detect and html.tag, case-insensitive in the tag names only, match what they match
    with the flag on the whole pattern, on every corpus file and on tags in mixed case
    (K and ſ, the Kelvin sign and the long s, fold to ASCII letters)."""
    texts = [p.doc.text for _path, p in corpus_prepared]
    texts.append("<P class=x>a</P><SPAN>b</Span><\u212aBD x><\u017fpan>c</td><TD><H1 >t</h1>"
                 "<!-- c --><Br/><TaBlE><Li>")
    n = 0
    for text in texts:
        got, want = _html_matches(text)
        assert got == want
        n += len(want[1])
    assert n > 5000


@given(st.text(alphabet="<>/!-pPaAnNsSTdDhH1 =\"\u212a\u017fx\n", max_size=60))
@settings(max_examples=400, deadline=None)
def test_html_patterns_equal_their_flagged_forms_property(text: str) -> None:
    got, want = _html_matches(text)
    assert got == want


def test_cjk_space_rule_equals_its_unicode_property_form(corpus_prepared) -> None:
    """The fast stdlib-re form of cjk_spaces finds what the readable \\p{Han} form finds."""
    import regex

    p = "[、。，；：（）“”]"
    ref = regex.compile(
        r"(?<=[\p{Han}、。，；：（）“”])[ \t\u3000\u00a0]+(?=[0-9])(?![0-9]{1,2}[、.](?![0-9]))"
        r"|(?<=[0-9])[ \t\u3000\u00a0]+(?=[\p{Han}、。，；：（）“”])"
        rf"|(?<={p})[ \t\u3000\u00a0]+(?=\p{{Han}})|(?<=\p{{Han}})[ \t\u3000\u00a0]+(?={p})")
    fast = text_rules().cjk_spaces
    n = 0
    for _path, prep in corpus_prepared:
        text = prep.doc.text
        want = [m.span() for m in ref.finditer(text)]
        assert [m.span() for m in fast.finditer(text)] == want
        n += len(want)
    assert n > 100


def test_pdf_footers_and_form_feeds_make_pages() -> None:
    raw = ("   一、总体情况\n   2023年全区受理政府信息公开申请21件，均在法定期限答复。\n\n"
           "                -1-\n\f   二、主动公开情况\n   全年主动公开政府信息1136条。\n\n"
           "      -2-\n\f   三、其他\n")
    ct = clean_text(raw)
    assert "-1-" not in ct.text and "\f" not in ct.text
    assert ct.quality["footers"] == 2 and ct.quality["form_feeds"] == 2
    assert ct.page_at(ct.text.index("21件")) == 1
    assert ct.page_at(ct.text.index("1136条")) == 2
    assert ct.page_at(ct.text.index("三、其他")) == 3
    assert ct.page_count == 3


def test_footers_alone_make_pages() -> None:
    ct = clean_text("第一页的内容。\n- 1 -\n第二页的内容。\n第 2 页 共 3 页\n第三页的内容。")
    assert ct.text == "第一页的内容。\n第二页的内容。\n第三页的内容。"
    assert [ct.page_at(ct.text.index(f"第{c}页的")) for c in "一二三"] == [1, 2, 3]


def test_container_pages_are_used(sample_doc) -> None:
    text = "第一页。全年完成投资1200万元。\f第二页。增长7.5%。"
    k = text.index("\f") + 1
    p = prepare(_doc(text, [Page(1, 0, k), Page(2, k, len(text))]))
    assert p.page_count == 2
    assert p.clean.page_at(p.clean.text.index("1200")) == 1
    assert p.clean.page_at(p.clean.text.index("7.5%")) == 2
    assert [s.page for s in p.sentences] == [1, 1, 2, 2]


def test_page_markers_cutting_a_number() -> None:
    """A marker cutting a figure rejoins it: 12⏎3、00万元 → 1200万元 (one number, page 3 after)."""
    raw = ("1、全区经济社会发展稳中有进，工程建设稳步推进，工程完成投资12\n2、00万元，已预付650万元，"
           "并于8月16日正式开园运营，目前已引进企业35家，面向全国征\n3、集具有特色的旅游产品。")
    ct = clean_text(raw)
    assert "完成投资1200万元，已预付650万元" in ct.text
    i = ct.text.index("1200万元")
    a, b = ct.to_decoded(i, i + 6)
    assert raw[a:b] == "12\n2、00万元"
    assert ct.page_at(i) == 1 and ct.page_at(i + 2) == 2
    assert ct.page_at(ct.text.index("集具有")) == 3


def test_list_items_at_line_starts_are_not_page_markers() -> None:
    raw = ("（二）重点工作\n1、精准招商。全年共接待客商40余批300余人次，洽谈项目8个。\n"
           "2、科技工作。全年申报市科技计划项目共5个。\n3、经信工作。全区规上工业总产值14000万元。\n")
    p = prepare(_doc(raw))
    assert p.clean.text == raw
    assert p.page_count is None
    heads = [s.section for s in p.sentences if p.clean.text[s.start:s.end][:2] in ("1、", "2、", "3、")]
    assert heads == ["（二）/1、", "（二）/2、", "（二）/3、"]


def test_html_entities_and_zero_width() -> None:
    raw = "合计&nbsp;100万元，其中&#8203;农业\u200b30万元"
    ct = clean_text(raw)
    # &nbsp; becomes a plain space; &#8203; (zero-width) and a raw zero-width space are deleted
    assert ct.text == "合计 100万元，其中农业30万元"
    assert ct.quality["entities"] == 2 and ct.quality["zero_width"] == 1


def test_empty_and_blank_documents() -> None:
    for text in ("", "   \n\r\n  ", "\f"):
        p = prepare(_doc(text))
        assert p.sentences == []
        a, b = p.clean.to_decoded(0, 0)
        assert 0 <= a == b <= len(text)
        assert p.report_year is None


def test_text_without_line_breaks_is_linear() -> None:
    """A long text with no line breaks (a 50 MB worst case, scaled down) cleans and splits."""
    unit = "全区规上工业总产值１４０００万元，较去年同比增长７．５％。"
    raw = unit * 20000
    p = prepare(_doc(raw))
    assert len(p.sentences) == 20000
    assert p.clean.text.startswith("全区规上工业总产值14000万元，较去年同比增长7.5%。")
    i = len(p.clean.text) - 5
    assert p.clean.to_decoded(i, i + 5) == (len(raw) - 5, len(raw))


def test_glued_section_number_in_the_sample(sample_prepared) -> None:
    """`五是为当场出彩4、商贸工作。` — 4 is the next `N、` item after `3、经信工作`: a heading."""
    p = sample_prepared
    t = p.clean.text
    head = next(x for x in p.sentences if t[x.start:x.end] == "4、商贸工作。")
    assert head.section == "一、/（二）/4、"
    assert t[p.sentences[head.index - 1].start:p.sentences[head.index - 1].end] == "五是为当场出彩"
    nxt = p.sentences[head.index + 1]
    assert t[nxt.start:nxt.end].startswith("一是“社零增长拔头筹")
    assert nxt.section == "一、/（二）/4、" and nxt.page == 12
    # the later items follow: 5、供销深化改革工作 and 6、综合执法工作
    assert any(x.section == "一、/（二）/6、" for x in p.sentences)


def test_display_widths_in_one_call_equal_one_per_line(corpus_prepared) -> None:
    """The batched GB18030 widths of the hard-wrap detector are the per-line widths: lines with
    4-byte characters, unencodable lone surrogates, controls and empty lines included."""
    from extractor.text.clean import _display_width, _display_widths

    tricky = ["", "abc", "全年实现地区生产总值", "\U00020000𠀀表", "x\ud800y", "\t\r\f\x0b\x85",
              "€ \u3000１２", "\U0001f600"]
    assert _display_widths(tricky) == [_display_width(ln) for ln in tricky]
    assert _display_widths([]) == []
    for _path, p in corpus_prepared:
        lines = p.doc.text.split("\n")
        assert _display_widths(lines) == [_display_width(ln) for ln in lines]


def test_line_joins_length_bound_equals_the_widths(corpus_prepared, sample_doc) -> None:
    """_line_joins tells from the lines' lengths that most documents cannot be hard-wrapped
    before working out display widths: the joins are those found with every width worked out,
    on every corpus file, the sample and the rule's examples (some of them wrapped)."""
    from extractor.text.clean import _line_joins

    r = text_rules()
    texts = [p.doc.text for _path, p in corpus_prepared] + [sample_doc.text]
    texts += [ex["in"] for ex in r.raw["hard_wrap"]["examples"]]
    texts += [ex["in"] for ex in r.raw["hard_wrap"]["counter_examples"]]
    joined = 0
    for text in texts:
        want = _line_joins(text, r, bound=False)
        assert _line_joins(text, r) == want
        joined += len(want)
    assert joined > 100


_WRAP_WORDS = ["全年实现地区生产总值", "增长", "5.2%", "。", "，", "ab", " ", "\u3000", "\U00020000",
               "€", "\ud800", "一、", "（二）", "|", "”", "，加强", "PM", "2.5", "“看"]


@given(st.lists(st.lists(st.sampled_from(_WRAP_WORDS), max_size=14).map("".join),
                min_size=6, max_size=30))
@settings(max_examples=300, deadline=None)
def test_line_joins_length_bound_property(lines: list[str]) -> None:
    from extractor.text.clean import _line_joins

    text = "\n".join(lines)
    r = text_rules()
    assert _line_joins(text, r) == _line_joins(text, r, bound=False)


_HTML_PIECES = ["<p>", "</p>", "<SPAN class=x>", "</span>", "<td>", "<br/>", "<!--", "-->",
                "<script>", "</script>", "<STYLE>", "</style>", "<o:p>", "文字", "12.5", " ", "\n",
                "<", ">", "<p", "&amp;"]


def test_plain_tags_equal_the_tag_loop(corpus_prepared) -> None:
    """The tags before the first comment or script/style element, found by one split
    (_plain_tags), give the edits the tag loop gives on its own, on every corpus file that
    looks like HTML and on texts with comments and scripts early, late or unclosed."""
    import dataclasses

    from extractor.text.clean import _html_markup, _plain_tags

    r = text_rules()
    loop_only = dataclasses.replace(r, html_tag_split=None)
    assert r.html_tag_split is not None
    texts = [p.doc.text for _path, p in corpus_prepared]
    body = "<p>x</p><span>1</span><td>2</td>" * 6
    texts += [body + tail for tail in ("", "<!-- c -->" + body, "<!-- open" + body,
                                        "<script>var a = '<p>';</script>" + body,
                                        "<STYLE>p {}" + body, "</script>" + body)]
    texts += ["<!-- c -->" + body, "<Script>x</sCript>" + body]
    fast = 0
    for text in texts:
        assert _html_markup(text, r) == _html_markup(text, loop_only)
        fast += len(_plain_tags(text, r)[0])
    assert fast > 5000


@given(st.lists(st.sampled_from(_HTML_PIECES), min_size=30, max_size=120).map("".join))
@settings(max_examples=300, deadline=None)
def test_plain_tags_equal_the_tag_loop_property(text: str) -> None:
    import dataclasses

    from extractor.text.clean import _html_markup

    r = text_rules()
    assert _html_markup(text, r) == _html_markup(text, dataclasses.replace(r, html_tag_split=None))


_TRAD_ALPHABET = "長长業业億亿國国對導與興x1 \n％"


def _traditional_count(text: str) -> int:
    r = text_rules()
    return sum(map(len, r.traditional_runs.findall(text)))


def test_traditional_runs_count_the_traditional_characters(corpus_prepared) -> None:
    """clean() counts the folded traditional characters by the runs' lengths: the number of
    characters of rules.traditional, on every corpus file, every traditional character alone
    and all of them in a row."""
    r = text_rules()
    texts = [p.doc.text for _path, p in corpus_prepared]
    texts += list(r.traditional) + ["".join(sorted(r.traditional))]
    found = 0
    for text in texts:
        want = sum(1 for ch in text if ch in r.traditional)
        assert _traditional_count(text) == want
        found += want
    assert found > 500


@given(st.text(alphabet=_TRAD_ALPHABET, max_size=40))
@settings(max_examples=300, deadline=None)
def test_traditional_runs_count_property(text: str) -> None:
    assert _traditional_count(text) == sum(1 for ch in text if ch in text_rules().traditional)


def test_tag_count_stops_where_it_passes(corpus_prepared) -> None:
    """_too_few_tags counts the HTML tags only up to the number that passes both thresholds:
    the same answer as counting them all, on every corpus file and around the thresholds."""
    import dataclasses

    from extractor.text.clean import _too_few_tags

    r = text_rules()

    def plain(text, rules):
        n = len(rules.html_detect.findall(text))
        return n < rules.html_min_tags or n < rules.html_density * len(text) / 1000

    texts = [p.doc.text for _path, p in corpus_prepared]
    texts += ["<p>x</p>" * k + "汉" * pad for k in range(0, 12) for pad in (0, 1, 999, 1000, 1600)]
    html = 0
    for rules in (r, dataclasses.replace(r, html_min_tags=0), dataclasses.replace(r, html_density=0.0),
                  dataclasses.replace(r, html_density=float("inf")),
                  dataclasses.replace(r, html_density=float("nan"))):
        for text in texts:
            assert _too_few_tags(text, rules) == plain(text, rules)
            html += not plain(text, rules)
    assert html > 20


_SENTENCE_ALPHABET = "一二、。！？；!?;”）) \t\u3000\u00a0\r\n\f\v（(1２.xa效"


def _plain_sentence():
    """The sentence pattern in its plain form: the run as the negated class ``[^\\nF]*``."""
    import re

    from extractor.text.rules import SENTENCE_TRIM

    se = text_rules().raw["sentences"]
    f, c = re.escape(se["final"]), re.escape(se["closers"])
    return re.compile(r"[^\s][^\n" + f + r"]*(?:[" + f + "][" + c + r"]*|(?<!["
                      + re.escape(SENTENCE_TRIM) + "]))")


def _finditer_spans(text: str) -> list[tuple[int, int]]:
    """The plain form of the sentences' spans: one match object per sentence."""
    spans = [m.span() for m in _plain_sentence().finditer(text)]
    assert [m.span() for m in text_rules().sentence.finditer(text)] == spans
    return spans


def test_not_class_is_the_negated_class() -> None:
    """rules._not_class(chars) matches exactly the characters ``[^chars]`` matches: every code
    point, surrogates included, for the sentences' run and for awkward characters."""
    import re

    from extractor.text.rules import _not_class

    every = "".join(map(chr, range(0x110000)))
    final = text_rules().raw["sentences"]["final"]
    for chars in ("\n" + final, "\x00", "\U0010ffff", "]^-\\[", "a", "\x00\U0010ffff\ud800-"):
        want = re.compile("[^" + re.escape(chars) + "]").findall(every)
        assert re.compile(_not_class(chars)).findall(every) == want, chars


def _split_spans(text: str) -> list[tuple[int, int]]:
    """segment._bounds' form before the enumerator cuts: split's pieces, their lengths summed."""
    from itertools import accumulate

    pieces = text_rules().sentence_split.split(text)
    offs = list(accumulate(map(len, pieces), initial=0))
    spans = list(zip(offs[1:-1:3], offs[3::3]))
    # the first-character pieces are the sentences' first characters (segment._spans' firsts)
    assert pieces[1::3] == [text[s] for s, _e in spans]
    return spans


def test_sentence_split_bounds_are_the_finditer_spans(corpus_prepared, sample_doc) -> None:
    """The summed lengths of split's pieces are the sentence matches' spans, on every corpus
    file's clean text, and the sentences (with the enumerator cuts) are cut from them."""
    from extractor.text.segment import _apply_cuts, _enum_cuts, sentence_spans

    texts = [p.clean.text for _path, p in corpus_prepared] + [prepare(sample_doc).clean.text]
    for text in texts:
        plain = _finditer_spans(text)
        assert _split_spans(text) == plain
        cuts = _enum_cuts(text)
        want = list(zip(*_apply_cuts(text, [s for s, _e in plain], [e for _s, e in plain], cuts)))
        assert sentence_spans(text) == want


@given(st.text(alphabet=_SENTENCE_ALPHABET, max_size=80))
@settings(max_examples=400, deadline=None)
def test_sentence_split_bounds_property(text: str) -> None:
    assert _split_spans(text) == _finditer_spans(text)


def _plain_enum_cuts(text: str) -> list[int]:
    """_enum_cuts with the line break in the trigger's class (the full rule: an enumerator after
    a line start, a sentence end or whitespace)."""
    import re

    from extractor.text.segment import _enum_cuts

    r = text_rules()
    full = re.compile(r.sent_enum_trigger.pattern.replace("[", "[\n", 1))
    at_breaks = [m.end() for m in full.finditer(text) if text[m.start()] == "\n"
                 and r.sent_enum.match(text, m.end())]
    return sorted(_enum_cuts(text) + at_breaks)


def _cut_spans(text: str, cuts: list[int]) -> list[tuple[int, int]]:
    from extractor.text.segment import _apply_cuts

    plain = _finditer_spans(text)
    return list(zip(*_apply_cuts(text, [s for s, _e in plain], [e for _s, e in plain], cuts)))


def test_enumerators_after_line_breaks_never_cut(corpus_prepared, sample_doc) -> None:
    """The sentences are the same with the cuts after line breaks as without them (the trigger
    leaves the line break out), on every corpus file and the sample."""
    from extractor.text.segment import _enum_cuts, sentence_spans

    texts = [p.clean.text for _path, p in corpus_prepared] + [prepare(sample_doc).clean.text]
    extra = 0
    for text in texts:
        plain = _plain_enum_cuts(text)
        extra += len(plain) - len(_enum_cuts(text))
        assert sentence_spans(text) == _cut_spans(text, plain)
    assert extra > 500   # the corpus has headings at line starts: the comparison is not empty


@given(st.text(alphabet=_SENTENCE_ALPHABET + "、二", max_size=60))
@settings(max_examples=400, deadline=None)
def test_enumerators_after_line_breaks_never_cut_property(text: str) -> None:
    from extractor.text.segment import sentence_spans

    assert sentence_spans(text) == _cut_spans(text, _plain_enum_cuts(text))


def _three_pass_sentence():
    """The sentence pattern in its first form, ``[^\\s](?:R*FC*|R*(?<!T))`` (rules._sentence
    matches the run once and tries the two endings after it)."""
    import re

    from extractor.text.rules import SENTENCE_TRIM

    se = text_rules().raw["sentences"]
    f, c, t = re.escape(se["final"]), re.escape(se["closers"]), re.escape(SENTENCE_TRIM)
    return re.compile(r"[^\s](?:[^\n" + f + r"]*[" + f + r"][" + c + r"]*|[^\n" + f + r"]*(?<!["
                      + t + r"]))")


def test_sentence_pattern_equals_its_three_pass_form(corpus_prepared, sample_doc) -> None:
    old = _three_pass_sentence()
    texts = [p.clean.text for _path, p in corpus_prepared] + [prepare(sample_doc).clean.text]
    n = 0
    for text in texts:
        spans = [m.span() for m in old.finditer(text)]
        assert _finditer_spans(text) == spans
        n += len(spans)
    assert n > 10000


@given(st.text(alphabet=_SENTENCE_ALPHABET, max_size=80))
@settings(max_examples=400, deadline=None)
def test_sentence_pattern_equals_its_three_pass_form_property(text: str) -> None:
    assert _finditer_spans(text) == [m.span() for m in _three_pass_sentence().finditer(text)]


def _cuts_both_ways(text: str) -> tuple[tuple, tuple, int]:
    """The sentences cut at _enum_cuts (the trigger over the whole text) and at _inside_cuts."""
    from extractor.text.segment import _apply_cuts, _enum_cuts, _inside_cuts

    plain = _finditer_spans(text)
    starts, ends = [s for s, _e in plain], [e for _s, e in plain]
    firsts = "".join(text[s] for s in starts)
    inside = _inside_cuts(text, starts, ends, firsts)
    return (_apply_cuts(text, starts, ends, _enum_cuts(text)),
            _apply_cuts(text, starts, ends, inside), len(inside))


def test_inside_cuts_cut_as_the_trigger_does(corpus_prepared, sample_doc) -> None:
    """_inside_cuts (sentence ends only at sentences' first characters, whitespace through one
    literal-led pattern each) cuts the sentences exactly as the trigger's cuts do."""
    texts = [p.clean.text for _path, p in corpus_prepared] + [prepare(sample_doc).clean.text]
    texts.append("甲。\n。1、乙。 丙 (一)丁 。二、戊\u3000（3）己\t4.庚")
    used = 0
    for text in texts:
        want, got, n = _cuts_both_ways(text)
        assert got == want
        used += n
    assert used > 10   # (14: cuts inside sentences are rare, the sample has most)


@given(st.text(alphabet=_SENTENCE_ALPHABET + "、二", max_size=60))
@settings(max_examples=400, deadline=None)
def test_inside_cuts_cut_as_the_trigger_does_property(text: str) -> None:
    want, got, _n = _cuts_both_ways(text)
    assert got == want


def _plain_sections(ct) -> list[tuple[int, int, str]]:
    """The sentences and sections the plain way: every span looked at in turn, split at a glued
    next item number while an Arabic item is current, every piece's heading setting the path."""
    from extractor.text.segment import _bounds, heading_level

    r = text_rules()
    text = ct.text
    nlev = len(r.section_levels)
    path, nums = [""] * nlev, [""] * nlev
    gl = r.glued_level
    out = []
    for s, e in zip(*_bounds(text)):
        while True:
            end = e
            if nums[gl]:
                want = str(int(nums[gl]) + 1)
                for m in r.glued_enum.finditer(text, s + 1, e):
                    if m.group(1) == want:
                        end = m.start()
                        break
            h = heading_level(text, s)
            if h is not None:
                k, label, num = h
                path[k], nums[k] = label, num
                path[k + 1:] = [""] * (nlev - k - 1)
                nums[k + 1:] = [""] * (nlev - k - 1)
            out.append((s, end, "/".join(p for p in path if p)))
            if end == e:
                break
            s = end
    return out


def test_sections_are_the_plain_walks(corpus_prepared, sample_doc) -> None:
    """_split (only the sentences that can matter looked at, the output lists made at the first
    glued split) gives the sentences and sections of the plain walk over every sentence."""
    cts = [p.clean for _path, p in corpus_prepared] + [prepare(sample_doc).clean]
    cts.append(clean_text("3、经信工作。五是为当场出彩4、商贸工作。一是社零增长拔头筹。二是限上企业早完成"
                          "7、旅游工作。二、其他 1、甲。乙5、丙2、丁工作。"))
    split = 0
    for ct in cts:
        got = [(s.start, s.end, s.section) for s in prepare(_doc(ct.decoded)).sentences]
        assert got == _plain_sections(ct)
        split += len(got) - len(_bounds_of(ct.text))
    assert split >= 3   # glued numbers split sentences


def _bounds_of(text: str) -> list[int]:
    from extractor.text.segment import _bounds

    return _bounds(text)[0]


@given(st.text(alphabet="一二、。1234.（）(3)甲乙丙工作 \n", max_size=80))
@settings(max_examples=400, deadline=None)
def test_sections_are_the_plain_walks_property(text: str) -> None:
    ct = clean_text(text)
    got = [(s.start, s.end, s.section) for s in prepare(_doc(text)).sentences]
    assert got == _plain_sections(ct)


def test_tag_rule_with_a_numbered_group_reference_keeps_the_tag_loop() -> None:
    """A tag rule that refers to its name group by number (\\1, a conditional on group 1) is
    not wrapped for the split of _plain_tags: the wrapping group would renumber it (a \\1 to
    the open whole tag made text_rules() raise; the conditional would test the whole tag).
    Found by user rule folders that break the split's assumptions."""
    import dataclasses

    from extractor.text.clean import _html_markup
    import regex

    from extractor.text.rules import _tag_split

    r = text_rules()
    text = "<p>x</p><span>1</span><td>2</td><B>3</B>" * 6 + "<p>a</p>x"
    for tag in (r"<!--|</?((?i:[a-zA-Z][a-zA-Z0-9:]{0,10}))\b[^<>]{0,4000}>(?!\1)",
                r"<!--|</?((?i:[a-zA-Z][a-zA-Z0-9:]{0,10}))\b[^<>]{0,4000}(?(1)>|x)"):
        assert _tag_split(tag) is None
        mine = dataclasses.replace(r, html_tag=regex.compile(tag, regex.V0), html_tag_split=None)
        edits = _html_markup(text, mine)
        assert len(edits) > 40
        assert _html_markup(text, dataclasses.replace(mine, html_tag_split=_tag_split(tag))) \
            == edits
    assert _tag_split(r.raw["html"]["tag"]) is not None        # the shipped rule: split kept

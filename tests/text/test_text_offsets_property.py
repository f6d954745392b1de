"""The offset map is exact: property tests on generated texts, the sample and every corpus file.

Invariants (stated precisely; `ct = clean(decoded)`):

1. **Structure.** The map's segments tile the clean text in order; between consecutive segments
   the decoded text is covered exactly by recorded deletions (``ct.edits`` with an empty
   replacement); a *run* segment's decoded text, folded 1:1 (full-width → half-width), equals its
   clean text; a *replacement* segment's clean text equals the replacement of the recorded edit
   spanning exactly its decoded span.
2. **Deletions are harmless.** Every deleted decoded fragment matches the whitelist pattern of its
   kind (page marker `⏎N、`, footer line, form feed, tag, whitespace/line break, footnote marker
   …): cleaning never deletes content characters.
3. **Round trip.** For any clean span [a, b): ``to_decoded(a, b) = (d0, d1)`` with d0 the decoded
   start of clean[a] and d1 the decoded end of clean[b-1]; no edit straddles d0 or d1; and
   re-normalising the raw fragment ``decoded[d0:d1]`` — the 1:1 fold plus the document's edits
   that lie inside it — gives exactly ``clean[a:b]``. (Page-marker and hard-wrap decisions need
   the whole document, so the fragment is re-normalised with the document's decisions, not by
   re-detecting them on the fragment.)
4. **Generated texts.** Texts built from blocks whose clean form is known in advance (full-width
   figures, entities and the sample's damaged `X9642;`, footnote markers, PDF spaces, CRLF line
   ends, the sample's page markers cutting words and numbers, PDF footers `-k-`/`第 k 页` with
   form feeds) clean to exactly the expected text, and every page marker / page break gives the
   page of the text after it.
"""
from __future__ import annotations

import random
from bisect import bisect_left

import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor.text import clean_text
from extractor.text.offsets import apply_edits
from extractor.text.rules import text_rules

WHITELIST = {
    "page_markers": r"(?:\r?\n)?\d{1,3}、",
    "footers": r"[ \t\u3000]*(?:[-—–－][ \t]*\d{1,4}[ \t]*[-—–－]|第[ \t]*\d{1,4}[ \t]*页.*|"
               r"\d{1,4}[ \t]*/[ \t]*\d{1,4})[ \t\u3000]*(?:\r?\n)?",
    "form_feeds": r"\f",
    "html_tags": r"(?s)<.*>",
    "html_whitespace": r"\s+",
    "entities": r"&#?[0-9A-Za-z]+;|[Xx]\d{4,5};",
    "footnotes": r"[\[［](?:注\s*)?\d{1,2}[\]］]|[①-⑳]",
    "zero_width": r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]+",
    "pinyin_glosses": r"\([a-zü\u00e0-\u01dc]+\)",
    "line_joins": r"[ \t\u3000\u00a0\r\n\f]+",
    "cjk_spaces": r"[ \t\u3000\u00a0]+",
    "crlf": r"\r",
    "markdown": r"#{1,6}[ \t]+",
}


def fold(s: str) -> str:
    return s.translate(text_rules().fold_table)


def check_structure(ct) -> None:
    """Invariants 1 and 2 over every character of the document."""
    dec = ct.decoded
    edits = ct.edits
    dels = [e for e in edits if e[2] == ""]
    reps = {(e[0], e[1]): e[2] for e in edits if e[2] != ""}
    for s, e, rep, kind in edits:
        assert 0 <= s < e <= len(dec)
        if rep == "":
            assert regex.fullmatch(WHITELIST[kind], dec[s:e]), (kind, dec[s:e])
    pos = 0
    di = 0
    cpos = 0
    for cs, ce, ds, de, run in ct.omap.iter_segments():
        assert cs == cpos
        while pos < ds:
            assert di < len(dels) and dels[di][0] == pos, (pos, ds)
            pos = dels[di][1]
            di += 1
        assert pos == ds
        if run:
            assert de - ds == ce - cs
            assert fold(dec[ds:de]) == ct.text[cs:ce]
        else:
            assert reps[(ds, de)] == ct.text[cs:ce]
        pos = de
        cpos = ce
    assert cpos == len(ct.text)
    while di < len(dels):
        assert dels[di][0] == pos
        pos = dels[di][1]
        di += 1
    assert pos == len(dec)


def renormalise(ct, d0: int, d1: int) -> str:
    starts = [e[0] for e in ct.edits]
    i = bisect_left(starts, d0)
    inside = []
    if i > 0:
        assert ct.edits[i - 1][1] <= d0, "an edit straddles the span start"
    while i < len(ct.edits) and ct.edits[i][0] < d1:
        s, e, rep, _k = ct.edits[i]
        assert e <= d1, "an edit straddles the span end"
        inside.append((s - d0, e - d0, rep))
        i += 1
    out, _m = apply_edits(ct.decoded[d0:d1], inside, fold)
    return out


def check_span(ct, a: int, b: int) -> None:
    d0, d1 = ct.to_decoded(a, b)
    assert 0 <= d0 < d1 <= len(ct.decoded)
    assert d0 == ct.omap.start_of(a) and d1 == ct.omap.end_of(b - 1)
    assert renormalise(ct, d0, d1) == ct.text[a:b]


# ------------------------------------------------------------------------------------------------
# generated texts

HAN = "经济发展工业投资增长全区完成实现社会消费品零售总额万亿元个项目家亩"
han = st.text(alphabet=HAN + "0123456789", min_size=1, max_size=12).map(lambda s: "区" + s)
fullwidth = st.decimals(min_value=0, max_value=99999, places=1, allow_nan=False,
                        allow_infinity=False).map(str).map(
    lambda s: ("增长" + s.translate({ord(c): chr(ord(c) + 0xFEE0) for c in "0123456789."}) + "％",
               "增长" + s + "%"))
entity = st.sampled_from([("区&nbsp;", "区 "), ("区X9642;", "区▪"), ("区&#9642;", "区▪"),
                          ("区&amp;", "区&"), ("区&#x25AA;", "区▪")])
footnote = st.sampled_from([("总值[2]1349084亿元", "总值1349084亿元"),
                            ("总值[注1]52.3亿元", "总值52.3亿元"), ("总值①1349亿元", "总值1349亿元")])
pdfspace = st.sampled_from([("自 2023 年", "自2023年"), ("第 711 号", "第711号")])
block = st.one_of(han.map(lambda s: (s, s)), fullwidth, entity, footnote, pdfspace)
sentence = st.lists(block, min_size=1, max_size=6).map(
    lambda bs: ("".join(r for r, _c in bs) + "。", "".join(c for _r, c in bs) + "。"))


@st.composite
def documents(draw):
    """(raw, expected clean, page info) — plain, with the sample's page markers, or PDF-like pages
    (footer line + form feed after each page)."""
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    style = draw(st.sampled_from(["plain", "markers", "pdf"]))
    lines = draw(st.lists(st.lists(sentence, min_size=1, max_size=4),
                          min_size=1 if style == "plain" else 3, max_size=8))
    with_markers = style == "markers"
    raw_lines, clean_lines = [], []
    for ln in lines:
        r = "".join(x for x, _ in ln)
        c = "".join(y for _, y in ln)
        if with_markers:
            # end mid-sentence (the marker cuts the text) and make the line long enough
            tail = draw(st.sampled_from(["面向全国征", "工程完成投资1200万元", "提升业务工作能"]))
            pad = "全区经济社会发展稳中有进" * 3
            r, c = "区" + pad + r + tail, "区" + pad + c + tail
        raw_lines.append(r)
        clean_lines.append(c)
    if style == "pdf":
        # one line per page, each followed by a blank line, a `-k-` footer and a form feed
        footer = draw(st.sampled_from(["   -{}-", "- {} -", "第 {} 页"]))
        raw = "".join(ln + nl + nl + footer.format(k + 1) + nl + "\f"
                      for k, ln in enumerate(raw_lines[:-1])) + raw_lines[-1]
        clean = "\n\n".join(clean_lines)
        return raw, clean, ("pdf", [len(x) + 2 for x in clean_lines])
    if not with_markers:
        return nl.join(raw_lines), "\n".join(clean_lines), None
    raw = "".join(("" if k == 0 else nl) + f"{k + 1}、" + ln for k, ln in enumerate(raw_lines))
    return raw, "".join(clean_lines), [len(x) for x in clean_lines]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents(), data=st.data())
def test_generated_texts_clean_exactly(doc, data) -> None:
    raw, expected, line_lens = doc
    ct = clean_text(raw)
    assert ct.text == expected
    check_structure(ct)
    n = len(ct.text)
    for _ in range(5):
        a = data.draw(st.integers(0, n - 1))
        b = data.draw(st.integers(a + 1, n))
        check_span(ct, a, b)
    if isinstance(line_lens, tuple):
        _style, lens = line_lens
        assert ct.quality["footers"] == ct.quality["form_feeds"] == len(lens) - 1
        pos = 0
        for k, ln in enumerate(lens):
            assert ct.page_at(pos) == k + 1
            pos += ln
        assert ct.page_count == len(lens)
    elif line_lens is not None:
        assert ct.quality["page_markers"] == len(line_lens)
        pos = 0
        for k, ln in enumerate(line_lens):
            assert ct.page_at(pos) == k + 1
            assert ct.page_at(pos + ln - 1) == k + 1
            pos += ln
    if "\r\n" in raw:
        # offsets point into the decoded text with its \r\n kept
        i = ct.text.find("\n")
        if i >= 0:
            d0, d1 = ct.to_decoded(i, i + 1)
            assert raw[d0:d1] == "\n" and raw[d0 - 1] == "\r"


def test_fullwidth_offsets_point_to_the_original_chars() -> None:
    raw = "全年增长１５．６％，达到１２３４５万元。"
    ct = clean_text(raw)
    assert ct.text == "全年增长15.6%，达到12345万元。"
    i = ct.text.index("15.6%")
    a, b = ct.to_decoded(i, i + 5)
    assert raw[a:b] == "１５．６％"
    assert (a, b) == (4, 9)
    assert ct.quality["fullwidth_folded"] == 10


def test_crlf_offsets_keep_the_line_ends() -> None:
    raw = "一、总体情况\r\n全年完成投资1200万元。\r\n二、主要做法\r\n"
    ct = clean_text(raw)
    assert ct.text == "一、总体情况\n全年完成投资1200万元。\n二、主要做法\n"
    i = ct.text.index("1200万元")
    a, b = ct.to_decoded(i, i + 6)
    assert raw[a:b] == "1200万元" and (a, b) == (14, 20)
    j = ct.text.index("二、")
    assert raw[ct.to_decoded(j, j + 2)[0]:][:2] == "二、"
    check_structure(ct)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_sample_random_spans(sample_prepared, data) -> None:
    ct = sample_prepared.clean
    n = len(ct.text)
    a = data.draw(st.integers(0, n - 1))
    b = data.draw(st.integers(a + 1, min(n, a + data.draw(st.integers(1, 400)))))
    check_span(ct, a, b)


def test_sample_structure(sample_prepared) -> None:
    check_structure(sample_prepared.clean)


def test_every_corpus_file(corpus_prepared) -> None:
    """Invariants 1–2 over every character and 3 on 200 random spans, for every corpus file."""
    rng = random.Random(20231231)
    assert len(corpus_prepared) >= 100
    spans = 0
    for _path, p in corpus_prepared:
        ct = p.clean
        check_structure(ct)
        n = len(ct.text)
        for _ in range(200):
            a = rng.randrange(n)
            b = rng.randint(a + 1, min(n, a + rng.choice((1, 5, 40, 300))))
            check_span(ct, a, b)
            spans += 1
        for s in p.sentences:
            assert 0 <= s.start < s.end <= n
            d0, d1 = ct.to_decoded(s.start, s.end)
            assert d0 < d1
    assert spans == 200 * len(corpus_prepared)


def test_to_clean_is_the_first_clean_character_starting_at_or_after(corpus_prepared,
                                                                      sample_prepared) -> None:
    """``to_clean(d)`` / ``to_clean_many`` give the first clean character whose decoded origin
    starts at or after d (the clean length past the last one), for every decoded offset."""
    for ct in [p.clean for _path, p in corpus_prepared[:25]] + [sample_prepared.clean]:
        omap = ct.omap
        starts = [omap.start_of(c) for c in range(omap.clean_len)]
        offsets = list(range(len(ct.decoded) + 1))
        want = [bisect_left(starts, d) for d in offsets]
        assert ct.to_clean_many(offsets) == want
        assert [ct.to_clean(d) for d in offsets[::97]] == want[::97]


def test_to_clean_over_replacements_and_deletions(corpus_prepared) -> None:
    """The same through replacement segments (entities, HTML tags) and deletions: the HTML files
    of the corpus and a text with every kind of edit; to_clean one by one too."""
    from extractor.text import clean_text

    texts = [p.clean for _path, p in corpus_prepared if "rawhtml" in str(_path)
             or "<p" in p.doc.text[:2000]]
    texts.append(clean_text("合计&nbsp;100万元 X9642;招才\u200b引智①2 统计期限自 2023 年\r\n工程"
                            "完成投资1200万元\n2、,已预付650万元\n3、。尾[2]５％"))
    n = 0
    for ct in texts:
        omap = ct.omap
        starts = [omap.start_of(c) for c in range(omap.clean_len)]
        offsets = list(range(len(ct.decoded) + 1))
        want = [bisect_left(starts, d) for d in offsets]
        assert ct.to_clean_many(offsets) == want
        assert [ct.to_clean(d) for d in offsets] == want
        n += sum(1 for _s in omap.iter_segments() if not _s[4])
    assert n > 100   # replacement segments were crossed


def test_to_decoded_many_is_to_decoded(corpus_prepared, sample_prepared) -> None:
    """``to_decoded_many`` = ``to_decoded`` span by span: spans inside one segment (its fast
    path), across segments, ending at a segment's end, empty and at the ends of the text."""
    from extractor.text import clean_text

    cts = [p.clean for _path, p in corpus_prepared[::4]] + [sample_prepared.clean]
    cts += [p.clean for _path, p in corpus_prepared if "<p" in p.doc.text[:2000]]
    cts.append(clean_text("合计&nbsp;100万元 X9642;招才\u200b引智①2 统计期限自 2023 年\r\n工程"))
    rng = random.Random(5)
    n = 0
    for ct in cts:
        m = ct.omap.clean_len
        seg = [s[0] for s in ct.omap.iter_segments()] + [m]
        spans = [(a, min(m, a + rng.randint(0, 15))) for a in
                 (rng.randrange(m + 1) for _ in range(300))]
        spans += [(a, b) for a, b in zip(seg, seg[1:])] + [(max(0, b - 2), b) for b in seg]
        spans += [(0, m), (m, m), (0, 0)]
        assert ct.to_decoded_many(spans) == [ct.to_decoded(a, b) for a, b in spans]
        n += len(spans)
    assert n > 5000


def test_batch_mappings_of_an_empty_text() -> None:
    """A text that cleans to nothing (no segment): the batch forms answer as the single ones."""
    from extractor.text import clean_text

    for text in ("", "\u200b", "\n-1-\n"):
        ct = clean_text(text)
        spans = [(0, 0), (ct.omap.clean_len, ct.omap.clean_len)]
        assert ct.to_decoded_many(spans) == [ct.to_decoded(a, b) for a, b in spans]
        offsets = list(range(len(ct.decoded) + 1))
        assert ct.to_clean_many(offsets) == [ct.to_clean(d) for d in offsets]

"""The sample report (../shared/seed/000_d222d2fbad11a8ee.txt): page markers, pages, rejoined cut
sentences, sections, entity remnants, conversion errors, report year."""
from __future__ import annotations

import regex

from extractor.text import prepare


def _sentence_text(p, s):
    return p.clean.text[s.start:s.end]


def test_sixteen_page_markers_removed(sample_prepared) -> None:
    p = sample_prepared
    assert p.clean.quality["page_markers"] == 16
    assert p.page_count == 16
    # no line-start `N、` marker survives in the clean text
    assert not regex.search(r"(?m)^\d{1,2}、", p.clean.text)
    assert "\n" not in p.clean.text.strip()  # every line break of the sample was a marker's


def test_pages_one_to_sixteen(sample_prepared) -> None:
    p = sample_prepared
    text, ct = p.doc.text, p.clean
    assert ct.page_at(0) == 1
    for n in range(2, 17):
        d = text.index(f"\n{n}、") + len(f"\n{n}、")  # first decoded char after marker n
        c = ct.to_clean(d)
        assert ct.page_at(c) == n, n
        assert ct.page_at(c - 1) == n - 1, n  # the char before the marker is on the previous page
    assert ct.page_at(len(ct.text) - 1) == 16
    assert sorted({s.page for s in p.sentences}) == list(range(1, 17))


def test_cut_sentences_rejoin(sample_prepared) -> None:
    t = sample_prepared.clean.text
    assert "工程完成投资1200万元,已预付650万元" in t
    assert "面向全国征集具有xx特色" in t
    assert "提升业务工作能力。" in t
    assert "ppp工程。工程选址于" in t


def test_rejoined_span_maps_over_the_marker(sample_prepared) -> None:
    p = sample_prepared
    i = p.clean.text.index("1200万元,已预付")
    a, b = p.clean.to_decoded(i, i + len("1200万元,已预付"))
    assert p.doc.text[a:b] == "1200万元\n2、,已预付"
    j = p.clean.text.index("1200万元")
    a, b = p.clean.to_decoded(j, j + 6)
    assert p.doc.text[a:b] == "1200万元"


def test_section_three_kept_after_marker_eleven(sample_prepared) -> None:
    p = sample_prepared
    heads = [s for s in p.sentences if _sentence_text(p, s).startswith("3、经信工作")]
    assert len(heads) == 1
    h = heads[0]
    assert h.section == "一、/（二）/3、"
    assert h.page == 11
    nxt = p.sentences[h.index + 1]
    assert _sentence_text(p, nxt).startswith("一是经济逐年攀升")
    assert nxt.section.endswith("3、")


def test_section_paths_of_the_sample(sample_prepared) -> None:
    p = sample_prepared
    # the title on the first line is a sentence of its own
    assert _sentence_text(p, p.sentences[0]) == "科技局XX年工作总结暨XX年工作打算"

    def section_of(prefix: str) -> str:
        hits = [s.section for s in p.sentences if _sentence_text(p, s).startswith(prefix)]
        assert len(hits) == 1, prefix
        return hits[0]

    assert section_of("一、2023年主要工作情况") == "一、"
    assert section_of("(一)亮点工作。") == "一、/（一）"
    assert section_of("1、创客空间成功开园。") == "一、/（一）/1、"
    assert section_of("(二)重点工作") == "一、/（二）"
    assert section_of("1、精准招商。") == "一、/（二）/1、"
    assert section_of("2、科技工作。") == "一、/（二）/2、"
    assert section_of("5、供销深化改革工作。") == "一、/（二）/5、"


def test_entity_remnants_cleaned(sample_prepared) -> None:
    p = sample_prepared
    assert "9642" not in p.clean.text
    assert "招商引资▪招才引智▪工程签约" in p.clean.text
    assert p.clean.quality["entities"] == 2
    i = p.clean.text.index("▪")
    a, b = p.clean.to_decoded(i, i + 1)
    assert p.doc.text[a:b] == "X9642;"


def test_conversion_errors_counted_not_applied(sample_prepared) -> None:
    ct = sample_prepared.clean
    q = ct.quality
    assert q["conversion:效劳→服务"] == 10
    assert q["conversion:平安→安全"] >= 10
    assert q["conversion:根底→基础"] == 3
    assert q["conversion:储藏→储备"] == 1
    assert q["conversion_errors"] == sum(v for k, v in q.items() if k.startswith("conversion:"))
    assert "效劳" in ct.text and "服务" not in ct.text  # the clean text is not rewritten
    assert ct.subject_form("电商效劳中心") == "电商服务中心"
    assert ct.subject_form("香期客栈平安生产") == "香期客栈安全生产"
    assert "conversion_errors=" in ct.quality_summary()
    assert "page_markers=16" in ct.quality_summary()


def test_report_year_of_the_sample(sample_prepared, sample_doc) -> None:
    assert sample_prepared.report_year == 2023
    assert prepare(sample_doc, report_year=2019).report_year == 2019  # explicit wins


def test_words_are_lazy_cached_and_mapped(sample_prepared) -> None:
    p = sample_prepared
    i = p.clean.text.index("全区规上工业总产值14000万元")
    ws = p.words(i, i + 17)
    assert ws[:2] == [("全区", i, i + 2), ("规上工业总产值", i + 2, i + 9)]
    assert p.words(i, i + 17) is ws  # cached
    for w, s, e in ws:
        assert p.clean.text[s:e] == w


def test_spacy_doc_keeps_protected_spans_whole(sample_prepared) -> None:
    p = sample_prepared
    s = next(x for x in p.sentences if "全区规上工业总产值" in _sentence_text(p, x))
    text = _sentence_text(p, s)
    a = s.start + text.index("14000万元")
    b = a + len("14000万元")
    c = s.start + text.index("7.5%")
    doc = p.spacy_doc(s.index, protected=[(a, b), (c, c + 4)])
    assert doc.text == text
    toks = {(s.start + t.idx, s.start + t.idx + len(t.text)): t.text for t in doc}
    assert toks[(a, b)] == "14000万元"
    assert toks[(c, c + 4)] == "7.5%"
    assert "规上工业总产值" in toks.values()
    # a protected span cutting a jieba word splits it
    k = s.start + text.index("工业总产值")
    doc2 = p.spacy_doc(s.index, protected=[(k, k + 2)])
    assert "工业" in [t.text for t in doc2]


def test_jieba_initialises_quietly() -> None:
    """jieba's 'Building prefix dict…' log lines must not reach stderr."""
    import subprocess
    import sys

    code = ("from extractor.text.words import cut_words, tokenizer\n"
            "assert tokenizer() is tokenizer()\n"
            "print(cut_words('一般公共预算收入增长5%'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]))
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert "('一般公共预算收入', 0, 8)" in out.stdout


def test_sentence_at(sample_prepared) -> None:
    p = sample_prepared
    i = p.clean.text.index("1200万元")
    s = p.sentence_at(i)
    assert s is not None and p.clean.text[s.start:s.end].startswith("工程完成投资1200万元")
    assert s.page == 1
    head = next(x for x in p.sentences if p.clean.text[x.start:x.end] == "一、2023年主要工作情况")
    gap = head.end  # the space between `情况` and `(一)` belongs to no sentence
    assert p.sentence_at(gap) is None

"""Plain-text reading: the sample report written in every encoding reads back exactly."""
from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

import pytest

from extractor.model import Page
from extractor.reading import read, read_bytes

from ._writers import TRADITIONAL_REPORT


def test_sample_as_given(sample_path: Path, sample_text: str) -> None:
    doc = read(sample_path)
    data = sample_path.read_bytes()
    assert doc.text == sample_text
    assert doc.encoding == "utf-8"
    assert doc.format == "txt"
    assert doc.source == str(sample_path)
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.doc_id == doc.sha256[:16] and len(doc.doc_id) == 16
    assert doc.pages == []  # no form feeds: page markers are the text layer's business
    assert doc.text.startswith("1、科技局XX年工作总结暨XX年工作打算")
    assert "工程完成投资1200万元\n2、,已预付650万元" in doc.text


def test_source_overrides_path_and_str_path_works(sample_path: Path) -> None:
    doc = read(str(sample_path), source="archive/2023/总结.txt")
    assert doc.source == "archive/2023/总结.txt"


@pytest.mark.parametrize(
    ("codec", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),          # GBK data is decoded as GB18030, its superset
        ("utf-16", "utf-16-le"),     # Python writes a little-endian BOM
        ("utf-16-be-bom", "utf-16-be"),
        ("utf-16-le-nobom", "utf-16-le"),
        ("utf-16-be-nobom", "utf-16-be"),
        ("utf-32", "utf-32-le"),
    ],
)
def test_sample_in_each_encoding(tmp_path: Path, sample_text: str, codec: str,
                                 expected: str) -> None:
    if codec == "utf-16-be-bom":
        data = codecs.BOM_UTF16_BE + sample_text.encode("utf-16-be")
    elif codec.endswith("-nobom"):
        data = sample_text.encode(codec.removesuffix("-nobom"))
    else:
        data = sample_text.encode(codec)
    path = tmp_path / f"report-{codec}.txt"
    path.write_bytes(data)
    doc = read(path)
    assert doc.encoding == expected
    assert doc.text == sample_text          # BOM stripped, nothing else touched
    assert not doc.text.startswith("\ufeff")
    assert doc.doc_id == hashlib.sha256(data).hexdigest()[:16]


@pytest.mark.parametrize("codec", ["utf-8", "gb18030", "utf-16"])
def test_crlf_line_ends_are_kept(tmp_path: Path, sample_text: str, codec: str) -> None:
    crlf = sample_text.replace("\n", "\r\n")
    path = tmp_path / "crlf.txt"
    path.write_bytes(crlf.encode(codec))
    doc = read(path)
    assert doc.text == crlf
    assert doc.text.count("\r\n") == sample_text.count("\n") == 15
    # offsets into the decoded text count the \r: the second page marker sits after one
    i = doc.text.index("2、,已预付650万元")
    assert doc.text[i - 2:i] == "\r\n"


def test_big5_traditional_report(tmp_path: Path) -> None:
    data = TRADITIONAL_REPORT.encode("big5")
    # The trap: Big5 bytes also decode as GB18030 without any error, into nonsense.
    wrong = data.decode("gb18030")
    assert wrong != TRADITIONAL_REPORT
    path = tmp_path / "traditional.txt"
    path.write_bytes(data)
    doc = read(path)
    assert doc.encoding == "big5"
    assert doc.text == TRADITIONAL_REPORT
    assert "全年實現地區生產總值1349.08億元，同比增長5.2%" in doc.text
    assert doc.text.count("\r\n") == 6


def test_gb_sentences_that_also_decode_as_big5(sample_text: str) -> None:
    """Simplified sentences whose GB18030 bytes are valid Big5 must still read as GB18030."""
    sentences = [s + "。" for s in sample_text.split("。") if len(s) >= 12]
    ambiguous = []
    for s in sentences:
        data = s.encode("gb18030")
        try:
            data.decode("big5")
        except UnicodeDecodeError:
            continue
        ambiguous.append(s)
    assert ambiguous, "the sample should contain GB text that is also valid Big5"
    for s in ambiguous:
        doc = read_bytes(s.encode("gb18030"), source="句子.txt", suffix=".txt")
        assert (doc.encoding, doc.text) == ("gb18030", s)


def test_traditional_sentences_each_read_as_big5() -> None:
    for line in TRADITIONAL_REPORT.splitlines():
        if len(line) < 12:
            continue
        doc = read_bytes(line.encode("big5"), source="行.txt", suffix=".txt")
        assert (doc.encoding, doc.text) == ("big5", line)


def test_corpus_openings_as_gb18030(corpus_files: list[Path]) -> None:
    """The first 2,000 characters of every real report, re-encoded as GB18030, read back exactly."""
    checked = 0
    for path in corpus_files:
        text = path.read_bytes().decode("utf-8-sig")[:2000]
        try:
            data = text.encode("gb18030")
        except UnicodeEncodeError:
            continue
        if text.isascii():
            continue
        doc = read_bytes(data, source=path.name, suffix=".txt")
        assert (doc.encoding, doc.text) == ("gb18030", text), path.name
        checked += 1
    assert checked >= 90


def test_ascii_is_reported_as_utf8() -> None:
    doc = read_bytes(b"GDP grew 5.2% in 2023.\n", source="en.txt", suffix=".txt")
    assert (doc.encoding, doc.text) == ("utf-8", "GDP grew 5.2% in 2023.\n")


def test_form_feeds_make_pages() -> None:
    text = "第一页：投资1200万元\n\f第二页：增长7.5%\n\f第三页\n"
    doc = read_bytes(text.encode("gb18030"), source="ff.txt", suffix=".txt")
    assert doc.pages == [Page(1, 0, 14), Page(2, 14, 26), Page(3, 26, 30)]
    assert doc.text[0:14] == "第一页：投资1200万元\n\f"
    assert doc.text[14:26] == "第二页：增长7.5%\n\f"


def test_trailing_form_feed_makes_no_empty_page() -> None:
    text = "甲页\f乙页\f"
    doc = read_bytes(text.encode("utf-8"), source="ff.txt", suffix=".txt")
    assert doc.pages == [Page(1, 0, 3), Page(2, 3, 6)]
    doc = read_bytes((text + "\n").encode("utf-8"), source="ff.txt", suffix=".txt")
    assert doc.pages == [Page(1, 0, 3), Page(2, 3, 7)]   # trailing whitespace joins the last page


@pytest.mark.parametrize("suffix", [".md", ".csv", "", ".TXT", "text"])
def test_other_suffixes_are_text(suffix: str) -> None:
    doc = read_bytes("指标,数值\n地区生产总值,1349.08亿元\n".encode("gb18030"), source="t" + suffix,
                     suffix=suffix)
    assert doc.format == "txt"
    assert doc.text == "指标,数值\n地区生产总值,1349.08亿元\n"


@pytest.mark.parametrize(("text", "codec", "labels"), [
    ("令和5年度の事業報告書です。売上高は前年比5.2%増の1,349億円となりました。"
     "営業利益は120億円で、過去最高を更新しました。\n", "shift_jis", {"cp932", "shift_jis"}),
    ("Отчёт о работе за 2023 год. Валовой региональный продукт вырос на 5,2% и составил "
     "1349 млрд рублей.\n", "cp1251", {"cp1251"}),
])
def test_non_chinese_encoding_falls_back_to_charset_normalizer(text: str, codec: str,
                                                               labels: set[str]) -> None:
    """When no candidate reads as Chinese, charset-normalizer's guess is taken if it decodes."""
    data = (text * 3).encode(codec)
    doc = read_bytes(data, source="foreign.txt", suffix=".txt")
    assert doc.encoding in labels
    assert doc.text == text * 3

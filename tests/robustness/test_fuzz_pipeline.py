"""Hypothesis fuzzing of the whole pipeline (read → clean → extract → check) with report-like
text: Chinese report vocabulary, ASCII and full-width digits, Chinese numerals, units,
punctuation, page markers at line starts, control characters and lone surrogates.

Properties: no exception escapes except the project's ``ExtractorError`` subclasses (and only
``ReadError`` from reading); every fact satisfies ``decoded[start:end] == text`` and
``value_low <= value <= value_high``; findings point into the text; no check crashes; the same
input gives identical tables twice.

Bounded for the normal suite (``EXTRACTOR_FUZZ_EXAMPLES``, default 150 per test); a long run on
demand: ``EXTRACTOR_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/robustness/test_fuzz_pipeline.py``.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import extractor
from extractor.errors import ExtractorError, ReadError
from extractor.facts import document_from_text
from extractor.model import Document
from extractor.pipeline import analyse
from extractor.reading import read_bytes

from ._invariants import check_result, records

EXAMPLES = int(os.environ.get("EXTRACTOR_FUZZ_EXAMPLES", "150") or 150)
if EXAMPLES > 150:       # a long run on demand (5000: half an hour) is not held to the suite's
    pytestmark = pytest.mark.timeout(0)     # time limit per test (tests/conftest.py)

VOCAB = ["万元", "亿元", "元", "%", "％", "个百分点", "人次", "家", "亩", "年", "月", "日", "增长",
         "下降", "其中", "共", "约", "近", "余", "多", "以上", "以下", "左右", "全年", "完成", "投资",
         "同比", "比上年", "占", "合计", "分别为", "达到", "万", "亿", "千", "百", "十", "个", "项",
         "倍", "成", "至", "到", "每", "人民币", "美元", "公里", "吨", "户", "天", "季度", "上半年",
         "2023年", "1-9月份", "8月16日", "为期", "计划", "预计", "力争", "第", "页", "一、", "（二）",
         "1.", "(3)", "&nbsp;", "&#12290;", "<p>", "百分之", "零点五", "两千", "壹佰", "〇"]
PUNCT = list("。，；：、（）()%.．,，-—~～/·《》“”！？!? \t\u3000") + ["\n", "\r\n", "\r", "\f"]
PAGE_MARKERS = ["\n3、", "\n12、", "\n- 3 -\n", "\n第3页\n", "\n第 3 页 共 9 页\n", "\n3\n", "\f"]
CONTROL = [chr(c) for c in range(0, 32)] + ["\x7f", "\u200b", "\u200d", "\ufeff", "\u2028",
                                            "\u00a0", "\u0085", "\ufffd"]
SURROGATES = st.integers(0xD800, 0xDFFF).map(chr)

ascii_digits = st.text("0123456789", min_size=1, max_size=14)
wide_digits = st.text("０１２３４５６７８９", min_size=1, max_size=8)
decimal = st.tuples(ascii_digits, st.sampled_from([".", "．", ",", "，"]), ascii_digits).map("".join)
cn_numeral = st.text("零〇一二两三四五六七八九十百千万亿点壹贰叁肆伍陆柒捌玖拾佰仟萬億",
                     min_size=1, max_size=8)

token = st.one_of(
    st.sampled_from(VOCAB), st.sampled_from(VOCAB), ascii_digits, ascii_digits, wide_digits,
    decimal, cn_numeral, st.sampled_from(PUNCT), st.sampled_from(PAGE_MARKERS),
    st.sampled_from(CONTROL), SURROGATES,
    st.text(st.characters(codec="utf-8"), max_size=3),     # anything else, now and then
)
report_text = st.lists(token, min_size=0, max_size=60).map("".join)

FUZZ = settings(max_examples=EXAMPLES, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])


def _analyse_twice(doc: Document) -> None:
    try:
        first = analyse(doc, report_year=2023)
    except ExtractorError as exc:          # a documented refusal: it names the document
        assert exc.reason and (exc.path == doc.source or doc.source in str(exc))
        return
    check_result(doc.text, first.facts, first.anomalies)
    assert first.document["status"] == "ok"
    second = analyse(doc, report_year=2023)
    assert records(first) == records(second), "same input, different tables"


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    """Load jieba/spaCy once, outside the examples."""
    analyse(document_from_text("全年完成投资1200万元，同比增长7.5%。"))


@FUZZ
@given(report_text)
def test_str_api(text: str) -> None:
    """``extractor.extract(text)`` and ``analyse`` on a str, lone surrogates included."""
    _analyse_twice(document_from_text(text, source="<fuzz>"))
    try:
        df = extractor.extract(text, report_year=2023)
    except ExtractorError as exc:
        assert exc.reason
        return
    for row in df.itertuples():
        assert text[row.start:row.end] == row.text


@FUZZ
@given(report_text, st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "big5"]),
       st.sampled_from([".txt", ".md", ".html", ""]))
def test_bytes_path(text: str, encoding: str, suffix: str) -> None:
    """Bytes (lone surrogates as ``surrogatepass`` UTF-8 bytes) → ReadError or a Document whose
    analysis keeps every invariant."""
    errors = "surrogatepass" if encoding.startswith("utf") else "replace"
    try:
        data = text.encode(encoding, errors)
    except UnicodeEncodeError:          # e.g. a lone surrogate in big5: not a byte string at all
        data = text.encode("utf-8", "surrogatepass")
    name = f"fuzz{suffix}"
    try:
        doc = read_bytes(data, source=name, suffix=suffix)
    except ReadError as exc:
        assert str(exc).startswith(f"{name}: ") and exc.reason
        return
    assert isinstance(doc.text, str)
    _analyse_twice(doc)


@FUZZ
@given(st.lists(st.sampled_from(["\n3、", "1200万元", "增长7.5%", "，", "。", "其中", "共",
                                 "约", "近", "余", "以上", "\n", "（二）", "８．４万亩", "3", "、"]),
                min_size=1, max_size=80).map("".join))
def test_page_markers_and_lists(text: str) -> None:
    """Dense page markers and list numbers between figures: offsets stay exact."""
    _analyse_twice(document_from_text(text, source="<fuzz-pages>"))

"""The review HTML: escaped text, exact highlights, findings, filters, summary, split mode."""
from __future__ import annotations

import json
from decimal import Decimal

from bs4 import BeautifulSoup

from extractor.model import Anomaly, Fact
from extractor.report import ReportItem, render_report, write_report
from extractor.report.html import fmt_decimal, interval_text, safe_json

from report_samples import HOSTILE, hostile_item


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml")


def test_markup_in_the_document_renders_as_text(hostile):
    html = render_report([hostile])
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&amp;amp;" in html          # an entity in the text stays literally visible
    soup = soup_of(html)
    # only our own two scripts (data + behaviour), no image that is not an embedded PNG
    assert len(soup.find_all("script")) == 2
    assert all(img["src"].startswith("data:image/png;base64,") for img in soup.find_all("img"))
    # the rendered text is the document text, character for character
    assert soup.select_one(".doc .text").get_text() == HOSTILE
    # markup in codes, messages and the source name is escaped too
    assert "<b>不应加粗</b>" not in html and "&lt;b&gt;不应加粗&lt;/b&gt;" in html
    assert "hostile<script>.txt" not in html


def test_tooltip_data_cannot_close_its_script_element(hostile):
    html = render_report([hostile])
    soup = soup_of(html)
    data = json.loads(soup.select_one("#report-data").string)
    subj = "投资</script><script>alert(2)</script>"
    assert data["facts"]["d0f0"]["subject"] == subj
    assert "</script><script>alert(2)" not in html
    assert "<" not in safe_json({"x": "</script>"}) and ">" not in safe_json({"x": "<!--"})


def test_every_fact_is_highlighted_exactly_over_its_text(hostile):
    soup = soup_of(render_report([hostile]))
    for i, f in enumerate(hostile.facts):
        parts = soup.select(f'.text [data-f~="d0f{i}"]')
        assert parts, f.text
        assert "".join(p.get_text() for p in parts) == f.text
    # the crossing fact and the finding over the <script> overlap: split, not nested wrongly
    money = soup.select('.text [data-f~="d0f0"]')
    assert money[0]["class"] == ["f", "k-money"]
    both = soup.select('.text [data-f~="d0f3"][data-a~="d0a1"]')
    assert both and "".join(p.get_text() for p in both) == "alert(1)</script>"


def test_findings_are_underlined_by_severity_and_listed(hostile):
    soup = soup_of(render_report([hostile]))
    ev = soup.select('.text [data-a~="d0a0"]')
    assert "".join(e.get_text() for e in ev) == "<img src=x onerror=alert(1)>覆盖率到达20230%"
    assert all("sev-error" in e["class"] for e in ev)
    items = soup.select(".findings .finding")
    assert [li["data-sev"] for li in items] == ["error", "warning"]    # worst first
    assert items[0]["data-code"] == "percent.out_of_range"
    assert "stated" in items[0].get_text() and "20230%" in items[0].get_text()
    codes = [o["value"] for o in soup.select(".findings select.code option")]
    assert codes == ["", "percent.out_of_range", "test.<b>markup</b>"]
    assert {c["data-sev"] for c in soup.select(".findings input[data-sev]")} == {
        "error", "warning", "info"}


def test_pages_are_marked_and_summary_counts_kinds_and_severities(hostile):
    soup = soup_of(render_report([hostile]))
    assert [pb["data-page"] for pb in soup.select(".text .pb")] == ["1", "2"]
    summary = soup.select_one(".doc-summary").get_text(" ")
    assert "money 1" in summary and "percent 2" in summary and "count 1" in summary
    assert "error 1" in summary and "warning 1" in summary and "info 0" in summary
    legend = soup.select_one(".legend").get_text(" ")
    for k in ("money", "percent", "count", "quantity", "date", "duration"):
        assert k in legend


def test_tooltip_payload_has_value_unit_interval_subject_modality():
    text = "预计全年完成28.89亿元，增长11%左右。"
    s = text.index("11%左右")
    f = Fact("d", "percent", "11%左右", s, s + 5, value=Decimal("11"), value_low=None,
             value_high=None, approx="about", unit="%", decimals=0, subject="社零总额",
             modality="expected", low_open=True, high_open=True)
    m = text.index("28.89亿元")
    g = Fact("d", "money", "28.89亿元", m, m + 7, value=Decimal("2889000000"),
             value_low=Decimal("2889000000"), value_high=Decimal("2889000000"), unit="CNY",
             decimals=6, subject="社会消费品零售总额", modality="expected")
    item = ReportItem({"doc_id": "d", "source": "x.txt", "status": "ok"}, text, [f, g], [])
    data = json.loads(soup_of(render_report([item])).select_one("#report-data").string)
    p = data["facts"]["d0f1"]
    assert (p["value"], p["unit"], p["interval"], p["subject"], p["modality"]) == (
        "2,889,000,000", "CNY", "[2,889,000,000]", "社会消费品零售总额", "expected")
    assert data["facts"]["d0f0"]["interval"] == ""          # both sides open
    assert fmt_decimal(Decimal("7.50")) == "7.5" and fmt_decimal(Decimal("1.2E+7")) == "12,000,000"
    h = Fact("d", "money", "300-400万元", 0, 9, value=None, value_low=Decimal("3000000"),
             value_high=Decimal("4000000"), approx="range")
    assert interval_text(h) == "[3,000,000, 4,000,000]"
    k = Fact("d", "count", "200余人", 0, 5, value=Decimal("200"), value_low=Decimal("200"),
             value_high=None, approx="at_least", high_open=True)
    assert interval_text(k) == "[200, +∞)"


def test_facts_whose_offsets_miss_the_text_are_listed_not_highlighted():
    text = "完成投资1200万元。"
    bad = Fact("d", "money", "1300万元", 4, 10, value=Decimal("13000000"))
    item = ReportItem({"doc_id": "d", "source": "x.txt", "status": "ok"}, text, [bad], [])
    soup = soup_of(render_report([item]))
    assert not soup.select(".text [data-f]")
    assert "1300万元@4-10" in soup.select_one(".unlocated").get_text()


def test_empty_evidence_span_becomes_an_anchor():
    text = "全文无数字。"
    a = Anomaly("d", "check.skipped", "info", "未核查：没有金额。", "skipped: no amounts", 0, 0)
    item = ReportItem({"doc_id": "d", "source": "x.txt", "status": "ok"}, text, [], [a])
    soup = soup_of(render_report([item]))
    assert soup.select('.text .anchor[data-a="d0a0"]')
    assert soup.select_one(".text").get_text() == text


def test_unreadable_document_still_gets_its_summary_and_findings():
    row = {"doc_id": "", "source": "broken.pdf", "status": "unreadable", "error": "加密的PDF"}
    soup = soup_of(render_report([ReportItem(row)]))
    assert "unreadable" in soup.select_one(".doc-summary").get_text()
    assert soup.select_one(".text.na")


def test_write_report_one_file_is_utf8_and_self_contained(tmp_path, hostile):
    out = write_report([hostile], tmp_path / "r.html", corpus_anomalies=[])
    raw = out.read_bytes()
    html = raw.decode("utf-8")
    assert "覆盖率" in html
    soup = soup_of(html)
    # nothing is fetched: no external src/href other than in-page anchors and data URIs
    for tag in soup.find_all(src=True):
        assert tag["src"].startswith("data:")
    for tag in soup.find_all("link"):
        raise AssertionError(f"external stylesheet {tag}")
    assert {fig["data-plot"] for fig in soup.select("figure")} == {
        "counts", "benford", "last_two", "targets"}


def test_large_corpus_gets_an_index_and_one_page_per_document(tmp_path):
    items = [hostile_item() for _ in range(3)]
    for i, it in enumerate(items):
        it.document = dict(it.document, doc_id=f"doc{i}", source=f"报告{i}.txt")
    out = write_report(items, tmp_path / "idx.html", split_threshold=2, plots=False,
                       corpus_anomalies=[])
    assert out == tmp_path / "idx.html"
    pages = sorted((tmp_path / "idx_files").glob("*.html"))
    assert [p.name for p in pages] == ["doc-0001-doc0.html", "doc-0002-doc1.html",
                                       "doc-0003-doc2.html"]
    index = soup_of(out.read_text(encoding="utf-8"))
    links = [a["href"] for a in index.select(".corpus-summary a")]
    assert links == [f"idx_files/{p.name}" for p in pages]
    assert not index.select(".doc .text")          # the index holds no document text
    # every error is listed on the index, linking to its finding on the document's page
    errors = [a["href"] for a in index.select(".error-index a")]
    assert errors == [f"idx_files/{p.name}#find-d{i}a0" for i, p in enumerate(pages)]
    one = soup_of(pages[1].read_text(encoding="utf-8"))
    assert one.select_one("#find-d1a0")["data-code"] == "percent.out_of_range"
    assert one.select_one(".text").get_text() == HOSTILE
    assert one.select_one("header nav a")["href"] == "../idx.html"
    # forced single page
    single = write_report(items, tmp_path / "one.html", per_document_pages=False, plots=False,
                          corpus_anomalies=[])
    assert len(soup_of(single.read_text(encoding="utf-8")).select(".doc")) == 3

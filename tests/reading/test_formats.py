""".docx, .html and .pdf written from the sample report read back to the same lines."""
from __future__ import annotations

import codecs
import io
from pathlib import Path

import pytest

from extractor.errors import ReadError
from extractor.model import Page
from extractor.reading import read, read_bytes

from ._writers import PDF_LINES_PER_PAGE, write_docx, write_html, wrap_for_pdf, write_pdf


# --------------------------------------------------------------------------------------------- docx
def test_docx_paragraphs_in_order(tmp_path: Path, sample_text: str, sample_lines: list[str]) -> None:
    path = write_docx(tmp_path / "总结.docx", sample_lines)
    doc = read(path)
    assert (doc.format, doc.encoding, doc.pages) == ("docx", "docx", [])
    assert doc.text == sample_text           # one paragraph per line, joined by "\n"
    assert doc.text.split("\n") == sample_lines


def test_docx_tables_in_document_order(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("一、主要经济指标")
    t = d.add_table(rows=3, cols=3)
    rows = [["指标", "2023年", "增长"], ["地区生产总值", "1349.08亿元", "5.2%"],
            ["一般公共预算收入", "42.7亿元", ""]]
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    # two figures in one cell stay apart, never glued into one number
    t.cell(2, 2).paragraphs[0].text = "-3.1%"
    t.cell(2, 2).add_paragraph("（调整后）")
    d.add_paragraph("二、存在的主要困难")
    path = tmp_path / "表格.docx"
    d.save(str(path))
    assert read(path).text.split("\n") == [
        "一、主要经济指标",
        "指标\t2023年\t增长",
        "地区生产总值\t1349.08亿元\t5.2%",
        "一般公共预算收入\t42.7亿元\t-3.1% （调整后）",
        "二、存在的主要困难",
    ]


def test_docx_vertically_merged_cell_text_once(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text = "工业"
    t.cell(0, 1).text = "增长4.6%"
    t.cell(1, 1).text = "投资增长3.1%"
    t.cell(0, 0).merge(t.cell(1, 0))
    path = tmp_path / "合并.docx"
    d.save(str(path))
    text = read(path).text
    assert text.count("工业") == 1
    assert text.split("\n") == ["工业\t增长4.6%", "投资增长3.1%"]


def test_docx_with_line_break_and_tab_in_paragraph(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    p = d.add_paragraph("完成投资")
    p.add_run("1200万元").add_break()
    p.add_run("\t已预付650万元")
    path = tmp_path / "runs.docx"
    d.save(str(path))
    assert read(path).text == "完成投资1200万元\n\t已预付650万元"


# --------------------------------------------------------------------------------------------- html
@pytest.mark.parametrize(("encoding", "meta", "expected"), [
    ("utf-8", "utf-8", "utf-8"),
    ("gb18030", "gb2312", "gb18030"),      # Word's usual declaration for Chinese pages
    ("gb18030", "gbk", "gb18030"),
    ("utf-8", "gb2312", "utf-8"),          # re-saved as UTF-8 with the old <meta> left in
    ("gb18030", "", "gb18030"),            # no usable declaration: detected like text
])
def test_html_visible_text(tmp_path: Path, sample_lines: list[str], encoding: str, meta: str,
                           expected: str) -> None:
    path = write_html(tmp_path / "总结.html", sample_lines, encoding=encoding, meta=meta)
    doc = read(path)
    assert (doc.format, doc.encoding, doc.pages) == ("html", expected, [])
    # the sample's lines have no runs of spaces, so CSS collapsing leaves them exactly as written
    assert doc.text.split("\n") == [" ".join(line.split()) for line in sample_lines]
    assert doc.text.split("\n") == sample_lines
    for invisible in ("9999万元", "5000万元", "标题不在正文", "font-family", "请启用脚本"):
        assert invisible not in doc.text


def test_html_entities_and_blocks(tmp_path: Path) -> None:
    page = (
        "<html><head><style>td{x:1}</style></head><body>"
        "<h1>2023年工作总结</h1>"
        "<p>&#9642;项目&amp;资金&nbsp;到位，完成投资&#x31;200万元&lt;计划&gt;</p>"
        "<div>第一段<br>第二段<br/>第三段</div>"
        "<ul><li>新增就业1.2万人</li><li>失业率3.5%</li></ul>"
        "<table><tr><th>指标</th><th>数值</th></tr>"
        "<tr><td><p>地区生产总值</p></td><td><p>1349.08亿元</p><p>增长5.2%</p></td></tr></table>"
        "<!-- 注释里的100万元 --><p hidden>隐藏的1万元</p><p style='display: none'>隐藏2</p>"
        "<template><p>模板里的2万元</p></template><noscript>无脚本</noscript>"
        "<p>工程完成投资\n   1200万元，已预付\n650万元</p><p>面向全国征\n集具有特色的产品</p>"
        "<pre>  保留  空格\n第二行</pre>"
        "</body></html>"
    )
    doc = read_bytes(page.encode("utf-8"), source="页面.html", suffix=".html")
    assert doc.text.split("\n") == [
        "2023年工作总结",
        "▪项目&资金\u00a0到位，完成投资1200万元<计划>",
        "第一段", "第二段", "第三段",
        "新增就业1.2万人", "失业率3.5%",
        "指标\t数值",
        "地区生产总值\t1349.08亿元 增长5.2%",
        # a source line break is a space next to a digit, nothing between two Han characters
        "工程完成投资 1200万元，已预付 650万元",
        "面向全国征集具有特色的产品",
        "  保留  空格", "第二行",
    ]


def test_html_utf16_with_bom() -> None:
    page = "<html><body><p>全年实现地区生产总值1349.08亿元</p></body></html>"
    doc = read_bytes(codecs.BOM_UTF16_LE + page.encode("utf-16-le"), source="u.htm",
                     suffix=".htm")
    assert (doc.encoding, doc.text) == ("utf-16-le", "全年实现地区生产总值1349.08亿元")


def test_html_deep_nesting() -> None:
    page = "<p>前文</p>" + "<div>" * 1500 + "增长5.2%" + "</div>" * 1500 + "<p>后文</p>"
    doc = read_bytes(page.encode("utf-8"), source="deep.html", suffix=".html")
    assert doc.text == "前文\n增长5.2%\n后文"


def test_html_too_deep_is_an_error_not_a_silent_cut() -> None:
    """libxml2 stops at 2048 levels; the text after that point would be lost, so refuse."""
    page = "<p>前文</p>" + "<div>" * 3000 + "增长5.2%" + "</div>" * 3000 + "<p>后文</p>"
    with pytest.raises(ReadError) as err:
        read_bytes(page.encode("utf-8"), source="深.html", suffix=".html")
    assert str(err.value).startswith("深.html: HTML cannot be parsed to the end: ")
    assert "depth" in err.value.reason


def test_html_large_single_paragraph() -> None:
    """libxml2's 10 MB text-node limit is lifted (huge_tree): a long page is read whole."""
    unit = "全年实现地区生产总值1349.08亿元，同比增长5.2%；"
    body = unit * (12 * 1024 * 1024 // len(unit.encode("utf-8")))
    page = f"<html><body><p>{body}</p><p>完</p></body></html>"
    doc = read_bytes(page.encode("utf-8"), source="长.html", suffix=".html")
    assert doc.text == body + "\n完"


def test_html_without_visible_text_is_an_error() -> None:
    page = "<html><head><title>只有标题</title><script>var a=1;</script></head><body></body></html>"
    with pytest.raises(ReadError) as err:
        read_bytes(page.encode("utf-8"), source="空页.html", suffix=".html")
    assert "空页.html" in str(err.value) and "no text" in str(err.value)


# ---------------------------------------------------------------------------------------------- pdf
def _sample_pdf_pages(sample_lines: list[str]) -> list[list[str]]:
    """Sample paragraphs wrapped at the page width, PDF_LINES_PER_PAGE lines a page."""
    wrapped = [w for line in sample_lines for w in wrap_for_pdf(line)]
    return [wrapped[i:i + PDF_LINES_PER_PAGE] for i in range(0, len(wrapped), PDF_LINES_PER_PAGE)]


def test_pdf_text_layer_page_by_page(tmp_path: Path, sample_lines: list[str]) -> None:
    pages = _sample_pdf_pages(sample_lines)
    assert len(pages) >= 3
    path = write_pdf(tmp_path / "总结.pdf", pages)
    doc = read(path)
    assert (doc.format, doc.encoding) == ("pdf", "pdf")
    assert [p.number for p in doc.pages] == list(range(1, len(pages) + 1))
    # the pages tile the text; each page's span ends with the form feed that separates it
    assert doc.pages[0].start == 0 and doc.pages[-1].end == len(doc.text)
    for a, b in zip(doc.pages, doc.pages[1:]):
        assert a.end == b.start and doc.text[a.end - 1] == "\f"
    assert doc.text.count("\f") == len(pages) - 1
    for page, lines in zip(doc.pages, pages):
        # pypdf gives every drawn line back exactly, Chinese included, one "\n" after each
        assert doc.text[page.start:page.end].rstrip("\f") == "".join(x + "\n" for x in lines)
    assert "".join(doc.text.split()) == "".join("".join(sample_lines).split())


def test_pdf_blank_page_among_text_pages(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "blank.pdf", [["第一页：投资1200万元"], [], ["第三页：增长7.5%"]])
    doc = read(path)
    assert doc.text == "第一页：投资1200万元\n\f\f第三页：增长7.5%\n"
    assert doc.pages == [Page(1, 0, 14), Page(2, 14, 15), Page(3, 15, 26)]


def test_pdf_encrypted_with_empty_user_password_is_readable(tmp_path: Path) -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    from ._writers import PDF_FONT, _register_cid_font

    _register_cid_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=StandardEncryption("", ownerPassword="owner", canPrint=1))
    c.setFont(PDF_FONT, 10)
    c.drawString(40, 800, "受保护但可打开：增长5.2%")
    c.showPage()
    c.save()
    doc = read_bytes(buf.getvalue(), source="owner-only.pdf", suffix=".pdf")
    assert doc.text == "受保护但可打开：增长5.2%\n"


def test_docx_tracked_changes_fields_and_content_controls(tmp_path: Path) -> None:
    """The text as the document now reads: insertions in, deletions out, field results and
    content-control text in, alternative content once."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    d = docx.Document()
    p = d.add_paragraph("全年完成投资")
    w = nsdecls("w")
    for xml in (
        f'<w:del {w} w:id="1" w:author="a"><w:r><w:delText>1100</w:delText></w:r></w:del>',
        f'<w:ins {w} w:id="2" w:author="a"><w:r><w:t>1200</w:t></w:r></w:ins>',
        f'<w:r {w}><w:t>万元，</w:t></w:r>',
        f'<w:fldSimple {w} w:instr="PAGE"><w:r><w:t>同比增长</w:t></w:r></w:fldSimple>',
        f'<w:sdt {w}><w:sdtContent><w:r><w:t>5.2%</w:t></w:r></w:sdtContent></w:sdt>',
        f'<w:moveFrom {w} w:id="3" w:author="a"><w:r><w:t>（旧位置）</w:t></w:r></w:moveFrom>',
        f'<mc:AlternateContent {w} '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        '<mc:Choice Requires="w14"><w:r><w:t>。</w:t></w:r></mc:Choice>'
        '<mc:Fallback><w:r><w:t>。</w:t></w:r></mc:Fallback></mc:AlternateContent>',
    ):
        p._p.append(parse_xml(xml))
    path = tmp_path / "修订.docx"
    d.save(str(path))
    assert read(path).text == "全年完成投资1200万元，同比增长5.2%。"


def test_docx_with_gbk_member_names(tmp_path: Path, sample_lines: list[str]) -> None:
    """Archives from Chinese Windows tools store member names in GBK without the UTF-8 flag
    (MANIFEST.tsv notes it for the corpus's .docx sources); reading must not trip on them."""
    import zipfile

    class GbkName(zipfile.ZipInfo):
        def _encodeFilenameFlags(self):  # what such tools write: GBK bytes, no UTF-8 flag
            return self.filename.encode("gbk"), self.flag_bits & ~0x800

    good = write_docx(tmp_path / "good.docx", sample_lines[:3])
    out = tmp_path / "gbk-names.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr(GbkName("word/media/附图一.png"), b"\x89PNG\r\n\x1a\n")
    with zipfile.ZipFile(out) as check:
        raw = [i for i in check.infolist() if i.filename.startswith("word/media/")][0]
        assert not raw.flag_bits & 0x800   # no UTF-8 flag: the name bytes are GBK
    assert read(out).text.split("\n") == sample_lines[:3]


def test_html_declaring_utf16_without_bom_is_utf8() -> None:
    page = '<html><head><meta charset="utf-16"></head><body><p>同比增长5.2%</p></body></html>'
    doc = read_bytes(page.encode("utf-8"), source="u16.html", suffix=".html")
    assert (doc.encoding, doc.text) == ("utf-8", "同比增长5.2%")


def test_html_declaration_that_lies_falls_back_to_detection() -> None:
    page = '<html><head><meta charset="utf-8"></head><body><p>同比增长5.2%</p></body></html>'
    doc = read_bytes(page.encode("gb18030"), source="lie.html", suffix=".html")
    assert (doc.encoding, doc.text) == ("gb18030", "同比增长5.2%")

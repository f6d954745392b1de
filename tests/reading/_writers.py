"""Writers that put real report text into every container the reader supports.

The tests write the files themselves (into tmp_path) from the shared sample report, so what is
asserted is always "the reader gives back what was written".
"""
from __future__ import annotations

import html
import io
from pathlib import Path

# A Traditional Chinese passage in the report genre (the sample's simplified characters are not all
# in Big5). Every character is in Big5; figures, units, qualifiers and list numbers as in reports.
TRADITIONAL_REPORT = (
    "一、2023年主要工作情況\r\n"
    "（一）經濟運行穩中有進。全年實現地區生產總值1349.08億元，同比增長5.2%；規模以上工業增加值"
    "增長4.6%，固定資產投資完成額較上年增長3.1%。\r\n"
    "（二）民生保障持續加強。新增城鎮就業人數1.2萬人，城鎮登記失業率控制在3.5%以內，"
    "發放各類補助資金8650萬元，惠及困難群眾近3萬人次。\r\n"
    "（三）營商環境不斷優化。全年新登記市場主體4,215戶，其中企業1,032戶；辦理行政審批事項"
    "28,604件，按時辦結率達到100%。\r\n"
    "二、存在的主要困難\r\n"
    "一是財政收支矛盾突出，一般公共預算收入完成42.7億元，僅完成年度目標的96.3%；"
    "二是項目建設進度偏慢，全年開工項目87個，較計劃少13個。\r\n"
)

PDF_FONT = "STSong-Light"   # reportlab's built-in Adobe-GB1 CID font (no font file needed)
PDF_FONT_SIZE = 10
PDF_LINE_WIDTH = 400.0      # points
PDF_LINES_PER_PAGE = 48


def write_docx(path: Path, lines: list[str], *, table: list[list[str]] | None = None) -> Path:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    document.save(str(path))
    return path


def write_html(path: Path, lines: list[str], *, encoding: str = "utf-8",
               meta: str | None = None) -> Path:
    """A Word-export-like page: head with style/script, paragraphs, a script in the body."""
    meta_charset = meta if meta is not None else encoding
    body = "\n".join(f"<p class=MsoNormal>{html.escape(line, quote=False)}</p>" for line in lines)
    page = (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        f'<meta http-equiv="Content-Type" content="text/html; charset={meta_charset}">\n'
        "<title>工作总结（标题不在正文）</title>\n"
        "<style>p.MsoNormal {margin:0cm; font-family:宋体;} /* 1200万元 */</style>\n"
        "<script>var total = '9999万元';</script>\n"
        "</head>\n<body lang=ZH-CN>\n<div class=WordSection1>\n"
        f"{body}\n"
        "<script>document.write('脚本里的5000万元');</script>\n"
        "<noscript>请启用脚本（不可见）</noscript>\n"
        "</div>\n</body>\n</html>\n"
    )
    path.write_bytes(page.encode(encoding))
    return path


def _register_cid_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))


def wrap_for_pdf(text: str, width: float = PDF_LINE_WIDTH) -> list[str]:
    """Break a paragraph into lines no wider than ``width`` points, as a typesetter does with
    Chinese (anywhere, also inside numbers and Latin words)."""
    from reportlab.pdfbase import pdfmetrics

    _register_cid_font()
    lines, cur, used = [], [], 0.0
    for ch in text:
        w = pdfmetrics.stringWidth(ch, PDF_FONT, PDF_FONT_SIZE)
        if cur and used + w > width:
            lines.append("".join(cur))
            cur, used = [], 0.0
        cur.append(ch)
        used += w
    if cur:
        lines.append("".join(cur))
    return lines


def write_pdf(path: Path, pages: list[list[str]]) -> Path:
    """One PDF page per list of lines (each drawn as one text line), in STSong-Light."""
    from reportlab.pdfgen import canvas

    _register_cid_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for lines in pages:
        assert len(lines) <= PDF_LINES_PER_PAGE, "page overflow: split the lines first"
        c.setFont(PDF_FONT, PDF_FONT_SIZE)
        y = 800
        for line in lines:
            c.drawString(40, y, line)
            y -= 16
        c.showPage()
    c.save()
    path.write_bytes(buf.getvalue())
    return path


def write_scanned_pdf(path: Path) -> Path:
    """A 'scanned' page: only drawing, no text objects at all."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(50, 50, 400, 600, stroke=1, fill=0)
    c.line(60, 700, 500, 700)
    c.showPage()
    c.save()
    path.write_bytes(buf.getvalue())
    return path

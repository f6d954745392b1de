"""Builders of hostile input files (written into a temporary folder by the tests)."""
from __future__ import annotations

import zipfile
from pathlib import Path

REPORT_LINE = "全年完成投资1200万元，同比增长7.5%，其中新增企业35家，接待游客约120万人次；"

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                 'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                 'officedocument.wordprocessingml.document.main+xml"/></Types>')
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_zip_bomb(path: Path, unzipped_mb: int = 300) -> Path:
    """A .docx whose document.xml inflates to ``unzipped_mb`` MB of spaces (≈ 1000:1)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>'
                     .encode())
            block = b" " * 2**20
            for _ in range(unzipped_mb):
                fh.write(block)
            fh.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return path


def docx_entity_expansion(path: Path) -> Path:
    """A .docx whose document.xml is a 'billion laughs' entity expansion."""
    ents = '<!ENTITY a0 "哈哈哈哈哈哈哈哈哈哈">' + "".join(
        f'<!ENTITY a{i} "{("&a%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE w:document [{ents}]>'
           f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>&a9;</w:t></w:r></w:p>'
           "</w:body></w:document>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("word/document.xml", xml)
    return path


def single_line(path: Path, size: int, line: str = REPORT_LINE) -> Path:
    """``size`` bytes of report text without a single line break (UTF-8, cut on a character)."""
    b = line.encode("utf-8")
    reps, rest = divmod(size, len(b))
    with path.open("wb") as fh:
        chunk = b * 1000
        for _ in range(reps // 1000):
            fh.write(chunk)
        fh.write(b * (reps % 1000))
        fh.write(b[:rest].decode("utf-8", "ignore").encode("utf-8"))
    return path


def _pdf(objects: dict[int, bytes], root: int = 1) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += f"{num} 0 obj\n".encode() + objects[num] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    for num in range(1, size):
        if num in offsets:
            out += f"{offsets[num]:010d} 00000 n \n".encode()
        else:
            out += b"0000000000 65535 f \n"
    out += f"trailer\n<< /Size {size} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _stream(body: bytes, extra: str = "") -> bytes:
    return f"<< {extra} /Length {len(body)} >>\nstream\n".encode() + body + b"\nendstream"


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def pdf_loops(path: Path) -> Path:
    """A PDF whose page tree lists itself as a kid, whose outline items point at themselves and
    whose form XObject draws itself: every naive walk loops."""
    content = b"BT /F1 12 Tf 72 712 Td (Total 1200 yuan, growth 7.5%) Tj ET /X1 Do"
    objs = {
        1: b"<< /Type /Catalog /Pages 2 0 R /Outlines 4 0 R >>",
        2: b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        3: (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R "
            b"/Resources << /Font << /F1 7 0 R >> /XObject << /X1 6 0 R >> >> >>"),
        4: b"<< /Type /Outlines /First 8 0 R /Last 8 0 R /Count 1 >>",
        5: _stream(content),
        6: _stream(b"/X1 Do", "/Type /XObject /Subtype /Form /BBox [0 0 10 10] "
                              "/Resources << /XObject << /X1 6 0 R >> >>"),
        7: FONT,
        8: b"<< /Title (loop) /Parent 4 0 R /Next 8 0 R /Prev 8 0 R /First 8 0 R /Count 1 >>",
    }
    path.write_bytes(_pdf(objs))
    return path


def pdf_no_text(path: Path) -> Path:
    """A well-formed one-page PDF with a drawing and no text (a scan without OCR looks like it)."""
    objs = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        4: _stream(b"0 0 1 rg 72 72 200 200 re f"),
    }
    path.write_bytes(_pdf(objs))
    return path


def pdf_xobject_loop(path: Path) -> Path:
    """A sound page tree, but the page's form XObject draws itself and the outline items form a
    cycle (text extraction that follows XObjects recurses forever without a guard)."""
    content = b"BT /F1 12 Tf 72 712 Td (Total 1200 yuan, growth 7.5%) Tj ET /X1 Do"
    objs = {
        1: b"<< /Type /Catalog /Pages 2 0 R /Outlines 4 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R "
            b"/Resources << /Font << /F1 7 0 R >> /XObject << /X1 6 0 R >> >> >>"),
        4: b"<< /Type /Outlines /First 8 0 R /Last 8 0 R /Count 1 >>",
        5: _stream(content),
        6: _stream(b"BT /F1 9 Tf 1 1 Td (again) Tj ET /X1 Do",
                   "/Type /XObject /Subtype /Form /BBox [0 0 10 10] "
                   "/Resources << /Font << /F1 7 0 R >> /XObject << /X1 6 0 R >> >>"),
        7: FONT,
        8: b"<< /Title (loop) /Parent 4 0 R /Next 8 0 R /Prev 8 0 R /First 8 0 R /Count 1 >>",
    }
    path.write_bytes(_pdf(objs))
    return path

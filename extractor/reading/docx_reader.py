""".docx → text: body paragraphs and tables in document order, guarded against zip and XML bombs.

Rendering (there is no "text as in the file" for a .docx, so this is the contract):
- every body paragraph is one line (empty paragraphs kept as empty lines), lines joined by "\\n".
  A paragraph's text is its runs' text as python-docx renders a run (``w:tab`` → "\\t",
  ``w:br``/``w:cr`` → "\\n"), taken from every run of the paragraph in order: also those inside
  hyperlinks, tracked insertions (``w:ins``, the document as it reads now), smart tags, simple
  fields and inline content controls, which python-docx's ``Paragraph.text`` skips; tracked
  deletions (``w:del``) and moved-away text (``w:moveFrom``) are left out;
- a table row is one line: its cells joined by "\\t" (empty cells dropped, vertically merged
  continuation cells skipped so no text repeats); inside a cell, paragraphs and nested tables are
  joined by " " (never glued: two figures in one cell must not become one number);
- content controls (``w:sdt``) at body level are entered; headers, footers, footnotes, comments
  and text boxes are not part of the text.

Guards, before python-docx (lxml) sees anything: member count, total declared uncompressed size,
per-member compression ratio (zipfile never inflates past a member's declared size, so the
declared sizes bound the work), and no DTD in any XML part (``<!DOCTYPE``/``<!ENTITY`` refused:
no entity expansion, no external entities). python-docx's own parser additionally runs with
``resolve_entities=False``.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from ..errors import ReadError

_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _TBL, _TR, _TC, _SDT, _SDTCONTENT = (f"{_W}{t}" for t in ("p", "tbl", "tr", "tc", "sdt",
                                                               "sdtContent"))
_TCPR, _VMERGE, _VAL = f"{_W}tcPr", f"{_W}vMerge", f"{_W}val"
_R = f"{_W}r"
# Paragraph children whose runs are not part of the final text: properties, tracked deletions
# and the source side of tracked moves.
_NOT_TEXT = frozenset(f"{_W}{t}" for t in ("pPr", "rPr", "del", "moveFrom"))
# Markup compatibility: the same content in alternative forms; only the first one is read.
_MC_ALTERNATE = "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"


@dataclass(frozen=True, slots=True)
class ZipLimits:
    max_members: int = 10_000
    max_unzipped_bytes: int = 256 * 1024 * 1024
    max_ratio: float = 200.0          # declared size / compressed size, per member
    ratio_min_bytes: int = 1024 * 1024  # the ratio is checked on members at least this big


def check_zip(zf: zipfile.ZipFile, *, source: str, limits: ZipLimits) -> None:
    """Refuse archives whose members would expand beyond the limits (zip bombs)."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise ReadError(source, f"zip bomb suspected: {len(infos)} members in the archive "
                                f"(limit {limits.max_members})")
    total = sum(i.file_size for i in infos)
    if total > limits.max_unzipped_bytes:
        raise ReadError(source, f"zip bomb suspected: members expand to {total} bytes "
                                f"(limit {limits.max_unzipped_bytes})")
    for info in infos:
        if info.file_size < limits.ratio_min_bytes:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_ratio:
            raise ReadError(source, f"zip bomb suspected: member {info.filename} expands "
                                    f"{ratio:.0f}x to {info.file_size} bytes "
                                    f"(limit {limits.max_ratio:.0f}x)")


def _refuse_dtd(zf: zipfile.ZipFile, *, source: str) -> None:
    for info in zf.infolist():
        name = info.filename.lower()
        if not (name.endswith(".xml") or name.endswith(".rels")):
            continue
        blob = zf.read(info)
        if blob[:2] in (b"\xff\xfe", b"\xfe\xff") or blob[:2] in (b"<\x00", b"\x00<"):
            codec = "utf-16-be" if blob[:1] in (b"\xfe", b"\x00") else "utf-16-le"
            body = blob[2:] if blob[:2] in (b"\xff\xfe", b"\xfe\xff") else blob
            blob = body.decode(codec, errors="replace").encode("utf-8")
        if _DTD.search(blob):
            raise ReadError(source, f"unsafe XML: {info.filename} declares a DOCTYPE/ENTITY "
                                    "(entity expansion is refused)")


def read_docx(data: bytes, *, source: str, limits: ZipLimits) -> str:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - BadZipFile, NotImplementedError (zip version) …
        raise ReadError(source, f"not a valid .docx (zip) file: {exc}") from None
    with zf:
        check_zip(zf, source=source, limits=limits)
        try:
            zf.getinfo("word/document.xml")
        except KeyError:
            raise ReadError(source, "not a .docx: the archive has no word/document.xml") from None
        try:
            _refuse_dtd(zf, source=source)
        except ReadError:
            raise
        except Exception as exc:  # noqa: BLE001 - zlib/CRC/encryption/compression-method errors
            raise ReadError(source, f"damaged .docx archive: {type(exc).__name__}: {exc}") from None
    try:
        import docx  # python-docx

        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        _render_block_container(document.element.body, document, lines)
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx/lxml raise many types on bad input
        raise ReadError(source, f"unreadable .docx: {type(exc).__name__}: {exc}") from None
    return "\n".join(lines)


def _paragraph_text(p) -> str:
    parts: list[str] = []
    stack = [iter(p)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        tag = child.tag
        if tag == _R:
            parts.append(child.text or "")  # CT_R.text: w:t, w:tab, w:br, w:cr, w:noBreakHyphen …
        elif tag == _MC_ALTERNATE:
            stack.append(iter(child[:1]))     # mc:Choice only, not also mc:Fallback
        elif isinstance(tag, str) and tag not in _NOT_TEXT:
            stack.append(iter(child))     # w:hyperlink, w:ins, w:moveTo, w:smartTag, w:sdt …
    return "".join(parts)


def _render_block_container(element, parent, lines: list[str]) -> None:
    for child in element.iterchildren():
        tag = child.tag
        if tag == _P:
            lines.append(_paragraph_text(child))
        elif tag == _TBL:
            lines.extend(_table_rows(child, parent))
        elif tag == _SDT:
            content = child.find(_SDTCONTENT)
            if content is not None:
                _render_block_container(content, parent, lines)


def _table_rows(tbl, parent) -> list[str]:
    rows = []
    for tr in tbl.iterchildren(_TR):
        cells = []
        for tc in tr.iterchildren(_TC):
            if _is_merge_continuation(tc):
                continue
            text = _cell_text(tc, parent)
            if text:
                cells.append(text)
        rows.append("\t".join(cells))
    return rows


def _cell_text(tc, parent) -> str:
    parts: list[str] = []
    _render_block_container(tc, parent, parts)
    return " ".join(p.strip() for p in parts if p.strip())


def _is_merge_continuation(tc) -> bool:
    pr = tc.find(_TCPR)
    if pr is None:
        return False
    vmerge = pr.find(_VMERGE)
    return vmerge is not None and vmerge.get(_VAL, "continue") == "continue"

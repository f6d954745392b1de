""".pdf → text layer page by page (pypdf).

Text = the pages' extracted texts joined by a form feed "\\f" (the page boundary stays visible to
the cleaner, which already treats form feeds as page breaks, and it is whitespace for everything
else). ``Page(number=i + 1, start, end)`` spans page i's text plus the form feed after it, so the
pages tile the text (see ``pages.py``). Page numbers are counted, not the printed labels.

Chinese text layers: pypdf maps CIDs to Unicode through the font's ToUnicode CMap or, for the
predefined Adobe CMaps (e.g. UniGB-UCS2-H used by reportlab's built-in STSong-Light, where CIDs
are UCS-2 code points), through its own tables; the tests write the sample report that way and
get every line back exactly, so pdfminer.six is not needed. A PDF whose fonts have neither
(Identity-H without ToUnicode) cannot be mapped by any extractor; its text comes out wrong or
empty (then the "scanned" error), never as an exception.

Refused with ReadError: not a PDF / damaged beyond pypdf's repair, encrypted with a password (an
empty user password is tried first, as viewers do), more pages than the limit, a page whose text
cannot be extracted, and a PDF whose pages carry no text at all ("scanned … needs OCR").
"""
from __future__ import annotations

import io
import logging

from ..errors import ReadError


def read_pdf_pages(data: bytes, *, source: str, max_pages: int) -> list[str]:
    try:
        from pypdf import PdfReader
        from pypdf.errors import DependencyError, FileNotDecryptedError

        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except DependencyError as exc:
                raise ReadError(source, f"encrypted PDF that needs a crypto library to open: {exc}"
                                ) from None
            if not ok:
                raise ReadError(source, "encrypted PDF: it needs a password")
        count = len(reader.pages)
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on damaged files
        raise ReadError(source, f"not a readable PDF: {type(exc).__name__}: {exc}") from None
    if count == 0:
        raise ReadError(source, "PDF without pages")
    if count > max_pages:
        raise ReadError(source, f"PDF has {count} pages (limit {max_pages})")

    texts: list[str] = []
    logger = logging.getLogger("pypdf")
    for i in range(count):
        try:
            texts.append(reader.pages[i].extract_text() or "")
        except FileNotDecryptedError:
            raise ReadError(source, "encrypted PDF: it needs a password") from None
        except Exception as exc:  # noqa: BLE001 - one bad content stream, loops, recursion …
            logger.debug("page %d of %s failed", i + 1, source, exc_info=True)
            raise ReadError(source, f"text of PDF page {i + 1} cannot be extracted: "
                                    f"{type(exc).__name__}: {exc}") from None
    if not any(t.strip() for t in texts):
        raise ReadError(source, f"scanned PDF: none of its {count} pages has a text layer; "
                                "it needs OCR first")
    return texts

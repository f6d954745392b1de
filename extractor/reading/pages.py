"""Page spans in ``Document.text`` from the container's page boundaries.

Convention (shared by .txt form feeds and .pdf): a page's span includes the form feed that ends
it, like a line includes its newline, so the pages tile the text without gaps:
``pages[0].start == 0``, ``pages[i].end == pages[i + 1].start``, ``pages[-1].end == len(text)``.
A file that ends with a form feed (pdftotext writes one after every page) gets no empty page
after it; whitespace after the last form feed is added to the last page.
"""
from __future__ import annotations

from ..model import Page

FORM_FEED = "\f"


def formfeed_pages(text: str) -> list[Page]:
    """Pages split at form feeds; [] when the text has none (no container pages)."""
    if FORM_FEED not in text:
        return []
    pages: list[Page] = []
    start = 0
    idx = text.find(FORM_FEED)
    while idx != -1:
        pages.append(Page(len(pages) + 1, start, idx + 1))
        start = idx + 1
        idx = text.find(FORM_FEED, start)
    if start < len(text):
        if text[start:].strip():
            pages.append(Page(len(pages) + 1, start, len(text)))
        else:
            last = pages[-1]
            pages[-1] = Page(last.number, last.start, len(text))
    return pages


def joined_pages(page_texts: list[str]) -> tuple[str, list[Page]]:
    """Join page texts with form feeds; page i spans its text plus the form feed after it."""
    pages: list[Page] = []
    pos = 0
    last = len(page_texts) - 1
    for i, page_text in enumerate(page_texts):
        end = pos + len(page_text) + (1 if i < last else 0)
        pages.append(Page(i + 1, pos, end))
        pos = end
    return FORM_FEED.join(page_texts), pages

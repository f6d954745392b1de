""".html/.htm → visible text, one line per block, entities decoded.

Encoding: BOM, then a declared charset (``<meta charset>``, ``http-equiv`` Content-Type or an XML
declaration in the first 4 KB), then the same detection as plain text. A declared legacy charset
(gb2312, gbk, big5 …) is overruled by UTF-8 when the bytes are valid UTF-8 with non-ASCII content:
pages re-saved as UTF-8 with the old ``<meta>`` left in are common, and GBK/Big5 prose that is also
valid UTF-8 practically does not occur.

Rendering (the visible text as a browser lays it out, reduced to lines):
- dropped: head (title, meta, styles), script, style, noscript, template, iframe, object, embed,
  comments and other markup declarations, elements with ``hidden`` or an inline
  ``display:none``;
- block elements (p, div, li, tr, h1–h6, table, section … and br) end a line; empty lines are not
  kept, so paragraphs are separated by exactly one "\\n" (as in the .docx rendering);
- table cells: "\\t" between the cells of a row; blocks inside a cell are joined by " ";
- whitespace inside a line collapses as in CSS: a run of ASCII whitespace becomes one space,
  except that a run containing a line break between two East Asian wide characters disappears
  (CSS Text 3 segment-break rule: "工程完成投资⏎1200万元" is one word on screen, and Chinese has no
  spaces). Leading/trailing ASCII whitespace of a line is removed. No-break spaces (&nbsp;) and
  ideographic spaces (U+3000) are visible and kept as they are;
- ``<pre>`` keeps its whitespace and line breaks.
"""
from __future__ import annotations

import re

import regex

from ..errors import ReadError
from .encoding import Decoded, decode_text, decode_with_declared

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)"""
    rb"""|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
_DROP = frozenset({"head", "title", "meta", "link", "script", "style", "noscript", "template",
                   "iframe", "object", "embed", "xml"})
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li",
    "listing", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
    "tfoot", "thead", "tr", "ul", "br",
})
_CELL = frozenset({"td", "th"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_WS_RUN = regex.compile(r"[ \t\n\r\f]+")
_WIDE = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\u3000-\u303f\uff00-\uffef]")
_LINE_BREAK = re.compile(r"[\n\r\f]")


def decode_html(data: bytes, *, source: str) -> Decoded:
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode_text(data, source=source)
    match = _META_CHARSET.search(data[:4096])
    if match:
        declared = (match.group(1) or match.group(2)).decode("ascii").lower()
        if declared.replace("-", "").replace("_", "") not in ("utf8", "utf16", "unicode"):
            try:
                utf8 = data.decode("utf-8")
            except UnicodeDecodeError:
                utf8 = None
            if utf8 is not None and not utf8.isascii():
                return Decoded(utf8, "utf-8")
        decoded = decode_with_declared(data, declared, source=source)
        if decoded is not None:
            return decoded
    return decode_text(data, source=source)


def html_to_text(markup: str, *, source: str) -> str:
    try:
        from bs4 import BeautifulSoup, CData, NavigableString, Tag

        soup = BeautifulSoup(markup, "lxml")
    except Exception as exc:  # noqa: BLE001 - parser failures of any kind
        raise ReadError(source, f"unreadable HTML: {type(exc).__name__}: {exc}") from None

    lines: list[str] = []
    line: list[list[str]] = [[]]   # cells of the current line; each cell a list of text runs
    in_cell = 0

    def end_line() -> None:
        cells = [_collapse("".join(cell)) for cell in line]
        text = "\t".join(c for c in cells if c)
        if text:
            lines.append(text)
        line.clear()
        line.append([])

    # Iterative walk (deeply nested markup must not hit the recursion limit).
    # Stack items: a node to enter, or a string marker to act on when leaving an element.
    stack: list[object] = [soup]
    while stack:
        node = stack.pop()
        if isinstance(node, str) and not isinstance(node, NavigableString):
            # markers pushed by elements
            if node == "</block>":
                if in_cell:
                    line[-1].append(" ")
                else:
                    end_line()
            elif node == "</cell>":
                in_cell -= 1
            continue
        if isinstance(node, NavigableString):
            if type(node) is NavigableString or isinstance(node, CData):
                line[-1].append(str(node))
            continue  # comments, doctype, declarations, processing instructions
        if not isinstance(node, Tag):
            continue
        name = (node.name or "").lower()
        if name in _DROP or node.has_attr("hidden") or _is_hidden_style(node.get("style")):
            continue
        if name == "pre":
            text = node.get_text()
            if in_cell:
                line[-1].append(" ".join(text.split()))
            else:
                end_line()
                lines.extend(text.strip("\n").split("\n") if text.strip() else [])
            continue
        if name in _CELL:
            if not in_cell:
                line.append([])
            in_cell += 1
            stack.append("</cell>")
        elif name in _BLOCK and node is not soup:
            stack.append("</block>")
            if in_cell:
                line[-1].append(" ")
            elif any(line[-1]) or len(line) > 1:
                end_line()
        children = list(node.children)
        stack.extend(reversed(children))
    end_line()
    return "\n".join(lines)


def _is_hidden_style(style: object) -> bool:
    if not style:
        return False
    return bool(_HIDDEN_STYLE.search(style if isinstance(style, str) else " ".join(style)))


def _collapse(text: str) -> str:
    """CSS-like whitespace collapsing of one line (see the module docstring)."""
    if not text:
        return text

    def repl(m: regex.Match) -> str:
        s, e = m.span()
        if _LINE_BREAK.search(m.group()) and 0 < s and e < len(text) \
                and _WIDE.match(text, s - 1) and _WIDE.match(text, e):
            return ""
        return " "

    return _WS_RUN.sub(repl, text).strip(" ")

"""The exact map between the clean (matching) text and the decoded document text.

The clean text is built from the decoded text by a sorted list of non-overlapping edits
``(start, end, replacement)`` on the decoded text plus a 1:1 character fold (``str.translate``).
The map is stored as *segments*, not one entry per character:

- a **run** ``(clean_start, decoded_start, length)``: clean[c] comes from decoded[d + (c - c0)];
- a **replacement** ``(clean_start, decoded_start, decoded_end, length)``: each of its ``length``
  clean characters stands for the whole decoded span (an entity ``&nbsp;`` → `` ``, an HTML tag →
  a line break);
- deleted decoded text (page markers, footers, joined line breaks) simply has no segment.

``to_decoded(a, b)`` returns the decoded start of clean[a] and the decoded end of clean[b-1]
(bisect over the segment starts), so ``decoded[to_decoded(a, b)]`` is exactly what a user sees
highlighted for clean[a:b], including any deleted text in between.
"""
from __future__ import annotations

from bisect import bisect_right
from typing import Callable, Iterable


class OffsetMap:
    """Segments of the clean text with their decoded origin; see the module docstring."""

    __slots__ = ("_cstart", "_dstart", "_dend", "_run", "clean_len", "decoded_len",
                 "_lim", "_shift", "_next")

    def __init__(self, clean_len: int, decoded_len: int) -> None:
        self._cstart: list[int] = []
        self._dstart: list[int] = []
        self._dend: list[int] = []
        self._run: list[bool] = []
        self.clean_len = clean_len
        self.decoded_len = decoded_len
        self._lim: list[int] | None = None      # to_clean's tables, built on its first call

    def _add(self, cstart: int, dstart: int, dend: int, run: bool) -> None:
        self._lim = None
        self._cstart.append(cstart)
        self._dstart.append(dstart)
        self._dend.append(dend)
        self._run.append(run)

    @property
    def segments(self) -> int:
        return len(self._cstart)

    def iter_segments(self):
        """(clean_start, clean_end, decoded_start, decoded_end, is_run) for every segment."""
        n = len(self._cstart)
        for i in range(n):
            ce = self._cstart[i + 1] if i + 1 < n else self.clean_len
            yield self._cstart[i], ce, self._dstart[i], self._dend[i], self._run[i]

    def _seg(self, c: int) -> int:
        i = bisect_right(self._cstart, c) - 1
        if i < 0:
            raise IndexError(c)
        return i

    def start_of(self, c: int) -> int:
        """Decoded offset where clean[c] starts (c == clean_len: the decoded end)."""
        if c >= self.clean_len:
            return self.decoded_len if not self._cstart else self._end_after_last()
        i = self._seg(c)
        if self._run[i]:
            return self._dstart[i] + (c - self._cstart[i])
        return self._dstart[i]

    def end_of(self, c: int) -> int:
        """Decoded offset where clean[c] ends (exclusive)."""
        i = self._seg(c)
        if self._run[i]:
            return self._dstart[i] + (c - self._cstart[i]) + 1
        return self._dend[i]

    def _end_after_last(self) -> int:
        return self.decoded_len

    def to_decoded(self, start: int, end: int) -> tuple[int, int]:
        """Half-open decoded span of clean[start:end]; an empty span maps to an empty span."""
        if not 0 <= start <= end <= self.clean_len:
            raise ValueError(f"span {start}:{end} outside the clean text (0:{self.clean_len})")
        if start == end:
            if start == self.clean_len:
                return (self.decoded_len, self.decoded_len) if self.clean_len == 0 else (
                    self.end_of(start - 1), self.end_of(start - 1))
            d = self.start_of(start)
            return d, d
        return self.start_of(start), self.end_of(end - 1)

    def to_clean(self, d: int) -> int:
        """Clean offset of the first clean character whose origin starts at or after decoded d."""
        # context calls this twice per fact (43k calls a corpus pass): one bisect and one test
        i = bisect_right(self._dstart, d) - 1   # decoded starts are non-decreasing over segments
        if i < 0:
            return 0
        lim = self._lim
        if lim is None:
            lim = self._tables()
        return d + self._shift[i] if d < lim[i] else self._next[i]

    def _tables(self) -> list[int]:
        """Per segment: the decoded offset up to which a position maps into the segment (its
        decoded start + its clean length for a run, + 1 for a replacement, whose clean
        characters all stand for its decoded start), the clean - decoded shift there, and the
        clean start of the next segment (where every later position of the segment maps)."""
        cs, ds = self._cstart, self._dstart
        nxt = cs[1:] + [self.clean_len]
        self._shift = [c - d for c, d in zip(cs, ds)]
        self._next = nxt
        self._lim = [d + (x - c) if r else d + 1
                     for c, d, x, r in zip(cs, ds, nxt, self._run)]
        return self._lim

    def to_decoded_many(self, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
        """``[to_decoded(a, b) for a, b in spans]`` with the segment lists bound once (one call
        per fact was most of the cost of placing a document's facts); a span inside one segment
        (a figure, nearly always) takes one bisect."""
        cs, ds, de, rn = self._cstart, self._dstart, self._dend, self._run
        if not cs:                              # an empty clean text: every span is empty
            return [self.to_decoded(a, b) for a, b in spans]
        clen = self.clean_len
        first = cs[0]
        if self._lim is None:
            self._tables()
        shift, nxt = self._shift, self._next
        out: list[tuple[int, int]] = []
        append = out.append
        for a, b in spans:
            if not first <= a < b <= clen:
                append(self.to_decoded(a, b))   # empty or invalid: the checks and rules there
                continue
            i = bisect_right(cs, a) - 1
            if b <= nxt[i]:                     # clean[a:b] inside segment i
                if rn[i]:
                    d = shift[i]
                    append((a - d, b - d))
                else:
                    append((ds[i], de[i]))
                continue
            j = bisect_right(cs, b - 1, i) - 1
            append((a - shift[i] if rn[i] else ds[i],
                    ds[j] + (b - cs[j]) if rn[j] else de[j]))
        return out

    def to_clean_many(self, offsets: Iterable[int]) -> list[int]:
        """``[to_clean(d) for d in offsets]`` (a document's date starts at once), without a
        method call per offset."""
        ds = self._dstart
        lim = self._lim
        if lim is None:
            if not ds:
                return [0 for _d in offsets]
            lim = self._tables()
        shift, nxt = self._shift, self._next
        out: list[int] = []
        append = out.append
        for d in offsets:
            i = bisect_right(ds, d) - 1
            append(0 if i < 0 else d + shift[i] if d < lim[i] else nxt[i])
        return out

    def _seg_len(self, i: int) -> int:
        nxt = self._cstart[i + 1] if i + 1 < len(self._cstart) else self.clean_len
        return nxt - self._cstart[i]


def apply_edits(decoded: str, edits: Iterable[tuple[int, int, str]],
                fold: Callable[[str], str] | None) -> tuple[str, OffsetMap]:
    """Build the clean text and its map from sorted, non-overlapping edits ``(start, end,
    replacement)`` (longer tuples are fine: only the first three items are read).

    ``fold`` (optional) must map a string to one of the same length (the 1:1 character fold;
    ``None`` when ``decoded`` is already folded); replacement strings are used as given.
    """
    if fold is None:
        fold = str   # the identity on the str slices, at C speed
    pieces: list[str] = []
    omap = OffsetMap(0, len(decoded))
    # the segment lists filled directly (a method call per segment was half of this loop)
    cst, dst, den, run = omap._cstart, omap._dstart, omap._dend, omap._run
    piece = pieces.append
    pos = 0
    c = 0
    for ed in edits:
        s, e, rep = ed[0], ed[1], ed[2]
        if s > pos:
            piece(fold(decoded[pos:s]))
            cst.append(c)
            dst.append(pos)
            den.append(s)
            run.append(True)
            c += s - pos
        if rep:
            piece(rep)
            cst.append(c)
            dst.append(s)
            den.append(e)
            run.append(False)
            c += len(rep)
        pos = e
    if pos < len(decoded):
        piece(fold(decoded[pos:]))
        cst.append(c)
        dst.append(pos)
        den.append(len(decoded))
        run.append(True)
        c += len(decoded) - pos
    omap.clean_len = c
    return "".join(pieces), omap

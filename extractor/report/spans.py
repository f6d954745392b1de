"""Overlapping spans → flat segments, so highlights can be nested, crossed or stacked safely.

Every span boundary splits the text; each segment carries the keys of all spans covering it.
The renderer escapes each segment's text on its own, so no markup from the document can ever
reach the HTML unescaped, whatever the spans look like.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int
    keys: tuple[Hashable, ...]   # keys of the spans covering [start, end), in the order given


def segments(length: int, spans: Iterable[tuple[int, int, Hashable]],
             points: Iterable[int] = ()) -> list[Segment]:
    """Split ``[0, length)`` at every span boundary (and at every extra ``point``).

    Spans are half-open ``(start, end, key)``; spans outside the text are clipped, empty ones
    ignored. Consecutive segments cover the text exactly once, in order.
    """
    clipped: list[tuple[int, int, int, Hashable]] = []
    for order, (s, e, key) in enumerate(spans):
        s, e = max(0, s), min(length, e)
        if s < e:
            clipped.append((s, e, order, key))
    bounds = {0, length}
    bounds.update(p for p in points if 0 <= p <= length)
    for s, e, _, _ in clipped:
        bounds.add(s)
        bounds.add(e)
    ordered = sorted(bounds)
    starts: dict[int, list[tuple[int, int, Hashable]]] = {}
    for s, e, order, key in clipped:
        starts.setdefault(s, []).append((order, e, key))
    active: dict[int, tuple[int, Hashable]] = {}   # order -> (end, key)
    out: list[Segment] = []
    for a, b in zip(ordered, ordered[1:]):
        for order, e, key in starts.get(a, ()):
            active[order] = (e, key)
        for order in [o for o, (e, _) in active.items() if e <= a]:
            del active[order]
        if a < b:
            keys = tuple(active[o][1] for o in sorted(active))
            out.append(Segment(a, b, keys))
    return out

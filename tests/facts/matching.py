"""Comparing two compiled patterns match by match (a `regex` rule and its `re` twin, a twin
and its rewritten form): the span and every group's span, at every start position."""
from __future__ import annotations


def same_match(a, b) -> bool:
    """Both None, or the same span, groups, named groups and every group's span."""
    if a is None or b is None:
        return a is None and b is None
    return (a.span() == b.span() and a.groups() == b.groups()
            and a.groupdict() == b.groupdict()
            and all(a.span(g) == b.span(g) for g in range(1, a.re.groups + 1)))


def assert_matches_alike(rx, other, texts, *label) -> None:
    """``other.match`` gives what ``rx.match`` (a `regex` pattern, given 1 s) gives at every
    position of every text; positions where `regex` times out are skipped."""
    for text in texts:
        for q in range(len(text) + 1):
            try:
                want = rx.match(text, q, timeout=1)
            except TimeoutError:
                continue
            assert same_match(want, other.match(text, q)), (*label, text, q)

"""Overlapping spans become flat segments: every boundary splits, every covering key is kept."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.report.spans import Segment, segments


def test_nested_and_crossing_spans_split_at_every_boundary():
    # "近2023万余元": a money fact over the whole, a finding over "2023万", a crossing one
    segs = segments(9, [(0, 9, "money"), (1, 6, "finding"), (4, 8, "cross")])
    assert segs == [
        Segment(0, 1, ("money",)),
        Segment(1, 4, ("money", "finding")),
        Segment(4, 6, ("money", "finding", "cross")),
        Segment(6, 8, ("money", "cross")),
        Segment(8, 9, ("money",)),
    ]


def test_spans_are_clipped_and_empty_ones_ignored_points_split():
    segs = segments(5, [(-3, 2, "a"), (4, 40, "b"), (3, 3, "empty")], points=[3])
    assert [(s.start, s.end, s.keys) for s in segs] == [
        (0, 2, ("a",)), (2, 3, ()), (3, 4, ()), (4, 5, ("b",))]


def test_empty_text_has_no_segments():
    assert segments(0, [(0, 0, "x")]) == []


spans_strategy = st.lists(
    st.tuples(st.integers(-2, 30), st.integers(-2, 30), st.integers(0, 5)), max_size=12)


@settings(max_examples=200, deadline=None)
@given(length=st.integers(0, 25), spans=spans_strategy)
def test_segments_tile_the_text_and_carry_exactly_the_covering_keys(length, spans):
    segs = segments(length, spans)
    # tiling: consecutive, no gaps, no overlaps, whole text
    pos = 0
    for seg in segs:
        assert seg.start == pos and seg.end > seg.start
        pos = seg.end
    assert pos == length
    for seg in segs:
        expected = [k for s, e, k in spans if max(0, s) <= seg.start and seg.end <= min(length, e)]
        assert list(seg.keys) == expected

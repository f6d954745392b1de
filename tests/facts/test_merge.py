"""facts._merge (number facts against dates/durations) equals the greedy choice over every fact
(the implementation before the no-overlap shortcut, kept here as the reference): same facts,
same objects, same order, on generated spans (overlaps, equal spans, empty spans, duplicates)
and on the corpus's own facts."""
from __future__ import annotations

from bisect import bisect_left
from operator import attrgetter

from hypothesis import given, settings
from hypothesis import strategies as st

import extractor.facts as facts_mod
from extractor.model import Fact

_START = attrgetter("start")


def _reference(numbers, dates):
    """Longest span wins; on a tie a date/duration beats a number fact (every fact chosen
    greedily, as before the shortcut)."""
    if not dates:
        return sorted(numbers, key=_START)
    allf = [(f.start - f.end, 1, f.start, k, f) for k, f in enumerate(numbers)]
    m = len(allf)
    allf += [(f.start - f.end, 0, f.start, m + k, f) for k, f in enumerate(dates)]
    allf.sort()
    taken = []
    out = []
    for _neg, _d, s, _k, f in allf:
        e = f.end
        k = bisect_left(taken, (s, e))
        if k:
            s2, e2 = taken[k - 1]
            if s2 < e and s < e2:
                continue
        if k < len(taken):
            s2, e2 = taken[k]
            if s2 < e and s < e2:
                continue
        taken.insert(k, (s, e))
        out.append(f)
    out.sort(key=_START)
    return out


def _facts(spans, kind):
    return [Fact("d", kind, "", s, s + n) for s, n in spans]


def _same(numbers, dates):
    got = facts_mod._merge(list(numbers), list(dates))
    want = _reference(list(numbers), list(dates))
    assert [id(f) for f in got] == [id(f) for f in want]


_SPANS = st.lists(st.tuples(st.integers(0, 60), st.integers(1, 9)), max_size=25)


@settings(max_examples=400, deadline=None)
@given(_SPANS, _SPANS, st.booleans())
def test_merge_equals_greedy_choice(nums, dts, sort_numbers):
    numbers = _facts(sorted(nums) if sort_numbers else nums, "count")
    _same(numbers, _facts(sorted(dts), "date"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 4)), max_size=15),
       st.lists(st.tuples(st.integers(0, 30), st.integers(0, 4)), max_size=15))
def test_merge_with_empty_spans_equals_greedy_choice(nums, dts):
    _same(_facts(nums, "money"), _facts(dts, "duration"))


def test_merge_examples():
    n = _facts([(0, 3), (5, 2), (10, 4), (10, 4), (20, 2)], "count")
    d = _facts([(4, 4), (10, 4), (19, 3), (30, 1)], "date")
    _same(n, d)                    # overlaps, an equal span (the date wins), isolated facts
    _same(n, [])
    _same([], d)
    _same(_facts([(0, 2), (3, 2)], "count"), _facts([(6, 2)], "date"))   # nothing overlaps


def test_merge_on_corpus_facts(corpus_files, monkeypatch):
    """The corpus's number and date facts as extract_facts hands them to _merge."""
    from extractor.reading import read
    from extractor.text import prepare

    seen = []
    real = facts_mod._merge

    def spy(numbers, dates):
        got = real(numbers, dates)
        want = _reference(numbers, dates)
        assert [id(f) for f in got] == [id(f) for f in want]
        seen.append(len(got))
        return got

    monkeypatch.setattr(facts_mod, "_merge", spy)
    for path in corpus_files:
        facts_mod.extract_facts(prepare(read(path)))
    assert len(seen) == len(corpus_files) and sum(seen) > 10000

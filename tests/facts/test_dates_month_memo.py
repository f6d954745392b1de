"""dates._month_of (the month a resolved date ends in, memoised: the month context of the bare
days after it) equals the computation scan did inline for every date."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.facts import dates


def _inline(iso):
    tail = iso.rpartition("/")[2]
    if len(tail) >= 7 and tail[4] == "-":
        y = None if tail.startswith("XXXX") else int(tail[:4])
        return (y, int(tail[5:7]))
    return None


def _same(iso):
    try:
        want = _inline(iso)
    except ValueError:
        want = ValueError
    for _ in range(2):          # computed, then from the memo
        try:
            got = dates._month_of(iso) if iso not in dates._MONTHS else dates._MONTHS[iso]
        except ValueError:
            got = ValueError
        assert got == want, iso


def test_month_of_examples():
    for iso in ("2023", "2023-12", "2023-08-16", "XXXX-08-16", "2023-01/2023-09", "2021/2025",
                "2023-05-18/2023-05-20", "XXXX-03-11/XXXX-03-20", "2023-12-31", ""):
        _same(iso)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"(?:X{4}|\d{4})(?:-\d\d(?:-\d\d)?)?(?:/(?:X{4}|\d{4})(?:-\d\d(?:-\d\d)?)?)?",
                     fullmatch=True) | st.text("0123456789X-/a", max_size=12))
def test_month_of_equals_inline(iso):
    _same(iso)


def test_scan_month_context_on_corpus_text(corpus_files):
    """Every date scan gives on corpus texts: its month as scan's inline code read it."""
    from extractor.reading import read
    from extractor.text import prepare

    n = 0
    for path in corpus_files[:30]:
        p = prepare(read(path))
        for h in dates.scan(p.clean.text, p.report_year):
            if h.kind == "date":
                _same(h.date)
                n += 1
    assert n > 500

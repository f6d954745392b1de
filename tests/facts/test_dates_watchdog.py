"""The negative patterns' searches around the date facts (extract_facts) run under one
engine._Watchdog per text, as the number facts' do: a broken negative pattern still stops, in the
main thread (CPU timer) and in another thread (regex's own timeout on each search), and the
timer and the signal are given back."""
from __future__ import annotations

from pathlib import Path

import pytest

from extractor.facts import RuleTimeout, engine, facts_from_text, number_facts_clean, prepare_text

from .test_engine_watchdog import _in_a_thread, _untouched, broken_negative  # noqa: F401

pytestmark = pytest.mark.skipif(not engine._CAN_WATCH, reason="no setitimer / SIGVTALRM here")

# the date 3月底 lies within 24 characters of the quote, and no number fact does: only the date's
# negative checks reach the broken pattern (2**22 ways through the 一, ~0.5 s)
DATE_TEXT = "“" + "一" * 22 + "，3月底"


def test_a_date_alone_reaches_the_negatives() -> None:
    assert number_facts_clean(prepare_text(DATE_TEXT, 2023)) == []
    assert [(f.kind, f.text) for f in facts_from_text(DATE_TEXT, report_year=2023)] == [
        ("date", "3月底")]


def test_main_thread_watchdog_stops_a_broken_negative_pattern_of_a_date(
        broken_negative: Path) -> None:
    # the watch's message (regex's own timeout says "regex timed out"): the watch stopped it
    with pytest.raises(TimeoutError, match="a negative pattern ran longer than 0.1 s"):
        facts_from_text(DATE_TEXT, report_year=2023, rules=broken_negative)
    assert _untouched()
    assert [f.text for f in facts_from_text(DATE_TEXT)] == ["3月底"]
    assert _untouched()


def test_other_thread_times_each_negative_search_of_a_date(broken_negative: Path) -> None:
    got = _in_a_thread(DATE_TEXT, broken_negative)
    assert isinstance(got, TimeoutError) and not isinstance(got, RuleTimeout)
    assert _untouched()


def test_the_scan_arms_its_watch_and_gives_the_timer_back() -> None:
    """scan() limits its joined searches with one engine._Watchdog per text (regex's timeout
    reads the clock as it matches); the timer and the signal are given back, also after a
    search that raised."""
    from extractor.facts import dates

    armed = []
    start = engine._Watchdog.start

    def spy(*a, **k):
        watch = start(*a, **k)
        armed.append(watch)
        return watch

    engine._Watchdog.start = spy
    try:
        assert [h.text for h in dates.scan("2023年3月，为期3个月", 2023)] == ["2023年3月", "3个月"]
    finally:
        engine._Watchdog.start = start
    assert armed and armed[0] is not None
    assert _untouched()

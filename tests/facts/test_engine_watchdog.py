"""The one time limit per text for the anchored rule matches (engine._Watchdog): a broken rule
still becomes RuleTimeout naming the rule, in the main thread (CPU timer) and in any other
thread (regex's own timeout on every match); the timer and the signal are given back."""
from __future__ import annotations

import shutil
import signal
import threading
from pathlib import Path

import pytest

from extractor.facts import RuleTimeout, engine, facts_from_text
from extractor.rulefiles import rules_dir

pytestmark = pytest.mark.skipif(not engine._CAN_WATCH, reason="no setitimer / SIGVTALRM here")

OLD = "(?P<n1>{NUM})                               # 35"
NEW = "(?P<n1>(?:[0-9]*?1){15}x|{NUM})              # 35"
TEXT = "共" + "1" * 40 + "个，另有3家"


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A rules copy whose count.main backtracks without end on a run of 1s."""
    dst = tmp_path / "rules"
    shutil.copytree(rules_dir(), dst)
    f = dst / "kinds" / "count.yaml"
    text = f.read_text(encoding="utf-8")
    assert OLD in text
    f.write_text(text.replace(OLD, NEW, 1), encoding="utf-8")
    monkeypatch.setattr(engine, "MATCH_TIMEOUT", 0.1)
    return dst


def _untouched() -> bool:
    return (signal.getitimer(signal.ITIMER_VIRTUAL) == (0.0, 0.0)
            and signal.getsignal(signal.SIGVTALRM) is signal.SIG_DFL)


def test_main_thread_watchdog_stops_a_broken_rule(broken: Path) -> None:
    assert threading.current_thread() is threading.main_thread()
    with pytest.raises(RuleTimeout, match="count.main"):
        facts_from_text(TEXT, rules=broken)
    assert _untouched()
    # the same text with the project's rules: facts, and the timer is given back again
    assert [f.text for f in facts_from_text(TEXT)][-1] == "3家"
    assert _untouched()


def test_other_thread_uses_the_timeout_of_each_match(broken: Path) -> None:
    got: list[BaseException | None] = []

    def run() -> None:
        assert engine._Watchdog.start() is None       # no signal handler outside the main thread
        try:
            facts_from_text(TEXT, rules=broken)
            got.append(None)
        except BaseException as exc:                   # handed to the test thread
            got.append(exc)

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    assert not t.is_alive()
    assert isinstance(got[0], RuleTimeout) and "count.main" in str(got[0])
    assert _untouched()


def test_a_signal_in_use_is_left_alone(broken: Path) -> None:
    """Someone else's SIGVTALRM handler stays; the engine falls back to per-match timeouts."""
    calls = []

    def theirs(signum, frame):
        calls.append(signum)

    previous = signal.signal(signal.SIGVTALRM, theirs)
    try:
        assert engine._Watchdog.start() is None
        with pytest.raises(RuleTimeout, match="count.main"):
            facts_from_text(TEXT, rules=broken)
        assert signal.getsignal(signal.SIGVTALRM) is theirs
    finally:
        signal.signal(signal.SIGVTALRM, previous)


def test_a_tick_between_matches_raises_nothing() -> None:
    """The handler raises only when the same match is running at two ticks in a row."""
    watch = engine._Watchdog()
    watch(signal.SIGVTALRM, None)          # idle (count 0)
    watch(signal.SIGVTALRM, None)
    watch.count = 1                        # a match started
    watch(signal.SIGVTALRM, None)
    watch.count = 3                        # that one ended, another started
    watch(signal.SIGVTALRM, None)
    with pytest.raises(TimeoutError):      # still the same one a tick later
        watch(signal.SIGVTALRM, None)

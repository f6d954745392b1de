"""The one time limit per text for the anchored rule matches (engine._Watchdog): a broken rule
still becomes RuleTimeout naming the rule, in the main thread (CPU timer) and in any other
thread (regex's own timeout on every match); the timer and the signal are given back. The same
for the negative patterns' searches while the candidates are checked."""
from __future__ import annotations

import shutil
import signal
import threading
from pathlib import Path

import pytest

from extractor.facts import RuleTimeout, engine, facts_from_text
from extractor.facts.ruleset import load_ruleset
from extractor.rulefiles import rules_dir

pytestmark = pytest.mark.skipif(not engine._CAN_WATCH, reason="no setitimer / SIGVTALRM here")

OLD = "(?P<n1>{NUM})                               # 35"
NEW = "(?P<n1>(?:[0-9]*?1){15}x|{NUM})              # 35"
TEXT = "共" + "1" * 40 + "个，另有3家"


def _rules_copy(tmp_path: Path, name: str, edit) -> Path:
    """A copy of the project's rules in which the file ``name`` is edited by ``edit``."""
    dst = tmp_path / "rules"
    shutil.copytree(rules_dir(), dst)
    f = dst / name
    f.write_text(edit(f.read_text(encoding="utf-8")), encoding="utf-8")
    return dst


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A rules copy whose count.main backtracks without end on a run of 1s."""
    def edit(text: str) -> str:
        assert OLD in text
        return text.replace(OLD, NEW, 1)

    monkeypatch.setattr(engine, "MATCH_TIMEOUT", 0.1)
    return _rules_copy(tmp_path, "kinds/count.yaml", edit)


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


def _in_a_thread(text: str, rules: Path) -> BaseException | None:
    """What facts_from_text raises in another thread (None: nothing)."""
    got: list[BaseException | None] = []

    def run() -> None:
        assert engine._Watchdog.start() is None       # no signal handler outside the main thread
        try:
            facts_from_text(text, rules=rules)
            got.append(None)
        except BaseException as exc:                   # handed to the test thread
            got.append(exc)

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    assert not t.is_alive()
    return got[0]


def test_other_thread_uses_the_timeout_of_each_match(broken: Path) -> None:
    got = _in_a_thread(TEXT, broken)
    assert isinstance(got, RuleTimeout) and "count.main" in str(got)
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


class _Interrupt(BaseException):
    """Stands for an exception raised by another signal handler (worker.deadline's Deadline,
    which re-fires every 0.25 s after its expiry; KeyboardInterrupt)."""


def test_an_exception_during_stop_still_gives_the_timer_back(monkeypatch) -> None:
    """A Deadline tick landing inside _Watchdog.stop (after the timer is disarmed, before the
    handler is restored) must not leave the watchdog installed: it would make every later
    scan fall back, and a watch whose count stayed odd raises TimeoutError in unrelated code."""
    real = signal.setitimer
    fired = []

    def setitimer(which, seconds, interval=0.0):
        got = real(which, seconds, interval)
        if which == signal.ITIMER_VIRTUAL and seconds == 0 and not fired:
            fired.append(1)
            raise _Interrupt()          # as if a handler ran right after the syscall
        return got

    monkeypatch.setattr(engine.signal, "setitimer", setitimer)
    try:
        with pytest.raises(_Interrupt):     # the interruption is not swallowed ...
            facts_from_text(TEXT)
        monkeypatch.undo()
        assert fired and _untouched()       # ... and the handler was given back all the same
    finally:                                # (never leave a broken state to the next tests)
        real(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, signal.SIG_DFL)
    assert [f.text for f in facts_from_text(TEXT)][-1] == "3家"
    assert _untouched()


def test_an_exception_inside_a_match_leaves_no_match_running(broken: Path, monkeypatch) -> None:
    """An exception out of a match that is not the watchdog's (a Deadline from worker.deadline)
    leaves the count even: a tick before stop() must not take it for a match still running."""
    from extractor.batch.worker import Deadline, deadline

    monkeypatch.setattr(engine, "MATCH_TIMEOUT", 30.0)     # the deadline comes first
    watches = []
    start = engine._Watchdog.start

    def recording(*args):
        w = start(*args)
        watches.append(w)
        return w

    monkeypatch.setattr(engine._Watchdog, "start", staticmethod(recording))
    load_ruleset(broken)      # built before the deadline: under load the build alone took 0.3 s
    with pytest.raises(Deadline):
        with deadline(0.3):
            facts_from_text(TEXT, rules=broken)
    assert watches and watches[-1] is not None
    assert watches[-1].count % 2 == 0
    assert _untouched()


NEG_TEXT = "“" + "一" * 23 + "3个"       # from the quote, 2**23 ways through the 一 (~1 s)


@pytest.fixture
def broken_negative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A rules copy whose negative pattern quoted_slogan backtracks without end after a quote."""
    def edit(text: str) -> str:
        i = text.index("id: quoted_slogan")
        j = text.index("    regex: ", i)
        k = text.index("\n", j)
        return text[:j] + "    regex: '[“](?:一|一)*x'" + text[k:]

    monkeypatch.setattr(engine, "NEGATIVE_TIMEOUT", 0.2)
    return _rules_copy(tmp_path, "lexicons/negatives.yaml", edit)


def test_main_thread_watchdog_stops_a_broken_negative_pattern(broken_negative: Path,
                                                             monkeypatch) -> None:
    watches = []
    start = engine._Watchdog.start

    def recording(*args):
        w = start(*args)
        watches.append((args, w))
        return w

    monkeypatch.setattr(engine._Watchdog, "start", staticmethod(recording))
    with pytest.raises(RuleTimeout, match="a negative pattern ran longer than 0.1 s"):
        facts_from_text(NEG_TEXT, rules=broken_negative)
    assert [w is not None for args, w in watches if args] == [True]
    assert _untouched()
    monkeypatch.undo()
    assert [f.text for f in facts_from_text(NEG_TEXT)] == ["3个"]
    assert _untouched()


def test_other_thread_times_each_negative_search(broken_negative: Path) -> None:
    got = _in_a_thread(NEG_TEXT, broken_negative)
    assert isinstance(got, RuleTimeout) and "time limit" in str(got)
    assert _untouched()


def test_watched_counts_each_step_as_a_match() -> None:
    """Odd while regex searches for the next match, even between matches and after the end."""
    watch = engine._Watchdog()
    seen = []

    class Steps:
        def __init__(self):
            self.left = 2

        def __iter__(self):
            return self

        def __next__(self):
            seen.append(watch.count)
            if not self.left:
                raise StopIteration
            self.left -= 1
            return self.left

    out = []
    for m in engine._watched(Steps(), watch):
        out.append((m, watch.count))
    assert out == [(1, 2), (0, 4)] and seen == [1, 3, 5] and watch.count == 6


def test_stop_gives_back_the_very_handler_it_found() -> None:
    """start/stop set the handler with the C function under signal.signal (no enum
    conversion of the handler it returns): what stop gives back is what start found, a
    default handler as signal's own SIG_DFL and a Python handler as the same object, and the
    watch itself is never left in place."""
    def theirs(signum, frame):
        pass

    watch = engine._Watchdog.start(engine.NEGATIVE_TIMEOUT, "a negative pattern")
    assert watch is not None and signal.getsignal(signal.SIGVTALRM) is watch
    watch.stop()
    assert _untouched()
    for found in (theirs, signal.SIG_IGN, signal.SIG_DFL):
        previous = signal.signal(signal.SIGVTALRM, found)
        try:
            watch = engine._Watchdog()
            watch.previous = engine._set_handler(signal.SIGVTALRM, watch)   # as start takes it
            watch.stop()
            assert signal.getsignal(signal.SIGVTALRM) is found
        finally:
            signal.signal(signal.SIGVTALRM, previous)
    assert _untouched()

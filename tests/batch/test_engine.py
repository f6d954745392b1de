"""Engines: every task yields exactly one outcome; time limits and crashes stop one document,
never the batch; memory stays flat because tasks are pulled lazily."""
from __future__ import annotations

import threading
import time

import pytest
from fakeproc import FAKE, LINES

from extractor.batch.engine import LocalPool, _can_adopt, run_tasks
from extractor.batch.worker import Deadline, Task, deadline, process_task


def _tasks(root, names, *, timeout=None):
    return [Task(str(root / n), n, None, None, False, timeout, FAKE) for n in names]


@pytest.fixture
def files(tmp_path):
    for i, line in enumerate(LINES):
        (tmp_path / f"ok{i}.txt").write_text(line, encoding="utf-8")
    for bad in ("slow.txt", "hang.txt", "crash.txt"):
        (tmp_path / bad).write_text("报告期内新增就业1.2万人。", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    return tmp_path


def test_serial_engine_soft_timeout_and_unreadable(files):
    names = ["ok0.txt", "slow.txt", "empty.txt", "ok1.txt"]
    t0 = time.monotonic()
    outs = list(run_tasks(_tasks(files, names, timeout=0.5), jobs=1))
    assert time.monotonic() - t0 < 10
    status = {row["source"]: row["status"] for row, _, _ in outs}
    assert status == {"ok0.txt": "ok", "slow.txt": "timeout", "empty.txt": "unreadable",
                      "ok1.txt": "ok"}
    facts = {row["source"]: [f["text"] for f in fs] for row, fs, _ in outs}
    assert facts["ok0.txt"] == ["2023", "1234", "5", "6"]
    assert facts["slow.txt"] == []


def test_local_pool_survives_timeouts_hangs_and_crashes(files):
    names = ["ok0.txt", "slow.txt", "ok1.txt", "hang.txt", "ok2.txt", "crash.txt", "ok3.txt",
             "empty.txt", "ok4.txt"]
    t0 = time.monotonic()
    outs = list(run_tasks(_tasks(files, names, timeout=1.0), jobs=2, grace=1.0))
    elapsed = time.monotonic() - t0
    rows = {row["source"]: row for row, _, _ in outs}
    assert sorted(rows) == sorted(names) and len(outs) == len(names)      # each exactly once
    assert {n: rows[n]["status"] for n in names} == {
        "ok0.txt": "ok", "slow.txt": "timeout", "ok1.txt": "ok", "hang.txt": "timeout",
        "ok2.txt": "ok", "crash.txt": "failed", "ok3.txt": "ok", "empty.txt": "unreadable",
        "ok4.txt": "ok"}
    assert "worker killed" in rows["hang.txt"]["error"]       # only the hard limit stops it
    assert "已停止" in rows["slow.txt"]["error"]               # stopped inside the worker
    assert "worker process died" in rows["crash.txt"]["error"]
    assert elapsed < 25


def test_pool_started_before_its_tasks_serves_them_and_is_shut_down_after(files):
    # the CLI starts the workers before it imports the store and hashes the inputs; the run
    # then takes that pool over, replaces it after a crash or a hang, and shuts it down
    names = ["ok0.txt", "hang.txt", "ok1.txt", "crash.txt", "ok2.txt"]
    with LocalPool(2, FAKE, check_rules=True) as pool:
        first = pool.executor
        workers = list(first._processes.values())
        outs = list(run_tasks(_tasks(files, names, timeout=1.0), jobs=2, grace=1.0,
                              check_rules=True, pool=pool))
        assert pool.executor is None                  # shut down once the tasks are done
    status = {row["source"]: row["status"] for row, _, _ in outs}
    assert status == {"ok0.txt": "ok", "hang.txt": "timeout", "ok1.txt": "ok",
                      "crash.txt": "failed", "ok2.txt": "ok"}
    assert all(not p.is_alive() for p in workers)


def test_the_results_pipe_holds_a_chunks_outcomes_and_survives_a_renewal(files):
    """The workers write a chunk's outcomes (80-320 KB pickled on the benchmark's input) into
    the results pipe at once, without waiting for the run's reader thread 64 KB at a time:
    the pipe of the pool, and of the pool that replaces it after a crash, holds 1 MB (Linux;
    elsewhere the pipe stays as it is). Outcomes larger than the pipe still arrive whole."""
    import fcntl
    import sys

    from extractor.batch import engine

    if not sys.platform.startswith("linux") or not hasattr(fcntl, "F_GETPIPE_SZ"):
        pytest.skip("pipe sizes are Linux's")

    def size(pool):
        return fcntl.fcntl(pool.executor._result_queue._reader.fileno(), fcntl.F_GETPIPE_SZ)

    with LocalPool(2, FAKE) as pool:
        assert size(pool) >= engine.RESULTS_PIPE_BYTES
        pool.renew()
        assert size(pool) >= engine.RESULTS_PIPE_BYTES
        big = files / "big.txt"
        big.write_text(LINES[0] * 20_000, encoding="utf-8")     # several MB of outcomes
        outs = list(run_tasks(_tasks(files, ["ok0.txt", "big.txt", "ok1.txt"]), jobs=2,
                              pool=pool))
    rows = {row["source"]: row for row, _, _ in outs}
    assert {s: r["status"] for s, r in rows.items()} == {"ok0.txt": "ok", "big.txt": "ok",
                                                         "ok1.txt": "ok"}
    facts = {row["source"]: f for row, f, _ in outs}
    assert len(facts["big.txt"]) == 20_000 * len(facts["ok0.txt"])


def test_a_given_pool_sets_the_slots_whatever_jobs_says(files):
    """The slots of the chunks in flight are counted from the pool that runs them: asked for
    more jobs than the given pool has workers, every task still gets its one outcome (the
    scheduler's larger window ran out of slots: ValueError from min() of an empty set)."""
    names = [f"ok{i}.txt" for i in range(5)] * 3
    with LocalPool(1, FAKE) as pool:
        outs = list(run_tasks(_tasks(files, names), jobs=4, pool=pool))
    assert sorted(r["source"] for r, _, _ in outs) == sorted(names)
    assert all(r["status"] == "ok" for r, _, _ in outs)


def _state(pid: int) -> str:
    """A process's state letter ('' once it is gone; Z: ended, not yet collected)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rpartition(")")[2].split()[0]
    except OSError:
        return ""


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as fh:
        return int(fh.read().rpartition(")")[2].split()[1])


def test_pool_started_early_and_not_used_ends_its_workers(files):
    t0 = time.monotonic()
    with LocalPool(2, FAKE) as pool:
        workers = list(pool.executor._processes.values())
        # started at once; the other is forked from it when warm (where pidfds allow it)
        assert len(workers) == (1 if _can_adopt() else 2)
        forked = pool.siblings
        while forked is not None and not forked[0] and time.monotonic() - t0 < 10:
            time.sleep(0.05)
        strays = [pid for pid in forked or () if pid > 0]
    assert pool.executor is None and all(not p.is_alive() for p in workers)
    # a fork of the first worker that no run adopted ends with the pool too
    end = time.monotonic() + 5
    while any(_state(pid) not in ("", "Z") for pid in strays) and time.monotonic() < end:
        time.sleep(0.05)
    assert all(_state(pid) in ("", "Z") for pid in strays)
    assert time.monotonic() - t0 < 15


FORKS = pytest.mark.skipif(not _can_adopt(), reason="no pidfd: every worker from the fork server")


@FORKS
def test_pool_closed_unused_after_its_forks_are_made_ends_them_at_once(files):
    """close() of a pool whose first worker has forked the others but no run adopted them:
    every worker ends and is collected, without the first worker's 5 s wait for its fork
    (before: one end marker for one known worker; close took 5.3 s and the fork was left a
    zombie of init; a fork taking the marker broke the executor's thread with a KeyError)."""
    errors = []
    hook, threading.excepthook = threading.excepthook, lambda a: errors.append(a.exc_value)
    try:
        pool = LocalPool(2, FAKE)
        first = list(pool.executor._processes)
        pool.calls[0].result()
        forked = [pid for pid in pool.siblings if pid > 0]
        t0 = time.monotonic()
        pool.close()
        took = time.monotonic() - t0
    finally:
        threading.excepthook = hook
    assert len(first) == 1 and len(forked) == 1
    assert took < 4.0, took
    assert all(_state(pid) == "" for pid in first + forked)
    assert not errors, errors


@FORKS
def test_the_other_workers_are_forks_of_the_warm_first_one(files):
    """The first worker loads the models, then forks the others (no second warm-up); the
    executor watches, feeds and ends them like its own processes."""
    from extractor.batch.engine import _Sibling

    names = [f"ok{i}.txt" for i in range(5)] * 4
    with LocalPool(2, FAKE, check_rules=True) as pool:
        seen = {}
        outs = []
        for out in run_tasks(_tasks(files, names), jobs=2, check_rules=True, pool=pool):
            if not seen:
                seen = dict(pool.executor._processes)
                parents = {pid: _parent(pid) for pid in seen}
            outs.append(out)
    assert sorted(r["source"] for r, _, _ in outs) == sorted(names)
    first = [pid for pid, p in seen.items() if not isinstance(p, _Sibling)]
    forked = [pid for pid, p in seen.items() if isinstance(p, _Sibling)]
    assert len(first) == 1 and len(forked) == 1
    assert parents[forked[0]] == first[0]
    assert all(_state(pid) == "" for pid in seen)     # ended and collected (by the first)


def test_chunks_give_the_same_outcomes(files):
    names = [f"ok{i}.txt" for i in range(5)]
    one = sorted((r["source"], len(f)) for r, f, _ in run_tasks(_tasks(files, names), jobs=2))
    four = sorted((r["source"], len(f)) for r, f, _ in
                  run_tasks(_tasks(files, names), jobs=2, chunk_size=4))
    assert one == four == [("ok0.txt", 4), ("ok1.txt", 2), ("ok2.txt", 2), ("ok3.txt", 3),
                           ("ok4.txt", 3)]


def test_chunks_shrink_to_single_tasks_at_the_end():
    from extractor.batch.engine import chunked

    sizes = [len(c.tasks) for c in chunked(range(40), 4, total=40, slots=4)]
    assert sizes == [4, 4, 4, 3, 3, 2, 2, 2, 2] + [1] * 14 and sum(sizes) == 40
    assert [t for c in chunked(range(40), 4, total=40, slots=4) for t in c.tasks] == \
        list(range(40))
    assert [len(c.tasks) for c in chunked(range(10), 4)] == [4, 4, 2]          # no total
    # an upper bound (inputs skipped as duplicates) only makes the shrinking start later
    assert [len(c.tasks) for c in chunked(range(10), 4, total=40, slots=4)] == [4, 4, 2]


def test_tasks_are_pulled_lazily_so_memory_stays_flat(files):
    pulled = 0
    names = [f"ok{i % 5}.txt" for i in range(40)]

    def gen():
        nonlocal pulled
        for t in _tasks(files, names):
            pulled += 1
            yield t

    ahead = []
    got = 0
    for _ in run_tasks(gen(), jobs=2, chunk_size=2):
        got += 1
        ahead.append(pulled - got)
    assert got == 40
    # two chunks of 2 per worker in flight (one running, one queued), never the corpus
    assert max(ahead) <= 2 * 2 * 2 + 2


def test_deadline_in_a_non_main_thread():
    result = {}

    def work():
        try:
            with deadline(0.3):
                while True:
                    sum(range(1000))
        except Deadline:
            result["stopped"] = True

    t = threading.Thread(target=work)
    t.start()
    t.join(5)
    assert result == {"stopped": True}


def test_deadline_does_not_fire_after_the_block():
    with deadline(0.2):
        pass
    time.sleep(0.4)   # no stray alarm


def test_a_bug_in_a_stage_fails_the_document_not_the_batch(tmp_path):
    task = Task(str(tmp_path / "x.txt"), "x.txt", "ab" * 32, None, False, None,
                "extractor.batch.worker:no_such_function")
    row, facts, anomalies = process_task(task)
    assert row["status"] == "failed" and "AttributeError" in row["error"]
    assert row["doc_id"] == "ab" * 8 and row["sha256"] == "ab" * 32


def test_deadline_is_not_lost_when_it_lands_in_a_finaliser(monkeypatch):
    """A Deadline raised inside a weakref callback is swallowed by Python ("Exception ignored");
    the timer re-fires, so the time limit still stops the work."""
    import gc
    import sys
    import time
    import weakref

    from extractor.batch.worker import Deadline, deadline

    class Obj:
        pass

    state = {"finaliser": "not run"}

    def slow_finaliser(_ref):
        # runs until an expiry lands here (swallowed); the bound only ends a broken timer
        state["finaliser"] = "running"
        t = time.perf_counter()
        while time.perf_counter() - t < 60:
            pass
        state["finaliser"] = "ran to its end: no expiry landed in it"

    # the swallowed expiry goes to sys.unraisablehook: caught here, so that it is asserted (it
    # did land in the finaliser) instead of surfacing as a PytestUnraisableExceptionWarning
    swallowed = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: swallowed.append(u.exc_type))
    keep = []
    o = Obj()
    keep.append(weakref.ref(o, slow_finaliser))
    # Robust on a loaded machine: the finaliser waits for the first expiry (it ended after
    # 0.4 s of wall time before, and the first expiry, 0.1 s after arming, could miss it),
    # and no collection runs other finalisers meanwhile (a full suite's heap). The bounds are
    # wall time but never reached while the timer works.
    gc.disable()
    try:
        with pytest.raises(Deadline):
            with deadline(0.5):
                del o                           # the finaliser runs now, until an expiry
                t = time.perf_counter()
                while time.perf_counter() - t < 60:   # a re-fired tick must stop this loop
                    pass
    finally:
        gc.enable()
    assert state["finaliser"] == "running"      # stopped by the expiry, which was swallowed
    assert Deadline in swallowed
    # the timer is disarmed afterwards: nothing fires later
    time.sleep(0.6)
    assert set(swallowed) == {Deadline}


def _killed_during_warm_up(tmp_path, cache: str) -> list[str]:
    """The names left in a fresh TMPDIR by a process killed (SIGKILL, as the pool kills a worker
    still warming up when its run ends) while its per-document function runs on the warm text."""
    import os
    import signal
    import subprocess
    import sys

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    code = ("import sys, time\n"
            "def hold(path, **kw):\n"
            "    print('in', path, flush=True)\n"
            "    time.sleep(60)\n"
            "from extractor.batch.worker import warm_up\n"
            "warm_up('__main__:hold')\n")
    env = dict(os.environ, TMPDIR=str(tmp), EXTRACTOR_CACHE_DIR=cache)
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                            text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("in "), line
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
    return sorted(p.name for p in tmp.iterdir())


def test_a_worker_killed_while_warming_up_leaves_nothing_in_tmp(tmp_path):
    """Every short `extractor run --jobs 2` used to leave an extractor-warm-*.txt in /tmp: the
    warm text is now the cache's file, written once and read by every later warm-up."""
    assert _killed_during_warm_up(tmp_path, str(tmp_path / "cache")) == []
    assert [p.read_text(encoding="utf-8") for p in (tmp_path / "cache" / "warm").iterdir()] \
        == [__import__("extractor.batch.worker", fromlist=["WARM_TEXT"]).WARM_TEXT]


def test_without_a_cache_the_warm_text_is_a_temporary_file_removed_after_use(tmp_path,
                                                                              monkeypatch):
    import tempfile

    from extractor.batch import worker

    monkeypatch.setenv("EXTRACTOR_CACHE_DIR", "off")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen = []
    monkeypatch.setitem(worker._processors, "t:seen",
                        lambda path, **kw: seen.append(open(path, encoding="utf-8").read()))
    worker.warm_up("t:seen")
    assert seen == [worker.WARM_TEXT]
    assert list(tmp_path.iterdir()) == []


def test_pool_workers_and_export_helper_do_not_rerun_the_console_script(tmp_path):
    """multiprocessing re-runs the parent's main script in each child it starts (as
    ``__mp_main__``); for the ``extractor`` console script that imported the CLI and typer in
    every worker and in the export helper. Nothing they run comes from that script."""
    import os
    import subprocess
    import sys

    from fakeproc import HERE

    marks = tmp_path / "marks"
    marks.mkdir()
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i, line in enumerate(LINES[:4]):
        (inputs / f"r{i}.txt").write_text(line, encoding="utf-8")
    (tmp_path / "bin").mkdir()
    script = tmp_path / "bin" / "extractor"          # named as the console script is
    script.write_text(
        "import os, sys\n"
        f"sys.path.insert(0, {HERE!r})\n"
        "if __name__ == '__mp_main__':\n"
        f"    open(os.path.join({str(marks)!r}, f'rerun-{{os.getpid()}}'), 'w').close()\n"
        "if __name__ == '__main__':\n"
        "    from extractor.batch.runner import RunOptions, run_batch\n"
        f"    s = run_batch(RunOptions(paths=[{str(inputs)!r}], out_dir={str(tmp_path / 'out')!r},"
        " jobs=2, formats=['csv', 'jsonl'], processor='fakeproc:process_path'))\n"
        "    print(s.ok, len(s.written))\n", encoding="utf-8")
    res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120, env=dict(os.environ, EXTRACTOR_NO_PROGRESS="1"))
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["4", "6"]          # 4 documents; 3 tables x 2 formats
    assert list(marks.iterdir()) == []


def test_a_users_main_script_is_rerun_in_the_pool_workers(tmp_path):
    """A program of the user's that calls run_batch under its ``if __name__ == "__main__"``
    may prepare at its top level what the workers need (here: a check of its own, registered
    there): multiprocessing re-runs that top level in each child, and the pool must not
    skip it, or ``jobs=2`` silently gives other findings than ``jobs=1``."""
    import json
    import os
    import subprocess
    import sys

    inputs = tmp_path / "in"
    inputs.mkdir()
    for i, line in enumerate(LINES[:3]):
        (inputs / f"r{i}.txt").write_text(line, encoding="utf-8")
    script = tmp_path / "my_batch.py"
    script.write_text(
        "import json, sys\n"
        "from extractor.checks.registry import check\n"
        "from extractor.model import Anomaly\n"
        "@check('user_seen.v1', codes={'user.seen': 'info'})\n"
        "def check_user_seen(ctx):\n"
        "    yield Anomaly(doc_id=ctx.doc_id, code='user.seen', severity='info', message='见',\n"
        "                  message_en='seen', start=0, end=1, source=ctx.source,\n"
        "                  check='user_seen.v1')\n"
        "if __name__ == '__main__':\n"
        "    from extractor.batch.runner import RunOptions, run_batch\n"
        "    for jobs in (1, 2):\n"
        f"        out = {str(tmp_path)!r} + f'/out{{jobs}}'\n"
        f"        run_batch(RunOptions(paths=[{str(inputs)!r}], out_dir=out, jobs=jobs,\n"
        "                             formats=['jsonl']))\n"
        "        with open(out + '/anomalies.jsonl', encoding='utf-8') as f:\n"
        "            rows = [json.loads(line) for line in f]\n"
        "        print(sum(r['code'] == 'user.seen' for r in rows))\n", encoding="utf-8")
    res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=180, env=dict(os.environ, EXTRACTOR_NO_PROGRESS="1"))
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["3", "3"]          # jobs=1, then jobs=2: one per document


def test_ctrl_c_during_a_workers_warm_up_is_left_to_the_run(tmp_path):
    """Ctrl-C goes to the whole process group. A pool worker still warming up (rjieba's
    dictionary, the rules) died of its own KeyboardInterrupt and printed "Process
    ForkServerProcess-1: Traceback ... KeyboardInterrupt" under the run's "interrupted" line
    (2 of 6 Ctrl-C runs of --jobs 2 --db). The run stops its workers itself: a worker ignores
    SIGINT from its start."""
    import os
    import subprocess
    import sys

    code = ("import os, signal, time\n"
            "def ctrl_c(path, **kw):\n"
            "    os.kill(os.getpid(), signal.SIGINT)     # the terminal's Ctrl-C, mid warm-up\n"
            "    time.sleep(0.2)\n"
            "from extractor.batch.worker import init_worker\n"
            "init_worker('__main__:ctrl_c', None)\n"
            "print('warm', flush=True)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env=dict(os.environ, EXTRACTOR_CACHE_DIR=str(tmp_path)))
    assert (res.returncode, res.stdout, res.stderr) == (0, "warm\n", "")


def test_pool_workers_freeze_what_the_warm_up_built():
    """A pool worker's rules and dictionaries live as long as the worker: after the warm-up
    they are out of the collector's sight (gc.freeze), so full collections walk the documents'
    objects only."""
    import gc

    with LocalPool(1, FAKE) as pool:
        pool.calls[0].result()
        assert pool.executor.submit(gc.get_freeze_count).result() > 0
    assert gc.get_freeze_count() == 0          # never in the calling process


def test_a_killed_but_unreaped_parent_counts_as_gone():
    # a supervisor that reads a killed run's output to the end before it waits leaves the run a
    # zombie: kill(pid, 0) still succeeds, and the workers watching it must end all the same
    import os
    import signal
    import subprocess
    import sys

    from extractor.batch.worker import process_gone

    if not os.path.isdir("/proc/self"):
        pytest.skip("no /proc: a zombie cannot be told from a live process here")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert not process_gone(child.pid)
        os.kill(child.pid, signal.SIGKILL)
        deadline_ = time.monotonic() + 10
        while not process_gone(child.pid) and time.monotonic() < deadline_:
            time.sleep(0.02)
        assert process_gone(child.pid)
        os.kill(child.pid, 0)            # a zombie: the number is still ours (not reaped)
    finally:
        child.kill()
        child.wait()
    assert process_gone(child.pid)
    assert not process_gone(os.getpid())


def test_the_serial_engine_freezes_for_its_run_and_hands_back(fake_corpus, tmp_path):
    """The serial engine moves what its process holds after the first document out of the
    collector's sight for the run (gc.freeze), and hands it back at the end (gc.unfreeze), also
    when the run stops early; a freeze made by someone else is left alone."""
    import gc

    import fakeproc

    tasks = [Task(str(p), p.name, None, None, False, None, "fakeproc:process_counting")
             for p in sorted(fake_corpus.rglob("report*.txt"))]
    assert gc.get_freeze_count() == 0
    fakeproc.FREEZES.clear()
    assert len(list(run_tasks(tasks, jobs=1))) == len(tasks)
    assert fakeproc.FREEZES[0] == 0 and all(n > 0 for n in fakeproc.FREEZES[1:])
    assert gc.get_freeze_count() == 0
    outcomes = run_tasks(tasks, jobs=1)         # a run that stops after two documents
    next(outcomes), next(outcomes)
    assert gc.get_freeze_count() > 0
    outcomes.close()
    assert gc.get_freeze_count() == 0
    gc.freeze()                                 # the caller's own freeze
    try:
        frozen = gc.get_freeze_count()
        fakeproc.FREEZES.clear()
        list(run_tasks(tasks, jobs=1))
        assert set(fakeproc.FREEZES) == {frozen} and gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_the_young_generation_is_collected_less_often_while_documents_run(fake_corpus):
    """While the documents run, the young generation is collected every YOUNG_THRESHOLD net
    allocations (a higher threshold of the caller's kept), in the serial engine's process, in
    the pool's workers and in this process while it takes their outcomes; the thresholds are
    as before after the run, also when it stops early."""
    import gc

    import fakeproc
    from extractor.batch.worker import YOUNG_THRESHOLD

    tasks = [Task(str(p), p.name, None, None, False, None, "fakeproc:process_counting")
             for p in sorted(fake_corpus.rglob("report*.txt"))]
    before = gc.get_threshold()
    assert before[0] < YOUNG_THRESHOLD
    fakeproc.THRESHOLDS.clear()
    assert len(list(run_tasks(tasks, jobs=1))) == len(tasks)
    assert fakeproc.THRESHOLDS[0] == before
    assert set(fakeproc.THRESHOLDS[1:]) == {(YOUNG_THRESHOLD, *before[1:])}
    assert gc.get_threshold() == before
    outcomes = run_tasks(tasks, jobs=1)         # a run that stops after two documents
    next(outcomes), next(outcomes)
    outcomes.close()
    assert gc.get_threshold() == before
    gc.set_threshold(3 * YOUNG_THRESHOLD, *before[1:])     # the caller's own, higher
    try:
        fakeproc.THRESHOLDS.clear()
        list(run_tasks(tasks, jobs=1))
        assert set(fakeproc.THRESHOLDS[1:]) == {(3 * YOUNG_THRESHOLD, *before[1:])}
    finally:
        gc.set_threshold(*before)
    pool_tasks = [Task(t.path, t.source, None, None, False, None, "fakeproc:process_reporting_gc")
                  for t in tasks]
    seen = []
    for row, _, _ in run_tasks(pool_tasks, jobs=2, chunk_size=1):
        seen.append((gc.get_threshold()[0], gc.get_freeze_count() > 0))
        assert row["encoding"] == f"{YOUNG_THRESHOLD}/1", row
    assert set(seen) == {(YOUNG_THRESHOLD, True)} and len(seen) == len(tasks)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_callers_young_threshold_of_0_is_kept_while_documents_run(fake_corpus):
    """``gc.set_threshold(0)`` turns the automatic collection off (as ``gc.disable`` does): a
    run must not turn it on for its documents by raising the threshold to YOUNG_THRESHOLD
    (it did: the documents after the first ran with 7000)."""
    import gc

    import fakeproc

    tasks = [Task(str(p), p.name, None, None, False, None, "fakeproc:process_counting")
             for p in sorted(fake_corpus.rglob("report*.txt"))]
    before = gc.get_threshold()
    gc.set_threshold(0, *before[1:])
    try:
        fakeproc.THRESHOLDS.clear()
        assert len(list(run_tasks(tasks, jobs=1))) == len(tasks)
        assert set(fakeproc.THRESHOLDS) == {(0, *before[1:])}
        assert gc.get_threshold() == (0, *before[1:])
    finally:
        gc.set_threshold(*before)


def test_pool_workers_use_the_rules_folder_of_their_run(files, monkeypatch):
    """A process that runs twice with another $EXTRACTOR_RULES_DIR (a notebook) gets the new
    folder's rules in its pool workers too: they are forks of the fork server, started once
    per process with the environment of that moment, so the run hands them the variable."""
    proc = "fakeproc:process_reporting_rules_dir"
    tasks = [Task(str(files / n), n, None, None, False, None, proc)
             for n in ("ok0.txt", "ok1.txt", "ok2.txt")]
    for value in ("/tmp/rules-a", "/tmp/rules-b", None):
        if value is None:
            monkeypatch.delenv("EXTRACTOR_RULES_DIR", raising=False)
        else:
            monkeypatch.setenv("EXTRACTOR_RULES_DIR", value)
        outs = list(run_tasks(tasks, jobs=2))
        assert {row["encoding"] for row, _, _ in outs} == {value or "-"}, value

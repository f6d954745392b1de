"""The per-document task every engine runs: one file → (document row, fact rows, anomaly rows).

It calls the project's per-document function (``extractor.pipeline.process_path`` unless told
otherwise), enforces the per-document time limit inside the worker, and turns every outcome,
including a bug in a later stage, into a documents row, so a batch never stops on one file.
The document row is a plain dict; facts and findings are ``table.Records`` (one list per
column, no Decimal): cheap to build, to pickle and to turn into Arrow arrays in the store.
"""
from __future__ import annotations

import ctypes
import importlib
import signal
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..model import ANOMALY_COLUMNS, FACT_COLUMNS
from ..table import (EXACT_COLUMNS, Records, Same, anomaly_columns, anomaly_record,
                     fact_columns, fact_record)

DEFAULT_PROCESSOR = "extractor.pipeline:process_path"
FACT_RECORD_COLUMNS = FACT_COLUMNS + EXACT_COLUMNS

# (documents row, facts, findings); facts and findings are Records (or lists of row dicts)
Outcome = tuple[dict, Records | list[dict], Records | list[dict]]


@dataclass(frozen=True, slots=True)
class Task:
    path: str
    source: str
    sha256: str | None = None
    report_year: int | None = None
    strict: bool = False
    timeout: float | None = None          # seconds; None or 0 = no limit
    processor: str = DEFAULT_PROCESSOR    # "module:function", resolved in the worker


@dataclass(slots=True)
class Chunk:
    """A few tasks sent to a worker at once (fewer round trips for small documents)."""

    tasks: list[Task] = field(default_factory=list)


class Deadline(BaseException):
    """Raised inside a worker when a document exceeds its time limit.

    A BaseException on purpose: ``except Exception`` in any stage cannot swallow it.
    """


_processors: dict[str, Callable] = {}


def _resolve(spec: str) -> Callable:
    fn = _processors.get(spec)
    if fn is None:
        module, _, name = spec.partition(":")
        fn = getattr(importlib.import_module(module), name)
        _processors[spec] = fn
    return fn


@contextmanager
def deadline(seconds: float | None):
    """Raise :class:`Deadline` in this thread after ``seconds``.

    In a main thread (process-pool workers, the serial engine) a real-time timer signal does it;
    in other threads (Dask worker threads) the exception is injected asynchronously into the
    thread. Both stop pure-Python work at the next bytecode; a stage stuck inside C code is
    stopped by the engine's hard limit (the worker process is killed and replaced).
    """
    if not seconds or seconds <= 0:
        yield
        return
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        def _alarm(signum, frame):
            raise Deadline(seconds)

        previous = signal.signal(signal.SIGALRM, _alarm)
        # After the first expiry the timer fires again every 0.25 s: a Deadline raised while
        # Python runs a finaliser (a weakref callback during garbage collection) is printed as
        # "Exception ignored" and lost, and a one-shot timer would let the document run on.
        signal.setitimer(signal.ITIMER_REAL, seconds, 0.25)
        try:
            yield
        finally:
            while True:  # a tick during this cleanup must not skip disarming the timer
                try:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    signal.signal(signal.SIGALRM, previous)
                    break
                except Deadline:
                    continue
        return

    tid = threading.get_ident()
    lock = threading.Lock()
    state = {"done": False, "fired": False}

    def _inject():
        with lock:
            if not state["done"]:
                state["fired"] = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(tid),
                                                           ctypes.py_object(Deadline))

    timer = threading.Timer(seconds, _inject)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["done"] = True
            fired = state["fired"]
        timer.cancel()
        if fired:
            # the exception may still be pending: clear it, then report the timeout ourselves
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(tid), None)
    if fired:
        raise Deadline(seconds)


def process_task(task: Task) -> Outcome:
    """Run one document; never raises (except KeyboardInterrupt/SystemExit)."""
    t0 = time.perf_counter()
    facts: Records | list = []
    anomalies: Records | list = []
    try:
        try:
            fn = _resolve(task.processor)
            with deadline(task.timeout):
                result = fn(task.path, source=task.source, report_year=task.report_year,
                            strict=task.strict)
        except Deadline:
            row = status_row(task, "timeout",
                             f"处理超过 {task.timeout:g} 秒的时限，已停止 "
                             f"(exceeded the per-document time limit of {task.timeout:g} s)")
        else:
            row = dict(result.document)
            facts = _records(result.facts, fact_columns, fact_record, FACT_RECORD_COLUMNS)
            anomalies = _records(result.anomalies, anomaly_columns, anomaly_record,
                                 ANOMALY_COLUMNS)
    except Exception as exc:  # a bug in a stage, or a strict-mode error: the file fails, the batch goes on
        row = status_row(task, "failed", f"{type(exc).__name__}: {exc}")
        facts, anomalies = [], []
    return finish(task, row, facts, anomalies, seconds=time.perf_counter() - t0)


def _records(items, to_columns, to_record, names: list[str]) -> Records:
    """Facts/findings column by column; a processor may also return row dicts."""
    items = list(items)
    if any(isinstance(x, dict) for x in items):
        return Records.from_dicts([x if isinstance(x, dict) else to_record(x) for x in items],
                                  names)
    return to_columns(items)


def process_chunk(chunk: Chunk) -> list[Outcome]:
    return [process_task(t) for t in chunk.tasks]


# -- worker start-up and start clocks (local pool) ------------------------------------------------
_started = None   # shared array of start times, one slot per task in flight (set by init_worker)

# a short text in the genre that touches every stage (all kinds, subjects, sections, periods),
# so that every lazily loaded dictionary and model is loaded by the warm-up
WARM_TEXT = ("一、主要工作\n"
             "2023年，全县实现地区生产总值123.4亿元，同比增长5.6%，增速比上年提高0.8个百分点。"
             "全年共开展执法行动19起，查处案件37件，新增城镇就业1.2万人。"
             "完成植树造林8.4万亩，建成农村公路120千米。\n"
             "（二）下一步打算\n"
             "为期100天的专项行动于8月16日结束，1-9月份累计完成投资约15亿元，力争明年增长6%左右。\n")


def _warm_file() -> Path | None:
    """``WARM_TEXT`` as a file of our on-disk cache (written once, then only read), or None when
    the cache is off or cannot be written.

    Not a temporary file per call: a pool worker still warming up when its run ends is killed
    (the pool's SIGKILL), so its ``finally`` never ran and every short ``--jobs 2`` run could
    leave an ``extractor-warm-*.txt`` in /tmp (two of three runs on corpora/ did)."""
    import hashlib

    from ..rulefiles import cache_path, read_cache, write_cache

    data = WARM_TEXT.encode("utf-8")
    path = cache_path("warm", f"warm-{hashlib.sha256(data).hexdigest()[:16]}.txt")
    if path is None:
        return None
    if read_cache(path) != data:
        write_cache(path, data)
        if read_cache(path) != data:    # read-only home, full disk, someone else's file …
            return None
    return path


def _run_on_warm_text(processor: str, prefix: str, **kw) -> None:
    """The per-document function once on ``WARM_TEXT``: the cache's copy, or else a temporary
    file removed afterwards."""
    import os
    import tempfile

    fn = _resolve(processor)
    cached = _warm_file()
    if cached is not None:
        fn(str(cached), **kw)
        return
    fd, path = tempfile.mkstemp(suffix=".txt", prefix=prefix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(WARM_TEXT)
        fn(path, **kw)
    finally:
        os.unlink(path)


def warm_up(processor: str = DEFAULT_PROCESSOR) -> None:
    """Import the stages and run the per-document function once on a tiny text, so model and
    dictionary loading never count against the first real document's time limit."""
    try:
        _run_on_warm_text(processor, "extractor-warm-", source="warm-up.txt")
    except Exception:  # a broken stage shows up on the real documents, with their names
        pass


def preflight(processor: str = DEFAULT_PROCESSOR) -> tuple[str, str] | None:
    """Run the per-document function once, strictly, on ``WARM_TEXT``: a broken rule file (which
    the stages load lazily) comes back as ``(path, reason)`` of its ``RuleFileError`` (an
    exception with two arguments does not survive pickling), so the caller can stop the run
    before the first document. Any other error is left to the documents, which record it
    with their names. Run in a pool worker, this is the CLI's rule check without loading the
    pipeline in the parent as well; the CLI runs it in-process otherwise."""
    from ..errors import RuleFileError

    try:
        _run_on_warm_text(processor, "extractor-check-", source="<rules check>", strict=True)
    except Exception as exc:  # noqa: BLE001
        cause: BaseException | None = exc
        while cause is not None:        # a check wraps it in CheckError under strict
            if isinstance(cause, RuleFileError):
                return cause.path, cause.reason
            cause = cause.__cause__ or cause.__context__
    return None


def ready(processor: str = DEFAULT_PROCESSOR) -> None:
    """A call that does nothing: submitted once per worker so the pool starts them all."""
    return None


_parent_pid: int | None = None   # the run this worker serves (init_worker), watched again in a fork
_siblings = None    # shared array: pids of the workers forked from this one (first_and_fork)


def init_worker(processor: str, started, parent_pid: int | None = None, siblings=None,
                rules_env: tuple[str | None] | None = None) -> None:
    """``rules_env``: (the run's $EXTRACTOR_RULES_DIR or None: unset,), set here before the
    warm-up; None: the environment's stays. A worker of the pool is a fork of the fork server,
    whose environment is that of its start (once a process): a notebook that set another rules
    folder between two runs got the first folder's rules in the second run's workers."""
    import logging
    import os

    global _started, _parent_pid, _siblings
    if rules_env is not None:
        if rules_env[0] is None:
            os.environ.pop("EXTRACTOR_RULES_DIR", None)
        else:
            os.environ["EXTRACTOR_RULES_DIR"] = rules_env[0]
    # Ctrl-C reaches the whole process group: the run (the parent) stops the workers itself
    # (it kills them), so a worker must not die on its own KeyboardInterrupt, which printed
    # "Process ForkServerProcess-1: Traceback ... KeyboardInterrupt" when it landed in the
    # warm-up (rjieba's dictionary: 2 of 6 Ctrl-C runs of --jobs 2 --db)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _started = started
    _parent_pid = parent_pid
    _siblings = siblings        # a shared array reaches a worker only by inheritance: here
    if parent_pid is not None:
        _exit_when_gone(parent_pid)
    # library warnings (pypdf's "EOF marker not found" …) would reach stderr without the file's
    # name; the document's own status row and error line say what went wrong
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    warm_up(processor)
    settle()


def settle() -> None:
    """After the warm-up, before the documents: what the warm-up built (rules, dictionaries,
    compiled patterns: about 25k of the 40k objects the collector tracks) lives as long as the
    process, so it is moved out of the collector's sight (``gc.freeze``) after one collection
    of the warm-up's garbage. Each full collection then walks the documents' objects only: the
    three full collections of two corpus passes took 0.058-0.073 CPU s, 0.019-0.026 after.
    The young generation is collected less often from now on (``young_threshold``).
    Only in a pool worker, whose life is one run: in a longer-lived process, objects frozen
    now that become cyclic garbage later would never be freed."""
    import gc
    import sys

    gc.collect()
    gc.freeze()
    gc.set_threshold(*young_threshold())
    facts = sys.modules.get("extractor.facts")    # (loaded by the warm-up of our pipeline)
    if facts is not None:
        facts.hold_rules()      # the number rules loaded once for the run, not per document


# container allocations (net of those freed) between two collections of the young generation
# while the documents run, instead of Python's 700: the documents' objects die by their
# reference counts, so each young collection found little garbage but walked the objects in
# flight (the lists of a document's facts ...). Corpus pass in one process, second pass
# (collections, CPU inside them; best of two, load ~20): 700: 121, 18 ms; 2000: 14, 6 ms;
# 7000: 2, 1 ms, of a 1.3 CPU s pass. Cyclic garbage waits at most this many allocations.
YOUNG_THRESHOLD = 7000


def young_threshold() -> tuple[int, int, int]:
    """The collector's thresholds for the documents: the young generation's raised to
    ``YOUNG_THRESHOLD`` (kept when higher already, or 0: no automatic collection at all, a
    caller's choice like ``gc.disable``), the older ones as they are."""
    import gc

    young, middle, old = gc.get_threshold()
    return (young if young == 0 else max(young, YOUNG_THRESHOLD)), middle, old


def first_and_fork(first: Callable, processor: str) -> object:
    """The first call of a pool whose other workers are forks of its first one: ``first``
    (``ready`` or ``preflight``) here, once the warm-up is done, then one ``os.fork`` per slot
    of ``_siblings`` (a shared array of ints from ``init_worker``, 0 = not yet), each child a
    worker of the same pool with everything the warm-up built (the dictionaries, rules and
    compiled patterns, already out of the collector's sight): the second worker no longer
    loads them itself (0.3 CPU s that competed with the run's own start-up for the two
    cores). ``engine.LocalPool.adopt`` registers the children with the pool; each one writes
    its pid into its slot.

    A child returns from this call too, with the same answer, since it is in the middle of it:
    the pool takes whichever of the two equal results comes first and ignores the other. It
    returns only when every slot is filled, so that the pool, which reads the slots once it
    has the answer, knows every worker. A slot whose fork failed holds -1."""
    import os
    from multiprocessing.util import Finalize

    answer = first(processor)
    siblings = _siblings
    for i in range(len(siblings) if siblings is not None else 0):
        try:
            pid = os.fork()
        except OSError:
            siblings[i] = -1
            continue
        if pid == 0:
            siblings[i] = os.getpid()
            if _parent_pid is not None:     # a fork has only the thread that called it
                _exit_when_gone(_parent_pid)
            limit = time.monotonic() + 10.0
            while not all(siblings) and time.monotonic() < limit:
                time.sleep(0.001)
            return answer
        siblings[i] = pid
        # our child, not the fork server's: we collect its exit status, and when the pool
        # ends us, we wait a little for it (it ends at the same time), or it would stay a
        # zombie of whatever process adopts it (this machine's init collects none)
        reaper = threading.Thread(target=os.waitpid, args=(pid, 0), daemon=True,
                                  name="extractor-sibling-reaper")
        reaper.start()
        Finalize(None, reaper.join, args=(5.0,), exitpriority=0)
    return answer


def _exit_when_gone(parent_pid: int, every: float = 1.0) -> None:
    """End this worker when the run that started it is gone (``kill -9`` of ``extractor run``).

    A pool worker would otherwise wait for work forever: it holds the write end of its own task
    queue, so it never reads end-of-file, and it keeps the fork server alive too (each worker
    holds the server's liveness pipe). Checked once a second by a daemon thread."""
    import os
    import threading

    def watch() -> None:
        while True:
            time.sleep(every)
            if process_gone(parent_pid):
                os._exit(1)

    threading.Thread(target=watch, name="extractor-parent-watch", daemon=True).start()


def process_gone(pid: int) -> bool:
    """Whether process ``pid`` has ended, a killed one not yet reaped (a zombie) included.

    ``kill(pid, 0)`` succeeds on a zombie: a supervisor that reads a killed run's output to the
    end before it waits would keep the run's workers (and the fork server) alive for good."""
    import os

    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):   # (another user's process took the number)
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except FileNotFoundError:
        return os.path.isdir("/proc/self")           # ended since; without /proc: not known
    except OSError:
        return False
    # "pid (comm) S ...": the state follows the last ')', as comm may hold one
    return stat[stat.rfind(b")") + 2:stat.rfind(b")") + 3] == b"Z"


def process_chunk_clocked(chunk: Chunk, slot: int) -> list[Outcome]:
    """``process_chunk`` that first records its start time (the engine's hard limit counts
    from there, not from the submission, so a worker's start-up is never held against it)."""
    if _started is not None:
        _started[slot] = time.monotonic()
    return process_chunk(chunk)


def status_row(task: Task, status: str, error: str) -> dict:
    """A documents row for a file that produced no result (timeout, crash, internal error)."""
    sha = task.sha256 or ""
    return {
        "doc_id": sha[:16], "source": task.source, "sha256": sha, "encoding": "", "chars": 0,
        "pages": None, "report_year": None, "facts": 0, "anomalies": 0, "status": status,
        "error": error, "format": Path(task.source).suffix.lstrip(".").lower(),
        "text_quality": "", "seconds": None,
    }


def finish(task: Task, row: dict, facts: Records | list[dict], anomalies: Records | list[dict], *,
           seconds: float | None) -> Outcome:
    """Fill what only the batch knows: the content hash of unreadable files, the source."""
    if not row.get("sha256") and task.sha256:
        row["sha256"] = task.sha256
    if not row.get("doc_id") and row.get("sha256"):
        row["doc_id"] = row["sha256"][:16]
    row["source"] = task.source
    if row.get("seconds") is None and seconds is not None:
        row["seconds"] = round(seconds, 4)
    for recs in (facts, anomalies):     # every row of a document carries the document's source
        if isinstance(recs, Records):
            recs.columns["source"] = Same(task.source, len(recs))
        else:
            for rec in recs:
                rec["source"] = task.source
    row["facts"] = len(facts)
    row["anomalies"] = len(anomalies)
    return row, facts, anomalies

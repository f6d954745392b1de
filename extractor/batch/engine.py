"""Engines that run the per-document task over many files and stream the outcomes back.

- ``serial``: in this process, one after the other (``--jobs 1``);
- ``local``: a pool of worker processes (``concurrent.futures.ProcessPoolExecutor``, forkserver
  start, so workers never inherit the store's threads); the first worker loads the models (and
  with ``check_rules`` checks the rule files before any document), then forks the others, which
  start warm (on Linux; elsewhere each worker loads them itself); the caller may start the pool
  before it has tasks (``LocalPool``), so that loading overlaps its own start-up;
- ``dask``: the same task on a Dask distributed cluster (``scheduler`` address, or a
  ``LocalCluster`` of ``jobs`` single-threaded worker processes when none is given).

All three take the tasks lazily, keep at most about one chunk per worker in flight (two in the
local pool: the next waits in the queue so a worker never idles between chunks; memory stays
flat whatever the corpus size) and yield each outcome as soon as it arrives; the caller writes it
to the store. Order of outcomes is not deterministic; the exports sort.

Time limits: each document has a soft limit inside the worker (``worker.deadline``). If a worker
does not come back within the hard limit (the soft limit per document of the chunk plus a grace),
the engine gives up on it: in the local pool the worker processes are killed and the pool is
replaced; the other chunks in flight are sent again, a stuck chunk is split into single
documents, and a single document that is stuck (or kills its worker) twice becomes a
``timeout`` (or ``failed``) row. Suspect documents are re-run one at a time so that an innocent
document never pays for a guilty neighbour.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
import select
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from ..errors import RuleFileError
from .worker import (DEFAULT_PROCESSOR, Chunk, Outcome, Task, finish, first_and_fork,
                     init_worker, preflight, process_chunk, process_chunk_clocked, process_task,
                     ready, status_row, warm_up, young_threshold)

ENGINES = ("local", "dask")
DEFAULT_TIMEOUT = 120.0
POLL_SECONDS = 0.5
PREFETCH = 2    # chunks in flight per local worker

log = logging.getLogger(__name__)


class EngineError(Exception):
    """The engine could not start (Dask not installed, scheduler unreachable …)."""


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def chunked(tasks: Iterable[Task], size: int, *, total: int | None = None,
            slots: int = 1) -> Iterator[Chunk]:
    """The tasks in chunks of ``size``, in order. With ``total`` (how many tasks there are, or
    an upper bound) the chunks shrink to single tasks towards the end, once fewer than two
    chunks per slot are left: the last chunk of one worker then keeps the others idle for one
    short document, not for several."""
    chunk = Chunk()
    want = size
    taken = 0
    for t in tasks:
        if total is not None and not chunk.tasks:
            want = max(1, min(size, (total - taken) // (2 * slots)))
        chunk.tasks.append(t)
        taken += 1
        if len(chunk.tasks) >= want:
            yield chunk
            chunk = Chunk()
    if chunk.tasks:
        yield chunk


def hard_limit(chunk: Chunk, grace: float) -> float | None:
    limits = [t.timeout for t in chunk.tasks]
    if any(not x for x in limits):
        return None
    return sum(limits) + grace


def _timeout_outcome(task: Task) -> Outcome:
    row = status_row(task, "timeout",
                     f"处理超过 {task.timeout:g} 秒的时限且无法中断，已终止工作进程 "
                     f"(exceeded the time limit of {task.timeout:g} s; worker killed)")
    return finish(task, row, [], [], seconds=None)


def _crash_outcome(task: Task, reason: str) -> Outcome:
    row = status_row(task, "failed", f"工作进程异常退出 (worker process died: {reason})")
    return finish(task, row, [], [], seconds=None)


def run_tasks(tasks: Iterable[Task], *, engine: str = "local", jobs: int | None = None,
              scheduler: str | None = None, chunk_size: int = 1, grace: float = 30.0,
              check_rules: bool = False, pool: LocalPool | None = None,
              total: int | None = None, checkpoint: Callable[[], None] | None = None
              ) -> Iterator[Outcome]:
    """Yield one outcome per task, as they complete. ``total``: the number of tasks (or an
    upper bound), if known: the last chunks are then smaller (``chunked``). ``checkpoint``:
    called between documents (serial) or at each turn of the pool's loop (at least every
    POLL_SECONDS); what it raises ends the run there, the pool's workers killed (the runner's
    stop on SIGTERM).

    ``check_rules``: before the first document, run ``worker.preflight`` where the documents
    run and raise its ``RuleFileError`` here (the CLI asks for it when it does not check the
    rule files itself). ``pool``: a ``LocalPool`` started earlier by the caller (local engine,
    ``jobs`` > 1), used instead of a new one and shut down when the tasks are done."""
    jobs = jobs or default_jobs()
    if engine == "dask":
        yield from _dask(tasks, jobs=jobs, scheduler=scheduler, chunk_size=chunk_size, grace=grace,
                         total=total)
    elif engine == "local" and jobs > 1:
        yield from _local(tasks, jobs=jobs, chunk_size=chunk_size, grace=grace,
                          check_rules=check_rules, pool=pool, total=total, checkpoint=checkpoint)
    elif engine == "local":
        it = iter(tasks)
        first = next(it, None)
        if check_rules:
            _raise_rule_error(preflight(first.processor if first else DEFAULT_PROCESSOR))
        if first is None:
            return
        if first.timeout:
            warm_up(first.processor)    # loading models is not the first document's time
        yield process_task(first)
        # what the first document loaded too; the number rules held for the run (if that
        # document loaded them: another processor needs no hold)
        facts = sys.modules.get("extractor.facts")
        with _frozen_for_the_run(), (facts.rules_held() if facts else nullcontext()):
            for t in it:
                if checkpoint is not None:
                    checkpoint()
                yield process_task(t)
    else:
        raise EngineError(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})")


@contextmanager
def _frozen_for_the_run():
    """The serial engine's ``worker.settle``: what this process holds after its first document
    (the stages' rules, dictionaries and compiled patterns, loaded by the warm-up or by that
    document; the caller's own objects) is moved out of the collector's sight for the run
    (``gc.freeze``, after a collection of the young generations), so that each full collection
    walks the documents' objects only: about 100k tracked objects, 40-50 ms a full
    collection, 4-6 of them on the 25 MB benchmark. At the end they are handed back
    (``gc.unfreeze``): in a longer-lived process (a program calling ``run_batch``), what became
    cyclic garbage meanwhile is collected as before, only later. The young generation is
    collected less often meanwhile (``worker.young_threshold``), the thresholds restored at
    the end. Left alone when something else froze objects already (its freeze is not ours to
    undo)."""
    import gc

    if gc.get_freeze_count() or not gc.isenabled():
        yield
        return
    gc.collect(1)
    gc.freeze()
    before = gc.get_threshold()
    gc.set_threshold(*young_threshold())
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def _raise_rule_error(found: tuple[str, str] | None) -> None:
    if found is not None:
        path, reason = found
        raise RuleFileError(path or None, reason)


# -- local process pool -------------------------------------------------------------------------------
# The fork server imports only the worker module; the first worker imports the stages and loads
# the dictionaries and models (init_worker → warm_up), then forks the others (first_and_fork):
# one warm-up per run, and the same two copies of the warm state as two warm-ups made. Warming
# the server instead (tried: a preload module that ran warm_up) takes as long (one core, before any worker starts) and
# keeps a third copy of the dictionaries resident for the whole run (about 90 MB more over the
# process tree); importing the stages there saves each worker 0.15 s but keeps 12 MB more.
PRELOAD = ("extractor.batch.worker",)

def _console_script(path: str) -> bool:
    """``path`` is extractor's console script (``bin/extractor``), whose top level only
    imports extractor.cli and runs it."""
    name = os.path.basename(path).lower()
    return name.removesuffix(".exe").removesuffix("-script.py") == "extractor"


@contextmanager
def main_not_rerun(processor: str = DEFAULT_PROCESSOR):
    """Processes started inside this block (fork server start) do not run the parent's main
    script again when it is the ``extractor`` console script. multiprocessing re-runs the main
    script (as ``__mp_main__``) in every child it starts; for the console script that
    imported extractor.cli and typer in each worker and in the export helper, 0.07 s of CPU
    each on the way to their first document (or format), and nothing they run comes from it.
    Another main script (a user's program calling run_batch under its ``if __name__ ==
    "__main__"``) is re-run as usual: its top level may define the processor (``__main__:fn``)
    or prepare what the workers need (register a check, patch a setting).
    ``python -m extractor`` is not re-run by multiprocessing anyway (a ``__main__`` module)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if (path is None or not _console_script(path)
            or processor.partition(":")[0] in ("__main__", "__mp_main__")):
        yield
        return
    # get_preparation_data() reads __main__.__file__ when the child is started (in submit
    # for the pool's workers, in start() for a Process); without it the child skips the re-run
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


class _Scheduler:
    """Bookkeeping shared by the local and Dask loops: what to send next, what is suspect.

    A chunk that timed out or took its worker down is split into single documents marked
    suspect; a suspect runs alone, so when it fails again the verdict is certain.
    """

    def __init__(self, tasks: Iterable[Task], chunk_size: int, slots: int,
                 total: int | None = None) -> None:
        self.pending = chunked(tasks, chunk_size, total=total, slots=slots)
        self.retry: deque[tuple[Chunk, bool]] = deque()   # (chunk, suspect)
        self.slots = slots
        self.exhausted = False

    def next_chunk(self, inflight: int) -> tuple[Chunk, bool] | None:
        if self.retry:
            _, suspect = self.retry[0]
            if suspect and inflight:     # a suspect waits until it can run alone
                return None
            if inflight >= self.slots:
                return None
            return self.retry.popleft()
        if inflight >= self.slots or self.exhausted:
            return None
        chunk = next(self.pending, None)
        if chunk is None:
            self.exhausted = True
            return None
        return chunk, False

    def give_up(self, chunk: Chunk, suspect: bool, kind: str, reason: str = "") -> list[Outcome]:
        if suspect:
            return [_timeout_outcome(t) if kind == "timeout" else _crash_outcome(t, reason)
                    for t in chunk.tasks]
        self.retry.extend((Chunk([t]), True) for t in chunk.tasks)
        return []


class LocalPool:
    """The local engine's process pool, which may be started before its tasks exist.

    Loading the dictionaries and rules takes a worker 0.3-1 s; started first thing (the CLI
    does so before importing DuckDB and Arrow, opening the store and hashing the first files),
    that overlaps the parent's own start-up instead of following it. Only the first worker
    loads them: it forks the others when it is warm (``worker.first_and_fork``), and the
    first run of the pool registers them with the executor (``adopt``); a renewed pool (after
    a crash or a hang) starts all its workers from the fork server, each warming up itself. ``check_rules``: the first worker runs ``preflight`` instead of ``ready``;
    ``_local`` reads the verdict before the first document. One use: the run that takes it
    shuts it down when its tasks are done (``close`` is then a no-op), so the workers' memory
    is back before the exports."""

    def __init__(self, jobs: int, processor: str = DEFAULT_PROCESSOR, *,
                 check_rules: bool = False) -> None:
        self.ctx = mp.get_context("forkserver")
        # Ignored when the server is already running.
        self.ctx.set_forkserver_preload(list(PRELOAD))
        self.jobs = jobs
        self.processor = processor
        self.check_rules = check_rules
        self.nslots = PREFETCH * jobs + 1
        self.started = self.ctx.Array("d", self.nslots, lock=False)  # start time per slot, 0 = not started
        self.executor: ProcessPoolExecutor | None = None
        # the pids of the workers forked from the first one (first_and_fork), 0 = not yet
        self.siblings = (self.ctx.Array("i", jobs - 1, lock=False)
                         if jobs > 1 and _can_adopt() else None)
        self.calls = self._start(preflight if check_rules else ready, fork=True)

    def _start(self, first=ready, *, fork: bool = False) -> list:
        """A new executor with its workers started now: ``fork`` (the pool's first start, where
        the system allows it): one worker from the fork server, which forks the others once
        warm (``worker.first_and_fork``; ``adopt`` registers them); else all from the fork
        server, one call per worker (the pool starts a worker per submission while none is
        idle), loading their models in parallel. ``first``: the first worker's call. Returns
        the calls."""
        self.executor = ProcessPoolExecutor(max_workers=self.jobs, mp_context=self.ctx,
                                            initializer=init_worker,
                                            initargs=(self.processor, self.started, os.getpid(),
                                                      self.siblings if fork else None,
                                                      (os.environ.get("EXTRACTOR_RULES_DIR"),)))
        _widen_results_pipe(self.executor)
        with main_not_rerun(self.processor):
            if fork and self.siblings is not None:
                return [self.executor.submit(first_and_fork, first, self.processor)]
            return [self.executor.submit(first if i == 0 else ready, self.processor)
                    for i in range(self.jobs)]

    def warming(self) -> bool:
        """The first worker has not answered its first call yet: it is loading the stages
        (``worker.init_worker``), and no document can start before it has."""
        return self.executor is not None and not self.calls[0].done()

    def adopt(self) -> None:
        """Register the workers forked from the first one with the executor, once the first
        call has answered (they are all there by then: ``first_and_fork``), so that it
        watches, feeds, ends and kills them as its own. A fork that failed leaves a worker
        for the executor to start from the fork server when it needs one."""
        ex, pids, self.siblings = self.executor, self.siblings, None
        if pids is None or ex is None:
            return
        for pid in pids:
            if pid > 0 and pid not in ex._processes:
                try:
                    ex._processes[pid] = _Sibling(pid)
                except OSError:     # gone already: the executor sees one worker fewer
                    pass

    def _end_strays(self) -> None:
        """After the executor ended: forks of its first worker never adopted (the pool ended
        before the first answer) are killed, or they would wait for work until the run ends."""
        pids, self.siblings = self.siblings, None
        for pid in pids or ():
            if pid > 0:
                try:
                    _Sibling(pid).kill()
                except OSError:
                    pass

    def kill(self) -> None:
        """Kill the workers at once (a stuck chunk, a broken pool, an interrupted run)."""
        ex, self.executor = self.executor, None
        if ex is not None:
            _kill(ex)
        self._end_strays()

    def renew(self) -> ProcessPoolExecutor:
        """Fresh workers in place of the current ones (killed if still there), all started."""
        self.kill()
        self._start()
        return self.executor

    def close(self, *, kill: bool = False) -> None:
        """Shut the pool down (``kill``: without waiting for work in flight)."""
        if kill:
            self.kill()
            return
        if self.siblings is not None and self.executor is not None:
            # ended before any run adopted the first worker's forks (an interrupt while the
            # first call was awaited, a pool dropped unused): the executor would send one end
            # marker for its one known worker, which a fork may take (the executor then fails
            # on an unknown pid, and the first worker is left waiting for work), or the first
            # worker takes it and waits 5 s for its fork at exit. Its first call ends anyway
            # (the shutdown waits for it); then all the workers are known, each gets a marker.
            # A first call that failed (its worker died) may have left forks that never heard
            # of the pool's end: killed.
            wait(self.calls[:1])
            if self.calls[0].exception() is not None:
                self.kill()
                return
            self.adopt()
        ex, self.executor = self.executor, None
        if ex is not None:
            ex.shutdown(wait=True, cancel_futures=True)
        self._end_strays()

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, *exc) -> None:
        # still open here only when the run ended before or during its tasks (bad input,
        # store error, interrupt): the workers may be mid-warm-up, do not wait for them
        self.close(kill=True)


def _local(tasks: Iterable[Task], *, jobs: int, chunk_size: int, grace: float,
           check_rules: bool = False, pool: LocalPool | None = None,
           total: int | None = None, checkpoint: Callable[[], None] | None = None
           ) -> Iterator[Outcome]:
    if pool is not None and pool.executor is not None:
        jobs = pool.jobs            # the workers there are (the slots are counted from them)
    # two chunks per worker in flight: the next one waits in the pool's queue, so a worker
    # never idles while the parent collects its last result and stores a flush
    sched = _Scheduler(tasks, chunk_size, PREFETCH * jobs, total)
    if pool is None or pool.executor is None:
        pool = LocalPool(jobs, _processor_of(sched), check_rules=check_rules)
    started, nslots = pool.started, pool.nslots
    executor = pool.executor
    inflight: dict = {}   # future -> (chunk, suspect, slot)
    try:
        try:
            found = pool.calls[0].result()
            pool.adopt()        # the first worker's forks, if it made them
            if check_rules and not pool.check_rules:     # started early without the check
                found = executor.submit(preflight, pool.processor).result()
            wait(pool.calls)
        except BrokenProcessPool:   # the documents will show what is wrong, with names
            found = None
            executor = pool.renew()
        _raise_rule_error(found)
        # this process's own objects (the command line, Arrow, the store) out of the
        # collector's sight while it stores the outcomes, as the serial engine does: its
        # full collections then walk the outcomes in flight only (one of ~50k objects took
        # 10-25 ms of the CPU the workers need)
        with _frozen_for_the_run():
            while True:
                if checkpoint is not None:
                    checkpoint()
                broken = False
                while not any(s for _, s, _ in inflight.values()):   # a suspect runs alone
                    nxt = sched.next_chunk(len(inflight))
                    if nxt is None:
                        break
                    chunk, suspect = nxt
                    slot = min(set(range(nslots)) - {sl for _, _, sl in inflight.values()})
                    started[slot] = 0.0
                    try:
                        fut = executor.submit(process_chunk_clocked, chunk, slot)
                    except BrokenProcessPool:        # a worker died since the last look
                        sched.retry.appendleft((chunk, suspect))
                        broken = True
                        break
                    inflight[fut] = (chunk, suspect, slot)
                if not inflight and not broken:
                    break
                done = set()
                if inflight:
                    done, _ = wait(list(inflight), timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
                for fut in done:
                    chunk, suspect, _ = inflight.pop(fut)
                    try:
                        outs = fut.result()
                    except BrokenProcessPool as exc:
                        broken = True
                        yield from sched.give_up(chunk, suspect, "crash",
                                                 str(exc) or "the process pool broke")
                        continue
                    except Exception as exc:  # pickling trouble etc.: the chunk fails, the run goes on
                        for t in chunk.tasks:
                            yield _crash_outcome(t, f"{type(exc).__name__}: {exc}")
                        continue
                    yield from outs
                now = time.monotonic()
                stuck = [f for f, (c, _, slot) in inflight.items()
                         if (lim := hard_limit(c, grace)) is not None and started[slot] > 0
                         and now - started[slot] > lim and not f.done()]
                if stuck or broken:
                    pool.kill()
                    for fut, (chunk, suspect, _) in list(inflight.items()):
                        if fut in stuck:
                            yield from sched.give_up(chunk, suspect, "timeout")
                        elif fut.done() and not fut.cancelled() and fut.exception() is None:
                            yield from fut.result()
                        else:
                            # bystanders go again (a suspect that was not stuck stays suspect)
                            sched.retry.appendleft((chunk, suspect))
                    inflight.clear()
                    executor = pool.renew()
    finally:
        pool.close(kill=bool(inflight))


def _processor_of(sched: _Scheduler) -> str:
    """The processor of the first task (all tasks of a run share it); peeks without consuming."""
    first = next(sched.pending, None)
    if first is None:
        sched.exhausted = True
        return "extractor.pipeline:process_path"
    sched.retry.appendleft((first, False))
    return first.tasks[0].processor


def _can_adopt() -> bool:
    """Workers forked from the first one can be watched here: Linux's pidfd (kernel 5.3,
    Python 3.9), the only way to see the end of a process that is not our child."""
    if not hasattr(os, "pidfd_open") or not hasattr(signal, "pidfd_send_signal"):
        return False
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:
        return False
    return True


class _Sibling:
    """A pool worker forked from the pool's first worker (``worker.first_and_fork``), in the
    executor's table of processes where a ``multiprocessing.Process`` would be: what the
    executor and ``_kill`` use of one (pid, sentinel, is_alive, join, terminate, kill). It is
    the first worker's child, not ours: its end is seen through a pidfd (readable once it has
    exited, whoever collects it), its signals are sent through it (never to a reused pid)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.sentinel = os.pidfd_open(pid)

    def _ended(self, timeout: float | None = 0) -> bool:
        return bool(select.select([self.sentinel], [], [], timeout)[0])

    def is_alive(self) -> bool:
        return not self._ended()

    def join(self, timeout: float | None = None) -> None:
        self._ended(timeout)

    @property
    def exitcode(self) -> int | None:      # its status goes to its parent, not to us
        return None if self.is_alive() else -1

    def _signal(self, sig: int) -> None:
        try:
            signal.pidfd_send_signal(self.sentinel, sig)
        except ProcessLookupError:      # already ended
            pass

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def __del__(self) -> None:
        try:
            os.close(self.sentinel)
        except (OSError, AttributeError):
            pass


# bytes the results pipe holds (Linux; 64 KB by default): a chunk's outcomes, pickled, are
# 80-320 KB on the benchmark's input (1.1 MB at most on the corpus)
RESULTS_PIPE_BYTES = 1 << 20


def _widen_results_pipe(pool: ProcessPoolExecutor) -> None:
    """Let a worker write a chunk's outcomes into the results pipe at once. Through 64 KB it
    waited for the run's thread that reads them, a few times per chunk; that thread needs the
    GIL after each read, which the run's main thread holds while it stores a flush, so the
    worker idled between its chunks. Best effort: the pipe stays as it is where the system
    refuses (not Linux, a lower pipe-max-size, the executor's queue built otherwise)."""
    import fcntl

    try:
        fd = pool._result_queue._reader.fileno()
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, RESULTS_PIPE_BYTES)
    except (AttributeError, OSError, ValueError):
        pass


def _kill(pool: ProcessPoolExecutor) -> None:
    procs = list(getattr(pool, "_processes", {}).values())
    results = getattr(pool, "_result_queue", None)     # (shutdown drops it)
    for p in procs:
        try:
            p.kill()
        except Exception:  # already gone
            pass
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        try:
            p.join(5)
        except Exception:
            pass
    # A worker killed while it wrote an outcome leaves half a message in the results pipe: the
    # executor's manager thread then waits for the rest forever, and the interpreter's exit
    # joins that thread (a run stopped by SIGTERM hung at exit once in 15). With the workers
    # gone, our own write end of the pipe is the last one: closed, that wait ends (end of
    # file), which the thread takes for a broken pool, and it ends.
    if results is not None:
        try:
            results._writer.close()
        except Exception:  # noqa: BLE001 - closed already, or another version's queue
            pass


# -- Dask ---------------------------------------------------------------------------------------------
def _dask(tasks: Iterable[Task], *, jobs: int, scheduler: str | None, chunk_size: int,
          grace: float, total: int | None = None) -> Iterator[Outcome]:
    try:
        from distributed import Client, LocalCluster
        from distributed import wait as dwait
    except ImportError as exc:  # pragma: no cover - dask is a declared dependency of [dask]
        raise EngineError("--engine dask needs dask[distributed]: pip install 'extractor[dask]'"
                          ) from exc
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="20s")
        else:
            cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster)
    except Exception as exc:
        if cluster is not None:
            cluster.close()
        raise EngineError(f"cannot reach the Dask scheduler {scheduler or '(local cluster)'}: "
                          f"{exc}") from exc
    try:
        slots = max(1, sum(client.nthreads().values()))
        sched = _Scheduler(tasks, chunk_size, slots, total)
        try:
            client.run(warm_up, _processor_of(sched))   # model loading is not a document's time
        except Exception as exc:
            raise EngineError(f"the Dask workers cannot run extractor ({type(exc).__name__}: "
                              f"{exc}); install it on every worker") from exc
        inflight: dict = {}
        while True:
            while True:
                if any(s for _, s, _ in inflight.values()):
                    break
                nxt = sched.next_chunk(len(inflight))
                if nxt is None:
                    break
                chunk, suspect = nxt
                fut = client.submit(process_chunk, chunk, pure=False)
                inflight[fut] = (chunk, suspect, time.monotonic())
            if not inflight:
                break
            try:
                dwait(list(inflight), timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
            except Exception:  # distributed raises TimeoutError when nothing finished
                pass
            for fut in [f for f in inflight if f.done()]:
                chunk, suspect, _ = inflight.pop(fut)
                if fut.status == "finished":
                    yield from fut.result()
                else:
                    try:
                        reason = repr(fut.exception())
                    except Exception as exc:
                        reason = repr(exc)
                    yield from sched.give_up(chunk, suspect, "crash", reason)
            now = time.monotonic()
            for fut, (chunk, suspect, t0) in list(inflight.items()):
                lim = hard_limit(chunk, grace)
                if lim is not None and now - t0 > lim and not fut.done():
                    inflight.pop(fut)
                    _restart_worker_of(client, fut)
                    fut.cancel()
                    yield from sched.give_up(chunk, suspect, "timeout")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _restart_worker_of(client, fut) -> None:
    """Best effort: a worker thread stuck in C code cannot be interrupted; restart its process."""
    try:
        for addr, keys in client.processing().items():
            if fut.key in keys:
                client.restart_workers([addr])
                return
    except Exception as exc:  # older distributed, or the worker is already gone
        log.debug("could not restart the stuck Dask worker: %s", exc)

"""A batch run: inputs → engine → store (one transaction per document) → exports.

This is the library behind ``extractor run``, ``extract`` and ``check``; the CLI only parses
options, shows progress and maps the summary to an exit code.

Without ``db`` the store is a scratch store of Arrow files in a temporary folder (``scratch.py``,
removed at the end): results stream into it as they arrive, and the exports read it back in
sorted chunks, so memory stays flat for any number of documents. With ``db`` a DuckDB store
persists and makes runs resumable: a file whose content hash is already stored is skipped
(counted as ``skipped``), everything else is processed. The exports contain the documents of
this run's inputs, processed now or earlier. If the exports fail, the results are kept (a
scratch store is saved as a DuckDB store for ``--db``) and ``ExportError`` says where.
"""
from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .discover import InputFile, discover, file_sha256, smallest_last
from .engine import DEFAULT_TIMEOUT, LocalPool, default_jobs, main_not_rerun, run_tasks
from .exports import (FORMATS, XLSX_NAME, ExportError, WriteFailed, lean_memory_pool,
                      part_path, write_all)
from .schema import arrow_schema as store_schema
from .scratch import ScratchStore
from .store import Store, UnstorableValue, unstorable
from .worker import DEFAULT_PROCESSOR, Task, finish, status_row

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
TABLE_ORDER = ("facts", "anomalies", "documents")
# the cost of writing a file, to split the files over two processes (write_in_two): ns of
# CPU per row of its table (the workbook: of all three) and per file (or sheet) whatever its
# rows. Fitted at 01:20 of session 9 to write_all of one (format, table) at a time on the
# tables of the 25 MB benchmark (93,870 facts, 185 findings, 505 documents) and of the corpus
# once (18,774 / 37 / 101), best of 7-9 CPU times each: xlsx 318 / 73 ms, facts.jsonl 141 /
# 24, facts.parquet 122 / 24, facts.csv 112 / 25; the files of the two small tables 2-5 ms
# each, their rows hardly counting
EXPORT_COST = {"xlsx": 3200, "jsonl": 1400, "parquet": 1300, "csv": 1200}
FILE_COST = 3_000_000
# with several workers, this many of the smallest inputs per worker go last (smallest_last):
# more than the single-document chunks at the end of a run (engine.chunked: two per slot)
TAIL_PER_JOB = 8


class Terminated(BaseException):
    """The run was asked to stop (:func:`request_stop`; ``extractor run`` on SIGTERM). Raised by
    the run itself at its next safe point (between tasks, at each turn of the engine's loop, at
    most ``engine.POLL_SECONDS`` apart while the workers are busy, and before the exports), never
    by a signal handler: an exception raised at an arbitrary point of the main thread can land
    inside the process pool's locking and leave its shutdown waiting forever (session 4's
    SIGTERM handler hung CI that way). It unwinds like Ctrl-C: the workers are killed, a
    scratch folder is removed, a --db store keeps every document committed so far."""


# stop requests (signal numbers) for the run in progress: appended by request_stop, which a
# signal handler may call (a list append is atomic for the interpreter, and takes no lock)
_STOP: list[int] = []


def request_stop(signum: int = 15) -> None:
    """Ask the run in progress (or the next one) to end at its next safe point."""
    _STOP.append(signum)


def clear_stop() -> None:
    """Forget the stop requests (when the caller's handler is removed)."""
    _STOP.clear()


def _checkpoint() -> None:
    if _STOP:
        raise Terminated(_STOP[0])


@dataclass
class RunOptions:
    paths: Sequence[str]
    out_dir: str | None = None
    db: str | None = None
    jobs: int | None = None
    engine: str = "local"
    scheduler: str | None = None
    formats: Sequence[str] = FORMATS
    report_year: int | None = None
    bom: bool = True
    timeout: float | None = DEFAULT_TIMEOUT
    strict: bool = False
    processor: str = DEFAULT_PROCESSOR
    chunk_size: int | None = None
    grace: float = 30.0
    commit_every: int = 32          # documents per store transaction (1 = one per document)
    commit_seconds: float = 1.0     # … or whatever arrived within this time
    command: str = "run"
    exclude: Sequence[str] = ()
    check_rules: bool = False       # rule-file check where the documents run (run_tasks)


@dataclass
class RunSummary:
    inputs: int = 0
    processed: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    statuses: dict[str, int] = field(default_factory=dict)      # over this run's inputs
    severities: dict[str, int] = field(default_factory=dict)    # over this run's inputs
    written: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    run_id: int | None = None

    def line(self) -> str:
        s = f"{self.ok} ok, {self.failed} failed"
        if self.skipped:
            s += f", {self.skipped} skipped (already in the store or same content as another input)"
        return s

    def unreadable(self) -> int:
        """Inputs of this run (processed now or earlier) without an ``ok`` row."""
        return sum(n for st, n in self.statuses.items() if st != "ok")

    def findings_at_least(self, severity: str) -> int:
        rank = SEVERITY_RANK[severity]
        return sum(n for s, n in self.severities.items() if SEVERITY_RANK.get(s, -1) >= rank)


Callback = Callable[..., None]


def run_batch(opts: RunOptions, *, on_start: Callback | None = None,
              on_document: Callback | None = None, on_skip: Callback | None = None,
              export: Callable[[Store], list[Path]] | None = None,
              pool: LocalPool | None = None) -> RunSummary:
    """Process the inputs of ``opts``; ``export(store)`` (default: ``write_all`` into
    ``opts.out_dir``) runs while the store is open and restricted to this run's inputs.
    ``pool``: the local engine's workers, started by the caller before this (see ``LocalPool``).

    Callbacks: ``on_start(total)``, ``on_document(row)`` after each document is committed,
    ``on_skip(source)`` for an input already done.
    Raises ``MissingInput`` (a path does not exist), ``StoreError``, ``EngineError``.
    """
    t0 = time.perf_counter()
    # jemalloc for every Arrow buffer of the run (the store's flushes too, not only the exports):
    # the parent's resident memory while the workers run 111 -> 97 MB (--jobs 2, 25 MB input)
    lean_memory_pool()
    inputs: list[InputFile] = discover(opts.paths, opts.exclude)
    jobs = opts.jobs or default_jobs()
    if jobs > 1:    # several workers: small documents last, so none waits for a big one
        inputs = smallest_last(inputs, TAIL_PER_JOB * jobs)
    summary = RunSummary(inputs=len(inputs))
    tmpdir = None
    kept: Path | None = None
    if opts.db:
        Path(opts.db).parent.mkdir(parents=True, exist_ok=True)
        store = Store(opts.db)
    else:
        tmpdir = tempfile.mkdtemp(prefix="extractor-")
        # Arrow files, not DuckDB: flat memory for any run (scratch.py says why)
        store = ScratchStore(tmpdir)
    try:
        done = store.done_hashes()
        run_id = store.begin_run(command=opts.command, inputs=len(inputs), engine=opts.engine,
                                 jobs=jobs)
        summary.run_id = run_id
        if on_start:
            on_start(len(inputs))
        run_inputs: list[tuple[str | None, str]] = []
        processed_rows: list[dict] = []
        seen: set[str] = set()
        hashed = _hash_while_warming(inputs, pool)

        def tasks():
            for item in inputs:
                _checkpoint()       # (a stop request ends the scheduling here too)
                early = hashed.pop(item.path, None)     # (stat, hash) of the warm-up
                sha = (early[1] if early is not None and early[0] == _stat_of(item.path)
                       else file_sha256(item.path))
                run_inputs.append((sha, item.source))
                if sha is not None and (sha in done or sha in seen):
                    summary.skipped += 1
                    if on_skip:
                        on_skip(item.source)
                    continue
                if sha is not None:
                    seen.add(sha)
                # absolute path: Dask workers (and any other process) need not share our cwd
                yield Task(os.path.abspath(item.path), item.source, sha, opts.report_year,
                           opts.strict, opts.timeout, opts.processor)

        # small chunks: the last one to finish keeps the other workers waiting
        chunk = opts.chunk_size or max(1, min(4, len(inputs) // (jobs * 16)))
        pending: list = []
        pending_rows = 0
        first_at = 0.0

        def flush() -> None:
            nonlocal pending, pending_rows
            try:
                store.add_many(pending, run_id=run_id)  # whole documents, one transaction
            except UnstorableValue:     # a processor's value: its document fails, not the run
                pending = [_storable(o) for o in pending]
                store.add_many(pending, run_id=run_id)
            for row, _, _ in pending:
                processed_rows.append({"source": row["source"], "sha256": row.get("sha256")})
                summary.processed += 1
                if row.get("status") == "ok":
                    summary.ok += 1
                else:
                    summary.failed += 1
                if on_document:
                    on_document(row)
            pending, pending_rows = [], 0

        for outcome in run_tasks(tasks(), engine=opts.engine, jobs=jobs,
                                 scheduler=opts.scheduler, chunk_size=chunk, grace=opts.grace,
                                 check_rules=opts.check_rules, pool=pool, total=len(inputs),
                                 checkpoint=_checkpoint):
            if not pending:
                first_at = time.monotonic()
            pending.append(outcome)
            pending_rows += len(outcome[1]) + len(outcome[2])
            if (len(pending) >= max(1, opts.commit_every) or pending_rows >= 50_000
                    or time.monotonic() - first_at >= opts.commit_seconds):
                flush()
        flush()
        _checkpoint()       # the exports are not begun after a stop request (nor cut short)
        store.end_run(run_id, processed=summary.processed, ok=summary.ok,
                      failed=summary.failed, skipped=summary.skipped)
        # a file rewritten between our hash and the worker's read is stored under the hash of
        # what was read: select it by that hash, or it would be missing from every export
        read_as = {row["source"]: row["sha256"] for row in processed_rows if row.get("sha256")}
        store.select_inputs([(read_as.get(src) or sha, src) for sha, src in run_inputs])
        summary.statuses = store.status_counts()
        summary.severities = store.severity_counts()
        try:
            if export is not None:
                summary.written = export(store)
            elif opts.out_dir and opts.engine == "local" and jobs > 1 and len(opts.formats) > 1:
                if tmpdir is None:
                    tmpdir = tempfile.mkdtemp(prefix="extractor-")
                summary.written = write_in_two(store, opts.out_dir, opts.formats, bom=opts.bom,
                                               scratch=Path(tmpdir))
            elif opts.out_dir:
                summary.written = write_all({t: (lambda t=t: store.batches(t))
                                             for t in TABLE_ORDER},
                                            opts.out_dir, opts.formats, bom=opts.bom)
        except BrokenPipeError:     # the reader of ``-o -`` went away (| head): not a failure
            raise                   # of the exports, nothing to keep (click ends with exit 1)
        except Exception as exc:    # the processed results must not be lost with the exports
            kept, note = store.keep()
            raise ExportError(opts.out_dir, exc, kept, note) from exc
    finally:
        try:
            store.close()   # (a full disk can fail this too: the folder goes all the same)
        finally:
            if tmpdir and not (kept and Path(tmpdir) in (kept, kept.parent)):
                shutil.rmtree(tmpdir, ignore_errors=True)
    summary.seconds = time.perf_counter() - t0
    return summary


def _hash_while_warming(inputs: Sequence[InputFile], pool: LocalPool | None
                        ) -> dict[str, tuple]:
    """The content hashes (``file_sha256``) of the first inputs, path -> (``_stat_of``, hash)
    (the stat taken before the hash), taken while the pool's first worker loads the stages
    (``LocalPool.warming``), in the order the tasks take them. This process has nothing else
    to do then (0.15-0.2 s on the benchmark's input, a core idle), and each hash taken now is
    CPU it no longer takes from the two workers once the documents run (``tasks`` hashed a
    file when its chunk was scheduled: 0.02-0.03 CPU s for the 505 files of the 25 MB input,
    all hashed in the warm-up). The same hash either way: a file is hashed once, before its
    task exists, as before; what the worker reads is hashed again there (``read_as``). Stops
    at once when the worker is ready, or on a stop request."""
    hashed: dict[str, tuple] = {}
    if pool is None:
        return hashed
    for item in inputs:
        if not pool.warming():
            break
        _checkpoint()
        if item.path not in hashed:
            st = _stat_of(item.path)
            if st is not None:      # (a file that cannot be stat'ed is hashed when scheduled)
                hashed[item.path] = (st, file_sha256(item.path))
    return hashed


def _stat_of(path: str) -> tuple | None:
    """What changes when a file is rewritten or replaced (inode, size, times), or None.
    A hash taken in the warm-up is used for the file's task only if this is unchanged when
    the task is made: the documents can run for minutes after the warm-up, and a file of
    the store edited meanwhile was skipped as done with its old content's rows."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _storable(outcome: tuple) -> tuple:
    """``outcome``, or, when its rows hold a value that no column of the store can hold (a
    user's processor returned a text with a lone surrogate, an int beyond int64 …), a failed
    document without rows in its place, its error naming the column and the value."""
    row = outcome[0]
    bad = unstorable(*outcome)
    if bad is None:
        return outcome
    sha = row.get("sha256")
    # a file name that is not UTF-8 (its bytes decoded as surrogates) is shown escaped: the
    # documents row must be storable itself
    source = row["source"].encode("utf-8", "surrogateescape" if _surrogate_escaped(row["source"])
                                  else "backslashreplace").decode("utf-8", "backslashreplace")
    task = Task(source, source,
                sha if isinstance(sha, str) and sha.isascii() and sha.isalnum() else None)
    if (bad.table, bad.column) == ("documents", "source"):
        error = "文件名不是 UTF-8 编码，无法保存 (the file name is not UTF-8: rename the file)"
    else:
        error = f"结果无法保存 (the results cannot be stored: {bad})"
    failed = status_row(task, "failed", error)
    return finish(task, failed, [], [], seconds=None)


def _surrogate_escaped(text: str) -> bool:
    """``text`` holds no surrogates but those of undecodable bytes (``os.fsdecode``)."""
    try:
        text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return False
    return True


# -- exports on two cores ---------------------------------------------------------------------------
def write_in_two(store: Store, out_dir: str | Path, formats: Sequence[str], *, bom: bool,
                 scratch: Path) -> list[Path]:
    """``write_all`` of every table in every format, split over this process and one helper
    process (with ``--jobs`` > 1 the workers are done by now and a core is free).

    The files are split into two groups of about equal cost (``split_exports``: the workbook
    is one file, each table of another format one file); each process writes its group with
    one ``write_all``, so it reads each table it needs once for all its files. Both read the tables themselves: a scratch store's own Arrow files
    (``ScratchStore.reader``), or else (a DuckDB store) Arrow stream files in ``scratch``, into
    which the store's tables are read once, sorted; the store is closed before the writing.
    Returns the files in ``write_all``'s order.

    The helper of a scratch store is a fork of this process (Linux): it has the writers
    imported and starts writing at once, where a process of the pool's fork server first
    imported them (0.14 s, the helper's group then ended last). A DuckDB store's process keeps
    the fork server (DuckDB's threads are not to be forked)."""
    import multiprocessing as mp

    # the pool's fork server for a DuckDB store: no DuckDB threads inherited
    ctx = mp.get_context("fork" if isinstance(store, ScratchStore) and _can_fork()
                         else "forkserver")
    mine, theirs = ctx.Pipe()
    helper = None
    their_files: dict[str, tuple[str, ...]] = {}
    helper_done = False
    try:
        if isinstance(store, ScratchStore):
            # its files are already in export order, source by source: no copy to make (the
            # copy of the 25 MB benchmark's tables was 0.07 CPU s and ~20 MB written)
            tables = store.reader()
            rows = store.counts()
        else:
            helper = ctx.Process(target=_export_helper, name="extractor-export", daemon=True,
                                 args=(theirs, str(out_dir), bom))
            with main_not_rerun():
                helper.start()              # it imports the writers meanwhile
            files, rows = {}, {}
            for t in TABLE_ORDER:
                files[t] = scratch / f"{t}.arrows"
                rows[t] = _spill(store.batches(t), store_schema(t), files[t])
            tables = _Spilled(files)
        # the store is not read again: closing it now returns DuckDB's buffers (a --db
        # store's rows live in them) before both processes write
        store.close()
        my_files, their_files = split_exports(formats, rows)
        if helper is None:
            # a fork has the tables as they are here: nothing to send (multiprocessing flushes
            # our stdio buffers first, or the fork would write what is pending again)
            helper = ctx.Process(target=_export_helper, name="extractor-export", daemon=True,
                                 args=(theirs, str(out_dir), bom, their_files, tables, mine))
            helper.start()
        else:
            mine.send((their_files, tables))
        theirs.close()
        failed = None
        try:
            written = _write_group(tables, str(out_dir), my_files, bom)
        except WriteFailed as exc:  # a file of ours: the helper's files are written all the
            failed, written = exc, []   # same (stopped, they were removed unfinished)
        try:
            status, payload = mine.recv()
        except EOFError:
            raise RuntimeError(f"the export process died (exit code {helper.exitcode})") from None
        if status == "write_failed":    # a file the helper could not write: named as with
            other = _write_failed(*payload)  # --jobs 1, not wrapped in the helper's failure
            if failed is None:
                raise other
            raise WriteFailed(failed.path, failed.cause,
                              [*failed.others, other.path, *other.others]) from failed.cause
        if status != "ok":
            raise RuntimeError(f"the export process failed: {payload}")
        if failed is not None:
            raise failed
        written += payload
        helper.join()
        helper_done = True
    finally:
        if helper is not None and not helper_done:
            if helper.is_alive():
                _stop_helper(helper)
            # killed before it unwound (a long C call; a loaded machine) or dead by itself (the
            # OOM killer's SIGKILL: "the export process died"): its unfinished files are
            # removed here, as its own unwinding would have (after which none is left)
            for path in _files_of(out_dir, their_files):
                part_path(path).unlink(missing_ok=True)
        mine.close()
        theirs.close()
    rank = {fmt: i for i, fmt in enumerate(formats)}
    table_rank = {t: i for i, t in enumerate(TABLE_ORDER)}
    # write_all's order: by format, then by table (the workbook is one file)
    return sorted(written, key=lambda p: (rank[p.suffix[1:]], table_rank.get(p.stem, 0)))


# seconds the export helper has to end once asked to stop (writing stopped, its .part files
# removed) before it is killed
HELPER_STOP_WAIT = 2.0
# the signal that asks the export helper to stop: its own (SIGINT may be ignored, as in a run
# started in the background by a shell, and SIGTERM only records a stop request in a fork)
HELPER_STOP = signal.SIGUSR1


class _Stopped(Exception):
    """The export helper was asked to stop (``HELPER_STOP``)."""


def _stop_writing(signum, frame):
    # once: a second signal (Ctrl-C reaches the helper, then the run's HELPER_STOP) must not
    # cut short the unwinding that removes the files begun. (A handler that does nothing, not
    # SIG_IGN: a signal already received would then be reported as "ignored due to race
    # condition" on stderr.)
    signal.signal(HELPER_STOP, _stopping)
    signal.signal(signal.SIGINT, _stopping)
    raise _Stopped("the run stopped its exports")


def _stopping(signum, frame):
    pass


def _stop_helper(helper) -> None:
    """Stop the export helper when this process's exports failed or were interrupted:
    ``HELPER_STOP`` first, so that it unwinds (the files it has begun are removed,
    ``exports._Atomic``), then SIGKILL if it has not ended in time (a long C call). Killed at
    once, a fork of the run, which begins its files as soon as it exists, left its ``.part``
    files in the output folder; killed after all, it may leave them: the caller removes them."""
    try:
        os.kill(helper.pid, HELPER_STOP)
    except OSError:     # gone already
        pass
    helper.join(HELPER_STOP_WAIT)
    if helper.is_alive():
        helper.kill()
        helper.join()


def _files_of(out_dir: str | Path, group: dict[str, tuple[str, ...]]) -> list[Path]:
    """The paths ``write_all`` gives the files of ``group`` (format → tables) in ``out_dir``."""
    out = Path(out_dir)
    return [out / XLSX_NAME if fmt == "xlsx" else out / f"{t}.{fmt}"
            for fmt, tables in group.items() for t in (("",) if fmt == "xlsx" else tables)]


def split_exports(formats: Sequence[str], rows: dict[str, int]
                  ) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """The files of ``formats`` in two groups whose costs (``EXPORT_COST`` per row of
    ``rows``, the tables' row counts, plus ``FILE_COST`` per file) are as close as can be, the
    dearer one first (this process's: it starts writing first). A group is a format's tables
    by format, both in the order given (``write_all``'s ``only``); the workbook is one file of
    every table. Each file in exactly one group; both groups have files when there are two."""
    files = [(fmt, TABLE_ORDER) if fmt == "xlsx" else (fmt, (t,))
             for fmt in dict.fromkeys(formats) for t in (("",) if fmt == "xlsx" else TABLE_ORDER)]
    cost = [EXPORT_COST.get(fmt, 1000) * sum(max(0, rows.get(t, 0)) for t in tables)
            + FILE_COST * len(tables) for fmt, tables in files]
    total = sum(cost)
    # the cost of every subset (bit i: file i), each from a smaller one: at most 2^10 sums
    part = [0] * (1 << len(files))
    for m in range(1, len(part)):
        low = m & -m
        part[m] = part[m ^ low] + cost[low.bit_length() - 1]
    # every split but the one-sided ones (when there are two files or more): the dearer
    # group's cost decides, then the mask (deterministic)
    masks = range(1, len(part) - 1) if len(files) > 1 else range(len(part))
    mask = min(masks, key=lambda m: (max(part[m], total - part[m]), m))
    if part[mask] < total - part[mask]:
        mask ^= len(part) - 1

    def group(take: bool) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for i, (fmt, tables) in enumerate(files):
            if bool(mask >> i & 1) == take:
                out[fmt] = out.get(fmt, ()) + tables
        return out

    return group(True), group(False)


def _can_fork() -> bool:
    """This process may be forked for the export helper: Linux (fork is unsafe on macOS, and
    absent on Windows)."""
    import multiprocessing as mp

    return sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods()


def _spill(batches, schema, path: Path) -> int:
    """``batches`` into the Arrow stream file ``path``; returns the number of rows."""
    import pyarrow as pa

    n = 0
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
        for b in batches:
            writer.write_batch(b)
            n += b.num_rows
    return n


class _Spilled:
    """Tables spilled into Arrow stream files (``_spill``), read back one batch at a time
    (read, not memory-mapped: resident memory stays about one batch whatever the size)."""

    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files

    def batches(self, table: str):
        import pyarrow as pa

        with pa.OSFile(str(self.files[table]), "rb") as src:
            yield from pa.ipc.open_stream(src)


def _write_group(source, out_dir: str, files: dict[str, Sequence[str]], bom: bool
                 ) -> list[Path]:
    """``write_all`` of ``files``, each format's tables (``split_exports``; none: nothing);
    ``source.batches(table)`` gives a table's rows (a ``ScratchReader`` or ``_Spilled``)."""
    if not files:
        return []
    return write_all({t: (lambda t=t: source.batches(t)) for t in TABLE_ORDER}, out_dir,
                     list(files), bom=bom, only=files)


def _write_failed(path: str, errno: int | None, reason: str, filename: str | None,
                  others: list[str]) -> WriteFailed:
    """The export helper's WriteFailed again in the run (an exception with its own __init__
    does not survive pickling): OSError(errno, reason, filename) is the same subclass, with the
    same message, as the helper's (IsADirectoryError for EISDIR …)."""
    cause = OSError(errno, reason, filename) if errno is not None else OSError(reason)
    return WriteFailed(Path(path), cause, [Path(p) for p in others])


def _export_helper(conn, out_dir: str, bom: bool, files: dict | None = None, source=None,
                   other_end=None) -> None:
    """The export helper's process: ``write_all`` of ``files`` (``split_exports``), the files
    written (or the error) sent back through ``conn``. From the fork server it receives its
    files and the tables there (the split waits for the spill's row counts); a fork of the
    run (``source`` given) has them, and the run's end of the pipe (``other_end``),
    closed here so that the pipe ends with the run. ``HELPER_STOP`` (``_stop_helper``) ends
    the writing, which removes the unfinished files."""
    try:
        signal.signal(HELPER_STOP, _stop_writing)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _stop_writing)     # Ctrl-C, once too
        if source is None:
            from .exports import lean_memory_pool  # the writers imported before the files come

            lean_memory_pool()
            files, source = conn.recv()
        else:
            # (a fork keeps the run's SIGTERM handler, which only records a stop request: the
            # exports are not cut short, as with --jobs 1, where SIGTERM waits for them too)
            other_end.close()
        conn.send(("ok", _write_group(source, out_dir, files, bom)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises
        try:
            if isinstance(exc, WriteFailed):
                c = exc.cause
                conn.send(("write_failed", (str(exc.path), c.errno, c.strerror or str(c),
                                            c.filename, [str(p) for p in exc.others])))
            else:
                conn.send(("error", f"{type(exc).__name__}: {exc}"))
        except Exception:
            pass
    finally:
        conn.close()

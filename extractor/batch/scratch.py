"""The store of a run without ``--db``: Arrow IPC files in the run's temporary folder.

Such a run keeps nothing after its exports, so it needs no database, only the rows in the
exports' order. Each flush of documents (``add_many``) is sorted in that order (``ORDER_BY``:
by source first) and appended to one Arrow IPC file per table; an index in memory (a few numbers
per document) says which rows of which batches hold a source's rows. The sources of a flush
that sort after every source of the earlier shared batches (all of them when the documents come
in path order, most of them with several workers) are written as ONE batch, shared by those
sources; the others (documents that came late) one batch per source. The exports read the
sources in order, and hand on batches of ``rows`` rows: the rows and order of
``Store.batches`` (a global ``ORDER BY``) without a global sort. The shared batches hold ever
greater sources, so reading in source order reads each of them once, keeping one at a time:
the resident memory of one flush whatever the number of documents.

Why not the DuckDB store here: its library and connection cost the run's parent process 48 MB,
and its sorted read for the exports filled the buffer pool (+87 MB for 94k facts; at 750k facts
the whole 256 MB, 607 MB peak for the run), while a smaller pool failed that read ("failed to
pin block"). Appending a batch is also cheaper than a DuckDB transaction.

If the exports fail, :meth:`ScratchStore.save_as` writes the rows into a DuckDB store file that
a run with ``--db`` takes up without processing the documents again.
"""
from __future__ import annotations

import shutil
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .exports import _bool_array
from .schema import ORDER_BY, TABLES, arrow_schema
from .store import _arrow_of, _build

_FILES = {t: f"{t}.arrow" for t in TABLES}
_WRITE_BUFFER = 1 << 18


class ScratchStore:
    """``ScratchStore(folder)``: the rows of one run in ``folder`` (which must exist); the same
    methods as :class:`~extractor.batch.store.Store` that a run uses."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._schemas = {t: arrow_schema(t) for t in TABLES}
        self._sinks: dict = {}
        self._writers: dict = {}
        self._nbatches = {t: 0 for t in TABLES}
        self._rows = {t: 0 for t in TABLES}
        # table -> source -> (batch number, first row, rows) of each part of its rows
        self._index: dict[str, dict[str, list[tuple[int, int, int]]]] = {t: {} for t in TABLES}
        # table -> the batches shared by several sources, and the greatest source in them
        self._shared: dict[str, set[int]] = {t: set() for t in TABLES}
        self._top: dict[str, str | None] = {t: None for t in TABLES}
        # every stored document: (source, sha256, doc_id, status)
        self._docs: list[tuple[str, str, str, str]] = []
        self._severities: dict[tuple[str, str], Counter] = {}   # (doc_id, source) -> counts
        self._selected: set[int] | None = None     # indices into _docs; None: all
        self._run: dict | None = None
        self._closed = False

    # -- the Store methods a run calls --------------------------------------------------------
    def close(self) -> None:
        """Finish the files (they stay until the folder is removed); reading reopens them."""
        self._finish_files()

    def __enter__(self) -> ScratchStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def done_hashes(self) -> set[str]:
        return {sha for _, sha, _, _ in self._docs if sha}

    def begin_run(self, *, command: str, inputs: int, engine: str, jobs: int) -> int:
        self._run = {"command": command, "inputs": inputs, "engine": engine, "jobs": jobs}
        return 1

    def end_run(self, run_id: int, *, processed: int, ok: int, failed: int, skipped: int) -> None:
        if self._run is not None:
            self._run["end"] = {"processed": processed, "ok": ok, "failed": failed,
                                "skipped": skipped}

    def add(self, row: dict, facts, anomalies, *, run_id: int | None = None) -> None:
        self.add_many([(row, facts, anomalies)], run_id=run_id)

    def add_many(self, outcomes: list, *, run_id: int | None = None) -> None:
        """Append whole documents (row, facts, findings): the same typed rows as
        ``Store.add_many`` (``_arrow_of``), each table sorted in export order and written one
        batch per source. Two documents with the same source (two inputs named alike) are both
        kept, as ``Store.add_many`` keeps them when they arrive in one transaction."""
        if not outcomes:
            return
        if self._closed:
            raise RuntimeError("the scratch store is closed")
        # in source order (stable: two inputs named alike stay in arrival order), so the rows
        # usually need no reordering in _sorted (the result is the same either way)
        outcomes = sorted(outcomes, key=_source_of)
        # every table converted before anything is kept: a value no column holds
        # (UnstorableValue) leaves the store as it was, for the flush to be stored again
        docs = _arrow_of("documents", [[o[0] for o in outcomes]])
        facts = _arrow_of("facts", [o[1] for o in outcomes])
        anomalies = _arrow_of("anomalies", [o[2] for o in outcomes])
        keys = zip(*(docs.column(c).to_pylist() for c in ("source", "sha256", "doc_id",
                                                           "status")))
        self._docs.extend(keys)
        if anomalies.num_rows:
            for key, n in Counter(zip(anomalies.column("doc_id").to_pylist(),
                                      anomalies.column("source").to_pylist(),
                                      anomalies.column("severity").to_pylist())).items():
                self._severities.setdefault(key[:2], Counter())[key[2]] += n
        self._append("documents", docs)
        self._append("facts", facts)
        self._append("anomalies", anomalies)

    def select_inputs(self, inputs: Iterable[tuple[str | None, str]]) -> None:
        """Restrict :meth:`batches` to the given (sha256, source) inputs, as ``Store`` does: a
        file by its content hash, one that could not be opened (no hash) by its source."""
        shas, unopened = set(), set()
        for sha, src in inputs:
            if sha:
                shas.add(sha)
            else:
                unopened.add(src)
        self._selected = {i for i, (src, sha, _, _) in enumerate(self._docs)
                          if (sha and sha in shas) or (not sha and src in unopened)}

    def counts(self) -> dict[str, int]:
        return dict(self._rows)

    def status_counts(self) -> dict[str, int]:
        return dict(Counter(self._docs[i][3] for i in self._chosen()))

    def severity_counts(self) -> dict[str, int]:
        total: Counter = Counter()
        for key in {(self._docs[i][2], self._docs[i][0]) for i in self._chosen()}:
            total.update(self._severities.get(key, ()))
        return dict(total)

    def batches(self, table: str, *, rows: int = 10_000) -> Iterator[pa.RecordBatch]:
        """The table's rows (of the selected inputs) in export order, as typed Arrow batches of
        ``rows`` rows (the last one shorter), as ``Store.batches`` gives them."""
        yield from self.reader().batches(table, rows=rows)

    def reader(self) -> ScratchReader:
        """The files finished and what reading them needs (``ScratchReader``), for this
        process or another one: the export helper of ``runner.write_in_two`` reads the files
        itself instead of a copy of every table."""
        self._finish_files()
        chosen = self._chosen()
        # rows of documents that are not selected (never in a run's own scratch store, whose
        # documents are all its inputs) are dropped by (doc_id, source), as Store's join does
        keep = None
        if len(chosen) < len(self._docs):
            keep = ({(self._docs[i][1], self._docs[i][0]) for i in chosen},    # sha256
                    {(self._docs[i][2], self._docs[i][0]) for i in chosen})    # doc_id
        return ScratchReader(self.folder, sorted({self._docs[i][0] for i in chosen}),
                             {t: {s: list(n) for s, n in self._index[t].items()}
                              for t in TABLES}, keep,
                             {t: set(self._shared[t]) for t in TABLES})

    def table(self, table: str) -> pa.Table:
        return pa.Table.from_batches(list(self.batches(table)), schema=self._schemas[table])

    # -- keeping the results when the exports fail ----------------------------------------------
    def save_as(self, path: str | Path) -> Path:
        """Write every stored row into a new DuckDB store file at ``path`` (one transaction, as
        a run with ``--db`` would have stored them, this run recorded in ``runs``), so that
        ``extractor run`` with the same inputs and ``--db path`` writes the tables without
        processing the documents again."""
        from .store import Store

        self._finish_files()
        path = Path(path)
        run = self._run or {"command": "run", "inputs": len(self._docs), "engine": "local",
                            "jobs": 1}
        with Store(path, spill_dir=path.parent) as store:
            run_id = store.begin_run(command=run["command"], inputs=run["inputs"],
                                     engine=run["engine"], jobs=run["jobs"])

            def stored(table):
                if not self._nbatches[table]:
                    return
                with pa.OSFile(str(self.folder / _FILES[table]), "rb") as src:
                    reader = pa.ipc.open_file(src)
                    for i in range(reader.num_record_batches):
                        b = reader.get_batch(i)
                        if table == "documents":
                            b = b.append_column("run_id", _build([run_id] * b.num_rows,
                                                                 pa.int64()))
                        yield b
            store.insert_batches({t: stored(t) for t in TABLES})
            end = run.get("end") or {"processed": len(self._docs), "ok": 0, "failed": 0,
                                     "skipped": 0}
            store.end_run(run_id, **end)
        return path

    def keep(self) -> tuple[Path | None, str]:
        """After a failed export: the rows as a DuckDB store ``results.duckdb`` in the folder
        (the IPC files removed), or, if that cannot be written, the IPC files themselves.
        Returns (where, a note on what went wrong)."""
        target = self.folder / "results.duckdb"
        try:
            self.save_as(target)
        except Exception as exc:   # noqa: BLE001 - the export's error is the one reported
            for p in (target, target.with_name(target.name + ".wal")):
                p.unlink(missing_ok=True)
            return self.folder, (f"as Arrow IPC files ({', '.join(_FILES.values())}); "
                                 f"a DuckDB store could not be written: {exc}")
        for p in self.folder.iterdir():
            if p != target:
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
        return target, ""

    # -- files ------------------------------------------------------------------------------------
    def _append(self, table: str, tab: pa.Table) -> None:
        if not tab.num_rows:
            return
        tab = _sorted(tab, table).combine_chunks()
        self._rows[table] += tab.num_rows
        w = self._writers.get(table)
        if w is None:
            # buffered: the IPC writer writes each buffer of a batch on its own (~100 write
            # calls per source and table); 15 of the store's ~80 ms on the corpus were those
            # system calls
            sink = self._sinks[table] = pa.BufferedOutputStream(
                pa.OSFile(str(self.folder / _FILES[table]), "wb"), _WRITE_BUFFER)
            w = self._writers[table] = pa.ipc.new_file(sink, self._schemas[table])
        # sorted by source first: value_counts lists each source once, in order of appearance
        counts = pc.value_counts(tab.column("source").combine_chunks())
        sizes = np.frombuffer(counts.field("counts").buffers()[1], np.int64, len(counts),
                              counts.offset).tolist()
        sources = counts.field("values").to_pylist()
        index = self._index[table]
        # the sources after every source of the shared batches so far: one batch (a suffix of
        # the flush; Python's order of str is the byte order of their UTF-8, Arrow's order)
        top = self._top[table]
        first = 0 if top is None else bisect_right(sources, top)
        at = 0
        for source, n in zip(sources[:first], sizes):      # one batch per source
            w.write_batch(tab.slice(at, n).to_batches()[0])
            index.setdefault(source, []).append((self._nbatches[table], 0, n))
            self._nbatches[table] += 1
            at += n
        if first < len(sources):
            number = self._nbatches[table]
            w.write_batch(tab.slice(at).to_batches()[0])
            start = at
            for source, n in zip(sources[first:], sizes[first:]):
                index.setdefault(source, []).append((number, at - start, n))
                at += n
            self._shared[table].add(number)
            self._top[table] = sources[-1]
            self._nbatches[table] += 1

    def _finish_files(self) -> None:
        """Close the writers (an IPC file is readable once its footer is written); a table
        without rows has no file."""
        for w in self._writers.values():
            w.close()
        for s in self._sinks.values():
            s.close()
        self._writers.clear()
        self._sinks.clear()
        self._closed = True

    def _chosen(self) -> list[int]:
        if self._selected is None:
            return list(range(len(self._docs)))
        return sorted(self._selected)


class ScratchReader:
    """The rows of a finished scratch store (``ScratchStore.reader``), read from its IPC files:
    picklable (a folder, the selected sources, the index of batches, the selection), so any
    process on the machine can read them while the folder is there."""

    def __init__(self, folder: Path, sources: list[str],
                 index: dict[str, dict[str, list[tuple[int, int, int]]]],
                 keep: tuple[set, set] | None, shared: dict[str, set[int]]) -> None:
        self.folder = Path(folder)
        self.sources = sources          # of the selected documents, in export order
        self.index = index              # table -> source -> (batch, first row, rows) of parts
        self.keep = keep                # (sha256, source) and (doc_id, source) kept, or None
        self.shared = shared            # table -> the batches shared by several sources

    def batches(self, table: str, *, rows: int = 10_000) -> Iterator[pa.RecordBatch]:
        """``ScratchStore.batches``: the sources in order, the rows of consecutive sources of
        one batch taken as one slice."""
        where = self.index[table]
        if not where:                   # no rows: no file
            return
        schema = arrow_schema(table)
        shared = self.shared[table]
        keep = None if self.keep is None else self.keep[0 if table == "documents" else 1]
        held: list = [None, None]       # the shared batch read last: [number, batch]
        # the rows to hand on: [batch, first row, rows], consecutive rows of a batch merged
        pending: list[list] = []
        have = 0
        with pa.OSFile(str(self.folder / _FILES[table]), "rb") as src:
            reader = pa.ipc.open_file(src)

            def batch(number: int) -> pa.RecordBatch:
                if number not in shared:
                    return reader.get_batch(number)
                if held[0] != number:   # the shared batches come in order: each read once
                    held[:] = number, reader.get_batch(number)
                return held[1]

            def merged(group: list[pa.RecordBatch]) -> list:
                # the sources of the group follow each other in export order, and the sort
                # is by source first: one sort for all of them
                tab = _sorted(pa.Table.from_batches(group, schema=schema), table)
                part = tab.combine_chunks().to_batches()[0]
                return [part, 0, part.num_rows]

            def pieces() -> Iterator[list]:
                """[batch, first row, rows] of each source in order; the sources that came in
                several flushes (two inputs named alike) merged in groups of ``rows`` rows."""
                group: list[pa.RecordBatch] = []
                grouped = 0
                for source in self.sources:
                    parts = where.get(source)
                    if not parts:
                        continue
                    if len(parts) > 1:
                        group += [batch(n).slice(at, k) for n, at, k in parts]
                        grouped += sum(k for _, _, k in parts)
                        if grouped < rows:
                            continue
                    if group:
                        yield merged(group)
                        group, grouped = [], 0
                    if len(parts) == 1:
                        n, at, k = parts[0]
                        yield [batch(n), at, k]
                if group:
                    yield merged(group)

            for piece in pieces():
                if keep is not None:
                    part = _only(piece[0].slice(piece[1], piece[2]), keep, table)
                    piece = [part, 0, part.num_rows]
                last = pending[-1] if pending else None
                if last is not None and last[0] is piece[0] and last[1] + last[2] == piece[1]:
                    last[2] += piece[2]
                else:
                    pending.append(piece)
                have += piece[2]
                while have >= rows:
                    whole = _concat([b.slice(at, k) for b, at, k in pending])
                    yield whole.slice(0, rows)
                    rest = whole.slice(rows)
                    pending, have = ([[rest, 0, rest.num_rows]] if rest.num_rows else []), \
                        rest.num_rows
            if have:
                yield _concat([b.slice(at, k) for b, at, k in pending])


def _source_of(outcome) -> str:
    return outcome[0].get("source") or ""


def _sorted(tab: pa.Table, table: str) -> pa.Table:
    """``tab`` in export order: ``ORDER BY`` of ``Store.query`` (byte order of the text, which
    is DuckDB's default collation; nulls last, DuckDB's default)."""
    # nulls last is sort_indices' default (null_placement="at_end")
    idx = pc.sort_indices(tab, sort_keys=[(c, "ascending") for c in ORDER_BY[table]])
    # rows already in order (add_many hands them so, a document's facts come in order) are
    # not copied: the take was 5 of the 6.5 ms of sorting the corpus's facts
    n = len(idx)
    if not n or np.array_equal(np.frombuffer(idx.buffers()[1], np.uint64, n, idx.offset * 8),
                               np.arange(n, dtype=np.uint64)):
        return tab
    return tab.take(idx)


def _concat(batches: list[pa.RecordBatch]) -> pa.RecordBatch:
    """One batch of several (pa.concat_batches is pyarrow >= 19; the project takes >= 15)."""
    if len(batches) == 1:
        return batches[0]
    return pa.Table.from_batches(batches).combine_chunks().to_batches()[0]


def _only(batch: pa.RecordBatch, keep: set[tuple[str, str]], table: str) -> pa.RecordBatch:
    """The rows of ``batch`` whose (doc_id, source) is in ``keep``; documents: whose (sha256,
    source) is (the keys of ``Store``'s joins)."""
    first = "sha256" if table == "documents" else "doc_id"
    pairs = zip(batch.column(first).to_pylist(), batch.column("source").to_pylist())
    mask = np.fromiter((p in keep for p in pairs), dtype=bool, count=batch.num_rows)
    return batch if mask.all() else batch.filter(_bool_array(mask))

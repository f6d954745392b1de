"""The DuckDB store of a batch: documents, facts, anomalies and runs in one file.

- ``documents`` is keyed by the content hash (``sha256``): a file whose content is already in the
  store is not processed again, whatever its name; a file whose content changed is processed again
  and its old rows (same ``source``, other hash) are replaced.
- Each document's rows (its documents row, facts and anomalies, and the removal of a superseded
  version) are written in ONE transaction, so a run killed at any moment (``kill -9``) leaves
  either all of a document or nothing; the next run finishes the rest.
- Files that could not be read are documents rows with their status and error; they are tried
  again only when their content changes (or, if they could not even be opened, on every run).
- One process writes (the parent of the workers); DuckDB's file lock refuses a second writer.
"""
from __future__ import annotations

import datetime as _dt
import glob
import os
import re
from array import array
from collections.abc import Iterable, Iterator
from itertools import repeat
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..table import SEP, Floats, Records, Same, Texts
from .schema import ORDER_BY, TABLE_COLUMNS, TABLES, _coerce, arrow_schema, duckdb_type

SCHEMA_VERSION = 1
# DuckDB's buffer pool: stored blocks are on disk (or spilled to the temporary folder), so a
# bounded cache keeps the writer's memory flat for any archive. 64 MB was too small: the sorted
# read for the exports of 200 MB of reports (750k facts) failed with "failed to pin block"; DuckDB
# only takes what a run needs, so small runs stay small.
MEMORY_LIMIT = "256MB"


class StoreError(Exception):
    """The store file cannot be opened (locked by another run, not a DuckDB file, …)."""


class UnstorableValue(ValueError):
    """A value that its table's column cannot hold (a user's processor returned a text with a
    lone surrogate, which UTF-8 cannot encode, or an int beyond int64 …): raised by the
    conversion of a flush, before the store has changed. ``runner`` then stores the flush
    again with each document that holds such a value as a failed document
    (``unstorable_in``)."""

    def __init__(self, table: str, column: str, reason: str) -> None:
        super().__init__(f"{table}.{column}: {reason}")
        self.table, self.column, self.reason = table, column, reason


class Store:
    """``Store(path)``: the persistent store (``--db``) or a run's scratch file. ``spill_dir``:
    where DuckDB spills beyond ``MEMORY_LIMIT``. ``Store(None)`` is in memory, for small
    in-process uses only: an in-memory database keeps its tables within the memory limit."""

    def __init__(self, path: str | Path | None, *, spill_dir: str | Path | None = None) -> None:
        # imported here: a run without --db stores into Arrow files (scratch.py) and does not
        # load DuckDB at all (about 48 MB of resident memory with a connection)
        import duckdb

        self.path = str(path) if path is not None else ":memory:"
        try:
            if (path is not None and not self.path.startswith((":memory:", "md:"))
                    and not os.path.exists(self.path)):
                _create_file(self.path)
            self.con = duckdb.connect(self.path)
        except duckdb.Error as exc:
            raise StoreError(f"{self.path}: cannot open the DuckDB store ({exc})") from exc
        self.con.execute("SET enable_progress_bar = false")   # our own progress is on stderr
        self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        if spill_dir is not None:
            self.con.execute("SET temp_directory = ?", [str(spill_dir)])
        # one thread: the inserts are small and the workers need the cores; more threads only
        # add buffers (memory) and synchronisation
        self.con.execute("SET threads = 1")
        self._create()

    # -- schema -------------------------------------------------------------------------------
    def _create(self) -> None:
        _create_tables(self.con)

    def close(self) -> None:
        self.con.close()

    def keep(self) -> tuple[Path | None, str]:
        """Where this store's rows stay after a failed export (for ``ExportError``)."""
        if self.path == ":memory:":
            return None, "the store was in memory"
        return Path(self.path), ""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- runs ---------------------------------------------------------------------------------
    def begin_run(self, *, command: str, inputs: int, engine: str, jobs: int) -> int:
        run_id = self.con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchall()[0][0]
        self.con.execute("INSERT INTO runs VALUES (?, ?, NULL, ?, ?, 0, 0, 0, 0, ?, ?, ?)",
                         [run_id, _now(), command, inputs, engine, jobs, SCHEMA_VERSION])
        return run_id

    def end_run(self, run_id: int, *, processed: int, ok: int, failed: int, skipped: int) -> None:
        self.con.execute("UPDATE runs SET finished = ?, processed = ?, ok = ?, failed = ?, "
                         "skipped = ? WHERE run_id = ?",
                         [_now(), processed, ok, failed, skipped, run_id])

    # -- documents ----------------------------------------------------------------------------
    def done_hashes(self) -> set[str]:
        """Content hashes already in the store (processed, whatever the status)."""
        rows = self.con.execute("SELECT DISTINCT sha256 FROM documents WHERE sha256 <> ''")
        return {r[0] for r in rows.fetchall()}

    def add(self, row: dict, facts: list[dict], anomalies: list[dict], *, run_id: int | None = None
            ) -> None:
        """Write one document with its facts and findings atomically (replacing an old version)."""
        self.add_many([(row, facts, anomalies)], run_id=run_id)

    def add_many(self, outcomes: list[tuple[dict, Records | list[dict], Records | list[dict]]],
                 *, run_id: int | None = None) -> None:
        """Write whole documents (row, facts, findings) in ONE transaction.

        Either every row of every document in ``outcomes`` is stored or none is: a run killed
        at any moment leaves no partial document. A document whose ``source`` is already stored
        with other content (the file changed) or without content (it could not be opened)
        replaces that old version in the same transaction. Facts and findings come as
        ``Records`` (column lists, what the workers send) or as lists of row dicts; the
        flush is turned into one Arrow table per table and inserted with one statement each.
        """
        if not outcomes:
            return
        rows = [o[0] for o in outcomes]
        docs = _arrow_of("documents", [rows])
        docs = docs.append_column("run_id", _build([run_id] * len(rows), pa.int64()))
        f_tab = _arrow_of("facts", [o[1] for o in outcomes])
        a_tab = _arrow_of("anomalies", [o[2] for o in outcomes])
        con = self.con
        con.register("_docs", docs)
        con.register("_facts", f_tab)
        con.register("_anoms", a_tab)
        con.execute("BEGIN TRANSACTION")
        try:
            old = ("FROM documents d JOIN _docs n ON d.source = n.source "
                   "WHERE d.sha256 <> n.sha256 OR n.sha256 = ''")
            # counted first: the temp table is only built when there is something to replace
            if con.execute(f"SELECT count(*) {old}").fetchall()[0][0]:
                con.execute("CREATE OR REPLACE TEMP TABLE _old AS "
                            f"SELECT d.doc_id, d.source, d.sha256 {old}")
                for t in ("facts", "anomalies"):
                    con.execute(f"DELETE FROM {t} WHERE EXISTS (SELECT 1 FROM _old o "
                                f"WHERE o.doc_id = {t}.doc_id AND o.source = {t}.source)")
                con.execute("DELETE FROM documents WHERE EXISTS (SELECT 1 FROM _old o "
                            "WHERE o.source = documents.source AND o.sha256 = documents.sha256)")
            con.execute("INSERT INTO documents SELECT * FROM _docs")
            if f_tab.num_rows:
                con.execute("INSERT INTO facts SELECT * FROM _facts")
            if a_tab.num_rows:
                con.execute("INSERT INTO anomalies SELECT * FROM _anoms")
            con.execute("COMMIT")
        except BaseException as exc:
            _rollback(con)
            if interrupted(exc):    # Ctrl-C during a statement: an interrupt, as elsewhere
                raise KeyboardInterrupt from None
            raise
        finally:
            for name in ("_docs", "_facts", "_anoms"):
                try:
                    con.unregister(name)
                except Exception:   # noqa: BLE001 - duckdb.Error; the write's outcome matters
                    pass

    def insert_batches(self, tables: dict[str, Iterable[pa.RecordBatch]]) -> None:
        """Append typed Arrow batches (documents with their ``run_id`` column) to the tables,
        all in ONE transaction (``ScratchStore.save_as``: the rows of a run kept after its
        exports failed)."""
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            for table, batches in tables.items():
                for b in batches:
                    con.register("_batch", b)
                    try:
                        con.execute(f"INSERT INTO {table} SELECT * FROM _batch")
                    finally:
                        con.unregister("_batch")
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise

    # -- reading back ---------------------------------------------------------------------------
    def select_inputs(self, inputs: Iterable[tuple[str | None, str]]) -> None:
        """Restrict :meth:`batches` to the given (sha256, source) inputs of a run.

        A file is matched by its content hash (a duplicate under another name maps to the stored
        copy); a file that could not be opened (no hash) by its source.
        """
        pairs = list(inputs)
        tab = pa.table({"sha256": _strings([s or "" for s, _ in pairs]),
                        "source": _strings([src for _, src in pairs])})
        self.con.register("_inputs_arrow", tab)
        self.con.execute("CREATE OR REPLACE TEMP TABLE _inputs AS SELECT * FROM _inputs_arrow")
        self.con.unregister("_inputs_arrow")
        self.con.execute(
            "CREATE OR REPLACE TEMP VIEW _selected AS SELECT DISTINCT d.doc_id, d.source, d.sha256 "
            "FROM documents d JOIN _inputs i ON (i.sha256 <> '' AND d.sha256 = i.sha256) "
            "OR (i.sha256 = '' AND d.sha256 = '' AND d.source = i.source)")
        self._selected = True

    _selected = False

    def query(self, table: str) -> str:
        cols = ", ".join(f't."{c}"' for c in TABLE_COLUMNS[table])
        order = ", ".join(f't."{c}"' for c in ORDER_BY[table])
        if not self._selected:
            return f"SELECT {cols} FROM {table} t ORDER BY {order}"
        if table == "documents":
            join = "JOIN _selected s ON t.sha256 = s.sha256 AND t.source = s.source"
        else:
            join = "JOIN _selected s ON t.doc_id = s.doc_id AND t.source = s.source"
        return f"SELECT {cols} FROM {table} t {join} ORDER BY {order}"

    def batches(self, table: str, *, rows: int = 10_000) -> Iterator[pa.RecordBatch]:
        """The table's rows (of the selected inputs) in export order, as typed Arrow batches."""
        schema = arrow_schema(table)
        reader = self.con.sql(self.query(table)).to_arrow_reader(rows)
        for batch in reader:
            if batch.num_rows:
                yield pa.RecordBatch.from_arrays(
                    [batch.column(i).cast(schema.field(i).type) for i in range(len(schema))],
                    schema=schema)

    def table(self, table: str) -> pa.Table:
        return pa.Table.from_batches(list(self.batches(table)), schema=arrow_schema(table))

    def counts(self) -> dict[str, int]:
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}

    def severity_counts(self) -> dict[str, int]:
        sql = self.query("anomalies")
        rows = self.con.execute(f"SELECT severity, count(*) FROM ({sql}) GROUP BY 1").fetchall()
        return {s: n for s, n in rows}

    def status_counts(self) -> dict[str, int]:
        sql = self.query("documents")
        rows = self.con.execute(f"SELECT status, count(*) FROM ({sql}) GROUP BY 1").fetchall()
        return {s: n for s, n in rows}


_SCHEMAS: dict[str, pa.Schema] = {}


def _arrow_of(table: str, parts: list) -> pa.Table:
    """The rows of several documents (each ``Records`` or a list of row dicts) as one typed
    Arrow table: one array per column and flush, not per row or per document. The packed
    columns of ``table.fact_columns`` (``Texts``, ``Same``, ``Floats``, arrays) become Arrow
    buffers without a Python object per value (``_packed``); other columns are concatenated
    as Python values. Same values and types as ``schema.to_arrow`` (text None -> "", NaN ->
    null, odd values coerced)."""
    schema = _SCHEMAS.get(table)
    if schema is None:
        schema = _SCHEMAS[table] = arrow_schema(table)
    parts = [p for p in parts if len(p)]
    built: dict[tuple, tuple] = {}
    arrays = []
    for field in schema:
        c, t = field.name, field.type
        cols = []
        for part in parts:
            if isinstance(part, Records):
                v = part.columns.get(c)
                cols.append(v if v is not None else Same(None, len(part)))
            else:
                cols.append([r.get(c) for r in part])
        try:
            arrays.append(_column(cols, t, c, built))
        except _CONVERSION_ERRORS as exc:      # (raised by the general path of _column)
            raise UnstorableValue(table, c, _why(_values(cols), t, exc)) from None
    return pa.Table.from_arrays(arrays, schema=schema)


def unstorable(row: dict, facts: Records | list[dict], anomalies: Records | list[dict]
               ) -> UnstorableValue | None:
    """What in one document's rows (its documents row, facts, findings) no column can hold,
    or None: each table converted as a flush converts it."""
    for table, part in (("documents", [row]), ("facts", facts), ("anomalies", anomalies)):
        try:
            _arrow_of(table, [part])
        except UnstorableValue as exc:
            return exc
    return None


_CONVERSION_ERRORS = (pa.ArrowException, TypeError, ValueError, OverflowError, UnicodeError,
                      AttributeError)
_INT64 = range(-(2 ** 63), 2 ** 63)


def _why(values: list, t: pa.DataType, exc: BaseException) -> str:
    """What in ``values`` the column of type ``t`` cannot hold, in words (ASCII-safe: the
    reason goes into the document's error, which must be storable itself)."""
    for v in values:
        if isinstance(v, str):
            texts = [v]
        elif isinstance(v, (list, tuple)):
            texts = [x for x in v if isinstance(x, str)]
        else:
            texts = []
        for text in texts:
            try:
                text.encode()
            except UnicodeEncodeError as err:
                shown = text[:40].encode("utf-8", "backslashreplace").decode("utf-8")
                return (f"the text '{shown}' holds a lone surrogate "
                        f"(U+{ord(text[err.start]):04X}), which UTF-8 cannot encode")
        if t == pa.int64() and type(v) is int and v not in _INT64:
            return f"{v} is beyond the range of int64"
    reason = f"{type(exc).__name__}: {exc}"
    return reason.encode("utf-8", "backslashreplace").decode("utf-8")


def _column(cols: list, t: pa.DataType, name: str, built: dict) -> pa.Array:
    """One column of a flush from its parts (one per document). ``built``: the arrays built so
    far by the parts' ids (kept with the parts, so that their ids stay theirs): a column whose
    parts are those of an earlier one (a bound equal to the value throughout, the exact
    strings a float column is parsed from) is not built twice."""
    key = (t, *map(id, cols))
    got = built.get(key)
    if got is not None:
        return got[1]
    if not cols:
        arr = _build([], t)
    else:
        try:   # the fast paths: packed columns, plain Python values of the right type
            arr = _packed(cols, t, built)
            if arr is None:
                arr = _build(_values(cols), t)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, AttributeError,
                OverflowError, UnicodeError):
            arr = pa.array([_coerce(v, name) for v in _values(cols)], type=t)
    built[key] = (cols, arr)
    return arr


def _values(cols: list) -> list:
    values = []
    for v in cols:
        values.extend(v)
    return values


_CODES = {pa.int64(): ("q", np.int64), pa.bool_(): ("b", np.int8)}


def _packed(cols: list, t: pa.DataType, built: dict) -> pa.Array | None:
    """The column of parts packed by ``table.fact_columns``, from their buffers; None when a
    part of a number column is not packed (``_build`` then takes the values); raises as
    ``_build`` does on a value of another type."""
    if t == pa.string():
        return _texts(cols)
    if t == pa.float64():
        if not all(type(c) is Floats or _none(c) for c in cols):
            return None
        exact = [c.exact if type(c) is Floats else Same("", c.n) for c in cols]
        return _parsed(_column(exact, pa.string(), "", built))
    code = _CODES.get(t)
    if code is None or not all((type(c) is array and c.typecode == code[0]) or _none(c)
                               for c in cols):
        return None
    data = np.concatenate([np.frombuffer(c, code[1]) if type(c) is array
                           else np.zeros(c.n, code[1]) for c in cols])
    nulls = np.concatenate([np.full(len(c), type(c) is Same) for c in cols])
    if t == pa.bool_():
        data = np.packbits(data != 0, bitorder="little")
    return pa.Array.from_buffers(t, len(nulls), [_validity(nulls), pa.py_buffer(data)])


def _texts(cols: list) -> pa.Array:
    """A text column of packed parts or lists of values (None -> ""): every part joined with
    ``SEP`` between the texts, encoded once; None if a text holds ``SEP`` (``_build`` then
    takes the values); a value that is not a str raises TypeError."""
    if all(type(c) is Same for c in cols):
        return _repeated([c.value for c in cols], [c.n for c in cols])
    pieces = []
    for c in cols:
        k = type(c)
        if k is Texts:
            pieces.append(c.joined)
        elif k is Same:
            pieces.append(SEP.join(repeat("" if c.value is None else c.value, c.n)))
        else:
            pieces.append(SEP.join(["" if v is None else v for v in c]))
    n = sum(map(len, cols))
    data = SEP.join(pieces).encode()
    if len(data) >= 2**31:
        raise OverflowError("text column too large for 32-bit offsets")
    # U+0000 is byte 0 in UTF-8, and no other byte is
    seps = np.flatnonzero(np.frombuffer(data, np.uint8) == 0)
    if len(seps) != n - 1:
        return None
    offsets = np.empty(n + 1, np.int32)
    offsets[0] = 0
    offsets[1:n] = seps - np.arange(n - 1)  # the start of text i + 1, separators removed
    offsets[n] = len(data) - (n - 1)
    # bytes.replace copies the runs between separators (memchr, memcpy); numpy's boolean
    # selection of every byte cost 7.5 M more of the corpus's 116 M instructions of facts
    body = data if n == 1 else data.replace(b"\0", b"")
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets),
                                                  pa.py_buffer(body)])


def _parsed(exact: pa.Array) -> pa.Array:
    """The floats of a column of plain decimal strings ("" -> null): Arrow's cast, which
    parses correctly rounded as Python's ``float`` does (the same double for each string)."""
    import pyarrow.compute as pc

    n = len(exact)
    offsets = np.frombuffer(exact.buffers()[1], np.int32, n + 1, exact.offset * 4)
    nulls = offsets[1:] == offsets[:-1]
    values = pa.Array.from_buffers(pa.string(), n, [_validity(nulls), *exact.buffers()[1:]],
                                   offset=exact.offset)
    # the parsed doubles read off the cast's buffer, the nulls' slots set to 0.0 here: a
    # fill_null(0.0) would turn 0.0 into an Arrow scalar with pa.scalar, which imports pandas
    # on its first call (0.2-0.3 CPU s and ~45 MB of the run's resident memory, for nothing)
    parsed = pc.cast(values, pa.float64())
    data = np.frombuffer(parsed.buffers()[1], np.float64, n, parsed.offset * 8).copy()
    data[nulls] = 0.0
    return pa.Array.from_buffers(pa.float64(), n, [_validity(nulls), pa.py_buffer(data)])


def _none(c) -> bool:
    return type(c) is Same and c.value is None


def _repeated(values: list, counts: list[int]) -> pa.Array:
    """A text column of a few values, each repeated (a document's source or doc_id on its
    rows): each value encoded once, laid out with a take."""
    codes = np.repeat(np.arange(len(values), dtype=np.int32), counts)
    return _strings(values).take(pa.Array.from_buffers(pa.int32(), len(codes),
                                                       [None, pa.py_buffer(codes)]))


# Arrays are assembled from buffers (numpy for numbers, UTF-8 bytes for text) rather than with
# pa.array(list): pyarrow's pa.array imports pandas on its first call (to look for pandas
# objects), which costs the writer 0.2 s and about 45 MB of resident memory for nothing.
def _validity(nulls: np.ndarray) -> pa.Buffer | None:
    if not nulls.any():
        return None
    return pa.py_buffer(np.packbits(~nulls, bitorder="little"))


def _strings(values: list) -> pa.Array:
    """Text column: None -> "" (as ``to_arrow``); a value that is not a str raises.

    The texts are joined and encoded once, not one by one (an encode, a bytes object and a
    len per value were ~75-130 ns a value, most of the store's time): the offsets are the
    running sum of the characters per value, which are the bytes where all is ASCII; otherwise
    a character's byte offset is read off the positions of the UTF-8 lead bytes. A column of
    a few long texts repeated (a document's source on each of its rows) is encoded per
    distinct text and laid out with a take."""
    n = len(values)
    try:
        joined = "".join(values)
    except TypeError:                 # a None (or a value that is not a str: raises again)
        values = ["" if v is None else v for v in values]
        joined = "".join(values)
    ascii_ = joined.isascii()
    if not ascii_ and len(joined) > 16 * n:
        distinct = dict.fromkeys(values)
        if len(distinct) * 4 <= n:
            texts = list(distinct)
            code = dict(zip(texts, range(len(texts))))
            codes = np.fromiter(map(code.__getitem__, values), dtype=np.int32, count=n)
            return _strings(texts).take(
                pa.Array.from_buffers(pa.int32(), n, [None, pa.py_buffer(codes)]))
    return _strings_of(joined, np.fromiter(map(len, values), dtype=np.int64, count=n), ascii_)


def _strings_of(joined: str, lengths: np.ndarray, ascii_: bool | None = None) -> pa.Array:
    """A text column of the texts ``joined`` into one string, of ``lengths`` characters each."""
    n = len(lengths)
    if ascii_ is None:
        ascii_ = joined.isascii()
    data = joined.encode()
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if not ascii_:     # character offsets -> byte offsets
        raw = np.frombuffer(data, np.uint8)
        offsets = np.append(np.flatnonzero((raw & 0xC0) != 0x80), len(data))[offsets]
    if len(data) >= 2**31:
        raise OverflowError("text column too large for 32-bit offsets")
    return pa.Array.from_buffers(pa.string(), n, [
        None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)])


def _build(values: list, t: pa.DataType) -> pa.Array:
    """One column; raises when a value is not of the column's plain Python type, and the
    caller then coerces value by value as ``to_arrow`` does."""
    n = len(values)
    if t == pa.string():
        return _strings(values)
    if t == pa.list_(pa.string()):
        nulls = np.fromiter((v is None for v in values), dtype=bool, count=n)
        items = [() if v is None else v for v in values]
        flat = [x for v in items for x in v]
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, items), dtype=np.int64, count=n), out=offsets[1:])
        return pa.ListArray.from_buffers(
            t, n, [_validity(nulls), pa.py_buffer(offsets.astype(np.int32))],
            children=[_strings(flat)])
    if t == pa.float64():
        data = np.array(values, dtype=np.float64)    # None -> NaN
        nulls = np.isnan(data)                        # NaN is null (from_pandas semantics)
        data[nulls] = 0.0
    else:
        np_type = np.int64 if t == pa.int64() else np.bool_
        if None in values:
            obj = np.array(values, dtype=object)
            if obj.ndim != 1:
                raise TypeError("not scalars")
            nulls = np.equal(obj, None)
            obj[nulls] = 0
            data = obj.astype(np_type)
        else:
            nulls = np.zeros(n, dtype=bool)
            data = np.array(values, dtype=np_type)
        if data.ndim != 1:
            raise TypeError("not scalars")
        if t == pa.bool_():
            return pa.Array.from_buffers(t, n, [
                _validity(nulls), pa.py_buffer(np.packbits(data, bitorder="little"))])
    return pa.Array.from_buffers(t, n, [_validity(nulls), pa.py_buffer(data)])


def _create_tables(con) -> None:
    """The four tables, those missing (a store of an older version may lack ``runs``), in one
    transaction (one commit to disk instead of four)."""
    con.execute("BEGIN TRANSACTION")
    try:
        for name in TABLES:
            cols = ", ".join(f'"{c}" {duckdb_type(c)}' for c in TABLE_COLUMNS[name])
            extra = ", run_id BIGINT" if name == "documents" else ""
            con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols}{extra})")
        con.execute(
            "CREATE TABLE IF NOT EXISTS runs (run_id BIGINT, started VARCHAR, finished VARCHAR, "
            "command VARCHAR, inputs BIGINT, processed BIGINT, ok BIGINT, failed BIGINT, "
            "skipped BIGINT, engine VARCHAR, jobs BIGINT, schema_version BIGINT)")
        con.execute("COMMIT")
    except BaseException:
        _rollback(con)
        raise


def _rollback(con) -> None:
    """ROLLBACK of a transaction that failed or was interrupted, keeping its error: a Ctrl-C
    that lands once the COMMIT has gone through (DuckDB checks for it as the statement
    returns) leaves no transaction to roll back, and DuckDB's complaint about that would
    replace the interrupt (a traceback and exit 1 instead of 'interrupted', exit 130)."""
    import duckdb

    try:
        con.execute("ROLLBACK")
    except duckdb.TransactionException:     # no transaction is active: nothing to undo
        pass


def interrupted(exc: BaseException) -> bool:
    """``exc`` is a Ctrl-C that DuckDB turned into an error: its Python client checks for
    signals while a statement runs and, where Python's handler raised KeyboardInterrupt,
    raises ``RuntimeError("Query interrupted")`` instead (the KeyboardInterrupt is dropped);
    one raised in Python code that DuckDB called (the Arrow stream of a registered table, read
    for its schema or rows) comes back as its ``InvalidInputException`` naming it. Not taken
    for an interrupt, either was a traceback and exit 1 instead of exit 130."""
    if type(exc) is RuntimeError:
        return str(exc) == "Query interrupted"
    return (type(exc).__module__ in ("duckdb", "_duckdb")
            and _PYTHON_INTERRUPT.search(str(exc)) is not None)


# "reading the schema of the object registered as '_anoms' failed: KeyboardInterrupt: ", or
# a Python traceback ending in the exception's name (DuckDB 1.x-2.x)
_PYTHON_INTERRUPT = re.compile(r"failed: KeyboardInterrupt\b|^KeyboardInterrupt$", re.M)


def _create_file(path: str) -> None:
    """A new store file at ``path`` that appears whole: written with its tables under another
    name, then linked to ``path``. Created in place, a run killed (``kill -9``) in its first
    moments left an empty or half-written file (DuckDB writes its three header blocks after
    creating the file: "not a valid DuckDB database file" for every later run) or one without
    tables (harmless, but not a store). Another run that created ``path`` meanwhile wins; the
    files of a creation that was itself killed are removed by the next one."""
    import duckdb

    folder, name = os.path.split(os.path.abspath(path))
    for left in glob.glob(os.path.join(glob.escape(folder), glob.escape(name) + ".*.new*")):
        pid = left[len(os.path.join(folder, name)) + 1:].partition(".")[0]
        if pid.isdigit() and not _alive(int(pid)):
            _unlink(left)
    tmp = f"{path}.{os.getpid()}.new"
    for p in (tmp, tmp + ".wal"):
        _unlink(p)
    try:
        con = duckdb.connect(tmp)
        try:
            _create_tables(con)
        finally:
            con.close()         # checkpointed: everything is in the file, no .wal is left
        try:
            os.link(tmp, path)  # fails if path exists: never replaces another run's store
        except FileExistsError:
            pass
        except OSError:         # no hard links on this file system
            if not os.path.exists(path):
                os.replace(tmp, path)
    finally:
        for p in (tmp, tmp + ".wal"):
            _unlink(p)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:             # another user's process
        return True
    return True


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


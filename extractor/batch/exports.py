"""Writing (and reading back) the facts, anomalies and documents tables in every format.

All formats carry the same content (tests read each back and compare):

- CSV: UTF-8 with BOM by default (Windows Excel shows Chinese), ``bom=False`` for plain UTF-8;
  text cells that Excel would run as a formula (starting ``= + - @``, tab or CR, and not a
  number) get a leading ``'``; ``value``/``value_low``/``value_high`` are written as the exact
  plain decimals (``12000000``, ``7.5``; never ``1.2e+07``); lists (``fact_ids``) as a JSON array.
- XLSX: one workbook, a 说明 sheet first (what each table and column is, Chinese and English),
  then one sheet per table with a frozen header, an autofilter and column widths fitted to the
  content; numbers are numbers, text is always stored as text (never a formula); a table longer
  than Excel's row limit continues on ``facts_2`` …
- Parquet: typed columns (int64, float64, bool, list<string>) via pyarrow.
- JSON Lines: UTF-8 without BOM, one object per row, ``ensure_ascii=False``, the decimal values
  as strings (``"value": "12000000"``), a final newline.

Files are written to ``<name>.part`` and renamed when complete, so an interrupted run never
leaves a file that looks finished.
"""
from __future__ import annotations

import csv
import functools
import io
import json
import math
import os
import re
import struct
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .schema import EXACT_OF, TABLE_COLUMNS, TABLES, arrow_schema, arrow_type, to_arrow

FORMATS = ("csv", "xlsx", "parquet", "jsonl")
SUFFIX_FORMAT = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".jsonl": "jsonl"}
XLSX_NAME = "tables.xlsx"
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CELL = 32_767

Batches = Callable[[], Iterable[pa.RecordBatch]]

class ExportError(Exception):
    """Writing the tables failed after the documents were processed (disk full, a folder that
    cannot be written, out of memory …). ``where``: the output folder, ``cause``: the error;
    ``file``: the file that could not be written (a :class:`WriteFailed` cause), else None;
    ``kept``: where the processed results are (a DuckDB store for ``--db``), or None if they
    could not be kept."""

    def __init__(self, where: str | Path | None, cause: BaseException,
                 kept: Path | None, kept_note: str = "") -> None:
        self.where, self.cause, self.kept = where, cause, kept
        self.file = None
        if isinstance(cause, WriteFailed):      # the file and its error, not the folder
            self.file, self.cause = cause.path, cause.cause
            msg = str(cause)
        else:
            msg = (f"writing the tables into {where} failed" if where
                   else "writing the table failed")
            msg += f": {type(cause).__name__}: {cause}"
        if kept is not None and kept.suffix == ".duckdb":
            msg += (f". The results of the processed documents are kept in the store {kept}: "
                    f"run again with the same inputs and --db {kept} to write the tables "
                    "without processing the documents again")
        elif kept is not None:
            msg += f". The results of the processed documents are kept in {kept}"
        else:
            msg += ". The results of the processed documents could not be kept"
        super().__init__(msg + (f" ({kept_note})" if kept_note else ""))


# -- cell conversions ---------------------------------------------------------------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_ASCII_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"   # (RE2, whole text)


def guard_formula(s: str) -> str:
    """Prefix ``'`` to text Excel would evaluate (``=SUM(A1)``, ``-1-``, ``@x``), not to numbers."""
    if s.startswith(_FORMULA_START) and not _NUMBER.fullmatch(s):
        return "'" + s
    return s


def unguard_formula(s: str) -> str:
    if s.startswith("'") and s[1:].startswith(_FORMULA_START) and not _NUMBER.fullmatch(s[1:]):
        return s[1:]
    return s


def plain_decimal(x: float) -> str:
    """A float as a plain decimal string without exponent (``1e-05`` → ``0.00001``)."""
    s = format(Decimal(repr(x)), "f")
    return s


def value_text(row: dict, column: str) -> str | None:
    """The exact decimal string of a value column, from its ``*_exact`` companion."""
    v = row.get(column)
    if v is None:
        return None
    exact = row.get(EXACT_OF[column])
    return exact if exact else plain_decimal(v)


def dumps_list(values) -> str:
    """The one text form of a list cell (``fact_ids``) in CSV and XLSX: a JSON array."""
    return json.dumps(list(values or []), ensure_ascii=False)


# -- atomic files ---------------------------------------------------------------------------------
def part_path(path: Path) -> Path:
    """Where the file ``path`` is written until it is complete (then renamed to ``path``)."""
    return path.with_name(path.name + ".part")


class _Atomic:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.part = part_path(self.path)

    def __enter__(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return self.part

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                os.replace(self.part, self.path)
            except OSError:         # (a folder where the file should be): no .part left over
                self._remove()
                raise
        else:
            self._remove()

    def _remove(self) -> None:
        try:
            self.part.unlink()
        except OSError:
            pass


# -- column-wise cell text --------------------------------------------------------------------------
# The writers turn each RecordBatch into the bytes of its rows column by column with
# pyarrow.compute (C loops over whole columns, rows joined in C) instead of a dict per row and a
# Python call per cell, which cost 20-55 µs per fact and format. Each cell's text is exactly
# what the row-wise definitions give (guard_formula, plain_decimal, xlsx_text, json.dumps,
# repr): the common cases are done by compute kernels, and the rare rows a kernel could get
# wrong (text starting with a formula character, control characters, a float that repr writes
# with an exponent, a cell over Excel's limit) are handed to those same Python functions, so
# the two cannot drift apart (tests/batch/test_exports_columnar.py compares them).
_SLICE_BYTES = 16 << 20   # a batch is turned into text this much at a time (and at most
_SLICE_ROWS = 1 << 16     # this many rows): memory stays flat for any batch, and the int32
#                           offsets of the assembled rows cannot overflow
# Arrays, scalars and numpy views are made from buffers, never with pa.array(...),
# pa.scalar(...), a Python constant handed to a compute function (which pyarrow turns into a
# scalar with pa.scalar) or Array.to_numpy / np.asarray(Array): each of those imports pandas on
# its first call, and pandas was about 40 MB of the export's peak resident memory and 0.2 s.


def _bool_array(mask: np.ndarray) -> pa.Array:
    """A boolean numpy array as an Arrow one (no nulls)."""
    mask = np.asarray(mask, bool)
    return pa.Array.from_buffers(pa.bool_(), len(mask), [
        None, pa.py_buffer(np.packbits(mask, bitorder="little"))])


def _int_array(idx: np.ndarray) -> pa.Array:
    """An int32/int64 numpy array as an Arrow one (no nulls)."""
    if idx.dtype not in (np.int32, np.int64):
        idx = idx.astype(np.int64)
    idx = np.ascontiguousarray(idx)
    t = pa.int32() if idx.dtype == np.int32 else pa.int64()
    return pa.Array.from_buffers(t, len(idx), [None, pa.py_buffer(idx)])


def _text_array(values: list) -> pa.Array:
    """A list of str (None: null) as a ``pa.string()`` array, as pa.array(values, pa.string())."""
    n = len(values)
    nulls = np.fromiter((v is None for v in values), dtype=bool, count=n)
    enc = [b"" if v is None else v.encode("utf-8") for v in values]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, enc), dtype=np.int64, count=n), out=offsets[1:])
    if offsets[-1] >= 2**31:
        raise OverflowError("text column too large for 32-bit offsets")
    validity = pa.py_buffer(np.packbits(~nulls, bitorder="little")) if nulls.any() else None
    return pa.Array.from_buffers(pa.string(), n, [
        validity, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(b"".join(enc))])


def _bools_of(arr) -> np.ndarray:
    """A boolean Arrow array without nulls as numpy."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count:
        raise ValueError("nulls in a mask")
    n = len(arr)
    bits = arr.buffers()[1]
    if bits is None or not n:
        return np.zeros(n, bool)
    return np.unpackbits(np.frombuffer(bits, np.uint8), count=arr.offset + n,
                         bitorder="little")[arr.offset:].astype(bool)


def _floats_of(arr: pa.Array) -> np.ndarray:
    """A float64 Arrow array as numpy, null → nan (as to_numpy(zero_copy_only=False))."""
    n = len(arr)
    bufs = arr.buffers()
    if not n or bufs[1] is None:
        return np.full(n, np.nan)
    x = np.frombuffer(bufs[1], np.float64, n, arr.offset * 8).copy()
    if arr.null_count:
        x[~_bools_of(arr.is_valid())] = np.nan
    return x


_SCALARS: dict = {}


def _lit(value):
    """A constant for compute functions: a ``pa.string()`` scalar of a str, a boolean of a bool."""
    key = (type(value), value)
    sc = _SCALARS.get(key)
    if sc is None:
        sc = _SCALARS[key] = (_bool_array(np.array([value]))[0] if isinstance(value, bool)
                              else _text_array([value])[0])
    return sc


_NULL_STR = pa.nulls(1, pa.string())[0]
_NULL_F64 = pa.nulls(1, pa.float64())[0]
_NO_BYTES = np.zeros(0, np.uint8)


class _ByteSet:
    """A set of byte values, looked up for each byte of a uint8 array as ``s[array]`` (a bool
    array, read-only), as a 256-entry boolean table would be indexed: through bytes.translate,
    one C loop, in a third of the time of numpy's fancy indexing (which was 20 M instructions
    of the corpus's workbook)."""

    __slots__ = ("table",)

    def __init__(self, values: Iterable[int]) -> None:
        table = bytearray(256)
        for v in values:
            table[v] = 1
        self.table = bytes(table)

    def __getitem__(self, a: np.ndarray) -> np.ndarray:
        return np.frombuffer(np.ascontiguousarray(a, np.uint8).tobytes().translate(self.table),
                             bool)


_FORMULA_FIRST = _ByteSet(b"=+-@\t\r")
_CSV_SPECIAL = _ByteSet(b',"\r\n')


def _slices(batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
    n = batch.num_rows
    if not n:
        return
    parts = max(-(-batch.nbytes // _SLICE_BYTES), -(-n // _SLICE_ROWS))
    if parts <= 1:
        yield batch
        return
    step = -(-n // parts)
    for i in range(0, n, step):
        yield batch.slice(i, step)


def _string(arr: pa.Array) -> pa.Array:
    return arr if arr.type == pa.string() else arr.cast(pa.string())


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _patch(target: pa.Array, source: pa.Array, mask, fn) -> pa.Array:
    """``target`` with the rows of ``mask`` replaced by ``fn(value of source)`` (in Python);
    ``mask``: a boolean array (null = False) or None (no row)."""
    if mask is None:
        return target
    if isinstance(mask, np.ndarray):
        if not mask.any():
            return target
        mask = _bool_array(mask)
    if source.null_count:
        mask = pc.and_kleene(mask, pc.is_valid(source))
    if mask.null_count:
        mask = pc.fill_null(mask, _lit(False))
    if not mask.true_count:
        return target
    repl = [fn(v) for v in source.filter(mask).to_pylist()]
    return pc.replace_with_mask(target, mask, _text_array(repl))


class _Pick:
    """A constant piece of a row that depends on the row: ``options[codes[row]]``."""

    __slots__ = ("codes", "options")

    def __init__(self, codes: np.ndarray | None, options: tuple[str, ...]) -> None:
        self.codes, self.options = codes, options


def _pick(mask: np.ndarray | None, yes: str, no: str) -> _Pick | str:
    """``yes`` in the rows of ``mask``, ``no`` in the others (None: no row)."""
    return no if mask is None else _Pick(mask.astype(np.intp), (no, yes))


class _Where:
    """A text array used only in the rows of ``mask``."""

    __slots__ = ("array", "mask")

    def __init__(self, array: pa.Array, mask: np.ndarray) -> None:
        self.array, self.mask = array, mask


class _Coded:
    """A text array of any length whose item ``codes[row]`` goes in each row (nothing for -1)."""

    __slots__ = ("array", "codes")

    def __init__(self, array: pa.Array, codes: np.ndarray) -> None:
        self.array, self.codes = array, codes


_MAX_OPTIONS = 64


def _merge(a, b):
    """Two adjacent constant pieces (str or _Pick) as one, or None if that gets too big."""
    a = a if isinstance(a, _Pick) else _Pick(None, (a,))
    b = b if isinstance(b, _Pick) else _Pick(None, (b,))
    if len(a.options) * len(b.options) > _MAX_OPTIONS:
        return None
    options = tuple(x + y for x in a.options for y in b.options)
    if a.codes is None and b.codes is None:
        return options[0]
    ca = 0 if a.codes is None else a.codes
    cb = 0 if b.codes is None else b.codes
    return _Pick(ca * len(b.options) + cb, options)


# A column with only a few different cells (the booleans; integers in a short range such as
# decimals -8..2 or page) is written as a _Pick of its rows' codes rather than as a text array:
# then there is no cast to text, and the pick merges with the separators on either side (and
# with a neighbouring pick: low_open, high_open) into one item of each row's take instead of
# two or four. JSON Lines' `, "low_open": false, "high_open": true, "value_exact": "` is one
# item per row. The take costs about the same per item whatever its length: it was half the
# instructions of a CSV or JSON Lines export.
_PICK_RANGE = 32


def _bool_pick(arr: pa.Array, yes: str, no: str, null: str) -> _Pick:
    """A boolean column's cells: ``yes``/``no``, ``null`` where the value is null."""
    n = len(arr)
    bits = arr.buffers()[1]
    codes = (np.unpackbits(np.frombuffer(bits, np.uint8), count=arr.offset + n,
                           bitorder="little")[arr.offset:].astype(np.intp)
             if n and bits is not None else np.zeros(n, np.intp))
    if arr.null_count:
        codes[~_bools_of(arr.is_valid())] = 2
    return _Pick(codes, (no, yes, null))


def _int_pick(arr: pa.Array, null: str) -> _Pick | None:
    """An int64 column's cells (``str(v)``, which is Arrow's cast to text, ``null`` for a null)
    if its values lie within _PICK_RANGE consecutive integers, else None."""
    n = len(arr)
    if arr.type != pa.int64() or not n:
        return None
    valid = _present(arr)
    bufs = arr.buffers()
    if bufs[1] is None:
        x = np.zeros(n, np.int64)
    else:
        x = np.frombuffer(bufs[1], np.int64, n, arr.offset * 8)
    v = x if valid is None else x[valid]
    if not v.size:
        return _Pick(np.zeros(n, np.intp), (null,))
    lo, hi = int(v.min()), int(v.max())
    if hi - lo >= _PICK_RANGE:
        return None
    # (the slots of nulls hold any number: their codes are set afterwards; numpy wraps silently)
    codes = (x - np.int64(lo)).astype(np.intp)
    if valid is not None:
        codes[~valid] = hi - lo + 1
    return _Pick(codes, tuple(str(i) for i in range(lo, hi + 1)) + (null,))


_CHUNK_ITEMS = 1 << 18     # items laid out by one take of _assemble (~4 MB of the workbook's rows)


def _assemble(pieces: list, n: int) -> Iterator:
    """The UTF-8 bytes of ``n`` rows, each the concatenation of ``pieces`` (see _assemble_rows),
    in consecutive chunks of whole rows, each to be written before the next is asked for.

    One take for all the rows of a batch made its text (13 MB for 10,000 rows of the workbook's
    facts) in one buffer: fresh memory to fault in, out of the caches by the time it was zipped
    or written. A chunk is laid out, written and its buffer reused while still in the cache.
    Smaller chunks keep less (2^16 items: 15 MB less peak than 2^18 in a run on 25 MB) but
    cost more (each take's buffer grows by reallocation from Arrow's estimate, the mean item of
    ``big``, which the long constants of the workbook exceed: +6 % of the exports'
    instructions at 2^16, +1 % at 2^18)."""
    big, idx = _items(pieces, n)
    flat = idx.ravel()
    step = max(1, _CHUNK_ITEMS // max(idx.shape[1], 1)) * idx.shape[1]
    pool = _transient_pool()
    for at in range(0, flat.size, step):
        yield _data(pc.take(big, _int_array(flat[at:at + step]), boundscheck=False,
                            memory_pool=pool))


def _assemble_rows(pieces: list, n: int) -> pa.Array:
    """The ``n`` rows, each the concatenation of ``pieces``, as a text array (no nulls)."""
    out = _layout(pieces, n)
    per_row = len(out) // n if n else 0
    bufs = out.buffers()            # take writes a null (nothing in that row) as no bytes
    if not per_row or bufs[2] is None:
        return _text_array([""] * n)
    offsets = np.ascontiguousarray(np.frombuffer(bufs[1], np.int32, len(out) + 1)[::per_row])
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), bufs[2]])


def _layout(pieces: list, n: int) -> pa.Array:
    """One text item per row and piece, row after row (see _items)."""
    big, idx = _items(pieces, n)
    return pc.take(big, _int_array(idx.ravel()), boundscheck=False,
                   memory_pool=_transient_pool())


def _items(pieces: list, n: int) -> tuple[pa.Array, np.ndarray]:
    """The items of ``n`` rows (``big``) and the n x k matrix of the item that goes in each row
    and place (``idx``): ``pieces`` are text arrays (a null adds
    nothing), :class:`_Where` and :class:`_Coded` arrays, constant strings and :class:`_Pick`
    constants.

    All the arrays and constants are concatenated into one array and a single ``take`` lays
    them out row after row: per row and piece that costs about half what
    ``binary_join_element_wise`` does with constant arguments, and a missing cell (a null, a
    cell reference only after a gap) is just an index pointing at ""."""
    merged: list = []
    for p in pieces:
        if isinstance(p, (str, _Pick)) and merged and isinstance(merged[-1], (str, _Pick)):
            m = _merge(merged[-1], p)
            if m is not None:
                merged[-1] = m
                continue
        merged.append(p)
    arrays: list[pa.Array] = []
    consts: dict[str, int] = {"": 0}
    for p in merged:
        for o in ((p,) if isinstance(p, str) else p.options if isinstance(p, _Pick) else ()):
            consts.setdefault(o, len(consts))
    base = sum(len(p.array) if isinstance(p, _Coded) else n
               for p in merged if not isinstance(p, (str, _Pick)))
    itype = np.int32 if base + len(consts) < 2 ** 31 else np.int64
    rows = np.arange(n, dtype=itype)
    step = np.zeros(len(merged), itype)    # index of piece j in row r: r * step[j] + start[j]
    start = np.zeros(len(merged), itype)
    later = []                             # pieces whose index is not of that form
    pos = 0                                # where the next array starts in the concatenation
    for j, p in enumerate(merged):
        if isinstance(p, str):
            start[j] = base + consts[p]
        elif isinstance(p, _Pick) and p.codes is None:
            start[j] = base + consts[p.options[0]]
        elif isinstance(p, _Pick):
            later.append((j, p, None))
        else:
            arr = _string(p if isinstance(p, pa.Array) else p.array)
            # the arrays go into the concatenation without their validity bitmaps (Arrow's
            # take costs a third less per item from an array without nulls): the rows of a
            # null point at "" instead, which is what a null adds
            valid = _present(arr)
            if isinstance(p, pa.Array) and valid is None:
                step[j] = 1
            else:
                later.append((j, p, valid))
            start[j] = pos
            pos += len(arr)
            arrays.append(_without_validity(arr))
    idx = np.multiply.outer(rows, step)   # one n x pieces array, added to in place: the
    idx += start                           # temporary of `rows[:, None] * step + start`
    #                                        (fresh pages each batch) took 3/4 of this step
    for j, p, valid in later:
        if isinstance(p, _Pick):
            idx[:, j] = np.array([base + consts[o] for o in p.options], itype)[p.codes]
        elif isinstance(p, _Coded):
            codes = p.codes if valid is None else np.where(valid[np.maximum(p.codes, 0)],
                                                           p.codes, -1)
            idx[:, j] = np.where(codes >= 0, codes + start[j], base)
        else:      # an array with nulls, or a _Where
            mask = valid if isinstance(p, pa.Array) else p.mask if valid is None else p.mask & valid
            idx[:, j] = np.where(mask, rows + start[j], base)
    big = pa.concat_arrays(arrays + [_text_array(list(consts))], memory_pool=_transient_pool())
    # (every index points into `big` by construction: the takes need no bounds pass, 10 M
    # instructions a format)
    return big, idx


def _without_validity(arr: pa.Array) -> pa.Array:
    """The text array with the same offsets and bytes and no validity bitmap (a null reads as
    whatever bytes its slot has: only for rows that are never taken)."""
    bufs = arr.buffers()
    if bufs[0] is None:
        return arr
    return pa.Array.from_buffers(arr.type, len(arr), [None, bufs[1], bufs[2]], offset=arr.offset)


@functools.cache
def _transient_pool() -> pa.MemoryPool:
    """The pool of the rows' bytes (megabytes per batch, freed once written).

    The run's default pool, jemalloc (lean_memory_pool), gives the pages of a freed buffer back
    to the system at once (Arrow sets its decay to 0), so the next batch's buffer of the same
    size is faulted in afresh, page by page: that was a fifth of the workbook's time and a
    quarter of the JSON Lines'. mimalloc keeps freed pages a little while and hands them out
    again. Only these few buffers come from it, so what it keeps is about one batch's rows.
    A pool the user chose (ARROW_DEFAULT_MEMORY_POOL) is used for them too."""
    pool = pa.default_memory_pool()
    if pool.backend_name == "jemalloc" and not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        try:
            pool = pa.mimalloc_memory_pool()
        except NotImplementedError:
            pass
    return pool


def _buffers(s: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (int32, one more than rows) and UTF-8 bytes of a ``pa.string()`` array, no copy."""
    bufs = s.buffers()
    if not len(s) or bufs[1] is None:
        return np.zeros(len(s) + 1, np.int32), _NO_BYTES
    off = np.frombuffer(bufs[1], np.int32, len(s) + 1, s.offset * 4)
    return off, (np.frombuffer(bufs[2], np.uint8) if bufs[2] is not None else _NO_BYTES)


def _text_bytes(s: pa.Array) -> np.ndarray:
    """All the bytes of the texts of ``s`` (nulls may add some): for checks over the whole
    column (memchr / a vectorised min) before any per-row regular expression is run."""
    off, data = _buffers(s)
    return data[off[0]:off[-1]]


def _rows_having(s: pa.Array, raw: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Rows of ``s`` with a byte that ``table`` marks (``raw``: :func:`_text_bytes` of ``s``)."""
    off, _ = _buffers(s)
    hits = np.flatnonzero(table[raw]) + off[0]
    mask = np.zeros(len(s), bool)
    mask[np.searchsorted(off, hits, side="right") - 1] = True
    return mask


def _control(raw: np.ndarray) -> bool:
    return bool(raw.size) and int(raw.min()) < 0x20


def _data(arr: pa.Array):
    """The concatenated UTF-8 bytes of a string array without nulls (no copy)."""
    bufs = arr.buffers()
    if bufs[2] is None:
        return b""
    offsets = pa.Array.from_buffers(pa.int32(), len(arr) + 1, [None, bufs[1]], offset=arr.offset)
    return memoryview(bufs[2])[offsets[0].as_py():offsets[-1].as_py()]


def _float_pieces(arr: pa.Array, fallback) -> list:
    """``repr(x)`` of each float64 as pieces for :func:`_assemble` (a null: nothing),
    ``fallback(x)`` where repr uses an exponent (below 1e-4, from 1e16), for nan/inf and -0.0.

    Whole numbers (0.0 too) are their int64 digits and a ".0"; the others Arrow's cast, which
    writes the same shortest round-trip digits as repr, but with an exponent where that is
    shorter ("1.2e+12", "1.234567890123456e+14"): such rows go to ``fallback`` too. Each kind
    is made from its own rows only (filter, then cast), and one :class:`_Coded` array lays them
    out: casting every row both ways and choosing with if_else cost three times as much."""
    x = _floats_of(arr)                            # null → nan
    valid = _bools_of(arr.is_valid()) if arr.null_count else np.ones(len(arr), bool)
    size = np.abs(x)
    with np.errstate(invalid="ignore"):
        fixed = (size >= 1e-4) & (size < 1e16)
        zero = (x == 0) & ~np.signbit(x)           # 0.0 is "0" + ".0"; -0.0 is the fallback's
        whole = (fixed & (np.floor(x) == x)) | zero
    frac = fixed & ~whole
    odd = valid & ~fixed & ~zero
    fracs = arr.filter(_bool_array(frac)).cast(pa.string()) if frac.any() else None
    if fracs is not None and ord("e") in _text_bytes(fracs).tobytes():     # an exponent
        exp = _bools_of(pc.match_substring(fracs, "e"))
        rows = np.flatnonzero(frac)[exp]
        frac[rows], odd[rows] = False, True
        fracs = fracs.filter(_bool_array(~exp))
    parts = [arr.filter(_bool_array(whole)).cast(pa.int64(), safe=False).cast(pa.string())
             if whole.any() else None, fracs,
             _text_array([fallback(v) for v in arr.filter(_bool_array(odd)).to_pylist()])
             if odd.any() else None]
    codes = np.full(len(arr), -1, np.int64)
    at = 0
    for mask, part in zip((whole, frac, odd), parts):
        if part is not None:
            codes[mask] = at + (np.arange(len(part)) if len(part) > 1 else 0)
            at += len(part)
    values = [p for p in parts if p is not None]
    if not values:
        return []
    return [_Coded(pa.concat_arrays(values), codes), _pick(whole if whole.any() else None, ".0", "")]


def _float_text(arr: pa.Array, fallback) -> pa.Array:
    """:func:`_float_pieces` as a text array (null stays null)."""
    s = _assemble_rows(_float_pieces(arr, fallback), len(arr))
    return pc.if_else(arr.is_valid(), s, _NULL_STR) if arr.null_count else s


def _value_texts(value: pa.Array, exact: pa.Array) -> pa.Array:
    """:func:`value_text` of a value column: its exact decimal string, else the plain decimal
    (null where the value is null). The exact strings are taken as they are, only marked null
    where there is no value (a validity bitmap over their buffers, no copy)."""
    exact = _string(exact)
    off, _ = _buffers(exact)
    has = off[1:] > off[:-1]                       # an exact string that is not empty
    if exact.null_count:
        has &= _bools_of(exact.is_valid())
    valid = _present(value)
    if valid is not None:
        has &= valid
    bits = np.packbits(np.concatenate([np.zeros(exact.offset, bool), has]), bitorder="little")
    bufs = exact.buffers()
    out = pa.Array.from_buffers(pa.string(), len(exact), [pa.py_buffer(bits), bufs[1], bufs[2]],
                                offset=exact.offset)
    return _patch(out, value, ~has if valid is None else valid & ~has, plain_decimal)


class _Sink:
    """Where a CSV/JSONL writer's bytes go: a binary file, or a text stream (stdout)."""

    def __init__(self, fh, *, text: bool) -> None:
        self.fh, self.text = fh, text

    def write(self, data) -> None:
        if self.text:
            self.fh.write(bytes(data).decode("utf-8"))
        else:
            self.fh.write(data)


# -- CSV ------------------------------------------------------------------------------------------
def _csv_value(v) -> str:
    """One non-value cell as CSV text, row-wise (for column types without a kernel below)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return plain_decimal(v)
    if isinstance(v, list):
        return dumps_list(v)
    return guard_formula(str(v))


def _csv_pieces(batch: pa.RecordBatch, col: str) -> list:
    """The CSV field of ``col`` in every row, as pieces for :func:`_assemble`: a _Pick for a
    boolean or short-range integer column (never quoted: digits, "-", true, false), else the
    :func:`_csv_column` text."""
    arr = batch.column(col)
    if pa.types.is_boolean(arr.type):
        return [_bool_pick(arr, "true", "false", "")]
    pick = _int_pick(arr, "")
    return [pick if pick is not None else _csv_column(batch, col)]


def _csv_column(batch: pa.RecordBatch, col: str) -> pa.Array:
    """The CSV field of every row: text, formula guard, then quoted as csv.QUOTE_MINIMAL does."""
    arr = batch.column(col)
    t = arr.type
    if col in EXACT_OF:
        s = _value_texts(arr, batch.column(EXACT_OF[col]))
    elif _is_text(t):                  # (a null is written as nothing: no fill_null)
        s = _string(arr)
        s = _patch(s, s, _formula_start(s), guard_formula)
    elif pa.types.is_boolean(t):
        s = pc.if_else(arr, _lit("true"), _lit("false"))
    elif pa.types.is_integer(t):
        s = arr.cast(pa.string())
    elif pa.types.is_floating(t):
        s = _float_text(arr.cast(pa.float64()), plain_decimal)
    elif pa.types.is_list(t) or pa.types.is_large_list(t):
        s = _text_array([None if v is None else dumps_list(v) for v in arr.to_pylist()])
    else:
        s = _text_array([_csv_value(v) for v in arr.to_pylist()])
    raw = _text_bytes(s)
    data = raw.tobytes()
    if any(c in data for c in b',"\r\n'):      # what csv.QUOTE_MINIMAL quotes
        s = _patch(s, s, _rows_having(s, raw, _CSV_SPECIAL), _csv_quoted)
    return s


def _csv_quoted(v: str) -> str:
    return '"' + v.replace('"', '""') + '"'


def _formula_start(s: pa.Array) -> np.ndarray:
    """Rows (of a text array without nulls) whose first character is one guard_formula checks,
    but for plain ASCII numbers ("-12.5", the negative values of the *_exact columns), which
    guard_formula leaves as they are: those are recognised by one RE2 match over the
    candidates rather than a Python call each."""
    off, data = _buffers(s)
    if not data.size:
        return np.zeros(len(s), bool)
    first = data.take(off[:-1], mode="clip")
    mask = (off[1:] > off[:-1]) & _FORMULA_FIRST[first]
    rows = np.flatnonzero(mask)
    if rows.size > 8:
        # RE2's \d is [0-9], a part of the \d of _NUMBER: what it calls a number is one
        number = _bools_of(pc.match_substring_regex(s.take(_int_array(rows)), _ASCII_NUMBER))
        mask[rows[number]] = False
    return mask


class _CsvWriter:
    """One table as CSV (header, then rows batch by batch) into a :class:`_Sink`."""

    def __init__(self, table: str, sink: _Sink, *, bom: bool) -> None:
        self.cols, self.sink = TABLE_COLUMNS[table], sink
        head = io.StringIO()
        csv.writer(head, lineterminator="\r\n").writerow(self.cols)
        sink.write((b"\xef\xbb\xbf" if bom else b"") + head.getvalue().encode("utf-8"))

    def write(self, batch: pa.RecordBatch) -> None:
        for b in _slices(_conform(batch, self.cols)):
            pieces: list = []
            for i, c in enumerate(self.cols):
                pieces += [",", *_csv_pieces(b, c)] if i else _csv_pieces(b, c)
            for chunk in _assemble(pieces + ["\r\n"], b.num_rows):
                self.sink.write(chunk)


def write_csv(table: str, batches: Iterable[pa.RecordBatch], out, *, bom: bool = True) -> None:
    """``out``: a path or a text stream."""
    if isinstance(out, (str, Path)):
        with _Atomic(Path(out)) as part, _table_writer("csv", table, part, bom) as w:
            _feed(w, batches)
    else:
        _feed(_CsvWriter(table, _Sink(out, text=True), bom=False), batches)


def _feed(writer, batches: Iterable[pa.RecordBatch]) -> None:
    for b in batches:
        writer.write(b)


# -- JSON Lines -----------------------------------------------------------------------------------
def _json_escaped(s: pa.Array) -> pa.Array:
    """The inside of each text's JSON string as json.dumps(ensure_ascii=False) writes it."""
    raw = _text_bytes(s)
    b = raw.tobytes()
    e = s
    if ord("\\") in b:
        e = pc.replace_substring(e, "\\", "\\\\")
    if ord('"') in b:
        e = pc.replace_substring(e, '"', '\\"')
    if _control(raw):
        e = _patch(e, s, pc.match_substring_regex(s, r"[\x00-\x1f]"),
                   lambda v: json.dumps(v, ensure_ascii=False)[1:-1])
    return e


def _json_float(x: float) -> str:
    return json.dumps(x)


def _json_pieces(batch: pa.RecordBatch, col: str) -> list:
    """The JSON value of ``col`` in every row, as pieces for :func:`_assemble`."""
    arr = batch.column(col)
    t = arr.type
    if col in EXACT_OF or _is_text(t):
        s = _value_texts(arr, batch.column(EXACT_OF[col])) if col in EXACT_OF else _string(arr)
        s = _json_escaped(s)
        if not s.null_count:
            return ['"', s, '"']
        valid = _bools_of(s.is_valid())
        return [_pick(valid, '"', "null"), s, _pick(valid, '"', "")]
    if pa.types.is_boolean(t):
        return [_bool_pick(arr, "true", "false", "null")]
    pick = _int_pick(arr, "null")
    if pick is not None:
        return [pick]
    if pa.types.is_integer(t):
        s = arr.cast(pa.string())
    elif pa.types.is_floating(t):
        s = _float_text(arr.cast(pa.float64()), _json_float)
    else:
        s = _text_array([json.dumps(v, ensure_ascii=False) for v in arr.to_pylist()])
    return [_pick(_bools_of(s.is_null()), "null", ""), s] if s.null_count else [s]


class _JsonlWriter:
    """One table as JSON Lines into a :class:`_Sink`: the objects json.dumps writes, one a line."""

    def __init__(self, table: str, sink: _Sink) -> None:
        self.cols, self.sink = TABLE_COLUMNS[table], sink
        self.keys = [json.dumps(c, ensure_ascii=False) for c in self.cols]

    def write(self, batch: pa.RecordBatch) -> None:
        for b in _slices(_conform(batch, self.cols)):
            pieces: list = []
            for i, (c, k) in enumerate(zip(self.cols, self.keys)):
                pieces.append(("{" if not i else ", ") + k + ": ")
                pieces += _json_pieces(b, c)
            pieces.append("}\n")
            for chunk in _assemble(pieces, b.num_rows):
                self.sink.write(chunk)


def write_jsonl(table: str, batches: Iterable[pa.RecordBatch], out) -> None:
    if isinstance(out, (str, Path)):
        with _Atomic(Path(out)) as part, _table_writer("jsonl", table, part, False) as w:
            _feed(w, batches)
    else:
        _feed(_JsonlWriter(table, _Sink(out, text=True)), batches)


# -- Parquet --------------------------------------------------------------------------------------
# The options of every Parquet file written: pyarrow.parquet.ParquetWriter's defaults, which it
# passes to the writer it wraps (pyarrow._parquet.ParquetWriter), given explicitly.
_PARQUET_OPTIONS = {"version": "2.6", "compression": "snappy", "use_dictionary": True,
                    "write_statistics": True, "writer_engine_version": "V2",
                    "data_page_version": "1.0"}


def _parquet_file_writer(path: Path, schema: pa.Schema):
    """The writer of one Parquet file. pyarrow.parquet's import brings pyarrow.fs and its
    S3/GCS/HDFS/Azure modules (~11 ms of CPU in each process that writes Parquet, a third of
    the corpus's Parquet export) for file systems a local path does not need: the writer it
    wraps is used directly, with the same options (the same bytes; a pyarrow whose writer
    takes other arguments gets the public class, called with its own defaults as before: the
    same options again would fail again where the public class dropped one of them)."""
    try:
        from pyarrow._parquet import ParquetWriter

        return ParquetWriter(str(path), schema, **_PARQUET_OPTIONS)
    except (ImportError, TypeError):
        import pyarrow.parquet as pq

        return pq.ParquetWriter(path, schema)


class _ParquetWriter:
    def __init__(self, table: str, path: Path) -> None:
        self.schema = arrow_schema(table)
        self.w = _parquet_file_writer(path, self.schema)
        self.wrote = False

    def write(self, batch: pa.RecordBatch) -> None:
        if not batch.schema.equals(self.schema, check_metadata=False):
            raise ValueError("Table schema does not match schema used to create file")
        self.w.write_table(pa.Table.from_batches([batch], self.schema))
        self.wrote = True

    def close(self) -> None:
        if not self.wrote:
            # (Schema.empty_table imports pandas: ~40 MB and 0.2 s for a table without rows)
            self.w.write_table(pa.Table.from_batches([], self.schema))
        self.w.close()

    def abort(self) -> None:
        self.w.close()


def write_parquet(table: str, batches: Iterable[pa.RecordBatch], out: str | Path) -> None:
    with _Atomic(Path(out)) as part, _table_writer("parquet", table, part, False) as w:
        _feed(w, batches)


# -- XLSX -----------------------------------------------------------------------------------------
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_BAD = re.compile(r"[/\\?*:\[\]]")


def sheet_name(name: str, existing: Iterable[str] = ()) -> str:
    """A valid, unique Excel sheet name: ≤31 chars, none of / \\ ? * : [ ], not blank, no edge
    apostrophe, not ``History``, unique case-insensitively."""
    s = _SHEET_BAD.sub("_", name).strip().strip("'") or "sheet"
    if s.lower() == "history":
        s = "History_"
    s = s[:31]
    taken = {e.lower() for e in existing}
    base, n = s, 2
    while s.lower() in taken:
        suffix = f"_{n}"
        s = base[:31 - len(suffix)] + suffix
        n += 1
    return s


def xlsx_text(s: str) -> str:
    """Text as Excel can store it: XML-illegal control characters shown as their control
    pictures (U+2400 + code, e.g. form feed → ␌), cut at Excel's 32,767 characters per cell."""
    s = _ILLEGAL_XML.sub(lambda m: chr(0x2400 + ord(m.group())), s)
    return s if len(s) <= XLSX_MAX_CELL else s[:XLSX_MAX_CELL - 1] + "…"


class _CharWidths(dict):
    """Character → 1 or 2 columns (East Asian Wide and Fullwidth take two), filled as asked."""

    def __missing__(self, ch: str) -> int:
        w = self[ch] = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        return w


_CHAR_WIDTH = _CharWidths()


def display_width(s: str) -> int:
    if s.isascii():
        return len(s)
    return sum(map(_CHAR_WIDTH.__getitem__, s))    # (a generator per character: 3x slower)


def _xlsx_value(row: dict, col: str):
    v = row.get(col)
    if v is None:
        return None
    if isinstance(v, list):
        return xlsx_text(dumps_list(v))
    if isinstance(v, str):
        return xlsx_text(v)
    return v


# The workbook is written as SpreadsheetML directly (zip of XML parts, sheets streamed batch by
# batch): openpyxl's write-only mode built a Cell object and an lxml element per cell and took
# ~40 % of a whole `extractor run`; this writes the same workbook (same sheets, header style,
# frozen header row, autofilter, column widths, text as inline strings that are never
# formulas), with memory flat in the number of rows. The data rows are built column-wise
# (:func:`_xlsx_rows`); the header and the 说明 sheet row by row (:meth:`_SheetWriter.append`).
_XML_ESC = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_XML_ESC_PAIRS = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"))

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '{sheets}</Types>')
_SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" '
               'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
_STYLES = (   # 0 = normal, 1 = bold header, 2 = wrapped text aligned to the top (说明)
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')


def column_letter(n: int) -> str:
    """Excel's name of the ``n``-th column (1 → A, 27 → AA); openpyxl's import alone took
    0.09 s, more than writing a small workbook."""
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _cell_xml(ref: str, st: str, v) -> str:
    """One cell as SpreadsheetML ("" for an empty cell), the row-wise definition."""
    if v is None:
        return ""
    if v is True or v is False:
        return f'<c r="{ref}"{st} t="b"><v>{int(v)}</v></c>'
    if isinstance(v, (int, float, Decimal)):
        if not math.isfinite(v):
            return ""     # Excel has no NaN/inf
        num = repr(v) if isinstance(v, float) else str(v)
        return f'<c r="{ref}"{st}><v>{num}</v></c>'
    s = v if isinstance(v, str) else str(v)
    return (f'<c r="{ref}"{st} t="inlineStr"><is><t xml:space="preserve">'
            f'{s.translate(_XML_ESC)}</t></is></c>')


def _xml_text(s: pa.Array) -> pa.Array:
    """:func:`xlsx_text` then XML escaping of each text (null stays null)."""
    raw = _text_bytes(s)
    b = raw.tobytes()
    e = s
    for a, rep in _XML_ESC_PAIRS:            # "&" first
        if ord(a) in b:
            e = pc.replace_substring(e, a, rep)
    odd = None
    if _control(raw):
        odd = pc.match_substring_regex(s, r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
    off, _ = _buffers(s)
    if len(s) and int(np.diff(off).max()) > XLSX_MAX_CELL:    # bytes >= characters
        chars = pc.utf8_length(s)       # (pc.greater with a Python int would import pandas)
        long = _bool_array(np.frombuffer(chars.buffers()[1], np.int32, len(s), chars.offset * 4)
                           > XLSX_MAX_CELL)     # (a null's slot may say anything: _patch skips it)
        odd = long if odd is None else pc.or_(odd, long)
    return _patch(e, s, odd, lambda v: xlsx_text(v).translate(_XML_ESC))


_INLINE = ' t="inlineStr"><is><t xml:space="preserve">', "</t></is></c>"
_INLINE_PLAIN = ' t="inlineStr"><is><t>'
# What str.strip() removes (the characters for which str.isspace() holds; tests/batch checks
# the list against every code point).
_WHITESPACE = np.array([9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 0x85, 0xA0, 0x1680,
                        *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000], np.int32)
# ... as a table by code point (up to the last one): np.isin would do, but its first call
# imports numpy.ma (~10 ms of CPU, 57 M instructions, in each process that writes a workbook)
_IS_SPACE = np.zeros(int(_WHITESPACE[-1]) + 1, bool)
_IS_SPACE[_WHITESPACE] = True


def _is_space(cp: np.ndarray) -> np.ndarray:
    """Which code points (-1: a 4-byte character, never whitespace) are in _WHITESPACE."""
    return _IS_SPACE[np.where((cp >= 0) & (cp < len(_IS_SPACE)), cp, 0)]   # (0 is no space)
# Bytes that can begin / end a text with whitespace: the lead byte of a multi-byte one, and its
# last byte together with the byte before it. A superset, to pick the rows worth decoding.
_SPACE_ASCII = [9, 10, 11, 12, 13, 28, 29, 30, 31, 32]
_SPACE_FIRST = _ByteSet(_SPACE_ASCII + [0xC2, 0xE1, 0xE2, 0xE3])
_SPACE_LAST_ASCII = _ByteSet(_SPACE_ASCII)
_SPACE_LAST = _ByteSet([0x85, 0xA0, 0x9F, 0xA8, 0xA9, 0xAF, *range(0x80, 0x8B)])
_SPACE_BEFORE_LAST = _ByteSet([0xC2, 0x9A, 0x80, 0x81])


def _code_points(b0: np.ndarray, b1: np.ndarray, b2: np.ndarray) -> np.ndarray:
    """The code point a UTF-8 sequence of 1-3 bytes stands for (-1 for a 4-byte one); only
    the bytes the lead byte ``b0`` calls for are read."""
    b0, b1, b2 = b0.astype(np.int32), b1.astype(np.int32), b2.astype(np.int32)
    return np.where(b0 < 0x80, b0, np.where(
        b0 < 0xE0, (b0 & 0x1F) << 6 | (b1 & 0x3F), np.where(
            b0 < 0xF0, (b0 & 0x0F) << 12 | (b1 & 0x3F) << 6 | (b2 & 0x3F), -1)))


def _edge_space(s: pa.Array):
    """Rows whose text starts or ends with whitespace (they need xml:space="preserve", which
    Excel otherwise strips; openpyxl's rule: text != text.strip()), as a numpy mask, or None
    for no row. The first and last character of the rows the byte tables single out are
    decoded from their UTF-8 bytes (per row in Python, this took 15 % of the workbook)."""
    off, data = _buffers(s)
    if not data.size:
        return None
    start, end = off[:-1], off[1:]
    last = data.take(end - 1, mode="clip")          # (mode="clip": one C loop, no bounds pass)
    cand = _SPACE_FIRST[data.take(start, mode="clip")] | _SPACE_LAST_ASCII[last]
    two = np.flatnonzero(_SPACE_LAST[last])
    if two.size:
        cand[two] |= _SPACE_BEFORE_LAST[data.take(end[two] - 2, mode="clip")]
    cand &= end > start
    if s.null_count:
        cand &= _bools_of(s.is_valid())
    rows = np.flatnonzero(cand)
    if not rows.size:
        return None
    st, en = start[rows].astype(np.int64), end[rows].astype(np.int64)
    first = _code_points(*(data.take(st + k, mode="clip") for k in range(3)))
    e0, e1, e2 = (data.take(en - k, mode="clip") for k in (1, 2, 3))
    # the last character starts at the last byte that is not a continuation byte (10xxxxxx)
    lastcp = np.where(e0 < 0x80, e0.astype(np.int32), np.where(
        e1 >= 0xC0, _code_points(e1, e0, e0), np.where(e2 >= 0xC0, _code_points(e2, e1, e0), -1)))
    hit = _is_space(first) | _is_space(lastcp)
    if not hit.any():
        return None
    mask = np.zeros(len(s), bool)
    mask[rows[hit]] = True
    return mask


def _xlsx_content(arr: pa.Array):
    """(attributes and opening tags, the pieces of each cell's text, closing tags, the rows that
    have a cell or None for all) of one column; None for a type without a kernel."""
    t = arr.type
    if _is_text(t):
        s = _string(arr)
        head, body, tail = _pick(_edge_space(s), _INLINE[0], _INLINE_PLAIN), _xml_text(s), _INLINE[1]
    elif pa.types.is_boolean(t):
        return ' t="b"><v>', [_bool_pick(arr, "1", "0", "")], "</v></c>", _present(arr)
    elif pa.types.is_integer(t):
        pick = _int_pick(arr, "")
        if pick is not None:
            return "><v>", [pick], "</v></c>", _present(arr)
        head, body, tail = "><v>", arr.cast(pa.string()), "</v></c>"
    elif pa.types.is_floating(t):
        arr = arr.cast(pa.float64())
        finite = pc.is_finite(arr)
        if finite.false_count:     # Excel has no NaN/inf: no cell
            arr = pc.if_else(finite, arr, _NULL_F64)
        return "><v>", _float_pieces(arr, repr), "</v></c>", _present(arr)
    elif pa.types.is_list(t) or pa.types.is_large_list(t):
        texts = [None if v is None else xlsx_text(dumps_list(v)).translate(_XML_ESC)
                 for v in arr.to_pylist()]
        head, body, tail = _INLINE[0], _text_array(texts), _INLINE[1]
    else:
        return None
    return head, [body], tail, _present(body)


def _present(arr: pa.Array) -> np.ndarray | None:
    """The rows of ``arr`` that are not null, None for all."""
    return _bools_of(arr.is_valid()) if arr.null_count else None


def _only(piece, present: np.ndarray | None):
    """A constant piece in the rows of ``present``, "" in the others."""
    if present is None:
        return piece
    if isinstance(piece, str):
        return _pick(present, piece, "")
    return _Pick(np.where(present, piece.codes if piece.codes is not None else 0,
                          len(piece.options)), piece.options + ("",))


def _xlsx_rows(batch: pa.RecordBatch, letters: list[str], first: int):
    """The <row> elements of a batch whose first row is sheet row ``first``, as UTF-8 bytes in
    chunks of whole rows (see _assemble).

    A cell's reference (r="F7") is optional in SpreadsheetML: without it a cell is in the
    column after the previous cell of its row. So only a cell that follows a missing one (a
    null) carries its reference; the sheet XML is a quarter smaller and zips twice as small,
    and zipping is most of the time spent on the workbook (the file is half the size too)."""
    n = batch.num_rows
    rn = _int_array(np.arange(first, first + n, dtype=np.int64)).cast(pa.string())
    pieces: list = ['<row r="', rn, '">']
    after_gap = None              # rows whose previous cell is missing (None: no such row)
    for i, letter in enumerate(letters):
        arr = batch.column(i)
        content = _xlsx_content(arr)
        if content is None:       # row-wise, every cell with its reference
            cells = _text_array([_cell_xml(f"{letter}{r}", "", v)
                                 for r, v in zip(rn.to_pylist(), arr.to_pylist())])
            pieces.append(cells)
            after_gap = _bools_of(pc.equal(cells, _lit("")))
            continue
        head, body, tail, present = content
        ref = after_gap if present is None or after_gap is None else after_gap & present
        if ref is not None and not ref.any():
            ref = None
        if ref is None:
            pieces.append(_only("<c", present))
        else:
            pieces += [_only(_pick(ref, f'<c r="{letter}', "<c"), present), _Where(rn, ref),
                       _pick(ref, '"', "")]
        pieces += [_only(head, present), *body, _only(tail, present)]
        after_gap = None if present is None else ~present
    pieces.append("</row>")
    return _assemble(pieces, n)


_ZIP_DATE = (1 << 5) | 1      # 1980-01-01 (DOS date; time 00:00:00 = 0), zipfile's default date
_ZIP64_LIMIT = (1 << 31) - 1   # past this size or offset zipfile writes zip64 fields; so do we


class _Zip:
    """The workbook's zip container, written member by member (a seekable file).

    A few lines of zip instead of zipfile, for two reasons. Deflating the sheets was half the
    workbook's time with zlib at level 1, and zipfile's CRC-32 (zlib's, without the carry-less
    multiply) another 15 %: both come from ISA-L (python-isal) where it is installed, whose
    level 1 deflates the corpus's facts sheet (20.7 MB of XML) 4.5x faster (46 -> 10 ms) into
    a smaller stream (1.53 -> 1.48 MB) that any inflater reads, and whose CRC is 4x faster;
    zipfile has no hook for either. And every member is dated 1980-01-01 (zipfile's writestr
    stamps the current time), so the same tables give the same file, byte for byte. The layout
    is zipfile's: local headers patched with the CRC and sizes once a member is complete (no
    data descriptors), a zip64 extra field in the sheets' local headers (a sheet may pass
    4 GB), zip64 fields in the central directory and end records only where a size, an
    offset or the count needs them."""

    def __init__(self, path: Path) -> None:
        self.fp = open(path, "wb")
        self.entries: list[tuple[bytes, int, int, int, int, bool]] = []
        self.zlib = _deflate_module()

    def open(self, name: str, *, zip64: bool = False) -> _ZipMember:
        return _ZipMember(self, name, zip64)

    def writestr(self, name: str, text: str) -> None:
        m = self.open(name)
        m.write(text.encode("utf-8"))
        m.close()

    def close(self) -> None:
        fp = self.fp
        start = fp.tell()
        for name, offset, crc, csize, size, zip64 in self.entries:
            big = [v for v in (size, csize, offset) if v > _ZIP64_LIMIT]
            extra = struct.pack(f"<HH{len(big)}Q", 1, 8 * len(big), *big) if big else b""
            version = 45 if zip64 or big else 20       # (made by, needed: zipfile's values)
            fp.write(struct.pack(
                "<4s4B4HL2L5H2L", b"PK\001\002", version, 3, version, 0, 0, 8, 0,
                _ZIP_DATE, crc, 0xFFFFFFFF if csize > _ZIP64_LIMIT else csize,
                0xFFFFFFFF if size > _ZIP64_LIMIT else size, len(name), len(extra), 0, 0, 0,
                0o600 << 16, 0xFFFFFFFF if offset > _ZIP64_LIMIT else offset) + name + extra)
        end = fp.tell()
        count, size = len(self.entries), end - start
        if count >= 0xFFFF or start > _ZIP64_LIMIT or size > _ZIP64_LIMIT:
            fp.write(struct.pack("<4sQ2H2L4Q", b"PK\006\006", 44, 45, 45, 0, 0,
                                 count, count, size, start))
            fp.write(struct.pack("<4sLQL", b"PK\006\007", 0, end, 1))
            count, size, start = min(count, 0xFFFF), min(size, 0xFFFFFFFF), min(start, 0xFFFFFFFF)
        fp.write(struct.pack("<4s4H2LH", b"PK\005\006", 0, 0, count, count, size, start, 0))
        fp.close()

    def abort(self) -> None:
        try:
            self.fp.close()
        except OSError:     # (a full disk fails the flush again): the first error is what matters
            pass


class _ZipMember:
    """One member of a :class:`_Zip` being written: deflated as it comes, its CRC running."""

    def __init__(self, zf: _Zip, name: str, zip64: bool) -> None:
        self.zf, self.name, self.zip64 = zf, name.encode("ascii"), zip64
        self.offset = zf.fp.tell()
        self.crc = self.size = self.csize = 0
        self.deflater = zf.zlib.compressobj(1, zf.zlib.DEFLATED, -15)
        zf.fp.write(self._header())

    def _header(self) -> bytes:
        extra = struct.pack("<HHQQ", 1, 16, self.size, self.csize) if self.zip64 else b""
        sizes = (0xFFFFFFFF, 0xFFFFFFFF) if self.zip64 else (self.csize, self.size)
        return struct.pack("<4s2B4HL2L2H", b"PK\003\004", 45 if self.zip64 else 20, 0, 0, 8, 0,
                           _ZIP_DATE, self.crc, *sizes, len(self.name), len(extra)
                           ) + self.name + extra

    def write(self, data) -> None:
        self.crc = self.zf.zlib.crc32(data, self.crc)
        self.size += len(data) if isinstance(data, bytes) else memoryview(data).nbytes
        out = self.deflater.compress(data)
        self.csize += len(out)
        self.zf.fp.write(out)

    def close(self) -> None:
        out = self.deflater.flush()
        self.csize += len(out)
        fp = self.zf.fp
        fp.write(out)
        if not self.zip64 and max(self.size, self.csize) > _ZIP64_LIMIT:
            raise RuntimeError(f"{self.name.decode()}: member too large for a zip without zip64")
        end = fp.tell()
        fp.seek(self.offset)
        fp.write(self._header())
        fp.seek(end)
        self.zf.entries.append((self.name, self.offset, self.crc, self.csize, self.size,
                                self.zip64))


@functools.cache
def _deflate_module():
    """python-isal's zlib-compatible module (ISA-L), or zlib where it is not installed."""
    try:
        from isal import isal_zlib
    except ImportError:
        import zlib

        return zlib
    return isal_zlib


class _SheetWriter:
    """One worksheet streamed into the zip: header row, data rows, then the autofilter."""

    def __init__(self, zf, n: int, title: str, cols: list[str], widths: list[float],
                 header_style: int = 1) -> None:
        self.n, self.title, self.ncols = n, title, len(cols)
        self.letters = [column_letter(i) for i in range(1, len(cols) + 1)]
        self.fh = zf.open(f"xl/worksheets/sheet{n}.xml", zip64=True)
        self.rows = 0            # rows written, the header included
        colxml = "".join(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
                         for i, w in enumerate(widths, start=1))
        self._write(
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{colxml}</cols>" if colxml else "") + "<sheetData>")
        self.append(cols, style=header_style)

    @property
    def data_rows(self) -> int:
        return self.rows - 1

    def _write(self, s: str) -> None:
        self.fh.write(s.encode("utf-8"))

    def append(self, values, style: int = 0) -> None:
        self.rows += 1
        r = str(self.rows)
        st = f' s="{style}"' if style else ""
        self._write(f'<row r="{r}">'
                    + "".join(_cell_xml(f"{letter}{r}", st, v)
                              for letter, v in zip(self.letters, values))
                    + "</row>")

    def append_batch(self, batch: pa.RecordBatch) -> None:
        """The rows of ``batch`` (its columns in this sheet's order), column-wise."""
        for b in _slices(batch):
            for chunk in _xlsx_rows(b, self.letters, self.rows + 1):
                self.fh.write(chunk)
            self.rows += b.num_rows

    def close(self) -> None:
        last = self.letters[-1] if self.letters else "A"
        self._write(f'</sheetData><autoFilter ref="A1:{last}{max(self.data_rows, 1) + 1}"/></worksheet>')
        self.fh.close()


def _widths(cols: list[str], sample: dict[str, list]) -> list[float]:
    """Column widths fitted to the header and the first rows (Chinese counts double)."""
    widths = []
    for c in cols:
        w = display_width(c) + 3   # header plus the filter button
        texts = {dumps_list(v) if isinstance(v, list) else v if isinstance(v, str) else str(v)
                 for v in sample.get(c, ()) if v is not None}
        if texts:   # the cell's text as stored, its first 80 characters: xlsx_text would only
            #         swap control characters for their pictures, both one column wide
            w = max(w, max(map(display_width, {t[:80] for t in texts})) + 1)
        widths.append(float(min(max(w, 6), 60)))
    return widths


_WIDTH_SAMPLE = 200


def _peek(batches: Iterable[pa.RecordBatch], cols: list[str], rows: int
          ) -> tuple[dict[str, list], Iterator[pa.RecordBatch]]:
    """The values of the first ``rows`` rows by column, and all the batches (those read ahead
    included)."""
    it = iter(batches)
    ahead: list[pa.RecordBatch] = []
    sample: dict[str, list] = {c: [] for c in cols}
    n = 0
    for b in it:
        ahead.append(b)
        part = _conform(b, cols).slice(0, rows - n)
        for c in cols:
            sample[c] += part.column(c).to_pylist()
        n += part.num_rows
        if n >= rows:
            break

    def chain():
        yield from ahead
        yield from it
    return sample, chain()


class _Workbook:
    """The workbook, written table by table: 说明 first, then a sheet per table."""

    def __init__(self, path: Path, tables: Iterable[str]) -> None:
        self.zf = _Zip(path)
        self.sheets: list[_SheetWriter] = []
        readme_cols = ["表 table", "列 column", "说明", "description"]
        ws = self._new_sheet("说明", readme_cols, [14, 18, 60, 70])
        for r in readme_table(tables):
            ws.append([xlsx_text(str(v)) for v in r], style=2)
        ws.close()

    def _new_sheet(self, title: str, cols: list[str], widths: list[float]) -> _SheetWriter:
        ws = _SheetWriter(self.zf, len(self.sheets) + 1,
                          sheet_name(title, [s.title for s in self.sheets]), cols, widths)
        self.sheets.append(ws)
        return ws

    def table(self, name: str, sample: dict[str, list]) -> _TableSheets:
        return _TableSheets(self, name, _widths(TABLE_COLUMNS[name], sample))

    def close(self) -> None:
        sheets, zf = self.sheets, self.zf
        names = "".join(
            f'<sheet name="{s.title.translate(_XML_ESC)}" sheetId="{s.n}" r:id="rId{s.n}"/>'
            for s in sheets)
        filters = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{s.n - 1}" hidden="1">'
            f"'{s.title.replace(chr(39), chr(39) * 2).translate(_XML_ESC)}'!$A$1:"
            f"${s.letters[-1] if s.letters else 'A'}${max(s.data_rows, 1) + 1}</definedName>"
            for s in sheets)
        zf.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<bookViews><workbookView/></bookViews>'
            f"<sheets>{names}</sheets><definedNames>{filters}</definedNames></workbook>"))
        rels = "".join(
            f'<Relationship Id="rId{s.n}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{s.n}.xml"/>' for s in sheets)
        n = len(sheets) + 1
        zf.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'{rels}<Relationship Id="rId{n}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
            'Target="styles.xml"/></Relationships>'))
        zf.writestr("xl/styles.xml", _STYLES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES.format(
            sheets="".join(_SHEET_TYPE.format(n=s.n) for s in sheets)))
        zf.close()

    def abort(self) -> None:
        """Close the file after a failure (it is removed by _Atomic)."""
        self.zf.abort()


class _TableSheets:
    """One table's sheet(s) in the workbook: continues on ``<name>_2`` … past Excel's row limit."""

    def __init__(self, book: _Workbook, name: str, widths: list[float]) -> None:
        self.book, self.name, self.widths = book, name, widths
        self.cols = TABLE_COLUMNS[name]
        self.part = 1
        self.ws = book._new_sheet(name, self.cols, widths)

    def write(self, batch: pa.RecordBatch) -> None:
        batch = _conform(batch, self.cols)
        done = 0
        while done < batch.num_rows:
            room = XLSX_MAX_ROWS - 1 - self.ws.data_rows
            if room <= 0:
                self.ws.close()
                self.part += 1
                self.ws = self.book._new_sheet(f"{self.name}_{self.part}", self.cols, self.widths)
                continue
            take = min(room, batch.num_rows - done)
            self.ws.append_batch(batch.slice(done, take))
            done += take

    def close(self) -> None:
        self.ws.close()


def write_xlsx(tables: dict[str, Batches], out: str | Path) -> None:
    """One workbook: 说明, then a sheet per table (``tables``: name → batches factory)."""
    with _Atomic(Path(out)) as p, _book(p, tables) as book:
        for name, factory in tables.items():
            sample, batches = _peek(factory(), TABLE_COLUMNS[name], _WIDTH_SAMPLE)
            with _sheets(book, name, sample) as w:
                _feed(w, batches)


# -- the whole set --------------------------------------------------------------------------------
def lean_memory_pool() -> None:
    """Make jemalloc Arrow's allocator for the rest of the process, unless the user chose one
    (ARROW_DEFAULT_MEMORY_POOL) or this pyarrow has no jemalloc.

    The writers allocate and free many short-lived buffers per batch; with pyarrow's default,
    mimalloc, the process's resident memory during the exports rose about 45 MB more than with
    jemalloc (same live bytes, pa.total_allocated_bytes at most ~16 MB): measured on the
    corpus, peak RSS of ``extractor run --jobs 1`` 365 -> 320 MB. Buffers made before the
    switch are still freed by the pool that made them, so a run switches at its start (the
    store's flushes allocate too)."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:
        return
    pa.set_memory_pool(pool)


@contextmanager
def _table_writer(fmt: str, table: str, part: Path, bom: bool):
    """A writer of one table in ``fmt`` (csv, jsonl, parquet) into the file ``part``."""
    if fmt == "parquet":
        w = _ParquetWriter(table, part)
        try:
            yield w
        except BaseException:
            w.abort()
            raise
        w.close()
        return
    with open(part, "wb") as fh:
        sink = _Sink(fh, text=False)
        yield _CsvWriter(table, sink, bom=bom) if fmt == "csv" else _JsonlWriter(table, sink)


@contextmanager
def _sheets(book: _Workbook, name: str, sample: dict[str, list]):
    w = book.table(name, sample)
    yield w
    w.close()


class WriteFailed(OSError):
    """Writing the file ``path`` failed with the file-system error ``cause`` (a full disk, a
    folder where the file should be, no permission …); ``others``: more files that failed.
    The files of write_all that did not fail were written all the same."""

    def __init__(self, path: Path, cause: OSError, others: Iterable[Path] = ()) -> None:
        self.path, self.cause, self.others = Path(path), cause, list(others)
        msg = f"writing {self.path} failed: {type(cause).__name__}: {cause}"
        if self.others:
            msg += f" (failed too: {', '.join(map(str, self.others))})"
        super().__init__(msg)


class _Out:
    """One file of write_all: its contexts (the ``.part`` file, the writer) on a stack of its
    own, so that a file-system error ends this file alone (its ``.part`` removed) while the
    other files are written on."""

    def __init__(self, path: Path) -> None:
        self.path, self.stack = path, ExitStack()
        self.error: OSError | None = None

    def fail(self, exc: OSError) -> None:
        self.error = exc
        try:
            self.stack.__exit__(type(exc), exc, exc.__traceback__)
        except Exception:   # (the clean-up after a full disk can fail again: the first error
            pass            # is the one to report)

    def close(self) -> None:
        try:
            self.stack.close()      # (every context is exited even if one fails)
        except OSError as exc:
            self.error = exc


def write_all(tables: dict[str, Batches], out_dir: str | Path, formats: Iterable[str], *,
              bom: bool = True, only: dict[str, Iterable[str]] | None = None) -> list[Path]:
    """Write every table in every format into ``out_dir``; returns the files written.
    ``only``: a format's tables, where not all (``runner.write_in_two`` splits the files of one
    format over two processes); a workbook always holds every table.

    Each table's batches are read once and handed to every format's writer (the store's
    query, not the writing, was the larger part of a Parquet export). A file that cannot be
    written (an OSError: disk full, a folder in its place, no permission) is left out and the
    others are written on; then :class:`WriteFailed` names it. Any other error (of the
    tables' source, a stop request …) ends every file begun, none is left half-written."""
    out_dir = Path(out_dir)
    formats = list(formats)
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    chosen = {fmt: set(tables) if only is None or fmt not in only else set(only[fmt])
              for fmt in formats}
    written: list[Path] = []
    for fmt in formats:
        written += ([out_dir / XLSX_NAME] if fmt == "xlsx"
                    else [out_dir / f"{name}.{fmt}" for name in tables if name in chosen[fmt]])
    # a folder that cannot be made is the folder's error (the same for every file), not a file's
    out_dir.mkdir(parents=True, exist_ok=True)
    outs: list[_Out] = []
    with ExitStack() as whole:

        def begin(path: Path, enter: Callable):
            """The writer ``enter(stack, part)`` of the file ``path`` (None if it failed)."""
            out = _Out(path)
            outs.append(out)
            whole.enter_context(out.stack)
            try:
                return out, enter(out.stack, out.stack.enter_context(_Atomic(path)))
            except OSError as exc:
                out.fail(exc)
                return out, None

        book, workbook = None, None
        if "xlsx" in formats:
            book, workbook = begin(out_dir / XLSX_NAME,
                                   lambda stack, part: stack.enter_context(_book(part, tables)))
        for name, factory in tables.items():
            files = [begin(out_dir / f"{name}.{fmt}",
                           lambda stack, part, fmt=fmt: stack.enter_context(
                               _table_writer(fmt, name, part, bom)))
                     for fmt in dict.fromkeys(formats)
                     if fmt != "xlsx" and name in chosen[fmt]]
            if not files and workbook is None:  # a table none of the files wants: not read
                continue
            writers = [(out, w) for out, w in files if w is not None]
            batches = factory()
            if workbook is not None and book.error is None:
                sample, batches = _peek(batches, TABLE_COLUMNS[name], _WIDTH_SAMPLE)
                try:
                    writers.append((book, workbook.table(name, sample)))
                except OSError as exc:
                    book.fail(exc)
            if writers:
                for b in batches:
                    for out, w in writers:
                        if out.error is None:
                            try:
                                w.write(b)
                            except OSError as exc:
                                out.fail(exc)
            for out, w in writers:
                if out is book and out.error is None:
                    try:
                        w.close()                   # the table's sheet
                    except OSError as exc:
                        out.fail(exc)
            for out, _ in files:
                if out.error is None:
                    out.close()
        if book is not None and book.error is None:
            book.close()
    failed = [out for out in outs if out.error is not None]
    if failed:
        raise WriteFailed(failed[0].path, failed[0].error,
                          [out.path for out in failed[1:]]) from failed[0].error
    return written


@contextmanager
def _book(path: Path, tables: Iterable[str]):
    book = _Workbook(path, tables)
    try:
        yield book
    except BaseException:
        book.abort()
        raise
    book.close()


def _conform(batch: pa.RecordBatch, cols: list[str]) -> pa.RecordBatch:
    """The batch with exactly the table's columns in order (a missing one is all null)."""
    if batch.schema.names == cols:
        return batch
    names = set(batch.schema.names)
    arrays = [batch.column(c) if c in names else pa.nulls(batch.num_rows, arrow_type(c))
              for c in cols]
    return pa.RecordBatch.from_arrays(arrays, names=cols)


def write_table(table: str, batches: Iterable[pa.RecordBatch], out, fmt: str, *,
                bom: bool = True) -> None:
    """One table to one file (or a text stream for csv/jsonl)."""
    if fmt == "csv":
        write_csv(table, batches, out, bom=bom)
    elif fmt == "jsonl":
        write_jsonl(table, batches, out)
    elif fmt == "parquet":
        write_parquet(table, batches, out)
    elif fmt == "xlsx":
        write_xlsx({table: lambda: batches}, out)
    else:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")


def format_of(path: str) -> str:
    """The format a file name asks for (``-`` is JSON Lines on stdout)."""
    if path == "-":
        return "jsonl"
    fmt = SUFFIX_FORMAT.get(Path(path).suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: cannot tell the format from the suffix; use one of "
                         f"{', '.join(SUFFIX_FORMAT)} (or - for JSON Lines on stdout)")
    return fmt


# -- reading back -----------------------------------------------------------------------------------
def _from_text(v: str | None, col: str):
    """A CSV/JSON text cell back to its column type."""
    t = arrow_type(col)
    if t == pa.string():
        return "" if v is None else v
    if v is None or v == "":
        return [] if t == pa.list_(pa.string()) else None
    if t == pa.int64():
        return int(v)
    if t == pa.float64():
        return float(Decimal(v))
    if t == pa.bool_():
        return {"true": True, "false": False}[str(v).lower()]
    if t == pa.list_(pa.string()):
        return json.loads(v)
    return v


def read_rows(path: str | Path, table: str) -> list[dict]:
    """Read a table written by this module back into typed rows (the store's representation)."""
    path = Path(path)
    fmt = format_of(str(path))
    cols = TABLE_COLUMNS[table]
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).select(cols).to_pylist()
    if fmt == "jsonl":
        rows = []
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                obj = json.loads(line)
                row = {}
                for c in cols:
                    v = obj.get(c)
                    if c in EXACT_OF:
                        v = None if v is None else float(Decimal(v))
                    elif arrow_type(c) == pa.string() and v is None:
                        v = ""
                    row[c] = v
                rows.append(row)
        return rows
    if fmt == "csv":
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return [{c: _from_text(unguard_formula(r[c]) if arrow_type(c) == pa.string() else r[c], c)
                     for c in cols} for r in csv.DictReader(fh)]
    if fmt == "xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        rows = []
        sheets = [s for s in wb.sheetnames if s == table or re.fullmatch(rf"{table}_\d+", s)]
        for s in sheets:
            it = wb[s].iter_rows(values_only=True)
            header = list(next(it))
            for values in it:
                raw = dict(zip(header, values))
                row = {}
                for c in cols:
                    v = raw.get(c)
                    t = arrow_type(c)
                    if t == pa.list_(pa.string()):
                        v = json.loads(v) if v else []
                    elif t == pa.string():
                        v = "" if v is None else str(v)
                    elif t == pa.int64() and v is not None:
                        v = int(v)
                    elif t == pa.float64() and v is not None:
                        v = float(v)
                    row[c] = v
                rows.append(row)
        wb.close()
        return rows
    raise ValueError(fmt)


def read_frame(path: str | Path, table: str = "facts"):
    """A table file back as the DataFrame ``extractor.table`` builds (for ``stats`` and notebooks)."""
    from .. import table as tbl

    rows = read_rows(path, table)
    if table == "facts":
        for r in rows:   # the exact strings are the truth; floats come from them
            for col, ex in EXACT_OF.items():
                if r.get(ex) == "" and r.get(col) is not None:
                    r[ex] = plain_decimal(r[col])
        return tbl.facts_frame(rows)
    if table == "anomalies":
        return tbl.anomalies_frame(rows)
    return tbl.documents_frame(rows)


# -- 说明 sheet ------------------------------------------------------------------------------------
TABLE_NOTES = {
    "facts": ("每行是报告中的一个数字或时间表述（金额、百分比、数量、日期、期限）。",
              "One row per numeric or temporal mention (money, percent, count, quantity, date, duration)."),
    "anomalies": ("每行是一致性检查发现的一个问题（分项之和超过合计、比率超过100%等）。",
                  "One row per finding of a consistency check (parts above the total, a rate above 100% …)."),
    "documents": ("每行是一个输入文件：编码、字符数、事实和问题数量、状态与错误。",
                  "One row per input file: encoding, characters, numbers of facts and findings, status and error."),
}

COLUMN_NOTES = {
    "fact_id": ("事实编号（文档编号:起-止:类型），多次运行保持不变", "stable id <doc_id>:<start>-<end>:<kind>"),
    "doc_id": ("文档编号（文件内容 sha256 的前16位）", "document id (first 16 hex of the content's sha256)"),
    "source": ("输入文件路径（相对于输入文件夹）", "input path (relative to the input folder)"),
    "kind": ("类型：money 金额、percent 百分比、count 计数、quantity 数量、date 日期、duration 期限",
             "money, percent, count, quantity, date or duration"),
    "text": ("原文中的写法", "the mention exactly as written"),
    "start": ("在解码文本中的起始位置（含）", "start offset in the decoded text (inclusive)"),
    "end": ("在解码文本中的结束位置（不含）", "end offset in the decoded text (exclusive)"),
    "value": ("数值（基本单位：金额为元，8.4万亩为84000）", "value in base units (1200万元 → 12000000)"),
    "value_low": ("表述允许的下限（约、近、以上等；空=开放）", "lower bound the wording allows (empty = open)"),
    "value_high": ("表述允许的上限（空=开放）", "upper bound the wording allows (empty = open)"),
    "decimals": ("书写精度（XBRL decimals：1200万元为-4，7.5%为1）", "precision as written (XBRL decimals)"),
    "approx": ("近似方式：exact 精确、about 约、at_least 以上、at_most 以下、range 区间",
               "exact, about, at_least, at_most or range"),
    "unit": ("单位：货币代码、%或pp、量词、计量单位、年/月/天", "currency code, % or pp, measure word, unit, 年/月/天"),
    "date": ("日期（ISO 8601，区间用 /）", "date as ISO 8601 (interval a/b)"),
    "subject": ("数字所描述的对象（原文）", "what the figure is about, as written"),
    "modality": ("actual 实际、expected 预计、planned 计划", "actual, expected or planned"),
    "page": ("页码", "page number"),
    "sentence": ("句子序号", "sentence index"),
    "role": ("百分比的作用（增长、占比、比率等）", "role of a percent (growth, share, rate …)"),
    "period": ("数字所属期间（ISO）", "period the figure refers to (ISO)"),
    "section": ("所在章节路径", "section path"),
    "scale": ("数量级（万、亿）", "scale word as written (万, 亿)"),
    "qualifiers": ("限定词（约、近、余等）", "qualifier words as written"),
    "rule_id": ("识别规则编号", "id of the rule that found it"),
    "low_open": ("下限是否开放", "lower bound open"),
    "high_open": ("上限是否开放", "upper bound open"),
    "value_exact": ("精确数值（十进制文本）", "exact value as a decimal string"),
    "value_low_exact": ("精确下限（十进制文本）", "exact lower bound as a decimal string"),
    "value_high_exact": ("精确上限（十进制文本）", "exact upper bound as a decimal string"),
    "anomaly_id": ("问题编号", "stable id of the finding"),
    "code": ("检查规则代码（如 sum.parts_exceed_total）", "namespaced rule code"),
    "severity": ("严重程度：error 错误、warning 警告、info 提示", "error, warning or info"),
    "message": ("问题说明（中文）", "the finding in Chinese"),
    "message_en": ("问题说明（英文）", "the finding in English"),
    "fact_ids": ("涉及的事实编号（JSON 数组，主要的在前）", "facts involved (JSON array, main one first)"),
    "stated": ("报告中写的数字", "the figure as stated"),
    "computed": ("由其他数字推算出的结果", "what the other figures imply"),
    "check": ("检查名称", "registered check name"),
    "evidence": ("证据原文", "the evidence text"),
    "sha256": ("文件内容的 sha256", "sha256 of the file's bytes"),
    "encoding": ("检测到的编码", "encoding as detected"),
    "chars": ("字符数", "characters in the decoded text"),
    "pages": ("页数", "pages"),
    "report_year": ("推断的报告年份", "report year as inferred"),
    "facts": ("事实数量", "number of facts"),
    "anomalies": ("问题数量", "number of findings"),
    "status": ("状态：ok 成功；unreadable 无法读取；failed 处理失败；timeout 超时",
               "ok, unreadable, failed or timeout"),
    "error": ("错误信息（无法处理的文件）", "the error, for files that could not be processed"),
    "format": ("文件格式", "file format"),
    "text_quality": ("文本质量摘要（清洗时的修复）", "text quality summary (repairs made while cleaning)"),
    "seconds": ("处理用时（秒）", "processing time in seconds"),
}


def readme_table(tables: Iterable[str]) -> Iterator[tuple[str, str, str, str]]:
    yield ("", "", "本文件由 extractor 生成：每张表一个工作表，首行冻结并可筛选；"
                   "数字以数值保存，精确数值见 *_exact 列。",
           "Written by extractor: one sheet per table, header frozen with a filter; numbers are "
           "stored as numbers, the exact decimals are in the *_exact columns.")
    for name in tables:
        zh, en = TABLE_NOTES[name]
        yield (name, "", zh, en)
        for c in TABLE_COLUMNS[name]:
            zh, en = COLUMN_NOTES.get(c, ("", ""))
            yield (name, c, zh, en)


__all__ = ["FORMATS", "write_all", "write_table", "write_xlsx", "write_csv", "write_jsonl",
           "write_parquet", "read_rows", "read_frame", "guard_formula", "unguard_formula",
           "sheet_name", "format_of", "TABLES", "to_arrow", "ExportError", "WriteFailed"]

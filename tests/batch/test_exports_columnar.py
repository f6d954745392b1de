"""The column-wise writers give exactly what the row-wise definitions give, cell for cell.

The exports are built with pyarrow.compute over whole columns; the rare rows a kernel cannot do
(formula characters, control characters, floats repr writes with an exponent, cells over
Excel's limit) are handed to the row-wise functions. These tests write awkward values with both
and compare: CSV and JSON Lines byte for byte against the row-wise writers (kept here as the
reference), XLSX cell for cell (value and type, read with openpyxl) against the row-wise
SpreadsheetML writer.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import random
import struct
import warnings
import xml.etree.ElementTree as ET
import zipfile

import pyarrow as pa
import pytest
from openpyxl import load_workbook

import extractor.batch.exports as ex
from extractor.batch.exports import (XLSX_NAME, dumps_list, guard_formula, plain_decimal,
                                     read_rows, value_text, write_all, write_table, xlsx_text)
from extractor.batch.schema import EXACT_OF, TABLE_COLUMNS, arrow_schema, to_arrow

# -- the row-wise reference (the writers before the column-wise rewrite) ---------------------------


def _ref_csv_cell(row: dict, col: str) -> str:
    if col in EXACT_OF:
        return value_text(row, col) or ""
    v = row.get(col)
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


def ref_csv(table: str, rows: list[dict], bom: bool = True) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(TABLE_COLUMNS[table])
    for row in rows:
        w.writerow([_ref_csv_cell(row, c) for c in TABLE_COLUMNS[table]])
    return (b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8")


def ref_jsonl(table: str, rows: list[dict]) -> bytes:
    cols = TABLE_COLUMNS[table]
    lines = []
    for row in rows:
        out = {c: value_text(row, c) if c in EXACT_OF else row.get(c) for c in cols}
        lines.append(json.dumps(out, ensure_ascii=False) + "\n")
    return "".join(lines).encode("utf-8")


def _rowwise_append_batch(self, batch):
    """The row-wise sheet writer: what write_xlsx did per row before (monkeypatched in)."""
    cols = self._ref_cols
    for row in batch.to_pylist():
        self.append([ex._xlsx_value(row, c) for c in cols])


# -- awkward values ----------------------------------------------------------------------------------
LONG = "长" * 40_000
TEXTS = [
    "", "营业收入", "=cmd|' /C calc'!A0", "=SUM(A1:A9)", "+86 10 1234", "-1-", "-5", "+3.25",
    "-1.5e3", "-inf", "@x", "\tx", "\rx", "-", "-１２", "=", "a,b", 'say "hi"', "line\nbreak",
    "crlf\r\nx", "&<>\"'", "&amp;", "a&b<c>d", "😀 emoji", "𠀀𠀁 astral", "x\x00y", "\x01\x02\x1f",
    "一、\x0c（二）", "\x0b", "\x1c edge", " lead", "trail ", "\u3000全角", "全角\u3000", "\xa0nb",
    "nb\xa0", "\u2028", "x\u2029", "\u205f", "a\u1680", "结尾。", "、开头", "“引号”", "…",
    "back\\slash", "\\\"", "tab\tin", "é", "\x7f", "\x85x", "x\x85", "ＡＢＣ", "1200万元",
    "'=already", "'-1-",
]
LONG_TEXTS = [LONG, "x" * 32_767, "y" * 32_768, "\x0c" + "z" * 32_800, " " + "&" * 40_000 + " "]
FLOATS = [None, 0.0, -0.0, 12000000.0, 1.2e16, 1e16, 9999999999999998.0, 1e15, 1.5e15,
          123456789012345.6, 1e-05, 0.0001, 9.999e-05, -3.5, 7.5, 0.1 + 0.2, 1e22, 1e300,
          5e-324, -1e-7, 2.5e-4, float("inf"), float("-inf"), 1e21, 123.0, -42.0]
INTS = [None, 0, -1, 7, 2 ** 62, -(2 ** 63)]


def _text(rnd: random.Random) -> str:
    r = rnd.random()
    return (rnd.choice(TEXTS) if r < 0.6 else rnd.choice(LONG_TEXTS) if r < 0.605
            else rnd.choice(["", "x", "date", None]))


def _random_float(rnd: random.Random) -> float:
    while True:
        x = struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0]
        if not math.isnan(x):
            return x


def _facts(n: int, seed: int) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        row = {}
        for c in TABLE_COLUMNS["facts"]:
            t = arrow_schema("facts").field(c).type
            if t == pa.string():
                row[c] = _text(rnd)
            elif t == pa.int64():
                row[c] = rnd.choice(INTS)
            elif t == pa.float64():
                row[c] = rnd.choice(FLOATS) if rnd.random() < 0.7 else _random_float(rnd)
            elif t == pa.bool_():
                row[c] = rnd.choice([True, False, None])
        for col, exact in EXACT_OF.items():      # exact strings: present, empty or odd
            row[exact] = rnd.choice(["", "", "12000000", "-3.5", "=1", "0.00001", row[exact]])
        rows.append(row)
    return rows


def _anomalies(n: int, seed: int) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        row = {c: _text(rnd) for c in TABLE_COLUMNS["anomalies"]}
        row["start"], row["end"] = rnd.choice(INTS), rnd.choice(INTS)
        row["fact_ids"] = rnd.choice([None, [], ["a", 'b"c'], ["\x0c", "逗,号", "😀"]])
        rows.append(row)
    return rows


def _documents(n: int, seed: int) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for _ in range(n):
        row = {c: _text(rnd) for c in TABLE_COLUMNS["documents"]}
        for c in ("chars", "pages", "report_year", "facts", "anomalies"):
            row[c] = rnd.choice(INTS)
        row["seconds"] = rnd.choice(FLOATS + [_random_float(rnd)])
        rows.append(row)
    return rows


def _raw_batches(table: str, rows: list[dict], size: int) -> list[pa.RecordBatch]:
    """Batches as given (no NaN → null normalisation, unlike to_arrow): nulls in text columns too."""
    schema = arrow_schema(table)
    batches = []
    for i in range(0, len(rows), size):
        part = rows[i:i + size]
        batches.append(pa.RecordBatch.from_arrays(
            [pa.array([r.get(f.name) for r in part], f.type) for f in schema], schema=schema))
    return batches


MAKERS = {"facts": _facts, "anomalies": _anomalies, "documents": _documents}


@pytest.fixture(params=[0, 1])
def seed(request):
    return request.param


@pytest.mark.parametrize("table", ["facts", "anomalies", "documents"])
@pytest.mark.parametrize("size", [1, 7, 500])
def test_csv_and_jsonl_are_byte_identical_to_the_rowwise_writers(tmp_path, table, size, seed):
    rows = MAKERS[table](80, seed)
    batches = _raw_batches(table, rows, size)
    want_rows = [r for b in batches for r in b.to_pylist()]
    for bom in (True, False):
        write_table(table, batches, tmp_path / "t.csv", "csv", bom=bom)
        assert (tmp_path / "t.csv").read_bytes() == ref_csv(table, want_rows, bom)
    write_table(table, batches, tmp_path / "t.jsonl", "jsonl")
    assert (tmp_path / "t.jsonl").read_bytes() == ref_jsonl(table, want_rows)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_text_stream_gets_the_same_text(tmp_path, fmt):
    rows = _facts(60, 5)
    batches = _raw_batches("facts", rows, 16)
    out = io.StringIO()
    write_table("facts", batches, out, fmt)
    write_table("facts", batches, tmp_path / f"f.{fmt}", fmt, bom=False)
    assert out.getvalue() == (tmp_path / f"f.{fmt}").read_bytes().decode("utf-8")


def test_slicing_large_batches_changes_nothing(tmp_path, monkeypatch):
    rows = _facts(200, 7)
    batches = _raw_batches("facts", rows, 200)
    monkeypatch.setattr(ex, "_SLICE_BYTES", 4096)   # every batch is cut into many slices
    monkeypatch.setattr(ex, "_SLICE_ROWS", 13)
    write_all({"facts": lambda: iter(batches)}, tmp_path, ["csv", "jsonl", "xlsx"])
    assert (tmp_path / "facts.csv").read_bytes() == ref_csv("facts", rows)
    assert (tmp_path / "facts.jsonl").read_bytes() == ref_jsonl("facts", rows)
    got = read_rows(tmp_path / XLSX_NAME, "facts")
    assert [r["text"] for r in got] == [_as_read(r["text"] or "") for r in rows]


@pytest.mark.parametrize("chunk", [1, 50, 1 << 30])
def test_rows_written_in_chunks_are_the_rows_written_at_once(tmp_path, monkeypatch, chunk):
    """_assemble lays a slice's rows out in chunks of about _CHUNK_ITEMS items (1: one row a
    chunk; 1 << 30: the whole slice at once, as before): the files are the same, and each chunk
    ends where a row ends."""
    rows = {"facts": _facts(120, 21), "anomalies": _anomalies(40, 22), "documents": _documents(9, 23)}
    factories = {t: (lambda t=t: iter(_raw_batches(t, rows[t], 50))) for t in rows}
    monkeypatch.setattr(ex, "_CHUNK_ITEMS", chunk)
    write_all(factories, tmp_path / "o", ["csv", "jsonl", "xlsx"])
    for t in rows:
        assert (tmp_path / "o" / f"{t}.csv").read_bytes() == ref_csv(t, rows[t])
        assert (tmp_path / "o" / f"{t}.jsonl").read_bytes() == ref_jsonl(t, rows[t])
    monkeypatch.setattr(ex, "_CHUNK_ITEMS", 1 << 30)
    write_all(factories, tmp_path / "ref", ["xlsx"])
    with zipfile.ZipFile(tmp_path / "o" / XLSX_NAME) as a, \
            zipfile.ZipFile(tmp_path / "ref" / XLSX_NAME) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), name
    monkeypatch.setattr(ex, "_CHUNK_ITEMS", chunk)
    pieces = ["<", ex._text_array([str(i) * (i % 4) for i in range(30)]), ">"]
    chunks = [bytes(c) for c in ex._assemble(pieces, 30)]
    assert b"".join(chunks) == b"".join(b"<%s>" % (str(i) * (i % 4)).encode() for i in range(30))
    assert all(c.startswith(b"<") and c.endswith(b">") for c in chunks)
    assert len(chunks) == (30 if chunk == 1 else 1 if chunk > 90 else -(-30 // (chunk // 3)))


def _cells(path, sheet):
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # a malformed sheet would warn
        wb = load_workbook(path)
    ws = wb[sheet]
    return [[(c.value, c.data_type, type(c.value).__name__) for c in row] for row in ws.iter_rows()]


@pytest.mark.parametrize("table", ["facts", "anomalies", "documents"])
def test_xlsx_cells_equal_the_rowwise_sheet_writer(tmp_path, monkeypatch, table, seed):
    rows = MAKERS[table](80, seed)
    batches = _raw_batches(table, rows, 40)
    write_all({table: lambda: iter(batches)}, tmp_path / "new", ["xlsx"])
    with monkeypatch.context() as m:
        m.setattr(ex._SheetWriter, "append_batch", _rowwise_append_batch)
        m.setattr(ex._SheetWriter, "_ref_cols", TABLE_COLUMNS[table], raising=False)
        write_all({table: lambda: iter(batches)}, tmp_path / "old", ["xlsx"])
    new, old = tmp_path / "new" / XLSX_NAME, tmp_path / "old" / XLSX_NAME
    assert _cells(new, table) == _cells(old, table)
    assert _cells(new, "说明") == _cells(old, "说明")
    for ro in (True, False):        # widths, frozen header and filter too
        a, b = load_workbook(new, read_only=ro), load_workbook(old, read_only=ro)
        assert a.sheetnames == b.sheetnames
        if not ro:
            for s in a.sheetnames:
                assert a[s].freeze_panes == b[s].freeze_panes == "A2"
                assert a[s].auto_filter.ref == b[s].auto_filter.ref
                assert ({k: d.width for k, d in a[s].column_dimensions.items()}
                        == {k: d.width for k, d in b[s].column_dimensions.items()})
        a.close()
        b.close()
    assert read_rows(new, table) == read_rows(old, table)


def _as_read(text: str) -> str:
    """A text as read back from the workbook: xlsx_text, and XML's normalised line ends."""
    return xlsx_text(text).replace("\r\n", "\n").replace("\r", "\n")


def test_xlsx_text_keeps_its_edge_whitespace_and_is_never_a_formula(tmp_path):
    rows = [dict(_facts(1, 0)[0], subject=t, text=t, section=t) for t in TEXTS + LONG_TEXTS]
    write_all({"facts": lambda: to_arrow("facts", rows).to_batches(max_chunksize=9)}, tmp_path,
              ["xlsx"])
    with zipfile.ZipFile(tmp_path / XLSX_NAME) as z:
        sheet = z.read("xl/worksheets/sheet2.xml")
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    space = "{http://www.w3.org/XML/1998/namespace}space"
    texts = 0
    for c in ET.fromstring(sheet).iter(f"{ns}c"):
        assert c.find(f"{ns}f") is None                       # no formula anywhere
        t = c.find(f"{ns}is/{ns}t")
        if t is not None and t.text:
            texts += 1
            if t.text != t.text.strip():
                assert t.get(space) == "preserve", repr(t.text)
    assert texts > len(TEXTS)
    got = read_rows(tmp_path / XLSX_NAME, "facts")
    for t, row in zip(TEXTS + LONG_TEXTS, got):
        assert row["subject"] == _as_read(t)
        assert len(row["text"]) <= 32_767


def test_xlsx_continues_on_a_new_sheet_inside_a_batch(tmp_path, monkeypatch):
    rows = _facts(25, 3)
    monkeypatch.setattr(ex, "XLSX_MAX_ROWS", 11)     # 10 data rows a sheet
    write_all({"facts": lambda: iter(_raw_batches("facts", rows, 7))}, tmp_path, ["xlsx"])
    wb = load_workbook(tmp_path / XLSX_NAME, read_only=True)
    assert wb.sheetnames == ["说明", "facts", "facts_2", "facts_3"]
    wb.close()
    got = read_rows(tmp_path / XLSX_NAME, "facts")
    assert [r["fact_id"] for r in got] == [_as_read(r["fact_id"] or "") for r in rows]


def test_floats_are_written_as_repr_and_plain_decimals():
    rnd = random.Random(11)
    values = FLOATS[1:] + [_random_float(rnd) for _ in range(20_000)] + [
        rnd.uniform(-1e6, 1e6) for _ in range(5_000)] + [float(rnd.randrange(-10**15, 10**15))
                                                         for _ in range(5_000)]
    arr = pa.array(values + [None], pa.float64())
    assert ex._float_text(arr, repr).to_pylist() == [repr(v) for v in values] + [None]
    assert ex._float_text(arr, plain_decimal).to_pylist() == [
        plain_decimal(v) for v in values] + [None]
    nan = pa.array([float("nan"), 1.0], pa.float64())
    assert ex._float_text(nan, json.dumps).to_pylist() == ["NaN", "1.0"]


def test_formula_guard_and_quoting_column_wise():
    texts = TEXTS + LONG_TEXTS + ["=a", "+", "@", "\t", "\r", "-0", "-.5", "+1e5", "-1e", "--1", "=1+1"]
    arr = pa.array(texts)
    got = ex._patch(arr, arr, ex._formula_start(arr), guard_formula).to_pylist()
    assert got == [guard_formula(t) for t in texts]


def test_json_and_xml_escaping_column_wise():
    texts = TEXTS + LONG_TEXTS
    arr = pa.array(texts + [None])
    assert ex._json_escaped(arr).to_pylist() == [
        json.dumps(t, ensure_ascii=False)[1:-1] for t in texts] + [None]
    assert ex._xml_text(arr).to_pylist() == [
        xlsx_text(t).translate(ex._XML_ESC) for t in texts] + [None]
    space = ex._edge_space(arr)
    assert list(space) == [t != t.strip() for t in texts] + [False]


def test_empty_and_null_values(tmp_path):
    schema = arrow_schema("facts")
    batch = pa.RecordBatch.from_arrays([pa.nulls(3, f.type) for f in schema], schema=schema)
    rows = batch.to_pylist()
    write_all({"facts": lambda: iter([batch])}, tmp_path, ["csv", "jsonl", "xlsx", "parquet"])
    assert (tmp_path / "facts.csv").read_bytes() == ref_csv("facts", rows)
    assert (tmp_path / "facts.jsonl").read_bytes() == ref_jsonl("facts", rows)
    assert (tmp_path / "facts.csv").read_bytes().endswith(b"\r\n" + b"," * 28 + b"\r\n")
    with zipfile.ZipFile(tmp_path / XLSX_NAME) as z:      # rows without a single cell
        assert b'<row r="2"></row><row r="3"></row><row r="4"></row></sheetData>' in z.read(
            "xl/worksheets/sheet2.xml")


def test_columns_missing_from_a_batch_are_empty(tmp_path):
    batch = pa.RecordBatch.from_pydict({"fact_id": ["x"], "text": ["=1"]})
    write_all({"facts": lambda: iter([batch])}, tmp_path, ["csv", "jsonl", "xlsx"])
    row = {c: None for c in TABLE_COLUMNS["facts"]} | {"fact_id": "x", "text": "=1"}
    assert (tmp_path / "facts.csv").read_bytes() == ref_csv("facts", [row])
    assert (tmp_path / "facts.jsonl").read_bytes() == ref_jsonl("facts", [row])
    assert read_rows(tmp_path / XLSX_NAME, "facts")[0]["text"] == "=1"


def test_every_table_is_read_once_for_all_formats(tmp_path):
    calls = {t: 0 for t in ("facts", "anomalies", "documents")}
    data = {"facts": _facts(30, 1), "anomalies": _anomalies(5, 1), "documents": _documents(4, 1)}

    def factory(t):
        def batches():
            calls[t] += 1
            return iter(to_arrow(t, data[t]).to_batches(max_chunksize=8))
        return batches
    written = write_all({t: factory(t) for t in data}, tmp_path,
                        ["csv", "xlsx", "parquet", "jsonl"])
    assert calls == {"facts": 1, "anomalies": 1, "documents": 1}
    assert [p.name for p in written] == (
        [f"{t}.csv" for t in data] + [XLSX_NAME] + [f"{t}.parquet" for t in data]
        + [f"{t}.jsonl" for t in data])
    assert not list(tmp_path.glob("*.part"))
    for t in data:
        want = to_arrow(t, data[t]).to_pylist()
        assert read_rows(tmp_path / f"{t}.parquet", t) == want


def test_a_failing_source_leaves_no_file(tmp_path):
    def broken():
        yield to_arrow("facts", _facts(3, 0)).to_batches()[0]
        raise RuntimeError("disk gone")
    with pytest.raises(RuntimeError, match="disk gone"):
        write_all({"facts": broken}, tmp_path, ["csv", "xlsx", "parquet", "jsonl"])
    assert list(tmp_path.iterdir()) == []


def _three_tables():
    return {"facts": _facts(40, 11), "anomalies": _anomalies(12, 12), "documents": _documents(5, 13)}


def _factories(data):
    return {t: (lambda t=t: iter(to_arrow(t, data[t]).to_batches(max_chunksize=7))) for t in data}


def test_a_folder_where_a_file_should_be_fails_that_file_only(tmp_path):
    """A file that cannot be written (here a folder in its place: the rename fails) is named
    in the error with its reason; every other file is written as without the failure, and no
    ``.part`` file is left (the .part of the failed rename was left before)."""
    data = _three_tables()
    ref = tmp_path / "ref"
    write_all(_factories(data), ref, ["csv", "xlsx", "parquet", "jsonl"])
    out = tmp_path / "out"
    (out / "facts.jsonl").mkdir(parents=True)
    with pytest.raises(ex.WriteFailed) as info:
        write_all(_factories(data), out, ["csv", "xlsx", "parquet", "jsonl"])
    err = info.value
    assert err.path == out / "facts.jsonl" and isinstance(err.cause, IsADirectoryError)
    assert str(out / "facts.jsonl") in str(err) and "Is a directory" in str(err)
    assert err.others == [] and isinstance(err, OSError)
    assert not list(out.glob("*.part"))
    names = sorted(p.name for p in ref.iterdir())
    assert sorted(p.name for p in out.iterdir()) == names
    for name in names:
        if name != "facts.jsonl":
            assert (out / name).read_bytes() == (ref / name).read_bytes(), name


@pytest.mark.parametrize("failing", ["facts.csv", "anomalies.jsonl", "facts.parquet",
                                     XLSX_NAME])
def test_a_full_disk_names_the_file_and_its_reason(tmp_path, monkeypatch, failing):
    """The error of a file that cannot be written names that file and the reason (it named
    the folder and the errno only: "writing the tables into <out> failed: OSError: [Errno 28]
    No space left on device"); the files that were written are kept."""
    import errno

    real_open = open

    class Full(io.FileIO):
        def write(self, b):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def full_open(file, mode="r", *args, **kw):
        if str(file).endswith(failing + ".part") and "w" in mode:
            return Full(file, "wb")
        return real_open(file, mode, *args, **kw)

    target = failing
    if failing.endswith(".parquet"):    # Arrow opens its own file: fail its first write
        def no_room(self, batch):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        monkeypatch.setattr(ex._ParquetWriter, "write", no_room)
        target = "facts.parquet"
    monkeypatch.setattr(ex, "open", full_open, raising=False)
    data = _three_tables()
    out = tmp_path / "out"
    with pytest.raises(ex.WriteFailed) as info:
        write_all(_factories(data), out, ["csv", "xlsx", "parquet", "jsonl"])
    err = info.value
    assert err.path == out / target
    failed = {target} | {p.name for p in err.others}
    msg = str(ex.ExportError(out, err, None))
    assert msg.startswith(f"writing {out / target} failed: OSError: [Errno 28] No space left")
    monkeypatch.undo()
    ref = tmp_path / "ref"
    write_all(_factories(data), ref, ["csv", "xlsx", "parquet", "jsonl"])
    assert not list(out.glob("*.part"))
    kept = sorted(p.name for p in out.iterdir())
    assert kept == sorted(p.name for p in ref.iterdir() if p.name not in failed)
    assert len(kept) >= 9 if failing != "facts.parquet" else len(kept) == 7
    for name in kept:
        assert (out / name).read_bytes() == (ref / name).read_bytes(), name


def test_edge_space_is_strip_on_every_whitespace_and_its_neighbours():
    """The first and last characters are decoded from UTF-8 column-wise: the whitespace list is
    str.isspace's, and texts made of whitespace, characters whose UTF-8 shares bytes with it
    (U+2080, U+3080, U+1A80, U+00A1 …) and 4-byte ones, sliced too, agree with text != text.strip()."""
    import sys

    assert ex._WHITESPACE.tolist() == [c for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    import numpy as np                  # the table lookup of every code point (and of -1)
    cps = np.arange(-1, sys.maxunicode + 1)
    assert (cps[ex._is_space(cps)] == ex._WHITESPACE).all()
    space = [chr(c) for c in ex._WHITESPACE.tolist()]
    near = ["a", "中", "é", "\u00a1", "\u0100", "\u1a80", "\u2080", "\u200b", "\u2030", "\u3001",
            "\u3080", "\ufeff", "😀", "\U00010085", "\U000200a0", "\x7f"]
    rnd = random.Random(3)
    texts = [None if rnd.random() < 0.03 else
             "".join(rnd.choice(space + near) for _ in range(rnd.randrange(4)))
             for _ in range(6000)]
    arr = pa.array(texts, pa.string())
    for a in (arr, arr.slice(11, 4000)):
        mask = ex._edge_space(a)
        got = [False] * len(a) if mask is None else mask.tolist()
        assert got == [t is not None and t != t.strip() for t in a.to_pylist()]


def test_value_and_float_texts_of_sliced_columns():
    """A batch cut into slices (offsets into shared buffers, validity bits not on a byte
    boundary) gives each row the text the row-wise definitions give."""
    rnd = random.Random(5)
    values = [rnd.choice(FLOATS[:-3] + [None]) for _ in range(300)]
    exact = [rnd.choice([None, "", "12000000", "-3.5", "=1", "0.00001"]) for _ in range(300)]
    v, e = pa.array(values, pa.float64()), pa.array(exact, pa.string())
    for start, length in ((0, 300), (3, 200), (9, 17), (150, 150), (299, 1)):
        vs, es = v.slice(start, length), e.slice(start, length)
        rows = [{"value": x, "value_exact": y} for x, y in zip(vs.to_pylist(), es.to_pylist())]
        assert ex._value_texts(vs, es).to_pylist() == [value_text(r, "value") for r in rows]
        assert ex._float_text(vs, repr).to_pylist() == [
            None if x is None else repr(x) for x in vs.to_pylist()]


def test_the_rows_pool_respects_a_pool_the_user_chose():
    """The rows' bytes come from mimalloc only where the run itself switched Arrow to jemalloc;
    ARROW_DEFAULT_MEMORY_POOL (the user's choice, which lean_memory_pool keeps) is kept too."""
    import os
    import subprocess
    import sys

    code = ("from extractor.batch.exports import lean_memory_pool, _transient_pool\n"
            "lean_memory_pool()\n"
            "print(_transient_pool().backend_name)\n")

    def backend(**env):
        base = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
        return subprocess.run([sys.executable, "-c", code], env={**base, **env}, text=True,
                              capture_output=True, check=True).stdout.strip()

    assert backend(ARROW_DEFAULT_MEMORY_POOL="jemalloc") == "jemalloc"
    assert backend(ARROW_DEFAULT_MEMORY_POOL="system") == "system"
    assert backend() == "mimalloc"


def test_formula_guard_of_many_numbers_and_near_numbers():
    """Enough candidates for the RE2 number test (more than 8): ASCII numbers are left alone
    without Python, the rest (Unicode digits, a trailing newline, half numbers) by
    guard_formula; slices too."""
    near = ["-12.5", "-1e5", "+.5", "-0", "-１２", "-1\n", "-1-", "-.", "+", "-e5", "=1",
            "-1.5E+07", "-٣", "@1", "\t-1", "-1 ", "- 1", "+1.", "-.5e-3", "-12,5"]
    texts = near * 3 + TEXTS
    arr = pa.array(texts)
    for a in (arr, arr.slice(7)):
        got = ex._patch(a, a, ex._formula_start(a), guard_formula).to_pylist()
        assert got == [guard_formula(t) for t in a.to_pylist()]


@pytest.mark.parametrize("table", ["facts", "anomalies", "documents"])
def test_parquet_bytes_are_pyarrow_parquets_defaults(tmp_path, table):
    """The writer used without importing pyarrow.parquet writes the bytes
    pyarrow.parquet.ParquetWriter writes with its defaults (one row group per batch; an empty
    table still has its schema)."""
    import pyarrow.parquet as pq

    from extractor.batch.schema import arrow_schema

    batches = _raw_batches(table, MAKERS[table](80, 3), 30)
    for parts in (batches, []):
        write_table(table, parts, tmp_path / "t.parquet", "parquet")
        with pq.ParquetWriter(tmp_path / "ref.parquet", arrow_schema(table)) as ref:
            for b in parts:
                ref.write_batch(b)
            if not parts:
                ref.write_table(arrow_schema(table).empty_table())
        assert (tmp_path / "t.parquet").read_bytes() == (tmp_path / "ref.parquet").read_bytes()


def test_writing_parquet_does_not_import_pyarrow_parquet(tmp_path):
    import subprocess
    import sys

    code = ("import sys; from extractor.batch.exports import write_table; "
            f"write_table('facts', [], {str(tmp_path / 'f.parquet')!r}, 'parquet'); "
            "print(sorted(m for m in sys.modules if m in ('pyarrow.parquet', 'pyarrow.fs')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_writing_every_format_does_not_import_numpy_ma_or_pandas(tmp_path):
    """np.isin/np.unique import numpy.ma on their first call (~10 ms), pa.array and friends
    pandas: a process that only writes the tables needs neither (a table without rows too:
    Schema.empty_table, which its Parquet file was written from, imported pandas)."""
    import subprocess
    import sys

    batches = _raw_batches("facts", _facts(60, 3), 30)
    with pa.OSFile(str(tmp_path / "facts.arrow"), "wb") as f, \
            pa.ipc.new_file(f, batches[0].schema) as w:
        for b in batches:
            w.write_batch(b)
    code = ("import sys, pyarrow as pa; from extractor.batch.exports import write_all; "
            f"r = pa.ipc.open_file(pa.memory_map({str(tmp_path / 'facts.arrow')!r})); "
            "bs = [r.get_batch(i) for i in range(r.num_record_batches)]; "
            f"write_all({{'facts': lambda: iter(bs), 'anomalies': lambda: iter(())}}, "
            f"{str(tmp_path / 'out')!r}, "
            "['csv', 'xlsx', 'parquet', 'jsonl']); "
            "print(sorted(m for m in sys.modules if m in ('numpy.ma', 'pandas')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
    assert (tmp_path / "out" / XLSX_NAME).exists()


def test_parquet_fallback_is_pyarrow_parquets_own_call(tmp_path, monkeypatch):
    """A pyarrow without the private writer (ImportError) whose public ParquetWriter no longer
    takes the unused writer_engine_version (a TypeError, as any option it dropped would give):
    the fallback still writes the file, the bytes of pyarrow.parquet.ParquetWriter(path,
    schema) (the call before the private writer was used), not the same TypeError again."""
    import sys
    import types

    import pyarrow.parquet as pq

    from extractor.batch.schema import arrow_schema

    real = pq.ParquetWriter

    class Public(real):
        def __init__(self, where, schema, **options):
            if "writer_engine_version" in options:
                raise TypeError("unexpected keyword argument 'writer_engine_version'")
            super().__init__(where, schema, **options)

    batches = _raw_batches("facts", MAKERS["facts"](40, 2), 20)
    with real(tmp_path / "ref.parquet", arrow_schema("facts")) as ref:
        for b in batches:
            ref.write_batch(b)
    monkeypatch.setitem(sys.modules, "pyarrow._parquet", types.ModuleType("pyarrow._parquet"))
    monkeypatch.setattr(pq, "ParquetWriter", Public)
    write_table("facts", batches, tmp_path / "t.parquet", "parquet")
    assert (tmp_path / "t.parquet").read_bytes() == (tmp_path / "ref.parquet").read_bytes()

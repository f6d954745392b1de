"""Every format carries the same content; CSV/XLSX follow what Excel users need."""
from __future__ import annotations

import json
import math

import pyarrow as pa
import pytest
from openpyxl import load_workbook

from extractor.batch.exports import (XLSX_NAME, format_of, guard_formula, read_frame, read_rows,
                                     sheet_name, unguard_formula, write_all)
from extractor.batch.schema import TABLE_COLUMNS, to_arrow

DOC = "0123456789abcdef"


def _fact(start, text, kind, value, exact, **kw):
    row = {"fact_id": f"{DOC}:{start}-{start + len(text)}:{kind}", "doc_id": DOC,
           "source": "2023/总结.txt", "kind": kind, "text": text, "start": start,
           "end": start + len(text), "value": value, "value_low": value, "value_high": value,
           "decimals": 0, "approx": "exact", "unit": "", "date": "", "subject": "", "modality": "",
           "page": None, "sentence": 0, "role": "", "period": "", "section": "", "scale": "",
           "qualifiers": "", "rule_id": "", "low_open": False, "high_open": False,
           "value_exact": exact, "value_low_exact": exact, "value_high_exact": exact}
    row.update(kw)
    return row


FACTS = [
    _fact(10, "1200万元", "money", 12000000.0, "12000000", decimals=-4, unit="CNY",
          subject="营业收入", scale="万", page=3),
    _fact(20, "7.5%", "percent", 7.5, "7.5", decimals=1, unit="%", subject="=增速", role="growth"),
    _fact(30, "下降3.5个百分点", "percent", -3.5, "-3.5", decimals=1, unit="pp",
          subject="-1-", role="pp_change"),
    _fact(40, "1.2亿亿元", "money", 1.2e16, "12000000000000000", decimals=15, unit="CNY",
          subject="+号开头", approx="about", value_low=None, value_low_exact="", low_open=True),
    _fact(50, "8月16日", "date", None, "", date="2023-08-16", subject="@提及", decimals=None),
    _fact(60, "0.00001%", "percent", 1e-05, "0.00001", decimals=5, unit="%", subject="-5"),
]
ANOMALIES = [{
    "anomaly_id": f"{DOC}:10-40:sum.parts_exceed_total", "doc_id": DOC, "source": "2023/总结.txt",
    "code": "sum.parts_exceed_total", "severity": "error",
    "message": "分项之和1300万元超过合计1200万元。", "message_en": "Parts exceed the total.",
    "start": 10, "end": 40, "fact_ids": [f"{DOC}:10-16:money", f"{DOC}:20-24:percent"],
    "stated": "1200万元", "computed": "[1300万元, 1300万元]", "check": "sums",
    "evidence": "=HYPERLINK(\"x\")"}]
DOCS = [{"doc_id": DOC, "source": "2023/总结.txt", "sha256": DOC * 4, "encoding": "gb18030",
         "chars": 1234, "pages": 3, "report_year": 2023, "facts": 6, "anomalies": 1,
         "status": "ok", "error": "", "format": "txt", "text_quality": "", "seconds": 0.0123},
        {"doc_id": "", "source": "坏文件.pdf", "sha256": "", "encoding": "", "chars": 0,
         "pages": None, "report_year": None, "facts": 0, "anomalies": 0, "status": "unreadable",
         "error": "PDF 没有文本层 (no text layer)", "format": "pdf", "text_quality": "",
         "seconds": None}]
RECORDS = {"facts": FACTS, "anomalies": ANOMALIES, "documents": DOCS}


def _tables():
    arrow = {name: to_arrow(name, rows) for name, rows in RECORDS.items()}
    return arrow, {name: (lambda t=t: t.to_batches()) for name, t in arrow.items()}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    arrow, factories = _tables()
    files = write_all(factories, out, ["csv", "xlsx", "parquet", "jsonl"])
    return out, arrow, files


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=0, abs_tol=0) or a == b
    return a == b


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "jsonl"])
@pytest.mark.parametrize("table", ["facts", "anomalies", "documents"])
def test_every_format_reads_back_identical(written, fmt, table):
    out, arrow, _ = written
    path = out / (XLSX_NAME if fmt == "xlsx" else f"{table}.{fmt}")
    got = read_rows(path, table)
    want = arrow[table].to_pylist()
    assert len(got) == len(want)
    for g, w in zip(got, want):
        diff = {c: (g[c], w[c]) for c in TABLE_COLUMNS[table] if not _same(g[c], w[c])}
        assert not diff, (fmt, table, diff)


def test_written_files(written):
    out, _, files = written
    assert sorted(p.name for p in files) == sorted(
        [XLSX_NAME] + [f"{t}.{f}" for t in RECORDS for f in ("csv", "parquet", "jsonl")])
    assert not list(out.glob("*.part"))


def test_csv_has_bom_plain_decimals_and_formula_guard(written):
    out = written[0]
    raw = (out / "facts.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert ",12000000000000000," in text and "e+" not in text
    assert ",0.00001," in text
    assert ",-3.5," in text                 # a negative number is a number, not a formula
    assert ",'=增速," in text and ",'-1-," in text and ",'+号开头," in text and ",'@提及," in text
    assert ",-5," in text                   # text that is a number stays as it is
    anomalies = (out / "anomalies.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in anomalies
    assert json.dumps(ANOMALIES[0]["fact_ids"], ensure_ascii=False).replace('"', '""') in anomalies


def test_csv_without_bom(tmp_path):
    _, factories = _tables()
    write_all(factories, tmp_path, ["csv"], bom=False)
    raw = (tmp_path / "facts.csv").read_bytes()
    assert raw.startswith(b"fact_id,") and "1200万元".encode() in raw


def test_jsonl_utf8_no_bom_decimal_strings(written):
    raw = (written[0] / "facts.jsonl").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and raw.endswith(b"\n")
    lines = raw.decode("utf-8").split("\n")[:-1]
    assert all(lines)
    first = json.loads(lines[0])
    assert first["value"] == "12000000" and first["text"] == "1200万元"   # literal Chinese
    assert "1200万元" in lines[0]
    big = json.loads(lines[3])
    assert big["value"] == "12000000000000000" and big["value_low"] is None
    assert json.loads(lines[4])["value"] is None


def test_xlsx_layout(written):
    wb = load_workbook(written[0] / XLSX_NAME)
    assert wb.sheetnames == ["说明", "facts", "anomalies", "documents"]
    for name in wb.sheetnames:
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    facts = wb["facts"]
    assert facts.auto_filter.ref == f"A1:AC{len(FACTS) + 1}"
    header = [c.value for c in facts[1]]
    assert header == TABLE_COLUMNS["facts"]
    value = facts.cell(row=2, column=header.index("value") + 1)
    assert value.data_type == "n" and value.value == 12000000
    start = facts.cell(row=2, column=header.index("start") + 1)
    assert start.data_type == "n" and start.value == 10
    subj = facts.cell(row=3, column=header.index("subject") + 1)
    assert subj.value == "=增速" and subj.data_type == "s"     # text, never a formula
    width = facts.column_dimensions["E"].width                  # text column: Chinese fits
    assert 10 <= width <= 60
    readme = [r for r in wb["说明"].iter_rows(values_only=True)]
    assert ("facts", "value") == readme[[i for i, r in enumerate(readme) if r[1] == "value"][0]][:2]
    assert any(r[0] == "anomalies" and r[1] == "fact_ids" and "JSON" in r[2] for r in readme)


def test_read_frame_gives_the_table_module_frame(written):
    df = read_frame(written[0] / "facts.parquet", "facts")
    assert list(df.columns) == TABLE_COLUMNS["facts"]
    assert str(df["decimals"].dtype) == "Int64" and df["value"].iloc[0] == 12000000.0


@pytest.mark.parametrize("text, guarded", [
    ("=SUM(A1:A9)", "'=SUM(A1:A9)"), ("-1-", "'-1-"), ("+86 10 1234", "'+86 10 1234"),
    ("@cmd", "'@cmd"), ("-", "'-"), ("\tx", "'\tx"), ("-5", "-5"), ("+3.25", "+3.25"),
    ("-1.5e3", "-1.5e3"), ("-inf", "'-inf"), ("营业收入", "营业收入"), ("", ""),
])
def test_formula_guard(text, guarded):
    assert guard_formula(text) == guarded
    assert unguard_formula(guarded) == text


@pytest.mark.parametrize("name, existing, want", [
    ("facts", [], "facts"), ("a/b:c?d*[e]\\f", [], "a_b_c_d__e__f"), ("x" * 40, [], "x" * 31),
    ("History", [], "History_"), ("'quoted'", [], "quoted"), ("", [], "sheet"),
    ("Facts", ["facts"], "Facts_2"), ("y" * 31, ["y" * 31], "y" * 29 + "_2"),
])
def test_sheet_names_follow_excel_rules(name, existing, want):
    assert sheet_name(name, existing) == want


def test_format_from_suffix():
    assert format_of("-") == "jsonl"
    assert format_of("out/Facts.XLSX") == "xlsx"
    with pytest.raises(ValueError, match="suffix"):
        format_of("facts.txt")


def test_empty_tables_still_have_headers(tmp_path):
    empty = {t: (lambda t=t: iter(())) for t in RECORDS}
    write_all(empty, tmp_path, ["csv", "xlsx", "parquet", "jsonl"])
    assert (tmp_path / "facts.csv").read_text(encoding="utf-8-sig").startswith("fact_id,doc_id")
    assert (tmp_path / "facts.jsonl").read_bytes() == b""
    import pyarrow.parquet as pq
    assert pq.read_table(tmp_path / "anomalies.parquet").schema.field("fact_ids").type == \
        pa.list_(pa.string())
    assert read_rows(tmp_path / XLSX_NAME, "documents") == []


def test_control_characters_survive_in_xlsx_as_control_pictures(tmp_path):
    rows = [dict(FACTS[0], section="一、\x0c（二）")]
    write_all({"facts": lambda: to_arrow("facts", rows).to_batches()}, tmp_path, ["xlsx", "csv"])
    assert read_rows(tmp_path / XLSX_NAME, "facts")[0]["section"] == "一、\u240c（二）"
    assert read_rows(tmp_path / "facts.csv", "facts")[0]["section"] == "一、\x0c（二）"


def test_column_widths_see_the_text_as_stored():
    """_widths measures a text's first 80 characters without xlsx_text: the control
    characters xlsx_text replaces and their control pictures are one column each."""
    from extractor.batch.exports import _widths, display_width, xlsx_text

    controls = "".join(map(chr, range(0x20)))
    for ch in controls:
        t = f"前{ch}x" * 30
        assert display_width(xlsx_text(t[:80])) == display_width(t[:80])
    sample = {"text": [controls + "中" * 70, "ab", None], "start": [1, 22, None],
              "fact_ids": [["a", "b"]], "value": [1.5e20]}
    cols = ["text", "start", "fact_ids", "value"]
    want = []
    for c in cols:
        w = display_width(c) + 3
        for v in sample[c]:
            if v is not None:
                t = json.dumps(v) if isinstance(v, list) else str(v)
                w = max(w, display_width(xlsx_text(t[:80])) + 1)
        want.append(float(min(max(w, 6), 60)))
    assert _widths(cols, sample) == want


def test_xlsx_is_reproducible_and_its_members_do_not_depend_on_the_deflater(tmp_path, monkeypatch):
    """The same tables give the same workbook, byte for byte (no member carries the time it
    was written), and deflating with ISA-L (python-isal) or with zlib (where it is not
    installed) gives the same members, which openpyxl reads."""
    import time
    import zipfile
    import zlib

    from extractor.batch import exports

    _, factories = _tables()
    write_all(factories, tmp_path / "a", ["xlsx"])
    time.sleep(2.1)                                   # zip times have a 2-second resolution
    write_all(factories, tmp_path / "b", ["xlsx"])
    a, b = (tmp_path / d / XLSX_NAME for d in ("a", "b"))
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
        members = {n: z.read(n) for n in z.namelist()}
    monkeypatch.setattr(exports, "_deflate_module", lambda: zlib)
    write_all(factories, tmp_path / "c", ["xlsx"])
    with zipfile.ZipFile(tmp_path / "c" / XLSX_NAME) as z:
        assert {n: z.read(n) for n in z.namelist()} == members
    assert read_rows(a, "facts") == read_rows(tmp_path / "c" / XLSX_NAME, "facts")
    assert load_workbook(a).sheetnames == ["说明", "facts", "anomalies", "documents"]


def test_zip_members_read_back_by_zipfile(tmp_path, monkeypatch):
    """The workbook's own zip writer: zipfile reads every member back (CRCs checked), with
    and without zip64 fields (the limit lowered so that sizes, offsets pass it), deflated by
    ISA-L where installed."""
    import zipfile

    from extractor.batch import exports

    isal_zlib = pytest.importorskip("isal.isal_zlib")
    assert exports._deflate_module() is isal_zlib
    data = {"a.xml": b"<x/>" * 5000, "b/c.xml": bytes(range(256)) * 300, "d.xml": b""}
    for limit in (exports._ZIP64_LIMIT, 100):
        monkeypatch.setattr(exports, "_ZIP64_LIMIT", limit)
        path = tmp_path / f"{limit}.zip"
        z = exports._Zip(path)
        for i, (name, raw) in enumerate(data.items()):
            m = z.open(name, zip64=bool(i % 2) or limit == 100)
            for k in range(0, len(raw), 777):
                m.write(memoryview(raw)[k:k + 777])
            m.close()
        z.writestr("t.xml", "说明")
        z.close()
        with zipfile.ZipFile(path) as zf:
            assert zf.testzip() is None
            assert {n: zf.read(n) for n in zf.namelist()} == {**data, "t.xml": "说明".encode()}
            assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_DEFLATED}


def test_zip_writer_writes_zipfiles_bytes(tmp_path, monkeypatch):
    """With zlib as the deflater the workbook's zip is byte for byte what zipfile writes for
    members opened by name (the sheets with force_zip64) at level 1."""
    import zipfile
    import zlib

    from extractor.batch import exports

    monkeypatch.setattr(exports, "_deflate_module", lambda: zlib)
    members = [("xl/worksheets/sheet1.xml", b"<row/>" * 9000, True),
               ("xl/workbook.xml", "<工作簿/>".encode() * 50, False), ("e.xml", b"", False)]
    ours = exports._Zip(tmp_path / "ours.zip")
    with zipfile.ZipFile(tmp_path / "theirs.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, raw, zip64 in members:
            with zf.open(name, "w", force_zip64=zip64) as fh:
                fh.write(raw[:100])
                fh.write(raw[100:])
            m = ours.open(name, zip64=zip64)
            m.write(raw[:100])
            m.write(memoryview(raw)[100:])
            m.close()
    ours.close()
    assert (tmp_path / "ours.zip").read_bytes() == (tmp_path / "theirs.zip").read_bytes()

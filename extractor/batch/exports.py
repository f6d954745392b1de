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
import json
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from .schema import EXACT_OF, TABLE_COLUMNS, TABLES, arrow_schema, arrow_type, to_arrow

FORMATS = ("csv", "xlsx", "parquet", "jsonl")
SUFFIX_FORMAT = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".jsonl": "jsonl"}
XLSX_NAME = "tables.xlsx"
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CELL = 32_767

Batches = Callable[[], Iterable[pa.RecordBatch]]

# -- cell conversions ---------------------------------------------------------------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


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
class _Atomic:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.part = self.path.with_name(self.path.name + ".part")

    def __enter__(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return self.part

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            os.replace(self.part, self.path)
        else:
            try:
                self.part.unlink()
            except OSError:
                pass


def _rows(batches: Iterable[pa.RecordBatch]) -> Iterator[dict]:
    for b in batches:
        yield from b.to_pylist()


# -- CSV ------------------------------------------------------------------------------------------
def _csv_cell(row: dict, col: str) -> str:
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


def write_csv(table: str, batches: Iterable[pa.RecordBatch], out, *, bom: bool = True) -> None:
    """``out``: a path or a text stream."""
    cols = TABLE_COLUMNS[table]
    if isinstance(out, (str, Path)):
        with _Atomic(Path(out)) as part, open(part, "w", encoding="utf-8-sig" if bom else "utf-8",
                                              newline="") as fh:
            _write_csv_rows(fh, cols, batches)
    else:
        _write_csv_rows(out, cols, batches)


def _write_csv_rows(fh, cols, batches) -> None:
    w = csv.writer(fh, lineterminator="\r\n")
    w.writerow(cols)
    for row in _rows(batches):
        w.writerow([_csv_cell(row, c) for c in cols])


# -- JSON Lines -----------------------------------------------------------------------------------
def _json_row(row: dict, cols: list[str]) -> str:
    out = {}
    for c in cols:
        out[c] = value_text(row, c) if c in EXACT_OF else row.get(c)
    return json.dumps(out, ensure_ascii=False)


def write_jsonl(table: str, batches: Iterable[pa.RecordBatch], out) -> None:
    cols = TABLE_COLUMNS[table]
    if isinstance(out, (str, Path)):
        with _Atomic(Path(out)) as part, open(part, "w", encoding="utf-8", newline="\n") as fh:
            for row in _rows(batches):
                fh.write(_json_row(row, cols) + "\n")
    else:
        for row in _rows(batches):
            out.write(_json_row(row, cols) + "\n")


# -- Parquet --------------------------------------------------------------------------------------
def write_parquet(table: str, batches: Iterable[pa.RecordBatch], out: str | Path) -> None:
    import pyarrow.parquet as pq

    schema = arrow_schema(table)
    with _Atomic(Path(out)) as part:
        with pq.ParquetWriter(part, schema) as w:
            wrote = False
            for b in batches:
                w.write_batch(b)
                wrote = True
            if not wrote:
                w.write_table(schema.empty_table())


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


def display_width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _xlsx_value(row: dict, col: str):
    v = row.get(col)
    if v is None:
        return None
    if isinstance(v, list):
        return xlsx_text(dumps_list(v))
    if isinstance(v, str):
        return xlsx_text(v)
    return v


# The workbook is written as SpreadsheetML directly (zip of XML parts, sheets streamed row by
# row): openpyxl's write-only mode built a Cell object and an lxml element per cell and took
# ~40 % of a whole `extractor run`; this writes the same workbook (same sheets, header style,
# frozen header row, autofilter, column widths, text as inline strings that are never
# formulas) about 5-10x faster, with memory flat in the number of rows.
_XML_ESC = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})

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


class _SheetWriter:
    """One worksheet streamed into the zip: header row, data rows, then the autofilter."""

    def __init__(self, zf, n: int, title: str, cols: list[str], widths: list[float],
                 header_style: int = 1) -> None:
        from openpyxl.utils import get_column_letter

        self.n, self.title, self.ncols = n, title, len(cols)
        self.letters = [get_column_letter(i) for i in range(1, len(cols) + 1)]
        self.fh = zf.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True)
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
        parts = [f'<row r="{r}">']
        for letter, v in zip(self.letters, values):
            if v is None:
                continue
            if v is True or v is False:
                parts.append(f'<c r="{letter}{r}"{st} t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, (int, float, Decimal)):
                if not math.isfinite(v):
                    continue     # Excel has no NaN/inf
                num = repr(v) if isinstance(v, float) else str(v)
                parts.append(f'<c r="{letter}{r}"{st}><v>{num}</v></c>')
            else:
                s = v if isinstance(v, str) else str(v)
                parts.append(f'<c r="{letter}{r}"{st} t="inlineStr"><is><t xml:space="preserve">'
                             f'{s.translate(_XML_ESC)}</t></is></c>')
        parts.append("</row>")
        self._write("".join(parts))

    def close(self) -> None:
        last = self.letters[-1] if self.letters else "A"
        self._write(f'</sheetData><autoFilter ref="A1:{last}{max(self.data_rows, 1) + 1}"/></worksheet>')
        self.fh.close()


def write_xlsx(tables: dict[str, Batches], out: str | Path) -> None:
    """One workbook: 说明, then a sheet per table (``tables``: name → batches factory)."""
    import zipfile

    with _Atomic(Path(out)) as p, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED,
                                                  compresslevel=1) as zf:
        sheets: list[_SheetWriter] = []

        def new_sheet(title: str, cols: list[str], widths: list[float]) -> _SheetWriter:
            ws = _SheetWriter(zf, len(sheets) + 1, sheet_name(title, [s.title for s in sheets]),
                              cols, widths)
            sheets.append(ws)
            return ws

        # 说明 first
        readme_cols = ["表 table", "列 column", "说明", "description"]
        ws = new_sheet("说明", readme_cols, [14, 18, 60, 70])
        for r in readme_table(tables):
            ws.append([xlsx_text(str(v)) for v in r], style=2)
        ws.close()

        for name, factory in tables.items():
            cols = TABLE_COLUMNS[name]
            it = iter(_rows(factory()))
            sample: list[dict] = []
            for row in it:
                sample.append(row)
                if len(sample) >= 200:
                    break
            widths = []
            for c in cols:
                w = display_width(c) + 3   # header plus the filter button
                for row in sample:
                    v = _xlsx_value(row, c)
                    if v is not None:
                        w = max(w, display_width(str(v)[:80]) + 1)
                widths.append(float(min(max(w, 6), 60)))
            part, ws = 1, new_sheet(name, cols, widths)

            def all_rows():
                yield from sample
                yield from it

            for row in all_rows():
                if ws.data_rows >= XLSX_MAX_ROWS - 1:
                    ws.close()
                    part += 1
                    ws = new_sheet(f"{name}_{part}", cols, widths)
                ws.append([_xlsx_value(row, c) for c in cols])
            ws.close()

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


# -- the whole set --------------------------------------------------------------------------------
def write_all(tables: dict[str, Batches], out_dir: str | Path, formats: Iterable[str], *,
              bom: bool = True) -> list[Path]:
    """Write every table in every format into ``out_dir``; returns the files written."""
    out_dir = Path(out_dir)
    written: list[Path] = []
    for fmt in formats:
        if fmt == "xlsx":
            p = out_dir / XLSX_NAME
            write_xlsx(tables, p)
            written.append(p)
            continue
        for name, factory in tables.items():
            p = out_dir / f"{name}.{fmt}"
            write_table(name, factory(), p, fmt, bom=bom)
            written.append(p)
    return written


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
        batches = list(batches)
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
           "sheet_name", "format_of", "TABLES", "to_arrow"]

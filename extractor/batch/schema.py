"""Column types of the three public tables, shared by the store and every export format.

The column names and order come from ``extractor.model`` (the contract in SCHEMA.md) plus the exact
decimal strings of ``extractor.table``; this module only adds the types, so that an empty chunk
or an all-null column keeps the same type in DuckDB, Parquet and the readers.
"""
from __future__ import annotations

import pyarrow as pa

from ..model import ANOMALY_COLUMNS, DOCUMENT_COLUMNS, FACT_COLUMNS
from ..table import EXACT_COLUMNS

_INT = ("start", "end", "decimals", "page", "sentence", "chars", "pages", "report_year",
        "facts", "anomalies")
_FLOAT = ("value", "value_low", "value_high", "seconds")
_BOOL = ("low_open", "high_open")
_LIST = ("fact_ids",)

TABLE_COLUMNS: dict[str, list[str]] = {
    "facts": FACT_COLUMNS + EXACT_COLUMNS,
    "anomalies": list(ANOMALY_COLUMNS),
    "documents": list(DOCUMENT_COLUMNS),
}
TABLES = ("facts", "anomalies", "documents")

# value column -> the column holding its exact decimal string
EXACT_OF = dict(zip(("value", "value_low", "value_high"), EXACT_COLUMNS))

# Sort order of every export: by document, then position (deterministic across engines).
ORDER_BY = {
    "facts": ("source", "start", "end", "kind", "fact_id"),
    "anomalies": ("source", "start", "end", "code", "anomaly_id"),
    "documents": ("source", "sha256"),
}


def arrow_type(column: str) -> pa.DataType:
    if column in _INT:
        return pa.int64()
    if column in _FLOAT:
        return pa.float64()
    if column in _BOOL:
        return pa.bool_()
    if column in _LIST:
        return pa.list_(pa.string())
    return pa.string()


def duckdb_type(column: str) -> str:
    t = arrow_type(column)
    if t == pa.int64():
        return "BIGINT"
    if t == pa.float64():
        return "DOUBLE"
    if t == pa.bool_():
        return "BOOLEAN"
    if t == pa.list_(pa.string()):
        return "VARCHAR[]"
    return "VARCHAR"


def arrow_schema(table: str) -> pa.Schema:
    return pa.schema([pa.field(c, arrow_type(c)) for c in TABLE_COLUMNS[table]])


def to_arrow(table: str, records: list[dict]) -> pa.Table:
    """Records (dicts with at least the table's columns; missing ones become null) → typed table."""
    cols = TABLE_COLUMNS[table]
    data = {c: [_coerce(r.get(c), c) for r in records] for c in cols}
    return pa.Table.from_pydict(data, schema=arrow_schema(table))


def _coerce(v, column: str):
    """Normalise a record value to its column type (pandas NA/NaN → None, numpy → Python)."""
    t = arrow_type(column)
    if v is None:
        return "" if t == pa.string() else None
    try:
        if v != v:  # NaN / pd.NA comparisons
            return "" if t == pa.string() else None
    except (TypeError, ValueError):
        pass
    if t == pa.string():
        return v if isinstance(v, str) else str(v)
    if t == pa.int64():
        return int(v)
    if t == pa.float64():
        return float(v)
    if t == pa.bool_():
        return bool(v)
    if t == pa.list_(pa.string()):
        return [str(x) for x in v]
    return v

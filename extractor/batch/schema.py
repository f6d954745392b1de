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


_SCHEMAS: dict[str, pa.Schema] = {}


def to_arrow(table: str, records: list[dict]) -> pa.Table:
    """Records (dicts with at least the table's columns; missing ones become null) → typed table.

    Text columns hold "" rather than null, floats never NaN (null instead), so every format
    can carry the same content."""
    schema = _SCHEMAS.get(table)
    if schema is None:
        schema = _SCHEMAS[table] = arrow_schema(table)
    arrays = []
    for field in schema:
        c, t = field.name, field.type
        values = [r.get(c) for r in records]
        try:   # the fast path: plain Python values of the right type
            if t == pa.string():
                values = ["" if v is None else v for v in values]
            arr = pa.array(values, type=t, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
            arr = pa.array([_coerce(v, c) for v in values], type=t)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=schema)


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

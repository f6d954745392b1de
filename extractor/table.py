"""Records ↔ pandas DataFrames with the schema's columns (../shared/SCHEMA.md).

Values are Decimal in memory; in a DataFrame ``value``/``value_low``/``value_high`` are floats
(what analysts compute with) and the exact decimal strings are kept in ``value_exact`` etc.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from itertools import compress
from operator import attrgetter, is_not
from typing import TYPE_CHECKING

from .model import ANOMALY_COLUMNS, DOCUMENT_COLUMNS, FACT_COLUMNS, Anomaly, Fact

if TYPE_CHECKING:   # pandas is imported by the frame functions only: the per-document path and
    import pandas as pd   # the batch workers use the records and never pay for pandas

EXACT_COLUMNS = ["value_exact", "value_low_exact", "value_high_exact"]


def _num(d: Decimal | None) -> float | None:
    return None if d is None else float(d)


def _exact(d: Decimal | None) -> str:
    return _exacts([d])[0]


def _exacts(values: list) -> list[str]:
    """The exact decimal string of each value (None: ""): the plain digits of
    ``format(d, "f")`` without trailing fractional zeros ("12000000", "7.5").

    ``str(d)`` writes the same digits as ``format(d, "f")`` unless it uses an exponent
    (exponent > 0 or fewer than -6 as adjusted; facts have exponents -4..0), and is 2.5x
    cheaper: only values written with an exponent are formatted."""
    texts = ["" if d is None else str(d) for d in values]
    joined = "".join(texts)
    if "E" in joined or "e" in joined:       # (lower case under a context with capitals=0)
        texts = [format(d, "f") if "E" in s or "e" in s else s for d, s in zip(values, texts)]
        joined = "".join(texts)
    if "." in joined:
        texts = [s.rstrip("0").rstrip(".") if "." in s else s for s in texts]
    return texts


def fact_record(f: Fact) -> dict:
    return {
        "fact_id": f.fact_id, "doc_id": f.doc_id, "source": f.source, "kind": f.kind,
        "text": f.text, "start": f.start, "end": f.end,
        "value": _num(f.value), "value_low": _num(f.value_low), "value_high": _num(f.value_high),
        "decimals": f.decimals, "approx": f.approx, "unit": f.unit, "date": f.date,
        "subject": f.subject, "modality": f.modality, "page": f.page, "sentence": f.sentence,
        "role": f.role, "period": f.period, "section": f.section, "scale": f.scale,
        "qualifiers": f.qualifiers, "rule_id": f.rule_id,
        "low_open": f.low_open, "high_open": f.high_open,
        "value_exact": _exact(f.value), "value_low_exact": _exact(f.value_low),
        "value_high_exact": _exact(f.value_high),
    }


def anomaly_record(a: Anomaly) -> dict:
    return {
        "anomaly_id": a.anomaly_id, "doc_id": a.doc_id, "source": a.source, "code": a.code,
        "severity": a.severity, "message": a.message, "message_en": a.message_en,
        "start": a.start, "end": a.end, "fact_ids": list(a.fact_ids), "stated": a.stated,
        "computed": a.computed, "check": a.check, "evidence": a.evidence,
    }


class Records:
    """Rows of one table held column by column (name -> sequence of values, all the same
    length: lists, or tuples where ``fact_columns`` gathers them).

    What a batch worker sends back for a document's facts and findings: one list per column is
    cheaper to build (no dict per row), to pickle and to turn into Arrow arrays in the store than
    a list of row dicts. ``len()`` is the number of rows; iterating yields the row dicts of
    ``fact_record``/``anomaly_record`` (same keys, same values, same order). Two columns may
    be one list (a bound equal to the value throughout: pickled once): replace a column, never
    change its list in place.
    """

    __slots__ = ("columns", "length")

    def __init__(self, columns: dict[str, list], length: int) -> None:
        self.columns = columns
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __iter__(self):
        names = list(self.columns)
        for values in zip(*self.columns.values()):
            yield dict(zip(names, values))

    def __getitem__(self, i: int) -> dict:
        return {c: v[i] for c, v in self.columns.items()}

    def __getstate__(self):
        return self.columns, self.length

    def __setstate__(self, state) -> None:
        self.columns, self.length = state

    @classmethod
    def from_dicts(cls, rows: list[dict], columns: list[str]) -> Records:
        """Records of row dicts (a processor that returns dicts); absent keys become None."""
        return cls({c: [r.get(c) for r in rows] for c in columns}, len(rows))


def _bounds(values: list, value: list, exact: list[str], floats: list) -> tuple[list, list]:
    """``_exacts`` and floats of a bound column (value_low/value_high): a bound that is the
    value's own Decimal object (most figures: low is high is value, or all three None) takes
    the value's results; only the other rows (4 % on the corpus) are converted."""
    rows = list(compress(range(len(values)), map(is_not, values, value)))
    if not rows:
        return exact, floats
    exact, floats = exact.copy(), floats.copy()
    for i, e in zip(rows, _exacts([values[i] for i in rows])):
        exact[i] = e
        floats[i] = float(e) if e else None
    return exact, floats


def _floats(exact: list[str]) -> list:
    # float(d) is float(str(d)) in CPython's Decimal.__float__, and the exact string is the same
    # number: the same floats, without formatting each Decimal a second time
    return [float(s) if s else None for s in exact]


_fact_getters = [(c, attrgetter(c)) for c in FACT_COLUMNS]   # a Fact has each column's attribute


def fact_columns(facts: list[Fact]) -> Records:
    """The same values as ``[fact_record(f) for f in facts]``, column by column."""
    if not facts:
        return Records({c: [] for c in FACT_COLUMNS + EXACT_COLUMNS}, 0)
    # one attrgetter per column mapped over the facts (C loops, no tuple per fact as the rows
    # then zip(*) had: 18k young objects a corpus, 27 young collections), each column a tuple:
    # a tuple of plain values leaves the garbage collector's care at its first collection,
    # while a list is traversed again by every older collection as long as the records wait
    # for the store (a gen1 pass over them was 5-8 ms in bench_stages)
    col = {c: tuple(map(get, facts)) for c, get in _fact_getters}
    value, low, high = col["value"], col["value_low"], col["value_high"]
    exact = _exacts(value)
    floats = _floats(exact)
    low_exact, low_floats = _bounds(low, value, exact, floats)
    high_exact, high_floats = _bounds(high, value, exact, floats)
    col["value"], col["value_low"], col["value_high"] = floats, low_floats, high_floats
    col["value_exact"], col["value_low_exact"], col["value_high_exact"] = (
        exact, low_exact, high_exact)
    return Records(col, len(facts))


def anomaly_columns(anomalies: list[Anomaly]) -> Records:
    """The same values as ``[anomaly_record(a) for a in anomalies]``, column by column."""
    col = {}
    for name in ANOMALY_COLUMNS:
        if name == "fact_ids":
            col[name] = [list(a.fact_ids) for a in anomalies]
        else:
            col[name] = [getattr(a, name) for a in anomalies]
    return Records(col, len(anomalies))


FACT_DTYPES = {"start": "int64", "end": "int64", "value": "float64", "value_low": "float64",
               "value_high": "float64", "decimals": "Int64", "page": "Int64", "sentence": "int64"}


def facts_frame(facts: Iterable[Fact | dict]) -> pd.DataFrame:
    import pandas as pd

    rows = [f if isinstance(f, dict) else fact_record(f) for f in facts]
    df = pd.DataFrame(rows, columns=FACT_COLUMNS + EXACT_COLUMNS)
    return df.astype(FACT_DTYPES)


def anomalies_frame(anomalies: Iterable[Anomaly | dict]) -> pd.DataFrame:
    import pandas as pd

    rows = [a if isinstance(a, dict) else anomaly_record(a) for a in anomalies]
    df = pd.DataFrame(rows, columns=ANOMALY_COLUMNS)
    return df.astype({"start": "int64", "end": "int64"})


def documents_frame(rows: Iterable[dict]) -> pd.DataFrame:
    import pandas as pd

    df = pd.DataFrame(list(rows), columns=DOCUMENT_COLUMNS)
    return df.astype({"chars": "int64", "facts": "int64", "anomalies": "int64",
                      "pages": "Int64", "report_year": "Int64"})

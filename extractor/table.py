"""Records ↔ pandas DataFrames with the schema's columns (../shared/SCHEMA.md).

Values are Decimal in memory; in a DataFrame ``value``/``value_low``/``value_high`` are floats
(what analysts compute with) and the exact decimal strings are kept in ``value_exact`` etc.
"""
from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import compress, repeat
from operator import attrgetter, is_not
from struct import error as StructError
from struct import pack
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
    """Rows of one table held column by column (name -> column of values, all the same length).

    What a batch worker sends back for a document's facts and findings: one column per name is
    cheaper to build (no dict per row), to pickle and to turn into Arrow arrays in the store than
    a list of row dicts. A column is a list or tuple of values, or one of the packed forms of
    ``fact_columns`` (``Same``, ``Texts``, ``Floats``, ``array.array`` of ints): a few large
    objects per column, which pickle as bytes and become Arrow buffers without a Python object
    per value. ``len()`` is the number of rows; iterating yields the row dicts of
    ``fact_record``/``anomaly_record`` (same keys, same values, same order). Two columns may be
    one object (a bound equal to the value throughout: pickled once): replace a column, never
    change it in place.
    """

    __slots__ = ("columns", "length")

    def __init__(self, columns: dict[str, Sequence], length: int) -> None:
        self.columns = columns
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __iter__(self):
        names = list(self.columns)
        for values in zip(*self.columns.values()):     # (every form of column iterates)
            yield dict(zip(names, values))

    def __getitem__(self, i: int) -> dict:
        return {c: list(v)[i] for c, v in self.columns.items()}

    def __getstate__(self):
        return self.columns, self.length

    def __setstate__(self, state) -> None:
        self.columns, self.length = state

    @classmethod
    def from_dicts(cls, rows: list[dict], columns: list[str]) -> Records:
        """Records of row dicts (a processor that returns dicts); absent keys become None."""
        return cls({c: [r.get(c) for r in rows] for c in columns}, len(rows))


# -- packed columns: what fact_columns sends instead of a Python object per value ---------------
class Same:
    """A column whose rows all hold one value (a document's ``doc_id`` and ``source``, a text
    column empty throughout, a ``page`` column without pages): the value and the row count."""

    __slots__ = ("value", "n")

    def __init__(self, value, n: int) -> None:
        self.value = value
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        return repeat(self.value, self.n)

    def __reduce__(self):
        return Same, (self.value, self.n)


class Texts:
    """A text column of ``n`` (>= 2) texts joined into one string with ``SEP`` between them,
    none of which holds ``SEP``: the store encodes one string per column and flush and reads
    the byte offsets off the separators, and pickling writes one string instead of one object
    per text (the lengths of the texts would cost the worker more than the texts themselves)."""

    __slots__ = ("joined", "n")

    def __init__(self, joined: str, n: int) -> None:
        self.joined = joined
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        return iter(self.joined.split(SEP))

    def __reduce__(self):
        return Texts, (self.joined, self.n)


class Floats:
    """A float column parsed from the exact decimal strings of ``exact`` (a packed text
    column: the same object as the ``*_exact`` column, pickled once): ``float(s)``, None for
    "". The store parses them all at once (Arrow's cast, correctly rounded as ``float`` is);
    only plain decimals (digits, "-", ".") are left to it, ``fact_columns`` gives the floats of
    other strings (NaN, Infinity) as a list."""

    __slots__ = ("exact",)

    def __init__(self, exact) -> None:
        self.exact = exact

    def __len__(self) -> int:
        return len(self.exact)

    def __iter__(self):
        return (float(s) if s else None for s in self.exact)

    def __reduce__(self):
        return Floats, (self.exact,)


SEP = "\x00"        # between the texts of a Texts column (U+0000: byte 0 in UTF-8, nowhere else)


def _pack_texts(values: tuple, n: int):
    """A text column packed: ``Same`` if every row holds the first row's value (compared in
    C, identity first), else ``Texts``; a value that is not a str (a processor's None) or a
    text holding ``SEP`` leaves the tuple as it is, for the store's general path."""
    first, last = values[0], values[-1]
    # the last row first: a column that varies (text, fact_id) mostly differs there, and then
    # the count, a comparison per row, is not needed (the same comparison as count's)
    if ((first is None or type(first) is str) and (last is first or last == first)
            and values.count(first) == n):
        return Same(first, n)
    try:
        joined = SEP.join(values)
    except TypeError:
        return values
    if joined.count(SEP) != n - 1:
        return values
    return Texts(joined, n)


def _pack_ints(values: tuple, code: str, n: int):
    """An int or bool column as ``array(code)`` ('q': int64, 'b': bool); all None: ``Same``;
    some None or another type: the tuple as it is.

    The values go through ``struct.pack`` first (the same codes, native layout): it takes a
    value as array does (an int, a bool, anything with ``__index__``; the same ranges) for
    less than array's argument parsing per item (17 M of the corpus's ~350 M instructions of
    records). A value struct refuses (None, 1.5, 2**63) is left to array, which refuses it
    or not as before. struct passes on an error of a value's own ``__index__`` unchanged (a
    one-element numpy array's TypeError): array, which catches those, decides too."""
    try:
        return array(code, pack(f"{n}{code}", *values))
    except (StructError, TypeError, OverflowError):
        pass
    try:
        return array(code, values)
    except (TypeError, OverflowError):
        return Same(None, n) if values.count(None) == n else values


def _bounds(values: tuple, value: tuple, exact: list[str]) -> tuple[list[str], bool]:
    """``_exacts`` of a bound column (value_low/value_high): a bound that is the value's own
    Decimal object (most figures: low is high is value, or all three None) takes the value's
    string; only the other rows (4 % on the corpus) are converted. Returns ``exact`` itself
    when no row differs, and whether the converted values are all of ``_NUMBER_TYPES``."""
    rows = list(compress(range(len(values)), map(is_not, values, value)))
    if not rows:
        return exact, True
    exact = exact.copy()
    others = [values[i] for i in rows]
    for i, e in zip(rows, _exacts(others)):
        exact[i] = e
    return exact, _NUMBER_TYPES.issuperset(map(type, others))


# the types whose exact strings (``_exacts``) are plain decimals or NaN/Infinity: a processor's
# value of any other type (a str) may give a string that float() takes but Arrow does not, or
# neither does
_NUMBER_TYPES = frozenset((Decimal, int, float, bool, type(None)))

# the kind of each fact column (``schema.arrow_type`` gives the same: a test checks it)
_FACT_INTS = ("start", "end", "sentence", "decimals", "page")
_FACT_BOOLS = ("low_open", "high_open")
_FACT_DECIMALS = ("value", "value_low", "value_high")
# a Fact has each column's attribute: one getter reads them all, a tuple per fact
_fact_values = attrgetter(*FACT_COLUMNS)
_fact_packers = [(c, "q" if c in _FACT_INTS else "b" if c in _FACT_BOOLS else "")
                 for c in FACT_COLUMNS if c not in _FACT_DECIMALS]


def fact_columns(facts: list[Fact]) -> Records:
    """The same values as ``[fact_record(f) for f in facts]``, column by column, packed: one
    attrgetter of every column mapped over the facts, its tuples turned into columns by zip
    (C loops, no dict per fact; a getter per column cost a call and a map step per value:
    with the count _pack_texts saves, 13 % of the corpus's records), each column then joined
    (texts), put in an array (numbers) or noted as one value (``Same``)."""
    n = len(facts)
    if not n:
        return Records({c: [] for c in FACT_COLUMNS + EXACT_COLUMNS}, 0)
    values_of = dict(zip(FACT_COLUMNS, zip(*map(_fact_values, facts))))
    col = {}
    for c, code in _fact_packers:
        values = values_of[c]
        col[c] = _pack_ints(values, code, n) if code else _pack_texts(values, n)
    value, low, high = values_of["value"], values_of["value_low"], values_of["value_high"]
    exact = _exacts(value)
    numbers = _NUMBER_TYPES.issuperset(map(type, value))
    low_exact, low_numbers = _bounds(low, value, exact)
    high_exact, high_numbers = _bounds(high, value, exact)
    packed: dict[int, tuple] = {}       # a bound equal to the value throughout: the same objects
    for name, strings, plain in (("value", exact, numbers),
                                 ("value_low", low_exact, numbers and low_numbers),
                                 ("value_high", high_exact, numbers and high_numbers)):
        got = packed.get(id(strings))
        if got is None:
            texts = _pack_texts(tuple(strings), n)
            k = type(texts)
            probe = (texts.joined if k is Texts else texts.value if k is Same
                     else "".join(strings))
            # only digits, "-" and "." are left to the store; "NaN", "sNaN" and "Infinity"
            # (all with an "n" or "N") are parsed here, as before (sNaN fails the document);
            # so are the strings of values that are no numbers (a processor's "1,000"): float()
            # raises here, in the worker, and the document fails instead of the store's flush
            if "n" in probe or "N" in probe or not plain:
                got = ([float(s) if s else None for s in strings], texts)
            else:
                got = (Floats(texts), texts)
            packed[id(strings)] = got
        col[name], col[name + "_exact"] = got
    return Records({c: col[c] for c in FACT_COLUMNS + EXACT_COLUMNS}, n)


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

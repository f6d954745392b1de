"""The column lists the workers send (``fact_columns``/``anomaly_columns``) hold exactly the
row dicts of ``fact_record``/``anomaly_record``: same keys in the same order, same values."""
from __future__ import annotations

import pytest

from extractor.model import Fact
from extractor.table import (EXACT_COLUMNS, FACT_COLUMNS, anomaly_columns, anomaly_record,
                             fact_columns, fact_record)


def test_columns_equal_records_on_the_sample_report(sample_path):
    from extractor.pipeline import process_path

    r = process_path(sample_path)
    assert r.facts and r.anomalies
    facts = fact_columns(r.facts)
    assert list(facts.columns) == FACT_COLUMNS + EXACT_COLUMNS
    assert list(facts) == [fact_record(f) for f in r.facts]
    assert list(anomaly_columns(r.anomalies)) == [anomaly_record(a) for a in r.anomalies]


def test_no_facts_gives_every_column_empty():
    empty = fact_columns([])
    assert len(empty) == 0 and list(empty.columns) == FACT_COLUMNS + EXACT_COLUMNS
    assert all(v == [] for v in empty.columns.values())


def test_one_fact_with_decimals_and_nones():
    from decimal import Decimal

    f = Fact(doc_id="d", kind="money", text="约1200万元", start=0, end=7,
             value=Decimal("12000000"), value_low=Decimal("1.50"), value_high=None)
    assert list(fact_columns([f])) == [fact_record(f)]


def test_exact_strings_and_floats_of_any_decimal():
    """_exacts (str, then format only where str writes an exponent) is the plain decimal of
    format(d, "f") without trailing fractional zeros, under either exponent capitalisation;
    the floats the store holds (parsed by Arrow from the exact strings, or by float() in the
    worker where there is a NaN or an infinity) are float(d), NaN as null."""
    import decimal
    import random
    from decimal import Decimal

    from extractor.batch.store import _arrow_of
    from extractor.table import _exacts

    def reference(d):
        if d is None:
            return ""
        s = format(d, "f")
        return s.rstrip("0").rstrip(".") if "." in s else s

    rng = random.Random(5)
    special = [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")]
    values = [None, Decimal("0E-7"), Decimal("-0.00"), Decimal("1E+400"), Decimal("1E-400"),
              Decimal("1.2E+7"), Decimal("7.50"), Decimal("0.0000001"), Decimal("100E-2"),
              Decimal("9" * 40 + "." + "9" * 40), Decimal("2.2250738585072011E-308"),
              Decimal("4.9406564584124654E-324"), Decimal("1.7976931348623158E+308")]
    values += [Decimal(f"{rng.choice(['', '-'])}{rng.randint(0, 10 ** rng.randint(0, 25))}"
                       f"E{rng.randint(-30, 30)}") for _ in range(3000)]
    values += [Decimal(f"{rng.randint(0, 10 ** 17)}E{rng.randint(-340, 300)}")
               for _ in range(1000)]
    with decimal.localcontext() as ctx:
        for caps in (1, 0):
            ctx.capitals = caps
            for some in (values, values[:9] + special + values[9:]):
                exact = _exacts(some)
                assert exact == [reference(d) for d in some]
                facts = [Fact(doc_id="d", kind="money", text="x", start=i, end=i + 1, value=d,
                              value_low=d if i % 3 else None, value_high=d)
                         for i, d in enumerate(some)]
                recs = fact_columns(facts)
                # the store parses the plain decimals; the worker those with a NaN or infinity
                assert isinstance(recs.columns["value"], list) == (some is not values)
                tab = _arrow_of("facts", [recs])
                for c in ("value", "value_low", "value_high"):
                    want = [None if f.value is None or not i % 3 and c == "value_low"
                            or f.value.is_nan() else float(f.value)
                            for i, f in enumerate(facts)]
                    got = tab.column(c).to_pylist()
                    assert list(map(repr, got)) == list(map(repr, want)), c


def test_bounds_other_than_the_value():
    from decimal import Decimal

    v, lo, hi = Decimal("12.50"), Decimal("1E+1"), Decimal("15")
    facts = [Fact(doc_id="d", kind="money", text="x", start=i, end=i + 1, value=value,
                  value_low=low, value_high=high)
             for i, (value, low, high) in enumerate([(v, v, v), (v, lo, None), (None, None, hi),
                                                     (v, Decimal("12.5"), v), (None, None, None)])]
    assert list(fact_columns(facts)) == [fact_record(f) for f in facts]


def _corpus_results(shared_dir, n=12):
    from extractor.pipeline import process_path

    files = sorted(p for p in (shared_dir / "corpus" / "raw").iterdir() if p.is_file())
    return [process_path(p) for p in files[:n]]


def test_packed_columns_pickled_give_the_records_and_the_stores_rows(shared_dir, tmp_path):
    """The packed columns (Same, Texts, Floats, arrays), pickled as a worker sends them, give
    the row dicts of fact_record, and the store holds from them exactly the rows it holds from
    those row dicts (the path of a processor that returns dicts), in both stores."""
    import pickle

    import pyarrow as pa

    from extractor.batch.scratch import ScratchStore
    from extractor.batch.store import Store
    from extractor.batch.worker import Task, finish

    results = _corpus_results(shared_dir)
    packed, dicts = [], []
    for r in results:
        src = r.document["source"]
        task = Task(src, src, r.document["sha256"], None, False, None, "")
        o = finish(task, dict(r.document), fact_columns(r.facts), anomaly_columns(r.anomalies),
                   seconds=None)
        o = pickle.loads(pickle.dumps(o))
        assert list(o[1]) == [{**fact_record(f), "source": src} for f in r.facts]
        packed.append(o)
        dicts.append((dict(o[0]), [{**fact_record(f), "source": src} for f in r.facts],
                      [{**anomaly_record(a), "source": src} for a in r.anomalies]))
    kinds = {type(c).__name__ for o in packed for c in o[1].columns.values()}
    assert {"Same", "Texts", "Floats", "array"} <= kinds
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    got = []
    for outcomes, folder in ((packed, "a"), (dicts, "b")):
        for st in (ScratchStore(tmp_path / folder), Store(tmp_path / f"{folder}.duckdb")):
            for i in range(0, len(outcomes), 5):
                st.add_many(outcomes[i:i + 5], run_id=1)
            got.append({t: pa.Table.from_batches(list(st.batches(t)))
                        for t in ("facts", "anomalies", "documents")})
            st.close()
    for other in got[1:]:
        for t in got[0]:
            assert other[t].equals(got[0][t]), t


def test_odd_values_take_the_general_path():
    """Texts holding the store's separator, None where a text belongs, numbers of other types,
    NaN and infinities: the packed columns fall back to plain values, and the store holds what
    the row dicts give."""
    from decimal import Decimal

    from extractor.batch.store import UnstorableValue, _arrow_of
    from extractor.table import SEP

    def fact(i, **kw):
        return Fact(doc_id="d", kind="money", text=f"t{i}", start=i, end=i + 1,
                    value=Decimal(i), **kw)

    cases = [
        [fact(0, subject="a" + SEP + "b"), fact(1, subject="c")],          # separator inside
        [fact(0, unit=None), fact(1, unit="元")],                         # None for a text
        [fact(0, page=3), fact(1, page=None), fact(2)],                   # some pages
        [fact(0, decimals=2 ** 70), fact(1)],                              # beyond int64
        [fact(0, low_open=None), fact(1, low_open=True)],
        [Fact(doc_id="d", kind="k", text="x", start=0, end=1, value=Decimal("NaN")),
         fact(1, value_high=Decimal("-Infinity"))],
        [fact(0)],                                                         # one row
        [fact(i, section=SEP) for i in range(3)],                          # Same with SEP
    ]
    for facts in cases:
        recs = fact_columns(facts)
        rows = [fact_record(f) for f in facts]
        assert list(recs) == rows or facts[0].value.is_nan()
        try:
            want = _arrow_of("facts", [rows])
        except UnstorableValue as exc:  # int64 overflow: both ways, naming the column
            assert (exc.table, exc.column) == ("facts", "decimals")
            with pytest.raises(UnstorableValue, match="decimals: .* beyond the range of int64"):
                _arrow_of("facts", [recs])
            continue
        assert _arrow_of("facts", [recs]).equals(want)
        assert _arrow_of("facts", [recs, rows, recs]).equals(
            _arrow_of("facts", [rows, rows, rows]))


def test_packed_kinds_agree_with_the_schema():
    """fact_columns packs each column by the kind the store's schema gives it."""
    import pyarrow as pa

    from extractor.batch.schema import arrow_type
    from extractor.table import _FACT_BOOLS, _FACT_DECIMALS, _FACT_INTS

    for c in FACT_COLUMNS:
        want = {pa.int64(): "int", pa.bool_(): "bool", pa.float64(): "decimal"}.get(
            arrow_type(c), "text")
        got = ("int" if c in _FACT_INTS else "bool" if c in _FACT_BOOLS
               else "decimal" if c in _FACT_DECIMALS else "text")
        assert got == want, c


def test_a_value_float_cannot_parse_fails_in_the_worker_as_before():
    """A processor's value that is no number (a str such as "1,000" or "1-2"): float() of its
    exact string raised in fact_columns, so the worker recorded the document as failed (5d0ac2f).
    It must not be left to the store's parse, where the error would end the run in the parent.
    Odd strings that float() takes (" 12", "1_000", full-width digits) keep float()'s value."""
    from decimal import Decimal

    from extractor.batch.store import _arrow_of

    def fact(i, v, **kw):
        return Fact(doc_id="d", kind="money", text=f"t{i}", start=i, end=i + 1, value=v, **kw)

    for bad in ("1,000", "1-2", "abc"):
        with pytest.raises(ValueError):
            fact_columns([fact(0, bad), fact(1, Decimal(2))])
        with pytest.raises(ValueError):        # in a bound, too
            fact_columns([fact(0, Decimal(1), value_low=bad), fact(1, Decimal(2))])
    facts = [fact(0, " 12"), fact(1, "1_000"), fact(2, "１２", value_high="1_5")]
    recs = fact_columns(facts)
    rows = [fact_record(f) for f in facts]
    assert list(recs) == rows
    assert _arrow_of("facts", [recs]).equals(_arrow_of("facts", [rows]))


def test_storing_packed_floats_does_not_import_pandas(tmp_path):
    """The store parses a Floats column with Arrow's cast; a Python 0.0 handed to fill_null
    became an Arrow scalar through pa.scalar, which imports pandas on its first call (0.2-0.3
    CPU s and ~45 MB in every run's parent). The parsed values and the nulls stay as they were:
    the floats of the exact strings, 0.0 under a null."""
    import subprocess
    import sys

    code = f"""
import sys
from decimal import Decimal
import numpy as np
from extractor.model import Fact
from extractor.table import Floats, fact_columns
from extractor.batch.scratch import ScratchStore
from extractor.batch.store import _arrow_of
facts = [Fact(doc_id="d", kind="money", text=f"t{{i}}", start=i, end=i + 1,
              value=None if i % 3 == 0 else Decimal(i) / 7 if i % 2 else Decimal(-i))
         for i in range(40)]
recs = fact_columns(facts)
assert type(recs.columns["value"]) is Floats
tab = _arrow_of("facts", [recs])
col = tab.column("value").chunk(0)
assert col.to_pylist() == [None if f.value is None else float(str(f.value)) for f in facts]
data = np.frombuffer(col.buffers()[1], np.float64, len(col), col.offset)
assert (data[[i for i, f in enumerate(facts) if f.value is None]] == 0.0).all()
st = ScratchStore({str(tmp_path)!r})
st.add_many([({{"source": "a.txt", "doc_id": "d", "sha256": "s", "status": "ok"}}, recs, [])])
st.close()
print(sorted(m for m in sys.modules if m == "pandas"))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_a_text_column_is_same_exactly_when_every_row_equals_the_first(shared_dir):
    """_pack_texts compares the last row with the first before it counts: on the text columns
    of corpus documents, and on columns that differ only in the middle or only in the last
    row, it gives ``Same`` exactly where every row equals the first (the plain definition),
    and the rows as they are in every case."""
    from extractor.table import _FACT_BOOLS, _FACT_DECIMALS, _FACT_INTS, Same, _pack_texts

    columns = [("a",), ("a", "a", "a"), ("a", "b", "a"), ("a", "a", "b"), ("b", "a", "a"),
               (None, None), (None, "x"), ("x", None), ("", ""), ("", "x", "")]
    texts = [c for c in FACT_COLUMNS if c not in _FACT_INTS + _FACT_BOOLS + _FACT_DECIMALS]
    for r in _corpus_results(shared_dir, n=6):
        columns += [tuple(getattr(f, c) for f in r.facts) for c in texts if r.facts]
    sames = 0
    for values in columns:
        n = len(values)
        packed = _pack_texts(values, n)
        plain = (values[0] is None or type(values[0]) is str) and values.count(values[0]) == n
        assert (type(packed) is Same) is plain, values[:3]
        assert list(packed) == list(values)
        sames += plain
    assert 0 < sames < len(columns)


def test_packed_ints_are_arrays_of_the_same_values_or_fall_back_as_before(shared_dir):
    """_pack_ints packs through struct before array: on the number columns of corpus
    documents and on odd values (None, floats, out of range, bools, __index__ objects) it
    gives what ``array(code, values)`` gives, or falls back exactly where array raises."""
    from array import array
    from fractions import Fraction

    from extractor.table import _FACT_BOOLS, _FACT_INTS, _pack_ints

    import numpy as np

    class Index:
        def __index__(self):
            return 7

    class Refusing:             # an __index__ that raises OverflowError itself: struct lets
        def __index__(self):    # it through unchanged, as it does any error of __index__
            raise OverflowError("no int64 for this")

    columns = [("q", (1, 2, 3)), ("q", (True, 0, -5)), ("q", (2**63 - 1, -(2**63))),
               ("q", (2**63,)), ("q", (1, None)), ("q", (None, None)), ("q", (1.0, 2)),
               ("q", (Index(), 1)), ("q", (Fraction(1), 1)), ("b", (True, False)),
               ("b", (2, -128, 127)), ("b", (128,)), ("b", (-129, 0)), ("b", (None, True)),
               ("q", (np.int64(5), np.uint8(200), np.int32(-3))), ("q", (np.uint64(2**64 - 1),)),
               ("b", (np.bool_(True), 1)), ("q", (np.array(4), 1)),
               # a processor's start as a one-element array (np.flatnonzero(...)[:1]): its
               # __index__ raises TypeError, which struct does not turn into struct.error
               ("q", (1, np.array([3]))), ("b", (np.array([1]),)), ("q", (Refusing(), 1))]
    for r in _corpus_results(shared_dir, n=6):
        columns += [("q" if c in _FACT_INTS else "b", tuple(getattr(f, c) for f in r.facts))
                    for c in _FACT_INTS + _FACT_BOOLS if r.facts]
    arrays = 0
    for code, values in columns:
        n = len(values)
        got = _pack_ints(values, code, n)
        try:
            want = array(code, values)
        except (TypeError, OverflowError):
            assert type(got) is not array
            continue
        assert type(got) is array and got.typecode == code and got == want, values[:3]
        arrays += 1
    assert arrays > 10

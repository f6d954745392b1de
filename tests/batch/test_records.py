"""The column lists the workers send (``fact_columns``/``anomaly_columns``) hold exactly the
row dicts of ``fact_record``/``anomaly_record``: same keys in the same order, same values."""
from __future__ import annotations

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
    the floats parsed from it are float(d)."""
    import decimal
    import random
    from decimal import Decimal

    from extractor.table import _exacts, _floats

    def reference(d):
        if d is None:
            return ""
        s = format(d, "f")
        return s.rstrip("0").rstrip(".") if "." in s else s

    rng = random.Random(5)
    values = [None, Decimal("0E-7"), Decimal("-0.00"), Decimal("1E+400"), Decimal("1E-400"),
              Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("1.2E+7"),
              Decimal("7.50"), Decimal("0.0000001"), Decimal("100E-2")]
    values += [Decimal(f"{rng.choice(['', '-'])}{rng.randint(0, 10 ** rng.randint(0, 25))}"
                       f"E{rng.randint(-30, 30)}") for _ in range(3000)]
    with decimal.localcontext() as ctx:
        for caps in (1, 0):
            ctx.capitals = caps
            exact = _exacts(values)
            assert exact == [reference(d) for d in values]
            for d, f in zip(values, _floats(exact)):
                assert (f is None) if d is None else repr(f) == repr(float(d))


def test_bounds_other_than_the_value():
    from decimal import Decimal

    v, lo, hi = Decimal("12.50"), Decimal("1E+1"), Decimal("15")
    facts = [Fact(doc_id="d", kind="money", text="x", start=i, end=i + 1, value=value,
                  value_low=low, value_high=high)
             for i, (value, low, high) in enumerate([(v, v, v), (v, lo, None), (None, None, hi),
                                                     (v, Decimal("12.5"), v), (None, None, None)])]
    assert list(fact_columns(facts)) == [fact_record(f) for f in facts]

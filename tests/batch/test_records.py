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

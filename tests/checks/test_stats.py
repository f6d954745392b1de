"""Corpus statistics: Benford, last two digits, round numbers, repeated figures."""
from __future__ import annotations

import math
import random
from decimal import Decimal

from extractor.checks.stats import corpus_stats, first_digits, format_stats
from extractor.model import Fact
from extractor.table import facts_frame


def _facts(values, kind="money", unit="CNY", decimals=0, text=None):
    out = []
    for i, v in enumerate(values):
        out.append(Fact(doc_id=f"d{i % 7}", kind=kind, text=text or f"{v}元", start=i * 10, end=i * 10 + 5,
                        value=Decimal(v), value_low=Decimal(v), value_high=Decimal(v), decimals=decimals, unit=unit))
    return out


def test_first_digits() -> None:
    assert first_digits(Decimal("12000000"), 1) == 1
    assert first_digits(Decimal("0.0356"), 2) == 35
    assert first_digits(Decimal("3"), 2) == 30


def test_benford_data_conforms_and_uniform_does_not() -> None:
    rng = random.Random(7)
    benford = [Decimal(str(round(10 ** rng.uniform(1, 6)))) for _ in range(4000)]
    st = corpus_stats(facts_frame(_facts(benford)))
    assert st["benford_f1d"]["conformity"] in ("close conformity", "acceptable conformity")
    assert st["benford_f1d"]["n"] == 4000 and not st["benford_f1d"]["underpowered"]
    uniform = [Decimal(rng.randint(100, 999)) for _ in range(4000)]
    st2 = corpus_stats(facts_frame(_facts(uniform)))
    assert st2["benford_f1d"]["conformity"] == "nonconformity"
    assert st2["benford_f1d"]["chi2"] > st2["benford_f1d"]["chi2_crit99"]
    assert 1 in st2["benford_f1d"]["z_over_3_29"]


def test_exclusions_years_percent_ids() -> None:
    facts = _facts(["2023"], kind="count", unit="", text="2023") + _facts(["7.5"], kind="percent", unit="%") \
        + _facts(["5"], kind="count", unit="号") + _facts(["19"], kind="count", unit="起")
    st = corpus_stats(facts_frame(facts))
    assert st["n_used"] == 1
    assert st["excluded"] == {"year": 1, "percent": 1, "identifier": 1}


def test_last_two_and_round_use_written_figure() -> None:
    # 1200万元 (decimals -4) is written 1200: ends in 00, divisible by 100
    facts = _facts(["12000000"] * 3, decimals=-4) + _facts(["356000000"], decimals=-6)
    st = corpus_stats(facts_frame(facts))
    assert st["last_two"]["n"] == 4
    assert math.isclose(st["last_two"]["share_00"], 0.75)
    assert math.isclose(st["round_numbers"]["div100"]["observed"], 0.75)
    rep = st["repeated"][0]
    assert rep["value"] == "12000000" and rep["count"] == 3 and rep["documents"] == 3
    text = format_stats(st)
    assert "Benford F1D" in text and "Last two digits" in text and "12000000" in text


def test_empty() -> None:
    st = corpus_stats(facts_frame([]))
    assert st["n_used"] == 0 and st["benford_f1d"]["conformity"] == "no data"
    assert "Facts: 0" in format_stats(st)

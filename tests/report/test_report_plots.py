"""Corpus plot statistics (Benford F1D with Nigrini's MAD bands, last two digits, recurring
indicators) on figures whose answers are worked out by hand, and the PNGs themselves."""
from __future__ import annotations

import math
from decimal import Decimal

import pytest

from extractor.model import Anomaly, Fact
from extractor.report import ReportItem
from extractor.report.plots import (
    benford_first_digit, corpus_plots, first_digit, issuer_of, last_two_digits, mad_conformity,
    plot_targets, recurring_indicators, series_by_subject, written_integer,
)

PNG = b"\x89PNG\r\n\x1a\n"


def money(text: str, value: str, decimals: int, subject: str = "", modality: str = "actual",
          kind: str = "money", unit: str = "CNY", period: str = "") -> Fact:
    v = Decimal(value)
    return Fact("d", kind, text, 0, len(text), value=v, value_low=v, value_high=v,
                decimals=decimals, unit=unit, subject=subject, modality=modality, period=period)


@pytest.mark.parametrize("value,digit", [("12000000", 1), ("2112000000", 2), ("0.35", 3),
                                         ("9.8", 9), ("0", None), ("-5", None)])
def test_first_significant_digit(value, digit):
    assert first_digit(Decimal(value)) == digit


def test_benford_mad_and_band_worked_by_hand():
    # every value starts with 1: observed (1, 0, …, 0); MAD = 2 * (1 - log10 2) / 9
    st = benford_first_digit([Decimal("12000000"), Decimal("1530"), Decimal("14.043")])
    assert st["n"] == 3 and st["counts"][0] == 3
    assert st["mad"] == pytest.approx(2 * (1 - math.log10(2)) / 9)
    assert st["conformity"] == "nonconformity" and st["small_sample"]
    # a sample exactly proportional to Benford (rounded to 1000 values) conforms closely
    exact = [Decimal(d) for d in range(1, 10)
             for _ in range(round(1000 * math.log10(1 + 1 / d)))]
    close = benford_first_digit(exact)
    assert close["mad"] < 0.001 and close["conformity"] == "close conformity"
    assert close["chi2"] < 15.507


@pytest.mark.parametrize("mad,band", [(0.006, "close conformity"), (0.0061, "acceptable conformity"),
                                      (0.012, "acceptable conformity"),
                                      (0.0121, "marginally acceptable conformity"),
                                      (0.015, "marginally acceptable conformity"), (0.0151, "nonconformity")])
def test_nigrini_f1d_cut_offs(mad, band):
    assert mad_conformity(mad) == band


def test_written_integer_and_last_two_digits_use_the_figure_as_written():
    assert written_integer(money("1200万元", "12000000", -4)) == 1200
    assert written_integer(money("7.5%", "7.5", 1, kind="percent", unit="%")) == 75
    assert written_integer(money("56.324千米", "56.324", 3, kind="quantity", unit="千米")) == 56324
    assert written_integer(money("21.12亿元", "2112000000", -6)) == 2112
    facts = [money("1200万元", "12000000", -4), money("650万元", "6500000", -4),
             money("966万元", "9660000", -4), money("9.1亿元", "910000000", -7),
             money("8月16日", "16", 0, kind="date", unit="")]
    st = last_two_digits(facts)
    # 1200 → 00, 650 → 50, 966 → 66, 91 → 91; the date is not a figure here
    assert st["n"] == 4
    assert [k for k in range(100) if st["counts"][k]] == [0, 50, 66, 91]
    assert st["share_00"] == 0.25


@pytest.mark.parametrize("source,issuer", [
    ("corpus/raw/aldohemsn-wikisource__2019年国务院政府工作报告.txt", "国务院政府工作报告"),
    ("alexzhu0-prov2025__2025年上海市政府工作报告.txt", "上海市政府工作报告"),
    ("corpora/docs/g08_county_gov_report_2023.txt", "g08_county_gov_report"),
])
def test_issuer_key_drops_folder_prefix_and_years(source, issuer):
    assert issuer_of(source) == issuer


def _report(source: str, year: int, facts: list[Fact]) -> ReportItem:
    return ReportItem({"doc_id": source, "source": source, "status": "ok", "report_year": year},
                      "", facts, [])


def _gdp_items() -> tuple[list[ReportItem], Fact]:
    gdp_target_2023 = money("5%左右", "5", 0, "国内生产总值增长", "planned", "percent", "%")
    gdp_target_2023.value_low, gdp_target_2023.value_high = Decimal("4.5"), Decimal("5.5")
    gdp_outcome_2023 = money("5.2%", "5.2", 1, "国内生产总值增长", "actual", "percent", "%",
                             period="2023")
    gdp_target_2024 = money("5%左右", "5", 0, "国内生产总值增长", "planned", "percent", "%")
    items = [
        _report("x__2023年国务院政府工作报告.txt", 2023, [gdp_target_2023]),
        _report("x__2024年国务院政府工作报告.txt", 2024, [gdp_outcome_2023, gdp_target_2024]),
        # another issuer with the same subject must not be mixed in
        _report("x__2024年上海市政府工作报告.txt", 2024,
                [money("5.0%", "5.0", 1, "国内生产总值增长", "actual", "percent", "%")]),
    ]
    return items, gdp_outcome_2023


def _check_gdp(rec: list[dict], outcome: Fact) -> dict:
    assert len(rec) == 1
    r = rec[0]
    assert "国内生产总值" in r["subject"] and "上海" not in r["issuer"]
    assert r["years"] == [2023, 2024] and r["paired"] == [2023]
    assert sorted(r["target"]) == [2023, 2024] and list(r["outcome"]) == [2023]
    assert r["outcome"][2023] is outcome
    return r


def test_targets_vs_outcomes_by_subject_pairs_one_issuer_across_years():
    items, outcome = _gdp_items()
    series = series_by_subject(items)
    rec = [{"issuer": k[0], "subject": k[1], "years": sorted(set(v["target"]) | set(v["outcome"])),
            "paired": sorted(set(v["target"]) & set(v["outcome"])), **v}
           for k, v in series.items() if set(v["target"]) & set(v["outcome"])]
    r = _check_gdp(rec, outcome)
    assert r["subject"] == "国内生产总值增长"
    assert r["issuer"] in ("国务院政府工作报告", "政府工作报告")   # ours or the checks' key


def test_targets_vs_outcomes_plot_uses_the_pairs_the_checks_judge():
    items, outcome = _gdp_items()
    _check_gdp(recurring_indicators(items), outcome)
    plot = plot_targets(items)
    assert plot.stats["indicators"] == 1 and plot.png.startswith(PNG)


def test_no_recurring_indicator_gives_a_note_not_an_empty_chart():
    plot = plot_targets([_report("a.txt", 2023, [money("1200万元", "12000000", -4, "投资")])])
    assert plot.stats["indicators"] == 0 and plot.png.startswith(PNG)
    assert "No indicator recurs" in plot.caption


def test_corpus_plots_are_pngs_with_counts():
    a = Anomaly("d", "percent.out_of_range", "error", "超过100%", "above 100%", 0, 1)
    item = ReportItem({"doc_id": "d", "source": "a.txt", "status": "ok"}, "x",
                      [money("1200万元", "12000000", -4), money("7.5%", "7.5", 1, kind="percent",
                                                              unit="%")], [a])
    plots = corpus_plots([item])
    assert [p.name for p in plots] == ["counts", "benford", "last_two", "targets"]
    assert all(p.png.startswith(PNG) for p in plots)
    assert plots[0].stats["kinds"] == {"money": 1, "percent": 1}
    assert plots[0].stats["codes"] == {"percent.out_of_range|error": 1}
    assert plots[1].stats["n"] == 1          # the percent is not a Benford magnitude


def test_report_figures_are_the_checks_figures_when_the_stats_module_is_there():
    stats = pytest.importorskip("extractor.checks.stats")
    from extractor.report.plots import digit_stats
    from extractor.table import facts_frame

    facts = [money("1200万元", "12000000", -4), money("650万元", "6500000", -4),
             money("966万元", "9660000", -4), money("35家", "35", 0, kind="count", unit="家"),
             money("2035平方米", "2035", 0, kind="quantity", unit="平方米")]
    item = ReportItem({"doc_id": "d", "source": "a.txt", "status": "ok"}, "", facts, [])
    f1d, l2d = digit_stats([item])
    cs = stats.corpus_stats(facts_frame(facts))
    assert f1d["source"] == "extractor.checks.stats"
    assert f1d["n"] == cs["benford_f1d"]["n"] == 4          # money and count only
    assert f1d["mad"] == pytest.approx(cs["benford_f1d"]["mad"])
    assert f1d["conformity"] == cs["benford_f1d"]["conformity"]
    # written figures 1200, 650, 966, 35 → endings 00, 50, 66, 35
    assert l2d["n"] == cs["last_two"]["n"] == 4
    assert [k for k in range(100) if l2d["counts"][k]] == [0, 35, 50, 66]

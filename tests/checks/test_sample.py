"""The sample report end to end (real text, real extraction): every corrupted figure is flagged,
the consistent relations stay silent, chronology and enumeration findings as in the issue."""
from __future__ import annotations

from pathlib import Path

import pytest

from extractor.pipeline import process_path


@pytest.fixture(scope="module")
def sample(sample_path: Path):
    res = process_path(sample_path)
    assert res.document["status"] == "ok", res.document
    text = sample_path.read_text(encoding="utf-8")
    return res, text


def _find(res, code: str, evidence: str, severity: str | None = None):
    hits = [a for a in res.anomalies if a.code == code and evidence in a.evidence]
    if severity:
        hits = [a for a in hits if a.severity == severity]
    return hits


def test_every_evidence_is_the_decoded_span(sample) -> None:
    res, text = sample
    assert len(res.anomalies) >= 15, [(a.code, a.evidence) for a in res.anomalies]
    for a in res.anomalies:
        assert text[a.start:a.end] == a.evidence, a
        assert a.message and a.message_en and a.check
    codes = {a.code for a in res.anomalies}
    assert "check.crashed" not in codes, [a.message for a in res.anomalies if a.code == "check.crashed"]


@pytest.mark.parametrize(("evidence", "code", "severity"), [
    ("20230%", "figure.year_contamination", "warning"),
    ("20230%", "percent.out_of_range", "error"),           # 覆盖率/通达率 above 100%
    ("2023.9%", "figure.year_contamination", "warning"),
    ("2023.9%", "growth.extreme", "warning"),
    ("2023余期", "figure.year_contamination", "warning"),
    ("2022余人", "figure.year_contamination", "warning"),
    ("202330基", "figure.year_contamination", "warning"),
    ("近2023万余", "figure.contradictory_qualifiers", "warning"),
    ("2023万余", "figure.year_contamination", "warning"),
    ("12023国道", "figure.year_contamination", "warning"),  # a road code, not a value fact
    ("20232号", "figure.year_contamination", "warning"),    # a document number, not a value fact
    ("2023千伏", "magnitude.implausible", "warning"),
    ("2023千伏", "figure.year_contamination", "warning"),
    ("2023年2023年", "figure.duplicated_token", "warning"),
    ("2023年12月正式签约,2023年2月开工", "date.out_of_order", "warning"),
    ("2023年工作总结、存在的主要困难和2023年工作打算", "date.plan_year_equals_summary_year", "warning"),
])
def test_corrupted_and_contradictory_figures_flagged(sample, evidence: str, code: str, severity: str) -> None:
    res, _ = sample
    assert _find(res, code, evidence, severity), [(a.code, a.evidence) for a in res.anomalies]


def test_year_contaminated_facts_are_attached(sample) -> None:
    res, text = sample
    for ev in ("20230%", "2023.9%", "2023余期", "202330基"):
        a = _find(res, "figure.year_contamination", ev)[0]
        assert a.fact_ids, ev
        s, e = (int(x) for x in a.fact_ids[0].split(":")[1].split("-"))
        assert text[s:e] == a.evidence


def test_repeated_marker(sample) -> None:
    res, text = sample
    hits = [a for a in res.anomalies if a.code == "enum.marker_out_of_order" and a.evidence == "二是"]
    assert hits
    assert text[hits[0].start:hits[0].start + 9] == "二是“限上企业早完"


@pytest.mark.parametrize("passage", [
    "查处各类案件19起,行政罚款3起,整改16起",
    "第一批335亩土地和225亩林地报批,协议征地560余亩",
    "完成投资1200万元\n2、,已预付650万元",
    "分别是XX市xx区树木园",
    "目前已引进企业35家",
])
def test_consistent_relations_stay_silent(sample, passage: str) -> None:
    res, text = sample
    a0 = text.index(passage)
    a1 = a0 + len(passage)
    loud = [a for a in res.anomalies if a.severity in ("error", "warning") and a.start < a1 and a.end > a0]
    assert not loud, [(a.code, a.evidence) for a in loud]


def test_sum_relations_verified(sample) -> None:
    res, _ = sample
    assert _find(res, "sum.verified", "19起,行政罚款3起,整改16起", "info")
    assert _find(res, "sum.verified", "335亩土地和225亩林地报批,协议征地560余亩", "info")


def test_no_unexpected_errors(sample) -> None:
    res, _ = sample
    errors = [(a.code, a.evidence) for a in res.anomalies if a.severity == "error"]
    assert errors == [("percent.out_of_range", "20230%")]

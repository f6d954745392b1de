"""National government work reports (1954–2025): a bounded false-alarm guard, mutations that
the checks must catch, and the survey that prints findings per 10,000 facts by severity.

The full survey (56 reports, ~1 min) is ``python -m extractor.checks.survey <raw dir> [cache] [jobs]``;
the test runs it on three reports to stay within a few seconds.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from extractor.checks.survey import format_survey, national_paths, survey
from extractor.model import Document
from extractor.pipeline import analyse

PICK = ("2019年国务院政府工作报告", "1982政府工作报告", "2013政府工作报告")


@pytest.fixture(scope="module")
def picked(shared_dir: Path) -> list[Path]:
    paths = national_paths(shared_dir / "corpus" / "raw")
    assert len(paths) >= 50, "the national reports 1954–2025 are expected in corpus/raw"
    out = [p for p in paths if any(k in p.name for k in PICK)]
    assert len(out) == 3
    return out


@pytest.mark.slow
def test_survey_rates_and_no_errors(picked: list[Path]) -> None:
    s = survey(picked)
    assert s["facts"] > 200
    assert set(s["per_10k"]) == {"error", "warning", "info"}
    # false-alarm guard: these reports were read finding by finding; none of their figures contradict
    assert s["totals"]["error"] == 0, [(a.code, a.evidence) for r in s["rows"] for a in r["anomalies"]
                                        if a.severity == "error"]
    text = format_survey(s)
    assert "findings per 10,000 facts" in text and "1982" in text


def _doc(path: Path, old: str, new: str) -> Document:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    return Document(doc_id="mut" + path.stem[-13:], source=path.name, sha256="", encoding="utf-8",
                    text=text.replace(old, new, 1))


@pytest.mark.slow
@pytest.mark.parametrize(("report", "old", "new", "code", "severity"), [
    # a 万/亿 slip in a part: 9300亿元 → 19300亿元
    ("2019年国务院政府工作报告", "地方财政赤字9300亿元", "地方财政赤字19300亿元", "sum.parts_exceed_total", "error"),
    # the report year pasted into a percentage
    ("2019年国务院政府工作报告", "赤字率拟按2.8%安排", "赤字率拟按2019.8%安排", "figure.year_contamination", "warning"),
    # a coverage rate above 100%
    ("2019年国务院政府工作报告", "赤字率拟按2.8%安排", "覆盖率达到128%,赤字率拟按2.8%安排", "percent.out_of_range", "error"),
])
def test_mutations_are_caught(picked: list[Path], report: str, old: str, new: str, code: str, severity: str) -> None:
    path = next(p for p in picked if report in p.name)
    doc = _doc(path, old, new)
    res = analyse(doc)
    pos = doc.text.index(new)
    hits = [a for a in res.anomalies if a.code == code and a.severity == severity
            and a.start < pos + len(new) and a.end > pos]      # the finding points at the mutation
    assert hits, [(a.code, a.severity, a.evidence) for a in res.anomalies]
    assert all(doc.text[a.start:a.end] == a.evidence for a in hits)
    # and nothing else in the report turned into an error
    assert all(a.start < pos + len(new) and a.end > pos for a in res.anomalies if a.severity == "error")

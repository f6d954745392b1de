"""Cross-document checks: targets vs outcomes and restated figures, on two hand-built reports."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from extractor.checks import run_corpus_checks
from extractor.checks.corpus import issuer_of

from .helpers import doc, fx

TV = "corpus.target_vs_outcome"
RF = "corpus.restated_figure"


@dataclass
class CorpusCase:
    code: str
    prev: str
    cur: str
    target: str            # surface of the figure in prev
    outcome: str           # surface of the figure in cur
    hit: bool
    severity: str = ""
    period: str = ""       # period given to both facts (restated figures)

    @property
    def id(self) -> str:
        return f"{self.code}:{'hit' if self.hit else 'quiet'}:{self.outcome}:{self.severity}"


CASES = [
    CorpusCase(TV, "今年发展的主要预期目标是:国内生产总值增长6%-6.5%。", "2019年国内生产总值增长6.1%。",
               "6%-6.5%", "6.1%", True, "info"),
    CorpusCase(TV, "今年发展的主要预期目标是:国内生产总值增长6.5%左右。", "去年国内生产总值增长5.2%。",
               "6.5%", "5.2%", True, "warning"),
    CorpusCase(TV, "居民消费价格涨幅3%左右。", "居民消费价格上涨2.1%。", "3%", "2.1%", True, "info"),
    CorpusCase(TV, "今年发展的主要预期目标是:国内生产总值增长6.5%左右。", "全年粮食产量增长2.1%。",
               "6.5%", "2.1%", False),
    CorpusCase(TV, "国内生产总值增长6.5%左右。", "国内生产总值力争增长6%左右。", "6.5%", "6%", False),
    CorpusCase(RF, "2018年国内生产总值增长6.6%。", "2018年国内生产总值增长6.9%。", "6.6%", "6.9%", True,
               "warning", "2018"),
    CorpusCase(RF, "2018年城镇新增就业增长6.6%。", "2018年城镇新增就业增长5.2%。", "6.6%", "5.2%", True,
               "warning", "2018"),
    CorpusCase(RF, "2018年国内生产总值增长6.6%。", "2018年国内生产总值增长6.6%。", "6.6%", "6.6%", False, "", "2018"),
    CorpusCase(RF, "2018年国内生产总值增长6.6%。", "2019年国内生产总值增长6.1%。", "6.6%", "6.1%", False, "", ""),
]


def _pair(c: CorpusCase):
    p1 = doc(c.prev, report_year=2019, doc_id="a000000000000001")
    p2 = doc(c.cur, report_year=2020, doc_id="b000000000000002")
    if "-" in c.target:
        f1 = fx(p1, "6%", nth=0)
        from decimal import Decimal
        f1.text, f1.end = c.target, f1.start + len(c.target)
        f1.approx, f1.value_low, f1.value_high, f1.value = "range", Decimal(6), Decimal("6.5"), Decimal("6.25")
    else:
        f1 = fx(p1, c.target)
        if "左右" in c.prev[f1.end:f1.end + 2]:
            f1.approx, f1.qualifiers = "about", "左右"
    f2 = fx(p2, c.outcome)
    f1.period = f2.period = c.period
    rows = [
        ({"doc_id": p1.doc.doc_id, "source": "x__2019年国务院政府工作报告.txt", "report_year": 2019}, p1.facts, c.prev),
        ({"doc_id": p2.doc.doc_id, "source": "y__2020政府工作报告_李克强.txt", "report_year": 2020}, p2.facts, c.cur),
    ]
    return rows, f1, f2


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case(case: CorpusCase) -> None:
    rows, f1, f2 = _pair(case)
    found = [a for a in run_corpus_checks(rows, strict=True) if a.code == case.code]
    if not case.hit:
        assert not found, [(a.message) for a in found]
        return
    assert found
    a = found[0]
    assert a.severity == case.severity
    assert a.fact_ids == [f2.fact_id, f1.fact_id]
    assert a.doc_id == f2.doc_id and a.evidence == case.outcome
    assert a.message and a.message_en


@pytest.mark.parametrize(("src", "issuer"), [
    ("aldohemsn-wikisource__2019年国务院政府工作报告.txt", "政府工作报告"),
    ("ropensci-textworkshop17__1964政府工作报告_周恩来_摘要.txt", "政府工作报告"),
    ("alexzhu0-prov2025__2025年上海市政府工作报告.txt", "上海市政府工作报告"),
])
def test_issuer(src: str, issuer: str) -> None:
    assert issuer_of(src) == issuer


def test_pipeline_results_without_text_use_subject_and_modality() -> None:
    """run_corpus_checks on pipeline Result objects: no text, so subject/modality/period decide."""
    from decimal import Decimal

    from extractor.model import Fact
    from extractor.pipeline import Result

    def pct(doc_id: str, v: str, modality: str, approx: str = "exact") -> Fact:
        return Fact(doc_id=doc_id, kind="percent", text=f"{v}%", start=10, end=10 + len(v) + 1,
                    value=Decimal(v), value_low=Decimal(v), value_high=Decimal(v), decimals=1,
                    approx=approx, unit="%", subject="国内生产总值", modality=modality, role="growth")

    r1 = Result({"doc_id": "a1", "source": "x__2022年国务院政府工作报告.txt", "report_year": 2022},
                [pct("a1", "5.5", "planned", "about")])
    r2 = Result({"doc_id": "b2", "source": "x__2023年国务院政府工作报告.txt", "report_year": 2023},
                [pct("b2", "3.0", "actual")])
    found = run_corpus_checks([r1, r2], strict=True)
    assert [(a.code, a.severity) for a in found] == [("corpus.target_vs_outcome", "warning")]
    assert found[0].fact_ids == ["b2:10-14:percent", "a1:10-14:percent"]
    assert "2022" in found[0].message and "2023" in found[0].message

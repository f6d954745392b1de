"""A process that changes $EXTRACTOR_RULES_DIR between two runs uses the new folder's rules.

A notebook runs the corpus with the project's rules, then points EXTRACTOR_RULES_DIR at its own
copy and runs again. Before ``rulefiles.follow_rules_dir`` the second run kept the first
folder's text rules and check settings (cached per process): no cache is cleared by hand here.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extractor import api
from extractor.rulefiles import rules_dir
from extractor.text import clean_text

# in the genre: a bounded rate over 100 %, a Word conversion error, the report year pasted in
TEXT = "2023年工作总结\n全县森林覆盖率达到105%，电商效劳中心建成，培训2023余期。\n"


def _codes() -> list[tuple[str, str]]:
    found = api.check(TEXT, report_year=2023)
    return sorted(zip(found["code"], found["evidence"]))


def _own_rules(tmp_path: Path) -> Path:
    """The project's rules with bounded rates allowed up to 200 % and no conversion pairs."""
    dst = tmp_path / "rules"
    shutil.copytree(rules_dir(), dst)
    checks = dst / "checks.yaml"
    text = checks.read_text(encoding="utf-8")
    assert "bounded_max: 100" in text
    checks.write_text(text.replace("bounded_max: 100", "bounded_max: 200", 1), encoding="utf-8")
    (dst / "lexicons" / "conversion_errors.yaml").write_text("version: 1\npairs: []\n",
                                                             encoding="utf-8")
    return dst


def test_switching_the_rules_folder_takes_effect_without_clearing_caches(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    own = _own_rules(tmp_path)
    monkeypatch.delenv("EXTRACTOR_RULES_DIR", raising=False)
    project = _codes()                               # the project's rules, now cached
    assert project == [("figure.year_contamination", "2023余期"),
                       ("percent.out_of_range", "105%")]
    assert clean_text(TEXT).quality.get("conversion:效劳→服务") == 1

    monkeypatch.setenv("EXTRACTOR_RULES_DIR", str(own))
    assert _codes() == [("figure.year_contamination", "2023余期")]   # 105 % is allowed now
    assert clean_text(TEXT).quality.get("conversion:效劳→服务") is None

    monkeypatch.delenv("EXTRACTOR_RULES_DIR")        # and back to the project's rules
    assert _codes() == project
    assert clean_text(TEXT).quality.get("conversion:效劳→服务") == 1


def test_switching_the_rules_folder_changes_the_subjects_conversion_fixes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fact's subject is written with the conversion pairs' fixes (context._FORMS memoises
    them per subject, outside any functools cache): without pairs it stays as written."""
    text = "2023年工作总结\n全县电商效劳中心销售额达到1200万元。\n"
    own = _own_rules(tmp_path)

    def subject() -> str:
        found = api.extract(text, report_year=2023)
        return found.loc[found["text"] == "1200万元", "subject"].item()

    monkeypatch.delenv("EXTRACTOR_RULES_DIR", raising=False)
    assert subject() == "电商服务中心销售额"
    monkeypatch.setenv("EXTRACTOR_RULES_DIR", str(own))
    assert subject() == "电商效劳中心销售额"
    monkeypatch.delenv("EXTRACTOR_RULES_DIR")
    assert subject() == "电商服务中心销售额"


def test_the_corpus_checks_follow_a_switch_of_the_rules_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """run_corpus_checks reads the indicators lexicon (functools caches) without preparing a
    document: a report built after a switch must not take the first folder's labels."""
    from decimal import Decimal

    from extractor.checks import run_corpus_checks
    from extractor.model import Fact
    from extractor.pipeline import Result

    own = _own_rules(tmp_path)
    lex = own / "lexicons" / "check_indicators.yaml"
    lex.write_text(lex.read_text(encoding="utf-8").replace("gdp: 国内生产总值增速", "gdp: GDP增速", 1),
                   encoding="utf-8")

    def pct(doc_id: str, v: str, modality: str) -> Fact:
        return Fact(doc_id=doc_id, kind="percent", text=f"{v}%", start=10, end=10 + len(v) + 1,
                    value=Decimal(v), value_low=Decimal(v), value_high=Decimal(v), decimals=1,
                    unit="%", subject="国内生产总值", modality=modality, role="growth")

    results = [Result({"doc_id": "a1", "source": "x__2022年国务院政府工作报告.txt",
                       "report_year": 2022}, [pct("a1", "5.5", "planned")]),
               Result({"doc_id": "b2", "source": "x__2023年国务院政府工作报告.txt",
                       "report_year": 2023}, [pct("b2", "3.0", "actual")])]

    def message() -> str:
        found = run_corpus_checks(results, strict=True)
        assert len(found) == 1
        return found[0].message

    monkeypatch.delenv("EXTRACTOR_RULES_DIR", raising=False)
    assert "国内生产总值增速目标" in message()
    monkeypatch.setenv("EXTRACTOR_RULES_DIR", str(own))
    assert "GDP增速目标" in message()

"""Issue 3 'Show' targets, measured by running the real extractor on the development gold set.

Kinds that currently fall short are strict xfails carrying the figures measured when the mark was
last updated; when the facts code reaches the target the xfail turns into XPASS (a failure under
strict=True) and the mark must be removed. Current figures are printed (`pytest -s`).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from extractor.evaluation import evaluate, evaluate_jionlp_cases

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO / "corpora" / "gold"

# kind -> figures when last measured (update with the numbers printed by this test)
SHORT: dict[str, str] = {}  # every kind met the targets when last measured (2026-11-27 05:23Z)
JIONLP_SHORT = ("measured 2026-11-27 05:23Z: 46/54 reproduced (85.2%): bare numerals without 元 "
                "(三百万, 肆佰叁拾萬, 小于40万), k/w suffixes (15k左右, 30w上下), vague 几十万块 and "
                "三五百块 read as counts, and 八到九百亿泰铢 whose expected low bound is JioNLP's error")


def _kind_param(kind: str):
    if kind in SHORT:
        return pytest.param(kind, marks=pytest.mark.xfail(strict=True, reason=SHORT[kind]))
    return kind


@pytest.fixture(scope="module")
def report():
    rep = evaluate(GOLD)
    print("\n" + rep.to_text())
    return rep


@pytest.mark.parametrize("kind", [_kind_param(k) for k in ("money", "percent", "count",
                                                           "quantity")])
def test_precision_recall_and_exact_values(report, kind):
    s = report.kinds[kind]
    print(f"{kind}: P={s.precision} R={s.recall} values {s.value_ok}/{s.value_scored}")
    assert s.gold > 50
    assert s.precision is not None and s.precision >= 0.98, s.to_dict()
    assert s.recall is not None and s.recall >= 0.97, s.to_dict()
    assert s.value_ok == s.value_scored, report.value_errors()[:10]


@pytest.mark.parametrize("kind", [_kind_param("date")])
def test_date_recall(report, kind):
    s = report.kinds[kind]
    print(f"date: R={s.recall} dates {s.date_ok}/{s.date_scored}")
    assert s.recall is not None and s.recall >= 0.95, s.to_dict()


def test_every_predicted_fact_grounds(report):
    assert report.grounding in (None, 1.0), [f.brief() for f in report.ungrounded[:10]]


@pytest.mark.xfail(strict=True, reason=JIONLP_SHORT) if JIONLP_SHORT else (lambda f: f)
def test_jionlp_money_parse_cases(shared_dir):
    path = shared_dir / "corpus" / "annotated" / "jionlp_money_parse_cases.jsonl"
    if not path.exists():
        pytest.skip(f"{path} absent")
    rep = evaluate_jionlp_cases(path)
    print("\n" + rep.to_text())
    assert rep.total == 54
    assert rep.rate >= 0.95, rep.to_text()


def test_real_documents_evaluate_and_ground(shared_dir):
    """The hand-annotated real excerpts run through the evaluator; figures are printed (no target:
    the issue sets targets on the development gold set), every predicted fact must ground."""
    rep = evaluate(REPO / "corpora" / "gold" / "real", raw_dir=shared_dir / "corpus" / "raw")
    print("\n" + rep.to_text())
    assert all(d.status == "ok" for d in rep.docs), [(d.name, d.note) for d in rep.docs]
    assert rep.total.gold >= 100
    assert rep.grounding == 1.0, [f.brief() for f in rep.ungrounded[:10]]

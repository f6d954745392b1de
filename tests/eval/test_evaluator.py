"""The evaluator itself, on a tiny hand-made document, gold and prediction with known errors."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from extractor.evaluation import (EvalFact, JionlpCase, _check_case, evaluate,
                                  evaluate_jionlp_cases)
from extractor.model import Fact

TEXT = "全年完成投资1200万元，增长7.5%，引进企业35家，于8月16日开园，奖金近40万。"


def fact(kind, text, value=None, unit="", approx="exact", low=None, high=None, date="",
         optional=False, at=0):
    start = TEXT.index(text, at)
    v = None if value is None else str(value)
    if approx == "exact" and kind != "date":
        low = high = v
    return {"kind": kind, "text": text, "start": start, "end": start + len(text), "value": v,
            "value_low": low, "value_high": high, "unit": unit, "approx": approx, "date": date,
            "optional": optional}


@pytest.fixture()
def tiny(tmp_path: Path) -> Path:
    corpora = tmp_path / "corpora"
    (corpora / "docs").mkdir(parents=True)
    (corpora / "gold").mkdir()
    (corpora / "docs" / "tiny.txt").write_text(TEXT, encoding="utf-8")
    gold = [
        fact("money", "1200万元", 12000000, "CNY"),
        fact("percent", "7.5%", "7.5", "%"),
        fact("count", "35家", 35, "家"),
        fact("date", "8月16日", date="2023-08-16"),
        fact("money", "近40万", 400000, "CNY", approx="about"),
        fact("count", "全年", 1, "年", optional=True),  # an acceptable, not required fact
    ]
    path = corpora / "gold" / "tiny.jsonl"
    path.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in gold),
                    encoding="utf-8")
    return path


def test_known_errors_give_known_scores(tiny):
    def predict(path):
        return [
            # money: 1200万元 right; 近40万 found as "40万" (span differs → FP + miss, lenient hit)
            Fact(doc_id="x", kind="money", text="1200万元", start=6, end=12,
                 value=Decimal("12000000"), value_low=Decimal("12000000"),
                 value_high=Decimal("12000000"), unit="CNY"),
            fact("money", "40万", 400000, "CNY"),
            # percent: right span, wrong value
            fact("percent", "7.5%", "75", "%"),
            # count: 35家 missed; a false "2" from nowhere, badly grounded
            {"kind": "count", "text": "二", "start": 3, "end": 4, "value": "2", "unit": "个",
             "value_low": "2", "value_high": "2", "approx": "exact", "date": ""},
            # date right; prediction on the optional fact is neither TP nor FP
            fact("date", "8月16日", date="2023-08-16"),
            fact("count", "全年", 1, "年"),
        ]

    rep = evaluate(tiny, predict=predict)
    m, p, c, d = (rep.kinds[k] for k in ("money", "percent", "count", "date"))
    assert (m.gold, m.pred, m.tp, m.lenient_tp) == (2, 2, 1, 2)
    assert m.precision == 0.5 and m.recall == 0.5 and m.lenient_recall == 1.0
    assert (p.tp, p.value_scored, p.value_ok) == (1, 1, 0) and p.value_accuracy == 0.0
    assert (c.gold, c.optional, c.pred, c.tp) == (1, 1, 1, 0)
    assert c.precision == 0.0 and c.recall == 0.0
    assert (d.tp, d.date_ok) == (1, 1) and d.recall == 1.0
    assert rep.total.tp == 3 and rep.total.gold == 5 and rep.total.pred == 5
    # grounding: the "二" at 3..4 is "成" in the text
    assert rep.predicted == 6 and rep.grounding == pytest.approx(5 / 6)
    assert [f.text for f in rep.ungrounded] == ["二"]
    misses = {(x["kind"], x["text"]) for x in rep.misses()}
    assert misses == {("money", "近40万"), ("count", "35家")}
    near = next(x for x in rep.misses() if x["text"] == "近40万")
    assert near["lenient"]["text"] == "40万" and "【近40万】" in near["context"]
    fps = {(x["kind"], x["text"]) for x in rep.false_positives()}
    assert fps == {("money", "40万"), ("count", "二")}
    errs = rep.value_errors()
    assert len(errs) == 1 and set(errs[0]["fields"]) == {"value", "interval"}
    text = rep.to_text()
    assert "money" in text and "0.500" in text and "grounding: 0.8333" in text
    d = rep.to_dict()
    json.dumps(d, ensure_ascii=False)
    assert d["kinds"]["money"]["precision"] == 0.5
    pats = rep.patterns()
    assert any(shape.startswith("count:9家") for shape, _, _ in pats["misses"])


def test_perfect_prediction_and_interval_rules(tiny):
    rows = [json.loads(x) for x in tiny.read_text(encoding="utf-8").splitlines()]
    # about: the interval is not scored, so any interval passes; exact: it is scored
    pred = [dict(r) for r in rows if not r["optional"]]
    pred[-1]["value_low"], pred[-1]["value_high"] = "390000", "400000"
    rep = evaluate(tiny, predict=lambda p: pred)
    t = rep.total
    assert t.precision == 1.0 and t.recall == 1.0 and t.value_accuracy == 1.0
    assert t.interval_scored == 3 and t.interval_accuracy == 1.0
    pred[0]["value_high"] = None
    rep = evaluate(tiny, predict=lambda p: pred)
    assert rep.kinds["money"].interval_ok == 0 and rep.kinds["money"].value_ok == 2


def test_float_values_compare_by_their_decimal_repr(tiny):
    rows = [json.loads(x) for x in tiny.read_text(encoding="utf-8").splitlines()]
    pred = [dict(r, value=float(r["value"]) if r["value"] else None) for r in rows]
    rep = evaluate(tiny, predict=lambda p: pred)
    assert rep.kinds["percent"].value_ok == 1 and rep.kinds["money"].value_ok == 2


def test_crash_is_reported_and_absent_document_skipped(tiny):
    def boom(path):
        raise RuntimeError("no extractor")

    rep = evaluate(tiny, predict=boom)
    assert rep.docs[0].status == "error" and "no extractor" in rep.docs[0].note
    assert rep.total.recall == 0.0
    (tiny.parent.parent / "docs" / "tiny.txt").unlink()
    rep = evaluate(tiny, predict=boom)
    assert rep.docs[0].status == "skipped" and "absent" in rep.docs[0].note


def test_real_gold_resolves_to_the_shared_text(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "r.txt").write_text("增长13.1%。", encoding="utf-8")
    g = tmp_path / "gold" / "real" / "r.jsonl"
    g.parent.mkdir(parents=True)
    rec = {"kind": "percent", "text": "13.1%", "start": 2, "end": 7, "value": "13.1",
           "value_low": "13.1", "value_high": "13.1", "unit": "%", "approx": "exact",
           "date": "", "optional": False, "source": "r.txt"}
    g.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    rep = evaluate(g, predict=lambda p: [rec], raw_dir=raw)
    assert rep.docs[0].path.endswith("r.txt") and rep.total.tp == 1


def test_jionlp_case_mapping():
    def case(inp, num, cur, definition="accurate"):
        return JionlpCase(input=inp, expected={"num": num, "case": cur, "definition": definition})

    def money(text, value, low, high, unit, approx="exact"):
        d = lambda v: None if v is None else Decimal(v)  # noqa: E731
        return Fact(doc_id="c", kind="money", text=text, start=0, end=len(text), value=d(value),
                    value_low=d(low), value_high=d(high), unit=unit, approx=approx)

    c = case("1.2万元", "12000.00", "元")
    _check_case(c, [money("1.2万元", "12000", "12000", "12000", "CNY")])
    assert c.ok
    c = case("25481港元", "25481.00", "港元")
    _check_case(c, [money("25481港元", "25481", "25481", "25481", "CNY")])
    assert c.value_ok and not c.currency_ok and "HKD" in c.reason
    c = case("3000多欧元", ["3000.00", "4000.00"], "欧元", "blur")
    _check_case(c, [money("3000多欧元", "3000", "3000", None, "EUR", "at_least")])
    assert c.ok
    c = case("1万-5万元", ["10000.00", "50000.00"], "元", "blur")
    _check_case(c, [money("1万-5万元", None, "10000", "40000", "CNY", "range")])
    assert not c.ok
    c = case("三百万", "3000000.00", "元")
    _check_case(c, [])
    assert not c.ok and c.reason == "no money fact"


def test_jionlp_runner_reads_the_case_file(tmp_path):
    p = tmp_path / "cases.jsonl"
    p.write_text(json.dumps({"input": "1.2万元", "expected": {"num": "12000.00", "case": "元",
                                                             "definition": "accurate"}},
                            ensure_ascii=False) + "\n", encoding="utf-8")
    ok = evaluate_jionlp_cases(p, extract=lambda s: [
        Fact(doc_id="c", kind="money", text=s, start=0, end=len(s), value=Decimal("12000"),
             value_low=Decimal("12000"), value_high=Decimal("12000"), unit="CNY")])
    assert ok.total == 1 and ok.reproduced == 1 and ok.rate == 1.0
    bad = evaluate_jionlp_cases(p, extract=lambda s: (_ for _ in ()).throw(ValueError("x")))
    assert bad.reproduced == 0 and "crash" in bad.failures()[0].reason
    assert "0/1" in bad.to_text()


def test_eval_fact_reads_model_fact():
    f = Fact(doc_id="d", kind="percent", text="7.5%", start=3, end=7, value=Decimal("7.5"),
             unit="%")
    e = EvalFact.from_any("doc", f)
    assert e.value == Decimal("7.5") and (e.start, e.end) == (3, 7)

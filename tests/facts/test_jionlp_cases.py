"""Outside check: JioNLP's money-parsing cases (../shared/corpus/annotated) are reproduced.

Differences that are decisions, not bugs (rules/README.md):
- 八到九百亿泰铢: JioNLP expects [8亿, 900亿]; we read 八 as 八百亿 ([800亿, 900亿]), as JioNLP
  itself does for 两到三仟澳元 → [2000, 3000].
"""
from __future__ import annotations

from decimal import Decimal

from extractor.facts import parse_money

from .annotated import annotated_jsonl

CODES = {"元": "CNY", "港元": "HKD", "美元": "USD", "日元": "JPY", "新台币": "TWD", "欧元": "EUR",
         "泰铢": "THB", "卢布": "RUB", "澳元": "AUD", "韩元": "KRW"}
DECIDED = {"八到九百亿泰铢"}


def reproduced(case) -> bool:
    f = parse_money(case["input"])
    if f is None:
        return False
    exp = case["expected"]
    num = exp["num"]
    if isinstance(num, list):
        ok = (f.value_low, f.value_high) == (Decimal(num[0]), Decimal(num[1]))
    else:
        got = f.value_high if exp["definition"] == "blur-" and f.value_high is not None else f.value
        ok = got is not None and abs(got - Decimal(num)) <= Decimal("0.005")
    return ok and f.unit == CODES.get(exp["case"], exp["case"])


def test_jionlp_money_parse_reproduction(shared_dir):
    cases = annotated_jsonl(shared_dir, "jionlp_money_parse_cases.jsonl")
    failed = [c["input"] for c in cases if not reproduced(c)]
    assert set(failed) <= DECIDED, failed
    assert (len(cases) - len(failed)) / len(cases) >= 0.95

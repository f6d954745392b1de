"""Every example and counter-example in rules/kinds/date.yaml and duration.yaml runs here.

Examples are resolved with report year 2023. ``span`` (default: the whole example text) is the
surface that must be found; ``date`` / ``value`` / ``unit`` / ``approx`` what it resolves to.
A counter-example with ``not`` forbids that surface; without ``not`` it forbids any hit of the
pattern's kind.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from extractor.facts.dates import ruleset, scan
from extractor.rulefiles import load_yaml


def _cases(kind: str):
    data = load_yaml(f"kinds/{kind}.yaml")
    for spec in data["patterns"]:
        for i, ex in enumerate(spec.get("examples") or []):
            yield pytest.param(spec["id"], ex, True, id=f"{spec['id']}-ex{i}")
        for i, ex in enumerate(spec.get("counter_examples") or []):
            yield pytest.param(spec["id"], ex, False, id=f"{spec['id']}-counter{i}")


CASES = list(_cases("date")) + list(_cases("duration"))


@pytest.mark.parametrize(("rule_id", "ex", "positive"), CASES)
def test_rule_example(rule_id: str, ex: dict, positive: bool) -> None:
    text = ex["text"]
    hits = scan(text, 2023)
    if positive:
        span = ex.get("span", text)
        found = [h for h in hits if h.text == span]
        assert found, f"{rule_id}: {span!r} not found in {text!r}; got {[(h.text, h.rule_id) for h in hits]}"
        h = found[0]
        assert text[h.start:h.end] == span
        # a composed date (2023年 + 12月) carries both rule ids: date.year+date.ym
        assert rule_id in h.rule_id.split("+"), f"{span!r} found by {h.rule_id}, expected {rule_id}"
        if "date" in ex:
            assert h.kind == "date" and h.date == ex["date"]
            assert h.approx == "exact"
        if "unit" in ex:
            assert h.kind == "duration"
            assert h.value == (Decimal(ex["value"]) if "value" in ex else None)
            assert h.unit == ex["unit"]
            assert h.approx == ex["approx"]
    else:
        bad = ex.get("not")
        kind = "duration" if rule_id.startswith("duration.") else "date"
        if bad:
            assert not [h for h in hits if h.text == bad], f"{bad!r} must not be found in {text!r}"
        else:
            assert not [h for h in hits if h.kind == kind], \
                f"{text!r} must give no {kind}; got {[(h.text, h.rule_id) for h in hits]}"


def test_every_pattern_has_examples() -> None:
    for kind in ("date", "duration"):
        specs = load_yaml(f"kinds/{kind}.yaml")["patterns"]
        assert len(specs) >= 5, kind
        for spec in specs:
            assert spec.get("examples"), f"{spec['id']} has no examples"


def test_ruleset_compiles_once() -> None:
    assert ruleset() is ruleset()

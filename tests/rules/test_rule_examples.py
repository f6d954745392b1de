"""Every example and counter-example in rules/kinds/{money,percent,count,quantity}.yaml is a test.

Duckling style: a `texts` example must be covered in full by exactly one fact of the rule's kind,
produced by that very rule (a shadowed rule fails); `in` examples name the fact's surface; a
counter-example must yield no fact of the kind. `xfail:` in the YAML becomes a strict xfail.
"""
from __future__ import annotations

import pytest

from extractor.facts.ruleset import check_case, rule_cases

CASES = rule_cases()


def _param(case):
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.label, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_rule_example(case):
    problem = check_case(case)
    assert problem is None, f"{case.where}: {problem}"


def test_every_pattern_has_examples_and_counter_examples_run():
    ids = {c.rule_id for c in CASES if c.expect is not None or c.expect_all is not None}
    from extractor.facts.ruleset import load_ruleset
    assert {p.id for p in load_ruleset().patterns} <= ids

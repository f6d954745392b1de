"""Rule files load, validate, and fail loudly with file:line when broken."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extractor.errors import RuleFileError
from extractor.facts.ruleset import load_ruleset, test_rules as run_rule_tests, validate_rules
from extractor.rulefiles import rules_dir


def test_project_rules_validate():
    assert validate_rules() == []


def test_rule_report_is_clean():
    rep = run_rule_tests()
    assert rep.failed == 0, rep.to_text()
    assert rep.passed > 100
    assert "passed" in rep.to_text()


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "rules"
    shutil.copytree(rules_dir(), dst)
    return dst


def _break(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_unknown_key_names_file_and_line(rules_copy: Path):
    f = rules_copy / "kinds" / "count.yaml"
    _break(f, "    priority: 50\n    reject_numbers", "    priorty: 50\n    reject_numbers")
    with pytest.raises(RuleFileError) as exc:
        load_ruleset(rules_copy)
    assert f"count.yaml:{_line_of(f, 'priorty')}" in str(exc.value)
    assert "priorty" in str(exc.value)


def test_duplicate_id_is_an_error(rules_copy: Path):
    f = rules_copy / "kinds" / "quantity.yaml"
    _break(f, "id: quantity.range", "id: quantity.main")
    with pytest.raises(RuleFileError, match="duplicate rule id 'quantity.main'"):
        load_ruleset(rules_copy)


def test_unresolved_fragment_names_the_regex_line(rules_copy: Path):
    f = rules_copy / "kinds" / "percent.yaml"
    _break(f, "(?P<n1>{NUM_ARABIC})                    # 7.5", "(?P<n1>{NUM_ARABIK})  # 7.5")
    with pytest.raises(RuleFileError) as exc:
        load_ruleset(rules_copy)
    assert "NUM_ARABIK" in str(exc.value)
    assert "percent.yaml:" in str(exc.value)


def test_bad_regex_is_an_error(rules_copy: Path):
    f = rules_copy / "kinds" / "money.yaml"
    _break(f, "(?P<cur>{CURRENCY_AFTER})                # 元 / 美元 / 港币",
           "(?P<cur>{CURRENCY_AFTER}                # 元 / 美元 / 港币")
    with pytest.raises(RuleFileError, match="bad regex"):
        load_ruleset(rules_copy)


def test_duplicate_yaml_key_is_an_error(rules_copy: Path):
    f = rules_copy / "lexicons" / "qualifiers.yaml"
    _break(f, '  "约": about\n', '  "约": about\n  "约": near\n')
    with pytest.raises(RuleFileError) as exc:
        load_ruleset(rules_copy)
    assert "qualifiers.yaml:" in str(exc.value)
    assert validate_rules(rules_copy) and "qualifiers.yaml" in validate_rules(rules_copy)[0]


def test_adding_a_measure_word_is_data_only(rules_copy: Path):
    from extractor.facts import facts_from_text
    text = "新建泵站7泵。"
    assert not [f for f in facts_from_text(text, rules=rules_copy) if f.kind == "count"]
    f = rules_copy / "lexicons" / "measure_words.yaml"
    _break(f, "  - 家\n", "  - 家\n  - 泵\n")
    got = [f for f in facts_from_text(text, rules=rules_copy) if f.kind == "count"]
    assert [(g.text, g.unit, str(g.value)) for g in got] == [("7泵", "泵", "7")]


def test_adding_a_currency_is_data_only(rules_copy: Path):
    from extractor.facts import facts_from_text
    f = rules_copy / "lexicons" / "currencies.yaml"
    _break(f, "  INR:\n", "  NZD:\n    after: [\"新西兰元\"]\n    before: []\n    trail: []\n  INR:\n")
    got = [f for f in facts_from_text("合同金额300万新西兰元。", rules=rules_copy) if f.kind == "money"]
    assert [(g.text, g.unit, str(g.value)) for g in got] == [("300万新西兰元", "NZD", "3000000")]

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


def _add_small_power(rules: Path, guard_too: bool) -> None:
    _break(rules / "lexicons" / "numerals.yaml", '  "仟": 1000\n', '  "仟": 1000\n  "陌": 100\n')
    _break(rules / "fragments.yaml", "CN_POW: '(?:[十拾百佰]", "CN_POW: '(?:[十拾百佰陌]")
    if guard_too:
        _break(rules / "fragments.yaml", "NUM_FIRST: '(?:{D}|{CN_DIGIT}|[十拾百佰千仟]",
               "NUM_FIRST: '(?:{D}|{CN_DIGIT}|[十拾百佰千仟陌]")


def test_a_power_added_to_cn_pow_but_not_to_num_first_is_an_error(rules_copy: Path):
    """NUM_FIRST (speed only) must admit every character NUM_CORE's repeated items can begin
    with: a power added to CN_POW alone would end every figure before it (三陌五十人 found with
    the fragments of 223abda, silently lost with the guard), so the rules folder is refused."""
    _add_small_power(rules_copy, guard_too=False)
    with pytest.raises(RuleFileError) as exc:
        load_ruleset(rules_copy)
    f = rules_copy / "fragments.yaml"
    assert f"fragments.yaml:{_line_of(f, 'NUM_CORE:')}" in str(exc.value)
    assert "NUM_FIRST" in str(exc.value) and "陌" in str(exc.value)
    assert validate_rules(rules_copy) and "NUM_FIRST" in validate_rules(rules_copy)[0]


def test_a_power_added_to_both_loads(rules_copy: Path):
    from extractor.facts.ruleset import _expand, _layout_free, _one_char_set
    _add_small_power(rules_copy, guard_too=True)
    rs = load_ruleset(rules_copy)
    assert "陌" in _one_char_set(_layout_free(_expand("{NUM_FIRST}", rs.fragments, "test")))


def test_a_guard_redefined_in_a_kinds_file_is_checked(rules_copy: Path):
    f = rules_copy / "kinds" / "count.yaml"
    text = f.read_text(encoding="utf-8")
    assert "\nfragments:" not in text and "\nkind: count\n" in text
    f.write_text(text.replace("\nkind: count\n", "\nkind: count\nfragments:\n"
                              "  NUM_FIRST: '(?:{D}|{CN_DIGIT})'\n", 1), encoding="utf-8")
    line = _line_of(f, "fragments:")
    with pytest.raises(RuleFileError, match=rf"count\.yaml:{line}: fragment NUM_CORE.*NUM_FIRST.*misses"):
        load_ruleset(rules_copy)


@pytest.mark.parametrize("guard", ["(?:万亿|{D})", "(?:{D}(?!年)|{CN_DIGIT})", "[^年]", "\\w"])
def test_a_guard_that_cannot_be_checked_is_an_error(rules_copy: Path, guard: str):
    f = rules_copy / "fragments.yaml"
    _break(f, "NUM_FIRST: '(?:{D}|{CN_DIGIT}|[十拾百佰千仟]|{CN_BIG})'", f"NUM_FIRST: '{guard}'")
    with pytest.raises(RuleFileError, match="NUM_FIRST.*cannot be checked"):
        load_ruleset(rules_copy)


def test_negative_triggers_with_clashing_regex_versions_name_file_and_rule(rules_copy: Path):
    # each trigger compiles alone, but (?V0) and (?V1) cannot share the union of the triggers
    # that the engine searches first: a RuleFileError naming negatives.yaml and the rule, not a
    # bare ValueError out of regex
    f = rules_copy / "lexicons" / "negatives.yaml"
    _break(f, "trigger: '\\d{7}'", "trigger: '(?V1)\\d{7}'")
    _break(f, "trigger: '[0-9A-Z]{15}'", "trigger: '(?V0)[0-9A-Z]{15}'")
    with pytest.raises(RuleFileError) as exc:
        load_ruleset(rules_copy)
    msg = str(exc.value)
    assert f"negatives.yaml:{_line_of(f, '(?V0)')}" in msg, msg
    assert "id_number" in msg and "phone" in msg, msg
    assert validate_rules(rules_copy) and "id_number" in validate_rules(rules_copy)[0]


def test_a_clashing_trigger_is_located_by_its_own_line_when_its_id_is_repeated(rules_copy: Path):
    # negative pattern ids may repeat (the loader accepts them): the clash is reported at the
    # line of the trigger that cannot join the union, not at a later trigger of the same id
    f = rules_copy / "lexicons" / "negatives.yaml"
    _break(f, "trigger: '\\d{7}'", "trigger: '(?V1)\\d{7}'")
    with f.open("a", encoding="utf-8") as out:
        out.write("  - id: twice\n    trigger: '(?V0)届'\n    description: a\n    regex: 'y'\n"
                  "  - id: twice\n    trigger: '张'\n    description: b\n    regex: 'z'\n")
    with pytest.raises(RuleFileError) as exc:
        load_ruleset(rules_copy)
    msg = str(exc.value)
    assert f"negatives.yaml:{_line_of(f, '(?V0)')}:" in msg, msg
    assert "twice" in msg and "phone" in msg, msg

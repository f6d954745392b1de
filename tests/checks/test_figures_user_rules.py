"""The fast paths of ``figures.duplicated_matches`` and ``figures.year_tokens`` rest on the shape
of the project's rules (a duplicated_token pattern whose start the ``hint`` points to; a year
token that starts only where a digit run starts and never inside another match). A user's
checks.yaml ($EXTRACTOR_RULES_DIR) may differ: then they must find what the rules' scan finds
(and a checks.yaml written before the ``hint`` existed must still work)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extractor.checks import figures
from extractor.checks.config import ascii_digit_variant, pattern
from extractor.checks.context import CheckContext
from extractor.rulefiles import follow_rules_dir, rules_dir

from .helpers import doc, year_tokens_both_ways

_DUP = ("'(?<![\\d.])(?=\\d++(?:\\.\\d++)?+(?:%|万元|亿元|\\p{Han})\\d)"
        "(?P<tok>\\d+(?:\\.\\d+)?(?:年|月|日|%|万元|亿元|\\p{Han}))(?P=tok)(?!\\d)'")
_TOKEN = "'(?<![\\d.,，０-９])(?=\\d{4})(?P<int>\\d+)(?P<frac>\\.\\d+)?(?![\\d])'"


@pytest.fixture
def user_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A copy of the rules folder whose checks.yaml is edited by ``edit`` (the cached rules
    follow the folder, and the project's again after the test)."""
    def use(edit) -> None:
        dst = tmp_path / "rules"
        shutil.copytree(rules_dir(), dst)
        path = dst / "checks.yaml"
        text = path.read_text(encoding="utf-8")
        new = edit(text)
        assert new != text
        path.write_text(new, encoding="utf-8")
        monkeypatch.setenv("EXTRACTOR_RULES_DIR", str(dst))
        follow_rules_dir()

    yield use
    monkeypatch.delenv("EXTRACTOR_RULES_DIR", raising=False)
    follow_rules_dir()


def _dup_same(texts: list[str]) -> None:
    rule = pattern("duplicated_token", "pattern")
    for form in (lambda rx: rx, lambda rx: ascii_digit_variant(rx) or rx):
        for text in texts:
            got = [(m.span(), m.groups()) for m in figures.duplicated_matches(text, form)]
            want = [(m.span(), m.groups()) for m in form(rule).finditer(text)]
            assert got == want, text


DUP_TEXTS = ["增长5‰5‰，投资1,000万元1,000万元，2023年2023年", "1年1年1年", "3万3万元3万元",
             "12.5万元12.5万元3", "５‰５‰"]


def test_a_checks_yaml_without_the_hint_still_finds_duplicates(user_checks) -> None:
    # a user's checks.yaml copied before the hint existed (it raised KeyError('hint'): the
    # check was lost)
    def drop_hint(text: str) -> str:
        head, rest = text.split("  hint:\n")
        return head + "\n" + rest.split("\n\n", 1)[1]

    user_checks(drop_hint)
    assert "hint" not in figures.section("duplicated_token")
    _dup_same(DUP_TEXTS)
    found = [a.stated for a in figures.check_duplicated_token(CheckContext(doc("2023年2023年"), []))]
    assert found == ["2023年2023年"]


@pytest.mark.parametrize("rule", [
    # a unit the hint does not know (‰)
    _DUP.replace("(?:%|万元", "(?:%|‰|万元").replace("日|%|", "日|%|‰|"),
    # figures with thousands separators: the run of digits and '.' is not the token
    "'(?<![\\d.])(?P<tok>\\d[\\d,]*(?:\\.\\d+)?(?:年|月|日|%|万元|亿元|\\p{Han}))(?P=tok)(?!\\d)'",
])
def test_a_user_duplicated_token_rule_finds_what_its_scan_finds(user_checks, rule: str) -> None:
    user_checks(lambda t: t.replace(_DUP, rule))
    _dup_same(DUP_TEXTS)


def _year_same(texts: list[str]) -> None:
    for text in texts:
        got, want = year_tokens_both_ways(doc(text, report_year=2023))
        assert got == want, text


@pytest.mark.parametrize("rule", [
    # no look-behind refusing a digit: a match can start inside a run (4562023号)
    "'(?<![.])(?P<int>\\d{4,7})(?P<frac>\\.\\d+)?(?![\\d])'",
    # a '.' allowed before a token: the fraction's run starts a match the scan never tries
    # (12345.2023% is one token there)
    "'(?<![\\d,])(?=\\d{4})(?P<int>\\d+)(?P<frac>\\.\\d+)?(?![\\d])'",
    # separators inside the integer part: the year's run does not start the token
    "'(?<![\\d.])(?=\\d)(?P<int>\\d[\\d,]*\\d)(?P<frac>\\.\\d+)?(?![\\d])'",
])
def test_a_user_year_token_rule_finds_what_its_scan_finds(user_checks, rule: str) -> None:
    user_checks(lambda t: t.replace(_TOKEN, rule))
    _year_same(["完成1234562023号，12345.2023%，共20230%", "1,2023号", "2023余期、12023国道"])


def test_the_project_rules_keep_their_fast_paths() -> None:
    # (the guards above must not turn the fast paths off for the project's own rules)
    calls = []
    holding = figures._holding
    figures._holding = lambda *a: calls.append(1) or holding(*a)
    try:
        assert list(figures.year_tokens(CheckContext(doc("共20230%"), [])))
    finally:
        figures._holding = holding
    assert calls
    assert figures._hinted(pattern("duplicated_token", "pattern")) is not None


def test_a_long_run_of_years_is_walked_back_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # each occurrence of a year's digits walked back to its run's start: a line of 160,000
    # digits "20232023…" took 4.5 s (quadratic) where the scan takes 1 ms
    walked = []

    class Counting:
        def match(self, text: str, pos: int, endpos: int):
            m = back(text, pos, endpos)
            walked.append(endpos - m.start())
            return m

    back = figures._DIGITS_BACK.match
    monkeypatch.setattr(figures, "_DIGITS_BACK", Counting())
    text = "完成1" + "2023" * 2000 + "号，共" + "2022" * 10 + "20230%"
    _year_same([text])
    assert len(walked) == 2 and sum(walked) == 1   # (one walk a run; the second's starts there)

"""The examples in rules/lexicons/{indicators,subject_stop,modality,percent_roles}.yaml run here,
through the whole fact extraction (extract_facts → attach) with report year 2023."""
from __future__ import annotations

import pytest

from extractor.facts import facts_from_text
from extractor.rulefiles import load_yaml


def _fact(text: str, figure: str):
    facts = facts_from_text(text, report_year=2023)
    got = [f for f in facts if f.text == figure]
    assert got, f"{figure!r} not extracted from {text!r}: {[f.text for f in facts]}"
    return got[0]


def _examples(name: str):
    return load_yaml(f"lexicons/{name}.yaml").get("examples") or []


def test_every_context_lexicon_has_examples() -> None:
    """An empty example list would leave the parametrized tests below with nothing to run."""
    for name in ("indicators", "subject_stop", "modality", "percent_roles"):
        assert len(_examples(name)) >= 2, name


@pytest.mark.parametrize("ex", _examples("indicators") + _examples("subject_stop"),
                         ids=lambda ex: ex["clause"])
def test_subject_examples(ex: dict) -> None:
    figure = "90余次" if not ex["subject"].endswith(("值", "额", "资", "奖金")) else "21.12亿元"
    f = _fact(ex["clause"] + figure, figure)
    assert f.subject == ex["subject"]


@pytest.mark.parametrize("ex", _examples("modality"), ids=lambda ex: ex["sentence"])
def test_modality_examples(ex: dict) -> None:
    assert _fact(ex["sentence"], ex["figure"]).modality == ex["modality"]


@pytest.mark.parametrize("ex", _examples("percent_roles"), ids=lambda ex: ex["sentence"])
def test_role_examples(ex: dict) -> None:
    assert _fact(ex["sentence"], ex["figure"]).role == ex["role"]

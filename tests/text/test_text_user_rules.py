"""A user's rules folder ($EXTRACTOR_RULES_DIR) with an unusual but valid text lexicon."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extractor.errors import RuleFileError
from extractor.model import Document
from extractor.rulefiles import load_yaml, rules_dir
from extractor.text import clean_text, prepare, subject_form
from extractor.text import rules as text_rules_module


def _clear() -> None:
    load_yaml.cache_clear()
    text_rules_module.conversion_pairs.cache_clear()
    text_rules_module.conversion_trigger.cache_clear()


@pytest.fixture
def user_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A copy of the rules folder whose conversion lexicon is replaced by the given text; the
    cached rules are cleared when it is taken and after the test."""
    def use(lexicon: str) -> Path:
        dst = tmp_path / "rules"
        shutil.copytree(rules_dir(), dst)
        (dst / "lexicons" / "conversion_errors.yaml").write_text(lexicon, encoding="utf-8")
        monkeypatch.setenv("EXTRACTOR_RULES_DIR", str(dst))
        _clear()
        return dst

    yield use
    monkeypatch.delenv("EXTRACTOR_RULES_DIR", raising=False)
    _clear()


TEXT = "电商效劳中心开展工作。通信根底设施建设，食品平安。"


@pytest.mark.parametrize("pairs", ["[]", ""])
def test_an_empty_conversion_lexicon_cleans_with_no_pairs(user_rules, pairs: str) -> None:
    # `pairs: []` (or `pairs:` with nothing) is a user turning the conversion-error check off:
    # the text is cleaned as usual and nothing is counted or fixed (it crashed with KeyError(''))
    user_rules(f"version: 1\npairs: {pairs}\n")
    ct = clean_text(TEXT)
    assert ct.text == TEXT
    assert "conversion_errors" not in ct.quality
    assert not any(k.startswith("conversion:") for k in ct.quality)
    assert subject_form("电商效劳中心") == "电商效劳中心"
    doc = Document(doc_id="t", source="t.txt", sha256="t", encoding="utf-8", text=TEXT)
    assert [(s.start, s.end) for s in prepare(doc).sentences] == [(0, 11), (11, len(TEXT))]


def test_the_default_lexicon_still_counts(user_rules) -> None:
    # (the fixture's cache clearing leaves the shipped lexicon working afterwards)
    assert clean_text(TEXT).quality["conversion_errors"] == 3


@pytest.mark.parametrize("lexicon", ["version: 1\n", "version: 1\npairs: {wrong: 效劳}\n",
                                     "version: 1\npairs: [{wrong: 效劳}]\n"])
def test_a_malformed_conversion_lexicon_names_the_file(user_rules, lexicon: str) -> None:
    user_rules(lexicon)
    with pytest.raises(RuleFileError, match="conversion_errors.yaml"):
        clean_text(TEXT)

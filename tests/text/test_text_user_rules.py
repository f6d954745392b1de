"""A user's rules folder ($EXTRACTOR_RULES_DIR) with an unusual but valid text lexicon."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.errors import RuleFileError
from extractor.model import Document
from extractor.rulefiles import load_yaml, rules_dir
from extractor.text import clean_text, prepare, subject_form
from extractor.text.clean import count_conversion_errors
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


_COPY: list = []   # the property test's copy of the rules folder, and the variable as it was


def _use_lexicon(lexicon: str | None) -> None:
    """Rules with this conversion lexicon (None: the shipped rules again), for a property test
    (no function-scoped fixture there); the cached rules are cleared either way."""
    if lexicon is None:
        if _COPY[1] is None:
            os.environ.pop("EXTRACTOR_RULES_DIR", None)
        else:
            os.environ["EXTRACTOR_RULES_DIR"] = _COPY[1]
    else:
        if not _COPY:
            _COPY.extend([Path(tempfile.mkdtemp()) / "rules",
                          os.environ.get("EXTRACTOR_RULES_DIR")])
            shutil.copytree(rules_dir(), _COPY[0])
        (_COPY[0] / "lexicons" / "conversion_errors.yaml").write_text(lexicon, encoding="utf-8")
        os.environ["EXTRACTOR_RULES_DIR"] = str(_COPY[0])
    _clear()


def _trigger_hits_of_the_alternation(text: str) -> list[tuple[int, str]]:
    """The slow path: the trigger alternation of rules.conversion_trigger, matched by re."""
    trig, _by_wrong = text_rules_module.conversion_trigger()
    return [(t.start(), t.group()) for t in trig.finditer(text)]


def test_trigger_hits_are_the_alternations_on_the_corpus(corpus_prepared, sample_prepared) -> None:
    """clean._trigger_hits (one str.find per word) finds what the trigger's finditer finds,
    on every corpus text, the sample, and the corpus texts with the wrong words doubled and
    run together (hits right after hits)."""
    from extractor.text.clean import _trigger_hits

    _trig, by_wrong = text_rules_module.conversion_trigger()
    texts = [p.clean.text for _path, p in corpus_prepared] + [sample_prepared.clean.text]
    texts.append("".join(by_wrong) * 3 + "开开展展方方案法效效劳劳")
    found = 0
    for text in texts:
        want = _trigger_hits_of_the_alternation(text)
        assert _trigger_hits(text, by_wrong) == want
        found += len(want)
    assert found > 1000


# words that are prefixes, suffixes and overlaps of each other: where the alternation's order
# (the longest word first) and finditer's going on after a hit decide
_OVERLAPPING = ["ab", "abc", "bc", "aa", "aaa", "ca", "b", "cab"]


@given(st.lists(st.sampled_from(_OVERLAPPING), min_size=1, max_size=5, unique=True),
       st.text(alphabet="abcx", max_size=40))
@settings(max_examples=400, deadline=None)
def test_trigger_hits_are_the_alternations_property(words: list[str], text: str) -> None:
    from extractor.text.clean import _trigger_hits

    lexicon = "version: 1\npairs:\n" + "".join(f"  - {{wrong: {w}, right: z}}\n" for w in words)
    _use_lexicon(lexicon)
    try:
        _trig, by_wrong = text_rules_module.conversion_trigger()
        assert _trigger_hits(text, by_wrong) == _trigger_hits_of_the_alternation(text)
        # and the count through them is the count the trigger gave before
        want: dict[str, int] = {}
        for at, wrong in _trigger_hits_of_the_alternation(text):
            for p in by_wrong[wrong]:
                if p.pattern.match(text, at):
                    want[p.key] = want.get(p.key, 0) + 1
                    break
        assert dict(count_conversion_errors(text)) == want
    finally:
        _use_lexicon(None)


def test_a_big_conversion_lexicon_is_counted_by_the_alternation(user_rules, monkeypatch) -> None:
    """Above clean.FIND_WORDS_MAX wrong words the trigger alternation finds the hits (one
    str.find per word would cost more): the counts are those of the str.find path."""
    import importlib

    clean_module = importlib.import_module("extractor.text.clean")   # (text.clean: a function)
    words = ["效劳", "根底", "平安", "开展", "工作", "通信", "设施", "建设", "食品", "电商", "中心", "展工"]
    assert len(words) > clean_module.FIND_WORDS_MAX
    user_rules("version: 1\npairs:\n" + "".join(f"  - {{wrong: {w}, right: 甲}}\n" for w in words))
    text = TEXT * 3 + "开展工作中心电商"
    real = clean_module._trigger_hits
    finds: list = []
    monkeypatch.setattr(clean_module, "_trigger_hits", lambda *a: finds.append(1) or real(*a))
    by_alternation = count_conversion_errors(text)
    assert not finds        # the alternation, not the finds
    monkeypatch.setattr(clean_module, "FIND_WORDS_MAX", len(words))
    assert count_conversion_errors(text) == by_alternation
    assert finds
    assert sum(by_alternation.values()) >= 20

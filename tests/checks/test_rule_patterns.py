"""Every pattern in rules/checks.yaml and rules/lexicons/check_*.yaml: compiles, has examples that
match and counter-examples that do not; lexicons are non-empty and free of duplicates."""
from __future__ import annotations

from pathlib import Path

import pytest
import regex

from extractor.rulefiles import load_yaml, rules_dir


def _entries():
    files = ["checks.yaml"] + sorted(f"lexicons/{p.name}" for p in (rules_dir() / "lexicons").glob("check_*.yaml"))
    for rel in files:
        data = load_yaml(rel)

        def walk(node, path):
            if isinstance(node, dict):
                if "pattern" in node:
                    yield rel, path, node
                for k, v in node.items():
                    if isinstance(v, dict):
                        yield from walk(v, f"{path}.{k}" if path else k)
        yield from walk(data, "")


ENTRIES = list(_entries())


def test_patterns_found() -> None:
    assert len(ENTRIES) >= 25


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e[0]}:{e[1]}")
def test_pattern_examples(entry) -> None:
    rel, path, node = entry
    rx = regex.compile(node["pattern"])
    assert node.get("examples"), f"{rel}:{path} has no examples"
    assert node.get("counter_examples"), f"{rel}:{path} has no counter_examples"
    for ex in node["examples"]:
        assert rx.search(ex), f"{rel}:{path} misses example {ex!r}"
    for ex in node["counter_examples"]:
        assert not rx.search(ex), f"{rel}:{path} matches counter-example {ex!r}"


def test_rate_lexicon_disjoint() -> None:
    lex = load_yaml("lexicons/check_rates.yaml")
    b, u = lex["bounded"], lex["unbounded"]
    assert len(set(b)) == len(b) and len(set(u)) == len(u)
    assert not set(b) & set(u)


def test_rules_dir_exists() -> None:
    assert Path(rules_dir(), "checks.yaml").exists()

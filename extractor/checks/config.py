"""Loading rules/checks.yaml and the check lexicons, with compiled patterns cached."""
from __future__ import annotations

import functools
from typing import Any

import regex

from ..errors import RuleFileError
from ..rulefiles import load_yaml

CONFIG_FILE = "checks.yaml"


@functools.cache
def config() -> dict[str, Any]:
    data = load_yaml(CONFIG_FILE)
    if not isinstance(data, dict):
        raise RuleFileError(CONFIG_FILE, "top level must be a mapping")
    return data


@functools.cache
def lexicon(name: str) -> dict[str, Any]:
    """rules/lexicons/check_<name>.yaml as a mapping."""
    data = load_yaml(f"lexicons/check_{name}.yaml")
    if not isinstance(data, dict):
        raise RuleFileError(f"lexicons/check_{name}.yaml", "top level must be a mapping")
    return data


def section(name: str) -> dict[str, Any]:
    cfg = config()
    if name not in cfg:
        raise RuleFileError(CONFIG_FILE, f"missing section {name!r}")
    return cfg[name]


@functools.cache
def pattern(section_name: str, key: str) -> regex.Pattern[str]:
    """Compile ``checks.yaml[section][key]``: either a string or a mapping with ``pattern``."""
    entry = section(section_name)[key]
    src = entry["pattern"] if isinstance(entry, dict) else entry
    try:
        return regex.compile(src, regex.VERBOSE if src.lstrip().startswith("(?x)") else 0)
    except regex.error as exc:
        raise RuleFileError(f"{CONFIG_FILE}:{section_name}.{key}", f"bad regex: {exc}") from exc


def alternation(words: list[str]) -> str:
    """A regex alternation of literal words, longest first."""
    return "|".join(regex.escape(w) for w in sorted(set(words), key=len, reverse=True))

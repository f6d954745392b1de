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


_META = set("\\.^$*+?{}[]()|")


@functools.cache
def required_literals(rx: regex.Pattern[str]) -> tuple[str, ...] | None:
    """Literal alternatives one of which every match of ``rx`` must contain, or None if unknown.

    Found from the first named group at the top level of the pattern that is a plain alternation
    of literal words (``(?P<unit>千伏|kV|KV|kv)``) and is not made optional by a quantifier, in a
    pattern without a top-level ``|``. Look-arounds elsewhere do not matter: whatever they allow,
    the group's text is part of the match. Used as a cheap ``str`` pre-filter before scanning a
    whole document with ``rx`` (``may_match``)."""
    if rx.flags & (regex.IGNORECASE | regex.VERBOSE | regex.FULLCASE):
        return None
    src = rx.pattern
    depth, i, n = 0, 0, len(src)
    groups: list[tuple[int, int]] = []   # (content start, close index) of depth-0 named groups
    open_at: int | None = None
    while i < n:
        ch = src[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":  # character class: skip to its closing bracket
            j = i + 1
            if j < n and src[j] == "^":
                j += 1
            if j < n and src[j] == "]":
                j += 1
            while j < n and src[j] != "]":
                j += 2 if src[j] == "\\" else 1
            i = j + 1
            continue
        if ch == "(":
            if depth == 0 and src.startswith("(?P<", i):
                k = src.find(">", i)
                if k < 0:
                    return None
                open_at = k + 1
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and open_at is not None:
                groups.append((open_at, i))
                open_at = None
        elif ch == "|" and depth == 0:
            return None
        i += 1
    if depth != 0:
        return None
    for a, b in groups:
        nxt = src[b + 1:b + 2]
        if nxt in ("?", "*", "{"):
            continue
        words = src[a:b].split("|")
        if all(w and not (set(w) & _META) for w in words):
            return tuple(words)
    return None


def may_match(rx: regex.Pattern[str], text: str) -> bool:
    """False only when ``rx`` provably cannot match ``text`` (see ``required_literals``)."""
    lits = required_literals(rx)
    return lits is None or any(w in text for w in lits)

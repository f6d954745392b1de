"""Every compiled regular expression the product builds from rules/ (and the modules' own).

The collector does not keep its own list (it would go stale): it loads the rules the way the
stages do and walks what they return.

- ``extractor.facts.ruleset.load_ruleset()``: number patterns (anchored ``match`` at numeral
  runs), date/duration patterns, the run scanner, the prefix matcher, negatives, cue lists;
- every zero-argument ``functools.cache``/``lru_cache`` loader of ``extractor.text``,
  ``extractor.facts`` and ``extractor.checks`` (``text_rules()``, ``dates.ruleset()``,
  ``context_rules()``, ``chronology._events()`` …), walked recursively for patterns;
- every ``pattern`` entry of rules/checks.yaml through ``extractor.checks.config.pattern``;
- module-level compiled patterns of those packages.
"""
from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass
from typing import Any

import regex

PACKAGES = ("extractor.text", "extractor.facts", "extractor.checks", "extractor.numerals")
PATTERN_TYPES = (type(regex.compile("a")), re.Pattern)


@dataclass(frozen=True)
class Found:
    label: str          # where it came from, e.g. "facts.ruleset:patterns[3](money.main)"
    pattern: Any        # compiled re / regex pattern
    anchored: bool      # used with .match at chosen positions (number patterns), else searched


def _walk(obj: Any, label: str, out: dict, depth: int = 0, seen: set | None = None) -> None:
    seen = set() if seen is None else seen
    if depth > 6 or id(obj) in seen:
        return
    if isinstance(obj, PATTERN_TYPES):
        out.setdefault((obj.pattern, obj.flags), label)
        return
    if isinstance(obj, (str, bytes, int, float, bool, type(None))):
        return
    seen.add(id(obj))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            _walk(getattr(obj, f.name, None), f"{label}.{f.name}", out, depth + 1, seen)
    elif isinstance(obj, dict):
        for k, v in list(obj.items())[:5000]:
            _walk(v, f"{label}[{k!r}]"[:160], out, depth + 1, seen)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for i, v in enumerate(list(obj)[:5000]):
            _walk(v, f"{label}[{i}]", out, depth + 1, seen)
    elif hasattr(obj, "__dict__") and not inspect.ismodule(obj) and not callable(obj):
        for k, v in vars(obj).items():
            _walk(v, f"{label}.{k}", out, depth + 1, seen)
    elif hasattr(obj, "__slots__"):
        for k in obj.__slots__:
            _walk(getattr(obj, k, None), f"{label}.{k}", out, depth + 1, seen)


def _modules() -> list[Any]:
    mods = []
    for pkg_name in PACKAGES:
        pkg = importlib.import_module(pkg_name)
        mods.append(pkg)
        for info in pkgutil.walk_packages(getattr(pkg, "__path__", []), pkg_name + "."):
            try:
                mods.append(importlib.import_module(info.name))
            except ImportError:
                continue
    return mods


def _zero_arg_cached(fn: Any) -> bool:
    if not isinstance(fn, functools._lru_cache_wrapper):
        return False
    try:
        sig = inspect.signature(fn.__wrapped__)
    except (TypeError, ValueError):
        return False
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
               for p in sig.parameters.values())


def collect() -> list[Found]:
    """All distinct compiled patterns, number patterns marked as anchored."""
    from extractor.checks import config as checks_config
    from extractor.facts.ruleset import load_ruleset

    anchored: dict = {}
    searched: dict = {}
    rs = load_ruleset()
    for p in rs.patterns:
        anchored.setdefault((p.compiled.pattern, p.compiled.flags), f"rules/kinds:{p.id}")
    _walk(rs.other_patterns, "facts.ruleset.other_patterns", searched)
    _walk(rs.negatives, "facts.ruleset.negatives", searched)
    _walk(rs.cue_res, "facts.ruleset.cue_res", searched)
    _walk(rs.scanner, "facts.ruleset.scanner", searched)
    anchored.setdefault((rs.prefix_rev.pattern, rs.prefix_rev.flags), "facts.ruleset.prefix_rev")
    for name, frag in rs.fragments.items():
        try:
            from extractor.facts.ruleset import _expand
            searched.setdefault((regex.compile(_expand(frag, rs.fragments, name)).pattern, 0),
                                f"rules/fragments.yaml:{name}")
        except Exception:   # noqa: BLE001 - fragments are validated by the ruleset loader
            pass
    for mod in _modules():
        for name, val in sorted(vars(mod).items()):
            if getattr(val, "__module__", None) != mod.__name__ and not isinstance(val, PATTERN_TYPES):
                continue
            if isinstance(val, PATTERN_TYPES):
                searched.setdefault((val.pattern, val.flags), f"{mod.__name__}.{name}")
            elif _zero_arg_cached(val):
                try:
                    res = val()
                except Exception:   # noqa: BLE001 - a loader that needs a context: skipped
                    continue
                _walk(res, f"{mod.__name__}.{name}()", searched)
    cfg = checks_config.config()
    for sec, entries in cfg.items():
        if isinstance(entries, dict) and "pattern" in entries and isinstance(entries["pattern"], str):
            # a section that is itself one pattern entry
            try:
                searched.setdefault((regex.compile(entries["pattern"]).pattern, 0),
                                    f"rules/checks.yaml:{sec}")
            except regex.error:
                pass
        if not isinstance(entries, dict):
            continue
        for key, entry in entries.items():
            src = entry.get("pattern") if isinstance(entry, dict) else None
            if isinstance(src, str):
                pat = checks_config.pattern(sec, key)
                searched.setdefault((pat.pattern, pat.flags), f"rules/checks.yaml:{sec}.{key}")
    out = [Found(label, _recompile(src, flags), True) for (src, flags), label in anchored.items()]
    out += [Found(label, _recompile(src, flags), False) for (src, flags), label in searched.items()
            if (src, flags) not in anchored]
    return out


@functools.cache
def _recompile(src: Any, flags: int) -> Any:
    """The same pattern compiled with ``regex`` (for its timeout); ``re``-only syntax stays ``re``."""
    if isinstance(src, bytes):
        return re.compile(src, flags)
    try:
        return regex.compile(src, flags & ~re.UNICODE | regex.V0)
    except (regex.error, ValueError):
        return re.compile(src, flags)

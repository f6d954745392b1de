"""Load, validate and compile the number rules: rules/fragments.yaml, rules/kinds/*.yaml and the
lexicons they use. Rules are data; this module is the engine's only door to them.

- ``load_ruleset()`` → :class:`RuleSet` (cached per rules folder): compiled patterns ordered by
  priority, lexicon tables, generated fragments, the run scanner and the negative matcher.
- ``validate_rules()`` → list of problems (``file:line: message``); empty when all is well.
- ``test_rules()`` → :class:`RuleTestReport` running every example and counter-example.

Every malformed file raises :class:`~extractor.errors.RuleFileError` naming ``file:line``:
unknown keys, duplicate ids or keys, bad regexes, unresolved ``{FRAGMENT}`` references.
"""
from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex

from ..errors import RuleFileError
from ..rulefiles import (BUILT_GLOBALS, cached_build, compile_regex, parse_yaml_cached, rules_dir,
                         yaml_error)
# how the rule set's re patterns (re_twin's) are cached: as their compiled code (named here too
# for the tests of the twins)
from ..rulefiles import _CompiledPickler as _RulesetPickler  # noqa: F401
from ..rulefiles import _re_pattern, _sre_args, _sre_stamp  # noqa: F401

#: kinds whose rule files this engine owns; other kinds/*.yaml (date, duration) are validated
#: for syntax, ids and regexes only — their examples are run by their own module.
NUMBER_KINDS = ("money", "percent", "count", "quantity")

PATTERN_KEYS = {"id", "description", "priority", "regex", "requires", "split", "reject_numbers",
                "examples", "counter_examples", "near", "range_only"}
REQUIRES_KEYS = {"left_cue", "window", "scale"}
EXAMPLE_KEYS = {"texts", "in", "expect", "expect_all", "xfail", "note"}
EXPECT_KEYS = {"text", "value", "low", "high", "decimals", "approx", "unit", "qualifiers",
               "scale", "role", "kind"}
FILE_KEYS = {"kind", "patterns", "fragments", "units", "cues_before", "cues_after", "version",
             "context"}
REF = regex.compile(r"\{([A-Z][A-Z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class Pattern:
    id: str
    kind: str
    description: str
    priority: int
    source: str                      # the regex as written
    expanded: str                    # after fragment expansion
    compiled: Any
    requires: dict
    split: bool
    reject_numbers: tuple[str, ...]
    examples: list
    counter_examples: list
    where: str                       # file:line
    is_range: bool = False           # `range_only`: only tried near a range separator
    near: Any = None                 # cheap regex that must match around the run (speed only)
    near_test: Any = None            # how the engine looks for `near` (see literal_test)
    n1_group: int = 0                # number of the group `n1` (0: none); by name costs 1.4 µs
    cue: str = ""                    # requires.left_cue ("" when none), for the engine's loop
    cue_window: Any = 12             # requires.window as written
    # the characters a match of `near` starts with (first_chars; None: unknown): with them, the
    # engine drops a gated pattern at a run before its turn when none is in the window
    near_first: Any = None
    # one-character words of `near` (literal_words): one of them in the window is a match
    near_sure: Any = None
    # the group names in group-number order when every group is named once (then the groups
    # tuple zipped with them is the groupdict); None otherwise
    group_names: Any = None
    # neither `requires` nor `range_only`: the engine tries no later rule of its kind at a start
    # where it matched
    plain: bool = False
    # ``compiled`` compiled by the standard library's re where both engines read the source
    # alike (re_twin), else None: the engine matches with it under its watch (2-3x faster)
    twin: Any = None


@dataclass(frozen=True, slots=True)
class Lexicons:
    prefix_quals: dict[str, str]
    prefix_not_after: dict[str, frozenset[str]]
    inner_quals: dict[str, str]
    suffix_quals: dict[str, str]
    negative_growth: tuple[str, ...]
    growth_fillers: tuple[str, ...]
    currency_after: dict[str, str]
    currency_before: dict[str, str]
    currency_trail: dict[str, str]
    colloquial_yuan: tuple[str, ...]
    subunits: dict[str, str]
    cues: dict[str, tuple[str, ...]]
    measure_words: tuple[str, ...]
    units: tuple[str, ...]


@dataclass(slots=True)
class RuleSet:
    patterns: list[Pattern]
    lexicons: Lexicons
    fragments: dict[str, str]
    scanner: Any                     # finds numeral runs
    prefix_rev: Any                  # reverse matcher of one prefix ending at a position
    prefix_last_chars: frozenset[str]  # last characters of the prefixes (cheap gate)
    tail_chars: frozenset[str]
    kinds_by_char: dict              # first character of a tail word → kinds it can start
    words_by_char: dict              # first character → ((tail word, kind), …), longest first
    tail_len: dict                   # first character → length of its longest tail word
    negatives: list                  # (name, compiled, trigger strings) phrases + patterns
    negative_names: dict[str, str]   # group name → description
    cue_res: dict[str, Any]          # cue list name → compiled alternation
    version: str
    other_patterns: list[Pattern] = field(default_factory=list)   # date/duration (validated only)
    distribute: Any = None           # words before a list whose items share the last unit
    negative_any_trigger: Any = None  # union of the negative patterns' triggers (one search)
    # whether that union finds something, asked in up to three steps (see _trigger_parts): a re
    # class of the one-character triggers, the plain words of the others (str.find), a regex
    # union of the rest; None: the union is searched as it is
    negative_trigger_parts: Any = None
    plists: dict = field(default_factory=dict)   # engine: kind set → its patterns and gates
    tail_kinds: dict = field(default_factory=dict)   # text at a tail → kinds whose word is there
    go_chars: Any = None             # characters after a run that may lead to a tail (engine)
    # the negatives as the engine walks them: (name, compiled, trigger (None, a compiled regex or
    # a plain word for str.find), whether it is the phrase alternation built from escaped words,
    # _start_test of the pattern or None); see engine._negative_hit
    neg_checks: list = field(default_factory=list)
    phrase_bigrams: Any = None       # every two-character piece of a negative phrase (or None)
    resolved: dict = field(default_factory=dict)   # engine: (rule id, groups) → resolution
    ranks: Any = None                # engine: id(pattern) → (-priority, place) for the overlaps
    neg_untriggered: Any = None      # engine: the neg_checks without a trigger, in order (all,
    #                                  and those an Arabic figure asks: not the phrases)
    neg_plan: Any = None             # engine: the checks by one-character triggers found
    reject_runs: Any = None          # engine: the patterns' reject_numbers (see engine._doomed)
    run_finder: Any = None           # the scanner compiled by the standard re (see _stdlib_twin)

    def by_id(self, rule_id: str) -> Pattern:
        for p in self.patterns:
            if p.id == rule_id:
                return p
        raise KeyError(rule_id)


# ----------------------------------------------------------------------------- YAML with lines
def _load(path: Path) -> Any:
    try:   # round-trip keeps line numbers; rejects duplicate keys (parsed once, then cached)
        return parse_yaml_cached(path.read_text(encoding="utf-8"), "rt")
    except OSError as exc:
        raise RuleFileError(path, f"cannot read rule file: {exc.strerror or exc}") from exc
    except Exception as exc:
        err = yaml_error(path, exc)
        if err is None:
            raise
        raise err from exc


def _line(node: Any, key: Any = None) -> int:
    try:
        if key is None:
            return node.lc.line + 1
        if isinstance(key, int):
            return node.lc.item(key)[0] + 1
        return node.lc.key(key)[0] + 1
    except Exception:   # plain scalars carry no position
        return 0


def _alt(words: list[str] | tuple[str, ...]) -> str:
    """Regex alternation of literal words, longest first (人次 before 人)."""
    ws = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    return "(?:" + "|".join(regex.escape(w) for w in ws) + ")" if ws else "(?!)"


def _word_alternation(entries: list[Any]) -> tuple[list[str], str]:
    """Words of a unit / measure-word list (a plain word, or ``{word, not_followed_by}``) in file
    order, and their regex alternation, longest first, each with its own negative lookahead."""
    words: list[str] = []
    alts: list[tuple[str, str]] = []
    for u in entries:
        if isinstance(u, dict):
            w = str(u["word"])
            stops = u.get("not_followed_by") or []
            alts.append((w, regex.escape(w) + (f"(?!{_alt(stops)})" if stops else "")))
        else:
            w = str(u)
            alts.append((w, regex.escape(w)))
        words.append(w)
    alts.sort(key=lambda p: (-len(p[0]), p[0]))
    return words, "(?:" + "|".join(a for _, a in alts) + ")"


def _plain(x: Any) -> Any:
    """ruamel round-trip containers → plain dict/list/str; its formatted numbers (ScalarInt,
    ScalarFloat: `decimals: 0` of an example) → int/float, so that a cached rule set holds no
    ruamel class (loading one would import ruamel)."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    if isinstance(x, str):
        return str(x)
    if type(x) not in (int, float, bool) and type(x).__module__.startswith("ruamel."):
        if isinstance(x, float):
            return float(x)
        if isinstance(x, int) and type(x).__name__ != "ScalarBoolean":
            return int(x)
    return x


# ----------------------------------------------------------------------------- lexicons
def _lexicons(base: Path) -> tuple[Lexicons, dict[str, str], dict]:
    lex = base / "lexicons"
    num = _plain(_load(lex / "numerals.yaml"))
    qual = _plain(_load(lex / "qualifiers.yaml"))
    cur = _plain(_load(lex / "currencies.yaml"))
    mw = _plain(_load(lex / "measure_words.yaml"))
    un = _plain(_load(lex / "units.yaml"))
    after: dict[str, str] = {}
    before: dict[str, str] = {}
    trail: dict[str, str] = {}
    for code, names in cur["currencies"].items():
        for w in names.get("after", []):
            after[w] = code
        for w in names.get("before", []):
            before[w] = code
        for w in names.get("trail", []):
            trail[w] = code
    units, unit_qty = _word_alternation(un["units"])
    mw_words, measure_word = _word_alternation(mw["measure_words"])
    cues = {"money_cues": tuple(cur.get("money_cues") or ()),
            "ratio_cues": tuple(qual.get("ratio_cues") or ())}
    lexicons = Lexicons(
        prefix_quals=dict(qual["prefix"]), inner_quals=dict(qual["inner"]),
        prefix_not_after={str(k): frozenset(v) for k, v in (qual.get("prefix_not_after") or {}).items()},
        suffix_quals=dict(qual["suffix"]),
        negative_growth=tuple(qual.get("negative_growth") or ()),
        growth_fillers=tuple(qual.get("growth_fillers") or ()),
        currency_after=after, currency_before=before, currency_trail=trail,
        colloquial_yuan=tuple(cur.get("colloquial_yuan") or ()),
        subunits=dict(cur.get("subunits") or {}), cues=cues,
        measure_words=tuple(mw_words), units=tuple(units))
    digits = "".join(num["digits"].keys())
    big = "".join(num["big_powers"].keys())
    kilo = sorted({u[1:] for u in units if u.startswith("千") and len(u) > 1}, key=len, reverse=True)
    generated = {
        "CN_DIGIT": f"[{regex.escape(digits)}]",
        "CN_BIG": f"[{regex.escape(big)}]",
        "SCALE": _alt(list(num["scales"].keys())),
        "VAGUE_PREFIX": _alt(num.get("vague_prefixes") or []),
        "QUAL_PREFIX": _alt(list(qual["prefix"].keys())),
        "QUAL_INNER": _alt(list(qual["inner"].keys())),
        "QUAL_SUFFIX": _alt(list(qual["suffix"].keys())),
        "CURRENCY_AFTER": _alt(list(after)),
        "CURRENCY_BEFORE": _alt(list(before)),
        "CURRENCY_TRAIL": _alt(list(trail)),
        "COLLOQUIAL_YUAN": _alt(list(cur.get("colloquial_yuan") or [])),
        "MONEY_CUE_AFTER": _alt(list(cur.get("money_cues_after") or [])),
        "MEASURE_WORD": measure_word,
        "MEASURE_STOP": _alt(mw.get("not_followed_by") or []),
        "UNIT_QTY": unit_qty,
        "UNIT_STOP": _alt(un.get("not_followed_by") or []),
        "KILO_TAILS": _alt(kilo),
    }
    return lexicons, generated, num


# ----------------------------------------------------------------------------- fragments
def _expand(src: str, frags: dict[str, str], where: str, stack: tuple[str, ...] = ()) -> str:
    def sub(m: regex.Match) -> str:
        name = m.group(1)
        if name in stack:
            raise RuleFileError(where, f"fragment cycle: {' → '.join(stack + (name,))}")
        if name not in frags:
            raise RuleFileError(where, f"unresolved fragment reference {{{name}}}")
        return _expand(frags[name], frags, where, stack + (name,))
    return REF.sub(sub, src)


def _compile(src: str, where: str) -> Any:
    try:
        return compile_regex(src)
    except regex.error as exc:
        raise RuleFileError(where, f"bad regex: {exc}") from exc


#: a speed-only guard in a fragment: a lookahead of one fragment in front of what it guards
#: (NUM_CORE's ``(?={NUM_FIRST})``)
_GUARD = regex.compile(r"\(\?=\{([A-Z][A-Z0-9_]*)\}\)")


def _check_guards(name: str, frags: dict[str, str], where: str) -> None:
    """Every ``(?={G})`` in fragment ``name`` must let through every match of what follows it
    in its branch: G matches one character of a set, and each character such a match can begin
    with (first_chars, read without the layout of verbose mode) is in it. A guard is written
    for speed only, by hand: a rules folder that adds a character to what it guards (a power in
    CN_POW) but not to the guard would silently lose every figure with that character, so such
    a folder is refused here (RuleFileError), as are guards that cannot be checked."""
    src = frags[name]
    for m in _GUARD.finditer(src):
        j = m.end()
        try:
            while j < len(src) and src[j] not in "|)":
                j = _skip_item(src, j)
        except (IndexError, ValueError):
            j = -1
        guard = m.group(1)
        allowed = _one_char_set(_layout_free(_expand("{" + guard + "}", frags, where)))
        after = _layout_free(_expand(src[m.end():j], frags, where)) if j > 0 else None
        first = first_chars(after) if after else None
        if allowed is None or first is None:
            raise RuleFileError(where, f"fragment {name}: the speed-only lookahead (?={{{guard}}}) "
                                f"cannot be checked: {guard} must be one character of a set "
                                "and what follows it must start with known characters")
        if not first <= allowed:
            missing = "".join(sorted(first - allowed))
            raise RuleFileError(where, f"fragment {name}: the speed-only lookahead "
                                f"(?={{{guard}}}) misses {missing!r}, which what it guards can "
                                f"begin with: add them to {guard} (else such figures are lost)")


def _layout_free(src: str) -> str | None:
    """``src`` without the white space that verbose mode ignores (outside sets, unescaped);
    None when it has a ``#`` there (a comment)."""
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == "\\":
            out.append(src[i:i + 2])
            i += 2
        elif c == "[":
            k = flat_set_end(src, i + 1)
            out.append(src[i:k + 1])
            i = k + 1
        elif c == "#":
            return None
        else:
            if not c.isspace():
                out.append(c)
            i += 1
    return "".join(out)


def _one_char_set(src: str | None) -> frozenset[str] | None:
    """The characters ``src`` matches when it matches exactly one character of a set: a literal,
    a class of literals, or an alternation of those (in ``(?:…)`` groups); else None."""
    if not src:
        return None
    if src.startswith("(?:"):
        try:
            whole = _skip_group(src, 3) == len(src)
        except (IndexError, ValueError):
            return None
        if whole:
            return _one_char_set(src[3:-1])
    out: set[str] = set()
    try:
        branches = _branches(src)
    except (IndexError, ValueError):
        return None
    for b in branches:
        if b.startswith("("):
            try:
                whole = b.startswith("(?:") and _skip_group(b, 3) == len(b)
            except (IndexError, ValueError):
                whole = False
            got = _one_char_set(b[3:-1]) if whole else None
            if got is None:
                return None
            out |= got
        elif b.startswith("["):
            try:
                chars, end = _fc_class(b, 1)
            except (_Unsure, IndexError, ValueError):
                return None
            if end != len(b) or not chars:
                return None
            out |= chars
        else:
            word = _unescape(b)
            if len(word) != 1:
                return None
            out.add(word)
    return frozenset(out)


# ----------------------------------------------------------------------------- loading
def _check_keys(node: Any, allowed: set[str], what: str, path: Path) -> None:
    if not isinstance(node, dict):
        raise RuleFileError(f"{path}:{_line(node)}", f"{what} must be a mapping")
    for k in node:
        if str(k) not in allowed:
            raise RuleFileError(f"{path}:{_line(node, k)}",
                                f"unknown key {k!r} in {what} (allowed: {', '.join(sorted(allowed))})")


def _load_kind_file(path: Path, frags: dict[str, str], seen: dict[str, str],
                    owned: bool, cue_names: set[str]) -> list[Pattern]:
    data = _load(path)
    if not isinstance(data, dict):
        raise RuleFileError(f"{path}:1", "a kinds file must be a mapping with `patterns`")
    if owned:
        _check_keys(data, FILE_KEYS, "file", path)
    kind = str(data.get("kind") or path.stem)
    local = dict(frags)
    for name, val in (data.get("fragments") or {}).items():
        local[str(name)] = str(val)
    if data.get("fragments"):
        for name in local:
            _check_guards(name, local, f"{path}:{_line(data, 'fragments')}")
    pats = data.get("patterns")
    if not isinstance(pats, list):
        raise RuleFileError(f"{path}:{_line(data, 'patterns') if 'patterns' in data else 1}",
                            "`patterns` must be a list")
    out: list[Pattern] = []
    for i, p in enumerate(pats):
        where = f"{path}:{_line(pats, i)}"
        if not isinstance(p, dict):
            raise RuleFileError(where, "a pattern must be a mapping")
        if owned:
            _check_keys(p, PATTERN_KEYS, "pattern", path)
        pid = p.get("id")
        if not pid:
            raise RuleFileError(where, "pattern without `id`")
        pid = str(pid)
        if pid in seen:
            raise RuleFileError(where, f"duplicate rule id {pid!r} (first at {seen[pid]})")
        seen[pid] = where
        src = p.get("regex")
        if not src:
            raise RuleFileError(where, f"pattern {pid!r} has no `regex`")
        rwhere = f"{path}:{_line(p, 'regex')}"
        expanded = _expand(str(src), local, rwhere)
        compiled = _compile(expanded, rwhere)
        requires = _plain(p.get("requires") or {})
        if owned:
            if requires:
                _check_keys(p["requires"], REQUIRES_KEYS, "requires", path)
                cue = requires.get("left_cue")
                if cue and cue not in cue_names:
                    raise RuleFileError(f"{path}:{_line(p, 'requires')}",
                                        f"unknown cue list {cue!r} (known: {', '.join(sorted(cue_names))})")
            if not p.get("description"):
                raise RuleFileError(where, f"pattern {pid!r} has no `description`")
            if not p.get("examples"):
                raise RuleFileError(where, f"pattern {pid!r} has no examples")
            for j, ex in enumerate(p.get("examples") or []):
                _check_keys(ex, EXAMPLE_KEYS, "example", path)
                for key in ("expect",):
                    if key in ex:
                        _check_keys(ex[key], EXPECT_KEYS, "expect", path)
                for e in ex.get("expect_all") or []:
                    _check_keys(e, EXPECT_KEYS, "expect", path)
                if not (ex.get("texts") or ex.get("in")):
                    raise RuleFileError(f"{path}:{_line(p['examples'], j)}",
                                        "an example needs `texts` or `in`")
        near = _compile(_expand(str(p["near"]), local, f"{path}:{_line(p, 'near')}"),
                        f"{path}:{_line(p, 'near')}") if p.get("near") else None
        if near is not None:          # (the engine only asks whether it finds something)
            near = _literal_twin(near)
        out.append(Pattern(
            id=pid, kind=kind, description=str(p.get("description") or ""),
            priority=int(p.get("priority") or 50), source=str(src), expanded=expanded,
            compiled=compiled, requires=requires, split=bool(p.get("split")),
            reject_numbers=tuple(str(x) for x in (p.get("reject_numbers") or ())),
            examples=[dict(_plain(e), line=_line(p["examples"], j))
                      for j, e in enumerate(p.get("examples") or [])],
            counter_examples=_plain(p.get("counter_examples") or []), where=where,
            is_range=bool(p.get("range_only")),
            near=near, near_test=literal_test(near.pattern) if near is not None else None,
            near_first=first_chars(near.pattern) if near is not None else None,
            near_sure=_single_chars(near.pattern) if near is not None else None,
            n1_group=compiled.groupindex.get("n1", 0), group_names=_group_names(compiled),
            cue=requires.get("left_cue") or "", cue_window=requires.get("window", 12),
            plain=not requires and not p.get("range_only"),
            twin=quicker_twin(re_twin(compiled))))
    return out


def _negatives(base: Path) -> tuple[list[tuple[str, Any]], dict[str, str], list[str],
                                    list[str | None]]:
    """Negative phrases and patterns, compiled separately (one big alternation is ~20× slower),
    their names, the phrases and where each one's trigger is written (``file:line``, None: no
    trigger; by position, as ids may repeat)."""
    path = base / "lexicons" / "negatives.yaml"
    data = _load(path)
    _check_keys(data, {"phrases", "patterns"}, "file", path)
    phrases = [str(x) for x in data.get("phrases") or []]
    out = [("phrase", _compile(_alt(phrases), str(path)), None)]
    names = {"phrase": "negative lexicon phrase"}
    wheres: list[str | None] = [None]
    for i, p in enumerate(data.get("patterns") or []):
        where = f"{path}:{_line(data['patterns'], i)}"
        _check_keys(p, {"id", "description", "regex", "trigger"}, "negative pattern", path)
        pid = str(p["id"])
        if p.get("trigger"):
            wheres.append(f"{path}:{_line(p, 'trigger')}")
            trigger = _compile(str(p["trigger"]), wheres[-1])
        else:
            wheres.append(None)
            trigger = None
        out.append((pid, _compile(str(p["regex"]), where), trigger))
        names[pid] = f"{pid}: {p.get('description', '')}"
    return out, names, phrases, wheres


def _trigger_union(named: list[tuple[str, str]], wheres: list[str]) -> Any:
    """The union of the negative triggers ``named`` ((rule id, regex source) in file order, each
    written at ``wheres``' file:line of the same position), one
    search for "is any trigger in the window". Each trigger compiled alone, but an inline flag
    applies to the whole union, so two triggers whose flags cannot be combined ((?V0) and
    (?V1), (?a) and (?u)) make it fail: a RuleFileError at the trigger that cannot join the
    ones before it, naming the first of those it clashes with (not regex's bare ValueError)."""
    if not named:
        return None
    srcs = [t for _, t in named]
    try:
        return compile_regex("|".join(f"(?:{t})" for t in srcs))
    except (ValueError, regex.error) as exc:
        failure = exc
    for i in range(1, len(named)):
        try:
            compile_regex("|".join(f"(?:{t})" for t in srcs[:i + 1]))
        except (ValueError, regex.error) as exc:
            pid, src = named[i]
            clash = [other for other, t in named[:i] if not _joins(t, src)]
            others = ", ".join(clash or [other for other, _ in named[:i]])
            raise RuleFileError(wheres[i], f"the trigger {src!r} of {pid} cannot be searched "
                                f"together with the trigger of {others} (their inline flags "
                                f"clash: {exc})") from exc
    raise RuleFileError(wheres[0],
                        f"the negative triggers cannot be searched together: {failure}")


def _joins(a: str, b: str) -> bool:
    """Whether two regex sources compile as one alternation (their inline flags agree)."""
    try:
        compile_regex(f"(?:{a})|(?:{b})")
    except (ValueError, regex.error):
        return False
    return True


def _signature(base: Path) -> tuple:
    """Names, sizes and mtimes of the rule files: an edited file invalidates the cache."""
    out = []
    for path in sorted(base.rglob("*.yaml")):
        st = path.stat()
        out.append((str(path), st.st_size, st.st_mtime_ns))
    return tuple(out)


#: base folder → (stat keys of its folders, its rule files, the signature they gave)
_SIGNATURES: dict[str, tuple[tuple, tuple[str, ...], tuple]] = {}


def _folder_keys(base: Path) -> tuple | None:
    """(path, mtime_ns) of the rules folder and every folder below it: a file added, removed or
    renamed anywhere in the tree changes the mtime of the folder that holds it. None when a
    folder changed in the last 2 s: mtimes are as coarse as the kernel's clock tick, so a second
    file added within the same tick would leave the mtime as it was (such a tree is walked on
    every call until it has been quiet for 2 s)."""
    recent = time.time_ns() - 2_000_000_000
    try:
        dirs = [base] + sorted(p for p in base.rglob("*") if p.is_dir())
        out = []
        for d in dirs:
            m = os.stat(d).st_mtime_ns
            if m > recent:
                return None
            out.append((str(d), m))
    except OSError:
        return None
    return tuple(out)


def _quick_signature(base: Path) -> tuple:
    """What ``_signature`` returns, without walking the tree on every call (it ran twice per
    document: 0.3 ms each). The folders' mtimes say whether the set of files may have changed;
    if not, only the known files are stat'ed (same names, sizes and mtimes as the walk gives)."""
    key = str(base)
    got = _SIGNATURES.get(key)
    if got is not None:
        dir_keys, files, sig = got
        try:
            same = all(os.stat(d).st_mtime_ns == m for d, m in dir_keys)
            if same:
                stats = [os.stat(f) for f in files]
        except OSError:
            same = False
        if same:
            for (f, size, mtime), st in zip(sig, stats):
                if st.st_size != size or st.st_mtime_ns != mtime:
                    break
            else:
                return sig
            sig = tuple((f, st.st_size, st.st_mtime_ns) for f, st in zip(files, stats))
            _SIGNATURES[key] = (dir_keys, files, sig)
            return sig
    dir_keys = _folder_keys(base)     # before the walk: a file added during it shows up next time
    sig = _signature(base)
    if dir_keys is None:
        _SIGNATURES.pop(key, None)
    else:
        _SIGNATURES[key] = (dir_keys, tuple(f for f, _, _ in sig), sig)
    return sig


@functools.lru_cache(maxsize=16)
def _load_cached(base_str: str, signature: tuple = (), others: bool = False) -> RuleSet:
    """``others``: also load and validate kinds files of other owners (date, duration); that
    check always reads the files, the engine's rule set comes from the cache when it can."""
    digest = _rules_digest(Path(base_str))
    if others:
        return _build(base_str, digest, True)
    return _cached_build(base_str, digest)


def _rules_digest(base: Path) -> str:
    """sha256 of the names and contents of every rule file (the rule set's ``version``)."""
    h = hashlib.sha256()
    for path in sorted(base.rglob("*.yaml")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


#: the globals a cached rule set may name: its own classes, and those of every cached object
#: (rulefiles.BUILT_GLOBALS: sets, regex's pattern constructor, re patterns as their code)
_RULESET_GLOBALS = frozenset({(__name__, "RuleSet"), (__name__, "Pattern"),
                              (__name__, "Lexicons")}) | BUILT_GLOBALS


def _code_stamp() -> bytes | None:
    """This module's and rulefiles.py's sources, for the rule set cache's key (None when they
    cannot be read)."""
    from .. import rulefiles

    try:
        return Path(__file__).read_bytes() + b"\0" + Path(rulefiles.__file__).read_bytes()
    except OSError:
        return None


def _complete(rs: RuleSet) -> bool:
    """Whether every field of the rule set is there (an unpickled one that lacks a field was
    made by other code)."""
    return all(hasattr(rs, name) for name in RuleSet.__slots__)


_RULESET_FILES_KEPT = 8
#: the sources of the code that runs, read once when the module is imported: read at build time
#: instead, a process started before the files changed (a merge, an edit) filed the rule set its
#: old classes built under the new code's key, and a process of the new code then loaded a rule
#: set without the new fields (found in session 6: AttributeError in the engine)
_CODE = _code_stamp()


def _cached_build(base_str: str, digest: str) -> RuleSet:
    """The rule set of ``base_str`` from the cache, or built and cached (0.1-0.2 s of a fresh
    process: the lexicons' and kinds' YAML trees, fragment expansion, the derived tables, and
    ruamel's import, which the trees need). Keyed by the rule files' contents, the folder (rules
    carry their file:line), this module's source (the code that derives the tables), what reads
    the files into trees (rulefiles.py's source, ruamel.yaml's stamp), and the Python and regex
    versions; it is pickled as built (with its key, rulefiles.cached_build), before the engine
    adds its memos."""
    from .. import rulefiles

    code = _CODE
    if code is None:
        return _build(base_str, digest, False)
    key = hashlib.sha256(f"{digest}\0{base_str}\0{sys.implementation.cache_tag}\0"
                         f"{regex.__version__}\0{rulefiles._ruamel_stamp()}\0".encode()
                         + code).hexdigest()[:32]
    # (a process that imported code older than _CODE (it read the sources at build time) filed
    # a bare rule set of its classes under the key of the sources it read then: with the same
    # fields, those can hold other values (77160ad's 3-tuple negative_trigger_parts made the
    # engine fail with ValueError after 70c9f55 made it a 4-tuple); the key filed with the rule
    # set tells them apart)
    return cached_build("ruleset", key, lambda: _build(base_str, digest, False), _RULESET_GLOBALS,
                        lambda rs: (type(rs) is RuleSet and rs.version == digest[:12]
                                    and _complete(rs)), kept=_RULESET_FILES_KEPT)


def _build(base_str: str, digest: str, others: bool) -> RuleSet:
    base = Path(base_str)
    lexicons, generated, num = _lexicons(base)
    fpath = base / "fragments.yaml"
    fdata = _load(fpath)
    _check_keys(fdata, {"fragments"}, "file", fpath)
    frags = dict(generated)
    for name, val in (fdata.get("fragments") or {}).items():
        if str(name) in generated:
            raise RuleFileError(f"{fpath}:{_line(fdata['fragments'], name)}",
                                f"fragment {name} is generated from the lexicons; do not define it")
        frags[str(name)] = str(val)
    for name in list(frags):   # every fragment must expand (catches typos early)
        where = f"{fpath}:{_line(fdata['fragments'], name) if name in fdata['fragments'] else 0}"
        _compile(_expand(frags[name], frags, where), where)
        _check_guards(name, frags, where)
    seen: dict[str, str] = {}
    patterns: list[Pattern] = []
    other_pats: list[Pattern] = []
    cue_names = set(lexicons.cues)
    for path in sorted((base / "kinds").glob("*.yaml")):
        owned = path.stem in NUMBER_KINDS
        if not owned and not others:
            continue
        pats = _load_kind_file(path, frags, seen, owned, cue_names)
        (patterns if owned else other_pats).extend(pats)
    patterns.sort(key=lambda p: -p.priority)
    # the scanner: maximal runs of numeral characters (Arabic, Chinese, powers)
    cn = "".join(num["digits"]) + "".join(num["small_powers"]) + "".join(num["big_powers"])
    cls = regex.escape(cn)
    scanner = compile_regex(rf"[0-9０-９{cls}](?:[0-9０-９{cls}.,．点])*+")
    run_finder = _stdlib_twin(scanner)
    prefixes = (list(lexicons.prefix_quals) + list(lexicons.currency_before)
                + list(num.get("vague_prefixes") or []) + list(num.get("at_least_prefixes") or [])
                + ["百分之", "从", "-", "−", "﹣"])
    prefix_rev = compile_regex("(?r)" + _alt(prefixes))
    tails: set[str] = set("%％‰倍成个百点:：∶元圆块余多 \u3000(（-—–~～－至到与和左上以及之不kKwW")
    for w in (list(lexicons.measure_words) + list(lexicons.units) + list(lexicons.currency_after)
              + list(lexicons.currency_trail) + list(lexicons.colloquial_yuan)
              + list(lexicons.suffix_quals) + list(lexicons.inner_quals) + list(num["scales"])):
        tails.add(w[0])
    kinds_by_char: dict[str, set[str]] = {}
    words_by_char: dict[str, list[tuple[str, str]]] = {}
    for kind, words in (("money", list(lexicons.currency_after)
                         + list(lexicons.colloquial_yuan) + ["圆", "元", "个亿", "个万"]),
                        ("percent", ["%", "％", "‰", "倍", "成", "百分点", "个百分点", ":", "：", "∶"]),
                        ("count", list(lexicons.measure_words)),
                        ("quantity", list(lexicons.units))):
        for w in words:
            kinds_by_char.setdefault(w[0], set()).add(kind)
            words_by_char.setdefault(w[0], []).append((w, kind))
    negatives, neg_names, phrases, neg_wheres = _negatives(base)
    named = [(name, t.pattern) for name, _, t in negatives if t is not None]
    trig = [t for _, t in named]
    negative_any_trigger = _trigger_union(named, [w for w in neg_wheres if w is not None])
    negative_trigger_parts = _trigger_parts(trig, negative_any_trigger)
    # the phrase alternation is built here from escaped literals: it cannot backtrack badly, so
    # the engine runs it without the (costly) timeout; the patterns of the file keep theirs
    # a trigger that is a plain word is looked for with str.find (literal_test: exact), which
    # costs a fraction of a regex search; the others stay compiled
    # the phrase alternation is searched by its twin compiled by re where it is one of plain
    # words (_literal_twin: a third of regex's time on the corpus's windows)
    neg_checks = [(name, _literal_twin(rx) if i == 0 else rx, _word_or_regex(t), i == 0,
                   None if i == 0 else _start_test(rx.pattern))
                  for i, (name, rx, t) in enumerate(negatives)]
    bigrams = None
    if phrases and all(len(w) >= 2 for w in phrases):
        bigrams = frozenset(w[i:i + 2] for w in phrases for i in range(len(w) - 1))
    # (searched by the engine for whether a cue is there: re's twin of the plain words)
    cue_res = {name: _literal_twin(compile_regex(_alt(list(words))))
               for name, words in lexicons.cues.items()}
    qual = _plain(_load(base / "lexicons" / "qualifiers.yaml"))
    dist_words = qual.get("list_cues") or []
    distribute = compile_regex(_alt(dist_words)) if dist_words else None
    return RuleSet(patterns=patterns, lexicons=lexicons, fragments=frags, scanner=scanner,
                   prefix_rev=prefix_rev, prefix_last_chars=frozenset(w[-1] for w in prefixes),
                   tail_chars=frozenset(tails),
                   kinds_by_char={k: frozenset(v) for k, v in kinds_by_char.items()},
                   words_by_char={k: tuple(sorted(v, key=lambda p: -len(p[0])))
                                   for k, v in words_by_char.items()},
                   tail_len={k: max(len(w) for w, _ in v) for k, v in words_by_char.items()},
                   negatives=negatives,
                   negative_names=neg_names, cue_res=cue_res, distribute=distribute,
                   negative_any_trigger=negative_any_trigger,
                   negative_trigger_parts=negative_trigger_parts,
                   neg_checks=neg_checks,
                   phrase_bigrams=bigrams,
                   version=digest[:12],
                   other_patterns=other_pats,
                   run_finder=run_finder)


def load_ruleset(base: str | Path | None = None) -> RuleSet:
    """The compiled rules of ``base`` (default: the project's rules/ or $EXTRACTOR_RULES_DIR)."""
    if base:
        b = Path(base)
    else:   # rules_dir() resolves the package path (30 µs): once per $EXTRACTOR_RULES_DIR value
        env = os.environ.get("EXTRACTOR_RULES_DIR")
        b = _DEFAULT_DIRS.get(env)
        if b is None:
            b = _DEFAULT_DIRS[env] = rules_dir()
    return _load_cached(str(b), _quick_signature(b))


_DEFAULT_DIRS: dict[str | None, Path] = {}


def validate_rules(base: str | Path | None = None) -> list[str]:
    """Load every rule file; return the problems found (``file:line: reason``), [] when valid."""
    try:
        b = Path(base) if base else rules_dir()
        rs = _load_cached.__wrapped__(str(b), _signature(b), True)
    except RuleFileError as exc:
        return [str(exc)]
    problems: list[str] = []
    for p in rs.patterns:
        if not any(ex.get("texts") or ex.get("in") for ex in p.examples):
            problems.append(f"{p.where}: pattern {p.id} has no runnable example")
    return problems


# ----------------------------------------------------------------------------- rule tests
@dataclass(slots=True)
class RuleCase:
    rule_id: str
    kind: str
    label: str                       # readable id: money.main[3]:1200万元
    text: str
    expect: dict | None              # None for a counter-example
    expect_all: list | None = None
    surface: str | None = None       # `in` examples: the fact's text; None: whole text
    xfail: str = ""
    where: str = ""


@dataclass(slots=True)
class RuleTestReport:
    passed: int = 0
    failed: int = 0
    xfailed: int = 0
    xpassed: int = 0
    failures: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        lines = [f"rules test: {self.passed} passed, {self.failed} failed, "
                 f"{self.xfailed} xfailed, {self.xpassed} xpassed (strict: xpass counts as failure)"]
        lines += [f"  FAIL {f}" for f in self.failures]
        return "\n".join(lines)


def rule_cases(base: str | Path | None = None) -> list[RuleCase]:
    """Every example and counter-example of the number kinds, as test cases."""
    rs = load_ruleset(base)
    cases: list[RuleCase] = []
    for p in rs.patterns:
        path = p.where.rsplit(":", 1)[0]
        for i, ex in enumerate(p.examples):
            where = f"{path}:{ex.get('line', 0)}"
            xf = str(ex.get("xfail") or "")
            if ex.get("in"):
                exp = ex.get("expect")
                surface = exp.get("text") if exp else None
                cases.append(RuleCase(p.id, p.kind, f"{p.id}[{i}]:{ex['in'][:24]}", ex["in"],
                                      exp, ex.get("expect_all"), surface, xf, where))
            for t in ex.get("texts") or []:
                cases.append(RuleCase(p.id, p.kind, f"{p.id}[{i}]:{t}", str(t),
                                      ex.get("expect") or {}, None, None, xf, where))
        for j, ce in enumerate(p.counter_examples):
            text = ce if isinstance(ce, str) else ce.get("text", "")
            xf = "" if isinstance(ce, str) else str(ce.get("xfail") or "")
            cases.append(RuleCase(p.id, p.kind, f"{p.id}[not {j}]:{text}", text, None,
                                  xfail=xf, where=p.where))
    return cases


def check_case(case: RuleCase, base: str | Path | None = None) -> str | None:
    """Run one case; return None when it holds, else a one-line reason."""
    from . import facts_from_text
    facts = [f for f in facts_from_text(case.text, report_year=2023, rules=base)
             if f.kind == case.kind]
    if case.expect is None and case.expect_all is None:
        if facts:
            return "expected no %s fact, got %s" % (case.kind, ", ".join(
                f"{f.text}={f.value}({f.rule_id})" for f in facts))
        return None
    if case.expect_all is not None:
        for exp in case.expect_all:
            got = [f for f in facts if f.text == exp.get("text")]
            if not got:
                return f"no fact {exp.get('text')!r}; got {[f.text for f in facts]}"
            bad = compare(got[0], exp)
            if bad:
                return bad
        return None
    if case.surface is None:
        full = [f for f in facts if f.start == 0 and f.end == len(case.text)]
        if len(full) != 1:
            return (f"expected exactly one {case.kind} fact covering {case.text!r}, got "
                    + (", ".join(f"{f.text!r}({f.rule_id})" for f in facts) or "none"))
        f = full[0]
        if f.rule_id != case.rule_id:
            return f"produced by {f.rule_id}, not {case.rule_id} (shadowed?)"
    else:
        got = [f for f in facts if f.text == case.surface]
        if not got:
            return f"no {case.kind} fact {case.surface!r}; got {[f.text for f in facts]}"
        f = got[0]
    return compare(f, case.expect or {})


def compare(f: Any, exp: dict) -> str | None:
    from decimal import Decimal
    fields = {"value": "value", "low": "value_low", "high": "value_high"}
    for key, want in exp.items():
        if key == "text":
            continue
        attr = fields.get(key, key)
        got = getattr(f, attr)
        if key in fields:
            ok = (got is None) if want is None else (got is not None and Decimal(str(want)) == got)
        elif key == "decimals":
            ok = got == int(want)
        else:
            ok = str(got) == str(want)
        if not ok:
            return f"{f.text!r}: {key} expected {want!r}, got {got!r}"
    return None


def test_rules(base: str | Path | None = None) -> RuleTestReport:
    """Run every example and counter-example of the number rules (for `extractor rules test`)."""
    rep = RuleTestReport()
    for case in rule_cases(base):
        try:
            bad = check_case(case, base)
        except Exception as exc:   # a crash is a failure with its reason, never swallowed silently
            bad = f"crashed: {type(exc).__name__}: {exc}"
        if case.xfail:
            if bad:
                rep.xfailed += 1
            else:
                rep.xpassed += 1
                rep.failed += 1
                rep.failures.append(f"{case.label} ({case.where}): XPASS, {case.xfail}")
        elif bad:
            rep.failed += 1
            rep.failures.append(f"{case.label} ({case.where}): {bad}")
        else:
            rep.passed += 1
    return rep


test_rules.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


# ----------------------------------------------------------------------------- first characters
class _Unsure(Exception):
    pass


_META = set(".^$*+?{}[]\\|()")


def first_chars(src: str) -> frozenset[str] | None:
    """The characters a non-empty match of ``src`` can start with, or None when that is not
    sure. Understood: literals, escaped punctuation, classes of literals and ranges, groups,
    alternation, quantifiers, and lookarounds in front of a branch's first item (they consume
    nothing); the first consuming item of every branch must be mandatory. Anything else there
    (inline flags, ``\\d``, ``.``, an anchor, a negated class …) gives None. What follows the
    first item only has to be well nested. The engine uses the set as an exact pre-check: no
    such character where a match could start, no match (speed only)."""
    k = src.find("(?")
    while k >= 0:                 # inline flags change the syntax itself (verbose mode …)
        if not src.startswith(("(?:", "(?P<", "(?=", "(?!", "(?<=", "(?<!", "(?>"), k):
            return None
        k = src.find("(?", k + 2)
    try:
        out, i = _fc_alt(src, 0)
    except (_Unsure, IndexError, ValueError):
        return None
    return frozenset(out) if i == len(src) and out else None


def _fc_alt(src: str, i: int) -> tuple[set[str], int]:
    """First characters of the alternation starting at ``i``; returns them and the index of the
    closing ``)`` (or the end)."""
    out: set[str] = set()
    while True:
        first, i = _fc_branch(src, i)
        out |= first
        if i < len(src) and src[i] == "|":
            i += 1
            continue
        return out, i


_LOOKAROUNDS = ("(?=", "(?!", "(?<=", "(?<!")


def _fc_branch(src: str, i: int) -> tuple[set[str], int]:
    while src.startswith(_LOOKAROUNDS, i):   # zero-width: the next item still starts the match
        i = _skip_group(src, src.index("(", i) + 1)
        if i < len(src) and src[i] in "?*+{":
            raise _Unsure
    if i >= len(src) or src[i] in "|)":
        raise _Unsure                          # an empty branch matches the empty string
    chars, i = _fc_atom(src, i)
    lo, i = _fc_quant(src, i)
    if lo == 0 or not chars:
        raise _Unsure                          # an optional first item: not handled
    while i < len(src) and src[i] not in "|)":
        i = _skip_item(src, i)
    return chars, i


def _skip_item(src: str, i: int) -> int:
    """Index after the item at ``i`` (an escape, a class, a group or one character)."""
    c = src[i]
    if c == "\\":
        if src[i + 1] in "pPNgXxuU" and i + 2 < len(src) and src[i + 2] in "{<":
            return src.index("}" if src[i + 2] == "{" else ">", i) + 1
        return i + 2
    if c == "[":
        return _skip_class(src, i + 1)
    if c == "(":
        return _skip_group(src, i + 1)
    return i + 1


def _skip_class(src: str, i: int) -> int:
    if src[i] == "^":
        i += 1
    if src[i] == "]":
        i += 1
    while src[i] != "]":
        if src[i] == "[":
            i = _skip_class(src, i + 1)
        elif src[i] == "\\":
            i = _skip_item(src, i)
        else:
            i += 1
    return i + 1


def flat_set_end(src: str, i: int) -> int:
    """Index of the ``]`` closing the set whose content starts at ``i`` (just after its ``[``),
    read as a version-0 set: a ``[`` inside is a character (``[[（]`` is one set), a ``]`` first
    or after ``^`` is a character, an escape is skipped whole; ``len(src)`` when it is not
    closed. For the walks over a pattern's groups and ``|`` that must not count the ``( ) |``
    of a set (dates' prefix split, context's literal branches)."""
    n = len(src)
    if src.startswith("^", i):
        i += 1
    if src.startswith("]", i):
        i += 1
    while i < n and src[i] != "]":
        i += 2 if src[i] == "\\" else 1
    return i


def _skip_group(src: str, i: int) -> int:
    """Index after the ``)`` closing the group whose content starts at ``i``."""
    while src[i] != ")":
        i = _skip_item(src, i)
    return i + 1


def _fc_atom(src: str, i: int) -> tuple[set[str], int]:
    c = src[i]
    if c == "\\":
        d = src[i + 1]
        if d.isalnum() or d.isspace():         # \d, \w, \p{…}, \1, \n …: not handled
            raise _Unsure
        return {d}, i + 2
    if c == "[":
        return _fc_class(src, i + 1)
    if c == "(":
        if src.startswith(("(?:", "(?>"), i):
            j = i + 3
        elif src.startswith("(?P<", i):
            j = src.index(">", i) + 1
        elif src.startswith("(?", i):
            raise _Unsure
        else:
            j = i + 1
        chars, j = _fc_alt(src, j)
        if j >= len(src) or src[j] != ")":
            raise _Unsure
        return chars, j + 1
    if c in _META:
        raise _Unsure                          # . ^ $ or a stray quantifier
    return {c}, i + 1


def _fc_class(src: str, i: int) -> tuple[set[str], int]:
    out: set[str] = set()
    if src[i] in "^[]":                        # negated, nested (V1 sets) or a leading ]
        raise _Unsure
    while src[i] != "]":
        c = src[i]
        if c == "[" or src.startswith(("&&", "--", "||", "~~"), i):
            raise _Unsure
        if c == "\\":
            c = src[i + 1]
            if c.isalnum() or c.isspace():
                raise _Unsure
            i += 2
        else:
            i += 1
        if src[i] == "-" and src[i + 1] != "]":
            hi = src[i + 1]
            if hi in "\\[":
                raise _Unsure
            if ord(hi) < ord(c) or ord(hi) - ord(c) > 4096:
                raise _Unsure
            out.update(chr(k) for k in range(ord(c), ord(hi) + 1))
            i += 2
        else:
            out.add(c)
    return out, i + 1


def _fc_quant(src: str, i: int) -> tuple[int, int]:
    """Skip a quantifier at ``i``; return its minimum (1 without one) and the next index."""
    if i >= len(src):
        return 1, i
    c = src[i]
    if c in "?*":
        lo, i = 0, i + 1
    elif c == "+":
        lo, i = 1, i + 1
    elif c == "{":
        j = src.index("}", i)
        body = src[i + 1:j]
        m = regex.fullmatch(r"(\d*)(?:,(\d*))?", body)
        if m is None:
            raise _Unsure                      # a literal { or a fuzzy constraint
        lo, i = int(m.group(1) or 0), j + 1
    else:
        return 1, i
    if i < len(src) and src[i] in "?+":        # lazy or possessive
        i += 1
    if i < len(src) and src[i] in "?*+{":
        raise _Unsure
    return lo, i


def literal_test(src: str) -> tuple[tuple[str, ...], bool] | None:
    """A cheaper way to ask ``regex.compile(src).search(text, lo, hi)`` with ``str.find``:
    ``(words, exact)``. ``exact``: the search finds something iff one of ``words`` occurs in
    text[lo:hi] (``src`` is a plain word, or one character class of at most 3 characters).
    Otherwise ``words`` are the characters every match starts with (at most 2): none of them in
    the window means no match, else the regex decides. None: no shortcut (a ``str.find`` costs
    about a third of a short regex search, so longer lists are not worth it)."""
    if src and not any(ch in _META for ch in src):
        return (src,), True
    first = first_chars(src)
    if first is None:
        return None
    if src.startswith("[") and len(first) <= 3:
        try:
            _, end = _fc_class(src, 1)
        except (_Unsure, IndexError, ValueError):
            end = -1
        if end == len(src):
            return tuple(sorted(first)), True
    if len(first) <= 2:
        return tuple(sorted(first)), False
    return None


#: the scanner's form: one character class of literals, then a possessive repeat of another
_ONE_CLASS_RUN = regex.compile(r"\[(?:\\[^0-9A-Za-z]|[^\]\\\[])+\]"
                               r"\(\?:\[(?:\\[^0-9A-Za-z]|[^\]\\\[])+\]\)\*\+")


def _stdlib_twin(rx: Any) -> Any:
    """The run scanner compiled by the standard library's ``re``, or None. It scans the whole
    text, nearly every character a non-member of its class of ~40 scattered code points, and
    ``regex`` tests such a class member by member (3.5x the time of ``re``'s bitmap: 52 vs 15 ms
    on the corpus). Only for the form both read alike: a class of literals (escaped by
    ``regex.escape``, no nested sets, properties or shorthands) and a possessive repeat of
    another (Python >= 3.11); anything else keeps ``regex``."""

    src = rx.pattern
    if not _ONE_CLASS_RUN.fullmatch(src) or rx.flags & ~(regex.VERSION0 | regex.UNICODE):
        return None
    try:
        return re.compile(src)
    except (re.error, ValueError):
        return None


#: the flags a pattern may carry for re_twin (regex's VERSION0 and UNICODE are re's defaults for a
#: str pattern; verbose, dot-all and multi-line mean the same in both)
_TWIN_FLAGS = regex.VERSION0 | regex.UNICODE | regex.VERBOSE | regex.DOTALL | regex.MULTILINE
_TWIN_RE_FLAGS = re.VERBOSE | re.DOTALL | re.MULTILINE


#: what regex reads otherwise than re at the source (refused in any source, verbose or not: it
#: only costs a twin): regex skips every str.isspace() character of a verbose pattern, re only
#: these six (U+3000, the full-width space, is a literal to re); and a '{' that does not open a
#: plain repeat: regex reads fuzzy constraints ({e<=1}, {i<=1,d<=1}) and, in verbose mode,
#: repeats written with spaces or comments ({1, 2}), where re reads literals
_READ_APART = re.compile(r"[^\S \t\n\r\v\f]|\{(?![0-9]*(?:,[0-9]*)?\})")


def re_twin(rx: Any) -> Any:
    """``rx`` (a regex pattern) compiled by the standard library's ``re`` where both engines
    read its source as the same pattern, else None. ``re`` matches the number rules 2-3x faster.

    Both are backtracking engines that try the same alternatives in the same order; a source
    means the same to both when it has (1) no flag other than verbose, dot-all and multi-line
    (and regex's VERSION0: no set operations, no full case folding), (2) nothing re warns about
    as read otherwise by other engines (FutureWarning: a '[' inside a set, which regex reads
    as a POSIX class or a nested set, and the set operators of VERSION1), which is refused
    here, and (3) only these items in re's parse: literals, sets of literals and ranges (no
    \\d \\w \\s: the two engines ship different Unicode tables), '.', groups, repeats (greedy,
    lazy, possessive: see _twin_items), atomic groups, lookarounds, and the anchors ^ $ \\A \\Z (no \\b
    \\B, no back reference or conditional). Escapes re does not know (\\p, \\X, \\G …) do
    not compile in re; named characters (\\N{…}) are refused at the source (other tables).
    Not the same is the cost: regex guards its repeats against exponential backtracking and
    re does not, so the engine falls back to ``rx`` (with its timeout) on a twin's match that
    outlasts the watch (see engine._match_anchors)."""
    import warnings

    if rx.flags & ~_TWIN_FLAGS or "\\N" in rx.pattern or _READ_APART.search(rx.pattern):
        return None
    try:
        from re import _parser
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            twin = re.compile(rx.pattern, rx.flags & _TWIN_RE_FLAGS)
            parsed = _parser.parse(rx.pattern, rx.flags & _TWIN_RE_FLAGS)
    except Exception:    # (re.error, a warning, a parser that moved)
        return None
    if twin.flags & ~(_TWIN_RE_FLAGS | re.UNICODE) or twin.groups != rx.groups or (
            dict(twin.groupindex) != dict(rx.groupindex)) or not _twin_items(parsed):
        return None
    return twin


def _twin_items(items: Any) -> bool:
    """Whether a parsed (re._parser) pattern holds only the items re_twin allows."""
    from re import _constants as c

    ok_at = {c.AT_BEGINNING, c.AT_END, c.AT_BEGINNING_STRING, c.AT_END_STRING}
    for op, av in items:
        if op in (c.LITERAL, c.NOT_LITERAL, c.ANY):
            continue
        if op is c.IN:
            if any(o not in (c.LITERAL, c.RANGE, c.NEGATE) for o, _ in av):
                return False
        elif op is c.AT:
            if av not in ok_at:
                return False
        elif op is c.BRANCH:
            if not all(_twin_items(b) for b in av[1]):
                return False
        elif op is c.SUBPATTERN:
            _, add, remove, sub = av
            if (add | remove) & ~_TWIN_RE_FLAGS or not _twin_items(sub):
                return False
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            if not _twin_items(av[2]):
                return False
        elif op is c.POSSESSIVE_REPEAT:
            # re (3.11) gets a possessive repeat wrong where one of its required rounds can
            # match in more than one way (a+(?:aa?){2}+ finds nothing in "aaa") and where it
            # holds a group (wrong spans, or SystemError): only fixed-width rounds without
            # groups when a round is required, never groups
            lo, hi = av[2].getwidth()
            if (av[0] and lo != hi) or _has_group(av[2]) or not _twin_items(av[2]):
                return False
        elif op is c.ATOMIC_GROUP:
            if not _twin_items(av):
                return False
        elif op in (c.ASSERT, c.ASSERT_NOT):
            if not _twin_items(av[1]):
                return False
        else:
            return False
    return True


def _has_group(items: Any) -> bool:
    """Whether a parsed (re._parser) pattern holds a capturing group (at any depth)."""
    from re import _constants as c

    for op, av in items:
        if op is c.SUBPATTERN:
            if av[0] is not None or _has_group(av[3]):
                return True
        elif op is c.BRANCH:
            if any(_has_group(b) for b in av[1]):
                return True
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            if _has_group(av[2]):
                return True
        elif op in (c.ASSERT, c.ASSERT_NOT):
            if _has_group(av[1]):
                return True
        elif op is c.ATOMIC_GROUP and _has_group(av):
            return True
    return False


def quicker_twin(twin: Any) -> Any:
    """A number rule's re twin (re_twin) rewritten so that ``re`` matches it with less work, or
    ``twin`` itself. Each optional item that is not a single character (``(?P<qpre>…)?``,
    ``(?:[.．][0-9]++)?``) is written as a two-way alternation, ``(?:(?P<qpre>…)|)`` (lazy
    ``??``: the empty way first). ``re`` compiles an optional group as a general repeat: a
    counter allocated on the heap for each try (PyObject_Malloc/Free) and a repeat context
    that makes every alternation inside it save the group marks; an alternation does neither.
    Both try the item first, then nothing, and backtrack in that order, so the matches and
    groups are the same (the engine tries ~23k rule matches a corpus pass, count.main ~7.9k
    instructions each; this form: -21 % of the instructions of all the rules' matches).

    The new source is written from re's own parse of the twin, rewritten (_branch_optionals),
    and is used only when re compiles it to exactly the code of that rewritten parse, with the
    same groups, names and flags (so the writer, _unparse, cannot change what is matched: a
    source it writes otherwise is refused, and the twin kept). The source, not the code, is
    kept, so that the cached rule set (which files a re pattern as its source's code) keeps it.

    Its alternations are then regrouped by their ways' first characters (_regroup_alternations:
    count.main's ~100 units were tried word by word): used where the result passes the same
    check, else the twin with only its optional items rewritten (count.main's matches: 63 M →
    54 M instructions a corpus pass)."""
    if twin is None:
        return None
    try:
        from re import _compiler, _parser
        parsed = _parser.parse(twin.pattern, twin.flags)
        tree, changed = _branch_optionals(parsed)
        # (first characters are compared as written: under IGNORECASE x and X meet)
        regrouped, grouped = ((tree, False) if _ignores_case(parsed, twin.flags)
                              else _regroup_alternations(tree))
    except Exception:    # noqa: BLE001 - (a parser that moved)
        return twin
    names = {i: n for n, i in parsed.state.groupdict.items()}
    for new, done in ((regrouped, grouped), (tree, changed)):
        if not done:
            continue
        try:
            src = _unparse(new, names)
            quick = re.compile(src, twin.flags)
            same = (list(_compiler._code(_parser.parse(src, twin.flags), twin.flags))
                    == list(_compiler._code(new, twin.flags)))
        except Exception:    # noqa: BLE001 - (a parser that moved, an item _unparse does not write)
            continue
        if same and quick.flags == twin.flags and quick.groups == twin.groups and (
                dict(quick.groupindex) == dict(twin.groupindex)):
            return quick
    return twin


def _rewrite_children(op: Any, av: Any, rewrite: Callable) -> tuple[Any, bool]:
    """The argument ``av`` of one parsed (re._parser) item ``op`` with ``rewrite`` applied to
    each sub-pattern it holds (an alternation's ways, a group's, a repeat's, an atomic group's
    or a lookaround's body), and whether any changed: the walk shared by the twins' rewrites."""
    from re import _constants as c

    changed = False
    if op is c.BRANCH:
        alts = []
        for alt in av[1]:
            alt, ch = rewrite(alt)
            alts.append(alt)
            changed |= ch
        av = (av[0], alts)
    elif op is c.SUBPATTERN:
        sub, changed = rewrite(av[3])
        av = (av[0], av[1], av[2], sub)
    elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        sub, changed = rewrite(av[2])
        av = (av[0], av[1], sub)
    elif op is c.ATOMIC_GROUP:
        av, changed = rewrite(av)
    elif op in (c.ASSERT, c.ASSERT_NOT):
        sub, changed = rewrite(av[1])
        av = (av[0], sub)
    return av, changed


def _branch_optionals(items: Any) -> tuple[Any, bool]:
    """A copy of a parsed (re._parser) pattern with every greedy or lazy {0,1} repeat of an
    item that is not simple (re's REPEAT/MAX_UNTIL, not REPEAT_ONE) made an alternation of the
    item and nothing (greedy) or nothing and the item (lazy); and whether there was one."""
    from re import _compiler, _parser
    from re import _constants as c

    changed = False
    out = []
    for op, av in items:
        av, ch = _rewrite_children(op, av, _branch_optionals)
        changed |= ch
        if op in (c.MAX_REPEAT, c.MIN_REPEAT):
            lo, hi, sub = av
            if lo == 0 and hi == 1 and not _compiler._simple(sub):
                empty = _parser.SubPattern(items.state, [])
                op, av = c.BRANCH, (None, [sub, empty] if op is c.MAX_REPEAT else [empty, sub])
                changed = True
        out.append((op, av))
    return _parser.SubPattern(items.state, out), changed


def _regroup_alternations(items: Any) -> tuple[Any, bool]:
    """A copy of a parsed (re._parser) pattern with each alternation whose ways' first
    characters are known (_first_chars_of) regrouped by them (_regrouped_branch); and whether
    one was. ``re`` tries an alternation's ways one by one (a way whose first character
    differs costs a compare, more when it begins with a group), so the unit after a figure
    (35家) was found after some sixty failed words; regrouped it is one set test, or a compare
    per first character (不低于|不少于|…|不足 → 不(?:低于|少于|…|足))."""
    from re import _parser
    from re import _constants as c

    changed = False
    out: list = []
    for op, av in items:
        av, ch = _rewrite_children(op, av, _regroup_alternations)
        changed |= ch
        if op is c.BRANCH:
            new = _regrouped_branch(items.state, av[1])
            if new is not None:
                out.extend(new)
                changed = True
                continue
        out.append((op, av))
    return _parser.SubPattern(items.state, out), changed


def _ignores_case(items: Any, flags: int) -> bool:
    """Whether a parsed (re._parser) pattern matches any part of itself ignoring case (the
    flag, or a group that sets it; re_twin refuses both, quicker_twin takes any re pattern)."""
    from re import _constants as c

    if flags & re.IGNORECASE:
        return True
    for op, av in items:
        if op is c.SUBPATTERN and (av[1] & re.IGNORECASE or _ignores_case(av[3], 0)):
            return True
        if op is c.BRANCH and any(_ignores_case(b, 0) for b in av[1]):
            return True
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and _ignores_case(av[2], 0):
            return True
        if op in (c.ASSERT, c.ASSERT_NOT) and _ignores_case(av[1], 0):
            return True
        if op is c.ATOMIC_GROUP and _ignores_case(av, 0):
            return True
    return False


#: a set of characters with a range wider than this is not expanded (no first characters)
_FIRST_RANGE_MAX = 512


def _first_chars_of(items: Any) -> frozenset[int] | None:
    """The code points the first character of a match of a parsed alternative can be, when it
    is known without a group mark set before it, else None: the first item that takes a
    character is a character or a set of characters and ranges (no negation, no category),
    or a group without a number, an alternation or a repeat of at least one round of such;
    only anchors and lookarounds without groups may come before it (35 or 一千: a way that
    fails at its first character has done nothing that shows)."""
    from re import _constants as c

    for op, av in items:
        if op is c.AT or (op in (c.ASSERT, c.ASSERT_NOT) and not _has_group(av[1])):
            continue                 # (takes no character, sets no mark)
        if op is c.LITERAL:
            return frozenset((av,))
        if op is c.IN:
            out: set[int] = set()
            for o, v in av:
                if o is c.LITERAL:
                    out.add(v)
                elif o is c.RANGE and v[1] - v[0] <= _FIRST_RANGE_MAX:
                    out.update(range(v[0], v[1] + 1))
                else:
                    return None
            return frozenset(out)
        if op is c.SUBPATTERN:
            return _first_chars_of(av[3]) if av[0] is None else None
        if op is c.ATOMIC_GROUP:
            return _first_chars_of(av)
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            return _first_chars_of(av[2]) if av[0] >= 1 else None
        if op is c.BRANCH:
            union: set[int] = set()
            for alt in av[1]:
                got = _first_chars_of(alt)
                if got is None:
                    return None
                union |= got
            return frozenset(union)
        return None
    return None


def _regrouped_branch(state: Any, alts: list) -> list | None:
    """The items of an alternation with the same matches as ``alts`` but fewer tries, or None.

    Only when the first characters of every way are known (_first_chars_of): then a way whose
    first characters are not the one at the position fails there, before any group mark is
    set, so ways that share no first character can be tried in any order (one of them at most
    gets past its first character). Ways that share one (人次, 人份, 人(?!口…)) keep their
    order, as a cluster; a cluster of one way that is a single character (件, 家, 项 …) joins
    one set of all such, tried first; a cluster whose ways all begin with one literal is
    written as that literal and the alternation of the rests (个次|个 → 个(?:次|)), regrouped
    in turn. Items as re's parser makes them from that source (_parsed_alternation), so
    quicker_twin's check that re reads the written source as this code holds."""
    from re import _constants as c

    if len(alts) < 3:
        return None
    firsts = [_first_chars_of(alt) for alt in alts]
    if any(f is None for f in firsts):
        return None
    n = len(alts)
    root = list(range(n))            # union-find: ways whose first characters meet

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    owner: dict[int, int] = {}       # first character → a way that has it (not every pair:
    for i, chars in enumerate(firsts):   # a user's lexicon of thousands of words stays linear)
        for ch in chars:
            j = owner.setdefault(ch, i)
            if j != i:
                root[find(i)] = find(j)
    clusters: dict[int, list[int]] = {}
    for i in range(n):
        clusters.setdefault(find(i), []).append(i)
    singles = [m[0] for m in clusters.values()
               if len(m) == 1 and len(alts[m[0]]) == 1 and alts[m[0]][0][0] in (c.LITERAL, c.IN)]
    if len(singles) < 2:
        singles = []
    ways: list = []
    if singles:
        chars = sorted(frozenset().union(*(firsts[i] for i in singles)))
        ways.append([(c.IN, [(c.LITERAL, ch) for ch in chars])])
    for members in clusters.values():    # (in the order of their first ways)
        if len(members) == 1 and members[0] in singles:
            continue
        head = alts[members[0]][0]
        if len(members) > 1 and head[0] is c.LITERAL and all(
                alts[i][0] == head for i in members):
            rests = [list(alts[i])[1:] for i in members]
            ways.append([head] + (_regrouped_branch(state, rests)
                                  or _parsed_alternation(state, rests)))
        else:
            ways.extend(list(alt) for alt in (alts[i] for i in members))
    if len(ways) == n and not singles and all(
            list(w) == list(a) for w, a in zip(ways, alts)):
        return None
    return _parsed_alternation(state, ways)


def _parsed_alternation(state: Any, ways: list[list]) -> list:
    """The items re._parser._parse_sub makes of an alternation of these ways (lists of items):
    a prefix common to all moved out, then one set if each way is a single character (or a
    set), else the alternation."""
    from re import _constants as c
    from re import _parser

    ways = [list(w) for w in ways]
    if len(ways) == 1:
        return ways[0]
    out: list = []
    while all(ways) and all(w[0] == ways[0][0] for w in ways):
        out.append(ways[0][0])
        for w in ways:
            del w[0]
    chars: list = []
    for w in ways:
        if len(w) != 1:
            break
        op, av = w[0]
        if op is c.LITERAL:
            chars.append((op, av))
        elif op is c.IN and av[0][0] is not c.NEGATE:
            chars.extend(av)
        else:
            break
    else:
        out.append((c.IN, _parser._uniq(chars)))
        return out
    out.append((c.BRANCH, (None, [_parser.SubPattern(state, w) for w in ways])))
    return out


def _unparse(items: Any, names: dict[int, str]) -> str:
    """A source for a parsed (re._parser) pattern of the items _twin_items allows (``names``:
    group number → name). Every character is written as an escape or an ASCII letter or digit,
    so the source reads the same with or without the verbose flag; every repeat and alternation
    in a group of its own. quicker_twin checks that re reads it back as the same code."""
    from re import _constants as c

    out = []
    for op, av in items:
        if op is c.LITERAL:
            out.append(_esc(av))
        elif op is c.NOT_LITERAL:
            out.append("[^" + _esc(av) + "]")
        elif op is c.ANY:
            out.append(".")
        elif op is c.IN:
            body = []
            for o, v in av:
                if o is c.NEGATE:
                    body.insert(0, "^")
                elif o is c.LITERAL:
                    body.append(_esc(v))
                elif o is c.RANGE:
                    body.append(_esc(v[0]) + "-" + _esc(v[1]))
                else:
                    raise ValueError(o)
            out.append("[" + "".join(body) + "]")
        elif op is c.AT:
            out.append(_AT_SOURCE[av])
        elif op is c.BRANCH:
            out.append("(?:" + "|".join(_unparse(alt, names) for alt in av[1]) + ")")
        elif op is c.SUBPATTERN:
            group, add, remove, sub = av
            body = _unparse(sub, names)
            if group is None:
                flags = _flag_letters(add) + ("-" + _flag_letters(remove) if remove else "")
                out.append("(?" + flags + ":" + body + ")")
            elif group in names:
                out.append("(?P<" + names[group] + ">" + body + ")")
            else:
                out.append("(" + body + ")")
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            lo, hi, sub = av
            out.append("(?:" + _unparse(sub, names) + ")"
                       + "{%d,%s}" % (lo, "" if hi is c.MAXREPEAT else hi)
                       + ("?" if op is c.MIN_REPEAT else "+" if op is c.POSSESSIVE_REPEAT else ""))
        elif op is c.ATOMIC_GROUP:
            out.append("(?>" + _unparse(av, names) + ")")
        elif op in (c.ASSERT, c.ASSERT_NOT):
            ahead = av[0] == 1
            out.append("(?" + ("" if ahead else "<") + ("=" if op is c.ASSERT else "!")
                       + _unparse(av[1], names) + ")")
        else:
            raise ValueError(op)
    return "".join(out)


def _esc(code: int) -> str:
    ch = chr(code)
    if ch.isascii() and ch.isalnum():
        return ch
    return "\\x%02x" % code if code < 0x100 else "\\u%04x" % code if code < 0x10000 else (
        "\\U%08x" % code)


def _flag_letters(flags: int) -> str:
    return "".join(letter for flag, letter in ((re.MULTILINE, "m"), (re.DOTALL, "s"),
                                                (re.VERBOSE, "x")) if flags & flag)


def _at_source() -> dict:
    from re import _constants as c
    return {c.AT_BEGINNING: "^", c.AT_END: "$", c.AT_BEGINNING_STRING: "\\A",
            c.AT_END_STRING: "\\Z"}


_AT_SOURCE = _at_source()


def _group_names(rx: Any) -> tuple[str, ...] | None:
    """The names of ``rx``'s groups by group number, if each of its groups has one name."""
    index = rx.groupindex
    if sorted(index.values()) != list(range(1, rx.groups + 1)):
        return None
    return tuple(sorted(index, key=index.__getitem__))


def _word_or_regex(rx: Any) -> Any:
    """A compiled ``rx`` that only finds one plain word (literal_test exact, one word): that
    word, for ``str.find``; one that finds one character of a class of literals ([A-Za-z],
    [“"‘「『]): that class compiled by ``re`` (_char_class); else ``rx`` itself (None stays
    None)."""
    if rx is None:
        return None
    if rx.flags & _FLAGS_THAT_MATTER == 0:
        test = literal_test(rx.pattern)
        if test is not None and test[1] and len(test[0]) == 1:
            return test[0][0]
        words = literal_words(rx.pattern)
        if words is not None and all(len(w) == 1 for w in words):
            return _char_class(words)
    return rx


def _char_class(chars: Any) -> Any:
    """A class of these literal characters compiled by ``re``: a search finds one of them, as
    any engine's does, and re tests a class of literals 2-5x faster than regex."""
    return re.compile("[" + "".join(re.escape(ch) for ch in sorted(chars)) + "]")


def _trigger_parts(trig: list[str], union: Any) -> tuple[Any, tuple[str, ...], Any, Any] | None:
    """The union of the negative triggers ``trig`` (regex sources) in parts: ``(chars, words,
    rest, rest_gate)``: a re class of the characters of the triggers that are one character or a
    class of literals (_char_class; None if there are none), the triggers that are other plain
    words (str.find) and a regex union of the others (None if there are none). An alternation
    finds something in a window iff one of its branches does, in whatever order, so the union
    finds something iff one of the parts does; asked in this order, the dear regex branches
    (\\d{7}, [0-9A-Z]{15}: a regex search that tries them at every digit) are only searched
    in the windows where no cheap trigger is (the union alone: 38 ms on the corpus's 20k
    windows, the parts 27 ms), and only where ``rest_gate`` (_run_gate, None: no gate) finds a
    run long enough for one of them. None (the union as it is) when its flags change what a word
    matches (an inline flag of one trigger applies to the whole union) or nothing is cheap."""
    if union is None or union.flags & _FLAGS_THAT_MATTER:
        return None
    chars: set[str] = set()
    words: list[str] = []
    rest: list[str] = []
    for t in trig:
        lw = literal_words(t)
        if lw is None:
            rest.append(t)
        elif all(len(w) == 1 for w in lw):
            chars |= lw
        else:
            words.extend(sorted(lw))
    if not chars and not words:
        return None
    try:
        other = compile_regex("|".join(f"(?:{t})" for t in rest)) if rest else None
    except (ValueError, regex.error):   # (a flag of a cheap trigger was needed to compile it)
        return None
    if other is not None and other.flags != union.flags:
        return None
    return ((_char_class(chars) if chars else None), tuple(dict.fromkeys(words)), other,
            _run_gate(rest, other.flags) if other is not None else None)


#: characters that are neither a digit (any script) nor an ASCII capital: white space, ASCII
#: punctuation and small letters, general punctuation, CJK symbols, ideographs and full-width
#: punctuation; _run_gate checks them against the triggers before it uses them
_NOT_CODE = ((0x09, 0x0D), (0x20, 0x2F), (0x3A, 0x40), (0x5B, 0x7E), (0x2000, 0x206F),
             (0x3000, 0x303F), (0x4E00, 0x9FFF), (0xFF01, 0xFF0F), (0xFF1A, 0xFF20),
             (0xFF3B, 0xFF40), (0xFF5B, 0xFF65))
#: a trigger that is one character item repeated at least n times: \d{7}, [0-9A-Z]{15,}
_RUN_TRIGGER = regex.compile(r"(\\d|\[(?:\\[^0-9A-Za-z]|[^\]\\\[^])+\])\{([1-9][0-9]*)(?:,[0-9]*)?\}")


def _run_gate(rest: list[str], flags: int) -> Any:
    """A cheap necessary condition for the triggers ``rest`` when each is one character item
    repeated at least n times (_RUN_TRIGGER): a re search for min(n) consecutive characters
    outside _NOT_CODE. A match of such a trigger is n characters that each match its item; none
    of _NOT_CODE does (checked here with regex, under the triggers' flags), so they are such a
    run: no run, no match. Windows around figures rarely hold seven digits or capitals in a row
    (a decimal point, 年, 元 or a comma breaks them), so the regex search of the triggers (which
    tries them at every digit) is mostly skipped. None when a trigger has another form or a
    character of _NOT_CODE matches an item."""
    items = []
    least = None
    for t in rest:
        m = _RUN_TRIGGER.fullmatch(t)
        if m is None:
            return None
        items.append(m.group(1))
        n = int(m.group(2))
        least = n if least is None else min(least, n)
    if not items:
        return None
    outside = "".join(chr(c) for a, b in _NOT_CODE for c in range(a, b + 1))
    try:
        if regex.compile("|".join(items), flags).search(outside) is not None:
            return None
    except regex.error:
        return None
    cls = "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in _NOT_CODE)
    # the first character apart: a pattern that starts with a class lets re skip to the next
    # character of the class (a tight loop); one that starts with a repeat is tried at every
    # position (4.4 k instructions less a search of a figure's window, 20 k searches a pass)
    return re.compile(f"[^{cls}][^{cls}]{{{least - 1}}}")


#: flags that change what a plain word matches (a compiled pattern carries its default flags)
_FLAGS_THAT_MATTER = regex.IGNORECASE | regex.FULLCASE | regex.VERBOSE


def literal_words(src: str) -> frozenset[str] | None:
    """The words ``src`` matches when it is an alternation of plain words (escaped literals,
    branches possibly grouped in ``(?:…)``, as _alt writes them) or one class of literal
    characters; None for anything else. A search for ``src`` finds something iff one of them
    occurs in the searched span."""
    test = literal_test(src)
    if test is not None and test[1]:
        return frozenset(test[0])
    if src.startswith("["):          # one class of literals, however many
        try:
            chars, end = _fc_class(src, 1)
        except (_Unsure, IndexError, ValueError):
            return None
        return frozenset(chars) if end == len(src) and chars else None
    if src.startswith("(?") and not src.startswith("(?:"):
        return None                  # flags or lookarounds
    out: set[str] = set()
    try:
        for branch in _branches(src):
            if branch.startswith("(?:") and _skip_group(branch, 3) == len(branch):
                inner = literal_words(branch[3:-1])
                if inner is None:
                    return None
                out |= inner
                continue
            word = _unescape(branch)
            if not word:
                return None
            out.add(word)
    except (IndexError, ValueError):
        return None
    return frozenset(out) or None


def _branches(src: str) -> list[str]:
    """``src`` split at its top-level ``|``."""
    out = []
    i = last = 0
    while i < len(src):
        if src[i] == "|":
            out.append(src[last:i])
            last = i + 1
            i += 1
        else:
            i = _skip_item(src, i)
    out.append(src[last:])
    return out


def _unescape(branch: str) -> str:
    """The literal word a branch spells (escapes of punctuation allowed), or ""."""
    word = []
    i = 0
    while i < len(branch):
        c = branch[i]
        if c == "\\":
            c = branch[i + 1]
            if c.isalnum() or c.isspace():
                return ""
            i += 2
        elif c in _META:
            return ""
        else:
            i += 1
        word.append(c)
    return "".join(word)


def _single_chars(src: str) -> frozenset[str] | None:
    """The one-character words of literal_words(src) (None: none, or not such a regex)."""
    words = literal_words(src)
    single = frozenset(w for w in words if len(w) == 1) if words else frozenset()
    return single or None


def _start_test(src: str) -> Any:
    """Where a match of ``src`` can start, for an exact pre-check: the one character
    (``str.find``), a compiled class of the first characters (one class cannot backtrack, so it
    is searched without a timeout), or None when they are not known."""
    first = first_chars(src)
    if first is None:
        return None
    if len(first) == 1:
        return next(iter(first))
    return _char_class(first)


def _literal_twin(rx: Any) -> Any:
    """``rx`` compiled by the standard library's ``re`` when it is an alternation of plain words
    (literal_words) without flags that change what a word matches: both engines find the same
    matches of such a pattern (leftmost, then the first word in order that matches there), and
    re finds them in about a third of the time. Otherwise ``rx`` itself."""

    if rx.flags & _FLAGS_THAT_MATTER or literal_words(rx.pattern) is None:
        return rx
    try:
        return re.compile(rx.pattern)
    except (re.error, ValueError):
        return rx

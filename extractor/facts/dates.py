"""Dates, periods and durations: ``find_dates(prepared) -> list[Fact]``.

All patterns live in ``rules/kinds/date.yaml`` and ``rules/kinds/duration.yaml``; they are joined
into ONE alternation (dates first, then durations, each in file order) and the clean text is scanned
once, leftmost-first: at a position the first pattern that matches wins, and scanning resumes after
the match, so a span is never both a date and a duration.

Speed (date.yaml, end): the patterns are joined per family and searched only in windows around
the family's trigger characters; a window without one of the family's anchors is skipped. The
other windows are searched one by one under one CPU timer per text (``_search_watched``), or,
where that timer cannot be armed and each search reads the clock for its time limit, in one call
over joined copies (``_search_joined``, which finds exactly what one search per window finds:
tests/facts/test_dates_fast.py). Under that timer a family marked ``twin`` is searched with its
pattern and anchors compiled by ``re`` (``_Twin``: the same matches, tests/facts/test_dates_twin.py).

Resolution is generic over the named groups (see the header of date.yaml). ISO 8601 forms, for a
report of 2023:

=====================  =========================  ==========================================
written                ``date``                   note
=====================  =========================  ==========================================
2023年 / 二〇二三年     2023
2023年12月 / 12月份     2023-12
8月16日                2023-08-16                 year from the section heading or report year
5月18日至20日           2023-05-18/2023-05-20      one interval
1-9月份 / 1—11月份      2023-01/2023-09            interval (approx stays "exact", as the gold)
上半年 / 前三季度       2023-01/2023-06, …-09
一季度 / 第二季度       2023-01/2023-03, 2023-04/2023-06
12月底 / 年末 / 年底    2023-12-31                 end of a month / year = its last day
年初 / 3月初           2023-01-01, 2023-03-01     start = its first day
3月中旬                2023-03-11/2023-03-20
今年 / 年内 / 去年/上年  2023 / 2023 / 2022          relative to the report year (optional in the gold)
十四五                 2021/2025                  lexicons/periods.yaml
=====================  =========================  ==========================================

A year that cannot be resolved (no report year known) is written ``XXXX`` (EDTF "unspecified"),
e.g. ``XXXX-08-16``.
"""
from __future__ import annotations

import calendar
import functools
import re
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from decimal import Decimal
from operator import itemgetter, methodcaller
from pathlib import Path
from collections.abc import Callable
from typing import Any

import regex

from ..model import Fact
from ..rulefiles import compile_regex, load_yaml
from .ruleset import flat_set_end

#: seconds one family's patterns may take over one trigger window (plus 20 s per million
#: characters of the window): a catastrophic rule in rules/kinds/date.yaml cannot hang a batch
MATCH_TIMEOUT = 5.0
_YEAR_GROUPS = ("y", "ry", "yy", "cy", "plan", "y2", "ry2")   # a group that writes the year
_FRAG_REF = regex.compile(r"\{([A-Z][A-Z0-9_]*)\}")
_GROUP_NAME = regex.compile(r"\(\?P<(\w+)>")

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}


def cn_int(s: str) -> int:
    """A small Chinese/Arabic integer: 2023, 十二, 二十八, 一百, 二〇二三 (digit by digit)."""
    if s.isdigit():
        return int(s)
    if all(ch in _CN_DIGITS for ch in s) and len(s) > 1:      # 二〇二三: digit by digit
        return int("".join(str(_CN_DIGITS[ch]) for ch in s))
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if unit == 10000:
                section = (section + (digit or 0)) * unit
                total += section
                section = 0
            else:
                section += (1 if digit is None else digit) * unit
            digit = None
        else:
            raise ValueError(f"not a numeral: {s!r}")
    return total + section + (digit or 0)


@functools.cache
def _parse_number():
    try:
        from ..numerals import parse_number  # the numbers helper's converter
    except ImportError:  # before numerals.py lands: the local converter below
        return None
    return parse_number


def _number(s: str) -> tuple[Decimal, int]:
    """Number and XBRL decimals; uses extractor.numerals.parse_number when it exists."""
    parse_number = _parse_number()
    if parse_number is not None:
        try:
            value, decimals = parse_number(s)
            return Decimal(value), int(decimals)
        except Exception:  # noqa: BLE001 - fall back to the local converter below
            pass
    if s == "半":
        return Decimal("0.5"), 1
    if regex.fullmatch(r"\d+(?:\.\d+)?", s):
        d = Decimal(s)
        return d, (len(s.split(".")[1]) if "." in s else 0)
    return Decimal(cn_int(s)), 0


# --------------------------------------------------------------------------------------------
# Rule loading


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    kind: str                 # date | duration
    spec: dict
    family: str
    rank: int                 # priority: family rank * 1000 + position in the family
    groups: tuple[str, ...] = ()   # named groups of this rule's regex
    # read from ``spec`` once here rather than for every match
    cue_groups: tuple[str, ...] = ()   # a duration with `cue: required`: its qualifier groups
    cue_required: bool = False
    needs_month: bool = False          # `context: needs_month`
    emit: bool = True
    year_groups: tuple[str, ...] = ()  # those of _YEAR_GROUPS the rule has
    own_year_groups: tuple[str, ...] = ()   # those of y ry yy cy the rule has
    # the numbers of the groups in the family's pattern (regex reads a group by number several
    # times faster than by name): ``groups``, the closing marker, ``cue_groups``; and where in
    # ``groups`` the year groups are
    index: tuple[int, ...] = ()
    marker: int = 0
    cue_index: tuple[int, ...] = ()
    year_at: tuple[int, ...] = ()
    own_year_at: tuple[int, ...] = ()
    # in a family's re twin (see _Twin), a group written more than once in the rule (each in its
    # own branch): (its place in ``groups``, the numbers of its copies); the value is the copy
    # that took part
    alts: tuple = ()


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    pattern: Any              # the family's patterns joined into one alternation
    rules: dict[str, Rule]    # outer group name → rule
    triggers: Any
    before: int
    after: int
    anchors: Any = None       # a window without an anchor cannot hold a match (date.yaml)
    # the characters the pattern can read at all (see _alphabet); None: windows searched one by one
    foreign: Any = None       # one character the pattern cannot read
    foreign_before: Any = None   # the same, searched backwards
    foreign_memo: dict = field(default_factory=dict, repr=False, compare=False)
    trigger_chars: str | None = None   # the triggers are these characters (found with str.find)
    # triggers given as characters with a condition on the character before / after them
    # (date.yaml): ((chars, prev test, next test), …), each test None or (one-character
    # pattern, its memo: character → whether it matches)
    trigger_items: tuple = ()
    # group name → ((closing marker, rule), …) of the rules holding that group, in rank order:
    # m.lastgroup is often an inner group (ry, u, d) rather than the marker, and testing the few
    # markers of the rules that hold it is much cheaper than reading every marker
    owners: dict = field(default_factory=dict, repr=False, compare=False)
    # the family's pattern compiled by the standard ``re`` (date.yaml `twin`), or None
    twin: Any = field(default=None, repr=False, compare=False)


class _Twin:
    """A family's pattern as ``re`` compiles it (ruleset.re_twin proves both engines read it
    alike) with its rules and owners numbered in it (see Family). ``re`` does not share a number
    between groups of one name, so the twin's groups are renamed apart; and it does not know
    regex's table of \\d, so a \\d is written as the set of the Basic Multilingual Plane's
    characters regex's \\d matches (_bmp_digits): the twin is only asked about texts without a
    character beyond that plane (_bmp_only). ``anchors``: the family's anchors (Family.anchors)
    as re compiles them where re_twin proves it reads them alike, else the family's own."""

    __slots__ = ("pattern", "rules", "owners", "anchors")

    def __init__(self, pattern: Any, rules: dict[str, Rule], owners: dict, anchors: Any) -> None:
        self.pattern = pattern
        self.rules = rules
        self.owners = owners
        self.anchors = anchors


@dataclass(frozen=True, slots=True)
class RuleSet:
    families: tuple[Family, ...]
    units: dict[str, str]
    cues_before: tuple[str, ...]
    cues_after: tuple[str, ...]
    relative_years: dict[str, int]
    plans: dict[str, tuple[int, int]]
    positions: dict[str, Any]
    compose: frozenset[str]
    # (rule groups, report year, month context) → ISO date or None, and rule groups → duration
    # fields: pure functions of a few short strings, and the same surfaces (2023年, 今年, 上半年)
    # recur hundreds of times in a report
    memo: dict = field(default_factory=dict, repr=False, compare=False)


def _owners(rules: dict[str, Rule]) -> dict[str, tuple[tuple[int, Rule], ...]]:
    """Group name → the (marker's group number, rule) pairs of the rules that hold the group
    (see Family)."""
    out: dict[str, list[tuple[int, Rule]]] = {}
    for rule in rules.values():
        for name in rule.groups:
            out.setdefault(name, []).append((rule.marker, rule))
    return {k: tuple(v) for k, v in out.items()}


def _numbered(rules: dict[str, Rule], pattern) -> dict[str, Rule]:
    """The rules with the numbers of their groups in the family's compiled ``pattern``."""
    gi = pattern.groupindex
    return {marker: replace(
        rule, index=tuple(gi[n] for n in rule.groups), marker=gi[marker],
        cue_index=tuple(gi[n] for n in rule.cue_groups),
        year_at=tuple(rule.groups.index(n) for n in rule.year_groups),
        own_year_at=tuple(rule.groups.index(n) for n in rule.own_year_groups))
        for marker, rule in rules.items()}


def _expand(fragments: dict[str, str], text: str, where: str) -> str:
    def sub(m: regex.Match) -> str:
        name = m.group(1)
        if name not in fragments:
            raise KeyError(f"{where}: unknown fragment {{{name}}}")
        return fragments[name]
    for _ in range(10):
        new = _FRAG_REF.sub(sub, text)
        if new == text:
            return new
        text = new
    raise ValueError(f"{where}: fragment references nest too deeply")


def _fragments(raw: dict[str, str], where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, body in raw.items():
        out[name] = _expand(out, body, f"{where}:{name}")
    return out


def pattern_source(rule_id: str) -> str:
    """The expanded regex of one rule (for tests and debugging)."""
    for fname in ("kinds/date.yaml", "kinds/duration.yaml"):
        data = load_yaml(fname)
        frags = _fragments(data.get("fragments") or {}, fname)
        for spec in data["patterns"]:
            if spec["id"] == rule_id:
                return _expand(frags, spec["regex"], f"{fname}:{rule_id}")
    raise KeyError(rule_id)


def _block(first: str, runs: list[tuple[str, list[str]]]) -> str:
    """Consecutive patterns with the same ``first`` share one lookahead: ``(?=F)(?:A|B)`` matches
    as ``(?=F)A|(?=F)B`` (same order, same groups) but tests F once per position, not per pattern
    (set tests are most of the engine's time in these windows). ``runs``: (prefix, alternatives)
    in order; a run of patterns with a ``prefix`` is written ``P(?:A|B)`` for ``PA|PB``, which
    reads P once per position (date.yaml says when that is the same search)."""
    inner = "|".join(f"{prefix}(?:{'|'.join(alts)})" if prefix else "|".join(alts)
                     for prefix, alts in runs)
    if not first:
        return inner
    # a first-character class lets the engine skip most positions fast
    return f"(?={first})(?:{inner})"


def _top_level_bar(src: str) -> bool:
    """Whether ``src`` has a ``|`` outside every group and set (``AB|C`` is not ``A`` then
    ``B|C``, so such a pattern cannot be split after a prefix)."""
    depth, i, n = 0, 0, len(src)
    while i < n:
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":                     # a set: to its closing bracket (a ] first is literal)
            i = flat_set_end(src, i + 1)
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return True
        i += 1
    return False


def _split_prefix(body: str, prefix: str, where: str) -> str:
    """The rest of ``body`` after its declared ``prefix`` (both expanded)."""
    from ..errors import RuleFileError

    if not body.startswith(prefix) or body == prefix:
        raise RuleFileError(where, "the regex does not start with its prefix")
    rest = body[len(prefix):]
    for part in (prefix, rest):
        if _top_level_bar(part):
            raise RuleFileError(where, "a prefix and the rest after it must not hold a top-level |")
        try:
            compile_regex(part)
        except regex.error as exc:
            raise RuleFileError(where, f"the prefix does not end between two pieces: {exc}") from exc
    return rest


@functools.cache
def ruleset() -> RuleSet:
    from ..errors import RuleFileError

    date_data = load_yaml("kinds/date.yaml")
    dur_data = load_yaml("kinds/duration.yaml")
    fam_specs = dict(date_data["families"])
    fam_order = list(fam_specs)
    # per family: blocks (first, runs), a run being (prefix, alternatives), see _block
    parts: dict[str, list[tuple[str, list[tuple[str, list[str]]]]]] = {f: [] for f in fam_order}
    rules: dict[str, dict[str, Rule]] = {f: {} for f in fam_order}
    # the same for the families' re twins (date.yaml `twin`), with their groups renamed apart:
    # _TwinParts per family, None once a piece cannot be written for re
    twins = {f: _TwinParts() if fam_specs[f].get("twin") else None for f in fam_order}
    for fname, kind, data in (("kinds/date.yaml", "date", date_data),
                              ("kinds/duration.yaml", "duration", dur_data)):
        frags = _fragments(data.get("fragments") or {}, fname)
        for spec in data["patterns"]:
            where = f"rules/{fname}"
            fam = spec.get("family")
            if fam not in fam_specs:
                raise RuleFileError(where, f"pattern {spec['id']}: unknown family {fam!r}")
            body = _expand(frags, spec["regex"], f"{fname}:{spec['id']}")
            try:
                compile_regex(body)
            except regex.error as exc:
                raise RuleFileError(where, f"pattern {spec['id']}: {exc}") from exc
            first = spec.get("first") or ""
            group = f"R{sum(len(r) for r in rules.values())}"
            rank = fam_order.index(fam) * 1000 + len(rules[fam])
            names = tuple(dict.fromkeys(_GROUP_NAME.findall(f"(?={first}){body}")))
            cue = kind == "duration" and spec.get("cue") == "required"
            rules[fam][group] = Rule(
                spec["id"], kind, spec, fam, rank, names,
                cue_groups=tuple(k for k in ("pre", "mid", "post", "half") if k in names),
                cue_required=cue, needs_month=spec.get("context") == "needs_month",
                emit=spec.get("emit", True),
                year_groups=tuple(k for k in _YEAR_GROUPS if k in names),
                own_year_groups=tuple(k for k in ("y", "ry", "yy", "cy") if k in names))
            prefix = _expand(frags, spec["prefix"], f"{fname}:{spec['id']}") if spec.get("prefix") else ""
            if prefix:
                body = _split_prefix(body, prefix, f"{where}: pattern {spec['id']}")
            # an empty group closing each alternative marks the rule that matched
            alt = f"(?:{body})(?P<{group}>)"
            if not parts[fam] or parts[fam][-1][0] != first:
                parts[fam].append((first, []))
            runs = parts[fam][-1][1]
            if runs and prefix and runs[-1][0] == prefix:
                runs[-1][1].append(alt)
                new_run = False
            else:
                runs.append((prefix, [alt]))
                new_run = True
            if twins[fam] is not None and not twins[fam].add(group, first, prefix, new_run, body):
                twins[fam] = None
    families = []
    for f in fam_order:
        if not parts[f]:
            continue
        pattern = compile_regex("|".join(_block(first, runs) for first, runs in parts[f]))
        numbered = _numbered(rules[f], pattern)
        triggers = fam_specs[f]["triggers"]
        items = _trigger_items(triggers, f"rules/kinds/date.yaml: family {f}")
        source = _trigger_source(triggers)
        anchors = compile_regex(fam_specs[f]["anchors"]) if fam_specs[f].get("anchors") else None
        families.append(Family(
            f, pattern, numbered, compile_regex(source),
            int(fam_specs[f]["before"]), int(fam_specs[f]["after"]), anchors,
            trigger_chars=None if items else _plain_chars(source), trigger_items=items,
            owners=_owners(numbered),
            twin=twins[f].build(numbered, anchors) if twins[f] is not None else None))
    families = tuple(_with_alphabet(fam) for fam in families)
    per = load_yaml("lexicons/periods.yaml")
    return RuleSet(
        families=families, units=dict(dur_data["units"]),
        cues_before=tuple(sorted(dur_data.get("cues_before") or [], key=len, reverse=True)),
        cues_after=tuple(sorted(dur_data.get("cues_after") or [], key=len, reverse=True)),
        relative_years=dict(per["relative_years"]),
        plans={k: (int(v[0]), int(v[1])) for k, v in per["plans"].items()},
        positions=dict(per["positions"]),
        compose=frozenset(date_data.get("compose_after_year") or ()),
    )


@functools.cache
def _bmp_digits() -> str:
    """The inside of a set of the characters of the Basic Multilingual Plane that regex's \\d
    matches (asked of regex itself: its Unicode tables are not re's, whose \\d misses 110
    characters beyond that plane here)."""
    import array

    plane = array.array("I", range(0x10000)).tobytes().decode("utf-32-le", "surrogatepass")
    return "".join(f"\\u{a:04x}" if b - a == 1 else f"\\u{a:04x}-\\u{b - 1:04x}"
                   for a, b in (m.span() for m in regex.finditer(r"\d+", plane)))


#: what the twin of a source cannot be written for: back references and conditionals (by name
#: or number), inline flags (a verbose comment is not read as a pattern by _twin_source)
_TWIN_REFUSED = regex.compile(r"\(\?(?:P=|\(|[a-zA-Z^\-])(?<!\(\?P)|\\[gk0-9]")


#: the items of a pattern _twin_source and _digits_written look at: an escape, a set (read as
#: ruleset.flat_set_end reads it: a ] first, or after ^, is a character), a named group's opening
_TWIN_ITEM = regex.compile(r"\\.|\[\^?\]?(?:\\.|[^\]\\])*\]|\(\?P<(\w+)>", regex.DOTALL)
_ESCAPE = regex.compile(r"\\.", regex.DOTALL)


def _twin_source(src: str, names: list[tuple[str, str]], start: int = 0) -> str | None:
    """``src`` with each named group renamed apart (``name`` → ``name_<k>``, appended to
    ``names`` as (name, new name); k counts from ``start`` + len(names)); None where ``src``
    holds what this cannot rewrite (_TWIN_REFUSED). Its \\d are written for re later, once
    for the whole twin (_digits_written)."""
    if _TWIN_REFUSED.search(src):
        return None

    def rename(m) -> str:
        if m.group(1) is None:          # an escape or a set: as it is
            return m.group()
        new = f"{m.group(1)}_{start + len(names)}"
        names.append((m.group(1), new))
        return f"(?P<{new}>"

    return _TWIN_ITEM.sub(rename, src)


def _digits_written(src: str) -> str:
    """``src`` with each \\d written as the set of _bmp_digits: the same pattern to regex on a
    text without characters beyond the Basic Multilingual Plane."""
    digits = _bmp_digits()

    def inside(e) -> str:
        return digits if e.group() == "\\d" else e.group()

    def write(m) -> str:
        item = m.group()
        if item == "\\d":
            return f"[{digits}]"
        return _ESCAPE.sub(inside, item) if item[0] == "[" else item

    return _TWIN_ITEM.sub(write, src)


class _TwinParts:
    """A family's twin as its rules are read (the same blocks and runs as its pattern), then
    compiled and checked by ``build``. (Plain classes, not dataclasses: those are made with
    exec, a compile at every start.)"""

    __slots__ = ("parts", "groups", "prefix_groups", "count")

    def __init__(self) -> None:
        self.parts: list = []             # as ruleset's parts
        # rule marker → [(name, twin name)] of its groups (its run's prefix first)
        self.groups: dict = {}
        self.prefix_groups: list = []     # those of the current run's prefix
        self.count = 0        # groups renamed so far (their new names are numbered apart)

    def add(self, marker: str, first: str, prefix: str, new_run: bool, body: str) -> bool:
        """Add a rule's pieces (as ruleset adds them to the family's pattern); False when one
        of them has no twin."""
        mine: list[tuple[str, str]] = []
        tfirst = _twin_source(first, mine) if first else ""
        if tfirst is None or mine:           # (a group in `first` would be in every rule)
            return False
        if not self.parts or self.parts[-1][0] != tfirst:
            self.parts.append((tfirst, []))
        runs = self.parts[-1][1]
        if new_run:
            self.prefix_groups = []
            tprefix = _twin_source(prefix, self.prefix_groups, self.count) if prefix else ""
            if tprefix is None:
                return False
            self.count += len(self.prefix_groups)
            runs.append((tprefix, []))
        tbody = _twin_source(body, mine, self.count)
        if tbody is None:
            return False
        self.count += len(mine)
        runs[-1][1].append(f"(?:{tbody})(?P<{marker}>)")
        self.groups[marker] = self.prefix_groups + mine
        return True

    def build(self, rules: dict[str, Rule], anchors: Any) -> _Twin | None:
        """The family's _Twin, or None where re_twin refuses it or a group written more than
        once in a rule could take part more than once; ``anchors``: Family.anchors (the
        twin's are its re twin where there is one, see _Twin)."""
        src = _one_lookahead(self.parts)

        def verdict():
            twin = _checked_twin(_digits_written(src))
            if twin is None or self._numbered(twin, rules, _apart(twin)) is None:
                return None
            return twin

        twin = _cached_verdict(src, verdict)
        if twin is None:
            return None
        if anchors is not None:
            # (a window's anchor search is as many calls as the twin's searches, each cheaper
            # in re: the Y and D anchors 45 -> 25 M instructions a corpus pass for Y)
            asrc = anchors.pattern
            anchors = _cached_verdict(f"anchors\0{asrc}",
                                      lambda: _checked_twin(_digits_written(asrc))) or anchors
        # (the verdict was made on these rules: the same source and code number them alike)
        found = self._numbered(twin, rules, None)
        found.anchors = anchors
        return found

    def _numbered(self, twin, rules: dict[str, Rule], apart) -> _Twin | None:
        """The _Twin of ``twin``, its rules numbered in it; None when a group of a rule is
        missing or (``apart``, see _apart; None: checked before) its copies could both take
        part."""
        gi = twin.groupindex
        out = {}
        for marker, rule in rules.items():
            copies: dict[str, list[int]] = {}
            for name, new in self.groups[marker]:
                if new not in gi:
                    return None
                copies.setdefault(name, []).append(gi[new])
            if marker not in gi or set(copies) != set(rule.groups):
                return None
            alts = []
            for at, name in enumerate(rule.groups):
                nums = copies[name]
                if len(nums) > 1:
                    if apart is not None and not all(
                            apart(a, b) for a in nums for b in nums if a < b):
                        return None
                    alts.append((at, tuple(nums)))
            out[marker] = replace(
                rule, index=tuple(copies[n][0] for n in rule.groups), marker=gi[marker],
                cue_index=tuple(k for n in rule.cue_groups for k in copies[n]),
                alts=tuple(alts))
        return _Twin(twin, out, _owners_twin(out, self.groups), None)


def _one_lookahead(parts: list) -> str:
    """A twin's source: its blocks (_block) behind one lookahead of all their first characters,
    ``(?=F1|F2)(?:(?=F1)(?:A)|(?=F2)(?:B))``, where every block has one. That is the same
    pattern (a match passes its own block's lookahead, so the first one too), but re tests a
    block's lookahead as a group of its own at every position of a window (its BRANCH skips an
    alternative cheaply only when it begins with a literal or a set), 8 in the Y family's: one
    test of one set (re's parser joins the firsts into one) lets most positions fail at once
    (Y's windows of a corpus pass: 245 -> 114 M instructions). Not for regex's patterns: its
    search skips to the characters a pattern can start with, which a lookahead in front hides
    (the X family's windows: 99 -> 415 M)."""
    src = "|".join(_block(first, runs) for first, runs in parts)
    firsts = [first for first, _runs in parts]
    if len(firsts) > 1 and all(firsts):
        src = f"(?={'|'.join(firsts)})(?:{src})"
    return src


def _cached_verdict(src: str, verdict: Callable[[], Any]) -> Any:
    """``verdict()`` (an re pattern or None) for the twin source ``src``, kept in the cache of
    built rules (rulefiles.cached_build: sealed by a CRC-32, the key inside, re patterns as
    their compiled code): re parses and optimises the twins' sets in Python, ~0.1 s of every
    process's start for the D and Y families."""
    code = _twin_code_key()
    if code is None:    # no source of this code to key the cache by: checked each time
        return verdict()
    import hashlib

    from ..rulefiles import cached_build

    # keyed by the source, this module's and ruleset's code (re_twin, _apart), the Python and
    # regex versions (their parsers, the \d table)
    key = hashlib.sha256(f"{src}\0{code}".encode()).hexdigest()[:32]
    # (six files a rule version: the M, Y and D twins and their anchors')
    return cached_build("datetwins", key, verdict, frozenset(),
                        lambda o: o is None or type(o) is re.Pattern, kept=16)


def _checked_twin(src: str):
    """The re pattern of a twin's source where ruleset.re_twin proves both engines read it
    alike, else None."""
    from .ruleset import re_twin

    try:
        rx = compile_regex(src)
    except regex.error:
        return None
    return re_twin(rx)


#: this module's source, for the twin cache's key (read at import, as ruleset._CODE)
try:
    _OWN_CODE: bytes | None = Path(__file__).read_bytes()
except OSError:
    _OWN_CODE = None


@functools.cache
def _twin_code_key() -> str | None:
    """The twin cache's key for the code and versions (see _TwinParts.build), hashed once."""
    import hashlib
    import sys

    from . import ruleset as rs_mod

    if _OWN_CODE is None or rs_mod._CODE is None:
        return None
    return hashlib.sha256(f"{sys.version}\0{regex.__version__}\0".encode() + _OWN_CODE
                          + b"\0" + rs_mod._CODE).hexdigest()


def _owners_twin(rules: dict[str, Rule], groups: dict) -> dict:
    """Family.owners of a twin: its group names are the renamed ones."""
    out: dict[str, list[tuple[int, Rule]]] = {}
    for marker, rule in rules.items():
        for _name, new in groups[marker]:
            out.setdefault(new, []).append((rule.marker, rule))
    return {k: tuple(v) for k, v in out.items()}


def _apart(twin):
    """A test ``apart(a, b)``: whether groups ``a`` and ``b`` of the re pattern ``twin`` lie in
    different branches of one alternation with no repeat of more than one round around either
    (so at most one of them takes part in a match); None where re's parser cannot be asked."""
    try:
        from re import _constants as c
        from re import _parser
        parsed = _parser.parse(twin.pattern, twin.flags & (c.SRE_FLAG_VERBOSE | c.SRE_FLAG_DOTALL
                                                            | c.SRE_FLAG_MULTILINE))
    except Exception:   # noqa: BLE001 - another Python's internals: no twin
        return None
    paths: dict[int, tuple] = {}     # group number → ((branch id, branch index), …), repeated

    def walk(items, path, repeated):
        for op, av in items:
            if op is c.SUBPATTERN:
                if av[0] is not None:
                    paths[av[0]] = (path, repeated)
                walk(av[3], path, repeated)
            elif op is c.BRANCH:
                for k, b in enumerate(av[1]):
                    walk(b, path + ((id(av), k),), repeated)
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
                walk(av[2], path, repeated or av[1] > 1)
            elif op is c.ATOMIC_GROUP:
                walk(av, path, repeated)
            elif op in (c.ASSERT, c.ASSERT_NOT):
                walk(av[1], path, repeated)

    walk(parsed, (), False)

    def apart(a: int, b: int) -> bool:
        (pa, ra), (pb, rb) = paths[a], paths[b]
        if ra or rb:
            return False
        where = dict(pa)
        return any(node in where and where[node] != k for node, k in pb)

    return apart


# --------------------------------------------------------------------------------------------
# Hits (clean-text offsets) and their resolution


@dataclass(slots=True, eq=False)
class Hit:
    """A date or duration found in the clean text (offsets into ``clean.text``)."""

    kind: str
    start: int
    end: int
    text: str
    rule_id: str
    date: str = ""
    value: Decimal | None = None
    value_low: Decimal | None = None
    value_high: Decimal | None = None
    decimals: int | None = None
    approx: str = "exact"
    unit: str = ""
    qualifiers: str = ""
    low_open: bool = False
    high_open: bool = False
    emit: bool = True          # False: resolved for context (今年, 年内) but not a date fact
    groups: dict | None = None  # the match's groups when the year was implied (8月16日)


def _year(g: dict, key_y: str, key_ry: str, report_year: int | None, rs: RuleSet) -> int | None | str:
    """Year of an endpoint: explicit, relative, two-digit, or '' when the text names none."""
    if g.get(key_y):
        return cn_int(g[key_y].strip())
    if g.get(key_ry):
        off = rs.relative_years.get(g[key_ry])
        if off is None or report_year is None:
            return None
        return report_year + off
    if key_y == "y" and g.get("yy"):     # two-digit year: the century nearest the report year
        yy = int(g["yy"])
        ref = report_year or 2000
        return min((1900 + yy, 2000 + yy), key=lambda c: (abs(c - ref), c))
    return ""


def _ys(y: int | None) -> str:
    return "XXXX" if y is None else f"{y:04d}"


def _ym(y: int | None, m: int) -> str:
    return f"{_ys(y)}-{m:02d}"


def _last_day(y: int | None, m: int) -> int:
    return calendar.monthrange(y if y is not None else 2000, m)[1]  # 2000: leap, allows 02-29


def _ymd(y: int | None, m: int, d: int) -> str:
    if not 1 <= m <= 12 or not 1 <= d <= _last_day(y, m):
        raise ValueError("invalid day")
    return f"{_ys(y)}-{m:02d}-{d:02d}"


def _resolve_date(g: dict, report_year: int | None, rs: RuleSet,
                  last_ym: tuple[int | None, int] | None) -> str | None:
    """ISO 8601 for one date match, or None when the match is not a valid date."""
    if g.get("plan"):
        a, b = rs.plans[g["plan"]]
        return f"{a}/{b}"
    if g.get("cy"):
        return _ymd(int(g["cy"]), int(g["cm"]), int(g["cd"]))
    y = _year(g, "y", "ry", report_year, rs)
    if y == "":
        y = report_year
    if g.get("nm"):
        n = cn_int(g["nm"])
        return f"{_ym(y, 1)}/{_ym(y, n)}" if 1 <= n <= 12 else None
    if g.get("qp"):
        n = cn_int(g["qp"])
        return f"{_ym(y, 1)}/{_ym(y, 3 * n)}"
    if g.get("q"):
        q1 = 1 if g["q"] == "首" else cn_int(g["q"])
        q2 = cn_int(g["q2"]) if g.get("q2") else q1
        if not 1 <= q1 <= q2 <= 4:
            return None
        pos = rs.positions.get(g.get("pos") or "")
        if pos == "end":
            return _ymd(y, 3 * q2, _last_day(y, 3 * q2))
        if pos == "start":
            return _ymd(y, 3 * q1 - 2, 1)
        return f"{_ym(y, 3 * q1 - 2)}/{_ym(y, 3 * q2)}"
    if g.get("h"):
        return f"{_ym(y, 1)}/{_ym(y, 6)}" if g["h"] in "上前" else f"{_ym(y, 7)}/{_ym(y, 12)}"
    y2 = _year(g, "y2", "ry2", report_year, rs)
    if y2 == "":
        y2 = y
    m = cn_int(g["m"]) if g.get("m") else None
    d = cn_int(g["d"]) if g.get("d") else None
    if m is not None and not 1 <= m <= 12:
        return None
    if g.get("d2"):
        m2 = cn_int(g["m2"]) if g.get("m2") else m
        start = _ymd(y, m, d)
        end = _ymd(y2, m2, cn_int(g["d2"]))
        return f"{start}/{end}" if start < end or "XXXX" in start else None
    if g.get("m2"):
        m2 = cn_int(g["m2"])
        if not 1 <= m2 <= 12:
            return None
        start, end = _ym(y, m), _ym(y2, m2)
        return f"{start}/{end}" if start < end or "XXXX" in start else None
    if g.get("y2"):
        return f"{_ys(y)}/{_ys(y2)}" if y is not None and y2 is not None and y < y2 else None
    if m is not None and d is not None:
        return _ymd(y, m, d)
    if d is not None:                       # bare day: month from the text before
        if last_ym is None:
            return None
        return _ymd(last_ym[0], last_ym[1], d)
    pos = rs.positions.get(g.get("pos") or "")
    if m is not None:
        if pos is None:
            return _ym(y, m)
        if pos == "end":
            return _ymd(y, m, _last_day(y, m))
        if pos == "start":
            return _ymd(y, m, 1)
        if isinstance(pos, list):
            lo = int(pos[0])
            hi = _last_day(y, m) if pos[1] == "end" else int(pos[1])
            return f"{_ymd(y, m, lo)}/{_ymd(y, m, hi)}"
        return None
    if pos == "end":
        return _ymd(y, 12, 31)
    if pos == "start":
        return _ymd(y, 1, 1)
    if pos is not None:
        return None
    return _ys(y)


@functools.cache
def _qualifiers() -> dict[str, str]:
    """Qualifier word → semantics (about/near/more/gt/ge/lt/le), from lexicons/qualifiers.yaml."""
    q = load_yaml("lexicons/qualifiers.yaml")
    out: dict[str, str] = {}
    for part in ("suffix", "inner", "prefix"):
        out.update(q.get(part) or {})
    return out


def _cue_words(cues_before: tuple[str, ...], cues_after: tuple[str, ...]):
    """(the non-empty cue words before, those after, whether an empty cue word is listed)."""
    return (tuple(w for w in cues_before if w), tuple(w for w in cues_after if w),
            "" in cues_before or "" in cues_after)


_CUE_KEY = ("cue words",)


def _has_cue(text: str, start: int, end: int, rs: RuleSet) -> bool:
    """A duration cue word ends within the 4 characters before or starts within the 4 after."""
    cues = rs.memo.get(_CUE_KEY)
    if cues is None:      # kept with the rules (rebuilt when the memo is emptied)
        cues = rs.memo[_CUE_KEY] = _cue_words(rs.cues_before, rs.cues_after)
    before_words, after_words, empty = cues
    # str.endswith / startswith with a tuple try every word in C; a word longer than the 4
    # characters looked at cannot match, as before
    return (text[max(0, start - 4):start].endswith(before_words)
            or text[end:end + 4].startswith(after_words) or empty)


_ADJACENT = regex.compile(r"^([一二两三四五六七八九])([二三四五六七八九])$")


def _duration(hit: Hit, g: dict, rs: RuleSet) -> None:
    adj = _ADJACENT.match(g["n"])
    if adj and cn_int(adj.group(1)) < cn_int(adj.group(2)):      # 两三年, 三五年: a range
        hit.unit = rs.units.get(g["u"], g["u"])
        low, high = Decimal(cn_int(adj.group(1))), Decimal(cn_int(adj.group(2)))
        # As for every range (rules/README.md): the value is the lower bound, the interval both.
        hit.value, hit.decimals, hit.approx = low, 0, "range"
        hit.value_low, hit.value_high = low, high
        return
    value, decimals = _number(g["n"])
    if g.get("half"):
        value += Decimal("0.5")
        decimals = max(decimals, 1)
    unit_written = g["u"].replace("半", "")
    quals = [q for q in (g.get("pre"), g.get("mid"), g.get("post")) if q]
    if "多" in unit_written:          # 三个多月: 多 sits inside the unit
        quals.append("多")
        unit_written = unit_written.replace("多", "")
    hit.unit = rs.units.get(unit_written, unit_written)
    hit.value, hit.decimals = value, decimals
    hit.qualifiers = "|".join(quals)
    hit.value_low = hit.value_high = value
    step = Decimal(1).scaleb(-decimals)      # one unit of the last written digit
    sems = _qualifiers()
    for q in quals:
        sem = sems.get(q)
        if sem == "about":
            hit.approx = "about"
        elif sem == "near":                  # 近X: (X − u, X]
            hit.approx = "about"
            hit.value_low, hit.low_open = value - step, True
        elif sem == "more":                  # X多/X余: [X, X + u)
            hit.approx = "at_least"
            hit.value_high, hit.high_open = value + step, True
        elif sem in ("gt", "ge"):            # 超过/以上: [X, ∞)
            hit.approx = "at_least"
            hit.value_high, hit.low_open = None, sem == "gt"
        elif sem in ("lt", "le"):            # 不到/以内: (−∞, X]
            hit.approx = "at_most"
            hit.value_low, hit.high_open = None, sem == "lt"


# ----------------------------------------------------------------------------------------------
# One search per family instead of one per window.
#
# A character that no part of a pattern can read (not in any of its sets, literals or classes:
# here most Han characters for the M/Y/D families, any punctuation) stops every attempt exactly as
# the end of the text does, and every lookbehind exactly as the start of the text does, provided
# the pattern has nothing that can read any character or tell a position from the end (`.`, [^…],
# \D \S \W \P \X, ^ $ \b \B \A \Z \G, inline flags, fuzzy matching, verbs). So the windows of a
# family, each copied from the last such character before it, can be joined with such a
# character between them and searched in ONE call: the search of a copy finds what the search of
# its window finds, except that it also tries the few positions between the copy's start and the
# window's start; a match starting there (which the window search would not have tried) sends
# that window back to its own search. This saves the fixed cost of thousands of small searches
# (the time-limit clock is read at every call).

_SEP = "\uffff"           # a noncharacter: the separator between window copies
_SAFE_PROPERTIES = {"han"}  # \p{…} whose characters are known (the separator is not Han)
_GROUP_OPEN = regex.compile(r"\(\?(?::|=|!|<=|<!|>|P?<[A-Za-z_]\w*>|P=[A-Za-z_]\w*\))")
_QUANTIFIER = regex.compile(r"\{\d*(?:,\d*)?\}")
_COPY_BACK = 24           # longest stretch of readable characters copied before a window
_WALK = 6                 # characters tried one by one before a regex search for a copy's ends
_CODE_ESCAPE = regex.compile(r"\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|x[0-9A-Fa-f]{2}|x\{[0-9A-Fa-f]+\})")
_PROPERTY = regex.compile(r"\\p\{(\w+)\}")


def _escape(src: str, i: int) -> tuple[str | None, int]:
    """The class piece of the escape at src[i] (a backslash) and the index after it; None as the
    piece when the escape can read any character or is a zero-width test other than lookaround."""
    e = src[i + 1:i + 2]
    if not e:
        return None, i + 1
    if e in "ds":
        return "\\" + e, i + 2
    if e in "tnrfvae":
        return "\\" + e, i + 2
    if e in "uUx":
        m = _CODE_ESCAPE.match(src, i)
        return (None, i + 2) if m is None else (m.group(), m.end())
    if e == "p":
        m = _PROPERTY.match(src, i)
        if m is None or m.group(1).lower() not in _SAFE_PROPERTIES:
            return None, i + 2
        return m.group(), m.end()
    if e.isalnum() or e == "_":
        return None, i + 2          # \D \S \W \w \P \X \N \b \B \A \Z \G \K, backreferences …
    return "\\" + e, i + 2          # an escaped punctuation character: itself


def _class_piece(inner: str) -> str:
    """A set's inside that stays the same characters next to other pieces in one set (no range
    or negation formed across the seam)."""
    if inner[:1] in ("-", "^", "]"):
        inner = "\\" + inner
    if inner.endswith("-") and not inner.endswith("\\-"):
        inner = inner[:-1] + "\\-"
    return inner


def _alphabet(src: str) -> str | None:
    """A character class (without brackets) of every character ``src`` can read, or None when
    ``src`` has a construct for which an unreadable character is not like the text's end."""
    out: list[str] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == "\\":
            piece, i = _escape(src, i)
            if piece is None:
                return None
            out.append(piece)
        elif c == "[":
            j = i + 1
            if src[j:j + 1] == "^":
                return None
            start = j
            if src[j:j + 1] == "]":
                j += 1
            while j < n and src[j] != "]":
                if src[j] == "\\":
                    piece, j = _escape(src, j)
                    if piece is None:
                        return None
                elif src[j] == "[":
                    return None         # nested sets (VERSION1) are not read here
                else:
                    j += 1
            if j >= n:
                return None
            out.append(_class_piece(src[start:j]))
            i = j + 1
        elif c == "(":
            if src.startswith("(?", i):
                m = _GROUP_OPEN.match(src, i)
                if m is None:
                    return None         # inline flags, comments, conditionals, recursion …
                i = m.end()
            elif src.startswith("(*", i):
                return None
            else:
                i += 1
        elif c == "{":
            m = _QUANTIFIER.match(src, i)
            if m is None:
                return None             # fuzzy constraints or a literal brace
            i = m.end()
        elif c in ")|*+?":
            i += 1
        elif c in ".^$":
            return None
        else:
            out.append(regex.escape(c))
            i += 1
    return "".join(out)


def _with_alphabet(fam: Family) -> Family:
    """``fam`` with its unreadable-character tests when its pattern allows joined windows."""
    alpha = _alphabet(fam.pattern.pattern)
    if alpha is None:
        return fam
    try:
        readable = compile_regex(f"[{alpha}]")
    except regex.error:
        return fam
    if readable.match(_SEP):
        return fam
    return replace(fam, foreign=compile_regex(f"[^{alpha}]"),
                   foreign_before=compile_regex(f"(?r)[^{alpha}]"))


def _unreadable(fam: Family, ch: str) -> bool:
    memo = fam.foreign_memo
    got = memo.get(ch)
    if got is None:
        if len(memo) > 4096:
            memo.clear()
        got = memo[ch] = fam.foreign.match(ch) is not None
    return got


def _search_windows(text: str, fam: Family, windows: list[tuple[int, int]]) -> list[tuple]:
    """(start, end, match) of the family's matches, window by window (each search with its own
    time limit)."""
    pat = fam.pattern
    out = []
    for ws, we in windows:
        try:   # a broken rule must not hang a batch: the pipeline makes it a finding
            limit = MATCH_TIMEOUT + (we - ws) * 2e-5     # 5 s + 20 s per million chars
            matches = list(pat.finditer(text, ws, we, timeout=limit))
        except TimeoutError as exc:
            raise TimeoutError(f"date/duration rule family {fam.name!r} exceeded its "
                               f"{limit:g} s time limit at offset {ws}") from exc
        out.extend((m.start(), m.end(), m) for m in matches)
    return out


def _search_joined(text: str, fam: Family, windows: list[tuple]) -> list[tuple]:
    """The same as ``_search_windows`` with one search over copies of the windows (see above).

    ``windows``: (ws, we, first, last, last_end) with the start of the window's first anchor and
    the span of its last one (first None: the family has no anchors). A match lies in one run of
    readable characters and holds an anchor, so the copy runs from the start of the run holding
    the first anchor to the end of the run holding the last one (cut at the window's end): the
    characters outside can hold no match and cannot be read by one.
    """
    parts = [_SEP]
    segs: list[tuple[int, int, int, int]] = []   # (offset of the copy, copy start, ws, we)
    alone: list[tuple[int, int]] = []         # windows searched on their own
    vpos = 1
    before, after = fam.foreign_before, fam.foreign
    memo = fam.foreign_memo
    back, forth = before.search, after.search
    seg, part = segs.append, parts.append
    for ws, we, first, last, last_end in windows:
        a = ws if first is None else first
        if a > 0:
            ch = text[a - 1]
            foreign = memo.get(ch)      # _unreadable without the call where it is known
            if foreign is None:
                foreign = _unreadable(fam, ch)
            if not foreign:
                # the last unreadable character in [lo, a): the few characters before a are
                # tried one by one (a year's digits before 年), the rest with one reverse search
                lo = ws - _COPY_BACK if ws > _COPY_BACK else 0
                floor = a - _WALK if a - _WALK > lo else lo
                i = a - 2
                while i >= floor:
                    foreign = memo.get(text[i])
                    if foreign is None:
                        foreign = _unreadable(fam, text[i])
                    if foreign:
                        break
                    i -= 1
                if i >= floor:
                    a = i + 1
                else:
                    f = back(text, lo, floor) if floor > lo else None
                    if f is not None:
                        a = f.end()
                    elif lo == 0:
                        a = 0
                    else:
                        alone.append((ws, we))
                        continue
        b = we
        if last is not None:
            # the first unreadable character from the last anchor on: the copy ends there when
            # the anchor itself is all readable (the same walk, then one search)
            j = last
            stop = last_end + _WALK if last_end + _WALK < we else we
            while j < stop:
                foreign = memo.get(text[j])
                if foreign is None:
                    foreign = _unreadable(fam, text[j])
                if foreign:
                    break
                j += 1
            if j < stop:
                if j >= last_end:   # the last anchor is all readable
                    b = j
            elif stop < we:
                g = forth(text, stop, we)
                if g is not None:
                    b = g.start()
        seg((vpos, a, ws, we))
        part(text[a:b])
        part(_SEP)
        vpos += b - a + 1
    if not segs:
        return _search_windows(text, fam, sorted(alone))
    joined = "".join(parts)
    try:
        matches = list(fam.pattern.finditer(joined, timeout=MATCH_TIMEOUT + len(joined) * 2e-5))
    except TimeoutError:
        return _search_windows(text, fam, [(w[0], w[1]) for w in windows])   # names the window
    found = []
    add = found.append
    redo: set[int] = set()
    j, nseg = 0, len(segs)
    end = len(joined) + 1
    # the copy holding each match (matches come in order): the next copy's offset tells when
    # to move on
    v0, a, ws, _we = segs[0]
    nxt = segs[1][0] if nseg > 1 else end
    for m in matches:
        vs, ve = m.span()
        if vs >= nxt:
            j += 1
            while j + 1 < nseg and segs[j + 1][0] <= vs:
                j += 1
            v0, a, ws, _we = segs[j]
            nxt = segs[j + 1][0] if j + 1 < nseg else end
        start = a + (vs - v0)
        if start < ws or ve == vs:   # tried before the window's start (or empty): search it alone
            redo.add(j)
        add((start, a + (ve - v0), m))
    if redo:
        cut = [(segs[k][0], segs[k + 1][0] if k + 1 < nseg else end) for k in redo]
        found = [c for c, m in zip(found, matches)
                 if not any(lo <= m.start() < hi for lo, hi in cut)]
        alone.extend((segs[k][2], segs[k][3]) for k in redo)
    if alone:
        found.extend(_search_windows(text, fam, sorted(alone)))
    return found


# one character class: a set, a class escape, \p{…}, or one plain character
_ONE_CHAR = regex.compile(r"\[(?:\\.|[^\]\\])+\]|\\[dDsSwW]|\\p\{\w+\}|[^\\\[\](){}.*+?|^$]")


def _trigger_source(triggers) -> str:
    """The regex of a family's triggers: the string itself, or for a list of items
    ``{chars, prev, next}`` the alternation of ``(?<=prev)[chars](?=next)``."""
    if isinstance(triggers, str):
        return triggers
    alts = []
    for item in triggers:
        chars = "".join(regex.escape(c) for c in item["chars"])
        alts.append((f"(?<={item['prev']})" if item.get("prev") else "") + f"[{chars}]"
                    + (f"(?={item['next']})" if item.get("next") else ""))
    return "|".join(alts)


def _trigger_items(triggers, where: str) -> tuple:
    """Family.trigger_items of a list of trigger items (() for a trigger regex)."""
    from ..errors import RuleFileError

    if isinstance(triggers, str):
        return ()
    out = []
    for item in triggers:
        if not item.get("chars") or set(item) - {"chars", "prev", "next"}:
            raise RuleFileError(where, f"a trigger item is {{chars, prev, next}}: {item!r}")
        tests = []
        for key in ("prev", "next"):
            src = item.get(key)
            if not src:
                tests.append(None)
                continue
            if not _ONE_CHAR.fullmatch(src):
                raise RuleFileError(where, f"trigger {key} {src!r} must be one character class")
            tests.append(_CharTest(compile_regex(src)))
        out.append((str(item["chars"]), tests[0], tests[1]))
    return tuple(out)


class _CharTest(dict):
    """Whether a character matches a one-character class, as ``test[ch]``: a character's answer
    is read from the dict (a C lookup) after its first test (kept to 4096 characters)."""

    def __init__(self, pattern) -> None:
        super().__init__()
        self.pattern = pattern

    def __missing__(self, ch: str) -> bool:
        if len(self) > 4096:
            self.clear()
        got = self[ch] = self.pattern.fullmatch(ch) is not None
        return got


_PLAIN_SET = regex.compile(r"\[([^\\\[\]\-^]+)\]|([^\\\[\](){}.*+?|^$])")


def _plain_chars(pattern: str) -> str | None:
    """The characters of a trigger that is one plain set of characters ([年季]) or one
    character, else None."""
    m = _PLAIN_SET.fullmatch(pattern)
    return None if m is None else (m.group(1) or m.group(2))


def _char_positions(text: str, chars: str) -> list[int]:
    """The positions of the characters ``chars`` in ``text``, in order (str.find: a C loop that
    skips ahead much faster than the regex engine's set test)."""
    pos: list[int] = []
    append = pos.append
    find = text.find
    for ch in chars:
        i = find(ch)
        while i >= 0:
            append(i)
            i = find(ch, i + 1)
    if len(chars) > 1:
        pos.sort()
    return pos


def _item_positions(text: str, items: tuple) -> list[int]:
    """The positions of the trigger items' characters whose neighbours pass the items' tests (a
    test is one character class, so its answer per character is memoised), in order."""
    pos: list[int] = []
    append = pos.append
    find = text.find
    last = len(text) - 1
    for chars, before, after in items:
        for ch in chars:
            i = find(ch)
            while i >= 0:
                if not (before is not None and (i == 0 or not before[text[i - 1]])
                        or after is not None and (i == last or not after[text[i + 1]])):
                    append(i)
                i = find(ch, i + 1)
    pos.sort()
    return pos


def _single_positions(text: str, fam: Family) -> list[int] | None:
    """The positions of the family's triggers when each is one character (found with str.find,
    at the positions the regex reports), else None."""
    if fam.trigger_chars is not None:
        return _char_positions(text, fam.trigger_chars)
    if fam.trigger_items:
        return _item_positions(text, fam.trigger_items)
    return None


def _trigger_spans(text: str, fam: Family):
    """(start, end) of the family's triggers in text order."""
    pos = _single_positions(text, fam)
    if pos is None:
        return [t.span() for t in fam.triggers.finditer(text)]
    return [(i, i + 1) for i in pos]


_NEXT = (1).__add__
_SPAN = methodcaller("span")


def _windows(text: str, fam: Family) -> list[tuple[int, int]]:
    """Merged [start, end) windows around a family's trigger characters."""
    n = len(text)
    before, after = fam.before, fam.after
    out: list[tuple[int, int]] = []
    add = out.append
    ws = we = -1
    single = _single_positions(text, fam)
    if single is not None:   # one character each: a trigger at s spans [s, s + 1)
        spans = zip(single, map(_NEXT, single))
    else:
        spans = map(_SPAN, fam.triggers.finditer(text))
    for s, e in spans:
        a = s - before
        if a < 0:
            a = 0
        if a <= we:                  # overlaps (or touches) the current window
            e += after
            if e > we:
                we = e if e < n else n
            continue
        if we > ws:
            add((ws, we))
        ws = a
        e += after
        we = e if e < n else n
    if we > ws:
        add((ws, we))
    return out


def _anchored(text: str, anchors, windows: list[tuple[int, int]]) -> list[tuple]:
    """(ws, we, start of the first anchor, start and end of the last one) of the windows that
    hold an anchor, the anchors being those ``anchors.finditer(text, ws, we)`` gives. They are
    found by searches each starting where the one before ended, as finditer goes on (most windows
    hold one anchor or none: two searches, or one, cost less than an iterator)."""
    kept = []
    keep = kept.append
    search = anchors.search
    for ws, we in windows:
        m = search(text, ws, we)
        if m is None:
            continue
        first, e = m.span()
        last = first
        while e > last:
            m = search(text, e, we)
            if m is None:
                break
            last, e = m.span()
        else:   # an empty anchor: finditer's own rule for what follows it
            last = None
            for last in anchors.finditer(text, ws, we):
                pass
            last, e = last.span()
        keep((ws, we, first, last, e))
    return kept


def _candidates(text: str, rs: RuleSet, watch=None) -> list[tuple]:
    """(start, rank, end, rule, match) of every match of every family, unsorted; a duration that
    needs a cue word and has none is left out. ``watch``: an armed engine._Watchdog that limits
    the searches instead of regex's ``timeout`` (see scan); without it the windows are searched
    in joined copies (each search with its ``timeout``)."""
    out: list[tuple] = []
    append = out.append
    bmp = None
    for fam in rs.families:
        windows = _windows(text, fam)
        if not windows:
            continue
        twin = None
        if watch is not None:
            twin = fam.twin
            if twin is not None:
                if bmp is None:
                    bmp = _bmp_only(text)
                if not bmp:
                    twin = None
            try:
                matches = _search_watched(text, fam, windows, watch, twin)
            except TimeoutError:   # searched as without the watch (see _search_timed)
                if twin is not None:
                    # re does not guard its repeats against exponential backtracking as regex
                    # does: a twin slow on one text may be slow on others, so it is dropped for
                    # the rest of the process (the rule set is shared; Family is frozen)
                    object.__setattr__(fam, "twin", None)
                    twin = None
                found = _search_timed(text, fam, windows)
            else:   # (start, end, match) as below, the spans read in C
                found = zip(*zip(*map(_SPAN, matches)), matches) if matches else ()
        else:
            found = _search_timed(text, fam, windows)
        if twin is None:
            by_group, owners, pattern = fam.rules, fam.owners, fam.pattern
        else:
            by_group, owners, pattern = twin.rules, twin.owners, twin.pattern
        for start, end, m in found:
            last_group = m.lastgroup
            rule = by_group.get(last_group)
            if rule is None:
                # the marker of the rule that matched is the only one that took part (asked
                # one by one: m.regs builds the spans of all the family's groups, 1.2 us a match)
                taken = m.start
                for marker, owner in owners.get(last_group, ()):
                    if taken(marker) >= 0:
                        rule = owner
                        break
                else:
                    rule = _rule_of(m, pattern, by_group)
            if rule.cue_required:
                cg = rule.cue_index
                if not ((cg and any(m.group(*cg) if len(cg) > 1 else (m.group(cg[0]),)))
                        or _has_cue(text, start, end, rs)):
                    continue
            append((start, rule.rank, end, rule, m))
    return out


def _search_timed(text: str, fam: Family, windows: list[tuple[int, int]]) -> list[tuple]:
    """(start, end, match) of the family's matches where no watch is armed, each search with its
    own time limit: the windows holding an anchor, in joined copies (or one by one).

    Also what a family whose watched search ran out of time gets: a slow (user's) rule must time
    out, or not, as here. The copies hold less than the windows (they run from the readable run
    of the first anchor to that of the last), so a slow stretch outside them is read only when a
    copy was slow too and ``_search_joined`` went on window by window; and that search is only
    over the windows holding an anchor, so the window it names is the one named here."""
    anchors = fam.anchors
    if anchors is not None:   # a window without an anchor cannot hold a match
        kept = _anchored(text, anchors, windows)
    else:
        kept = [(ws, we, None, None, None) for ws, we in windows]
    if not kept:
        return []
    if fam.foreign is not None:
        return _search_joined(text, fam, kept)
    return _search_windows(text, fam, [(w[0], w[1]) for w in kept])


def _search_watched(text: str, fam: Family, windows: list[tuple[int, int]], watch,
                    twin: _Twin | None = None) -> list:
    """The family's matches, window by window (``finditer`` over each window that holds an
    anchor: what ``_search_windows`` finds), with no time limit of their own: ``watch`` (an
    armed engine._Watchdog, see scan) counts the whole loop as one running search, and raises
    TimeoutError in it when the loop outlasts its tick. Without a clock read per call a window's
    own search costs less than its part of ``_search_joined`` (the walks to the copy's ends).
    ``twin``: the family's twin (Family.twin), whose pattern and anchors are then used."""
    if twin is None:
        search, anchors = fam.pattern.finditer, fam.anchors
    else:
        search, anchors = twin.pattern.finditer, twin.anchors
    found: list = []
    extend = found.extend
    watch.count += 1      # odd while the searches run
    try:
        if anchors is None:
            for ws, we in windows:
                extend(search(text, ws, we))
        else:
            has = anchors.search
            for ws, we in windows:
                if has(text, ws, we) is not None:
                    extend(search(text, ws, we))
    finally:
        watch.count += 1
    return found


def _bmp_only(text: str) -> bool:
    """Whether ``text`` has no character beyond the Basic Multilingual Plane (the twins' \\d
    is only that plane's part of regex's: see _Twin); one encoding, in C."""
    return len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text)


def _coalesced(m, values: tuple, alts: tuple) -> tuple:
    """``values`` with each group of ``alts`` (Rule.alts) read from the copy that took part."""
    out = list(values)
    for at, nums in alts:
        for k in nums:
            v = m.group(k)
            if v is not None:
                out[at] = v
                break
    return tuple(out)


def _rule_of(m, pattern, by_group: dict[str, Rule]) -> Rule:
    """The rule whose closing marker took part in ``m``, a match of ``pattern`` (the family's
    or its twin's, with its rules ``by_group``): read from every marker."""
    idx = tuple(pattern.groupindex[k] for k in by_group)
    got = m.group(*idx) if len(idx) > 1 else (m.group(idx[0]),)
    return list(by_group.values())[got.index("")]


def _as_dict(rule: Rule, values: tuple) -> dict:
    """Group name → value of the groups that took part."""
    return {k: v for k, v in zip(rule.groups, values) if v is not None}


_MEMO_MAX = 50_000      # entries of RuleSet.memo before it is emptied (bounded memory)


def _resolve_memo(g: dict, report_year: int | None, rs: RuleSet,
                  last_ym: tuple[int | None, int] | None) -> str | None:
    """``_resolve_date`` with an invalid date as None, memoised on its (small) inputs."""
    key = (tuple(g.items()), report_year, last_ym)
    memo = rs.memo
    try:
        return memo[key]
    except KeyError:
        pass
    try:
        iso = _resolve_date(g, report_year, rs, last_ym)
    except (ValueError, KeyError):
        iso = None
    if len(memo) >= _MEMO_MAX:
        memo.clear()
    memo[key] = iso
    return iso


_MISSING = object()


def _date_of(rule: Rule, values: tuple, report_year: int | None, rs: RuleSet,
             last_ym: tuple[int | None, int] | None) -> str | None:
    """``_resolve_memo`` of the rule's groups, memoised on the values as they come from the
    match (no dict built for a surface seen before)."""
    key = (rule.rank, values, report_year, last_ym)
    memo = rs.memo
    iso = memo.get(key, _MISSING)
    if iso is _MISSING:
        iso = _resolve_memo(_as_dict(rule, values), report_year, rs, last_ym)
        if len(memo) >= _MEMO_MAX:
            memo.clear()
        memo[key] = iso
    return iso


_DURATION_FIELDS = ("unit", "value", "decimals", "approx", "value_low", "value_high",
                    "qualifiers", "low_open", "high_open")


def _duration_memo(hit: Hit, rule: Rule, values: tuple, rs: RuleSet) -> bool:
    """``_duration`` memoised on the rule and its groups' values; False when the groups give no
    duration."""
    key = (rule.rank, values)
    memo = rs.memo
    got = memo.get(key)
    if got is None:
        probe = Hit("duration", 0, 0, "", "")
        try:
            _duration(probe, _as_dict(rule, values), rs)
            got = tuple(getattr(probe, f) for f in _DURATION_FIELDS)
        except (ValueError, ArithmeticError, KeyError):
            got = False
        if len(memo) >= _MEMO_MAX:
            memo.clear()
        memo[key] = got
    if got is False:
        return False
    (hit.unit, hit.value, hit.decimals, hit.approx, hit.value_low, hit.value_high,
     hit.qualifiers, hit.low_open, hit.high_open) = got
    return True


_first_two = itemgetter(0, 1)   # (start, rank) of a candidate, read in C


def scan(text: str, report_year: int | None = None) -> list[Hit]:
    """All date and duration hits in ``text`` (clean offsets), in text order.

    Overlaps between families: the hit starting first wins; at equal starts the higher-priority
    family/pattern (file order) wins. Then a bare year directly followed by a month-level date is
    composed into one date (date.yaml `compose_after_year`), and bare days get their month from the
    date before them.
    """
    rs = ruleset()
    # regex's `timeout` reads the clock as it matches: a third of the joined searches' time. One
    # CPU timer per text (engine._Watchdog; where it cannot be armed, the joined searches keep
    # their timeout) stops a family's window-by-window searches when they run longer than any
    # search's own limit would allow (its tick, half the limit given, is at least the limit of a
    # joined copy up to 3x the text), and the family is then searched as without the watch
    # (_search_timed), so a slow rule times out where it did before and names the same window.
    from .engine import _Watchdog

    watch = _Watchdog.start(2 * (MATCH_TIMEOUT + len(text) * 6e-5), "a date/duration family search")
    try:
        cands = _candidates(text, rs, watch)
    finally:
        if watch is not None:
            watch.stop()
    cands.sort(key=_first_two)
    chosen = []
    last_end = -1
    for c in cands:
        if c[0] >= last_end:
            chosen.append(c)
            last_end = c[2]
    hits: list[Hit] = []
    last_ym: tuple[int | None, int] | None = None
    last_ym_end = -10**9
    prev_year: tuple[Hit, Rule, tuple] | None = None
    compose = rs.compose
    append = hits.append
    for start, _rank, end, rule, m in chosen:
        # the values of the rule's groups (None: did not take part), in rule.groups order
        idx = rule.index
        values = m.group(*idx) if len(idx) > 1 else (m.group(idx[0]),) if idx else ()
        if rule.alts:   # a twin's group written more than once: the copy that took part
            values = _coalesced(m, values, rule.alts)
        hit = Hit(rule.kind, start, end, text[start:end], rule.id)
        if rule.kind == "duration":
            if not _duration_memo(hit, rule, values, rs):
                continue
            append(hit)
            prev_year = None
            continue
        composed = False
        if (prev_year is not None and rule.id in compose and prev_year[0].end <= start
                and not text[prev_year[0].end:start].strip(" \t\u3000")
                and not any([values[i] for i in rule.own_year_at])):
            yh, yrule, yvalues = prev_year
            yg = _as_dict(yrule, yvalues)
            g2 = _as_dict(rule, values)
            for k in ("y", "ry", "yy"):
                if yg.get(k):
                    g2[k] = yg[k]
            iso = _resolve_memo(g2, report_year, rs, None)
            if iso:
                composed = True
                if (yg.get("y") or yg.get("yy")) and hits and hits[-1] is yh:   # 2023年 + 12月
                    hits.pop()
                    hit = Hit("date", yh.start, end, text[yh.start:end], f"{yh.rule_id}+{rule.id}")
                hit.date = iso                                  # 今年 + 三月: 三月 only
        if not composed:
            ctx = last_ym if (rule.needs_month and start - last_ym_end < 200) else None
            iso = _date_of(rule, values, report_year, rs, ctx)
            if not iso:
                prev_year = None
                continue
            hit.date = iso
            if ctx is None and not any([values[i] for i in rule.year_at]):
                hit.groups = _as_dict(rule, values)   # the year is implied: sections may change it
        hit.emit = rule.emit      # (approx: a date's is Hit's default, "exact")
        append(hit)
        prev_year = ((hit, rule, values) if rule.id in ("date.year", "date.relative", "date.yy_year")
                     else None)
        ym = _MONTHS.get(hit.date, _MISSING)
        if ym is _MISSING:
            ym = _month_of(hit.date)
        if ym is not None:
            last_ym, last_ym_end = ym, end
    return hits


_MONTHS: dict = {}    # ISO date → _month_of (a few hundred distinct dates a report)


def _month_of(iso: str) -> tuple[int | None, int] | None:
    """(year or None for XXXX, month) of the month an ISO date (or interval: its end) falls in,
    None when it names no month; memoised in _MONTHS (bounded)."""
    tail = iso.rpartition("/")[2]
    ym = None
    if len(tail) >= 7 and tail[4] == "-":
        y = None if tail.startswith("XXXX") else int(tail[:4])
        ym = (y, int(tail[5:7]))
    if len(_MONTHS) >= _MEMO_MAX:
        _MONTHS.clear()
    _MONTHS[iso] = ym
    return ym


_PAST_YEAR = regex.compile("过去一年|过去的一年")


def _section_years(prepared, hits: list[Hit]) -> None:
    """Dates without a year (8月16日, 3月份, 年底) take the year their section heading names.

    A heading with one explicit year (二、2024年工作计划, 一、2022年工作回顾) or, in a 政府工作报告,
    过去一年 (一、过去一年工作回顾 → report year − 1) sets the year of the dates in its section
    and sub-sections whose year is not written; elsewhere it is the report year.
    """
    year = prepared.report_year
    implied = [h for h in hits if h.groups is not None and h.kind == "date"]
    sentences = getattr(prepared, "sentences", None)
    if year is None or not implied or not sentences:
        return
    from ..text.segment import heading_match
    from ..text.year import report_kind

    # the sections whose year can matter: those of the implied dates' sentences and the sections
    # above them (read below); only their headings are looked at (a heading match per sentence
    # of the document was most of this function's time)
    sentence_at = getattr(prepared, "sentence_at", None)
    if sentence_at is None:
        return
    placed = []
    wanted: set[str] = set()
    for h in implied:
        sent = sentence_at(h.start)
        if sent is None or not sent.section:
            continue
        parts = sent.section.split("/")
        paths = ["/".join(parts[:k]) for k in range(len(parts), 0, -1)]
        placed.append((h, paths))
        wanted.update(paths)
    if not wanted:
        return
    text = prepared.clean.text
    gov = report_kind(text) == "政府工作报告"
    starts = [h.start for h in hits]
    topic: dict[str, int] = {}
    n = len(text)
    is_heading = heading_match()
    for sent in sentences:
        section = sent.section
        if not section or section not in wanted or section in topic:
            continue
        s = sent.start
        if s >= n or is_heading(text, s) is None:
            continue
        y = _heading_year(text, hits, starts, sent, gov, year)
        if y is not None:
            topic[section] = y
    if not topic:
        return
    rs = ruleset()
    for h, paths in placed:
        y = next((topic[p] for p in paths if p in topic), None)
        if y is None or y == year:
            continue
        try:
            iso = _resolve_date(h.groups, y, rs, None)
        except (ValueError, KeyError):
            iso = None
        if iso:
            h.date = iso


def _heading_year(text: str, hits: list[Hit], starts: list[int], sent, gov: bool,
                  year: int) -> int | None:
    """The year a heading sentence sets for its section: its one explicit year, or in a
    政府工作报告 the year before the report's when it names 过去一年 and no year; else None."""
    i = bisect_left(starts, sent.start)
    years = set()
    while i < len(hits) and hits[i].end <= sent.end:
        h = hits[i]
        if h.kind == "date" and h.groups is None and h.date[:4].isdigit() and "/" not in h.date:
            years.add(int(h.date[:4]))
        i += 1
    if len(years) == 1:
        return years.pop()
    if not years and gov and _PAST_YEAR.search(text, sent.start, sent.end):
        return year - 1
    return None


def find_dates(prepared) -> list[Fact]:
    """Date and duration facts of a prepared document, offsets in the decoded text."""
    clean = prepared.clean
    doc = prepared.doc
    facts: list[Fact] = []
    hits = scan(clean.text, prepared.report_year)
    _section_years(prepared, hits)
    try:
        prepared._date_hits = hits   # attach() reuses them (relative words for periods)
    except AttributeError:           # a Prepared with slots: attach re-scans
        pass
    emitted = [h for h in hits if h.emit]
    many = getattr(clean, "to_decoded_many", None)   # all spans in one call where the text has it
    spans = (many([(h.start, h.end) for h in emitted]) if many is not None
             else [clean.to_decoded(h.start, h.end) for h in emitted])
    text, doc_id, source = doc.text, doc.doc_id, doc.source
    append = facts.append
    for h, (start, end) in zip(emitted, spans):
        # by position (_FACT_ORDER): a keyword call costs half as much again
        append(Fact(doc_id, h.kind, text[start:end], start, end, h.value, h.value_low,
                    h.value_high, h.decimals, h.approx, h.unit, h.date, "", "", None, 0, source,
                    "", "", "", "", h.qualifiers, h.rule_id, h.low_open, h.high_open))
    return facts


#: the order of Fact's fields find_dates passes by position (subject, modality, page, sentence,
#: role, period, section and scale at their defaults, which context fills in later)
_FACT_ORDER = ("doc_id kind text start end value value_low value_high decimals approx unit date "
               "subject modality page sentence source role period section scale qualifiers "
               "rule_id low_open high_open").split()
if list(Fact.__match_args__) != _FACT_ORDER:   # pragma: no cover
    raise ImportError("model.Fact's fields changed: update dates.find_dates")

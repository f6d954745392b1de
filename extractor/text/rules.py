"""Compiled cleaning/segmentation rules from rules/text.yaml and rules/lexicons/conversion_errors.yaml."""
from __future__ import annotations

import functools
import hashlib
import re
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import regex

from ..errors import RuleFileError
from ..rulefiles import compile_regex, load_yaml


def _compile(pattern: str, where: str, flags: int = 0) -> regex.Pattern:
    try:
        return compile_regex(pattern, flags | regex.V0)
    except regex.error as exc:
        raise RuleFileError(where, f"bad regex: {exc}") from exc


def _trigger(pattern: str, where: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise RuleFileError(where, f"bad trigger regex: {exc}") from exc


# whitespace trimmed off the end of a sentence (segment.py trims the cut pieces with it too)
SENTENCE_TRIM = " \t\r\n\u3000\u00a0\f\v"
# the characters an enumerator (sentences.enumerator) can start with
ENUM_FIRST = "一二三四五六七八九十（(0123456789"


@dataclass(frozen=True)
class TextRules:
    raw: dict
    fold_table: dict
    zero_width: re.Pattern
    marker: re.Pattern
    marker_start: re.Pattern
    zero_width_chars: tuple
    marker_punct: regex.Pattern
    marker_enum: regex.Pattern
    marker_final: frozenset
    marker_min_prev: int
    marker_min_chain: int
    marker_ratio: float
    footer: regex.Pattern
    entity: regex.Pattern
    fn_bracket: regex.Pattern
    fn_circled: regex.Pattern
    pinyin: regex.Pattern
    markdown: regex.Pattern
    markdown_trigger: re.Pattern
    cjk_spaces: re.Pattern | regex.Pattern
    html_detect: regex.Pattern
    html_min_tags: int
    html_density: float
    footer_trigger: re.Pattern
    entity_trigger: re.Pattern
    fn_trigger: re.Pattern
    pinyin_trigger: re.Pattern
    cjk_trigger: re.Pattern | None
    fold_runs: re.Pattern
    fold_runs_split: re.Pattern
    rare_split: re.Pattern | None
    rare_cjk_split: re.Pattern | None
    cjk_chars: frozenset
    zero_width_one: re.Pattern | None
    traditional: frozenset
    traditional_runs: re.Pattern | None
    html_tag: regex.Pattern
    html_tag_split: regex.Pattern | None
    html_inline: frozenset
    html_cell: frozenset
    html_reps: dict
    html_ws: regex.Pattern
    wrap: dict
    wrap_final: frozenset
    wrap_heading: regex.Pattern
    wrap_cont: regex.Pattern
    wrap_table: regex.Pattern
    sentence: re.Pattern
    sentence_split: re.Pattern
    sent_enum: regex.Pattern
    sent_enum_after: frozenset
    sent_enum_trigger: re.Pattern
    sent_enum_ws: tuple
    sent_final_re: re.Pattern
    sent_final_at_starts: bool
    sent_title: regex.Pattern
    sent_final: frozenset
    section_levels: tuple
    section_any: regex.Pattern
    glued_enum: regex.Pattern
    glued_level: int


def _fold_table(spec: dict) -> dict:
    keep = set(spec.get("keep", ""))
    table = {}
    for cp in range(0xFF01, 0xFF5F):
        ch = chr(cp)
        if ch not in keep:
            table[cp] = chr(cp - 0xFEE0)
    for pair in (spec.get("traditional") or "").split():
        if len(pair) != 2:
            raise RuleFileError("text.yaml", f"fold.traditional pairs are two characters: {pair!r}")
        table[ord(pair[0])] = pair[1]
    for k, v in (spec.get("extra") or {}).items():
        if len(k) != 1 or len(v) != 1:
            raise RuleFileError("text.yaml", f"fold.extra must map one char to one char: {k!r}")
        table[ord(k)] = v
    return table


def _fold_class(table: dict) -> str:
    """One stdlib-re character class of the characters the fold changes."""
    cps = sorted(table)
    parts = []
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        a, b = re.escape(chr(cps[i])), re.escape(chr(cps[j]))
        parts.append(a if i == j else f"{a}-{b}")
        i = j + 1
    return "[" + "".join(parts) + "]"


def _fold_runs(table: dict) -> re.Pattern:
    """Runs of characters the fold changes."""
    # `[X][X]*`, not `[X]+`: a pattern that starts with a plain character class lets `re` skip
    # to the next candidate character at C speed (a repeat first is tried at every position)
    cls = _fold_class(table)
    return re.compile(cls + cls + "*")


def _runs_of(chars) -> re.Pattern | None:
    """Runs of the given characters (``[X][X]*``: a class first, see _fold_runs); None for
    no character."""
    table = dict.fromkeys(map(ord, chars))
    if not table:
        return None
    cls = _fold_class(table)
    return re.compile(cls + cls + "*")


def _one_class(patterns: list[str]) -> str | None:
    """``(?:p1|p2|...)`` when it is one character class (each pattern one class or character,
    none negated: re's parser merges such an alternation into a class), else None."""
    alt = "(?:" + "|".join(patterns) + ")"
    try:
        from re import _constants, _parser   # (no public way to ask what a pattern is)
        data = _parser.parse(alt).data
        single = len(data) == 1 and data[0][0] in (_constants.IN, _constants.LITERAL)
    except Exception:  # noqa: BLE001 - another Python's parser: the detectors scan on their own
        return None
    return alt if single else None


def _rare_class(fold: dict, footnote_trigger: str, zero_width: tuple) -> str | None:
    """One character class of the rare characters: those the fold changes, the footnote
    trigger's and the zero-width ones (None when the trigger is not one character class)."""
    parts = [_fold_class(fold), footnote_trigger]
    if zero_width:
        parts.append("[" + re.escape("".join(zero_width)) + "]")
    return _one_class(parts)


def _rare_split(cls: str | None) -> re.Pattern | None:
    """``split`` with the runs of the rare characters (``cls``) as its group. One scan of the
    text finds all three kinds (a scan led by a class costs ~4 ns a character, 6-7 ms a corpus
    pass); the footnote and zero-width detectors then look only in the runs."""
    if cls is None:
        return None
    return re.compile("(" + cls + cls + "*)")


class _Unknown(Exception):
    """A pattern item whose characters _consumed_chars does not work out."""


def _consumed_chars(pattern: str) -> frozenset | None:
    """Every character a match of ``pattern`` (stdlib ``re``) can consume, i.e. the characters
    of its literals and classes outside look-arounds; None when that is not known (a negated
    class, a category, ``.``, a back reference, a flag, a huge range ...) or the pattern can
    match the empty string."""
    try:
        from re import _constants as K, _parser   # (no public way to ask what a pattern is)
        tree = _parser.parse(pattern)
        if tree.state.flags & ~K.SRE_FLAG_UNICODE or tree.getwidth()[0] < 1:
            return None
    except Exception:  # noqa: BLE001 - another Python's parser, or a bad pattern: not merged
        return None
    out: set[str] = set()

    def walk(items) -> None:
        for op, av in items:
            if op in (K.ASSERT, K.ASSERT_NOT, K.AT):    # consume nothing
                continue
            if op is K.LITERAL:
                out.add(chr(av))
            elif op is K.IN:
                for op2, av2 in av:
                    if op2 is K.LITERAL:
                        out.add(chr(av2))
                    elif op2 is K.RANGE and av2[1] - av2[0] < 0x1000:
                        out.update(map(chr, range(av2[0], av2[1] + 1)))
                    else:
                        raise _Unknown
            elif op in (K.MAX_REPEAT, K.MIN_REPEAT, K.POSSESSIVE_REPEAT):
                walk(av[2])
            elif op is K.SUBPATTERN and not av[1] and not av[2]:   # no scoped flags
                walk(av[3])
            elif op is K.BRANCH:
                for branch in av[1]:
                    walk(branch)
            elif op is K.ATOMIC_GROUP:
                walk(av)
            else:
                raise _Unknown

    try:
        walk(tree)
    except _Unknown:
        return None
    return frozenset(out)


# a character class at the start of a pattern (re has no nested sets: `]` ends it unless it
# is escaped or comes first)
_LEAD_CLASS = re.compile(r"\[\^?\]?(?:\\.|[^\\\]])*\]")


def _rare_cjk_split(cls: str | None, cjk: str, cjk_re: bool) -> tuple[re.Pattern | None,
                                                                       frozenset]:
    """``split`` with one group that is either a run of the rare characters (``cls``) or a
    match of the cjk_spaces rule, and the characters such a match can consume: one class scan
    of the text for both (each was a scan led by a class: ~30 instructions a character).

    The two rules' matches are what their own scans find as long as no character a cjk_spaces
    match can consume is a rare one: a rare run then holds no character where a cjk_spaces
    match can start, and a cjk_spaces match no rare character, so the merged scan skips, for
    each rule, only positions where that rule cannot match (both rules' matches are never
    empty: a run of one or more characters, and _consumed_chars refuses a pattern that can
    match the empty string). Checked here, with the rule as written; (None, empty) when it does
    not hold or cannot be told (the rule in the `regex` engine, a group in it, a character set
    _consumed_chars cannot enumerate, a rule not led by a character class): clean() then scans
    for each rule on its own.

    The merged pattern starts with the union of the two leading classes, ``U(?:(?<=W)REST|
    (?<!W)R*)`` for the rule ``W REST``: `re` skips to the next candidate at C speed only when
    the pattern starts with a class (an alternation of two class-led branches is tried at every
    position: 8x slower)."""
    none: tuple[re.Pattern | None, frozenset] = (None, frozenset())
    if cls is None or not cjk_re:
        return none
    spaces = _consumed_chars(cjk)
    if spaces is None or not spaces:
        return none
    rare = re.compile(cls)
    if any(map(rare.match, spaces)):
        return none
    lead = _LEAD_CLASS.match(cjk)
    if lead is None:
        return none
    first, rest = lead.group(), cjk[lead.end():]
    union = _one_class([cls, first])
    try:
        from re import _compiler, _parser
        # the rule is its leading class followed by REST as one sequence (no `|` of the rule
        # splits it elsewhere): the same compiled code
        same = (_compiler._code(_parser.parse(first + "(?:" + rest + ")"), 0)
                == _compiler._code(_parser.parse(cjk), 0))
        merged = re.compile("(" + (union or "") + "(?:(?<=" + first + ")(?:" + rest + ")|(?<!"
                            + first + ")" + cls + "*))")
    except Exception:  # noqa: BLE001 - another Python's internals, or a bad pattern
        return none
    if union is None or not same or merged.groups != 1:
        return none     # (a group of the rule's own would add pieces to split's output)
    return merged, spaces


def _sentence(final: str, closers: str) -> re.Pattern:
    """A sentence: a non-space character, then up to a line break or a sentence end (taken with
    its closers); without a sentence end the match stops at its last non-space character
    (SENTENCE_TRIM), so no span is trimmed in Python afterwards.

    The run up to the line break or sentence end is matched once and the two endings are tried
    after it: ``[^\\s]R*(?:FC*|(?<!T))`` matches what ``[^\\s](?:R*FC*|R*(?<!T))`` matches (R
    holds no F, so the only F either form can reach is the one right after R's longest run;
    without it both back off to the last non-space character), but a line without a sentence
    end is walked once instead of three times (the run, the backtrack looking for an F, the run
    again)."""
    return re.compile(_SENTENCE_HEAD + _sentence_tail(final, closers))


# a sentence's first character; segment.py's split takes it as a group of its own (the first
# characters of all sentences, one string, come from split's pieces: no index per sentence)
_SENTENCE_HEAD = r"[^\s]"


def _sentence_tail(final: str, closers: str) -> str:
    """The sentence pattern after its first character (_sentence); its run ``[^\\nF]*`` is
    written as the class of every other character (_not_class)."""
    f, c, t = re.escape(final), re.escape(closers), re.escape(SENTENCE_TRIM)
    return _not_class("\n" + final) + r"*(?:[" + f + r"][" + c + r"]*|(?<![" + t + r"]))"


def _not_class(chars: str) -> str:
    """``[^chars]`` as the ranges between the characters, a class without negation: `re` tests
    a character against it one step sooner (NEGATE is a step of its own, per character: the
    sentences' run is every character of the text; the split is ~12 % faster)."""
    out = []
    lo = 0
    for cp in sorted(set(map(ord, chars))) + [0x110000]:
        if cp > lo:
            a, b = re.escape(chr(lo)), re.escape(chr(cp - 1))
            out.append(a if cp - 1 == lo else f"{a}-{b}")
        lo = cp + 1
    return "[" + "".join(out) + "]"


# a group named by its number (\1, \g<1>, (?(1)..), (?1)): the wrapping group of _tag_split
# would number it otherwise (a \1 to the then open whole tag does not compile)
_NUMBERED_REF = re.compile(r"\\(?:[1-9]|g<[-+]?\d)|\(\?[-+]?\d|\(\?\([-+]?\d")


def _tag_split(tag: str) -> regex.Pattern | None:
    """``split`` with the whole tag and the rule's one group (the name) as its groups (None
    when the rule refers to a group by its number)."""
    if _NUMBERED_REF.search(tag):
        return None
    pattern = _compile("(" + tag + ")", "text.yaml:html")
    return pattern if pattern.groups == 2 else None


#: the sources of the code that derives the text rules from text.yaml (this module and what reads
#: the file into a tree), read once at import: the code that runs (see ruleset._CODE)
def _code_stamp() -> bytes | None:
    from .. import rulefiles

    try:
        return Path(__file__).read_bytes() + b"\0" + Path(rulefiles.__file__).read_bytes()
    except OSError:
        return None


_CODE = _code_stamp()


@functools.cache
def text_rules() -> TextRules:
    """The rules of text.yaml, compiled; from the on-disk cache of built rules when it holds
    them (rulefiles.cached_build, as the number rules' set: re compiling the ~80 patterns,
    their large classes above all, and the derived splits took 60-80 ms of every process's
    start). Keyed by text.yaml's contents, the code that builds them (_CODE), what parses the
    file (ruamel's stamp) and the exact Python (re's parser and compiler, the Unicode tables
    the zero-width characters are found with) and regex versions."""
    from .. import rulefiles

    try:
        data = (rulefiles.rules_dir() / "text.yaml").read_bytes()
    except OSError:
        data = None
    if _CODE is None or data is None:
        return _build()     # (an unreadable file raises its RuleFileError there)
    key = hashlib.sha256(f"{sys.version}\0{regex.__version__}\0{rulefiles._ruamel_stamp()}\0"
                         .encode() + hashlib.sha256(data).digest() + _CODE).hexdigest()[:32]
    return rulefiles.cached_build("text", key, _build, _TEXT_GLOBALS, _complete)


#: the classes a cached TextRules may name besides rulefiles.BUILT_GLOBALS
_TEXT_GLOBALS = frozenset({(__name__, "TextRules")})


def _complete(rules: Any) -> bool:
    """A TextRules with every field (one filed by other code may lack some)."""
    return type(rules) is TextRules and all(hasattr(rules, f.name) for f in fields(TextRules))


def _build() -> TextRules:
    d: dict[str, Any] = load_yaml("text.yaml")
    pm = d["page_markers"]
    hw = d["hard_wrap"]
    html = d["html"]
    se = d["sentences"]
    final = se["final"]
    closers = se["closers"]
    sentence = _sentence(final, closers)
    levels = []
    parts = []
    for k, lv in enumerate(d["sections"]["levels"]):
        pat = _compile(lv["regex"], "text.yaml:sections")
        if pat.groups != 1:
            raise RuleFileError("text.yaml:sections",
                                f"level {lv['name']} needs exactly one group (the number)")
        levels.append((lv["name"], pat, lv["path"]))
        parts.append(f"(?P<L{k}>{lv['regex']})")
    section_any = _compile("|".join(parts), "text.yaml:sections")
    # the characters the zero-width rule matches on its own (one compiled pattern: re.fullmatch
    # with a string looks the pattern up in re's cache for each of the 65k characters, 0.12 s
    # of start-up)
    zw_chars = tuple(filter(re.compile(d["zero_width"]["regex"]).fullmatch,
                            map(chr, range(0x80, 0x10000))))
    rare = _rare_class(_fold_table(d["fold"]), d["footnotes"]["trigger"], zw_chars)
    cjk = d["cjk_spaces"]
    rare_cjk = _rare_cjk_split(rare, cjk["regex"],
                               cjk.get("engine") == "re" and not cjk.get("trigger"))
    return TextRules(
        raw=d,
        fold_table=_fold_table(d["fold"]),
        zero_width=_trigger(d["zero_width"]["regex"], "text.yaml:zero_width"),
        marker=_trigger(pm["regex"], "text.yaml:page_markers"),
        marker_start=_trigger(pm["regex"].replace("\\n", "", 1), "text.yaml:page_markers"),
        zero_width_chars=zw_chars,
        marker_punct=_compile(pm["followed_by_punct"], "text.yaml:page_markers"),
        marker_enum=_compile(pm["followed_by_enumerator"], "text.yaml:page_markers"),
        marker_final=frozenset(pm["sentence_final"]),
        marker_min_prev=int(pm["min_prev_line"]),
        marker_min_chain=int(pm["min_chain"]),
        marker_ratio=float(pm["min_evidence_ratio"]),
        footer=_compile(d["footers"]["regex"], "text.yaml:footers"),
        entity=_compile(d["entities"]["regex"], "text.yaml:entities"),
        fn_bracket=_compile(d["footnotes"]["bracket"], "text.yaml:footnotes"),
        fn_circled=_compile(d["footnotes"]["circled"], "text.yaml:footnotes"),
        pinyin=_compile(d["pinyin_gloss"]["regex"], "text.yaml:pinyin_gloss"),
        markdown=_compile(d["markdown_headings"]["regex"], "text.yaml:markdown_headings"),
        markdown_trigger=_trigger(d["markdown_headings"]["trigger"], "text.yaml:markdown_headings"),
        cjk_spaces=(_trigger(d["cjk_spaces"]["regex"], "text.yaml:cjk_spaces")
                    if d["cjk_spaces"].get("engine") == "re"
                    else _compile(d["cjk_spaces"]["regex"], "text.yaml:cjk_spaces")),
        html_detect=_compile(html["detect"], "text.yaml:html"),
        html_min_tags=int(html["min_tags"]),
        html_density=float(html["min_tags_per_1000_chars"]),
        footer_trigger=_trigger(d["footers"]["trigger"], "text.yaml:footers"),
        entity_trigger=_trigger(d["entities"]["trigger"], "text.yaml:entities"),
        fn_trigger=_trigger(d["footnotes"]["trigger"], "text.yaml:footnotes"),
        pinyin_trigger=_trigger(d["pinyin_gloss"]["trigger"], "text.yaml:pinyin_gloss"),
        cjk_trigger=(_trigger(d["cjk_spaces"]["trigger"], "text.yaml:cjk_spaces")
                     if d["cjk_spaces"].get("trigger") else None),
        fold_runs=_fold_runs(_fold_table(d["fold"])),
        traditional=frozenset(p[0] for p in (d["fold"].get("traditional") or "").split()),
        # runs of the traditional characters (clean counts them by the runs' lengths)
        traditional_runs=_runs_of(p[0] for p in (d["fold"].get("traditional") or "").split()),
        fold_runs_split=re.compile("(" + _fold_runs(_fold_table(d["fold"])).pattern + ")"),
        rare_split=_rare_split(rare),
        # the rare runs and the cjk_spaces matches in one scan, when that is exact
        rare_cjk_split=rare_cjk[0],
        cjk_chars=rare_cjk[1],
        zero_width_one=re.compile("[" + re.escape("".join(zw_chars)) + "]") if zw_chars else None,
        html_tag=_compile(html["tag"], "text.yaml:html"),
        # the tags as split's pieces (the whole tag and its name: text, tag, name, text, ...),
        # for clean's run of plain tags; None when the rule has other groups than the name
        html_tag_split=_tag_split(html["tag"]),
        html_inline=frozenset(x.lower() for x in html["inline"]),
        html_cell=frozenset(x.lower() for x in html["cell"]),
        # a tag's replacement by its lower-case name: inline tags are deleted, table cells become
        # a space (inline wins), script and style (None) are deleted with their content, any
        # other tag becomes a line break
        html_reps={**{x.lower(): " " for x in html["cell"]}, **{x.lower(): "" for x in html["inline"]},
                   "script": None, "style": None},
        html_ws=_compile(html["formatting_whitespace"], "text.yaml:html"),
        wrap=hw,
        wrap_final=frozenset(hw["sentence_final"]),
        wrap_heading=_compile(hw["heading"], "text.yaml:hard_wrap"),
        wrap_cont=_compile(hw["continuation_start"], "text.yaml:hard_wrap"),
        wrap_table=_compile(hw["table_row"], "text.yaml:hard_wrap"),
        sentence=sentence,
        # the same with the first character and the rest as split's two groups: gap, first,
        # rest, gap, ..., gap (segment.py sums the pieces' lengths for the spans and joins the
        # first pieces: no match object, tuple or index per sentence)
        sentence_split=re.compile("(" + _SENTENCE_HEAD + ")(" + _sentence_tail(final, closers)
                                  + ")"),
        sent_enum=_compile(se["enumerator"], "text.yaml:sentences"),
        sent_enum_after=frozenset(se["enumerator_after"]),
        # where an enumerator may start a sentence: right after a line break, a sentence end or
        # whitespace. One character class first, so `re` skips to candidates at C speed (an
        # alternation starting with a look-behind is tried at every position: 5x slower); a
        # whitespace run yields one candidate, at its end, as the run-level form did.
        # The line break is left out of the class: a sentence holds none, so a position after
        # one is never strictly inside a sentence, the only cuts segment.py applies (the
        # enumerators at line starts, a quarter of the candidates, were matched for nothing).
        sent_enum_trigger=re.compile(
            "[" + re.escape(final) + re.escape(se["enumerator_after"])
            + "](?=[" + re.escape(ENUM_FIRST) + "])"),
        # the trigger's whitespace half, one pattern per character: a pattern that starts with a
        # literal is searched for at C speed (a leading class costs a test per character, ~4 ns:
        # 7 ms a corpus pass); its sentence-end half is found from the sentences' first
        # characters (segment._inside_cuts)
        sent_enum_ws=tuple(re.compile(re.escape(ch) + "(?=[" + re.escape(ENUM_FIRST) + "])")
                           for ch in dict.fromkeys(se["enumerator_after"])),
        sent_final_re=re.compile("[" + re.escape(final) + "]"),
        # a sentence end strictly inside a sentence is its first character (segment.py), as long
        # as no closer can start an enumerator; else every sentence end is a candidate
        sent_final_at_starts=not set(closers) & set(ENUM_FIRST),
        sent_final=frozenset(final),
        sent_title=_compile(se["title"], "text.yaml:sentences"),
        section_levels=tuple(levels),
        section_any=section_any,
        glued_enum=_compile(d["sections"]["glued_enumerator"], "text.yaml:sections"),
        glued_level=[lv["name"] for lv in d["sections"]["levels"]].index(
            d["sections"]["glued_level"]),
    )


@dataclass(frozen=True)
class ConversionPair:
    wrong: str
    right: str
    pattern: regex.Pattern

    @property
    def key(self) -> str:
        return f"conversion:{self.wrong}→{self.right}"


_CONVERSION_FILE = "lexicons/conversion_errors.yaml"


@functools.cache
def conversion_pairs() -> tuple[ConversionPair, ...]:
    """The pairs of the conversion lexicon; none when its ``pairs`` is empty (``pairs: []`` or
    ``pairs:``): a user's way to turn the conversion-error count and fixes off."""
    d = load_yaml(_CONVERSION_FILE)
    pairs = d.get("pairs", ...) if isinstance(d, dict) else ...
    if pairs is ...:
        raise RuleFileError(_CONVERSION_FILE, "no `pairs:` list (an empty one is `pairs: []`)")
    if pairs is None:
        pairs = []
    if not isinstance(pairs, list):
        raise RuleFileError(_CONVERSION_FILE, "`pairs:` must be a list of {wrong, right, regex}")
    out = []
    for i, p in enumerate(pairs):
        if not (isinstance(p, dict) and isinstance(p.get("wrong"), str) and p["wrong"]
                and isinstance(p.get("right"), str)):
            raise RuleFileError(_CONVERSION_FILE,
                                f"pair {i + 1} needs a non-empty `wrong` and a `right`: {p!r}")
        pat = _compile(p.get("regex") or regex.escape(p["wrong"]),
                       f"{_CONVERSION_FILE}:{p['wrong']}")
        out.append(ConversionPair(p["wrong"], p["right"], pat))
    return tuple(out)


@functools.cache
def conversion_trigger() -> tuple[re.Pattern | None, dict]:
    """A literal alternation of the wrong forms (None without pairs: an empty alternation would
    match the empty string everywhere), and the pairs to try for each."""
    by_wrong: dict[str, list[ConversionPair]] = {}
    for p in conversion_pairs():
        by_wrong.setdefault(p.wrong, []).append(p)
    if not by_wrong:
        return None, by_wrong
    words = sorted(by_wrong, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words)), by_wrong

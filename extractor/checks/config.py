"""Loading rules/checks.yaml and the check lexicons, with compiled patterns cached."""
from __future__ import annotations

import bisect
import functools
import operator
from collections.abc import Iterator
from typing import Any

import regex

from ..errors import RuleFileError
from ..rulefiles import compile_regex, load_yaml

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
        return compile_regex(src, regex.VERBOSE if src.lstrip().startswith("(?x)") else 0)
    except regex.error as exc:
        raise RuleFileError(f"{CONFIG_FILE}:{section_name}.{key}", f"bad regex: {exc}") from exc


def alternation(words: list[str]) -> str:
    """A regex alternation of literal words, longest first."""
    return "|".join(regex.escape(w) for w in sorted(set(words), key=len, reverse=True))


_META = set("\\.^$*+?{}[]()|")
_QUANT_BODY = regex.compile(r"\d*(?:,\d*)?|[eisd]\s*(?:<=?|>=?)\s*\d+(?:\s*,\s*[eisd]\s*(?:<=?|>=?)\s*\d+)*")
# escapes whose body runs on after the letter (hex, octal and group numbers, \pL, \g<..>, \L<..>)
_LONG_ESCAPES = set("xuUpPgL0123456789")
_ESCAPE_BODY = regex.compile(r"<[^>]*>?|[0-9A-Za-z_]*")


@functools.cache
def _class_end(src: str, i: int) -> int:
    """The index after the character class that opens at ``src[i] == "["`` (``[^]x]`` and
    escapes inside included)."""
    n = len(src)
    j = i + 1
    if j < n and src[j] == "^":
        j += 1
    if j < n and src[j] == "]":
        j += 1
    while j < n and src[j] != "]":
        j += 2 if src[j] == "\\" else 1
    return j + 1


def required_literals(rx: regex.Pattern[str]) -> tuple[str, ...] | None:
    """Literal alternatives one of which every match of ``rx`` must contain, or None if unknown.

    Found from the first named or non-capturing group at the top level of the pattern that is a
    plain alternation of literal words (``(?P<unit>千伏|kV|KV|kv)``, ``(?:其中|包括)``) and is not
    made optional by a quantifier, in a pattern without a top-level ``|``. Look-arounds elsewhere
    do not matter: whatever they allow, the group's text is part of the match. Used as a cheap
    ``str`` pre-filter before scanning a whole document with ``rx`` (``may_match``) and to find
    the windows worth a search (``LiteralSpots``)."""
    group = _literal_group(rx)
    return None if group is None else group[0]


def _literal_group(rx: regex.Pattern[str]) -> tuple[tuple[str, ...], int] | None:
    """``required_literals`` and the index of the ``)`` closing their group in the source."""
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
            i = _class_end(src, i)
            continue
        if ch == "(":
            if depth == 0 and src.startswith("(?P<", i):
                k = src.find(">", i)
                if k < 0:
                    return None
                open_at = k + 1
            elif depth == 0 and src.startswith("(?:", i):
                open_at = i + 3
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
            return tuple(words), b
    return None


@functools.cache
def required_runs(rx: regex.Pattern[str]) -> tuple[str, ...]:
    """Runs of plain literal characters at the top level of the pattern (outside groups, classes
    and escapes, none quantified), every one of which each match must contain: ``年`` and ``总结``
    in ``(?P<year>\\d{4})\\s*年(?:度)?(?:工作)?总结``. Empty when unknown (a top-level ``|``,
    case-insensitive, verbose or V1 patterns, ``\\Q`` quoting) or when there are none."""
    if rx.flags & (regex.IGNORECASE | regex.VERBOSE | regex.FULLCASE | regex.V1):
        return ()
    src = rx.pattern
    if "\\Q" in src:
        return ()
    return _source_runs(src)


@functools.cache
def branch_runs(rx: regex.Pattern[str]) -> tuple[tuple[str, ...], ...] | None:
    """``required_runs`` of each top-level branch of the pattern (``a…|b…``): every match holds all
    the runs of at least one branch, so a window holding none of the branches' runs in full
    cannot match. None when unknown (the flags and quoting ``required_runs`` refuses, a comment
    group, unbalanced groups) or when a branch has no run; one branch for a pattern without a
    top-level ``|``."""
    if rx.flags & (regex.IGNORECASE | regex.VERBOSE | regex.FULLCASE | regex.V1):
        return None
    src = rx.pattern
    if "\\Q" in src or "(?#" in src:
        return None
    cuts, depth = [0], 0
    for k, ch in _parens(src):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            cuts.append(k + 1)   # (a top-level '|')
    if depth != 0:
        return None
    cuts.append(len(src) + 1)
    out = tuple(_source_runs(src[a:b - 1]) for a, b in zip(cuts, cuts[1:]))
    return out if all(out) else None


@functools.cache
def gate_words(rx: regex.Pattern[str]) -> tuple[str, ...] | None:
    """Words one of which every match of ``rx`` contains (the longest run of each top-level
    branch, ``branch_runs``, without those that hold another of them: ``分别占`` for both
    branches of ``分别占…|分别占总…的``), or None when unknown: ``any(map(window.__contains__,
    words))`` (C speed) is then False only where ``rx`` cannot match the window."""
    branches = branch_runs(rx)
    if branches is None:
        return None
    longest = {max(runs, key=len) for runs in branches}
    return tuple(sorted(w for w in longest if not any(u != w and u in w for u in longest)))


def _source_runs(src: str) -> tuple[str, ...]:
    """``required_runs`` of a source without a top-level ``|`` (``()`` when it has one)."""
    runs: list[str] = []
    cur: list[str] = []
    depth, i, n = 0, 0, len(src)

    def cut() -> None:
        if cur:
            runs.append("".join(cur))
            cur.clear()

    while i < n:
        ch = src[i]
        if ch == "\\":
            cut()
            i += 2
            if i < n and src[i] == "{" and src[i - 1] in "pPNxgu":  # \p{Han}, \x{..}
                k = src.find("}", i)
                if k < 0 or any(c in src[i:k] for c in "|()[]\\"):
                    return ()
                i = k + 1
            elif src[i - 1] in _LONG_ESCAPES:
                # \x41, \u5206, \101, \12, \pL, \g<name>, \L<list>: the characters after the
                # escape letter are its body, not literals (skipped up to the next non-word
                # character or past a <name>: at worst a literal is dropped, never invented)
                m = _ESCAPE_BODY.match(src, i)
                i = m.end()
            continue
        if ch == "[":
            cut()
            i = _class_end(src, i)
            continue
        if ch == "(":
            cut()
            depth += 1
        elif ch == ")":
            cut()
            depth -= 1
        elif ch == "|" and depth == 0:
            return ()
        elif depth == 0:
            if ch in "?*+{":
                if cur:
                    cur.pop()  # the quantified character is not required
                cut()
                if ch == "{":  # a quantifier {m,n} (or a fuzzy constraint {e<=1}) is skipped whole
                    k = src.find("}", i)
                    if k < 0 or not _QUANT_BODY.fullmatch(src[i + 1:k]):
                        return ()  # a literal brace or something unexpected: no claim
                    i = k + 1
                    continue
            elif ch in _META:
                cut()
            else:
                cur.append(ch)
        i += 1
    cut()
    if depth != 0:
        return ()
    return tuple(runs)


@functools.cache
def _minimal_literals(rx: regex.Pattern[str]) -> tuple[str, ...] | None:
    """``required_literals`` without the words that contain another of them (近 for 将近/接近):
    a text holds one of the words exactly when it holds one of these."""
    lits = required_literals(rx)
    if lits is None:
        return None
    return tuple(w for w in lits if not any(u != w and u in w for u in lits))


def may_match(rx: regex.Pattern[str], text: str) -> bool:
    """False only when ``rx`` provably cannot match ``text`` (see ``required_literals``,
    ``required_runs`` and ``_head_backwards``)."""
    lits = _minimal_literals(rx)
    if lits is not None and not any(_contains(text, w) for w in lits):
        return False
    if not all(_contains(text, r) for r in required_runs(rx)):
        return False
    head = _head_backwards(rx)
    if head is None:
        return True
    # a match ends its head at the end of an occurrence of one of the words: try the head
    # backwards from each (a handful of anchored matches instead of a scan of the text)
    rev, words = head
    for w in words:
        k = text.find(w)
        while k >= 0:
            if rev.match(text, 0, k + len(w)) is not None:
                return True
            k = text.find(w, k + 1)
    return False


# constructs that make a head matched backwards up to a cut-off end differ from the forward match:
# look-aheads and boundaries see past the end, atomic groups and possessive repeats do not
# backtrack the same way in both directions, a backreference is met before its group when
# matching backwards, branch resets/conditionals/\G/\K are not analysed, and fuzzy
# constraints are braces that are not plain counts; backtracking verbs ((*PRUNE), (*SKIP),
# (*COMMIT) …) cut the search differently when it runs backwards
_HEAD_UNSAFE = ("(?=", "(?!", "(?>", "(?|", "(?(", "(?P=", "(*", "++", "*+", "?+", "}+", "$", "\\b",
                "\\B", "\\m", "\\M", "\\Z", "\\z", "\\G", "\\K", "\\g", "(?r", "(?V",
                "(?f", "(?e", "(?b")
_FUZZY_OR_ODD_BRACE = regex.compile(r"\{(?!\d*(?:,\d*)?\})|\\[1-9]")


@functools.cache
def _head_backwards(rx: regex.Pattern[str]) -> tuple[regex.Pattern[str], tuple[str, ...]] | None:
    """The pattern's source up to the end of the group ``required_literals`` reads (every match
    of ``rx`` begins with a match of this head, which ends where an occurrence of one of the
    words ends), compiled to match backwards (``regex.REVERSE``: ``match(text, 0, e)`` finds a
    head match ending exactly at ``e``), with the words. None when unknown or unsafe (see
    ``_HEAD_UNSAFE``; flags other than the defaults)."""
    group = _literal_group(rx)
    if group is None or rx.flags & ~(regex.UNICODE | regex.VERSION0 | regex.DOTALL | regex.MULTILINE):
        return None
    words, close = group
    head = rx.pattern[:close + 1]
    if any(tok in head for tok in _HEAD_UNSAFE) or _FUZZY_OR_ODD_BRACE.search(head):
        return None
    try:
        rev = regex.compile(head, rx.flags | regex.REVERSE)
    except regex.error:
        return None
    return rev, words


# --- \d read as [0-9] on texts without other digits ---------------------------------------------

_VERBOSE_INLINE = regex.compile(r"\(\?[a-zA-Z^-]*x")
# a global flag group: regex applies one met after the start from there on only, yet reports it
# in the pattern's flags, with which the variant is compiled (for the whole pattern)
_GLOBAL_FLAGS = regex.compile(r"\(\?[a-zA-Z0-9-]+\)")


@functools.cache
def ascii_digit_variant(rx: regex.Pattern[str]) -> regex.Pattern[str] | None:
    """``rx`` with every ``\\d`` written ``[0-9]`` (``0-9`` inside a class) and every ``\\D`` outside
    a class ``[^0-9]``: on a text whose only decimal digits are 0-9 (``only_ascii_digits``) it
    has exactly the matches of ``rx``, found several times faster (regex tests ``\\d`` with a
    Unicode property lookup at every position it tries, a range with two comparisons). None when
    the pattern has no ``\\d`` or is not analysed: verbose, V1 (nested sets), ``\\Q`` quoting, a
    ``(?#`` comment, a global flag group after the start, a ``[`` inside a class, ``\\D`` inside
    a class, ``\\d`` after a ``-`` in a class (``[+-\\d]``)."""
    if rx.flags & (regex.VERBOSE | regex.V1):
        return None
    src = rx.pattern
    if "\\Q" in src or "(?#" in src or _VERBOSE_INLINE.search(src) or _GLOBAL_FLAGS.search(src, 1):
        return None   # (a comment's text is not scanned as pattern: a '[' in it would open a class)
    out: list[str] = []
    i, n = 0, len(src)
    in_class = False
    first = -1          # index of a class's first character (a ']' there is a literal)
    changed = False
    while i < n:
        c = src[i]
        if c == "\\":
            esc = src[i:i + 2]
            if esc == "\\d":
                if in_class and out[-1] == "-" and i - 1 != first:
                    return None   # [+-\d] is '+', '-' and the digits; [+-0-9] a range '+'..'0'
                out.append("0-9" if in_class else "[0-9]")
                changed = True
            elif esc == "\\D":
                if in_class:
                    return None
                out.append("[^0-9]")
                changed = True
            else:
                out.append(esc)
            i += 2
            continue
        if in_class:
            if c == "[":
                return None
            if c == "]" and i != first:
                in_class = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            j = i + 1
            if src[j:j + 1] == "^":
                j += 1
            in_class, first = True, j
            out.append(src[i:j])
            i = j
            continue
        out.append(c)
        i += 1
    if not changed or in_class or _digit_led_alternation(src):
        return None
    try:
        variant = compile_regex("".join(out), rx.flags)
    except regex.error:
        return None
    if variant.groups != rx.groups or variant.groupindex != rx.groupindex:
        return None
    return variant


_OPENER = regex.compile(r"\((?:\?(?:P?<\w+>|[:>|]|(?P<zero><?[=!])))?")


def _digit_led_alternation(src: str) -> bool:
    """Whether an alternation of ``src`` (top level or a group's) has a branch whose first item
    is ``\\d`` (directly or through groups): regex finds such a branch fast when it starts with
    ``\\d`` but several times slower than the original when it starts with ``[0-9]``
    (``(?P<year>[0-9]{4})…|(?P<year2>[0-9]{4})…``: 11 → 62 ms a corpus), so the variant is not
    made for it. Only the speed depends on this."""
    found = False

    def group(i: int) -> tuple[bool, int]:
        """Parse branches from ``i`` to the group's ``)`` (or the end): (any branch led by ``\\d``,
        index after the group)."""
        nonlocal found
        led: list[bool] = []
        first, cur = True, False
        n = len(src)
        while i < n:
            c = src[i]
            if c == "\\":
                if first:
                    cur, first = src[i:i + 2] == "\\d", False
                i += 2
            elif c == "[":
                j = _class_end(src, i)
                if first:
                    cur, first = "\\d" in src[i:j], False
                i = j
            elif c == "(":
                m = _OPENER.match(src, i)
                inner, i = group(m.end())
                if first and not m.group("zero"):   # (a look-around consumes nothing)
                    cur, first = inner, False
            elif c == ")":
                i += 1
                break
            elif c == "|":
                led.append(cur)
                first, cur = True, False
                i += 1
            else:
                if first and c not in "^$":
                    first = False
                i += 1
        led.append(cur)
        if len(led) > 1 and any(led):
            found = True
        return any(led), i

    group(0)
    return found


@functools.cache
def _digit_rows() -> tuple[tuple[int, str | None], ...]:
    """What ``only_ascii_digits`` looks for: each row (code point >> 8, a UTF-16 high byte) of
    the BMP holding a digit other than 0-9, with that row's digits, and the surrogate rows
    with None: those stand for characters beyond the BMP (or lone surrogates) and count as
    holding digits. The digits are the characters regex's own ``\\d`` matches (its Unicode
    version, not Python's)."""
    bmp = "".join(map(chr, range(0x80, 0xD800))) + "".join(map(chr, range(0xE000, 0x10000)))
    by_row: dict[int, list[str]] = {}
    for ch in regex.findall(r"\d", bmp):
        by_row.setdefault(ord(ch) >> 8, []).append(ch)
    rows: list[tuple[int, str | None]] = [(r, "".join(cs)) for r, cs in by_row.items()]
    rows.extend((r, None) for r in range(0xD8, 0xE0))
    return tuple(rows)


def only_ascii_digits(text: str) -> bool:
    """True when every character of ``text`` that regex's ``\\d`` matches is one of 0-9 (then
    ``ascii_digit_variant`` may stand for a pattern). Found from the rows of the characters'
    code points (the UTF-16 high bytes): a row holding other digits is sought in them with
    ``in`` (memchr, ~30 rows), and only a row present has its digits sought in the text, each
    by ``in`` (a Chinese report has one such row at most, the full-width forms' ０-９, present
    through its punctuation ，：（）). Both in C without a pass per character in Python and
    without a copy of the rows cut down first (a ``translate`` of them cost ~16 M instructions
    a corpus pass, a regex search of ０-９ ~5 M more than the ``in`` tests). A character beyond
    the BMP (a surrogate row) answers False without a closer look."""
    rows = text.encode("utf-16-be", "surrogatepass")[0::2]
    for r, digits in _digit_rows():
        if r in rows and (digits is None or any(map(text.__contains__, digits))):
            return False
    return True


class LiteralSpots:
    """Where the required literal words of some patterns (``required_literals``) occur in one
    text. Every match of any of the patterns holds one of its words, so a window of the text
    without a whole occurrence cannot hold a match: ``windows_holding`` finds the few windows
    worth a regex search with a few bisects per occurrence, instead of one search per window.
    ``build`` gives None when a pattern's words are unknown."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self._spans = spans  # (start, end) of every occurrence, overlapping ones too

    @classmethod
    def build(cls, patterns: tuple[regex.Pattern[str], ...], text: str) -> LiteralSpots | None:
        words: list[str] = []
        for rx in patterns:
            ws = _minimal_literals(rx)
            if ws is None:
                return None
            words.extend(ws)
        return cls(word_spans(tuple(words), text))

    def windows_holding(self, starts: list[int], ends: list[int]) -> list[int]:
        """The positions i, ascending, of the windows ``[starts[i], ends[i])`` that hold a whole
        occurrence. A window holding the occurrence [s, e) starts at or before s and, being at
        most ``width`` long, at or after e − width: only those are looked at."""
        if not self._spans or not starts:
            return []
        width = max(map(operator.sub, ends, starts))
        order = sorted(range(len(starts)), key=starts.__getitem__)
        keys = [starts[i] for i in order]
        hit: set[int] = set()
        for s, e in self._spans:
            for j in order[bisect.bisect_left(keys, e - width):bisect.bisect_right(keys, s)]:
                if ends[j] >= e:
                    hit.add(j)
        return sorted(hit)


def _contains(text: str, w: str) -> bool:
    """``w in text``; a word whose last character is absent is ruled out by a one-character
    search first (several times faster than a search for a two-character CJK word)."""
    if len(w) > 1 and w[-1] not in text:
        return False
    return w in text


_ZERO_WIDTH_OPENERS = ("(?<=", "(?<!", "(?=", "(?!")
_GROUP_OPENER = regex.compile(r"\((?:\?P<\w+>|\?:)?")


def _parens(src: str, i: int = 0) -> Iterator[tuple[int, str]]:
    """Index and character of each ``(``, ``)`` and ``|`` of the source from ``i`` on, escapes and
    character classes skipped (the walks over a pattern's groups and top-level branches)."""
    n = len(src)
    while i < n:
        ch = src[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _class_end(src, i)
            continue
        if ch in "()|":
            yield i, ch
        i += 1


def _group_end(src: str, i: int) -> int | None:
    """Index just past the group that opens at ``src[i] == "("`` (escapes and classes skipped)."""
    depth = 0
    for k, ch in _parens(src, i):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return k + 1
    return None


@functools.cache
def leading_literals(rx: regex.Pattern[str]) -> tuple[str, ...] | None:
    """Literal words one of which every match of ``rx`` starts with, or None if unknown.

    Known when the first item after any zero-width lookarounds is a mandatory group holding a
    plain alternation of literal words (``(?<![最附靠邻])(?P<left>将近|接近|近|…)…``, ``(?P<cue>村道|…)…``)
    and the pattern has no top-level ``|``. Flags that change how a match is found (reverse,
    fuzzy best match, POSIX leftmost-longest) and ``\\G`` make it unknown."""
    if rx.flags & (regex.IGNORECASE | regex.VERBOSE | regex.FULLCASE | regex.V1 | regex.REVERSE
                   | regex.BESTMATCH | regex.ENHANCEMATCH | regex.POSIX):
        return None
    src = rx.pattern
    if "\\G" in src or required_literals(rx) is None:
        return None  # (required_literals also rejects a top-level | and unbalanced groups)
    i = 0
    while src.startswith(_ZERO_WIDTH_OPENERS, i):
        j = _group_end(src, i)
        if j is None:
            return None
        i = j
    m = _GROUP_OPENER.match(src, i)
    if m is None or m.end() == i:
        return None
    j = _group_end(src, i)
    if j is None or src[j:j + 1] in ("?", "*", "{", "+"):
        return None
    words = src[m.end():j - 1].split("|")
    if not all(w and not (set(w) & _META) for w in words):
        return None
    return tuple(words)


def iter_matches(rx: regex.Pattern[str], text: str) -> Iterator[regex.Match[str]]:
    """``rx.finditer(text)``, found faster when every match starts with one of a few literal words
    (``leading_literals``): the words are located with ``str.find`` and ``rx`` is only tried
    there, left to right, skipping candidates inside the previous match — the same matches as
    the scan (a match can start nowhere else, and lookbehinds still see the text before)."""
    lits = leading_literals(rx)
    if lits is None:
        yield from rx.finditer(text)
        return
    starts = word_starts(lits, text)
    end = 0
    match = rx.match
    for p in starts:
        if p < end:
            continue
        m = match(text, p)
        if m is not None:
            yield m
            end = max(m.end(), p + 1)



def word_starts(words: tuple[str, ...], text: str) -> list[int]:
    """The start of every occurrence of any of ``words`` in ``text`` (overlapping ones too),
    ascending and distinct: what ``text.find`` of each word in turn would find."""
    return sorted({a for a, _ in word_spans(words, text)})


def word_spans(words: tuple[str, ...], text: str) -> list[tuple[int, int]]:
    """(start, end) of every occurrence of each of ``words`` in ``text``, overlapping ones too,
    in no particular order (a word given twice counts once).

    Each word is found through one of its characters (a one-character search runs at memchr
    speed, several times faster than one for a two-character CJK word; each hit is then checked
    whole by ``startswith``), chosen by ``_probes`` so that few hits need checking: for
    比例/之比/比为/比是/比值 the one 比 instead of the common 为 and 是 the words end with."""
    out: list[tuple[int, int]] = []
    find, at = text.find, text.startswith
    for c, ws in _plan(words, text).items():
        k = find(c)
        while k >= 0:
            for w, j in ws:
                s = k - j
                if s >= 0 and at(w, s):
                    out.append((s, s + len(w)))
            k = find(c, k + 1)
    return out


SAMPLE = 2048  # characters of a text whose counts stand for its character frequencies
LEARN = 8      # texts whose samples a word set's choice of characters is made from

# word set -> [texts sampled, summed counts (``_chars`` order), the choice once LEARN are in]
_LEARNED: dict[tuple[str, ...], list[Any]] = {}


def _plan(words: tuple[str, ...], text: str) -> dict[str, list[tuple[str, int]]]:
    """``_probes`` from the character counts of the first ``LEARN`` texts the words are sought
    in (a middle slice of each, ``_sample_counts``), then fixed for the process: the reports'
    wording decides which characters are rare (村 is common in them, 依 is not) and it does not
    change from report to report, so later texts pay no counting. Only the speed depends on
    the choice: every choice finds every occurrence."""
    st = _LEARNED.get(words)
    if st is None:
        st = _LEARNED[words] = [0, (0,) * len(_chars(words)), None]
    if st[2] is not None:
        return st[2]
    st[0] += 1
    st[1] = tuple(map(operator.add, st[1], _sample_counts(words, text)))
    plan = _probes(words, st[1])
    if st[0] >= LEARN:
        st[2] = plan
    return plan


def _sample_counts(words: tuple[str, ...], text: str) -> tuple[int, ...]:
    """How often each character of the words (``_chars`` order) occurs in a middle slice of the
    text: a cheap estimate of how many hits a search for it will have (a whole-text count
    costs as much as the search itself)."""
    mid = max(0, len(text) // 2 - SAMPLE // 2)
    sample = text[mid:mid + SAMPLE]
    return tuple(map(sample.count, _chars(words)))


@functools.cache
def _chars(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({c for w in words for c in w}))


@functools.lru_cache(maxsize=1024)
def _probes(words: tuple[str, ...], counts: tuple[int, ...]) -> dict[str, list[tuple[str, int]]]:
    """For each chosen character, the words found through it with its offset in each word.

    Every word gets one of its own characters (each occurrence of the word then puts that
    character at a known offset from the occurrence's start, so it is found): a greedy weighted
    set cover, the character whose estimated hits (``counts``, one per ``_chars``; plus one, so
    that an unseen character is not free) per word it newly covers are fewest first (one
    search serves all the words it covers). Only the speed depends on the choice."""
    weight = dict(zip(_chars(words), counts))
    todo = [w for w in dict.fromkeys(words) if w]
    out: dict[str, list[tuple[str, int]]] = {}
    while todo:
        best = min(sorted({c for w in todo for c in w}),
                   key=lambda c: (weight[c] + 1) / sum(1 for w in todo if c in w))
        out.setdefault(best, []).extend((w, w.index(best)) for w in todo if best in w)
        todo = [w for w in todo if best not in w]
    return out

"""ruleset.quicker_twin: a number rule's re twin with each optional item that is not a single
character written as an alternation of the item and nothing (re's REPEAT/MAX_UNTIL, which
allocates a counter per try, becomes a BRANCH). The engine matches the rules with it.

Checked here: the shipped rules get it and it matches as regex's rule and as the plain twin at
every position of generated numeral text; for random patterns (optional groups greedy, lazy and
possessive, captures, nested alternations, lookarounds) it matches as regex at every position;
the order of the two ways matters and is kept (greedy: the item first; lazy: nothing first); a
source that re would read back as other code is refused (the twin is kept); the rewritten
source survives the rule set cache (filed as its source's code).

Its alternations are also regrouped by their ways' first characters (_regroup_alternations):
ways that share a first character keep their order (a wrong order is caught), ways whose
first characters are not known, or that set a group mark before them, are left as they are,
and random alternations and the shipped twins on the corpus match as regex."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import regex
from hypothesis import example, given, settings, strategies as st

from extractor.facts import ruleset
from extractor.facts.ruleset import (_re_pattern, _sre_args, _sre_stamp, load_ruleset,
                                     quicker_twin, re_twin)

from .matching import assert_matches_alike, same_match as _same

RS = load_ruleset()
PIECES = list("0123456789０１２３,，.．%％‰-—~至到与和之间约近逾超过余多几来万亿千百十拾佰仟"
              "一二两三五九零〇点半个家人次元美吨年月 \u3000（）()、。；\n第kw") + [
    "百分之", "个百分点", "1,234", "12,345.67", "0.5", "3000万", "1.63亿", "十几", "好几", "上百",
    "两三", "以上", "左右", "人民币", "万元", "亿元", "余人", "多家", "人次", "平方米", "吨半"]


def _plain_twin(p):
    return re_twin(p.compiled)


def test_the_shipped_twins_are_rewritten() -> None:
    """Every rule with a twin has one with its optional groups as alternations (count.main,
    money.main, … all have optional qualifier groups)."""
    twinned = [p for p in RS.patterns if p.twin is not None]
    assert {"count.main", "money.main", "quantity.main", "percent.arabic"} <= {
        p.id for p in twinned}
    for p in twinned:
        plain = _plain_twin(p)
        assert plain is not None and p.twin.pattern != plain.pattern, p.id
        assert p.twin.flags == plain.flags and p.twin.groupindex == plain.groupindex


def test_shipped_twins_match_as_regex_on_generated_text() -> None:
    rnd = random.Random(20261128)
    twinned = [(p, _plain_twin(p)) for p in RS.patterns if p.twin is not None]
    for _ in range(300):
        text = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(3, 14)))
        for p, plain in twinned:
            for q in range(len(text) + 1):
                want = p.compiled.match(text, q)
                assert _same(want, p.twin.match(text, q)), (p.id, text, q)
                assert _same(want, plain.match(text, q)), (p.id, text, q)


@pytest.mark.parametrize("src, text", [
    (r"(?P<x>a)?a", "aa"),                 # greedy: the item first ('aa', x='a')
    (r"(?P<x>a)??a", "aa"),                # lazy: nothing first ('a', x=None)
    (r"(?:(?P<x>a)|ab)?b", "ab"),          # the item's own ways before nothing
    (r"(?:(?P<x>ab)?)+c", "ababc"),
    (r"(?P<x>a(?P<y>b)?)?(?P<z>b)", "ab"),
    (r"(?=(?P<x>ab)?a)a", "ab"),
    (r"(?>(?P<x>a)?)a", "a"),              # atomic: the item kept, no backtracking into nothing
])
def test_the_order_of_the_two_ways_is_kept(src: str, text: str) -> None:
    rx = regex.compile(src)
    twin = re_twin(rx)
    quick = quicker_twin(twin)
    assert quick is not twin                          # (rewritten, else it proves nothing)
    for q in range(len(text) + 1):
        assert _same(rx.match(text, q), quick.match(text, q)), (src, q)
        assert [m.span() for m in quick.finditer(text)] == [m.span() for m in rx.finditer(text)]


def test_a_source_read_back_as_other_code_is_refused(monkeypatch) -> None:
    """The writer is checked: a source whose code is not the rewritten parse's keeps the twin
    (here a writer that drops the second way of every alternation: (?P<x>a)? becomes (?P<x>a))."""
    twin = re_twin(regex.compile(r"(?P<x>a)?b"))
    assert quicker_twin(twin) is not twin
    real = ruleset._unparse

    def wrong(items, names):
        return real(items, names).replace("|)", ")")
    monkeypatch.setattr(ruleset, "_unparse", wrong)
    assert quicker_twin(twin) is twin


def test_nothing_to_rewrite_keeps_the_twin() -> None:
    for src in (r"[0-9]+元", r"a?b", r"(?:a)?b", r"[ab]?c", r"(?:ab)*c", r"(?:ab)?+c"):
        twin = re_twin(regex.compile(src))
        assert quicker_twin(twin) is twin, src
    assert quicker_twin(None) is None


def test_the_rewritten_twin_survives_the_cache() -> None:
    """The cached rule set files a re pattern as its source's code (_sre_args) and rebuilds it
    (_re_pattern): the rewritten source, and its code, come back."""
    p = next(p for p in RS.patterns if p.id == "count.main")
    again = _re_pattern(_sre_stamp(), _sre_args(p.twin))
    assert again.pattern == p.twin.pattern and again.flags == p.twin.flags
    assert _sre_args(again) == _sre_args(p.twin)
    text = "共有近35家企业、1.2万人次，三到五个"
    for q in range(len(text) + 1):
        assert _same(again.match(text, q), p.compiled.match(text, q))


_ATOMS = st.sampled_from(["a", "b", "1", ",", "[ab]", "[^a]", ".", "^", "$", r"\A", r"\Z",
                          "(?<=a)", "(?<!b)", " ", "#", "\u3000", "万", "[0-9a]"])


def _wrap(inner: st.SearchStrategy) -> st.SearchStrategy:
    group = st.tuples(st.sampled_from(["(", "(?:", "(?P<g{}>", "(?>", "(?=", "(?!", "(?s:"]),
                      st.lists(inner, min_size=1, max_size=3),
                      st.lists(inner, max_size=2)).map(
        lambda t: t[0] + "".join(t[1]) + ("|" + "".join(t[2]) if t[2] else "") + ")")
    return st.tuples(group, st.sampled_from(["?", "?", "?", "", "*", "+", "{0,1}", "{1,2}"]),
                     st.sampled_from(["", "", "?", "+"])).map(
        lambda t: t[0] + (t[1] + t[2] if t[1] else ""))


def _named(src: str) -> str:
    """Number the placeholder group names (g{} → g1, g2, …) so that none repeats."""
    out, k = [], 0
    for piece in src.split("{}"):
        out.append(piece)
        k += 1
        out.append(str(k))
    return "".join(out[:-1])


@settings(max_examples=500, deadline=None)
@given(st.booleans(), st.lists(st.recursive(_ATOMS, _wrap, max_leaves=8), min_size=1, max_size=4),
       st.lists(st.text("ab1, 万", max_size=6), min_size=1, max_size=4))
@example(False, ["(?:(?P<g{}>a)|ab)?", "b"], ["ab"])
@example(False, ["(?P<g{}>a)??", "a"], ["aa"])
def test_any_quicker_twin_matches_as_regex(verbose: bool, parts: list[str],
                                           texts: list[str]) -> None:
    src = ("(?x)" if verbose else "") + _named("".join(parts))
    try:
        rx = regex.compile(src)
    except regex.error:
        return
    twin = re_twin(rx)
    quick = quicker_twin(twin)
    if quick is None:
        return
    assert re.compile(quick.pattern, quick.flags).groupindex == rx.groupindex
    assert_matches_alike(rx, quick, texts, src, quick.pattern)


# ----------------------------------------------------------------------------- regrouping
@pytest.mark.parametrize("src, text", [
    (r"(?P<x>ab|a|c)b", "abb"),            # ab before a (they share a): x='ab', not 'a'
    (r"(?P<x>a|ab|c)b", "abb"),            # and a before ab: x='a'
    (r"(?:个次|个|家|项|人(?!口)|人次)(?P<y>次)?", "个次人次人口家"),
    (r"(?:(?=a.)ab|a|b|c)(?P<x>c)?", "abcac"),   # a lookahead before the first character
    (r"(?:(?<=b)a|b|c|ab)+", "babcab"),    # a lookbehind first; ab after it in its cluster
    (r"(?:[ab]x|a|c|d)y", "axyay"),        # a set and a literal that meet: one cluster, in order
])
def test_regrouped_alternations_keep_the_order_of_ways_that_share_a_first_character(
        src: str, text: str) -> None:
    rx = regex.compile(src)
    quick = quicker_twin(re_twin(rx))
    grouped, changed = ruleset._regroup_alternations(re._parser.parse(src))
    assert changed                                    # (regrouped, else it proves nothing)
    assert_matches_alike(rx, quick, [text, text[::-1], text + text], src, quick.pattern)


def test_a_regrouped_unit_alternation_is_one_set_and_its_clusters() -> None:
    """The ways that are one character and share it with no other way become one set, tried
    first; a cluster of ways that begin with the same literal is that literal and the rests."""
    src = "(?:个次|家|人次|个|项|人(?!口))"
    tree, changed = ruleset._regroup_alternations(re._parser.parse(src))
    assert changed
    assert ruleset._unparse(tree, {}) == (
        "(?:[\\u5bb6\\u9879]|\\u4e2a(?:\\u6b21|)|\\u4eba(?:\\u6b21|(?!\\u53e3)))")


@pytest.mark.parametrize("src", [
    r"(?:(?P<x>a)|b|c)",                   # a group mark before the first character
    r"(?:a|b|)",                           # a way that takes no character
    r"(?:[^a]|b|c)", r"(?:.|b|c)",         # first characters unknown
    r"(?:(?=(?P<x>a))a|b|c)",              # a lookahead that sets a mark
    r"(?:(?=a)(?P<x>a)|b|c)",              # a mark after the lookahead, before the character
    r"(?:a|b)",                            # two ways: nothing to gain
])
def test_alternations_not_regrouped(src: str) -> None:
    _, changed = ruleset._regroup_alternations(re._parser.parse(src))
    assert not changed, src


def test_shipped_twins_are_regrouped_and_match_as_regex_on_corpus_text() -> None:
    """Every shipped twin with an alternation to regroup (the units, the qualifiers) is
    regrouped, and matches as the rule's regex at every numeral start of the corpus reports."""
    regrouped = []
    for p in RS.patterns:
        if p.twin is None:
            continue
        _, changed = ruleset._regroup_alternations(re._parser.parse(p.twin.pattern, p.twin.flags))
        assert not changed, p.id                      # (its twin already is)
        if ruleset._regroup_alternations(re._parser.parse(_plain_twin(p).pattern,
                                                             p.twin.flags))[1]:
            regrouped.append(p.id)
    assert {"count.main", "money.main", "quantity.main"} <= set(regrouped)
    corpus = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "raw"
    if not corpus.is_dir():
        pytest.skip("no corpus")
    starts = re.compile(r"[0-9０-９〇零一壹二贰貳两俩三叁參仨四肆五伍六陆陸七柒八捌九玖十拾百佰千仟万萬亿億"
                        r"约近逾超过多余人民币百分之从不低大将小少接最未突至高\-]")
    for path in sorted(corpus.iterdir())[5::20]:     # (test_re_twin takes [::10])
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in starts.finditer(text):
            q = m.start()
            for p in RS.patterns:
                if p.twin is not None:
                    assert _same(p.compiled.match(text, q), p.twin.match(text, q)), (p.id, q)


_WAYS = st.lists(st.sampled_from(["a", "b", "c", "ab", "ba", "[ab]", "[bc]", "(?=a)", "(?!b)",
                                  "(?<=a)", "(?P<g{}>a)", "(?P<g{}>b)c", "(?:a|b)", "a?", "b+",
                                  "(?:ab)+", "1", "[0-9]"]),
                 min_size=1, max_size=3).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(_WAYS, min_size=3, max_size=6), st.sampled_from(["", "?", "+", "*"]),
       st.sampled_from(["", "b", "a", "(?P<t{}>b)?c"]),
       st.lists(st.text("abc1", max_size=6), min_size=1, max_size=4))
@example(["ab", "a", "c"], "", "b", ["abb"])
def test_any_regrouped_alternation_matches_as_regex(ways: list[str], rep: str, tail: str,
                                                    texts: list[str]) -> None:
    src = _named("(?:" + "|".join(ways) + ")" + rep + tail)
    try:
        rx = regex.compile(src)
    except regex.error:
        return
    quick = quicker_twin(re_twin(rx))
    if quick is None:
        return
    assert_matches_alike(rx, quick, texts, src, quick.pattern)


def test_a_long_word_alternation_is_regrouped_in_time_linear_in_its_ways(monkeypatch) -> None:
    """A user rule may expand a lexicon of thousands of words into one alternation: its ways
    are clustered by first character through a map of characters, not by comparing every pair
    of ways (6,000 words: ~18 M pair tests, ~10 s at load; with the map well under a second)."""
    rnd = random.Random(7)
    words = list(dict.fromkeys("".join(chr(0x4E00 + rnd.randrange(300))
                                       for _ in range(rnd.randint(2, 5))) for _ in range(6000)))
    rx = regex.compile("(?P<n1>[0-9]+)(?:" + "|".join(words) + ")")
    twin = re_twin(rx)
    calls = 0
    real = frozenset.isdisjoint

    class Counted(frozenset):
        def isdisjoint(self, other):
            nonlocal calls
            calls += 1
            return real(self, other)
    firsts = ruleset._first_chars_of

    def counted_firsts(items):
        got = firsts(items)
        return None if got is None else Counted(got)
    monkeypatch.setattr(ruleset, "_first_chars_of", counted_firsts)
    quick = quicker_twin(twin)
    assert quick is not twin
    assert calls < 10 * len(words), calls
    for w in words[:200]:
        assert _same(quick.match("12" + w + "x"), twin.match("12" + w + "x")), w


def test_a_case_blind_pattern_is_not_regrouped() -> None:
    """Ways whose first characters differ only in case meet under IGNORECASE (re_twin refuses
    the flag today, but quicker_twin takes any re pattern): X and x are one first character,
    so xy|X|z must not become [Xz]|xy (which takes 'x' of 'xy')."""
    for src in (r"(?i)(?:xy|X|z)", r"(?i:xy|X|z)", r"(?:(?i:x)y|X|z)"):
        twin = re.compile(src)
        quick = quicker_twin(twin)
        for text in ("xy", "Xy", "XY", "z"):
            assert _same(twin.match(text), quick.match(text)), (src, quick.pattern, text)

"""The speed-only lookaheads of rules/fragments.yaml change no match.

NUM_ARABIC tries its four group forms only where 1-3 digits and a comma are written, and the
repeat of NUM_CORE stops at once where no item can begin (NUM_FIRST). Both are compared here
with the fragments as they were written before (no lookahead) on numerals, group commas,
decimal points, powers, units that begin with 千 and the letters around them, as the number
rules use them: anchored matches at every position, with every group's span."""
from __future__ import annotations

import regex
from hypothesis import example, given, settings, strategies as st

from extractor.facts.ruleset import _expand, first_chars, load_ruleset

RS = load_ruleset()

#: the fragments before the lookaheads (session 6)
_BEFORE = {
    "NUM_ARABIC": """(?:{D}{1,3}(?:[,，]{D}{3})++[.．]{D}++
    |{D}{1,3}(?:[,，]{D}{3}){2,}+(?!{D})
    |{D}{1,3}[,，]0{D}{2}(?!{D})
    |{D}{1,3}(?:,{D}{3})++(?!{D})(?:[.．]{D}++)?
    |{D}++(?:[.．]{D}++)?)""",
    "NUM_CORE": "(?:{NUM_ARABIC}|{CN_DIGIT}|[十拾]|(?<=[近逾超约过])[百千万])"
                "(?:{NUM_ARABIC}|{CN_DIGIT}|{CN_POW})*+(?:点{CN_DIGIT}++)?",
}


def _compiled(frags: dict[str, str], src: str):
    return regex.compile("(?x)" + _expand(src, frags, "test"))


# a number as the rules use it: with a scale and a unit after it, or alone
_SHAPES = ["(?P<n1>{NUM})", "(?P<n1>{NUM})(?P<s1>{SCALE_BIG})?(?P<u>{UNIT_QTY}|{MEASURE_WORD})",
           "(?P<n1>{NUM})(?P<rsep>{RSEP})(?P<n2>{NUM})", "{NUM_ARABIC}"]
OLD = [_compiled({**RS.fragments, **_BEFORE}, s) for s in _SHAPES]
NEW = [_compiled(RS.fragments, s) for s in _SHAPES]
ALPHABET = list("0123456789０１２３９,，.．、 点零〇一二两三四五六七八九十拾百佰千仟万萬亿億"
                "近逾超约过米伏瓦克安时个人家元%-至到几数十来上余多Ak")


def _key(m):
    return None if m is None else [m.span(i) for i in range(m.re.groups + 1)]


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=30))
@example("9，970，000，000元")
@example("82，225.00元和20，300个")
@example("62，000万吨，1,234,567.89千瓦时")
@example("两万两千米，2023千伏，十亿3000万，一点五七")
@example("近百家，逾千人，1.2万人次，3万4000")
def test_the_lookaheads_change_no_match(text):
    for old, new in zip(OLD, NEW):
        for q in range(len(text)):
            assert _key(old.match(text, q)) == _key(new.match(text, q)), (old.pattern, text, q)


def test_num_first_is_what_the_repeated_items_begin_with():
    f = RS.fragments
    items = _expand("(?:{NUM_ARABIC}|{CN_DIGIT}|{CN_POW})", f, "test")
    guard = _expand("{NUM_FIRST}", f, "test")
    # (first_chars reads no verbose whitespace: drop the layout of NUM_ARABIC)
    items = regex.sub(r"\s+", "", items)
    assert first_chars(items) is not None and first_chars(items) == first_chars(guard)

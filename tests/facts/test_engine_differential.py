"""Differential fuzz of two shortcuts of the number engine against the paths they stand for.

- numerals: ``parse_numeral`` (with its Arabic digits + big powers shortcut, _arabic_then_big)
  against the general reading (_parse_general after the same translation), value AND exponent
  (str and as_tuple of the Decimals), decimals, bounds and form, or the same ValueError; over
  strings that reach the shortcut's form after translation (full-width digits, group commas,
  blanks, leading zeros, long digit runs) and near misses (亿万, 万万, 5.万, prefixes).
- ruleset._literal_twin: where it makes a ``re`` twin of a regex, both find the same matches
  (search and finditer, with pos/endpos) on texts made of overlapping words (中国/中国人),
  regex metacharacters, characters whose case folding differs (K/Kelvin sign, ß, İ, ſ, Σ/ς);
  no twin where a flag changes what a word matches (IGNORECASE, V1's FULLCASE, VERBOSE).
"""
from __future__ import annotations

import re

import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from extractor.facts.ruleset import _alt, _literal_twin
from extractor.numerals import _PLAIN, _PLAIN_FORM, _parse_general, numeral_tables, parse_numeral


def _written(n) -> tuple:
    return (str(n.value), n.value.as_tuple(), str(n.low), str(n.high), n.decimals, n.high_open,
            n.form)


def _general(s: str):
    """parse_numeral without the Arabic + big powers shortcut (its code before the shortcut)."""
    s = s.translate(_PLAIN_FORM)
    if not s:
        raise ValueError("empty numeral")
    if _PLAIN.fullmatch(s):
        return parse_numeral.__wrapped__(s)      # (the plain fast path, unchanged)
    return _parse_general(s, numeral_tables())


def _outcome(f, s):
    try:
        return _written(f(s))
    except ValueError:
        return "ValueError"


_FULL = str.maketrans("0123456789.", "０１２３４５６７８９．")


@st.composite
def _arabic_powers(draw) -> str:
    digits = draw(st.text("0123456789", min_size=1, max_size=draw(st.sampled_from([3, 12, 40]))))
    if draw(st.booleans()):
        digits += draw(st.sampled_from([".", "．"])) + draw(st.text("0123456789", max_size=12))
    s = digits + draw(st.text("万萬亿億", min_size=1, max_size=3))
    if draw(st.booleans()):
        s = "".join(c.translate(_FULL) if draw(st.booleans()) else c for c in s)
    for _ in range(draw(st.integers(0, 2))):
        k = draw(st.integers(0, len(s)))
        s = s[:k] + draw(st.sampled_from([",", "，", " ", "\u3000", ".", "千", "点", "零"])) + s[k:]
    if draw(st.integers(0, 9)) == 0:
        s = draw(st.sampled_from(["几", "数", "上", "约", "超", "好几"])) + s
    return s


@settings(max_examples=1500, deadline=None)
@given(_arabic_powers())
@example("1.630亿")
@example("0.5万")
@example("007万")
@example("００７万")
@example("1,234万")
@example("1，234.50万")
@example("3亿万")
@example("2.38万亿")
@example("2.38亿万")
@example("5万万")
@example("5.万")
@example(".5万")
@example("0万")
@example("0.000万亿")
@example("1e5万")
@example("1" * 60 + "万亿")
@example("9" * 29 + ".99" + "亿")
@example("0.1234567890123456789012345678901234亿")
def test_arabic_then_big_is_the_general_reading(s):
    assert _outcome(parse_numeral.__wrapped__, s) == _outcome(_general, s), s


_WORD_CHARS = (list("中国人民币") + list(".|\\()[]{}^$*+?-#& \n/")
               + ["\u212a", "K", "k", "ß", "ss", "İ", "i", "ſ", "s", "Σ", "σ", "ς", "\x00", "é",
                  "e\u0301", "\u2028", "😀", "0", "_"])
_words = st.lists(st.lists(st.sampled_from(_WORD_CHARS), min_size=1, max_size=4).map("".join),
                  min_size=1, max_size=6)


@settings(max_examples=1500, deadline=None)
@given(_words, st.sampled_from([0, 1, 2]), st.sampled_from([0, regex.MULTILINE, regex.DOTALL,
                                                            regex.IGNORECASE, regex.V1]),
       st.data())
@example(["中国", "中国人"], 1, 0, None)
@example(["\u212a", "k"], 0, regex.IGNORECASE, None)
def test_literal_twin_finds_what_the_regex_finds(words, form, flags, data):
    if form == 0:
        src = _alt(words)                    # as the rule set writes the phrases: longest first
    elif form == 1:                          # file order: a shorter word before a longer one
        src = "|".join(regex.escape(w) for w in words)
    else:
        src = "(?:" + "|".join(regex.escape(w) for w in words) + ")"
    rx = regex.compile(src, flags)
    twin = _literal_twin(rx)
    if flags & (regex.IGNORECASE | regex.V1):
        assert twin is rx                    # case folding (V1: full case folding) differs
    if twin is rx:
        return
    assert isinstance(twin, re.Pattern)
    texts = ["".join(words), "中国人民币中国人k\u212aßssİiſs", "x".join(words[::-1])]
    if data is not None:
        texts.append("".join(data.draw(st.lists(st.sampled_from(_WORD_CHARS + words), max_size=14))))
    for text in texts:
        for lo, hi in ((0, len(text)), (1, len(text) - 1), (2, len(text) + 3)):
            assert ([m.span() for m in twin.finditer(text, lo, hi)]
                    == [m.span() for m in rx.finditer(text, lo, hi)]), (src, text, lo, hi)
            a, b = twin.search(text, lo, hi), rx.search(text, lo, hi)
            assert (a and a.span()) == (b and b.span()), (src, text, lo, hi)

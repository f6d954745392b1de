"""The ASCII-digit variants of the whole-text scans (``config.ascii_digit_variant``) must find
exactly what the rule patterns find on every text ``only_ascii_digits`` lets them run on, and
``only_ascii_digits`` must be True exactly when regex's ``\\d`` matches nothing but 0-9."""
from __future__ import annotations

from pathlib import Path

import regex

from extractor.checks.config import (_digit_led_alternation, ascii_digit_variant, lexicon,
                                     only_ascii_digits, pattern)
from extractor.reading import read
from extractor.text import prepare

from .helpers import doc, year_tokens_both_ways

# every checks.yaml / lexicon pattern a whole text is scanned with, plus odd shapes
_RULES = [("duplicated_token", "pattern"), ("year_contamination", "token"), ("dates", "summary"),
          ("dates", "plan"), ("contradictory_qualifiers", "pattern")]


def _spans(rx: regex.Pattern[str], text: str) -> list[tuple]:
    return [(m.span(), m.groups()) for m in rx.finditer(text)]


def _plain(text: str) -> bool:
    return all(c in "0123456789" for c in regex.findall(r"\d", text))


def test_variant_spelling_and_refusals() -> None:
    v = ascii_digit_variant
    assert v(regex.compile(r"(?<![\d.])(?P<n>\d+)\D")).pattern == r"(?<![0-9.])(?P<n>[0-9]+)[^0-9]"
    assert v(regex.compile(r"[]\d]x")).pattern == r"[]0-9]x"          # ']' first is a literal
    assert v(regex.compile(r"[^]\d]x")).pattern == r"[^]0-9]x"
    assert v(regex.compile(r"\\d")) is None                             # a backslash, then d
    assert v(regex.compile(r"abc")) is None                             # nothing to change
    for refused in (r"[\D]", r"(?x)\d # c", r"[[:digit:]]\d", r"(?V1)[\d--5]",
                    r"a|\d", r"(?:\d|a)", r"(?P<y>\d{4})x|(?P<z>\d{4})y"):
        assert v(regex.compile(refused)) is None, refused
    # only the speed depends on the alternation test: a digit-led branch makes it refuse
    assert _digit_led_alternation(r"(?:(?P<x>\d)x|y)") and not _digit_led_alternation(r"(?=\d)a|b")
    assert ascii_digit_variant(pattern("dates", "plan")) is None
    assert ascii_digit_variant(pattern("duplicated_token", "pattern")) is not None


def test_variants_find_the_same_matches(corpus_files: list[Path], sample_path: Path) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    rules = [pattern(s, k) for s, k in _RULES]
    rules += [regex.compile(lexicon("magnitudes")[k]["pattern"]) for k in ("voltage_kv", "voltage_v", "village_road")]
    pairs = [(rx, ascii_digit_variant(rx)) for rx in rules]
    pairs = [(rx, va) for rx, va in pairs if va is not None]
    assert len(pairs) >= 4
    texts = [prepare(read(p)).clean.text for p in [sample_path, *corpus_files[:30]]]
    for text in texts:
        assert only_ascii_digits(text)
        for rx, va in pairs:
            assert _spans(va, text) == _spans(rx, text), rx.pattern

    alpha = "0123456789.,，年月日%万元亿千伏kV号国道总结工作 \u3000近余多约"

    @settings(max_examples=600, deadline=None)
    @given(st.text(alphabet=alpha, max_size=60))
    def same(text: str) -> None:
        for rx, va in pairs:
            assert _spans(va, text) == _spans(rx, text), (rx.pattern, text)

    same()


def test_only_ascii_digits_equals_the_regex_digits() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    others = [c for c in map(chr, range(0x80, 0x10000)) if regex.match(r"\d", c)]
    assert "\uff10" in others and "\u0660" in others
    near = "".join(chr(ord(c) + 10) for c in others[::7])   # same rows, not digits
    alpha = "0123456789年，。￥\u3000abc" + "".join(others[::5]) + near + "\U0001D7CE\U00020000"

    @settings(max_examples=800, deadline=None)
    @given(st.text(alphabet=alpha, max_size=40))
    def same(text: str) -> None:
        # beyond the BMP the answer may be False without a digit (not looked at): never True wrongly
        got = only_ascii_digits(text)
        if any(ord(c) > 0xFFFF for c in text):
            assert not got
        else:
            assert got == _plain(text), text

    same()
    assert only_ascii_digits("2023年￥5，１") is False and only_ascii_digits("2023年￥5") is True
    assert only_ascii_digits("\ud800 2023") is False     # a lone surrogate: not looked at
    assert only_ascii_digits("") is True


def test_checks_use_the_rule_pattern_when_other_digits_occur() -> None:
    """A document holding a full-width or Arabic-Indic digit is scanned with the rule patterns
    themselves: 2023年2023年 written in other digits is still found."""
    from extractor.checks import run_checks

    for text in ("报告期内２０２３年２０２３年完成投资5亿元。", "完成٢٠٢٣年٢٠٢٣年任务，投资5亿元。"):
        p = doc(text)
        assert not only_ascii_digits(p.clean.text)
        found = [a for a in run_checks(p, []) if a.code == "figure.duplicated_token"]
        assert [a.evidence for a in found] == [text[2:12] if text.startswith("完成") else text[4:14]], text


def test_variant_of_odd_sources_finds_the_same_matches() -> None:
    """A range ending at ``\\d`` inside a class (``[+-\\d]``: '+', '-' and the digits; written
    ``[+-0-9]`` it would be the range '+'..'0') and a comment holding ``[`` (``(?#[)``, which
    would open a class for the scan) and a global flag after the start (``a\\d(?i)a``: regex
    applies it from there on but reports it in ``flags``, which the variant is compiled with)
    are sources a user rule folder may hold: the variant, if made, must find what the pattern
    finds on ASCII-digit texts."""
    texts = ["+5 -7 ,/ .3 0-9] 5] a1!-9z] 12.5", "(?#[)5] 3-4 +0 /9", "x+1,2./3-", "A9a a9A A9B"]
    for src in (r"a\d(?i)a", r"A\d+(?s)(?i)b", r"[+-\d]+", r"[.-\d]+", r"[^/-\d]+", r"x[+-\d]",
                r"[\x30-\d]+", r"(?#[)\d]", r"(?#[)[^\d]+", r"a(?#[ )\d+"):
        rx = regex.compile(src)
        va = ascii_digit_variant(rx) or rx
        for text in texts:
            assert only_ascii_digits(text)
            assert _spans(va, text) == _spans(rx, text), (src, va.pattern, text)
    # what is still made: a hyphen first in the class is a literal, a range starting at \d reads the same
    assert ascii_digit_variant(regex.compile(r"[-\d]+")).pattern == r"[-0-9]+"
    assert ascii_digit_variant(regex.compile(r"[^\d-z]+")).pattern == r"[^0-9-z]+"


# session 8's duplicated_token pattern, before the lookahead that leads it was added (the reference)
_DUP_BEFORE = r"(?<![\d.])(?P<tok>\d+(?:\.\d+)?(?:年|月|日|%|万元|亿元|\p{Han}))(?P=tok)(?!\d)"
# the lookahead without the possessive fraction: rejects 1.5%1.5% (the mutation the texts must catch)
_DUP_WRONG = r"(?<![\d.])(?=\d++(?:%|万元|亿元|\p{Han})\d)" + _DUP_BEFORE[len(r"(?<![\d.])"):]


def test_duplicated_token_lookahead_keeps_every_match(corpus_files: list[Path], sample_path: Path) -> None:
    """The shipped pattern's leading lookahead (a speed-up) asserts only what every match needs:
    it finds exactly the matches, with the same groups, of the pattern without it, in both its
    regex and its ASCII-digit form, on the corpus and on texts made of digits (ASCII, full-width,
    Arabic-Indic), points, units, Han and other characters (a wrong lookahead fails here)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    new = pattern("duplicated_token", "pattern")
    assert new.pattern != _DUP_BEFORE and "(?=" in new.pattern
    old = regex.compile(_DUP_BEFORE)
    forms = [(old, new), (ascii_digit_variant(old), ascii_digit_variant(new))]
    assert all(a is not None and b is not None for a, b in forms)
    wrong = regex.compile(_DUP_WRONG)
    assert _spans(wrong, "增长1.5%1.5%") != _spans(old, "增长1.5%1.5%")   # the mutation is caught
    texts = [prepare(read(p)).clean.text for p in [sample_path, *corpus_files]]
    texts += ["2023年2023年", "5个5个5个", "1.5%1.5%", "12.5万元12.5万元3", "3万元3万", "3万3万元",
              "0.5.5年5年", "١٢年١٢年", "１２年１２年", "2023〇2023〇", "7亿元7亿元", "12年12年1"]
    for text in texts:
        for a, b in forms:
            if a is forms[1][0] and not only_ascii_digits(text):
                continue
            assert _spans(b, text) == _spans(a, text), text[:40]

    alphabet = st.sampled_from(list("0123456789") + ["1", "2", ".", ".", "%", "年", "月", "万", "元", "亿",
                                                     "个", "〇", "١", "１", "a", "，", " ", "万元", "亿元"])

    @settings(max_examples=1500, deadline=None, database=None)
    @given(st.lists(alphabet, max_size=24).map("".join), st.lists(alphabet, min_size=1, max_size=6).map("".join))
    def run(noise: str, tok: str) -> None:
        for text in (noise, noise + tok + tok + noise[:3], tok + tok, tok + noise + tok + tok):
            assert _spans(new, text) == _spans(old, text), text
            if only_ascii_digits(text):
                assert _spans(forms[1][1], text) == _spans(forms[1][0], text), text

    run()


def test_only_ascii_digits_on_reports_with_each_row_digit(corpus_files: list[Path]) -> None:
    """Real report text (clean), as is and with one digit of every row that holds other digits
    pasted in (a row's first, middle and last digit in turn): ``only_ascii_digits`` agrees with
    the plain definition, so no row and no digit of a row is missed by the row search."""
    others = [c for c in map(chr, range(0x80, 0x10000)) if regex.match(r"\d", c)]
    rows: dict[int, list[str]] = {}
    for c in others:
        rows.setdefault(ord(c) >> 8, []).append(c)
    texts = [prepare(read(p)).clean.text for p in corpus_files[:6]]
    assert texts
    for text in texts:
        assert only_ascii_digits(text) == _plain(text)
        cut = len(text) // 2
        for digits in rows.values():
            for c in {digits[0], digits[len(digits) // 2], digits[-1]}:
                pasted = text[:cut] + c + text[cut:]
                assert only_ascii_digits(pasted) is False and _plain(pasted) is False, hex(ord(c))


def test_duplicated_matches_equal_the_scan(corpus_files: list[Path], sample_path: Path) -> None:
    """``figures.duplicated_matches`` (the rule tried only at the starts of the digit runs its
    ``hint`` points to) finds exactly the scan's matches, with the same groups, in the rule's
    own form and in its ASCII-digit form, on the corpus and on texts of digits (ASCII,
    full-width, Arabic-Indic), points, units, Han and other characters, where tokens repeat
    and overlap (1年1年1年, 0.5.5年5年)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from extractor.checks.figures import duplicated_matches

    rule = pattern("duplicated_token", "pattern")
    forms = [lambda rx: rx, lambda rx: ascii_digit_variant(rx) or rx]

    def same(text: str) -> None:
        for form in forms[:1] if not only_ascii_digits(text) else forms:
            got = [(m.span(), m.groups()) for m in duplicated_matches(text, form)]
            assert got == _spans(form(rule), text), text[:60]

    texts = [prepare(read(p)).clean.text for p in [sample_path, *corpus_files]]
    texts += ["2023年2023年", "5个5个5个", "1.5%1.5%", "12.5万元12.5万元3", "3万元3万", "3万3万元",
              "0.5.5年5年", "١٢年١٢年", "１２年１２年", "7亿元7亿元", "12年12年1", "1年1年1年1年",
              "1.1年1.1年1年1年", "x5个15个15个1", "3万3万元3万元"]   # (a match inside the last)
    for text in texts:
        same(text)

    alphabet = st.sampled_from(list("0123456789") + ["1", "1", ".", ".", "%", "年", "月", "万", "元",
                                                     "亿", "个", "〇", "١", "１", "a", "，", "万元", "亿元"])
    texts_of = st.lists(alphabet, max_size=24).map("".join)
    tokens_of = st.lists(alphabet, min_size=1, max_size=6).map("".join)

    @settings(max_examples=3000, deadline=None, database=None)
    @given(texts_of, tokens_of)
    def run(noise: str, tok: str) -> None:
        for text in (noise, noise + tok + tok + noise[:3], tok + tok + tok,
                     noise[:4] + tok + tok + noise):
            same(text)

    run()


def test_year_tokens_found_from_the_years_equal_the_scan(corpus_files: list[Path]) -> None:
    """``figures.year_tokens`` trying the token rule only at the digit runs holding a near year's
    digits (``_holding``) yields exactly what it yields from the rule's scan of the whole text,
    on the corpus (with the report year of each and a year the reports use often) and on texts
    of figures holding years in every form (exact, decimal, prefix, code; fractions, separators,
    leading zeros, a report year of 5 whose years are one digit long)."""
    import random

    def both(p) -> None:
        got, want = year_tokens_both_ways(p)
        assert got == want, p.clean.text[:80]

    for path in corpus_files[:40]:
        p = prepare(read(path))
        both(p)
        p.report_year = 2016
        both(p)
    rnd = random.Random(5)
    parts = ["2023", "2024", "2022", "2020", "2000", "12023", "202330", "0005", "5", "7", "1", "0",
             ".", ".", ",", "，", "年", "余期", "%", "基", "国道", "号", "千伏", "-", "、", "岳发", " ",
             "１", "a", "20235", "2021.5", "3.2023"]
    for year in (2023, 2021, 5):
        for _ in range(1500):
            text = "".join(rnd.choice(parts) for _ in range(rnd.randint(1, 14)))
            both(doc(text, report_year=year))
    assert year_tokens_both_ways(doc("完成20230%，12023国道"))[0], "no finding"

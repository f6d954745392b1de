"""extractor.numerals: table-driven edge cases and hypothesis properties (round trips against a
test-side writer, compositionality with 万/亿, precision)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given, settings, strategies as st

from extractor.numerals import approx_unit, parse_number, parse_numeral
from facts.strategies import to_caps, to_cn, to_cn_short_ten, with_liang

# fmt: off
TABLE = [
    ("一万五千亿", "1500000000000", -11), ("三万亿", "3000000000000", -12),
    ("二十万亿", "20000000000000", -13), ("1.72万亿", "1720000000000", -10),
    ("3万4000", "34000", 0), ("25万6千", "256000", -3), ("十亿3000万", "1030000000", -4),
    ("1千零20", "1020", 0), ("13万2", "132000", -3), ("三万五", "35000", -3),
    ("一万零十二", "10012", 0), ("一百九十万零三千九百七十一", "1903971", 0),
    ("1,100.9亿", "110090000000", -7), ("２０２３", "2023", 0), ("１２.５", "12.5", 1),
    ("壹佰壹拾万贰仟陆佰壹拾肆", "1102614", 0), ("伍仟", "5000", -3), ("肆佰叁拾萬", "4300000", -5),
    ("二〇一七", "2017", 0), ("一六二八", "1628", 0), ("两千", "2000", -3), ("两", "2", 0),
    ("两万两", "22000", -3), ("一千二", "1200", -2), ("十", "10", -1), ("十二", "12", 0),
    ("三十五点二", "35.2", 1), ("一点五七", "1.57", 2), ("零点五", "0.5", 1),
    ("1200万", "12000000", -4), ("9.1亿", "910000000", -7), ("14000万", "140000000", -4),
    ("47.264287亿", "4726428700", -2), ("三千万", "30000000", -7), ("一千二百八十", "1280", -1),
    ("十八万六千", "186000", -3), ("7.5", "7.5", 1), ("19", "19", 0), ("0", "0", 0),
    ("3千万亿", "3000000000000000", -15),
]
# fmt: on


@pytest.mark.parametrize("text,value,decimals", TABLE, ids=[t[0] for t in TABLE])
def test_parse_number_table(text, value, decimals):
    assert parse_number(text) == (Decimal(value), decimals)


@pytest.mark.parametrize("text", ["", "七十百", "三五", "点五", "一二三x", "十点"])
def test_not_a_number(text):
    with pytest.raises(ValueError):
        parse_number(text)


@pytest.mark.parametrize("text,low,high,form", [
    ("两三", "2", "3", "adjacent"), ("三五百", "300", "500", "adjacent"), ("八九亿", "800000000", "900000000", "adjacent"),
    ("四五千", "4000", "5000", "adjacent"), ("三四十", "30", "40", "adjacent"),
    ("几十", "10", "100", "vague"), ("数十亿", "1000000000", "10000000000", "vague"),
    ("十几", "10", "20", "vague"), ("三十几", "30", "40", "vague"), ("好几千", "1000", "10000", "vague"),
])
def test_approximate_numerals(text, low, high, form):
    n = parse_numeral(text)
    assert (n.low, n.high, n.form) == (Decimal(low), Decimal(high), form)
    with pytest.raises(ValueError):
        parse_number(text)


def test_approx_unit():
    assert approx_unit(Decimal(400)) == 100
    assert approx_unit(Decimal(2023)) == 1
    assert approx_unit(Decimal("1.5")) == Decimal("0.1")


N = st.integers(min_value=0, max_value=10**16 - 1)


@settings(max_examples=400, deadline=None)
@given(N)
def test_round_trip_chinese(n):
    assert parse_number(to_cn(n))[0] == n


@settings(max_examples=300, deadline=None)
@given(N)
def test_round_trip_variants(n):
    assert parse_number(to_caps(n))[0] == n
    assert parse_number(with_liang(to_cn(n)))[0] == n
    assert parse_number(to_cn_short_ten(n))[0] == n


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=10**16 - 1))
def test_chinese_precision_is_the_lowest_written_place(n):
    tz = len(str(n)) - len(str(n).rstrip("0"))
    assert parse_number(to_cn(n))[1] == -tz


@settings(max_examples=300, deadline=None)
@given(N)
def test_round_trip_arabic(n):
    assert parse_number(format(n, ","))[0] == n
    full = str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert parse_number(full) == (Decimal(n), 0)


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False, allow_infinity=False))
def test_arabic_decimals(d):
    s = format(d, "f")
    value, decimals = parse_number(s)
    assert value == d
    assert decimals == (len(s.split(".")[1]) if "." in s else 0)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=9999))
def test_compositional_wan_yi(n):
    x = to_cn(n)
    assert parse_number(x + "万")[0] == n * 10**4
    assert parse_number(x + "亿")[0] == n * 10**8
    assert parse_number(str(n) + "万") == (Decimal(n * 10**4), -4)
    assert parse_number(str(n) + "亿") == (Decimal(n * 10**8), -8)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10**8 - 1))
def test_compositional_yi_over_groups(n):
    assert parse_number(to_cn(n) + "亿")[0] == n * 10**8


def _as_written(n):
    return (str(n.value), str(n.low), str(n.high), n.decimals, n.high_open, n.form)


@settings(max_examples=400, deadline=None)
@given(st.from_regex(r"\A[0-9]{1,6}(\.[0-9]{1,3})?[万萬亿億]{1,3}\Z", fullmatch=True))
@example("1.63亿")
@example("3亿万")
@example("0.50万亿")
def test_arabic_then_big_powers_is_the_general_reading(s):
    """6600万, 1.63亿, 2.38万亿: the shortcut for Arabic digits followed by big powers gives
    the general reading, Decimal exponents included (str of value, low, high)."""
    from extractor.numerals import _parse_general, numeral_tables, parse_numeral

    try:
        want = _as_written(_parse_general(s, numeral_tables()))
    except ValueError:
        want = "ValueError"
    try:
        got = _as_written(parse_numeral.__wrapped__(s))
    except ValueError:
        got = "ValueError"
    assert got == want, s

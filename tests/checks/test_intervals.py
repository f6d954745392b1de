"""Precision and qualifiers → intervals; Calc 1.1 intersection (Arelle test_validatexbrlcalcs style)."""
from __future__ import annotations

import doctest
from decimal import Decimal as D

import pytest

import extractor.checks.intervals as intervals_module

from extractor.checks.intervals import Interval, last_magnitude, rounding, sum_intervals

from .helpers import doc, fx


@pytest.mark.parametrize(("v", "d", "lo", "hi"), [
    ("19", 0, "18.5", "19.5"),
    ("12000", -3, "11500", "12500"),            # 1.2万 written to the thousand
    ("356000000", -6, "355500000", "356500000"),  # 3.56亿元
    ("12.5", 1, "12.45", "12.55"),
    ("0", 2, "-0.005", "0.005"),
])
def test_rounding(v: str, d: int, lo: str, hi: str) -> None:
    iv = rounding(D(v), d)
    assert (iv.lo, iv.hi) == (D(lo), D(hi))
    assert not iv.lo_open and not iv.hi_open


def test_rounding_none_is_exact() -> None:
    assert rounding(D("7"), None) == Interval(D(7), D(7))


@pytest.mark.parametrize(("v", "d", "step"), [("560", 0, "10"), ("40", 0, "10"), ("300", 0, "100"),
                                               ("2023", 0, "1"), ("200000", -4, "100000"), ("0", 0, "1")])
def test_last_magnitude(v: str, d: int, step: str) -> None:
    assert last_magnitude(D(v), d) == D(step)


def test_calc11_requirements_example() -> None:
    # 12.1 + 45.4 vs 57.6 (rounded to 0.1): XBRL 2.1 flags, Calc 1.1 passes
    parts = sum_intervals([rounding(D("12.1"), 1), rounding(D("45.4"), 1)])
    assert parts == Interval(D("57.40"), D("57.60"))
    assert parts.intersects(rounding(D("57.6"), 1))
    assert not parts.intersects(rounding(D("57.7"), 1))


def test_touching_bounds_need_both_closed() -> None:
    assert Interval(D(1), D(2)).intersects(Interval(D(2), D(3)))
    assert not Interval(D(1), D(2), hi_open=True).intersects(Interval(D(2), D(3)))
    assert not Interval(D(1), D(2)).intersects(Interval(D(2), D(3), lo_open=True))
    assert Interval(None, D(2)).intersects(Interval(D(-5), None))


def test_division() -> None:
    q = Interval(D(108), D(108)).div(Interval(D(120), D(120)))
    assert q == Interval(D("0.9"), D("0.9"))
    assert Interval(D(1), D(2)).div(Interval(D(0), D(1))) is None
    q = Interval(D(9), D(11)).div(Interval(D(2), D(4)))
    assert (q.lo, q.hi) == (D("2.25"), D("5.5"))


@pytest.mark.parametrize(("text", "surface", "kind", "expect"), [
    ("查处各类案件19起", "19起", None, "19"),
    ("协议征地560余亩", "560余亩", "quantity", "[560, 570)"),
    ("共400余人参加", "400余人", None, "[400, 500)"),
    ("吸引了近800件作品", "近800件", None, "(700, 800]"),
    ("完成投资1200万元", "1200万元", None, "[11995000, 12005000]"),
    ("奖金约40万元", "约40万元", None, "[300000, 500000]"),
    ("同比增长7.5%", "7.5%", None, "[7.45, 7.55]"),
    ("销售额50万元以上", "50万元以上", None, "[500000, +∞)"),
])
def test_fact_interval(text: str, surface: str, kind: str | None, expect: str) -> None:
    from extractor.checks.intervals import fact_interval

    p = doc(text)
    f = fx(p, surface, kind=kind)
    assert fact_interval(f).fmt() == expect


def test_fmt() -> None:
    assert Interval(D("560"), D("570"), hi_open=True).fmt() == "[560, 570)"
    assert Interval(None, D(3)).fmt() == "(−∞, 3]"


def test_docstring_examples() -> None:
    """The module's examples run (one of them had rotted: rounding(19, 0) is [18.5, 19.5])."""
    result = doctest.testmod(intervals_module)
    assert result.attempted >= 5 and result.failed == 0

"""Interval arithmetic over Decimal for the consistency checks (XBRL Calculations 1.1 style).

A written figure stands for an interval, not a point: the rounding of its last written digit
(``decimals``, XBRL style) and the wording's qualifiers (约/近/余/多/以上/以下/ranges) both widen it.
Two figures contradict each other only when their intervals are disjoint (Calc 1.1 rule: with
``a = max(lows)`` and ``b = min(highs)``, inconsistent iff ``a > b`` or ``a == b`` and not both
bounds inclusive).

>>> from decimal import Decimal as D
>>> rounding(D("19"), 0)
Interval(18.5, 19.5)
>>> rounding(D("19"), None)
Interval(19, 19)
>>> rounding(D("12.5"), 1)
Interval(12.45, 12.55)
>>> (rounding(D("1.1"), 1) + rounding(D("1.3"), 1)).intersects(rounding(D("2.3"), 1))
True
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ..rulefiles import load_yaml

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Fact

HALF = Decimal("0.5")
ZERO = Decimal(0)
HUNDRED = Decimal(100)



@dataclass(frozen=True, slots=True)
class Interval:
    """A possibly half-open, possibly unbounded interval; ``None`` is −∞ / +∞."""

    lo: Decimal | None
    hi: Decimal | None
    lo_open: bool = False
    hi_open: bool = False

    def __repr__(self) -> str:
        if not self.lo_open and not self.hi_open:
            return f"Interval({_n(self.lo)}, {_n(self.hi)})"
        return f"Interval({_n(self.lo)}, {_n(self.hi)}, lo_open={self.lo_open}, hi_open={self.hi_open})"

    # --- construction -------------------------------------------------------------------------
    @staticmethod
    def point(v: Decimal) -> Interval:
        return Interval(v, v)

    # --- predicates ---------------------------------------------------------------------------
    def intersects(self, other: Interval) -> bool:
        """Calc 1.1 consistency: True when the two intervals share at least one point."""
        lo, lo_open = _max_lo(self, other)
        hi, hi_open = _min_hi(self, other)
        if lo is None or hi is None:
            return True
        if lo < hi:
            return True
        if lo == hi:
            return not lo_open and not hi_open
        return False

    def above(self, bound: Decimal) -> bool:
        """Every point lies strictly above ``bound``."""
        if self.lo is None:
            return False
        return self.lo > bound or (self.lo == bound and self.lo_open)

    def below(self, bound: Decimal) -> bool:
        """Every point lies strictly below ``bound``."""
        if self.hi is None:
            return False
        return self.hi < bound or (self.hi == bound and self.hi_open)

    def contains(self, v: Decimal) -> bool:
        return self.intersects(Interval.point(v))

    # --- arithmetic ---------------------------------------------------------------------------
    def __add__(self, other: Interval) -> Interval:
        lo = None if self.lo is None or other.lo is None else self.lo + other.lo
        hi = None if self.hi is None or other.hi is None else self.hi + other.hi
        return Interval(lo, hi, self.lo_open or other.lo_open, self.hi_open or other.hi_open)

    def __neg__(self) -> Interval:
        return Interval(None if self.hi is None else -self.hi, None if self.lo is None else -self.lo,
                        self.hi_open, self.lo_open)

    def __sub__(self, other: Interval) -> Interval:
        return self + (-other)

    def scale(self, k: Decimal) -> Interval:
        """Multiply by a non-negative constant."""
        if k < 0:
            return (-self).scale(-k)
        return Interval(None if self.lo is None else self.lo * k,
                        None if self.hi is None else self.hi * k, self.lo_open, self.hi_open)

    def div(self, other: Interval) -> Interval | None:
        """Interval quotient for a strictly positive, bounded divisor; None when undefined."""
        if other.lo is None or other.hi is None or other.lo <= 0:
            return None
        cands: list[tuple[Decimal | None, bool]] = []
        # extreme quotients come from the end points
        for a, a_open in ((self.lo, self.lo_open), (self.hi, self.hi_open)):
            for b, b_open in ((other.lo, other.lo_open), (other.hi, other.hi_open)):
                if a is None:
                    cands.append((None, False))
                else:
                    cands.append((a / b, a_open or b_open))
        if self.lo is None:
            lo, lo_open = None, False
        else:
            finite = [(v, o) for v, o in cands if v is not None]
            lo, lo_open = min(finite, key=lambda t: (t[0], t[1]))
        if self.hi is None:
            hi, hi_open = None, False
        else:
            finite = [(v, o) for v, o in cands if v is not None]
            hi, hi_open = max(finite, key=lambda t: (t[0], not t[1]))
        return Interval(lo, hi, lo_open, hi_open)

    def percent_of(self, whole: Interval) -> Interval | None:
        """``100 · self / whole``, the share or rate in %; None when ``whole`` is not a bounded,
        strictly positive interval (see ``div``).

        >>> from decimal import Decimal as D
        >>> rounding(D("98"), 0).percent_of(rounding(D("120"), 0)).fmt(2)
        '[80.91, 82.43]'
        """
        q = self.div(whole)
        return None if q is None else q.scale(HUNDRED)

    def fmt(self, places: int | None = None) -> str:
        """Human form: ``[12.45, 12.55]``, ``[560, 570)``, ``[5, +∞)``."""
        left = "(" if self.lo_open or self.lo is None else "["
        right = ")" if self.hi_open or self.hi is None else "]"
        lo = "−∞" if self.lo is None else _n(self.lo, places)
        hi = "+∞" if self.hi is None else _n(self.hi, places)
        if self.lo is not None and self.lo == self.hi and left == "[" and right == "]":
            return lo
        return f"{left}{lo}, {hi}{right}"


def _n(v: Decimal | None, places: int | None = None) -> str:
    if v is None:
        return "None"
    if places is not None:
        v = v.quantize(Decimal(1).scaleb(-places)) if places >= 0 else v
    s = format(v.normalize(), "f") if v == v.to_integral_value() or places is None else format(v, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def _max_lo(a: Interval, b: Interval) -> tuple[Decimal | None, bool]:
    if a.lo is None:
        return b.lo, b.lo_open
    if b.lo is None:
        return a.lo, a.lo_open
    if a.lo > b.lo:
        return a.lo, a.lo_open
    if b.lo > a.lo:
        return b.lo, b.lo_open
    return a.lo, a.lo_open or b.lo_open


def _min_hi(a: Interval, b: Interval) -> tuple[Decimal | None, bool]:
    if a.hi is None:
        return b.hi, b.hi_open
    if b.hi is None:
        return a.hi, a.hi_open
    if a.hi < b.hi:
        return a.hi, a.hi_open
    if b.hi < a.hi:
        return b.hi, b.hi_open
    return a.hi, a.hi_open or b.hi_open


@functools.lru_cache(maxsize=256)
def unit_of(decimals: int | None) -> Decimal:
    """One unit of the last written digit: decimals -4 → 10000, 1 → 0.1, None → 1.
    (Pure in a small int and asked for every fact: cached; Decimals are immutable.)"""
    return Decimal(1).scaleb(-(decimals if decimals is not None else 0))


def rounding(v: Decimal, decimals: int | None) -> Interval:
    """Round-to-nearest interval ``[v − ½·10^−d, v + ½·10^−d]`` (Arelle ``rangeValue``).

    ``decimals=None`` means exact (XBRL INF).
    """
    if decimals is None:
        return Interval.point(v)
    half = HALF * unit_of(decimals)
    return Interval(v - half, v + half)


def last_magnitude(v: Decimal, decimals: int | None) -> Decimal:
    """The unit of the last non-zero written digit: 560 → 10, 40 → 10, 300 → 100, 2023 → 1.

    This is the step of ``X余``: 560余亩 = [560, 570), 300余人次 = [300, 400).
    """
    base = unit_of(decimals)
    if v == 0:
        return base
    mant = (abs(v) / base).to_integral_value()
    step = base
    while mant and mant % 10 == 0:
        mant //= 10
        step *= 10
    return step


@functools.lru_cache(maxsize=256)
def _half_unit(decimals: int) -> Decimal:
    """Half a unit of the last written digit (the rounding half-width), cached like unit_of."""
    return HALF * unit_of(decimals)


@functools.cache
def qualifier_words(meaning: str) -> tuple[str, ...]:
    """The qualifier words of one meaning (about, near, more, gt, ge, lt, le) in
    rules/lexicons/qualifiers.yaml, the lexicon extraction reads them with: the words as they
    appear in ``Fact.qualifiers`` or around the figure in ``Fact.text``.

    >>> "左右" in qualifier_words("about") and "余" in qualifier_words("more")
    True
    """
    lex = load_yaml("lexicons/qualifiers.yaml")
    return tuple(dict.fromkeys(str(w) for part in ("prefix", "inner", "suffix")
                               for w, m in (lex.get(part) or {}).items() if m == meaning))


@functools.cache
def _qualifier_rx(meaning: str) -> re.Pattern[str] | None:
    """One alternation of the meaning's words (a substring test in C), None when it has none."""
    words = qualifier_words(meaning)
    return re.compile("|".join(re.escape(w) for w in words)) if words and all(words) else None


def _has(meaning: str, hay: str) -> bool:
    rx = _qualifier_rx(meaning)
    if rx is None:
        return any(w in hay for w in qualifier_words(meaning))
    return rx.search(hay) is not None


def fact_interval(f: Fact) -> Interval | None:
    """The interval a fact's wording and precision allow; None for facts without a value.

    - plain figure: rounding interval of its decimals;
    - 约/左右: ± one unit of the last non-zero digit (约40万 = [30万, 50万]; wider than rounding, c1);
    - X余/X多: [X, X + last magnitude) — 560余 = [560, 570);
    - 近X: (X − last magnitude, X];
    - 以上/超过: [X, +∞) (or (X, +∞) for 超过); 以下/不到: (−∞, X] (resp. X));
    - range: [low − ½u, high + ½u].
    An explicit ``value_low``/``value_high`` from extraction is honoured for ranges and open sides.
    """
    if f.value is None:
        return None
    v = Decimal(f.value)
    d = f.decimals
    half = _half_unit(d) if d is not None else ZERO
    if f.kind == "count" and (d is None or d >= 0):
        d, half = None, ZERO  # 19起: a whole count written to the unit is exact, [19, 19]
    quals = f.qualifiers or ""
    wording = quals + "|" + (f.text or "")
    approx = f.approx or "exact"
    if approx == "range" and f.value_low is not None and f.value_high is not None:
        return Interval(Decimal(f.value_low) - half, Decimal(f.value_high) + half)
    if approx == "about" or _has("about", quals):
        if _has("near", wording) and not _has("about", wording):
            step = last_magnitude(v, d)
            return Interval(v - step, v + half, lo_open=True)
        step = last_magnitude(v, d)
        return Interval(v - step, v + step)
    if approx == "at_least":
        if _has("more", wording) and "以上" not in wording and "超过" not in wording:
            step = last_magnitude(v, d)
            return Interval(v, v + step, hi_open=True)
        if f.value_high is not None and Decimal(f.value_high) > v:
            return Interval(v, Decimal(f.value_high) + half)
        return Interval(v, None, lo_open=("超过" in wording or f.low_open))
    if approx == "at_most":
        if f.value_low is not None and Decimal(f.value_low) < v:
            return Interval(Decimal(f.value_low) - half, v)
        return Interval(None, v, hi_open=("不到" in wording or "不足" in wording or f.high_open))
    return Interval(v - half, v + half)


def sum_intervals(items: list[Interval]) -> Interval:
    total = Interval.point(ZERO)
    for it in items:
        total = total + it
    return total

"""Test-side numeral writers, independent of extractor.numerals (the parser under test)."""
from __future__ import annotations

DIG = "零一二三四五六七八九"
CAPS = str.maketrans("零一二三四五六七八九十百千万亿", "零壹贰叁肆伍陆柒捌玖拾佰仟萬億")


def _section(n: int) -> str:
    """0 < n < 10000 in standard reading with inner 零: 1005 → 一千零五, 1050 → 一千零五十."""
    units = ["", "十", "百", "千"]
    out, zero = "", False
    for i in range(3, -1, -1):
        d = n // 10**i % 10
        if d == 0:
            zero = bool(out)
        else:
            if zero:
                out += "零"
                zero = False
            out += DIG[d] + units[i]
    return out


def to_cn(n: int) -> str:
    """Integer → Chinese numerals (standard reading, 零 rules, 万/亿 groups, 万亿 for ≥ 10¹²)."""
    if n < 10**4:
        return _section(n) or "零"
    if n < 10**8:
        hi, lo, unit, size = divmod(n, 10**4) + ("万", 10**4)
    else:
        hi, lo, unit, size = divmod(n, 10**8) + ("亿", 10**8)
    s = to_cn(hi) + unit
    if lo:
        s += ("零" if lo < size // 10 else "") + to_cn(lo)
    return s


def to_cn_short_ten(n: int) -> str:
    """十二 instead of 一十二 at the very start (the usual spoken form)."""
    s = to_cn(n)
    return s[1:] if s.startswith("一十") else s


def to_caps(n: int) -> str:
    """Financial capitals (大写): 壹佰壹拾万贰仟陆佰壹拾肆."""
    return to_cn(n).translate(CAPS)


def with_liang(s: str) -> str:
    """二 → 两 before 千/百/万/亿 at the head of a group (两千, 两万), as commonly written."""
    out = []
    for i, ch in enumerate(s):
        prev = s[i - 1] if i else ""
        nxt = s[i + 1] if i + 1 < len(s) else ""
        if ch == "二" and nxt in "千百万亿" and prev in ("", "万", "亿", "零"):
            out.append("两")
        else:
            out.append(ch)
    return "".join(out)

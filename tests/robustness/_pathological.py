"""Pathological inputs for regex timing: long runs of what number patterns are made of."""
from __future__ import annotations

UNITS = ("1", "0", "１", "一二三四五六七八九十", "零", "万", "亿", "万万亿", "百千", ",", ".",
         "%", "1,", "1.", "12,345.", "1万", "一万", "3、", "\n3、", "第1页", "1-", "约1", "近",
         "12%", "年", "2023年", "1月", "万元", "亿元", "个百分点", " ", "\t", "（1）", "其中",
         "人次", "共", "以上", "增长", "下降", "&#", "&nbsp", "<a", "1余", "、1")


def pathological(n: int) -> dict[str, str]:
    """name → a string of exactly ``n`` characters."""
    out = {}
    for u in UNITS:
        s = (u * (n // len(u) + 1))[:n]
        out[f"{u!r}*"] = s
    # alternations of digit + Han, digit + separator, and a digit run ending in a unit
    out["digit+Han"] = ("1万" * (n // 2 + 1))[:n]
    out["digit+元"] = ("9元" * (n // 2 + 1))[:n]
    out["digits then 万元"] = "1" * (n - 2) + "万元"
    out["digits then %"] = "1" * (n - 1) + "%"
    out["zeros then 亿元"] = "0" * (n - 2) + "亿元"
    out["cn digits then 万元"] = ("一二三" * n)[: n - 2] + "万元"
    return out

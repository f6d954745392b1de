"""The report year: the year a report is about, used to resolve dates written without a year.

Meaning (decided here, used by the facts layer):
- 工作总结 / 述职报告 / 年度报告 / 统计公报 for year Y → Y (the year summarised; the sample's
  `8月16日` → 2023-08-16).
- 政府工作报告 titled Y (delivered early in Y, reviewing Y−1 and planning Y) → Y, the year of the
  title and of delivery, as the corpus manifest records it. `今年` is Y and `去年`/`上年` is Y−1; a
  bare `8月16日` in the review part refers to Y−1, which the date resolver must decide from the
  section (回顾) — ``report_kind`` tells it that the document is a government work report.

Order of evidence (first that applies): the earliest title-like phrase in the first lines
(`2023年工作总结`, `2023年政府工作报告`, `2023年国民经济和社会发展统计公报`, `2023政府工作报告`,
`一九五八年度…的报告`), then a speech's delivery line (`——2026年1月26日在…会议上`), then
`现将…2023年…`, then the plan part of a government work report anywhere (`2018年经济社会发展总体
要求`, `2019年政府工作任务`), then the most frequent plausible year (`YYYY年`) in the first lines, then in
the whole text. Chinese-numeral years (`一九五八年`) count. None when nothing plausible is found.
"""
from __future__ import annotations

from collections import Counter

import regex

_CN_DIGITS = {"〇": "0", "零": "0", "○": "0", "Ｏ": "0", "一": "1", "二": "2", "三": "3", "四": "4",
              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_Y = r"(?P<y>(?<!\d)(?:19[4-9]\d|20\d\d)(?!\d)|[〇零○一二三四五六七八九]{4})"
_TITLE = regex.compile(
    _Y + r"\s*年?\s*(?:度)?(?:[^\n。，；]{0,30}?)"
    r"(?:政府工作报告|工作报告|国民经济和社会发展统计公报|统计公报|工作总结|述职报告|年度报告|"
    r"工作情况|总结|的报告)")
# the delivery line of a speech: ——2026年1月26日在广东省第十四届人民代表大会第五次会议上
_DELIVERY = regex.compile(r"(?:^|\n|——|—|－－|--)\s*" + _Y + r"\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:在|于)")
# the plan part of a government work report: 二、2018年经济社会发展总体要求和政策取向
_PLAN = regex.compile(_Y + r"\s*年(?:经济社会发展|国民经济和社会发展)?(?:的)?(?:总体要求|主要预期目标|"
                      r"政府工作任务|工作任务|重点工作|工作安排)")
_XIANJIANG = regex.compile(r"现将[^。\n]{0,80}?" + _Y + r"\s*年")
_YEAR = regex.compile(_Y + r"\s*年")
_HEAD = 2000
_KIND = regex.compile(r"政府工作报告|统计公报|工作总结|述职报告|信息公开工作年度报告|工作报告")


def _year(s: str) -> int | None:
    if s[0] in _CN_DIGITS:
        try:
            s = "".join(_CN_DIGITS[c] for c in s)
        except KeyError:
            return None
    y = int(s)
    return y if 1949 <= y <= 2100 else None


def infer_report_year(text: str) -> int | None:
    """The report year of ``text`` (clean or decoded), or None if nothing plausible is found."""
    head = text[:_HEAD]
    for pat, chunk in ((_TITLE, head), (_DELIVERY, head), (_XIANJIANG, head), (_PLAN, text)):
        for m in pat.finditer(chunk):
            y = _year(m.group("y"))
            if y is not None:
                return y
    for chunk in (head, text):
        years = Counter(y for m in _YEAR.finditer(chunk) if (y := _year(m.group("y"))))
        if years:
            return years.most_common(1)[0][0]
    return None


def report_kind(text: str) -> str:
    """The genre named in the first lines: 政府工作报告, 统计公报, 工作总结 … or ""."""
    m = _KIND.search(text[:_HEAD])
    return m.group(0) if m else ""

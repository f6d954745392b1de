"""Corrupted figures: year contamination, duplicated tokens, contradictory qualifiers."""
from __future__ import annotations

import pytest

from .helpers import Case, check_case, fx

YC = "figure.year_contamination"
DUP = "figure.duplicated_token"
CQ = "figure.contradictory_qualifiers"

CASES = [
    # year pasted into figures (the sample report's artefacts)
    Case(YC, "实现全区贫困村4g覆盖率和光纤宽带通达率到达20230%。", True,
         lambda p: fx(p, "20230%"), "warning", "20230%", ["20230%"]),
    Case(YC, "1-9月份,全区社会消费品零售总额完成21.12亿元,同比增长2023.9%,位于全市第一。", True,
         lambda p: (fx(p, "21.12亿元"), fx(p, "2023.9%")), "warning", "2023.9%", ["2023.9%"]),
    Case(YC, "年内举办各类科技培训2023余期,培训2022余人次。", True,
         lambda p: (fx(p, "2023余期"), fx(p, "2022余人次")), "warning", "2023余期", ["2023余期"]),
    Case(YC, "新立电杆202330基,工程总投资966万元。", True, None, "warning", "202330基", []),
    Case(YC, "工程选址于12023国道烧田村与xx高速之间的区域。", True, None, "warning", "12023国道", []),
    Case(YC, "拟定了关于深化供销合作综合改革的实施意见(岳发20232号)。", True, None, "warning", "20232号", []),
    Case(YC, "全年为协会争取财政资金近2023万余元。", True,
         lambda p: fx(p, "近2023万余元", kind="money"), "warning", "近2023万余元", ["近2023万余元"]),
    Case(YC, "包含新建2023千伏路9.8千米。", True, None, "warning", "2023千伏", []),
    # years used as years, event names, round figures, other years: silent
    Case(YC, "一、2023年主要工作情况。2023年,在区四大班子的坚强领导下。", False),
    Case(YC, "组织参加了“2023湖南-长三角经贸合作洽谈周,组团参加了“2023衡州经济论坛。", False),
    Case(YC, "同比增长20.23%,高于全省平均水平。", False, lambda p: fx(p, "20.23%")),
    Case(YC, "引进企业2000多家,实现税收12.6亿元。", False, report_year=2001),
    Case(YC, "2021-2023年累计投入资金3.5亿元,2023.12.31前全部完成。", False),
    Case(YC, "面积2035平方米,远景规划1500亩。", False),
    Case(YC, "全市生产总值达到12023亿元,增长6.1%。", False),
    # duplicated tokens
    Case(DUP, "出台了2023年2023年区面上贫困村专家帮扶安排。", True, None, "warning", "2023年2023年", []),
    Case(DUP, "新建改造台区16个16个,完成投资966万元。", True, None, "warning", "16个16个", []),
    Case(DUP, "出台了2023年至2024年区面上贫困村专家帮扶安排。", False),
    Case(DUP, "10月10日召开动员大会,2023年、2024年连续获评先进。", False),
    # contradictory qualifiers
    Case(CQ, "全年为协会争取财政资金近2023万余元。", True, lambda p: fx(p, "近2023万余元", kind="money"), "warning",
         "近2023万余元", ["近2023万余元"]),
    Case(CQ, "来自各部门的企业和专家学者约400余人参加了此次盛会。", True, None, "warning", "约400余", []),
    Case(CQ, "奖金设置近40万,吸引了近800件作品参赛。", False),
    Case(CQ, "共400余人参加了此次盛会,最近20余天新增企业35家。", False),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case(case: Case) -> None:
    check_case(case)


def test_year_token_lookahead_keeps_every_long_token() -> None:
    """The rule's ``(?=\\d{4})`` only drops the tokens shorter than a year: on random strings of
    digits, separators and words, its matches are exactly the matches of the pattern without it
    whose integer part has four digits or more (same spans, same groups)."""
    import random

    import regex

    from extractor.checks.config import pattern

    rx = pattern("year_contamination", "token")
    assert "(?=\\d{4})" in rx.pattern
    plain = regex.compile(rx.pattern.replace("(?=\\d{4})", "", 1))
    rnd = random.Random(7)
    alphabet = "0123456789０５٣..,，年%号 a"
    for _ in range(5000):
        s = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        want = [(m.span(), m.span("int"), m.group("frac")) for m in plain.finditer(s)
                if m.end("int") - m.start("int") >= 4]
        got = [(m.span(), m.span("int"), m.group("frac")) for m in rx.finditer(s)]
        assert got == want, s

"""Growth against the figures it is computed from; percentage points; extreme growth."""
from __future__ import annotations

import pytest

from .helpers import Case, check_case, fact_at, fx

GI = "growth.inconsistent"
GX = "growth.extreme"

CASES = [
    Case(GI, "全区规上工业总产值达到14000万元,比上年的12000万元增长7.5%。", True,
         lambda p: (fx(p, "14000万元"), fx(p, "12000万元"), fx(p, "7.5%")), "error",
         "14000万元,比上年的12000万元增长7.5%", ["7.5%", "14000万元", "12000万元"]),
    Case(GI, "社会消费品零售总额28.89亿元,比上年增加2.1亿元,增长11%。", True,
         lambda p: (fx(p, "28.89亿元"), fx(p, "2.1亿元"), fx(p, "11%")), "error", "28.89亿元,比上年增加2.1亿元,增长11%",
         ["11%", "28.89亿元", "2.1亿元"]),
    Case(GI, "城镇化率由52.3%提高到55.1%,提高3.8个百分点。", True,
         lambda p: (fx(p, "52.3%"), fx(p, "55.1%"), fx(p, "3.8个百分点")), "error", "52.3%提高到55.1%,提高3.8个百分点",
         ["3.8个百分点", "52.3%", "55.1%"]),
    Case(GI, "粮食产量120万吨,比上年减少10万吨,下降12%。", True,
         lambda p: (fx(p, "120万吨", kind="quantity"), fx(p, "10万吨", kind="quantity"), fx(p, "12%")), "error",
         "120万吨,比上年减少10万吨,下降12%", ["12%", "120万吨", "10万吨"]),
    # consistent within rounding
    Case(GI, "全区规上工业总产值达到14000万元,比上年的13000万元增长7.7%。", False,
         lambda p: (fx(p, "14000万元"), fx(p, "13000万元"), fx(p, "7.7%"))),
    Case(GI, "社会消费品零售总额28.89亿元,比上年增加2.86亿元,增长11%。", False,
         lambda p: (fx(p, "28.89亿元"), fx(p, "2.86亿元"), fx(p, "11%"))),
    Case(GI, "城镇化率由52.3%提高到55.1%,提高2.8个百分点。", False,
         lambda p: (fx(p, "52.3%"), fx(p, "55.1%"), fx(p, "2.8个百分点"))),
    Case(GI, "粮食产量120万吨,比上年减少10万吨,下降7.7%。", False,
         lambda p: (fx(p, "120万吨", kind="quantity"), fx(p, "10万吨", kind="quantity"), fx(p, "7.7%"))),
    Case(GI, "预计截至12月份,全区规上工业总产值14000万元,较去年同比增长7.5%。", False,
         lambda p: (fx(p, "14000万元"), fx(p, "7.5%"))),
    Case(GX, "1-9月份,全区社会消费品零售总额完成21.12亿元,同比增长2023.9%,位于全市第一。", True,
         lambda p: (fx(p, "21.12亿元"), fx(p, "2023.9%")), "warning", "2023.9%", ["2023.9%"]),
    Case(GX, "网上零售额同比下降1500%。", True, lambda p: fx(p, "1500%"), "warning", "1500%", ["1500%"]),
    Case(GX, "1-9月份,全区社会消费品零售总额完成21.12亿元,同比增长20.9%。", False,
         lambda p: (fx(p, "21.12亿元"), fx(p, "20.9%"))),
    Case(GX, "一般公共预算收入完成年度预算的1030%。", False, lambda p: fx(p, "1030%")),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case(case: Case) -> None:
    check_case(case)


NATIONAL_QUIET = [
    Case(GI, "国内生产总值增加到121万亿元,五年年均增长5.2%,十年增加近70万亿元、年均增长6.2%。", False,
         lambda p: (fx(p, "121万亿元"), fx(p, "5.2%"), fx(p, "近70万亿元"), fx(p, "6.2%"))),
    Case(GI, "全国财政收入3.93万亿元,比上年增加7694亿元;规模以上工业企业实现利润增长31%。", False,
         lambda p: (fx(p, "3.93万亿元"), fx(p, "7694亿元"), fx(p, "31%"))),
    Case(GI, "今年拟安排财政赤字2.18万亿元,比去年增加5600亿元,赤字率提高到3%。", False,
         lambda p: (fx(p, "2.18万亿元"), fx(p, "5600亿元"), fx(p, "3%"))),
    Case(GI, "粮食3920亿斤,比上一年增加220亿斤,增长5.9%;棉花的指标为3500万担,增长6.7%。", False,
         lambda p: (fx(p, "3920亿斤", kind="quantity"), fx(p, "220亿斤", kind="quantity"), fx(p, "5.9%"),
                    fx(p, "6.7%"))),
]
CASES += NATIONAL_QUIET

NATIONAL_QUIET2 = [
    Case(GI, "全国职工的工资总额1980年为773亿元,1985年将达到983亿元,平均每年增加42亿元,增长4.9%。", False,
         lambda p: (fx(p, "773亿元"), fx(p, "983亿元"), fx(p, "42亿元"), fx(p, "4.9%"))),
]
CASES += NATIONAL_QUIET2
NATIONAL_QUIET3 = [
    Case(GX, "1980年同1952年相比,工农业总产值增长八点一倍,工业固定资产增长二十六倍。", False,
         lambda p: _times(p, "二十六倍", 2600)),
    Case(GX, "同解放前比较,中等学校学生增加了七十九倍,高等学校学生增加了二十七倍。", False,
         lambda p: _times(p, "七十九倍", 7900)),
]
CASES += NATIONAL_QUIET3


def _times(p, surface, pct):
    """增长N倍 as extraction gives it: a percent of N×100."""
    return fact_at(p, surface, "percent", pct, "%")
NATIONAL_QUIET4 = [
    # extraction may label 提高到3% as growth; the level wording wins
    Case(GI, "今年拟安排财政赤字2.18万亿元,比去年增加5600亿元,赤字率提高到3%。", False,
         lambda p: (fx(p, "2.18万亿元"), fx(p, "5600亿元"), fx(p, "3%", role="growth"))),
]
CASES += NATIONAL_QUIET4
PROVINCIAL_QUIET = [
    # GDP growth is at comparable prices: 13697.5 / 9323.1 is nominal, 33.6% is real
    Case(GI, "全省地区生产总值达到13697.5亿元,较“十三五”末的9323.1亿元增加4374.4亿元,增长33.6%。", False,
         lambda p: (fx(p, "13697.5亿元"), fx(p, "9323.1亿元"), fx(p, "4374.4亿元"), fx(p, "33.6%"))),
]
CASES += PROVINCIAL_QUIET
CASES += [
    Case(GI, "1-9月份完成固定资产投资12.6亿元,上年同期为10.5亿元,同比增长25%。", True,
         lambda p: (fx(p, "12.6亿元"), fx(p, "10.5亿元"), fx(p, "25%")), "error",
         "12.6亿元,上年同期为10.5亿元,同比增长25%", ["25%", "12.6亿元", "10.5亿元"]),
    Case(GI, "1-9月份完成固定资产投资12.6亿元,上年同期为10.5亿元,同比增长20%。", False,
         lambda p: (fx(p, "12.6亿元"), fx(p, "10.5亿元"), fx(p, "20%"))),
]

"""Growth against the figures it is computed from; percentage points; extreme growth."""
from __future__ import annotations

import pytest

from .helpers import Case, check_case, fx

GI = "growth.inconsistent"
GX = "growth.extreme"

CASES = [
    Case(GI, "全区规上工业总产值达到14000万元,比上年的12000万元增长7.5%。", True,
         lambda p: (fx(p, "14000万元"), fx(p, "12000万元"), fx(p, "7.5%")), "error",
         "14000万元,比上年的12000万元增长7.5%", ["7.5%", "14000万元", "12000万元"]),
    Case(GI, "社会消费品零售总额28.89亿元,比上年增加2.1亿元,增长11%。", True,
         lambda p: (fx(p, "28.89亿元"), fx(p, "2.1亿元"), fx(p, "11%")), "error", None,
         ["11%", "28.89亿元", "2.1亿元"]),
    Case(GI, "城镇化率由52.3%提高到55.1%,提高3.8个百分点。", True,
         lambda p: (fx(p, "52.3%"), fx(p, "55.1%"), fx(p, "3.8个百分点")), "error", None,
         ["3.8个百分点", "52.3%", "55.1%"]),
    Case(GI, "粮食产量120万吨,比上年减少10万吨,下降12%。", True,
         lambda p: (fx(p, "120万吨", kind="quantity"), fx(p, "10万吨", kind="quantity"), fx(p, "12%")), "error"),
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
    Case(GX, "网上零售额同比下降1500%。", True, lambda p: fx(p, "1500%"), "warning", "1500%"),
    Case(GX, "1-9月份,全区社会消费品零售总额完成21.12亿元,同比增长20.9%。", False,
         lambda p: (fx(p, "21.12亿元"), fx(p, "20.9%"))),
    Case(GX, "一般公共预算收入完成年度预算的1030%。", False, lambda p: fx(p, "1030%")),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case(case: Case) -> None:
    check_case(case)

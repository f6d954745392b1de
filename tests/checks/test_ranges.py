"""Rates that cannot exceed 100%, negative counts, implausible magnitudes."""
from __future__ import annotations

import pytest

from .helpers import Case, check_case, fx

PR = "percent.out_of_range"
NEG = "count.negative"
MAG = "magnitude.implausible"

CASES = [
    Case(PR, "实现全区贫困村4g覆盖率和光纤宽带通达率到达20230%。", True,
         lambda p: fx(p, "20230%"), "error", "20230%", ["20230%"]),
    Case(PR, "全区义务教育巩固率达到103.5%,高中阶段毛入学率92%。", True,
         lambda p: (fx(p, "103.5%"), fx(p, "92%")), "error", "103.5%", ["103.5%"]),
    Case(PR, "全市一般公共预算收入占地区生产总值的比重为112%。", True,
         lambda p: fx(p, "112%"), "error", "112%", ["112%"]),
    Case(PR, "全年完成招商引资任务的12000%,居全市首位。", True,
         lambda p: fx(p, "12000%"), "warning", "12000%", ["12000%"]),
    # can exceed 100: completion, growth; and a rate's growth is not a rate
    Case(PR, "一般公共预算收入完成年度预算的103%,增长8.2%。", False,
         lambda p: (fx(p, "103%"), fx(p, "8.2%"))),
    Case(PR, "网上零售额同比增长120%,农村网络覆盖率达到99.5%。", False,
         lambda p: (fx(p, "120%"), fx(p, "99.5%"))),
    Case(PR, "森林覆盖率提高了0.8个百分点,达到100%。", False,
         lambda p: (fx(p, "0.8个百分点"), fx(p, "100%"))),
    Case(NEG, "新增市场主体-35家,注销企业12家。", True,
         lambda p: (fx(p, "-35家"), fx(p, "12家")), "error", "-35家", ["-35家"]),
    Case(NEG, "查处各类案件19起,行政罚款-3起,整改16起。", True,
         lambda p: (fx(p, "19起"), fx(p, "-3起"), fx(p, "16起")), "error", "-3起", ["-3起"]),
    Case(NEG, "新增市场主体35家,注销企业12家。", False, lambda p: (fx(p, "35家"), fx(p, "12家"))),
    Case(NEG, "气温最低-3度,未发生一起安全事故。", False, lambda p: fx(p, "-3度", kind="quantity")),
    Case(MAG, "包含新建2023千伏路9.8千米,新建台区16个。", True, lambda p: fx(p, "2023千伏", kind="quantity"), "warning", "2023千伏", ["2023千伏"]),
    Case(MAG, "新建15千伏线路3.2千米,改造下户线34.01千米。", True, None, "warning", "15千伏", []),
    Case(MAG, "全镇硬化村道9000千米,惠及群众3万人。", True, lambda p: fx(p, "9000千米", kind="quantity"), "warning", "9000千米", ["9000千米"]),
    Case(MAG, "新建10千伏线路9.8千米,新建台区16个/1880千伏安,新建380伏低压线路56.324千米。", False),
    Case(MAG, "建成±800千伏特高压直流工程,全省农村公路1.2万公里,硬化村道85千米。", False),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case(case: Case) -> None:
    check_case(case)
CASES += [
    Case(MAG, "新建0.38千伏低压线路12千米,改造27.5千伏牵引供电线路3千米。", False),
]

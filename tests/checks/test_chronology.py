"""Chronology: milestones out of order, far dates, plan year = summary year."""
from __future__ import annotations

import pytest

from extractor.checks.chronology import date_bounds

from .helpers import Case, check_case, dt, fx

OO = "date.out_of_order"
FAR = "date.far_from_report_year"
PY = "date.plan_year_equals_summary_year"

CASES = [
    Case(OO, "该工程于2023年12月正式签约,2023年2月开工建设,落户于锦绣南山步行街。", True,
         lambda p: (dt(p, "2023年12月", "2023-12"), dt(p, "2023年2月", "2023-02")), "warning",
         "2023年12月正式签约,2023年2月开工", ["2023年12月", "2023年2月"]),
    Case(OO, "项目于2023年3月启动,2022年11月完成主体建设。", True,
         lambda p: (dt(p, "2023年3月", "2023-03"), dt(p, "2022年11月", "2022-11")), "warning",
         "2023年3月启动,2022年11月完成", ["2023年3月", "2022年11月"]),
    Case(OO, "该工程于2022年12月正式签约,2023年2月开工建设,8月16日正式开园运营。", False,
         lambda p: (dt(p, "2022年12月", "2022-12"), dt(p, "2023年2月", "2023-02"), dt(p, "8月16日", "2023-08-16"))),
    Case(OO, "该工程2023年5月开工,计划于2023年3月竣工验收。", False,
         lambda p: (dt(p, "2023年5月", "2023-05"), dt(p, "2023年3月", "2023-03"))),
    Case(FAR, "全区规上工业总产值14000万元,2013年完成技改投资5000万元。", True,
         lambda p: (dt(p, "2013年", "2013"), fx(p, "5000万元")), "warning", "2013年", ["2013年"]),
    Case(FAR, "北京赢得了2008年奥运会举办权,全年接待游客120万人次。", False,
         lambda p: (dt(p, "2008年", "2008"), fx(p, "120万人次")), report_year=2002),
    Case(FAR, "1998年,国务院组成部门由40个减少到29个。", False,
         lambda p: (dt(p, "1998年", "1998"), fx(p, "40个"), fx(p, "29个")), report_year=2003),
    Case(FAR, "区餐饮行业协会正式挂牌,2031年12月新发展会员120家。", True,
         lambda p: (dt(p, "2031年12月", "2031-12"), fx(p, "120家")), "warning", "2031年12月", ["2031年12月"]),
    Case(FAR, "到2035年基本实现社会主义现代化,远景规划1500亩。", False, lambda p: dt(p, "2035年", "2035")),
    Case(FAR, "1978年以来,全区经济总量增长了100多倍。", False, lambda p: dt(p, "1978年", "1978")),
    Case(FAR, "2022年完成投资1.2亿元,2024年计划投资2亿元。", False,
         lambda p: (dt(p, "2022年", "2022"), dt(p, "2024年", "2024"))),
    Case(PY, "现将区商务和经信科技局2023年工作总结、存在的主要困难和2023年工作打算报告如下:", True, None,
         "warning", "2023年工作总结、存在的主要困难和2023年工作打算", []),
    Case(PY, "县林业局2022年度工作总结暨2022年工作计划", True, None, "warning", "2022年度工作总结暨2022年工作计划", []),
    Case(PY, "县林业局2022年工作总结及2023年工作计划", False),
    Case(PY, "科技局XX年工作总结暨XX年工作打算。2023年工作总结如下。", False),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case(case: Case) -> None:
    check_case(case)


@pytest.mark.parametrize(("iso", "lo", "hi"), [
    ("2023", "2023-01-01", "2023-12-31"), ("2023-02", "2023-02-01", "2023-02-28"),
    ("2023-08-16", "2023-08-16", "2023-08-16"), ("2023-01/2023-09", "2023-01-01", "2023-09-30"),
])
def test_date_bounds(iso: str, lo: str, hi: str) -> None:
    a, b = date_bounds(iso)
    assert (a.isoformat(), b.isoformat()) == (lo, hi)


def test_date_bounds_invalid() -> None:
    assert date_bounds("2023-13") is None and date_bounds("") is None
NATIONAL_QUIET = [
    Case(FAR, "原煤八千一百九十九万吨,等于一九四九年的二点六倍。", False,
         lambda p: dt(p, "一九四九年", "1949"), report_year=1954),
    Case(FAR, "铁路正线的通车里程一九四九年为二万一千七百公里。", False,
         lambda p: dt(p, "一九四九年", "1949"), report_year=1954),
    Case(FAR, "一九五○年七月到一九五三年底,仅由各地劳动部门介绍就业的,就有二百零七万人。", False,
         lambda p: (dt(p, "一九五○年七月", "1950-07"), dt(p, "一九五三年底", "1953-12-31")), report_year=1958),
]
CASES += NATIONAL_QUIET
PROVINCIAL_QUIET = [
    Case(PY, "2022年工作总结 刘成金 发布 2022年,在区林业局的领导下。一、2022年重点工作完成情况", False),
]
CASES += PROVINCIAL_QUIET

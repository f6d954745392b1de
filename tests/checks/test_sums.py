"""Totals and parts with Calc 1.1 intervals."""
from __future__ import annotations

import pytest

from .helpers import Case, check_case, fx

EX = "sum.parts_exceed_total"
BM = "sum.breakdown_mismatch"
OK = "sum.verified"

CASES = [
    Case(EX, "共实施项目9个,其中A类4个、B类3个、C类5个。", True,
         lambda p: (fx(p, "9个"), fx(p, "4个"), fx(p, "3个"), fx(p, "5个")), "error", "9个,其中A类4个、B类3个、C类5个",
         ["9个", "4个", "3个", "5个"]),
    Case(EX, "全年完成固定资产投资12.5亿元,增长8%,其中工业投资8.2亿元,基础设施投资4.6亿元。", True,
         lambda p: (fx(p, "12.5亿元"), fx(p, "8%"), fx(p, "8.2亿元"), fx(p, "4.6亿元")), "error", None,
         ["12.5亿元", "8.2亿元", "4.6亿元"]),
    Case(EX, "累计培训2.3万人次。其中,A类1.4万人次,B类1.3万人次。", True,
         lambda p: (fx(p, "2.3万人次"), fx(p, "1.4万人次"), fx(p, "1.3万人次")), "error"),
    # rounding: [1.05,1.15]+[1.25,1.35] = [2.30,2.50] meets [2.25,2.35]
    Case(EX, "共培训2.3万人次,其中A类1.1万人次、B类1.3万人次。", False,
         lambda p: (fx(p, "2.3万人次"), fx(p, "1.1万人次"), fx(p, "1.3万人次"))),
    Case(EX, "共开展执法行动90余次,其中联合执法62次,夜查30次。", False,
         lambda p: (fx(p, "90余次"), fx(p, "62次"), fx(p, "30次"))),
    Case(EX, "共有党员120人,其中男性80人,女性40人,预备党员15人。", False,
         lambda p: (fx(p, "120人"), fx(p, "80人"), fx(p, "40人"), fx(p, "15人"))),
    Case(EX, "完成投资1200万元,已预付650万元。", False, lambda p: (fx(p, "1200万元"), fx(p, "650万元"))),
    Case(EX, "共有企业120家,其中规上企业80家,比上年增加50家。", False,
         lambda p: (fx(p, "120家"), fx(p, "80家"), fx(p, "50家"))),
    Case(BM, "全年申报项目共9个,分别为市级2个、区级3个、镇级2个。", True,
         lambda p: (fx(p, "9个"), fx(p, "2个"), fx(p, "3个"), fx(p, "2个", nth=1)), "error", None,
         ["9个", "2个", "3个", "2个"]),
    Case(BM, "争取上级资金3.5亿元,分别为中央资金1.2亿元、省级资金1.1亿元。", True,
         lambda p: (fx(p, "3.5亿元"), fx(p, "1.2亿元"), fx(p, "1.1亿元")), "error"),
    Case(BM, "全年申报项目共9个,分别为市级2个、区级3个、镇级4个。", False,
         lambda p: (fx(p, "9个"), fx(p, "2个"), fx(p, "3个"), fx(p, "4个"))),
    Case(BM, "争取上级资金约3.5亿元,分别为中央资金1.2亿元、省级资金2.2亿元。", False,
         lambda p: (fx(p, "约3.5亿元"), fx(p, "1.2亿元"), fx(p, "2.2亿元"))),
    Case(BM, "共实施项目9个,其中A类4个、B类3个。", False,
         lambda p: (fx(p, "9个"), fx(p, "4个"), fx(p, "3个"))),
    # verified relations (info)
    Case(OK, "查处各类案件19起,行政罚款3起,整改16起。", True,
         lambda p: (fx(p, "19起"), fx(p, "3起"), fx(p, "16起")), "info", None, ["19起", "3起", "16起"]),
    Case(OK, "完成了第一批335亩土地和225亩林地报批,协议征地560余亩。", True,
         lambda p: (fx(p, "335亩", kind="quantity"), fx(p, "225亩", kind="quantity"),
                    fx(p, "560余亩", kind="quantity")), "info", None, ["560余亩", "335亩", "225亩"]),
    Case(OK, "查处各类案件19起,行政罚款4起,整改16起。", False,
         lambda p: (fx(p, "19起"), fx(p, "4起"), fx(p, "16起"))),
    Case(OK, "完成投资1200万元,已预付650万元。", False, lambda p: (fx(p, "1200万元"), fx(p, "650万元"))),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case(case: Case) -> None:
    check_case(case)

"""Shares, rates and structure ratios."""
from __future__ import annotations

import pytest

from .helpers import Case, check_case, fx

SR = "share.recomputed_mismatch"
SS = "share.sum_exceeds_100"
RR = "rate.recomputed_mismatch"
RS = "ratio.sum_not_100"

CASES = [
    Case(SR, "全年财政总收入8.5亿元,其中税收收入5.3亿元,占比72%。", True,
         lambda p: (fx(p, "8.5亿元"), fx(p, "5.3亿元"), fx(p, "72%")), "error", "5.3亿元,占比72%",
         ["72%", "5.3亿元", "8.5亿元"]),
    Case(SR, "共接待游客120万人次,其中过夜游客30万人次,占全部游客的35%。", True,
         lambda p: (fx(p, "120万人次"), fx(p, "30万人次"), fx(p, "35%")), "error", "30万人次,占全部游客的35%",
         ["35%", "30万人次", "120万人次"]),
    Case(SR, "全年财政总收入8.5亿元,其中税收收入5.3亿元,占比62%。", False,
         lambda p: (fx(p, "8.5亿元"), fx(p, "5.3亿元"), fx(p, "62%"))),
    Case(SR, "共接待游客120万人次,其中过夜游客30万人次,占全部游客的25%。", False,
         lambda p: (fx(p, "120万人次"), fx(p, "30万人次"), fx(p, "25%"))),
    Case(SR, "税收收入5.3亿元,占全省的0.6%。", False, lambda p: (fx(p, "5.3亿元"), fx(p, "0.6%"))),
    Case(SS, "第一、二、三产业增加值分别占地区生产总值的12.5%、45.3%、48.1%。", True,
         lambda p: (fx(p, "12.5%"), fx(p, "45.3%"), fx(p, "48.1%")), "error", "12.5%、45.3%、48.1%",
         ["12.5%", "45.3%", "48.1%"]),
    Case(SS, "全年财政总收入8.5亿元,其中税收收入5.3亿元,占比62%,非税收入3.9亿元,占比46%。", True,
         lambda p: (fx(p, "8.5亿元"), fx(p, "5.3亿元"), fx(p, "62%"), fx(p, "3.9亿元"), fx(p, "46%")), "error",
         "62%,非税收入3.9亿元,占比46%", ["62%", "46%"]),
    Case(SS, "第一、二、三产业增加值分别占地区生产总值的8.2%、40.5%、51.3%。", False,
         lambda p: (fx(p, "8.2%"), fx(p, "40.5%"), fx(p, "51.3%"))),
    Case(SS, "高新技术企业增加值占比62%,民营经济占比58%。", False, lambda p: (fx(p, "62%"), fx(p, "58%"))),
    Case(RR, "发现问题120个,已整改98个,整改率90%。", True,
         lambda p: (fx(p, "120个"), fx(p, "98个"), fx(p, "90%")), "error", "120个,已整改98个,整改率90%",
         ["90%", "98个", "120个"]),
    Case(RR, "受理群众投诉56件,办结50件,办结率100%。", True,
         lambda p: (fx(p, "56件"), fx(p, "50件"), fx(p, "100%")), "error",
         "56件,办结50件,办结率100%", ["100%", "50件", "56件"]),
    Case(RR, "发现问题120个,已整改108个,整改率90%。", False,
         lambda p: (fx(p, "120个"), fx(p, "108个"), fx(p, "90%"))),
    Case(RR, "抽检食品批次300批,合格296批,合格率98.7%。", False,
         lambda p: (fx(p, "300批"), fx(p, "296批"), fx(p, "98.7%"))),
    Case(RS, "三次产业结构调整为8.2:40.5:52.3。", True, None, "error", "8.2:40.5:52.3", []),
    Case(RS, "三次产业结构比为9∶41∶52,产业结构持续优化。", True, None, "error", "9∶41∶52", []),
    Case(RS, "三次产业结构调整为8.2:40.5:51.3。", False),
    Case(RS, "三次产业结构由10.1:45.2:44.7调整为9.6:40.8:49.6。", False),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case(case: Case) -> None:
    check_case(case)


NATIONAL_QUIET = [
    Case(SS, "全年支出总额300亿元,其中,经济建设费支出137.6亿元,占预算数的96.99%,社会文教费支出31.9亿元,占预算数的82.82%。",
         False, lambda p: (fx(p, "300亿元"), fx(p, "137.6亿元"), fx(p, "96.99%"), fx(p, "31.9亿元"), fx(p, "82.82%"))),
    Case("percent.out_of_range", "债款支出6.7亿元,占预算数的106.48%;地方财政共收入74.4亿元,占预算数的102.74%。", False,
         lambda p: (fx(p, "6.7亿元"), fx(p, "106.48%"), fx(p, "74.4亿元"), fx(p, "102.74%"))),
]
CASES += NATIONAL_QUIET
PROVINCIAL_QUIET = [
    Case(SS, "专项产业基金、新增能耗、新增工业用地支持民间投资项目比重分别为99.3%、93.8%、84.6%。", False,
         lambda p: (fx(p, "99.3%"), fx(p, "93.8%"), fx(p, "84.6%"))),
]
CASES += PROVINCIAL_QUIET
COMPLETION = [
    # 5亿元 is [4.5, 5.5]亿 (Calc 1.1), so only a figure written to 0.1亿 pins the rate down
    Case(RR, "年度计划投资5.0亿元,完成投资5.6亿元,完成率102%。", True,
         lambda p: (fx(p, "5.0亿元"), fx(p, "5.6亿元"), fx(p, "102%")), "error", "5.0亿元,完成投资5.6亿元,完成率102%",
         ["102%", "5.6亿元", "5.0亿元"]),
    Case(RR, "年度计划投资5亿元,完成投资5.6亿元,完成率102%。", False,
         lambda p: (fx(p, "5亿元"), fx(p, "5.6亿元"), fx(p, "102%"))),
    Case(RR, "年度计划投资5亿元,完成投资5.6亿元,完成率112%。", False,
         lambda p: (fx(p, "5亿元"), fx(p, "5.6亿元"), fx(p, "112%"))),
]
CASES += COMPLETION
RC = "ratio.components_mismatch"
DAQING = ("第一产业实现增加值47.5亿元,同比增长4.4%;第二产业实现增加值730.5亿元,同比增长0.1%;"
          "第三产业实现增加值450亿元,同比增长4.5%。三次产业比为3.9:59.5:36.6,一三产业比重分别比同期提高0.9、5.1个百分点。")


def _daqing(p, third="450亿元"):
    fx(p, "47.5亿元"), fx(p, "730.5亿元"), fx(p, third)


CASES += [
    # the real Daqing half-year analysis: 47.5 + 730.5 + 450 = 1228, 3.87 : 59.49 : 36.64
    Case(RC, DAQING, False, _daqing),
    Case(RC, DAQING.replace("450亿元", "550亿元"), True, lambda p: _daqing(p, "550亿元"), "error", "3.9:59.5:36.6",
         ["47.5亿元", "730.5亿元", "550亿元"]),
    Case(RC, "第一产业增加值12.0亿元,第二产业增加值40.0亿元,第三产业增加值48.0亿元,三次产业结构为15:40:45。", True,
         lambda p: (fx(p, "12.0亿元"), fx(p, "40.0亿元"), fx(p, "48.0亿元")), "error", "15:40:45",
         ["12.0亿元", "40.0亿元", "48.0亿元"]),
    Case(RC, "第一产业增加值12.0亿元,第二产业增加值40.0亿元,第三产业增加值48.0亿元,三次产业结构为12:40:48。", False,
         lambda p: (fx(p, "12.0亿元"), fx(p, "40.0亿元"), fx(p, "48.0亿元"))),
    Case(RS, "三次产业比为3.9:59.5:37.6,一三产业比重分别比同期提高0.9、5.1个百分点。", True, None, "error",
         "3.9:59.5:37.6", []),
]

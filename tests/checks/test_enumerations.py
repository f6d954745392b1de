"""Enumerations: stated count vs items listed; list markers in order."""
from __future__ import annotations

import pytest

from .helpers import Case, check_case, fx

EC = "enum.count_mismatch"
MO = "enum.marker_out_of_order"

SAMPLE_LIST = ("全年申报市科技方案工程共5个,分别是XX市xx区树木园承担的湖南杜鹃花植物专类营建技术研究;"
               "xx云雾茶业承担的“xx香饼紧压(香)茶关键技术研究与示范推广;湖南水濂洞生态农业承担的金秋沙糖桔引种及栽培关键技术研究与示范;"
               "XX市禹晋果业承担的黄桃、赣南脐橙、hb红心蜜柚种苗改良及高山产业化种植;及XX市集贤生态农庄责任承担的优质葡萄提质改造工程(土壤改良、品种更新换代)。")

CASES = [
    Case(EC, SAMPLE_LIST.replace("共5个", "共6个"), True, lambda p: fx(p, "6个"), "warning", "6个,分别是" + SAMPLE_LIST.split("分别是")[1].rstrip("。"), ["6个"]),
    Case(EC, "全年新认定高新技术企业4家,分别是华兴科技、恒瑞电子和绿源农业。", True,
         lambda p: fx(p, "4家"), "warning", "4家,分别是华兴科技、恒瑞电子和绿源农业", ["4家"]),
    Case(EC, "三岛贸易、速8酒店、开汇源金属、绿宜苗圃、鑫源建材和岳城老饭铺等5家企业已成功申报入网。", True,
         lambda p: fx(p, "5家"), "warning", "三岛贸易、速8酒店、开汇源金属、绿宜苗圃、鑫源建材和岳城老饭铺等5家", ["5家"]),
    Case(EC, SAMPLE_LIST, False, lambda p: fx(p, "5个")),
    Case(EC, "全年新认定高新技术企业3家,分别是华兴科技、恒瑞电子和绿源农业。", False, lambda p: fx(p, "3家")),
    Case(EC, "三岛贸易、速8酒店。开汇源金属、绿宜苗圃和岳城老饭铺等5家企业已成功申报入网。", False,
         lambda p: fx(p, "5家")),
    Case(EC, "全年申报项目共9个,分别为市级2个、区级3个、镇级4个。", False,
         lambda p: (fx(p, "9个"), fx(p, "2个"), fx(p, "3个"), fx(p, "4个"))),
    Case(MO, "一是经济逐年攀升。二是行业管理无事故。二是“限上企业早完成。三是成立餐协促标准。", True, None,
         "warning", "二是", []),
    Case(MO, "一是以工程促开展;二是以技术促扶贫;四是以宣传促普及。", True, None, "warning", "四是", []),
    Case(MO, "一是经济逐年攀升。二是管理稳中趋优。三是通讯全面覆盖。四是创新创业高涨。", False),
    Case(MO, "一是统一是非标准;二是加强领导。一是完善制度;二是强化考核。", False),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case(case: Case) -> None:
    check_case(case)
PROVINCIAL_QUIET = [
    # nested lists: heading-level 六是/七是/八是 with inner 一是…十一是 lists under each heading
    Case(MO, "六是加强生态保护。一是治理水土流失;二是建设水库。七是推进乡村振兴。一是建设农村水利;二是改厕;三是修路;"
             "四是通电;五是通网;六是供水;七是供气;八是绿化;九是亮化;十是美化;十一是建设“水盆子”。八是深化主动创安创稳。", False),
]
CASES += PROVINCIAL_QUIET

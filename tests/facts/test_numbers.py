"""Issue 3, parts 1 and 2: every number form on real-style sentences, asserting value, interval,
precision, approx, unit and offsets; and the hard negatives that must yield no value fact.

Sentences are from the sample report (../shared/seed) or written in the genre. Each row:
(sentence, surface, kind, value, low, high, decimals, approx, unit). ``None`` for low/high is an
open side; "*" skips a column.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from extractor.facts import facts_from_text

NUMBER_KINDS = ("money", "percent", "count", "quantity")

# fmt: off
CASES = [
    # --- Arabic, full-width, separators, decimals with 万/亿/万亿 (REFERENCE b1, b5, b6)
    ("工程完成投资1200万元，已预付650万元", "1200万元", "money", "12000000", "12000000", "12000000", -4, "exact", "CNY"),
    ("全年实现收入2,460亿元。", "2,460亿元", "money", "246000000000", "*", "*", -8, "exact", "CNY"),
    ("预计完成内联引资9.1亿元，外资1150万美元", "9.1亿元", "money", "910000000", "*", "*", -7, "exact", "CNY"),
    ("预计完成内联引资9.1亿元，外资1150万美元", "1150万美元", "money", "11500000", "*", "*", -4, "exact", "USD"),
    ("全省生产总值达到1.2万亿元。", "1.2万亿元", "money", "1200000000000", "*", "*", -11, "exact", "CNY"),
    ("全区规上工业总产值14000万元，较去年同比增长7.5%。", "14000万元", "money", "140000000", "*", "*", -4, "exact", "CNY"),
    ("全区规上工业总产值14000万元，较去年同比增长7.5%。", "7.5%", "percent", "7.5", "7.5", "7.5", 1, "exact", "%"),
    ("花费了47.264287亿元简直是太破费了。", "47.264287亿元", "money", "4726428700", "*", "*", -2, "exact", "CNY"),
    ("增加值增长１２.５％。", "１２.５％", "percent", "12.5", "*", "*", 1, "exact", "%"),
    ("全年完成１２００万元投资。", "１２００万元", "money", "12000000", "*", "*", -4, "exact", "CNY"),
    ("财政收入1,100.9亿元。", "1,100.9亿元", "money", "110090000000", "*", "*", -7, "exact", "CNY"),
    ("车费82，225.00元。", "82，225.00元", "money", "82225", "*", "*", 2, "exact", "CNY"),
    ("煤炭产量62，000万吨，比1980年增长。", "62，000万吨", "quantity", "620000000", "*", "*", -4, "exact", "吨"),
    ("债务收入为9，970，000，000元，占本年收入。", "9，970，000，000元", "money", "9970000000", "*", "*", 0, "exact", "CNY"),
    ("举办培训班三期。", "三期", "count", "3", "*", "*", 0, "exact", "期"),
    ("连续三届获评先进。", "三届", "count", "3", "*", "*", 0, "exact", "届"),
    # --- Chinese numerals (b2, b3, b4)
    ("全年接待游客一千二百八十人次。", "一千二百八十人次", "count", "1280", "1280", "1280", -1, "exact", "人次"),
    ("发放奖金十八万六千元。", "十八万六千元", "money", "186000", "*", "*", -3, "exact", "CNY"),
    ("争取资金三千余万元。", "三千余万元", "money", "30000000", "30000000", "40000000", -7, "at_least", "CNY"),
    ("总投资一万五千亿元。", "一万五千亿元", "money", "1500000000000", "*", "*", -11, "exact", "CNY"),
    ("奖励三万五元。", "三万五元", "money", "35000", "*", "*", -3, "exact", "CNY"),
    ("服务群众一万零十二人。", "一万零十二人", "count", "10012", "*", "*", 0, "exact", "人"),
    ("成立了两个工作专班。", "两个", "count", "2", "2", "2", 0, "exact", "个"),
    ("新建农村公路两万两千米。", "两万两千米", "quantity", "22000", "*", "*", -3, "exact", "米"),
    ("装机一千瓦。", "一千瓦", "quantity", "1000", "*", "*", -3, "exact", "瓦"),
    # --- financial capitals (b7)
    ("捐赠壹佰万元。", "壹佰万元", "money", "1000000", "*", "*", -6, "exact", "CNY"),
    ("合计壹佰壹拾万贰仟陆佰壹拾肆元陆角。", "壹佰壹拾万贰仟陆佰壹拾肆元陆角", "money", "1102614.6", "*", "*", 1, "exact", "CNY"),
    ("税额共计壹仟玖佰圆整，限月缴清。", "壹仟玖佰圆整", "money", "1900", "*", "*", -2, "exact", "CNY"),
    # --- mixed segments (b3)
    ("补助3万4000元。", "3万4000元", "money", "34000", "*", "*", 0, "exact", "CNY"),
    ("奖金25万6千元。", "25万6千元", "money", "256000", "*", "*", -3, "exact", "CNY"),
    ("投资十亿3000万元。", "十亿3000万元", "money", "1030000000", "*", "*", -4, "exact", "CNY"),
    ("资助13万2元。", "13万2元", "money", "132000", "*", "*", -3, "exact", "CNY"),
    ("共1千零20人参加。", "1千零20人", "count", "1020", "*", "*", 0, "exact", "人"),
    # --- ranges (b12, b13)
    ("每个项目补助200-300万元。", "200-300万元", "money", "2000000", "2000000", "3000000", -4, "range", "CNY"),
    ("每村建设三到五个示范点。", "三到五个", "count", "3", "3", "5", 0, "range", "个"),
    ("预计增长5%—8%。", "5%—8%", "percent", "5", "5", "8", 0, "range", "%"),
    ("增速保持在5-20%之间。", "5-20%之间", "percent", "5", "5", "20", 0, "range", "%"),
    ("单笔资金在10000与20000之间的项目由局长审批。", "10000与20000之间", "money", "10000", "10000", "20000", 0, "range", "CNY"),
    ("单笔金额在10000与20000元之间。", "10000与20000元之间", "money", "10000", "10000", "20000", 0, "range", "CNY"),
    ("报账金额1万(含)-5万元的交由上级批复。", "1万(含)-5万元", "money", "10000", "10000", "50000", -4, "range", "CNY"),
    ("价格从8500元到3万元不等。", "从8500元到3万元不等", "money", "8500", "8500", "30000", "*", "range", "CNY"),
    ("每户两三个。", "两三个", "count", "2", "2", "3", 0, "range", "个"),
    ("售价五六百美元。", "五六百美元", "money", "500", "500", "600", -2, "range", "USD"),
    ("八到九百亿泰铢。", "八到九百亿泰铢", "money", "80000000000", "80000000000", "90000000000", "*", "range", "THB"),
    # --- qualifiers (b9, b15)
    ("来自各地的企业和专家学者共400余人参加了此次盛会", "400余人", "count", "400", "400", "500", -2, "at_least", "人"),
    ("吸引了近800件作品参赛。", "近800件", "count", "800", "700", "800", -2, "about", "件"),
    ("总投资约4.287亿美元。", "约4.287亿美元", "money", "428700000", "428700000", "428700000", -5, "about", "USD"),
    ("年收入10万元左右。", "10万元左右", "money", "100000", "100000", "100000", -4, "about", "CNY"),
    ("交易额到达50万元以上", "50万元以上", "money", "500000", "500000", None, -4, "at_least", "CNY"),
    ("单个项目30万元以下。", "30万元以下", "money", "300000", None, "300000", -4, "at_most", "CNY"),
    ("合同额超过40万元。", "超过40万元", "money", "400000", "400000", None, -4, "at_least", "CNY"),
    ("成本不到1.9万元。", "不到1.9万元", "money", "19000", None, "19000", -3, "at_most", "CNY"),
    ("累计逾300家企业入驻。", "逾300家", "count", "300", "300", None, 0, "at_least", "家"),
    ("至少100个项目开工。", "至少100个", "count", "100", "100", None, 0, "at_least", "个"),
    ("网上销售额37多万元。", "37多万元", "money", "370000", "370000", "380000", -4, "at_least", "CNY"),
    ("全年为协会争取财政资金近2023万余元。", "近2023万余元", "money", "20230000", "20220000", "20240000", -4, "about", "CNY"),
    # --- 多 position (b10) and vague magnitudes (b11)
    ("收入三十多万元。", "三十多万元", "money", "300000", "300000", "400000", -5, "at_least", "CNY"),
    ("规模三十万多亿元。", "三十万多亿元", "money", "30000000000000", "30000000000000", "40000000000000", -13, "at_least", "CNY"),
    ("动员了数十家企业。", "数十家", "count", "10", "10", "100", -1, "range", "家"),
    ("收入三十几万元。", "三十几万元", "money", "300000", "300000", "400000", -5, "range", "CNY"),
    # --- currencies (b21)
    ("募集资金8亿元人民币。", "8亿元人民币", "money", "800000000", "*", "*", -8, "exact", "CNY"),
    ("募集资金人民币8亿元。", "人民币8亿元", "money", "800000000", "*", "*", -8, "exact", "CNY"),
    ("对外贸易3万美元。", "3万美元", "money", "30000", "*", "*", -4, "exact", "USD"),
    ("投资1.72万亿欧元。", "1.72万亿欧元", "money", "1720000000000", "*", "*", -10, "exact", "EUR"),
    ("收入25481港元。", "25481港元", "money", "25481", "*", "*", 0, "exact", "HKD"),
    ("支出3万元欧元。", "3万元欧元", "money", "30000", "*", "*", -4, "exact", "EUR"),
    ("融资100000万美元。", "100000万美元", "money", "1000000000", "*", "*", -4, "exact", "USD"),
    ("支付9000元日币。", "9000元日币", "money", "9000", "*", "*", 0, "exact", "JPY"),
    ("赔偿英镑500万。", "英镑500万", "money", "5000000", "*", "*", -4, "exact", "GBP"),
    # --- money without 元 when the context says money (b20)
    ("历经启动及作品征集、设计大咖xx行、评审评选、颁奖典礼等环节,奖金设置近40万,面向全国征", "近40万", "money", "400000", "300000", "400000", -5, "about", "CNY"),
    ("全年争取上级资金40万，用于道路硬化。", "40万", "money", "400000", "*", "*", -4, "exact", "CNY"),
    ("某上市公司以四千万收购本地一家化工企业。", "四千万", "money", "40000000", "*", "*", -7, "exact", "CNY"),
    ("完成路基26.1公里、桥梁12座、涵洞86道。", "86道", "count", "86", "*", "*", 0, "exact", "道"),
    # --- percentages (b16, b17, b18)
    ("贫困户占比百分之十五。", "百分之十五", "percent", "15", "*", "*", 0, "exact", "%"),
    ("增长百分之一点五七。", "百分之一点五七", "percent", "1.57", "*", "*", 2, "exact", "%"),
    ("三成以上的企业完成改造。", "三成以上", "percent", "30", "30", None, -1, "at_least", "%"),
    ("城镇化率提高0.8个百分点。", "0.8个百分点", "percent", "0.8", "0.8", "0.8", 1, "exact", "pp"),
    ("全区社会消费品零售总额同比下降2.7%。", "2.7%", "percent", "-2.7", "-2.7", "-2.7", 1, "exact", "%"),
    ("能耗比上年下降了0.5个百分点。", "0.5个百分点", "percent", "-0.5", "*", "*", 1, "exact", "pp"),
    ("登记失业率降至2.7%。", "2.7%", "percent", "2.7", "*", "*", 1, "exact", "%"),
    ("出口额增长1.2倍。", "1.2倍", "percent", "120", "120", "120", -1, "exact", "%"),
    ("同比增长-3.5%。", "-3.5%", "percent", "-3.5", "*", "*", 1, "exact", "%"),
    # --- counts and quantities (b19)
    ("查处各类案件19起，行政罚款3起，整改16起。", "19起", "count", "19", "19", "19", 0, "exact", "起"),
    ("全年共接待客商40余批300余人次", "300余人次", "count", "300", "300", "400", -2, "at_least", "人次"),
    ("全年共接待客商40余批300余人次", "40余批", "count", "40", "40", "50", -1, "at_least", "批"),
    ("新建台区16个/1880千伏安，改造台区9个/1530千伏安", "16个", "count", "16", "16", "16", 0, "exact", "个"),
    ("新建台区16个/1880千伏安，改造台区9个/1530千伏安", "1880千伏安", "quantity", "1880", "*", "*", 0, "exact", "千伏安"),
    ("包含新建2023千伏路9.8千米", "9.8千米", "quantity", "9.8", "9.8", "9.8", 1, "exact", "千米"),
    ("落实高标准农田8.4万亩。", "8.4万亩", "quantity", "84000", "84000", "84000", -3, "exact", "亩"),
    ("面积2035平方米，投资合作方为", "2035平方米", "quantity", "2035", "*", "*", 0, "exact", "平方米"),
    ("协议征地560余亩", "560余亩", "quantity", "560", "560", "570", -1, "at_least", "亩"),
    ("新增1.2万人次。", "1.2万人次", "count", "12000", "*", "*", -3, "exact", "人次"),
    ("完成了第一批335亩土地和225亩林地报批", "335亩", "quantity", "335", "*", "*", 0, "exact", "亩"),
    ("年产2.3千克。", "2.3千克", "quantity", "2.3", "*", "*", 1, "exact", "千克"),
    # --- more REFERENCE (b) rows: b1, b9, b11, b12, b17, b19, b22
    ("年末结转和结余10.56亿元。", "10.56亿元", "money", "1056000000", "*", "*", -6, "exact", "CNY"),
    ("债务余额4120亿元。", "4120亿元", "money", "412000000000", "*", "*", -8, "exact", "CNY"),
    ("投入二百余万元。", "二百余万元", "money", "2000000", "2000000", "3000000", -6, "at_least", "CNY"),
    ("投入一千多万元。", "一千多万元", "money", "10000000", "10000000", "20000000", -7, "at_least", "CNY"),
    ("营收500多亿元。", "500多亿元", "money", "50000000000", "50000000000", "60000000000", -10, "at_least", "CNY"),
    ("吸引上百家企业入驻。", "上百家", "count", "100", "100", None, -2, "at_least", "家"),
    ("带动好几千人就业。", "好几千人", "count", "1000", "1000", "10000", -3, "range", "人"),
    ("争取资金十来万元。", "十来万元", "money", "100000", "100000", "200000", -5, "range", "CNY"),
    ("每村一两个。", "一两个", "count", "1", "1", "2", 0, "range", "个"),
    ("每斤三四十块钱。", "三四十块钱", "money", "30", "30", "40", -1, "range", "CNY"),
    ("市场份额提高20个百分点。", "20个百分点", "percent", "20", "*", "*", 0, "exact", "pp"),
    ("全年新增市场主体300家。", "300家", "count", "300", "*", "*", 0, "exact", "家"),
    ("完成造林500亩。", "500亩", "quantity", "500", "*", "*", 0, "exact", "亩"),
    ("共接待100个人。", "100个", "count", "100", "*", "*", 0, "exact", "个"),
    ("2.2本计划投资3541.07万元2.3本项目……", "3541.07万元", "money", "35410700", "*", "*", -2, "exact", "CNY"),
    ("日供水一吨半。", "一吨半", "quantity", "1.5", "*", "*", 1, "exact", "吨"),
    # --- the sample's corrupted figures are facts with the values as written (checks flag them)
    ("实现全区贫困村4g覆盖率和光纤宽带通达率到达20230%。", "20230%", "percent", "20230", "*", "*", 0, "exact", "%"),
    ("全区社会消费品零售总额完成21.12亿元，同比增长2023.9%，位于全市第一。", "2023.9%", "percent", "2023.9", "*", "*", 1, "exact", "%"),
    ("年内举办各类科技培训2023余期，培训2022余人次", "2023余期", "count", "2023", "2023", "2024", 0, "at_least", "期"),
    ("年内举办各类科技培训2023余期，培训2022余人次", "2022余人次", "count", "2022", "2022", "2023", 0, "at_least", "人次"),
    ("改造下户线34.01千米，新立电杆202330基", "202330基", "count", "202330", "*", "*", 0, "exact", "基"),
    ("包含新建2023千伏路9.8千米", "2023千伏", "quantity", "2023", "*", "*", 0, "exact", "千伏"),
]
# fmt: on


def _ids(row):
    return f"{row[2]}:{row[1]}"


@pytest.mark.parametrize("row", CASES, ids=[_ids(r) for r in CASES])
def test_number_form(row):
    sentence, surface, kind, value, low, high, decimals, approx, unit = row
    facts = facts_from_text(sentence, report_year=2023)
    got = [f for f in facts if f.text == surface and f.kind == kind]
    assert got, f"no {kind} fact {surface!r}; got {[(f.kind, f.text) for f in facts]}"
    f = got[0]
    assert f.start == sentence.index(surface) and f.end == f.start + len(surface)
    assert sentence[f.start:f.end] == f.text
    assert f.value == Decimal(value)
    for want, have in ((low, f.value_low), (high, f.value_high)):
        if want == "*":
            continue
        assert (have is None) if want is None else have == Decimal(want), (want, have)
    if low == "*" and approx == "exact":
        assert f.value_low == f.value_high == f.value
    if decimals != "*":
        assert f.decimals == decimals
    assert f.approx == approx
    assert f.unit == unit


def test_both_qualifiers_kept():
    f = [f for f in facts_from_text("争取财政资金近2023万余元。") if f.kind == "money"][0]
    assert f.qualifiers == "近|余"
    assert f.low_open and f.high_open


def test_structure_ratio_gives_three_percent_facts():
    s = "三次产业结构调整为8.2:40.5:51.3。"
    got = [f for f in facts_from_text(s) if f.kind == "percent"]
    assert [(f.text, str(f.value), f.role, f.unit) for f in got] == [
        ("8.2", "8.2", "ratio", "%"), ("40.5", "40.5", "ratio", "%"), ("51.3", "51.3", "ratio", "%")]
    assert [s[f.start:f.end] for f in got] == ["8.2", "40.5", "51.3"]
    assert not [f for f in facts_from_text(s) if f.kind == "count"]


def test_list_items_share_the_unit_and_the_sign():
    s = "第二、第三产业占地区生产总值的比重分别回落2.16和1.66个百分点。"
    got = [(f.text, str(f.value), f.unit, f.rule_id) for f in facts_from_text(s) if f.kind == "percent"]
    assert got == [("2.16", "-2.16", "pp", "percent.distributed"),
                   ("1.66个百分点", "-1.66", "pp", "percent.points")]
    s = "两项收入分别为3.2、1.1亿元。"
    got = [(f.text, str(f.value), f.decimals, f.unit) for f in facts_from_text(s) if f.kind == "money"]
    assert got == [("3.2", "320000000", -7, "CNY"), ("1.1亿元", "110000000", -7, "CNY")]
    # a list marker is not an item: 1、2家企业
    assert [f.text for f in facts_from_text("1、2家企业完成改造。") if f.kind == "count"] == ["2家"]


def test_power_first_after_a_qualifier():
    got = {f.text: f for f in facts_from_text("走访了近百家企业，近万人参加。") if f.kind == "count"}
    assert got["近百家"].value == 100 and got["近百家"].approx == "about"
    assert got["近万人"].value == 10000


def test_cjk_comma_separates_two_numbers():
    facts = facts_from_text("分别为20，300家。")
    assert [(f.text, str(f.value)) for f in facts if f.kind == "count"] == [("300家", "300")]
    assert not [f for f in facts if f.value == Decimal(20300)]


def test_duration_beats_count_and_date_is_not_a_count():
    facts = facts_from_text("此次巡展持续2个月，于8月16日正式开园运营。", report_year=2023)
    assert not [f for f in facts if f.kind == "count"]
    assert [f.text for f in facts if f.kind == "duration"] == ["2个月"]


# --- hard negatives: NO number fact (dates may exist) -------------------------------------------
NEGATIVES = [
    "1、创客空间成功开园。",
    "（一）亮点工作。",
    "一是与区委组织部联合下发了建议书。",
    "拟定了实施意见(岳发〔2023〕2号)。",
    "拟定了实施意见(岳发20232号)。",
    "综合改革实施方案(岳供改组办2171号)",
    "三岛贸易、速8酒店。",
    "实现全区贫困村4G覆盖，建成5G基站。",
    "实现全区贫困村4g覆盖率提升。",
    "沿G107国道布局。",
    "工程选址于12023国道烧田村与xx高速之间的区域",
    "在9.19电商发布会上签订合作协议",
    "两岸三地文化创意设计领域的企业",
    "在区四大班子的坚强领导下",
    "确保全区住宿行业万无一失。",
    "着力解决三农问题。",
    "融入一带一路建设。",
    "持续开展打非治违百日行动。",
    "开展信息化和工业化两化融合企业评估",
    "编制了ppp可行性研究报告、两评一方案。",
    "促成了一批工程的成功对接。",
    "以双创空间+科技金融+产业基地为三轮驱动",
    "联系电话0730-8888888，手机13912345678。",
    "身份证号430602199001011234。",
    "未发生一起平安责任事故。",
    "三次产业协调发展。",
    "我一到五台山就下车",
    "百分之七十百分位",
    "第3万回",
    "移动4/5G网络全覆盖。",
    "统一零售价，全国两会，年过半百，销量第三多。",
    "温度调高二十七点三，约两点半开会。",
    "订单号A202107211321363588510367，邮编538400。",
    "马村港三期、金牌港港口及配套工程建成。",
    "深入贯彻党的十九届二中、三中全会精神。",
    "支持地方深化零基预算改革。",
    "关系到我国四个现代化的进程。",
    "发挥中央和地方两个积极性。",
    "已经镇二十届人民代表大会第八次会议审议通过",
    "全力实施四创战略，打造“四张名片”。",
    "严格落实“两个责任”和“一岗双责”。",
    "党的十二大和五届人大五次会议都明确提出",
    "会及省委十三届七次、八次全会部署",
    "全面贯彻党的二十大和二十届历次全会精神",
    "推进“八个振兴”，实现“四个出新出彩”。",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_hard_negative(text):
    facts = [f for f in facts_from_text(text, report_year=2023) if f.kind in NUMBER_KINDS]
    assert facts == [], [(f.kind, f.text, f.rule_id) for f in facts]


def test_ordinal_batch_is_no_count_but_its_area_is():
    facts = facts_from_text("完成了第一批335亩土地报批，第二批次116亩。")
    assert [(f.kind, f.text) for f in facts if f.kind in NUMBER_KINDS] == [
        ("quantity", "335亩"), ("quantity", "116亩")]


def test_hundred_day_action_name_is_not_a_duration():
    facts = facts_from_text("持续开展“打非治违百日行动”。")
    assert not [f for f in facts if "百日" in f.text]


# --- known gaps (strict: a fix must promote them) ------------------------------------------------
GAPS = [
    ("发行总额（亿）10.00", "money", "1000000000", "unit only in a table header"),
]


@pytest.mark.parametrize("text,kind,value", [
    pytest.param(t, k, v, id=t, marks=pytest.mark.xfail(strict=True, reason=r)) for t, k, v, r in GAPS])
def test_known_gap(text, kind, value):
    facts = [f for f in facts_from_text(text) if f.kind == kind]
    assert facts and facts[0].value == Decimal(value)


def test_figure_beyond_decimal_precision_is_rejected_not_a_crash():
    """A 31-digit amount (a pasted code, or garbage from conversion) exceeds the 28 digits of
    Decimal's context: it used to raise InvalidOperation and fail the whole document, losing
    the sentence's real figures too. It is rejected; 28 digits still resolve exactly."""
    text = "全年实现收入1,234,567,890,123,456,789,012,345,678,901元，其中税收12亿元。"
    facts = facts_from_text(text)
    assert [(f.kind, f.text, f.value) for f in facts] == [("money", "12亿元", Decimal("1200000000"))]
    assert text[facts[0].start:facts[0].end] == "12亿元"
    big = "9,999,999,999,999,999,999,999,999,999元"
    [f] = facts_from_text(f"收入{big}。")
    assert f.text == big and f.value == Decimal("9999999999999999999999999999")

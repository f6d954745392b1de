"""attach(): subject, modality, period and percent role on real sentences (sample report,
national reports, genre-style text), through extract_facts with an explicit report year."""
from __future__ import annotations

import pytest

from extractor.facts import extract_facts, facts_from_text, prepare_text
from extractor.reading import read
from extractor.text import prepare


def _facts(text: str, year: int | None = 2023):
    facts = facts_from_text(text, report_year=year)
    for f in facts:
        assert text[f.start:f.end] == f.text
    return facts


def _get(facts, surface: str):
    got = [f for f in facts if f.text == surface]
    assert got, f"{surface!r} not in {[f.text for f in facts]}"
    return got[0]


# (sentence, figure, subject, modality, period, role)
SAMPLE = [
    ("1-9月份,全区社会消费品零售总额完成21.12亿元,同比增长2023.9%,位于全市第一。",
     "21.12亿元", "社会消费品零售总额", "actual", "2023-01/2023-09", ""),
    ("1-9月份,全区社会消费品零售总额完成21.12亿元,同比增长2023.9%,位于全市第一。",
     "2023.9%", "社会消费品零售总额", "actual", "2023-01/2023-09", "growth"),
    ("预计截至12月份,全区规上工业总产值14000万元,较去年同比增长7.5%。",
     "14000万元", "规上工业总产值", "expected", "../2023-12", ""),
    ("预计截至12月份,全区规上工业总产值14000万元,较去年同比增长7.5%。",
     "7.5%", "规上工业总产值", "expected", "../2023-12", "growth"),
    ("全年共接待客商40余批300余人次,洽谈工程8个,预计完成内联引资9.1亿元,外资1150万美元,对外贸易3万美元。",
     "9.1亿元", "内联引资", "expected", "2023", ""),
    ("全年共接待客商40余批300余人次,洽谈工程8个,预计完成内联引资9.1亿元,外资1150万美元,对外贸易3万美元。",
     "1150万美元", "外资", "expected", "2023", ""),
    ("全年共接待客商40余批300余人次,洽谈工程8个,预计完成内联引资9.1亿元,外资1150万美元,对外贸易3万美元。",
     "8个", "工程", "actual", "2023", ""),
    ("今年以来,共开展执法行动90余次,出动执法人员260余人次,查处各类案件19起,行政罚款3起,整改16起。",
     "90余次", "执法行动", "actual", "2023", ""),
    ("今年以来,共开展执法行动90余次,出动执法人员260余人次,查处各类案件19起,行政罚款3起,整改16起。",
     "260余人次", "执法人员", "actual", "2023", ""),
    ("今年以来,共开展执法行动90余次,出动执法人员260余人次,查处各类案件19起,行政罚款3起,整改16起。",
     "19起", "案件", "actual", "2023", ""),
    ("今年以来,共开展执法行动90余次,出动执法人员260余人次,查处各类案件19起,行政罚款3起,整改16起。",
     "16起", "整改", "actual", "2023", ""),
    ("目前我区共有开设湖南电商扶贫小店153家,截止11月9日,网上销售额37多万元。",
     "37多万元", "网上销售额", "actual", "../2023-11-09", ""),
    ("方案在12月底建立农村合作经济组织联合会1个,建立惠农效劳中心1个,建立惠农综合效劳社9个。",
     "9个", "惠农综合服务社", "planned", "2023-12-31", ""),
    ("二是建立了5个电商效劳示范站点,每个示范站点的网销农产品交易额到达50万元以上。",
     "5个", "电商服务示范站点", "actual", "2023", ""),
    ("实现全区贫困村4g覆盖率和光纤宽带通达率到达20230%。",
     "20230%", "光纤宽带通达率", "actual", "2023", "rate"),
    ("该工程于2023年12月正式签约,2023年2月开工建设,落户于XX县区锦绣南山步行街,面积2035平方米。",
     "2035平方米", "面积", "actual", "2023", ""),
]


@pytest.mark.parametrize(("text", "figure", "subject", "modality", "period", "role"), SAMPLE,
                         ids=[f"{c[1]}" for c in SAMPLE])
def test_sample_context(text, figure, subject, modality, period, role) -> None:
    f = _get(_facts(text), figure)
    assert (f.subject, f.modality, f.period, f.role) == (subject, modality, period, role)


def test_expected_cue_spans_the_next_sentence_only() -> None:
    facts = _facts("1-9月份,全区社会消费品零售总额完成21.12亿元,同比增长2023.9%,位于全市第一。"
                   "预计全年完成28.89亿元,增长11%。")
    a, b = _get(facts, "28.89亿元"), _get(facts, "11%")
    assert (a.modality, a.period, a.subject) == ("expected", "2023", "社会消费品零售总额")
    assert (b.modality, b.period, b.role) == ("expected", "2023", "growth")
    assert _get(facts, "21.12亿元").modality == "actual"


def test_dates_and_durations_get_modality_but_no_period() -> None:
    facts = _facts("于3月12日开启为期一百天的平安隐患整治行动。方案在12月底建立联合会1个。")
    d = _get(facts, "一百天")
    assert d.kind == "duration" and d.modality == "actual" and d.period == ""
    assert _get(facts, "12月底").modality == "planned"


GOV_2023 = """政府工作报告
——2023年3月5日在第十四届全国人民代表大会第一次会议上
一、过去一年和五年工作回顾
全年国内生产总值增长3%，城镇新增就业1206万人，年末城镇调查失业率降到5.5%。
二、对今年政府工作的建议
今年发展主要预期目标是：国内生产总值增长5%左右；城镇新增就业1200万人左右；城镇调查失业率5.5%左右。
"""


def test_government_report_review_and_targets() -> None:
    p = prepare_text(GOV_2023)
    assert p.report_year == 2023
    facts = extract_facts(p)
    by = {(f.text, f.sentence): f for f in facts}
    review = [f for f in facts if f.text == "3%"][0]
    assert (review.subject, review.modality, review.period, review.role) == \
        ("国内生产总值", "actual", "2022", "growth")
    jobs = [f for f in facts if f.text == "1206万人"][0]
    assert (jobs.subject, jobs.period) == ("城镇新增就业", "2022")
    target = [f for f in facts if f.text == "5%左右"][0]
    assert (target.subject, target.modality, target.period) == ("国内生产总值", "planned", "2023")
    t_jobs = [f for f in facts if f.text == "1200万人左右"][0]
    assert (t_jobs.subject, t_jobs.modality, t_jobs.period) == ("城镇新增就业", "planned", "2023")
    assert by  # sentence indices are set


PROVINCIAL = """2025年浙江省政府工作报告
一、2024年工作回顾
全省生产总值增长5.5%，一般公共预算收入8800亿元。
二、2025年工作安排
全省生产总值增长5.5%左右。"""


def test_heading_year_sets_the_period() -> None:
    facts = _facts(PROVINCIAL, 2025)
    first, second = [f for f in facts if f.text.startswith("5.5%")]
    assert (first.period, first.modality) == ("2024", "actual")
    assert (second.period, second.modality) == ("2025", "planned")
    rev = _get(facts, "8800亿元")
    assert (rev.subject, rev.period) == ("一般公共预算收入", "2024")


def test_comparison_base_is_not_the_period() -> None:
    facts = _facts("2022年,全市生产总值3000亿元,比上年增长5.1%。", 2022)
    g = _get(facts, "5.1%")
    assert (g.period, g.role, g.subject) == ("2022", "growth", "生产总值")


def test_share_and_pp_roles() -> None:
    facts = _facts("第三产业增加值占地区生产总值的比重为52.3%，比上年提高0.8个百分点。")
    assert _get(facts, "52.3%").role == "share"
    assert _get(facts, "0.8个百分点").role == "pp_change"


def test_sample_report_context_coverage(sample_path) -> None:
    doc = read(sample_path)
    facts = extract_facts(prepare(doc))
    figures = [f for f in facts if f.kind not in ("date", "duration")]
    assert figures
    with_subject = sum(1 for f in figures if f.subject)
    assert with_subject / len(figures) >= 0.9
    assert all(f.modality in ("actual", "expected", "planned") for f in facts)
    assert all(f.period for f in figures)
    assert all(f.role for f in figures if f.kind == "percent")


HENAN_2025 = """2025年河南省政府工作报告
一、2024年工作回顾
全年生产总值6.36万亿元、增长5.1%。
三、2025年重点工作
实施设备更新项目3000个，中央预算内投资拟安排7000亿元。赤字规模4.06万亿元，比上年年初预算增加1800亿元。
"""


def test_report_year_section_of_a_government_report_is_planned() -> None:
    facts = _facts(HENAN_2025, 2025)
    review = _get(facts, "5.1%")
    assert (review.modality, review.period, review.subject) == ("actual", "2024", "生产总值")
    plan = _get(facts, "3000个")
    assert (plan.modality, plan.period, plan.subject) == ("planned", "2025", "设备更新项目")
    inv = _get(facts, "7000亿元")
    assert (inv.modality, inv.subject) == ("planned", "中央预算内投资")
    base = _get(facts, "1800亿元")      # 比上年年初: a comparison base, not the period
    assert base.period == "2025"


def test_a_day_opening_a_sentence_is_an_event_unless_a_comma_follows() -> None:
    event = _get(_facts("8月16日开园，引进企业35家。"), "35家")
    assert event.period == "2023"
    topic = _get(_facts("8月16日，引进企业35家。"), "35家")
    assert topic.period == "2023-08-16"


def test_year_end_opening_a_sentence_dates_the_whole_sentence() -> None:
    f = _get(_facts("年末全市常住人口284.3万人，比上年末减少1.2万人。", 2022), "1.2万人")
    assert f.period == "2022-12-31"

"""find_dates on real sentences: the sample report, the corpus and genre-style text.

Every case asserts the ISO date (report year given), the kind, and the offset invariant
``decoded[start:end] == text`` through the text layer's offset map.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from extractor.facts import prepare_text
from extractor.facts.dates import find_dates, scan
from extractor.reading import read
from extractor.text import prepare


def _dates(text: str, year: int | None = 2023):
    p = prepare_text(text, year)
    facts = find_dates(p)
    for f in facts:
        assert text[f.start:f.end] == f.text
    return facts


def _one(text: str, surface: str, year: int | None = 2023):
    got = [f for f in _dates(text, year) if f.text == surface]
    assert got, f"{surface!r} not found in {text!r}: {[f.text for f in _dates(text, year)]}"
    return got[0]


SAMPLE_DATES = [
    ("并于8月16日正式开园运营,目前已引进企业35家", "8月16日", "2023-08-16"),
    ("1-9月份,全区社会消费品零售总额完成21.12亿元,同比增长2023.9%", "1-9月份", "2023-01/2023-09"),
    ("预计截至12月份,全区规上工业总产值14000万元,较去年同比增长7.5%", "12月份", "2023-12"),
    ("预计截至12月份,全区规上工业总产值14000万元,较去年同比增长7.5%", "去年", "2022"),
    ("于3月12日开启为期一百天的平安隐患整治行动", "3月12日", "2023-03-12"),
    ("该工程于2023年12月正式签约,2023年2月开工建设", "2023年12月", "2023-12"),
    ("该工程于2023年12月正式签约,2023年2月开工建设", "2023年2月", "2023-02"),
    ("方案在12月底建立农村合作经济组织联合会1个", "12月底", "2023-12-31"),
    ("截止11月9日,网上销售额37多万元", "11月9日", "2023-11-09"),
    ("年内创税将达340万元", "年内", "2023"),
    ("今年来吸引了长城集团", "今年", "2023"),
    ("6月份,组织赴江苏无锡开展小分队招商考察", "6月份", "2023-06"),
    ("同时牵头组织xx云雾茶企业和和中国邮政xx分公司在9.19电商发布会上签订合作协议", "9.19", "2023-09-19"),
    ("7月份,组织参加了“2023湖南-长三角经贸合作洽谈周", "2023", "2023"),
]


@pytest.mark.parametrize(("text", "surface", "iso"), SAMPLE_DATES)
def test_sample_sentences(text: str, surface: str, iso: str) -> None:
    f = _one(text, surface)
    assert f.kind == "date" and f.date == iso and f.approx == "exact" and f.value is None


NATIONAL = [
    # 2023年国务院政府工作报告 (report year 2023: the year it is delivered)
    ("2022年是党和国家历史上极为重要的一年。", "2022年", "2022", 2023),
    ("前三季度，全国规模以上工业增加值同比增长3.9%。", "前三季度", "2023-01/2023-09", 2023),
    ("上半年，国内生产总值同比增长5.5%。", "上半年", "2023-01/2023-06", 2023),
    ("“十四五”时期经济社会发展主要目标", "十四五", "2021/2025", 2021),
    ("到2035年基本实现社会主义现代化", "2035年", "2035", 2021),
    ("——2023年3月5日在第十四届全国人民代表大会第一次会议上", "2023年3月5日", "2023-03-05", 2023),
    ("一九五八年由国家投资造林四千多万亩", "一九五八年", "1958", 1959),
    ("一九五三年到一九五七年五年基本建设总投资", "一九五三年到一九五七年", "1953/1957", 1958),
    ("今年一季度经济开局良好", "一季度", "2023-01/2023-03", 2023),
    ("去年一季度经济开局良好", "一季度", "2022-01/2022-03", 2023),
    ("二〇二三年三月二十日", "二〇二三年三月二十日", "2023-03-20", 2023),
    ("2019 年 10 月 30 日召开", "2019 年 10 月 30 日", "2019-10-30", 2019),
    ("发布日期:20240307", "20240307", "2024-03-07", 2024),
    ("2007年和2012年", "2007年", "2007", 2023),
    ("2007年和2012年", "2012年", "2012", 2023),
    ("2007年与2009年之间", "2007年与2009年之间", "2007/2009", 2023),
    ("1—11月份,全县完成固定资产投资", "1—11月份", "2023-01/2023-11", 2023),
    ("比上年末减少1.2万人", "上年末", "2022-12-31", 2023),
    ("截至2022年底,全市共有", "2022年底", "2022-12-31", 2023),
    ("5月18日至20日,成功举办第十届经贸合作洽谈会", "5月18日至20日", "2023-05-18/2023-05-20", 2023),
    ("4月5日开幕,28日闭幕", "28日", "2023-04-28", 2023),
]


@pytest.mark.parametrize(("text", "surface", "iso", "year"), NATIONAL)
def test_corpus_style_sentences(text: str, surface: str, iso: str, year: int) -> None:
    f = _one(text, surface, year)
    assert f.kind == "date" and f.date == iso


def test_unknown_year_is_written_xxxx() -> None:
    hits = scan("并于8月16日正式开园运营", None)
    assert [h.date for h in hits] == ["XXXX-08-16"]


DURATIONS = [
    ("于3月12日开启为期一百天的平安隐患整治行动", "一百天", "100", "天", "exact"),
    ("此次巡展持续2个月,展出50件互动展品", "2个月", "2", "月", "exact"),
    ("项目实施期为一年,在2020年完成", "一年", "1", "年", "exact"),
    ("受理后30个工作日以内办结", "30个工作日以内", "30", "工作日", "at_most"),
    ("平均办理时间缩短至7.6天", "7.6天", "7.6", "天", "exact"),
    ("五年来,科技创新能力持续增强", "五年", "5", "年", "exact"),
    ("近十年来", "近十年", "10", "年", "about"),
    ("用了三个多月", "三个多月", "3", "月", "at_least"),
]


@pytest.mark.parametrize(("text", "surface", "value", "unit", "approx"), DURATIONS)
def test_durations(text: str, surface: str, value: str, unit: str, approx: str) -> None:
    f = _one(text, surface)
    assert f.kind == "duration" and f.value == Decimal(value) and f.unit == unit
    assert f.approx == approx and f.date == ""


def test_duration_intervals_follow_qualifiers_yaml() -> None:
    near = _one("近十年来", "近十年")
    assert (near.value_low, near.value_high, near.low_open) == (Decimal(0), Decimal(10), True)
    more = _one("用了三个多月", "三个多月")
    assert (more.value_low, more.value_high, more.high_open) == (Decimal(3), Decimal(4), True)
    atmost = _one("受理后30个工作日以内办结", "30个工作日以内")
    assert (atmost.value_low, atmost.value_high) == (None, Decimal(30))


HARD_NEGATIVES = [
    "面积2035平方米",
    "新建台区16个/1880千伏安",
    "举办各类科技培训2023余期,培训2022余人次",
    "拟定了实施意见(岳发〔2023〕2号)",
    "实施意见(岳发20232号)",
    "工程选址于12023国道烧田村",
    "新立电杆202330基",
    "联系电话0736-5821456",
    "身份证号430602198805121234",
    "三年行动计划",
    "持续开展“打非治违百日行动",
    "四季常青",
    "提前两个月完成",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives_give_no_date_value(text: str) -> None:
    facts = _dates(text)
    # only a date with a 年 of its own may appear; none of the figures above is a date or duration
    assert [f.text for f in facts] == [], facts


def test_sample_report_offsets_and_counts(sample_path) -> None:
    doc = read(sample_path)
    p = prepare(doc)
    assert p.report_year == 2023
    facts = find_dates(p)
    for f in facts:
        assert doc.text[f.start:f.end] == f.text
    kinds = [f.kind for f in facts]
    assert kinds.count("duration") == 2            # 2个月, 一百天
    dates = {f.text: f.date for f in facts if f.kind == "date"}
    assert dates["1-9月份"] == "2023-01/2023-09"
    assert dates["12月底"] == "2023-12-31"
    # 面积2035平方米 is an area: no date may start at its 2035 (the old check looked for the whole
    # "2035平方米" inside the date texts, which a wrong date "2035" never contains)
    pos = doc.text.index("2035平方米")
    assert not [f for f in facts if f.start <= pos < f.end], [f.text for f in facts if f.start <= pos < f.end]


@pytest.mark.slow
def test_corpus_no_crash_and_offsets(corpus_files) -> None:
    n = 0
    for path in corpus_files:
        doc = read(path)
        p = prepare(doc)
        for f in find_dates(p):
            assert doc.text[f.start:f.end] == f.text, (path.name, f)
            assert f.kind in ("date", "duration")
            if f.kind == "date":
                assert f.date and f.value is None
            n += 1
    assert n > 3000


def test_dates_without_a_year_take_their_section_year() -> None:
    text = ("2025年河南省政府工作报告\n一、2024年工作回顾\n8月16日，郑州航空港开通新航线，年底前完成。\n"
            "二、2025年工作安排\n3月份启动。今年8月16日前完成。\n")
    got = [(f.text, f.date) for f in _dates(text, None) if f.kind == "date"]
    assert ("8月16日", "2024-08-16") in got and ("年底", "2024-12-31") in got
    assert ("3月份", "2025-03") in got and ("8月16日", "2025-08-16") in got


def test_past_year_heading_of_a_government_report() -> None:
    text = ("政府工作报告\n——2023年3月5日在第十四届全国人民代表大会第一次会议上\n"
            "一、过去一年和五年工作回顾\n12月份，优化调整疫情防控措施。\n二、对今年政府工作的建议\n3月份启动。\n")
    got = {f.text: f.date for f in _dates(text, None) if f.kind == "date"}
    assert got["12月份"] == "2022-12" and got["3月份"] == "2023-03"


def test_work_summary_plan_section() -> None:
    text = "2023年工作总结\n一、2023年主要工作\n6月份,组织招商考察。\n二、2024年工作计划\n3月份,开展培训。\n"
    got = [(f.text, f.date) for f in _dates(text, None) if f.kind == "date"]
    assert ("6月份", "2023-06") in got and ("3月份", "2024-03") in got


def test_adjacent_numeral_duration_is_a_range_with_the_lower_bound_as_value():
    """两三个月 is 2–3 months (never 23); like every range its value is the lower bound."""
    from extractor import extract

    text = "预计还需两三个月完成,整治行动持续三五年。"
    df = extract(text, report_year=2023)
    rows = {r.text: r for r in df.itertuples()}
    assert set(rows) == {"两三个月", "三五年"}
    m, y = rows["两三个月"], rows["三五年"]
    assert (m.value, m.value_low, m.value_high, m.approx, m.unit) == (2, 2, 3, "range", "月")
    assert (y.value, y.value_low, y.value_high, y.unit) == (3, 3, 5, "年")
    assert text[m.start:m.end] == "两三个月"

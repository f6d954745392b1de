"""Report year inference: genre phrases, and the corpus manifest's year column as truth."""
from __future__ import annotations

import csv
import re

import pytest

from extractor.text import infer_report_year, report_kind


@pytest.mark.parametrize("text,year", [
    ("科技局XX年工作总结 根据要求,现将区商务和经信科技局2023年工作总结报告如下:", 2023),
    ("县林业局2022年工作总结及2023年工作计划\n一、工作开展情况", 2022),
    ("2010政府工作报告\n——２０１０年３月５日在第十一届全国人民代表大会第三次会议上", 2010),
    ("政府工作报告\n——2026年1月26日在广东省第十四届\n人民代表大会第五次会议上\n一、2025年和“十四五”工作回顾", 2026),
    ("关于一九五八年度国民经济计划草案的报告\n——1958年2月3日在第一届全国人民代表大会", 1958),
    ("各位代表：\n一、过去五年工作回顾\n2017年经济增长6.9%。\n二、2018年经济社会发展总体要求和政策取向", 2018),
    ("qdndz县2015年国民经济和社会发展统计公报\n一、综合", 2015),
    ("今年以来，全市经济运行平稳。", None),
])
def test_infer_report_year(text: str, year: int | None) -> None:
    assert infer_report_year(text) == year


def test_report_kind() -> None:
    assert report_kind("2025年上海市政府工作报告\n来源：解放日报") == "政府工作报告"
    assert report_kind("科技局2023年工作总结暨2024年工作打算") == "工作总结"


def test_corpus_years_match_the_manifest(shared_dir, corpus_prepared) -> None:
    """Every file whose manifest year is a plain year (97 of 101) gets it; undated ones are skipped."""
    with open(shared_dir / "corpus" / "MANIFEST.tsv", encoding="utf-8") as fh:
        manifest = {r["file"]: r["year"] for r in csv.DictReader(fh, delimiter="\t")}
    hits, total, misses = 0, 0, []
    for path, prepared in corpus_prepared:
        m = re.fullmatch(r'"?(\d{4})"?(?: \(.*\))?', manifest.get(path.name, ""))
        if not m:
            continue
        total += 1
        got = prepared.report_year
        if got == int(m.group(1)):
            hits += 1
        else:
            misses.append((path.name, m.group(1), got))
    assert total >= 95
    assert hits / total >= 0.97, misses

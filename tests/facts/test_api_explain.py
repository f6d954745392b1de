"""extractor.extract / check / process, explain(), and RuleTimeout."""
from __future__ import annotations

import pandas as pd
import pytest

import extractor
from extractor.errors import ExtractorError
from extractor.facts import RuleTimeout
from extractor.facts.explain import explain
from extractor.model import FACT_COLUMNS


def test_extract_text():
    df = extractor.extract("全年完成投资1200万元，同比增长7.5%。", report_year=2023)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns[: len(FACT_COLUMNS)]) == FACT_COLUMNS
    rows = df[["kind", "text", "start", "end", "value", "unit", "decimals"]].values.tolist()
    assert rows == [["money", "1200万元", 6, 12, 12000000.0, "CNY", -4],
                    ["percent", "7.5%", 17, 21, 7.5, "%", 1]]
    assert (df["source"] == "<text>").all()
    assert df.loc[0, "value_exact"] == "12000000"


def test_extract_path_of_the_sample(sample_path):
    df = extractor.extract(str(sample_path))
    text = sample_path.read_text(encoding="utf-8")
    assert len(df) > 100
    assert all(text[s:e] == t for s, e, t in zip(df["start"], df["end"], df["text"]))
    assert (df[df.kind == "money"].shape[0]) == 18


def test_process_and_check(sample_path, tmp_path):
    bad = tmp_path / "missing.txt"
    facts, anomalies, docs = extractor.process([sample_path, bad])
    assert len(docs) == 2 and docs.loc[1, "status"] != "ok"
    assert len(facts) > 100
    found = extractor.check(str(sample_path))
    assert isinstance(found, pd.DataFrame)
    text = sample_path.read_text(encoding="utf-8")
    hit = found[(found.code == "figure.year_contamination") & (found.evidence == "20230%")]
    assert len(hit) == 1 and hit.iloc[0].severity == "warning"
    assert text[int(hit.iloc[0].start):int(hit.iloc[0].end)] == "20230%"
    assert (found.doc_id == docs.loc[0, "doc_id"]).all()


def test_explain_lists_rules_rejections_and_facts():
    out = explain("奖金设置近40万，完成了第一批335亩土地，以三轮驱动，此次巡展持续2个月。")
    assert "money.implicit" in out and "'近40万'" in out
    assert "rejected: ordinal" in out
    assert "negative lexicon" in out and "三轮驱动" in out
    assert "duration" in out and "2个月" in out
    assert "quantity '335亩'" in out


def test_explain_shows_a_missing_cue():
    out = explain("全市常住人口40万。")
    assert "rejected: no money_cues cue word" in out


def test_rule_timeout_is_an_extractor_error():
    err = RuleTimeout("<text>", "rule money.main exceeded its time limit at clean offset 3")
    assert isinstance(err, ExtractorError) and "money.main" in str(err)


def test_a_catastrophic_rule_raises_rule_timeout(tmp_path, monkeypatch):
    import shutil

    from extractor.facts import facts_from_text
    from extractor.facts import engine
    from extractor.rulefiles import rules_dir

    dst = tmp_path / "rules"
    shutil.copytree(rules_dir(), dst)
    f = dst / "kinds" / "count.yaml"
    text = f.read_text(encoding="utf-8")
    # a classic catastrophic pattern on a long run of digits
    old = "(?P<n1>{NUM})                               # 35"
    assert old in text
    text = text.replace("(?P<n1>{NUM})                               # 35",
                        "(?P<n1>(?:[0-9]*?1){15}x|{NUM})              # 35", 1)
    f.write_text(text, encoding="utf-8")
    monkeypatch.setattr(engine, "MATCH_TIMEOUT", 0.05)
    with pytest.raises(RuleTimeout, match="count.main"):
        facts_from_text("共" + "1" * 40 + "个", rules=dst)

"""Structural guards of start-up and per-document cost (no timings: they fail on slow machines).

Each check runs in a fresh interpreter, because what matters is which modules a user's process
loads: the per-document path must not import spaCy, pandas, matplotlib, DuckDB or Dask, and
must not load jieba's dictionary (0.6 s, ~100 MB) for a document without any figure.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("spacy", "pandas", "matplotlib", "duckdb", "dask", "distributed", "openpyxl")


def _run(code: str, tmp_path: Path) -> dict:
    env = dict(os.environ, EXTRACTOR_CACHE_DIR=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(REPO), env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_pipeline_loads_no_heavy_library(tmp_path):
    got = _run("import sys, json\nimport extractor.pipeline, extractor.batch.worker\n"
               "print(json.dumps(sorted(m for m in sys.modules)))", tmp_path)
    loaded = {m.split(".")[0] for m in got}
    assert not loaded & set(HEAVY + ("jieba",)), sorted(loaded & set(HEAVY + ("jieba",)))


NO_FIGURES = ("关于加强作风建设的工作总结\n\n近期我们坚持稳中求进工作总基调，认真落实各项决策部署，"
              "扎实推进作风建设，群众满意度明显提升。\n下一步，我们将继续加强队伍建设，"
              "推动工作落地见效。\n")


def test_a_document_without_figures_never_loads_jieba_or_heavy_libraries(tmp_path):
    doc = tmp_path / "no_figures.txt"
    doc.write_text(NO_FIGURES, encoding="utf-8")
    got = _run("import sys, json\nfrom extractor.pipeline import process_path\n"
               f"r = process_path({str(doc)!r})\n"
               "print(json.dumps({'status': r.document['status'], 'facts': len(r.facts), "
               "'modules': sorted(m.split('.')[0] for m in sys.modules)}))", tmp_path)
    assert got["status"] == "ok" and got["facts"] == 0
    loaded = set(got["modules"])
    assert "jieba" not in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_a_document_with_figures_loads_no_heavy_library(tmp_path):
    doc = tmp_path / "figures.txt"
    doc.write_text("全年实现营业收入1200万元，同比增长7.5%；新建电商示范站点五个。\n", encoding="utf-8")
    got = _run("import sys, json\nfrom extractor.pipeline import process_path\n"
               f"r = process_path({str(doc)!r})\n"
               "print(json.dumps({'facts': [f.text for f in r.facts], "
               "'modules': sorted(m.split('.')[0] for m in sys.modules)}))", tmp_path)
    assert got["facts"][:2] == ["1200万元", "7.5%"]
    loaded = set(got["modules"])
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    # jieba is imported without pkg_resources (which cost most of jieba's import time)
    assert "pkg_resources" not in loaded


def test_jieba_without_pkg_resources_segments_like_jieba(tmp_path):
    got = _run("import sys, json\nfrom extractor.text.words import import_jieba, cut_words\n"
               "j = import_jieba()\n"
               "print(json.dumps({'pkg': 'pkg_resources' in sys.modules, "
               "'words': [w for w, _, _ in cut_words('建立了5个电商示范站点', 10)], "
               "'plain': j.lcut('建立了5个电商示范站点')}))", tmp_path)
    assert got["pkg"] is False
    assert "".join(got["words"]) == "建立了5个电商示范站点"
    assert len(got["plain"]) > 1


def test_rule_file_cache_returns_the_same_tree_with_lines(tmp_path, monkeypatch):
    from extractor.errors import RuleFileError
    from extractor.facts.ruleset import _line, _load
    from extractor.rulefiles import parse_yaml_cached

    monkeypatch.setenv("EXTRACTOR_CACHE_DIR", str(tmp_path / "cache"))
    text = "patterns:\n  - id: a\n    regex: 'x'\n  - id: b\n    regex: 'y'\n"
    first = parse_yaml_cached(text, "rt")
    assert list((tmp_path / "cache" / "yaml").glob("*.pickle"))
    second = parse_yaml_cached(text, "rt")          # from the cache
    assert first == second
    assert _line(second["patterns"], 1) == _line(first["patterns"], 1) == 4
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: 1\na: 2\n", encoding="utf-8")  # duplicate key
    for _ in range(2):                                # never cached: raises every time
        with pytest.raises(RuleFileError) as exc:
            _load(bad)
        assert "bad.yaml:2" in str(exc.value)

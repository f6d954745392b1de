"""The commands through typer's CliRunner (in process), on real reports and broken files."""
from __future__ import annotations

import json
import math
import re
import shutil
import sys

import duckdb
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from extractor.batch.exports import XLSX_NAME, read_rows
from extractor.batch.schema import TABLE_COLUMNS
from extractor.cli import app

from cli_helpers import BROKEN, REPO

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def run_all(mini_corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    db = out / "store.duckdb"
    res = invoke("run", mini_corpus, "--out", out, "--db", db, "--jobs", 1)
    return res, out, db


def test_run_exit_3_names_each_broken_file_and_summarises(run_all, good_files):
    res, _, _ = run_all
    assert res.exit_code == 3, res.stderr
    for name in BROKEN:
        line = next(ln for ln in res.stderr.splitlines() if f"{name}:" in ln)
        assert "unreadable" in line and len(line.split("unreadable:")[1].strip()) > 3
    assert re.search(rf"^extractor: {len(good_files)} ok, {len(BROKEN)} failed in [\d.]+ s$",
                     res.stderr, re.M)
    assert res.stdout == ""          # results go to files, logs to stderr


def test_run_writes_every_table_in_every_format(run_all):
    _, out, _ = run_all
    names = sorted(p.name for p in out.iterdir() if p.suffix != ".duckdb" and
                   not p.name.endswith(".wal"))
    assert names == sorted([XLSX_NAME] + [f"{t}.{f}" for t in ("facts", "anomalies", "documents")
                                          for f in ("csv", "jsonl", "parquet")])
    assert (out / "facts.csv").read_bytes().startswith(b"\xef\xbb\xbffact_id,doc_id,source,")
    assert not (out / "facts.jsonl").read_bytes().startswith(b"\xef\xbb\xbf")


def test_xlsx_opens_with_frozen_header_and_filter(run_all):
    _, out, _ = run_all
    wb = load_workbook(out / XLSX_NAME, read_only=False)
    assert wb.sheetnames == ["说明", "facts", "anomalies", "documents"]
    for name in ("facts", "anomalies", "documents"):
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        assert [c.value for c in ws[1]] == TABLE_COLUMNS[name]
    facts = wb["facts"]
    col = {c.value: i for i, c in enumerate(facts[1])}
    values = [r[col["value"]] for r in facts.iter_rows(min_row=2) if r[col["value"]].value is not None]
    assert values and all(c.data_type == "n" for c in values)     # numbers stored as numbers


def _same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=1e-15)
    return a == b


@pytest.mark.parametrize("table", ["facts", "anomalies", "documents"])
def test_identical_content_in_every_format_and_the_store(run_all, table):
    _, out, db = run_all
    con = duckdb.connect(str(db), read_only=True)
    n_store = con.execute(f"select count(*) from {table}").fetchone()[0]
    con.close()
    ref = read_rows(out / f"{table}.parquet", table)
    assert len(ref) == n_store
    if table == "facts":
        assert len(ref) > 100
    for path in (out / f"{table}.csv", out / f"{table}.jsonl", out / XLSX_NAME):
        got = read_rows(path, table)
        assert len(got) == len(ref), path
        for g, r in zip(got, ref):
            diff = {c: (g[c], r[c]) for c in TABLE_COLUMNS[table] if not _same(g[c], r[c])}
            assert not diff, (path.name, diff)


def test_documents_rows_for_every_input(run_all, mini_corpus, good_files):
    _, out, _ = run_all
    docs = {d["source"]: d for d in read_rows(out / "documents.jsonl", "documents")}
    assert set(docs) == {f"2023/{good_files[0].name}"} | {p.name for p in good_files[1:]} | set(BROKEN)
    for name in BROKEN:
        assert docs[name]["status"] == "unreadable" and docs[name]["error"]
    assert docs["empty.txt"]["sha256"] == \
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"   # kept, not retried
    ok = [d for d in docs.values() if d["status"] == "ok"]
    assert len(ok) == len(good_files) and all(d["facts"] > 0 for d in ok)


def test_fact_offsets_point_into_the_decoded_files(run_all, mini_corpus):
    from extractor.reading import read

    _, out, _ = run_all
    texts = {}
    for f in read_rows(out / "facts.parquet", "facts"):
        if f["source"] not in texts:
            texts[f["source"]] = read(mini_corpus / f["source"]).text
        assert texts[f["source"]][f["start"]:f["end"]] == f["text"]
    jl = [json.loads(x) for x in (out / "facts.jsonl").read_text(encoding="utf-8").splitlines()]
    money = next(x for x in jl if x["kind"] == "money" and x["value"])
    assert isinstance(money["value"], str) and "e" not in money["value"]


def test_second_run_with_db_processes_zero_files(run_all, mini_corpus, tmp_path):
    _, out, db = run_all
    res = invoke("run", mini_corpus, "--out", tmp_path, "--db", db, "--jobs", 1)
    assert "extractor: 0 ok, 0 failed, 9 skipped" in res.stderr
    assert res.exit_code == 3          # the archive still holds three unreadable files
    assert (tmp_path / "facts.jsonl").read_bytes() == (out / "facts.jsonl").read_bytes()
    con = duckdb.connect(str(db), read_only=True)
    runs = con.execute("select processed, skipped from runs order by run_id").fetchall()
    con.close()
    assert runs[-1] == (0, 9)


def test_good_files_exit_0_and_fail_on(good_corpus, tmp_path):
    res = invoke("run", good_corpus, "-o", tmp_path, "--format", "jsonl", "--jobs", 1)
    assert res.exit_code == 0, res.stderr
    sev = [a["severity"] for a in read_rows(tmp_path / "anomalies.jsonl", "anomalies")]
    assert "warning" in sev                         # the sample report has suspicious figures
    res = invoke("run", good_corpus, "-o", tmp_path, "--format", "jsonl", "--jobs", 1,
                 "--fail-on", "warning")
    assert res.exit_code == 1
    res = invoke("run", good_corpus, "-o", tmp_path, "--format", "jsonl", "--jobs", 1,
                 "--fail-on", "error")
    assert res.exit_code == (1 if "error" in sev else 0)


def test_unreadable_inputs_win_over_findings(mini_corpus, tmp_path):
    res = invoke("run", mini_corpus, "-o", tmp_path, "--format", "jsonl", "--jobs", 1,
                 "--fail-on", "info")
    assert read_rows(tmp_path / "anomalies.jsonl", "anomalies")      # there are findings …
    assert res.exit_code == 3                                          # … but the batch is partial


def test_no_bom_and_format_subset(good_corpus, tmp_path):
    res = invoke("run", good_corpus, "-o", tmp_path, "--format", "csv", "--no-bom", "--jobs", 1)
    assert res.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anomalies.csv", "documents.csv",
                                                          "facts.csv"]
    assert (tmp_path / "facts.csv").read_bytes().startswith(b"fact_id,")


@pytest.mark.parametrize("args, message", [
    (["run", "{good}", "-o", "{tmp}", "--format", "csv,pdf"], "unknown format pdf"),
    (["run", "{tmp}/nope", "-o", "{tmp}"], "no such file or folder"),
    (["run", "{good}", "-o", "{tmp}", "--engine", "spark"], "choose from local, dask"),
    (["run", "{good}", "-o", "{tmp}", "--fail-on", "fatal"], "choose from error"),
    (["run", "{good}"], "--out"),
    (["extract", "{good}", "-o", "{tmp}/facts.txt"], "suffix"),
    (["check", "{tmp}/nope", "-o", "-"], "no such file or folder"),
    (["show", "{tmp}/nope.txt"], "no such file"),
    (["frobnicate"], "No such command"),
])
def test_usage_errors_exit_2(good_corpus, tmp_path, args, message):
    res = invoke(*[a.format(good=good_corpus, tmp=tmp_path) for a in args])
    assert res.exit_code == 2
    assert message in res.stderr


def test_extract_to_stdout_is_json_lines(good_corpus, tmp_path):
    res = invoke("extract", good_corpus, "-o", "-", "--jobs", 1)
    assert res.exit_code == 0
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert rows and list(rows[0]) == TABLE_COLUMNS["facts"]
    assert "ok, 0 failed" in res.stderr and "{" not in res.stderr
    res = invoke("extract", good_corpus, "-o", tmp_path / "facts.parquet", "--jobs", 1)
    assert res.exit_code == 0
    assert len(read_rows(tmp_path / "facts.parquet", "facts")) == len(rows)


def test_check_writes_findings_and_fails_on(good_corpus, tmp_path):
    out = tmp_path / "findings.xlsx"
    res = invoke("check", good_corpus, "-o", out, "--jobs", 1, "--fail-on", "warning")
    assert res.exit_code == 1
    rows = read_rows(out, "anomalies")
    assert rows and {r["severity"] for r in rows} <= {"error", "warning", "info"}
    assert load_workbook(out).sheetnames == ["说明", "anomalies"]
    res = invoke("check", good_corpus, "-o", tmp_path / "a.csv", "--jobs", 1)
    assert res.exit_code == 0


def test_show_highlights_facts_and_findings(sample_path, pipeline_ready):
    from extractor.pipeline import process_path

    res = invoke("show", sample_path, "--color")
    assert res.exit_code == 0
    codes = set(re.findall(r"\x1b\[([0-9;]+)m", res.stdout))
    assert any("4" in c.split(";") for c in codes)                   # findings underlined
    assert len({c for c in codes if c != "0"}) >= 4                   # several kinds coloured
    plain = invoke("show", sample_path, "--no-color")
    assert plain.exit_code == 0 and "\x1b[" not in plain.stdout
    result = process_path(sample_path)
    assert f"({len(result.facts)} facts, {len(result.anomalies)} findings)" in plain.stdout
    assert result.anomalies[0].code in plain.stdout


def test_show_unreadable_file_exits_3(tmp_path, pipeline_ready):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    res = invoke("show", p)
    assert res.exit_code == 3 and "empty.txt" in res.stderr


def test_explain(pipeline_ready):
    pytest.importorskip("extractor.facts.explain",
                        reason="extractor.facts.explain (facts helper) is not there yet")
    res = invoke("explain", "全年实现营业收入1200万元，同比增长7.5%。")
    assert res.exit_code == 0
    assert "1200万元" in res.stdout


def test_eval_on_the_gold_set(pipeline_ready):
    gold = REPO / "corpora" / "gold"
    if not gold.exists():
        pytest.skip("corpora/gold is not there")
    res = invoke("eval", gold, "--show", 3)
    assert res.exit_code == 0
    assert "money" in res.stdout and "F1" in res.stdout


def test_stats_from_reports_equals_stats_from_a_facts_table(good_corpus, tmp_path):
    pytest.importorskip("extractor.checks.stats")
    from_reports = invoke("stats", good_corpus, "--jobs", 1)
    assert from_reports.exit_code == 0
    invoke("extract", good_corpus, "-o", tmp_path / "facts.csv", "--jobs", 1)
    from_table = invoke("stats", tmp_path / "facts.csv")
    assert from_table.exit_code == 0
    assert from_table.stdout == from_reports.stdout and "Facts:" in from_table.stdout


def test_rules_validate_and_test(pipeline_ready):
    res = invoke("rules", "validate")
    assert res.exit_code == 0 and res.stdout.strip() == "rules: ok"
    res = invoke("rules", "test")
    m = re.search(r"(\d+) passed, (\d+) failed, (\d+) xfailed, (\d+) xpassed", res.stdout)
    assert m and int(m.group(1)) > 0
    assert res.exit_code == (1 if int(m.group(2)) or int(m.group(4)) else 0)


def test_report_writes_html(good_corpus, tmp_path):
    pytest.importorskip("extractor.report")
    out = tmp_path / "review" / "report.html"
    res = invoke("report", good_corpus, "-o", out)
    assert res.exit_code == 0, res.stderr
    html = out.read_text(encoding="utf-8")
    assert "<html" in html.lower() and good_corpus.joinpath(next(iter(
        sorted(p.name for p in good_corpus.iterdir())))).name[:10] in html
    assert f"wrote {out}" in res.stderr


@pytest.mark.parametrize("command", ["run", "extract", "check", "show", "explain", "eval",
                                     "stats", "report", "rules"])
def test_help_has_an_example(command):
    res = invoke(command, "--help")
    assert res.exit_code == 0
    if command == "rules":
        assert "validate" in res.stdout and "test" in res.stdout
    else:
        assert "Example: extractor " + command in res.stdout


def test_time_limit_stops_a_huge_document_and_the_run_goes_on(sample_path, good_files, tmp_path,
                                                               monkeypatch):
    from extractor.batch.worker import Deadline

    # the limit's timer fires again every 0.25 s until the document stops; a tick that lands in
    # a finaliser or a gc callback (hypothesis installs one) is swallowed there, by design: only
    # Deadlines may be swallowed (they went to PytestUnraisableExceptionWarning before)
    swallowed = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: swallowed.append(u.exc_type))
    folder = tmp_path / "in"
    folder.mkdir()
    text = sample_path.read_text(encoding="utf-8")
    (folder / "huge.txt").write_text(text * 1000, encoding="utf-8")      # about 5 M characters
    shutil.copy(good_files[1], folder / "normal.txt")                     # a 2 KB report
    res = invoke("run", folder, "-o", tmp_path / "out", "--format", "jsonl", "--jobs", 1,
                 "--timeout-per-doc", 1)
    assert res.exit_code == 3
    docs = {d["source"]: d for d in read_rows(tmp_path / "out" / "documents.jsonl", "documents")}
    assert docs["huge.txt"]["status"] == "timeout" and "1 秒" in docs["huge.txt"]["error"]
    assert docs["normal.txt"]["status"] == "ok" and docs["normal.txt"]["facts"] > 0
    assert "huge.txt: timeout:" in res.stderr and "1 ok, 1 failed" in res.stderr
    assert set(swallowed) <= {Deadline}


def test_report_with_unreadable_inputs_exits_3(mini_corpus, tmp_path):
    pytest.importorskip("extractor.report")
    res = invoke("report", mini_corpus, "-o", tmp_path / "r.html")
    assert res.exit_code == 3
    assert "empty.txt: unreadable" in res.stderr and (tmp_path / "r.html").exists()


@pytest.mark.parametrize("argv, jobs", [
    (["run", "d", "-o", "o", "--jobs", "2"], 2),
    (["run", "d", "-j3", "-o", "o"], 3),
    (["extract", "d", "--jobs=4", "-o", "-"], 4),
    (["check", "-j", "2", "d", "-o", "f.jsonl", "--engine=local"], 2),
    (["run", "d", "-o", "o", "--jobs", "1"], None),
    (["run", "d", "-o", "o", "--jobs", "2", "--engine", "dask"], None),
    (["run", "d", "-o", "o", "--jobs", "two"], None),
    (["run", "--help", "--jobs", "2"], None),
    (["run", "-o", "o", "--", "--jobs", "1"], "default"),   # after --: a path, not an option
    (["stats", "d", "--jobs", "2"], None),
    (["show", "d"], None),
    ([], None),
])
def test_jobs_read_from_argv_before_parsing(argv, jobs):
    from extractor import cli
    from extractor.batch.engine import default_jobs

    if jobs == "default":
        jobs = default_jobs() if default_jobs() > 1 else None
    assert cli._jobs_from_argv(["extractor", *argv]) == jobs


def test_early_pool_is_taken_when_the_options_agree_and_ended_otherwise():
    """The pool started before typer parses (_start_pool_now) serves the command whose parsed
    options agree with it; any other use, or none (a usage error), ends its workers."""
    from extractor import cli
    from extractor.batch.engine import LocalPool

    assert not cli._started_by_script()        # imported by a test: nothing was started
    pool = LocalPool(2)
    workers = list(pool.executor._processes.values())
    cli._EARLY[0] = pool
    with cli._early_pool("local", 2) as taken:
        assert taken is pool and cli._EARLY[0] is None
    assert all(not p.is_alive() for p in workers)

    for engine, jobs in (("local", 1), ("dask", 2)):
        pool = LocalPool(2)
        workers = list(pool.executor._processes.values())
        cli._EARLY[0] = pool
        with cli._early_pool(engine, jobs) as other:
            assert other is None and cli._EARLY[0] is None
            assert pool.executor is None and all(not p.is_alive() for p in workers)

    pool = LocalPool(2)
    workers = list(pool.executor._processes.values())
    cli._EARLY[0] = pool
    with pytest.raises(SystemExit) as exc:
        cli.app(["run", "--no-such-option"], prog_name="extractor")
    assert exc.value.code == 2
    assert cli._EARLY[0] is None and pool.executor is None
    assert all(not p.is_alive() for p in workers)


def test_a_pool_that_cannot_start_before_parsing_is_left_to_the_command(monkeypatch):
    """_start_pool_now runs while extractor.cli is imported: a failure there (no shared
    memory, no fork server …) must not break the import; the command starts its pool itself
    and reports what goes wrong."""
    from extractor import cli
    from extractor.batch import engine

    def refuse(*args, **kwargs):
        raise OSError("no shared memory here")

    monkeypatch.setattr(cli, "_started_by_script", lambda: True)
    monkeypatch.setattr(cli.sys, "argv", ["extractor", "run", "d", "-o", "o", "--jobs", "2"])
    monkeypatch.setattr(engine, "LocalPool", refuse)
    assert cli._start_pool_now() is None

"""The store and the runner: resumable, each document exactly once, changed files replaced."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
from fakeproc import FAKE, HERE, LINES

from extractor.batch import RunOptions, Store, run_batch
from extractor.batch.exports import read_rows


def _opts(root, **kw):
    base = dict(paths=[str(root)], jobs=1, processor=FAKE, timeout=None)
    base.update(kw)
    return RunOptions(**base)


def _counts(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0]
                for t in ("documents", "facts", "anomalies")}
    finally:
        con.close()


def test_second_run_with_db_processes_nothing(fake_corpus, tmp_path):
    db = tmp_path / "store.duckdb"
    first = run_batch(_opts(fake_corpus, db=str(db), out_dir=str(tmp_path / "o1")))
    assert (first.ok, first.failed, first.skipped) == (5, 1, 0)
    assert first.statuses == {"ok": 5, "unreadable": 1}
    counts = _counts(db)
    assert counts == {"documents": 6, "facts": 19, "anomalies": 3}
    second = run_batch(_opts(fake_corpus, db=str(db), out_dir=str(tmp_path / "o2")))
    assert (second.processed, second.ok, second.failed, second.skipped) == (0, 0, 0, 6)
    assert second.line().startswith("0 ok, 0 failed, 6 skipped")
    assert _counts(db) == counts
    # the exports of the second run still hold the whole corpus of its inputs
    assert read_rows(tmp_path / "o2" / "facts.jsonl", "facts") == \
        read_rows(tmp_path / "o1" / "facts.jsonl", "facts")
    runs = duckdb.connect(str(db), read_only=True).execute(
        "select run_id, processed, skipped, finished is not null from runs order by 1").fetchall()
    assert runs == [(1, 6, 0, True), (2, 0, 6, True)]


def test_changed_file_replaces_its_old_rows_and_new_file_is_added(fake_corpus, tmp_path):
    db = tmp_path / "store.duckdb"
    run_batch(_opts(fake_corpus, db=str(db)))
    (fake_corpus / "report0.txt").write_text("2024年预计增长6%。\n", encoding="utf-8")
    (fake_corpus / "new.txt").write_text("全年新增就业1.5万人。\n", encoding="utf-8")
    (fake_corpus / "empty.txt").write_text("现在有内容了：共3项。", encoding="utf-8")
    s = run_batch(_opts(fake_corpus, db=str(db)))
    assert (s.ok, s.failed, s.skipped) == (3, 0, 4)
    con = duckdb.connect(str(db), read_only=True)
    docs = dict(con.execute("select source, status from documents").fetchall())
    assert len(docs) == 7 and docs["empty.txt"] == "ok"
    facts = [r[0] for r in con.execute(
        "select text from facts where source = 'report0.txt' order by start").fetchall()]
    assert facts == ["2024", "6"]


def test_duplicate_content_is_processed_once(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    for name in ("a.txt", "copy_of_a.txt"):
        (root / name).write_text(LINES[0], encoding="utf-8")
    s = run_batch(_opts(root, out_dir=str(tmp_path / "o")))
    assert (s.ok, s.skipped) == (1, 1)
    assert len(read_rows(tmp_path / "o" / "documents.csv", "documents")) == 1


class _FailOnAnomalies:
    """Connection proxy: the anomalies INSERT fails, after the documents and facts INSERTs."""

    def __init__(self, con):
        self._con = con

    def __getattr__(self, name):
        return getattr(self._con, name)

    def execute(self, sql, *args):
        if sql.startswith("INSERT INTO anomalies"):
            raise duckdb.IOException("disk full (simulated)")
        return self._con.execute(sql, *args)


def test_store_add_is_one_transaction(tmp_path):
    store = Store(tmp_path / "s.duckdb")
    row = {"doc_id": "a" * 16, "source": "r.txt", "sha256": "a" * 64, "status": "ok",
           "facts": 1, "anomalies": 1, "chars": 10}
    fact = {"fact_id": "x", "doc_id": "a" * 16, "source": "r.txt", "kind": "count",
            "text": "19起", "start": 0, "end": 3}
    finding = {"anomaly_id": "y", "doc_id": "a" * 16, "source": "r.txt", "code": "c",
               "severity": "info", "start": 0, "end": 3, "fact_ids": ["x"]}
    real = store.con
    store.con = _FailOnAnomalies(real)
    try:
        store.add(row, [fact], [finding])
    except duckdb.IOException:
        pass
    store.con = real
    assert store.counts() == {"facts": 0, "anomalies": 0, "documents": 0}
    store.add(row, [fact], [finding])
    assert store.counts() == {"facts": 1, "anomalies": 1, "documents": 1}
    store.close()


KILLER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {here!r})
    from extractor.batch import RunOptions, run_batch
    def told(row):
        print("committed", row["source"], flush=True)
    run_batch(RunOptions(paths=[{root!r}], db={db!r}, jobs={jobs}, processor="fakeproc:process_path",
                         timeout=None, chunk_size=1), on_document=told)
    print("finished", flush=True)
""")


def test_kill_9_mid_run_then_resume_gives_every_document_exactly_once(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    for i in range(24):
        (root / f"nap{i:02d}.txt").write_text(f"第{i}份：{LINES[i % 5]}", encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")
    ref_db = tmp_path / "ref.duckdb"
    run_batch(_opts(root, db=str(ref_db), jobs=2))
    want = _counts(ref_db)

    db = tmp_path / "killed.duckdb"
    script = KILLER.format(here=str(HERE), root=str(root), db=str(db), jobs=2)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    seen = 0
    for line in proc.stdout:
        if line.startswith("committed"):
            seen += 1
        if seen >= 5:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    time.sleep(0.2)
    partial = _counts(db)
    assert 5 <= partial["documents"] < want["documents"]
    # no partial rows: every stored document has all of its facts
    con = duckdb.connect(str(db), read_only=True)
    mismatch = con.execute(
        "select count(*) from documents d where d.facts <> "
        "(select count(*) from facts f where f.doc_id = d.doc_id)").fetchone()[0]
    con.close()
    assert mismatch == 0

    resumed = run_batch(_opts(root, db=str(db), jobs=2))
    assert resumed.skipped == partial["documents"]
    assert resumed.processed == want["documents"] - partial["documents"]
    assert _counts(db) == want
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(distinct sha256) = count(*) from documents").fetchone()[0]
    assert con.execute("select count(distinct fact_id) = count(*) from facts").fetchone()[0]
    con.close()

"""Nothing lost: ``extractor run`` killed with SIGKILL at random moments leaves only complete
output files (or none: a ``.part`` file never carries a final name), a store without partial
documents, and a re-run that completes with every input in the documents table with a status.

Inputs: a temporary copy of corpus files plus broken ones (empty, binary, not-a-zip .docx).
Normal suite: 2 kills over 6 files; ``EXTRACTOR_HEAVY=1``: 6 kills over 24 files.
The seed is fixed (``EXTRACTOR_CRASH_SEED``) so a failure can be replayed.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from extractor.batch.exports import read_rows
from extractor.batch.schema import TABLE_COLUMNS

from ._ctrl_c import CtrlCInDuckDB

HEAVY = os.environ.get("EXTRACTOR_HEAVY") == "1"
N_FILES = 24 if HEAVY else 6
KILLS = 6 if HEAVY else 2
SEED = int(os.environ.get("EXTRACTOR_CRASH_SEED", "20231") or 20231)
REPO = Path(__file__).resolve().parents[2]
STATUSES = {"ok", "unreadable", "failed", "timeout"}
TABLES = ("facts", "anomalies", "documents")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, corpus_files: list[Path]) -> Path:
    folder = tmp_path_factory.mktemp("crash") / "in"
    folder.mkdir()
    for p in corpus_files[:N_FILES]:
        shutil.copy(p, folder / p.name)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 12)
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    return folder


def _cmd(inputs: Path, out: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "extractor", "run", str(inputs), "--out", str(out),
            "--db", str(db), "--jobs", "2"]


def _check_outputs(out: Path) -> dict[str, int]:
    """Every file with a final name parses completely; returns rows per table file."""
    rows = {}
    if not out.exists():
        return rows
    for p in sorted(out.iterdir()):
        if p.name.endswith(".part"):
            continue                                   # unfinished, and says so by its name
        if p.suffix == ".xlsx":
            import openpyxl
            wb = openpyxl.load_workbook(p, read_only=True)
            assert {"facts", "anomalies", "documents"} <= set(wb.sheetnames), p
            wb.close()
            continue
        table = p.stem
        assert table in TABLES, p
        if p.suffix == ".jsonl":
            raw = p.read_bytes()
            assert raw == b"" or raw.endswith(b"\n"), f"{p}: no final newline (cut short?)"
            for line in raw.decode("utf-8").splitlines():
                json.loads(line)
        if p.suffix == ".csv":
            import csv
            with p.open(encoding="utf-8-sig", newline="") as fh:
                r = list(csv.reader(fh))
            assert r and r[0][: len(TABLE_COLUMNS[table])] == TABLE_COLUMNS[table], p
            assert all(len(x) == len(r[0]) for x in r), f"{p}: ragged rows (cut short?)"
        rows[p.name] = len(read_rows(p, table))
    return rows


def _check_store(db: Path) -> None:
    """Each stored document has exactly the facts and findings its row counts (no partial rows)."""
    if not db.exists():
        return
    con = duckdb.connect(str(db), read_only=True)
    try:
        bad = con.execute(
            "SELECT d.source, d.facts, count(f.doc_id) FROM documents d LEFT JOIN facts f "
            "ON f.doc_id = d.doc_id AND f.source = d.source GROUP BY 1, 2 "
            "HAVING d.facts <> count(f.doc_id)").fetchall()
        assert not bad, bad
        bad = con.execute(
            "SELECT d.source, d.anomalies, count(a.doc_id) FROM documents d LEFT JOIN anomalies a "
            "ON a.doc_id = d.doc_id AND a.source = d.source GROUP BY 1, 2 "
            "HAVING d.anomalies <> count(a.doc_id)").fetchall()
        assert not bad, bad
        dup = con.execute("SELECT source, count(*) FROM documents GROUP BY 1 HAVING count(*) > 1"
                          ).fetchall()
        assert not dup, dup
    finally:
        con.close()


def test_sigkill_at_random_points_then_rerun(inputs: Path, tmp_path: Path) -> None:
    out, db = tmp_path / "out", tmp_path / "store.duckdb"
    rng = random.Random(SEED)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # an uninterrupted run first, elsewhere: how long a whole run takes and what it yields
    ref_out, ref_db = tmp_path / "ref", tmp_path / "ref.duckdb"
    t = time.monotonic()
    ref = subprocess.run(_cmd(inputs, ref_out, ref_db), cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=600)
    whole = time.monotonic() - t
    assert ref.returncode in (0, 1, 3), ref.stderr[-2000:]
    ref_rows = _check_outputs(ref_out)
    kills = []
    for i in range(KILLS):
        when = rng.uniform(0.3, whole)
        proc = subprocess.Popen(_cmd(inputs, out, db), cwd=REPO, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            proc.wait(timeout=when)
            kills.append((round(when, 2), "finished before the kill"))
            # the store is complete now, so a later run would only skip: start the store afresh
            # (the old output files stay, and must stay whole while the next run rewrites them)
            for p in (db, db.with_name(db.name + ".wal")):
                p.unlink(missing_ok=True)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)        # the run and its workers, at once
            proc.wait()
            kills.append((round(when, 2), "killed"))
        _check_outputs(out)
        _check_store(db)
    print(f"\ncrash safety: whole run {whole:.1f} s; kills (s, outcome): {kills}")
    final = subprocess.run(_cmd(inputs, out, db), cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=600)
    assert final.returncode in (0, 1, 3), final.stderr[-2000:]
    rows = _check_outputs(out)
    _check_store(db)
    assert rows == ref_rows, (rows, ref_rows)
    docs = read_rows(out / "documents.jsonl", "documents")
    sources = sorted(d["source"] for d in docs)
    assert sources == sorted(p.name for p in inputs.iterdir()), sources
    assert {d["status"] for d in docs} <= STATUSES
    assert {d["source"]: d["status"] for d in docs if d["status"] != "ok"} == {
        "empty.txt": "unreadable", "binary.txt": "unreadable", "broken.docx": "unreadable"}


def test_file_changed_between_hash_and_read_still_exported(tmp_path: Path) -> None:
    """A file rewritten between the runner's content hash and the worker's read is stored under
    the hash of what was read, and still exported (was lost from every export before)."""
    from extractor.batch.runner import RunOptions, run_batch

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("全年投资1200万元。", encoding="utf-8")
    (folder / "b.txt").write_text("同比增长7.5%。", encoding="utf-8")
    summary = run_batch(RunOptions(paths=[str(folder)], out_dir=str(tmp_path / "out"),
                                   db=str(tmp_path / "s.duckdb"), jobs=1, engine="local",
                                   formats=("jsonl",), processor="tests.robustness._changing:proc"))
    assert summary.processed == 2
    docs = read_rows(tmp_path / "out" / "documents.jsonl", "documents")
    assert sorted(d["source"] for d in docs) == ["a.txt", "b.txt"]


_CREATE_STORES = """
import sys
from pathlib import Path
import duckdb
from extractor.batch.store import Store
folder = Path(sys.argv[1])
print("ready", flush=True)
i = 0
while True:
    Store(folder / f"s{i}.duckdb").close()
    i += 1
"""


def test_a_store_killed_while_it_is_created_is_whole_or_absent(tmp_path: Path) -> None:
    """``kill -9`` while a new store file is being created leaves no file, or a whole store
    with its four tables: never an empty or half-written file (which every later run refused:
    "not a valid DuckDB database file") nor one without tables (what the SIGKILL test above
    once found under load). A child creates stores one after the other until it is killed;
    the next Store there removes what the killed creation left."""
    rng = random.Random(SEED)
    for round_ in range(4):
        folder = tmp_path / f"r{round_}"
        folder.mkdir()
        proc = subprocess.Popen([sys.executable, "-c", _CREATE_STORES, str(folder)], cwd=REPO,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        until = time.monotonic() + 120
        while not (folder / "s2.duckdb").exists() and time.monotonic() < until:
            time.sleep(0.01)                            # (past DuckDB's first-use costs)
        time.sleep(rng.uniform(0, 0.1))
        proc.kill()
        proc.wait()
        proc.stdout.close()
        stores = sorted(folder.glob("s*.duckdb"), key=lambda p: int(p.stem[1:]))
        assert stores, "no store was created before the kill"
        for p in stores:
            con = duckdb.connect(str(p), read_only=True)
            try:
                tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
            finally:
                con.close()
            assert tables == {"documents", "facts", "anomalies", "runs"}, (p.name, tables)
        from extractor.batch.store import Store

        Store(folder / "s0.duckdb").close()             # an existing store: opened as it is
        for left in folder.glob("*.new*"):              # the store being created at the kill:
            Store(folder / left.name.split(".new")[0].rsplit(".", 1)[0]).close()
        assert not [p.name for p in folder.iterdir() if ".new" in p.name]   # what was left went


def test_killing_a_pool_ends_its_manager_thread_even_mid_message() -> None:
    """A worker killed while it writes an outcome leaves half a message in the results pipe;
    after ``engine._kill`` the executor's manager thread must still end (else the
    interpreter's exit, which joins it, hangs: a run stopped by SIGTERM did, once in 15)."""
    import struct
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from extractor.batch.engine import _kill

    pool = ProcessPoolExecutor(1, mp_context=get_context("forkserver"))
    assert pool.submit(int, "7").result(timeout=120) == 7
    thread = pool._executor_manager_thread
    # the header of a 100-byte message and 3 of its bytes, as a killed writer leaves them
    os.write(pool._result_queue._writer.fileno(), struct.pack("!i", 100) + b"abc")
    time.sleep(0.5)                                    # the thread is reading it by now
    _kill(pool)
    thread.join(30)
    assert not thread.is_alive(), "the manager thread still waits for the rest of the message"


def test_ctrl_c_during_a_store_commit_is_an_interrupt_and_keeps_what_was_stored(
        tmp_path: Path) -> None:
    """Ctrl-C while DuckDB runs a flush's COMMIT: KeyboardInterrupt (the CLI's exit 130), the
    flush rolled back, the documents of earlier flushes kept, the store usable. Before:
    DuckDB's RuntimeError("Query interrupted") came out of the flush (a traceback, exit 1)."""
    from extractor.batch.store import Store

    def doc(i: int) -> dict:
        return {"doc_id": f"{i:016x}", "source": f"r{i}.txt", "sha256": f"{i:064x}",
                "status": "ok", "facts": 0, "anomalies": 0, "chars": 10}

    store = Store(tmp_path / "s.duckdb")
    real = store.con
    store.con = CtrlCInDuckDB(real, "COMMIT", nth=2)
    store.add_many([(doc(1), [], []), (doc(2), [], [])])
    with pytest.raises(KeyboardInterrupt):
        store.add_many([(doc(3), [], []), (doc(4), [], [])])
    store.con = real
    assert store.done_hashes() == {f"{1:064x}", f"{2:064x}"}
    store.add_many([(doc(3), [], [])])                  # no transaction was left open
    assert store.counts()["documents"] == 3
    store.close()


@pytest.mark.parametrize("where", [("COMMIT", 2, False), ("SELECT status", 1, False),
                                   ("INSERT INTO documents", 2, True)],
                         ids=["second-flush-commit", "count-after-the-flushes",
                              "second-flush-reading-its-arrow-table"])
def test_ctrl_c_inside_duckdb_ends_the_run_as_interrupted_and_the_next_resumes(
        inputs: Path, tmp_path: Path, monkeypatch, where) -> None:
    """``extractor run --db`` meets Ctrl-C inside a DuckDB statement (a flush's COMMIT, or a
    statement of the store outside the flushes): "interrupted", exit 130 (README), what was
    stored kept, and the next run does the rest. Before: DuckDB's RuntimeError("Query
    interrupted") went through as a traceback and exit 1."""
    from typer.testing import CliRunner

    from extractor.batch import runner
    from extractor.cli import app

    prefix, nth, in_python = where
    real_store = runner.Store

    def store_meeting_ctrl_c(path):
        store = real_store(path)
        store.con = CtrlCInDuckDB(store.con, prefix, nth, in_python=in_python)
        return store

    db = tmp_path / "s.duckdb"
    args = ["run", str(inputs), "-o", str(tmp_path / "out"), "--db", str(db), "--jobs", "1",
            "--format", "csv", "--commit-every", "1"]
    monkeypatch.setattr(runner, "Store", store_meeting_ctrl_c)
    res = CliRunner().invoke(app, args, catch_exceptions=False)
    monkeypatch.setattr(runner, "Store", real_store)
    assert res.exit_code == 130, res.output[-2000:]
    assert res.stderr.rstrip().endswith(
        "extractor: interrupted; the next run with the same --db resumes"), res.stderr[-2000:]
    _check_store(db)
    con = duckdb.connect(str(db), read_only=True)
    kept = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    con.close()
    n = len(list(inputs.iterdir()))
    assert kept == (n if prefix == "SELECT status" else 1)
    assert not (tmp_path / "out").exists()                  # no exports begun
    again = CliRunner().invoke(app, args, catch_exceptions=False)
    assert again.exit_code == 3, again.stderr[-2000:]         # (the broken inputs)
    assert f"failed, {kept} skipped" in again.stderr, again.stderr[-2000:]
    _check_store(db)
    assert {d["source"] for d in read_rows(tmp_path / "out" / "documents.csv", "documents")
            } == {p.name for p in inputs.iterdir()}

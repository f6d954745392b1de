"""The command line as users run it: real processes (``python -m extractor``), every command
and exit code, a run killed with SIGKILL and resumed, and the Dask engine against the local one."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pyarrow.parquet as pq
import pytest
from cli_helpers import REPO, cli
from typer.testing import CliRunner

from extractor.cli import app


def in_process(*args):
    """The same command through CliRunner (this process is warm: no start-up cost)."""
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_every_command_and_exit_code_in_real_processes(mini_corpus, good_corpus, sample_path,
                                                       tmp_path):
    gold = REPO / "corpora" / "gold"
    cases = {
        "run partial (pool)": (["run", mini_corpus, "-o", tmp_path / "a", "--jobs", "2",
                                "--format", "csv"], 3),
        "run usage": (["run", good_corpus, "--format", "jsonl"], 2),
        "extract stdout": (["extract", good_corpus, "-o", "-", "--jobs", "1"], 0),
        "check fail-on": (["check", good_corpus, "-o", tmp_path / "a.jsonl", "--jobs", "1",
                           "--fail-on", "warning"], 1),
        "show": (["show", sample_path], 0),
        "explain": (["explain", "全年实现营业收入1200万元，同比增长7.5%。"], 0),
        "stats": (["stats", good_corpus, "--jobs", "1"], 0),
        "rules validate": (["rules", "validate"], 0),
        "report": (["report", good_corpus, "-o", tmp_path / "r" / "report.html"], 0),
        "eval": (["eval", gold, "--show", "2"], 0),
        "no command": ([], 2),
    }
    with ThreadPoolExecutor(3) as ex:
        futs = {name: ex.submit(cli, *[str(a) for a in args]) for name, (args, _) in cases.items()}
        results = {name: f.result() for name, f in futs.items()}
    got = {name: r.returncode for name, r in results.items()}
    want = {name: code for name, (_, code) in cases.items()}
    assert got == want, {n: results[n].stderr[-500:] for n in got if got[n] != want[n]}
    assert "ok, 3 failed" in results["run partial (pool)"].stderr
    for name in ("empty.txt", "binary.txt", "bad.pdf"):
        assert f"extractor: {name}: unreadable: " in results["run partial (pool)"].stderr
    rows = [json.loads(x) for x in results["extract stdout"].stdout.splitlines()]
    assert rows and rows[0]["fact_id"].startswith(rows[0]["doc_id"])
    assert "Missing option '--out'" in results["run usage"].stderr
    for r in results.values():          # not a terminal: no progress bar, no colour codes
        assert "\x1b[" not in r.stderr and "\r" not in r.stderr
    assert "1200万元" in results["explain"].stdout


@pytest.mark.parametrize("jobs", ["1", "2"])   # checked in the CLI / in the pool's first worker
def test_broken_rule_file_is_exit_2_naming_file_and_line(good_corpus, tmp_path, jobs):
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    text_yaml = rules / "text.yaml"
    lines = text_yaml.read_text(encoding="utf-8").splitlines()
    top = next(ln for ln in lines if ln and not ln.startswith((" ", "#")) and ":" in ln)
    text_yaml.write_text("\n".join(lines + [top]) + "\n", encoding="utf-8")   # duplicate key
    res = cli("run", str(good_corpus), "-o", str(tmp_path / "out"), "--jobs", jobs,
              env={"EXTRACTOR_RULES_DIR": str(rules)})
    assert res.returncode == 2, res.stderr
    assert "rule file error" in res.stderr and "text.yaml:" in res.stderr
    assert not (tmp_path / "out").exists()


def _counts(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {t: con.execute(f"select count(*) from {t}").fetchone()[0]
               for t in ("documents", "facts", "anomalies")}
        out["distinct_facts"] = con.execute("select count(distinct fact_id) from facts").fetchone()[0]
        out["distinct_docs"] = con.execute("select count(distinct sha256) from documents"
                                           ).fetchone()[0]
        out["partial_docs"] = con.execute(
            "select count(*) from documents d where d.facts <> "
            "(select count(*) from facts f where f.doc_id = d.doc_id and f.source = d.source)"
        ).fetchone()[0]
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def archive(tmp_path_factory, corpus_files, pipeline_ready):
    """10 real reports of middling size (a tenth of a second or so each) and one broken file."""
    root = tmp_path_factory.mktemp("kill")
    by_size = sorted(corpus_files, key=lambda p: (p.stat().st_size, p.name))
    mid = by_size[len(by_size) // 3: len(by_size) // 3 + 10]
    for p in mid:
        shutil.copy(p, root / p.name)
    (root / "empty.txt").write_bytes(b"")
    return root


def test_killed_run_resumes_to_the_same_tables(archive, tmp_path):
    ref_db = tmp_path / "ref.duckdb"
    ref = in_process("run", archive, "-o", tmp_path / "ref", "--db", ref_db, "--jobs", 1,
                     "--format", "parquet")
    assert ref.exit_code == 3, ref.stderr
    want = _counts(ref_db)
    assert want["documents"] == 11 and want["facts"] > 100

    db = tmp_path / "store.duckdb"
    args = [sys.executable, "-m", "extractor", "run", str(archive), "-o", str(tmp_path / "out"),
            "--db", str(db), "--jobs", "1", "--format", "parquet", "-v", "--commit-every", "1"]
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, cwd=REPO)
    committed = 0
    for line in proc.stderr:
        if ": ok (" in line or ": unreadable:" in line:
            committed += 1
        if committed >= 3:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(60)
    assert proc.returncode == -signal.SIGKILL
    assert not (tmp_path / "out" / "facts.parquet").exists()
    partial = _counts(db)
    assert 3 <= partial["documents"] < want["documents"]
    assert partial["partial_docs"] == 0                    # no document half-written

    t0 = time.monotonic()
    resumed = in_process("run", archive, "-o", tmp_path / "out", "--db", db, "--jobs", 1,
                         "--format", "parquet")
    assert resumed.exit_code == 3
    done = want["documents"] - partial["documents"]
    assert f"failed, {partial['documents']} skipped" in resumed.stderr
    assert resumed.stderr.count(" ok, ") == 1
    assert _counts(db) == want                                       # every document once
    for table in ("facts", "anomalies", "documents"):
        a = pq.read_table(tmp_path / "out" / f"{table}.parquet")
        b = pq.read_table(tmp_path / "ref" / f"{table}.parquet")
        if table == "documents":
            a, b = a.drop_columns(["seconds"]), b.drop_columns(["seconds"])
        assert a.equals(b), table
    assert time.monotonic() - t0 < 120 and done > 0


def _sorted_table(path, drop=()):
    t = pq.read_table(path)
    if drop:
        t = t.drop_columns(list(drop))
    keys = {"facts": ["source", "start", "end", "kind"], "anomalies": ["source", "start", "code",
                                                                         "anomaly_id"],
            "documents": ["source"]}[path.stem]
    return t.sort_by([(k, "ascending") for k in keys])


def test_dask_engine_gives_the_same_tables_as_the_local_engine(good_corpus, tmp_path):
    distributed = pytest.importorskip("distributed")
    local = in_process("run", good_corpus, "-o", tmp_path / "local", "--jobs", 1,
                       "--engine", "local", "--format", "parquet")
    assert local.exit_code == 0, local.stderr
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster:
        res = cli("run", str(good_corpus), "-o", str(tmp_path / "dask"), "--engine", "dask",
                  "--scheduler", cluster.scheduler_address, "--format", "parquet")
    assert res.returncode == 0, res.stderr
    n = len(list(good_corpus.iterdir()))
    assert f"{n} ok, 0 failed" in res.stderr
    for table in ("facts", "anomalies", "documents"):
        drop = ("seconds",) if table == "documents" else ()
        a = _sorted_table(tmp_path / "local" / f"{table}.parquet", drop)
        b = _sorted_table(tmp_path / "dask" / f"{table}.parquet", drop)
        assert a.num_rows == b.num_rows and a.equals(b), table
    assert pq.read_table(tmp_path / "dask" / "facts.parquet").num_rows > 100


def test_the_command_line_ends_without_teardown_but_with_its_output_and_cleanup(
        good_corpus, tmp_path):
    """The command line ends through os._exit (cli._exit_now: no interpreter teardown), after
    what the teardown did that is seen outside: all of stdout is written (a pipe: block
    buffered), the exit code is the command's, multiprocessing's atexit handler has removed
    its folder (pymp-*) and ended the pool's processes."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {"TMPDIR": str(tmp)}
    piped = cli("extract", str(good_corpus), "-o", "-", "--jobs", "2", env=env)
    assert piped.returncode == 0, piped.stderr[-2000:]
    here = in_process("extract", good_corpus, "-o", "-", "--jobs", "1")
    got = sorted(piped.stdout.splitlines())
    want = sorted(line for line in here.stdout.splitlines() if line.startswith("{"))
    assert len(got) > 100 and got == want
    assert list(tmp.iterdir()) == []
    usage = cli("run", str(tmp_path / "missing"), "-o", str(tmp_path / "o"), env=env)
    assert usage.returncode == 2 and "no such file or folder" in usage.stderr
    failing = cli("check", str(good_corpus), "-o", "-", "--jobs", "1", "--fail-on", "info",
                  env=env)
    assert failing.returncode == 1 and failing.stdout.count("\n") > 3
    said = cli("explain", "全年实现营业收入1200万元，同比增长7.5%。", env=env)    # print()s
    assert said.returncode == 0 and "1200万元" in said.stdout and "7.5" in said.stdout


def test_the_command_line_ends_with_an_executor_of_the_program_left_open(tmp_path):
    """The interpreter's exit ends concurrent.futures' executors left open (their workers are
    threads that are not daemons: threading's own atexit handlers tell them to stop, then they
    are joined). cli._exit_now waits for such threads too, so it must do the same first, or
    the command line never ends. Here the program that runs the command line (as python -m
    extractor does) has an idle thread pool open."""
    script = (
        "import runpy\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        "pool = ThreadPoolExecutor(1)\n"
        "pool.submit(int).result()          # its worker now waits for more work\n"
        "runpy.run_module('extractor', run_name='__main__', alter_sys=True)\n")
    done = subprocess.run([sys.executable, "-c", script, "explain", "营业收入1200万元。"],
                          capture_output=True, text=True, timeout=120, cwd=REPO,
                          env=dict(os.environ, TMPDIR=str(tmp_path)))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "1200万元" in done.stdout


def test_progress_bar_only_on_a_terminal(sample_path, tmp_path):
    """On a terminal the rich bar shows; piped (the test above) stderr has no bar and no colour."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "extractor", "run", str(sample_path), "-o",
                             str(tmp_path / "b"), "--jobs", "1", "--format", "csv"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave,
                            cwd=REPO)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:          # the terminal closed: the process is gone
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(120)
    os.close(master)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0
    assert "documents" in shown and "1/1" in shown and "\x1b[" in shown    # the rich bar
    assert "1 ok, 0 failed" in shown


def test_killed_run_leaves_no_worker_processes(archive, tmp_path):
    """``kill -9`` of ``extractor run --jobs 2`` mid-run: the pool's workers and its fork server
    end within seconds (a pool worker otherwise waits for work forever and keeps the fork server
    alive, about 100 MB each, after every killed run)."""
    import psutil

    big = _copies(archive, tmp_path / "many", 8)
    args = [sys.executable, "-m", "extractor", "run", str(big), "-o", str(tmp_path / "out"),
            "--jobs", "2", "--format", "csv", "-v"]
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, cwd=REPO)
    family: list = []
    for line in proc.stderr:
        if ": ok (" in line:                 # workers are up and processing
            family = psutil.Process(proc.pid).children(recursive=True)
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(60)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert len(family) >= 3                  # fork server and two workers (and resource tracker)
    gone, alive = psutil.wait_procs(family, timeout=10)
    assert not alive, [p.cmdline()[-1][:80] for p in alive]


def _copies(archive, folder, times: int):
    """``times`` copies of the archive's non-empty files in ``folder``, each copy's content
    distinct (k trailing newlines), so that no document is skipped as already seen."""
    folder.mkdir()
    for k in range(times):
        for p in archive.iterdir():
            if p.stat().st_size:
                (folder / f"{k}_{p.name}").write_bytes(p.read_bytes() + b"\n" * k)
    return folder


def _run_until_first_document(args, tmp, *, env=None):
    """Start ``python -m extractor ARGS -v`` with its own TMPDIR (so the run's scratch folder
    can be told apart from everyone else's), wait for its first committed document, send
    SIGTERM. Returns (the process, finished; stderr after the signal, the run's process
    family at that moment, the documents committed before it)."""
    import psutil

    tmp.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "extractor", *map(str, args), "-v"],
                            stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env=dict(os.environ, TMPDIR=str(tmp), PYTHONFAULTHANDLER="1",
                                     **(env or {})))
    family: list = []
    committed = 0
    for line in proc.stderr:
        if ": ok (" in line or ": unreadable:" in line:
            committed += 1
            family = psutil.Process(proc.pid).children(recursive=True)
            proc.send_signal(signal.SIGTERM)
            break
    # reaped before stderr is read to its end: a worker holds the pipe until it sees its run
    # gone, and a run that died (SIGTERM's default action) is not gone for it while a zombie
    try:
        proc.wait(120)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)    # faulthandler: every thread's stack to stderr
        proc.wait(30)
        raise AssertionError("the run did not stop after SIGTERM:\n" + proc.stderr.read()[-20000:])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    rest = proc.stderr.read()
    committed += rest.count(": ok (") + rest.count(": unreadable:")
    return proc, rest, family, committed


# the command line as ``python -m extractor`` runs it, with a SIGTERM to itself as typer is
# imported: the pool's workers are starting (--jobs 2), the options not yet parsed
_TERM_AT_TYPER = (
    "import importlib.abc, os, runpy, signal, sys\n"
    "class TermAtTyper(importlib.abc.MetaPathFinder):\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == 'typer':\n"
    "            sys.meta_path.remove(self)\n"
    "            os.kill(os.getpid(), signal.SIGTERM)\n"
    "        return None\n"
    "sys.meta_path.insert(0, TermAtTyper())\n"
    "runpy.run_module('extractor', run_name='__main__', alter_sys=True)\n")


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("signame, code, words", [
    ("SIGTERM", 143, "extractor: terminated (SIGTERM)"),
    ("SIGINT", 130, "extractor: interrupted")])
def test_a_signal_in_the_first_moments_ends_the_run_as_any_does(archive, tmp_path, jobs,
                                                                signame, code, words):
    """SIGTERM or Ctrl-C before the run has begun (here while the command line imports typer,
    the workers already starting with --jobs 2) ends it as the signal does later: exit 143
    "terminated (SIGTERM)" or 130 "interrupted", no traceback, nothing left in the temporary
    folder, no tables. Before: SIGTERM still had its default action there, the process died on
    the spot (-15) and left the pool's pymp-* folder; Ctrl-C printed the KeyboardInterrupt's
    traceback out of the import (9 of 40 Ctrl-Cs at a random moment of a run, all in its
    first 0.3 s)."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    script = _TERM_AT_TYPER.replace("SIGTERM", signame)
    proc = subprocess.Popen([sys.executable, "-c", script, "run", str(archive), "-o",
                             str(tmp_path / "out"), "--jobs", jobs, "--format", "csv"],
                            stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env=dict(os.environ, TMPDIR=str(tmp)),
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == code, (proc.returncode, err[-2000:])
    assert "Traceback" not in err, err[-2000:]
    assert _last_words(err) == words, err[-2000:]
    assert list(tmp.iterdir()) == []
    assert not (tmp_path / "out").exists()


def _last_words(stderr: str) -> str:
    """The run's last line on stderr, less the notice multiprocessing's resource tracker (a
    process of its own, which shares stderr and ends last) may print after it on a loaded
    machine: "resource_tracker: There appear to be 1 leaked semaphore objects to clean up at
    shutdown" and its source line. The tracker removes that semaphore itself; the notice was
    never seen in 23 runs stopped this way under load 30, and failed this test once in a while
    on CI."""
    lines = stderr.rstrip().splitlines()
    while len(lines) >= 2 and "resource_tracker: There appear to be" in lines[-2] \
            and lines[-1].lstrip().startswith("warnings.warn("):
        del lines[-2:]
    return lines[-1] if lines else ""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigterm_stops_the_run_cleans_up_and_a_rerun_resumes(archive, tmp_path, jobs):
    """SIGTERM (``kill``, ``timeout``, a scheduler) ends ``extractor run`` within moments like
    Ctrl-C: exit 143, "terminated (SIGTERM)", no scratch folder left in the temporary folder,
    no worker or fork server left; with --db the documents committed so far stay and the next
    run resumes. Before: the process died on the spot (-15) and left /tmp/extractor-*."""
    import psutil

    many = _copies(archive, tmp_path / "many", 4)
    n = len(list(many.iterdir()))
    common = ["run", many, "--jobs", jobs, "--format", "csv", "--commit-every", "1"]

    # without --db: the scratch folder of Arrow files goes
    proc, rest, family, _ = _run_until_first_document([*common, "-o", tmp_path / "a"],
                                                      tmp_path / "tmp-a")
    assert proc.returncode == 143, (proc.returncode, rest[-2000:])
    assert _last_words(rest) == "extractor: terminated (SIGTERM)", rest[-2000:]
    assert not list((tmp_path / "tmp-a").glob("extractor-*"))
    if jobs == "2":
        assert len(family) >= 3              # fork server and two workers (resource tracker)
    gone, alive = psutil.wait_procs(family, timeout=10)
    assert not alive, [p.cmdline()[-1][:80] for p in alive]

    # with --db: what was committed stays, the next run does only the rest
    db = tmp_path / "store.duckdb"
    proc, rest, family, committed = _run_until_first_document(
        [*common, "-o", tmp_path / "b", "--db", db], tmp_path / "tmp-b")
    assert proc.returncode == 143, (proc.returncode, rest[-2000:])
    assert _last_words(rest) == (
        "extractor: terminated (SIGTERM); the next run with the same --db resumes"), rest[-2000:]
    assert not list((tmp_path / "tmp-b").glob("extractor-*"))
    psutil.wait_procs(family, timeout=10)
    partial = _counts(db)
    assert partial["documents"] == committed and 1 <= committed < n
    assert partial["partial_docs"] == 0
    again = cli(*map(str, [*common, "-o", tmp_path / "b", "--db", db]))
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"{n - committed} ok, 0 failed, {committed} skipped" in again.stderr
    final = _counts(db)
    assert final["documents"] == final["distinct_docs"] == n and final["partial_docs"] == 0

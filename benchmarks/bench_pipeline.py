"""End-to-end throughput, start-up and memory of ``extractor``, next to plain jieba (and JioNLP).

What a user runs is measured: ``extractor run DIR --out OUT`` in a fresh process (read, clean,
segment what needs segmenting, extract every kind, check, store, write the tables), once with
``--jobs 1`` and once with all cores, on ``../shared/corpus/raw`` repeated to at least 20 MB
(written into a temporary folder as many files; each copy differs by trailing blank lines so
the run's content-hash de-duplication does not skip it). In the same run and on the same texts:
plain ``jieba.lcut`` (dictionary loaded before timing) and, when installed (``pip install
'extractor[bench]'``), JioNLP's ``extract_money`` called once per line, as ../shared/REFERENCE.md
measured it. Peak memory is the largest sum of resident memory over the whole process tree
(the CLI, the fork server and the workers), RSS sampled every 50 ms from /proc/PID/statm; PSS
(shared pages divided among the processes that share them, from /proc/PID/smaps_rollup, which
is dear to read) once a second next to it. CPU seconds are those of the whole tree, every
process reaped (the benchmark is a child subreaper), not sampled.

The corpus is also run once as it is (``--jobs 1``, every file new to the process): the copies
let caches of small pure functions (a clause window's role, a numeral's value) hit more often
than an archive where no report comes twice would, and this row shows the speed without that.

Scaling ceiling: the same pure-Python work (``jieba.lcut`` over 3 M characters) in one process
alone and then in one process per core at once; the summed throughput over one alone is what
this machine allows ``--jobs`` at best (on a VM, a core is slower while its neighbour works).

Start-up: a fresh interpreter that imports ``extractor.pipeline`` and processes the sample report
(the wall time from launching the process to the first document's result), median of 3.

Repeats: this VM's speed drifts by 5-15 % from one minute to the next (session 10, same code,
four runs in ten minutes: ``--jobs 1`` 6.19-7.19 s, ``--jobs 2`` 3.56-4.49 s), more than a
session's gains, so one run of each decides nothing. ``--repeat N`` (default 3) runs N rounds,
each round ``--jobs 1``, all cores and ``jieba.lcut`` one after the other (so each ratio compares
runs a few seconds apart), and reports for every row the run with the median wall time (not the
best), every run's seconds beside it, and the largest peak memory of all of them. The ratios and
the targets are taken from the medians. The corpus-once rows are repeated the same way; JioNLP,
the start-up probe (its own median of 3) and the ``--big`` runs are measured once.

``--big N`` also runs ``--jobs 1`` and all cores on N times the input (default 10 → 200 MB) to
show that memory stays flat. Figures go to ``benchmarks/out/<UTC timestamp>.json``; a compact table
is printed.

Usage: .venv/bin/python benchmarks/bench_pipeline.py [--mb 20] [--repeat 3] [--big 10] [--formats csv,parquet,jsonl]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO / ".." / "shared"
PY = Path(sys.executable)
EXTRACTOR = PY.parent / "extractor"
SAMPLE = SHARED / "seed" / "000_d222d2fbad11a8ee.txt"
FORMATS = "csv,xlsx,parquet,jsonl"


# -- input ----------------------------------------------------------------------------------------
def corpus_files(corpus: Path) -> list[Path]:
    files = sorted(p for p in corpus.iterdir() if p.is_file())
    if not files:
        sys.exit(f"no files in {corpus}")
    return files


def build_corpus(files: list[Path], dst: Path, min_bytes: int) -> tuple[int, int, int]:
    """Copies of the corpus in ``dst`` until at least ``min_bytes``; returns (files, bytes, chars)."""
    dst.mkdir(parents=True, exist_ok=True)
    datas = [(p, p.read_bytes()) for p in files]
    total = nfiles = chars = 0
    copy = 0
    while total < min_bytes:
        sub = dst / f"copy{copy:03d}"
        sub.mkdir()
        for p, data in datas:
            blob = data + b"\n" * copy          # distinct content per copy (no hash skipping)
            (sub / p.name).write_bytes(blob)
            total += len(blob)
            chars += len(blob.decode("utf-8-sig", errors="replace"))
            nfiles += 1
        copy += 1
    return nfiles, total, chars


def texts_of(root: Path) -> list[str]:
    return [p.read_bytes().decode("utf-8-sig", errors="replace")
            for p in sorted(root.rglob("*")) if p.is_file()]


# -- bytecode -------------------------------------------------------------------------------------
def fresh_bytecode() -> list[str]:
    """Bring the package's cached bytecode up to date before anything is timed; returns the
    modules whose cache was missing or stale. What is measured is the program as installed
    (pip compiles at install time), not the compiling of edited sources: with
    PYTHONDONTWRITEBYTECODE set, as on the shared machine, a source changed since its .pyc
    was written is compiled again in every process of every run, and never cached. On main
    at 15:50 21 of the package's modules were stale, +0.1 s of CPU for each process that
    imports the stages; a --jobs 2 run pays it in the CLI, both workers and the export
    helper, a --jobs 1 run once."""
    import compileall
    import importlib.util
    import io
    from contextlib import redirect_stdout

    stale = []
    for src in sorted((REPO / "extractor").rglob("*.py")):
        cached = Path(importlib.util.cache_from_source(str(src)))
        try:
            head = cached.read_bytes()[:16]
        except OSError:
            stale.append(str(src.relative_to(REPO)))
            continue
        st = src.stat()
        if (int.from_bytes(head[8:12], "little") != int(st.st_mtime) & 0xFFFFFFFF
                or int.from_bytes(head[12:16], "little") != st.st_size & 0xFFFFFFFF):
            stale.append(str(src.relative_to(REPO)))
    if stale:
        with redirect_stdout(io.StringIO()):
            compileall.compile_dir(str(REPO / "extractor"), quiet=1)
    return stale


# -- process-tree memory --------------------------------------------------------------------------
# The sampler runs next to the measured run, on the same cores: what it costs is taken from the
# run. Reading /proc/PID/smaps_rollup (PSS) walks the page tables of the process, about 3.5 ms of
# CPU per 300 MB process; at 20 Hz over the five processes of a --jobs 2 run that was ~35 % of a
# core, which the two workers lost (measured with psutil.memory_full_info). RSS comes from
# /proc/PID/statm (one line, a few µs), every 50 ms; PSS at 1 Hz; the tree (who descends from
# the run) is rescanned from /proc/*/stat every 0.25 s. Together about 3 % of a core.
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _ppid_and_cpu(pid: int) -> tuple[int, float] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    # after the name: state ppid … utime (field 14) stime (15), in clock ticks
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


class TreeMemory:
    """Peak of the summed RSS (and PSS) of a process and all its descendants (also those that
    were re-parented to this process, a child subreaper, when their parent ended first)."""

    def __init__(self, pid: int, interval: float = 0.05, tree_every: float = 0.25,
                 pss_every: float = 1.0) -> None:
        self.pid = pid
        self.interval = interval
        self.tree_every = tree_every
        self.pss_every = pss_every
        self.pids: list[int] = [pid]
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_procs = 0
        self.cpu: dict[int, float] = {}     # last CPU seconds seen per process of the tree
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _scan_tree(self) -> None:
        children: dict[int, list[int]] = {}
        cpu: dict[int, float] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            got = _ppid_and_cpu(pid)
            if got is not None:
                children.setdefault(got[0], []).append(pid)
                cpu[pid] = got[1]
        # the run, and whatever of its tree was re-parented to us (we are a child subreaper)
        stack = [self.pid] + [p for p in children.get(os.getpid(), []) if p != self.pid]
        tree = []
        while stack:
            p = stack.pop()
            tree.append(p)
            stack.extend(children.get(p, []))
        self.pids = tree
        self.cpu.update((p, cpu[p]) for p in tree if p in cpu)
        self.peak_procs = max(self.peak_procs, len(tree))

    def _run(self) -> None:
        next_tree = next_pss = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_tree:
                self._scan_tree()
                next_tree = now + self.tree_every
            self.peak_rss = max(self.peak_rss, sum(_rss(p) for p in self.pids))
            if now >= next_pss:
                self.peak_pss = max(self.peak_pss, sum(_pss(p) for p in self.pids))
                next_pss = now + self.pss_every
            self._stop.wait(self.interval)

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _children_cpu() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)   # every waited-for descendant
    return ru.ru_utime + ru.ru_stime


def _become_subreaper() -> bool:
    """Adopt the orphans of the measured runs (the fork server and its workers outlive the CLI
    by a moment, and nobody waited for them): reaped here, their CPU time reaches
    ``RUSAGE_CHILDREN`` and the run's CPU seconds are complete, not sampled."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0     # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


SUBREAPER = False


def _reap_orphans(limit: float = 30.0) -> None:
    """Wait for every remaining child (the run's adopted descendants) for up to ``limit`` s."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.02)


def run_measured(cmd: list[str], env: dict | None = None) -> dict:
    t0 = time.perf_counter()
    c0 = _children_cpu()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    with TreeMemory(proc.pid) as mem:
        out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if SUBREAPER:
        _reap_orphans()
        cpu = _children_cpu() - c0        # the whole tree, reaped
    else:
        # what the kernel reports for reaped descendants, or the sum of the last samples per
        # process when some were not reaped by their parent (the fork server's workers)
        cpu = max(_children_cpu() - c0, sum(mem.cpu.values()))
    return {"seconds": wall, "cpu_seconds": cpu, "cpu_counted": "reaped" if SUBREAPER else "sampled",
            "rc": proc.returncode,
            "peak_rss_mb": mem.peak_rss / 2**20,
            "peak_pss_mb": mem.peak_pss / 2**20, "processes": mem.peak_procs,
            "stderr_tail": err.decode("utf-8", "replace").strip().splitlines()[-3:]}


# -- the measurements -----------------------------------------------------------------------------
def bench_extractor(indir: Path, jobs: int, formats: str, chars: int) -> dict:
    out = Path(tempfile.mkdtemp(prefix="bench-out-"))
    try:
        env = dict(os.environ, EXTRACTOR_NO_PROGRESS="1")
        r = run_measured([str(EXTRACTOR), "run", str(indir), "--out", str(out), "--jobs", str(jobs),
                          "--format", formats, "--no-progress"], env=env)
        r["outputs_mb"] = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**20
        r["facts_rows"] = _rows(out / "facts.jsonl")
        r["anomaly_rows"] = _rows(out / "anomalies.jsonl")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    r["jobs"] = jobs
    r["chars"] = chars
    r["chars_per_s"] = chars / r["seconds"]
    r["chars_per_cpu_s"] = chars / r["cpu_seconds"] if r["cpu_seconds"] else None
    if r["rc"] not in (0, 1):
        print(f"  extractor exited {r['rc']}: {r['stderr_tail']}", file=sys.stderr)
    return r


def _rows(path: Path) -> int | None:
    if not path.exists():
        return None
    with path.open("rb") as fh:
        return sum(1 for _ in fh)


def median_run(runs: list[dict]) -> dict:
    """The run with the median wall time (the slower middle one for an even count), with every
    run's seconds and CPU seconds beside it and the largest peak memory of all the runs: the
    memory target holds for every run, not for a typical one."""
    if len(runs) == 1:
        return runs[0]
    ordered = sorted(runs, key=lambda r: r["seconds"])
    med = dict(ordered[len(ordered) // 2])
    med["runs_s"] = [round(r["seconds"], 3) for r in runs]
    med["runs_cpu_s"] = [round(r.get("cpu_seconds") or 0.0, 3) for r in runs]
    for key in ("peak_rss_mb", "peak_pss_mb"):
        if key in med:
            med[key] = max(r[key] for r in runs)
    if any(r.get("rc") for r in runs):         # a failed run is never hidden by the median
        med["rc"] = next(r["rc"] for r in runs if r.get("rc"))
    return med


def bench_jieba(texts: list[str]) -> dict:
    import jieba

    jieba.setLogLevel(logging.ERROR)
    t0 = time.perf_counter()
    jieba.initialize()
    load = time.perf_counter() - t0
    n = sum(map(len, texts))
    t0, c0 = time.perf_counter(), time.process_time()
    for t in texts:
        jieba.lcut(t)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": dt, "cpu_seconds": cpu, "chars_per_s": n / dt, "chars_per_cpu_s": n / cpu,
            "dictionary_load_s": load}


def bench_jionlp(texts: list[str]) -> dict | None:
    try:
        import jionlp
    except ImportError:
        return None
    extract_money = jionlp.ner.extract_money
    extract_money("预热：共计1200万元。")            # lazy loading is not timed
    n = sum(map(len, texts))
    t0, c0 = time.perf_counter(), time.process_time()
    found = 0
    for t in texts:
        for line in t.splitlines():
            if line:
                found += len(extract_money(line))
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": dt, "cpu_seconds": cpu, "chars_per_s": n / dt, "chars_per_cpu_s": n / cpu,
            "money_found": found,
            "version": getattr(jionlp, "__version__", "?")}


CEILING = r"""
import logging, sys, time
import jieba
jieba.setLogLevel(logging.ERROR)
jieba.initialize()
texts = open(sys.argv[1], encoding="utf-8").read().split("\f")
c0 = time.process_time()
for t in texts:
    jieba.lcut(t)
print(time.process_time() - c0)
"""


def bench_ceiling(texts: list[str], cores: int) -> dict | None:
    """What the machine gives a process-parallel job: the same pure-Python work (``jieba.lcut``
    over a few MB) in one process alone, then in ``cores`` processes at once. Perfect scaling
    would be ``cores``× the throughput of one; on a VM whose cores share caches or a host core,
    each process needs more CPU seconds when its neighbours run, which caps what ``--jobs`` can
    reach whatever the program does."""
    if cores < 2:
        return None
    sample, n = [], 0
    for t in texts:
        if n >= 3_000_000:
            break
        sample.append(t)
        n += len(t)
    fd, path = tempfile.mkstemp(suffix=".txt", prefix="bench-ceiling-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\f".join(sample))
    try:
        def together(k: int) -> tuple[float, list[float]]:
            t0 = time.perf_counter()
            procs = [subprocess.Popen([str(PY), "-c", CEILING, path], stdout=subprocess.PIPE,
                                      text=True) for _ in range(k)]
            outs = [p.communicate()[0] for p in procs]
            return time.perf_counter() - t0, [float(o.split()[-1]) for o in outs]

        _, (cpu1,) = together(1)
        _, cpus = together(cores)
    finally:
        os.unlink(path)
    # throughput of k processes at once over one alone, from the CPU seconds of the cut itself
    # (dictionary loading and interpreter start excluded: they are start-up)
    ceiling = sum(cpu1 / c for c in cpus)
    return {"chars": n, "cpu_alone_s": cpu1, "cpu_together_s": cpus, "ceiling": ceiling}


STARTUP = r"""
import sys, time
t0 = time.perf_counter()
from extractor.pipeline import process_path
t1 = time.perf_counter()
r = process_path(sys.argv[1])
t2 = time.perf_counter()
mods = [m for m in ("jieba", "spacy", "pandas", "matplotlib", "duckdb", "dask", "pyarrow")
        if m in sys.modules]
print(f"{t1 - t0:.4f} {t2 - t1:.4f} {len(r.facts)} {','.join(mods) or '-'}")
"""


def bench_startup(path: Path, repeat: int = 3) -> dict:
    runs = []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), _children_cpu()
        out = subprocess.run([str(PY), "-c", STARTUP, str(path)], capture_output=True, text=True,
                             cwd=str(REPO))
        wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
        if out.returncode:
            sys.exit(f"start-up probe failed: {out.stderr[-500:]}")
        imp, first, nfacts, mods = out.stdout.split()
        runs.append({"wall_s": wall, "cpu_s": cpu, "import_s": float(imp), "first_doc_s": float(first),
                     "facts": int(nfacts), "modules_loaded": mods})
    best = sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]
    return dict(best, document=path.name, chars=len(path.read_text("utf-8-sig")),
                runs=[round(r["wall_s"], 3) for r in runs])


# -- report ---------------------------------------------------------------------------------------
def fmt_rate(x: float) -> str:
    return f"{x / 1e6:.2f} M/s" if x >= 1e5 else f"{x / 1e3:.0f} K/s"


def table(res: dict) -> str:
    lines = []
    inp = res["input"]
    lines.append(f"input: {inp['files']} files, {inp['bytes'] / 2**20:.1f} MB, "
                 f"{inp['chars'] / 1e6:.2f} M chars (formats: {res['formats']})"
                 + (f"; median run of {res['repeat']} rounds (every run's seconds after the row)"
                    if res.get("repeat", 1) > 1 else ""))
    jb = res["jieba"]["chars_per_s"]
    jbc = res["jieba"].get("chars_per_cpu_s") or jb
    lines.append(f"{'what':<28}{'seconds':>9}{'chars/s':>11}{'× jieba':>9}"
                 f"{'CPU s':>8}{'chars/CPU s':>12}{'× jieba':>8}{'peak RSS':>10}{'peak PSS':>10}")
    lines.append("-" * 105)

    def row(name, r, mem=True):
        rate = r["chars_per_s"]
        crate = r.get("chars_per_cpu_s") or 0.0
        m = (f"{r['peak_rss_mb']:>7.0f} MB{r['peak_pss_mb']:>7.0f} MB" if mem else "")
        # a run that failed (exit code other than 0) is no throughput: say so on its row
        bad = f"  FAILED (exit {r['rc']}): {(r.get('stderr_tail') or [''])[-1][:60]}" if r.get("rc") else ""
        lines.append(f"{name:<28}{r['seconds']:>9.2f}{fmt_rate(rate):>11}{rate / jb:>8.2f}×"
                     f"{r.get('cpu_seconds') or 0:>8.1f}{fmt_rate(crate):>12}{crate / jbc:>7.2f}×{m}"
                     f"{bad}"
                     + (f"  [{' '.join(f'{x:.2f}' for x in r['runs_s'])}]" if r.get("runs_s") else ""))

    for key, r in res["extractor"].items():
        row(f"extractor run --jobs {r['jobs']}", r)
    row("jieba.lcut (same texts)", res["jieba"], mem=False)
    if res.get("jionlp"):
        row("jionlp.extract_money/line", res["jionlp"], mem=False)
    for key in sorted(k for k in res if k.startswith("unrepeated")):
        row(f"corpus once, --jobs {res[key]['jobs']}", res[key])
    for key, r in res.get("big", {}).items():
        row(f"10× input --jobs {r['jobs']}".replace("10×", f"{res['big_factor']}×"), r)
    lines.append("-" * 105)
    st = res["startup"]
    lines.append(f"start-up (fresh process, import + first document {st['document']}, "
                 f"{st['chars']} chars): {st['wall_s']:.2f} s wall, {st.get('cpu_s', 0):.2f} s CPU "
                 f"(import {st['import_s']:.2f} s, document {st['first_doc_s']:.2f} s; "
                 f"loaded: {st['modules_loaded']})")
    ex = res["extractor"]
    one = ex.get("jobs1")
    allc = ex.get(f"jobs{res['cores']}")
    if one and one.get("chars_per_cpu_s"):
        lines.append(f"1 core, per CPU second (robust on a shared machine): "
                     f"{fmt_rate(one['chars_per_cpu_s'])} = {one['chars_per_cpu_s'] / jbc:.2f}× jieba"
                     + (f", {one['chars_per_cpu_s'] / res['jionlp']['chars_per_cpu_s']:.2f}× "
                        "JioNLP money" if res.get("jionlp") else ""))
    if one:
        lines.append(f"1 core: {fmt_rate(one['chars_per_s'])} = {one['chars_per_s'] / jb:.2f}× jieba"
                     + (f", {one['chars_per_s'] / res['jionlp']['chars_per_s']:.2f}× JioNLP money"
                        if res.get("jionlp") else ""))
    un = res.get("unrepeated")
    if un and un.get("cpu_seconds"):
        # the start-up is paid once per run: on 1.9 M chars it weighs more than on 20 MB
        net = max(un["cpu_seconds"] - res["startup"].get("cpu_s", 0.0), 1e-9)
        lines.append(f"corpus once (each file new to the process, no repeat): "
                     f"{fmt_rate(un['chars_per_cpu_s'])} per CPU s = "
                     f"{un['chars_per_cpu_s'] / jbc:.2f}× jieba; without the start-up "
                     f"{fmt_rate(un['chars'] / net)} = {un['chars'] / net / jbc:.2f}× jieba")
        un_all = res.get(f"unrepeated_jobs{res['cores']}")
        if un_all:
            lines.append(f"corpus once, {res['cores']} cores: "
                         f"{un_all['chars_per_s'] / un['chars_per_s']:.2f}× its 1-core throughput")
    if one and allc and allc is not one:
        lines.append(f"{res['cores']} cores: {fmt_rate(allc['chars_per_s'])} = "
                     f"{allc['chars_per_s'] / one['chars_per_s']:.2f}× the 1-core throughput")
    if one and allc and allc is not one and len(res.get("rounds", [])) > 1:
        key1, keyn = "jobs1", f"jobs{res['cores']}"
        lines.append("per round (runs a few seconds apart): " + "; ".join(
            f"{r[key1] / r['jieba']:.2f}× jieba, {res['cores']} cores {r[keyn] / r[key1]:.2f}×"
            for r in res["rounds"]))
    ce = res.get("ceiling")
    if ce:
        lines.append(f"this machine's ceiling for {res['cores']} processes (jieba alone vs "
                     f"{res['cores']} at once, CPU s of the cut {ce['cpu_alone_s']:.2f} vs "
                     f"{', '.join(f'{c:.2f}' for c in ce['cpu_together_s'])}): "
                     f"{ce['ceiling']:.2f}× one process")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(SHARED / "corpus" / "raw"))
    ap.add_argument("--mb", type=float, default=20.0, help="input size in MB (file bytes)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="rounds of --jobs 1, all cores and jieba; the median run is reported (default 3)")
    ap.add_argument("--big", type=int, default=0,
                    help="also run on N× the input to show memory stays flat (e.g. 10)")
    ap.add_argument("--jobs", default="",
                    help="comma-separated job counts (default: 1 and all cores)")
    ap.add_argument("--formats", default=FORMATS, help=f"output formats (default {FORMATS})")
    ap.add_argument("--no-jionlp", action="store_true")
    ap.add_argument("--out", default="", help="JSON file (default benchmarks/out/<timestamp>.json)")
    args = ap.parse_args()

    import psutil

    global SUBREAPER
    SUBREAPER = _become_subreaper()
    cores = len(os.sched_getaffinity(0))
    jobs_list = [int(j) for j in args.jobs.split(",") if j] or sorted({1, cores})
    files = corpus_files(Path(args.corpus))
    tmp = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    res: dict = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": _git("rev-parse", "--short", "HEAD"), "dirty": bool(_git("status", "--porcelain",
                                                                            "--", "extractor")),
        "python": platform.python_version(), "machine": platform.machine(), "cores": cores,
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "formats": args.formats,
        "load_average_at_start": os.getloadavg(),
    }
    out = Path(args.out) if args.out else (
        REPO / "benchmarks" / "out" / (datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
                                       + ".json"))
    out.parent.mkdir(parents=True, exist_ok=True)

    def save(step: str, value) -> None:
        """Record one measurement and rewrite the JSON file (a long run keeps what it measured)."""
        print(f"  {step}: {_brief(value)}", file=sys.stderr)
        out.write_text(json.dumps(res, indent=2, ensure_ascii=False), encoding="utf-8")

    res["bytecode_refreshed"] = fresh_bytecode()
    if res["bytecode_refreshed"]:
        print(f"bytecode: {len(res['bytecode_refreshed'])} stale or missing .pyc compiled "
              "first (not the program's time)", file=sys.stderr)
    try:
        indir = tmp / "input"
        nfiles, nbytes, nchars = build_corpus(files, indir, int(args.mb * 2**20))
        res["input"] = {"files": nfiles, "bytes": nbytes, "chars": nchars,
                        "corpus_files": len(files)}
        print(f"input: {nfiles} files, {nbytes / 2**20:.1f} MB, {nchars / 1e6:.2f} M chars",
              file=sys.stderr)

        print("start-up …", file=sys.stderr)
        res["startup"] = bench_startup(SAMPLE if SAMPLE.exists() else files[0])
        save("start-up", res["startup"])

        # rounds: --jobs 1, all cores and jieba one after the other, so that each ratio compares
        # runs made a few seconds apart on this drifting machine; the median run of each is kept
        texts = texts_of(indir)
        rounds = max(1, args.repeat)
        res["repeat"] = rounds
        runs: dict[str, list[dict]] = {f"jobs{j}": [] for j in jobs_list}
        jieba_runs: list[dict] = []
        for k in range(rounds):
            for j in jobs_list:
                print(f"extractor run --jobs {j} (round {k + 1} of {rounds}) …", file=sys.stderr)
                runs[f"jobs{j}"].append(bench_extractor(indir, j, args.formats, nchars))
                save(f"jobs {j}", runs[f"jobs{j}"][-1])
            print(f"jieba.lcut (round {k + 1} of {rounds}) …", file=sys.stderr)
            jieba_runs.append(bench_jieba(texts))
            save("jieba", jieba_runs[-1])
        res["extractor"] = {key: median_run(rs) for key, rs in runs.items()}
        res["jieba"] = median_run(jieba_runs)
        res["rounds"] = [
            {**{key: round(rs[k]["chars_per_s"]) for key, rs in runs.items()},
             "jieba": round(jieba_runs[k]["chars_per_s"])} for k in range(rounds)]
        save("medians", {key: round(r["seconds"], 2) for key, r in res["extractor"].items()})

        # The copies above repeat the corpus, so caches of pure functions of small texts (the
        # words of a text fragment, a clause window's role, a numeral's value) hit more often
        # than in an archive where no report comes twice. One pass over the corpus itself,
        # every file new to the process, gives the figure without that help.
        once_chars = sum(len(t) for t in texts_of(Path(args.corpus)))
        once_runs: dict[int, list[dict]] = {j: [] for j in jobs_list}
        for k in range(rounds):
            for j in jobs_list:
                print(f"extractor run --jobs {j} on the corpus once (no repeats; round {k + 1}) …",
                      file=sys.stderr)
                once_runs[j].append(bench_extractor(Path(args.corpus), j, args.formats, once_chars))
                save(f"unrepeated jobs {j}", once_runs[j][-1])
        for j, rs in once_runs.items():
            res["unrepeated" if j == 1 else f"unrepeated_jobs{j}"] = median_run(rs)

        print(f"scaling ceiling ({cores} jieba processes at once) …", file=sys.stderr)
        res["ceiling"] = bench_ceiling(texts, cores)
        save("ceiling", res["ceiling"])
        if not args.no_jionlp:
            print("jionlp.extract_money …", file=sys.stderr)
            res["jionlp"] = bench_jionlp(texts)
            save("jionlp", res["jionlp"])
        del texts

        if args.big:
            res["big_factor"] = args.big
            bigdir = tmp / "big"
            shutil.rmtree(indir)           # disk: the big input replaces the small one
            bf, bb, bc = build_corpus(files, bigdir, int(args.mb * args.big * 2**20))
            res["big_input"] = {"files": bf, "bytes": bb, "chars": bc}
            print(f"big input: {bf} files, {bb / 2**20:.0f} MB", file=sys.stderr)
            res["big"] = {}
            for j in jobs_list:
                print(f"extractor run --jobs {j} on {args.big}× …", file=sys.stderr)
                res["big"][f"jobs{j}"] = bench_extractor(bigdir, j, args.formats, bc)
                save(f"big jobs {j}", res["big"][f"jobs{j}"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    jb = res["jieba"]["chars_per_s"]
    one = res["extractor"].get("jobs1")
    allc = res["extractor"].get(f"jobs{cores}")
    peaks = [r["peak_rss_mb"] for r in res["extractor"].values()]
    peaks += [r["peak_rss_mb"] for r in res.get("big", {}).values()]
    res["targets"] = {
        "1core_chars_per_s>=1.5M": bool(one and one["chars_per_s"] >= 1.5e6),
        "1core_vs_jieba>=3.5": bool(one and one["chars_per_s"] / jb >= 3.5),
        "all_cores_vs_1core>=1.8": bool(one and allc and allc["chars_per_s"]
                                        / one["chars_per_s"] >= 1.8) if cores > 1 else None,
        "startup<1.5s": res["startup"]["wall_s"] < 1.5,
        "startup_cpu<1.5s": res["startup"].get("cpu_s", 99) < 1.5,
        "peak_rss<400MB": max(peaks) < 400,
        # every run finished with exit code 0 (a failed run's speed means nothing)
        "all_runs_ok": all(r.get("rc") == 0 for r in [*res["extractor"].values(),
                                                      *res.get("big", {}).values()]),
    }
    out.write_text(json.dumps(res, indent=2, ensure_ascii=False), encoding="utf-8")
    print(table(res))
    print("targets: " + ", ".join(f"{k} {'met' if v else ('n/a' if v is None else 'NOT met')}"
                                  for k, v in res["targets"].items()))
    print(f"figures: {out}")


def _brief(value) -> str:
    if not isinstance(value, dict):
        return str(value)
    keys = ("seconds", "cpu_seconds", "wall_s", "chars_per_s", "chars_per_cpu_s", "peak_rss_mb", "peak_pss_mb", "rc")
    return ", ".join(f"{k}={value[k]:.4g}" if isinstance(value[k], float) else f"{k}={value[k]}"
                     for k in keys if k in value)


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=str(REPO)
                              ).stdout.strip()
    except OSError:
        return ""


if __name__ == "__main__":
    main()

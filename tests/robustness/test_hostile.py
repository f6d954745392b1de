"""Hostile files, generated here: each is refused with a reason naming the file, or processed
within a time limit, with bounded memory.

All file inputs go through one fresh subprocess (``_child.py``: warmed-up pipeline, psutil
sampler for the peak resident memory of each input). With ``EXTRACTOR_HEAVY=1`` the big sizes
run too (300 MB zip bomb, 100 MB single-line text through the batch's per-document function
with its 120 s limit); the normal suite runs scaled-down representatives of every input.
Run with ``-s`` to print the table (input, outcome, seconds, peak MB).
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from extractor.batch.discover import discover
from extractor.errors import ReadError
from extractor.pipeline import process_path
from extractor.reading import read

from . import _hostile_files as H

HEAVY = os.environ.get("EXTRACTOR_HEAVY") == "1"
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
MB = 2**20

#: name → (builder(folder) → path, mode, time limit s, extra memory limit MB over the ready pipeline)
def _jobs() -> dict:
    jobs = {
        "docx zip bomb (20 MB of spaces, 1000:1)":
            (lambda d: H.docx_zip_bomb(d / "bomb.docx", 20), "process", 20, 100),
        "docx XML entity expansion (billion laughs)":
            (lambda d: H.docx_entity_expansion(d / "laughs.docx"), "process", 10, 50),
        "1 MB run of ASCII digits":
            (lambda d: _write(d / "digits.txt", b"1" * MB), "process", 60, 150),
        "1 MB run of 一二三…":
            (lambda d: _write(d / "cn.txt", "一二三四五六七八九十".encode() * (MB // 30)),
             "process", 60, 150),
        "300 KB single line of dense report text":
            (lambda d: H.single_line(d / "line.txt", 300_000), "process", 90, 250),
        "5 MB single line, batch task with a 3 s limit":
            (lambda d: H.single_line(d / "line5.txt", 5 * MB), "task", 3 + 15, 400),
        "NUL bytes in a .txt":
            (lambda d: _write(d / "nul.txt", "全年投资1200万元".encode() + b"\x00\x01\x00" * 100),
             "process", 10, 50),
        "PDF with a cyclic page tree":
            (lambda d: H.pdf_loops(d / "loop.pdf"), "process", 20, 100),
        "PDF with a self-drawing XObject and cyclic outline":
            (lambda d: H.pdf_xobject_loop(d / "xloop.pdf"), "process", 20, 100),
        "PDF without text":
            (lambda d: H.pdf_no_text(d / "blank.pdf"), "process", 10, 50),
        "path with spaces, Chinese and a newline":
            (lambda d: _write(d / "报告 2023\n第二版 (终稿).txt", H.REPORT_LINE.encode()),
             "process", 10, 50),
        "folder with symlink loops":
            (lambda d: _symlink_tree(d / "tree"), "discover", 10, 50),
    }
    if HEAVY:
        jobs["docx zip bomb (300 MB of spaces)"] = (
            lambda d: H.docx_zip_bomb(d / "bomb300.docx", 300), "process", 30, 100)
        jobs["100 MB single line, batch task with the default 120 s limit"] = (
            lambda d: H.single_line(d / "line100.txt", 100 * MB), "task", 120 + 60, 3000)
        jobs["10 MB run of digits"] = (
            lambda d: _write(d / "digits10.txt", b"1" * (10 * MB)), "process", 300, 1500)
    return jobs


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _symlink_tree(root: Path) -> Path:
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "报告.txt").write_text(H.REPORT_LINE, encoding="utf-8")
    os.symlink(root, root / "a" / "b" / "up")             # b/up → root: a cycle
    os.symlink(root / "a", root / "a" / "b" / "again")    # the same folder reached twice
    os.symlink("self.txt", root / "self.txt")             # a file link pointing at itself
    return root


TABLE: list[dict] = []


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("hostile")
    jobs, spec = [], {}
    for name, (build, mode, limit, mem) in _jobs().items():
        path = build(folder)
        job = {"path": str(path), "source": str(path), "mode": mode, "name": name}
        if mode == "task":
            job["timeout"] = 120.0 if "120 s" in name else 3.0
        jobs.append(job)
        spec[name] = (limit, mem, path)
    jf = folder / "jobs.json"
    jf.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
    total = sum(v[0] for v in spec.values()) + 120
    proc = subprocess.run([sys.executable, str(HERE / "_child.py"), str(jf)], cwd=REPO,
                          capture_output=True, text=True, timeout=total)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    assert len(lines) == len(jobs), proc.stdout[-2000:] + proc.stderr[-2000:]
    out = {}
    for job, res in zip(jobs, lines):
        limit, mem, path = spec[job["name"]]
        res.update(limit=limit, mem_limit=mem, file=str(path))
        out[job["name"]] = res
        TABLE.append({"input": job["name"], **res})
    yield out
    print("\n| input | outcome | seconds | peak MB (ready pipeline) |\n|---|---|---|---|")
    for r in TABLE:
        what = r["status"] + (f": {r['error']}" if r.get("error") else "")
        if r.get("facts") is not None and r["status"] == "ok":
            what += f" ({r.get('facts')} facts)"
        if r.get("found") is not None:
            what += f" (found {r['found']})"
        print(f"| {r['input']} | {what[:160]} | {r['seconds']} | {r['peak_mb']} ({r['base_mb']}) |")


def _bounded(res: dict) -> None:
    assert res["status"] != "raised", res.get("traceback")
    assert res["seconds"] <= res["limit"], res
    assert res["peak_mb"] - res["base_mb"] <= res["mem_limit"], res


def _refused(res: dict, *words: str) -> None:
    _bounded(res)
    assert res["status"] == "unreadable", res
    assert res["error"]          # the reason; the row's source names the file (tested below)
    for w in words:
        assert w in res["error"], (w, res["error"])


def test_docx_zip_bomb_refused(outcomes: dict) -> None:
    _refused(outcomes["docx zip bomb (20 MB of spaces, 1000:1)"], "zip bomb")
    if HEAVY:
        _refused(outcomes["docx zip bomb (300 MB of spaces)"], "zip bomb")


def test_docx_entity_expansion_refused(outcomes: dict) -> None:
    _refused(outcomes["docx XML entity expansion (billion laughs)"], "ENTITY")


def test_long_runs_of_digits_linear_and_bounded(outcomes: dict) -> None:
    for name in ("1 MB run of ASCII digits", "1 MB run of 一二三…"):
        res = outcomes[name]
        _bounded(res)
        assert res["status"] == "ok" and res["chars"] >= 300_000


def test_single_line_text_processed(outcomes: dict) -> None:
    res = outcomes["300 KB single line of dense report text"]
    _bounded(res)
    assert res["status"] == "ok" and res["facts"] > 10_000


def test_single_line_text_stopped_by_the_batch_time_limit(outcomes: dict) -> None:
    res = outcomes["5 MB single line, batch task with a 3 s limit"]
    _bounded(res)
    assert res["status"] == "timeout" and "3 s" in res["error"], res
    if HEAVY:
        big = outcomes["100 MB single line, batch task with the default 120 s limit"]
        _bounded(big)
        assert big["status"] in ("ok", "timeout"), big


def test_nul_bytes(outcomes: dict) -> None:
    res = outcomes["NUL bytes in a .txt"]
    _bounded(res)
    assert res["status"] == "unreadable" and "binary" in res["error"], res


def test_pdf_loops_and_no_text(outcomes: dict) -> None:
    _refused(outcomes["PDF with a cyclic page tree"], "cyclic")
    res = outcomes["PDF with a self-drawing XObject and cyclic outline"]
    _bounded(res)
    assert res["status"] == "ok" and res["facts"] >= 1        # the text around the loop is read
    _refused(outcomes["PDF without text"], "OCR")


def test_odd_path_names(outcomes: dict) -> None:
    res = outcomes["path with spaces, Chinese and a newline"]
    _bounded(res)
    assert res["status"] == "ok" and res["facts"] >= 3


def test_symlink_loops_end(outcomes: dict) -> None:
    res = outcomes["folder with symlink loops"]
    _bounded(res)
    assert res["found"].count("a/报告.txt") == 1
    assert len(res["found"]) == len(set(res["found"]))


def test_a_file_link_to_itself_is_an_unreadable_row(tmp_path: Path) -> None:
    link = tmp_path / "self.txt"
    os.symlink("self.txt", link)
    r = process_path(link)
    assert r.document["status"] == "unreadable"
    assert str(link) in r.document["source"] and r.document["error"]


def test_odd_name_is_named_in_the_error(tmp_path: Path) -> None:
    bad = tmp_path / "坏 文件\n2023.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    r = process_path(bad)
    assert r.document["status"] == "unreadable" and r.document["source"] == str(bad)
    with pytest.raises(ReadError) as ei:
        read(bad)
    assert str(bad) in str(ei.value) and ei.value.reason


def test_file_changing_while_read_hash_and_text_agree(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer rewrites the file (truncate + write, not atomic) while it is read: each read's
    sha256 and text come from the same bytes (the file is read once, into memory), whatever
    mix of old and new content the read caught."""
    import extractor.reading as reading
    from extractor.reading import read_bytes

    path = tmp_path / "changing.txt"
    a = ("甲" * 5000 + "全年投资1200万元。").encode()
    b = ("乙" * 9000 + "同比增长7.5%。").encode()
    path.write_bytes(a)
    grabbed: list[bytes] = []
    real = reading._read_file_bytes

    def spy(*args, **kw):
        data = real(*args, **kw)
        grabbed.append(data)
        return data

    monkeypatch.setattr(reading, "_read_file_bytes", spy)
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set():
            with path.open("r+b") as fh:
                fh.truncate(0)
                fh.write(a if i % 2 else b)
            i += 1

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    seen = set()
    try:
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            grabbed.clear()
            try:
                doc = read(path)
            except ReadError as exc:          # caught empty between truncate and write
                assert str(path) in str(exc) and exc.reason
                continue
            (data,) = grabbed                 # read exactly once
            assert hashlib.sha256(data).hexdigest() == doc.sha256
            assert read_bytes(data, source=str(path), suffix=".txt").text == doc.text
            seen.add(doc.sha256)
    finally:
        stop.set()
        t.join()
    assert seen


def test_discover_in_process_symlink_loop(tmp_path: Path) -> None:
    root = _symlink_tree(tmp_path / "t")
    t = time.perf_counter()
    items = discover([root])
    assert time.perf_counter() - t < 5
    assert [i.source for i in items].count("a/报告.txt") == 1

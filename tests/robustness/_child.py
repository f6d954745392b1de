"""Run inputs through the pipeline in a fresh process and report what happened, as JSON lines.

    python tests/robustness/_child.py JOBS.json

``JOBS.json`` is a list of ``{"path", "source", "mode", "timeout"}``; mode is ``process``
(``pipeline.process_path``), ``task`` (the batch's per-document function with its time limit)
or ``discover`` (``batch.discover`` on a folder). The process warms up (imports, jieba) on a
tiny text first, so ``base_mb`` is the resident memory of a ready pipeline; a psutil sampler
thread (every 5 ms) gives ``peak_mb`` during each input; ``seconds`` times the input alone.
Used by test_hostile.py and for the hostile-input table of the robustness note.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
import traceback


class Peak:
    def __init__(self) -> None:
        import psutil
        self.proc = psutil.Process()
        self.peak = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            self.stop.wait(0.005)

    def __enter__(self) -> "Peak":
        self.peak = self.proc.memory_info().rss
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


def run_one(job: dict) -> dict:
    from extractor.pipeline import process_path
    path, source, mode = job["path"], job.get("source"), job.get("mode", "process")
    out: dict = {"path": path, "mode": mode}
    t = time.perf_counter()
    try:
        if mode == "process":
            r = process_path(path, source=source)
            d = r.document
            out.update(status=d["status"], error=d["error"], chars=d["chars"],
                       facts=len(r.facts), anomalies=len(r.anomalies),
                       codes=sorted({a.code for a in r.anomalies}))
        elif mode == "task":
            from extractor.batch.worker import Task, process_task
            row, facts, anomalies = process_task(
                Task(path, source or path, timeout=job.get("timeout") or 120.0))
            out.update(status=row["status"], error=row["error"], chars=row["chars"],
                       facts=len(facts), anomalies=len(anomalies))
        elif mode == "discover":
            from extractor.batch.discover import discover
            out.update(status="ok", error="", found=[i.source for i in discover([path])])
        else:
            raise ValueError(f"unknown mode {mode}")
    except BaseException as exc:   # noqa: BLE001 - reported; the test decides
        out.update(status="raised", error=f"{type(exc).__name__}: {exc}",
                   traceback=traceback.format_exc()[-2000:])
    out["seconds"] = round(time.perf_counter() - t, 3)
    return out


def main(argv: list[str]) -> int:
    import psutil

    from extractor.facts import document_from_text
    from extractor.pipeline import analyse
    analyse(document_from_text("全年完成投资1200万元，同比增长7.5%。"))
    jobs = json.loads(open(argv[0], encoding="utf-8").read())
    for job in jobs:
        base = psutil.Process().memory_info().rss
        with Peak() as pk:
            out = run_one(job)
        out["base_mb"] = round(base / 2**20, 1)
        out["peak_mb"] = round(pk.peak / 2**20, 1)
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
    raise SystemExit(main(sys.argv[1:]))

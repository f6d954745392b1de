"""CPU seconds per pipeline stage on ``../shared/corpus/raw``, next to plain ``jieba.lcut``.

Where ``bench_pipeline.py`` times what a user runs, this one says where the time goes, so each
stage can be sped up and measured on its own. In one process: the stages of ``analyse`` are
wrapped with timers (read, prepare, number facts, dates, merge and placing, context, checks),
then the records (``fact_columns``/``anomaly_columns``, as the batch workers send them), the
store of a run without ``--db`` (``ScratchStore.add_many``, then one sorted read) and every
export format are timed on the results. ``jieba.lcut`` runs over the same texts in the same run, before the pipeline (dictionary
loaded first; afterwards the retained results would slow its garbage collection), and every stage is printed as CPU seconds, share of the total and
characters per CPU second as a multiple of jieba's.

Usage: .venv/bin/python benchmarks/bench_stages.py [--repeat 1] [--json out.json] [--only-pipeline]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO / ".." / "shared"

TIMES: dict[str, float] = defaultdict(float)


@contextmanager
def clock(stage: str):
    t = time.process_time()
    try:
        yield
    finally:
        TIMES[stage] += time.process_time() - t


def wrap(module, name: str, stage: str) -> None:
    """Time ``module.name`` under ``stage`` (the time of nested wrapped stages is subtracted)."""
    fn = getattr(module, name)

    def timed(*a, **k):
        before = dict(TIMES)
        t = time.process_time()
        try:
            return fn(*a, **k)
        finally:
            spent = time.process_time() - t
            nested = sum(TIMES[s] - before.get(s, 0.0) for s in TIMES if s != stage)
            TIMES[stage] += spent - nested

    setattr(module, name, timed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1, help="passes over the corpus")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--only-pipeline", action="store_true", help="skip records, store, exports")
    args = ap.parse_args()
    corpus = SHARED / "corpus" / "raw"
    if not corpus.is_dir():
        sys.exit(f"no corpus at {corpus} (../shared is needed)")
    files = sorted(p for p in corpus.iterdir() if p.is_file())

    import extractor.checks as checks
    import extractor.facts as facts
    import extractor.reading as reading
    import extractor.text as text
    from extractor.pipeline import analyse, process_path

    process_path(SHARED / "seed" / "000_d222d2fbad11a8ee.txt")   # load dictionaries, compile rules
    # the cutter loads jieba's dictionary per first character (the Python route: the rest at
    # once after 3000 runs, ~0.3 s; the rjieba route: as texts come, 0.13 s a corpus), which
    # would land inside whichever stage cuts (context): a one-off cost of the process, counted
    # by bench_pipeline's start-up and runs, not here
    from extractor.text.words import complete_dictionary
    complete_dictionary()

    import jieba
    jieba.initialize()
    texts = [reading.read(p).text for p in files]
    t = time.process_time()
    for _ in range(args.repeat):
        for s in texts:
            jieba.lcut(s)
    jieba_s = time.process_time() - t
    del texts
    wrap(reading, "read", "read")
    wrap(text, "prepare", "prepare (clean, sentences)")
    wrap(facts, "number_facts_clean", "number facts (engine)")
    wrap(facts, "_find_dates", "dates")
    wrap(facts, "_merge", "merge")
    wrap(facts, "_attach", "context (subjects, periods)")
    wrap(checks, "run_checks", "checks")

    chars = 0
    results = []
    for _ in range(args.repeat):
        for p in files:
            t = time.process_time()
            doc = reading.read(p)
            chars += len(doc.text)
            r = analyse(doc)
            results.append(r)
            TIMES["_total_analyse"] += time.process_time() - t
    staged = sum(v for k, v in TIMES.items() if not k.startswith("_"))
    TIMES["other in analyse"] = TIMES.pop("_total_analyse") - staged

    if not args.only_pipeline:
        from extractor.batch.exports import FORMATS, write_all
        from extractor.batch.scratch import ScratchStore
        from extractor.batch.worker import Task, finish
        from extractor.table import anomaly_columns, fact_columns

        outcomes = []
        with clock("records"):     # as the workers send them: one list per column
            for i, r in enumerate(results):
                # each pass's documents under their own folder (pass01/…), as a run over copies
                # of the corpus names them: with the same names three times, every source would
                # land in three flushes and be merged on the sorted read, which no real run does
                source = f"pass{i // len(files):02d}/{r.document['source']}"
                task = Task(source, source, r.document["sha256"], None, False, None, "")
                outcomes.append(finish(task, dict(r.document), fact_columns(r.facts),
                                       anomaly_columns(r.anomalies), seconds=None))
        with tempfile.TemporaryDirectory() as tmp:
            store = ScratchStore(tmp)          # what `extractor run` without --db stores into
            with clock("store"):
                run_id = store.begin_run(command="bench", inputs=len(outcomes), engine="local", jobs=1)
                for i in range(0, len(outcomes), 32):
                    store.add_many(outcomes[i:i + 32], run_id=run_id)
                store.select_inputs([(o[0]["sha256"], o[0]["source"]) for o in outcomes])
            # the store is read once (as write_all does for all formats together); each format
            # is then timed on the same batches
            with clock("store read (sorted)"):
                tables = {t: list(store.batches(t)) for t in ("facts", "anomalies", "documents")}
            for fmt in FORMATS:
                with clock(f"export {fmt}"):
                    write_all({t: (lambda t=t: iter(tables[t])) for t in tables}, Path(tmp), [fmt])
            store.close()

    jieba_rate = chars / jieba_s

    total = sum(TIMES.values())
    nfacts = sum(len(r.facts) for r in results)
    print(f"{len(files) * args.repeat} documents, {chars:,} chars, {nfacts:,} facts")
    print(f"{'stage':32} {'CPU s':>7} {'share':>6} {'M chars/s':>10} {'x jieba':>8} {'µs/fact':>8}")
    for k, v in sorted(TIMES.items(), key=lambda kv: -kv[1]):
        rate = chars / v if v else float("inf")
        print(f"{k:32} {v:7.3f} {v / total:6.1%} {rate / 1e6:10.2f} {rate / jieba_rate:8.2f} "
              f"{v / max(1, nfacts) * 1e6:8.1f}")
    print(f"{'total':32} {total:7.3f} {1:6.0%} {chars / total / 1e6:10.2f} "
          f"{chars / total / jieba_rate:8.2f} {total / max(1, nfacts) * 1e6:8.1f}")
    print(f"{'jieba.lcut (same texts)':32} {jieba_s:7.3f} {'':6} {jieba_rate / 1e6:10.2f} {1:8.2f}")
    if args.json:
        args.json.write_text(json.dumps({"chars": chars, "facts": nfacts, "stages": TIMES,
                                         "total_cpu_s": total, "jieba_cpu_s": jieba_s},
                                        indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

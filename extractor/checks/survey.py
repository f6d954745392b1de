"""Findings per 10,000 facts by severity over a set of reports (the national-report survey).

``survey(paths)`` reads, prepares and extracts each report once (optionally caching the decoded
document and its facts in ``cache_dir`` so that checks can be re-run quickly while tuning them),
runs the document checks and returns one row per report plus totals; ``format_survey`` prints the
table. ``national_paths(raw_dir)`` selects the national government work reports of the shared
corpus (file names with 国务院政府工作报告 or 政府工作报告_, 1954–2025).
"""
from __future__ import annotations

import pickle
import re
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from ..model import SEVERITIES

NATIONAL_OLD = re.compile(r"(?:^|__)\d{4}政府工作报告_")  # ropensci: 1954政府工作报告_周恩来.txt


def national_paths(raw_dir: str | Path) -> list[Path]:
    raw = Path(raw_dir)
    return sorted(p for p in raw.iterdir()
                  if p.is_file() and ("国务院政府工作报告" in p.name or NATIONAL_OLD.search(p.name)))


def _extract(path: str, cache_dir: str | None) -> tuple[Any, list]:
    from ..facts import extract_facts
    from ..reading import read
    from ..text import prepare

    cache = Path(cache_dir) / (Path(path).name + ".pkl") if cache_dir else None
    if cache is not None and cache.exists():
        doc, facts = pickle.loads(cache.read_bytes())
        return prepare(doc), facts
    doc = read(path)
    prepared = prepare(doc)
    facts = extract_facts(prepared)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps((doc, facts)))
    return prepared, facts


def survey_one(path: str, cache_dir: str | None = None) -> dict:
    from . import run_checks

    prepared, facts = _extract(path, cache_dir)
    found = run_checks(prepared, facts)
    sev = Counter(a.severity for a in found)
    return {"source": Path(path).name, "report_year": prepared.report_year, "facts": len(facts),
            **{s: sev.get(s, 0) for s in SEVERITIES},
            "codes": dict(Counter((a.code, a.severity) for a in found)), "anomalies": found}


def survey(paths: Iterable[str | Path], *, cache_dir: str | None = None, jobs: int = 1) -> dict:
    paths = [str(p) for p in paths]
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as ex:
            rows = list(ex.map(survey_one, paths, [cache_dir] * len(paths)))
    else:
        rows = [survey_one(p, cache_dir) for p in paths]
    n = sum(r["facts"] for r in rows)
    totals = {s: sum(r[s] for r in rows) for s in SEVERITIES}
    per10k = {s: (totals[s] / n * 10000 if n else 0.0) for s in SEVERITIES}
    codes: Counter = Counter()
    for r in rows:
        codes.update(r["codes"])
    return {"rows": rows, "facts": n, "totals": totals, "per_10k": per10k, "codes": dict(codes)}


def format_survey(s: dict) -> str:
    lines = [f"{'report':<56} {'year':>5} {'facts':>6} {'error':>6} {'warn':>6} {'info':>6}"]
    for r in s["rows"]:
        lines.append(f"{r['source'][:56]:<56} {r['report_year'] or '':>5} {r['facts']:>6} {r['error']:>6} "
                     f"{r['warning']:>6} {r['info']:>6}")
    lines.append(f"total facts {s['facts']}; findings per 10,000 facts: " +
                 ", ".join(f"{k} {v:.1f} ({s['totals'][k]})" for k, v in s["per_10k"].items()))
    for (code, sev), c in sorted(s["codes"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  {code:<40} {sev:<8} {c}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover — `python -m extractor.checks.survey RAW_DIR [CACHE] [JOBS]`
    import sys

    raw = sys.argv[1]
    cache = sys.argv[2] if len(sys.argv) > 2 else None
    jobs = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    print(format_survey(survey(national_paths(raw), cache_dir=cache, jobs=jobs)))

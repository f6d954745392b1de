"""Mutation fuzzer over the corpus files: mutated bytes through the whole pipeline.

    .venv/bin/python benchmarks/fuzz_mutations.py [--cases 300] [--seed 8] [--max-bytes 60000]
                                                  [--corpus DIR ...] [--verbose]

Each case takes a corpus file (``../shared/corpus/raw`` and ``corpora/docs`` by default), keeps
a random window of at most ``--max-bytes`` bytes, applies one to three mutations — byte flips,
truncation, duplication of a slice, re-encoding (GB18030, UTF-16, Big5 where encodable, with and
without BOM), insertion of page markers at line starts (``\\n3、``, ``- 3 -``, ``第3页``, form
feeds), insertion of long digit runs (ASCII, full-width, Chinese), NULs and control bytes —
and runs ``read_bytes`` → ``analyse`` under a suffix drawn from .txt/.html/.docx/.pdf.

Allowed outcomes: a Document analysed with every invariant holding (exact offsets, ordered
intervals, findings inside the text, no crashed check), or an ``ExtractorError`` (``ReadError``
from reading). Anything else is counted as unexpected, printed with the seed and case number to
replay it, and makes the exit code 1.

Prints: cases, outcomes, exceptions by type, slowest case (seconds, chars), peak RSS.
"""
from __future__ import annotations

import argparse
import random
import re
import resource
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from extractor.errors import ExtractorError, ReadError  # noqa: E402
from extractor.pipeline import analyse  # noqa: E402
from extractor.reading import read_bytes  # noqa: E402
from tests.robustness._invariants import check_result  # noqa: E402

DEFAULT_CORPORA = [REPO / ".." / "shared" / "corpus" / "raw", REPO / "corpora" / "docs"]
MARKERS = ["\n3、", "\n12、\n", "\n- 3 -\n", "\n第3页\n", "\n第 3 页 共 12 页\n", "\f", "\n3\n"]
DIGITS = ["1", "0", "９", "一二三", "万", "亿", "1,", "1.", "%"]
SUFFIXES = [".txt"] * 6 + [".html", ".md", ".docx", ".pdf", ""]


def _decoded(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    ops = []
    for _ in range(rng.randint(1, 3)):
        op = rng.choice(["flip", "truncate", "duplicate", "reencode", "markers", "digits",
                         "control", "flip"])
        n = len(data)
        if op == "flip" and n:
            b = bytearray(data)
            for _ in range(rng.randint(1, 12)):
                i = rng.randrange(n)
                b[i] ^= 1 << rng.randrange(8)
            data = bytes(b)
        elif op == "truncate" and n:
            data = data[: rng.randrange(n)] if rng.random() < 0.7 else data[rng.randrange(n):]
        elif op == "duplicate" and n:
            i = rng.randrange(n)
            j = min(n, i + rng.randint(1, 4000))
            data = data[:j] + data[i:j] * rng.randint(1, 20) + data[j:]
        elif op == "reencode":
            enc = rng.choice(["gb18030", "utf-16", "utf-16-le", "utf-16-be", "big5", "utf-8-sig",
                              "gbk"])
            text = _decoded(data)
            try:
                data = text.encode(enc)
            except UnicodeEncodeError:
                op += "(unencodable)"
                data = text.encode(enc, "replace")
            op += f":{enc}"
        elif op == "markers":
            text = _decoded(data)
            lines = text.split("\n")
            for _ in range(rng.randint(1, 20)):
                k = rng.randrange(len(lines) + 1)
                lines.insert(k, rng.choice(MARKERS).strip("\n"))
            data = "\n".join(lines).encode("utf-8")
        elif op == "digits":
            text = _decoded(data)
            k = rng.randrange(len(text) + 1)
            run = rng.choice(DIGITS) * rng.choice([10, 100, 1000, 20000])
            data = (text[:k] + run + text[k:]).encode("utf-8")
        elif op == "control":
            b = bytearray(data)
            for _ in range(rng.randint(1, 30)):
                b.insert(rng.randrange(len(b) + 1), rng.choice([0, 1, 8, 11, 12, 27, 127]))
            data = bytes(b)
        ops.append(op)
    return data, ops


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--max-bytes", type=int, default=60_000)
    ap.add_argument("--corpus", action="append", type=Path)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    folders = args.corpus or DEFAULT_CORPORA
    files = sorted(p for f in folders if f.is_dir() for p in f.rglob("*") if p.is_file())
    if not files:
        print("no corpus files found in " + ", ".join(map(str, folders)), file=sys.stderr)
        return 2
    sources = {p: p.read_bytes() for p in files}
    import logging
    logging.getLogger("pypdf").setLevel(logging.ERROR)   # its warnings carry no file name
    analyse(read_bytes("全年完成投资1200万元。".encode(), source="warm.txt", suffix=".txt"))
    rng = random.Random(args.seed)
    outcomes: Counter = Counter()
    errors: Counter = Counter()
    unexpected: list[str] = []
    slowest = (0.0, 0, "")
    t_all = time.perf_counter()
    for case in range(args.cases):
        path = rng.choice(files)
        data = sources[path]
        if len(data) > args.max_bytes:
            i = rng.randrange(len(data) - args.max_bytes)
            data = data[i:i + args.max_bytes]
        data, ops = mutate(data, rng)
        suffix = rng.choice(SUFFIXES)
        name = f"{path.stem}{suffix}"
        t = time.perf_counter()
        chars = 0
        try:
            doc = read_bytes(data, source=name, suffix=suffix)
            chars = len(doc.text)
            res = analyse(doc, report_year=None)
            check_result(doc.text, res.facts, res.anomalies)
            outcomes["analysed"] += 1
        except ReadError as exc:
            if not (str(exc).startswith(name) and exc.reason):
                unexpected.append(f"case {case}: ReadError without the file name: {exc}")
            outcomes["refused (ReadError)"] += 1
            errors[re.sub(r"\d+", "N", exc.reason.split(":")[0])[:70]] += 1
        except ExtractorError as exc:
            outcomes[f"refused ({type(exc).__name__})"] += 1
            errors[f"{type(exc).__name__}: {exc.reason[:60]}"] += 1
        except Exception as exc:  # noqa: BLE001 - exactly what this tool looks for
            outcomes["UNEXPECTED"] += 1
            errors[f"UNEXPECTED {type(exc).__name__}"] += 1
            unexpected.append(f"case {case} (seed {args.seed}, {path.name}, {suffix or 'no suffix'}, "
                              f"{'+'.join(ops)}): {type(exc).__name__}: {exc}\n"
                              + traceback.format_exc(limit=6))
        dt = time.perf_counter() - t
        if dt > slowest[0]:
            slowest = (dt, chars, f"case {case} {path.name} {'+'.join(ops)}")
        if args.verbose:
            print(f"{case:5d} {dt:7.3f}s {chars:8d} chars {suffix:6s} {'+'.join(ops)}")
    total = time.perf_counter() - t_all
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"mutation fuzzing: {args.cases} cases, seed {args.seed}, {len(files)} corpus files, "
          f"{total:.1f} s")
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in outcomes.most_common()))
    print("exceptions by type/reason:")
    for k, v in errors.most_common():
        print(f"  {v:5d}  {k}")
    print(f"unexpected: {len(unexpected)}")
    print(f"slowest case: {slowest[0]:.3f} s ({slowest[1]} chars; {slowest[2]})")
    print(f"peak RSS: {peak:.0f} MB")
    for u in unexpected[:20]:
        print("\n" + u, file=sys.stderr)
    return 1 if unexpected else 0


if __name__ == "__main__":
    raise SystemExit(main())

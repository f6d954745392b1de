"""Snapshot of every fact and finding on the corpus + sample + corpora/docs, for identity checks.
usage: .venv/bin/python benchmarks/snapshot.py OUT.jsonl, before and after a change; then
`cmp` (or diff) the two files: a speed-up must leave every row byte-identical."""
import glob, json, sys, time
from pathlib import Path
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO / ".." / "shared"
from extractor.reading import read
from extractor.pipeline import analyse
from extractor.table import fact_record, anomaly_record
files = sorted(glob.glob(str(SHARED / 'corpus' / 'raw' / '*'))) + [str(SHARED / 'seed' / '000_d222d2fbad11a8ee.txt')] + sorted(glob.glob(str(REPO / 'corpora' / 'docs' / '*')))
out = open(sys.argv[1], 'w', encoding='utf-8')
t = time.process_time(); n = 0
for f in files:
    d = read(f, source=Path(f).name); n += len(d.text)   # same rows from any checkout
    r = analyse(d)
    for x in r.facts: out.write(json.dumps(fact_record(x), ensure_ascii=False, default=str) + "\n")
    for a in r.anomalies: out.write(json.dumps(anomaly_record(a), ensure_ascii=False, default=str) + "\n")
print(f"{n} chars, {n/(time.process_time()-t)/1e6:.2f} M chars/CPU s (incl. first-document warm-up)")

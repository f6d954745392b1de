"""The scratch store of a run without --db (Arrow files) gives what the DuckDB store gives: the
same typed rows, in the same order, in batches of the same sizes; and it can be kept as a
DuckDB store that a run with --db takes up."""
from __future__ import annotations

import pickle
import random

import pyarrow as pa

from extractor.batch.scratch import ScratchStore
from extractor.batch.store import Store

SOURCES = ["b.txt", "a.txt", "a/b.txt", "a-b.txt", "中文/报告.txt", "Z.txt", "a.txt.txt",
           "é.txt"]


def _doc(i: int, source: str, rng: random.Random):
    sha = f"{i:016x}" * 4
    doc_id = sha[:16]
    facts = []
    for j in range(rng.randint(0, 40)):
        start = rng.randint(0, 30)             # ties in start / end / kind on purpose
        end = start + rng.randint(1, 3)
        kind = rng.choice(["count", "money", "date"])
        facts.append({"fact_id": f"{doc_id}:{start}-{end}:{kind}:{j}", "doc_id": doc_id,
                      "source": source, "kind": kind, "text": rng.choice(["1", "万元", "=1+"]),
                      "start": start, "end": end, "value": rng.choice([None, 1.5, 1e20]),
                      "value_exact": "1.5", "page": rng.choice([None, 1]),
                      "low_open": rng.choice([None, True])})
    anomalies = [{"anomaly_id": f"{doc_id}:a{j}", "doc_id": doc_id, "source": source,
                  "code": rng.choice(["x", "y"]), "severity": rng.choice(["info", "error"]),
                  "start": rng.choice([None, 0, 5]), "end": rng.choice([None, 9]),
                  "fact_ids": rng.choice([None, ["f1", "f2"]])}
                 for j in range(rng.randint(0, 3))]
    row = {"doc_id": doc_id, "source": source, "sha256": sha, "status": rng.choice(["ok", "ok",
           "failed"]), "chars": 10, "facts": len(facts), "anomalies": len(anomalies)}
    return row, facts, anomalies


def _fill(stores, n_docs=60, seed=7):
    rng = random.Random(seed)
    docs = []
    for i in range(n_docs):
        # a source repeated in another flush (two inputs named alike, other content)
        source = SOURCES[i % len(SOURCES)] if i < 50 else f"d{rng.randint(0, 999):03d}.txt"
        docs.append(_doc(i, source, rng))
    for k in range(0, n_docs, 7):              # flushes of 7 documents
        for st in stores:
            st.add_many(docs[k:k + 7], run_id=1)
    return docs


def test_scratch_gives_the_stores_rows_order_and_batches(tmp_path):
    (tmp_path / "s").mkdir()
    scratch = ScratchStore(tmp_path / "s")
    db = Store(tmp_path / "d.duckdb")
    docs = _fill([scratch, db])
    # the DuckDB store replaces a source stored by an earlier transaction; the scratch store
    # keeps both (one run's inputs, sources repeated only when two inputs are named alike):
    # compare on sources stored once
    once = [d for d in docs if sum(x[0]["source"] == d[0]["source"] for x in docs) == 1]
    for st in (scratch, db):
        st.select_inputs([(d[0]["sha256"], d[0]["source"]) for d in once])
    for table in ("facts", "anomalies", "documents"):
        for rows in (10_000, 5):
            a = list(scratch.batches(table, rows=rows))
            b = list(db.batches(table, rows=rows))
            assert [x.num_rows for x in a] == [x.num_rows for x in b], (table, rows)
            assert pa.Table.from_batches(a).equals(pa.Table.from_batches(b)), table
            assert a[0].schema == b[0].schema
            # what another process reads (the export helper): the reader, pickled
            c = list(pickle.loads(pickle.dumps(scratch.reader())).batches(table, rows=rows))
            assert [x.num_rows for x in c] == [x.num_rows for x in b], (table, rows)
            assert pa.Table.from_batches(c).equals(pa.Table.from_batches(b)), table
    assert scratch.status_counts() == db.status_counts()
    assert scratch.severity_counts() == db.severity_counts()
    db.close()
    scratch.close()


def test_a_source_in_several_flushes_is_merged_in_order(tmp_path):
    """Both documents of a repeated source are exported, their rows merged in export order."""
    scratch = ScratchStore(tmp_path)
    db = Store(tmp_path / "d.duckdb")
    rng = random.Random(3)
    first, second = _doc(1, "same.txt", rng), _doc(2, "same.txt", rng)
    for st in (scratch, db):
        st.add_many([first, second], run_id=1)      # one transaction: DuckDB keeps both too
    scratch2 = ScratchStore(tmp_path / "two")
    (tmp_path / "two").mkdir()
    scratch2.add_many([first], run_id=1)
    scratch2.add_many([second], run_id=1)
    for table in ("facts", "anomalies", "documents"):
        want = db.table(table)
        assert scratch.table(table).equals(want)
        assert scratch2.table(table).equals(want)
    db.close()


def test_selection_and_empty_tables(tmp_path):
    scratch = ScratchStore(tmp_path)
    rng = random.Random(5)
    docs = [_doc(i, f"r{i}.txt", rng) for i in range(4)]
    docs.append(({"doc_id": "", "source": "gone.txt", "sha256": None, "status": "unreadable",
                  "facts": 0, "anomalies": 0}, [], []))
    scratch.add_many(docs)
    scratch.select_inputs([(docs[1][0]["sha256"], "r1.txt"), (None, "gone.txt")])
    got = scratch.table("documents").column("source").to_pylist()
    assert got == ["gone.txt", "r1.txt"]
    assert set(scratch.table("facts").column("doc_id").to_pylist()) <= {docs[1][0]["doc_id"]}
    assert scratch.status_counts() == {"unreadable": 1, docs[1][0]["status"]: 1}
    empty = ScratchStore(tmp_path / "e")
    (tmp_path / "e").mkdir()
    assert list(empty.batches("facts")) == []
    assert empty.table("anomalies").num_rows == 0


def test_kept_as_a_duckdb_store(tmp_path):
    scratch = ScratchStore(tmp_path)
    scratch.begin_run(command="run", inputs=60, engine="local", jobs=2)
    _fill([scratch])
    scratch.end_run(1, processed=60, ok=50, failed=10, skipped=0)
    want = {t: scratch.table(t) for t in ("facts", "anomalies", "documents")}
    kept, note = scratch.keep()
    assert (kept, note) == (tmp_path / "results.duckdb", "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.duckdb"]
    with Store(kept) as st:
        assert {t: st.table(t) for t in want} == want
        runs = st.con.execute("select run_id, command, inputs, processed, ok, failed, jobs, "
                              "finished is not null from runs").fetchall()
        assert runs == [(1, "run", 60, 60, 50, 10, 2, True)]
        assert st.con.execute("select distinct run_id from documents").fetchall() == [(1,)]


def test_rows_already_in_order_and_documents_out_of_order(tmp_path):
    """Facts in export order within each document (as the pipeline gives them), documents
    arriving in any order, a source twice in one flush: the rows the DuckDB store gives (the
    flush is put in source order, and rows already in order are not reordered)."""
    scratch = ScratchStore(tmp_path)
    db = Store(tmp_path / "d.duckdb")
    rng = random.Random(11)
    docs = []
    for i, source in enumerate(["z.txt", "b.txt", "中文.txt", "b.txt", "a.txt", "é.txt"]):
        row, facts, anomalies = _doc(i, source, rng)
        facts.sort(key=lambda f: (f["start"], f["end"], f["kind"], f["fact_id"]))
        docs.append((row, facts, anomalies))
    for st in (scratch, db):
        st.add_many(docs[:4], run_id=1)
        st.add_many(docs[4:], run_id=1)
    for table in ("facts", "anomalies", "documents"):
        assert scratch.table(table).equals(db.table(table)), table
    db.close()


def test_shared_batches_in_any_arrival_order(tmp_path):
    """Flushes whose sources come after every source stored so far share one batch; late
    documents (several workers, a walk order that is not the byte order) get one batch per
    source. In any arrival order the reader gives the DuckDB store's rows and batches, and in
    path order every flush is one shared batch per table."""
    rng = random.Random(11)
    names = sorted({f"{rng.choice(['a', 'b/', '中/', 'é'])}{i:03d}.txt" for i in range(45)})
    docs = [_doc(i, src, rng) for i, src in enumerate(names)]
    swapped = docs[:]
    for _ in range(12):                         # stragglers: neighbours swapped
        i = rng.randrange(len(swapped) - 5)
        j = i + rng.randint(1, 5)
        swapped[i], swapped[j] = swapped[j], swapped[i]
    orders = {"path": docs, "reverse": docs[::-1], "stragglers": swapped,
              "random": rng.sample(docs, len(docs))}
    db = Store(tmp_path / "d.duckdb")
    for k in range(0, len(docs), 6):
        db.add_many(docs[k:k + 6], run_id=1)
    for name, order in orders.items():
        (tmp_path / name).mkdir()
        scratch = ScratchStore(tmp_path / name)
        for k in range(0, len(order), 6):
            scratch.add_many(order[k:k + 6], run_id=1)
        if name == "path":
            assert all(len(scratch._shared[t]) == scratch._nbatches[t] for t in scratch._shared)
        reader = pickle.loads(pickle.dumps(scratch.reader()))
        for table in ("facts", "anomalies", "documents"):
            for rows in (10_000, 7, 1):
                b = list(db.batches(table, rows=rows))
                for got in (list(scratch.batches(table, rows=rows)),
                            list(reader.batches(table, rows=rows))):
                    assert [x.num_rows for x in got] == [x.num_rows for x in b], (name, table)
                    assert pa.Table.from_batches(got).equals(pa.Table.from_batches(b)), name
        scratch.close()
    db.close()


def test_sources_in_several_flushes_merged_in_groups(tmp_path):
    """Many sources stored twice or three times (inputs named alike), in several flushes: the
    reader merges them in groups (one sort for consecutive such sources), giving the rows
    and batches of a DuckDB store that took them all in one transaction, with or without a
    selection of the inputs."""
    rng = random.Random(17)
    names = [f"{rng.choice(['a', 'b/', '中/'])}{i:02d}.txt" for i in range(14)]
    docs = [_doc(i, names[i % len(names)] if i < 36 else f"z{i}.txt", rng) for i in range(44)]
    db = Store(tmp_path / "d.duckdb")
    db.add_many(docs, run_id=1)
    scratch = ScratchStore(tmp_path)
    for k in range(0, len(docs), 5):
        scratch.add_many(docs[k:k + 5], run_id=1)
    chosen = rng.sample(docs, 30)
    for selection in (None, chosen):
        if selection is not None:
            for st in (scratch, db):
                st.select_inputs([(d[0]["sha256"], d[0]["source"]) for d in selection])
        for table in ("facts", "anomalies", "documents"):
            for rows in (10_000, 40, 7, 1):
                a = list(scratch.batches(table, rows=rows))
                b = list(db.batches(table, rows=rows))
                assert [x.num_rows for x in a] == [x.num_rows for x in b], (table, rows)
                assert pa.Table.from_batches(a).equals(pa.Table.from_batches(b)), (table, rows)
    db.close()
    scratch.close()

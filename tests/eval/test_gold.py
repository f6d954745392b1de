"""The development gold set (corpora/) is valid, reproducible and covers every form of issue 3."""
from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
CORPORA = REPO / "corpora"
KINDS = {"money", "percent", "count", "quantity", "date", "duration"}
APPROX = {"exact", "about", "at_least", "at_most", "range"}
ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?(/\d{4}(-\d{2}(-\d{2})?)?)?$")
VALUE_KINDS = {"money", "percent", "count", "quantity", "duration"}


def manifest() -> dict:
    return YAML(typ="safe").load((CORPORA / "manifest.yaml").read_text(encoding="utf-8"))


MANIFEST = manifest()
DOCS = {d["id"]: d for d in MANIFEST["documents"]}


def decoded(doc_id: str) -> str:
    entry = DOCS[doc_id]
    return (CORPORA / "docs" / f"{doc_id}.txt").read_bytes().decode(entry["encoding"])


def gold(doc_id: str) -> list[dict]:
    split = DOCS[doc_id].get("split", "dev")
    path = CORPORA / "gold" / (f"{doc_id}.jsonl" if split == "dev" else f"{split}/{doc_id}.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def check_records(text: str, rows: list[dict], where: str) -> None:
    for r in rows:
        assert r["kind"] in KINDS, (where, r)
        assert r["approx"] in APPROX, (where, r)
        assert 0 <= r["start"] < r["end"] <= len(text), (where, r)
        assert text[r["start"]:r["end"]] == r["text"], (where, r, text[r["start"]:r["end"]])
        for k in ("value", "value_low", "value_high"):
            if r[k] is not None:
                assert isinstance(r[k], str), (where, r)
                Decimal(r[k])  # parses
        if r["kind"] == "date":
            assert r["value"] is None and ISO_DATE.match(r["date"]), (where, r)
        else:
            assert r["unit"], (where, r)
            assert r["date"] == "", (where, r)
            v, lo, hi = r["value"], r["value_low"], r["value_high"]
            if r["approx"] == "exact":
                assert v is not None and lo == v and hi == v, (where, r)
            elif r["approx"] == "at_least":  # 以上: [v, open); X余: [v, v + u)
                assert lo == v and (hi is None or Decimal(hi) > Decimal(v)), (where, r)
            elif r["approx"] == "at_most":
                assert lo is None and hi == v, (where, r)
            elif r["approx"] == "range":
                assert lo is not None and hi is not None and Decimal(lo) < Decimal(hi), (where, r)
            else:  # about: [v, v] (约/左右), (v − u, v] (近), or not annotated (null, null)
                assert v is not None, (where, r)
                assert (lo is None and hi is None) or (hi == v and Decimal(lo) <= Decimal(v)), \
                    (where, r)
        if r["kind"] == "money":
            assert re.fullmatch(r"[A-Z]{3}", r["unit"]), (where, r)
        if r["kind"] == "percent":
            assert r["unit"] in {"%", "pp", "倍", "‰", "/10万"}, (where, r)
    # no two gold facts of the same kind overlap
    by_kind: dict[str, list[dict]] = {}
    for r in rows:
        by_kind.setdefault(r["kind"], []).append(r)
    for kind, rs in by_kind.items():
        rs.sort(key=lambda r: r["start"])
        for a, b in zip(rs, rs[1:]):
            assert b["start"] >= a["end"], (where, kind, a["text"], b["text"])


DEV = [d for d, e in DOCS.items() if e.get("split", "dev") == "dev"]


def test_size_of_the_gold_set():
    assert len(DEV) >= 8
    n = sum(len(gold(d)) for d in DEV)
    required = sum(1 for d in DEV for r in gold(d) if not r["optional"])
    assert n >= 600 and required >= 600, (n, required)
    kinds = {r["kind"] for d in DOCS for r in gold(d)}
    assert kinds == KINDS


@pytest.mark.parametrize("doc_id", sorted(DOCS))
def test_gold_grounds_in_the_decoded_document(doc_id):
    entry = DOCS[doc_id]
    data = (CORPORA / "docs" / f"{doc_id}.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    text = data.decode(entry["encoding"])
    if entry["line_ends"] == "CRLF":
        assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    else:
        assert "\r" not in text
    rows = gold(doc_id)
    assert len(rows) == entry["facts"]
    check_records(text, rows, doc_id)
    assert entry["gold"] is True and entry["year"] in range(2015, 2030)


def test_one_gb18030_file_and_one_crlf_file():
    encodings = {d["encoding"] for d in DOCS.values()}
    assert "gb18030" in encodings and "utf-8" in encodings
    gb = next(i for i, d in DOCS.items() if d["encoding"] == "gb18030")
    with pytest.raises(UnicodeDecodeError):
        (CORPORA / "docs" / f"{gb}.txt").read_bytes().decode("utf-8")
    assert any(d["line_ends"] == "CRLF" for d in DOCS.values())
    # offsets in the CRLF file count \r\n as two characters: a late fact sits after many \r
    crlf = next(i for i, d in DOCS.items() if d["line_ends"] == "CRLF")
    last = gold(crlf)[-1]
    assert decoded(crlf)[:last["start"]].count("\r") > 10


def test_only_documents_under_docs():
    files = sorted(p.name for p in (CORPORA / "docs").iterdir())
    assert files == sorted(f"{d}.txt" for d in DOCS)


@pytest.mark.parametrize("form", MANIFEST["forms"]["positive"], ids=lambda f: f["form"])
def test_positive_form_is_annotated(form):
    rows = [r for r in gold(form["doc"]) if not r["optional"] and r["kind"] == form["kind"]]
    assert any(form["example"] in r["text"] for r in rows), form


@pytest.mark.parametrize("form", MANIFEST["forms"]["negative"], ids=lambda f: f["form"])
def test_hard_negative_carries_no_fact(form):
    text = decoded(form["doc"])
    start = text.find(form["example"])
    assert start >= 0, form
    rows = [r for r in gold(form["doc"]) if not r["optional"]]
    pos = start
    while pos >= 0:  # every occurrence
        end = pos + len(form["example"])
        overlapping = [r["text"] for r in rows if r["start"] < end and pos < r["end"]
                       and (r["kind"] in VALUE_KINDS or form["form"] != "page_marker")]
        # a figure cut by a page marker legitimately contains the marker
        if form["form"] == "page_marker":
            overlapping = [t for t in overlapping if not re.search(r"\d$", t.split("\n")[0])]
        assert not overlapping, (form, overlapping)
        pos = text.find(form["example"], pos + 1)


@pytest.mark.parametrize("form", MANIFEST["forms"]["artefacts"], ids=lambda f: f["form"])
def test_conversion_artefacts_present(form):
    assert form["example"] in decoded(form["doc"])


def test_year_contamination_annotated_with_written_value():
    rows = {r["text"]: r for r in gold("c01_commerce_bureau_2023")}
    assert rows["20230%"]["value"] == "20230"
    assert rows["2023余期"]["value"] == "2023" and rows["2023余期"]["approx"] == "at_least"
    assert rows["近2023万余元"]["value"] == "20230000"


def test_build_script_reproduces_docs_and_gold():
    """docs/ and gold/ are exactly what the hand annotations produce (no hand edits downstream)."""
    res = subprocess.run([sys.executable, str(CORPORA / "tools" / "build_gold.py"), "--check"],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr


REAL = sorted((CORPORA / "gold" / "real").glob("*.jsonl"))


def test_at_least_three_real_documents():
    assert len(REAL) >= 3
    sources = set()
    for p in REAL:
        rows = [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line]
        assert rows and len({r["source"] for r in rows}) == 1
        sources.add(rows[0]["source"])
    assert len(sources) == len(REAL)
    listed = {d["id"]: d["source"] for d in MANIFEST["real_documents"]}
    assert listed == {p.stem: json.loads(p.read_text(encoding="utf-8").splitlines()[0])["source"]
                      for p in REAL}


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_real_gold_grounds_in_shared_text(path, shared_dir):
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    src = shared_dir / "corpus" / "raw" / rows[0]["source"]
    if not src.exists():
        pytest.skip(f"{src} absent")
    spec = YAML(typ="safe").load((CORPORA / "annotations" / "real" / f"{path.stem}.yaml")
                                 .read_text(encoding="utf-8"))
    data = src.read_bytes()
    assert hashlib.sha256(data).hexdigest() == spec["sha256"]
    check_records(data.decode(spec.get("encoding", "utf-8")), rows, path.stem)

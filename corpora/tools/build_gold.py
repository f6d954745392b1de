"""Build the development gold set from hand-written annotation sources.

Two kinds of source, both written by hand (never produced by the project's extractor):

* ``corpora/annotations/<id>.ann`` — a report we wrote ourselves, with every fact marked
  inline as ``{surface|spec}``.  The script strips the marks, applies the encoding and line ends
  declared in ``corpora/manifest.yaml`` and writes ``corpora/docs/<id>.txt`` (bytes) and
  ``corpora/gold/<id>.jsonl``; offsets are computed on the decoded text of the written file
  (``\\r\\n`` counts as two characters) and verified.
  An entry with ``split: heldout`` writes its gold to ``corpora/gold/heldout/`` (documents written late
  and measured once, not for tuning).
* ``corpora/annotations/real/<stem>.yaml`` — a real report in ``../shared/corpus/raw`` (the text
  stays there).  ``facts`` is a list of ``"surface|spec"`` strings in document order; each surface
  is searched forward from the end of the previous one (token ``@back`` searches from the previous
  start, ``@skip=N`` skips N further occurrences; ``@every`` annotates every occurrence not inside a
  fact of the same kind, e.g. optional relative dates).  Writes ``corpora/gold/real/<stem>.jsonl``.

``spec`` grammar (space separated tokens)::

    m|p|c|q|u VALUE UNIT [flags]   money / percent / count / quantity / duration
    d ISO [flags]                  date (value null), e.g. 2023-08-16, 2023-01/2023-09
    VALUE  a decimal string, or "-" for null (ranges: the interval carries the meaning)
    flags  ~ about (约/左右: low = high = value)    ~? about, interval not annotated (null/null)
           near=LO 近X: about, low = LO (exclusive), high = value (rules/lexicons/qualifiers.yaml)
           more=HI X余/X多: at_least, low = value, high = HI (exclusive)
           + at_least, open (以上/超过/逾/突破: low = value, high null)
           - at_most, open (以下/不到/不足/以内: low null, high = value)
           LO..HI range (value null; either side may be empty)
           ? optional (an acceptable but not required fact: neither FN nor FP)
           note=...  free note (underscores for spaces)

Run: ``.venv/bin/python corpora/tools/build_gold.py`` (add ``--check`` to verify without writing).
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from decimal import Decimal
from pathlib import Path

from ruamel.yaml import YAML

CORPORA = Path(__file__).resolve().parents[1]
SHARED_RAW = (CORPORA / ".." / ".." / "shared" / "corpus" / "raw").resolve()
KIND_CODES = {"m": "money", "p": "percent", "c": "count", "q": "quantity", "d": "date",
              "u": "duration"}
MARK = re.compile(r"\{([^{}|]+)\|([^{}]*)\}", re.S)
DIGITS = set("0123456789０１２３４５６７８９")


class GoldError(ValueError):
    pass


def parse_spec(surface: str, spec: str, where: str) -> dict:
    toks = spec.split()
    if not toks or toks[0] not in KIND_CODES:
        raise GoldError(f"{where}: bad kind in {{{surface}|{spec}}}")
    kind = KIND_CODES[toks[0]]
    rec = {"kind": kind, "text": surface, "start": None, "end": None, "value": None,
           "value_low": None, "value_high": None, "unit": "", "approx": "exact", "date": "",
           "optional": False}
    if kind == "date":
        if len(toks) < 2:
            raise GoldError(f"{where}: date without ISO value: {surface}")
        rec["date"] = toks[1]
        rest = toks[2:]
    else:
        if len(toks) < 3:
            raise GoldError(f"{where}: need VALUE UNIT: {{{surface}|{spec}}}")
        if toks[1] != "-":
            Decimal(toks[1])  # raises on a typo
            rec["value"] = toks[1]
        rec["unit"] = toks[2]
        rest = toks[3:]
    note = ""
    interval, bound = "", None
    for t in rest:
        if t == "~":
            rec["approx"] = "about"
            interval = "point"
        elif t == "~?":
            rec["approx"] = "about"
            interval = "unscored"
        elif t.startswith("near="):
            rec["approx"] = "about"
            interval = "near"
            bound = str(Decimal(t[5:]))
        elif t.startswith("more="):
            rec["approx"] = "at_least"
            interval = "more"
            bound = str(Decimal(t[5:]))
        elif t == "+":
            rec["approx"] = "at_least"
        elif t == "-":
            rec["approx"] = "at_most"
        elif t == "?":
            rec["optional"] = True
        elif t.startswith("note="):
            note = t[5:].replace("_", " ")
        elif t.startswith("@"):
            pass  # search directives (real documents)
        elif ".." in t:
            lo, hi = t.split("..", 1)
            rec["approx"] = "range"
            rec["value_low"] = str(Decimal(lo)) if lo else None
            rec["value_high"] = str(Decimal(hi)) if hi else None
        else:
            raise GoldError(f"{where}: unknown token {t!r} in {{{surface}|{spec}}}")
    if kind != "date":
        v = rec["value"]
        if rec["approx"] == "exact":
            if v is None:
                raise GoldError(f"{where}: exact fact without value: {surface}")
            rec["value_low"] = rec["value_high"] = v
        elif rec["approx"] == "at_least":
            rec["value_low"] = v
            if interval == "more":
                rec["value_high"] = bound
        elif rec["approx"] == "at_most":
            rec["value_high"] = v
        elif rec["approx"] == "about":
            if interval == "point":
                rec["value_low"] = rec["value_high"] = v
            elif interval == "near":
                rec["value_low"], rec["value_high"] = bound, v
    if note:
        rec["note"] = note
    return rec


def strip_marks(src: str, where: str) -> tuple[str, list[dict]]:
    """Return the plain text (LF line ends) and the facts with offsets into it."""
    out, facts, pos = [], [], 0
    plain_len = 0
    for m in MARK.finditer(src):
        chunk = src[pos:m.start()]
        out.append(chunk)
        plain_len += len(chunk)
        surface = m.group(1)
        rec = parse_spec(surface, m.group(2), f"{where}:{src.count(chr(10), 0, m.start()) + 1}")
        rec["start"], rec["end"] = plain_len, plain_len + len(surface)
        out.append(surface)
        plain_len += len(surface)
        facts.append(rec)
        pos = m.end()
    tail = src[pos:]
    if "{" in tail or "|" in tail and "}" in tail:
        stray = re.search(r"[{}]", tail)
        if stray:
            raise GoldError(f"{where}: stray brace near {tail[max(0, stray.start()-20):stray.start()+20]!r}")
    out.append(tail)
    return "".join(out), facts


def to_crlf_offsets(plain: str, facts: list[dict]) -> tuple[str, list[dict]]:
    """Convert LF text to CRLF and shift the offsets (each earlier \\n gains a \\r)."""
    nl_before = [0] * (len(plain) + 1)
    c = 0
    for i, ch in enumerate(plain):
        nl_before[i] = c
        if ch == "\n":
            c += 1
    nl_before[len(plain)] = c
    for f in facts:
        s, e = f["start"], f["end"]
        f["start"] = s + nl_before[s]
        f["end"] = e + nl_before[e]
    return plain.replace("\n", "\r\n"), facts


def check_facts(text: str, facts: list[dict], where: str) -> None:
    for f in facts:
        if text[f["start"]:f["end"]] != f["text"]:
            raise GoldError(f"{where}: offsets do not ground {f['text']!r}")
    by_kind: dict[str, list[dict]] = {}
    for f in facts:
        by_kind.setdefault(f["kind"], []).append(f)
    for kind, fs in by_kind.items():
        fs = sorted(fs, key=lambda f: f["start"])
        for a, b in zip(fs, fs[1:]):
            if b["start"] < a["end"]:
                raise GoldError(f"{where}: overlapping {kind} facts {a['text']!r} {b['text']!r}")


def write_jsonl(path: Path, facts: list[dict], check: bool) -> None:
    facts = sorted(facts, key=lambda f: (f["start"], f["end"], f["kind"]))
    data = "".join(json.dumps(f, ensure_ascii=False) + "\n" for f in facts)
    if check:
        if not path.exists() or path.read_text(encoding="utf-8") != data:
            raise GoldError(f"{path} is stale: rerun build_gold.py")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data, encoding="utf-8")


def build_own(entry: dict, check: bool) -> int:
    doc_id = entry["id"]
    src_path = CORPORA / "annotations" / f"{doc_id}.ann"
    src = src_path.read_text(encoding="utf-8")
    plain, facts = strip_marks(src, str(src_path))
    if entry.get("line_ends", "LF") == "CRLF":
        plain, facts = to_crlf_offsets(plain, facts)
    data = plain.encode(entry.get("encoding", "utf-8"))
    decoded = data.decode(entry.get("encoding", "utf-8"))
    assert decoded == plain
    check_facts(decoded, facts, doc_id)
    doc_path = CORPORA / "docs" / f"{doc_id}.txt"
    if check:
        if not doc_path.exists() or doc_path.read_bytes() != data:
            raise GoldError(f"{doc_path} is stale: rerun build_gold.py")
    else:
        doc_path.write_bytes(data)
    entry["sha256"] = hashlib.sha256(data).hexdigest()
    entry["facts"] = len(facts)
    split = entry.get("split", "dev")
    gold_dir = CORPORA / "gold" if split == "dev" else CORPORA / "gold" / split
    write_jsonl(gold_dir / f"{doc_id}.jsonl", facts, check)
    return len(facts)


def build_real(src_path: Path, check: bool) -> int:
    yaml = YAML(typ="safe")
    spec = yaml.load(src_path.read_text(encoding="utf-8"))
    raw = SHARED_RAW / spec["source"]
    if not raw.exists():
        print(f"skip {src_path.name}: {raw} absent", file=sys.stderr)
        return 0
    data = raw.read_bytes()
    if spec.get("sha256") and hashlib.sha256(data).hexdigest() != spec["sha256"]:
        raise GoldError(f"{raw} changed since it was annotated (sha256 differs)")
    text = data.decode(spec.get("encoding", "utf-8"))
    facts, prev_start, prev_end = [], 0, 0
    every = []
    for i, item in enumerate(spec["facts"]):
        surface, _, sp = item.partition("|")
        if "@every" in sp.split():
            every.append((i, surface, sp))
            continue
        rec = parse_spec(surface, sp, f"{src_path.name}#{i}")
        toks = sp.split()
        frm = prev_start + 1 if "@back" in toks else prev_end
        skip = next((int(t[6:]) for t in toks if t.startswith("@skip=")), 0)
        at = text.find(surface, frm)
        for _ in range(skip):
            at = text.find(surface, at + 1)
        if at < 0:
            raise GoldError(f"{src_path.name}#{i}: {surface!r} not found after {frm}")
        if at > 0 and text[at - 1] in DIGITS or text[at + len(surface):at + len(surface) + 1] in DIGITS and text[at + len(surface):at + len(surface) + 1]:
            raise GoldError(f"{src_path.name}#{i}: {surface!r} at {at} is inside a longer number")
        rec["start"], rec["end"] = at, at + len(surface)
        prev_start, prev_end = at, at + len(surface)
        facts.append(rec)
    for i, surface, sp in every:  # every occurrence not inside a fact of the same kind
        at = text.find(surface)
        while at >= 0:
            rec = parse_spec(surface, sp, f"{src_path.name}#{i}")
            rec["start"], rec["end"] = at, at + len(surface)
            if not any(f["kind"] == rec["kind"] and f["start"] < rec["end"] and rec["start"] < f["end"]
                       for f in facts):
                facts.append(rec)
            at = text.find(surface, at + 1)
    check_facts(text, facts, src_path.name)
    for f in facts:
        f["source"] = spec["source"]
    write_jsonl(CORPORA / "gold" / "real" / f"{src_path.stem}.jsonl", facts, check)
    return len(facts)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    manifest_path = CORPORA / "manifest.yaml"
    manifest = yaml.load(manifest_path.read_text(encoding="utf-8"))
    total = 0
    for entry in manifest["documents"]:
        n = build_own(entry, check)
        total += n
        print(f"{entry['id']}: {n} facts")
    real_total = 0
    for p in sorted((CORPORA / "annotations" / "real").glob("*.yaml")):
        n = build_real(p, check)
        real_total += n
        print(f"real/{p.stem}: {n} facts")
    if not check:
        with manifest_path.open("w", encoding="utf-8") as fh:
            yaml.dump(manifest, fh)
    print(f"total: {total} facts in {len(manifest['documents'])} documents; real: {real_total}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Evaluate fact extraction against a hand-written gold set (issue 3, part 6).

``evaluate(gold_path)`` reads gold files (``corpora/gold/<id>.jsonl`` for the team's own reports,
``corpora/gold/real/<stem>.jsonl`` for real reports whose text stays in ``../shared/corpus/raw``),
runs the extractor on each document (or a given ``predict`` function) and compares:

* strict match: same kind and the same half-open offsets;
* lenient match: same kind and overlapping offsets (one-to-one, largest overlap first);
* among strict matches: value (exact ``Decimal`` equality), unit, interval (value_low/value_high;
  not scored for a gold ``about`` fact that leaves both null), approx and date;
* grounding: the fraction of predicted facts with ``doc.text[start:end] == text``.

Gold facts marked ``optional`` are acceptable but not required: a prediction on one is neither a true
nor a false positive, and a missing one is not a miss. The gold format is documented in
``corpora/README.md``.

``evaluate_jionlp_cases(path)`` runs the project's extraction on each case of JioNLP's money parsing
cases (``../shared/corpus/annotated/jionlp_money_parse_cases.jsonl``) and reports how many expected
values are reproduced.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Iterable

KINDS = ("money", "percent", "count", "quantity", "date", "duration")
REPO = Path(__file__).resolve().parents[1]
DEFAULT_RAW = (REPO / ".." / "shared" / "corpus" / "raw").resolve()
DEFAULT_JIONLP = (REPO / ".." / "shared" / "corpus" / "annotated"
                  / "jionlp_money_parse_cases.jsonl").resolve()

Predict = Callable[[Path], Iterable[Any]]


# --------------------------------------------------------------------------------------------
# records

def to_decimal(v: Any) -> Decimal | None:
    """Decimal from a gold string, a Decimal, an int or a float (via its shortest repr)."""
    if v is None or v == "":
        return None
    if isinstance(v, Decimal):
        return None if v.is_nan() else v
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return Decimal(repr(v))
    try:
        return Decimal(str(v))
    except InvalidOperation:
        return None


def _dec_eq(a: Decimal | None, b: Decimal | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a == b


def _fmt(v: Decimal | None) -> str:
    if v is None:
        return "null"
    s = format(v, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


@dataclass(slots=True)
class EvalFact:
    """A gold or predicted fact, reduced to what the evaluation compares."""

    doc: str
    kind: str
    text: str
    start: int
    end: int
    value: Decimal | None = None
    value_low: Decimal | None = None
    value_high: Decimal | None = None
    unit: str = ""
    approx: str = "exact"
    date: str = ""
    optional: bool = False
    note: str = ""

    @classmethod
    def from_any(cls, doc: str, f: Any) -> "EvalFact":
        """From a gold dict, a predicted dict (table row) or an ``extractor.model.Fact``."""
        get = f.get if isinstance(f, dict) else (lambda k, d=None: getattr(f, k, d))
        return cls(
            doc=doc, kind=str(get("kind", "")), text=str(get("text", "") or ""),
            start=int(get("start")), end=int(get("end")),
            value=to_decimal(get("value")), value_low=to_decimal(get("value_low")),
            value_high=to_decimal(get("value_high")), unit=str(get("unit", "") or ""),
            approx=str(get("approx", "") or "exact"), date=str(get("date", "") or ""),
            optional=bool(get("optional", False)), note=str(get("note", "") or ""),
        )

    def brief(self) -> dict:
        return {"doc": self.doc, "kind": self.kind, "text": self.text, "start": self.start,
                "end": self.end, "value": _fmt(self.value), "low": _fmt(self.value_low),
                "high": _fmt(self.value_high), "unit": self.unit, "approx": self.approx,
                "date": self.date}


@dataclass(slots=True)
class KindStats:
    gold: int = 0              # required gold facts
    optional: int = 0          # optional gold facts
    pred: int = 0              # predictions, not counting those on optional gold facts
    tp: int = 0                # strict matches
    lenient_tp: int = 0        # overlap matches (includes strict)
    value_scored: int = 0      # strict matches whose gold value is not null
    value_ok: int = 0
    unit_ok: int = 0
    interval_scored: int = 0   # strict matches whose gold interval is annotated
    interval_ok: int = 0
    approx_ok: int = 0
    date_scored: int = 0
    date_ok: int = 0

    @staticmethod
    def _ratio(a: int, b: int) -> float | None:
        return a / b if b else None

    @property
    def precision(self) -> float | None:
        return self._ratio(self.tp, self.pred)

    @property
    def recall(self) -> float | None:
        return self._ratio(self.tp, self.gold)

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None if p is None or r is None else 0.0
        return 2 * p * r / (p + r)

    @property
    def lenient_precision(self) -> float | None:
        return self._ratio(self.lenient_tp, self.pred)

    @property
    def lenient_recall(self) -> float | None:
        return self._ratio(self.lenient_tp, self.gold)

    @property
    def value_accuracy(self) -> float | None:
        return self._ratio(self.value_ok, self.value_scored)

    @property
    def unit_accuracy(self) -> float | None:
        return self._ratio(self.unit_ok, self.tp)

    @property
    def interval_accuracy(self) -> float | None:
        return self._ratio(self.interval_ok, self.interval_scored)

    @property
    def approx_accuracy(self) -> float | None:
        return self._ratio(self.approx_ok, self.tp)

    @property
    def date_accuracy(self) -> float | None:
        return self._ratio(self.date_ok, self.date_scored)

    def add(self, other: "KindStats") -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def to_dict(self) -> dict:
        d = {name: getattr(self, name) for name in self.__slots__}
        for name in ("precision", "recall", "f1", "lenient_precision", "lenient_recall",
                     "value_accuracy", "unit_accuracy", "interval_accuracy", "approx_accuracy",
                     "date_accuracy"):
            v = getattr(self, name)
            d[name] = None if v is None else round(v, 4)
        return d


@dataclass(slots=True)
class DocEval:
    name: str
    path: str
    status: str = "ok"          # ok | skipped | error
    note: str = ""
    gold: int = 0
    pred: int = 0
    grounded: int = 0
    context_text: str = ""      # decoded text (for contexts in misses / FPs); not serialised


@dataclass(slots=True)
class Mismatch:
    """A strict match whose value, unit, interval, approx or date differs."""

    gold: EvalFact
    pred: EvalFact
    fields: list[str]


@dataclass
class EvalReport:
    gold_path: str
    kinds: dict[str, KindStats] = field(default_factory=lambda: {k: KindStats() for k in KINDS})
    docs: list[DocEval] = field(default_factory=list)
    missed: list[tuple[EvalFact, EvalFact | None]] = field(default_factory=list)
    spurious: list[tuple[EvalFact, EvalFact | None]] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    ungrounded: list[EvalFact] = field(default_factory=list)

    # ---- aggregates
    @property
    def total(self) -> KindStats:
        t = KindStats()
        for s in self.kinds.values():
            t.add(s)
        return t

    @property
    def predicted(self) -> int:
        return sum(d.pred for d in self.docs)

    @property
    def grounding(self) -> float | None:
        n = self.predicted
        return sum(d.grounded for d in self.docs) / n if n else None

    # ---- debugging lists
    def misses(self) -> list[dict]:
        """Required gold facts without a strict match (``lenient``: the overlapping prediction)."""
        out = []
        for g, near in self.missed:
            d = g.brief()
            d["context"] = self._context(g)
            d["lenient"] = near.brief() if near else None
            out.append(d)
        return out

    def false_positives(self) -> list[dict]:
        """Predictions without a strict match (``lenient``: the overlapping gold fact)."""
        out = []
        for p, near in self.spurious:
            d = p.brief()
            d["context"] = self._context(p)
            d["lenient"] = near.brief() if near else None
            out.append(d)
        return out

    def value_errors(self) -> list[dict]:
        """Strict matches whose value, unit, interval, approx or date differ."""
        return [{"gold": m.gold.brief(), "pred": m.pred.brief(), "fields": m.fields,
                 "context": self._context(m.gold)} for m in self.mismatches]

    def patterns(self, n: int = 15) -> dict[str, list[tuple[str, int, list[str]]]]:
        """The most frequent shapes of misses, false positives and value errors.

        A shape replaces Arabic digits by ``9`` and Chinese numerals by ``〇`` so that ``35家`` and
        ``429家`` count together; each entry is (shape, count, up to three examples).
        """
        def shape(kind: str, text: str, extra: str = "") -> str:
            s = re.sub(r"[0-9０-９]+", "9", text)
            s = re.sub(r"[零〇一二两三四五六七八九十百千壹贰叁肆伍陆柒捌玖拾佰仟]+(?!分)", "〇", s)
            return f"{kind}:{s}{extra}"

        def top(items: list[tuple[str, str]]) -> list[tuple[str, int, list[str]]]:
            c = Counter(k for k, _ in items)
            ex: dict[str, list[str]] = {}
            for k, e in items:
                ex.setdefault(k, [])
                if len(ex[k]) < 3 and e not in ex[k]:
                    ex[k].append(e)
            return [(k, v, ex[k]) for k, v in c.most_common(n)]

        misses = [(shape(g.kind, g.text, " (span differs)" if near else ""),
                   f"{g.doc}:{g.text}" + (f" ~ pred {near.text}" if near else ""))
                  for g, near in self.missed]
        fps = [(shape(p.kind, p.text, " (span differs)" if near else ""),
                f"{p.doc}:{p.text}" + (f" ~ gold {near.text}" if near else ""))
               for p, near in self.spurious]
        vals = [(f"{m.gold.kind}:{'+'.join(m.fields)}",
                 f"{m.gold.doc}:{m.gold.text} gold={_fmt(m.gold.value)}/{_fmt(m.gold.value_low)}.."
                 f"{_fmt(m.gold.value_high)} {m.gold.unit} {m.gold.date} pred={_fmt(m.pred.value)}/"
                 f"{_fmt(m.pred.value_low)}..{_fmt(m.pred.value_high)} {m.pred.unit} {m.pred.date}")
                for m in self.mismatches]
        return {"misses": top(misses), "false_positives": top(fps), "value_errors": top(vals)}

    def _context(self, f: EvalFact, width: int = 12) -> str:
        for d in self.docs:
            if d.name == f.doc and d.context_text:
                t = d.context_text
                return (t[max(0, f.start - width):f.start] + "【" + t[f.start:f.end] + "】"
                        + t[f.end:f.end + width]).replace("\r", "").replace("\n", "⏎")
        return ""

    # ---- output
    def to_dict(self) -> dict:
        return {
            "gold_path": self.gold_path,
            "kinds": {k: s.to_dict() for k, s in self.kinds.items()},
            "total": self.total.to_dict(),
            "grounding": None if self.grounding is None else round(self.grounding, 4),
            "predicted": self.predicted,
            "docs": [{"name": d.name, "path": d.path, "status": d.status, "note": d.note,
                      "gold": d.gold, "pred": d.pred, "grounded": d.grounded} for d in self.docs],
            "misses": self.misses(),
            "false_positives": self.false_positives(),
            "value_errors": self.value_errors(),
            "ungrounded": [f.brief() for f in self.ungrounded],
        }

    def to_text(self, patterns: int = 8) -> str:
        """The per-kind table, grounding, notes and the ``patterns`` most frequent error shapes."""
        def pc(v: float | None) -> str:
            return "   -  " if v is None else f"{v:6.3f}"

        head = (f"{'kind':<9}{'gold':>5}{'opt':>4}{'pred':>6}{'TP':>5}{'P':>7}{'R':>7}{'F1':>7}"
                f" |{'P~':>7}{'R~':>7} |{'value':>7}{'unit':>7}{'intvl':>7}{'approx':>7}{'date':>7}")
        lines = [f"Evaluation of {self.gold_path}", head, "-" * len(head)]
        rows = list(self.kinds.items()) + [("all", self.total)]
        for k, s in rows:
            if k == "all":
                lines.append("-" * len(head))
            lines.append(
                f"{k:<9}{s.gold:>5}{s.optional:>4}{s.pred:>6}{s.tp:>5}{pc(s.precision):>7}"
                f"{pc(s.recall):>7}{pc(s.f1):>7} |{pc(s.lenient_precision):>7}"
                f"{pc(s.lenient_recall):>7} |{pc(s.value_accuracy):>7}{pc(s.unit_accuracy):>7}"
                f"{pc(s.interval_accuracy):>7}{pc(s.approx_accuracy):>7}{pc(s.date_accuracy):>7}")
        g = self.grounding
        lines.append("")
        lines.append(f"grounding: {'-' if g is None else f'{g:.4f}'} of {self.predicted} predicted "
                     f"facts have doc.text[start:end] == text")
        lines.append("P/R/F1 strict (kind + offsets); P~/R~ lenient (kind + overlap); value/unit/"
                     "interval/approx/date: agreement among strict matches (value: exact Decimal; "
                     "interval not scored where the gold leaves it null for an 'about' fact).")
        for d in self.docs:
            if d.status != "ok" or d.note:
                lines.append(f"  {d.name}: {d.status} {d.note}")
        if patterns:
            pats = self.patterns(n=patterns)
            for title, key in (("most frequent misses", "misses"),
                               ("most frequent false positives", "false_positives"),
                               ("most frequent value errors", "value_errors")):
                if pats[key]:
                    lines.append(f"\n{title}:")
                    for shape, count, examples in pats[key]:
                        lines.append(f"  {count:4d}  {shape}   e.g. {' | '.join(examples)}")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# loading

def _corpora_dir(gold_file: Path) -> Path:
    for p in gold_file.resolve().parents:
        if p.name == "corpora":
            return p
    return gold_file.resolve().parent.parent


def _manifest(corpora: Path) -> dict[str, dict]:
    path = corpora / "manifest.yaml"
    if not path.exists():
        return {}
    from ruamel.yaml import YAML
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    return {d["id"]: d for d in data.get("documents", [])}


def load_gold(gold_file: Path) -> list[dict]:
    rows = []
    with open(gold_file, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{gold_file}:{n}: {exc}") from exc
    return rows


def gold_files(gold_path: str | Path) -> list[Path]:
    p = Path(gold_path)
    if p.is_dir():
        return sorted(p.glob("*.jsonl"))
    if p.is_file():
        return [p]
    raise FileNotFoundError(f"{p}: no such gold file or directory")


def resolve_document(gold_file: Path, rows: list[dict], *, raw_dir: Path | None = None
                     ) -> tuple[Path, str]:
    """The document a gold file annotates and its declared encoding."""
    sources = {r.get("source") for r in rows if r.get("source")}
    if sources:
        if len(sources) > 1:
            raise ValueError(f"{gold_file}: facts from several sources {sorted(sources)}")
        raw = raw_dir or DEFAULT_RAW
        return raw / sources.pop(), "utf-8"
    corpora = _corpora_dir(gold_file)
    entry = _manifest(corpora).get(gold_file.stem, {})
    return corpora / "docs" / f"{gold_file.stem}.txt", entry.get("encoding", "utf-8")


def default_predict(path: Path) -> list[Any]:
    """Run the project's pipeline on one file (never the gold)."""
    from .pipeline import process_path

    result = process_path(path, source=str(path))
    if result.document.get("status") not in ("ok", None):
        raise RuntimeError(f"{result.document.get('status')}: {result.document.get('error')}")
    return list(result.facts)


# --------------------------------------------------------------------------------------------
# matching

def _match_doc(gold: list[EvalFact], pred: list[EvalFact], report: EvalReport) -> None:
    for kind in KINDS:
        g_all = [g for g in gold if g.kind == kind]
        p_all = [p for p in pred if p.kind == kind]
        stats = report.kinds[kind]
        stats.gold += sum(1 for g in g_all if not g.optional)
        stats.optional += sum(1 for g in g_all if g.optional)

        by_span: dict[tuple[int, int], list[EvalFact]] = {}
        for g in g_all:
            by_span.setdefault((g.start, g.end), []).append(g)
        strict: list[tuple[EvalFact, EvalFact]] = []
        unmatched_p: list[EvalFact] = []
        used_g: set[int] = set()
        for p in p_all:
            cands = [g for g in by_span.get((p.start, p.end), []) if id(g) not in used_g]
            if cands:
                used_g.add(id(cands[0]))
                strict.append((cands[0], p))
            else:
                unmatched_p.append(p)

        # predictions on optional gold facts (strict or overlapping) are ignored
        counted_p: list[EvalFact] = []
        for p in unmatched_p:
            if any(g.optional and g.start < p.end and p.start < g.end for g in g_all):
                continue
            counted_p.append(p)
        strict_req = [(g, p) for g, p in strict if not g.optional]
        stats.pred += len(strict_req) + len(counted_p)
        stats.tp += len(strict_req)

        # lenient: one-to-one overlap among the rest, largest overlap first
        rest_g = [g for g in g_all if id(g) not in used_g and not g.optional]
        pairs = []
        for gi, g in enumerate(rest_g):
            for pi, p in enumerate(counted_p):
                ov = min(g.end, p.end) - max(g.start, p.start)
                if ov > 0:
                    pairs.append((ov, gi, pi))
        pairs.sort(reverse=True)
        lg: dict[int, int] = {}
        lp: dict[int, int] = {}
        for ov, gi, pi in pairs:
            if gi not in lg and pi not in lp:
                lg[gi], lp[pi] = pi, gi
        stats.lenient_tp += len(strict_req) + len(lg)
        for gi, g in enumerate(rest_g):
            report.missed.append((g, counted_p[lg[gi]] if gi in lg else None))
        for pi, p in enumerate(counted_p):
            report.spurious.append((p, rest_g[lp[pi]] if pi in lp else None))

        for g, p in strict_req:
            bad: list[str] = []
            if kind == "date":
                stats.date_scored += 1
                if g.date == p.date:
                    stats.date_ok += 1
                else:
                    bad.append("date")
            else:
                if g.value is not None:
                    stats.value_scored += 1
                    if _dec_eq(g.value, p.value):
                        stats.value_ok += 1
                    else:
                        bad.append("value")
                if not (g.approx == "about" and g.value_low is None and g.value_high is None):
                    stats.interval_scored += 1
                    if _dec_eq(g.value_low, p.value_low) and _dec_eq(g.value_high, p.value_high):
                        stats.interval_ok += 1
                    else:
                        bad.append("interval")
            if g.unit == p.unit:
                stats.unit_ok += 1
            else:
                bad.append("unit")
            if g.approx == p.approx:
                stats.approx_ok += 1
            else:
                bad.append("approx")
            if bad:
                report.mismatches.append(Mismatch(g, p, bad))


def evaluate(gold_path: str | Path, *, predict: Predict | None = None,
             raw_dir: str | Path | None = None) -> EvalReport:
    """Evaluate predictions against the gold file(s) at ``gold_path``.

    ``gold_path``: a gold ``.jsonl`` file or a directory of them (not recursive: evaluate
    ``corpora/gold`` and ``corpora/gold/real`` separately). Documents are ``corpora/docs/<stem>.txt``
    or, for records carrying ``source``, ``<raw_dir>/<source>`` (default ``../shared/corpus/raw``);
    an absent document is skipped with a note. ``predict(path)`` returns the facts of one document
    (``extractor.model.Fact`` objects or dicts with the fact columns); default: the pipeline.
    """
    predict = predict or default_predict
    raw = Path(raw_dir) if raw_dir else None
    report = EvalReport(gold_path=str(gold_path))
    for gf in gold_files(gold_path):
        rows = load_gold(gf)
        doc_path, encoding = resolve_document(gf, rows, raw_dir=raw)
        de = DocEval(name=gf.stem, path=str(doc_path))
        report.docs.append(de)
        if not doc_path.exists():
            de.status, de.note = "skipped", f"document {doc_path} is absent"
            continue
        text = doc_path.read_bytes().decode(encoding)
        de.context_text = text
        gold = [EvalFact.from_any(gf.stem, r) for r in rows]
        de.gold = sum(1 for g in gold if not g.optional)
        try:
            raw_pred = list(predict(doc_path))
        except Exception as exc:  # the evaluation reports a crash as zero predictions
            de.status, de.note = "error", f"{type(exc).__name__}: {exc}"
            raw_pred = []
        pred = []
        for f in raw_pred:
            try:
                pred.append(EvalFact.from_any(gf.stem, f))
            except (TypeError, ValueError) as exc:
                de.note += f" unreadable prediction {f!r}: {exc};"
        de.pred = len(pred)
        for p in pred:
            if text[p.start:p.end] == p.text:
                de.grounded += 1
            else:
                report.ungrounded.append(p)
        _match_doc(gold, pred, report)
    return report


# --------------------------------------------------------------------------------------------
# JioNLP money parsing cases

CURRENCY_CODES = {
    "元": "CNY", "人民币": "CNY", "港元": "HKD", "美元": "USD", "日元": "JPY", "欧元": "EUR",
    "英镑": "GBP", "新台币": "TWD", "泰铢": "THB", "卢布": "RUB", "澳元": "AUD", "韩元": "KRW",
    "加元": "CAD", "新加坡元": "SGD", "瑞士法郎": "CHF", "印度卢比": "INR", "澳门元": "MOP",
}


@dataclass(slots=True)
class JionlpCase:
    input: str
    expected: dict
    ok: bool = False
    value_ok: bool = False
    currency_ok: bool = False
    got: str = ""
    reason: str = ""


@dataclass
class JionlpReport:
    path: str
    cases: list[JionlpCase] = field(default_factory=list)
    note: str = ""

    @property
    def total(self) -> int:
        return len(self.cases)

    @property
    def reproduced(self) -> int:
        return sum(c.ok for c in self.cases)

    @property
    def rate(self) -> float:
        return self.reproduced / self.total if self.total else 0.0

    def failures(self) -> list[JionlpCase]:
        return [c for c in self.cases if not c.ok]

    def to_dict(self) -> dict:
        return {"path": self.path, "total": self.total, "reproduced": self.reproduced,
                "values_reproduced": sum(c.value_ok for c in self.cases),
                "rate": round(self.rate, 4), "note": self.note,
                "failures": [{"input": c.input, "expected": c.expected, "got": c.got,
                              "reason": c.reason} for c in self.failures()]}

    def to_text(self) -> str:
        lines = [f"JioNLP money parse cases ({self.path}): {self.reproduced}/{self.total} "
                 f"reproduced ({self.rate:.1%}); values alone: "
                 f"{sum(c.value_ok for c in self.cases)}/{self.total}"]
        if self.note:
            lines.append(self.note)
        for c in self.failures():
            lines.append(f"  {c.input!r}: expected {c.expected['num']} {c.expected['case']} "
                         f"({c.expected['definition']}); got {c.got or 'nothing'} — {c.reason}")
        return "\n".join(lines)


def _extract_text(text: str) -> list[Any]:
    """The project's extraction on a bare string (a one-line document)."""
    from .pipeline import analyse
    from .reading import read_bytes

    doc = read_bytes(text.encode("utf-8"), source="<jionlp-case>", suffix=".txt")
    return list(analyse(doc).facts)


def _check_case(case: JionlpCase, facts: list[Any]) -> None:
    money = [EvalFact.from_any("case", f) for f in facts]
    money = [f for f in money if f.kind == "money"]
    if not money:
        others = ", ".join(f"{EvalFact.from_any('c', f).kind}:{getattr(f, 'text', '')}"
                           for f in facts)
        case.reason = "no money fact" + (f" (got {others})" if others else "")
        return
    best = max(money, key=lambda f: (f.end - f.start, -f.start))
    exp = case.expected
    code = CURRENCY_CODES.get(exp["case"], exp["case"])
    case.got = (f"{best.text!r} value={_fmt(best.value)} [{_fmt(best.value_low)}, "
                f"{_fmt(best.value_high)}] {best.unit} {best.approx}")
    cent = Decimal("0.01")

    def q(v: Decimal | None) -> Decimal | None:
        return None if v is None else v.quantize(cent)

    num = exp["num"]
    if isinstance(num, list):
        lo, hi = Decimal(num[0]), Decimal(num[1])
        # An open upper side (多/几 read as "at least") agrees when the lower bound does.
        case.value_ok = q(best.value_low) == lo and (
            q(best.value_high) == hi or (best.value_high is None and best.approx == "at_least"))
    else:
        target = Decimal(num)
        case.value_ok = q(best.value) == target
    case.currency_ok = best.unit == code
    case.ok = case.value_ok and case.currency_ok
    if not case.ok:
        why = []
        if not case.value_ok:
            why.append("value/interval differs")
        if not case.currency_ok:
            why.append(f"currency {best.unit or '∅'} ≠ {code}")
        case.reason = "; ".join(why)


def evaluate_jionlp_cases(path: str | Path = DEFAULT_JIONLP, *,
                          extract: Callable[[str], list[Any]] | None = None) -> JionlpReport:
    """How many of JioNLP's money parsing cases the project's extraction reproduces.

    Each case ``{"input", "expected": {"num", "case", "definition"}}`` is run as a one-line
    document; the widest money fact is compared: a single ``num`` against ``value`` (to the cent),
    a ``[low, high]`` pair against ``value_low``/``value_high`` (an open upper side counts when the
    wording reads "at least"), ``case`` mapped to an ISO 4217 code against ``unit``.
    """
    extract = extract or _extract_text
    rep = JionlpReport(path=str(path))
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            case = JionlpCase(input=row["input"], expected=row["expected"])
            rep.cases.append(case)
            try:
                facts = extract(case.input)
            except Exception as exc:
                case.reason = f"crash: {type(exc).__name__}: {exc}"
                continue
            _check_case(case, facts)
    return rep


# --------------------------------------------------------------------------------------------
# CLI helper (wired by extractor.cli as ``extractor eval GOLD``)

def eval_command(gold: str | Path, *, json_out: str | Path | None = None, show: int = 20,
                 jionlp: bool = False) -> int:
    """Print the evaluation table (and the first misses / false positives); 0 on success."""
    report = evaluate(gold)
    print(report.to_text(patterns=show))
    if jionlp and DEFAULT_JIONLP.exists():
        print()
        print(evaluate_jionlp_cases(DEFAULT_JIONLP).to_text())
    if json_out:
        Path(json_out).write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1),
                                  encoding="utf-8")
    return 0


if __name__ == "__main__":  # python -m extractor.evaluation corpora/gold
    import sys

    args = sys.argv[1:] or [str(REPO / "corpora" / "gold")]
    sys.exit(eval_command(args[0], jionlp="--jionlp" in args))

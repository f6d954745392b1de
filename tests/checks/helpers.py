"""Hand-built inputs for the check tests: a minimal prepared document and facts located by surface.

The checks depend only on facts, sentences and text, so the unit tests build those directly:
``doc(text)`` gives a prepared-like object whose clean text equals the decoded text, and
``fx(d, "1200万元", ...)`` builds the Fact a correct extractor would produce for that surface
(value in base units, XBRL decimals, approx and qualifiers from the wording).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from extractor.model import Document, Fact

SCALES = {"万亿": 12, "亿": 8, "万": 4, "千": 3}
CURRENCIES = {"元": "CNY", "美元": "USD", "欧元": "EUR"}


@dataclass
class _Clean:
    text: str

    def to_decoded(self, a: int, b: int) -> tuple[int, int]:
        return a, b


@dataclass
class _Sentence:
    index: int
    start: int
    end: int
    section: str = ""


@dataclass
class Prep:
    doc: Document
    clean: _Clean
    sentences: list[_Sentence]
    report_year: int | None
    page_count: int | None = None
    facts: list[Fact] = field(default_factory=list)


def doc(text: str, report_year: int | None = 2023, doc_id: str = "t0000000000000000") -> Prep:
    d = Document(doc_id=doc_id, source="test.txt", sha256="", encoding="utf-8", text=text)
    sents, start = [], 0
    for m in re.finditer(r"[。！？!?\n]", text):
        sents.append(_Sentence(len(sents), start, m.end()))
        start = m.end()
    if start < len(text):
        sents.append(_Sentence(len(sents), start, len(text)))
    return Prep(d, _Clean(text), sents, report_year)


SURFACE = re.compile(
    r"(?P<q1>约|近|将近|超过|不到)?(?P<sign>-)?(?P<num>\d+(?:\.\d+)?)(?P<scale>万亿|亿|万|千)?(?P<q2>余|多)?"
    r"(?P<unit>.*?)(?P<q3>以上|左右|以下)?")


def fx(p: Prep, surface: str, kind: str | None = None, nth: int = 0, **kw: object) -> Fact:
    """The fact for the ``nth`` occurrence of ``surface`` in the document (appended to p.facts)."""
    text = p.doc.text
    pos = -1
    for _ in range(nth + 1):
        pos = text.index(surface, pos + 1)
    m = SURFACE.fullmatch(surface)
    assert m, surface
    num = Decimal(m["num"]) * (-1 if m["sign"] else 1)
    frac = len(m["num"].split(".")[1]) if "." in m["num"] else 0
    exp = SCALES.get(m["scale"] or "", 0)
    value = num.scaleb(exp)
    decimals = frac - exp
    unit_w = m["unit"]
    if unit_w in ("%", "％"):
        k, unit = "percent", "%"
    elif unit_w == "个百分点":
        k, unit = "percent", "pp"
    elif unit_w in CURRENCIES:
        k, unit = "money", CURRENCIES[unit_w]
    else:
        k, unit = "count", unit_w
    quals = [q for q in (m["q1"], m["q2"], m["q3"]) if q]
    approx = "exact"
    low: Decimal | None = value
    high: Decimal | None = value
    if any(q in ("约", "左右", "近", "将近") for q in quals):
        approx = "about"
    if any(q in ("余", "多", "以上", "超过") for q in quals):
        approx, high = "at_least", None
    if any(q in ("以下", "不到") for q in quals):
        approx, low = "at_most", None
    sent = next((s.index for s in p.sentences if s.start <= pos < s.end), 0)
    f = Fact(doc_id=p.doc.doc_id, kind=kind or k, text=surface, start=pos, end=pos + len(surface),
             value=value, value_low=low, value_high=high, decimals=decimals, approx=approx, unit=unit,
             qualifiers="|".join(quals), sentence=sent, source="test.txt")
    for key, val in kw.items():
        setattr(f, key, val)
    assert text[f.start:f.end] == f.text
    p.facts.append(f)
    return f


def fact_at(p: Prep, surface: str, kind: str, value: object, unit: str, decimals: int = 0,
            approx: str = "exact", qualifiers: str = "") -> Fact:
    """A fact with a given value for the first ``surface`` (one ``fx`` cannot parse: 二十六倍 →
    2600%, 一千二百八十人次); value_low/high equal the value."""
    pos = p.doc.text.index(surface)
    v = Decimal(str(value))
    f = Fact(doc_id=p.doc.doc_id, kind=kind, text=surface, start=pos, end=pos + len(surface),
             value=v, value_low=v, value_high=v, decimals=decimals, approx=approx, unit=unit,
             qualifiers=qualifiers)
    p.facts.append(f)
    return f


def dt(p: Prep, surface: str, iso: str, nth: int = 0) -> Fact:
    text = p.doc.text
    pos = -1
    for _ in range(nth + 1):
        pos = text.index(surface, pos + 1)
    sent = next((s.index for s in p.sentences if s.start <= pos < s.end), 0)
    f = Fact(doc_id=p.doc.doc_id, kind="date", text=surface, start=pos, end=pos + len(surface), date=iso,
             sentence=sent, source="test.txt")
    p.facts.append(f)
    return f


def run(p: Prep, only: str | None = None, strict: bool = True):
    from extractor.checks import run_checks

    return run_checks(p, p.facts, strict=strict, only=[only] if only else None)


def codes(found, severities=("error", "warning")) -> list[str]:
    return [a.code for a in found if a.severity in severities]


@dataclass
class Case:
    """One sentence for one code: ``hit`` says whether the code must fire.

    ``build`` adds the facts a correct extractor yields for the text (None: text-only check).
    For hits, ``evidence`` is the expected evidence (decoded span text) and ``facts`` the
    expected fact texts in fact_ids order (main first); ``severity`` the expected severity.
    """

    code: str
    text: str
    hit: bool
    build: object = None
    severity: str = ""
    evidence: str | None = None
    facts: list[str] | None = None
    report_year: int | None = 2023
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.code}:{'hit' if self.hit else 'quiet'}:{self.text[:24]}"


def check_case(case: Case) -> None:
    from extractor.checks import REGISTRY

    p = doc(case.text, report_year=case.report_year)
    if case.build is not None:
        case.build(p)  # type: ignore[operator]
    owners = [s.name for s in REGISTRY.values() if case.code in s.codes]
    assert owners, f"no check declares {case.code}"
    found = [a for a in run_checks_only(p, owners) if a.code == case.code]
    for a in found:
        assert p.doc.text[a.start:a.end] == a.evidence
        assert a.message and a.message_en and a.doc_id == p.doc.doc_id
    if not case.hit:
        assert not found, [(a.code, a.evidence, a.message) for a in found]
        return
    assert found, f"{case.code} did not fire on {case.text!r}"
    a = found[0]
    if case.severity:
        assert a.severity == case.severity, (a.severity, a.message)
    if case.evidence is not None:
        assert any(x.evidence == case.evidence for x in found), [x.evidence for x in found]
        a = next(x for x in found if x.evidence == case.evidence)
    if case.facts is not None:
        by_id = {f.fact_id: f.text for f in p.facts}
        assert [by_id[i] for i in a.fact_ids] == case.facts, a.fact_ids


def run_checks_only(p: Prep, names: list[str]):
    from extractor.checks import run_checks

    return run_checks(p, p.facts, strict=True, only=names)


def year_tokens_both_ways(p) -> tuple[list, list]:
    """``figures.year_tokens`` of a prepared document through its fast path (the digit runs
    holding a near year, ``figures._holding``) and through the rule's scan of the whole text:
    what the fast-path tests compare."""
    from extractor.checks import figures
    from extractor.checks.context import CheckContext

    ctx = CheckContext(p, [])
    fast = list(figures.year_tokens(ctx))
    holding = figures._holding
    figures._holding = lambda tok_re, text, spelled: tok_re.finditer(text)
    try:
        scanned = list(figures.year_tokens(ctx))
    finally:
        figures._holding = holding
    return fast, scanned

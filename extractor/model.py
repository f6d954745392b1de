"""Plain data records shared by every stage; no logic beyond small conveniences.

Offsets are half-open character offsets into ``Document.text`` (the decoded file, line ends
kept), so ``doc.text[fact.start:fact.end] == fact.text`` always holds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# Column order of the public tables (../shared/SCHEMA.md). Extra columns follow the contract ones.
FACT_COLUMNS = [
    "fact_id", "doc_id", "source", "kind", "text", "start", "end",
    "value", "value_low", "value_high", "decimals", "approx", "unit", "date",
    "subject", "modality", "page", "sentence",
    # extras (welcome by the schema)
    "role", "period", "section", "scale", "qualifiers", "rule_id", "low_open", "high_open",
]
ANOMALY_COLUMNS = [
    "anomaly_id", "doc_id", "source", "code", "severity", "message", "message_en",
    "start", "end", "fact_ids", "stated", "computed",
    # extras
    "check", "evidence",
]
DOCUMENT_COLUMNS = [
    "doc_id", "source", "sha256", "encoding", "chars", "pages", "report_year",
    "facts", "anomalies", "status", "error",
    # extras
    "format", "text_quality", "seconds",
]

KINDS = ("money", "percent", "count", "quantity", "date", "duration")
APPROX = ("exact", "about", "at_least", "at_most", "range")
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Page:
    """A page of the source: number as printed or counted, and its span in ``Document.text``."""

    number: int
    start: int
    end: int


@dataclass(slots=True)
class Document:
    """A file as read: the decoded text exactly as in the file (line ends kept)."""

    doc_id: str          # sha256 prefix (16 hex): stable for the same content
    source: str          # the path as given
    sha256: str
    encoding: str        # as detected, e.g. "utf-8", "utf-8-sig", "gb18030", "utf-16", "docx"
    text: str            # decoded text; every offset in the project points into this string
    format: str = "txt"  # txt | docx | html | pdf
    pages: list[Page] = field(default_factory=list)  # from the container (pdf pages, form feeds)


@dataclass(slots=True)
class Fact:
    """One numeric or temporal mention. Values are Decimal; None means not applicable / open."""

    doc_id: str
    kind: str                      # one of KINDS
    text: str                      # decoded[start:end]
    start: int
    end: int
    value: Decimal | None = None
    value_low: Decimal | None = None
    value_high: Decimal | None = None
    decimals: int | None = None    # XBRL style: 1200万元 -> -4, 7.5% -> 1
    approx: str = "exact"          # one of APPROX
    unit: str = ""                 # CNY/USD…, %/pp, measure word, unit as written, 年/月/天
    date: str = ""                 # ISO 8601 for dates (interval as a/b)
    subject: str = ""
    modality: str = ""             # actual | expected | planned | ""
    page: int | None = None
    sentence: int = 0
    source: str = ""
    role: str = ""                 # percent: growth | share | rate | completion | pp_change | ratio
    period: str = ""               # ISO period the figure refers to (e.g. 2023-01/2023-09)
    section: str = ""              # section path, e.g. "一、/（二）/1、"
    scale: str = ""                # 万 / 亿 / 万亿 as written
    qualifiers: str = ""           # qualifier words as written, e.g. "近|余"
    rule_id: str = ""
    low_open: bool = False         # interval side open (e.g. 超过 → low open)
    high_open: bool = False

    @property
    def fact_id(self) -> str:
        return f"{self.doc_id}:{self.start}-{self.end}:{self.kind}"


@dataclass(slots=True)
class Anomaly:
    """One finding of a consistency check (a row of the anomalies table)."""

    doc_id: str
    code: str                      # namespaced, e.g. sum.parts_exceed_total
    severity: str                  # one of SEVERITIES
    message: str                   # Chinese
    message_en: str
    start: int
    end: int
    fact_ids: list[str] = field(default_factory=list)
    stated: str = ""
    computed: str = ""
    source: str = ""
    check: str = ""                # registered check name
    evidence: str = ""             # decoded[start:end]

    @property
    def anomaly_id(self) -> str:
        return f"{self.doc_id}:{self.start}-{self.end}:{self.code}"

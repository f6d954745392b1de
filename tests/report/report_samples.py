"""Hand-built documents for the report tests (the pipeline-based ones use the shared sample).

Imported by the test modules beside it (pytest puts this folder on sys.path)."""
from __future__ import annotations

from decimal import Decimal

from extractor.model import Anomaly, Fact, Page
from extractor.report import ReportItem

HOSTILE = ("某局2023年工作总结\n"
           "一、主要工作。全年完成投资1200万元，<script>alert(1)</script>同比增长7.5%。\n"
           "二、通讯覆盖。<img src=x onerror=alert(1)>覆盖率到达20230%，&amp; \"引号\" '单引号'。\n")


def fact_at(text: str, doc_id: str, needle: str, kind: str, value: str | None, unit: str = "",
            nth: int = 0, **kw) -> Fact:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    v = None if value is None else Decimal(value)
    return Fact(doc_id, kind, needle, start, start + len(needle), value=v, value_low=v,
                value_high=v, unit=unit, **kw)


def hostile_item() -> ReportItem:
    text = HOSTILE
    doc = "hostile000000000"
    facts = [
        fact_at(text, doc, "1200万元", "money", "12000000", "CNY", decimals=-4,
                subject="投资</script><script>alert(2)</script>"),
        fact_at(text, doc, "7.5%", "percent", "7.5", "%", decimals=1, subject="同比增长"),
        fact_at(text, doc, "20230%", "percent", "20230", "%", decimals=0, subject="覆盖率"),
        # a fact crossing the markup: its text is the tag itself
        fact_at(text, doc, "alert(1)</script>同比", "count", None),
    ]
    ev_start = text.index("<img")
    ev_end = text.index("20230%") + len("20230%")
    anomalies = [
        Anomaly(doc, "percent.out_of_range", "error", "覆盖率20230%超过100%，不可能成立。",
                "A coverage rate of 20230% exceeds 100%.", ev_start, ev_end, [facts[2].fact_id],
                "20230%", "[0, 100]%"),
        Anomaly(doc, "test.<b>markup</b>", "warning", "<b>不应加粗</b>", "<i>no</i>",
                text.index("<script>"), text.index("</script>") + 9, [facts[3].fact_id]),
    ]
    row = {"doc_id": doc, "source": "hostile<script>.txt", "status": "ok", "chars": len(text),
           "encoding": "utf-8", "pages": 2, "report_year": 2023}
    pages = [Page(1, 0, text.index("二、")), Page(2, text.index("二、"), len(text))]
    return ReportItem(row, text, facts, anomalies, pages)


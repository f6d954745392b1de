"""A stand-in per-document function for testing the batch machinery only (engines, time limits,
crashes, the store), independent of the NLP stages. It is never used by the product: the CLI
end-to-end tests run the real ``extractor.pipeline.process_path``.

Behaviour, chosen by the file name:
- ``*slow*``  sleeps 30 s in Python (the soft time limit stops it);
- ``*hang*``  blocks SIGALRM, then sleeps 30 s (only the engine's hard limit stops it);
- ``*crash*`` kills its own worker process (os._exit);
- ``*nap*``   sleeps 0.15 s first (so a test can kill a run mid-way);
- an empty file is unreadable; otherwise every run of ASCII digits becomes a ``count`` fact and
  a document with more than 3 facts gets one ``warning`` finding.
"""
from __future__ import annotations

import hashlib
import os
import re
import signal
import time
from decimal import Decimal
from pathlib import Path

from extractor.model import Anomaly, Document, Fact
from extractor.pipeline import Result, document_row, failed_row

HERE = str(Path(__file__).resolve().parent)
FAKE = "fakeproc:process_path"

# sentences in the genre; the fake turns every ASCII digit run into a fact
LINES = [
    "2023年全市实现地区生产总值1234亿元，同比增长5.6%。",
    "新增市场主体8400户，其中企业2100户。",
    "全年共开展执法行动19起，查处案件37件。",
    "完成植树造林8.4万亩，建成绿道120千米。",
    "为期100天的专项行动于8月16日结束。",
]


def process_path(path, *, source=None, report_year=None, strict=False):
    src = source if source is not None else str(path)
    name = Path(path).name
    if "crash" in name:
        os._exit(13)
    if "hang" in name:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(30)
    if "slow" in name:
        time.sleep(30)
    if "nap" in name:
        time.sleep(0.15)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return Result(failed_row(src, str(exc), status="unreadable"))
    if not data:
        return Result(failed_row(src, "文件为空 (empty file)", status="unreadable"))
    text = data.decode("utf-8", errors="replace")
    sha = hashlib.sha256(data).hexdigest()
    doc = Document(doc_id=sha[:16], source=src, sha256=sha, encoding="utf-8", text=text)
    facts = [Fact(doc_id=doc.doc_id, kind="count", text=m.group(), start=m.start(), end=m.end(),
                  value=Decimal(m.group()), value_low=Decimal(m.group()),
                  value_high=Decimal(m.group()), decimals=0, unit="个", source=src)
             for m in re.finditer(r"[0-9]+", text)]
    anomalies = []
    if len(facts) > 3:
        anomalies.append(Anomaly(doc_id=doc.doc_id, code="fake.many_figures", severity="warning",
                                 message="数字很多", message_en="many figures",
                                 start=facts[0].start, end=facts[0].end,
                                 fact_ids=[f.fact_id for f in facts[:2]], source=src))
    row = document_row(doc, status="ok", error="")
    row.update(facts=len(facts), anomalies=len(anomalies))
    return Result(row, facts, anomalies)


# values a user's processor may return that no column of the store can hold, by file name:
# (table, column, value) put into the first fact, the first finding or the documents row
ODD_VALUES = {
    "surrogate_text": ("facts", "unit", "元\udc80"),
    "surrogate_finding": ("anomalies", "message", "数字\ud800很多"),
    "surrogate_row": ("documents", "encoding", "utf-8\udfff"),
    "big_int": ("facts", "decimals", 2 ** 70),
    "big_start": ("anomalies", "start", -(2 ** 63) - 1),
    "big_row": ("documents", "chars", 2 ** 64),
}
ODD = "fakeproc:process_odd"


def process_odd(path, *, source=None, report_year=None, strict=False):
    """``process_path``, then the value of ``ODD_VALUES`` whose key the file name holds."""
    import dataclasses

    result = process_path(path, source=source, report_year=report_year, strict=strict)
    for key, (table, column, value) in ODD_VALUES.items():
        if key in Path(path).name:
            if table == "documents":
                result.document[column] = value
            elif table == "facts":
                result.facts[0] = dataclasses.replace(result.facts[0], **{column: value})
            else:
                result.anomalies[0] = dataclasses.replace(result.anomalies[0], **{column: value})
    return result


FREEZES: list[int] = []    # gc.get_freeze_count() as each document of process_counting began
THRESHOLDS: list[tuple] = []    # gc.get_threshold() as each document of process_counting began


def process_counting(path, **kw):
    """``process_path``, noting the number of frozen objects (``FREEZES``) and the
    collector's thresholds (``THRESHOLDS``) first."""
    import gc

    FREEZES.append(gc.get_freeze_count())
    THRESHOLDS.append(gc.get_threshold())
    return process_path(path, **kw)


def process_reporting_gc(path, **kw):
    """``process_path`` whose documents row tells, in its ``encoding``, the worker's young
    threshold and whether its warm-up was frozen (``young/frozen``)."""
    import gc

    result = process_path(path, **kw)
    result.document["encoding"] = f"{gc.get_threshold()[0]}/{int(gc.get_freeze_count() > 0)}"
    return result


def process_reporting_rules_dir(path, **kw):
    """``process_path`` whose documents row tells, in its ``encoding``, the worker's
    $EXTRACTOR_RULES_DIR ("-" when it is not set)."""
    result = process_path(path, **kw)
    result.document["encoding"] = os.environ.get("EXTRACTOR_RULES_DIR", "-")
    return result

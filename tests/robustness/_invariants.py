"""What every pipeline output must satisfy, whatever the input (shared by the fuzz tests, the
hostile-input tests and benchmarks/fuzz_mutations.py)."""
from __future__ import annotations

from extractor.model import APPROX, KINDS, SEVERITIES


def check_result(text: str, facts: list, anomalies: list) -> None:
    """Offsets, intervals and vocabularies of one document's facts and findings."""
    n = len(text)
    last = -1
    for f in facts:
        assert 0 <= f.start < f.end <= n, (f.start, f.end, n)
        assert text[f.start:f.end] == f.text, (f.text, text[f.start:f.end])
        assert f.start >= last, "facts not sorted by start"
        last = f.start
        assert f.kind in KINDS, f.kind
        assert f.approx in APPROX, f.approx
        if f.value is not None:
            if f.value_low is not None:
                assert f.value_low <= f.value, (f.text, f.value_low, f.value)
            if f.value_high is not None:
                assert f.value <= f.value_high, (f.text, f.value, f.value_high)
        if f.value_low is not None and f.value_high is not None:
            assert f.value_low <= f.value_high, (f.text, f.value_low, f.value_high)
    for a in anomalies:
        assert a.severity in SEVERITIES, a.severity
        assert 0 <= a.start <= a.end <= n, (a.code, a.start, a.end, n)
        assert a.evidence == text[a.start:a.end], (a.code, a.evidence, text[a.start:a.end])
        # a check that crashed is swallowed into an info finding: for the fuzzer it is a bug
        assert a.code != "check.crashed", a.message_en


def records(result) -> tuple:
    """A comparable, order-preserving form of a pipeline Result (timings dropped)."""
    from extractor.table import anomaly_record, fact_record
    doc = {k: v for k, v in result.document.items() if k != "seconds"}
    return (doc, [fact_record(f) for f in result.facts],
            [anomaly_record(a) for a in result.anomalies])

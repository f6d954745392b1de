"""Consistency checks over the facts of one document (and across documents).

Codes (stable; severity as emitted; ``info`` = verified or skipped):

========================================  ========  ==============================================
code                                      severity  finding
========================================  ========  ==============================================
sum.parts_exceed_total                    error     parts (其中/分别为) exceed their total after
                                          warning   rounding; warning when comma-separated parts
                                                    may overlap
sum.breakdown_mismatch                    error     an exhaustive breakdown (分别为) misses the total
sum.verified                              info      a total and its parts agree within intervals
share.recomputed_mismatch                 error     占比 vs part ÷ total
share.sum_exceeds_100                     error     shares of one whole add up beyond 100%
rate.recomputed_mismatch                  error     整改率/合格率… vs numerator ÷ denominator
ratio.sum_not_100                         error     a structure ratio (8.2:40.5:51.3) ≠ 100
ratio.components_mismatch                 error     a structure ratio vs the stated components
growth.inconsistent                       error     stated growth vs current/previous or increase;
                                                    percentage points vs two rates
growth.extreme                            warning   |growth| > 1000% (not for N倍)
percent.out_of_range                      error     a bounded rate (覆盖率, 占比 …) above 100% or < 0;
                                          warning   any other percentage above 1000%
count.negative                            error     a count below zero
magnitude.implausible                     warning   no such voltage class (2023千伏); village roads
                                                    longer than a county has
figure.year_contamination                 warning   the report year pasted into a figure or code
                                                    (20230%, 2023余期, 12023国道, 岳发20232号)
figure.duplicated_token                   warning   2023年2023年
figure.contradictory_qualifiers           warning   近2023万余元, 约400余人
date.out_of_order                         warning   签约 after 开工, 启动 after 完成 …
date.far_from_report_year                 warning   a result dated years away without a planning
                                                    or history cue
date.plan_year_equals_summary_year        warning   2023年工作总结…2023年工作打算
enum.count_mismatch                       warning   共5个，分别是A；B；C… / A、B、C等2家
enum.marker_out_of_order                  warning   一是…二是…二是…
corpus.target_vs_outcome                  info      year N's target vs year N+1's outcome (met);
                                          warning   missed
corpus.restated_figure                    warning   one indicator-year stated differently
check.crashed                             info      a check raised; its findings are missing
========================================  ========  ==============================================

``run_checks(prepared, facts, strict=False)`` runs every registered check (``registry.REGISTRY``,
filled by the explicit imports below) in registration order. A check that raises becomes an
``info`` finding ``check.crashed`` naming the check and the document; under ``strict`` it is
re-raised as :class:`~extractor.errors.CheckError`. A check that emits a code it did not declare
is a programming error and is treated the same way. Findings are returned sorted by position.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import CheckError
from ..model import Anomaly, Fact
from . import chronology, corpus, enumerations, figures, growth, ranges, shares, sums  # noqa: F401  (registration)
from .context import CheckContext
from .registry import CORPUS_REGISTRY, REGISTRY, CheckSpec, all_codes

__all__ = ["run_checks", "run_corpus_checks", "REGISTRY", "CORPUS_REGISTRY", "all_codes", "CheckContext"]


def _crash(ctx_doc: str, source: str, spec: CheckSpec, exc: BaseException, text: str) -> Anomaly:
    reason = f"{type(exc).__name__}: {exc}"
    return Anomaly(
        doc_id=ctx_doc, code="check.crashed", severity="info",
        message=f"检查“{spec.name}”在文档 {source or ctx_doc} 上运行失败（{reason}），其结果缺失，需人工复核。",
        message_en=f"Check {spec.name} failed on document {source or ctx_doc} ({reason}); its findings are missing.",
        start=0, end=0, fact_ids=[], stated="", computed="", source=source, check=spec.name,
        evidence=text[0:0],
    )


def _run_spec(spec: CheckSpec, ctx: Any, strict: bool, doc_id: str, source: str, text: str) -> list[Anomaly]:
    try:
        out = list(spec.fn(ctx))
        for a in out:
            if a.code not in spec.codes:
                raise CheckError(source or doc_id, f"check {spec.name} emitted undeclared code {a.code}")
            a.check = spec.name
        return out
    except Exception as exc:  # noqa: BLE001 — a check must never silence the others
        if strict:
            if isinstance(exc, CheckError):
                raise
            raise CheckError(source or doc_id, f"check {spec.name} failed: {type(exc).__name__}: {exc}") from exc
        return [_crash(doc_id, source, spec, exc, text)]


def _finish(found: list[Anomaly]) -> list[Anomaly]:
    seen: set[str] = set()
    out = []
    for a in sorted(found, key=lambda a: (a.start, a.end, a.code, a.doc_id)):
        key = a.anomaly_id  # duplicate facts (same span twice) must not double a finding
        if key in seen:
            continue
        seen.add(key)
        out.append(a)
    return out


def run_checks(prepared: Any, facts: list[Fact], *, strict: bool = False,
               only: Iterable[str] | None = None) -> list[Anomaly]:
    """Run the registered document checks; ``only`` restricts to named checks (tests, CLI)."""
    ctx = CheckContext(prepared, facts)
    wanted = set(only) if only is not None else None
    found: list[Anomaly] = []
    for spec in REGISTRY.values():
        if wanted is not None and spec.name not in wanted:
            continue
        ctx.check_name = spec.name
        found.extend(_run_spec(spec, ctx, strict, ctx.doc_id, ctx.source, ctx.text))
    return _finish(found)


def run_corpus_checks(results: Iterable[Any], *, strict: bool = False) -> list[Anomaly]:
    """Cross-document checks over pipeline Results (or ``(document_row, facts)`` pairs)."""
    from ..rulefiles import follow_rules_dir
    from .corpus import CorpusContext

    follow_rules_dir()      # (no document is prepared here: a report built after a switch)
    ctx = CorpusContext.build(results)
    found: list[Anomaly] = []
    for spec in CORPUS_REGISTRY.values():
        found.extend(_run_spec(spec, ctx, strict, "", "corpus", ""))
    return _finish(found)

"""Consistency checks over the facts of one document (and across documents).

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
    from .corpus import CorpusContext

    ctx = CorpusContext.build(results)
    found: list[Anomaly] = []
    for spec in CORPUS_REGISTRY.values():
        found.extend(_run_spec(spec, ctx, strict, "", "corpus", ""))
    return _finish(found)

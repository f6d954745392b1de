"""The check registry (Arelle ``@validation`` / spaCy registry style).

A check is a plain generator function ``check_<topic>(ctx) -> Iterable[Anomaly]`` decorated with
``@check("<topic>.vN", codes=(...))``. The decorator records a :class:`CheckSpec`; the runner in
``extractor.checks`` runs every spec in registration order, turns an exception into an ``info``
finding ``check.crashed`` (or re-raises it as CheckError under ``strict``) and refuses codes a
check did not declare. ``tests/checks/test_registry.py`` asserts that every ``check_*`` function is
registered, that every registered function is named ``check_*`` and that every code has tests.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Anomaly
    from .context import CheckContext

CheckFn = Callable[["CheckContext"], Iterable["Anomaly"]]


@dataclass(frozen=True, slots=True)
class CheckSpec:
    name: str                     # versioned, e.g. "sums.v1"
    fn: CheckFn
    codes: tuple[str, ...]        # every code the check may emit
    severities: dict[str, str]    # code → default severity (documentation + meta-tests)
    scope: str = "document"       # "document" or "corpus"


REGISTRY: dict[str, CheckSpec] = {}
CORPUS_REGISTRY: dict[str, CheckSpec] = {}


def check(name: str, *, codes: dict[str, str], scope: str = "document") -> Callable[[CheckFn], CheckFn]:
    """Register a check; ``codes`` maps each code it may emit to its severity."""

    def deco(fn: CheckFn) -> CheckFn:
        if not fn.__name__.startswith("check_"):
            raise ValueError(f"check function {fn.__name__} must be named check_*")
        reg = CORPUS_REGISTRY if scope == "corpus" else REGISTRY
        if name in reg:
            raise ValueError(f"check {name} registered twice")
        for other in list(REGISTRY.values()) + list(CORPUS_REGISTRY.values()):
            dup = set(other.codes) & set(codes)
            if dup:
                raise ValueError(f"codes {sorted(dup)} declared by both {other.name} and {name}")
        spec = CheckSpec(name, fn, tuple(codes), dict(codes), scope)
        reg[name] = spec
        fn.__check_spec__ = spec  # type: ignore[attr-defined]
        return fn

    return deco


def all_codes() -> dict[str, str]:
    """Every declared code → severity, including the runner's own ``check.crashed``."""
    out = {"check.crashed": "info"}
    for spec in list(REGISTRY.values()) + list(CORPUS_REGISTRY.values()):
        out.update(spec.severities)
    return out

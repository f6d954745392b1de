"""Arelle-style meta-tests: every check_* function is registered, every registered function is
named check_*, codes are unique and namespaced, every code has ≥2 firing and ≥2 quiet cases, and
the runner turns a crash into check.crashed (or CheckError under strict)."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections import Counter
from pathlib import Path

import pytest

import extractor.checks as checks_pkg
from extractor.checks import CORPUS_REGISTRY, REGISTRY, all_codes, run_checks
from extractor.checks.registry import check
from extractor.errors import CheckError
from extractor.model import SEVERITIES

from .helpers import doc

HERE = Path(__file__).resolve().parent


def _modules():
    for info in pkgutil.iter_modules(checks_pkg.__path__):
        yield importlib.import_module(f"extractor.checks.{info.name}")


def test_every_check_function_is_registered_and_named() -> None:
    # the loops below prove nothing over an empty registry: the known checks must be there
    assert {"shares.v1", "rates.v1", "growth.v1", "chronology.plan_year.v1"} <= set(REGISTRY)
    assert len(REGISTRY) >= 16 and CORPUS_REGISTRY
    registered = {s.fn for s in list(REGISTRY.values()) + list(CORPUS_REGISTRY.values())}
    for mod in _modules():
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            if fn.__module__ != mod.__name__:
                continue
            if name.startswith("check_"):
                assert fn in registered, f"{mod.__name__}.{name} is not registered with @check"
            if fn in registered:
                assert name.startswith("check_")
    for spec in list(REGISTRY.values()) + list(CORPUS_REGISTRY.values()):
        assert spec.fn.__name__.startswith("check_")
        assert "." in spec.name and spec.name.rsplit(".", 1)[1].startswith("v")


def test_codes_are_namespaced_with_valid_severity() -> None:
    codes = all_codes()
    assert codes["share.recomputed_mismatch"] == "error" and codes["growth.extreme"] == "warning"
    assert codes["corpus.target_vs_outcome"] and len(codes) >= 24
    for code, sev in codes.items():
        assert code.count(".") == 1 and code == code.lower(), code
        assert sev in SEVERITIES


def _all_cases():
    out = []
    for path in sorted(HERE.glob("test_*.py")):
        mod = importlib.import_module(f"tests.checks.{path.stem}")
        out.extend(getattr(mod, "CASES", []))
    return out


def test_every_code_has_two_hits_and_two_quiet_cases() -> None:
    cases = _all_cases()
    hits = Counter(c.code for c in cases if c.hit)
    quiet = Counter(c.code for c in cases if not c.hit)
    missing = {code: (hits[code], quiet[code]) for code in all_codes()
               if code != "check.crashed" and (hits[code] < 2 or quiet[code] < 2)}
    assert not missing, missing
    assert set(hits) | set(quiet) <= set(all_codes())


def test_crash_becomes_info_finding_and_strict_raises() -> None:
    @check("zz_crash_probe.v1", codes={"zz.probe": "info"})
    def check_crash_probe(ctx):  # noqa: ANN001
        raise ZeroDivisionError("boom")
        yield  # pragma: no cover

    try:
        p = doc("全年完成投资1200万元。")
        found = run_checks(p, [], only=["zz_crash_probe.v1"])
        assert [a.code for a in found] == ["check.crashed"]
        assert found[0].severity == "info"
        assert "zz_crash_probe.v1" in found[0].message and "test.txt" in found[0].message
        with pytest.raises(CheckError):
            run_checks(p, [], strict=True, only=["zz_crash_probe.v1"])
    finally:
        del REGISTRY["zz_crash_probe.v1"]


def test_undeclared_code_is_refused() -> None:
    @check("zz_undeclared.v1", codes={"zz.declared": "info"})
    def check_undeclared(ctx):  # noqa: ANN001
        yield ctx.anomaly("zz.other", "info", "消息", "message", 0, 0)

    try:
        p = doc("全年完成投资1200万元。")
        found = run_checks(p, [], only=["zz_undeclared.v1"])
        assert [a.code for a in found] == ["check.crashed"] and "zz.other" in found[0].message
        with pytest.raises(CheckError):
            run_checks(p, [], strict=True, only=["zz_undeclared.v1"])
    finally:
        del REGISTRY["zz_undeclared.v1"]


def test_duplicate_registration_is_refused() -> None:
    name = next(iter(REGISTRY))
    with pytest.raises(ValueError):
        check(name, codes={"zz.x": "info"})(lambda ctx: iter(()))


def test_every_code_is_documented() -> None:
    doc = checks_pkg.__doc__ or ""
    assert len(all_codes()) >= 24
    for code in all_codes():
        assert code in doc, f"{code} missing from the code table in extractor/checks/__init__.py"

"""Corpus statistics for auditors (issue part 9; Reference c4, c5).

``corpus_stats(facts_df)`` takes a facts table (``extractor.table.facts_frame``) and computes,
over the money and count facts of the slice (years, percentages, identifiers excluded):

- Benford first-digit (F1D) and first-two-digit (F2D) tests: observed vs expected proportions,
  MAD with Nigrini's conformity cut-offs (benford_py ``mad_dict``), χ² with its 95%/99% critical
  values, and per-digit Z (``(|p_obs − p_exp| − 1/(2N)) / sqrt(p_exp(1 − p_exp)/N)``);
- last-two-digits test on the written figures ≥ 10 (1% each expected), χ² with 99 dof;
- round numbers: shares of written integers divisible by 5, 10, 25, 100, 1000 vs a uniform
  expectation, and a Whipple-style heaping index on the last digit (0/5);
- the most repeated figures (number duplication test: same value and unit).

"Written figure" means the number as the report wrote it before the scale word: 1200万元 → 1200,
3.56亿元 → 356 (value × 10^decimals), which is where heaping and invented digits show.
``format_stats(stats)`` renders the result as plain text for ``extractor stats``.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import Any

KINDS = ("money", "count")
# Nigrini / benford_py mad_dict cut-offs: (close, acceptable, marginal); above = nonconformity
MAD_CUTOFFS = {"F1D": (0.006, 0.012, 0.015), "F2D": (0.0012, 0.0018, 0.0022)}
CHI2_CRIT = {"F1D": (15.507, 20.090), "F2D": (112.022, 122.942), "L2D": (123.225, 134.642)}
Z_CRIT = (1.96, 2.576, 3.29)
ROUND_DIVISORS = (5, 10, 25, 100, 1000)
YEAR_TEXT = re.compile(r"^\s*(?:1[89]|20)\d{2}\s*年")
ID_UNITS = {"号", "期", "届", "次会议", "批次", "号文"}


def _dec(x: Any) -> Decimal | None:
    if x is None:
        return None
    try:
        if isinstance(x, float) and math.isnan(x):
            return None
        s = str(x).strip()
        if not s or s.lower() == "nan":
            return None
        return Decimal(s)
    except (InvalidOperation, ValueError):
        return None


def select_values(df: Any) -> tuple[list[tuple[Decimal, Decimal | None, dict]], Counter]:
    """(value, written figure, row) for the usable facts; a Counter of exclusion reasons."""
    excluded: Counter = Counter()
    out = []
    if df is None or len(df) == 0:
        return out, excluded
    cols = set(df.columns)
    for row in df.to_dict("records"):
        kind = row.get("kind")
        if kind not in KINDS:
            excluded["percent" if kind == "percent" else f"kind:{kind}"] += 1
            continue
        v = _dec(row.get("value_exact")) if "value_exact" in cols else None
        if v is None:
            v = _dec(row.get("value"))
        if v is None or v <= 0:
            excluded["no positive value"] += 1
            continue
        text = str(row.get("text") or "")
        unit = str(row.get("unit") or "")
        rule = str(row.get("rule_id") or "")
        if YEAR_TEXT.match(text) or (kind == "count" and unit in ("年", "") and 1900 <= v <= 2100
                                     and v == v.to_integral_value()):
            excluded["year"] += 1
            continue
        if unit in ID_UNITS or re.search(r"(?:^|\.)(?:id|code|ident|number_code)", rule):
            excluded["identifier"] += 1
            continue
        d = row.get("decimals")
        written = None
        try:
            if d is not None and not (isinstance(d, float) and math.isnan(d)) and str(d) != "<NA>":
                w = v.scaleb(int(d))
                if w == w.to_integral_value():
                    written = w
        except (TypeError, ValueError, InvalidOperation):
            written = None
        out.append((v, written, row))
    return out, excluded


def first_digits(v: Decimal, n: int) -> int | None:
    digits = format(v.normalize(), "f").replace(".", "").lstrip("0")
    if len(digits) < n:
        digits = digits + "0" * (n - len(digits))
    return int(digits[:n]) if digits else None


def _digit_test(values: list[Decimal], name: str) -> dict:
    n_dig = 1 if name == "F1D" else 2
    rng = range(1, 10) if n_dig == 1 else range(10, 100)
    vals = [v for v in values if n_dig == 1 or v >= 10]
    counts = Counter(first_digits(v, n_dig) for v in vals)
    n = sum(counts[d] for d in rng)
    rows, mad, chi2 = [], 0.0, 0.0
    for d in rng:
        exp = math.log10(1 + 1 / d)
        obs = counts[d] / n if n else 0.0
        z = 0.0
        if n:
            z = max(0.0, abs(obs - exp) - 1 / (2 * n)) / math.sqrt(exp * (1 - exp) / n)
            chi2 += (counts[d] - n * exp) ** 2 / (n * exp)
        mad += abs(obs - exp)
        rows.append({"digits": d, "count": counts[d], "observed": obs, "expected": exp, "z": z})
    mad = mad / len(rows) if n else float("nan")
    cut = MAD_CUTOFFS[name]
    if not n:
        conf = "no data"
    elif mad <= cut[0]:
        conf = "close conformity"
    elif mad <= cut[1]:
        conf = "acceptable conformity"
    elif mad <= cut[2]:
        conf = "marginally acceptable conformity"
    else:
        conf = "nonconformity"
    c95, c99 = CHI2_CRIT[name]
    return {"test": name, "n": n, "digits": rows, "mad": mad, "conformity": conf, "mad_cutoffs": cut,
            "chi2": chi2, "chi2_crit95": c95, "chi2_crit99": c99,
            "z_over_1_96": [r["digits"] for r in rows if r["z"] > Z_CRIT[0]],
            "z_over_3_29": [r["digits"] for r in rows if r["z"] > Z_CRIT[2]],
            "underpowered": n < 1000}


def _last_two(written: list[Decimal]) -> dict:
    vals = [int(w) for w in written if w >= 10]
    n = len(vals)
    counts = Counter(v % 100 for v in vals)
    chi2 = sum((counts[k] - n / 100) ** 2 / (n / 100) for k in range(100)) if n else 0.0
    top = [{"digits": f"{k:02d}", "count": c, "observed": c / n} for k, c in counts.most_common(10)] if n else []
    return {"n": n, "chi2": chi2, "chi2_crit95": CHI2_CRIT["L2D"][0], "chi2_crit99": CHI2_CRIT["L2D"][1],
            "expected_each": 0.01, "top": top, "share_00": counts[0] / n if n else float("nan")}


def _round(written: list[Decimal]) -> dict:
    vals = [int(w) for w in written if w >= 1]
    n = len(vals)
    out: dict[str, Any] = {"n": n}
    for k in ROUND_DIVISORS:
        obs = sum(1 for v in vals if v % k == 0) / n if n else float("nan")
        out[f"div{k}"] = {"observed": obs, "expected": 1 / k}
    ends = [v % 10 for v in vals if v >= 10]
    out["whipple"] = (sum(1 for e in ends if e in (0, 5)) / len(ends) * 500) if ends else float("nan")
    return out


def _repeated(sel: list[tuple[Decimal, Decimal | None, dict]], top: int = 15) -> list[dict]:
    groups: dict[tuple[str, str, Decimal], list[dict]] = {}
    for v, _w, row in sel:
        sig = len(format(v.normalize(), "f").replace(".", "").strip("0"))
        if sig < (2 if row.get("kind") == "money" else 3):
            continue  # 60个, 5000万元: too common to be telling (Reference c5: ≥3 significant digits)
        groups.setdefault((str(row.get("kind")), str(row.get("unit") or ""), v.normalize()), []).append(row)
    ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), str(kv[0])))
    out = []
    for (kind, unit, v), rows in ranked[:top]:
        if len(rows) < 2:
            break
        out.append({"value": format(v, "f"), "unit": unit, "kind": kind, "count": len(rows),
                    "documents": len({r.get("doc_id") for r in rows}),
                    "examples": sorted({str(r.get("text")) for r in rows})[:3]})
    return out


def corpus_stats(facts_df: Any) -> dict:
    """All corpus tests over the money and count facts of ``facts_df``."""
    sel, excluded = select_values(facts_df)
    values = [v for v, _w, _r in sel]
    written = [w for _v, w, _r in sel if w is not None]
    return {
        "n_facts": 0 if facts_df is None else len(facts_df),
        "n_used": len(values),
        "documents": 0 if facts_df is None or "doc_id" not in getattr(facts_df, "columns", []) else int(facts_df["doc_id"].nunique()),
        "excluded": dict(excluded),
        "benford_f1d": _digit_test(values, "F1D"),
        "benford_f2d": _digit_test(values, "F2D"),
        "last_two": _last_two(written),
        "round_numbers": _round(written),
        "repeated": _repeated(sel),
    }


def format_stats(stats: dict) -> str:
    """Plain-text rendering for the command line."""
    L: list[str] = []
    L.append(f"Facts: {stats['n_facts']}  used (money+count, no years/percent/ids): {stats['n_used']}  "
             f"documents: {stats['documents']}")
    if stats["excluded"]:
        L.append("Excluded: " + ", ".join(f"{k} {v}" for k, v in sorted(stats["excluded"].items())))
    for key in ("benford_f1d", "benford_f2d"):
        t = stats[key]
        L.append("")
        L.append(f"Benford {t['test']} (N={t['n']}): MAD {t['mad']:.5f} → {t['conformity']} "
                 f"(cut-offs {t['mad_cutoffs']}); χ² {t['chi2']:.2f} (crit 95% {t['chi2_crit95']}, "
                 f"99% {t['chi2_crit99']})" + ("  [N<1000: underpowered, read as a signal]" if t["underpowered"] else ""))
        if t["test"] == "F1D":
            L.append("  digit  count  observed  expected      Z")
            for r in t["digits"]:
                flag = " *" if r["z"] > Z_CRIT[0] else ""
                L.append(f"  {r['digits']:>5}  {r['count']:>5}  {r['observed']:8.4f}  {r['expected']:8.4f}  {r['z']:5.2f}{flag}")
        else:
            L.append(f"  digits with Z>1.96: {t['z_over_1_96'][:20]}  Z>3.29: {t['z_over_3_29'][:20]}")
    lt = stats["last_two"]
    L.append("")
    L.append(f"Last two digits (written figures ≥10, N={lt['n']}): χ² {lt['chi2']:.1f} (99 dof; crit 95% "
             f"{lt['chi2_crit95']}, 99% {lt['chi2_crit99']}); share ending 00: "
             f"{lt['share_00']:.3f} (expected 0.010)")
    if lt["top"]:
        L.append("  most frequent endings: " + ", ".join(f"{t['digits']}:{t['count']}" for t in lt["top"]))
    rn = stats["round_numbers"]
    L.append("")
    L.append(f"Round numbers (written integers ≥1, N={rn['n']}): " + ", ".join(
        f"÷{k} {rn[f'div{k}']['observed']:.3f} (exp {rn[f'div{k}']['expected']:.3f})" for k in ROUND_DIVISORS))
    L.append(f"  Whipple-style heaping index on last digit 0/5: {rn['whipple']:.0f} (100 = none, 500 = all)")
    L.append("")
    L.append("Most repeated figures (value, unit: count in documents):")
    if not stats["repeated"]:
        L.append("  none repeated")
    for r in stats["repeated"]:
        L.append(f"  {r['value']} {r['unit']} ({r['kind']}): {r['count']}× in {r['documents']} doc(s), e.g. "
                 + " / ".join(r["examples"]))
    return "\n".join(L)

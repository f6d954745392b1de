"""Corpus plots for the review report: matplotlib (Agg canvas, no pyplot state), PNG as base64.

- facts per kind, findings per code;
- Benford first digit, observed vs expected, with the MAD and Nigrini's conformity band
  (../shared/REFERENCE.md c4: close ≤0.006, acceptable ≤0.012, marginal ≤0.015, else
  nonconformity; χ² 8 dof critical 15.507 at 95 %);
- last two digits of the figures as written (c5: uniform 1 % each for 00–99, numbers ≥10);
- targets vs outcomes for indicators that recur across years of one issuer.

When ``extractor.checks.stats`` offers the same statistics they are used instead of the local
computation, so the report and the checks never disagree.
"""
from __future__ import annotations

import base64
import io
import math
import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..model import KINDS, SEVERITIES, Fact
from .assets import KIND_COLOURS, SEVERITY_COLOURS
from .items import ReportItem

# Benford F1D: expected proportions log10(1 + 1/d) and Nigrini's MAD cut-offs (REFERENCE.md c4,
# from benford_py constants.mad_dict).
BENFORD_EXPECTED = [math.log10(1 + 1 / d) for d in range(1, 10)]
F1D_MAD_BANDS = [(0.006, "close conformity"), (0.012, "acceptable conformity"),
                 (0.015, "marginally acceptable conformity"), (math.inf, "nonconformity")]
F1D_CHI2_95 = 15.507          # 8 degrees of freedom
L2D_CHI2_95 = 123.225         # 99 degrees of freedom
BENFORD_KINDS = ("money", "quantity", "count")   # magnitudes; not percents, dates or durations
LAST_TWO_KINDS = ("money", "quantity", "count", "percent")
SMALL_SAMPLE = 300            # below this, Benford/last-digit tests are indicative only (c4)


@dataclass(slots=True)
class Plot:
    name: str
    title: str
    caption: str
    png: bytes
    stats: dict = field(default_factory=dict)

    @property
    def base64(self) -> str:
        return base64.b64encode(self.png).decode("ascii")


# ---------------------------------------------------------------- statistics (pure functions)

def first_digit(d: Decimal) -> int | None:
    """First significant digit of a positive number (12000000 → 1, 0.35 → 3)."""
    if d is None or not d.is_finite() or d <= 0:
        return None
    return int(d.scaleb(-d.adjusted()))


def mad_conformity(mad: float) -> str:
    for cut, label in F1D_MAD_BANDS:
        if mad <= cut:
            return label
    return F1D_MAD_BANDS[-1][1]


def benford_values(facts: Iterable[Fact]) -> list[Decimal]:
    return [f.value for f in facts
            if f.kind in BENFORD_KINDS and f.value is not None and f.value > 0]


def benford_first_digit(values: Iterable[Decimal]) -> dict:
    """Observed vs expected first-digit proportions, MAD, χ² and the conformity band."""
    digits = [d for d in (first_digit(v) for v in values) if d is not None]
    n = len(digits)
    counts = Counter(digits)
    observed = [counts.get(d, 0) / n if n else 0.0 for d in range(1, 10)]
    mad = sum(abs(o - e) for o, e in zip(observed, BENFORD_EXPECTED)) / 9 if n else None
    chi2 = (sum((counts.get(d, 0) - n * e) ** 2 / (n * e)
                for d, e in zip(range(1, 10), BENFORD_EXPECTED)) if n else None)
    return {"n": n, "counts": [counts.get(d, 0) for d in range(1, 10)], "observed": observed,
            "expected": list(BENFORD_EXPECTED), "mad": mad,
            "conformity": mad_conformity(mad) if mad is not None else "no data",
            "chi2": chi2, "chi2_critical_95": F1D_CHI2_95, "small_sample": n < SMALL_SAMPLE}


def written_integer(f: Fact) -> int | None:
    """The figure as written, as an integer of its significant digits: 1200万元 (value 12000000,
    decimals -4) → 1200; 7.5% → 75; 56.324千米 → 56324. None when it is not integral."""
    if f.value is None or not f.value.is_finite():
        return None
    v = abs(f.value)
    n = v.scaleb(f.decimals) if f.decimals is not None else v
    if n != n.to_integral_value():
        return None
    return int(n)


def last_two_digits(facts: Iterable[Fact]) -> dict:
    ints = [n for n in (written_integer(f) for f in facts if f.kind in LAST_TWO_KINDS)
            if n is not None and n >= 10]
    counts = Counter(n % 100 for n in ints)
    n = len(ints)
    chi2 = (sum((counts.get(k, 0) - n / 100) ** 2 / (n / 100) for k in range(100)) if n else None)
    top = counts.most_common(5)
    return {"n": n, "counts": [counts.get(k, 0) for k in range(100)], "chi2": chi2,
            "chi2_critical_95": L2D_CHI2_95, "top": top,
            "share_00": counts.get(0, 0) / n if n else None, "small_sample": n < SMALL_SAMPLE}


def _checks_stats():
    """The checks helper's statistics module when it is there (same figures as the checks)."""
    try:
        from ..checks import stats  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - optional collaborator
        return None
    return stats


def digit_stats(items: list[ReportItem]) -> tuple[dict, dict]:
    """(Benford F1D, last-two-digits) statistics for the corpus.

    With ``extractor.checks.stats.corpus_stats`` present, its selection of values (money and
    count, years/percentages/identifiers excluded) and its figures are used, so the report shows
    what ``extractor stats`` prints; otherwise the local functions above compute them."""
    facts = [f for it in items for f in it.facts]
    stats = _checks_stats()
    if stats is not None and hasattr(stats, "corpus_stats") and hasattr(stats, "select_values"):
        from ..table import facts_frame
        df = facts_frame(facts)
        cs = stats.corpus_stats(df)
        t = cs["benford_f1d"]
        n = int(t["n"])
        f1d = {"n": n, "counts": [int(r["count"]) for r in t["digits"]],
               "observed": [float(r["observed"]) for r in t["digits"]],
               "expected": [float(r["expected"]) for r in t["digits"]],
               "mad": float(t["mad"]) if n else None, "conformity": t["conformity"],
               "chi2": float(t["chi2"]) if n else None, "chi2_critical_95": t["chi2_crit95"],
               # the checks' own power flag (N < 1000) decides the "signal only" note
               "small_sample": bool(t.get("underpowered", n < SMALL_SAMPLE)),
               "selection": "money and count values "
               "(years, percentages and identifiers excluded)", "source": "extractor.checks.stats"}
        sel, _excluded = stats.select_values(df)
        ints = [int(w) for _v, w, _row in sel if w is not None and w >= 10]
        counts = Counter(k % 100 for k in ints)
        lt = cs["last_two"]
        l2d = {"n": len(ints), "counts": [counts.get(k, 0) for k in range(100)],
               "chi2": float(lt["chi2"]) if ints else None, "chi2_critical_95": lt["chi2_crit95"],
               "top": counts.most_common(5), "share_00": counts.get(0, 0) / len(ints) if ints else None,
               "small_sample": len(ints) < SMALL_SAMPLE, "selection": "written money and count "
               "figures ≥ 10", "source": "extractor.checks.stats"}
        return f1d, l2d
    f1d = benford_first_digit(benford_values(facts))
    f1d.update(selection="positive money, quantity and count values", source="extractor.report.plots")
    l2d = last_two_digits(facts)
    l2d.update(selection="written money, quantity, count and percent figures ≥ 10",
               source="extractor.report.plots")
    return f1d, l2d


# ---------------------------------------------------------------- recurring indicators

_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-9]\d)(?!\d)年?")


def issuer_of(source: str) -> str:
    """Issuer key from a file name: the name without folder, extension, collection prefix
    ('…__') and years: '…__2023年上海市政府工作报告.txt' → '上海市政府工作报告'.
    (The fallback when ``checks.corpus.issuer_of`` is absent; see ``issuer_key``.)"""
    name = source.replace("\\", "/").rsplit("/", 1)[-1]
    name = name.rsplit(".", 1)[0] if "." in name else name
    name = name.rsplit("__", 1)[-1]
    name = _YEAR.sub("", name)
    return name.strip(" _-·") or source


def issuer_key(source: str) -> str:
    """The cross-document checks' issuer key when they offer one (same grouping as their
    findings), else :func:`issuer_of`."""
    try:
        from ..checks.corpus import issuer_of as checks_issuer_of
    except ImportError:
        return issuer_of(source)
    return checks_issuer_of(source) or issuer_of(source)


def _year_of(item: ReportItem) -> int | None:
    y = item.document.get("report_year")
    if y:
        return int(y)
    m = _YEAR.search(item.source.replace("\\", "/").rsplit("/", 1)[-1])
    return int(m.group(1)) if m else None


def _fact_year(f: Fact, report_year: int | None) -> int | None:
    # The period's end year: 2023-01/2023-09 → 2023, and an open start ../2023-12 (截至12月) → 2023.
    years = re.findall(r"\d{4}", f.period or "")
    return int(years[-1]) if years else report_year


Series = dict  # (issuer, indicator, kind, unit, role) -> {"target": {year: Fact}, "outcome": {...}}


def series_by_subject(items: list[ReportItem]) -> Series:
    """Indicators keyed by the subject as written; the year is the fact's period when the facts
    stage resolved one, else the report year."""
    series: Series = defaultdict(lambda: {"target": {}, "outcome": {}})
    for item in items:
        ry = _year_of(item)
        issuer = issuer_key(item.source)
        for f in item.facts:
            if f.kind not in ("percent", "money", "quantity", "count") or not f.subject:
                continue
            if f.value is None and f.value_low is None and f.value_high is None:
                continue
            year = _fact_year(f, ry)
            if year is None:
                continue
            side = "target" if f.modality in ("planned", "expected") else "outcome"
            series[(issuer, f.subject, f.kind, f.unit, f.role)][side].setdefault(year, f)
    return series


def series_by_checks(items: list[ReportItem]) -> Series | None:
    """Indicators as the cross-document checks see them (``checks.corpus``: the indicator
    lexicon, its issuer key, target cues), so the plot shows the pairs that
    ``corpus.target_vs_outcome`` judges. A target belongs to its report's year; an outcome to
    its period, else to the year before its report (year N+1's report states year N's result).
    None when the checks stage does not offer it."""
    try:
        from ..checks.corpus import CorpusContext, label
    except ImportError:
        return None
    ctx = CorpusContext.build([(it.document, it.facts, it.text or "") for it in items])
    series: Series = defaultdict(lambda: {"target": {}, "outcome": {}})
    for d in ctx.docs:
        if d.year is None:
            continue
        for key, entries in d.growth.items():
            for f, is_target in entries:
                period = _fact_year(f, None)
                if is_target:
                    year, side = period or int(d.year), "target"
                else:
                    year, side = period or int(d.year) - 1, "outcome"
                series[(d.issuer, label(key), f.kind, f.unit, "")][side].setdefault(year, f)
    return series


def recurring_indicators(items: list[ReportItem], *, limit: int = 6) -> list[dict]:
    """Indicators of one issuer stated in at least two years, with a target (planned/expected)
    and an outcome for at least one same year; most paired years first. Uses the checks'
    indicator index when present and it finds any, else the subjects as written."""
    for series in (series_by_checks(items), series_by_subject(items)):
        if not series:
            continue
        out = []
        for key, s in series.items():
            years = set(s["target"]) | set(s["outcome"])
            paired = sorted(set(s["target"]) & set(s["outcome"]))
            if len(years) >= 2 and paired:   # at least one year with a target and an outcome
                out.append({"issuer": key[0], "subject": key[1], "kind": key[2], "unit": key[3],
                            "role": key[4], "years": sorted(years), "paired": paired,
                            "target": s["target"], "outcome": s["outcome"]})
        if out:
            out.sort(key=lambda r: (-len(r["paired"]), -len(r["years"]), r["subject"]))
            return out[:limit]
    return []


# ---------------------------------------------------------------- drawing

@lru_cache(maxsize=1)
def cjk_fonts() -> tuple[str, ...]:
    """Font families with CJK glyphs that matplotlib can use (adds system fonts it missed)."""
    from matplotlib import font_manager
    wanted = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC",
              "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei",
              "PingFang SC", "AR PL UMing CN")
    names = {f.name for f in font_manager.fontManager.ttflist}
    if not any(w in names for w in wanted):
        for path in font_manager.findSystemFonts():
            low = path.lower()
            if any(t in low for t in ("notosanscjk", "wqy", "sourcehansans", "simhei", "msyh")):
                try:
                    font_manager.fontManager.addfont(path)
                except Exception:  # noqa: BLE001 - an unreadable font file is not our problem
                    continue
        names = {f.name for f in font_manager.fontManager.ttflist}
    return tuple(w for w in wanted if w in names)


def _figure(w: float, h: float) -> Figure:
    fig = Figure(figsize=(w, h), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # missing-glyph warnings when no CJK font is installed
        fig.savefig(buf, format="png")
    return buf.getvalue()


def _rc():
    import matplotlib
    return matplotlib.rc_context({
        # an explicit list: matplotlib falls back glyph by glyph only along font.family itself
        "font.family": ["DejaVu Sans", *cjk_fonts()],
        "axes.spines.top": False, "axes.spines.right": False, "axes.titlesize": 11,
        "axes.titleweight": "bold", "axes.labelsize": 9.5, "xtick.labelsize": 8.5,
        "ytick.labelsize": 8.5, "axes.grid": True, "grid.alpha": 0.25, "grid.linewidth": 0.6,
    })


def _note(ax, text: str) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=10, color="#4b5563",
            transform=ax.transAxes)


def plot_counts(items: list[ReportItem]) -> Plot:
    kinds = Counter(f.kind for it in items for f in it.facts)
    codes = Counter((a.code, a.severity) for it in items for a in it.anomalies)
    with _rc():
        fig = _figure(9.5, 4.2)
        ax1, ax2 = fig.subplots(1, 2, width_ratios=[1, 1.6])
        ks = list(KINDS)
        vals = [kinds.get(k, 0) for k in ks]
        bars = ax1.bar(ks, vals, color=[KIND_COLOURS[k] for k in ks], edgecolor="#6b7280", linewidth=0.6)
        ax1.bar_label(bars, fontsize=8)
        ax1.set_title("Facts per kind")
        ax1.tick_params(axis="x", rotation=30)
        ax1.grid(axis="x", visible=False)
        if codes:
            code_tot = Counter()
            sev_of = {}
            for (c, s), n in codes.items():
                code_tot[c] += n
                if c not in sev_of or SEVERITIES.index(s) < SEVERITIES.index(sev_of[c]):
                    sev_of[c] = s if s in SEVERITIES else "info"
            top = code_tot.most_common(14)[::-1]
            labels = [c for c, _ in top]
            b2 = ax2.barh(labels, [n for _, n in top], height=0.6 if len(labels) > 3 else 0.35,
                          color=[SEVERITY_COLOURS.get(sev_of[c], "#9ca3af") for c in labels])
            ax2.bar_label(b2, fontsize=8, padding=2)
            ax2.set_title("Findings per code (colour = worst severity)")
            ax2.grid(axis="y", visible=False)
            ax2.tick_params(axis="y", labelsize=8)
        else:
            ax2.set_title("Findings per code")
            _note(ax2, "no findings")
        png = _png(fig)
    return Plot("counts", "Facts per kind · findings per code",
                f"{sum(kinds.values())} facts and {sum(codes.values())} findings in "
                f"{len(items)} document(s).", png,
                {"kinds": dict(kinds), "codes": {f"{c}|{s}": n for (c, s), n in codes.items()}})


def plot_benford(items: list[ReportItem], st: dict | None = None) -> Plot:
    st = st if st is not None else digit_stats(items)[0]
    with _rc():
        fig = _figure(7.6, 4.6)
        ax, band = fig.subplots(2, 1, height_ratios=[4, 0.7])
        x = list(range(1, 10))
        ax.bar(x, st["observed"], color="#93c5fd", edgecolor="#1d4ed8", linewidth=0.6, label="observed")
        ax.plot(x, st["expected"], "o-", color="#dc2626", markersize=4, linewidth=1.4,
                label="Benford expected")
        ax.set_xticks(x)
        ax.set_xlabel("first digit")
        ax.set_ylabel("proportion")
        ax.legend(frameon=False, fontsize=8.5)
        title = f"Benford first digit (N = {st['n']})"
        ax.set_title(title)
        # conformity band: the MAD against Nigrini's F1D cut-offs
        edges = [0, 0.006, 0.012, 0.015, 0.025]
        colours = ["#86efac", "#fde68a", "#fdba74", "#fca5a5"]
        labels = ["close", "acceptable", "marginal", "nonconformity"]
        for (a, b), c, lab in zip(zip(edges, edges[1:]), colours, labels):
            band.barh(0, b - a, left=a, color=c, height=1)
            band.text((a + b) / 2, 0, lab, ha="center", va="center", fontsize=7.5)
        band.set_xlim(0, edges[-1])
        band.set_yticks([])
        band.grid(False)
        band.set_xlabel("MAD (first digit)", fontsize=8)
        if st["mad"] is not None:
            band.axvline(min(st["mad"], edges[-1] * 0.995), color="#111827", linewidth=2.2)
            band.set_title(f"MAD = {st['mad']:.4f} → {st['conformity']}"
                           + ("  (small sample: indicative only)" if st["small_sample"] else ""),
                           fontsize=8.5, loc="left", fontweight="normal")
        else:
            band.set_title("no usable amounts", fontsize=8.5, loc="left", fontweight="normal")
        png = _png(fig)
    chi = (f"; χ² = {st['chi2']:.1f} (8 dof, 95 % critical {st['chi2_critical_95']})"
           if st["chi2"] is not None else "")
    cap = (f"First significant digit of {st['n']} {st['selection']}. "
           f"MAD = {st['mad']:.4f}, {st['conformity']} (Nigrini F1D cut-offs 0.006/0.012/0.015){chi}."
           if st["mad"] is not None else "No positive amounts to test.")
    if st["small_sample"] and st["n"]:
        cap += " Too few values for Benford tests to have power: read as a signal only."
    return Plot("benford", "Benford first-digit test", cap, png, st)


def plot_last_two(items: list[ReportItem], st: dict | None = None) -> Plot:
    st = st if st is not None else digit_stats(items)[1]
    with _rc():
        fig = _figure(9.5, 3.8)
        ax = fig.subplots()
        n = st["n"]
        props = [c / n if n else 0 for c in st["counts"]]
        colours = ["#f87171" if k % 10 == 0 else "#a5b4fc" for k in range(100)]
        ax.bar(range(100), props, color=colours, width=0.85)
        ax.axhline(0.01, color="#111827", linewidth=1, linestyle="--", label="expected 1 %")
        ax.set_xlim(-1, 100)
        ax.set_xticks(range(0, 100, 10), [f"{k:02d}" for k in range(0, 100, 10)])
        ax.set_xlabel("last two digits of the figure as written (numbers ≥ 10; red = multiples of 10)")
        ax.set_ylabel("proportion")
        ax.set_title(f"Last-two-digits test (N = {n})")
        ax.legend(frameon=False, fontsize=8.5)
        png = _png(fig)
    top = ", ".join(f"{k:02d}×{c}" for k, c in st["top"])
    cap = (f"{n} {st['selection']} by their last two digits. "
           + (f"χ² = {st['chi2']:.1f} (99 dof, 95 % critical {st['chi2_critical_95']}); " if n else "")
           + (f"share ending in 00: {st['share_00']:.0%}; most frequent: {top}. " if n else "")
           + "Spikes mean rounding, invented or copied figures; with small N read as a signal only.")
    return Plot("last_two", "Last-two-digits distribution", cap, png, st)


def plot_targets(items: list[ReportItem]) -> Plot:
    rec = recurring_indicators(items)
    with _rc():
        if not rec:
            fig = _figure(7.6, 2.6)
            ax = fig.subplots()
            _note(ax, "No recurring indicator found: targets vs outcomes need reports of one issuer\n"
                      "for two or more years that state the same indicator (subject, unit).\n"
                      "未发现同一发文单位跨年度重复出现的指标。")
            png = _png(fig)
            return Plot("targets", "Targets vs outcomes",
                        "No indicator recurs across years of one issuer in these documents.", png,
                        {"indicators": 0})
        cols = 2 if len(rec) > 1 else 1
        rows = math.ceil(len(rec) / cols)
        fig = _figure(9.5, 2.6 * rows + 0.4)
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        for ax, r in zip(axes, rec):
            top = max(abs(float(_mid(f))) for side in ("target", "outcome")
                      for f in r[side].values())
            scale, word = (1e8, "亿") if top >= 1e8 else (1e4, "万") if top >= 1e4 else (1, "")
            for side, colour, marker, style, dx in (("target", "#d97706", "s", "--", -0.08),
                                                    ("outcome", "#1d4ed8", "o", "-", 0.08)):
                pts = r[side]
                ys = sorted(pts)
                vals = [float(_mid(pts[y])) / scale for y in ys]
                lo = [max(0.0, float(_mid(pts[y]) - _side(pts[y].value_low, _mid(pts[y])))) / scale
                      for y in ys]
                hi = [max(0.0, float(_side(pts[y].value_high, _mid(pts[y])) - _mid(pts[y]))) / scale
                      for y in ys]
                ax.errorbar([y + dx for y in ys], vals, yerr=[lo, hi], fmt=marker + style,
                            color=colour, capsize=3, markersize=5, linewidth=1, label=side)
            unit = f"{word}{r['unit'] or r['kind']}" if word else (r["unit"] or r["kind"])
            ax.set_title(f"{r['issuer'][:14]} · {r['subject'][:16]} ({unit})", fontsize=9.5)
            ax.set_xticks(r["years"])
            ax.legend(frameon=False, fontsize=7.5)
        for ax in axes[len(rec):]:
            ax.set_axis_off()
        png = _png(fig)
    return Plot("targets", "Targets vs outcomes",
                f"{len(rec)} indicator(s) stated in several years of one issuer: targets (planned/"
                "expected, with their interval) against outcomes (actual).", png,
                {"indicators": len(rec)})


def _side(d: Decimal | None, default: Decimal) -> Decimal:
    return default if d is None else d


def _mid(f: Fact) -> Decimal:
    if f.value is not None:
        return f.value
    if f.value_low is not None and f.value_high is not None:
        return (f.value_low + f.value_high) / 2
    return f.value_low if f.value_low is not None else f.value_high


def corpus_plots(items: list[ReportItem]) -> list[Plot]:
    f1d, l2d = digit_stats(items)
    return [plot_counts(items), plot_benford(items, f1d), plot_last_two(items, l2d),
            plot_targets(items)]

"""``explain(text)``: which number rules fired on a text, the candidates, the rejected ones and
why (cue missing, negative lexicon, code boundary, jieba boundary, overlap), and the final facts
(numbers, dates and durations) — the trace behind ``extractor explain`` (Duckling's Debug.hs).

>>> print(explain("奖金设置近40万，吸引了近800件作品。").splitlines()[0])
explain: 奖金设置近40万，吸引了近800件作品。
"""
from __future__ import annotations

from .engine import Trace, find_number_facts
from .ruleset import load_ruleset


#: fields shown after the fixed ones when they are set, in this order
_OPTIONAL_FIELDS = ("qualifiers", "scale", "role", "date", "subject", "modality")


def _fmt_fact(f) -> str:
    lo = "(" if f.low_open else "["
    hi = ")" if f.high_open else "]"
    interval = f"{lo}{f.value_low}, {f.value_high}{hi}"
    extra = [f"{name}={getattr(f, name)}" for name in _OPTIONAL_FIELDS if getattr(f, name)]
    return (f"{f.kind:<8} {f.text!r:<18} [{f.start}:{f.end}] value={f.value} {interval} "
            f"decimals={f.decimals} approx={f.approx} unit={f.unit} rule={f.rule_id}"
            + (" " + " ".join(extra) if extra else ""))


def explain(text: str, report_year: int | None = None) -> str:
    """A readable trace of the extraction of ``text`` (clean-text offsets for candidates)."""
    from . import extract_facts, prepare_text

    prepared = prepare_text(text, report_year)
    rs = load_ruleset()
    trace = Trace()
    find_number_facts(prepared.clean.text, rs, words=prepared.words, trace=trace)
    lines = [f"explain: {text}", f"rules version {rs.version}; report year {prepared.report_year}"]
    if prepared.clean.text != text:
        lines.append(f"clean text: {prepared.clean.text}")
    lines.append("")
    lines.append("candidates (rule → span → fate):")
    if not trace.candidates:
        lines.append("  (none: no numeral run is followed by a unit, currency, % or range)")
    for c in sorted(trace.candidates, key=lambda c: (c.start, -(c.end - c.start))):
        fate = "kept" if not c.reason else f"rejected: {c.reason}"
        lines.append(f"  {c.rule.id:<22} {c.text!r:<20} [{c.start}:{c.end}] {fate}")
    facts = extract_facts(prepared)
    lines.append("")
    lines.append("facts (decoded offsets, after the merge with dates/durations):")
    if not facts:
        lines.append("  (none)")
    for f in facts:
        lines.append("  " + _fmt_fact(f))
    return "\n".join(lines)

"""Properties of the date scanner on arbitrary text: no crash, exact spans, valid ISO forms."""
from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from extractor.facts.dates import scan

ALPHABET = ("0123456789年月日号季度上下半前第今去明本首底末初旬中至到-—~和与之间个天周小时分钟星期工作多余近约以上内来"
            "十一二两三四五六七八九〇百千万.:/“”规划，。\n ")
POINT = r"(?:\d{4}|XXXX)(?:-\d\d(?:-\d\d)?)?"
ISO = re.compile(rf"^{POINT}(?:/{POINT})?$")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40), st.sampled_from([2023, 1998, None]))
@example("1-9月份，2023年8月16日至今，为期一百天，近两年", 2023)   # a range, a day, durations
def test_scan_spans_and_iso(text: str, year) -> None:
    last_end = -1
    for h in scan(text, year):
        assert text[h.start:h.end] == h.text and h.start < h.end
        assert h.start >= last_end            # no overlaps, text order
        last_end = h.end
        if h.kind == "date":
            assert ISO.match(h.date), h.date
            a, _, b = h.date.partition("/")
            if b and "XXXX" not in h.date:
                assert a <= b
            m = re.search(r"-(\d\d)(?:-(\d\d))?$", a)
            if m:
                assert 1 <= int(m.group(1)) <= 12
        else:
            assert h.kind == "duration" and h.unit
            assert h.value is not None or h.approx == "range"

"""The store's columns built from buffers (``store._strings``) hold exactly what
``pa.array(values, pa.string())`` would (None as ""), whatever the texts: ASCII, CJK, characters
outside the BMP, empty texts, few long texts repeated (the distinct-text path) or all distinct."""
from __future__ import annotations

import random

import pyarrow as pa
import pytest

from extractor.batch.store import _strings

_ALPHABET = "ab0.-_ 中文报告亿元％\u3000\u00e9\U0001f600\U00020000\n\"',"


def _reference(values):
    return pa.array(["" if v is None else v for v in values], pa.string())


def _random_texts(rng, n, longest):
    return ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, longest)))
            for _ in range(n)]


@pytest.mark.parametrize("seed", range(40))
def test_strings_equal_pa_array(seed):
    rng = random.Random(seed)
    n = rng.choice([0, 1, 2, 7, 50, 300])
    longest = rng.choice([0, 3, 20, 80])
    pool = _random_texts(rng, rng.choice([1, 2, 5, n or 1]), longest)
    values = [rng.choice(pool) for _ in range(n)]            # repeated texts (a source column)
    if rng.random() < 0.3:
        values = _random_texts(rng, n, longest)              # all distinct
    if rng.random() < 0.3 and n:
        values[rng.randrange(n)] = None
    if rng.random() < 0.3:
        values = [v.encode("ascii", "ignore").decode() if v else v for v in values]
    got = _strings(values)
    assert got.type == pa.string() and got.null_count == 0
    assert got.to_pylist() == _reference(values).to_pylist()


def test_long_repeated_texts_take_the_distinct_path():
    src = "/work/shared/corpus/raw/2018年国务院政府工作报告.txt"
    values = [src] * 40 + ["其他报告" * 10] * 20
    assert _strings(values).to_pylist() == values


def test_a_value_that_is_not_text_raises():
    with pytest.raises(TypeError):
        _strings(["a", 1])
    with pytest.raises(TypeError):
        _strings(["a", None, 2])
    with pytest.raises(UnicodeError):
        _strings(["a", "\ud800"])


@pytest.mark.parametrize("seed", range(30))
def test_packed_text_parts_equal_pa_array(seed):
    """A text column of parts packed by fact_columns (Texts, Same) and plain lists, texts
    holding the separator or not: the values pa.array gives (None as "")."""
    from extractor.batch.store import _column
    from extractor.table import SEP, Same, _pack_texts

    rng = random.Random(seed)
    parts, values = [], []
    for _ in range(rng.randint(1, 6)):
        n = rng.choice([1, 2, 5, 40])
        pool = _random_texts(rng, rng.choice([1, 3, n]), rng.choice([0, 4, 30]))
        if rng.random() < 0.1:
            pool.append("x" + SEP)
        vals = [rng.choice(pool) for _ in range(n)]
        kind = rng.choice(["packed", "list", "same"])
        part = (_pack_texts(tuple(vals), n) if kind == "packed" else Same(vals[0], n)
                if kind == "same" else vals)
        parts.append(part)
        values += list(part)
    got = _column(parts, pa.string(), "text", {})
    assert got.type == pa.string() and got.to_pylist() == _reference(values).to_pylist()


def test_parsed_floats_read_the_cast_at_its_own_offset(monkeypatch):
    """store._parsed reads the cast's doubles off its buffer: at the array's offset in elements
    (8 bytes each), not in bytes. Arrow's cast returns offset 0 today; a cast answering with a
    slice (a later pyarrow) must give the same floats."""
    import pyarrow.compute as pc

    from extractor.batch import store

    exact = pa.array(["1.5", "", "-2", "3e2"])
    want = store._parsed(exact)
    real_cast = pc.cast

    def sliced_cast(values, target):       # the same doubles, one slot into a longer buffer
        return pa.concat_arrays([pa.array([7.25]), real_cast(values, target)])[1:]

    monkeypatch.setattr(pc, "cast", sliced_cast)
    got = store._parsed(exact)
    assert got.to_pylist() == want.to_pylist() == [1.5, None, -2.0, 300.0]

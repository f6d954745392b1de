"""Whatever the bytes, reading gives a Document or a ReadError naming the file: no OSError,
UnicodeError, zipfile/lxml/pypdf exception ever escapes (hypothesis fuzzing of real documents)."""
from __future__ import annotations


import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor.errors import ReadError
from extractor.model import Document
from extractor.reading import read_bytes

from ._writers import write_docx, write_pdf

SAMPLE_LINES = [
    "1、创客空间成功开园。工程完成投资1200万元",
    "2、,已预付650万元,并于8月16日正式开园运营,目前已引进企业35家,年内创税将达340万元。",
    "全年实现地区生产总值1349.08亿元，同比增长5.2%。",
]


def _check(data: bytes, suffix: str) -> None:
    name = f"fuzz{suffix}"
    try:
        doc = read_bytes(data, source=name, suffix=suffix)
    except ReadError as exc:
        assert str(exc).startswith(f"{name}: ") and exc.reason
        return
    assert isinstance(doc, Document) and isinstance(doc.text, str)
    for page in doc.pages:
        assert 0 <= page.start <= page.end <= len(doc.text)


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("fuzz")
    html = ("<html><head><meta charset=gb2312><script>x</script></head><body>"
            + "".join(f"<p>{line}</p>" for line in SAMPLE_LINES) + "</body></html>")
    return {
        ".docx": write_docx(folder / "a.docx", SAMPLE_LINES).read_bytes(),
        ".pdf": write_pdf(folder / "a.pdf", [SAMPLE_LINES[:2], SAMPLE_LINES[2:]]).read_bytes(),
        ".html": html.encode("gb18030"),
        ".txt": "\n".join(SAMPLE_LINES).encode("gb18030"),
    }


_FUZZ = settings(max_examples=60, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])


@_FUZZ
@given(data=st.binary(min_size=0, max_size=2048),
       suffix=st.sampled_from([".txt", ".docx", ".html", ".pdf", ".md", ""]))
def test_random_bytes(data: bytes, suffix: str) -> None:
    _check(data, suffix)


@_FUZZ
@given(suffix=st.sampled_from([".docx", ".pdf", ".html", ".txt"]),
       edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                      min_size=1, max_size=12),
       cut=st.floats(0.05, 1.0))
def test_damaged_real_documents(documents: dict[str, bytes], suffix: str,
                                edits: list[tuple[float, int]], cut: float) -> None:
    data = bytearray(documents[suffix])
    for where, value in edits:
        data[int(where * len(data))] = value
    _check(bytes(data[: max(1, int(cut * len(data)))]), suffix)


def test_non_bytes_input_is_a_read_error() -> None:
    with pytest.raises(ReadError, match="expected bytes"):
        read_bytes("已经是字符串", source="s.txt", suffix=".txt")  # type: ignore[arg-type]

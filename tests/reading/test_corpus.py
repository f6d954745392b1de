"""Every real report in ../shared/corpus/raw reads without error, with the encoding its
MANIFEST.tsv implies, and its text is exactly the file's characters."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from extractor.reading import read


@pytest.fixture(scope="module")
def manifest(shared_dir: Path) -> dict[str, dict[str, str]]:
    path = shared_dir / "corpus" / "MANIFEST.tsv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


def _implied_encoding(found: str, data: bytes) -> str:
    """MANIFEST's encoding_found describes the source; every raw file was written as UTF-8 text
    (DOCX XML, pdftotext output, JSON and CSV fields all say UTF-8)."""
    assert "utf-8" in found.lower(), found
    return "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"


def test_every_raw_file_reads_with_the_manifest_encoding(corpus_files: list[Path],
                                                         manifest: dict) -> None:
    assert {p.name for p in corpus_files} == set(manifest)
    for path in corpus_files:
        data = path.read_bytes()
        doc = read(path)
        assert doc.encoding == _implied_encoding(manifest[path.name]["encoding_found"], data), \
            path.name
        assert doc.text == data.decode(doc.encoding)
        assert doc.sha256 == hashlib.sha256(data).hexdigest()
        assert doc.doc_id == doc.sha256[:16]
        assert doc.format == "txt" and doc.source == str(path)
        if "\f" not in doc.text:
            assert doc.pages == []


def test_pdftotext_files_have_their_pages(corpus_files: list[Path], manifest: dict) -> None:
    pdf = [p for p in corpus_files if "pdftotext" in manifest[p.name]["encoding_found"]]
    assert len(pdf) == 2
    for path in pdf:
        doc = read(path)
        assert doc.text.endswith("\f")
        assert [p.number for p in doc.pages] == [1, 2, 3, 4, 5]
        assert doc.pages[0].start == 0 and doc.pages[-1].end == len(doc.text)
        for page in doc.pages:
            assert doc.text[page.end - 1] == "\f"
            assert "\f" not in doc.text[page.start:page.end - 1]
        # pdftotext puts the printed page footer "-N-" at the end of page N
        for page in doc.pages:
            assert doc.text[page.start:page.end].rstrip().endswith(f"-{page.number}-")


def test_doc_ids_are_distinct(corpus_files: list[Path]) -> None:
    ids = [read(p).doc_id for p in corpus_files]
    assert len(set(ids)) == len(ids)


def test_raw_html_reports_read_as_html(corpus_files: list[Path]) -> None:
    """The corpus keeps five statistics-bureau pages as raw HTML (saved as .txt): read as .html,
    they give their visible text — titles, paragraphs, table rows — and no markup."""
    from extractor.reading import read_bytes

    pages = [p for p in corpus_files if p.name.endswith("_rawhtml.txt")]
    assert len(pages) == 5
    texts = {p.name.split("__")[1]: read_bytes(p.read_bytes(), source=p.name, suffix=".html").text
             for p in pages}
    for name, text in texts.items():
        assert "<" not in text and "style=" not in text and "&nbsp;" not in text, name
        if "统计表" not in name:  # the table page has no title of its own
            assert text.split("\n")[0] == name.removesuffix("_rawhtml.txt")
    bulletin = texts["2012年大庆市国民经济和社会发展统计公报_rawhtml.txt"].split("\n")
    assert bulletin[1:4] == ["大庆市统计局", "国家统计局大庆调查队", "（2013年3月20日）"]
    table = texts["大庆市月度金融外贸统计表_rawhtml.txt"].split("\n")
    assert table[2] == "指 标\t3月末\t比年初增减额\t4月末\t比年初增减额\t5月末\t比年初增减额"
    assert table[3].startswith("金融机构本外币存款余额\t2291.6\t34.8\t2262.5\t5.7")
    analysis = texts["上半年全市经济运行情况分析_rawhtml.txt"]
    assert "上半年全市实现地区生产总值（GDP）1228亿元，同比增长1.5%" in analysis

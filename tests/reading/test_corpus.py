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

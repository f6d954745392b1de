"""Fixtures for the text tests: documents read with extractor.reading when it is importable,
else decoded as UTF-8 (BOM stripped) — the corpus files are UTF-8."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from extractor.model import Document


def _fallback(path: Path) -> Document:
    data = path.read_bytes()
    text = data.decode("utf-8-sig")
    h = hashlib.sha256(data).hexdigest()
    return Document(doc_id=h[:16], source=str(path), sha256=h, encoding="utf-8", text=text)


def read_document(path: Path) -> Document:
    try:
        from extractor.reading import read
    except ImportError:
        return _fallback(path)
    return read(path)


@pytest.fixture(scope="session")
def read_doc():
    return read_document


@pytest.fixture(scope="session")
def sample_doc(sample_path: Path) -> Document:
    return read_document(sample_path)


@pytest.fixture(scope="session")
def sample_prepared(sample_doc: Document):
    from extractor.text import prepare

    return prepare(sample_doc)


@pytest.fixture(scope="session")
def corpus_prepared(corpus_files):
    """(path, Prepared) for every corpus file, prepared once per test session."""
    from extractor.text import prepare

    return [(p, prepare(read_document(p))) for p in corpus_files]

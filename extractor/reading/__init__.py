"""Reading: a file (or its bytes) → ``Document`` with the decoded text exactly as in the file.

    read(path, *, source=None) -> Document
    read_bytes(data, *, source, suffix) -> Document

Every failure is a ``ReadError(source, reason)`` whose message names the file and the reason;
no OSError, UnicodeError, zipfile or parser error escapes. The reader is chosen by suffix:

- ``.docx`` → paragraphs and table rows in document order (``docx_reader``), encoding "docx";
- ``.html``/``.htm``/``.xhtml`` → visible text, one line per block (``html_reader``);
- ``.pdf`` → text layer, pages joined by "\\f" (``pdf_reader``), encoding "pdf";
- anything else (``.txt``, ``.md``, ``.csv``, no suffix …) → text (``encoding``): BOM, UTF-8,
  GB18030/GBK, Big5, UTF-16; line ends kept, BOM stripped; pages from form feeds (``pages``).

``Document.doc_id`` is the first 16 hex digits of the SHA-256 of the file's bytes.

Limits (``Limits``; the default instance is ``DEFAULT_LIMITS``, its input size can also be set
with the environment variable ``EXTRACTOR_MAX_INPUT_BYTES``): input size, .docx expansion, PDF
page count. A 50 MB text file without a single line break is ordinary input.
"""
from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ReadError
from ..model import Document, Page
from .docx_reader import ZipLimits, read_docx
from .encoding import decode_text
from .html_reader import decode_html, html_to_text
from .pages import formfeed_pages, joined_pages
from .pdf_reader import read_pdf_pages

__all__ = ["read", "read_bytes", "Limits", "DEFAULT_LIMITS", "ReadError", "SUFFIX_FORMATS"]

SUFFIX_FORMATS = {".docx": "docx", ".html": "html", ".htm": "html", ".xhtml": "html",
                  ".pdf": "pdf"}


def _env_max_bytes() -> int:
    value = os.environ.get("EXTRACTOR_MAX_INPUT_BYTES", "")
    try:
        return int(value) if value.strip() else 200 * 1024 * 1024
    except ValueError:
        return 200 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    max_input_bytes: int = field(default_factory=_env_max_bytes)
    zip: ZipLimits = field(default_factory=ZipLimits)
    max_pdf_pages: int = 10_000


DEFAULT_LIMITS = Limits()


def read(path: str | os.PathLike[str], *, source: str | None = None,
         limits: Limits | None = None) -> Document:
    """Read one file. ``source`` (default: the path as given) is recorded and named in errors."""
    limits = limits or DEFAULT_LIMITS
    src = source if source is not None else os.fspath(path)
    data = _read_file_bytes(Path(path), src, limits)
    return read_bytes(data, source=src, suffix=Path(path).suffix, limits=limits)


def read_bytes(data: bytes, *, source: str, suffix: str, limits: Limits | None = None) -> Document:
    """Read a file's bytes as if from a file named with ``suffix`` (".txt", "docx", …)."""
    limits = limits or DEFAULT_LIMITS
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ReadError(source, f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise ReadError(source, "empty file")
    if len(data) > limits.max_input_bytes:
        raise ReadError(source, f"file is {len(data)} bytes, above the input limit of "
                                f"{limits.max_input_bytes} bytes")
    suffix = suffix.lower()
    if suffix and not suffix.startswith("."):
        suffix = "." + suffix
    fmt = SUFFIX_FORMATS.get(suffix, "txt")
    digest = hashlib.sha256(data).hexdigest()

    pages: list[Page] = []
    try:
        if fmt == "docx":
            text, encoding = read_docx(data, source=source, limits=limits.zip), "docx"
        elif fmt == "pdf":
            page_texts = read_pdf_pages(data, source=source, max_pages=limits.max_pdf_pages)
            text, pages = joined_pages(page_texts)
            encoding = "pdf"
        elif fmt == "html":
            decoded = decode_html(data, source=source)
            text, encoding = html_to_text(decoded.text, source=source), decoded.encoding
        else:
            decoded = decode_text(data, source=source)
            text, encoding = decoded.text, decoded.encoding
            pages = formfeed_pages(text)
    except ReadError:
        raise
    except (UnicodeError, LookupError, OSError, ValueError, MemoryError, RecursionError) as exc:
        raise ReadError(source, f"cannot read {fmt} content: {type(exc).__name__}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - last net: a parser bug must not stop a batch
        raise ReadError(source, f"unexpected error reading the {fmt} file: "
                                f"{type(exc).__name__}: {exc}") from None
    if fmt != "txt" and not text.strip():
        raise ReadError(source, f"no text in the {fmt} file")
    if not text:
        raise ReadError(source, "empty file (nothing after the byte-order mark)")
    return Document(doc_id=digest[:16], source=source, sha256=digest, encoding=encoding,
                    text=text, format=fmt, pages=pages)


def _read_file_bytes(path: Path, source: str, limits: Limits) -> bytes:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ReadError(source, "no such file") from None
    except PermissionError:
        raise ReadError(source, "permission denied") from None
    except (OSError, ValueError) as exc:
        raise ReadError(source, f"cannot access the file: {_os_reason(exc)}") from None
    if stat.S_ISDIR(st.st_mode):
        raise ReadError(source, "is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise ReadError(source, "not a regular file (device, pipe or socket)")
    if st.st_size > limits.max_input_bytes:
        raise ReadError(source, f"file is {st.st_size} bytes, above the input limit of "
                                f"{limits.max_input_bytes} bytes")
    try:
        with open(path, "rb") as fh:
            # ask for the size the file has (+1): a read of the limit allocates a buffer of that
            # size (200 MB) for every file; a file that grew since stat() is read on up to the
            # limit (+1) as before
            want = min(st.st_size, limits.max_input_bytes) + 1
            data = fh.read(want)
            if len(data) == want and want <= limits.max_input_bytes:
                data += fh.read(limits.max_input_bytes + 1 - want)
    except PermissionError:
        raise ReadError(source, "permission denied") from None
    except IsADirectoryError:
        raise ReadError(source, "is a directory, not a file") from None
    except (OSError, ValueError) as exc:
        raise ReadError(source, f"cannot read the file: {_os_reason(exc)}") from None
    if len(data) > limits.max_input_bytes:
        raise ReadError(source, f"file grew above the input limit of {limits.max_input_bytes} "
                                "bytes while being read")
    return data


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc)

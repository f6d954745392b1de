"""The project's own exceptions.

Every error a user can meet names the file (or rule file and line) and the reason, so a batch
can log it, record it in the documents table and go on with the next file.
"""
from __future__ import annotations


class ExtractorError(Exception):
    """Base class: ``path`` is the input the error is about, ``reason`` one plain sentence."""

    code = "E000"

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path) if path is not None else ""
        self.reason = reason
        super().__init__(f"{self.path}: {reason}" if self.path else reason)


class ReadError(ExtractorError):
    """A file could not be read or decoded (missing, empty, binary, scanned PDF, bomb …)."""

    code = "E100"


class RuleFileError(ExtractorError):
    """A file in rules/ is malformed; ``path`` carries ``file:line`` where known."""

    code = "R001"


class CheckError(ExtractorError):
    """A consistency check raised; only re-raised under --strict, otherwise an info finding."""

    code = "E300"


class DocumentTimeout(ExtractorError):
    """A document exceeded the per-document time limit."""

    code = "E400"

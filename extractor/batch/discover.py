"""Finding the input files of a batch: files as given, directories walked recursively.

- supported suffixes inside directories: .txt .docx .html .htm .pdf (case-insensitive); Markdown
  is not walked, so a folder's README.md is not taken for a report (corpora/README.md); a file
  named explicitly on the command line is always taken (the reader decides);
- hidden files and folders (name starting with ".") are skipped;
- symlinked folders are followed once: a folder already visited (same device and inode) is not
  entered again, so symlink loops end;
- ``source`` is the path relative to the input folder (POSIX slashes); when several folders are
  given, relative to the folder as given (``corpora/2023/a.txt``) so sources stay unique;
- ``exclude`` glob patterns (``README*``, ``drafts/*``) drop files inside folders whose name or
  source matches;
- the order is deterministic (sorted names), whatever the file system returns.
"""
from __future__ import annotations

import fnmatch
import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

SUPPORTED_SUFFIXES = (".txt", ".docx", ".html", ".htm", ".pdf")


@dataclass(frozen=True, slots=True)
class InputFile:
    path: str     # where to open it
    source: str   # the name recorded in every table


class MissingInput(Exception):
    """A path given by the user does not exist (a usage error, reported before any work)."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"{path}: no such file or folder")


def discover(paths: Sequence[str | Path], exclude: Sequence[str] = ()) -> list[InputFile]:
    """All input files below ``paths`` (files taken as given), in a stable order, without repeats."""
    for p in paths:
        if not os.path.lexists(p):
            raise MissingInput(str(p))
    n_dirs = sum(1 for p in paths if os.path.isdir(p))
    seen_paths: set[str] = set()
    out: list[InputFile] = []
    for p in paths:
        p = str(p)
        items = (_walk(p, prefix=p if n_dirs > 1 else "", exclude=tuple(exclude))
                 if os.path.isdir(p) else [InputFile(p, p)])
        for item in items:
            key = os.path.abspath(item.path)
            if key not in seen_paths:
                seen_paths.add(key)
                out.append(item)
    return out


def smallest_last(inputs: Sequence[InputFile], count: int) -> list[InputFile]:
    """``inputs`` in their order, except the ``count`` smallest files (by size; a file that
    cannot be read counts as empty and fails later, as before), which go last, largest first.

    The order in which several workers take the documents: the last ones to finish are then
    short, so the workers run out of work within a short document of each other (in path
    order, the benchmark's last chunks held a 104 KB HTML file that one worker processed
    alone). Only the tail is reordered: sorting every file by size would also put the copies
    of a file next to each other (equal sizes), which a repeated benchmark input would reward
    and a real archive would not. The tables do not depend on the order: every export is
    sorted. Equal sizes keep their order (of two copies of one file, the first is processed
    and the other skipped as the same content, as before)."""
    def size(i: int) -> int:
        try:
            return os.stat(inputs[i].path).st_size
        except OSError:
            return 0

    sizes = [size(i) for i in range(len(inputs))]
    # of equal sizes at the cut, the later ones move: the earlier stay ahead of them (two
    # copies of a file split by the cut would otherwise swap, and the tables name the other)
    last = sorted(range(len(inputs)), key=lambda i: (sizes[i], -i))[:max(0, count)]
    moved = set(last)
    last.sort(key=lambda i: (-sizes[i], i))     # equal sizes in their order
    return [x for i, x in enumerate(inputs) if i not in moved] + [inputs[i] for i in last]


def _excluded(name: str, rel: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(name, pat) or fnmatch.fnmatch(rel, pat) for pat in patterns)


def _walk(root: str, *, prefix: str, exclude: tuple[str, ...] = ()) -> Iterator[InputFile]:
    visited: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        if (st.st_dev, st.st_ino) in visited:   # symlink loop or a folder linked twice
            dirnames[:] = []
            continue
        visited.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or not name.lower().endswith(SUPPORTED_SUFFIXES):
                continue
            full = os.path.join(dirpath, name)
            rel = Path(os.path.relpath(full, root)).as_posix()
            if exclude and _excluded(name, rel, exclude):
                continue
            source = (Path(prefix) / rel).as_posix() if prefix else rel
            yield InputFile(full, source)


def file_sha256(path: str, *, block: int = 1 << 20) -> str | None:
    """sha256 hex of the file's bytes, or None when it cannot be opened (recorded later)."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(block):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()

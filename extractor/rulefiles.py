"""Loading files from rules/: YAML that rejects duplicate keys, with errors naming file and line."""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .errors import RuleFileError


def rules_dir() -> Path:
    """The rules folder: $EXTRACTOR_RULES_DIR, else the repository's top-level rules/."""
    env = os.environ.get("EXTRACTOR_RULES_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "rules"


@functools.cache
def load_yaml(relpath: str, base: str | None = None) -> Any:
    """Load ``rules/<relpath>``; a malformed file raises RuleFileError with ``file:line``."""
    path = Path(base) / relpath if base else rules_dir() / relpath
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError(path, f"cannot read rule file: {exc.strerror or exc}") from exc
    yaml = YAML(typ="safe", pure=True)  # safe mode raises DuplicateKeyError, unlike PyYAML
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise RuleFileError(f"{path}:{line}", f"{exc.problem or exc}") from exc
    except YAMLError as exc:
        raise RuleFileError(path, str(exc)) from exc


def read_lines(relpath: str) -> list[str]:
    """A plain-text lexicon: one entry per line, ``#`` comments and blank lines skipped."""
    path = rules_dir() / relpath
    try:
        raw = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise RuleFileError(path, f"cannot read rule file: {exc.strerror or exc}") from exc
    return [ln.strip() for ln in raw if ln.strip() and not ln.lstrip().startswith("#")]

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


def _cache_dir() -> Path | None:
    """Where parsed rule files are cached: $EXTRACTOR_CACHE_DIR, else ~/.cache/extractor
    ($XDG_CACHE_HOME); "" or "off" turns the cache off."""
    env = os.environ.get("EXTRACTOR_CACHE_DIR")
    if env is not None:
        return None if env in ("", "off", "0") else Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "extractor"


def parse_yaml_cached(text: str, typ: str) -> Any:
    """``YAML(typ=typ, pure=True).load(text)`` through a pickle cache keyed by the text's hash.

    The pure-Python YAML parser takes ~0.4 s for a large rule file, most of a fresh process's
    start-up; the unpickled result is the same object tree (ruamel's round-trip containers keep
    their line numbers). Only successful loads are cached, so a broken file raises as before;
    an unreadable or unwritable cache is ignored.
    """
    import hashlib
    import pickle

    import ruamel.yaml

    key = hashlib.sha256(f"{typ}\0{ruamel.yaml.__version__}\0".encode() + text.encode("utf-8",
                         "surrogatepass")).hexdigest()[:32]
    d = _cache_dir()
    path = d / "yaml" / f"{key}.pickle" if d is not None else None
    if path is not None:
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except Exception:  # missing, truncated or from another Python: parse again
            pass
    data = YAML(typ=typ, pure=True).load(text)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except Exception:  # read-only home, full disk …: the cache is only an optimisation
            pass
    return data


@functools.cache
def load_yaml(relpath: str, base: str | None = None) -> Any:
    """Load ``rules/<relpath>``; a malformed file raises RuleFileError with ``file:line``."""
    path = Path(base) / relpath if base else rules_dir() / relpath
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError(path, f"cannot read rule file: {exc.strerror or exc}") from exc
    try:   # safe mode raises DuplicateKeyError, unlike PyYAML
        return parse_yaml_cached(text, "safe")
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

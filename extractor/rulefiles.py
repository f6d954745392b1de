"""Loading files from rules/: YAML that rejects duplicate keys, with errors naming file and line;
and the on-disk cache of what is derived from them (parsed YAML, compiled regexes).

The cache only saves time: a missing, truncated, foreign or stale cache file is ignored and the
work is done again. A cache file is read only when the current user owns it and nobody else can
write it, and it is unpickled with a closed list of classes (nothing a file could name runs).
"""
from __future__ import annotations

import functools
import io
import os
import pickle
import re
import sys
import time
import zlib
from pathlib import Path
from typing import Any, Callable, TypeVar

from .errors import RuleFileError


def rules_dir() -> Path:
    """The rules folder: $EXTRACTOR_RULES_DIR, else the repository's top-level rules/."""
    env = os.environ.get("EXTRACTOR_RULES_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "rules"


#: the $EXTRACTOR_RULES_DIR that this process's cached rules were loaded under (follow_rules_dir)
_rules_env: list[str | None] = [os.environ.get("EXTRACTOR_RULES_DIR")]
#: module dicts that memoise what the rule files decide (rule_memo): emptied with the caches
_RULE_MEMOS: list[dict] = []


def rule_memo(memo: dict) -> dict:
    """``memo``, registered to be emptied by ``follow_rules_dir``: for a module dict that
    memoises a result of the rule files (functools caches are found without this)."""
    _RULE_MEMOS.append(memo)
    return memo


def follow_rules_dir() -> None:
    """Forget the in-process caches of what was built from the rule files when
    $EXTRACTOR_RULES_DIR has changed since the last call. ``load_yaml`` and everything built
    from its files (text rules, lexicons, check settings, jieba's user words) are cached per
    process, so a notebook that ran the corpus with the project's rules, then set its own
    folder and ran again, silently kept the first folder's rules for all but the number rule
    set (``load_ruleset`` is keyed by the folder). Called once per document (``text.prepare``,
    ``text.clean_text``): one environment lookup while the folder stays the same.

    It clears every functools cache of the package's modules: most are built from rule files,
    and the pure ones (a numeral's value, a word's class) only cost their recomputation;
    and the module dicts registered with ``rule_memo`` (``context._FORMS``: a subject with the
    conversion pairs' fixes). Memos kept on or keyed by a rules object
    (``context._flags_memo``, ``RuleSet.memo``) follow by themselves."""
    env = os.environ.get("EXTRACTOR_RULES_DIR")
    if env == _rules_env[0]:
        return
    _rules_env[0] = env
    package = __name__.rpartition(".")[0]          # "extractor"
    for name, module in list(sys.modules.items()):
        if module is None or (name != package and not name.startswith(package + ".")):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if clear is not None and hasattr(value, "cache_info"):    # functools' wrappers
                clear()
    for memo in _RULE_MEMOS:
        memo.clear()


def _cache_dir() -> Path | None:
    """Where parsed rule files are cached: $EXTRACTOR_CACHE_DIR, else ~/.cache/extractor
    ($XDG_CACHE_HOME); "" or "off" turns the cache off, and so does a user without a home."""
    env = os.environ.get("EXTRACTOR_CACHE_DIR")
    if env is not None:
        return None if env in ("", "off", "0") else Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if not xdg:
        try:
            xdg = str(Path.home() / ".cache")
        except (RuntimeError, KeyError, OSError):   # no HOME and a uid unknown to passwd: off
            return None
    return Path(xdg) / "extractor"


def cache_path(*parts: str) -> Path | None:
    """``<cache dir>/<parts…>``, or None when the cache is off."""
    d = _cache_dir()
    return d.joinpath(*parts) if d is not None else None


def _trusted(st: os.stat_result) -> bool:
    """A cache file we may read or extend: ours, and writable by nobody else."""
    return not (st.st_mode & 0o022 or (hasattr(os, "getuid") and st.st_uid != os.getuid()))


def read_cache(path: Path | None) -> bytes | None:
    """The bytes of a cache file, or None when it is missing, unreadable, owned by another user
    or writable by anyone but its owner (someone else could have put anything in it)."""
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not _trusted(st):
                return None
            return fh.read()
    except OSError:
        return None


def write_cache(path: Path | None, data: bytes, *, kept: int | None = None) -> None:
    """Write a cache file atomically (temp file + rename), readable by its owner only; failures
    (read-only home, full disk …) are ignored: the cache is only an optimisation. ``kept``: then
    the folder keeps at most ``kept`` files of this one's suffix, the newest (:func:`prune`)."""
    if path is None:
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return
    if kept is not None:
        prune(path.parent, path.suffix, kept)


#: a temporary file older than this was left by a process killed while writing it (a live
#: writer renames its file within milliseconds)
_STALE_TMP_S = 3600.0


def prune(folder: Path, suffix: str, kept: int) -> None:
    """At most ``kept`` files ending in ``suffix`` in a cache folder: when there are more, the
    oldest go (by the time they were written: a file still used is written again after it was
    evicted, a miss costs only the rebuild) until ``kept - kept // 4`` remain, so that the
    files are stat'ed and sorted once every ``kept // 4`` writes, not at every write. Temporary
    files that a killed writer left behind (older than an hour) go too. Without this the
    folders grew with every rule edit and every jieba or extractor version: on the team's
    machine ~/.cache/extractor/yaml held 3,979 files (30 MB) and jieba/ 25 copies of a 7 MB
    dictionary. Errors are ignored (another process may prune the same folder at once)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    now = time.time()
    files = []
    for e in entries:
        name = e.name
        if name.endswith(suffix):
            files.append(e)
        elif name.endswith(".tmp"):
            try:
                if now - e.stat().st_mtime > _STALE_TMP_S:
                    os.unlink(e.path)
            except OSError:
                pass
    if len(files) <= kept:
        return
    dated = []
    for e in files:
        try:
            dated.append((e.stat().st_mtime_ns, e.path))
        except OSError:
            continue
    dated.sort()
    for _, p in dated[:len(dated) - (kept - kept // 4)]:
        try:
            os.unlink(p)
        except OSError:
            pass


#: what a YAML cache file may name: ruamel's node classes (round-trip containers, scalar
#: types, positions, comments) and the few standard types the safe loader produces
_YAML_MODULES = frozenset(f"ruamel.yaml.{m}" for m in (
    "comments", "tokens", "error", "scalarstring", "scalarint", "scalarfloat", "scalarbool",
    "timestamp", "anchor", "nodes"))
_STD_CLASSES = frozenset({("builtins", "set"), ("builtins", "frozenset"), ("builtins", "bytes"),
                          ("builtins", "bytearray"), ("builtins", "complex"),
                          ("copyreg", "_reconstructor"), ("builtins", "object"),
                          ("datetime", "date"), ("datetime", "datetime"),
                          ("datetime", "timedelta"), ("datetime", "timezone")})


class _Unpickler(pickle.Unpickler):
    """Refuses every global but ruamel's node classes and a few standard types (when ``yaml``)
    and the (module, name) pairs of ``allow``: a tampered file cannot make the load call
    anything else."""

    def __init__(self, stream: io.BytesIO, yaml: bool, allow: frozenset = frozenset()) -> None:
        super().__init__(stream)
        self.yaml = yaml
        self.allow = allow

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.allow:
            return super().find_class(module, name)
        if self.yaml and ((module, name) in _STD_CLASSES or module in _YAML_MODULES):
            obj = super().find_class(module, name)
            if isinstance(obj, type) or (module, name) == ("copyreg", "_reconstructor"):
                return obj
        raise pickle.UnpicklingError(f"cache file names {module}.{name}: not loaded")


def load_pickle(data: bytes, *, yaml: bool = False, allow: frozenset = frozenset()) -> Any:
    """Unpickle a cache file's bytes; only plain containers and scalars (and, with ``yaml``,
    ruamel's node classes; and the globals named in ``allow``) can come out of it."""
    return _Unpickler(io.BytesIO(data), yaml, allow).load()


@functools.cache
def _ruamel_stamp() -> str:
    """ruamel.yaml's version for cache keys, without importing it (0.05 s: its package imports
    the whole parser): the size and mtime of its ``__init__``, which holds the version."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("ruamel.yaml")
        st = os.stat(spec.origin) if spec is not None and spec.origin else None
    except (ImportError, OSError, ValueError):
        st = None
    return f"{st.st_size}-{st.st_mtime_ns}" if st is not None else "?"


#: how many parsed rule files the YAML cache keeps at most (~7 KB each). Not fewer: a run of
#: the test suite parses a few hundred rule file variants, and the real rules' files, evicted,
#: would be parsed again by the next run (0.4 s)
YAML_KEPT = 2048


def parse_yaml_cached(text: str, typ: str) -> Any:
    """``YAML(typ=typ, pure=True).load(text)`` through a pickle cache keyed by the text's hash.

    The pure-Python YAML parser takes ~0.4 s for a large rule file, most of a fresh process's
    start-up; the unpickled result is the same object tree (ruamel's round-trip containers keep
    their line numbers). Only successful loads are cached, so a broken file raises as before;
    an unreadable or unwritable cache is ignored.
    """
    import hashlib

    key = hashlib.sha256(f"{typ}\0{_ruamel_stamp()}\0".encode() + text.encode("utf-8",
                         "surrogatepass")).hexdigest()[:32]
    path = cache_path("yaml", f"{key}.pickle")
    data = read_cache(path)
    if data is not None:
        try:
            return load_pickle(data, yaml=True)
        except Exception:  # truncated, from another Python, or naming a class it may not
            pass
    from ruamel.yaml import YAML

    tree = YAML(typ=typ, pure=True).load(text)
    if path is not None:
        try:
            blob = pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an unpicklable tree: parse it each time
            return tree
        # one file per distinct rule file text (25 files in rules/, a user's own rules and
        # every edit of them): the newest YAML_KEPT stay
        write_cache(path, blob, kept=YAML_KEPT)
    return tree


# ----------------------------------------------------------------------------- compiled regexes
class _RegexCache:
    """Compiled regexes of earlier runs, keyed by (source, flags, regex's default version).

    ``regex.compile`` parses and optimises the source in Python (~2.5 ms for a rule pattern,
    0.6 s for the rules of one process); what comes out is the argument tuple that the regex
    module itself pickles a pattern as (its parsed code, group names, required string …), and
    unpickling a pattern hands that tuple to regex's C constructor. This cache keeps the tuples
    and rebuilds patterns the same way, so a rebuilt pattern is the pattern that compiling gives.
    The file is named after the Python and regex versions (the code format is theirs); a rule
    edited in rules/ is a new source, hence a new key: nothing has to be invalidated.

    The file is a log: each compiled source is appended as one pickled (key, arguments) record
    at once (one small O_APPEND write, so pool workers, which end without exit handlers, and
    concurrent processes all add theirs). A damaged tail is cut off when the file is next read;
    past ``MAX_RECORDS`` (old sources of edited rules pile up) the log starts anew.
    """

    MAX_RECORDS = 1024    # ~1.5 MB, 10-20 ms to read; the project's rules need ~200

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.known: dict = {}
        data = read_cache(path)
        if not data:
            return
        stream = io.BytesIO(data)
        records = 0
        damaged = False
        while stream.tell() < len(data):
            try:
                rec = _Unpickler(stream, yaml=False).load()
                key, args = rec
            except Exception:   # a truncated or foreign record: keep what came before it
                damaged = True
                break
            self.known[key] = args
            records += 1
        if records > self.MAX_RECORDS:
            self.known = {}
            damaged = True
        if damaged:
            write_cache(path, b"".join(self._record(k, a) for k, a in self.known.items()))

    @staticmethod
    def _record(key: tuple, args: tuple) -> bytes:
        return pickle.dumps((key, args), protocol=pickle.HIGHEST_PROTOCOL)

    def compile(self, src: str, flags: int) -> Any:
        import copyreg

        import regex

        flags = int(flags)     # a RegexFlag would pickle as a class the cache does not load
        key = (src, flags, int(regex.DEFAULT_VERSION))
        args = self.known.get(key)
        if (type(args) is tuple and len(args) == 11 and args[0] == src
                and type(args[1]) is int and args[1] & flags == flags):
            try:
                compiled = _constructor()(*args)
            except Exception:   # arguments the constructor rejects: compile from the source
                compiled = None
            if compiled is not None and compiled.pattern == src:
                return compiled
        compiled = regex.compile(src, flags)    # a bad source raises regex.error here
        if not compiled.flags & regex.LOCALE:   # those depend on the locale of the process
            args = copyreg.dispatch_table[regex.Pattern](compiled)[1]
            self.known[key] = args
            self._append(self._record(key, args))
        return compiled

    def _append(self, record: bytes) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError:
            return
        try:
            st = os.fstat(fd)
            if _trusted(st):
                os.write(fd, record)    # one write: appends of processes do not interleave
        except OSError:
            pass
        finally:
            os.close(fd)


@functools.cache
def _constructor() -> Any:
    """regex's pattern constructor, as its pickle reduction (constructor, arguments) names it."""
    import copyreg

    import regex

    return copyreg.dispatch_table[regex.Pattern](regex.compile(""))[0]


_REGEX_CACHES: dict[Path | None, _RegexCache] = {}


def _regex_cache_file() -> Path | None:
    import regex

    return cache_path("regex", f"{sys.implementation.cache_tag}-regex-{regex.__version__}.log")


def compile_regex(src: str, flags: int = 0) -> Any:
    """``regex.compile(src, flags)`` through the on-disk cache of compiled rules (see
    :class:`_RegexCache`); a bad source raises ``regex.error`` exactly as compiling does."""
    path = _regex_cache_file()
    cache = _REGEX_CACHES.get(path)
    if cache is None:
        cache = _REGEX_CACHES[path] = _RegexCache(path)
    return cache.compile(src, flags)


# ------------------------------------------------------------------- objects built from the rules
def _sre_stamp() -> tuple | None:
    """What the code of a compiled re pattern is valid for: this interpreter's exact version and
    its _sre engine's code format (None: no _sre to ask)."""
    try:
        import _sre
        return (sys.hexversion, _sre.MAGIC, _sre.CODESIZE)
    except (ImportError, AttributeError):
        return None


def _sre_args(rx: Any) -> tuple | None:
    """The arguments re's compiler gives ``_sre.compile`` for ``rx`` (re._compiler.compile's
    last step, from its parse: the same code), or None where re's internals are not those."""
    try:
        from re import _compiler, _parser
        parsed = _parser.parse(rx.pattern, rx.flags)
        code = list(map(int, _compiler._code(parsed, rx.flags)))   # (named int constants)
        state = parsed.state
        indexgroup = [None] * state.groups
        for k, i in state.groupdict.items():
            indexgroup[i] = k
        return (rx.pattern, rx.flags | state.flags, code, state.groups - 1,
                dict(state.groupdict), tuple(indexgroup))
    except Exception:   # noqa: BLE001 - another Python's internals: pickled as re does
        return None


def _re_pattern(stamp: Any, args: tuple) -> Any:
    """A re pattern of a cached object, rebuilt from its compiled code when it was compiled by
    this interpreter (``stamp``, see _sre_stamp; _sre checks the code it is given), else
    compiled from its source. re parses and optimises a pattern in Python: the number rules'
    twins (re_twin) took 55 ms of every process's start to compile, 1 ms from their code."""
    if stamp is not None and stamp == _sre_stamp():
        try:
            import _sre
            return _sre.compile(*args)
        except Exception:   # noqa: BLE001 - code _sre does not take: compiled again below
            pass
    return re.compile(args[0], args[1])


class _CompiledPickler(pickle.Pickler):
    """Pickles re patterns as their compiled code (_re_pattern), not as their source and flags
    (re's own way, which compiles them again when they are loaded)."""

    def reducer_override(self, obj: Any) -> Any:
        if obj.__class__ is re.Pattern and isinstance(obj.pattern, str):
            args = _sre_args(obj)
            if args is not None:
                return _re_pattern, (_sre_stamp(), args)
        return NotImplemented


#: the globals every cached object may name besides its own classes: sets, regex's pattern
#: constructor (a regex pattern pickles as the arguments of its constructor: its parsed code),
#: _re_pattern for the re patterns (_CompiledPickler) and re's own (what re pickles one as)
BUILT_GLOBALS = frozenset({("builtins", "frozenset"), ("builtins", "set"),
                           ("regex._regex", "compile"), ("re", "_compile"),
                           (__name__, "_re_pattern")})

_T = TypeVar("_T")


def _sealed(blob: bytes) -> bytes:
    """A cached_build file: the pickle's CRC-32 (4 bytes, little-endian), then the pickle."""
    return zlib.crc32(blob).to_bytes(4, "little") + blob


def _unsealed(data: bytes | None) -> bytes | None:
    """The pickle of a :func:`_sealed` file; None when its CRC-32 does not match (damaged)."""
    if data is None or len(data) < 4:
        return None
    blob = data[4:]
    return blob if zlib.crc32(blob).to_bytes(4, "little") == data[:4] else None


def cached_build(kind: str, key: str, build: Callable[[], _T], allow: frozenset,
                 valid: Callable[[Any], bool], kept: int = 8) -> _T:
    """What ``build()`` returns, from ``<cache dir>/<kind>/<key>.pickle`` when that file holds
    it, else built and filed there (at most ``kept`` files of the kind are kept, the newest).

    ``key`` must name everything the object is derived from (the rule files' contents, the
    sources of the code that derives it, the Python, regex and ruamel versions). The file
    holds (key, object): the key inside is the one the writer's code made, so an object other
    code filed under this name is not taken for ours; ``valid`` tests the object (its class,
    every field there). It is unpickled with a closed list of globals (``allow`` and
    :data:`BUILT_GLOBALS`); its re patterns come back as their compiled code. A damaged,
    foreign or unreadable file is a miss; a failing build raises and files nothing. The pickle
    is filed behind its CRC-32 (:func:`_sealed`): a pickle has no check of its own, and one
    flipped bit made a valid file of other rules (a string, a number, a pattern's source) or
    a regex code that regex's constructor crashes on (SIGSEGV at every start)."""
    path = cache_path(kind, f"{key}.pickle")
    data = _unsealed(read_cache(path))
    if data is not None:
        try:
            got = load_pickle(data, allow=allow | BUILT_GLOBALS)
        except Exception:   # truncated, or naming what it may not: build it again
            got = None
        if type(got) is tuple and len(got) == 2 and got[0] == key and valid(got[1]):
            return got[1]
    obj = build()
    if path is not None:
        try:
            buf = io.BytesIO()
            _CompiledPickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump((key, obj))
            blob = buf.getvalue()
        except Exception:   # noqa: BLE001 - an object that cannot be pickled: built each time
            return obj
        write_cache(path, _sealed(blob), kept=kept)   # earlier rule versions: the newest few
    return obj


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
    except Exception as exc:
        err = yaml_error(path, exc)
        if err is None:
            raise
        raise err from exc


def yaml_error(path: Path | str, exc: Exception) -> RuleFileError | None:
    """The RuleFileError (``file:line``) of ruamel's error ``exc`` when parsing ``path``; None
    when ``exc`` is no YAML error (ruamel is imported only once a parse has failed)."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    if isinstance(exc, MarkedYAMLError):
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        return RuleFileError(f"{path}:{line}", f"{exc.problem or exc}")
    if isinstance(exc, YAMLError):
        return RuleFileError(path, str(exc))
    return None


def read_lines(relpath: str) -> list[str]:
    """A plain-text lexicon: one entry per line, ``#`` comments and blank lines skipped."""
    path = rules_dir() / relpath
    try:
        raw = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise RuleFileError(path, f"cannot read rule file: {exc.strerror or exc}") from exc
    return [ln.strip() for ln in raw if ln.strip() and not ln.lstrip().startswith("#")]

"""The on-disk caches that keep a fresh process's start-up short: compiled rule regexes
(extractor.rulefiles.compile_regex) and jieba's prefix dictionary (extractor.text.words).

What they promise: the same objects as the slow way, nothing trusted that another user could
have written or that names code, a damaged file is a miss (done again and rewritten), and a bad
rule still fails exactly as without the cache.
"""
from __future__ import annotations

import functools
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest
import regex

from extractor import rulefiles
from extractor.rulefiles import compile_regex, load_pickle, read_cache, read_lines, write_cache

REPO = Path(__file__).resolve().parents[2]
SOURCES = [r"(?P<n1>\d+(?:\.\d+)?)(?P<unit>万元|亿元|元)", r"(?r)(?:约|近|超过)", r"[0-9０-９]++",
           r"(?i)kwh?(?!\p{Han})", r"(?x) a b  # spaces ignored", r"(\w)\1"]


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("EXTRACTOR_CACHE_DIR", str(d))
    monkeypatch.setattr(rulefiles, "_REGEX_CACHES", {})
    return d


def _same(a, b) -> None:
    assert (a.pattern, a.flags, a.groups, a.groupindex) == (b.pattern, b.flags, b.groups,
                                                            b.groupindex)
    for text in ("收入1200万元，约3.5亿元", "用电 12 KWh 增长", "aa bb ab", "０９8"):
        assert [m.span() + m.groups() for m in a.finditer(text)] == \
               [m.span() + m.groups() for m in b.finditer(text)]


def _log(d: Path) -> Path:
    files = list((d / "regex").glob("*.log"))
    assert len(files) == 1
    return files[0]


def _records(f: Path) -> dict:
    return rulefiles._RegexCache(f).known


def _new_process(monkeypatch) -> None:
    monkeypatch.setattr(rulefiles, "_REGEX_CACHES", {})


def _two_fresh_processes(code: str, env: dict) -> list:
    """The JSON of the last line ``code`` prints, run twice in fresh processes (the second one
    on the caches the first one wrote)."""
    import json

    runs = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             cwd=str(REPO), env=env, timeout=120)
        assert out.returncode == 0, out.stderr[-2000:]
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return runs


def test_compiled_regexes_come_back_from_the_cache_as_compiled(cache_dir, monkeypatch):
    first = [compile_regex(s) for s in SOURCES]
    f = _log(cache_dir)                                  # written as they were compiled
    assert f.stat().st_mode & 0o077 == 0                 # the owner's only
    _new_process(monkeypatch)
    parsed = []
    real = regex.compile
    monkeypatch.setattr(regex, "compile", lambda *a, **k: parsed.append(a) or real(*a, **k))
    again = [compile_regex(s) for s in SOURCES]
    assert parsed in ([], [("",)])                        # no source parsed (the probe aside)
    for a, b, s in zip(first, again, SOURCES):
        _same(a, b)
        _same(b, real(s))
    assert len(_records(f)) == len(SOURCES)


def test_a_bad_regex_raises_as_compiling_does_and_is_never_cached(cache_dir):
    for _ in range(2):
        with pytest.raises(regex.error):
            compile_regex(r"(?P<cur>元")
    compile_regex("ok")
    assert [k[0] for k in _records(_log(cache_dir))] == ["ok"]


def test_a_cache_naming_code_is_not_run(cache_dir, tmp_path, monkeypatch):
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    compile_regex("ok")
    f = _log(cache_dir)
    write_cache(f, pickle.dumps((("ok", 0, int(regex.DEFAULT_VERSION)), Evil())))
    with pytest.raises(pickle.UnpicklingError):
        load_pickle(f.read_bytes())
    _new_process(monkeypatch)
    assert compile_regex("ok").match("ok")
    assert not marker.exists()
    assert [k[0] for k in _records(f)] == ["ok"]         # the bad record gone, the new one kept
    yaml_file = cache_dir / "yaml" / "x.pickle"
    write_cache(yaml_file, pickle.dumps(Evil()))
    with pytest.raises(pickle.UnpicklingError):
        load_pickle(yaml_file.read_bytes(), yaml=True)
    assert not marker.exists()


def test_a_wrong_or_damaged_entry_is_compiled_again(cache_dir, monkeypatch):
    import copyreg

    compile_regex("abc")
    f = _log(cache_dir)
    (key, args), = _records(f).items()
    # an entry whose arguments belong to another source, and ones the constructor rejects
    wrong = copyreg.dispatch_table[regex.Pattern](regex.compile("xyz"))[1]
    for bad in (wrong, args[:5], (args[0], "flags") + args[2:], (args[0], args[1], 7) + args[3:]):
        write_cache(f, pickle.dumps((key, bad)))
        _new_process(monkeypatch)
        p = compile_regex("abc")
        assert p.pattern == "abc" and p.match("abc") and not p.match("xyz")


def test_a_damaged_tail_is_cut_and_a_long_log_starts_anew(cache_dir, monkeypatch):
    compile_regex("a+")
    compile_regex("b+")
    f = _log(cache_dir)
    whole = f.read_bytes()
    f.write_bytes(whole[:-3])                           # a writer killed mid-record
    os.chmod(f, 0o600)
    assert [k[0] for k in _records(f)] == ["a+"]
    assert [k[0] for k in _records(f)] == ["a+"]        # … and the file was rewritten
    _new_process(monkeypatch)
    assert compile_regex("b+").match("bb")
    assert [k[0] for k in _records(f)] == ["a+", "b+"]
    monkeypatch.setattr(rulefiles._RegexCache, "MAX_RECORDS", 1)
    assert _records(f) == {}
    assert f.read_bytes() == b""


def test_a_cache_file_others_can_write_is_ignored(cache_dir, tmp_path):
    f = tmp_path / "c.bin"
    write_cache(f, b"data")
    assert read_cache(f) == b"data"
    os.chmod(f, 0o666)
    assert read_cache(f) is None
    os.chmod(f, 0o644)
    assert read_cache(f) == b"data"
    assert read_cache(tmp_path / "missing") is None and read_cache(None) is None


def test_the_cache_off_compiles_every_time(tmp_path, monkeypatch):
    monkeypatch.setenv("EXTRACTOR_CACHE_DIR", "off")
    monkeypatch.setattr(rulefiles, "_REGEX_CACHES", {})
    _same(compile_regex(SOURCES[0]), regex.compile(SOURCES[0]))
    assert not list(tmp_path.rglob("*.log"))


def test_an_edited_rule_is_compiled_from_its_new_source(cache_dir, tmp_path):
    """A rules folder loaded twice in one process, the second time after a measure word was
    added: the patterns using it are compiled from their new source and find the new word (a
    content key needs no invalidation); the cache file holds both versions."""
    import shutil

    from extractor.facts.ruleset import load_ruleset

    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    before = load_ruleset(rules)
    f = rules / "lexicons" / "measure_words.yaml"
    text = f.read_text(encoding="utf-8")
    f.write_text(text.replace("measure_words:\n", "measure_words:\n  - 坨\n", 1), encoding="utf-8")
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 10**9))
    after = load_ruleset(rules)
    changed = [p for p in after.patterns if p.expanded != before.by_id(p.id).expanded]
    assert changed and all("坨" in p.expanded and p.compiled.pattern == p.expanded
                           for p in changed)
    assert any(p.compiled.search("共3坨") for p in changed)
    assert not any(p.compiled.search("共3坨") for p in
                   (before.by_id(p.id) for p in changed))
    sources = {k[0] for k in _records(_log(cache_dir))}
    assert all(p.expanded in sources and before.by_id(p.id).expanded in sources for p in changed)


# -- jieba's dictionary -------------------------------------------------------------------------
TEXT = "建立了5个电商示范站点，地区生产总值增长，鑫淼犇骉"


def test_jieba_dictionary_from_the_cache_is_jiebas(cache_dir):
    from extractor.text import words

    jieba = words.import_jieba()
    plain = jieba.Tokenizer()
    plain.initialize()
    path = words._dictionary_file(jieba)
    assert path is not None and not path.exists()
    tk = jieba.Tokenizer()
    assert words._initialize(tk, jieba) is None         # no copy yet: jieba's own load …
    assert path.exists() and tk.FREQ == plain.FREQ      # … and the copy written
    tk = jieba.Tokenizer()
    lazy = words._initialize(tk, jieba)                 # from the copy, filled on demand
    assert lazy is not None and tk.initialized and tk.total == plain.total
    assert len(tk.FREQ) == 0
    lazy.need(TEXT)
    chars = set(TEXT)
    want = {k: v for k, v in plain.FREQ.items() if k[0] in chars}
    assert tk.FREQ == want and 0 < len(want) < len(plain.FREQ) // 4
    lazy.complete()
    assert tk.FREQ == plain.FREQ and not lazy.todo


def test_the_cutter_on_a_filling_dictionary_cuts_as_jieba(cache_dir, monkeypatch):
    """Texts cut while the dictionary fills, and after it completed (after COMPLETE_AFTER runs),
    give jieba's words; the public tokenizer() is complete."""
    from extractor.text import words

    jieba = words.import_jieba()
    words._initialize(jieba.Tokenizer(), jieba)         # writes the copy
    plain = jieba.Tokenizer()
    plain.initialize()
    tk = jieba.Tokenizer()
    lazy = words._initialize(tk, jieba)
    monkeypatch.setattr(lazy, "COMPLETE_AFTER", 5)
    cutter = words._Cutter(tk, lazy)
    texts = [TEXT, "全区地区生产总值增长7.5%", "abc def\r\n中文 12.5%增长，（二）", "贵州省黔东南州",
             "一般公共预算收入增长5%", "电商效劳中心建立了5个电商示范站点", "鑫淼犇骉的的的"]
    for t in texts + texts:
        assert cutter.words(t) == plain.lcut(t), t
    assert cutter.lazy is None and tk.FREQ == plain.FREQ
    monkeypatch.setattr(words, "_tokenizer", functools.cache(words._tokenizer.__wrapped__))
    monkeypatch.setattr(words, "tokenizer", functools.cache(words.tokenizer.__wrapped__))
    full = words.tokenizer()                            # from the copy, completed
    assert words._tokenizer()[1] is not None and not words._tokenizer()[1].todo
    for line in read_lines("lexicons/jieba_user.txt"):  # what tokenizer() did before the copy
        parts = line.split()
        plain.add_word(parts[0], int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None,
                       parts[2] if len(parts) > 2 else None)
    assert full.FREQ == plain.FREQ and full.total == plain.total
    assert full.user_word_tag_tab == plain.user_word_tag_tab


def test_a_damaged_jieba_dictionary_file_is_a_miss(cache_dir):
    from extractor.text import words

    jieba = words.import_jieba()
    words._initialize(jieba.Tokenizer(), jieba)
    path = words._dictionary_file(jieba)
    good = path.read_bytes()
    assert words._unpack_dictionary(good, {}) is not None
    flipped = bytearray(good)
    flipped[len(flipped) // 2] ^= 1
    head = len(words._DICT_MAGIC)
    damaged = [bytes(flipped)]
    for at in (head + 3, head + 33, head + 36, head + 45, len(good) - 1):   # sha, crc, sum, end
        one = bytearray(good)
        one[at] ^= 1
        damaged.append(bytes(one))
    for bad in damaged + [good[:-4], good[:100], b"", b"something else"]:
        assert words._unpack_dictionary(bad, {}) is None
    path.write_bytes(bytes(flipped))
    tk = jieba.Tokenizer()
    assert words._initialize(tk, jieba) is None          # jieba's own load, file rewritten
    assert tk.FREQ and path.read_bytes() == good


def test_a_fresh_process_with_warm_caches_parses_no_rule_regex(tmp_path):
    """Second process over the same cache: no rule pattern of the number engine is parsed."""
    env = dict(os.environ, EXTRACTOR_CACHE_DIR=str(tmp_path / "cache"))
    code = ("import regex, json\n"
            "from regex import _main\n"
            "n = []\n"
            "real = _main._compile\n"
            "_main._compile = lambda p, *a: n.append(p) or real(p, *a)\n"
            "from extractor.facts.ruleset import load_ruleset\n"
            "from extractor.text.words import cut_words\n"
            "rs = load_ruleset()\n"
            "w = cut_words('地区生产总值增长')\n"
            "mine = {p.expanded for p in rs.patterns} | {rs.scanner.pattern}\n"
            "print(json.dumps({'parsed': len(mine & set(n)), 'patterns': len(mine), 'w': w}))\n")
    runs = _two_fresh_processes(code, env)
    assert runs[0]["parsed"] == runs[0]["patterns"] > 10
    assert runs[1]["parsed"] == 0
    assert runs[0]["w"] == runs[1]["w"]
    assert list((tmp_path / "cache" / "jieba").glob("*.dict"))


def test_flags_given_as_regexflag_are_cached_as_numbers(cache_dir, monkeypatch):
    """text/rules passes ``flags | regex.V0`` (a RegexFlag): a record naming that class would
    be refused on loading, and every record after it lost."""
    a = compile_regex("a b # c", regex.VERBOSE | regex.V0)
    compile_regex("after")
    _new_process(monkeypatch)
    known = _records(_log(cache_dir))
    assert [k[0] for k in known] == ["a b # c", "after"]
    assert all(type(k[1]) is int for k in known)
    b = compile_regex("a b # c", regex.VERBOSE | regex.V0)
    _same(a, b)
    assert b.match("ab")


# -- the number rules' rule set -----------------------------------------------------------------
def _fields(rs) -> dict:
    import dataclasses

    out = {}
    for f in dataclasses.fields(rs):
        v = getattr(rs, f.name)
        if f.name == "patterns" or f.name == "other_patterns":
            v = [(p.id, p.expanded, p.compiled.pattern, p.compiled.flags, p.priority, p.requires,
                  p.examples, p.counter_examples, p.where, p.near_test, p.n1_group, p.cue,
                  p.cue_window, p.near.pattern if p.near is not None else None) for p in v]
        elif f.name in ("negatives", "neg_checks"):
            v = [tuple(x.pattern if hasattr(x, "pattern") else x for x in t) for t in v]
        elif f.name == "negative_trigger_parts" and v is not None:
            v = tuple(x.pattern if hasattr(x, "pattern") else x for x in v)
        elif f.name == "cue_res":
            v = {k: x.pattern for k, x in v.items()}
        elif hasattr(v, "pattern"):
            v = (v.pattern, v.flags)
        out[f.name] = v
    return out


def test_the_rule_set_from_the_cache_is_the_built_one(cache_dir, tmp_path):
    import shutil

    from extractor.facts import ruleset as R

    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    digest = R._rules_digest(rules)
    built = R._build(str(rules), digest, False)
    first = R._cached_build(str(rules), digest)         # a miss: built and written
    files = list((cache_dir / "ruleset").glob("*.pickle"))
    assert len(files) == 1 and files[0].stat().st_mode & 0o077 == 0
    again = R._cached_build(str(rules), digest)         # from the file
    assert again is not first
    assert _fields(again) == _fields(built) == _fields(first)
    text = "收入1200万元，增长7.5%，共3家"
    assert [p.compiled.search(text) and p.compiled.search(text).span() for p in again.patterns] \
        == [p.compiled.search(text) and p.compiled.search(text).span() for p in built.patterns]


def test_a_rule_set_filed_by_other_code_is_rebuilt(cache_dir, tmp_path, monkeypatch):
    """The key hashes the sources read when the module was imported (the code that runs), and
    a file whose rule set lacks a field is not used: a process that imported older code and
    built after the sources changed (a merge) filed its old-shaped rule set under the new key,
    and the new code then failed on the missing field."""
    import pickle
    import shutil

    from extractor.facts import ruleset as R

    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    digest = R._rules_digest(rules)
    assert R._CODE is not None
    first = R._cached_build(str(rules), digest)
    [path] = list((cache_dir / "ruleset").glob("*.pickle"))
    # the sources change on disk after the import: same key (the code that runs is the same)
    monkeypatch.setattr(R.Path, "read_bytes", lambda self: b"edited after the import")
    R._cached_build(str(rules), digest)
    assert [p.name for p in (cache_dir / "ruleset").glob("*.pickle")] == [path.name]
    monkeypatch.undo()
    # a rule set without one of its fields under the key: rebuilt and filed again
    stale = R._build(str(rules), digest, False)
    object.__delattr__(stale, "negative_trigger_parts")
    path.write_bytes(rulefiles._sealed(pickle.dumps(stale, protocol=pickle.HIGHEST_PROTOCOL)))
    again = R._cached_build(str(rules), digest)
    assert again.negative_trigger_parts is not None and R._complete(again)
    assert R._complete(R._cached_build(str(rules), digest))
    assert first.version == again.version


def test_a_whole_rule_set_filed_by_older_code_under_the_key_is_not_used(cache_dir, tmp_path):
    """A process of code from before the key was read at import (77160ad) builds after a merge
    and files its rule set under the new code's key: every field is there, but its
    negative_trigger_parts is the 3-tuple of that code, and the engine of 70c9f55 failed on it
    (ValueError: not enough values to unpack). The file names the key it was made for; a rule
    set without it, or with another key, is rebuilt."""
    import shutil

    from extractor.facts import ruleset as R
    from extractor.facts.engine import find_number_facts

    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    digest = R._rules_digest(rules)
    R._cached_build(str(rules), digest)
    [path] = list((cache_dir / "ruleset").glob("*.pickle"))
    old = R._build(str(rules), digest, False)
    object.__setattr__(old, "negative_trigger_parts", old.negative_trigger_parts[:3])
    assert R._complete(old)
    path.write_bytes(rulefiles._sealed(pickle.dumps(old, protocol=pickle.HIGHEST_PROTOCOL)))
    rs = R._cached_build(str(rules), digest)
    assert len(rs.negative_trigger_parts) == 4
    assert [f.text for f in find_number_facts("国办发[2023]15号文件下达资金3000万元", rs)] \
        == ["3000万元"]
    other = R._build(str(rules), digest, False)
    object.__setattr__(other, "negative_trigger_parts", None)
    path.write_bytes(rulefiles._sealed(pickle.dumps(("0" * 32, other),
                                                    protocol=pickle.HIGHEST_PROTOCOL)))
    assert R._cached_build(str(rules), digest).negative_trigger_parts is not None
    assert R._cached_build(str(rules), digest).negative_trigger_parts is not None   # filed again


def test_a_tampered_rule_set_file_is_not_run_and_is_rebuilt(cache_dir, tmp_path):
    import shutil

    from extractor.facts import ruleset as R

    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    digest = R._rules_digest(rules)
    R._cached_build(str(rules), digest)
    f, = (cache_dir / "ruleset").glob("*.pickle")
    bads = (pickle.dumps(Evil()), b"\x80\x05truncated", pickle.dumps({"not": "a rule set"}))
    for bad in bads + tuple(map(rulefiles._sealed, bads)):     # (behind a right CRC too)
        write_cache(f, bad)
        rs = R._cached_build(str(rules), digest)
        assert type(rs) is R.RuleSet and rs.patterns and not marker.exists()
        assert f.read_bytes() != bad                    # rewritten


def test_a_fresh_process_with_warm_caches_imports_no_yaml_parser(tmp_path):
    """ruamel.yaml (0.05 s to import) is needed only when a rule file has to be parsed."""
    env = dict(os.environ, EXTRACTOR_CACHE_DIR=str(tmp_path / "cache"))
    doc = tmp_path / "figures.txt"
    doc.write_text("2023年全年实现营业收入1200万元，同比增长7.5%；新建电商示范站点五个。\n",
                   encoding="utf-8")
    code = ("import sys, json\nfrom extractor.pipeline import process_path\n"
            f"r = process_path({str(doc)!r})\n"
            "print(json.dumps({'facts': [f.text for f in r.facts], "
            "'ruamel': 'ruamel.yaml' in sys.modules}))\n")
    runs = _two_fresh_processes(code, env)
    assert runs[0]["ruamel"] and not runs[1]["ruamel"]
    assert runs[0]["facts"] == runs[1]["facts"] and "1200万元" in runs[1]["facts"]


def test_no_home_directory_turns_the_cache_off(monkeypatch):
    """HOME unset and the user unknown to the password database (a container run with an
    arbitrary uid): Path.home() raises RuntimeError; the caches are off, nothing crashes."""
    for var in ("EXTRACTOR_CACHE_DIR", "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(var, raising=False)

    def no_home(*args):
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", classmethod(no_home))
    monkeypatch.setattr(rulefiles, "_REGEX_CACHES", {})
    assert rulefiles._cache_dir() is None and rulefiles.cache_path("regex", "x") is None
    _same(compile_regex(SOURCES[0]), regex.compile(SOURCES[0]))
    assert rulefiles.parse_yaml_cached("a: [1, 2]\n", "safe") == {"a": [1, 2]}


def test_an_unwritable_cache_folder_is_only_a_miss(tmp_path, monkeypatch):
    """The cache folder cannot be made (a file is in its place; a read-only home is the same
    OSError for a user who is not root): everything is compiled and nothing raises."""
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    monkeypatch.setenv("EXTRACTOR_CACHE_DIR", str(blocker / "extractor"))
    monkeypatch.setattr(rulefiles, "_REGEX_CACHES", {})
    _same(compile_regex(SOURCES[1]), regex.compile(SOURCES[1]))
    assert rulefiles.parse_yaml_cached("b: 1\n", "safe") == {"b": 1}
    write_cache(rulefiles.cache_path("x", "y.bin"), b"data")
    assert blocker.read_text() == "not a folder"


def test_the_rule_set_cache_is_keyed_by_what_parses_the_rule_files(cache_dir, tmp_path,
                                                                      monkeypatch):
    """The rule set is derived from ruamel's round-trip trees (rulefiles.parse_yaml_cached):
    another ruamel.yaml (whose trees the YAML cache already keys by its stamp) or another
    rulefiles.py must not get the rule set built from the old trees."""
    import shutil

    from extractor.facts import ruleset as R

    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    digest = R._rules_digest(rules)
    builds = []
    real_build = R._build

    def counting(*args):
        builds.append(args)
        return real_build(*args)

    monkeypatch.setattr(R, "_build", counting)
    R._cached_build(str(rules), digest)
    R._cached_build(str(rules), digest)
    assert len(builds) == 1                              # the second one from the file
    monkeypatch.setattr(rulefiles, "_ruamel_stamp", lambda: "another-ruamel")
    R._cached_build(str(rules), digest)
    assert len(builds) == 2                              # a miss: built again
    real_read = Path.read_bytes

    def edited(path):
        data = real_read(path)
        return data + b"\n# edited\n" if path.name == "rulefiles.py" else data

    monkeypatch.setattr(Path, "read_bytes", edited)
    # (the key holds the sources the process imported: a process of the edited rulefiles.py)
    monkeypatch.setattr(R, "_CODE", R._code_stamp())
    R._cached_build(str(rules), digest)
    assert len(builds) == 3


# ------------------------------------------------------------------------ the text rules' cache
def _text_rules_fresh(monkeypatch, cache_dir):
    """text_rules() of a fresh process on ``cache_dir``: (the rules, whether they were built)."""
    from extractor.text import rules as T

    builds = []
    real = T._build

    def counting():
        builds.append(1)
        return real()

    monkeypatch.setattr(T, "_build", counting)
    T.text_rules.cache_clear()
    try:
        return T.text_rules(), bool(builds)
    finally:
        T.text_rules.cache_clear()
        monkeypatch.setattr(T, "_build", real)


def _pattern_fields(tr) -> dict:
    import dataclasses
    import re

    out = {}
    for f in dataclasses.fields(tr):
        v = getattr(tr, f.name)
        if isinstance(v, (re.Pattern, regex.Pattern)):
            out[f.name] = v
        elif f.name in ("sent_enum_ws", "section_levels"):
            for i, item in enumerate(v):
                for j, x in enumerate(item if isinstance(item, tuple) else (item,)):
                    if isinstance(x, (re.Pattern, regex.Pattern)):
                        out[f"{f.name}[{i}][{j}]"] = x
    return out


def _matches(rx, text: str) -> list:
    return [(m.span(), m.groups(), m.groupdict()) for m in rx.finditer(text)]


def _texts_for_text_rules(corpus_files) -> list[str]:
    """The corpus files and texts made of the characters the text rules are about."""
    import random

    from extractor.text.rules import text_rules

    tr = text_rules()
    rnd = random.Random(7)
    pieces = (list(map(chr, tr.fold_table)) + list(tr.zero_width_chars) + list(tr.sent_final)
              + list("\n\n \t\u3000一二三十（）()0123456789.、：:第章节条款①②年月日元万%abcXY")
              + ["<p>", "</div>", "<br/>", "<td>", "<!-- c -->", "<script>x</script>", "&nbsp;",
                 "&#12354;", "[1]", "第一章", "一、", "（二）", "1.", "- 12 -", "第3页", "  ", "\r\n",
                 "Zhōng", "##", "# 标题", "经济 发展", "增长 7%", "。”", "？！"])
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in corpus_files]
    texts += ["".join(rnd.choice(pieces) for _ in range(rnd.randrange(1, 300)))
              for _ in range(300)]
    return texts


def test_the_text_rules_from_the_cache_are_the_built_ones(cache_dir, monkeypatch,
                                                           corpus_files):
    """text_rules() from the cache file (re patterns rebuilt from their compiled code, regex
    ones from their constructor's arguments) = the rules built from text.yaml: every field,
    and every pattern finds the same matches (spans, groups) on the corpus and on texts of
    the characters the rules are about; prepare() gives the same documents."""
    import dataclasses

    from extractor.text import prepare

    built, was_built = _text_rules_fresh(monkeypatch, cache_dir)
    assert was_built and len(list((cache_dir / "text").glob("*.pickle"))) == 1
    cached, was_built = _text_rules_fresh(monkeypatch, cache_dir)
    assert not was_built and cached is not built
    pats_b, pats_c = _pattern_fields(built), _pattern_fields(cached)
    assert pats_b.keys() == pats_c.keys() and len(pats_b) > 40
    for f in dataclasses.fields(built):
        if f.name not in pats_b and f.name not in ("sent_enum_ws", "section_levels"):
            assert getattr(cached, f.name) == getattr(built, f.name), f.name
    texts = _texts_for_text_rules(corpus_files)
    for name, rx in pats_b.items():
        other = pats_c[name]
        assert type(other) is type(rx) and (other.pattern, other.flags, other.groups,
                                            other.groupindex) == (rx.pattern, rx.flags,
                                                                  rx.groups, rx.groupindex)
        for text in texts:
            assert _matches(other, text) == _matches(rx, text), name
    import importlib

    from extractor.model import Document
    from extractor.reading import read
    from extractor.text import rules as T

    documents = [read(p) for p in corpus_files] + [
        Document(doc_id=str(i), source=f"t{i}.txt", sha256="0" * 64, encoding="utf-8", text=t,
                 format="html" if i % 5 == 0 else "txt")
        for i, t in enumerate(texts[len(corpus_files):])]
    docs = []
    for rules in (built, cached):
        monkeypatch.setattr(T, "text_rules", lambda rules=rules: rules)
        for module in ("clean", "segment"):
            monkeypatch.setattr(importlib.import_module(f"extractor.text.{module}"),
                                "text_rules", lambda rules=rules: rules)
        docs.append([_prepared_state(prepare(d)) for d in documents])
    assert docs[0] == docs[1]


def _prepared_state(p) -> tuple:
    """A Prepared as comparable values (its offset map has no ==: its tables)."""
    import dataclasses

    omap = p.clean.omap
    clean = {f.name: getattr(p.clean, f.name) for f in dataclasses.fields(p.clean)
             if f.name != "omap"}
    return (p.doc, clean, p.sentences, p.report_year, p.page_count,
            {k: getattr(omap, k, None) for k in type(omap).__slots__})


def test_the_text_rules_cache_follows_text_yaml_the_code_and_the_versions(cache_dir, tmp_path,
                                                                          monkeypatch):
    """An edited text.yaml (a user's rules folder), another rules.py or rulefiles.py, another
    Python, regex or ruamel: a miss, built from the file as it is; a broken text.yaml raises
    its RuleFileError even with the rules of the unbroken one in the cache."""
    import shutil

    from extractor.errors import RuleFileError
    from extractor.text import rules as T

    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    monkeypatch.setenv("EXTRACTOR_RULES_DIR", str(rules))
    rulefiles.load_yaml.cache_clear()
    try:
        first, built = _text_rules_fresh(monkeypatch, cache_dir)
        assert built and "；" in first.sent_final
        assert _text_rules_fresh(monkeypatch, cache_dir)[1] is False
        text = (rules / "text.yaml").read_text(encoding="utf-8")
        assert '\n  final: "。！？；!?;"\n' in text
        edited = text.replace('\n  final: "。！？；!?;"\n', '\n  final: "。！？!?;"\n')
        (rules / "text.yaml").write_text(edited, encoding="utf-8")
        rulefiles.load_yaml.cache_clear()
        second, built = _text_rules_fresh(monkeypatch, cache_dir)
        assert built and second.sent_final == first.sent_final - {"；"}
        assert second.raw == rulefiles.load_yaml("text.yaml")
        for attr, value in (("_CODE", b"other code"),):
            monkeypatch.setattr(T, attr, value)
            assert _text_rules_fresh(monkeypatch, cache_dir)[1] is True
            assert _text_rules_fresh(monkeypatch, cache_dir)[1] is False
        monkeypatch.setattr(rulefiles, "_ruamel_stamp", lambda: "another-ruamel")
        assert _text_rules_fresh(monkeypatch, cache_dir)[1] is True
        monkeypatch.setattr(regex, "__version__", "0.0")
        assert _text_rules_fresh(monkeypatch, cache_dir)[1] is True
        monkeypatch.setattr(sys, "version", sys.version + " (another build)")
        assert _text_rules_fresh(monkeypatch, cache_dir)[1] is True
        assert _text_rules_fresh(monkeypatch, cache_dir)[1] is False
        (rules / "text.yaml").write_text(edited.replace("sentences:", "sentences: [", 1),
                                         encoding="utf-8")
        rulefiles.load_yaml.cache_clear()
        with pytest.raises(RuleFileError):
            _text_rules_fresh(monkeypatch, cache_dir)
    finally:
        rulefiles.load_yaml.cache_clear()


def test_a_tampered_text_rules_file_is_not_run_and_is_rebuilt(cache_dir, tmp_path, monkeypatch):
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    from extractor.text import rules as T

    good, built = _text_rules_fresh(monkeypatch, cache_dir)
    f, = (cache_dir / "text").glob("*.pickle")
    key = f.stem
    bare = pickle.dumps(good)           # (re's own pickling: no key)
    bads = (pickle.dumps(Evil()), b"\x80\x05truncated", pickle.dumps({"not": "rules"}),
            pickle.dumps((key, {"not": "rules"})), pickle.dumps(("0" * 32, good)), bare)
    for bad in bads + tuple(map(rulefiles._sealed, bads)):     # (behind a right CRC too)
        write_cache(f, bad)
        tr, built = _text_rules_fresh(monkeypatch, cache_dir)
        assert built and type(tr) is T.TextRules and not marker.exists()
        assert f.read_bytes() != bad                    # rewritten



def test_a_damaged_built_rules_file_is_a_miss(cache_dir, monkeypatch):
    """A cached_build file damaged anywhere (one flipped bit) is rebuilt, not used: a pickle
    has no check of its own. Before the file held the pickle's CRC-32, the text rules with a
    character of text.yaml's sentence ends changed in the file were used as they were, and a
    bit flipped in the code of a regex pattern crashed the process (SIGSEGV in regex's
    constructor) at every start: found by flipping random bits of the text rules' file
    (300 flips: 66 other rules used; 400 more: 1 crash)."""
    import json

    good, built = _text_rules_fresh(monkeypatch, cache_dir)
    assert built
    f, = (cache_dir / "text").glob("*.pickle")
    data = f.read_bytes()
    old, new = "。！？；!?;".encode(), "。！？，!?;".encode()       # same length: a valid pickle
    assert old in data
    write_cache(f, data.replace(old, new, 1))
    again, built = _text_rules_fresh(monkeypatch, cache_dir)
    assert built and again.raw["sentences"]["final"] == good.raw["sentences"]["final"]
    assert f.read_bytes() == data                                  # filed again
    # every 97th byte, one bit each, in a process of its own (a crash is a failure here)
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from extractor import rulefiles\n"
        "from extractor.text import rules as T\n"
        "f = Path(sys.argv[1]); good = f.read_bytes(); used = []\n"
        "class Miss(Exception): pass\n"
        "def miss(): raise Miss\n"
        "for at in range(0, len(good), 97):\n"
        "    bad = bytearray(good); bad[at] ^= 1 << (at % 8)\n"
        "    rulefiles.write_cache(f, bytes(bad))\n"
        "    try:\n"
        "        rulefiles.cached_build('text', f.stem, miss, T._TEXT_GLOBALS, T._complete)\n"
        "        used.append(at)\n"
        "    except Miss:\n"
        "        pass\n"
        "print(json.dumps([len(range(0, len(good), 97)), used]))\n")
    env = dict(os.environ, PYTHONPATH=str(REPO), EXTRACTOR_CACHE_DIR=str(cache_dir))
    out = subprocess.run([sys.executable, "-c", code, str(f)], capture_output=True, text=True,
                         cwd=str(REPO), env=env, timeout=300)
    assert out.returncode == 0, (out.returncode, out.stderr[-2000:])
    tried, used = json.loads(out.stdout.strip().splitlines()[-1])
    assert tried > 500 and used == []


def test_the_jieba_dictionary_file_names_its_sum_and_words_as_the_slow_way(cache_dir):
    """The sum of the entries' frequencies kept in the file = the sum over its entries; the
    checksum kept = the sha256 of its body; each word's own frequency (a byte search in its
    character's block) = the block read as a dict, for the user words, every 50th entry of
    the dictionary (words and prefixes), words it lacks and odd strings."""
    import hashlib
    import random

    from extractor.text import words

    jieba = words.import_jieba()
    words._initialize(jieba.Tokenizer(), jieba)
    data = words._dictionary_file(jieba).read_bytes()
    lazy, _ = words._unpack_dictionary(data, {})
    assert lazy.own_total == sum(lazy.counts) > 0
    body = data[len(words._DICT_MAGIC) + 32 + words._DICT_CHECK.size:]
    assert lazy.digest == hashlib.sha256(body).digest()

    def slow(w: str) -> int:
        if w[:1] not in lazy.where:
            return 0
        return dict(zip(*lazy._block(w[0]))).get(w, 0)

    entries = [w for ch in list(lazy.where)[::7] for w in lazy._block(ch)[0]]
    rnd = random.Random(3)
    probe = ([line.split()[0] for line in read_lines("lexicons/jieba_user.txt")]
             + entries[::50] + [w + "鑫" for w in entries[::97]] + [w[::-1] for w in entries[::89]]
             + ["", "\n", "中\n国", "a", "\ud800", "中\ud800", "𠀀", "国" * 30]
             + ["".join(rnd.choice("中国发展经济增长地区生产总值") for _ in range(rnd.randrange(1, 5)))
                for _ in range(500)])
    got = lazy.frequencies(probe)
    assert got == {w: slow(w) for w in probe}
    assert sum(1 for w in probe if got[w]) > 100 and sum(1 for w in probe if not got[w]) > 100


def _aged(path, seconds_ago: float) -> None:
    t = time.time() - seconds_ago
    os.utime(path, (t, t))


def test_a_cache_folder_keeps_its_newest_files_and_drops_dead_writers_temporaries(cache_dir):
    """rulefiles.prune through write_cache(kept=…): over ``kept`` files of the suffix, the
    oldest go until kept - kept // 4 remain; a writer's temporary file goes only when it is
    stale (an hour: its process was killed mid-write); files of another suffix stay."""
    folder = cache_dir / "yaml"
    folder.mkdir(parents=True)
    for i in range(8):
        (folder / f"old{i}.pickle").write_bytes(b"x")
        _aged(folder / f"old{i}.pickle", 100 - i)          # old0 the oldest
    (folder / "dead.pickle.123.tmp").write_bytes(b"half")
    _aged(folder / "dead.pickle.123.tmp", 2 * 3600)
    (folder / "live.pickle.456.tmp").write_bytes(b"half")   # being written now
    (folder / "other.dict").write_bytes(b"d")
    _aged(folder / "other.dict", 10_000)
    write_cache(folder / "new.pickle", b"new", kept=8)      # 9 files: down to 6
    assert sorted(p.name for p in folder.iterdir()) == [
        "live.pickle.456.tmp", "new.pickle", "old3.pickle", "old4.pickle", "old5.pickle",
        "old6.pickle", "old7.pickle", "other.dict"]
    write_cache(folder / "n2.pickle", b"n", kept=8)         # 7, 8 files: none pruned
    write_cache(folder / "n3.pickle", b"n", kept=8)
    assert len(list(folder.glob("*.pickle"))) == 8
    write_cache(folder / "n4.pickle", b"n", kept=None)      # no kept: nothing pruned
    assert len(list(folder.glob("*.pickle"))) == 9
    for age, name in enumerate(["n4", "n3", "n2", "new"], 1):   # (a file's time is coarse)
        _aged(folder / f"{name}.pickle", age)
    write_cache(folder / "n5.pickle", b"n", kept=3)         # kept 3: exactly the newest 3
    assert sorted(p.name for p in folder.glob("*.pickle")) == ["n3.pickle", "n4.pickle",
                                                                "n5.pickle"]


def test_the_yaml_and_jieba_caches_stay_bounded(cache_dir, monkeypatch):
    """parse_yaml_cached keeps at most rulefiles.YAML_KEPT files (one per distinct rule file
    text: on the team's machine 3,979 had piled up), the jieba copy words._DICTIONARIES_KEPT."""
    monkeypatch.setattr(rulefiles, "YAML_KEPT", 8)
    for i in range(20):
        assert rulefiles.parse_yaml_cached(f"a: {i}\n", "safe") == {"a": i}
    assert 6 <= len(list((cache_dir / "yaml").glob("*.pickle"))) <= 8

    from extractor.text import words
    jdir = cache_dir / "jieba"
    jdir.mkdir()
    for i in range(5):
        (jdir / f"v{i}.dict").write_bytes(b"x")
        _aged(jdir / f"v{i}.dict", 1000 - i)
    jieba = words.import_jieba()
    assert words._initialize(jieba.Tokenizer(), jieba) is None   # a miss: jieba's load, filed
    kept = sorted(p.name for p in jdir.glob("*.dict"))
    assert len(kept) == words._DICTIONARIES_KEPT and "v0.dict" not in kept
    assert words._dictionary_file(jieba).name in kept

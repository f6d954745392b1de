"""facts.hold_rules / rules_held: while a batch run holds the rules, ``extract_facts`` loads the
number rule set of each rules folder once (``load_ruleset`` checks the folder's files on every
call) and keeps it for the run's documents. Each folder (the ``rules`` argument, or
$EXTRACTOR_RULES_DIR for the default) keeps its own set; a load that fails is not kept; after
the hold every document checks the files again. The serial engine holds them for the
documents after the first, a pool worker from its warm-up on."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import extractor.facts as facts_mod
from extractor.errors import RuleFileError
from extractor.facts import document_from_text, extract_facts, load_ruleset
from extractor.rulefiles import rules_dir
from extractor.text import prepare

TEXT = "全年完成投资1200万元，同比增长5.6%，新增企业2100户，为期100天的行动于8月16日结束。"


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = facts_mod.load_ruleset

    def counting(rules=None):
        calls.append(rules)
        return real(rules)

    monkeypatch.setattr(facts_mod, "load_ruleset", counting)
    return calls


@pytest.fixture(autouse=True)
def _no_hold_left():
    assert facts_mod._held is None
    yield
    facts_mod._held = None


def _fields(facts):
    return [(f.kind, f.start, f.end, f.text, f.value, f.unit, f.rule_id, f.period, f.subject)
            for f in facts]


def test_held_rules_load_once_and_give_the_same_facts(counted, shared_dir):
    texts = [TEXT] + [p.read_text(encoding="utf-8")[:3000]
                      for p in sorted((shared_dir / "corpus" / "raw").glob("*.txt"))[:4]]
    prepared = [prepare(document_from_text(t)) for t in texts]
    want = [_fields(extract_facts(p)) for p in prepared]
    assert len(counted) == len(texts)           # not held: one check per document
    counted.clear()
    with facts_mod.rules_held():
        got = [_fields(extract_facts(p)) for p in prepared]
        assert len(counted) == 1
    assert got == want and any(want)
    assert facts_mod._held is None
    extract_facts(prepared[0])
    assert len(counted) == 2                    # checked again after the hold


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "rules"
    shutil.copytree(rules_dir(), dst)
    return dst


def test_each_folder_keeps_its_own_set(rules_copy, monkeypatch):
    monkeypatch.delenv("EXTRACTOR_RULES_DIR", raising=False)
    default = load_ruleset()
    copy = load_ruleset(rules_copy)
    assert copy is not default
    with facts_mod.rules_held():
        assert facts_mod._ruleset(None) is default
        assert facts_mod._ruleset(rules_copy) is copy
        monkeypatch.setenv("EXTRACTOR_RULES_DIR", str(rules_copy))
        assert facts_mod._ruleset(None) is copy   # the default folder is the variable's
        monkeypatch.delenv("EXTRACTOR_RULES_DIR")
        assert facts_mod._ruleset(None) is default


def test_an_edit_during_the_hold_is_seen_after_it(rules_copy):
    f = rules_copy / "kinds" / "money.yaml"
    with facts_mod.rules_held():
        held = facts_mod._ruleset(rules_copy)
        f.write_text(f.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
        assert facts_mod._ruleset(rules_copy) is held
    assert load_ruleset(rules_copy) is not held     # the edit made another rule set


def test_a_failing_load_is_not_kept(rules_copy):
    f = rules_copy / "kinds" / "count.yaml"
    good = f.read_text(encoding="utf-8")
    f.write_text(good.replace("    priority: 50\n", "    priorty: 50\n", 1), encoding="utf-8")
    with facts_mod.rules_held():
        with pytest.raises(RuleFileError):
            facts_mod._ruleset(rules_copy)
        with pytest.raises(RuleFileError):       # loaded (and refused) again
            facts_mod._ruleset(rules_copy)
        f.write_text(good, encoding="utf-8")
        assert facts_mod._ruleset(rules_copy) is load_ruleset(rules_copy)


def test_an_outer_hold_outlives_an_inner_one():
    with facts_mod.rules_held():
        with facts_mod.rules_held():
            pass
        assert facts_mod._held is not None
    assert facts_mod._held is None


def test_the_serial_engine_holds_the_rules_for_the_documents_after_the_first(tmp_path,
                                                                           monkeypatch):
    from extractor.batch import engine
    from extractor.batch.worker import Task

    seen = []
    real = facts_mod.extract_facts

    def watching(prepared, **kw):
        seen.append(facts_mod._held is not None)
        return real(prepared, **kw)

    monkeypatch.setattr(facts_mod, "extract_facts", watching)
    paths = []
    for i in range(3):
        p = tmp_path / f"r{i}.txt"
        p.write_text(TEXT * (i + 1), encoding="utf-8")
        paths.append(p)
    tasks = [Task(str(p), p.name) for p in paths]
    outcomes = list(engine.run_tasks(tasks, jobs=1))
    assert [o[0]["status"] for o in outcomes] == ["ok"] * 3
    assert seen == [False, True, True]
    assert facts_mod._held is None
    seen.clear()                                  # a run stopped early lets go too
    run = engine.run_tasks(tasks, jobs=1)
    next(run), next(run)
    assert facts_mod._held is not None
    run.close()
    assert seen == [False, True] and facts_mod._held is None


def test_a_pool_worker_holds_the_rules_after_its_warm_up():
    code = ("import extractor.facts as f, extractor.batch.worker as w;"
            "w.warm_up(); assert f._held is None; w.settle(); assert f._held is not None;"
            "print('ok')")
    import os

    import extractor

    repo = str(Path(extractor.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [repo, *filter(None, [os.environ.get("PYTHONPATH")])])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, env=env, cwd=repo)
    assert out.stdout.strip() == "ok", out.stderr

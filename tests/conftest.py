"""Shared fixtures. Tests that read ../shared skip with a reason when it is absent."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
SAMPLE_NAME = "000_d222d2fbad11a8ee.txt"

#: seconds any one test may take before the whole run stops with every thread's stack on stderr
#: (``EXTRACTOR_TEST_TIMEOUT``; 0: no limit). The suite takes 3-6 min and its slowest test
#: about 2 min on a loaded machine; CI stops after 90 min, and a test that hung (one sat 35 min
#: in test_fuzz_pipeline once) would use them all and show nothing.
TEST_TIMEOUT = float(os.environ.get("EXTRACTOR_TEST_TIMEOUT", "900") or 0)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test without a limit of its own gets ``TEST_TIMEOUT`` from pytest-timeout (a test
    dependency), unless ``--timeout`` or the ``timeout`` ini option says otherwise. The thread
    method: a watcher thread dumps all stacks and ends the process, whatever the main thread
    waits on. The signal method would share SIGALRM and the real-time timer with the
    per-document time limit (``batch.worker.deadline``), which in-process runs arm and disarm."""
    if (not TEST_TIMEOUT or not config.pluginmanager.hasplugin("timeout")
            or config.getoption("timeout", None) is not None or config.getini("timeout")):
        return
    mark = pytest.mark.timeout(TEST_TIMEOUT, method="thread")
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(mark)


@pytest.fixture(scope="session", autouse=True)
def session_tmpdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of the whole session, this process's (``tempfile.tempdir``) and
    every process the tests start (``TMPDIR``): one folder, removed when the session ends.

    The runs the tests kill (SIGKILL, SIGTERM before any handler) cannot remove their scratch
    folders (``extractor-*``) nor their pool's ``pymp-*`` folder, and a run whose exports fail
    keeps its results in one by design: in /tmp they piled up (each suite left two of each,
    635 after a day), with Dask's ``dask-scratch-space`` and more. Tests that look at what a
    run leaves behind give it a folder of their own, as before. Mode 1777 as /tmp: a test's
    child that drops to another user (``test_no_permission``) still gets through it."""
    from multiprocessing import util

    tmp_path_factory.getbasetemp()      # pytest's own folders stay where they were
    root = tempfile.mkdtemp(prefix="extractor-tests-")
    os.chmod(root, 0o1777)
    saved_env, saved_dir = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = tempfile.tempdir = root
    # what is still in use at the end (the folder of this process's fork server, which
    # multiprocessing removes at exit with priority -100) goes with the folder after that
    util.Finalize(None, shutil.rmtree, args=(root,), kwargs={"ignore_errors": True},
                  exitpriority=-101)
    try:
        yield Path(root)
    finally:
        tempfile.tempdir = saved_dir
        if saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_env
        in_use = util.get_temp_dir() if util.process.current_process()._config.get(
            "tempdir") else None
        for entry in os.scandir(root):
            if entry.path != in_use:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared corpus is laid beside the repository only on "
                    "the team's machines and in CI")
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return _need(SHARED)


@pytest.fixture(scope="session")
def sample_path(shared_dir: Path) -> Path:
    return _need(shared_dir / "seed" / SAMPLE_NAME)


@pytest.fixture(scope="session")
def corpus_files(shared_dir: Path) -> list[Path]:
    raw = _need(shared_dir / "corpus" / "raw")
    return sorted(p for p in raw.iterdir() if p.is_file())


@pytest.fixture
def dates_rules_dir(monkeypatch):
    """Points the rules at a folder (a copy holding a deliberately slow rule) with a 0.2 s limit
    per date search. dates.py caches its rules per process: the caches are cleared when the
    folder is taken and again after the test."""
    from extractor.facts import dates
    from extractor.rulefiles import load_yaml

    def clear() -> None:
        load_yaml.cache_clear()
        dates.ruleset.cache_clear()

    def use(folder: Path) -> Path:
        monkeypatch.setenv("EXTRACTOR_RULES_DIR", str(folder))
        monkeypatch.setattr(dates, "MATCH_TIMEOUT", 0.2)
        clear()
        return folder

    yield use
    monkeypatch.delenv("EXTRACTOR_RULES_DIR", raising=False)
    clear()

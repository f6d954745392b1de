"""The analyst walkthrough executes end to end (so it never rots) and is committed without outputs."""
from __future__ import annotations

import json
import re
import runpy
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "walkthrough.ipynb"


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "the walkthrough has code cells"
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    assert "widgets" not in nb.metadata


@pytest.mark.timeout(300)
def test_walkthrough_executes_and_writes_the_pivot(tmp_path):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    nb = nbformat.read(NOTEBOOK, as_version=4)
    # A kernel spec for this very interpreter (the venv), so no user-wide "python3" spec can
    # send the notebook to another Python.
    spec_dir = tmp_path / "kernels" / "extractor-venv"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "extractor venv", "language": "python"}), encoding="utf-8")
    km = KernelManager(kernel_name="extractor-venv",
                       kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_dir.parent)]))
    client = NotebookClient(nb, km=km, timeout=240, allow_errors=False,
                            resources={"metadata": {"path": str(REPO / "notebooks")}})
    t0 = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:   # show the failing cell's traceback, not nbclient's
        pytest.fail(f"the walkthrough failed:\n{exc}")
    seconds = time.perf_counter() - t0
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs if o.output_type == "stream")
    m = re.search(r"(\d+) documents, (\d+) facts, (\d+) findings", text)
    assert m and int(m.group(1)) >= 1 and int(m.group(2)) > 0, text[:500]
    pivot = re.search(r"pivot written: (\S+\.xlsx) \((\d+), (\d+)\)", text)
    assert pivot, text[-800:]
    xlsx = Path(pivot.group(1))
    try:
        import openpyxl
        wb = openpyxl.load_workbook(xlsx, read_only=True)
        assert wb.sheetnames == ["pivot", "facts"]
        # one row per subject under the header (pandas writes one or two header rows)
        assert int(pivot.group(2)) + 1 <= wb["pivot"].max_row <= int(pivot.group(2)) + 2
        assert wb["facts"].max_row == int(m.group(2)) + 1
        wb.close()
        html = Path(re.search(r"report written: (\S+\.html)", text).group(1))
        assert "<!DOCTYPE html>" in html.read_text(encoding="utf-8")[:100]
    finally:
        shutil.rmtree(xlsx.parent, ignore_errors=True)
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "display_data" and "image/png" in o.get("data", {})]
    assert len(images) == 4
    # the strip tool clears what a run leaves behind
    executed = tmp_path / "executed.ipynb"
    nbformat.write(nb, executed)
    tool = runpy.run_path(str(REPO / "notebooks" / "strip_outputs.py"))
    assert tool["main"]([str(executed), "--check"]) == 1
    assert tool["main"]([str(executed)]) == 0
    assert tool["main"]([str(executed), "--check"]) == 0
    print(f"walkthrough executed in {seconds:.1f} s with {sys.executable}", file=sys.stderr)

"""Clear outputs and execution counts of the notebooks before committing them.

    .venv/bin/python notebooks/strip_outputs.py            # every notebooks/*.ipynb
    .venv/bin/python notebooks/strip_outputs.py --check    # exit 1 if any has outputs
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat


def strip(path: Path, *, check: bool = False) -> bool:
    """Return True when the notebook had outputs (and, unless check, write it without them)."""
    nb = nbformat.read(path, as_version=4)
    dirty = False
    for cell in nb.cells:
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            dirty = True
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    if dirty and not check:
        nbformat.write(nb, path)
    return dirty


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [Path(a) for a in argv if not a.startswith("--")] or sorted(
        Path(__file__).resolve().parent.glob("*.ipynb"))
    dirty = [p for p in paths if strip(p, check=check)]
    for p in dirty:
        print(f"{p}: {'has outputs' if check else 'outputs cleared'}", file=sys.stderr)
    return 1 if check and dirty else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

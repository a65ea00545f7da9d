"""Re-execute the notebooks in place and keep their paired scripts in sync.

Usage: python scripts/run_notebooks.py [NAME ...]

Each ``notebooks/NN-*.py`` (py:percent, the reviewed source) is turned into its .ipynb, executed
with the working folder set to notebooks/, and saved with outputs; execution timestamps are
dropped and cell ids derived from the cells' sources, so that a re-run changes only what really
changed.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"


def run(py_path: Path) -> Path:
    nb = jupytext.read(py_path)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (baimq)", "language": "python"}
    nb.metadata.pop("jupytext", None)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NB_DIR)}})
    client.execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    stable_ids(nb)
    out = py_path.with_suffix(".ipynb")
    jupytext.write(nb, out, fmt="ipynb")
    jupytext.write(nb, py_path, fmt="py:percent")
    return out


def stable_ids(nb) -> None:
    """Cell ids from the cell's source (jupytext makes random ones), so a re-run changes no id."""
    seen = set()
    for cell in nb.cells:
        base = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:8]
        cid, n = base, 1
        while cid in seen:
            cid, n = f"{base}-{n}", n + 1
        seen.add(cid)
        cell.id = cid


def main(argv: list[str]) -> int:
    names = argv or sorted(p.name for p in NB_DIR.glob("[0-9][0-9]-*.py"))
    for name in names:
        path = NB_DIR / Path(name).with_suffix(".py").name
        print(f"执行 {path.name} …", flush=True)
        run(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

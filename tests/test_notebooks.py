"""The notebook suite: paired with scripts, thin (no def/class), parameterised."""
from __future__ import annotations

import ast
from pathlib import Path

import jupytext
import nbformat
import pytest

NB_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("[0-9][0-9]-*.ipynb"))


def _code(nb) -> list[str]:
    return [c.source.strip() for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_paired_and_in_sync(path):
    script = path.with_suffix(".py")
    assert script.exists(), f"{path.name} has no paired py:percent script"
    nb = nbformat.read(path, as_version=4)
    paired = jupytext.read(script)
    assert [(c.cell_type, c.source.strip()) for c in nb.cells] == \
        [(c.cell_type, c.source.strip()) for c in paired.cells], \
        f"{path.name} and {script.name} are out of sync: run `make sync`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin_and_parameterised(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown", "first cell states the questions, inputs and outputs"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged `parameters`"
    for src in _code(nb):
        tree = ast.parse("\n".join(l for l in src.splitlines() if not l.lstrip().startswith(("%", "!"))))
        defs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))]
        assert not defs, f"{path.name}: logic belongs in baimq, not in a notebook ({defs[0].name})"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_with_outputs(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert any(c.get("outputs") for c in code), f"{path.name} was saved without outputs"
    for c in code:
        for out in c.get("outputs", []):
            assert "image/svg+xml" not in out.get("data", {}), "no SVG outputs (nbval compares them)"
            assert out.get("output_type") != "error", f"{path.name} was saved with an error"

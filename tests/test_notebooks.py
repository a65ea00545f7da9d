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


def test_papermill_builds_another_month(tmp_path):
    """`papermill notebooks/06-… out.ipynb -p period 2023-09` makes that month's bulletin."""
    papermill = pytest.importorskip("papermill")
    source = next(NB_DIR.glob("06-*.ipynb"))
    out_dir = tmp_path / "out"
    papermill.execute_notebook(str(source), str(tmp_path / "06-2023-09.ipynb"), cwd=str(NB_DIR),
                               parameters={"period": "2023-09", "out_dir": str(out_dir)},
                               kernel_name="python3", progress_bar=False)
    folder = out_dir / "2023-09"
    assert {"bulletin.pptx", "tables.xlsx", "bulletin.md"} <= {p.name for p in folder.iterdir()}
    text = (folder / "bulletin.md").read_text(encoding="utf-8")
    assert "1-9月，全市一般公共预算收入" in text

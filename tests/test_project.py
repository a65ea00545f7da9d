"""The project's own files: environment.yml in step with pyproject, no absolute paths."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# conda-forge names differ from PyPI names for a few packages.
CONDA_NAMES = {"xlsxwriter": "xlsxwriter"}


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject_requirements() -> set[str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(meta["dependencies"])
    for extra in meta.get("optional-dependencies", {}).values():
        reqs += extra
    return {_name(r) for r in reqs}


def _environment_packages() -> set[str]:
    names = set()
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    for line in text.split("dependencies:", 1)[1].splitlines():
        m = re.match(r"^\s+-\s+([A-Za-z0-9_.\-]+)", line)
        if not m or line.strip().startswith("- -e") or m.group(1) in ("pip:", "pip"):
            continue
        names.add(_name(m.group(1)))
    return names - {"python", "pip"}


def test_environment_yml_matches_pyproject():
    py = {CONDA_NAMES.get(n, n) for n in _pyproject_requirements()}
    env = _environment_packages()
    assert py - env == set(), f"in pyproject but not environment.yml: {sorted(py - env)}"
    assert env - py == set(), f"in environment.yml but not pyproject: {sorted(env - py)}"


def test_constraints_pin_every_requirement():
    pinned = {_name(line) for line in (ROOT / "requirements/constraints.txt").read_text().splitlines()
              if line and not line.startswith("#")}
    missing = _pyproject_requirements() - pinned
    assert not missing, f"requirements/constraints.txt does not pin {sorted(missing)}"


def test_no_absolute_paths_in_package_and_notebooks():
    pattern = re.compile(r"(/work/|/home/|/tmp/|/root/|[A-Z]:\\\\)")
    offenders = []
    for path in [*ROOT.joinpath("baimq").rglob("*.py"), *ROOT.joinpath("notebooks").glob("*.py"),
                 *ROOT.joinpath("notebooks").glob("*.ipynb")]:
        text = path.read_text(encoding="utf-8")
        if pattern.search(text):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"absolute paths in {offenders}"

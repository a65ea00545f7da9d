"""Shared fixtures: the project configuration and a workbook writer into tmp_path."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))  # so tests can `import workbooks`

CONFIG = TESTS.parent / "baimq.toml"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own empty load cache (baimq.load caches by default): tests stay
    hermetic and nothing is written under the repository."""
    monkeypatch.setenv("BAIMQ_CACHE", str(tmp_path_factory.mktemp("baimq-cache")))


@pytest.fixture(scope="session")
def project():
    """The repository's project (湛江市, 市本级 and zones configured)."""
    from baimq.config import get_project

    return get_project(CONFIG)


@pytest.fixture
def book(tmp_path):
    """``book(rows_or_sheets, name="t.xlsx", merged=..., hidden=...)`` → path of a new workbook."""
    from workbooks import write_book

    def make(sheets, name="t.xlsx", **kw):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_book(path, sheets, **kw)

    return make


# Hypothesis profiles. "default" (make test): short, derandomised so that CI is stable.
# "long" (make fuzz: HYPOTHESIS_PROFILE=long): thousands of random examples (benchmarks/FUZZ.md).
# No example database: tests write nothing outside pytest's tmp_path; a failure prints its
# reproduction blob instead. Tests that set their own @settings keep them.
from hypothesis import HealthCheck as _HealthCheck  # noqa: E402
from hypothesis import settings as _hsettings  # noqa: E402

_hsettings.register_profile("default", max_examples=40, deadline=None, derandomize=True, database=None,
                            suppress_health_check=[_HealthCheck.too_slow])
_hsettings.register_profile("long", max_examples=2500, deadline=None, database=None, print_blob=True,
                            suppress_health_check=[_HealthCheck.too_slow])
_hsettings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "default"))

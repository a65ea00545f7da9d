"""Shared fixtures: the project configuration and a workbook writer into tmp_path."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))  # so tests can `import workbooks`

CONFIG = TESTS.parent / "baimq.toml"


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

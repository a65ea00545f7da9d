"""Write small hand-written grids to real workbooks for the tests.

A grid is a list of rows (lists of cell values, ``None`` for an empty cell). Strings that
start with "=" become formula cells without a cached value (what programs write).

    write_book(tmp_path / "b.xlsx", {"Sheet1": rows}, merged={"Sheet1": ["C1:E1"]}, hidden=["说明"])
"""
from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.utils import range_boundaries


def _as_sheets(sheets):
    return sheets if isinstance(sheets, dict) else {"Sheet1": sheets}


def write_xlsx(path, sheets, *, merged=None, hidden=()) -> Path:
    """Write *sheets* ({name: rows} or one grid) to an .xlsx file with openpyxl."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in _as_sheets(sheets).items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(row=r, column=c, value=value)
        for rng in (merged or {}).get(name, ()):
            ws.merge_cells(rng)
        if name in hidden:
            ws.sheet_state = "hidden"
    path = Path(path)
    wb.save(path)
    return path


def write_xls(path, sheets, *, merged=None, hidden=()) -> Path:
    """Write *sheets* to a legacy .xls file with xlwt (as WPS and old systems do)."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    for name, rows in _as_sheets(sheets).items():
        ws = wb.add_sheet(name)
        spans = {}
        for rng in (merged or {}).get(name, ()):
            c0, r0, c1, r1 = range_boundaries(rng)
            spans[(r0 - 1, c0 - 1)] = (r1 - 1, c1 - 1)
        covered = {(r, c) for (r0, c0), (r1, c1) in spans.items()
                   for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if (r, c) in spans:
                    r1, c1 = spans[(r, c)]
                    ws.write_merge(r, r1, c, c1, value if value is not None else "")
                elif value is not None and (r, c) not in covered:
                    ws.write(r, c, value)
        if name in hidden:
            ws.visibility = 1
    path = Path(path)
    wb.save(str(path))
    return path


def write_book(path, sheets, **kw) -> Path:
    """Write .xlsx or .xls by the suffix of *path*."""
    return (write_xls if str(path).lower().endswith(".xls") else write_xlsx)(path, sheets, **kw)


def budget_grid(rows=None, *, title="2023年1-6月各县（市、区）一般公共预算收入完成情况表",
                unit="单位：万元"):
    """A typical two-row-header budget return; *rows* are (area, this year, last year, growth %)."""
    rows = rows if rows is not None else [
        ("赤坎区", 30000.0, 25000.0, 20.0),
        ("霞山区", 50000.0, 40000.0, 25.0),
    ]
    grid = [[title], [unit], ["地区", "一般公共预算收入", None, None],
            [None, "本年累计", "上年同期", "同比增长（%）"]]
    grid += [list(r) for r in rows]
    return grid


BUDGET_MERGED = ["A3:A4", "B3:D3"]

"""Reading workbooks: true coordinates, merges, hidden sheets, .xls, formulas, bad files."""
from __future__ import annotations

import pytest

from baimq.errors import DataError
from baimq.reader import read_book, spreadsheet_files


def test_true_coordinates_and_merges(book):
    p = book([[None], [None, None], [None, "地区", "x", None], [None, "赤坎区", 1.5, 2]], merged={"Sheet1": ["C3:D3"]})
    s = read_book(p).sheets[0]
    assert s.value(2, 1) == "地区"          # B3 stays B3 although row 1-2 and column A are empty
    assert s.value(3, 2) == 1.5             # C4
    assert s.merged == [((2, 2), (2, 3))]   # C3:D3, zero-based


def test_hidden_sheet_listed_not_read(book):
    p = book({"说明": [["填表说明"]], "数据": [["地区"]]}, hidden=["说明"])
    b = read_book(p)
    assert [(s.name, s.visible) for s in b.sheets] == [("说明", False), ("数据", True)]
    assert b.sheets[0].rows == []


def test_xls_with_merges_and_hidden(book):
    p = book({"说明": [["x"]], "表": [["标题"], ["地区", "收入", None], [None, "本年", "上年"]]},
             name="t.xls", merged={"表": ["B2:C2", "A2:A3"]}, hidden=["说明"])
    b = read_book(p)
    assert b.format == "xls"
    s = b.sheets[1]
    assert s.value(1, 1) == "收入" and s.value(2, 2) == "上年"
    assert sorted(s.merged) == [((1, 0), (2, 0)), ((1, 1), (1, 2))]
    assert not b.sheets[0].visible


def test_formula_without_cached_value_found(book):
    p = book([["地区", "收入"], ["赤坎区", 1], ["霞山区", 2], ["合计", "=SUM(B2:B3)"]])
    s = read_book(p).sheets[0]
    assert s.formulas_without_value == {(3, 1)}   # B4
    assert s.value(3, 1) == ""                    # calamine gives "", not 0


@pytest.mark.parametrize("content, code", [
    (b"", None), (b"hello, this is text\n", None), (b"PK\x03\x04broken", None),
])
def test_not_a_spreadsheet_is_a_data_error(tmp_path, content, code):
    p = tmp_path / "bad.xlsx"
    p.write_bytes(content)
    with pytest.raises(DataError) as e:
        read_book(p)
    assert e.value.file == "bad.xlsx" and e.value.findings[0].severity == "error"


def test_truncated_workbook_is_a_data_error(book, tmp_path):
    p = book([["地区", "收入"], ["赤坎区", 1]])
    data = p.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError):
        read_book(cut)


def test_reading_writes_nothing(book, tmp_path):
    p = book([["地区", "收入"], ["赤坎区", 1]])
    before = {f.name: f.stat().st_mtime_ns for f in tmp_path.iterdir()}
    read_book(p)
    assert {f.name: f.stat().st_mtime_ns for f in tmp_path.iterdir()} == before


def test_folder_listing_is_recursive_and_sorted(book, tmp_path):
    for name in ("b/2.xlsx", "a.xls", "b/1.xlsm", "~$lock.xlsx", "notes.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    got = [p.relative_to(tmp_path).as_posix() for p in spreadsheet_files(tmp_path)]
    assert got == ["a.xls", "b/1.xlsm", "b/2.xlsx"]

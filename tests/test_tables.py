"""Tests for baimq.tables: the bulletin's XLSX tables and CSV."""
from __future__ import annotations

import math

import numpy as np
import openpyxl
import pandas as pd
import pytest

from baimq.tables import infer_format, text_width, write_csv, write_tables


@pytest.fixture
def revenue():
    """Three counties' 1-6月 revenue (亿元), growth (fraction), light, and a hostile note column."""
    return pd.DataFrame({
        "地区": ["廉江市", "遂溪县", "坡头区"],
        "1-6月（亿元）": [7.125, 4.5, math.nan],
        "同比增长": [0.149, 0.104, -0.034],
        "亮灯": ["green", "yellow", "red"],
        "备注": ["=1+1", "@SUM(A1)", "-2+3"],
        "排名": [1, 2, 3],
    })


def _sheet(path, name):
    return openpyxl.load_workbook(path)[name]


def test_values_read_back_equal_the_table(tmp_path, revenue):
    before = revenue.copy()
    path = write_tables({"收入": revenue}, tmp_path / "out.xlsx")
    pd.testing.assert_frame_equal(revenue, before)                      # input not mutated
    ws = _sheet(path, "收入")
    assert [c.value for c in ws[1]] == list(revenue.columns)
    assert [c.value for c in ws["A"][1:]] == ["廉江市", "遂溪县", "坡头区"]
    assert [c.value for c in ws["B"][1:3]] == [7.125, 4.5]             # stored unrounded
    assert ws["B4"].value == "—"                                        # missing shows a dash, not nan
    assert [c.value for c in ws["C"][1:]] == [0.149, 0.104, -0.034]
    assert [c.value for c in ws["F"][1:]] == [1, 2, 3]


def test_number_formats(tmp_path, revenue):
    ws = _sheet(write_tables({"收入": revenue}, tmp_path / "out.xlsx"), "收入")
    assert ws["B2"].number_format == "0.00"                             # 亿元 two decimals
    assert ws["C2"].number_format == "0.0%"                             # growth as percent
    assert ws["F2"].number_format == "0"                                # rank


def test_formula_like_text_stays_text(tmp_path, revenue):
    ws = _sheet(write_tables({"收入": revenue}, tmp_path / "out.xlsx"), "收入")
    for cell, text in (("E2", "=1+1"), ("E3", "@SUM(A1)"), ("E4", "-2+3")):
        assert ws[cell].data_type == "s"
        assert ws[cell].value == text


def test_lights_are_colour_fills(tmp_path, revenue):
    ws = _sheet(write_tables({"收入": revenue}, tmp_path / "out.xlsx"), "收入")
    shown = [(c.value, c.fill.fill_type, c.fill.fgColor.rgb) for c in ws["D"][1:]]
    assert shown == [("绿灯", "solid", "FF00B050"), ("黄灯", "solid", "FFFFFF00"), ("红灯", "solid", "FFFF0000")]
    assert ws["A2"].fill.fill_type is None


def test_unlit_light_shows_a_dash(tmp_path):
    df = pd.DataFrame({"地区": ["廉江市", "遂溪县"], "亮灯": ["", "red"]})
    ws = _sheet(write_tables({"S": df}, tmp_path / "l.xlsx"), "S")
    assert (ws["B2"].value, ws["B2"].fill.fill_type) == ("—", None)
    assert (ws["B3"].value, ws["B3"].fill.fgColor.rgb) == ("红灯", "FFFF0000")


def test_frozen_header_title_and_unit(tmp_path, revenue):
    title = "2023年1-6月各县（市、区）一般公共预算收入完成情况表"
    path = write_tables({"收入": revenue, "无标题": revenue}, tmp_path / "out.xlsx",
                        titles={"收入": title}, units={"收入": "单位：亿元"})
    wb = openpyxl.load_workbook(path)
    ws = wb["收入"]
    assert wb.sheetnames == ["收入", "无标题"]
    assert ws["A1"].value == title and ws["A2"].value == "单位：亿元"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:F1", "A2:F2"}
    assert ws["A3"].value == "地区" and ws["A4"].value == "廉江市"
    assert ws.freeze_panes == "B4"                                      # header rows and area column
    assert wb["无标题"].freeze_panes == "B2"


def test_column_width_counts_chinese_as_two(tmp_path):
    assert text_width("廉江市") == 6 and text_width("ab") == 2 and text_width("（１）") == 6
    df = pd.DataFrame({"一般公共预算收入": [1.0], "x": ["abcdefghij"]})
    ws = _sheet(write_tables({"S": df}, tmp_path / "w.xlsx"), "S")
    # 8 CJK characters → 16, plus 2 padding = 18; 10 Latin → 10 + 2 = 12 (Excel stores +0.71).
    assert ws.column_dimensions["A"].width == pytest.approx(18, abs=0.8)
    assert ws.column_dimensions["B"].width == pytest.approx(12, abs=0.8)


def test_explicit_and_per_sheet_formats(tmp_path):
    df = pd.DataFrame({"地区": ["廉江市"], "完成值": [0.5], "状态": ["green"]})
    path = write_tables({"甲": df, "乙": df}, tmp_path / "f.xlsx",
                        formats={"完成值": "0.0%", "乙": {"完成值": "#,##0.000", "状态": "text"}})
    wb = openpyxl.load_workbook(path)
    assert wb["甲"]["B2"].number_format == "0.0%"
    assert wb["乙"]["B2"].number_format == "#,##0.000"
    assert wb["甲"]["C2"].value == "绿灯"
    assert wb["乙"]["C2"].value == "green" and wb["乙"]["C2"].fill.fill_type is None


def test_named_index_is_written(tmp_path):
    df = pd.DataFrame({"数值": [1.5, 2.5]}, index=pd.Index(["赤坎区", "霞山区"], name="地区"))
    ws = _sheet(write_tables({"S": df}, tmp_path / "i.xlsx"), "S")
    assert [[c.value for c in row] for row in ws.iter_rows()] == [["地区", "数值"], ["赤坎区", 1.5], ["霞山区", 2.5]]


def test_other_cell_types(tmp_path):
    df = pd.DataFrame({"地区": ["廉江市", "遂溪县"], "是否完成": [True, False],
                       "截至": [pd.Timestamp("2023-06-30"), pd.Timestamp("2023-07-03 09:30")],
                       "时期": [pd.Period("2023-06", "M"), pd.Period("2023", "Y")],
                       "数值": np.array([1.5, np.nan], dtype="float32")})
    ws = _sheet(write_tables({"S": df}, tmp_path / "o.xlsx"), "S")
    assert [c.value for c in ws[2]] == ["廉江市", "是", "2023-06-30", "2023-06", 1.5]
    assert [c.value for c in ws[3]] == ["遂溪县", "否", "2023-07-03 09:30", "2023", "—"]


def test_two_runs_are_byte_identical(tmp_path, revenue):
    a = write_tables({"收入": revenue}, tmp_path / "a.xlsx", titles={"收入": "标题"})
    b = write_tables({"收入": revenue.copy()}, tmp_path / "b.xlsx", titles={"收入": "标题"})
    assert a.read_bytes() == b.read_bytes()


def test_refuses_raw_data_and_bad_sheet_names(tmp_path, revenue):
    with pytest.raises(ValueError, match="data/raw"):
        write_tables({"收入": revenue}, tmp_path / "data" / "raw" / "x.xlsx")
    with pytest.raises(ValueError, match="工作表名"):
        write_tables({"收入/支出": revenue}, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


@pytest.mark.parametrize("name, values, expected", [
    ("一般公共预算收入（亿元）", [1.25, 2.0], "0.00"),
    ("同比增长", [0.062, -0.034], "0.0%"),
    ("完成率", [0.5, 1.1], "0.0%"),
    ("同比增减（亿元）", [1.2, -0.3], "0.00"),      # an amount, though it says 同比
    ("增速比一季度提高（百分点）", [1.1, -0.5], "0.0"),
    ("合作社数（家）", [120.0, 95.0], "0"),
    ("排名", [1, 2], "0"),
    ("亮灯", ["绿灯", None, "红"], "light"),
    ("亮灯", ["green", "", "red"], "light"),        # compare.LightRule gives "" when not computable
    ("地区", ["廉江市", "遂溪县"], "text"),
])
def test_infer_format(name, values, expected):
    assert infer_format(name, pd.Series(values)) == expected


def test_csv_quotes_formula_like_text(tmp_path, revenue):
    before = revenue.copy()
    path = write_csv(revenue, tmp_path / "out.csv")
    pd.testing.assert_frame_equal(revenue, before)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                              # BOM: Excel reads UTF-8
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "地区,1-6月（亿元）,同比增长,亮灯,备注,排名"
    assert lines[1] == "廉江市,7.125,0.149,green,'=1+1,1"
    assert lines[2] == "遂溪县,4.5,0.104,yellow,'@SUM(A1),2"
    assert lines[3] == "坡头区,,-0.034,red,'-2+3,3"                  # negative number untouched

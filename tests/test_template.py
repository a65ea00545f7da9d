"""Fill-in templates: layout, protection, validation, metadata, reading back."""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from baimq.config import get_project
from baimq.template import (
    META_SHEET, default_areas, make_templates, parse_cell, read_template, read_template_meta,
    write_template,
)

# 湛江市's nine county-level divisions in code order (GB/T 2260: 440802 … 440883), then 市本级.
ZHANJIANG = ["赤坎区", "霞山区", "坡头区", "麻章区", "遂溪县", "徐闻县", "廉江市", "雷州市", "吴川市", "市本级"]


def _fill(path, values: dict, out=None):
    """Type values into a template as a county would (openpyxl ignores validation)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["填报表"]
    for cell, value in values.items():
        ws[cell] = value
    wb.save(out or path)
    return out or path


def test_default_areas_are_the_nine_counties_and_city_own_level():
    assert default_areas() == ZHANJIANG


def test_one_template_per_area(tmp_path):
    paths = make_templates(["budget_revenue"], "2023-07", tmp_path)
    assert len(paths) == 10
    assert paths[6].name == "2023-07_廉江市_一般公共预算收入.xlsx"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)  # no temp files left


def test_layout_states_title_unit_period_area_and_rows(tmp_path):
    path = write_template(tmp_path / "t.xlsx", ["budget_revenue", "tax_revenue"], "2023-07", area="廉江")
    ws = openpyxl.load_workbook(path)["填报表"]
    assert ws["A1"].value == "2023年1-7月廉江市一般公共预算收入、税收收入完成情况表"
    assert ws["A2"].value == "单位：亿元"
    assert [ws["A3"].value, ws["B3"].value, ws["C3"].value] == ["县（市、区）", "一般公共预算收入", "税收收入"]
    assert ws["A4"].value == "廉江市" and ws["A5"].value is None


def test_all_areas_template_prefills_every_row(tmp_path):
    (path,) = make_templates(["coop_count"], "2023-07", tmp_path, per_area=False)
    ws = openpyxl.load_workbook(path)["填报表"]
    assert [ws.cell(4 + i, 1).value for i in range(10)] == ZHANJIANG
    # 农民合作社 is a month-end stock, not cumulative: the title names the month's last day.
    assert ws["A1"].value.startswith("截至2023年7月31日各县（市、区）农民合作社")


def test_mixed_units_go_into_the_header(tmp_path):
    path = write_template(tmp_path / "t.xlsx", ["budget_revenue", "road_completed_km"], "2023-07")
    ws = openpyxl.load_workbook(path)["填报表"]
    assert ws["B3"].value == "一般公共预算收入（亿元）" and ws["C3"].value == "累计完工里程（公里）"
    assert ws["A2"].value == "单位：见各列"


def test_header_locked_inputs_unlocked_and_validated(tmp_path):
    path = write_template(tmp_path / "t.xlsx", ["budget_revenue", "coop_count"], "2023-07")
    wb = openpyxl.load_workbook(path)
    ws = wb["填报表"]
    assert ws.protection.sheet is True and not ws.protection.password
    assert ws["A3"].protection.locked and ws["A4"].protection.locked and ws["A1"].protection.locked
    assert not ws["B4"].protection.locked and not ws["C13"].protection.locked
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    # 亿元: up to 4 decimals (one 万元); 家: whole numbers ≥ 0. Ten area rows: 4..13.
    assert rules["B4:B13"].type == "custom"
    assert rules["B4:B13"].formula1 == "AND(ISNUMBER(B4),B4>=0,ROUND(B4,4)=B4)"
    assert rules["C4:C13"].type == "whole" and rules["C4:C13"].operator == "greaterThanOrEqual"
    assert "单位：家" in rules["C4:C13"].prompt


def test_instructions_sheet_and_very_hidden_metadata(tmp_path):
    path = write_template(tmp_path / "t.xlsx", ["budget_revenue"], "2023-07", area="吴川市",
                          created="2023-07-25T09:00:00")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["填报表", "填报说明", META_SHEET]
    assert wb[META_SHEET].sheet_state == "veryHidden"
    assert wb["填报说明"]["A1"].value == "填报说明"
    meta = read_template_meta(path)
    assert {k: meta[k] for k in ("generator", "kind", "period", "indicators", "area", "areas", "columns",
                                 "created")} == {
        "generator": "baimq", "kind": "actual", "period": "2023-07", "indicators": "budget_revenue",
        "area": "吴川市", "areas": "吴川市", "columns": "budget_revenue=B", "created": "2023-07-25T09:00:00"}


def test_target_template_is_annual(tmp_path):
    (path,) = make_templates(["budget_revenue"], "2023-07", tmp_path, per_area=False, kind="target")
    assert path.name == "2023_全市_目标任务_一般公共预算收入.xlsx"
    assert openpyxl.load_workbook(path)["填报表"]["A1"].value == "2023年各县（市、区）一般公共预算收入目标任务分解表"
    meta = read_template_meta(path)
    assert (meta["kind"], meta["period"]) == ("target", "2023")


def test_unknown_area_and_indicator_are_refused(tmp_path):
    with pytest.raises(ValueError, match="无法识别地区「火星区」"):
        make_templates(["budget_revenue"], "2023-07", tmp_path, areas=["火星区"])
    with pytest.raises(KeyError, match="未知指标"):
        make_templates(["no_such"], "2023-07", tmp_path)


def test_refuses_to_write_into_data_raw(tmp_path):
    with pytest.raises(ValueError, match="data/raw"):
        write_template(tmp_path / "data" / "raw" / "t.xlsx", ["budget_revenue"], "2023-07")


def test_ordinary_workbook_has_no_metadata(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "2023年1-7月一般公共预算收入"
    wb.save(tmp_path / "plain.xlsx")
    assert read_template_meta(tmp_path / "plain.xlsx") is None
    assert read_template(tmp_path / "plain.xlsx") is None


@pytest.mark.parametrize("raw, expected", [
    (12.5, (12.5, "")),
    (3, (3.0, "")),
    ("1,234.5", (1234.5, "text_number")),
    ("", (None, "blank")),
    (None, (None, "blank")),
    ("—", (None, "blank")),
    ("十二", (None, "not_number")),
    ("约3.9", (None, "not_number")),
    ("45%", (None, "not_number")),
    (-1.0, (-1.0, "negative")),
    (1.23456, (1.23456, "decimals")),  # five decimals against four allowed
])
def test_parse_cell(raw, expected):
    assert parse_cell(raw, places=4) == expected


def test_read_back_a_filled_template(tmp_path):
    path = write_template(tmp_path / "t.xlsx", ["budget_revenue", "tax_revenue"], "2023-07",
                          areas=["赤坎区", "霞山区", "坡头区"])
    _fill(path, {"B4": 12.5, "C4": "十二", "B5": "1,234.5", "C5": 3.25, "C6": -2})
    back = read_template(path, name="赤坎等.xlsx")
    got = back.table[["indicator", "area", "value", "source"]].values.tolist()
    assert got == [
        ["budget_revenue", "赤坎区", 12.5, "赤坎等.xlsx!填报表!B4"],
        ["budget_revenue", "霞山区", 1234.5, "赤坎等.xlsx!填报表!B5"],
        ["tax_revenue", "霞山区", 3.25, "赤坎等.xlsx!填报表!C5"],
    ]
    assert back.table["period"].tolist() == [pd.Period("2023-07", "M")] * 3
    assert back.table["cumulative"].all() and set(back.table["area_code"]) == {"440802", "440803"}
    found = {(f.cell, f.severity, f.code) for f in back.findings}
    assert found == {("C4", "error", "not_a_number"), ("B5", "warning", "number_as_text"),
                     ("B6", "warning", "blank_cell"), ("C6", "error", "negative_value")}


def test_changed_area_label_is_an_error(tmp_path):
    path = write_template(tmp_path / "t.xlsx", ["coop_count"], "2023-07", areas=["赤坎区", "霞山区"])
    wb = openpyxl.load_workbook(path)
    ws = wb["填报表"]
    ws.protection.sheet = False
    ws["A5"] = "坡头区"
    ws["B4"], ws["B5"] = 120, 80
    wb.save(path)
    back = read_template(path)
    assert back.table[["area", "value"]].values.tolist() == [["赤坎区", 120.0]]
    assert [(f.cell, f.code, f.value) for f in back.findings] == [("A5", "template_changed", "坡头区")]


def test_ordinary_loader_reads_a_filled_template(tmp_path):
    loader = pytest.importorskip("baimq.loader")
    path = write_template(tmp_path / "t.xlsx", ["budget_revenue"], "2023-07", areas=["赤坎区", "霞山区"])
    _fill(path, {"B4": 12.5, "B5": 30.25})
    df = loader.load(path)
    actual = df[df["kind"] == "actual"].sort_values("area")
    assert actual[["indicator", "area", "value"]].values.tolist() == [
        ["budget_revenue", "赤坎区", 12.5], ["budget_revenue", "霞山区", 30.25]]
    assert set(actual["period"]) == {pd.Period("2023-07", "M")}


@pytest.mark.parametrize("indicators, period, kind", [
    (["budget_revenue", "coop_count"], "2023-07", "actual"),   # mixed units, month-end title
    (["road_planned_km", "road_started_km"], "2023-07", "actual"),
    (["budget_revenue"], "2023", "target"),
])
def test_template_reader_and_ordinary_loader_agree(tmp_path, indicators, period, kind):
    loader = pytest.importorskip("baimq.loader")
    path = write_template(tmp_path / "t.xlsx", indicators, period, areas=["赤坎区", "市本级"], kind=kind)
    _fill(path, {"B4": 10, "B5": 20.5} | ({"C4": 11, "C5": 21} if len(indicators) > 1 else {}))
    by_loader = loader.load(path, config=get_project())
    by_meta = read_template(path)
    cols = ["indicator", "area", "area_code", "period", "value", "unit", "source", "kind", "level",
            "cumulative", "as_of"]
    key = ["indicator", "area"]
    pd.testing.assert_frame_equal(by_loader[cols].sort_values(key).reset_index(drop=True),
                                  by_meta.table[cols].sort_values(key).reset_index(drop=True))

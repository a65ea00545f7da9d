"""Each layout the issue lists, on a small hand-written workbook, loaded with baimq.load."""
from __future__ import annotations

import pandas as pd
import pytest

import baimq
from baimq.layout import recognise
from baimq.loader import findings
from baimq.reader import read_book
from conftest import CONFIG
from workbooks import BUDGET_MERGED, budget_grid


def load(path, **kw):
    return baimq.load(path, config=CONFIG, **kw)


def values(df, **where):
    """{area: value} of the rows matching *where* (e.g. kind="actual")."""
    sel = df
    for k, v in where.items():
        sel = sel[sel[k].astype(str) == str(v)]
    return dict(zip(sel["area"], sel["value"].round(6)))


M = lambda s: pd.Period(s, freq="M")  # noqa: E731
Y = lambda s: pd.Period(s, freq="Y")  # noqa: E731


# ------------------------------------------------------------------ title, unit line, machine rows, notes
def test_machine_rows_title_unit_line_and_notes(book):
    grid = [["AD_CODE#", "IND#1", "IND#2"],
            ["VALID#", None, None],
            ["2023年1-6月各县（市、区）一般公共预算收入完成情况表"],
            [None, None, "单位：万元"],
            ["地区", "一般公共预算收入"],
            ["赤坎区", 30000], ["霞山区", 50000],
            ["注：本表数据为快报数。"],
            ["填报单位：湛江市财政局", None, "填报日期：2023年7月5日"]]
    df = load(book(grid))
    # 30000 万元 = 3 亿元; 50000 万元 = 5 亿元
    assert values(df) == {"赤坎区": 3.0, "霞山区": 5.0}
    assert set(df["period"]) == {M("2023-06")} and df["cumulative"].all()
    assert set(df["unit_sent"]) == {"万元"} and set(df["unit"]) == {"亿元"}
    assert df.pipe(findings).empty


def test_valid_first_column_rows_are_skipped(book):
    grid = [["VALID#", "2023年6月农民合作社数量统计表"], ["VALID#", "单位：家"],
            [None, "区县", "农民合作社"], [None, "遂溪县", 812], [None, "徐闻县", 640]]
    df = load(book(grid))
    assert values(df) == {"遂溪县": 812.0, "徐闻县": 640.0}


# ------------------------------------------------------------------ header rows
def test_two_header_rows_with_merges_and_base_column(book):
    df = load(book(budget_grid(), merged={"Sheet1": BUDGET_MERGED}))
    assert values(df, kind="actual") == {"赤坎区": 3.0, "霞山区": 5.0}
    # 上年同期 → kind base, same month a year earlier: 25000 万元 = 2.5 亿元
    assert values(df, kind="base") == {"赤坎区": 2.5, "霞山区": 4.0}
    assert set(df[df.kind == "base"]["period"]) == {M("2022-06")}
    # 同比增长 20.0 (%) → stated_growth 0.20 on the actual row; rate columns emit no values
    act = df[df.kind == "actual"].set_index("area")
    assert act.loc["赤坎区", "stated_growth"] == pytest.approx(0.20)
    assert len(df) == 4


def test_three_header_rows_with_qizhong_and_formula_row(book):
    grid = [["2023年1-6月一般公共预算收入"], ["单位：亿元"],
            ["序号", "县（市、区）", "一般公共预算收入", None, None],
            [None, None, "合计", "其中：", None],
            [None, None, None, "税收收入", "非税收入"],
            [None, None, "A=B+C", "B", "C"],
            [1, "赤坎区", 3.0, 2.0, 1.0]]
    merged = {"Sheet1": ["A3:A5", "B3:B5", "C3:E3", "C4:C5", "D4:E4"]}
    p = book(grid, merged=merged)
    lay = recognise(read_book(p).sheets[0], baimq.get_project(CONFIG))
    assert lay.header_rows == (2, 3, 4) and lay.area_col == 1 and lay.data_rows == (6,)
    df = load(p)
    got = dict(zip(df["indicator"], df["value"]))
    assert got == {"budget_revenue": 3.0, "tax_revenue": 2.0, "nontax_revenue": 1.0}


def test_qizhong_as_merged_group_beside_the_total(book):
    grid = [["2023年1-6月"], ["单位：万元"],
            ["地区", "一般公共预算收入", "其中：", None], [None, None, "税收收入", "非税收入"],
            ["廉江市", 100000, 60000, 40000]]
    df = load(book(grid, merged={"Sheet1": ["A3:A4", "B3:B4", "C3:D3"]}))
    assert dict(zip(df["indicator"], df["value"])) == {"budget_revenue": 10.0, "tax_revenue": 6.0,
                                                       "nontax_revenue": 4.0}


# ------------------------------------------------------------------ unit in header
def test_unit_in_header_full_width_brackets_spaces(book):
    grid = [["２０２３年１－６月各县一般公共预算收入"],
            ["地　　区", "一般公共预算收入（亿元）", "同比增长（％）"],
            ["赤坎区", "3.00", "12.5％"]]
    df = load(book(grid))
    assert values(df) == {"赤坎区": 3.0}
    assert df["stated_growth"].iloc[0] == pytest.approx(0.125)
    assert df["unit_sent"].iloc[0] == "亿元" and df["period"].iloc[0] == M("2023-06")


# ------------------------------------------------------------------ area column names
@pytest.mark.parametrize("word", ["地区", "县（市、区）", "单位名称", "区县", "县(市、区)"])
@pytest.mark.parametrize("with_number", [False, True])
def test_area_column_names(book, word, with_number):
    pre = [["序号"], [1], [2]] if with_number else [[], [], []]
    rows = [[word, "农民合作社（家）"], ["吴川市", 500], ["雷州市", 700]]
    grid = [["2022年底农民合作社"]] + [p + r for p, r in zip(pre, rows)]
    df = load(book(grid))
    assert values(df) == {"吴川市": 500.0, "雷州市": 700.0}
    assert set(df["period"]) == {Y("2022")}


# ------------------------------------------------------------------ area name forms
def test_area_name_forms(book):
    grid = [["2023年6月底累计开工里程"], ["单位：公里"], ["地区", "累计开工"],
            ["霞　山　区", 1], ["廉江", 2], ["湛江市坡头区", 3], ["1.赤坎区", 4], ["  麻章区", 5]]
    df = load(book(grid))
    assert values(df) == {"霞山区": 1.0, "廉江市": 2.0, "坡头区": 3.0, "赤坎区": 4.0, "麻章区": 5.0}
    assert set(df["area_code"]) == {"440803", "440881", "440804", "440802", "440811"}


def test_indented_hierarchy_province_city_own_county(book):
    grid = [["2022年底债务情况"], ["单位：亿元"], ["地区", "一般债务限额"],
            ["广东省", 100.0], ["  省本级", 40.0], ["  广州市", 10.0], ["    本级", 6.0],
            ["  湛江市", 8.0], ["    本级", 5.0], ["    赤坎区", 3.0]]
    df = load(book(grid))
    got = {(a, lvl): v for a, lvl, v in zip(df["area"], df["level"], df["value"])}
    assert got[("广东省", "province")] == 100.0
    assert got[("省本级", "province_own")] == 40.0
    assert got[("广州市本级", "city_own")] == 6.0          # 本级 under 广州市 is 广州's own level
    assert got[("市本级", "city_own")] == 5.0              # 本级 under 湛江市: the project's 市本级
    assert got[("赤坎区", "county")] == 3.0


# ------------------------------------------------------------------ totals and 市本级
@pytest.mark.parametrize("word", ["全市", "全市合计", "合计", "总计"])
@pytest.mark.parametrize("at_top", [True, False])
def test_totals_top_or_bottom_kept_as_areas(book, word, at_top):
    rows = [["市本级", 4], ["赤坎区", 1]]
    total = [[word, 5]]
    grid = [["2023年1-6月一般公共预算收入"], ["单位：亿元"], ["地区", "一般公共预算收入"]]
    grid += total + rows if at_top else rows + total
    df = load(book(grid))
    assert values(df) == {"湛江市": 5.0, "市本级": 4.0, "赤坎区": 1.0}
    assert dict(zip(df["area"], df["level"])) == {"湛江市": "city", "市本级": "city_own", "赤坎区": "county"}
    assert dict(zip(df["area"], df["area_code"]))["市本级"] == "440800BJ"


def test_subtotal_of_cities_is_an_area(book):
    grid = [["2025年新增债务限额"], ["单位：亿元"], ["地区", "新增债券"],
            ["全省", 30.0], ["地市小计", 30.0], ["广州市", 10.0], ["湛江市", 20.0]]
    df = load(book(grid))
    assert dict(zip(df["area"], df["level"]))["地市小计"] == "subtotal"
    assert values(df)["广东省"] == 30.0


# ------------------------------------------------------------------ numbers as text
def test_text_numbers_percent_strings_and_placeholders(book):
    grid = [["2023年1-6月一般公共预算收入"], ["单位：万元"],
            ["地区", "本年累计", "上年同期", "同比"],
            ["赤坎区", "62,391.5", "-", "—"], ["霞山区", "", "/", "45.2%"], ["坡头区", "１０００", 800, "25.0%"]]
    df = load(book(grid))
    assert values(df, kind="actual") == {"赤坎区": 6.23915, "坡头区": 0.1}   # 62391.5 万元; 1000 万元
    assert values(df, kind="base") == {"坡头区": 0.08}
    assert df.set_index("area").loc["坡头区"].query("kind == 'actual'")["stated_growth"].iloc[0] == 0.25


# ------------------------------------------------------------------ sheets, hidden, xls
@pytest.mark.parametrize("name", ["t.xlsx", "t.xls"])
def test_one_table_per_sheet_hidden_skipped(book, name):
    sheets = {"填表说明": [["地区", "一般公共预算收入"], ["赤坎区", 999]],
              "2023.6": [["单位：亿元"], ["地区", "一般公共预算收入"], ["赤坎区", 3.0]],
              "2023.5": [["单位：亿元"], ["地区", "一般公共预算收入"], ["赤坎区", 2.5]]}
    df = load(book(sheets, name=name, hidden=["填表说明"]))
    got = dict(zip(df["period"].astype(str), df["value"]))
    assert got == {"2023-05": 2.5, "2023-06": 3.0}    # periods from the sheet names; 999 never read
    assert sorted(df["source"]) == [f"{name}!2023.5!B3", f"{name}!2023.6!B3"]


# ------------------------------------------------------------------ periods
@pytest.mark.parametrize("title, period, as_of", [
    ("2023年1-6月累计开工里程", "2023-06", ""),
    ("截至2023年6月30日累计开工里程", "2023-06", "2023-06-30"),
    ("2023年上半年累计开工里程", "2023-06", ""),
])
def test_period_from_title(book, title, period, as_of):
    df = load(book([[title], ["单位：公里"], ["地区", "累计开工"], ["遂溪县", 12.5]]))
    row = df.iloc[0]
    assert (row["period"], row["cumulative"], row["as_of"]) == (M(period), True, as_of)


def test_month_columns(book):
    grid = [["2023年各月一般公共预算收入累计"], ["单位：亿元"],
            ["地区", "一般公共预算收入", None, None], [None, "1月", "2月", "3月"], ["赤坎区", 0.5, 1.1, 1.6]]
    df = load(book(grid, merged={"Sheet1": ["B3:D3", "A3:A4"]}))
    assert dict(zip(df["period"].astype(str), df["value"])) == {"2023-01": 0.5, "2023-02": 1.1, "2023-03": 1.6}


def test_year_end_columns(book):
    grid = [["农民合作社发展情况"], ["单位：个"],
            ["地区", "农民合作社", None, None], [None, "2021年底", "2022年底", "2023年6月底"], ["雷州市", 100, 120, 130]]
    df = load(book(grid, merged={"Sheet1": ["B3:D3", "A3:A4"]}))
    assert list(df["period"]) == [Y("2021"), Y("2022"), M("2023-06")]
    assert list(df["value"]) == [100.0, 120.0, 130.0] and set(df["unit"]) == {"家"}


# ------------------------------------------------------------------ units
@pytest.mark.parametrize("unit, raw, expected", [
    ("元", 300000000, 3.0), ("万元", 30000, 3.0), ("亿元", 3, 3.0),
])
def test_money_units_convert(book, unit, raw, expected):
    df = load(book([["2023年1-6月"], [f"单位：{unit}"], ["地区", "一般公共预算收入"], ["赤坎区", raw]]))
    assert df["value"].iloc[0] == pytest.approx(expected) and df["unit_sent"].iloc[0] == unit


@pytest.mark.parametrize("unit", ["公里", "千米", "km"])
def test_length_units(book, unit):
    df = load(book([["截至2023年6月底"], [f"单位：{unit}"], ["地区", "累计完工"], ["赤坎区", 7.5]]))
    assert (df["value"].iloc[0], df["unit"].iloc[0]) == (7.5, "公里")


# ------------------------------------------------------------------ targets, batches, basis
def test_target_table(book):
    grid = [["2023年各县（市、区）目标任务分解表"], ["地区", "一般公共预算收入目标（万元）", "农村公路年度任务（公里）"],
            ["廉江市", 150000, 80]]
    df = load(book(grid))
    assert set(df["kind"]) == {"target"} and set(df["period"]) == {Y("2023")}
    assert dict(zip(df["indicator"], df["value"])) == {"budget_revenue": 15.0, "road_planned_km": 80.0}


def test_batch_from_title_and_columns(book):
    t = load(book([["2023年提前批次新增债券分配表"], ["单位：亿元"], ["地区", "新增债券"], ["赤坎区", 1.2]], name="a.xlsx"))
    assert t["batch"].iloc[0] == "提前批次" and t["period"].iloc[0] == Y("2023")
    grid = [["2023年新增债券"], ["单位：亿元"], ["地区", "新增债券", None], [None, "提前批次", "第一批"],
            ["赤坎区", 1.2, 0.8]]
    c = load(book(grid, name="b.xlsx", merged={"Sheet1": ["B3:C3", "A3:A4"]}))
    assert dict(zip(c["batch"], c["value"])) == {"提前批次": 1.2, "第一批": 0.8}


def test_new_basis_from_header(book):
    df = load(book([["2025年1-6月"], ["单位：亿元"], ["地区", "一般公共预算收入（新口径）"], ["赤坎区", 3.5]]))
    assert df["basis"].iloc[0] == "新口径"


def test_rate_columns_are_not_values(book):
    grid = [["截至2023年6月底农村公路"], ["单位：公里、%"],
            ["地区", "年度任务", "累计开工", "开工率", "累计完工", "完工率", "备注"],
            ["遂溪县", 100, 60, 60.0, 30, 30.0, "正常"]]
    df = load(book(grid))
    assert dict(zip(df["indicator"], df["value"])) == {
        "road_planned_km": 100.0, "road_started_km": 60.0, "road_completed_km": 30.0}
    assert df.pipe(findings).empty


# ------------------------------------------------------------------ formulas
def test_formula_without_value_reported_not_zero(book):
    grid = [["2023年1-6月"], ["单位：亿元"], ["地区", "一般公共预算收入"],
            ["赤坎区", 1.0], ["霞山区", 2.0], ["合计", "=SUM(B4:B5)"]]
    df = load(book(grid))
    assert "湛江市" not in set(df["area"])                     # not read as 0
    f = df.pipe(findings)
    assert list(f["code"]) == ["formula_no_value"] and list(f["cell"]) == ["B6"]


# ------------------------------------------------------------------ folders
def test_folder_sources_relative_and_sorted(book, tmp_path):
    book([["2023年1-6月"], ["单位：亿元"], ["地区", "一般公共预算收入"], ["霞山区", 5.0], ["赤坎区", 3.0]],
         name="data/budget/2023-06.xlsx")
    book([["2022年底"], ["单位：家"], ["地区", "农民合作社"], ["赤坎区", 10]], name="data/coop.xls")
    df = load(tmp_path / "data")
    assert list(df["source"]) == ["budget/2023-06.xlsx!Sheet1!B5", "budget/2023-06.xlsx!Sheet1!B4",
                                  "coop.xls!Sheet1!B4"]   # budget 赤坎 440802, 霞山 440803, then coop
    assert not (tmp_path / "data" / ".cache").exists()


def test_input_frame_not_written(book, tmp_path):
    p = book(budget_grid(), merged={"Sheet1": BUDGET_MERGED})
    before = p.read_bytes()
    load(p)
    assert p.read_bytes() == before and sorted(x.name for x in tmp_path.iterdir()) == ["t.xlsx"]


def test_derived_amount_columns_are_skipped(book):
    grid = [["2023年1-6月一般公共预算收入"], ["单位：万元"], ["地区", "本年累计", "上年同期", "增减额", "同比增长（%）"],
            ["赤坎区", 30000, 25000, 5000, 20.0]]
    df = load(book(grid))
    assert sorted(df["source"]) == ["t.xlsx!Sheet1!B4", "t.xlsx!Sheet1!C4"] and df.pipe(findings).empty


def test_total_merged_across_number_and_area_columns(book):
    grid = [["2023年1-6月一般公共预算收入"], ["单位：亿元"], ["序号", "地区", "一般公共预算收入"],
            [1, "赤坎区", 1.25], ["合计", None, 1.25]]
    df = load(book(grid, merged={"Sheet1": ["A5:B5"]}))
    assert values(df) == {"赤坎区": 1.25, "湛江市": 1.25}


def test_area_column_found_by_its_names_when_header_word_unknown(book):
    grid = [["2023年1-6月一般公共预算收入"], ["单位：亿元"], ["县别", "一般公共预算收入"],
            ["赤坎区", 1.5], ["霞山区", 2.5], ["坡头区", 0.5]]
    df = load(book(grid))
    assert values(df) == {"赤坎区": 1.5, "霞山区": 2.5, "坡头区": 0.5}


def test_layout_describes_the_table(book, project):
    p = book(budget_grid(), merged={"Sheet1": BUDGET_MERGED})
    lay = recognise(read_book(p).sheets[0], project)
    assert (lay.header_rows, lay.area_col, lay.data_rows, lay.units_declared) == ((2, 3), 0, (4, 5), ("万元",))
    got = [(c.col, c.indicator, c.rate, c.kind, str(c.period)) for c in lay.columns]
    assert got == [(1, "budget_revenue", "", "actual", "2023-06"), (2, "budget_revenue", "", "base", "2022-06"),
                   (3, "", "growth", "actual", "None")]
    assert lay.rate_columns[0].rate_of == "budget_revenue"


def test_sheet_without_table_gives_none(book, project):
    assert recognise(read_book(book([["填表说明：请按时报送"]])).sheets[0], project) is None

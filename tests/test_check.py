"""Errors (load raises), findings (warnings in attrs), baimq.check and the `baimq check` command."""
from __future__ import annotations

import csv

import pytest

import baimq
from baimq.cli import main
from baimq.errors import FINDING_COLUMNS
from conftest import CONFIG, TESTS

COUNTIES = ["赤坎区", "霞山区", "坡头区", "麻章区", "遂溪县", "徐闻县", "廉江市", "雷州市", "吴川市"]
HEAD = [["2023年1-6月一般公共预算收入"], ["单位：亿元"], ["地区", "一般公共预算收入"]]


def load(path, **kw):
    return baimq.load(path, config=CONFIG, **kw)


def findings(path):
    return baimq.check(path, config=CONFIG)


def codes(frame):
    return sorted(frame["code"])


# ------------------------------------------------------------------ errors
def test_no_unit_anywhere(book):
    p = book([["2023年1-6月"], ["地区", "一般公共预算收入"], ["赤坎区", 3.0]])
    with pytest.raises(baimq.DataError) as e:
        load(p)
    assert (e.value.code, e.value.sheet, e.value.cell) == ("no_unit", "Sheet1", "B2")
    assert "单位" in e.value.reason


def test_unknown_area_suggests_closest(book):
    p = book(HEAD + [["赤坎区", 1.0], ["廉江县", 2.0]], name="budget.xlsx")
    with pytest.raises(baimq.DataError) as e:
        load(p)
    f = e.value.findings[0]
    assert (f.code, f.cell, f.value) == ("unknown_area", "A5", "廉江县")
    assert "廉江市" in f.message
    assert str(e.value).startswith("[错误] budget.xlsx!Sheet1!A5 「廉江县」 地区名称无法识别，是否为：廉江市")


def test_section_label_rows_without_numbers_are_not_areas(book):
    df = load(book(HEAD + [["一、县（市、区）", None], ["赤坎区", 1.0]]))
    assert list(df["area"]) == ["赤坎区"]


def test_same_area_twice_with_different_numbers(book):
    p = book(HEAD + [["赤坎区", 1.0], ["霞山区", 2.0], ["赤坎区", 1.5]])
    with pytest.raises(baimq.DataError) as e:
        load(p)
    assert (e.value.code, e.value.cell) == ("duplicate_area", "B6")


def test_same_area_twice_with_same_number_is_read_once(book):
    df = load(book(HEAD + [["全市", 3.0], ["市本级", 1.0], ["赤坎区", 2.0], ["全市合计", 3.0]]))
    assert sorted(df["area"]) == ["市本级", "湛江市", "赤坎区"]


def test_words_in_number_cell(book):
    p = book(HEAD + [["赤坎区", "约3.9万"]])
    with pytest.raises(baimq.DataError) as e:
        load(p)
    assert (e.value.code, e.value.cell, e.value.value) == ("text_in_number", "B4", "约3.9万")


def test_not_a_spreadsheet(tmp_path):
    p = tmp_path / "report.xlsx"
    p.write_text("地区,收入\n赤坎区,1\n", encoding="utf-8")
    with pytest.raises(baimq.DataError) as e:
        load(p)
    assert e.value.file == "report.xlsx"


def test_folder_errors_all_listed_or_skipped(book, tmp_path):
    book(HEAD + [["赤坎区", 1.0]], name="d/good.xlsx")
    book(HEAD + [["廉江县", 1.0]], name="d/a/bad1.xlsx")
    (tmp_path / "d" / "bad2.xls").write_bytes(b"not a workbook")
    with pytest.raises(baimq.DataError) as e:
        load(tmp_path / "d")
    assert sorted(f.file for f in e.value.findings) == ["a/bad1.xlsx", "bad2.xls"]
    df = load(tmp_path / "d", errors="skip")
    assert list(df["source"]) == ["good.xlsx!Sheet1!B4"]
    assert sorted(df.pipe(baimq.findings)["file"]) == ["a/bad1.xlsx", "bad2.xls"]


# ------------------------------------------------------------------ totals
def _city_table(total, own=None, zone=None, counties=COUNTIES):
    rows = [["全市合计", total]] + ([["市本级", own]] if own is not None else [])
    rows += [[c, 1.11] for c in counties] + ([["经开区", zone]] if zone is not None else [])
    return HEAD + rows


@pytest.mark.parametrize("total, own, zone", [
    (12.0, 2.01, None),     # 2.01 + 9 × 1.11 = 12.00
    (12.0, 2.01, 0.55),     # zone inside its county: 12.00 without it
    (12.55, 2.01, 0.55),    # zone as a part: 12.00 + 0.55 = 12.55
    (9.99, None, None),     # no 市本级 row: 9 × 1.11
    (12.01, 2.01, None),    # 0.01 off: within 0.005 × 11 rounding
])
def test_city_total_matches(book, total, own, zone):
    assert load(book(_city_table(total, own, zone))).pipe(baimq.findings).empty


@pytest.mark.parametrize("total, zone", [(12.1, None), (12.3, 0.55)])
def test_city_total_mismatch(book, total, zone):
    # 12.10 (or 12.30) against 12.00 without the zone and 12.55 with it
    f = load(book(_city_table(total, 2.01, zone))).pipe(baimq.findings)
    assert codes(f) == ["total_mismatch"] and list(f["cell"]) == ["B4"]
    assert "12" in f["message"].iloc[0]


def test_total_mismatch_states_figures_with_the_returns_decimals(book):
    # 12.10 against 2.01 + 9 × 1.11 = 12.00: shown to two decimals as the return does
    f = load(book(_city_table(12.1, 2.01, None))).pipe(baimq.findings)
    assert "合计 12.10亿元" in f["message"].iloc[0]
    assert "之和 12.00亿元 相差 0.10" in f["message"].iloc[0] and f["value"].iloc[0] == "12.10"


def test_count_totals_are_exact(book):
    rows = [["合计", 10]] + [[c, 1] for c in COUNTIES]     # 9 × 1 = 9 ≠ 10
    f = load(book([["2022年底"], ["单位：家"], ["地区", "农民合作社"]] + rows)).pipe(baimq.findings)
    assert codes(f) == ["total_mismatch"]


def test_partial_table_total_not_checked(book):
    f = load(book(_city_table(99.0, 2.0, counties=COUNTIES[:5]))).pipe(baimq.findings)
    assert codes(f) == ["partial_table"]
    assert "部分地区缺报" in f["message"].iloc[0] and "未核对" in f["message"].iloc[0]


def _table68(col):
    with open(TESTS.parent / "data" / "reference" / "gd_new_debt_limit_by_city_2025.csv", encoding="utf-8") as fh:
        return [[r["region"], float(r[col])] for r in csv.DictReader(fh)]


@pytest.mark.parametrize("col", ["new_debt_limit_total", "new_special"])
def test_province_table68_rounding_passes(book, col):
    # 广东省2025年预算 表68: 地市小计 5439.23 is 0.01 below the sum of the cities (5439.24)
    grid = [["2025年全省新增债务限额安排情况表"], ["单位：亿元"], ["地区", "新增债券"]] + _table68(col)
    df = load(book(grid))
    assert df.pipe(baimq.findings).empty
    assert len(df) == 24


def test_province_total_mismatch(book):
    rows = _table68("new_debt_limit_total")
    rows[0][1] = 6068.36             # 广东省 10 above 省本级 619.13 + 地市小计 5439.23 = 6058.36
    f = load(book([["2025年"], ["单位：亿元"], ["地区", "新增债券"]] + rows)).pipe(baimq.findings)
    assert codes(f) == ["total_mismatch"] and list(f["cell"]) == ["B4"]


# ------------------------------------------------------------------ rates
def test_stated_growth_disagrees(book):
    grid = [["2023年1-6月一般公共预算收入"], ["单位：万元"], ["地区", "本年累计", "上年同期", "同比增长（%）"],
            ["赤坎区", 30000, 25000, 20.0],     # (30000 − 25000) / 25000 = 20.0% ✓
            ["霞山区", 50000, 40000, 15.0]]     # (50000 − 40000) / 40000 = 25.0% ≠ 15.0%
    f = load(book(grid)).pipe(baimq.findings)
    assert codes(f) == ["rate_mismatch"] and list(f["cell"]) == ["D5"]


def test_stated_growth_within_rounding(book):
    # 136.94 on 160.40: −14.626…% → published "下降14.6%" (湛江 2022 final accounts)
    grid = [["2022年一般公共预算收入"], ["单位：亿元"], ["地区", "本年", "上年同期", "同比增长"],
            ["湛江市", 136.94, 160.40, "下降14.6%"]]
    assert load(book(grid)).pipe(baimq.findings).empty


def test_completion_rate_disagrees(book):
    grid = [["截至2023年6月底"], ["单位：公里、%"], ["地区", "年度任务", "累计完工", "完工率"],
            ["遂溪县", 80, 20, 25.0],      # 20 / 80 = 25% ✓
            ["徐闻县", 80, 40, 25.0]]      # 40 / 80 = 50% ≠ 25%
    f = load(book(grid)).pipe(baimq.findings)
    assert codes(f) == ["rate_mismatch"] and list(f["cell"]) == ["D5"]


def test_share_disagrees(book):
    grid = [["2023年新增债券"], ["单位：亿元"], ["地区", "新增债券", "占比"],
            ["全市", 10.0, 100.0], ["赤坎区", 4.0, "40%"], ["霞山区", 6.0, "50%"]]   # 6 / 10 = 60% ≠ 50%
    f = load(book(grid)).pipe(baimq.findings)
    assert "rate_mismatch" in codes(f) and "C6" in set(f["cell"])


# ------------------------------------------------------------------ magnitudes, negatives
def test_wan_yuan_declared_as_yi_yuan(book):
    p = book(HEAD + [["赤坎区", 62391.5], ["霞山区", 71000.0]])
    f = load(p).pipe(baimq.findings)
    assert codes(f) == ["implausible"]
    assert "疑为万元误标为亿元" in f["message"].iloc[0] and "2 个" in f["message"].iloc[0]


def test_negative_value(book):
    f = load(book([["2022年底"], ["单位：家"], ["地区", "农民合作社"], ["赤坎区", -3]])).pipe(baimq.findings)
    assert codes(f) == ["negative"] and list(f["cell"]) == ["B4"]


# ------------------------------------------------------------------ revisions
def test_revision_between_two_returns(book, tmp_path):
    book(HEAD + [["赤坎区", 3.05]], name="d/a.xlsx")
    book(HEAD + [["赤坎区", 3.25]], name="d/b.xlsx")
    book(HEAD + [["赤坎区", 3.05]], name="d/c.xlsx")     # same figure again: no finding
    f = load(tmp_path / "d").pipe(baimq.findings)
    assert codes(f) == ["revision"] and list(f["file"]) == ["b.xlsx"]


# ------------------------------------------------------------------ check() and the command
def test_check_returns_findings_frame(book):
    f = findings(book(HEAD + [["廉江县", 2.0]]))
    assert list(f.columns) == FINDING_COLUMNS and codes(f) == ["unknown_area"]


def _run(capsys, *args):
    code = main(["check", *map(str, args), "--config", str(CONFIG)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_clean_problems_and_usage(book, tmp_path, capsys):
    good = book(HEAD + [["赤坎区", 1.0]], name="good.xlsx")
    bad = book(HEAD + [["廉江县", 1.0]], name="budget.xlsx")
    assert _run(capsys, good)[0] == 0
    code, out, _ = _run(capsys, bad)
    assert code == 1
    assert "[错误] budget.xlsx!Sheet1!A4 「廉江县」 地区名称无法识别，是否为：廉江市？" in out
    assert _run(capsys, tmp_path / "missing.xlsx")[0] == 2
    assert main(["check"]) == 2
    assert main([]) == 2


def test_cli_warnings_exit_1_unless_errors_only(book, capsys):
    warn = book(HEAD + [["赤坎区", 62391.5]])
    assert _run(capsys, warn)[0] == 1
    assert _run(capsys, warn, "--errors-only")[0] == 0


@pytest.mark.parametrize("content", [b"", b"\x00" * 100, b"PK\x03\x04" + b"\xff" * 200, b"<html></html>"])
def test_cli_never_tracebacks(tmp_path, capsys, content):
    p = tmp_path / "x.xlsx"
    p.write_bytes(content)
    code, out, err = _run(capsys, p)
    assert code == 1 and "Traceback" not in out + err and "[错误] x.xlsx" in out


def test_numbers_without_area_name_are_reported(book):
    f = load(book(HEAD + [["赤坎区", 1.0], [None, 2.0]])).pipe(baimq.findings)
    assert codes(f) == ["no_area"] and list(f["cell"]) == ["A5"]


def test_checks_do_not_mutate_their_input(book):
    import copy

    from baimq import checks
    from baimq.areas import AreaResolver
    from baimq.loader import _Table
    from baimq.layout import recognise
    from baimq.reader import read_book

    project = baimq.get_project(CONFIG)
    b = read_book(book(_city_table(12.1, 2.01)))
    t = _Table(b, b.sheets[0], recognise(b.sheets[0], project), project, AreaResolver(project)).run()
    recs, rates = copy.deepcopy(t.records), copy.deepcopy(t.rates)
    resolver = AreaResolver(project)
    assert checks.check_totals(t.records, project, resolver)      # 12.10 ≠ 12.00: it did run
    checks.check_magnitudes(t.records, project)
    checks.check_rates(t.records, t.rates, project)
    tab = t.frame()
    before = tab.copy(deep=True)
    checks.check_revisions(tab, project)
    assert t.records == recs and t.rates == rates and tab.equals(before)


def test_percent_in_value_column_is_an_error(book):
    with pytest.raises(baimq.DataError) as e:
        load(book(HEAD + [["赤坎区", "45.2%"]]))
    assert (e.value.code, e.value.cell) == ("percent_in_value", "B4")


def test_two_columns_with_one_meaning_read_once(book):
    grid = HEAD[:2] + [["地区", "一般公共预算收入", "地方一般公共预算收入"], ["赤坎区", 1.0, 1.0]]
    df = load(book(grid))
    assert list(df["source"]) == ["t.xlsx!Sheet1!B4"]
    assert codes(df.pipe(baimq.findings)) == ["same_meaning"]


def test_growth_typed_as_fractions(book):
    # 0.058 typed under "增幅" (no %): a fraction shown as 5.8%; 105.8 / 100 − 1 = 5.8% ✓, 9.0% ✗
    grid = [["2023年1-4月一般公共预算收入"], ["单位：万元"], ["地区", "1-4月", "上年同期", "增幅"],
            ["赤坎区", 10580, 10000, 0.058], ["霞山区", 10580, 10000, 0.09]]
    df = load(book(grid))
    assert sorted(df["stated_growth"].dropna().round(4)) == [0.058, 0.09]
    f = df.pipe(baimq.findings)
    assert codes(f) == ["rate_mismatch"] and list(f["cell"]) == ["D5"]


def test_share_after_subcolumns_is_of_the_group_total(book):
    # 占比 after 合计 / 其中：一般债券 / 专项债券 is the share of 新增债券: 4 / 10 = 40%
    grid = [["2023年提前批次新增债券"], ["单位：亿元、%"], ["地区", "新增债券", None, None, "占比（%）"],
            [None, "合计", "其中：一般债券", "专项债券", None],
            ["全市", 10.0, 1.0, 9.0, 100.0], ["赤坎区", 4.0, 0.5, 3.5, 40.0], ["霞山区", 6.0, 0.5, 5.5, 60.0]]
    merged = {"Sheet1": ["A3:A4", "B3:D3", "E3:E4"]}
    f = load(book(grid, merged=merged)).pipe(baimq.findings)
    assert codes(f) == ["partial_table"]       # only 2 of 9 counties: no rate_mismatch


@pytest.mark.parametrize("col", ["new_general"])
def test_province_blank_cells_are_present_parts(book, col):
    # 表68 一般债务: 珠海, 佛山, 东莞, 中山 blank as published; 地市小计 137.23 vs cities 137.24
    with open(TESTS.parent / "data" / "reference" / "gd_new_debt_limit_by_city_2025.csv", encoding="utf-8") as fh:
        rows = [[r["region"], r[col] or None] for r in csv.DictReader(fh)]
    grid = [["2025年全省新增债务限额"], ["单位：亿元"], ["地区", "新增一般债券"]] + [
        [a, float(v) if v else None] for a, v in rows]
    df = load(book(grid))
    assert df.pipe(baimq.findings).empty and len(df) == 20    # 24 rows, 4 blank


def test_debt_balances_that_do_not_add_up(book):
    # 广东省 表4-1, 2021: limits add up, balances do not (一般 237.01 vs 259.62; 专项 388.44 vs 513.35)
    with open(TESTS.parent / "data" / "reference" / "zhanjiang_debt_by_county_2021_2025.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["year"] == "2021"]
    cols = ["general_debt_limit", "general_debt_balance", "special_debt_limit", "special_debt_balance"]
    grid = [["2021年湛江市地方政府债务限额及余额情况表"], [None, None, None, None, "单位：亿元"],
            ["地区", "一般债务", None, "专项债务", None], [None, "限额", "余额", "限额", "余额"]]
    grid += [[("　" if r["area"] != "湛江市" else "") + r["area"]] + [float(r[c]) for c in cols] for r in rows]
    df = load(book(grid, merged={"Sheet1": ["A3:A4", "B3:C3", "D3:E3"]}))
    assert set(df["indicator"]) == {"debt_limit_general", "debt_balance_general", "debt_limit_special",
                                    "debt_balance_special"}
    f = df.pipe(baimq.findings)
    assert codes(f) == ["total_mismatch", "total_mismatch"] and sorted(f["cell"]) == ["C5", "E5"]


def test_table_files_that_are_not_read_are_reported_not_skipped_in_silence(book, tmp_path):
    book(HEAD + [["赤坎区", 1.0]], name="d/good.xlsx")
    (tmp_path / "d" / "旧表.ods").write_bytes(b"PK")
    (tmp_path / "d" / "导出.csv").write_text("地区,数值\n赤坎区,1\n", encoding="utf-8")
    (tmp_path / "d" / "说明.txt").write_text("不是报表", encoding="utf-8")
    df = load(tmp_path / "d")
    f = baimq.findings(df)
    assert sorted(f["file"]) == ["导出.csv", "旧表.ods"]            # the .txt is no table file
    assert set(f["code"]) == {"not_read"} and set(f["severity"]) == {"warning"}
    assert len(df) == 1


def test_an_empty_folder_is_an_error_not_an_empty_table(tmp_path):
    (tmp_path / "空").mkdir()
    with pytest.raises(baimq.DataError, match="没有报表文件"):
        load(tmp_path / "空")
    assert codes(findings(tmp_path / "空")) == ["no_files"]

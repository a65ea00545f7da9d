"""The bundled sample workbooks (scripts/build_sample_data.py → data/raw).

Cells are read back with python-calamine, not through baimq.load: these tests check the files
themselves — determinism, the anchor figures of 湛江's 2023 mid-year report and 2022 final
accounts, totals that add up, rates that match, and real values equal to data/reference.
"""
from __future__ import annotations

import csv
import re
import sys
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "data" / "reference"
sys.path.insert(0, str(ROOT / "scripts"))

import build_sample_data  # noqa: E402

UNITS = ["市本级", "赤坎区", "霞山区", "坡头区", "麻章区", "遂溪县", "徐闻县", "廉江市", "雷州市", "吴川市"]
TOTAL_WORDS = {"全市", "全市合计", "合计", "总计"}
RATE_WORDS = ("增长", "增幅", "增减", "率", "占比", "比重")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("raw")
    build_sample_data.build(out)
    return out


# --- reading helpers ----------------------------------------------------------------------------
def sheets(path: Path) -> dict[str, list[list]]:
    """Visible sheets of a workbook as lists of rows (true sheet coordinates)."""
    wb = CalamineWorkbook.from_path(str(path))
    visible = [m.name for m in wb.sheets_metadata if str(m.visible).endswith("Visible")]
    return {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in visible}


def only_sheet(path: Path) -> list[list]:
    (rows,) = sheets(path).values()
    return rows


def label(text) -> str:
    """An area label as typed → the canonical name used above (test-side, independent of baimq)."""
    s = re.sub(r"[\s\u3000]+", "", str(text))
    s = re.sub(r"^\d+[.．]", "", s)
    if s in ("本级", "湛江市本级"):
        return "市本级"
    if s.startswith("湛江市") and len(s) > 3:
        s = s[3:]
    full = {u[:-1]: u for u in UNITS if u != "市本级"}
    return full.get(s, s)


_NUMBER = re.compile(r"-?[\d,]+(\.\d+)?%?")


def has_number(row: list) -> bool:
    return any(isinstance(c, (int, float)) or (isinstance(c, str) and _NUMBER.fullmatch(c.strip()))
               for c in row[1:])


def row_of(rows: list[list], name: str) -> list:
    """The one data row (a row with numbers) whose area label is *name*."""
    hits = [r for r in rows if has_number(r) and any(label(c) == name for c in r[:3] if isinstance(c, str))]
    assert len(hits) == 1, f"{name}: {len(hits)} rows"
    return hits[0]


def num(v) -> Decimal:
    """A displayed number (float, or text such as '62,391.50'); blank and '—' count as zero."""
    if isinstance(v, str):
        v = v.replace(",", "").strip()
        if v in ("", "—", "-", "/"):
            return Decimal(0)
    return Decimal(str(v))


def half_up(x: Decimal, nd: int = 1) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-nd), rounding=ROUND_HALF_UP)


def cell_values(folder: Path) -> dict:
    out = {}
    for p in sorted(folder.rglob("*.xls*")):
        wb = CalamineWorkbook.from_path(str(p))
        for n in wb.sheet_names:
            out[(str(p.relative_to(folder)), n)] = wb.get_sheet_by_name(n).to_python(skip_empty_area=False)
    return out


# --- the build -------------------------------------------------------------------------------------
def test_build_is_deterministic(bundle, tmp_path):
    again = tmp_path / "again"
    build_sample_data.build(again)
    assert cell_values(again) == cell_values(bundle)
    for p in sorted(bundle.rglob("*.xls*")):          # byte-stable too: fixed dates and zip stamps
        assert (again / p.relative_to(bundle)).read_bytes() == p.read_bytes(), p.name


def test_main_takes_out_and_writes_every_family(tmp_path):
    assert build_sample_data.main(["--out", str(tmp_path)]) == 0
    sample = {p.relative_to(tmp_path / "sample").parts[0] for p in (tmp_path / "sample").rglob("*.xls*")}
    assert sample == {"budget", "bond", "road", "coop", "target"}
    assert len(list((tmp_path / "real").glob("*.xlsx"))) == 4


def test_bundle_is_modest_and_varied(bundle):
    files = sorted(bundle.rglob("*.xls*"))
    assert 40 <= len(files) <= 120
    assert sum(p.stat().st_size for p in files) < 5_000_000
    assert any(p.suffix == ".xls" for p in files)
    hidden = 0
    for p in files:
        wb = CalamineWorkbook.from_path(str(p))
        hidden += sum(not str(m.visible).endswith("Visible") for m in wb.sheets_metadata)
    assert hidden >= 3


def test_no_formulas_in_xlsx(bundle):
    for p in bundle.rglob("*.xlsx"):
        with zipfile.ZipFile(p) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/"):
                    assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), (p.name, name)


def test_every_synthetic_table_is_labelled_sample(bundle):
    for p in (bundle / "sample").rglob("*.xls*"):
        for name, rows in sheets(p).items():
            texts = [c for r in rows for c in r if isinstance(c, str)]
            title = next(t for t in texts if t.strip() and not t.endswith("#"))  # skip machine codes
            assert "示例数据" in title, (p.name, name, title)
            assert any(t.startswith(("注：", "说明：")) and "示例数据" in t for t in texts), (p.name, name)


# --- synthetic data add up --------------------------------------------------------------------------
def _table(rows: list[list]):
    """(header texts per column, total row, part rows) of a simple county table."""
    first = next(i for i, r in enumerate(rows) if has_number(r) and any(
        label(c) in TOTAL_WORDS | set(UNITS) for c in r[:3] if isinstance(c, str)))
    col = next(c for c in range(3) if isinstance(rows[first][c], str)
               and label(rows[first][c]) in TOTAL_WORDS | set(UNITS))
    data = [r for r in rows[first:] if isinstance(r[col], str) and label(r[col]) in TOTAL_WORDS | set(UNITS)]
    header = ["".join(str(r[c]) for r in rows[:first]) for c in range(len(rows[0]))]
    total = [r for r in data if label(r[col]) in TOTAL_WORDS]
    assert len(total) == 1
    parts = [r for r in data if label(r[col]) in UNITS]
    return header, col, total[0], parts


@pytest.mark.parametrize("family", ["budget", "bond", "road", "coop", "target"])
def test_synthetic_totals_equal_the_sum_of_shown_parts(bundle, family):
    checked = 0
    for p in sorted((bundle / "sample" / family).rglob("*.xls*")):
        for name, rows in sheets(p).items():
            header, col, total, parts = _table(rows)
            for c in range(col + 1, len(total)):
                if any(w in header[c] for w in RATE_WORDS) or "#" in header[c] or "序号" in header[c]:
                    continue
                if total[c] in ("", None):
                    continue
                assert num(total[c]) == sum(num(r[c]) for r in parts), (p.name, name, c)
                checked += 1
    assert checked > 0


def test_budget_parts_add_to_revenue_and_growth_matches(bundle):
    # Quarter-month returns (亿元): revenue = tax + non-tax in every row; stated growth is
    # (本年累计 − 上年同期) ÷ 上年同期, half-up to 0.1 of a percent.
    for p in sorted((bundle / "sample" / "budget").glob("*-0[369]_*")) + sorted(
            (bundle / "sample" / "budget").glob("*-12_*")):
        rows = only_sheet(p)
        for r in rows:
            if isinstance(r[1], str) and (label(r[1]) in UNITS or r[1] == "全市"):
                assert num(r[2]) == num(r[5]) + num(r[8]), (p.name, r[1])
                for k in (2, 5, 8):
                    expected = half_up((num(r[k]) - num(r[k + 1])) / num(r[k + 1]) * 100)
                    assert num(r[k + 2]) == expected, (p.name, r[1], k)


# --- anchors from the real reports ----------------------------------------------------------------
def test_budget_2022_final_matches_the_final_accounts(bundle):
    # 2022 final accounts: 136.94 (tax 83.25, non-tax 53.69), −14.6% on 2021's 160.40.
    rows = only_sheet(bundle / "sample/budget/2022-12_一般公共预算收入.xlsx")
    city = row_of(rows, "全市")
    assert city[2:5] == [136.94, 160.40, -14.6]
    assert city[5] == 83.25 and city[8] == 53.69
    assert city[7] == -15.0 and city[10] == -14.1            # as the report states for tax / non-tax
    assert sum(num(row_of(rows, u)[2]) for u in UNITS) == Decimal("136.94")


def test_budget_2023_h1_matches_the_work_report(bundle):
    # Work report: 上半年 *8.4*亿元, 同比增长*.2% → 68.43 on 64.44: 68.43/64.44 − 1 = 6.19% → 6.2%.
    rows = only_sheet(bundle / "sample/budget/2023-06_一般公共预算收入.xlsx")
    assert row_of(rows, "全市")[2:5] == [68.43, 64.44, 6.2]
    growth = {u: row_of(rows, u)[4] for u in UNITS}
    assert max(growth, key=growth.get) == "廉江市" and 14 <= growth["廉江市"] <= 16
    assert sum(g < 0 for g in growth.values()) >= 2
    # the 2022-06 return shows the same 64.44 as this return's 上年同期
    assert row_of(only_sheet(bundle / "sample/budget/2022-06_一般公共预算收入.xlsx"), "全市")[2] == 64.44


def test_bonds_2023_early_batch_matches_the_work_report(bundle):
    # 10*亿元, 同比增长*0.3%, 其中分配县（市、区）88.84亿元、占比81.*%:
    # 109.00 = 20.16 + 88.84; 88.84/109 = 81.50%; 109/83.65 − 1 = 30.30%.
    rows = only_sheet(bundle / "sample/bond/2023-01_提前批次新增债券分配.xlsx")
    city = row_of(rows, "全市")
    assert city[2] == 109.00 and city[6] == 83.65 and city[7] == 30.3
    own = row_of(rows, "市本级")[2]
    counties = sum(num(row_of(rows, u)[2]) for u in UNITS[1:])
    assert own == 20.16 and counties == Decimal("88.84")
    assert half_up(counties / num(city[2]) * 100) == Decimal("81.5")
    early_2022 = sheets(bundle / "sample/bond/2022年新增债券分配情况（各批次）.xlsx")["提前批次"]
    assert row_of(early_2022, "合计")[1] == 83.65


def test_roads_june_2023_match_the_work_report(bundle):
    # 累计开工2*8公里，累计完工*2公里 → 258 and 92 km as of 30 June 2023.
    rows = only_sheet(bundle / "sample/road/2023-06_农村公路建设进度.xlsx")
    assert "截至2023年6月30日" in rows[0][0]
    city = row_of(rows, "全市")
    assert city[1:6] == [420.0, 258.0, 61.4, 92.0, 21.9]     # 258/420 = 61.43%, 92/420 = 21.90%
    behind = [u for u in UNITS[1:] if row_of(rows, u)[3] < 50]  # 时序进度 50% at 30 June
    assert 2 <= len(behind) <= 3


def test_coops_june_2023_match_the_work_report(bundle):
    # 全市农民合作社达到802*家 → 8023, the same in the monthly and the three-date return.
    monthly = only_sheet(bundle / "sample/coop/2023-06_农民合作社.xlsx")
    assert row_of(monthly, "全市")[2] == 8023
    three = only_sheet(bundle / "sample/coop/2023-06_农民合作社发展情况（2021-2023）.xlsx")
    assert three[3][1:] == ["2021年底", "2022年底", "2023年6月底"]
    assert row_of(three, "全市合计")[3] == 8023
    for u in UNITS[1:]:
        assert row_of(three, u)[3] == row_of(monthly, u)[2]


def test_targets_road_task_equals_the_progress_tables(bundle):
    target = only_sheet(bundle / "sample/target/2023年目标任务分解表.xlsx")
    progress = only_sheet(bundle / "sample/road/2023-06_农村公路建设进度.xlsx")
    assert "目标任务分解" in target[0][0]
    for u in UNITS[1:]:
        assert row_of(target, u)[3] == row_of(progress, u)[1]
    assert row_of(target, "市本级")[3] == "—"


# --- real workbooks equal the reference CSVs ------------------------------------------------------
def _csv(name: str) -> list[dict]:
    with open(REFERENCE / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_real_city_revenue_equals_csv(bundle):
    rows = only_sheet(bundle / "real/广东省各市一般公共预算收入（2018-2025）.xlsx")
    header = rows[2]
    assert header[-1] == "2025年（新口径）"
    for r in _csv("gd_city_budget_revenue_2018_2025.csv"):
        col = next(i for i, h in enumerate(header) if str(h).startswith(r["year"] + "年"))
        assert row_of(rows, r["city"])[col] == float(r["budget_revenue_yi_yuan"]), (r["city"], r["year"])
    assert not any(label(c) in ("全省", "广东省") for r in rows for c in r[:2])  # no invented total


def test_real_debt_equals_csv_with_its_quirks(bundle):
    book = sheets(bundle / "real/湛江市地方政府债务限额及余额（2021-2025）.xlsx")
    assert list(book) == ["2021年", "2022年", "2024年", "2025年"]
    for r in _csv("zhanjiang_debt_by_county_2021_2025.csv"):
        got = row_of(book[r["year"] + "年"], r["area"])[1:5]
        assert got == [float(r[k]) for k in ("general_debt_limit", "general_debt_balance",
                                             "special_debt_limit", "special_debt_balance")]
    # kept on purpose: the 2021 city general balance 237.01 is below 市本级 + counties (259.62)
    rows = book["2021年"]
    parts = sum(num(row_of(rows, u)[2]) for u in UNITS)
    assert row_of(rows, "湛江市")[2] == 237.01 and parts == Decimal("259.62")


def test_real_table68_equals_csv_and_keeps_blanks(bundle):
    rows = only_sheet(bundle / "real/2025年全省新增债务限额安排情况表（表68）.xlsx")
    assert rows[0][0] == "2025年全省新增债务限额安排情况表"
    for r in _csv("gd_new_debt_limit_by_city_2025.csv"):
        got = row_of(rows, r["region"])[1:4]
        want = [float(r[k]) if r[k] else "" for k in ("new_debt_limit_total", "new_general", "new_special")]
        assert got == want, r["region"]
    assert row_of(rows, "珠海市")[2] == ""                  # blank, not zero
    assert row_of(rows, "地市小计")[1] == 5439.23           # 0.01 below the cities' 5439.24, as published


def test_real_official_figures_equal_csv(bundle):
    book = sheets(bundle / "real/湛江市一般公共预算收入及新增债券（官方公布数）.xlsx")
    assert row_of(book["2020年"], "湛江市")[1:3] == [137.78, 5.0]
    assert row_of(book["2022年"], "湛江市")[1:7] == [136.94, -14.6, 83.25, -15.0, 53.69, -14.1]
    new = book["2025年（新口径）"]
    assert new[3][2] == "可比增长（%）"
    assert row_of(new, "湛江市")[1:7] == [215.10, 6.9, 131.26, "", 83.84, 8.2]
    assert row_of(new, "市本级")[1:3] == [82.85, 9.4]
    assert row_of(book["2025年新增债券"], "湛江市")[1:5] == [213.27, 30.8, 11.77, 201.50]


def test_real_tables_agree_where_they_overlap(bundle):
    # 湛江 2020/2022/2025 revenue appears in table 1 and table 4; 2025 new bonds in table 68 and 4.
    cities = only_sheet(bundle / "real/广东省各市一般公共预算收入（2018-2025）.xlsx")
    zj = row_of(cities, "湛江市")
    book = sheets(bundle / "real/湛江市一般公共预算收入及新增债券（官方公布数）.xlsx")
    assert zj[4] == row_of(book["2020年"], "湛江市")[1]
    assert zj[6] == row_of(book["2022年"], "湛江市")[1]
    assert zj[9] == row_of(book["2025年（新口径）"], "湛江市")[1]
    t68 = row_of(only_sheet(bundle / "real/2025年全省新增债务限额安排情况表（表68）.xlsx"), "湛江市")
    assert t68[1:4] == row_of(book["2025年新增债券"], "湛江市")[1:2] + row_of(book["2025年新增债券"], "湛江市")[3:5]

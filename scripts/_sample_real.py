"""Real published figures (data/reference/*.csv) laid out as the publications lay them out.

Values are written exactly as published (no rounding, no derived totals that were not
published); the known quirks of the sources are kept (see data/raw/README.md).
"""
from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

from _sample_write import Sheet, write_workbook

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"
INDENT = "\u3000"

# The CSV notes (English, for engineers) and what the analyst reads instead.
CITY_NOTES = {
    ("阳江市", "2023"): ("阳江市2023年统计公报 gives 81.25 (+3.7%)",
                        "阳江市2023年数为78.71亿元，阳江市2023年统计公报为81.25亿元（增长3.7%），两者不一致，未作调整"),
    ("云浮市", "2024"): ("sharp drop; not cross-checked", "云浮市2024年数（62.30亿元）较上年降幅较大，未经核对"),
}
NEW_BASIS_NOTE = "2025 figures are on a new basis: nominal change vs 2024 is not comparable"


def read_csv(name: str, reference: Path = REFERENCE) -> list[dict]:
    with open(reference / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _num(text: str):
    """A published amount as a float; blank stays blank (None), never zero."""
    return float(text) if text.strip() else None


# --- 1. 21 cities' revenue 2018-2025 --------------------------------------------------------
def _grade_note(rows: list[dict]) -> str:
    by_year = defaultdict(lambda: defaultdict(list))
    for r in rows:
        by_year[r["year"]][r["grade"]].append(r["city"])
    parts = []
    for year, grades in sorted(by_year.items()):
        if len(grades) == 1:
            parts.append(f"{year}年均为{next(iter(grades))}")
            continue
        main = max(grades, key=lambda g: len(grades[g]))
        rest = "，".join(f"{'、'.join(c)}为{g}" for g, c in sorted(grades.items()) if g != main)
        parts.append(f"{year}年{rest}，其余为{main}")
    return "数据等级（A1 官方精确数，A2 官方摘录，B2 二手资料）：" + "；".join(parts) + "。"


def _city_revenue_sheet(rows: list[dict]) -> Sheet:
    years = sorted({r["year"] for r in rows})
    cities = list(dict.fromkeys(r["city"] for r in sorted(rows, key=lambda r: r["code"])))
    value = {(r["city"], r["year"]): float(r["budget_revenue_yi_yuan"]) for r in rows}
    notes = []
    for r in rows:
        if r["note"] and r["note"] != NEW_BASIS_NOTE:
            expected, chinese = CITY_NOTES[(r["city"], r["year"])]
            assert r["note"] == expected, f"reference note changed: {r['note']!r}"
            notes.append(chinese)
    sh = Sheet("各市一般公共预算收入")
    ncols = len(years) + 2
    sh.title("广东省各地级以上市一般公共预算收入情况（2018—2025年）", ncols)
    sh.add(["单位：亿元"])
    sh.add(["序号", "地区"] + [f"{y}年" + ("（新口径）" if y == "2025" else "") for y in years], bold=True)
    for i, city in enumerate(cities, start=1):
        sh.add([i, city] + [value[(city, y)] for y in years], "0.00")
    sh.add(["说明：1. 2025年数据为新口径，与2024年及以前年度名义数不可比，比较增长请用可比口径。"
            + "".join(f"{k}. {n}。" for k, n in enumerate(notes, start=2))])
    sh.add([_grade_note(rows)])
    sh.add(["资料来源：各市统计年鉴、决算及预算报告（据公开数据集 china-local-debt-atlas 整理）。"])
    sh.widths = {0: 6, 1: 10}
    return sh


# --- 2. 湛江 debt limits and balances by county ------------------------------------------------
def _debt_sheet(year: str, rows: list[dict]) -> Sheet:
    sh = Sheet(f"{year}年")
    sh.title(f"{year}年湛江市地方政府债务限额及余额情况表", 5)
    sh.add([None, None, None, None, "单位：亿元"])
    h = sh.add(["地区", "一般债务", None, "专项债务", None], bold=True)
    sh.add([None, "限额", "余额", "限额", "余额"], bold=True)
    sh.merge(h, 0, h + 1, 0)
    sh.merge(h, 1, h, 2)
    sh.merge(h, 3, h, 4)
    for r in rows:
        name = r["area"] if r["area"] == "湛江市" else INDENT + r["area"]
        sh.add([name] + [_num(r[k]) for k in ("general_debt_limit", "general_debt_balance",
                                               "special_debt_limit", "special_debt_balance")], "0.00")
    sh.add([f"资料来源：{rows[0]['source']}。"])
    sh.widths = {0: 12}
    return sh


# --- 3. Table 68: 2025 new debt quotas by city ---------------------------------------------------
def _table68_sheet(rows: list[dict]) -> Sheet:
    sh = Sheet("表68")
    sh.title("2025年全省新增债务限额安排情况表", 4)
    sh.add(["表68", None, None, "单位：亿元"])
    h = sh.add(["地区", "新增债务限额", None, None], bold=True)
    sh.add([None, "合计", "一般债务", "专项债务"], bold=True)
    sh.merge(h, 0, h + 1, 0)
    sh.merge(h, 1, h, 3)
    foreign = []
    for r in rows:
        depth = 0 if r["region"] == "广东省" else 1 if r["region"] in ("广东省本级", "地市小计") else 2
        sh.add([INDENT * depth + r["region"], _num(r["new_debt_limit_total"]), _num(r["new_general"]),
                _num(r["new_special"])], "0.00")
        if r["of_which_foreign_loans"].strip():
            foreign.append((r["region"], r["of_which_foreign_loans"]))
    text = "、".join(name for name, _ in foreign)
    sh.add([f"注：{text}一般债务中含外债转贷{foreign[0][1]}亿元。"])
    sh.add([f"资料来源：{rows[0]['source']}。"])
    sh.widths = {0: 14}
    return sh


# --- 4. 湛江's official headline figures ----------------------------------------------------------
def _stated_rate(text: str):
    """'增长5%' → 5.0; '下降14.6%' → −14.6; '可比增长6.9%（…）' → 6.9; '' → None."""
    m = re.search(r"(增长|下降)(\d+(?:\.\d+)?)%", text)
    if not m:
        return None
    v = float(m.group(2))
    return -v if m.group(1) == "下降" else v


def _revenue_sheet(year: str, rows: list[dict]) -> Sheet:
    new_basis = any(r["basis"] == "comparable" for r in rows)
    rate = "可比增长（%）" if new_basis else "同比增长（%）"
    name = f"{year}年（新口径）" if new_basis else f"{year}年"
    sh = Sheet(name)
    kind = "执行情况（新口径）" if new_basis else "决算情况"
    sh.title(f"{year}年湛江市一般公共预算收入{kind}", 7)
    sh.add(["单位：亿元、%"])
    h = sh.add(["地区", "一般公共预算收入", None, "其中：税收收入", None, "非税收入", None], bold=True)
    sh.add([None, "金额", rate, "金额", rate, "金额", rate], bold=True)
    sh.merge(h, 0, h + 1, 0)
    for c in (1, 3, 5):
        sh.merge(h, c, h, c + 1)
    found = {(r["area"], r["indicator"]): r for r in rows}
    for area in dict.fromkeys(r["area"] for r in rows):
        cells = [area]
        for ind in ("一般公共预算收入", "税收收入", "非税收入"):
            r = found.get((area, ind))
            cells += [_num(r["value_yi_yuan"]), _stated_rate(r["stated_change"])] if r else [None, None]
        sh.add(cells, [None, "0.00", "General", "0.00", "General", "0.00", "General"])
    if new_basis:
        sh.add(["注：2025年起按新口径统计，增幅为可比口径增长；全市一般公共预算收入增速排全省第4位。"])
    sh.add([f"资料来源：{rows[0]['source']}。"])
    sh.widths = {0: 10}
    return sh


def _bond_sheet(year: str, rows: list[dict]) -> Sheet:
    found = {r["indicator"]: r for r in rows}
    total = found["新增债券"]
    sh = Sheet(f"{year}年新增债券")
    sh.title(f"{year}年湛江市新增政府债券情况", 5)
    sh.add(["单位：亿元、%"])
    h = sh.add(["地区", "新增债券", None, "其中：一般债券", "专项债券"], bold=True)
    sh.add([None, "金额", "同比增长（%）", None, None], bold=True)
    for c in (0, 3, 4):
        sh.merge(h, c, h + 1, c)
    sh.merge(h, 1, h, 2)
    sh.add([total["area"], _num(total["value_yi_yuan"]), _stated_rate(total["stated_change"]),
            _num(found["新增一般债券"]["value_yi_yuan"]), _num(found["新增专项债券"]["value_yi_yuan"])],
           [None, "0.00", "General", "0.00", "0.00"])
    sh.add([f"注：{total['stated_change']}。"])
    sh.add([f"资料来源：{total['source']}。"])
    sh.widths = {0: 10}
    return sh


def _official_sheets(rows: list[dict]) -> list[Sheet]:
    sheets = []
    bonds = ("新增债券", "新增一般债券", "新增专项债券")
    for year in sorted({r["year"] for r in rows}):
        revenue = [r for r in rows if r["year"] == year and r["indicator"] not in bonds]
        bond = [r for r in rows if r["year"] == year and r["indicator"] in bonds]
        if revenue:
            sheets.append(_revenue_sheet(year, revenue))
        if bond:
            sheets.append(_bond_sheet(year, bond))
    return sheets


def build_real(out: Path, reference: Path = REFERENCE) -> list[Path]:
    folder = out / "real"
    debt = read_csv("zhanjiang_debt_by_county_2021_2025.csv", reference)
    files = {
        folder / "广东省各市一般公共预算收入（2018-2025）.xlsx":
            [_city_revenue_sheet(read_csv("gd_city_budget_revenue_2018_2025.csv", reference))],
        folder / "湛江市地方政府债务限额及余额（2021-2025）.xlsx":
            [_debt_sheet(y, [r for r in debt if r["year"] == y]) for y in dict.fromkeys(r["year"] for r in debt)],
        folder / "2025年全省新增债务限额安排情况表（表68）.xlsx":
            [_table68_sheet(read_csv("gd_new_debt_limit_by_city_2025.csv", reference))],
        folder / "湛江市一般公共预算收入及新增债券（官方公布数）.xlsx":
            _official_sheets(read_csv("zhanjiang_fiscal_official.csv", reference)),
    }
    for path, sheets in files.items():
        write_workbook(path, sheets)
    return list(files)

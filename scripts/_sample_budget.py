"""Synthetic monthly 一般公共预算收入 returns (示例数据), 2022-01 … 2023-12, four layouts.

Quarter months (3, 6, 9, 12) are sent in 亿元, the others in 万元, so that a return and the
上年同期 column of the next year's return in the same month show the same figures.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from _sample_common import (SAMPLE_NOTE, instructions_sheet, money_text, numbered, padded, pct_text,
                            report_date, short, sign_off)
from _sample_numbers import UNITS, budget_series, growth_pct
from _sample_write import PCT_FORMAT, Sheet, write_workbook

DEPT = "湛江市财政局"
YI_MONTHS = (3, 6, 9, 12)


def _round2(x: int, unit: str) -> Decimal:
    """Units of 0.01 万元 → the return's unit, two decimals, half-up."""
    div = Decimal(1_000_000) if unit == "亿元" else Decimal(100)
    return (Decimal(x) / div).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def budget_rows(year: int, month: int) -> dict:
    """Displayed figures of one return: unit, and per area (total first) cur/base triples."""
    series = budget_series()
    unit = "亿元" if month in YI_MONTHS else "万元"
    cur, base = {}, {}
    for u in UNITS:
        for store, key in ((cur, (year, month)), (base, (year - 1, month))):
            t, n = (_round2(x, unit) for x in series[key][u])
            store[u] = (t + n, t, n)
    total_cur = tuple(sum((cur[u][k] for u in UNITS), Decimal(0)) for k in range(3))
    total_base = tuple(sum((base[u][k] for u in UNITS), Decimal(0)) for k in range(3))
    rows = [("全市", total_cur, total_base)] + [(u, cur[u], base[u]) for u in UNITS]
    as_float = [(name, tuple(map(float, c)), tuple(map(float, b))) for name, c, b in rows]
    return {"unit": unit, "rows": as_float}


def _period_words(month: int) -> str:
    return "1月" if month == 1 else f"1-{month}月"


def _layout_a(year: int, month: int, data: dict) -> list[Sheet]:
    """亿元, two merged header rows, 序号, total on top, growth in percent numbers."""
    sh = Sheet(f"{year}年{_period_words(month)}")
    sh.title(f"{year}年{_period_words(month)}各县（市、区）一般公共预算收入完成情况表（示例数据）", 11)
    sh.add(["单位：亿元、%"])
    h1 = sh.add(["序号", "地区", "一般公共预算收入", None, None, "其中：税收收入", None, None,
                 "非税收入", None, None], bold=True)
    sh.add([None, None] + ["本年累计", "上年同期", "同比增长（%）"] * 3, bold=True)
    sh.merge(h1, 0, h1 + 1, 0)
    sh.merge(h1, 1, h1 + 1, 1)
    for c in (2, 5, 8):
        sh.merge(h1, c, h1, c + 2)
    fm = [None, None] + ["0.00", "0.00", "0.0"] * 3
    for i, (name, cur, base) in enumerate(data["rows"]):
        vals = []
        for k in range(3):
            g = growth_pct(cur[k], base[k])
            vals += [cur[k], base[k], "—" if g is None else g]
        sh.add([i or None, name] + vals, fm)
    sign_off(sh, DEPT, year, month)
    sh.widths = {0: 6, 1: 12}
    sheets = [sh]
    if month == 12:
        sheets.append(instructions_sheet())
    return sheets


def _layout_b(year: int, month: int, data: dict) -> list[Sheet]:
    """万元, three header rows, padded names, 全市合计 on top, growth as a fraction shown 0.0%."""
    sh = Sheet("Sheet1")
    sh.title(f"湛江市{year}年{_period_words(month)}一般公共预算收入情况（示例数据）", 10)
    sh.add([None] * 8 + ["单位：万元"])
    h = sh.add(["地　　区", "一般公共预算收入"] + [None] * 8, bold=True)
    sh.add([None, "合计", None, None, "其中：税收收入", None, None, "其中：非税收入", None, None], bold=True)
    sh.add([None] + [_period_words(month), "上年同期", "增幅"] * 3, bold=True)
    sh.merge(h, 0, h + 2, 0)
    sh.merge(h, 1, h, 9)
    for c in (1, 4, 7):
        sh.merge(h + 1, c, h + 1, c + 2)
    fm = [None] + ["#,##0.00", "#,##0.00", PCT_FORMAT] * 3
    for name, cur, base in data["rows"]:
        vals = []
        for k in range(3):
            g = growth_pct(cur[k], base[k])
            vals += [cur[k], base[k], "—" if g is None else round(g / 100, 4)]
        sh.add([("全市合计" if name == "全市" else padded(name))] + vals, fm)
    sign_off(sh, DEPT, year, month)
    sh.widths = {0: 12}
    return [sh]


def _layout_c(year: int, month: int, data: dict) -> list[Sheet]:
    """万元 machine export: VALID#/AD_CODE# rows, numbers typed as text, short names, 合计 last."""
    sh = Sheet(f"{year}.{month}")
    sh.add(["VALID#", "AD_CODE#", "YSSR_BNLJ#", "YSSR_SNTQ#", "YSSR_TB#", "SSSR_BNLJ#", "FSSR_BNLJ#"])
    sh.add([None, f"一般公共预算收入完成情况（{_period_words(month)}）（示例数据）"])
    sh.merge(1, 1, 1, 6)
    sh.add([None, "单位：万元"])
    sh.add([None, "地区", "一般公共预算收入本年累计", "一般公共预算收入上年同期", "同比增长",
            "其中：税收收入", "其中：非税收入"], bold=True)
    rows = data["rows"][1:] + data["rows"][:1]
    for name, cur, base in rows:
        label = "合计" if name == "全市" else short(name)
        g = growth_pct(cur[0], base[0])
        sh.add(["1", label, money_text(cur[0]), money_text(base[0]), pct_text(g),
                money_text(cur[1]), money_text(cur[2])])
    sign_off(sh, DEPT, year, month, col=1)
    sh.widths = {0: 8, 1: 10}
    return [sh]


def _layout_d(year: int, month: int, data: dict) -> list[Sheet]:
    """.xls from WPS: unit in the headers, a formula row (A=C+E), numbered names, 总计 last."""
    sh = Sheet("收入")
    sh.title(f"{year}年{_period_words(month)}一般公共预算收入统计表（示例数据）", 9)
    h = sh.add(["序号", "单位名称", "一般公共预算收入（万元）", None, None, "税收收入（万元）", None,
                "非税收入（万元）", None], bold=True)
    sh.add([None, None, "本年累计", "上年同期", "同比增减（%）", "本年累计", "上年同期", "本年累计",
            "上年同期"], bold=True)
    sh.add([None, None, "A=C+E", "B=D+F", "(A-B)/B", "C", "D", "E", "F"])
    sh.merge(h, 0, h + 2, 0)
    sh.merge(h, 1, h + 2, 1)
    sh.merge(h, 2, h, 4)
    sh.merge(h, 5, h, 6)
    sh.merge(h, 7, h, 8)
    fm = [None, None, "0.00", "0.00", "0.0", "0.00", "0.00", "0.00", "0.00"]
    rows = data["rows"][1:] + data["rows"][:1]
    for i, (name, cur, base) in enumerate(rows, start=1):
        g = growth_pct(cur[0], base[0])
        total = name == "全市"
        sh.add([None if total else i, "总计" if total else numbered(i, name), cur[0], base[0],
                "—" if g is None else g, cur[1], base[1], cur[2], base[2]], fm)
    sh.add([SAMPLE_NOTE.replace("注：", "说明：", 1)])
    sh.add([f"填报人：示例　　审核人：示例　　填报日期：{report_date(year, month, 8)}"])
    sh.widths = {0: 6, 1: 12}
    return [sh]


def _layout_for(month: int):
    if month in YI_MONTHS:
        return _layout_a, ".xlsx"
    if month in (1, 4, 7, 10):
        return _layout_b, ".xlsx"
    if month in (5, 11):
        return _layout_c, ".xlsx"
    return _layout_d, ".xls"


def build_budget(out: Path) -> list[Path]:
    """Write one return per month, 2022-01 … 2023-12, into *out*/sample/budget."""
    paths = []
    for year in (2022, 2023):
        for month in range(1, 13):
            layout, ext = _layout_for(month)
            path = out / "sample" / "budget" / f"{year}-{month:02d}_一般公共预算收入{ext}"
            write_workbook(path, layout(year, month, budget_rows(year, month)))
            paths.append(path)
    return paths



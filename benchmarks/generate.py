"""Generate N realistic county returns for the benchmarks.

Each file is one city's monthly 一般公共预算收入 return listing its counties: a title, a unit
line, a two-row merged header with 本年累计 / 上年同期 / 同比增长 and 其中：税收收入 / 非税收入, the
city total on top, a note row. Cities with counties (19 of Guangdong's 21) × consecutive months
give distinct (area, period) pairs, so no file revises another.

Usage: python benchmarks/generate.py N OUT_DIR
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pandas as pd
import xlsxwriter

ROOT = Path(__file__).resolve().parents[1]
DIVISIONS = ROOT / "baimq" / "data" / "gd_divisions_2022.csv"


def city_counties() -> list[tuple[str, list[str]]]:
    div = pd.read_csv(DIVISIONS, dtype=str)
    cities = div[div.level == "prefecture"]
    out = []
    for city in cities.itertuples():
        kids = div[(div.parent_code == city.code) & (div.level == "county")].name.tolist()
        if kids:
            out.append((city.name, kids))
    return out


def write_return(path: Path, city: str, counties: list[str], year: int, month: int, rng: random.Random) -> None:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    wb.set_properties({"created": pd.Timestamp("2000-01-01").to_pydatetime()})
    ws = wb.add_worksheet(f"{year}.{month}")
    bold = wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1})
    ws.merge_range(0, 0, 0, 7, f"{city}{year}年{'' if month == 1 else '1-'}{month}月各县（市、区）一般公共预算收入完成情况表（示例数据）", bold)
    ws.write(1, 0, "单位：万元")
    ws.merge_range(2, 0, 3, 0, "序号", bold)
    ws.merge_range(2, 1, 3, 1, "地区", bold)
    ws.merge_range(2, 2, 2, 4, "一般公共预算收入", bold)
    ws.merge_range(2, 5, 2, 6, "其中：税收收入", bold)
    ws.merge_range(2, 7, 3, 7, "非税收入", bold)
    for col, word in zip((2, 3, 4, 5, 6), ("本年累计", "上年同期", "同比增长（%）", "本年累计", "同比增长（%）")):
        ws.write(3, col, word, bold)
    rows = []
    for name in counties:
        tax = round(rng.uniform(5_000, 60_000) * month / 12, 1)
        nontax = round(tax * rng.uniform(0.2, 0.8), 1)
        prev = round((tax + nontax) / rng.uniform(0.85, 1.2), 1)
        prev_tax = round(tax / rng.uniform(0.85, 1.2), 1)
        rows.append((name, round(tax + nontax, 1), prev, tax, prev_tax, nontax))
    total = [round(sum(r[i] for r in rows), 1) for i in range(1, 6)]
    table = [(city, *total)] + rows
    for i, (name, cur, prev, tax, prev_tax, nontax) in enumerate(table):
        r = 4 + i
        ws.write(r, 0, "" if i == 0 else i)
        ws.write(r, 1, name)
        ws.write_number(r, 2, cur)
        ws.write_number(r, 3, prev)
        ws.write_number(r, 4, round((cur / prev - 1) * 100, 1))
        ws.write_number(r, 5, tax)
        ws.write_number(r, 6, round((tax / prev_tax - 1) * 100, 1))
        ws.write_number(r, 7, nontax)
    ws.write(4 + len(table), 0, "注：本表为基准测试生成的示例数据。")
    wb.close()


def generate(n: int, out: Path, seed: int = 20231) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    cities = city_counties()
    paths = []
    months = pd.period_range(end="2023-12", periods=n // len(cities) + 1, freq="M")[::-1]
    for period in months:
        for city, counties in cities:
            if len(paths) == n:
                return paths
            path = out / f"{city}_{period.year}-{period.month:02d}.xlsx"
            if not path.exists():
                write_return(path, city, counties, period.year, period.month, rng)
            paths.append(path)
    return paths


if __name__ == "__main__":
    count, folder = int(sys.argv[1]), Path(sys.argv[2])
    print(len(generate(count, folder)), "files in", folder)

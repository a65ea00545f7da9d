"""Benchmark: ``baimq.collect`` over N generated returns (default 1,000).

Four of every five files are filled templates (four indicator groups × the city's ten areas,
each resubmitted many times with ``_vN`` names and increasing modification times, 2% with a
word typed into a number cell, 3% with a blank cell); one in five is a free-form city-wide
revenue return in 万元 read by the ordinary loader. Templates are filled by editing the sheet
XML (as a county's Excel would store the numbers), which keeps generation fast.

Prints one markdown table row for benchmarks/RESULTS.md.

Usage: python benchmarks/collect_bench.py [N]
"""
from __future__ import annotations

import os
import random
import re
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import xlsxwriter

from baimq.inbox import REJECTED, collect
from baimq.config import get_project
from baimq.template import default_areas, write_template

ROOT = Path(__file__).resolve().parents[1]
GROUPS = [["budget_revenue", "tax_revenue", "nontax_revenue"],
          ["road_planned_km", "road_started_km", "road_completed_km"],
          ["coop_count"],
          ["bond_new", "bond_new_general", "bond_new_special"]]
T0 = 1_690_000_000


def fill_xml(template: Path, dest: Path, values: dict) -> None:
    """Copy *template* to *dest* with cell → value written into the data sheet's XML."""
    with zipfile.ZipFile(template) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for cell, value in values.items():
                    body = (f'><v>{value}</v></c>' if isinstance(value, (int, float))
                            else f' t="inlineStr"><is><t>{value}</t></is></c>')
                    text = re.sub(rf'<c r="{cell}"( s="\d+")?/>', lambda m: f'<c r="{cell}"{m.group(1) or ""}{body}',
                                  text, count=1)
                data = text.encode()
            zout.writestr(item, data)


def free_form(dest: Path, areas: list[str], rng: random.Random) -> None:
    wb = xlsxwriter.Workbook(str(dest))
    ws = wb.add_worksheet("2023.7")
    ws.write(0, 0, "2023年1-7月各县（市、区）一般公共预算收入完成情况表")
    ws.write(1, 0, "单位：万元")
    ws.write_row(2, 0, ["序号", "地区", "一般公共预算收入", "其中：税收收入"])
    for i, area in enumerate(areas):
        total = round(rng.uniform(5e4, 3e5), 1)
        ws.write_row(3 + i, 0, [i + 1, area, total, round(total * 0.6, 1)])
    ws.write(4 + len(areas), 0, "注：数据来源于市财政局。")
    wb.close()


def generate(n: int, folder: Path) -> Path:
    project = get_project(ROOT / "baimq.toml")
    areas = default_areas(project)
    rng = random.Random(7)
    blanks = {}
    for g, keys in enumerate(GROUPS):
        for a in areas:
            blanks[g, a] = write_template(folder / "tpl" / f"{g}_{a}.xlsx", keys, "2023-07", area=a, config=project)
    inbox = folder / "inbox"
    inbox.mkdir()
    for i in range(n):
        dest = inbox / f"{i:04d}.xlsx"
        if i % 5 == 4:
            dest = inbox / f"财政局_{i:04d}.xlsx"
            free_form(dest, areas[:-1], rng)
        else:
            g, a = i % 4, areas[(i // 4) % len(areas)]
            dest = inbox / f"{a}_{g}_v{i // 40 + 1}.xlsx"
            cols = "BCD"[: len(GROUPS[g])]
            values = {f"{c}4": round(rng.uniform(0, 500), 2) for c in cols}
            roll = rng.random()
            if roll < 0.02:
                values[f"{cols[0]}4"] = "约三百"
            elif roll < 0.05:
                values.pop(f"{cols[-1]}4")
            fill_xml(blanks[g, a], dest, values)
        os.utime(dest, (T0 + i, T0 + i))
    return inbox


def main(n: int = 1000) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        inbox = generate(n, folder)
        start = time.perf_counter()
        result = collect(inbox, "2023-07", out=folder / "out", quiet=True, config=ROOT / "baimq.toml")
        seconds = time.perf_counter() - start
    rejected = result.count(REJECTED)
    line = (f"| collect: {n:,} returns ({n - n // 5} filled templates + {n // 5} free-form; "
            f"{rejected} rejected, {len(result.revisions):,} revisions, {len(result.table)} numbers kept) "
            f"| {seconds:.2f} s | {1000 * seconds / n:.1f} ms/file |")
    print(line)
    return line


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)

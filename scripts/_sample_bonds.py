"""Synthetic 新增债券 allocation returns (示例数据): 2022 and 2023 batches, by 市本级 and county."""
from __future__ import annotations

from pathlib import Path

from _sample_common import instructions_sheet, numbered, prefixed, sign_off
from _sample_numbers import UNITS, bond_batch, dsum, growth_pct, share_pct
from _sample_write import Sheet, write_workbook

DEPT = "湛江市财政局"


def bond_rows(year: int, batch: str, unit: str = "亿元") -> list[tuple]:
    """(area, general, special, total, share %) with the city total first; amounts displayed.

    ``None`` marks nothing allocated (shown as "—" in the 一般债券 column).
    """
    data = bond_batch(year, batch)
    conv = (lambda x: x / 100) if unit == "亿元" else (lambda x: x * 100)  # 0.01 亿元 → unit
    rows = []
    for u in UNITS:
        g, s = data[u]
        rows.append((u, conv(g), conv(s), conv(g + s)))
    total = tuple(dsum(r[k] for r in rows) for k in (1, 2, 3))
    rows.insert(0, ("全市",) + total)
    return [r + (share_pct(r[3], total[2]),) for r in rows]


def _dash(v: float):
    return "—" if v == 0 else v


def _sheet_2022(batch: str) -> Sheet:
    """亿元; two header rows; 合计 at the bottom; "—" for nothing."""
    sh = Sheet(batch)
    sh.title(f"2022年{batch}新增地方政府债券分配情况表（示例数据）", 5)
    sh.add(["单位：亿元"])
    h = sh.add(["地区", "新增债券", None, None, "占比（%）"], bold=True)
    sh.add([None, "合计", "其中：新增一般债券", "新增专项债券", None], bold=True)
    sh.merge(h, 0, h + 1, 0)
    sh.merge(h, 1, h, 3)
    sh.merge(h, 4, h + 1, 4)
    rows = bond_rows(2022, batch)
    for name, g, s, t, p in rows[1:] + rows[:1]:
        label = "合计" if name == "全市" else name
        sh.add([label, _dash(t), _dash(g), _dash(s), p if t else "—"], ["0.00", "0.00", "0.00", "0.00", "0.0"])
    sign_off(sh, DEPT, 2022, 3)
    sh.widths = {0: 12}
    return sh


def _sheet_2023_early() -> Sheet:
    """亿元; 序号; 全市 on top; 上年同期 and 同比 against the 2022 提前批次."""
    this, prev = bond_rows(2023, "提前批次"), bond_rows(2022, "提前批次")
    sh = Sheet("提前批次")
    sh.title("2023年提前批次新增债券资金分配表（示例数据）", 8)
    sh.add(["单位：亿元、%"])
    h = sh.add(["序号", "县（市、区）", "新增债券", None, None, "占比（%）", "上年同期", "同比增长（%）"], bold=True)
    sh.add([None, None, "合计", "其中：一般债券", "专项债券", None, None, None], bold=True)
    for c in (0, 1, 5, 6, 7):
        sh.merge(h, c, h + 1, c)
    sh.merge(h, 2, h, 4)
    fm = [None, None, "0.00", "0.00", "0.00", "0.0", "0.00", "0.0"]
    for i, (row, old) in enumerate(zip(this, prev)):
        name, g, s, t, p = row
        gr = growth_pct(t, old[3])
        sh.add([i or None, name, t, g, s, p, old[3], "—" if gr is None else gr], fm)
    counties = dsum(r[3] for r in this[2:])
    note = (f"说明：2023年提前批次新增债券{this[0][3]:.2f}亿元，同比增长{growth_pct(this[0][3], prev[0][3]):.1f}%；"
            f"其中分配县（市、区）{counties:.2f}亿元，占比{share_pct(counties, this[0][3]):.1f}%。")
    sign_off(sh, DEPT, 2023, 1, note=note)
    sh.widths = {0: 6, 1: 14}
    return sh


def _sheet_2023_first() -> Sheet:
    """.xls; one header row; the total column on the right; numbered names; 总计 last."""
    sh = Sheet("第一批")
    sh.title("2023年第一批新增政府债券额度分配表（示例数据）", 5)
    sh.add(["单位：亿元"])
    sh.add(["单位名称", "新增一般债券", "新增专项债券", "新增债券合计", "占比"], bold=True)
    rows = bond_rows(2023, "第一批")
    for i, (name, g, s, t, p) in enumerate(rows[1:], start=1):
        sh.add([numbered(i, name), g, s, t, f"{p:.1f}%"], "0.00")
    _, g, s, t, p = rows[0]
    sh.add(["总计", g, s, t, f"{p:.1f}%"], "0.00")
    sign_off(sh, DEPT, 2023, 4)
    sh.widths = {0: 14}
    return sh


def _sheet_2023_second() -> Sheet:
    """万元; city-prefixed names; 全市合计 on top; blanks where nothing was allocated."""
    sh = Sheet("2023年第二批")
    sh.title("湛江市2023年第二批新增债券分配明细（示例数据）", 5)
    sh.add([None, None, None, None, "单位：万元"])
    sh.add(["地区", "新增债券合计", "一般债券", "专项债券", "占全市比重（%）"], bold=True)
    for name, g, s, t, p in bond_rows(2023, "第二批", "万元"):
        label = "全市合计" if name == "全市" else prefixed(name)
        sh.add([label, t or None, g or None, s or None, p if t else None],
               [None, "#,##0", "#,##0", "#,##0", "0.0"])
    sign_off(sh, DEPT, 2023, 8)
    sh.widths = {0: 16}
    return sh


def build_bonds(out: Path) -> list[Path]:
    folder = out / "sample" / "bond"
    files = {
        folder / "2022年新增债券分配情况（各批次）.xlsx":
            [_sheet_2022(b) for b in ("提前批次", "第一批", "第二批")] + [instructions_sheet()],
        folder / "2023-01_提前批次新增债券分配.xlsx": [_sheet_2023_early()],
        folder / "2023-05_第一批新增债券分配.xls": [_sheet_2023_first()],
        folder / "2023-09_第二批新增债券分配.xlsx": [_sheet_2023_second(), instructions_sheet("说明")],
    }
    for path, sheets in files.items():
        write_workbook(path, sheets)
    return list(files)

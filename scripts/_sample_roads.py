"""Synthetic 农村公路 progress returns (示例数据): 2022 one workbook of monthly sheets, 2023 one file a month."""
from __future__ import annotations

from pathlib import Path

from _sample_common import last_day, sign_off, short
from _sample_numbers import BEHIND, COUNTIES, road_series, road_tasks, share_pct
from _sample_write import Sheet, write_workbook

DEPT = "湛江市交通运输局"
REMARKS = {"徐闻县": "征地拆迁滞后，开工不足", "雷州市": "部分项目施工队伍未进场", "麻章区": "项目前期手续未完成"}


def road_rows(year: int, month: int) -> list[tuple]:
    """(area, task, started, completed, start rate %, completion rate %) in km; city total first."""
    task, prog = road_tasks(year), road_series(year)[month]
    rows = []
    for c in COUNTIES:
        t, (s, d) = task[c], prog[c]
        rows.append((c, t, s, d))
    total = ("全市",) + tuple(sum(r[k] for r in rows) for k in (1, 2, 3))
    out = []
    for name, t, s, d in [total] + rows:
        out.append((name, t / 10, s / 10, d / 10, share_pct(s, t), share_pct(d, t)))
    return out


def _remark(name: str, month: int) -> str | None:
    if name in BEHIND and month < 12:
        return REMARKS[name]
    return "—" if name != "全市" else None


def _sheet_2022(month: int) -> Sheet:
    """Period only in the sheet name (2022.6); one header row; 合计 at the bottom; short names."""
    sh = Sheet(f"2022.{month}")
    sh.title("湛江市农村公路建设进度表（示例数据）", 8)
    sh.add(["单位：公里、%"])
    sh.add(["序号", "县（市、区）", "年度任务", "累计开工", "累计完工", "开工率", "完工率", "备注"], bold=True)
    rows = road_rows(2022, month)
    for i, (name, t, s, d, rs, rd) in enumerate(rows[1:], start=1):
        sh.add([i, short(name), t, s, d, rs, rd, _remark(name, month)], "0.0")
    name, t, s, d, rs, rd = rows[0]
    sh.add([None, "合计", t, s, d, rs, rd, None], "0.0")
    sign_off(sh, DEPT, 2022, month)
    sh.widths = {0: 6, 7: 28}
    return sh


def _sheet_2023(month: int) -> Sheet:
    """截至 a day in the title; two header rows; 全市 on top; rates as text in odd months."""
    day = last_day(2023, month)
    sh = Sheet("进度表")
    sh.title(f"湛江市新建和改造提升农村公路进度情况表（截至2023年{month}月{day}日）（示例数据）", 7)
    h = sh.add(["地区", "年度任务（公里）", "开工情况", None, "完工情况", None, "备注"], bold=True)
    sh.add([None, None, "累计开工（公里）", "开工率（%）", "累计完工（公里）", "完工率（%）", None], bold=True)
    for c in (0, 1, 6):
        sh.merge(h, c, h + 1, c)
    sh.merge(h, 2, h, 3)
    sh.merge(h, 4, h, 5)
    as_text = month % 2 == 1
    for name, t, s, d, rs, rd in road_rows(2023, month):
        r1, r2 = (f"{rs:.1f}%", f"{rd:.1f}%") if as_text else (rs, rd)
        sh.add([name, t, s, r1, d, r2, _remark(name, month)], "0.0")
    sign_off(sh, DEPT, 2023, month)
    sh.widths = {0: 10, 6: 28}
    return sh


def build_roads(out: Path) -> list[Path]:
    folder = out / "sample" / "road"
    paths = [folder / "2022年农村公路建设进度（分月）.xlsx"]
    write_workbook(paths[0], [_sheet_2022(m) for m in range(1, 13)])
    for m in range(1, 13):
        path = folder / f"2023-{m:02d}_农村公路建设进度.xlsx"
        write_workbook(path, [_sheet_2023(m)])
        paths.append(path)
    return paths

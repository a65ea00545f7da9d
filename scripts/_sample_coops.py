"""Synthetic 农民合作社 returns (示例数据) and the 2023 目标任务分解表."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from _sample_common import padded, prefixed, sign_off
from _sample_numbers import (COUNTIES, MODEL_COOPS, UNITS, budget_series, coop_series, dsum,
                             half_up, road_tasks)
from _sample_write import Sheet, write_workbook

DEPT = "湛江市农业农村局"
QUARTER_ENDS = (3, 6, 9, 12)


def coop_rows(key: str) -> list[tuple]:
    """(area, count) for month-end *key* ('2023-06'), city total first."""
    data = coop_series()[key]
    return [("全市", sum(data.values()))] + [(c, data[c]) for c in COUNTIES]


def _sheet_2022() -> Sheet:
    """Months as columns (1月 … 12月); 合计 at the bottom."""
    sh = Sheet("2022年")
    sh.title("2022年各县（市、区）农民合作社数量（月末数）（示例数据）", 13)
    sh.add(["单位：家"])
    sh.add(["县（市、区）"] + [f"{m}月" for m in range(1, 13)], bold=True)
    series = coop_series()
    table = [[c] + [series[f"2022-{m:02d}"][c] for m in range(1, 13)] for c in COUNTIES]
    table.append(["合计"] + [sum(series[f"2022-{m:02d}"].values()) for m in range(1, 13)])
    for row in table:
        sh.add(row)
    sign_off(sh, DEPT, 2022, 12)
    sh.widths = {0: 12}
    return sh


def _sheet_2023(month: int) -> Sheet:
    """Month-end stock; quarter months add 其中 国家级/省级示范社 under a merged header."""
    sh = Sheet(f"{month}月")
    sh.title(f"湛江市农民合作社发展情况统计表（2023年{month}月底）（示例数据）", 5)
    rows = coop_rows(f"2023-{month:02d}")
    if month in QUARTER_ENDS:
        sh.add(["单位：家"])
        h = sh.add(["序号", "地区", "农民合作社数量", None, None], bold=True)
        sh.add([None, None, "合计", "其中：国家级示范社", "省级示范社"], bold=True)
        sh.merge(h, 0, h + 1, 0)
        sh.merge(h, 1, h + 1, 1)
        sh.merge(h, 2, h, 4)
        nat = [sum(v[0] for v in MODEL_COOPS.values())] + [MODEL_COOPS[c][0] for c in COUNTIES]
        prov = [sum(v[1] for v in MODEL_COOPS.values())] + [MODEL_COOPS[c][1] for c in COUNTIES]
        for i, ((name, n), a, b) in enumerate(zip(rows, nat, prov)):
            sh.add([i or None, name, n, a, b])
    else:
        sh.add(["序号", "地区", "农民合作社（家）"], bold=True)
        for i, (name, n) in enumerate(rows):
            sh.add([i or None, padded(name) if i else "全　市", n])
    sign_off(sh, DEPT, 2023, month)
    sh.widths = {0: 6, 1: 12}
    return sh


def _sheet_three_dates() -> Sheet:
    """Stock at 2021年底 / 2022年底 / 2023年6月底 in one return; city-prefixed names."""
    sh = Sheet("合作社")
    sh.title("湛江市农民合作社发展情况（示例数据）", 4)
    sh.add([None, None, None, "单位：家"])
    h = sh.add(["地区", "农民合作社数量", None, None], bold=True)
    sh.add([None, "2021年底", "2022年底", "2023年6月底"], bold=True)
    sh.merge(h, 0, h + 1, 0)
    sh.merge(h, 1, h, 3)
    cols = [coop_rows(k) for k in ("2021-12", "2022-12", "2023-06")]
    for i in list(range(1, len(COUNTIES) + 1)) + [0]:
        name = cols[0][i][0]
        label = "全市合计" if name == "全市" else prefixed(name)
        sh.add([label] + [c[i][1] for c in cols])
    sign_off(sh, DEPT, 2023, 6)
    sh.widths = {0: 16}
    return sh


def build_coops(out: Path) -> list[Path]:
    folder = out / "sample" / "coop"
    files = {folder / "2022年农民合作社数量（分月）.xlsx": [_sheet_2022()],
             folder / "2023-06_农民合作社发展情况（2021-2023）.xlsx": [_sheet_three_dates()]}
    for m in range(1, 13):
        files[folder / f"2023-{m:02d}_农民合作社.xlsx"] = [_sheet_2023(m)]
    for path, sheets in files.items():
        write_workbook(path, sheets)
    return list(files)


# --- 2023 目标任务分解表 ---------------------------------------------------------------------
def target_rows() -> list[tuple]:
    """(area, revenue target 亿元, road task km, coop target 家); None where not assigned."""
    dec22 = budget_series()[(2022, 12)]
    tasks = road_tasks(2023)
    coops = coop_series()["2022-12"]
    rows = []
    for u in UNITS:
        rev = float((Decimal(sum(dec22[u])) * Decimal("1.08") / 1_000_000)
                    .quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        road = tasks[u] / 10 if u in tasks else None
        coop = int(half_up(coops[u] * 1.1, 0)) if u in coops else None
        rows.append((u, rev, road, coop))
    total = ("全市", dsum(r[1] for r in rows), dsum(r[2] for r in rows[1:]), sum(r[3] for r in rows[1:]))
    return [total] + rows


def build_targets(out: Path) -> list[Path]:
    sh = Sheet("目标任务")
    sh.title("湛江市2023年百县千镇万村高质量发展工程主要指标目标任务分解表（示例数据）", 5)
    sh.add(["序号", "县（市、区）", "一般公共预算收入目标（亿元）", "农村公路年度任务（公里）",
            "农民合作社目标数（家）"], bold=True)
    for i, (name, rev, road, coop) in enumerate(target_rows()):
        sh.add([i or None, name, rev, "—" if road is None else road, "—" if coop is None else coop],
               [None, None, "0.00", "0.0", "0"])
    sh.add(["注：一般公共预算收入目标按2022年完成数增长8%测算；农民合作社目标按2022年底数增长10%测算。"])
    sign_off(sh, "湛江市百千万工程指挥办", 2023, 1)
    sh.widths = {0: 6, 1: 12, 2: 16, 3: 16, 4: 16}
    path = out / "sample" / "target" / "2023年目标任务分解表.xlsx"
    write_workbook(path, [sh])
    return [path]

"""Shared bits of the synthetic layouts: names as staff type them, note and sign-off rows."""
from __future__ import annotations

import calendar

from _sample_write import Sheet

SAMPLE_NOTE = "注：本表为示例数据（非真实统计数），由 scripts/build_sample_data.py 按固定随机种子生成，仅供演示。"
INSTRUCTIONS = [
    "填表说明（示例数据）",
    "1. 本表由各县（市、区）财政局填报，数据截至报告期末，累计数自1月起计。",
    "2. 金额保留两位小数；增幅为与上年同期相比的增减百分比。",
    "3. 请于每月10日前报送市指挥办，联系人：示例。",
]

PADDED = {"赤坎区": "赤　坎　区", "霞山区": "霞　山　区", "坡头区": "坡　头　区", "麻章区": "麻　章　区",
          "遂溪县": "遂　溪　县", "徐闻县": "徐　闻　县", "廉江市": "廉　江　市", "雷州市": "雷　州　市",
          "吴川市": "吴　川　市", "市本级": "市　本　级"}


def padded(name: str) -> str:
    """Aligned with full-width spaces: 霞　山　区."""
    return PADDED.get(name, name)


def short(name: str) -> str:
    """Without suffix: 廉江; 市本级 as 本级."""
    if name == "市本级":
        return "本级"
    return name[:-1]


def prefixed(name: str) -> str:
    """With the city prefix: 湛江市霞山区; 市本级 as 湛江市本级."""
    return "湛江市本级" if name == "市本级" else "湛江市" + name


def numbered(i: int, name: str) -> str:
    return f"{i}.{name}"


def last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def report_date(year: int, month: int, day: int = 10) -> str:
    """The sign-off date: the *day* of the month after the period."""
    y, m = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{y}年{m}月{day}日"


def sign_off(sheet: Sheet, unit: str, year: int, month: int, *, col: int = 0, note: str = "") -> None:
    """Note rows and the sign-off row under a table (kept within the table's width)."""
    width = max(sheet.ncols - col, 3)
    pad = [None] * col
    sheet.add(pad + [SAMPLE_NOTE])
    if note:
        sheet.add(pad + [note])
    row = [None] * width
    row[0], row[width // 2], row[-1] = (f"填报单位：{unit}（示例）", "审核人：示例",
                                        f"填报日期：{report_date(year, month)}")
    sheet.add(pad + row)


def instructions_sheet(name: str = "填表说明") -> Sheet:
    sh = Sheet(name, hidden=True)
    for line in INSTRUCTIONS:
        sh.add([line])
    sh.widths = {0: 80}
    return sh


def money_text(v: float) -> str:
    """A number typed as text with thousands separators: '62,391.50'."""
    return f"{v:,.2f}"


def pct_text(v) -> str:
    return "—" if v is None else f"{v:.1f}%"

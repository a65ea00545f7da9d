"""The bulletin's tables as an office sends them: XLSX (XlsxWriter) and CSV.

:func:`write_tables` writes one sheet per table: an optional title row and unit line, a bold
frozen header, 亿元 to two decimals, growth and rates as ``0.0%``, traffic lights as green /
yellow / red fills, column widths that fit Chinese text. Text is always written as text, so
a cell holding ``=1+1`` or ``@SUM(A1)`` is never run as a formula. The file is written
atomically and normalised so that two runs give byte-identical files.

:func:`write_csv` writes UTF-8 with a BOM (Excel opens it with the right encoding) and
prefixes formula-like text with a single quote.
"""
from __future__ import annotations

import datetime
import math
import numbers
import os
import unicodedata
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
import xlsxwriter

from .outputs import FIXED_DATETIME, atomic_path, escape_formula, normalise_zip

#: Traffic-light values accepted in a table and the text shown for each.
LIGHT_TEXT = {
    "green": "绿灯", "yellow": "黄灯", "red": "红灯",
    "绿": "绿灯", "黄": "黄灯", "红": "红灯",
    "绿灯": "绿灯", "黄灯": "黄灯", "红灯": "红灯",
    "绿牌": "绿牌", "黄牌": "黄牌", "红牌": "红牌",
}
#: Fill (background, font) colour of each light: Excel's standard green, yellow, red.
LIGHT_COLOURS = {"绿": ("#00B050", "#FFFFFF"), "黄": ("#FFFF00", "#000000"), "红": ("#FF0000", "#FFFFFF")}
MISSING_TEXT = "—"
DEFAULT_FONT = "Microsoft YaHei"

_RATE_WORDS = ("增长", "增速", "同比", "环比", "占比", "比重", "率", "进度", "增幅", "降幅")
_AMOUNT_WORDS = ("亿元", "万元", "元", "额", "量", "公里", "百分点")
_COUNT_WORDS = ("家", "个", "数", "排名", "位次", "序号", "名次")
_BAD_SHEET_CHARS = set("[]:*?/\\")


# --------------------------------------------------------------------------- helpers
def text_width(text) -> int:
    """Display width of *text*: East Asian wide and full-width characters count 2, others 1."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return _is_number(value) and not math.isfinite(float(value))


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _as_text(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):  # also pd.Timestamp
        midnight = (value.hour, value.minute, value.second) == (0, 0, 0)
        return value.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def light_text(value) -> str | None:
    """The shown text of a traffic-light value (``"green"`` → ``"绿灯"``), or None if it is not one."""
    return LIGHT_TEXT.get(str(value).strip().lower()) if isinstance(value, str) else None


def infer_format(name: str, values: pd.Series) -> str:
    """The display format of a column from its header and values.

    ``"light"`` for a column of traffic lights, ``"text"`` for other text, ``"0.0%"`` for
    growth rates and shares (headers with 增长/增速/同比/率/占比/进度, stored as fractions),
    ``"0.0"`` for 百分点, ``"0"`` for integers and counts (家, 个, 排名), else ``"0.00"``.
    """
    present = [v for v in values if not _is_missing(v)]
    lights = [v for v in present if not (isinstance(v, str) and not v.strip())]  # "" = not lit
    if lights and all(light_text(v) for v in lights):
        return "light"
    if not present or not all(_is_number(v) for v in present):
        return "text" if present else "0.00"
    name = str(name)
    if "百分点" in name:
        return "0.0"
    if any(w in name for w in _RATE_WORDS) and not any(w in name for w in _AMOUNT_WORDS):
        return "0.0%"
    integral = all(float(v).is_integer() for v in present)
    if pd.api.types.is_integer_dtype(values.dtype) or (integral and any(w in name for w in _COUNT_WORDS)):
        return "0"
    return "0.00"


def _flat_table(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with a named index turned into columns and multi-level headers joined."""
    out = df.reset_index() if any(n is not None for n in df.index.names) else df.copy()
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = [" ".join(str(x) for x in col if str(x) and not str(x).startswith("Unnamed"))
                       for col in out.columns]
    out.columns = [str(c) for c in out.columns]
    return out


def _check_sheet_name(name: str) -> None:
    if not name or len(name) > 31 or _BAD_SHEET_CHARS & set(name) or name[0] == "'" or name[-1] == "'":
        raise ValueError(f"工作表名「{name}」不可用：须为1至31个字符，不含 [ ] : * ? / \\，不以单引号开头或结尾。")


def _shown(value, fmt: str) -> str:
    """Approximately the text Excel shows for *value* under *fmt* (for column widths)."""
    if _is_missing(value):
        return MISSING_TEXT
    if fmt == "light":
        return light_text(value) or str(value)
    if not _is_number(value) or fmt == "text":
        return _as_text(value)
    decimals = len(fmt.split(".")[1].rstrip("%")) if "." in fmt else 0
    scaled = float(value) * 100 if fmt.endswith("%") else float(value)
    return f"{scaled:,.{decimals}f}" + ("%" if fmt.endswith("%") else "")


class _Formats:
    """XlsxWriter formats made once per workbook and kept by key."""

    def __init__(self, workbook, font: str):
        self._wb, self._font, self._cache = workbook, font, {}

    def get(self, kind: str, num: str = "", light: str = ""):
        key = (kind, num, light)
        if key not in self._cache:
            spec = {"font_name": self._font, "font_size": 11, "border": 1, "valign": "vcenter"}
            if kind == "title":
                spec = {"font_name": self._font, "font_size": 16, "bold": True, "align": "center", "valign": "vcenter"}
            elif kind == "unit":
                spec = {"font_name": self._font, "font_size": 10, "align": "right"}
            elif kind == "header":
                spec.update(bold=True, align="center", text_wrap=True, bg_color="#D9D9D9")
            elif kind == "light":
                bg, fg = LIGHT_COLOURS[light]
                spec.update(align="center", bg_color=bg, font_color=fg, pattern=1)
            elif kind == "missing":
                spec.update(align="center")
            elif kind == "number":
                spec.update(num_format=num, align="right")
            self._cache[key] = self._wb.add_format(spec)
        return self._cache[key]


# --------------------------------------------------------------------------- cells and sheets
def _write_cell(ws, row: int, col: int, value, fmt: str, fm: _Formats) -> None:
    if _is_missing(value) or (fmt == "light" and isinstance(value, str) and not value.strip()):
        ws.write_string(row, col, MISSING_TEXT, fm.get("missing"))
    elif fmt == "light" and light_text(value):
        shown = light_text(value)
        ws.write_string(row, col, shown, fm.get("light", light=shown[0]))
    elif _is_number(value) and fmt not in ("text", "light"):
        ws.write_number(row, col, float(value), fm.get("number", num=fmt))
    else:  # always as a string: "=1+1" stays text, never a formula
        ws.write_string(row, col, _as_text(value), fm.get("text"))


def _column_formats(df: pd.DataFrame, given: Mapping[str, str]) -> list[str]:
    return [given.get(c) or infer_format(c, df[c]) for c in df.columns]


def _write_sheet(ws, df: pd.DataFrame, fmts: list[str], fm: _Formats, title: str, unit: str) -> None:
    last_col = max(len(df.columns) - 1, 0)
    row = 0
    for text, kind in ((title, "title"), (unit, "unit")):
        if not text:
            continue
        if last_col:
            ws.merge_range(row, 0, row, last_col, text, fm.get(kind))
        else:
            ws.write_string(row, 0, text, fm.get(kind))
        if kind == "title":
            ws.set_row(row, 30)
        row += 1
    header_row = row
    for col, name in enumerate(df.columns):
        ws.write_string(header_row, col, name, fm.get("header"))
    for i, values in enumerate(df.itertuples(index=False, name=None), start=header_row + 1):
        for col, value in enumerate(values):
            _write_cell(ws, i, col, value, fmts[col], fm)
    for col, name in enumerate(df.columns):
        shown = [_shown(v, fmts[col]) for v in df.iloc[:, col]]
        width = max([text_width(name)] + [text_width(s) for s in shown])
        ws.set_column(col, col, min(max(width + 2, 6), 60))
    ws.freeze_panes(header_row + 1, 1 if len(df.columns) > 1 else 0)


def write_tables(tables: Mapping[str, pd.DataFrame], path: str | os.PathLike, *,
                 formats: Mapping | None = None, titles: Mapping[str, str] | None = None,
                 units: Mapping[str, str] | None = None, font: str = DEFAULT_FONT) -> Path:
    """Write the bulletin's tables to one XLSX file, one sheet per table.

    Parameters
    ----------
    tables : mapping of sheet name to DataFrame
        Sheets in the given order. A named index is written as the first columns;
        multi-level headers are joined with a space. The frames are not modified.
    path : path
        The ``.xlsx`` file; written atomically, never inside ``data/raw`` or over a source.
    formats : mapping, optional
        Column header → format: an Excel number format (``"0.00"``, ``"0.0%"``, ``"#,##0"``),
        ``"light"`` (traffic lights as fills) or ``"text"``; or sheet name → such a mapping.
        Columns not named are inferred by :func:`infer_format`.
    titles, units : mapping of sheet name to text, optional
        A title row ("2023年1-6月各县（市、区）一般公共预算收入完成情况表") and a unit line
        ("单位：亿元") above the header.
    font : str
        Font of every cell (default Microsoft YaHei, what office PCs have).

    Returns
    -------
    Path
        *path*. Missing and non-finite numbers show as "—"; numbers are stored unrounded.
    """
    formats, titles, units = dict(formats or {}), dict(titles or {}), dict(units or {})
    for name in tables:
        _check_sheet_name(str(name))
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_numbers": False,
                                            "strings_to_urls": False})
        wb.set_properties({"created": FIXED_DATETIME, "author": "baimq"})
        fm = _Formats(wb, font)
        for name, frame in tables.items():
            df = _flat_table(frame)
            given = {k: v for k, v in formats.items() if isinstance(v, str)}
            given.update(formats.get(name, {}) if isinstance(formats.get(name), Mapping) else {})
            ws = wb.add_worksheet(str(name))
            _write_sheet(ws, df, _column_formats(df, given), fm, titles.get(name, ""), units.get(name, ""))
        wb.close()
        normalise_zip(tmp)
    return Path(path)


def write_csv(df: pd.DataFrame, path: str | os.PathLike, *, encoding: str = "utf-8-sig") -> Path:
    """Write *df* as CSV, atomically, with formula-like text prefixed by a single quote.

    UTF-8 with a BOM by default so that Excel shows Chinese correctly; ``\\n`` line ends;
    numbers unrounded; a named index is written as columns. *df* is not modified.
    """
    out = _flat_table(df)
    out.columns = [escape_formula(c) for c in out.columns]
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col].dtype):
            out[col] = out[col].map(escape_formula, na_action="ignore")
    with atomic_path(path) as tmp:
        out.to_csv(tmp, index=False, encoding=encoding, lineterminator="\n")
    return Path(path)

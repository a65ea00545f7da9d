"""Load returns into the tidy table (:func:`load`) and list their problems (:func:`check`).

Stages: :mod:`baimq.reader` (cells with true coordinates) → :mod:`baimq.layout` (what the
table means) → tidy rows with a ``source`` cell each → :mod:`baimq.checks`.

Errors (the table cannot be trusted) make :func:`load` raise :class:`baimq.DataError` with
every error of every file in ``.findings``; warnings go to ``df.attrs["findings"]``.
Formula cells without a cached value are a warning: the figure is not read (never as 0),
the rest of the table loads. Rows that repeat a figure in one table with the same number
(全市 at the top and at the bottom) are read once.
"""
from __future__ import annotations

import difflib
import os
from pathlib import Path

import pandas as pd

from . import checks
from .areas import Area, AreaResolver, normalise_name
from .config import Project, get_project
from .errors import DataError, Finding, FindingList, FindingSet, findings_frame
from .layout import Column, Layout, recognise
from .parse import cell_name, norm, parse_number, parse_rate
from .reader import Book, Sheet, read_book, spreadsheet_files
from .schema import TIDY_COLUMNS, tidy_frame

_INTERNAL = ["_half", "_row", "_col", "_parent", "_file", "_sheet", "_cell"]
_OWN_WORDS = ("本级", "市本级", "市直", "本级合计")


def _targets(path: Path) -> tuple[list[tuple[Path, str]], Path]:
    if path.is_dir():
        return [(p, p.relative_to(path).as_posix()) for p in spreadsheet_files(path)], path
    if path.is_file():
        return [(path, path.name)], path.parent
    raise FileNotFoundError(f"找不到文件或文件夹：{path}")


# ----------------------------------------------------------------------------- areas
def _scope(sheet: Sheet, layout: Layout, resolver: AreaResolver) -> str:
    cities = set()
    for r in layout.data_rows:
        a = resolver.resolve(_area_text(sheet, r, layout.area_col), scope="province")
        if a is not None and a.level in ("city", "subtotal", "province_own") and a.code != resolver.city.code:
            cities.add(a.code)
    return "province" if len(cities) >= 2 else "city"


def _area_text(sheet: Sheet, r: int, c: int) -> str:
    v = sheet.value(r, c)
    if v in ("", None):
        for (r0, c0), (r1, c1) in sheet.merged:
            if r0 <= r <= r1 and c0 <= c <= c1:
                v = sheet.value(r0, c0)
    return "" if v is None else str(v)


def _resolve(text: str, scope: str, resolver: AreaResolver, parent: Area | None) -> Area | None:
    """Resolve an area name, reading a bare 本级 under the city (or province) row above it."""
    s = normalise_name(text)
    if s in _OWN_WORDS and parent is not None:
        if parent.level == "province":
            return resolver.resolve("省本级")
        if parent.code != resolver.city.code:
            return Area(parent.name + "本级", parent.code + "BJ", "city_own", parent.code)
    return resolver.resolve(text, scope=scope)


def _close_names(resolver: AreaResolver, text: str) -> list[str]:
    """AreaResolver's suggestions, keeping only those nearly as close as the best one."""
    s = normalise_name(text)
    scored = [(difflib.SequenceMatcher(None, s, n).ratio(), n) for n in resolver.suggest(text, n=5)]
    best = max((sc for sc, _ in scored), default=0)
    return [n for sc, n in scored if sc >= max(0.5, best - 0.1)]


# ----------------------------------------------------------------------------- one table
class _Table:
    """Turns one recognised sheet into records, collecting findings on the way."""

    def __init__(self, book: Book, sheet: Sheet, layout: Layout, project: Project, resolver: AreaResolver):
        self.book, self.sheet, self.layout, self.project, self.resolver = book, sheet, layout, project, resolver
        self.found = FindingList()
        self.records: list[dict] = []
        self.rates: list[dict] = []
        self.present: set[str] = set()   # areas with a row in the table, blank or not
        self._seen: dict = {}

    def where(self, r, c):
        return dict(file=self.book.name, sheet=self.sheet.name, cell=cell_name(r, c))

    def usable(self, col: Column) -> bool:
        """Check the column's unit and period once; report what is missing."""
        hdr = self.layout.header_rows[0]
        ind = self.project.indicators[col.indicator]
        if not col.unit:
            self.found.add("error", "no_unit", f"「{ind.name}」未注明计量单位（标题下没有「单位：」行，"
                           "表头也没有括号单位），无法换算", value=col.header, **self.where(hdr, col.col))
            return False
        fam = self.project.units.get(col.unit, [""])[0]
        if fam != self.project.units.get(ind.unit, ["?"])[0]:
            self.found.add("error", "unit_mismatch", f"单位「{col.unit}」与指标「{ind.name}」（{ind.unit}）不相符",
                           value=col.header, **self.where(hdr, col.col))
            return False
        if col.period is None:
            self.found.add("error", "no_period", f"无法确定「{ind.name}」的时期：标题、表头和工作表名中都没有"
                           "年份或月份", value=col.header, **self.where(hdr, col.col))
            return False
        return True

    def distinct(self, cols: list[Column]) -> list[Column]:
        """Drop a column that means the same as one before it (and say so)."""
        seen: dict = {}
        out = []
        for c in cols:
            key = (c.indicator, str(c.period), c.kind, c.batch, c.basis, c.single_month)
            if key in seen:
                self.found.add("warning", "same_meaning", f"此列与「{seen[key].header}」列含义相同"
                               "（同一指标、时期），只读入前者", value=c.header,
                               **self.where(self.layout.header_rows[-1], c.col))
                continue
            seen[key] = c
            out.append(c)
        return out

    def run(self) -> "_Table":
        cols = self.distinct([c for c in self.layout.value_columns if self.usable(c)])
        scope = _scope(self.sheet, self.layout, self.resolver)
        parent = None
        for r in self.layout.data_rows:
            text = _area_text(self.sheet, r, self.layout.area_col)
            area = _resolve(text, scope, self.resolver, parent)
            cells = [(c, self.sheet.value(r, c.col)) for c in cols]
            if area is None:
                if any(parse_number(v).value is not None or parse_number(v).bad for _, v in cells):
                    self.unknown_area(r, text) if norm(text) else self.found.add(
                        "warning", "no_area", "此行有数值但没有地区名称，未读入",
                        **self.where(r, self.layout.area_col))
                continue
            if area.level in ("city", "province"):
                parent = area
            self.present.add(area.code)
            for col, raw in cells:
                self.value(r, col, raw, area)
            for col in self.layout.rate_columns:
                self.rate(r, col, area)
        self.settle_rates()
        self.attach_growth()
        self.set_precision()
        return self

    def set_precision(self) -> None:
        """Rounding half-unit of each figure (``_half``, canonical unit).

        Text cells show their decimals; numeric cells lose their display format, so they take
        the most decimals any numeric cell of the same column has (a column formatted 0.00
        holding 1.0 shows 1.00). Counts (家, 个) are exact.
        """
        most: dict[int, int] = {}
        for rec in self.records:
            if rec["_typed"]:
                most[rec["_col"]] = max(most.get(rec["_col"], 0), rec["_dec"])
        for rec in self.records:
            dec = most[rec["_col"]] if rec.pop("_typed") else rec["_dec"]
            exact = self.project.units.get(rec["unit"], [""])[0] == "count"
            rec["_half"] = 0.0 if exact else 0.5 * 10.0 ** -dec * rec["_factor"]
            del rec["_dec"], rec["_factor"]

    def attach_growth(self) -> None:
        """Put each stated 同比 rate on the actual figure of its row (stated_growth)."""
        growth = {(o["row"], o["rate_of"], o["batch"]): o["value"] for o in self.rates if o["rate"] == "growth"}
        for rec in self.records:
            g = growth.get((rec["_row"], rec["indicator"], rec["batch"]))
            if g is not None and rec["kind"] == "actual":
                rec["stated_growth"] = g

    def unknown_area(self, r: int, text: str) -> None:
        hint = "、".join(_close_names(self.resolver, text))
        msg = "地区名称无法识别" + (f"，是否为：{hint}？" if hint else "，请使用规范的县（市、区）名称")
        self.found.add("error", "unknown_area", msg, value=text.strip(), **self.where(r, self.layout.area_col))

    def value(self, r: int, col: Column, raw, area: Area) -> None:
        if (r, col.col) in self.sheet.formulas_without_value:
            self.found.add("warning", "formula_no_value", "公式单元格没有保存计算结果（文件由程序生成、未经 Excel "
                           "重新计算），未读入；请用 Excel 打开并保存后重报", **self.where(r, col.col))
            return
        num = parse_number(raw)
        if num.bad:
            self.found.add("error", "text_in_number", "数值单元格中有文字，无法读作数字；请只填数字",
                           value=raw, **self.where(r, col.col))
            return
        if num.value is None:
            return
        if num.percent:
            self.found.add("error", "percent_in_value", "数值列中填了百分数；比率请填在比率列，这里填数值",
                           value=raw, **self.where(r, col.col))
            return
        ind = self.project.indicators[col.indicator]
        factor = self.project.units[col.unit][1] / self.project.units[ind.unit][1]
        rec = dict(indicator=col.indicator, area=area.name, area_code=area.code, period=col.period,
                   value=num.value * factor, unit=ind.unit, kind=col.kind, level=area.level,
                   cumulative=ind.cumulative and col.period.freqstr.startswith("M") and not col.single_month,
                   basis=col.basis, batch=col.batch, unit_sent=col.unit, as_of=col.as_of,
                   source=f"{self.book.name}!{self.sheet.name}!{cell_name(r, col.col)}",
                   _dec=num.decimals, _typed=isinstance(raw, (int, float)), _factor=factor, _row=r, _col=col.col, _parent=area.parent,
                   _file=self.book.name, _sheet=self.sheet.name, _cell=cell_name(r, col.col))
        if self.duplicate(rec, raw):
            return
        self.records.append(rec)

    def duplicate(self, rec: dict, raw) -> bool:
        key = (rec["indicator"], str(rec["period"]), rec["kind"], rec["batch"], rec["basis"], rec["cumulative"],
               rec["area_code"])
        prev = self._seen.get(key)
        if prev is None:
            self._seen[key] = rec
            return False
        if abs(prev["value"] - rec["value"]) > 1e-9 * max(1.0, abs(rec["value"])):
            self.found.add("error", "duplicate_area", f"「{rec['area']}」在本表出现两次且数值不同（{prev['_cell']} 为 "
                           f"{prev['value']:g}{rec['unit']}，此处 {rec['value']:g}{rec['unit']}），请删除重复行",
                           value=raw, file=rec["_file"], sheet=rec["_sheet"], cell=rec["_cell"])
        return True

    def rate(self, r: int, col: Column, area: Area) -> None:
        raw = self.sheet.value(r, col.col)
        num = parse_rate(raw)
        if num.value is None:
            return
        self.rates.append(dict(rate=col.rate, rate_of=col.rate_of, row=r, batch=col.batch,
                               value=num.value, decimals=num.decimals, col=col.col, percent_header=col.percent,
                               typed=isinstance(raw, (int, float)), area_code=area.code, text=str(raw),
                               file=self.book.name, sheet=self.sheet.name, cell=cell_name(r, col.col)))

    def settle_rates(self) -> None:
        """Decide each rate column's scale and rounding.

        Typed numbers lose their display format: under a header without "%" a column whose
        numbers all lie within ±1 holds fractions shown as percentages (0.058 shown as 5.8%);
        otherwise numbers are percentage points (6.2 means 6.2%). Typed numbers take the most
        decimals of their column, as figures do.
        """
        by_col: dict[int, list[dict]] = {}
        for o in self.rates:
            by_col.setdefault(o["col"], []).append(o)
        for obs in by_col.values():
            typed = [o for o in obs if o["typed"]]
            fraction = bool(typed) and not obs[0]["percent_header"] and all(abs(o["value"]) <= 0.01 for o in typed)
            most = max((o["decimals"] for o in typed), default=0)
            for o in obs:
                dec = most if o["typed"] else o["decimals"]
                if fraction and o["typed"]:
                    o["value"] *= 100
                    dec = max(dec - 2, 0)
                o["decimals"] = dec
                o["half"] = 0.5 * 10.0 ** -dec / 100

    def frame(self) -> pd.DataFrame:
        return _frame(self.records)

    def checked(self) -> list[Finding]:
        """Table-level warnings (skipped when the table has errors: fix those first)."""
        if self.found.errors() or not self.records:
            return []
        return (checks.check_totals(self.records, self.project, self.resolver, self.present)
                + checks.check_rates(self.records, self.rates, self.project)
                + checks.check_magnitudes(self.records, self.project))


def _frame(records: list[dict]) -> pd.DataFrame:
    df = tidy_frame(records)
    for c in _INTERNAL:
        if c not in df.columns:
            df[c] = pd.Series(dtype=object)
    return df


# ----------------------------------------------------------------------------- one file
def _read_file(path: Path, name: str, project: Project, resolver: AreaResolver):
    """Records and findings of one workbook; never raises for bad data."""
    try:
        book = read_book(path, name)
    except DataError as exc:
        return [], list(exc.findings)
    records, found = [], []
    tables = 0
    for sheet in book.sheets:
        if not sheet.visible:
            continue
        layout = recognise(sheet, project, resolver)
        if layout is None:
            continue
        tables += 1
        table = _Table(book, sheet, layout, project, resolver).run()
        found += table.found.items + table.checked()
        records += table.records
    if tables == 0:
        found.append(Finding("error", "no_table", "没有找到可识别的指标表（需要有地区列和目录中的指标列，"
                             "如「地区」「一般公共预算收入」）", name))
    return records, found


def _project(config, path) -> Project:
    """The given config, else ``baimq.toml`` above the data, else above the working folder."""
    project = get_project(config, start=path)
    if config is None and project.path is None:
        project = get_project(None)
    return project


def _load_all(path, config, errors: str) -> tuple[pd.DataFrame, list[Finding]]:
    project = _project(config, path)
    resolver = AreaResolver(project)
    files, _root = _targets(Path(path))
    records, found = [], []
    for p, name in files:
        recs, fnd = _read_file(p, name, project, resolver)
        if errors == "skip" and any(f.severity == "error" for f in fnd):
            recs = []
        records += recs
        found += fnd
    df = _frame(records)
    found += checks.check_revisions(df, project)
    return df, found


def _finish(df: pd.DataFrame, found: list[Finding]) -> pd.DataFrame:
    df = df.drop(columns=[c for c in _INTERNAL if c in df.columns])
    order = df.assign(_p=df["period"].astype(str)).sort_values(
        ["indicator", "area_code", "_p", "kind", "batch", "source"], kind="stable").index
    df = df.loc[order, TIDY_COLUMNS].reset_index(drop=True)
    df.attrs["findings"] = FindingSet(found)
    return df


def load(path: str | os.PathLike, *, config=None, errors: str = "raise") -> pd.DataFrame:
    """Load a workbook, or every workbook under a folder, into the tidy table.

    Parameters
    ----------
    path : path-like
        An .xlsx/.xlsm/.xls file, or a folder (searched recursively). ``source`` names
        files relative to the folder (``budget/2023-06.xlsx!Sheet1!B7``), or by file name.
    config : path, Project or None
        The project configuration (default: ``baimq.toml`` found from *path* or the
        working folder).
    errors : {"raise", "skip"}
        "raise": any error in any file raises :class:`DataError` listing all of them.
        "skip": files with errors are left out and their errors go to ``attrs["findings"]``.

    Returns
    -------
    pandas.DataFrame
        One row per number (:mod:`baimq.schema`), sorted by indicator, area_code, period,
        kind, batch, source; warnings in ``df.attrs["findings"]``. Source files are only read.
    """
    if errors not in ("raise", "skip"):
        raise ValueError("errors must be 'raise' or 'skip'")
    df, found = _load_all(path, config, errors)
    errs = [f for f in found if f.severity == "error"]
    if errs and errors == "raise":
        first = errs[0]
        raise DataError(first.message, file=first.file, sheet=first.sheet, cell=first.cell,
                        value=first.value, code=first.code, findings=errs)
    return _finish(df, found)


def findings(df: pd.DataFrame) -> pd.DataFrame:
    """The findings a loaded table carries (``df.attrs["findings"]``) as a DataFrame.

    Columns :data:`baimq.errors.FINDING_COLUMNS`; empty when the table is clean or was not
    made by :func:`load`.
    """
    return findings_frame(df.attrs.get("findings", ()))


def check(path: str | os.PathLike, *, config=None) -> pd.DataFrame:
    """Every problem in a workbook or folder, as a DataFrame (columns ``FINDING_COLUMNS``).

    Errors and warnings together, in file order; an empty frame when all is well.
    """
    _df, found = _load_all(path, config, "skip")
    return findings_frame(found)

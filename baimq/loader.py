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
import weakref
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd

from . import checks
from .areas import Area, AreaResolver, normalise_name
from .config import Project, get_project
from .errors import DataError, Finding, FindingList, FindingSet, findings_frame
from .layout import Column, Layout, recognise
from .parse import _decimals_of, cell_name, norm, parse_number, parse_rate
from .reader import Book, Sheet, read_book, spreadsheet_targets
from .schema import _DEFAULTS, TIDY_COLUMNS, tidy_frame, to_period

_INTERNAL = ["_half", "_row", "_col", "_parent", "_file", "_sheet", "_cell"]
_OWN_WORDS = ("本级", "市本级", "市直", "本级合计")


def _targets(path: Path, skipped: list[str] | None = None) -> tuple[list[tuple[Path, str]], Path]:
    """``(absolute path, name in messages)`` of the workbooks to read, and their folder.

    Table files of a folder that are not read (.ods, .xlsb, .csv …) are added to *skipped*.
    """
    if path.is_dir():
        root = path.resolve()
        return spreadsheet_targets(root, skipped), root
    if path.is_file():
        return [(path.resolve(), path.name)], path.parent
    raise FileNotFoundError(f"找不到文件或文件夹：{path}")


def _register(files) -> None:
    """Loaded files may not be overwritten (:func:`baimq.outputs.guard`). Found under a
    resolved folder, only those that are symbolic links need resolving."""
    from .outputs import register_sources

    links = {p for p, _ in files if os.path.islink(p)}
    register_sources([p for p, _ in files if p not in links], resolved=True)
    register_sources(links)


# ----------------------------------------------------------------------------- areas
_RESOLVED: "weakref.WeakKeyDictionary[AreaResolver, dict]" = weakref.WeakKeyDictionary()


def _lookup(resolver: AreaResolver, text: str, scope: str) -> Area | None:
    """``resolver.resolve(text, scope=scope)``, memoised per resolver (area names repeat)."""
    memo = _RESOLVED.get(resolver)
    if memo is None or len(memo) > 1 << 14:
        memo = _RESOLVED[resolver] = {}
    key = (text, scope)
    if key not in memo:
        memo[key] = resolver.resolve(text, scope=scope)
    return memo[key]


def _scope(sheet: Sheet, layout: Layout, resolver: AreaResolver) -> str:
    cities = set()
    for r in layout.data_rows:
        a = _lookup(resolver, _area_text(sheet, r, layout.area_col), "province")
        if a is not None and a.level in ("city", "subtotal", "province_own") and a.code != resolver.city.code:
            cities.add(a.code)
    return "province" if len(cities) >= 2 else "city"


def _area_text(sheet: Sheet, r: int, c: int) -> str:
    v = sheet.value(r, c)
    if v in ("", None) and sheet.merged:
        top = _merged_tops(sheet, c).get(r)
        if top is not None:
            v = sheet.value(*top)
    return "" if v is None else str(v)


def _merged_tops(sheet: Sheet, c: int) -> dict:
    """Row → top-left cell of the merged range covering (row, *c*); built once per sheet and
    column (looping over every range for every row is quadratic on a hostile sheet)."""
    memo = sheet.__dict__.setdefault("_merged_tops", {})
    if c not in memo:
        memo[c] = {r: (r0, c0) for (r0, c0), (r1, c1) in sheet.merged if c0 <= c <= c1
                   for r in range(r0, r1 + 1)}
    return memo[c]


def _resolve(text: str, scope: str, resolver: AreaResolver, parent: Area | None) -> Area | None:
    """Resolve an area name, reading a bare 本级 under the city (or province) row above it."""
    s = normalise_name(text)
    if s in _OWN_WORDS and parent is not None:
        if parent.level == "province":
            return resolver.resolve("省本级")
        if parent.code != resolver.city.code:
            return Area(parent.name + "本级", parent.code + "BJ", "city_own", parent.code)
    return _lookup(resolver, text, scope)


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
        self._keys: dict = {}   # value column → its part of the duplicate key (but the area)
        self._facts: dict = {}

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
        rate_columns = self.layout.rate_columns   # a property: worked out once, not per row
        rows = self.sheet.rows
        for r in self.layout.data_rows:
            text = _area_text(self.sheet, r, self.layout.area_col)
            area = _resolve(text, scope, self.resolver, parent)
            row = rows[r] if 0 <= r < len(rows) else ()   # self.sheet.value(r, c.col), row by row
            cells = [(c, row[c.col] if 0 <= c.col < len(row) else "") for c in cols]
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
            for col in rate_columns:
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
        counts: dict = {}   # unit → whether it counts (家, 个)
        for rec in self.records:
            dec = most[rec["_col"]] if rec.pop("_typed") else rec["_dec"]
            exact = counts.get(rec["unit"])
            if exact is None:
                exact = counts[rec["unit"]] = self.project.units.get(rec["unit"], [""])[0] == "count"
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
        # A formula without a stored result reads as "": only then is the sheet XML scanned.
        if raw in ("", None) and (r, col.col) in self.sheet.formulas_without_value:
            self.found.add("warning", "formula_no_value", "公式单元格没有保存计算结果（文件由程序生成、未经 Excel "
                           "重新计算），未读入；请用 Excel 打开并保存后重报", **self.where(r, col.col))
            return
        if type(raw) is float and raw - raw == 0.0:   # a finite float: parse_number's answer, directly
            value, decimals = raw, _decimals_of(raw)
        else:
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
            value, decimals = num.value, num.decimals
        ind, factor, cumulative = self.column_facts(col)
        cell = cell_name(r, col.col)
        book, sheet = self.book.name, self.sheet.name
        rec = {"indicator": col.indicator, "area": area.name, "area_code": area.code, "period": col.period,
               "value": value * factor, "unit": ind.unit, "kind": col.kind, "level": area.level,
               "cumulative": cumulative, "basis": col.basis, "batch": col.batch, "unit_sent": col.unit,
               "as_of": col.as_of, "source": f"{book}!{sheet}!{cell}",
               "_dec": decimals, "_typed": isinstance(raw, (int, float)), "_factor": factor, "_row": r,
               "_col": col.col, "_parent": area.parent, "_file": book, "_sheet": sheet, "_cell": cell}
        # self.duplicate(rec, raw), its key built from the column's facts
        key = self._keys.get(col.col)
        if key is None:
            key = self._keys[col.col] = (col.indicator, str(col.period), col.kind, col.batch, col.basis, cumulative)
        key = (*key, area.code)
        prev = self._seen.get(key)
        if prev is None:
            self._seen[key] = rec
        else:
            self._differs(prev, rec, raw)
            return
        self.records.append(rec)

    def column_facts(self, col: Column):
        """(indicator, unit factor, cumulative) of a value column, worked out once per column."""
        facts = self._facts.get(col.col)
        if facts is None:
            ind = self.project.indicators[col.indicator]
            factor = self.project.units[col.unit][1] / self.project.units[ind.unit][1]
            cumulative = ind.cumulative and col.period.freqstr.startswith("M") and not col.single_month
            facts = self._facts[col.col] = (ind, factor, cumulative)
        return facts

    def duplicate(self, rec: dict, raw) -> bool:
        key = (rec["indicator"], str(rec["period"]), rec["kind"], rec["batch"], rec["basis"], rec["cumulative"],
               rec["area_code"])
        prev = self._seen.get(key)
        if prev is None:
            self._seen[key] = rec
            return False
        self._differs(prev, rec, raw)
        return True

    def _differs(self, prev: dict, rec: dict, raw) -> None:
        """Say so when a repeated area's figure differs from its first."""
        if abs(prev["value"] - rec["value"]) > 1e-9 * max(1.0, abs(rec["value"])):
            self.found.add("error", "duplicate_area", f"「{rec['area']}」在本表出现两次且数值不同（{prev['_cell']} 为 "
                           f"{prev['value']:g}{rec['unit']}，此处 {rec['value']:g}{rec['unit']}），请删除重复行",
                           value=raw, file=rec["_file"], sheet=rec["_sheet"], cell=rec["_cell"])

    def rate(self, r: int, col: Column, area: Area) -> None:
        raw = self.sheet.value(r, col.col)
        if type(raw) is float and raw - raw == 0.0:   # a finite float: parse_rate's answer, directly
            value, decimals = raw / 100.0, _decimals_of(raw)
        else:
            num = parse_rate(raw)
            if num.value is None:
                return
            value, decimals = num.value, num.decimals
        self.rates.append({"rate": col.rate, "rate_of": col.rate_of, "row": r, "batch": col.batch,
                           "value": value, "decimals": decimals, "col": col.col,
                           "percent_header": col.percent, "typed": isinstance(raw, (int, float)),
                           "area_code": area.code, "text": str(raw), "file": self.book.name,
                           "sheet": self.sheet.name, "cell": cell_name(r, col.col)})

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


_STRINGS = ("indicator", "area", "area_code", "unit", "source", "kind", "level", "basis", "batch", "unit_sent",
            "as_of", "_parent", "_file", "_sheet", "_cell")
_FLOATS = ("value", "stated_growth", "_half")


def _frame(records: list[dict], fileno: list[int] | None = None) -> pd.DataFrame:
    """Records as the tidy table plus the internal columns and ``_fileno`` (the file's position).

    Built column by column with the dtypes :func:`baimq.schema.tidy_frame` gives (it would
    take a DataFrame of dicts, many times slower for 100,000 rows). Equal periods become one
    object, so that the frame pickles quickly.
    """
    if not records:
        df = tidy_frame([])
        for c in _INTERNAL:
            df[c] = pd.Series(dtype=object)
        df["_fileno"] = pd.Series(dtype="int64")
        return df
    data, periods = {}, {}
    for c in TIDY_COLUMNS + _INTERNAL:
        try:
            vals = list(map(itemgetter(c), records))   # every record has most columns
        except KeyError:
            default = _DEFAULTS.get(c, "")
            vals = [r.get(c, default) for r in records]
        if c in _FLOATS:
            data[c] = pd.Series(vals, dtype="float64")
        elif c == "cumulative":
            data[c] = pd.Series([bool(v) for v in vals], dtype=bool)
        elif c in ("_row", "_col"):
            data[c] = pd.Series(vals, dtype="int64")
        elif c == "period":
            data[c] = pd.Series([periods.setdefault(p, p) for p in map(to_period, vals)], dtype=object)
        else:
            if set(map(type, vals)) != {str}:   # all text already (the usual case): kept as is
                vals = [v if type(v) is str else "" if v is None else str(v) for v in vals]
            data[c] = pd.Series(vals, dtype=object)
    data["_fileno"] = pd.Series(fileno if fileno is not None else [0] * len(records), dtype="int64")
    return pd.DataFrame(data)


# ----------------------------------------------------------------------------- one file
def _read_file(path: Path, name: str, project: Project, resolver: AreaResolver):
    """Records and findings of one workbook; never raises for bad data."""
    try:
        book = read_book(path, name)
    except DataError as exc:
        return [], list(exc.findings)
    records, found = [], list(book.warnings)
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


# ----------------------------------------------------------------------------- many files
# Fewer files are read in this process: starting workers costs more than they save. A forked
# worker starts in milliseconds; a spawned one imports pandas first (about half a second).
_PARALLEL_FROM = {"fork": 48, "spawn": 400}
_WORKER: dict = {}


def _read_chunk(targets, start: int, project: Project, resolver: AreaResolver):
    """Rows (``_fileno`` from *start*) and per-file findings of consecutive files."""
    records, fileno, found = [], [], []
    for i, (p, name) in enumerate(targets, start):
        recs, fnd = _read_file(p, name, project, resolver)
        records += recs
        fileno += [i] * len(recs)
        found.append(fnd)
    return _frame(records, fileno), found


def _init_worker(project: Project) -> None:
    _WORKER["project"], _WORKER["resolver"] = project, resolver_for(project)


def _worker_chunk(args):
    from .cache import pack_frame

    frame, found = _read_chunk(*args, _WORKER["project"], _WORKER["resolver"])
    return pack_frame(frame), found


def _worker_count(workers: int | None, n_files: int, method: str = "fork") -> int:
    if workers is None:
        if n_files < _PARALLEL_FROM.get(method, 400):
            return 1
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(int(workers), n_files))


def _pool_context():
    """fork where it is safe (POSIX, no other threads running): workers start in milliseconds."""
    import multiprocessing
    import threading

    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _read_files(targets, project: Project, workers: int | None):
    """Every file's rows (one frame, ``_fileno`` = position in *targets*) and findings, in order.

    With several workers the files go, in consecutive chunks, to a process pool; the result is
    the same as reading them one after another.
    """
    n = _worker_count(workers, len(targets), "fork")   # at most this many; decided below
    if n > 1:
        context = _pool_context()
        n = _worker_count(workers, len(targets), context.get_start_method())
    if n > 1:
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        from .cache import unpack_frame

        size = max(8, -(-len(targets) // (4 * n)))
        chunks = [(targets[i:i + size], i) for i in range(0, len(targets), size)]
        try:
            with ProcessPoolExecutor(n, mp_context=context, initializer=_init_worker,
                                     initargs=(project,)) as pool:
                parts = list(pool.map(_worker_chunk, chunks))
        except (BrokenProcessPool, OSError, NotImplementedError, PermissionError):
            parts = None   # no processes here (sandbox, no semaphores): read in this process
        if parts is not None:
            frames = [unpack_frame(p) for p, _ in parts]
            return pd.concat(frames, ignore_index=True), [f for _, fl in parts for f in fl]
    return _read_chunk(targets, 0, project, resolver_for(project))


_RESOLVERS: dict = {}


def resolver_for(project: Project) -> AreaResolver:
    """One :class:`AreaResolver` per project object, kept while the project lives (collect
    loads one file at a time)."""
    hit = _RESOLVERS.get(id(project))
    if hit is None or hit[0]() is not project:
        if len(_RESOLVERS) > 16:
            _RESOLVERS.clear()
        hit = _RESOLVERS[id(project)] = (weakref.ref(project), AreaResolver(project))
    return hit[1]


def _read_all(files, project: Project, workers, store, stamp):
    """Rows and per-file findings of *files*, reusing the cached pack for unchanged files."""
    old = store.get_pack() if store is not None else None
    reuse = {}
    if old is not None:
        where = {entry: i for i, entry in enumerate(old[0])}
        reuse = {i: where[e] for i, e in enumerate(stamp) if e in where}
    todo = [i for i in range(len(files)) if i not in reuse]
    frame, found_new = _read_files([files[i] for i in todo], project, workers)
    if todo != list(range(len(files))):
        frame["_fileno"] = frame["_fileno"].map(dict(enumerate(todo))).astype("int64")
    found = [None] * len(files)
    for k, i in enumerate(todo):
        found[i] = found_new[k]
    if reuse:
        from .cache import unpack_frame

        kept = unpack_frame(old[1])
        back = {o: n for n, o in reuse.items()}
        kept = kept[kept["_fileno"].isin(list(back))].copy()
        kept["_fileno"] = kept["_fileno"].map(back).astype("int64")
        frame = pd.concat([kept, frame], ignore_index=True).sort_values("_fileno", kind="stable")
        frame = frame.reset_index(drop=True)
        for n, o in reuse.items():
            found[n] = old[2][o]
    if store is not None and todo:
        from .cache import pack_frame

        store.put_pack(stamp, pack_frame(frame), found)
    return frame, found


def _assemble(frame: pd.DataFrame, per_file: list, errors: str, project: Project):
    """The sorted tidy table and all findings (file order, then revisions)."""
    if errors == "skip":
        bad = [i for i, fnd in enumerate(per_file) if any(f.severity == "error" for f in fnd)]
        if bad:
            frame = frame[~frame["_fileno"].isin(bad)].reset_index(drop=True)
    found = [f for fnd in per_file for f in fnd]
    found += checks.check_revisions(frame, project)
    return _sorted(frame), found


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    """Internal columns dropped; rows by indicator, area_code, period, kind, batch, source.

    As ``sort_values(..., kind="stable")`` on those columns, without sorting 100,000s of
    distinct source strings: rows are ordered by the first five keys, and only rows that tie
    on all five (the same figure from several places: rare) are ordered by source.
    """
    if df.empty:
        return df.loc[:, TIDY_COLUMNS].reset_index(drop=True)
    codes = [pd.factorize(df[c].to_numpy(), sort=True)[0] for c in ("indicator", "area_code", "kind", "batch")]
    pcodes, periods = pd.factorize(df["period"].to_numpy())
    rank = pd.factorize(np.array([str(p) for p in periods], dtype=object), sort=True)[0]
    codes.insert(2, rank[pcodes])          # periods in the order of their text ("2023" < "2023-06")
    order = np.lexsort(codes[::-1])
    ranked = np.stack([c[order] for c in codes])
    ties = np.flatnonzero((ranked[:, 1:] == ranked[:, :-1]).all(axis=0))
    if len(ties):
        source = df["source"].to_numpy()
        starts = ties[np.r_[True, np.diff(ties) > 1]]
        ends = ties[np.r_[np.diff(ties) > 1, True]] + 2
        for a, b in zip(starts, ends):
            order[a:b] = sorted(order[a:b], key=lambda i: source[i])
    return df.take(order).loc[:, TIDY_COLUMNS].reset_index(drop=True)


def _load_all(path, config, errors: str, cache: bool = False, workers: int | None = None):
    """(tidy table, findings) of a file or folder, through the cache when *cache*."""
    project = _project(config, path)
    skipped: list[str] = []
    files, _root = _targets(Path(path), skipped)
    _register(files)
    if not files and Path(path).is_dir():
        return _frame([]), [Finding("error", "no_files", "文件夹中没有报表文件（.xlsx/.xlsm/.xls）", Path(path).name)] + [
            Finding("warning", "not_read", f"未读取：{Path(n).suffix} 文件不在读取范围", n) for n in skipped]
    notes = [Finding("warning", "not_read", f"未读取：{Path(name).suffix} 文件不在读取范围（只读 .xlsx、.xlsm、"
                     ".xls）；如是报表，请用 Excel 或 WPS 另存为 .xlsx 后重报", name) for name in skipped]
    store = stamp = None
    if cache:
        from .cache import LoadCache, listing, pack_frame, unpack_frame

        store = LoadCache.for_project(project, path)
        if store is not None:
            stamp = listing(files)
            hit = store.get_result(stamp, errors)
            if hit is not None:
                return unpack_frame(hit[0]), notes + list(hit[1])
    frame, per_file = _read_all(files, project, workers, store, stamp)
    df, found = _assemble(frame, per_file, errors, project)
    if store is not None:
        store.put_result(stamp, errors, pack_frame(df), found)
    return df, notes + found


def load(path: str | os.PathLike, *, config=None, errors: str = "raise", cache: bool = True,
         workers: int | None = None) -> pd.DataFrame:
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
    cache : bool
        Keep the result in the cache (:mod:`baimq.cache`, ``.cache/baimq`` under the project
        or ``BAIMQ_CACHE``) and reuse it while no file, the catalogue nor the config changed;
        only changed files are read again. False reads every file.
    workers : int, optional
        Processes reading files in parallel. Default: one per CPU core when there are 48 or
        more files to read, else 1. The result does not depend on it.

    Returns
    -------
    pandas.DataFrame
        One row per number (:mod:`baimq.schema`), sorted by indicator, area_code, period,
        kind, batch, source; warnings in ``df.attrs["findings"]``. Source files are only read
        (and registered with :func:`baimq.outputs.register_sources`, so nothing overwrites them).
    """
    if errors not in ("raise", "skip"):
        raise ValueError("errors must be 'raise' or 'skip'")
    df, found = _load_all(path, config, errors, cache, workers)
    errs = [f for f in found if f.severity == "error"]
    if errs and errors == "raise":
        first = errs[0]
        raise DataError(first.message, file=first.file, sheet=first.sheet, cell=first.cell,
                        value=first.value, code=first.code, findings=errs)
    df.attrs["findings"] = FindingSet(found)
    return df


def findings(df: pd.DataFrame) -> pd.DataFrame:
    """The findings a loaded table carries (``df.attrs["findings"]``) as a DataFrame.

    Columns :data:`baimq.errors.FINDING_COLUMNS`; empty when the table is clean or was not
    made by :func:`load`.
    """
    return findings_frame(df.attrs.get("findings", ()))


def check(path: str | os.PathLike, *, config=None, cache: bool = True,
          workers: int | None = None) -> pd.DataFrame:
    """Every problem in a workbook or folder, as a DataFrame (columns ``FINDING_COLUMNS``).

    Errors and warnings together, in file order; an empty frame when all is well.
    *cache* and *workers* as for :func:`load`.
    """
    _df, found = _load_all(path, config, "skip", cache, workers)
    return findings_frame(found)

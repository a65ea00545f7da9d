"""Comparisons as official reports make them: 同比, 当月/环比, 占比, 贡献率/拉动, 排名,
两年平均增长 and progress against targets (完成率, 时序进度, 亮灯).

Every function takes the tidy table of :mod:`baimq.schema`, never mutates it, and returns a
copy with added columns, so they chain: ``rank(share(yoy(df)), by="growth")``.

Rows are matched on integer keys, never with Python loops over rows or merges of text
columns: a period becomes a number per distinct ``ordinal * 8 + frequency code`` (worked out
once per distinct period; a ``PeriodDtype`` column is read as its integer ordinals, an object
column of Periods is hashed once per distinct object), a series (indicator, area, batch)
becomes a group number from the columns' codes (a categorical column's own codes), and "the
row of the same series a year earlier" is a look-up in a table addressed by
``group * periods + period``. Text attributes (area codes, levels, the catalogue) are read
once per distinct value. Results are added to the input's columns without copying them
(pandas copy-on-write keeps the input unchanged). A categorical text column and a
``PeriodDtype`` period column are the fast path for big tables.

Which rows get which comparison
-------------------------------
- :func:`yoy`, :func:`avg_growth`, :func:`rank` and :func:`progress` compare ``kind="actual"``
  rows only. Target and base rows pass through unchanged, with the new columns empty (NaN or
  ""), so that a chain keeps every row; filter ``df[df.kind == "actual"]`` to show results.
- :func:`monthly`, :func:`mom` and :func:`share` work on every kind (a stated 上年同期 series
  has its single months too; a county's target has its share of the city's target).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, fields
from functools import cached_property

import numpy as np
import pandas as pd

from .config import Project, get_project

# Frequency codes inside the integer period key.
_FREQ_CODE = {"M": 0, "Q": 1, "Y": 2, "D": 3}
_PER_YEAR = {"M": 12, "Q": 4, "Y": 1}

NOTE_NO_PREV = "无上年数据"
NOTE_ZERO = "基数为零"
NOTE_NEGATIVE = "基数为负"
NOTE_BASIS = "口径变化，无可比基数"

SOURCE_STATED = "上年同期"
SOURCE_OWN = "上年报表"

SHARE_TOTAL_ROW = "合计行"
SHARE_SUM = "分项之和"

_RANKED_LEVELS = ("county", "city", "town")


# ----------------------------------------------------------------------------------------
# Keys: everything below works on integer codes, computed once per distinct value
# ----------------------------------------------------------------------------------------
def _freq(p: pd.Period) -> str:
    f = p.freqstr.split("-")[0]
    return "Y" if f == "A" else f


def _key(p: pd.Period) -> int:
    return int(p.ordinal) * 8 + _FREQ_CODE.get(_freq(p), 7)


def _years_back(p: pd.Period, years: int) -> pd.Period:
    f = _freq(p)
    if f in _PER_YEAR:
        return p - years * _PER_YEAR[f]
    return pd.Period(p.start_time - pd.DateOffset(years=years), freq=p.freq)


class _Periods:
    """Per-row period attributes (numpy arrays, one entry per row), each worked out once per
    distinct period and spread to the rows when first asked for.

    A ``PeriodDtype`` column is numbered from its integer ordinals; an object column of
    Periods (mixed monthly and annual, as the loader emits) by hashing each distinct object.

    ``code`` numbers the distinct periods (for grouping, ``n`` of them); ``pid`` numbers the
    distinct period keys (``ordinal * 8 + frequency code``, for matching, ``n_pid`` of them);
    ``ago`` and ``prev`` are the pid of the same period *years* earlier and of the previous
    period (−1 when no row has it). ``month`` is 12 for annual periods and the quarter's last
    month for quarterly ones. A missing period has code and pids −1, year and month −1.
    """

    def __init__(self, periods: pd.Series, years: int = 1):
        codes, uniques = _period_codes(periods)
        self.code, self.n = codes, len(uniques)
        pk = [_key(p) for p in uniques]
        pid, pk_uniq = pd.factorize(np.asarray(pk, dtype=np.int64))
        self.n_pid = len(pk_uniq)
        where = {int(k): i for i, k in enumerate(pk_uniq)}
        freq = [_freq(p) for p in uniques]
        self._table = {
            "pid": (pid, -1),
            "ago": ([where.get(_key(_years_back(p, years)), -1) for p in uniques], -1),
            "prev": ([where.get(_key(p - 1), -1) for p in uniques], -1),
            "is_month": ([f == "M" for f in freq], False),
            "year": ([p.year for p in uniques], -1),
            "month": ([{"Y": 12, "Q": getattr(p, "quarter", 0) * 3}.get(f, getattr(p, "month", 12))
                       for p, f in zip(uniques, freq)], -1),
        }

    def _rows(self, name: str, dtype=np.int64) -> np.ndarray:
        values, missing = self._table[name]
        table = np.append(np.asarray(values, dtype=dtype), np.asarray([missing], dtype=dtype))
        return table[self.code]  # code −1 picks the appended sentinel

    @cached_property
    def pid(self) -> np.ndarray:
        return self._rows("pid")

    @cached_property
    def ago(self) -> np.ndarray:
        return self._rows("ago")

    @cached_property
    def prev(self) -> np.ndarray:
        return self._rows("prev")

    @cached_property
    def is_month(self) -> np.ndarray:
        return self._rows("is_month", bool)

    @cached_property
    def year(self) -> np.ndarray:
        return self._rows("year")

    @cached_property
    def month(self) -> np.ndarray:
        return self._rows("month")


def _period_codes(periods: pd.Series) -> tuple[np.ndarray, list]:
    """Codes of a period column and its distinct Periods (missing → −1).

    A ``PeriodDtype`` column is numbered from its integer ordinals without hashing."""
    if isinstance(periods.dtype, pd.PeriodDtype) and len(periods):
        ords = periods.array.asi8
        ok = ords != np.iinfo(np.int64).min  # NaT
        valid = ords if ok.all() else ords[ok]
        lo, hi = (valid.min(), valid.max()) if len(valid) else (0, 0)
        if hi - lo <= 4 * len(ords) + (1 << 20):
            used = np.zeros(hi - lo + 1, dtype=bool)
            used[valid - lo] = True
            remap = np.cumsum(used, dtype=np.int64) - 1
            codes = np.full(len(ords), -1, dtype=np.int64)
            codes[ok] = remap[valid - lo]
            uniques = pd.PeriodIndex.from_ordinals(np.flatnonzero(used) + lo,
                                                   freq=periods.dtype.freq)
            return codes, list(uniques)
    return _object_codes(periods.to_numpy(dtype=object))


def _object_codes(values: np.ndarray) -> tuple[np.ndarray, list]:
    """Codes and distinct values of an object array, hashing each distinct *object* once:
    the loader's rows share a few Period objects, and hashing a Period is slow."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64), []
    ids = np.frompyfunc(id, 1, 1)(values).astype(np.uint64)
    by_object, n_objects = pd.factorize(ids)
    first = np.full(len(n_objects), len(values), dtype=np.int64)
    np.minimum.at(first, by_object, np.arange(len(values)))
    codes, uniques = pd.factorize(pd.Series(values[first], dtype=object))
    return codes.astype(np.int64)[by_object], list(uniques)


def _codes(col: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes of a column (equal values, equal codes; missing → −1) and their count."""
    codes, values = _codes_and_values(col)
    return codes, len(values)


def _codes_and_values(col: pd.Series) -> tuple[np.ndarray, list]:
    """Integer codes of a column and its distinct values (code −1 for missing values); a
    categorical column's own codes."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy(), list(col.cat.categories)
    codes, uniques = pd.factorize(col)
    return codes, list(uniques)


def _dense(key: np.ndarray, span: int) -> tuple[np.ndarray, int]:
    """Renumber non-negative integer keys below *span* as 0..k−1; returns (codes, k)."""
    if len(key) == 0:
        return key, 0
    if span <= 4 * len(key) + (1 << 20):
        used = np.zeros(span, dtype=bool)
        used[key] = True
        remap = np.cumsum(used, dtype=np.int64) - 1
        return remap[key], int(remap[-1]) + 1
    codes, uniques = pd.factorize(key)
    return codes.astype(np.int64), len(uniques)


def _group_id(df: pd.DataFrame, cols: list) -> tuple[np.ndarray, int]:
    """Dense group number (0..k−1) of each row's combination of *cols*, and k.

    A column is a name in *df* or a ready ``(codes, count)`` pair (such as period codes).
    Missing values form a group of their own.
    """
    key, span = np.zeros(len(df), dtype=np.int64), 1
    for col in cols:
        codes, count = col if isinstance(col, tuple) else _codes(df[col])
        if span * (count + 1) >= 2 ** 62:
            key, span = _dense(key, span)
        key *= count + 1
        key += codes
        key += 1
        span *= count + 1
    return _dense(key, span)


_NONE = np.iinfo(np.int64).max


def _first_pos(right_key: np.ndarray, right_pos: np.ndarray, left_key: np.ndarray,
               size: int) -> np.ndarray:
    """For each left key, the smallest right position with the same key (−1 when none).

    Keys lie in ``[0, size)``; a negative left key matches nothing. A direct-address table
    when it is small enough, else a hash index.
    """
    found = np.full(len(left_key), _NONE, dtype=np.int64)
    ok = left_key >= 0
    if size <= 2 * max(len(left_key), len(right_key)) + (1 << 20):
        table = np.full(size, _NONE, dtype=np.int64)
        np.minimum.at(table, right_key, right_pos)
        found[ok] = table[left_key[ok]]
    elif len(right_key):
        order = np.argsort(right_pos, kind="stable")
        index = pd.Index(right_key[order])
        keep = ~index.duplicated(keep="first")
        index, first = index[keep], right_pos[order][keep]
        hit = index.get_indexer(left_key[ok])
        found[ok] = np.where(hit >= 0, first[np.maximum(hit, 0)], _NONE)
    return np.where(found == _NONE, -1, found)


def _match(sid: tuple[np.ndarray, int], per: _Periods, right: np.ndarray,
           want_pid: np.ndarray) -> np.ndarray:
    """Position of the first *right* row of the same series *sid* whose period key is
    *want_pid* (``per.ago`` or ``per.prev``), for every row; −1 when there is none."""
    group, n_groups = sid
    width = max(per.n_pid, 1)
    right = right & (per.pid >= 0)
    rpos = np.flatnonzero(right)
    right_key = group[rpos] * width + per.pid[rpos]
    left_key = np.where(want_pid >= 0, group * width + want_pid, -1)
    return _first_pos(right_key, rpos, left_key, n_groups * width)


def _take(values: np.ndarray, pos: np.ndarray, missing=np.nan) -> np.ndarray:
    """``values[pos]``, *missing* where pos is −1."""
    if len(values) == 0:
        return np.full(len(pos), missing)
    out = values[pos]
    out[pos < 0] = missing
    return out


def _basis_codes(col: pd.Series) -> tuple[np.ndarray, int]:
    """Codes of the basis column (missing → −1) and the code of "" (−2 when no row has it)."""
    codes, values = _codes_and_values(col)
    empty = pd.Index(values, dtype=object).get_indexer([""])[0] if values else -1
    return codes.astype(np.int64), int(empty) if empty >= 0 else -2


def _basis_of(bcode: np.ndarray, empty: int, pos: np.ndarray) -> np.ndarray:
    """Basis code of the matched row with a missing basis read as "" (like ``fillna("")``)."""
    b = _take(bcode, pos, -1).astype(np.int64)
    return np.where(b == -1, empty, b)


def _project(config) -> Project:
    return get_project(config)


def _indicator_flag(indicators: pd.Series, attr: str, default, config=None) -> np.ndarray:
    """A catalogue attribute per row (looked up once per distinct indicator)."""
    proj = _project(config)
    codes, uniques = _codes_and_values(indicators)
    flags = []
    for key in uniques:
        ind = proj.indicators.get(key)
        flags.append(getattr(ind, attr) if ind is not None else default)
    return np.asarray(flags + [default], dtype=object)[codes]


_RATE_NOTES = ("", NOTE_ZERO, NOTE_NEGATIVE)


def _rate_codes(num, den) -> tuple[np.ndarray, np.ndarray]:
    """num / den with NaN for a zero or negative denominator, and the note why as a code
    into :data:`_RATE_NOTES`."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(den > 0, num / den, np.nan)
    note = np.zeros(len(den), dtype=np.int8)
    note[den == 0] = 1
    note[den < 0] = 2
    return rate, note


def _rate(num, den):
    """num / den with NaN for a zero or negative denominator, and the note why."""
    rate, note = _rate_codes(num, den)
    return rate, np.asarray(_RATE_NOTES)[note]


_STR_DTYPE = pd.Series([""]).dtype


def _text(codes: np.ndarray, labels) -> pd.api.extensions.ExtensionArray:
    """A text column (the default ``str`` dtype) holding ``labels[code]`` for each row,
    built without a Python object per row."""
    codes = np.asarray(codes, dtype=np.int8 if len(labels) < 128 else np.int32)
    if getattr(_STR_DTYPE, "storage", "") == "pyarrow":
        import pyarrow as pa

        taken = pa.array(list(labels), pa.large_string()).take(pa.array(codes))
        return pd.array(taken, dtype=_STR_DTYPE)
    return pd.array(np.asarray(list(labels), dtype=object)[codes], dtype=_STR_DTYPE)


def _spread(mask: np.ndarray, values, fill=np.nan) -> np.ndarray:
    """A full-length float column: *values* where *mask*, *fill* elsewhere."""
    if mask.all():
        return np.asarray(values, dtype=float)
    col = np.full(len(mask), fill, dtype=float)
    col[mask] = values
    return col


def _with(df: pd.DataFrame, columns: dict) -> pd.DataFrame:
    """*df* with *columns* added, sharing *df*'s own columns (copy-on-write: *df* is never
    changed). Columns already present are replaced where they stand."""
    if any(name in df.columns for name in columns):
        out = df.copy(deep=False)
        for name, values in columns.items():
            out[name] = values
        return out
    out = pd.concat([df, pd.DataFrame(columns, index=df.index, copy=False)], axis=1)
    out.attrs = copy.deepcopy(df.attrs)  # as DataFrame.copy does
    return out


# ----------------------------------------------------------------------------------------
# 同比
# ----------------------------------------------------------------------------------------
_SOURCES = ("", SOURCE_STATED, SOURCE_OWN)
_YOY_NOTES = _RATE_NOTES + (NOTE_NO_PREV, NOTE_BASIS)


def yoy(df: pd.DataFrame) -> pd.DataFrame:
    """同比: compare each actual figure with the same period a year earlier.

    Monthly cumulative figures (1-6月) are compared with the same cumulative months a year
    earlier, annual figures with the year before. The base is the return's own stated
    上年同期 figure (a ``kind="base"`` row of the same indicator, area and batch dated a year
    earlier) when there is one, else last year's own actual figure.

    Parameters
    ----------
    df : pandas.DataFrame
        A tidy table (:mod:`baimq.schema`). Not mutated.

    Returns
    -------
    pandas.DataFrame
        A copy with columns ``prev_value`` (the base), ``change`` (value − base),
        ``growth`` (a fraction: 0.062 for 6.2%), ``base_source`` ("上年同期" or "上年报表"),
        ``base_revision`` (stated base − last year's own figure, when both exist),
        ``growth_note`` ("基数为零", "基数为负", "口径变化，无可比基数", "无上年数据" or "")
        and ``comparable_growth`` (the row's stated growth when the basis changed: the
        可比增长 a report quotes instead of a nominal rate).

    Notes
    -----
    Across a change of basis (the ``basis`` column differs between the figure and its
    base) ``change`` and ``growth`` stay NaN: a nominal comparison would be wrong. On a zero
    or negative base ``change`` is given but ``growth`` is not. Rows of kind "target" and
    "base" pass through with the new columns empty.
    """
    per = _Periods(df["period"])
    sid = _group_id(df, ["indicator", "area", "batch"])
    actual = df["kind"].eq("actual").to_numpy(dtype=bool)
    sel = slice(None) if actual.all() else actual  # a view, not a copy, when all are actual
    value = df["value"].to_numpy(dtype=float)
    own = _match(sid, per, actual, per.ago)[sel]
    base = df["kind"].eq("base").to_numpy(dtype=bool)
    stated = _match(sid, per, base, per.ago)[sel] if base.any() else np.full(len(own), -1)

    own_value, stated_value = _take(value, own), _take(value, stated)
    has_stated = ~np.isnan(stated_value)
    prev = np.where(has_stated, stated_value, own_value)
    has_prev = ~np.isnan(prev)
    bcode, empty = _basis_codes(df["basis"])
    row_basis = bcode[sel]
    prev_basis = _basis_of(bcode, empty, np.where(has_stated, stated, own))
    basis_changed = has_prev & (prev_basis != row_basis)

    change = np.where(basis_changed, np.nan, value[sel] - prev)
    growth, note = _rate_codes(change, np.where(basis_changed, np.nan, prev))
    note = np.where(~has_prev, 3, np.where(basis_changed, 4, note))
    stated_growth = df["stated_growth"].to_numpy(dtype=float)[sel]
    comparable = np.where(basis_changed | (~has_prev & (row_basis != empty)), stated_growth, np.nan)
    source = np.where(has_stated, 1, np.where(has_prev, 2, 0))
    return _with(df, {
        "prev_value": _spread(actual, prev), "change": _spread(actual, change),
        "growth": _spread(actual, growth),
        "base_source": _text(_spread_codes(actual, source), _SOURCES),
        "base_revision": _spread(actual, stated_value - own_value),
        "growth_note": _text(_spread_codes(actual, note), _YOY_NOTES),
        "comparable_growth": _spread(actual, comparable),
    })


def _spread_codes(mask: np.ndarray, codes) -> np.ndarray:
    """Full-length label codes: *codes* where *mask*, 0 (the label "") elsewhere."""
    if mask.all():
        return np.asarray(codes)
    col = np.zeros(len(mask), dtype=np.int8)
    col[mask] = codes
    return col


# ----------------------------------------------------------------------------------------
# 当月 and 环比
# ----------------------------------------------------------------------------------------
NOTE_NO_PREV_MONTH = "缺上月累计数，无法计算当月数"
NOTE_NOT_MONTHLY = "非月度数据"
NOTE_BASIS_MONTH = "口径变化，无法计算当月数"
_MONTH_NOTES = ("", NOTE_NOT_MONTHLY, NOTE_NO_PREV_MONTH, NOTE_BASIS_MONTH)


def monthly(df: pd.DataFrame) -> pd.DataFrame:
    """当月数 from cumulative-to-date series.

    当月 = 累计 − 上月累计; January's single month is its cumulative figure. A missing
    previous month (or one on another basis) leaves the single month NaN with a note, never
    a silently wrong value. Figures that are not cumulative (a monthly stock or a monthly
    flow) are already single months and are copied.

    Parameters
    ----------
    df : pandas.DataFrame
        A tidy table. Not mutated.

    Returns
    -------
    pandas.DataFrame
        A copy with columns ``month_value`` and ``month_note`` ("" when computed;
        "缺上月累计数，无法计算当月数", "口径变化，无法计算当月数", "非月度数据").
        Every kind is treated (a stated 上年同期 series has single months too).
    """
    per = _Periods(df["period"])
    sid = _group_id(df, ["indicator", "area", "batch", "kind"])
    value = df["value"].to_numpy(dtype=float)
    is_month = per.is_month
    cum = df["cumulative"].astype(bool).to_numpy() & is_month
    pos = _match(sid, per, is_month, per.prev)
    prev = _take(value, pos)
    bcode, empty = _basis_codes(df["basis"])
    january = per.month == 1
    found = ~np.isnan(prev)
    same_basis = _basis_of(bcode, empty, pos) == bcode
    ok_diff = cum & ~january & found & same_basis
    month_value = np.select([~is_month, ~cum | january, ok_diff], [np.nan, value, value - prev],
                            np.nan)
    note = np.select([~is_month, ~cum | january | ok_diff, ~found], [1, 0, 2], 3)
    return _with(df, {"month_value": month_value, "month_note": _text(note, _MONTH_NOTES)})


NOTE_NO_PREV_MOM = "无上月数据"
NOTE_PREV_MONTH_UNKNOWN = "上月当月数无法计算"


def mom(df: pd.DataFrame) -> pd.DataFrame:
    """环比: each single month against the month before (January against December).

    Parameters
    ----------
    df : pandas.DataFrame
        A tidy table, with or without :func:`monthly`'s columns. Not mutated.

    Returns
    -------
    pandas.DataFrame
        A copy with :func:`monthly`'s columns and ``mom_prev`` (the previous single month),
        ``mom_growth`` (fraction) and ``mom_note`` ("无上月数据", "上月当月数无法计算",
        "基数为零", "基数为负", "非月度数据", or the row's own ``month_note``).
    """
    out = df if "month_value" in df.columns else monthly(df)
    per = _Periods(out["period"])
    sid = _group_id(out, ["indicator", "area", "batch", "kind"])
    month_value = out["month_value"].to_numpy(dtype=float)
    own_note = out["month_note"].to_numpy(dtype=object)
    pos = _match(sid, per, per.is_month, per.prev)
    prev = _take(month_value, pos)
    growth, base_note = _rate(month_value - prev, prev)
    found_row = (pos >= 0) & ~pd.isna(_take(own_note, pos, None))
    note = np.select(
        [~per.is_month, np.isnan(month_value), ~found_row, np.isnan(prev)],
        [NOTE_NOT_MONTHLY, own_note, NOTE_NO_PREV_MOM, NOTE_PREV_MONTH_UNKNOWN], base_note)
    return _with(out, {"mom_prev": prev, "mom_growth": np.where(per.is_month, growth, np.nan),
                       "mom_note": note})


# ----------------------------------------------------------------------------------------
# Parents: 占比 and 贡献率 need each row's total
# ----------------------------------------------------------------------------------------
def _area_pairs(df: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's number among the distinct (area_code, level) pairs, and those pairs (the
    first row of each, with the table's own dtypes): area logic runs once per pair."""
    pair, n_pairs = _group_id(df, ["area_code", "level"])
    first = np.full(n_pairs, len(pair), dtype=np.int64)
    np.minimum.at(first, pair, np.arange(len(pair)))
    return pair, df[["area_code", "level"]].iloc[first].reset_index(drop=True)


def _parent_keys_of(df: pd.DataFrame) -> pd.Series:
    """:func:`_parent_keys` row by row (run on the distinct (area_code, level) pairs)."""
    code = df["area_code"].astype(str)
    level = df["level"]
    city_kids = level.isin(["county", "city_own", "zone"])
    has_code = code.str.len().ge(6) & code.str.slice(0, 6).str.isdigit()
    city_code = code.str.slice(0, 4) + "00"
    conds = [city_kids & has_code, city_kids, level.eq("town") & has_code,
             level.eq("city") & has_code, level.eq("city")]
    picks = [city_code, "@city", code.str.slice(0, 6), code.str.slice(0, 2) + "0000", "@top"]
    return pd.Series(np.select(conds, picks, ""), index=df.index)


def _parent_keys(df: pd.DataFrame) -> pd.Series:
    """The key of each row's parent area.

    Counties, 市本级 and zones → their city (code[:4] + "00"); towns → their county
    (code[:6]); cities → the province ("440000"). Without an area code the parent is
    "@city" (the group's single city row) or "@top" for cities. Other levels: "".
    """
    pair, pairs = _area_pairs(df)
    keys = _parent_keys_of(pairs).to_numpy(dtype=object)
    return pd.Series(keys[pair], index=df.index)


# The rows that can stand as a total: (level, key, priority); the key is the row's own
# code, its province's code or a stand-in for a table without codes.
_TOTAL_ROWS = (("subtotal", "province", 0), ("subtotal", "@top", 0), ("province", "code", 1),
               ("province", "@top", 1), ("city", "code", 0), ("city", "@city", 0),
               ("county", "code", 0))


@dataclass(frozen=True)
class _AreaKeys:
    """Parent and total-row keys, numbered in one vocabulary of key words (−1 for "").

    ``pair`` is each row's (area_code, level) pair number; ``parent[pair]`` is the row's
    parent key, ``totals[i][pair]`` the key it stands as total for under the i-th entry of
    :data:`_TOTAL_ROWS`. ``stand_in`` marks the "@" words.
    """

    pair: np.ndarray
    parent: np.ndarray
    totals: list
    n_keys: int
    stand_in: np.ndarray

    def parent_of_rows(self) -> np.ndarray:
        return self.parent[self.pair]


def _area_keys(df: pd.DataFrame) -> _AreaKeys:
    """Integer parent and total-row keys, worked out once per (area_code, level) pair."""
    pair, pairs = _area_pairs(df)
    code = pairs["area_code"].astype(str)
    level = pairs["level"]
    province_code = (code.str.slice(0, 2) + "0000").where(code.ne(""), "")
    keys = {"province": province_code, "code": code}
    columns = [_parent_keys_of(pairs)]
    for lev, key, _ in _TOTAL_ROWS:
        k = keys.get(key, pd.Series(key, index=pairs.index))
        columns.append(k.where(level.eq(lev) & k.ne(""), ""))
    words = pd.Index(pd.unique(np.concatenate([c.to_numpy(dtype=object) for c in columns])))
    ids = [np.where(c.eq("").to_numpy(dtype=bool), -1, words.get_indexer(c.to_numpy(dtype=object)))
           for c in columns]
    stand_in = np.asarray([isinstance(x, str) and x.startswith("@") for x in words], dtype=bool)
    return _AreaKeys(pair, ids[0], ids[1:], len(words), stand_in)


def _total_rows(group: np.ndarray, keys: _AreaKeys) -> tuple[np.ndarray, np.ndarray]:
    """The row standing as total for each (group, key): sorted keys ``group * n_keys + key``
    and row positions. A lower priority number wins, then the earlier entry of
    :data:`_TOTAL_ROWS`, then the earlier row; a stand-in key ("@city") held by two rows
    of the same priority is ambiguous and dropped."""
    parts = []
    for (_, _, prio), key in zip(_TOTAL_ROWS, keys.totals):
        if not (key >= 0).any():
            continue
        pos = np.flatnonzero((key >= 0)[keys.pair])
        k = key[keys.pair[pos]]
        parts.append((group[pos] * keys.n_keys + k, np.full(len(pos), prio), pos, keys.stand_in[k]))
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    k, prio, pos, at = (np.concatenate(x) for x in zip(*parts))
    order = np.arange(len(k))
    amb = at & pd.Index(k * 2 + prio).duplicated(keep=False)
    k, prio, pos, order = k[~amb], prio[~amb], pos[~amb], order[~amb]
    sort = np.lexsort((order, prio, k))
    k, pos = k[sort], pos[sort]
    first = np.ones(len(k), dtype=bool)
    first[1:] = k[1:] != k[:-1]
    return k[first], pos[first]


def _totals(df: pd.DataFrame, cols: list[str], group: list, config=None):
    """Each row's total for *cols*: the parent's total row when present, else the sum of the
    parts (additive indicators only; NaN if any part is NaN). Returns (list of total
    columns, base label codes into :data:`_SHARE_LABELS`)."""
    group, n_groups = _group_id(df, group)
    keys = _area_keys(df)
    parent = keys.parent_of_rows()
    has_parent = parent >= 0
    left = np.where(has_parent, group * keys.n_keys + parent, -1)
    del parent
    tk, tpos = _total_rows(group, keys)
    pos = _first_pos(tk, tpos, left, n_groups * keys.n_keys)
    has_row = pos >= 0
    additive = _indicator_flag(df["indicator"], "additive", True, config).astype(bool)
    parts = _SumOfParts(left, has_parent, n_groups * keys.n_keys)
    totals, has_sum = [], np.zeros(len(df), dtype=bool)
    for col in cols:
        vals = df[col].to_numpy(dtype=float)
        from_sum = parts.sums(vals)
        from_sum[~additive] = np.nan
        has_sum |= ~np.isnan(from_sum)
        totals.append(np.where(has_row, _take(vals, pos), from_sum))
    label = np.where(has_row, 1, np.where(has_sum & has_parent, 2, 0))
    return totals, label


class _SumOfParts:
    """Sums over the rows sharing a key (the rows with a parent): NaN for a group with a
    NaN part or with a single part. Sums are pandas' (compensated) group sums."""

    def __init__(self, key: np.ndarray, has_parent: np.ndarray, span: int):
        self.rows = slice(None) if has_parent.all() else np.flatnonzero(has_parent)
        self.n = len(key)
        codes, k = _dense(key[self.rows], span)
        self.codes = codes
        self.single = np.bincount(codes, minlength=k) < 2
        self.grouper = pd.Categorical.from_codes(codes, categories=pd.RangeIndex(k))

    def sums(self, vals: np.ndarray) -> np.ndarray:
        out = np.full(self.n, np.nan)
        v = vals[self.rows]
        if not len(v):
            return out
        nans = np.bincount(self.codes, weights=np.isnan(v), minlength=len(self.single))
        bad = self.single | (nans > 0)
        sums = pd.Series(v).groupby(self.grouper, observed=False).sum().to_numpy()
        out[self.rows] = np.where(bad, np.nan, sums)[self.codes]
        return out


_SHARE_LABELS = ("", SHARE_TOTAL_ROW, SHARE_SUM)


def _share_group(df: pd.DataFrame) -> list:
    per = _Periods(df["period"])
    return ["indicator", (per.code, per.n), "kind", "batch", "basis"]


def share(df: pd.DataFrame, config=None) -> pd.DataFrame:
    """占比: each area's part of its parent's total.

    Counties, 市本级 and functional zones are parts of their city; cities are parts of the
    地市小计 when the table has one (the cities add up to it), else of the province; towns
    are parts of their county. Parents are found by area code (without codes, by the
    single city row of the same indicator, period, kind and batch). The total is the
    parent's own row when present, else the sum of the parts (additive indicators only,
    at least two parts, none missing).

    Parameters
    ----------
    df : pandas.DataFrame
        A tidy table. Not mutated.
    config : path or Project, optional
        Project configuration (for the catalogue's ``additive`` flag).

    Returns
    -------
    pandas.DataFrame
        A copy with ``share`` (fraction), ``total_value`` and ``share_base``
        ("合计行" for a total row, "分项之和" for the sum of parts, "" when no total).
    """
    (tv,), label = _totals(df, ["value"], _share_group(df), config)
    with np.errstate(divide="ignore", invalid="ignore"):
        part = np.where(tv != 0, df["value"].to_numpy(dtype=float) / tv, np.nan)
    return _with(df, {"share": part, "total_value": tv, "share_base": _text(label, _SHARE_LABELS)})


def contribution(df: pd.DataFrame, config=None) -> pd.DataFrame:
    """贡献率 and 拉动: how much each part drove its total's growth.

    贡献率 = the part's increment ÷ the total's increment (can exceed 100% or be negative);
    拉动 = the part's increment ÷ the total's base, in percentage points (the total's
    growth × 贡献率). Increments and bases are those of :func:`yoy` (run first if the table
    lacks them); totals are found as in :func:`share`.

    Parameters
    ----------
    df : pandas.DataFrame
        A tidy table, with or without :func:`yoy`'s columns. Not mutated.
    config : path or Project, optional
        Project configuration.

    Returns
    -------
    pandas.DataFrame
        A copy with ``total_change``, ``total_prev_value``, ``contribution`` (fraction;
        NaN when the total did not change), ``pull_pp`` (points; NaN on a zero or
        negative total base) and ``contribution_base`` ("合计行" / "分项之和" / "").
    """
    out = df if "change" in df.columns else yoy(df)
    (tch, tprev), label = _totals(out, ["change", "prev_value"], _share_group(out), config)
    ch = out["change"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        part = np.where(tch != 0, ch / tch, np.nan)
        pull = np.where(tprev > 0, ch / tprev * 100.0, np.nan)
    return _with(out, {"contribution": part, "pull_pp": pull, "total_change": tch,
                       "total_prev_value": tprev,
                       "contribution_base": _text(np.where(np.isnan(tch), 0, label),
                                                  _SHARE_LABELS)})


# ----------------------------------------------------------------------------------------
# 排名
# ----------------------------------------------------------------------------------------
def rank(df: pd.DataFrame, by: str = "value", *, against: str = "previous",
         higher_is_better: bool | None = None, config=None) -> pd.DataFrame:
    """排名 (位次) among peers, and the change of rank.

    Peers are actual rows of the same indicator, period, batch and level with the same
    parent: the counties of a city, the cities of the province, the towns of a county.
    Ties share the best rank, as official tables do (1, 2, 2, 4). Other levels (市本级,
    zones, totals), rows without a value of *by* and a peer group of one get no rank.

    Parameters
    ----------
    df : pandas.DataFrame
        A tidy table. Not mutated.
    by : str
        The column ranked: ``"value"``, ``"growth"`` (computed by :func:`yoy` if absent),
        ``"share"``, ``"completion"`` …
    against : {"previous", "year"}
        The earlier rank compared with: the previous period (previous month for monthly
        data, previous year for annual) or the same period a year earlier.
    higher_is_better : bool, optional
        Overrides the catalogue's ``higher_is_better`` of each indicator.
    config : path or Project, optional
        Project configuration.

    Returns
    -------
    pandas.DataFrame
        A copy with ``rank``, ``rank_of`` (number of peers ranked), ``rank_prev`` and
        ``rank_change`` (positive = moved up).
    """
    if by not in df.columns:
        if by in ("growth", "change", "prev_value", "comparable_growth"):
            df = yoy(df)
        elif by in ("share", "total_value"):
            df = share(df, config)
        else:
            raise KeyError(f"表中没有用于排名的列「{by}」")
    if against not in ("previous", "year"):
        raise ValueError(f"against 只能是 \"previous\" 或 \"year\"，而不是「{against}」")
    if higher_is_better is None:
        better = _indicator_flag(df["indicator"], "higher_is_better", True, config).astype(bool)
    else:
        better = np.full(len(df), bool(higher_is_better))
    ranked = (df["kind"].eq("actual").to_numpy(dtype=bool)
              & df["level"].isin(_RANKED_LEVELS).to_numpy(dtype=bool))
    score = df[by].to_numpy(dtype=float)
    score = np.where(ranked, np.where(better, score, -score), np.nan)
    per = _Periods(df["period"])
    keys = _area_keys(df)
    grp, n_grp = _group_id(df, ["indicator", (per.code, per.n), "batch", "level",
                                (keys.parent_of_rows(), keys.n_keys)])
    n = np.bincount(grp, weights=~np.isnan(score), minlength=n_grp)[grp]
    score = np.where(n >= 2, score, np.nan)  # a single peer has no rank
    places = _rank_min_desc(score, grp, n_grp)
    sid = _group_id(df, ["indicator", "area", "batch", "level"])
    want = per.prev if against == "previous" else per.ago
    prev = _take(places, _match(sid, per, ranked & ~np.isnan(places), want))
    return _with(df, {"rank": places, "rank_of": np.where(np.isnan(score), np.nan, n),
                      "rank_prev": prev, "rank_change": prev - places})


def _rank_min_desc(score: np.ndarray, grp: np.ndarray, n_grp: int) -> np.ndarray:
    """Rank of each score within its group (0..n_grp−1), highest first, ties sharing the
    best rank (method "min"); NaN scores get NaN."""
    out = np.full(len(score), np.nan)
    pos = np.flatnonzero(~np.isnan(score))
    if not len(pos):
        return out
    s, g = score[pos], grp[pos]
    order = _order_by_group_then_desc(s, g, n_grp)
    g, s = g[order], s[order]
    i = np.arange(len(order))
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = g[1:] != g[:-1]
    new_value = new_group.copy()
    new_value[1:] |= s[1:] != s[:-1]
    group_start = np.maximum.accumulate(np.where(new_group, i, 0))
    value_start = np.maximum.accumulate(np.where(new_value, i, 0))
    out[pos[order]] = value_start - group_start + 1
    return out


def _order_by_group_then_desc(s: np.ndarray, g: np.ndarray, n_grp: int) -> np.ndarray:
    """Positions sorted by group, then by score from the highest (equal scores adjacent).

    One argsort of the scores, then a plain sort of ``group << bits | score order`` (an
    integer sort is much faster than ``np.lexsort``)."""
    by_score = np.argsort(-s)
    bits = max((len(s) - 1).bit_length(), 1)
    if max(n_grp, 1).bit_length() + bits > 62:
        return np.lexsort((-s, g))
    key = g.astype(np.int64) << bits
    key[by_score] |= np.arange(len(s), dtype=np.int64)
    key.sort()
    return by_score[key & ((1 << bits) - 1)]


# ----------------------------------------------------------------------------------------
# 两年平均增长
# ----------------------------------------------------------------------------------------
NOTE_NO_BASE_YEAR = "无基期数据"
_AVG_NOTES = _RATE_NOTES + (NOTE_NO_BASE_YEAR, NOTE_BASIS)


def avg_growth(df: pd.DataFrame, years: int = 2) -> pd.DataFrame:
    """Geometric average growth over *years* years (两年平均增长 for ``years=2``).

    avg = (X_t ÷ X_{t−n})^(1/n) − 1, with X_{t−n} the same area's actual figure for the
    same period *years* earlier (the same cumulative months for monthly data). NBS, Q1 2021:
    +10.3% on Q1 2019 → 两年平均 (1.103)^(1/2) − 1 = 5.0%.

    Parameters
    ----------
    df : pandas.DataFrame
        A tidy table. Not mutated.
    years : int
        n, at least 1.

    Returns
    -------
    pandas.DataFrame
        A copy with ``avg_base_value`` (X_{t−n}), ``avg_growth`` (fraction) and
        ``avg_growth_note`` ("无基期数据", "基数为零", "基数为负", "口径变化，无可比基数").
    """
    if int(years) < 1:
        raise ValueError("years 至少为 1")
    per = _Periods(df["period"], years=int(years))
    sid = _group_id(df, ["indicator", "area", "batch"])
    actual = df["kind"].eq("actual").to_numpy(dtype=bool)
    value = df["value"].to_numpy(dtype=float)
    pos = _match(sid, per, actual, per.ago)
    base = _take(value, pos)
    bcode, empty = _basis_codes(df["basis"])
    found = ~np.isnan(base)
    changed = found & (_basis_of(bcode, empty, pos) != bcode)
    ratio, note = _rate_codes(value, np.where(changed, np.nan, base))
    with np.errstate(invalid="ignore"):
        avg = np.power(ratio, 1.0 / int(years)) - 1.0
    note = np.where(actual, np.where(~found, 3, np.where(changed, 4, note)), 0)
    return _with(df, {"avg_base_value": np.where(actual, base, np.nan),
                      "avg_growth": np.where(actual, avg, np.nan),
                      "avg_growth_note": _text(note, _AVG_NOTES)})


# ----------------------------------------------------------------------------------------
# Progress against targets
# ----------------------------------------------------------------------------------------
_LIGHTS = ("", "green", "yellow", "red")


@dataclass(frozen=True)
class LightRule:
    """The 亮灯 rule: how far below 时序进度 a completion rate may fall.

    ``gap`` is completion − 时序进度 in percentage points (or, with ``relative=True``, the
    shortfall as a percent of 时序进度). green: gap ≥ −green_within; yellow: gap ≥
    −yellow_within; red: further below.

    Examples: the default (baimq.toml ``[lights] yellow_within = 10``) — green at or above
    时序进度, yellow up to 10 points below, red beyond; 银川 2025 — green up to 10 below,
    yellow 10–30 below, red beyond: ``LightRule(green_within=10, yellow_within=30)``;
    三亚 2022 — up to 50% below yellow: ``LightRule(yellow_within=50, relative=True)``.
    """

    green_within: float = 0.0
    yellow_within: float = 10.0
    relative: bool = False

    def __post_init__(self):
        if not 0 <= self.green_within <= self.yellow_within:
            raise ValueError(
                f"亮灯规则有误：须 0 ≤ green_within（{self.green_within}）≤ "
                f"yellow_within（{self.yellow_within}）")

    @classmethod
    def from_config(cls, config=None) -> "LightRule":
        """The rule in the project's ``[lights]`` table (``green_within``, ``yellow_within``,
        ``relative``)."""
        spec = dict(_project(config).lights)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(spec) - known)
        if unknown:
            raise ValueError(f"[lights] 中有未知的设置：{'、'.join(unknown)}；可用：{'、'.join(sorted(known))}")
        return cls(green_within=float(spec.get("green_within", 0.0)),
                   yellow_within=float(spec.get("yellow_within", 10.0)),
                   relative=bool(spec.get("relative", False)))

    def classify(self, completion, time_progress) -> np.ndarray:
        """"green" / "yellow" / "red" per row; "" where either figure is missing."""
        return np.asarray(_LIGHTS)[self._codes(completion, time_progress)]

    def _codes(self, completion, time_progress) -> np.ndarray:
        """:meth:`classify` as codes into :data:`_LIGHTS`."""
        c = np.asarray(completion, dtype=float)
        t = np.asarray(time_progress, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = (c / t - 1.0) * 100.0 if self.relative else (c - t) * 100.0
        gap = np.round(gap, 9)  # 40% against 50% is exactly 10 points below, not 10.000000000000002
        return np.select([np.isnan(gap), gap >= -self.green_within, gap >= -self.yellow_within],
                         [0, 1, 2], 3)


NOTE_NO_TARGET = "无目标任务"
NOTE_ZERO_TARGET = "目标为零"
_PROGRESS_NOTES = ("", NOTE_NO_TARGET, NOTE_ZERO_TARGET)


def time_progress(df: pd.DataFrame) -> pd.Series:
    """时序进度 per row: elapsed days ÷ days in the year when ``as_of`` is set (the day
    counts as elapsed), months ÷ 12 for monthly figures, 1 for annual ones."""
    month = _Periods(df["period"]).month
    by_month = np.where(month > 0, month, np.nan) / 12.0
    codes, dates = _codes_and_values(df["as_of"])
    dates = pd.Series(dates, dtype=object)
    day = pd.to_datetime(dates.where(dates.ne(""), None), format="%Y-%m-%d", errors="coerce")
    days = np.where(day.dt.is_leap_year, 366.0, 365.0)
    by_day = (day.dt.day_of_year / days).to_numpy(dtype=float)
    by_day = np.append(by_day, np.nan)[codes]  # code −1 (no as_of) picks NaN
    return pd.Series(np.where(np.isnan(by_day), by_month, by_day), index=df.index, dtype=float,
                     name="as_of")


def progress(actuals: pd.DataFrame, targets: pd.DataFrame | None = None,
             rule: LightRule | None = None, config=None) -> pd.DataFrame:
    """完成率 against the annual target, 时序进度, the gap and the light.

    Targets are ``kind="target"`` rows matched by area and year, and by indicator: the
    actual's own indicator, or the one named by the catalogue's ``target_of`` (累计完工里程
    is measured against 农村公路年度任务). Batches are not matched.

    Parameters
    ----------
    actuals : pandas.DataFrame
        A tidy table. Not mutated.
    targets : pandas.DataFrame, optional
        A tidy table holding the targets; by default the target rows of *actuals*.
    rule : LightRule, optional
        By default :meth:`LightRule.from_config`.
    config : path or Project, optional
        Project configuration.

    Returns
    -------
    pandas.DataFrame
        A copy of *actuals* with ``target``, ``completion`` (fraction), ``time_progress``
        (fraction), ``gap_pp`` (completion − 时序进度, points), ``light`` ("green",
        "yellow", "red" or "") and ``progress_note`` ("无目标任务", "目标为零" or "").
        Only actual rows are filled.
    """
    rule = rule or LightRule.from_config(config)
    tg = actuals if targets is None else targets
    tg = tg[tg["kind"].eq("target")]
    actual = actuals["kind"].eq("actual").to_numpy(dtype=bool)
    target = np.where(actual, _targets_of(actuals, tg, config), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        completion = np.where(target != 0, actuals["value"].to_numpy(dtype=float) / target, np.nan)
    tp = np.where(actual, time_progress(actuals).to_numpy(), np.nan)
    if type(rule).classify is LightRule.classify:
        light = _text(np.where(actual, rule._codes(completion, tp), 0), _LIGHTS)
    else:  # a rule that classifies its own way
        light = np.where(actual, rule.classify(completion, tp), "")
    note = np.select([~actual, np.isnan(target), target == 0], [0, 1, 2], 0)
    return _with(actuals, {"target": target, "completion": completion, "time_progress": tp,
                           "gap_pp": (completion - tp) * 100.0, "light": light,
                           "progress_note": _text(note, _PROGRESS_NOTES)})


def _targets_of(actuals: pd.DataFrame, tg: pd.DataFrame, config=None) -> np.ndarray:
    """The value of the first target row of each actual row's target indicator, area and
    year (NaN when none)."""
    codes, inds = _codes_and_values(actuals["indicator"])
    own = _indicator_flag(pd.Series(inds, dtype=object), "target_of", "", config)
    wanted = [o if isinstance(o, str) and o != "" else i for o, i in zip(own, inds)]
    ind_l, ind_r, n_ind = _joint_codes((codes, wanted), _codes_and_values(tg["indicator"]))
    area_l, area_r, n_area = _joint_codes(_codes_and_values(actuals["area"]),
                                          _codes_and_values(tg["area"]))
    year_l, year_r = _Periods(actuals["period"]).year, _Periods(tg["period"]).year
    y0 = min(year_l.min(initial=0), year_r.min(initial=0))
    n_year = max(year_l.max(initial=0), year_r.max(initial=0)) - y0 + 1
    left = (ind_l * n_area + area_l) * n_year + (year_l - y0)
    right = (ind_r * n_area + area_r) * n_year + (year_r - y0)
    keep = np.flatnonzero((ind_r >= 0) & (area_r >= 0))
    left = np.where((ind_l >= 0) & (area_l >= 0), left, -1)
    pos = _first_pos(right[keep], keep, left, int(n_ind * n_area * n_year))
    return _take(tg["value"].to_numpy(dtype=float), pos)


def _joint_codes(left: tuple, right: tuple) -> tuple[np.ndarray, np.ndarray, int]:
    """Two (codes, values) pairs renumbered into one numbering of the values, and its size.
    A missing value (code −1) matches a missing value."""
    (lc, lv), (rc, rv) = left, right
    words = pd.Index(pd.unique(np.asarray(list(lv) + list(rv), dtype=object)), dtype=object)
    missing = len(words)
    lmap = np.append(words.get_indexer(pd.Index(lv, dtype=object)), missing)
    rmap = np.append(words.get_indexer(pd.Index(rv, dtype=object)), missing)
    return lmap[lc], rmap[rc], missing + 1

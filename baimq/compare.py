"""Comparisons as official reports make them: 同比, 当月/环比, 占比, 贡献率/拉动, 排名,
两年平均增长 and progress against targets (完成率, 时序进度, 亮灯).

Every function takes the tidy table of :mod:`baimq.schema`, never mutates it, and returns a
copy with added columns, so they chain: ``rank(share(yoy(df)), by="growth")``.

Rows are matched with merges on integer keys, never with Python loops over rows: a period
becomes ``ordinal * 8 + frequency code`` (computed once per distinct period) and a series
(indicator, area, batch) becomes a group number.

Which rows get which comparison
-------------------------------
- :func:`yoy`, :func:`avg_growth`, :func:`rank` and :func:`progress` compare ``kind="actual"``
  rows only. Target and base rows pass through unchanged, with the new columns empty (NaN or
  ""), so that a chain keeps every row; filter ``df[df.kind == "actual"]`` to show results.
- :func:`monthly`, :func:`mom` and :func:`share` work on every kind (a stated 上年同期 series
  has its single months too; a county's target has its share of the city's target).
"""
from __future__ import annotations

from dataclasses import dataclass, fields

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
# Keys
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


def _period_info(periods: pd.Series, years: int = 1) -> pd.DataFrame:
    """Per row: period key, key of the same period *years* earlier and of the previous
    period, frequency, year and month (12 for annual, the quarter's last month for quarterly).

    Attributes are computed once per distinct period, then spread to rows by position.
    """
    codes, uniques = pd.factorize(periods, sort=False)
    rows = []
    for p in uniques:
        f = _freq(p)
        month = {"Y": 12, "Q": getattr(p, "quarter", 0) * 3}.get(f, getattr(p, "month", 12))
        rows.append((_key(p), _key(_years_back(p, years)), _key(p - 1), f, p.year, month))
    rows.append((-1, -2, -3, "", -1, -1))  # code -1 (a missing period) points here
    table = pd.DataFrame(rows, columns=["pk", "pk_ago", "pk_prev", "freq", "year", "month"])
    out = table.iloc[np.where(codes < 0, len(rows) - 1, codes)].reset_index(drop=True)
    out.index = periods.index
    return out


def _group_id(df: pd.DataFrame, cols: list[str]) -> pd.Series:
    return df.groupby(cols, sort=False, dropna=False, observed=True).ngroup()


def _lookup(left: pd.DataFrame, right: pd.DataFrame, on: list[str], cols: list[str]) -> pd.DataFrame:
    """Columns *cols* of the first *right* row matching each *left* row on *on* (NaN if none)."""
    right = right[on + cols].drop_duplicates(on, keep="first")
    hit = left[on].merge(right, how="left", on=on, validate="many_to_one")
    hit.index = left.index
    return hit[cols]


def _project(config) -> Project:
    return get_project(config)


def _indicator_flag(indicators: pd.Series, attr: str, default, config=None) -> pd.Series:
    """A catalogue attribute per row (looked up once per distinct indicator)."""
    proj = _project(config)
    flags = {}
    for key in pd.unique(indicators):
        ind = proj.indicators.get(key)
        flags[key] = getattr(ind, attr) if ind is not None else default
    return indicators.map(flags)


def _rate(num, den):
    """num / den with NaN for a zero or negative denominator, and the note why."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(den > 0, num / den, np.nan)
    note = np.select([np.isnan(den), den == 0, den < 0], ["", NOTE_ZERO, NOTE_NEGATIVE], "")
    return rate, note


# ----------------------------------------------------------------------------------------
# 同比
# ----------------------------------------------------------------------------------------
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
    out = df.copy()
    info = _period_info(out["period"])
    frame = pd.DataFrame({
        "sid": _group_id(out, ["indicator", "area", "batch"]), "pk": info["pk"],
        "value": out["value"].astype(float), "basis": out["basis"], "kind": out["kind"],
    })
    actual = frame["kind"].eq("actual").to_numpy()
    left = pd.DataFrame({"sid": frame["sid"], "pk": info["pk_ago"]})[actual]
    own = _lookup(left, frame[actual], ["sid", "pk"], ["value", "basis"])
    stated = _lookup(left, frame[frame["kind"].eq("base")], ["sid", "pk"], ["value", "basis"])

    has_stated = stated["value"].notna()
    prev = stated["value"].where(has_stated, own["value"])
    prev_basis = stated["basis"].where(has_stated, own["basis"])
    has_prev = prev.notna()
    row_basis = frame.loc[actual, "basis"]
    basis_changed = has_prev & (prev_basis.fillna("") != row_basis)

    value = frame.loc[actual, "value"]
    change = (value - prev).where(~basis_changed)
    growth, base_note = _rate(change, prev.where(~basis_changed))
    note = np.where(~has_prev, NOTE_NO_PREV, np.where(basis_changed, NOTE_BASIS, base_note))
    stated_growth = out.loc[actual, "stated_growth"].astype(float)
    comparable = stated_growth.where(basis_changed | (~has_prev & (row_basis != "")))

    source = np.where(has_stated, SOURCE_STATED, np.where(has_prev, SOURCE_OWN, ""))
    _put(out, actual, {
        "prev_value": prev, "change": change, "growth": growth, "base_source": source,
        "base_revision": stated["value"] - own["value"], "growth_note": note,
        "comparable_growth": comparable,
    })
    return out


def _put(out: pd.DataFrame, mask: np.ndarray, columns: dict) -> None:
    """Set new columns on *out* (a copy we own): values where *mask*, empty elsewhere.
    Text columns are object dtype like the tidy table's."""
    n = len(out)
    for name, values in columns.items():
        values = np.asarray(values)
        if values.dtype.kind in "OUST":
            col = np.full(n, "", dtype=object)
            col[mask] = values.astype(object)
        else:
            col = np.full(n, np.nan)
            col[mask] = values.astype(float)
        out[name] = col


# ----------------------------------------------------------------------------------------
# 当月 and 环比
# ----------------------------------------------------------------------------------------
NOTE_NO_PREV_MONTH = "缺上月累计数，无法计算当月数"
NOTE_NOT_MONTHLY = "非月度数据"
NOTE_BASIS_MONTH = "口径变化，无法计算当月数"


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
    out = df.copy()
    info = _period_info(out["period"])
    frame = pd.DataFrame({
        "sid": _group_id(out, ["indicator", "area", "batch", "kind"]), "pk": info["pk"],
        "value": out["value"].astype(float), "basis": out["basis"],
    })
    is_month = info["freq"].eq("M").to_numpy()
    cum = out["cumulative"].astype(bool).to_numpy() & is_month
    left = pd.DataFrame({"sid": frame["sid"], "pk": info["pk_prev"]})
    prev = _lookup(left, frame[is_month], ["sid", "pk"], ["value", "basis"])
    january = info["month"].eq(1).to_numpy()
    found = prev["value"].notna().to_numpy()
    same_basis = (prev["basis"].fillna("") == frame["basis"]).to_numpy()
    diff = frame["value"].to_numpy() - prev["value"].to_numpy()
    ok_diff = cum & ~january & found & same_basis
    out["month_value"] = np.select(
        [~is_month, ~cum | january, ok_diff], [np.nan, frame["value"], diff], np.nan)
    out["month_note"] = np.select(
        [~is_month, ~cum | january | ok_diff, ~found], [NOTE_NOT_MONTHLY, "", NOTE_NO_PREV_MONTH],
        NOTE_BASIS_MONTH)
    return out


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
    out = df.copy() if "month_value" in df.columns else monthly(df)
    info = _period_info(out["period"])
    frame = pd.DataFrame({
        "sid": _group_id(out, ["indicator", "area", "batch", "kind"]), "pk": info["pk"],
        "month_value": out["month_value"].astype(float), "month_note": out["month_note"],
    })
    is_month = info["freq"].eq("M").to_numpy()
    left = pd.DataFrame({"sid": frame["sid"], "pk": info["pk_prev"]})
    prev = _lookup(left, frame[is_month], ["sid", "pk"], ["month_value", "month_note"])
    growth, base_note = _rate(frame["month_value"] - prev["month_value"], prev["month_value"])
    found_row = prev["month_note"].notna().to_numpy()
    out["mom_prev"] = prev["month_value"].to_numpy()
    out["mom_growth"] = np.where(is_month, growth, np.nan)
    out["mom_note"] = np.select(
        [~is_month, out["month_value"].isna().to_numpy(), ~found_row,
         prev["month_value"].isna().to_numpy()],
        [NOTE_NOT_MONTHLY, out["month_note"], NOTE_NO_PREV_MOM, NOTE_PREV_MONTH_UNKNOWN],
        base_note)
    return out


# ----------------------------------------------------------------------------------------
# Parents: 占比 and 贡献率 need each row's total
# ----------------------------------------------------------------------------------------
def _parent_keys(df: pd.DataFrame) -> pd.Series:
    """The key of each row's parent area.

    Counties, 市本级 and zones → their city (code[:4] + "00"); towns → their county
    (code[:6]); cities → the province ("440000"). Without an area code the parent is
    "@city" (the group's single city row) or "@top" for cities. Other levels: "".
    """
    code = df["area_code"].astype(str)
    level = df["level"]
    city_kids = level.isin(["county", "city_own", "zone"])
    has_code = code.str.len().ge(6) & code.str.slice(0, 6).str.isdigit()
    city_code = code.str.slice(0, 4) + "00"
    conds = [city_kids & has_code, city_kids, level.eq("town") & has_code,
             level.eq("city") & has_code, level.eq("city")]
    picks = [city_code, "@city", code.str.slice(0, 6), code.str.slice(0, 2) + "0000", "@top"]
    return pd.Series(np.select(conds, picks, ""), index=df.index)


def _parent_candidates(df: pd.DataFrame, gid: pd.Series) -> pd.DataFrame:
    """Rows that can stand as a total: (gid, key, priority, row position)."""
    code = df["area_code"].astype(str)
    level = df["level"]
    pos = np.arange(len(df))
    parts = []
    province_code = (code.str.slice(0, 2) + "0000").where(code.ne(""), "")
    for lev, key, prio in (("subtotal", province_code, 0),
                           ("subtotal", pd.Series("@top", index=df.index), 0),
                           ("province", code, 1), ("province", pd.Series("@top", index=df.index), 1),
                           ("city", code, 0), ("city", pd.Series("@city", index=df.index), 0),
                           ("county", code, 0)):
        m = level.eq(lev).to_numpy() & key.ne("").to_numpy()
        parts.append(pd.DataFrame({"gid": gid[m].to_numpy(), "key": key[m].to_numpy(),
                                   "prio": prio, "pos": pos[m]}))
    cand = pd.concat(parts, ignore_index=True)
    # "@city" is only meant when the group has one city row; drop ambiguous stand-ins
    amb = cand["key"].str.startswith("@") & cand.duplicated(["gid", "key", "prio"], keep=False)
    cand = cand[~amb].sort_values(["gid", "key", "prio"], kind="stable")
    return cand.drop_duplicates(["gid", "key"], keep="first")


def _totals(df: pd.DataFrame, cols: list[str], group: list[str], config=None):
    """Each row's total for *cols*: the parent's total row when present, else the sum of the
    parts (additive indicators only; NaN if any part is NaN). Returns (frame, base label)."""
    gid = _group_id(df, group).to_numpy()
    pkey = _parent_keys(df)
    cand = _parent_candidates(df, pd.Series(gid, index=df.index))
    left = pd.DataFrame({"gid": gid, "key": pkey.to_numpy()})
    hit = left.merge(cand[["gid", "key", "pos"]], how="left", on=["gid", "key"])
    pos = hit["pos"].to_numpy()
    has_row = ~np.isnan(pos)
    vals = df[cols].astype(float).to_numpy()
    from_row = np.full((len(df), len(cols)), np.nan)
    from_row[has_row] = vals[pos[has_row].astype(int)]

    parts = pd.DataFrame(vals, columns=cols)
    parts["gid"], parts["key"] = gid, pkey.to_numpy()
    parts = parts[parts["key"].ne("")]
    sums = parts.groupby(["gid", "key"], sort=False)[cols].sum(min_count=1)
    by = [parts["gid"], parts["key"]]
    nan_any = parts[cols].isna().groupby(by, sort=False).any()
    single = parts["gid"].groupby(by, sort=False).size().lt(2)  # one part is no total
    sums = sums.mask(nan_any.reindex(sums.index)).mask(single.reindex(sums.index), axis=0)
    from_sum = np.array(left.merge(sums.reset_index(), how="left", on=["gid", "key"])[cols],
                        dtype=float)
    additive = _indicator_flag(df["indicator"], "additive", True, config).astype(bool).to_numpy()
    from_sum[~additive] = np.nan

    total = np.where(has_row[:, None], from_row, from_sum)
    has_sum = ~np.isnan(from_sum).all(axis=1) & pkey.ne("").to_numpy()
    label = np.select([has_row, has_sum], [SHARE_TOTAL_ROW, SHARE_SUM], "")
    return pd.DataFrame(total, columns=cols, index=df.index), label


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
    out = df.copy()
    total, label = _totals(out, ["value"], ["indicator", "period", "kind", "batch", "basis"], config)
    with np.errstate(divide="ignore", invalid="ignore"):
        tv = total["value"].to_numpy()
        out["share"] = np.where(tv != 0, out["value"].to_numpy(dtype=float) / tv, np.nan)
    out["total_value"] = tv
    out["share_base"] = label
    return out


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
    out = df.copy() if "change" in df.columns else yoy(df)
    total, label = _totals(out, ["change", "prev_value"],
                           ["indicator", "period", "kind", "batch", "basis"], config)
    ch = out["change"].to_numpy(dtype=float)
    tch, tprev = total["change"].to_numpy(), total["prev_value"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["contribution"] = np.where(tch != 0, ch / tch, np.nan)
        out["pull_pp"] = np.where(tprev > 0, ch / tprev * 100.0, np.nan)
    out["total_change"] = tch
    out["total_prev_value"] = tprev
    out["contribution_base"] = np.where(np.isnan(tch), "", label)
    return out


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
    out = df.copy()
    if higher_is_better is None:
        better = _indicator_flag(out["indicator"], "higher_is_better", True, config).astype(bool)
    else:
        better = pd.Series(bool(higher_is_better), index=out.index)
    ranked = out["kind"].eq("actual") & out["level"].isin(_RANKED_LEVELS)
    score = out[by].astype(float).where(better, -out[by].astype(float)).where(ranked)
    peers = pd.DataFrame({"ind": out["indicator"], "p": out["period"], "b": out["batch"],
                          "lev": out["level"], "par": _parent_keys(out)})
    grp = _group_id(peers, ["ind", "p", "b", "lev", "par"])
    n = score.notna().groupby(grp).transform("sum")
    score = score.where(n >= 2)  # a single peer has no rank
    out["rank"] = score.groupby(grp).rank(method="min", ascending=False)
    out["rank_of"] = n.where(score.notna()).astype(float)

    info = _period_info(out["period"])
    sid = _group_id(out, ["indicator", "area", "batch", "level"])
    frame = pd.DataFrame({"sid": sid, "pk": info["pk"], "rank": out["rank"]})[ranked.to_numpy()]
    shift = {"previous": "pk_prev", "year": "pk_ago"}.get(against)
    if shift is None:
        raise ValueError(f"against 只能是 \"previous\" 或 \"year\"，而不是「{against}」")
    left = pd.DataFrame({"sid": sid, "pk": info[shift]})
    out["rank_prev"] = _lookup(left, frame.dropna(subset=["rank"]), ["sid", "pk"], ["rank"])["rank"]
    out["rank_change"] = out["rank_prev"] - out["rank"]
    return out


# ----------------------------------------------------------------------------------------
# 两年平均增长
# ----------------------------------------------------------------------------------------
NOTE_NO_BASE_YEAR = "无基期数据"


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
    out = df.copy()
    info = _period_info(out["period"], years=int(years))
    frame = pd.DataFrame({"sid": _group_id(out, ["indicator", "area", "batch"]), "pk": info["pk"],
                          "value": out["value"].astype(float), "basis": out["basis"]})
    actual = out["kind"].eq("actual").to_numpy()
    left = pd.DataFrame({"sid": frame["sid"], "pk": info["pk_ago"]})
    base = _lookup(left, frame[actual], ["sid", "pk"], ["value", "basis"])
    found = base["value"].notna().to_numpy()
    changed = found & (base["basis"].fillna("") != frame["basis"]).to_numpy()
    b = np.where(changed, np.nan, base["value"].to_numpy())
    ratio, note = _rate(frame["value"].to_numpy(), b)
    with np.errstate(invalid="ignore"):
        avg = np.power(ratio, 1.0 / int(years)) - 1.0
    out["avg_base_value"] = np.where(actual, base["value"], np.nan)
    out["avg_growth"] = np.where(actual, avg, np.nan)
    out["avg_growth_note"] = np.where(
        actual, np.select([~found, changed], [NOTE_NO_BASE_YEAR, NOTE_BASIS], note), "")
    return out


# ----------------------------------------------------------------------------------------
# Progress against targets
# ----------------------------------------------------------------------------------------
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
        c = np.asarray(completion, dtype=float)
        t = np.asarray(time_progress, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = (c / t - 1.0) * 100.0 if self.relative else (c - t) * 100.0
        gap = np.round(gap, 9)  # 40% against 50% is exactly 10 points below, not 10.000000000000002
        return np.select([np.isnan(gap), gap >= -self.green_within, gap >= -self.yellow_within],
                         ["", "green", "yellow"], "red")


NOTE_NO_TARGET = "无目标任务"
NOTE_ZERO_TARGET = "目标为零"


def time_progress(df: pd.DataFrame) -> pd.Series:
    """时序进度 per row: elapsed days ÷ days in the year when ``as_of`` is set (the day
    counts as elapsed), months ÷ 12 for monthly figures, 1 for annual ones."""
    info = _period_info(df["period"])
    day = pd.to_datetime(df["as_of"].where(df["as_of"].ne(""), None), format="%Y-%m-%d", errors="coerce")
    by_day = day.dt.day_of_year / np.where(day.dt.is_leap_year, 366.0, 365.0)
    by_month = info["month"].where(info["month"] > 0).astype(float) / 12.0
    return by_day.where(day.notna(), by_month).astype(float)


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
    out = actuals.copy()
    tg = actuals if targets is None else targets
    tg = tg[tg["kind"].eq("target")]
    own_key = _indicator_flag(out["indicator"], "target_of", "", config).fillna("")
    tind = own_key.where(own_key.ne(""), out["indicator"]).astype(object)
    year = _period_info(out["period"])["year"]
    left = pd.DataFrame({"indicator": tind, "area": out["area"], "year": year})
    right = pd.DataFrame({"indicator": tg["indicator"], "area": tg["area"],
                          "year": _period_info(tg["period"])["year"], "target": tg["value"].astype(float)})
    target = _lookup(left, right, ["indicator", "area", "year"], ["target"])["target"].to_numpy()
    actual = out["kind"].eq("actual").to_numpy()
    target = np.where(actual, target, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        completion = np.where(target != 0, out["value"].to_numpy(dtype=float) / target, np.nan)
    tp = np.where(actual, time_progress(out).to_numpy(), np.nan)
    out["target"] = target
    out["completion"] = completion
    out["time_progress"] = tp
    out["gap_pp"] = (completion - tp) * 100.0
    out["light"] = np.where(actual, rule.classify(completion, tp), "")
    out["progress_note"] = np.select(
        [~actual, np.isnan(target), target == 0], ["", NOTE_NO_TARGET, NOTE_ZERO_TARGET], "")
    return out

"""The tidy indicator table: the contract every part of baimq relies on.

One row per number. Columns (in this order):

============== ==========================================================================
indicator      catalogue key, e.g. ``budget_revenue``
area           canonical Chinese name: ``廉江市``; ``市本级``; the city total as ``湛江市``
area_code      GB/T 2260 code as a string (6 digits city/county, 9 digits town); stand-ins
               from ``baimq.toml`` for 市本级 and zones (``440800BJ``), ``440000XJ`` for 地市小计
period         ``pandas.Period``: monthly (``2023-06``) for month-end and cumulative-to-date
               figures, annual (``2023``) for annual and year-end figures
value          float in the indicator's canonical unit (NaN never appears: blanks are dropped)
unit           the canonical unit: ``亿元``, ``公里``, ``家``
source         ``file!sheet!cell`` the number came from (file relative to the loaded folder)
kind           ``actual`` | ``target`` (目标任务) | ``base`` (a 上年同期 figure stated in a later
               return: the comparable base for that return's growth)
level          ``province`` | ``province_own`` | ``subtotal`` | ``city`` | ``city_own`` |
               ``zone`` | ``county`` | ``town``
cumulative     True for cumulative-since-January figures (1-6月累计)
basis          statistical basis; "" for the ordinary one. Rows whose basis differs must not
               be compared nominally (e.g. the 2025 revenue 新口径)
batch          sub-series within a period, e.g. a bond batch (``提前批次``); "" when none
stated_growth  the growth rate the return itself states beside the figure (fraction), or NaN
unit_sent      the unit as the return declared it (``万元``)
as_of          report date as ``YYYY-MM-DD`` when the return is as of a day, else ""
============== ==========================================================================

``df.attrs["findings"]`` holds the findings (an immutable tuple of :class:`baimq.Finding`);
``baimq.findings(df)`` gives them as a DataFrame with the columns of
:data:`baimq.errors.FINDING_COLUMNS`.
"""
from __future__ import annotations

import pandas as pd

TIDY_COLUMNS = [
    "indicator", "area", "area_code", "period", "value", "unit", "source",
    "kind", "level", "cumulative", "basis", "batch", "stated_growth", "unit_sent", "as_of",
]
KINDS = ("actual", "target", "base")
LEVELS = ("province", "province_own", "subtotal", "city", "city_own", "zone", "county", "town")
# The columns that identify one number (besides the source it came from).
KEY = ["indicator", "area", "period", "kind", "batch"]

_DEFAULTS = {
    "area_code": "", "kind": "actual", "level": "county", "cumulative": False, "basis": "",
    "batch": "", "stated_growth": float("nan"), "unit_sent": "", "as_of": "", "source": "",
}


def empty_tidy() -> pd.DataFrame:
    """An empty tidy table with the right columns and dtypes."""
    return tidy_frame([])


def tidy_frame(rows) -> pd.DataFrame:
    """Build a tidy table from records (dicts); missing optional columns get defaults.

    ``period`` may be given as a string ("2023-06", "2023") or a ``pandas.Period``.
    """
    df = pd.DataFrame(list(rows))
    for col in TIDY_COLUMNS:
        if col not in df.columns:
            df[col] = _DEFAULTS.get(col, "")
        elif col in _DEFAULTS and df[col].isna().any():
            df[col] = df[col].where(df[col].notna(), _DEFAULTS[col])
    df = df[TIDY_COLUMNS + [c for c in df.columns if c not in TIDY_COLUMNS]].copy()
    df["period"] = pd.Series([to_period(p) for p in df["period"]], index=df.index, dtype=object)
    df["value"] = pd.to_numeric(df["value"], errors="raise").astype(float)
    df["stated_growth"] = pd.to_numeric(df["stated_growth"]).astype(float)
    df["cumulative"] = df["cumulative"].astype(bool)
    for col in ("indicator", "area", "area_code", "unit", "source", "kind", "level", "basis",
                "batch", "unit_sent", "as_of"):
        df[col] = df[col].fillna("").astype(str).astype(object)
    return df.reset_index(drop=True)


def to_period(p) -> pd.Period:
    """``"2023-06"`` → monthly Period, ``"2023"``/2023 → annual Period; Periods pass through."""
    if isinstance(p, pd.Period):
        return p
    s = str(p)
    if len(s) == 4 and s.isdigit():
        return pd.Period(s, freq="Y")
    return pd.Period(s, freq="M")


def validate(df: pd.DataFrame) -> None:
    """Raise ValueError when *df* does not follow the tidy contract."""
    missing = [c for c in TIDY_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"tidy table lacks columns: {missing}")
    bad_kind = set(df["kind"]) - set(KINDS)
    if bad_kind:
        raise ValueError(f"unknown kind values: {sorted(bad_kind)}")
    if not all(isinstance(p, pd.Period) for p in df["period"]):
        raise ValueError("period column must hold pandas.Period objects")

"""Synthetic tidy tables at town and village scale for the comparison benchmarks.

What the table looks like
-------------------------
``synthetic_table(n_areas, n_months, n_indicators)`` returns ``(actuals, targets)``:

- ``actuals``: one row per area × month × indicator, ordered by indicator, then area, then
  month. Areas are towns (level ``town``, names ``镇00000`` …) grouped 15 to a parent county
  (the last county may have fewer). A county's code is ``44CCKK`` (city ``CC``, county ``KK``,
  20 counties to a city) and its towns' codes are the county code + three digits, so
  :func:`baimq.compare.share` finds each town's parent by code (``code[:6]``) and
  :func:`baimq.compare.rank` ranks a town among the towns of its county.
  Months run from 2019-01 (``PeriodDtype("M")``); values are cumulative (``cumulative=True``,
  uniform 1–100 × month number). Every text column is categorical; kind ``actual``, basis
  and batch ``""``.
- With ``totals=True`` each county also has its own row per month and indicator (level
  ``county``, name ``县0000`` …, value = the sum of its towns): then shares and contributions
  of towns come from the total row ("合计行") and the counties' own from the sum of the
  counties of their city ("分项之和"). Without it (the default, and what
  ``benchmarks/run.py`` measures) every total is the sum of parts.
- ``targets``: one ``kind="target"`` row per area (and county, with ``totals``), year and
  indicator, annual periods (``PeriodDtype("Y")``), values 1,000–2,000; only
  the columns :func:`baimq.compare.progress` reads.

``n_areas=1757, n_months=60, n_indicators=10`` is the town scale (1,054,200 rows),
``n_areas=26000`` the village scale (15,600,000 rows).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

TOWNS_PER_COUNTY = 15
COUNTIES_PER_CITY = 20


def _county_codes(n_counties: int) -> np.ndarray:
    city, county = np.divmod(np.arange(n_counties), COUNTIES_PER_CITY)
    return np.array([f"44{c + 1:02d}{k + 1:02d}" for c, k in zip(city, county)])


def _constant(label: str, n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [label])


_LEVELS = ["town", "county"]


def _frame(ind_codes, area_codes, per_codes, value, *, inds, names, codes, periods, level):
    """One block of rows; categories are shared by every block so that they concatenate
    as categoricals."""
    n = len(value)
    return pd.DataFrame({
        "indicator": pd.Categorical.from_codes(ind_codes, inds),
        "area": pd.Categorical.from_codes(area_codes, names),
        "area_code": pd.Categorical.from_codes(area_codes, codes),
        "period": periods[per_codes],
        "value": value,
        "unit": _constant("亿元", n),
        "source": _constant("bench.xlsx", n),
        "kind": _constant("actual", n),
        "level": pd.Categorical.from_codes(np.full(n, _LEVELS.index(level), dtype=np.int8),
                                           _LEVELS),
        "cumulative": np.ones(n, dtype=bool),
        "basis": _constant("", n),
        "batch": _constant("", n),
        "stated_growth": np.full(n, np.nan),
        "unit_sent": _constant("亿元", n),
        "as_of": _constant("", n),
    })


def synthetic_table(n_areas: int, n_months: int, n_indicators: int, seed: int = 1, *,
                    totals: bool = False):
    """(actuals, targets): *n_areas* towns × *n_months* cumulative months × *n_indicators*.

    See the module docstring for the layout; ``totals=True`` adds one county total row per
    county, month and indicator.
    """
    rng = np.random.default_rng(seed)
    periods = pd.period_range("2019-01", periods=n_months, freq="M")
    inds = [f"ind{j:02d}" for j in range(n_indicators)]
    n_counties = -(-n_areas // TOWNS_PER_COUNTY)
    county_codes = _county_codes(n_counties)
    county_of = np.arange(n_areas) // TOWNS_PER_COUNTY
    town_codes = np.array([f"{county_codes[c]}{t % TOWNS_PER_COUNTY + 1:03d}"
                           for t, c in enumerate(county_of)])
    names = [f"镇{i:05d}" for i in range(n_areas)]
    county_names = [f"县{c:04d}" for c in range(n_counties)] if totals else []
    all_names = names + county_names
    all_codes = list(town_codes) + (list(county_codes) if totals else [])

    n = n_areas * n_months * n_indicators
    a_idx = np.tile(np.repeat(np.arange(n_areas), n_months), n_indicators)
    p_idx = np.tile(np.arange(n_months), n_areas * n_indicators)
    i_idx = np.repeat(np.arange(n_indicators), n_areas * n_months)
    value = rng.uniform(1, 100, n) * periods.month.to_numpy()[p_idx]
    actuals = _frame(i_idx, a_idx, p_idx, value, inds=inds, names=all_names, codes=all_codes,
                     periods=periods, level="town")
    if totals:
        # county total = the sum of its towns, per indicator and month
        key = (i_idx * n_counties + county_of[a_idx]) * n_months + p_idx
        sums = np.bincount(key, weights=value, minlength=n_indicators * n_counties * n_months)
        ci, rest = np.divmod(np.arange(len(sums)), n_counties * n_months)
        cc, cp = np.divmod(rest, n_months)
        counties = _frame(ci, n_areas + cc, cp, sums, inds=inds, names=all_names,
                          codes=all_codes, periods=periods, level="county")
        actuals = pd.concat([actuals, counties], ignore_index=True)
    return actuals, _targets(rng, all_names, sorted(set(periods.year)), inds)


def _targets(rng, areas: list, years: list, inds: list) -> pd.DataFrame:
    """One annual target per area, year and indicator."""
    n_a, n_y, n_i = len(areas), len(years), len(inds)
    year_periods = pd.PeriodIndex([pd.Period(str(y), "Y") for y in years])
    t_n = n_a * n_y * n_i
    return pd.DataFrame({
        "indicator": pd.Categorical.from_codes(np.repeat(np.arange(n_i), n_a * n_y), inds),
        "area": pd.Categorical.from_codes(np.tile(np.repeat(np.arange(n_a), n_y), n_i), areas),
        "period": year_periods[np.tile(np.arange(n_y), n_a * n_i)],
        "value": rng.uniform(1000, 2000, t_n),
        "kind": "target",
    })

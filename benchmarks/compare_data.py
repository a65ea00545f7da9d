"""Synthetic tidy tables at town and village scale for the comparison benchmarks."""
from __future__ import annotations

import numpy as np
import pandas as pd


def synthetic_table(n_areas: int, n_months: int, n_indicators: int, seed: int = 1):
    """(actuals, targets): n_areas counties' towns × n_months cumulative months × n_indicators.

    Areas are grouped 15 to a county under one city so that share/contribution/rank have
    parents and peers; one city-total row per county group is not added (shares fall back to
    the sum of parts).
    """
    rng = np.random.default_rng(seed)
    periods = pd.period_range("2019-01", periods=n_months, freq="M")
    areas = np.array([f"镇{i:05d}" for i in range(n_areas)])
    codes = np.array([f"{440800000 + i:09d}" for i in range(n_areas)])
    inds = [f"ind{j:02d}" for j in range(n_indicators)]
    n = n_areas * n_months * n_indicators
    a_idx = np.tile(np.repeat(np.arange(n_areas), n_months), n_indicators)
    p_idx = np.tile(np.arange(n_months), n_areas * n_indicators)
    i_idx = np.repeat(np.arange(n_indicators), n_areas * n_months)
    month = periods.month.to_numpy()[p_idx]
    value = rng.uniform(1, 100, n) * month
    actuals = pd.DataFrame({
        "indicator": pd.Categorical.from_codes(i_idx, inds),
        "area": pd.Categorical.from_codes(a_idx, areas),
        "area_code": pd.Categorical.from_codes(a_idx, codes),
        "period": pd.PeriodIndex(periods[p_idx]),
        "value": value,
        "unit": pd.Categorical(["亿元"] * n),
        "source": pd.Categorical(["bench.xlsx"] * n),
        "kind": pd.Categorical(["actual"] * n),
        "level": pd.Categorical(["town"] * n),
        "cumulative": True,
        "basis": pd.Categorical([""] * n),
        "batch": pd.Categorical([""] * n),
        "stated_growth": np.nan,
        "unit_sent": pd.Categorical(["亿元"] * n),
        "as_of": pd.Categorical([""] * n),
    })
    years = sorted(set(periods.year))
    t_n = n_areas * len(years) * n_indicators
    targets = pd.DataFrame({
        "indicator": pd.Categorical.from_codes(np.repeat(np.arange(n_indicators), n_areas * len(years)), inds),
        "area": pd.Categorical.from_codes(np.tile(np.repeat(np.arange(n_areas), len(years)), n_indicators), areas),
        "period": pd.PeriodIndex(pd.PeriodIndex([pd.Period(str(y), "Y") for y in years])[np.tile(np.arange(len(years)), n_areas * n_indicators)]),
        "value": rng.uniform(1000, 2000, t_n),
        "kind": "target",
    })
    return actuals, targets

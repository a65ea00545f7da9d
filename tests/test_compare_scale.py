"""Comparisons on the column types a big table uses: categorical text, ``PeriodDtype``
periods, no copies of the input. Expected values are worked out by hand in the comments."""
from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from baimq import compare
from baimq.compare import contribution, progress, rank, share, time_progress, yoy
from baimq.config import get_project
from baimq.errors import Finding, FindingSet
from baimq.schema import tidy_frame

ROOT = Path(__file__).resolve().parents[1]
CONFIG = get_project(ROOT / "baimq.toml")
TEXT = ["indicator", "area", "area_code", "unit", "source", "kind", "level", "basis", "batch",
        "unit_sent", "as_of"]


def fast(df: pd.DataFrame) -> pd.DataFrame:
    """The table with categorical text and, when all periods are monthly, PeriodDtype."""
    out = df.copy()
    for col in TEXT:
        out[col] = out[col].astype("category")
    if all(p.freqstr.startswith("M") for p in out["period"]):
        out["period"] = pd.PeriodIndex(list(out["period"]), freq="M")
    return out


def row(area, code, period, value, level="county", **kw):
    d = dict(indicator="budget_revenue", area=area, area_code=code, level=level, period=period,
             value=value, unit="亿元", kind="actual", cumulative=True)
    d.update(kw)
    return d


@pytest.fixture
def towns():
    # County 440881 (廉江市) with a total row and towns A, B; June 2022 and June 2023.
    # A: 10 → 15 (+5), B: 30 → 27 (−3); total 40 → 42 (+2)
    return fast(tidy_frame([
        row("廉江市", "440881", "2022-06", 40), row("廉江市", "440881", "2023-06", 42),
        row("甲镇", "440881100", "2022-06", 10, level="town"),
        row("甲镇", "440881100", "2023-06", 15, level="town"),
        row("乙镇", "440881101", "2022-06", 30, level="town"),
        row("乙镇", "440881101", "2023-06", 27, level="town"),
    ]))


def at(df, area, period):
    m = (df["area"] == area) & (df["period"] == pd.Period(period, "M"))
    assert m.sum() == 1
    return df[m].iloc[0]


def test_fast_fixture_really_uses_fast_dtypes(towns):
    assert isinstance(towns["period"].dtype, pd.PeriodDtype)
    assert isinstance(towns["area"].dtype, pd.CategoricalDtype)


def test_yoy_on_categorical_and_period_dtype(towns):
    out = yoy(towns)
    a = at(out, "甲镇", "2023-06")
    assert (a.prev_value, a.change) == (10, 5)
    assert a.growth == pytest.approx(0.5)                 # 5 / 10
    assert a.base_source == "上年报表" and a.growth_note == ""
    assert at(out, "乙镇", "2023-06").growth == pytest.approx(-0.1)   # −3 / 30
    assert at(out, "甲镇", "2022-06").growth_note == "无上年数据"
    assert out["growth_note"].dtype == "str"               # text columns as on object input


def test_share_and_contribution_from_the_county_row(towns):
    out = contribution(share(yoy(towns), config=CONFIG), config=CONFIG)
    a, b = at(out, "甲镇", "2023-06"), at(out, "乙镇", "2023-06")
    assert a.share == pytest.approx(15 / 42) and a.share_base == "合计行"
    assert b.total_value == 42
    assert a.contribution == pytest.approx(2.5)           # +5 / +2 = 250%
    assert b.contribution == pytest.approx(-1.5)          # −3 / +2
    assert a.pull_pp == pytest.approx(12.5)               # 5 / 40 × 100
    assert a.pull_pp + b.pull_pp == pytest.approx(5.0)    # the county's growth: 2 / 40


def test_share_falls_back_to_the_sum_of_towns(towns):
    out = share(towns[towns["level"] == "town"], config=CONFIG)
    a = at(out, "甲镇", "2023-06")
    assert a.total_value == 42 and a.share_base == "分项之和"   # 15 + 27
    assert a.share == pytest.approx(15 / 42)


def test_rank_ties_with_categorical_peers():
    # four towns of one county, June 2023: 50, 40, 40, 30 → 1, 2, 2, 4
    df = fast(tidy_frame([row(f"镇{i}", f"44088110{i}", "2023-06", v, level="town")
                          for i, v in enumerate([50, 40, 40, 30])]))
    assert list(rank(df, config=CONFIG)["rank"]) == [1, 2, 2, 4]
    assert list(rank(df, config=CONFIG)["rank_of"]) == [4, 4, 4, 4]


def test_rank_change_against_previous_month_on_period_dtype():
    # May: 甲 20 > 乙 10; June: 乙 30 > 甲 25 → 乙 up one place, 甲 down one
    df = fast(tidy_frame([row("甲镇", "440881100", "2023-05", 20, level="town"),
                          row("乙镇", "440881101", "2023-05", 10, level="town"),
                          row("甲镇", "440881100", "2023-06", 25, level="town"),
                          row("乙镇", "440881101", "2023-06", 30, level="town")]))
    out = rank(df, config=CONFIG)
    assert at(out, "乙镇", "2023-06").rank_change == 1
    assert at(out, "甲镇", "2023-06").rank_change == -1


def test_progress_with_categorical_indicator_and_target_of():
    # 累计完工里程 30 km in June against the 农村公路年度任务 of 60 km → 50%, 时序进度 6/12
    acts = fast(tidy_frame([row("廉江市", "440881", "2023-06", 30, indicator="road_completed_km",
                                unit="公里")]))
    targets = tidy_frame([row("廉江市", "440881", "2023", 60, indicator="road_planned_km",
                              kind="target", cumulative=False)])
    targets["indicator"] = targets["indicator"].astype("category")
    r = progress(acts, targets, rule=compare.LightRule(), config=CONFIG).iloc[0]
    assert r.target == 60 and r.completion == pytest.approx(0.5)
    assert r.time_progress == pytest.approx(0.5) and r.light == "green"


def test_missing_period_gets_no_comparison():
    df = fast(tidy_frame([row("甲镇", "440881100", "2022-06", 10, level="town"),
                          row("甲镇", "440881100", "2023-06", 15, level="town")]))
    df["period"] = pd.array([pd.NaT, pd.Period("2023-06", "M")], dtype="period[M]")
    out = yoy(df)
    assert out["growth_note"].tolist() == ["无上年数据", "无上年数据"]
    assert np.isnan(time_progress(df).iloc[0]) and time_progress(df).iloc[1] == 0.5


@pytest.mark.parametrize("fn", [yoy, share, contribution, rank, progress, compare.monthly,
                                compare.mom, compare.avg_growth])
def test_input_is_not_changed_and_findings_travel(fn, towns):
    towns.attrs["findings"] = FindingSet([Finding("warning", "x", "提示")])
    before = towns.copy(deep=True)
    out = fn(towns)
    pd.testing.assert_frame_equal(towns, before)
    assert out.attrs["findings"] == towns.attrs["findings"]
    out.loc[0, "value"] = -1.0                             # copy-on-write: the input keeps 40
    assert towns.loc[0, "value"] == 40


def test_rerun_replaces_columns_in_place(towns):
    once = yoy(towns)
    twice = yoy(once)
    assert list(twice.columns) == list(once.columns)
    pd.testing.assert_frame_equal(twice, once)


def test_first_pos_direct_table_and_hash_index_agree():
    # keys 7, 3, 7 at positions 10, 11, 12: the first 7 is at 10; key 5 is absent
    right_key, right_pos = np.array([7, 3, 7]), np.array([10, 11, 12])
    left = np.array([7, 5, 3, -1])
    expected = [10, -1, 11, -1]
    assert compare._first_pos(right_key, right_pos, left, 8).tolist() == expected          # table
    assert compare._first_pos(right_key, right_pos, left, 2 ** 40).tolist() == expected    # hash


def test_sort_by_group_then_score_both_ways():
    # group 1: 5, 9 → 9 first; group 0: 2, 2, 4 → 4 first, then the equal 2s together
    s = np.array([5.0, 2.0, 9.0, 4.0, 2.0])
    g = np.array([1, 0, 1, 0, 0])
    for n_grp in (2, 2 ** 61):                             # packed integer sort, np.lexsort
        order = compare._order_by_group_then_desc(s, g, n_grp)
        assert g[order].tolist() == [0, 0, 0, 1, 1]
        assert s[order].tolist() == [4.0, 2.0, 2.0, 9.0, 5.0]


def test_object_and_fast_tables_give_the_same_results():
    # the same table twice: object columns (the loader's) and categorical + PeriodDtype
    rows = [row(a, c, f"{y}-{m:02d}", float(i * 7 % 11 + m + y - 2020), level=lev)
            for i, (a, c, lev) in enumerate([("廉江市", "440881", "county"),
                                              ("甲镇", "440881100", "town"),
                                              ("乙镇", "440881101", "town"),
                                              ("丙镇", "440881102", "town")])
            for y in (2022, 2023) for m in (1, 2, 3)]
    slow = tidy_frame(rows)
    chain = lambda d: rank(contribution(share(yoy(d), config=CONFIG), config=CONFIG),  # noqa: E731
                           by="growth", config=CONFIG)
    a, b = chain(slow), chain(fast(slow))
    new = [c for c in a.columns if c not in slow.columns]
    pd.testing.assert_frame_equal(a[new], b[new])


def test_synthetic_benchmark_table_with_county_totals():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from compare_data import synthetic_table

    actuals, targets = synthetic_table(20, 13, 2, totals=True)
    # 20 towns → counties of 15 and 5 towns; rows: 20×13×2 towns + 2×13×2 county totals
    assert len(actuals) == 20 * 13 * 2 + 2 * 13 * 2
    assert len(targets) == (20 + 2) * 2 * 2                # areas × years (2019, 2020) × indicators
    out = share(actuals)
    towns, counties = out[out["level"] == "town"], out[out["level"] == "county"]
    assert (towns["share_base"] == "合计行").all() and (counties["share_base"] == "分项之和").all()
    # each county's towns make up all of it
    sums = towns.groupby(["indicator", "period", towns["area_code"].astype(str).str[:6]],
                         observed=True)["share"].sum()
    assert np.allclose(sums, 1.0)
    assert not math.isnan(rank(yoy(actuals), by="growth")["rank"].max())

"""Comparisons on small hand-made tidy tables; expected values worked out by hand."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from baimq import words
from baimq.compare import (LightRule, avg_growth, contribution, mom, monthly, progress, rank,
                           share, time_progress, yoy)
from baimq.config import get_project
from baimq.schema import tidy_frame

ROOT = Path(__file__).resolve().parents[1]
CONFIG = get_project(ROOT / "baimq.toml")
CODES = {"湛江市": "440800", "廉江市": "440881", "坡头区": "440804", "遂溪县": "440823",
         "赤坎区": "440802", "市本级": "440800BJ", "广东省": "440000", "地市小计": "440000XJ",
         "茂名市": "440900", "茂南区": "440902", "电白区": "440904"}
LEVELS = {"湛江市": "city", "茂名市": "city", "市本级": "city_own", "广东省": "province",
          "地市小计": "subtotal"}


def row(area, period, value, indicator="budget_revenue", **kw):
    d = dict(indicator=indicator, area=area, area_code=CODES.get(area, ""),
             level=LEVELS.get(area, "county"), period=period, value=value, unit="亿元",
             kind="actual", cumulative=len(str(period)) > 4)
    d.update(kw)
    return d


def frame(*rows):
    return tidy_frame(list(rows))


def one(df, area, period, kind="actual"):
    m = df["area"].eq(area) & df["period"].eq(pd.Period(period) if len(period) > 4
                                              else pd.Period(period, "Y")) & df["kind"].eq(kind)
    assert m.sum() == 1, (area, period, kind)
    return df[m].iloc[0]


@pytest.fixture
def county_df():
    # 湛江市 = 100 → 110; 廉江市 40 → 60 (+20); 坡头区 60 → 50 (−10)
    return frame(
        row("湛江市", "2022-06", 100), row("湛江市", "2023-06", 110),
        row("廉江市", "2022-06", 40), row("廉江市", "2023-06", 60),
        row("坡头区", "2022-06", 60), row("坡头区", "2023-06", 50),
    )


# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [yoy, monthly, mom, share, contribution, rank, avg_growth, progress])
def test_functions_do_not_mutate_their_input(fn, county_df):
    df = pd.concat([county_df, frame(row("廉江市", "2023", 100, kind="target"))], ignore_index=True)
    before = df.copy(deep=True)
    out = fn(df)
    pd.testing.assert_frame_equal(df, before)
    assert len(out) == len(df)
    assert list(out.columns[: len(df.columns)]) == list(df.columns)


# ---------------------------------------------------------------------------------------
# 同比
def test_yoy_against_last_years_own_return(county_df):
    out = yoy(county_df)
    r = one(out, "湛江市", "2023-06")
    assert (r.prev_value, r.change) == (100, 10)
    assert r.growth == pytest.approx(0.10)          # 10 / 100
    assert r.base_source == "上年报表" and r.growth_note == ""
    assert math.isnan(r.base_revision)
    r = one(out, "坡头区", "2023-06")
    assert r.growth == pytest.approx(-10 / 60)      # −16.7%
    assert one(out, "湛江市", "2022-06").growth_note == "无上年数据"


def test_yoy_stated_base_wins_and_revision_is_visible():
    df = frame(row("坡头区", "2022-06", 60), row("坡头区", "2023-06", 50),
               row("坡头区", "2022-06", 58, kind="base"))
    r = one(yoy(df), "坡头区", "2023-06")
    assert r.prev_value == 58 and r.base_source == "上年同期"
    assert r.change == -8                           # 50 − 58
    assert r.growth == pytest.approx(-8 / 58)       # −13.8%, not −16.7% on the old 60
    assert r.base_revision == -2                    # 58 − 60


def test_yoy_stated_base_without_last_years_return():
    df = frame(row("廉江市", "2023-06", 53), row("廉江市", "2022-06", 50, kind="base"))
    r = one(yoy(df), "廉江市", "2023-06")
    assert r.growth == pytest.approx(0.06) and r.base_source == "上年同期"
    assert math.isnan(r.base_revision)


@pytest.mark.parametrize("base, note", [(0.0, "基数为零"), (-5.0, "基数为负")])
def test_yoy_no_growth_on_zero_or_negative_base(base, note):
    df = frame(row("廉江市", "2022", base), row("廉江市", "2023", 3.0))
    r = one(yoy(df), "廉江市", "2023")
    assert math.isnan(r.growth) and r.growth_note == note
    assert r.change == 3.0 - base                   # the increment itself is defined
    assert words.growth_words(r.growth) == "—"


def test_yoy_basis_change_refuses_nominal_rate_and_exposes_comparable():
    df = frame(row("湛江市", "2024", 164.96),
               row("湛江市", "2025", 215.10, basis="新口径", stated_growth=0.069))
    r = one(yoy(df), "湛江市", "2025")
    assert math.isnan(r.growth) and math.isnan(r.change)
    assert r.growth_note == "口径变化，无可比基数"
    assert r.prev_value == 164.96                   # shown, but not compared
    assert r.comparable_growth == pytest.approx(0.069)


def test_yoy_stated_base_on_the_new_basis_is_comparable():
    df = frame(row("湛江市", "2024", 164.96),
               row("湛江市", "2024", 201.21, kind="base", basis="新口径"),
               row("湛江市", "2025", 215.10, basis="新口径"))
    r = one(yoy(df), "湛江市", "2025")
    assert r.growth_note == "" and r.base_source == "上年同期"
    assert r.growth == pytest.approx(215.10 / 201.21 - 1)   # 6.9%
    assert words.growth_words(r.growth) == "增长6.9%"
    assert math.isnan(r.comparable_growth)


def test_yoy_matches_annual_with_annual_and_month_with_month():
    df = frame(row("廉江市", "2022", 100), row("廉江市", "2022-12", 90),
               row("廉江市", "2023", 120), row("廉江市", "2023-12", 99))
    out = yoy(df)
    assert one(out, "廉江市", "2023").growth == pytest.approx(0.20)      # 120 / 100
    assert one(out, "廉江市", "2023-12").growth == pytest.approx(0.10)   # 99 / 90


def test_yoy_matches_batches_separately():
    df = frame(row("湛江市", "2022", 10, indicator="bond_new", batch="提前批次"),
               row("湛江市", "2022", 40, indicator="bond_new", batch="第一批"),
               row("湛江市", "2023", 12, indicator="bond_new", batch="提前批次"))
    r = yoy(df).query("period == @pd.Period('2023', 'Y')").iloc[0]
    assert r.growth == pytest.approx(0.20)          # 12 / 10, not 12 / 40


def test_yoy_leaves_targets_and_bases_empty():
    df = frame(row("廉江市", "2022", 5), row("廉江市", "2023", 6, kind="target"),
               row("廉江市", "2022", 5, kind="base"))
    out = yoy(df)
    assert out.loc[out.kind != "actual", "growth"].isna().all()
    assert (out.loc[out.kind != "actual", "growth_note"] == "").all()


# ---------------------------------------------------------------------------------------
# 当月 and 环比
def test_monthly_single_months_from_cumulative():
    df = frame(row("廉江市", "2023-01", 10), row("廉江市", "2023-02", 25),
               row("廉江市", "2023-04", 55))            # March missing
    out = monthly(df)
    jan, feb, apr = (one(out, "廉江市", p) for p in ("2023-01", "2023-02", "2023-04"))
    assert jan.month_value == 10 and jan.month_note == ""        # January = 累计
    assert feb.month_value == 15                                  # 25 − 10
    assert math.isnan(apr.month_value)                            # never 55 − 25
    assert apr.month_note == "缺上月累计数，无法计算当月数"


def test_monthly_copies_non_cumulative_and_skips_annual():
    df = frame(row("廉江市", "2023-06", 800, indicator="coop_count", cumulative=False),
               row("廉江市", "2023", 100))
    out = monthly(df)
    assert one(out, "廉江市", "2023-06").month_value == 800
    assert one(out, "廉江市", "2023").month_note == "非月度数据"


def test_mom_growth_and_january_against_december():
    df = frame(row("廉江市", "2022-11", 100), row("廉江市", "2022-12", 112),
               row("廉江市", "2023-01", 9), row("廉江市", "2023-02", 22.5))
    out = mom(df)
    jan, feb = one(out, "廉江市", "2023-01"), one(out, "廉江市", "2023-02")
    assert jan.mom_prev == pytest.approx(12)                 # December: 112 − 100
    assert jan.mom_growth == pytest.approx(-0.25)            # 9 / 12 − 1
    assert feb.month_value == pytest.approx(13.5)            # 22.5 − 9
    assert feb.mom_growth == pytest.approx(0.5)              # 13.5 / 9 − 1
    assert one(out, "廉江市", "2022-12").mom_note == "上月当月数无法计算"  # 2022-10 missing
    assert one(out, "廉江市", "2022-11").mom_note == "缺上月累计数，无法计算当月数"


def test_mom_zero_base():
    df = frame(row("廉江市", "2023-01", 0), row("廉江市", "2023-02", 5))
    r = one(mom(df), "廉江市", "2023-02")
    assert math.isnan(r.mom_growth) and r.mom_note == "基数为零"


# ---------------------------------------------------------------------------------------
# 占比
def test_share_of_the_city_total_row():
    df = frame(row("湛江市", "2023-06", 200), row("廉江市", "2023-06", 30),
               row("坡头区", "2023-06", 70))
    out = share(df, config=CONFIG)
    r = one(out, "廉江市", "2023-06")
    assert r.share == pytest.approx(0.15) and r.total_value == 200    # 30 / 200
    assert r.share_base == "合计行"


def test_share_of_the_sum_of_parts_without_a_total_row():
    df = frame(row("廉江市", "2023-06", 30), row("坡头区", "2023-06", 70),
               row("市本级", "2023-06", 100))
    out = share(df, config=CONFIG)
    r = one(out, "廉江市", "2023-06")
    assert r.share == pytest.approx(0.15) and r.share_base == "分项之和"   # 30 / (30+70+100)
    assert one(out, "市本级", "2023-06").share == pytest.approx(0.5)


def test_share_without_codes_uses_the_single_city_row():
    df = frame(row("湛江市", "2023-06", 200, area_code=""),
               row("廉江市", "2023-06", 50, area_code=""))
    assert one(share(df, config=CONFIG), "廉江市", "2023-06").share == pytest.approx(0.25)


def test_share_of_cities_prefers_the_subtotal():
    rows = [row("广东省", "2025", 200, indicator="bond_new"),
            row("地市小计", "2025", 160, indicator="bond_new"),
            row("湛江市", "2025", 40, indicator="bond_new"),
            row("茂名市", "2025", 120, indicator="bond_new")]
    r = one(share(frame(*rows), config=CONFIG), "湛江市", "2025")
    assert r.share == pytest.approx(0.25) and r.total_value == 160        # 40 / 160
    r = one(share(frame(*[x for x in rows if x["area"] != "地市小计"]), config=CONFIG), "湛江市", "2025")
    assert r.share == pytest.approx(0.20)                                 # 40 / 200


def test_share_counties_of_other_cities_are_not_mixed():
    df = frame(row("湛江市", "2023", 100), row("廉江市", "2023", 20),
               row("茂名市", "2023", 400), row("茂南区", "2023", 100))
    out = share(df, config=CONFIG)
    assert one(out, "廉江市", "2023").share == pytest.approx(0.2)
    assert one(out, "茂南区", "2023").share == pytest.approx(0.25)


def test_share_not_summed_for_non_additive_indicators(tmp_path):
    cfg = tmp_path / "baimq.toml"
    cfg.write_text('[indicators.rate_x]\nname = "比率"\nunit = "%"\nadditive = false\n',
                   encoding="utf-8")
    df = frame(row("廉江市", "2023", 30, indicator="rate_x"),
               row("坡头区", "2023", 70, indicator="rate_x"))
    out = share(df, config=cfg)
    assert out["share"].isna().all() and (out["share_base"] == "").all()


# ---------------------------------------------------------------------------------------
# 贡献率 and 拉动
def test_contribution_above_100_percent_and_negative(county_df):
    out = contribution(county_df, config=CONFIG)
    lj, pt = one(out, "廉江市", "2023-06"), one(out, "坡头区", "2023-06")
    assert lj.contribution == pytest.approx(2.0)     # +20 / +10 = 200%
    assert pt.contribution == pytest.approx(-1.0)    # −10 / +10 = −100%
    assert lj.pull_pp == pytest.approx(20.0)         # 20 / 100 × 100
    assert pt.pull_pp == pytest.approx(-10.0)
    # 拉动 adds up to the total's growth (10 points), 拉动 = growth × 贡献率
    assert lj.pull_pp + pt.pull_pp == pytest.approx(10.0)
    assert lj.contribution_base == "合计行"


def test_contribution_from_sum_of_parts_and_zero_total_change():
    df = frame(row("廉江市", "2022", 40), row("廉江市", "2023", 50),
               row("坡头区", "2022", 60), row("坡头区", "2023", 50))
    out = contribution(df, config=CONFIG)
    r = one(out, "廉江市", "2023")
    assert r.total_change == 0 and math.isnan(r.contribution)   # (+10) + (−10) = 0
    assert r.pull_pp == pytest.approx(10.0)                     # 10 / 100
    assert r.contribution_base == "分项之和"


# ---------------------------------------------------------------------------------------
# 排名
def test_rank_ties_min_method_and_rank_change():
    may = [("廉江市", 50), ("坡头区", 40), ("遂溪县", 30), ("赤坎区", 20)]
    jun = [("廉江市", 50), ("坡头区", 40), ("遂溪县", 40), ("赤坎区", 60)]
    df = frame(row("湛江市", "2023-06", 999),
               *[row(a, "2023-05", v) for a, v in may], *[row(a, "2023-06", v) for a, v in jun])
    out = rank(df, by="value", config=CONFIG)
    got = {a: (one(out, a, "2023-06")["rank"], one(out, a, "2023-06").rank_change) for a, _ in jun}
    # June: 赤坎 60 → 1; 廉江 50 → 2; 坡头, 遂溪 40 → 3, 3 (official 1,2,3,3 — next would be 5)
    assert got == {"赤坎区": (1, 3), "廉江市": (2, -1), "坡头区": (3, -1), "遂溪县": (3, 0)}
    assert one(out, "赤坎区", "2023-06").rank_of == 4
    assert math.isnan(one(out, "湛江市", "2023-06")["rank"])      # the city is not a county's peer
    assert words.rank_change_words(got["赤坎区"][1]) == "上升3位"


def test_rank_ties_1_2_2_4():
    df = frame(*[row(a, "2023", v) for a, v in
                 [("廉江市", 50), ("坡头区", 40), ("遂溪县", 40), ("赤坎区", 30)]])
    assert sorted(rank(df, config=CONFIG)["rank"]) == [1, 2, 2, 4]


def test_rank_lower_is_better_from_catalogue_and_annual_previous_year():
    ind = "debt_balance_general"                 # higher_is_better = false in baimq.toml
    df = frame(row("廉江市", "2022", 10, indicator=ind), row("坡头区", "2022", 20, indicator=ind),
               row("廉江市", "2023", 30, indicator=ind), row("坡头区", "2023", 20, indicator=ind))
    out = rank(df, config=CONFIG)
    assert one(out, "坡头区", "2023")["rank"] == 1 and one(out, "坡头区", "2023").rank_change == 1
    assert one(out, "廉江市", "2023").rank_prev == 1 and one(out, "廉江市", "2023")["rank"] == 2
    assert one(rank(df, higher_is_better=True, config=CONFIG), "廉江市", "2023")["rank"] == 1


def test_rank_by_growth_against_a_year_earlier():
    df = frame(row("廉江市", "2022-06", 10), row("坡头区", "2022-06", 10),
               row("廉江市", "2023-06", 11), row("坡头区", "2023-06", 12))
    out = rank(df, by="growth", against="year", config=CONFIG)
    assert one(out, "坡头区", "2023-06")["rank"] == 1          # 20% beats 10%
    assert math.isnan(one(out, "坡头区", "2022-06")["rank"])   # no growth, no rank


def test_rank_peers_are_counties_of_the_same_city():
    df = frame(row("廉江市", "2023", 5), row("坡头区", "2023", 3),
               row("茂南区", "2023", 4), row("电白区", "2023", 9))
    out = rank(df, config=CONFIG)
    assert one(out, "廉江市", "2023")["rank"] == 1 and one(out, "茂南区", "2023")["rank"] == 2


def test_rank_unknown_column():
    with pytest.raises(KeyError, match="排名"):
        rank(frame(row("廉江市", "2023", 5)), by="nothing")


# ---------------------------------------------------------------------------------------
# 两年平均增长
def test_avg_growth_nbs_example():
    # NBS Q1 2021: +10.3% on Q1 2019 → 两年平均 (1.103)^(1/2) − 1 = 5.02% → "5.0%"
    df = frame(row("湛江市", "2019-03", 100), row("湛江市", "2021-03", 110.3))
    r = one(avg_growth(df), "湛江市", "2021-03")
    assert r.avg_growth == pytest.approx(math.sqrt(1.103) - 1)
    assert r.avg_base_value == 100
    assert words.fmt_pct(r.avg_growth) == "5.0%"


def test_avg_growth_three_years_and_notes():
    df = frame(row("廉江市", "2020", 100), row("廉江市", "2023", 133.1),
               row("坡头区", "2020", 0), row("坡头区", "2023", 5),
               row("遂溪县", "2023", 5))
    out = avg_growth(df, years=3)
    assert one(out, "廉江市", "2023").avg_growth == pytest.approx(0.10)   # 1.331^(1/3) = 1.1
    assert one(out, "坡头区", "2023").avg_growth_note == "基数为零"
    assert one(out, "遂溪县", "2023").avg_growth_note == "无基期数据"


# ---------------------------------------------------------------------------------------
# Progress against targets
def _progress_df(actual, month="2023-06", target=100.0, **kw):
    return frame(row("廉江市", month, actual, **kw), row("廉江市", "2023", target, kind="target"))


@pytest.mark.parametrize("actual, light", [
    (50, "green"),    # 50% = 时序进度 50%
    (45, "yellow"),   # 5 points below
    (40, "yellow"),   # exactly 10 points below
    (39, "red"),      # 11 points below
])
def test_progress_lights_default_rule(actual, light):
    r = one(progress(_progress_df(actual), rule=LightRule()), "廉江市", "2023-06")
    assert r.target == 100 and r.completion == pytest.approx(actual / 100)
    assert r.time_progress == pytest.approx(0.5)          # 6 / 12
    assert r.gap_pp == pytest.approx(actual - 50)
    assert r.light == light


def test_progress_boundary_is_not_lost_to_float_error():
    # July, 29 of 60: 48.33% against 7/12 = 58.33% is exactly 10 points below (yellow),
    # but (29/60 − 7/12) × 100 is −10.000000000000004 in floats
    r = one(progress(_progress_df(29, month="2023-07", target=60), rule=LightRule()),
            "廉江市", "2023-07")
    assert r.light == "yellow"


def test_progress_report_as_of_mid_month():
    # 2023-06-15 is day 31+28+31+30+31+15 = 166 of 365
    df = _progress_df(45, as_of="2023-06-15")
    r = one(progress(df, rule=LightRule()), "廉江市", "2023-06")
    assert r.time_progress == pytest.approx(166 / 365)    # 45.48%
    assert r.gap_pp == pytest.approx(45 - 100 * 166 / 365)
    leap = frame(row("廉江市", "2024-06", 1, as_of="2024-06-15"))
    assert time_progress(leap).iloc[0] == pytest.approx(167 / 366)


def test_progress_annual_time_progress_is_one():
    df = frame(row("廉江市", "2023", 80, cumulative=False), row("廉江市", "2023", 100, kind="target"))
    r = one(progress(df, rule=LightRule()), "廉江市", "2023")
    assert r.time_progress == 1.0 and r.light == "red"    # 20 points below


def test_progress_target_of_zero_and_missing():
    df = frame(row("廉江市", "2023-06", 5), row("廉江市", "2023", 0, kind="target"),
               row("坡头区", "2023-06", 5))
    out = progress(df, rule=LightRule())
    r = one(out, "廉江市", "2023-06")
    assert math.isnan(r.completion) and r.progress_note == "目标为零" and r.light == ""
    assert one(out, "坡头区", "2023-06").progress_note == "无目标任务"


def test_progress_target_of_links_indicators_and_separate_target_table():
    acts = frame(row("廉江市", "2023-06", 30, indicator="road_completed_km", unit="公里",
                     cumulative=True))
    targets = frame(row("廉江市", "2023", 60, indicator="road_planned_km", kind="target"),
                    row("廉江市", "2022", 10, indicator="road_planned_km", kind="target"))
    r = progress(acts, targets, rule=LightRule(), config=CONFIG).iloc[0]
    assert r.target == 60 and r.completion == pytest.approx(0.5)   # 30 / 60, the 2023 target


@pytest.mark.parametrize("rule, completion, light", [
    # 银川 2025: green up to 10 below, yellow 10–30 below, red beyond
    (LightRule(green_within=10, yellow_within=30), 0.45, "green"),   # 5 below
    (LightRule(green_within=10, yellow_within=30), 0.30, "yellow"),  # 20 below
    (LightRule(green_within=10, yellow_within=30), 0.15, "red"),     # 35 below
    # 三亚 2022: up to 50% below 时序进度 yellow, more red
    (LightRule(yellow_within=50, relative=True), 0.30, "yellow"),    # 0.30 / 0.50 − 1 = −40%
    (LightRule(yellow_within=50, relative=True), 0.20, "red"),       # −60%
    (LightRule(yellow_within=50, relative=True), 0.50, "green"),
])
def test_progress_custom_light_rules(rule, completion, light):
    r = one(progress(_progress_df(completion * 100), rule=rule), "廉江市", "2023-06")
    assert r.light == light


def test_light_rule_from_config(tmp_path):
    cfg = tmp_path / "baimq.toml"
    cfg.write_text("[lights]\ngreen_within = 10\nyellow_within = 30\n", encoding="utf-8")
    assert LightRule.from_config(cfg) == LightRule(green_within=10, yellow_within=30)
    assert LightRule.from_config(CONFIG) == LightRule(0, 10)
    r = one(progress(_progress_df(30), config=cfg), "廉江市", "2023-06")
    assert r.light == "yellow"                               # 20 below: yellow in 银川's rule
    bad = tmp_path / "bad.toml"
    bad.write_text("[lights]\nyelow_within = 5\n", encoding="utf-8")
    with pytest.raises(ValueError, match="yelow_within"):
        LightRule.from_config(bad)
    with pytest.raises(ValueError, match="亮灯规则"):
        LightRule(green_within=20, yellow_within=10)


# ---------------------------------------------------------------------------------------
def test_functions_chain(county_df):
    out = rank(contribution(share(yoy(county_df), config=CONFIG), config=CONFIG), by="growth",
               config=CONFIG)
    r = one(out, "廉江市", "2023-06")
    assert (r["rank"], r.growth, r.contribution) == (1, pytest.approx(0.5), pytest.approx(2.0))
    assert r.share == pytest.approx(60 / 110)


def test_many_rows_without_row_loops():
    # 50 areas × 24 months × 2 indicators: shape of the result, and a spot check by hand
    months = pd.period_range("2022-01", "2023-12", freq="M")
    areas = [f"区{i}" for i in range(50)]
    rows = [dict(indicator=ind, area=a, area_code="", level="county", period=p,
                 value=float(i + 1 + p.month), kind="actual", cumulative=True)
            for ind in ("budget_revenue", "tax_revenue") for i, a in enumerate(areas) for p in months]
    df = tidy_frame(rows)
    out = rank(mom(yoy(df)), by="growth", config=CONFIG)
    assert len(out) == len(df)
    r = out[(out.area == "区0") & (out.period == pd.Period("2023-06")) & (out.indicator == "tax_revenue")].iloc[0]
    assert r.growth == 0                          # same value both years: 1 + 6
    assert r.month_value == 1                     # 7 − 6
    assert np.isnan(out["growth"][out.period.map(lambda p: p.year) == 2022]).all()


@pytest.mark.parametrize("fn", [yoy, monthly, mom, share, contribution, rank, avg_growth, progress])
def test_empty_table(fn):
    from baimq.schema import empty_tidy
    out = fn(empty_tidy())
    assert out.empty and len(out.columns) > 15

"""The notebook views of the bulletin (baimq.bulletin.headlines, light_board, behind_schedule,
over_time, city_ranks, county_share_words) and baimq.report.format_table's decimals."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from baimq.bulletin import (Bulletin, Section, behind_schedule, city_ranks, county_share_words,
                            headlines, light_board, over_time, period_label)
from baimq.compare import yoy
from baimq.report import format_table
from baimq.schema import tidy_frame


def _section(key, heading, table, unit="亿元", when="2023年1-6月"):
    return Section(key, heading, ["…"], {heading: table}, {heading: unit}, [], "数据来源：测试", when=when)


@pytest.fixture
def bulletin():
    budget = pd.DataFrame({"地区": ["湛江市", "赤坎区", "霞山区"], "本年累计": [68.43, 4.17, 4.47],
                           "同比增长": [0.062, 0.078, -0.009], "完成率": [0.463, 0.47, 0.52],
                           "时序进度": [0.5, 0.5, 0.5], "亮灯": ["yellow", "yellow", "green"]})
    road = pd.DataFrame({"地区": ["湛江市", "赤坎区", "霞山区"], "年度任务": [420.0, 16.1, 12.0],
                         "累计完工": [92.0, 4.1, 3.1], "完工率": [0.219, 0.255, 0.258],
                         "时序进度": [0.5, 0.5, 0.5], "亮灯": ["red", "red", "red"]})
    coop = pd.DataFrame({"地区": ["湛江市", "赤坎区"], "合作社数量": [8023.0, 63.0], "同比增长": [0.103, 0.086]})
    return Bulletin(pd.Period("2023-06", "M"), "湛江市", [
        _section("budget", "一般公共预算收入", budget),
        _section("road", "农村公路", road, "公里", "截至2023年6月30日"),
        _section("coop", "农民合作社", coop, "家", "截至2023年6月底")], sample=True)


def test_headlines_take_the_city_row_of_each_section(bulletin):
    h = headlines(bulletin)
    assert list(h["指标"]) == ["一般公共预算收入", "农村公路（累计完工）", "农民合作社"]
    assert list(h["期间"]) == ["2023年1-6月", "截至2023年6月30日", "截至2023年6月底"]
    assert list(h["数值"]) == [68.43, 92.0, 8023.0]          # the road's headline is 累计完工
    assert list(h["单位"]) == ["亿元", "公里", "家"]
    assert h["同比增长"].iloc[0] == 0.062 and math.isnan(h["同比增长"].iloc[1])
    assert list(h["亮灯"]) == ["yellow", "red", ""]
    assert h["完成率"].iloc[0] == 0.463 and h["完成率"].iloc[1] == 0.219    # the road's 完工率
    # shown with each row's own unit: 亿元 two decimals, 家 none
    assert list(format_table(h)["数值"]) == ["68.43", "92.00", "8023"]


def test_light_board_in_words(bulletin):
    board = light_board(bulletin)
    assert list(board.columns) == ["地区", "一般公共预算收入", "农村公路"]
    assert board.set_index("地区").loc["霞山区"].tolist() == ["绿灯", "红灯"]


def test_behind_schedule_red_first_then_furthest_behind(bulletin):
    late = behind_schedule(bulletin)
    # 农村公路 (完工率): 赤坎 (50 − 25.5 = 24.5 points), 霞山 24.2, 湛江 28.1 → 湛江, 赤坎, 霞山;
    # then 一般公共预算收入: 湛江 (50 − 46.3 = 3.7), 赤坎 (3.0); 霞山 is green and left out
    assert list(zip(late["指标"], late["地区"])) == [
        ("农村公路", "湛江市"), ("农村公路", "赤坎区"), ("农村公路", "霞山区"),
        ("一般公共预算收入", "湛江市"), ("一般公共预算收入", "赤坎区")]
    assert late["落后（百分点）"].iloc[1] == pytest.approx(24.5)
    assert late["完成率"].iloc[0] == 0.219


def _coops():
    rows = []
    for area, code, level, values in (("湛江市", "440800", "city", (100, 110, 121, 130)),
                                      ("赤坎区", "440802", "county", (10, 12, 15, 16))):
        for period, v in zip(("2021", "2022", "2023-06", "2023-07"), values):
            rows.append(dict(indicator="coop_count", area=area, area_code=code, level=level,
                             period=period, value=v, unit="家"))
        rows.append(dict(indicator="coop_count", area=area, area_code=code, level=level,
                         period="2022-06", value=values[1] - 1, unit="家"))
    return tidy_frame(rows)


def test_over_time_year_ends_then_the_period():
    df = _coops()
    before = df.copy()
    wide = over_time(df, "coop_count", "2023-06")
    assert list(wide.columns) == ["地区", "2021年底", "2022年底", "2023年6月底"]   # not 2022-06, not 2023-07
    assert wide.set_index("地区").loc["赤坎区"].tolist() == [10, 12, 15]
    pd.testing.assert_frame_equal(df, before)


def test_over_time_growth_drops_the_year_without_a_base():
    g = over_time(yoy(_coops()), "coop_count", "2023-06", column="growth")
    assert list(g.columns) == ["地区", "2022年底增长", "2023年6月底增长"]
    # 赤坎区: 12 / 10 − 1 = 20%; 2023年6月底 15 against 2022年6月底 11: 4 / 11 = 36.4%
    assert g.set_index("地区").loc["赤坎区"].tolist() == pytest.approx([0.2, 4 / 11])
    assert list(format_table(g)["2023年6月底增长"]) == ["11.0%", "36.4%"]   # 湛江: 121 / 109 − 1 = 11.01%


def _cities():
    rows = []
    for area, code, values in (("广州市", "440100", (100.0, 110.0, 130.0)),
                               ("深圳市", "440300", (200.0, 210.0, 240.0)),
                               ("湛江市", "440800", (50.0, 60.0, 70.0))):
        for year, v in zip(("2023", "2024", "2025"), values):
            rows.append(dict(indicator="budget_revenue", area=area, area_code=code, level="city",
                             period=year, value=v, unit="亿元", basis="新口径" if year == "2025" else ""))
    # the same 2025 figure again from the city's own report, stating its comparable growth
    rows.append(dict(indicator="budget_revenue", area="湛江市", area_code="440800", level="city",
                     period="2025", value=70.0, unit="亿元", basis="新口径", stated_growth=0.069,
                     source="official.xlsx"))
    return tidy_frame(rows)


def test_city_ranks_value_and_growth_ranks_and_the_change_of_basis(project):
    r = city_ranks(_cities(), config=project).set_index(["area", "period"])
    zj24 = r.loc[("湛江市", pd.Period("2024", "Y"))]
    # 2024 growth: 广州 10%, 深圳 5%, 湛江 20% → 湛江 first; by value 深圳 210 > 广州 110 > 湛江 60
    assert zj24["growth"] == pytest.approx(0.2)
    assert (zj24["rank"], zj24["value_rank"]) == (1, 3)
    zj25 = r.loc[("湛江市", pd.Period("2025", "Y"))]
    assert len(r.loc[["湛江市"]]) == 3                    # the repeated 2025 figure is kept once
    assert math.isnan(zj25["growth"]) and zj25["growth_note"] == "口径变化，无可比基数"
    assert zj25["comparable_growth"] == 0.069
    wide = over_time(city_ranks(_cities(), config=project), "budget_revenue", "2025", column="growth",
                     config=project)
    assert list(wide.columns) == ["地区", "2024年增长", "2025年增长"]
    assert list(wide["2025年增长"]) == ["口径变化"] * 3


def test_county_share_words():
    t = tidy_frame([
        dict(indicator="bond_new", area="湛江市", area_code="440800", level="city", period="2023", value=109.0),
        dict(indicator="bond_new", area="市本级", area_code="440800BJ", level="city_own", period="2023",
             value=20.16),
        dict(indicator="bond_new", area="赤坎区", area_code="440802", level="county", period="2023", value=40.0),
        dict(indicator="bond_new", area="廉江市", area_code="440881", level="county", period="2023", value=48.84),
    ])
    # counties 40 + 48.84 = 88.84 of 109: 81.504…% → 81.5%
    assert county_share_words(t) == "分配县（市、区）88.84亿元，占81.5%"


def test_format_table_keeps_one_number_of_decimals_per_column():
    t = pd.DataFrame({"地区": ["湛江市", "赤坎区"], "年度任务": [420.0, 16.1], "合作社数量": [8023.0, 63.0],
                      "同比增长": [0.0625, -0.009], "增速排名": [float("nan"), 2.0]})
    before = t.copy()
    shown = format_table(t)
    assert list(shown["年度任务"]) == ["420.00", "16.10"]      # not "420" beside "16.10"
    assert list(shown["合作社数量"]) == ["8023", "63"]         # whole numbers stay whole
    assert list(shown["同比增长"]) == ["6.3%", "-0.9%"]        # half-up: 6.25 → 6.3
    assert list(shown["增速排名"]) == ["—", "2"]
    assert list(format_table(t, "家")["年度任务"]) == ["420", "16"]
    pd.testing.assert_frame_equal(t, before)


def test_period_label():
    assert period_label(pd.Period("2022", "Y"), stock=True) == "2022年底"
    assert period_label(pd.Period("2022", "Y"), stock=False) == "2022年"
    assert period_label(pd.Period("2023-06", "M"), stock=True) == "2023年6月底"
    assert period_label(pd.Period("2023-06", "M"), stock=False) == "2023年1-6月"

"""The 通报 paragraph: the DOMAIN.md example reproduced from a small table."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import baimq
from baimq.compare import yoy
from baimq.config import get_project
from baimq.narrative import describe, describe_facts
from baimq.errors import DataError
from baimq.schema import tidy_frame

ROOT = Path(__file__).resolve().parents[1]
CONFIG = get_project(ROOT / "baimq.toml")
CODES = {"湛江市": "440800", "廉江市": "440881", "坡头区": "440804", "遂溪县": "440823",
         "赤坎区": "440802", "麻章区": "440811"}


def row(area, period, value, indicator="budget_revenue", **kw):
    d = dict(indicator=indicator, area=area, area_code=CODES[area],
             level="city" if area == "湛江市" else "county", period=period, value=value,
             unit="亿元", kind="actual", cumulative=len(period) > 4)
    d.update(kw)
    return d


@pytest.fixture
def bulletin_df():
    # Total: 69.44 on 65.38 → +6.21% ("6.2%"); 一季度 30.00 on 28.54 → +5.12% ("5.1%");
    # 6.2 − 5.1 = 1.1 points. Counties: 廉江 10 on 8.70 → +14.94%; 遂溪 5 on 4.53 → +10.38%;
    # 赤坎 2.1 on 2.0 → +5.0%; 坡头 3 on 3.106 → −3.41%.
    return tidy_frame([
        row("湛江市", "2023-06", 69.44), row("湛江市", "2022-06", 65.38),
        row("湛江市", "2023-03", 30.00), row("湛江市", "2022-03", 28.54),
        row("廉江市", "2023-06", 10), row("廉江市", "2022-06", 8.70),
        row("遂溪县", "2023-06", 5), row("遂溪县", "2022-06", 4.53),
        row("赤坎区", "2023-06", 2.1), row("赤坎区", "2022-06", 2.0),
        row("坡头区", "2023-06", 3), row("坡头区", "2022-06", 3.106),
    ])


def test_domain_example_paragraph(bulletin_df):
    text = describe(bulletin_df, "budget_revenue", "2023-06", pace_against="quarter", config=CONFIG)
    assert text == ("1-6月，全市一般公共预算收入69.44亿元，同比增长6.2%，增速比一季度提高1.1个百分点。"
                    "分县看，廉江市（14.9%）、遂溪县（10.4%）增速居前，坡头区同比下降3.4%。")


def test_facts_agree_with_the_tables(bulletin_df):
    facts = describe_facts(bulletin_df, "budget_revenue", "2023-06", pace_against="quarter",
                           config=CONFIG)
    table = yoy(bulletin_df).set_index(["area", "period"])
    assert facts["value"] == 69.44
    assert facts["growth"] == table.loc[("湛江市", pd.Period("2023-06")), "growth"]
    assert facts["prev_growth"] == table.loc[("湛江市", pd.Period("2023-03")), "growth"]
    assert [x["area"] for x in facts["leaders"]] == ["廉江市", "遂溪县"]
    assert facts["leaders"][0]["growth"] == table.loc[("廉江市", pd.Period("2023-06")), "growth"]
    assert [x["area"] for x in facts["decliners"]] == ["坡头区"]
    assert facts["period_words"] == "1-6月" and facts["pace_words"] == "一季度"


def test_no_input_mutation_and_top_level_name(bulletin_df):
    before = bulletin_df.copy(deep=True)
    assert baimq.describe(bulletin_df, "budget_revenue", "2023-06", config=CONFIG)
    pd.testing.assert_frame_equal(bulletin_df, before)


def test_pace_against_previous_month_and_narrowing_decline():
    # 1-5月: 40 on 44 → −9.1%; 1-6月: 48 on 50 → −4.0%: 降幅收窄 (9.1 − 4.0 =) 5.1 points
    df = tidy_frame([row("湛江市", "2023-05", 40), row("湛江市", "2022-05", 44),
                     row("湛江市", "2023-06", 48), row("湛江市", "2022-06", 50)])
    text = describe(df, "budget_revenue", "2023-06", config=CONFIG)
    assert text == "1-6月，全市一般公共预算收入48.00亿元，同比下降4.0%，降幅比1-5月收窄5.1个百分点。"


def test_annual_several_decliners():
    # 2022 on 2021: total 90 on 100 → −10%; 廉江 9 on 10 → −10%; 坡头 19 on 20 → −5%;
    # 遂溪 30 on 25 → +20%. With top=1 only 遂溪 leads; the two declines are listed by size.
    df = tidy_frame([row("湛江市", "2022", 90), row("湛江市", "2021", 100),
                     row("湛江市", "2020", 80),
                     row("廉江市", "2022", 9), row("廉江市", "2021", 10),
                     row("坡头区", "2022", 19), row("坡头区", "2021", 20),
                     row("遂溪县", "2022", 30), row("遂溪县", "2021", 25)])
    text = describe(df, "budget_revenue", "2022", top=1, config=CONFIG)
    # 2021 on 2020: +25% → 2022 −10%: 回落35.0个百分点
    assert text == ("2022年，全市一般公共预算收入90.00亿元，比上年减少10.00亿元，下降10.0%，"
                    "增速比上年回落35.0个百分点。分县看，遂溪县（20.0%）增速居前，"
                    "廉江市、坡头区比上年分别下降10.0%、5.0%。")


def test_comparable_growth_across_basis_change():
    df = tidy_frame([row("湛江市", "2024", 164.96),
                     row("湛江市", "2025", 215.10, basis="新口径", stated_growth=0.069)])
    facts = describe_facts(df, "budget_revenue", "2025", config=CONFIG)
    assert facts["growth"] is None and facts["comparable_growth"] == pytest.approx(0.069)
    assert describe(df, "budget_revenue", "2025", config=CONFIG) == \
        "2025年，全市一般公共预算收入215.10亿元，可比增长6.9%。"


def test_basis_change_without_comparable_rate_says_so():
    df = tidy_frame([row("湛江市", "2024", 164.96), row("湛江市", "2025", 215.10, basis="新口径")])
    assert describe(df, "budget_revenue", "2025", config=CONFIG) == \
        "2025年，全市一般公共预算收入215.10亿元（口径变化，无可比基数）。"


def test_progress_sentence_with_lights():
    # 农村公路 as of 2023-06 (时序进度 6/12 = 50%): 廉江 25 of 50 km = 50% (on time);
    # 遂溪 18 of 40 = 45% (5 below, yellow); 坡头 6 of 20 = 30% (20 below, red).
    # City: 49 of 110 = 44.5% (5.5 below).
    ind = dict(indicator="road_completed_km", unit="公里", cumulative=True)
    tgt = dict(indicator="road_planned_km", unit="公里", kind="target", cumulative=False)
    df = tidy_frame([row("湛江市", "2023-06", 49, **ind), row("湛江市", "2023", 110, **tgt),
                     row("廉江市", "2023-06", 25, **ind), row("廉江市", "2023", 50, **tgt),
                     row("遂溪县", "2023-06", 18, **ind), row("遂溪县", "2023", 40, **tgt),
                     row("坡头区", "2023-06", 6, **ind), row("坡头区", "2023", 20, **tgt)])
    facts = describe_facts(df, "road_completed_km", "2023-06", config=CONFIG)
    assert facts["time_progress"] == 0.5 and facts["light"] == "yellow"
    assert [(x["area"], x["light"]) for x in facts["behind"]] == [("坡头区", "red"), ("遂溪县", "yellow")]
    text = describe(df, "road_completed_km", "2023-06", config=CONFIG)
    assert text.endswith("从进度看，全市完成年度目标任务的44.5%，时序进度50.0%；"
                         "坡头区（30.0%，红灯）、遂溪县（45.0%，黄灯）进度滞后。")
    assert text.startswith("1-6月，全市累计完工里程49.00公里（无上年数据）。")


def test_missing_data_is_a_data_error(bulletin_df):
    with pytest.raises(DataError, match="湛江市"):
        describe(bulletin_df, "budget_revenue", "2021-06", config=CONFIG)


def test_batches_must_be_named():
    df = tidy_frame([row("湛江市", "2023", 12, indicator="bond_new", batch="提前批次"),
                     row("湛江市", "2022", 10, indicator="bond_new", batch="提前批次")])
    with pytest.raises(DataError, match="提前批次"):
        describe(df, "bond_new", "2023", config=CONFIG)
    assert describe(df, "bond_new", "2023", batch="提前批次", config=CONFIG) == \
        "2023年提前批次，全市新增债券12.00亿元，比上年同批次增加2.00亿元，增长20.0%。"  # 12 − 10 = 2; 2/10


def test_counts_are_whole_numbers():
    ind = dict(indicator="coop_count", unit="家", cumulative=False)
    df = tidy_frame([row("湛江市", "2023-06", 8021, **ind), row("湛江市", "2022-06", 7600, **ind)])
    # 8021 / 7600 − 1 = 5.54%
    assert describe(df, "coop_count", "2023-06", config=CONFIG) == \
        "截至6月底，全市农民合作社8021家，同比增长5.5%。"


# ---------------------------------------------------------------- wording edge cases
def _two_years(values_now, values_before, period_now="2022", period_before="2021", unit="亿元",
               indicator="budget_revenue"):
    rows = []
    for area, level, now, before in values_now:
        rows.append(dict(indicator=indicator, area=area, level=level, period=period_now, value=now, unit=unit,
                         area_code={"湛江市": "440800", "赤坎区": "440802", "霞山区": "440803"}[area]))
        rows.append(dict(indicator=indicator, area=area, level=level, period=period_before, value=before,
                         unit=unit, area_code=rows[-1]["area_code"]))
    return tidy_frame(rows)


def test_when_every_county_declines_the_leaders_fall_least():
    # 赤坎区 90/100 → −10.0%, 霞山区 80/100 → −20.0%; city 170/200 → −15.0%
    df = _two_years([("湛江市", "city", 170, 200), ("赤坎区", "county", 90, 100), ("霞山区", "county", 80, 100)], [])
    text = describe(df, "budget_revenue", "2022", top=1, config=CONFIG)
    assert "赤坎区（-10.0%）降幅较小" in text
    assert "增速居前" not in text


def test_no_progress_sentence_without_a_target():
    df = _two_years([("湛江市", "city", 105, 100), ("赤坎区", "county", 55, 50), ("霞山区", "county", 50, 50)], [])
    text = describe(df, "budget_revenue", "2022", config=CONFIG)
    assert "时序进度" not in text and "从进度看" not in text


def test_stock_pace_is_compared_with_the_month_end_without_jie_zhi():
    # coop stock: 2023-06 110 vs 2022-06 100 (+10.0%); 2023-05 105 vs 2022-05 100 (+5.0%)
    rows = [dict(indicator="coop_count", area="湛江市", area_code="440800", level="city", period=p, value=v,
                 unit="家") for p, v in [("2023-06", 110), ("2022-06", 100), ("2023-05", 105), ("2022-05", 100)]]
    text = describe(tidy_frame(rows), "coop_count", "2023-06", config=CONFIG)
    assert "增速比5月底提高5.0个百分点" in text

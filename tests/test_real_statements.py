"""Published statements reproduced from the reference tables in data/reference.

Sources: 湛江市财政局 决算报告 (2020, 2022), 湛江市2025年预算执行情况报告, 广东省2025年预算 表68
(see the ``source`` column of each CSV).
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from baimq import words
from baimq.compare import share, yoy
from baimq.config import get_project
from baimq.narrative import describe, describe_facts
from baimq.schema import tidy_frame

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "data" / "reference"
CONFIG = get_project(ROOT / "baimq.toml")


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, dtype={"code": str}, keep_default_na=False)


@pytest.fixture(scope="module")
def zhanjiang_revenue() -> pd.DataFrame:
    """湛江's annual 一般公共预算收入 2018-2025; a note on a row marks the new basis."""
    src = _read("gd_city_budget_revenue_2018_2025.csv")
    src = src[src["city"] == "湛江市"]
    return tidy_frame(
        dict(indicator="budget_revenue", area=r.city, area_code=r.code, level="city",
             period=str(r.year), value=float(r.budget_revenue_yi_yuan), unit="亿元",
             basis="新口径" if r.note else "",
             source=f"gd_city_budget_revenue_2018_2025.csv!year={r.year}")
        for r in src.itertuples())


def _stated(year: int, indicator: str, area: str = "湛江市") -> str:
    off = _read("zhanjiang_fiscal_official.csv")
    hit = off[(off["year"] == year) & (off["indicator"] == indicator) & (off["area"] == area)]
    return hit["stated_change"].iloc[0]


def _stated_rate(text: str) -> float:
    m = re.search(r"(增长|下降)(\d+(?:\.\d+)?)%", text)
    return (1 if m.group(1) == "增长" else -1) * float(m.group(2))


@pytest.mark.parametrize("year, expected", [
    (2020, "增长5.0%"),     # 137.78 on 131.27 (湛江市财政局 2020 决算报告: "增长5%")
    (2022, "下降14.6%"),    # 136.94 on 160.40 (2022 决算报告: "下降14.6%")
])
def test_budget_revenue_growth_statements(zhanjiang_revenue, year, expected):
    r = yoy(zhanjiang_revenue).set_index("period").loc[pd.Period(str(year), "Y")]
    assert words.growth_words(r["growth"]) == expected
    # and the statement as published, to its own precision
    stated = _stated_rate(_stated(year, "一般公共预算收入"))
    assert float(words.round_half_up(r["growth"] * 100, 1)) == pytest.approx(stated, abs=0.05)


def test_budget_revenue_2025_has_no_nominal_rate(zhanjiang_revenue):
    # 2025 is on the new basis (215.10), 2024 on the old (164.96): a nominal +30.4% would be wrong
    r = yoy(zhanjiang_revenue).set_index("period").loc[pd.Period("2025", "Y")]
    assert pd.isna(r["growth"]) and r["growth_note"] == "口径变化，无可比基数"
    assert words.growth_words(r["growth"]) == "—"


def test_budget_revenue_2025_comparable_growth_in_words(zhanjiang_revenue):
    # the report states "可比增长6.9%": carried as the row's stated growth
    stated = _stated_rate(_stated(2025, "一般公共预算收入")) / 100
    df = zhanjiang_revenue.copy()
    df.loc[df["period"] == pd.Period("2025", "Y"), "stated_growth"] = stated
    assert describe(df, "budget_revenue", "2025", config=CONFIG) == \
        "2025年，全市一般公共预算收入215.10亿元，可比增长6.9%。"


@pytest.fixture(scope="module")
def new_bonds_2025() -> pd.DataFrame:
    """新增债券 (new debt limit) by city, 2025, from 广东省2025年预算 表68, plus 湛江's 2024
    figure as a stated base row. The 2024 figure, 163.00, is not in the reference tables: it
    is implied by the 2025 statement "比上年增加50.27亿元" (213.27 − 50.27)."""
    src = _read("gd_new_debt_limit_by_city_2025.csv")
    levels = {"广东省": "province", "广东省本级": "province_own", "地市小计": "subtotal"}
    codes = {"广东省": "440000", "广东省本级": "440000BJ", "地市小计": "440000XJ"}
    div = pd.read_csv(REF / "gd_divisions_2022.csv", dtype=str)
    codes.update(dict(zip(div["name"], div["code"])))
    rows = [dict(indicator="bond_new", area=r.region, area_code=codes[r.region],
                 level=levels.get(r.region, "city"), period="2025",
                 value=float(r.new_debt_limit_total), unit="亿元", kind="actual")
            for r in src.itertuples()]
    rows.append(dict(indicator="bond_new", area="湛江市", area_code="440800", level="city",
                     period="2024", value=163.00, unit="亿元", kind="base"))
    return tidy_frame(rows)


def test_new_bonds_2025_statement(new_bonds_2025):
    r = yoy(new_bonds_2025).query("area == '湛江市' and kind == 'actual'").iloc[0]
    assert r["base_source"] == "上年同期"
    assert f"{words.change_words(r['change'], '亿元')}，{words.growth_words(r['growth'])}" == \
        "增加50.27亿元，增长30.8%"          # 50.27 / 163.00 = 30.84%
    assert "增加50.27亿元，增长30.8%" in _stated(2025, "新增债券").replace("比上年", "")
    text = describe(new_bonds_2025, "bond_new", "2025", config=CONFIG)
    assert text == "2025年，全市新增债券213.27亿元，比上年增加50.27亿元，增长30.8%。"


def test_new_bonds_2025_cities_add_up_to_the_subtotal(new_bonds_2025):
    # 表68: the 21 cities add up to 地市小计 5439.23, so their shares of it add up to 100%
    out = share(new_bonds_2025, config=CONFIG)
    cities = out[(out["level"] == "city") & (out["kind"] == "actual")]
    assert len(cities) == 21
    assert (cities["share_base"] == "合计行").all()
    assert cities["share"].sum() == pytest.approx(1.0, abs=1e-4)
    zj = cities.set_index("area").loc["湛江市"]
    assert words.fmt_pct(zj["share"]) == "3.9%"        # 213.27 / 5439.23 = 3.92%


def test_facts_of_2022_statement(zhanjiang_revenue):
    f = describe_facts(zhanjiang_revenue, "budget_revenue", "2022", config=CONFIG)
    assert f["value"] == 136.94 and f["prev_value"] == 160.40
    assert words.growth_words(f["growth"]) == "下降14.6%"
    # 2021 on 2020: 160.40 / 137.78 = +16.4%; 2022: −14.6% → 回落31.0个百分点
    assert words.pace_words(f["growth"], f["prev_growth"]) == "回落31.0个百分点"


# ---------------------------------------------------------------------------------------
# The same statements from the real workbooks in data/raw/real, through the loader.
# Separate from the tests above: skipped while the loader cannot read them.
@pytest.fixture(scope="module")
def loaded_real():
    loader = pytest.importorskip("baimq.loader")
    try:
        return loader.load(ROOT / "data" / "raw" / "real", config=CONFIG, errors="skip")
    except Exception as exc:  # the loader is another part's work: report, don't fail here
        pytest.skip(f"loader could not read data/raw/real: {exc}")


def test_loaded_real_workbooks_reproduce_statements(loaded_real):
    df = loaded_real[(loaded_real["indicator"] == "budget_revenue") & (loaded_real["area"] == "湛江市")]
    if df.empty:
        pytest.skip("no 湛江市 budget revenue in the loaded workbooks")
    assert describe(df, "budget_revenue", "2022", config=CONFIG).startswith(
        "2022年，全市一般公共预算收入136.94亿元，比上年减少23.46亿元，下降14.6%")
    assert describe(df, "budget_revenue", "2025", config=CONFIG) == \
        "2025年，全市一般公共预算收入215.10亿元，可比增长6.9%。"

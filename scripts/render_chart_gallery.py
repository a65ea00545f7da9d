"""Render every baimq chart into a folder, to look at them.

    python scripts/render_chart_gallery.py out/gallery

The county figures are invented sample data for 湛江's nine counties (marked 示例数据 on
each chart); the 21-city comparison uses the published 2022-2023 budget revenues in
data/reference/gd_city_budget_revenue_2018_2025.csv.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from baimq import plots  # noqa: E402
from baimq.schema import tidy_frame  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CITY_REVENUE = ROOT / "data" / "reference" / "gd_city_budget_revenue_2018_2025.csv"

# 2023年1-6月 一般公共预算收入 (亿元) and 同比增速 by county: sample figures.
REVENUE = {"赤坎区": (6.12, 0.051), "霞山区": (8.45, 0.032), "麻章区": (5.30, 0.081),
           "坡头区": (3.21, -0.034), "遂溪县": (7.02, 0.104), "徐闻县": (4.88, 0.0625),
           "廉江市": (14.90, 0.149), "雷州市": (9.75, 0.045), "吴川市": (7.83, 0.072)}
RANK_CHANGE = {"廉江市": 1, "遂溪县": 1, "麻章区": -1, "吴川市": -1, "徐闻县": 0,
               "赤坎区": 2, "雷州市": 0, "霞山区": 0, "坡头区": -2}
CUMULATIVE = {2022: [10.2, 20.1, 31.5, 42.0, 53.3, 65.38, 76.0, 87.1, 99.0, 110.2, 121.5, 136.94],
              2023: [11.0, 21.9, 33.8, 45.1, 57.2, 69.44]}
ROAD_COMPLETION = {"赤坎区": 0.58, "霞山区": 0.52, "麻章区": 0.47, "坡头区": 0.31, "遂溪县": 0.66,
                   "徐闻县": 0.42, "廉江市": 0.71, "雷州市": 0.36, "吴川市": 0.50}
BONDS = {"赤坎区": (0.8, 4.1), "霞山区": (1.2, 6.3), "麻章区": (1.5, 7.9), "坡头区": (0.9, 5.2),
         "遂溪县": (2.1, 9.8), "徐闻县": (1.8, 8.6), "廉江市": (2.6, 12.4), "雷州市": (2.3, 10.5),
         "吴川市": (1.4, 6.9)}
COOPS = {2020: 5890, 2021: 6512, 2022: 7380, 2023: 8023}


def _sample(rows) -> pd.DataFrame:
    df = tidy_frame(rows)
    df.attrs["sample"] = True
    return df


def revenue() -> pd.DataFrame:
    rows = [dict(indicator="budget_revenue", area=a, level="county", period="2023-06", value=v, unit="亿元",
                 cumulative=True, growth=g, rank_change=RANK_CHANGE[a]) for a, (v, g) in REVENUE.items()]
    rows.append(dict(indicator="budget_revenue", area="湛江市", level="city", period="2023-06",
                     value=69.44, unit="亿元", cumulative=True, growth=0.062))
    return _sample(rows)


def cumulative() -> pd.DataFrame:
    return _sample(dict(indicator="budget_revenue", area="湛江市", level="city", period=f"{y}-{m:02d}",
                        value=v, unit="亿元", cumulative=True)
                   for y, vs in CUMULATIVE.items() for m, v in enumerate(vs, 1))


def roads() -> pd.DataFrame:
    return _sample(dict(indicator="road_completed_km", area=a, period="2023-06", value=round(c * 120, 1),
                        unit="公里", cumulative=True, completion=c, time_progress=0.5)
                   for a, c in ROAD_COMPLETION.items())


def bonds() -> pd.DataFrame:
    return _sample(dict(indicator=key, area=a, period="2023", value=parts[i], unit="亿元", batch="提前批次")
                   for a, parts in BONDS.items()
                   for i, key in enumerate(("bond_new_general", "bond_new_special")))


def coops() -> pd.DataFrame:
    return _sample(dict(indicator="coop_count", area="湛江市", level="city", period=str(y), value=v, unit="家")
                   for y, v in COOPS.items())


def cities() -> pd.DataFrame:
    """Published 2023 revenues of the 21 cities, with growth on 2022."""
    raw = pd.read_csv(CITY_REVENUE, dtype={"code": str})
    wide = raw[raw["year"].isin([2022, 2023])].pivot(index="city", columns="year",
                                                     values="budget_revenue_yi_yuan")
    return tidy_frame(dict(indicator="budget_revenue", area=c, level="city", period="2023",
                           value=r[2023], unit="亿元", growth=r[2023] / r[2022] - 1)
                      for c, r in wide.iterrows())


def charts():
    """(file stem, size, draw(ax)) for every chart."""
    rev = revenue()
    return [
        ("bar_by_area", "full", lambda ax: plots.bar_by_area(rev, ax=ax)),
        ("bar_by_area_half", "half", lambda ax: plots.bar_by_area(rev, ax=ax)),
        ("cumulative_vs_last_year", "full", lambda ax: plots.cumulative_vs_last_year(cumulative(), ax=ax)),
        ("rank_bars_growth", "full", lambda ax: plots.rank_bars(rev, by="growth", ax=ax)),
        ("rank_bars_value_half", "half", lambda ax: plots.rank_bars(rev, ax=ax)),
        ("share_donut", "full", lambda ax: plots.share_chart(rev, ax=ax)),
        ("share_bar", "full", lambda ax: plots.share_chart(rev, kind="bar", ax=ax)),
        ("progress_bullets", "full", lambda ax: plots.progress_bullets(roads(), ax=ax)),
        ("bond_split", "full", lambda ax: plots.bond_split(bonds(), ax=ax)),
        ("count_over_time", "half", lambda ax: plots.count_over_time(coops(), ax=ax)),
        ("city_compare_value", "full", lambda ax: plots.city_compare(
            cities(), ax=ax, source="数据来源：各市统计年鉴、财政预决算报告")),
        ("city_compare_growth", "full", lambda ax: plots.city_compare(
            cities(), by="growth", ax=ax, source="数据来源：各市统计年鉴、财政预决算报告")),
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="把 baimq 的全部图表画到一个文件夹里（PNG）")
    parser.add_argument("folder", help="输出文件夹，例如 out/gallery")
    args = parser.parse_args(argv)
    folder = Path(args.folder)
    for stem, size, draw in charts():
        fig, ax = plots.new_figure(size)
        draw(ax)
        plots.save_figure(fig, folder / f"{stem}.png")
        plt.close(fig)
        print(folder / f"{stem}.png")


if __name__ == "__main__":
    main()

"""baimq.plots: tested on what is drawn (bars, labels, colours, titles), not on pixels."""
from __future__ import annotations

import logging
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from baimq import plots  # noqa: E402
from baimq.schema import tidy_frame  # noqa: E402

MINUS = "\u2212"


@pytest.fixture(autouse=True)
def _close_figures(monkeypatch):
    """Close every figure after each test; keep rcParams and the font setting as found."""
    monkeypatch.delenv("BAIMQ_FONT", raising=False)
    with mpl.rc_context():
        yield
    plt.close("all")


# --------------------------------------------------------------------------- small tables
@pytest.fixture
def revenue():
    """1-6月 revenue of three counties with growth, and the city total (not a bar)."""
    rows = [
        dict(area="遂溪县", value=7.02, growth=0.104, rank_change=1.0),
        dict(area="廉江市", value=14.90, growth=0.149, rank_change=0.0),
        dict(area="坡头区", value=3.21, growth=-0.034, rank_change=-1.0),
        dict(area="湛江市", value=69.44, growth=0.062, level="city", rank_change=np.nan),
    ]
    return tidy_frame({"indicator": "budget_revenue", "period": "2023-06", "unit": "亿元", "cumulative": True,
                       "level": "county", **r} for r in rows)


@pytest.fixture
def cumulative():
    """湛江市 cumulative revenue, 1-12月 2022 and 1-3月 2023."""
    last = [12.0, 25.0, 40.0, 52.0, 64.0, 75.0, 86.0, 97.0, 108.0, 119.0, 128.0, 136.94]
    this = [13.0, 26.5, 42.0]
    rows = [dict(period=f"2022-{m:02d}", value=v) for m, v in enumerate(last, 1)]
    rows += [dict(period=f"2023-{m:02d}", value=v) for m, v in enumerate(this, 1)]
    return tidy_frame(dict(indicator="budget_revenue", area="湛江市", level="city", unit="亿元",
                           cumulative=True, **r) for r in rows)


@pytest.fixture
def roads():
    """Completion against 时序进度 0.5: 62% green, 45% yellow (5 points below), 30% red (20 below)."""
    rows = [dict(area="廉江市", completion=0.62), dict(area="遂溪县", completion=0.45),
            dict(area="坡头区", completion=0.30)]
    return tidy_frame(dict(indicator="road_completed_km", period="2023-06", unit="公里", value=10.0,
                           cumulative=True, time_progress=0.5, **r) for r in rows)


@pytest.fixture
def bonds():
    """廉江市 1 + 4 = 5 亿元, 遂溪县 2 + 1 = 3 亿元; 专项 5 of 8 = 62.5%."""
    rows = [("廉江市", "bond_new_general", 1.0), ("廉江市", "bond_new_special", 4.0),
            ("遂溪县", "bond_new_general", 2.0), ("遂溪县", "bond_new_special", 1.0)]
    return tidy_frame(dict(indicator=k, area=a, value=v, period="2023", unit="亿元", batch="提前批次")
                      for a, k, v in rows)


@pytest.fixture
def coops():
    rows = [("2021", 6512.0), ("2022", 7380.0), ("2023", 8023.0)]
    return tidy_frame(dict(indicator="coop_count", area="湛江市", level="city", period=p, value=v, unit="家")
                      for p, v in rows)


@pytest.fixture
def cities():
    """Three cities and the province row (not a bar)."""
    rows = [("广州市", "city", 100.0, 0.05), ("湛江市", "city", 50.0, 0.12), ("茂名市", "city", 60.0, 0.03),
            ("广东省", "province", 1000.0, 0.04)]
    return tidy_frame(dict(indicator="budget_revenue", area=a, level=lv, value=v, growth=g, period="2023",
                           unit="亿元") for a, lv, v, g in rows)


def _colour(patch) -> str:
    return to_hex(patch.get_facecolor())


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def _source(ax) -> str:
    label = ax.figure.get_supxlabel()
    return label


# --------------------------------------------------------------------------- style helpers
def test_new_figure_sizes():
    fig, ax = plots.new_figure()
    assert tuple(fig.get_size_inches()) == pytest.approx((13.333, 7.5))
    fig, ax = plots.new_figure("half")
    assert tuple(fig.get_size_inches()) == pytest.approx((6.667, 7.5))
    with pytest.raises(ValueError, match="图幅"):
        plots.new_figure("quarter")


def test_add_source_adds_prefix_once():
    fig, _ = plots.new_figure()
    assert plots.add_source(fig, "市财政局").get_text() == "数据来源：市财政局"
    assert plots.add_source(fig, "数据来源：市统计局").get_text() == "数据来源：市统计局"
    assert fig.get_supxlabel() == "数据来源：市统计局"  # replaced, not a second line


def test_set_title_wraps_a_long_title_after_a_comma():
    fig, ax = plots.new_figure("half")
    title = plots.set_title(ax, "廉江市一般公共预算收入全市第一，赤坎区位次上升2位")
    assert title.get_text() == "廉江市一般公共预算收入全市第一，\n赤坎区位次上升2位"


def test_source_text_marks_sample_data(revenue):
    assert plots.source_text(revenue) == "数据来源：市财政局"
    marked = revenue.copy()
    marked.attrs["sample"] = True
    assert plots.source_text(marked) == "数据来源：市财政局（示例数据）"
    from_sample_folder = revenue.assign(source="sample/budget_2023_06.xlsx!Sheet1!C5")
    assert plots.source_text(from_sample_folder).endswith("（示例数据）")
    assert plots.source_text(revenue, "市统计局") == "数据来源：市统计局"
    assert plots.source_text(revenue, False) is None


def test_labels_round_half_up():
    assert plots.fmt_value(6.125, "亿元") == "6.13"  # banker's rounding would give 6.12
    assert plots.fmt_value(8022.5, "家") == "8023"
    assert plots.fmt_growth(0.0625) == "+6.3%"     # 6.25 → 6.3
    assert plots.fmt_growth(-0.034) == f"{MINUS}3.4%"
    assert plots.fmt_growth(0.0) == "0.0%"
    assert plots.fmt_growth(float("nan")) == "—"


# --------------------------------------------------------------------------- charts
def test_bar_by_area_sorted_bars_with_value_and_growth_labels(revenue):
    ax = plots.bar_by_area(revenue)
    # the city total (69.44) is not a bar; bars largest first
    assert [p.get_height() for p in ax.patches] == [14.90, 7.02, 3.21]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["廉江市", "遂溪县", "坡头区"]
    assert _texts(ax) == ["14.90\n+14.9%", "7.02\n+10.4%", f"3.21\n{MINUS}3.4%", ax.texts[-1].get_text()]
    # fastest growth (廉江市 14.9%) in the accent colour, the rest muted
    assert [_colour(p) for p in ax.patches] == [plots.ACCENT.lower(), plots.MUTED.lower(), plots.MUTED.lower()]
    assert ax.get_title(loc="left") == "廉江市增速全市第一"
    assert "全市增长6.2%" in ax.texts[-1].get_text()  # subtitle from the total row
    assert _source(ax) == "数据来源：市财政局"


def test_bar_by_area_highlight_title_and_given_axes(revenue):
    fig, ax = plt.subplots(figsize=(13.333, 7.5))
    out = plots.bar_by_area(revenue, highlight="坡头区", title="坡头区同比下降", ax=ax)
    assert out is ax
    assert ax.get_title(loc="left") == "坡头区同比下降"
    assert [_colour(p) for p in ax.patches][2] == plots.ACCENT.lower()


def test_bar_by_area_without_growth_names_the_largest(revenue):
    ax = plots.bar_by_area(revenue.drop(columns="growth"))
    assert ax.get_title(loc="left") == "廉江市一般公共预算收入全市第一"
    assert _texts(ax)[:3] == ["14.90", "7.02", "3.21"]


def test_bar_by_area_refuses_two_periods(revenue):
    other = revenue.copy()
    other["period"] = [pd.Period("2023-05", "M")] * len(other)
    with pytest.raises(ValueError, match="只画一个期间"):
        plots.bar_by_area(pd.concat([revenue, other], ignore_index=True))


def test_cumulative_vs_last_year(cumulative):
    ax = plots.cumulative_vs_last_year(cumulative)
    this, last = ax.lines[0], ax.lines[1]
    assert list(this.get_xdata()) == [1, 2, 3] and list(this.get_ydata()) == [13.0, 26.5, 42.0]
    assert list(last.get_xdata()) == list(range(1, 13))
    assert this.get_label() == "2023年" and last.get_label() == "2022年"
    # 42.00 on 40.00: (42 − 40) / 40 = 5.0%
    assert ax.get_title(loc="left") == "1-3月累计42.00亿元，同比增长5.0%"
    assert "42.00" in _texts(ax) and "136.94" in _texts(ax)


def test_cumulative_vs_last_year_needs_an_area_when_there_is_no_total(cumulative):
    two = pd.concat([cumulative.assign(level="county"),
                     cumulative.assign(level="county", area="廉江市")], ignore_index=True)
    with pytest.raises(ValueError, match="area="):
        plots.cumulative_vs_last_year(two)
    ax = plots.cumulative_vs_last_year(two, area="廉江市")
    assert "廉江市" in ax.texts[-1].get_text()


def test_rank_bars_by_growth_with_rank_changes(revenue):
    ax = plots.rank_bars(revenue, by="growth")
    assert [p.get_width() for p in ax.patches] == [0.149, 0.104, -0.034]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1  廉江市", "2  遂溪县", "3  坡头区"]
    changes = {t.get_text(): to_hex(t.get_color()) for t in ax.texts if t.get_text()[:1] in "▲▼—"}
    assert changes == {"—": to_hex(plots.FLAT), "▲1": to_hex(plots.UP), "▼1": to_hex(plots.DOWN)}
    assert ax.get_title(loc="left") == "廉江市增速全市第一，遂溪县位次上升1位"
    assert _colour(ax.patches[0]) == plots.ACCENT.lower()


def test_rank_bars_by_value_ties_share_a_rank(revenue):
    tied = revenue.drop(columns="rank_change")
    tied.loc[tied["area"] == "坡头区", "value"] = 7.02
    ax = plots.rank_bars(tied)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1  廉江市", "2  遂溪县", "2  坡头区"]
    assert ax.get_title(loc="left") == "廉江市一般公共预算收入全市第一"


def test_share_donut_angles_follow_the_shares(revenue):
    parts = revenue[revenue["level"] == "county"].assign(value=[3.0, 6.0, 1.0])  # 遂溪 3, 廉江 6, 坡头 1
    ax = plots.share_chart(parts)
    spans = [round((w.theta2 - w.theta1) % 360, 6) for w in ax.patches]
    assert spans == [216.0, 108.0, 36.0]  # 60%, 30%, 10% of 360°
    assert ax.get_title(loc="left") == "廉江市占比最高，达60.0%"
    assert "廉江市 60.0%" in _texts(ax)


def test_share_bar_with_total_row_draws_the_rest(revenue):
    # 14.90 / 69.44 = 21.46% → 21.5%; the counties' 25.13 leave 44.31 (63.8%) as 其他
    ax = plots.share_chart(revenue, kind="bar")
    widths = [p.get_width() for p in ax.patches]
    assert widths[0] == pytest.approx(14.90 / 69.44)
    assert widths[-1] == pytest.approx(1 - 25.13 / 69.44)
    assert ax.get_title(loc="left") == "廉江市占比最高，达21.5%"
    assert any(t.startswith("其他") for t in _texts(ax))


def test_progress_bullets_lights_and_time_progress(roads):
    ax = plots.progress_bullets(roads)
    bars = ax.patches[3:]  # the first three are the 100% background
    assert [p.get_width() for p in bars] == [0.62, 0.45, 0.30]
    assert [_colour(p) for p in bars] == [plots.LIGHT_COLOURS[c].lower() for c in ("green", "yellow", "red")]
    assert list(ax.lines[0].get_xdata()) == [0.5, 0.5]
    assert "时序进度50.0%" in _texts(ax)
    assert "30.0%（落后20.0个百分点）" in _texts(ax)
    assert ax.get_title(loc="left") == "坡头区亮红灯，进度落后于时序进度"


def test_progress_bullets_from_target_and_given_lights(roads):
    from_target = roads.drop(columns=["completion", "time_progress"]).assign(
        value=[30.0, 24.0, 60.0], target=[60.0, 40.0, 60.0])  # 50%, 60%, 100%
    ax = plots.progress_bullets(from_target, time_progress=0.5)
    assert [p.get_width() for p in ax.patches[3:]] == [1.0, 0.6, 0.5]
    assert ax.get_title(loc="left") == "各地均达到时序进度"
    lit = roads.assign(light=["green", "yellow", "yellow"])
    assert plots.progress_bullets(lit).get_title(loc="left").startswith("遂溪县、坡头区亮黄灯")
    with pytest.raises(ValueError, match="时序进度"):
        plots.progress_bullets(roads.drop(columns="time_progress"))


def test_bond_split_stacks_general_under_special(bonds):
    ax = plots.bond_split(bonds)
    general, special = ax.patches[:2], ax.patches[2:]
    assert [p.get_height() for p in general] == [1.0, 2.0]
    assert [p.get_height() for p in special] == [4.0, 1.0]
    assert [p.get_y() for p in special] == [1.0, 2.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["廉江市", "遂溪县"]
    assert ax.get_title(loc="left") == "专项债券占62.5%，廉江市最多（5.00亿元）"
    assert "5.00" in _texts(ax) and "3.00" in _texts(ax)


def test_count_over_time(coops):
    ax = plots.count_over_time(coops)
    assert [p.get_height() for p in ax.patches] == [6512.0, 7380.0, 8023.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2021年底", "2022年底", "2023年底"]
    assert _colour(ax.patches[-1]) == plots.ACCENT.lower()
    # 8023 − 6512 = 1511
    assert ax.get_title(loc="left") == "农民合作社达8023家，比2021年底增加1511家"


def test_city_compare_highlights_the_project_city(cities):
    ax = plots.city_compare(cities)
    assert [p.get_width() for p in ax.patches] == [100.0, 60.0, 50.0]  # no province bar
    assert [t.get_text() for t in ax.get_yticklabels()] == ["广州市", "茂名市", "湛江市"]
    assert [_colour(p) for p in ax.patches] == [plots.MUTED.lower()] * 2 + [plots.ACCENT.lower()]
    assert ax.get_title(loc="left") == "湛江市一般公共预算收入居全省第3位"
    ax = plots.city_compare(cities, by="growth", highlight="茂名市")
    assert ax.get_title(loc="left") == "茂名市增速居全省第3位"
    assert ax.get_title(loc="left") != plots.city_compare(cities, by="growth").get_title(loc="left")


ALL_CHARTS = [
    ("bar_by_area", lambda d: plots.bar_by_area(d["revenue"])),
    ("cumulative_vs_last_year", lambda d: plots.cumulative_vs_last_year(d["cumulative"])),
    ("rank_bars", lambda d: plots.rank_bars(d["revenue"], by="growth")),
    ("share_donut", lambda d: plots.share_chart(d["revenue"])),
    ("share_bar", lambda d: plots.share_chart(d["revenue"], kind="bar")),
    ("progress_bullets", lambda d: plots.progress_bullets(d["roads"])),
    ("bond_split", lambda d: plots.bond_split(d["bonds"])),
    ("count_over_time", lambda d: plots.count_over_time(d["coops"])),
    ("city_compare", lambda d: plots.city_compare(d["cities"], by="growth")),
]


@pytest.fixture
def tables(revenue, cumulative, roads, bonds, coops, cities):
    return dict(revenue=revenue, cumulative=cumulative, roads=roads, bonds=bonds, coops=coops, cities=cities)


@pytest.mark.parametrize("name,draw", ALL_CHARTS, ids=[n for n, _ in ALL_CHARTS])
def test_every_chart_renders_without_warnings_and_leaves_its_input_alone(name, draw, tables, caplog):
    before = {k: v.copy(deep=True) for k, v in tables.items()}
    with warnings.catch_warnings(), caplog.at_level(logging.INFO, logger="matplotlib"):
        warnings.simplefilter("error")  # any "Glyph … missing from font" fails the test
        ax = draw(tables)
        ax.figure.canvas.draw()
    assert not [r for r in caplog.records if r.levelno >= logging.INFO and "font" in r.getMessage().lower()]
    for key, frame in tables.items():
        pd.testing.assert_frame_equal(frame, before[key])
    title = ax.title if ax.get_title() else ax._left_title
    assert Path(font_manager.findfont(title.get_fontproperties())).name == "NotoSansSC-Regular.otf"
    assert ax.figure.get_supxlabel().startswith("数据来源：")


# --------------------------------------------------------------------------- saving
@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_save_figure_is_byte_identical(suffix, revenue, tmp_path):
    ax = plots.bar_by_area(revenue)
    engine = ax.figure.get_layout_engine()
    first = plots.save_figure(ax.figure, tmp_path / f"a.{suffix}")
    assert ax.figure.get_layout_engine() is engine  # the figure keeps its layout
    second = plots.save_figure(ax.figure, tmp_path / "again" / f"b.{suffix}")
    assert first.read_bytes() == second.read_bytes()
    data = first.read_bytes()
    assert b"Matplotlib" not in data and b"matplotlib.org" not in data  # no software stamp
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_save_figure_png_has_the_slide_size(revenue, tmp_path):
    from PIL import Image

    path = plots.save_figure(plots.bar_by_area(revenue).figure, tmp_path / "a.png", dpi=100)
    with Image.open(path) as im:
        assert im.size == (1333, 750)  # 13.333 × 7.5 in at 100 dpi


def test_save_figure_refuses_data_raw_and_unknown_suffix(revenue, tmp_path):
    fig = plots.bar_by_area(revenue).figure
    raw = tmp_path / "data" / "raw" / "chart.png"
    with pytest.raises(ValueError, match="data/raw"):
        plots.save_figure(fig, raw)
    assert not raw.exists()
    with pytest.raises(ValueError, match="PNG、SVG 或 PDF"):
        plots.save_figure(fig, tmp_path / "chart.jpg")


def test_city_compare_by_growth_refuses_when_no_city_has_a_comparable_growth():
    # 2025: every city on the new basis, so yoy leaves growth empty with a note
    rows = pd.DataFrame({"indicator": ["budget_revenue"] * 2, "area": ["广州市", "湛江市"],
                         "area_code": ["440100", "440800"], "level": ["city", "city"],
                         "period": [pd.Period("2025", "Y")] * 2, "value": [2000.0, 215.1],
                         "unit": ["亿元"] * 2, "kind": ["actual"] * 2, "source": ["a.xlsx!S!B2"] * 2,
                         "growth": [float("nan")] * 2, "growth_note": ["口径变化，无可比基数"] * 2})
    with pytest.raises(ValueError, match="口径变化"):
        plots.city_compare(rows, by="growth")

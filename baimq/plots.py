"""Charts for the bulletin slides.

Every chart function works the seaborn way: it takes a tidy table (:mod:`baimq.schema`,
possibly with the columns :mod:`baimq.compare` adds), keyword-only options and ``ax=None``;
it draws and returns the Axes, and never shows or saves. With ``ax=None`` it makes a new
16:9 slide figure (:func:`new_figure`). The source line goes under a figure that holds this
one chart; in a figure of several charts call :func:`add_source` once yourself.

Each chart's default title states the finding computed from the data ("廉江市增速全市第一");
``title=`` overrides it. ``source=None`` writes "数据来源：<the catalogue's department>"
(with "（示例数据）" for sample data), a string replaces it, ``False`` leaves it out.

:func:`save_figure` writes PNG, SVG or PDF with identical bytes for the same figure, atomically,
and never inside ``data/raw``.

Colours: one accent (:data:`ACCENT`) marks the finding; the rest is muted grey. Rank changes
follow the Chinese convention: up ▲ in red, down ▼ in green.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from . import fonts
from .words import DASH, fmt_number, fmt_pct, growth_words, period_words

STYLE_FILE = Path(__file__).resolve().parent / "style" / "slide.mplstyle"
#: Figure sizes in inches: a whole 16:9 slide, and half of one (left or right column).
SIZES = {"full": (13.333, 7.5), "half": (6.667, 7.5)}
ACCENT = "#C0392B"
MUTED = "#B4BEC9"
MUTED_DARK = "#5B6B7F"
BACKGROUND = "#E9EDF1"
UP, DOWN, FLAT = "#C0392B", "#2E8B57", "#8A8A8A"
LIGHT_COLOURS = {"green": "#2E9D5B", "yellow": "#E0A100", "red": "#D64541"}
SOURCE_PREFIXES = ("数据来源", "资料来源", "来源")
SAMPLE_NOTE = "（示例数据）"
# Levels that are totals of the others and are not drawn as one of the bars.
TOTAL_LEVELS = ("province", "subtotal", "city")
DIGITS = {"亿元": 2, "万元": 0, "元": 0, "公里": 1, "家": 0, "个": 0, "户": 0, "所": 0}
BOND_PARTS = ("bond_new_general", "bond_new_special")


# --------------------------------------------------------------------------- style
def use_style() -> None:
    """Apply the slide style and the Chinese fonts to matplotlib (idempotent)."""
    plt.style.use(STYLE_FILE)
    fonts.setup()


def new_figure(size: str | tuple[float, float] = "full"):
    """A new slide figure and its Axes.

    Parameters
    ----------
    size : {"full", "half"} or (width, height)
        ``"full"`` is a whole 16:9 slide (13.333 × 7.5 in), ``"half"`` one column of it.

    Returns
    -------
    (Figure, Axes)
    """
    use_style()
    if isinstance(size, str):
        if size not in SIZES:
            raise ValueError(f"图幅只能是 {'、'.join(SIZES)}，收到「{size}」")
        size = SIZES[size]
    fig = plt.figure(figsize=size)
    return fig, fig.add_subplot()


def add_source(fig, text: str):
    """Write the source line under the figure ("数据来源：市财政局"); return the Text.

    A text that does not start with 数据来源/资料来源 gets "数据来源：" in front. Calling it
    again replaces the line.
    """
    text = str(text)
    if not text.startswith(SOURCE_PREFIXES):
        text = f"数据来源：{text}"
    size = 0.75 * mpl.rcParams["font.size"]
    return fig.supxlabel(text, x=0.01, ha="left", fontsize=size, color="#666666")


def set_title(ax, text: str, subtitle: str = ""):
    """The finding as the title (left, large), with an optional smaller line under it."""
    if subtitle:
        size = 0.8 * mpl.rcParams["font.size"] * _scale(ax)
        ax.text(0, 1.015, subtitle, transform=ax.transAxes, ha="left", va="bottom",
                fontsize=size, color="#666666")
        pad = mpl.rcParams["axes.titlepad"] + 1.6 * size
    else:
        pad = None
    size = _pt("axes.titlesize") * _scale(ax)
    width = ax.get_position().width * ax.figure.get_figwidth() * 72  # points, before layout
    return ax.set_title(wrap_title(text, width, size), loc="left", pad=pad, fontsize=size)


def _text_width(text: str, size: float) -> float:
    """Rough width in points: a Chinese character is 1 em, anything else about half."""
    return sum(1.0 if ord(c) >= 0x2E80 else 0.55 for c in text) * size


def wrap_title(text: str, width: float, size: float) -> str:
    """Break a title that is wider than *width* points: after a "，" when one fits, else hard."""
    if "\n" in text or _text_width(text, size) <= width:
        return text
    cut = max((i + 1 for i, c in enumerate(text) if c in "，；、" and _text_width(text[:i + 1], size) <= width),
              default=0)
    if not cut:  # no comma fits: break at the width (at least one character per line)
        cut = 1
        while cut < len(text) and _text_width(text[:cut + 1], size) <= width:
            cut += 1
    return text[:cut] + "\n" + wrap_title(text[cut:], width, size)


def _scale(ax) -> float:
    """Type scale: 1 on a full slide, smaller on a narrow figure."""
    width = ax.figure.get_figwidth()
    return 1.0 if width >= 10 else 0.75


def _start(ax, size: str = "full"):
    """(ax, created): the given Axes, or a new slide figure's."""
    fonts.setup()
    if ax is not None:
        return ax, False
    return new_figure(size)[1], True


def _finish(ax, created: bool, data: pd.DataFrame, title: str, subtitle: str, source) -> None:
    set_title(ax, title, subtitle)
    # The default source line goes under a one-chart figure; with subplots the caller adds it.
    alone = created or len(ax.figure.axes) == 1
    text = source_text(data, source) if (alone or source) else None
    if text:
        add_source(ax.figure, text)


def source_text(data: pd.DataFrame, source=None) -> str | None:
    """The source line for *data*: "数据来源：市财政局", "（示例数据）" added for sample data.

    Data counts as sample data when ``data.attrs["sample"]`` is true or a ``source`` cell
    names a file under a folder called ``sample`` (or with 示例 in its name).
    """
    if source is False:
        return None
    if isinstance(source, str) and source:
        return source if source.startswith(SOURCE_PREFIXES) else f"数据来源：{source}"
    depts = []
    for key in _unique(data, "indicator"):
        dept = _indicator(key)[2]
        if dept and dept not in depts:
            depts.append(dept)
    if not depts:
        return None
    return f"数据来源：{'、'.join(depts)}{SAMPLE_NOTE if is_sample(data) else ''}"


def is_sample(data: pd.DataFrame) -> bool:
    """True when *data* is marked as sample (示例) data."""
    if data.attrs.get("sample"):
        return True
    if "source" not in data.columns:
        return False
    text = data["source"].astype(str).str.replace("\\", "/")
    return bool(text.str.contains(r"(?:^|/)sample|示例", regex=True).any())


# --------------------------------------------------------------------------- data helpers
def _unique(data: pd.DataFrame, col: str) -> list:
    if col not in data.columns:
        return []
    return list(dict.fromkeys(v for v in data[col] if not (isinstance(v, float) and np.isnan(v))))


def _indicator(key: str) -> tuple[str, str, str]:
    """(Chinese name, unit, department) of a catalogue key; the key itself when unknown."""
    try:
        from .config import get_project
        ind = get_project().indicator(key)
        return ind.name, ind.unit, ind.source
    except Exception:  # no project file, unknown key: chart still draws
        return str(key), "", ""


def _one(data: pd.DataFrame, col: str, chart: str):
    vals = _unique(data, col)
    if len(vals) > 1:
        shown = "、".join(str(v) for v in vals[:5])
        raise ValueError(f"{chart} 只画一个{_COL_WORDS[col]}，数据里有多个：{shown}。请先筛选。")
    return vals[0] if vals else None


_COL_WORDS = {"indicator": "指标", "period": "期间", "batch": "批次", "area": "地区"}


def _actual(data: pd.DataFrame) -> pd.DataFrame:
    return data[data["kind"] == "actual"] if "kind" in data.columns else data


def _split_total(data: pd.DataFrame, total_levels=TOTAL_LEVELS):
    """(parts, total row or None): rows at a total level are taken out of the bars."""
    if "level" not in data.columns:
        return data, None
    is_total = data["level"].isin(total_levels)
    totals = data[is_total]
    return data[~is_total], (totals.iloc[0] if len(totals) else None)


def _prepare(data: pd.DataFrame, chart: str, total_levels=TOTAL_LEVELS):
    """Check one indicator/period/batch; return (parts, total, meta)."""
    if data.empty:
        raise ValueError(f"{chart}：没有可画的数据")
    data = _actual(data)
    key = _one(data, "indicator", chart)
    period = _one(data, "period", chart)
    _one(data, "batch", chart)
    name, unit, _ = _indicator(key) if key else ("", "", "")
    unit = _unique(data, "unit")[0] if _unique(data, "unit") else unit
    cumulative = bool(data["cumulative"].iloc[0]) if "cumulative" in data.columns else False
    parts, total = _split_total(data, total_levels)
    meta = {"name": name, "unit": unit, "period": period, "cumulative": cumulative,
            "as_of": str(data["as_of"].iloc[0]) if "as_of" in data.columns else ""}
    return parts.reset_index(drop=True), total, meta


def _when(meta: dict) -> str:
    p = meta["period"]
    if p is None:
        return ""
    return period_words(p, meta["cumulative"], meta["as_of"] or "", with_year=True)


def _digits(unit: str) -> int:
    return DIGITS.get(unit, 2)


def fmt_value(x, unit: str = "") -> str:
    """A bar label: half-up to the unit's decimals (亿元 2, 公里 1, 家 0); "—" when missing."""
    return _signed(fmt_number(x, _digits(unit)))


def fmt_growth(fraction, signed: bool = True) -> str:
    """A growth label: ``0.149`` → "+14.9%", ``-0.034`` → "−3.4%"; "—" when undefined."""
    s = fmt_pct(fraction, 1, signed=True)
    if s == DASH or not signed:
        return s.lstrip("-")
    return _signed(s) if s.startswith("-") else (s if s == "0.0%" else f"+{s}")


def _signed(s: str) -> str:
    return fonts.minus_sign() + s[1:] if s.startswith("-") else s


def _wrap(name: str, width: int) -> str:
    """Break a long area name into lines of *width* characters for an axis."""
    if len(name) <= width + 1:
        return name
    return "\n".join(name[i:i + width] for i in range(0, len(name), width))


def _colours(names, highlight) -> list[str]:
    marked = {highlight} if isinstance(highlight, str) else set(highlight or ())
    return [ACCENT if n in marked else MUTED for n in names]


def _label_size(ax, factor: float = 0.9) -> float:
    return factor * mpl.rcParams["font.size"] * _scale(ax)


def _pt(key: str) -> float:
    """An rcParams font size in points ("medium" → 10.0 at the default size)."""
    return mpl.font_manager.FontProperties(size=mpl.rcParams[key]).get_size_in_points()


def _fit_ticks(ax) -> None:
    if _scale(ax) < 1:
        ax.tick_params(axis="x", labelsize=_scale(ax) * _pt("xtick.labelsize"))
        ax.tick_params(axis="y", labelsize=_scale(ax) * _pt("ytick.labelsize"))


def _hide_value_axis(ax, horizontal: bool = False) -> None:
    """Values are written on the bars: drop the value axis (spine, ticks, tick labels)."""
    axis, spine = (ax.xaxis, "bottom") if horizontal else (ax.yaxis, "left")
    axis.set_visible(False)
    ax.spines[spine].set_visible(False)


def _bar_labels(ax, xs, heights, texts, *, horizontal: bool = False, size: float | None = None):
    """Write *texts* just beyond the end of each bar (above, or right when horizontal)."""
    size = size or _label_size(ax)
    for x, h, t in zip(xs, heights, texts):
        neg = h < 0
        if horizontal:
            ax.annotate(t, (h, x), xytext=(-6 if neg else 6, 0), textcoords="offset points",
                        ha="right" if neg else "left", va="center", fontsize=size)
        else:
            ax.annotate(t, (x, h), xytext=(0, -6 if neg else 6), textcoords="offset points",
                        ha="center", va="top" if neg else "bottom", fontsize=size)


def _headroom(ax, values, horizontal: bool = False, room: float = 0.18) -> None:
    """Leave space beyond the longest bar for its label."""
    vals = [v for v in values if np.isfinite(v)]
    lo, hi = min([0.0, *vals]), max([0.0, *vals])
    span = (hi - lo) or 1.0
    limits = (lo - room * span if lo < 0 else 0, hi + room * span)
    (ax.set_xlim if horizontal else ax.set_ylim)(*limits)
    if lo < 0:  # the baseline is zero, not the edge of the axes
        ax.spines["left" if horizontal else "bottom"].set_visible(False)
        (ax.axvline if horizontal else ax.axhline)(0, color="#9A9A9A", linewidth=1.0)
    ax.tick_params(axis="y" if horizontal else "x", length=0)


# --------------------------------------------------------------------------- charts
def bar_by_area(data: pd.DataFrame, *, growth: str = "growth", highlight=None,
                title: str | None = None, source=None, ax=None):
    """County bars, largest first, each labelled with its value and its growth.

    Parameters
    ----------
    data : DataFrame
        Tidy rows of one indicator and one period; rows at a total level (the city) are not
        drawn as bars but give the subtitle's city-wide growth. A *growth* column (fraction,
        from :func:`baimq.compare.yoy`) adds "+14.9%" under each value.
    growth : str
        The growth column.
    highlight : str or list of str, optional
        Areas drawn in the accent colour; default the fastest-growing one (or the largest
        when there is no growth).
    title, source, ax
        See the module notes.

    Returns
    -------
    Axes
    """
    parts, total, meta = _prepare(data, "bar_by_area")
    parts = parts.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)
    has_growth = growth in parts.columns and parts[growth].notna().any()
    lead = _leader(parts, growth if has_growth else "value")
    ax, created = _start(ax)
    xs = np.arange(len(parts))
    ax.bar(xs, parts["value"], color=_colours(parts["area"], highlight or lead), width=0.62)
    labels = [fmt_value(v, meta["unit"]) for v in parts["value"]]
    if has_growth:
        labels = [f"{lab}\n{fmt_growth(g)}" for lab, g in zip(labels, parts[growth])]
    _bar_labels(ax, xs, parts["value"], labels, size=_label_size(ax, 0.85))
    _headroom(ax, parts["value"], room=0.25 if has_growth else 0.15)
    ax.set_xticks(xs, [_wrap(a, 4) for a in parts["area"]])
    _hide_value_axis(ax)
    _fit_ticks(ax)
    what = "增速" if has_growth else meta["name"]
    default = f"{lead}{what}全市第一" if lead else meta["name"]
    sub = f"{_when(meta)}{meta['name']}（{meta['unit']}）" + ("及同比增速" if has_growth else "")
    if total is not None and has_growth and growth in total.index:
        sub += f"，全市{growth_words(total[growth])}"
    _finish(ax, created, data, title or default, sub, source)
    return ax


def _leader(parts: pd.DataFrame, col: str) -> str | None:
    """The area with the largest *col* (first in table order on a tie)."""
    vals = pd.to_numeric(parts[col], errors="coerce") if col in parts.columns else None
    if vals is None or vals.notna().sum() == 0:
        return None
    return str(parts.loc[vals.idxmax(), "area"])


def cumulative_vs_last_year(data: pd.DataFrame, *, area: str | None = None,
                            title: str | None = None, source=None, ax=None):
    """This year's cumulative months against last year's, for one area.

    Parameters
    ----------
    data : DataFrame
        Tidy monthly cumulative rows of one indicator over (at least) this year and last.
    area : str, optional
        The area to draw; default the total row's area (the city), or the only area.

    Returns
    -------
    Axes
    """
    rows = _series_rows(data, area, "cumulative_vs_last_year")
    months = rows["period"].map(lambda p: p.month)
    years = rows["period"].map(lambda p: p.year)
    year = int(years.max())
    this = pd.Series(rows["value"].to_numpy(), index=months)[(years == year).to_numpy()]
    last = pd.Series(rows["value"].to_numpy(), index=months)[(years == year - 1).to_numpy()]
    ax, created = _start(ax)
    unit = str(rows["unit"].iloc[0]) if "unit" in rows.columns else ""
    ax.plot(this.index, this.to_numpy(), color=ACCENT, marker="o", label=f"{year}年", zorder=3)
    ax.plot(last.index, last.to_numpy(), color=MUTED, linestyle="--", marker="o", label=f"{year - 1}年")
    size = _label_size(ax, 0.8)
    for m, v in this.items():
        ax.annotate(fmt_value(v, unit), (m, v), xytext=(0, 10), textcoords="offset points",
                    ha="center", va="bottom", fontsize=size, color=ACCENT)
    if len(last):
        ax.annotate(fmt_value(last.iloc[-1], unit), (last.index[-1], last.iloc[-1]), xytext=(0, 10),
                    textcoords="offset points", ha="center", va="bottom", fontsize=size, color=MUTED_DARK)
    ax.legend(loc="upper left", fontsize=_label_size(ax, 0.9), handlelength=2.5)
    ax.set_xticks(range(1, 13), [f"{m}月" for m in range(1, 13)])
    ax.set_xlim(0.5, 12.9)
    ax.set_ylim(0, max([*this.to_numpy(), *last.to_numpy(), 0]) * 1.15 or 1)
    _hide_value_axis(ax)
    _fit_ticks(ax)
    name = _indicator(_one(rows, "indicator", "cumulative_vs_last_year"))[0]
    m = int(this.index.max())
    when = "1月" if m == 1 else f"1-{m}月"
    growth = this[m] / last[m] - 1 if m in last.index and last[m] > 0 else np.nan
    default = f"{when}累计{fmt_value(this[m], unit)}{unit}" + (
        f"，同比{growth_words(growth)}" if np.isfinite(growth) else "")
    default = default.replace("同比持平", "与上年持平")
    sub = f"{rows['area'].iloc[0]}{name}逐月累计（{unit}），{year}年与{year - 1}年对比"
    _finish(ax, created, data, title or default, sub, source)
    return ax


def _series_rows(data: pd.DataFrame, area: str | None, chart: str) -> pd.DataFrame:
    """The rows of one area (default: the total, or the only area), sorted by period."""
    rows = _actual(data)
    _one(rows, "indicator", chart)
    if area is None:
        _, total = _split_total(rows)
        areas = _unique(rows, "area")
        if total is not None:
            area = total["area"]
        elif len(areas) == 1:
            area = areas[0]
        else:
            raise ValueError(f"{chart}：数据里有多个地区（{'、'.join(areas[:5])}…），请用 area= 指定一个")
    rows = rows[rows["area"] == area]
    if rows.empty:
        raise ValueError(f"{chart}：没有地区「{area}」的数据")
    return rows.sort_values("period", key=lambda s: s.map(lambda p: (p.start_time, p.end_time))).reset_index(drop=True)


def rank_bars(data: pd.DataFrame, *, by: str = "value", highlight=None,
              title: str | None = None, source=None, ax=None):
    """Horizontal ranking bars (first at the top) with each area's change of rank.

    Parameters
    ----------
    data : DataFrame
        Tidy rows of one indicator and period, optionally with ``growth``, ``rank`` and
        ``rank_change`` (positive = moved up) from :func:`baimq.compare.rank`.
    by : {"value", "growth"}
        Rank by the value or by the growth rate. A ``rank`` column is used as given when
        present; otherwise the rank is computed (largest first, ties share a rank).
    highlight : str or list of str, optional
        Areas in the accent colour; default the first.

    Returns
    -------
    Axes
    """
    if by not in ("value", "growth"):
        raise ValueError(f"rank_bars 的 by 只能是 value 或 growth，收到「{by}」")
    parts, _, meta = _prepare(data, "rank_bars")
    if by not in parts.columns:
        raise ValueError("rank_bars(by='growth') 需要 growth 列（先用 compare.yoy 计算同比）")
    parts = parts.copy()
    if "rank" not in parts.columns or parts["rank"].isna().all():
        parts["rank"] = parts[by].rank(ascending=False, method="min")
    parts = parts.sort_values(["rank", by], ascending=[True, False], na_position="last").reset_index(drop=True)
    ax, created = _start(ax)
    ys = np.arange(len(parts))
    vals = parts[by].fillna(0).to_numpy()
    first = str(parts["area"].iloc[0])
    ax.barh(ys, vals, color=_colours(parts["area"], highlight or first), height=0.62)
    fmt = (lambda v: fmt_growth(v)) if by == "growth" else (lambda v: fmt_value(v, meta["unit"]))
    _bar_labels(ax, ys, vals, [fmt(v) for v in parts[by]], horizontal=True, size=_label_size(ax, 0.85))
    _rank_changes(ax, ys, parts)
    ax.set_yticks(ys, [f"{_rank_text(r)}  {a}" for r, a in zip(parts["rank"], parts["area"])])
    ax.invert_yaxis()
    _headroom(ax, vals, horizontal=True, room=0.2)
    _hide_value_axis(ax, horizontal=True)
    _fit_ticks(ax)
    what = "增速" if by == "growth" else meta["name"]
    default = f"{first}{what}全市第一" + _mover_words(parts)
    sub = f"{_when(meta)}{meta['name']}" + ("同比增速排名" if by == "growth" else f"排名（{meta['unit']}）")
    if "rank_change" in parts.columns:
        sub += "，▲▼为位次变化"
    _finish(ax, created, data, title or default, sub, source)
    return ax


def _rank_text(rank) -> str:
    return DASH if pd.isna(rank) else f"{int(rank)}"


def _rank_changes(ax, ys, parts: pd.DataFrame) -> None:
    """▲2 / ▼1 / — in a column right of the bars (red up, green down, grey unchanged)."""
    if "rank_change" not in parts.columns:
        return
    size = _label_size(ax, 0.8)
    for y, ch in zip(ys, parts["rank_change"]):
        if pd.isna(ch):
            text, colour = DASH, FLAT
        elif ch > 0:
            text, colour = f"▲{int(ch)}", UP
        elif ch < 0:
            text, colour = f"▼{int(-ch)}", DOWN
        else:
            text, colour = "—", FLAT
        ax.annotate(text, (1.0, y), xycoords=("axes fraction", "data"), xytext=(4, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=size, color=colour)


def _mover_words(parts: pd.DataFrame) -> str:
    """"，遂溪县位次上升2位" for the biggest riser (not the leader), or ""."""
    if "rank_change" not in parts.columns:
        return ""
    rest = parts.iloc[1:]
    ch = pd.to_numeric(rest["rank_change"], errors="coerce")
    if ch.notna().sum() == 0 or ch.max() <= 0:
        return ""
    row = rest.loc[ch.idxmax()]
    return f"，{row['area']}位次上升{int(row['rank_change'])}位"


def share_chart(data: pd.DataFrame, *, kind: str = "donut", title: str | None = None,
                source=None, ax=None):
    """Each area's share of the total, as a donut or one 100% stacked bar.

    Parameters
    ----------
    data : DataFrame
        Tidy rows of one indicator and period. The share is the ``share`` column when present
        (from :func:`baimq.compare.share`), else value ÷ total, the total being the
        ``total_value`` column, else the total row, else the sum of the areas. When the areas
        do not add up to the total, the rest is drawn as "其他".
    kind : {"donut", "bar"}

    Returns
    -------
    Axes
    """
    if kind not in ("donut", "bar"):
        raise ValueError(f"share_chart 的 kind 只能是 donut 或 bar，收到「{kind}」")
    parts, total, meta = _prepare(data, "share_chart")
    shares, whole = _shares(parts, total)
    ax, created = _start(ax)
    (_donut if kind == "donut" else _stacked)(ax, shares, whole, meta["unit"])
    named = shares[shares.index != "其他"]
    default = f"{named.index[0]}占比最高，达{fmt_pct(named.iloc[0])}"
    sub = f"{_when(meta)}{meta['name']}各地占比（合计{fmt_value(whole, meta['unit'])}{meta['unit']}）"
    _finish(ax, created, data, title or default, sub, source)
    return ax


def _shares(parts: pd.DataFrame, total) -> tuple[pd.Series, float]:
    """(shares by area, largest first, with "其他" for any remainder; the whole)."""
    if "total_value" in parts.columns and parts["total_value"].notna().any():
        whole = float(parts["total_value"].dropna().iloc[0])
    elif total is not None:
        whole = float(total["value"])
    else:
        whole = float(parts["value"].sum())
    if "share" in parts.columns and parts["share"].notna().all():
        shares = pd.Series(parts["share"].to_numpy(float), index=parts["area"])
    else:
        shares = pd.Series(parts["value"].to_numpy(float) / whole, index=parts["area"])
    shares = shares.sort_values(ascending=False, kind="stable")
    rest = 1.0 - shares.sum()
    if rest > 0.0005:
        shares["其他"] = rest
    return shares, whole


def _share_colours(names) -> list[str]:
    """Accent for the largest, alternating greys for the rest (neighbours stay apart)."""
    return [ACCENT if i == 0 else (MUTED if i % 2 else "#8E9BAA") for i, _ in enumerate(names)]


def _donut(ax, shares: pd.Series, whole: float, unit: str) -> None:
    wedges, _ = ax.pie(shares.to_numpy(), colors=_share_colours(shares.index), startangle=90,
                       counterclock=False, wedgeprops={"width": 0.38, "edgecolor": "white", "linewidth": 2})
    size = _label_size(ax, 0.8)
    last_y = {1: None, -1: None}
    for wedge, (name, share) in zip(wedges, shares.items()):
        angle = np.deg2rad((wedge.theta1 + wedge.theta2) / 2)
        x, y = np.cos(angle), np.sin(angle)
        side = 1 if x >= 0 else -1
        ty = 1.18 * y
        if last_y[side] is not None and abs(ty - last_y[side]) < 0.13:  # keep labels apart
            ty = last_y[side] - 0.13 if ty < last_y[side] else last_y[side] + 0.13
        last_y[side] = ty
        ax.annotate(f"{name} {fmt_pct(share)}", (0.98 * x, 0.98 * y), xytext=(1.3 * side, ty),
                    ha="left" if side > 0 else "right", va="center", fontsize=size,
                    arrowprops={"arrowstyle": "-", "color": "#9A9A9A", "linewidth": 0.8})
    ax.text(0, 0, f"合计\n{fmt_value(whole, unit)}{unit}", ha="center", va="center",
            fontsize=_label_size(ax, 1.0))
    # The Axes keeps its box (title stays at the left); the data limits grow to keep circles round.
    ax.set_aspect("equal", adjustable="datalim")
    ax.update_datalim([(-1.9, -1.3), (1.9, 1.3)])  # room for the labels
    ax.set_autoscale_on(True)
    ax.margins(0)
    ax.autoscale_view()


def _stacked(ax, shares: pd.Series, whole: float, unit: str) -> None:
    left = 0.0
    size = _label_size(ax, 0.75)
    outside = 0
    for colour, (name, share) in zip(_share_colours(shares.index), shares.items()):
        ax.barh(0, share, left=left, color=colour, edgecolor="white", linewidth=2, height=0.5)
        mid = left + share / 2
        if share >= 0.08:
            ax.text(mid, 0, f"{name}\n{fmt_pct(share)}", ha="center", va="center", fontsize=size,
                    color="white" if colour == ACCENT else "#1A1A1A")
        else:  # too narrow: label above or below, alternating
            up = outside % 2 == 0
            outside += 1
            ax.annotate(f"{name} {fmt_pct(share)}", (mid, 0.25 if up else -0.25),
                        xytext=(mid, 0.55 if up else -0.55), ha="center", va="bottom" if up else "top",
                        fontsize=size, arrowprops={"arrowstyle": "-", "color": "#9A9A9A", "linewidth": 0.8})
        left += share
    ax.set(xlim=(0, max(1.0, left)), ylim=(-1, 1))
    ax.axis("off")


def progress_bullets(data: pd.DataFrame, *, time_progress: float | None = None,
                     title: str | None = None, source=None, ax=None):
    """Progress against the annual target, one bullet per area, against 时序进度, with lights.

    Parameters
    ----------
    data : DataFrame
        Rows of one indicator and period with ``completion`` (fraction of the annual target,
        from :func:`baimq.compare.progress`) or ``target`` (then completion = value ÷ target),
        and optionally ``time_progress`` and ``light`` ("green"/"yellow"/"red"). Without
        ``light`` the project's rule is applied: green at or above 时序进度, yellow up to
        ``[lights] yellow_within`` points below, red further below.
    time_progress : float, optional
        时序进度 as a fraction (0.5 at June); default the ``time_progress`` column.

    Returns
    -------
    Axes
    """
    parts, total, meta = _prepare(data, "progress_bullets")
    parts = _with_progress(parts, time_progress)
    tp = float(parts["time_progress"].iloc[0])
    parts = parts.sort_values("completion", ascending=False, kind="stable").reset_index(drop=True)
    ax, created = _start(ax)
    ys = np.arange(len(parts))
    comp = parts["completion"].to_numpy(float)
    top = max(1.0, np.nanmax(comp)) * 1.18
    ax.barh(ys, [1.0] * len(ys), color=BACKGROUND, height=0.7)
    ax.barh(ys, comp, color=[LIGHT_COLOURS.get(c, MUTED) for c in parts["light"]], height=0.36)
    ax.axvline(tp, color="#333333", linewidth=2, linestyle=(0, (4, 3)))
    ax.annotate(f"时序进度{fmt_pct(tp)}", (tp, -0.85), xytext=(6, 0), textcoords="offset points",
                ha="left", va="center", fontsize=_label_size(ax, 0.8))
    labels = [f"{fmt_pct(c)}" + (f"（落后{fmt_number((tp - c) * 100, 1)}个百分点）" if c < tp else "")
              for c in comp]
    _bar_labels(ax, ys, np.maximum(comp, 1.0), labels, horizontal=True, size=_label_size(ax, 0.8))
    ax.set_yticks(ys, list(parts["area"]))
    ax.set_ylim(len(ys) - 0.5, -1.25)  # first at the top, a free row above it for the 时序进度 label
    ax.set_xlim(0, top + 0.45)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    _hide_value_axis(ax, horizontal=True)
    _fit_ticks(ax)
    sub = f"{_when(meta)}{meta['name']}完成率（占年度任务）"
    if total is not None and "completion" in total.index and pd.notna(total["completion"]):
        sub += f"，全市{fmt_pct(total['completion'])}"
    _finish(ax, created, data, title or _light_words(parts), sub, source)
    return ax


def _with_progress(parts: pd.DataFrame, time_progress: float | None) -> pd.DataFrame:
    """A copy with completion, time_progress and light filled in."""
    parts = parts.copy()
    if "completion" not in parts.columns:
        if "target" not in parts.columns:
            raise ValueError("progress_bullets 需要 completion 列或 target 列（年度目标任务）")
        parts["completion"] = parts["value"] / parts["target"].where(parts["target"] > 0)
    if time_progress is not None:
        parts["time_progress"] = float(time_progress)
    if "time_progress" not in parts.columns or parts["time_progress"].isna().all():
        raise ValueError("progress_bullets 需要时序进度：传入 time_progress= 或提供 time_progress 列")
    parts["time_progress"] = parts["time_progress"].fillna(parts["time_progress"].dropna().iloc[0])
    if "light" not in parts.columns:
        parts["light"] = [_light(c, t) for c, t in zip(parts["completion"], parts["time_progress"])]
    return parts


def _light(completion: float, time_progress: float) -> str:
    """The project's 亮灯 rule, in percentage points below 时序进度."""
    try:
        from .config import get_project
        within = float(get_project().lights.get("yellow_within", 10.0))
    except Exception:
        within = 10.0
    if pd.isna(completion):
        return ""
    gap = (completion - time_progress) * 100
    return "green" if gap >= -1e-9 else ("yellow" if gap >= -within - 1e-9 else "red")


def _light_words(parts: pd.DataFrame) -> str:
    """"坡头区、徐闻县亮红灯" (or 黄灯), or "各地均达到时序进度"."""
    for light, word in (("red", "亮红灯"), ("yellow", "亮黄灯")):
        names = list(parts.loc[parts["light"] == light, "area"])
        if names:
            shown = "、".join(names[:3]) + (f"等{len(names)}地" if len(names) > 3 else "")
            return f"{shown}{word}，进度落后于时序进度"
    return "各地均达到时序进度"


def bond_split(data: pd.DataFrame, *, parts: tuple[str, str] = BOND_PARTS,
               title: str | None = None, source=None, ax=None):
    """New bonds by area, each bar split into 一般债券 and 专项债券, largest total first.

    Parameters
    ----------
    data : DataFrame
        Tidy rows of one period (and batch) holding the two indicators in *parts*.
    parts : (str, str)
        The catalogue keys of the general and the special part.

    Returns
    -------
    Axes
    """
    rows = _actual(data)
    rows = rows[rows["indicator"].isin(parts)]
    if rows.empty:
        raise ValueError(f"bond_split：数据里没有指标 {'、'.join(parts)}")
    _one(rows, "period", "bond_split")
    _one(rows, "batch", "bond_split")
    body, _ = _split_total(rows)
    table = body.pivot_table(index="area", columns="indicator", values="value", aggfunc="sum", sort=False)
    table = table.reindex(columns=list(parts)).fillna(0.0)
    table = table.assign(_sum=table.sum(axis=1)).sort_values("_sum", ascending=False, kind="stable")
    ax, created = _start(ax)
    unit = _indicator(parts[0])[1] or "亿元"
    xs = np.arange(len(table))
    names = [_indicator(k)[0] for k in parts]
    bottom = np.zeros(len(table))
    for key, name, colour in zip(parts, names, (MUTED_DARK, MUTED)):
        ax.bar(xs, table[key], bottom=bottom, color=colour, width=0.62, label=name)
        bottom = bottom + table[key].to_numpy()
    _bar_labels(ax, xs, table["_sum"], [fmt_value(v, unit) for v in table["_sum"]], size=_label_size(ax, 0.85))
    _headroom(ax, table["_sum"], room=0.15)
    ax.set_xticks(xs, [_wrap(a, 4) for a in table.index])
    ax.legend(loc="upper right", fontsize=_label_size(ax, 0.85))
    _hide_value_axis(ax)
    _fit_ticks(ax)
    whole = float(table["_sum"].sum())
    special = float(table[parts[1]].sum()) / whole if whole else np.nan
    lead = str(table.index[0])
    default = f"{names[1].removeprefix('新增')}占{fmt_pct(special)}，{lead}最多（{fmt_value(table['_sum'].iloc[0], unit)}{unit}）"
    batch = (_unique(rows, "batch") or [""])[0]
    sub = f"{_year_or_period(_unique(rows, 'period')[0])}{batch}新增债券分配（{unit}），合计{fmt_value(whole, unit)}{unit}"
    _finish(ax, created, rows, title or default, sub, source)
    return ax


def _year_or_period(p) -> str:
    return f"{p.year}年" if p.freqstr.startswith(("Y", "A")) else f"{p.year}年{p.month}月"


def count_over_time(data: pd.DataFrame, *, area: str | None = None, title: str | None = None,
                    source=None, ax=None):
    """A count (or any stock) at successive period ends, as bars, the latest in the accent.

    Parameters
    ----------
    data : DataFrame
        Tidy rows of one indicator over several periods (annual = year end, monthly = month end).
    area : str, optional
        The area to draw; default the total row's area (the city), or the only area.

    Returns
    -------
    Axes
    """
    rows = _series_rows(data, area, "count_over_time")
    if rows["period"].duplicated().any():
        raise ValueError("count_over_time：同一期间有多行数据（批次或口径不同？），请先筛选")
    ax, created = _start(ax)
    unit = str(rows["unit"].iloc[0]) if "unit" in rows.columns else ""
    xs = np.arange(len(rows))
    colours = [MUTED] * (len(rows) - 1) + [ACCENT]
    ax.bar(xs, rows["value"], color=colours, width=0.55)
    _bar_labels(ax, xs, rows["value"], [fmt_value(v, unit) for v in rows["value"]])
    _headroom(ax, rows["value"], room=0.15)
    ax.set_xticks(xs, [_stock_words(p, a) for p, a in zip(rows["period"], rows.get("as_of", [""] * len(rows)))])
    _hide_value_axis(ax)
    _fit_ticks(ax)
    key = _one(rows, "indicator", "count_over_time")
    name = _indicator(key)[0]
    last, first = rows.iloc[-1], rows.iloc[0]
    default = f"{name}达{fmt_value(last['value'], unit)}{unit}"
    if len(rows) > 1:
        diff = last["value"] - first["value"]
        word = "增加" if diff > 0 else ("减少" if diff < 0 else "持平")
        default += f"，比{_stock_words(first['period'], first.get('as_of', ''))}{word}" + (
            f"{fmt_value(abs(diff), unit)}{unit}" if diff else "")
    sub = f"{rows['area'].iloc[0]}{name}（{unit}）"
    _finish(ax, created, data, title or default, sub, source)
    return ax


def _stock_words(p, as_of="") -> str:
    """A stock's date: "2022年底", "2023年6月底", "2023年6月15日"."""
    if as_of:
        day = pd.Timestamp(as_of)
        return f"{day.year}年{day.month}月{day.day}日"
    if p.freqstr.startswith(("Y", "A")):
        return f"{p.year}年底"
    return f"{p.year}年{p.month}月底"


def city_compare(data: pd.DataFrame, *, by: str = "value", highlight: str | None = None,
                 title: str | None = None, source=None, ax=None):
    """The province's 21 cities side by side, the project's city in the accent colour.

    Parameters
    ----------
    data : DataFrame
        Tidy rows at city level (``level == "city"``) of one indicator and period; province
        and subtotal rows are left out.
    by : {"value", "growth"}
    highlight : str, optional
        The city to mark; default the project's city (``[project] city`` in baimq.toml).

    Returns
    -------
    Axes
    """
    if by not in ("value", "growth"):
        raise ValueError(f"city_compare 的 by 只能是 value 或 growth，收到「{by}」")
    cities, _, meta = _prepare(data, "city_compare", total_levels=("province", "subtotal", "province_own"))
    if by not in cities.columns:
        raise ValueError("city_compare(by='growth') 需要 growth 列（先用 compare.yoy 计算同比）")
    if cities[by].isna().all():
        notes = sorted(set(cities.get("growth_note", pd.Series(dtype=str)).dropna()) - {""})
        raise ValueError("city_compare：各市均无可比增速" + (f"（{'、'.join(notes)}）" if notes else "")
                         + "，无法按增速排序")
    city = highlight or _project_city()
    cities = cities.sort_values(by, ascending=False, kind="stable", na_position="last").reset_index(drop=True)
    ax, created = _start(ax)
    ys = np.arange(len(cities))
    vals = cities[by].fillna(0).to_numpy()
    ax.barh(ys, vals, color=_colours(cities["area"], city), height=0.66)
    fmt = fmt_growth if by == "growth" else (lambda v: fmt_value(v, meta["unit"]))
    size = _label_size(ax, 0.7 if len(cities) > 12 else 0.85)
    _bar_labels(ax, ys, vals, [fmt(v) for v in cities[by]], horizontal=True, size=size)
    ax.set_yticks(ys, list(cities["area"]))
    if len(cities) > 12:
        ax.tick_params(axis="y", labelsize=size)
    ax.invert_yaxis()
    _headroom(ax, vals, horizontal=True, room=0.15)
    _hide_value_axis(ax, horizontal=True)
    _fit_ticks(ax)
    what = "增速" if by == "growth" else meta["name"]
    ranks = cities[by].rank(ascending=False, method="min")
    hit = cities.index[cities["area"] == city]
    default = (f"{city}{what}居全省第{int(ranks[hit[0]])}位" if len(hit) and pd.notna(ranks[hit[0]])
               else f"{cities['area'].iloc[0]}{what}全省第一")
    sub = f"{_when(meta)}全省各市{meta['name']}" + ("同比增速" if by == "growth" else f"（{meta['unit']}）")
    _finish(ax, created, data, title or default, sub, source)
    return ax


def _project_city() -> str:
    try:
        from .config import get_project
        return get_project().city
    except Exception:
        return ""


# --------------------------------------------------------------------------- saving
_FORMATS = {
    ".png": {"Software": None},
    ".svg": {"Date": None, "Creator": None},
    ".pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
}


def save_figure(fig, path: str | os.PathLike, dpi: int = 200) -> Path:
    """Save *fig* as PNG, SVG or PDF (by the suffix) with identical bytes for the same figure.

    No dates, software stamps or random ids go into the file; it is written to a temporary
    file beside *path* and moved over it (a reader never sees half a file).

    Raises
    ------
    ValueError
        (Chinese message) for another suffix, or a path inside ``data/raw``.
    """
    from .outputs import atomic_path

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise ValueError(f"图表只能保存为 PNG、SVG 或 PDF，文件名「{path.name}」的扩展名不对")
    rc = {"svg.hashsalt": "baimq", "svg.fonttype": "path", "pdf.fonttype": 42}
    with mpl.rc_context(rc), _frozen_layout(fig), atomic_path(path) as tmp:
        fig.savefig(tmp, format=suffix[1:], dpi=dpi, metadata=_FORMATS[suffix])
    return path


@contextlib.contextmanager
def _frozen_layout(fig):
    """Lay the figure out once, round the Axes boxes, and save with that layout.

    Constrained layout moves an Axes by a last-digit float difference on every draw; SVG
    clip-path ids hash those floats, so two saves of one figure would differ. Rounding to
    1e-9 of the figure (well below a pixel) makes the layout, and so the bytes, repeatable.
    The figure's own layout engine is put back afterwards.
    """
    engine = fig.get_layout_engine()
    if engine is None:
        yield
        return
    fig.draw_without_rendering()
    boxes = [(ax, [round(float(v), 9) for v in ax.get_position().bounds]) for ax in fig.axes]
    fig.set_layout_engine("none")
    try:
        for ax, box in boxes:
            ax.set_position(box)
        yield
    finally:
        fig.set_layout_engine(engine)

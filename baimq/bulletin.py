"""The monthly bulletin's content: tables, 通报 paragraphs and chart specs for one period.

:func:`build_bulletin` computes everything from the tidy table and returns a :class:`Bulletin`
(pure: no files). :mod:`baimq.report` draws and writes it. Every number a slide, a chart or the
text shows is taken from the section's table, so the deck, the workbook and the text agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import words as w
from .compare import contribution, progress, rank, share, yoy
from .config import Project, get_project
from .errors import DataError
from .narrative import describe
from .schema import KEY, to_period

#: Area levels shown in county tables, in display order.
AREA_LEVELS = ("city", "city_own", "zone", "county")


@dataclass
class Chart:
    """One chart of a section: a :mod:`baimq.plots` function, its data and its slide."""

    name: str            # file stem: charts/<name>.png
    plot: str            # function name in baimq.plots
    data: pd.DataFrame
    options: dict = field(default_factory=dict)
    slide: dict = field(default_factory=dict)   # deck.Slide fields (kind, categories, series …)


@dataclass
class Section:
    """One indicator family of the bulletin."""

    key: str
    heading: str
    paragraphs: list[str]
    tables: dict[str, pd.DataFrame]          # sheet name -> display table
    units: dict[str, str]
    charts: list[Chart]
    source: str


@dataclass
class Bulletin:
    period: pd.Period
    city: str
    sections: list[Section]
    sample: bool

    @property
    def title(self) -> str:
        return f"{self.city}百千万工程{self.period.year}年{self.period.month}月通报"


# --------------------------------------------------------------------------- helpers
def unique_figures(df: pd.DataFrame) -> pd.DataFrame:
    """One row per number: the same figure sent in two returns is kept once.

    Where two returns give the same area, period, kind and batch, the one stating its own
    growth rate wins, then the later source; differing figures are reported by the checker
    as revisions and the later source is used.
    """
    order = df.assign(_no_rate=df["stated_growth"].isna()).sort_values(
        ["_no_rate", "source"], ascending=[True, False], kind="stable")
    keep = ~order.duplicated(KEY + ["basis"], keep="first")
    return df.loc[sorted(order.index[keep.to_numpy()])]


def sum_batches(df: pd.DataFrame, label: str = "全年合计") -> pd.DataFrame:
    """Add, per indicator/area/period, the sum of the batches (bond 提前批次 + 第一批 …).

    Rows with a batch are summed into a new row whose ``batch`` is *label*; rows without a
    batch are left as they are. The input is not modified.
    """
    part = df[df["batch"].ne("") & df["kind"].eq("actual")]
    if part.empty:
        return df.copy()
    keys = ["indicator", "area", "area_code", "period", "kind", "level", "unit"]
    summed = part.assign(_p=part["period"].astype(str)).groupby(keys[:3] + ["_p"] + keys[4:], sort=False,
                                                                    observed=True)
    out = summed.agg(value=("value", "sum"), n=("batch", "nunique"),
                     source=("source", lambda s: f"{s.iloc[0]} 等{len(s)}个批次之和")).reset_index()
    out["period"] = [to_period(p) for p in out.pop("_p")]
    out["batch"] = label
    out = out.drop(columns="n")
    for col in df.columns:
        if col not in out.columns:
            out[col] = df[col].iloc[0] if col in ("cumulative",) else ("" if df[col].dtype == object else float("nan"))
    out["basis"] = ""
    return pd.concat([df, out[df.columns]], ignore_index=True)


def _areas(t: pd.DataFrame) -> pd.DataFrame:
    t = t[t["level"].isin(AREA_LEVELS)]
    order = t["level"].map({lv: i for i, lv in enumerate(AREA_LEVELS)})
    return t.assign(_o=order).sort_values(["_o", "area_code"], kind="stable").drop(columns="_o")


def _pct(x):
    return x


def _period_title(p: pd.Period, ind_cumulative: bool) -> str:
    return w.period_words(p, ind_cumulative)


def _source(proj: Project, key: str, sample: bool) -> str:
    dept = proj.indicators[key].source or "各县（市、区）报表"
    return f"数据来源：{dept}" + ("（示例数据）" if sample else "")


def _is_sample(df: pd.DataFrame) -> bool:
    return bool(df["source"].astype(str).str.contains(r"(?:^|/)sample/|示例", regex=True).any())


# --------------------------------------------------------------------------- sections
def _budget(df: pd.DataFrame, p: pd.Period, proj: Project) -> Section | None:
    fam = df[df["indicator"].isin(["budget_revenue", "tax_revenue", "nontax_revenue"])]
    if not (fam["indicator"].eq("budget_revenue") & fam["period"].eq(p) & fam["kind"].eq("actual")).any():
        return None
    full = progress(rank(contribution(share(yoy(fam), config=proj), config=proj), by="growth", config=proj),
                    config=proj)
    now = _areas(full[full["period"].eq(p) & full["kind"].eq("actual")])
    rev = now[now["indicator"].eq("budget_revenue")]
    table = pd.DataFrame({
        "地区": rev["area"], "本年累计": rev["value"], "上年同期": rev["prev_value"], "同比增长": rev["growth"],
        "占全市比重": rev["share"], "贡献率": rev["contribution"], "拉动（百分点）": rev["pull_pp"],
        "增速排名": rev["rank"], "排名变化": rev["rank_change"], "年度目标": rev["target"],
        "完成率": rev["completion"], "时序进度": rev["time_progress"], "亮灯": rev["light"],
    }).reset_index(drop=True)
    tax = now[now["indicator"].eq("tax_revenue")].set_index("area")["value"]
    nontax = now[now["indicator"].eq("nontax_revenue")].set_index("area")["value"]
    structure = pd.DataFrame({"地区": rev["area"].to_numpy()})
    structure["一般公共预算收入"] = rev["value"].to_numpy()
    structure["税收收入"] = structure["地区"].map(tax)
    structure["非税收入"] = structure["地区"].map(nontax)
    structure["税收占比"] = structure["税收收入"] / structure["一般公共预算收入"]
    sample = _is_sample(rev)
    src = _source(proj, "budget_revenue", sample)
    counties = rev[rev["level"].eq("county")]
    series = full[full["indicator"].eq("budget_revenue") & full["kind"].eq("actual")
                  & full["area"].eq(proj.city) & full["period"].map(lambda q: q.freqstr.startswith("M"))
                  & full["period"].map(lambda q: q.year == p.year - 1 or (q.year == p.year and q.month <= p.month))]
    by_growth = counties.sort_values("growth", ascending=False, kind="stable")
    charts = [
        Chart("budget_by_county", "bar_by_area", pd.concat([rev[rev["level"].eq("city")], counties]),
              slide=dict(kind="bar", categories=list(by_value(counties)["area"]),
                         series={"本年累计（亿元）": list(by_value(counties)["value"])},
                         number_format="0.00", unit="亿元")),
        Chart("budget_cumulative", "cumulative_vs_last_year", series,
              slide=_months_slide(series, p)),
        Chart("budget_growth_rank", "rank_bars", counties, options={"by": "growth"},
              slide=dict(kind="barh", categories=list(by_growth["area"]),
                         series={"同比增长": list(by_growth["growth"])}, number_format="0.0%")),
    ]
    text = describe(full, "budget_revenue", p, config=proj)
    tax_row = structure[structure["地区"].eq(proj.city)]
    if len(tax_row) and pd.notna(tax_row["税收收入"].iloc[0]):
        r = tax_row.iloc[0]
        text += (f"其中，税收收入{w.fmt_amount(r['税收收入'], '亿元')}，占{w.fmt_pct(r['税收占比'])}；"
                 f"非税收入{w.fmt_amount(r['非税收入'], '亿元')}。")
    return Section("budget", "一般公共预算收入", [text],
                   {"一般公共预算收入": table, "收入结构": structure},
                   {"一般公共预算收入": "亿元", "收入结构": "亿元"}, charts, src)


def by_value(t: pd.DataFrame) -> pd.DataFrame:
    return t.sort_values("value", ascending=False, kind="stable")


def _months_slide(series: pd.DataFrame, p: pd.Period) -> dict:
    months = list(range(1, 13))
    cols = {}
    for year in (p.year - 1, p.year):
        rows = series[series["period"].map(lambda q: q.year == year)]
        vals = dict(zip(rows["period"].map(lambda q: q.month), rows["value"]))
        cols[f"{year}年"] = [vals.get(m) for m in months]
    return dict(kind="line", categories=[f"{m}月" for m in months], series=cols, number_format="0.00",
                unit="亿元")


def _bond(df: pd.DataFrame, p: pd.Period, proj: Project) -> Section | None:
    fam = df[df["indicator"].isin(["bond_new", "bond_new_general", "bond_new_special"])
             & df["period"].map(lambda q: q.freqstr[0] in "YA" and q.year in (p.year, p.year - 1))]
    if fam.empty or not fam["period"].map(lambda q: q.year == p.year).any():
        return None
    year = pd.Period(str(p.year), "Y")
    fam = sum_batches(fam)
    full = share(yoy(fam[fam["batch"].eq("全年合计") | fam["kind"].eq("base")]), config=proj)
    now = _areas(full[full["period"].eq(year) & full["kind"].eq("actual")])
    tot = now[now["indicator"].eq("bond_new")]
    gen = now[now["indicator"].eq("bond_new_general")].set_index("area")["value"]
    spe = now[now["indicator"].eq("bond_new_special")].set_index("area")["value"]
    table = pd.DataFrame({"地区": tot["area"], "新增债券": tot["value"],
                          "一般债券": tot["area"].map(gen), "专项债券": tot["area"].map(spe),
                          "占全市比重": tot["share"], "上年": tot["prev_value"], "同比增长": tot["growth"]})
    batches = fam[fam["indicator"].eq("bond_new") & fam["period"].eq(year) & fam["kind"].eq("actual")
                  & ~fam["batch"].isin(["", "全年合计"])]
    by_batch = _areas(batches).pivot_table(index="area", columns="batch", values="value", aggfunc="first",
                                           sort=False)
    by_batch = by_batch.reindex(list(dict.fromkeys(_areas(batches)["area"]))).reset_index().rename(
        columns={"area": "地区"})
    by_batch.columns.name = None
    counties = tot[tot["level"].isin(["county", "zone"])]
    text = describe(full, "bond_new", year, batch="全年合计", config=proj)
    text = text.replace(f"{p.year}年，", f"{p.year}年已下达各批次（{'、'.join(_batch_names(batches))}）合计，", 1)
    city_row = tot[tot["level"].eq("city")]
    if len(city_row) and len(counties):
        cs = counties["value"].sum()
        text += (f"其中分配县（市、区）{w.fmt_amount(cs, '亿元')}、占比{w.fmt_pct(cs / city_row['value'].iloc[0])}。")
    sample = _is_sample(tot)
    parts = pd.concat([gen.rename("一般债券"), spe.rename("专项债券")], axis=1)
    split = by_value(counties)
    split_rows = full[full["indicator"].isin(["bond_new_general", "bond_new_special"]) & full["period"].eq(year)
                      & full["kind"].eq("actual") & full["area"].isin(counties["area"])]
    charts = [
        Chart("bond_split", "bond_split", split_rows,
              slide=dict(kind="bar_stacked", categories=list(split["area"]),
                         series={c: [parts[c].get(a) for a in split["area"]] for c in parts.columns},
                         number_format="0.00", unit="亿元")),
        Chart("bond_share", "share_chart", tot[tot["level"].isin(["city", "city_own", "county", "zone"])],
              options=_county_share_title(tot),
              slide=dict(kind="pie", categories=list(tot[tot["level"].ne("city")]["area"]),
                         series={"占比": list(tot[tot["level"].ne("city")]["share"])}, number_format="0.0%")),
    ]
    return Section("bond", "新增债券", [text], {"新增债券": table, "新增债券分批次": by_batch},
                   {"新增债券": "亿元", "新增债券分批次": "亿元"}, charts,
                   _source(proj, "bond_new", sample))


def _county_share_title(tot: pd.DataFrame) -> dict:
    city = tot[tot["level"].eq("city")]
    counties = tot[tot["level"].isin(["county", "zone"])]
    if city.empty or counties.empty:
        return {}
    cs = counties["value"].sum()
    return {"title": f"分配县（市、区）{w.fmt_amount(cs, '亿元')}，占{w.fmt_pct(cs / city['value'].iloc[0])}"}


def _batch_names(batches: pd.DataFrame) -> list[str]:
    order = {"提前批次": 0, "第一批": 1, "第二批": 2, "第三批": 3, "第四批": 4}
    return sorted(set(batches["batch"]), key=lambda b: (order.get(b, 9), b))


def _road(df: pd.DataFrame, p: pd.Period, proj: Project) -> Section | None:
    fam = df[df["indicator"].isin(["road_planned_km", "road_started_km", "road_completed_km"])]
    if not (fam["indicator"].eq("road_completed_km") & fam["period"].eq(p)).any():
        return None
    targets = fam[fam["kind"].eq("target")]
    done = progress(yoy(fam[fam["indicator"].eq("road_completed_km")]), targets, config=proj)
    started = progress(fam[fam["indicator"].eq("road_started_km")], targets, config=proj)
    d = _areas(done[done["period"].eq(p) & done["kind"].eq("actual")]).set_index("area")
    s = _areas(started[started["period"].eq(p) & started["kind"].eq("actual")]).set_index("area")
    table = pd.DataFrame({"地区": d.index, "年度任务": d["target"].to_numpy(),
                          "累计开工": s["value"].reindex(d.index).to_numpy(),
                          "开工率": s["completion"].reindex(d.index).to_numpy(),
                          "累计完工": d["value"].to_numpy(), "完工率": d["completion"].to_numpy(),
                          "时序进度": d["time_progress"].to_numpy(), "亮灯": d["light"].to_numpy()})
    counties = done[done["period"].eq(p) & done["kind"].eq("actual") & done["level"].eq("county")]
    slow = counties.sort_values("completion", kind="stable")
    text = describe(pd.concat([done, targets]), "road_completed_km", p, config=proj)
    city = s.loc[proj.city] if proj.city in s.index else None
    if city is not None:
        when = f"{w.period_words(p, True, str(city['as_of']))}，全市"
        text = (f"{when}农村公路累计开工{w.fmt_amount(city['value'], '公里')}，完成年度任务的"
                f"{w.fmt_pct(city['completion'])}；") + text.removeprefix(when)
    sample = _is_sample(d.reset_index())
    charts = [Chart("road_progress", "progress_bullets", counties,
                    slide=dict(kind="barh", categories=list(slow["area"]),
                               series={"完工率": list(slow["completion"])}, number_format="0.0%"))]
    return Section("road", "农村公路", [text], {"农村公路": table}, {"农村公路": "公里"}, charts,
                   _source(proj, "road_completed_km", sample))


def _coop(df: pd.DataFrame, p: pd.Period, proj: Project) -> Section | None:
    fam = df[df["indicator"].eq("coop_count")]
    if not (fam["period"].eq(p) & fam["kind"].eq("actual")).any():
        return None
    y = yoy(fam)
    now = _areas(y[y["period"].eq(p) & y["kind"].eq("actual")])
    table = pd.DataFrame({"地区": now["area"], "合作社数量": now["value"], "上年同期": now["prev_value"],
                          "同比增长": now["growth"]})
    city = y[y["area"].eq(proj.city) & y["kind"].eq("actual")]
    ends = city[city["period"].map(lambda q: q.freqstr[0] in "YA") | city["period"].eq(p)]
    ends = ends[ends["period"].map(lambda q: q.year < p.year) | ends["period"].eq(p)]
    ends = ends.assign(_k=ends["period"].map(lambda q: (q.year, q.freqstr[0] == "M"))).sort_values("_k")
    counties = now[now["level"].eq("county")]
    text = describe(y, "coop_count", p, config=proj)
    sample = _is_sample(now)
    charts = [
        Chart("coop_over_time", "count_over_time", ends.drop(columns="_k"),
              slide=dict(kind="bar", categories=[_stock_label(q, a) for q, a in zip(ends["period"], ends["as_of"])],
                         series={"农民合作社（家）": list(ends["value"])}, number_format="0")),
        Chart("coop_by_county", "bar_by_area", pd.concat([now[now["level"].eq("city")], counties]),
              slide=dict(kind="bar", categories=list(by_value(counties)["area"]),
                         series={"农民合作社（家）": list(by_value(counties)["value"])}, number_format="0")),
    ]
    return Section("coop", "农民合作社", [text], {"农民合作社": table}, {"农民合作社": "家"}, charts,
                   _source(proj, "coop_count", sample))


def _stock_label(q: pd.Period, as_of: str = "") -> str:
    return f"{q.year}年底" if q.freqstr[0] in "YA" else f"{q.year}年{q.month}月底"


def _province(df: pd.DataFrame, p: pd.Period, proj: Project) -> Section | None:
    fam = df[df["indicator"].eq("budget_revenue") & df["level"].eq("city") & df["kind"].eq("actual")
             & df["period"].map(lambda q: q.freqstr[0] in "YA")]
    years = sorted({q.year for q in fam["period"] if q.year <= p.year})
    if not years:
        return None
    year = pd.Period(str(years[-1]), "Y")
    r = rank(rank(yoy(fam), by="value", config=proj), by="growth", config=proj)
    now = r[r["period"].eq(year)].copy()
    now = now.sort_values("value", ascending=False, kind="stable")
    table = pd.DataFrame({"城市": now["area"], "一般公共预算收入": now["value"], "上年": now["prev_value"],
                          "增长": now["growth"], "增速排名": now["rank"], "增速排名变化": now["rank_change"],
                          "说明": now["growth_note"]})
    value_rank = now["value"].rank(ascending=False, method="min")
    mine = now[now["area"].eq(proj.city)]
    text = ""
    if len(mine):
        m = mine.iloc[0]
        text = (f"{year.year}年，{proj.city}一般公共预算收入{w.fmt_amount(m['value'], '亿元')}，"
                f"总量居全省第{int(value_rank[mine.index[0]])}位")
        if pd.notna(m["growth"]):
            text += f"，{w.growth_words(m['growth'])}，增速居全省第{int(m['rank'])}位"
            if pd.notna(m["rank_change"]) and m["rank_change"] != 0:
                text += f"，位次{w.rank_change_words(m['rank_change'])}"
        elif m["growth_note"]:
            text += f"（{m['growth_note']}）"
        text += "。"
    charts = [Chart("province_cities", "city_compare", now,
                    slide=dict(kind="barh", categories=list(now["area"]),
                               series={f"{year.year}年（亿元）": list(now["value"])}, number_format="0.00",
                               unit="亿元"))]
    return Section("province", "全省对比", [text], {"全省对比": table}, {"全省对比": "亿元"}, charts,
                   "数据来源：各市统计年鉴及预算报告（公开数据）")


SECTIONS = {"budget": _budget, "bond": _bond, "road": _road, "coop": _coop, "province": _province}


def build_section(df: pd.DataFrame, key: str, period=None, config=None) -> Section | None:
    """One section of the bulletin (``"budget"``, ``"bond"``, ``"road"``, ``"coop"``,
    ``"province"``) for *period* (default: the latest month); None when the data has none."""
    proj = get_project(config)
    if key not in SECTIONS:
        raise KeyError(f"没有「{key}」这一部分；可选：{'、'.join(SECTIONS)}")
    data = unique_figures(df)
    p = to_period(period) if period is not None else latest_period(data)
    return SECTIONS[key](data, p, proj)


def latest_period(df: pd.DataFrame) -> pd.Period:
    """The latest monthly period with actual figures."""
    monthly = [q for q in df.loc[df["kind"].eq("actual"), "period"].unique() if q.freqstr.startswith("M")]
    if not monthly:
        raise DataError("数据中没有月度报表，无法确定通报月份；请用 --period 指定", code="no_period")
    return max(monthly)


def build_bulletin(df: pd.DataFrame, period=None, config=None) -> Bulletin:
    """Tables, paragraphs and charts of the monthly bulletin for *period* (default: latest)."""
    proj = get_project(config)
    data = unique_figures(df)
    p = to_period(period) if period is not None else latest_period(data)
    if not p.freqstr.startswith("M"):
        raise DataError(f"通报月份应为「2023-06」这样的月份，收到「{period}」", code="bad_period")
    sections = [s for s in (f(data, p, proj) for f in SECTIONS.values()) if s is not None]
    if not sections:
        raise DataError(f"数据中没有 {p} 的月度数据", code="no_data")
    return Bulletin(p, proj.city, sections, sample=_is_sample(data))

"""The monthly bulletin's content: tables, 通报 paragraphs and chart specs for one period.

:func:`build_bulletin` computes everything from the tidy table and returns a :class:`Bulletin`
(pure: no files). :mod:`baimq.report` draws and writes it. Every number a slide, a chart or the
text shows is taken from the section's table, so the deck, the workbook and the text agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import words as w
from .compare import NOTE_BASIS, contribution, progress, rank, share, yoy
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
    when: str = ""                           # the period as the text states it ("2023年1-6月")


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


def _areas(t: pd.DataFrame, proj: Project) -> pd.DataFrame:
    """The project city's own rows (the city, 市本级, zones, counties) in display order; other
    cities of a province-wide table are left out."""
    prefix = _city_code(proj.city)[:4]
    t = t[t["level"].isin(AREA_LEVELS) & t["area_code"].astype(str).str.startswith(prefix)]
    order = t["level"].map({lv: i for i, lv in enumerate(AREA_LEVELS)})
    return t.assign(_o=order).sort_values(["_o", "area_code"], kind="stable").drop(columns="_o")


def _own_share(t: pd.DataFrame) -> pd.Series:
    """占全市比重: the share of the city's parts; the city's own row (whose share would be of
    the province) stays empty."""
    return t["share"].where(t["level"].ne("city"))


def _city_code(city: str) -> str:
    from .areas import divisions

    div = divisions()
    hit = div.loc[div["name"].eq(city) & div["level"].eq("city"), "code"]
    return str(hit.iloc[0]) if len(hit) else ""


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
    now = _areas(full[full["period"].eq(p) & full["kind"].eq("actual")], proj)
    rev = now[now["indicator"].eq("budget_revenue")]
    table = pd.DataFrame({
        "地区": rev["area"], "本年累计": rev["value"], "上年同期": rev["prev_value"], "同比增长": rev["growth"],
        "占全市比重": _own_share(rev), "贡献率": rev["contribution"], "拉动（百分点）": rev["pull_pp"],
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
                   {"一般公共预算收入": "亿元", "收入结构": "亿元"}, charts, src,
                   when=w.period_words(p, True, with_year=True))


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
    fam = _whole_year(sum_batches(fam))
    full = share(yoy(fam[fam["batch"].eq("全年合计") | fam["kind"].eq("base")]), config=proj)
    now = _areas(full[full["period"].eq(year) & full["kind"].eq("actual")], proj)
    tot = now[now["indicator"].eq("bond_new")]
    gen = now[now["indicator"].eq("bond_new_general")].set_index("area")["value"]
    spe = now[now["indicator"].eq("bond_new_special")].set_index("area")["value"]
    table = pd.DataFrame({"地区": tot["area"], "新增债券": tot["value"],
                          "一般债券": tot["area"].map(gen), "专项债券": tot["area"].map(spe),
                          "占全市比重": _own_share(tot), "上年": tot["prev_value"], "同比增长": tot["growth"]})
    batches = fam[fam["indicator"].eq("bond_new") & fam["period"].eq(year) & fam["kind"].eq("actual")
                  & ~fam["batch"].isin(["", "全年合计"])]
    by_batch = _areas(batches, proj).pivot_table(index="area", columns="batch", values="value", aggfunc="first",
                                           sort=False)
    by_batch = by_batch.reindex(list(dict.fromkeys(_areas(batches, proj)["area"]))).reset_index().rename(
        columns={"area": "地区"})
    by_batch.columns.name = None
    counties = tot[tot["level"].isin(["county", "zone"])]
    text = describe(full, "bond_new", year, batch="全年合计", config=proj)
    summed = f"已下达各批次（{'、'.join(_batch_names(batches))}）合计" if len(batches) else ""
    text = text.replace(f"{p.year}年全年合计，", f"{p.year}年{summed}，", 1)
    city_row = tot[tot["level"].eq("city")]
    if len(city_row) and len(counties):
        cs = counties["value"].sum()
        text += (f"其中分配县（市、区）{w.fmt_amount(cs, '亿元')}、占比{w.fmt_pct(cs / city_row['value'].iloc[0])}。")
    sample = _is_sample(tot)
    parts = pd.concat([gen.rename("一般债券"), spe.rename("专项债券")], axis=1)
    split = by_value(counties)
    split_rows = full[full["indicator"].isin(["bond_new_general", "bond_new_special"]) & full["period"].eq(year)
                      & full["kind"].eq("actual") & full["area"].isin(counties["area"])]
    charts = [] if split_rows.empty or tot[tot["level"].ne("city")].empty else [
        Chart("bond_split", "bond_split", split_rows,
              slide=dict(kind="bar_stacked", categories=list(split["area"]),
                         series={c: [parts[c].get(a) for a in split["area"]] for c in parts.columns},
                         number_format="0.00", unit="亿元")),
        Chart("bond_share", "share_chart", tot[tot["level"].isin(["city", "city_own", "county", "zone"])],
              options=_county_share_title(tot),
              slide=dict(kind="pie", categories=list(tot[tot["level"].ne("city")]["area"]),
                         series={"占比": list(tot[tot["level"].ne("city")]["share"])}, number_format="0.0%")),
    ]
    tables = {"新增债券": table, "新增债券分批次": by_batch} if len(batches) else {"新增债券": table}
    return Section("bond", "新增债券", [text], tables, {"新增债券": "亿元", "新增债券分批次": "亿元"}, charts,
                   _source(proj, "bond_new", sample),
                   when=f"{p.year}年各批次合计" if len(batches) else f"{p.year}年")


def _whole_year(fam: pd.DataFrame) -> pd.DataFrame:
    """Mark the whole-year figure of each indicator, area and year as batch 全年合计: the sum
    of the batches where a year came in batches, else the figure reported for the year."""
    summed = fam["batch"].eq("全年合计")
    keys = fam[["indicator", "area"]].assign(p=fam["period"].astype(str)).apply(tuple, axis=1)
    single = fam["batch"].eq("") & fam["kind"].eq("actual") & ~keys.isin(set(keys[summed]))
    return fam.assign(batch=fam["batch"].where(~single, "全年合计"))


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
    d = _areas(done[done["period"].eq(p) & done["kind"].eq("actual")], proj).set_index("area")
    s = _areas(started[started["period"].eq(p) & started["kind"].eq("actual")], proj).set_index("area")
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
    as_of = str(city["as_of"]) if city is not None else ""
    return Section("road", "农村公路", [text], {"农村公路": table}, {"农村公路": "公里"}, charts,
                   _source(proj, "road_completed_km", sample),
                   when=w.period_words(p, False, as_of, with_year=True))


def _coop(df: pd.DataFrame, p: pd.Period, proj: Project) -> Section | None:
    fam = df[df["indicator"].eq("coop_count")]
    if not (fam["period"].eq(p) & fam["kind"].eq("actual")).any():
        return None
    y = yoy(fam)
    now = _areas(y[y["period"].eq(p) & y["kind"].eq("actual")], proj)
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
                   _source(proj, "coop_count", sample), when=w.period_words(p, False, with_year=True))


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
        elif pd.notna(m.get("comparable_growth")):
            text += f"，可比{w.growth_words(m['comparable_growth'])}（口径调整，名义增速不可比）"
        elif m["growth_note"]:
            text += f"（{m['growth_note']}）"
        text += "。"
    charts = [Chart("province_cities", "city_compare", now,
                    slide=dict(kind="barh", categories=list(now["area"]),
                               series={f"{year.year}年（亿元）": list(now["value"])}, number_format="0.00",
                               unit="亿元"))]
    return Section("province", "全省对比", [text], {"全省对比": table}, {"全省对比": "亿元"}, charts,
                   "数据来源：各市统计年鉴及预算报告（公开数据）", when=f"{year.year}年")


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


# --------------------------------------------------------------------------- notebook views
#: The column each section's headline figure is read from (default: the table's second column).
HEADLINE_COLUMN = {"road": "累计完工"}


def headlines(bulletin: Bulletin) -> pd.DataFrame:
    """The city's headline figure of every section, one row each, read from the section tables.

    Columns 指标, 期间, 数值, 单位, 同比增长, 完成率, 时序进度, 亮灯 (NaN or "" where a section
    has no such figure). The bulletin is not modified.
    """
    rows = []
    for s in bulletin.sections:
        name, t = next(iter(s.tables.items()))
        mine = t[t.iloc[:, 0].eq(bulletin.city)]
        if mine.empty:
            continue
        r = mine.iloc[0]
        col = HEADLINE_COLUMN.get(s.key, t.columns[1])
        growth = next((c for c in t.columns if "增长" in c), None)
        rows.append({"指标": f"{s.heading}（{col}）" if s.key in HEADLINE_COLUMN else s.heading,
                     "期间": s.when, "数值": r[col], "单位": s.units.get(name, ""),
                     "同比增长": r[growth] if growth else float("nan"),
                     "完成率": r.get("完成率", r.get("完工率", float("nan"))),
                     "时序进度": r.get("时序进度", float("nan")),
                     "亮灯": r.get("亮灯", "")})
    return pd.DataFrame(rows, columns=["指标", "期间", "数值", "单位", "同比增长", "完成率", "时序进度", "亮灯"])


def light_board(bulletin: Bulletin) -> pd.DataFrame:
    """Areas down, one column per section with lights (亮灯), the light in words (绿灯/黄灯/红灯, "—").

    Areas in the order of the first such table, then any others; the city's row first.
    """
    boards = [(s.heading, t.set_index(t.columns[0])["亮灯"]) for s in bulletin.sections
              for t in s.tables.values() if "亮灯" in t.columns]
    if not boards:
        return pd.DataFrame(columns=["地区"])
    areas = list(dict.fromkeys(a for _, lights in boards for a in lights.index))
    out = pd.DataFrame({"地区": areas})
    for heading, lights in boards:
        out[heading] = [w.light_words(lights.get(a, "")) for a in areas]
    return out


def behind_schedule(bulletin: Bulletin) -> pd.DataFrame:
    """Every area lit yellow or red: 指标, 地区, 完成率 (a road's 完工率), 时序进度, 落后（百分点）,
    亮灯 (red first, then the furthest behind)."""
    parts = []
    for s in bulletin.sections:
        for t in s.tables.values():
            done = next((c for c in ("完成率", "完工率") if c in t.columns), None)
            if done is None or not {"亮灯", "时序进度"} <= set(t.columns):
                continue
            late = t[t["亮灯"].isin(["yellow", "red"])]
            parts.append(pd.DataFrame({
                "指标": s.heading, "地区": late.iloc[:, 0].to_numpy(), "完成率": late[done].to_numpy(),
                "时序进度": late["时序进度"].to_numpy(),
                "落后（百分点）": ((late["时序进度"] - late[done]) * 100).to_numpy(),
                "亮灯": late["亮灯"].to_numpy()}))
    cols = ["指标", "地区", "完成率", "时序进度", "落后（百分点）", "亮灯"]
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    out["_red"] = out["亮灯"].ne("red")
    return out.sort_values(["_red", "落后（百分点）"], ascending=[True, False], kind="stable")[cols].reset_index(
        drop=True)


_SUFFIX = {"value": "", "growth": "增长", "comparable_growth": "可比增长", "share": "占比",
           "rank": "排名", "value_rank": "总量排名", "completion": "完成率"}


def period_label(q: pd.Period, stock: bool) -> str:
    """A period as a column heading: 2022年 / 2022年底 (a stock), 2023年1-6月 / 2023年6月底."""
    if q.freqstr[0] in "YA":
        return f"{q.year}年底" if stock else f"{q.year}年"
    return w.period_words(q, not stock, with_year=True).removeprefix("截至")


def over_time(df: pd.DataFrame, indicator: str, period, *, column: str = "value",
              levels=AREA_LEVELS, drop_empty: bool = True, config=None) -> pd.DataFrame:
    """Areas down, period ends across: every year up to *period*'s year, then *period* itself.

    Parameters
    ----------
    df : pandas.DataFrame
        A tidy table, possibly with :mod:`baimq.compare` columns (``growth``, ``rank`` …). Not
        mutated.
    indicator : str
        Catalogue key.
    period : str or pandas.Period
        The last period shown: a month (``"2023-06"``: the year ends before 2023, then June
        2023) or a year (``"2025"``: every year up to 2025).
    column : str
        The column shown: ``"value"``, ``"growth"``, ``"rank"`` … Headings get a suffix
        ("2023年增长", "2023年排名") so :func:`baimq.report.format_table` shows them right.
        A growth left out across a change of basis reads "口径变化" (see ``growth_note``).
    levels : tuple of str
        Area levels kept, in display order (then by area code).
    drop_empty : bool
        Leave out periods with no figure at all (the first year has no growth).

    Returns
    -------
    pandas.DataFrame
        ``地区`` and one column per period, oldest first.
    """
    proj = get_project(config)
    p = to_period(period)
    annual = p.freqstr[0] in "YA"
    stock = not proj.indicators[indicator].cumulative if indicator in proj.indicators else False
    t = df[df["indicator"].eq(indicator) & df["kind"].eq("actual") & df["batch"].eq("")
           & df["level"].isin(levels)]
    keep = t["period"].map(lambda q: (q.freqstr[0] in "YA" and q.year <= p.year - (0 if annual else 1))
                           or q == p)
    t = t[keep.astype(bool)]
    order = t["level"].map({lv: i for i, lv in enumerate(levels)})
    t = t.assign(_o=order, _k=t["period"].map(lambda q: (q.year, q.freqstr[0] == "M")))
    t = t.sort_values(["_o", "area_code", "_k"], kind="stable")
    periods = list(dict.fromkeys(sorted(t["period"], key=lambda q: (q.year, q.freqstr[0] == "M"))))
    labels = {q: period_label(q, stock) + _SUFFIX.get(column, column) for q in periods}
    cells = t[column].astype(object)
    if column == "growth" and "growth_note" in t.columns:  # say why, where the basis changed
        cells = cells.where(~(t[column].isna() & t["growth_note"].eq(NOTE_BASIS)), "口径变化")
    wide = t.assign(_l=t["period"].map(labels), _v=cells).pivot_table(
        index="area", columns="_l", values="_v", aggfunc="first", sort=False, dropna=False)
    wide = wide.reindex(index=list(dict.fromkeys(t["area"])), columns=[labels[q] for q in periods])
    if drop_empty:
        wide = wide.dropna(axis=1, how="all")
    wide = wide.apply(lambda c: pd.to_numeric(c) if c.map(lambda v: not isinstance(v, str)).all() else c)
    wide.columns.name = None
    return wide.rename_axis("地区").reset_index()


def city_ranks(df: pd.DataFrame, indicator: str = "budget_revenue", config=None) -> pd.DataFrame:
    """The cities' annual figures of *indicator* with 同比 and two ranks among the cities.

    One row per city and year (the same figure from two tables is kept once, the one stating
    its own rate first). Columns of :func:`baimq.compare.yoy` (across a change of basis:
    ``growth`` NaN, ``growth_note`` "口径变化，无可比基数", ``comparable_growth`` the stated
    可比增长), ``value_rank``/``value_rank_change`` (总量位次) and ``rank``/``rank_change``
    (增速位次; positive = moved up). The input is not modified.
    """
    proj = get_project(config)
    data = unique_figures(df)
    fam = data[data["indicator"].eq(indicator) & data["level"].eq("city") & data["kind"].eq("actual")
               & data["period"].map(lambda q: q.freqstr[0] in "YA").astype(bool)]
    by_value = rank(yoy(fam), by="value", config=proj).rename(columns={
        "rank": "value_rank", "rank_of": "value_rank_of", "rank_prev": "value_rank_prev",
        "rank_change": "value_rank_change"})
    return rank(by_value, by="growth", config=proj)


def county_share_words(t: pd.DataFrame) -> str:
    """"分配县（市、区）88.84亿元，占81.5%": what the counties and zones of one indicator,
    period and batch got together, and their share of the city total ("" without both)."""
    return _county_share_title(t).get("title", "")

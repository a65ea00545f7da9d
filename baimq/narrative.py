"""The 通报 paragraph for one indicator and period, written from the data alone.

:func:`describe_facts` gathers the figures (a dict a test can check against the tables);
:func:`describe` words them the way a bulletin does::

    1-6月，全市一般公共预算收入69.44亿元，同比增长6.2%，增速比一季度提高1.1个百分点。
    分县看，廉江市（14.9%）、遂溪县（10.4%）增速居前，坡头区同比下降3.4%。
"""
from __future__ import annotations

import math

import pandas as pd

from . import words as w
from .compare import _parent_keys, progress, rank, yoy
from .config import get_project
from .errors import DataError
from .schema import to_period


def _nan_to_none(x):
    if x is None:
        return None
    try:
        return None if math.isnan(float(x)) else float(x)
    except (TypeError, ValueError):
        return x


def _pace_period(p: pd.Period, cumulative: bool, against: str) -> pd.Period | None:
    """The earlier period a growth rate is compared with (None in January)."""
    if p.freqstr.split("-")[0] in ("Y", "A"):
        return p - 1
    if p.month == 1:
        return None
    if against == "quarter" and cumulative:
        q_end = (p.month - 1) // 3 * 3
        return pd.Period(year=p.year, month=q_end, freq="M") if q_end else None
    return p - 1


def _row(df: pd.DataFrame, area: str, period: pd.Period, batch: str) -> pd.Series | None:
    m = df["area"].eq(area) & df["period"].eq(period) & df["kind"].eq("actual") & df["batch"].eq(batch)
    if not m.any():
        return None
    hits = df[m]  # the same figure may come from two returns: prefer one stating its growth
    return hits.iloc[int(hits["stated_growth"].isna().to_numpy().argmin())]


def _county_table(df: pd.DataFrame, period, batch: str, parent_code: str) -> pd.DataFrame:
    m = (df["level"].eq("county") & df["period"].eq(period) & df["kind"].eq("actual")
         & df["batch"].eq(batch))
    if parent_code:
        m &= _parent_keys(df).isin([parent_code, "@city"])
    return df[m]


def _growth_items(t: pd.DataFrame) -> list[dict]:
    return [{"area": a, "growth": float(g)} for a, g in zip(t["area"], t["growth"])]


def describe_facts(df: pd.DataFrame, indicator: str, period, *, area: str | None = None,
                   batch: str = "", top: int = 2, pace_against: str = "previous",
                   config=None) -> dict:
    """The figures a 通报 paragraph quotes, as a dict.

    Parameters
    ----------
    df : pandas.DataFrame
        A tidy table holding the indicator for *period* and for the periods compared
        (a year earlier; the previous month or quarter). Not mutated.
    indicator : str
        Catalogue key, e.g. ``"budget_revenue"``.
    period : str or pandas.Period
        ``"2023-06"`` or ``"2022"``.
    area : str, optional
        The total described (default: the project's city).
    batch : str
        The sub-series (a bond batch); "" for none.
    top : int
        How many counties are named as leading.
    pace_against : {"previous", "quarter"}
        Compare the growth rate with the previous month's (1-5月) or the last quarter's
        (一季度) cumulative growth. Annual figures are compared with the previous year.
    config : path or Project, optional

    Returns
    -------
    dict
        Keys: indicator, name, scope_word ("全市"), unit, area, period, period_words, cumulative, annual,
        value, prev_value, change, growth, comparable_growth, growth_note, pace_period,
        pace_words, prev_growth, leaders, decliners, time_progress, completion, light,
        behind. Missing figures are None; lists hold dicts with area and figures.
    """
    proj = get_project(config)
    ind = proj.indicators.get(indicator)
    scope = area or proj.city
    p = to_period(period)
    target_ind = ind.target_of if ind is not None and ind.target_of else indicator
    sub = df[df["indicator"].eq(indicator)
             | (df["indicator"].eq(target_ind) & df["kind"].eq("target"))]
    y = yoy(sub[sub["indicator"].eq(indicator)])
    total = _row(y, scope, p, batch)
    counties = _county_table(y, p, batch, str(total["area_code"])[:6] if total is not None else "")
    if total is None and counties.empty:
        batches = sorted(set(y.loc[y["period"].eq(p), "batch"]) - {batch})
        hint = f"；该期按批次填报（{'、'.join(batches)}），请指定 batch" if batches else ""
        raise DataError(f"表中没有「{scope}」{p}的{ind.name if ind else indicator}数据{hint}",
                        code="no_data")
    ref = total if total is not None else counties.iloc[0]
    annual = p.freqstr.split("-")[0] in ("Y", "A")
    cumulative = bool(ref["cumulative"])
    facts = {
        "indicator": indicator, "name": ind.name if ind else indicator,
        "scope_word": {proj.city: "全市", proj.province: "全省"}.get(scope, scope),
        "unit": ind.unit if ind else str(ref["unit"]), "area": scope, "period": str(p),
        "period_words": w.period_words(p, cumulative, str(ref["as_of"])) + (batch if batch else ""),
        "cumulative": cumulative, "annual": annual, "batch": batch,
    }
    for key in ("value", "prev_value", "change", "growth", "comparable_growth"):
        facts[key] = _nan_to_none(total[key]) if total is not None else None
    facts["growth_note"] = str(total["growth_note"]) if total is not None else ""
    facts.update(_pace_facts(y, scope, p, batch, cumulative, pace_against, annual))
    facts.update(_county_facts(counties, top))
    facts.update(_progress_facts(sub, scope, p, batch, counties, config))
    return facts


def _pace_facts(y, scope, p, batch, cumulative, against, annual) -> dict:
    pp = _pace_period(p, cumulative, against)
    row = _row(y, scope, pp, batch) if pp is not None else None
    words = None
    if pp is not None:
        words = "上年" if annual else w.period_words(pp, cumulative, quarter_names=True).removeprefix("截至")
    return {"pace_period": str(pp) if pp is not None else None, "pace_words": words,
            "prev_growth": _nan_to_none(row["growth"]) if row is not None else None}


def _county_facts(counties: pd.DataFrame, top: int) -> dict:
    ranked = rank(counties, by="growth", higher_is_better=True)
    ranked = ranked[ranked["rank"].notna()].sort_values(["rank", "area"], kind="stable")
    leaders = ranked[ranked["rank"] <= top]
    shown = counties["growth"].map(lambda g: w.pct_points(g)) if len(counties) else counties["growth"]
    declining = counties[shown.lt(0).fillna(False).astype(bool) & ~counties["area"].isin(leaders["area"])]
    declining = declining.sort_values(["growth", "area"], kind="stable")
    return {"leaders": _growth_items(leaders), "decliners": _growth_items(declining)}


def _progress_facts(sub, scope, p, batch, counties, config) -> dict:
    empty = {"time_progress": None, "completion": None, "light": "", "behind": []}
    if not sub["kind"].eq("target").any():
        return empty
    pr = progress(sub[sub["period"].eq(p) | sub["kind"].eq("target")], config=config)
    pr = pr[pr["kind"].eq("actual") & pr["period"].eq(p) & pr["batch"].eq(batch)]
    tot = pr[pr["area"].eq(scope)]
    cty = pr[pr["area"].isin(counties["area"]) & pr["light"].isin(["yellow", "red"])]
    cty = cty.sort_values(["completion", "area"], kind="stable")
    tp = pr["time_progress"].dropna()
    return {
        "time_progress": _nan_to_none(tp.iloc[0]) if len(tp) else None,
        "completion": _nan_to_none(tot["completion"].iloc[0]) if len(tot) else None,
        "light": str(tot["light"].iloc[0]) if len(tot) else "",
        "behind": [{"area": a, "completion": float(c), "light": lt}
                   for a, c, lt in zip(cty["area"], cty["completion"], cty["light"])],
    }


def describe(df: pd.DataFrame, indicator: str, period, **options) -> str:
    """The 通报 paragraph for one indicator and period (plain text).

    Takes the same arguments as :func:`describe_facts` and words its figures: the total
    and its growth (or 可比增长 across a change of basis), the change of pace against the
    previous period, the leading counties and those in decline, and the counties behind
    时序进度 with their lights.
    """
    return render(describe_facts(df, indicator, period, **options))


def render(f: dict) -> str:
    """Word the facts of :func:`describe_facts` as a paragraph."""
    parts = [_total_sentence(f), _county_sentence(f), _progress_sentence(f)]
    return "".join(s for s in parts if s)


def _total_sentence(f: dict) -> str:
    if f["value"] is None:
        return ""
    s = f"{f['period_words']}，{f['scope_word']}{f['name']}{w.fmt_amount(f['value'], f['unit'])}"
    if f["growth"] is not None:
        if f["annual"]:
            base = "上年同批次" if f.get("batch") not in ("", None, "全年合计") else "上年"
            s += f"，比{base}{w.change_words(f['change'], f['unit'])}，{w.growth_words(f['growth'])}"
        else:
            s += f"，同比{w.growth_words(f['growth'])}"
        if f["prev_growth"] is not None:
            pace = w.pace_words(f["growth"], f["prev_growth"])
            if pace == "持平":
                s += f"，增速与{f['pace_words']}持平"
            elif pace.startswith("降幅"):
                s += f"，降幅比{f['pace_words']}{pace[2:]}"
            else:
                s += f"，增速比{f['pace_words']}{pace}"
    elif f["comparable_growth"] is not None:
        g = w.growth_words(f["comparable_growth"])
        s += f"，可比{g}" if g != "持平" else "，可比口径持平"
    elif f["growth_note"]:
        s += f"（{f['growth_note']}）"
    return s + "。"


def _county_sentence(f: dict) -> str:
    bits = []
    if f["leaders"]:
        names = "、".join(f"{x['area']}（{w.fmt_pct(x['growth'], signed=True)}）" for x in f["leaders"])
        falling = all(w.pct_points(x["growth"]) < 0 for x in f["leaders"])
        bits.append(f"{names}{'降幅较小' if falling else '增速居前'}")
    dec = f["decliners"]
    if dec:
        when = "比上年" if f["annual"] else "同比"
        names = "、".join(x["area"] for x in dec)
        if len(dec) == 1:
            bits.append(f"{names}{when}{w.growth_words(dec[0]['growth'])}")
        else:
            sizes = "、".join(w.fmt_pct(x["growth"]) for x in dec)
            bits.append(f"{names}{when}分别下降{sizes}")
    return f"分县看，{'，'.join(bits)}。" if bits else ""


def _progress_sentence(f: dict) -> str:
    if f["time_progress"] is None or (f["completion"] is None and not f["behind"]):
        return ""
    head = []
    if f["completion"] is not None:
        head.append(f"{f['scope_word']}完成年度目标任务的{w.fmt_pct(f['completion'])}")
    head.append(f"时序进度{w.fmt_pct(f['time_progress'])}")
    s = "从进度看，" + "，".join(head)
    if f["behind"]:
        names = "、".join(f"{x['area']}（{w.fmt_pct(x['completion'])}，{w.light_words(x['light'])}）"
                         for x in f["behind"])
        s += f"；{names}进度滞后"
    return s + "。"


__all__ = ["describe", "describe_facts", "render"]

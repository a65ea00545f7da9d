"""Checks on loaded tables: totals, stated rates, magnitudes, negatives, revisions.

Table checks work on one table's records (dicts with the tidy fields plus ``_half``, the
rounding half-unit of each figure in the canonical unit, ``_row``, ``_parent``, ``_file``,
``_sheet``, ``_cell``: plain Python, as a return has some tens of rows), the revision check on
the whole loaded frame; all return :class:`baimq.errors.Finding` warnings.

Tolerance comes from the decimals shown: a figure shown with two decimals may be off by
0.005 from its true value, so a total and the sum of its parts disagree only when
``|total − Σ parts| > half(total) + Σ half(part)``. Table 68's 地市小计 5,439.23 against the
sum of the 21 cities 5,439.24 passes (tolerance 0.005 + 21 × 0.005 = 0.11). Stated rates are
compared the same way: the rate's own rounding interval against the interval of rates the
rounded figures allow.

Totals hierarchy. A city row = its own level (本级) + its counties, checked only when every
county of that city is in the table (else one "部分地区缺报，未核对合计" finding). Functional
zones (经开区, 高新区) lie inside counties in most returns (their revenue is also counted in the
county where they are), so they are not parts by default: the total passes if it matches
without zones **or** with them, and fails only when neither sum matches. The province =
省本级 + 地市小计; 地市小计 = sum of the 21 cities; without a 地市小计 row, province = cities
(+ 省本级).
"""
from __future__ import annotations

import math
import weakref

import pandas as pd

from .errors import Finding

LEVEL_WORDS = {"province": "省级", "province_own": "省本级", "subtotal": "地市小计", "city": "市级",
               "city_own": "市本级", "zone": "功能区", "county": "县级", "town": "镇级"}


def _fmt(x: float, half: float | None = None) -> str:
    """A figure as the return shows it: the decimals its rounding half-unit implies (0.005 → 2),
    else up to four with trailing zeros dropped."""
    if half is not None and half > 0:
        digits = max(0, min(8, round(-math.log10(2 * half))))
        return f"{x:,.{digits}f}"
    if half == 0:
        return f"{x:,.0f}"
    return f"{x:,.4f}".rstrip("0").rstrip(".")


def _warn(code, message, row=None, value="") -> Finding:
    if row is None:
        return Finding("warning", code, message)
    return Finding("warning", code, message, row["_file"], row["_sheet"], row["_cell"], str(value))


def _within(total: dict, parts: list[dict]) -> bool:
    tol = total["_half"] + sum(p["_half"] for p in parts) + 1e-9 * max(1.0, abs(total["value"]))
    return abs(total["value"] - sum(p["value"] for p in parts)) <= tol


def _groups(records: list[dict]) -> dict:
    out: dict = {}
    for r in records:
        key = (r["indicator"], str(r["period"]), r["kind"], r["batch"], r["basis"])
        out.setdefault(key, []).append(r)
    return dict(sorted(out.items()))


# ----------------------------------------------------------------------------- totals
def _check_one_total(total, parts, alt_parts, what: str, name) -> list[Finding]:
    if _within(total, parts) or (alt_parts is not None and _within(total, alt_parts)):
        return []
    s = sum(p["value"] for p in parts)
    h = total["_half"]
    msg = (f"{name(total['indicator'])}合计 {_fmt(total['value'], h)}{total['unit']} 与{what}之和 "
           f"{_fmt(s, h)}{total['unit']} 相差 {_fmt(total['value'] - s, h)}，超出四舍五入误差，请核对")
    return [_warn("total_mismatch", msg, total, _fmt(total["value"], h))]


def _city_totals(grp: list[dict], counties_of, present: set, name, missing: dict) -> list[Finding]:
    out = []
    for city in (r for r in grp if r["level"] == "city"):
        kids = [r for r in grp if r["_parent"] == city["area_code"] and r["level"] == "county"]
        if not kids:
            continue
        absent = counties_of(city["area_code"]) - present
        if absent:
            missing.setdefault((city["_file"], city["_sheet"], city["area"]), set()).update(absent)
            continue
        own = [r for r in grp if r["level"] == "city_own" and r["_parent"] == city["area_code"]]
        zones = [r for r in grp if r["level"] == "zone" and r["_parent"] == city["area_code"]]
        what = ("市本级及" if own else "") + "各县（市、区）"
        out += _check_one_total(city, own + kids, own + kids + zones if zones else None, what, name)
    return out


def _province_totals(grp: list[dict], all_cities: set, present: set, name, missing: dict) -> list[Finding]:
    def of(level):
        return [r for r in grp if r["level"] == level]

    prov, sub, own, cities = of("province"), of("subtotal"), of("province_own"), of("city")
    if not prov and not sub:
        return []
    absent = all_cities - present
    out = []
    if sub and not absent:
        out += _check_one_total(sub[0], cities, None, "各地市", name)
    if prov and sub:
        out += _check_one_total(prov[0], own + sub, None, "省本级及地市小计", name)
    elif prov and not absent:
        out += _check_one_total(prov[0], own + cities, None, ("省本级及" if own else "") + "各地市", name)
    if absent:
        first = (prov or sub)[0]
        missing.setdefault((first["_file"], first["_sheet"], first["area"]), set()).update(absent)
    return out


_HIERARCHY: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _hierarchy(resolver) -> tuple[dict, frozenset]:
    """City code → its counties' codes, and all city codes (built once per resolver)."""
    if resolver not in _HIERARCHY:
        kids: dict = {}
        for a in resolver._by_code.values():
            if a.level == "county":
                kids.setdefault(a.parent, set()).add(a.code)
        _HIERARCHY[resolver] = ({k: frozenset(v) for k, v in kids.items()},
                                frozenset(a.code for a in resolver._cities()))
    return _HIERARCHY[resolver]


def check_totals(records: list[dict], project, resolver, present: set | None = None) -> list[Finding]:
    """Totals rows against the sum of their parts (additive indicators only).

    *present* holds the codes of every area with a row in the table: a part whose cell is
    blank ("—", as published) is there with nothing to add; only areas without a row are
    missing. By default, the areas with a figure.
    """
    present = present if present is not None else {r["area_code"] for r in records}
    def name(key):
        return project.indicators[key].name

    kids, all_cities = _hierarchy(resolver)
    out, missing = [], {}
    additive = [r for r in records if project.indicators[r["indicator"]].additive]
    for grp in _groups(additive).values():
        out += _city_totals(grp, lambda code: kids.get(code, set()), present, name, missing)
        out += _province_totals(grp, all_cities, present, name, missing)
    for (file, sheet, area), codes in sorted(missing.items()):
        names = "、".join(resolver._by_code[c].name for c in sorted(codes) if c in resolver._by_code)
        out.append(Finding("warning", "partial_table", f"部分地区缺报（{names}），未核对「{area}」合计",
                           file, sheet, ""))
    return out


# ----------------------------------------------------------------------------- rates
def _interval(num, hnum, den, hden):
    if den - hden <= 0:
        return None
    lo = (num - hnum) / (den + hden)
    hi = (num + hnum) / (den - hden)
    return min(lo, hi), max(lo, hi)


def _first(rows, **eq):
    return next((r for r in rows if all(r[k] == v for k, v in eq.items())), None)


def _rate_parts(obs, by_row: dict, records: list[dict], project):
    """(numerator, denominator, offset): the stated rate should equal num/den − offset."""
    same = [r for r in by_row.get(obs["row"], ()) if r["batch"] == obs["batch"]]
    if obs["rate"] == "growth":
        of = obs["rate_of"]
        a = next((r for r in same if r["indicator"] == of and r["kind"] == "actual"), None)
        b = next((r for r in same if r["indicator"] == of and r["kind"] == "base"), None)
        return (a, b, 1.0) if a and b else None
    if obs["rate"] == "share":
        a = next((r for r in same if r["indicator"] == obs["rate_of"] and r["kind"] != "base"), None)
        if a is None:
            return None
        tot = next((r for r in records if r["_col"] == a["_col"] and r["level"] in ("city", "province")
                    and r["_row"] != obs["row"]), None)
        return (a, tot, 0.0) if tot else None
    spec = project.rates.get(obs["rate"], {})
    num, den = spec.get("numerator"), spec.get("denominator")
    a, b = _first(same, indicator=num), _first(same, indicator=den)
    return (a, b, 0.0) if num and den and a and b else None


def check_rates(records: list[dict], rates: list[dict], project) -> list[Finding]:
    """Stated rate columns (同比, 占比, 开工率, 完工率) against the figures beside them."""
    by_row: dict = {}
    for r in records:
        by_row.setdefault(r["_row"], []).append(r)
    out = []
    for obs in rates:
        parts = _rate_parts(obs, by_row, records, project)
        if parts is None:
            continue
        num, den, offset = parts
        iv = _interval(num["value"], num["_half"], den["value"], den["_half"])
        if iv is None:
            continue
        lo, hi = iv[0] - offset, iv[1] - offset
        s, h = obs["value"], obs["half"] + 1e-12
        if s + h < lo or s - h > hi:
            rname = project.rates.get(obs["rate"], {}).get("name", obs["rate"])
            calc = (num["value"] / den["value"] - offset) * 100
            msg = f"表列{rname} {s * 100:.{obs['decimals']}f}% 与同行数据算得的 {calc:.2f}% 不符，请核对"
            out.append(Finding("warning", "rate_mismatch", msg, obs["file"], obs["sheet"], obs["cell"],
                               obs["text"]))
    return out


# ----------------------------------------------------------------------------- magnitudes
def check_magnitudes(records: list[dict], project) -> list[Finding]:
    """Negative values where none can be, and values outside the catalogue's plausible bounds.

    When another unit of the same family would bring the value inside the bounds, say which
    (a county with 62391.5 亿元 is 万元 declared as 亿元). One finding per column when several
    cells of it point to the same mistake.
    """
    out = []
    flagged: dict = {}
    for row in records:
        ind = project.indicators[row["indicator"]]
        bounds = ind.plausible.get(row["level"])
        if row["value"] < 0 and (bounds is None or bounds[0] >= 0):
            out.append(_warn("negative", f"{ind.name}为负数，此指标不应为负，请核对", row, _fmt(row["value"])))
            continue
        if not bounds or bounds[0] <= row["value"] <= bounds[1]:
            continue
        hint = _unit_hint(row, bounds, project)
        flagged.setdefault((row["_file"], row["_sheet"], row["_col"], hint), []).append((row, bounds))
    for (_f, _s, _c, hint), items in flagged.items():
        row, bounds = items[0]
        ind = project.indicators[row["indicator"]]
        level = LEVEL_WORDS.get(row["level"], row["level"])
        many = f"本列共 {len(items)} 个数值" if len(items) > 1 else "数值"
        msg = (f"{ind.name}{many}超出{level}合理范围（{_fmt(bounds[0])}–{_fmt(bounds[1])}{ind.unit}），"
               f"如 {_fmt(row['value'])}{ind.unit}" + (f"；{hint}" if hint else "；请核对数值与单位"))
        out.append(_warn("implausible", msg, row, _fmt(row["value"])))
    return out


def _unit_hint(row, bounds, project) -> str:
    sent = row["unit_sent"]
    fam, f_sent = project.units.get(sent, ["", 0])
    if not f_sent:
        return ""
    closest_first = sorted(project.units.items(), key=lambda kv: (abs(math.log10(kv[1][1] / f_sent)), kv[0]))
    for word, (fam2, f2) in closest_first:
        if fam2 != fam or word == sent or f2 == f_sent:
            continue
        if bounds[0] <= row["value"] * f2 / f_sent <= bounds[1]:
            return f"疑为{word}误标为{sent}"
    return ""


# ----------------------------------------------------------------------------- revisions
def check_revisions(df: pd.DataFrame, project) -> list[Finding]:
    """The same figure (indicator, area, period, kind, batch, basis) from two different
    tables with different values beyond rounding: a revision the analyst must confirm."""
    if df.empty:
        return []
    # Only figures stated more than once can be revised: find them first (cheap on 100,000s of rows).
    df = df[df.duplicated(["indicator", "area_code", "area", "period", "kind", "batch", "basis"], keep=False)]
    if df.empty:
        return []
    d = df.assign(period_key=df["period"].astype(str), _table=df["_file"] + "!" + df["_sheet"])
    keys = ["indicator", "area_code", "area", "period_key", "kind", "batch", "basis"]
    d = d[d.groupby(keys)["_table"].transform("nunique") > 1]
    out = []
    for _, grp in d.groupby(keys, sort=True):
        grp = grp.sort_values("source")
        first = grp.iloc[0]
        for _, other in grp.iloc[1:].iterrows():
            if other["_table"] == first["_table"]:
                continue
            if abs(other["value"] - first["value"]) > other["_half"] + first["_half"] + 1e-9:
                name = project.indicators[first["indicator"]].name
                msg = (f"「{first['area']}」{first['period_key']} {name}与 {first['source']} 的 "
                       f"{_fmt(first['value'])}{first['unit']} 不同（本处 {_fmt(other['value'])}{other['unit']}），"
                       "数据是否已修订？")
                out.append(_warn("revision", msg, other, _fmt(other["value"])))
    return out

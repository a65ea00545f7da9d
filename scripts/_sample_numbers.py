"""Invented but plausible figures for the synthetic returns (示例数据), and the rounding rules.

All money is kept as integers in units of 0.01 万元 (100 元), kilometres in 0.1 km and counts
in 家, so that totals add up exactly. Anchor figures from 湛江's 2023 mid-year work report and
its 2022 final accounts are met exactly (see ``ANCHORS``). Deterministic: one fixed seed.
"""
from __future__ import annotations

import random
from functools import lru_cache
from decimal import ROUND_HALF_UP, Decimal

SEED = 20230630
UNITS = ["市本级", "赤坎区", "霞山区", "坡头区", "麻章区", "遂溪县", "徐闻县", "廉江市", "雷州市", "吴川市"]
COUNTIES = UNITS[1:]
YI = 1_000_000      # 1 亿元 in units of 0.01 万元
CENT_YI = 10_000    # 0.01 亿元 in units of 0.01 万元

# Anchors (亿元 unless stated), exact.
ANCHORS = {
    "rev_2021": (160.40, 97.90, 62.50),   # 2021 final: total, tax, non-tax (tax/non-tax invented so the
    "rev_2022": (136.94, 83.25, 53.69),   # stated −15.0% / −14.1% of 2022 hold); 2022 final (real)
    "rev_2023": (155.63, 94.12, 61.51),   # 2023 total real (155.63); split invented
    "rev_2022_06": (64.44, 39.02, 25.42),  # 68.43 / 64.44 − 1 = 6.19% → 6.2%
    "rev_2023_06": (68.43, 41.37, 27.06),  # work report: *8.4*亿元, 同比增长*.2%
    "rev_2021_06": (77.28, 46.90, 30.38),
    "bond_2022_提前批次": 83.65,           # 109 / 1.303 = 83.65; 109 / 83.65 − 1 = 30.30%
    "bond_2023_提前批次": 109.00,          # of which 市本级 20.16, counties 88.84 (81.5%)
    "road_2023_06": (258.0, 92.0),         # 累计开工, 累计完工 (km)
    "road_task": {2022: 380.0, 2023: 420.0},
    "coop": {"2021-12": 6912, "2022-12": 7640, "2023-06": 8023, "2023-12": 8405},
}


# --- rounding ---------------------------------------------------------------------------
def half_up(x, nd: int) -> float:
    """Round half-up (四舍五入) to *nd* decimals, via Decimal of the shortest repr."""
    q = Decimal(1).scaleb(-nd)
    return float(Decimal(str(x)).quantize(q, rounding=ROUND_HALF_UP))


def dsum(values) -> float:
    """Exact decimal sum of displayed values (no binary drift)."""
    return float(sum((Decimal(str(v)) for v in values), Decimal(0)))


def growth_pct(cur, base, nd: int = 1):
    """同比 in percent, half-up; None when the base is zero or negative."""
    if base is None or base <= 0:
        return None
    g = (Decimal(str(cur)) - Decimal(str(base))) / Decimal(str(base)) * 100
    return float(g.quantize(Decimal(1).scaleb(-nd), rounding=ROUND_HALF_UP)) + 0.0  # no −0.0


def share_pct(part, whole, nd: int = 1):
    g = Decimal(str(part)) / Decimal(str(whole)) * 100
    return float(g.quantize(Decimal(1).scaleb(-nd), rounding=ROUND_HALF_UP))


def allocate(total: int, weights) -> list[int]:
    """Split integer *total* in proportion to *weights* (largest remainder); sums exactly."""
    w = [max(float(x), 0.0) for x in weights]
    s = sum(w)
    raw = [total * x / s for x in w]
    base = [int(r) for r in raw]
    rest = total - sum(base)
    order = sorted(range(len(w)), key=lambda i: (-(raw[i] - base[i]), i))
    for i in order[:rest]:
        base[i] += 1
    return base


def yi_units(x: float) -> int:
    """亿元 (2 decimals) → units of 0.01 万元."""
    return int(round(x * 100)) * CENT_YI


# --- budget revenue -----------------------------------------------------------------------
_SHARE = [40, 6, 7, 4, 5, 7, 5, 11, 8, 7]                                   # % of 2022 revenue
_TAX_SHARE = [0.66, 0.72, 0.70, 0.50, 0.55, 0.52, 0.48, 0.60, 0.50, 0.55]
_R22_21 = [0.83, 0.88, 0.86, 0.90, 0.84, 0.89, 0.92, 0.87, 0.81, 0.85]     # 2022 / 2021
_R23_22 = [1.12, 1.10, 1.02, 0.97, 1.08, 1.18, 1.13, 1.22, 1.09, 1.15]     # 2023 / 2022
_G23_06 = [5.0, 7.5, -1.2, -3.4, 4.1, 10.4, 6.8, 14.9, 2.7, 8.3]            # 1-6月 growth %
_JAN_JUN = [0.17, 0.32, 0.50, 0.66, 0.83]                                   # months 1-5 / June
_JUL_DEC = [0.15, 0.28, 0.44, 0.60, 0.77]                                   # (m − June) / (Dec − June)


def _split(total_cents: int, tax_cents: int, weights, tax_share) -> dict:
    """Revenue per unit allocated to *total_cents*; tax allocated inside it; in 0.01万 units."""
    rev = allocate(total_cents, weights)
    tax = allocate(tax_cents, [r * t for r, t in zip(rev, tax_share)])
    return {u: (t * CENT_YI, (r - t) * CENT_YI) for u, r, t in zip(UNITS, rev, tax)}


def _cents(x: float) -> int:
    return int(round(x * 100))


def budget_anchors() -> dict:
    """(year, month) → {unit: (tax, nontax)} for June and December of 2021-2023."""
    tot22, tax22, _ = ANCHORS["rev_2022"]
    dec22 = _split(_cents(tot22), _cents(tax22), _SHARE, _TAX_SHARE)
    rev22 = [sum(dec22[u]) for u in UNITS]
    tot21, tax21, _ = ANCHORS["rev_2021"]
    dec21 = _split(_cents(tot21), _cents(tax21), [r / k for r, k in zip(rev22, _R22_21)], _TAX_SHARE)
    tot23, tax23, _ = ANCHORS["rev_2023"]
    dec23 = _split(_cents(tot23), _cents(tax23), [r * k for r, k in zip(rev22, _R23_22)], _TAX_SHARE)
    out = {(2021, 12): dec21, (2022, 12): dec22, (2023, 12): dec23}
    t, x, _ = ANCHORS["rev_2021_06"]
    out[(2021, 6)] = _split(_cents(t), _cents(x), [sum(dec21[u]) * 0.48 for u in UNITS], _TAX_SHARE)
    t, x, _ = ANCHORS["rev_2022_06"]
    jun22 = _split(_cents(t), _cents(x), [sum(dec22[u]) * 0.47 for u in UNITS], _TAX_SHARE)
    out[(2022, 6)] = jun22
    t, x, _ = ANCHORS["rev_2023_06"]
    out[(2023, 6)] = _split(_cents(t), _cents(x),
                            [sum(jun22[u]) * (1 + g / 100) for u, g in zip(UNITS, _G23_06)], _TAX_SHARE)
    return out


@lru_cache(maxsize=None)
def budget_series() -> dict:
    """(year, month) → {unit: (tax, nontax)} cumulative since January, units of 0.01 万元."""
    rng = random.Random(SEED)
    anchors = budget_anchors()
    series = dict(anchors)
    for year in (2021, 2022, 2023):
        jun, dec = anchors[(year, 6)], anchors[(year, 12)]
        for m in range(1, 12):
            if m == 6:
                continue
            row = {}
            for u in UNITS:
                parts = []
                for k in (0, 1):
                    jitter = 1 + rng.uniform(-0.02, 0.02)
                    if m < 6:
                        v = jun[u][k] * _JAN_JUN[m - 1] * jitter
                    else:
                        v = jun[u][k] + (dec[u][k] - jun[u][k]) * _JUL_DEC[m - 7] * jitter
                    parts.append(int(round(v)))
                row[u] = tuple(parts)
            series[(year, m)] = row
    _check_monotonic(series)
    return series


def _check_monotonic(series: dict) -> None:
    for year in (2021, 2022, 2023):
        for m in range(2, 13):
            for u in UNITS:
                for k in (0, 1):
                    assert series[(year, m)][u][k] > series[(year, m - 1)][u][k], (year, m, u, k)


# --- bonds ------------------------------------------------------------------------------------
# (year, batch) → city total 亿元, 市本级 amount, general-bond total, units with nothing this batch
BOND_BATCHES = {
    (2022, "提前批次"): (83.65, 17.20, 4.60, ()),
    (2022, "第一批"): (45.30, 9.80, 2.10, ("赤坎区",)),
    (2022, "第二批"): (28.60, 6.40, 0.00, ("赤坎区", "霞山区", "麻章区")),
    (2023, "提前批次"): (109.00, 20.16, 5.30, ()),
    (2023, "第一批"): (52.40, 11.50, 2.80, ("霞山区",)),
    (2023, "第二批"): (31.75, 7.25, 0.00, ("赤坎区", "坡头区")),
}
_BOND_W = [0, 5, 6, 8, 7, 13, 11, 18, 17, 15]           # county weights (市本级 given)
_GEN_W = [3, 0, 0, 1, 1, 2, 2, 3, 3, 2]                  # who gets general bonds


def bond_batch(year: int, batch: str) -> dict:
    """unit → (general, special) in 0.01 亿元 (integers); absent units get (0, 0)."""
    total, own, gen, none = BOND_BATCHES[(year, batch)]
    rng = random.Random(f"{SEED}-{year}-{batch}")
    w = [0 if u in none else _BOND_W[i] * (1 + rng.uniform(-0.15, 0.15)) for i, u in enumerate(UNITS)]
    tot = [_cents(own)] + allocate(_cents(total) - _cents(own), w[1:])
    gw = [0 if tot[i] == 0 else _GEN_W[i] for i in range(len(UNITS))]
    g = allocate(_cents(gen), gw) if _cents(gen) else [0] * len(UNITS)
    out = {}
    for i, u in enumerate(UNITS):
        assert g[i] <= tot[i], (year, batch, u)
        out[u] = (g[i], tot[i] - g[i])
    return out


# --- rural roads ----------------------------------------------------------------------------
_TASK_W = [0, 4, 3, 9, 10, 16, 13, 20, 17, 12]
BEHIND = ("徐闻县", "雷州市", "麻章区")
_START = [0.05, 0.12, 0.22, 0.35, 0.48, 0.614, 0.70, 0.78, 0.86, 0.93, 0.98, 1.00]
_DONE = [0.00, 0.02, 0.05, 0.09, 0.15, 0.219, 0.31, 0.42, 0.55, 0.70, 0.86, 0.97]


def road_tasks(year: int) -> dict:
    """county → annual task in 0.1 km."""
    rng = random.Random(f"{SEED}-task-{year}")
    w = [x * (1 + rng.uniform(-0.1, 0.1)) for x in _TASK_W[1:]]
    return dict(zip(COUNTIES, allocate(int(ANCHORS["road_task"][year] * 10), w)))


def _road_raw(task: dict, lag: dict, k: tuple[float, float]) -> dict:
    raw = {}
    for m in range(1, 13):
        row = {}
        for c in COUNTIES:
            if c in BEHIND:   # far behind until mid-year, then catching up, unfinished in December
                f = 0.45 + 0.47 * max(0, m - 6) / 6
            else:
                f = lag[c] if m < 12 else 1.0
            ks, kd = k if m < 12 else (1.0, 1.0)
            s = min(task[c], round(task[c] * min(_START[m - 1] * f * ks, 1.0)))
            d = min(s, round(task[c] * min(_DONE[m - 1] * f * kd, 1.0)))
            row[c] = (s, d)
        raw[m] = row
    return raw


@lru_cache(maxsize=None)
def road_series(year: int) -> dict:
    """month → {county: (started, completed)} in 0.1 km, cumulative within the year."""
    task = road_tasks(year)
    rng = random.Random(f"{SEED}-road-{year}")
    lag = {c: 1 + rng.uniform(-0.05, 0.25) for c in COUNTIES}
    raw = _road_raw(task, lag, (1.0, 1.0))
    if year == 2023:
        s6, d6 = (int(x * 10) for x in ANCHORS["road_2023_06"])
        k = (s6 / sum(v[0] for v in raw[6].values()), d6 / sum(v[1] for v in raw[6].values()))
        raw = _road_raw(task, lag, k)
        s = allocate(s6, [raw[6][c][0] for c in COUNTIES])
        d = allocate(d6, [raw[6][c][1] for c in COUNTIES])
        raw[6] = {c: (si, di) for c, si, di in zip(COUNTIES, s, d)}
    return _road_monotonic(raw, task)


def _road_monotonic(raw: dict, task: dict) -> dict:
    """Clamp so that each county's figures never fall and completed ≤ started ≤ task."""
    for m in range(5, 0, -1):
        raw[m] = {c: (min(raw[m][c][0], raw[m + 1][c][0]), min(raw[m][c][1], raw[m + 1][c][1]))
                  for c in COUNTIES}
    for m in range(7, 13):
        raw[m] = {c: (max(raw[m][c][0], raw[m - 1][c][0]), max(raw[m][c][1], raw[m - 1][c][1]))
                  for c in COUNTIES}
    for m in range(1, 13):
        for c in COUNTIES:
            s, d = raw[m][c]
            assert d <= s <= task[c], (m, c, s, d, task[c])
    return raw


# --- farmer cooperatives -----------------------------------------------------------------------
_COOP_W = [0.8, 0.7, 6.0, 7.0, 15.0, 11.0, 24.0, 19.0, 16.5]
_COOP_GROWTH = [1.00, 0.99, 1.05, 1.02, 1.04, 0.985, 1.01, 1.00, 0.995]
MODEL_COOPS = {  # 国家级 / 省级 示范社 (stock, constant through 2023)
    "赤坎区": (0, 1), "霞山区": (0, 1), "坡头区": (1, 6), "麻章区": (1, 7), "遂溪县": (3, 15),
    "徐闻县": (2, 12), "廉江市": (5, 24), "雷州市": (4, 19), "吴川市": (2, 14),
}


def coop_anchors() -> dict:
    out = {}
    for i, (key, total) in enumerate(sorted(ANCHORS["coop"].items())):
        w = [x * g ** i for x, g in zip(_COOP_W, _COOP_GROWTH)]
        out[key] = dict(zip(COUNTIES, allocate(total, w)))
    return out


@lru_cache(maxsize=None)
def coop_series() -> dict:
    """'YYYY-MM' (2021-12 … 2023-12) → {county: count}, month-end stock."""
    anchors = coop_anchors()
    keys = sorted(anchors)
    out = {}
    for a, b in zip(keys, keys[1:]):
        ya, ma = map(int, a.split("-"))
        yb, mb = map(int, b.split("-"))
        n = (yb - ya) * 12 + (mb - ma)
        for k in range(n + 1):
            y, m = divmod(ya * 12 + ma - 1 + k, 12)
            out[f"{y}-{m + 1:02d}"] = {c: anchors[a][c] + round((anchors[b][c] - anchors[a][c]) * k / n)
                                       for c in COUNTIES}
    return out

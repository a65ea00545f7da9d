"""Numbers and phrases as official Chinese reports write them.

Everything an analyst reads goes through here, so that a figure is rounded and worded the
same way in a table, on a chart and in a 通报 paragraph.

Conventions
-----------
- Rounding is half-up (四舍五入), for display only: ``0.0625`` → ``"6.3%"``. The float is
  read through ``repr`` into :class:`decimal.Decimal` so that ``0.0625 * 100`` does not turn
  into ``6.249999…``.
- Text writes a decline by its magnitude: ``"下降6.3%"``, never ``"增长-6.3%"``.
- A signed percent for tables and Excel (:func:`fmt_pct` with ``signed=True``) uses the ASCII
  hyphen-minus, ``"-6.3%"``: Excel, CSV readers and ``float()`` all parse it, while the
  typographic minus U+2212 is read as text, and common Chinese office fonts (SimHei) lack it.
- A figure that is undefined (no base, zero base, change of basis) is written ``"—"``.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

DASH = "—"

#: Words for the traffic lights of :func:`baimq.progress`.
LIGHT_WORDS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}

#: How cumulative periods ending at a quarter are named when a rate is compared with them.
QUARTER_WORDS = {3: "一季度", 6: "上半年", 9: "前三季度", 12: "全年"}


def _missing(x) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x)) or math.isinf(float(x))
    except (TypeError, ValueError):
        return True


def round_half_up(x: float, digits: int = 1) -> Decimal:
    """Round *x* half-up to *digits* decimals, as a Decimal.

    ``repr`` gives the shortest decimal that reads back as the same float, so
    ``round_half_up(6.25, 1) == Decimal("6.3")`` and ``round_half_up(0.0625 * 100, 1)``
    is ``6.3`` although ``0.0625 * 100`` is stored as ``6.25``.
    """
    q = Decimal(1).scaleb(-digits)
    return Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP)


def _percent_decimal(fraction: float, digits: int) -> Decimal:
    # fraction → percent by moving the decimal point on the Decimal, not by float * 100
    return round_half_up_decimal(Decimal(repr(float(fraction))).scaleb(2), digits)


def round_half_up_decimal(d: Decimal, digits: int) -> Decimal:
    """Half-up rounding of a Decimal (see :func:`round_half_up`)."""
    return d.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def fmt_number(x, digits: int = 2, thousands: bool = False) -> str:
    """A number rounded half-up: ``69.435`` → ``"69.44"``; undefined → ``"—"``."""
    if _missing(x):
        return DASH
    d = round_half_up(x, digits)
    if d == 0:
        d = abs(d)
    return f"{d:,f}" if thousands else format(d, "f")


#: Decimals shown for an amount in a unit (others: 2). Counts are whole numbers.
UNIT_DIGITS = {"家": 0, "个": 0, "户": 0, "所": 0, "人": 0}


def fmt_amount(x, unit: str = "", digits: int | None = None) -> str:
    """An amount with its unit: ``fmt_amount(69.44, "亿元")`` → ``"69.44亿元"``;
    ``fmt_amount(8021, "家")`` → ``"8021家"`` (digits default by unit, see UNIT_DIGITS)."""
    s = fmt_number(x, UNIT_DIGITS.get(unit, 2) if digits is None else digits)
    return s if s == DASH else f"{s}{unit}"


def fmt_pct(fraction, digits: int = 1, signed: bool = False) -> str:
    """A fraction as a percent: ``0.0625`` → ``"6.3%"``.

    Parameters
    ----------
    fraction : float
        0.062 for 6.2%.
    digits : int
        Decimals shown.
    signed : bool
        For tables and Excel: keep the sign, with an ASCII hyphen-minus (``"-6.3%"``).
        When False the magnitude is shown (text words the sign, see :func:`growth_words`).
    """
    if _missing(fraction):
        return DASH
    d = _percent_decimal(fraction, digits)
    if d == 0:
        d = abs(d)
    if not signed:
        d = abs(d)
    return f"{format(d, 'f')}%"


def pct_points(fraction, digits: int = 1) -> Decimal | None:
    """The displayed percent of a fraction as a Decimal (``0.0625`` → ``Decimal("6.3")``)."""
    return None if _missing(fraction) else _percent_decimal(fraction, digits)


def growth_words(fraction, digits: int = 1) -> str:
    """``"增长6.2%"`` / ``"下降3.4%"`` / ``"持平"`` (when it rounds to 0); ``"—"`` when undefined."""
    d = pct_points(fraction, digits)
    if d is None:
        return DASH
    if d == 0:
        return "持平"
    return f"{'增长' if d > 0 else '下降'}{format(abs(d), 'f')}%"


def change_words(amount, unit: str = "", digits: int | None = None) -> str:
    """``"增加50.27亿元"`` / ``"减少3.10亿元"`` / ``"持平"``; ``"—"`` when undefined."""
    if _missing(amount):
        return DASH
    d = round_half_up(amount, UNIT_DIGITS.get(unit, 2) if digits is None else digits)
    if d == 0:
        return "持平"
    return f"{'增加' if d > 0 else '减少'}{format(abs(d), 'f')}{unit}"


def pace_words(current, previous, digits: int = 1) -> str:
    """How a growth rate moved, in 个百分点.

    The difference is taken between the rates *as displayed* (each rounded half-up to
    *digits*), so the reader can check it: 6.2% against 5.1% is "提高1.1个百分点".
    When both rates are declines the words are "降幅收窄" / "降幅扩大".

    >>> pace_words(0.062, 0.051)
    '提高1.1个百分点'
    >>> pace_words(-0.034, -0.085)
    '降幅收窄5.1个百分点'
    """
    cur, prev = pct_points(current, digits), pct_points(previous, digits)
    if cur is None or prev is None:
        return DASH
    diff = cur - prev
    if diff == 0:
        return "持平"
    size = f"{format(abs(diff), 'f')}个百分点"
    if cur < 0 and prev < 0:
        return f"降幅{'收窄' if diff > 0 else '扩大'}{size}"
    return f"{'提高' if diff > 0 else '回落'}{size}"


def pp_words(points, digits: int = 1) -> str:
    """A difference already in percentage points: ``1.2`` → ``"提高1.2个百分点"``."""
    if _missing(points):
        return DASH
    d = round_half_up(points, digits)
    if d == 0:
        return "持平"
    return f"{'提高' if d > 0 else '回落'}{format(abs(d), 'f')}个百分点"


def rank_change_words(change) -> str:
    """``2`` → ``"上升2位"``, ``-1`` → ``"下降1位"``, ``0`` → ``"位次不变"``; undefined → ``"—"``."""
    if _missing(change):
        return DASH
    n = int(round(float(change)))
    if n == 0:
        return "位次不变"
    return f"{'上升' if n > 0 else '下降'}{abs(n)}位"


def light_words(light) -> str:
    """``"green"`` → ``"绿灯"``; anything else → ``"—"``."""
    return LIGHT_WORDS.get(light, DASH) if isinstance(light, str) else DASH


def period_words(period, cumulative: bool = True, as_of: str = "", *,
                 with_year: bool = False, quarter_names: bool = False) -> str:
    """A period as reports write it.

    Monthly cumulative ``"1-6月"`` (January ``"1月"``); annual ``"2022年"``; a stock at a
    month end ``"截至6月底"``; as of a day ``"截至6月15日"``. With *quarter_names*,
    cumulative periods ending a quarter read ``"一季度"``, ``"上半年"``, ``"前三季度"``
    (the words used when a rate is compared with them).
    """
    p = period if isinstance(period, pd.Period) else pd.Period(str(period))
    freq = p.freqstr.split("-")[0]
    if freq in ("Y", "A"):
        return f"{p.year}年"
    year = f"{p.year}年" if with_year else ""
    if as_of:
        day = pd.Timestamp(as_of)
        return f"截至{year}{day.month}月{day.day}日"
    month = p.month if freq != "Q" else p.quarter * 3
    if not cumulative:
        return f"截至{year}{month}月底"
    if quarter_names and month in QUARTER_WORDS and month != 12:
        return f"{year}{QUARTER_WORDS[month]}"
    if month == 12 and quarter_names:
        return f"{year}全年" if year else "全年"
    return f"{year}1月" if month == 1 else f"{year}1-{month}月"
